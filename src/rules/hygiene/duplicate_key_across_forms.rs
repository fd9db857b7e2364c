//! `duplicate-key-across-forms`: The same Spring property or PostgreSQL parameter is set more than once with different values.
//!
//! Relaxed binding maps `maximum-pool-size`, `maximumPoolSize` and `maximum_pool_size`
//! (and the same key in `application.yml` and `application.properties`) to one property
//! [SB-RELAXED]; when they disagree, reviewers see one value and production runs another.
//! PostgreSQL parameter names are case-insensitive and the last occurrence in
//! `postgresql.conf` and its includes wins (rules-catalogue §1.3): the earlier one is
//! reported.
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{ConfigEntry, Ecosystem, Location, Model};
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};

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

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut Vec<Diagnostic>) {
        // Entries are grouped by application first, then by key within each: the
        // per-application map stays small enough to be fast, and is reused.
        let mut by_scope: foldhash::HashMap<(&str, &str), Vec<&ConfigEntry>> =
            foldhash::HashMap::default();
        for entry in &model.entries {
            if let Some(runner) = runner(entry) {
                by_scope
                    .entry((runner, &*entry.scope))
                    .or_default()
                    .push(entry);
            }
        }
        // Most keys are written once: each keeps its first entry inline and only
        // repeats go in a list (an empty Vec allocates nothing).
        let mut by_key: foldhash::HashMap<Group, (&ConfigEntry, Vec<&ConfigEntry>)> =
            foldhash::HashMap::default();
        let mut repeated: Vec<(Group, Vec<&ConfigEntry>)> = Vec::new();
        for ((runner, scope), entries) in by_scope {
            for entry in entries {
                let key = (
                    runner,
                    scope,
                    entry.profile.as_deref(),
                    entry.canonical.as_str(),
                );
                by_key
                    .entry(key)
                    .and_modify(|(_, more)| more.push(entry))
                    .or_insert((entry, Vec::new()));
            }
            for (key, (first, more)) in by_key.drain() {
                if !more.is_empty() {
                    repeated.push((key, std::iter::once(first).chain(more).collect()));
                }
            }
        }
        repeated.sort_by_key(|(key, _)| *key);
        for ((runner, ..), entries) in repeated {
            report_group(model, runner, &entries, out);
        }
    }
}

/// Entries that configure the same thing: runner, scope, profile and canonical key.
type Group<'m> = (&'static str, &'m str, Option<&'m str>, &'m str);

/// The runner of a Spring or PostgreSQL entry (other ecosystems are not checked).
fn runner(entry: &ConfigEntry) -> Option<&'static str> {
    match entry.ecosystem {
        Ecosystem::Spring => Some("Spring Boot"),
        Ecosystem::Postgres => Some("PostgreSQL"),
        _ => None,
    }
}

fn value(entry: &ConfigEntry) -> &str {
    entry.value.as_deref().unwrap_or("").trim()
}

fn location(entry: &ConfigEntry, span: crate::source::Span) -> Location {
    Location {
        file: entry.file,
        span,
    }
}

/// True when the entry's value is a secret (never echoed).
fn is_secret(model: &Model, entry: &ConfigEntry) -> bool {
    model
        .secrets
        .iter()
        .any(|s| s.location.file == entry.file && entry.value_span.contains(s.location.span))
}

fn report_group(model: &Model, runner: &str, entries: &[&ConfigEntry], out: &mut Vec<Diagnostic>) {
    let Some(winner) = entries.iter().max_by_key(|e| e.precedence) else {
        return;
    };
    for loser in entries.iter().filter(|e| e.precedence != winner.precedence) {
        if value(loser) == value(winner) {
            continue;
        }
        let values = if is_secret(model, loser) || is_secret(model, winner) {
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
            .with_key(loser.key.clone()),
        );
    }
}
