//! PostgreSQL server configuration: `postgresql.conf` and `postgresql.auto.conf`.
//! Names are case-insensitive and the last occurrence wins; time values take the units
//! `us ms s min h d` (case-sensitive) and a bare number is in the parameter's own unit
//! (milliseconds for the timeouts read here). Defaults: rules-catalogue §1.3 [PG-CONN]
//! [PG-CLIENT]. The database is named after the file's directory.
//!
//! `include`, `include_if_exists` and `include_dir` are followed by the engine (see
//! `crate::includes`). The same parameters given as `-c name=value` flags on a postgres
//! command line (compose `command:`, Kubernetes container `command:`/`args:`) are read by
//! [`command_flags`] and [`database_from_pairs`], with spans into that file.

use std::path::Path;
use std::sync::Arc;

use super::c_numbers;
use super::ini_settings::{pairs_with_includes, read_each_top_file, Pair, SettingBuilder};
use super::{file_name, ParsedFile, Reader};
use crate::model::{
    ConfigEntry, Database, Ecosystem, Engine, EntryKey, Location, Model, Reading, RefusalStage,
    RefusedValue, Secret, Setting,
};
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::ini::Dialect;
use crate::syntax::Format;

pub struct Postgres;

pub(crate) const DOC: &str =
    "https://www.postgresql.org/docs/current/runtime-config-connection.html";
/// `max_connections` default [PG-CONN].
const MAX_CONNECTIONS: i64 = 100;
/// `superuser_reserved_connections` default [PG-CONN].
const SUPERUSER_RESERVED: i64 = 3;

/// Time units PostgreSQL accepts, in milliseconds [PG-CONFIG-UNITS].
pub(crate) const TIME_UNITS: &[(&str, f64)] = &[
    ("us", 0.001),
    ("ms", 1.0),
    ("s", 1000.0),
    ("min", 60_000.0),
    ("h", 3_600_000.0),
    ("d", 86_400_000.0),
];

impl Reader for Postgres {
    fn ecosystem(&self) -> Ecosystem {
        Ecosystem::Postgres
    }

    fn recognise(&self, path: &Path) -> Option<Format> {
        matches!(file_name(path)?, "postgresql.conf" | "postgresql.auto.conf")
            .then_some(Format::Ini(Dialect::Postgres))
    }

    /// A directory's files: its `postgresql.conf` and `postgresql.auto.conf` are one
    /// server ([`Servers`]).
    fn unit_without_includes<'p>(&self, path: &'p Path) -> Option<&'p Path> {
        path.parent()
    }

    fn read(&self, files: &[&ParsedFile], sources: &SourceMap) -> Model {
        let servers = Servers::of(files);
        read_each_top_file(files, |file, model| {
            if servers.auto_conf_read_with_its_conf(file) {
                // Its values belong to the postgresql.conf beside it (one server,
                // read there); its entries stay its own.
                push_entries(file, &pairs_with_includes(file, files), model);
            } else {
                read_file(file, servers.auto_conf_of(file), files, sources, model);
            }
        })
    }
}

const CONF: &str = "postgresql.conf";
const AUTO_CONF: &str = "postgresql.auto.conf";

/// Which top-level files are one server: a `postgresql.auto.conf` beside a
/// `postgresql.conf` is read after it, so what `ALTER SYSTEM` wrote there wins
/// ("Settings in postgresql.auto.conf override those in postgresql.conf",
/// <https://www.postgresql.org/docs/current/config-setting.html>): the two are one
/// server, not two databases. Indexed by directory once, not searched per file.
struct Servers<'a> {
    /// The top-level auto.conf of each directory that has one.
    auto_confs: std::collections::HashMap<&'a Path, &'a ParsedFile>,
    /// Directories with a top-level postgresql.conf.
    confs: std::collections::HashSet<&'a Path>,
}

impl<'a> Servers<'a> {
    fn of(files: &[&'a ParsedFile]) -> Self {
        let mut servers = Servers {
            auto_confs: Default::default(),
            confs: Default::default(),
        };
        for &file in files.iter().filter(|f| f.included_from.is_none()) {
            let Some(dir) = file.path.parent() else {
                continue;
            };
            match file_name(&file.path) {
                Some(AUTO_CONF) => {
                    servers.auto_confs.insert(dir, file);
                }
                Some(CONF) => {
                    servers.confs.insert(dir);
                }
                _ => {}
            }
        }
        servers
    }

    /// The auto.conf to read after `file`, when `file` is a postgresql.conf.
    fn auto_conf_of(&self, file: &ParsedFile) -> Option<&'a ParsedFile> {
        (file_name(&file.path) == Some(CONF))
            .then(|| self.auto_confs.get(file.path.parent()?).copied())
            .flatten()
    }

    /// True when `file` is an auto.conf with a postgresql.conf beside it.
    fn auto_conf_read_with_its_conf(&self, file: &ParsedFile) -> bool {
        file_name(&file.path) == Some(AUTO_CONF)
            && file
                .path
                .parent()
                .is_some_and(|dir| self.confs.contains(dir))
    }
}

fn read_file(
    file: &ParsedFile,
    auto_conf: Option<&ParsedFile>,
    files: &[&ParsedFile],
    sources: &SourceMap,
    model: &mut Model,
) {
    let mut all = pairs_with_includes(file, files);
    push_entries(file, &all, model);
    if let Some(auto) = auto_conf {
        all.extend(pairs_with_includes(auto, files));
    }
    model.secrets.extend(conninfo_secrets(&all, |pair| {
        let text = sources.get(pair.file).map_or("", |f| f.text());
        super::written_at(text, pair.value_span, &pair.value)
    }));
    // A file with no setting (empty, comments only, or includes that bring none) runs
    // with every default, as one without the parameter does: its defaults point at the
    // file's start, for lack of a line.
    let anchor = all.first().map(Pair::key_location).or(Some(Location {
        file: file.id,
        span: Span::new(0, 0),
    }));
    let settings = SettingBuilder {
        library: &"PostgreSQL",
        doc_url: &DOC,
        anchor,
    };
    let name = file
        .path
        .parent()
        .and_then(|d| d.file_name())
        .and_then(|n| n.to_str())
        .unwrap_or("postgres")
        .to_owned();
    let (database, refused) = database_from_pairs(
        name,
        &all,
        |p| p.key.as_str(),
        |_| false,
        &settings,
        Applied::File,
    );
    model.refused_values.extend(refused);
    model.databases.push(Database {
        file: Some(file.id),
        ..database
    });
}

/// The entries of `file` and its includes (`pairs`), scoped to it (an `ALTER SYSTEM` value in
/// postgresql.auto.conf overriding postgresql.conf is not a duplicate), ordered as
/// PostgreSQL reads them: the last occurrence wins.
fn push_entries(file: &ParsedFile, pairs: &[Pair], model: &mut Model) {
    let scope: Arc<str> = crate::source::display_path(&file.path).into();
    for (index, pair) in pairs.iter().enumerate() {
        model.entries.push(pair_entry(
            pair,
            pair.key.to_ascii_lowercase(),
            &scope,
            index,
        ));
    }
}

/// How PostgreSQL applies a list of parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Applied {
    /// A configuration file (with its includes and `postgresql.auto.conf`): only the last
    /// of lines spelling a name alike is applied (`ProcessConfigFileInternal` marks the
    /// earlier ones ignored, comparing names with `strcmp`), and a value the server
    /// refuses is logged, the file's other lines applied, and the server does not start.
    File,
    /// `-c name=value` flags: each is applied in turn, and the first the server refuses
    /// stops it.
    CommandLine,
}

/// A PostgreSQL server from its parameters, applied as `applied` says: `param_of` gives
/// each pair's parameter name; the last occurrence of a (case-insensitive) name wins;
/// absent parameters get PostgreSQL's defaults. With the server processes that the
/// server refuses to count (see [`refused_process_counts`]): one at the `max_connections`
/// that wins makes it invalid, one elsewhere is a refused value.
pub(crate) fn database_from_pairs<'a>(
    name: String,
    all: &'a [Pair],
    param_of: impl Fn(&'a Pair) -> &'a str,
    unknown: impl Fn(&Pair) -> bool,
    settings: &SettingBuilder,
    applied: Applied,
) -> (Database, Vec<RefusedValue>) {
    let last = |wanted: &str| {
        all.iter()
            .rev()
            .find(|p| param_of(p).eq_ignore_ascii_case(wanted))
    };
    let int = |name: &str, min: i64| {
        last(name).map(|p| read_pair(settings, p, unknown(p), |t| integer(name, t, min)))
    };
    let millis =
        |name: &str| last(name).map(|p| read_pair(settings, p, unknown(p), |t| millis(name, t)));
    let too_many = refused_process_counts(all, &param_of, &unknown, applied);
    let winning = last("max_connections");
    let at_winning = |refused: &&TooManyProcesses<'_>| {
        winning.is_some_and(|pair| std::ptr::eq(refused.pair, pair))
    };
    let max_connections = winning.map(|pair| match too_many.iter().find(at_winning) {
        Some(refused) => settings.read(pair, Err(refused.reason())),
        None => read_pair(settings, pair, unknown(pair), |t| {
            integer("max_connections", t, 1)
        }),
    });
    let refused = too_many
        .iter()
        .filter(|refused| !at_winning(refused))
        .map(|refused| RefusedValue {
            location: refused.pair.value_location(),
            reason: format!(
                "{} is `{}`: {}",
                refused.name(),
                refused.pair.value.trim(),
                refused.reason()
            ),
            fix: "lower the server process counts so that together they stay within 262143, and set the ones you lower before the ones you raise: PostgreSQL checks each as it is set",
            warning: false,
            stage: RefusalStage::StartUp,
        })
        .collect();
    let database = Database {
        name,
        engine: Engine::Postgres,
        max_connections: max_connections.unwrap_or_else(|| settings.default(MAX_CONNECTIONS)),
        superuser_reserved_connections: Some(
            int("superuser_reserved_connections", 0)
                .unwrap_or_else(|| settings.default(SUPERUSER_RESERVED)),
        ),
        reserved_connections: int("reserved_connections", 0),
        cores: None,
        other_clients: None,
        statement_timeout: millis("statement_timeout").or_else(|| Some(zero(settings))),
        idle_in_transaction_session_timeout: millis("idle_in_transaction_session_timeout")
            .or_else(|| Some(zero(settings))),
        idle_session_timeout: millis("idle_session_timeout").or_else(|| Some(zero(settings))),
        max_connections_adjusted: None,
        wait_timeout: None,
        max_user_connections: None,
        wait_timeout_raised_from: None,
        declared: false,
        named_host: false,
        aliases: Vec::new(),
        file: None,
    };
    (database, refused)
}

/// The setting of `pair`: unknown when a variable the repository does not hold sets it
/// (`unknown`), else its value parsed.
fn read_pair<T>(
    settings: &SettingBuilder,
    pair: &Pair,
    unknown: bool,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Setting<T> {
    match unknown {
        true => Setting {
            value: crate::model::Val::unknown(format!(
                "`{}` is set by a variable",
                pair.value.trim()
            )),
            origin: settings.origin(pair),
        },
        false => settings.parsed(pair, parse),
    }
}

/// Largest value of the connection counts read here: `MAX_BACKENDS` (2^18 - 1) in
/// PostgreSQL's `src/backend/utils/misc/guc_tables.c`.
const MAX_BACKENDS: i64 = 262_143;

/// A server process count PostgreSQL adds up against [`MAX_BACKENDS`].
struct ProcessCount {
    name: &'static str,
    default: i64,
    /// Its smallest value.
    min: i64,
}

/// The server processes PostgreSQL counts against [`MAX_BACKENDS`], with their
/// defaults and smallest values (guc_tables.c), plus one for the autovacuum launcher.
const PROCESS_COUNTS: [ProcessCount; 4] = [
    ProcessCount {
        name: "max_connections",
        default: MAX_CONNECTIONS,
        min: 1,
    },
    ProcessCount {
        name: "autovacuum_max_workers",
        default: 3,
        min: 1,
    },
    ProcessCount {
        name: "max_worker_processes",
        default: 8,
        min: 0,
    },
    ProcessCount {
        name: "max_wal_senders",
        default: 10,
        min: 0,
    },
];

/// A line setting one of [`PROCESS_COUNTS`] that PostgreSQL refuses: with the counts it
/// held then, the processes exceed [`MAX_BACKENDS`].
struct TooManyProcesses<'a> {
    pair: &'a Pair,
    /// Which of [`PROCESS_COUNTS`] it sets.
    set: usize,
    /// The counts when it is checked, its own value written in.
    counts: [i64; 4],
    after: After,
}

/// What the lines after a refused one would have changed, had the server not checked
/// it as it came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum After {
    Nothing,
    /// They lower the other counts enough: only the order has it refused.
    LowerTheOthers,
    /// A later line of the file sets the same count, spelling its name otherwise: the
    /// server applies both lines (it ignores only earlier lines spelled alike).
    SpelledOtherwise,
    /// A later flag sets the same count: the server has stopped at this one.
    LaterFlag,
}

impl TooManyProcesses<'_> {
    /// The count its line sets.
    fn name(&self) -> &'static str {
        PROCESS_COUNTS.get(self.set).map_or("", |count| count.name)
    }

    /// `max_connections 262131 + autovacuum_max_workers 3 + 1 + … is 262153 server
    /// processes, above PostgreSQL's limit of 262143: PostgreSQL refuses to start`.
    fn reason(&self) -> String {
        let total = processes(&self.counts);
        let terms: Vec<String> = PROCESS_COUNTS
            .iter()
            .zip(self.counts)
            .enumerate()
            .map(|(i, (count, value))| match i {
                // The autovacuum launcher, after its workers, as PostgreSQL adds them.
                1 => format!("{} {value} + 1", count.name),
                _ => format!("{} {value}", count.name),
            })
            .collect();
        let name = self.name();
        let own = self.counts.get(self.set).copied().unwrap_or(0);
        let after = match self.after {
            After::Nothing => String::new(),
            After::LowerTheOthers => format!(
                "; the lines after it lower the others enough, but PostgreSQL 12 to 17 check each of these counts as it is set, against the values the others hold at that point (their defaults until a line sets them), so {name} has to come after those lines"
            ),
            After::SpelledOtherwise => format!(
                "; a later line sets {name} again, but spells the name otherwise, so PostgreSQL applies this line as well and refuses it"
            ),
            After::LaterFlag => {
                format!("; a later flag sets {name} again, but PostgreSQL stops at this one")
            }
        };
        format!(
            "{} is {total} server processes, above PostgreSQL's limit of {MAX_BACKENDS}: PostgreSQL refuses to start (`invalid value for parameter \"{name}\"`); the most it accepts here is {}{after}",
            terms.join(" + "),
            MAX_BACKENDS - (total - own)
        )
    }
}

/// The processes PostgreSQL counts for these values of [`PROCESS_COUNTS`].
fn processes(counts: &[i64; 4]) -> i64 {
    counts.iter().sum::<i64>() + 1
}

/// The lines setting one of [`PROCESS_COUNTS`] that PostgreSQL refuses because the
/// processes would exceed [`MAX_BACKENDS`]. PostgreSQL 12 to 17 check the sum in each
/// count's check hook (`check_maxconnections` in guc.c in 12 to 15,
/// `check_max_connections` in postinit.c in 16 and 17, each beside
/// `check_autovacuum_max_workers`, `check_max_worker_processes` and
/// `check_max_wal_senders`), so when the value is set, with the values the others hold
/// then: their defaults until a line sets them, and a line the server refuses keeps the
/// previous value. So `max_connections = 262131` refuses to start before
/// `max_wal_senders = 0` and not after it (checked with PostgreSQL 15.18). PostgreSQL 18
/// removed the hooks and checks the final values once, at start-up
/// (`InitializeMaxBackends`: `too many server processes configured`), counting
/// `autovacuum_worker_slots` (default 16) instead of `autovacuum_max_workers` and two
/// special worker processes; 17.3 and later also check the final values there with two
/// special worker processes (`too many backends configured`), one more than the hooks
/// count. Which release reads the file is not known, so 12 to 17's hooks are modelled,
/// the most releases in use: values at the limit that 17.3+ or 18 refuse are not reported,
/// and an order 18 accepts is. A value that is not a number or out of its own range is
/// not set (and not reported here); a variable's value is unknown, and so is every sum
/// it enters.
fn refused_process_counts<'a>(
    all: &'a [Pair],
    param_of: &impl Fn(&'a Pair) -> &'a str,
    unknown: &impl Fn(&Pair) -> bool,
    applied: Applied,
) -> Vec<TooManyProcesses<'a>> {
    let which = |pair: &'a Pair| {
        PROCESS_COUNTS
            .iter()
            .position(|count| param_of(pair).eq_ignore_ascii_case(count.name))
    };
    // In a file, the last line spelling a name alike is the one applied; and where
    // each count is set last, however spelled.
    let mut last_of: std::collections::HashMap<&str, usize> = Default::default();
    let mut last_set = [0; 4];
    for (at, pair) in all.iter().enumerate() {
        if let Some(set) = which(pair) {
            last_of.insert(param_of(pair), at);
            last_set = with(last_set, set, at);
        }
    }
    let lines = all.iter().enumerate().filter_map(|(at, pair)| {
        let set = which(pair)?;
        let count = PROCESS_COUNTS.get(set)?;
        let is_applied =
            applied == Applied::CommandLine || last_of.get(param_of(pair)) == Some(&at);
        is_applied.then_some((at, pair, set, count))
    });
    let mut current: [Option<i64>; 4] = PROCESS_COUNTS.map(|count| Some(count.default));
    // The counts as the lines set them, refused or not.
    let mut written = current;
    let mut refused = Vec::new();
    for (at, pair, set, count) in lines {
        if unknown(pair) {
            current = with(current, set, None);
            written = with(written, set, None);
            continue;
        }
        let Ok(value) = integer(count.name, &pair.value, count.min) else {
            if applied == Applied::CommandLine {
                break;
            }
            continue;
        };
        written = with(written, set, Some(value));
        let checked = with(current, set, Some(value));
        match known(checked) {
            Some(counts) if processes(&counts) > MAX_BACKENDS => {
                refused.push((at, pair, set, counts));
                if applied == Applied::CommandLine {
                    break;
                }
            }
            _ => current = checked,
        }
    }
    refused
        .into_iter()
        .map(|(at, pair, set, counts)| {
            let set_again = last_set.get(set).is_some_and(|&last| last > at);
            let own = counts.get(set).copied();
            let fits_after = known(with(written, set, own))
                .is_some_and(|final_counts| processes(&final_counts) <= MAX_BACKENDS);
            let after = match (set_again, applied, fits_after) {
                (true, Applied::File, _) => After::SpelledOtherwise,
                (true, Applied::CommandLine, _) => After::LaterFlag,
                (false, _, true) => After::LowerTheOthers,
                (false, _, false) => After::Nothing,
            };
            TooManyProcesses {
                pair,
                set,
                counts,
                after,
            }
        })
        .collect()
}

/// `counts` with the one at `set` replaced by `value`.
fn with<T>(mut counts: [T; 4], set: usize, value: T) -> [T; 4] {
    if let Some(slot) = counts.get_mut(set) {
        *slot = value;
    }
    counts
}

/// Every count, when all are known.
fn known(counts: [Option<i64>; 4]) -> Option<[i64; 4]> {
    let [a, b, c, d] = counts;
    Some([a?, b?, c?, d?])
}

/// Largest value of the millisecond timeouts read here (`INT_MAX`, guc_tables.c).
const MAX_TIMEOUT_MS: u128 = i32::MAX as u128;

/// A connection count as PostgreSQL reads it (`parse_int` in guc.c, see
/// [`number_and_unit`]): decimal, octal (`0200` is 128) or hexadecimal (`0x64`), or a
/// fractional or exponent form rounded half to even (`1e2`, PostgreSQL 12+), within
/// `min ..= MAX_BACKENDS`. Anything else in `postgresql.conf` stops the server at
/// start-up with a FATAL error (a reload logs it and keeps the previous value).
fn integer(name: &str, text: &str, min: i64) -> Result<i64, String> {
    let text = text.trim_matches('\'');
    let value = match number_and_unit(text) {
        Some((value, "")) => value.round_ties_even(),
        _ => {
            return Err(format!(
                "not an integer: PostgreSQL refuses to start (`invalid value for parameter \"{name}\"`)"
            ))
        }
    };
    if value < min as f64 || value > MAX_BACKENDS as f64 {
        return Err(format!(
            "outside {name}'s valid range, {min} to {MAX_BACKENDS}: PostgreSQL refuses to start"
        ));
    }
    Ok(value as i64)
}

/// A millisecond timeout as PostgreSQL reads it: a number (as [`number_and_unit`] reads
/// it) with an optional time unit, rounded half to even to whole milliseconds, from 0
/// to `INT_MAX` milliseconds; anything else stops the server at start-up.
fn millis(name: &str, text: &str) -> Result<std::time::Duration, String> {
    let out_of_range = || {
        format!("outside {name}'s valid range, 0 to {MAX_TIMEOUT_MS} ms (about 24.9 days): PostgreSQL refuses to start")
    };
    let value = in_unit(text.trim_matches('\''), "ms").ok_or_else(|| {
        format!("not a number with a unit (us, ms, s, min, h, d): PostgreSQL refuses to start (`invalid value for parameter \"{name}\"`)")
    })?;
    let ms = value.round_ties_even();
    if ms < 0.0 || ms > MAX_TIMEOUT_MS as f64 {
        return Err(out_of_range());
    }
    Ok(std::time::Duration::from_millis(ms as u64))
}

/// Memory units PostgreSQL accepts, in bytes (`8kB` is the block size, a base unit
/// only) [PG-CONFIG-UNITS].
const MEMORY_UNITS: &[(&str, f64)] = &[
    ("B", 1.0),
    ("kB", 1024.0),
    ("8kB", 8192.0),
    ("MB", 1_048_576.0),
    ("GB", 1_073_741_824.0),
    ("TB", 1_099_511_627_776.0),
];

/// The value of `text` in `base` (a parameter's unit: `ms`, `s`, `min`, `B`, `kB`,
/// `8kB`, `MB`): a bare number is in `base`, a number with a unit of the same kind is
/// converted to it as `convert_to_base_unit` in guc.c does: a fraction is rounded to the
/// nearest whole amount of the next smaller unit (`1.5001min` is 90 s; `2.0004ms` is
/// 2000 us), not to a whole amount of `base` (an integer parameter's `parse_int` does
/// that after). None when PostgreSQL would refuse it.
pub(crate) fn in_unit(text: &str, base: &str) -> Option<f64> {
    let (number, unit) = number_and_unit(text)?;
    if unit.is_empty() {
        return Some(number);
    }
    let table = [TIME_UNITS, MEMORY_UNITS]
        .into_iter()
        .find(|table| table.iter().any(|(name, _)| *name == base))?;
    // `8kB` is a base unit, not one a value may be written in.
    let written: Vec<f64> = table
        .iter()
        .filter(|(name, _)| *name != "8kB")
        .map(|(_, factor)| *factor)
        .collect();
    let at = table
        .iter()
        .filter(|(name, _)| *name != "8kB")
        .position(|(name, _)| *name == unit)?;
    let base_factor = table
        .iter()
        .find(|(name, _)| *name == base)
        .map(|(_, factor)| *factor)?;
    let value = number * written.get(at)? / base_factor;
    // The tables go from the smallest unit up: the next smaller one is the one before.
    Some(match at.checked_sub(1).and_then(|i| written.get(i)) {
        Some(smaller) => {
            let step = smaller / base_factor;
            (value / step).round_ties_even() * step
        }
        None => value,
    })
}

/// A number and the unit after it ("" for none) as PostgreSQL's `parse_int` and
/// `parse_real` (guc.c) read a setting: `strtol(value, &end, 0)` (leading whitespace,
/// a sign, then decimal, octal after a leading `0`, or hexadecimal after `0x`), read
/// again with `strtod` when a `.`, `e` or `E` follows or it overflows (`1e3`, `100.5`,
/// `.5`); then optional whitespace, a unit of at most 3 characters and optional
/// whitespace. None when there is no number or more text follows the unit.
pub(crate) fn number_and_unit(text: &str) -> Option<(f64, &str)> {
    let (number, rest) = match c_numbers::strtol(text) {
        Some((Some(value), rest)) if !rest.starts_with(['.', 'e', 'E']) => (value as f64, rest),
        // No digits: `end` is the start of the text, checked as C checks `*endptr`.
        None if !text.starts_with(['.', 'e', 'E']) => return None,
        // C's `strtod`, which PostgreSQL rejects when it reads nothing or sets ERANGE.
        _ => match c_numbers::strtod(text) {
            Some(read) if !read.out_of_range && read.value.is_finite() => (read.value, read.rest),
            _ => return None,
        },
    };
    let rest = rest.trim_start_matches(c_numbers::is_c_space);
    let unit_len = rest.find(c_numbers::is_c_space).unwrap_or(rest.len());
    let (unit, after) = rest.split_at(unit_len);
    (unit.len() <= 3 && after.trim_start_matches(c_numbers::is_c_space).is_empty())
        .then_some((number, unit))
}

/// Images that run PostgreSQL from the official image's entrypoint, so `-c name=value`
/// in their command sets a parameter, by repository (the end of the image's path, so
/// any registry or namespace before it matches: `postgres` is also `library/postgres`,
/// `docker.io/library/postgres`, `cimg/postgres`): the official image and the images
/// built on it with an extension (PostGIS, TimescaleDB, pgvector, Citus). Not
/// `bitnami/postgresql`: its limits come from its own environment variables, which are
/// not read, so `max_connections` would be taken as the default 100 whatever they say.
/// TimescaleDB's images run `timescaledb-tune` at initialisation, which writes a
/// `max_connections` of 20 to 100 by the container's memory (timescale/timescaledb-tune
/// `getMaxConns`) unless `TS_TUNE_MAX_CONNS` says otherwise: without a `-c` flag the
/// default 100 is then the most it can be.
const POSTGRES_IMAGES: &[&str] = &[
    "postgres",
    "postgis/postgis",
    "timescale/timescaledb",
    "timescale/timescaledb-ha",
    "timescale/timescaledb-postgis",
    "pgvector/pgvector",
    "ankane/pgvector",
    "citusdata/citus",
];

/// True for an image of [`POSTGRES_IMAGES`], with any tag or digest (`postgres:16`,
/// `postgis/postgis:16-3.4`, `postgres@sha256:…`).
pub(crate) fn is_postgres_image(image: &str) -> bool {
    let path = image_repository(image);
    POSTGRES_IMAGES.iter().any(|known| {
        path == *known
            || path
                .strip_suffix(known)
                .is_some_and(|registry| registry.ends_with('/'))
    })
}

/// An image reference without its tag and digest: `localhost:5000/postgres:16@sha256:…`
/// is `localhost:5000/postgres` (a colon before the last `/` is a registry's port).
fn image_repository(image: &str) -> &str {
    let image = image.split('@').next().unwrap_or(image);
    let name_start = image.rfind('/').map_or(0, |slash| slash + 1);
    match image.rfind(':') {
        Some(colon) if colon >= name_start => image.get(..colon).unwrap_or(image),
        _ => image,
    }
}

/// A `-c name=value` (or `--name=value`) flag of a postgres command line.
pub(crate) struct CommandFlag {
    pub name: String,
    pub name_span: Span,
    pub value: String,
    pub value_span: Span,
    /// The value holds a variable whose value is not in the repository (Compose's
    /// `${VAR}` without a default): its setting is unknown, not invalid.
    pub unknown: bool,
}

/// The `-c name=value`, `-c` `name=value` and `--name=value` flags among command words
/// (each with its span). A value's span is exact when the word's span covers exactly
/// its text, else the whole word.
pub(crate) fn command_flags(words: &[(String, Span)]) -> Vec<CommandFlag> {
    let mut flags = Vec::new();
    let mut iter = words.iter().peekable();
    while let Some((word, span)) = iter.next() {
        let setting = match word.strip_prefix("-c") {
            Some("") => iter.next().cloned(),
            Some(rest) => Some((rest.to_owned(), Span::new(span.start + 2, span.end))),
            None => word
                .strip_prefix("--")
                .map(|rest| (rest.to_owned(), Span::new(span.start + 2, span.end))),
        };
        let Some((setting, setting_span)) = setting else {
            continue;
        };
        let Some((name, value)) = setting.split_once('=') else {
            continue;
        };
        let value_start = setting_span.start + name.len() + 1;
        let (name_span, value_span) = if setting_span.end - setting_span.start == setting.len() {
            (
                Span::new(setting_span.start, setting_span.start + name.len()),
                Span::new(value_start, setting_span.end),
            )
        } else {
            (setting_span, setting_span)
        };
        flags.push(CommandFlag {
            name: name.replace('-', "_"),
            name_span,
            value: value.to_owned(),
            value_span,
            unknown: false,
        });
    }
    flags
}

/// A database from command-line flags, with each flag as an entry (so its name is
/// checked like a `postgresql.conf` line): each flag becomes a pair keyed
/// `<key_prefix>.<name>`; `anchor` is where absent parameters point.
pub(crate) fn database_from_flags(
    name: String,
    file: FileId,
    flags: &[CommandFlag],
    key_prefix: &str,
    anchor: Location,
) -> Model {
    let pairs: Vec<Pair> = flags
        .iter()
        .map(|flag| Pair {
            file,
            section: None,
            key: format!("{key_prefix}.{}", flag.name),
            key_span: flag.name_span,
            value: flag.value.clone(),
            value_span: flag.value_span,
        })
        .collect();
    let settings = SettingBuilder {
        library: &"PostgreSQL",
        doc_url: &DOC,
        anchor: Some(anchor),
    };
    // One command line is one configuration: scoped to its file and database (two
    // workloads of one file may both name their container `postgres`).
    let scope: Arc<str> = format!("{}#{name}#{key_prefix}", file.0).into();
    let entries = pairs
        .iter()
        .zip(flags)
        .enumerate()
        .map(|(index, (pair, flag))| {
            pair_entry(pair, flag.name.to_ascii_lowercase(), &scope, index)
        })
        .collect();
    let (database, refused_values) = database_from_pairs(
        name,
        &pairs,
        flag_name,
        |pair| {
            flags
                .iter()
                .any(|f| f.unknown && f.value_span == pair.value_span)
        },
        &settings,
        Applied::CommandLine,
    );
    Model {
        databases: vec![Database {
            file: Some(file),
            named_host: true,
            ..database
        }],
        refused_values,
        entries,
        secrets: conninfo_secrets(&pairs, |pair| {
            super::start_if_exact(pair.value_span, &pair.value)
        }),
        ..Model::default()
    }
}

/// Passwords inside parameter values (`primary_conninfo = 'host=p password=x'`), and
/// the whole value of a parameter that is a secret ([`is_secret_parameter`]): masked,
/// not reported (a standby's replication password or a key's passphrase, not a pool's).
/// `start_of` gives where a pair's value begins in its file, when written as read.
fn conninfo_secrets(pairs: &[Pair], start_of: impl Fn(&Pair) -> Option<usize>) -> Vec<Secret> {
    pairs
        .iter()
        .flat_map(|pair| {
            let start = start_of(pair);
            let spans = if pair.value.trim().is_empty() {
                Vec::new()
            } else if is_secret_parameter(flag_name(pair)) {
                let whole = super::span_within(pair.value_span, start, 0..pair.value.len());
                vec![(whole, "secret parameter")]
            } else {
                super::password_spans(&pair.value, pair.value_span, start)
                    .into_iter()
                    .map(|span| (span, "connection string password"))
                    .collect()
            };
            spans.into_iter().map(|(span, kind)| {
                let location = Location {
                    file: pair.file,
                    span,
                };
                super::masked(location, &pair.key, kind)
            })
        })
        .collect()
}

/// A parameter whose whole value is a secret: `ssl_passphrase_command`, the command
/// whose output is the server key's passphrase (`'echo …'` holds it; any other command
/// may), so what it runs is kept as secret as the passphrase.
fn is_secret_parameter(name: &str) -> bool {
    name.eq_ignore_ascii_case("ssl_passphrase_command")
}

/// `services.db.command.max_connections` → `max_connections`.
fn flag_name(pair: &Pair) -> &str {
    pair.key.rsplit('.').next().unwrap_or("")
}

/// The timeouts read here default to 0 (disabled) [PG-CLIENT].
fn zero(settings: &SettingBuilder) -> Setting<std::time::Duration> {
    settings.default(std::time::Duration::ZERO)
}

/// An entry for `pair`, setting the parameter `parameter` (lower case).
fn pair_entry(pair: &Pair, parameter: String, scope: &Arc<str>, index: usize) -> ConfigEntry {
    ConfigEntry {
        ecosystem: Ecosystem::Postgres,
        file: pair.file,
        key: EntryKey::new(&pair.key),
        reading: Some(Box::new(reading(&parameter, &pair.value))),
        canonical: EntryKey::from(parameter),
        key_span: pair.key_span,
        value: Some(pair.value.clone()),
        value_span: pair.value_span,
        profile: None,
        via: None,
        scope: Arc::clone(scope),
        precedence: index as u64,
    }
}

/// A parameter's value as PostgreSQL reads it, so that two settings written
/// differently compare equal: a number in the parameter's unit by the unit table in
/// `src/model/data` ([`in_unit`], then rounded to a whole number for an integer
/// parameter: `30s` of `statement_timeout` is 30000, `1500us` of it 2), or for a
/// parameter without a unit a bare number in any form
/// PostgreSQL reads (`0x64`, `0144`, `1e2`, `+100` are all 100); else the text without
/// its quotes (`'on'` is `on`).
fn reading(parameter: &str, value: &str) -> Reading {
    let value = value.trim();
    let unquoted = value
        .strip_prefix('\'')
        .and_then(|v| v.strip_suffix('\''))
        .unwrap_or(value);
    let amount = match crate::model::parameters::postgres_unit(parameter) {
        // An integer parameter keeps a whole number (`parse_int` in guc.c rounds half
        // to even): `1500us` of `statement_timeout` is 2 ms, as `2` is.
        Some(unit) if unit.integer => in_unit(unquoted, unit.unit).map(f64::round_ties_even),
        Some(unit) => in_unit(unquoted, unit.unit),
        None => number_and_unit(unquoted)
            .filter(|(_, unit)| unit.is_empty())
            .map(|(number, _)| number),
    };
    amount.map_or_else(|| Reading::Text(unquoted.to_owned()), Reading::Amount)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn read(text: &str) -> Model {
        crate::ecosystems::read_one(
            &Postgres,
            "db/postgresql.conf",
            Format::Ini(Dialect::Postgres),
            text,
        )
        .0
    }

    fn read_files(files: &[(&str, &str)]) -> Model {
        crate::ecosystems::read_files(&Postgres, files)
    }

    #[test]
    fn auto_conf_overrides_the_conf_beside_it_as_one_server() {
        let model = read_files(&[
            (
                "db/postgresql.conf",
                "max_connections = 200\nstatement_timeout = 5000\n",
            ),
            ("db/postgresql.auto.conf", "max_connections = '50'\n"),
            ("other/postgresql.auto.conf", "max_connections = 70\n"),
        ]);
        let servers: Vec<(&str, Option<&i64>)> = model
            .databases
            .iter()
            .map(|d| (d.name.as_str(), d.max_connections.get()))
            .collect();
        // ALTER SYSTEM's value wins on db; an auto.conf alone is still a server.
        assert_eq!(servers, [("db", Some(&50)), ("other", Some(&70))]);
        let db = &model.databases[0];
        assert_eq!(
            db.statement_timeout.as_ref().and_then(|s| s.get()),
            Some(&Duration::from_secs(5))
        );
        // Each file keeps its own entries: the override is not a duplicate key.
        let scopes: Vec<(String, String)> = model
            .entries
            .iter()
            .map(|e| (e.scope.to_string(), e.key.to_string()))
            .collect();
        assert_eq!(scopes.len(), 4, "{scopes:?}");
    }

    #[test]
    fn last_occurrence_wins_case_insensitively_and_units_apply() {
        let model = read("max_connections = 100\nMAX_CONNECTIONS = 300 # later\nstatement_timeout = '30s'\nidle_session_timeout = 5min\nidle_in_transaction_session_timeout = 2500\n");
        let db = &model.databases[0];
        assert_eq!(db.name, "db");
        assert_eq!(db.max_connections.get(), Some(&300));
        assert_eq!(
            db.statement_timeout.as_ref().unwrap().get(),
            Some(&Duration::from_secs(30))
        );
        assert_eq!(
            db.idle_session_timeout.as_ref().unwrap().get(),
            Some(&Duration::from_secs(300))
        );
        assert_eq!(
            db.idle_in_transaction_session_timeout
                .as_ref()
                .unwrap()
                .get(),
            Some(&Duration::from_millis(2500))
        );
    }

    #[test]
    fn defaults_apply_when_absent() {
        let model = read("shared_buffers = 128MB\n");
        let db = &model.databases[0];
        assert_eq!(db.max_connections.get(), Some(&100));
        assert!(db.max_connections.origin.is_default());
        assert_eq!(
            db.superuser_reserved_connections.as_ref().unwrap().get(),
            Some(&3)
        );
    }

    /// Each case as PostgreSQL 15.18 answered `SET` then `SHOW` (geqo_threshold, an
    /// integer without unit; statement_timeout, in milliseconds).
    #[test]
    fn numbers_are_read_as_postgres_parse_int_reads_them() {
        for (text, integer) in [
            ("0x64", Some(100)),
            ("0200", Some(128)),
            ("1e2", Some(100)),
            ("100.5", Some(100)),
            ("101.5", Some(102)),
            (" 12 ", Some(12)),
            ("1.5e2", Some(150)),
            // strtol stops at the `.`, and C's strtod reads the hexadecimal float.
            ("0x1.8p1", Some(3)),
            ("+5", Some(5)),
            ("08", None),
            ("0x", None),
            ("1e3 ms", None),
            ("inf", None),
        ] {
            assert_eq!(integer_of(text), integer, "{text}");
        }
        for (text, ms) in [
            ("0x10", Some(16)),
            ("1e3", Some(1000)),
            ("1e3 ms", Some(1000)),
            ("0x10s", Some(16_000)),
            ("0200ms", Some(128)),
            ("1e3s", Some(1_000_000)),
            ("1.5e1s", Some(15_000)),
            ("0x10 min", Some(960_000)),
            ("1500us", Some(2)),
            // 2.5005 ms is 2500 us after convert_to_base_unit, then 2 ms (half to even).
            ("2.5005ms", Some(2)),
            ("2500us", Some(2)),
            ("0.5", Some(0)),
            (".5s", Some(500)),
            ("5 s ", Some(5000)),
            ("1e", None),
            ("08", None),
            ("-0x5", None),
        ] {
            let read = millis("statement_timeout", text).ok();
            assert_eq!(read, ms.map(Duration::from_millis), "{text}");
        }
    }

    fn integer_of(text: &str) -> Option<i64> {
        integer("geqo_threshold", text, i64::from(i32::MIN)).ok()
    }

    #[test]
    fn unit_values_convert_to_the_parameter_unit() {
        assert_eq!(in_unit("30s", "ms"), Some(30_000.0));
        assert_eq!(in_unit("'1min'", "ms"), None);
        assert_eq!(in_unit("1min", "s"), Some(60.0));
        assert_eq!(in_unit("1GB", "8kB"), Some(131_072.0));
        assert_eq!(in_unit("1024", "kB"), Some(1024.0));
        assert_eq!(in_unit("8kB", "kB"), Some(8.0));
        assert_eq!(in_unit("1s", "kB"), None);
        assert_eq!(in_unit("2 8kB", "kB"), None);
        // A fraction is rounded to the next smaller unit, as convert_to_base_unit does.
        assert_eq!(in_unit("1.5001min", "ms"), Some(90_000.0));
        assert_eq!(in_unit("2.0004ms", "ms"), Some(2.0));
        assert_eq!(in_unit("0.5005s", "s"), Some(0.5));
        assert_eq!(in_unit("1.00001GB", "MB"), Some(1024.0));
        assert_eq!(in_unit("1.5us", "ms"), Some(0.0015));
    }

    #[test]
    fn entries_carry_the_value_as_the_server_reads_it() {
        let model = read(
            "statement_timeout = '30s'\nmax_connections = 0x64\njit = 'on'\nwork_mem = '2 8kB'\n",
        );
        let readings: Vec<Option<&Reading>> =
            model.entries.iter().map(|e| e.reading.as_deref()).collect();
        assert_eq!(
            readings,
            [
                Some(&Reading::Amount(30_000.0)),
                Some(&Reading::Amount(100.0)),
                Some(&Reading::Text("on".to_owned())),
                Some(&Reading::Text("2 8kB".to_owned())),
            ]
        );
    }

    /// As PostgreSQL 15.18 answered: 262121 is the most `max_connections` it accepts
    /// with the defaults; 262131 with `max_wal_senders = 0`.
    #[test]
    fn max_connections_counts_the_other_server_processes() {
        let max = |text: &str| read(text).databases[0].max_connections.get().copied();
        assert_eq!(max("max_connections = 262121\n"), Some(262_121));
        assert_eq!(max("max_connections = 262122\n"), None);
        assert_eq!(max("max_connections = 262143\n"), None);
        assert_eq!(
            max("max_wal_senders = 0\nmax_connections = 262131\n"),
            Some(262_131)
        );
        assert_eq!(max("max_wal_senders = 0\nmax_connections = 262132\n"), None);
        let model = read("max_connections = 262122\n");
        match &model.databases[0].max_connections.value {
            crate::model::Val::Invalid(invalid) => {
                assert!(
                    invalid.reason.contains("most it accepts here is 262121"),
                    "{}",
                    invalid.reason
                )
            }
            other => panic!("max_connections should be invalid: {other:?}"),
        }
    }

    /// The refused lines of a `postgresql.conf` (their value's text), and the
    /// `max_connections` read.
    fn refusals(text: &str) -> (Vec<String>, Option<i64>) {
        let model = read(text);
        let refused = model
            .refused_values
            .iter()
            .map(|r| {
                let span = r.location.span;
                text.get(span.start..span.end).unwrap_or("").to_owned()
            })
            .collect();
        let max = model.databases[0].max_connections.get().copied();
        (refused, max)
    }

    /// PostgreSQL 12 to 17 check the process counts as each is set, with the values the
    /// others hold then, in the order of the file: each case as PostgreSQL 15.18
    /// answered (`postgres -C max_connections` on the file).
    #[test]
    fn process_counts_are_checked_in_the_order_the_file_sets_them() {
        let max = |text: &str| read(text).databases[0].max_connections.get().copied();
        // Refused while max_wal_senders still holds its default of 10.
        assert_eq!(max("max_connections = 262131\nmax_wal_senders = 0\n"), None);
        let model = read("max_connections = 262131\nmax_wal_senders = 0\n");
        let crate::model::Val::Invalid(invalid) = &model.databases[0].max_connections.value else {
            panic!("{:?}", model.databases[0].max_connections);
        };
        assert!(
            invalid.reason.contains("max_wal_senders 10 is 262153")
                && invalid.reason.contains("has to come after those lines"),
            "{}",
            invalid.reason
        );
        // The line refused is the one that crosses the limit, max_worker_processes.
        assert_eq!(
            refusals("max_wal_senders = 0\nmax_connections = 262131\nmax_worker_processes = 20\n"),
            (vec!["20".to_owned()], Some(262_131))
        );
        assert_eq!(
            refusals("max_connections = 262100\nmax_worker_processes = 40\n"),
            (vec!["40".to_owned()], Some(262_100))
        );
        // A refused line keeps the count it had: 8, with which 262121 fits.
        assert_eq!(
            refusals("max_worker_processes = 262100\nmax_connections = 262121\n"),
            (vec!["262100".to_owned()], Some(262_121))
        );
        // A value PostgreSQL refuses on its own is not set: max_wal_senders stays 10.
        assert_eq!(
            max("max_wal_senders = abc\nmax_connections = 262131\n"),
            None
        );
        // Of lines spelling a name alike only the last is applied; spelled otherwise,
        // both are, and the first is refused.
        assert_eq!(
            refusals("max_connections = 262143\nmax_connections = 100\n"),
            (vec![], Some(100))
        );
        assert_eq!(
            refusals("max_connections = 262131\nmax_wal_senders = 0\nmax_connections = 262131\n"),
            (vec![], Some(262_131))
        );
        assert_eq!(
            refusals("MAX_CONNECTIONS = 262143\nmax_connections = 100\n"),
            (vec!["262143".to_owned()], Some(100))
        );
        // postgresql.auto.conf is read after postgresql.conf, as one list.
        let model = read_files(&[
            (
                "db/postgresql.conf",
                "max_wal_senders = 0\nmax_connections = 262131\n",
            ),
            ("db/postgresql.auto.conf", "max_wal_senders = 10\n"),
        ]);
        assert_eq!(model.databases[0].max_connections.get(), None);
    }

    /// `-c` flags are each applied in turn, and the first the server refuses stops it
    /// (PostgreSQL 15.18: `FATAL: invalid value for parameter "max_wal_senders": 10`).
    #[test]
    fn command_line_flags_are_checked_in_turn() {
        let command =
            "postgres -c max_wal_senders=0 -c max_connections=262131 -c max_wal_senders=10";
        let mut words = Vec::new();
        let mut at = 0;
        for word in command.split(' ') {
            words.push((word.to_owned(), Span::new(at, at + word.len())));
            at += word.len() + 1;
        }
        let mut sources = SourceMap::default();
        let file = sources.add(
            Path::new("compose.yaml"),
            command.to_owned(),
            crate::source::Encoding::Utf8,
        );
        let anchor = Location {
            file,
            span: Span::new(0, 0),
        };
        let model = database_from_flags(
            "db".into(),
            file,
            &command_flags(&words),
            "services.db.command",
            anchor,
        );
        assert_eq!(model.databases[0].max_connections.get(), Some(&262_131));
        let refused: Vec<&str> = model
            .refused_values
            .iter()
            .map(|r| {
                command
                    .get(r.location.span.start..r.location.span.end)
                    .unwrap_or("")
            })
            .collect();
        assert_eq!(refused, ["10"]);
        assert!(
            model.refused_values[0]
                .reason
                .starts_with("max_wal_senders is `10`: max_connections 262131"),
            "{}",
            model.refused_values[0].reason
        );
    }

    #[test]
    fn bad_units_are_invalid_not_guessed() {
        let model = read("statement_timeout = 30sec\n");
        assert!(model.databases[0]
            .statement_timeout
            .as_ref()
            .unwrap()
            .get()
            .is_none());
    }

    /// `ssl_passphrase_command` prints the server key's passphrase, so what it runs is
    /// a secret whole (`'echo …'` holds it), in every setting of it; other commands and
    /// the boolean beside it stay readable.
    #[test]
    fn the_passphrase_command_is_a_secret_whole() {
        let text = "ssl_passphrase_command = 'echo Zq9Phrase1'\nSSL_PASSPHRASE_COMMAND = '/bin/cat /run/Zq9Phrase2'\nssl_passphrase_command_supports_reload = on\narchive_command = 'cp %p /wal/%f'\nssl_passphrase_command = ''\n";
        let model = read(text);
        let secrets: Vec<&str> = model
            .secrets
            .iter()
            .map(|s| &text[s.location.span.start..s.location.span.end])
            .collect();
        assert_eq!(secrets, ["echo Zq9Phrase1", "/bin/cat /run/Zq9Phrase2"]);
        assert!(model.secrets.iter().all(|s| !s.literal && s.scrub_messages));
    }
}
