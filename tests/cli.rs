//! The command-line contract: exit codes, machine output, `explain`, `rules`, errors.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)] // tests fail by panicking

use assert_cmd::Command;
use predicates::prelude::*;

mod common;
use common::{copy_tree, git, git_repo, poollint, tree, write_file};

const FAILING: &str = "tests/fixtures/rules/hikari-max-lifetime-below-minimum/fail";
const CLEAN: &str = "tests/fixtures/rules/hikari-max-lifetime-below-minimum/pass";

#[test]
fn exit_0_when_clean() {
    poollint()
        .args([
            "check",
            CLEAN,
            "--select",
            "hikari-max-lifetime-below-minimum",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("No problems found"));
}

#[test]
fn exit_1_when_an_error_is_found() {
    poollint()
        .args(["check", FAILING])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "hikari-max-lifetime-below-minimum",
        ));
}

/// A few named files are checked on the main thread alone, many on worker threads
/// (`cli::check_few_files_on_this_thread`): both give the same output.
#[test]
fn a_few_named_files_are_checked_as_on_worker_threads() {
    let dir = "tests/fixtures/rules/pgbouncer-client-cap-too-low/fail";
    let files = [
        "web/application.yml",
        "api/application.yml",
        "reports/application.yml",
        "bouncer/pgbouncer.ini",
        "api-bouncer/pgbouncer.ini",
        "reports-bouncer/pgbouncer.ini",
    ];
    let paths: Vec<String> = files.iter().map(|f| format!("{dir}/{f}")).collect();
    for format in ["human", "json"] {
        let run = |threads: Option<&str>| {
            let mut cmd = poollint();
            cmd.arg("check").args(&paths).args(["-f", format]);
            if let Some(threads) = threads {
                cmd.env("RAYON_NUM_THREADS", threads);
            }
            let output = cmd.output().unwrap();
            assert_eq!(output.status.code(), Some(1), "{format}");
            output.stdout
        };
        let one_thread = run(None);
        assert!(String::from_utf8_lossy(&one_thread).contains("pgbouncer-client-cap-too-low"));
        assert_eq!(one_thread, run(Some("2")), "{format}");
    }
}

#[test]
fn fail_on_decides_which_severities_fail() {
    let info_only = "tests/fixtures/rules/hikari-minimum-idle-set/fail";
    let select = ["--select", "hikari-minimum-idle-set"];
    poollint()
        .args(["check", info_only])
        .args(select)
        .assert()
        .code(0);
    poollint()
        .args(["check", info_only, "--fail-on", "info"])
        .args(select)
        .assert()
        .code(1);
    poollint()
        .args(["check", FAILING, "--fail-on", "never"])
        .assert()
        .code(0);
}

#[test]
fn exit_2_and_did_you_mean_for_an_unknown_rule() {
    poollint()
        .args([
            "check",
            CLEAN,
            "--select",
            "hikari-max-lifetime-below-minimun",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "did you mean `hikari-max-lifetime-below-minimum`",
        ));
    poollint()
        .args(["explain", "pool-size-invalidd"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean `pool-size-invalid`"));
}

#[test]
fn exit_2_for_usage_errors_and_missing_paths() {
    poollint()
        .args(["check", "--format", "xml"])
        .assert()
        .code(2);
    poollint()
        .args(["check", "does/not/exist"])
        .assert()
        .code(2);
    poollint().arg("frobnicate").assert().code(2);
}

#[test]
fn json_output_follows_the_contract() {
    let output = poollint()
        .args(["check", FAILING, "--format", "json"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("valid JSON");
    assert_eq!(json["tool"]["name"], "poollint");
    assert!(json["tool"]["version"].is_string());
    let diagnostic = &json["diagnostics"][0];
    for field in [
        "rule",
        "category",
        "severity",
        "message",
        "path",
        "fingerprint",
    ] {
        assert!(diagnostic[field].is_string(), "{field} in {diagnostic}");
    }
    for field in ["help", "key"] {
        assert!(
            diagnostic[field].is_string() || diagnostic[field].is_null(),
            "{field}"
        );
    }
    for field in ["start", "end"] {
        assert!(diagnostic["span"][field].is_u64());
        assert!(diagnostic[field]["line"].as_u64().is_some_and(|l| l >= 1));
        assert!(diagnostic[field]["column"].as_u64().is_some_and(|c| c >= 1));
    }
    assert!(diagnostic["labels"].is_array());
    // The fixture has a Spring file, a Kubernetes Deployment and a ConfigMap.
    assert_eq!(json["summary"]["files"], 3);
    assert!(json["summary"]["error"].as_u64().is_some_and(|e| e >= 1));
}

#[test]
fn several_formats_in_one_run_write_their_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let json = dir.path().join("out.json");
    poollint()
        .args(["check", FAILING, "-f", "concise", "-f"])
        .arg(format!("json={}", json.display()))
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "error[hikari-max-lifetime-below-minimum]",
        ));
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(json).expect("json file")).expect("json");
    assert!(written["diagnostics"]
        .as_array()
        .is_some_and(|d| !d.is_empty()));
}

#[test]
fn explain_prints_the_page_of_every_rule() {
    for rule in poollint::rules::registry() {
        let name = rule.meta().name;
        poollint()
            .args(["explain", name])
            .assert()
            .code(0)
            .stdout(predicate::str::starts_with(format!("# {name}\n")));
    }
}

#[test]
fn rules_lists_every_rule_in_text_and_json() {
    let text = poollint()
        .arg("rules")
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(text).expect("utf-8");
    // The columns line up: every category starts at the same column.
    let category_columns: std::collections::HashSet<usize> = text
        .lines()
        .filter_map(|line| {
            line.find(' ')
                .map(|end| end + line[end..].len() - line[end..].trim_start().len())
        })
        .collect();
    assert_eq!(category_columns.len(), 1, "{text}");
    let json = poollint()
        .args(["rules", "--format", "json"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&json).expect("json");
    for rule in poollint::rules::registry() {
        let meta = rule.meta();
        assert!(
            text.contains(meta.name),
            "{} missing from `poollint rules`",
            meta.name
        );
        assert!(json
            .as_array()
            .is_some_and(|a| a.iter().any(|r| r["name"] == meta.name)));
    }
}

#[test]
fn manifest_settings_change_levels_and_unknown_keys_fail_with_location() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("application.yml"),
        "spring.datasource.hikari.max-lifetime: 20000\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("poollint.toml"),
        "[lint]\n[lint.rules]\n\"hikari-max-lifetime-below-minimum\" = \"info\"\n\"hikari-minimum-idle-set\" = \"off\"\n",
    )
    .expect("write");
    poollint()
        .args(["check", "--format", "concise"])
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "info[hikari-max-lifetime-below-minimum]",
        ));
    std::fs::write(
        dir.path().join("poollint.toml"),
        "[lint]\nfail-onn = \"warning\"\n",
    )
    .expect("write");
    poollint()
        .arg("check")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("fail-onn")
                .and(predicate::str::contains("did you mean `fail-on`")),
        );
    // `warn` is no level (it was taken as `warning`, while `fail-on = "warn"` is
    // refused): the levels are the four README lists, in both forms.
    for rules in [
        "\"hikari-minimum-idle-set\" = \"warn\"",
        "\"hikari-minimum-idle-set\" = { level = \"warn\" }",
    ] {
        write_file(
            dir.path(),
            "poollint.toml",
            &format!("[lint.rules]\n{rules}\n"),
        );
        poollint()
            .arg("check")
            .arg(dir.path())
            .assert()
            .code(2)
            .stderr(
                predicate::str::contains("not `warn`")
                    .and(predicate::str::contains("did you mean `warning`")),
            );
    }
}

#[test]
fn secrets_never_reach_any_output() {
    let dir = "tests/fixtures/rules/plaintext-credentials-in-pool-config/fail";
    for format in ["human", "concise", "json"] {
        let out = poollint()
            .args(["check", dir, "--format", format])
            .assert()
            .code(0)
            .get_output()
            .clone();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        for secret in ["Hunter2-Fixture", "Url-S3cret", "Default-S3cret"] {
            assert!(!all.contains(secret), "{format} output leaks {secret}");
        }
        assert!(
            all.contains("plaintext-credentials-in-pool-config"),
            "{format}: finding missing"
        );
    }
}

#[test]
fn stdin_filename_checks_text_from_standard_input() {
    poollint()
        .args([
            "check",
            "--stdin-filename",
            "src/main/resources/application.yml",
            "--format",
            "concise",
        ])
        .write_stdin("spring.datasource.hikari.max-lifetime: 1000\n")
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "src/main/resources/application.yml:1:",
        ));
}

/// A `--stdin-filename` spelt through `..` is shown as the walk shows a path (concise
/// and json showed it as given, the other formats without the `..`).
#[test]
fn a_stdin_filename_through_parent_dirs_is_shown_without_them() {
    let dir = tree(&[]);
    for format in ["concise", "json", "human", "sarif"] {
        let out = poollint()
            .current_dir(dir.path())
            .args(["check", "-f", format, "--stdin-filename"])
            .arg("a/../a/application.yml")
            .write_stdin("spring.datasource.hikari.max-lifetime: 1000\n")
            .output()
            .expect("run");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{format}: {stdout}");
        assert!(stdout.contains("a/application.yml"), "{format}: {stdout}");
        assert!(!stdout.contains("a/../a"), "{format}: {stdout}");
        if format == "concise" {
            assert!(stdout.contains("in 1 file."), "{stdout}");
        }
    }
}

/// Paths given with `--stdin-filename` were ignored silently: a usage error now.
/// A file checked from standard input gets the findings it gets in a full run: the
/// manifest's deployment and other files are read for the topology (the editor showed
/// a fleet error at "1 instance (none declared)" that CI did not), and only its own
/// findings are shown.
#[test]
fn stdin_filename_reads_the_topology_the_manifest_names() {
    let fleet = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/fleet");
    let orders = "orders/src/main/resources/application.yml";
    let text = std::fs::read_to_string(format!("{fleet}/{orders}")).expect("read");
    let concise = |args: &[&str], stdin: &str| {
        let out = poollint()
            .current_dir(fleet)
            .args(["check", "-f", "concise"])
            .args(args)
            .write_stdin(stdin)
            .output()
            .expect("run");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.starts_with(orders))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let from_stdin = concise(&["--stdin-filename", orders], &text);
    let from_disk = concise(&["."], "");
    assert!(!from_disk.is_empty());
    assert_eq!(from_stdin, from_disk);
    assert!(
        from_stdin.iter().all(|l| !l.contains("none declared")),
        "{from_stdin:?}"
    );
    // The summary counts the one file checked, not the topology read beside it.
    poollint()
        .current_dir(fleet)
        .args(["check", "-f", "concise", "--stdin-filename", orders])
        .write_stdin(text)
        .assert()
        .stdout(predicate::str::contains("in 1 file."));
}

/// JUnit has one testcase per checked file: not the files read only for the topology
/// (beside `--stdin-filename`, or named by the manifest outside the paths), which were
/// listed as passing tests, one of them with an error of its own.
#[test]
fn junit_lists_only_the_files_checked() {
    let pool = "spring:\n  datasource:\n    url: jdbc:postgresql://db:5432/users?socketTimeout=30\n    hikari:\n      maximum-pool-size: 0\n";
    let dir = tree(&[
        (
            "poollint.toml",
            "[[database]]\nname = \"users\"\nengine = \"postgresql\"\nconfig = \"db/postgresql.conf\"\n\n[[service]]\nname = \"web\"\nconfig = [\"web/application.yml\"]\nconnects-to = \"users\"\n\n[[service]]\nname = \"o\"\nconfig = [\"other/application.yml\"]\nconnects-to = \"users\"\n",
        ),
        ("web/application.yml", pool),
        ("other/application.yml", pool),
        ("db/postgresql.conf", "max_connections = 200\n"),
    ]);
    let junit = |args: &[&str]| {
        let out = poollint()
            .current_dir(dir.path())
            .args(["check", "-f", "junit"])
            .args(args)
            .write_stdin(pool)
            .output()
            .expect("run");
        String::from_utf8(out.stdout).expect("UTF-8")
    };
    let from_stdin = junit(&["--stdin-filename", "web/application.yml"]);
    assert!(
        from_stdin.contains(r#"<testsuite name="poollint" tests="1" failures="1""#),
        "{from_stdin}"
    );
    let testcases: Vec<&str> = from_stdin
        .lines()
        .filter(|l| l.contains("<testcase "))
        .collect();
    assert_eq!(
        testcases,
        [r#"    <testcase classname="poollint" name="web/application.yml">"#]
    );
    let from_disk = junit(&["web"]);
    assert!(
        from_disk.contains(r#"name="web/application.yml""#),
        "{from_disk}"
    );
    for context in ["other/application.yml", "poollint.toml"] {
        assert!(!from_disk.contains(context), "{context}: {from_disk}");
    }
    // The summary counts the same files: `web` and the database's file, where a
    // topology finding is placed (it counted every file read, the manifest included).
    let testcases = from_disk.matches("<testcase ").count();
    let json = poollint()
        .current_dir(dir.path())
        .args(["check", "-f", "json", "web"])
        .output()
        .expect("run");
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(json["summary"]["files"], testcases, "{from_disk}");
}

/// A path that cannot be read is named on stderr with its control characters escaped:
/// a line break in it started a line of its own, which a CI log runs as a command.
#[test]
fn a_run_error_on_stderr_escapes_the_control_characters_of_its_path() {
    let out = poollint()
        .args(["check", CLEAN, "nope\n::warning::x\u{1b}[31m", "-f", "json"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).expect("UTF-8");
    assert!(
        stderr.contains("poollint: error: cannot read nope\\u{a}::warning::x\\u{1b}[31m"),
        "{stderr}"
    );
    assert!(
        !stderr.lines().any(|l| l.starts_with("::")) && !stderr.contains('\u{1b}'),
        "{stderr}"
    );
}

/// Under GitHub Actions, `-f github` on standard error annotates too (the runner reads
/// workflow commands there): the human format adds none of its own (each finding was
/// annotated twice).
#[test]
fn github_annotations_on_stderr_are_not_doubled_by_the_human_format() {
    let annotations = |formats: &[&str]| {
        let out = poollint()
            .args(["check", "examples/fleet"])
            .args(formats.iter().flat_map(|f| ["-f", *f]))
            .env("GITHUB_ACTIONS", "true")
            .output()
            .expect("run");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        text.lines().filter(|l| l.starts_with("::")).count()
    };
    let once = annotations(&["github"]);
    assert!(once > 0);
    assert_eq!(annotations(&["human", "github=/dev/stderr"]), once);
}

/// A `poollint.toml` that cannot be used is annotated on its line in a pull request:
/// `github` names its file, line and column, and SARIF gives its notification the
/// place (both said only `poollint.toml:2:11: …` in the message, so GitHub placed
/// nothing on the file).
#[test]
fn a_manifest_error_is_placed_in_github_and_sarif() {
    let repo = git_repo(&[
        (
            "application.yml",
            "spring.datasource.hikari.max-lifetime: 20000\n",
        ),
        ("poollint.toml", "[lint]\nfail-on = \"x\"\n"),
    ]);
    let check = |format: &str| {
        let out = poollint()
            .args(["check", "-f", format, "."])
            .current_dir(repo.path())
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let github = check("github");
    assert!(
        github.starts_with("::error file=poollint.toml,line=2,endLine=2,col=11,endColumn=14,title=poollint::poollint.toml:2:11: "),
        "{github}"
    );
    let sarif: serde_json::Value = serde_json::from_str(&check("sarif")).expect("SARIF");
    let notification = &sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"][0];
    let location = &notification["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "poollint.toml");
    assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(location["region"]["startLine"], 2);
    assert_eq!(location["region"]["startColumn"], 11);
}

/// Under GitHub Actions the human format annotates run errors too, first: the reason
/// for exit 2 reaches the pull request (the bundled action runs the human format).
#[test]
fn github_actions_annotates_run_errors_in_the_human_format() {
    let out = poollint()
        .args(["check", FAILING, "does/not/exist"])
        .env("GITHUB_ACTIONS", "true")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let annotation = |l: &&str| {
        ["::error", "::warning", "::notice"]
            .iter()
            .any(|c| l.starts_with(c))
    };
    let annotations: Vec<&str> = stdout.lines().filter(annotation).collect();
    assert!(
        annotations[0].starts_with("::error title=poollint::cannot read does/not/exist"),
        "{stdout}"
    );
    assert!(annotations.len() > 1, "{stdout}");
}

#[test]
fn stdin_filename_with_paths_is_a_usage_error() {
    poollint()
        .args(["check", "--stdin-filename", "x/application.yml", FAILING])
        .write_stdin("spring.datasource.hikari.max-lifetime: 1000\n")
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("--stdin-filename"))
        .stderr(predicate::str::contains("cannot be used with"));
}

/// `-` as the path stands for standard input, as in ruff (`--stdin-filename NAME -`
/// was a usage error); without `--stdin-filename` it is a usage error that says how to
/// name the text, and `./-` is a file of that name.
#[test]
fn a_dash_stands_for_standard_input() {
    let text = "spring.datasource.hikari.max-lifetime: 1000\n";
    let concise = |extra: &[&str]| {
        let out = poollint()
            .args([
                "check",
                "-f",
                "concise",
                "--stdin-filename",
                "x/application.yml",
            ])
            .args(extra)
            .write_stdin(text)
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let with_dash = concise(&["-"]);
    assert!(with_dash.contains("x/application.yml:1:"), "{with_dash}");
    assert_eq!(with_dash, concise(&[]));
    poollint()
        .args(["check", "-"])
        .write_stdin(text)
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("needs --stdin-filename NAME"));
    poollint()
        .args([
            "check",
            "--stdin-filename",
            "x/application.yml",
            "-",
            FAILING,
        ])
        .write_stdin(text)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot be used with"));
    let dir = tempfile::tempdir().expect("tempdir");
    poollint()
        .current_dir(dir.path())
        .args(["check", "./-"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read ./-"));
}

/// A `.properties` text on standard input that is not UTF-8 is read as ISO-8859-1, as a
/// file on disk is (it was refused: "stream did not contain valid UTF-8", exit 2);
/// another format's is a `parse-error` at the invalid byte, as on disk.
#[test]
fn stdin_properties_may_be_latin1() {
    let text = b"# caf\xe9\nspring.datasource.hikari.max-lifetime=10000\n".to_vec();
    poollint()
        .args(["check", "--stdin-filename", "application.properties"])
        .args(["--format", "concise"])
        .write_stdin(text.clone())
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "application.properties:2:39: error[hikari-max-lifetime-below-minimum]",
        ));
    poollint()
        .args(["check", "--stdin-filename", "application.yml"])
        .args(["--format", "concise"])
        .write_stdin(text)
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "application.yml:1:6: error[parse-error] file is not valid UTF-8",
        ));
}

/// Standard input is read as the same file on disk is: text that is not UTF-8 (or is
/// UTF-16) is a `parse-error` at its place, in a whole machine document (it was exit 2
/// with an empty stdout), and `--max-file-size` refuses a larger text (it was read
/// and checked whatever its size).
#[test]
fn stdin_is_decoded_and_bounded_as_the_file_on_disk() {
    let invalid = b"spring:\n  datasource:\n    hikari:\n      maximum-pool-size: 0 \xff\n";
    let utf16 = b"\xff\xfes\x00p\x00";
    let pool = b"spring:\n  datasource:\n    hikari:\n      maximum-pool-size: 0\n";
    for (bytes, extra, said) in [
        (
            &invalid[..],
            None,
            "4:28: error[parse-error] file is not valid UTF-8",
        ),
        (
            &utf16[..],
            None,
            "1:1: error[parse-error] file is UTF-16 encoded",
        ),
        (&pool[..], Some("10"), "1:1: error[parse-error] file is"),
    ] {
        let dir = tree(&[("x/application.yml", "")]);
        std::fs::write(dir.path().join("x/application.yml"), bytes).expect("write");
        let limit = extra
            .map(|bytes| vec!["--max-file-size", bytes])
            .unwrap_or_default();
        let on_disk = poollint()
            .current_dir(dir.path())
            .args(["check", "x/application.yml", "-f", "concise"])
            .args(&limit)
            .assert()
            .code(1);
        let on_disk = String::from_utf8_lossy(&on_disk.get_output().stdout).into_owned();
        assert!(on_disk.contains(said), "{on_disk}");
        let from_stdin = poollint()
            .current_dir(dir.path())
            .args([
                "check",
                "--stdin-filename",
                "x/application.yml",
                "-f",
                "json",
            ])
            .args(&limit)
            .write_stdin(bytes)
            .assert()
            .code(1);
        let json: serde_json::Value =
            serde_json::from_slice(&from_stdin.get_output().stdout).expect("a JSON document");
        let finding = &json["diagnostics"][0];
        assert_eq!(finding["rule"], "parse-error", "{json}");
        let at = format!(
            "{}:{}",
            finding["start"]["line"], finding["start"]["column"]
        );
        assert!(said.starts_with(&at), "{said} / {json}");
    }
}

/// A config with one finding suppressed on its line and one stale suppression.
fn suppressed_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("application.yml"),
        "spring:\n  datasource:\n    url: jdbc:postgresql://db:5432/app?socketTimeout=30\n    hikari:\n      max-lifetime: 10000 # poollint: ignore[hikari-max-lifetime-below-minimum] -- test\n      # poollint: ignore[pool-size-invalid]\n      maximum-pool-size: 10\n",
    )
    .expect("write config");
    dir
}

#[test]
fn inline_suppressions_hide_findings_and_report_stale_ones() {
    let dir = suppressed_tree();
    poollint()
        .args(["check", "-f", "concise"])
        .arg(dir.path())
        .args([
            "--select",
            "hikari-max-lifetime-below-minimum,pool-size-invalid,unused-suppression",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "warning[unused-suppression] this suppression of pool-size-invalid matches no finding",
        ))
        .stdout(predicate::str::contains("error[hikari-max-lifetime-below-minimum]").not());
}

#[test]
fn no_inline_suppressions_reports_everything() {
    let dir = suppressed_tree();
    poollint()
        .args(["check", "-f", "concise", "--no-inline-suppressions"])
        .arg(dir.path())
        .args([
            "--select",
            "hikari-max-lifetime-below-minimum,pool-size-invalid,unused-suppression",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "error[hikari-max-lifetime-below-minimum]",
        ))
        .stdout(predicate::str::contains("unused-suppression").not());
}

/// `capacity` shows manifest names with their control characters escaped, as `check`
/// does: the text wrote them raw (a line break split the table, an ESC drove the
/// terminal) and the SVG, holding C0 controls XML forbids, did not parse.
#[test]
fn capacity_escapes_the_control_characters_of_names() {
    let database = r#"u<&>\u0001\"x]]>"#;
    let service = r#"w<b>&\u0007\u001b[31m\n::error::x"#;
    let manifest = format!(
        "[[database]]\nname = \"{database}\"\nengine = \"postgresql\"\nconfig = \"db/postgresql.conf\"\ncores = 2\n\n[[service]]\nname = \"{service}\"\nconfig = [\"web/application.yml\"]\ninstances = 3\nconnects-to = \"{database}\"\n[service.load]\npeak-rps = 800\nhold-time = \"15ms\"\nrequest-timeout = \"2s\"\n"
    );
    let dir = tree(&[
        ("poollint.toml", &manifest),
        (
            "web/application.yml",
            "spring:\n  datasource:\n    url: jdbc:postgresql://db:5432/users?socketTimeout=30\n    hikari:\n      maximum-pool-size: 4\n",
        ),
        ("db/postgresql.conf", "max_connections = 10\n"),
    ]);
    let capacity = |format: &str| {
        let out = poollint()
            .current_dir(dir.path())
            .args(["capacity", ".", "--format", format])
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        String::from_utf8(out.stdout).expect("UTF-8")
    };
    let text = capacity("text");
    assert!(
        text.contains(r"w<b>&\u{7}\u{1b}[31m\u{a}::error::x  spring.datasource.hikari"),
        "{text}"
    );
    assert!(text.contains(r#"u<&>\u{1}"x]]>"#), "{text}");
    assert!(!text.lines().any(|l| l.starts_with("::")), "{text}");
    let svg = capacity("svg");
    assert!(svg.contains(r"\u{7}\u{1b}[31m\u{a}::error::x"), "{svg}");
    let forbidden = |c: char| c < ' ' && !matches!(c, '\t' | '\n' | '\r');
    assert!(!svg.contains(forbidden), "{svg}");
}

#[test]
fn capacity_reports_load_and_slots() {
    poollint()
        .args([
            "capacity",
            "tests/fixtures/rules/pool-wait-probability-exceeds-slo/fail",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("orders"))
        .stdout(predicate::str::contains("90.91%"));
    let output = poollint()
        .args([
            "capacity",
            "tests/fixtures/rules/fleet-exceeds-db-slots/fail",
            "--format",
            "json",
        ])
        .output()
        .expect("run");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(json["databases"][0]["usable_slots"], 97);
    assert_eq!(json["databases"][0]["demand_steady"], 100);
    // A pool without a maximum: the demand has no bound (null), and the pool is named.
    let rails = json["databases"]
        .as_array()
        .expect("databases")
        .iter()
        .find(|d| d["database"] == "rails")
        .expect("rails row");
    assert!(rails["demand_steady"].is_null() && rails["demand_peak"].is_null());
    assert_eq!(rails["unbounded_pools"][0], "rails-web/production");
    // PgBouncer's reserve pools count: 2 instances × (40 + 30).
    let output = poollint()
        .args([
            "capacity",
            "tests/fixtures/rules/pgbouncer-server-conns-exceed-postgres/fail",
            "--format",
            "json",
        ])
        .output()
        .expect("run");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let accounts = json["databases"]
        .as_array()
        .expect("databases")
        .iter()
        .find(|d| d["database"] == "accounts")
        .expect("accounts row");
    assert_eq!(accounts["demand_steady"], 140);
    // A database behind PgBouncer: the poolers' server connections, as `check` counts
    // them (2 instances × 60 > 97).
    poollint()
        .args(["capacity", "examples/fleet"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("orders-db  97            120"));
    // A topology inferred without a manifest (a compose database next to the
    // application): the same fleet the rules check.
    poollint()
        .args(["capacity", "tests/fixtures/compose-inferred"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("db        77            90"));
    // A path that cannot be read fails the run, as in `check`.
    poollint()
        .args(["capacity", "no/such/dir"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read no/such/dir"));
}

/// With a database and a service declared, an empty report says what is missing: the
/// service's pool is one poollint does not model (Tomcat JDBC), not the topology.
#[test]
fn capacity_names_the_service_without_a_modelled_pool() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_file(
        dir.path(),
        "svc/application.yml",
        "spring:\n  datasource:\n    type: org.apache.tomcat.jdbc.pool.DataSource\n    \
         url: jdbc:postgresql://db/app\n    tomcat:\n      max-active: 80\n",
    );
    write_file(
        dir.path(),
        "poollint.toml",
        "[[database]]\nname = \"pg\"\nengine = \"postgresql\"\nmax-connections = 100\n\n\
         [[service]]\nname = \"api\"\nconfig = [\"svc/application.yml\"]\ninstances = 2\n\
         connects-to = \"pg\"\n",
    );
    poollint()
        .current_dir(dir.path())
        .args(["capacity", "."])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with(
            "Nothing to count: service `api` has no pool poollint models: its config files configure no HikariCP,",
        ))
        .stdout(predicate::str::contains("No declared load or database topology").not());
}

/// Without a manifest databases are named after their directory: a name is listed once,
/// and a long list stops at 8 names (every database of a monorepo was listed, `db`
/// once per `db/postgresql.conf`).
#[test]
fn capacity_lists_unlinked_databases_once_and_briefly() {
    let capacity = |dirs: &[String]| {
        let dir = tempfile::tempdir().expect("tempdir");
        for d in dirs {
            write_file(
                dir.path(),
                &format!("{d}/postgresql.conf"),
                "max_connections = 50\n",
            );
        }
        let output = poollint()
            .current_dir(dir.path())
            .args(["capacity", "."])
            .assert()
            .code(0)
            .get_output()
            .stdout
            .clone();
        String::from_utf8(output).expect("UTF-8")
    };
    // Three databases named `db` and one `pg`: each name once, all shown.
    let named: Vec<String> = ["s0/db", "s1/db", "s2/db", "t/pg"].map(String::from).into();
    let text = capacity(&named);
    assert!(
        text.starts_with("Nothing to count against databases "),
        "{text}"
    );
    assert_eq!(text.matches("`db`").count(), 1, "{text}");
    assert!(text.contains("`pg`") && !text.contains(" more:"), "{text}");
    // 11 names: 8 shown.
    let many: Vec<String> = (0..11).map(|i| format!("d{i}")).collect();
    let text = capacity(&many);
    assert!(text.contains(" and 3 more: no service"), "{text}");
}

/// A service whose profiles each set a pool gets a row per profile, each saying which:
/// two rows both called `spring.datasource.hikari` could not be told apart.
#[test]
fn capacity_names_the_profile_of_each_pool_row() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_file(
        dir.path(),
        "src/main/resources/application.yml",
        "spring:\n  datasource:\n    hikari:\n      maximum-pool-size: 10\n---\n\
         spring:\n  config:\n    activate:\n      on-profile: prod\n  datasource:\n    \
         hikari:\n      maximum-pool-size: 40\n",
    );
    write_file(
        dir.path(),
        "poollint.toml",
        "[[service]]\nname = \"api\"\nconfig = [\"src/main/resources/application.yml\"]\n\
         instances = 4\n\n[service.load]\npeak-rps = 1000\nhold-time = \"20ms\"\n",
    );
    poollint()
        .current_dir(dir.path())
        .args(["capacity", "."])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "api      spring.datasource.hikari         10",
        ))
        .stdout(predicate::str::contains(
            "api      spring.datasource.hikari [prod]  40",
        ));
    let output = poollint()
        .current_dir(dir.path())
        .args(["capacity", ".", "--format", "json"])
        .output()
        .expect("run");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let profiles: Vec<&serde_json::Value> = json["pools"]
        .as_array()
        .expect("pools")
        .iter()
        .map(|p| &p["profile"])
        .collect();
    assert_eq!(
        profiles,
        [&serde_json::Value::Null, &serde_json::json!("prod")]
    );
}

/// The help lines of the sizing rules in `dir`, and capacity's smallest passing pool.
fn sizing_numbers(dir: &std::path::Path) -> (Vec<String>, serde_json::Value) {
    let output = poollint()
        .args(["check", "--format", "json"])
        .arg(dir)
        .output()
        .expect("run");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let helps = json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| {
            d["rule"] == "pool-saturated-by-declared-load"
                || d["rule"] == "pool-wait-probability-exceeds-slo"
        })
        .map(|d| d["help"].as_str().unwrap_or_default().to_owned())
        .collect();
    let output = poollint()
        .args(["capacity", "--format", "json"])
        .arg(dir)
        .output()
        .expect("run");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    (helps, json["pools"][0]["smallest_passing_pool"].clone())
}

#[test]
fn sizing_help_and_capacity_name_the_smallest_pool_passing_both_rules() {
    let pool = |max: u32, timeout: u32| {
        format!(
            "spring:\n  datasource:\n    hikari:\n      maximum-pool-size: {max}\n      connection-timeout: {timeout}\n"
        )
    };
    let manifest = |rules: &str, instances: u32, rps: u32, hold: &str| {
        format!(
            "{rules}[[database]]\nname = \"users\"\nmax-connections = 500\n\
             [[service]]\nname = \"auth\"\nconfig = \"auth/application.yml\"\ninstances = {instances}\nconnects-to = \"users\"\n\
             [service.load]\npeak-rps = {rps}\nhold-time = \"{hold}\"\n"
        )
    };
    // A = 6.25 on a pool of 7 (89 %): 7 meets the wait target but not 85 %; 8 meets both.
    let dir = tempfile::tempdir().expect("tempdir");
    write_file(dir.path(), "poollint.toml", &manifest("", 4, 1000, "25ms"));
    write_file(dir.path(), "auth/application.yml", &pool(7, 1000));
    let (helps, needs) = sizing_numbers(dir.path());
    assert_eq!(needs, 8);
    assert_eq!(helps.len(), 1, "{helps:?}");
    assert!(helps[0].contains("at least 8 "), "{helps:?}");
    // The manifest's warn-utilization 0.7 moves it for the rule and capacity alike.
    let rules = "[lint.rules]\n\"pool-saturated-by-declared-load\" = { warn-utilization = 0.7 }\n";
    write_file(
        dir.path(),
        "poollint.toml",
        &manifest(rules, 4, 1000, "25ms"),
    );
    let (helps, needs) = sizing_numbers(dir.path());
    assert_eq!(needs, 9);
    assert_eq!(helps.len(), 1, "{helps:?}");
    assert!(helps.iter().all(|h| h.contains("at least 9 ")), "{helps:?}");
    // A = 8.5 held 1 s, acquire timeout 250 ms: 10 meets 85 % but P(wait > 250 ms) needs
    // 17; a pool of 9 trips both rules, and both name 17.
    let dir = tempfile::tempdir().expect("tempdir");
    write_file(dir.path(), "poollint.toml", &manifest("", 2, 17, "1s"));
    write_file(dir.path(), "auth/application.yml", &pool(9, 250));
    let (helps, needs) = sizing_numbers(dir.path());
    assert_eq!(needs, 17);
    assert_eq!(helps.len(), 2, "{helps:?}");
    assert!(
        helps.iter().all(|h| h.contains("at least 17 ")),
        "{helps:?}"
    );
}

/// The rules and capacity findings of one tree, as JSON.
fn check_and_capacity_json(dir: &std::path::Path) -> (i32, serde_json::Value, serde_json::Value) {
    let output = poollint()
        .args(["check", "--format", "json"])
        .arg(dir)
        .output()
        .expect("run");
    let check: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let code = output.status.code().expect("exit code");
    let output = poollint()
        .args(["capacity", "--format", "json"])
        .arg(dir)
        .output()
        .expect("run");
    let capacity: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    (code, check, capacity)
}

fn findings_of<'a>(check: &'a serde_json::Value, rule: &str) -> Vec<&'a serde_json::Value> {
    check["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["rule"] == rule)
        .collect()
}

#[test]
fn a_declared_load_exactly_at_a_bound_is_judged_at_the_bound_not_by_f64_rounding() {
    let pool = |max: u32| {
        format!(
            "spring:\n  datasource:\n    hikari:\n      maximum-pool-size: {max}\n      connection-timeout: 30000\n"
        )
    };
    let manifest = |instances: u32, rps: &str, hold: &str| {
        format!(
            "[[service]]\nname = \"reports\"\nconfig = \"app/application.yml\"\ninstances = {instances}\n\
             [service.load]\npeak-rps = {rps}\nhold-time = \"{hold}\"\n"
        )
    };
    let dir = tempfile::tempdir().expect("tempdir");
    // 70 req/s over 3 instances × 300 ms is exactly 7 busy connections (70 / 3 × 0.3 is
    // 6.999999999999999 in f64): a pool of 7 is at 100 %, an error, and not Erlang C's
    // finding; capacity shows load 7 and no mean wait. 110 / 3 × 300 ms = 11 likewise.
    for (instances, rps, hold, max) in [
        (3, "70", "300ms", 7),
        (3, "110", "300ms", 11),
        (6, "220", "300ms", 11),
    ] {
        write_file(dir.path(), "poollint.toml", &manifest(instances, rps, hold));
        write_file(dir.path(), "app/application.yml", &pool(max));
        let (code, check, capacity) = check_and_capacity_json(dir.path());
        let saturated = findings_of(&check, "pool-saturated-by-declared-load");
        assert_eq!(saturated.len(), 1, "{check}");
        assert_eq!(saturated[0]["severity"], "error", "{check}");
        assert!(
            findings_of(&check, "pool-wait-probability-exceeds-slo").is_empty(),
            "{check}"
        );
        assert_eq!(code, 1);
        let row = &capacity["pools"][0];
        assert_eq!(
            row["offered_load"],
            serde_json::json!(f64::from(max)),
            "{row}"
        );
        assert_eq!(row["utilisation"], serde_json::json!(1.0), "{row}");
        assert!(row["mean_wait_ms"].is_null(), "{row}");
    }
    // 51 req/s × 100 ms = 5.1 on a pool of 6 is exactly 85 %: no warning above 85 %, and
    // 6 is the smallest pool passing (51 × 0.1 is 5.1000000000000005 in f64).
    write_file(dir.path(), "poollint.toml", &manifest(1, "51", "100ms"));
    write_file(dir.path(), "app/application.yml", &pool(6));
    let (code, check, capacity) = check_and_capacity_json(dir.path());
    assert!(
        findings_of(&check, "pool-saturated-by-declared-load").is_empty(),
        "{check}"
    );
    assert_eq!(code, 0);
    assert_eq!(capacity["pools"][0]["smallest_passing_pool"], 6);
    // One connection more load is above 85 % and still warns, naming 7.
    write_file(dir.path(), "poollint.toml", &manifest(1, "52", "100ms"));
    let (_, check, capacity) = check_and_capacity_json(dir.path());
    let saturated = findings_of(&check, "pool-saturated-by-declared-load");
    assert_eq!(saturated.len(), 1, "{check}");
    assert_eq!(saturated[0]["severity"], "warning", "{check}");
    assert_eq!(capacity["pools"][0]["smallest_passing_pool"], 7);
}

#[test]
fn headroom_exactly_at_min_free_share_is_enough_and_the_help_names_the_exact_ceiling() {
    let dir = tempfile::tempdir().expect("tempdir");
    let manifest = |instances: u32| {
        format!(
            "[lint.rules]\n\"no-db-connection-headroom\" = {{ min-free-share = 0.3 }}\n\
             [[database]]\nname = \"db\"\nengine = \"postgresql\"\nmax-connections = 93\n\
             [[service]]\nname = \"app\"\nconfig = \"app/application.yml\"\ninstances = {instances}\nconnects-to = \"db\"\n"
        )
    };
    write_file(
        dir.path(),
        "app/application.yml",
        "spring:\n  datasource:\n    url: jdbc:postgresql://db:5432/app?socketTimeout=30\n    hikari:\n      maximum-pool-size: 9\n",
    );
    // 63 of 90 usable leaves 27 free, exactly 30 %: nothing to report.
    write_file(dir.path(), "poollint.toml", &manifest(7));
    let (_, check, _) = check_and_capacity_json(dir.path());
    assert!(
        findings_of(&check, "no-db-connection-headroom").is_empty(),
        "{check}"
    );
    // 72 leaves 18: the help keeps demand at or below 0.7 × 90 = 63, not 62.
    write_file(dir.path(), "poollint.toml", &manifest(8));
    let (_, check, _) = check_and_capacity_json(dir.path());
    let headroom = findings_of(&check, "no-db-connection-headroom");
    assert_eq!(headroom.len(), 1, "{check}");
    let help = headroom[0]["help"].as_str().expect("help");
    assert!(help.contains("at or below 63 connections"), "{help}");
}

#[test]
fn a_declared_database_wins_its_name_over_a_config_no_table_names() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write_file(
        root,
        "poollint.toml",
        "[[database]]\nname = \"db\"\nengine = \"postgresql\"\n\
         [[service]]\nname = \"app\"\nconfig = [\"app/application.yml\"]\ninstances = 5\nconnects-to = \"db\"\n",
    );
    write_file(
        root,
        "app/application.yml",
        "spring:\n  datasource:\n    url: jdbc:postgresql://db:5432/app?socketTimeout=30\n    hikari:\n      maximum-pool-size: 9\n",
    );
    // Named by no table, in a directory called like the declared database.
    write_file(
        root,
        "db/postgresql.conf",
        "max_connections = 50\nsuperuser_reserved_connections = 5\nreserved_connections = 2\n",
    );
    let (_, check, capacity) = check_and_capacity_json(root);
    // The declared database has PostgreSQL's defaults, 100 − 3 = 97 slots: 45 fit.
    assert!(
        findings_of(&check, "fleet-exceeds-db-slots").is_empty(),
        "{check}"
    );
    let databases = capacity["databases"].as_array().expect("databases");
    let named_db: Vec<_> = databases.iter().filter(|d| d["database"] == "db").collect();
    assert_eq!(named_db.len(), 1, "{capacity}");
    assert_eq!(named_db[0]["usable_slots"], 97, "{capacity}");
    assert_eq!(named_db[0]["demand_peak"], 45, "{capacity}");
}

#[test]
fn headroom_counts_pgbouncer_server_connections_as_capacity_does() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let manifest = |direct: &str| {
        format!(
            "[[database]]\nname = \"db\"\nengine = \"postgresql\"\nmax-connections = 100\n\
             [[pooler]]\nname = \"bouncer\"\nkind = \"pgbouncer\"\nconfig = \"bouncer/pgbouncer.ini\"\ninstances = 2\nconnects-to = \"db\"\n\
             [[service]]\nname = \"app\"\nconfig = [\"app/application.yml\"]\ninstances = 3\nconnects-to = \"bouncer\"\n{direct}"
        )
    };
    let ini = |max_db: u32| {
        format!(
            "[databases]\napp = host=db dbname=app pool_size=30\n\n[pgbouncer]\nlisten_port = 6432\n\
             max_db_connections = {max_db}\npool_mode = transaction\nreserve_pool_size = 5\n\
             max_client_conn = 1000\ndefault_pool_size = 20\nauth_type = scram-sha-256\n"
        )
    };
    write_file(
        root,
        "app/application.yml",
        "spring:\n  datasource:\n    url: jdbc:postgresql://bouncer:6432/app?socketTimeout=30\n    hikari:\n      maximum-pool-size: 10\n",
    );
    // 2 PgBouncers × max_db_connections 48 = 96 of 97 usable slots: capacity's peak, and
    // the rule's.
    write_file(root, "poollint.toml", &manifest(""));
    write_file(root, "bouncer/pgbouncer.ini", &ini(48));
    let (_, check, capacity) = check_and_capacity_json(root);
    assert_eq!(capacity["databases"][0]["demand_peak"], 96, "{capacity}");
    let headroom = findings_of(&check, "no-db-connection-headroom");
    assert_eq!(headroom.len(), 1, "{check}");
    let message = headroom[0]["message"].as_str().expect("message");
    assert!(message.contains("96 of the 97 connections"), "{message}");
    assert!(
        message.contains("PgBouncer bouncer 2 instances"),
        "{message}"
    );
    assert!(
        headroom[0]["help"]
            .as_str()
            .is_some_and(|h| h.contains("at or below 87 connections")),
        "{check}"
    );
    // 2 × 33 through the pooler and 30 direct: 96 again.
    write_file(
        root,
        "poollint.toml",
        &manifest(
            "[[service]]\nname = \"batch\"\nconfig = [\"batch/application.yml\"]\ninstances = 3\nconnects-to = \"db\"\n",
        ),
    );
    write_file(
        root,
        "batch/application.yml",
        "spring:\n  datasource:\n    url: jdbc:postgresql://db:5432/app?socketTimeout=30\n    hikari:\n      maximum-pool-size: 10\n",
    );
    write_file(root, "bouncer/pgbouncer.ini", &ini(33));
    let (_, check, capacity) = check_and_capacity_json(root);
    assert_eq!(capacity["databases"][0]["demand_peak"], 96, "{capacity}");
    let headroom = findings_of(&check, "no-db-connection-headroom");
    assert_eq!(headroom.len(), 1, "{check}");
    let message = headroom[0]["message"].as_str().expect("message");
    assert!(message.contains("96 of the 97 connections"), "{message}");
    // 2 × 20 + 30 = 70: room enough.
    write_file(root, "bouncer/pgbouncer.ini", &ini(20));
    let (_, check, _) = check_and_capacity_json(root);
    assert!(
        findings_of(&check, "no-db-connection-headroom").is_empty(),
        "{check}"
    );
}

#[test]
fn a_manifest_baseline_that_does_not_exist_stops_only_that_manifests_files() {
    let pool = "spring:\n  datasource:\n    url: jdbc:postgresql://db:5432/app?socketTimeout=30\n    hikari:\n      maximum-pool-size: 10\n";
    let dir = tree(&[
        (
            "teamA/poollint.toml",
            "[[database]]\nname = \"db\"\nengine = \"postgresql\"\nmax-connections = 20\n\
             [[service]]\nname = \"app\"\nconfig = [\"app/application.yml\"]\ninstances = 3\nconnects-to = \"db\"\n",
        ),
        ("teamA/app/application.yml", pool),
        ("teamB/poollint.toml", "[lint]\nbaseline = \"nope.json\"\n"),
        ("teamB/app/application.yml", pool),
    ]);
    // teamA's findings are reported; teamB's manifest is an error at its baseline.
    poollint()
        .args(["check", "-f", "concise"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stdout(predicate::str::contains("error[fleet-exceeds-db-slots]"))
        .stderr(predicate::str::contains(
            "baseline `nope.json` does not exist",
        ))
        .stderr(predicate::str::contains("poollint.toml:2:12"))
        .stderr(predicate::str::contains(
            "not checked: its poollint.toml cannot be used",
        ))
        .stderr(predicate::str::contains("cannot read baseline").not());
    // From teamB itself, the same error, with its location.
    let team_b = dir.path().join("teamB");
    poollint()
        .current_dir(&team_b)
        .args(["check", "."])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "baseline `nope.json` does not exist",
        ))
        .stderr(predicate::str::contains("poollint.toml:2:12"));
    // --write-baseline creates it (no error), and then it applies.
    poollint()
        .current_dir(&team_b)
        .args(["check", ".", "--write-baseline", "nope.json"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("does not exist").not());
    poollint()
        .current_dir(&team_b)
        .args(["check", "."])
        .assert()
        .code(0);
}

/// A manifest `baseline` that exists but is not a baseline poollint reads is an error at
/// the manifest's value, like one that does not exist: the other team's files are
/// still checked.
#[test]
fn a_manifest_baseline_that_is_not_a_baseline_stops_only_that_manifests_files() {
    let pool = "spring:\n  datasource:\n    url: jdbc:postgresql://db:5432/app?socketTimeout=30\n    hikari:\n      maximum-pool-size: 10\n      max-lifetime: 10000\n";
    let dir = tree(&[
        ("teamA/app/application.yml", pool),
        ("teamB/poollint.toml", "[lint]\nbaseline = \"bl.json\"\n"),
        ("teamB/bl.json", "{\"version\": 1, \"entries\": 3}"),
        ("teamB/app/application.yml", pool),
    ]);
    poollint()
        .args(["check", "-f", "concise"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stdout(predicate::str::contains("teamA/app/application.yml"))
        .stdout(predicate::str::contains("teamB/app").not())
        .stderr(predicate::str::contains(
            "baseline `bl.json` cannot be used:",
        ))
        .stderr(predicate::str::contains("expected a sequence"))
        .stderr(predicate::str::contains("poollint.toml:2:12"))
        .stderr(predicate::str::contains(
            "not checked: its poollint.toml cannot be used",
        ));
}

/// An application inferred from files no table takes, whose directory has the name of
/// a declared service, is named by its file in fleet messages: two services of one
/// name could not be told apart.
#[test]
fn an_inferred_application_named_like_a_declared_service_is_named_by_its_file() {
    let pool = "spring:\n  datasource:\n    url: jdbc:postgresql://db:5432/app?socketTimeout=30\n    hikari:\n      maximum-pool-size: 10\n";
    let dir = tree(&[
        (
            "poollint.toml",
            "[[database]]\nname = \"db\"\nmax-connections = 20\n\
             [[service]]\nname = \"app\"\nconfig = [\"svc/application.yml\"]\ninstances = 2\nconnects-to = \"db\"\n",
        ),
        ("svc/application.yml", pool),
        ("app/application.yml", pool),
    ]);
    poollint()
        .current_dir(dir.path())
        .args(["check", ".", "-f", "concise"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "demand 30 = app/application.yml 1 instance",
        ))
        .stdout(predicate::str::contains(
            "+ app 2 instances (poollint.toml:7)",
        ));
}

/// A file a manifest names that its reader would skip for its text (Rails reads
/// database.yml only under config/; a .yml is Kubernetes or compose only by its text)
/// is a configuration error at the manifest's value, as a file of no known kind is.
#[test]
fn a_config_whose_text_its_reader_refuses_is_an_error_at_the_manifest() {
    let dir = tree(&[
        (
            "poollint.toml",
            "[[service]]\nname = \"web\"\nconfig = [\"web/database.yml\"]\ninstances = 2\n",
        ),
        (
            "web/database.yml",
            "production:\n  adapter: postgresql\n  pool: 0\n",
        ),
    ]);
    let run = || {
        poollint()
            .current_dir(dir.path())
            .args(["check", "."])
            .assert()
    };
    run().code(2).stderr(predicate::str::contains(
        "config `web/database.yml` is no file poollint reads: Rails reads it",
    ));
    write_file(
        dir.path(),
        "poollint.toml",
        "[[service]]\nname = \"web\"\ndeployment = \"k8s/web.yaml\"\n",
    );
    write_file(
        dir.path(),
        "k8s/web.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: {{ .Values.replicas }}\n",
    );
    run().code(2).stderr(predicate::str::contains(
        "deployment `k8s/web.yaml` is no file poollint reads: a file of this name",
    ));
}

/// `svc/.` and `svc//` name `svc`: an anchored `--exclude svc/legacy` still applies, and
/// paths are shown without the `.` (they were checked and shown as `svc/./legacy/…`).
#[test]
fn dot_and_doubled_separators_in_a_path_are_the_same_path() {
    let dir = tree(&[(
        "svc/legacy/application.yml",
        "spring:\n  datasource:\n    hikari:\n      maximum-pool-size: 0\n",
    )]);
    for path in ["svc", "svc/.", "svc//", "./svc/./"] {
        poollint()
            .current_dir(dir.path())
            .args(["check", path, "--exclude", "svc/legacy"])
            .assert()
            .code(0);
        poollint()
            .current_dir(dir.path())
            .args(["check", path, "-f", "concise"])
            .assert()
            .code(1)
            .stdout(predicate::str::starts_with(
                "svc/legacy/application.yml:4:26",
            ));
    }
}

/// `--stdin-filename` with `--diff-base` finds the repository from the file's name, as
/// a check of the file on disk does, not from the current directory.
#[test]
fn stdin_diff_base_finds_the_repository_of_the_file() {
    let pool = "spring:\n  datasource:\n    hikari:\n      maximum-pool-size: 0\n";
    let outer = tempfile::tempdir().expect("tempdir");
    let repo = git_repo(&[("app/application.yml", pool)]);
    let inner = outer.path().join("inner");
    std::fs::rename(repo.path(), &inner).expect("move the repository");
    poollint()
        .current_dir(outer.path())
        .args(["check", "--diff-base", "HEAD"])
        .args(["--stdin-filename", "inner/app/application.yml"])
        .write_stdin(pool)
        .assert()
        .code(0)
        .stderr(predicate::str::contains("needs a git repository").not());
    poollint()
        .current_dir(outer.path())
        .args(["check", "--diff-base", "HEAD", "-f", "concise"])
        .args(["--stdin-filename", "inner/app/application.yml"])
        .write_stdin(pool.replace("0", "-1"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("error[pool-size-invalid]"));
}

/// A file named on its own (a pre-commit hook names the changed files) is checked with
/// the other files of its application beside it, as in a check of the tree: a Rails
/// `database.yml` against its `puma.rb`, and a finding that points into the named
/// file (the threads of a changed `puma.rb`) is reported too. From inside `config/`,
/// `database.yml` is still Rails'.
#[test]
fn a_file_named_alone_is_checked_with_its_applications_other_files() {
    let dir = tree(&[
        (
            "app/config/database.yml",
            "production:\n  adapter: postgresql\n  pool: 5\n",
        ),
        ("app/config/puma.rb", "threads 10, 10\n"),
    ]);
    let finding = "error[pool-smaller-than-thread-concurrency]";
    for (cwd, path) in [
        ("", "app/config/database.yml"),
        ("", "app/config/puma.rb"),
        ("app/config", "database.yml"),
        ("app/config", "./puma.rb"),
        ("app/config", "."),
    ] {
        poollint()
            .current_dir(dir.path().join(cwd))
            .args(["check", "-f", "concise", path])
            .assert()
            .code(1)
            .stdout(predicate::str::contains(finding));
    }
    // A baseline of the tree: no entry is stale when one file is checked.
    poollint()
        .current_dir(dir.path())
        .args(["check", ".", "--write-baseline", "bl.json"])
        .assert()
        .code(1);
    poollint()
        .current_dir(dir.path())
        .args(["check", "app/config/puma.rb", "--baseline", "bl.json"])
        .assert()
        .code(0)
        .stderr(predicate::str::is_empty());
}

/// A tree named through a linked directory (`link -> real`), outside any repository:
/// the baseline written through one spelling matches through the other, in either
/// order of paths and on standard input, and fingerprints are the same.
#[cfg(unix)]
#[test]
fn a_tree_named_through_a_linked_directory_keeps_its_baseline() {
    let dir = tree(&[(
        "real/application.yml",
        "spring:\n  datasource:\n    hikari:\n      maximum-pool-size: 0\n",
    )]);
    std::os::unix::fs::symlink("real", dir.path().join("link")).expect("symlink");
    let run = |args: &[&str]| poollint().current_dir(dir.path()).args(args).assert();
    run(&["check", "real", "--write-baseline", "bl.json"]).code(1);
    for args in [
        &["check", "link", "--baseline", "bl.json"][..],
        &["check", "link", "real", "--baseline", "bl.json"],
        &["check", "link/application.yml", "--baseline", "bl.json"],
    ] {
        run(args).code(0).stderr(predicate::str::is_empty());
    }
    let text = std::fs::read_to_string(dir.path().join("real/application.yml")).expect("read");
    poollint()
        .current_dir(dir.path())
        .args([
            "check",
            "--stdin-filename",
            "link/application.yml",
            "--baseline",
            "bl.json",
        ])
        .write_stdin(text)
        .assert()
        .code(0);
    let fingerprint = |path: &str| {
        let out = run(&["check", path, "-f", "json"]).code(1);
        let json: serde_json::Value =
            serde_json::from_slice(&out.get_output().stdout).expect("json");
        json["diagnostics"][0]["fingerprint"].clone()
    };
    assert_eq!(fingerprint("real"), fingerprint("link"));
}

/// Results come in the same order from whichever directory of the repository poollint
/// runs (they were sorted by the path shown, relative to the current directory, while
/// SARIF and GitHub give repository-relative paths).
#[test]
fn result_order_does_not_depend_on_the_working_directory() {
    let pool = "spring:\n  datasource:\n    hikari:\n      maximum-pool-size: 0\n";
    let repo = git_repo(&[
        ("alpha/application.yml", pool),
        ("zeta/application.yml", pool),
    ]);
    let sarif = |cwd: &str, paths: &[&str]| {
        let out = poollint()
            .current_dir(repo.path().join(cwd))
            .args(["check", "-f", "sarif"])
            .args(paths)
            .assert()
            .code(1);
        String::from_utf8_lossy(&out.get_output().stdout).into_owned()
    };
    assert_eq!(
        sarif("", &["alpha", "zeta"]),
        sarif("alpha", &[".", "../zeta"])
    );
}

/// The autoscale and rollout slot rules count the server connections of a PgBouncer in
/// front of the database (6 × 10 direct + 40 pooled = 100 > 97 is an error, not a
/// headroom warning with "-3 free").
#[test]
fn scaling_out_counts_the_poolers_in_front_of_the_database() {
    let dir = tree(&[
        (
            "poollint.toml",
            "[[database]]\nname = \"main\"\nmax-connections = 100\n\
             [[pooler]]\nname = \"pgb\"\nconfig = \"pgb/pgbouncer.ini\"\nconnects-to = \"main\"\n\
             [[service]]\nname = \"a\"\nconfig = [\"a/application.yml\"]\ninstances = 3\nmax-instances = 6\nconnects-to = \"main\"\n",
        ),
        (
            "a/application.yml",
            "spring:\n  datasource:\n    url: jdbc:postgresql://main:5432/app?socketTimeout=30\n    hikari:\n      maximum-pool-size: 10\n",
        ),
        (
            "pgb/pgbouncer.ini",
            "[databases]\napp = host=main dbname=app\n[pgbouncer]\npool_mode = transaction\ndefault_pool_size = 40\n",
        ),
    ]);
    poollint()
        .current_dir(dir.path())
        .args(["check", ".", "-f", "concise"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "error[autoscale-max-exceeds-db-slots]",
        ))
        .stdout(predicate::str::contains(
            "57 left for the services connecting directly = 97 − PgBouncer pgb",
        ))
        .stdout(predicate::str::contains("no-db-connection-headroom").not());
}

/// An application at the root of the checked directory is named by that directory, not
/// `.` ("but . (sidekiq) runs 25 threads"), and a compose service that builds `.` says
/// so ("builds or mounts ." had an empty path).
#[test]
fn an_application_at_the_root_is_named_by_its_directory() {
    let dir = tree(&[
        (
            "config/database.yml",
            "production:\n  adapter: postgresql\n  pool: 5\n",
        ),
        ("config/sidekiq.yml", ":concurrency: 25\n"),
    ]);
    let name = dir
        .path()
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    poollint()
        .current_dir(dir.path())
        .args(["check", "-f", "concise"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(format!(
            "but {name} (sidekiq) runs 25 threads"
        )));
    let compose = tree(&[
        (
            "docker-compose.yml",
            "services:\n  api:\n    build: .\n    deploy:\n      replicas: 2\n  db:\n    image: postgres:16\n    command: postgres -c max_connections=30\n",
        ),
        (
            "application.properties",
            "spring.datasource.url=jdbc:postgresql://db:5432/app?socketTimeout=30\nspring.datasource.hikari.maximum-pool-size=20\n",
        ),
    ]);
    poollint()
        .current_dir(compose.path())
        .args(["check", "-f", "concise"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "compose service api builds or mounts .]",
        ));
}

/// A URL with a password read from a Kubernetes Secret (`secretKeyRef`) is kept where
/// credentials belong: masked, not reported by `plaintext-credentials-in-pool-config`.
#[test]
fn a_url_password_from_a_kubernetes_secret_is_not_reported_as_plaintext() {
    let url = "jdbc:postgresql://db:5432/shop?user=app&password=Hunter2Secret&socketTimeout=30";
    let manifest = format!(
        "apiVersion: v1\nkind: Secret\nmetadata: {{name: s}}\nstringData:\n  URL: \"{url}\"\n---\n\
         apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          env:\n            - name: SPRING_DATASOURCE_URL\n              valueFrom: {{secretKeyRef: {{name: s, key: URL}}}}\n"
    );
    let dir = tree(&[("deploy/web.yaml", &manifest)]);
    let out = poollint()
        .current_dir(dir.path())
        .args(["check", ".", "-f", "json"])
        .assert();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(!text.contains("plaintext-credentials"), "{text}");
    assert!(!text.contains("Hunter2Secret"), "{text}");
    // The same URL written in the Deployment itself is a literal password.
    let literal = manifest.replace(
        "valueFrom: {secretKeyRef: {name: s, key: URL}}",
        &format!("value: \"{url}\""),
    );
    write_file(dir.path(), "deploy/web.yaml", &literal);
    poollint()
        .current_dir(dir.path())
        .args(["check", ".", "-f", "concise"])
        .assert()
        .stdout(predicate::str::contains(
            "plaintext-credentials-in-pool-config",
        ));
}

/// A compose service under `profiles:` runs no container on a plain `docker compose
/// up`: it counts 0 instances, and says why.
#[test]
fn a_compose_service_under_a_profile_counts_no_instance() {
    let compose = "services:\n  db:\n    image: postgres:16\n    command: [\"postgres\", \"-c\", \"max_connections=23\"]\n  web:\n    image: shop/web\n    environment:\n      SPRING_DATASOURCE_URL: jdbc:postgresql://db:5432/shop?socketTimeout=30\n      SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE: \"5\"\n  debug:\n    image: shop/web\n    profiles: [debug]\n    deploy: {replicas: 10}\n    environment:\n      SPRING_DATASOURCE_URL: jdbc:postgresql://db:5432/shop?socketTimeout=30\n      SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE: \"7\"\n";
    let dir = tree(&[("docker-compose.yml", compose)]);
    poollint()
        .current_dir(dir.path())
        .args(["check", ".", "-f", "concise"])
        .assert()
        .code(0);
    // Without the profile the 10 debug replicas count: 5 + 70 > 20.
    write_file(
        dir.path(),
        "docker-compose.yml",
        &compose.replace("    profiles: [debug]\n", ""),
    );
    poollint()
        .current_dir(dir.path())
        .args(["check", ".", "-f", "concise"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("error[fleet-exceeds-db-slots]"));
}

/// A plain `docker compose up` merges `docker-compose.override.yml` over the project's
/// file: the override's replicas and pool size are the service's, not a second
/// service's (it counted web twice, 6 × 20 + 1 × 10, with a false
/// `duplicate-key-across-forms`). A service only the override defines is counted, a
/// file named alone reads the other as context, and an override without a project's
/// file beside it is its own project.
#[test]
fn the_compose_override_file_is_merged_over_the_projects_file() {
    let base = "services:\n  web:\n    image: shop/web\n    environment:\n      SPRING_DATASOURCE_URL: jdbc:postgresql://db:5432/shop?socketTimeout=30\n      SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE: \"10\"\n  db:\n    image: postgres:16\n    command: [\"postgres\", \"-c\", \"max_connections=150\"]\n";
    let overlay = "services:\n  web:\n    deploy:\n      replicas: 6\n    environment:\n      SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE: \"20\"\n";
    // 6 × 20 = 120 of 147 slots: no finding (unmerged, 130 and a duplicate key).
    let dir = tree(&[
        ("docker-compose.yml", base),
        ("docker-compose.override.yml", overlay),
    ]);
    assert_eq!(concise_findings_in(dir.path()), Vec::<String>::new());
    // A worker only the override defines adds 3 × 10: 150 > 147.
    let worker = "  worker:\n    image: shop/web\n    deploy: {replicas: 3}\n    environment:\n      SPRING_DATASOURCE_URL: jdbc:postgresql://db:5432/shop?socketTimeout=30\n      SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE: \"10\"\n";
    write_file(
        dir.path(),
        "docker-compose.override.yml",
        &format!("{overlay}{worker}"),
    );
    let found = concise_findings_in(dir.path());
    assert_eq!(found.len(), 1, "{found:?}");
    let demand = "demand 150 = web 6 instances (docker-compose.override.yml:4) × 1 process × pool 20 (docker-compose.override.yml:6)";
    assert!(found[0].contains(demand), "{found:?}");
    // Named alone, either file is read with the other.
    for named in ["docker-compose.override.yml", "docker-compose.yml"] {
        let out = poollint()
            .current_dir(dir.path())
            .args(["check", "-f", "concise", named])
            .output()
            .expect("run");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains(demand), "{named}: {stdout}");
    }
    // `compose.yaml` is the project's file when both are there; `docker-compose.yml`
    // is then not read (`docker compose up` ignores it): its own web adds nothing.
    write_file(dir.path(), "compose.yaml", base);
    let web_only = base.split("  db:").next().expect("web");
    write_file(dir.path(), "docker-compose.yml", web_only);
    let found = concise_findings_in(dir.path());
    assert!(found.iter().any(|f| f.contains("demand 150")), "{found:?}");
    assert!(!found.iter().any(|f| f.contains("demand 160")), "{found:?}");
    // Without a project's file beside it, the override is a project of its own.
    let alone = tree(&[("docker-compose.override.yml", &format!("{overlay}{worker}"))]);
    let out = poollint()
        .current_dir(alone.path())
        .args(["check", "-f", "json", "."])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
}

/// The override file's own `extends:`, `env_file:` and `command` are merged too, with
/// the project's `.env` interpolating it: web runs `common`'s 5 replicas with the pool
/// of `over.env` (8, over `web.env`'s 10), and db the override's command (40).
#[test]
fn the_compose_override_files_extends_env_file_and_command_are_merged() {
    let base = "services:\n  web:\n    image: shop/web\n    env_file: web.env\n    environment:\n      SPRING_DATASOURCE_URL: jdbc:postgresql://db:5432/shop?socketTimeout=30\n  db:\n    image: postgres:16\n    command: [\"postgres\", \"-c\", \"max_connections=500\"]\n";
    let overlay = "services:\n  web:\n    extends: {service: common}\n    env_file: over.env\n  common:\n    image: shop/web\n    deploy: {replicas: \"${WEB_REPLICAS}\"}\n  db:\n    command: postgres -c max_connections=${MAXC}\n";
    let dir = tree(&[
        ("compose.yaml", base),
        ("compose.override.yaml", overlay),
        (".env", "WEB_REPLICAS=5\nMAXC=40\n"),
        ("web.env", "SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE=10\n"),
        ("over.env", "SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE=8\n"),
    ]);
    assert_eq!(
        concise_findings_in(dir.path()),
        ["over.env:1:44: error[fleet-exceeds-db-slots] the fleet can open 40 connections to database db but it accepts 37: demand 40 = web 5 instances (compose.override.yaml:7) × 1 process × pool 8 (over.env:1) [connects-to inferred: the only database, defined next to the service's files]; usable slots 37 = max_connections 40 (compose.override.yaml:9) − superuser_reserved_connections 3 (PostgreSQL default)"]
    );
}

/// Compose's `!reset` and `!override` tags in the override file change the merge as
/// compose-go's `ResetProcessor` does: `deploy.replicas: !reset` leaves the default 1,
/// `environment: !override` drops the file's variables, a variable tagged `!reset`
/// drops that one, and a service tagged `!reset` is gone. Before, every tagged value
/// was merged as if untagged.
#[test]
fn compose_reset_and_override_tags_change_the_merge() {
    let base = "services:\n  web:\n    image: shop/web\n    deploy:\n      replicas: 8\n    environment:\n      SPRING_DATASOURCE_URL: jdbc:postgresql://db:5432/shop?socketTimeout=30\n      SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE: \"20\"\n  worker:\n    image: shop/web\n    deploy: {replicas: 4}\n    environment:\n      SPRING_DATASOURCE_URL: jdbc:postgresql://db:5432/shop?socketTimeout=30\n      SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE: \"20\"\n  db:\n    image: postgres:16\n    command: [\"postgres\", \"-c\", \"max_connections=100\"]\n";
    let dir = tree(&[("compose.yaml", base)]);
    // Untagged: 8 × 20 + 4 × 20 = 240 of 97 slots.
    let found = concise_findings_in(dir.path());
    assert!(found.iter().any(|f| f.contains("demand 240")), "{found:?}");
    let checked = |overlay: &str| {
        write_file(dir.path(), "compose.override.yaml", overlay);
        concise_findings_in(dir.path())
    };
    // web's replicas reset to Compose's default 1 and worker removed: 1 × 20 fits.
    let reset =
        "services:\n  web:\n    deploy:\n      replicas: !reset null\n  worker: !reset {}\n";
    assert_eq!(checked(reset), Vec::<String>::new());
    // The whole deploy mapping reset: the same.
    let reset_deploy = "services:\n  web:\n    deploy: !reset {}\n  worker: !reset {}\n";
    assert_eq!(checked(reset_deploy), Vec::<String>::new());
    // environment replaced: web has only the override's variables, and no pool size
    // but HikariCP's default 10: 8 × 10 + 4 × 20 = 160. Merged, web's 20 stayed (240).
    let replaced = "services:\n  web:\n    environment: !override\n      SPRING_DATASOURCE_URL: jdbc:postgresql://db:5432/shop?socketTimeout=30\n";
    let found = checked(replaced);
    assert!(found.iter().any(|f| f.contains("demand 160")), "{found:?}");
    // One variable reset: worker's pool is HikariCP's default 10: 8 × 20 + 4 × 10.
    let one = "services:\n  worker:\n    environment:\n      SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE: !reset null\n";
    let found = checked(one);
    assert!(found.iter().any(|f| f.contains("demand 200")), "{found:?}");
    // In one file, a tag hides the value of the service extended: web's `!reset`
    // environment drops common's pool of 90, so web configures none (merged, its 2
    // replicas × 90 = 180 exceeded the 97 slots).
    let extends = "services:\n  common:\n    image: shop/web\n    deploy: {replicas: 0}\n    environment:\n      SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE: \"90\"\n  web:\n    extends: common\n    deploy: {replicas: 2}\n    environment: !reset {}\n  db:\n    image: postgres:16\n    command: [\"postgres\", \"-c\", \"max_connections=100\"]\n";
    let dir = tree(&[("compose.yaml", extends)]);
    assert_eq!(concise_findings_in(dir.path()), Vec::<String>::new());
}

/// A declared pooler's link is never inferred: without connects-to its server
/// connections count against no database, and a note says so at its table.
#[test]
fn a_pooler_without_connects_to_gets_a_note() {
    let ini =
        "[databases]\napp = host=db dbname=app pool_size=40\n[pgbouncer]\nmax_client_conn = 100\n";
    let manifest = |link: &str| {
        format!("[[database]]\nname = \"db\"\nmax-connections = 30\n[[pooler]]\nname = \"bouncer\"\nconfig = \"bouncer/pgbouncer.ini\"\n{link}")
    };
    let dir = tree(&[
        ("poollint.toml", &manifest("")),
        ("bouncer/pgbouncer.ini", ini),
    ]);
    poollint()
        .args(["check", "-f", "concise"])
        .arg(dir.path())
        .assert()
        .stdout(predicate::str::contains("pgbouncer-server-conns-exceed-postgres").not())
        .stderr(predicate::str::contains(
            "poollint.toml:5: pooler `bouncer` has no connects-to, so its server connections count against no database",
        ))
        .stderr(predicate::str::contains("add connects-to = \"db\""));
    write_file(
        dir.path(),
        "poollint.toml",
        &manifest("connects-to = \"db\"\n"),
    );
    poollint()
        .args(["check", "-f", "concise"])
        .arg(dir.path())
        .assert()
        .stdout(predicate::str::contains(
            "pgbouncer-server-conns-exceed-postgres",
        ))
        .stderr(predicate::str::contains("has no connects-to").not());
}

#[test]
fn a_service_left_unlinked_among_several_databases_gets_a_note() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write_file(
        root,
        "poollint.toml",
        "[[database]]\nname = \"users\"\nmax-connections = 20\n\
         [[service]]\nname = \"auth\"\nconfig = \"auth/application.yml\"\ninstances = 4\n",
    );
    write_file(
        root,
        "auth/application.yml",
        "spring:\n  datasource:\n    hikari:\n      maximum-pool-size: 10\n",
    );
    // A database no table declares, beside the only declared one: no link is inferred.
    write_file(root, "db/postgresql.conf", "max_connections = 30\n");
    let note = "service `auth` has no connects-to, so its connections count against no database: there are 2 databases";
    for command in ["check", "capacity"] {
        poollint()
            .arg(command)
            .arg(root)
            .assert()
            .stderr(predicate::str::contains(note))
            .stderr(predicate::str::contains("poollint.toml:5:"))
            .stderr(predicate::str::contains("add connects-to = \"<name>\""));
    }
    // With connects-to, or with the declared database alone, no note.
    let linked = "[[database]]\nname = \"users\"\nmax-connections = 20\n\
         [[service]]\nname = \"auth\"\nconfig = \"auth/application.yml\"\ninstances = 4\nconnects-to = \"users\"\n";
    write_file(root, "poollint.toml", linked);
    let no_note = |root: &std::path::Path| {
        poollint()
            .arg("check")
            .arg(root)
            .assert()
            .stderr(predicate::str::contains("has no connects-to").not());
    };
    no_note(root);
    std::fs::remove_file(root.join("db/postgresql.conf")).expect("rm");
    write_file(
        root,
        "poollint.toml",
        "[[database]]\nname = \"users\"\nmax-connections = 20\n\
         [[service]]\nname = \"auth\"\nconfig = \"auth/application.yml\"\ninstances = 4\n",
    );
    no_note(root);
    // A lone database no table declares, away from the service's files: no link is
    // inferred either, and the note says so.
    write_file(
        root,
        "poollint.toml",
        "[[service]]\nname = \"auth\"\nconfig = \"auth/application.yml\"\ninstances = 4\n",
    );
    write_file(root, "infra/db/postgresql.conf", "max_connections = 30\n");
    poollint()
        .arg("check")
        .arg(root)
        .assert()
        .stderr(predicate::str::contains(
            "service `auth` has no connects-to, so its connections count against no database: there is 1 database",
        ));
}

#[test]
fn capacity_finds_a_server_by_its_config_wherever_its_limits_come_from() {
    // postgresql.auto.conf overrides postgresql.conf's limit: one server, found by the
    // config the manifest names, not a second database with PostgreSQL's defaults.
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write_file(
        root,
        "poollint.toml",
        "[[database]]\nname = \"db\"\nengine = \"postgresql\"\nconfig = \"db/postgresql.conf\"\n\
         [[service]]\nname = \"app\"\nconfig = [\"app/application.yml\"]\ninstances = 4\nconnects-to = \"db\"\n",
    );
    write_file(
        root,
        "app/application.yml",
        "spring:\n  datasource:\n    hikari:\n      maximum-pool-size: 60\n",
    );
    write_file(root, "db/postgresql.conf", "max_connections = 200\n");
    write_file(root, "db/postgresql.auto.conf", "max_connections = '50'\n");
    let output = poollint()
        .args(["capacity", "--format", "json"])
        .arg(root)
        .output()
        .expect("run");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let databases = json["databases"].as_array().expect("databases");
    assert_eq!(databases.len(), 1, "{json}");
    assert_eq!(databases[0]["usable_slots"], 47, "{json}");
    // Likewise a PgBouncer whose pool size comes from a %include: the [[pooler]] table
    // naming its pgbouncer.ini takes it (2 instances × 60), not an empty copy.
    write_file(
        root,
        "poollint.toml",
        "[[database]]\nname = \"users\"\nmax-connections = 200\n\
         [[pooler]]\nname = \"pgb\"\nconfig = \"pgb/pgbouncer.ini\"\ninstances = 2\nconnects-to = \"users\"\n",
    );
    std::fs::remove_dir_all(root.join("db")).expect("rm");
    std::fs::remove_dir_all(root.join("app")).expect("rm");
    write_file(
        root,
        "pgb/pgbouncer.ini",
        "[databases]\nusers = host=db dbname=users\n[pgbouncer]\n%include extra.ini\n",
    );
    write_file(
        root,
        "pgb/extra.ini",
        "[pgbouncer]\ndefault_pool_size = 60\nmax_client_conn = 500\n",
    );
    let output = poollint()
        .args(["capacity", "--format", "json"])
        .arg(root)
        .output()
        .expect("run");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(json["databases"][0]["demand_steady"], 120, "{json}");
}

#[test]
fn baseline_hides_known_findings_survives_moved_lines_and_reports_stale_entries() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("application.yml");
    let baseline = dir.path().join("baseline.json");
    let write = |text: &str| std::fs::write(&config, text).expect("write config");
    let check = || {
        let mut cmd = poollint();
        cmd.args([
            "check",
            "-f",
            "concise",
            "--select",
            "hikari-max-lifetime-below-minimum",
        ])
        .arg(dir.path());
        cmd
    };
    write("spring:\n  datasource:\n    hikari:\n      max-lifetime: 10000\n");
    check()
        .arg("--write-baseline")
        .arg(&baseline)
        .assert()
        .code(1);
    check().arg("--baseline").arg(&baseline).assert().code(0);
    // Moving the line keeps the finding baselined.
    write("# moved\n\nspring:\n  datasource:\n    hikari:\n      max-lifetime: 10000\n");
    check().arg("--baseline").arg(&baseline).assert().code(0);
    // Changing the value makes it a new finding, and the old entry is stale.
    write("spring:\n  datasource:\n    hikari:\n      max-lifetime: 20000\n");
    check()
        .arg("--baseline")
        .arg(&baseline)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("baseline entry no longer matches"));
    // A baseline of another format version is refused, not read as this one (it was
    // accepted silently).
    let written = std::fs::read_to_string(&baseline).expect("read");
    std::fs::write(
        &baseline,
        written.replace("\"version\": 1", "\"version\": 2"),
    )
    .expect("write");
    check()
        .arg("--baseline")
        .arg(&baseline)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "baseline version 2 is not one this poollint reads",
        ));
}

#[test]
fn diff_base_outside_a_repository_or_with_an_unknown_revision_is_a_usage_error() {
    let outside = tempfile::tempdir().expect("temp dir");
    std::fs::write(outside.path().join("application.yml"), "a: 1\n").expect("write");
    poollint()
        .args(["check", "--diff-base", "HEAD"])
        .arg(outside.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("needs a git repository"));
    poollint()
        .args(["check", "--diff-base", "no-such-revision-xyz", CLEAN])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no-such-revision-xyz: no such commit",
        ));
    // A path outside the first path's repository, in either order: its findings were
    // all left out as unchanged (or, first, it stopped the run).
    let repo = git_repo(&[("application.yml", LIFETIME_10S)]);
    for paths in [[repo.path(), outside.path()], [outside.path(), repo.path()]] {
        poollint()
            .args(["check", "--diff-base", "HEAD"])
            .args(paths)
            .assert()
            .code(2)
            .stderr(
                predicate::str::contains("is not in it")
                    .or(predicate::str::contains("needs a git repository")),
            );
    }
}

#[test]
fn diff_base_reports_only_findings_on_changed_lines() {
    let repo = tempfile::tempdir().expect("temp dir");
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@example.invalid",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .current_dir(repo.path())
            .output()
            .expect("git");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let config = repo.path().join("application.yml");
    let old = "spring:\n  datasource:\n    hikari:\n      max-lifetime: 10000\n      keepalive-time: 60000\n";
    std::fs::write(&config, old).expect("write");
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "base"]);
    // Only the keepalive line changes, to an invalid value.
    std::fs::write(&config, old.replace("60000", "10")).expect("write");
    poollint()
        .args([
            "check",
            "-f",
            "concise",
            "--diff-base",
            "HEAD",
            "--select",
            "hikari-max-lifetime-below-minimum,hikari-keepalive-invalid",
        ])
        .arg(repo.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("hikari-keepalive-invalid"))
        .stdout(predicate::str::contains("hikari-max-lifetime-below-minimum").not());
}

/// git ends lines only at LF: in a file with lone CR line ends, a finding is kept when
/// git's line holding it changed (poollint's own line numbers count the CRs).
#[test]
fn diff_base_counts_lines_as_git_does_in_a_lone_cr_file() {
    // Lines 1-2 for poollint are git's line 1; the max-lifetime line is git's line 2
    // and poollint's line 3.
    let old = "a.b=1\rc.d=2\nspring.datasource.hikari.max-lifetime=10000\nspring.datasource.hikari.keepalive-time=60000\n";
    let repo = git_repo(&[("application.properties", old)]);
    let config = repo.path().join("application.properties");
    // Only the keepalive line (git's 3, poollint's 4) changes, to an invalid value.
    std::fs::write(&config, old.replace("60000", "10")).expect("write");
    poollint()
        .args(["check", "-f", "concise", "--diff-base", "HEAD", "--select"])
        .arg("hikari-max-lifetime-below-minimum,hikari-keepalive-invalid")
        .arg(repo.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("hikari-keepalive-invalid"))
        .stdout(predicate::str::contains("hikari-max-lifetime-below-minimum").not());
}

#[test]
fn compose_postgres_next_to_an_app_is_inferred_without_a_manifest() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("docker-compose.yml"),
        "services:\n  db:\n    image: postgres:16\n    command: postgres -c max_connections=20\n  app:\n    build: ./app\n",
    )
    .expect("write compose");
    std::fs::create_dir_all(dir.path().join("app")).expect("mkdir");
    std::fs::write(
        dir.path().join("app/application.yml"),
        "spring:\n  datasource:\n    hikari:\n      maximum-pool-size: 30\n",
    )
    .expect("write app");
    poollint()
        .args(["check", "-f", "json", "--select", "fleet-exceeds-db-slots"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "connects-to inferred: the only database, defined next to the service's files",
        ))
        .stdout(predicate::str::contains("max_connections 20"));
}

const LIFETIME_10S: &str = "spring:\n  datasource:\n    hikari:\n      max-lifetime: 10000\n";

fn diff_check(repo: &std::path::Path) -> assert_cmd::assert::Assert {
    poollint()
        .args([
            "check",
            "-f",
            "concise",
            "--diff-base",
            "HEAD",
            "--select",
            "hikari-max-lifetime-below-minimum",
        ])
        .arg(repo)
        .assert()
}

/// With `--stdin-filename`, `--diff-base` compares standard input with the file at the
/// base, not the file on disk: an unsaved edit that adds a finding is reported (it was
/// not: the file on disk had not changed), and a finding on an unchanged line is not.
#[test]
fn diff_base_compares_standard_input_with_the_base() {
    let clean = "spring:\n  datasource:\n    hikari:\n      max-lifetime: 1800000\n";
    let repo = git_repo(&[
        ("a/application.yml", clean),
        ("b/application.yml", LIFETIME_10S),
    ]);
    let run = |name: &str, text: &str| {
        poollint()
            .current_dir(repo.path())
            .args([
                "check",
                "-f",
                "concise",
                "--diff-base",
                "HEAD",
                "--stdin-filename",
                name,
            ])
            .write_stdin(text.to_owned())
            .assert()
    };
    run("a/application.yml", &clean.replace("1800000", "10000"))
        .code(1)
        .stdout(predicate::str::contains(
            "error[hikari-max-lifetime-below-minimum]",
        ));
    let more = format!("{LIFETIME_10S}      maximum-pool-size: 10\n");
    run("b/application.yml", &more)
        .code(0)
        .stdout(predicate::str::contains("No problems found"));
    // A file not saved yet is new: all of it is changed (its findings were dropped).
    run("c/application.yml", LIFETIME_10S)
        .code(1)
        .stdout(predicate::str::contains(
            "error[hikari-max-lifetime-below-minimum]",
        ));
}

/// Raising a PgBouncer's `instances` in the manifest is a change to the fleet it
/// pushes over the database's limit: the finding has a label there, so `--diff-base`
/// reports it (it passed with exit 0, its message citing a line it did not label).
#[test]
fn diff_base_reports_a_pooler_scaled_out_in_the_manifest() {
    let manifest = |instances: u32| {
        format!(
            "[[database]]\nname = \"users\"\nengine = \"postgresql\"\nmax-connections = 100\n\n\
             [[pooler]]\nname = \"bouncer\"\nkind = \"pgbouncer\"\nconfig = \"pgbouncer.ini\"\n\
             instances = {instances}\nconnects-to = \"users\"\n"
        )
    };
    let repo = git_repo(&[
        (
            "pgbouncer.ini",
            "[databases]\nusers = host=db dbname=users\n[pgbouncer]\ndefault_pool_size = 60\n",
        ),
        ("poollint.toml", &manifest(1)),
    ]);
    write_file(repo.path(), "poollint.toml", &manifest(2));
    poollint()
        .current_dir(repo.path())
        .args(["check", ".", "-f", "concise", "--diff-base", "HEAD"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "error[pgbouncer-server-conns-exceed-postgres]",
        ));
}

/// Deleting `max_connections` lets PostgreSQL's default (100) apply: the finding it
/// causes is on unchanged lines (the PgBouncer pool, the reserved slots) and cites the
/// default, which no line holds. It did not exist at the base, so it is reported; the
/// finding that did (an unchanged `max-lifetime`), is not. Both were dropped alike.
#[test]
fn diff_base_reports_a_new_finding_caused_by_a_deleted_line() {
    let repo = git_repo(&[
        (
            "poollint.toml",
            "[[database]]\nname = \"users\"\nengine = \"postgresql\"\nconfig = \"postgresql.conf\"\n\n\
             [[pooler]]\nname = \"bouncer\"\nkind = \"pgbouncer\"\nconfig = \"pgbouncer.ini\"\n\
             instances = 2\nconnects-to = \"users\"\n",
        ),
        (
            "postgresql.conf",
            "superuser_reserved_connections = 3\nmax_connections = 200\n",
        ),
        (
            "pgbouncer.ini",
            "[databases]\nusers = host=db dbname=users\n[pgbouncer]\ndefault_pool_size = 60\n",
        ),
        ("app/application.yml", LIFETIME_10S),
    ]);
    let check = || {
        poollint()
            .current_dir(repo.path())
            .args(["check", ".", "-f", "concise", "--diff-base", "HEAD"])
            .assert()
    };
    check().code(0);
    write_file(
        repo.path(),
        "postgresql.conf",
        "superuser_reserved_connections = 3\n",
    );
    check()
        .code(1)
        .stdout(predicate::str::contains(
            "pgbouncer.ini:4:21: error[pgbouncer-server-conns-exceed-postgres]",
        ))
        .stdout(predicate::str::contains("hikari-max-lifetime-below-minimum").not());
}

/// Re-pointing a service from its pooler to the database (`connects-to`) puts its
/// connections on the database: no label cites the line, but the findings did not
/// exist at the base, so they are reported (they were all dropped).
#[test]
fn diff_base_reports_new_findings_of_a_service_repointed_in_the_manifest() {
    let manifest = |target: &str| {
        format!(
            "[[database]]\nname = \"users\"\nengine = \"postgresql\"\nmax-connections = 100\n\n\
             [[pooler]]\nname = \"bouncer\"\nkind = \"pgbouncer\"\nconfig = \"pgbouncer.ini\"\n\
             connects-to = \"users\"\n\n\
             [[service]]\nname = \"api\"\nconfig = [\"application.yml\"]\ninstances = 4\n\
             connects-to = \"{target}\"\n"
        )
    };
    let repo = git_repo(&[
        ("poollint.toml", &manifest("bouncer")),
        (
            "pgbouncer.ini",
            "[databases]\nusers = host=db dbname=users\n[pgbouncer]\ndefault_pool_size = 20\n",
        ),
        (
            "application.yml",
            "spring:\n  datasource:\n    hikari:\n      maximum-pool-size: 30\n",
        ),
    ]);
    write_file(repo.path(), "poollint.toml", &manifest("users"));
    poollint()
        .current_dir(repo.path())
        .args(["check", ".", "-f", "concise", "--diff-base", "HEAD"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "application.yml:4:26: error[fleet-exceeds-db-slots]",
        ))
        .stdout(predicate::str::contains(
            "pgbouncer.ini:4:21: error[pgbouncer-server-conns-exceed-postgres]",
        ));
}

#[test]
fn diff_base_reports_added_files_whole_and_survives_deleted_and_renamed_ones() {
    let repo = git_repo(&[
        ("old/application.yml", LIFETIME_10S),
        ("gone/application.yml", LIFETIME_10S),
    ]);
    // Added (untracked) file: every line counts as changed.
    std::fs::create_dir_all(repo.path().join("new")).expect("mkdir");
    std::fs::write(
        repo.path().join("new/application.yml"),
        "spring:\n  datasource:\n    hikari:\n      max-lifetime: 25000\n",
    )
    .expect("write");
    // Added and staged file too.
    std::fs::create_dir_all(repo.path().join("staged")).expect("mkdir");
    // (Different content: git pairs an identical new file with a deleted one as a rename.)
    std::fs::write(
        repo.path().join("staged/application.yml"),
        "spring:\n  datasource:\n    hikari:\n      max-lifetime: 20000\n",
    )
    .expect("write");
    git(repo.path(), &["add", "staged/application.yml"]);
    // Deleted file.
    std::fs::remove_dir_all(repo.path().join("gone")).expect("delete");
    // Renamed without changes: nothing changed on its lines.
    git(repo.path(), &["mv", "old", "renamed"]);
    diff_check(repo.path())
        .code(1)
        .stdout(predicate::str::contains("new/application.yml:4:21"))
        .stdout(predicate::str::contains("staged/application.yml:4:21"))
        .stdout(predicate::str::contains("renamed/application.yml").not())
        .stdout(predicate::str::contains("gone/").not());
}

#[test]
fn diff_base_with_a_renamed_and_edited_file_reports_the_edited_line() {
    let repo = git_repo(&[("old/application.yml", "spring:\n  datasource:\n    hikari:\n      max-lifetime: 1800000\n      maximum-pool-size: 10\n")]);
    git(repo.path(), &["mv", "old", "renamed"]);
    std::fs::write(
        repo.path().join("renamed/application.yml"),
        "spring:\n  datasource:\n    hikari:\n      max-lifetime: 10000\n      maximum-pool-size: 10\n",
    )
    .expect("write");
    diff_check(repo.path())
        .code(1)
        .stdout(predicate::str::contains(
            "renamed/application.yml:4:21: error[hikari-max-lifetime-below-minimum]",
        ));
}

/// git quotes some names in a diff (`"b/caf\\303\\251/…"`, `"b/q\\"uote/…"`, a tab after a
/// name with a space) and the user's configuration changes its prefixes
/// (`diff.noprefix`, `diff.mnemonicPrefix`): findings on the changed lines of such
/// files are still reported (they were all dropped).
#[test]
fn diff_base_reads_quoted_names_whatever_the_git_configuration() {
    let old = "spring:\n  datasource:\n    hikari:\n      max-lifetime: 1800000\n";
    let names = ["café", "my app", "q\"uote", "plain"];
    let files: Vec<(String, &str)> = names
        .iter()
        .map(|n| (format!("{n}/application.yml"), old))
        .collect();
    let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), *t)).collect();
    let repo = git_repo(&files);
    for name in names {
        write_file(
            repo.path(),
            &format!("{name}/application.yml"),
            LIFETIME_10S,
        );
    }
    for config in [None, Some("diff.mnemonicPrefix"), Some("diff.noprefix")] {
        if let Some(key) = config {
            git(repo.path(), &["config", key, "true"]);
        }
        let assert = diff_check(repo.path()).code(1);
        let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
        for name in names {
            assert!(
                stdout.contains(&format!("{name}/application.yml:4:21: error[")),
                "{config:?}: {name}:\n{stdout}"
            );
        }
    }
}

/// A branch is compared with where it left REV (the merge base, as a pull request's
/// diff is), not with REV itself: a fix made on the main line after the branch left it
/// is not the branch's change (its file was reported as changed on the branch). With
/// no merge base, REV itself is compared with and a note says so.
/// `diff.interHunkContext` merges hunks closer than it: the unchanged line between two
/// changed ones (an old finding) was reported as changed.
#[test]
fn diff_base_counts_only_changed_lines_whatever_the_inter_hunk_context() {
    let repo = git_repo(&[(
        "application.yml",
        "# a\nspring:\n  datasource:\n    hikari:\n      max-lifetime: 10000\n# b\n",
    )]);
    git(repo.path(), &["config", "diff.interHunkContext", "5"]);
    write_file(
        repo.path(),
        "application.yml",
        "# A\nspring:\n  datasource:\n    hikari:\n      max-lifetime: 10000\n# B\n",
    );
    diff_check(repo.path())
        .code(0)
        .stdout(predicate::str::contains("No problems found"));
}

/// A file `.gitattributes` marks `-diff` (or `binary`) has no hunks in a plain `git
/// diff` (`Binary files … differ`): the finding on its changed line was dropped.
#[test]
fn diff_base_reads_files_marked_binary_or_no_diff_as_text() {
    for attribute in ["-diff", "binary"] {
        let repo = git_repo(&[
            (".gitattributes", &format!("*.yml {attribute}\n")),
            ("application.yml", LIFETIME_10S),
        ]);
        write_file(
            repo.path(),
            "application.yml",
            "spring:\n  datasource:\n    hikari:\n      max-lifetime: 10000 # why\n",
        );
        diff_check(repo.path())
            .code(1)
            .stdout(predicate::str::contains("application.yml:4:21: error["));
    }
}

/// A checked file that is untracked and git-ignored (rendered output) did not exist at
/// the base: it is new, and every finding of it is reported (all were dropped when the
/// new files were those `git ls-files --others --exclude-standard` lists, which leaves
/// it out).
#[test]
fn diff_base_reports_an_untracked_ignored_file_whole() {
    let repo = git_repo(&[(".gitignore", "rendered/\n"), ("keep.txt", "")]);
    write_file(repo.path(), "rendered/application.yml", LIFETIME_10S);
    diff_check(&repo.path().join("rendered"))
        .code(1)
        .stdout(predicate::str::contains("application.yml:4:21: error["));
}

#[test]
fn diff_base_compares_with_the_merge_base() {
    let fine = LIFETIME_10S.replace("10000", "1800000");
    let repo = git_repo(&[
        ("svc/application.yml", LIFETIME_10S),
        ("other/application.yml", &fine),
    ]);
    git(repo.path(), &["branch", "-M", "trunk"]);
    git(repo.path(), &["checkout", "-q", "-b", "feature"]);
    write_file(repo.path(), "other/application.yml", LIFETIME_10S);
    git(repo.path(), &["commit", "-q", "-am", "feature: other"]);
    git(repo.path(), &["checkout", "-q", "trunk"]);
    write_file(repo.path(), "svc/application.yml", &fine);
    git(repo.path(), &["commit", "-q", "-am", "trunk fixes svc"]);
    git(repo.path(), &["checkout", "-q", "feature"]);
    poollint()
        .args(["check", "-f", "concise", "--diff-base", "trunk", "--select"])
        .arg("hikari-max-lifetime-below-minimum")
        .arg(repo.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("other/application.yml:4:21"))
        .stdout(predicate::str::contains("svc/").not())
        .stderr(predicate::str::contains("merge base").not());
    // An unrelated history: no merge base.
    git(repo.path(), &["checkout", "-q", "--orphan", "unrelated"]);
    git(repo.path(), &["commit", "-q", "-m", "unrelated"]);
    git(repo.path(), &["checkout", "-q", "feature"]);
    poollint()
        .args(["check", "-f", "concise", "--diff-base", "unrelated"])
        .arg(repo.path())
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "--diff-base unrelated: unrelated and HEAD have no merge base",
        ));
}

/// A baseline entry is stale only when its file was checked (or is gone) and no
/// finding matches it: checking part of the tree, or only the lines `--diff-base`
/// reports, leaves the other entries alone (each was reported as "no longer matches a
/// finding"). A fixed finding in a checked file is still reported stale.
#[test]
fn baseline_entries_of_files_not_checked_or_lines_not_changed_are_not_stale() {
    let repo = git_repo(&[
        ("a/application.yml", LIFETIME_10S),
        ("b/application.yml", LIFETIME_10S),
    ]);
    let select = ["--select", "hikari-max-lifetime-below-minimum"];
    let run = |args: &[&str]| {
        poollint()
            .current_dir(repo.path())
            .args(["check", "-f", "concise"])
            .args(select)
            .args(args)
            .assert()
    };
    run(&[".", "--write-baseline", "bl.json"]).code(1);
    run(&["a", "--baseline", "bl.json"])
        .code(0)
        .stderr(predicate::str::is_empty());
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-q", "-m", "baseline"]);
    // A line added below b's finding: neither finding is on a changed line.
    let more = format!("{LIFETIME_10S}      maximum-pool-size: 10\n");
    write_file(repo.path(), "b/application.yml", &more);
    run(&[".", "--diff-base", "HEAD", "--baseline", "bl.json"])
        .code(0)
        .stdout(predicate::str::contains("No problems found"))
        .stderr(predicate::str::is_empty());
    // b's finding fixed: its entry is stale, a's (not on a changed line) is not.
    let fixed = more.replace("10000", "1800000");
    write_file(repo.path(), "b/application.yml", &fixed);
    run(&[".", "--diff-base", "HEAD", "--baseline", "bl.json"])
        .code(0)
        .stderr(predicate::str::contains(
            "no longer matches a finding (fixed? remove it from bl.json): b/application.yml",
        ))
        .stderr(predicate::str::contains("a/application.yml").not());
}

/// Files a manifest names that a run reads only for the topology (beside standard
/// input, or outside the file checked) were not checked: their baseline entries are not
/// called stale (standard input and a single file's check called every other
/// service's entries stale).
#[test]
fn baseline_entries_of_files_read_only_for_the_topology_are_not_stale() {
    let manifest = "[[service]]\nname = \"a\"\nconfig = [\"a/application.yml\"]\n\n[[service]]\nname = \"b\"\nconfig = [\"b/application.yml\"]\n";
    let repo = git_repo(&[
        ("poollint.toml", manifest),
        ("a/application.yml", LIFETIME_10S),
        ("b/application.yml", LIFETIME_10S),
    ]);
    let select = ["--select", "hikari-max-lifetime-below-minimum"];
    let run = |args: &[&str]| {
        let mut command = poollint();
        command
            .current_dir(repo.path())
            .args(["check", "-f", "concise"])
            .args(select)
            .args(args);
        command
    };
    run(&[".", "--write-baseline", "bl.json"]).assert().code(1);
    run(&["a/application.yml", "--baseline", "bl.json"])
        .assert()
        .code(0)
        .stderr(predicate::str::is_empty());
    run(&[
        "--stdin-filename",
        "a/application.yml",
        "--baseline",
        "bl.json",
    ])
    .write_stdin(LIFETIME_10S)
    .assert()
    .code(0)
    .stderr(predicate::str::is_empty());
    // The file checked, fixed: its own entry is stale, still not b's.
    let fixed = LIFETIME_10S.replace("10000", "1800000");
    run(&[
        "--stdin-filename",
        "a/application.yml",
        "--baseline",
        "bl.json",
    ])
    .write_stdin(fixed)
    .assert()
    .code(0)
    .stderr(predicate::str::contains(
        "no longer matches a finding (fixed? remove it from bl.json): a/application.yml",
    ))
    .stderr(predicate::str::contains("b/application.yml").not());
}

/// A path through `..` that names a directory at or below the current one is read as
/// that directory: `--exclude` patterns (relative to the current directory) apply, and
/// paths show as from it (`check ../svc` from `svc` reported `../svc/a/test/…`
/// although `--exclude a/test`; `check a/../a` showed `a/../a/…` in concise and json).
/// A directory above it (`check ..`) is shown as spelt, but the patterns apply.
#[test]
fn paths_through_parent_dirs_are_excluded_and_shown_as_from_the_current_directory() {
    let pool = "spring:\n  datasource:\n    hikari:\n      maximum-pool-size: 0\n";
    let dir = tree(&[
        ("svc/a/application.yml", pool),
        ("svc/a/test/application.yml", pool),
    ]);
    let svc = dir.path().join("svc");
    let concise = |args: &[&str]| {
        let out = poollint()
            .current_dir(&svc)
            .args(["check", "-f", "concise"])
            .args(args)
            .assert()
            .code(1);
        String::from_utf8_lossy(&out.get_output().stdout).into_owned()
    };
    let out = concise(&["../svc", "--exclude", "a/test"]);
    assert!(
        out.contains("\na/application.yml:4:26") || out.starts_with("a/application.yml:4:26"),
        "{out}"
    );
    assert!(!out.contains("test/application.yml"), "{out}");
    // Walked from above the current directory: the patterns still apply below it.
    let out = concise(&["..", "--exclude", "a/test"]);
    assert!(out.contains("a/application.yml:4:26"), "{out}");
    assert!(!out.contains("test/application.yml"), "{out}");
    let out = concise(&["a/../a"]);
    assert!(out.starts_with("a/application.yml:4:26"), "{out}");
    assert!(!out.contains(".."), "{out}");
    let out = concise(&["a/../a/application.yml", "-f", "json"]);
    assert!(out.contains("\"path\": \"a/application.yml\""), "{out}");
}

/// Spaces after the commas of a rule list are not part of the names.
#[test]
fn rule_lists_may_have_spaces_after_commas() {
    poollint()
        .args([
            "check",
            "examples/postmortem-auth",
            "-f",
            "concise",
            "--select",
            "pool-min-exceeds-max, open-session-in-view",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("warning[open-session-in-view]"))
        .stdout(predicate::str::contains("warning[pool-min-exceeds-max]"));
}

/// `--select` narrows the rules, not the files: a file that could not be read is still
/// a `parse-error` (it passed with exit 0 under `--select`); `--ignore` drops it.
#[test]
fn parse_errors_are_reported_whatever_select_says() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_file(
        dir.path(),
        "application.yml",
        "spring:\n  datasource:\n    url: x\n     hikari:\n      maximum-pool-size: 10\n",
    );
    let run = |args: &[&str]| {
        poollint()
            .current_dir(dir.path())
            .args(["check", ".", "-f", "concise"])
            .args(args)
            .assert()
    };
    run(&["--select", "hikari-minimum-idle-set"])
        .code(1)
        .stdout(predicate::str::contains("error[parse-error]"));
    run(&["--ignore", "parse-error"]).code(0);
}

/// Entries of rules the run does not apply to their file (`--ignore`, `off` in
/// `[lint.rules]`, a `[[lint.ignore]]` entry) are not stale: no finding could match
/// them (each was noted "no longer matches a finding", whose advice deleted valid
/// entries). `--write-baseline` with `--diff-base` records every current finding, not
/// only those on changed lines (it wrote 0 entries on a clean tree).
#[test]
fn baseline_entries_of_rules_not_run_are_not_stale_and_a_diff_base_baseline_is_whole() {
    let repo = git_repo(&[("a/application.yml", LIFETIME_10S)]);
    let rule = "hikari-max-lifetime-below-minimum";
    let run = |args: &[&str]| {
        poollint()
            .current_dir(repo.path())
            .args(["check", ".", "-f", "concise", "--fail-on", "never"])
            .args(args)
            .assert()
    };
    run(&["--diff-base", "HEAD", "--write-baseline", "bl.json"])
        .code(0)
        .stdout(predicate::str::contains("No problems found"));
    let written = std::fs::read_to_string(repo.path().join("bl.json")).expect("baseline");
    assert!(written.contains(rule), "{written}");
    run(&["--baseline", "bl.json"]).stderr(predicate::str::is_empty());
    run(&["--baseline", "bl.json", "--ignore", rule]).stderr(predicate::str::is_empty());
    for manifest in [
        format!("[lint.rules]\n\"{rule}\" = \"off\"\n"),
        format!("[[lint.ignore]]\npaths = [\"a/**\"]\nrules = [\"{rule}\"]\n"),
    ] {
        write_file(repo.path(), "poollint.toml", &manifest);
        run(&["--baseline", "bl.json"]).stderr(predicate::str::is_empty());
    }
    // A fixed finding is still stale.
    std::fs::remove_file(repo.path().join("poollint.toml")).expect("remove");
    write_file(
        repo.path(),
        "a/application.yml",
        &LIFETIME_10S.replace("10000", "1800000"),
    );
    run(&["--baseline", "bl.json"]).stderr(predicate::str::contains("no longer matches a finding"));
}

/// `risky-pool-change` compares with a revision: it is no finding of the tree, so a
/// baseline written with `--diff-base` does not record it (every run without
/// `--diff-base` then called the entry stale, and removing it failed the next review).
#[test]
fn a_baseline_written_with_diff_base_does_not_record_risky_pool_change() {
    let pool = |size: u32| {
        format!("spring:\n  datasource:\n    hikari:\n      maximum-pool-size: {size}\n      max-lifetime: 10000\n")
    };
    let repo = git_repo(&[("app/application.yml", &pool(40))]);
    write_file(repo.path(), "app/application.yml", &pool(20));
    let run = |args: &[&str]| {
        poollint()
            .current_dir(repo.path())
            .args(["check", ".", "-f", "concise"])
            .args(args)
            .assert()
    };
    run(&["--diff-base", "HEAD"])
        .code(0)
        .stdout(predicate::str::contains("warning[risky-pool-change]"));
    run(&["--diff-base", "HEAD", "--write-baseline", "bl.json"]).code(0);
    let written = std::fs::read_to_string(repo.path().join("bl.json")).expect("baseline");
    assert!(!written.contains("risky-pool-change"), "{written}");
    assert!(
        written.contains("hikari-max-lifetime-below-minimum"),
        "{written}"
    );
    run(&["--baseline", "bl.json"])
        .code(0)
        .stderr(predicate::str::is_empty());
}

/// A baseline an earlier poollint wrote with a `risky-pool-change` entry: the entry
/// neither hides the change from a review nor is called stale by a run without
/// `--diff-base`.
#[test]
fn an_old_baseline_entry_of_risky_pool_change_is_ignored() {
    let pool = |size: u32| {
        format!("spring:\n  datasource:\n    hikari:\n      maximum-pool-size: {size}\n      max-lifetime: 10000\n")
    };
    let repo = git_repo(&[("app/application.yml", &pool(40))]);
    write_file(repo.path(), "app/application.yml", &pool(20));
    let run = |args: &[&str]| {
        poollint()
            .current_dir(repo.path())
            .args(["check", "."])
            .args(args)
            .assert()
    };
    let review = run(&["--diff-base", "HEAD", "-f", "json"]).code(0);
    let review: serde_json::Value =
        serde_json::from_slice(&review.get_output().stdout).expect("json");
    let risky = &findings_of(&review, "risky-pool-change")[0];
    let fingerprint = risky["fingerprint"].as_str().expect("fingerprint");
    run(&["--write-baseline", "bl.json"])
        .code(1)
        .stderr(predicate::str::contains(
            "wrote 1 baseline entry to bl.json",
        ));
    let written = std::fs::read_to_string(repo.path().join("bl.json")).expect("baseline");
    let mut baseline: serde_json::Value = serde_json::from_str(&written).expect("json");
    let entries = baseline["entries"].as_array_mut().expect("entries");
    entries.push(serde_json::json!({
        "path": "app/application.yml",
        "rule": "risky-pool-change",
        "key": "spring.datasource.hikari.maximum-pool-size",
        "fingerprint": fingerprint,
        "count": 1,
    }));
    write_file(repo.path(), "bl.json", &baseline.to_string());
    run(&["--baseline", "bl.json", "-f", "concise"])
        .code(0)
        .stderr(predicate::str::is_empty());
    run(&[
        "--baseline",
        "bl.json",
        "--diff-base",
        "HEAD",
        "-f",
        "concise",
    ])
    .code(0)
    .stdout(predicate::str::contains("warning[risky-pool-change]"));
}

/// `risky-pool-change` obeys inline suppressions and `[[lint.ignore]]` as every rule
/// does (it is found after the check, and was reported with the suppression called
/// unused), and a suppression of it is not called unused in a run without `--diff-base`.
/// A pool cut in a file that moved in the same change is compared with the file's pool
/// under its old name: `git mv svc orders` with 40 → 4 hid the cut the rule is for.
#[test]
fn risky_pool_change_follows_a_renamed_file() {
    let yaml = |max: u32| {
        format!("spring:\n  datasource:\n    url: jdbc:postgresql://db:5432/x?socketTimeout=30\n    hikari:\n      maximum-pool-size: {max}\n")
    };
    let repo = git_repo(&[("svc/application.yml", &yaml(40))]);
    write_file(repo.path(), "svc/application.yml", &yaml(4));
    git(repo.path(), &["mv", "svc", "orders"]);
    let expected = "orders/application.yml:5:26: warning[risky-pool-change] the pool maximum went from 40 to 4 since HEAD (−90%)";
    let run = |rev: &str| {
        let out = poollint()
            .current_dir(repo.path())
            .args(["check", ".", "-f", "concise", "--diff-base", rev])
            .output()
            .expect("run");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(run("HEAD").contains(expected), "{}", run("HEAD"));
    // Committed, and compared with the commit before.
    git(repo.path(), &["commit", "-q", "-am", "move"]);
    let committed = run("HEAD~1");
    assert!(
        committed.contains(&expected.replace("since HEAD", "since HEAD~1")),
        "{committed}"
    );
}

#[test]
fn risky_pool_change_obeys_suppressions_and_manifest_ignores() {
    let pool = |size: &str| {
        format!("spring:\n  datasource:\n    hikari:\n      maximum-pool-size: {size}\n")
    };
    let repo = git_repo(&[("app/application.yml", &pool("40"))]);
    let run = |args: &[&str]| {
        poollint()
            .current_dir(repo.path())
            .args([
                "check",
                ".",
                "-f",
                "concise",
                "--select",
                "risky-pool-change,unused-suppression",
            ])
            .args(args)
            .assert()
    };
    let suppressed =
        pool("20  # poollint: ignore[risky-pool-change] -- load test shows 20 is enough");
    write_file(repo.path(), "app/application.yml", &suppressed);
    run(&["--diff-base", "HEAD"])
        .code(0)
        .stdout(predicate::str::contains("risky-pool-change").not())
        .stdout(predicate::str::contains("unused-suppression").not());
    run(&[])
        .code(0)
        .stdout(predicate::str::contains("unused-suppression").not());
    write_file(repo.path(), "app/application.yml", &pool("20"));
    run(&["--diff-base", "HEAD"])
        .code(0)
        .stdout(predicate::str::contains("warning[risky-pool-change]"));
    write_file(
        repo.path(),
        "poollint.toml",
        "[[lint.ignore]]\npaths = [\"app/**\"]\nrules = [\"risky-pool-change\"]\nreason = \"sized by load test\"\n",
    );
    run(&["--diff-base", "HEAD"])
        .code(0)
        .stdout(predicate::str::contains("risky-pool-change").not());
}

/// `--write-baseline` from a check of part of the tree (a path, `--stdin-filename`) keeps
/// the entries of the files it did not check: it replaced the whole baseline, so a
/// pre-commit hook refreshing the files it touched wiped the rest without a word.
#[test]
fn writing_a_baseline_from_part_of_the_tree_keeps_the_other_files_entries() {
    let repo = git_repo(&[
        ("a/application.yml", LIFETIME_10S),
        ("b/application.yml", LIFETIME_10S),
    ]);
    let run = |args: &[&str]| {
        poollint()
            .current_dir(repo.path())
            .args(["check", "-f", "concise"])
            .args(args)
            .assert()
    };
    let entries = || {
        let text = std::fs::read_to_string(repo.path().join("bl.json")).expect("baseline");
        let baseline: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        let paths: Vec<String> = baseline["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .map(|e| e["path"].as_str().unwrap_or("").to_owned())
            .collect();
        paths
    };
    run(&[".", "--write-baseline", "bl.json"]).code(1);
    let whole = entries();
    assert!(whole.iter().any(|p| p == "b/application.yml"), "{whole:?}");
    run(&["a", "--write-baseline", "bl.json"])
        .code(1)
        .stderr(predicate::str::contains("kept from it"));
    assert_eq!(entries(), whole);
    poollint()
        .current_dir(repo.path())
        .args([
            "check",
            "-f",
            "concise",
            "--stdin-filename",
            "a/application.yml",
            "--write-baseline",
            "bl.json",
        ])
        .write_stdin(LIFETIME_10S)
        .assert()
        .code(1);
    assert_eq!(entries(), whole);
    run(&[".", "--baseline", "bl.json"])
        .code(0)
        .stdout(predicate::str::contains("No problems found"));
    // A file gone from the tree loses its entries.
    std::fs::remove_file(repo.path().join("b/application.yml")).expect("rm");
    run(&["a", "--write-baseline", "bl.json"]).code(1);
    assert!(!entries().iter().any(|p| p == "b/application.yml"));
}

/// A baseline names files relative to its repository's root (else its own directory),
/// never to where poollint runs: written at the root into `ci/`, it matches from a
/// subdirectory and from outside the repository (each finding came back, each entry
/// was noted stale, as entries outside the baseline's directory were relative to the
/// current directory). A baseline written the old way still matches where it did, and
/// the JSON fingerprint is the baseline's from any directory of the repository.
#[test]
fn a_baseline_matches_from_any_directory_of_its_repository() {
    let repo = git_repo(&[("svc/application.yml", LIFETIME_10S)]);
    let root = repo.path();
    let select = [
        "-f",
        "concise",
        "--select",
        "hikari-max-lifetime-below-minimum",
    ];
    let run = |dir: &std::path::Path, args: &[&str]| {
        poollint()
            .current_dir(dir)
            .arg("check")
            .args(select)
            .args(args)
            .assert()
    };
    std::fs::create_dir_all(root.join("ci")).expect("mkdir");
    run(root, &[".", "--write-baseline", "ci/bl.json"]).code(1);
    let written = std::fs::read_to_string(root.join("ci/bl.json")).expect("read");
    assert!(
        written.contains(r#""path": "svc/application.yml""#),
        "{written}"
    );
    for (dir, args) in [
        (root.join("svc"), [".", "--baseline", "../ci/bl.json"]),
        (root.join("ci"), ["../svc", "--baseline", "bl.json"]),
        (root.to_path_buf(), ["svc", "--baseline", "ci/bl.json"]),
    ] {
        run(&dir, &args)
            .code(0)
            .stdout(predicate::str::contains("No problems found"))
            .stderr(predicate::str::is_empty());
    }
    let outside = root.parent().expect("parent");
    let name = root
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    let baseline = format!("{name}/ci/bl.json");
    run(outside, &[&name, "--baseline", &baseline])
        .code(0)
        .stderr(predicate::str::is_empty());
    // The JSON fingerprint is the entry's, from the root or a subdirectory.
    let fingerprint = |dir: &std::path::Path| {
        let out = poollint()
            .current_dir(dir)
            .args(["check", ".", "-f", "json", select[2], select[3]])
            .output()
            .expect("run");
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        json["diagnostics"][0]["fingerprint"]
            .as_str()
            .expect("fingerprint")
            .to_owned()
    };
    assert!(
        written.contains(&fingerprint(&root.join("svc"))),
        "{written}"
    );
    assert_eq!(fingerprint(root), fingerprint(&root.join("svc")));
}

/// Every finding of the rule fixtures has the same fingerprint whichever directory of
/// the repository poollint runs from (a rule fingerprinted its message, which cites
/// other files relative to the working directory: its baseline entries stopped matching
/// from a subdirectory).
#[test]
fn fixture_fingerprints_do_not_depend_on_the_working_directory() {
    let repo = tempfile::tempdir().expect("temp dir");
    copy_tree(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules"),
        &repo.path().join("rules"),
    );
    git(repo.path(), &["init", "-q"]);
    let fingerprints = |dir: &std::path::Path, path: &str| {
        let out = poollint()
            .current_dir(dir)
            .args(["check", path, "-f", "json"])
            .output()
            .expect("run");
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        let mut found: Vec<String> = json["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .map(|d| format!("{} {}", d["rule"], d["fingerprint"]))
            .collect();
        found.sort();
        found
    };
    let from_root = fingerprints(repo.path(), "rules");
    assert!(from_root.len() > 100, "{}", from_root.len());
    assert_eq!(from_root, fingerprints(&repo.path().join("rules"), "."));
}

const POOL_SIZE_0: &str = "spring:\n  datasource:\n    hikari:\n      maximum-pool-size: 0\n";

/// A repository reached through a linked directory (`cd link` then `check "$PWD/app"`,
/// as CI spells its workspace) is the same repository: the json path, SARIF URI and
/// fingerprint are those of the plain spelling (they were absolute, with a fingerprint
/// of their own), and a baseline written with the plain spelling matches. With `$PWD`
/// unset the linked directory is resolved instead.
#[cfg(unix)]
#[test]
fn a_path_through_a_linked_working_directory_is_shown_as_the_plain_spelling() {
    let repo = git_repo(&[("app/application.yml", POOL_SIZE_0)]);
    let outside = tempfile::tempdir().expect("temp dir");
    let link = outside.path().join("link");
    std::os::unix::fs::symlink(repo.path(), &link).expect("symlink");
    let run = |pwd: Option<&std::path::Path>, path: &str, args: &[&str]| {
        let mut cmd = poollint();
        cmd.current_dir(&link).arg("check").arg(path).args(args);
        match pwd {
            Some(pwd) => cmd.env("PWD", pwd),
            None => cmd.env_remove("PWD"),
        };
        cmd.output().expect("run")
    };
    let shown = |pwd: Option<&std::path::Path>, path: &str| {
        let json: serde_json::Value =
            serde_json::from_slice(&run(pwd, path, &["-f", "json"]).stdout).expect("json");
        let sarif: serde_json::Value =
            serde_json::from_slice(&run(pwd, path, &["-f", "sarif"]).stdout).expect("sarif");
        let d = &json["diagnostics"][0];
        let location = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
        [
            d["path"].clone(),
            d["fingerprint"].clone(),
            location["artifactLocation"]["uri"].clone(),
        ]
    };
    let plain = shown(Some(&link), "app");
    assert_eq!(plain[0], "app/application.yml");
    assert_eq!(plain[2], "app/application.yml");
    let through_link = link.join("app");
    let through_link = through_link.to_str().expect("UTF-8 path");
    assert_eq!(shown(Some(&link), through_link), plain);
    assert_eq!(shown(None, through_link), plain);
    assert_eq!(
        run(Some(&link), "app", &["--write-baseline", "bl.json"])
            .status
            .code(),
        Some(1)
    );
    let baselined = run(Some(&link), through_link, &["--baseline", "bl.json"]);
    assert_eq!(baselined.status.code(), Some(0), "{baselined:?}");
}

/// On Unix `\` is a byte of a name, not a separator: a file under `a\b` keeps its name
/// in every format (it was shown as `a/b`, the other file here, with its fingerprint
/// and JUnit testcase), and `init` writes a manifest naming it that `check` accepts.
#[cfg(unix)]
#[test]
fn a_backslash_in_a_unix_file_name_is_kept() {
    let dir = tree(&[
        ("a\\b/application.yml", POOL_SIZE_0),
        ("a/b/application.yml", POOL_SIZE_0),
    ]);
    let out = poollint()
        .current_dir(dir.path())
        .args(["check", ".", "-f", "json"])
        .output()
        .expect("run");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let found: std::collections::BTreeSet<(String, String)> = json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| (d["path"].to_string(), d["fingerprint"].to_string()))
        .collect();
    let paths: Vec<&str> = found.iter().map(|(path, _)| path.as_str()).collect();
    assert_eq!(
        paths,
        [r#""a/b/application.yml""#, r#""a\\b/application.yml""#]
    );
    assert_ne!(found.first().unwrap().1, found.last().unwrap().1);
    poollint()
        .current_dir(dir.path())
        .args(["check", ".", "-f", "junit"])
        .assert()
        .stdout(predicate::str::contains(r#"tests="2""#))
        .stdout(predicate::str::contains(r#"name="a\b/application.yml""#));
    std::fs::remove_dir_all(dir.path().join("a")).expect("remove a/b");
    poollint()
        .current_dir(dir.path())
        .args(["init", "."])
        .assert()
        .success();
    let manifest = std::fs::read_to_string(dir.path().join("poollint.toml")).expect("read");
    assert!(manifest.contains(r#""a\\b/application.yml""#), "{manifest}");
    poollint()
        .current_dir(dir.path())
        .args(["check", ".", "-f", "concise"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("a\\b/application.yml:4:26"));
}

/// A baseline written before paths were repository-relative (relative to its own
/// directory) still matches: here one written outside any repository, in `team/`,
/// read after the tree became one.
#[test]
fn a_baseline_relative_to_its_directory_still_matches_inside_a_repository() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    write_file(root, "team/app/application.yml", LIFETIME_10S);
    let run = |args: &[&str]| {
        poollint()
            .current_dir(root)
            .args(["check", "-f", "concise", "team"])
            .args(args)
            .assert()
    };
    run(&["--write-baseline", "team/bl.json"]);
    let written = std::fs::read_to_string(root.join("team/bl.json")).expect("read");
    assert!(
        written.contains(r#""path": "app/application.yml""#),
        "{written}"
    );
    git(root, &["init", "-q"]);
    run(&["--baseline", "team/bl.json"])
        .code(0)
        .stdout(predicate::str::contains("No problems found"))
        .stderr(predicate::str::is_empty());
    // Rewritten, it names the file from the repository's root.
    run(&["--write-baseline", "team/bl.json"]);
    let rewritten = std::fs::read_to_string(root.join("team/bl.json")).expect("read");
    assert!(
        rewritten.contains(r#""path": "team/app/application.yml""#),
        "{rewritten}"
    );
}

/// A change to an input a finding labels (here `max_connections`, below what the fleet
/// opens) causes the finding although its primary line, the pool, is as it was: it is
/// reported (the old code kept only findings whose primary line changed, and exited 0).
#[test]
fn diff_base_reports_findings_whose_label_is_on_a_changed_line() {
    let manifest = "[[database]]\nname = \"main\"\nengine = \"postgresql\"\nconfig = \"db/postgresql.conf\"\n[[service]]\nname = \"a\"\nconfig = [\"a/application.yml\"]\ninstances = 3\nconnects-to = \"main\"\n";
    let pool = "spring:\n  datasource:\n    hikari:\n      maximum-pool-size: 10\n";
    let repo = git_repo(&[
        ("poollint.toml", manifest),
        ("a/application.yml", pool),
        ("db/postgresql.conf", "max_connections = 100\n"),
    ]);
    std::fs::write(
        repo.path().join("db/postgresql.conf"),
        "max_connections = 20\n",
    )
    .expect("write");
    poollint()
        .args([
            "check",
            ".",
            "-f",
            "concise",
            "--diff-base",
            "HEAD",
            "--select",
            "fleet-exceeds-db-slots",
        ])
        .current_dir(repo.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "a/application.yml:4:26: error[fleet-exceeds-db-slots]",
        ));
    // Nothing changed at all: nothing reported.
    git(repo.path(), &["commit", "-q", "-am", "cut"]);
    poollint()
        .args([
            "check",
            ".",
            "-f",
            "concise",
            "--diff-base",
            "HEAD",
            "--select",
            "fleet-exceeds-db-slots",
        ])
        .current_dir(repo.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("fleet-exceeds-db-slots").not());
}

#[test]
fn readme_review_bot_command_emits_rdjsonl_for_changed_lines() {
    let repo = git_repo(&[(
        "app/application.yml",
        "spring:\n  datasource:\n    hikari:\n      keepalive-time: 60000\n",
    )]);
    std::fs::write(
        repo.path().join("app/application.yml"),
        "spring:\n  datasource:\n    hikari:\n      keepalive-time: 10\n",
    )
    .expect("write");
    let output = poollint()
        .args(["check", ".", "--diff-base", "HEAD", "-f", "rdjsonl"])
        .current_dir(repo.path())
        .output()
        .expect("run");
    let text = String::from_utf8(output.stdout).expect("utf-8");
    assert!(!text.is_empty(), "no rdjsonl output");
    for line in text.lines() {
        let value: serde_json::Value = serde_json::from_str(line).expect("rdjsonl line is JSON");
        assert_eq!(value["location"]["path"], "app/application.yml");
        assert_eq!(value["location"]["range"]["start"]["line"], 4);
    }
}

#[test]
fn readme_ci_commands_write_sarif_and_gitlab_reports() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sarif = dir.path().join("poollint.sarif");
    let gitlab = dir.path().join("gl-code-quality-report.json");
    poollint()
        .args(["check", FAILING, "-f", "human"])
        .arg("-f")
        .arg(format!("sarif={}", sarif.display()))
        .arg("-f")
        .arg(format!("gitlab={}", gitlab.display()))
        .assert()
        .code(1);
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sarif).expect("sarif")).expect("JSON");
    assert_eq!(sarif["version"], "2.1.0");
    assert!(!sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .is_empty());
    let gitlab: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(gitlab).expect("gitlab")).expect("JSON");
    assert!(gitlab.as_array().is_some_and(|a| !a.is_empty()));
}

#[test]
fn github_actions_adds_annotations_to_human_output() {
    let mut cmd = Command::cargo_bin("poollint").expect("binary");
    cmd.env("NO_COLOR", "1")
        .env("GITHUB_ACTIONS", "true")
        .args(["check", FAILING])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("::error file="));
}

/// With `-f github` on stdout too, the human format adds no annotations of its own:
/// each finding is annotated once (it was twice). With `-f github=FILE`, it still does.
#[test]
fn github_actions_annotates_each_finding_once_with_github_on_stdout() {
    let run = |formats: &[&str]| {
        let output = poollint()
            .env("GITHUB_ACTIONS", "true")
            .args([
                "check",
                FAILING,
                "--select",
                "hikari-max-lifetime-below-minimum",
            ])
            .args(formats)
            .output()
            .expect("run");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        stdout.lines().filter(|l| l.starts_with("::error ")).count()
    };
    let alone = run(&["-f", "github"]);
    assert!(alone > 0);
    assert_eq!(run(&["-f", "human", "-f", "github"]), alone);
    assert_eq!(run(&["-f", "github", "-f", "human"]), alone);
    let dir = tempfile::tempdir().expect("temp dir");
    let file = format!("github={}", dir.path().join("a.txt").display());
    assert_eq!(run(&["-f", "human", "-f", &file]), alone);
}

#[test]
fn suppressions_work_in_properties_and_ini_dialects() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("app")).expect("mkdir");
    std::fs::write(
        dir.path().join("app/application.properties"),
        "# poollint: ignore[hikari-max-lifetime-below-minimum] -- test\nspring.datasource.hikari.max-lifetime=10000\n",
    )
    .expect("write");
    // `!` is a `.properties` comment too: one between a suppression and its line does
    // not take it, and a `! poollint:` comment suppresses.
    std::fs::create_dir_all(dir.path().join("bang")).expect("mkdir");
    std::fs::write(
        dir.path().join("bang/application.properties"),
        "# poollint: ignore[hikari-max-lifetime-below-minimum] -- test\n! HikariCP reads milliseconds\nspring.datasource.hikari.max-lifetime=10000\n",
    )
    .expect("write");
    std::fs::create_dir_all(dir.path().join("bang2")).expect("mkdir");
    std::fs::write(
        dir.path().join("bang2/application.properties"),
        "! poollint: ignore[hikari-max-lifetime-below-minimum] -- test\nspring.datasource.hikari.max-lifetime=10000\n",
    )
    .expect("write");
    std::fs::create_dir_all(dir.path().join("bouncer")).expect("mkdir");
    std::fs::write(
        dir.path().join("bouncer/pgbouncer.ini"),
        "[pgbouncer]\n; poollint: ignore[pgbouncer-insecure-auth-type] -- local only\nauth_type = trust\n",
    )
    .expect("write");
    poollint()
        .args(["check", "-f", "concise"])
        .arg(dir.path())
        .args([
            "--select",
            "hikari-max-lifetime-below-minimum,pgbouncer-insecure-auth-type,unused-suppression",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("No problems found"));
}

#[test]
fn marker_that_is_part_of_a_value_suppresses_nothing() {
    // `.properties` has `#` comments only at the start of a line and PgBouncer has no
    // end-of-line comments: the marker is part of the value, which is reported.
    let dir = tempfile::tempdir().expect("temp dir");
    write_file(
        dir.path(),
        "app/application.properties",
        "spring.datasource.hikari.max-lifetime=600 # poollint: ignore[suspicious-time-unit]\n",
    );
    write_file(
        dir.path(),
        "bouncer/pgbouncer.ini",
        "[pgbouncer]\nquery_wait_timeout = 30 ; poollint: ignore[suspicious-time-unit]\n",
    );
    // A real end-of-line comment in YAML still suppresses.
    write_file(dir.path(), "yaml/application.yml", "spring:\n  datasource:\n    hikari:\n      max-lifetime: 10000 # poollint: ignore[hikari-max-lifetime-below-minimum]\n");
    // The same in a ConfigMap key holding such a file (the whole block was taken for a
    // comment); in one holding an `application.yml`, an end-of-line comment suppresses.
    write_file(dir.path(), "k8s/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  application.properties: |\n    spring.datasource.hikari.max-lifetime=600 # poollint: ignore[suspicious-time-unit]\n  application.yml: |\n    spring:\n      datasource:\n        hikari:\n          max-lifetime: 10000 # poollint: ignore[hikari-max-lifetime-below-minimum]\n");
    let output = poollint()
        .args(["check", "-f", "concise"])
        .arg(dir.path())
        .args([
            "--select",
            "suspicious-time-unit,hikari-max-lifetime-below-minimum,unused-suppression",
        ])
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("application.properties:1:39: error[suspicious-time-unit]"),
        "{stdout}"
    );
    assert!(
        stdout.contains("pgbouncer.ini:2:22: error[suspicious-time-unit]"),
        "{stdout}"
    );
    assert!(
        stdout.contains("cm.yaml:7:43: error[suspicious-time-unit]"),
        "{stdout}"
    );
    assert!(!stdout.contains("cm.yaml:12"), "{stdout}");
    assert!(!stdout.contains("application.yml"), "{stdout}");
    assert!(!stdout.contains("unused-suppression"), "{stdout}");
}

/// Text in a block scalar is a comment only when its key names a file of a kind with
/// comments: a shell script's `# poollint: ignore-file[…]` line in a ConfigMap's
/// `entrypoint.sh: |`, or a line of a multi-line `pool-name: |`, suppressed findings
/// (an error, so CI passed).
#[test]
fn a_marker_in_a_block_of_no_config_file_suppresses_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_file(dir.path(), "k8s/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  application.properties: |\n    spring.datasource.url=jdbc:postgresql://db:5432/x?socketTimeout=30\n    spring.datasource.hikari.max-lifetime=600\n  entrypoint.sh: |\n    #!/bin/sh\n    # poollint: ignore-file[hikari-max-lifetime-below-minimum]\n    exec java -jar app.jar\n");
    write_file(dir.path(), "app/application.yml", "spring:\n  datasource:\n    hikari:\n      pool-name: |\n        # poollint: ignore[hikari-minimum-idle-set]\n      minimum-idle: 5\n");
    let found = concise_findings_in(dir.path());
    assert!(
        found.iter().any(|f| f.starts_with("k8s/cm.yaml:8:")
            && f.contains("error[hikari-max-lifetime-below-minimum]")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|f| f.contains("[hikari-minimum-idle-set]")),
        "{found:?}"
    );
}

/// JSON that takes comments (node-config's `config/*.json`, read with JSON5, and .NET's
/// `appsettings.json`) holds suppressions in its `//` and `/* */` comments: a
/// `// poollint: …` line was a `parse-error` in node-config JSON (its `: ` read as
/// YAML), and suppressed nothing in `appsettings.json`.
#[test]
fn suppressions_work_in_json_comments() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_file(dir.path(), "svc/config/default.json", "{\n  // poollint: ignore[knex-min-nonzero] -- warm pool\n  \"db\": {\"client\": \"pg\", \"pool\": { \"min\": 2, \"max\": 10 }},\n  /* TODO: a note */ \"url\": 'postgres://db//x'\n}\n");
    write_file(dir.path(), "dotnet/appsettings.json", "{\n  \"ConnectionStrings\": {\n    /* poollint: ignore[pool-size-invalid] */ \"Default\": \"Host=db;Database=x;Maximum Pool Size=-1\"\n  }\n}\n");
    assert_eq!(concise_findings_in(dir.path()), Vec::<String>::new());
}

/// A `/* */` suppression over two lines applies to the line after the comment (its
/// second line was taken for code), and an ERB comment tag in `database.yml` is a
/// comment, which Rails drops before reading the YAML.
#[test]
fn suppressions_in_block_comments_and_erb_comment_tags() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_file(dir.path(), "svc/config/default.json", "{\n  /* poollint: ignore[knex-min-nonzero]\n     -- warm pool */\n  \"db\": {\"client\": \"pg\", \"pool\": { \"min\": 2, \"max\": 10 }}\n}\n");
    write_file(dir.path(), "rails/config/database.yml", "production:\n  adapter: postgresql\n  <%# poollint: ignore[pool-size-invalid] -- disabled on purpose %>\n  pool: 0\n");
    assert_eq!(concise_findings_in(dir.path()), Vec::<String>::new());
}

/// A suppression in a file one manifest governs and another's topology reads is used
/// when that topology's finding needs it: the governing manifest's share, which does
/// not see the finding, called it unused (and removing it brought the error back).
#[test]
fn a_suppression_used_by_another_manifests_topology_is_not_unused() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_file(dir.path(), "poollint.toml", "[[database]]\nname = \"d\"\nmax-connections = 10\n\n[[service]]\nname = \"s\"\nconfig = [\"b/application.yml\"]\ninstances = 5\nconnects-to = \"d\"\n");
    write_file(
        dir.path(),
        "b/poollint.toml",
        "[lint]\nfail-on = \"error\"\n",
    );
    write_file(dir.path(), "b/application.yml", "spring:\n  datasource:\n    hikari:\n      maximum-pool-size: 10 # poollint: ignore[fleet-exceeds-db-slots, pool-size-invalid]\n");
    let found = concise_findings_in(dir.path());
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains(
            "warning[unused-suppression] this suppression of pool-size-invalid matches no finding"
        ),
        "{found:?}"
    );
}

/// A file that is not read (a syntax error) is checked by no rule, so none of its
/// suppressions is reported unused: it will be needed once the file is mended.
#[test]
fn a_file_with_a_syntax_error_reports_no_unused_suppression() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_file(dir.path(), "app/application.yml", "spring:\n  datasource:\n    hikari:\n      minimum-idle: 5 # poollint: ignore[hikari-minimum-idle-set]\n      maximum-pool-size: [\n");
    let found = concise_findings_in(dir.path());
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("error[parse-error]"), "{found:?}");
}

#[test]
fn file_with_a_syntax_error_gets_no_other_finding() {
    // rules/parse-error.md: poollint skips the file, so no other rule checks it (the
    // recovering parsers' partial trees were read before).
    let dir = tempfile::tempdir().expect("temp dir");
    write_file(
        dir.path(),
        "pgbouncer.ini",
        "junk line\n[pgbouncer]\nauth_type = trust\n",
    );
    write_file(
        dir.path(),
        "y/application.yml",
        "spring:\n  datasource:\n    hikari:\n      max-lifetime: 600\n  jpa: [\n",
    );
    let output = poollint()
        .args(["check", "-f", "concise"])
        .arg(dir.path())
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    let findings: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("error[") || l.contains("warning[") || l.contains("info["))
        .collect();
    assert_eq!(findings.len(), 2, "{stdout}");
    assert!(
        findings.iter().all(|l| l.contains("[parse-error]")),
        "{stdout}"
    );
}

#[test]
fn suggested_hikari_timeouts_pass_every_rule() {
    // connection-timeout 250 with validation-timeout 250: no validation-timeout is both
    // at least 250 and below 250 (the help said "e.g. 250"); connection-timeout 5: the
    // 5000 suggested needs the validation-timeout (5000 by default) below it.
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in [
        ("a", "spring:\n  datasource:\n    hikari:\n      connection-timeout: 250\n      validation-timeout: 250\n"),
        ("b", "spring:\n  datasource:\n    hikari:\n      connection-timeout: 5\n"),
    ] {
        std::fs::create_dir_all(dir.path().join(name)).expect("mkdir");
        std::fs::write(dir.path().join(name).join("application.yml"), text).expect("write");
    }
    let output = poollint()
        .args(["check", "-f", "json"])
        .arg(dir.path())
        .args([
            "--select",
            "hikari-timeout-constraints,suspicious-time-unit",
        ])
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!stdout.contains("e.g. 250 "), "{stdout}");
    assert!(
        stdout.contains(
            "raise connection-timeout, e.g. to 1000, and set validation-timeout below it, e.g. 500"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("write 5000, and validation-timeout below it (it is 5000), e.g. 2500"),
        "{stdout}"
    );
    assert!(
        stdout.contains("at least 250 (milliseconds), e.g. 1000, and validation-timeout below it (it is 5000), e.g. 500"),
        "{stdout}"
    );
}

#[test]
fn show_settings_says_where_each_setting_comes_from() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("poollint.toml"),
        "[lint]\nfail-on = \"warning\"\n[lint.rules]\n\"pool-saturated-by-declared-load\" = { level = \"warning\", warn-utilization = 0.8 }\n[[lint.ignore]]\npaths = [\"legacy/**\"]\nrules = [\"max-lifetime-unbounded\"]\nreason = \"retiring\"\n",
    )
    .expect("write");
    write_file(dir.path(), "legacy/application.yml", LIFETIME_10S);
    poollint()
        .current_dir(dir.path())
        .args(["check", "--show-settings", "legacy/application.yml"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("fail-on: warning ("))
        .stdout(predicate::str::contains(
            "pool-saturated-by-declared-load: warning ([lint.rules]",
        ))
        .stdout(predicate::str::contains(
            "warn-utilization = 0.8 ([lint.rules])",
        ))
        .stdout(predicate::str::contains(
            "max-lifetime-unbounded: off for this path ([[lint.ignore]] legacy/**: retiring",
        ));
}

/// `--select` never turns `parse-error` off (a file that cannot be read must not pass),
/// and `--show-settings` says so instead of `off (not in --select)`.
#[test]
fn show_settings_keeps_parse_error_on_under_select() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_file(dir.path(), "app/application.yml", LIFETIME_10S);
    poollint()
        .current_dir(dir.path())
        .args(["check", "--select", "pool-unbounded"])
        .args(["--show-settings", "app/application.yml"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("parse-error: error (default)"))
        .stdout(predicate::str::contains(
            "pool-size-invalid: off (not in --select)",
        ));
}

#[test]
fn completions_and_man_page_are_generated_from_the_cli() {
    poollint()
        .args(["completions", "bash"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("--diff-base"));
    poollint()
        .arg("man")
        .assert()
        .code(0)
        .stdout(predicate::str::contains(".TH poollint 1"))
        .stdout(predicate::str::contains("poollint\\-check(1)"));
    // The page the top one refers to, with the subcommand's options (there was none).
    poollint()
        .args(["man", "check"])
        .assert()
        .code(0)
        // The tool's version in the header, as the top page has it (it was empty).
        .stdout(predicate::str::contains(concat!(
            ".TH poollint-check 1  \"poollint-check ",
            env!("CARGO_PKG_VERSION"),
            "\""
        )))
        .stdout(predicate::str::contains("poollint\\-check \\- Check"))
        .stdout(predicate::str::contains("diff\\-base"));
    poollint()
        .args(["man", "nope"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no subcommand `nope`"));
}

/// A directory name with a line break or another control character is escaped in the
/// manifest `init` writes, as a TOML string must be: the manifest parses and `check`
/// runs with it as without it (the raw line break made it invalid TOML, exit 2).
#[test]
fn init_escapes_control_characters_of_names_in_the_manifest() {
    let name = "a\nb\u{1}";
    let dir = tree(&[(
        &format!("{name}/application.yml"),
        "spring:\n  datasource:\n    hikari:\n      maximum-pool-size: 0\n",
    )]);
    let check = || {
        poollint()
            .current_dir(dir.path())
            .args(["check", ".", "-f", "concise"])
            .output()
            .expect("run")
    };
    let before = check();
    assert_eq!(before.status.code(), Some(1), "{before:?}");
    poollint()
        .current_dir(dir.path())
        .args(["init", "."])
        .assert()
        .success();
    let manifest = std::fs::read_to_string(dir.path().join("poollint.toml")).expect("read");
    assert!(manifest.contains(r#"name = "a\nb\u0001""#), "{manifest}");
    let parsed: toml::Table = toml::from_str(&manifest).expect("valid TOML");
    assert_eq!(parsed["service"][0]["name"].as_str(), Some(name));
    let after = check();
    assert_eq!(after.status.code(), before.status.code(), "{after:?}");
    // The same finding; the summary counts the manifest too.
    let first_line = |out: &std::process::Output| {
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        stdout.lines().next().map(str::to_owned)
    };
    assert_eq!(first_line(&after), first_line(&before));
}

/// The names a service may connect to are listed in a comment: a line break in one
/// ended the comment, and the next `check` refused the manifest as invalid TOML.
#[test]
fn init_quotes_the_names_it_lists_in_a_comment() {
    let dir = tree(&[
        (
            "app/application.yml",
            "spring:\n  datasource:\n    hikari:\n      maximum-pool-size: 5\n",
        ),
        ("d\nx/postgresql.conf", "max_connections = 100\n"),
        ("e/postgresql.conf", "max_connections = 100\n"),
    ]);
    poollint()
        .current_dir(dir.path())
        .args(["init", "."])
        .assert()
        .success();
    let manifest = std::fs::read_to_string(dir.path().join("poollint.toml")).expect("read");
    assert!(
        manifest.contains(r#"# TODO: one of "d\nx", "e""#),
        "{manifest}"
    );
    toml::from_str::<toml::Table>(&manifest).expect("valid TOML");
}

#[test]
fn init_writes_a_manifest_that_check_accepts_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let copy = |rel: &str| {
        let from = std::path::Path::new("examples/fleet").join(rel);
        let to = dir.path().join(rel);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::copy(from, to).expect("copy");
    };
    for rel in [
        "orders/src/main/resources/application.yml",
        "deploy/orders.yaml",
        "pgbouncer/pgbouncer.ini",
        "db/postgresql.conf",
    ] {
        copy(rel);
    }
    poollint().arg("init").arg(dir.path()).assert().code(0);
    let manifest =
        std::fs::read_to_string(dir.path().join("poollint.toml")).expect("manifest written");
    assert!(
        manifest.contains("[[database]]\nname = \"db\""),
        "{manifest}"
    );
    assert!(
        manifest.contains("config = \"pgbouncer/pgbouncer.ini\""),
        "{manifest}"
    );
    assert!(
        manifest.contains("deployment = \"deploy/orders.yaml\""),
        "{manifest}"
    );
    assert!(manifest.contains("# [service.load]"), "{manifest}");
    // Replica counts are TODOs, not values: an invented 1 would be cited as the
    // manifest's word in every finding.
    assert!(
        manifest.contains("# instances = 1              # TODO: PgBouncer replicas"),
        "{manifest}"
    );
    assert!(!manifest.contains("\ninstances ="), "{manifest}");
    // The written manifest is valid: check runs with it (findings, not a config error).
    poollint()
        .args(["check", "-f", "concise"])
        .arg(dir.path())
        .assert()
        .code(predicate::in_iter([0, 1]));
    poollint()
        .arg("init")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("exists; use --force"));
}

#[test]
fn capacity_svg_charts_each_pool_with_peak_and_breaking_point() {
    poollint()
        .args(["capacity", "examples/postmortem-auth", "--format", "svg"])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("<svg"))
        .stdout(predicate::str::contains("declared peak"))
        .stdout(predicate::str::contains("breaking point 800 req/s"))
        .stdout(
            predicate::str::contains("P(wait &gt; acquire timeout)")
                .or(predicate::str::contains("P(wait > acquire timeout)")),
        );
    poollint()
        .args(["capacity", CLEAN, "--format", "svg"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no pool with declared load"));
}

#[test]
fn deployment_environment_overrides_the_pool_of_the_application_config() {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |rel: &str, text: &str| write_file(dir.path(), rel, text);
    write("app/application.yml", "spring:\n  datasource:\n    url: jdbc:postgresql://db:5432/x?socketTimeout=30\n    hikari:\n      maximum-pool-size: 5\n");
    write(
        "deploy/app.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  replicas: 10\n  template:\n    spec:\n      containers:\n        - name: app\n          env:\n            - name: SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE\n              value: \"20\"\n            - name: POSTGRES_PASSWORD\n              value: Env-Secret-Value-1\n",
    );
    write(
        "poollint.toml",
        "[[database]]\nname = \"db\"\nmax-connections = 100\n\n[[service]]\nname = \"app\"\nconfig = [\"app/application.yml\"]\ndeployment = \"deploy/app.yaml\"\nconnects-to = \"db\"\n",
    );
    // 10 replicas × 20 (from the environment, not the file's 5) = 200 > 97.
    poollint()
        .args([
            "check",
            "-f",
            "concise",
            "--select",
            "fleet-exceeds-db-slots",
        ])
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("demand 200"))
        .stdout(predicate::str::contains(
            "deploy/app.yaml:13:23: error[fleet-exceeds-db-slots]",
        ));
    let output = poollint()
        .args(["check", "-f", "json"])
        .arg(dir.path())
        .output()
        .expect("run");
    assert!(!String::from_utf8_lossy(&output.stdout).contains("Env-Secret-Value-1"));
}

/// The manifest linking `app/application.yml` to the deployment `deploy/app.yaml`,
/// connecting to `db`; without `deployment` when `deployed` is false.
fn linked_manifest(deployed: bool) -> String {
    let deployment = if deployed {
        "deployment = \"deploy/app.yaml\"\n"
    } else {
        ""
    };
    format!("[[database]]\nname = \"db\"\nmax-connections = 100\n\n[[service]]\nname = \"app\"\nconfig = [\"app/application.yml\"]\n{deployment}connects-to = \"db\"\n")
}

/// A tree of `application` as `app/application.yml`, and a Deployment of 2 replicas
/// whose container sets `env` (name and value each; the first variable's value is on
/// line 13, column 23 for a quoted value) that the manifest links to it.
fn linked_deployment(application: &str, env: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let variables: String = env
        .iter()
        .map(|(name, value)| format!("            - name: {name}\n              value: {value}\n"))
        .collect();
    let deployment = format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n        - name: app\n          env:\n{variables}");
    write_file(dir.path(), "app/application.yml", application);
    write_file(dir.path(), "deploy/app.yaml", &deployment);
    write_file(dir.path(), "poollint.toml", &linked_manifest(true));
    dir
}

/// The concise findings of `rule` for `application` run by a deployment that sets
/// `env` ([`linked_deployment`]).
fn linked_findings(application: &str, env: &[(&str, &str)], rule: &str) -> String {
    let dir = linked_deployment(application, env);
    check_output(dir.path(), "concise", rule)
}

/// HikariCP's validation-timeout and leak-detection-threshold the deployment sets
/// override the application file's too: its pool is not judged on HikariCP's default
/// validation-timeout (5000 ms) when the deployment runs it with 100 ms.
#[test]
fn deployment_environment_overrides_the_rarer_hikari_settings_too() {
    let dir = linked_deployment(
        "spring:\n  datasource:\n    url: jdbc:postgresql://db:5432/x?socketTimeout=30\n    hikari:\n      maximum-pool-size: 5\n      connection-timeout: 1000\n",
        &[
            ("SPRING_DATASOURCE_HIKARI_VALIDATIONTIMEOUT", "\"100\""),
            ("SPRING_DATASOURCE_HIKARI_LEAKDETECTIONTHRESHOLD", "\"500\""),
        ],
    );
    let output = poollint()
        .args(["check", "-f", "concise"])
        .arg(dir.path())
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(
            "deploy/app.yaml:13:23: error[hikari-timeout-constraints] validation-timeout is 100 ms"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("deploy/app.yaml:15:23: warning[hikari-leak-detection-invalid]"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("(HikariCP default) but connection-timeout is 1000 ms"),
        "the file's pool was judged on the default the deployment overrides:\n{stdout}"
    );
}

/// A driver property the deployment sets joins the application file's, as Spring binds
/// `data-source-properties` key by key: the file's pool has the socket timeout the
/// deployment gives it, under the lower-case key Spring Boot binds from an environment
/// variable, which pgjdbc (exact names) never reads.
#[test]
fn a_driver_property_the_deployment_sets_joins_the_file_pools() {
    let dir = linked_deployment(
        "spring:\n  datasource:\n    url: jdbc:postgresql://db:5432/x\n    hikari:\n      maximum-pool-size: 5\n      data-source-properties:\n        ApplicationName: app\n",
        &[(
            "SPRING_DATASOURCE_HIKARI_DATASOURCEPROPERTIES_SOCKETTIMEOUT",
            "\"30\"",
        )],
    );
    let socket_timeout_findings = || {
        poollint()
            .args([
                "check",
                "-f",
                "concise",
                "--select",
                "driver-socket-timeout-missing",
            ])
            .arg(dir.path())
            .assert()
    };
    socket_timeout_findings().code(0).stdout(predicate::str::contains(
        "deploy/app.yaml:13:23: warning[driver-socket-timeout-missing] pgjdbc ignores `sockettimeout`",
    ));
    // Without the deployment, the file's pool has none.
    std::fs::remove_file(dir.path().join("deploy/app.yaml")).expect("remove");
    write_file(dir.path(), "poollint.toml", &linked_manifest(false));
    socket_timeout_findings().stdout(predicate::str::contains(
        "app/application.yml:3:10: warning[driver-socket-timeout-missing]",
    ));
}

/// A data source class the deployment sets meets the application file's jdbc-url in
/// one pool, as HikariCP receives both: the conflict is found where the class is set.
#[test]
fn a_data_source_class_the_deployment_sets_conflicts_with_the_files_jdbc_url() {
    let dir = linked_deployment(
        "spring:\n  datasource:\n    hikari:\n      jdbc-url: jdbc:postgresql://db:5432/x?socketTimeout=30\n      maximum-pool-size: 5\n",
        &[(
            "SPRING_DATASOURCE_HIKARI_DATASOURCECLASSNAME",
            "org.postgresql.ds.PGSimpleDataSource",
        )],
    );
    poollint()
        .args(["check", "-f", "concise"])
        .arg(dir.path())
        .assert()
        .stdout(predicate::str::contains(
            "deploy/app.yaml:13:22: warning[hikari-datasource-class-conflict]",
        ));
}

/// HikariCP runs one `connection-init-sql`: the deployment's replaces the application
/// file's. The file's `SET statement_timeout` no longer runs when the deployment's
/// script sets something else, and the deployment's counts when the file has none.
#[test]
fn the_deployments_init_sql_replaces_the_files() {
    let application = |init_sql: &str| {
        format!("spring:\n  datasource:\n    url: jdbc:postgresql://db:5432/x?socketTimeout=30\n    hikari:\n      maximum-pool-size: 5\n{init_sql}")
    };
    let statement_timeout_findings = |application: &str, script: &str| {
        let dir = linked_deployment(
            application,
            &[("SPRING_DATASOURCE_HIKARI_CONNECTIONINITSQL", script)],
        );
        write_file(dir.path(), "db/postgresql.conf", "max_connections = 100\n");
        let manifest = linked_manifest(true).replace(
            "max-connections = 100\n",
            "engine = \"postgresql\"\nconfig = \"db/postgresql.conf\"\n",
        );
        write_file(dir.path(), "poollint.toml", &manifest);
        check_output(dir.path(), "concise", "statement-timeout-missing")
    };
    let file_sets_it = application("      connection-init-sql: SET statement_timeout = 5000\n");
    let found = statement_timeout_findings(&file_sets_it, "\"SET search_path TO app\"");
    assert!(
        found.contains("db/postgresql.conf:1:1: warning[statement-timeout-missing]"),
        "the file's script was kept beside the deployment's:\n{found}"
    );
    let found = statement_timeout_findings(&application(""), "\"SET statement_timeout = 5000\"");
    assert!(
        !found.contains("statement-timeout-missing"),
        "the deployment's script was not applied:\n{found}"
    );
}

/// `spring.jpa.open-in-view` the deployment sets outranks the application file's, in
/// the legacy form of the name (`SPRING_JPA_OPEN_IN_VIEW`) too, as Spring Boot binds it.
#[test]
fn the_deployments_open_in_view_outranks_the_files() {
    let open_in_view_findings = |in_file: &str, in_deployment: &str| {
        linked_findings(
            &format!("spring:\n  datasource:\n    url: jdbc:postgresql://db:5432/x?socketTimeout=30\n  jpa:\n    open-in-view: {in_file}\n"),
            &[("SPRING_JPA_OPEN_IN_VIEW", in_deployment)],
            "open-session-in-view",
        )
    };
    let found = open_in_view_findings("true", "\"false\"");
    assert!(
        !found.contains("open-session-in-view"),
        "the file's open-in-view won over the deployment's:\n{found}"
    );
    let found = open_in_view_findings("false", "\"true\"");
    assert!(
        found.contains("deploy/app.yaml:13:23: warning[open-session-in-view]"),
        "the deployment's open-in-view was not read:\n{found}"
    );
}

/// The user a Spring pool logs in as, with the deployment's variables over the file's
/// keys as Spring binds them: the deployment's `SPRING_DATASOURCE_USERNAME` replaces
/// the file's `spring.datasource.username` but not its HikariCP `username`, which Spring
/// binds onto the data source last; a deployment URL without a user keeps the file's
/// username. PgBouncer runs `webuser` in transaction mode, so the pool's
/// `connection-init-sql` is reported exactly when it logs in as `webuser`.
#[test]
fn the_pool_logs_in_as_the_username_spring_binds_last() {
    let runs_as_webuser = |username_key: &str, env: &[(&str, &str)]| {
        let dir = linked_deployment(
            &format!("spring:\n  datasource:\n    url: jdbc:postgresql://bouncer:6432/app?socketTimeout=30\n    {username_key}\n    hikari:\n      connection-init-sql: SET statement_timeout = 5000\n"),
            env,
        );
        write_file(
            dir.path(),
            "bouncer/pgbouncer.ini",
            "[databases]\napp = host=db dbname=app\n[users]\nwebuser = pool_mode=transaction\n[pgbouncer]\npool_mode = session\n",
        );
        let manifest = linked_manifest(true)
            .replace("connects-to = \"db\"", "connects-to = \"bouncer\"")
            .replace("[[service]]", "[[pooler]]\nname = \"bouncer\"\nkind = \"pgbouncer\"\nconfig = \"bouncer/pgbouncer.ini\"\nconnects-to = \"db\"\n\n[[service]]");
        write_file(dir.path(), "poollint.toml", &manifest);
        let rule = "transaction-pooling-session-features";
        check_output(dir.path(), "concise", rule).contains(rule)
    };
    let url = "jdbc:postgresql://bouncer:6432/app?socketTimeout=30";
    // Each case: (the file's username key, the deployment's variable, logs in as webuser).
    let cases = [
        (
            "username: admin",
            ("SPRING_DATASOURCE_USERNAME", "webuser"),
            true,
        ),
        (
            "username: webuser",
            ("SPRING_DATASOURCE_USERNAME", "admin"),
            false,
        ),
        (
            "hikari.username: webuser",
            ("SPRING_DATASOURCE_USERNAME", "admin"),
            true,
        ),
        (
            "hikari.username: webuser",
            ("SPRING_DATASOURCE_HIKARI_USERNAME", "admin"),
            false,
        ),
        ("username: webuser", ("SPRING_DATASOURCE_URL", url), true),
    ];
    for (key, env, expected) in cases {
        assert_eq!(runs_as_webuser(key, &[env]), expected, "{key} with {env:?}");
    }
}

/// The file's `spring.datasource.hikari.jdbc-url` stays over the deployment's
/// `SPRING_DATASOURCE_URL`, as Spring binds HikariCP's own property onto the data
/// source last; the deployment's URL replaces the file's `spring.datasource.url`.
#[test]
fn the_files_hikari_jdbc_url_stays_over_the_deployments_spring_url() {
    let transport_findings = |url_key: &str| {
        linked_findings(
            &format!("spring:\n  datasource:\n    {url_key}: jdbc:postgresql://db.example.com:5432/app?sslmode=verify-full&socketTimeout=30\n"),
            &[(
                "SPRING_DATASOURCE_URL",
                "jdbc:postgresql://db.example.com:5432/app?sslmode=disable&socketTimeout=30",
            )],
            "db-transport-not-verified",
        )
    };
    let found = transport_findings("hikari.jdbc-url");
    assert!(
        !found.contains("db-transport-not-verified"),
        "the deployment's spring.datasource.url won over hikari.jdbc-url:\n{found}"
    );
    let found = transport_findings("url");
    assert!(
        found.contains("deploy/app.yaml:13:72: warning[db-transport-not-verified]"),
        "the deployment's URL did not replace the file's:\n{found}"
    );
}

/// A deployment's pool applied onto its application's is judged there, with the file's
/// settings, not also by itself over HikariCP's defaults: the deployment's URL without
/// `socketTimeout` beside the file's `socketTimeout` driver property is no finding.
#[test]
fn a_deployment_pool_applied_to_its_application_is_not_judged_alone() {
    let dir = linked_deployment(
        "spring:\n  datasource:\n    url: jdbc:postgresql://db:5432/x\n    hikari:\n      data-source-properties:\n        socketTimeout: 30\n",
        &[("SPRING_DATASOURCE_URL", "jdbc:postgresql://db:5432/x")],
    );
    poollint()
        .args([
            "check",
            "-f",
            "concise",
            "--select",
            "driver-socket-timeout-missing",
        ])
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("driver-socket-timeout-missing").not());
    // Unlinked, the deployment's pool is the service's and is judged alone.
    write_file(dir.path(), "poollint.toml", "");
    std::fs::remove_file(dir.path().join("app/application.yml")).expect("remove");
    poollint()
        .args([
            "check",
            "-f",
            "concise",
            "--select",
            "driver-socket-timeout-missing",
        ])
        .arg(dir.path())
        .assert()
        .stdout(predicate::str::contains(
            "deploy/app.yaml:13:22: warning[driver-socket-timeout-missing]",
        ));
}

/// A second data source's pool takes the deployment's variable in Spring's legacy form
/// (`_` for each `-`), as Spring Boot binds it.
#[test]
fn a_legacy_variable_sets_a_second_data_sources_pool() {
    let dir = linked_deployment(
        "spring:\n  datasource:\n    secondary:\n      jdbc-url: jdbc:postgresql://db:5432/x?socketTimeout=30\n      maximum-pool-size: 5\n",
        &[("SPRING_DATASOURCE_SECONDARY_MAXIMUM_POOL_SIZE", "\"49\"")],
    );
    poollint()
        .args([
            "check",
            "-f",
            "concise",
            "--select",
            "fleet-exceeds-db-slots",
        ])
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "the fleet can open 98 connections",
        ))
        .stdout(predicate::str::contains(
            "app.yaml:6) × 1 process × pool 49 (",
        ));
}

/// A deployment's `SPRING_DATASOURCE_TYPE` naming another pool makes Spring Boot build
/// that one: the file's HikariCP pool does not run, so it is neither judged nor counted
/// (Tomcat JDBC pools are not modelled, as in a file). Naming HikariCP changes nothing.
#[test]
fn the_deployments_data_source_type_replaces_the_files_hikari_pool() {
    let findings = |data_source_type: &str| {
        linked_findings(
            "spring:\n  datasource:\n    url: jdbc:postgresql://db:5432/x?socketTimeout=30\n    hikari:\n      connection-timeout: 100\n",
            &[("SPRING_DATASOURCE_TYPE", data_source_type)],
            "hikari-timeout-constraints",
        )
    };
    let found = findings("org.apache.tomcat.jdbc.pool.DataSource");
    assert!(
        !found.contains("hikari-timeout-constraints"),
        "the HikariCP pool the deployment replaces was judged:\n{found}"
    );
    let found = findings("com.zaxxer.hikari.HikariDataSource");
    assert!(
        found.contains("app/application.yml:5:27: error[hikari-timeout-constraints]"),
        "{found}"
    );
}

/// PgBouncer keeps a pool per (database, user) pair: the services behind it that log in
/// as `web` and `api` open two pools of `default_pool_size` 20 (40 > 27 usable slots),
/// and a `[users]` `pool_size` sizes its user's pool (`web` alone: 5).
#[test]
fn pgbouncer_counts_a_pool_for_each_user_the_services_log_in_as() {
    let app = |user: &str| {
        format!("spring:\n  datasource:\n    url: jdbc:postgresql://bouncer:6432/app?socketTimeout=30\n    username: {user}\n    hikari:\n      maximum-pool-size: 20\n")
    };
    let service = |name: &str| {
        format!("[[service]]\nname = \"{name}\"\nconfig = [\"{name}/application.yml\"]\nconnects-to = \"bouncer\"\n")
    };
    let manifest = format!(
        "[[database]]\nname = \"users\"\nengine = \"postgresql\"\nmax-connections = 30\n\n[[pooler]]\nname = \"bouncer\"\nconfig = \"bouncer/pgbouncer.ini\"\nconnects-to = \"users\"\n\n{}\n{}",
        service("web"),
        service("api")
    );
    let dir = tree(&[
        ("poollint.toml", &manifest),
        ("web/application.yml", &app("web")),
        ("api/application.yml", &app("api")),
        (
            "bouncer/pgbouncer.ini",
            "[databases]\napp = host=db dbname=app\n[pgbouncer]\ndefault_pool_size = 20\n",
        ),
    ]);
    let rule = "pgbouncer-server-conns-exceed-postgres";
    let found = check_output(dir.path(), "concise", rule);
    assert!(
        found.contains("can open 40 server connections to database users but it accepts 27")
            && found.contains("(20 for app as api (bouncer/pgbouncer.ini:4) + 20 for app as web"),
        "{found}"
    );
    // `web` alone, with a pool of its own size.
    let manifest = manifest.replace(&service("api"), "");
    write_file(dir.path(), "poollint.toml", &manifest);
    write_file(
        dir.path(),
        "bouncer/pgbouncer.ini",
        "[databases]\napp = host=db dbname=app\n[users]\nweb = pool_size=5\n[pgbouncer]\ndefault_pool_size = 60\n",
    );
    let found = check_output(dir.path(), "concise", rule);
    assert!(!found.contains(rule), "{found}");
}

#[test]
fn a_literal_password_beside_an_env_reference_is_reported_on_its_own_text() {
    // `$(DB_HOST)` is expanded, as the kubelet does; the password after it is still
    // reported (and masked) on its own bytes, not on the whole value.
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          env:\n            - name: DB_HOST\n              value: db.internal\n            - name: SPRING_DATASOURCE_URL\n              value: jdbc:postgresql://$(DB_HOST):5432/app?password=Ref-Secret-Value-2\n";
    let dir = tree(&[("deploy/app.yaml", deployment)]);
    let output = poollint()
        .args([
            "check",
            "-f",
            "json",
            "--select",
            "plaintext-credentials-in-pool-config",
        ])
        .arg(dir.path())
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!stdout.contains("Ref-Secret-Value-2"), "{stdout}");
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    let found = &report["diagnostics"][0];
    assert_eq!(found["rule"], "plaintext-credentials-in-pool-config");
    let start = deployment.find("Ref-Secret-Value-2").expect("password");
    assert_eq!(found["span"]["start"], start);
    assert_eq!(found["span"]["end"], start + "Ref-Secret-Value-2".len());
    // The snippet shows the rest of the value, with the password masked.
    poollint()
        .args(["check", "--color", "never"])
        .arg(dir.path())
        .assert()
        .stdout(predicate::str::contains("Ref-Secret-Value-2").not())
        .stdout(predicate::str::contains(
            "jdbc:postgresql://$(DB_HOST):5432/app?password=****",
        ));
}

#[test]
fn compose_environment_configures_the_spring_pool_in_both_forms() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("docker-compose.yml"),
        "services:\n  api:\n    image: api\n    environment:\n      - SPRING_DATASOURCE_HIKARI_MAXLIFETIME=10000\n  worker:\n    image: worker\n    environment:\n      SPRING_DATASOURCE_HIKARI_MAXLIFETIME: \"20000\"\n",
    )
    .expect("write");
    poollint()
        .args([
            "check",
            "-f",
            "concise",
            "--select",
            "hikari-max-lifetime-below-minimum",
        ])
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "docker-compose.yml:5:46: error[hikari-max-lifetime-below-minimum]",
        ))
        .stdout(predicate::str::contains(
            "docker-compose.yml:9:46: error[hikari-max-lifetime-below-minimum]",
        ));
}

#[test]
fn findings_per_file_are_capped_most_severe_first() {
    let dir = tempfile::tempdir().unwrap();
    // 150 unknown HikariCP keys (warnings) and one pool size HikariCP refuses (error),
    // written last so that only severity-first capping keeps it.
    let mut yaml = String::from("spring:\n  datasource:\n    hikari:\n");
    for i in 0..150 {
        yaml.push_str(&format!("      unknown-key-{i}: 1\n"));
    }
    yaml.push_str("      maximum-pool-size: 0\n");
    std::fs::write(dir.path().join("application.yml"), yaml).unwrap();
    let count = |args: &[&str]| {
        let output = poollint()
            .args(["check", "-f", "json"])
            .arg(dir.path())
            .args(args)
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(1),
            "the error keeps the exit code"
        );
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let diagnostics = json["diagnostics"].as_array().unwrap().clone();
        (diagnostics, String::from_utf8(output.stderr).unwrap())
    };
    let (capped, stderr) = count(&[]);
    assert_eq!(capped.len(), 100);
    assert!(capped.iter().any(|d| d["severity"] == "error"));
    assert!(
        stderr.contains("more findings not shown (at most 100 per file"),
        "{stderr}"
    );
    let (ten, _) = count(&["--max-diagnostics-per-file", "10"]);
    assert_eq!(ten.len(), 10);
    let (all, stderr) = count(&["--max-diagnostics-per-file", "0"]);
    assert!(all.len() > 150, "{}", all.len());
    assert!(!stderr.contains("not shown"));
}

#[test]
fn files_over_the_cap_are_noted_in_path_order() {
    // Spring files are read before PgBouncer's, so reading order is not path order.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write_file(
        root,
        "a/pgbouncer.ini",
        "[databases]\napp = host=db dbname=app password=x\nother = host=db dbname=other password=y\n",
    );
    write_file(
        root,
        "b/application.yml",
        "spring:\n  datasource:\n    hikari:\n      unknown-a: 1\n      unknown-b: 2\n",
    );
    let output = poollint()
        .current_dir(root)
        .args([
            "check",
            ".",
            "-f",
            "concise",
            "--max-diagnostics-per-file",
            "1",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    let notes: Vec<&str> = stderr.lines().filter(|l| l.contains("not shown")).collect();
    assert_eq!(notes.len(), 2, "{stderr}");
    assert!(notes[0].contains("a/pgbouncer.ini"), "{stderr}");
    assert!(notes[1].contains("b/application.yml"), "{stderr}");
}

#[test]
fn deployment_environment_replaces_erb_defaults_of_the_service() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("app/config")).unwrap();
    std::fs::create_dir_all(root.join("k8s")).unwrap();
    std::fs::write(
        root.join("app/config/database.yml"),
        "production:\n  adapter: postgresql\n  pool: <%= ENV.fetch(\"DB_POOL\") { 10 } %>\n",
    )
    .unwrap();
    std::fs::write(
        root.join("app/config/puma.rb"),
        "threads ENV.fetch(\"RAILS_MAX_THREADS\") { 10 }, ENV.fetch(\"RAILS_MAX_THREADS\") { 10 }\n",
    )
    .unwrap();
    std::fs::write(
        root.join("k8s/web.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n        - name: web\n          env:\n            - name: DB_POOL\n              value: \"4\"\n            - name: RAILS_MAX_THREADS\n              value: \"16\"\n",
    )
    .unwrap();
    std::fs::write(
        root.join("poollint.toml"),
        "[[service]]\nname = \"web\"\nconfig = [\"app/config/database.yml\", \"app/config/puma.rb\"]\ndeployment = \"k8s/web.yaml\"\n",
    )
    .unwrap();
    let output = poollint()
        .current_dir(root)
        .args([
            "check",
            ".",
            "-f",
            "json",
            "--select",
            "pool-smaller-than-thread-concurrency",
        ])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let diagnostics = json["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1, "{json:#}");
    let finding = &diagnostics[0];
    let message = finding["message"].as_str().unwrap();
    // Both values come from the deployment, not from the ERB defaults (10 and 10).
    assert!(
        message.contains("allows 4 connections (k8s/web.yaml:"),
        "{message}"
    );
    assert!(
        message.contains("runs 16 threads (k8s/web.yaml:"),
        "{message}"
    );
    assert_eq!(finding["severity"], "error");
    assert_eq!(finding["path"], "k8s/web.yaml");
    assert_eq!(finding["key"], "env.DB_POOL");
    // Set from a Secret that is not in the tree, DB_POOL is unknown: not the ERB
    // default 10, which 16 threads would exceed.
    std::fs::write(
        root.join("k8s/web.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n        - name: web\n          env:\n            - name: DB_POOL\n              valueFrom:\n                secretKeyRef:\n                  name: web\n                  key: pool\n            - name: RAILS_MAX_THREADS\n              value: \"16\"\n",
    )
    .unwrap();
    let output = poollint()
        .current_dir(root)
        .args([
            "check",
            ".",
            "-f",
            "json",
            "--select",
            "pool-smaller-than-thread-concurrency",
        ])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        json["diagnostics"].as_array().map(Vec::len),
        Some(0),
        "{json:#}"
    );
}

/// The one finding of `rule` in the JSON of a check of `root` (it asserts there is one).
fn only_finding(root: &std::path::Path, rule: &str) -> serde_json::Value {
    let json: serde_json::Value = serde_json::from_str(&check_output(root, "json", rule)).unwrap();
    let diagnostics = json["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1, "{json:#}");
    diagnostics[0].clone()
}

/// Run `check . -f FORMAT --select RULE` in `root`: its stdout.
fn check_output(root: &std::path::Path, format: &str, rule: &str) -> String {
    let output = poollint()
        .current_dir(root)
        .args(["check", ".", "-f", format, "--select", rule])
        .output()
        .unwrap();
    String::from_utf8(output.stdout).unwrap()
}

/// A deployment's `DATABASE_URL` is merged into the Rails production database as Active
/// Record merges it: its `?pool=` replaces `pool: 10`, and the finding points at it in
/// the deployment file, with the URL's password masked. From a Secret not among the
/// files, the URL overrides nothing: the file's `pool: 5` is reported.
#[test]
fn deployment_database_url_sets_the_rails_pool() {
    let web = |env: &str| {
        format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n        - name: web\n          env:\n{env}")
    };
    let literal = "            - name: DATABASE_URL\n              value: \"postgres://app:Rails-Url-Secret-7@db.internal/app?pool=4\"\n";
    let dir = tree(&[
        (
            "app/config/database.yml",
            "production:\n  adapter: postgresql\n  pool: 5\n",
        ),
        ("app/config/puma.rb", "threads 8, 8\n"),
        ("k8s/web.yaml", &web(literal)),
        (
            "poollint.toml",
            "[[service]]\nname = \"web\"\nconfig = [\"app/config/database.yml\", \"app/config/puma.rb\"]\ndeployment = \"k8s/web.yaml\"\n",
        ),
    ]);
    let root = dir.path();
    let rule = "pool-smaller-than-thread-concurrency";
    let finding = &only_finding(root, rule);
    let message = finding["message"].as_str().unwrap();
    assert!(
        message.contains("allows 4 connections (k8s/web.yaml:13)"),
        "{message}"
    );
    assert_eq!(finding["path"], "k8s/web.yaml");
    assert_eq!(finding["key"], "env.DATABASE_URL?pool");
    let text = std::fs::read_to_string(root.join("k8s/web.yaml")).unwrap();
    let span = &finding["span"];
    let (start, end) = (
        span["start"].as_u64().unwrap(),
        span["end"].as_u64().unwrap(),
    );
    assert_eq!(&text[start as usize..end as usize], "4");
    for format in ["json", "human", "sarif"] {
        let out = check_output(root, format, rule);
        assert!(!out.contains("Rails-Url-Secret-7"), "{format}: {out}");
        // The snippet shows the line, its password masked.
        assert!(
            format != "human" || out.contains("app:****"),
            "{format}: {out}"
        );
    }
    let secret = "            - name: DATABASE_URL\n              valueFrom:\n                secretKeyRef:\n                  name: db\n                  key: url\n";
    write_file(root, "k8s/web.yaml", &web(secret));
    assert_eq!(only_finding(root, rule)["path"], "app/config/database.yml");
}

/// A `url:` that is a variable's value however it is looked up (`ENV["X"]`,
/// `ENV.fetch("X")`, with a block or a default) takes the deployment's value of it: its
/// `?pool=4` is the pool (only `ENV["X"]` and `ENV.fetch("X", nil)` were read so).
#[test]
fn a_rails_url_fetched_from_the_environment_takes_the_deployments_value() {
    for lookup in [
        "ENV[\"DATABASE_URL\"]",
        "ENV.fetch(\"DATABASE_URL\")",
        "ENV.fetch(\"DATABASE_URL\") { nil }",
        "ENV.fetch('DATABASE_URL', 'postgres://localhost/app')",
    ] {
        let yml =
            format!("production:\n  adapter: postgresql\n  pool: 10\n  url: <%= {lookup} %>\n");
        let dir = tree(&[
            ("config/database.yml", yml.as_str()),
            ("config/puma.rb", "threads 10, 10\n"),
            ("docker-compose.yml", "services:\n  web:\n    build: .\n    environment:\n      DATABASE_URL: \"postgres://u@db/app?pool=4\"\n  db:\n    image: postgres:16\n"),
            ("poollint.toml", "[[service]]\nname = \"web\"\nconfig = \"config/database.yml\"\ndeployment = \"docker-compose.yml\"\n"),
        ]);
        let found = concise_findings_in(dir.path());
        assert!(
            found
                .iter()
                .any(|f| f
                    .contains("the production pool allows 4 connections (docker-compose.yml:5)")),
            "{lookup}: {found:?}"
        );
    }
}

/// A deployment's `RAILS_ENV` (else `RACK_ENV`) names the environment Rails runs: with
/// `staging`, the service opens the `staging` database's pool (`pool: 3`, below Puma's 8
/// threads) instead of `production`'s, and the deployment's `DATABASE_URL` is merged into
/// it. Without the variable, or naming an environment the file has no database for, the
/// `production` pool (`pool: 8`) is the one counted, unless the deployment's
/// `DATABASE_URL` gives that environment its database.
#[test]
fn deployment_rails_env_chooses_the_environment_rails_runs() {
    let web = |env: &str| {
        format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n        - name: web\n          env:\n{env}")
    };
    let variable = |name: &str, value: &str| {
        format!("            - name: {name}\n              value: \"{value}\"\n")
    };
    let dir = tree(&[
        (
            "app/config/database.yml",
            "production:\n  adapter: postgresql\n  pool: 8\nstaging:\n  adapter: postgresql\n  pool: 3\n",
        ),
        ("app/config/puma.rb", "threads 8, 8\n"),
        ("k8s/web.yaml", &web(&variable("RAILS_ENV", "staging"))),
        (
            "poollint.toml",
            "[[service]]\nname = \"web\"\nconfig = [\"app/config/database.yml\", \"app/config/puma.rb\"]\ndeployment = \"k8s/web.yaml\"\n",
        ),
    ]);
    let root = dir.path();
    let rule = "pool-smaller-than-thread-concurrency";
    let finding = only_finding(root, rule);
    assert_eq!(finding["key"], "staging.pool", "{finding:#}");
    let url = variable("DATABASE_URL", "postgres://db.internal/app?pool=4");
    write_file(
        root,
        "k8s/web.yaml",
        &web(&(variable("RACK_ENV", "staging") + &url)),
    );
    assert_eq!(only_finding(root, rule)["key"], "env.DATABASE_URL?pool");
    for env in [
        variable("RAILS_ENV", "qa"),
        variable("RAILS_ENV", "production"),
        String::new(),
    ] {
        let env = env + &variable("LOG_LEVEL", "info");
        write_file(root, "k8s/web.yaml", &web(&env));
        let json: serde_json::Value =
            serde_json::from_str(&check_output(root, "json", rule)).unwrap();
        assert_eq!(
            json["diagnostics"].as_array().unwrap().len(),
            0,
            "{env}: {json:#}"
        );
    }
    // An environment the file has no database for is built from `DATABASE_URL` alone,
    // as Active Record builds it: its pool of 4, not `production`'s 8.
    let qa = variable("RAILS_ENV", "qa") + &url;
    write_file(root, "k8s/web.yaml", &web(&qa));
    assert_eq!(only_finding(root, rule)["key"], "env.DATABASE_URL?pool");
    // So is `production` when the file configures only other environments.
    write_file(
        root,
        "app/config/database.yml",
        "development:\n  adapter: postgresql\n  pool: 8\n",
    );
    let production = variable("RAILS_ENV", "production") + &url;
    write_file(root, "k8s/web.yaml", &web(&production));
    assert_eq!(only_finding(root, rule)["key"], "env.DATABASE_URL?pool");
}

/// A deployment whose command starts Puma runs what the command says, whatever the
/// files and the Procfile say: `-C` loads the file it names (12 threads on the pool of
/// 6, pointing at that file), `-t` wins over every file (pointing at the option in the
/// compose file), and `-e staging` runs `config/puma/staging.rb` on the `staging` pool
/// of 4 (Puma exports it as `RACK_ENV`, and no `RAILS_ENV` names another). A command
/// that does not start Puma, or none, leaves `config/puma.rb`'s 3 threads: no finding.
/// `config/puma.rb`'s threads were read whatever the command said.
#[test]
fn deployment_command_chooses_the_puma_config_and_options() {
    let web = |args: &str| {
        format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: app\n          args: {args}\n")
    };
    let compose =
        |command: &str| format!("services:\n  web:\n    image: app\n    command: {command}\n");
    let dir = tree(&[
        (
            "app/config/database.yml",
            "production:\n  adapter: postgresql\n  pool: 6\nstaging:\n  adapter: postgresql\n  pool: 4\n",
        ),
        ("app/config/puma.rb", "threads 3, 3\n"),
        ("app/config/puma_web.rb", "threads 12, 12\n"),
        ("app/config/puma/staging.rb", "threads 6, 6\n"),
        ("app/Procfile", "web: bundle exec puma -t 2:2\n"),
        ("k8s/web.yaml", &web("[\"bundle\", \"exec\", \"puma\", \"-C\", \"config/puma_web.rb\"]")),
        ("compose/docker-compose.yml", &compose("bin/rails server")),
        (
            "poollint.toml",
            "[[service]]\nname = \"web\"\nconfig = [\"app/config/database.yml\", \"app/config/puma.rb\"]\ndeployment = \"k8s/web.yaml\"\n",
        ),
    ]);
    let root = dir.path();
    let rule = "pool-smaller-than-thread-concurrency";
    let message = |finding: &serde_json::Value| finding["message"].as_str().unwrap().to_owned();
    let finding = only_finding(root, rule);
    assert!(
        message(&finding).contains("12 threads (app/config/puma_web.rb:1)"),
        "{finding:#}"
    );
    write_file(
        root,
        "k8s/web.yaml",
        &web("[\"sh\", \"-c\", \"bundle exec rake db:migrate && bundle exec puma -e staging\"]"),
    );
    let finding = only_finding(root, rule);
    assert!(
        message(&finding).contains("6 threads (app/config/puma/staging.rb:1)"),
        "{finding:#}"
    );
    assert_eq!(finding["path"], "app/config/database.yml", "{finding:#}");
    assert_eq!(finding["start"]["line"], 6, "the staging pool: {finding:#}");
    // Compose: `-t` over the files, at the option's maximum.
    write_file(
        root,
        "poollint.toml",
        "[[service]]\nname = \"web\"\nconfig = [\"app/config/database.yml\", \"app/config/puma.rb\"]\ndeployment = \"compose/docker-compose.yml\"\n",
    );
    write_file(
        root,
        "compose/docker-compose.yml",
        &compose("bundle exec puma -C config/puma.rb -t 2:20"),
    );
    let finding = only_finding(root, rule);
    assert!(
        message(&finding).contains("20 threads (compose/docker-compose.yml:4)"),
        "{finding:#}"
    );
    // Another launcher: the files' (and the Procfile's 2 threads) stand.
    write_file(
        root,
        "compose/docker-compose.yml",
        &compose("bin/rails server"),
    );
    let json: serde_json::Value = serde_json::from_str(&check_output(root, "json", rule)).unwrap();
    assert_eq!(json["diagnostics"].as_array().unwrap().len(), 0, "{json:#}");
}

/// A file named on its own is read with its application's `Procfile` and
/// `Gemfile.lock`, as with the whole tree (a pre-commit hook names only the changed
/// file): the Procfile's `-C` file's 12 threads, and Sidekiq 6's default of 10 threads,
/// on the pool of 6.
#[test]
fn a_named_rails_file_reads_its_procfile_and_lockfile() {
    let dir = tree(&[
        ("app/config/database.yml", "production:\n  adapter: postgresql\n  pool: 6\n"),
        ("app/config/puma.rb", "threads 3, 3\n"),
        ("app/config/puma_web.rb", "threads 12, 12\n"),
        ("app/config/sidekiq.yml", ":queues:\n  - default\n"),
        ("app/Procfile", "web: bundle exec puma -C config/puma_web.rb\nworker: bundle exec sidekiq\n"),
        (
            "app/Gemfile.lock",
            "GEM\n  remote: https://rubygems.org/\n  specs:\n    sidekiq (6.5.12)\n      connection_pool (>= 2.2.5)\n",
        ),
    ]);
    let rule = "pool-smaller-than-thread-concurrency";
    for args in [vec!["check", "."], vec!["check", "app/config/database.yml"]] {
        let output = poollint()
            .current_dir(dir.path())
            .args(&args)
            .args(["-f", "json", "--select", rule])
            .output()
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let diagnostics = json["diagnostics"].as_array().unwrap();
        assert_eq!(diagnostics.len(), 1, "{args:?}: {json:#}");
        let message = diagnostics[0]["message"].as_str().unwrap();
        assert!(
            message.contains("12 threads (app/config/puma_web.rb:1)"),
            "{args:?}: {message}"
        );
        assert!(message.contains("runs 10 threads"), "{args:?}: {message}");
        assert!(
            String::from_utf8_lossy(&output.stderr).trim().is_empty(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    // `init` names the Puma service by the config file Puma loads without a command
    // (`config/puma.rb`), not by the Procfile or the file its `-C` names, which
    // tell no runtime apart.
    poollint()
        .current_dir(dir.path())
        .args(["init", "."])
        .assert()
        .success();
    let manifest = std::fs::read_to_string(dir.path().join("poollint.toml")).unwrap();
    assert!(
        manifest.contains("config = [\"app/config/database.yml\", \"app/config/puma.rb\"]"),
        "{manifest}"
    );
}

/// Puma loads `config/puma/<environment>.rb`, else `config/puma.rb`: a deployment
/// running `staging` gets `puma/staging.rb`'s 6 threads on the `staging` pool of 4 (a
/// finding pointing at that file), one running `qa` (no file, no database) `puma.rb`'s
/// 3 threads on the `production` pool, and production `puma/production.rb`'s 12.
#[test]
fn deployment_environment_chooses_the_puma_file() {
    let web = |env: &str| {
        format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          env:\n            - name: RAILS_ENV\n              value: \"{env}\"\n")
    };
    let dir = tree(&[
        (
            "app/config/database.yml",
            "production:\n  adapter: postgresql\n  pool: 12\nstaging:\n  adapter: postgresql\n  pool: 4\n",
        ),
        ("app/config/puma.rb", "threads 3, 3\n"),
        ("app/config/puma/production.rb", "threads 12, 12\n"),
        ("app/config/puma/staging.rb", "threads 6, 6\n"),
        ("k8s/web.yaml", &web("staging")),
        (
            "poollint.toml",
            "[[service]]\nname = \"web\"\nconfig = [\"app/config/database.yml\", \"app/config/puma.rb\", \"app/config/puma/production.rb\", \"app/config/puma/staging.rb\"]\ndeployment = \"k8s/web.yaml\"\n",
        ),
    ]);
    let root = dir.path();
    let rule = "pool-smaller-than-thread-concurrency";
    let finding = only_finding(root, rule);
    let message = finding["message"].as_str().unwrap();
    assert!(
        message.contains("6 threads (app/config/puma/staging.rb:1)"),
        "{message}"
    );
    for env in ["qa", "production"] {
        write_file(root, "k8s/web.yaml", &web(env));
        let json: serde_json::Value =
            serde_json::from_str(&check_output(root, "json", rule)).unwrap();
        assert_eq!(
            json["diagnostics"].as_array().unwrap().len(),
            0,
            "{env}: {json:#}"
        );
    }
}

/// A Sidekiq deployment runs the environment `APP_ENV`, else `RAILS_ENV`, else `RACK_ENV`
/// names, with that section of `sidekiq.yml` merged over its top level: with `staging`,
/// 3 threads on the `staging` pool of 5 fit; with `qa` (no section, no database) the top
/// level's 30 threads run on the `production` pool of 25.
#[test]
fn deployment_environment_chooses_the_sidekiq_section() {
    let worker = |env: &str| {
        format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: worker\nspec:\n  template:\n    spec:\n      containers:\n        - name: worker\n          env:\n{env}")
    };
    let variable = |name: &str, value: &str| {
        format!("            - name: {name}\n              value: \"{value}\"\n")
    };
    let dir = tree(&[
        (
            "app/config/database.yml",
            "production:\n  adapter: postgresql\n  pool: 25\nstaging:\n  adapter: postgresql\n  pool: 5\n",
        ),
        (
            "app/config/sidekiq.yml",
            ":concurrency: 30\nproduction:\n  :concurrency: 25\n:staging:\n  :concurrency: 3\n",
        ),
        ("k8s/worker.yaml", &worker(&variable("RAILS_ENV", "staging"))),
        (
            "poollint.toml",
            "[[service]]\nname = \"worker\"\nconfig = [\"app/config/database.yml\", \"app/config/sidekiq.yml\"]\ndeployment = \"k8s/worker.yaml\"\n",
        ),
    ]);
    let root = dir.path();
    let rule = "pool-smaller-than-thread-concurrency";
    let count = |root: &std::path::Path| {
        let json: serde_json::Value =
            serde_json::from_str(&check_output(root, "json", rule)).unwrap();
        json["diagnostics"].as_array().unwrap().len()
    };
    assert_eq!(count(root), 0);
    let qa = variable("APP_ENV", "qa") + &variable("RAILS_ENV", "staging");
    write_file(root, "k8s/worker.yaml", &worker(&qa));
    let finding = only_finding(root, rule);
    assert_eq!(finding["path"], "app/config/database.yml", "{finding:#}");
    assert!(
        finding["message"].as_str().unwrap().contains("30"),
        "{finding:#}"
    );
    write_file(
        root,
        "k8s/worker.yaml",
        &worker(&variable("LOG_LEVEL", "info")),
    );
    assert_eq!(count(root), 0);
}

/// A service whose `connects-to` names a transaction-pooling PgBouncer reaches a second
/// database directly (its host is another database of the model) and a MySQL cache:
/// only the pool that goes through PgBouncer is its client. Its prepared statements
/// are reported; the analytics pool's, which never meet PgBouncer, are not, and
/// neither pool counts against PgBouncer's `max_client_conn`.
#[test]
fn pools_that_bypass_the_pgbouncer_of_their_service_are_not_its_clients() {
    let database_yml = |primary_host: &str| {
        format!("production:\n  primary:\n    adapter: postgresql\n    host: {primary_host}\n    database: ledger\n    advisory_locks: false\n    pool: 10\n  analytics:\n    adapter: postgresql\n    host: analytics-db.shop.svc.cluster.local\n    database: analytics\n    advisory_locks: false\n    pool: 40\n  cache:\n    adapter: mysql2\n    host: bouncer\n    advisory_locks: false\n    pool: 40\n")
    };
    let dir = tree(&[
        ("ledger/config/database.yml", &database_yml("bouncer")),
        (
            "bouncer/pgbouncer.ini",
            "[databases]\nledger = host=db dbname=ledger\n\n[pgbouncer]\npool_mode = transaction\nmax_prepared_statements = 0\nmax_client_conn = 20\n",
        ),
        (
            "poollint.toml",
            "[[database]]\nname = \"db\"\nengine = \"postgres\"\n\n[[database]]\nname = \"shop/analytics-db\"\nengine = \"postgres\"\n\n[[pooler]]\nname = \"bouncer\"\nkind = \"pgbouncer\"\nconfig = \"bouncer/pgbouncer.ini\"\nconnects-to = \"db\"\n\n[[service]]\nname = \"ledger\"\nconfig = [\"ledger/config/database.yml\"]\nconnects-to = \"bouncer\"\n",
        ),
    ]);
    let root = dir.path();
    let finding = only_finding(root, "transaction-pooling-session-features");
    // The primary's adapter, line 3 (the analytics database's is on line 9).
    assert_eq!(finding["start"]["line"], 3, "{finding:#}");
    assert_eq!(finding["path"], "ledger/config/database.yml");
    let json: serde_json::Value =
        serde_json::from_str(&check_output(root, "json", "pgbouncer-client-cap-too-low")).unwrap();
    assert_eq!(json["diagnostics"].as_array().unwrap().len(), 0, "{json:#}");
    // Through PgBouncer, the analytics pool is its client too.
    write_file(
        root,
        "ledger/config/database.yml",
        &database_yml("bouncer").replace("analytics-db.shop.svc.cluster.local", "bouncer"),
    );
    let json: serde_json::Value = serde_json::from_str(&check_output(
        root,
        "json",
        "transaction-pooling-session-features",
    ))
    .unwrap();
    assert_eq!(json["diagnostics"].as_array().unwrap().len(), 2, "{json:#}");
    assert_eq!(
        only_finding(root, "pgbouncer-client-cap-too-low")["rule"],
        "pgbouncer-client-cap-too-low"
    );
}

/// A compose service's `DATABASE_URL` replaces the Prisma URL of the application's
/// `.env` (Prisma reads the process's environment first): `connection_limit=60` is the
/// pool the fleet counts, located in the compose file. `${DATABASE_URL}` without a
/// default leaves the pool unknown: no finding on the file's 40.
#[test]
fn deployment_database_url_sets_the_prisma_pool() {
    let compose = |url: &str| {
        format!("services:\n  api:\n    image: api\n    deploy:\n      replicas: 3\n    environment:\n      DATABASE_URL: \"{url}\"\n  db:\n    image: postgres:16\n    command: [\"postgres\", \"-c\", \"max_connections=100\"]\n")
    };
    let dir = tree(&[
        (
            "api/.env",
            "DATABASE_URL=postgresql://app@db:5432/app?connection_limit=20\n",
        ),
        (
            "docker-compose.yml",
            &compose("postgresql://app:Prisma-Url-Secret-8@db:5432/app?connection_limit=60"),
        ),
        (
            "poollint.toml",
            "[[service]]\nname = \"api\"\nconfig = [\"api/.env\"]\ndeployment = \"docker-compose.yml\"\n",
        ),
    ]);
    let root = dir.path();
    let rule = "fleet-exceeds-db-slots";
    let finding = &only_finding(root, rule);
    let message = finding["message"].as_str().unwrap();
    assert!(
        message.contains("× pool 60 (docker-compose.yml:7)"),
        "{message}"
    );
    assert_eq!(finding["path"], "docker-compose.yml");
    let out = check_output(root, "human", rule);
    assert!(!out.contains("Prisma-Url-Secret-8"), "{out}");
    write_file(root, "docker-compose.yml", &compose("${DATABASE_URL}"));
    let json: serde_json::Value = serde_json::from_str(&check_output(root, "json", rule)).unwrap();
    assert_eq!(
        json["diagnostics"].as_array().map(Vec::len),
        Some(0),
        "{json:#}"
    );
}

/// In a monorepo many files make the same name (every `db/postgresql.conf` a database
/// `db`, two teams' `orders`): init names each table after its directory then, so the
/// manifest it writes is one `check` accepts, and lists at most 8 connects-to candidates.
#[test]
fn init_names_tables_uniquely_in_a_monorepo() {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |rel: &str, text: &str| write_file(dir.path(), rel, text);
    let app = "spring:\n  datasource:\n    hikari:\n      maximum-pool-size: 10\n";
    for team in ["payments", "shipping"] {
        write(
            &format!("{team}/orders/src/main/resources/application.yml"),
            app,
        );
    }
    for i in 0..5 {
        write(
            &format!("svc{i}/db/postgresql.conf"),
            "max_connections = 100\n",
        );
        write(
            &format!("svc{i}/pgbouncer/pgbouncer.ini"),
            "[pgbouncer]\ndefault_pool_size = 20\n",
        );
    }
    let manifest = init_manifest(dir.path());
    for name in [
        "svc0/db",
        "svc4/db",
        "svc0/pgbouncer",
        "payments/orders",
        "shipping/orders",
    ] {
        assert!(
            manifest.contains(&format!("name = \"{name}\"\n")),
            "{name} missing from:\n{manifest}"
        );
    }
    assert!(
        manifest.contains("# TODO: one of the 10 databases and poolers above"),
        "{manifest}"
    );
    std::fs::write(dir.path().join("poollint.toml"), &manifest).expect("write manifest");
    poollint()
        .args(["check", "-f", "concise"])
        .arg(dir.path())
        .assert()
        .code(predicate::in_iter([0, 1]));
}

/// A my.cnf whose `!includedir` brings in the fragment that sets max_connections:
/// `config` names the my.cnf (its includes are followed from it), not the fragment.
#[test]
fn init_names_the_main_option_file_not_the_included_fragment() {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |rel: &str, text: &str| write_file(dir.path(), rel, text);
    write(
        "mysql/my.cnf",
        "[mysqld]\nmax_connections = 500\n!includedir conf.d/\n",
    );
    write(
        "mysql/conf.d/client.cnf",
        "[mysqld]\nmax_connections = 300\n",
    );
    write("mysql/conf.d/tuning.cnf", "[mysqld]\nwait_timeout = 600\n");
    let manifest = init_manifest(dir.path());
    assert!(
        manifest.contains("config = \"mysql/my.cnf\"   # max_connections and timeouts"),
        "{manifest}"
    );
    assert!(!manifest.contains("conf.d/client.cnf"), "{manifest}");
}

/// `init` infers `connects-to` to the only database only for a service whose pools may
/// reach it: an application on a MySQL URL beside the only PostgreSQL database gets a
/// TODO, as `check` does not infer that link either.
#[test]
fn init_does_not_link_a_pool_of_another_engine_to_the_only_database() {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |rel: &str, text: &str| write_file(dir.path(), rel, text);
    write("db/postgresql.conf", "max_connections = 100\n");
    write(
        "orders/application.yml",
        "spring:\n  datasource:\n    url: jdbc:mysql://mysql/orders\n",
    );
    write(
        "billing/application.yml",
        "spring:\n  datasource:\n    url: jdbc:postgresql://db/billing\n",
    );
    let manifest = init_manifest(dir.path());
    let service = |name: &str| {
        let start = manifest
            .find(&format!("name = \"{name}\""))
            .unwrap_or_else(|| panic!("{name}: {manifest}"));
        let end = manifest[start..]
            .find("[service.load]")
            .map_or(manifest.len(), |e| start + e);
        manifest[start..end].to_owned()
    };
    assert!(
        service("billing").contains("connects-to = \"db\""),
        "{manifest}"
    );
    let orders = service("orders");
    assert!(!orders.contains("\nconnects-to ="), "{manifest}");
    assert!(orders.contains("another engine or host"), "{manifest}");
}

/// A pool on a host outside the model (a cloud database's endpoint) is not inferred to
/// use the only database when that database runs as a compose service (clients reach
/// it as `db`): `capacity` notes the missing `connects-to`, and `init` writes it as a
/// TODO. A database declared only in the manifest has no known host, so the endpoint
/// may be it and its pools count, whatever the table's name.
#[test]
fn a_pool_on_a_cloud_endpoint_is_not_inferred_to_use_the_only_database() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    let endpoint = "prod.abc123.eu-west-1.rds.amazonaws.com";
    write_file(
        root,
        "auth/application.yml",
        &format!("spring:\n  datasource:\n    url: jdbc:postgresql://{endpoint}:5432/auth\n    hikari:\n      maximum-pool-size: 10\n"),
    );
    let declared = |name: &str| {
        format!(
            "[[database]]\nname = \"{name}\"\nmax-connections = 20\n\
                 [[service]]\nname = \"auth\"\nconfig = \"auth/application.yml\"\ninstances = 4\n"
        )
    };
    let capacity = |root: &std::path::Path| {
        let output = poollint()
            .args(["capacity", "--format", "json"])
            .arg(root)
            .output()
            .expect("run");
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
        (
            json["databases"][0]["demand_steady"].clone(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    for name in ["users", endpoint] {
        write_file(root, "poollint.toml", &declared(name));
        let (demand, stderr) = capacity(root);
        assert_eq!(demand, 40, "{name}: {stderr}");
    }
    // Beside a compose database: not its client, a note, and a TODO from `init`.
    std::fs::remove_file(root.join("poollint.toml")).expect("rm");
    write_file(
        root,
        "docker-compose.yml",
        "services:\n  db:\n    image: postgres:16\n",
    );
    let (demand, stderr) = capacity(root);
    assert_eq!(demand, serde_json::Value::Null, "{stderr}");
    let manifest = init_manifest(root);
    let auth = manifest
        .split("[[service]]")
        .find(|t| t.contains("name = \"auth\""))
        .unwrap_or_else(|| panic!("{manifest}"));
    assert!(!auth.contains("\nconnects-to ="), "{manifest}");
    assert!(auth.contains("another engine or host"), "{manifest}");
}

/// A pooler's `config` is its `pgbouncer.ini`, not the `%include` fragment that sets its
/// pool size: `check` refuses a fragment as a pooler's config.
#[test]
fn init_names_the_pgbouncer_ini_not_its_include() {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |rel: &str, text: &str| write_file(dir.path(), rel, text);
    write(
        "bouncer/pgbouncer.ini",
        "[databases]\napp = host=db\n[pgbouncer]\n%include sub/a.ini\n",
    );
    write("bouncer/sub/a.ini", "default_pool_size = 50\n");
    let manifest = init_manifest(dir.path());
    assert!(
        manifest.contains("config = \"bouncer/pgbouncer.ini\""),
        "{manifest}"
    );
    assert!(!manifest.contains("sub/a.ini"), "{manifest}");
    // No database was found: the TODO asks for one instead of pointing "above".
    assert!(!manifest.contains("databases above"), "{manifest}");
    assert!(
        manifest.contains("declared in a [[database]] table"),
        "{manifest}"
    );
}

/// What `poollint init --stdout DIR` prints (it must exit 0).
fn init_manifest(dir: &std::path::Path) -> String {
    let out = poollint()
        .args(["init", "--stdout"])
        .arg(dir)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).expect("UTF-8")
}

const MINIMUM_IDLE_5: &str = "spring:\n  datasource:\n    hikari:\n      minimum-idle: 5\n";

/// `poollint check ARGS` run in `dir`.
fn check_in(dir: &std::path::Path, args: &[&str]) -> assert_cmd::assert::Assert {
    poollint().current_dir(dir).arg("check").args(args).assert()
}

/// The current directory's manifest governs only the files below it: checking a
/// sibling tree that has no manifest of its own uses the built-in defaults (the old
/// code fell back to the current directory's manifest, which turned the rule off and
/// set fail-on never: the error was hidden and the run exited 0). The same for
/// `--show-settings`, and a `--show-settings` path that does not exist is a usage error.
#[test]
fn the_current_directorys_manifest_does_not_govern_a_tree_outside_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    write_file(
        root,
        "a/poollint.toml",
        "[lint]\nfail-on = \"never\"\n[lint.rules]\n\"hikari-max-lifetime-below-minimum\" = \"off\"\n",
    );
    write_file(root, "c/application.yml", LIFETIME_10S);
    let finding = "error[hikari-max-lifetime-below-minimum]";
    for path in ["../c", "../c/application.yml"] {
        check_in(&root.join("a"), &["-f", "concise", path])
            .code(1)
            .stdout(predicate::str::contains(finding));
    }
    // A file not written yet gets the manifest above where it will be, not the
    // current directory's.
    poollint()
        .current_dir(root.join("a"))
        .args([
            "check",
            "-f",
            "concise",
            "--stdin-filename",
            "../c/new/application.yml",
        ])
        .write_stdin(LIFETIME_10S)
        .assert()
        .code(1)
        .stdout(predicate::str::contains(finding));
    check_in(
        &root.join("a"),
        &["--show-settings", "../c/application.yml"],
    )
    .code(0)
    .stdout(predicate::str::contains(
        "built-in defaults (no poollint.toml found)",
    ))
    .stdout(predicate::str::contains("a/poollint.toml").not());
    check_in(&root.join("a"), &["--show-settings", "../c/missing.yml"])
        .code(2)
        .stderr(predicate::str::contains(
            "--show-settings ../c/missing.yml: no such file or directory",
        ));
}

/// A repository whose root manifest fails on errors and keeps `hikari-minimum-idle-set`
/// (an info), with a team below whose own manifest turns that rule off. The root
/// manifest's topology names the team's file, so the root's check reads it too.
fn monorepo_with_team_manifest() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    write_file(root, "app/application.yml", MINIMUM_IDLE_5);
    write_file(root, "team/app/application.yml", MINIMUM_IDLE_5);
    write_file(
        root,
        "team/poollint.toml",
        "[lint.rules]\n\"hikari-minimum-idle-set\" = \"off\"\n",
    );
    write_file(
        root,
        "poollint.toml",
        "[lint]\nfail-on = \"error\"\n[[service]]\nname = \"team-app\"\nconfig = \"team/app/application.yml\"\n",
    );
    dir
}

/// DESIGN.md §4: each poollint.toml governs the files below it and the nearest one
/// wins, whether the tree is checked from above or its files are named one by one (a
/// pre-commit hook); `--config` names one manifest for every file, and says so.
#[test]
fn each_manifest_governs_the_files_below_it() {
    let dir = monorepo_with_team_manifest();
    let root_finding = "app/application.yml:4:21: info[hikari-minimum-idle-set]";
    let team_finding = "team/app/application.yml:4:21: info[hikari-minimum-idle-set]";
    for paths in [
        vec!["-f", "concise", "."],
        vec![
            "-f",
            "concise",
            "app/application.yml",
            "team/app/application.yml",
        ],
    ] {
        check_in(dir.path(), &paths)
            .code(0)
            .stdout(predicate::str::starts_with(root_finding))
            .stdout(predicate::str::contains(team_finding).not())
            .stderr(predicate::str::is_empty());
    }
    check_in(dir.path(), &["-f", "concise", "--config", "poollint.toml", "."])
        .code(0)
        .stdout(predicate::str::contains(root_finding))
        .stdout(predicate::str::contains(team_finding))
        .stderr(predicate::str::contains(
            "poollint: team/poollint.toml is not applied: --config poollint.toml governs every file checked",
        ));
    check_in(dir.path(), &["--show-settings", "team/app/application.yml"])
        .code(0)
        .stdout(predicate::str::contains("manifest: team/poollint.toml\n"))
        .stdout(predicate::str::contains(
            "hikari-minimum-idle-set: off ([lint.rules], team/poollint.toml)",
        ));
}

/// A team's broken manifest is reported with its location and its files are not
/// checked (exit 2), but the rest of the repository still is.
#[test]
fn a_broken_manifest_below_stops_only_its_own_files() {
    let dir = monorepo_with_team_manifest();
    write_file(
        dir.path(),
        "team/poollint.toml",
        "[lint]\nfail-on = \"bogus\"\n",
    );
    check_in(dir.path(), &["-f", "concise", "."])
        .code(2)
        .stdout(predicate::str::starts_with(
            "app/application.yml:4:21: info",
        ))
        .stdout(predicate::str::contains("team/app").not())
        .stderr(predicate::str::contains(
            "fail-on must be error, warning, info or never, not `bogus`",
        ))
        .stderr(predicate::str::contains("team/poollint.toml:2:11"))
        .stderr(predicate::str::contains(
            "poollint: 1 file(s) below team not checked: its poollint.toml cannot be used (above)",
        ));
    // Named first, the broken manifest still stops only its own files, and is reported
    // once.
    let out = check_in(dir.path(), &["-f", "concise", "team", "app"])
        .code(2)
        .stdout(predicate::str::starts_with(
            "app/application.yml:4:21: info",
        ))
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.matches("fail-on must be").count(), 1, "{stderr}");
}

/// `[[lint.ignore]]` paths are relative to their manifest (DESIGN.md §4), wherever
/// poollint runs from: a team's manifest checked from the repository's root, and the
/// root manifest when poollint runs in a subdirectory.
#[test]
fn ignore_paths_are_relative_to_their_manifest() {
    let dir = monorepo_with_team_manifest();
    let ignore = "[[lint.ignore]]\npaths = [\"app/**\"]\nrules = [\"hikari-minimum-idle-set\"]\n";
    write_file(dir.path(), "team/poollint.toml", ignore);
    write_file(dir.path(), "poollint.toml", ignore);
    for (cwd, path) in [(".", "."), ("team", "."), ("team/app", "."), (".", "team")] {
        check_in(&dir.path().join(cwd), &["-f", "concise", path])
            .code(0)
            .stdout(predicate::str::contains("No problems found"));
    }
    check_in(&dir.path().join("app"), &["-f", "concise", "."])
        .code(0)
        .stdout(predicate::str::contains("No problems found"));
    check_in(dir.path(), &["--show-settings", "team/app/application.yml"])
        .code(0)
        .stdout(predicate::str::contains(
            "hikari-minimum-idle-set: off for this path ([[lint.ignore]] app/**",
        ));
}

/// The root manifest declares the load of a service whose files a team's manifest
/// governs: the load is still checked, under the team's rule levels, ignores, fail-on
/// and baseline.
#[test]
fn load_declared_above_is_checked_under_the_settings_of_the_files_manifest() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    write_file(
        root,
        "team/app/application.yml",
        "spring:\n  datasource:\n    hikari:\n      maximum-pool-size: 4\n",
    );
    write_file(
        root,
        "poollint.toml",
        "[[service]]\nname = \"team-app\"\nconfig = \"team/app/application.yml\"\ninstances = 3\n[service.load]\npeak-rps = 800\nhold-time = \"15ms\"\n",
    );
    let saturated = "team/app/application.yml:4:26: error[pool-saturated-by-declared-load]";
    let cases = [
        ("[lint]\nfail-on = \"error\"\n", 1, Some(saturated)),
        ("[lint]\nfail-on = \"never\"\n", 0, Some(saturated)),
        (
            "[lint.rules]\n\"pool-saturated-by-declared-load\" = \"warning\"\n",
            0,
            Some("team/app/application.yml:4:26: warning[pool-saturated-by-declared-load]"),
        ),
        (
            "[[lint.ignore]]\npaths = [\"app/**\"]\nrules = [\"pool-saturated-by-declared-load\"]\n",
            0,
            None,
        ),
    ];
    for (team, code, finding) in cases {
        write_file(root, "team/poollint.toml", team);
        let assert = check_in(root, &["-f", "concise", "."]).code(code);
        match finding {
            Some(finding) => assert.stdout(predicate::str::starts_with(finding)),
            None => assert.stdout(predicate::str::contains("No problems found")),
        };
    }
    // A level the root manifest forces is not the team's: the rule's own applies.
    let root_manifest = std::fs::read_to_string(root.join("poollint.toml")).expect("read");
    write_file(
        root,
        "poollint.toml",
        &format!("[lint.rules]\n\"pool-saturated-by-declared-load\" = \"info\"\n{root_manifest}"),
    );
    write_file(root, "team/poollint.toml", "");
    check_in(root, &["-f", "concise", "."])
        .code(1)
        .stdout(predicate::str::starts_with(saturated));
    // And the team's baseline.
    write_file(
        root,
        "team/poollint.toml",
        "[lint]\nbaseline = \"b.json\"\n",
    );
    check_in(
        root,
        &["-f", "concise", ".", "--write-baseline", "team/b.json"],
    )
    .code(1);
    check_in(root, &["-f", "concise", "."])
        .code(0)
        .stdout(predicate::str::contains("No problems found"))
        .stderr(predicate::str::is_empty());
}

/// Each manifest's `fail-on` decides for the findings on its files.
#[test]
fn fail_on_comes_from_the_manifest_governing_each_finding() {
    let dir = monorepo_with_team_manifest();
    write_file(
        dir.path(),
        "team/poollint.toml",
        "[lint]\nfail-on = \"info\"\n",
    );
    write_file(dir.path(), "poollint.toml", "[lint]\nfail-on = \"error\"\n");
    let check = |extra: &[&str]| {
        poollint()
            .current_dir(dir.path())
            .args(["check", "-f", "concise", "."])
            .args(extra)
            .assert()
    };
    check(&[]).code(1);
    check(&["--fail-on", "error"]).code(0);
    std::fs::remove_file(dir.path().join("team/app/application.yml")).expect("rm");
    check(&[]).code(0);
}

/// A manifest's `[lint] baseline` hides the findings of its own files; one
/// `--baseline` serves every manifest, and an entry is stale only when no file
/// matches it any more. A baseline's paths are relative to it.
#[test]
fn baselines_apply_per_manifest_and_one_baseline_serves_all() {
    let dir = monorepo_with_team_manifest();
    write_file(
        dir.path(),
        "team/poollint.toml",
        "[lint]\nbaseline = \"team-baseline.json\"\n",
    );
    let write_team = [
        "-f",
        "concise",
        "team",
        "--write-baseline",
        "team/team-baseline.json",
    ];
    check_in(dir.path(), &write_team).code(0);
    check_in(dir.path(), &["-f", "concise", "."])
        .code(0)
        .stdout(predicate::str::starts_with(
            "app/application.yml:4:21: info",
        ))
        .stdout(predicate::str::contains("team/app").not())
        .stderr(predicate::str::is_empty());
    check_in(
        dir.path(),
        &["-f", "concise", ".", "--write-baseline", "all.json"],
    )
    .code(0)
    .stderr(predicate::str::contains(
        "wrote 2 baseline entries to all.json",
    ));
    check_in(
        dir.path(),
        &["-f", "concise", ".", "--baseline", "all.json"],
    )
    .code(0)
    .stdout(predicate::str::contains("No problems found"))
    .stderr(predicate::str::is_empty());
    // Baselines name files relative to their own directory: they match from anywhere.
    let team = dir.path().join("team");
    check_in(&team, &["-f", "concise", "."])
        .code(0)
        .stdout(predicate::str::contains("No problems found"))
        .stderr(predicate::str::is_empty());
    check_in(
        &team,
        &["-f", "concise", "app", "--baseline", "../all.json"],
    )
    .code(0)
    .stdout(predicate::str::contains("No problems found"));
    std::fs::remove_file(dir.path().join("app/application.yml")).expect("rm");
    check_in(dir.path(), &["-f", "concise", ".", "--baseline", "all.json"])
        .code(0)
        .stderr(predicate::str::contains(
            "baseline entry no longer matches a finding (fixed? remove it from all.json): app/application.yml hikari-minimum-idle-set",
        ))
        .stderr(predicate::str::contains("team/app/application.yml hikari").not());
}

/// Checking a directory of projects, each with its manifest (topology, declared load,
/// rule levels), finds what checking each project on its own finds.
#[test]
fn checking_a_monorepo_from_its_root_equals_checking_each_project() {
    let findings = |path: &str| concise_findings(std::path::Path::new(path));
    let mut each: Vec<String> = [
        "examples/fleet",
        "examples/postmortem-auth",
        "examples/rails-sidekiq",
    ]
    .into_iter()
    .flat_map(findings)
    .collect();
    each.sort();
    let mut whole = findings("examples");
    whole.sort();
    assert!(whole
        .iter()
        .any(|f| f.contains("pgbouncer-server-conns-exceed-postgres")));
    assert_eq!(whole, each);
}

/// Concise findings of `poollint check PATH` (no per-file cap), without the summary.
fn concise_findings(path: &std::path::Path) -> Vec<String> {
    let out = poollint()
        .args(["check", "-f", "concise", "--max-diagnostics-per-file", "0"])
        .arg(path)
        .output()
        .expect("run");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|line| !line.starts_with("Found ") && !line.starts_with("No problems"))
        .map(str::to_owned)
        .collect()
}

/// Directories below `root` holding a `poollint.toml`.
fn manifest_dirs(root: &std::path::Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(root).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.join("poollint.toml").is_file() {
                found.push(path.clone());
            }
            manifest_dirs(&path, found);
        }
    }
}

/// The fixtures with a manifest (48 of them: topology, load, rule levels, ignores) give
/// the same findings in one check of all fixtures as each checked on its own.
#[test]
fn checking_all_fixtures_at_once_applies_each_fixture_manifest() {
    let root = std::path::Path::new("tests/fixtures");
    let whole = concise_findings(root);
    let mut dirs = Vec::new();
    manifest_dirs(root, &mut dirs);
    assert!(dirs.len() >= 40, "{dirs:?}");
    let prefix = |dir: &std::path::Path| format!("{}/", dir.display());
    // Equal would hold if both found nothing: most fixtures must have findings.
    let mut with_findings = 0;
    for dir in &dirs {
        let nested: Vec<String> = dirs
            .iter()
            .filter(|d| *d != dir && d.starts_with(dir))
            .map(|d| prefix(d))
            .collect();
        let own = |line: &&String| {
            line.starts_with(&prefix(dir)) && !nested.iter().any(|n| line.starts_with(n))
        };
        let checked = concise_findings(dir);
        let mut alone: Vec<&String> = checked.iter().filter(own).collect();
        let mut together: Vec<&String> = whole.iter().filter(own).collect();
        alone.sort();
        together.sort();
        assert_eq!(together, alone, "{}", dir.display());
        with_findings += usize::from(!together.is_empty());
    }
    assert!(
        with_findings >= 30,
        "{with_findings} fixtures with findings"
    );
}

/// At `--diff-base`, each manifest's level of `risky-pool-change` applies to the pools
/// of its files; a manifest added since REV compares its pools with those the
/// manifest above it governed then.
#[test]
fn diff_base_runs_risky_pool_change_under_each_manifest() {
    let pool = |size: u32| {
        format!("spring:\n  datasource:\n    hikari:\n      maximum-pool-size: {size}\n")
    };
    let before = pool(64);
    let repo = git_repo(&[
        ("orders/application.yml", before.as_str()),
        ("quiet/orders/application.yml", before.as_str()),
        ("strict/orders/application.yml", before.as_str()),
        ("new/orders/application.yml", before.as_str()),
        (
            "quiet/poollint.toml",
            "[lint.rules]\n\"risky-pool-change\" = \"off\"\n",
        ),
        (
            "strict/poollint.toml",
            "[lint.rules]\n\"risky-pool-change\" = \"error\"\n",
        ),
    ]);
    write_file(
        repo.path(),
        "new/poollint.toml",
        "[lint]\nfail-on = \"never\"\n",
    );
    for file in [
        "new/orders/application.yml",
        "orders/application.yml",
        "quiet/orders/application.yml",
        "strict/orders/application.yml",
    ] {
        write_file(repo.path(), file, &pool(16));
    }
    let out = poollint()
        .current_dir(repo.path())
        .args([
            "check",
            "-f",
            "concise",
            "--diff-base",
            "HEAD",
            "--select",
            "risky-pool-change",
            ".",
        ])
        .output()
        .expect("run");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "new/orders/application.yml:4:26: warning[risky-pool-change] the pool maximum went from 64 to 16 since HEAD (−75%)\n\
         orders/application.yml:4:26: warning[risky-pool-change] the pool maximum went from 64 to 16 since HEAD (−75%)\n\
         strict/orders/application.yml:4:26: error[risky-pool-change] the pool maximum went from 64 to 16 since HEAD (−75%)\n\
         Found 1 error, 2 warnings and 0 infos in 4 files.\n"
    );
    assert_eq!(out.status.code(), Some(1));
}

/// With an infinite acquire timeout (`connection-timeout: 0`) a checkout times out at
/// the declared request deadline minus the hold time, as the sizing rules count it: a
/// pool cut from 20 to 6 that still meets the target is a warning (P(timeout) was
/// Erlang C, the chance of waiting at all: 3.5e-7 → 58.75% and an error). Without a
/// deadline nothing times out and the message gives utilisation only.
#[test]
fn risky_pool_change_times_out_an_infinite_wait_at_the_request_deadline() {
    let pool = |size: u32| {
        format!("spring:\n  datasource:\n    hikari:\n      maximum-pool-size: {size}\n      connection-timeout: 0\n")
    };
    let manifest = |deadline: &str| {
        format!("[[service]]\nname = \"app\"\nconfig = [\"app/application.yml\"]\ninstances = 2\n[service.load]\npeak-rps = 400\nhold-time = \"25ms\"\n{deadline}")
    };
    let with_deadline = manifest("request-timeout = \"2s\"\n");
    let before = pool(20);
    for (toml, expected) in [
        (
            with_deadline.as_str(),
            "warning[risky-pool-change] the pool maximum went from 20 to 6 since HEAD (−70%): at the declared peak utilisation goes 25% → 83.33% and P(timeout) 0 → < 1e-9\n",
        ),
        (
            &manifest(""),
            "warning[risky-pool-change] the pool maximum went from 20 to 6 since HEAD (−70%): at the declared peak utilisation goes 25% → 83.33%\n",
        ),
    ] {
        let repo = git_repo(&[("app/application.yml", before.as_str()), ("poollint.toml", toml)]);
        write_file(repo.path(), "app/application.yml", &pool(6));
        let out = poollint()
            .current_dir(repo.path())
            .args(["check", "-f", "concise", "--diff-base", "HEAD"])
            .args(["--select", "risky-pool-change", "."])
            .output()
            .expect("run");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains(expected), "{stdout}");
    }
}

/// `/actuator/health/liveness` checks the database when the application adds `db` to
/// the liveness group (catalogue CC07): reported, with the key that adds it.
#[test]
fn a_liveness_group_holding_db_makes_the_liveness_probe_depend_on_it() {
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: app:1\n          livenessProbe:\n            httpGet:\n              path: /actuator/health/liveness\n              port: 8080\n";
    let manifest = "[[service]]\nname = \"app\"\nconfig = [\"app/application.yml\"]\ndeployment = \"k8s/app.yaml\"\n";
    let config = |include: &str| {
        format!("spring:\n  datasource:\n    url: jdbc:postgresql://db:5432/app\nmanagement:\n  endpoint:\n    health:\n      group:\n        liveness:\n          include: {include}\n")
    };
    let run = |include: &str| {
        let dir = tree(&[
            ("k8s/app.yaml", deployment),
            ("app/application.yml", &config(include)),
            ("poollint.toml", manifest),
        ]);
        let out = poollint()
            .current_dir(dir.path())
            .args([
                "check",
                ".",
                "-f",
                "json",
                "--select",
                "liveness-probe-depends-on-db",
            ])
            .output()
            .expect("run");
        serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("json")["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .clone()
    };
    for include in ["livenessState,db", "[livenessState, db]"] {
        let found = run(include);
        assert_eq!(found.len(), 1, "{include}: {found:?}");
        let text = found[0].to_string();
        assert!(text.contains("adds the database check"), "{text}");
        assert!(text.contains("app/application.yml"), "{text}");
    }
    assert!(run("livenessState,diskSpace").is_empty());
}

/// An `application.yml` in a ConfigMap counts once per replica of each workload that
/// mounts it (its environment overriding the pool, its autoscaler and surge applying),
/// not once: the audit's case counted 20 connections for 3 replicas of 20.
#[test]
fn a_configmap_application_counts_per_replica_of_each_workload_mounting_it() {
    let fixture = "tests/fixtures/k8s-configmap-mounted";
    poollint()
        .args(["capacity", fixture])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "db        57            55             90",
        ));
    poollint()
        .args(["check", "-f", "concise", fixture])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "demand 80 = web 8 instances (autoscaler maximum) × 1 process × pool 5",
        ))
        .stdout(predicate::str::contains(
            "[deployment inferred: web mounts ConfigMap web-config, key application.yml]",
        ))
        .stdout(predicate::str::contains(
            "+ worker 2 instances (tests/fixtures/k8s-configmap-mounted/deploy/web.yaml:54) × 1 process × pool 20",
        ))
        .stdout(predicate::str::contains("unmounted").not())
        .stdout(predicate::str::contains("other-key").not())
        .stdout(predicate::str::contains("elsewhere").not());
    // The manifest `init` writes keeps the link: one table per workload, same count.
    let dir = tempfile::tempdir().expect("temp dir");
    copy_tree(std::path::Path::new(fixture), dir.path());
    let manifest = init_manifest(dir.path());
    assert!(
        manifest.contains("deployment = \"deploy/web.yaml\"   # inferred: its workload mounts the ConfigMap the application is read from"),
        "{manifest}"
    );
    std::fs::write(dir.path().join("poollint.toml"), manifest).expect("write manifest");
    poollint()
        .args(["capacity"])
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "db        57            55             90",
        ));
}

/// An optional `configMapKeyRef` to a key the ConfigMap (among the files) lacks is
/// skipped by the kubelet: the earlier literal runs (40), or with none Hikari's default
/// (10). It made the pool unknown, dropping it from the fleet, and
/// `duplicate-key-across-forms` named the skipped reference as the value that runs.
#[test]
fn an_optional_reference_to_a_missing_key_leaves_the_variable_as_if_unset() {
    let db = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  template:\n    spec:\n      containers:\n        - name: postgres\n          image: postgres:16\n          args: [\"-c\", \"max_connections=8\"]\n";
    let web = |literal: &str| {
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cm1}}\ndata:\n  other: \"1\"\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n  strategy: {{type: Recreate}}\n  template:\n    spec:\n      containers:\n        - name: web\n          env:\n            - {{name: SPRING_DATASOURCE_URL, value: \"jdbc:postgresql://db:5432/shop?socketTimeout=30\"}}\n{literal}            - name: SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE\n              valueFrom:\n                configMapKeyRef: {{name: cm1, key: size, optional: true}}\n")
    };
    let literal =
        "            - {name: SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE, value: \"40\"}\n";
    for (literal, demand) in [(literal, "demand 40 = web 1 instance (Kubernetes default) × 1 process × pool 40"), ("", "demand 10 = web 1 instance (Kubernetes default) × 1 process × pool 10 (HikariCP default)")] {
        let dir = tree(&[("deploy/db.yaml", db), ("deploy/web.yaml", &web(literal))]);
        poollint()
            .args(["check", "-f", "concise"])
            .arg(dir.path())
            .assert()
            .code(1)
            .stdout(predicate::str::contains(demand))
            .stdout(predicate::str::contains("duplicate-key-across-forms").not());
    }
}

#[test]
fn kubernetes_topology_is_inferred_without_a_manifest_and_init_writes_it() {
    let fixture = "tests/fixtures/k8s-inferred";
    poollint()
        .args(["check", "-f", "concise", fixture])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "error[autoscale-max-exceeds-db-slots] at the autoscaler's maximum the fleet can open 180 connections to database db but it accepts 97",
        ))
        .stdout(predicate::str::contains(
            "[connects-to inferred: the only database, defined next to the service's files]",
        ))
        .stdout(predicate::str::contains("max_connections 100 (tests/fixtures/k8s-inferred/deploy/db.yaml:12)"));
    let manifest = poollint()
        .args(["init", "--stdout", fixture])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let manifest = String::from_utf8(manifest).unwrap();
    assert!(
        manifest.contains("config = \"deploy/db.yaml\""),
        "{manifest}"
    );
    assert!(
        manifest.contains("[[service]]\nname = \"web\"\ndeployment = \"deploy/web.yaml\""),
        "{manifest}"
    );
    assert!(manifest.contains("connects-to = \"db\""), "{manifest}");
}

#[test]
fn compose_service_building_an_app_multiplies_its_pool_without_a_manifest() {
    poollint()
        .args(["check", "-f", "concise", "--select", "fleet-exceeds-db-slots"])
        .arg("tests/fixtures/compose-inferred")
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "demand 90 = app 3 instances (tests/fixtures/compose-inferred/docker-compose.yml:8) × 1 process × pool 30",
        ))
        .stdout(predicate::str::contains(
            "[deployment inferred: compose service app builds or mounts tests/fixtures/compose-inferred/app/application.yml]",
        ));
}

#[test]
fn stats_time_every_stage_and_the_parse_floor_ratio() {
    let out = poollint()
        .args([
            "check",
            "tests/fixtures/rules/hikari-max-lifetime-below-minimum/pass",
            "--stats",
        ])
        .assert()
        .code(0)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    for stage in [
        "files,",
        "bytes;",
        "walk ",
        "read ",
        "parse ",
        "model ",
        "rules ",
        "render ",
        "texts read again ",
        "x walk+read+parse",
    ] {
        assert!(stderr.contains(stage), "missing {stage:?} in {stderr}");
    }
    assert!(!stderr.contains("diff-base"), "{stderr}");
}

#[test]
fn stats_time_the_diff_base_check() {
    let repo = git_repo(&[(
        "application.yml",
        "spring:\n  datasource:\n    hikari:\n      maximum-pool-size: 10\n",
    )]);
    let out = poollint()
        .current_dir(repo.path())
        .args(["check", ".", "--diff-base", "HEAD", "--stats"])
        .assert()
        .code(0)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stderr
        .lines()
        .find(|l| l.contains("walk+read+parse"))
        .unwrap();
    assert!(line.contains(" ms), diff-base "), "{line}");
}

#[test]
fn a_tree_with_nothing_to_read_says_so_and_still_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("README.md"), "# not a config\n").unwrap();
    poollint()
        .args(["check"])
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("No problems found in 0 files"))
        .stderr(predicate::str::contains(
            "no configuration file poollint reads was found in",
        ));
    // A tree with a file to read says nothing of the kind.
    poollint()
        .args(["check", CLEAN])
        .assert()
        .stderr(predicate::str::contains("no configuration file").not());
    // YAML the walk offers that no reader takes (a Helm chart) is nothing read either:
    // it passed silently, counted as found.
    let chart = tree(&[
        ("chart/values.yaml", "replicaCount: 3\n"),
        ("chart/templates/deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  replicas: {{ .Values.replicaCount }}\n"),
    ]);
    poollint()
        .current_dir(chart.path())
        .args(["check", "chart"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "no configuration file poollint reads was found in chart",
        ));
    poollint()
        .current_dir(chart.path())
        .args(["check", "--stdin-filename", "new.yml", "-"])
        .write_stdin("a: 1\n")
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "new.yml (standard input) is no configuration file poollint reads",
        ));
}

/// CI gates compare runs: the output is the same whatever the number of threads, on
/// the rule fixtures and on a tree of several batches (about 256 files each).
#[test]
fn output_does_not_depend_on_the_number_of_threads() {
    let tree = tempfile::tempdir().expect("temp dir");
    for i in 0..300 {
        let app = tree.path().join(format!("svc{i:03}"));
        std::fs::create_dir_all(&app).expect("dir");
        let yaml = format!(
            "spring:\n  datasource:\n    hikari:\n      maximum-pool-size: {}\n      max-lifetime: 10000\n",
            i % 7
        );
        std::fs::write(app.join("application.yml"), yaml).expect("write");
        std::fs::write(
            app.join("pgbouncer.ini"),
            format!(
                "[pgbouncer]\npool_mode = statement\ndefault_pool_size = {i}\nauth_type = trust\n"
            ),
        )
        .expect("write");
    }
    for dir in [tree.path(), std::path::Path::new("tests/fixtures")] {
        let run = |threads: &str| {
            poollint()
                .env("RAYON_NUM_THREADS", threads)
                .arg("check")
                .arg(dir)
                .args(["-f", "json"])
                .output()
                .expect("run")
        };
        let (one, four) = (run("1"), run("4"));
        assert!(
            one.stdout.len() > 10_000,
            "{}",
            String::from_utf8_lossy(&one.stderr)
        );
        assert_eq!(one.stdout, four.stdout);
        assert_eq!(one.status.code(), four.status.code());
    }
}

#[test]
fn a_pool_set_after_an_alias_bomb_is_still_read() {
    // 9^25 nodes if expanded: the bound on what aliases add must skip the expansion,
    // not stop reading the file (the pool after it was silently lost).
    let mut yaml = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let mut previous = 'a';
    for name in 'b'..='z' {
        let aliases = vec![format!("*{previous}"); 9].join(",");
        yaml.push_str(&format!("{name}: &{name} [{aliases}]\n"));
        previous = name;
    }
    yaml.push_str("spring:\n  datasource:\n    hikari:\n      maximum-pool-size: 0\n");
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "application.yml", &yaml);
    poollint()
        .current_dir(dir.path())
        .args(["check", ".", "-f", "concise"])
        .timeout(std::time::Duration::from_secs(20))
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "application.yml:30:26: error[pool-size-invalid]",
        ));
}

/// A full disk is an error (exit 2), not a silent success: the output is incomplete.
#[cfg(target_os = "linux")]
#[test]
fn output_that_cannot_be_written_is_an_error() {
    for args in [
        &["check", "examples/fleet", "-f", "json"][..],
        &["rules"][..],
        &["capacity", "examples/fleet"][..],
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full");
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_poollint"))
            .args(args)
            .env("NO_COLOR", "1")
            .stdout(full)
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("cannot write to standard output: No space left on device"),
            "{args:?}: {stderr}"
        );
    }
}

/// A reader that closes the pipe (`| head -1`) ends the output quietly, with no panic.
#[cfg(unix)]
#[test]
fn a_closed_pipe_ends_every_command_quietly() {
    let bin = env!("CARGO_BIN_EXE_poollint");
    for command in [
        "completions fish",
        "man",
        "rules",
        "explain pool-unbounded",
        "capacity examples/fleet",
    ] {
        // The reader has closed its end before poollint starts writing.
        let script = format!(
            "(sleep 0.2; exec \"$0\" {command}) | (exec 0<&-; sleep 0.6); echo \"status ${{PIPESTATUS[0]}}\""
        );
        let output = std::process::Command::new("bash")
            .args(["-c", &script, bin])
            .output()
            .expect("bash");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stdout.contains("status 0"), "{command}: {stdout} {stderr}");
        assert!(!stderr.contains("panicked"), "{command}: {stderr}");
    }
}

/// A baseline (read or written) and a report to one file, however spelt: a usage error
/// before any check (the report overwrote the baseline, or the baseline the report).
#[test]
fn a_baseline_and_a_report_to_one_file_are_a_usage_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fleet = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/fleet");
    poollint()
        .current_dir(dir.path())
        .args([
            "check",
            fleet,
            "--fail-on",
            "never",
            "--write-baseline",
            "bl.json",
        ])
        .assert()
        .code(0);
    let baseline = std::fs::read(dir.path().join("bl.json")).expect("baseline written");
    std::fs::create_dir_all(dir.path().join("sub")).expect("mkdir");
    for (flag, file, output) in [
        ("--write-baseline", "x.json", "json=x.json"),
        ("--write-baseline", "./x.json", "sarif=sub/../x.json"),
        ("--baseline", "bl.json", "sarif=bl.json"),
        ("--baseline", "sub/../bl.json", "gitlab=./bl.json"),
    ] {
        poollint()
            .current_dir(dir.path())
            .args(["check", fleet, flag, file, "-f", output])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("name the same file"));
        assert!(
            !dir.path().join("x.json").exists(),
            "{flag} {file} -f {output}"
        );
        let now = std::fs::read(dir.path().join("bl.json")).expect("baseline kept");
        assert_eq!(now, baseline, "{flag} {file} -f {output}");
    }
    // A baseline written to standard output beside a format there (the default human
    // one too), or to the file standard output is redirected to: both documents in one.
    for formats in [&["-f", "json"][..], &[]] {
        poollint()
            .current_dir(dir.path())
            .args(["check", fleet, "--write-baseline", "/dev/stdout"])
            .args(formats)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("name the same file"));
    }
    let redirected = std::fs::File::create(dir.path().join("r.json")).expect("create");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_poollint"))
        .current_dir(dir.path())
        .args(["check", fleet, "--write-baseline", "r.json", "-f", "json"])
        .stdout(redirected)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("name the same file"), "{stderr}");
    // `/dev/null` takes both.
    poollint()
        .current_dir(dir.path())
        .args([
            "check",
            fleet,
            "--fail-on",
            "never",
            "--write-baseline",
            "/dev/null",
        ])
        .args(["-f", "json=/dev/null"])
        .assert()
        .code(0);
}

/// The manifest's `baseline`, read when no `--baseline` is given, and a report to that
/// file: a usage error too (the report overwrote the baseline every later run reads).
#[test]
fn the_manifests_baseline_and_a_report_to_it_are_a_usage_error() {
    let dir = tree(&[
        (
            "app/application.yml",
            "spring.datasource.hikari.maximum-pool-size: 0\n",
        ),
        ("poollint.toml", "[lint]\nbaseline = \"bl.json\"\n"),
    ]);
    let empty = "{\"version\": 1, \"entries\": []}";
    std::fs::write(dir.path().join("bl.json"), empty).expect("write");
    poollint()
        .current_dir(dir.path())
        .args([
            "check",
            ".",
            "--fail-on",
            "never",
            "--write-baseline",
            "other.json",
        ])
        .assert()
        .code(0);
    poollint()
        .current_dir(dir.path())
        .args(["check", ".", "-f", "json=bl.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("name the same file"));
    let kept = std::fs::read_to_string(dir.path().join("bl.json")).expect("read");
    assert_eq!(kept, empty);
    // A --baseline given instead is the one read: the manifest's may then be written.
    poollint()
        .current_dir(dir.path())
        .args([
            "check",
            ".",
            "--baseline",
            "other.json",
            "-f",
            "json=bl.json",
        ])
        .assert()
        .code(0);
}

/// Two outputs to one place would make a broken file: a usage error before any check.
#[test]
fn two_outputs_to_one_place_are_a_usage_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let same = format!("{}", dir.path().join("out.json").display());
    for (args, said) in [
        (
            vec![
                "-f".to_owned(),
                "json".to_owned(),
                "-f".to_owned(),
                "sarif".to_owned(),
            ],
            "-f json and -f sarif would both write a document to standard output",
        ),
        (
            vec![
                "-f".to_owned(),
                format!("json={same}"),
                "-f".to_owned(),
                format!("sarif={same}"),
            ],
            "-f json and -f sarif both write",
        ),
    ] {
        poollint()
            .args(["check", "examples/fleet"])
            .args(&args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(said));
    }
    // One file however it is spelt: `./o.json` and `o.json`, relative and absolute,
    // through `..` (each was accepted, and the second output overwrote the first).
    let fleet = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/fleet");
    std::fs::create_dir_all(dir.path().join("sub")).expect("mkdir");
    for (first, second) in [
        ("json=./o.json", "sarif=o.json".to_owned()),
        (
            "json=o.json",
            format!("sarif={}", dir.path().join("o.json").display()),
        ),
        ("json=sub/../o.json", "gitlab=o.json".to_owned()),
    ] {
        poollint()
            .current_dir(dir.path())
            .args(["check", fleet, "-f", first, "-f", &second])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("both write"));
    }
    // Lines and one document, or documents to files, are fine.
    poollint()
        .args(["check", "examples/fleet", "-f", "concise", "-f", "json"])
        .assert()
        .code(1);
    poollint()
        .current_dir(dir.path())
        .args([
            "check",
            fleet,
            "-f",
            "json=o.json",
            "-f",
            "sarif=sub/o.json",
        ])
        .assert()
        .code(1);
}

/// An output file in a directory that does not exist, or that is a directory, is a
/// usage error before the check runs (the findings were printed, then exit 2).
#[test]
fn an_output_that_cannot_be_made_is_refused_before_the_check() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fleet = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/fleet");
    std::fs::create_dir(dir.path().join("out")).expect("mkdir");
    for (output, said) in [
        (
            "sarif=nodir/sub/o.sarif",
            "directory nodir/sub does not exist",
        ),
        ("sarif=out", "it is a directory"),
    ] {
        poollint()
            .current_dir(dir.path())
            .args(["check", fleet, "-f", "concise", "-f", output])
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains(said));
    }
}

/// Outputs are compared by the file they reach, not by name: a link to another
/// output's file (also one that does not exist yet), `/dev/stdout` beside a document on
/// stdout, and a file stdout is redirected to named by an output (each was accepted,
/// and one output overwrote or garbled the other). `/dev/null` takes any number.
#[cfg(unix)]
#[test]
fn outputs_reaching_one_file_by_other_names_are_a_usage_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fleet = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/fleet");
    std::fs::write(dir.path().join("o.json"), "").expect("write");
    std::os::unix::fs::symlink("o.json", dir.path().join("link.json")).expect("symlink");
    std::os::unix::fs::symlink("new.json", dir.path().join("dangling.json")).expect("symlink");
    let run = |formats: &[&str]| {
        poollint()
            .current_dir(dir.path())
            .args(["check", fleet])
            .args(formats.iter().flat_map(|f| ["-f", f]))
            .assert()
    };
    for (formats, said) in [
        (
            ["json=link.json", "sarif=o.json"],
            "-f json and -f sarif both write link.json",
        ),
        (
            ["json=dangling.json", "sarif=new.json"],
            "both write dangling.json",
        ),
        (
            ["json=/dev/stdout", "sarif"],
            "-f json=/dev/stdout and -f sarif would both write a document to standard output",
        ),
    ] {
        run(&formats).code(2).stderr(predicate::str::contains(said));
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join("o.json")).expect("read"),
        ""
    );
    run(&["json=/dev/null", "sarif=/dev/null"]).code(1);
    run(&["json=/dev/stdout", "concise"])
        .code(1)
        .stdout(predicate::str::contains(r#""diagnostics""#));
    // stdout redirected to out.json, which `-f json=out.json` names too.
    let redirected = |formats: &[&str]| {
        let out = std::fs::File::create(dir.path().join("out.json")).expect("create");
        std::process::Command::new(env!("CARGO_BIN_EXE_poollint"))
            .current_dir(dir.path())
            .args(["check", fleet])
            .args(formats.iter().flat_map(|f| ["-f", f]))
            .stdout(out)
            .output()
            .expect("run")
    };
    let both = redirected(&["json=out.json", "concise"]);
    assert_eq!(both.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&both.stderr);
    assert!(
        stderr.contains(
            "-f json=out.json and -f concise both write the file standard output is redirected to"
        ),
        "{stderr}"
    );
    assert_eq!(redirected(&["json=out.json"]).status.code(), Some(1));
    // `/dev/stdout` is stdout whatever it is redirected to: beside another format on
    // stdout it is no clash, and it appends as stdout does instead of truncating.
    let appended = |formats: &[&str]| {
        std::fs::write(dir.path().join("log.txt"), "PREVIOUS STEP\n").expect("write");
        let log = std::fs::OpenOptions::new()
            .append(true)
            .open(dir.path().join("log.txt"))
            .expect("open");
        let run = std::process::Command::new(env!("CARGO_BIN_EXE_poollint"))
            .current_dir(dir.path())
            .args(["check", fleet])
            .args(formats.iter().flat_map(|f| ["-f", f]))
            .env("GITHUB_ACTIONS", "true")
            .stdout(log)
            .output()
            .expect("run");
        let log = std::fs::read_to_string(dir.path().join("log.txt")).expect("read");
        (run.status.code(), log)
    };
    let (code, log) = appended(&["json=/dev/stdout"]);
    assert_eq!(code, Some(1));
    assert!(log.starts_with("PREVIOUS STEP\n{"), "{log}");
    let (code, log) = appended(&["concise", "github=/dev/stdout"]);
    assert_eq!(code, Some(1), "{log}");
    assert!(log.contains("warning[") && log.contains("::"), "{log}");
    // Under GitHub Actions the human format adds no annotations of its own when github
    // writes stdout, however stdout is named: each finding is annotated once.
    let (_, with_name) = appended(&["human", "github=/dev/stdout"]);
    let (_, plain) = appended(&["human", "github"]);
    let annotations = |log: &str| log.lines().filter(|l| l.starts_with("::")).count();
    assert!(annotations(&plain) > 0);
    assert_eq!(annotations(&with_name), annotations(&plain));
    // One format twice to one place is written once.
    let twice = run(&["concise", "concise", "concise=/dev/stdout"]).code(1);
    let text = String::from_utf8_lossy(&twice.get_output().stdout).into_owned();
    assert_eq!(text.matches("Found ").count(), 1, "{text}");
}

/// SARIF paths are relative to the repository root, wherever in it poollint runs, and
/// its fingerprints with them; a file outside the repository is an absolute `file:` URI.
#[test]
fn sarif_locations_are_relative_to_the_repository_root() {
    let repo = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(repo.path().join(".git")).expect(".git");
    let app = "spring:\n  datasource:\n    hikari:\n      max-lifetime: 20000\n";
    write_file(repo.path(), "svc/application.yml", app);
    let outside = tempfile::tempdir().expect("temp dir");
    write_file(outside.path(), "other/application.yml", app);
    let sarif = |dir: &std::path::Path, path: &std::path::Path| -> serde_json::Value {
        let out = poollint()
            .current_dir(dir)
            .args(["check", "-f", "sarif"])
            .arg(path)
            .output()
            .expect("run");
        serde_json::from_slice(&out.stdout).expect("SARIF is JSON")
    };
    let first = |log: &serde_json::Value, field: &str| -> serde_json::Value {
        let result = &log["runs"][0]["results"][0];
        match field {
            "uri" => result["locations"][0]["physicalLocation"]["artifactLocation"].clone(),
            _ => result["partialFingerprints"].clone(),
        }
    };
    let from_root = sarif(repo.path(), std::path::Path::new("svc"));
    let from_svc = sarif(&repo.path().join("svc"), std::path::Path::new("."));
    let expected = serde_json::json!({"uri": "svc/application.yml", "uriBaseId": "%SRCROOT%"});
    assert_eq!(first(&from_root, "uri"), expected);
    assert_eq!(first(&from_svc, "uri"), expected);
    assert_eq!(first(&from_root, "fp"), first(&from_svc, "fp"));
    let elsewhere = sarif(repo.path(), outside.path());
    let uri = first(&elsewhere, "uri");
    let text = uri["uri"].as_str().unwrap_or_default();
    assert!(
        text.starts_with("file:///") && text.ends_with("/other/application.yml"),
        "{uri}"
    );
    assert!(uri.get("uriBaseId").is_none(), "{uri}");
}

/// Run from a subdirectory: a file a manifest above names is shown relative to the
/// current directory (`../db/postgresql.conf`, as the path argument `../db` shows it;
/// it was absolute), and GitHub annotations and GitLab issues name files from the
/// repository root, as those hosts resolve them (they were relative to the current
/// directory, naming no file there).
#[test]
fn paths_from_a_subdirectory_are_relative_and_code_hosts_get_repository_paths() {
    let repo = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(repo.path().join(".git")).expect(".git");
    let fleet = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/fleet");
    for file in [
        "poollint.toml",
        "db/postgresql.conf",
        "pgbouncer/pgbouncer.ini",
        "deploy/orders.yaml",
    ] {
        let text = std::fs::read_to_string(format!("{fleet}/{file}")).expect("read");
        write_file(repo.path(), file, &text);
    }
    let orders = "orders/src/main/resources/application.yml";
    let text = std::fs::read_to_string(format!("{fleet}/{orders}")).expect("read");
    write_file(repo.path(), orders, &text);
    let run = |format: &str| {
        let out = poollint()
            .current_dir(repo.path().join("orders"))
            .args(["check", ".", "-f", format])
            .output()
            .expect("run");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let json: serde_json::Value = serde_json::from_str(&run("json")).expect("JSON");
    let paths: std::collections::BTreeSet<String> = json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| d["path"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(paths.iter().all(|p| !p.starts_with('/')), "{paths:?}");
    assert!(paths.iter().any(|p| p.starts_with("../")), "{paths:?}");
    let github = run("github");
    assert!(
        github.contains("file=orders/src/main/resources/application.yml,"),
        "{github}"
    );
    assert!(!github.contains("file=src/"), "{github}");
    let gitlab: serde_json::Value = serde_json::from_str(&run("gitlab")).expect("JSON");
    let gitlab_paths: Vec<&str> = gitlab
        .as_array()
        .expect("issues")
        .iter()
        .map(|i| i["location"]["path"].as_str().unwrap_or_default())
        .collect();
    assert!(
        gitlab_paths.contains(&"orders/src/main/resources/application.yml"),
        "{gitlab_paths:?}"
    );
    assert!(
        gitlab_paths
            .iter()
            .all(|p| !p.starts_with("../") && !p.starts_with('/')),
        "{gitlab_paths:?}"
    );
}

/// Files a manifest names outside the paths checked are read for the topology, but
/// their own findings are not the check's: naming only a file poollint does not read (a
/// pre-commit hook passing a changed README) reports nothing and exits 0, and naming
/// one config file reports its findings and the topology's, not another file's alone.
#[test]
fn findings_of_files_read_only_for_the_topology_are_not_reported() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fleet = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/fleet");
    for file in [
        "poollint.toml",
        "README.md",
        "db/postgresql.conf",
        "pgbouncer/pgbouncer.ini",
        "deploy/orders.yaml",
        "orders/src/main/resources/application.yml",
    ] {
        let text = std::fs::read_to_string(format!("{fleet}/{file}")).expect("read");
        write_file(dir.path(), file, &text);
    }
    check_in(dir.path(), &["-f", "concise", "README.md"])
        .code(0)
        .stdout(predicate::str::contains("No problems found"));
    // The manifest named (a hook passing a changed `poollint.toml`): its topology is
    // checked, other files' own findings are not reported.
    let manifest = {
        let output = poollint()
            .current_dir(dir.path())
            .args(["check", "-f", "concise", "poollint.toml"])
            .output()
            .expect("run");
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    assert!(
        manifest.contains("pgbouncer-server-conns-exceed-postgres"),
        "{manifest}"
    );
    assert!(
        !manifest.contains("hikari-timeout-constraints"),
        "{manifest}"
    );
    let run = |path: &str| {
        let output = poollint()
            .current_dir(dir.path())
            .args(["check", "-f", "concise", path])
            .output()
            .expect("run");
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let out = run("db/postgresql.conf");
    assert!(out.contains("db/postgresql.conf:"), "{out}");
    // A topology finding concerns the checked database; one of application.yml alone
    // does not.
    assert!(
        out.contains("pgbouncer-server-conns-exceed-postgres"),
        "{out}"
    );
    assert!(!out.contains("hikari-timeout-constraints"), "{out}");
    let whole = run(".");
    assert!(whole.contains("hikari-timeout-constraints"), "{whole}");
}

/// A `.yml` below the paths is a candidate until its text is read: one no reader
/// accepts (a Helm template, a `.yml` that is no manifest) is nothing read, so a hook
/// passing it alone reports none of the topology's findings read from outside it, and
/// standard input under such a name says it is no file poollint reads.
#[test]
fn a_yaml_no_reader_accepts_checks_nothing_beside_a_manifest() {
    let dir = tempfile::tempdir().expect("temp dir");
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/postmortem-auth");
    for file in ["poollint.toml", "src/main/resources/application.yml"] {
        let text = std::fs::read_to_string(format!("{example}/{file}")).expect("read");
        write_file(dir.path(), file, &text);
    }
    write_file(dir.path(), "x.yml", "foo: bar\n");
    write_file(
        dir.path(),
        "chart/templates/deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n",
    );
    for path in ["x.yml", "chart/templates/deploy.yaml"] {
        check_in(dir.path(), &["-f", "concise", path])
            .code(0)
            .stdout(predicate::str::contains("No problems found in 0 files"))
            .stderr(predicate::str::contains(format!(
                "no configuration file poollint reads was found in {path}"
            )));
    }
    poollint()
        .current_dir(dir.path())
        .args(["check", "--stdin-filename", "new.yml", "-"])
        .write_stdin("foo: bar\n")
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "new.yml (standard input) is no configuration file poollint reads",
        ));
}

/// A fix is checked against the file on disk (its text was released after reading):
/// a value in quotes keeps them, a value through a placeholder gets none.
#[test]
fn fixes_are_checked_against_the_files_on_disk() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_file(
        dir.path(),
        "a/application.yml",
        "spring:\n  datasource:\n    hikari:\n      idle-timeout: \"5000\"\n      connection-timeout: ${T:30s}\n      minimum-idle: 1\n",
    );
    let out = poollint()
        .args(["check", "-f", "rdjsonl"])
        .arg(dir.path())
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let suggestions: Vec<serde_json::Value> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|d| d.get("suggestions").cloned())
        .collect();
    let expected = serde_json::json!([{
        "range": {"start": {"line": 4, "column": 22}, "end": {"line": 4, "column": 26}},
        "text": "10000"
    }]);
    assert_eq!(suggestions, vec![expected], "{stdout}");
}

/// A Rails application whose Puma and Sidekiq share `database.yml` is read the same
/// with the manifest `init` writes as without one: each `[[service]]` table is its own
/// runtime. Both tables took Puma's 10 threads and 2 workers (the first service read
/// from `database.yml`), so Sidekiq's 20 threads against pool 12 went unreported; a
/// manifest naming only `database.yml` (as `init` wrote it before) is read the same.
#[test]
fn init_manifest_of_a_rails_app_keeps_puma_and_sidekiq_apart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write_file(root, "config/puma.rb", "max_threads_count = ENV.fetch(\"RAILS_MAX_THREADS\") { 10 }\nthreads max_threads_count, max_threads_count\nworkers ENV.fetch(\"WEB_CONCURRENCY\") { 2 }\n");
    write_file(root, "config/sidekiq.yml", ":concurrency: 20\n");
    write_file(
        root,
        "config/database.yml",
        "production:\n  adapter: postgresql\n  pool: 12\n",
    );
    let init = poollint()
        .current_dir(root)
        .args(["init", "--stdout", "."])
        .output()
        .expect("init");
    let written = String::from_utf8_lossy(&init.stdout).into_owned();
    assert!(
        written.contains("config = [\"config/database.yml\", \"config/sidekiq.yml\"]"),
        "{written}"
    );
    let database = "[[database]]\nname = \"shop\"\nmax-connections = 10\n";
    let findings = |manifest: String| {
        write_file(root, "poollint.toml", &manifest);
        concise_findings_in(root)
    };
    let without = findings(database.to_owned());
    // The application at the root is named by its directory.
    let app = root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    assert!(
        without
            .iter()
            .any(|f| f.contains(&format!("but {app} (sidekiq) runs 20 threads"))),
        "{without:?}"
    );
    assert!(
        without.iter().any(|f| f.contains("demand 36 =")),
        "{without:?}"
    );
    assert_eq!(findings(format!("{database}\n{written}")), without);
    let older = format!("[[service]]\nname = \"{app} (sidekiq)\"\nconfig = [\"config/database.yml\"]\n\n[[service]]\nname = \"{app} (puma)\"\nconfig = [\"config/database.yml\"]\n");
    // The same findings; only the order of the services in the demand sum follows
    // the manifest's tables.
    let terms_sorted = |found: Vec<String>| -> Vec<String> {
        found
            .into_iter()
            .map(
                |f| match f.split_once(" = ").zip(f.split_once("; usable")) {
                    Some(((head, _), (sum_and_head, tail))) => {
                        let sum = sum_and_head.get(head.len() + 3..).unwrap_or("");
                        let mut terms: Vec<&str> = sum.split(" + ").collect();
                        terms.sort_unstable();
                        format!("{head} = {}; usable{tail}", terms.join(" + "))
                    }
                    None => f,
                },
            )
            .collect()
    };
    let mut reversed = terms_sorted(findings(format!("{database}\n{older}")));
    reversed.sort();
    let mut sorted = terms_sorted(without.clone());
    sorted.sort();
    assert_eq!(reversed, sorted);
}

/// Concise findings of `poollint check .` in `dir`, without the summary.
fn concise_findings_in(dir: &std::path::Path) -> Vec<String> {
    let out = poollint()
        .current_dir(dir)
        .args(["check", "-f", "concise", "."])
        .output()
        .expect("run");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|line| !line.starts_with("Found ") && !line.starts_with("No problems"))
        .map(str::to_owned)
        .collect()
}

/// Mastodon's `ENV["DB_POOL"] || ENV['MAX_THREADS'] || 5` takes 5 unless a variable is
/// set (it was unknown, so Sidekiq's 25 threads went unreported), names both variables,
/// and a deployment setting only the second one gives the pool its value.
#[test]
fn erb_fallback_chain_takes_its_default_or_the_first_variable_set() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write_file(
        root,
        "app/config/database.yml",
        "production:\n  adapter: postgresql\n  pool: <%= ENV[\"DB_POOL\"] || ENV['MAX_THREADS'] || 5 %>\n",
    );
    write_file(root, "app/config/sidekiq.yml", ":concurrency: 25\n");
    let chain = concise_findings_in(root);
    assert_eq!(chain.len(), 1, "{chain:?}");
    assert!(
        chain[0].contains("warning[pool-smaller-than-thread-concurrency] the production pool allows 5 connections (default of ${DB_POOL} or ${MAX_THREADS}, app/config/database.yml:3)"),
        "{chain:?}"
    );
    assert!(
        chain[0].contains("unless $DB_POOL or $MAX_THREADS is set to at least 25"),
        "{chain:?}"
    );
    write_file(
        root,
        "k8s/worker.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: worker\nspec:\n  template:\n    spec:\n      containers:\n        - name: worker\n          env:\n            - name: MAX_THREADS\n              value: \"8\"\n",
    );
    write_file(
        root,
        "poollint.toml",
        "[[service]]\nname = \"worker\"\nconfig = [\"app/config/database.yml\", \"app/config/sidekiq.yml\"]\ndeployment = \"k8s/worker.yaml\"\n",
    );
    let deployed = concise_findings_in(root);
    assert!(
        deployed
            .iter()
            .any(|f| f.contains("the production pool allows 8 connections (k8s/worker.yaml:")),
        "{deployed:?}"
    );
}

/// A Spring URL whose host is a placeholder's default (`${DB_HOST:prod-db.corp…}`) is not
/// read as outside the model: the compose service sets `DB_HOST=db`, so the pool is
/// still inferred to use the compose database and the fleet is checked against it.
#[test]
fn a_placeholder_default_host_does_not_unlink_the_only_database() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    write_file(
        root,
        "app/application.yml",
        "spring:\n  datasource:\n    url: jdbc:postgresql://${DB_HOST:prod-db.corp.example.com}:5432/app\n    hikari:\n      maximum-pool-size: 10\n",
    );
    write_file(
        root,
        "docker-compose.yml",
        "services:\n  db:\n    image: postgres:16\n    command: [\"postgres\", \"-c\", \"max_connections=20\"]\n  app:\n    build: ./app\n    environment:\n      DB_HOST: db\n    deploy:\n      replicas: 3\n",
    );
    let out = check_output(root, "concise", "fleet-exceeds-db-slots");
    assert!(
        out.contains("can open 30 connections to database db"),
        "{out}"
    );
    // A placeholder elsewhere in the URL leaves the written host outside the model.
    write_file(
        root,
        "app/application.yml",
        "spring:\n  datasource:\n    url: jdbc:postgresql://prod.db.example.com/${DB_NAME:app}\n    hikari:\n      maximum-pool-size: 10\n",
    );
    let out = check_output(root, "concise", "fleet-exceeds-db-slots");
    assert!(!out.contains("can open"), "{out}");
    // A deployment's literal URL replaces the placeholder's: its host counts.
    write_file(
        root,
        "app/application.yml",
        "spring:\n  datasource:\n    url: jdbc:postgresql://${DB_HOST:db}:5432/app\n    hikari:\n      maximum-pool-size: 10\n",
    );
    write_file(
        root,
        "docker-compose.yml",
        "services:\n  db:\n    image: postgres:16\n    command: [\"postgres\", \"-c\", \"max_connections=20\"]\n  app:\n    build: ./app\n    environment:\n      SPRING_DATASOURCE_URL: \"jdbc:postgresql://orders.abc123.eu-west-1.rds.amazonaws.com:5432/app\"\n    deploy:\n      replicas: 3\n",
    );
    let out = check_output(root, "concise", "fleet-exceeds-db-slots");
    assert!(!out.contains("can open"), "{out}");
}

/// A compose database's network `aliases`, `hostname` and `container_name` are names
/// clients reach it by: a pool on such a name is still inferred to use it.
#[test]
fn compose_network_aliases_are_names_of_the_database() {
    for (written, host) in [
        (
            "    networks:\n      backend:\n        aliases: [postgres.internal.example.com]\n",
            "postgres.internal.example.com",
        ),
        ("    hostname: pg.corp.example.com\n", "pg.corp.example.com"),
    ] {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        write_file(
            root,
            "app/application.yml",
            &format!("spring:\n  datasource:\n    url: jdbc:postgresql://{host}:5432/app\n    hikari:\n      maximum-pool-size: 10\n"),
        );
        write_file(
            root,
            "docker-compose.yml",
            &format!("services:\n  db:\n    image: postgres:16\n    command: [\"postgres\", \"-c\", \"max_connections=20\"]\n{written}  app:\n    build: ./app\n    deploy:\n      replicas: 3\n"),
        );
        let out = check_output(root, "concise", "fleet-exceeds-db-slots");
        assert!(
            out.contains("can open 30 connections to database db"),
            "{host}: {out}"
        );
    }
}

/// A URL password holding `/`, `@`, `;` or `#` (`app:Top,Sec/ret9@host`) runs to the
/// last `@` before any parameter, so no output quotes any of it (a failover host list
/// took `app:Top,Sec` for hosts, and `QB2` was read as the host of `app:QB1@QB2/QB3@…`).
#[test]
fn a_password_with_a_slash_is_never_taken_for_a_host() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    write_file(
        root,
        "web/.env",
        "DATABASE_URL=postgresql://app:Top,Sec/ret9@db.example.com/app?sslmode=disable\n\
         B=postgresql://app:QB1@QB2/QB3@db.example.com/app?sslmode=disable\n\
         L=postgresql://app:QL1@QL2;QL3@db.example.com/app?sslmode=disable\n\
         S=postgresql://app:QS1@QS2#QS3/QS4@db.example.com/app?sslmode=disable\n\
         X=postgresql://app:XB1@XB2=XB3/XB4@dbb.example.com/app?sslmode=disable\n\
         Z=postgresql://app:ZG1=ZG2?sslmode=disable&connect_timeout=ZG3@db.example.com/app\n",
    );
    // A URL in a PgBouncer entry: its password's `=` made text before it a "parameter".
    write_file(
        root,
        "bouncer/pgbouncer.ini",
        "[databases]\nthird = postgresql://app:QQ1=QQ2@db.example.com/app\nfourth = postgresql://app:PD1@PD2=PD3/PD4@db.example.com/app\nfifth = postgresql://u:DT1.DT2=x@db/app\nsixth = postgresql://u:HQ1@db.example.com/app?sslmode=require\n[pgbouncer]\npool_mode = session\n",
    );
    for (format, all) in output_in_every_format(root) {
        assert_shows_none(
            format,
            &all,
            &[
                "Top,Sec", "Sec/ret9", "ret9", "QB1", "QB2", "QB3", "QL1", "QL2", "QL3", "QS1",
                "QS2", "QS3", "QS4", "XB1", "XB2", "XB3", "XB4", "ZG1", "ZG2", "ZG3", "QQ1", "QQ2",
                "PD1", "PD2", "PD3", "PD4", "DT1", "DT2", "HQ1",
            ],
        );
    }
}

/// Every output format's stdout and stderr of `poollint check .` in `dir`.
fn output_in_every_format(dir: &std::path::Path) -> Vec<(&'static str, String)> {
    let formats = [
        "human", "concise", "json", "sarif", "github", "gitlab", "rdjson", "junit",
    ];
    formats
        .into_iter()
        .map(|format| {
            let output = poollint()
                .current_dir(dir)
                .args(["check", ".", "-f", format])
                .output()
                .expect("run");
            let all = format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            (format, all)
        })
        .collect()
}

/// No part of a planted secret is in a format's output.
fn assert_shows_none(format: &str, all: &str, parts: &[&str]) {
    for part in parts {
        assert!(!all.contains(part), "{format} shows {part}: {all}");
    }
}

/// A URL password holding a space or a quote and then `?key=value` before its `@`,
/// and a password parameter whose name is percent-encoded (libpq decodes it), are
/// masked in every format (the human snippets showed them).
#[test]
fn a_password_with_a_space_or_an_encoded_name_is_masked_everywhere() {
    let dir = tree(&[
        (
            "web/.env",
            "DATABASE_URL=\"postgresql://app:SP1 ?x=SP2@db.example.com/app\"\n\
             B=\"postgresql://app:QT1'?y=QT2@db.example.com/app\"\n\
             C=postgresql://db.example.com/app?pass%77ord=PE1&sslmode=disable\n",
        ),
        (
            "api/src/main/resources/application.yml",
            "spring:\n  datasource:\n    url: jdbc:postgresql://app:SY1 ?z=SY2@db.example.com/app\n    hikari:\n      maximum-pool-size: 0\n",
        ),
    ]);
    for (format, all) in output_in_every_format(dir.path()) {
        if format == "human" {
            assert!(all.contains("maximum-pool-size"), "no finding shown: {all}");
        }
        assert_shows_none(
            format,
            &all,
            &["SP1", "SP2", "QT1", "QT2", "PE1", "SY1", "SY2"],
        );
    }
}

/// Shapes a secret audit found shown in `human` snippets: a password key and its value
/// separated by a space in files that do not parse, a YAML value on the line after its
/// key, and pieces of a `key=value` password after a `,`, `;`, `&` or space.
#[test]
fn passwords_in_unread_or_broken_text_are_masked_in_every_format() {
    let dir = tree(&[
        ("a/.env", "DB_PASSWORD AU1\n"),
        ("b/mysql/my.cnf", "[client]\npassword AU2\n"),
        (
            "c/src/main/resources/application.yml",
            "spring:\n  datasource:\n    password:\n      AU3\n     hikari:\n      maximum-pool-size: 0\n",
        ),
        (
            "d/src/main/resources/application.properties",
            "#spring.datasource.password=AU4,AU5\nspring.datasource.hikari.foo=1\n",
        ),
        (
            "e/docker-compose.yml",
            "services:\n  app:\n    image: myapp\n    command: java -jar app.jar --spring.datasource.password=AU6,AU7\n    environment: {SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE: 0}\n",
        ),
        (
            "f/pgbouncer.ini",
            "[databases]\napp = host=db.prod.example.com dbname=app password=AU8 AU9\n",
        ),
    ]);
    for (format, all) in output_in_every_format(dir.path()) {
        if format == "human" {
            for shown in [
                "my.cnf",
                ".env",
                "application.yml",
                "foo",
                "command",
                "pgbouncer.ini",
            ] {
                assert!(all.contains(shown), "{shown} not shown: {all}");
            }
        }
        assert_shows_none(
            format,
            &all,
            &[
                "AU1", "AU2", "AU3", "AU4", "AU5", "AU6", "AU7", "AU8", "AU9",
            ],
        );
    }
}

/// A PgBouncer auth file kept in a ConfigMap beside the `pgbouncer.ini` that names it
/// (`auth_file`), or named `userlist.txt`, is masked whole in every format (a secret
/// audit found its line in a `human` snippet).
#[test]
fn a_pgbouncer_auth_file_in_a_config_map_is_masked_in_every_format() {
    let dir = tree(&[
        (
            "a/pgbouncer-configmap.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pgbouncer\ndata:\n  pgbouncer.ini: |\n    [pgbouncer]\n    auth_file = /etc/pgbouncer/users.txt\n    server_tls_sslmode = disable\n  users.txt: '\"app\" \"Zq9Userlist01\"'\n",
        ),
        (
            "b/pgbouncer-configmap.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pgbouncer\ndata:\n  pgbouncer.ini: |\n    [pgbouncer]\n    server_tls_sslmode = disable\n  userlist.txt: |\n    \"app\" \"Zq9Userlist02\"\n",
        ),
        (
            "c/pgbouncer-configmap.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pgbouncer\ndata:\n  pgbouncer.ini: |\n    [pgbouncer]\n    server_tls_sslmode = disable\nbinaryData: {userlist.txt: WnE5VXNlcmxpc3QwNA==}\n",
        ),
    ]);
    for (format, all) in output_in_every_format(dir.path()) {
        if format == "human" {
            assert!(
                all.contains("users.txt"),
                "the auth file's line not shown: {all}"
            );
            assert!(
                all.contains("userlist.txt"),
                "the auth file's line not shown: {all}"
            );
        }
        assert_shows_none(
            format,
            &all,
            &["Zq9Userlist01", "Zq9Userlist02", "WnE5VXNlcmxpc3QwNA"],
        );
    }
}

/// The property a Spring password's placeholder resolves to (`${vault.db.secret}`) is
/// masked in snippets, and a message quoting the resolved password shows `****`, in
/// every format (a secret audit found both).
#[test]
fn the_property_a_spring_password_refers_to_is_masked_in_every_format() {
    let dir = tree(&[
        (
            "a/src/main/resources/application.properties",
            "spring.datasource.password=${vault.db.secret}\nvault.db.secret=Zq9Chain04\nspring.datasource.hikari.connection-timeout=100\n",
        ),
        (
            "b/src/main/resources/application.yml",
            "db:\n  pw: Zq9Chain13\nspring:\n  datasource:\n    password: ${db.pw}\n    hikari:\n      idle-timeout: ${db.pw}\n",
        ),
    ]);
    for (format, all) in output_in_every_format(dir.path()) {
        if format == "human" {
            assert!(
                all.contains("vault.db.secret="),
                "the line not shown: {all}"
            );
        }
        assert!(all.contains("idle-timeout"), "{format}: no finding: {all}");
        assert_shows_none(format, &all, &["Zq9Chain04", "Zq9Chain13"]);
    }
}

/// The Kubernetes variable a password variable refers to with `$(DB_SECRET)` is masked
/// in every format, whether defined before or after it (a secret audit found its value
/// in a `human` snippet).
#[test]
fn a_kubernetes_variable_a_password_refers_to_is_masked_in_every_format() {
    let dir = tree(&[(
        "k8s.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: app\n          env:\n            - {name: EARLY, value: Zq9Dep11}\n            - name: SPRING_DATASOURCE_PASSWORD\n              value: $(DB_SECRET)\n            - name: SPRING_DATASOURCE_URL\n              value: jdbc:postgresql://db.internal:5432/app?sslmode=disable\n            - {name: DB_SECRET, value: Zq9Dep10}\n            - {name: DB_PASSWORD, value: $(EARLY)}\n",
    )]);
    for (format, all) in output_in_every_format(dir.path()) {
        if format == "human" {
            assert!(all.contains("name: DB_SECRET"), "the line not shown: {all}");
        }
        assert_shows_none(format, &all, &["Zq9Dep10", "Zq9Dep11"]);
    }
}

/// A manifest's `deployment` naming a compose file with several services deploys the
/// service named like the `[[service]]` table (`web` after `db`), not the first.
#[test]
fn a_compose_deployment_is_the_service_named_like_the_table() {
    let dir = tree(&[
        (
            "docker-compose.yml",
            "services:\n  db:\n    image: postgres:16\n  web:\n    build: ./web\n    environment:\n      DATABASE_URL: postgres://db.example.com/app?pool=2\n",
        ),
        ("web/config/database.yml", "production:\n  adapter: postgresql\n  pool: 10\n"),
        ("web/config/puma.rb", "threads 5, 5\n"),
        (
            "poollint.toml",
            "[[service]]\nname = \"web\"\nconfig = [\"web/config/database.yml\", \"web/config/puma.rb\"]\ndeployment = \"docker-compose.yml\"\n",
        ),
    ]);
    let out = check_output(
        dir.path(),
        "concise",
        "pool-smaller-than-thread-concurrency",
    );
    assert!(out.contains("allows 2 connections"), "{out}");
}

/// Puma takes its workers from `WEB_CONCURRENCY` when `puma.rb` has no `workers` call
/// (Rails' generated file): a deployment's 4 workers × pool 5 exceed 15 slots.
#[test]
fn puma_without_workers_takes_web_concurrency_from_the_deployment() {
    let dir = tree(&[
        (
            "docker-compose.yml",
            "services:\n  web:\n    image: app\n    environment:\n      WEB_CONCURRENCY: \"4\"\n      RAILS_ENV: production\n",
        ),
        ("app/config/database.yml", "production:\n  adapter: postgresql\n  database: app\n  pool: 5\n"),
        ("app/config/puma.rb", "threads 5, 5\nport ENV.fetch(\"PORT\", 3000)\n"),
        (
            "poollint.toml",
            "[[database]]\nname = \"d\"\nengine = \"postgresql\"\nmax-connections = 15\nsuperuser-reserved-connections = 0\n\n[[service]]\nname = \"web\"\nconfig = [\"app/config/database.yml\", \"app/config/puma.rb\"]\ndeployment = \"docker-compose.yml\"\nconnects-to = \"d\"\n",
        ),
    ]);
    let out = check_output(dir.path(), "concise", "fleet-exceeds-db-slots");
    assert!(out.contains("can open 20 connections"), "{out}");
    assert!(out.contains("4 processes"), "{out}");
}

/// Puma loads `config/puma/production.rb` instead of `config/puma.rb` in production:
/// its 10 threads are checked against the pool of 5, `puma.rb`'s 2 are not read.
#[test]
fn puma_production_file_is_the_production_puma_config() {
    let dir = tree(&[
        (
            "app/config/database.yml",
            "production:\n  adapter: postgresql\n  pool: 5\n",
        ),
        ("app/config/puma.rb", "threads 2, 2\n"),
        ("app/config/puma/production.rb", "threads 10, 10\n"),
    ]);
    let out = check_output(
        dir.path(),
        "concise",
        "pool-smaller-than-thread-concurrency",
    );
    assert!(
        out.contains("runs 10 threads (app/config/puma/production.rb:1)"),
        "{out}"
    );
    // Named on its own, each file is read with the other directory's too.
    for (cwd, path) in [
        ("", "app/config/database.yml"),
        ("", "app/config/puma/production.rb"),
        ("app/config", "database.yml"),
        ("app/config/puma", "production.rb"),
    ] {
        poollint()
            .current_dir(dir.path().join(cwd))
            .args(["check", "-f", "concise", path])
            .assert()
            .code(1)
            .stdout(predicate::str::contains("runs 10 threads ("));
    }
}

/// A Sidekiq `concurrency` with which Sidekiq does not start (0, a Float, a String) is
/// a `parse-error` at the value, with the reason the reader recorded.
#[test]
fn sidekiq_concurrency_sidekiq_refuses_is_a_parse_error() {
    for (written, reason) in [
        ("0", "Concurrency of 0 is not supported"),
        ("2.5", "as a Float"),
        ("\"20\"", "as a String"),
    ] {
        let dir = tree(&[
            (
                "config/database.yml",
                "production:\n  adapter: postgresql\n  pool: 10\n",
            ),
            ("config/sidekiq.yml", &format!("concurrency: {written}\n")),
        ]);
        let out = check_output(dir.path(), "concise", "parse-error");
        assert!(
            out.contains("config/sidekiq.yml:1:14: error[parse-error] sidekiq.concurrency is")
                && out.contains(reason)
                && out.contains("so Sidekiq does not start"),
            "{written}: {out}"
        );
    }
}

/// `reaping_frequency: 0` starts no reaper, so Active Record never closes idle
/// connections (its default `idle_timeout` of 300 s does nothing): the server's 10 min
/// `idle_session_timeout` closes them first, reported at `reaping_frequency`.
#[test]
fn a_rails_pool_without_reaper_keeps_idle_connections_past_the_server() {
    let dir = tree(&[
        ("app/config/database.yml", "production:\n  adapter: postgresql\n  database: app\n  pool: 5\n  reaping_frequency: 0\n"),
        ("app/config/puma.rb", "threads 5, 5\n"),
        ("db/postgresql.conf", "idle_session_timeout = '10min'\nstatement_timeout = '30s'\n"),
        (
            "poollint.toml",
            "[[database]]\nname = \"d\"\nengine = \"postgresql\"\nconfig = \"db/postgresql.conf\"\n\n[[service]]\nname = \"web\"\nconfig = [\"app/config/database.yml\", \"app/config/puma.rb\"]\nconnects-to = \"d\"\n",
        ),
    ]);
    let out = check_output(
        dir.path(),
        "concise",
        "server-idle-timeout-kills-pooled-connections",
    );
    assert!(
        out.contains("app/config/database.yml:5:22: error[server-idle-timeout-kills-pooled-connections] pool production keeps idle connections and nothing closes"),
        "{out}"
    );
}

/// The other services of a deployment's compose file stay their own processes: a
/// `worker` beside the declared `web` counts with its own replicas and pool (4 × 7),
/// not merged into `web` nor lost (demand 3 × 15 + 4 × 7 = 73).
#[test]
fn other_compose_services_of_a_deployment_stay_their_own() {
    let dir = tree(&[
        (
            "docker-compose.yml",
            "services:\n  db:\n    image: postgres:16\n    command: [\"postgres\", \"-c\", \"max_connections=50\"]\n  worker:\n    image: worker:1\n    deploy:\n      replicas: 4\n    environment:\n      SPRING_DATASOURCE_URL: jdbc:postgresql://db:5432/app\n      SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE: \"7\"\n  web:\n    build: ./web\n    deploy:\n      replicas: 3\n    environment:\n      SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE: \"15\"\n      SPRING_DATASOURCE_URL: jdbc:postgresql://db:5432/app\n",
        ),
        (
            "poollint.toml",
            "[[service]]\nname = \"web\"\ndeployment = \"docker-compose.yml\"\n",
        ),
    ]);
    let output = poollint()
        .args(["capacity", "--format", "json"])
        .arg(dir.path())
        .output()
        .expect("run");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(json["databases"][0]["demand_steady"], 73, "{json:#}");
}

/// Secrets a reader missed, each shown in some format before: MySQL Connector/J's
/// multi-factor `password1`..`password3` parameters (quoted whole in
/// duplicate-key-across-forms' message) and a compose password variable's default
/// used as a pool size (quoted by pool-size-invalid), and a Rails password aliasing an
/// anchor under another key, and a `.env` variable a URL's password refers to (both
/// values were in the human snippet).
#[test]
fn passwords_readers_used_to_miss_are_masked_everywhere() {
    let dir = tree(&[
        (
            "mfa/src/main/resources/application.properties",
            "spring.datasource.url=jdbc:mysql://db.example.com/app?user=app&password1=MFA1Q&password2=MFA2Q&password3=MFA3Q&sslMode=DISABLED\n\
             spring.datasource.URL=jdbc:mysql://db.example.com/app?user=app&password1=MFA1Q\n",
        ),
        (
            "stack/docker-compose.yml",
            "services:\n  app:\n    image: myapp\n    environment:\n      SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE: ${DB_PASSWORD:-CDEF1Q}\n",
        ),
        (
            "rails/config/database.yml",
            "production:\n  adapter: postgresql\n  db_secret: &pw RANCH1Q\n  pool: 0\n  password: *pw\n",
        ),
        (
            "env/.env",
            "PG_SECRET=DREF1Q\nDATABASE_URL=postgresql://app:${PG_SECRET}@db.example.com/app?sslmode=disable\n",
        ),
    ]);
    for (format, all) in output_in_every_format(dir.path()) {
        if format == "human" {
            assert!(all.contains("duplicate-key-across-forms"), "{all}");
            assert!(all.contains("maximum-pool-size"), "{all}");
            assert!(all.contains("pool is 0"), "{all}");
            assert!(all.contains("not verified"), "{all}");
        }
        assert_shows_none(
            format,
            &all,
            &["MFA1Q", "MFA2Q", "MFA3Q", "CDEF1Q", "RANCH1Q", "DREF1Q"],
        );
    }
}

/// What only the text masker covers, in files that do not parse, keys no reader reads,
/// comments, a compose `command` and Kubernetes `args`: a quoted password with an escaped
/// quote (`\"`, YAML's `''`, my.cnf's `\'`), `_PWD` keys, an option named with dots or
/// given its argument in a YAML block or flow list, and a JSON key written with escapes.
/// Each was shown in the human snippets (the audit's reproductions).
#[test]
fn passwords_only_the_text_masker_sees_are_masked_everywhere() {
    let dir = tree(&[
        (
            "knex/knexfile.json",
            "{\n  \"production\": {\n    \"client\": \"pg\",\n    \"legacy\": { \"db-pw\": \"EQ1\\\"EQT1\" },\n    \"pool\": { \"min\": 0, \"max\": \"10\" }\n  }\n}\n",
        ),
        (
            "spring/src/main/resources/application.yml",
            "spring:\n  datasource:\n    password: \"EQ2\\\"EQT2\"\n    hikari: [\n",
        ),
        (
            "spring2/src/main/resources/application.yml",
            "spring:\n  datasource:\n    password: 'EQ3''EQT3'\n    hikari: [\n",
        ),
        (
            "spring3/src/main/resources/application.yml",
            "spring:\n  datasource:\n    legacy_pwd: Kq3PWD\n    hikari: [\n",
        ),
        (
            "mysql/my.cnf",
            "[client]\npassword='EQ5\\'EQT5'\nbogus line\npassword=\"EQ4\\\"EQT4\"\n",
        ),
        (
            "env/.env",
            "# MYSQL_PWD=Kq1PWD\nDATABASE_URL=postgresql://db.internal/app?sslmode=disable\nSMTP_PSW=\"EQ6\\\"EQT6\"\nX_URL=postgresql://db.internal/app?sslmode=disable\n",
        ),
        (
            "compose/docker-compose.yml",
            "services:\n  app:\n    image: app\n    environment:\n      SPRING_DATASOURCE_URL: jdbc:mysql://db:3306/app?useSSL=false\n    command: sh -c \"MYSQL_PWD=Kq2PWD mysql -e 'select 1' && java -jar app.jar --db-pwd=Kq4PWD --db.password Kq1OPT --spring.datasource.password Kq2OPT\"\n",
        ),
        (
            "k8s/deployment.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: app\n          args:\n            - --password\n            - Kq4OPT\n          env: [{name: SPRING_DATASOURCE_URL, value: \"jdbc:postgresql://db.internal:5432/app?sslmode=disable\"}]\n        - name: side\n          image: app\n          args: [--password, Kq5OPT, \"--db.password\", \"Kq6OPT\"]\n          env: [{name: SPRING_DATASOURCE_URL, value: \"jdbc:postgresql://db.internal:5432/app?sslmode=disable\"}]\n",
        ),
        (
            "dotnet/appsettings.json",
            "{\n  \"Database\": {\n    \"Pass\\u0077ord\": \"Kq1ESC\",\n    \"Password\": \"other\"\n  }\n}\n",
        ),
    ]);
    for (format, all) in output_in_every_format(dir.path()) {
        if format == "human" {
            // The lines are shown, masked.
            for masked in [
                // A password's name now (`-pw`): the reader masks its whole value.
                "\"db-pw\": ***********",
                "password: \"*********\"",
                "password: '*********'",
                "legacy_pwd: ******",
                "password='*********'",
                "password=\"*********\"",
                "SMTP_PSW=\"*********\"",
                "MYSQL_PWD=******",
                "--db.password ******",
                "- ******",
                "[--password, ******, \"--db.password\", \"******\"]",
                "\"Pass\\u0077ord\": \"******\"",
            ] {
                assert!(all.contains(masked), "{masked}: {all}");
            }
        }
        assert_shows_none(
            format,
            &all,
            &[
                "EQT1", "EQT2", "EQT3", "EQT4", "EQT5", "EQT6", "Kq1PWD", "Kq2PWD", "Kq3PWD",
                "Kq4PWD", "Kq1OPT", "Kq2OPT", "Kq4OPT", "Kq5OPT", "Kq6OPT", "Kq1ESC",
            ],
        );
    }
}

/// `.env` lines npm dotenv reads (Prisma loads `.env` with it): a backtick-quoted URL
/// and a `KEY: value` line are read (each pool counted, each literal password
/// reported), and `\'` does not close a single-quoted value, so no parse-error and
/// no snippet shows the rest of the password (human showed `TailLeak1`).
#[test]
fn dotenv_backticks_colon_lines_and_escaped_quotes_are_read_and_masked() {
    let dir = tree(&[
        (
            "poollint.toml",
            "[[database]]\nname = \"db\"\nengine = \"postgresql\"\nmax-connections = 10\n\n\
             [[service]]\nname = \"app\"\nconfig = [\".env\"]\ninstances = 1\nconnects-to = \"db\"\n",
        ),
        (
            ".env",
            "DATABASE_URL=`postgresql://app:BtLeak1@db.internal:5432/app?connection_limit=3`\n\
             DB4_URL: postgresql://app:ColonLeak4@db.internal/app?connection_limit=6\n\
             DB_PASSWORD='ab\\'TailLeak1'\n\
             DB5_URL='postgresql://app:x\\'TailLeak2@db.internal/app?connection_limit=4'\n",
        ),
    ]);
    let findings = concise_findings_in(dir.path());
    let credentials = |key: &str| {
        findings
            .iter()
            .any(|f| f.contains("plaintext-credentials-in-pool-config") && f.contains(key))
    };
    assert!(
        credentials("DATABASE_URL") && credentials("DB4_URL") && credentials("DB5_URL"),
        "{findings:#?}"
    );
    assert!(
        findings.iter().all(|f| !f.contains("parse-error")),
        "{findings:#?}"
    );
    // 3 + 6 + 4 = 13 connections to a database that accepts 7 (10 less 3 reserved).
    assert!(
        findings
            .iter()
            .any(|f| f.contains("fleet-exceeds-db-slots") && f.contains("open 13 ")),
        "{findings:#?}"
    );
    for (format, all) in output_in_every_format(dir.path()) {
        if format == "human" {
            assert!(all.contains("DB_PASSWORD="), "no snippet: {all}");
        }
        assert_shows_none(
            format,
            &all,
            &["BtLeak1", "ColonLeak4", "TailLeak1", "TailLeak2"],
        );
    }
}

/// A .NET connection string without `;` is still ADO.NET's: a password holding spaces
/// is masked whole in `appsettings.json` and in a compose `ConnectionStrings__X`
/// variable (the libpq grammar masked only its first word).
#[test]
fn a_dotnet_password_with_spaces_and_no_semicolon_is_masked_whole() {
    let dir = tree(&[
        (
            "api/appsettings.json",
            "{\n  \"ConnectionStrings\": {\n    \"E\": \"Password=Leak5 spacedA wordsA\"\n  }\n}\n",
        ),
        (
            "docker-compose.yml",
            "services:\n  web:\n    image: myapp\n    environment:\n      ConnectionStrings__E: \"Password=Leak6 spacedB wordsB\"\n      ConnectionStrings__B: \"Data Source=sql;Initial Catalog=a;Integrated Security=true;Max Pool Size=0\"\n",
        ),
    ]);
    for (format, all) in output_in_every_format(dir.path()) {
        if format == "human" {
            assert!(
                all.contains("appsettings.json") && all.contains("ConnectionStrings__E"),
                "no snippet: {all}"
            );
        }
        assert_shows_none(
            format,
            &all,
            &["spacedA", "wordsA", "spacedB", "wordsB", "Leak5", "Leak6"],
        );
    }
}

/// A MySqlConnector string with `Port=3306` is not judged by Npgsql's rules: its
/// `Pooling=yes` and `Connection Timeout=2000` are MySqlConnector's to take (two
/// false errors before); with `Pooling=false` it is unbounded like the other .NET
/// drivers' strings.
#[test]
fn a_mysqlconnector_string_is_not_read_as_npgsql() {
    let dir = tree(&[(
        "appsettings.json",
        "{ \"ConnectionStrings\": {\n  \"Orders\": \"Server=mysql.internal;Port=3306;Database=orders;User ID=app;Password=S3cretPw;Pooling=yes;Connection Timeout=2000;Maximum Pool Size=50\",\n  \"Off\": \"Server=mysql.internal;Port=3306;Database=orders;Pooling=false\" } }\n",
    )]);
    let findings = concise_findings_in(dir.path());
    assert!(
        findings.iter().all(|f| !f.contains("Npgsql")
            && !f.contains("pool-size-invalid")
            && !f.contains("suspicious-time-unit")),
        "{findings:#?}"
    );
    assert!(
        findings
            .iter()
            .any(|f| f.contains("appsettings.json:3:") && f.contains("pool-unbounded")),
        "{findings:#?}"
    );
}

/// An Npgsql string written with `Server=` and Npgsql's `Maximum Pool Size` (a keyword
/// SqlClient does not have) is Npgsql's: its pool counts against the PostgreSQL
/// database (it was read as SqlClient's, with a false "SqlClient throws" error).
#[test]
fn an_npgsql_string_with_server_and_maximum_pool_size_is_npgsql() {
    let dir = tree(&[
        (
            "appsettings.json",
            "{\n  \"ConnectionStrings\": {\n    \"Default\": \"Server=db;Database=app;User Id=app;Maximum Pool Size=300\"\n  }\n}\n",
        ),
        (
            "poollint.toml",
            "[[database]]\nname = \"d\"\nengine = \"postgresql\"\nmax-connections = 100\n\n[[service]]\nname = \"api\"\nconfig = [\"appsettings.json\"]\nconnects-to = \"d\"\n",
        ),
    ]);
    let findings = concise_findings_in(dir.path());
    assert!(
        findings.iter().all(|f| !f.contains("pool-size-invalid")),
        "{findings:#?}"
    );
    assert!(
        findings
            .iter()
            .any(|f| f.contains("fleet-exceeds-db-slots") && f.contains("300 connections")),
        "{findings:#?}"
    );
}

/// MySqlConnector's own spellings (`MaximumPoolSize`, `ConnectionTimeout`) are read,
/// a keyword it does not have (`Timeout`) is reported as the string it refuses whole,
/// and its `Maximum Pool Size=0` is a pool that never hands out a connection.
#[test]
fn mysqlconnector_keywords_are_its_own() {
    let dir = tree(&[(
        "appsettings.json",
        "{ \"ConnectionStrings\": {\n  \"Big\": \"Server=mysql;Port=3306;Database=o;MaximumPoolSize=400;ConnectionTimeout=1\",\n  \"Zero\": \"Server=mysql;Port=3306;Database=o;Maximum Pool Size=0\",\n  \"Bad\": \"Server=mysql;Port=3306;Database=o;Timeout=60\" } }\n",
    )]);
    let findings = concise_findings_in(dir.path());
    let on_line = |line: &str, rule: &str, text: &str| {
        findings
            .iter()
            .any(|f| f.contains(line) && f.contains(rule) && f.contains(text))
    };
    assert!(
        on_line(
            "appsettings.json:3:",
            "pool-size-invalid",
            "Maximum Pool Size is 0"
        ),
        "{findings:#?}"
    );
    assert!(
        on_line(
            "appsettings.json:4:",
            "pool-size-invalid",
            "Option 'Timeout' not supported"
        ),
        "{findings:#?}"
    );
    assert!(
        findings.iter().all(|f| !f.contains("appsettings.json:2:")),
        "{findings:#?}"
    );
}

/// mysqld matches option names with their case: `Max_Connections` is an unknown option
/// it stops on (it was read as max_connections 5000, no finding).
#[test]
fn a_mysqld_option_in_another_case_is_unknown() {
    let dir = tree(&[("mysql/my.cnf", "[mysqld]\nMax_Connections = 5000\n")]);
    let findings = concise_findings_in(dir.path());
    assert!(
        findings.iter().any(|f| f.contains("my.cnf:2:1")
            && f.contains("unknown-or-dead-pool-key")
            && f.contains("`Max_Connections`")),
        "{findings:#?}"
    );
}

/// An `appsettings.json` string System.Text.Json refuses (a raw line break, YAML's
/// `\x30`) is a parse-error at the fault: the YAML loader had folded the break (a pool
/// of 500) and decoded `\x30` (a false "SqlClient throws" on 0).
#[test]
fn an_appsettings_string_system_text_json_refuses_is_a_parse_error() {
    let dir = tree(&[
        (
            "a/appsettings.json",
            "{\n  \"ConnectionStrings\": {\n    \"Db\": \"Host=db;Database=app;\n      Maximum Pool Size=500\"\n  }\n}\n",
        ),
        (
            "b/appsettings.json",
            "{\n  \"ConnectionStrings\": {\n    \"Db\": \"Server=sql;Database=app;Max Pool Size=\\x30\"\n  }\n}\n",
        ),
    ]);
    let findings = concise_findings_in(dir.path());
    let rules: Vec<&str> = findings
        .iter()
        .filter_map(|f| f.split(['[', ']']).nth(1))
        .collect();
    assert_eq!(rules, ["parse-error", "parse-error"], "{findings:#?}");
    assert!(
        findings
            .iter()
            .any(|f| f.contains("a/appsettings.json:3:33")),
        "{findings:#?}"
    );
    assert!(
        findings
            .iter()
            .any(|f| f.contains("b/appsettings.json:3:50")),
        "{findings:#?}"
    );
}

/// A Spring service `web` linked to database `users` (max_connections as given), with
/// a Deployment of 9 replicas and the given rolling-update strategy.
fn slot_tree(root: &std::path::Path, max_connections: u32, pool: u32, strategy: &str, extra: &str) {
    write_file(
        root,
        "poollint.toml",
        &format!(
            "[[database]]\nname = \"users\"\nengine = \"postgresql\"\nmax-connections = {max_connections}\n\
             [[service]]\nname = \"web\"\nconfig = [\"web/application.yml\"]\ndeployment = \"deploy/web.yaml\"\nconnects-to = \"users\"\n{extra}"
        ),
    );
    write_file(
        root,
        "web/application.yml",
        &format!("spring:\n  datasource:\n    url: jdbc:postgresql://db:5432/users?socketTimeout=60\n    hikari:\n      maximum-pool-size: {pool}\n"),
    );
    write_file(
        root,
        "deploy/web.yaml",
        &format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 9\n  strategy:\n    rollingUpdate:\n      {strategy}\n  template:\n    spec:\n      containers:\n        - name: web\n          image: web:1\n"),
    );
}

/// The first number after `marker` in `help`.
fn number_after(help: &str, marker: &str) -> u32 {
    let rest = &help[help.find(marker).expect(marker) + marker.len()..];
    rest.split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|n| n.parse().ok())
        .expect("number")
}

fn topology_findings(check: &serde_json::Value) -> Vec<String> {
    check["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| d["rule"].as_str().unwrap_or_default().to_owned())
        .filter(|r| r.contains("db-slots") || r.contains("headroom"))
        .collect()
}

/// The rollout rule's help names a pool maximum that fits its warning tier (terminating
/// pods counted) and keeps the headroom free, and offers `maxSurge: 0` only where that
/// fits: before, the error's help said "at most 8" (14 pods × 8 = 112 > 97, the same
/// rule's warning) and "maxSurge 0 with maxUnavailable ≥ 1" (9 + 1 pods × 10 = 100 > 97).
#[test]
fn following_the_rollout_help_clears_both_tiers_and_the_headroom() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    slot_tree(
        root,
        100,
        10,
        "maxSurge: 25%\n      maxUnavailable: 25%",
        "",
    );
    let (_, check, _) = check_and_capacity_json(root);
    let rollout = findings_of(&check, "rollout-surge-exceeds-db-slots");
    assert_eq!(rollout.len(), 1, "{check}");
    let help = rollout[0]["help"].as_str().expect("help");
    assert!(!help.contains("set maxSurge to 0"), "{help}");
    assert!(help.contains("100 connections"), "{help}");
    let pool = number_after(help, "at most ");
    assert_eq!(pool, 6, "{help}");
    slot_tree(
        root,
        100,
        pool,
        "maxSurge: 25%\n      maxUnavailable: 25%",
        "",
    );
    let (_, check, _) = check_and_capacity_json(root);
    assert!(topology_findings(&check).is_empty(), "{check}");
    // The strategy is offered when one pod above the replicas fits: 8 × 10 + 10 = 90.
    write_file(
        root,
        "deploy/web.yaml",
        &std::fs::read_to_string(root.join("deploy/web.yaml"))
            .expect("read")
            .replace("replicas: 9", "replicas: 7"),
    );
    write_file(root, "web/application.yml", "spring:\n  datasource:\n    url: jdbc:postgresql://db:5432/users?socketTimeout=60\n    hikari:\n      maximum-pool-size: 10\n");
    let (_, check, _) = check_and_capacity_json(root);
    let rollout = findings_of(&check, "rollout-surge-exceeds-db-slots");
    assert_eq!(rollout.len(), 1, "{check}");
    let help = rollout[0]["help"].as_str().expect("help");
    assert!(
        help.contains("set maxSurge to 0 and maxUnavailable to 1"),
        "{help}"
    );
    write_file(
        root,
        "deploy/web.yaml",
        &std::fs::read_to_string(root.join("deploy/web.yaml"))
            .expect("read")
            .replace(
                "maxSurge: 25%\n      maxUnavailable: 25%",
                "maxSurge: 0\n      maxUnavailable: 1",
            ),
    );
    let (_, check, _) = check_and_capacity_json(root);
    assert!(topology_findings(&check).is_empty(), "{check}");
}

/// fleet-exceeds-db-slots' help values also keep no-db-connection-headroom's share
/// free while that rule runs (before: pool 9 and max_connections 103, both reported by
/// it), and only the slots count when it is off.
#[test]
fn following_the_fleet_help_does_not_trip_the_headroom_rule() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let strategy = "maxSurge: 0\n      maxUnavailable: 1";
    let instances = "instances = 10\n";
    slot_tree(root, 100, 10, strategy, instances);
    let (_, check, _) = check_and_capacity_json(root);
    let fleet = findings_of(&check, "fleet-exceeds-db-slots");
    assert_eq!(fleet.len(), 1, "{check}");
    let help = fleet[0]["help"].as_str().expect("help").to_owned();
    let pool = number_after(&help, "at most ");
    let max_connections = number_after(&help, "max_connections to at least ");
    assert_eq!((pool, max_connections), (8, 115), "{help}");
    assert!(
        help.contains("9 fits the slots") && help.contains("103 fits"),
        "{help}"
    );
    slot_tree(root, 100, pool, strategy, instances);
    let (_, check, _) = check_and_capacity_json(root);
    assert!(topology_findings(&check).is_empty(), "{check}");
    slot_tree(root, max_connections, 10, strategy, instances);
    let (_, check, _) = check_and_capacity_json(root);
    assert!(topology_findings(&check).is_empty(), "{check}");
    slot_tree(root, max_connections - 1, 10, strategy, instances);
    let (_, check, _) = check_and_capacity_json(root);
    assert_eq!(
        topology_findings(&check),
        ["no-db-connection-headroom"],
        "{check}"
    );
    // With the headroom rule off, the values that fit the slots.
    let off = "instances = 10\n[lint.rules]\n\"no-db-connection-headroom\" = \"off\"\n";
    slot_tree(root, 100, 10, strategy, off);
    let (_, check, _) = check_and_capacity_json(root);
    let help = findings_of(&check, "fleet-exceeds-db-slots")[0]["help"]
        .as_str()
        .expect("help")
        .to_owned();
    assert!(help.starts_with("lower the pool maximum to at most 9 per process, or raise max_connections to at least 103 "), "{help}");
}

/// autoscale-max-exceeds-db-slots' pool keeps the headroom at the peak (before: 8, 96
/// of 97 slots) and names a max_connections value (before: none).
#[test]
fn following_the_autoscale_help_does_not_trip_the_headroom_rule() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let strategy = "maxSurge: 0\n      maxUnavailable: 1";
    let hpa = "instances = 4\nmax-instances = 12\n";
    slot_tree(root, 100, 10, strategy, hpa);
    let (_, check, _) = check_and_capacity_json(root);
    let autoscale = findings_of(&check, "autoscale-max-exceeds-db-slots");
    assert_eq!(autoscale.len(), 1, "{check}");
    let help = autoscale[0]["help"].as_str().expect("help").to_owned();
    let pool = number_after(&help, "at most ");
    let max_connections = number_after(&help, "max_connections to at least ");
    assert_eq!((pool, max_connections), (7, 137), "{help}");
    slot_tree(root, 100, pool, strategy, hpa);
    let (_, check, _) = check_and_capacity_json(root);
    assert!(topology_findings(&check).is_empty(), "{check}");
    slot_tree(root, max_connections, 10, strategy, hpa);
    let (_, check, _) = check_and_capacity_json(root);
    assert!(topology_findings(&check).is_empty(), "{check}");
}

/// hikari-keepalive-invalid's example value stays below a known idle limit, as the
/// idle-limit rules compute theirs: before, it said "e.g. 300000" against a 5 min
/// `idle_session_timeout`, which three of them then reported.
#[test]
fn the_keepalive_help_stays_below_a_known_idle_limit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write_file(
        root,
        "poollint.toml",
        "[[database]]\nname = \"users\"\nconfig = \"db/postgresql.conf\"\n\
         [[service]]\nname = \"web\"\nconfig = [\"web/application.yml\"]\ninstances = 1\nconnects-to = \"users\"\n",
    );
    write_file(
        root,
        "db/postgresql.conf",
        "idle_session_timeout = 5min\nstatement_timeout = 30s\nidle_in_transaction_session_timeout = 60s\n",
    );
    let app = |keepalive: u32| {
        format!("spring:\n  datasource:\n    url: jdbc:postgresql://db/users?socketTimeout=60\n    hikari:\n      max-lifetime: 600000\n      keepalive-time: {keepalive}\n")
    };
    write_file(root, "web/application.yml", &app(20000));
    let (_, check, _) = check_and_capacity_json(root);
    let invalid = findings_of(&check, "hikari-keepalive-invalid");
    assert_eq!(invalid.len(), 1, "{check}");
    let help = invalid[0]["help"].as_str().expect("help");
    assert!(
        help.contains("idle_session_timeout of database users (5 min)"),
        "{help}"
    );
    let keepalive = number_after(help, "e.g. ");
    assert_eq!(keepalive, 150_000, "{help}");
    write_file(root, "web/application.yml", &app(keepalive));
    let (_, check, _) = check_and_capacity_json(root);
    for rule in [
        "hikari-keepalive-invalid",
        "lifetime-not-below-server-or-network-limit",
        "server-idle-timeout-kills-pooled-connections",
        "stale-connection-protection-missing",
    ] {
        assert!(findings_of(&check, rule).is_empty(), "{check}");
    }
}

/// The 5 s margin below a PostgreSQL or PgBouncer idle limit is a heuristic (catalogue
/// LT02), so it is the `margin-seconds` option, range-checked like the others; the
/// within-margin warning says what it is, not that the server already closed the
/// connection (before, it read as the error did, and the margin was fixed).
#[test]
fn the_lifetime_margin_is_an_option_and_its_warning_says_it_is_a_margin() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let manifest = |options: &str| {
        format!(
            "[[database]]\nname = \"db\"\nengine = \"postgresql\"\nconfig = \"db/postgresql.conf\"\n\
             [[service]]\nname = \"web\"\nconfig = [\"web/application.yml\"]\ninstances = 1\nconnects-to = \"db\"\n{options}"
        )
    };
    write_file(root, "db/postgresql.conf", "idle_session_timeout = 5min\n");
    write_file(
        root,
        "web/application.yml",
        "spring:\n  datasource:\n    url: jdbc:postgresql://db/app?socketTimeout=60000\n    hikari:\n      max-lifetime: 292000\n",
    );
    let rule = "lifetime-not-below-server-or-network-limit";
    write_file(root, "poollint.toml", &manifest(""));
    let (_, check, _) = check_and_capacity_json(root);
    assert!(findings_of(&check, rule).is_empty(), "{check}");
    let option =
        |value: &str| format!("[lint.rules]\n\"{rule}\" = {{ margin-seconds = {value} }}\n");
    write_file(root, "poollint.toml", &manifest(&option("10")));
    let (_, check, _) = check_and_capacity_json(root);
    let found = findings_of(&check, rule);
    assert_eq!(found.len(), 1, "{check}");
    assert_eq!(found[0]["severity"], "warning", "{check}");
    let message = found[0]["message"].as_str().expect("message");
    assert!(!message.contains("already closed"), "{message}");
    assert!(
        message.contains("only 8 s before")
            && message.contains("10 s margin (heuristic, option margin-seconds)"),
        "{message}"
    );
    let help = found[0]["help"].as_str().expect("help");
    assert!(help.contains("at most 289000 ms"), "{help}");
    write_file(root, "poollint.toml", &manifest(&option("-1")));
    poollint()
        .args(["check"])
        .arg(root)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("margin-seconds"));
    let rules = poollint()
        .args(["rules", "--format", "json"])
        .output()
        .expect("run");
    assert!(String::from_utf8_lossy(&rules.stdout).contains("margin-seconds"));
}

/// SqlClient's keyword is `Max Pool Size`: it has no `Maximum Pool Size`, which the
/// pool-unbounded help named before (Npgsql's name keeps its own).
#[test]
fn the_sqlclient_help_names_max_pool_size() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_file(
        dir.path(),
        "appsettings.json",
        "{\"ConnectionStrings\": {\"Sql\": \"Server=db;Database=app;Connect Timeout=5;Pooling=false\", \"Pg\": \"Host=db;Database=app;Username=app;Pooling=false\"}}\n",
    );
    let (_, check, _) = check_and_capacity_json(dir.path());
    let helps: Vec<&str> = findings_of(&check, "pool-unbounded")
        .iter()
        .filter_map(|d| d["help"].as_str())
        .collect();
    assert_eq!(helps.len(), 2, "{check}");
    assert!(
        helps
            .iter()
            .any(|h| h.contains("bounded by Max Pool Size, 100 by default")),
        "{helps:?}"
    );
    assert!(
        helps
            .iter()
            .any(|h| h.contains("bounded by Maximum Pool Size, 100 by default")),
        "{helps:?}"
    );
}

/// Audit wording: Rails' `pool` with `min_connections` said "sets pool and
/// min_connections together with it"; a HikariCP max-lifetime left at its default was
/// given without "(HikariCP default)", and the label for it pointed at the `hikari:` key
/// as "the other side of the comparison".
#[test]
fn rails_min_connections_and_a_default_max_lifetime_are_worded_plainly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write_file(
        root,
        "config/database.yml",
        "production:\n  adapter: postgresql\n  pool: 5\n  min_connections: 2\n",
    );
    write_file(
        root,
        "application.yml",
        "spring:\n  datasource:\n    hikari:\n      maximum-pool-size: 10\n      minimum-idle: 2\n      idle-timeout: 1800000\n",
    );
    let (_, check, _) = check_and_capacity_json(root);
    let rails = findings_of(&check, "rails-pool-max-connections-conflict");
    assert_eq!(rails.len(), 1, "{check}");
    let message = rails[0]["message"].as_str().expect("message");
    assert!(
        message.starts_with("production sets both pool and min_connections: "),
        "{message}"
    );
    let idle = findings_of(&check, "hikari-idle-timeout-ge-max-lifetime");
    assert_eq!(idle.len(), 1, "{check}");
    let message = idle[0]["message"].as_str().expect("message");
    assert!(
        message.contains("max-lifetime 1800000 ms (30 min) (HikariCP default): "),
        "{message}"
    );
    assert!(
        idle[0]["labels"].as_array().expect("labels").is_empty(),
        "{check}"
    );
}

/// A Deployment whose environment configures the pool of the Spring application named
/// like it is written once, as that application's `deployment`: its own second table
/// (`orders-2`) made `check` count its four replicas twice (demand 200 for 100).
#[test]
fn init_declares_a_kubernetes_workload_configuring_the_pool_once() {
    let dir = tree(&[
        (
            "orders/src/main/resources/application.yml",
            "spring:\n  datasource:\n    hikari:\n      maximum-pool-size: 20\n",
        ),
        (
            "orders/k8s/deployment.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: orders\nspec:\n  replicas: 4\n  template:\n    spec:\n      containers:\n        - name: orders\n          image: x\n          env:\n            - name: SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE\n              value: \"25\"\n",
        ),
        ("db/postgresql.conf", "max_connections = 150\n"),
    ]);
    let manifest = init_manifest(dir.path());
    assert_eq!(
        manifest
            .matches("deployment = \"orders/k8s/deployment.yaml\"")
            .count(),
        1,
        "{manifest}"
    );
    assert_eq!(manifest.matches("[[service]]").count(), 1, "{manifest}");
    poollint().arg("init").arg(dir.path()).assert().code(0);
    poollint()
        .args(["capacity"])
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "db        147           100            125",
        ));
}

/// A Deployment mounting a ConfigMap that holds `application.yml` is declared once: the
/// ConfigMap's application got a second table with the workload as its `deployment`,
/// counting the autoscaler's ten replicas twice.
#[test]
fn init_declares_a_workload_mounting_a_configmap_application_once() {
    let k8s = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: svc1\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n        - name: svc1\n          image: x\n          env:\n            - name: SPRING_DATASOURCE_USERNAME\n              value: svc1\n          volumeMounts:\n            - name: config\n              mountPath: /config\n      volumes:\n        - name: config\n          configMap:\n            name: svc1-config\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: svc1-config\ndata:\n  application.yml: |\n    spring:\n      datasource:\n        hikari:\n          maximum-pool-size: 32\n";
    let dir = tree(&[("svc1/deploy/k8s.yaml", k8s)]);
    let manifest = init_manifest(dir.path());
    assert_eq!(
        manifest
            .matches("deployment = \"svc1/deploy/k8s.yaml\"")
            .count(),
        1,
        "{manifest}"
    );
    assert_eq!(manifest.matches("[[service]]").count(), 1, "{manifest}");
}

/// The compose service that builds the application and mounts its config is written as
/// its `deployment`, as `check` links them without a manifest: without it the manifest
/// declared one instance for three and the fleet error disappeared.
#[test]
fn init_writes_the_compose_service_that_builds_the_application_as_its_deployment() {
    let dir = tempfile::tempdir().expect("temp dir");
    for rel in ["docker-compose.yml", "app/application.yml"] {
        let to = dir.path().join(rel);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::copy(
            std::path::Path::new("tests/fixtures/compose-inferred").join(rel),
            to,
        )
        .expect("copy");
    }
    let fleet = || {
        poollint()
            .args([
                "check",
                "-f",
                "concise",
                "--select",
                "fleet-exceeds-db-slots",
            ])
            .arg(dir.path())
            .assert()
            .code(1)
            .stdout(predicate::str::contains("demand 90 = app 3 instances"))
    };
    fleet();
    let manifest = init_manifest(dir.path());
    assert!(
        manifest.contains("deployment = \"docker-compose.yml\"   # inferred:"),
        "{manifest}"
    );
    poollint().arg("init").arg(dir.path()).assert().code(0);
    fleet();
}

/// `init` writes the same manifest however its directory is spelt: paths relative to
/// the directory (`./pm` and `pm/src/..` wrote `pm/src/…`, which check could not find
/// from the manifest's directory) and names independent of the current directory (run
/// inside it, the application at its root was `src/main/resources` or
/// `../src/main/resources`).
#[test]
fn init_writes_the_same_manifest_however_the_directory_is_spelt() {
    let parent = tree(&[
        ("pm/src/main/resources/application.yml", MINIMUM_IDLE_5),
        (
            "pm/billing/src/main/resources/application.yml",
            MINIMUM_IDLE_5,
        ),
        ("pm/db/postgresql.conf", "max_connections = 100\n"),
    ]);
    let pm = parent.path().join("pm");
    let init_in = |cwd: &std::path::Path, dir: &str| {
        let out = poollint()
            .current_dir(cwd)
            .args(["init", "--stdout", dir])
            .assert()
            .code(0)
            .get_output()
            .stdout
            .clone();
        String::from_utf8(out).expect("UTF-8")
    };
    let reference = init_in(parent.path(), "pm");
    assert!(
        reference.contains("name = \"pm\"\nconfig = [\"src/main/resources/application.yml\"]"),
        "{reference}"
    );
    assert!(
        reference.contains("config = \"db/postgresql.conf\""),
        "{reference}"
    );
    for (cwd, dir) in [
        (parent.path().to_path_buf(), "./pm"),
        (parent.path().to_path_buf(), "pm/src/.."),
        (pm.clone(), "."),
        (pm.join("src"), ".."),
        (pm.join("src/main"), "../.."),
    ] {
        assert_eq!(init_in(&cwd, dir), reference, "{dir} in {}", cwd.display());
    }
    assert!(!reference.contains(".."), "{reference}");
}

/// A path that is not valid UTF-8 cannot be written into TOML: `init` leaves it out and
/// says so, where it wrote its lossy name (U+FFFD), which named no file and made every
/// later `check` stop (exit 2).
#[cfg(unix)]
#[test]
fn init_leaves_out_a_path_that_is_not_utf8_and_says_so() {
    use std::os::unix::ffi::OsStrExt as _;
    let dir = tree(&[("good/application.yml", MINIMUM_IDLE_5)]);
    let bad = dir
        .path()
        .join(std::ffi::OsStr::from_bytes(b"bad\xffname"))
        .join("src/main/resources");
    std::fs::create_dir_all(&bad).expect("mkdir");
    std::fs::write(bad.join("application.yml"), MINIMUM_IDLE_5).expect("write");
    let out = poollint()
        .arg("init")
        .arg(dir.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "bad\u{fffd}name/src/main/resources/application.yml: its path is not valid UTF-8"
        ),
        "{stderr}"
    );
    let manifest = std::fs::read_to_string(dir.path().join("poollint.toml")).expect("read");
    assert!(!manifest.contains('\u{fffd}'), "{manifest}");
    assert!(
        manifest.contains("config = [\"good/application.yml\"]"),
        "{manifest}"
    );
    poollint()
        .args(["check", "-f", "concise"])
        .arg(dir.path())
        .assert()
        .code(0);
}

/// A directory that does not exist is named as such (it was "not a directory").
#[test]
fn init_says_a_missing_directory_does_not_exist() {
    let dir = tempfile::tempdir().expect("temp dir");
    poollint()
        .arg("init")
        .arg(dir.path().join("nope"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nope does not exist"));
}

/// A dangling `poollint.toml` link is an existing entry: without --force `init` refuses,
/// where it followed the link and created its target outside the directory.
#[cfg(unix)]
#[test]
fn init_refuses_a_dangling_manifest_link_without_force() {
    let dir = tree(&[("app/application.yml", MINIMUM_IDLE_5)]);
    let outside = tempfile::tempdir().expect("temp dir");
    let target = outside.path().join("elsewhere.toml");
    std::os::unix::fs::symlink(&target, dir.path().join("poollint.toml")).expect("link");
    poollint()
        .arg("init")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("exists; use --force"));
    assert!(!target.exists());
}

/// Files a nested `poollint.toml` governs are left out of the manifest `init` writes
/// above it, with a note: declared again, their database took the parent's name in the
/// nested manifest's findings (`db` for `orders-db`).
#[test]
fn init_leaves_out_the_files_a_nested_manifest_governs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let copy = |rel: &str| {
        let to = dir.path().join("fleet").join(rel);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::copy(std::path::Path::new("examples/fleet").join(rel), to).expect("copy");
    };
    for rel in [
        "poollint.toml",
        "orders/src/main/resources/application.yml",
        "deploy/orders.yaml",
        "pgbouncer/pgbouncer.ini",
        "db/postgresql.conf",
    ] {
        copy(rel);
    }
    std::fs::create_dir_all(dir.path().join("web")).expect("mkdir");
    std::fs::write(dir.path().join("web/application.yml"), MINIMUM_IDLE_5).expect("write");
    let check = || {
        let out = poollint()
            .args(["check", "-f", "concise"])
            .arg(dir.path())
            .output()
            .expect("run");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let before = check();
    assert!(before.contains("database orders-db"), "{before}");
    let out = poollint()
        .arg("init")
        .arg(dir.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("init leaves out 4 file(s) that"),
        "{stderr}"
    );
    assert!(stderr.contains("fleet/poollint.toml governs"), "{stderr}");
    let manifest = std::fs::read_to_string(dir.path().join("poollint.toml")).expect("read");
    assert!(!manifest.contains("fleet/"), "{manifest}");
    assert!(
        manifest.contains("config = [\"web/application.yml\"]"),
        "{manifest}"
    );
    let after = check();
    assert!(after.contains("database orders-db"), "{after}");
    assert!(!after.contains("database db "), "{after}");
}

/// An application its compose service builds keeps that service as its `deployment`,
/// and a Kubernetes workload named like it whose environment configures a pool keeps
/// its own table: taken as the application's deployment by name, it was left out.
#[test]
fn init_keeps_a_named_workload_beside_an_application_its_compose_service_builds() {
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  replicas: 4\n  template:\n    spec:\n      containers:\n        - name: app\n          image: x\n          env:\n            - name: SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE\n              value: \"25\"\n";
    let compose = std::fs::read_to_string("tests/fixtures/compose-inferred/docker-compose.yml")
        .expect("read");
    let app = std::fs::read_to_string("tests/fixtures/compose-inferred/app/application.yml")
        .expect("read");
    let dir = tree(&[
        ("docker-compose.yml", &compose),
        ("app/application.yml", &app),
        ("k8s/app.yaml", deployment),
    ]);
    let manifest = init_manifest(dir.path());
    assert!(
        manifest.contains("deployment = \"docker-compose.yml\"   # inferred:"),
        "{manifest}"
    );
    assert!(
        manifest.contains("deployment = \"k8s/app.yaml\"   # its environment configures the pool"),
        "{manifest}"
    );
    assert_eq!(manifest.matches("[[service]]").count(), 2, "{manifest}");
}

/// A DaemonSet runs a pod per node, a count the manifests do not hold: `check` counts one
/// and says so, and `init` asks for the node count.
#[test]
fn a_daemonset_counts_one_instance_until_the_manifest_gives_the_node_count() {
    let dir = tree(&[
        (
            "deploy/agent.yaml",
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: agent\nspec:\n  template:\n    spec:\n      containers:\n        - name: agent\n          image: x\n          env:\n            - name: SPRING_DATASOURCE_URL\n              value: jdbc:postgresql://db:5432/app?socketTimeout=30\n            - name: SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE\n              value: \"30\"\n",
        ),
        (
            "deploy/db.yaml",
            "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  template:\n    spec:\n      containers:\n        - name: postgres\n          image: postgres:16\n          args: [\"-c\", \"max_connections=20\"]\n",
        ),
    ]);
    poollint()
        .args(["check", "-f", "concise", "--select", "fleet-exceeds-db-slots"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "agent 1 instance (inferred: a DaemonSet runs one pod per node; the node count is not in the manifests, so 1 is counted: set `instances` in poollint.toml)",
        ));
    let manifest = init_manifest(dir.path());
    assert!(
        manifest.contains("# instances = 1                # TODO: the node count (a DaemonSet runs one pod per node; 1 until set)"),
        "{manifest}"
    );
}

/// A Node application's pool is per process, and PM2 cluster mode runs several per
/// instance: `init` leaves a `processes` TODO for it (and not for a Spring one).
#[test]
fn init_asks_for_the_processes_of_a_node_service() {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |rel: &str, text: &str| {
        let to = dir.path().join(rel);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::write(to, text).expect("write");
    };
    write(
        "api/knexfile.json",
        r#"{"production": {"client": "pg", "connection": {"host": "db"}, "pool": {"min": 0, "max": 20}}}"#,
    );
    write(
        "orders/application.yml",
        "spring:\n  datasource:\n    hikari:\n      maximum-pool-size: 10\n",
    );
    poollint().arg("init").arg(dir.path()).assert().code(0);
    let manifest =
        std::fs::read_to_string(dir.path().join("poollint.toml")).expect("manifest written");
    assert_eq!(manifest.matches("# processes = 1").count(), 1, "{manifest}");
    let api = manifest.find("name = \"api\"").expect("api service");
    let processes = manifest.find("# processes = 1").expect("processes TODO");
    assert!(processes > api, "{manifest}");
    poollint().arg("check").arg(dir.path()).assert().code(0);
}

/// `--exclude` reads `./a` and an absolute path inside the current directory as
/// `[[lint.ignore]]` does (they matched nothing, silently), and refuses a `#` comment,
/// which matches nothing. `--stdin-filename` with no
/// file name in it is a usage error (it checked nothing and passed). A file included
/// three times counts once in the summary (it counted four files for two).
#[test]
fn odd_exclude_patterns_and_stdin_names_are_read_or_refused() {
    let dir = tree(&[(
        "a/application.yml",
        "spring.datasource.hikari.maximum-pool-size: 0\n",
    )]);
    let absolute = dir.path().canonicalize().expect("canonical").join("a");
    for pattern in ["./a", absolute.to_str().expect("utf-8")] {
        poollint()
            .current_dir(dir.path())
            .args(["check", "-f", "concise", "--exclude", pattern, "."])
            .assert()
            .code(0)
            .stdout(predicate::str::contains("pool-size-invalid").not());
    }
    poollint()
        .current_dir(dir.path())
        .args(["check", "--exclude", "#a", "."])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("matches nothing"));
    for name in ["", ".", "/", "application.yml/"] {
        poollint()
            .args(["check", "--stdin-filename", name])
            .write_stdin("x: 1\n")
            .assert()
            .code(2)
            .stderr(predicate::str::contains("names no file"));
    }
    let included = tree(&[
        (
            "postgresql.conf",
            "max_connections = 100\ninclude 'a.conf'\ninclude 'a.conf'\ninclude 'a.conf'\n",
        ),
        ("a.conf", "statement_timeout = 5s\n"),
    ]);
    poollint()
        .current_dir(included.path())
        .args(["check", "."])
        .assert()
        .stdout(predicate::str::contains("in 2 files."));
}

/// A socket named like a config file is refused as not a regular file, as a FIFO is
/// (opening it failed with "No such device or address").
#[cfg(unix)]
#[test]
fn a_socket_named_like_a_config_file_is_not_a_regular_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("pgbouncer.ini");
    let _socket = std::os::unix::net::UnixListener::bind(&path).expect("bind");
    poollint()
        .args(["check", "-f", "concise"])
        .arg(&path)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("is not a regular file"));
}

/// rollout-surge-exceeds-db-slots' heuristic tier (pods still terminating) is an
/// option: 9 replicas and one terminating × 10 = 100 of 97 slots warns, and with
/// `count-terminating = 0` only the controller's 9 × 10 = 90 counts.
#[test]
fn the_terminating_pods_bound_of_rollouts_is_an_option() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let strategy = "maxSurge: 0\n      maxUnavailable: 1";
    slot_tree(root, 100, 10, strategy, "");
    let (_, check, _) = check_and_capacity_json(root);
    let found = findings_of(&check, "rollout-surge-exceeds-db-slots");
    assert_eq!(found.len(), 1, "{check}");
    assert_eq!(found[0]["severity"], "warning", "{check}");
    let off = "[lint.rules]\n\"rollout-surge-exceeds-db-slots\" = { count-terminating = 0 }\n";
    slot_tree(root, 100, 10, strategy, off);
    let (_, check, _) = check_and_capacity_json(root);
    assert!(
        findings_of(&check, "rollout-surge-exceeds-db-slots").is_empty(),
        "{check}"
    );
    // The manifest was taken: the pool's own findings are still there.
    assert!(check["diagnostics"].is_array(), "{check}");
}

/// An `--include-root` that does not exist or is a file is a usage error (it was
/// accepted in silence, and the includes it was meant for stayed unread).
#[test]
fn an_include_root_that_is_no_directory_is_a_usage_error() {
    let dir = tree(&[("db/postgresql.conf", "max_connections = 100\n")]);
    for (root, says) in [
        ("nosuch", "no such directory"),
        ("db/postgresql.conf", "not a directory"),
    ] {
        poollint()
            .current_dir(dir.path())
            .args(["check", "db", "--include-root", root])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!(
                "--include-root {root}: {says}"
            )));
    }
    poollint()
        .current_dir(dir.path())
        .args(["check", "db", "--include-root", "db"])
        .assert()
        .code(0);
}

/// A database shared by many services: the fleet's sum names the 12 largest, in their
/// order, and what the others add, and a label points at each named service only (1,500
/// services made a message of 137 KB and 1,501 labels).
#[test]
fn a_fleet_of_many_services_names_the_largest_and_sums_the_rest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write_file(root, "db/postgresql.conf", "max_connections = 100\n");
    let mut manifest =
        "[[database]]\nname = \"main\"\nconfig = \"db/postgresql.conf\"\n".to_owned();
    for i in 0..20 {
        // svc15 is the largest; the others tie, and the earlier of equal ones is named.
        let pool = if i == 15 { 50 } else { 10 };
        write_file(
            root,
            &format!("svc{i}/application.yml"),
            &format!("spring:\n  datasource:\n    hikari:\n      maximum-pool-size: {pool}\n"),
        );
        manifest.push_str(&format!(
            "[[service]]\nname = \"svc{i}\"\nconfig = \"svc{i}/application.yml\"\ninstances = 2\nconnects-to = \"main\"\n"
        ));
    }
    write_file(root, "poollint.toml", &manifest);
    let output = poollint()
        .args(["check", "-f", "json", "--select", "fleet-exceeds-db-slots"])
        .arg(root)
        .output()
        .expect("run");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let finding = &json["diagnostics"][0];
    let message = finding["message"].as_str().expect("message");
    assert!(
        message.starts_with("the fleet can open 480 connections"),
        "{message}"
    );
    let named: Vec<&str> = message
        .split(" + ")
        .skip(1)
        .filter_map(|term| term.split(' ').next())
        .collect();
    let expected = [
        "svc1", "svc2", "svc3", "svc4", "svc5", "svc6", "svc7", "svc8", "svc9", "svc10", "svc15",
        "8",
    ];
    assert_eq!(named, expected, "{message}");
    assert!(
        message.contains("demand 480 = svc0 2 instances"),
        "{message}"
    );
    assert!(message.contains("pool 50 ("), "{message}");
    assert!(
        message.contains(" + 8 other services adding 160; usable slots 97"),
        "{message}"
    );
    // The database's limit, then the 12 named services' instances.
    assert_eq!(finding["labels"].as_array().expect("labels").len(), 13);
}
