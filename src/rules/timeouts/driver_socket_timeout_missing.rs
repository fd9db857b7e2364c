//! `driver-socket-timeout-missing`: The JDBC driver has no socket timeout, so a silently dropped connection blocks a thread forever.
//!
//! HikariCP's Rapid Recovery page: "it is imperative that the application configures
//! the driver-level TCP socket timeout" [HK-RR]. pgjdbc `socketTimeout` is seconds,
//! MySQL Connector/J and MariaDB `socketTimeout` milliseconds; 0 disables it [PGJDBC].
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Model, Pool, Setting};
use crate::rules::{hikari_pools, Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "driver-socket-timeout-missing",
    category: Category::Timeouts,
    default_severity: Severity::Warning,
    inputs: Inputs::ConfigOnly,
    summary: "The JDBC driver has no socket timeout, so a silently dropped connection blocks a thread forever.",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut crate::rules::Findings) {
        for pool in hikari_pools(model) {
            out.extend(check(pool));
        }
    }
}

/// The suggested value, and how many units of the driver's `socketTimeout` make a second.
fn driver_unit(engine: &str) -> Option<(&'static str, u64)> {
    match engine {
        "postgresql" => Some(("socketTimeout=30 (pgjdbc: seconds)", 1)),
        "mysql" | "mariadb" => Some(("socketTimeout=30000 (milliseconds)", 1000)),
        _ => None,
    }
}

/// pgjdbc's name for the property, which it looks up case-sensitively
/// (`PGProperty.getOrDefault`: `Properties.getProperty(name)`).
const PGJDBC_NAME: &str = "socketTimeout";

/// Whether the setting is written under pgjdbc's exact name (a URL's parameter, or the
/// map key Spring Boot binds for `data-source-properties`).
fn is_exact_name(setting: &&Setting<String>) -> bool {
    setting.origin.written_name() == Some(PGJDBC_NAME)
}

/// A socket timeout pgjdbc never reads, because its name is in another case
/// (`SOCKETTIMEOUT`, or `sockettimeout` bound from an environment variable), and no
/// other is written under the exact name.
fn ignored_case(pool: &Pool, ignored: &Setting<String>) -> Option<Diagnostic> {
    let written = ignored.origin.written_name().unwrap_or("sockettimeout");
    let help = format!(
        "rename `{written}` to `socketTimeout` (at least 2-3x the longest transaction, or 30 s, whichever is longer); an environment variable binds a data-source-properties key in lower case, so set that one in the JDBC URL (`?socketTimeout=30`) or in application.yml instead"
    );
    let message = format!(
        "pgjdbc ignores `{written}`: it reads property names exactly as written (`socketTimeout`), so the driver has no socket timeout and waits forever on a connection the network silently dropped, blocking the thread and the pooled connection"
    );
    Some(
        Diagnostic::new(&META, Severity::Warning, ignored.location()?, message)
            .with_label("never read: pgjdbc matches the name's case")
            .with_help(help)
            .with_key(url_key(pool))
            .with_fingerprint("ignored name"),
    )
}

/// HikariCP's floor: "2-3x the longest running SQL transaction, or 30 seconds, whichever
/// is longer" [HK-RR]; without a declared longest transaction, 30 s.
const MIN_SOCKET_TIMEOUT_SECONDS: u64 = 30;

/// The key the URL was written under (`spring.datasource.url` for Spring's own
/// data source, `….jdbc-url` for a pool bound directly).
fn url_key(pool: &Pool) -> String {
    let classes = &pool.class_settings;
    classes
        .jdbc_url
        .as_ref()
        .or(classes.url.as_ref())
        .and_then(|setting| setting.origin.key())
        .map_or_else(|| format!("{}.jdbc-url", pool.name), str::to_owned)
}

fn check(pool: &Pool) -> Option<Diagnostic> {
    let connection = pool.connection.as_ref()?;
    let engine = connection.engine.as_deref()?;
    let (fix, units_per_second) = driver_unit(engine)?;
    // Beside a data-source class HikariCP ignores the JDBC URL ("ignoring jdbcUrl"):
    // its parameters never reach the driver.
    let url_ignored = pool.class_settings.data_source_class_name.is_some();
    let from_url = connection
        .params
        .get("sockettimeout")
        .filter(|_| !url_ignored);
    let from_properties = pool.driver_properties.get("sockettimeout");
    // pgjdbc reads a property by its exact name: one in another case never reaches it.
    let (from_url, from_properties, ignored) = match engine {
        "postgresql" => (
            from_url.filter(is_exact_name),
            from_properties.filter(is_exact_name),
            from_url.or(from_properties).filter(|s| !is_exact_name(s)),
        ),
        _ => (from_url, from_properties, None),
    };
    // pgjdbc reads the URL's parameters over the properties HikariCP passes; MySQL
    // Connector/J the properties over the URL's ("Properties passed in override the
    // ones from the connection string", `ConnectionUrl.collectProperties`).
    let in_effect = match engine {
        "mysql" => from_properties.or(from_url),
        _ => from_url.or(from_properties),
    };
    if let (None, Some(ignored)) = (in_effect, ignored) {
        return ignored_case(pool, ignored);
    }
    // A value already written is changed where it is, not added a second time.
    let verb = match (in_effect, from_url) {
        (Some(effective), Some(url)) if std::ptr::eq(effective, url) => "set {fix} in the URL",
        (Some(_), _) => "set {fix} in data-source-properties",
        (None, _) if url_ignored => "add {fix} to data-source-properties",
        (None, _) => "add {fix} to the URL or to data-source-properties",
    }
    .replace("{fix}", fix);
    let (at, message, label) = match in_effect {
        Some(setting) if setting.get().is_some_and(|v| v.trim() == "0") => (
            setting.location()?,
            "socketTimeout is 0, which disables the driver's socket timeout: a connection the network silently dropped blocks its thread and stays checked out of the pool forever".to_owned(),
            "0 disables the timeout",
        ),
        // The driver parses it as an int, and refuses the connection otherwise.
        Some(setting) if setting.get().is_some_and(|v| v.parse::<u32>().is_err()) => {
            let written = setting.get()?;
            let message = format!(
                "socketTimeout `{written}` is not a whole number: the driver refuses it when it connects (pgjdbc: \"socketTimeout parameter value must be an integer\"; Connector/J: \"only accepts integer values\"), so no connection opens"
            );
            return Some(
                Diagnostic::new(&META, Severity::Error, setting.location()?, message)
                    .with_label("not a whole number")
                    .with_help(verb)
                    .with_key(url_key(pool))
                    .with_fingerprint(written),
            );
        }
        Some(setting) => {
            let value: u64 = setting.get()?.parse().ok()?;
            if value >= MIN_SOCKET_TIMEOUT_SECONDS * units_per_second {
                return None;
            }
            (
                setting.location()?,
                format!(
                    "socketTimeout is {value} ({}), below 30 s: a query that legitimately runs longer is cut off and its connection closed",
                    if units_per_second == 1 { "seconds" } else { "milliseconds" }
                ),
                "below 30 s",
            )
        }
        None if url_ignored => (
            connection.location?,
            "data-source-class-name is set, so HikariCP ignores this URL and its socketTimeout, and the data-source-properties set none: the driver waits forever on a connection the network silently dropped, blocking the thread and the pooled connection".to_owned(),
            "ignored with data-source-class-name",
        ),
        None => (
            connection.location?,
            format!(
                "the {engine} JDBC URL sets no socketTimeout, so the driver waits forever on a connection the network silently dropped, blocking the thread and the pooled connection"
            ),
            "no socketTimeout here",
        ),
    };
    Some(
        Diagnostic::new(&META, Severity::Warning, at, message)
            .with_label(label)
            .with_help(format!(
                "{verb}: at least 2-3x the longest transaction, or 30 s, whichever is longer"
            ))
            .with_key(url_key(pool))
            .with_fingerprint(label),
    )
}
