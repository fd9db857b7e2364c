//! MySQL and MariaDB server options: `my.cnf`, `mysqld.cnf`, `mariadb.cnf`, `server.cnf`
//! and `*.cnf` under `conf.d`, `mysql.conf.d` or `mariadb.conf.d`. Server groups
//! (`[mysqld]`, `[server]`, `[mariadb]`, `[mysqld-8.0]`…) are read, later values win;
//! `-` and `_` are the same in option names and a `loose-` prefix is dropped. Defaults
//! (rules-catalogue §1.4 [MY-VARS]): `max_connections` 151, `wait_timeout` 28800 s.
//! `!include`/`!includedir` are followed by the engine (`crate::includes`), 10 deep as
//! mysqld reads them.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::ini_settings::{pairs_with_includes_grouped, read_each_top_file, Pair, SettingBuilder};
use super::{file_name, ParsedFile, Reader};
use crate::model::parameters::{is_mysql_server_group, mysql_group_version};
use crate::model::{
    Adjusted, ConfigEntry, Database, Ecosystem, Engine, EntryKey, Model, RefusedValue,
};
use crate::source::SourceMap;
use crate::syntax::ini::Dialect;
use crate::syntax::Format;

pub struct MySql;

const DOC: &str = "https://dev.mysql.com/doc/refman/8.4/en/server-system-variables.html";
const MAX_CONNECTIONS: i64 = 151;
const WAIT_TIMEOUT_SECONDS: u64 = 28_800;
/// `wait_timeout`'s smallest value; MySQL raises a smaller one to it.
const WAIT_TIMEOUT_MIN_SECONDS: u64 = 1;
const CONF_DIRS: &[&str] = &["conf.d", "mysql.conf.d", "mariadb.conf.d"];

impl Reader for MySql {
    fn ecosystem(&self) -> Ecosystem {
        Ecosystem::MySql
    }

    fn recognise(&self, path: &Path) -> Option<Format> {
        let name = file_name(path)?;
        let known = matches!(name, "my.cnf" | "mysqld.cnf" | "mariadb.cnf" | "server.cnf");
        let in_conf_dir = name.ends_with(".cnf") && in_conf_dir(path);
        (known || in_conf_dir).then_some(Format::Ini(Dialect::MySql))
    }

    /// Batched by directory, as PostgreSQL's files are: no file depends on another
    /// once none includes one.
    fn unit_without_includes<'p>(&self, path: &'p Path) -> Option<&'p Path> {
        path.parent()
    }

    fn read(&self, files: &[&ParsedFile], _sources: &SourceMap) -> Model {
        read_each_top_file(files, |file, model| read_file(file, files, model))
    }
}

/// Whether `path` is in a directory mysqld's packages `!includedir` (`conf.d`, ...).
fn in_conf_dir(path: &Path) -> bool {
    path.parent()
        .and_then(|d| d.file_name())
        .and_then(|d| d.to_str())
        .is_some_and(|d| CONF_DIRS.contains(&d))
}

/// An option before any `[group]` of its file: mysqld reads that file no further
/// ("Found option without preceding group in config file"), and for the file it starts
/// from, does not start (mysys `my_load_defaults`: `EE_FAILED_TO_HANDLE_DEFAULTS_FILE`;
/// MariaDB: "Fatal error in defaults handling. Program aborted").
fn option_without_group(pair: &Pair, top: bool) -> RefusedValue {
    let consequence = match top {
        true => "mysqld does not start",
        false => {
            "mysqld reads no further in this included file and starts without the settings below it"
        }
    };
    RefusedValue {
        location: pair.key_location(),
        reason: format!(
            "`{}` comes before any [group] of its file: {consequence} (\"Found option without preceding group in config file\")",
            pair.key.trim()
        ),
        fix: "put the option under the group it is meant for, such as [mysqld]",
        warning: !top,
        stage: crate::model::RefusalStage::StartUp,
    }
}

/// The option name as mysqld matches it: `_` for `-`, no `loose-` prefix, and the case
/// kept. `findopt` compares names with `getopt_compare_strings`, which "works like
/// strncmp, other than considers '-' and '_' the same" (mysql/mysql-server and
/// MariaDB/server `mysys/my_getopt.c[c]`): `Max_Connections` is no option of mysqld,
/// which stops at start-up on it (unknown-or-dead-pool-key reports it).
fn option_name(key: &str) -> String {
    let name = key.trim().replace('-', "_");
    name.strip_prefix("loose_")
        .map(str::to_owned)
        .unwrap_or(name)
}

/// The server that reads an option file, when the file says ([`server_of`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Server {
    MySql,
    MariaDb,
}

impl Server {
    fn name(self) -> &'static str {
        match self {
            Server::MySql => "MySQL",
            Server::MariaDb => "MariaDB",
        }
    }

    /// `max_connections`' smallest value: `VALID_RANGE(1, 100000)` in mysql/mysql-server
    /// `sql/sys_vars.cc`, `VALID_RANGE(10, 100000)` in MariaDB/server's.
    fn min_connections(self) -> u64 {
        match self {
            Server::MySql => 1,
            Server::MariaDb => 10,
        }
    }
}

/// The server an option file is written for, when it says: MariaDB reads groups MySQL
/// does not (`[mariadb]`, `[mariadbd]` and their versioned forms, `[client-server]`,
/// `[galera]`; `load_default_groups` in MariaDB's `sql/mysqld.cc`), and so does a
/// `[mysqld-10.6]` (MariaDB's versions went from 5.5 to 10.0), while `[mysqld-8.0]` and
/// `[mysqld-9.x]` are MySQL's alone; Debian's MariaDB packages name their files
/// `mariadb.cnf` and keep them in `mariadb.conf.d`. None when nothing says, or both do.
fn server_of(server_pairs: &[&Pair], files: &[&ParsedFile]) -> Option<Server> {
    let of_group = |group: &str| {
        let mariadb_only = matches!(group, "mariadb" | "mariadbd" | "client-server" | "galera")
            || ["mariadb", "mariadbd"]
                .iter()
                .any(|program| mysql_group_version(group, program).is_some());
        if mariadb_only {
            return Some(Server::MariaDb);
        }
        match mysql_group_version(group, "mysqld")?.split('.').next()? {
            "8" | "9" => Some(Server::MySql),
            "10" | "11" | "12" => Some(Server::MariaDb),
            _ => None,
        }
    };
    let of_path = |id: crate::source::FileId| {
        let path = &files.iter().find(|f| f.id == id)?.path;
        let in_dir = path
            .parent()
            .and_then(|d| d.file_name())
            .is_some_and(|d| d == "mariadb.conf.d");
        (in_dir || file_name(path) == Some("mariadb.cnf")).then_some(Server::MariaDb)
    };
    let mut said = server_pairs.iter().flat_map(|pair| {
        let group = pair.section.as_deref().and_then(of_group);
        group.into_iter().chain(of_path(pair.file))
    });
    let first = said.next()?;
    said.all(|other| other == first).then_some(first)
}

/// Why my_getopt refuses the value of an unsigned option: mysqld does not start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// Not a number with an optional suffix (`Unknown suffix`), no value (`requires an
    /// argument`), or 20 digits past 64 bits (`Incorrect integer value`).
    Unreadable,
    /// Negative: MariaDB's `Incorrect unsigned value`.
    Negative,
    /// Past 64 bits once its suffix applies: MySQL's `Incorrect unsigned integer value`.
    TooLarge,
}

impl Refusal {
    fn log(self) -> &'static str {
        match self {
            Refusal::Unreadable => "`Unknown suffix` or `requires an argument`",
            Refusal::Negative => "`Incorrect unsigned value`",
            Refusal::TooLarge => "`Incorrect unsigned integer value`",
        }
    }
}

/// A value my_getopt cannot read at all (for both servers).
const UNREADABLE: &str = "not a number with an optional K, M, G, T, P or E suffix: mysqld refuses to start (`Unknown suffix` or `requires an argument`)";

/// The number my_getopt reads from an unsigned option's value (`max_connections`,
/// `wait_timeout`) before the option's range applies, as `server` reads it: C's
/// `strtoull` (decimal digits after an optional `+`; no digit reads 0 and leaves the
/// whole text after it), then one suffix character, `k`, `m`, `g`, `t`, `p` or `e` in
/// any case (a power of 1024; whatever follows it is not read), any other being an
/// `Unknown suffix`. None: a negative number, which MySQL replaces with the option's
/// minimum with a warning (`getopt_ull`: `is_negative_num`) and MariaDB refuses
/// (`eval_num_suffix_ull`). MySQL refuses a product past 64 bits (`eval_num_suffix`
/// counts its bits); MariaDB's wraps (`num*= eval_num_suffix(…)`). mysql/mysql-server
/// `mysys/my_getopt.cc`, MariaDB/server `mysys/my_getopt.c`. An empty value is refused
/// (MySQL's `setval`; MariaDB reads `max_connections =` as 0, which is not modelled).
fn getopt_unsigned(text: &str, server: Server) -> Result<Option<u64>, Refusal> {
    let t = text.trim();
    if t.is_empty() {
        return Err(Refusal::Unreadable);
    }
    if t.starts_with('-') {
        return match server {
            Server::MySql => Ok(None),
            Server::MariaDb => Err(Refusal::Negative),
        };
    }
    let unsigned = t.strip_prefix('+').unwrap_or(t);
    let (digits, after) =
        unsigned.split_at(unsigned.bytes().take_while(u8::is_ascii_digit).count());
    let (number, rest) = match digits {
        "" => (0, t),
        _ => (
            digits.parse::<u64>().map_err(|_| Refusal::Unreadable)?,
            after,
        ),
    };
    let shift = match rest.chars().next().map(|c| c.to_ascii_uppercase()) {
        None => return Ok(Some(number)),
        Some('K') => 10,
        Some('M') => 20,
        Some('G') => 30,
        Some('T') => 40,
        Some('P') => 50,
        Some('E') => 60,
        Some(_) => return Err(Refusal::Unreadable),
    };
    let factor = 1_u64 << shift;
    match server {
        Server::MySql => number
            .checked_mul(factor)
            .map(Some)
            .ok_or(Refusal::TooLarge),
        Server::MariaDb => Ok(Some(number.wrapping_mul(factor))),
    }
}

/// `max_connections`' largest value: mysqld lowers a larger one to it with a warning
/// ("adjusted", `getopt_ull_limit_value`), MySQL's `VALID_RANGE(1, 100000)` and
/// MariaDB's `VALID_RANGE(10, 100000)` alike (`sql/sys_vars.cc` of each).
const MAX_CONNECTIONS_LIMIT: u64 = 100_000;

/// What a server runs with for a `max_connections` value it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Runs {
    with: u64,
    /// `with` is another number than the one written.
    adjusted: bool,
}

/// The `max_connections` `server` runs with for `text`: my_getopt raises a value below
/// the option's minimum and lowers one above its maximum, with a warning
/// (`getopt_ull_limit_value`).
fn max_connections_on(text: &str, server: Server) -> Result<Runs, Refusal> {
    let read = getopt_unsigned(text, server)?;
    let min = server.min_connections();
    let with = read.map_or(min, |n| n.clamp(min, MAX_CONNECTIONS_LIMIT));
    Ok(Runs {
        with,
        adjusted: read != Some(with),
    })
}

/// `max_connections` written `text` as mysqld runs it, and why that is not the number
/// written, when it is not. `server` is None when the file does not say whether MySQL
/// or MariaDB reads it: a value either refuses is invalid, and of two counts the
/// smaller is used (MySQL takes `5` as written, MariaDB raises it to 10), the reason
/// saying what each does.
fn max_connections(text: &str, server: Option<Server>) -> (Result<i64, String>, Option<String>) {
    let servers = match server {
        Some(server) => vec![server],
        None => vec![Server::MySql, Server::MariaDb],
    };
    let outcomes: Vec<(Server, Result<Runs, Refusal>)> = servers
        .iter()
        .map(|&s| (s, max_connections_on(text, s)))
        .collect();
    if outcomes.iter().all(|(_, o)| *o == Err(Refusal::Unreadable)) {
        return (Err(UNREADABLE.to_owned()), None);
    }
    let written = match getopt_unsigned(text, Server::MySql) {
        Ok(None) => "negative".to_owned(),
        Err(_) => "past 64 bits once its suffix applies".to_owned(),
        Ok(Some(n)) if n > MAX_CONNECTIONS_LIMIT => {
            format!("above {MAX_CONNECTIONS_LIMIT}, the largest max_connections")
        }
        Ok(Some(_)) => match servers.as_slice() {
            [server] => format!(
                "below {}'s smallest max_connections, {}",
                server.name(),
                server.min_connections()
            ),
            _ => "below the smallest max_connections, 1 for MySQL and 10 for MariaDB".to_owned(),
        },
    };
    let each = outcomes
        .iter()
        .map(|(server, outcome)| match outcome {
            Err(refusal) => format!("{} refuses to start ({})", server.name(), refusal.log()),
            Ok(Runs {
                adjusted: false, ..
            }) => format!("{} takes it as written", server.name()),
            Ok(Runs { with, .. }) => format!("{} runs with {with}", server.name()),
        })
        .collect::<Vec<_>>()
        .join(", ");
    let Ok(runs) = outcomes
        .iter()
        .map(|(_, outcome)| *outcome)
        .collect::<Result<Vec<Runs>, Refusal>>()
    else {
        return (Err(format!("{written}: {each}")), None);
    };
    let (Some(fewest), Some(most)) = (
        runs.iter().map(|r| r.with).min(),
        runs.iter().map(|r| r.with).max(),
    ) else {
        return (Err(UNREADABLE.to_owned()), None);
    };
    let used = i64::try_from(fewest).unwrap_or(i64::MAX);
    if !runs.iter().any(|r| r.adjusted) {
        return (Ok(used), None);
    }
    let (what, undecided) = match (runs.len(), fewest == most) {
        (2, true) => (format!("MySQL and MariaDB run with {used}"), String::new()),
        (2, false) => (
            each,
            format!("; nothing in the file says which of them reads it, so {used} is counted"),
        ),
        _ => (each, String::new()),
    };
    (
        Ok(used),
        Some(format!(
            "{written}: {what} (mysqld adjusts a value outside the option's range at start-up, with a warning in its log){undecided}"
        )),
    )
}

fn read_file(file: &ParsedFile, files: &[&ParsedFile], model: &mut Model) {
    let (all, stopped) = pairs_with_includes_grouped(file, files);
    // A `conf.d` file is read through an `!includedir` of a my.cnf, in the repository
    // or not: its error is an included file's.
    let included = in_conf_dir(&file.path);
    model.refused_values.extend(
        stopped
            .iter()
            .map(|(pair, top)| option_without_group(pair, *top && !included)),
    );
    let server: Vec<&Pair> = all
        .iter()
        .filter(|p| is_mysql_server_group(p.section.as_deref()))
        .collect();
    let scope: Arc<str> = crate::source::display_dir(&file.path).into();
    for pair in &all {
        // Any case: a password is masked even under a name mysqld refuses.
        let lower = option_name(&pair.key).to_ascii_lowercase();
        if is_password_option(&lower) && !pair.value.is_empty() {
            // In any group: a client's (`[client]`), a replication channel's or a
            // plugin's password. Masked, not reported: an option file configures a
            // server or command-line clients, not an application's pool.
            let location = pair.value_location();
            model
                .secrets
                .push(super::masked(location, &pair.key, "password key"));
        }
        model.entries.push(ConfigEntry {
            ecosystem: Ecosystem::MySql,
            file: pair.file,
            key: EntryKey::new(&pair.key),
            canonical: EntryKey::from(option_name(&pair.key)),
            key_span: pair.key_span,
            value: Some(pair.value.clone()),
            value_span: pair.value_span,
            profile: pair.section.as_deref().map(Arc::from),
            via: None,
            scope: Arc::clone(&scope),
            precedence: 0,
            reading: None,
        });
    }
    if server.is_empty() {
        // Client-only option files ([client], [mysql]) describe no server.
        return;
    }
    let anchor = server.first().map(|p| p.key_location());
    let settings = SettingBuilder {
        library: &"MySQL",
        doc_url: &DOC,
        anchor,
    };
    let last = |name: &str| {
        server
            .iter()
            .rev()
            .find(|p| option_name(&p.key) == name)
            .copied()
    };
    let name = file
        .path
        .parent()
        .and_then(|d| d.file_name())
        .and_then(|n| n.to_str())
        .unwrap_or("mysql")
        .to_owned();
    let which = server_of(&server, files);
    let mut max_connections_adjusted = None;
    let max_connections = last("max_connections").map_or_else(
        || settings.default(MAX_CONNECTIONS),
        |p| {
            let (read, adjusted) = max_connections(&p.value, which);
            max_connections_adjusted = adjusted.map(|reason| Adjusted {
                written: p.value.trim().to_owned(),
                reason,
            });
            settings.read(p, read)
        },
    );
    // Read as MySQL reads it, whichever server reads the file (MariaDB refuses a
    // negative `wait_timeout`, which is not reported). Parsed once: both the value and
    // whether MySQL raised it come from it.
    let wait_timeout = last("wait_timeout").map(|p| (p, getopt_unsigned(&p.value, Server::MySql)));
    // Below the minimum (0, a negative number) MySQL warns and uses 1 s (range 1 to
    // 31536000, rules-catalogue §1.4 [MY-VARS]): idle connections then die after 1 s.
    let wait_timeout_raised_from = wait_timeout
        .as_ref()
        .filter(|(_, seconds)| {
            seconds
                .as_ref()
                .is_ok_and(|s| s.is_none_or(|s| s < WAIT_TIMEOUT_MIN_SECONDS))
        })
        .map(|(p, _)| p.value.trim().to_owned());
    let engine = match which {
        Some(Server::MariaDb) => Engine::MariaDb,
        _ => Engine::MySql,
    };
    model.databases.push(Database {
        wait_timeout: Some(wait_timeout.map_or_else(
            || settings.default(Duration::from_secs(WAIT_TIMEOUT_SECONDS)),
            |(p, seconds)| {
                let raised = |s: Option<u64>| {
                    s.map_or(WAIT_TIMEOUT_MIN_SECONDS, |s| {
                        s.max(WAIT_TIMEOUT_MIN_SECONDS)
                    })
                };
                let seconds = seconds.map_err(|_| UNREADABLE.to_owned());
                settings.read(p, seconds.map(|s| Duration::from_secs(raised(s))))
            },
        )),
        wait_timeout_raised_from,
        max_connections_adjusted,
        // Read as MySQL reads it (range 0 to 4294967295; a negative one is MySQL's 0).
        max_user_connections: last("max_user_connections").map(|p| {
            let read = getopt_unsigned(&p.value, Server::MySql)
                .map_err(|_| UNREADABLE.to_owned())
                .map(|n| i64::try_from(n.unwrap_or(0)).unwrap_or(i64::MAX));
            settings.read(p, read)
        }),
        file: Some(file.id),
        ..Database::new(name, engine, max_connections)
    });
}

/// An option holding a password: a password-like name, or a prefix of `password` that
/// MariaDB accepts for it (`pass=`, `passw=`: MariaDB matches unambiguous option
/// prefixes; MySQL 8 no longer does, but the file may be read by either).
fn is_password_option(name: &str) -> bool {
    super::is_password_name(name) || (name.len() >= 4 && "password".starts_with(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(path: &str, text: &str) -> Model {
        crate::ecosystems::read_one(&MySql, path, Format::Ini(Dialect::MySql), text).0
    }

    #[test]
    fn server_groups_dashes_loose_prefix_and_suffixes() {
        let model = read(
            "mysql/my.cnf",
            "[client]\nmax_connections = 5\n[mysqld]\nmax-connections = 300\nloose-wait_timeout = 600\n[mysqld-8.0]\nmax_connections = 1K\nskip-name-resolve\n",
        );
        let db = &model.databases[0];
        assert_eq!(db.max_connections.get(), Some(&1024));
        assert_eq!(
            db.wait_timeout.as_ref().unwrap().get(),
            Some(&Duration::from_secs(600))
        );
    }

    /// mysqld ends a value only at `#`: `40 ; forty` is a value it refuses, as is an
    /// option without one.
    #[test]
    fn max_connections_mysqld_refuses_is_invalid() {
        for written in ["40 ; forty", "abc", ""] {
            let text = format!("[mysqld]\nmax_connections = {written}\n");
            let db = &read("mysql/my.cnf", &text).databases[0];
            let crate::model::Val::Invalid(invalid) = &db.max_connections.value else {
                panic!("{written:?}: {:?}", db.max_connections.value);
            };
            assert!(
                invalid.reason.contains("mysqld refuses to start"),
                "{invalid:?}"
            );
        }
    }

    /// mysqld matches option names with their case: `Max_Connections` is not
    /// `max_connections` (it was read as 5000; mysqld stops on it instead).
    #[test]
    fn option_names_keep_their_case() {
        let db = &read("mysql/my.cnf", "[mysqld]\nMax_Connections = 5000\n").databases[0];
        assert_eq!(db.max_connections.get(), Some(&151));
        let model = read("mysql/my.cnf", "[mysqld]\nloose-max-connections = 300\n");
        assert_eq!(model.databases[0].max_connections.get(), Some(&300));
        assert_eq!(
            model.entries.iter().next().map(|e| e.canonical.as_str()),
            Some("max_connections")
        );
    }

    /// MySQL 8 and MariaDB take T, P and E suffixes and ignore what follows the
    /// suffix (`3e2` is 3 exa), and lower `max_connections` above 100000 to it.
    #[test]
    fn max_connections_takes_every_suffix_and_is_capped_at_100000() {
        for (written, read_as) in [
            ("200000", 100_000),
            ("300K", 100_000),
            ("1T", 100_000),
            ("3e2", 100_000),
            ("97k", 99_328),
            ("500", 500),
        ] {
            let text = format!("[mysqld]\nmax_connections = {written}\n");
            let db = &read("mysql/my.cnf", &text).databases[0];
            assert_eq!(db.max_connections.get(), Some(&read_as), "{written}");
        }
        assert_eq!(
            getopt_unsigned("16E", Server::MySql),
            Err(Refusal::TooLarge)
        );
        assert_eq!(
            getopt_unsigned("1.5K", Server::MySql),
            Err(Refusal::Unreadable)
        );
    }

    /// What mysqld runs with for `max_connections = written` in `[group]`: the count,
    /// or None when a server refuses it; and whether a finding says it is adjusted.
    fn runs_with(group: &str, written: &str) -> (Option<i64>, bool) {
        let text = format!("[{group}]\nmax_connections = {written}\n");
        let db = &read("mysql/my.cnf", &text).databases[0];
        let adjusted = db.max_connections_adjusted.as_ref();
        if let Some(adjusted) = adjusted {
            assert_eq!(adjusted.written, written.trim());
        }
        (db.max_connections.get().copied(), adjusted.is_some())
    }

    /// my_getopt adjusts a value outside `max_connections`' range with a warning
    /// (`getopt_ull_limit_value`): MySQL's is 1 to 100000, MariaDB's 10 to 100000. A
    /// negative value MySQL raises to 1 and MariaDB refuses. `[mysqld]` is read by both,
    /// `[mariadb]` by MariaDB only, `[mysqld-8.0]` by MySQL 8.0 only.
    #[test]
    fn max_connections_outside_its_range_runs_as_mysqld_adjusts_it() {
        for (group, written, expected) in [
            ("mysqld", "200000", (Some(100_000), true)),
            ("mysqld", "100000", (Some(100_000), false)),
            ("mariadb", "1M", (Some(100_000), true)),
            // MySQL raises 0 to 1, MariaDB to 10: the smaller is counted.
            ("mysqld", "0", (Some(1), true)),
            ("mysqld-8.0", "0", (Some(1), true)),
            ("mariadb", "0", (Some(10), true)),
            // MariaDB raises 5 to 10; MySQL takes it.
            ("mysqld", "5", (Some(5), true)),
            ("mysqld-8.0", "5", (Some(5), false)),
            ("mariadbd", "5", (Some(10), true)),
            ("galera", "9", (Some(10), true)),
            ("mysqld", "10", (Some(10), false)),
            // Negative: MySQL runs with 1, MariaDB does not start.
            ("mysqld", "-5", (None, false)),
            ("mysqld-8.0", "-5", (Some(1), true)),
            ("mariadb", "-5", (None, false)),
            // Past 64 bits once its suffix applies: MySQL refuses, MariaDB wraps (16E
            // is 0, raised to 10).
            ("mysqld", "16E", (None, false)),
            ("mariadb-10.6", "16E", (Some(10), true)),
            ("mysqld", "8E", (Some(100_000), true)),
        ] {
            assert_eq!(runs_with(group, written), expected, "[{group}] {written}");
        }
        let db = &read("mysql/my.cnf", "[mysqld]\nmax_connections = -5\n").databases[0];
        let crate::model::Val::Invalid(invalid) = &db.max_connections.value else {
            panic!("{:?}", db.max_connections);
        };
        assert_eq!(
            invalid.reason,
            "negative: MySQL runs with 1, MariaDB refuses to start (`Incorrect unsigned value`)"
        );
        let db = &read("mysql/my.cnf", "[mysqld]\nmax_connections = 5\n").databases[0];
        let reason = &db.max_connections_adjusted.as_ref().unwrap().reason;
        assert!(
            reason.starts_with("below the smallest max_connections, 1 for MySQL and 10 for MariaDB: MySQL takes it as written, MariaDB runs with 10")
                && reason.ends_with("so 5 is counted"),
            "{reason}"
        );
    }

    /// A file says it is MariaDB's by a group only MariaDB reads or by Debian's MariaDB
    /// file names; MySQL's by a `[mysqld-8.0]` group; else it does not say.
    #[test]
    fn the_server_a_file_is_for() {
        let engine = |path: &str, text: &str| read(path, text).databases[0].engine;
        assert_eq!(
            engine("mysql/my.cnf", "[mysqld]\nmax_connections = 5\n"),
            Engine::MySql
        );
        assert_eq!(
            engine(
                "mysql/my.cnf",
                "[mysqld]\nport = 3306\n[mariadb]\nmax_connections = 5\n"
            ),
            Engine::MariaDb
        );
        let db = &read(
            "etc/mysql/mariadb.conf.d/50-server.cnf",
            "[mysqld]\nmax_connections = 5\n",
        )
        .databases[0];
        assert_eq!(
            (db.engine, db.max_connections.get()),
            (Engine::MariaDb, Some(&10))
        );
        // Both say: neither is taken.
        let db = &read(
            "mysql/my.cnf",
            "[mysqld-8.0]\nport = 3306\n[mariadb]\nmax_connections = 5\n",
        )
        .databases[0];
        assert_eq!(
            (db.engine, db.max_connections.get()),
            (Engine::MySql, Some(&5))
        );
    }

    #[test]
    fn wait_timeout_below_its_minimum_is_raised_to_one_second() {
        for written in ["0", "-30"] {
            let text = format!("[mysqld]\nwait_timeout = {written}\n");
            let db = &read("mysql/my.cnf", &text).databases[0];
            assert_eq!(
                db.wait_timeout.as_ref().unwrap().get(),
                Some(&Duration::from_secs(1))
            );
            assert_eq!(db.wait_timeout_raised_from.as_deref(), Some(written));
        }
        let db = &read("mysql/my.cnf", "[mysqld]\nwait_timeout = 1\n").databases[0];
        assert_eq!(db.wait_timeout_raised_from, None);
    }

    #[test]
    fn client_groups_describe_no_server_and_client_server_is_read() {
        // `[mariadb-client]` is read by MariaDB's client programs only.
        assert!(
            read("mysql/my.cnf", "[mariadb-client]\nwait_timeout = 60\n")
                .databases
                .is_empty()
        );
        // `[client-server]` by the server and the clients; `[galera]` by a Galera build.
        let model = read(
            "mysql/my.cnf",
            "[client-server]\nwait_timeout = 60\n[galera]\nmax_connections = 300\n",
        );
        let db = &model.databases[0];
        assert_eq!(
            db.wait_timeout.as_ref().unwrap().get(),
            Some(&Duration::from_secs(60))
        );
        assert_eq!(db.max_connections.get(), Some(&300));
    }

    #[test]
    fn defaults_and_client_only_files() {
        let model = read("mysql/my.cnf", "[mysqld]\nport = 3306\n");
        assert_eq!(model.databases[0].max_connections.get(), Some(&151));
        assert!(read("mysql/my.cnf", "[client]\nport = 3306\n")
            .databases
            .is_empty());
    }

    #[test]
    fn recognises_conf_dirs() {
        assert!(MySql
            .recognise(Path::new("etc/mysql/conf.d/tuning.cnf"))
            .is_some());
        assert!(MySql.recognise(Path::new("etc/other/tuning.cnf")).is_none());
    }
}
