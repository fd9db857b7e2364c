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
use crate::model::{hikari, Library, Model, Pool};
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

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut Vec<Diagnostic>) {
        out.extend(model.pools.iter().filter_map(check));
    }
}

/// How a library names its maximum lifetime, in which unit, and what its default is.
struct Lifetime {
    property: &'static str,
    unit: &'static str,
    default: String,
}

fn lifetime_of(library: Library) -> Option<Lifetime> {
    let (property, unit, default) = match library {
        Library::HikariCp => (
            "max-lifetime",
            "milliseconds",
            hikari::MAX_LIFETIME_MS.to_string(),
        ),
        Library::NodePostgres | Library::TypeOrm => (
            "maxLifetimeSeconds",
            "seconds",
            "0 too (never retired)".into(),
        ),
        Library::Npgsql => (
            "Connection Lifetime",
            "seconds",
            "3600 since Npgsql 9".into(),
        ),
        Library::SqlClient => (
            "Connection Lifetime",
            "seconds",
            "0 too (never retired)".into(),
        ),
        _ => return None,
    };
    Some(Lifetime {
        property,
        unit,
        default,
    })
}

fn check(pool: &Pool) -> Option<Diagnostic> {
    let life = &pool.max_lifetime;
    if !life.is_explicit() || *life.get()? != Duration::ZERO {
        return None;
    }
    let lifetime = lifetime_of(pool.library)?;
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
            "set {property} ({}) a few seconds below the shortest database or network connection limit; {library}'s default is {}",
            lifetime.unit, lifetime.default
        ))
        .with_key(key_of(life, pool, property)),
    )
}
