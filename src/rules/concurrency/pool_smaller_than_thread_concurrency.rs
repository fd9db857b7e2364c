//! `pool-smaller-than-thread-concurrency`: an Active Record pool is smaller than the
//! threads of the process that uses it (catalogue CC01 [RAILS-PUMA-TPL][RAILS-23528]):
//! Puma's max threads for the web process, Sidekiq's concurrency (plus capsules) for
//! the worker. Each Rails thread keeps its connection for the whole request or job, so
//! the extra threads wait `checkout_timeout` and fail with
//! `ActiveRecord::ConnectionTimeoutError`. HikariCP with Tomcat is different (threads
//! are meant to queue on a small pool) and is not checked here.
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::links::Links;
use crate::model::{Library, Model, Setting};
use crate::rules::topology::place;
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "pool-smaller-than-thread-concurrency",
    category: Category::Concurrency,
    default_severity: Severity::Error,
    inputs: Inputs::ConfigOnly,
    summary: "An Active Record pool is smaller than the Puma threads or Sidekiq concurrency that share it.",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, options: &RuleOptions, out: &mut crate::rules::Findings) {
        // One finding per pool, naming every process that has more threads than it.
        let links = Links::new(model);
        for (index, pool) in model.pools.iter().enumerate() {
            if pool.library != Library::ActiveRecord {
                continue;
            }
            let Some(&max) = pool.max.get() else { continue };
            let short: Vec<(&str, i64, &Setting<i64>)> = links
                .pool_users(index)
                .iter()
                .filter_map(|s| {
                    let threads = s.threads.as_ref()?;
                    Some((s.name.as_str(), *threads.get()?, threads))
                })
                .filter(|(_, threads, _)| max >= 0 && *threads > max)
                .collect();
            let Some(&(_, most, _)) = short.iter().max_by_key(|(_, t, _)| *t) else {
                continue;
            };
            let Some(at) = pool.max.location().or(pool.anchor) else {
                continue;
            };
            // A default behind an environment variable is usually overridden per process
            // (Mastodon runs Sidekiq with DB_POOL=25): say so, and only warn.
            let via = match &pool.max.origin {
                crate::model::Origin::File { via: Some(var), .. } => Some(&**var),
                _ => None,
            };
            let (severity, unless) = match via {
                Some(var) => (
                    Severity::Warning,
                    format!(
                        " unless {} is set to at least {most} for that process",
                        crate::model::via_shown(var, false)
                    ),
                ),
                None => (Severity::Error, String::new()),
            };
            let who: Vec<String> = short
                .iter()
                .map(|(name, threads, setting)| {
                    format!(
                        "{name} runs {threads} threads ({})",
                        place(model, &setting.origin)
                    )
                })
                .collect();
            let mut diagnostic = Diagnostic::new(
                &META,
                severity,
                at,
                format!(
                    "the {} pool allows {max} connections ({}) but {}{unless}: each thread keeps its connection for the whole request or job, so the extra threads wait checkout_timeout and fail with ActiveRecord::ConnectionTimeoutError",
                    pool.name,
                    place(model, &pool.max.origin),
                    who.join(" and "),
                ),
            )
            .with_label(format!("{max} < {most} threads"))
            .with_help(format!(
                "set pool (max_connections on Rails 8.1+) to at least {most}, e.g. <%= ENV.fetch(\"RAILS_MAX_THREADS\") {{ {most} }} %> shared with the thread setting{}",
                crate::rules::topology::slots_after_resize(model, options, pool, most).unwrap_or_default()
            ))
            .with_fingerprint(format!("{}:{max}<{most}", pool.name));
            for (_, _, setting) in &short {
                diagnostic = diagnostic.with_related(setting.location(), "threads per process");
            }
            if pool.max.is_explicit() {
                if let Some(key) = pool.max.origin.key() {
                    diagnostic = diagnostic.with_key(key.to_owned());
                }
            }
            out.push(diagnostic);
        }
    }
}
