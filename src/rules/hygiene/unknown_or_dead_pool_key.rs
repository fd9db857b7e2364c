//! `unknown-or-dead-pool-key`: A pool key the pool does not have, or one under a pool that is not in use: it is silently ignored.
//!
//! Spring Boot's binder ignores unknown fields (`ignoreUnknownFields = true` [SB-CP]), so
//! a mistyped or misplaced pool key silently leaves the default in place. Checked:
//! keys under `spring.datasource.hikari.*` that HikariConfig does not have; keys of a
//! pool Spring Boot does not create (`spring.datasource.tomcat.*` while HikariCP is
//! used [SB-SQL]); pool keys placed directly under `spring.datasource.*`; relaxed forms
//! under `spring.jpa.properties.*`, which Hibernate receives verbatim [SB-HOWTO].
//!
//! PgBouncer, PostgreSQL and MySQL parameter names are compared with the names each
//! product accepts (`src/model/data/`, sources in each list's header): an unknown
//! name within `max-edit-distance` edits of a known one is an error with did-you-mean.
//! Otherwise PgBouncer names are still errors (PgBouncer refuses them [PGB-LOADER]),
//! PostgreSQL names warnings (a newer release may have added them), and MySQL names are
//! not reported (plugins and forks add options the list lacks).
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{hikari, parameters};
use crate::model::{ConfigEntry, Ecosystem, Location, Model};
use crate::rules::{Category, Inputs, RuleMeta, RuleOption, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "unknown-or-dead-pool-key",
    category: Category::Hygiene,
    default_severity: Severity::Warning,
    inputs: Inputs::ConfigOnly,
    summary: "A pool key the pool does not have, or one under a pool that is not in use: it is silently ignored.",
    options: &[MAX_EDIT_DISTANCE],
};

/// How far a misspelt parameter name may be from the name it meant. Heuristic.
pub static MAX_EDIT_DISTANCE: RuleOption = RuleOption {
    name: "max-edit-distance",
    default: 2.0,
    doc: "the most edits (insertions, deletions, substitutions, transpositions) between an unknown PgBouncer, PostgreSQL or MySQL parameter name and a known one for poollint to suggest it (names under 6 letters: at most 1); MySQL names are reported only then. Heuristic",
    min: 0.0,
    max: 5.0,
    min_exclusive: false,
    max_exclusive: false,
    aliases: &[],
    whole: true,
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    /// Each application's entries on their own (grouped by scope).
    fn checks_entries_per_unit(&self) -> bool {
        true
    }

    fn check(&self, model: &Model, options: &RuleOptions, out: &mut crate::rules::Findings) {
        let max_distance = options.get(&MAX_EDIT_DISTANCE) as usize;
        out.extend(unknown_names(model, max_distance));
        out.extend(model.poolers.iter().flat_map(unknown_pgbouncer_sections));
        out.extend(model.poolers.iter().flat_map(reset_pgbouncer_settings));
        let spring = model.entries.of(Ecosystem::Spring);
        let active = active_pools(model);
        for entry in spring {
            let pool = active.get(&*entry.scope).copied().unwrap_or(HIKARI);
            let found = unknown_hikari_key(entry)
                .or_else(|| dead_pool_key(pool, entry))
                .or_else(|| misplaced_pool_key(entry))
                .or_else(|| relaxed_hibernate_key(entry));
            if let Some((message, help, rename)) = found {
                let finding = at_key(entry, Severity::Warning, message, "ignored key", help);
                out.push(match rename {
                    Some((written, meant)) => with_rename(finding, entry, &written, &meant),
                    None => finding,
                });
            }
        }
    }
}

/// An unknown name and the name to write instead, when the help has one.
type Finding = (String, String, Option<Rename>);

/// The key's last segment as written, and the name meant.
type Rename = (String, String);

/// `finding` with a fix renaming the key's last segment `written` to `meant` (only
/// within one segment: a name with a dot would rename more than the segment).
fn with_rename(finding: Diagnostic, entry: &ConfigEntry, written: &str, meant: &str) -> Diagnostic {
    if written.contains('.') || meant.contains('.') {
        return finding;
    }
    let at = Location {
        file: entry.file,
        span: entry.key_span,
    };
    finding.with_key_fix(at, written, meant)
}

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
        .with_key(entry.key.as_str())
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
            Some(property) => {
                let meant = in_written_style(property, written);
                let help = format!("did you mean `{meant}`?");
                return Some((message, help, Some((written.to_owned(), meant))));
            }
            None => "see HikariCP's configuration list for the property names".to_owned(),
        }
    };
    Some((message, help, None))
}

/// A HikariCP property (`maximumPoolSize`) spelt as the key it replaces is: camel case
/// when that has capitals, else kebab case (`maximum-pool-size`), Spring Boot's
/// recommended form.
fn in_written_style(property: &str, written: &str) -> String {
    if written.chars().any(|c| c.is_ascii_uppercase()) {
        return property.to_owned();
    }
    let mut kebab = String::with_capacity(property.len() + 4);
    for c in property.chars() {
        if c.is_ascii_uppercase() {
            kebab.push('-');
        }
        kebab.push(c.to_ascii_lowercase());
    }
    kebab
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
        pools.insert(&*e.scope, prefix);
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
    let active_library = std::iter::once((HIKARI, "HikariCP"))
        .chain(OTHER_POOLS.iter().copied())
        .find(|(p, _)| *p == active)
        .map_or("different", |(_, name)| name);
    let message = format!(
        "{} has no effect: Spring Boot creates a {active_library} pool here (not {library}), so settings under {}* are ignored",
        entry.key,
        prefix
    );
    let help =
        format!("move the setting to the {active_library} equivalent under {active}, or remove it");
    Some((message, help, None))
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
    Some((message, help, None))
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
    // Fixed in place only when the dashes are all in the last segment, the one key a
    // nested YAML file writes on the finding's line.
    let written = entry.key.rsplit('.').next().unwrap_or("");
    let dashes_elsewhere = name
        .rsplit_once('.')
        .is_some_and(|(head, _)| head.contains('-'));
    let rename = (!dashes_elsewhere && written.contains('-'))
        .then(|| (written.to_owned(), written.replace('-', "_")));
    Some((message, format!("write it as `{fixed}`"), rename))
}

/// How one product treats names it does not know, for the parameter-name checks.
struct NameCheck {
    /// "a PgBouncer [databases] parameter", "a PostgreSQL parameter", ...
    what: &'static str,
    /// What the product does with an unknown name (the end of the message).
    consequence: &'static str,
    known: &'static crate::suggest::KnownNames,
    /// Severity of an unknown name with no near miss in `known`; None: not reported
    /// (the list may lack third-party options).
    unknown: Option<Severity>,
    /// Where the accepted names are documented, for the help of an unknown name.
    reference: &'static str,
}

/// `[pgbouncer]` settings, `[databases]` and `[users]` parameters: PgBouncer refuses
/// unknown ones (rules-catalogue §1.2 [PGB-LOADER][PGB-CFG]).
fn pgbouncer_name_check(entry: &ConfigEntry) -> Option<(NameCheck, &str)> {
    let (section, name) = match entry.canonical.split_once('.') {
        Some((section @ ("databases" | "users"), name)) => (section, name),
        // As written: PgBouncer looks settings up with `strcmp` (libusual `find_key`),
        // so `Default_Pool_Size` is unknown to it [PGB-LOADER].
        _ => ("pgbouncer", entry.key.strip_prefix("pgbouncer.")?),
    };
    let (what, consequence) = match section {
        // A rejected entry fails the whole load (libusual's `parse_ini_file` stops at
        // a handler that returns false), as for the `[pgbouncer]` section.
        "databases" => ("a PgBouncer [databases] parameter", "PgBouncer rejects the entry with \"unrecognized connection parameter\" and stops loading the configuration file, so it does not start (a reload keeps the previous configuration)"),
        "users" => ("a PgBouncer [users] parameter", "PgBouncer rejects the [users] entry and stops loading the configuration file, so it does not start (a reload keeps the previous configuration)"),
        _ => ("a PgBouncer setting", "PgBouncer logs \"unknown parameter\" and refuses the configuration file, so it does not start with it"),
    };
    let check = NameCheck {
        what,
        consequence,
        known: parameters::pgbouncer_names(section),
        unknown: Some(Severity::Error),
        reference: "the PgBouncer configuration reference (https://www.pgbouncer.org/config.html)",
    };
    Some((check, name))
}

/// PostgreSQL refuses to start with an unrecognized parameter in `postgresql.conf`
/// ("configuration file … contains errors"; on reload the change is not applied).
/// Names with a dot are extension options, accepted whatever they are.
fn postgres_name_check(entry: &ConfigEntry) -> Option<(NameCheck, &str)> {
    let name = entry.canonical.as_str();
    if name.contains('.') {
        return None;
    }
    let check = NameCheck {
        what: "a parameter of PostgreSQL 12 to 18",
        consequence: "PostgreSQL refuses to start with an unrecognized parameter in its configuration file or on its command line (on a reload the change is silently not applied)",
        known: parameters::postgres_parameters(),
        // A newer release may add names the list (PostgreSQL 12 to 18) lacks.
        unknown: Some(Severity::Warning),
        reference: "the parameters of your PostgreSQL version (SHOW ALL, or https://www.postgresql.org/docs/current/runtime-config.html)",
    };
    Some((check, name))
}

/// `mysqld` stops at start-up on an unknown option in a server group, unless it is
/// written with the `loose-` prefix. Only near misses are reported: server plugins and
/// forks (Percona Server) add options the list does not have.
fn mysql_name_check(entry: &ConfigEntry) -> Option<(NameCheck, &str)> {
    if !parameters::is_mysql_server_group(entry.profile.as_deref()) {
        return None;
    }
    // mysqld matches names and the `loose-` prefix with their case.
    let written = entry.key.trim().replace('-', "_");
    if written.starts_with("loose_") || entry.canonical.contains('.') {
        return None;
    }
    let known = parameters::mysql_options();
    let name = entry.canonical.as_str();
    // Boolean options take `skip-`/`enable-`/`disable-`, any option `maximum-`, and
    // MariaDB accepts any unambiguous prefix of a name.
    let accepted = ["skip_", "enable_", "disable_", "maximum_"]
        .iter()
        .any(|prefix| {
            name.strip_prefix(prefix)
                .is_some_and(|rest| known.binary_search(&rest).is_ok())
        })
        || is_prefix_of_one(name, known);
    if accepted {
        return None;
    }
    let check = NameCheck {
        what: "a MySQL or MariaDB server option",
        consequence: "mysqld stops at start-up with \"unknown variable\" (write it as `loose-…` if it belongs to an optional plugin)",
        known,
        unknown: None,
        reference: "the server options of your MySQL or MariaDB version (mysqld --verbose --help)",
    };
    Some((check, name))
}

/// Whether `name` begins one of the `known` names (sorted): those are together, from
/// the first name not below `name` on.
fn is_prefix_of_one(name: &str, known: &[&str]) -> bool {
    let first = known.partition_point(|k| *k < name);
    known.get(first).is_some_and(|k| k.starts_with(name))
}

/// Entries whose name the product does not know: an error with did-you-mean when a
/// known name is a near miss (at most `max_distance` edits away, a heuristic), else
/// the check's own severity.
fn unknown_names(model: &Model, max_distance: usize) -> Vec<Diagnostic> {
    let products = [Ecosystem::PgBouncer, Ecosystem::Postgres, Ecosystem::MySql];
    products
        .into_iter()
        .flat_map(|product| model.entries.of(product))
        .filter_map(|entry| {
            let (check, name) = match entry.ecosystem {
                Ecosystem::PgBouncer => pgbouncer_name_check(entry)?,
                Ecosystem::Postgres => postgres_name_check(entry)?,
                Ecosystem::MySql => mysql_name_check(entry)?,
                _ => return None,
            };
            if check.known.is_empty() || check.known.binary_search(&name).is_ok() {
                return None;
            }
            let written = entry.key.rsplit('.').next().unwrap_or(name);
            if !is_plain_name(written) {
                return Some(not_a_name(entry, written, &check));
            }
            let meant = crate::suggest::same_but_case(name, check.known)
                .or_else(|| check.known.within_edits(name, max_distance));
            // Not reported: no message to write (most of a large `my.cnf`'s options).
            if meant.is_none() && check.unknown.is_none() {
                return None;
            }
            let message = format!("`{written}` is not {}: {}", check.what, check.consequence);
            match meant {
                Some(meant) => {
                    let help = format!("did you mean `{meant}`?");
                    let finding = at_key(entry, Severity::Error, message, "unknown name", help);
                    Some(with_rename(finding, entry, written, meant))
                }
                None => {
                    let help = format!("check the name against {}", check.reference);
                    Some(at_key(entry, check.unknown?, message, "unknown name", help))
                }
            }
        })
        .collect()
}

/// Section headers of a `pgbouncer.ini` PgBouncer does not know: it matches them with
/// `strcmp` (libusual `find_sect`), so `[PgBouncer]` is not `[pgbouncer]`, logs
/// `invalid section "PgBouncer"` and does not start (PgBouncer 1.18). The section's
/// settings are not read as `[pgbouncer]`'s; the fix writes the name in its case.
/// From the poolers, not the entries: per unit, the model holds no pooler.
fn unknown_pgbouncer_sections(pooler: &crate::model::Pooler) -> Vec<Diagnostic> {
    pooler
        .unknown_sections
        .iter()
        .map(|section| {
            let written = &section.name;
            let message = format!(
                "`[{written}]` is not a PgBouncer section (PgBouncer matches section names case-sensitively): PgBouncer logs `invalid section \"{written}\"` and does not start, and poollint does not read its settings as another section's"
            );
            let meant = crate::suggest::same_but_case(written, parameters::PGBOUNCER_SECTIONS);
            let help = match meant {
                Some(meant) => format!("did you mean `[{meant}]`?"),
                None => "PgBouncer's sections are [pgbouncer], [databases], [users] and [peers] (1.19+)".to_owned(),
            };
            let finding = Diagnostic::new(&META, Severity::Error, section.location, message)
                .with_label("unknown section")
                .with_help(help)
                .with_key(format!("[{written}]"));
            match meant {
                Some(meant) => finding.with_key_fix(section.location, written, meant),
                None => finding,
            }
        })
        .collect()
}

/// `[pgbouncer]` settings a later `[pgbouncer]` header sets back to their defaults
/// (libusual's `load_handler` calls `fill_defaults` at every header; PgBouncer 1.18 ran
/// `default_pool_size = 150` followed by a second header with 20): a warning at the
/// key, since PgBouncer starts and silently uses the default.
fn reset_pgbouncer_settings(pooler: &crate::model::Pooler) -> Vec<Diagnostic> {
    pooler
        .reset_settings
        .iter()
        .map(|reset| {
            Diagnostic::new(
                &META,
                Severity::Warning,
                reset.location,
                format!("`{}` has no effect: a later `[pgbouncer]` header sets every [pgbouncer] setting before it back to its default, and PgBouncer uses the default", reset.key),
            )
            .with_label("reset by a later [pgbouncer] header")
            .with_related(Some(reset.header), "the later [pgbouncer] header")
            .with_key(format!("pgbouncer.{}", reset.key))
            .with_help("keep one [pgbouncer] header (in the file and the files it includes), with every setting after it")
        })
        .collect()
}

/// A name as a parameter's can be written: letters, digits, `_` and `-`.
fn is_plain_name(written: &str) -> bool {
    written
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
}

/// Text read where a name belongs that no name can be (`postgresql://app:…` before a
/// `=`: a URL in a PgBouncer entry, whose password may hold `=`): reported without
/// quoting it, nor naming it in the finding's key, since it may hold a password.
fn not_a_name(entry: &ConfigEntry, written: &str, check: &NameCheck) -> Diagnostic {
    let message = format!(
        "the text before `=` here is not {} (it holds characters no name has, such as a URL's): {}",
        check.what, check.consequence
    );
    let help = "write the entry as `key=value` pairs (host=… port=… dbname=…), not a URL";
    let key = entry
        .key
        .strip_suffix(written)
        .map_or(entry.key.as_str(), |k| k.trim_end_matches('.'));
    at_key(
        entry,
        Severity::Error,
        message,
        "not a parameter name",
        help.to_owned(),
    )
    .with_key(key.to_owned())
}

#[cfg(test)]
mod tests {
    use super::is_prefix_of_one;

    #[test]
    fn a_prefix_is_found_as_a_scan_of_the_list_would_find_it() {
        let known = crate::model::parameters::mysql_options();
        let names = [
            "innodb_buffer",
            "max_conn",
            "max_connections",
            "a",
            "zz",
            "",
            "~",
        ];
        for name in names {
            let scanned = known.iter().any(|k| k.starts_with(name));
            assert_eq!(is_prefix_of_one(name, known), scanned, "{name}");
        }
        assert!(is_prefix_of_one("max_conn", known));
        assert!(!is_prefix_of_one("custom_opt_1", known));
    }
}
