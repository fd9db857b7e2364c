//! `hikari-leak-detection-invalid`: HikariCP leak-detection-threshold below 2 s or above max-lifetime is disabled at start-up.
//!
//! `validateNumerics()`: `leakDetectionThreshold > 0` and (`< 2000` or `> maxLifetime`
//! with `maxLifetime > 0`) ⇒ disabled at start-up, with a WARN log line [HK-CFG][HK-README]. Suggested values:
//! about 2x `connectionTimeout` [HK-I859] or 1-2 minutes [HK-I738].
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::hikari::{self, signed_millis};
use crate::model::{Model, Pool};
use crate::rules::{
    hikari_pools, key_of, located, ms_text, origin_note, signed_ms_text, Category, Inputs,
    RuleMeta, RuleOptions,
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

/// What a threshold HikariCP turns off at start-up does.
const DISABLED: &str = "HikariCP disables leak detection at start-up (only a WARN in its log)";

fn check(pool: &Pool) -> Option<Diagnostic> {
    let threshold_setting = &*pool.leak_detection_threshold()?;
    let written = signed_millis(threshold_setting).filter(|_| threshold_setting.is_explicit())?;
    let threshold = u64::try_from(written).unwrap_or(0);
    let life = hikari::effective(pool).max_lifetime_ms.unwrap_or(0);
    // `validateNumerics` checks only a threshold above 0: a negative one is kept, and
    // `ProxyLeakTaskFactory` schedules its check (`!= 0`) with that delay: at once.
    let (reason, consequence, label) = if written < 0 {
        (
            "negative".to_owned(),
            "HikariCP keeps it and checks each borrowed connection for a leak at once, so every borrow logs \"Connection leak detection triggered\" with a stack trace",
            "every borrow reported as a leak",
        )
    } else if threshold == 0 {
        return None;
    } else if threshold < hikari::MIN_LEAK_DETECTION_MS {
        (
            "below HikariCP's 2 s minimum".to_owned(),
            DISABLED,
            "leak detection disabled",
        )
    } else if life > 0 && threshold > life {
        let reason = format!(
            "above max-lifetime {}{}",
            ms_text(life),
            origin_note(&pool.max_lifetime.origin)
        );
        (reason, DISABLED, "leak detection disabled")
    } else {
        return None;
    };
    let message = format!(
        "leak-detection-threshold is {}, {reason}: {consequence}",
        signed_ms_text(written)
    );
    Some(
        Diagnostic::new(
            &META,
            Severity::Warning,
            located(threshold_setting, pool)?,
            message,
        )
        .with_label(label)
        .with_help(help(life))
        .with_key(key_of(threshold_setting, pool, "leak-detection-threshold"))
        .with_fingerprint(format!("{written}/{life}")),
    )
}

/// A threshold HikariCP keeps: 60 s (long enough to avoid false alarms) when the pool's
/// max-lifetime (`life`, 0: unbounded) is above it, else half of max-lifetime (a value
/// above it is disabled too).
fn help(life: u64) -> String {
    let example = match life {
        0 => 60_000,
        life => (life / 2).clamp(hikari::MIN_LEAK_DETECTION_MS, 60_000),
    };
    format!("set leak-detection-threshold between 2000 and max-lifetime, e.g. {example}: long enough that a slow but healthy transaction raises no false alarm")
}

#[cfg(test)]
mod tests {
    /// The example is a threshold HikariCP keeps: below max-lifetime (it suggested
    /// 60000-120000 above a 45 s max-lifetime, which disables leak detection again).
    #[test]
    fn the_example_stays_below_max_lifetime() {
        assert!(super::help(45_000).contains("e.g. 22500:"));
        assert!(super::help(0).contains("e.g. 60000:"));
        assert!(super::help(1_800_000).contains("e.g. 60000:"));
        assert!(super::help(3_000).contains("e.g. 2000:"));
    }
}
