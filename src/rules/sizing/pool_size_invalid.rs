//! `pool-size-invalid`: The pool's maximum is below 1 or its minimum is negative: the pool refuses to start.
//!
//! HikariCP's setters throw `IllegalArgumentException` while Spring binds the
//! properties, so the application fails to start [HK-CFG]. tarn.js (knex's pool) throws
//! for `max` below 1, a negative `min` or a non-integer [TARN]; Npgsql throws for a
//! negative `Minimum Pool Size` or `Maximum Pool Size` [NPGSQL-CSB] (rules-catalogue SZ01).
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Library, Model, Pool, Setting, Val};
use crate::rules::{key_of, located, Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "pool-size-invalid",
    category: Category::Sizing,
    default_severity: Severity::Error,
    inputs: Inputs::ConfigOnly,
    summary: "The pool's maximum is below 1 or its minimum is negative: the pool refuses to start.",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut Vec<Diagnostic>) {
        for pool in &model.pools {
            let Some(library) = limits(pool.library) else {
                continue;
            };
            let Some((min_name, max_name)) = pool.library.size_properties() else {
                continue;
            };
            let counts = [
                (&pool.max, max_name, &library.max),
                (&pool.min, min_name, &library.min),
            ];
            for (setting, property, bound) in counts {
                if setting.is_explicit() {
                    out.extend(check_count(pool, setting, property, &library, bound));
                }
            }
        }
    }
}

/// One count and the smallest value the library accepts.
struct Bound {
    floor: i64,
    /// What the library throws below the floor.
    thrown: &'static str,
    help: &'static str,
}

/// A library's bounds and what happens when one is broken.
struct Limits {
    max: Bound,
    min: Bound,
    /// "HikariCP throws … while Spring binds it, so the application fails to start".
    consequence: &'static str,
    /// What a value that is not a whole number does.
    unreadable: &'static str,
}

fn limits(library: Library) -> Option<Limits> {
    match library {
        Library::HikariCp => Some(Limits {
            max: Bound {
                floor: 1,
                thrown: "IllegalArgumentException(\"maxPoolSize cannot be less than 1\")",
                help: "set maximum-pool-size to a whole number of at least 1 (HikariCP's default is 10)",
            },
            min: Bound {
                floor: 0,
                thrown: "IllegalArgumentException(\"minimumIdle cannot be negative\")",
                help: "remove minimum-idle (the pool is then fixed-size, as HikariCP recommends) or set it between 0 and maximum-pool-size",
            },
            consequence: "HikariCP throws {thrown} while Spring binds it, so the application fails to start",
            unreadable: "Spring cannot bind it, so the application fails to start",
        }),
        Library::Knex => Some(Limits {
            max: Bound {
                floor: 1,
                thrown: "\"Tarn: opt.max must be an integer > 0\"",
                help: "set pool.max to a whole number of at least 1 (knex's default is 10)",
            },
            min: Bound {
                floor: 0,
                thrown: "an error for a negative min",
                help: "set pool.min to 0 (knex recommends it) or a whole number up to pool.max",
            },
            consequence: "tarn.js throws {thrown} when knex creates the pool, so no query runs",
            unreadable: "tarn.js requires an integer and throws when knex creates the pool, so no query runs",
        }),
        Library::Npgsql => Some(Limits {
            max: Bound {
                floor: 0,
                thrown: "an ArgumentException",
                help: "set Maximum Pool Size to a positive number (Npgsql's default is 100)",
            },
            min: Bound {
                floor: 0,
                thrown: "an ArgumentException",
                help: "set Minimum Pool Size to 0 or a positive number up to Maximum Pool Size",
            },
            consequence: "Npgsql throws {thrown} when it parses the connection string, so no connection opens",
            unreadable: "Npgsql cannot parse it and throws, so no connection opens",
        }),
        _ => None,
    }
}

fn check_count(
    pool: &Pool,
    setting: &Setting<i64>,
    property: &str,
    limits: &Limits,
    bound: &Bound,
) -> Option<Diagnostic> {
    let at = located(setting, pool)?;
    let key = key_of(setting, pool, property);
    let (message, label) = match &setting.value {
        Val::Known(v) if *v < bound.floor => (
            format!(
                "{property} is {v}: {}",
                limits.consequence.replace("{thrown}", bound.thrown)
            ),
            format!("{v} is below {}", bound.floor),
        ),
        Val::Invalid(invalid) => (
            format!(
                "{property} `{}` cannot be read ({}): {}",
                invalid.raw, invalid.reason, limits.unreadable
            ),
            "not a valid connection count".to_owned(),
        ),
        _ => return None,
    };
    Some(
        Diagnostic::new(&META, Severity::Error, at, message)
            .with_label(label)
            .with_help(bound.help)
            .with_key(key)
            .with_fingerprint(format!("{:?}", setting.value)),
    )
}
