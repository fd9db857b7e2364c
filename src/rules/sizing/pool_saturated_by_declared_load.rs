//! `pool-saturated-by-declared-load`: the declared peak keeps more connections busy
//! than the pool has (catalogue SZ04, Little's law [LITTLE], M/M/c stability
//! [ERLANG-C]): requests queue until the acquire timeout and fail. This is the failure
//! of the login outage poollint exists for. Above `warn-utilization` (0.85, heuristic)
//! it warns: real hold times are heavy-tailed and balancing is uneven.
use crate::diagnostic::{Diagnostic, Severity};
use crate::load::{number, pool_loads, PoolLoad};
use crate::model::Model;
use crate::rules::{Category, Inputs, RuleMeta, RuleOption, RuleOptions};

static WARN_UTILIZATION: RuleOption = RuleOption {
    name: "warn-utilization",
    default: 0.85,
    doc: "Utilisation above which the rule warns (heuristic; 1.0 and above is always an error).",
    min: 0.0,
    max: 1.0,
    aliases: &["max-utilization"],
};

pub static META: RuleMeta = RuleMeta {
    name: "pool-saturated-by-declared-load",
    category: Category::Sizing,
    default_severity: Severity::Error,
    inputs: Inputs::NeedsLoad,
    summary: "The declared peak keeps more connections busy than the pool has: requests queue and time out.",
    options: &[WARN_UTILIZATION],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, options: &RuleOptions, out: &mut Vec<Diagnostic>) {
        let warn_at = options.get(&WARN_UTILIZATION);
        for load in pool_loads(model) {
            let utilisation = load.utilisation();
            let severity = if utilisation >= 1.0 {
                Severity::Error
            } else if utilisation > warn_at {
                Severity::Warning
            } else {
                continue;
            };
            out.push(finding(model, &load, severity, warn_at));
        }
    }
}

fn finding(model: &Model, load: &PoolLoad, severity: Severity, warn_at: f64) -> Diagnostic {
    let utilisation = load.utilisation();
    let timeout = load.pool.acquire_timeout.get();
    let consequence = match (severity, timeout) {
        // An acquire timeout of 0 is no limit (HikariCP: Integer.MAX_VALUE ms; catalogue
        // §0.1 `pool.acquire_timeout`): requests never fail, they pile up.
        (Severity::Error, Some(timeout)) if timeout.is_zero() => "at peak requests queue faster than connections free up and, with an acquire timeout of 0 (no limit), wait without end while the queue grows".to_owned(),
        (Severity::Error, Some(timeout)) => format!(
            "at peak requests queue faster than connections free up, wait the full acquire timeout ({}) and fail",
            crate::model::human_duration(*timeout)
        ),
        (Severity::Error, None) => "at peak requests queue faster than connections free up and fail".to_owned(),
        _ => format!(
            "above {}% a pool has little slack for bursts, slow queries and uneven balancing",
            number(warn_at * 100.0)
        ),
    };
    let needed = (load.offered / warn_at)
        .ceil()
        .max(load.offered.floor() + 1.0) as u64;
    let message = format!(
        "pool maximum is {} ({}) but the declared peak keeps {} connections busy on average (utilisation {}%): {}; {}",
        load.servers,
        load.max_place(model),
        number(load.offered),
        number(utilisation * 100.0),
        consequence,
        load.explanation,
    );
    Diagnostic::new(&META, severity, load.at, message)
        .with_label(format!("{} connections for {} busy", load.servers, number(load.offered)))
        .with_related(load.load.peak_rps.location(), "declared peak")
        .with_related(load.load.hold_time.location(), "declared hold time")
        .with_help(format!(
            "set the pool maximum to at least {needed} (utilisation ≤ {}%), and check the database has the slots for it",
            number(warn_at * 100.0)
        ))
        .with_key(load.key())
        .with_fingerprint(format!("{}:{}", load.service.name, load.servers))
}
