//! `stale-connection-protection-missing`: something between the service and its data
//! closes idle connections, the pool keeps connections idle that long, and nothing
//! protects them (catalogue LT07 [HK-README]): HikariCP `keepalive-time` is 0 (the
//! default) or not below the limit. The limits read are the server's and the pooler's
//! (PostgreSQL `idle_session_timeout`, MySQL `wait_timeout`, PgBouncer
//! `client_idle_timeout`); network idle killers (load balancers, NAT) are not declared
//! anywhere poollint reads yet.
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::links::{idle_limit, pools, Links};
use crate::model::{human_duration, Library, Model};
use crate::rules::topology::place;
use crate::rules::{key_of, Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "stale-connection-protection-missing",
    category: Category::Lifetime,
    default_severity: Severity::Warning,
    inputs: Inputs::NeedsTopology,
    summary: "Idle pooled connections outlive an idle limit in front of the database and nothing keeps them alive.",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut Vec<Diagnostic>) {
        let links = Links::new(model);
        for service in &model.services {
            let Some(limit) = idle_limit(&links, service) else {
                continue;
            };
            for pool in pools(model, service).filter(|p| p.library == Library::HikariCp) {
                let keepalive = pool.keepalive.get().copied().unwrap_or_default();
                if !keepalive.is_zero() && keepalive < limit.limit {
                    continue;
                }
                let Some(at) = pool.keepalive.location().or(pool.anchor) else {
                    continue;
                };
                let keepalive_text = if keepalive.is_zero() {
                    "off (0)".to_owned()
                } else {
                    human_duration(keepalive)
                };
                let mut diagnostic = Diagnostic::new(
                    &META,
                    Severity::Warning,
                    at,
                    format!(
                        "pool {}'s keepalive is {keepalive_text} ({}) while {} closes connections idle for {} ({}): an idle connection dies unnoticed and the next request that borrows it fails or stalls",
                        pool.name,
                        place(model, &pool.keepalive.origin),
                        limit.what,
                        human_duration(limit.limit),
                        place(model, &limit.setting.origin),
                    ),
                )
                .with_label(format!("keepalive {keepalive_text}"))
                .with_related(limit.setting.location(), "idle limit")
                .with_help(format!(
                    "set keepalive-time to at least 30000 ms and below {} (HikariCP pings idle connections at that interval)",
                    human_duration(limit.limit)
                ))
                .with_fingerprint(format!("{}:{}", pool.name, limit.limit.as_secs()));
                if pool.keepalive.is_explicit() {
                    diagnostic =
                        diagnostic.with_key(key_of(&pool.keepalive, pool, "keepalive-time"));
                }
                out.push(diagnostic);
            }
        }
    }
}
