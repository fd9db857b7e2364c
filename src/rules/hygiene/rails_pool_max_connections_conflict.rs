//! `rails-pool-max-connections-conflict`: `database.yml` sets `pool` together with a
//! different `max_connections`, or together with `min_connections`; Rails 8.1 refuses
//! to load it ("Ambiguous configuration", catalogue HY04 [RAILS-HASH]). A `url:` query
//! parameter (`?pool=10`) counts as the key: Active Record merges it over the keys beside
//! the URL (the Rails reader records it as an entry after them).
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Location, Model};
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "rails-pool-max-connections-conflict",
    category: Category::Hygiene,
    default_severity: Severity::Error,
    inputs: Inputs::ConfigOnly,
    summary: "database.yml sets pool with a different max_connections, or with min_connections: Rails 8.1 refuses to start.",
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
            let get = |key: &str| entries.iter().rev().find(|e| e.canonical == key).copied();
            let Some(pool) = get("pool") else { continue };
            let max = get("max_connections");
            let conflict = match (max, get("min_connections")) {
                (Some(max), _) if max.value != pool.value => Some((
                    max,
                    "max_connections",
                    "pool and max_connections to different values",
                )),
                (_, Some(min)) => Some((min, "min_connections", "both pool and min_connections")),
                _ => None,
            };
            let Some((other, name, how)) = conflict else {
                continue;
            };
            out.push(
                Diagnostic::new(
                    &META,
                    Severity::Error,
                    Location { file: pool.file, span: pool.key_span },
                    format!(
                        "{scope} sets {how}: Rails 8.1 raises \"Ambiguous configuration\" and the application does not start"
                    ),
                )
                .with_label("pool")
                .with_related(Some(Location { file: other.file, span: other.key_span }), name.to_owned())
                .with_help(if max.is_some() {
                    "remove pool and keep max_connections (pool is a deprecated alias since Rails 8.1)"
                } else {
                    "rename pool to max_connections (pool is a deprecated alias since Rails 8.1)"
                })
                .with_key(pool.key.as_str())
                .with_fingerprint(format!("{scope}:{name}")),
            );
        }
    }
}
