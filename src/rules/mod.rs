//! The rule registry. One rule per file under `src/rules/<category>/<name>.rs`; each
//! file defines its metadata and `check(&Model)`. Rules read only the model.

pub mod hygiene;
pub mod lifetime;
pub mod security;
pub mod sizing;
pub mod timeouts;
pub mod topology;

pub mod change;
pub mod concurrency;
pub mod engine_rules;

use std::collections::BTreeMap;

use crate::diagnostic::{Diagnostic, Severity, Text};
use crate::model::{Library, Location, Model, Origin, Pool, Setting};

/// Rule categories, as in the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    Sizing,
    Topology,
    Concurrency,
    Timeouts,
    Lifetime,
    Hygiene,
    Security,
    /// `parse-error` and other findings the engine itself makes.
    Engine,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Sizing => "sizing",
            Category::Topology => "topology",
            Category::Concurrency => "concurrency",
            Category::Timeouts => "timeouts",
            Category::Lifetime => "lifetime",
            Category::Hygiene => "hygiene",
            Category::Security => "security",
            Category::Engine => "engine",
        }
    }
}

/// What a rule needs to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inputs {
    /// The files of one service.
    ConfigOnly,
    /// Declared load from the manifest.
    NeedsLoad,
    /// Cross-file facts: replicas, databases, poolers.
    NeedsTopology,
    /// Produced by the engine, not by a check over the model.
    Engine,
}

impl Inputs {
    pub fn as_str(self) -> &'static str {
        match self {
            Inputs::ConfigOnly => "config-only",
            Inputs::NeedsLoad => "needs load",
            Inputs::NeedsTopology => "needs topology",
            Inputs::Engine => "engine",
        }
    }
}

/// A tunable threshold, settable in `[lint.rules]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RuleOption {
    pub name: &'static str,
    pub default: f64,
    pub doc: &'static str,
    /// The values that mean something (inclusive): the manifest refuses others, at
    /// the value, instead of a rule reading "above -100%".
    pub min: f64,
    pub max: f64,
    /// `min` itself is refused (a bound of 0 % that every loaded pool exceeds).
    pub min_exclusive: bool,
    /// `max` itself is refused (keeping 100 % of a database's slots free).
    pub max_exclusive: bool,
    /// Other names the manifest accepts for it (DESIGN.md's first spelling).
    pub aliases: &'static [&'static str],
    /// Only whole numbers mean something (a count of edits): the manifest refuses a
    /// fraction rather than the rule truncating it silently.
    pub whole: bool,
}

impl RuleOption {
    /// True when `name` names this option.
    pub fn is_named(&self, name: &str) -> bool {
        self.name == name || self.aliases.contains(&name)
    }

    /// True when the manifest accepts `value`.
    pub fn accepts(&self, value: f64) -> bool {
        let above_min = if self.min_exclusive {
            value > self.min
        } else {
            value >= self.min
        };
        let below_max = if self.max_exclusive {
            value < self.max
        } else {
            value <= self.max
        };
        let whole = !self.whole || value.fract() == 0.0;
        above_min && below_max && whole
    }

    /// The accepted values, for messages: `0 to 1`, `more than 0, up to 1`,
    /// `0 to less than 1`.
    pub fn range_text(&self) -> String {
        let range = self.bounds_text();
        if self.whole {
            format!("a whole number, {range}")
        } else {
            range
        }
    }

    fn bounds_text(&self) -> String {
        match (self.min_exclusive, self.max_exclusive) {
            (false, false) => format!("{} to {}", self.min, self.max),
            (true, false) => format!("more than {}, up to {}", self.min, self.max),
            (false, true) => format!("{} to less than {}", self.min, self.max),
            (true, true) => format!("more than {} and less than {}", self.min, self.max),
        }
    }
}

/// What the registry knows about a rule.
#[derive(Debug)]
pub struct RuleMeta {
    pub name: &'static str,
    pub category: Category,
    pub default_severity: Severity,
    pub inputs: Inputs,
    /// One line, shown by `poollint rules` and as SARIF `shortDescription`.
    pub summary: &'static str,
    pub options: &'static [RuleOption],
}

/// Option values for one run of one rule.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleOptions {
    values: BTreeMap<String, f64>,
}

impl RuleOptions {
    pub fn set(&mut self, name: &str, value: f64) {
        self.values.insert(name.to_owned(), value);
    }

    /// The configured value of `option`, or its default, within the option's range (the
    /// manifest refuses values outside it; this keeps every rule within it too).
    pub fn get(&self, option: &RuleOption) -> f64 {
        self.values
            .get(option.name)
            .copied()
            .unwrap_or(option.default)
            .clamp(option.min, option.max)
    }

    /// The value given for `option` (within its range), None when none was given: for
    /// a sibling rule's option that the engine passes only while that rule runs.
    pub fn given(&self, option: &RuleOption) -> Option<f64> {
        let value = *self.values.get(option.name)?;
        Some(value.clamp(option.min, option.max))
    }
}

/// A check over the model.
pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, model: &Model, options: &RuleOptions, out: &mut Findings);

    /// True when what the rule finds in config entries depends only on the entries of
    /// one application (a unit of its ecosystem) and the secrets read with them, and
    /// it reads nothing else of the model about them. The engine then also runs it on
    /// each unit of `engine::UNIT_CHECKED` ecosystems as the unit is read, on a model
    /// holding only that unit's entries and secrets, and drops those entries.
    fn checks_entries_per_unit(&self) -> bool {
        false
    }
}

/// What a rule has found so far. A finding at a place where the rule already found one
/// is dropped as it comes, the first kept: the output keeps no other in the end
/// (`engine::sort_and_dedup`), and every step before it treats a rule's findings at one
/// place alike. A rule that reports a value once per pool sharing it (each profile, each
/// workload running the application) would otherwise hold the repeats until it ends:
/// `hikari-timeout-constraints` was the peak of the 10k benchmark tree so.
///
/// A finding kept shares each of its texts with the rule's findings before it that hold
/// the same one: a repository's pools repeat their values, and so a rule's messages,
/// help and keys (the 10k benchmark tree's 10,741 findings say 26 messages). The first
/// finding to hold a text keeps it; later ones point at it.
#[derive(Default)]
pub struct Findings {
    found: Vec<Diagnostic>,
    places: foldhash::HashSet<(crate::source::FileId, crate::source::Span, &'static str)>,
    texts: foldhash::HashSet<Text>,
}

impl Findings {
    pub fn push(&mut self, mut diagnostic: Diagnostic) {
        let primary = diagnostic.primary;
        if self
            .places
            .insert((primary.file, primary.span, diagnostic.rule))
        {
            diagnostic.shrink_to_fit();
            for text in diagnostic.texts_mut() {
                self.share(text);
            }
            self.found.push(diagnostic);
        }
    }

    /// Point `text` at the copy an earlier finding holds, or keep it as that copy.
    fn share(&mut self, text: &mut Text) {
        match self.texts.get(&**text) {
            Some(held) => *text = held.clone(),
            None => {
                self.texts.insert(text.clone());
            }
        }
    }

    /// The findings kept, in the order found.
    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.found
    }
}

impl Extend<Diagnostic> for Findings {
    fn extend<I: IntoIterator<Item = Diagnostic>>(&mut self, found: I) {
        found.into_iter().for_each(|d| self.push(d));
    }
}

/// Every rule, in registry order (the order `poollint rules` prints).
pub fn registry() -> &'static [&'static dyn Rule] {
    static RULES: &[&dyn Rule] = &[
        &engine_rules::ParseError,
        &engine_rules::UnusedSuppression,
        &sizing::pool_size_invalid::Rule,
        &sizing::pool_min_exceeds_max::Rule,
        &sizing::pool_unbounded::Rule,
        &sizing::pool_saturated_by_declared_load::Rule,
        &sizing::pool_wait_probability_exceeds_slo::Rule,
        &sizing::pool_locking_nested_acquire::Rule,
        &sizing::pooled_connections_far_above_db_cores::Rule,
        &concurrency::open_session_in_view::Rule,
        &concurrency::pool_smaller_than_thread_concurrency::Rule,
        &concurrency::transaction_pooling_session_features::Rule,
        &concurrency::statement_pooling_multi_statement_tx::Rule,
        &concurrency::liveness_probe_depends_on_db::Rule,
        &timeouts::acquire_timeout_infinite::Rule,
        &timeouts::hikari_timeout_constraints::Rule,
        &timeouts::driver_socket_timeout_missing::Rule,
        &timeouts::acquire_timeout_exceeds_request_deadline::Rule,
        &timeouts::pooler_queue_timeout_exceeds_request_deadline::Rule,
        &timeouts::statement_timeout_missing::Rule,
        &timeouts::idle_in_transaction_timeout_missing::Rule,
        &timeouts::server_idle_timeout_kills_pooled_connections::Rule,
        &timeouts::pgbouncer_query_timeout_without_statement_timeout::Rule,
        &timeouts::pgbouncer_client_idle_timeout_below_client_lifetime::Rule,
        &lifetime::hikari_max_lifetime_below_minimum::Rule,
        &lifetime::hikari_idle_timeout_ge_max_lifetime::Rule,
        &lifetime::hikari_idle_timeout_below_minimum::Rule,
        &lifetime::hikari_idle_timeout_no_effect::Rule,
        &lifetime::hikari_keepalive_invalid::Rule,
        &lifetime::hikari_leak_detection_invalid::Rule,
        &lifetime::max_lifetime_unbounded::Rule,
        &lifetime::lifetime_not_below_server_or_network_limit::Rule,
        &lifetime::stale_connection_protection_missing::Rule,
        &hygiene::unknown_or_dead_pool_key::Rule,
        &hygiene::duplicate_key_across_forms::Rule,
        &hygiene::hikari_url_instead_of_jdbc_url::Rule,
        &hygiene::hikari_datasource_class_conflict::Rule,
        &hygiene::hikari_minimum_idle_set::Rule,
        &hygiene::suspicious_time_unit::Rule,
        &hygiene::rails_pool_max_connections_conflict::Rule,
        &hygiene::rails_mysql_wait_timeout_key::Rule,
        &hygiene::knex_min_nonzero::Rule,
        &security::plaintext_credentials_in_pool_config::Rule,
        &security::pgbouncer_insecure_auth_type::Rule,
        &security::db_transport_not_verified::Rule,
        &topology::fleet_exceeds_db_slots::Rule,
        &topology::rollout_surge_exceeds_db_slots::Rule,
        &topology::autoscale_max_exceeds_db_slots::Rule,
        &topology::fleet_min_connections_exceed_db_slots::Rule,
        &topology::no_db_connection_headroom::Rule,
        &topology::pgbouncer_server_conns_exceed_postgres::Rule,
        &topology::pgbouncer_client_cap_too_low::Rule,
        &change::risky_pool_change::Rule,
    ];
    RULES
}

/// The rule called `name`.
pub fn find(name: &str) -> Option<&'static dyn Rule> {
    registry().iter().copied().find(|r| r.meta().name == name)
}

/// The registered rule name closest to `name`, for did-you-mean messages.
pub fn suggest(name: &str) -> Option<&'static str> {
    crate::suggest::closest(name, registry().iter().map(|r| r.meta().name))
}

/// The user documentation page of a rule (`rules/NAME.md`), compiled in.
pub fn page(name: &str) -> Option<&'static str> {
    pages::PAGES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
}

mod pages {
    include!(concat!(env!("OUT_DIR"), "/rule_pages.rs"));
}

/// The HikariCP pools of the model.
pub(crate) fn hikari_pools(model: &Model) -> impl Iterator<Item = &Pool> {
    model
        .pools
        .iter()
        .map(|p| &**p)
        .filter(|p| p.library == Library::HikariCp)
}

/// The full key of a pool setting: where it was written, else `<pool>.<property>`.
/// A server setting written as a value the server refuses or misreads (PgBouncer
/// `max_client_conn = 2.5`, PostgreSQL `statement_timeout = inf`), at the value: the
/// reader's reason says what the server does with it.
pub(crate) fn unreadable_server_value<T>(
    meta: &'static RuleMeta,
    setting: &Setting<T>,
    label: &str,
    help: impl FnOnce(&str) -> String,
) -> Option<crate::diagnostic::Diagnostic> {
    let crate::model::Val::Invalid(invalid) = &setting.value else {
        return None;
    };
    let at = setting.location()?;
    let key = setting.origin.key()?;
    Some(
        crate::diagnostic::Diagnostic::new(
            meta,
            crate::diagnostic::Severity::Error,
            at,
            format!("{key} is `{}`: {}", invalid.raw, invalid.reason),
        )
        .with_label(label)
        .with_help(help(key))
        .with_key(key.to_owned())
        .with_fingerprint(&invalid.raw),
    )
}

pub(crate) fn key_of<T>(setting: &Setting<T>, pool: &Pool, property: &str) -> String {
    setting
        .origin
        .key()
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{}.{property}", pool.name))
}

/// Where a diagnostic about `setting` points: its value, else the pool's key.
pub(crate) fn located<T>(setting: &Setting<T>, pool: &Pool) -> Option<Location> {
    setting.location().or(pool.anchor)
}

/// " (default)" or " (default of ${VAR})" after a value that was not written literally.
pub(crate) fn origin_note(origin: &Origin) -> String {
    match origin {
        Origin::Default { library, .. } => format!(" ({library} default)"),
        Origin::File { via: Some(var), .. } => {
            format!(" (default of {})", crate::model::via_shown(var, true))
        }
        Origin::Inferred { from, .. } => format!(" (inferred from {from})"),
        _ => String::new(),
    }
}

/// `10000 ms (10 s)`, or `100 ms` when no larger unit helps.
/// [`ms_text`] of a number of milliseconds that may be negative (`-5000 ms`).
pub(crate) fn signed_ms_text(ms: i64) -> String {
    match u64::try_from(ms) {
        Ok(ms) => ms_text(ms),
        Err(_) => format!("{ms} ms"),
    }
}

pub(crate) fn ms_text(ms: u64) -> String {
    let human = crate::model::human_duration(std::time::Duration::from_millis(ms));
    // 1600 ms has no shorter form: "1600 ms (1600 ms)" says it twice.
    if ms >= 1000 && human != format!("{ms} ms") {
        format!("{ms} ms ({human})")
    } else {
        format!("{ms} ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{FileId, Span};

    fn finding(rule: &'static str, start: usize, message: &str) -> Diagnostic {
        let meta = find(rule).map(|r| r.meta()).unwrap();
        let at = Location {
            file: FileId(0),
            span: Span::new(start, start + 1),
        };
        Diagnostic::new(meta, Severity::Warning, at, message)
    }

    /// A rule's second finding at a place is dropped as it comes, the first kept; other
    /// places, and another rule at the same place, are kept, in the order found.
    #[test]
    fn findings_keep_the_first_of_a_rule_at_each_place() {
        let mut findings = Findings::default();
        findings.push(finding("pool-size-invalid", 0, "first"));
        findings.extend([
            finding("pool-size-invalid", 0, "repeat"),
            finding("pool-size-invalid", 5, "elsewhere"),
            finding("pool-unbounded", 0, "another rule"),
        ]);
        let kept: Vec<(&str, String)> = findings
            .into_vec()
            .into_iter()
            .map(|d| (d.rule, d.message.to_string()))
            .collect();
        assert_eq!(
            kept,
            [
                ("pool-size-invalid", "first".to_owned()),
                ("pool-size-invalid", "elsewhere".to_owned()),
                ("pool-unbounded", "another rule".to_owned()),
            ]
        );
    }

    /// Findings of a rule that say the same text hold one copy of it, whatever part of
    /// the finding holds it; a different text stays its own.
    #[test]
    fn findings_share_the_texts_they_repeat() {
        let mut findings = Findings::default();
        for start in [0, 5, 9] {
            let text = if start == 9 { "other" } else { "same" };
            findings.push(
                finding("pool-size-invalid", start, text)
                    .with_help(String::from("help"))
                    .with_key("a.key")
                    .with_fingerprint("5"),
            );
        }
        let found = findings.into_vec();
        let [first, second, third] = found.as_slice() else {
            panic!("three findings expected, got {found:?}");
        };
        let shared = |a: &Diagnostic, b: &Diagnostic| {
            [
                Text::ptr_eq(&a.message, &b.message),
                Text::ptr_eq(a.help.as_ref().unwrap(), b.help.as_ref().unwrap()),
                Text::ptr_eq(a.key.as_ref().unwrap(), b.key.as_ref().unwrap()),
                Text::ptr_eq(&a.fingerprint_parts, &b.fingerprint_parts),
            ]
        };
        assert_eq!(shared(first, second), [true; 4]);
        assert_eq!(shared(first, third), [false, true, true, true]);
        assert_eq!(&*third.message, "other");
    }
}
