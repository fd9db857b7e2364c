//! The parameter names PgBouncer, PostgreSQL and MySQL/MariaDB accept, from the lists
//! in `src/model/data/` (each names in its header the packages and files it was
//! derived from). Readers and rules share them, as they share [`super::hikari`].

use std::collections::BTreeMap;
use std::sync::LazyLock;

use crate::suggest::KnownNames;

static PGBOUNCER: LazyLock<BTreeMap<&str, KnownNames>> = LazyLock::new(|| {
    let sections = name_list(include_str!("data/pgbouncer-settings.txt"));
    sections
        .into_iter()
        .map(|(section, names)| (section, KnownNames::new(names)))
        .collect()
});
static POSTGRES: LazyLock<KnownNames> =
    LazyLock::new(|| flat_name_list(include_str!("data/postgresql-parameters.txt")));
static POSTGRES_UNITS: LazyLock<Vec<(&str, PostgresUnit)>> = LazyLock::new(|| {
    let mut units: Vec<(&str, PostgresUnit)> = include_str!("data/postgresql-units.txt")
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let mut words = line.split(' ');
            let name = words.next()?;
            let unit = words.next()?;
            let integer = words.next() != Some("real");
            Some((name, PostgresUnit { unit, integer }))
        })
        .collect();
    units.sort_unstable_by_key(|(name, _)| *name);
    units
});

/// The unit of a PostgreSQL parameter, and whether its values are whole numbers (an
/// integer parameter; `parse_int` in guc.c rounds what is written) or not (real).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PostgresUnit {
    /// `ms`, `s`, `min`, `B`, `kB`, `8kB` or `MB`: a bare number is in it.
    pub unit: &'static str,
    pub integer: bool,
}
static MYSQL: LazyLock<KnownNames> =
    LazyLock::new(|| flat_name_list(include_str!("data/mysql-options.txt")));

/// PgBouncer's pool modes (`pool_mode_map` in `src/main.c`), matched in any case.
pub const PGBOUNCER_POOL_MODES: &[&str] = &["session", "transaction", "statement"];

/// Every section PgBouncer knows (`src/main.c` `config_sects`; `[peers]` since 1.19),
/// sorted, matched case-sensitively (libusual `find_sect`, `strcmp`).
pub const PGBOUNCER_SECTIONS: &[&str] = &["databases", "peers", "pgbouncer", "users"];

/// The `auth_type` values PgBouncer knows (`auth_type_map` in `src/main.c`), matched in
/// any case; `pam` and `ldap` (1.25+) only in builds with PAM or LDAP support.
pub const PGBOUNCER_AUTH_TYPES: &[&str] = &[
    "any",
    "trust",
    "plain",
    "md5",
    "cert",
    "hba",
    "pam",
    "ldap",
    "scram-sha-256",
];

/// The names PgBouncer accepts in `section` (`pgbouncer`, `databases`, `users`,
/// `peers`), sorted; empty for an unknown section.
pub fn pgbouncer_names(section: &str) -> &'static KnownNames {
    static NONE: KnownNames = KnownNames::EMPTY;
    PGBOUNCER.get(section).unwrap_or(&NONE)
}

/// The parameter names of PostgreSQL 12 to 18, sorted. Names with a dot (extension
/// options) are not listed: PostgreSQL accepts any of them.
pub fn postgres_parameters() -> &'static KnownNames {
    &POSTGRES
}

/// The unit of a PostgreSQL parameter (PostgreSQL 12 to 18). None for a parameter
/// without one. `name` in lower case.
pub fn postgres_unit(name: &str) -> Option<PostgresUnit> {
    let units: &[(&str, PostgresUnit)] = &POSTGRES_UNITS;
    units
        .binary_search_by(|(parameter, _)| (*parameter).cmp(name))
        .ok()
        .and_then(|i| units.get(i))
        .map(|(_, unit)| *unit)
}

/// The option names `mysqld` accepts in its option-file groups, `_` form, sorted.
pub fn mysql_options() -> &'static KnownNames {
    &MYSQL
}

/// Option-file groups the server reads: MySQL's `mysqld` reads `[mysqld]`, `[server]`
/// and `[mysqld-X.Y]`; MariaDB's also `[mariadb]`, `[mariadb-X.Y]`, `[mariadbd]`,
/// `[mariadbd-X.Y]`, `[client-server]` (read by the server and by every client) and,
/// built with Galera, `[galera]` (`load_default_groups` in MariaDB's `sql/mysqld.cc`).
/// Client groups (`[client]`, `[mysql]`, `[mariadb-client]`, `[client-mariadb]`,
/// `[mysqldump]`, ...) configure no server.
pub fn is_mysql_server_group(section: Option<&str>) -> bool {
    section.is_some_and(|s| {
        let s = s.trim().to_ascii_lowercase();
        matches!(
            s.as_str(),
            "mysqld" | "server" | "mariadb" | "mariadbd" | "client-server" | "galera"
        ) || ["mysqld", "mariadb", "mariadbd"]
            .iter()
            .any(|program| mysql_group_version(&s, program).is_some())
    })
}

/// The version of a versioned option-file group of `program` (`mysqld-8.0` → `8.0`,
/// `mariadb-11` → `11`): a version after the dash, so `mariadb-client` (read by
/// MariaDB's client programs) is none. `group` in lower case.
pub fn mysql_group_version<'g>(group: &'g str, program: &str) -> Option<&'g str> {
    group
        .strip_prefix(program)
        .and_then(|rest| rest.strip_prefix('-'))
        .filter(|version| version.starts_with(|c: char| c.is_ascii_digit()))
}

/// The session settings a `SET` script assigns (HikariCP `connection-init-sql`), as
/// (lower-cased name, value without quotes) pairs in order: `SET name = value`, `SET
/// name TO value` and `SET SESSION name …`, one statement per `;`. `SET LOCAL` lasts one
/// transaction and `DEFAULT` restores the server's value, so neither sets anything.
pub fn set_statements(sql: &str) -> Vec<(String, String)> {
    sql.split(';').filter_map(set_statement).collect()
}

fn set_statement(statement: &str) -> Option<(String, String)> {
    let mut words = statement.split_whitespace();
    if !words.next()?.eq_ignore_ascii_case("set") {
        return None;
    }
    let rest: Vec<&str> = words.collect();
    let rest = match rest.first() {
        Some(w) if w.eq_ignore_ascii_case("local") => return None,
        Some(w) if w.eq_ignore_ascii_case("session") => rest.get(1..)?,
        _ => rest.as_slice(),
    };
    let assignment = rest.join(" ");
    let (name, value) = match assignment.split_once('=') {
        Some((name, value)) => (name.trim(), value.trim()),
        None => {
            let (name, value) = assignment.split_once(' ')?;
            let value = value.trim_start();
            let to = value.get(..2).filter(|w| w.eq_ignore_ascii_case("to"))?;
            (name, value.get(to.len()..)?.trim())
        }
    };
    let value = value.trim_matches(|c| c == '\'' || c == '"');
    let valid_name = !name.is_empty() && !name.contains(char::is_whitespace);
    (valid_name && !value.is_empty() && !value.eq_ignore_ascii_case("default"))
        .then(|| (name.to_ascii_lowercase(), value.to_owned()))
}

/// The settings a PostgreSQL `options` connection parameter passes to the server
/// (libpq and PgJDBC `options`, Npgsql `Options`), as (lower-cased name with `_` for
/// `-`, value) pairs in order, the last of a name winning: `-c name=value`, `-c`
/// `name=value` and `--name=value` words, split on whitespace with `\` escaping the next
/// character, as PostgreSQL's `pg_split_opts` splits them. `url_encoded`: the text is a
/// URL query value, so `%XX` and `+` (a space, as PgJDBC's `URLDecoder` reads it) are
/// decoded first.
pub fn options_settings(options: &str, url_encoded: bool) -> Vec<(String, String)> {
    let decoded = if url_encoded {
        url_decode(options)
    } else {
        options.to_owned()
    };
    let mut words: Vec<(String, crate::source::Span)> = Vec::new();
    let mut word = String::new();
    let mut chars = decoded.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => word.extend(chars.next()),
            c if c.is_whitespace() => {
                if !word.is_empty() {
                    words.push((std::mem::take(&mut word), crate::source::Span::default()));
                }
            }
            c => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push((word, crate::source::Span::default()));
    }
    crate::ecosystems::postgres::command_flags(&words)
        .into_iter()
        .map(|flag| (flag.name.to_ascii_lowercase(), flag.value))
        .collect()
}

/// `%XX` escapes and `+` decoded; an invalid escape is kept as written.
fn url_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = |at: usize| bytes.get(at).and_then(|h| (*h as char).to_digit(16));
        match (b, hex(i + 1), hex(i + 2)) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            (b'+', _, _) => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// True when a PostgreSQL time setting's text turns the timeout off: 0 in any unit
/// (`0`, `'0'`, `0s`, `0ms`), read as `postgresql.conf`'s times are.
pub fn is_zero_time(text: &str) -> bool {
    let unquoted = text.trim().trim_matches(['"', '\'']);
    crate::ecosystems::postgres::in_unit(unquoted, "ms") == Some(0.0)
}

/// The names of a list (one name per line, `#` comments, optional `[section]`
/// headers), by section ("" before any header), sorted for binary search.
fn name_list(list: &'static str) -> BTreeMap<&'static str, Vec<&'static str>> {
    let mut sections: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut section = "";
    for line in list.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            Some(name) => section = name,
            None => sections.entry(section).or_default().push(line),
        }
    }
    for names in sections.values_mut() {
        names.sort_unstable();
        names.dedup();
    }
    sections
}

/// The names of a list without sections, sorted.
fn flat_name_list(list: &'static str) -> KnownNames {
    KnownNames::new(name_list(list).remove("").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_scripts_give_the_session_settings_they_assign() {
        let pairs = set_statements(
            "SET statement_timeout = '5s'; set session Lock_Timeout TO 2000;SET LOCAL work_mem = '1MB'; SET x = DEFAULT; SELECT 1",
        );
        assert_eq!(
            pairs,
            [
                ("statement_timeout".to_owned(), "5s".to_owned()),
                ("lock_timeout".to_owned(), "2000".to_owned()),
            ]
        );
        assert!(set_statements("SET").is_empty());
        assert!(set_statements("SET TIME ZONE 'UTC'").is_empty());
    }

    #[test]
    fn server_groups_are_the_ones_mysqld_and_mariadbd_read() {
        for server in [
            "mysqld",
            "server",
            "mysqld-8.0",
            "mariadb",
            "mariadb-10.6",
            "mariadb-11",
            "mariadbd",
            "mariadbd-11.4",
            "client-server",
            "galera",
        ] {
            assert!(is_mysql_server_group(Some(server)), "{server}");
        }
        for client in [
            "client",
            "mysql",
            "mariadb-client",
            "client-mariadb",
            "mysqldump",
            "mariadb-dump",
            "mysqld_safe",
            "mysqld-",
        ] {
            assert!(!is_mysql_server_group(Some(client)), "{client}");
        }
        assert!(!is_mysql_server_group(None));
    }

    #[test]
    fn options_settings_are_the_c_flags_of_the_options_parameter() {
        let pairs = |text: &str, url: bool| options_settings(text, url);
        assert_eq!(
            pairs(
                "-c search_path=app -cstatement_timeout=5s --lock-timeout=1s",
                false
            ),
            vec![
                ("search_path".to_owned(), "app".to_owned()),
                ("statement_timeout".to_owned(), "5s".to_owned()),
                ("lock_timeout".to_owned(), "1s".to_owned()),
            ]
        );
        assert_eq!(
            pairs("-c%20statement_timeout%3D0", true),
            vec![("statement_timeout".to_owned(), "0".to_owned())]
        );
        assert_eq!(
            pairs("-c+Statement_Timeout=30s", true),
            vec![("statement_timeout".to_owned(), "30s".to_owned())]
        );
        // `\ ` keeps a space inside a value; text that is no flag sets nothing.
        assert_eq!(
            pairs(r"-c application_name=a\ b statement_timeout=5s", false),
            vec![("application_name".to_owned(), "a b".to_owned())]
        );
        assert!(pairs("%zz", true).is_empty());
    }

    #[test]
    fn postgres_units_are_listed_by_parameter() {
        let unit = |name: &str| postgres_unit(name).map(|u| (u.unit, u.integer));
        assert_eq!(unit("statement_timeout"), Some(("ms", true)));
        assert_eq!(unit("checkpoint_timeout"), Some(("s", true)));
        assert_eq!(unit("shared_buffers"), Some(("8kB", true)));
        assert_eq!(unit("work_mem"), Some(("kB", true)));
        assert_eq!(unit("vacuum_cost_delay"), Some(("ms", false)));
        // PostgreSQL 16 to 18.
        assert_eq!(unit("transaction_timeout"), Some(("ms", true)));
        assert_eq!(unit("vacuum_buffer_usage_limit"), Some(("kB", true)));
        assert_eq!(unit("wal_summary_keep_time"), Some(("min", true)));
        assert_eq!(unit("io_max_combine_limit"), Some(("8kB", true)));
        assert_eq!(unit("idle_replication_slot_timeout"), Some(("s", true)));
        assert_eq!(unit("max_connections"), None);
        assert_eq!(unit("work_mem kB"), None);
    }

    #[test]
    fn zero_times_are_off_in_any_unit() {
        for off in ["0", "'0'", "0s", " 0ms "] {
            assert!(is_zero_time(off), "{off}");
        }
        for on in ["5s", "'30s'", "100", "1min"] {
            assert!(!is_zero_time(on), "{on}");
        }
    }

    #[test]
    fn the_known_name_lists_load_sorted_with_their_sections() {
        assert!(pgbouncer_names("pgbouncer").contains(&"default_pool_size"));
        assert!(pgbouncer_names("databases").contains(&"pool_size"));
        assert!(pgbouncer_names("users").contains(&"max_user_connections"));
        assert!(!pgbouncer_names("pgbouncer").contains(&"pool_size"));
        assert!(pgbouncer_names("no-such-section").is_empty());
        let postgres = postgres_parameters();
        let mysql = mysql_options();
        for list in [postgres, mysql] {
            assert!(list.windows(2).all(|w| w[0] < w[1]), "not sorted");
            // `suggest::KnownNames::within_edits` counts their bytes as characters.
            assert!(list.iter().all(|name| name.is_ascii()));
            assert!(list.binary_search(&"max_connections").is_ok());
        }
        assert!(postgres.len() > 300 && mysql.len() > 1000);
        for section in PGBOUNCER_SECTIONS {
            assert!(pgbouncer_names(section).iter().all(|name| name.is_ascii()));
        }
        assert!(!postgres
            .iter()
            .any(|n| n.contains('.') || n.starts_with('#')));
    }
}
