//! `rails-mysql-wait-timeout-key`: `wait_timeout:` in a MySQL `database.yml` entry sets
//! the MySQL session idle timeout in seconds, not the pool's wait, which is
//! `checkout_timeout` (catalogue HY10 [RAILS-MYSQL][RAILS-3POOL]; Rails 3.0 used the
//! name for the pool wait, so old snippets mislead). The adapter is the `adapter:` key,
//! or the scheme of a literal `url:` (`trilogy://`, `mysql2://`), which Active Record
//! merges over it (the Rails reader records it as an `adapter` entry after the keys).
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Location, Model};
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "rails-mysql-wait-timeout-key",
    category: Category::Hygiene,
    default_severity: Severity::Info,
    inputs: Inputs::ConfigOnly,
    summary: "wait_timeout in a MySQL database.yml is the server's session idle timeout, not the pool wait.",
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
        for ((_, scope), entries) in super::rails_configs(model) {
            let adapter = entries
                .iter()
                .rev()
                .find(|e| e.canonical == "adapter")
                .and_then(|e| e.value.as_deref());
            if !adapter.is_some_and(|a| a.starts_with("mysql") || a == "trilogy") {
                continue;
            }
            let Some(wait) = entries.iter().rev().find(|e| e.canonical == "wait_timeout") else {
                continue;
            };
            out.push(
                Diagnostic::new(
                    &META,
                    Severity::Info,
                    Location { file: wait.file, span: wait.key_span },
                    format!(
                        "{scope}: wait_timeout sets MySQL's session idle timeout ({} seconds), not how long a request waits for a pooled connection",
                        wait.value.as_deref().unwrap_or("?")
                    ),
                )
                .with_label("MySQL session variable")
                .with_help("to bound the wait for a connection, set checkout_timeout (seconds); keep wait_timeout only if you mean the server-side idle limit")
                .with_key(wait.key.as_str())
                .with_fingerprint(scope),
            );
        }
    }
}
