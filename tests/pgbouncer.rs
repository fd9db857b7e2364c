//! PgBouncer's client caps per database and per user (PgBouncer 1.24+:
//! `max_db_client_connections`, `max_user_client_connections`), as
//! `pgbouncer-client-cap-too-low` counts the clients against them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)] // tests fail by panicking

mod common;
use common::{poollint, tree};

const RULE: &str = "pgbouncer-client-cap-too-low";

/// One finding of the rule: its message, help and the text its primary span covers.
#[derive(Debug)]
struct Finding {
    message: String,
    help: String,
    at: String,
}

/// The rule's findings in a check of `dir` (run from `dir`, so paths are relative).
fn findings(dir: &std::path::Path) -> Vec<Finding> {
    findings_of(dir, RULE)
}

/// The findings of `rule` in a check of `dir`.
fn findings_of(dir: &std::path::Path, rule: &str) -> Vec<Finding> {
    let output = poollint()
        .current_dir(dir)
        .args(["check", "--format", "json", "--select", rule, "."])
        .output()
        .expect("run");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            let text = std::fs::read_to_string(dir.join(d["path"].as_str().unwrap())).unwrap();
            let span = |end: &str| d["span"][end].as_u64().unwrap() as usize;
            Finding {
                message: d["message"].as_str().unwrap().to_owned(),
                help: d["help"].as_str().unwrap().to_owned(),
                at: text[span("start")..span("end")].to_owned(),
            }
        })
        .collect()
}

/// A Spring service's `application.yml`: a pool of `max` asking PgBouncer for
/// `database` as `user`.
fn spring(database: &str, user: &str, max: i64) -> String {
    format!("spring:\n  datasource:\n    url: jdbc:postgresql://bouncer:6432/{database}?prepareThreshold=0&socketTimeout=30\n    username: {user}\n    hikari:\n      maximum-pool-size: {max}\n")
}

/// The manifest: PgBouncer `bouncer` (`pgbouncer.ini`) and services `(name,
/// instances)`, each configured by `<name>/application.yml`.
fn manifest(services: &[(&str, i64)]) -> String {
    let mut toml =
        "[[pooler]]\nname = \"bouncer\"\nkind = \"pgbouncer\"\nconfig = \"pgbouncer.ini\"\n"
            .to_owned();
    for (name, instances) in services {
        toml.push_str(&format!("\n[[service]]\nname = \"{name}\"\nconfig = [\"{name}/application.yml\"]\ninstances = {instances}\nconnects-to = \"bouncer\"\n"));
    }
    toml
}

/// With several `[databases]` entries each database's clients are counted against its
/// own `max_db_client_connections` (the entry's above 0, else `[pgbouncer]`'s), by the
/// database in the client's URL: web's 60 clients of `app` pass app's 50; api's 40 of
/// `reports` fit its 0, which keeps the global 50. Before, with more than one entry,
/// nothing was checked.
#[test]
fn each_database_entry_counts_the_clients_that_ask_for_it() {
    let dir = tree(&[
        ("web/application.yml", &spring("app", "web", 10)),
        ("api/application.yml", &spring("reports", "api", 10)),
        (
            "pgbouncer.ini",
            "[databases]\napp = host=db max_db_client_connections=50\nreports = host=db max_db_client_connections=0\n[pgbouncer]\nmax_client_conn = 500\nmax_db_client_connections = 50\n",
        ),
        ("poollint.toml", &manifest(&[("web", 6), ("api", 4)])),
    ]);
    let found = findings(dir.path());
    assert_eq!(found.len(), 1, "{found:?}");
    let finding = &found[0];
    assert!(
        finding.message.starts_with("services can open 60 client connections to PgBouncer bouncer for database app but it accepts 50 = max_db_client_connections 50 (pgbouncer.ini:2) × 1 instance(s): web 6 × 1 × 10; the rest are refused with \"client connections exceeded (max_db_client_connections)\""),
        "{}",
        finding.message
    );
    assert_eq!(finding.at, "50");
    assert!(
        finding
            .help
            .starts_with("set max_db_client_connections to at least 60"),
        "{}",
        finding.help
    );
}

/// The `*` fallback makes a database of each name clients ask for, each counted on its
/// own against the `*` entry's cap: web's 60 clients of `app` pass it, api's 40 of
/// `reports` do not; 0 everywhere is unlimited.
#[test]
fn the_fallback_entry_counts_each_database_name_on_its_own() {
    let ini = |cap: i64| {
        format!("[databases]\n* = host=db max_db_client_connections={cap}\n[pgbouncer]\nmax_client_conn = 500\n")
    };
    let dir = tree(&[
        ("web/application.yml", &spring("app", "web", 10)),
        ("api/application.yml", &spring("reports", "api", 10)),
        ("pgbouncer.ini", &ini(50)),
        ("poollint.toml", &manifest(&[("web", 6), ("api", 4)])),
    ]);
    let found = findings(dir.path());
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].message.contains(
            "60 client connections to PgBouncer bouncer for database app but it accepts 50"
        ),
        "{}",
        found[0].message
    );
    assert_eq!(found[0].at, "50");
    common::write_file(dir.path(), "pgbouncer.ini", &ini(0));
    assert!(findings(dir.path()).is_empty());
}

/// `max_user_client_connections` counts the clients of each login user across
/// databases: the `[users]` entry's value above 0 wins over `[pgbouncer]`'s, and 0
/// there keeps `[pgbouncer]`'s (PgBouncer's `user_client_max_connections()`). `web`
/// logs in from two services, 3 × 10 on app and 3 × 10 on reports: 60 against its own
/// 50; `api`'s 40 fit the global 45.
#[test]
fn each_user_is_counted_across_databases_against_its_client_cap() {
    let ini = |own: &str| {
        format!("[databases]\napp = host=db\nreports = host=db\n[users]\nweb = max_user_client_connections={own}\napi = pool_mode=transaction\n[pgbouncer]\nmax_client_conn = 500\nmax_user_client_connections = 45\n")
    };
    let dir = tree(&[
        ("web/application.yml", &spring("app", "web", 10)),
        ("batch/application.yml", &spring("reports", "web", 10)),
        ("api/application.yml", &spring("app", "api", 10)),
        ("pgbouncer.ini", &ini("50")),
        (
            "poollint.toml",
            &manifest(&[("web", 3), ("batch", 3), ("api", 4)]),
        ),
    ]);
    let found = findings(dir.path());
    assert_eq!(found.len(), 1, "{found:?}");
    let finding = &found[0];
    assert!(
        finding.message.starts_with("services can open 60 client connections to PgBouncer bouncer as user web but it accepts 50 = max_user_client_connections 50 (pgbouncer.ini:5) × 1 instance(s): web 3 × 1 × 10 + batch 3 × 1 × 10; the rest are refused with \"client connections exceeded (max_user_client_connections)\""),
        "{}",
        finding.message
    );
    assert_eq!(finding.at, "50");
    assert!(
        finding
            .help
            .starts_with("set max_user_client_connections to at least 60"),
        "{}",
        finding.help
    );
    // The entry's 0 keeps [pgbouncer]'s 45, which web's 60 pass too (api's 40 fit).
    common::write_file(dir.path(), "pgbouncer.ini", &ini("0"));
    let found = findings(dir.path());
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].message.contains("as user web but it accepts 45") && found[0].at == "45",
        "{found:?}"
    );
}

/// PgBouncer counts a client under the user it logs in as, not an entry's forced
/// `user=` (`check_user_connection_count` reads the login user): two users of 30
/// clients each behind a forced `app` are not 60 clients of `app`. With `auth_type =
/// any` every client logs in as the forced user, and then they are.
#[test]
fn a_forced_user_counts_only_when_auth_type_any_logs_clients_in_as_it() {
    let ini = |auth: &str| {
        format!("[databases]\napp = host=db user=app\n[users]\napp = max_user_client_connections=50\n[pgbouncer]\nmax_client_conn = 500\nauth_type = {auth}\n")
    };
    let dir = tree(&[
        ("web/application.yml", &spring("app", "web", 10)),
        ("api/application.yml", &spring("app", "api", 10)),
        ("pgbouncer.ini", &ini("md5")),
        ("poollint.toml", &manifest(&[("web", 3), ("api", 3)])),
    ]);
    assert!(findings(dir.path()).is_empty());
    common::write_file(dir.path(), "pgbouncer.ini", &ini("any"));
    let found = findings(dir.path());
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0]
            .message
            .contains("60 client connections to PgBouncer bouncer as user app but it accepts 50"),
        "{}",
        found[0].message
    );
}

/// A lone entry keeps its message (every client asks for its database), and a client
/// asking for another database, which PgBouncer refuses (no such database), is not
/// one of its clients.
#[test]
fn a_lone_entry_counts_only_the_clients_that_reach_it() {
    let dir = tree(&[
        ("web/application.yml", &spring("app", "web", 10)),
        ("api/application.yml", &spring("other", "api", 10)),
        (
            "pgbouncer.ini",
            "[databases]\napp = host=db\n[pgbouncer]\nmax_client_conn = 500\nmax_db_client_connections = 50\n",
        ),
        ("poollint.toml", &manifest(&[("web", 4), ("api", 4)])),
    ]);
    assert!(findings(dir.path()).is_empty());
    common::write_file(dir.path(), "api/application.yml", &spring("app", "api", 10));
    let found = findings(dir.path());
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].message.starts_with("services can open 80 client connections to PgBouncer bouncer but it accepts 50 = max_db_client_connections 50"),
        "{}",
        found[0].message
    );
}

/// The `[pgbouncer]` value caps each user on its own, but findings at one place are
/// one: the user over it the most is reported, the message counts the others, and the
/// help's value covers the largest (b's 100, not a's 60, which would leave b refused).
#[test]
fn users_sharing_the_global_cap_are_reported_once_with_a_value_for_all() {
    let dir = tree(&[
        ("a/application.yml", &spring("app", "a", 10)),
        ("b/application.yml", &spring("app", "b", 10)),
        ("c/application.yml", &spring("app", "c", 10)),
        (
            "pgbouncer.ini",
            "[databases]\napp = host=db\n[pgbouncer]\nmax_client_conn = 500\nmax_user_client_connections = 50\n",
        ),
        ("poollint.toml", &manifest(&[("a", 6), ("b", 10), ("c", 2)])),
    ]);
    let found = findings(dir.path());
    assert_eq!(found.len(), 1, "{found:?}");
    let finding = &found[0];
    assert!(
        finding.message.starts_with("services can open 100 client connections to PgBouncer bouncer as user b but it accepts 50")
            && finding
                .message
                .ends_with("(1 other of the users this setting caps is over it too)"),
        "{}",
        finding.message
    );
    assert_eq!(finding.at, "50");
    assert!(
        finding.help.starts_with(
            "set max_user_client_connections to at least 100, which covers the largest of the 2 users over it"
        ),
        "{}",
        finding.help
    );
}

/// `pool-size-invalid` checks the client caps as PgBouncer reads each: `[pgbouncer]`'s
/// with `strtol` (`ten` stops PgBouncer), a `[databases]` or `[users]` entry's with
/// `atoi` (`5x` is read as 5). A negative `[pgbouncer]` `max_user_client_connections`
/// refuses every client (only 0 is no limit); a negative `max_db_client_connections` is
/// no limit, as 0 is (`check_db_connection_count` tests `<= 0`), and is not reported.
/// Before, none of the four values was checked.
#[test]
fn pool_size_invalid_checks_the_client_caps_where_pgbouncer_reads_them() {
    let dir = tree(&[(
        "pgbouncer.ini",
        "[databases]\napp = host=db max_db_client_connections=5x\n[users]\nweb = max_user_client_connections=ten\n[pgbouncer]\nmax_db_client_connections = ten\nmax_user_client_connections = -1\n",
    )]);
    let found = findings_of(dir.path(), "pool-size-invalid");
    let at: Vec<&str> = found.iter().map(|f| f.at.as_str()).collect();
    assert_eq!(at, ["5x", "ten", "ten", "-1"], "{found:?}");
    assert!(
        found[0].message.contains("so `5x` is read as 5"),
        "{}",
        found[0].message
    );
    assert!(
        found[2].message.contains("logs `invalid value \"ten\" for parameter max_db_client_connections` and does not start"),
        "{}",
        found[2].message
    );
    assert!(
        found[3].message.contains(
            "refuses every client (\"client connections exceeded (max_user_client_connections)\")"
        ),
        "{}",
        found[3].message
    );
    common::write_file(
        dir.path(),
        "pgbouncer.ini",
        "[pgbouncer]\nmax_db_client_connections = -1\nmax_user_client_connections = 0\n",
    );
    let found = findings_of(dir.path(), "pool-size-invalid");
    assert!(found.is_empty(), "{found:?}");
}

/// A `[databases]` or `[users]` entry's `query_wait_timeout` (pgbouncer/pgbouncer#1449)
/// is the wait of the clients it covers, as PgBouncer's janitor picks it: the login
/// user's entry when written, else the database entry's, else `[pgbouncer]`'s; a
/// written 0 wins too and disables the timeout. web (user web, database app) waits
/// app's 60 s, past its callers' 30 s; api (user api) waits its user's 5 s, although
/// its database's entry says 60; and `batch = query_wait_timeout=0` queues forever.
/// Before, every client was judged against `[pgbouncer]`'s 10 s, and the entries were
/// not read.
#[test]
fn entry_query_wait_timeouts_apply_to_the_clients_they_cover() {
    let manifest = |services: &[&str]| {
        let mut toml =
            "[[pooler]]\nname = \"bouncer\"\nkind = \"pgbouncer\"\nconfig = \"pgbouncer.ini\"\n"
                .to_owned();
        for name in services {
            toml.push_str(&format!("\n[[service]]\nname = \"{name}\"\nconfig = [\"{name}/application.yml\"]\ninstances = 1\nconnects-to = \"bouncer\"\n[service.load]\npeak-rps = 10\nhold-time = \"10ms\"\nrequest-timeout = \"30s\"\n"));
        }
        toml
    };
    let dir = tree(&[
        ("web/application.yml", &spring("app", "web", 10)),
        ("api/application.yml", &spring("app", "api", 10)),
        (
            "pgbouncer.ini",
            "[databases]\napp = host=db query_wait_timeout=60\n[users]\napi = query_wait_timeout=5\nbatch = query_wait_timeout=0\n[pgbouncer]\nmax_client_conn = 500\nquery_wait_timeout = 10\n",
        ),
        ("poollint.toml", &manifest(&["web", "api"])),
    ]);
    let found = findings_of(dir.path(), "pooler-queue-timeout-exceeds-request-deadline");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].message.starts_with("PgBouncer bouncer queues clients for up to 1 min (pgbouncer.ini:2) but web's callers give up after 30 s"),
        "{}",
        found[0].message
    );
    assert_eq!(found[0].at, "60");
    let forever = findings_of(dir.path(), "acquire-timeout-infinite");
    let at: Vec<&str> = forever.iter().map(|f| f.at.as_str()).collect();
    assert_eq!(at, ["0"], "{forever:?}");
    assert!(
        forever[0].message.starts_with("users.batch.query_wait_timeout is 0: PgBouncer bouncer then queues the clients of user batch indefinitely"),
        "{}",
        forever[0].message
    );
}
