//! The parameter names PgBouncer, PostgreSQL and MySQL/MariaDB accept, from the lists
//! in `src/model/data/` (each names in its header the packages and files it was
//! derived from). Readers and rules share them, as they share [`super::hikari`].

use std::collections::BTreeMap;
use std::sync::LazyLock;

static PGBOUNCER: LazyLock<BTreeMap<&str, Vec<&str>>> =
    LazyLock::new(|| name_list(include_str!("data/pgbouncer-settings.txt")));
static POSTGRES: LazyLock<Vec<&str>> =
    LazyLock::new(|| flat_name_list(include_str!("data/postgresql-parameters.txt")));
static MYSQL: LazyLock<Vec<&str>> =
    LazyLock::new(|| flat_name_list(include_str!("data/mysql-options.txt")));

/// The names PgBouncer accepts in `section` (`pgbouncer`, `databases`, `users`,
/// `peers`), sorted; empty for an unknown section.
pub fn pgbouncer_names(section: &str) -> &'static [&'static str] {
    PGBOUNCER.get(section).map_or(&[], Vec::as_slice)
}

/// The parameter names of PostgreSQL 12 to 18, sorted. Names with a dot (extension
/// options) are not listed: PostgreSQL accepts any of them.
pub fn postgres_parameters() -> &'static [&'static str] {
    &POSTGRES
}

/// The option names `mysqld` accepts in its option-file groups, `_` form, sorted.
pub fn mysql_options() -> &'static [&'static str] {
    &MYSQL
}

/// Option-file groups `mysqld` reads (`[mysqld]`, `[server]`, `[mariadb]`,
/// `[mysqld-8.0]`, ...); client groups configure no server.
pub fn is_mysql_server_group(section: Option<&str>) -> bool {
    section.is_some_and(|s| {
        matches!(s, "mysqld" | "server" | "mariadb" | "mariadbd")
            || s.starts_with("mysqld-")
            || s.starts_with("mariadb-")
    })
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
fn flat_name_list(list: &'static str) -> Vec<&'static str> {
    name_list(list).remove("").unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

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
            assert!(list.binary_search(&"max_connections").is_ok());
        }
        assert!(postgres.len() > 300 && mysql.len() > 1000);
        assert!(!postgres
            .iter()
            .any(|n| n.contains('.') || n.starts_with('#')));
    }
}
