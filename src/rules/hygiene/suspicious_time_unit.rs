//! `suspicious-time-unit`: A time value looks like it was written in the wrong unit (seconds in a millisecond setting, or similar).
//!
//! Heuristic [INC-HK1600][INC-HK1483]: HikariCP times are milliseconds [HK-README]. A
//! value from 1 to 999 there is probably seconds; a value written with a unit (`30s`)
//! cannot be bound to HikariCP's `long` and fails start-up (error).
use std::time::Duration;

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{parse_unit_duration, Model, Pool, Setting, Val};
use crate::rules::{hikari_pools, key_of, located, Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "suspicious-time-unit",
    category: Category::Hygiene,
    default_severity: Severity::Warning,
    inputs: Inputs::ConfigOnly,
    summary: "A time value looks like it was written in the wrong unit (seconds in a millisecond setting, or similar).",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut Vec<Diagnostic>) {
        for pool in hikari_pools(model) {
            let settings = [
                (Some(&pool.acquire_timeout), "connection-timeout"),
                (Some(&pool.idle_timeout), "idle-timeout"),
                (Some(&pool.max_lifetime), "max-lifetime"),
                (Some(&pool.keepalive), "keepalive-time"),
                (
                    pool.leak_detection_threshold.as_ref(),
                    "leak-detection-threshold",
                ),
            ];
            for (setting, property) in settings {
                if let Some(setting) = setting.filter(|s| s.is_explicit()) {
                    out.extend(check(pool, setting, property));
                }
            }
        }
    }
}

fn check(pool: &Pool, setting: &Setting<Duration>, property: &str) -> Option<Diagnostic> {
    let at = located(setting, pool)?;
    let key = key_of(setting, pool, property);
    match &setting.value {
        Val::Invalid { raw, reason } => {
            let help = match parse_unit_duration(raw) {
                Some(d) => format!("write {} (milliseconds) instead of `{raw}`", d.as_millis()),
                None => format!("write a whole number of milliseconds for {property}"),
            };
            let message =
                format!("{property} cannot be bound: {reason}, so the application fails to start");
            Some(
                Diagnostic::new(&META, Severity::Error, at, message)
                    .with_label("not a number of milliseconds")
                    .with_help(help)
                    .with_key(key)
                    .with_fingerprint(raw.clone()),
            )
        }
        Val::Known(d) if (1..1000).contains(&d.as_millis()) => {
            let ms = d.as_millis();
            let message = format!(
                "{property} is {ms} ms; HikariCP reads milliseconds, so this looks like {ms} seconds written in the wrong unit"
            );
            Some(
                Diagnostic::new(&META, Severity::Warning, at, message)
                    .with_label(format!("{ms} ms"))
                    .with_help(format!("if {ms} seconds was meant, write {}", ms * 1000))
                    .with_key(key)
                    .with_fingerprint(ms.to_string()),
            )
        }
        _ => None,
    }
}
