//! `server-idle-timeout-kills-pooled-connections`: PostgreSQL's `idle_session_timeout`
//! closes sessions a pool keeps idle on purpose (catalogue TO08 [PG-CLIENT][PGB-CFG]):
//! an error when the pool keeps connections idle longer than the server allows (a
//! minimum above 0 with no idle retirement first, or `idle-timeout` at or above it, or
//! PgBouncer `server_idle_timeout` at or above it).
use std::time::Duration;

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::links::{pools, Links};
use crate::model::{human_duration, Model};
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

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut Vec<Diagnostic>) {
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
            if let Some(pooler) = pooler {
                let Some(idle) = pooler.server_idle_timeout.as_ref() else {
                    continue;
                };
                let Some(&kept) = idle.get() else { continue };
                if kept >= limit {
                    if let Some(at) = idle.location() {
                        out.push(finding(model, at, &format!("PgBouncer {} keeps server connections idle for up to {} (server_idle_timeout, {})", pooler.name, human_duration(kept), place(model, &idle.origin)), limit, limit_setting, idle.origin.key()));
                    }
                }
                continue;
            }
            for pool in pools(model, service) {
                let min = pool.min.get().copied().unwrap_or(0);
                let idle = pool.idle_timeout.get().copied().unwrap_or(Duration::ZERO);
                let kept = if min > 0 { None } else { Some(idle) };
                let too_long = match kept {
                    None => true,
                    Some(idle) => idle.is_zero() || idle >= limit,
                };
                if !too_long {
                    continue;
                }
                let (at, what) = if min > 0 {
                    (
                        pool.min.location().or(pool.anchor),
                        format!(
                            "pool {} keeps {min} connections open when idle (minimum, {})",
                            pool.name,
                            place(model, &pool.min.origin)
                        ),
                    )
                } else {
                    (
                        pool.idle_timeout.location().or(pool.anchor),
                        format!(
                            "pool {} keeps idle connections for {} (idle-timeout, {})",
                            pool.name,
                            human_duration(idle),
                            place(model, &pool.idle_timeout.origin)
                        ),
                    )
                };
                let key = if min > 0 {
                    written_key(&pool.min)
                } else {
                    written_key(&pool.idle_timeout)
                };
                if let Some(at) = at {
                    out.push(finding(model, at, &what, limit, limit_setting, key));
                }
            }
        }
    }
}

fn finding(
    model: &Model,
    at: crate::model::Location,
    what: &str,
    limit: Duration,
    limit_setting: &crate::model::Setting<Duration>,
    key: Option<&str>,
) -> Diagnostic {
    let diagnostic = Diagnostic::new(
        &META,
        Severity::Error,
        at,
        format!(
            "{what}, but the database closes sessions idle for {} (idle_session_timeout, {}): the pool hands out connections the server already closed",
            human_duration(limit),
            place(model, &limit_setting.origin)
        ),
    )
    .with_label("kept idle past the server's limit")
    .with_related(limit_setting.location(), "idle_session_timeout")
    .with_help(format!(
        "unset idle_session_timeout for the application's role (PostgreSQL recommends it only for interactive users), or retire idle connections well before {}",
        human_duration(limit)
    ))
    .with_fingerprint(format!("{what}:{}", limit.as_millis()));
    match key {
        Some(key) => diagnostic.with_key(key.to_owned()),
        None => diagnostic,
    }
}

/// The key a pool diagnostic names: only a key that is written in the file.
fn written_key(setting: &crate::model::Setting<impl Sized>) -> Option<&str> {
    setting.origin.key()
}
