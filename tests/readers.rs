//! What the readers give the fleet and sizing rules, end to end: profiles counted once
//! per data source, environment overrides, Compose interpolation, `.env` services,
//! knex's merged default minimum and .NET `Pooling=false`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)] // tests fail by panicking

use assert_cmd::Command;

/// Write each `(path, text)` under a new temporary directory.
fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (rel, text) in files {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    dir
}

fn poollint() -> Command {
    let mut cmd = Command::cargo_bin("poollint").expect("binary");
    cmd.env("NO_COLOR", "1")
        .env_remove("FORCE_COLOR")
        .env_remove("GITHUB_ACTIONS");
    cmd
}

fn json(args: &[&str], dir: &std::path::Path) -> serde_json::Value {
    let output = poollint()
        .args(args)
        .arg(dir)
        .args(["--format", "json"])
        .output()
        .expect("run");
    serde_json::from_slice(&output.stdout).expect("JSON")
}

/// The database rows' steady demand of `poollint capacity`.
fn demand(dir: &std::path::Path) -> serde_json::Value {
    json(&["capacity"], dir)["databases"][0]["demand_steady"].clone()
}

/// The messages of the findings of `rule`.
fn messages(dir: &std::path::Path, rule: &str) -> Vec<String> {
    let report = json(&["check", "--select", rule], dir);
    report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| d["message"].as_str().unwrap_or("").to_owned())
        .collect()
}

fn manifest(max_connections: u32, service: &str) -> String {
    format!(
        "[[database]]\nname = \"db\"\nengine = \"postgresql\"\nmax-connections = {max_connections}\n\n[[service]]\nname = \"app\"\nconnects-to = \"db\"\n{service}\n"
    )
}

const HIKARI: &str = "spring:\n  datasource:\n    hikari:\n      maximum-pool-size: ";

#[test]
fn one_pool_per_data_source_counts_the_largest_profile_when_the_active_one_is_unknown() {
    let service = "config = [\"application.yml\", \"application-prod.yml\", \"application-dev.yml\"]\ninstances = 2";
    let dir = tree(&[
        ("application.yml", &format!("{HIKARI}5\n")),
        ("application-dev.yml", &format!("{HIKARI}2\n")),
        ("application-prod.yml", &format!("{HIKARI}50\n")),
        ("poollint.toml", &manifest(90, service)),
    ]);
    // 2 instances × the prod pool, not 2 × (5 + 2 + 50) = 114.
    assert_eq!(demand(dir.path()), 100);
    let found = messages(dir.path(), "fleet-exceeds-db-slots");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("× pool 50 (")
            && found[0]
                .contains("[profile prod: the largest pool of the profiles default, dev, prod"),
        "{}",
        found[0]
    );
}

/// PgBouncer's client count says which profile's pool it counted, as the fleet rules do.
#[test]
fn pgbouncer_client_cap_names_the_profile_it_counted() {
    let dir = tree(&[
        ("application.yml", &format!("{HIKARI}5\n")),
        ("application-prod.yml", &format!("{HIKARI}50\n")),
        ("pgbouncer.ini", "[databases]\napp = host=db dbname=app\n[pgbouncer]\nmax_client_conn = 60\n"),
        (
            "poollint.toml",
            "[[pooler]]\nname = \"bouncer\"\nkind = \"pgbouncer\"\nconfig = \"pgbouncer.ini\"\n\n\
             [[service]]\nname = \"app\"\nconfig = [\"application.yml\", \"application-prod.yml\"]\n\
             instances = 2\nconnects-to = \"bouncer\"\n",
        ),
    ]);
    let found = messages(dir.path(), "pgbouncer-client-cap-too-low");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains(
            "app 2 × 1 × 50 [profile prod: the largest pool of the profiles default, prod"
        ),
        "{}",
        found[0]
    );
}

#[test]
fn spring_profiles_active_in_the_files_picks_the_profile() {
    let service = "config = [\"application.yml\", \"application-prod.yml\", \"application-dev.yml\"]\ninstances = 2";
    let dir = tree(&[
        (
            "application.yml",
            "spring:\n  profiles:\n    active: dev\n  datasource:\n    hikari:\n      maximum-pool-size: 5\n",
        ),
        ("application-dev.yml", &format!("{HIKARI}2\n")),
        ("application-prod.yml", &format!("{HIKARI}50\n")),
        ("poollint.toml", &manifest(3, service)),
    ]);
    assert_eq!(demand(dir.path()), 4);
    let found = messages(dir.path(), "fleet-exceeds-db-slots");
    assert!(
        found
            .iter()
            .any(|m| m.contains("[profile dev: spring.profiles.active is `dev`]")),
        "{found:?}"
    );
}

#[test]
fn the_environment_overrides_every_profile_and_picks_the_active_one() {
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n        - name: web\n          image: web:1\n          env:\n            - name: SPRING_PROFILES_ACTIVE\n              value: prod\n            - name: SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE\n              value: \"10\"\n";
    let service = "config = [\"app/application.yml\", \"app/application-prod.yml\"]\ndeployment = \"deploy.yaml\"";
    let dir = tree(&[
        ("app/application.yml", &format!("{HIKARI}5\n")),
        ("app/application-prod.yml", &format!("{HIKARI}50\n")),
        ("deploy.yaml", deployment),
        ("poollint.toml", &manifest(1000, service)),
    ]);
    // The variable outranks application-prod.yml's 50; one pool per replica.
    assert_eq!(demand(dir.path()), 20);
}

#[test]
fn dotnet_counts_the_production_environment_by_default() {
    let service = "config = [\"appsettings.json\", \"appsettings.Production.json\"]";
    let dir = tree(&[
        (
            "appsettings.json",
            r#"{"ConnectionStrings": {"Main": "Host=db;Database=app;Max Pool Size=20"}}"#,
        ),
        (
            "appsettings.Production.json",
            r#"{"ConnectionStrings": {"Main": "Host=db-prod;Database=app;Max Pool Size=80"}}"#,
        ),
        ("poollint.toml", &manifest(1000, service)),
    ]);
    assert_eq!(demand(dir.path()), 80);
}

#[test]
fn compose_defaults_are_interpolated_before_spring_binds_them() {
    let dir = tree(&[(
        "docker-compose.yml",
        "services:\n  app:\n    image: app:1\n    environment:\n      SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE: ${POOL_SIZE:-40}\n      SPRING_DATASOURCE_HIKARI_MINIMUMIDLE: ${MIN_IDLE:?set it}\n",
    )]);
    assert!(messages(dir.path(), "pool-size-invalid").is_empty());
    let report = json(
        &["check", "--select", "hikari-minimum-idle-set"],
        dir.path(),
    );
    // The pool is 40 and the minimum unknown: nothing to report about either.
    assert_eq!(report["diagnostics"].as_array().map(Vec::len), Some(0));
    // `scale` multiplies the interpolated pool size: 4 × 40 > 97 usable slots.
    let scaled = tree(&[(
        "docker-compose.yml",
        "services:\n  app:\n    image: app:1\n    scale: 4\n    environment:\n      SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE: ${POOL_SIZE:-40}\n  db:\n    image: postgres:16\n    command: postgres -c max_connections=100\n",
    )]);
    let found = messages(scaled.path(), "fleet-exceeds-db-slots");
    assert!(
        found
            .iter()
            .any(|m| m.contains("4 instances") && m.contains("pool 40")),
        "{found:?}"
    );
}

#[test]
fn prisma_pools_in_dotenv_files_join_a_service() {
    let dir = tree(&[
        (
            ".env",
            "DATABASE_URL=postgresql://app@db:5432/app?connection_limit=500&pool_timeout=5\n",
        ),
        ("poollint.toml", &manifest(100, "config = [\".env\"]")),
    ]);
    assert_eq!(demand(dir.path()), 500);
    assert_eq!(messages(dir.path(), "fleet-exceeds-db-slots").len(), 1);
}

#[test]
fn knexfile_environments_are_alternatives_chosen_by_node_env() {
    let knexfile = r#"{"development": {"client": "pg", "connection": "postgres://app@localhost/app", "pool": {"min": 0, "max": 5}},
 "production": {"client": "pg", "connection": "postgres://app@db/app", "pool": {"min": 0, "max": 40}}}"#;
    let dir = tree(&[
        ("knexfile.json", knexfile),
        (
            "poollint.toml",
            &manifest(1000, "config = [\"knexfile.json\"]\ninstances = 2"),
        ),
    ]);
    // 2 × the larger environment's pool, not 2 × (5 + 40).
    assert_eq!(demand(dir.path()), 80);
    let compose =
        "services:\n  app:\n    image: app:1\n    environment:\n      NODE_ENV: development\n";
    let dir = tree(&[
        ("knexfile.json", knexfile),
        ("docker-compose.yml", compose),
        (
            "poollint.toml",
            &manifest(
                1000,
                "config = [\"knexfile.json\"]\ndeployment = \"docker-compose.yml\"",
            ),
        ),
    ]);
    assert_eq!(demand(dir.path()), 5);
}

#[test]
fn knex_merges_its_default_minimum_under_a_written_maximum() {
    let dir = tree(&[(
        "knexfile.json",
        r#"{"production": {"client": "pg", "connection": "postgres://app@db/app", "pool": {"max": 1}}}"#,
    )]);
    let found = messages(dir.path(), "pool-min-exceeds-max");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("is 2 (knex default)"), "{}", found[0]);
}

#[test]
fn dotnet_pooling_off_is_no_pool_size() {
    let dir = tree(&[(
        "appsettings.json",
        r#"{"ConnectionStrings": {"NoPool": "Host=db.internal;Database=app;Pooling=false"}}"#,
    )]);
    assert!(messages(dir.path(), "pool-size-invalid").is_empty());
    assert_eq!(messages(dir.path(), "pool-unbounded").len(), 1);
}

/// The findings of `dir` as `rule: message`, and the help of each.
fn findings(dir: &std::path::Path) -> Vec<(String, String)> {
    let report = json(&["check"], dir);
    report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                format!(
                    "{}: {}",
                    d["rule"].as_str().unwrap_or(""),
                    d["message"].as_str().unwrap_or("")
                ),
                d["help"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

const RAILS_DB: &str = "app/config/database.yml";

/// Puma's `threads 10` and `threads(0, 10)` run 10 threads (both were read as Puma's
/// default 5, so a pool of 5 passed); a call poollint cannot read is no finding.
#[test]
fn puma_one_argument_and_parenthesised_threads_are_read() {
    for puma in ["threads 10\n", "threads(0, 10)\n"] {
        let dir = tree(&[
            (RAILS_DB, "production:\n  adapter: postgresql\n  pool: 5\n"),
            ("app/config/puma.rb", puma),
        ]);
        let found = messages(dir.path(), "pool-smaller-than-thread-concurrency");
        assert_eq!(found.len(), 1, "{puma}: {found:?}");
        assert!(found[0].contains("runs 10 threads"), "{found:?}");
    }
    let dir = tree(&[
        (RAILS_DB, "production:\n  adapter: postgresql\n  pool: 3\n"),
        ("app/config/puma.rb", "threads compute_threads\n"),
    ]);
    let found = messages(dir.path(), "pool-smaller-than-thread-concurrency");
    assert!(found.is_empty(), "{found:?}");
}

/// `pool: 10.0` is the Float 10.0 to Psych and 10 to `to_i` (it was a false
/// pool-size-invalid error); `0x10` is 16 (it was reported as 0); `pool: 0` is reported
/// as `ten` (also 0) is.
#[test]
fn rails_pool_numbers_are_read_as_ruby_reads_them() {
    for (pool, expected) in [
        ("10.0", None),
        ("0x10", None),
        ("1_0", None),
        ("ten", Some("pool `ten` cannot be read")),
        ("0", Some("pool is 0: a pool of no connections")),
    ] {
        let dir = tree(&[(
            RAILS_DB,
            &format!("production:\n  adapter: postgresql\n  pool: {pool}\n"),
        )]);
        let found = messages(dir.path(), "pool-size-invalid");
        match expected {
            None => assert!(found.is_empty(), "pool: {pool}: {found:?}"),
            Some(text) => {
                assert_eq!(found.len(), 1, "pool: {pool}: {found:?}");
                assert!(found[0].contains(text), "{found:?}");
            }
        }
    }
}

/// `variables:` with `:default` or nil set no timeout (Active Record runs `SET SESSION k
/// TO DEFAULT` or nothing), so the timeout rules still fire; they were taken as set.
#[test]
fn rails_variables_set_to_default_set_no_timeout() {
    let manifest = "[[database]]\nname = \"users\"\nengine = \"postgresql\"\nconfig = \"db/postgresql.conf\"\n\n[[service]]\nname = \"web\"\nconfig = [\"app/config/database.yml\"]\nconnects-to = \"users\"\n";
    let dir = tree(&[
        (RAILS_DB, "production:\n  adapter: postgresql\n  pool: 5\n  variables:\n    statement_timeout: :default\n    idle_in_transaction_session_timeout: ~\n"),
        ("db/postgresql.conf", "max_connections = 200\n"),
        ("poollint.toml", manifest),
    ]);
    let rules: Vec<String> = findings(dir.path())
        .into_iter()
        .map(|(f, _)| f.split(':').next().unwrap_or("").to_owned())
        .collect();
    assert!(
        rules.iter().any(|r| r == "statement-timeout-missing"),
        "{rules:?}"
    );
    assert!(
        rules
            .iter()
            .any(|r| r == "idle-in-transaction-timeout-missing"),
        "{rules:?}"
    );
}

/// A Rails 8.1 pool (`min_connections`) pings idle connections every 600 s by default,
/// so a server closing sessions after 15 min closes none of them (it was an error
/// saying nothing pings them); after 5 min it does, and the message names the default.
#[test]
fn rails_8_1_keepalive_default_keeps_pooled_connections_alive() {
    let manifest = "[[database]]\nname = \"users\"\nengine = \"postgresql\"\nconfig = \"db/postgresql.conf\"\n\n[[service]]\nname = \"web\"\nconfig = [\"app/config/database.yml\"]\nconnects-to = \"users\"\n";
    let db = "production:\n  adapter: postgresql\n  max_connections: 5\n  min_connections: 2\n";
    let rule = "server-idle-timeout-kills-pooled-connections";
    let dir = tree(&[
        (RAILS_DB, db),
        ("db/postgresql.conf", "idle_session_timeout = 15min\n"),
        ("poollint.toml", manifest),
    ]);
    let found = messages(dir.path(), rule);
    assert!(found.is_empty(), "{found:?}");
    let dir = tree(&[
        (RAILS_DB, db),
        ("db/postgresql.conf", "idle_session_timeout = 5min\n"),
        ("poollint.toml", manifest),
    ]);
    let found = messages(dir.path(), rule);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("pings them every 10 min (keepalive, Active Record 8.1 default)"),
        "{found:?}"
    );
}

/// `?pool=` in the `url:` conflicts with `max_connections` beside it (Active Record
/// merges the URL's parameters over the keys); `pool` with `min_connections` and no
/// `max_connections` is fixed by renaming it; an adapter given by the URL's scheme is
/// MySQL's for `rails-mysql-wait-timeout-key`. All three were missed or misworded.
#[test]
fn rails_url_parameters_and_scheme_count_as_keys() {
    let dir = tree(&[(
        RAILS_DB,
        "production:\n  adapter: postgresql\n  max_connections: 5\n  url: postgres://db/app?pool=10\n",
    )]);
    let found = findings(dir.path());
    assert!(
        found.iter().any(|(f, help)| f.starts_with(
            "rails-pool-max-connections-conflict: production sets pool and max_connections"
        ) && help.starts_with("remove pool and keep max_connections")),
        "{found:?}"
    );
    let dir = tree(&[(
        RAILS_DB,
        "production:\n  adapter: postgresql\n  pool: 5\n  min_connections: 2\n",
    )]);
    let found = findings(dir.path());
    assert!(
        found.iter().any(
            |(f, help)| f.starts_with("rails-pool-max-connections-conflict")
                && help.starts_with("rename pool to max_connections")
        ),
        "{found:?}"
    );
    for scheme in ["trilogy", "mysql2"] {
        let dir = tree(&[(
            RAILS_DB,
            &format!("production:\n  url: {scheme}://db/app\n  pool: 5\n  wait_timeout: 5\n"),
        )]);
        let found = messages(dir.path(), "rails-mysql-wait-timeout-key");
        assert_eq!(found.len(), 1, "{scheme}: {found:?}");
    }
}
