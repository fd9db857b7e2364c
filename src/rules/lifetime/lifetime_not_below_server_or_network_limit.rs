//! `lifetime-not-below-server-or-network-limit`: HikariCP's max-lifetime is not safely
//! below the idle limit of the server or pooler in front, and no keepalive below the
//! limit keeps idle connections alive (catalogue LT02 [HK-README][HK-FAQ]): error when
//! the lifetime reaches the limit, warning when it is within the margin (60 s for MySQL
//! `wait_timeout`, 5 s otherwise).
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::links::{idle_limit, pools, Links};
use crate::model::{human_duration, Library, Model};
use crate::rules::topology::place;
use crate::rules::{key_of, Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "lifetime-not-below-server-or-network-limit",
    category: Category::Lifetime,
    default_severity: Severity::Error,
    inputs: Inputs::NeedsTopology,
    summary: "Pooled connections live longer than the server or pooler lets them sit idle.",
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
            let Some(limit) = idle_limit(&links, service) else {
                continue;
            };
            for pool in pools(model, service).filter(|p| p.library == Library::HikariCp) {
                let Some(&lifetime) = pool.max_lifetime.get() else {
                    continue;
                };
                let keepalive = pool.keepalive.get().copied().unwrap_or_default();
                if !keepalive.is_zero() && keepalive < limit.limit {
                    continue;
                }
                let unbounded = lifetime.is_zero();
                let severity = if unbounded || lifetime >= limit.limit {
                    Severity::Error
                } else if lifetime + limit.margin > limit.limit {
                    Severity::Warning
                } else {
                    continue;
                };
                let Some(at) = pool.max_lifetime.location().or(pool.anchor) else {
                    continue;
                };
                let lifetime_text = if unbounded {
                    "unbounded (0)".to_owned()
                } else {
                    human_duration(lifetime)
                };
                let target = limit.limit.saturating_sub(limit.margin);
                let mut diagnostic = Diagnostic::new(
                    &META,
                    severity,
                    at,
                    format!(
                        "pool {}'s max-lifetime is {lifetime_text} ({}) but {} closes connections idle for {} ({}), and no keepalive below that keeps them alive: the pool hands out connections the server already closed",
                        pool.name,
                        place(model, &pool.max_lifetime.origin),
                        limit.what,
                        human_duration(limit.limit),
                        place(model, &limit.setting.origin),
                    ),
                )
                .with_label(format!("lifetime {lifetime_text}"))
                .with_related(limit.setting.location(), "idle limit")
                .with_help(format!(
                    "set max-lifetime to at most {} ms ({}), or keepalive-time below {}",
                    target.as_millis(),
                    human_duration(target),
                    human_duration(limit.limit)
                ))
                .with_fingerprint(format!("{}:{}", pool.name, limit.limit.as_secs()));
                if pool.max_lifetime.is_explicit() {
                    diagnostic =
                        diagnostic.with_key(key_of(&pool.max_lifetime, pool, "max-lifetime"));
                }
                out.push(diagnostic);
            }
        }
    }
}
