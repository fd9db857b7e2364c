//! Files are parsed and read unit by unit, in batches of about 256 files, so their
//! syntax trees need not all be in memory at once. References between files in
//! different units and batches still resolve: a Kubernetes Deployment's `env` from a
//! ConfigMap and a Secret, and an autoscaler, each in another batch; and the Spring
//! profiles of one application are read together in whatever batch they fall. A run
//! split between manifests drops each share's model once its findings are final.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)] // tests fail by panicking

use poollint::engine::{self, CheckRequest};

mod common;
use common::write_file as write;

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
    write_numbered(
        root,
        600,
        |i| format!("m/{i:04}.yaml"),
        |i| {
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: filler-{i}\ndata:\n  x: \"1\"\n")
        },
    );
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
    write_numbered(
        root,
        300,
        |i| format!("a/svc{i:03}/application.yml"),
        |_| "spring:\n  datasource:\n    hikari:\n      maximum-pool-size: 5\n".into(),
    );
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

#[test]
fn texts_are_released_once_read_and_read_again_for_findings() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let finding = "spring:\n  datasource:\n    password: hunter2-secret\n    hikari:\n      max-lifetime: 10000\n";
    write(root, "app/application.yml", finding);
    let clean = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: filler\ndata:\n  x: \"1\"\n";
    write(root, "k8s/filler.yaml", clean);
    let marked = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: marked # poollint: ignore[pool-size-invalid]\ndata:\n  x: \"1\"\n";
    write(root, "k8s/marked.yaml", marked);
    let mut report = engine::check(&CheckRequest::new(vec![root.to_path_buf()]));
    engine::reread_for_output(&mut report, true);
    assert!(
        report.internal_errors.is_empty(),
        "{:?}",
        report.internal_errors
    );
    let file = |name: &str| {
        let found = report
            .sources
            .files()
            .iter()
            .find(|f| f.display.ends_with(name));
        found.unwrap_or_else(|| panic!("{name} was not read"))
    };
    // No finding: the text is not in memory, and reads back unchanged on demand.
    let filler = file("filler.yaml");
    assert!(filler.text_in_memory().is_none());
    assert_eq!(filler.len(), clean.len());
    assert_eq!(filler.text(), clean);
    // A finding: read again for the output, with its secret masked.
    assert!(report
        .diagnostics
        .iter()
        .any(|d| d.rule == "hikari-max-lifetime-below-minimum"));
    let app = file("application.yml");
    let text = app
        .text_in_memory()
        .expect("the text of a file with findings");
    assert_eq!(text, finding.replace("hunter2-secret", "**************"));
    // An inline suppression: kept, for the suppressions to be found.
    assert_eq!(file("marked.yaml").text_in_memory(), Some(marked));
}

#[test]
fn a_file_changed_before_its_findings_are_shown_is_an_internal_error() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let finding = "spring:\n  datasource:\n    hikari:\n      max-lifetime: 10000\n";
    write(root, "app/application.yml", finding);
    let mut report = engine::check(&CheckRequest::new(vec![root.to_path_buf()]));
    assert!(!report.diagnostics.is_empty());
    write(
        root,
        "app/application.yml",
        &finding.replace("10000", "20000"),
    );
    engine::reread_for_output(&mut report, true);
    assert_eq!(
        report.internal_errors.len(),
        1,
        "{:?}",
        report.internal_errors
    );
    let error = &report.internal_errors[0];
    assert!(
        error.contains("application.yml: changed on disk"),
        "{error}"
    );
    assert!(error.contains("shown without its text"), "{error}");
}

#[test]
fn positions_in_released_ascii_files_need_no_second_read() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let ascii = "spring:\n  datasource:\n    hikari:\n      max-lifetime: 10000\n";
    write(root, "ascii/application.yml", ascii);
    let accented = format!("# café\n{ascii}");
    write(root, "accented/application.yml", &accented);
    let mut report = engine::check(&CheckRequest::new(vec![root.to_path_buf()]));
    // Both change on disk before the output: only the one whose positions need its
    // text is read again (and found changed).
    for (rel, text) in [
        ("ascii/application.yml", ascii),
        ("accented/application.yml", &accented),
    ] {
        write(root, rel, &text.replace("10000", "20000"));
    }
    engine::reread_for_output(&mut report, false);
    assert_eq!(
        report.internal_errors.len(),
        1,
        "{:?}",
        report.internal_errors
    );
    assert!(report.internal_errors[0].contains("accented/application.yml: changed on disk"));
    let finding = report
        .diagnostics
        .iter()
        .find(|d| {
            d.rule == "hikari-max-lifetime-below-minimum"
                && report.sources.display(d.primary.file).contains("ascii/")
        })
        .expect("the finding in the ASCII file");
    let file = report.sources.get(finding.primary.file).unwrap();
    assert!(file.text_in_memory().is_none());
    let position = file.position(
        finding.primary.span.start,
        poollint::source::ColumnUnit::Chars,
    );
    assert_eq!((position.line, position.column), (4, 21));
}

/// Every position of every finding is the position in the file, whatever was masked:
/// a secret spanning a folded YAML scalar (the URL below runs into the next line; found
/// by the `check_file_on_disk` fuzz target: masking the newline moved the later lines
/// of the masked text) and a secret of multi-byte characters (masked byte for byte, it
/// moved the columns after it). The first is read from standard input, so its text is
/// kept and masked; the second from disk, given up and read again masked.
#[test]
fn positions_are_the_file_s_after_secrets_are_masked() {
    let folded = "spring:\n  datasource:\nsorl: jdbc:mysql://app:s3cr3tpw@db:3306/app@auth\n    hikari:\n      x: 1\n";
    let mut request = CheckRequest::new(Vec::new());
    request.stdin = Some(("application.yml".into(), folded.as_bytes().to_vec()));
    let report = engine::check(&request);
    assert_positions_are_the_file_s(&report, folded, "parse-error", &["s3cr3tpw"]);

    let dir = tempfile::tempdir().unwrap();
    let accented = "spring:\n  datasource:\n    url: jdbc:postgresql://db:5432/app\n    password: pässwörd-x\n";
    write(dir.path(), "application.yml", accented);
    let mut report = engine::check(&CheckRequest::new(vec![dir.path().to_path_buf()]));
    engine::reread_for_output(&mut report, true);
    assert_positions_are_the_file_s(
        &report,
        accented,
        "plaintext-credentials-in-pool-config",
        &["pässwörd"],
    );
}

/// Every finding of `report` (one file, `original`, with a finding of `rule`) lies
/// where the line index of `original` says, in every unit, and no text of `secrets`
/// is left.
fn assert_positions_are_the_file_s(
    report: &engine::Report,
    original: &str,
    rule: &str,
    secrets: &[&str],
) {
    use poollint::source::{ColumnUnit, LineIndex};
    assert!(
        report.internal_errors.is_empty(),
        "{:?}",
        report.internal_errors
    );
    assert!(
        report.diagnostics.iter().any(|d| d.rule == rule),
        "{:?}",
        report.diagnostics
    );
    let lines = LineIndex::new(original);
    for d in &report.diagnostics {
        let file = report.sources.get(d.primary.file).unwrap();
        for secret in secrets {
            assert!(!file.text().contains(secret), "{secret}: {}", file.text());
        }
        for offset in [d.primary.span.start, d.primary.span.end] {
            for unit in [ColumnUnit::Chars, ColumnUnit::Utf16, ColumnUnit::Bytes] {
                assert_eq!(
                    file.position(offset, unit),
                    lines.position(original, offset, unit),
                    "{} at {offset} in {unit:?}",
                    d.rule
                );
            }
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(32))]
    /// Whatever the secrets hold (characters of every UTF-8 length, a password folded
    /// over two lines), every finding's position is the file's, on disk (text given up
    /// and read again masked) and on standard input (text kept and masked).
    #[test]
    fn positions_stay_the_file_s_whatever_the_secrets_hold(
        url_password in "[a-zé€😀]{1,8}",
        password in "[a-zé€😀]{1,8}",
        folded in proptest::option::of("[a-zé€😀]{1,8}"),
    ) {
        let continuation = folded.map(|more| format!("      {more}\n")).unwrap_or_default();
        let text = format!(
            "spring:\n  datasource:\n    url: jdbc:postgresql://app:{url_password}@db:5432/app\n    password: {password}\n{continuation}    hikari:\n      connection-timeout: 100\n"
        );
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "application.yml", &text);
        let mut report = engine::check(&CheckRequest::new(vec![dir.path().to_path_buf()]));
        engine::reread_for_output(&mut report, true);
        let secrets = [
            format!("app:{url_password}@"),
            format!("password: {password}"),
        ];
        let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
        assert_positions_are_the_file_s(&report, &text, "hikari-timeout-constraints", &secrets);
        let mut request = CheckRequest::new(Vec::new());
        request.stdin = Some(("application.yml".into(), text.clone().into_bytes()));
        let report = engine::check(&request);
        assert_positions_are_the_file_s(&report, &text, "hikari-timeout-constraints", &secrets);
    }
}

/// PostgreSQL files that include nothing are read a directory at a time, in batches:
/// a `postgresql.auto.conf` still overrides the `postgresql.conf` beside it, in every
/// batch.
#[test]
fn postgres_servers_are_read_whole_in_any_batch() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write_numbered(
        root,
        300,
        |i| format!("db{i:03}/postgresql.conf"),
        |_| "max_connections = 1000\n".into(),
    );
    write_numbered(
        root,
        300,
        |i| format!("db{i:03}/postgresql.auto.conf"),
        |i| format!("max_connections = {}\n", 10 + i),
    );
    let report = check_without_internal_errors(root);
    let mut max: Vec<i64> = report
        .model
        .databases
        .iter()
        .filter_map(|d| d.max_connections.get().copied())
        .collect();
    max.sort_unstable();
    assert_eq!(max, (10..310).collect::<Vec<i64>>());
}

/// One file including another makes PostgreSQL's files one unit again: the file
/// included, a batch away in path order, is part of its includer's server, not a
/// server of its own.
#[test]
fn an_include_is_followed_though_the_files_fill_many_batches() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write_numbered(
        root,
        300,
        |i| format!("db{i:03}/postgresql.conf"),
        |_| "max_connections = 100\n".into(),
    );
    write(
        root,
        "db000/postgresql.conf",
        "max_connections = 100\ninclude '../db299/postgresql.conf'\n",
    );
    write(root, "db299/postgresql.conf", "max_connections = 77\n");
    let report = check_without_internal_errors(root);
    let databases = &report.model.databases;
    assert_eq!(databases.len(), 299);
    let with_77 = databases
        .iter()
        .filter(|d| d.max_connections.get() == Some(&77));
    assert_eq!(with_77.count(), 1);
}

/// A run split between manifests (one per team) keeps no share's model unless asked
/// (`--diff-base` reads them): memory then holds the shares being checked, not every
/// share's. A run of one share keeps its model, freed with the process.
#[test]
fn a_run_split_between_manifests_keeps_a_model_only_when_asked() {
    let pool =
        "spring:\n  datasource:\n    hikari:\n      maximum-pool-size: 10\n      minimum-idle: 2\n";
    let teams = tempfile::tempdir().unwrap();
    for team in ["payments", "search"] {
        let manifest = "[lint]\nfail-on = \"never\"\n";
        write(teams.path(), &format!("{team}/poollint.toml"), manifest);
        write(
            teams.path(),
            &format!("{team}/orders/application.yml"),
            pool,
        );
    }
    let alone = tempfile::tempdir().unwrap();
    write(alone.path(), "orders/application.yml", pool);
    // Each share's pools and findings.
    let shares = |keep_model: bool, root: &std::path::Path| {
        let mut request = CheckRequest::new(vec![root.to_path_buf()]);
        request.keep_model = keep_model;
        let scopes = poollint::scopes::check(&request, true).scopes;
        let counts =
            |s: &poollint::scopes::Scope| (s.report.model.pools.len(), s.report.diagnostics.len());
        scopes.iter().map(counts).collect::<Vec<_>>()
    };
    // The run's own share (no manifest of its own, no file) and one per team.
    assert_eq!(shares(false, teams.path()), [(0, 0), (0, 1), (0, 1)]);
    assert_eq!(shares(true, teams.path()), [(0, 0), (1, 1), (1, 1)]);
    assert_eq!(shares(false, alone.path()), [(1, 1)]);
}

fn check_without_internal_errors(root: &std::path::Path) -> engine::Report {
    let report = engine::check(&CheckRequest::new(vec![root.to_path_buf()]));
    assert!(
        report.internal_errors.is_empty(),
        "{:?}",
        report.internal_errors
    );
    report
}

/// Write `count` files below `root`: the `i`th at `path(i)`, holding `text(i)`.
fn write_numbered(
    root: &std::path::Path,
    count: usize,
    path: impl Fn(usize) -> String,
    text: impl Fn(usize) -> String,
) {
    for i in 0..count {
        write(root, &path(i), &text(i));
    }
}
