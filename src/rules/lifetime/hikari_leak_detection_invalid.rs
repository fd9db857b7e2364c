//! `hikari-leak-detection-invalid`: HikariCP leak-detection-threshold below 2 s or above max-lifetime is disabled at start-up.
//!
//! `validateNumerics()`: `leakDetectionThreshold > 0` and (`< 2000` or `> maxLifetime`
//! with `maxLifetime > 0`) ⇒ disabled at start-up, with a WARN log line [HK-CFG][HK-README]. Suggested values:
//! about 2x `connectionTimeout` [HK-I859] or 1-2 minutes [HK-I738].
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::hikari::{self, millis};
use crate::model::{Model, Pool};
use crate::rules::{
    hikari_pools, key_of, located, ms_text, origin_note, Category, Inputs, RuleMeta, RuleOptions,
};

pub static META: RuleMeta = RuleMeta {
    name: "hikari-leak-detection-invalid",
    category: Category::Lifetime,
    default_severity: Severity::Warning,
    inputs: Inputs::ConfigOnly,
    summary:
        "HikariCP leak-detection-threshold below 2 s or above max-lifetime is disabled at start-up.",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut crate::rules::Findings) {
        for pool in hikari_pools(model) {
            out.extend(check(pool));
        }
    }
}

fn check(pool: &Pool) -> Option<Diagnostic> {
    let threshold_setting = &*pool.leak_detection_threshold()?;
    let threshold = millis(threshold_setting).filter(|_| threshold_setting.is_explicit())?;
    let life = hikari::effective(pool).max_lifetime_ms.unwrap_or(0);
    let reason = if threshold == 0 {
        return None;
    } else if threshold < hikari::MIN_LEAK_DETECTION_MS {
        "below HikariCP's 2 s minimum".to_owned()
    } else if life > 0 && threshold > life {
        format!(
            "above max-lifetime {}{}",
            ms_text(life),
            origin_note(&pool.max_lifetime.origin)
        )
    } else {
        return None;
    };
    let message = format!(
        "leak-detection-threshold is {}, {reason}: HikariCP disables leak detection at start-up (only a WARN in its log)",
        ms_text(threshold)
    );
    Some(
        Diagnostic::new(&META, Severity::Warning, located(threshold_setting, pool)?, message)
            .with_label("leak detection disabled")
            .with_help("set leak-detection-threshold between 2000 and max-lifetime; about 2x connection-timeout or 60000-120000 avoids false alarms")
            .with_key(key_of(threshold_setting, pool, "leak-detection-threshold"))
            .with_fingerprint(format!("{threshold}/{life}")),
    )
}
