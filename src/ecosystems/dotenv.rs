//! `.env` files (`.env`, `.env.production`, …): connection URLs and password variables.
//! Passwords (URL userinfo, `password=` parameters, `*PASSWORD*` variables) become
//! secrets, so every output masks them; Prisma's `connection_limit` and `pool_timeout`
//! in a `DATABASE_URL` configure a Prisma pool (rules-catalogue §1.7 [PRISMA-POOL]).
//! [PRISMA-ENV] https://www.prisma.io/docs/orm/more/development-environment/environment-variables
//! ("Prisma ORM always reads environment variables from the system's environment"; a
//! `.env` file's variables are added to `process.env`, as dotenv adds them: not over
//! a variable the process already has).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::connection_string;
use super::ini_settings::pair_texts;
use super::{file_name, ParsedFile, Reader};
use crate::model::{
    ClassSettings, ConfigEntry, ConnectionInfo, Ecosystem, EntryKey, EnvVar, Library, Location,
    Model, NamedSettings, Origin, Pool, Reading, Secret, Service, Setting, Val, UNBOUNDED_POOL,
};
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::ini::Dialect;
use crate::syntax::Format;

pub struct DotEnv;

const PRISMA_DOC: &str = "https://www.prisma.io/docs/orm/prisma-client/setup-and-configuration/databases-connections/connection-pool";

impl Reader for DotEnv {
    fn ecosystem(&self) -> Ecosystem {
        Ecosystem::ConnectionString
    }

    fn recognise(&self, path: &Path) -> Option<Format> {
        let name = file_name(path)?;
        let is_env = name == ".env"
            || (name.starts_with(".env.")
                && !name.ends_with(".example")
                && !name.ends_with(".sample"));
        is_env.then_some(Format::Ini(Dialect::DotEnv))
    }

    /// A directory's `.env` files are one application's: its Prisma pools are one
    /// service's, like a `knexfile.json`'s or an `appsettings.json`'s.
    fn unit<'p>(&self, path: &'p Path) -> Option<&'p Path> {
        path.parent()
    }

    fn read(&self, files: &[&ParsedFile], sources: &SourceMap) -> Model {
        let mut model = Model::default();
        let mut services: Vec<Service> = Vec::new();
        for file in files {
            let first = model.pools.len();
            read_file(file, sources, &mut model);
            if model.pools.len() == first {
                continue;
            }
            let name = crate::source::display_dir(&file.path);
            let pools = first..model.pools.len();
            match services.iter_mut().find(|s| s.name == name) {
                Some(service) => service.pools.extend(pools),
                None => services.push(Service::new(
                    name,
                    Ecosystem::ConnectionString,
                    pools.collect(),
                )),
            }
        }
        model.services.extend(services);
        model
    }
}

/// A URL value (`DATABASE_URL=postgres://…?sslmode=prefer`) parsed, with spans
/// inside it, so rules read its host and parameters.
fn url_reading(entry: &ConfigEntry) -> Option<Reading> {
    let value = entry.value.as_deref()?;
    let parsed = connection_string::parse_url(value)?;
    let at = Location {
        file: entry.file,
        span: entry.value_span,
    };
    let start = super::start_if_exact(entry.value_span, value);
    let key = entry.key.to_string();
    Some(Reading::Connection(Box::new(super::url_connection(
        parsed, at, start, &key,
    ))))
}

/// The environment a `.env.<name>` file is for (`.env.production` → `production`):
/// its pools are that profile's.
fn environment_of(path: &Path) -> Option<String> {
    let name = file_name(path)?;
    name.strip_prefix(".env.")
        .filter(|env| !env.is_empty())
        .map(str::to_owned)
}

/// One `.env` file's entries, secrets and Prisma pools.
fn read_file(file: &ParsedFile, sources: &SourceMap, model: &mut Model) {
    let profile = environment_of(&file.path);
    {
        let text = sources.get(file.id).map_or("", |f| f.text());
        let scope: Arc<str> = crate::source::display_path(&file.path).into();
        // Each variable's value span, and the variables passwords refer to.
        let mut values: Vec<(&str, Span)> = Vec::new();
        let mut referenced: Vec<&str> = Vec::new();
        // npm dotenv (Prisma's loader) keeps the last line of a variable (`parse()`
        // assigns `obj[key] = value` line by line): an earlier one configures no pool.
        let last: std::collections::HashMap<&str, usize> = pair_texts(&file.doc)
            .enumerate()
            .map(|(index, pair)| (pair.key, index))
            .collect();
        // What Prisma's dotenv-expand substitutes for `${VAR}`: the file's last value.
        let vars: Vars = pair_texts(&file.doc)
            .map(|pair| (pair.key, pair.value))
            .collect();
        for (index, pair) in pair_texts(&file.doc).enumerate() {
            let overridden = last.get(pair.key) != Some(&index);
            let span = pair.value_span;
            let start = super::written_at(text, span, pair.value);
            let at = |r: &std::ops::Range<usize>| super::span_within(span, start, r.clone());
            let mut entry = ConfigEntry {
                ecosystem: Ecosystem::ConnectionString,
                file: file.id,
                key: EntryKey::new(pair.key),
                canonical: EntryKey::from(pair.key.to_ascii_uppercase()),
                key_span: pair.key_span,
                value: Some(pair.value.to_owned()),
                // The value's own text, inside its quotes when it has them, so rules
                // can point inside it (a URL's `sslmode`).
                value_span: start.map_or(span, |start| Span::new(start, start + pair.value.len())),
                profile: None,
                via: None,
                scope: Arc::clone(&scope),
                precedence: 0,
                reading: None,
            };
            entry.reading = url_reading(&entry).map(Box::new);
            if !pair.value.is_empty() {
                values.push((pair.key, entry.value_span));
            }
            model.entries.push(entry);
            // A variable reference (`${DB_PASSWORD}`, `$PW`) names where the password
            // is: nothing to mask or report. A literal is reported, and a value
            // through a variable with a default (`${PW:-x}`) only masked.
            let secret = |span: Span, kind: &'static str, written: &str| {
                (!crate::redact::is_reference(written)).then(|| Secret {
                    location: Location {
                        file: file.id,
                        span,
                    },
                    kind,
                    key: pair.key.to_owned(),
                    literal: !written.starts_with('$'),
                    scrub_messages: true,
                })
            };
            if super::is_password_name(pair.key) && !pair.value.is_empty() {
                referenced.extend(referenced_names(pair.value));
                model
                    .secrets
                    .extend(secret(span, "password key", pair.value));
                continue;
            }
            if super::is_secret_variable(pair.key, pair.value) && !pair.value.is_empty() {
                let location = Location {
                    file: file.id,
                    span,
                };
                model
                    .secrets
                    .push(super::masked(location, pair.key, "secret variable"));
            }
            for range in connection_string::password_ranges(pair.value) {
                let written = pair.value.get(range.clone()).unwrap_or("");
                referenced.extend(referenced_names(written));
                model
                    .secrets
                    .extend(secret(at(&range), "connection string password", written));
            }
            let map = crate::model::TextMap::from(start);
            if overridden {
                continue;
            }
            let expanded = Placeholders::Expanded(&vars);
            if let Some(pool) = prisma_pool(file.id, pair.key, pair.value, &map, span, expanded) {
                model.pools.push(Box::new(Pool {
                    profile: profile.clone(),
                    // The process's own variable of that name wins over the file's.
                    url_variables: Some(crate::model::UrlVariables::new(vec![pair.key.to_owned()])),
                    ..pool
                }));
            }
        }
        model
            .secrets
            .extend(referenced_values(file.id, &values, &referenced));
    }
}

/// The values of the file's variables that a password refers to
/// (`DATABASE_URL=postgresql://app:${PG_SECRET}@db/app` with `PG_SECRET=x`, or
/// `${A}${B}`): Compose and dotenv-expand substitute them, so each is the password or a
/// part of it, whatever the variable's name. Masked, not reported (the credentials rule reports passwords by
/// where they are written).
fn referenced_values(file: FileId, values: &[(&str, Span)], referenced: &[&str]) -> Vec<Secret> {
    values
        .iter()
        .filter(|(key, _)| referenced.contains(key))
        .map(|(key, span)| {
            let location = Location { file, span: *span };
            super::masked(location, key, "referenced password")
        })
        .collect()
}

/// The variables whose values a password is made of: every `${VAR}` or `$VAR` in it
/// (`${A}${B}`, `pre-${A}`), one with a default or an error (`${VAR:-x}`, `${VAR:?e}`,
/// which is the variable's value when it is set) and the variables inside a default
/// (`${A:-${B}}`: one pass over the text, so deep nesting costs no recursion). Not
/// `${VAR:+x}`, whose value is `x`, nor `$$`, a literal `$`.
fn referenced_names(written: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = written;
    while let Some(at) = rest.find('$') {
        let after = rest.get(at + 1..).unwrap_or("");
        if let Some(literal) = after.strip_prefix('$') {
            rest = literal;
            continue;
        }
        let braced = after.strip_prefix('{');
        let (name, tail) = super::split_variable_name(braced.unwrap_or(after));
        let alternative = braced.is_some() && (tail.starts_with(":+") || tail.starts_with('+'));
        if !name.is_empty() && !alternative {
            names.push(name);
        }
        rest = tail;
    }
    names
}

/// The Prisma pools a deployment's variables configure: a URL with `connection_limit`
/// or `pool_timeout`, as in a `.env` file, each located in the deployment file (the
/// last setting of a variable wins). A variable whose value the files do not give
/// configures none: it may hold any URL.
pub fn model_from_environment(env: &[EnvVar]) -> Model {
    let mut model = Model::default();
    let mut seen = std::collections::HashSet::new();
    for var in env.iter().rev() {
        if var.unknown_from.is_some() || !seen.insert(var.name.as_str()) {
            continue;
        }
        let whole = var.value_location.span;
        let file = var.value_location.file;
        if let Some(pool) = prisma_pool(
            file,
            &var.name,
            &var.value,
            &var.text_map(),
            whole,
            Placeholders::of(var),
        ) {
            model.pools.push(Box::new(pool));
        }
    }
    model.pools.reverse();
    model
}

/// The Prisma pool `base` (a `.env` file's) as the process runs it when its deployment
/// sets the variable `var`: Prisma reads the process's environment, and a `.env` file
/// only adds the variables it does not set [PRISMA-ENV], so the deployment's URL
/// replaces the file's whole URL (its parameters are not merged), in the file's profile
/// and under its name. A value the files do not give makes the pool's size and timeout
/// unknown.
pub(crate) fn with_environment_url(base: &Pool, var: &EnvVar) -> Pool {
    let whole = var.value_location.span;
    let map = var.text_map();
    let file = var.value_location.file;
    let reason = match super::environment_url(var) {
        Ok(parsed) => {
            return Pool {
                name: base.name.clone(),
                profile: base.profile.clone(),
                ..prisma_url_pool(file, &var.name, parsed, &map, whole, Placeholders::of(var))
            }
        }
        Err(reason) => reason,
    };
    let unknown = || Origin::File {
        file,
        span: whole,
        key: format!("env.{}", var.name).into(),
        via: None,
    };
    Pool {
        max: Setting {
            value: Val::unknown(reason.clone()),
            origin: unknown(),
        },
        acquire_timeout: Setting {
            value: Val::unknown(reason),
            origin: unknown(),
        },
        connection: None,
        url_variables: None,
        ..base.clone()
    }
}

/// A `.env` file's variables by name, each its last value.
type Vars<'v> = std::collections::HashMap<&'v str, &'v str>;

/// How a `${VAR}` in a Prisma URL's parameter is read.
#[derive(Clone, Copy)]
enum Placeholders<'v> {
    /// As text: a compose `$${POOL}` reaches Prisma as the text `${POOL}`, which it
    /// refuses as a number ([`crate::model::EnvVar::verbatim`]).
    Verbatim,
    /// As Prisma's dotenv-expand reads a `.env` file (its `dotenvExpand.ts`: `${NAME}`,
    /// the process's variable first, else the file's): the file's value of `VAR` (the
    /// shell's, which wins, cannot be seen), and not known for one the file does not
    /// give, which the process may set.
    Expanded(&'v Vars<'v>),
}

impl Placeholders<'_> {
    /// A deployment's variable: verbatim, or expanded with no file's variables.
    fn of(var: &EnvVar) -> Placeholders<'static> {
        static NONE: std::sync::LazyLock<Vars<'static>> = std::sync::LazyLock::new(Vars::new);
        match var.verbatim {
            true => Placeholders::Verbatim,
            false => Placeholders::Expanded(&NONE),
        }
    }
}

/// The text of a URL parameter as Prisma reads it, or why it is not known: a `${VAR}`
/// (a deployment's placeholder without a default, or a `.env` variable) the files do not
/// give.
fn param_text<T>(
    param: &connection_string::Param,
    key: &str,
    placeholders: Placeholders<'_>,
) -> Result<String, Val<T>> {
    let Placeholders::Expanded(vars) = placeholders else {
        return Ok(param.value.clone());
    };
    if !param.value.contains("${") {
        return Ok(param.value.clone());
    }
    expand(&param.value, vars, 0).ok_or_else(|| {
        Val::unknown(format!(
            "{key} sets {} through a variable the files do not give",
            param.name
        ))
    })
}

/// Most levels of `${VAR}` inside a variable's value followed (a cycle ends here).
const MAX_EXPANSION_DEPTH: usize = 8;

/// `text` with each `${NAME}` replaced by `vars`' value, itself expanded; None when a
/// name is not in `vars`, or the values nest deeper than [`MAX_EXPANSION_DEPTH`].
fn expand(text: &str, vars: &Vars<'_>, depth: usize) -> Option<String> {
    if depth > MAX_EXPANSION_DEPTH {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("${") {
        out.push_str(rest.get(..at)?);
        let after = rest.get(at + 2..)?;
        let (name, tail) = super::split_variable_name(after);
        let Some(tail) = tail.strip_prefix('}').filter(|_| !name.is_empty()) else {
            // Not `${NAME}`: text dotenv-expand leaves as it is.
            out.push_str("${");
            rest = after;
            continue;
        };
        let value = vars.get(name)?;
        out.push_str(&expand(value, vars, depth + 1)?);
        rest = tail;
    }
    out.push_str(rest);
    Some(out)
}

/// A Prisma pool from a URL with `connection_limit` or `pool_timeout`, its
/// placeholders read as `placeholders` says.
fn prisma_pool(
    file: FileId,
    key: &str,
    value: &str,
    map: &crate::model::TextMap,
    whole: Span,
    placeholders: Placeholders<'_>,
) -> Option<Pool> {
    let parsed = connection_string::parse_url(value)?;
    if parsed.param("connection_limit").is_none() && parsed.param("pool_timeout").is_none() {
        return None;
    }
    Some(prisma_url_pool(file, key, parsed, map, whole, placeholders))
}

/// The Prisma pool a parsed URL makes, with Prisma's defaults for the parameters it
/// lacks ([`Placeholders`]).
fn prisma_url_pool(
    file: FileId,
    key: &str,
    parsed: connection_string::ParsedConnection,
    map: &crate::model::TextMap,
    whole: Span,
    placeholders: Placeholders<'_>,
) -> Pool {
    let limit = parsed.param("connection_limit");
    let anchor = Some(Location { file, span: whole });
    let origin = |p: &connection_string::Param| Origin::File {
        file,
        span: map.span(whole, p.value_range.clone()),
        key: format!("{key}.{}", p.name).into(),
        via: None,
    };
    let unknown = |what: &str| Setting {
        value: Val::unknown(what.to_owned()),
        origin: Origin::Default {
            library: Library::Prisma.name_text(),
            doc: &PRISMA_DOC,
            anchor,
        },
    };
    let max = limit.map_or_else(
        || unknown("num_physical_cpus × 2 + 1 on the machine that runs it"),
        |p| Setting {
            value: param_text(p, key, placeholders).map_or_else(
                |unknown| unknown,
                // quaint reads the limit as an unsigned number and hands it to mobc's
                // `max_open`, where "0 means unlimited" (mobc `Builder::max_open`).
                |text| match text.parse::<u32>() {
                    Ok(0) => Val::Known(UNBOUNDED_POOL),
                    Ok(limit) => Val::Known(i64::from(limit)),
                    Err(_) => Val::invalid(text, "not a whole number".into()),
                },
            ),
            origin: origin(p),
        },
    );
    let default = |secs: u64| {
        Setting::known(
            Duration::from_secs(secs),
            Origin::Default {
                library: Library::Prisma.name_text(),
                doc: &PRISMA_DOC,
                anchor,
            },
        )
    };
    // quaint reads each as whole seconds (`parse_query_params`), 0 meaning none.
    let seconds = |name: &str, fallback: u64| {
        parsed.param(name).map_or_else(
            || default(fallback),
            |p| Setting {
                value: param_text(p, key, placeholders).map_or_else(
                    |unknown| unknown,
                    |text| {
                        text.parse::<u64>().map_or_else(
                            |_| Val::invalid(text.clone(), "not a number of seconds".into()),
                            |s| Val::Known(Duration::from_secs(s)),
                        )
                    },
                ),
                origin: origin(p),
            },
        )
    };
    Pool {
        name: key.to_owned(),
        library: Library::Prisma,
        ecosystem: Ecosystem::ConnectionString,
        profile: None,
        anchor,
        min: Setting::known(
            0,
            Origin::Default {
                library: Library::Prisma.name_text(),
                doc: &PRISMA_DOC,
                anchor,
            },
        ),
        max,
        acquire_timeout: seconds("pool_timeout", 10),
        // quaint closes connections idle for 300 s unless the URL says otherwise, and
        // retires none by age (`max_idle_connection_lifetime`, `max_connection_lifetime`).
        idle_timeout: seconds("max_idle_connection_lifetime", 300),
        max_lifetime: seconds("max_connection_lifetime", 0),
        // quaint reads no keepalive parameter: none pings idle connections.
        keepalive: default(0),
        validate_on_borrow: None,
        validation_timeout_written: None,
        leak_detection_threshold_written: None,
        auto_commit: None,
        connection: Some(Box::new(prisma_connection(
            parsed,
            Location { file, span: whole },
            map,
            key,
        ))),
        driver_properties: NamedSettings::new(),
        session_variables: NamedSettings::new(),
        init_sql_written: false,
        username_written: None,
        class_settings: ClassSettings::default(),
        url_variables: None,
    }
}

/// A Prisma URL's connection, as every reader's URL ([`super::url_connection`]), keeping
/// of its parameters only `pgbouncer` (`true` turns prepared statements off, which
/// transaction pooling needs: transaction-pooling-session-features).
fn prisma_connection(
    parsed: connection_string::ParsedConnection,
    location: Location,
    map: &crate::model::TextMap,
    key: &str,
) -> ConnectionInfo {
    let mut connection = super::url_connection(parsed, location, map.clone(), key);
    connection.params.retain(|name, _| name == "pgbouncer");
    connection.options = None;
    connection
}

#[cfg(test)]
mod tests {
    use super::*;

    fn variable(name: &str, value: &str) -> EnvVar {
        let at = Location {
            file: FileId(3),
            span: Span::new(50, 50 + value.len()),
        };
        EnvVar::written(name.into(), value.into(), at, at)
    }

    /// A deployment's Prisma URL makes a pool located in the deployment file (its last
    /// setting of a variable winning), and replaces a `.env` pool whole: a URL without
    /// `connection_limit` leaves Prisma's default, unknown, not the file's 5.
    #[test]
    fn deployment_urls_make_and_replace_prisma_pools() {
        let env = [
            variable("DATABASE_URL", "postgresql://db/app?connection_limit=8"),
            variable("DATABASE_URL", "postgresql://db/app?connection_limit=9"),
            variable("REDIS_URL", "redis://cache"),
        ];
        let model = model_from_environment(&env);
        assert_eq!(model.pools.len(), 1);
        let pool = &model.pools[0];
        assert_eq!(pool.max.get(), Some(&9));
        assert_eq!(pool.max.location().map(|l| l.file), Some(FileId(3)));
        let text = "DATABASE_URL=postgresql://db/app?connection_limit=5&pool_timeout=20\n";
        let (file, _) =
            crate::ecosystems::read_one(&DotEnv, ".env", Format::Ini(Dialect::DotEnv), text);
        let base = &file.pools[0];
        assert_eq!(
            base.url_variables.as_deref(),
            Some(&["DATABASE_URL".to_owned()][..])
        );
        let pool = with_environment_url(base, &variable("DATABASE_URL", "postgresql://db/app"));
        assert!(matches!(pool.max.value, Val::Unknown(_)), "{:?}", pool.max);
        assert_eq!(pool.acquire_timeout.get(), Some(&Duration::from_secs(10)));
        assert_eq!(pool.name, "DATABASE_URL");
        let pool = with_environment_url(base, &variable("DATABASE_URL", "${DATABASE_URL}"));
        assert!(matches!(pool.acquire_timeout.value, Val::Unknown(_)));
        let through = "postgresql://db/app?connection_limit=${LIMIT}";
        let pool = with_environment_url(base, &variable("DATABASE_URL", through));
        assert!(matches!(pool.max.value, Val::Unknown(_)), "{:?}", pool.max);
    }

    /// Prisma expands `${VAR}` in a `.env` value with the file's variables (its
    /// `dotenvExpand.ts`), in any order and through other variables; one the file does
    /// not give is the process's, not known. It was not known in every case, which
    /// missed `pool-unbounded` and `acquire-timeout-infinite`.
    #[test]
    fn prisma_expands_the_files_own_variables() {
        let read = |text: &str| {
            let (model, _) =
                crate::ecosystems::read_one(&DotEnv, ".env", Format::Ini(Dialect::DotEnv), text);
            let pool = model.pools.into_iter().next().expect("pool");
            (pool.max.value.clone(), pool.acquire_timeout.value.clone())
        };
        let url = "DATABASE_URL=\"postgresql://db/app?connection_limit=${LIMIT}&pool_timeout=${TIMEOUT}\"\n";
        let (max, timeout) = read(&format!("LIMIT=${{BASE}}5\nBASE=1\n{url}TIMEOUT=0\n"));
        assert_eq!(max, Val::Known(15));
        assert_eq!(timeout, Val::Known(Duration::ZERO));
        let (max, timeout) = read(&format!("LIMIT=0\n{url}"));
        assert_eq!(max, Val::Known(UNBOUNDED_POOL));
        assert!(matches!(timeout, Val::Unknown(_)), "{timeout:?}");
        // A cycle ends as not known.
        let (max, _) = read(&format!("LIMIT=${{LIMIT}}\n{url}"));
        assert!(matches!(max, Val::Unknown(_)), "{max:?}");
    }

    /// Prisma's `connection_limit=0` is mobc's `max_open(0)`: no maximum.
    #[test]
    fn connection_limit_zero_is_no_maximum() {
        let text = "DATABASE_URL=postgresql://db/app?connection_limit=0\n";
        let (model, _) =
            crate::ecosystems::read_one(&DotEnv, ".env", Format::Ini(Dialect::DotEnv), text);
        assert!(model.pools[0].is_unbounded());
    }

    /// quaint closes connections idle for 300 s unless `max_idle_connection_lifetime`
    /// says otherwise (0: never), and retires none by age unless
    /// `max_connection_lifetime` says so.
    #[test]
    fn prisma_idle_and_lifetime_limits_are_quaints() {
        let limits = |query: &str| {
            let text = format!("DATABASE_URL=postgresql://db/app?connection_limit=5{query}\n");
            let (model, _) =
                crate::ecosystems::read_one(&DotEnv, ".env", Format::Ini(Dialect::DotEnv), &text);
            let pool = &model.pools[0];
            let secs = |s: &Setting<Duration>| s.get().map(Duration::as_secs);
            (secs(&pool.idle_timeout), secs(&pool.max_lifetime))
        };
        assert_eq!(limits(""), (Some(300), Some(0)));
        assert_eq!(
            limits("&max_idle_connection_lifetime=0&max_connection_lifetime=1800"),
            (Some(0), Some(1800))
        );
        assert_eq!(
            limits("&max_idle_connection_lifetime=60"),
            (Some(60), Some(0))
        );
        // quaint has no keepalive parameter: nothing pings idle connections.
        let text = "DATABASE_URL=postgresql://db/app?connection_limit=5&keepalive=30\n";
        let (model, _) =
            crate::ecosystems::read_one(&DotEnv, ".env", Format::Ini(Dialect::DotEnv), text);
        assert_eq!(model.pools[0].keepalive.get(), Some(&Duration::ZERO));
    }

    /// npm dotenv keeps the last line of a variable written twice: one Prisma pool, the
    /// last line's.
    #[test]
    fn a_variable_written_twice_makes_one_pool_the_last_ones() {
        let text = "DATABASE_URL=\"postgresql://app@db:5432/app?connection_limit=40\"\n# overridden below\nDATABASE_URL=\"postgresql://app@db:5432/app?connection_limit=8\"\n";
        let (model, _) =
            crate::ecosystems::read_one(&DotEnv, ".env", Format::Ini(Dialect::DotEnv), text);
        let sizes: Vec<Option<&i64>> = model.pools.iter().map(|p| p.max.get()).collect();
        assert_eq!(sizes, [Some(&8)]);
    }

    #[test]
    fn variables_a_password_refers_to_are_secrets() {
        let text = "PG_SECRET=Ref-Secret-1\nDATABASE_URL=postgresql://app:${PG_SECRET}@db/app\nB_URL=postgresql://db/app?password=$TOKEN_B\nTOKEN_B=\"Ref-Secret-2\"\nC_URL=postgresql://app:${TOKEN_C:-x}@db/app\nTOKEN_C=Ref-Secret-3\nDB_PASSWORD=${TOKEN_D}\nTOKEN_D=Ref-Secret-4\nD_URL=postgresql://app:${POOL}x@db/app?password=${PORT:+y}\nPOOL=5\nPORT=5432\nE_URL=postgresql://app:${PW_A}$${PW_B}-$PW_C@db/app\nPW_A=Ref-Secret-5\nPW_B=Not-Secret\nPW_C=Ref-Secret-6\nDB_PASS=${PW_D:-${PW_E}}\nPW_D=Ref-Secret-7\nPW_E=Ref-Secret-8\n";
        let (model, _) =
            crate::ecosystems::read_one(&DotEnv, ".env", Format::Ini(Dialect::DotEnv), text);
        let referenced: Vec<(&str, &str)> = model
            .secrets
            .iter()
            .filter(|s| s.kind == "referenced password")
            .map(|s| {
                let span = s.location.span;
                (s.key.as_str(), &text[span.start..span.end])
            })
            .collect();
        assert_eq!(
            referenced,
            [
                ("PG_SECRET", "Ref-Secret-1"),
                ("TOKEN_B", "Ref-Secret-2"),
                ("TOKEN_C", "Ref-Secret-3"),
                ("TOKEN_D", "Ref-Secret-4"),
                // Part of the password `${POOL}x`; `${PORT:+y}` is `y`.
                ("POOL", "5"),
                // `$$` is a literal `$`: `PW_B` is not read.
                ("PW_A", "Ref-Secret-5"),
                ("PW_C", "Ref-Secret-6"),
                ("PW_D", "Ref-Secret-7"),
                ("PW_E", "Ref-Secret-8"),
            ]
        );
        // The references name where the passwords are: nothing reported.
        assert!(model.secrets.iter().all(|s| !s.literal));
    }

    #[test]
    fn deeply_nested_references_are_read_in_one_pass() {
        let depth = 100_000;
        let written = format!("{}x{}", "${PW:-".repeat(depth), "}".repeat(depth));
        assert_eq!(referenced_names(&written).len(), depth);
    }

    #[test]
    fn secret_named_variables_are_masked_not_reported() {
        let text =
            "DB_SECRET=Sec-1\nSECRET_KEY_BASE=Sec-2\napi_token=Sec-3\nDB_POOL=5\nTOKEN_TTL=60\nSECRETARY_HOST=h\nTOKEN_ISSUER_URL=https://id\n";
        let (model, _) =
            crate::ecosystems::read_one(&DotEnv, ".env", Format::Ini(Dialect::DotEnv), text);
        let masked: Vec<(&str, &str, bool)> = model
            .secrets
            .iter()
            .map(|s| {
                let span = s.location.span;
                (s.kind, &text[span.start..span.end], s.literal)
            })
            .collect();
        assert_eq!(
            masked,
            [
                ("secret variable", "Sec-1", false),
                ("secret variable", "Sec-2", false),
                ("secret variable", "Sec-3", false),
            ]
        );
    }

    #[test]
    fn passwords_are_secrets_and_prisma_params_make_a_pool() {
        let text = "DB_PASSWORD=Env-Secret-2\nDB_PASS=Env-Secret-4\nREDIS_PWD=Env-Secret-5\nDATABASE_URL=postgresql://app:Url-Secret-3@db:5432/app?connection_limit=5&pool_timeout=20\n";
        let (model, _) =
            crate::ecosystems::read_one(&DotEnv, ".env", Format::Ini(Dialect::DotEnv), text);
        let secrets: Vec<&str> = model
            .secrets
            .iter()
            .map(|s| &text[s.location.span.start..s.location.span.end])
            .collect();
        assert_eq!(
            secrets,
            vec![
                "Env-Secret-2",
                "Env-Secret-4",
                "Env-Secret-5",
                "Url-Secret-3"
            ]
        );
        let pool = &model.pools[0];
        assert_eq!(pool.max.get(), Some(&5));
        // The pool is an application's, as a knexfile's is: fleet rules count it.
        assert_eq!(model.services.len(), 1);
        assert_eq!(model.services[0].pools, vec![0]);
        assert_eq!(pool.acquire_timeout.get(), Some(&Duration::from_secs(20)));
        let span = pool.max.location().unwrap().span;
        assert_eq!(&text[span.start..span.end], "5");
    }
}
