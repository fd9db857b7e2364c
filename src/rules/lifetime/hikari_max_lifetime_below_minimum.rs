//! `hikari-max-lifetime-below-minimum`: HikariCP max-lifetime below 30 s is reset to 30 minutes at start-up.
//!
//! `validateNumerics()`: `maxLifetime ≠ 0 and < 30000` is reset to 1800000 ms with only a
//! WARN [HK-CFG] — an attempt to shorten the lifetime lengthens it to 30 minutes.
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::hikari::{self, signed_millis};
use crate::model::{Model, Pool};
use crate::rules::{
    hikari_pools, key_of, located, ms_text, signed_ms_text, Category, Inputs, RuleMeta, RuleOptions,
};

pub static META: RuleMeta = RuleMeta {
    name: "hikari-max-lifetime-below-minimum",
    category: Category::Lifetime,
    default_severity: Severity::Error,
    inputs: Inputs::ConfigOnly,
    summary: "HikariCP max-lifetime below 30 s is reset to 30 minutes at start-up.",
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
    let life = &pool.max_lifetime;
    // A negative value too: `setMaxLifetime` checks none, `validateNumerics` resets it.
    let ms = signed_millis(life).filter(|_| life.is_explicit())?;
    if ms == 0 || u64::try_from(ms).is_ok_and(|ms| ms >= hikari::MIN_LIFETIME_MS) {
        return None;
    }
    let message = format!(
        "max-lifetime is {}, below HikariCP's 30 s minimum: HikariCP resets it to {} at start-up (only a WARN in its log), so connections live 30 minutes, not shorter",
        signed_ms_text(ms),
        ms_text(hikari::MAX_LIFETIME_MS)
    );
    Some(
        Diagnostic::new(&META, Severity::Error, located(life, pool)?, message)
            .with_label(format!("{ms} ms < 30000 ms"))
            .with_help("set max-lifetime to at least 30000 (milliseconds), and below the shortest database or network idle limit by more than a margin: over 60 s below MySQL's wait_timeout, over 5 s below other limits")
            .with_key(key_of(life, pool, "max-lifetime"))
            .with_fingerprint(ms.to_string()),
    )
}
