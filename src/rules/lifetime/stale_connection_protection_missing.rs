//! `stale-connection-protection-missing`: something between the service and its data
//! closes idle connections, the pool can keep a connection idle that long, and nothing
//! protects it (catalogue LT07 [HK-README]): HikariCP `keepalive-time` is 0 (the
//! default) or not below the limit, and `max-lifetime` does not retire connections
//! before the limit (it is 0 or at least the limit). Both are the values HikariCP runs
//! with (`hikari::effective`): a keepalive below 30 s is disabled, a max-lifetime below
//! 30 s becomes 30 min. The limits read are the server's and the pooler's (PostgreSQL
//! `idle_session_timeout`, MySQL `wait_timeout`, PgBouncer `client_idle_timeout`);
//! network idle killers (load balancers, NAT) are not declared anywhere poollint reads yet.
use std::time::Duration;

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::hikari;
use crate::model::links::{each_hikari_pool_under_idle_limit, IdleLimit};
use crate::model::{human_duration, Model, Pool};
use crate::rules::topology::place;
use crate::rules::{key_of, Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "stale-connection-protection-missing",
    category: Category::Lifetime,
    default_severity: Severity::Warning,
    inputs: Inputs::NeedsTopology,
    summary: "Idle pooled connections outlive an idle limit in front of the database and nothing keeps them alive.",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut crate::rules::Findings) {
        each_hikari_pool_under_idle_limit(model, |pool, limit| {
            out.extend(finding(model, pool, limit));
        });
    }
}

fn finding(model: &Model, pool: &Pool, limit: &IdleLimit) -> Option<Diagnostic> {
    let effective = hikari::effective(pool);
    let keepalive_ms = effective.keepalive_ms?;
    let lifetime_ms = effective.max_lifetime_ms?;
    let protected = keepalive_ms != 0 && Duration::from_millis(keepalive_ms) < limit.limit;
    // A connection retired before the limit is never idle that long (LT07: only when
    // the pool can keep a connection idle at least the limit).
    let retired_first = lifetime_ms != 0 && Duration::from_millis(lifetime_ms) < limit.limit;
    if protected || retired_first {
        return None;
    }
    let at = pool.keepalive.location().or(pool.anchor)?;
    let keepalive_text = hikari::keepalive_text(pool, keepalive_ms);
    let mut diagnostic = Diagnostic::new(
        &META,
        Severity::Warning,
        at,
        format!(
            "pool {}'s keepalive is {keepalive_text}{} and it keeps connections for {} (max-lifetime, {}) while {} closes connections idle for {} ({}): an idle connection dies unnoticed and the next request that borrows it fails or stalls",
            pool.name,
            keepalive_place(model, pool),
            hikari::lifetime_text(pool, lifetime_ms),
            place(model, &pool.max_lifetime.origin),
            limit.what,
            human_duration(limit.limit),
            place(model, &limit.setting.origin),
        ),
    )
    .with_label(label(keepalive_ms))
    .with_related(limit.setting.location(), "idle limit")
    .with_help(help(limit.limit))
    .with_fingerprint(format!("{}:{}", pool.name, limit.limit.as_secs()));
    if pool.keepalive.is_explicit() {
        diagnostic = diagnostic.with_key(key_of(&pool.keepalive, pool, "keepalive-time"));
    }
    Some(diagnostic)
}

/// ` (web/application.yml:5)` for a written keepalive; nothing for the default, whose
/// text already says it is HikariCP's default.
fn keepalive_place(model: &Model, pool: &Pool) -> String {
    if pool.keepalive.is_explicit() {
        format!(" ({})", place(model, &pool.keepalive.origin))
    } else {
        String::new()
    }
}

fn label(keepalive_ms: u64) -> String {
    if keepalive_ms == 0 {
        return "keepalive off".to_owned();
    }
    format!(
        "keepalive {}",
        human_duration(Duration::from_millis(keepalive_ms))
    )
}

/// A keepalive HikariCP keeps (at least 30 s) and below the limit; the max-lifetime is
/// at least the limit here, so it is below that too (LT06). Below 30 s no keepalive
/// works: the limit has to go.
fn help(limit: Duration) -> String {
    match hikari::keepalive_to_suggest(limit) {
        Some(keepalive) => format!(
            "set keepalive-time below {} and at least 30000 ms, e.g. {keepalive} (HikariCP pings idle connections at that interval)",
            human_duration(limit)
        ),
        None => format!(
            "raise the idle limit above 30 s or remove it for the application's role: HikariCP keeps no keepalive-time below 30 s, and {} is shorter",
            human_duration(limit)
        ),
    }
}
