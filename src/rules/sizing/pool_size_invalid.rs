//! `pool-size-invalid`: The pool's maximum is below 1 or its minimum is negative: the pool refuses to start.
//!
//! HikariCP's setters throw `IllegalArgumentException` while Spring binds the
//! properties, so the application fails to start [HK-CFG].
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Model, Pool, Setting, Val};
use crate::rules::{hikari_pools, key_of, located, Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "pool-size-invalid",
    category: Category::Sizing,
    default_severity: Severity::Error,
    inputs: Inputs::ConfigOnly,
    summary: "The pool's maximum is below 1 or its minimum is negative: the pool refuses to start.",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut Vec<Diagnostic>) {
        for pool in hikari_pools(model) {
            let checks = [
                (
                    &pool.max,
                    "maximum-pool-size",
                    1,
                    "maxPoolSize cannot be less than 1",
                ),
                (
                    &pool.min,
                    "minimum-idle",
                    0,
                    "minimumIdle cannot be negative",
                ),
            ];
            for (setting, property, floor, thrown) in checks {
                if setting.is_explicit() {
                    out.extend(check_count(pool, setting, property, floor, thrown));
                }
            }
        }
    }
}

fn check_count(
    pool: &Pool,
    setting: &Setting<i64>,
    property: &str,
    floor: i64,
    thrown: &str,
) -> Option<Diagnostic> {
    let at = located(setting, pool)?;
    let key = key_of(setting, pool, property);
    let (message, label) = match &setting.value {
        Val::Known(v) if *v < floor => (
            format!(
                "{property} is {v}: HikariCP throws IllegalArgumentException(\"{thrown}\") while Spring binds it, so the application fails to start"
            ),
            format!("{v} is below {floor}"),
        ),
        Val::Invalid { raw, reason } => (
            format!("{property} `{raw}` cannot be bound ({reason}), so the application fails to start"),
            "not a valid connection count".to_owned(),
        ),
        _ => return None,
    };
    let help = if property == "minimum-idle" {
        "remove minimum-idle (the pool is then fixed-size, as HikariCP recommends) or set it between 0 and maximum-pool-size".to_owned()
    } else {
        "set maximum-pool-size to a whole number of at least 1 (HikariCP's default is 10)"
            .to_owned()
    };
    Some(
        Diagnostic::new(&META, Severity::Error, at, message)
            .with_label(label)
            .with_help(help)
            .with_key(key)
            .with_fingerprint(format!("{:?}", setting.value)),
    )
}
