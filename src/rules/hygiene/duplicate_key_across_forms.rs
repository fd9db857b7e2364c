//! `duplicate-key-across-forms`: The same Spring property or PostgreSQL parameter is set more than once with different values.
//!
//! Relaxed binding maps `maximum-pool-size`, `maximumPoolSize` and `maximum_pool_size`
//! (and the same key in `application.yml` and `application.properties`) to one property
//! [SB-RELAXED]; when they disagree, reviewers see one value and production runs another.
//! PostgreSQL parameter names are case-insensitive and the last occurrence in
//! `postgresql.conf` and its includes wins (rules-catalogue §1.3): the earlier one is
//! reported, unless it gives the same value (`'100'` and `100`; `30s` and `30000` for a
//! parameter in milliseconds, by the unit table in `src/model/data`).
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{ConfigEntry, Ecosystem, Location, Model};
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};
use crate::source::{FileId, Span};

pub static META: RuleMeta = RuleMeta {
    name: "duplicate-key-across-forms",
    category: Category::Hygiene,
    default_severity: Severity::Warning,
    inputs: Inputs::ConfigOnly,
    summary: "The same Spring property or PostgreSQL parameter is set more than once with different values.",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    /// Each application's entries on their own (grouped by scope).
    fn checks_entries_per_unit(&self) -> bool {
        true
    }

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut crate::rules::Findings) {
        // Each application's entries are compared among themselves: a small map per
        // application, keyed by profile and canonical key only, and reused, made once
        // with room for the largest (the rule runs once per application as it is read,
        // and a map grown by doubling was rehashed at every step).
        let applications = by_application(model);
        let most = applications.iter().map(|(_, entries)| entries.len()).max();
        let mut by_key: foldhash::HashMap<(Option<&str>, &str), FirstAndRepeats> =
            foldhash::HashMap::with_capacity_and_hasher(most.unwrap_or(0), Default::default());
        let mut repeated: Vec<(Group, Vec<&ConfigEntry>)> = Vec::new();
        for ((runner, scope), entries) in applications {
            for entry in entries {
                // Most keys are written once: each keeps its first entry inline and
                // only repeats go in a list (an empty Vec allocates nothing).
                by_key
                    .entry((entry.profile.as_deref(), entry.canonical.as_str()))
                    .and_modify(|(_, more)| more.push(entry))
                    .or_insert((entry, Vec::new()));
            }
            for ((profile, canonical), (first, more)) in by_key.drain() {
                if !more.is_empty() {
                    let group = (runner, scope, profile, canonical);
                    repeated.push((group, std::iter::once(first).chain(more).collect()));
                }
            }
        }
        repeated.sort_by_key(|(key, _)| *key);
        let secrets = SecretSpans(model.secret_spans_by_file());
        for ((runner, ..), entries) in repeated {
            report_group(&secrets, runner, &entries, out);
        }
    }
}

/// The Spring and PostgreSQL entries of each application (runner and scope), in the
/// order read. An application's entries come one after another and share one scope
/// string, so the scope (a path) is hashed only when it changes.
fn by_application(model: &Model) -> Vec<Application<'_>> {
    let mut groups: Vec<Application> = Vec::new();
    let mut index: foldhash::HashMap<(&'static str, &str), usize> = foldhash::HashMap::default();
    let mut last: Option<(&'static str, &Arc<str>, usize)> = None;
    let checked = RUNNERS
        .iter()
        .flat_map(|&(ecosystem, runner)| model.entries.of(ecosystem).map(move |e| (runner, e)))
        .filter(|(_, e)| !is_per_document(e));
    for (runner, entry) in checked {
        let slot = match last {
            Some((r, scope, slot)) if r == runner && Arc::ptr_eq(scope, &entry.scope) => slot,
            _ => *index.entry((runner, &entry.scope)).or_insert_with(|| {
                groups.push(((runner, &entry.scope), Vec::new()));
                groups.len() - 1
            }),
        };
        last = Some((runner, &entry.scope, slot));
        if let Some((_, entries)) = groups.get_mut(slot) {
            entries.push(entry);
        }
    }
    groups
}

/// The first entry of a key and the entries that set it again.
type FirstAndRepeats<'m> = (&'m ConfigEntry, Vec<&'m ConfigEntry>);

/// An application's entries: its runner and scope, and the entries in order.
type Application<'m> = ((&'static str, &'m str), Vec<&'m ConfigEntry>);

/// Entries that configure the same thing: runner, scope, profile and canonical key.
type Group<'m> = (&'static str, &'m str, Option<&'m str>, &'m str);

/// The ecosystems checked (no other is), with what runs their configuration.
const RUNNERS: [(Ecosystem, &str); 2] = [
    (Ecosystem::Spring, "Spring Boot"),
    (Ecosystem::Postgres, "PostgreSQL"),
];

/// Whether an entry is a Spring property each document keeps for itself, which no
/// other document overrides: `spring.config.import` (Spring Boot binds it per document,
/// `ConfigDataProperties.get` on each contributor, and reads every document's imports),
/// so an imported file importing more is no second value of it.
fn is_per_document(entry: &ConfigEntry) -> bool {
    entry.ecosystem == Ecosystem::Spring
        && entry
            .canonical
            .as_str()
            .strip_prefix("spring.config.import")
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('['))
}

fn value(entry: &ConfigEntry) -> &str {
    entry.value.as_deref().unwrap_or("").trim()
}

/// True when two settings of one key give the same value: the same text, or for
/// PostgreSQL the same value as the server reads it (the reader's [`crate::model::Reading`]: `'100'`
/// is `100`, `30s` is `30000` for `statement_timeout`, in milliseconds).
fn same_value(a: &ConfigEntry, b: &ConfigEntry) -> bool {
    value(a) == value(b) || matches!((&a.reading, &b.reading), (Some(x), Some(y)) if x.same_as(y))
}

fn location(entry: &ConfigEntry, span: Span) -> Location {
    Location {
        file: entry.file,
        span,
    }
}

/// Where the secrets of each file are, looked up per reported entry (a scan of every
/// secret per finding would cost findings × secrets).
struct SecretSpans(BTreeMap<FileId, Vec<Span>>);

impl SecretSpans {
    /// True when the entry's value is a secret (never echoed).
    fn holds(&self, entry: &ConfigEntry) -> bool {
        self.0
            .get(&entry.file)
            .is_some_and(|spans| spans.iter().any(|s| entry.value_span.contains(*s)))
    }
}

/// True when the key, as written, is named as a password's or a secret's (`app.db.pw`,
/// `ssl_passphrase_command`; the canonical Spring key has lost its `-` and `_`): its
/// values are not quoted even when no reader recorded them as secrets (a second line:
/// a value a reader missed would be echoed twice).
fn is_secret_key(entry: &ConfigEntry) -> bool {
    let key = entry.key.as_str();
    crate::ecosystems::is_password_name(key) || crate::ecosystems::is_secret_name(key)
}

fn report_group(
    secrets: &SecretSpans,
    runner: &str,
    entries: &[&ConfigEntry],
    out: &mut crate::rules::Findings,
) {
    let Some(winner) = entries.iter().max_by_key(|e| e.precedence) else {
        return;
    };
    for loser in entries.iter().filter(|e| e.precedence != winner.precedence) {
        if same_value(loser, winner) {
            continue;
        }
        let values = if secrets.holds(loser)
            || secrets.holds(winner)
            || is_secret_key(loser)
            || is_secret_key(winner)
        {
            String::new()
        } else {
            format!(" (`{}` here, `{}` there)", value(loser), value(winner))
        };
        let form = if loser.key == winner.key {
            "again".to_owned()
        } else {
            format!("again as `{}`", winner.key)
        };
        let message = format!(
            "{} is set {form} with a different value{values}; {runner} uses the other one, so this line does not say what runs",
            loser.key
        );
        let help = if runner == "PostgreSQL" {
            "keep one setting of each parameter: PostgreSQL uses the last one it reads, so delete the overridden line"
        } else {
            "keep one setting of this property per application and profile, in one form"
        };
        out.push(
            Diagnostic::new(
                &META,
                Severity::Warning,
                location(loser, loser.value_span),
                message,
            )
            .with_label("overridden")
            .with_related(Some(location(winner, winner.value_span)), "this value wins")
            .with_help(help)
            .with_key(loser.key.as_str()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Rule as _;

    /// A key named as a password's that no reader records (`db-pw` is no Spring
    /// password key) is reported without its values; another key keeps them.
    #[test]
    fn values_of_a_secret_named_key_are_not_quoted() {
        let text =
            "app:\n  db-pw: Zq9Dup-1\n  db_pw: Zq9Dup-2\n  pool-name: one\n  pool_name: two\n";
        let (model, _) = crate::ecosystems::read_one(
            &crate::ecosystems::spring::Spring,
            "application.yml",
            crate::syntax::Format::Yaml,
            text,
        );
        let mut out = crate::rules::Findings::default();
        Rule.check(&model, &RuleOptions::default(), &mut out);
        let messages: Vec<String> = out
            .into_vec()
            .iter()
            .map(|d| d.message.to_string())
            .collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(
            messages.iter().all(|m| !m.contains("Zq9Dup")),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.contains("`two` here, `one` there")),
            "{messages:?}"
        );
    }
}
