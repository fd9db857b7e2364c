//! PgBouncer: `pgbouncer.ini`. Settings of `[pgbouncer]` fill a [`Pooler`] named after
//! the file's directory; `[databases]` connection strings are checked for passwords
//! (recorded as secrets, so every output masks them). Facts and defaults:
//! rules-catalogue §1.2 [PGB-CFG].
//!
//! PgBouncer quirks modelled here: comments are whole lines only, so
//! `pool_mode = transaction ; x` has the value `transaction ; x` (an invalid mode, and
//! the reason says why); time values are seconds, and a unit suffix such as `30s` is
//! rejected by current PgBouncer (invalid here too). `%include` files are spliced in
//! by the engine (see `crate::includes`). Each parameter of a `[databases]` connection
//! string becomes an entry of its own (`databases.<db>.<param>`, spans inside the
//! string), so rules can check the per-database keys PgBouncer accepts. `[users]`
//! entries are read the same way (`users.<user>.<param>`); their `pool_mode` applies to
//! every pool of that user and wins over the database's and the global one.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::connection_string;
use super::ini_settings::{
    fits_c_int, pairs_with_includes, read_each_top_file, Pair, SettingBuilder,
};
use super::{file_name, ParsedFile, Reader};
use crate::model::{
    ConfigEntry, Ecosystem, EntryKey, Location, Model, Pooler, PoolerDatabase, PoolerUser, Secret,
};
use crate::source::{SourceMap, Span};
use crate::syntax::ini::Dialect;
use crate::syntax::Format;

pub struct PgBouncer;

const DOC: &str = "https://www.pgbouncer.org/config.html";

const POOL_MODES: &[&str] = &["session", "transaction", "statement"];

impl Reader for PgBouncer {
    fn ecosystem(&self) -> Ecosystem {
        Ecosystem::PgBouncer
    }

    fn recognise(&self, path: &Path) -> Option<Format> {
        (file_name(path)? == "pgbouncer.ini").then_some(Format::Ini(Dialect::PgBouncer))
    }

    fn read(&self, files: &[&ParsedFile], sources: &SourceMap) -> Model {
        read_each_top_file(files, |file, model| read_file(file, files, sources, model))
    }
}

fn read_file(file: &ParsedFile, files: &[&ParsedFile], sources: &SourceMap, model: &mut Model) {
    let all = pairs_with_includes(file, files);
    let settings_section: Vec<&Pair> = all
        .iter()
        .filter(|p| p.section.as_deref() == Some("pgbouncer"))
        .collect();
    // A default points at the `[pgbouncer]` header, where the missing key would go.
    let header = file
        .doc
        .roots
        .iter()
        .flat_map(|r| file.doc.entries(*r))
        .find(|e| {
            file.doc
                .text(e.key)
                .is_some_and(|k| k.eq_ignore_ascii_case("pgbouncer"))
        });
    let anchor = header
        .map(|e| Location {
            file: file.id,
            span: file.doc.span(e.key),
        })
        .or(all.first().map(Pair::key_location));
    let settings = SettingBuilder {
        library: "PgBouncer",
        doc_url: DOC,
        anchor,
    };
    let mut databases = Vec::new();
    let mut users = Vec::new();
    let scope: Arc<str> = crate::source::display_dir(&file.path).into();
    for pair in &all {
        model.entries.push(entry(pair, &scope));
        let section = pair.section.as_deref();
        if matches!(section, Some("databases" | "users")) {
            model.secrets.extend(connection_secrets(sources, pair));
            let params = entry_params(sources, pair);
            model
                .entries
                .extend(params.iter().map(|param| param_entry(pair, param, &scope)));
            if section == Some("databases") {
                databases.push(pooler_database(&settings, pair, &params));
            } else {
                users.push(pooler_user(&settings, pair, &params));
            }
        } else if super::is_password_name(&pair.key) {
            model.secrets.push(Secret {
                location: pair.value_location(),
                kind: "password key",
                key: pair.key.clone(),
                literal: !pair.value.trim().is_empty(),
                scrub_messages: true,
            });
        }
    }
    let last = |name: &str| {
        settings_section
            .iter()
            .rev()
            .find(|p| p.key == name)
            .copied()
    };
    let int = |name: &str, default: i64| {
        last(name).map_or_else(
            || settings.default(default),
            |p| settings.parsed(p, |t| setting_count(name, t)),
        )
    };
    let seconds = |name: &str, default: u64| {
        last(name).map_or_else(
            || settings.default(Duration::from_secs(default)),
            |p| settings.parsed(p, parse_seconds),
        )
    };
    let name = file
        .path
        .parent()
        .and_then(|d| d.file_name())
        .and_then(|n| n.to_str())
        .unwrap_or("pgbouncer")
        .to_owned();
    model.poolers.push(Pooler {
        name,
        instances: None,
        connects_to: None,
        pool_mode: Some(last("pool_mode").map_or_else(
            || settings.default("session".to_owned()),
            |p| settings.parsed(p, parse_pool_mode),
        )),
        default_pool_size: Some(int("default_pool_size", 20)),
        reserve_pool_size: Some(int("reserve_pool_size", 0)),
        max_client_conn: Some(int("max_client_conn", 100)),
        max_db_connections: Some(int("max_db_connections", 0)),
        query_wait_timeout: Some(seconds("query_wait_timeout", 120)),
        query_timeout: Some(seconds("query_timeout", 0)),
        client_idle_timeout: Some(seconds("client_idle_timeout", 0)),
        server_idle_timeout: Some(seconds("server_idle_timeout", 600)),
        server_lifetime: Some(seconds("server_lifetime", 3600)),
        idle_transaction_timeout: Some(seconds("idle_transaction_timeout", 0)),
        // The newest default (PgBouncer 1.24+), as rules-catalogue §0 asks.
        max_prepared_statements: Some(int("max_prepared_statements", 200)),
        // A lookup value, matched case-insensitively like pool_mode.
        auth_type: Some(last("auth_type").map_or_else(
            || settings.default("md5".to_owned()),
            |p| settings.parsed(p, |text| Ok(text.to_ascii_lowercase())),
        )),
        databases,
        users,
        file: Some(file.id),
    });
}

/// `session`, `transaction` or `statement`, in any case (libusual's `cf_set_lookup`
/// compares with `strcasecmp`), lower-cased; anything else says why.
fn parse_pool_mode(text: &str) -> Result<String, String> {
    let mode = text.to_ascii_lowercase();
    if POOL_MODES.contains(&mode.as_str()) {
        return Ok(mode);
    }
    if text.contains(';') || text.contains('#') {
        return Err(format!(
            "PgBouncer has no end-of-line comments: the value is `{text}`, not a pool mode; move the comment to its own line"
        ));
    }
    Err(format!("`{text}` is not session, transaction or statement"))
}

/// A `[pgbouncer]` count as PgBouncer's `cf_set_int` reads it (libusual
/// `usual/cfparser.c`): `strtol` over the whole text, no range check, kept in a C `int`.
/// Text that is not a whole number fails the configuration: `parse_ini_file` logs
/// `invalid value "…" for parameter …` and `load_config` dies at start-up
/// (`src/main.c`); a reload keeps the previous configuration.
fn setting_count(name: &str, text: &str) -> Result<i64, String> {
    match strtol_base0(text) {
        Ok(v) if v < 0 && name != "max_db_connections" => Err(format!(
            "negative: PgBouncer does not check the range and uses {v} as written, but {name} counts connections (0 or more)"
        )),
        Ok(v) if fits_c_int(v) => Ok(v),
        _ if super::is_integer_text(text) => Err(too_big_for_int()),
        _ => Err(format!(
            "not a whole number: PgBouncer logs `invalid value \"{text}\" for parameter {name}` and does not start (a reload keeps the previous configuration)"
        )),
    }
}

/// The whole of `text` as C's `strtol(text, &end, 0)` reads it: leading white space,
/// a sign, then `0x` hexadecimal, a leading `0` octal (`060` is 48), or decimal; an
/// error when anything is left over (`08`, `1_0`) or the number is beyond 64 bits.
fn strtol_base0(text: &str) -> Result<i64, ()> {
    let text = text.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let hex = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
        .filter(|h| h.starts_with(|c: char| c.is_ascii_hexdigit()));
    let (radix, digits) = match hex {
        Some(hex) => (16, hex),
        None if digits.len() > 1 && digits.starts_with('0') => (8, digits),
        None => (10, digits),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return Err(());
    }
    let value = i64::from_str_radix(digits, radix).map_err(|_| ())?;
    Ok(if negative { -value } else { value })
}

fn too_big_for_int() -> String {
    "beyond a 32-bit int, which PgBouncer does not check: the number wraps when PgBouncer stores it in a C int, so it keeps another number than the one written (-1, which it treats as not set, for a number beyond 64 bits on 64-bit Linux)".into()
}

/// A `[databases]` or `[users]` count as PgBouncer's loader reads it (`src/loader.c`):
/// C `atoi`, which takes the leading digits and never fails.
fn entry_count(text: &str) -> Result<i64, String> {
    match text.parse::<i64>() {
        Ok(v) if fits_c_int(v) => Ok(v),
        _ if super::is_integer_text(text) => Err(too_big_for_int()),
        _ => {
            let read = super::leading_integer(text);
            Err(format!(
                "not a whole number: PgBouncer reads it with C `atoi`, which takes the leading digits without an error, so `{text}` is read as {read}"
            ))
        }
    }
}

/// PgBouncer time values are seconds, written as a number.
fn parse_seconds(text: &str) -> Result<Duration, String> {
    if let Ok(seconds) = text.parse::<f64>() {
        if seconds.is_nan() || seconds.is_infinite() {
            return Err("PgBouncer's parser (`strtod`) accepts it, and turning it into microseconds is undefined in C, so the timeout PgBouncer gets is not a number of seconds".to_owned());
        }
        if seconds < 0.0 {
            return Err(
                "negative: PgBouncer rejects it (`invalid value`) and does not start".to_owned(),
            );
        }
        return Duration::try_from_secs_f64(seconds)
            .map_err(|_| "too long a time for PgBouncer".to_owned());
    }
    if text
        .trim_end_matches(|c: char| c.is_ascii_alphabetic())
        .parse::<f64>()
        .is_ok()
    {
        return Err("PgBouncer time values are plain seconds; a unit suffix is rejected by current PgBouncer".to_owned());
    }
    Err("not a number of seconds".to_owned())
}

/// `password=` inside a `[databases]` connection string.
fn connection_secrets(sources: &SourceMap, pair: &Pair) -> Vec<Secret> {
    let span = pair.value_span;
    let text = sources.get(pair.file).map_or("", |f| f.text());
    let Some(raw) = text.get(span.start..span.end) else {
        return Vec::new();
    };
    connection_string::password_ranges(raw)
        .into_iter()
        .map(|range| Secret {
            location: Location {
                file: pair.file,
                span: Span::new(span.start + range.start, span.start + range.end),
            },
            kind: "connection string password",
            key: format!("databases.{}", pair.key),
            literal: true,
            scrub_messages: true,
        })
        .collect()
}

/// The parameters of one `[databases]` connection string (`db = host=x pool_size=5`)
/// or `[users]` entry (`app = pool_mode=session`), each as a pair keyed
/// `<section>.<name>.<param>` with spans inside the value.
fn entry_params(sources: &SourceMap, pair: &Pair) -> Vec<Pair> {
    let span = pair.value_span;
    let text = sources.get(pair.file).map_or("", |f| f.text());
    let Some(parsed) = text
        .get(span.start..span.end)
        .and_then(connection_string::parse_key_values)
    else {
        return Vec::new();
    };
    let inside =
        |range: std::ops::Range<usize>| Span::new(span.start + range.start, span.start + range.end);
    parsed
        .params
        .into_iter()
        .map(|param| Pair {
            file: pair.file,
            section: pair.section.clone(),
            key: format!(
                "{}.{}.{}",
                pair.section.as_deref().unwrap_or(""),
                pair.key,
                param.name
            ),
            key_span: inside(param.name_range),
            value: param.value,
            value_span: inside(param.value_range),
        })
        .collect()
}

/// A parameter pair as an entry with canonical form `<section>.<param>`; password
/// values are not copied into the entry.
fn param_entry(pair: &Pair, param: &Pair, scope: &Arc<str>) -> ConfigEntry {
    let name = param.key.rsplit('.').next().unwrap_or("");
    let section = pair.section.as_deref().unwrap_or("");
    ConfigEntry {
        ecosystem: Ecosystem::PgBouncer,
        file: pair.file,
        key: EntryKey::new(&param.key),
        canonical: EntryKey::from(format!("{section}.{}", name.to_ascii_lowercase())),
        key_span: param.key_span,
        value: (!connection_string::is_password_param(name)).then(|| param.value.clone()),
        value_span: param.value_span,
        profile: None,
        via: None,
        scope: Arc::clone(scope),
        precedence: 0,
    }
}

/// The parameter `name` of an entry (case-insensitive, last one wins).
fn param<'p>(params: &'p [Pair], name: &str) -> Option<&'p Pair> {
    param_of(params, &[name])
}

/// The last parameter spelled as any of `names` (one setting with several spellings).
fn param_of<'p>(params: &'p [Pair], names: &[&str]) -> Option<&'p Pair> {
    params.iter().rev().find(|p| {
        p.key
            .rsplit('.')
            .next()
            .is_some_and(|k| names.iter().any(|name| k.eq_ignore_ascii_case(name)))
    })
}

/// The pool settings a `[databases]` entry overrides.
fn pooler_database(settings: &SettingBuilder, pair: &Pair, params: &[Pair]) -> PoolerDatabase {
    PoolerDatabase {
        name: pair.key.clone(),
        location: pair.key_location(),
        pool_size: param(params, "pool_size").map(|p| settings.parsed(p, entry_count)),
        // `reserve_pool` is the older spelling PgBouncer still accepts [PGB-LOADER].
        reserve_pool_size: param_of(params, &["reserve_pool_size", "reserve_pool"])
            .map(|p| settings.parsed(p, entry_count)),
        pool_mode: param(params, "pool_mode").map(|p| settings.parsed(p, parse_pool_mode)),
        max_db_connections: param(params, "max_db_connections")
            .map(|p| settings.parsed(p, entry_count)),
        forced_user: param(params, "user")
            .map(|p| p.value.clone())
            .filter(|u| !u.is_empty()),
    }
}

/// The pool settings a `[users]` entry overrides for every pool of that user.
fn pooler_user(settings: &SettingBuilder, pair: &Pair, params: &[Pair]) -> PoolerUser {
    PoolerUser {
        name: pair.key.clone(),
        location: pair.key_location(),
        pool_mode: param(params, "pool_mode").map(|p| settings.parsed(p, parse_pool_mode)),
        max_user_connections: param(params, "max_user_connections")
            .map(|p| settings.parsed(p, entry_count)),
    }
}

fn entry(pair: &Pair, scope: &Arc<str>) -> ConfigEntry {
    ConfigEntry {
        ecosystem: Ecosystem::PgBouncer,
        file: pair.file,
        key: match &pair.section {
            Some(section) => EntryKey::from(format!("{section}.{}", pair.key)),
            None => EntryKey::new(&pair.key),
        },
        canonical: EntryKey::from(pair.key.to_ascii_lowercase()),
        key_span: pair.key_span,
        value: Some(pair.value.clone()),
        value_span: pair.value_span,
        profile: None,
        via: None,
        scope: Arc::clone(scope),
        precedence: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (Model, SourceMap) {
        crate::ecosystems::read_one(
            &PgBouncer,
            "bouncer/pgbouncer.ini",
            Format::Ini(Dialect::PgBouncer),
            text,
        )
    }

    #[test]
    fn settings_defaults_and_quirks() {
        let (model, _) = read("[pgbouncer]\npool_mode = transaction ; tx mode\ndefault_pool_size = 50\nquery_wait_timeout = 30s\n");
        let pooler = &model.poolers[0];
        assert_eq!(pooler.name, "bouncer");
        assert_eq!(pooler.default_pool_size.as_ref().unwrap().get(), Some(&50));
        assert_eq!(pooler.max_client_conn.as_ref().unwrap().get(), Some(&100));
        match &pooler.pool_mode.as_ref().unwrap().value {
            crate::model::Val::Invalid(invalid) => {
                assert!(invalid.reason.contains("no end-of-line comments"))
            }
            other => panic!("pool_mode should be invalid: {other:?}"),
        }
        match &pooler.query_wait_timeout.as_ref().unwrap().value {
            crate::model::Val::Invalid(invalid) => assert!(invalid.reason.contains("unit suffix")),
            other => panic!("query_wait_timeout should be invalid: {other:?}"),
        }
    }

    #[test]
    fn database_passwords_are_secrets_with_exact_spans() {
        let text = "[databases]\nusers = host=db dbname=users password=S3cretPass\n";
        let (model, sources) = read(text);
        let secret = &model.secrets[0];
        assert_eq!(
            sources
                .get(secret.location.file)
                .unwrap()
                .slice(secret.location.span),
            "S3cretPass"
        );
    }
    #[test]
    fn counts_are_read_as_strtol_reads_them() {
        for (text, expected) in [
            ("60", Ok(60)),
            ("060", Ok(48)),
            ("0x20", Ok(32)),
            (" +7", Ok(7)),
            ("0", Ok(0)),
            ("08", Err(())),
            ("0x", Err(())),
            ("1_0", Err(())),
            ("", Err(())),
        ] {
            assert_eq!(strtol_base0(text), expected, "{text:?}");
        }
        let (model, _) = read("[pgbouncer]\ndefault_pool_size = 060\n");
        let size = model.poolers[0]
            .default_pool_size
            .as_ref()
            .and_then(|s| s.get());
        assert_eq!(size, Some(&48));
    }

    #[test]
    fn lookup_values_match_in_any_case() {
        let (model, _) = read("[databases]\napp = host=db pool_mode=Statement\n[pgbouncer]\npool_mode = Transaction\nauth_type = TRUST\n");
        let pooler = &model.poolers[0];
        let value =
            |s: &Option<crate::model::Setting<String>>| s.as_ref().and_then(|s| s.get()).cloned();
        assert_eq!(value(&pooler.pool_mode).as_deref(), Some("transaction"));
        assert_eq!(value(&pooler.auth_type).as_deref(), Some("trust"));
        assert_eq!(
            value(&pooler.databases[0].pool_mode).as_deref(),
            Some("statement")
        );
    }

    #[test]
    fn users_pool_mode_wins_over_database_and_global_for_the_pools_user() {
        let (model, _) = read("[databases]\napp = host=db\nreports = host=db user=report\n[users]\nreport = pool_mode=session max_user_connections=5\n[pgbouncer]\npool_mode = transaction\n");
        let pooler = &model.poolers[0];
        let mode = |db, user| {
            pooler
                .mode_for(db, user)
                .and_then(|m| m.get().cloned())
                .unwrap()
        };
        assert_eq!(mode(Some("app"), Some("report")), "session");
        assert_eq!(mode(Some("app"), Some("web")), "transaction");
        assert_eq!(mode(Some("app"), None), "transaction");
        // A forced `user=` decides the pool's user, whoever the client logs in as.
        assert_eq!(mode(Some("reports"), Some("web")), "session");
        let user = &pooler.users[0];
        assert_eq!(user.max_user_connections.as_ref().unwrap().get(), Some(&5));
        assert!(model
            .entries
            .iter()
            .any(|e| e.canonical == "users.max_user_connections"));
    }
}
