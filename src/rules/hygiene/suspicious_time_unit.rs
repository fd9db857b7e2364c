//! `suspicious-time-unit`: A time value looks like it was written in the wrong unit (seconds in a millisecond setting, or similar).
//!
//! Heuristic, per parameter class (rules-catalogue HY09 [INC-HK1600][INC-HK1483]):
//! a millisecond setting from 1 to 999 is probably seconds (HikariCP [HK-README],
//! node-postgres `*Millis` [NPG-DOC], knex `acquireConnectionTimeout` [KNEX-DOC],
//! Sequelize `pool.acquire`/`pool.idle`); a second-unit *wait* of 1000 or more is
//! probably milliseconds (Rails `checkout_timeout`, Npgsql `Timeout`, PgBouncer
//! `query_wait_timeout`); a second-unit *lifetime* of 1,000,000 or more (about 11.6
//! days) likewise (Rails `idle_timeout`, Npgsql `Connection Lifetime`, PgBouncer
//! `server_lifetime`). A HikariCP value written with a unit (`30s`) cannot be bound to
//! its `long` and fails start-up (error). A .NET connect timeout the driver refuses while
//! parsing the connection string (not a 32-bit whole number, below 0, or above Npgsql's
//! 1024) is an error too: no connection opens; so is a knex `acquireConnectionTimeout`,
//! `pool.acquireTimeoutMillis` or `pool.idleTimeoutMillis` of 0, which tarn.js refuses.
use std::time::Duration;

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{parse_unit_duration, Library, Location, Model, Pool, Setting, Val};
use crate::rules::{
    key_of, located, unreadable_server_value, Category, Inputs, RuleMeta, RuleOption, RuleOptions,
};

pub static META: RuleMeta = RuleMeta {
    name: "suspicious-time-unit",
    category: Category::Hygiene,
    default_severity: Severity::Warning,
    inputs: Inputs::ConfigOnly,
    summary: "A time value looks like it was written in the wrong unit (seconds in a millisecond setting, or similar).",
    options: &[MILLIS_BELOW, SECONDS_WAIT_FROM, SECONDS_LIFETIME_FROM],
};

/// The heuristic thresholds (rules-catalogue HY09), each an option.
static MILLIS_BELOW: RuleOption = RuleOption {
    name: "millis-below",
    default: 1000.0,
    doc: "A millisecond setting from 1 to below this looks like seconds (heuristic).",
    min: 2.0,
    max: 1e12,
    min_exclusive: false,
    max_exclusive: false,
    aliases: &[],
    whole: true,
};
static SECONDS_WAIT_FROM: RuleOption = RuleOption {
    name: "seconds-wait-from",
    default: 1000.0,
    doc: "A wait in seconds of this or more looks like milliseconds (heuristic).",
    min: 1.0,
    max: 1e12,
    min_exclusive: false,
    max_exclusive: false,
    aliases: &[],
    whole: true,
};
static SECONDS_LIFETIME_FROM: RuleOption = RuleOption {
    name: "seconds-lifetime-from",
    default: 1_000_000.0,
    doc: "A lifetime in seconds of this or more looks like milliseconds (heuristic).",
    min: 1.0,
    max: 1e12,
    min_exclusive: false,
    max_exclusive: false,
    aliases: &[],
    whole: true,
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, options: &RuleOptions, out: &mut crate::rules::Findings) {
        let whole = |option: &RuleOption| options.get(option) as u64;
        let units = Units {
            millis: Unit::Millis(whole(&MILLIS_BELOW)),
            wait: Unit::SecondsWait(whole(&SECONDS_WAIT_FROM)),
            lifetime: Unit::SecondsLifetime(whole(&SECONDS_LIFETIME_FROM)),
        };
        for pool in &model.pools {
            out.extend(dotnet_refused_times(pool));
            out.extend(knex_refused_times(pool));
            out.extend(prisma_refused_times(pool));
            out.extend(active_record_refused_times(pool));
            for (setting, property, unit) in timed_settings(pool, units) {
                if let Some(setting) = setting.filter(|s| s.is_explicit()) {
                    out.extend(check(pool, setting, property, unit));
                }
            }
        }
        for pooler in &model.poolers {
            let settings = [
                (&pooler.query_wait_timeout, "query_wait_timeout", units.wait),
                (&pooler.server_lifetime, "server_lifetime", units.lifetime),
            ];
            for (setting, property, unit) in settings {
                let Some(setting) = setting.as_ref().filter(|s| s.is_explicit()) else {
                    continue;
                };
                if let Some(diagnostic) = unreadable(setting) {
                    out.push(diagnostic);
                    continue;
                }
                let Some(at) = setting.location() else {
                    continue;
                };
                let key = format!("pgbouncer.{property}");
                out.extend(unit_mismatch(
                    setting,
                    at,
                    key,
                    property,
                    "PgBouncer",
                    unit,
                    None,
                ));
            }
            let others = [
                &pooler.query_timeout,
                &pooler.client_idle_timeout,
                &pooler.server_idle_timeout,
                &pooler.idle_transaction_timeout,
            ];
            let users = pooler.users.iter().flat_map(|u| {
                [
                    &u.idle_transaction_timeout,
                    &u.query_timeout,
                    &u.client_idle_timeout,
                ]
                .into_iter()
                .flatten()
            });
            out.extend(
                others
                    .into_iter()
                    .flatten()
                    .chain(users)
                    .filter_map(unreadable),
            );
        }
        for database in &model.databases {
            let timeouts = [
                &database.statement_timeout,
                &database.idle_in_transaction_session_timeout,
                &database.idle_session_timeout,
            ];
            out.extend(timeouts.into_iter().flatten().filter_map(unreadable));
        }
    }
}

/// A server's time setting the server refuses or misreads.
fn unreadable(setting: &Setting<Duration>) -> Option<Diagnostic> {
    unreadable_server_value(&META, setting, "not a valid time", |key| {
        format!("write {key} as a plain number in its unit")
    })
}

/// The .NET time settings the driver refuses while it parses the connection string,
/// each the .NET reader's invalid value: the connect timeout (see the reader's
/// `connect_timeout`), SqlClient's `Connection Lifetime` below 0 (`SqlConnectionString`:
/// `_loadBalanceTimeout < 0` throws `InvalidConnectionOptionValue`) and Npgsql's
/// `Keepalive` below 0 (its setter throws "KeepAlive can't be negative"); a value that
/// is no 32-bit whole number fails the drivers' integer conversion too. Npgsql's idle
/// lifetime below its pruning interval, or an interval of 0, which its pool refuses
/// when it is created (the reader's `npgsql_pruned`).
fn dotnet_refused_times(pool: &Pool) -> Vec<Diagnostic> {
    let refusals: &[(&Setting<Duration>, &str, &str)] = match pool.library {
        Library::Npgsql => &[
            (
                &pool.acquire_timeout,
                "Npgsql throws an ArgumentException when it parses the connection string",
                "write Timeout as whole seconds from 0 to 1024 (Npgsql's default is 15)",
            ),
            (
                &pool.keepalive,
                "Npgsql throws ArgumentOutOfRangeException(\"KeepAlive can't be negative\") when it parses the connection string",
                "write Keepalive as whole seconds of 0 or more (0, the default, sends none)",
            ),
            (
                &pool.idle_timeout,
                "Npgsql throws it when it creates the pool, at the first Open()",
                "write Connection Idle Lifetime as whole seconds of at least Connection Pruning Interval (10 by default; Npgsql's idle lifetime default is 300), lowering the interval with it for a shorter idle lifetime",
            ),
        ],
        Library::SqlClient => &[
            (
                &pool.acquire_timeout,
                "SqlClient throws ArgumentException(\"Invalid value for key 'Connect Timeout'.\") when the connection string is set on the SqlConnection",
                "write Connect Timeout as whole seconds of 0 or more (SqlClient's default is 15)",
            ),
            (
                &pool.max_lifetime,
                "SqlClient throws ArgumentException(\"Invalid value for key 'Load Balance Timeout'.\") when the connection string is set on the SqlConnection",
                "write Connection Lifetime as whole seconds of 0 or more (0, the default, keeps connections)",
            ),
        ],
        _ => &[],
    };
    refusals
        .iter()
        .filter_map(|(setting, consequence, help)| dotnet_refused(pool, setting, consequence, help))
        .collect()
}

/// One .NET time setting the driver refuses: its invalid value, reported at it.
fn dotnet_refused(
    pool: &Pool,
    setting: &Setting<Duration>,
    consequence: &str,
    help: &str,
) -> Option<Diagnostic> {
    refused_time(pool, setting, "Timeout", help, |property, raw, reason| {
        Refusal {
            message: format!(
                "{property} `{raw}` is refused ({reason}): {consequence}, so no connection opens"
            ),
            label: "not a timeout the driver takes",
            severity: Severity::Error,
        }
    })
}

/// knex's wait and idle times that tarn.js refuses when knex creates the pool (the
/// reader's invalid values: 0, or no number), tarn's `checkRequiredTime` requiring a
/// number above 0 (`Tarn: invalid opt.acquireTimeoutMillis 0`) [TARN].
fn knex_refused_times(pool: &Pool) -> Vec<Diagnostic> {
    if pool.library != Library::Knex {
        return Vec::new();
    }
    let settings = [
        (
            &pool.acquire_timeout,
            "acquireConnectionTimeout",
            "remove it (knex's default is 60000) or write a number of milliseconds above 0, below the callers' deadline",
        ),
        (
            &pool.idle_timeout,
            "idleTimeoutMillis",
            "remove it (knex's default is 30000) or write a number of milliseconds above 0",
        ),
    ];
    each_refused(pool, &settings, |_, default_name, property, raw, reason| {
        // The option tarn.js names: knex passes its own timeout as tarn's.
        let tarn_name = match default_name {
            "acquireConnectionTimeout" => "acquireTimeoutMillis",
            other => other,
        };
        Refusal {
            message: format!(
                "{property} `{raw}` is refused ({reason}): tarn.js throws \"Tarn: invalid opt.{tarn_name} {}\" when knex creates the pool, so no query runs",
                raw.trim_matches('"')
            ),
            label: "not a time tarn.js takes",
            severity: Severity::Error,
        }
    })
}

/// Prisma's URL times that quaint refuses (not a whole number of seconds, such as
/// `pool_timeout=0.375`): `parse_query_params` reads them with `parse::<u64>` and
/// fails with `InvalidConnectionArguments`, so Prisma connects to nothing.
fn prisma_refused_times(pool: &Pool) -> Vec<Diagnostic> {
    if pool.library != Library::Prisma {
        return Vec::new();
    }
    let settings = [
        (&pool.acquire_timeout, "pool_timeout", "remove it (Prisma's default is 10) or write whole seconds, below the callers' deadline"),
        (&pool.idle_timeout, "max_idle_connection_lifetime", "remove it (Prisma's default is 300) or write whole seconds"),
        (&pool.max_lifetime, "max_connection_lifetime", "remove it (Prisma retires no connection by age) or write whole seconds"),
    ];
    let message = |property: &str, raw: &str| {
        format!("{property} `{raw}` is refused (not a whole number of seconds): Prisma's engine fails to read the URL (InvalidConnectionArguments), so no query runs")
    };
    each_refused(pool, &settings, |_, _, property, raw, _| Refusal {
        message: message(property, raw),
        label: "not whole seconds",
        severity: Severity::Error,
    })
}

/// Active Record times it refuses (`idle_timeout: false`, `false&.to_f` raises
/// NoMethodError when the pool is created) or reads as another number without an error
/// (`checkout_timeout: "5s"` is 5 s, `"0x10"` 0, `max_age: 1.5` 1 s): the Rails reader
/// makes them invalid, saying which ([`crate::model::InvalidCause::Misread`]), and
/// this reports them, at the value (rules-catalogue: Active Record reads each key with
/// `to_f` or `to_i`, [RAILS-HASH] in the reader).
fn active_record_refused_times(pool: &Pool) -> Vec<Diagnostic> {
    if pool.library != Library::ActiveRecord {
        return Vec::new();
    }
    let settings = [
        (&pool.acquire_timeout, "checkout_timeout", "write checkout_timeout as a plain number of seconds, such as 5 (Active Record's default), or remove it"),
        (&pool.idle_timeout, "idle_timeout", "write a plain number of seconds, such as 300 (Active Record's idle_timeout default; reaping_frequency's is 60), or remove it"),
        (&pool.max_lifetime, "max_age", "write max_age as a whole number of seconds, or remove it (no age limit)"),
        (&pool.keepalive, "keepalive", "write keepalive as a plain number of seconds, or remove it"),
    ];
    each_refused(pool, &settings, |setting, _, property, raw, reason| {
        let misread = matches!(&setting.value, Val::Invalid(i) if i.cause == Some(crate::model::InvalidCause::Misread));
        Refusal {
            message: match misread {
                true => format!("{property} is `{raw}`: {reason}"),
                false => format!("{property} `{raw}` is refused: {reason}"),
            },
            label: if misread {
                "read as another number"
            } else {
                "not a time Active Record takes"
            },
            severity: if misread {
                Severity::Warning
            } else {
                Severity::Error
            },
        }
    })
}

/// The findings on `settings` (each with the name it has when not written and the
/// help) whose values the library refuses ([`refused_time`]), each worded by
/// `refusal` from the setting, that name, the property as written, the raw value and
/// the reason.
fn each_refused(
    pool: &Pool,
    settings: &[(&Setting<Duration>, &str, &str)],
    refusal: impl Fn(&Setting<Duration>, &str, &str, &str, &str) -> Refusal,
) -> Vec<Diagnostic> {
    settings
        .iter()
        .filter_map(|(setting, name, help)| {
            refused_time(pool, setting, name, help, |property, raw, reason| {
                refusal(setting, name, property, raw, reason)
            })
        })
        .collect()
}

/// What a finding on a refused time says: its message and its label, and how severe it
/// is (a warning for a value the library runs with, read as another number).
struct Refusal {
    message: String,
    label: &'static str,
    severity: Severity,
}

/// The error at a time setting whose value the library refuses (an invalid value),
/// worded by `refusal` from the property as written (else `default_name`), the raw
/// value and the reason.
fn refused_time(
    pool: &Pool,
    setting: &Setting<Duration>,
    default_name: &str,
    help: &str,
    refusal: impl FnOnce(&str, &str, &str) -> Refusal,
) -> Option<Diagnostic> {
    let Val::Invalid(invalid) = &setting.value else {
        return None;
    };
    let at = setting.location()?;
    let property = setting.origin.written_name().unwrap_or(default_name);
    let crate::model::Invalid { raw, reason, .. } = &**invalid;
    let Refusal {
        message,
        label,
        severity,
    } = refusal(property, raw, reason);
    Some(
        Diagnostic::new(&META, severity, at, message)
            .with_label(label)
            .with_help(help)
            .with_key(key_of(setting, pool, property))
            .with_fingerprint(raw),
    )
}

/// How a setting's number is read, and so which values look like another unit, with
/// the threshold ([`MILLIS_BELOW`] and the other options).
#[derive(Clone, Copy)]
enum Unit {
    /// Milliseconds: 1 to below this (1000) looks like seconds.
    Millis(u64),
    /// Seconds to wait: this (1000) or more looks like milliseconds.
    SecondsWait(u64),
    /// Seconds a connection lives: this (1,000,000: 11.6 days) or more looks like
    /// milliseconds.
    SecondsLifetime(u64),
}

/// The three units, with the run's thresholds.
#[derive(Clone, Copy)]
struct Units {
    millis: Unit,
    wait: Unit,
    lifetime: Unit,
}

type Timed<'p> = (Option<&'p Setting<Duration>>, &'static str, Unit);

/// The time settings of a pool, by the name its library gives them.
fn timed_settings(pool: &Pool, units: Units) -> Vec<Timed<'_>> {
    let Units {
        millis,
        wait,
        lifetime,
    } = units;
    let acquire = Some(&pool.acquire_timeout);
    let idle = Some(&pool.idle_timeout);
    match pool.library {
        Library::HikariCp => vec![
            (acquire, "connection-timeout", millis),
            (idle, "idle-timeout", millis),
            (Some(&pool.max_lifetime), "max-lifetime", millis),
            (Some(&pool.keepalive), "keepalive-time", millis),
            // As written: HikariCP's default (0, disabled) is no unit mistake.
            (
                pool.leak_detection_threshold_written.as_deref(),
                "leak-detection-threshold",
                millis,
            ),
        ],
        Library::NodePostgres | Library::TypeOrm => vec![
            (acquire, "connectionTimeoutMillis", millis),
            (idle, "idleTimeoutMillis", millis),
        ],
        // knex waits the smaller of `acquireConnectionTimeout` and
        // `pool.acquireTimeoutMillis`: the setting is named as it was written.
        Library::Knex => vec![
            (
                acquire,
                match pool.acquire_timeout.origin.written_name() {
                    Some("acquireTimeoutMillis") => "acquireTimeoutMillis",
                    _ => "acquireConnectionTimeout",
                },
                millis,
            ),
            (idle, "idleTimeoutMillis", millis),
        ],
        Library::Sequelize => vec![(acquire, "acquire", millis), (idle, "idle", millis)],
        Library::ActiveRecord => vec![
            (acquire, "checkout_timeout", wait),
            (idle, "idle_timeout", lifetime),
        ],
        Library::Npgsql => vec![
            (acquire, "Timeout", wait),
            (Some(&pool.max_lifetime), "Connection Lifetime", lifetime),
        ],
        _ => Vec::new(),
    }
}

fn check(
    pool: &Pool,
    setting: &Setting<Duration>,
    property: &str,
    unit: Unit,
) -> Option<Diagnostic> {
    let at = located(setting, pool)?;
    let key = key_of(setting, pool, property);
    if pool.library != Library::HikariCp {
        return unit_mismatch(setting, at, key, property, pool.library.name(), unit, None);
    }
    // The connection-timeout suggested must pass hikari-timeout-constraints too.
    let validation_timeout = pool.validation_timeout();
    let validation = (property == "connection-timeout").then_some(validation_timeout.as_deref());
    match &setting.value {
        // A negative value HikariCP's setter takes: its rules say what it runs with.
        Val::Invalid(invalid)
            if matches!(invalid.cause, Some(crate::model::InvalidCause::Negative(_))) =>
        {
            None
        }
        Val::Invalid(invalid) => {
            let crate::model::Invalid { raw, reason, .. } = &**invalid;
            let millis = parse_unit_duration(raw).map(|d| d.as_millis().to_string());
            let help = match &millis {
                Some(ms) => format!("write {ms} (milliseconds) instead of `{raw}`"),
                None => format!("write a whole number of milliseconds for {property}"),
            };
            let message =
                format!("{property} cannot be bound: {reason}, so the application fails to start");
            let diagnostic = Diagnostic::new(&META, Severity::Error, at, message)
                .with_label("not a number of milliseconds")
                .with_help(help)
                .with_key(key)
                .with_fingerprint(raw);
            Some(match millis {
                Some(ms) => diagnostic.with_value_fix(at, raw.clone(), ms),
                None => diagnostic,
            })
        }
        Val::Known(_) => unit_mismatch(setting, at, key, property, "HikariCP", unit, validation),
        _ => None,
    }
}

/// A known value that looks like it was written in another unit than `library` reads.
/// `validation` is given for a HikariCP `connection-timeout`: Some(the pool's
/// validation timeout, None when it has none set), so the value suggested comes with a
/// validation timeout below it when the pool's is not.
fn unit_mismatch(
    setting: &Setting<Duration>,
    at: Location,
    key: String,
    property: &str,
    library: &str,
    unit: Unit,
    validation: Option<Option<&Setting<Duration>>>,
) -> Option<Diagnostic> {
    let value = setting.get()?;
    // No fix is offered here: which unit was meant is a guess ("if … was meant"), and
    // 250 ms may be exactly what was meant.
    let (written, message, help) = match unit {
        Unit::Millis(below) => {
            let ms = value.as_millis();
            if !(1..u128::from(below)).contains(&ms) {
                return None;
            }
            // As written: `1.5`, not the whole milliseconds it holds.
            let exact = format!("{:.3}", value.as_secs_f64() * 1000.0);
            let shown = exact.trim_end_matches('0').trim_end_matches('.');
            let seconds = if shown == "1" { "second" } else { "seconds" };
            let meant = (value.as_secs_f64() * 1_000_000.0).round() as u128;
            let validation_too = validation
                .map(|v| {
                    crate::model::hikari::with_validation_below(
                        u64::try_from(meant).unwrap_or(u64::MAX),
                        v,
                    )
                })
                .unwrap_or_default();
            (
                format!("{shown} ms"),
                format!("{property} is {shown} ms; {library} reads milliseconds, so this looks like {shown} {seconds} written in the wrong unit"),
                format!("if {shown} {seconds} was meant, write {meant}{validation_too}"),
            )
        }
        Unit::SecondsWait(floor) | Unit::SecondsLifetime(floor) => {
            let secs = value.as_secs();
            if secs < floor {
                return None;
            }
            let meant = (secs / 1000).max(1);
            (
                format!("{secs} s"),
                format!(
                    "{property} is {secs} seconds (about {}); {library} reads seconds, so this looks like milliseconds written in the wrong unit",
                    roughly(secs)
                ),
                format!("if {secs} milliseconds was meant, write {meant}"),
            )
        }
    };
    Some(
        Diagnostic::new(&META, Severity::Warning, at, message)
            .with_label(written)
            .with_help(help)
            .with_key(key)
            .with_fingerprint(value.as_millis().to_string()),
    )
}

/// `83 minutes`, `41.7 days`: the scale of a long duration, for messages.
fn roughly(secs: u64) -> String {
    const HOUR: u64 = 3600;
    const DAY: u64 = 24 * HOUR;
    if secs >= 2 * DAY {
        format!("{:.1} days", secs as f64 / DAY as f64)
    } else if secs >= 2 * HOUR {
        format!("{:.1} hours", secs as f64 / HOUR as f64)
    } else {
        format!("{} minutes", secs / 60)
    }
}
