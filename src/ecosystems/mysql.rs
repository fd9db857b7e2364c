//! MySQL and MariaDB server options: `my.cnf`, `mysqld.cnf`, `mariadb.cnf`, `server.cnf`
//! and `*.cnf` under `conf.d`, `mysql.conf.d` or `mariadb.conf.d`. Server groups
//! (`[mysqld]`, `[server]`, `[mariadb]`, `[mysqld-8.0]`…) are read, later values win;
//! `-` and `_` are the same in option names and a `loose-` prefix is dropped. Defaults
//! (rules-catalogue §1.4 [MY-VARS]): `max_connections` 151, `wait_timeout` 28800 s.
//! `!include`/`!includedir` are recorded by the syntax layer, not followed yet.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::ini_settings::{count, pairs_with_includes, read_each_top_file, Pair, SettingBuilder};
use super::{file_name, ParsedFile, Reader};
use crate::model::parameters::is_mysql_server_group;
use crate::model::{ConfigEntry, Database, Ecosystem, Engine, EntryKey, Model};
use crate::source::SourceMap;
use crate::syntax::ini::Dialect;
use crate::syntax::Format;

pub struct MySql;

const DOC: &str = "https://dev.mysql.com/doc/refman/8.4/en/server-system-variables.html";
const MAX_CONNECTIONS: i64 = 151;
const WAIT_TIMEOUT_SECONDS: u64 = 28_800;
/// `wait_timeout`'s smallest value; MySQL raises a smaller one to it.
const WAIT_TIMEOUT_MIN_SECONDS: i64 = 1;
const CONF_DIRS: &[&str] = &["conf.d", "mysql.conf.d", "mariadb.conf.d"];

impl Reader for MySql {
    fn ecosystem(&self) -> Ecosystem {
        Ecosystem::MySql
    }

    fn recognise(&self, path: &Path) -> Option<Format> {
        let name = file_name(path)?;
        let known = matches!(name, "my.cnf" | "mysqld.cnf" | "mariadb.cnf" | "server.cnf");
        let in_conf_dir = name.ends_with(".cnf")
            && path
                .parent()
                .and_then(|d| d.file_name())
                .and_then(|d| d.to_str())
                .is_some_and(|d| CONF_DIRS.contains(&d));
        (known || in_conf_dir).then_some(Format::Ini(Dialect::MySql))
    }

    fn read(&self, files: &[&ParsedFile], _sources: &SourceMap) -> Model {
        read_each_top_file(files, |file, model| read_file(file, files, model))
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

/// A count as my_getopt's `eval_num_suffix` reads it: the number `strtoull` reads, then
/// one suffix character `k`, `m`, `g`, `t`, `p` or `e` (any case; a power of 1024),
/// whatever follows it unread, as MySQL 8 and MariaDB do (mysql/mysql-server
/// `mysys/my_getopt.cc`, MariaDB/server `mysys/my_getopt.c`); any other character
/// after the number is an "Unknown suffix", and a product beyond 64 bits is refused.
fn count_with_suffix(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let number_end = t
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || (i == 0 && matches!(c, '+' | '-'))))
        .map_or(t.len(), |(i, _)| i);
    let (number, rest) = t.split_at(number_end);
    let shift = match rest.chars().next().map(|c| c.to_ascii_uppercase()) {
        None => 0,
        Some('K') => 10,
        Some('M') => 20,
        Some('G') => 30,
        Some('T') => 40,
        Some('P') => 50,
        Some('E') => 60,
        Some(other) => return Err(format!("`{text}` has an unknown suffix `{other}`")),
    };
    count(number)?
        .checked_mul(1_i64 << shift)
        .ok_or_else(|| format!("`{text}` is too large"))
}

/// A count mysqld reads at start-up: my_getopt refuses anything but a number with an
/// optional K, M, G, T, P or E suffix (a value ends only at `#`, so `40 ; forty` is one
/// value), and the server does not start.
fn server_count(text: &str) -> Result<i64, String> {
    count_with_suffix(text).map_err(|_| {
        "not a number with an optional K, M, G, T, P or E suffix: mysqld refuses to start (`Unknown suffix` or `requires an argument`)".to_owned()
    })
}

/// `max_connections`' largest value: mysqld lowers a larger one to it with a warning
/// ("adjusted", `getopt_ull_limit_value`), MySQL's `VALID_RANGE(1, 100000)` and
/// MariaDB's `VALID_RANGE(10, 100000)` alike (`sql/sys_vars.cc` of each).
const MAX_CONNECTIONS_LIMIT: i64 = 100_000;

fn read_file(file: &ParsedFile, files: &[&ParsedFile], model: &mut Model) {
    let all = pairs_with_includes(file, files);
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
        library: "MySQL",
        doc_url: DOC,
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
    let max_connections = last("max_connections").map_or_else(
        || settings.default(MAX_CONNECTIONS),
        |p| {
            settings.parsed(p, |text| {
                server_count(text).map(|n| n.min(MAX_CONNECTIONS_LIMIT))
            })
        },
    );
    // Parsed once: both the value and whether MySQL raised it come from it.
    let wait_timeout = last("wait_timeout").map(|p| (p, count_with_suffix(&p.value)));
    // Below the minimum (0, a negative number) MySQL warns and uses 1 s (range 1 to
    // 31536000, rules-catalogue §1.4 [MY-VARS]): idle connections then die after 1 s.
    let wait_timeout_raised_from = wait_timeout
        .as_ref()
        .filter(|(_, seconds)| {
            seconds
                .as_ref()
                .is_ok_and(|&s| s < WAIT_TIMEOUT_MIN_SECONDS)
        })
        .map(|(p, _)| p.value.trim().to_owned());
    model.databases.push(Database {
        wait_timeout: Some(wait_timeout.map_or_else(
            || settings.default(Duration::from_secs(WAIT_TIMEOUT_SECONDS)),
            |(p, seconds)| {
                let raised = |s: i64| s.max(WAIT_TIMEOUT_MIN_SECONDS).unsigned_abs();
                settings.read(p, seconds.map(|s| Duration::from_secs(raised(s))))
            },
        )),
        wait_timeout_raised_from,
        file: Some(file.id),
        ..Database::new(name, Engine::MySql, max_connections)
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
        assert!(count_with_suffix("16E").is_err());
        assert!(count_with_suffix("1.5K").is_err());
    }

    #[test]
    fn wait_timeout_below_its_minimum_is_raised_to_one_second() {
        let db = &read("mysql/my.cnf", "[mysqld]\nwait_timeout = 0\n").databases[0];
        assert_eq!(
            db.wait_timeout.as_ref().unwrap().get(),
            Some(&Duration::from_secs(1))
        );
        assert_eq!(db.wait_timeout_raised_from.as_deref(), Some("0"));
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
