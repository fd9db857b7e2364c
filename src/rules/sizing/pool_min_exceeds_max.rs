//! `pool-min-exceeds-max`: The pool's minimum is above its maximum: the library clamps it or refuses to start.
//!
//! HikariCP's `validateNumerics()` silently sets `minimumIdle = maximumPoolSize`, with
//! no log line [HK-CFG]: a warning, since the pool still starts. tarn.js (knex) throws
//! "Tarn: opt.max is smaller than opt.min" [TARN], sequelize-pool "max is smaller than
//! min" (sequelize/sequelize-pool `src/Pool.ts`), and Npgsql throws "Connection can't
//! have 'Max Pool Size' … under 'Min Pool Size' …" [NPGSQL-PDS], and SqlClient's
//! `SqlConnectionString` constructor throws `ADP.InvalidMinMaxPoolSizeValues()` when
//! `_maxPoolSize < _minPoolSize` (dotnet/SqlClient `SqlConnectionString.cs`): errors,
//! nothing connects (rules-catalogue SZ02).
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Library, Model, Pool};
use crate::rules::{key_of, located, origin_note, Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "pool-min-exceeds-max",
    category: Category::Sizing,
    default_severity: Severity::Error,
    inputs: Inputs::ConfigOnly,
    summary: "The pool's minimum is above its maximum: the library clamps it or refuses to start.",
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

/// What the library does when the minimum is above the maximum (None: not checked).
fn behaviour(pool: &Pool, min: i64, max: i64) -> Option<(Severity, String)> {
    match pool.library {
        Library::HikariCp => Some((
            Severity::Warning,
            format!("HikariCP silently sets minimum-idle to {max}, without a log line"),
        )),
        Library::Knex => Some((
            Severity::Error,
            "tarn.js throws \"Tarn: opt.max is smaller than opt.min\" when knex creates the pool, so no query runs".to_owned(),
        )),
        Library::Sequelize => Some((
            Severity::Error,
            "sequelize-pool throws \"max is smaller than min\" when Sequelize creates the pool, so no query runs".to_owned(),
        )),
        Library::Npgsql => Some((
            Severity::Error,
            format!("Npgsql throws \"Connection can't have 'Max Pool Size' {max} under 'Min Pool Size' {min}\", so no connection opens"),
        )),
        Library::SqlClient => Some((
            Severity::Error,
            "SqlClient throws ArgumentException(\"Invalid min or max pool size values, min pool size cannot be greater than the max pool size.\") when the connection string is set on the SqlConnection, so no connection opens".to_owned(),
        )),
        _ => None,
    }
}

fn check(pool: &Pool) -> Option<Diagnostic> {
    let (&min, &max) = (pool.min.get()?, pool.max.get()?);
    // knex merges its default `{ min: 2, max: 10 }` under the pool written [KNEX], so
    // `pool: { max: 1 }` runs with min 2 (catalogue §1.7); other libraries' default
    // minimums follow the maximum or are 0.
    let merged_default = pool.library == Library::Knex && !pool.min.is_explicit();
    // A maximum below 1 is pool-size-invalid's finding, except for Npgsql: it refuses
    // `Maximum Pool Size=0` under a larger minimum with this rule's exception [NPGSQL-PDS]
    // (with `Pooling=false`, the unbounded sentinel, it checks neither).
    let npgsql_zero = pool.library == Library::Npgsql && max == 0;
    if (!pool.min.is_explicit() && !merged_default)
        || (max < 1 && !npgsql_zero)
        || pool.is_unbounded()
        || min <= max
    {
        return None;
    }
    let (severity, consequence) = behaviour(pool, min, max)?;
    let (min_name, max_name) = pool.library.size_properties()?;
    let (min_name, max_name) = (
        written_name(pool, &pool.min, min_name),
        written_name(pool, &pool.max, max_name),
    );
    // A default minimum is not written: the written maximum is what to point at.
    let at = if merged_default {
        located(&pool.max, pool)?
    } else {
        located(&pool.min, pool)?
    };
    let (min_note, max_note) = (origin_note(&pool.min.origin), origin_note(&pool.max.origin));
    let message =
        format!("{min_name} is {min}{min_note} but {max_name} is {max}{max_note}: {consequence}");
    let help = match pool.library {
        Library::HikariCp => format!("lower minimum-idle to at most {max}, or remove it so the pool is fixed-size at maximum-pool-size"),
        _ if npgsql_zero => format!("raise {max_name} to at least {min} (a maximum of 0 opens no connection), or remove it for Npgsql's default of 100"),
        _ if merged_default => format!("set {min_name} to 0 (knex recommends it), or raise {max_name} to at least {min}"),
        _ => format!("lower {min_name} to at most {max}, or raise {max_name}"),
    };
    Some(
        Diagnostic::new(&META, severity, at, message)
            .with_label(format!("{min} > {max}"))
            .with_related(
                pool.max.location(),
                format!("{max_name} is {max}{max_note}"),
            )
            .with_help(help)
            .with_key(key_of(&pool.min, pool, min_name))
            .with_fingerprint(format!("{min}>{max}")),
    )
}

/// A .NET keyword as written (`Min Pool Size` or `Minimum Pool Size`, any case): the
/// connection string has synonyms, and the message names the one to edit.
fn written_name<'a>(
    pool: &'a Pool,
    setting: &'a crate::model::Setting<i64>,
    property: &'a str,
) -> &'a str {
    match pool.library {
        Library::Npgsql | Library::SqlClient if setting.is_explicit() => {
            setting.origin.written_name().unwrap_or(property)
        }
        _ => property,
    }
}
