//! `pool-unbounded`: a pool with no maximum (catalogue SZ03): Rails 8.1
//! `max_connections: -1` or nil ("unlimited") [RAILS-HASH]; Npgsql and SqlClient
//! `Pooling=false`, where every open is a new physical connection [NPGSQL-CSB]; Prisma
//! `connection_limit=0`, which quaint hands to mobc's `max_open`, where "0 means
//! unlimited" (mobc `Builder::max_open`); TypeORM's mysql driver with
//! `connectionLimit` (or `poolSize`) 0, which mysql's and mysql2's `Pool#getConnection`
//! read as no limit. Every
//! thread and process can open connections until the database refuses them.
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Library, Model, UNBOUNDED_POOL};
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "pool-unbounded",
    category: Category::Sizing,
    default_severity: Severity::Warning,
    inputs: Inputs::ConfigOnly,
    summary: "The pool has no maximum: connections grow until the database refuses them.",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut crate::rules::Findings) {
        for pool in &model.pools {
            let Some(&max) = pool.max.get() else { continue };
            let written = pool.max.origin.written_name().unwrap_or("connectionLimit");
            let typeorm = format!(
                "{written} 0: the mysql driver's pool opens a new connection whenever its limit is 0"
            );
            let why = match pool.library {
                Library::ActiveRecord if max == UNBOUNDED_POOL => "max_connections unlimited",
                Library::Prisma if max == UNBOUNDED_POOL => {
                    "connection_limit=0: Prisma's pool (mobc) takes max_open 0 as unlimited"
                }
                Library::TypeOrm if max == UNBOUNDED_POOL => &typeorm,
                // A minimum the driver refuses (SqlClient `Min Pool Size=-1`, checked
                // with pooling off too) opens no connection: pool-size-invalid's finding.
                Library::Npgsql | Library::SqlClient | Library::MySqlConnector
                    if pool.pooling_disabled() && !refused_minimum(pool) =>
                {
                    "Pooling=false: every open is a new physical connection"
                }
                _ => continue,
            };
            let Some(at) = pool.max.location() else {
                continue;
            };
            let mut diagnostic = Diagnostic::new(
                &META,
                Severity::Warning,
                at,
                format!(
                    "the {} pool has no maximum ({why}): under load every thread of every process opens connections until the database refuses them, for every application that shares it",
                    pool.name
                ),
            )
            .with_label("unlimited")
            .with_help(help(pool.library))
            .with_fingerprint(&pool.name);
            if let Some(key) = pool.max.origin.key() {
                diagnostic = diagnostic.with_key(key.to_owned());
            }
            out.push(diagnostic);
        }
    }
}

/// The fix, with the keyword the library itself takes (SqlClient has no `Maximum Pool
/// Size`) and the maximum its pool then has.
fn help(library: Library) -> String {
    if library == Library::Prisma {
        return "set connection_limit to the process's peak of concurrent queries, e.g. 10 (Prisma's default is the CPU count × 2 + 1)".to_owned();
    }
    if library == Library::TypeOrm {
        return "set extra.connectionLimit (or poolSize) to the process's peak of concurrent queries, e.g. 10 (the mysql driver's default)".to_owned();
    }
    if library == Library::ActiveRecord {
        return "set max_connections to the process's thread count (e.g. <%= ENV.fetch(\"RAILS_MAX_THREADS\") { 5 } %>)".to_owned();
    }
    let max = library
        .size_properties()
        .map_or("Max Pool Size", |(_, max)| max);
    format!("remove Pooling=false: the pool is then bounded by {max}, 100 by default; set {max} to the process's peak of concurrent connections if that is fewer")
}

/// A minimum the .NET drivers refuse while parsing the string (below 0, or not a
/// number), with pooling off too.
fn refused_minimum(pool: &crate::model::Pool) -> bool {
    match &pool.min.value {
        crate::model::Val::Invalid(_) => true,
        crate::model::Val::Known(min) => *min < 0,
        crate::model::Val::Unknown(_) => false,
    }
}
