//! `hikari-timeout-constraints`: HikariCP connection or validation timeout below 250 ms (start-up failure) or validation timeout not below connection timeout.
//!
//! `connectionTimeout` (non-zero) and `validationTimeout` below the 250 ms floor make the
//! setters throw at start-up (error); `validationTimeout ≥ connectionTimeout` is against
//! the README but not enforced (warning) [HK-CFG][HK-README].
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::hikari::{
    millis, validation_to_suggest, with_validation_below, PLAUSIBLE_MILLIS_FLOOR,
    SOFT_TIMEOUT_FLOOR_MS,
};
use crate::model::{Model, Pool, Setting};
use crate::rules::{
    hikari_pools, key_of, located, ms_text, origin_note, Category, Inputs, RuleMeta, RuleOptions,
};
use std::time::Duration;

pub static META: RuleMeta = RuleMeta {
    name: "hikari-timeout-constraints",
    category: Category::Timeouts,
    default_severity: Severity::Error,
    inputs: Inputs::ConfigOnly,
    summary: "HikariCP connection or validation timeout below 250 ms (start-up failure) or validation timeout not below connection timeout.",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut crate::rules::Findings) {
        for pool in hikari_pools(model) {
            out.extend(below_floor(
                pool,
                &pool.acquire_timeout,
                "connection-timeout",
                true,
            ));
            if let Some(validation) = pool.validation_timeout() {
                out.extend(below_floor(pool, &validation, "validation-timeout", false));
                out.extend(validation_not_below_connection(pool, &validation));
            }
        }
    }
}

/// A timeout below 250 ms throws (`connectionTimeout` 0 is allowed: it means infinite).
fn below_floor(
    pool: &Pool,
    setting: &Setting<Duration>,
    property: &str,
    zero_allowed: bool,
) -> Option<Diagnostic> {
    let ms = millis(setting).filter(|_| setting.is_explicit())?;
    if ms >= SOFT_TIMEOUT_FLOOR_MS || (zero_allowed && ms == 0) {
        return None;
    }
    let message = format!(
        "{property} is {ms} ms, below HikariCP's 250 ms floor: the setter throws IllegalArgumentException and the application fails to start"
    );
    Some(
        Diagnostic::new(&META, Severity::Error, located(setting, pool)?, message)
            .with_label(format!("{ms} ms < 250 ms"))
            .with_help(floor_help(pool, property))
            .with_key(key_of(setting, pool, property))
            .with_fingerprint(ms.to_string()),
    )
}

/// The help for a timeout below the floor, with a value that passes every rule: a
/// connection-timeout of 1000 (below it `suspicious-time-unit` takes the value for
/// seconds) with a validation-timeout below it, or a validation-timeout below the
/// connection-timeout.
fn floor_help(pool: &Pool, property: &str) -> String {
    if property == "connection-timeout" {
        let c = PLAUSIBLE_MILLIS_FLOOR;
        let validation = with_validation_below(c, pool.validation_timeout().as_deref());
        return format!(
            "set connection-timeout to at least 250 (milliseconds), e.g. {c}{validation}"
        );
    }
    match millis(&pool.acquire_timeout) {
        Some(c) if c > 0 && c <= SOFT_TIMEOUT_FLOOR_MS => format!(
            "set validation-timeout to at least 250 (milliseconds) and below connection-timeout, which must then be raised: e.g. connection-timeout {PLAUSIBLE_MILLIS_FLOOR} and validation-timeout {}",
            PLAUSIBLE_MILLIS_FLOOR / 2
        ),
        _ => format!("set {property} to at least 250 (milliseconds)"),
    }
}

/// README: "This value must be less than the connectionTimeout" (not enforced).
fn validation_not_below_connection(
    pool: &Pool,
    validation: &Setting<Duration>,
) -> Option<Diagnostic> {
    let v = millis(validation)?;
    let c = millis(&pool.acquire_timeout)?;
    let explicit = validation.is_explicit() || pool.acquire_timeout.is_explicit();
    if !explicit || c == 0 || v < c || v < SOFT_TIMEOUT_FLOOR_MS || c < SOFT_TIMEOUT_FLOOR_MS {
        return None;
    }
    let (primary, other) = if validation.is_explicit() {
        (validation, &pool.acquire_timeout)
    } else {
        (&pool.acquire_timeout, validation)
    };
    let message = format!(
        "validation-timeout is {}{} but connection-timeout is {}{}: validating one connection can use up the whole time a caller waits for it",
        ms_text(v),
        origin_note(&validation.origin),
        ms_text(c),
        origin_note(&pool.acquire_timeout.origin)
    );
    let help = match validation_to_suggest(c, v) {
        Some(suggestion) => format!(
            "set validation-timeout below connection-timeout, e.g. {suggestion} (HikariCP's README: it must be less than connection-timeout)"
        ),
        // No validation-timeout is both at least 250 and below a connection-timeout of 250.
        None => format!(
            "raise connection-timeout, e.g. to {PLAUSIBLE_MILLIS_FLOOR}, and set validation-timeout below it, e.g. {} (HikariCP's README: it must be less than connection-timeout, and neither may be below 250)",
            PLAUSIBLE_MILLIS_FLOOR / 2
        ),
    };
    Some(
        Diagnostic::new(&META, Severity::Warning, located(primary, pool)?, message)
            .with_label(format!("{v} ms ≥ {c} ms"))
            .with_related(other.location(), "the other timeout")
            .with_help(help)
            .with_key(key_of(validation, pool, "validation-timeout"))
            .with_fingerprint(format!("{v}>={c}")),
    )
}
