//! PgBouncer: `pgbouncer.ini`. Settings of `[pgbouncer]` fill a [`Pooler`] named after
//! the file's directory; `[databases]` connection strings are checked for passwords
//! (recorded as secrets, so every output masks them). Facts and defaults:
//! rules-catalogue §1.2 [PGB-CFG].
//!
//! PgBouncer quirks modelled here: section names are case-sensitive (`[PgBouncer]` is
//! no section PgBouncer knows, [`UnknownSection`]), each `[pgbouncer]` header sets the
//! settings before it back to their defaults, a file without one is refused; comments
//! are whole lines only, so
//! `pool_mode = transaction ; x` has the value `transaction ; x` (an invalid mode, and
//! the reason says why); time values are seconds, and a unit suffix such as `30s` is
//! rejected by current PgBouncer (invalid here too). `%include` files are spliced in
//! by the engine (see `crate::includes`). Each parameter of a `[databases]` connection
//! string becomes an entry of its own (`databases.<db>.<param>`, spans inside the
//! string), so rules can check the per-database keys PgBouncer accepts. `[users]`
//! entries are read the same way (`users.<user>.<param>`); their `pool_mode` applies to
//! every pool of that user and wins over the database's and the global one, and so do
//! their `max_user_connections`, `idle_transaction_timeout`, `query_timeout` and
//! `client_idle_timeout` when above 0 and their
//! `pool_size` and `reserve_pool_size` when 0 or more. Entry values are split into `key=value` pairs as PgBouncer's `cstr_get_pair` does; where
//! it would stop (an end-of-line comment), the entry is recorded as refused
//! ([`RefusedEntry`], reported by `parse-error`).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::connection_string;
use super::ini_settings::{
    fits_c_int, pairs_with_includes_one_section, read_each_top_file, Header, Pair, SectionedPairs,
    SettingBuilder,
};
use super::{file_name, ParsedFile, Reader};
use crate::model::parameters::{
    PGBOUNCER_AUTH_TYPES as AUTH_TYPES, PGBOUNCER_POOL_MODES as POOL_MODES, PGBOUNCER_SECTIONS,
};
use crate::model::{
    ConfigEntry, Ecosystem, EntryKey, EntryStop, InvalidCause, Location, Model, Pooler,
    PoolerDatabase, PoolerUser, RefusedEntry, RefusedValue, ResetSetting, Secret, Setting,
    UnknownSection, Val,
};
use crate::source::{SourceMap, Span};
use crate::syntax::ini::Dialect;
use crate::syntax::Format;

pub struct PgBouncer;

const DOC: &str = "https://www.pgbouncer.org/config.html";

impl Reader for PgBouncer {
    fn ecosystem(&self) -> Ecosystem {
        Ecosystem::PgBouncer
    }

    fn recognise(&self, path: &Path) -> Option<Format> {
        (file_name(path)? == "pgbouncer.ini").then_some(Format::Ini(Dialect::PgBouncer))
    }

    /// Batched by directory, as PostgreSQL's files are: no file depends on another
    /// once none includes one.
    fn unit_without_includes<'p>(&self, path: &'p Path) -> Option<&'p Path> {
        path.parent()
    }

    fn read(&self, files: &[&ParsedFile], sources: &SourceMap) -> Model {
        read_each_top_file(files, |file, model| read_file(file, files, sources, model))
    }
}

/// PgBouncer's main section (every section it knows: [`PGBOUNCER_SECTIONS`]).
const MAIN_SECTION: &str = "pgbouncer";

fn read_file(file: &ParsedFile, files: &[&ParsedFile], sources: &SourceMap, model: &mut Model) {
    let SectionedPairs {
        pairs: all,
        headers,
    } = pairs_with_includes_one_section(file, files);
    // Every `[pgbouncer]` header sets the section's settings back to their defaults
    // (libusual `load_handler` calls `fill_defaults` for each header; PgBouncer 1.18
    // runs `default_pool_size = 150`, then a second `[pgbouncer]`, with 20): only the
    // settings after the last one count.
    let main_header = headers.iter().rev().find(|h| h.name == MAIN_SECTION);
    let in_main = |p: &&Pair| p.section.as_deref() == Some(MAIN_SECTION);
    let reset_at = main_header.map_or(0, |h| h.pairs_before);
    let settings_section: Vec<&Pair> = all.iter().skip(reset_at).filter(in_main).collect();
    let reset_settings = main_header.map_or_else(Vec::new, |header| {
        let before = all.get(..reset_at).unwrap_or_default();
        before
            .iter()
            .filter(in_main)
            .map(|p| ResetSetting {
                key: p.key.clone(),
                location: p.key_location(),
                header: header.location,
            })
            .collect()
    });
    if !headers
        .iter()
        .any(|h| h.name.eq_ignore_ascii_case(MAIN_SECTION))
    {
        model.refused_values.push(main_section_missing(file));
    }
    // A default points at the `[pgbouncer]` header, where the missing key would go.
    let anchor = main_header
        .map(|h| h.location)
        .or(all.first().map(Pair::key_location));
    let settings = SettingBuilder {
        library: crate::model::Library::PgBouncer.name_text(),
        doc_url: &DOC,
        anchor,
    };
    // Room for them at once: grown by doubling, the databases of a large file were
    // copied at every step and held up to as much room again.
    let in_section = |name: &str| {
        all.iter()
            .filter(|p| p.section.as_deref() == Some(name))
            .count()
    };
    let mut databases = Vec::with_capacity(in_section("databases"));
    let mut users = Vec::with_capacity(in_section("users"));
    let mut refused = Vec::new();
    let scope: Arc<str> = crate::source::display_dir(&file.path).into();
    for pair in &all {
        model.entries.push(entry(pair, &scope));
        let section = pair.section.as_deref();
        if matches!(section, Some("databases" | "users")) {
            model.secrets.extend(connection_secrets(sources, pair));
            let (params, refusal) = entry_params(sources, pair);
            refused.extend(refusal);
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
    let text = |name: &str, default: &str| {
        last(name).map_or_else(
            || settings.default(default.to_owned()),
            |p| settings.parsed(p, |t| Ok::<_, String>(t.to_owned())),
        )
    };
    let name = file
        .path
        .parent()
        .and_then(|d| d.file_name())
        .and_then(|n| n.to_str())
        .unwrap_or("pgbouncer")
        .to_owned();
    keep_last_of_each_name(&mut databases, |d| d.name.as_str());
    keep_last_of_each_name(&mut users, |u| u.name.as_str());
    model.poolers.push(Pooler {
        name,
        instances: None,
        connects_to: None,
        pool_mode: Some(last("pool_mode").map_or_else(
            || settings.default("session".to_owned()),
            |p| lookup(&settings, p, parse_pool_mode),
        )),
        default_pool_size: Some(int("default_pool_size", 20)),
        reserve_pool_size: Some(int("reserve_pool_size", 0)),
        reserve_pool_timeout: Some(seconds("reserve_pool_timeout", 5)),
        max_client_conn: Some(int("max_client_conn", 100)),
        max_db_client_connections: Some(int("max_db_client_connections", 0)),
        max_db_connections: Some(int("max_db_connections", 0)),
        max_user_connections: Some(int("max_user_connections", 0)),
        max_user_client_connections: Some(int("max_user_client_connections", 0)),
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
            |p| lookup(&settings, p, parse_auth_type),
        )),
        ignore_startup_parameters: Some(text("ignore_startup_parameters", "")),
        track_extra_parameters: Some(text("track_extra_parameters", "IntervalStyle")),
        databases,
        users,
        refused,
        unknown_sections: unknown_sections(&headers),
        reset_settings,
        file: Some(file.id),
    });
}

/// Keep one entry per name: the last one written, in the place of the first. PgBouncer's
/// `add_database()` and `add_pgbouncer_user()` find the entry of a name written again,
/// and the later line sets every one of its settings (those it omits back to "not set").
fn keep_last_of_each_name<T>(entries: &mut Vec<T>, name: impl Fn(&T) -> &str) {
    let mut by_name: Vec<(&str, usize)> = entries.iter().map(&name).zip(0..).collect();
    by_name.sort_unstable();
    let mut swaps = Vec::new();
    let mut dropped = vec![false; by_name.len()];
    for group in by_name.chunk_by(|a, b| a.0 == b.0) {
        if let [(_, first), .., (_, last)] = group {
            swaps.push((*first, *last));
        }
        for &(_, later) in group.iter().skip(1) {
            if let Some(flag) = dropped.get_mut(later) {
                *flag = true;
            }
        }
    }
    for (first, last) in swaps {
        entries.swap(first, last);
    }
    let mut flags = dropped.into_iter();
    entries.retain(|_| !flags.next().unwrap_or(false));
}

/// The headers that name no section PgBouncer knows: it logs `invalid section "…"` and
/// does not start (PgBouncer 1.18 with `[PgBouncer]` or `[Databases]`).
fn unknown_sections(headers: &[Header]) -> Vec<UnknownSection> {
    headers
        .iter()
        .filter(|h| !PGBOUNCER_SECTIONS.contains(&h.name.as_str()))
        .map(|h| UnknownSection {
            name: h.name.clone(),
            location: h.location,
        })
        .collect()
}

/// A `pgbouncer.ini` whose files hold no `[pgbouncer]` header (an empty one too):
/// libusual's `cf_load_file` logs `main section missing from config file` and PgBouncer
/// does not start (checked with PgBouncer 1.18). Not when a header names it in another
/// case: that header is reported instead.
fn main_section_missing(file: &ParsedFile) -> RefusedValue {
    RefusedValue {
        location: Location {
            file: file.id,
            span: Span::new(0, 0),
        },
        reason: "this pgbouncer.ini (with the files it includes) has no [pgbouncer] section: PgBouncer logs `main section missing from config file` and does not start".to_owned(),
        fix: "add a `[pgbouncer]` section (the header alone is enough for the defaults)",
        warning: false,
        stage: crate::model::RefusalStage::StartUp,
    }
}

/// `session`, `transaction` or `statement`, in any case (libusual's `cf_set_lookup`
/// compares with `strcasecmp`), lower-cased; anything else says why.
fn parse_pool_mode(text: &str) -> Result<String, String> {
    parse_lookup(text, POOL_MODES, "a pool mode")
}

/// One of [`AUTH_TYPES`], in any case like `pool_mode`, lower-cased.
fn parse_auth_type(text: &str) -> Result<String, String> {
    parse_lookup(text, AUTH_TYPES, "an auth type")
}

/// A setting PgBouncer looks up in a list (`pool_mode`, `auth_type`), with where an
/// end-of-line comment makes it invalid (the fix is to move the comment).
fn lookup(
    settings: &SettingBuilder,
    pair: &Pair,
    parse: fn(&str) -> Result<String, String>,
) -> Setting<String> {
    let mut setting = settings.parsed(pair, parse);
    if let Val::Invalid(invalid) = &mut setting.value {
        invalid.cause = invalid
            .raw
            .find([';', '#'])
            .map(InvalidCause::EndOfLineComment);
    }
    setting
}

/// A value PgBouncer looks up in `known` (libusual's `cf_set_lookup`, `strcasecmp`),
/// lower-cased; else why it is refused (an end-of-line comment, or none of `known`).
/// The fix (did you mean) is the reporting rule's.
fn parse_lookup(text: &str, known: &[&str], what: &str) -> Result<String, String> {
    let value = text.to_ascii_lowercase();
    if known.contains(&value.as_str()) {
        return Ok(value);
    }
    if text.contains([';', '#']) {
        return Err(format!(
            "PgBouncer has no end-of-line comments: the value is `{text}`, not {what}"
        ));
    }
    let list = match known.split_last() {
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    };
    Err(format!("`{text}` is not {list}"))
}

/// A `[pgbouncer]` count as PgBouncer's `cf_set_int` reads it (libusual
/// `usual/cfparser.c`): `strtol` over the whole text, no range check, kept in a C `int`.
/// Text that is not a whole number fails the configuration: `parse_ini_file` logs
/// `invalid value "…" for parameter …` and `load_config` dies at start-up
/// (`src/main.c`); a reload keeps the previous configuration.
fn setting_count(name: &str, text: &str) -> Result<i64, String> {
    match strtol_base0(text) {
        Ok(v) if v < 0 && !negative_is_unlimited(name) => Err(negative_count(name, v)),
        Ok(v) if fits_c_int(v) => Ok(v),
        _ if super::is_integer_text(text) => Err(too_big_for_int()),
        _ => Err(format!(
            "not a whole number: PgBouncer logs `invalid value \"{text}\" for parameter {name}` and does not start (a reload keeps the previous configuration)"
        )),
    }
}

/// The caps PgBouncer reads as no limit at 0 or below: `database_max_connections()`,
/// `user_max_connections()` and `check_db_connection_count()` (`src/server.c`,
/// `src/client.c`) test `<= 0`, so a negative value is unlimited, as 0 is.
fn negative_is_unlimited(name: &str) -> bool {
    matches!(
        name,
        "max_db_connections" | "max_user_connections" | "max_db_client_connections"
    )
}

/// Why a negative `[pgbouncer]` count is invalid. `max_user_client_connections` is only
/// unlimited at 0: `check_user_connection_count()` (`src/client.c`) compares each
/// user's client count, 1 or more, with it, so every client is refused.
fn negative_count(name: &str, value: i64) -> String {
    match name {
        "max_user_client_connections" => format!(
            "negative: only 0 is no limit, and PgBouncer compares each login user's client count with {value}, so it refuses every client (\"client connections exceeded (max_user_client_connections)\") of a user without a [users] max_user_client_connections above 0"
        ),
        _ => format!(
            "negative: PgBouncer does not check the range and uses {value} as written, but {name} counts connections (0 or more)"
        ),
    }
}

/// The whole of `text` as C's `strtol(text, &end, 0)` reads it: leading white space,
/// a sign, then `0x` hexadecimal, a leading `0` octal (`060` is 48), or decimal; an
/// error when anything is left over (`08`, `1_0`) or the number is beyond 64 bits.
fn strtol_base0(text: &str) -> Result<i64, ()> {
    match super::c_numbers::strtol(text) {
        Some((Some(value), "")) => Ok(value),
        _ => Err(()),
    }
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

/// A `[users]` time in seconds as PgBouncer's loader reads it (1.25+, `src/loader.c`):
/// C `atoi`, so `30s` is 30 seconds and `2.5` is 2, without an error.
fn entry_seconds(text: &str) -> Result<Duration, String> {
    match text.parse::<u64>() {
        Ok(v) if fits_c_int(i64::try_from(v).unwrap_or(i64::MAX)) => Ok(Duration::from_secs(v)),
        _ if super::is_integer_text(text) && !text.starts_with('-') => Err(too_big_for_int()),
        _ if super::leading_integer(text) < 0 => Err(format!(
            "negative: PgBouncer stores `{text}` as an unsigned number of microseconds, a time so long that it never runs out"
        )),
        _ => {
            let read = super::leading_integer(text);
            Err(format!(
                "not a whole number of seconds: PgBouncer reads it with C `atoi`, which takes the leading digits without an error, so `{text}` is read as {read} (0: the [pgbouncer] value applies)"
            ))
        }
    }
}

/// A `[pgbouncer]` time in seconds as libusual's `cf_set_time_usec` reads it
/// (`usual/cfparser.c` `parse_time`): C `strtod` (`strtod_dot`, C locale) over the
/// whole value, so `1e3`, `0x10` and `0x1.8p3` are numbers of seconds; text left over
/// (a unit suffix such as `30s`), a number beyond a `double` (errno `ERANGE`) and a
/// negative one are refused (`invalid value`), and PgBouncer does not start.
fn parse_seconds(text: &str) -> Result<Duration, String> {
    let Some(read) = super::c_numbers::strtod(text) else {
        return Err("not a number of seconds".to_owned());
    };
    if !read.rest.is_empty() {
        if read.rest.chars().all(|c| c.is_ascii_alphabetic()) {
            return Err("PgBouncer time values are plain seconds; a unit suffix is rejected by current PgBouncer".to_owned());
        }
        return Err(format!(
            "not a number of seconds: PgBouncer reads it with C `strtod`, which stops at `{}`, so it logs `invalid value` and does not start",
            read.rest
        ));
    }
    if read.out_of_range {
        return Err("beyond what a C double holds (`strtod` sets ERANGE): PgBouncer logs `invalid value` and does not start".to_owned());
    }
    let seconds = read.value;
    // `-inf` is below 0 and refused; `nan` is not, and passes.
    if seconds < 0.0 {
        return Err(
            "negative: PgBouncer rejects it (`invalid value`) and does not start".to_owned(),
        );
    }
    if seconds.is_nan() || seconds.is_infinite() {
        return Err("PgBouncer's parser (`strtod`) accepts it, and turning it into microseconds is undefined in C, so the timeout PgBouncer gets is not a number of seconds".to_owned());
    }
    // `-0` is not below 0 for C either: zero seconds.
    Duration::try_from_secs_f64(seconds.abs())
        .map_err(|_| "too long a time for PgBouncer".to_owned())
}

/// `password=` inside a `[databases]` connection string.
fn connection_secrets(sources: &SourceMap, pair: &Pair) -> Vec<Secret> {
    let span = pair.value_span;
    let text = sources.get(pair.file).map_or("", |f| f.text());
    let Some(raw) = text.get(span.start..span.end) else {
        return Vec::new();
    };
    // PgBouncer's own reading too: the generic reader takes a value with a `;` (an
    // end-of-line comment) for an ADO.NET string and would miss the password.
    let mut ranges = connection_string::password_ranges(raw);
    ranges.extend(
        cstr_pairs(raw)
            .0
            .into_iter()
            .filter(|p| connection_string::is_password_param(&p.name) && !p.value_range.is_empty())
            .map(|p| p.value_range),
    );
    ranges.sort_by_key(|r| (r.start, r.end));
    ranges.dedup();
    ranges
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
/// `<section>.<name>.<param>` with spans inside the value, as PgBouncer reads them;
/// and, when PgBouncer cannot read the whole value, where it stops (the pairs before
/// it are kept).
fn entry_params(sources: &SourceMap, pair: &Pair) -> (Vec<Pair>, Option<RefusedEntry>) {
    let span = pair.value_span;
    let text = sources.get(pair.file).map_or("", |f| f.text());
    let Some(value) = text.get(span.start..span.end) else {
        return (Vec::new(), None);
    };
    let (params, stop) = cstr_pairs(value);
    let inside =
        |range: std::ops::Range<usize>| Span::new(span.start + range.start, span.start + range.end);
    let pairs = params
        .into_iter()
        .map(|param| Pair {
            file: pair.file,
            section: pair.section.clone(),
            key: format!(
                "{}.{}.{}",
                pair.section.as_deref().unwrap_or(""),
                pair.key,
                shown_name(&param.name)
            ),
            key_span: inside(param.name_range),
            value: param.value,
            value_span: inside(param.value_range),
        })
        .collect();
    let refusal = stop.map(|(range, problem)| RefusedEntry {
        location: Location {
            file: pair.file,
            span: inside(range),
        },
        section: pair.section.clone().unwrap_or_default(),
        name: pair.key.clone(),
        stop: problem,
    });
    (pairs, refusal)
}

/// A parameter's name as entries and findings show it: text before a `=` that no name
/// can be (`postgresql://u:secret.x` when the entry is a URL whose password holds `=`)
/// may hold a password, so it is shown as `(not a name)`, never quoted.
fn shown_name(name: &str) -> &str {
    let plain = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'));
    if plain {
        name
    } else {
        NOT_A_NAME
    }
}

/// What [`shown_name`] shows for text no name can be.
const NOT_A_NAME: &str = "(not a name)";

/// The `key=value` pairs of a `[databases]` or `[users]` value as PgBouncer's
/// `cstr_get_pair` reads them (`src/loader.c`): only spaces separate (a tab is part of
/// a word), a name runs to `=` or a space and may be followed by spaces before `=`,
/// a value may follow spaces after `=`, runs to the next space or is quoted in `'`
/// (`''` inside), and may not be empty; after a closing quote one character is
/// skipped. Also where PgBouncer stops, when it does: the range is the word it stops
/// at (a comment: from its `;` or `#` to the end), and the pairs before it are kept.
fn cstr_pairs(
    text: &str,
) -> (
    Vec<connection_string::Param>,
    Option<(std::ops::Range<usize>, EntryStop)>,
) {
    let bytes = text.as_bytes();
    let byte = |i: usize| bytes.get(i).copied();
    let skip_spaces = |mut i: usize| {
        while byte(i) == Some(b' ') {
            i += 1;
        }
        i
    };
    let word_end = |mut i: usize| {
        while byte(i).is_some_and(|b| b != b' ') {
            i += 1;
        }
        i
    };
    let end = text.trim_end_matches(' ').len();
    let mut params = Vec::new();
    let mut i = skip_spaces(0);
    while i < bytes.len() {
        let name_start = i;
        let mut name_end = name_start;
        while byte(name_end).is_some_and(|b| b != b'=' && b != b' ') {
            name_end += 1;
        }
        let eq = skip_spaces(name_end);
        if byte(eq) != Some(b'=') || name_end == name_start {
            let stop = if name_end == name_start {
                EntryStop::EmptyName
            } else if matches!(byte(name_start), Some(b';' | b'#')) {
                EntryStop::Comment
            } else {
                EntryStop::NotAPair
            };
            let until = match stop {
                EntryStop::Comment => end.max(name_start),
                _ => word_end(name_start).max(name_start + 1).min(bytes.len()),
            };
            return (params, Some((name_start..until, stop)));
        }
        let value_start = skip_spaces(eq + 1);
        let (value_range, next) = if byte(value_start) == Some(b'\'') {
            let mut j = value_start + 1;
            loop {
                match byte(j) {
                    None => {
                        return (
                            params,
                            Some((value_start..bytes.len(), EntryStop::Unterminated)),
                        );
                    }
                    Some(b'\'') if byte(j + 1) == Some(b'\'') => j += 2,
                    Some(b'\'') => break,
                    Some(_) => j += 1,
                }
            }
            // PgBouncer cuts the character after the closing quote, whatever it is.
            (value_start + 1..j, (j + 2).min(bytes.len()))
        } else {
            let value_end = word_end(value_start);
            (value_start..value_end, (value_end + 1).min(bytes.len()))
        };
        if value_range.is_empty() {
            return (params, Some((name_start..name_end, EntryStop::EmptyValue)));
        }
        params.push(connection_string::Param {
            name: text.get(name_start..name_end).unwrap_or("").to_owned(),
            name_range: name_start..name_end,
            value: text.get(value_range.clone()).unwrap_or("").to_owned(),
            value_range,
        });
        i = skip_spaces(next);
    }
    (params, None)
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
        // A password's value is not copied, nor the text after a `=` no name precedes
        // (`(not a name)`: the rest of a URL's password may follow).
        value: (!connection_string::is_password_param(name) && name != NOT_A_NAME)
            .then(|| param.value.clone()),
        value_span: param.value_span,
        profile: None,
        via: None,
        scope: Arc::clone(scope),
        precedence: 0,
        reading: None,
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
        pool_size: param(params, "pool_size").map(|p| Box::new(settings.parsed(p, entry_count))),
        // `reserve_pool` is the older spelling PgBouncer still accepts [PGB-LOADER].
        reserve_pool_size: param_of(params, &["reserve_pool_size", "reserve_pool"])
            .map(|p| Box::new(settings.parsed(p, entry_count))),
        pool_mode: param(params, "pool_mode")
            .map(|p| Box::new(lookup(settings, p, parse_pool_mode))),
        max_db_connections: param(params, "max_db_connections")
            .map(|p| Box::new(settings.parsed(p, entry_count))),
        max_db_client_connections: param(params, "max_db_client_connections")
            .map(|p| Box::new(settings.parsed(p, entry_count))),
        query_wait_timeout: entry_wait(settings, params).map(Box::new),
        forced_user: param(params, "user")
            .filter(|p| !p.value.is_empty())
            .map(|p| p.value.as_str().into()),
    }
}

/// The pool settings a `[users]` entry overrides for every pool of that user.
fn pooler_user(settings: &SettingBuilder, pair: &Pair, params: &[Pair]) -> PoolerUser {
    PoolerUser {
        name: pair.key.clone(),
        location: pair.key_location(),
        pool_mode: param(params, "pool_mode").map(|p| lookup(settings, p, parse_pool_mode)),
        pool_size: param(params, "pool_size").map(|p| settings.parsed(p, entry_count)),
        reserve_pool_size: param(params, "reserve_pool_size")
            .map(|p| settings.parsed(p, entry_count)),
        max_user_connections: param(params, "max_user_connections")
            .map(|p| settings.parsed(p, entry_count)),
        max_user_client_connections: param(params, "max_user_client_connections")
            .map(|p| settings.parsed(p, entry_count)),
        idle_transaction_timeout: param(params, "idle_transaction_timeout")
            .map(|p| settings.parsed(p, entry_seconds)),
        query_timeout: param(params, "query_timeout").map(|p| settings.parsed(p, entry_seconds)),
        client_idle_timeout: param(params, "client_idle_timeout")
            .map(|p| settings.parsed(p, entry_seconds)),
        query_wait_timeout: entry_wait(settings, params),
    }
}

/// A `[databases]` or `[users]` entry's `query_wait_timeout` (pgbouncer/pgbouncer#1449:
/// seconds, 0 disables, -1 is not set). Only a plain whole number of seconds is read:
/// the loader code that parses it was not available to check, so other text (`30s`,
/// `2.5`, `-5`) is a value not known, which no rule judges.
fn entry_wait(settings: &SettingBuilder, params: &[Pair]) -> Option<Setting<Duration>> {
    let pair = param(params, "query_wait_timeout").filter(|p| p.value != "-1")?;
    let mut setting = settings.parsed(pair, |text| {
        match text.bytes().all(|b| b.is_ascii_digit()) {
            true => entry_seconds(text),
            false => Err(format!("`{text}` is not a plain whole number of seconds, and how PgBouncer reads other text here could not be checked")),
        }
    });
    if let Val::Invalid(invalid) = &setting.value {
        setting.value = Val::Unknown(Box::new(crate::model::Unknown {
            reason: invalid.reason.clone(),
        }));
    }
    Some(setting)
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
        reading: None,
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
                assert!(invalid.reason.contains("no end-of-line comments"));
                // `transaction ; tx mode`: the comment is at byte 12.
                assert_eq!(invalid.cause, Some(InvalidCause::EndOfLineComment(12)));
            }
            other => panic!("pool_mode should be invalid: {other:?}"),
        }
        match &pooler.query_wait_timeout.as_ref().unwrap().value {
            crate::model::Val::Invalid(invalid) => assert!(invalid.reason.contains("unit suffix")),
            other => panic!("query_wait_timeout should be invalid: {other:?}"),
        }
    }

    /// As PgBouncer 1.18 ran them (`SHOW CONFIG`): a second `[pgbouncer]` header sets
    /// every setting back to its default; `[databases]` entries stay.
    #[test]
    fn a_second_pgbouncer_header_resets_the_settings_before_it() {
        let (model, sources) = read("[databases]\napp = host=db\n[pgbouncer]\ndefault_pool_size = 150\nmax_client_conn = 500\n[databases]\napp2 = host=db\n[pgbouncer]\npool_mode = transaction\n");
        let pooler = &model.poolers[0];
        let value = |s: &Option<Setting<i64>>| s.as_ref().and_then(|s| s.get()).copied();
        assert_eq!(value(&pooler.default_pool_size), Some(20));
        assert_eq!(value(&pooler.max_client_conn), Some(100));
        let mode = pooler.pool_mode.as_ref().and_then(|s| s.get());
        assert_eq!(mode.map(String::as_str), Some("transaction"));
        assert_eq!(pooler.databases.len(), 2);
        let reset: Vec<&str> = pooler
            .reset_settings
            .iter()
            .map(|reset| {
                sources
                    .get(reset.location.file)
                    .unwrap()
                    .slice(reset.location.span)
            })
            .collect();
        assert_eq!(reset, ["default_pool_size", "max_client_conn"]);
        // The defaults point at the header that set them.
        let anchor = pooler
            .default_pool_size
            .as_ref()
            .unwrap()
            .origin
            .location()
            .unwrap();
        assert_eq!(anchor.span.start, 112, "the second header");
        assert_eq!(
            sources.get(anchor.file).unwrap().slice(anchor.span),
            "pgbouncer"
        );
        assert!(model.refused_values.is_empty());
    }

    #[test]
    fn section_names_are_case_sensitive() {
        let (model, _) =
            read("[Databases]\napp = host=db\n[PgBouncer]\ndefault_pool_size = 150\n[extra]\n");
        let pooler = &model.poolers[0];
        assert_eq!(
            pooler.default_pool_size.as_ref().and_then(|s| s.get()),
            Some(&20)
        );
        assert!(pooler.databases.is_empty());
        let unknown: Vec<(&str, Option<&str>)> = pooler
            .unknown_sections
            .iter()
            .map(|s| {
                let meant = crate::suggest::same_but_case(&s.name, PGBOUNCER_SECTIONS);
                (s.name.as_str(), meant)
            })
            .collect();
        assert_eq!(
            unknown,
            [
                ("Databases", Some("databases")),
                ("PgBouncer", Some("pgbouncer")),
                ("extra", None)
            ]
        );
        // The misnamed header is reported, not also the missing main section.
        assert!(model.refused_values.is_empty());
        let (model, _) = read("[databases]\napp = host=db\n");
        assert_eq!(model.refused_values.len(), 1);
        assert!(model.refused_values[0]
            .reason
            .contains("main section missing"));
        let (model, _) = read("");
        assert_eq!(model.refused_values.len(), 1);
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
    fn times_are_read_as_strtod_reads_them() {
        // As glibc's strtod reads them (checked against a C program).
        let seconds = |text: &str| parse_seconds(text).map(|d| d.as_secs_f64());
        for (text, expected) in [
            ("0x10", 16.0),
            ("0x1.8p1", 3.0),
            ("0X1P-2", 0.25),
            ("0x.8", 0.5),
            ("1e3", 1000.0),
            ("1.5", 1.5),
            ("5.", 5.0),
            (".5", 0.5),
            ("+3", 3.0),
            ("-0", 0.0),
            ("0e-400", 0.0),
        ] {
            assert_eq!(seconds(text), Ok(expected), "{text:?}");
        }
        // Text left over, out of range, negative: PgBouncer refuses them.
        for text in [
            "30s",
            "0x",
            "0xg",
            "1e",
            "1e+",
            "1_0",
            "nanx",
            ".",
            "1e400",
            "1e-400",
            "1e-310",
            "0x1p99999",
            "-1",
            "-inf",
            "-0x10",
        ] {
            assert!(seconds(text).is_err(), "{text:?}");
        }
        // Accepted by strtod, undefined as microseconds.
        for text in ["inf", "INFINITY", "nan", "nan(12)"] {
            let reason = parse_seconds(text).unwrap_err();
            assert!(reason.contains("undefined in C"), "{text:?}: {reason}");
        }
        let (model, _) = read("[pgbouncer]\nclient_idle_timeout = 0x10\nserver_lifetime = 1e3\n");
        let pooler = &model.poolers[0];
        assert_eq!(
            pooler.client_idle_timeout.as_ref().unwrap().get(),
            Some(&Duration::from_secs(16))
        );
        assert_eq!(
            pooler.server_lifetime.as_ref().unwrap().get(),
            Some(&Duration::from_secs(1000))
        );
    }

    /// The server connections one instance may open, as PgBouncer sizes its pools: a
    /// forced user's one pool is bounded by its size below `max_db_connections`; -1 in
    /// an entry is "not set"; `reserve_pool_timeout = 0` disables the reserve pool; a
    /// database written twice is its last line.
    #[test]
    fn the_server_budget_follows_pgbouncers_pool_sizes() {
        let budget = |text: &str| {
            let pooler = &read(text).0.poolers[0];
            Pooler::server_budget_total(&pooler.server_budget(&[]))
        };
        let forced = "[databases]\napp = host=db user=app\n[pgbouncer]\ndefault_pool_size = 20\nmax_db_connections = 80\n";
        assert_eq!(budget(forced), 20);
        // Without a forced user, every user that logs in has a pool: the cap bounds them.
        assert_eq!(budget(&forced.replace(" user=app", "")), 80);
        let unset = "[databases]\napp = host=db pool_size=-1 reserve_pool_size=-1\n[pgbouncer]\ndefault_pool_size = 40\nreserve_pool_size = 10\n";
        assert_eq!(budget(unset), 50);
        let no_reserve = "[databases]\napp = host=db\n[pgbouncer]\ndefault_pool_size = 40\nreserve_pool_size = 10\nreserve_pool_timeout = 0\n";
        assert_eq!(budget(no_reserve), 40);
        assert_eq!(budget(&no_reserve.replace("= 0\n", "= 2.5\n")), 50);
        let twice = "[databases]\napp = host=db pool_size=40\nother = host=db pool_size=1\napp = host=db pool_size=10\n[pgbouncer]\n";
        let (model, _) = read(twice);
        let names: Vec<&str> = model.poolers[0]
            .databases
            .iter()
            .map(|d| d.name.as_str())
            .collect();
        assert_eq!(names, ["app", "other"]);
        assert_eq!(budget(twice), 11);
    }

    /// PgBouncer keeps a pool per (database, user) pair: the users the clients log in
    /// as each have one, sized by their `[users]` `pool_size` when set, all within the
    /// entry's `max_db_connections`; with no login known, one pool of the default size.
    #[test]
    fn each_user_clients_log_in_as_has_a_pool() {
        let text = "[databases]\napp = host=db\nother = host=db\n[users]\nweb = pool_size=5\n[pgbouncer]\ndefault_pool_size = 30\n";
        let (model, _) = read(text);
        let pooler = &model.poolers[0];
        let budget = |logins: &[crate::model::Login]| {
            Pooler::server_budget_total(&pooler.server_budget(logins))
        };
        assert_eq!(budget(&[]), 60);
        // `web` on app (5) and `api` on app (30); `other` has no known login (30).
        let logins = [
            (Some("app"), Some("web")),
            (Some("app"), Some("api")),
            (Some("app"), Some("web")),
            (Some("app"), None),
        ];
        assert_eq!(budget(&logins), 65);
        let parts = pooler.server_budget(&logins);
        let users: Vec<_> = parts
            .iter()
            .map(|p| (p.database, p.user, p.login))
            .collect();
        assert_eq!(
            users,
            [
                (Some("app"), Some("api"), true),
                (Some("app"), Some("web"), true),
                (Some("other"), None, false)
            ]
        );
        // The entry's cap bounds its pools together.
        let (capped, _) =
            read(&text.replace("app = host=db", "app = host=db max_db_connections=20"));
        let pooler = &capped.poolers[0];
        assert_eq!(
            Pooler::server_budget_total(&pooler.server_budget(&logins)),
            50
        );
        let one = [(Some("app"), Some("web"))];
        assert_eq!(Pooler::server_budget_total(&pooler.server_budget(&one)), 35);
    }

    /// The `*` fallback makes a database of each name clients ask for, each with its own
    /// pools and `max_db_connections`; a name with an entry of its own takes that one.
    #[test]
    fn the_fallback_entry_is_a_database_per_name_clients_ask_for() {
        let budget = |text: &str, logins: &[crate::model::Login]| {
            let (model, _) = read(text);
            Pooler::server_budget_total(&model.poolers[0].server_budget(logins))
        };
        let fallback = "[databases]\n* = host=db\n[pgbouncer]\ndefault_pool_size = 20\n";
        let logins = [(Some("web"), Some("app")), (Some("api"), Some("app"))];
        assert_eq!(budget(fallback, &[]), 20);
        assert_eq!(budget(fallback, &logins), 40);
        let capped = fallback.replace("host=db", "host=db max_db_connections=15");
        assert_eq!(budget(&capped, &logins), 30);
        let named = fallback.replace("* = host=db", "web = host=db pool_size=5\n* = host=db");
        assert_eq!(budget(&named, &logins), 25);
    }

    /// PgBouncer 1.24's client caps: `max_user_client_connections` in `[pgbouncer]` and
    /// `[users]` (an entry's value above 0 wins, as `user_client_max_connections()`
    /// decides), and the database and user each client is counted in
    /// (`check_db_connection_count`, `check_user_connection_count`).
    #[test]
    fn client_caps_per_user_and_database_are_read_as_pgbouncer_applies_them() {
        let text = "[databases]\napp = host=db max_db_client_connections=40\nreports = host=db user=report\n* = host=db\n[users]\nweb = max_user_client_connections=30\napi = max_user_client_connections=0\n[pgbouncer]\nmax_user_client_connections = 70\nmax_db_client_connections = 90\n";
        let (model, _) = read(text);
        let pooler = &model.poolers[0];
        let cap = |s: Option<&Setting<i64>>| s.and_then(|s| s.get()).copied();
        assert_eq!(cap(pooler.max_user_client_connections.as_ref()), Some(70));
        assert_eq!(cap(pooler.user_client_cap("web")), Some(30));
        assert_eq!(cap(pooler.user_client_cap("api")), Some(70));
        assert_eq!(cap(pooler.user_client_cap("nobody")), Some(70));
        let counted = |database| {
            pooler
                .client_database(database)
                .map(|(entry, name)| (name, cap(pooler.database_client_cap(entry))))
        };
        assert_eq!(counted(Some("app")), Some(("app", Some(40))));
        assert_eq!(counted(Some("reports")), Some(("reports", Some(90))));
        // Through `*`: a database per name asked for, with the `*` entry's cap.
        assert_eq!(counted(Some("orders")), Some(("orders", Some(90))));
        // Not known, with several entries: counted in none.
        assert_eq!(counted(None), None);
        // The login user, not the forced `user=`.
        assert_eq!(
            pooler.client_login_user(Some("reports"), Some("web")),
            Some("web")
        );
        let (lone, _) = read("[databases]\napp = host=db user=app\n[pgbouncer]\nauth_type = any\n");
        let pooler = &lone.poolers[0];
        // A lone entry is every client's; `auth_type = any` logs them in as its user.
        assert_eq!(
            pooler.client_database(None).map(|(_, name)| name),
            Some("app")
        );
        assert_eq!(pooler.client_login_user(None, Some("web")), Some("app"));
        assert_eq!(cap(pooler.user_client_cap("app")), None);
    }

    #[test]
    fn lookup_values_match_in_any_case() {
        let (model, _) = read("[databases]\napp = host=db pool_mode=Statement\n[pgbouncer]\npool_mode = Transaction\nauth_type = TRUST\n");
        let pooler = &model.poolers[0];
        let value = |s: Option<&crate::model::Setting<String>>| s.and_then(|s| s.get()).cloned();
        assert_eq!(
            value(pooler.pool_mode.as_ref()).as_deref(),
            Some("transaction")
        );
        assert_eq!(value(pooler.auth_type.as_ref()).as_deref(), Some("trust"));
        assert_eq!(
            value(pooler.databases[0].pool_mode.as_deref()).as_deref(),
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

    #[test]
    fn entries_are_read_as_pgbouncer_reads_them() {
        type Read<'t> = (Vec<(String, String)>, Option<(&'t str, EntryStop)>);
        fn pairs(text: &str) -> Read<'_> {
            let (params, stop) = cstr_pairs(text);
            let names = params.into_iter().map(|p| (p.name, p.value)).collect();
            (names, stop.map(|(range, why)| (&text[range], why)))
        }
        let pair = |n: &str, v: &str| (n.to_owned(), v.to_owned());
        // Spaces around `=` are allowed; a tab is part of a word.
        assert_eq!(
            pairs("host = db  dbname=a\tb"),
            (vec![pair("host", "db"), pair("dbname", "a\tb")], None)
        );
        assert_eq!(
            pairs("password='it''s x' pool_size=5"),
            (
                vec![pair("password", "it''s x"), pair("pool_size", "5")],
                None
            )
        );
        assert_eq!(
            pairs("host=db pool_size=30 ; main db"),
            (
                vec![pair("host", "db"), pair("pool_size", "30")],
                Some(("; main db", EntryStop::Comment))
            )
        );
        assert_eq!(
            pairs("host=db stray more=1"),
            (
                vec![pair("host", "db")],
                Some(("stray", EntryStop::NotAPair))
            )
        );
        assert_eq!(pairs("=db").1, Some(("=db", EntryStop::EmptyName)));
        assert_eq!(
            pairs("host=db user=").1,
            Some(("user", EntryStop::EmptyValue))
        );
        assert_eq!(
            pairs("password='open").1,
            Some(("'open", EntryStop::Unterminated))
        );
        // `30;x` is one value (atoi reads 30): not refused.
        assert_eq!(pairs("pool_size=30;x").1, None);
    }

    #[test]
    fn refused_entries_users_timeouts_and_the_global_user_cap_are_read() {
        let (model, sources) = read("[databases]\napp = host=db password=Secret1 ; prod\n[users]\napp = idle_transaction_timeout=30 max_user_connections=5\n[pgbouncer]\nmax_user_connections = 20\nauth_type = scram-sha256\n");
        let pooler = &model.poolers[0];
        let refused = &pooler.refused[0];
        let file = sources.get(refused.location.file).unwrap();
        assert_eq!(file.slice(refused.location.span), "; prod");
        assert_eq!(
            (
                refused.section.as_str(),
                refused.name.as_str(),
                refused.stop
            ),
            ("databases", "app", EntryStop::Comment)
        );
        // The password before the comment is still a secret (the generic reader takes a
        // value with `;` for an ADO.NET string).
        assert!(model
            .secrets
            .iter()
            .any(|s| file.slice(s.location.span) == "Secret1"));
        let user = &pooler.users[0];
        assert_eq!(
            user.idle_transaction_timeout.as_ref().unwrap().get(),
            Some(&Duration::from_secs(30))
        );
        assert_eq!(
            pooler.max_user_connections.as_ref().unwrap().get(),
            Some(&20)
        );
        match &pooler.auth_type.as_ref().unwrap().value {
            crate::model::Val::Invalid(invalid) => assert!(invalid.reason.contains("not any")),
            other => panic!("auth_type should be invalid: {other:?}"),
        }
    }
}
