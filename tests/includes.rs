//! Include directives: PostgreSQL `include`, `include_if_exists`, `include_dir`; MySQL
//! `!include`, `!includedir`; PgBouncer `%include`. Settings from included files count
//! at the include line, with spans into the included file; missing files and cycles are
//! `parse-error`s at the directive; files outside the checked tree are not read.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)] // tests fail by panicking

use std::path::{Path, PathBuf};

use poollint::engine::{self, CheckRequest, Report};

fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, text) in files {
        let target = dir.path().join(path);
        std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
        std::fs::write(target, text).expect("write");
    }
    dir
}

fn check(dir: &Path) -> Report {
    engine::check(&CheckRequest::new(vec![dir.to_path_buf()]))
}

fn parse_errors(report: &Report) -> Vec<String> {
    report
        .diagnostics
        .iter()
        .filter(|d| d.rule == "parse-error")
        .map(|d| d.message.clone())
        .collect()
}

#[test]
fn postgres_includes_count_at_the_include_line() {
    let dir = tree(&[
        ("db/postgresql.conf", "max_connections = 100\ninclude 'tuning.conf'\nsuperuser_reserved_connections = 5\ninclude_dir 'conf.d'\ninclude_if_exists 'absent.conf'\n"),
        ("db/tuning.conf", "max_connections = 300\nsuperuser_reserved_connections = 1\n"),
        ("db/conf.d/01-a.conf", "max_connections = 400\n"),
        ("db/conf.d/02-b.conf", "max_connections = 500\n"),
    ]);
    let report = check(dir.path());
    assert!(
        parse_errors(&report).is_empty(),
        "{:?}",
        parse_errors(&report)
    );
    let db = &report.model.databases;
    assert_eq!(db.len(), 1, "included files are not databases of their own");
    // conf.d files come last in name order; the main file's later line wins over tuning.conf.
    assert_eq!(db[0].max_connections.get(), Some(&500));
    assert_eq!(
        db[0].superuser_reserved_connections.as_ref().unwrap().get(),
        Some(&5)
    );
    let location = db[0].max_connections.location().unwrap();
    assert!(report
        .sources
        .get(location.file)
        .unwrap()
        .display
        .ends_with("02-b.conf"));
}

#[test]
fn missing_includes_and_cycles_are_parse_errors_at_the_directive() {
    let dir = tree(&[
        (
            "db/postgresql.conf",
            "include 'nope.conf'\ninclude 'a.conf'\n",
        ),
        ("db/a.conf", "include 'b.conf'\n"),
        ("db/b.conf", "include 'a.conf'\n"),
    ]);
    let errors = parse_errors(&check(dir.path()));
    assert!(
        errors
            .iter()
            .any(|e| e.contains("include `nope.conf` is not in the repository")),
        "{errors:?}"
    );
    assert!(
        errors.iter().any(|e| e.starts_with("include cycle")),
        "{errors:?}"
    );
}

#[test]
fn absolute_includes_name_the_deployed_machine_and_are_not_read() {
    let dir = tree(&[(
        "mysql/my.cnf",
        "[mysqld]\nmax_connections = 100\n!includedir /etc/mysql/conf.d/\n",
    )]);
    let report = check(dir.path());
    assert!(
        parse_errors(&report).is_empty(),
        "{:?}",
        parse_errors(&report)
    );
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.contains("absolute path names the deployed machine")),
        "{:?}",
        report.notes
    );
}

#[test]
fn includes_outside_the_checked_tree_are_not_read() {
    let dir = tree(&[
        (
            "db/postgresql.conf",
            "max_connections = 100\ninclude '../shared/secret.conf'\n",
        ),
        ("shared/secret.conf", "max_connections = 9999\n"),
    ]);
    // Only `db/` is checked: `shared/` is outside.
    let report = check(&dir.path().join("db"));
    assert_eq!(report.model.databases[0].max_connections.get(), Some(&100));
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.contains("outside the paths being checked")),
        "{:?}",
        report.notes
    );
}

#[test]
fn include_roots_allow_relative_and_absolute_includes_outside_the_checked_tree() {
    // `max_connections` of the database read from `checked`, with `roots` to include from.
    let max_connections = |checked: PathBuf, roots: Vec<PathBuf>| {
        let mut request = CheckRequest::new(vec![checked]);
        request.include_roots = roots.into();
        let report = engine::check(&request);
        let max = report.model.databases[0].max_connections.get().copied();
        (max, report.notes)
    };
    // An absolute include into another directory.
    let dir = tree(&[("shared/pool.conf", "max_connections = 300\n")]);
    let shared = dir.path().join("shared");
    let db = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        db.path().join("postgresql.conf"),
        format!(
            "max_connections = 100\ninclude '{}'\n",
            shared.join("pool.conf").display()
        ),
    )
    .expect("write");
    assert_eq!(max_connections(db.path().into(), vec![]).0, Some(100));
    let (with, notes) = max_connections(db.path().into(), vec![shared]);
    assert_eq!(with, Some(300), "{notes:?}");

    // A relative include out of the checked directory into a sibling.
    let relative = tree(&[
        ("shared/pool.conf", "max_connections = 300\n"),
        (
            "db/postgresql.conf",
            "max_connections = 100\ninclude '../shared/pool.conf'\n",
        ),
    ]);
    let checked = relative.path().join("db");
    assert_eq!(max_connections(checked.clone(), vec![]).0, Some(100));
    let (with, notes) = max_connections(checked, vec![relative.path().join("shared")]);
    assert_eq!(with, Some(300), "{notes:?}");
}

#[test]
fn mysql_includedir_adopts_walked_files_and_pgbouncer_include() {
    let dir = tree(&[
        (
            "mysql/my.cnf",
            "[mysqld]\nmax_connections = 100\n!includedir conf.d\n",
        ),
        (
            "mysql/conf.d/tuning.cnf",
            "[mysqld]\nmax_connections = 250\n",
        ),
        (
            "bouncer/pgbouncer.ini",
            "[pgbouncer]\ndefault_pool_size = 10\n%include extra.ini\n",
        ),
        ("bouncer/extra.ini", "default_pool_size = 40\n"),
    ]);
    let report = check(dir.path());
    assert!(
        parse_errors(&report).is_empty(),
        "{:?}",
        parse_errors(&report)
    );
    let mysql: Vec<_> = report
        .model
        .databases
        .iter()
        .filter(|d| d.name == "mysql")
        .collect();
    assert_eq!(
        mysql.len(),
        1,
        "conf.d/tuning.cnf is part of my.cnf, not a second server"
    );
    assert_eq!(mysql[0].max_connections.get(), Some(&250));
    assert_eq!(
        report.model.poolers[0]
            .default_pool_size
            .as_ref()
            .unwrap()
            .get(),
        Some(&40)
    );
}

#[test]
fn included_files_give_up_their_text_once_read_like_the_others() {
    let tuning = "max_connections = 300\n";
    let dir = tree(&[
        ("db/postgresql.conf", "include 'tuning.conf'\n"),
        ("db/tuning.conf", tuning),
    ]);
    let report = check(dir.path());
    let included: Vec<_> = report
        .sources
        .files()
        .iter()
        .filter(|f| f.display.ends_with("tuning.conf"))
        .collect();
    assert!(!included.is_empty());
    for file in included {
        assert_eq!(file.text_in_memory(), None, "{}", file.display);
        assert_eq!(file.text(), tuning);
    }
}
