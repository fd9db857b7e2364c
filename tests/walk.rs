//! Which files a walk of a directory checks: never `.git`, `node_modules`, `target`,
//! `.hg` or `.svn`; not what `.gitignore` or `.ignore` leave out; not what `--exclude`
//! matches, in every subcommand that walks and in every manifest's share of a monorepo;
//! paths named on the command line whatever the patterns say.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)] // tests fail by panicking

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

/// A Spring file with an error (`hikari-max-lifetime-below-minimum`) at 4:21.
const FAILING: &str = "spring:\n  datasource:\n    hikari:\n      max-lifetime: 20000\n";

mod common;
use common::{git, write_file};

/// A tree with a failing `application.yml` in each of `dirs`.
fn tree(dirs: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for sub in dirs {
        write_file(dir.path(), &format!("{sub}/application.yml"), FAILING);
    }
    dir
}

/// A Spring file without findings.
const CLEAN: &str =
    "spring:\n  datasource:\n    url: jdbc:postgresql://db:5432/app?socketTimeout=30\n";

/// `poollint ARGS` to run in `dir`.
fn poollint_in(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = common::poollint();
    cmd.current_dir(dir).args(args);
    cmd
}

/// `poollint ARGS` run in `dir`.
fn run_in(dir: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    poollint_in(dir, args).assert()
}

/// The files with findings in a concise report, sorted.
fn files_with_findings(stdout: &[u8]) -> Vec<String> {
    let mut files: Vec<String> = String::from_utf8_lossy(stdout)
        .lines()
        .filter_map(|line| line.split_once(':').map(|(file, _)| file.to_owned()))
        .filter(|file| !file.starts_with("Found "))
        .collect();
    files.dedup();
    files
}

/// `poollint check -f concise ARGS` in `dir`: the files with findings.
fn checked_in(dir: &Path, args: &[&str]) -> Vec<String> {
    let mut all = vec!["check", "-f", "concise"];
    all.extend_from_slice(args);
    let output = run_in(dir, &all).get_output().stdout.clone();
    files_with_findings(&output)
}

#[test]
fn the_walk_never_enters_vcs_dependency_or_build_directories() {
    let dir = tree(&[
        "app",
        ".git",
        "node_modules/pkg",
        "app/node_modules",
        "target/classes",
        ".hg",
        ".svn",
    ]);
    run_in(dir.path(), &["check", "-f", "concise", "."])
        .code(1)
        .stdout(predicate::str::contains(
            "Found 1 error, 0 warnings and 0 infos in 1 file.",
        ));
    assert_eq!(checked_in(dir.path(), &["."]), ["app/application.yml"]);
}

/// `.gitignore` and `.ignore` are honoured in a directory that is not a git repository
/// (the walker does not require one), including one above the directory checked.
#[test]
fn gitignored_files_are_not_checked_even_outside_a_git_repository() {
    let dir = tree(&["app", "generated", "svc/build"]);
    let root = dir.path();
    write_file(root, "app/application-local.yml", FAILING);
    write_file(root, ".gitignore", "/generated/\napplication-local.yml\n");
    write_file(root, "svc/.ignore", "build/\n");
    assert!(!root.join(".git").exists());
    assert_eq!(checked_in(root, &["."]), ["app/application.yml"]);
    // The root's .gitignore applies when only a directory below it is checked.
    assert_eq!(checked_in(&root.join("app"), &["."]), ["application.yml"]);
    // A file named on the command line is checked whatever the ignore files say.
    assert_eq!(
        checked_in(root, &["app/application-local.yml"]),
        ["app/application-local.yml"]
    );
}

#[test]
fn exclude_skips_the_directories_and_files_it_matches() {
    let dir = tree(&["app", "legacy", "svc/legacy", "svc/api", "old"]);
    let root = dir.path();
    write_file(root, "svc/api/application-dev.yml", FAILING);
    // A name without a slash matches at any depth.
    assert_eq!(
        checked_in(root, &["--exclude", "legacy", "."]),
        [
            "app/application.yml",
            "old/application.yml",
            "svc/api/application-dev.yml",
            "svc/api/application.yml"
        ]
    );
    // A leading slash anchors it to the current directory; a trailing one matches
    // directories only; file globs; repeatable and comma-separated.
    assert_eq!(
        checked_in(
            root,
            &[
                "--exclude",
                "/legacy/,old",
                "--exclude",
                "application-*.yml",
                "."
            ]
        ),
        [
            "app/application.yml",
            "svc/api/application.yml",
            "svc/legacy/application.yml"
        ]
    );
    // `**` and a path: everything below svc/legacy.
    assert_eq!(
        checked_in(root, &["--exclude", "svc/legacy/**,app,old,/legacy", "."]),
        ["svc/api/application-dev.yml", "svc/api/application.yml"]
    );
}

/// Patterns are matched against the path relative to the current directory, however
/// the paths checked are spelled.
#[test]
fn exclude_patterns_are_relative_to_the_current_directory() {
    let dir = tree(&["svc/legacy", "svc/api"]);
    let root = dir.path();
    let absolute = root.canonicalize().unwrap().display().to_string();
    assert_eq!(
        checked_in(root, &["--exclude", "svc/legacy", &absolute]),
        ["svc/api/application.yml"]
    );
    assert_eq!(
        checked_in(root, &["--exclude", "svc/legacy", "./svc"]),
        ["svc/api/application.yml"]
    );
    // From svc, `svc/legacy` names nothing; `/legacy` names svc/legacy.
    let svc = root.join("svc");
    assert_eq!(
        checked_in(&svc, &["--exclude", "svc/legacy", "."]),
        ["api/application.yml", "legacy/application.yml"]
    );
    assert_eq!(
        checked_in(&svc, &["--exclude", "/legacy", "."]),
        ["api/application.yml"]
    );
}

/// Like ruff without `--force-exclude`: what the user names is what they want checked.
#[test]
fn paths_named_on_the_command_line_are_checked_even_when_excluded() {
    let dir = tree(&["legacy/a", "legacy/b"]);
    let root = dir.path();
    assert_eq!(
        checked_in(root, &["--exclude", "legacy", "legacy/a/application.yml"]),
        ["legacy/a/application.yml"]
    );
    // A directory named is walked; the patterns still apply below it.
    assert_eq!(
        checked_in(root, &["--exclude", "legacy,b", "legacy"]),
        ["legacy/a/application.yml"]
    );
    // So is a file read from standard input.
    let stdin = [
        "check",
        "-f",
        "concise",
        "--exclude",
        "legacy",
        "--stdin-filename",
        "legacy/c/application.yml",
    ];
    let assert = poollint_in(root, &stdin).write_stdin(FAILING).assert();
    let output = assert.code(1).get_output().stdout.clone();
    assert_eq!(files_with_findings(&output), ["legacy/c/application.yml"]);
}

#[test]
fn an_invalid_exclude_pattern_is_a_usage_error_naming_it() {
    let dir = tree(&["app"]);
    for subcommand in [&["check"][..], &["capacity"][..], &["init", "--stdout"][..]] {
        for (pattern, message) in [
            (
                "[a",
                "error: --exclude `[a` is not a valid glob: unclosed character class",
            ),
            (
                "!app",
                "error: --exclude `!app`: patterns that re-include (`!`) are not supported",
            ),
            // Commas separate patterns, so alternation cannot be written in one.
            (
                "{a,b}",
                "error: --exclude `{a` is not a valid glob: unclosed alternate group",
            ),
        ] {
            let mut args = subcommand.to_vec();
            args.extend(["--exclude", pattern]);
            run_in(dir.path(), &args)
                .code(2)
                .stdout(predicate::str::is_empty())
                .stderr(predicate::str::starts_with(message));
        }
    }
}

/// An empty pattern would match every path: the run checked nothing and exited 0
/// ("No problems found in 0 files"). It is a usage error, like `--select 'x,'`.
#[test]
fn an_empty_exclude_pattern_is_a_usage_error() {
    let dir = tree(&["app"]);
    for subcommand in [&["check"][..], &["capacity"][..], &["init", "--stdout"][..]] {
        for pattern in ["", "legacy,", ",", " "] {
            let mut args = subcommand.to_vec();
            args.extend(["--exclude", pattern]);
            run_in(dir.path(), &args)
                .code(2)
                .stdout(predicate::str::is_empty())
                .stderr(predicate::str::starts_with(
                    "error: --exclude: empty pattern (check for a stray or trailing comma)",
                ));
        }
    }
}

/// A root manifest whose service's file is in a team's directory with its own manifest:
/// the team's share walks that directory, and the root's share reads the file for its
/// topology (where `pool-saturated-by-declared-load` is found).
fn monorepo() -> tempfile::TempDir {
    let dir = tree(&["team/legacy"]);
    let root = dir.path();
    let pool_of_one = "spring:\n  datasource:\n    url: jdbc:postgresql://db:5432/app?socketTimeout=30\n    hikari:\n      maximum-pool-size: 1\n";
    write_file(root, "team/app/application.yml", pool_of_one);
    write_file(root, "team/api/application.yml", CLEAN);
    write_file(root, "team/poollint.toml", "[lint]\nfail-on = \"error\"\n");
    write_file(
        root,
        "poollint.toml",
        "[[database]]\nname = \"users\"\nengine = \"postgresql\"\nmax-connections = 100\n\n\
         [[service]]\nname = \"team-app\"\nconfig = \"team/app/application.yml\"\n\
         connects-to = \"users\"\n[service.load]\npeak-rps = 1000\nhold-time = \"10ms\"\n",
    );
    dir
}

#[test]
fn exclude_holds_in_every_share_of_a_monorepo() {
    let dir = monorepo();
    let root = dir.path();
    run_in(root, &["check", "-f", "concise", "."])
        .code(1)
        .stdout(predicate::str::contains(
            "team/app/application.yml:5:26: error[pool-saturated-by-declared-load]",
        ))
        .stdout(predicate::str::contains(
            "team/legacy/application.yml:4:21: error[hikari-max-lifetime-below-minimum]",
        ));
    run_in(
        root,
        &[
            "check",
            "-f",
            "concise",
            "--exclude",
            "team/app,legacy",
            ".",
        ],
    )
    .code(0)
    .stdout("No problems found in 2 files.\n");
}

#[test]
fn capacity_and_init_honour_exclude() {
    let dir = monorepo();
    let root = dir.path();
    run_in(root, &["capacity", "--format", "json"])
        .code(0)
        .stdout(predicate::str::contains("\"service\": \"team-app\""));
    run_in(
        root,
        &["capacity", "--format", "json", "--exclude", "team/app"],
    )
    .code(0)
    .stdout(predicate::str::contains("\"pools\": []"));
    let tree = tree(&["app", "legacy/svc"]);
    run_in(tree.path(), &["init", "--stdout"])
        .code(0)
        .stdout(predicate::str::contains("legacy/svc/application.yml"));
    run_in(tree.path(), &["init", "--stdout", "--exclude", "legacy"])
        .code(0)
        .stdout(predicate::str::contains("app/application.yml"))
        .stdout(predicate::str::contains("legacy").not());
}

#[test]
fn diff_base_reports_nothing_in_excluded_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    for sub in ["app", "legacy"] {
        write_file(root, &format!("{sub}/application.yml"), CLEAN);
    }
    git(root, &["init", "-q"]);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "base"]);
    // Both files now fail, on lines changed since HEAD.
    for sub in ["app", "legacy"] {
        write_file(root, &format!("{sub}/application.yml"), FAILING);
    }
    let base = ["--diff-base", "HEAD"];
    assert_eq!(
        checked_in(root, &[".", base[0], base[1]]),
        ["app/application.yml", "legacy/application.yml"]
    );
    assert_eq!(
        checked_in(root, &[".", base[0], base[1], "--exclude", "legacy"]),
        ["app/application.yml"]
    );
}
