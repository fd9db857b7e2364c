//! `pool-size-invalid`: The pool's maximum is below 1 or its minimum is negative: the pool refuses to start.
//!
//! HikariCP's setters throw `IllegalArgumentException` while Spring binds the
//! properties, so the application fails to start [HK-CFG]. tarn.js (knex's pool) throws
//! for `max` below 1, a negative `min` or a non-integer [TARN], and sequelize-pool the
//! same (sequelize/sequelize-pool `src/Pool.ts`); Npgsql throws for a
//! negative `Minimum Pool Size` or `Maximum Pool Size` [NPGSQL-CSB]; SqlClient's
//! `SqlConnectionString` constructor throws for `_maxPoolSize < 1` or `_minPoolSize < 0`
//! (dotnet/SqlClient `SqlConnectionString.cs`) (rules-catalogue SZ01), also with
//! `Pooling=false`. A .NET `Pooling` value the driver refuses (Npgsql's `no`) is the
//! pool's maximum, invalid, and reported here too: the driver throws before any pool;
//! so is a keyword MySqlConnector does not have (it refuses the whole string).
//! MySqlConnector takes `Maximum Pool Size=0` but its pool then has no slot, and so
//! does Npgsql with its minimum of 0 ([`npgsql_zero`]).
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Engine, Library, Model, Origin, Pool, Setting, Val};
use crate::rules::{
    key_of, located, unreadable_server_value, Category, Inputs, RuleMeta, RuleOptions,
};

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

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut crate::rules::Findings) {
        for pool in &model.pools {
            let Some(library) = limits(pool.library) else {
                continue;
            };
            let names = match pool.library {
                Library::ActiveRecord => Some(("min_connections", "pool")),
                other => other.size_properties(),
            };
            let Some((min_name, max_name)) = names else {
                continue;
            };
            // `Pooling=false` is no pool at all, read as an unbounded maximum:
            // pool-unbounded reports it, and it is no negative pool size.
            let counts = [
                (&pool.max, max_name, &library.max, pool.pooling_disabled()),
                (&pool.min, min_name, &library.min, false),
            ];
            for (setting, property, bound, pooling_off) in counts {
                if setting.is_explicit() && !pooling_off {
                    out.extend(check_count(pool, setting, property, &library, bound));
                }
            }
            if pool.library == Library::ActiveRecord && pool.max.is_explicit() {
                out.extend(active_record_zero(pool));
            }
            if pool.library == Library::Npgsql && pool.max.is_explicit() {
                out.extend(npgsql_zero(pool));
            }
        }
        for pooler in &model.poolers {
            let global = [
                &pooler.default_pool_size,
                &pooler.max_client_conn,
                &pooler.max_db_connections,
                &pooler.max_user_connections,
                &pooler.max_db_client_connections,
                &pooler.max_user_client_connections,
            ];
            let entries = pooler.databases.iter().flat_map(|d| {
                [
                    d.pool_size.as_deref(),
                    d.max_db_connections.as_deref(),
                    d.max_db_client_connections.as_deref(),
                ]
            });
            let users = pooler.users.iter().flat_map(|u| {
                [
                    u.max_user_connections.as_ref(),
                    u.max_user_client_connections.as_ref(),
                ]
            });
            for setting in global
                .into_iter()
                .map(Option::as_ref)
                .chain(entries)
                .chain(users)
            {
                out.extend(setting.and_then(|s| unreadable(s, "PgBouncer")));
            }
        }
        for database in model
            .databases
            .iter()
            .filter(|d| d.engine == Engine::Postgres)
        {
            let counts = [
                Some(&database.max_connections),
                database.superuser_reserved_connections.as_ref(),
                database.reserved_connections.as_ref(),
            ];
            for setting in counts.into_iter().flatten() {
                out.extend(unreadable(setting, "PostgreSQL"));
            }
            out.extend(reserves_not_below_max(model, database));
        }
        for database in model
            .databases
            .iter()
            .filter(|d| matches!(d.engine, Engine::MySql | Engine::MariaDb))
        {
            out.extend(unreadable(&database.max_connections, "mysqld"));
            out.extend(adjusted(database));
        }
    }
}

/// A MySQL or MariaDB `max_connections` that the server runs as another number than
/// the one written (the reader says why): a warning at the value, since the server
/// starts, only with another limit than the file shows.
fn adjusted(database: &crate::model::Database) -> Option<Diagnostic> {
    let adjusted = database.max_connections_adjusted.as_ref()?;
    let setting = &database.max_connections;
    let (at, key, used) = (setting.location()?, setting.origin.key()?, setting.get()?);
    Some(
        Diagnostic::new(
            &META,
            Severity::Warning,
            at,
            format!("{key} is `{}`: {}", adjusted.written, adjusted.reason),
        )
        .with_label(format!("runs as {used}"))
        .with_help(format!(
            "write {key} as a number of connections from 10 to 100000, which MySQL and MariaDB both take as written"
        ))
        .with_key(key.to_owned())
        .with_fingerprint(&adjusted.written),
    )
}

/// The message PostgreSQL stops with: PostgreSQL 16's, which names `reserved_connections`,
/// when that is set, else the one every version prints (`PostmasterMain`).
fn server_refusal(superuser: i64, reserved: i64, max: i64) -> String {
    match reserved > 0 {
        true => format!("superuser_reserved_connections ({superuser}) plus reserved_connections ({reserved}) must be less than max_connections ({max})"),
        false => format!("superuser_reserved_connections ({superuser}) must be less than max_connections ({max})"),
    }
}

/// A PostgreSQL server whose reserved slots are not below `max_connections`: it refuses
/// to start ("superuser_reserved_connections (5) must be less than max_connections
/// (5)"; from PostgreSQL 16, "superuser_reserved_connections (5) plus
/// reserved_connections (1) must be less than max_connections (5)"). Only for what its
/// files say: a value `poollint.toml` declares describes a server that runs, but a
/// database declared with its `config` and nothing else is the files' server.
fn reserves_not_below_max(model: &Model, database: &crate::model::Database) -> Option<Diagnostic> {
    let superuser = database.superuser_reserved_connections.as_ref();
    let reserved = database.reserved_connections.as_ref();
    let declared = [Some(&database.max_connections), superuser, reserved]
        .into_iter()
        .flatten()
        .any(|s| matches!(s.origin, crate::model::Origin::Manifest { .. }));
    if declared {
        return None;
    }
    let known = |s: Option<&Setting<i64>>| s.and_then(|s| s.get().copied()).unwrap_or(0);
    let max = *database.max_connections.get()?;
    let reserves = known(superuser).saturating_add(known(reserved));
    if reserves < max {
        return None;
    }
    // At the reserve written in the file, else at max_connections.
    let written = [
        ("superuser_reserved_connections", superuser),
        ("reserved_connections", reserved),
        ("max_connections", Some(&database.max_connections)),
    ];
    let (key, at) = written.into_iter().find_map(|(name, s)| {
        let s = s.filter(|s| !s.origin.is_default())?;
        Some((name, s.location()?))
    })?;
    let place = |s: &Setting<i64>| crate::rules::topology::place(model, &s.origin);
    let reserve_terms: Vec<String> = [
        ("superuser_reserved_connections", superuser),
        ("reserved_connections", reserved),
    ]
    .into_iter()
    .filter_map(|(name, s)| Some((name, s?)))
    .filter(|(_, s)| s.get().is_some_and(|&v| v > 0))
    .map(|(name, s)| format!("{name} {} ({})", known(Some(s)), place(s)))
    .collect();
    Some(
        Diagnostic::new(
            &META,
            Severity::Error,
            at,
            format!(
                "{} {} no connection below max_connections {max} ({}): PostgreSQL refuses to start (\"{}\")",
                reserve_terms.join(" + "),
                if reserve_terms.len() == 1 { "leaves" } else { "leave" },
                place(&database.max_connections),
                server_refusal(known(superuser), known(reserved), max),
            ),
        )
        .with_label(format!("{reserves} reserved of {max}"))
        .with_help(format!(
            "raise max_connections above {reserves} (to the connections the applications need plus {reserves}), or lower the reserves"
        ))
        .with_key(key.to_owned())
        .with_fingerprint(format!("{}:reserves {reserves}>={max}", database.name)),
    )
}

/// A server's connection count the server refuses or misreads.
fn unreadable(setting: &Setting<i64>, server: &str) -> Option<Diagnostic> {
    unreadable_server_value(&META, setting, "not a valid connection count", |key| {
        format!("write {key} as a whole number of connections {server} accepts")
    })
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
    /// What a value that is not a whole number does (`{thrown}` is the bound's error).
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
                help: "set pool.max to an unquoted whole number of at least 1 (knex's default is 10)",
            },
            min: Bound {
                floor: 0,
                thrown: "\"Tarn: opt.min must be an integer >= 0\"",
                help: "set pool.min to 0 (knex recommends it) or an unquoted whole number up to pool.max",
            },
            consequence: "tarn.js throws {thrown} when knex creates the pool, so no query runs",
            unreadable: "tarn.js accepts only a JSON number that is an integer and throws {thrown} when knex creates the pool, so no query runs",
        }),
        // pg-pool keeps a negative `max` (it is truthy in `max || poolSize || 10`), so
        // its `_isFull()` always holds: it opens no client and every `connect()` waits.
        // A written 0 is its default, 10.
        Library::NodePostgres => Some(Limits {
            max: Bound {
                floor: 0,
                thrown: "",
                help: "set max to a whole number of at least 1 (node-postgres' default is 10)",
            },
            min: Bound {
                floor: i64::MIN,
                thrown: "",
                help: "",
            },
            consequence: "pg-pool keeps a negative max, so it counts itself full and opens no client: every connect() waits, forever without connectionTimeoutMillis",
            unreadable: "pg-pool compares its clients with it as a number, so the pool is not the size written",
        }),
        Library::Sequelize => Some(Limits {
            max: Bound {
                floor: 1,
                thrown: "\"max must be an integer > 0\"",
                help: "set pool.max to an unquoted whole number of at least 1 (Sequelize's default is 5)",
            },
            min: Bound {
                floor: 0,
                thrown: "\"min must be an integer >= 0\"",
                help: "set pool.min to 0 (Sequelize's default) or an unquoted whole number up to pool.max",
            },
            consequence: "sequelize-pool throws {thrown} when Sequelize creates the pool, so no query runs",
            unreadable: "sequelize-pool accepts only a JSON number that is an integer and throws {thrown} when Sequelize creates the pool, so no query runs",
        }),
        // Only values `to_i` misreads: a pool below 1 is `max_connections: -1`
        // (unbounded, Rails 8.1) or reported by pool-unbounded.
        Library::ActiveRecord => Some(Limits {
            max: Bound {
                floor: i64::MIN,
                thrown: "",
                help: "write pool (max_connections from Rails 8.1) as a whole number of at least 1 (Active Record's default is 5)",
            },
            min: Bound {
                floor: i64::MIN,
                thrown: "",
                help: "write min_connections as a whole number from 0 up to the pool size",
            },
            consequence: "",
            unreadable: "the pool is not the size written",
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
        Library::SqlClient => Some(Limits {
            max: Bound {
                floor: 1,
                thrown: "ArgumentException(\"Invalid value for key 'max pool size'.\")",
                help: "set Max Pool Size to a whole number of at least 1 (SqlClient's default is 100), or remove it and write Pooling=false for no pool (SqlClient checks Max Pool Size with pooling off too)",
            },
            min: Bound {
                floor: 0,
                thrown: "ArgumentException(\"Invalid value for key 'min pool size'.\")",
                help: "set Min Pool Size to 0 or a whole number up to Max Pool Size",
            },
            consequence: "SqlClient throws {thrown} when the connection string is set on the SqlConnection, so no connection opens",
            unreadable: "SqlClient cannot parse it and throws, so no connection opens",
        }),
        // MySqlConnector checks only the minimum against the maximum
        // (`ConnectionSettings`), then sizes its pool's semaphore by the maximum
        // (`m_sessionSemaphore = new(cs.MaximumPoolSize)`) and makes every session
        // wait on it first (mysql-net/MySqlConnector `src/MySqlConnector/Core/ConnectionPool.cs`,
        // `GetSessionAsync`): a maximum of 0 has no slot ever. Its sizes are unsigned,
        // so a negative one is refused while parsing (read as invalid).
        Library::MySqlConnector => Some(Limits {
            max: Bound {
                floor: 1,
                thrown: "every Open() waits Connection Timeout for a slot of the pool's semaphore, which has none, and throws",
                help: "set Maximum Pool Size to a whole number of at least 1 (MySqlConnector's default is 100), or write Pooling=false for no pool",
            },
            min: Bound {
                floor: 0,
                thrown: "the string is refused",
                help: "set Minimum Pool Size to 0 or a whole number up to Maximum Pool Size",
            },
            consequence: "MySqlConnector accepts it, but {thrown}",
            unreadable: "MySqlConnector throws when the connection string is set, so no connection opens",
        }),
        _ => None,
    }
}

/// Active Record `pool: 0` (or `max_connections: 0`): a pool of no connections, as `ten`
/// (which `to_i` reads as 0) is, and as any other number below 1 (`@connections.size <
/// size` never holds) but `max_connections: -1` (unlimited on Rails 8.1), which
/// pool-unbounded reports.
fn active_record_zero(pool: &Pool) -> Option<Diagnostic> {
    let max = *pool.max.get()?;
    if max > 0 || max == crate::model::UNBOUNDED_POOL {
        return None;
    }
    let at = located(&pool.max, pool)?;
    let property = pool.max.origin.written_name().unwrap_or("pool");
    // An ERB default (`ENV.fetch("DB_POOL") { 0 }`) holds unless the variable is set.
    let (severity, unless) = match &pool.max.origin {
        Origin::File { via: Some(via), .. } => (
            Severity::Warning,
            format!(" unless {} is set", crate::model::via_shown(via, false)),
        ),
        _ => (Severity::Error, String::new()),
    };
    Some(
        Diagnostic::new(
            &META,
            severity,
            at,
            format!(
                "{property} is {max}{unless}: a pool of no connections: every checkout waits checkout_timeout and raises ActiveRecord::ConnectionTimeoutError"
            ),
        )
        .with_label(format!("{max} is below 1"))
        .with_help("write pool (max_connections from Rails 8.1) as a whole number of at least 1 (Active Record's default is 5)")
        .with_key(key_of(&pool.max, pool, "pool"))
        .with_fingerprint(format!("{:?}", pool.max.value)),
    )
}

/// Npgsql `Maximum Pool Size=0` with a minimum of 0: its setter refuses only a negative
/// size and the minimum is not above it, so Npgsql takes the string; its pool then
/// opens no connection (`PoolingDataSource` opens one only while it holds fewer than
/// the maximum), so every `Open()` waits `Timeout` and throws "The connection pool has
/// been exhausted" (npgsql/npgsql `PoolingDataSource.cs`). A larger minimum is refused
/// (pool-min-exceeds-max); `Pooling=false` pools nothing.
fn npgsql_zero(pool: &Pool) -> Option<Diagnostic> {
    let zero = pool.max.get() == Some(&0) && !pool.pooling_disabled();
    let min_zero = matches!(pool.min.get(), Some(min) if *min <= 0);
    if !zero || !min_zero {
        return None;
    }
    let at = located(&pool.max, pool)?;
    let property = pool
        .max
        .origin
        .written_name()
        .unwrap_or("Maximum Pool Size");
    Some(
        Diagnostic::new(
            &META,
            Severity::Error,
            at,
            format!(
                "{property} is 0: Npgsql accepts it, but its pool opens no connection: every Open() waits Timeout and throws \"The connection pool has been exhausted\""
            ),
        )
        .with_label("0 is below 1")
        .with_help("set Maximum Pool Size to a whole number of at least 1 (Npgsql's default is 100), or write Pooling=false for no pool")
        .with_key(key_of(&pool.max, pool, "Maximum Pool Size"))
        .with_fingerprint("Known(0)"),
    )
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
    // Active Record reads `pool` or `max_connections` (Rails 8.1) into one setting: name
    // the one written.
    let written = setting.origin.written_name();
    let property = match (pool.library, written) {
        (
            Library::ActiveRecord | Library::Npgsql | Library::SqlClient | Library::MySqlConnector,
            Some(written),
        ) => written,
        _ => property,
    };
    let (message, label) = match &setting.value {
        Val::Known(v) if *v < bound.floor => (
            format!(
                "{property} is {v}: {}",
                limits.consequence.replace("{thrown}", bound.thrown)
            ),
            format!("{v} is below {}", bound.floor),
        ),
        // The .NET reader makes Npgsql's `Multiplexing=true` beside `Pooling=false` the
        // maximum, invalid: Npgsql refuses the string.
        Val::Invalid(invalid) if property.eq_ignore_ascii_case("Multiplexing") => (
            format!(
                "{property}={} with Pooling=false: {}, so no connection opens",
                invalid.raw, invalid.reason
            ),
            "multiplexing needs the pool".to_owned(),
        ),
        Val::Invalid(invalid) => (
            format!(
                "{property} `{}` cannot be read ({}): {}",
                invalid.raw,
                invalid.reason,
                limits.unreadable.replace("{thrown}", bound.thrown)
            ),
            "not a valid connection count".to_owned(),
        ),
        _ => return None,
    };
    // The .NET reader makes a refused `Pooling` value the maximum ([`pooling_fix`]).
    // It makes a keyword MySqlConnector lacks (`Timeout`) the maximum too.
    let (label, help) = match pooling_fix(pool.library, property, &setting.value) {
        Some(fix) => ("not a value the driver takes".to_owned(), fix.to_owned()),
        None => match refused_keyword_fix(pool.library, property, &setting.value) {
            Some(fix) => ("not a keyword the driver has".to_owned(), fix),
            None => (label, bound.help.to_owned()),
        },
    };
    Some(
        Diagnostic::new(&META, Severity::Error, at, message)
            .with_label(label)
            .with_help(help)
            .with_key(key)
            .with_fingerprint(format!("{:?}", setting.value)),
    )
}

/// How to fix a keyword MySqlConnector does not have, which the .NET reader makes the
/// pool's maximum (None for a pool size or `Pooling`, and for other libraries).
fn refused_keyword_fix(library: Library, property: &str, value: &Val<i64>) -> Option<String> {
    let squeezed = property.replace(' ', "").to_ascii_lowercase();
    let own = squeezed.ends_with("poolsize") || squeezed == "pooling";
    (library == Library::MySqlConnector && !own && matches!(value, Val::Invalid(_))).then(|| {
        format!(
            "remove {property}, or write the MySqlConnector keyword for it (https://mysqlconnector.net/connection-options/: `Connection Timeout`, `Connection Lifetime`, `Connection Idle Timeout`)"
        )
    })
}

/// How to write a .NET `Pooling` value the driver refuses (None for any other value).
fn pooling_fix(library: Library, property: &str, value: &Val<i64>) -> Option<&'static str> {
    if !matches!(value, Val::Invalid(_)) {
        return None;
    }
    if property.eq_ignore_ascii_case("Multiplexing") {
        return Some(
            "remove Pooling=false (Npgsql multiplexes over its pool), or remove Multiplexing=true",
        );
    }
    if !property.eq_ignore_ascii_case("Pooling") {
        return None;
    }
    match library {
        Library::Npgsql => Some("write Pooling=true, or Pooling=false for no pool (Npgsql takes no other value, not yes or no)"),
        Library::SqlClient => Some("write Pooling=true, or Pooling=false for no pool (SqlClient also takes yes and no)"),
        Library::MySqlConnector => Some("write Pooling=true, or Pooling=false for no pool (MySqlConnector also takes yes and no)"),
        _ => None,
    }
}
