//! What the readers give the fleet and sizing rules, end to end: profiles counted once
//! per data source, environment overrides, Compose interpolation, `.env` services,
//! knex's merged default minimum and .NET `Pooling=false`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)] // tests fail by panicking

mod common;
use common::{copy_tree, poollint, tree};

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

/// The messages of the findings of `rule` (`--select` keeps `parse-error` too).
fn messages(dir: &std::path::Path, rule: &str) -> Vec<String> {
    findings_field(dir, rule, "message")
}

/// The `field` (`message`, `path`, …) of each finding of `rule` in `dir`.
fn findings_field(dir: &std::path::Path, rule: &str, field: &str) -> Vec<String> {
    let report = json(&["check", "--select", rule], dir);
    report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["rule"] == rule)
        .map(|d| d[field].as_str().unwrap_or("").to_owned())
        .collect()
}

/// The help of the first finding of `rule` in a run of every rule (the help of a sizing
/// rule depends on whether the headroom rule runs).
fn help_with_every_rule(dir: &std::path::Path, rule: &str) -> String {
    common::findings_with_every_rule(dir, rule)
        .into_iter()
        .next()
        .map(|(_, help)| help)
        .unwrap_or_default()
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

/// `on-profile: prod & eu` is read with both profiles active; SPRING_PROFILES_ACTIVE
/// naming both picks that pool (it used to be a profile named `prod & eu`, which no
/// active profile matched, so the default pool was counted).
#[test]
fn an_and_expression_is_read_with_the_profiles_the_environment_activates() {
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n        - name: web\n          image: web:1\n          env:\n            - name: SPRING_PROFILES_ACTIVE\n              value: prod,eu\n";
    let config = format!(
        "{HIKARI}5\n---\nspring:\n  config:\n    activate:\n      on-profile: \"prod | staging\"\n  datasource:\n    hikari:\n      maximum-pool-size: 20\n---\nspring:\n  config:\n    activate:\n      on-profile: \"prod & eu\"\n  datasource:\n    hikari:\n      maximum-pool-size: 40\n"
    );
    let service = "config = [\"app/application.yml\"]\ndeployment = \"deploy.yaml\"";
    let dir = tree(&[
        ("app/application.yml", &config),
        ("deploy.yaml", deployment),
        ("poollint.toml", &manifest(50, service)),
    ]);
    assert_eq!(demand(dir.path()), 80);
    let found = messages(dir.path(), "fleet-exceeds-db-slots");
    assert!(
        found
            .iter()
            .any(|m| m.contains("[profile prod,eu: SPRING_PROFILES_ACTIVE is `prod,eu`]")),
        "{found:?}"
    );
    // Spring matches `prod & eu` whatever order the variable lists them in, and with
    // another profile active too (the single `prod` or `extra` pool was counted).
    for active in ["eu,prod", "prod,eu,extra", "extra,eu,prod"] {
        let deployment = deployment.replace("value: prod,eu", &format!("value: {active}"));
        let dir = tree(&[
            ("app/application.yml", &config),
            ("deploy.yaml", &deployment),
            ("poollint.toml", &manifest(50, service)),
        ]);
        assert_eq!(demand(dir.path()), 80, "{active}");
    }
    // Without the deployment, the largest of the profiles' pools is the bound.
    let service = "config = [\"app/application.yml\"]\ninstances = 2";
    let dir = tree(&[
        ("app/application.yml", &config),
        ("poollint.toml", &manifest(50, service)),
    ]);
    assert_eq!(demand(dir.path()), 80);
}

/// `spring.profiles.active` listing two profiles in the files: their files are read
/// together, the later profile's winning, and the message lists them as written.
#[test]
fn spring_profiles_active_listing_several_profiles_reads_them_together() {
    let service = "config = [\"application.yml\", \"application-prod.yml\", \"application-eu.yml\"]\ninstances = 2";
    let dir = tree(&[
        (
            "application.yml",
            "spring:\n  profiles:\n    active:\n      - prod\n      - eu\n  datasource:\n    hikari:\n      maximum-pool-size: 5\n",
        ),
        ("application-prod.yml", &format!("{HIKARI}50\n")),
        ("application-eu.yml", &format!("{HIKARI}3\n")),
        ("poollint.toml", &manifest(4, service)),
    ]);
    assert_eq!(demand(dir.path()), 6);
    let found = messages(dir.path(), "fleet-exceeds-db-slots");
    assert!(
        found
            .iter()
            .any(|m| m.contains("[profile prod,eu: spring.profiles.active is `prod,eu`]")),
        "{found:?}"
    );
}

/// A Kubernetes Deployment of two replicas whose container sets SPRING_PROFILES_ACTIVE.
fn spring_deployment(active: &str) -> String {
    format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n        - name: web\n          image: web:1\n          env:\n            - name: SPRING_PROFILES_ACTIVE\n              value: {active}\n")
}

/// SPRING_PROFILES_ACTIVE=eu,prod with a `!prod` document and an `eu` document: the
/// pool is the one the documents active under the whole list make together (the `eu`
/// document's 40, the `!prod` one not read), not the `prod` pool read alone (the base's
/// 5, which was counted).
#[test]
fn spring_profiles_active_from_a_deployment_reads_the_documents_of_the_whole_list() {
    let config = format!(
        "{HIKARI}5\n---\nspring:\n  config:\n    activate:\n      on-profile: \"!prod\"\n  datasource:\n    hikari:\n      maximum-pool-size: 20\n---\nspring:\n  config:\n    activate:\n      on-profile: eu\n  datasource:\n    hikari:\n      maximum-pool-size: 40\n"
    );
    let service = "config = [\"app/application.yml\"]\ndeployment = \"deploy.yaml\"";
    for active in ["eu,prod", "prod,eu", "eu, prod,extra"] {
        let dir = tree(&[
            ("app/application.yml", &config),
            ("deploy.yaml", &spring_deployment(active)),
            ("poollint.toml", &manifest(50, service)),
        ]);
        assert_eq!(demand(dir.path()), 80, "{active}");
        let found = messages(dir.path(), "fleet-exceeds-db-slots");
        let label = active.replace(' ', "");
        assert!(
            found.iter().any(|m| m.contains(&format!(
                "[profile {label}: SPRING_PROFILES_ACTIVE is `{active}`]"
            ))),
            "{active}: {found:?}"
        );
    }
    // One profile the files mention: its pool read alone is the list's (prod: 5).
    let dir = tree(&[
        ("app/application.yml", &config),
        ("deploy.yaml", &spring_deployment("prod,extra")),
        ("poollint.toml", &manifest(50, service)),
    ]);
    assert_eq!(demand(dir.path()), 10);
}

/// The profile-specific file of the profile listed last wins, so `eu,prod` and `prod,eu`
/// are different pools: SPRING_PROFILES_ACTIVE=eu,prod counts application-prod.yml's 20,
/// not the 30 of the `prod & eu` combination read in the other order.
#[test]
fn the_order_of_spring_profiles_active_decides_which_profile_file_wins() {
    let config = format!(
        "{HIKARI}5\n---\nspring:\n  config:\n    activate:\n      on-profile: prod & eu\n  datasource:\n    hikari:\n      idle-timeout: 60000\n"
    );
    let service = "config = [\"app/application.yml\", \"app/application-prod.yml\", \"app/application-eu.yml\"]\ndeployment = \"deploy.yaml\"";
    for (active, demanded) in [("eu,prod", 40), ("prod,eu", 60)] {
        let dir = tree(&[
            ("app/application.yml", &config),
            ("app/application-prod.yml", &format!("{HIKARI}20\n")),
            ("app/application-eu.yml", &format!("{HIKARI}30\n")),
            ("deploy.yaml", &spring_deployment(active)),
            ("poollint.toml", &manifest(1000, service)),
        ]);
        assert_eq!(demand(dir.path()), demanded, "{active}");
    }
    // The same list in the files' spring.profiles.active is read in its order too (the
    // `prod & eu` condition adds no second pool of the same profiles).
    let listed = format!(
        "spring:\n  profiles:\n    active: eu,prod\n{}",
        config.trim_start_matches("spring:\n")
    );
    let service = "config = [\"application.yml\", \"application-prod.yml\", \"application-eu.yml\"]\ninstances = 2";
    let dir = tree(&[
        ("application.yml", &listed),
        ("application-prod.yml", &format!("{HIKARI}20\n")),
        ("application-eu.yml", &format!("{HIKARI}30\n")),
        ("poollint.toml", &manifest(1000, service)),
    ]);
    assert_eq!(demand(dir.path()), 40);
}

/// `spring.profiles.active: ${APP_PROFILE:prod}` runs `prod`, the placeholder's default,
/// as Spring resolves placeholders in the active profiles; a deployment setting
/// APP_PROFILE picks its profile instead (the largest pool was counted, as if the active
/// profile were not known).
#[test]
fn a_placeholder_in_spring_profiles_active_takes_its_default_unless_the_deployment_sets_it() {
    let config = format!(
        "spring:\n  profiles:\n    active: ${{APP_PROFILE:prod}}\n{}5\n---\nspring:\n  config:\n    activate:\n      on-profile: prod\n  datasource:\n    hikari:\n      maximum-pool-size: 20\n---\nspring:\n  config:\n    activate:\n      on-profile: loadtest\n  datasource:\n    hikari:\n      maximum-pool-size: 60\n",
        HIKARI.trim_start_matches("spring:\n")
    );
    let service = "config = [\"app/application.yml\"]\ninstances = 2";
    let dir = tree(&[
        ("app/application.yml", &config),
        ("poollint.toml", &manifest(30, service)),
    ]);
    assert_eq!(demand(dir.path()), 40);
    let found = messages(dir.path(), "fleet-exceeds-db-slots");
    assert!(
        found.iter().any(|m| m.contains(
            "[profile prod: spring.profiles.active is `prod`, the default of ${APP_PROFILE}, which the deployment does not set]"
        )),
        "{found:?}"
    );
    let deployment = spring_deployment("x").replace("SPRING_PROFILES_ACTIVE", "APP_PROFILE");
    let service = "config = [\"app/application.yml\"]\ndeployment = \"deploy.yaml\"";
    for (active, demanded) in [("loadtest", 120), ("dev", 10)] {
        let dir = tree(&[
            ("app/application.yml", &config),
            (
                "deploy.yaml",
                &deployment.replace("value: x", &format!("value: {active}")),
            ),
            ("poollint.toml", &manifest(1000, service)),
        ]);
        assert_eq!(demand(dir.path()), demanded, "{active}");
    }
}

/// A Kubernetes Deployment of two replicas whose container sets `vars` (name, value).
fn deployment_with(vars: &[(&str, &str)]) -> String {
    let env: String = vars
        .iter()
        .map(|(name, value)| format!("            - name: {name}\n              value: {value}\n"))
        .collect();
    spring_deployment("x").replace(
        "            - name: SPRING_PROFILES_ACTIVE\n              value: x\n",
        &env,
    )
}

/// A base pool of 5, a `dev` document of 20 and a `prod` document of 40, deployed by
/// `deployment` in two replicas: the demand it gives.
fn demand_with_profiles(files_profiles: &str, deployment: &str) -> serde_json::Value {
    let config = format!(
        "{files_profiles}{HIKARI}5\n---\nspring:\n  config:\n    activate:\n      on-profile: dev\n  datasource:\n    hikari:\n      maximum-pool-size: 20\n---\nspring:\n  config:\n    activate:\n      on-profile: prod\n  datasource:\n    hikari:\n      maximum-pool-size: 40\n"
    );
    let service = "config = [\"app/application.yml\"]\ndeployment = \"deploy.yaml\"";
    let dir = tree(&[
        ("app/application.yml", &config),
        ("deploy.yaml", deployment),
        ("poollint.toml", &manifest(1000, service)),
    ]);
    demand(dir.path())
}

/// A deployment's `SPRING_PROFILES_DEFAULT` (or `spring.profiles.default`) sets the
/// profiles Spring runs when none is active (`Profiles.getAccepted`), as
/// `spring.profiles.default` in a file does; it was ignored, and the largest pool
/// counted. An active profile, from the deployment or the files, wins over it; so does
/// a profile `spring.profiles.include` names (active in every run).
#[test]
fn spring_profiles_default_from_a_deployment_sets_the_profiles_when_none_is_active() {
    for name in ["SPRING_PROFILES_DEFAULT", "spring.profiles.default"] {
        let deployment = deployment_with(&[(name, "dev")]);
        assert_eq!(demand_with_profiles("", &deployment), 40, "{name}");
    }
    let both = deployment_with(&[
        ("SPRING_PROFILES_DEFAULT", "dev"),
        ("SPRING_PROFILES_ACTIVE", "prod"),
    ]);
    assert_eq!(demand_with_profiles("", &both), 80);
    let deployment = deployment_with(&[("SPRING_PROFILES_DEFAULT", "dev")]);
    let files_active = "spring:\n  profiles:\n    active: prod\n---\n";
    assert_eq!(demand_with_profiles(files_active, &deployment), 80);
    // With a profile included nothing falls back to the default profiles: the active
    // profile is then not known here, and the largest pool is the bound.
    let included = "spring:\n  profiles:\n    include: extra\n---\n";
    assert_eq!(demand_with_profiles(included, &deployment), 80);
    let service = "config = [\"app/application.yml\"]\ndeployment = \"deploy.yaml\"";
    let dir = tree(&[
        ("app/application.yml", &format!("{HIKARI}5\n---\nspring:\n  config:\n    activate:\n      on-profile: dev\n  datasource:\n    hikari:\n      maximum-pool-size: 20\n")),
        ("deploy.yaml", &deployment),
        ("poollint.toml", &manifest(30, service)),
    ]);
    let found = messages(dir.path(), "fleet-exceeds-db-slots");
    assert!(
        found.iter().any(|m| m
            .contains("[profile dev: no profile is active and SPRING_PROFILES_DEFAULT is `dev`]")),
        "{found:?}"
    );
}

/// `spring.profiles.active` and `.default` in a deployment's `SPRING_APPLICATION_JSON`
/// (nested or dotted) choose the profiles, over `SPRING_PROFILES_ACTIVE` (Spring Boot
/// ranks that JSON above the other variables); they were ignored.
#[test]
fn profiles_in_spring_application_json_choose_the_profiles() {
    let json = |text: &str| format!("'{text}'");
    for (vars, demanded) in [
        (
            vec![(
                "SPRING_APPLICATION_JSON",
                json(r#"{"spring":{"profiles":{"active":"dev"}}}"#),
            )],
            40,
        ),
        (
            vec![(
                "SPRING_APPLICATION_JSON",
                json(r#"{"spring.profiles.active":"prod"}"#),
            )],
            80,
        ),
        (
            vec![
                (
                    "SPRING_APPLICATION_JSON",
                    json(r#"{"spring":{"profiles":{"active":["dev"]}}}"#),
                ),
                ("SPRING_PROFILES_ACTIVE", "prod".to_owned()),
            ],
            40,
        ),
        (
            vec![(
                "SPRING_APPLICATION_JSON",
                json(r#"{"spring.profiles.default":"dev"}"#),
            )],
            40,
        ),
        (
            vec![
                (
                    "SPRING_APPLICATION_JSON",
                    json(r#"{"spring.profiles.default":"dev"}"#),
                ),
                ("SPRING_PROFILES_ACTIVE", "prod".to_owned()),
            ],
            80,
        ),
    ] {
        let pairs: Vec<(&str, &str)> = vars.iter().map(|(n, v)| (*n, v.as_str())).collect();
        assert_eq!(
            demand_with_profiles("", &deployment_with(&pairs)),
            demanded,
            "{vars:?}"
        );
    }
}

/// A deployment variable that sets a placeholder within `spring.profiles.active`
/// replaces that placeholder only: `${A:prod},eu` with `A=dev` runs `dev,eu` (it ran
/// `dev` alone, so the `dev & eu` document was not read).
#[test]
fn a_deployment_variable_sets_only_its_placeholder_in_spring_profiles_active() {
    let config = format!(
        "spring:\n  profiles:\n    active: ${{A:prod}},eu\n{}5\n---\nspring:\n  config:\n    activate:\n      on-profile: dev & eu\n  datasource:\n    hikari:\n      maximum-pool-size: 30\n---\nspring:\n  config:\n    activate:\n      on-profile: prod\n  datasource:\n    hikari:\n      maximum-pool-size: 40\n",
        HIKARI.trim_start_matches("spring:\n")
    );
    let service = "config = [\"app/application.yml\"]\ndeployment = \"deploy.yaml\"";
    for (a, demanded) in [("dev", 60), ("prod", 80), ("other", 10)] {
        let dir = tree(&[
            ("app/application.yml", &config),
            ("deploy.yaml", &deployment_with(&[("A", a)])),
            ("poollint.toml", &manifest(1000, service)),
        ]);
        assert_eq!(demand(dir.path()), demanded, "A={a}");
    }
    let dir = tree(&[
        ("app/application.yml", &config),
        ("deploy.yaml", &deployment_with(&[("A", "dev")])),
        ("poollint.toml", &manifest(50, service)),
    ]);
    let found = messages(dir.path(), "fleet-exceeds-db-slots");
    assert!(
        found.iter().any(|m| m.contains(
            "[profile dev,eu: spring.profiles.active is `dev,eu` with the deployment's variables in its placeholders]"
        )),
        "{found:?}"
    );
}

/// `spring.config.import` is followed: a file it names sets the pool (above the
/// importing document, below the next one); a location of another kind is noted on
/// standard error as not followed, its URL not shown.
#[test]
fn spring_config_import_files_are_read_with_the_application() {
    let service = "config = [\"app/application.yml\"]\ninstances = 1";
    let imports = "spring:\n  config:\n    import: optional:configserver:http://u:Zq9Imp01@cfg, file:config/db.properties\n";
    let db = "spring.datasource.hikari.maximum-pool-size=40\n";
    for (config, demanded) in [
        (
            format!("{imports}  datasource:\n    hikari:\n      maximum-pool-size: 5\n"),
            40,
        ),
        (format!("{imports}---\n{HIKARI}5\n"), 5),
    ] {
        let dir = tree(&[
            ("app/application.yml", &config),
            ("app/config/db.properties", db),
            ("poollint.toml", &manifest(1000, service)),
        ]);
        assert_eq!(demand(dir.path()), demanded, "{config}");
        let output = poollint()
            .args(["check", "--format", "json"])
            .arg(dir.path())
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(
                "application.yml:3: spring.config.import `optional:configserver:…` not followed"
            ),
            "{stderr}"
        );
        assert!(!stderr.contains("db.properties"), "{stderr}");
        assert!(!stderr.contains("Zq9Imp01"), "{stderr}");
    }
    // An imported file importing more sets no second value of `spring.config.import`.
    let dir = tree(&[
        ("app/application.yml", "spring.config.import: db.yml\n"),
        ("app/db.yml", "spring.config.import: more.yml\n"),
        ("app/more.yml", &format!("{HIKARI}5\n")),
    ]);
    let found = messages(dir.path(), "duplicate-key-across-forms");
    assert!(found.is_empty(), "{found:?}");
}

/// An imported `.properties` file may be ISO-8859-1, as Spring Boot reads it (it was a
/// `parse-error`, "not valid UTF-8", and its settings were not read).
#[test]
fn an_imported_properties_file_may_be_latin1() {
    let service = "config = [\"app/application.yml\"]\ninstances = 1";
    let dir = tree(&[
        (
            "app/application.yml",
            "spring.config.import: db.properties\n",
        ),
        ("poollint.toml", &manifest(1000, service)),
    ]);
    std::fs::write(
        dir.path().join("app/db.properties"),
        b"# caf\xe9\nspring.datasource.hikari.maximum-pool-size=40\n",
    )
    .expect("write");
    assert_eq!(demand(dir.path()), 40);
    assert!(messages(dir.path(), "parse-error").is_empty());
}

/// A pool setting in an imported file is reported there: the finding points into it.
#[test]
fn a_finding_in_an_imported_file_points_into_it() {
    let dir = tree(&[
        (
            "orders/src/main/resources/application.yml",
            "spring:\n  config:\n    import: classpath:db/pool.yml\n",
        ),
        (
            "orders/src/main/resources/db/pool.yml",
            &format!("{HIKARI}0\n"),
        ),
    ]);
    let found = findings_field(dir.path(), "pool-size-invalid", "path");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].ends_with("db/pool.yml"), "{found:?}");
}

/// The profile-specific variant of an imported file (`pool-prod.yml` of `pool.yml`) is
/// read too, as Spring Boot loads it with its profile active: its findings point into
/// it.
#[test]
fn a_profile_specific_variant_of_an_import_is_read() {
    let dir = tree(&[
        (
            "orders/src/main/resources/application.yml",
            "spring:\n  config:\n    import: classpath:db/pool.yml\n",
        ),
        (
            "orders/src/main/resources/db/pool.yml",
            &format!("{HIKARI}5\n"),
        ),
        (
            "orders/src/main/resources/db/pool-prod.yml",
            &format!("{HIKARI}0\n"),
        ),
    ]);
    let found = findings_field(dir.path(), "pool-size-invalid", "path");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].ends_with("db/pool-prod.yml"), "{found:?}");
}

/// A mandatory import missing from the repository is a `parse-error` warning where it
/// is named (Spring Boot does not start without it); an optional one is silent.
#[test]
fn a_missing_import_is_reported_unless_optional() {
    let dir = tree(&[(
        "app/application.yml",
        "spring.config.import: optional:file:./local.yml, file:config/db.properties, optional:file:./local/, file:nowhere/\n",
    )]);
    let output = poollint()
        .args(["check", "--format", "concise"])
        .arg(dir.path())
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("parse-error"))
        .collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(
        lines[0].contains("application.yml:1:")
            && lines[0].contains("warning[parse-error] spring.config.import `file:config/db.properties` is not in the repository"),
        "{stdout}"
    );
    // A directory that is not there stops start-up too.
    assert!(
        lines[1]
            .contains("spring.config.import `file:nowhere/` is not in the repository (looked for ")
            && lines[1].contains("app/nowhere)"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("local") && !stderr.contains("local"),
        "{stdout}{stderr}"
    );
}

/// Imports that lead back to a file on the way end (Spring reads each file once), with
/// a note; a chain deeper than poollint follows ends with a `parse-error` warning.
#[test]
fn import_cycles_and_deep_chains_end() {
    let dir = tree(&[
        (
            "app/application.yml",
            &format!("spring.config.import: a.yml\n---\n{HIKARI}5\n"),
        ),
        ("app/a.yml", "spring.config.import: b.yml\n"),
        (
            "app/b.yml",
            "spring.config.import: a.yml, application.yml\n",
        ),
    ]);
    let output = poollint()
        .args(["check", "--format", "concise"])
        .arg(dir.path())
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("b.yml:1: spring.config.import `a.yml` adds nothing")
            && stderr.contains("import cycle"),
        "{stderr}"
    );
    let mut files: Vec<(String, String)> = (1..=12)
        .map(|i| {
            (
                format!("app/f{i}.yml"),
                format!("spring.config.import: f{}.yml\n", i + 1),
            )
        })
        .collect();
    files.push((
        "app/application.yml".to_owned(),
        "spring.config.import: f1.yml\n".to_owned(),
    ));
    files.push(("app/f13.yml".to_owned(), format!("{HIKARI}0\n")));
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let dir = tree(&refs);
    let output = poollint()
        .args(["check", "--format", "concise"])
        .arg(dir.path())
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("f10.yml:1:23: warning[parse-error]")
            && stdout.contains("f11.yml not read: it is named through 10 files already"),
        "{stdout}"
    );
    assert!(!stdout.contains("pool-size-invalid"), "{stdout}");
}

/// `spring.profiles.group.production: [proddb]` makes `SPRING_PROFILES_ACTIVE=production`
/// read the `proddb` documents and files.
#[test]
fn a_profile_group_activates_its_members() {
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n        - name: web\n          image: web:1\n          env:\n            - name: SPRING_PROFILES_ACTIVE\n              value: production\n";
    let config = format!(
        "spring:\n  profiles:\n    group:\n      production: proddb, prodmq\n{}",
        HIKARI.trim_start_matches("spring:\n")
    ) + "5\n";
    let service = "config = [\"app/application.yml\", \"app/application-proddb.yml\"]\ndeployment = \"deploy.yaml\"";
    let dir = tree(&[
        ("app/application.yml", &config),
        ("app/application-proddb.yml", &format!("{HIKARI}40\n")),
        ("deploy.yaml", deployment),
        ("poollint.toml", &manifest(1000, service)),
    ]);
    assert_eq!(demand(dir.path()), 80);
}

/// `spring.profiles.include` in `application.yml` adds its profiles to the active ones
/// (Spring Boot 2.4+ `ConfigDataEnvironment.getIncludedProfiles`): with `prod` active, the
/// `proddb` pool of 80 runs, so two instances need 160 connections.
#[test]
fn spring_profiles_include_adds_its_profiles_to_the_active_ones() {
    let service = "config = [\"application.yml\", \"application-proddb.yml\"]\ninstances = 2";
    for include in ["include: proddb", "include:\n      - proddb"] {
        let config = format!(
            "spring:\n  profiles:\n    active: prod\n    {include}\n  datasource:\n    hikari:\n      maximum-pool-size: 5\n"
        );
        let dir = tree(&[
            ("application.yml", &config),
            ("application-proddb.yml", &format!("{HIKARI}80\n")),
            ("poollint.toml", &manifest(100, service)),
        ]);
        assert_eq!(demand(dir.path()), 160, "{include}");
        assert_eq!(
            messages(dir.path(), "fleet-exceeds-db-slots").len(),
            1,
            "{include}"
        );
    }
}

/// A placeholder in `spring.profiles.include` resolves as one in `spring.profiles.active`
/// does (Spring binds both with a placeholder-resolving binder): `${EXTRA:proddb}`
/// includes `proddb`, and so does `${db.profile}` with `db.profile: proddb` in the file
/// (the placeholder was skipped, so the `proddb` pool of 80 was not counted).
#[test]
fn a_placeholder_in_spring_profiles_include_is_resolved() {
    let service = "config = [\"application.yml\", \"application-proddb.yml\"]\ninstances = 2";
    for include in [
        "include: ${EXTRA:proddb}",
        "include: [\"${EXTRA:proddb}\"]",
        "include: ${db.profile}\ndb:\n  profile: proddb",
    ] {
        let config = format!("spring:\n  profiles:\n    active: prod\n    {include}\n{HIKARI}5\n");
        let config = config.replacen("\nspring:\n", "\n---\nspring:\n", 1);
        let dir = tree(&[
            ("application.yml", &config),
            ("application-proddb.yml", &format!("{HIKARI}80\n")),
            ("poollint.toml", &manifest(100, service)),
        ]);
        assert_eq!(demand(dir.path()), 160, "{include}");
    }
}

/// Spring Boot 2.4+ refuses `spring.profiles.include` in a profile-specific file or an
/// `on-profile` document and does not start: a parse error, and nothing is included.
#[test]
fn spring_profiles_include_in_a_profile_specific_place_is_refused() {
    let dir = tree(&[
        ("application.yml", &format!("{HIKARI}5\n---\nspring:\n  config:\n    activate:\n      on-profile: prod\n  profiles:\n    include: proddb\n")),
        (
            "application-staging.yml",
            "spring:\n  profiles:\n    include: proddb\n",
        ),
        ("application-proddb.yml", &format!("{HIKARI}80\n")),
    ]);
    let found = messages(dir.path(), "parse-error");
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found.iter().any(|m| m.contains("profile-specific file"))
            && found.iter().any(|m| m.contains("profile condition")),
        "{found:?}"
    );
}

/// A deployment variable named as the property (`spring.profiles.active`,
/// `spring.datasource.hikari.maximum-pool-size`) is bound as its `SPRING_…` form is
/// (Spring's `DefaultPropertyMapper` on the system environment); both were ignored.
#[test]
fn deployment_variables_named_as_spring_properties_are_bound() {
    let config = format!(
        "{HIKARI}5\n---\nspring:\n  config:\n    activate:\n      on-profile: prod\n  datasource:\n    hikari:\n      maximum-pool-size: 40\n"
    );
    let service = "config = [\"app/application.yml\"]\ndeployment = \"deploy.yaml\"";
    let deployment =
        |name: &str, value: &str| spring_deployment(value).replace("SPRING_PROFILES_ACTIVE", name);
    for (name, value, demanded) in [
        ("spring.profiles.active", "dev", 10),
        ("spring.profiles.active", "prod", 80),
        ("spring.datasource.hikari.maximum-pool-size", "\"30\"", 60),
    ] {
        let dir = tree(&[
            ("app/application.yml", &config),
            ("deploy.yaml", &deployment(name, value)),
            ("poollint.toml", &manifest(1000, service)),
        ]);
        assert_eq!(demand(dir.path()), demanded, "{name}={value}");
    }
}

/// Spring Boot 2.4+ refuses `spring.profiles.active` and `.default` in a profile-specific
/// file, and those and `.group` in an `on-profile` document, as it does `.include` (they
/// were read quietly, or not at all). A group in a profile-specific file does nothing
/// and a document conditioned only on a cloud platform may set them: not refused.
#[test]
fn spring_profile_properties_in_a_profile_specific_place_are_refused() {
    let dir = tree(&[
        ("application.yml", &format!("{HIKARI}5\n---\nspring:\n  config:\n    activate:\n      on-profile: prod\n  profiles:\n    active: batch\n    default: batch\n    group:\n      prod: batch\n---\nspring:\n  config:\n    activate:\n      on-cloud-platform: kubernetes\n  profiles:\n    active: k8s\n")),
        (
            "application-staging.yml",
            "spring:\n  profiles:\n    active: batch\n    group:\n      staging: batch\n",
        ),
    ]);
    let found = messages(dir.path(), "parse-error");
    let refused = |what: &str| found.iter().filter(|m| m.contains(what)).count();
    assert_eq!(found.len(), 4, "{found:?}");
    assert_eq!(
        refused("spring.profiles.active in a profile-specific file"),
        1
    );
    for property in ["active", "default", "group"] {
        assert_eq!(
            refused(&format!(
                "spring.profiles.{property} in a document with a profile condition"
            )),
            1,
            "{found:?}"
        );
    }
}

/// A placeholder naming another property of the application (`${db.pool}`) takes that
/// property's value, as Spring resolves placeholders against its environment.
#[test]
fn a_spring_placeholder_takes_the_value_of_the_property_it_names() {
    let dir = tree(&[(
        "application.properties",
        "db.pool=50\nspring.datasource.hikari.maximum-pool-size=${db.pool}\nspring.datasource.hikari.minimum-idle=60\n",
    )]);
    let found = findings_at(dir.path(), "pool-min-exceeds-max", "application.properties");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].0.contains("50"), "{found:?}");
    // Relaxed names (`${db.max-pool}` finds `db.maxPool`), a chain, a default used only
    // when the property is not set, and the profile's own value of the property.
    let dir = tree(&[
        (
            "application.yml",
            "db:\n  maxPool: ${db.base}\n  base: 50\nspring:\n  datasource:\n    hikari:\n      maximum-pool-size: ${db.max-pool:100}\n      minimum-idle: 60\n",
        ),
        ("application-big.yml", "db:\n  base: 70\n"),
    ]);
    let found = messages(dir.path(), "pool-min-exceeds-max");
    assert_eq!(found.len(), 1, "{found:?}");
    // A cycle and a reference to nothing set are unknown, not findings.
    let dir = tree(&[(
        "application.properties",
        "a=${b}\nb=${a}\nspring.datasource.hikari.maximum-pool-size=${a}\nspring.datasource.hikari.minimum-idle=${nothing}\n",
    )]);
    assert!(messages(dir.path(), "pool-size-invalid").is_empty());
}

/// Spring Boot refuses `&` and `|` mixed without parentheses at start-up.
#[test]
fn a_malformed_profile_expression_is_a_parse_error_at_its_value() {
    let config = format!(
        "{HIKARI}5\n---\nspring:\n  config:\n    activate:\n      on-profile: prod & eu | us\n  datasource:\n    hikari:\n      maximum-pool-size: 40\n"
    );
    let dir = tree(&[("application.yml", &config)]);
    let report = json(&["check", "--select", "parse-error"], dir.path());
    let found: Vec<&serde_json::Value> = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["rule"] == "parse-error")
        .collect();
    assert_eq!(found.len(), 1, "{report}");
    let message = found[0]["message"].as_str().unwrap_or("");
    assert!(
        message.contains("spring.config.activate.on-profile: `prod & eu | us`")
            && message.contains("mixed without parentheses")
            && message.contains("Spring Boot does not start"),
        "{message}"
    );
    assert_eq!(found[0]["severity"], "error", "{report}");
    assert_eq!(found[0]["start"]["line"], 9, "{report}");
}

#[test]
fn dotnet_counts_the_production_environment_by_default() {
    let service = "config = [\"appsettings.json\", \"appsettings.Production.json\"]";
    let dir = tree(&[
        (
            "appsettings.json",
            r#"{"ConnectionStrings": {"Main": "Host=db;Database=app;Maximum Pool Size=20"}}"#,
        ),
        (
            "appsettings.Production.json",
            r#"{"ConnectionStrings": {"Main": "Host=db-prod;Database=app;Maximum Pool Size=80"}}"#,
        ),
        ("poollint.toml", &manifest(1000, service)),
    ]);
    assert_eq!(demand(dir.path()), 80);
}

/// `ASPNETCORE_ENVIRONMENT=production` makes the host open `appsettings.production.json`
/// by that exact name: in a (Linux) container `appsettings.Production.json` is not
/// loaded, so `appsettings.json`'s pool runs (it was matched without case: 200).
#[test]
fn a_dotnet_environment_name_matches_its_file_name_exactly() {
    let compose = |env: &str| {
        format!("services:\n  api:\n    image: api:1\n    environment:\n      ASPNETCORE_ENVIRONMENT: {env}\n")
    };
    let service = "config = [\"appsettings.json\", \"appsettings.Production.json\"]\ndeployment = \"docker-compose.yml\"";
    let files = |env: &str, max_connections: u32| {
        tree(&[
            (
                "appsettings.json",
                r#"{"ConnectionStrings": {"Db": "Host=db;Database=app;Maximum Pool Size=10"}}"#,
            ),
            (
                "appsettings.Production.json",
                r#"{"ConnectionStrings": {"Db": "Host=db;Database=app;Maximum Pool Size=200"}}"#,
            ),
            ("docker-compose.yml", &compose(env)),
            ("poollint.toml", &manifest(max_connections, service)),
        ])
    };
    for (env, expected) in [("production", 10), ("Production", 200)] {
        assert_eq!(demand(files(env, 1000).path()), expected, "{env}");
    }
    // The finding says why the differently-cased file's pool is not counted.
    let found = messages(files("production", 8).path(), "fleet-exceeds-db-slots");
    assert!(
        found.len() == 1 && found[0].contains("profile Production differs only in case"),
        "{found:?}"
    );
}

#[test]
fn a_connection_strings_variable_replaces_the_appsettings_string_in_every_environment() {
    // `ConnectionStrings__main` is `ConnectionStrings:Main` (keys match without case):
    // it replaces both files' strings whole (no `Max Pool Size`: Npgsql's 100), and the
    // one pool per replica is not counted twice.
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n        - name: api\n          image: api:1\n          env:\n            - name: ConnectionStrings__main\n              value: Host=db;Database=app;Username=app\n";
    let service = "config = [\"appsettings.json\", \"appsettings.Production.json\"]\ndeployment = \"deploy.yaml\"";
    let dir = tree(&[
        (
            "appsettings.json",
            r#"{"ConnectionStrings": {"Main": "Host=db;Database=app;Maximum Pool Size=20"}}"#,
        ),
        (
            "appsettings.Production.json",
            r#"{"ConnectionStrings": {"Main": "Host=db-prod;Database=app;Maximum Pool Size=80"}}"#,
        ),
        ("deploy.yaml", deployment),
        ("poollint.toml", &manifest(1000, service)),
    ]);
    assert_eq!(demand(dir.path()), 200);
    // Compose, with a size the variable's string sets.
    let compose = "services:\n  api:\n    image: api:1\n    scale: 3\n    environment:\n      ConnectionStrings__Main: \"Host=db;Database=app;Maximum Pool Size=30\"\n";
    let service = "config = [\"appsettings.json\"]\ndeployment = \"docker-compose.yml\"";
    let dir = tree(&[
        (
            "appsettings.json",
            r#"{"ConnectionStrings": {"Main": "Host=db;Database=app;Maximum Pool Size=20"}}"#,
        ),
        ("docker-compose.yml", compose),
        ("poollint.toml", &manifest(1000, service)),
    ]);
    assert_eq!(demand(dir.path()), 90);
}

#[test]
fn azure_connection_string_variables_replace_the_appsettings_string() {
    // `SQLCONNSTR_main` is `ConnectionStrings:main` to .NET's environment provider, as
    // `ConnectionStrings__main` is: its `Max Pool Size=0` replaces the file's 20. (A
    // SqlClient pool counts against no PostgreSQL database: its size is seen by the
    // rule that checks it.)
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n        - name: api\n          image: api:1\n          env:\n            - name: SQLCONNSTR_main\n              value: Server=sql;Database=app;Max Pool Size=0\n";
    let service = "config = [\"appsettings.json\"]\ndeployment = \"deploy.yaml\"";
    let dir = tree(&[
        (
            "appsettings.json",
            r#"{"ConnectionStrings": {"Main": "Server=sql;Database=app;Max Pool Size=20"}}"#,
        ),
        ("deploy.yaml", deployment),
        ("poollint.toml", &manifest(1000, service)),
    ]);
    let invalid = messages(dir.path(), "pool-size-invalid");
    assert_eq!(invalid.len(), 1, "{invalid:?}");
    assert!(invalid[0].starts_with("Max Pool Size is 0"), "{invalid:?}");
    // Compose, `POSTGRESQLCONNSTR_`: Npgsql whatever its keywords.
    let compose = "services:\n  api:\n    image: api:1\n    scale: 3\n    environment:\n      POSTGRESQLCONNSTR_Main: \"Server=db;Database=app;Maximum Pool Size=25\"\n";
    let service = "config = [\"appsettings.json\"]\ndeployment = \"docker-compose.yml\"";
    let dir = tree(&[
        (
            "appsettings.json",
            r#"{"ConnectionStrings": {"Main": "Host=db;Database=app;Maximum Pool Size=20"}}"#,
        ),
        ("docker-compose.yml", compose),
        ("poollint.toml", &manifest(1000, service)),
    ]);
    assert_eq!(demand(dir.path()), 75);
}

/// A Deployment of 4 replicas of `app` whose container `env` is `env` (YAML list items
/// indented for `env:`), and `extra` objects after it.
fn deployment_with_env(env: &str, extra: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  replicas: 4\n  template:\n    spec:\n      containers:\n        - name: app\n          image: app:1\n          env:\n{env}{extra}"
    )
}

/// A manifest's service `app`, connecting to 97 usable slots: `app/application.yml` (a
/// pool of 50 whose URL does not verify the server) deployed by `deploy.yaml`.
fn unverified_pool_deployed_by(deployment: &str) -> tempfile::TempDir {
    let application = format!(
        "spring:\n  datasource:\n    url: jdbc:postgresql://db:5432/app?sslmode=disable\n{}50\n",
        HIKARI.trim_start_matches("spring:\n  datasource:\n")
    );
    let service = "config = [\"app/application.yml\"]\ndeployment = \"deploy.yaml\"";
    tree(&[
        ("app/application.yml", &application),
        ("deploy.yaml", deployment),
        ("poollint.toml", &manifest(100, service)),
    ])
}

#[test]
fn spring_settings_a_deployment_sets_from_an_unknown_secret_are_unknown() {
    // 4 replicas × the file's 50 would exceed 97 slots, and the file's URL does not
    // verify TLS; but the deployment sets both from a Secret that is not in the tree,
    // so neither is what runs.
    let env = "            - name: SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE\n              valueFrom:\n                secretKeyRef:\n                  name: db-pool\n                  key: size\n            - name: SPRING_DATASOURCE_URL\n              valueFrom:\n                secretKeyRef:\n                  name: db-pool\n                  key: url\n";
    let dir = unverified_pool_deployed_by(&deployment_with_env(env, ""));
    assert_eq!(
        messages(dir.path(), "fleet-exceeds-db-slots"),
        Vec::<String>::new()
    );
    assert_eq!(
        messages(dir.path(), "db-transport-not-verified"),
        Vec::<String>::new()
    );
    // A `fieldRef` is as unknown.
    let field = "            - name: SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE\n              valueFrom:\n                fieldRef:\n                  fieldPath: metadata.labels['pool']\n";
    let dir = unverified_pool_deployed_by(&deployment_with_env(field, ""));
    assert_eq!(
        messages(dir.path(), "fleet-exceeds-db-slots"),
        Vec::<String>::new()
    );
    // The file's own values are still checked without the deployment's variables …
    let dir = unverified_pool_deployed_by(&deployment_with_env(
        "            - name: TZ\n              value: UTC\n",
        "",
    ));
    assert_eq!(messages(dir.path(), "fleet-exceeds-db-slots").len(), 1);
    assert_eq!(messages(dir.path(), "db-transport-not-verified").len(), 1);
    // … and a ConfigMap in the tree gives its value: 4 × 30.
    let config_map =
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: db-pool\ndata:\n  size: \"30\"\n";
    let env = "            - name: SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE\n              valueFrom:\n                configMapKeyRef:\n                  name: db-pool\n                  key: size\n";
    let dir = unverified_pool_deployed_by(&deployment_with_env(env, config_map));
    assert_eq!(demand(dir.path()), 120);
    let found = messages(dir.path(), "fleet-exceeds-db-slots");
    assert!(found.iter().any(|m| m.contains("demand 120")), "{found:?}");
}

/// A workload first linked to the application its ConfigMap mounts, then declared in
/// the manifest with another config file: a setting it takes from a Secret not in the
/// tree still overrides that file's pool. Linking the declared service deploys the
/// linked one again, and its deployment must still hold the pools of its unknown
/// variables.
#[test]
fn settings_from_an_unknown_secret_override_a_declared_file_after_a_mounted_link() {
    let mount = "          volumeMounts:\n            - {name: config, mountPath: /config}\n      volumes:\n        - name: config\n          configMap: {name: app-config}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\ndata:\n  application.yml: |\n    spring:\n      datasource:\n        hikari:\n          maximum-pool-size: 2\n";
    let files = |env: &str| unverified_pool_deployed_by(&deployment_with_env(env, mount));
    // The workload runs the mounted application (its pool of 2) and the declared file,
    // whose URL does not verify the server.
    let dir = files("            - name: TZ\n              value: UTC\n");
    assert_eq!(demand(dir.path()), 8);
    assert_eq!(messages(dir.path(), "db-transport-not-verified").len(), 1);
    // From a Secret not in the tree, the URL that runs is unknown.
    let secret = "            - name: SPRING_DATASOURCE_URL\n              valueFrom:\n                secretKeyRef: {name: db, key: url}\n";
    let dir = files(secret);
    assert_eq!(demand(dir.path()), 8);
    assert_eq!(
        messages(dir.path(), "db-transport-not-verified"),
        Vec::<String>::new()
    );
}

#[test]
fn a_dotnet_connection_string_a_deployment_sets_from_an_unknown_secret_is_unknown() {
    let appsettings =
        r#"{"ConnectionStrings": {"Main": "Host=db;Database=app;Maximum Pool Size=50"}}"#;
    let service = "config = [\"appsettings.json\"]\ndeployment = \"deploy.yaml\"";
    let files = |deployment: &str| {
        tree(&[
            ("appsettings.json", appsettings),
            ("deploy.yaml", deployment),
            ("poollint.toml", &manifest(100, service)),
        ])
    };
    // Without the variable: 4 × 50 > 97.
    let dir = files(&deployment_with_env(
        "            - name: TZ\n              value: UTC\n",
        "",
    ));
    assert_eq!(messages(dir.path(), "fleet-exceeds-db-slots").len(), 1);
    for name in ["ConnectionStrings__Main", "POSTGRESQLCONNSTR_Main"] {
        let env = format!("            - name: {name}\n              valueFrom:\n                secretKeyRef:\n                  name: db\n                  key: connection\n");
        let dir = files(&deployment_with_env(&env, ""));
        assert_eq!(
            messages(dir.path(), "fleet-exceeds-db-slots"),
            Vec::<String>::new(),
            "{name}"
        );
    }
    // A ConfigMap in the tree gives the string: 4 × 10.
    let config_map = "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: db\ndata:\n  connection: Host=db;Database=app;Maximum Pool Size=10\n";
    let env = "            - name: ConnectionStrings__Main\n              valueFrom:\n                configMapKeyRef:\n                  name: db\n                  key: connection\n";
    let dir = files(&deployment_with_env(env, config_map));
    assert_eq!(demand(dir.path()), 40);
}

/// A container `name` of a pod whose `env` sets each `(variable, value)`.
fn container(name: &str, env: &[(&str, &str)]) -> String {
    let mut text = format!("        - name: {name}\n          image: {name}:1\n          env:\n");
    for (var, value) in env {
        text.push_str(&format!(
            "            - name: {var}\n              value: \"{value}\"\n"
        ));
    }
    text
}

/// A Deployment `app` of 3 replicas whose pod runs `containers` after an init container
/// with a pool of 90, and a postgres StatefulSet accepting 100 connections.
fn pod(containers: &[String]) -> String {
    let migrate = sized("migrate", "90");
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  replicas: 3\n  template:\n    spec:\n      initContainers:\n{migrate}      containers:\n{}---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  template:\n    spec:\n      containers:\n        - name: postgres\n          image: postgres:16\n          args: [\"-c\", \"max_connections=100\"]\n",
        containers.concat()
    )
}

const URL_VAR: &str = "SPRING_DATASOURCE_URL";
const SIZE_VAR: &str = "SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE";

fn sized(name: &str, size: &str) -> String {
    container(
        name,
        &[(URL_VAR, "jdbc:postgresql://db:5432/app"), (SIZE_VAR, size)],
    )
}

#[test]
fn each_container_of_a_pod_is_its_own_process_with_its_own_pool() {
    let sidecar = container("istio-proxy", &[("ISTIO_META_MESH_ID", "mesh")]);
    // 3 × (20 + 50): not one Spring configuration where 50 replaces 20; the init
    // container's 90 and the sidecar count for nothing.
    let dir = tree(&[(
        "k8s/app.yaml",
        &pod(&[sized("app", "20"), sized("worker", "50"), sidecar.clone()]),
    )]);
    assert_eq!(demand(dir.path()), 210);
    assert_eq!(
        messages(dir.path(), "duplicate-key-across-forms"),
        Vec::<String>::new()
    );
    let found = messages(dir.path(), "fleet-exceeds-db-slots");
    assert!(found.iter().any(|m| m.contains("demand 210")), "{found:?}");
    // Equal sizes are two pools too.
    let dir = tree(&[(
        "k8s/app.yaml",
        &pod(&[sized("app", "20"), sized("worker", "20")]),
    )]);
    assert_eq!(demand(dir.path()), 120);
    // A sidecar without database variables adds no pool: as a single container.
    let dir = tree(&[("k8s/app.yaml", &pod(&[sized("app", "20"), sidecar]))]);
    assert_eq!(demand(dir.path()), 60);
    // A native sidecar (an init container that restarts `Always`) keeps running
    // beside the app: 3 × (20 + 10).
    let native = sized("outbox", "10").replace(
        "          image:",
        "          restartPolicy: Always\n          image:",
    );
    let manifest = pod(&[sized("app", "20")])
        .replace("initContainers:\n", &format!("initContainers:\n{native}"));
    let dir = tree(&[("k8s/app.yaml", &manifest)]);
    assert_eq!(demand(dir.path()), 90);
}

#[test]
fn the_container_named_like_the_service_overrides_its_application_pool() {
    // The worker's 50 is its own pool; the `app` container sets no pool variable, so
    // the application's 10 runs in it: 3 × (10 + 50).
    let files = |containers: &[String]| {
        tree(&[
            ("app/application.yml", &format!("{HIKARI}10\n")),
            ("k8s/app.yaml", &pod(containers)),
            (
                "poollint.toml",
                &manifest(
                    100,
                    "config = [\"app/application.yml\"]\ndeployment = \"k8s/app.yaml\"",
                ),
            ),
        ])
    };
    let plain = container("app", &[("TZ", "UTC")]);
    let dir = files(&[sized("worker", "50"), plain]);
    assert_eq!(demand(dir.path()), 180);
    // Named otherwise, the first container setting pool variables overrides it:
    // 3 × (30 + 50).
    let dir = files(&[
        container("web", &[("TZ", "UTC")]),
        sized("api", "30"),
        sized("worker", "50"),
    ]);
    assert_eq!(demand(dir.path()), 240);
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

/// knex `mysql2`, Sequelize `dialect: mysql` and TypeORM `type: mariadb` speak MySQL's
/// protocol: none of them is a client of the only (PostgreSQL) database, whatever host
/// they name; a `pg` client beside them is.
#[test]
fn mysql_pools_of_node_libraries_are_not_counted_against_postgresql() {
    let compose = "services:\n  api:\n    build: ./api\n    environment:\n      NODE_ENV: production\n  db:\n    image: postgres:16\n    command: postgres -c max_connections=50\n";
    let dir = tree(&[
        ("docker-compose.yml", compose),
        (
            "api/config/config.json",
            r#"{"production": {"dialect": "mysql", "database": "app", "pool": {"max": 60}}}"#,
        ),
        (
            "api/knexfile.json",
            r#"{"production": {"client": "mysql2", "connection": {"database": "app"}, "pool": {"min": 0, "max": 60}}}"#,
        ),
        (
            "api/ormconfig.json",
            r#"{"type": "mariadb", "database": "app", "entities": [], "poolSize": 60}"#,
        ),
    ]);
    let found = messages(dir.path(), "fleet-exceeds-db-slots");
    assert!(found.is_empty(), "{found:?}");
    let dir = tree(&[
        ("docker-compose.yml", compose),
        (
            "api/knexfile.json",
            r#"{"production": {"client": "pg", "connection": {"database": "app"}, "pool": {"min": 0, "max": 60}}}"#,
        ),
    ]);
    assert_eq!(messages(dir.path(), "fleet-exceeds-db-slots").len(), 1);
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

#[test]
fn dotnet_appsettings_may_have_comments_and_trailing_commas() {
    // JsonConfigurationFileParser: CommentHandling = Skip, AllowTrailingCommas = true.
    let dir = tree(&[(
        "appsettings.json",
        "{\n  // the main database\n  \"ConnectionStrings\": {\n    /* sized for 4 pods */\n    \"Pg\": \"Host=db;Maximum Pool Size=5;Minimum Pool Size=10\", // too small\n  },\n}\n",
    )]);
    let found = findings_at(dir.path(), "pool-min-exceeds-max", "appsettings.json");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].2, "10");
    assert!(messages(dir.path(), "parse-error").is_empty());
}

#[test]
fn dotnet_configuration_keys_ignore_case_and_join_nesting_with_colons() {
    let dir = tree(&[(
        "appsettings.json",
        r#"{"connectionStrings": {"Nested": "Host=db;Maximum Pool Size=5;Minimum Pool Size=10"},
 "CONNECTIONSTRINGS:Flat": "Host=db;Maximum Pool Size=6;Minimum Pool Size=12",
 "Logging": {"ConnectionStrings:Other": "Host=db;Maximum Pool Size=1;Minimum Pool Size=2"}}"#,
    )]);
    let found = findings_at(dir.path(), "pool-min-exceeds-max", "appsettings.json");
    let at: Vec<&str> = found.iter().map(|f| f.2.as_str()).collect();
    assert_eq!(at, ["10", "12"], "{found:?}");
}

#[test]
fn invalid_dotnet_json_is_a_parse_error_at_the_fault() {
    for (text, at) in [
        // A comment never closed: the rest of the file is the comment's.
        ("{\"ConnectionStrings\": {\"Pg\": \"Host=db\"} /* never closed\n}\n", "/*"),
        // YAML the loader takes, System.Text.Json refuses.
        ("{\"ConnectionStrings\": {\"Pg\": \"Host=db\"}, oops}\n", "oops"),
        // One key, spelt twice: "A duplicate key 'connectionstrings:pg' was found."
        (
            "{\"ConnectionStrings\": {\"Pg\": \"Host=db\"},\n \"connectionstrings:pg\": \"Host=db2\"}\n",
            "\"connectionstrings:pg\"",
        ),
    ] {
        let dir = tree(&[("appsettings.json", text)]);
        let found = findings_at(dir.path(), "parse-error", "appsettings.json");
        assert_eq!(found.len(), 1, "{text}: {found:?}");
        assert_eq!(found[0].2, at, "{text}: {found:?}");
    }
}

#[test]
fn sqlclient_pool_sizes_are_checked_as_sqlclient_checks_them() {
    // SqlConnectionString: `_maxPoolSize < 1` and `_maxPoolSize < _minPoolSize` throw.
    let dir = tree(&[(
        "appsettings.json",
        r#"{"ConnectionStrings": {"Sql": "Server=tcp:db,1433;Database=app;Integrated Security=true;Max Pool Size=10;Min Pool Size=20;Connect Timeout=30",
 "Zero": "Server=tcp:db,1433;Database=app;Max Pool Size=0"}}"#,
    )]);
    let found = findings_at(dir.path(), "pool-min-exceeds-max", "appsettings.json");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0]
            .0
            .starts_with("Min Pool Size is 20 but Max Pool Size is 10: SqlClient throws"),
        "{}",
        found[0].0
    );
    assert_eq!(found[0].2, "20");
    let found = findings_at(dir.path(), "pool-size-invalid", "appsettings.json");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].0.contains("Invalid value for key 'max pool size'"),
        "{}",
        found[0].0
    );
    assert_eq!(found[0].2, "0");
    // A size beyond a 32-bit int: both drivers fail to convert it.
    let dir = tree(&[(
        "appsettings.json",
        r#"{"ConnectionStrings": {"Big": "Server=tcp:db,1433;Database=app;Max Pool Size=2147483648"}}"#,
    )]);
    let found = findings_at(dir.path(), "pool-size-invalid", "appsettings.json");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].0.contains("32-bit"), "{}", found[0].0);
}

#[test]
fn sqlclient_pooling_no_is_pooling_off_and_npgsql_refuses_it() {
    // SqlClient's ConvertValueToBooleanInternal takes yes/no; Npgsql's
    // Convert.ChangeType(value, typeof(Boolean)) (bool.Parse) throws on it.
    let dir = tree(&[(
        "appsettings.json",
        r#"{"ConnectionStrings": {"Sql": "Data Source=db;Initial Catalog=a;Integrated Security=SSPI;Pooling=no", "Pg": "Host=db;Pooling=no"}}"#,
    )]);
    let found = findings_at(dir.path(), "pool-unbounded", "appsettings.json");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].2, "no");
    // The SqlClient string's, not the Npgsql one's.
    assert!(
        found[0].0.contains("ConnectionStrings.Sql pool"),
        "{found:?}"
    );
    // Npgsql's `no` is refused where it is written, not read as a pool of 100.
    let found = findings_at(dir.path(), "pool-size-invalid", "appsettings.json");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].2, "no");
    assert!(
        found[0].0.starts_with("Pooling `no` cannot be read") && found[0].0.contains("Npgsql"),
        "{found:?}"
    );
    assert!(found[0].1.contains("Pooling=false"), "{found:?}");
}

#[test]
fn a_pooling_value_neither_driver_takes_is_refused() {
    let dir = tree(&[(
        "appsettings.json",
        r#"{"ConnectionStrings": {"Sql": "Server=db;Database=a;Pooling=off", "Pg": "Host=db;Pooling=1",
 "SqlYes": "Server=db;Database=a;Pooling= YES ", "PgTrue": "Host=db;Pooling=True"}}"#,
    )]);
    let found = findings_at(dir.path(), "pool-size-invalid", "appsettings.json");
    let at: Vec<&str> = found.iter().map(|f| f.2.as_str()).collect();
    assert_eq!(at, ["off", "1"], "{found:?}");
    assert!(found[0].0.contains("SqlClient"), "{found:?}");
    assert!(found[1].0.contains("Npgsql"), "{found:?}");
}

#[test]
fn a_connect_timeout_the_driver_refuses_is_reported_at_its_value() {
    // SqlConnectionString throws for `_connectTimeout < 0`; Npgsql's Timeout setter for
    // a value outside 0 to NpgsqlConnection.TimeoutLimit (1024).
    let dir = tree(&[(
        "appsettings.json",
        r#"{"ConnectionStrings": {"Sql": "Server=db;Database=a;Connect Timeout=-1", "Pg": "Host=db;Timeout=-5",
 "PgLong": "Host=db;Timeout=2000", "Ok": "Host=db;Timeout=30"}}"#,
    )]);
    let found = findings_at(dir.path(), "suspicious-time-unit", "appsettings.json");
    let at: Vec<&str> = found.iter().map(|f| f.2.as_str()).collect();
    assert_eq!(at, ["-1", "-5", "2000"], "{found:?}");
    assert!(
        found[0].0.starts_with("Connect Timeout `-1` is refused")
            && found[0].0.contains("SqlClient throws"),
        "{found:?}"
    );
    assert!(found[1].0.contains("Npgsql throws"), "{found:?}");
    assert!(found[2].0.contains("above 1024"), "{found:?}");
}

#[test]
fn sqlclient_checks_pool_sizes_with_pooling_off_too() {
    // SqlConnectionString's `_maxPoolSize < 1` and `_maxPoolSize < _minPoolSize` checks
    // do not look at Pooling; Npgsql checks a negative size in its setters, and the
    // minimum against the maximum only in its pool (PoolingDataSource).
    let dir = tree(&[(
        "appsettings.json",
        r#"{"ConnectionStrings": {"Zero": "Server=db;Database=a;Pooling=false;Max Pool Size=0",
 "Under": "Server=db;Database=a;Pooling=false;Max Pool Size=5;Min Pool Size=10",
 "PgNegative": "Host=db;Pooling=false;Maximum Pool Size=-1",
 "PgUnder": "Host=db;Pooling=false;Maximum Pool Size=5;Minimum Pool Size=10"}}"#,
    )]);
    let found = findings_at(dir.path(), "pool-size-invalid", "appsettings.json");
    let at: Vec<&str> = found.iter().map(|f| f.2.as_str()).collect();
    assert_eq!(at, ["0", "-1"], "{found:?}");
    assert!(
        found[0].0.contains("Invalid value for key 'max pool size'"),
        "{found:?}"
    );
    let found = findings_at(dir.path(), "pool-min-exceeds-max", "appsettings.json");
    let at: Vec<&str> = found.iter().map(|f| f.2.as_str()).collect();
    assert_eq!(at, ["10"], "{found:?}");
    assert!(found[0].0.contains("SqlClient throws"), "{found:?}");
    // Only the string that opens unpooled connections is unbounded.
    let found = findings_at(dir.path(), "pool-unbounded", "appsettings.json");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].0.contains("ConnectionStrings.PgUnder"),
        "{found:?}"
    );
}

/// Npgsql takes `Maximum Pool Size=0` with a minimum of 0, and then opens no
/// connection: every `Open()` times out. Reported at the 0 (it was not); a larger
/// minimum is refused (pool-min-exceeds-max), and `Pooling=false` pools nothing.
#[test]
fn npgsql_maximum_pool_size_zero_is_a_pool_of_no_connection() {
    let dir = tree(&[(
        "appsettings.json",
        r#"{"ConnectionStrings": {"Zero": "Host=db;Database=a;Maximum Pool Size=0",
 "ZeroMin": "Host=db;Database=a;Maximum Pool Size=0;Minimum Pool Size=0"}}"#,
    )]);
    let found = findings_at(dir.path(), "pool-size-invalid", "appsettings.json");
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found[0]
            .0
            .starts_with("Maximum Pool Size is 0: Npgsql accepts it")
            && found[0]
                .0
                .contains("The connection pool has been exhausted"),
        "{found:?}"
    );
    assert!(found.iter().all(|f| f.2 == "0"), "{found:?}");
    let dir = tree(&[(
        "appsettings.json",
        r#"{"ConnectionStrings": {"Under": "Host=db;Database=a;Maximum Pool Size=0;Minimum Pool Size=2",
 "Off": "Host=db;Database=a;Pooling=false;Maximum Pool Size=0"}}"#,
    )]);
    let found = findings_at(dir.path(), "pool-size-invalid", "appsettings.json");
    assert!(found.is_empty(), "{found:?}");
    let found = findings_at(dir.path(), "pool-min-exceeds-max", "appsettings.json");
    assert_eq!(found.len(), 1, "{found:?}");
}

/// A minimum SqlClient refuses under `Pooling=false` opens no connection: it is
/// `pool-size-invalid`'s finding, not also an unbounded pool (it was both).
#[test]
fn a_refused_minimum_with_pooling_off_is_not_also_unbounded() {
    let dir = tree(&[(
        "appsettings.json",
        r#"{"ConnectionStrings": {"NegMin": "Server=db;Database=a;Pooling=false;Min Pool Size=-1"}}"#,
    )]);
    let found = findings_at(dir.path(), "pool-size-invalid", "appsettings.json");
    let at: Vec<&str> = found.iter().map(|f| f.2.as_str()).collect();
    assert_eq!(at, ["-1"], "{found:?}");
    let found = findings_at(dir.path(), "pool-unbounded", "appsettings.json");
    assert!(found.is_empty(), "{found:?}");
}

/// SqlClient refuses a negative `Connection Lifetime` and Npgsql a negative
/// `Keepalive` while parsing the string: reported at the value, as a refused connect
/// timeout is (they were read as invalid and reported by nothing).
#[test]
fn negative_lifetime_and_keepalive_the_drivers_refuse_are_reported() {
    let dir = tree(&[(
        "appsettings.json",
        r#"{"ConnectionStrings": {"Sql": "Server=sql;Database=a;Connection Lifetime=-1", "Pg": "Host=db;Keepalive=-5"}}"#,
    )]);
    let found = findings_at(dir.path(), "suspicious-time-unit", "appsettings.json");
    let at: Vec<&str> = found.iter().map(|f| f.2.as_str()).collect();
    assert_eq!(at, ["-1", "-5"], "{found:?}");
    assert!(found[0].0.contains("Load Balance Timeout"), "{found:?}");
    assert!(
        found[1].0.contains("KeepAlive can't be negative"),
        "{found:?}"
    );
}

/// The findings of `rule` as (message, help, text under the span) for `file` of `dir`.
fn findings_at(dir: &std::path::Path, rule: &str, file: &str) -> Vec<(String, String, String)> {
    let text = std::fs::read_to_string(dir.join(file)).expect("read");
    let report = json(&["check", "--select", rule], dir);
    report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["rule"] == rule && d["path"].as_str().is_some_and(|p| p.ends_with(file)))
        .map(|d| {
            let start = d["span"]["start"].as_u64().unwrap() as usize;
            let end = d["span"]["end"].as_u64().unwrap() as usize;
            (
                d["message"].as_str().unwrap_or("").to_owned(),
                d["help"].as_str().unwrap_or("").to_owned(),
                text[start..end].to_owned(),
            )
        })
        .collect()
}

#[test]
fn pgbouncer_entry_with_an_end_of_line_comment_is_refused_at_the_comment() {
    // PgBouncer's `cstr_get_pair` reads `;` as a parameter name with no `=`: "syntax
    // error in connection string", and the configuration is refused.
    let dir = tree(&[(
        "bouncer/pgbouncer.ini",
        "[databases]\napp = host=db dbname=app password=S3cretPass pool_size=30 ; main app database\n* = host=db # any other database\n\n[users]\nreport = pool_mode=session ;x\n\n[pgbouncer]\npool_mode = transaction\n",
    )]);
    let found = findings_at(dir.path(), "parse-error", "bouncer/pgbouncer.ini");
    assert_eq!(found.len(), 3, "{found:?}");
    let (message, help, span) = &found[0];
    assert_eq!(span, "; main app database");
    assert!(message.contains("[databases] entry `app` has an end-of-line comment"));
    assert!(message.contains("`syntax error in connection string`"));
    assert!(message.contains("does not start"));
    assert!(help.contains("move the comment to a line of its own"));
    assert!(!message.contains("S3cretPass"));
    // The fallback entry is read only when a client asks for an unlisted database.
    assert_eq!(found[1].2, "# any other database");
    assert!(found[1].0.contains("refuses that client"), "{}", found[1].0);
    assert_eq!(found[2].2, ";x");
    assert!(found[2].0.contains("`syntax error in user settings`"));
    // The pairs before the comment are kept: the password is still found (and masked).
    let credentials = messages(dir.path(), "plaintext-credentials-in-pool-config");
    assert_eq!(credentials.len(), 1, "{credentials:?}");
}

#[test]
fn pgbouncer_refuses_an_unknown_pool_mode_or_auth_type() {
    let dir = tree(&[(
        "bouncer/pgbouncer.ini",
        "[databases]\napp = host=db pool_mode=sesion\n\n[pgbouncer]\npool_mode = Transaction\nauth_type = trust ; no passwords in dev\n",
    )]);
    let found = findings_at(dir.path(), "parse-error", "bouncer/pgbouncer.ini");
    assert_eq!(found.len(), 2, "{found:?}");
    let (message, help, span) = &found[0];
    assert_eq!(span, "sesion");
    assert!(message.contains("`invalid pool mode: sesion`"), "{message}");
    assert_eq!(help, "did you mean `session`?");
    let (message, help, span) = &found[1];
    assert_eq!(span, "trust ; no passwords in dev");
    assert!(message.contains("no end-of-line comments"), "{message}");
    assert!(message.contains("does not start"), "{message}");
    assert_eq!(
        help,
        "move the comment to a line of its own and write `auth_type = trust`"
    );
    // Written correctly, every value passes (in any case, as PgBouncer compares).
    let dir = tree(&[(
        "bouncer/pgbouncer.ini",
        "[databases]\n; the main database\napp = host=db pool_mode=Session\n\n[pgbouncer]\npool_mode = transaction\nauth_type = SCRAM-SHA-256\n",
    )]);
    assert!(messages(dir.path(), "parse-error").is_empty());
}

const IDLE_TX_MANIFEST: &str = "[[database]]\nname = \"orders\"\nengine = \"postgresql\"\nconfig = \"db/postgresql.conf\"\n\n[[pooler]]\nname = \"bouncer\"\nconfig = \"bouncer/pgbouncer.ini\"\nconnects-to = \"orders\"\n\n[[service]]\nname = \"checkout\"\nconfig = [\"checkout/application.yml\"]\nconnects-to = \"bouncer\"\n";

#[test]
fn pgbouncer_users_idle_transaction_timeout_covers_the_pools_of_that_user() {
    let files = |users: &str| {
        tree(&[
            ("poollint.toml", IDLE_TX_MANIFEST),
            (
                "db/postgresql.conf",
                "max_connections = 200\nidle_in_transaction_session_timeout = 0\n",
            ),
            (
                "checkout/application.yml",
                "spring:\n  datasource:\n    url: jdbc:postgresql://bouncer:6432/orders?prepareThreshold=0\n    username: checkout\n    hikari:\n      maximum-pool-size: 10\n",
            ),
            (
                "bouncer/pgbouncer.ini",
                &format!("[databases]\norders = host=db dbname=orders\n\n[users]\n{users}\n\n[pgbouncer]\npool_mode = transaction\n"),
            ),
        ])
    };
    let rule = "idle-in-transaction-timeout-missing";
    // PgBouncer 1.25+: a user's own value above 0 wins over [pgbouncer]'s 0.
    let covered = files("checkout = idle_transaction_timeout=30");
    assert!(messages(covered.path(), rule).is_empty());
    // Another user's value, or 0 (which keeps [pgbouncer]'s), covers nothing.
    for users in [
        "report = idle_transaction_timeout=30",
        "checkout = idle_transaction_timeout=0",
    ] {
        let exposed = files(users);
        assert_eq!(messages(exposed.path(), rule).len(), 1, "{users}");
    }
}

/// The IDLE_TX_MANIFEST tree with `pgbouncer.ini`'s `[users]` and `[pgbouncer]` lines,
/// and checkout's pool on HikariCP's defaults (idle 10 minutes, lifetime 30 minutes).
fn pgbouncer_user_tree(users: &str, global: &str) -> tempfile::TempDir {
    tree(&[
        ("poollint.toml", IDLE_TX_MANIFEST),
        (
            "db/postgresql.conf",
            "max_connections = 200\nstatement_timeout = 0\n",
        ),
        (
            "checkout/application.yml",
            "spring:\n  datasource:\n    url: jdbc:postgresql://bouncer:6432/orders?prepareThreshold=0\n    username: checkout\n    hikari:\n      maximum-pool-size: 10\n",
        ),
        (
            "bouncer/pgbouncer.ini",
            &format!("[databases]\norders = host=db dbname=orders\n\n[users]\n{users}\n\n[pgbouncer]\npool_mode = transaction\n{global}"),
        ),
    ])
}

/// A `[users]` `query_timeout` above 0 wins over `[pgbouncer]`'s for the pools of that
/// user, as PgBouncer's janitor decides (`src/janitor.c`): it was not read, so a
/// user's timeout without a statement_timeout went unreported, and `[pgbouncer]`'s was
/// reported though the user's replaced it.
#[test]
fn pgbouncer_users_query_timeout_applies_to_the_pools_of_that_user() {
    let rule = "pgbouncer-query-timeout-without-statement-timeout";
    let ini = "bouncer/pgbouncer.ini";
    let at = |users: &str, global: &str| {
        let dir = pgbouncer_user_tree(users, global);
        findings_at(dir.path(), rule, ini)
            .into_iter()
            .map(|(message, _, span)| {
                assert!(message.contains("cancels queries after 30 s"), "{message}");
                span
            })
            .collect::<Vec<_>>()
    };
    // The span is the user's value, `30` in `checkout = query_timeout=30`.
    assert_eq!(at("checkout = query_timeout=30", ""), ["30"]);
    // Another user's, or 0 (which keeps [pgbouncer]'s 0): nothing runs out.
    assert_eq!(at("report = query_timeout=30", ""), Vec::<String>::new());
    assert_eq!(at("checkout = query_timeout=0", ""), Vec::<String>::new());
    // The user's 30 s replaces [pgbouncer]'s 60 s: only the user's is reported.
    assert_eq!(
        at("checkout = query_timeout=30", "query_timeout = 60\n"),
        ["30"]
    );
}

/// A `[users]` `client_idle_timeout` above 0 wins over `[pgbouncer]`'s for the clients
/// that log in as that user (the client's login, not a forced `user=`).
#[test]
fn pgbouncer_users_client_idle_timeout_applies_to_the_clients_of_that_user() {
    let rule = "pgbouncer-client-idle-timeout-below-client-lifetime";
    let found = |users: &str, global: &str| {
        let dir = pgbouncer_user_tree(users, global);
        messages(dir.path(), rule)
    };
    // HikariCP keeps idle connections up to its 30-minute lifetime; the user's 60 s
    // closes them first.
    let closed = found("checkout = client_idle_timeout=60", "");
    assert_eq!(closed.len(), 1, "{closed:?}");
    assert!(
        closed[0].contains("idle for 1 min (client_idle_timeout)"),
        "{closed:?}"
    );
    assert_eq!(
        found("report = client_idle_timeout=60", ""),
        Vec::<String>::new()
    );
    // The user's 0 keeps [pgbouncer]'s; the user's 3600 s replaces [pgbouncer]'s 60 s.
    assert_eq!(
        found(
            "checkout = client_idle_timeout=0",
            "client_idle_timeout = 60\n"
        )
        .len(),
        1
    );
    assert_eq!(
        found(
            "checkout = client_idle_timeout=3600",
            "client_idle_timeout = 60\n"
        ),
        Vec::<String>::new()
    );
}

/// A database declared in `poollint.toml` with only its `config` is the files' server:
/// reserves not below its `max_connections` still make it refuse to start (`init`
/// writes such a table, and the error then disappeared). A declared `max-connections`
/// describes a server that runs, so then nothing is reported. With
/// `reserved_connections` set the message is PostgreSQL 16's.
#[test]
fn a_database_declared_with_its_config_still_refuses_to_start() {
    let rule = "pool-size-invalid";
    let found = |declared: &str, conf: &str| {
        let manifest = format!("[[database]]\nname = \"db\"\nengine = \"postgresql\"\nconfig = \"db/postgresql.conf\"\n{declared}");
        let dir = tree(&[("poollint.toml", &manifest), ("db/postgresql.conf", conf)]);
        messages(dir.path(), rule)
    };
    let conf = "max_connections = 5\nsuperuser_reserved_connections = 10\n";
    let refused = found("", conf);
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(
        refused[0].contains("PostgreSQL refuses to start (\"superuser_reserved_connections (10) must be less than max_connections (5)\")"),
        "{refused:?}"
    );
    assert_eq!(found("max-connections = 200\n", conf), Vec::<String>::new());
    let refused = found(
        "",
        "max_connections = 5\nsuperuser_reserved_connections = 3\nreserved_connections = 2\n",
    );
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(
        refused[0].contains("(\"superuser_reserved_connections (3) plus reserved_connections (2) must be less than max_connections (5)\")"),
        "{refused:?}"
    );
}

/// A `-c statement_timeout=…` in a connection's startup `options` does not pass a
/// PgBouncer: PgBouncer 1.20+ refuses the connection ("unsupported startup parameter in
/// options"), or drops it when `ignore_startup_parameters` names it or `options`. It
/// counted as the statement timeout, and `statement-timeout-missing` suggested it.
#[test]
fn startup_options_do_not_pass_pgbouncer() {
    let url = "jdbc:postgresql://bouncer:6432/orders?prepareThreshold=0&options=-c%20statement_timeout%3D30s";
    let files = |ini_extra: &str, connects_to: &str, url: &str| {
        let manifest = IDLE_TX_MANIFEST.replace(
            "connects-to = \"bouncer\"\n",
            &format!("connects-to = \"{connects_to}\"\n"),
        );
        tree(&[
            ("poollint.toml", &manifest),
            ("db/postgresql.conf", "max_connections = 200\n"),
            (
                "checkout/application.yml",
                &format!("spring:\n  datasource:\n    url: {url}\n    hikari:\n      maximum-pool-size: 10\n"),
            ),
            (
                "bouncer/pgbouncer.ini",
                &format!("[databases]\norders = host=db dbname=orders\n\n[pgbouncer]\npool_mode = session\n{ini_extra}"),
            ),
        ])
    };
    let session = "transaction-pooling-session-features";
    let missing = "statement-timeout-missing";
    // Refused, in session pooling too; and no statement timeout is set.
    let dir = files("", "bouncer", url);
    let refused = findings_at(dir.path(), session, "checkout/application.yml");
    assert_eq!(refused.len(), 1, "{refused:?}");
    let (message, help, span) = &refused[0];
    assert!(
        message.contains("PgBouncer bouncer refuses every connection of checkout's pool"),
        "{message}"
    );
    assert!(
        message.contains("(\"unsupported startup parameter in options: statement_timeout\")"),
        "{message}"
    );
    assert!(
        help.starts_with("set statement_timeout for the database role instead"),
        "{help}"
    );
    assert!(span.contains("statement_timeout"), "{span}");
    let not_set = findings_at(dir.path(), missing, "db/postgresql.conf");
    assert_eq!(not_set.len(), 1, "{not_set:?}");
    assert!(
        not_set[0].1.contains("do not pass PgBouncer"),
        "{:?}",
        not_set[0]
    );
    assert!(
        !not_set[0].1.contains("options=-c statement_timeout"),
        "{:?}",
        not_set[0]
    );
    // Dropped: a warning, and still no timeout.
    let dir = files(
        "ignore_startup_parameters = extra_float_digits, options\n",
        "bouncer",
        url,
    );
    let dropped = messages(dir.path(), session);
    assert_eq!(dropped.len(), 1, "{dropped:?}");
    assert!(
        dropped[0].contains("drops statement_timeout from the startup options"),
        "{dropped:?}"
    );
    assert_eq!(messages(dir.path(), missing).len(), 1);
    // A parameter PgBouncer tracks passes; and connected directly, the option sets the
    // timeout.
    let tracked = url.replace("statement_timeout%3D30s", "application_name%3Dcheckout");
    assert_eq!(
        messages(files("", "bouncer", &tracked).path(), session),
        Vec::<String>::new()
    );
    let direct = url.replace("bouncer:6432", "db:5432");
    assert_eq!(
        messages(files("", "orders", &direct).path(), missing),
        Vec::<String>::new()
    );
}

/// The max_db_connections the help gives leaves the share no-db-connection-headroom
/// keeps free and room for the direct clients at their autoscaler's maximum: it counted
/// the steady direct clients only and no headroom, so following it tripped
/// `autoscale-max-exceeds-db-slots` or the headroom warning. Following it now checks
/// clean, and one more is the headroom warning.
#[test]
fn pgbouncer_budget_help_leaves_the_headroom_and_the_autoscaled_direct_clients() {
    let manifest = "[[database]]\nname = \"db\"\nengine = \"postgresql\"\nmax-connections = 100\n\n[[pooler]]\nname = \"bouncer\"\nconfig = \"bouncer/pgbouncer.ini\"\ninstances = 2\nconnects-to = \"db\"\n\n[[service]]\nname = \"direct\"\nconfig = [\"direct/application.yml\"]\ndeployment = \"k8s/deploy.yaml\"\nconnects-to = \"db\"\n";
    let deploy = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: direct\nspec:\n  replicas: 6\n  strategy:\n    type: Recreate\n---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: direct\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: direct\n  minReplicas: 6\n  maxReplicas: 8\n";
    let files = |extra: &str| {
        tree(&[
            ("poollint.toml", manifest),
            ("bouncer/pgbouncer.ini", &format!("[databases]\ndb = host=db dbname=db\n[pgbouncer]\ndefault_pool_size = 20\n{extra}")),
            ("direct/application.yml", "spring:\n  datasource:\n    url: jdbc:postgresql://db:5432/db?socketTimeout=30\n    hikari:\n      maximum-pool-size: 10\n"),
            ("k8s/deploy.yaml", deploy),
        ])
    };
    let dir = files("");
    let report = json(&["check"], dir.path());
    let helps: Vec<&str> = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["rule"] == "pgbouncer-server-conns-exceed-postgres")
        .map(|d| d["help"].as_str().unwrap_or(""))
        .collect();
    // 87 of 97 usable at most (10% free), 80 for direct at 8 instances: 7 for 2 instances.
    assert_eq!(
        helps,
        ["set max_db_connections to at most 3 per PgBouncer instance, or raise max_connections to at least 137"]
    );
    // Without the headroom rule, only the slots: 97 − 80 = 17 for 2 instances.
    let found = findings_at(
        dir.path(),
        "pgbouncer-server-conns-exceed-postgres",
        "bouncer/pgbouncer.ini",
    );
    assert_eq!(
        found[0].1,
        "set max_db_connections to at most 8 per PgBouncer instance, or raise max_connections to at least 123"
    );
    let all = |dir: &std::path::Path| -> Vec<String> {
        json(&["check"], dir)["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .map(|d| d["rule"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    assert_eq!(
        all(files("max_db_connections = 3\n").path()),
        Vec::<String>::new()
    );
    assert_eq!(
        all(files("max_db_connections = 4\n").path()),
        ["no-db-connection-headroom"]
    );
    // The headroom help names the pool maximum and the max_connections that keep the
    // share free (it gave only the demand to stay under): 8 × 9 + 2 × 4 = 80 of 87, and
    // 98 usable keep 10 free for 88.
    let found = messages(
        files("max_db_connections = 4\n").path(),
        "no-db-connection-headroom",
    );
    assert_eq!(found.len(), 1);
    let dir = files("max_db_connections = 4\n");
    let help = findings_at(
        dir.path(),
        "no-db-connection-headroom",
        "direct/application.yml",
    );
    assert_eq!(help[0].1, "keep peak demand at or below 87 connections (lower the pool maximum to at most 9 per process, the replica bounds or PgBouncer's server pools), or raise max_connections to at least 101");
}

/// The acquire-timeout help names each library's own key in its own unit, and a
/// library of whole seconds gets a whole number or is told none fits: it said "set
/// the acquire timeout to at most 375 ms" to Npgsql and Prisma, which refuse 0.375, and
/// keyed Rails and knex findings `connection-timeout`. A Prisma `pool_timeout=0.375` is
/// refused by Prisma's engine, and now reported.
#[test]
fn the_acquire_timeout_help_names_each_librarys_key_and_unit() {
    let service = |name: &str, config: &str, deadline: &str| {
        format!("[[service]]\nname = \"{name}\"\nconfig = [\"{config}\"]\n[service.load]\npeak-rps = 10\nhold-time = \"10ms\"\nrequest-timeout = \"{deadline}\"\n\n")
    };
    let files = |deadline: &str, prisma_timeout: &str| {
        let manifest: String = [
            ("rails", "rails/config/database.yml"),
            ("knex", "knex/knexfile.json"),
            ("dotnet", "dotnet/appsettings.json"),
            ("prisma", "prisma/.env"),
            ("node", "node/config/database.json"),
        ]
        .iter()
        .map(|(name, config)| service(name, config, deadline))
        .collect();
        tree(&[
            ("poollint.toml", &manifest),
            ("rails/config/database.yml", "production:\n  adapter: postgresql\n  host: db\n  database: app\n  pool: 5\n"),
            ("knex/knexfile.json", "{\"production\": {\"client\": \"pg\", \"connection\": {\"host\": \"db\", \"database\": \"app\"}, \"pool\": {\"min\": 0, \"max\": 10}}}\n"),
            ("dotnet/appsettings.json", "{\"ConnectionStrings\": {\"Main\": \"Host=db;Database=app;Username=app;Maximum Pool Size=20;Timeout=15\"}}\n"),
            ("prisma/.env", &format!("DATABASE_URL=\"postgresql://app@db:5432/app?connection_limit=10&pool_timeout={prisma_timeout}&sslmode=verify-full\"\n")),
            ("node/config/database.json", "{\"db\": {\"host\": \"db\", \"database\": \"orders\", \"max\": 20, \"connectionTimeoutMillis\": 10000}}\n"),
        ])
    };
    let helps = |dir: &std::path::Path| -> Vec<(String, String, String)> {
        let report = json(
            &[
                "check",
                "--select",
                "acquire-timeout-exceeds-request-deadline,suspicious-time-unit",
            ],
            dir,
        );
        let mut found: Vec<(String, String, String)> = report["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .map(|d| {
                let field = |f: &str| d[f].as_str().unwrap_or("").to_owned();
                let path = field("path");
                let relative = path
                    .strip_prefix(&format!("{}/", dir.display()))
                    .unwrap_or(&path);
                (relative.to_owned(), field("key"), field("help"))
            })
            .collect();
        found.sort();
        found
    };
    let tail = ", so a request fails fast and the caller can retry";
    let found = helps(files("2s", "10").path());
    let expected = [
        (
            "dotnet/appsettings.json",
            "ConnectionStrings.Main.Timeout",
            "set Timeout to at most 1 (seconds)",
        ),
        (
            "knex/knexfile.json",
            "production.acquireConnectionTimeout",
            "set acquireConnectionTimeout to at most 1000 (milliseconds)",
        ),
        (
            "node/config/database.json",
            "db.connectionTimeoutMillis",
            "set connectionTimeoutMillis to at most 1000 (milliseconds)",
        ),
        (
            "prisma/.env",
            "DATABASE_URL.pool_timeout",
            "set pool_timeout to at most 1 (seconds)",
        ),
        (
            "rails/config/database.yml",
            "production.checkout_timeout",
            "set checkout_timeout to at most 1 (seconds)",
        ),
    ];
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(path, key, help)| (path.to_string(), key.to_string(), format!("{help}{tail}")))
        .collect();
    assert_eq!(found, expected);
    // 1500 ms: 750 ms allowed, no whole second fits; Active Record takes a fraction.
    let found = helps(files("1500ms", "10").path());
    let help_of = |path: &str| {
        found
            .iter()
            .find(|f| f.0 == path)
            .map(|f| f.2.clone())
            .unwrap_or_default()
    };
    assert!(
        help_of("dotnet/appsettings.json").starts_with("no Timeout fits: it takes whole seconds"),
        "{found:?}"
    );
    assert!(
        help_of("prisma/.env").starts_with("no pool_timeout fits: it takes whole seconds"),
        "{found:?}"
    );
    assert_eq!(
        help_of("rails/config/database.yml"),
        format!("set checkout_timeout to at most 0.375 (seconds){tail}")
    );
    // What the old help suggested for Prisma: refused by its engine.
    let found = helps(files("2s", "0.375").path());
    let refused = found
        .iter()
        .find(|f| f.0 == "prisma/.env")
        .expect("prisma finding");
    assert!(
        refused
            .2
            .starts_with("remove it (Prisma's default is 10) or write whole seconds"),
        "{refused:?}"
    );
}

/// A help that raises a pool's maximum says when the fleet then exceeds the database's
/// slots, and the max_connections that fits: the saturation help said "at least 48"
/// where 3 × 48 > 97, and following it gave `fleet-exceeds-db-slots`, whose help ("at
/// most 29") brought the first finding back.
#[test]
fn raising_a_pool_names_the_max_connections_the_fleet_then_needs() {
    let manifest = "[[database]]\nname = \"users\"\nengine = \"postgresql\"\nmax-connections = 100\n\n[[service]]\nname = \"auth\"\nconfig = [\"auth/application.yml\"]\ninstances = 3\nconnects-to = \"users\"\n\n[service.load]\npeak-rps = 8000\nhold-time = \"15ms\"\n";
    let yaml = |max: u32| {
        format!("spring:\n  datasource:\n    url: jdbc:postgresql://users-db:5432/users?socketTimeout=60\n    hikari:\n      maximum-pool-size: {max}\n")
    };
    let dir = tree(&[
        ("poollint.toml", manifest),
        ("auth/application.yml", &yaml(30)),
    ]);
    let found = findings_at(
        dir.path(),
        "pool-saturated-by-declared-load",
        "auth/application.yml",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    // Selected alone, the headroom rule does not run: the help only has to fit the slots.
    assert!(
        found[0].1.ends_with("; at 48 the fleet opens 144 connections to database users, which accepts 97: also raise max_connections to at least 147, or put a pooler (PgBouncer) in front"),
        "{}",
        found[0].1
    );
    // With every rule, it keeps the headroom rule's share free too.
    let help = help_with_every_rule(dir.path(), "pool-saturated-by-declared-load");
    assert!(
        help.ends_with("; at 48 the fleet opens 144 connections to database users, which accepts 97: also raise max_connections to at least 163 (147 fits; 163 also keeps no-db-connection-headroom's 10% of the slots free at peak), or put a pooler (PgBouncer) in front"),
        "{help}"
    );
    // With the slots for it, the help says nothing of them.
    let roomy = manifest.replace("max-connections = 100", "max-connections = 400");
    let dir = tree(&[
        ("poollint.toml", &roomy),
        ("auth/application.yml", &yaml(30)),
    ]);
    let found = findings_at(
        dir.path(),
        "pool-saturated-by-declared-load",
        "auth/application.yml",
    );
    assert!(
        found[0]
            .1
            .ends_with(", and check the database has the slots for it"),
        "{}",
        found[0].1
    );
}

/// The pool maximum a slot help gives counts every service that reads the pool's file:
/// the `shared` case's web (6 instances) and worker (4) share one `application.yml`, so
/// at 8 the fleet keeps the headroom free; the help said 7, as if the worker's pools
/// stayed at 10.
#[test]
fn the_slot_help_grows_every_service_that_shares_the_pool() {
    let dir = std::path::Path::new("tests/fixtures/rules/fleet-exceeds-db-slots/fail");
    let report = json(&["check"], dir);
    let help = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .find(|d| {
            d["rule"] == "fleet-exceeds-db-slots"
                && d["path"]
                    .as_str()
                    .is_some_and(|p| p.ends_with("shared/application.yml"))
        })
        .and_then(|d| d["help"].as_str())
        .expect("the shared case's finding")
        .to_owned();
    assert!(
        help.starts_with(
            "lower the pool maximum to at most 8 per process (9 fits the slots; 8 also keeps"
        ),
        "{help}"
    );
}

/// An Active Record pool can be no busier than its process's threads (a thread holds
/// one connection): the saturation help said "at least 71" to a Puma of 5 threads, and
/// following it changed nothing the service can do. It now says to raise the threads.
#[test]
fn the_saturation_help_does_not_raise_an_active_record_pool_past_its_threads() {
    let manifest = "[[service]]\nname = \"rails\"\nconfig = [\"rails/config/database.yml\", \"rails/config/puma.rb\"]\n[service.load]\npeak-rps = 3000\nhold-time = \"20ms\"\nrequest-timeout = \"2s\"\n";
    let dir = tree(&[
        ("poollint.toml", manifest),
        ("rails/config/database.yml", "production:\n  adapter: postgresql\n  host: db\n  database: app\n  pool: 5\n  checkout_timeout: 1\n"),
        ("rails/config/puma.rb", "threads 5, 5\n"),
    ]);
    let found = findings_at(
        dir.path(),
        "pool-saturated-by-declared-load",
        "rails/config/database.yml",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].1.contains("but each of the 5 threads per process holds at most one Active Record connection, so the pool cannot pass the threads: raise the threads (with the pool) to at least 71"),
        "{}",
        found[0].1
    );
    // A pool of 71 is still 5 busy connections at most: judged by the threads (it
    // passed, though nothing changed for the service).
    let database = "production:\n  adapter: postgresql\n  host: db\n  database: app\n  pool: 71\n  checkout_timeout: 1\n";
    std::fs::write(dir.path().join("rails/config/database.yml"), database).expect("write");
    let found = findings_at(
        dir.path(),
        "pool-saturated-by-declared-load",
        "rails/config/database.yml",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0]
            .0
            .starts_with("pool maximum is in effect 5 (the threads per process (")
            && found[0].0.contains("below the pool's 71"),
        "{}",
        found[0].0
    );
}

/// MySQL's `max_user_connections` caps each account: pools logging in as one user
/// past it fail with ER_TOO_MANY_USER_CONNECTIONS, however many slots max_connections
/// leaves. It was not read. A pool whose user is not written is not counted (it may be
/// another account), and 0 is no limit.
#[test]
fn mysql_max_user_connections_caps_each_account() {
    let manifest = "[[database]]\nname = \"db\"\nengine = \"mysql\"\nconfig = \"db/my.cnf\"\n\n[[service]]\nname = \"auth\"\nconfig = [\"app/application.yml\"]\ninstances = 2\nconnects-to = \"db\"\n";
    let files = |cap: &str, user: &str| {
        tree(&[
            ("poollint.toml", manifest),
            ("db/my.cnf", &format!("[mysqld]\nmax_connections = 300\nmax_user_connections = {cap}\n")),
            ("app/application.yml", &format!("spring:\n  datasource:\n    url: jdbc:mysql://db:3306/app?socketTimeout=30000\n{user}    hikari:\n      maximum-pool-size: 15\n")),
        ])
    };
    let rule = "fleet-exceeds-db-slots";
    let dir = files("20", "    username: shop\n");
    let found = messages(dir.path(), rule);
    let place = format!("{}/db/my.cnf:3", dir.path().display());
    assert_eq!(found, [format!("the pools that log in to database db as shop can open 30 connections, but max_user_connections is 20 ({place}): the connections past 20 fail with ER_TOO_MANY_USER_CONNECTIONS, whatever max_connections leaves")]);
    assert_eq!(
        messages(files("30", "    username: shop\n").path(), rule),
        Vec::<String>::new()
    );
    assert_eq!(
        messages(files("0", "    username: shop\n").path(), rule),
        Vec::<String>::new()
    );
    assert_eq!(messages(files("20", "").path(), rule), Vec::<String>::new());
}

/// The idle limit a PgBouncer puts in front of a pool is its `client_idle_timeout`
/// (the pool's user's own when above 0) whether or not the PgBouncer's database is
/// declared: without `connects-to` on the pooler, the limit was not looked at.
#[test]
fn a_pgbouncer_idle_limit_counts_without_its_database() {
    let manifest = "[[pooler]]\nname = \"bouncer\"\nconfig = \"bouncer/pgbouncer.ini\"\n\n[[service]]\nname = \"checkout\"\nconfig = [\"checkout/application.yml\"]\nconnects-to = \"bouncer\"\n";
    let files = |ini: &str| {
        tree(&[
            ("poollint.toml", manifest),
            ("bouncer/pgbouncer.ini", &format!("[databases]\norders = host=db dbname=orders\n[pgbouncer]\npool_mode = session\n{ini}")),
            ("checkout/application.yml", "spring:\n  datasource:\n    url: jdbc:postgresql://bouncer:6432/orders?socketTimeout=30\n    username: checkout\n    hikari:\n      maximum-pool-size: 10\n      max-lifetime: 299000\n"),
        ])
    };
    let rule = "lifetime-not-below-server-or-network-limit";
    let found = messages(files("client_idle_timeout = 300\n").path(), rule);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains(
            "the client_idle_timeout of PgBouncer bouncer closes connections idle for 5 min"
        ),
        "{found:?}"
    );
    // The user's own value wins: 3600 s leaves the pool's 299 s far below it.
    let users = "client_idle_timeout = 300\n[users]\ncheckout = client_idle_timeout=3600\n";
    assert_eq!(messages(files(users).path(), rule), Vec::<String>::new());
}

/// A PgBouncer in front with `query_timeout` sets a timeout for its clients whether or
/// not they are known: `statement-timeout-missing` said "no client or pooler sets one"
/// and asked for the `30s` the PgBouncer rule then found too long.
#[test]
fn a_pgbouncer_query_timeout_counts_without_known_clients() {
    let dir = std::path::Path::new(
        "tests/fixtures/rules/pgbouncer-query-timeout-without-statement-timeout/fail",
    );
    assert_eq!(
        messages(dir, "statement-timeout-missing"),
        Vec::<String>::new()
    );
    assert_eq!(
        messages(dir, "pgbouncer-query-timeout-without-statement-timeout").len(),
        1
    );
}

/// The autoscale help names the maximum that fits, by the key it is written under, and
/// following it clears the finding without a headroom warning: it said only "lower
/// maxReplicas".
#[test]
fn the_autoscale_help_names_the_maximum_that_fits() {
    let fixture = std::path::Path::new("tests/fixtures/rules/autoscale-max-exceeds-db-slots/fail");
    let helps = |dir: &std::path::Path| -> Vec<String> {
        json(&["check"], dir)["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .filter(|d| d["rule"] == "autoscale-max-exceeds-db-slots")
            .map(|d| d["help"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    let found = helps(fixture);
    assert!(
        found
            .iter()
            .any(|h| h.contains("lower web's max-instances to at most 8,")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|h| h.contains("lower api's maxReplicas to at most 6,")),
        "{found:?}"
    );
    let copy = tempfile::tempdir().expect("temp dir");
    copy_tree(fixture, copy.path());
    let edit = |file: &str, from: &str, to: &str| {
        let path = copy.path().join(file);
        let text = std::fs::read_to_string(&path).expect("read");
        std::fs::write(&path, text.replace(from, to)).expect("write");
    };
    edit("poollint.toml", "max-instances = 12", "max-instances = 8");
    edit(
        "rollout/deploy/api.yaml",
        "maxReplicas: 9",
        "maxReplicas: 6",
    );
    let rules: Vec<String> = json(&["check"], copy.path())["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| d["rule"].as_str().unwrap_or("").to_owned())
        .filter(|r| r.contains("slots") || r.contains("headroom"))
        .collect();
    assert_eq!(rules, Vec::<String>::new());
}

/// The server-idle help names the setting of the pool's own library, in its unit: it
/// said "have the pool close, retire or ping idle connections" to knex and Rails.
#[test]
fn the_server_idle_help_names_each_librarys_setting() {
    let manifest = "[[database]]\nname = \"db\"\nengine = \"postgresql\"\nconfig = \"db/postgresql.conf\"\n\n[[service]]\nname = \"knex\"\nconfig = [\"knex/knexfile.json\"]\nconnects-to = \"db\"\n\n[[service]]\nname = \"rails\"\nconfig = [\"rails/config/database.yml\"]\nconnects-to = \"db\"\n";
    let dir = tree(&[
        ("poollint.toml", manifest),
        ("db/postgresql.conf", "max_connections = 200\nidle_session_timeout = '5min'\n"),
        ("knex/knexfile.json", "{\"production\": {\"client\": \"pg\", \"connection\": {\"host\": \"db\", \"database\": \"app\"}, \"pool\": {\"min\": 2, \"max\": 10}}}\n"),
        ("rails/config/database.yml", "production:\n  adapter: postgresql\n  host: db\n  database: app\n  pool: 5\n  idle_timeout: 0\n"),
    ]);
    let report = json(
        &[
            "check",
            "--select",
            "server-idle-timeout-kills-pooled-connections",
        ],
        dir.path(),
    );
    let mut helps: Vec<String> = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| d["help"].as_str().unwrap_or("").to_owned())
        .collect();
    helps.sort();
    let unset = ", or unset idle_session_timeout for the application's role (PostgreSQL recommends it only for interactive users; ALTER ROLE is not in the files, so suppress this finding then)";
    assert_eq!(
        helps,
        [
            format!("set keepalive (seconds, Rails 8.1) below 5 min, e.g. 150, or idle_timeout (seconds) below it{unset}"),
            format!("set pool.idleTimeoutMillis below 5 min, e.g. 150000, and pool.min to 0 (tarn.js never closes the min connections){unset}"),
        ]
    );
}

#[test]
fn pgbouncer_server_connections_are_capped_by_max_user_connections() {
    let manifest = "[[database]]\nname = \"users\"\nengine = \"postgresql\"\nmax-connections = 100\n\n[[pooler]]\nname = \"bouncer\"\nkind = \"pgbouncer\"\nconfig = \"bouncer/pgbouncer.ini\"\ninstances = 2\nconnects-to = \"users\"\n";
    let rule = "pgbouncer-server-conns-exceed-postgres";
    // 2 × 60 would exceed 97 slots, but one user opens at most 20 per instance.
    let capped = tree(&[
        ("poollint.toml", manifest),
        (
            "bouncer/pgbouncer.ini",
            "[databases]\nusers = host=db dbname=users\n\n[pgbouncer]\ndefault_pool_size = 60\nmax_user_connections = 20\n",
        ),
    ]);
    assert!(messages(capped.path(), rule).is_empty());
    // Entries forcing the same user share its [users] cap (which wins over the global).
    let forced = tree(&[
        ("poollint.toml", manifest),
        (
            "bouncer/pgbouncer.ini",
            "[databases]\nusers = host=db dbname=users user=app pool_size=40\nusers_ro = host=db dbname=users user=app pool_size=40\n\n[users]\napp = max_user_connections=50\n\n[pgbouncer]\nmax_user_connections = 10\n",
        ),
    ]);
    let found = messages(forced.path(), rule);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("can open 100 server connections"),
        "{}",
        found[0]
    );
    assert!(
        found[0].contains("10 for users_ro (")
            && found[0].contains(
                "pgbouncer.ini:3: pool_size 40, capped by max_user_connections 50 for user app ("
            ),
        "{}",
        found[0]
    );
}

/// PgBouncer's `pool_pool_size()`/`pool_res_pool_size()` (src/server.c) take the pool's
/// user's `[users]` `pool_size`/`reserve_pool_size` first (0 or more), then the
/// database entry's, then `[pgbouncer]`'s.
#[test]
fn pgbouncer_users_pool_size_and_reserve_count_for_a_forced_user() {
    let manifest = "[[database]]\nname = \"app\"\nengine = \"postgresql\"\nmax-connections = 100\n\n[[pooler]]\nname = \"bouncer\"\nkind = \"pgbouncer\"\nconfig = \"bouncer/pgbouncer.ini\"\nconnects-to = \"app\"\n";
    let rule = "pgbouncer-server-conns-exceed-postgres";
    let files = |users: &str| {
        tree(&[
            ("poollint.toml", manifest),
            (
                "bouncer/pgbouncer.ini",
                &format!("[databases]\napp = host=pg dbname=app user=appuser pool_size=10\n\n[users]\n{users}\n"),
            ),
        ])
    };
    // 120 + 10 > 97 slots: the user's values win over the entry's pool_size=10.
    let over = files("appuser = pool_size=120 reserve_pool_size=10");
    let found = messages(over.path(), rule);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("can open 130 server connections"),
        "{}",
        found[0]
    );
    assert!(
        found[0].contains("pool 120 + reserve_pool_size 10 ("),
        "{}",
        found[0]
    );
    // Another user's values, or -1 (PgBouncer's "not set"), leave the entry's 10.
    for users in [
        "other = pool_size=120 reserve_pool_size=10",
        "appuser = pool_size=-1",
    ] {
        let within = files(users);
        assert!(messages(within.path(), rule).is_empty(), "{users}");
    }
}

/// tarn.js throws unless `min`/`max` are JSON numbers that are integers
/// (`typeof opt.max === 'number'`, `opt.max === Math.round(opt.max)`): a fraction or a
/// quoted number is `pool-size-invalid`, on the value; `1.0`, `1e1` and whole numbers of
/// any size are integers (9007199254740993 was refused as "9007199254740992 is not an
/// integer").
#[test]
fn knex_pool_sizes_tarn_refuses_are_invalid() {
    let knexfile = r#"{
  "production": { "client": "pg", "connection": "postgres://db/app", "pool": { "min": 0, "max": 2.5 } },
  "staging":    { "client": "pg", "connection": "postgres://db/app", "pool": { "min": 0, "max": "10" } },
  "test":       { "client": "pg", "connection": "postgres://db/app", "pool": { "min": 0.5, "max": 10 } },
  "development":{ "client": "pg", "connection": "postgres://db/app", "pool": { "min": "0", "max": 10 } },
  "ci":         { "client": "pg", "connection": "postgres://db/app", "pool": { "min": 0, "max": 1e1 } },
  "big":        { "client": "pg", "connection": "postgres://db/app", "pool": { "min": 0, "max": 9007199254740993 } },
  "huge":       { "client": "pg", "connection": "postgres://db/app", "pool": { "min": 0, "max": 1.5e300 } }
}"#;
    let dir = tree(&[("knexfile.json", knexfile)]);
    let report = json(&["check", "--select", "pool-size-invalid"], dir.path());
    let found: Vec<(String, String)> = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            let span = &d["span"];
            let (start, end) = (
                span["start"].as_u64().unwrap() as usize,
                span["end"].as_u64().unwrap() as usize,
            );
            (
                knexfile[start..end].to_owned(),
                d["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let spans: Vec<&str> = found.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(spans, ["2.5", "\"10\"", "0.5", "\"0\""], "{found:?}");
    assert!(
        found[0].1.contains("Tarn: opt.max must be an integer > 0"),
        "{}",
        found[0].1
    );
    assert!(
        found[1].1.contains("a string, not a JSON number"),
        "{}",
        found[1].1
    );
    assert!(
        found[3].1.contains("Tarn: opt.min must be an integer >= 0"),
        "{}",
        found[3].1
    );
}

const HIKARI_MYSQL: &str = "spring:\n  datasource:\n    url: jdbc:mysql://db:3306/app?socketTimeout=30000\n    hikari:\n      maximum-pool-size: 10\n      max-lifetime: 1800000\n";

fn mysql_tree(engine: &str, my_cnf: &str) -> tempfile::TempDir {
    tree(&[
        ("poollint.toml", &format!("[[database]]\nname = \"main\"\nengine = \"{engine}\"\nconfig = \"db/my.cnf\"\n\n[[service]]\nname = \"web\"\nconfig = [\"web/application.yml\"]\nconnects-to = \"main\"\n")),
        ("web/application.yml", HIKARI_MYSQL),
        ("db/my.cnf", my_cnf),
    ])
}

/// `[mariadb-client]` is read by MariaDB's client programs only: its `wait_timeout` is
/// no server's. `[client-server]` is read by the server too (and `[galera]` by a Galera
/// build).
#[test]
fn mysql_option_groups_are_the_ones_the_server_reads() {
    let client_only = mysql_tree(
        "mariadb",
        "[client]\nport = 3306\n\n[mariadb-client]\nwait_timeout = 60\n",
    );
    let found = messages(
        client_only.path(),
        "lifetime-not-below-server-or-network-limit",
    );
    assert!(found.is_empty(), "{found:?}");
    for group in ["client-server", "galera", "mariadb-10.6"] {
        let dir = mysql_tree("mariadb", &format!("[{group}]\nwait_timeout = 60\n"));
        let found = messages(dir.path(), "lifetime-not-below-server-or-network-limit");
        assert_eq!(found.len(), 1, "{group}: {found:?}");
        assert!(found[0].contains("idle for 1 min"), "{}", found[0]);
    }
}

/// MySQL raises `wait_timeout = 0` to its minimum, 1 s: not "no limit".
#[test]
fn mysql_wait_timeout_zero_is_one_second() {
    let dir = mysql_tree("mysql", "[mysqld]\nwait_timeout = 0\n");
    let found = messages(dir.path(), "lifetime-not-below-server-or-network-limit");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("the wait_timeout of database")
            && found[0].contains("(0 written, which MySQL raises to its minimum, 1 s) closes connections idle for 1 s"),
        "{}",
        found[0]
    );
}

fn postgres_tree(conf: &str, application: &str) -> tempfile::TempDir {
    tree(&[
        ("poollint.toml", "[[database]]\nname = \"main\"\nengine = \"postgresql\"\nconfig = \"db/postgresql.conf\"\n\n[[service]]\nname = \"web\"\nconfig = [\"web/application.yml\"]\nconnects-to = \"main\"\n"),
        ("web/application.yml", application),
        ("db/postgresql.conf", conf),
    ])
}

/// Only a nonzero `-c statement_timeout=…` in the connection's `options` is a statement
/// timeout: another option (`-c search_path=app`) or `statement_timeout=0` sets none.
/// `idle-in-transaction-timeout-missing` reads the same options.
#[test]
fn statement_timeout_counts_only_a_nonzero_c_option() {
    let app = |url_options: &str, property: &str| {
        format!("spring:\n  datasource:\n    url: jdbc:postgresql://db:5432/app{url_options}\n    hikari:\n      maximum-pool-size: 10\n{property}")
    };
    let property = "      data-source-properties:\n        options: \"-c search_path=app\"\n";
    let cases = [
        (app("", property), 1),
        (app("?options=-c%20statement_timeout%3D0", ""), 1),
        (app("?options=-c%20search_path%3Dapp", ""), 1),
        (app("?options=-c%20statement_timeout%3D30s", ""), 0),
        (app("?options=-c+statement_timeout=30s", ""), 0),
        (
            app(
                "",
                "      data-source-properties:\n        options: \"-c statement_timeout=5s -c search_path=app\"\n",
            ),
            0,
        ),
        // The URL's options replace the property's.
        (
            app(
                "?options=-c%20search_path%3Dapp",
                "      data-source-properties:\n        options: \"-c statement_timeout=5s\"\n",
            ),
            1,
        ),
    ];
    for (application, expected) in cases {
        let dir = postgres_tree("max_connections = 100\n", &application);
        let found = messages(dir.path(), "statement-timeout-missing");
        assert_eq!(found.len(), expected, "{application}: {found:?}");
    }
    let idle = |options: &str| {
        let dir = postgres_tree(
            "max_connections = 100\n",
            &app(&format!("?options={options}"), ""),
        );
        messages(dir.path(), "idle-in-transaction-timeout-missing").len()
    };
    assert_eq!(idle("-c%20idle_in_transaction_session_timeout%3D60s"), 0);
    assert_eq!(idle("-c%20idle_in_transaction_session_timeout%3D0"), 1);
}

/// The same value in another unit (or quoted) is not a different value:
/// `statement_timeout = 30s` then `30000` (milliseconds), `'1min'` then `60s`.
#[test]
fn postgres_duplicates_with_the_same_value_in_other_units_are_not_reported() {
    let conf = "statement_timeout = 30s\nstatement_timeout = 30000\nlock_timeout = '1min'\nlock_timeout = 60s\nshared_buffers = 1GB\nshared_buffers = 131072\nmax_connections = '100'\nmax_connections = 100\nmax_connections = 0x64\nmax_connections = '1e2'\nsuperuser_reserved_connections = 3\nsuperuser_reserved_connections = 03\nwork_mem = 4MB\nwork_mem = 4096\nidle_session_timeout = 1min\nidle_session_timeout = 1000\n";
    let dir = tree(&[("db/postgresql.conf", conf)]);
    let found = messages(dir.path(), "duplicate-key-across-forms");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("`1min` here, `1000` there"),
        "{}",
        found[0]
    );
}

/// Parameters PostgreSQL 16 to 18 added with a unit are compared in that unit (they were
/// compared as written), and an integer parameter's value is rounded as PostgreSQL
/// rounds it (`convert_to_base_unit`, then `parse_int`): `1500us` of
/// `statement_timeout` is 2 ms, and `1.5001min` of `wal_summary_keep_time` is 1.5 min.
#[test]
fn postgres_16_to_18_unit_parameters_and_rounded_values_are_compared_as_read() {
    let conf = "transaction_timeout = 1min\ntransaction_timeout = 60000\nvacuum_buffer_usage_limit = 2MB\nvacuum_buffer_usage_limit = 2048\nio_combine_limit = 128kB\nio_combine_limit = 16\nidle_replication_slot_timeout = 1h\nidle_replication_slot_timeout = 3600\nwal_summary_keep_time = 1d\nwal_summary_keep_time = 1440\nstatement_timeout = 1500us\nstatement_timeout = 2\nvacuum_cost_delay = 1500us\nvacuum_cost_delay = 2\n";
    let dir = tree(&[("db/postgresql.conf", conf)]);
    let found = messages(dir.path(), "duplicate-key-across-forms");
    // vacuum_cost_delay is a real: 1500us is 1.5 ms, not 2.
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("`1500us` here, `2` there") && found[0].starts_with("vacuum_cost_delay"),
        "{}",
        found[0]
    );
}

/// PostgreSQL reads integers with `strtol(…, 0)`: `0x64` is 100, `0200` is 128 (octal),
/// and a fraction or exponent is rounded (`'1e3'`: quoted, since PostgreSQL's
/// configuration lexer refuses `1e3` unquoted).
#[test]
fn postgres_integers_in_hex_octal_and_exponent_form() {
    let app = format!("{HIKARI}10\n");
    let dir = postgres_tree(
        "max_connections = 0x64\nstatement_timeout = '1e3'\nidle_session_timeout = 0x10\n",
        &app,
    );
    assert!(messages(dir.path(), "pool-size-invalid").is_empty());
    assert!(messages(dir.path(), "suspicious-time-unit").is_empty());
    // usable slots: max_connections less the 3 superuser_reserved_connections.
    let report = json(&["capacity"], dir.path());
    assert_eq!(report["databases"][0]["usable_slots"], 97, "{report}");
    let dir = postgres_tree("max_connections = 0200\n", &app);
    let report = json(&["capacity"], dir.path());
    assert_eq!(report["databases"][0]["usable_slots"], 125, "{report}");
}

const RAILS_DB: &str = "app/config/database.yml";

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

/// A `puma.rb` without a `threads` call runs what the deployment sets in
/// `PUMA_MAX_THREADS`, else `MAX_THREADS` (Puma 5+): a pool of 5 is then short of 10
/// threads. The variables were not read, so Puma's default 5 passed.
#[test]
fn puma_max_threads_variables_of_the_deployment_are_read() {
    let deployment = |env: &str| {
        format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          env:\n{env}")
    };
    let variable = |name: &str, value: &str| {
        format!("            - name: {name}\n              value: \"{value}\"\n")
    };
    let manifest = "[[service]]\nname = \"web\"\nconfig = [\"app/config/database.yml\", \"app/config/puma.rb\"]\ndeployment = \"k8s/web.yaml\"\n";
    for (env, threads) in [
        (variable("MAX_THREADS", "10"), "10"),
        (
            variable("MAX_THREADS", "10") + &variable("PUMA_MAX_THREADS", "12"),
            "12",
        ),
    ] {
        let dir = tree(&[
            (RAILS_DB, "production:\n  adapter: postgresql\n  pool: 5\n"),
            ("app/config/puma.rb", "workers 2\n"),
            ("k8s/web.yaml", &deployment(&env)),
            ("poollint.toml", manifest),
        ]);
        let found = messages(dir.path(), "pool-smaller-than-thread-concurrency");
        assert_eq!(found.len(), 1, "{env}: {found:?}");
        assert!(
            found[0].contains(&format!("runs {threads} threads ("))
                && found[0].contains("k8s/web.yaml:"),
            "{found:?}"
        );
    }
}

/// Without `concurrency` in `sidekiq.yml`, Sidekiq 6+ runs `RAILS_MAX_THREADS` threads
/// when the variable is set (`CLI#setup_options`): a deployment setting it replaces the
/// default 5, and a pool of 5 is then too small (it was judged against 5).
#[test]
fn sidekiq_without_concurrency_reads_rails_max_threads_of_the_deployment() {
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: worker\nspec:\n  template:\n    spec:\n      containers:\n        - name: worker\n          env:\n            - name: RAILS_MAX_THREADS\n              value: \"25\"\n";
    let manifest = "[[service]]\nname = \"worker\"\nconfig = [\"app/config/database.yml\", \"app/config/sidekiq.yml\"]\ndeployment = \"k8s/worker.yaml\"\n";
    let dir = tree(&[
        (RAILS_DB, "production:\n  adapter: postgresql\n  pool: 5\n"),
        ("app/config/sidekiq.yml", ":queues:\n  - default\n"),
        ("k8s/worker.yaml", deployment),
        ("poollint.toml", manifest),
    ]);
    let found = messages(dir.path(), "pool-smaller-than-thread-concurrency");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("runs 25 threads (") && found[0].contains("k8s/worker.yaml:"),
        "{found:?}"
    );
}

/// `pool: 10.0` (the Float 10.0 to Psych, 10 to `to_i`) and `0x10` are read without a
/// pool-size-invalid finding (10.0 was a false error; 0x10 was reported as 0); `pool: 0`
/// is reported as `ten` (also 0) is. The values themselves are asserted by the Rails
/// reader's unit tests.
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

/// Without `connects-to`, a pool is inferred to use the only database only when nothing
/// says it talks to another server: a MySQL URL, a SqlClient connection string or a
/// host that is another compose service. They were all counted against PostgreSQL.
#[test]
fn pools_of_another_engine_or_host_are_not_inferred_to_use_the_only_database() {
    const DB: &str = "  db:\n    image: postgres:16\n";
    let api = |env: &str| {
        format!("services:\n  api:\n    image: x\n    deploy:\n      replicas: 2\n    environment:\n{env}{DB}")
    };
    let others = [
        "      SPRING_DATASOURCE_URL: jdbc:mysql://mysql/app?socketTimeout=30000\n      SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE: \"60\"\n",
        "      ConnectionStrings__Sql: \"Server=mssql;Max Pool Size=60\"\n",
        "      SPRING_DATASOURCE_DRIVERCLASSNAME: com.mysql.cj.jdbc.Driver\n      SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE: \"60\"\n",
    ];
    for env in others {
        let dir = tree(&[("docker-compose.yml", &api(env))]);
        let found = messages(dir.path(), "fleet-exceeds-db-slots");
        assert!(found.is_empty(), "{env}: {found:?}");
        assert_eq!(demand(dir.path()), serde_json::Value::Null, "{env}");
    }
    // Another compose service as the host.
    let dir = tree(&[(
        "docker-compose.yml",
        &format!("services:\n  reports:\n    image: reports-db:1\n  api:\n    image: x\n    deploy:\n      replicas: 2\n    environment:\n      SPRING_DATASOURCE_URL: jdbc:postgresql://reports/app?socketTimeout=30\n      SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE: \"60\"\n{DB}"),
    )]);
    assert!(messages(dir.path(), "fleet-exceeds-db-slots").is_empty());
    // A service with a PostgreSQL pool and a SQL Server pool: only the first counts.
    let mixed = "      SPRING_DATASOURCE_URL: jdbc:postgresql://db/app?socketTimeout=30\n      SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE: \"30\"\n      ConnectionStrings__Sql: \"Server=mssql;Max Pool Size=60\"\n";
    let dir = tree(&[("docker-compose.yml", &api(mixed))]);
    assert_eq!(demand(dir.path()), 60);
    // A PostgreSQL URL still is.
    let postgres = "      SPRING_DATASOURCE_URL: jdbc:postgresql://db/app?socketTimeout=30\n      SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE: \"60\"\n";
    let dir = tree(&[("docker-compose.yml", &api(postgres))]);
    assert_eq!(demand(dir.path()), 120);
}

/// Without `connects-to`, a pool whose host lies outside the model (a cloud database's
/// endpoint, any DNS name of three labels or more outside a Kubernetes cluster's `svc`
/// domain or of two whose second is not the database's namespace, an IP address other
/// than loopback) is not inferred to use the only database:
/// it was counted against the compose PostgreSQL beside it. Hosts that may be that
/// database stay counted: its service name, also in Kubernetes DNS forms, `localhost`
/// and loopback addresses, and a host the text does not give.
#[test]
fn pools_on_hosts_outside_the_model_are_not_inferred_to_use_the_only_database() {
    let compose = |env: &str| {
        format!("services:\n  api:\n    image: x\n    deploy:\n      replicas: 2\n    environment:\n{env}  db:\n    image: postgres:16\n    command: postgres -c max_connections=100\n")
    };
    let spring = |host: &str| {
        format!("      SPRING_DATASOURCE_URL: jdbc:postgresql://{host}/app?socketTimeout=30\n      SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE: \"60\"\n")
    };
    let npgsql = |host: &str| {
        format!("      ConnectionStrings__Main: \"Host={host};Maximum Pool Size=60\"\n")
    };
    let outside = [
        spring("prod.abc123.eu-west-1.rds.amazonaws.com:5432"),
        spring("db.example.com"),
        spring("10.0.4.17"),
        npgsql("prod.abc123.eu-west-1.rds.amazonaws.com"),
        npgsql("db1.example.com,db2.example.com"),
        // Two labels are Kubernetes' `service.namespace` only in the database's
        // namespace; a compose database has none.
        spring("db.internal"),
        spring("db.shop"),
        npgsql("mydb.io"),
    ];
    for env in &outside {
        let dir = tree(&[("docker-compose.yml", &compose(env))]);
        let found = messages(dir.path(), "fleet-exceeds-db-slots");
        assert!(found.is_empty(), "{env}: {found:?}");
        assert_eq!(demand(dir.path()), serde_json::Value::Null, "{env}");
    }
    let maybe = [
        spring("db"),
        spring("db.shop.svc.cluster.local:5432"),
        spring("db.default"),
        spring("localhost:5432"),
        spring("[::1]"),
        npgsql("db.shop.svc"),
        npgsql("127.0.0.1"),
    ];
    for env in &maybe {
        let dir = tree(&[("docker-compose.yml", &compose(env))]);
        assert_eq!(demand(dir.path()), 120, "{env}");
        let found = messages(dir.path(), "fleet-exceeds-db-slots");
        assert_eq!(found.len(), 1, "{env}: {found:?}");
    }
    // A service with a pool on the cloud endpoint and one on the compose database:
    // only the second counts.
    let both = format!(
        "{}\n      SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE: \"30\"\n      ConnectionStrings__Main: \"Host=db;Maximum Pool Size=20\"\n",
        spring("prod.abc123.eu-west-1.rds.amazonaws.com").lines().next().unwrap_or("")
    );
    let dir = tree(&[("docker-compose.yml", &compose(&both))]);
    assert_eq!(demand(dir.path()), 40);
    // Another compose service's Kubernetes-style name is that service, not the database.
    let dir = tree(&[(
        "docker-compose.yml",
        &format!(
            "services:\n  reports:\n    image: reports-db:1\n{}",
            compose(&spring("reports.shop.svc.cluster.local")).trim_start_matches("services:\n")
        ),
    )]);
    assert_eq!(demand(dir.path()), serde_json::Value::Null);
}

/// Images built on PostgreSQL run a PostgreSQL database like the official image: the
/// database and its `-c` flags were dropped for them, so nothing counted the pools.
#[test]
fn postgresql_based_images_are_databases() {
    for image in [
        "postgis/postgis:16-3.4",
        "timescale/timescaledb:latest-pg16",
        "timescale/timescaledb-ha:pg16",
        "docker.io/postgis/postgis:16-3.4",
        "pgvector/pgvector:pg16",
        "localhost:5000/postgres:16",
        "postgres@sha256:0123abcd",
    ] {
        let dir = tree(&[(
            "docker-compose.yml",
            &format!("services:\n  api:\n    image: x\n    deploy:\n      replicas: 2\n    environment:\n      SPRING_DATASOURCE_URL: jdbc:postgresql://db/app?socketTimeout=30\n      SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE: \"30\"\n  db:\n    image: {image}\n    command: postgres -c max_connections=50\n"),
        )]);
        assert_eq!(demand(dir.path()), 60, "{image}");
        let found = messages(dir.path(), "fleet-exceeds-db-slots");
        assert!(
            found.len() == 1 && found[0].contains("max_connections 50"),
            "{image}: {found:?}"
        );
    }
    for image in [
        "mysql:8",
        "postgres-exporter:1",
        "bitnami/postgresql-exporter:0",
    ] {
        let dir = tree(&[(
            "docker-compose.yml",
            &format!("services:\n  db:\n    image: {image}\n"),
        )]);
        assert_eq!(
            json(&["capacity"], dir.path())["databases"],
            serde_json::json!([]),
            "{image}"
        );
    }
}

/// A Deployment `api` sizing its pool to 10 with `replicas: {replicas}`, the HPA given
/// (`metadata` and `spec` lines after `kind`), and a postgres StatefulSet: the steady
/// and peak demand of `poollint capacity`.
fn autoscaled_demand(workload: &str, hpa: &str) -> (serde_json::Value, serde_json::Value) {
    let text = format!("{workload}\n  template:\n    spec:\n      containers:\n        - name: app\n          image: api:1\n          env:\n            - name: SPRING_DATASOURCE_URL\n              value: jdbc:postgresql://db/app?socketTimeout=30\n            - name: SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE\n              value: \"10\"\n---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\n{hpa}---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  template:\n    spec:\n      containers:\n        - name: postgres\n          image: postgres:16\n          args: [\"-c\", \"max_connections=1000\"]\n");
    let dir = tree(&[("app.yaml", &text)]);
    let row = json(&["capacity"], dir.path())["databases"][0].clone();
    (row["demand_steady"].clone(), row["demand_peak"].clone())
}

/// An HPA applies to the workload of its `scaleTargetRef` kind and name in its
/// namespace (`default` when none is written, on either side), and sets the steady
/// count as the HPA controller does: replicas above `maxReplicas` are scaled down to it,
/// and `replicas: 0` disables autoscaling (kubernetes
/// `pkg/controller/podautoscaler/horizontal.go`).
#[test]
fn autoscalers_match_kind_and_namespace_and_bound_the_steady_count() {
    let deployment = |meta: &str, replicas: u32| {
        format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n{meta}spec:\n  replicas: {replicas}")
    };
    let hpa = |meta: &str, kind: &str, min: u32, max: u32| {
        format!("metadata:\n  name: api\n{meta}spec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: {kind}\n    name: api\n  minReplicas: {min}\n  maxReplicas: {max}\n")
    };
    let default_ns = "  namespace: default\n";
    let cases = [
        // An HPA of a StatefulSet `api` leaves the Deployment `api` alone.
        (deployment("", 2), hpa("", "StatefulSet", 5, 8), 20),
        (deployment("", 2), hpa("", "Deployment", 5, 8), 50),
        // `default` written on one side only is the same namespace.
        (deployment("", 2), hpa(default_ns, "Deployment", 5, 8), 50),
        (deployment(default_ns, 2), hpa("", "Deployment", 5, 8), 50),
        (
            deployment("  namespace: shop\n", 2),
            hpa("", "Deployment", 5, 8),
            20,
        ),
        // Above the maximum, the HPA scales down to it.
        (deployment("", 10), hpa("", "Deployment", 2, 4), 40),
    ];
    for (workload, autoscaler, steady) in cases {
        assert_eq!(
            autoscaled_demand(&workload, &autoscaler).0,
            serde_json::json!(steady),
            "{workload}\n{autoscaler}"
        );
    }
    // `replicas: 0` disables autoscaling: nothing runs, and the maximum is never reached.
    let disabled = autoscaled_demand(&deployment("", 0), &hpa("", "Deployment", 2, 40));
    assert_eq!(disabled, (serde_json::json!(0), serde_json::json!(0)));
}

/// Compose interpolates every value, not only `environment`: a `command` flag and the
/// replica count given by a placeholder's default count as that default. The flag was
/// an invalid `max_connections` (the database left `capacity`) and the replicas 1.
/// A Compose variable without a default is unknown where it is used: a command flag's
/// value and a .NET connection string's keyword (both were reported as values the
/// server or driver refuses). A `$${X}` is the literal text `${X}`, which PostgreSQL
/// gets and refuses.
#[test]
fn compose_variables_without_a_default_are_unknown_not_invalid() {
    let text = "services:\n  db:\n    image: postgres:16\n    command: postgres -c max_connections=${MAXC} -c statement_timeout=$${X}\n  api:\n    image: x\n    environment:\n      ConnectionStrings__Main: \"Host=db;Maximum Pool Size=${PP};Timeout=${T}\"\n";
    let dir = tree(&[("docker-compose.yml", text)]);
    assert!(messages(dir.path(), "pool-size-invalid").is_empty());
    let invalid_time = messages(dir.path(), "suspicious-time-unit");
    assert_eq!(invalid_time.len(), 1, "{invalid_time:?}");
    assert!(invalid_time[0].contains("${X}"), "{invalid_time:?}");
    // In appsettings.json the same text is what Npgsql gets, and refuses.
    let dir = tree(&[(
        "appsettings.json",
        "{\"ConnectionStrings\": {\"Main\": \"Host=db;Maximum Pool Size=${PP}\"}}",
    )]);
    assert_eq!(messages(dir.path(), "pool-size-invalid").len(), 1);
}

#[test]
fn compose_interpolates_command_flags_and_replica_counts() {
    for replicas in ["scale: ${N:-4}", "deploy:\n      replicas: ${REPLICAS:-4}"] {
        let text = format!("services:\n  api:\n    image: x\n    {replicas}\n    environment:\n      SPRING_DATASOURCE_URL: jdbc:postgresql://db/app?socketTimeout=30\n      SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE: \"30\"\n  db:\n    image: postgres:16\n    command: postgres -c max_connections=${{MAXCONN:-20}} -c 'statement_timeout=${{ST:-5s}}'\n");
        let dir = tree(&[("docker-compose.yml", &text)]);
        assert!(
            messages(dir.path(), "pool-size-invalid").is_empty(),
            "{replicas}"
        );
        let row = json(&["capacity"], dir.path())["databases"][0].clone();
        assert_eq!(row["usable_slots"], 17, "{replicas}");
        assert_eq!(row["demand_steady"], 120, "{replicas}");
        let report = json(&["check", "--select", "fleet-exceeds-db-slots"], dir.path());
        let finding = &report["diagnostics"][0];
        assert!(
            finding["message"]
                .as_str()
                .is_some_and(|m| m.contains("api 4 instances") && m.contains("max_connections 20")),
            "{finding}"
        );
    }
    // The list form, and a flag's span on its text as written.
    let text = "services:\n  db:\n    image: postgres:16\n    command: [\"postgres\", \"-c\", \"max_connections=${MAXCONN:-2x}\"]\n";
    let dir = tree(&[("docker-compose.yml", text)]);
    let report = json(&["check", "--select", "pool-size-invalid"], dir.path());
    let finding = &report["diagnostics"][0];
    let span = &finding["span"];
    let (start, end) = (
        span["start"].as_u64().unwrap() as usize,
        span["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(
        &text[start..end],
        "max_connections=${MAXCONN:-2x}",
        "{finding}"
    );
}

/// A pool setting from a ConfigMap in another file (`envFrom`, `configMapKeyRef`) is
/// cited in that file, at its value: it was the ConfigMap's byte range given the
/// Deployment's file, a line past the end of it (and "Failed to read contents" in the
/// human format), which `--diff-base` and suppressions then looked up in the wrong file.
#[test]
fn a_setting_from_a_config_map_in_another_file_is_cited_there() {
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n        - name: web\n          envFrom:\n            - configMapRef:\n                name: web-env\n          env:\n            - name: SPRING_DATASOURCE_URL\n              value: jdbc:postgresql://db:5432/app?socketTimeout=30\n            - name: SPRING_DATASOURCE_HIKARI_CONNECTION_TIMEOUT\n              valueFrom:\n                configMapKeyRef: {name: web-env, key: TIMEOUT}\n";
    let pad: String = (0..40).map(|i| format!("  PAD_{i}: \"x\"\n")).collect();
    let config_map = format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-env\ndata:\n{pad}  SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE: \"40\"\n  TIMEOUT: \"100\"\n");
    let dir = tree(&[
        ("deploy/web.yaml", deployment),
        ("deploy/cm.yaml", &config_map),
        ("poollint.toml", &manifest(100, "")),
    ]);
    let report = json(&["check"], dir.path());
    let cited: Vec<(String, String, u64)> = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            let rule = d["rule"].as_str().unwrap_or("").to_owned();
            let path = d["path"].as_str().unwrap_or("").to_owned();
            (rule, path, d["start"]["line"].as_u64().unwrap_or(0))
        })
        .collect();
    for rule in ["hikari-timeout-constraints", "suspicious-time-unit"] {
        let in_config_map = |(r, path, line): &(String, String, u64)| {
            r == rule && path.ends_with("deploy/cm.yaml") && *line == 47
        };
        assert!(cited.iter().any(in_config_map), "{rule}: {cited:?}");
    }
    let fleet = messages(dir.path(), "fleet-exceeds-db-slots");
    assert!(fleet.iter().any(|m| m.contains("cm.yaml:46)")), "{fleet:?}");
}

/// pg-pool keeps a negative `max` and opens no client: the fleet's demand counts it as
/// 0, and its formula says so, so the terms add up to the demand; pool-size-invalid
/// reports the value.
#[test]
fn a_negative_node_postgres_maximum_is_counted_and_shown_as_no_connection() {
    let dir = tree(&[
        (
            "config/default.json",
            r#"{"mainDb": {"host": "db", "user": "app", "max": 90, "connectionTimeoutMillis": 2000},
 "reportingDb": {"host": "db", "user": "app", "max": -80, "connectionTimeoutMillis": 2000}}"#,
        ),
        (
            "poollint.toml",
            &manifest(50, "config = [\"config/default.json\"]"),
        ),
    ]);
    let found = messages(dir.path(), "fleet-exceeds-db-slots");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("default.json:1) + 0 (")
            && found[0].contains("default.json:2: a maximum of -80 opens none)"),
        "{}",
        found[0]
    );
    let invalid = messages(dir.path(), "pool-size-invalid");
    assert_eq!(invalid.len(), 1, "{invalid:?}");
    assert!(invalid[0].starts_with("max is -80"), "{}", invalid[0]);
}

/// node-config merges only the NODE_ENV file over `config/default.json`: a
/// `config/test.json` pool is the test profile's alternative to the base's pool of the
/// same name, not a pool that runs beside it.
#[test]
fn node_config_environment_files_are_profiles_of_the_base() {
    let files = |node_env: Option<&str>| {
        let mut files = vec![
            (
                "config/default.json".to_owned(),
                r#"{"db": {"host": "db", "user": "app", "max": 10, "connectionTimeoutMillis": 5000}}"#.to_owned(),
            ),
            (
                "config/test.json".to_owned(),
                r#"{"db": {"host": "localhost", "user": "app", "max": 30, "connectionTimeoutMillis": 5000}}"#.to_owned(),
            ),
        ];
        let service = match node_env {
            Some(env) => {
                files.push((
                    "docker-compose.yml".to_owned(),
                    format!("services:\n  app:\n    image: app:1\n    environment:\n      NODE_ENV: {env}\n"),
                ));
                "config = [\"config/default.json\", \"config/test.json\"]\ndeployment = \"docker-compose.yml\""
            }
            None => "config = [\"config/default.json\", \"config/test.json\"]",
        };
        files.push(("poollint.toml".to_owned(), manifest(1000, service)));
        files
    };
    let unknown = files(None);
    let unknown: Vec<(&str, &str)> = unknown
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    // The largest profile's pool, not 10 + 30.
    assert_eq!(demand(tree(&unknown).path()), 30);
    let production = files(Some("production"));
    let production: Vec<(&str, &str)> = production
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    assert_eq!(demand(tree(&production).path()), 10);
}

/// knex, TypeORM and sequelize-cli load their JSON with `JSON.parse`: a comment or a
/// trailing comma is a parse error and no pool; node-config's `config/*.json` takes
/// comments.
#[test]
fn knexfile_ormconfig_and_sequelize_config_are_strict_json() {
    let strict = [
        (
            "knexfile.json",
            "{\n  // tuned for prod\n  \"production\": {\"client\": \"pg\", \"connection\": {\"host\": \"db\"}, \"pool\": {\"min\": 0, \"max\": 10}}\n}\n",
        ),
        (
            "ormconfig.json",
            "{\"type\": \"postgres\", \"entities\": [], \"poolSize\": 5,}\n",
        ),
        (
            "config/config.json",
            "{\"production\": {\"dialect\": \"postgres\", \"host\": \"db\", \"pool\": {\"max\": 5,}}}\n",
        ),
    ];
    for (path, text) in strict {
        let dir = tree(&[(path, text)]);
        let found = messages(dir.path(), "parse-error");
        assert_eq!(found.len(), 1, "{path}: {found:?}");
        assert!(found[0].contains("JSON.parse"), "{path}: {}", found[0]);
    }
    let dir = tree(&[(
        "config/default.json",
        "{\n  // node-config takes comments\n  \"db\": {\"host\": \"db\", \"user\": \"app\", \"max\": 10}\n}\n",
    )]);
    assert!(messages(dir.path(), "parse-error").is_empty());
}

/// Unquoted values PostgreSQL's configuration lexer splits into two tokens (a syntax
/// error: PostgreSQL 15.18 refuses to start with the file) are a `parse-error` at the
/// value, and the file's settings are not used; the forms it reads stay accepted.
#[test]
fn postgres_unquoted_values_its_lexer_refuses_are_parse_errors_at_the_value() {
    let app = format!("{HIKARI}10\n");
    for value in ["1.5min", "0.5s", "1e3", "0X32", "0x1.8p1"] {
        let dir = postgres_tree(&format!("statement_timeout = {value}\n"), &app);
        let found = findings_at(dir.path(), "parse-error", "db/postgresql.conf");
        assert_eq!(found.len(), 1, "{value}: {found:?}");
        assert_eq!(found[0].2, value);
        assert!(found[0].0.contains("single quotes"), "{}", found[0].0);
    }
    for value in ["5.e1", "1.5e2", "+50", "0x32", "062", "'0X32'"] {
        let dir = postgres_tree(&format!("max_connections = {value}\n"), &app);
        assert!(messages(dir.path(), "parse-error").is_empty(), "{value}");
    }
    // An unquoted `name.name` path is refused too, and not followed.
    let dir = postgres_tree("include extra.conf\n", &app);
    common::write_file(dir.path(), "db/extra.conf", "max_connections = 30\n");
    let found = findings_at(dir.path(), "parse-error", "db/postgresql.conf");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].2, "extra.conf");
    let report = json(&["capacity"], dir.path());
    assert_ne!(report["databases"][0]["usable_slots"], 27, "{report}");
}

/// A `postgresql.conf` with no setting runs with the defaults (PostgreSQL 15.18:
/// `statement_timeout` is 0 for an empty or comment-only file), as one without the
/// parameter does: the same findings, at the file's start.
#[test]
fn a_postgres_conf_without_settings_has_the_default_timeouts_findings() {
    let app = format!("{HIKARI}10\n");
    for conf in [
        "",
        "# only a comment\n",
        "include_if_exists 'absent.conf'\n",
        "port = 5432\n",
    ] {
        let dir = postgres_tree(conf, &app);
        for rule in [
            "statement-timeout-missing",
            "idle-in-transaction-timeout-missing",
        ] {
            let found = findings_at(dir.path(), rule, "db/postgresql.conf");
            assert_eq!(found.len(), 1, "{conf:?} {rule}: {found:?}");
        }
    }
}

/// PostgreSQL counts `max_connections` with the other server processes against
/// MAX_BACKENDS (262143): 15.18 accepts 262121 with the defaults and refuses 262122.
#[test]
fn max_connections_above_what_the_other_processes_leave_is_invalid() {
    let app = format!("{HIKARI}10\n");
    for (value, invalid) in [(262_121, 0), (262_122, 1), (262_143, 1)] {
        let dir = postgres_tree(&format!("max_connections = {value}\n"), &app);
        let found = messages(dir.path(), "pool-size-invalid");
        assert_eq!(found.len(), invalid, "{value}: {found:?}");
    }
}

/// PgBouncer reads a key as `[A-Za-z0-9_.*-]` only: `my$db` and a quoted name stop
/// loading with `syntax error in configuration` (PgBouncer 1.18 does not start), a
/// `parse-error` at the key; the file's settings are not used.
#[test]
fn pgbouncer_keys_with_characters_it_does_not_read_are_parse_errors() {
    for key in ["my$db", "\"my db\"", "appé"] {
        let dir = tree(&[(
            "bouncer/pgbouncer.ini",
            &format!("[databases]\napp = host=db dbname=app\n{key} = host=db\n[pgbouncer]\ndefault_pool_size = 15\n"),
        )]);
        let found = findings_at(dir.path(), "parse-error", "bouncer/pgbouncer.ini");
        assert_eq!(found.len(), 1, "{key}: {found:?}");
        assert_eq!(found[0].2, key);
        assert!(
            found[0].0.contains("syntax error in configuration"),
            "{}",
            found[0].0
        );
    }
    let dir = tree(&[(
        "bouncer/pgbouncer.ini",
        "[databases]\nmy.db-x_1 = host=db\n[pgbouncer]\ndefault_pool_size = 15\n",
    )]);
    assert!(messages(dir.path(), "parse-error").is_empty());
}

/// A database, a PgBouncer reading `bouncer/pgbouncer.ini` in front of it, and a
/// service of pool 10 through it.
fn bouncer_tree(ini: &str, more: &[(&str, &str)]) -> tempfile::TempDir {
    let mut files = vec![
        ("poollint.toml", "[[database]]\nname = \"db\"\nengine = \"postgresql\"\nmax-connections = 500\n\n[[pooler]]\nname = \"bouncer\"\nkind = \"pgbouncer\"\nconfig = \"bouncer/pgbouncer.ini\"\nconnects-to = \"db\"\n\n[[service]]\nname = \"app\"\nconfig = [\"app/application.yml\"]\nconnects-to = \"bouncer\"\n"),
        ("app/application.yml", "spring:\n  datasource:\n    url: jdbc:postgresql://bouncer:6432/app?socketTimeout=30\n    hikari:\n      maximum-pool-size: 10\n"),
        ("bouncer/pgbouncer.ini", ini),
    ];
    files.extend_from_slice(more);
    tree(&files)
}

/// Every `[pgbouncer]` header, in the file or in an included one, sets the settings back
/// to their defaults (PgBouncer 1.18 ran these with `default_pool_size` 20).
#[test]
fn a_later_pgbouncer_header_resets_the_earlier_settings() {
    let two_headers = "[databases]\napp = host=db dbname=app\n[pgbouncer]\ndefault_pool_size = 150\n[databases]\napp2 = host=db dbname=app\n[pgbouncer]\nmax_client_conn = 500\n";
    // Two databases × the default 20, not × 150; the reset setting is a warning.
    let dir = bouncer_tree(two_headers, &[]);
    assert_eq!(demand(dir.path()), 40);
    let found = findings_at(
        dir.path(),
        "unknown-or-dead-pool-key",
        "bouncer/pgbouncer.ini",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].2, "default_pool_size");
    assert!(found[0].0.contains("has no effect"), "{}", found[0].0);
    let included = "[databases]\napp = host=db dbname=app\n[pgbouncer]\ndefault_pool_size = 150\n%include extra.ini\n";
    let extra = ("bouncer/extra.ini", "[pgbouncer]\nauth_type = md5\n");
    let dir = bouncer_tree(included, &[extra]);
    assert_eq!(demand(dir.path()), 20);
    let found = findings_at(
        dir.path(),
        "unknown-or-dead-pool-key",
        "bouncer/pgbouncer.ini",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    let one_header =
        "[databases]\napp = host=db dbname=app\n[pgbouncer]\ndefault_pool_size = 150\n";
    let dir = bouncer_tree(one_header, &[]);
    assert_eq!(demand(dir.path()), 150);
    assert!(messages(dir.path(), "unknown-or-dead-pool-key").is_empty());
}

/// PgBouncer matches section names case-sensitively (`invalid section "PgBouncer"`,
/// it does not start): `unknown-or-dead-pool-key` at the name, with the fix; and a
/// pgbouncer.ini without a `[pgbouncer]` section is a `parse-error` (`main section
/// missing from config file`).
#[test]
fn pgbouncer_sections_in_another_case_or_missing_are_reported() {
    let dir = bouncer_tree(
        "[databases]\napp = host=db dbname=app\n[PgBouncer]\ndefault_pool_size = 150\n",
        &[],
    );
    let found = findings_at(
        dir.path(),
        "unknown-or-dead-pool-key",
        "bouncer/pgbouncer.ini",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    let (message, help, span) = &found[0];
    assert_eq!(span, "PgBouncer");
    assert!(
        message.contains("invalid section \"PgBouncer\""),
        "{message}"
    );
    assert_eq!(help, "did you mean `[pgbouncer]`?");
    let report = json(&["check"], dir.path());
    let fix = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|d| {
            (d["rule"] == "unknown-or-dead-pool-key").then(|| d["fix"]["replacement"].clone())
        });
    assert_eq!(fix, Some(serde_json::json!("pgbouncer")));
    // Its settings are not [pgbouncer]'s, and the missing section is not reported twice.
    assert_eq!(demand(dir.path()), 20);
    assert!(messages(dir.path(), "parse-error").is_empty());
    for ini in ["[databases]\napp = host=db dbname=app\n", ""] {
        let dir = bouncer_tree(ini, &[]);
        let found = findings_at(dir.path(), "parse-error", "bouncer/pgbouncer.ini");
        assert_eq!(found.len(), 1, "{ini:?}: {found:?}");
        assert!(
            found[0].0.contains("main section missing from config file"),
            "{}",
            found[0].0
        );
    }
}

/// A compose project as the audit found it: PostgreSQL with `max_connections`, and a
/// Spring service whose pool and replicas `lines` set.
fn compose_project(max_connections: u32, web: &str) -> String {
    format!("services:\n  db:\n    image: postgres:16\n    command: [\"postgres\", \"-c\", \"max_connections={max_connections}\"]\n  web:\n    image: shop/web\n{web}")
}

/// Audit finding (k07): the project's `.env`, beside the compose file, was not used to
/// interpolate it: `${POOL:-5}` took its default and `${POOL}` was unknown, so 4 × 50
/// connections counted as 1 × 5 (or none). Compose reads it (the shell would win over
/// it); the values point at the placeholders as written.
#[test]
fn the_project_dotenv_interpolates_the_compose_file() {
    let dotenv = "POOL=50\nWEB_REPLICAS=4\n";
    for pool in ["${POOL:-5}", "${POOL}"] {
        let web = format!("    deploy:\n      replicas: ${{WEB_REPLICAS:-1}}\n    environment:\n      SPRING_DATASOURCE_URL: jdbc:postgresql://db:5432/shop?socketTimeout=30\n      SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE: {pool}\n");
        let compose = compose_project(60, &web);
        let dir = tree(&[("docker-compose.yml", &compose), (".env", dotenv)]);
        assert_eq!(demand(dir.path()), 200, "{pool}");
        let report = json(&["check", "--select", "fleet-exceeds-db-slots"], dir.path());
        let finding = &report["diagnostics"][0];
        let path = finding["path"].as_str().unwrap_or_default();
        assert!(path.ends_with("/docker-compose.yml"), "{pool}: {path}");
        let (start, end) = (
            finding["span"]["start"].as_u64().unwrap() as usize,
            finding["span"]["end"].as_u64().unwrap() as usize,
        );
        assert_eq!(&compose[start..end], pool);
        // Named alone (a pre-commit hook), the compose file still reads its `.env`.
        let alone = json(&["capacity"], &dir.path().join("docker-compose.yml"));
        assert_eq!(alone["databases"][0]["demand_steady"], 200, "{pool}");
        // Without `.env`, the default as before; without one, nothing to count.
        std::fs::remove_file(dir.path().join(".env")).unwrap();
        let expected = if pool == "${POOL}" {
            serde_json::Value::Null
        } else {
            serde_json::json!(5)
        };
        assert_eq!(demand(dir.path()), expected, "{pool}");
    }
}

/// Audit finding (k06): `env_file:` was not read, so a pool sized there counted at
/// Hikari's default of 10. Its variables are the container's, under `environment:`;
/// the finding points at the file's line.
#[test]
fn env_file_variables_configure_the_pool() {
    let web = "    env_file: [web.env]\n    environment:\n      SPRING_DATASOURCE_URL: jdbc:postgresql://db:5432/shop?socketTimeout=30\n";
    let env = "SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE=50\n";
    let dir = tree(&[
        ("docker-compose.yml", &compose_project(23, web)),
        ("web.env", env),
    ]);
    assert_eq!(demand(dir.path()), 50);
    let report = json(&["check", "--select", "fleet-exceeds-db-slots"], dir.path());
    let path = report["diagnostics"][0]["path"]
        .as_str()
        .unwrap_or_default();
    assert!(path.ends_with("/web.env"), "{path}");
    // `environment:` wins over the file; the long form, and a later file over an earlier.
    let web = "    env_file:\n      - web.env\n      - path: late.env\n        required: false\n    environment:\n      SPRING_DATASOURCE_URL: jdbc:postgresql://db:5432/shop?socketTimeout=30\n";
    let dir = tree(&[
        ("docker-compose.yml", &compose_project(23, web)),
        ("web.env", env),
        ("late.env", "SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE=7\n"),
    ]);
    assert_eq!(demand(dir.path()), 7);
    let over = format!("{web}      SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE: \"3\"\n");
    std::fs::write(
        dir.path().join("docker-compose.yml"),
        compose_project(23, &over),
    )
    .unwrap();
    assert_eq!(demand(dir.path()), 3);
    // An optional file may be missing.
    std::fs::remove_file(dir.path().join("late.env")).unwrap();
    std::fs::write(
        dir.path().join("docker-compose.yml"),
        compose_project(23, web),
    )
    .unwrap();
    assert_eq!(demand(dir.path()), 50);
    assert!(messages(dir.path(), "parse-error").is_empty());
}

/// A required `env_file` missing from the repository stops Compose (compose-go: `env
/// file … not found`): a `parse-error` warning where it is named, its variables not
/// read (it may be created at deploy time). One of a service behind `profiles:` is not
/// reported: Compose reads it only when the profile is active.
#[test]
fn a_missing_required_env_file_is_a_parse_error_warning() {
    let compose = "services:\n  web:\n    image: x\n    env_file: secrets.env\n  debug:\n    image: x\n    profiles: [debug]\n    env_file: debug.env\n";
    let dir = tree(&[("docker-compose.yml", compose)]);
    let report = json(&["check", "--select", "parse-error"], dir.path());
    let diagnostics = report["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["severity"], "warning");
    assert!(diagnostics[0]["message"]
        .as_str()
        .unwrap()
        .contains("env_file `secrets.env` of service `web` is not in the repository"));
    assert_eq!(diagnostics[0]["start"]["line"], 4);
}

/// Audit finding: `extends:` was not followed, so a service extending a base got
/// neither its environment nor its replicas. The base's variables are under the
/// service's own, its replicas taken unless the service sets its own.
#[test]
fn extends_within_a_compose_file_takes_the_base_service() {
    let web = "    deploy:\n      replicas: 2\n    environment:\n      SPRING_DATASOURCE_URL: jdbc:postgresql://db:5432/shop?socketTimeout=30\n      SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE: \"10\"\n  api:\n    extends: web\n    environment:\n      SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE: \"20\"\n  worker:\n    extends:\n      service: web\n    deploy:\n      replicas: 1\n";
    let dir = tree(&[("docker-compose.yml", &compose_project(100, web))]);
    // web 2 × 10, api 2 × 20, worker 1 × 10.
    assert_eq!(demand(dir.path()), 70);
}

/// Audit finding: `extends: {file: …, service: …}` was not followed, so the service
/// got none of that base's settings (no pool, one instance). The base file is read
/// from the checked tree, relative to the extending file; its own `env_file` relative
/// to it. A missing base file stops Compose: a `parse-error` warning where it is named.
#[test]
fn extends_from_another_file_takes_that_files_service() {
    let web = "    extends:\n      file: common/base.yml\n      service: app\n";
    let base = "services:\n  app:\n    deploy:\n      replicas: 2\n    env_file: app.env\n    environment:\n      SPRING_DATASOURCE_URL: jdbc:postgresql://db:5432/shop?socketTimeout=30\n";
    let compose = compose_project(100, web);
    let dir = tree(&[
        ("docker-compose.yml", &compose),
        ("common/base.yml", base),
        (
            "common/app.env",
            "SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE=30\n",
        ),
    ]);
    // 2 replicas × 30.
    assert_eq!(demand(dir.path()), 60);
    assert!(messages(dir.path(), "parse-error").is_empty());
    std::fs::remove_file(dir.path().join("common/base.yml")).unwrap();
    let report = json(&["check", "--select", "parse-error"], dir.path());
    let diagnostics = report["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["severity"], "warning");
    let message = diagnostics[0]["message"].as_str().unwrap();
    assert!(
        message.contains(
            "the file `common/base.yml` that service `web` extends is not in the repository"
        ),
        "{message}"
    );
    let line = compose
        .lines()
        .position(|l| l.contains("file: common/base.yml"))
        .unwrap();
    assert_eq!(diagnostics[0]["start"]["line"], line + 1);
}

/// compose-go refuses an `extends:` cycle (`Circular reference`), across files too: a
/// `parse-error` at the `extends` key of the service in the checked file.
#[test]
fn an_extends_cycle_across_files_is_a_parse_error() {
    let compose = "services:\n  web:\n    image: x\n    extends: {file: base.yml, service: app}\n";
    let base = "services:\n  app:\n    extends: {file: docker-compose.yml, service: web}\n";
    let dir = tree(&[("docker-compose.yml", compose), ("base.yml", base)]);
    let report = json(&["check", "--select", "parse-error"], dir.path());
    let diagnostics = report["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["severity"], "error");
    assert!(
        diagnostics[0]["message"]
            .as_str()
            .unwrap()
            .contains("(web → app (base.yml) → web)"),
        "{diagnostics:?}"
    );
    assert_eq!(diagnostics[0]["start"]["line"], 4);
}

/// compose-go refuses a service whose `scale` and `deploy.replicas` differ (`can't set
/// distinct values on 'scale' and 'deploy.replicas'`): a `parse-error` at `scale`.
#[test]
fn distinct_scale_and_deploy_replicas_are_a_parse_error() {
    let compose = "services:\n  web:\n    image: x\n    scale: ${WEB_SCALE:-2}\n    deploy:\n      replicas: 3\n";
    let dir = tree(&[("docker-compose.yml", compose)]);
    let found = messages(dir.path(), "parse-error");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("can't set distinct values on 'scale' and 'deploy.replicas'"),
        "{found:?}"
    );
    // `.env` makes them agree.
    std::fs::write(dir.path().join(".env"), "WEB_SCALE=3\n").unwrap();
    assert!(messages(dir.path(), "parse-error").is_empty());
}

/// Compose refuses to load a project with a `container_name` beside more than one
/// replica (Docker Compose 2.40.3: "services.deploy.replicas: can't set container_name
/// and web as container name must be unique: invalid compose project"): a
/// `parse-error` at `container_name` quoting it, and none for one replica.
#[test]
fn a_container_name_with_several_replicas_is_a_parse_error() {
    let compose = "services:\n  web:\n    image: x\n    container_name: web\n    deploy:\n      replicas: 3\n";
    let dir = tree(&[("docker-compose.yml", compose)]);
    let found = messages(dir.path(), "parse-error");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("sets `container_name` and runs 3 replicas"),
        "{found:?}"
    );
    assert!(
        found[0].contains("Compose refuses to load the project (`services.deploy.replicas: can't set container_name and web as container name must be unique: invalid compose project`)"),
        "{found:?}"
    );
    std::fs::write(
        dir.path().join("docker-compose.yml"),
        compose.replace("replicas: 3", "replicas: 1"),
    )
    .unwrap();
    assert!(messages(dir.path(), "parse-error").is_empty());
}

/// node-config merges `config/<NODE_ENV>.json` over `config/default.json` (and `local.json`
/// over both): an environment file that changes only `max` is that environment's pool,
/// its other settings the base's; `local.json` applies in every environment.
#[test]
fn node_config_environment_files_are_merged_over_default() {
    let compose =
        "services:\n  app:\n    image: app:1\n    environment:\n      NODE_ENV: production\n";
    let service = "config = [\"config/default.json\", \"config/production.json\", \"config/local.json\"]\ndeployment = \"docker-compose.yml\"";
    let dir = tree(&[
        (
            "config/default.json",
            r#"{"db": {"host": "db", "user": "app", "max": 10}}"#,
        ),
        ("config/production.json", r#"{"db": {"max": 20}}"#),
        (
            "config/local.json",
            r#"{"db": {"idleTimeoutMillis": 1000}}"#,
        ),
        ("docker-compose.yml", compose),
        ("poollint.toml", &manifest(1000, service)),
    ]);
    assert_eq!(demand(dir.path()), 20);
    // `init` writes one table for the application, naming the file each size is in.
    std::fs::remove_file(dir.path().join("poollint.toml")).expect("remove");
    poollint()
        .current_dir(dir.path())
        .args(["init", "."])
        .output()
        .expect("run");
    let written = std::fs::read_to_string(dir.path().join("poollint.toml")).expect("manifest");
    assert_eq!(written.matches("[[service]]").count(), 1, "{written}");
    assert!(
        written.contains(r#"config = ["config/default.json", "config/production.json"]"#),
        "{written}"
    );
}

/// `custom-environment-variables.json` maps a key to a variable: the deployment's value
/// replaces the files' one.
#[test]
fn node_config_custom_environment_variables_take_the_deployment_value() {
    let compose =
        "services:\n  app:\n    image: app:1\n    environment:\n      DB_POOL_MAX: \"50\"\n";
    let service = "config = [\"config/default.json\", \"config/custom-environment-variables.json\"]\ndeployment = \"docker-compose.yml\"";
    let files = |compose: &str| {
        tree(&[
            (
                "config/default.json",
                r#"{"db": {"host": "db", "user": "app", "max": 10}}"#,
            ),
            (
                "config/custom-environment-variables.json",
                r#"{"db": {"max": "DB_POOL_MAX"}}"#,
            ),
            ("docker-compose.yml", compose),
            ("poollint.toml", &manifest(1000, service)),
        ])
    };
    assert_eq!(demand(files(compose).path()), 50);
    let unset = "services:\n  app:\n    image: app:1\n    environment:\n      OTHER: \"50\"\n";
    assert_eq!(demand(files(unset).path()), 10);
}

/// PM2 starts `instances` processes of the application, each with its own pools; a count
/// from the CPUs is not known, and counted as 1, never guessed.
#[test]
fn pm2_instances_multiply_the_node_pools() {
    let ecosystem = |instances: &str| {
        format!("module.exports = {{\n  apps: [{{ name: 'api', script: './server.js', exec_mode: 'cluster', instances: {instances} }}]\n}};\n")
    };
    let service = "config = [\"knexfile.json\"]\ninstances = 2";
    let knexfile =
        r#"{"client": "pg", "connection": "postgres://app@db/app", "pool": {"min": 0, "max": 10}}"#;
    let dir = tree(&[
        ("knexfile.json", knexfile),
        ("ecosystem.config.js", &ecosystem("4")),
        ("poollint.toml", &manifest(1000, service)),
    ]);
    // 2 instances × 4 processes × pool 10.
    assert_eq!(demand(dir.path()), 80);
    let dir = tree(&[
        ("knexfile.json", knexfile),
        ("ecosystem.config.js", &ecosystem("'max'")),
        ("poollint.toml", &manifest(15, service)),
    ]);
    assert_eq!(demand(dir.path()), 20);
    // The formula says the count is not known.
    let found = messages(dir.path(), "fleet-exceeds-db-slots");
    assert!(
        found.len() == 1
            && found[0]
                .contains("[processes unknown, 1 counted: PM2 starts one process of `api` per CPU"),
        "{found:?}"
    );
    // `init` leaves the count to set, and none when PM2 gives it.
    let init = |instances: &str| {
        let dir = tree(&[
            ("knexfile.json", knexfile),
            ("ecosystem.config.js", &ecosystem(instances)),
        ]);
        poollint()
            .current_dir(dir.path())
            .args(["init", "."])
            .output()
            .expect("run");
        std::fs::read_to_string(dir.path().join("poollint.toml")).expect("manifest")
    };
    let written = init("'max'");
    assert!(
        written.contains("# processes = 1                # TODO: the host's CPU count"),
        "{written}"
    );
    let written = init("4");
    assert!(!written.contains("processes ="), "{written}");
    assert!(written.contains("\"ecosystem.config.js\""), "{written}");
}

/// Active Record times it refuses (`false`: NoMethodError when the pool is created) or
/// reads as another number (`"5s"` is 5, `1.5` as `max_age` 1) were read as invalid
/// and reported by nothing; each is now reported at its value, an error or a warning.
#[test]
fn active_record_times_it_refuses_or_misreads_are_reported() {
    let yml = "production:\n  adapter: postgresql\n  database: app\n  idle_timeout: no\n  checkout_timeout: \"5s\"\n  max_age: 1.5\n  keepalive: \"0x10\"\n";
    let dir = tree(&[("config/database.yml", yml)]);
    let found = findings_at(dir.path(), "suspicious-time-unit", "config/database.yml");
    let at: Vec<&str> = found.iter().map(|f| f.2.as_str()).collect();
    assert_eq!(at, ["no", "\"5s\"", "1.5", "\"0x10\""], "{found:?}");
    assert!(found[0].0.contains("NoMethodError"), "{found:?}");
    assert!(found[1].0.contains("as 5 s"), "{found:?}");
    let report = json(&["check", "--select", "suspicious-time-unit"], dir.path());
    let levels: Vec<&str> = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter_map(|d| d["severity"].as_str())
        .collect();
    assert_eq!(levels, ["error", "warning", "warning", "warning"]);
    // A reaping_frequency of false stops the pool from being created too.
    let yml = "production:\n  adapter: postgresql\n  reaping_frequency: false\n";
    let dir = tree(&[("config/database.yml", yml)]);
    let found = findings_at(dir.path(), "suspicious-time-unit", "config/database.yml");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0]
            .0
            .starts_with("reaping_frequency `false` is refused"),
        "{found:?}"
    );
}

/// TypeORM's mysql driver with `connectionLimit` 0 has no limit: `pool-unbounded`
/// reports it (the reader read it so, and no rule did), also in an `ormconfig.json`
/// that sizes its pool only so (it was not read without `entities`).
#[test]
fn typeorm_mysql_connection_limit_zero_is_unbounded() {
    for config in [
        r#"{"type": "mysql", "host": "db", "database": "app", "extra": {"connectionLimit": 0}}"#,
        r#"{"type": "mariadb", "entities": ["dist/*.js"], "poolSize": 0}"#,
    ] {
        let dir = tree(&[("ormconfig.json", config)]);
        let found = findings_at(dir.path(), "pool-unbounded", "ormconfig.json");
        assert_eq!(found.len(), 1, "{config}: {found:?}");
        assert!(
            found[0].0.contains("0: the mysql driver's pool opens"),
            "{found:?}"
        );
        assert_eq!(found[0].2, "0", "{found:?}");
    }
}

/// What Npgsql refuses beyond a setter's range, each reported at its value (all passed):
/// an idle lifetime below the pruning interval (10 s by default) and an interval of 0,
/// which its pool refuses when it is created; the first of two sizes, which its setter
/// refuses though the last would be taken; multiplexing without a pool.
#[test]
fn npgsql_refusals_when_the_pool_is_created_are_reported() {
    let dir = tree(&[(
        "appsettings.json",
        r#"{"ConnectionStrings": {"B": "Host=db;Database=app;Connection Idle Lifetime=4",
 "C": "Host=db;Database=app;Connection Pruning Interval=0",
 "E": "Host=db;Database=app;Connection Pruning Interval=600",
 "F": "Host=db;Database=app;Connection Idle Lifetime=4;Connection Pruning Interval=4"}}"#,
    )]);
    let found = findings_at(dir.path(), "suspicious-time-unit", "appsettings.json");
    let at: Vec<&str> = found.iter().map(|f| f.2.as_str()).collect();
    // E: the default idle lifetime (300) under a written interval, at the interval.
    assert_eq!(at, ["4", "0", "600"], "{found:?}");
    assert!(
        found[0]
            .0
            .contains("below Connection Pruning Interval 10 s"),
        "{found:?}"
    );
    assert!(
        found[1].0.contains("ConnectionPruningInterval can't be 0"),
        "{found:?}"
    );
    let dir = tree(&[(
        "appsettings.json",
        r#"{"ConnectionStrings": {"D": "Host=db;Database=app;Maximum Pool Size=-3;Maximum Pool Size=10",
 "M": "Host=db;Database=app;Pooling=false;Multiplexing=true"}}"#,
    )]);
    let found = findings_at(dir.path(), "pool-size-invalid", "appsettings.json");
    let at: Vec<&str> = found.iter().map(|f| f.2.as_str()).collect();
    assert_eq!(at, ["-3", "true"], "{found:?}");
    assert!(
        found[1]
            .0
            .contains("Pooling must be on to use multiplexing"),
        "{found:?}"
    );
    assert!(found[1].1.starts_with("remove Pooling=false"), "{found:?}");
    let unbounded = findings_at(dir.path(), "pool-unbounded", "appsettings.json");
    assert!(unbounded.is_empty(), "{unbounded:?}");
}

/// A thread pool's settings beside a `maximum-pool-size` (`core-pool-size`,
/// `queue-capacity`: dynamic-tp, Hippo4j, a hand-written executor) are no HikariCP pool:
/// they were counted as 200 database connections and their `keep-alive-time` of 60
/// (seconds) read as milliseconds. A custom prefix with HikariCP's keys alone still is.
#[test]
fn a_thread_pools_settings_are_not_a_hikari_pool() {
    let yml = "spring:\n  datasource:\n    url: jdbc:postgresql://db:5432/app?socketTimeout=30\napp:\n  async:\n    executor:\n      core-pool-size: 20\n      maximum-pool-size: 200\n      queue-capacity: 500\n      keep-alive-time: 60\n  reports:\n    maximum-pool-size: 0\n";
    let dir = tree(&[("application.yml", yml)]);
    let report = json(&["check"], dir.path());
    let found: Vec<String> = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| format!("{} {}", d["rule"], d["key"]))
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("pool-size-invalid") && found[0].contains("app.reports"),
        "{found:?}"
    );
}

/// HikariCP's setters for max-lifetime, keepalive-time and leak-detection-threshold take
/// a negative value (those for the timeouts throw): each is reported by its own rule
/// with what HikariCP does with it, not as a start-up failure (it was).
#[test]
fn negative_hikari_times_its_setters_take_are_reported_by_their_rules() {
    let yml = "spring:\n  datasource:\n    hikari:\n      max-lifetime: -5000\n      keepalive-time: -1\n      leak-detection-threshold: -1\n      connection-timeout: -1\n";
    let dir = tree(&[("application.yml", yml)]);
    let report = json(&["check"], dir.path());
    let found: Vec<(String, String)> = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap_or("").to_owned(),
                d["message"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let rules: Vec<&str> = found.iter().map(|(r, _)| r.as_str()).collect();
    assert_eq!(
        rules,
        [
            "hikari-max-lifetime-below-minimum",
            "hikari-keepalive-invalid",
            "hikari-leak-detection-invalid",
            "suspicious-time-unit"
        ],
        "{found:?}"
    );
    assert!(
        found[0].1.starts_with("max-lifetime is -5000 ms, below"),
        "{found:?}"
    );
    assert!(found[2].1.contains("every borrow logs"), "{found:?}");
    assert!(
        found[3].1.starts_with("connection-timeout cannot be bound"),
        "{found:?}"
    );
}

/// Of two variables naming one property, Spring Boot takes the form without `_`
/// inside a word first (`SystemEnvironmentPropertyMapper`), whatever their order: the
/// pool is 5 both ways, and the legacy variable is the one said not to run (the last
/// written won).
#[test]
fn the_uniform_variable_form_wins_over_the_legacy_one_in_any_order() {
    let deployment = |first: (&str, &str), second: (&str, &str)| {
        format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n        - name: app\n          env:\n            - {{name: {}, value: \"{}\"}}\n            - {{name: {}, value: \"{}\"}}\n", first.0, first.1, second.0, second.1)
    };
    let uniform = ("SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE", "5");
    let legacy = ("SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE", "40");
    let manifest = "[[database]]\nname = \"db\"\nmax-connections = 100\n[[service]]\nname = \"app\"\nconfig = \"app/application.yml\"\ndeployment = \"k8s/deploy.yaml\"\nconnects-to = \"db\"\n";
    for (first, second) in [(uniform, legacy), (legacy, uniform)] {
        let dir = tree(&[
            ("poollint.toml", manifest),
            (
                "app/application.yml",
                "spring:\n  datasource:\n    url: jdbc:postgresql://db:5432/app?socketTimeout=30\n",
            ),
            ("k8s/deploy.yaml", &deployment(first, second)),
        ]);
        let found = findings_at(dir.path(), "duplicate-key-across-forms", "k8s/deploy.yaml");
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0]
                .0
                .starts_with("SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE is set again"),
            "{found:?}"
        );
        assert_eq!(found[0].2, "40", "{found:?}");
        let fleet = findings_at(dir.path(), "fleet-exceeds-db-slots", "k8s/deploy.yaml");
        assert!(fleet.is_empty(), "{fleet:?}");
    }
}

/// MySQL Connector/J takes `data-source-properties` over the URL's parameters (pgjdbc
/// the URL's): a 0 in the properties disables the timeout a URL sets, and a URL's 0
/// under properties of 30000 is not what runs. A socketTimeout that is not a whole
/// number makes the driver refuse every connection: an error (it was ignored).
#[test]
fn socket_timeouts_are_taken_from_where_each_driver_reads_them() {
    let yml = |url: &str, property: &str| {
        format!("spring:\n  datasource:\n    url: jdbc:{url}\n    hikari:\n      data-source-properties:\n        socketTimeout: {property}\n")
    };
    let found = |text: &str| {
        let dir = tree(&[("application.yml", text)]);
        findings_at(
            dir.path(),
            "driver-socket-timeout-missing",
            "application.yml",
        )
    };
    let disabled = found(&yml("mysql://db:3306/app?socketTimeout=30000", "0"));
    assert_eq!(disabled.len(), 1, "{disabled:?}");
    assert!(
        disabled[0].1.contains("in data-source-properties"),
        "{disabled:?}"
    );
    assert!(found(&yml("mysql://db:3306/app?socketTimeout=0", "30000")).is_empty());
    // pgjdbc: the URL wins.
    assert!(found(&yml("postgresql://db:5432/app?socketTimeout=30", "0")).is_empty());
    // Beside a data-source class HikariCP ignores the URL, and its socketTimeout.
    let ignored = found("spring:\n  datasource:\n    url: jdbc:postgresql://db:5432/app?socketTimeout=30\n    hikari:\n      data-source-class-name: org.postgresql.ds.PGSimpleDataSource\n");
    assert_eq!(ignored.len(), 1, "{ignored:?}");
    assert!(
        ignored[0]
            .0
            .starts_with("data-source-class-name is set, so HikariCP ignores this URL"),
        "{ignored:?}"
    );
    let refused =
        found("spring:\n  datasource:\n    url: jdbc:postgresql://db:5432/app?socketTimeout=30s\n");
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(
        refused[0]
            .0
            .starts_with("socketTimeout `30s` is not a whole number"),
        "{refused:?}"
    );
}

/// suspicious-time-unit's heuristic thresholds are options (they were fixed): with
/// `millis-below = 40`, an idle-timeout of 50 no longer looks like seconds.
#[test]
fn suspicious_time_unit_thresholds_are_options() {
    let yml =
        "spring:\n  datasource:\n    hikari:\n      idle-timeout: 50\n      max-lifetime: 0\n";
    let dir = tree(&[("application.yml", yml)]);
    assert_eq!(
        findings_at(dir.path(), "suspicious-time-unit", "application.yml").len(),
        1
    );
    common::write_file(
        dir.path(),
        "poollint.toml",
        "[lint.rules]\n\"suspicious-time-unit\" = { millis-below = 40 }\n",
    );
    // The manifest is taken (an unknown option was an error, exit 2, and no finding):
    // the other rules still report the value.
    let report = json(&["check"], dir.path());
    let rules: Vec<&str> = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter_map(|d| d["rule"].as_str())
        .collect();
    assert!(
        rules.contains(&"hikari-idle-timeout-no-effect"),
        "{rules:?}"
    );
    assert!(!rules.contains(&"suspicious-time-unit"), "{rules:?}");
}

/// pgjdbc reads `socketTimeout` by its exact name, and Spring Boot binds a
/// `data-source-properties` map key from an environment variable in lower case: a
/// compose variable `…_DATASOURCEPROPERTIES_SOCKETTIMEOUT` sets a property the driver
/// never reads, while the same key written in `application.yml` keeps its case.
#[test]
fn pgjdbc_socket_timeout_is_read_by_its_exact_name() {
    let yml = "spring:\n  datasource:\n    url: jdbc:postgresql://db/app\n    hikari:\n      maximum-pool-size: 5\n";
    let compose = "services:\n  app:\n    build: ./app\n    environment:\n      SPRING_DATASOURCE_HIKARI_DATASOURCEPROPERTIES_SOCKETTIMEOUT: \"60\"\n";
    let manifest = "[[service]]\nname = \"app\"\nconfig = [\"app/application.yml\"]\ndeployment = \"compose.yaml\"\n";
    let dir = tree(&[
        ("app/application.yml", yml),
        ("compose.yaml", compose),
        ("poollint.toml", manifest),
    ]);
    let rule = "driver-socket-timeout-missing";
    let found = findings_at(dir.path(), rule, "compose.yaml");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].0.starts_with("pgjdbc ignores `sockettimeout`"),
        "{found:?}"
    );
    assert_eq!(found[0].2, "60");

    // Written in application.yml, the key keeps its case: read, and 60 s is enough.
    let yml = format!("{yml}      data-source-properties:\n        socketTimeout: 60\n");
    let dir = tree(&[("app/application.yml", &yml)]);
    assert!(messages(dir.path(), rule).is_empty());
    // In another case it is not read.
    let dir = tree(&[(
        "app/application.yml",
        &yml.replace("socketTimeout", "SOCKETTIMEOUT"),
    )]);
    let found = findings_at(dir.path(), rule, "app/application.yml");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].0.starts_with("pgjdbc ignores `SOCKETTIMEOUT`"),
        "{found:?}"
    );
}

/// The project's `.env` is what Compose interpolates the compose file with: a pool a
/// compose service takes from it (`DATABASE_URL: ${DATABASE_URL}`) is that service's,
/// counted once per replica, not also as an application of the `.env`'s directory.
#[test]
fn a_dotenv_pool_compose_interpolates_is_the_compose_services_only() {
    let compose = "services:\n  db:\n    image: postgres:16\n    command: postgres -c max_connections=50\n  app:\n    image: myapp\n    environment:\n      DATABASE_URL: ${DATABASE_URL}\n    deploy:\n      replicas: 2\n";
    let env = "DATABASE_URL=postgresql://u@db:5432/app?connection_limit=20\n";
    let dir = tree(&[("compose.yaml", compose), (".env", env)]);
    assert_eq!(demand(dir.path()), serde_json::json!(40));
    assert!(messages(dir.path(), "fleet-exceeds-db-slots").is_empty());
    // A `.env` the compose file does not take from stays an application of its own.
    let other = env.replace("DATABASE_URL=", "WORKER_DATABASE_URL=");
    let dir = tree(&[("compose.yaml", compose), (".env", &other)]);
    let found = messages(dir.path(), "fleet-exceeds-db-slots");
    assert_eq!(found.len(), 0, "{found:?}");
    assert_eq!(demand(dir.path()), serde_json::json!(20));
}

/// A Deployment `web` with a Hikari pool of 10 and `replicas`, and, when `hpa` holds
/// its `minReplicas` and `maxReplicas`, an HPA scaling it.
fn web_with_hpa(replicas: u32, hpa: Option<(u32, u32)>) -> String {
    let deployment = format!("apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n  replicas: {replicas}\n  strategy: {{type: Recreate}}\n  template:\n    spec:\n      containers:\n        - name: web\n          env:\n            - {{name: SPRING_DATASOURCE_URL, value: \"jdbc:postgresql://db/app?socketTimeout=30\"}}\n            - {{name: SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE, value: \"10\"}}\n");
    match hpa {
        Some((min, max)) => format!("{deployment}---\n{}", hpa_of_web(min, max)),
        None => deployment,
    }
}

fn hpa_of_web(min: u32, max: u32) -> String {
    format!("apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {{name: web}}\nspec:\n  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: web}}\n  minReplicas: {min}\n  maxReplicas: {max}\n")
}

const POSTGRES_STATEFULSET: &str = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec:\n  template:\n    spec:\n      containers:\n        - name: postgres\n          image: postgres:16\n          args: [\"-c\", \"max_connections=1000\"]\n";

#[test]
fn an_autoscaler_scales_the_workload_of_its_own_directory_when_two_share_a_name() {
    let dir = tree(&[
        ("a/web.yaml", &web_with_hpa(2, Some((2, 10)))),
        ("b/web.yaml", &web_with_hpa(3, Some((3, 4)))),
        ("db.yaml", POSTGRES_STATEFULSET),
    ]);
    let database = &json(&["capacity"], dir.path())["databases"][0];
    // a: 2 pods, at most 10; b: 3 pods, at most 4; 10 connections each.
    assert_eq!(database["demand_steady"], 50);
    assert_eq!(database["demand_peak"], 140);
}

#[test]
fn an_autoscaler_equally_near_to_two_workloads_scales_neither_and_says_so() {
    let dir = tree(&[
        ("a/web.yaml", &web_with_hpa(2, None)),
        ("b/web.yaml", &web_with_hpa(3, None)),
        ("c/hpa.yaml", &hpa_of_web(4, 10)),
        ("db.yaml", POSTGRES_STATEFULSET),
    ]);
    let output = poollint()
        .args(["capacity", "--format", "json"])
        .arg(dir.path())
        .output()
        .expect("run");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(report["databases"][0]["demand_peak"], 50);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("scales Deployment default/web, which 2 files as near to it define"),
        "{stderr}"
    );
}

/// The kubelet expands `$(VAR)` in a container's `command` and `args` from its
/// environment: `puma -t $(THREADS)` with `THREADS: "5:12"` runs 12 threads, more than a
/// pool of 5 serves. The reference was left as written, so the threads were unknown.
#[test]
fn references_in_a_containers_command_are_expanded_from_its_environment() {
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          command: [bundle, exec, puma, -t, \"$(THREADS)\"]\n          env:\n            - {name: THREADS, value: \"5:12\"}\n";
    let manifest = "[[service]]\nname = \"web\"\nconfig = [\"app/config/database.yml\", \"app/config/puma.rb\"]\ndeployment = \"k8s/web.yaml\"\n";
    let dir = tree(&[
        (RAILS_DB, "production:\n  adapter: postgresql\n  pool: 5\n"),
        ("app/config/puma.rb", "workers 2\n"),
        ("k8s/web.yaml", deployment),
        ("poollint.toml", manifest),
    ]);
    let found = messages(dir.path(), "pool-smaller-than-thread-concurrency");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("runs 12 threads ("), "{found:?}");
}

/// Two workloads of one file whose PostgreSQL containers share a name are two command
/// lines: a flag one repeats is compared with its own, not with the other database's.
#[test]
fn postgres_flags_of_two_workloads_in_one_file_are_not_one_configuration() {
    let workload = |name: &str, args: &str| {
        format!("apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: {name}\nspec:\n  template:\n    spec:\n      containers:\n        - name: postgres\n          image: postgres:16\n          args: [{args}]\n")
    };
    let text = format!(
        "{}---\n{}",
        workload(
            "orders-db",
            "\"-c\", \"max_connections=200\", \"-c\", \"max_connections=210\""
        ),
        workload("users-db", "\"-c\", \"max_connections=300\"")
    );
    let dir = tree(&[("db.yaml", &text)]);
    let found = findings_at(dir.path(), "duplicate-key-across-forms", "db.yaml");
    let at: Vec<&str> = found.iter().map(|f| f.2.as_str()).collect();
    assert_eq!(at, ["200"], "{found:?}");
}

/// A sizing help keeps free the share `no-db-connection-headroom` is configured with
/// (20 % here), not its default.
#[test]
fn a_sizing_help_keeps_the_configured_headroom_share_free() {
    let manifest = "[lint.rules]\n\"no-db-connection-headroom\" = { min-free-share = 0.2 }\n\n[[database]]\nname = \"users\"\nengine = \"postgresql\"\nmax-connections = 100\n\n[[service]]\nname = \"auth\"\nconfig = [\"auth/application.yml\"]\ninstances = 3\nconnects-to = \"users\"\n\n[service.load]\npeak-rps = 8000\nhold-time = \"15ms\"\n";
    let yaml = "spring:\n  datasource:\n    url: jdbc:postgresql://users-db:5432/users?socketTimeout=60\n    hikari:\n      maximum-pool-size: 30\n";
    let dir = tree(&[("poollint.toml", manifest), ("auth/application.yml", yaml)]);
    let help = help_with_every_rule(dir.path(), "pool-saturated-by-declared-load");
    // 144 connections with 20 % of the usable slots free: 180 usable, max_connections 183.
    assert!(
        help.contains("also keeps no-db-connection-headroom's 20% of the slots free"),
        "{help}"
    );
    assert!(help.contains("at least 183"), "{help}");
}

/// `docker compose up` loads the first of its file names in a directory and ignores a
/// second (`docker-compose.yml` beside `compose.yaml`): reading both made two databases
/// named `db`, no link could choose, and the real project's fleet error was lost.
#[test]
fn a_compose_file_compose_does_not_pick_is_not_read_as_a_project() {
    let project = |replicas: u32| {
        format!("services:\n  db:\n    image: postgres:16\n    command: postgres -c max_connections=50\n  app:\n    image: myapp\n    environment:\n      SPRING_DATASOURCE_URL: jdbc:postgresql://db:5432/app\n      SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE: 30\n    deploy:\n      replicas: {replicas}\n")
    };
    let dir = tree(&[
        ("compose.yaml", &project(2)),
        ("docker-compose.yml", &project(1)),
    ]);
    let found = findings_at(dir.path(), "fleet-exceeds-db-slots", "compose.yaml");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].0.contains("demand 60 = app 2 instances"),
        "{found:?}"
    );
    let output = poollint()
        .args(["check", "-f", "concise"])
        .arg(dir.path())
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("docker-compose.yml: not read: Compose uses compose.yaml"),
        "{stderr}"
    );
}

/// A profile expression nested deeper than poollint reads is poollint's limit, not
/// Spring's refusal: a warning that says so (it was an error saying Spring refuses it
/// and the application does not start).
#[test]
fn a_profile_expression_beyond_poollints_depth_is_a_warning_of_ours() {
    let depth = 1001;
    let condition = format!("{}p{}", "(".repeat(depth), ")".repeat(depth));
    let yaml = format!(
        "spring:\n  config:\n    activate:\n      on-profile: \"{condition}\"\n  datasource:\n    hikari:\n      maximum-pool-size: 5\n"
    );
    let dir = tree(&[("src/main/resources/application.yml", &yaml)]);
    let report = json(&["check", "--select", "parse-error"], dir.path());
    let found = report["diagnostics"].as_array().expect("diagnostics");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["severity"], "warning");
    let message = found[0]["message"].as_str().unwrap_or("");
    assert!(
        message.contains("is a profile expression poollint does not read: parentheses or `!` nested deeper than 1000"),
        "{message}"
    );
    assert!(!message.contains("Spring accepts"), "{message}");
    // One level less is read.
    let shallow = format!("{}p{}", "(".repeat(1000), ")".repeat(1000));
    let dir = tree(&[(
        "src/main/resources/application.yml",
        &yaml.replace(&condition, &shallow),
    )]);
    let report = json(&["check", "--select", "parse-error"], dir.path());
    assert_eq!(report["diagnostics"].as_array().map(Vec::len), Some(0));
}
