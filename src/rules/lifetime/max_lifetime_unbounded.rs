//! `max-lifetime-unbounded`: Pooled connections are never retired, so they outlive failovers, DNS changes and network idle limits.
//!
//! A maximum lifetime written as 0 means "forever" in HikariCP (`maxLifetime: 0`; the
//! README: "We strongly recommend setting this value" [HK-README]), node-postgres
//! (`maxLifetimeSeconds`, [NPG-DOC]), Npgsql (`Connection Lifetime=0`, [NPGSQL-CSB]) and
//! SqlClient (`Connection Lifetime=0`, [SQLCLIENT-LBT]). Only a 0 that is written is
//! reported: for node-postgres, SqlClient and Npgsql before 9 it is also the default,
//! and reporting defaults would flag nearly every file.
use std::time::Duration;

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Model, Pool};
use crate::rules::{key_of, located, Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "max-lifetime-unbounded",
    category: Category::Lifetime,
    default_severity: Severity::Info,
    inputs: Inputs::ConfigOnly,
    summary: "Pooled connections are never retired, so they outlive failovers, DNS changes and network idle limits.",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut crate::rules::Findings) {
        out.extend(model.pools.iter().filter_map(|p| check(p)));
    }
}

fn check(pool: &Pool) -> Option<Diagnostic> {
    let life = &pool.max_lifetime;
    if !life.is_explicit() || *life.get()? != Duration::ZERO {
        return None;
    }
    let lifetime = pool.library.max_lifetime_property()?;
    let library = pool.library.name();
    let property = lifetime.property;
    Some(
        Diagnostic::new(
            &META,
            Severity::Info,
            located(life, pool)?,
            format!("{property} is 0: {library} never retires connections, so they outlive database failovers, DNS changes and network idle limits"),
        )
        .with_label("0 means forever")
        .with_help(format!(
            "set {property} ({}) below the shortest database or network connection limit by more than a margin (over 60 s below MySQL's wait_timeout, over 5 s below other limits); {library}'s default is {}",
            lifetime.unit, lifetime.default
        ))
        .with_key(key_of(life, pool, property)),
    )
}
