//! `transaction-pooling-session-features`: a service reaches PostgreSQL through a
//! PgBouncer in `transaction` or `statement` pool mode but its driver uses session
//! features (catalogue CC02 [PGB-FAQ][PGB-FEAT]): pgjdbc prepares server-side statements
//! after 5 executions unless `prepareThreshold=0`, and PgBouncer before 1.21 (or with
//! `max_prepared_statements = 0`) hands the next statement to another server session:
//! `prepared statement "S_1" does not exist`; so do Npgsql with `Max Auto Prepare`,
//! Active Record's PostgreSQL adapter unless `prepared_statements` is off, and Prisma
//! without `pgbouncer=true`. Session settings a pool makes on every connection
//! (HikariCP `connection-init-sql: SET …`, Rails `variables:`) and Active Record's
//! session advisory locks for migrations (`advisory_locks`, on by default) are reported
//! behind such a PgBouncer too, and, in any pool mode, `-c` settings in a connection's
//! startup `options` that PgBouncer does not track: it refuses the connection, or drops
//! them when `ignore_startup_parameters` says so. The PgBouncer version is not known, so
//! the newest behaviour is assumed (catalogue §0): since 1.24 `max_prepared_statements`
//! defaults to 200 (§1.2) and prepared statements work, so only an explicit 0 is reported.
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::links::Links;
use crate::model::{Library, Location, Model, Pool, Pooler, Service, Setting, StartupOption};
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "transaction-pooling-session-features",
    category: Category::Concurrency,
    default_severity: Severity::Warning,
    inputs: Inputs::NeedsTopology,
    summary: "A client uses session features PgBouncer does not carry: server-side prepared statements, session settings set on connect or session advisory locks under transaction pooling, or startup options it does not track.",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut crate::rules::Findings) {
        let links = Links::new(model);
        for pooler in &model.poolers {
            let zero = prepared_statements_disabled(pooler);
            for service in links.pooler_clients(pooler) {
                for pool in links.pooler_pools(model, pooler, service) {
                    out.extend(startup_options_finding(service, pooler, pool));
                    out.extend(session_settings_finding(service, pooler, pool));
                    out.extend(advisory_locks_finding(service, pooler, pool));
                    if let Some(zero) = zero {
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

/// How a client prepares server-side statements, for the message: where to point, what
/// it does, the label and the fix.
struct Preparer {
    at: Location,
    client: &'static str,
    label: &'static str,
    fix: &'static str,
    /// The server's error as the client reports it (the statement name is the one it
    /// gives its first prepared statement).
    error: &'static str,
}

/// The finding for one pool that prepares statements server-side when the mode its
/// database gets is not session pooling.
fn finding(service: &Service, pooler: &Pooler, pool: &Pool, zero: Location) -> Option<Diagnostic> {
    let preparer = prepares_server_side(pool)?;
    let (mode_setting, mode) = shared_server_mode(pooler, pool)?;
    let Preparer {
        at,
        client,
        label,
        fix,
        error,
    } = preparer;
    Some(
        Diagnostic::new(
            &META,
            Severity::Warning,
            at,
            format!(
                "{}'s {client} but reaches PostgreSQL through PgBouncer {} in {mode} pooling with max_prepared_statements = 0: the next execution can land on another server session and fail with `{error}`",
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

/// An Active Record pool whose PostgreSQL adapter keeps `advisory_locks` on (its
/// default) behind transaction or statement pooling (catalogue CC02: "Rails
/// `advisory_locks` not `false`" [RAILS-GUIDE]): migrations take a session advisory lock
/// (`pg_try_advisory_lock`) and release it in another statement, which PgBouncer may
/// send to another server session, so the lock stays held and the next migration run
/// fails with `ActiveRecord::ConcurrentMigrationError`. PgBouncer's feature map marks
/// session advisory locks "Never" in transaction mode, whatever its version.
fn advisory_locks_finding(service: &Service, pooler: &Pooler, pool: &Pool) -> Option<Diagnostic> {
    let setting = rails_switch_on(pool, "advisory_locks")?;
    let (mode_setting, mode) = shared_server_mode(pooler, pool)?;
    let written = if setting.is_explicit() {
        "advisory_locks is on"
    } else {
        "advisory_locks is on by default"
    };
    Some(
        Diagnostic::new(
            &META,
            Severity::Warning,
            setting.location()?,
            format!(
                "{}'s Active Record pool takes session advisory locks for migrations ({written}) but reaches PostgreSQL through PgBouncer {} in {mode} pooling: the unlock can run on another server session, leaving the lock held and the next migration failing with ActiveRecord::ConcurrentMigrationError",
                service.name, pooler.name
            ),
        )
        .with_label(written)
        .with_related(mode_setting.location(), "pool_mode")
        .with_help("set advisory_locks: false in database.yml for connections through PgBouncer (or run migrations through a direct or session-pooled connection)")
        .with_fingerprint(format!("{}:{}:advisory_locks", service.name, pooler.name)),
    )
}

/// An Active Record PostgreSQL adapter switch (`prepared_statements`,
/// `advisory_locks`) that is on: the Rails reader records both, as `"true"` or
/// `"false"`, for PostgreSQL pools only.
fn rails_switch_on<'a>(pool: &'a Pool, name: &str) -> Option<&'a Setting<String>> {
    if pool.library != Library::ActiveRecord {
        return None;
    }
    let setting = pool.driver_properties.get(name)?;
    (setting.get()? == "true").then_some(setting)
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

/// A pool whose startup `options` pass `-c` settings PgBouncer does not track, in any
/// pool mode (PgBouncer 1.20+, `set_startup_options`; before 1.20 it refuses `options`
/// whole): PgBouncer refuses every connection ("unsupported startup parameter in
/// options: statement_timeout"), an error; or, when `ignore_startup_parameters` names
/// them or `options`, drops them silently, a warning.
fn startup_options_finding(service: &Service, pooler: &Pooler, pool: &Pool) -> Option<Diagnostic> {
    let (options, at) = pool.startup_options()?;
    let at = at?;
    let mut refused: Vec<&str> = Vec::new();
    let mut dropped: Vec<&str> = Vec::new();
    for name in options.names() {
        let list = match pooler.startup_option(name) {
            StartupOption::Tracked => continue,
            StartupOption::Dropped => &mut dropped,
            StartupOption::Refused => &mut refused,
        };
        if !list.contains(&name) {
            list.push(name);
        }
    }
    let owner = format!("{}'s pool {}", service.name, pool.name);
    let role_help = |name: &str| {
        format!("set {name} for the database role instead (ALTER ROLE … SET {name} = …) and remove it from options")
    };
    let diagnostic = match (refused.first(), dropped.first()) {
        (Some(first), _) => Diagnostic::new(
            &META,
            Severity::Error,
            at,
            format!(
                "PgBouncer {} refuses every connection of {owner}: its startup options set {} with -c, which PgBouncer does not track (\"unsupported startup parameter in options: {first}\")",
                pooler.name,
                refused.join(", ")
            ),
        )
        .with_label("refused by PgBouncer")
        .with_help(format!(
            "{}; `ignore_startup_parameters = {}` in pgbouncer.ini only drops it",
            role_help(first),
            refused.join(",")
        )),
        (None, Some(first)) => Diagnostic::new(
            &META,
            Severity::Warning,
            at,
            format!(
                "PgBouncer {} drops {} from the startup options of {owner} (ignore_startup_parameters): the connections run without {}",
                pooler.name,
                dropped.join(", "),
                if dropped.len() == 1 { "it" } else { "them" }
            ),
        )
        .with_label("dropped by PgBouncer")
        .with_help(role_help(first)),
        (None, None) => return None,
    };
    let names = refused
        .iter()
        .chain(&dropped)
        .copied()
        .collect::<Vec<_>>()
        .join(",");
    Some(diagnostic.with_fingerprint(format!("{}:{}:options:{names}", service.name, pooler.name)))
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
/// data-source property: pgjdbc's simple query mode sends no Parse/Bind), Npgsql with
/// `Max Auto Prepare` above 0 (its default, 0, prepares nothing unless the code asks),
/// Active Record's PostgreSQL adapter unless `prepared_statements` is off (on by
/// default), or Prisma (≤ 6) without `pgbouncer=true` [PRISMA-PGB].
fn prepares_server_side(pool: &Pool) -> Option<Preparer> {
    if pool.library == Library::ActiveRecord {
        let setting = rails_switch_on(pool, "prepared_statements")?;
        return Some(Preparer {
            at: setting.location()?,
            client: if setting.is_explicit() {
                "Active Record pool prepares statements (prepared_statements: true)"
            } else {
                "Active Record pool prepares statements (prepared_statements is on by default)"
            },
            label: "prepared_statements on",
            fix: "set prepared_statements: false in database.yml",
            error: "prepared statement \"a1\" does not exist",
        });
    }
    let connection = pool.connection.as_ref()?;
    if connection.engine.as_deref() != Some("postgresql") {
        return None;
    }
    let named = |name: &str| {
        connection
            .params
            .get(name)
            .or(pool.driver_properties.get(name))
    };
    let property = |name: &str| named(name).and_then(|s| s.get()).map(String::as_str);
    match pool.library {
        Library::HikariCp | Library::TomcatJdbc | Library::Dbcp2 | Library::OracleUcp => {
            // pgjdbc reads it with `Integer.parseInt`: `00` and `+0` are 0 too.
            let threshold_off = property("preparethreshold")
                .is_some_and(|t| t.trim().parse::<i32>().is_ok_and(|n| n == 0));
            // `PreferQueryMode.of` compares with `equals`: `Simple` is the default mode.
            let simple_mode = property("preferquerymode").is_some_and(|m| m == "simple");
            (!threshold_off && !simple_mode).then_some(Preparer {
                at: connection.location?,
                client: "pgjdbc URL prepares server-side statements (no prepareThreshold=0)",
                label: "no prepareThreshold=0",
                fix: "add prepareThreshold=0 to the JDBC URL",
                error: "prepared statement \"S_1\" does not exist",
            })
        }
        Library::Npgsql => {
            let setting = named("max auto prepare")?;
            let above_zero = setting
                .get()
                .and_then(|n| n.parse::<i64>().ok())
                .is_some_and(|n| n > 0);
            above_zero.then_some(Preparer {
                at: setting.location()?,
                client: "Npgsql connection string prepares server-side statements (Max Auto Prepare above 0)",
                label: "Max Auto Prepare above 0",
                fix: "remove Max Auto Prepare from the connection string (0, its default, prepares nothing)",
                error: "prepared statement \"…\" does not exist",
            })
        }
        // Prisma's query engine parses `pgbouncer` as a Rust `bool`: `true` turns prepared
        // statements off, and a value other than `true`/`false` (`TRUE`, `1`) is refused
        // before any connection opens, which is not this rule's finding.
        Library::Prisma => {
            matches!(property("pgbouncer"), None | Some("false")).then_some(Preparer {
                at: connection.location?,
                client: "Prisma URL prepares statements (no pgbouncer=true)",
                label: "no pgbouncer=true",
                fix: "add pgbouncer=true to the database URL",
                error: "prepared statement \"s0\" already exists",
            })
        }
        _ => None,
    }
}
