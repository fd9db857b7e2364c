//! Kubernetes manifests read end to end: the findings a tree of manifests gives.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)] // tests fail by panicking

mod common;

use common::{poollint, tree};

const DATABASE: &str = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n        - name: db\n          image: postgres:16\n          args: [\"-c\", \"max_connections=100\"]\n";

/// The concise findings of a check of `files`.
fn check(files: &[(&str, &str)]) -> String {
    let dir = tree(files);
    let output = poollint()
        .args(["check", "-f", "concise"])
        .arg(dir.path())
        .output()
        .expect("run");
    String::from_utf8(output.stdout).expect("UTF-8")
}

/// An Argo Rollout was not read: its pods' pools were neither counted nor multiplied by
/// its replicas. A blue-green update runs the preview at full replicas beside the
/// active ones before it switches (whatever `previewReplicaCount` holds until then).
#[test]
fn a_blue_green_rollout_doubles_its_pods_during_an_update() {
    let rollout = "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: web\nspec:\n  replicas: 3\n  strategy:\n    blueGreen:\n      activeService: web\n      previewReplicaCount: 1\n  template:\n    spec:\n      containers:\n        - name: web\n          image: web:1\n          env:\n            - name: SPRING_DATASOURCE_URL\n              value: jdbc:postgresql://db:5432/app\n            - name: SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE\n              value: \"30\"\n";
    let out = check(&[("k8s/db.yaml", DATABASE), ("k8s/web.yaml", rollout)]);
    assert!(
        out.contains("error[rollout-surge-exceeds-db-slots] during a rolling update the fleet can open 180 connections to database db but it accepts 97: demand 180 = web 6 instances (3 replicas + 3 surge) × 1 process × pool 30"),
        "{out}"
    );
    assert!(!out.contains("fleet-exceeds-db-slots"), "{out}");
}
