//! Include directives: PostgreSQL `include`, `include_if_exists`, `include_dir`; MySQL
//! `!include`, `!includedir`; PgBouncer `%include`. Settings from included files count
//! at the include line, with spans into the included file; missing files and cycles are
//! `parse-error`s at the directive; files outside the checked tree are not read.
//! The cycle tests run the binary: each run must finish within `LIMIT`, which the
//! harness enforces by waiting on the child (as in `tests/hostile.rs`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)] // tests fail by panicking

use std::path::{Path, PathBuf};
use std::time::Duration;

use poollint::engine::{self, CheckRequest, Report};

const LIMIT: Duration = Duration::from_secs(20);

mod common;
use common::tree;

fn check(dir: &Path) -> Report {
    engine::check(&CheckRequest::new(vec![dir.to_path_buf()]))
}

fn parse_errors(report: &Report) -> Vec<String> {
    report
        .diagnostics
        .iter()
        .filter(|d| d.rule == "parse-error")
        .map(|d| d.message.to_string())
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

/// PostgreSQL reads only the files of an `include_dir`: a directory inside, even one
/// named `x.conf`, is skipped, not an error.
#[test]
fn a_directory_inside_an_include_dir_is_skipped() {
    let dir = tree(&[
        (
            "db/postgresql.conf",
            "max_connections = 100\ninclude_dir 'conf.d'\n",
        ),
        ("db/conf.d/01-a.conf", "max_connections = 400\n"),
        ("db/conf.d/dir.conf/inner.conf", "max_connections = 900\n"),
    ]);
    let report = check(dir.path());
    assert!(
        parse_errors(&report).is_empty(),
        "{:?}",
        parse_errors(&report)
    );
    assert_eq!(report.model.databases[0].max_connections.get(), Some(&400));
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

/// mysqld keeps each option file's group to itself and reads a file no further than an
/// option before its first `[group]` ("Found option without preceding group in config
/// file"): fatal in the file it starts from, ignored for an included file. The
/// included file's options took the includer's group (a false 40, and with `[client]`
/// last, a silent 151).
#[test]
fn mysql_options_before_any_group_stop_their_file() {
    let extra = "max_connections = 40\n[mysqld]\nwait_timeout = 10\n";
    let dir = tree(&[
        (
            "a/my.cnf",
            "[mysqld]\nmax_connections = 300\n!include extra.cnf\n",
        ),
        ("a/extra.cnf", extra),
        (
            "b/my.cnf",
            "[client]\nuser = x\n[mysqld]\nmax_connections = 300\n!include extra.cnf\n",
        ),
        ("b/extra.cnf", extra),
        (
            "c/my.cnf",
            "max_connections = 40\n[mysqld]\nwait_timeout = 28800\n",
        ),
    ]);
    let report = check(dir.path());
    let database = |name: &str| report.model.databases.iter().find(|d| d.name == name);
    for name in ["a", "b"] {
        let database = database(name).expect(name);
        assert_eq!(database.max_connections.get(), Some(&300), "{name}");
        // The group after it is not read either.
        assert_eq!(
            database
                .wait_timeout
                .as_ref()
                .and_then(|t| t.get())
                .map(|t| t.as_secs()),
            Some(28_800),
            "{name}"
        );
    }
    let errors: Vec<(String, String)> = report
        .diagnostics
        .iter()
        .filter(|d| d.rule == "parse-error")
        .map(|d| {
            (
                report.sources.display(d.primary.file).to_string(),
                format!("{:?}: {}", d.severity, d.message),
            )
        })
        .collect();
    assert_eq!(errors.len(), 3, "{errors:?}");
    let included = "Warning: `max_connections` comes before any [group] of its file: mysqld reads no further in this included file and starts without the settings below it (\"Found option without preceding group in config file\")";
    assert!(
        errors
            .iter()
            .any(|(path, e)| path.ends_with("a/extra.cnf") && e == included),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|(path, e)| path.ends_with("b/extra.cnf") && e == included),
        "{errors:?}"
    );
    let top = "Error: `max_connections` comes before any [group] of its file: mysqld does not start (\"Found option without preceding group in config file\")";
    assert!(
        errors
            .iter()
            .any(|(path, e)| path.ends_with("c/my.cnf") && e == top),
        "{errors:?}"
    );
}

/// mysqld and MariaDB read every `*.cnf` of an `!includedir`, hidden ones too (`fn_ext`
/// finds the last dot); PostgreSQL's `include_dir` skips hidden files. The hidden
/// `.override.cnf` was skipped as PostgreSQL's are.
#[test]
fn mysql_includedir_reads_hidden_cnf_files() {
    let dir = tree(&[
        (
            "mysql/my.cnf",
            "[mysqld]\nmax_connections = 300\n!includedir conf.d\n",
        ),
        (
            "mysql/conf.d/.override.cnf",
            "[mysqld]\nmax_connections = 40\n",
        ),
        (
            "pg/postgresql.conf",
            "max_connections = 300\ninclude_dir 'conf.d'\n",
        ),
        ("pg/conf.d/.override.conf", "max_connections = 40\n"),
    ]);
    let report = check(dir.path());
    let max = |name: &str| {
        let database = report.model.databases.iter().find(|d| d.name == name);
        database.and_then(|d| d.max_connections.get().copied())
    };
    assert_eq!(max("mysql"), Some(40));
    assert_eq!(max("pg"), Some(300));
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

/// The messages of one rule's findings.
fn findings_of(report: &Report, rule: &str) -> Vec<String> {
    report
        .diagnostics
        .iter()
        .filter(|d| d.rule == rule)
        .map(|d| d.message.to_string())
        .collect()
}

#[test]
fn a_pgbouncer_include_reads_in_the_current_section_and_its_headers_carry_over() {
    // PgBouncer keeps one current section across `%include` (libusual cfparser.c):
    // the included file starts in the includer's last header, not the section of the
    // includer's last key, and a header inside it holds for the includer's next lines.
    let dir = tree(&[
        (
            "a/pgbouncer.ini",
            "[pgbouncer]
default_pool_size = 10
[databases]
%include dbs.ini
",
        ),
        (
            "a/dbs.ini",
            "app = host=pg dbname=app pool_size=99
",
        ),
        (
            "b/pgbouncer.ini",
            "[databases]
app = host=pg dbname=app
%include common.ini
auth_type = trust
",
        ),
        (
            "b/common.ini",
            "[pgbouncer]
pool_mode = transaction
",
        ),
    ]);
    let report = check(dir.path());
    assert!(
        parse_errors(&report).is_empty(),
        "{:?}",
        parse_errors(&report)
    );
    let unknown = findings_of(&report, "unknown-or-dead-pool-key");
    assert!(unknown.is_empty(), "{unknown:?}");
    let pooler = |name: &str| {
        report
            .model
            .poolers
            .iter()
            .find(|p| p.name == name)
            .unwrap()
    };
    let a = pooler("a");
    assert_eq!(a.databases.len(), 1, "{:?}", a.databases);
    assert_eq!(a.databases[0].name, "app");
    assert_eq!(
        a.databases[0].pool_size.as_ref().and_then(|s| s.get()),
        Some(&99)
    );
    assert_eq!(a.default_pool_size.as_ref().unwrap().get(), Some(&10));
    let b = pooler("b");
    assert_eq!(b.databases.len(), 1, "{:?}", b.databases);
    assert_eq!(
        b.pool_mode.as_ref().unwrap().get().map(String::as_str),
        Some("transaction")
    );
    assert_eq!(
        b.auth_type.as_ref().unwrap().get().map(String::as_str),
        Some("trust")
    );
}

#[test]
fn a_pgbouncer_include_not_beside_the_includer_is_looked_for_beside_the_top_file() {
    // PgBouncer opens a relative `%include` from its working directory; a nested
    // include written from the top file's view names a file beside that file.
    let dir = tree(&[
        (
            "pgb/pgbouncer.ini",
            "[pgbouncer]
%include conf.d/a.ini
",
        ),
        (
            "pgb/conf.d/a.ini",
            "max_client_conn = 500
%include conf.d/b.ini
",
        ),
        (
            "pgb/conf.d/b.ini",
            "default_pool_size = 33
",
        ),
    ]);
    let report = check(dir.path());
    assert!(
        parse_errors(&report).is_empty(),
        "{:?}",
        parse_errors(&report)
    );
    let pooler = &report.model.poolers[0];
    assert_eq!(pooler.max_client_conn.as_ref().unwrap().get(), Some(&500));
    assert_eq!(pooler.default_pool_size.as_ref().unwrap().get(), Some(&33));
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

/// `poollint check -f concise CHECKED` run in `dir`, killed if it exceeds `LIMIT`: its
/// exit code and its finding lines.
fn concise(dir: &Path, checked: &str) -> (i32, Vec<String>) {
    let assert = assert_cmd::Command::cargo_bin("poollint")
        .expect("binary")
        .current_dir(dir)
        .args(["check", "-f", "concise", checked])
        .env("NO_COLOR", "1")
        .timeout(LIMIT)
        .assert();
    let output = assert.get_output();
    let code = output
        .status
        .code()
        .unwrap_or_else(|| panic!("poollint did not finish within {LIMIT:?}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let findings = stdout
        .lines()
        .filter(|l| l.starts_with(&format!("{checked}/")))
        .map(str::to_owned)
        .collect();
    (code, findings)
}

/// Assert that `findings` are exactly `expected`, each given by its start (the
/// location, severity and rule, and the start of the message).
fn assert_findings(findings: &[String], expected: &[&str]) {
    assert_eq!(findings.len(), expected.len(), "{findings:#?}");
    for (finding, start) in findings.iter().zip(expected) {
        assert!(finding.starts_with(start), "{start}\n{findings:#?}");
    }
}

const UNKNOWN: &str = "error[unknown-or-dead-pool-key]";

#[test]
fn postgres_cycle_through_the_main_file_keeps_the_main_file_s_findings() {
    let dir = tree(&[
        (
            "db/postgresql.conf",
            "max_conections = 100\ninclude 'x.conf'\n",
        ),
        (
            "db/x.conf",
            "shared_bufers = 1\ninclude 'postgresql.conf'\n",
        ),
    ]);
    let (code, findings) = concise(dir.path(), "db");
    assert_eq!(code, 1, "{findings:#?}");
    assert_findings(
        &findings,
        &[
            &format!("db/postgresql.conf:1:1: {UNKNOWN} `max_conections`"),
            &format!("db/x.conf:1:1: {UNKNOWN} `shared_bufers`"),
            "db/x.conf:2:9: error[parse-error] include cycle: `db/postgresql.conf` includes itself",
        ],
    );
}

#[test]
fn mysql_cycle_through_the_main_file_keeps_the_main_file_s_findings() {
    let dir = tree(&[
        (
            "db/my.cnf",
            "[mysqld]\nmax_conections = 100\n!include x.cnf\n",
        ),
        ("db/x.cnf", "[mysqld]\nmax_conection = 1\n!include my.cnf\n"),
    ]);
    let (code, findings) = concise(dir.path(), "db");
    assert_eq!(code, 1, "{findings:#?}");
    // mysqld starts despite the cycle: a warning.
    assert_findings(
        &findings,
        &[
            &format!("db/my.cnf:2:1: {UNKNOWN} `max_conections`"),
            &format!("db/x.cnf:2:1: {UNKNOWN} `max_conection`"),
            "db/x.cnf:3:10: warning[parse-error] include cycle: `db/my.cnf` includes itself",
        ],
    );
}

#[test]
fn pgbouncer_cycle_through_the_main_file_keeps_the_main_file_s_findings() {
    let dir = tree(&[
        (
            "db/pgbouncer.ini",
            "[pgbouncer]\ndefault_pool_sise = 10\n%include x.ini\n",
        ),
        ("db/x.ini", "max_client_con = 1\n%include pgbouncer.ini\n"),
    ]);
    let (code, findings) = concise(dir.path(), "db");
    assert_eq!(code, 1, "{findings:#?}");
    assert_findings(
        &findings,
        &[
            &format!("db/pgbouncer.ini:2:1: {UNKNOWN} `default_pool_sise`"),
            &format!("db/x.ini:1:1: {UNKNOWN} `max_client_con`"),
            "db/x.ini:2:10: error[parse-error] include cycle: `db/pgbouncer.ini` includes itself",
        ],
    );
}

#[test]
fn mysql_cycle_between_included_files_is_reported_once_with_every_file_checked() {
    let dir = tree(&[
        (
            "db/my.cnf",
            "[mysqld]\nmax_conections = 100\n!include a.cnf\n",
        ),
        ("db/a.cnf", "[mysqld]\nmax_conection = 1\n!include b.cnf\n"),
        ("db/b.cnf", "[mysqld]\nmax_connectons = 1\n!include a.cnf\n"),
    ]);
    let (code, findings) = concise(dir.path(), "db");
    assert_eq!(code, 1, "{findings:#?}");
    assert_findings(
        &findings,
        &[
            &format!("db/a.cnf:2:1: {UNKNOWN} `max_conection`"),
            &format!("db/b.cnf:2:1: {UNKNOWN} `max_connectons`"),
            "db/b.cnf:3:10: warning[parse-error] include cycle: `db/a.cnf` includes itself",
            &format!("db/my.cnf:2:1: {UNKNOWN} `max_conections`"),
        ],
    );
}

#[test]
fn pgbouncer_cycle_between_included_files_is_reported_once_with_every_file_checked() {
    let dir = tree(&[
        (
            "db/pgbouncer.ini",
            "[pgbouncer]\ndefault_pool_sise = 10\n%include a.ini\n",
        ),
        ("db/a.ini", "max_client_con = 1\n%include b.ini\n"),
        ("db/b.ini", "reserve_pool_sise = 1\n%include a.ini\n"),
    ]);
    let (code, findings) = concise(dir.path(), "db");
    assert_eq!(code, 1, "{findings:#?}");
    assert_findings(
        &findings,
        &[
            &format!("db/a.ini:1:1: {UNKNOWN} `max_client_con`"),
            &format!("db/b.ini:1:1: {UNKNOWN} `reserve_pool_sise`"),
            "db/b.ini:2:10: error[parse-error] include cycle: `db/a.ini` includes itself",
            &format!("db/pgbouncer.ini:2:1: {UNKNOWN} `default_pool_sise`"),
        ],
    );
}

#[test]
fn a_parser_panic_on_an_included_file_is_an_internal_error_for_that_file() {
    let dir = tree(&[
        ("db/postgresql.conf", "include 'tuning.conf'\n"),
        ("db/tuning.conf", "max_connections = 300\n"),
    ]);
    let main = dir.path().join("db/postgresql.conf");
    let text = std::fs::read_to_string(&main).unwrap();
    let (reader, format) = poollint::ecosystems::recognise(&main).unwrap();
    let mut report = Report::default();
    let id = report
        .sources
        .add(&main, text.clone(), poollint::source::Encoding::Utf8);
    let doc = poollint::syntax::parse(format, &text);
    let mut parsed = vec![(
        reader,
        poollint::ecosystems::ParsedFile {
            id,
            path: main,
            format,
            doc,
            included_from: None,
        },
    )];
    poollint::includes::Includes {
        roots: vec![std::fs::canonicalize(dir.path()).unwrap()],
        max_file_size: engine::DEFAULT_MAX_FILE_SIZE,
        report: &mut report,
        parse: |_, _| panic!("a parser bug"),
    }
    .follow(&mut parsed);
    assert_eq!(parsed.len(), 1, "the included file has no syntax tree");
    assert_eq!(
        report.internal_errors.len(),
        1,
        "{:?}",
        report.internal_errors
    );
    assert!(
        report.internal_errors[0].ends_with("tuning.conf: internal error while parsing this file"),
        "{:?}",
        report.internal_errors
    );
}

#[test]
fn a_cycle_through_the_main_file_is_found_however_many_files_it_passes() {
    // my.cnf -> f1 -> ... -> f9 -> my.cnf: the longest cycle any of the servers reads
    // (each stops 10 includes deep; the search up the chain of includers once stopped
    // at 64 files, and must not stop before the top file).
    let mut files = vec![(
        "db/my.cnf".to_owned(),
        "[mysqld]\nmax_conections = 100\n!include f1.cnf\n".to_owned(),
    )];
    for i in 1..9 {
        files.push((format!("db/f{i}.cnf"), format!("!include f{}.cnf\n", i + 1)));
    }
    files.push(("db/f9.cnf".into(), "!include my.cnf\n".into()));
    let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (&p[..], &t[..])).collect();
    let dir = tree(&files);
    let (code, findings) = concise(dir.path(), "db");
    assert_eq!(code, 1, "{findings:#?}");
    assert_findings(
        &findings,
        &[
            "db/f9.cnf:1:10: warning[parse-error] include cycle: `db/my.cnf` includes itself",
            &format!("db/my.cnf:2:1: {UNKNOWN} `max_conections`"),
        ],
    );
}

/// mysqld reads a top file at recursion level 0 and skips the `!include` and
/// `!includedir` lines of a file at level 10, with a warning, and starts
/// (`max_recursion_level` in mysys `my_default.cc`): a `parse-error` warning at the
/// include in the 10th file, whose target is not read, so its settings do not count. A
/// cycle longer than that is never closed: mysqld stops at the 10th file.
#[test]
fn mysql_includes_nested_deeper_than_mysqld_reads_are_skipped_with_a_warning() {
    let mysql = |name: &str| format!("!include {name}\n");
    for (depth, skipped) in [(10, false), (11, true)] {
        let mut files = include_chain(
            "db",
            "my.cnf",
            depth,
            mysql,
            "cnf",
            "[mysqld]\nmax_connections = forty\n",
        );
        files[0].1 = "[mysqld]\nmax_connections = 100\n!include f1.cnf\n".to_owned();
        let dir = tree_of(&files);
        let (_, findings) = concise(dir.path(), "db");
        let deep: Vec<&String> = findings
            .iter()
            .filter(|f| f.contains("reads includes at most 10 deep"))
            .collect();
        assert_eq!(deep.len(), usize::from(skipped), "{depth}: {findings:#?}");
        if skipped {
            assert!(
                deep[0].starts_with(
                    "db/f10.cnf:1:10: warning[parse-error] !include `f11.cnf` not followed"
                ) && deep[0]
                    .contains("mysqld reads includes at most 10 deep, so it skips this directive"),
                "{}",
                deep[0]
            );
        }
        // The deepest file's `max_connections = forty`, which mysqld refuses, counts
        // only when mysqld reads it.
        let refused = findings
            .iter()
            .any(|f| f.contains(&format!("db/f{depth}.cnf:2:19: error[pool-size-invalid]")));
        assert_eq!(refused, !skipped, "{depth}: {findings:#?}");
    }
    // A cycle through more files than that: mysqld stops 10 deep, before it closes.
    let mut files = include_chain("db", "my.cnf", 70, mysql, "cnf", "!include my.cnf\n");
    files[0].1 = "[mysqld]\nmax_connections = 100\n!include f1.cnf\n".to_owned();
    let dir = tree_of(&files);
    let (_, findings) = concise(dir.path(), "db");
    assert_findings(
        &findings,
        &["db/f10.cnf:1:10: warning[parse-error] !include `f11.cnf` not followed"],
    );
}

#[test]
fn a_missing_mysql_include_says_what_mysqld_does() {
    // mysqld ignores a missing `!include` file; PostgreSQL refuses to start.
    let dir = tree(&[
        (
            "db/my.cnf",
            "[mysqld]\nmax_connections = 100\n!include missing.cnf\n",
        ),
        (
            "pg/postgresql.conf",
            "max_connections = 100\ninclude 'missing.conf'\n",
        ),
    ]);
    let (_, mysql) = concise(dir.path(), "db");
    assert!(
        mysql
            .iter()
            .any(|f| f.starts_with("db/my.cnf:3:10: warning[parse-error]")
                && f.contains("mysqld skips a missing `!include` file without a word")),
        "{mysql:?}"
    );
    let (_, postgres) = concise(dir.path(), "pg");
    assert!(
        postgres
            .iter()
            .any(|f| f.contains("the server refuses to start if it is missing there too")),
        "{postgres:?}"
    );
}

/// A chain of `n` nested includes below `top` (in `dir`): `top` includes `f1`, which
/// includes `f2`, …, and `f<n>` sets `last`. Written as `include` writes them.
fn include_chain(
    dir: &str,
    top: &str,
    n: usize,
    include: impl Fn(&str) -> String,
    ext: &str,
    last: &str,
) -> Vec<(String, String)> {
    let mut files = vec![(format!("{dir}/{top}"), include(&format!("f1.{ext}")))];
    for i in 1..n {
        files.push((
            format!("{dir}/f{i}.{ext}"),
            include(&format!("f{}.{ext}", i + 1)),
        ));
    }
    files.push((format!("{dir}/f{n}.{ext}"), last.to_owned()));
    files
}

fn tree_of(files: &[(String, String)]) -> tempfile::TempDir {
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    tree(&files)
}

/// PostgreSQL (`CONF_FILE_MAX_DEPTH`) and PgBouncer (`MAX_INCLUDE`) read includes 10
/// deep and refuse an 11th (PostgreSQL 15.18: `maximum nesting depth exceeded`;
/// PgBouncer 1.18: `include nesting level too deep`): a `parse-error` at the include in
/// the 10th file, whose target is not read.
#[test]
fn includes_nested_deeper_than_postgres_and_pgbouncer_read_are_parse_errors() {
    let postgres = |name: &str| format!("include '{name}'\n");
    let pgbouncer = |name: &str| format!("%include {name}\n");
    let pgbouncer_top =
        |name: &str| format!("[databases]\napp = host=db\n[pgbouncer]\n%include {name}\n");
    for (depth, refused) in [(10, false), (11, true)] {
        let cases = [
            include_chain(
                "db",
                "postgresql.conf",
                depth,
                postgres,
                "conf",
                "max_connections = 30\n",
            ),
            {
                let mut files = include_chain(
                    "pgb",
                    "pgbouncer.ini",
                    depth,
                    pgbouncer,
                    "ini",
                    "default_pool_size = 15\n",
                );
                files[0].1 = pgbouncer_top("f1.ini");
                files
            },
        ];
        for files in cases {
            let dir = tree_of(&files);
            let report = check(dir.path());
            let errors = parse_errors(&report);
            let deep: Vec<&String> = errors
                .iter()
                .filter(|m| m.contains("at most 10 deep"))
                .collect();
            assert_eq!(deep.len(), usize::from(refused), "{depth}: {errors:?}");
            if refused {
                assert!(deep[0].contains("f11."), "{}", deep[0]);
            }
            let last_read = report
                .sources
                .files()
                .iter()
                .any(|f| f.display.contains(&format!("f{depth}.")));
            assert_eq!(last_read, !refused, "{depth}");
        }
    }
}

/// A file included as `../shared/x.conf` is named `shared/x.conf`, as the walk and the
/// baseline name it (findings showed `db/../shared/x.conf`); through a link before the
/// `..` the written spelling stays, since the plain one would name another file.
#[test]
fn an_included_file_is_named_without_dot_dot_when_that_is_the_same_file() {
    let dir = tree(&[
        (
            "db/postgresql.conf",
            "max_connections = 100\ninclude '../shared/extra.conf'\n",
        ),
        ("shared/extra.conf", "max_connections = 0\n"),
    ]);
    let mut request = CheckRequest::new(vec![dir.path().join("db")]);
    request.include_roots = vec![dir.path().join("shared")].into();
    let report = engine::check(&request);
    assert_eq!(
        invalid_size_paths(&report),
        vec![dir.path().join("shared/extra.conf")]
    );

    #[cfg(unix)]
    {
        // `db` is a link into `real/db`: `db/../shared` is `real/shared`, not `shared`.
        let dir = tree(&[
            (
                "real/db/postgresql.conf",
                "max_connections = 100\ninclude '../shared/extra.conf'\n",
            ),
            ("real/shared/extra.conf", "max_connections = 0\n"),
            ("shared/extra.conf", "max_connections = 5\n"),
        ]);
        std::os::unix::fs::symlink(dir.path().join("real/db"), dir.path().join("db"))
            .expect("link");
        let mut request = CheckRequest::new(vec![dir.path().join("db")]);
        request.include_roots = vec![dir.path().join("real")].into();
        let report = engine::check(&request);
        assert_eq!(
            invalid_size_paths(&report),
            vec![dir.path().join("db/../shared/extra.conf")]
        );
    }
}

/// The files `pool-size-invalid` findings are in, as the report names them.
fn invalid_size_paths(report: &Report) -> Vec<PathBuf> {
    report
        .diagnostics
        .iter()
        .filter(|d| d.rule == "pool-size-invalid")
        .filter_map(|d| report.sources.get(d.primary.file))
        .map(|f| f.path.clone())
        .collect()
}
