//! The capacity and topology rules' numbers: what they count, and that the value a
//! help names fits the other rules (following one help does not trip another rule).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)] // tests fail by panicking

mod common;
use common::{poollint, tree};

/// The findings of `rule` in a check of `dir` (every rule on), as (message, help).
fn findings(dir: &std::path::Path, rule: &str) -> Vec<(String, String)> {
    common::findings_with_every_rule(dir, rule)
}

fn spring(user: &str, max: i64) -> String {
    format!("spring:\n  datasource:\n    url: jdbc:postgresql://bouncer:6432/app?prepareThreshold=0&socketTimeout=30\n    username: {user}\n    hikari:\n      maximum-pool-size: {max}\n")
}

const PGBOUNCER: &str = "[databases]\napp = host=db dbname=app\n[pgbouncer]\npool_mode = transaction\ndefault_pool_size = 20\n";

fn behind_pgbouncer(services: &str) -> String {
    format!("[[database]]\nname = \"db\"\nengine = \"postgresql\"\nmax-connections = 100\n\n[[pooler]]\nname = \"bouncer\"\nkind = \"pgbouncer\"\nconfig = \"pgbouncer.ini\"\nconnects-to = \"db\"\n{services}")
}

/// A Rails pool with no maximum (`max_connections: -1`) behind PgBouncer: the clients
/// have no bound, reported as such; it was summed as −1 per process, which hid the 102
/// clients of the other service (against `max_client_conn` 100).
#[test]
fn an_unbounded_client_pool_is_reported_against_max_client_conn() {
    let dir = tree(&[
        ("a/application.yml", &spring("alice", 17)),
        (
            "b/config/database.yml",
            "production:\n  adapter: postgresql\n  url: postgres://bob@bouncer:6432/app\n  max_connections: -1\n  advisory_locks: false\n  prepared_statements: false\n",
        ),
        ("pgbouncer.ini", PGBOUNCER),
        (
            "poollint.toml",
            &behind_pgbouncer("[[service]]\nname = \"a\"\nconfig = [\"a/application.yml\"]\ninstances = 6\nconnects-to = \"bouncer\"\n\n[[service]]\nname = \"b\"\nconfig = [\"b/config/database.yml\"]\ninstances = 3\nconnects-to = \"bouncer\"\n"),
        ),
    ]);
    let found = findings(dir.path(), "pgbouncer-client-cap-too-low");
    assert_eq!(found.len(), 1, "{found:?}");
    let (message, help) = &found[0];
    assert!(
        message.starts_with("the production pool of b has no maximum")
            && message.contains("the bounded pools add 102: a 6 × 1 × 17 + b 3 × 1 × 0")
            && message.contains("it accepts 100 = max_client_conn 100"),
        "{message}"
    );
    assert!(help.contains("raise max_client_conn"), "{help}");
}

/// At the steady count the help names the client count at peak (the autoscaler's
/// maximum 8 instead of 6): 240, not 200, which the peak check would report next.
#[test]
fn the_client_cap_help_covers_the_peak_instances() {
    let dir = tree(&[
        ("a/application.yml", &spring("alice", 20)),
        ("b/application.yml", &spring("bob", 20)),
        ("pgbouncer.ini", PGBOUNCER),
        (
            "poollint.toml",
            &behind_pgbouncer("[[service]]\nname = \"a\"\nconfig = [\"a/application.yml\"]\ninstances = 6\nmax-instances = 8\nconnects-to = \"bouncer\"\n\n[[service]]\nname = \"b\"\nconfig = [\"b/application.yml\"]\ninstances = 4\nconnects-to = \"bouncer\"\n"),
        ),
    ]);
    let found = findings(dir.path(), "pgbouncer-client-cap-too-low");
    assert_eq!(found.len(), 1, "{found:?}");
    let (message, help) = &found[0];
    assert!(
        message.starts_with("services can open 200 client connections"),
        "{message}"
    );
    assert!(
        help.starts_with("set max_client_conn to at least 240, which also covers the peak"),
        "{help}"
    );
}

fn direct(max: i64, min: i64) -> String {
    format!("spring:\n  datasource:\n    url: jdbc:postgresql://db:5432/app?socketTimeout=30\n    hikari:\n      maximum-pool-size: {max}\n      minimum-idle: {min}\n")
}

fn direct_fleet(services: &[(&str, i64)]) -> String {
    let mut toml =
        "[[database]]\nname = \"db\"\nengine = \"postgresql\"\nmax-connections = 100\n".to_owned();
    for (name, instances) in services {
        toml.push_str(&format!("\n[[service]]\nname = \"{name}\"\nconfig = [\"{name}/application.yml\"]\nconnects-to = \"db\"\ninstances = {instances}\n"));
    }
    toml
}

/// a keeps 4 × 20 and b 4 × 10 idle connections against 97 slots: the minimum of a that
/// fits beside b's 40 is 14 ((97 − 40) / 4), not the 19 the slots alone would allow.
#[test]
fn the_idle_minimum_help_counts_the_other_services_minimums() {
    let dir = tree(&[
        ("a/application.yml", &direct(20, 20)),
        ("b/application.yml", &direct(20, 10)),
        ("poollint.toml", &direct_fleet(&[("a", 4), ("b", 4)])),
    ]);
    let found = findings(dir.path(), "fleet-min-connections-exceed-db-slots");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0]
            .1
            .starts_with("lower the pool minimum to at most 14 so idle pods fit"),
        "{}",
        found[0].1
    );
}

fn direct_fleet_with(database: &str, services: &str) -> String {
    format!("[[database]]\nname = \"db\"\nengine = \"postgresql\"\nmax-connections = 100\n{database}\n{services}")
}

/// Counts at the largest 64-bit integer: no overflow (the debug build panicked in the
/// fleet's largest member and the idle sum), no negative slots and no false cores
/// finding (`2 × cores` wrapped to −2).
#[test]
fn absurd_counts_saturate_instead_of_overflowing() {
    let max = i64::MAX;
    let dir = tree(&[
        ("a/application.yml", &direct(20, 20)),
        ("b/application.yml", &direct(20, 10)),
        (
            "poollint.toml",
            &direct_fleet_with(
                &format!("cores = {max}\nother-clients = {max}\n"),
                &format!("[[service]]\nname = \"a\"\nconfig = [\"a/application.yml\"]\nconnects-to = \"db\"\ninstances = {max}\n\n[[service]]\nname = \"b\"\nconfig = [\"b/application.yml\"]\nconnects-to = \"db\"\ninstances = 2\n"),
            ),
        ),
    ]);
    let fleet = findings(dir.path(), "fleet-exceeds-db-slots");
    assert_eq!(fleet.len(), 1, "{fleet:?}");
    assert!(
        fleet[0]
            .0
            .contains(&format!("the fleet can open {max} connections"))
            && fleet[0]
                .0
                .ends_with("= none left: the reserves exceed max_connections"),
        "{}",
        fleet[0].0
    );
    assert!(!fleet[0].0.contains("-9"), "{}", fleet[0].0);
    assert_eq!(
        findings(dir.path(), "fleet-min-connections-exceed-db-slots").len(),
        1
    );
    assert_eq!(
        findings(dir.path(), "pooled-connections-far-above-db-cores"),
        []
    );
    // Two pools of the largest count in one process: their sum saturates too.
    let pool = format!("    adapter: postgresql\n    host: db\n    pool: {max}\n");
    let dir = tree(&[
        (
            "config/database.yml",
            &format!("production:\n  primary:\n{pool}  other:\n{pool}"),
        ),
        (
            "poollint.toml",
            &direct_fleet_with("", "[[service]]\nname = \"a\"\nconfig = [\"config/database.yml\"]\nconnects-to = \"db\"\n"),
        ),
    ]);
    let fleet = findings(dir.path(), "fleet-exceeds-db-slots");
    assert!(
        fleet[0]
            .0
            .starts_with(&format!("the fleet can open {max} connections")),
        "{fleet:?}"
    );
}

/// An autoscaler maximum of two billion: the help finds the largest count that fits at
/// once (it tried each count down from the maximum), and names no `max_connections`
/// above the 262143 PostgreSQL accepts.
#[test]
fn a_help_names_no_max_connections_above_the_servers_ceiling() {
    let dir = tree(&[
        ("a/application.yml", &direct(10, 10)),
        (
            "poollint.toml",
            &direct_fleet_with("", "[[service]]\nname = \"a\"\nconfig = [\"a/application.yml\"]\nconnects-to = \"db\"\ninstances = 3\nmax-instances = 2000000000\n"),
        ),
    ]);
    let started = std::time::Instant::now();
    let found = findings(dir.path(), "autoscale-max-exceeds-db-slots");
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    assert_eq!(found.len(), 1, "{found:?}");
    let help = &found[0].1;
    assert!(
        help.contains("lower a's max-instances to at most 8")
            && help.contains("max_connections cannot be raised enough: 20000000003 would be needed, above the 262143 PostgreSQL accepts"),
        "{help}"
    );
}

fn loaded(rps: &str, hold: &str) -> tempfile::TempDir {
    tree(&[
        (
            "application.yml",
            "spring:\n  datasource:\n    url: jdbc:postgresql://db:5432/app?socketTimeout=30\n    hikari:\n      maximum-pool-size: 10\n      connection-timeout: 30000\n",
        ),
        (
            "poollint.toml",
            &format!("[[database]]\nname = \"db\"\nengine = \"postgresql\"\nmax-connections = 1000\n\n[[service]]\nname = \"app\"\nconfig = [\"application.yml\"]\ninstances = 1\nconnects-to = \"db\"\n\n[service.load]\npeak-rps = {rps}\nhold-time = \"{hold}\"\n"),
        ),
    ])
}

/// Just below the pool (a warning) the numbers are not printed as the pool's 10 busy
/// and 100 % (an error), and just above the warning share not as exactly 85 %.
#[test]
fn printed_loads_agree_with_the_severity() {
    let dir = loaded("99.9999", "100ms");
    let found = findings(dir.path(), "pool-saturated-by-declared-load");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0]
            .0
            .contains("keeps 9.99999 connections busy on average (utilisation 99.9999%)")
            && found[0].0.contains("= 99.9999 req/s"),
        "{}",
        found[0].0
    );
    let dir = loaded("85.004", "100ms");
    let found = findings(dir.path(), "pool-saturated-by-declared-load");
    assert!(
        found[0]
            .0
            .contains("keeps 8.5004 connections busy on average (utilisation 85.004%): above 85%"),
        "{}",
        found[0].0
    );
}

/// The database sees PgBouncer's server connections, not its clients: 2 instances × 60
/// server connections against 8 cores (limit 4 × 16 = 64) is reported, and the help
/// lowers PgBouncer's server pools instead of suggesting PgBouncer.
#[test]
fn the_cores_rule_counts_pgbouncer_server_connections() {
    let dir = tree(&[
        ("a/application.yml", &spring("alice", 5)),
        (
            "pgbouncer.ini",
            "[databases]\napp = host=db dbname=app\n[pgbouncer]\npool_mode = transaction\ndefault_pool_size = 60\n",
        ),
        (
            "poollint.toml",
            "[[database]]\nname = \"db\"\nengine = \"postgresql\"\nmax-connections = 200\ncores = 8\n\n[[pooler]]\nname = \"bouncer\"\nkind = \"pgbouncer\"\nconfig = \"pgbouncer.ini\"\ninstances = 2\nconnects-to = \"db\"\n\n[[service]]\nname = \"a\"\nconfig = [\"a/application.yml\"]\ninstances = 4\nconnects-to = \"bouncer\"\n",
        ),
    ]);
    let found = findings(dir.path(), "pooled-connections-far-above-db-cores");
    assert_eq!(found.len(), 1, "{found:?}");
    let (message, help) = &found[0];
    assert!(
        message.starts_with("database db can be asked to run 120 connections at once (PgBouncer bouncer 2 instances"),
        "{message}"
    );
    assert!(
        help.starts_with("lower PgBouncer's server pools (default_pool_size, or max_db_connections to cap them) so its server connections stay within 64 in total")
            && !help.contains("put PgBouncer"),
        "{help}"
    );
}

fn loaded_fleet(pool: u32, service: &str, rps: u32) -> tempfile::TempDir {
    tree(&[
        (
            "application.yml",
            &format!("spring:\n  datasource:\n    url: jdbc:postgresql://db:5432/app?socketTimeout=30\n    hikari:\n      maximum-pool-size: {pool}\n      connection-timeout: 30000\n"),
        ),
        (
            "poollint.toml",
            &format!("[[database]]\nname = \"db\"\nengine = \"postgresql\"\nmax-connections = 100\n\n[[service]]\nname = \"app\"\nconfig = [\"application.yml\"]\n{service}\nconnects-to = \"db\"\n\n[service.load]\npeak-rps = {rps}\nhold-time = \"100ms\"\n"),
        ),
    ])
}

/// The pool the saturation help asks for must fit the slots at the autoscaler's maximum
/// (6 × 20 = 120 of 97: autoscale-max-exceeds-db-slots) and keep the headroom rule's
/// share free (8 × 12 = 96 of 97): the help says so and names the max_connections that
/// does, instead of a size that trips the next rule.
#[test]
fn a_sizing_help_checks_the_slots_at_peak_and_the_headroom() {
    let dir = loaded_fleet(10, "instances = 3\nmax-instances = 6", 510);
    let found = findings(dir.path(), "pool-saturated-by-declared-load");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].1.contains("at 20 the fleet opens 120 connections at peak (the autoscaler's maximum plus a rolling update's surge) to database db, which accepts 97: also raise max_connections to at least 137"),
        "{}",
        found[0].1
    );
    let dir = loaded_fleet(10, "instances = 8", 800);
    let found = findings(dir.path(), "pool-saturated-by-declared-load");
    assert!(
        found[0].1.contains("at 12 the fleet opens 96 connections to database db, which leaves less than no-db-connection-headroom's 10% of its slots free: also raise max_connections to at least 110 (to keep"),
        "{}",
        found[0].1
    );
}

/// The wait help checked no slots at all: 9 × 11 = 99 of 97.
#[test]
fn the_wait_help_checks_the_slots() {
    let dir = tree(&[
        (
            "application.yml",
            "spring:\n  datasource:\n    url: jdbc:postgresql://db:5432/app?socketTimeout=30\n    hikari:\n      maximum-pool-size: 10\n      connection-timeout: 6000\n",
        ),
        (
            "poollint.toml",
            "[[database]]\nname = \"db\"\nengine = \"postgresql\"\nmax-connections = 100\n\n[[service]]\nname = \"app\"\nconfig = [\"application.yml\"]\ninstances = 9\nconnects-to = \"db\"\n\n[service.load]\npeak-rps = 22.5\nhold-time = \"3s\"\n",
        ),
    ]);
    let found = findings(dir.path(), "pool-wait-probability-exceeds-slo");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].1.contains("; at 11 the fleet opens 99 connections to database db, which accepts 97: also raise max_connections to at least 113"),
        "{}",
        found[0].1
    );
}

/// Message details: "1 connection", a mean wait above 10 s in seconds, a value for
/// max_connections in pgbouncer-server-conns-exceed-postgres' help, and the manifest's
/// key `max-instances` when no count is named.
#[test]
fn message_details_name_counts_units_and_keys_as_written() {
    let dir = tree(&[
        ("a/application.yml", &direct(1, 1)),
        (
            "poollint.toml",
            "[[database]]\nname = \"db\"\nengine = \"postgresql\"\nmax-connections = 3\n\n[[service]]\nname = \"a\"\nconfig = [\"a/application.yml\"]\nconnects-to = \"db\"\n",
        ),
    ]);
    let found = findings(dir.path(), "fleet-exceeds-db-slots");
    assert!(
        found[0]
            .0
            .starts_with("the fleet can open 1 connection to database db"),
        "{}",
        found[0].0
    );

    let dir = loaded("99.99", "100ms");
    let found = findings(dir.path(), "pool-wait-probability-exceeds-slo");
    assert!(found[0].0.contains("mean wait 99.9"), "{}", found[0].0);
    assert!(
        !found[0].0.contains("ms,") && found[0].0.contains(" s"),
        "{}",
        found[0].0
    );

    let dir = tree(&[
        ("a/application.yml", &spring("alice", 5)),
        ("pgbouncer.ini", "[databases]\napp = host=db dbname=app\n[pgbouncer]\npool_mode = transaction\ndefault_pool_size = 80\n"),
        (
            "poollint.toml",
            "[[database]]\nname = \"db\"\nengine = \"postgresql\"\nmax-connections = 100\n\n[[pooler]]\nname = \"bouncer\"\nkind = \"pgbouncer\"\nconfig = \"pgbouncer.ini\"\ninstances = 2\nconnects-to = \"db\"\n\n[[service]]\nname = \"a\"\nconfig = [\"a/application.yml\"]\ninstances = 2\nconnects-to = \"bouncer\"\n",
        ),
    ]);
    let found = findings(dir.path(), "pgbouncer-server-conns-exceed-postgres");
    assert!(
        found[0]
            .1
            .ends_with("or raise max_connections to at least 181"),
        "{}",
        found[0].1
    );

    let dir = tree(&[
        ("a/application.yml", &direct(20, 20)),
        ("b/application.yml", &direct(20, 20)),
        (
            "poollint.toml",
            &direct_fleet_with("", "[[service]]\nname = \"a\"\nconfig = [\"a/application.yml\"]\nconnects-to = \"db\"\ninstances = 1\nmax-instances = 4\n\n[[service]]\nname = \"b\"\nconfig = [\"b/application.yml\"]\nconnects-to = \"db\"\ninstances = 1\nmax-instances = 4\n"),
        ),
    ]);
    let found = findings(dir.path(), "autoscale-max-exceeds-db-slots");
    assert!(
        found[0].1.contains("lower max-instances,"),
        "{}",
        found[0].1
    );
}

/// Catalogue V9 through the code the rules run (`Fleet::demand`; the unit test used a
/// copy no rule called): 10 replicas × pool 10 = 100, a rollout with maxSurge and
/// maxUnavailable 25 % runs 13 pods (130 connections), 15 with the terminating ones
/// (150), against 97 slots.
#[test]
fn v9_fleet_demand_of_a_kubernetes_rollout() {
    let dir = tree(&[
        ("app/application.yml", &direct(10, 10)),
        (
            "dep.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  replicas: 10\n  strategy:\n    type: RollingUpdate\n    rollingUpdate:\n      maxSurge: 25%\n      maxUnavailable: 25%\n  template:\n    spec:\n      containers:\n        - name: app\n          image: x\n",
        ),
        (
            "poollint.toml",
            &direct_fleet_with("", "[[service]]\nname = \"app\"\nconfig = [\"app/application.yml\"]\nconnects-to = \"db\"\ndeployment = \"dep.yaml\"\n"),
        ),
    ]);
    let fleet = findings(dir.path(), "fleet-exceeds-db-slots");
    assert!(
        fleet[0]
            .0
            .starts_with("the fleet can open 100 connections to database db but it accepts 97"),
        "{}",
        fleet[0].0
    );
    let output = poollint()
        .args(["capacity", "--format", "json"])
        .arg(dir.path())
        .output()
        .expect("run");
    let capacity: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let database = &capacity["databases"][0];
    assert_eq!(
        (&database["demand_steady"], &database["demand_peak"]),
        (&serde_json::json!(100), &serde_json::json!(130)),
        "{capacity}"
    );
}

/// A KEDA ScaledObject sets its maximum in `maxReplicaCount`: the help names that field,
/// not the HPA's `maxReplicas`.
#[test]
fn a_keda_maximum_is_named_by_its_own_field() {
    let dir = tree(&[
        ("app/application.yml", &direct(10, 10)),
        (
            "dep.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  replicas: 2\n  strategy:\n    type: Recreate\n  template:\n    spec:\n      containers:\n        - name: app\n          image: x\n---\napiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: app\nspec:\n  scaleTargetRef:\n    name: app\n  maxReplicaCount: 20\n",
        ),
        (
            "poollint.toml",
            &direct_fleet_with("", "[[service]]\nname = \"app\"\nconfig = [\"app/application.yml\"]\nconnects-to = \"db\"\ndeployment = \"dep.yaml\"\n"),
        ),
    ]);
    let found = findings(dir.path(), "autoscale-max-exceeds-db-slots");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0]
            .1
            .contains("lower app's maxReplicaCount to at most 8,"),
        "{}",
        found[0].1
    );
}
