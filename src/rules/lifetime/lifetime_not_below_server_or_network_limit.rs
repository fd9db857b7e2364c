//! `lifetime-not-below-server-or-network-limit`: HikariCP's max-lifetime is not safely
//! below the idle limit of the server or pooler in front, and no keepalive below the
//! limit keeps idle connections alive (catalogue LT02 [HK-README][HK-FAQ]): error when
//! the lifetime reaches the limit, warning when it is within the margin (60 s for MySQL
//! `wait_timeout` per HikariCP's FAQ; otherwise the catalogue's "several seconds", a
//! heuristic number: the `margin-seconds` option, 5 s by default). Both values are the ones HikariCP runs with
//! (`hikari::effective`): a max-lifetime below 30 s is reset to 30 min (LT01) and a
//! keepalive below 30 s is disabled (LT06), so the written values would hide the problem.
use std::time::Duration;

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::hikari::{self, Effective};
use crate::model::links::{each_hikari_pool_under_idle_limit, IdleLimit};
use crate::model::{human_duration, Model, Pool};
use crate::rules::topology::place;
use crate::rules::{key_of, Category, Inputs, RuleMeta, RuleOption, RuleOptions};

static MARGIN_SECONDS: RuleOption = RuleOption {
    name: "margin-seconds",
    default: 5.0,
    doc: "Seconds below a PostgreSQL idle_session_timeout or PgBouncer client_idle_timeout that max-lifetime must stay under, else a warning (heuristic; MySQL's wait_timeout takes 60 s, HikariCP's FAQ).",
    min: 0.0,
    max: 3600.0,
    min_exclusive: false,
    max_exclusive: false,
    aliases: &[],
    whole: false,
};

pub static META: RuleMeta = RuleMeta {
    name: "lifetime-not-below-server-or-network-limit",
    category: Category::Lifetime,
    default_severity: Severity::Error,
    inputs: Inputs::NeedsTopology,
    summary: "Pooled connections live longer than the server or pooler lets them sit idle.",
    options: &[MARGIN_SECONDS],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, options: &RuleOptions, out: &mut crate::rules::Findings) {
        // The manifest refuses values outside 0 to 3600 (and NaN); the fallback only
        // keeps this free of a panic path.
        let heuristic = Duration::try_from_secs_f64(options.get(&MARGIN_SECONDS))
            .unwrap_or(Duration::from_secs(5));
        each_hikari_pool_under_idle_limit(model, |pool, limit| {
            let margin = limit.margin.unwrap_or(heuristic);
            out.extend(finding(model, pool, limit, margin));
        });
    }
}

/// What the message says happens: at or past the limit the server closes connections
/// before the pool retires them; within the margin it has not happened yet, but the
/// pool retires them so little before the limit that timing can decide.
fn consequence(lifetime: Duration, limit: &IdleLimit, margin: Duration) -> String {
    if lifetime.is_zero() || lifetime >= limit.limit {
        return "the pool hands out connections the server already closed".to_owned();
    }
    let source = match limit.margin {
        Some(_) => "HikariCP's FAQ",
        None => "heuristic, option margin-seconds",
    };
    format!(
        "the pool retires a connection only {} before the server may close it, within the {} margin ({source}), so a connection can be closed as it is handed out",
        human_duration(limit.limit.saturating_sub(lifetime)),
        human_duration(margin),
    )
}

fn finding(model: &Model, pool: &Pool, limit: &IdleLimit, margin: Duration) -> Option<Diagnostic> {
    let effective = hikari::effective(pool);
    let lifetime_ms = effective.max_lifetime_ms?;
    let keepalive_ms = effective.keepalive_ms?;
    let lifetime = Duration::from_millis(lifetime_ms);
    if keepalive_ms != 0 && Duration::from_millis(keepalive_ms) < limit.limit {
        return None;
    }
    let unbounded = lifetime.is_zero();
    let severity = if unbounded || lifetime >= limit.limit {
        Severity::Error
    } else if lifetime + margin >= limit.limit {
        Severity::Warning
    } else {
        return None;
    };
    let at = pool.max_lifetime.location().or(pool.anchor)?;
    let lifetime_text = hikari::lifetime_text(pool, lifetime_ms);
    let mut diagnostic = Diagnostic::new(
        &META,
        severity,
        at,
        format!(
            "pool {}'s max-lifetime is {lifetime_text} ({}) but {} closes connections idle for {} ({}), and its keepalive is {}: {}",
            pool.name,
            place(model, &pool.max_lifetime.origin),
            limit.what,
            human_duration(limit.limit),
            place(model, &limit.setting.origin),
            hikari::keepalive_text(pool, keepalive_ms),
            consequence(lifetime, limit, margin),
        ),
    )
    .with_label(format!("lifetime {}", human_or_unbounded(lifetime)))
    .with_related(limit.setting.location(), "idle limit")
    .with_help(help(pool, &effective, limit, margin))
    .with_fingerprint(format!("{}:{}", pool.name, limit.limit.as_secs()));
    if pool.max_lifetime.is_explicit() {
        diagnostic = diagnostic.with_key(key_of(&pool.max_lifetime, pool, "max-lifetime"));
    }
    Some(diagnostic)
}

fn human_or_unbounded(lifetime: Duration) -> String {
    if lifetime.is_zero() {
        "unbounded (0)".to_owned()
    } else {
        human_duration(lifetime)
    }
}

/// What to set, with values HikariCP keeps: a max-lifetime of at least 30 s (LT01) with
/// an idle-timeout below it (LT03), or a keepalive of at least 30 s below both the limit
/// and the current max-lifetime (LT06).
fn help(pool: &Pool, effective: &Effective, limit: &IdleLimit, margin: Duration) -> String {
    // The rule warns from the limit minus the margin on (catalogue LT02: `maxLifetime ≥
    // K − margin`): a second below it passes.
    let target = limit
        .limit
        .saturating_sub(margin)
        .saturating_sub(Duration::from_secs(1));
    let target_ms = u64::try_from(target.as_millis()).unwrap_or(u64::MAX);
    let mut options = Vec::new();
    if target_ms >= hikari::MIN_LIFETIME_MS {
        options.push(format!(
            "set max-lifetime to at most {target_ms} ms ({}){}",
            human_duration(target),
            idle_timeout_below(pool, effective, target_ms)
        ));
    }
    let lifetime_ms = effective.max_lifetime_ms.unwrap_or(0);
    if let Some(fix) = hikari::keepalive_fix(limit.limit, lifetime_ms) {
        options.push(format!("set {}", fix.text()));
    }
    if options.is_empty() {
        return format!(
            "raise the idle limit above 30 s or remove it for the application's role: HikariCP keeps no max-lifetime or keepalive-time below 30 s, and {} leaves no margin above that",
            human_duration(limit.limit)
        );
    }
    options.join(", or ")
}

/// ", with idle-timeout at most N ms" when the pool retires idle connections and its
/// idle-timeout would reach the suggested lifetime (HikariCP then disables it, LT03).
fn idle_timeout_below(pool: &Pool, effective: &Effective, lifetime_ms: u64) -> String {
    let idle_ms = hikari::millis(&pool.idle_timeout).unwrap_or(hikari::IDLE_TIMEOUT_MS);
    let fixed = effective.is_fixed().unwrap_or(true);
    if fixed || idle_ms == 0 || idle_ms.saturating_add(1000) <= lifetime_ms {
        return String::new();
    }
    format!(
        ", with idle-timeout at most {} ms",
        lifetime_ms.saturating_sub(1000)
    )
}
