//! The docker-compose reader on whole trees: a top-level `include:` followed as Compose
//! 2.40.3 follows it (each case checked with `docker compose config`), and the refusals
//! of files an `include:` or an `extends: {file:}` reaches.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)] // tests fail by panicking

mod common;

use common::{poollint, tree};
use std::path::Path;

/// The JSON report of `poollint <args> <dir>`.
fn json(args: &[&str], dir: &Path) -> serde_json::Value {
    let output = poollint()
        .args(args)
        .arg(dir)
        .args(["--format", "json"])
        .output()
        .expect("run");
    serde_json::from_slice(&output.stdout).expect("JSON")
}

/// The (path, message) of each finding of `rule` (`--select` keeps `parse-error` too).
fn findings(dir: &Path, rule: &str) -> Vec<(String, String)> {
    let report = json(&["check", "--select", rule], dir);
    report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["rule"] == rule)
        .map(|d| {
            let text = |field: &str| d[field].as_str().unwrap_or_default().to_owned();
            (text("path"), text("message"))
        })
        .collect()
}

/// The capacity rows of the databases.
fn databases(dir: &Path) -> Vec<serde_json::Value> {
    json(&["capacity"], dir)["databases"]
        .as_array()
        .expect("databases")
        .clone()
}

/// The text report's output (notes included) of `poollint check <dir>`.
fn text_output(dir: &Path) -> String {
    let output = poollint().arg("check").arg(dir).output().expect("run");
    String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr)
}

const API: &str = "  api:\n    image: app:1\n    deploy:\n      replicas: 2\n    environment:\n      SPRING_DATASOURCE_URL: jdbc:postgresql://db/app?socketTimeout=30\n      SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE: \"30\"\n";

const DB: &str =
    "services:\n  db:\n    image: postgres:16\n    command: postgres -c max_connections=${MAXC}\n";

#[test]
fn include_imports_the_services_of_the_files_it_names() {
    // compose config: db's command is `max_connections=20`, from infra/.env.
    let dir = tree(&[
        (
            "compose.yaml",
            &format!("include:\n  - infra/db.yml\nservices:\n{API}"),
        ),
        ("infra/db.yml", DB),
        ("infra/.env", "MAXC=20\n"),
    ]);
    let rows = databases(dir.path());
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["database"], "db");
    assert_eq!(rows[0]["usable_slots"], 17);
    assert_eq!(rows[0]["demand_steady"], 60);
    let found = findings(dir.path(), "fleet-exceeds-db-slots");
    assert_eq!(found.len(), 1, "{found:?}");
}

#[test]
fn the_including_projects_variables_win_over_the_included_env_file() {
    // compose config: MAXC=50 from the project's .env, not infra/.env's 20; the long
    // syntax's env_file replaces infra/.env.
    let dir = tree(&[
        (
            "compose.yaml",
            &format!("include:\n  - infra/db.yml\nservices:\n{API}"),
        ),
        (".env", "MAXC=50\n"),
        ("infra/db.yml", DB),
        ("infra/.env", "MAXC=20\n"),
    ]);
    assert_eq!(databases(dir.path())[0]["usable_slots"], 47);
    let dir = tree(&[
        (
            "compose.yaml",
            &format!("include:\n  - path: infra/db.yml\n    env_file: db.env\nservices:\n{API}"),
        ),
        ("db.env", "MAXC=${BASE:-30}\n"),
        ("infra/db.yml", DB),
        ("infra/.env", "MAXC=20\n"),
    ]);
    assert_eq!(databases(dir.path())[0]["usable_slots"], 27);
}

#[test]
fn an_included_files_paths_are_relative_to_its_project_directory() {
    // compose config: `env_file: db.env` of the included file is pd/db.env, its nested
    // include `more.yml` pd/more.yml, and the path list merges over.yml's replicas.
    let dir = tree(&[
        (
            "compose.yaml",
            "include:\n  - path: [infra/db.yml, infra/over.yml]\n    project_directory: pd\n",
        ),
        (
            "infra/db.yml",
            "include:\n  - more.yml\nservices:\n  db:\n    image: postgres:16\n    env_file: db.env\n    command: postgres -c max_connections=40\n",
        ),
        (
            "infra/over.yml",
            "services:\n  worker:\n    image: app:1\n    deploy:\n      replicas: 3\n",
        ),
        ("pd/db.env", "X=1\n"),
        (
            "pd/more.yml",
            "services:\n  worker:\n    image: app:1\n    environment:\n      SPRING_DATASOURCE_URL: jdbc:postgresql://db/app?socketTimeout=30\n      SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE: \"20\"\n",
        ),
    ]);
    let rows = databases(dir.path());
    assert_eq!(rows[0]["usable_slots"], 37, "{rows:?}");
    assert_eq!(rows[0]["demand_steady"], 60, "{rows:?}");
    // pd/db.env is read: no missing env_file.
    assert!(findings(dir.path(), "parse-error").is_empty());
}

#[test]
fn findings_on_included_services_point_into_the_included_file() {
    let dir = tree(&[
        ("compose.yaml", "include:\n  - infra/worker.yml\n"),
        (
            "infra/worker.yml",
            "services:\n  worker:\n    image: app:1\n    environment:\n      SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE: \"-3\"\n",
        ),
    ]);
    let found = findings(dir.path(), "pool-size-invalid");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].0.ends_with("infra/worker.yml"), "{found:?}");
}

#[test]
fn compose_refuses_a_missing_file_a_cycle_a_conflict_and_an_include_not_a_list() {
    let missing = tree(&[("compose.yaml", "include:\n  - nope.yml\n")]);
    let found = findings(missing.path(), "parse-error");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].1.contains("`nope.yml` that `include:` names"),
        "{found:?}"
    );
    // compose config: "include cycle detected".
    let cycle = tree(&[
        (
            "compose.yaml",
            "include:\n  - a.yml\nservices:\n  web:\n    image: x\n",
        ),
        (
            "a.yml",
            "include:\n  - compose.yaml\nservices:\n  a:\n    image: x\n",
        ),
    ]);
    let found = findings(cycle.path(), "parse-error");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].0.ends_with("a.yml"), "{found:?}");
    assert!(found[0].1.contains("include cycle detected"), "{found:?}");
    // compose config: "services.db conflicts with imported resource"; the same service
    // written the same in both is no conflict.
    let conflict = tree(&[
        (
            "compose.yaml",
            "include:\n  - other.yml\nservices:\n  db:\n    image: postgres\n",
        ),
        ("other.yml", "services:\n  db:\n    image: postgres:15\n"),
    ]);
    let found = findings(conflict.path(), "parse-error");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].1.contains("conflicts with imported resource"),
        "{found:?}"
    );
    assert!(found[0].0.ends_with("compose.yaml"), "{found:?}");
    let same_db = "  db:\n    image: postgres\n    command: postgres -c max_connections=100\n";
    let same = tree(&[
        (
            "compose.yaml",
            &format!("include:\n  - other.yml\nservices:\n{same_db}{API}"),
        ),
        ("other.yml", &format!("services:\n{same_db}")),
    ]);
    assert!(findings(same.path(), "parse-error").is_empty());
    let rows = databases(same.path());
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["demand_steady"], 60, "{rows:?}");
    // compose config: "`include` must be a list".
    let scalar = tree(&[("compose.yaml", "include: a.yml\n"), ("a.yml", DB)]);
    let found = findings(scalar.path(), "parse-error");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].1.contains("must be a list"), "{found:?}");
}

#[test]
fn an_include_path_is_interpolated_with_the_projects_variables() {
    // compose config: `${DB_FILE}` is infra/db.yml, from .env.
    let dir = tree(&[
        (
            "compose.yaml",
            &format!("include:\n  - ${{DB_FILE}}\nservices:\n{API}"),
        ),
        (".env", "DB_FILE=infra/db.yml\nMAXC=20\n"),
        ("infra/db.yml", DB),
    ]);
    assert_eq!(databases(dir.path())[0]["usable_slots"], 17);
}

#[test]
fn an_included_project_file_is_not_a_project_of_its_own() {
    // `docker compose up` at the top runs sub/'s services once, as the top project's:
    // they are not read a second time as sub/'s own project.
    let dir = tree(&[
        (
            "compose.yaml",
            &format!("include:\n  - sub/compose.yaml\nservices:\n{API}"),
        ),
        (
            "sub/compose.yaml",
            "services:\n  db:\n    image: postgres:16\n    command: postgres -c max_connections=100\n  worker:\n    image: app:1\n    environment:\n      SPRING_DATASOURCE_URL: jdbc:postgresql://db/app?socketTimeout=30\n      SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE: \"10\"\n",
        ),
    ]);
    let rows = databases(dir.path());
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["demand_steady"], 70, "{rows:?}");
    let out = text_output(dir.path());
    assert!(out.contains("not read as a project of its own"), "{out}");
}

#[test]
fn an_included_file_outside_the_checked_tree_is_read_with_include_root() {
    let dir = tree(&[
        (
            "app/compose.yaml",
            &format!("include:\n  - ../shared/db.yml\nservices:\n{API}"),
        ),
        ("shared/db.yml", DB),
        ("shared/.env", "MAXC=20\n"),
    ]);
    let app = dir.path().join("app");
    assert!(databases(&app).is_empty());
    assert!(text_output(&app).contains("outside the paths being checked"));
    let shared = dir.path().join("shared");
    let shared = shared.to_str().expect("UTF-8 path");
    let report = json(&["check", "--include-root", shared], &app);
    let fleet: Vec<&serde_json::Value> = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["rule"] == "fleet-exceeds-db-slots")
        .collect();
    assert_eq!(fleet.len(), 1, "{report}");
    assert!(
        fleet[0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("accepts 17"),
        "{report}"
    );
}

#[test]
fn an_env_file_required_compose_cannot_read_is_refused() {
    // compose config 2.40.3: `maybe`, `'1'`, `'0'`, `'t'` and `${R}` set to `f`: "invalid
    // boolean"; a plain `0` or `~`: "required must be a boolean or string"; the file
    // there or not, the service under a profile or not. `'No'`, `off`, `'TRUE'` load.
    for (value, refused) in [
        ("maybe", Some("invalid boolean: maybe")),
        ("'1'", Some("invalid boolean: 1")),
        ("'0'", Some("invalid boolean: 0")),
        ("'t'", Some("invalid boolean: t")),
        ("${R}", Some("invalid boolean: f")),
        ("0", Some("a YAML number")),
        ("~", Some("YAML's null")),
        ("'No'", None),
        ("off", None),
        ("'TRUE'", None),
    ] {
        let compose = format!(
            "services:\n  web:\n    image: x\n    profiles: [debug]\n    env_file:\n      - path: here.env\n        required: {value}\n"
        );
        let dir = tree(&[
            ("compose.yaml", &compose),
            ("here.env", "X=1\n"),
            (".env", "R=f\n"),
        ]);
        let found = findings(dir.path(), "parse-error");
        match refused {
            Some(error) => {
                assert_eq!(found.len(), 1, "{value}: {found:?}");
                assert!(found[0].1.contains(error), "{value}: {found:?}");
                assert!(found[0].1.contains("refuses to load"), "{value}: {found:?}");
            }
            None => assert!(found.is_empty(), "{value}: {found:?}"),
        }
    }
    // A missing file whose `required:` is `'0'` is needed: Compose does not go on.
    let dir = tree(&[(
        "compose.yaml",
        "services:\n  web:\n    image: x\n    env_file:\n      - path: gone.env\n        required: '0'\n",
    )]);
    let found = findings(dir.path(), "parse-error");
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found.iter().any(|f| f.1.contains("not in the repository")),
        "{found:?}"
    );
}

#[test]
fn a_template_compose_refuses_in_a_file_extends_reaches_is_reported_there() {
    // compose config 2.40.3: "invalid interpolation format for services.other.image",
    // though `web` extends `base` only, and under a profile.
    let dir = tree(&[
        (
            "compose.yaml",
            "services:\n  web:\n    profiles: [debug]\n    extends:\n      file: base.yml\n      service: base\n",
        ),
        (
            "base.yml",
            "services:\n  base:\n    image: x\n  other:\n    image: ${X.Y}\n",
        ),
    ]);
    let found = findings(dir.path(), "parse-error");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].0.ends_with("base.yml"), "{found:?}");
    assert!(found[0].1.contains("`${X.Y}`"), "{found:?}");
}

#[test]
fn a_template_compose_refuses_in_an_included_file_is_reported_there() {
    // compose config 2.40.3: "invalid interpolation format for x-foo" in the included file.
    let dir = tree(&[
        ("compose.yaml", "include:\n  - part.yml\n"),
        (
            "part.yml",
            "services:\n  web:\n    image: x\nx-foo: ${1A}\n",
        ),
    ]);
    let found = findings(dir.path(), "parse-error");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].0.ends_with("part.yml"), "{found:?}");
}

#[test]
fn an_include_chain_deeper_than_poollint_follows_is_a_warning() {
    // f0.yml includes f1.yml, … f11.yml: the item naming f11.yml is 11 files deep.
    let mut files: Vec<(String, String)> =
        vec![("compose.yaml".into(), "include:\n  - f1.yml\n".into())];
    for i in 1..=11 {
        files.push((
            format!("f{i}.yml"),
            format!(
                "include:\n  - f{}.yml\nservices:\n  s{i}:\n    image: x\n",
                i + 1
            ),
        ));
    }
    files.push(("f12.yml".into(), "services:\n  s12:\n    image: x\n".into()));
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let dir = tree(&files);
    let report = json(&["check", "--select", "parse-error"], dir.path());
    let found: Vec<&serde_json::Value> = report["diagnostics"].as_array().unwrap().iter().collect();
    assert_eq!(found.len(), 1, "{report}");
    assert_eq!(found[0]["severity"], "warning", "{report}");
    assert!(
        found[0]["path"].as_str().unwrap().ends_with("f10.yml"),
        "{report}"
    );
    assert!(
        found[0]["message"]
            .as_str()
            .unwrap()
            .contains("`f11.yml` is not read"),
        "{report}"
    );
}

#[test]
fn a_remote_include_is_not_reported_missing() {
    // Compose fetches it (its OCI and git resource loaders): it is not a repository file.
    let dir = tree(&[(
        "compose.yaml",
        "include:\n  - oci://docker.io/acme/db:1\n  - path: https://github.com/acme/db.git#main:compose.yaml\nservices:\n  web:\n    image: x\n",
    )]);
    let found = findings(dir.path(), "parse-error");
    assert!(found.is_empty(), "{found:?}");
}

/// A `[[service]]` table's `deployment` naming the project's compose file finds a
/// service its `include:` imports, as `docker compose` runs it as the project's; naming
/// the included file finds it too. The included `worker` stays a service of its own,
/// not merged into the table's. Before, `deployment = "compose.yaml"` took only that
/// file's own services (here `db`, as the table's deployment), and `api` was not found.
#[test]
fn a_deployment_naming_the_project_file_finds_the_services_include_imports() {
    let app = "services:\n  api:\n    image: app:1\n    deploy:\n      replicas: 2\n    environment:\n      SPRING_DATASOURCE_URL: jdbc:postgresql://db/app?socketTimeout=30\n      SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE: \"30\"\n  worker:\n    image: app:1\n    deploy:\n      replicas: 3\n    environment:\n      SPRING_DATASOURCE_URL: jdbc:postgresql://db/app?socketTimeout=30\n      SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE: \"5\"\n";
    let manifest = |deployment: &str| {
        format!("[[service]]\nname = \"api\"\ndeployment = \"{deployment}\"\nconnects-to = \"db\"\n\n[[database]]\nname = \"db\"\nengine = \"postgresql\"\nconfig = \"compose.yaml\"\n")
    };
    let dir = tree(&[
        (
            "compose.yaml",
            "include:\n  - infra/compose.yaml\nservices:\n  db:\n    image: postgres:16\n    command: postgres -c max_connections=50\n",
        ),
        ("infra/compose.yaml", app),
        ("poollint.toml", &manifest("compose.yaml")),
    ]);
    for deployment in ["compose.yaml", "infra/compose.yaml"] {
        common::write_file(dir.path(), "poollint.toml", &manifest(deployment));
        let found = findings(dir.path(), "fleet-exceeds-db-slots");
        assert_eq!(found.len(), 1, "{deployment}: {found:?}");
        let message = found[0]
            .1
            .replace(&format!("{}/", dir.path().display()), "");
        assert!(
            message.contains("demand 75 = ")
                && message.contains("api 2 instances (infra/compose.yaml:5) × 1 process × pool 30 (infra/compose.yaml:8)")
                && message.contains("worker 3 instances (infra/compose.yaml:12) × 1 process × pool 5 (infra/compose.yaml:15)"),
            "{deployment}: {message}"
        );
    }
}

#[test]
fn a_service_both_files_define_is_compared_once_interpolated() {
    // compose-go's `importResource` compares the two services with `reflect.DeepEqual`
    // after each file is interpolated with its project's variables: the including
    // file's `postgres:${PG_TAG}` is `postgres:16`, the same service as the included
    // file's, and the project loads.
    let dir = tree(&[
        (
            "compose.yaml",
            &format!(
                "include:\n  - other.yml\nservices:\n  db:\n    image: postgres:${{PG_TAG}}\n    command: postgres -c max_connections=${{MAXC:-100}}\n{API}"
            ),
        ),
        (".env", "PG_TAG=16\n"),
        (
            "other.yml",
            "services:\n  db:\n    command: postgres -c max_connections=100\n    image: postgres:16\n",
        ),
    ]);
    assert!(findings(dir.path(), "parse-error").is_empty());
    let rows = databases(dir.path());
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["demand_steady"], 60, "{rows:?}");
}

#[test]
fn a_service_written_the_same_in_both_files_can_still_conflict() {
    // `importResources` escapes the included model first (each `$` doubled): `a$$b`,
    // `a$b` once interpolated, is `a$$b` there and `a$b` in the including file; and a
    // plain `true` is a boolean, a quoted `"true"` a string. Both conflict.
    for (mine, theirs) in [
        ("GREETING: a$$b", "GREETING: a$$b"),
        ("FLAG: \"true\"", "FLAG: true"),
    ] {
        let dir = tree(&[
            (
                "compose.yaml",
                &format!(
                    "include:\n  - other.yml\nservices:\n  web:\n    image: x\n    environment:\n      {mine}\n"
                ),
            ),
            (
                "other.yml",
                &format!("services:\n  web:\n    image: x\n    environment:\n      {theirs}\n"),
            ),
        ]);
        let found = findings(dir.path(), "parse-error");
        assert_eq!(found.len(), 1, "{mine}: {found:?}");
        assert!(
            found[0].1.contains("conflicts with imported resource"),
            "{found:?}"
        );
    }
}

#[test]
fn two_items_importing_one_service_compare_it_escaped_alike() {
    // Both items' models are escaped once before `importResource` compares them: the
    // same `a$$b` in both included files is one service.
    let web = "services:\n  web:\n    image: x\n    environment:\n      GREETING: a$$b\n";
    let dir = tree(&[
        (
            "compose.yaml",
            "include:\n  - a/compose.yaml\n  - b/compose.yaml\n",
        ),
        ("a/compose.yaml", web),
        ("b/compose.yaml", web),
    ]);
    assert!(findings(dir.path(), "parse-error").is_empty());
}
