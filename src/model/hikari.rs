//! HikariCP's own rules, in one place: its bindable properties, defaults and what
//! `HikariConfig.validateNumerics()` does to the configured values at start-up.
//! Source: rules-catalogue.md §1.1.1 [HK-CFG] (HikariConfig.java) and [HK-README].

use std::time::Duration;

use super::{Pool, Setting};

/// Where HikariCP's defaults are documented.
pub const DOC: &str = "HikariConfig.java defaults (rules-catalogue.md §1.1.1)";

/// Where a HikariCP setting not written comes from: HikariCP's defaults, shown at the
/// pool's `anchor`.
pub fn default_origin(anchor: Option<super::Location>) -> super::Origin {
    super::Origin::Default {
        library: super::Library::HikariCp.name_text(),
        doc: &DOC,
        anchor,
    }
}

pub const DEFAULT_POOL_SIZE: i64 = 10;
pub const CONNECTION_TIMEOUT_MS: u64 = 30_000;
pub const VALIDATION_TIMEOUT_MS: u64 = 5_000;
pub const IDLE_TIMEOUT_MS: u64 = 600_000;
pub const MAX_LIFETIME_MS: u64 = 1_800_000;
/// `keepaliveTime` when not set, and what HikariCP puts in place of a value it refuses,
/// from HikariCP 6.2.1 on: `DEFAULT_KEEPALIVE_TIME = MINUTES.toMillis(2)` (HikariCP's
/// pull requests #2372 and #2394 correct the Javadoc that still said 0). Before 6.2.1 it
/// is 0 (disabled), as rules-catalogue §1.1 gives it, and Spring Boot 3.4 and earlier
/// ship HikariCP 5. Which one runs is not in the configuration, so poollint counts only
/// a keepalive written and accepted as protection, and messages say both.
pub const KEEPALIVE_TIME_MS: u64 = 120_000;
/// `com.zaxxer.hikari.timeoutMs.floor`: connection and validation timeouts below it throw.
pub const SOFT_TIMEOUT_FLOOR_MS: u64 = 250;

/// The lowest millisecond value `suspicious-time-unit` does not take for seconds written
/// in the wrong unit (rules-catalogue HY09: a millisecond setting in `[1, 999]`).
pub const PLAUSIBLE_MILLIS_FLOOR: u64 = 1_000;

/// A `validation-timeout` to suggest with a `connection-timeout` of `connection_ms` when
/// the pool's (`validation_ms`, 5000 by default) is not below it: half of it, at least
/// the 250 ms floor, so that it passes `hikari-timeout-constraints` (rules-catalogue:
/// `validationTimeout` ≥ 250 and less than `connectionTimeout`). None when the current
/// one is fine or `connection_ms` is 0 (infinite) or too low for any (≤ 250).
pub fn validation_to_suggest(connection_ms: u64, validation_ms: u64) -> Option<u64> {
    if connection_ms == 0 || validation_ms < connection_ms || connection_ms <= SOFT_TIMEOUT_FLOOR_MS
    {
        return None;
    }
    Some((connection_ms / 2).max(SOFT_TIMEOUT_FLOOR_MS))
}

/// ", and validation-timeout below it, e.g. N" for a help that suggests a
/// `connection-timeout` of `connection_ms`, when the pool's validation timeout would not
/// be below it; empty otherwise.
pub fn with_validation_below(connection_ms: u64, validation: Option<&Setting<Duration>>) -> String {
    let current = validation.and_then(millis).unwrap_or(VALIDATION_TIMEOUT_MS);
    validation_to_suggest(connection_ms, current)
        .map(|v| format!(", and validation-timeout below it (it is {current}), e.g. {v}"))
        .unwrap_or_default()
}
/// `maxLifetime` and `keepaliveTime` below 30 s are reset to their defaults.
pub const MIN_LIFETIME_MS: u64 = 30_000;
pub const MIN_IDLE_TIMEOUT_MS: u64 = 10_000;
pub const MIN_LEAK_DETECTION_MS: u64 = 2_000;

/// HikariConfig's bindable JavaBean properties in Spring's kebab form (setters of
/// HikariConfig.java). Keys under `spring.datasource.hikari.` outside this list are
/// ignored by Spring Boot's binder.
pub const PROPERTIES: &[&str] = &[
    "allow-pool-suspension",
    "auto-commit",
    "catalog",
    "connection-init-sql",
    "connection-test-query",
    "connection-timeout",
    "credentials",
    "data-source",
    "data-source-class-name",
    "data-source-jndi",
    "data-source-properties",
    "driver-class-name",
    "exception-override",
    "exception-override-class-name",
    "health-check-properties",
    "health-check-registry",
    "idle-timeout",
    "initialization-fail-timeout",
    "isolate-internal-queries",
    "jdbc-url",
    "keepalive-time",
    "leak-detection-threshold",
    "max-lifetime",
    "maximum-pool-size",
    "metric-registry",
    "metrics-tracker-factory",
    "minimum-idle",
    "password",
    "pool-name",
    "read-only",
    "register-mbeans",
    "scheduled-executor",
    "schema",
    "thread-factory",
    "transaction-isolation",
    "username",
    "validation-timeout",
];

/// Properties whose value is a map with free-form keys (not normalised, not checked).
pub const MAP_PROPERTIES: &[&str] = &["data-source-properties", "health-check-properties"];

/// Spring's canonical form of a key element: lower case without `-` and `_`.
pub fn canonical(element: &str) -> String {
    let mut out = String::with_capacity(element.len());
    push_canonical(&mut out, element);
    out
}

/// Append the canonical form of `element` to `out`; keys are nearly always ASCII, which
/// skips Unicode lower-casing (it showed in profiles of large repositories).
pub fn push_canonical(out: &mut String, element: &str) {
    // Most elements are canonical as written (`spring`, `datasource`, `url`): one pass
    // tells, and they are copied whole.
    let written_canonical = element
        .bytes()
        .all(|b| b.is_ascii() && !matches!(b, b'-' | b'_' | b'A'..=b'Z'));
    if written_canonical {
        out.push_str(element);
    } else if element.is_ascii() {
        // One byte at a time: copying the words between separators cost a call each.
        out.reserve(element.len());
        for b in element.bytes().filter(|b| *b != b'-' && *b != b'_') {
            out.push(char::from(b.to_ascii_lowercase()));
        }
    } else {
        out.extend(canonical_chars(element));
    }
}

fn canonical_chars(element: &str) -> impl Iterator<Item = char> + '_ {
    element
        .chars()
        .filter(|c| *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
}

/// The kebab property name for a canonical element (`maximumpoolsize` → `maximum-pool-size`).
pub fn property_for(canonical_element: &str) -> Option<&'static str> {
    property_for_bytes(canonical_element.as_bytes())
}

/// [`property_for`] of a canonical element given as bytes (a caller that builds it in
/// a buffer of its own need not check it is UTF-8).
pub fn property_for_bytes(canonical_element: &[u8]) -> Option<&'static str> {
    // Looked up for every key of every Spring file: a sorted index, not a scan of the
    // properties comparing each relaxed form (it showed in profiles). Sorted by length
    // first, so most steps of the search compare lengths, not bytes.
    static BY_CANONICAL: std::sync::LazyLock<Vec<(String, &'static str)>> =
        std::sync::LazyLock::new(|| {
            let mut index: Vec<_> = PROPERTIES.iter().map(|p| (canonical(p), *p)).collect();
            index.sort_unstable_by(|(a, _), (b, _)| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
            index
        });
    let at = BY_CANONICAL
        .binary_search_by(|(canonical, _)| {
            let canonical = canonical.as_bytes();
            canonical
                .len()
                .cmp(&canonical_element.len())
                .then_with(|| canonical.cmp(canonical_element))
        })
        .ok()?;
    BY_CANONICAL.get(at).map(|(_, property)| *property)
}

/// True when `canonical` is the canonical form of `property`, compared in place (no
/// string is built). ASCII properties (all of HikariCP's) are compared byte by byte:
/// their canonical form is ASCII, so a non-ASCII `canonical` never matches.
pub fn is_canonical_of(canonical: &str, property: &str) -> bool {
    if !property.is_ascii() {
        return canonical_chars(property).eq(canonical.chars());
    }
    let folded = property
        .bytes()
        .filter(|b| *b != b'-' && *b != b'_')
        .map(|b| b.to_ascii_lowercase());
    canonical.bytes().eq(folded)
}

/// The values HikariCP actually runs with after `validateNumerics()`, in milliseconds
/// and connections. `None` where a value is not known statically.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Effective {
    pub max: Option<i64>,
    pub min: Option<i64>,
    pub max_lifetime_ms: Option<u64>,
    pub keepalive_ms: Option<u64>,
    /// 0: idle connections are not closed.
    pub idle_timeout_ms: Option<u64>,
}

/// The millisecond properties whose setters take a negative value (HikariCP's
/// `setMaxLifetime`, `setKeepaliveTime`, `setLeakDetectionThreshold` check none;
/// `setConnectionTimeout`, `setIdleTimeout` and `setValidationTimeout` throw).
pub const TAKES_NEGATIVE: [&str; 3] =
    ["max-lifetime", "keepalive-time", "leak-detection-threshold"];

/// A setting's milliseconds, negative ones included ([`crate::model::InvalidCause::Negative`]).
pub fn signed_millis(setting: &Setting<Duration>) -> Option<i64> {
    match &setting.value {
        crate::model::Val::Invalid(invalid) => match invalid.cause {
            Some(crate::model::InvalidCause::Negative(v)) => Some(v),
            _ => None,
        },
        _ => ms(setting).map(|v| i64::try_from(v).unwrap_or(i64::MAX)),
    }
}

fn ms(setting: &Setting<Duration>) -> Option<u64> {
    setting
        .get()
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Millisecond value of an optional setting.
pub fn millis(setting: &Setting<Duration>) -> Option<u64> {
    ms(setting)
}

/// Apply HikariCP's silent corrections, in its order: `maxLifetime` below 30 s → 30 min;
/// `idleTimeout` within 1 s of `maxLifetime` or above it → 0, below 10 s → 10 min;
/// `keepaliveTime` below 30 s or not below `maxLifetime` → `DEFAULT_KEEPALIVE_TIME`
/// (logged as "disabling it"), counted as 0: off before HikariCP 6.2.1, 2 minutes from
/// it on ([`KEEPALIVE_TIME_MS`]); pool size below 1 → 10; `minimumIdle` negative or
/// above max → max.
pub fn effective(pool: &Pool) -> Effective {
    // A negative lifetime or keepalive is below the 30 s floor too.
    let max_lifetime_ms = signed_millis(&pool.max_lifetime).map(|v| match u64::try_from(v) {
        Ok(v) if v == 0 || v >= MIN_LIFETIME_MS => v,
        _ => MAX_LIFETIME_MS,
    });
    let keepalive_ms =
        signed_millis(&pool.keepalive).map(|k| match (u64::try_from(k), max_lifetime_ms) {
            (Ok(0), _) => 0,
            (Ok(k), Some(life)) if k >= MIN_LIFETIME_MS && (life == 0 || k < life) => k,
            (Ok(k), None) if k >= MIN_LIFETIME_MS => k,
            _ => 0,
        });
    // First "close to or more than maxLifetime, disabling it", then the 10 s floor.
    let idle_timeout_ms = ms(&pool.idle_timeout).map(|idle| match max_lifetime_ms {
        Some(life) if life > 0 && idle.saturating_add(1000) > life => 0,
        _ if idle != 0 && idle < MIN_IDLE_TIMEOUT_MS => IDLE_TIMEOUT_MS,
        _ => idle,
    });
    let max = pool
        .max
        .get()
        .map(|&m| if m < 1 { DEFAULT_POOL_SIZE } else { m });
    let min = match (pool.min.get(), max) {
        (Some(&min), Some(max)) if min < 0 || min > max => Some(max),
        (Some(&min), _) => Some(min),
        _ => None,
    };
    Effective {
        max,
        min,
        max_lifetime_ms,
        keepalive_ms,
        idle_timeout_ms,
    }
}

impl Effective {
    /// True when the pool is fixed-size (`minimumIdle == maximumPoolSize`).
    pub fn is_fixed(&self) -> Option<bool> {
        Some(self.min? == self.max?)
    }
}

/// `max-lifetime` as HikariCP runs it (`effective_ms`, from [`effective`]), for
/// messages: `unbounded (0)`, `4 min`, or the reset value with what was written
/// (rules-catalogue LT01: below 30 s it is reset to 30 min).
pub fn lifetime_text(pool: &Pool, effective_ms: u64) -> String {
    if effective_ms == 0 {
        return "unbounded (0)".to_owned();
    }
    let text = super::human_duration(Duration::from_millis(effective_ms));
    match ms(&pool.max_lifetime) {
        Some(written) if written != effective_ms => format!(
            "{text} (HikariCP resets the written {written} ms, below its 30 s minimum, to {MAX_LIFETIME_MS} ms)"
        ),
        _ => text,
    }
}

/// `keepalive-time` as HikariCP runs it (`effective_ms`, from [`effective`]), for
/// messages: `2 min`, `off (0)`, or, when not set or refused (rules-catalogue LT06:
/// below 30 s or not below `maxLifetime`), HikariCP's default, which depends on its
/// version ([`KEEPALIVE_TIME_MS`]).
pub fn keepalive_text(pool: &Pool, effective_ms: u64) -> String {
    const DEFAULT: &str = "HikariCP's default: off before 6.2.1, every 2 min from 6.2.1 on";
    match ms(&pool.keepalive) {
        Some(written) if written != effective_ms && written < MIN_LIFETIME_MS => {
            format!("{DEFAULT} (it refuses the written {written} ms, below its 30 s minimum)")
        }
        Some(written) if written != effective_ms => {
            format!("{DEFAULT} (it refuses the written {written} ms, not below max-lifetime)")
        }
        _ if effective_ms == 0 && !pool.keepalive.is_explicit() => format!("not set ({DEFAULT})"),
        _ if effective_ms == 0 => "off (0)".to_owned(),
        _ => super::human_duration(Duration::from_millis(effective_ms)),
    }
}

/// A `keepalive-time` to suggest that HikariCP keeps (at least 30 s, rules-catalogue
/// LT06) and that pings idle connections before `below` (an idle limit, or
/// `maxLifetime`, which a keepalive must also stay under): half of it, at least 30 s.
/// None when `below` is 30 s or less: no keepalive HikariCP accepts is short enough.
pub fn keepalive_to_suggest(below: Duration) -> Option<u64> {
    let below_ms = u64::try_from(below.as_millis()).unwrap_or(u64::MAX);
    (below_ms > MIN_LIFETIME_MS).then(|| (below_ms / 2).max(MIN_LIFETIME_MS))
}

/// [`keepalive_to_suggest`] below an idle `limit` and the pool's `lifetime_ms` as
/// HikariCP runs it (0: unbounded), which a keepalive must also stay under.
pub fn keepalive_below_limit(limit: Duration, lifetime_ms: u64) -> Option<u64> {
    let below = match lifetime_ms {
        0 => limit,
        ms => limit.min(Duration::from_millis(ms)),
    };
    keepalive_to_suggest(below)
}

/// A keepalive that pings idle connections before an idle limit, and the max-lifetime it
/// needs when the pool's is too short for one HikariCP keeps (a keepalive must stay
/// below max-lifetime, LT06).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeepaliveFix {
    pub keepalive_ms: u64,
    pub raise_lifetime_ms: Option<u64>,
}

impl KeepaliveFix {
    /// "keepalive-time to K ms", and " with max-lifetime at least L ms" when it must rise.
    pub fn text(&self) -> String {
        match self.raise_lifetime_ms {
            Some(lifetime) => format!(
                "keepalive-time to {} ms with max-lifetime at least {lifetime} ms (a keepalive must stay below it)",
                self.keepalive_ms
            ),
            None => format!("keepalive-time to {} ms", self.keepalive_ms),
        }
    }
}

/// [`keepalive_below_limit`], or when the pool's max-lifetime (`lifetime_ms`, 0:
/// unbounded) leaves no keepalive HikariCP keeps below it, one below `limit` alone with
/// max-lifetime raised to twice it. None when `limit` is 30 s or less: no keepalive
/// HikariCP keeps is short enough.
pub fn keepalive_fix(limit: Duration, lifetime_ms: u64) -> Option<KeepaliveFix> {
    if let Some(keepalive_ms) = keepalive_below_limit(limit, lifetime_ms) {
        return Some(KeepaliveFix {
            keepalive_ms,
            raise_lifetime_ms: None,
        });
    }
    let keepalive_ms = keepalive_to_suggest(limit)?;
    Some(KeepaliveFix {
        keepalive_ms,
        raise_lifetime_ms: Some(keepalive_ms.saturating_mul(2)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A max-lifetime too short for a keepalive HikariCP keeps (30 s, under a 60 s
    /// idle limit) is raised with it: the help said no keepalive could fit, and to raise
    /// the 60 s limit "above 30 s".
    #[test]
    fn a_keepalive_fix_raises_a_max_lifetime_too_short_for_it() {
        let minute = Duration::from_secs(60);
        let fix = |lifetime| keepalive_fix(minute, lifetime);
        assert_eq!(
            fix(30_000),
            Some(KeepaliveFix {
                keepalive_ms: 30_000,
                raise_lifetime_ms: Some(60_000)
            })
        );
        assert_eq!(
            fix(1_800_000),
            Some(KeepaliveFix {
                keepalive_ms: 30_000,
                raise_lifetime_ms: None
            })
        );
        assert_eq!(keepalive_fix(Duration::from_secs(30), 1_800_000), None);
        assert_eq!(
            fix(30_000).map(|f| f.text()).as_deref(),
            Some("keepalive-time to 30000 ms with max-lifetime at least 60000 ms (a keepalive must stay below it)")
        );
    }

    #[test]
    fn every_property_is_found_by_its_canonical_form_and_only_by_it() {
        for property in PROPERTIES {
            assert_eq!(property_for(&canonical(property)), Some(*property));
        }
        let mut forms: Vec<String> = PROPERTIES.iter().map(|p| canonical(p)).collect();
        forms.sort();
        forms.dedup();
        assert_eq!(forms.len(), PROPERTIES.len(), "two properties share a form");
        assert_eq!(property_for("maximum-pool-size"), None);
        assert_eq!(property_for("url"), None);
    }

    /// The idle-timeout HikariCP runs for a Spring pool written with `idle` and
    /// `max-lifetime: life`.
    fn idle_runs(idle: u64, life: u64) -> Option<u64> {
        let yaml = format!("spring:\n  datasource:\n    hikari:\n      minimum-idle: 2\n      idle-timeout: {idle}\n      max-lifetime: {life}\n");
        let (model, _) = crate::ecosystems::read_one(
            &crate::ecosystems::spring::Spring,
            "application.yml",
            crate::syntax::Format::Yaml,
            &yaml,
        );
        model.pools.first()?.effective().idle_timeout_ms
    }

    #[test]
    fn idle_timeouts_are_corrected_as_hikari_corrects_them() {
        assert_eq!(idle_runs(60_000, 1_800_000), Some(60_000));
        // Below 10 s: reset to 10 min.
        assert_eq!(idle_runs(5_000, 1_800_000), Some(IDLE_TIMEOUT_MS));
        // Within 1 s of max-lifetime or above it: disabled, before the 10 s floor.
        assert_eq!(idle_runs(1_799_500, 1_800_000), Some(0));
        // A max-lifetime below 30 s is reset to 30 min first.
        assert_eq!(idle_runs(5_000, 5_500), Some(IDLE_TIMEOUT_MS));
    }

    #[test]
    fn suggested_keepalives_are_ones_hikari_keeps_and_below_the_bound() {
        assert_eq!(
            keepalive_to_suggest(Duration::from_secs(600)),
            Some(300_000)
        );
        assert_eq!(keepalive_to_suggest(Duration::from_secs(40)), Some(30_000));
        assert_eq!(keepalive_to_suggest(Duration::from_secs(30)), None);
        assert_eq!(keepalive_to_suggest(Duration::ZERO), None);
    }
}
