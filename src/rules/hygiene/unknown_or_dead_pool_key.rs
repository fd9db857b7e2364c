//! `unknown-or-dead-pool-key`: A pool key the pool does not have, or one under a pool that is not in use: it is silently ignored.
//!
//! Spring Boot's binder ignores unknown fields (`ignoreUnknownFields = true` [SB-CP]), so
//! a mistyped or misplaced pool key silently leaves the default in place. Checked:
//! keys under `spring.datasource.hikari.*` that HikariConfig does not have; keys of a
//! pool Spring Boot does not create (`spring.datasource.tomcat.*` while HikariCP is
//! used [SB-SQL]); pool keys placed directly under `spring.datasource.*`; relaxed forms
//! under `spring.jpa.properties.*`, which Hibernate receives verbatim [SB-HOWTO].
//!
//! PgBouncer: a `[databases]` connection string with a parameter outside the set
//! PgBouncer's loader accepts (rules-catalogue §1.2 [PGB-LOADER][PGB-CFG]) is refused with
//! "unrecognized connection parameter", so it is an error.
//!
//! PostgreSQL: a name within two edits of a parameter poollint reads (`max_conections`)
//! is a misspelling. PostgreSQL refuses to start with an unrecognized parameter in
//! `postgresql.conf` ("configuration file … contains errors"; on reload the change is
//! silently not applied), so it is an error. Only those parameters are compared: the
//! full parameter list is not part of poollint's reference data.
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::hikari;
use crate::model::{ConfigEntry, Ecosystem, Location, Model};
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "unknown-or-dead-pool-key",
    category: Category::Hygiene,
    default_severity: Severity::Warning,
    inputs: Inputs::ConfigOnly,
    summary: "A pool key the pool does not have, or one under a pool that is not in use: it is silently ignored.",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut Vec<Diagnostic>) {
        out.extend(unknown_pgbouncer_database_keys(model));
        out.extend(misspelt_postgres_parameters(model));
        let spring = model
            .entries
            .iter()
            .filter(|e| e.ecosystem == Ecosystem::Spring);
        let active = active_pools(model);
        for entry in spring {
            let pool = active.get(entry.scope.as_str()).copied().unwrap_or(HIKARI);
            let found = unknown_hikari_key(entry)
                .or_else(|| dead_pool_key(pool, entry))
                .or_else(|| misplaced_pool_key(entry))
                .or_else(|| relaxed_hibernate_key(entry));
            if let Some((message, help)) = found {
                out.push(at_key(
                    entry,
                    Severity::Warning,
                    message,
                    "ignored key",
                    help,
                ));
            }
        }
    }
}

type Finding = (String, String);

/// A finding whose primary label is the entry's key.
fn at_key(
    entry: &ConfigEntry,
    severity: Severity,
    message: String,
    label: &str,
    help: String,
) -> Diagnostic {
    let at = Location {
        file: entry.file,
        span: entry.key_span,
    };
    Diagnostic::new(&META, severity, at, message)
        .with_label(label)
        .with_help(help)
        .with_key(entry.key.clone())
}

const HIKARI: &str = "spring.datasource.hikari.";
const OTHER_POOLS: &[(&str, &str)] = &[
    ("spring.datasource.tomcat.", "Tomcat JDBC"),
    ("spring.datasource.dbcp2.", "Commons DBCP2"),
    ("spring.datasource.oracleucp.", "Oracle UCP"),
];

/// Pool property names (canonical) that do not belong directly under `spring.datasource`.
const POOL_PROPERTIES: &[&str] = &[
    "maximumpoolsize",
    "minimumidle",
    "connectiontimeout",
    "idletimeout",
    "maxlifetime",
    "keepalivetime",
    "leakdetectionthreshold",
    "validationtimeout",
    "poolname",
    "maxactive",
    "maxidle",
    "minidle",
    "maxwait",
    "maxwaitmillis",
    "maxtotal",
    "initialsize",
    "testonborrow",
    "validationquery",
];

fn element(entry: &ConfigEntry, index: usize) -> &str {
    entry.canonical.split('.').nth(index).unwrap_or("")
}

/// A key under `spring.datasource.hikari.` that HikariConfig has no setter for.
fn unknown_hikari_key(entry: &ConfigEntry) -> Option<Finding> {
    entry.canonical.strip_prefix(HIKARI)?;
    let name = element(entry, 3);
    let name = name.split('[').next().unwrap_or(name);
    if hikari::property_for(name).is_some() {
        return None;
    }
    let written = entry.key.split('.').nth(3).unwrap_or(name);
    let message = format!("`{written}` is not a HikariCP property: Spring Boot ignores {} and the pool keeps its default", entry.key);
    let help = if name == "url" {
        "HikariCP calls it jdbc-url; or set spring.datasource.url, which Spring Boot passes to HikariCP".to_owned()
    } else {
        let canonical: Vec<String> = hikari::PROPERTIES
            .iter()
            .map(|p| hikari::canonical(p))
            .collect();
        match crate::suggest::closest(name, canonical.iter().map(String::as_str))
            .and_then(hikari::property_for)
        {
            Some(property) => format!("did you mean `{property}`?"),
            None => "see HikariCP's configuration list for the property names".to_owned(),
        }
    };
    Some((message, help))
}

/// The pool Spring Boot creates for each application (`spring.datasource.type`, the
/// last one written wins), by scope; applications without one use HikariCP. One pass
/// over the entries, so the rule stays linear in their number.
fn active_pools(model: &Model) -> std::collections::HashMap<&str, &'static str> {
    let mut pools = std::collections::HashMap::new();
    for e in model
        .entries
        .iter()
        .filter(|e| e.canonical == "spring.datasource.type")
    {
        let Some(value) = e.value.as_deref() else {
            continue;
        };
        let t = value.to_ascii_lowercase();
        let prefix = if t.contains("tomcat") {
            "spring.datasource.tomcat."
        } else if t.contains("dbcp2") {
            "spring.datasource.dbcp2."
        } else if t.contains("ucp") {
            "spring.datasource.oracleucp."
        } else {
            HIKARI
        };
        pools.insert(e.scope.as_str(), prefix);
    }
    pools
}

/// A key under a pool prefix Spring Boot does not use for this application.
fn dead_pool_key(active: &'static str, entry: &ConfigEntry) -> Option<Finding> {
    let names = std::iter::once((HIKARI, "HikariCP")).chain(OTHER_POOLS.iter().copied());
    let (prefix, library) = names
        .into_iter()
        .find(|(p, _)| entry.canonical.starts_with(p))?;
    if prefix == active {
        return None;
    }
    let active_library = if active == HIKARI {
        "HikariCP"
    } else {
        "another pool"
    };
    let message = format!(
        "{} has no effect: Spring Boot creates a {active_library} pool here, so {library} settings under {}* are ignored",
        entry.key,
        prefix
    );
    let help =
        format!("move the setting to the {active_library} equivalent under {active}, or remove it");
    Some((message, help))
}

/// A pool property placed directly under `spring.datasource.`.
fn misplaced_pool_key(entry: &ConfigEntry) -> Option<Finding> {
    let name = entry.canonical.strip_prefix("spring.datasource.")?;
    if name.contains('.') || !POOL_PROPERTIES.contains(&name) {
        return None;
    }
    let written = entry.key.rsplit('.').next().unwrap_or(name);
    let message = format!(
        "{} is not a spring.datasource property: Spring Boot ignores it and the pool keeps its default",
        entry.key
    );
    let help = match hikari::property_for(name) {
        Some(property) => format!("move it to spring.datasource.hikari.{property}"),
        None => format!("move it under the pool's own prefix, e.g. spring.datasource.hikari.* (`{written}` is not a HikariCP name)"),
    };
    Some((message, help))
}

/// `spring.jpa.properties.hibernate.jdbc.batch-size`: Hibernate gets the name verbatim.
fn relaxed_hibernate_key(entry: &ConfigEntry) -> Option<Finding> {
    let name = entry.canonical.strip_prefix("spring.jpa.properties.")?;
    if !name.starts_with("hibernate.") || !name.contains('-') {
        return None;
    }
    let fixed = name.replace('-', "_");
    let message = format!(
        "`{name}` is passed to Hibernate verbatim (spring.jpa.properties has no relaxed binding), and Hibernate has no such property"
    );
    Some((message, format!("write it as `{fixed}`")))
}

/// Parameters a PgBouncer `[databases]` connection string may carry: the libpq-style
/// connection keys and the per-database pool keys (rules-catalogue §1.2 [PGB-LOADER][PGB-CFG]).
const PGBOUNCER_DATABASE_KEYS: &[&str] = &[
    "dbname",
    "host",
    "port",
    "user",
    "password",
    "auth_user",
    "auth_query",
    "auth_dbname",
    "client_encoding",
    "datestyle",
    "timezone",
    "application_name",
    "connect_query",
    "pool_size",
    "min_pool_size",
    "reserve_pool",
    "reserve_pool_size",
    "max_db_connections",
    "max_db_client_connections",
    "pool_mode",
    "server_lifetime",
    "query_wait_timeout",
    "load_balance_hosts",
];

fn unknown_pgbouncer_database_keys(model: &Model) -> Vec<Diagnostic> {
    let params = model
        .entries
        .iter()
        .filter(|e| e.ecosystem == Ecosystem::PgBouncer);
    params
        .filter_map(|entry| {
            let name = entry.canonical.strip_prefix("databases.")?;
            if PGBOUNCER_DATABASE_KEYS.contains(&name) {
                return None;
            }
            let written = entry.key.rsplit('.').next().unwrap_or(name);
            let help = match crate::suggest::closest(name, PGBOUNCER_DATABASE_KEYS.iter().copied()) {
                Some(known) => format!("did you mean `{known}`?"),
                None => "see the [databases] section of PgBouncer's configuration reference for the accepted keys".to_owned(),
            };
            let message = format!("`{written}` is not a PgBouncer [databases] parameter: PgBouncer rejects the entry with \"unrecognized connection parameter\", so this database is not served");
            Some(at_key(entry, Severity::Error, message, "unknown parameter", help))
        })
        .collect()
}

/// Postgres entries whose name is a near miss of a parameter poollint reads.
fn misspelt_postgres_parameters(model: &Model) -> Vec<Diagnostic> {
    use crate::ecosystems::postgres::READ_PARAMETERS;
    let entries = model
        .entries
        .iter()
        .filter(|e| e.ecosystem == Ecosystem::Postgres);
    entries
        .filter_map(|entry| {
            let name = entry.canonical.as_str();
            // Custom (extension) parameters have a dot and are not checked.
            if name.contains('.') || name.len() < 8 || READ_PARAMETERS.contains(&name) {
                return None;
            }
            let meant = READ_PARAMETERS
                .iter()
                .copied()
                .filter(|p| within_two_by_letters(name, p))
                .find(|p| strsim::damerau_levenshtein(name, p) <= 2)?;
            let message = format!("`{}` is not a PostgreSQL parameter: PostgreSQL refuses to start with an unrecognized parameter in its configuration file (on a reload the change is silently not applied), and {meant} keeps its value from elsewhere", entry.key);
            let help = format!("did you mean `{meant}`?");
            Some(at_key(entry, Severity::Error, message, "unrecognized parameter", help))
        })
        .collect()
}

/// A cheap necessary condition for an edit distance of at most 2: the two names differ
/// by at most 2 letters in each direction, counted as multisets. Most parameter names
/// fail it, so the full distance runs rarely (it showed in profiles of large trees).
fn within_two_by_letters(a: &str, b: &str) -> bool {
    if a.len().abs_diff(b.len()) > 2 {
        return false;
    }
    let mut counts = [0i32; 256];
    for byte in a.bytes() {
        if let Some(c) = counts.get_mut(usize::from(byte)) {
            *c += 1;
        }
    }
    for byte in b.bytes() {
        if let Some(c) = counts.get_mut(usize::from(byte)) {
            *c -= 1;
        }
    }
    let surplus: i32 = counts.iter().filter(|c| **c > 0).sum();
    let deficit: i32 = counts.iter().filter(|c| **c < 0).map(|c| -c).sum();
    surplus <= 2 && deficit <= 2
}
