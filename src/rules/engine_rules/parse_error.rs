//! `parse-error`: reported by the engine when a file cannot be read as its format (see
//! `crate::engine`). Over the model it reports what PgBouncer itself cannot read in a
//! `pgbouncer.ini` poollint did read: a `[databases]` or `[users]` entry that is not
//! all `key=value` (an end-of-line comment), and a `pool_mode` or `auth_type` that is
//! none of PgBouncer's values [PGB-LOADER][PGB-MAIN]; a `pgbouncer.ini` without a
//! `[pgbouncer]` section; and a Spring profile expression
//! Spring cannot parse (`Malformed profile expression`) or a profile property where
//! Spring Boot refuses it, with which Spring Boot does not start (a warning for the
//! legacy `spring.profiles` condition, which only Spring Boot 3 refuses); a Kubernetes
//! rollout value the API server refuses (`maxSurge: "2"`, `maxSurge` and
//! `maxUnavailable` both 0), with which `kubectl apply` fails (a warning for a
//! StatefulSet's `maxUnavailable: 0`, which only versions with the
//! `MaxUnavailableStatefulSet` feature gate on refuse); a HorizontalPodAutoscaler
//! Kubernetes never applies (`minReplicas` above `maxReplicas`, refused by the API
//! server; a warning for a target its controller cannot scale, `FailedGetScale`, or
//! shares with another autoscaler, `AmbiguousSelector`); a compose service
//! whose `scale` and `deploy.replicas` differ, or whose `extends:` runs into a cycle or
//! a service the file does not define, which compose-go refuses (the engine reports a
//! required compose `env_file`, or a file `extends:` names, missing from the
//! repository, as a missing include, a warning); a Sidekiq `concurrency` with
//! which Sidekiq does not start (0, a Float, a String); and a PostgreSQL
//! `autovacuum_max_workers`, `max_worker_processes` or `max_wal_senders` that takes the
//! server processes past `MAX_BACKENDS` when it is set (PostgreSQL 12 to 17 check each
//! as it comes; the reader finds them, `ecosystems::postgres`).

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::parameters::{PGBOUNCER_AUTH_TYPES, PGBOUNCER_POOL_MODES};
use crate::model::{
    EntryStop, InvalidCause, Location, Model, Pooler, RefusalStage, RefusedEntry, Setting, Val,
};
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};

/// `parse-error`: a file that cannot be read as its format. Other files go on.
pub static PARSE_ERROR: RuleMeta = RuleMeta {
    name: "parse-error",
    category: Category::Engine,
    default_severity: Severity::Error,
    inputs: Inputs::Engine,
    summary: "A file could not be read as its format (it was skipped and the other files were checked), or PgBouncer refuses a pgbouncer.ini entry or value, or Spring a profile expression.",
    options: &[],
};

pub struct ParseError;

impl crate::rules::Rule for ParseError {
    fn meta(&self) -> &'static RuleMeta {
        &PARSE_ERROR
    }

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut crate::rules::Findings) {
        for pooler in &model.poolers {
            check_pooler(pooler, out);
        }
        for refused in &model.refused_values {
            out.push(refused_value(refused));
        }
        for service in &model.services {
            out.extend(refused_runtime_count(service));
        }
    }
}

/// A Rails service's thread or process count its server refuses at start-up, as the
/// reader recorded it (`Val::Invalid`): a Sidekiq `concurrency` of 0, a Float or a
/// String (`Sidekiq::Manager` raises `Concurrency of 0 is not supported`, or `times`
/// and `<` fail on the value: sidekiq/sidekiq `lib/sidekiq/manager.rb`). The count the
/// service runs with, after a deployment chose its environment.
fn refused_runtime_count(service: &crate::model::Service) -> Vec<Diagnostic> {
    if service.ecosystem != crate::model::Ecosystem::Rails {
        return Vec::new();
    }
    [service.threads.as_ref(), service.processes.as_deref()]
        .into_iter()
        .flatten()
        .filter_map(|setting| {
            crate::rules::unreadable_server_value(
                &PARSE_ERROR,
                setting,
                "refused at start-up",
                |key| format!("write {key} as an unquoted whole number of at least 1"),
            )
        })
        .collect()
}

/// A value outside a `pgbouncer.ini` that its program refuses at start-up, or the
/// Kubernetes API server when it is applied (a warning when only some versions refuse
/// it).
fn refused_value(refused: &crate::model::RefusedValue) -> Diagnostic {
    let (severity, label) = match (refused.stage, refused.warning) {
        (RefusalStage::Apply, true) => (Severity::Warning, "refused by some versions"),
        (RefusalStage::Apply, false) => (Severity::Error, "refused when applied"),
        (RefusalStage::StartUp, true) => (Severity::Warning, "refused by some versions"),
        (RefusalStage::StartUp, false) => (Severity::Error, "refused at start-up"),
        (RefusalStage::Controller, _) => (Severity::Warning, "not applied by its controller"),
        (RefusalStage::NotRead, _) => (Severity::Warning, "not read by poollint"),
    };
    Diagnostic::new(
        &PARSE_ERROR,
        severity,
        refused.location,
        refused.reason.clone(),
    )
    .with_label(label)
    .with_help(refused.fix)
    .with_fingerprint(&refused.reason)
}

/// What PgBouncer refuses in one `pgbouncer.ini`.
fn check_pooler(pooler: &Pooler, out: &mut crate::rules::Findings) {
    for refused in &pooler.refused {
        let reason = refusal_reason(refused);
        out.push(
            Diagnostic::new(
                &PARSE_ERROR,
                Severity::Error,
                refused.location,
                reason.clone(),
            )
            .with_label("PgBouncer stops here")
            .with_help(refusal_fix(refused.stop))
            .with_fingerprint(reason),
        );
    }
    let global = [
        (pooler.pool_mode.as_ref(), Lookup::POOL_MODE),
        (pooler.auth_type.as_ref(), Lookup::AUTH_TYPE),
    ];
    for (setting, lookup) in global {
        out.extend(setting.and_then(|s| invalid_lookup(s, lookup, Refuser::Setting)));
    }
    for database in &pooler.databases {
        let refuser = if database.name == "*" {
            Refuser::Fallback
        } else {
            Refuser::Entry
        };
        out.extend(
            database
                .pool_mode
                .as_ref()
                .and_then(|s| invalid_lookup(s, Lookup::POOL_MODE, refuser)),
        );
    }
    for user in &pooler.users {
        out.extend(
            user.pool_mode
                .as_ref()
                .and_then(|s| invalid_lookup(s, Lookup::POOL_MODE, Refuser::Entry)),
        );
    }
}

/// Why PgBouncer refuses an entry, and what it does then (without the entry's values).
fn refusal_reason(refused: &RefusedEntry) -> String {
    let section = refused.section.as_str();
    let log = if section == "users" {
        "syntax error in user settings"
    } else {
        "syntax error in connection string"
    };
    let what = match refused.stop {
        EntryStop::Comment => "an end-of-line comment, which PgBouncer does not allow: it reads it as part of the value, where it is not a `key=value` pair",
        EntryStop::NotAPair => "text that is not a `key=value` pair",
        EntryStop::EmptyName => "a `=` with no parameter name before it",
        EntryStop::EmptyValue => "a parameter with no value",
        EntryStop::Unterminated => "a quoted value that is not closed",
    };
    let consequence = if refused.name == "*" && section == "databases" {
        format!("PgBouncer reads the `*` entry only when a client asks for a database that is not listed; it then logs `{log}` and refuses that client")
    } else {
        format!("PgBouncer logs `{log}` and refuses the configuration file, so it does not start (a reload keeps the previous configuration)")
    };
    format!(
        "the [{section}] entry `{}` has {what}; {consequence}",
        refused.name
    )
}

/// How to write the entry so that PgBouncer reads it.
fn refusal_fix(stop: EntryStop) -> &'static str {
    match stop {
        EntryStop::Comment => "move the comment to a line of its own (starting with `;` or `#`): PgBouncer reads everything after `=` as the value",
        EntryStop::NotAPair => "write every part of the value as `key=value`, and quote a value with spaces in single quotes",
        EntryStop::EmptyName => "write every part of the value as `key=value`",
        EntryStop::EmptyValue => "give the parameter a value, or remove it",
        EntryStop::Unterminated => "close the value with `'` (write `''` for a quote inside it)",
    }
}

/// A setting PgBouncer looks up in a list of names.
#[derive(Clone, Copy)]
struct Lookup {
    name: &'static str,
    known: &'static [&'static str],
}

impl Lookup {
    const POOL_MODE: Lookup = Lookup {
        name: "pool_mode",
        known: PGBOUNCER_POOL_MODES,
    };
    const AUTH_TYPE: Lookup = Lookup {
        name: "auth_type",
        known: PGBOUNCER_AUTH_TYPES,
    };
}

/// Where the refused value is, which decides what PgBouncer does with it.
#[derive(Clone, Copy)]
enum Refuser {
    /// A `[pgbouncer]` setting: `invalid value "…" for parameter …`.
    Setting,
    /// A `[databases]` or `[users]` parameter: `invalid pool mode: …`.
    Entry,
    /// A parameter of the `[databases]` `*` entry, read only for unlisted databases.
    Fallback,
}

/// A `pool_mode` or `auth_type` PgBouncer refuses: what it does, and the value meant
/// (the text before an end-of-line comment, or the nearest known value).
fn invalid_lookup<T>(setting: &Setting<T>, lookup: Lookup, refuser: Refuser) -> Option<Diagnostic> {
    let Val::Invalid(invalid) = &setting.value else {
        return None;
    };
    let at = setting.location()?;
    let key = setting.origin.key()?;
    let raw = invalid.raw.trim();
    let consequence = match refuser {
        Refuser::Setting => format!(
            "PgBouncer logs `invalid value \"{raw}\" for parameter {}` and does not start (a reload keeps the previous configuration)",
            lookup.name
        ),
        Refuser::Entry => format!(
            "PgBouncer logs `invalid pool mode: {raw}` and refuses the configuration file, so it does not start (a reload keeps the previous configuration)"
        ),
        Refuser::Fallback => format!(
            "PgBouncer reads the `*` entry only when a client asks for a database that is not listed; it then logs `invalid pool mode: {raw}` and refuses that client"
        ),
    };
    let separator = match refuser {
        Refuser::Setting => " = ",
        Refuser::Entry | Refuser::Fallback => "=",
    };
    let help = match invalid.cause {
        Some(InvalidCause::EndOfLineComment(at)) => {
            let before = invalid.raw.get(..at).unwrap_or("").trim();
            format!(
                "move the comment to a line of its own and write `{}{separator}{before}`",
                lookup.name
            )
        }
        None | Some(InvalidCause::Misread | InvalidCause::Negative(_)) => {
            match crate::suggest::within_edits(&raw.to_ascii_lowercase(), lookup.known, 2) {
                Some(meant) => format!("did you mean `{meant}`?"),
                None => format!("write one of: {}", lookup.known.join(", ")),
            }
        }
    };
    Some(
        Diagnostic::new(
            &PARSE_ERROR,
            Severity::Error,
            at,
            format!("{key}: {}; {consequence}", invalid.reason),
        )
        .with_label(format!("not a valid {}", lookup.name))
        .with_help(help)
        .with_key(key.to_owned())
        .with_fingerprint(format!("{key}={raw}")),
    )
}

/// A `parse-error` finding at `location` (the engine's and the include follower's).
pub fn at(location: Location, message: &str) -> Diagnostic {
    with_severity(location, message, Severity::Error)
}

/// A `parse-error` where the parser refused the text: the message says what it
/// refused, the help what follows from it.
pub fn syntax(location: Location, message: &str) -> Diagnostic {
    at(location, message).with_help(
        "fix the syntax at this position (in YAML, often a key indented differently from its siblings): poollint skipped the file, so none of its settings were checked",
    )
}

/// A `parse-error` of `severity` at `location` (an include that is missing is a warning).
pub fn with_severity(location: Location, message: &str, severity: Severity) -> Diagnostic {
    Diagnostic::new(&PARSE_ERROR, severity, location, message)
        .with_label("here")
        .with_fingerprint(message)
}
