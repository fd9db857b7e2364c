//! `duplicate-key-across-forms`: The same Spring property is set in several forms or files with different values.
//!
//! Relaxed binding maps `maximum-pool-size`, `maximumPoolSize` and `maximum_pool_size`
//! (and the same key in `application.yml` and `application.properties`) to one property
//! [SB-RELAXED]; when they disagree, reviewers see one value and production runs another.
use std::collections::BTreeMap;

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{ConfigEntry, Ecosystem, Location, Model};
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "duplicate-key-across-forms",
    category: Category::Hygiene,
    default_severity: Severity::Warning,
    inputs: Inputs::ConfigOnly,
    summary: "The same Spring property is set in several forms or files with different values.",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut Vec<Diagnostic>) {
        let mut groups: BTreeMap<(&str, Option<&str>, &str), Vec<&ConfigEntry>> = BTreeMap::new();
        for entry in model
            .entries
            .iter()
            .filter(|e| e.ecosystem == Ecosystem::Spring)
        {
            let key = (
                entry.scope.as_str(),
                entry.profile.as_deref(),
                entry.canonical.as_str(),
            );
            groups.entry(key).or_default().push(entry);
        }
        for entries in groups.values().filter(|g| g.len() > 1) {
            report_group(model, entries, out);
        }
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

fn report_group(model: &Model, entries: &[&ConfigEntry], out: &mut Vec<Diagnostic>) {
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
            "{} is set {form} with a different value{values}; Spring Boot uses the other one, so this line does not say what runs",
            loser.key
        );
        out.push(
            Diagnostic::new(
                &META,
                Severity::Warning,
                location(loser, loser.value_span),
                message,
            )
            .with_label("overridden")
            .with_related(Some(location(winner, winner.value_span)), "this value wins")
            .with_help("keep one setting of this property per application and profile, in one form")
            .with_key(loser.key.clone()),
        );
    }
}
