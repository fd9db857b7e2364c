//! `pooler-queue-timeout-exceeds-request-deadline`: PgBouncer queues a client for up to
//! `query_wait_timeout` (default 120 s) waiting for a server connection; when that is at
//! or above the request deadline of a service behind it, queued clients pile up at the
//! pooler after their callers gave up (catalogue TO04 [PGB-CFG]).
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::links::Links;
use crate::model::{human_duration, Model};
use crate::rules::topology::place;
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "pooler-queue-timeout-exceeds-request-deadline",
    category: Category::Timeouts,
    default_severity: Severity::Warning,
    inputs: Inputs::NeedsTopology,
    summary:
        "PgBouncer keeps clients queued longer than the callers of the services behind it wait.",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut crate::rules::Findings) {
        let links = Links::new(model);
        for pooler in &model.poolers {
            let Some(wait) = &pooler.query_wait_timeout else {
                continue;
            };
            let Some(&queue) = wait.get() else { continue };
            for service in links.pooler_clients(pooler) {
                let Some(deadline) = service
                    .load
                    .as_ref()
                    .and_then(|l| l.request_timeout.as_ref())
                else {
                    continue;
                };
                let Some(&limit) = deadline.get() else {
                    continue;
                };
                let infinite = queue.is_zero();
                if !infinite && queue < limit {
                    continue;
                }
                let Some(at) = wait.location() else { continue };
                let queue_text = if infinite {
                    "0 (forever)".to_owned()
                } else {
                    human_duration(queue)
                };
                out.push(
                    Diagnostic::new(
                        &META,
                        Severity::Warning,
                        at,
                        format!(
                            "PgBouncer {} queues clients for up to {queue_text} ({}) but {}'s callers give up after {} ({}): queued clients pile up at the pooler after nobody waits for them",
                            pooler.name,
                            place(model, &wait.origin),
                            service.name,
                            human_duration(limit),
                            place(model, &deadline.origin),
                        ),
                    )
                    .with_label(format!("query_wait_timeout {queue_text}"))
                    .with_related(deadline.location(), "request timeout")
                    .with_help(format!(
                        "set query_wait_timeout below {} (in seconds, e.g. {})",
                        human_duration(limit),
                        super::half_in_seconds(limit)
                    ))
                    .with_key("pgbouncer.query_wait_timeout")
                    .with_fingerprint(format!("{}:{}", service.name, queue.as_secs())),
                );
            }
        }
    }
}
