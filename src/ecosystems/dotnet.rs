//! .NET connection strings in `appsettings*.json` (`ConnectionStrings`): Npgsql and
//! Microsoft.Data.SqlClient pool keywords, with spans to each parameter inside the
//! string. Facts and defaults: rules-catalogue §1.10 [NPGSQL-CSB][SQLCLIENT-POOL].
//! A string with a keyword or `SslMode` value only MySqlConnector has, or `Port=3306`,
//! is MySqlConnector's; else one with `Host=` is Npgsql, and so is one with its alias
//! `Server=` and a keyword SqlClient does not have (`Port`, `Username`, …); anything
//! else is SqlClient.

use std::path::Path;
use std::time::Duration;

use super::connection_string;
use super::{file_name, ParsedFile, Reader};
use crate::model::{
    ClassSettings, ConnectionInfo, Ecosystem, Library, Location, Model, NamedSettings, Origin,
    Pool, Service, Setting, TextMap, Val, UNBOUNDED_POOL,
};
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::{self, Format};

pub struct DotNet;

const NPGSQL_DOC: &str = "https://www.npgsql.org/doc/connection-string-parameters.html";
const MYSQLCONNECTOR_DOC: &str = "https://mysqlconnector.net/connection-options/";
const SQLCLIENT_DOC: &str =
    "https://learn.microsoft.com/dotnet/framework/data/adonet/sql-server-connection-pooling";

impl Reader for DotNet {
    fn ecosystem(&self) -> Ecosystem {
        Ecosystem::DotNet
    }

    fn recognise(&self, path: &Path) -> Option<Format> {
        let name = file_name(path)?;
        (name.starts_with("appsettings") && name.ends_with(".json")).then_some(Format::DotNetJson)
    }

    /// A directory's `appsettings*.json` files are one application: the environment
    /// files (`appsettings.Production.json`) layer over `appsettings.json`.
    fn unit<'p>(&self, path: &'p Path) -> Option<&'p Path> {
        path.parent()
    }

    fn read(&self, files: &[&ParsedFile], sources: &SourceMap) -> Model {
        let mut apps: std::collections::BTreeMap<&Path, Vec<&ParsedFile>> = Default::default();
        for file in files {
            let dir = file.path.parent().unwrap_or(Path::new(""));
            apps.entry(dir).or_default().push(file);
        }
        let mut model = Model::default();
        for files in apps.into_values() {
            let first = model.pools.len();
            for file in &files {
                read_file(file, sources, &mut model);
            }
            if let (Some(file), true) = (files.first(), model.pools.len() > first) {
                model.services.push(Service::new(
                    crate::source::display_dir(&file.path),
                    Ecosystem::DotNet,
                    (first..model.pools.len()).collect(),
                ));
            }
        }
        model
    }
}

/// Whether a variable holds a .NET connection string (`ConnectionStrings__Db`,
/// `SQLCONNSTR_Db`): its passwords are read with ADO.NET's grammar.
pub(crate) fn is_connection_string_variable(name: &str) -> bool {
    environment_connection_string(name).is_some()
}

/// The connection string an environment variable sets, by name, and the library its
/// prefix names: .NET configuration reads `ConnectionStrings__Default` (`__` is the `:`
/// separator; names are matched without case) as `ConnectionStrings:Default`, over every
/// `appsettings*.json`
/// (https://learn.microsoft.com/aspnet/core/fundamentals/configuration/#naming-of-environment-variables),
/// and the Azure App Service variables of [`CONNECTION_STRING_PREFIXES`] so too.
fn environment_connection_string(name: &str) -> Option<(&str, Option<Library>)> {
    if let Some(found) = azure_connection_string(name) {
        return Some(found);
    }
    let prefix = name.get(..SECTION.len())?;
    let rest = name.get(SECTION.len()..)?;
    if !prefix.eq_ignore_ascii_case(SECTION) {
        return None;
    }
    let key = rest.strip_prefix("__").or_else(|| rest.strip_prefix(':'))?;
    (!key.is_empty()).then_some((key, None))
}

/// The connection-string variables Azure App Service sets (`SQLCONNSTR_Default`), which
/// .NET's `EnvironmentVariablesConfigurationProvider` (dotnet/runtime,
/// Microsoft.Extensions.Configuration.EnvironmentVariables) reads as
/// `ConnectionStrings:Default`, prefixes matched without case and tried in this order,
/// setting `ConnectionStrings:Default_ProviderName` to the provider given here (none for
/// `CUSTOMCONNSTR_`). They are read only by an `AddEnvironmentVariables()` without a
/// prefix, which the default host builders call. `POSTGRESQLCONNSTR_` is recent (older
/// releases know the other four); MySQL's provider (`MySql.Data.MySqlClient`, for which
/// MySqlConnector is the drop-in most use) is read as MySqlConnector, whose keywords and
/// defaults poollint knows: its string is no SqlClient or Npgsql one. The
/// provider's other prefixes (`REDISCACHECONNSTR_`, `SERVICEBUSCONNSTR_`, …) name no
/// database and are not read.
const CONNECTION_STRING_PREFIXES: &[(&str, Option<Library>)] = &[
    ("MYSQLCONNSTR_", Some(Library::MySqlConnector)),
    ("SQLAZURECONNSTR_", Some(Library::SqlClient)),
    ("SQLCONNSTR_", Some(Library::SqlClient)),
    ("POSTGRESQLCONNSTR_", Some(Library::Npgsql)),
    ("CUSTOMCONNSTR_", None),
];

/// `SQLCONNSTR_Default` → `Default` and SqlClient ([`CONNECTION_STRING_PREFIXES`]).
fn azure_connection_string(name: &str) -> Option<(&str, Option<Library>)> {
    CONNECTION_STRING_PREFIXES
        .iter()
        .find_map(|(prefix, library)| {
            let written = name.get(..prefix.len())?;
            let key = name.get(prefix.len()..)?;
            (written.eq_ignore_ascii_case(prefix) && !key.is_empty()).then_some((key, *library))
        })
}

/// The pools a deployment's environment sets (`ConnectionStrings__Default=Host=db;…`,
/// `SQLCONNSTR_Default=Server=db;…`), named as `appsettings.json`'s
/// (`ConnectionStrings.Default`), with spans inside the variable's value: joined to the
/// application, each replaces the whole connection string of that name, in every
/// environment's file.
pub fn model_from_environment(vars: &[crate::model::EnvVar]) -> Model {
    let mut model = Model::default();
    for var in vars {
        let Some((name, provider)) = environment_connection_string(&var.name) else {
            continue;
        };
        let key = format!("ConnectionStrings.{name}");
        let at = var.value_location;
        // The last setting of a variable wins.
        model.pools.retain(|p| !p.name.eq_ignore_ascii_case(&key));
        let pool = match var.unknown_reason() {
            Some(reason) => Some(unknown_string(&key, at, provider, &reason)),
            None => {
                let written = (var.value.as_str(), var.text_map(), at.span);
                // A compose `$${POOL}` is the literal `${POOL}` the driver gets.
                let placeholders = match var.verbatim {
                    true => Written::File,
                    false => Written::Environment,
                };
                read_string(at.file, &key, written, provider, placeholders)
            }
        };
        model.pools.extend(pool.map(Box::new));
    }
    model
}

/// A connection string a variable sets to a value the files do not give (a Secret
/// not among them): every setting is unknown, located at where the value comes from,
/// so the string it replaces is not judged ([`crate::topology`]). Its library is the
/// one the variable's prefix names, else SqlClient; with no known value it decides
/// nothing.
fn unknown_string(key: &str, at: Location, provider: Option<Library>, reason: &str) -> Pool {
    fn unknown<T>(at: Location, key: &str, reason: &str) -> Setting<T> {
        Setting {
            value: Val::unknown(reason.to_owned()),
            origin: Origin::File {
                file: at.file,
                span: at.span,
                key: key.into(),
                via: None,
            },
        }
    }
    Pool {
        name: key.to_owned(),
        library: provider.unwrap_or(Library::SqlClient),
        ecosystem: Ecosystem::DotNet,
        profile: None,
        anchor: Some(at),
        max: unknown(at, key, reason),
        min: unknown(at, key, reason),
        acquire_timeout: unknown(at, key, reason),
        idle_timeout: unknown(at, key, reason),
        max_lifetime: unknown(at, key, reason),
        keepalive: unknown(at, key, reason),
        validate_on_borrow: None,
        validation_timeout_written: None,
        leak_detection_threshold_written: None,
        auto_commit: None,
        connection: None,
        driver_properties: NamedSettings::new(),
        session_variables: NamedSettings::new(),
        init_sql_written: false,
        username_written: None,
        class_settings: ClassSettings::default(),
        url_variables: None,
    }
}

/// The environment an `appsettings.<Environment>.json` file applies to: its pools are
/// that environment's, and `appsettings.json`'s apply where it defines none.
fn environment_of(path: &Path) -> Option<String> {
    let name = file_name(path)?;
    let env = name.strip_prefix("appsettings.")?.strip_suffix(".json")?;
    (!env.is_empty()).then(|| env.to_owned())
}

/// One file's connection strings as pools, and its secrets.
fn read_file(file: &ParsedFile, sources: &SourceMap, model: &mut Model) {
    let text = sources.get(file.id).map_or("", |f| f.text());
    let doc = &file.doc;
    // Every password of the file is masked (a finding's snippet may show any
    // line); those of `ConnectionStrings` (any case, nested or `:`-joined) are the
    // pools' and reported.
    model.secrets.extend(super::document_secrets_in(
        file,
        text,
        &|path| {
            path.get(..SECTION.len())
                .is_some_and(|s| s.eq_ignore_ascii_case(SECTION))
                && matches!(path.as_bytes().get(SECTION.len()), Some(b'.' | b':'))
        },
        // .NET reads its key/value strings with ADO.NET's grammar, `;` or not.
        connection_string::ado_net_password_ranges,
    ));
    let profile = environment_of(&file.path);
    // A name written twice is a parse-error (.NET refuses the file), and a file with
    // one is not read: each name here is written once.
    for leaf in syntax::dotnet_json::config_leaves(doc) {
        let (Some(name), Some(value)) = (connection_string_name(&leaf.path), doc.text(leaf.value))
        else {
            continue;
        };
        let span = doc.span(leaf.value);
        // Byte offset of the string's text in the file (None when escapes changed it).
        let base = super::written_at(text, span, value);
        let key = format!("{SECTION}.{name}");
        let pool = read_string(
            file.id,
            &key,
            (value, base.into(), span),
            None,
            Written::File,
        );
        model.pools.extend(pool.map(|pool| {
            Box::new(Pool {
                profile: profile.clone(),
                ..pool
            })
        }));
    }
}

/// The connection string name of a configuration key: `ConnectionStrings:Main` (the
/// section name in any case, as .NET's configuration keys are), whether the JSON nests
/// it or writes the `:`-joined key. Deeper keys are no connection string.
fn connection_string_name(path: &str) -> Option<&str> {
    let (section, name) = path.split_once(':')?;
    (section.eq_ignore_ascii_case(SECTION) && !name.is_empty() && !name.contains(':'))
        .then_some(name)
}

/// The configuration section `GetConnectionString` reads.
const SECTION: &str = "ConnectionStrings";

/// The pool of the connection string `value`, written at `whole` with its text where
/// `base` says ([`super::written_at`], or part by part after a substitution);
/// `provider` is the library a variable's prefix names (`POSTGRESQLCONNSTR_`), else the
/// string's keywords tell ([`library_of`]).
fn read_string(
    file: FileId,
    key: &str,
    (value, base, whole): (&str, TextMap, Span),
    provider: Option<Library>,
    written: Written,
) -> Option<Pool> {
    // A deployment variable's `${VAR}` the repository does not give is unknown; in a
    // file it is the text the driver gets.
    let set_by_variable = |value: &str| match written {
        Written::Environment => variable_reference(value),
        Written::File => None,
    };
    let parsed = connection_string::parse_ado_net(value)?;
    let at = |range: &std::ops::Range<usize>| base.span(whole, range.clone());
    let library = provider.unwrap_or_else(|| library_of(&parsed));
    let npgsql = library == Library::Npgsql;
    let mysql = library == Library::MySqlConnector;
    let doc = match library {
        Library::Npgsql => &NPGSQL_DOC,
        Library::MySqlConnector => &MYSQLCONNECTOR_DOC,
        _ => &SQLCLIENT_DOC,
    };
    let anchor = Some(Location { file, span: whole });
    let default = |v| {
        Setting::known(
            v,
            Origin::Default {
                library: library.name_text(),
                doc,
                anchor,
            },
        )
    };
    // Synonyms (`Timeout`, `Connect Timeout`, `Connection Timeout`) set one keyword in
    // each driver (SqlClient's `DbConnectionOptions`, Npgsql's and MySqlConnector's
    // builders): the last one written wins, wherever its name is in the list.
    let param = |names: &[&str]| {
        parsed
            .params
            .iter()
            .rev()
            .find(|p| names.iter().any(|n| p.name.eq_ignore_ascii_case(n)))
    };
    // Npgsql's builder sets every pair it reads through the property's setter,
    // duplicates included (`DbConnectionStringBuilder.ConnectionString` walks its key
    // chain), so the first value a setter refuses throws though a later one would be
    // taken: `Maximum Pool Size=-3;Maximum Pool Size=10` opens nothing.
    let first_refused = |names: &[&str], refuses: &dyn Fn(&str) -> bool| {
        let named =
            |p: &&connection_string::Param| names.iter().any(|n| p.name.eq_ignore_ascii_case(n));
        let refused = |p: &&connection_string::Param| refuses(p.value.trim());
        npgsql
            .then(|| parsed.params.iter().filter(named).find(refused))
            .flatten()
            .or_else(|| param(names))
    };
    let setting_of =
        |p: &connection_string::Param, parse: &dyn Fn(&str) -> Result<i64, String>| Setting {
            value: match set_by_variable(&p.value) {
                Some(reason) => Val::unknown(reason),
                None => Val::from_result(p.value.as_str(), parse(p.value.trim())),
            },
            origin: Origin::File {
                file,
                span: at(&p.value_range),
                key: format!("{key}.{}", p.name).into(),
                via: None,
            },
        };
    let setting = |names: &[&str], parse: &dyn Fn(&str) -> Result<i64, String>| {
        first_refused(names, &|v| parse(v).is_err()).map(|p| setting_of(p, parse))
    };
    // A spelling the driver does not know makes it throw `Keyword not supported`, so no
    // connection opens: SqlClient knows only `Max Pool Size`, Npgsql only `Maximum Pool
    // Size` and `MaxPoolSize` ([`Keywords::of`]).
    let keywords = Keywords::of(library);
    let refusal = |written: &[&str], refused: &[&str]| {
        let p = param(refused)?;
        let reason = format!(
            "{} knows this keyword only as `{}` and throws {}",
            library.name_text(),
            written.first().copied().unwrap_or_default(),
            keywords.not_supported(&p.name)
        );
        Some((p, reason))
    };
    let size = |(written, refused): (&[&str], &[&str])| -> Option<Setting<i64>> {
        if let Some((_, reason)) = refusal(written, refused) {
            return setting(refused, &|_| Err(reason.clone()));
        }
        let parse: &dyn Fn(&str) -> Result<i64, String> =
            if mysql { &unsigned_int32 } else { &int32 };
        // Npgsql's setters refuse a negative size too.
        let refuses = |v: &str| parse(v).map_or(true, |n| n < 0);
        first_refused(written, &refuses).map(|p| setting_of(p, parse))
    };
    let min = size(keywords.min).unwrap_or_else(|| default(0));
    let written_max = size(keywords.max);
    // A keyword MySqlConnector does not have makes it refuse the whole string, and a
    // refused `Pooling` value too: either is the pool's maximum, invalid where it is
    // written, as no connection opens and no pool size holds.
    let pooling = param(&["Pooling"]).filter(|p| set_by_variable(&p.value).is_none());
    let max = match (
        mysql
            .then(|| keyword_mysqlconnector_lacks(&parsed))
            .flatten(),
        pooling.map(|p| pooling_on(library, &p.value)),
    ) {
        (Some(lacking), _) => {
            let reason = format!(
                "MySqlConnector has no keyword `{0}` and throws ArgumentException(\"Option '{0}' not supported.\") for the whole string",
                lacking.name
            );
            setting(&[lacking.name.as_str()], &|_| Err(reason.clone()))?
        }
        (None, Some(Err(reason))) => setting(&["Pooling"], &|_| Err(reason.clone()))?,
        // Npgsql multiplexes over its pool: `PostProcessAndValidate` throws without one.
        (None, Some(Ok(false))) if npgsql && multiplexing(&parsed) => {
            let reason = "Npgsql throws ArgumentException(\"Pooling must be on to use multiplexing\") before it opens a connection".to_owned();
            setting(&["Multiplexing"], &|_| Err(reason.clone()))?
        }
        (None, Some(Ok(false))) => {
            match written_max.filter(|m| refused_without_pool(library, m, &min)) {
                Some(refused) => refused,
                None => setting(&["Pooling"], &|_| Ok(UNBOUNDED_POOL))?,
            }
        }
        _ => written_max.unwrap_or_else(|| default(100)),
    };
    let seconds =
        |names: &[&str], fallback: u64, parse: &dyn Fn(&str) -> Result<Duration, String>| {
            first_refused(names, &|v| parse(v).is_err()).map_or_else(
                || {
                    Setting::known(
                        Duration::from_secs(fallback),
                        Origin::Default {
                            library: library.name_text(),
                            doc,
                            anchor,
                        },
                    )
                },
                |p| Setting {
                    value: set_by_variable(&p.value).map_or_else(
                        || Val::from_result(p.value.as_str(), parse(p.value.trim())),
                        Val::unknown,
                    ),
                    origin: Origin::File {
                        file,
                        span: at(&p.value_range),
                        key: format!("{key}.{}", p.name).into(),
                        via: None,
                    },
                },
            )
        };
    Some(Pool {
        name: key.to_owned(),
        library,
        ecosystem: Ecosystem::DotNet,
        profile: None,
        anchor,
        max,
        min,
        acquire_timeout: match refusal(keywords.timeout.0, keywords.timeout.1) {
            Some((p, reason)) => seconds(&[p.name.as_str()], 15, &|_| Err(reason.clone())),
            None => seconds(keywords.timeout.0, 15, &|t| connect_timeout(library, t)),
        },
        // MySqlConnector's idle keyword and default differ from Npgsql's
        // (`Connection Idle Timeout`, 180 s).
        idle_timeout: if mysql {
            seconds(
                &["Connection Idle Timeout", "ConnectionIdleTimeout"],
                180,
                &plain_seconds,
            )
        } else if npgsql {
            let pruning = param(PRUNING_INTERVAL)
                .map(|_| seconds(PRUNING_INTERVAL, NPGSQL_PRUNING_INTERVAL, &plain_seconds));
            npgsql_pruned(
                seconds(&["Connection Idle Lifetime"], 300, &plain_seconds),
                pruning,
            )
        } else {
            seconds(&["Connection Idle Lifetime"], 0, &plain_seconds)
        },
        max_lifetime: seconds(
            keywords.lifetime,
            if npgsql { 3600 } else { 0 },
            &plain_seconds,
        ),
        keepalive: seconds(keywords.keepalive, 0, &plain_seconds),
        validate_on_borrow: None,
        validation_timeout_written: None,
        leak_detection_threshold_written: None,
        auto_commit: None,
        connection: Some(Box::new(ConnectionInfo {
            // The server (`Host`, or SqlClient's `Server`/`Data Source`): whether the
            // pool may reach the only database ([`crate::model::links::may_reach`]).
            host: param(&["Host", "Server", "Data Source"]).map(|p| Setting {
                value: set_by_variable(&p.value)
                    .map_or_else(|| Val::Known(p.value.trim().to_owned()), Val::unknown),
                origin: Origin::File {
                    file,
                    span: at(&p.value_range),
                    key: format!("{key}.{}", p.name).into(),
                    via: None,
                },
            }),
            // Npgsql prepares statements server-side once `Max Auto Prepare` is above 0
            // (transaction-pooling-session-features reads it).
            params: match param(&["Max Auto Prepare", "MaxAutoPrepare"]).filter(|_| npgsql) {
                Some(p) => NamedSettings::from_iter([(
                    "max auto prepare".to_owned(),
                    Setting {
                        value: Val::Known(p.value.trim().to_owned()),
                        origin: Origin::File {
                            file,
                            span: at(&p.value_range),
                            key: format!("{key}.{}", p.name).into(),
                            via: None,
                        },
                    },
                )]),
                None => NamedSettings::new(),
            },
            ..connection(file, whole, library, &parsed)
        })),
        driver_properties: NamedSettings::new(),
        session_variables: NamedSettings::new(),
        init_sql_written: false,
        username_written: None,
        class_settings: ClassSettings::default(),
        url_variables: None,
    })
}

/// Whether an Npgsql string turns multiplexing on (`Multiplexing=true`, the last one
/// written; Npgsql reads a boolean as `true` or `false`, any case).
fn multiplexing(parsed: &connection_string::ParsedConnection) -> bool {
    let last = parsed
        .params
        .iter()
        .rev()
        .find(|p| p.name.eq_ignore_ascii_case("Multiplexing"));
    last.is_some_and(|p| p.value.trim().eq_ignore_ascii_case("true"))
}

/// Npgsql's `Connection Pruning Interval`, seconds: how often its pool samples its idle
/// connections (npgsql/npgsql `NpgsqlConnectionStringBuilder.cs`, default 10).
const PRUNING_INTERVAL: &[&str] = &["Connection Pruning Interval", "ConnectionPruningInterval"];
const NPGSQL_PRUNING_INTERVAL: u64 = 10;

/// Npgsql's idle lifetime as its pool takes it: `PoolingDataSource`'s constructor (at
/// the first `Open()`) throws for a `Connection Pruning Interval` of 0 ("ConnectionPruningInterval
/// can't be 0.") and for a `Connection Idle Lifetime` below the interval ("Connection
/// can't have ConnectionIdleLifetime … under ConnectionPruningInterval …"), so `0`
/// (read elsewhere as "never closes") refuses every connection with the default
/// interval of 10. Either is the idle lifetime, invalid, where it is written (the
/// interval's place when the lifetime is Npgsql's default).
fn npgsql_pruned(idle: Setting<Duration>, pruning: Option<Setting<Duration>>) -> Setting<Duration> {
    let interval = match &pruning {
        Some(written) => written.get().copied(),
        None => Some(Duration::from_secs(NPGSQL_PRUNING_INTERVAL)),
    };
    let (Some(interval), Some(&lifetime)) = (interval, idle.get()) else {
        return idle;
    };
    let at_written = |reason: String, raw: Duration, setting: Setting<Duration>| Setting {
        value: Val::invalid(raw.as_secs().to_string(), reason),
        origin: setting.origin,
    };
    match pruning {
        Some(pruning) if interval.is_zero() => at_written(
            "ArgumentException(\"ConnectionPruningInterval can't be 0.\")".to_owned(),
            interval,
            pruning,
        ),
        pruning if lifetime < interval => {
            let reason = format!(
                "Connection Idle Lifetime {} s is below Connection Pruning Interval {} s: ArgumentException(\"Connection can't have ConnectionIdleLifetime … under ConnectionPruningInterval …\")",
                lifetime.as_secs(),
                interval.as_secs()
            );
            match (idle.origin.written_name(), pruning) {
                (None, Some(pruning)) => at_written(reason, interval, pruning),
                _ => at_written(reason, lifetime, idle),
            }
        }
        _ => idle,
    }
}

/// Where a connection string is written, which says what a `${VAR}` in it is.
#[derive(Clone, Copy)]
enum Written {
    /// In a file, or in a deployment variable whose value is as the driver gets it
    /// ([`crate::model::EnvVar::verbatim`]): `${VAR}` is text.
    File,
    /// In a deployment variable: `${VAR}` is a variable the files do not give.
    Environment,
}

/// Why a keyword's value is unknown when it is one deployment variable the repository
/// does not give (`Maximum Pool Size=${POOL}` from Compose's `${POOL}`, or a Kubernetes
/// `$(POOL)` from a Secret): not a value the driver refuses.
fn variable_reference(value: &str) -> Option<String> {
    let value = value.trim();
    crate::redact::is_reference(value).then(|| format!("set by the deployment variable {value}"))
}

/// Both drivers keep pool sizes and timeouts in a 32-bit `int`: SqlClient's
/// `DbConnectionOptions.ConvertToInt32Internal` is `int.Parse(value,
/// NumberStyles.Integer)`, Npgsql's generated setter `Convert.ChangeType(value,
/// typeof(Int32))`; each throws on text that is not a whole number or is beyond `int`.
fn int32(text: &str) -> Result<i64, String> {
    match text.parse::<i64>() {
        Ok(n) if i32::try_from(n).is_ok() => Ok(n),
        Ok(_) => Err(format!("`{text}` is beyond a 32-bit int")),
        Err(_) => Err(format!("`{text}` is not a whole number")),
    }
}

/// MySqlConnector keeps its pool sizes in a `uint` (`MySqlConnectionStringValueOption<uint>`,
/// converted with `Convert.ChangeType`, which throws on a negative number), then casts
/// them to `int` (`ConnectionSettings`): a whole number from 0 to `int`'s maximum.
fn unsigned_int32(text: &str) -> Result<i64, String> {
    match int32(text)? {
        n if n < 0 => Err(format!(
            "{n} is below 0 (MySqlConnector's pool sizes are unsigned)"
        )),
        n => Ok(n),
    }
}

/// A number of seconds as a 32-bit `int` ([`int32`], as both drivers convert it); below
/// 0 is invalid (SqlClient refuses a negative `Connection Lifetime`, Npgsql a negative
/// `Keepalive`: suspicious-time-unit reports those).
fn plain_seconds(text: &str) -> Result<Duration, String> {
    let seconds = int32(text)?;
    if seconds < 0 {
        return Err(format!("{seconds} is below 0"));
    }
    Ok(Duration::from_secs(seconds.unsigned_abs()))
}

/// `Timeout`/`Connect Timeout` as the driver reads it, or why it refuses it while
/// parsing the string: an `int` ([`int32`]) that SqlClient's `SqlConnectionString`
/// constructor refuses below 0 (`_connectTimeout < 0` throws
/// `ADP.InvalidConnectionOptionValue(KEY.Connect_Timeout)`, dotnet/SqlClient
/// `SqlConnectionString.cs`) and Npgsql's `Timeout` setter outside 0 to
/// `NpgsqlConnection.TimeoutLimit`, 1024 (`ArgumentOutOfRangeException("Timeout must be
/// between 0 and 1024")`, npgsql/npgsql `NpgsqlConnectionStringBuilder.cs`).
fn connect_timeout(library: Library, text: &str) -> Result<Duration, String> {
    const NPGSQL_TIMEOUT_LIMIT: i64 = 1024;
    let seconds = int32(text)?;
    if seconds < 0 {
        return Err(format!("{seconds} is below 0"));
    }
    if library == Library::Npgsql && seconds > NPGSQL_TIMEOUT_LIMIT {
        return Err(format!(
            "{seconds} is above {NPGSQL_TIMEOUT_LIMIT}, Npgsql's limit"
        ));
    }
    Ok(Duration::from_secs(seconds.unsigned_abs()))
}

/// Whether a `Pooling` value turns pooling on, or why the driver refuses it while
/// parsing the string. SqlClient's `DbConnectionOptions.ConvertValueToBooleanInternal`
/// takes `true`/`yes`/`false`/`no` (any case, spaces trimmed) and throws
/// `ADP.InvalidConnectionOptionValue` on anything else (dotnet/SqlClient
/// `DbConnectionOptions.cs`); Npgsql's generated setter converts with
/// `Convert.ChangeType(value, typeof(Boolean))`, `bool.Parse`, which takes `true` or
/// `false` only (any case, trimmed) and throws on the rest, `no` too (npgsql/npgsql
/// `NpgsqlConnectionStringBuilder.Generated.cs`); MySqlConnector's option setter takes
/// `yes`/`no` (any case) and passes the rest to `Convert.ChangeType`, so also
/// `true`/`false` (mysql-net/MySqlConnector `MySqlConnectionStringBuilder.cs`
/// `ChangeType`). An empty value is not judged here
/// (SqlClient throws on it too; a known gap in the README): pooling stays on.
fn pooling_on(library: Library, value: &str) -> Result<bool, String> {
    let value = value.trim();
    let is = |word: &str| value.eq_ignore_ascii_case(word);
    match library {
        _ if value.is_empty() || is("true") => Ok(true),
        _ if is("false") => Ok(false),
        Library::SqlClient if is("yes") => Ok(true),
        Library::SqlClient if is("no") => Ok(false),
        Library::SqlClient => Err("SqlClient takes only true, yes, false or no".to_owned()),
        Library::MySqlConnector if is("yes") => Ok(true),
        Library::MySqlConnector if is("no") => Ok(false),
        Library::MySqlConnector => {
            Err("MySqlConnector takes only true, yes, false or no".to_owned())
        }
        _ => Err("Npgsql takes only true or false".to_owned()),
    }
}

/// A maximum written with `Pooling=false` that the driver still refuses while parsing
/// the string: SqlClient's `SqlConnectionString` constructor checks `_maxPoolSize < 1`
/// and `_maxPoolSize < _minPoolSize` whatever `Pooling` says; Npgsql's `MaxPoolSize`
/// setter throws below 0, and it compares the minimum only in its pool
/// (`PoolingDataSource`), which `Pooling=false` does not create.
fn refused_without_pool(library: Library, max: &Setting<i64>, min: &Setting<i64>) -> bool {
    match (&max.value, library) {
        (Val::Invalid(_), _) => true,
        (Val::Known(max), Library::SqlClient) => *max < 1 || min.get().is_some_and(|min| max < min),
        (Val::Known(max), _) => *max < 0,
        _ => false,
    }
}

/// Keywords only Npgsql accepts (SqlClient throws on them): they tell an Npgsql string
/// whose host is written with the `Server` alias from a SqlClient one [NPGSQL-CSB].
/// Npgsql registers each property under its `[DisplayName]` and its property name
/// (`Maximum Pool Size`, `MaxPoolSize`; npgsql/npgsql
/// `src/Npgsql/NpgsqlConnectionStringBuilder.cs`), where SqlClient has only `Max Pool
/// Size` (`DbConnectionStringKeywords`) and throws `Keyword not supported`.
const NPGSQL_ONLY: &[&str] = &[
    "Port",
    "Username",
    "Maximum Pool Size",
    "Minimum Pool Size",
    "MaxPoolSize",
    "MinPoolSize",
    "Max Auto Prepare",
    "MaxAutoPrepare",
    "Include Error Detail",
    "Connection Idle Lifetime",
    "Connection Pruning Interval",
    "SSL Mode",
    "SslMode",
    "Search Path",
    "Keepalive",
    "Tcp Keepalive",
];

/// Keywords MySqlConnector accepts and neither Npgsql nor SqlClient does
/// (mysqlconnector.net/connection-options). `Port`, `Username`, `SslMode` and `Keepalive`
/// are MySqlConnector's too, so they tell Npgsql only from SqlClient.
const MYSQLCONNECTOR_ONLY: &[&str] = &[
    "AllowPublicKeyRetrieval",
    "Allow Public Key Retrieval",
    "AllowUserVariables",
    "Allow User Variables",
    "AllowZeroDateTime",
    "Allow Zero DateTime",
    "ConvertZeroDateTime",
    "Convert Zero DateTime",
    "Connection Idle Timeout",
    "ConnectionIdleTimeout",
    "Default Command Timeout",
    "DefaultCommandTimeout",
    "TreatTinyAsBoolean",
    "Treat Tiny As Boolean",
    "GuidFormat",
    "Guid Format",
    "OldGuids",
    "Old Guids",
    "UseAffectedRows",
    "Use Affected Rows",
    "AllowLoadLocalInfile",
    "Allow Load Local Infile",
    "CharSet",
    "Character Set",
    "MaximumPoolSize",
    "MinimumPoolSize",
];

/// The keywords of one library's pool settings, synonyms included (matched without
/// case; the last one written wins), each with the spellings of the other drivers that
/// this one refuses (`Keyword not supported`).
struct Keywords {
    min: (&'static [&'static str], &'static [&'static str]),
    max: (&'static [&'static str], &'static [&'static str]),
    timeout: (&'static [&'static str], &'static [&'static str]),
    lifetime: &'static [&'static str],
    keepalive: &'static [&'static str],
    library: Library,
}

impl Keywords {
    /// MySqlConnector's are its options' `keys` (mysql-net/MySqlConnector
    /// `src/MySqlConnector/MySqlConnectionStringBuilder.cs`, `AddOption(options,
    /// MaximumPoolSize = new(keys: ["Maximum Pool Size", "Max Pool Size",
    /// "MaximumPoolSize", "maxpoolsize"], …))`): no `Timeout` and no `Load Balance
    /// Timeout`, which Npgsql and SqlClient take. Npgsql's are each property's
    /// `[DisplayName]`, its name and its declared aliases (npgsql/npgsql
    /// `NpgsqlConnectionStringBuilder.cs`, `PropertiesByKeyword`): `Maximum Pool Size`
    /// and `MaxPoolSize` but not `Max Pool Size`, `Timeout` but not `Connect Timeout`.
    /// SqlClient's `DbConnectionStringKeywords` has `Max Pool Size` and `Min Pool Size`
    /// only, and `Connect Timeout`, `Connection Timeout` and `Timeout`.
    fn of(library: Library) -> Self {
        match library {
            Library::MySqlConnector => Keywords {
                min: (
                    &[
                        "Minimum Pool Size",
                        "Min Pool Size",
                        "MinimumPoolSize",
                        "MinPoolSize",
                    ],
                    &[],
                ),
                max: (
                    &[
                        "Maximum Pool Size",
                        "Max Pool Size",
                        "MaximumPoolSize",
                        "MaxPoolSize",
                    ],
                    &[],
                ),
                timeout: (
                    &["Connection Timeout", "ConnectionTimeout", "Connect Timeout"],
                    &[],
                ),
                lifetime: &["Connection Lifetime", "ConnectionLifeTime"],
                keepalive: &["Keepalive", "Keep Alive"],
                library,
            },
            Library::Npgsql => Keywords {
                min: (&["Minimum Pool Size", "MinPoolSize"], &["Min Pool Size"]),
                max: (&["Maximum Pool Size", "MaxPoolSize"], &["Max Pool Size"]),
                timeout: (&["Timeout"], &["Connect Timeout", "Connection Timeout"]),
                lifetime: &[
                    "Connection Lifetime",
                    "Load Balance Timeout",
                    "ConnectionLifeTime",
                ],
                keepalive: &["Keepalive"],
                library,
            },
            _ => Keywords {
                min: (&["Min Pool Size"], &["Minimum Pool Size", "MinPoolSize"]),
                max: (&["Max Pool Size"], &["Maximum Pool Size", "MaxPoolSize"]),
                timeout: (&["Connect Timeout", "Connection Timeout", "Timeout"], &[]),
                lifetime: &[
                    "Connection Lifetime",
                    "Load Balance Timeout",
                    "ConnectionLifeTime",
                ],
                keepalive: &["Keepalive", "Keep Alive"],
                library,
            },
        }
    }

    /// The exception the driver throws for the keyword `name` it does not know.
    fn not_supported(&self, name: &str) -> String {
        let name = name.to_ascii_lowercase();
        match self.library {
            Library::Npgsql => format!("ArgumentException(\"Keyword not supported: {name}\")"),
            _ => format!("ArgumentException(\"Keyword not supported: '{name}'\")"),
        }
    }
}

/// Every keyword MySqlConnector knows: the `keys` of each `AddOption` in its
/// `MySqlConnectionStringOption` constructor (mysql-net/MySqlConnector
/// `src/MySqlConnector/MySqlConnectionStringBuilder.cs`). Its builder looks each key of
/// the string up with `GetOptionForKey`, which throws `ArgumentException("Option '…' not
/// supported.")` for any other, so the string is refused whole.
const MYSQLCONNECTOR_KEYS: &[&str] = &[
    "Server",
    "Host",
    "Data Source",
    "DataSource",
    "Address",
    "Addr",
    "Network Address",
    "Port",
    "User ID",
    "UserID",
    "Username",
    "Uid",
    "User name",
    "User",
    "Password",
    "pwd",
    "Database",
    "Initial Catalog",
    "Load Balance",
    "LoadBalance",
    "Connection Protocol",
    "ConnectionProtocol",
    "Protocol",
    "Pipe Name",
    "PipeName",
    "Pipe",
    "SSL Mode",
    "SslMode",
    "Certificate File",
    "CertificateFile",
    "Certificate Password",
    "CertificatePassword",
    "Certificate Store Location",
    "CertificateStoreLocation",
    "Certificate Thumbprint",
    "CertificateThumbprint",
    "Certificate Thumb Print",
    "SSL Cert",
    "SslCert",
    "Ssl-Cert",
    "SSL Key",
    "SslKey",
    "Ssl-Key",
    "SSL CA",
    "CACertificateFile",
    "CA Certificate File",
    "SslCa",
    "Ssl-Ca",
    "TLS Version",
    "TlsVersion",
    "Tls-Version",
    "TLS Cipher Suites",
    "TlsCipherSuites",
    "Pooling",
    "Connection Lifetime",
    "ConnectionLifeTime",
    "Connection Reset",
    "ConnectionReset",
    "Defer Connection Reset",
    "DeferConnectionReset",
    "Connection Idle Ping Time",
    "ConnectionIdlePingTime",
    "Connection Idle Timeout",
    "ConnectionIdleTimeout",
    "Minimum Pool Size",
    "Min Pool Size",
    "MinimumPoolSize",
    "minpoolsize",
    "Maximum Pool Size",
    "Max Pool Size",
    "MaximumPoolSize",
    "maxpoolsize",
    "DNS Check Interval",
    "DnsCheckInterval",
    "Allow Load Local Infile",
    "AllowLoadLocalInfile",
    "Allow Public Key Retrieval",
    "AllowPublicKeyRetrieval",
    "Allow User Variables",
    "AllowUserVariables",
    "Allow Zero DateTime",
    "AllowZeroDateTime",
    "Application Name",
    "ApplicationName",
    "Auto Enlist",
    "AutoEnlist",
    "Cancellation Timeout",
    "CancellationTimeout",
    "Character Set",
    "CharSet",
    "CharacterSet",
    "Connection Timeout",
    "ConnectionTimeout",
    "Connect Timeout",
    "Convert Zero DateTime",
    "ConvertZeroDateTime",
    "DateTime Kind",
    "DateTimeKind",
    "Default Command Timeout",
    "DefaultCommandTimeout",
    "Command Timeout",
    "Force Synchronous",
    "ForceSynchronous",
    "GUID Format",
    "GuidFormat",
    "Ignore Command Transaction",
    "IgnoreCommandTransaction",
    "Ignore Prepare",
    "IgnorePrepare",
    "Interactive Session",
    "InteractiveSession",
    "Interactive",
    "Keep Alive",
    "Keepalive",
    "No Backslash Escapes",
    "NoBackslashEscapes",
    "Old Guids",
    "OldGuids",
    "Persist Security Info",
    "PersistSecurityInfo",
    "Pipelining",
    "Server Redirection Mode",
    "ServerRedirectionMode",
    "Server RSA Public Key File",
    "ServerRsaPublicKeyFile",
    "Server SPN",
    "ServerSPN",
    "Treat Tiny As Boolean",
    "TreatTinyAsBoolean",
    "Use Affected Rows",
    "UseAffectedRows",
    "Use Compression",
    "Compress",
    "UseCompression",
    "Use XA Transactions",
    "UseXaTransactions",
];

/// The first keyword of a MySqlConnector string that MySqlConnector does not have
/// (`Timeout`, Npgsql's `Connection Idle Lifetime`, SqlClient's `Load Balance
/// Timeout`): the builder throws on it ([`MYSQLCONNECTOR_KEYS`]).
fn keyword_mysqlconnector_lacks(
    parsed: &connection_string::ParsedConnection,
) -> Option<&connection_string::Param> {
    parsed.params.iter().find(|p| {
        !MYSQLCONNECTOR_KEYS
            .iter()
            .any(|k| p.name.trim().eq_ignore_ascii_case(k))
    })
}

/// MySqlConnector's `SslMode` values that Npgsql's enum does not have (Npgsql:
/// Disable, Allow, Prefer, Require, VerifyCA, VerifyFull).
const MYSQLCONNECTOR_SSL_MODES: &[&str] = &["None", "Preferred", "Required"];

/// The driver a string is for when no provider names it: MySqlConnector when it says
/// so ([`is_mysqlconnector`]), else Npgsql ([`is_npgsql`]), else SqlClient.
fn library_of(parsed: &connection_string::ParsedConnection) -> Library {
    if is_mysqlconnector(parsed) {
        Library::MySqlConnector
    } else if is_npgsql(parsed) {
        Library::Npgsql
    } else {
        Library::SqlClient
    }
}

/// MySqlConnector: a keyword only it has, an `SslMode` value only it takes, or MySQL's
/// port 3306. It also accepts `Host`, `Port` and `Username`, which alone tell an
/// Npgsql string (`Server=db;Port=5432;Username=app` stays Npgsql's).
fn is_mysqlconnector(parsed: &connection_string::ParsedConnection) -> bool {
    let ssl_mode = ["SslMode", "SSL Mode"]
        .iter()
        .filter_map(|k| parsed.param(k))
        .any(|p| {
            MYSQLCONNECTOR_SSL_MODES
                .iter()
                .any(|m| p.value.trim().eq_ignore_ascii_case(m))
        });
    ssl_mode
        || parsed
            .param("Port")
            .is_some_and(|p| p.value.trim() == "3306")
        || MYSQLCONNECTOR_ONLY
            .iter()
            .any(|k| parsed.param(k).is_some())
}

/// Npgsql: `Host=`, or its alias `Server=` with a keyword SqlClient does not have.
fn is_npgsql(parsed: &connection_string::ParsedConnection) -> bool {
    parsed.param("host").is_some()
        || (parsed.param("server").is_some()
            && NPGSQL_ONLY.iter().any(|k| parsed.param(k).is_some()))
}

fn connection(
    file: FileId,
    whole: Span,
    library: Library,
    parsed: &connection_string::ParsedConnection,
) -> ConnectionInfo {
    let engine = match library {
        Library::Npgsql => "postgresql",
        Library::MySqlConnector => "mysql",
        _ => "sqlserver",
    };
    ConnectionInfo {
        engine: Some(engine.into()),
        host: None,
        database: parsed.database.clone(),
        user: parsed.user.clone(),
        params: NamedSettings::new(),
        location: Some(Location { file, span: whole }),
        options: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npgsql_keywords_spans_and_passwords() {
        let text = r#"{"ConnectionStrings": {"Main": "Host=db;Database=app;Username=app;Password=Dotnet-Secret-1;Maximum Pool Size=50;Timeout=30"}}"#;
        let (model, _) =
            crate::ecosystems::read_one(&DotNet, "appsettings.json", Format::DotNetJson, text);
        let pool = &model.pools[0];
        assert_eq!(pool.library, Library::Npgsql);
        assert_eq!(pool.max.get(), Some(&50));
        let span = pool.max.location().unwrap().span;
        assert_eq!(&text[span.start..span.end], "50");
        assert_eq!(pool.acquire_timeout.get(), Some(&Duration::from_secs(30)));
        let secret = model.secrets[0].location.span;
        assert_eq!(&text[secret.start..secret.end], "Dotnet-Secret-1");
    }

    #[test]
    fn npgsql_server_alias_is_npgsql() {
        let text = r#"{"ConnectionStrings": {"Main": "Server=db;Port=5432;Database=app;User Id=app;Max Pool Size=20", "Sql": "Server=sql,1433;Database=app;Max Pool Size=20"}}"#;
        let (model, _) =
            crate::ecosystems::read_one(&DotNet, "appsettings.json", Format::DotNetJson, text);
        assert_eq!(model.pools[0].library, Library::Npgsql);
        assert_eq!(model.pools[1].library, Library::SqlClient);
    }

    /// Npgsql knows a keyword by its display name, its property name and its aliases:
    /// SqlClient's `Max Pool Size`, `Min Pool Size` and `Connect Timeout` make it throw
    /// `Keyword not supported`, so no connection opens; `MaxPoolSize` is read.
    #[test]
    fn npgsql_refuses_sqlclient_spellings() {
        let pool = |string: &str| {
            let text =
                format!(r#"{{"ConnectionStrings": {{"Main": "Host=db;Database=app;{string}"}}}}"#);
            let (model, _) =
                crate::ecosystems::read_one(&DotNet, "appsettings.json", Format::DotNetJson, &text);
            model.pools.into_iter().next().expect("a pool")
        };
        let refused = |value: &Val<i64>| match value {
            Val::Invalid(invalid) => invalid
                .reason
                .contains("Keyword not supported: max pool size"),
            _ => false,
        };
        assert!(refused(&pool("Max Pool Size=20").max.value));
        assert!(matches!(pool("Min Pool Size=2").min.value, Val::Invalid(_)));
        assert!(matches!(
            pool("Connect Timeout=30").acquire_timeout.value,
            Val::Invalid(_)
        ));
        assert_eq!(pool("MaxPoolSize=20").max.get(), Some(&20));
        assert_eq!(
            pool("Timeout=30").acquire_timeout.get(),
            Some(&Duration::from_secs(30))
        );
    }

    /// A MySqlConnector string with `Port=3306` (or a keyword or `SslMode` value only
    /// MySqlConnector has) is MySqlConnector's, judged by its rules (`Pooling=yes`, a
    /// `Connection Timeout` above Npgsql's 1024) with engine mysql; it was Npgsql's.
    #[test]
    fn mysqlconnector_strings_are_told_from_npgsql_ones() {
        let text = r#"{"ConnectionStrings": {"Orders": "Server=mysql.internal;Port=3306;Database=orders;User ID=app;Password=S3cretPw;Pooling=yes;Connection Timeout=2000;Maximum Pool Size=50", "Ssl": "Server=my;Port=3307;Uid=app;SslMode=Required;Pooling=YES", "Key": "Host=my;Port=3307;AllowPublicKeyRetrieval=true;Connection Idle Timeout=60", "Pg": "Server=db;Port=5432;Username=app;SslMode=Require"}}"#;
        let (model, _) =
            crate::ecosystems::read_one(&DotNet, "appsettings.json", Format::DotNetJson, text);
        let read = |pool: &Pool| {
            (
                pool.library,
                pool.connection
                    .as_ref()
                    .and_then(|c| c.engine.as_deref().map(str::to_owned)),
                pool.max.get().copied(),
                pool.acquire_timeout.get().map(Duration::as_secs),
                pool.idle_timeout.get().map(Duration::as_secs),
            )
        };
        let mysql = Some("mysql".to_owned());
        assert_eq!(
            read(&model.pools[0]),
            (
                Library::MySqlConnector,
                mysql.clone(),
                Some(50),
                Some(2000),
                Some(180)
            )
        );
        assert_eq!(
            read(&model.pools[1]),
            (
                Library::MySqlConnector,
                mysql.clone(),
                Some(100),
                Some(15),
                Some(180)
            )
        );
        assert_eq!(
            read(&model.pools[2]),
            (
                Library::MySqlConnector,
                mysql,
                Some(100),
                Some(15),
                Some(60)
            )
        );
        assert_eq!(model.pools[3].library, Library::Npgsql);
        assert!(pooling_on(Library::MySqlConnector, "on").is_err());
        assert_eq!(pooling_on(Library::MySqlConnector, " No "), Ok(false));
    }

    /// MySqlConnector's keyword tables are its own (mysql-net/MySqlConnector
    /// `MySqlConnectionStringBuilder.cs`): `MaximumPoolSize`, `MinimumPoolSize` and
    /// `ConnectionTimeout` are read (they were ignored), `Timeout` and `Load Balance
    /// Timeout` are not its keywords (they were read as its timeout and lifetime) and
    /// make it refuse the string, and a negative size is refused (sizes are `uint`).
    #[test]
    fn mysqlconnector_reads_its_own_keywords_only() {
        let text = r#"{"ConnectionStrings": {"A": "Server=my;Port=3306;MaximumPoolSize=400;MinimumPoolSize=4;ConnectionTimeout=1", "B": "Server=my;Port=3306;Timeout=60;Load Balance Timeout=9", "C": "Server=my;Port=3306;Min Pool Size=-1", "D": "Server=db;Database=app;User Id=app;Maximum Pool Size=300"}}"#;
        let (model, _) =
            crate::ecosystems::read_one(&DotNet, "appsettings.json", Format::DotNetJson, text);
        let a = &model.pools[0];
        assert_eq!(
            (a.max.get(), a.min.get(), a.acquire_timeout.get()),
            (Some(&400), Some(&4), Some(&Duration::from_secs(1)))
        );
        let b = &model.pools[1];
        let refused = match &b.max.value {
            Val::Invalid(invalid) => invalid.reason.clone(),
            other => format!("{other:?}"),
        };
        assert!(
            refused.contains("Option 'Timeout' not supported"),
            "{refused}"
        );
        assert_eq!(b.acquire_timeout.get(), Some(&Duration::from_secs(15)));
        assert_eq!(b.max_lifetime.get(), Some(&Duration::ZERO));
        assert!(matches!(model.pools[2].min.value, Val::Invalid(_)));
        // `Maximum Pool Size` is a keyword SqlClient does not have: Npgsql's string.
        assert_eq!(model.pools[3].library, Library::Npgsql);
        assert_eq!(model.pools[3].max.get(), Some(&300));
    }

    #[test]
    fn environment_files_are_profiles_of_one_application() {
        let model = crate::ecosystems::read_files(
            &DotNet,
            &[
                (
                    "app/appsettings.json",
                    r#"{"ConnectionStrings": {"Main": "Host=db;Maximum Pool Size=20"}}"#,
                ),
                (
                    "app/appsettings.Production.json",
                    r#"{"ConnectionStrings": {"Main": "Host=db;Maximum Pool Size=80"}}"#,
                ),
            ],
        );
        assert_eq!(model.services.len(), 1);
        assert_eq!(model.services[0].pools, vec![0, 1]);
        let profiles: Vec<Option<&str>> =
            model.pools.iter().map(|p| p.profile.as_deref()).collect();
        assert_eq!(profiles, [None, Some("Production")]);
    }

    #[test]
    fn azure_connection_string_variables_are_connection_strings() {
        let var = |name: &str, value: &str| {
            crate::model::EnvVar::written(
                name.to_owned(),
                value.to_owned(),
                Location {
                    file: FileId(0),
                    span: Span::new(0, 0),
                },
                Location {
                    file: FileId(0),
                    span: Span::new(0, value.len()),
                },
            )
        };
        let model = model_from_environment(&[
            var(
                "SQLCONNSTR_Main",
                "Server=sql;Database=app;Max Pool Size=40",
            ),
            // The prefix names Npgsql, though `Server=` alone would be SqlClient's.
            var(
                "postgresqlconnstr_Pg",
                "Server=db;Database=app;Maximum Pool Size=30",
            ),
            var("SQLAZURECONNSTR_Az", "Server=az;Max Pool Size=20"),
            var(
                "MYSQLCONNSTR_My",
                "Server=my;Database=app;Maximum Pool Size=10",
            ),
            var("CUSTOMCONNSTR_Other", "Host=db;Maximum Pool Size=5"),
            // Not a database's, and no prefix at all.
            var("REDISCACHECONNSTR_Cache", "Host=cache;Maximum Pool Size=7"),
            var("SQLCONNSTR_", "Server=sql;Max Pool Size=9"),
        ]);
        let pools: Vec<(&str, Library, Option<&i64>)> = model
            .pools
            .iter()
            .map(|p| (p.name.as_str(), p.library, p.max.get()))
            .collect();
        assert_eq!(
            pools,
            [
                ("ConnectionStrings.Main", Library::SqlClient, Some(&40)),
                ("ConnectionStrings.Pg", Library::Npgsql, Some(&30)),
                ("ConnectionStrings.Az", Library::SqlClient, Some(&20)),
                ("ConnectionStrings.My", Library::MySqlConnector, Some(&10)),
                ("ConnectionStrings.Other", Library::Npgsql, Some(&5)),
            ]
        );
    }

    /// A refused value is invalid where it is written, not a number the pool never has:
    /// Npgsql's `Pooling=no` was read as pooling on with the default 100.
    #[test]
    fn values_the_driver_refuses_are_invalid() {
        let text = r#"{"ConnectionStrings": {"Pg": "Host=db;Pooling=no;Timeout=1025", "Sql": "Server=sql;Pooling=false;Max Pool Size=0;Connect Timeout=-1", "Edge": "Host=db;Pooling= TRUE ;Timeout=1024"}}"#;
        let (model, _) =
            crate::ecosystems::read_one(&DotNet, "appsettings.json", Format::DotNetJson, text);
        let invalid = |pool: &Pool| {
            let at = |s: Span| &text[s.start..s.end];
            let max = match &pool.max.value {
                Val::Invalid(i) => Some((at(pool.max.location().unwrap().span), i.raw.clone())),
                _ => None,
            };
            let timeout = match &pool.acquire_timeout.value {
                Val::Invalid(i) => Some(i.reason.clone()),
                _ => None,
            };
            (max, timeout)
        };
        assert_eq!(
            invalid(&model.pools[0]),
            (
                Some(("no", "no".to_owned())),
                Some("1025 is above 1024, Npgsql's limit".to_owned())
            )
        );
        // SqlClient refuses a maximum below 1 with pooling off too: it is the maximum.
        assert_eq!(model.pools[1].max.get(), Some(&0));
        assert_eq!(invalid(&model.pools[1]).1.as_deref(), Some("-1 is below 0"));
        assert_eq!(invalid(&model.pools[2]), (None, None));
        assert_eq!(model.pools[2].max.get(), Some(&100));
        assert_eq!(
            model.pools[2].acquire_timeout.get(),
            Some(&Duration::from_secs(1024))
        );
    }

    /// Of two synonyms the last written wins, as the drivers parse them into one
    /// keyword (poollint took the first name of its own list: `Timeout=30`).
    #[test]
    fn the_last_written_synonym_wins() {
        let text = r#"{"ConnectionStrings": {"B": "Data Source=sql1;Initial Catalog=app;Integrated Security=true;Timeout=30;Connect Timeout=0;Load Balance Timeout=7;Connection Lifetime=9", "C": "Server=sql1;Connect Timeout=0;Timeout=30;Connection Lifetime=9;Load Balance Timeout=7;Max Pool Size=5;max pool size=6"}}"#;
        let (model, _) =
            crate::ecosystems::read_one(&DotNet, "appsettings.json", Format::DotNetJson, text);
        let read = |pool: &Pool| {
            (
                pool.acquire_timeout.get().map(Duration::as_secs),
                pool.max_lifetime.get().map(Duration::as_secs),
                pool.max.get().copied(),
            )
        };
        assert_eq!(read(&model.pools[0]), (Some(0), Some(9), Some(100)));
        assert_eq!(read(&model.pools[1]), (Some(30), Some(7), Some(6)));
    }

    /// SqlClient knows `Max Pool Size` and `Min Pool Size` only: Npgsql's spellings make
    /// it throw `Keyword not supported`, reported at the value (`pool-size-invalid`).
    #[test]
    fn npgsql_pool_size_spellings_are_refused_by_sqlclient() {
        let text = r#"{"ConnectionStrings": {"A": "Data Source=sql1;Integrated Security=true;Maximum Pool Size=20", "B": "Data Source=sql1;Integrated Security=true;MinPoolSize=2", "C": "Host=db;Maximum Pool Size=20"}}"#;
        let (model, _) =
            crate::ecosystems::read_one(&DotNet, "appsettings.json", Format::DotNetJson, text);
        let refused = |setting: &Setting<i64>| match &setting.value {
            Val::Invalid(invalid) => invalid.reason.contains("Keyword not supported"),
            _ => false,
        };
        assert!(refused(&model.pools[0].max), "{:?}", model.pools[0].max);
        assert!(refused(&model.pools[1].min), "{:?}", model.pools[1].min);
        assert_eq!(model.pools[2].max.get(), Some(&20));
    }

    #[test]
    fn pooling_off_is_unbounded() {
        let text = r#"{"ConnectionStrings": {"Db": "Server=sql;Database=app;Pooling=false"}}"#;
        let (model, _) = crate::ecosystems::read_one(
            &DotNet,
            "appsettings.Production.json",
            Format::DotNetJson,
            text,
        );
        assert_eq!(model.pools[0].library, Library::SqlClient);
        assert_eq!(model.pools[0].max.get(), Some(&UNBOUNDED_POOL));
    }
}
