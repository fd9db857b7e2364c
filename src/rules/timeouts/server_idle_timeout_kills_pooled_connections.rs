//! `server-idle-timeout-kills-pooled-connections`: PostgreSQL's `idle_session_timeout`
//! closes sessions a pool keeps idle on purpose (catalogue TO08 [PG-CLIENT][PGB-CFG]).
//! The longest a connection can sit idle is the shortest of what closes, retires or
//! pings it: the pool's idle timeout (only with a minimum of 0), its max lifetime and its
//! keepalive (HikariCP: the values it runs with), or PgBouncer's `server_idle_timeout`
//! (0: never) and `server_lifetime` (unused server connections older than it are
//! closed; 0: used once). An error when that is strictly longer than the server's limit
//! (or unbounded), a warning when it equals it (TO08: "error when … strictly longer").
use std::time::Duration;

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::hikari;
use crate::model::links::{pools, Links};
use crate::model::{human_duration, Library, Location, Model, Origin, Pool, Pooler, Setting};
use crate::rules::topology::place;
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "server-idle-timeout-kills-pooled-connections",
    category: Category::Timeouts,
    default_severity: Severity::Error,
    inputs: Inputs::NeedsTopology,
    summary: "The database closes idle sessions that a pool or pooler keeps open on purpose.",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut crate::rules::Findings) {
        let links = Links::new(model);
        for service in &model.services {
            let Some((database, pooler)) = links.service_database(service) else {
                continue;
            };
            let Some(limit_setting) = &database.idle_session_timeout else {
                continue;
            };
            let Some(&limit) = limit_setting.get() else {
                continue;
            };
            if limit.is_zero() {
                continue;
            }
            let server = ServerLimit {
                limit,
                setting: limit_setting,
            };
            if let Some(pooler) = pooler {
                out.extend(pooler_idle(model, pooler).and_then(|k| finding(model, &k, &server)));
                continue;
            }
            for pool in pools(model, service) {
                out.extend(pool_idle(model, pool).and_then(|k| finding(model, &k, &server)));
            }
        }
    }
}

/// The database's `idle_session_timeout`.
struct ServerLimit<'m> {
    limit: Duration,
    setting: &'m Setting<Duration>,
}

/// How long a pool or pooler can keep one connection idle (None: forever), said as a
/// fact for the message, with the setting that decides it.
struct Kept {
    longest: Option<Duration>,
    what: String,
    /// What `what` says without the places it cites (paths relative to the working
    /// directory), for the fingerprint.
    identity: String,
    at: Option<Location>,
    key: Option<String>,
    /// How to shorten it, for the help line.
    fix: Fix,
}

#[derive(Clone, Copy)]
enum Fix {
    Pooler,
    /// HikariCP, with the max-lifetime it runs with (a keepalive must stay below it).
    Hikari {
        lifetime_ms: u64,
    },
    /// Another library, named for its own setting, and whether the pool keeps a
    /// minimum of idle connections (which some libraries never close).
    Other {
        library: Library,
        keeps_min: bool,
    },
}

/// One thing that ends a connection's idle time: its duration, what it is, its setting.
struct Bound<'p> {
    after: Duration,
    what: &'static str,
    name: &'static str,
    origin: &'p Origin,
}

fn pooler_idle(model: &Model, pooler: &Pooler) -> Option<Kept> {
    let idle_setting = pooler.server_idle_timeout.as_ref()?;
    let idle = *idle_setting.get()?;
    let lifetime_setting = pooler.server_lifetime.as_ref();
    let lifetime = match lifetime_setting {
        Some(setting) => Some(*setting.get()?),
        None => None,
    };
    // server_lifetime 0: a server connection is used once, never kept idle.
    if lifetime.is_some_and(|l| l.is_zero()) {
        return None;
    }
    let mut what = if idle.is_zero() {
        format!(
            "PgBouncer {} never closes idle server connections (server_idle_timeout 0, {})",
            pooler.name,
            place(model, &idle_setting.origin)
        )
    } else {
        format!(
            "PgBouncer {} keeps server connections idle for up to {} (server_idle_timeout, {})",
            pooler.name,
            human_duration(idle),
            place(model, &idle_setting.origin)
        )
    };
    let retired = lifetime
        .zip(lifetime_setting)
        .filter(|(l, _)| idle.is_zero() || *l < idle);
    let longest = match retired {
        Some((lifetime, setting)) => {
            what.push_str(&format!(
                " and closes unused ones after {} (server_lifetime, {})",
                human_duration(lifetime),
                place(model, &setting.origin)
            ));
            Some(lifetime)
        }
        None => (!idle.is_zero()).then_some(idle),
    };
    // Point at server_idle_timeout: the help says to lower it.
    Some(Kept {
        longest,
        what,
        identity: format!(
            "{}:{}:{:?}",
            pooler.name,
            idle.as_millis(),
            retired.map(|r| r.0)
        ),
        at: idle_setting.location(),
        key: idle_setting.origin.key().map(str::to_owned),
        fix: Fix::Pooler,
    })
}

fn pool_idle(model: &Model, pool: &Pool) -> Option<Kept> {
    // An idle timeout the library refuses (tarn.js throws for knex's
    // `idleTimeoutMillis: 0`) is no "never": the pool does not start.
    if matches!(pool.idle_timeout.value, crate::model::Val::Invalid(_)) {
        return None;
    }
    let effective = pool.effective();
    let (min, lifetime, keepalive) = (
        effective.min?,
        effective.max_lifetime_ms?,
        effective.keepalive_ms?,
    );
    // The idle timeout closes only connections above the minimum.
    let idle = if min <= 0 {
        effective.idle_timeout_ms.unwrap_or(0)
    } else {
        0
    };
    let candidates = [
        (
            idle,
            "closes them after",
            "idle-timeout",
            &pool.idle_timeout,
        ),
        (
            lifetime,
            "retires them after",
            "max-lifetime",
            &pool.max_lifetime,
        ),
        (keepalive, "pings them every", "keepalive", &pool.keepalive),
    ];
    let first = candidates
        .into_iter()
        .filter(|(ms, ..)| *ms != 0)
        .map(|(ms, what, name, setting)| Bound {
            after: Duration::from_millis(ms),
            what,
            name,
            origin: &setting.origin,
        })
        .min_by_key(|b| b.after);
    let mut what = if min > 0 {
        format!(
            "pool {} keeps {min} connections open when idle (minimum, {})",
            pool.name,
            place(model, &pool.min.origin)
        )
    } else {
        format!("pool {} keeps idle connections", pool.name)
    };
    let (at, key) = match &first {
        Some(b) => {
            what.push_str(&format!(
                " and {} {} ({}, {})",
                b.what,
                human_duration(b.after),
                property(b.origin, b.name),
                place(model, b.origin)
            ));
            (b.origin.location(), b.origin.key())
        }
        None => {
            what.push_str(" and nothing closes, retires or pings them");
            // The setting that would have to change: the minimum, else the idle timeout.
            let setting_origin = if min > 0 {
                &pool.min.origin
            } else {
                &pool.idle_timeout.origin
            };
            (setting_origin.location(), setting_origin.key())
        }
    };
    let bound = first.as_ref().map(|b| (b.name, b.after.as_millis()));
    Some(Kept {
        longest: first.map(|b| b.after),
        what,
        identity: format!("{}:{min}:{bound:?}", pool.name),
        at: at.or(pool.anchor),
        key: key.map(str::to_owned),
        fix: if pool.library == Library::HikariCp {
            Fix::Hikari {
                lifetime_ms: lifetime,
            }
        } else {
            Fix::Other {
                library: pool.library,
                keeps_min: min > 0,
            }
        },
    })
}

/// The last element of the key a setting is written under (`max-lifetime`, `max_age`),
/// else the canonical name.
fn property<'a>(origin: &'a Origin, canonical: &'a str) -> &'a str {
    origin.written_name().unwrap_or(canonical)
}

/// The help's way to end idle time before `limit`.
fn fix_text(fix: Fix, limit: Duration) -> String {
    let limit_text = human_duration(limit);
    match fix {
        Fix::Pooler => format!(
            "set server_idle_timeout (seconds) below {limit_text}, e.g. {}",
            super::half_in_seconds(limit)
        ),
        // A keepalive HikariCP keeps: at least 30 s and below max-lifetime (LT06).
        Fix::Hikari { lifetime_ms } => {
            match hikari::keepalive_fix(limit, lifetime_ms) {
                Some(fix) => format!(
                    "set {} so idle connections are pinged before {limit_text}",
                    fix.text()
                ),
                None => format!(
                    "raise it above 30 s: HikariCP keeps no keepalive-time below 30 s, so nothing pings idle connections before {limit_text}"
                ),
            }
        }
        Fix::Other { library, keeps_min } => other_fix(library, keeps_min, limit),
    }
}

/// The setting of a library other than HikariCP that ends idle time before `limit`, in
/// its unit, with an example of half the limit; the generic advice for the others.
fn other_fix(library: Library, keeps_min: bool, limit: Duration) -> String {
    let limit_text = human_duration(limit);
    let half_ms = limit.as_millis() / 2;
    let half_s = (limit.as_secs() / 2).max(1);
    match library {
        // Rails 8.1 pings idle connections every `keepalive` seconds; `idle_timeout`
        // closes those above `min_connections`.
        Library::ActiveRecord => format!(
            "set keepalive (seconds, Rails 8.1) below {limit_text}, e.g. {half_s}, or idle_timeout (seconds) below it{}",
            if keeps_min { " with min_connections 0" } else { "" }
        ),
        // tarn.js never closes the `min` connections; `idleTimeoutMillis` the others.
        Library::Knex => format!(
            "set pool.idleTimeoutMillis below {limit_text}, e.g. {half_ms}{}",
            if keeps_min { ", and pool.min to 0 (tarn.js never closes the min connections)" } else { "" }
        ),
        Library::NodePostgres => {
            format!("set idleTimeoutMillis below {limit_text}, e.g. {half_ms} (0 keeps idle clients forever)")
        }
        Library::Sequelize => format!("set pool.idle (milliseconds) below {limit_text}, e.g. {half_ms}"),
        Library::TypeOrm => {
            format!("set extra.idleTimeoutMillis below {limit_text}, e.g. {half_ms}")
        }
        Library::Prisma => format!(
            "set max_idle_connection_lifetime (seconds) in the URL below {limit_text}, e.g. {half_s}"
        ),
        // Npgsql's pool refuses an idle lifetime below its pruning interval (10 s).
        Library::Npgsql => format!(
            "set Connection Idle Lifetime (seconds) below {limit_text}, e.g. {half_s}{}{}",
            if half_s < 10 {
                format!(", and Connection Pruning Interval to {half_s} or less (Npgsql refuses an idle lifetime below it, 10 by default)")
            } else {
                String::new()
            },
            if keeps_min { ", and Minimum Pool Size to 0 (Npgsql keeps that many open)" } else { "" }
        ),
        _ => format!("have the pool close, retire or ping idle connections before {limit_text}"),
    }
}

fn finding(model: &Model, kept: &Kept, server: &ServerLimit) -> Option<Diagnostic> {
    let (severity, consequence) = match kept.longest {
        Some(longest) if longest < server.limit => return None,
        Some(longest) if longest == server.limit => (
            Severity::Warning,
            "a connection idle exactly that long races the server closing it",
        ),
        _ => (
            Severity::Error,
            "the pool hands out connections the server already closed",
        ),
    };
    let at = kept.at?;
    let limit = human_duration(server.limit);
    let diagnostic = Diagnostic::new(
        &META,
        severity,
        at,
        format!(
            "{}, but the database closes sessions idle for {limit} (idle_session_timeout, {}): {consequence}",
            kept.what,
            place(model, &server.setting.origin)
        ),
    )
    .with_label("kept idle past the server's limit")
    .with_related(server.setting.location(), "idle_session_timeout")
    .with_help(format!(
        "{}, or unset idle_session_timeout for the application's role (PostgreSQL recommends it only for interactive users; ALTER ROLE is not in the files, so suppress this finding then)",
        fix_text(kept.fix, server.limit)
    ))
    .with_fingerprint(format!("{}:{}", kept.identity, server.limit.as_millis()));
    Some(match &kept.key {
        Some(key) => diagnostic.with_key(key.clone()),
        None => diagnostic,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Npgsql refuses an idle lifetime below its pruning interval (10 s by default): a
    /// help suggesting 4 s lowers the interval too (followed alone, it made Npgsql
    /// refuse every connection).
    #[test]
    fn the_npgsql_help_lowers_the_pruning_interval_under_ten_seconds() {
        let short = other_fix(Library::Npgsql, false, Duration::from_secs(8));
        assert!(
            short.contains("e.g. 4, and Connection Pruning Interval to 4 or less"),
            "{short}"
        );
        let long = other_fix(Library::Npgsql, false, Duration::from_secs(600));
        assert!(!long.contains("Pruning"), "{long}");
    }
}
