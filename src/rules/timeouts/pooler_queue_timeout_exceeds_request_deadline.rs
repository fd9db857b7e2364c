//! `pooler-queue-timeout-exceeds-request-deadline`: PgBouncer queues a client for up to
//! `query_wait_timeout` (default 120 s) waiting for a server connection; when that is at
//! or above the request deadline of a service behind it, queued clients pile up at the
//! pooler after their callers gave up (catalogue TO04 [PGB-CFG]).
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::links::Links;
use std::time::Duration;

use crate::model::{human_duration, Model, Pooler, Service, Setting};
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
            for service in links.pooler_clients(pooler) {
                for wait in waits(model, &links, pooler, service) {
                    check_wait(model, pooler, service, wait, out);
                }
            }
        }
    }
}

/// The `query_wait_timeout`s the clients of `service` wait under: each pool's, as its
/// login picks it ([`Pooler::query_wait_timeout_for`]), once each; the `[pgbouncer]`
/// one for a service without a pool through the pooler.
fn waits<'m>(
    model: &'m Model,
    links: &Links<'m>,
    pooler: &'m Pooler,
    service: &'m Service,
) -> Vec<&'m Setting<Duration>> {
    let logins: Vec<_> = links
        .pooler_pools(model, pooler, service)
        .map(|pool| pool.login())
        .collect();
    let picked: Vec<Option<&Setting<Duration>>> = match logins.is_empty() {
        true => vec![pooler.query_wait_timeout.as_ref()],
        false => logins
            .into_iter()
            .map(|(database, user)| pooler.query_wait_timeout_for(database, user))
            .collect(),
    };
    let mut waits: Vec<&Setting<Duration>> = Vec::new();
    for wait in picked.into_iter().flatten() {
        if !waits.iter().any(|w| std::ptr::eq(*w, wait)) {
            waits.push(wait);
        }
    }
    waits
}

/// One wait the clients of `service` get, against its callers' deadline.
fn check_wait(
    model: &Model,
    pooler: &Pooler,
    service: &Service,
    wait: &Setting<Duration>,
    out: &mut crate::rules::Findings,
) {
    let Some(&queue) = wait.get() else { return };
    let Some(deadline) = service
        .load
        .as_ref()
        .and_then(|l| l.request_timeout.as_ref())
    else {
        return;
    };
    let Some(&limit) = deadline.get() else {
        return;
    };
    let infinite = queue.is_zero();
    if !infinite && queue < limit {
        return;
    }
    let Some(at) = wait.location() else { return };
    let queue_text = if infinite {
        "0 (forever)".to_owned()
    } else {
        human_duration(queue)
    };
    // An entry's value is keyed as written (`users.batch.query_wait_timeout`).
    let global = pooler
        .query_wait_timeout
        .as_ref()
        .is_some_and(|g| std::ptr::eq(g, wait));
    let key = match global {
        true => "pgbouncer.query_wait_timeout",
        false => wait.origin.key().unwrap_or("query_wait_timeout"),
    };
    let fingerprint = match global {
        true => format!("{}:{}", service.name, queue.as_secs()),
        false => format!("{}:{key}:{}", service.name, queue.as_secs()),
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
        .with_key(key.to_owned())
        .with_fingerprint(fingerprint),
    );
}
