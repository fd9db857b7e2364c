//! `transaction-pooling-session-features`: a service reaches PostgreSQL through a
//! PgBouncer in `transaction` or `statement` pool mode but its driver uses session
//! features (catalogue CC02 [PGB-FAQ][PGB-FEAT]): pgjdbc prepares server-side statements
//! after 5 executions unless `prepareThreshold=0`, and PgBouncer before 1.21 (or with
//! `max_prepared_statements = 0`) hands the next statement to another server session:
//! `prepared statement "S_1" does not exist`. Session settings a pool makes on every
//! connection (HikariCP `connection-init-sql: SET …`, Rails `variables:`) are reported
//! behind such a PgBouncer too. The PgBouncer version is not known, so
//! the newest behaviour is assumed (catalogue §0): since 1.24 `max_prepared_statements`
//! defaults to 200 (§1.2) and prepared statements work, so only an explicit 0 is reported.
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::links::{pools, Links};
use crate::model::{Library, Location, Model, Pool, Pooler, Service, Setting};
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "transaction-pooling-session-features",
    category: Category::Concurrency,
    default_severity: Severity::Warning,
    inputs: Inputs::NeedsTopology,
    summary: "A client uses session features (server-side prepared statements, session settings set on connect) through PgBouncer transaction pooling.",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut Vec<Diagnostic>) {
        let links = Links::new(model);
        for pooler in &model.poolers {
            let zero = prepared_statements_disabled(pooler);
            for service in links.pooler_clients(pooler) {
                for pool in pools(model, service) {
                    out.extend(session_settings_finding(service, pooler, pool));
                    if let Some(zero) = zero.filter(|_| prepares_server_side(pool)) {
                        out.extend(finding(service, pooler, pool, zero));
                    }
                }
            }
        }
    }
}

/// The pool mode `pool`'s connections get through `pooler` (by the database and user
/// it connects as), when it is not session pooling.
fn shared_server_mode<'a>(
    pooler: &'a Pooler,
    pool: &Pool,
) -> Option<(&'a Setting<String>, &'a str)> {
    let (database, user) = pool.login();
    let setting = pooler.mode_for(database, user)?;
    let mode = setting.get()?;
    (mode != "session").then_some((setting, mode.as_str()))
}

/// The finding for one pool when the mode its database gets is not session pooling.
fn finding(service: &Service, pooler: &Pooler, pool: &Pool, zero: Location) -> Option<Diagnostic> {
    let connection = pool.connection.as_ref()?;
    let (mode_setting, mode) = shared_server_mode(pooler, pool)?;
    // Npgsql: the `Max Auto Prepare` keyword; pgjdbc: the URL without the parameter.
    let auto_prepare = connection
        .params
        .get("max auto prepare")
        .filter(|_| pool.library == Library::Npgsql);
    let (at, client, label, fix) = match auto_prepare {
        Some(setting) => (
            setting.location()?,
            "Npgsql connection string prepares server-side statements (Max Auto Prepare above 0)",
            "Max Auto Prepare above 0",
            "remove Max Auto Prepare from the connection string (0, its default, prepares nothing)",
        ),
        None => (
            connection.location?,
            "pgjdbc URL prepares server-side statements (no prepareThreshold=0)",
            "no prepareThreshold=0",
            "add prepareThreshold=0 to the JDBC URL",
        ),
    };
    Some(
        Diagnostic::new(
            &META,
            Severity::Warning,
            at,
            format!(
                "{}'s {client} but reaches PostgreSQL through PgBouncer {} in {mode} pooling with max_prepared_statements = 0: the next execution can land on another server session and fail with `prepared statement \"S_1\" does not exist`",
                service.name, pooler.name
            ),
        )
        .with_label(label)
        .with_related(mode_setting.location(), "pool_mode")
        .with_related(Some(zero), "max_prepared_statements = 0")
        .with_help(format!("{fix}, or set max_prepared_statements above 0 (e.g. 200, the default since PgBouncer 1.24; needs 1.21+) in pgbouncer.ini"))
        .with_fingerprint(format!("{}:{}", service.name, pooler.name)),
    )
}

/// A pool that sets session settings on every new connection (HikariCP
/// `connection-init-sql: SET …`, Rails `variables:`) behind transaction or statement
/// pooling (catalogue CC02: "pool init SQL that sets session state" [PGB-FEAT]): the
/// SET runs on whichever server session served it, other clients' transactions then
/// run with it, and this client's later transactions may run without it.
fn session_settings_finding(service: &Service, pooler: &Pooler, pool: &Pool) -> Option<Diagnostic> {
    let (first, setting) = pool.session_variables.iter().next()?;
    let (mode_setting, mode) = shared_server_mode(pooler, pool)?;
    let at = setting.location()?;
    let names: Vec<&str> = pool
        .session_variables
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    let key = setting.origin.key().unwrap_or("its connection settings");
    Some(
        Diagnostic::new(
            &META,
            Severity::Warning,
            at,
            format!(
                "{}'s pool sets {} on every new connection ({key}) but reaches PostgreSQL through PgBouncer {} in {mode} pooling: the SET stays on whichever server session ran it, so other clients' transactions inherit it and this client's later transactions can run without it",
                service.name,
                names.join(", "),
                pooler.name
            ),
        )
        .with_label("session state behind transaction pooling")
        .with_related(mode_setting.location(), "pool_mode")
        .with_help(format!(
            "set {first} for the database role instead (ALTER ROLE … SET {first} = '{}') and remove it here, or connect through session pooling",
            setting.get().map_or("…", String::as_str)
        ))
        .with_fingerprint(format!("{}:{}:{}", service.name, pooler.name, names.join(","))),
    )
}

/// Where the pooler sets `max_prepared_statements = 0`, if it does: protocol-level
/// prepared statements are then not tracked. Unset is not reported: the default is 200
/// since PgBouncer 1.24.
fn prepared_statements_disabled(pooler: &Pooler) -> Option<Location> {
    let setting = pooler.max_prepared_statements.as_ref()?;
    if setting.is_explicit() && setting.get() == Some(&0) {
        setting.location()
    } else {
        None
    }
}

/// A client that prepares statements server-side: pgjdbc (a Java pool on a PostgreSQL
/// URL) without `prepareThreshold=0` or `preferQueryMode=simple` (URL parameter or
/// data-source property: pgjdbc's simple query mode sends no Parse/Bind), or Npgsql with
/// `Max Auto Prepare` above 0 (its default, 0, prepares nothing unless the code asks).
fn prepares_server_side(pool: &Pool) -> bool {
    let Some(connection) = pool.connection.as_ref() else {
        return false;
    };
    if connection.engine.as_deref() != Some("postgresql") {
        return false;
    }
    let property = |name: &str| {
        connection
            .params
            .get(name)
            .or(pool.driver_properties.get(name))
            .and_then(|s| s.get())
    };
    match pool.library {
        Library::HikariCp | Library::TomcatJdbc | Library::Dbcp2 | Library::OracleUcp => {
            let threshold_off = property("preparethreshold").is_some_and(|t| t.trim() == "0");
            // `PreferQueryMode.of` compares with `equals`: `Simple` is the default mode.
            let simple_mode = property("preferquerymode").is_some_and(|m| m == "simple");
            !threshold_off && !simple_mode
        }
        Library::Npgsql => property("max auto prepare")
            .and_then(|n| n.parse::<i64>().ok())
            .is_some_and(|n| n > 0),
        _ => false,
    }
}
