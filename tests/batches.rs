//! Files are parsed and read unit by unit, in batches of about 256 files, so their
//! syntax trees need not all be in memory at once. References between files in
//! different units and batches still resolve: a Kubernetes Deployment's `env` from a
//! ConfigMap and a Secret, and an autoscaler, each in another batch; and the Spring
//! profiles of one application are read together in whatever batch they fall.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)] // tests fail by panicking

use poollint::engine::{self, CheckRequest};

fn write(root: &std::path::Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn kubernetes_references_resolve_across_batches() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // Sorted first: the ConfigMap and the Secret, in the first batch.
    write(root, "a-config.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pool\ndata:\n  SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE: \"25\"\n");
    write(
        root,
        "a-secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  idle: \"7\"\n",
    );
    // Enough manifests between them to fill more than one batch.
    for i in 0..600 {
        write(root, &format!("m/{i:04}.yaml"), &format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: filler-{i}\ndata:\n  x: \"1\"\n"));
    }
    // Sorted last: the workload and its autoscaler.
    write(root, "z-deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n        - name: web\n          envFrom:\n            - configMapRef:\n                name: pool\n          env:\n            - name: SPRING_DATASOURCE_HIKARI_MINIMUM_IDLE\n              valueFrom:\n                secretKeyRef:\n                  name: db\n                  key: idle\n");
    write(root, "zz-hpa.yaml", "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: web\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: web\n  minReplicas: 2\n  maxReplicas: 9\n");
    let report = engine::check(&CheckRequest::new(vec![root.to_path_buf()]));
    assert!(
        report.internal_errors.is_empty(),
        "{:?}",
        report.internal_errors
    );
    assert_eq!(report.files_checked(), 604);
    let pool = &report.model.pools[0];
    assert_eq!(pool.max.get(), Some(&25));
    assert_eq!(pool.min.get(), Some(&7));
    let web = report
        .model
        .services
        .iter()
        .find(|s| s.name == "web")
        .expect("the Deployment's service");
    let deployment = web.deployment.as_ref().unwrap();
    assert_eq!(deployment.max_replicas.as_ref().unwrap().get(), Some(&9));
}

#[test]
fn spring_profiles_of_one_application_are_read_together_in_any_batch() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for i in 0..300 {
        write(
            root,
            &format!("a/svc{i:03}/application.yml"),
            "spring:\n  datasource:\n    hikari:\n      maximum-pool-size: 5\n",
        );
    }
    // One application's two files, after the first batch is full.
    write(
        root,
        "z/app/application.yml",
        "spring:\n  datasource:\n    hikari:\n      maximum-pool-size: 10\n",
    );
    write(
        root,
        "z/app/application-prod.yml",
        "spring:\n  datasource:\n    hikari:\n      maximum-pool-size: 40\n",
    );
    let report = engine::check(&CheckRequest::new(vec![root.to_path_buf()]));
    let prod = report
        .model
        .pools
        .iter()
        .find(|p| p.profile.as_deref() == Some("prod"))
        .expect("the prod profile's pool");
    assert_eq!(prod.max.get(), Some(&40));
    assert_eq!(report.model.pools.len(), 302);
}
