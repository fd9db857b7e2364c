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

/// A Rollout of `replicas` pods with a Hikari pool of `pool`, updated by `strategy`
/// (the lines under `strategy:`, indented by four spaces).
fn rollout(replicas: u32, pool: u32, strategy: &str) -> String {
    format!("apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: web\nspec:\n  replicas: {replicas}\n  strategy:\n{strategy}  template:\n    spec:\n      containers:\n        - name: web\n          image: web:1\n          env:\n            - name: SPRING_DATASOURCE_URL\n              value: jdbc:postgresql://db:5432/app?socketTimeout=30\n            - name: SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE\n              value: \"{pool}\"\n")
}

/// The rollout rule's findings in a check of `files`, as (help, the labels' messages).
fn rollout_findings(files: &[(&str, &str)]) -> Vec<(String, Vec<String>)> {
    let dir = tree(files);
    let output = poollint()
        .args(["check", "--format", "json"])
        .arg(dir.path())
        .output()
        .expect("run");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["rule"] == "rollout-surge-exceeds-db-slots")
        .map(|d| {
            let labels = d["labels"].as_array().expect("labels").iter();
            let labels = labels.map(|l| l["message"].as_str().expect("label").to_owned());
            (
                d["help"].as_str().expect("help").to_owned(),
                labels.collect(),
            )
        })
        .collect()
}

const SAFE_CANARY: &str = "    canary:\n      maxSurge: 0\n      maxUnavailable: 1\n";

/// A blue-green Rollout's help offered "set maxSurge to 0 …, use the Recreate
/// strategy": a Rollout has neither, and its label called the `blueGreen:` block
/// "maxSurge". Only a canary bounds the extra pods, and following the help passes:
/// 3 + 1 pods × 20 = 80 connections within the 97 slots.
#[test]
fn a_blue_green_rollouts_help_offers_a_canary_which_passes() {
    let blue_green = "    blueGreen:\n      activeService: web\n      previewReplicaCount: 1\n";
    let found = rollout_findings(&[
        ("k8s/db.yaml", DATABASE),
        ("k8s/web.yaml", &rollout(3, 20, blue_green)),
    ]);
    assert_eq!(found.len(), 1, "{found:?}");
    let (help, labels) = &found[0];
    assert!(
        help.ends_with("or replace the blueGreen strategy by a canary strategy without trafficRouting, with maxSurge 0 and maxUnavailable 1 (a blue-green update runs the full replicas twice: previewReplicaCount holds only until promotion); or put a pooler (PgBouncer) in front"),
        "{help}"
    );
    assert!(!help.contains("Recreate"), "{help}");
    assert!(
        labels.contains(&"blueGreen strategy".to_owned()),
        "{labels:?}"
    );
    let fixed = rollout(3, 20, SAFE_CANARY);
    let found = rollout_findings(&[("k8s/db.yaml", DATABASE), ("k8s/web.yaml", &fixed)]);
    assert!(found.is_empty(), "{found:?}");
}

/// A traffic-routed canary ignores maxSurge and keeps the stable fully scaled: its
/// help offered maxSurge 0; `dynamicStableScale: true` is what scales the stable down.
#[test]
fn a_traffic_routed_canarys_help_offers_dynamic_stable_scale_which_passes() {
    let routed =
        "    canary:\n      trafficRouting:\n        nginx:\n          stableIngress: web\n";
    let found = rollout_findings(&[
        ("k8s/db.yaml", DATABASE),
        ("k8s/web.yaml", &rollout(3, 20, routed)),
    ]);
    assert_eq!(found.len(), 1, "{found:?}");
    let (help, labels) = &found[0];
    assert!(
        help.contains("or set dynamicStableScale: true, which scales the stable pods down as traffic moves to the canary (maxSurge does not apply with trafficRouting), or use a canary strategy without trafficRouting, with maxSurge 0 and maxUnavailable 1; or put a pooler"),
        "{help}"
    );
    assert!(labels.contains(&"trafficRouting".to_owned()), "{labels:?}");
    let dynamic = routed.replace("canary:\n", "canary:\n      dynamicStableScale: true\n");
    let found = rollout_findings(&[
        ("k8s/db.yaml", DATABASE),
        ("k8s/web.yaml", &rollout(3, 20, &dynamic)),
    ]);
    assert!(found.is_empty(), "{found:?}");
}

/// A fleet of a Deployment and a Rollout gets each its own advice, named; a plain
/// canary's has no Recreate strategy.
#[test]
fn a_mixed_fleets_help_names_each_workloads_fix() {
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n        - name: api\n          image: api:1\n          env:\n            - name: SPRING_DATASOURCE_URL\n              value: jdbc:postgresql://db:5432/app?socketTimeout=30\n            - name: SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE\n              value: \"10\"\n";
    let canary = "    canary:\n      maxSurge: 2\n";
    let found = rollout_findings(&[
        ("k8s/db.yaml", DATABASE),
        ("k8s/api.yaml", deployment),
        ("k8s/web.yaml", &rollout(3, 18, canary)),
    ]);
    assert_eq!(found.len(), 1, "{found:?}");
    let (help, labels) = &found[0];
    assert!(
        help.ends_with("or for api (rolling update): set maxSurge to 0 and maxUnavailable to 1 or use the Recreate strategy; for web (canary Rollout): set the canary's maxSurge to 0 and maxUnavailable to 1; or put a pooler (PgBouncer) in front"),
        "{help}"
    );
    assert_eq!(
        labels.iter().filter(|l| *l == "maxSurge").count(),
        2,
        "{labels:?}"
    );
}

/// A workload of `kind` named web (its `spec` lines before the template, indented by two
/// spaces) whose container has a Hikari pool of `pool`.
fn workload(kind: &str, spec: &str, pool: u32) -> String {
    format!("apiVersion: apps/v1\nkind: {kind}\nmetadata:\n  name: web\nspec:\n{spec}  template:\n    spec:\n      containers:\n        - name: web\n          image: web:1\n          env:\n            - name: SPRING_DATASOURCE_URL\n              value: jdbc:postgresql://db:5432/app?socketTimeout=30\n            - name: SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE\n              value: \"{pool}\"\n")
}

/// A DaemonSet's help offered "the Recreate strategy", which a DaemonSet lacks
/// (`RollingUpdate` or `OnDelete`), and its default `maxSurge: 0` with
/// `maxUnavailable: 1` was warned of as one pod above the nodes while the old one
/// terminates: the DaemonSet controller creates a node's new pod only once the old one
/// is gone (`podsShouldBeOnNode`). The help's fixes, its defaults or `OnDelete`, pass.
#[test]
fn a_daemon_sets_help_offers_its_own_strategies_which_pass() {
    let surging =
        "  updateStrategy:\n    rollingUpdate:\n      maxSurge: 1\n      maxUnavailable: 0\n";
    let found = rollout_findings(&[
        ("k8s/db.yaml", DATABASE),
        ("k8s/web.yaml", &workload("DaemonSet", surging, 60)),
    ]);
    assert_eq!(found.len(), 1, "{found:?}");
    let (help, _) = &found[0];
    assert!(
        help.ends_with("or set maxSurge to 0 and maxUnavailable to 1 (the DaemonSet's defaults: a node's new pod then starts once its old one has exited) or use the OnDelete update strategy; or put a pooler (PgBouncer) in front"),
        "{help}"
    );
    assert!(!help.contains("Recreate"), "{help}");
    for fixed in ["", "  updateStrategy:\n    type: OnDelete\n"] {
        let found = rollout_findings(&[
            ("k8s/db.yaml", DATABASE),
            ("k8s/web.yaml", &workload("DaemonSet", fixed, 60)),
        ]);
        assert!(found.is_empty(), "{fixed:?}: {found:?}");
    }
}

/// A StatefulSet's rolling update has no surge (its pods are replaced one by one, or
/// `maxUnavailable` at a time): no rollout is counted for it, so no help offers it a
/// strategy; a Deployment of the same pods does surge.
#[test]
fn a_stateful_set_has_no_rollout_finding() {
    let spec = "  replicas: 3\n";
    let found = rollout_findings(&[
        ("k8s/db.yaml", DATABASE),
        ("k8s/web.yaml", &workload("StatefulSet", spec, 30)),
    ]);
    assert!(found.is_empty(), "{found:?}");
    let found = rollout_findings(&[
        ("k8s/db.yaml", DATABASE),
        ("k8s/web.yaml", &workload("Deployment", spec, 30)),
    ]);
    assert_eq!(found.len(), 1, "{found:?}");
}

/// A quoted Job count or KEDA bound was invalid but not reported, unlike
/// `replicas: "3"`: each is a parse-error at the value, with the API server's refusal.
#[test]
fn quoted_job_counts_and_keda_bounds_are_parse_errors_at_the_value() {
    let manifests = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\nspec:\n  parallelism: \"3\"\n  template:\n    spec:\n      containers:\n        - name: migrate\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n        - name: web\n---\napiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: web\nspec:\n  scaleTargetRef:\n    name: web\n  maxReplicaCount: \"10\"\n";
    let out = check(&[("k8s/app.yaml", manifests)]);
    assert!(
        out.contains("k8s/app.yaml:6:16: error[parse-error] json: cannot unmarshal string into Go struct field JobSpec.spec.parallelism of type int32; the API server refuses the Job"),
        "{out}"
    );
    assert!(
        out.contains("k8s/app.yaml:30:20: error[parse-error] spec.maxReplicaCount: Invalid value: \"string\": spec.maxReplicaCount in body must be of type integer: \"string\"; the API server refuses the ScaledObject"),
        "{out}"
    );
}

/// The database's steady demand in `poollint capacity` of `files`.
fn steady_demand(files: &[(&str, &str)]) -> serde_json::Value {
    let dir = tree(files);
    let output = poollint()
        .args(["capacity", "--format", "json"])
        .arg(dir.path())
        .output()
        .expect("run");
    let capacity: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    capacity["databases"][0]["demand_steady"].clone()
}

/// A Deployment of 3 replicas whose container runs `command` (YAML flow list lines)
/// with `SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE: "30"`.
fn spring_deployment(command: &str) -> String {
    format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n  strategy:\n    type: Recreate\n  template:\n    spec:\n      containers:\n        - name: web\n          image: web:1\n{command}          env:\n            - name: SPRING_DATASOURCE_URL\n              value: jdbc:postgresql://db:5432/app?socketTimeout=30\n            - name: SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE\n              value: \"30\"\n")
}

/// Spring Boot's command-line arguments outrank the environment: with
/// `args: ["--spring.datasource.hikari.maximum-pool-size=40"]` the pool is 40, not the
/// variable's 30 (poollint counted 3 × 30).
#[test]
fn a_spring_command_line_argument_overrides_the_environment() {
    let args = "          args: [\"--spring.datasource.hikari.maximum-pool-size=40\"]\n";
    let demand = steady_demand(&[
        ("k8s/db.yaml", DATABASE),
        ("k8s/web.yaml", &spring_deployment(args)),
    ]);
    assert_eq!(demand, 120);
    let out = check(&[
        ("k8s/db.yaml", DATABASE),
        ("k8s/web.yaml", &spring_deployment(args)),
    ]);
    // The finding points at the argument's value.
    assert!(
        out.contains("k8s/web.yaml:14:64: error[fleet-exceeds-db-slots]"),
        "{out}"
    );
}

/// `java … -jar app.jar`: its `-D` system properties outrank the environment and
/// lose to the application's `--` arguments, over the linked application.yml; a shell
/// script that runs `java` is read as that command (tests/jvm_options.rs), another
/// program's command line is not read.
#[test]
fn a_java_commands_system_properties_and_arguments_override_the_linked_application() {
    let application = "spring:\n  datasource:\n    url: jdbc:postgresql://db:5432/app?socketTimeout=30\n    hikari:\n      maximum-pool-size: 10\n";
    let manifest = "[[database]]\nname = \"db\"\nmax-connections = 100\n\n[[service]]\nname = \"web\"\nconfig = [\"web/application.yml\"]\ndeployment = \"k8s/web.yaml\"\nconnects-to = \"db\"\n";
    let demand = |command: &str| {
        let command = format!("          command: [{command}]\n");
        steady_demand(&[
            ("poollint.toml", manifest),
            ("web/application.yml", application),
            ("k8s/web.yaml", &spring_deployment(&command)),
        ])
    };
    let java = "\"java\", \"-Xmx512m\", \"-Dspring.datasource.hikari.maximum-pool-size=25\", \"-cp\", \"lib.jar\", \"-jar\", \"/app.jar\"";
    assert_eq!(demand(java), 75);
    let argument = format!("{java}, \"--spring.datasource.hikari.maximum-pool-size=40\"");
    assert_eq!(demand(&argument), 120);
    // After `--` Spring reads no option; a `-D` after the jar is the application's.
    let ignored = format!("{java}, \"--\", \"--spring.datasource.hikari.maximum-pool-size=40\", \"-Dspring.datasource.hikari.maximum-pool-size=50\"");
    assert_eq!(demand(&ignored), 75);
    let shell =
        "\"sh\", \"-c\", \"java -Dspring.datasource.hikari.maximum-pool-size=25 -jar /app.jar\"";
    assert_eq!(demand(shell), 75);
    let script = "\"/app/run.sh\", \"-Dspring.datasource.hikari.maximum-pool-size=25\"";
    assert_eq!(demand(script), 90);
}

/// `poollint check k8s/service.yaml`, a file holding only a Service, brought in the
/// topology its `poollint.toml` declares (120 connections against 97 slots) and exited
/// 1: the Kubernetes reader accepted every manifest. A file that adds nothing to the
/// model is skipped as a Helm template is: no file checked, exit 0; the Deployment beside
/// it still brings the finding in.
#[test]
fn a_path_holding_only_a_service_brings_no_topology_in() {
    let application = "spring:\n  datasource:\n    url: jdbc:postgresql://db:5432/app\n    hikari:\n      maximum-pool-size: 40\n";
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n        - name: web\n          image: web:1\n";
    let service = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n  ports:\n    - port: 80\n";
    let manifest = "[[database]]\nname = \"app\"\nconfig = \"db/postgresql.conf\"\n\n[[service]]\nname = \"web\"\nconfig = [\"web/application.yml\"]\ndeployment = \"k8s/deployment.yaml\"\nconnects-to = \"app\"\n";
    let dir = tree(&[
        ("web/application.yml", application),
        ("k8s/deployment.yaml", deployment),
        ("k8s/service.yaml", service),
        ("db/postgresql.conf", "max_connections = 100\n"),
        ("poollint.toml", manifest),
    ]);
    let run = |path: &str| {
        let output = poollint()
            .current_dir(dir.path())
            .args(["check", "-f", "concise", path])
            .output()
            .expect("run");
        let text = |bytes: Vec<u8>| String::from_utf8(bytes).expect("UTF-8");
        (
            output.status.code(),
            text(output.stdout),
            text(output.stderr),
        )
    };
    let (code, out, err) = run("k8s/service.yaml");
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(!out.contains("fleet-exceeds-db-slots"), "{out}");
    assert!(
        err.contains("no configuration file poollint reads was found in k8s/service.yaml"),
        "{err}"
    );
    let (code, out, _) = run("k8s/deployment.yaml");
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("fleet-exceeds-db-slots"), "{out}");
}

/// An Argo Rollout of `replicas` pods that runs the pod template of the Deployment `web`
/// (`workloadRef`), with `extra` lines under `workloadRef` (indented by four spaces).
fn workload_ref_rollout(replicas: u32, extra: &str) -> String {
    format!("apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: web\nspec:\n  replicas: {replicas}\n  workloadRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: web\n{extra}  strategy:\n    canary:\n      maxSurge: 0\n      maxUnavailable: 1\n")
}

/// A Rollout's `workloadRef` was not followed: the Rollout, which runs the
/// Deployment's template with its own replicas, was read without containers, and only
/// the Deployment's 2 pods × 20 were counted (40 of 97 slots). Without `scaleDown` the
/// Deployment keeps its pods beside the Rollout's 3 (argo-rollouts
/// `rollout/templateref.go`): 100 connections, the pool pointing into the Deployment.
#[test]
fn a_rollouts_workload_ref_runs_the_deployments_pools_with_the_rollouts_replicas() {
    let deployment = workload(
        "Deployment",
        "  replicas: 2\n  strategy:\n    type: Recreate\n",
        20,
    );
    let out = check(&[
        ("k8s/db.yaml", DATABASE),
        ("k8s/web.yaml", &deployment),
        ("k8s/rollout.yaml", &workload_ref_rollout(3, "")),
    ]);
    assert!(
        out.contains("the fleet can open 100 connections to database db but it accepts 97: demand 100 = web 3 instances ("),
        "{out}"
    );
    // The Rollout's replicas, with the pool of the Deployment's template.
    assert!(
        out.contains("k8s/rollout.yaml:6) × 1 process × pool 20 ("),
        "{out}"
    );
    assert!(out.contains("k8s/web.yaml:18) [connects-to"), "{out}");
    assert!(out.contains("+ web 2 instances ("), "{out}");
}

/// `scaleDown: onsuccess` and `progressively` were not read: the Deployment's pods
/// were counted though the controller scales the Deployment to 0 once the Rollout is
/// healthy (`rollout/scale_utils.go`), its autoscaler then scaling nothing. `never`
/// leaves them running, as no `scaleDown` does.
#[test]
fn a_workload_ref_scale_down_drops_the_deployments_pods() {
    let deployment = workload(
        "Deployment",
        "  replicas: 2\n  strategy:\n    type: Recreate\n",
        20,
    );
    let hpa = "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: web\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: web\n  minReplicas: 2\n  maxReplicas: 10\n";
    let run = |scale_down: &str| {
        check(&[
            ("k8s/db.yaml", DATABASE),
            ("k8s/web.yaml", &deployment),
            ("k8s/hpa.yaml", hpa),
            ("k8s/rollout.yaml", &workload_ref_rollout(5, scale_down)),
        ])
    };
    for value in ["onsuccess", "progressively"] {
        let out = run(&format!("    scaleDown: {value}\n"));
        // The Rollout's 5 pods alone: 100 connections.
        assert!(
            out.contains("demand 100 = web 5 instances ("),
            "{value}: {out}"
        );
        assert!(out.contains(&format!("+ web 0 instances (inferred: the Argo Rollout web runs this Deployment's pod template and, with `workloadRef.scaleDown: {value}`, scales it to 0 once the Rollout is healthy)")), "{value}: {out}");
    }
    let out = run("    scaleDown: never\n");
    assert!(out.contains("demand 140 = web 5 instances ("), "{out}");
    assert!(out.contains("+ web 2 instances ("), "{out}");
}

/// A `workloadRef` to a Deployment not among the files leaves the Rollout without
/// containers, and a note says which Deployment was not found. A template written
/// beside the reference is not run (the controller replaces it with the referenced
/// one, `rollout/templateref.go`): its pool of 40 × 3 pods was counted.
#[test]
fn a_workload_ref_to_a_missing_deployment_is_noted() {
    let own_template = rollout(3, 40, SAFE_CANARY).replace(
        "  strategy:\n",
        "  workloadRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: web\n  strategy:\n",
    );
    let dir = tree(&[
        ("k8s/db.yaml", DATABASE),
        ("k8s/rollout.yaml", &own_template),
    ]);
    let output = poollint()
        .args(["check", "-f", "concise"])
        .arg(dir.path())
        .output()
        .expect("run");
    let out = String::from_utf8(output.stdout).expect("UTF-8");
    assert!(!out.contains("fleet-exceeds-db-slots"), "{out}");
    let err = String::from_utf8(output.stderr).expect("UTF-8");
    assert!(
        err.contains("names Deployment default/web, which is not among the files checked: the Rollout is read without containers, so no pool of its pods is counted"),
        "{err}"
    );
    // A PodTemplate (core group) is a kind the controller takes and poollint does not read.
    let pod_template = workload_ref_rollout(3, "").replace(
        "apiVersion: apps/v1\n    kind: Deployment",
        "apiVersion: v1\n    kind: PodTemplate",
    );
    let deployment = workload("Deployment", "  replicas: 2\n", 20);
    let dir = tree(&[
        ("k8s/web.yaml", &deployment),
        ("k8s/rollout.yaml", &pod_template),
    ]);
    let output = poollint()
        .args(["check", "-f", "concise"])
        .arg(dir.path())
        .output()
        .expect("run");
    let err = String::from_utf8(output.stderr).expect("UTF-8");
    assert!(
        err.contains("names v1 PodTemplate default/web: poollint follows a workloadRef only to an apps/v1 Deployment or ReplicaSet: the Rollout is read without containers"),
        "{err}"
    );
}
