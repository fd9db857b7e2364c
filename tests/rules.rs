//! Every registered rule against its fixtures: `tests/fixtures/rules/<rule>/fail` must
//! produce the rule, `pass` must not. The rendered human output (fixed width, no
//! colour) and the exact text under each primary span are snapshotted.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)] // tests fail by panicking

mod common;
use common::copy_tree;

use std::path::{Path, PathBuf};

use poollint::engine::{self, CheckRequest, Report};
use poollint::manifest;
use poollint::model::Ecosystem;
use poollint::render::{self, OutputFormat, RenderContext, Summary};
use poollint::rules;

fn fixture(rule: &str, case: &str) -> PathBuf {
    Path::new("tests/fixtures/rules").join(rule).join(case)
}

/// Check `dir` with only `rule` on, with the fixture's own `poollint.toml` if it has one
/// (load and topology rules need the manifest's declarations).
fn check_only(rule: &str, dir: &Path) -> Report {
    if dir.join("before").is_dir() {
        return check_change(rule, dir);
    }
    let mut request = CheckRequest::new(vec![dir.to_path_buf()]);
    request.select = Some(vec![rule.to_owned()]);
    let manifest = dir.join(manifest::FILE_NAME);
    if manifest.is_file() {
        let manifest = manifest::load(&manifest).expect("fixture manifest is valid");
        request.settings = manifest.lint.clone();
        request.manifest = Some(manifest);
    }
    engine::check(&request)
}

/// Change-aware rules: `before/` is committed in a git repository, `after/` is the
/// working tree, and the check runs with `--diff-base HEAD`. Each repository is built
/// once per test process under `target/` so displayed paths stay stable in snapshots.
fn check_change(rule: &str, dir: &Path) -> Report {
    let repo = change_repo(dir);
    let mut request = CheckRequest::new(vec![repo.clone()]);
    request.select = Some(vec![rule.to_owned()]);
    let manifest = repo.join(manifest::FILE_NAME);
    if manifest.is_file() {
        request.manifest = Some(manifest::load(&manifest).expect("fixture manifest is valid"));
    }
    let checked = poollint::scopes::check(&request, true);
    assert!(
        checked.manifest_errors.is_empty(),
        "fixture manifests are valid"
    );
    let mut scopes = checked.scopes;
    poollint::review::review("HEAD", &request, true, &mut scopes).expect("review against HEAD");
    let reports = scopes.into_iter().map(|s| s.report).collect();
    poollint::scopes::merge(reports)
}

fn change_repo(fixture: &Path) -> PathBuf {
    static REPOS: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());
    let mut built = REPOS.lock().unwrap_or_else(|e| e.into_inner());
    let name = fixture.to_string_lossy().replace(['/', '\\'], "_");
    let repo = Path::new("target/fixture-repos").join(name);
    if built.contains(&repo) {
        return repo;
    }
    let _ = std::fs::remove_dir_all(&repo);
    copy_tree(&fixture.join("before"), &repo);
    let git = |args: &[&str]| {
        let status = std::process::Command::new("git")
            .args([
                "-c",
                "user.name=poollint",
                "-c",
                "user.email=poollint@example.invalid",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .current_dir(&repo)
            .output()
            .expect("run git");
        assert!(
            status.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&status.stderr)
        );
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "before"]);
    copy_tree(&fixture.join("after"), &repo);
    built.push(repo.clone());
    repo
}

fn human(report: &Report) -> String {
    let ctx = RenderContext {
        sources: &report.sources,
        summary: Summary::of(report.files_checked(), &report.diagnostics),
        color: false,
        width: 80,
        errors: &[],
        context: &std::collections::HashSet::new(),
    };
    render::render(OutputFormat::Human, &report.diagnostics, &ctx)
}

/// `rule @ path:line:col `text`` for every diagnostic: the span text, exactly.
fn span_lines(report: &Report) -> String {
    report
        .diagnostics
        .iter()
        .map(|d| {
            let file = report
                .sources
                .get(d.primary.file)
                .expect("file of a diagnostic");
            let pos = file.position(d.primary.span.start, poollint::source::ColumnUnit::Chars);
            let text = file.slice(d.primary.span);
            format!(
                "{} @ {}:{}:{} `{}`\n",
                d.rule, file.display, pos.line, pos.column, text
            )
        })
        .collect()
}

#[test]
fn every_rule_fires_on_its_failing_fixture_and_not_on_its_passing_one() {
    let mut failures = Vec::new();
    for rule in rules::registry() {
        let name = rule.meta().name;
        let failing = check_only(name, &fixture(name, "fail"));
        if !failing.diagnostics.iter().any(|d| d.rule == name) {
            failures.push(format!("{name}: no finding on fixtures/rules/{name}/fail"));
        }
        if !failing.internal_errors.is_empty() {
            failures.push(format!(
                "{name}: internal errors {:?}",
                failing.internal_errors
            ));
        }
        let passing = check_only(name, &fixture(name, "pass"));
        for d in passing.diagnostics.iter().filter(|d| d.rule == name) {
            failures.push(format!(
                "{name}: unexpected finding on pass fixture: {}",
                d.message
            ));
        }
        insta::assert_snapshot!(
            name,
            format!(
                "{}\n--- primary spans ---\n{}",
                human(&failing),
                span_lines(&failing)
            )
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The engine checks Spring, Rails, PostgreSQL, MySQL and PgBouncer entries unit by
/// unit as it reads them and drops them; on every fixture (all rules on) that finds
/// exactly what checking every entry after reading does, and the model keeps only the
/// entries it must.
#[test]
fn entries_checked_per_unit_find_what_entries_kept_find() {
    let mut dropped = 0;
    let mut servers_dropped = 0;
    for rule in rules::registry() {
        let name = rule.meta().name;
        for case in ["fail", "pass"] {
            let dir = fixture(name, case);
            if dir.join("before").is_dir() {
                continue;
            }
            let mut request = CheckRequest::new(vec![dir.clone()]);
            let manifest = dir.join(manifest::FILE_NAME);
            if manifest.is_file() {
                let manifest = manifest::load(&manifest).expect("fixture manifest is valid");
                request.settings = manifest.lint.clone();
                request.manifest = Some(manifest);
            }
            let per_unit = engine::check(&request);
            request.keep_entries = true;
            let kept = engine::check(&request);
            assert_eq!(
                format!("{:?}{:?}", per_unit.diagnostics, per_unit.internal_errors),
                format!("{:?}{:?}", kept.diagnostics, kept.internal_errors),
                "{}",
                dir.display()
            );
            let spring = |r: &Report| r.model.entries.of(Ecosystem::Spring).count();
            if spring(&kept) > 0 && spring(&per_unit) == 0 {
                dropped += 1;
            }
            let servers = |r: &Report| {
                [Ecosystem::Postgres, Ecosystem::MySql, Ecosystem::PgBouncer]
                    .into_iter()
                    .map(|e| r.model.entries.of(e).count())
                    .sum::<usize>()
            };
            if servers(&kept) > servers(&per_unit) {
                servers_dropped += 1;
            }
        }
    }
    assert!(
        dropped > 10,
        "Spring entries were dropped in {dropped} fixtures"
    );
    assert!(
        servers_dropped > 30,
        "PostgreSQL, MySQL and PgBouncer entries were dropped in {servers_dropped} fixtures"
    );
}

/// With none of the rules that read Spring entries selected, the entries are still
/// dropped as each application is read (no other rule reads them), and the selected
/// rule still finds what it finds with every rule on.
#[test]
fn spring_entries_are_dropped_when_no_rule_reading_them_is_selected() {
    let dir = fixture("hikari-minimum-idle-set", "fail");
    let spring = |r: &Report| r.model.entries.of(Ecosystem::Spring).count();
    let mut request = CheckRequest::new(vec![dir]);
    request.select = Some(vec!["hikari-minimum-idle-set".to_owned()]);
    let selected = engine::check(&request);
    assert_eq!(spring(&selected), 0);
    assert!(!selected.diagnostics.is_empty());
    request.keep_entries = true;
    let kept = engine::check(&request);
    assert!(spring(&kept) > 0);
    assert_eq!(
        format!("{:?}", selected.diagnostics),
        format!("{:?}", kept.diagnostics)
    );
}

/// Every primary span of every fixture finding is non-empty, on one line and on char
/// boundaries: it underlines one value or key, never a whole block.
#[test]
fn primary_spans_underline_a_single_value_or_key() {
    for rule in rules::registry() {
        let name = rule.meta().name;
        let report = check_only(name, &fixture(name, "fail"));
        for d in &report.diagnostics {
            let file = report.sources.get(d.primary.file).expect("file");
            let text = file.slice(d.primary.span);
            let is_read_error = d.rule == "parse-error" && file.text().is_empty();
            assert!(
                is_read_error || !text.trim().is_empty(),
                "{name}: empty span for {}",
                d.message
            );
            assert!(
                !text.contains('\n'),
                "{name}: span covers several lines: {text:?}"
            );
            assert!(file.text().is_char_boundary(d.primary.span.start));
            assert!(file.text().is_char_boundary(d.primary.span.end));
        }
    }
}

/// Diagnostics about a key name the span's text to be that key; about a value, that
/// value. The snapshot shows each span; this guards the invariant across all rules.
#[test]
fn primary_span_text_matches_the_key_the_diagnostic_names() {
    for rule in rules::registry() {
        let name = rule.meta().name;
        let report = check_only(name, &fixture(name, "fail"));
        for d in report.diagnostics.iter().filter(|d| d.rule == name) {
            let Some(key) = &d.key else { continue };
            let file = report.sources.get(d.primary.file).expect("file");
            let text = file.slice(d.primary.span).trim_matches(['"', '\'']);
            let last = key.rsplit('.').next().unwrap_or(key);
            let line_start = file.text()[..d.primary.span.start]
                .rfind('\n')
                .map_or(0, |i| i + 1);
            let line = &file.text()[line_start..];
            let line = line.split('\n').next().unwrap_or(line);
            // An environment variable's value sits on the line after its name
            // (`- name: SPRING_DATASOURCE_HIKARI_MAXLIFETIME` / `value: "10000"`).
            let previous = file.text()[..line_start.saturating_sub(1)]
                .rsplit('\n')
                .next()
                .unwrap_or("");
            let squash = |s: &str| -> String {
                s.chars()
                    .filter(char::is_ascii_alphanumeric)
                    .map(|c| c.to_ascii_lowercase())
                    .collect()
            };
            let names_key = line.contains(last)
                || line.contains(&key.replace('-', ""))
                || squash(previous).contains(&squash(key));
            assert!(
                names_key
                    || text.contains(last)
                    || key.contains(text)
                    || d.rule.contains("credentials"),
                "{name}: span `{text}` on line `{line}` is not about {key}"
            );
        }
    }
}
