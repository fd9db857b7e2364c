//! Hostile and odd input: each case asserts the exact outcome (a diagnostic at the right
//! place or a clear per-file error), that the other files are still checked, and the
//! exit code. Time bounds come from the harness: each run is a child process that must
//! finish within `LIMIT`, measured by waiting on it, not by sleeping.
//!
//! `LIMIT` is 10 s, not DESIGN §10's second: a release build runs the hostile files
//! (30,000 keys, an alias bomb, 100,000-deep nesting) in at most 0.11 s, a debug build (what `cargo test` runs) in up to 0.4 s alone and up to 3 s
//! with three suites at once on two loaded cores; the slowest are the 30,000-key files
//! and the 3,000-file manifest, not a single hostile file.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)] // tests fail by panicking

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(10);

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Run `poollint check -f concise ARGS` in `dir`, killing it if it exceeds `LIMIT`.
fn check(dir: &Path, extra: &[&str]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_poollint"));
    command
        .args(["check", "-f", "concise"])
        .args(extra)
        .arg(dir);
    finish(command, dir)
}

/// Run `poollint ARGS` from `dir` (paths relative to it), killing it past `LIMIT`.
fn run_in(dir: &Path, args: &[String]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_poollint"));
    command.args(args).current_dir(dir);
    finish(command, dir)
}

/// Wait for `command`, killing it if it exceeds `LIMIT`.
fn finish(mut command: Command, dir: &Path) -> Run {
    let mut child = command
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn poollint");
    // Drain the pipes while waiting, so a large output cannot block the child.
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || read_all(&mut out));
    let err = std::thread::spawn(move || read_all(&mut err));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            panic!(
                "poollint did not finish within {LIMIT:?} on {}",
                dir.display()
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Run {
        code: status.code().unwrap_or(-1),
        stdout: out.join().expect("stdout thread"),
        stderr: err.join().expect("stderr thread"),
    }
}

fn read_all(pipe: &mut impl std::io::Read) -> String {
    let mut bytes = Vec::new();
    let _ = pipe.read_to_end(&mut bytes);
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A tree with one hostile file and one good file that must still be checked.
fn tree(hostile_name: &str, content: &[u8]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let hostile = dir.path().join("hostile").join(hostile_name);
    std::fs::create_dir_all(hostile.parent().expect("parent")).expect("mkdir");
    std::fs::write(&hostile, content).expect("write hostile");
    good_file(dir.path());
    dir
}

mod common;
use common::write_file;

/// A file with a known error finding, proving the run went on.
fn good_file(root: &Path) {
    let good = root.join("good").join("application.yml");
    std::fs::create_dir_all(good.parent().expect("parent")).expect("mkdir");
    std::fs::write(
        &good,
        "spring:\n  datasource:\n    hikari:\n      max-lifetime: 10000\n",
    )
    .expect("write good");
}

fn assert_good_file_checked(run: &Run) {
    assert!(
        run.stdout
            .contains("good/application.yml:4:21: error[hikari-max-lifetime-below-minimum]"),
        "the good file was not checked:\n{}\n{}",
        run.stdout,
        run.stderr
    );
}

/// Each (file name, text, `line:col: severity[rule]`): the hostile file checked beside
/// the good one gives that one finding (exit 1).
fn assert_each_only_finding(cases: &[(&str, &str, &str)]) {
    for (name, text, at) in cases {
        let dir = tree(name, text.as_bytes());
        let run = check(dir.path(), &[]);
        assert_eq!(run.code, 1, "{name}: {}", run.stderr);
        let path = format!("hostile/{name}");
        assert_only_finding(&run, &path, &format!("{path}:{at}"));
    }
}

/// The lines of the concise output about `path` (relative to the checked directory).
fn lines_about<'r>(run: &'r Run, path: &str) -> Vec<&'r str> {
    let prefix = format!("{path}:");
    run.stdout.lines().filter(|l| l.contains(&prefix)).collect()
}

/// Every output format `check` offers.
const EVERY_FORMAT: [&str; 9] = [
    "human", "concise", "json", "sarif", "github", "rdjson", "rdjsonl", "gitlab", "junit",
];

/// A check of `path` in every format, which must have findings (exit 1), with each of
/// `secrets` its output holds: `format of PATH leaks SECRET`.
fn leaks_in_every_format(path: &Path, secrets: &[&str]) -> Vec<String> {
    let mut leaks = Vec::new();
    for format in EVERY_FORMAT {
        let run = check(path, &["-f", format]);
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        for secret in secrets {
            if run.stdout.contains(secret) || run.stderr.contains(secret) {
                leaks.push(format!("{format} of {} leaks {secret}", path.display()));
            }
        }
    }
    leaks
}

/// `path` has exactly one finding, `expected` (`path:line:col: severity[rule] message`
/// start), and the good file was checked too.
fn assert_only_finding(run: &Run, path: &str, expected: &str) {
    let lines = lines_about(run, path);
    assert!(
        lines.len() == 1 && lines[0].contains(expected),
        "expected only `{expected}` for {path}:\n{}\n{}",
        run.stdout,
        run.stderr
    );
    assert_good_file_checked(run);
}

/// An alias bomb after the pool: the pool is read (its finding is at its place) and the
/// 9^26-node alias, which Spring's reading of `app.lol` would expand, is bounded.
/// (When the anchor chain comes before `spring:`, the Spring reader's budget is spent
/// before the pool is reached; that case is asserted once spring.rs is fixed.)
#[test]
fn billion_laughs_after_the_pool_is_not_expanded_and_the_pool_is_read() {
    let mut yaml = String::from("spring:\n  datasource:\n    hikari:\n      max-lifetime: 10000\n");
    yaml.push_str(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let mut previous = 'a';
    for name in 'b'..='z' {
        yaml.push_str(&format!(
            "{name}: &{name} [{}]\n",
            vec![format!("*{previous}"); 9].join(",")
        ));
        previous = name;
    }
    yaml.push_str("app:\n  lol: *z\n");
    let dir = tree("application.yml", yaml.as_bytes());
    let run = check(dir.path(), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_only_finding(
        &run,
        "hostile/application.yml",
        "hostile/application.yml:4:21: error[hikari-max-lifetime-below-minimum] max-lifetime is 10000 ms",
    );
}

/// Kubernetes `$(VAR)` references where each variable repeats the one before four
/// times (a 4 KB manifest whose last value would be 10 × 4^39 bytes): expansion is
/// bounded (64 KiB a value), the run ends at once, and the pool size that cannot be
/// expanded is reported as written (it took 24 GB and was killed).
#[test]
fn environment_references_that_double_are_bounded() {
    let mut env = String::from("        - name: V0\n          value: \"abcdefghij\"\n");
    for i in 1..40 {
        let p = i - 1;
        env.push_str(&format!(
            "        - name: V{i}\n          value: \"$(V{p})$(V{p})$(V{p})$(V{p})\"\n"
        ));
    }
    env.push_str(
        "        - name: SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE\n          value: \"$(V39)\"\n",
    );
    let manifest = format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n      - name: app\n        image: app\n        env:\n{env}"
    );
    let dir = tree("deploy.yaml", manifest.as_bytes());
    let run = check(dir.path(), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    // The variable past the bound keeps its references as written (here V39's binding,
    // which repeats V36's), so the pool size is reported as not a number.
    assert!(
        run.stdout
            .contains("deploy.yaml:94:19: error[pool-size-invalid]"),
        "{}",
        run.stdout
    );
}

/// The bounds that keep aliases and merge keys cheap count only what they multiply: a
/// large file's own keys are all read. A pool set after 30,000 other keys (a properties
/// file, a YAML mapping) is still checked; the bounds once counted every key, and
/// silently dropped those after the 10,000th.
#[test]
fn keys_after_tens_of_thousands_of_others_are_still_read() {
    let filler = |i: usize| format!("app.generated.key{i}=value-{i}\n");
    let mut properties: String = (0..30_000).map(filler).collect();
    properties.push_str("spring.datasource.hikari.max-lifetime=10000\n");
    let mut yaml: String = (0..30_000)
        .map(|i| format!("key{i}: value-{i}\n"))
        .collect();
    yaml.push_str("spring:\n  datasource:\n    hikari:\n      max-lifetime: 10000\n");
    for (name, text, at) in [
        ("application.properties", properties, "30001:39"),
        ("application.yml", yaml, "30004:21"),
    ] {
        let dir = tree(name, text.as_bytes());
        let run = check(dir.path(), &[]);
        assert_good_file_checked(&run);
        assert!(
            run.stdout.contains(&format!(
                "hostile/{name}:{at}: error[hikari-max-lifetime-below-minimum]"
            )),
            "{name}: {}",
            run.stdout
        );
    }
}

/// 100,000-deep nesting in flow YAML, block YAML (compact sequences: indented mappings
/// that deep would take 5 GB) and JSON files that are really read (a knexfile with its
/// pool, a .NET appsettings): a `parse-error` where the parser's depth limit is hit,
/// naming the format written; the other files are still checked.
#[test]
fn deep_nesting_in_yaml_and_json_is_a_parse_error_at_the_limit() {
    let deep = 100_000;
    let cases: [(&str, String, &str); 4] = [
        (
            "application.yml",
            format!("{}{}", "[".repeat(deep), "]".repeat(deep)),
            "1:256: error[parse-error] invalid YAML: recursion limit exceeded",
        ),
        (
            "application.yaml",
            format!("{}1\n", "- ".repeat(deep)),
            "1:511: error[parse-error] invalid YAML: recursion limit exceeded",
        ),
        (
            "knexfile.json",
            format!(
                "{{\"client\": \"pg\", \"pool\": {}1{}}}\n",
                "{\"a\":".repeat(deep),
                "}".repeat(deep)
            ),
            "1:1296: error[parse-error] invalid JSON: recursion limit exceeded",
        ),
        (
            "appsettings.json",
            format!(
                "{{\"ConnectionStrings\": {}1{}}}\n",
                "{\"a\":".repeat(deep),
                "}".repeat(deep)
            ),
            "1:1293: error[parse-error] invalid JSON: recursion limit exceeded",
        ),
    ];
    for (name, text, expected) in cases {
        let dir = tree(name, text.as_bytes());
        let run = check(dir.path(), &[]);
        assert_eq!(run.code, 1, "{name}: {}", run.stderr);
        let path = format!("hostile/{name}");
        let parse_errors: Vec<&str> = lines_about(&run, &path)
            .into_iter()
            .filter(|l| l.contains("parse-error"))
            .collect();
        assert!(
            parse_errors.len() == 1 && parse_errors[0].ends_with(&format!("/{path}:{expected}")),
            "{name}:\n{}",
            run.stdout
        );
        assert_good_file_checked(&run);
    }
}

#[test]
fn binary_invalid_utf8_and_utf16_files_get_a_parse_error() {
    let cases: [(&str, Vec<u8>); 3] = [
        ("application.yml", vec![0u8, 159, 146, 150, 0, 1, 2, 255]),
        ("application.yaml", b"a: \xff\xfe invalid\n".to_vec()),
        (
            "application-x.yml",
            "a: 1\n"
                .encode_utf16()
                .flat_map(|u| u.to_le_bytes())
                .collect(),
        ),
    ];
    for (name, bytes) in cases {
        let dir = tree(name, &bytes);
        let run = check(dir.path(), &[]);
        assert_eq!(run.code, 1, "{name}");
        let line = run
            .stdout
            .lines()
            .find(|l| l.contains("hostile/"))
            .unwrap_or_default()
            .to_owned();
        assert!(
            line.contains("error[parse-error]"),
            "{name}: {}",
            run.stdout
        );
        assert_good_file_checked(&run);
    }
}

#[test]
fn latin1_properties_bom_crlf_and_lone_cr_are_read() {
    let latin1: Vec<u8> = b"# caf\xe9\nspring.datasource.hikari.max-lifetime=10000\n".to_vec();
    let dir = tree("application.properties", &latin1);
    let run = check(dir.path(), &[]);
    assert!(
        run.stdout.contains("hostile/application.properties:2:"),
        "{}",
        run.stdout
    );
    for (name, text) in [
        (
            "application.yml",
            "\u{feff}spring:\r\n  datasource:\r\n    hikari:\r\n      max-lifetime: 10000\r\n",
        ),
        (
            "application.yaml",
            "spring:\r  datasource:\r    hikari:\r      max-lifetime: 10000\r",
        ),
    ] {
        let dir = tree(name, text.as_bytes());
        let run = check(dir.path(), &[]);
        assert_eq!(run.code, 1, "{name}: {}", run.stderr);
        // The BOM takes no column; CR and CRLF each end one line.
        let path = format!("hostile/{name}");
        assert_only_finding(
            &run,
            &path,
            &format!("{path}:4:21: error[hikari-max-lifetime-below-minimum]"),
        );
    }
}

/// A BOM takes no column on line 1, in every format's reader and in a parse error.
#[test]
fn a_bom_takes_no_column_on_line_one() {
    let cases = [
        (
            "application.properties",
            "\u{feff}spring.datasource.hikari.max-lifetime=10000\n",
            "1:39: error[hikari-max-lifetime-below-minimum]",
        ),
        (
            "postgresql.conf",
            "\u{feff}max_connections = 0\n",
            "1:19: error[pool-size-invalid]",
        ),
        (
            "application.yml",
            "\u{feff}spring: [",
            "1:9: error[parse-error]",
        ),
    ];
    assert_each_only_finding(&cases);
}

/// Invalid UTF-8 is reported at the invalid byte (it was 1:1 with an empty span), the
/// line shown with it masked like any other, and a password on the line before not shown.
#[test]
fn invalid_utf8_is_reported_at_the_invalid_byte() {
    let text = b"spring:\n  datasource:\n    password: Hunter-Secret9\n  x: \"\xc3\xa9\xf0\x9f\x98\x80 \xFF\" # tail\n".to_vec();
    let dir = tree("application.yml", &text);
    let run = check(dir.path(), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_only_finding(
        &run,
        "hostile/application.yml",
        "hostile/application.yml:4:10: error[parse-error] file is not valid UTF-8 (invalid byte at offset 64)",
    );
    let human = check(dir.path(), &["-f", "human"]).stdout;
    assert!(human.contains("hostile/application.yml:4:10]"), "{human}");
    assert!(
        human.contains(" 4 │   x: \"é😀 \u{fffd}\" # tail"),
        "{human}"
    );
    assert!(!human.contains("Hunter-Secret9"), "{human}");
}

/// A NUL byte is reported at its line and column (it was 1:1, with the offset only in
/// the message), and every format shows the file with the NUL as U+FFFD.
#[test]
fn a_nul_byte_is_reported_where_it_is() {
    let text =
        b"spring:\n  datasource:\n    password: Hunter-Secret9\n  x: ab\0cd\0 # tail\n".to_vec();
    let dir = tree("application.yml", &text);
    let run = check(dir.path(), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_only_finding(
        &run,
        "hostile/application.yml",
        "hostile/application.yml:4:8: error[parse-error] file contains a NUL byte at offset 58: binary data, not a configuration file",
    );
    let human = check(dir.path(), &["-f", "human"]).stdout;
    assert!(human.contains("hostile/application.yml:4:8]"), "{human}");
    assert!(
        human.contains(" 4 │   x: ab\u{fffd}cd\u{fffd} # tail"),
        "{human}"
    );
    assert!(!human.contains("Hunter-Secret9"), "{human}");
    for format in [
        "json", "sarif", "rdjson", "rdjsonl", "gitlab", "junit", "github",
    ] {
        let run = check(dir.path(), &["-f", format]);
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        assert!(!run.stdout.contains('\0'), "{format}: {}", run.stdout);
        assert!(!run.stdout.contains("Hunter-Secret9"), "{format}");
    }
}

/// A tab is one column (the concise format counts Unicode scalar values, as JSON does;
/// a tab is not expanded to a tab stop): a tab before the value, where each format
/// allows one, moves the finding by exactly one column.
#[test]
fn a_tab_before_a_value_is_one_column() {
    let cases = [
        (
            "application.properties",
            "spring.datasource.hikari.max-lifetime\t=\t10000\n",
            "1:41: error[hikari-max-lifetime-below-minimum]",
        ),
        (
            "application.yml",
            "spring:\n  datasource:\n    hikari:\n      max-lifetime:\t10000\n",
            "4:21: error[hikari-max-lifetime-below-minimum]",
        ),
        (
            "pgbouncer.ini",
            "[databases]\nusers = host=db dbname=users\n\n[pgbouncer]\nlisten_addr = 0.0.0.0\nauth_type =\ttrust\n",
            "6:13: error[pgbouncer-insecure-auth-type]",
        ),
    ];
    assert_each_only_finding(&cases);
}

#[test]
fn enormous_negative_and_fractional_numbers_are_findings_not_crashes() {
    for value in [
        "99999999999999999999",
        "-5",
        "2.5",
        ".nan",
        "-.inf",
        "1e400",
    ] {
        let text = format!("spring:\n  datasource:\n    hikari:\n      maximum-pool-size: {value}\n      max-lifetime: {value}\n");
        let dir = tree("application.yml", text.as_bytes());
        let run = check(dir.path(), &[]);
        assert!(!run.stderr.contains("panicked"), "{value}: {}", run.stderr);
        assert!(run.code == 0 || run.code == 1, "{value}: exit {}", run.code);
        assert_good_file_checked(&run);
    }
}

/// A directory named like a config file is a directory: the walk goes into it and checks
/// what it holds. A link named like a config file is a file to the walk (it does not
/// follow links), so a link to a directory is a `parse-error`; one to a directory above
/// it (a loop) is never followed either.
#[cfg(unix)]
#[test]
fn a_directory_named_like_a_config_is_walked_and_a_link_to_one_is_a_parse_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    good_file(dir.path());
    let inner = dir.path().join("app/application.yml/application.yml");
    std::fs::create_dir_all(inner.parent().expect("parent")).expect("mkdir");
    std::fs::write(
        &inner,
        "spring:\n  datasource:\n    hikari:\n      max-lifetime: 10000\n",
    )
    .expect("write");
    std::fs::create_dir_all(dir.path().join("link")).expect("mkdir");
    std::os::unix::fs::symlink(
        dir.path().join("app/application.yml"),
        dir.path().join("link/application.yml"),
    )
    .expect("symlink");
    std::os::unix::fs::symlink(dir.path(), dir.path().join("link/application.yaml"))
        .expect("loop symlink");
    let run = check(dir.path(), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_only_finding(
        &run,
        "app/application.yml/application.yml",
        "app/application.yml/application.yml:4:21: error[hikari-max-lifetime-below-minimum]",
    );
    for name in ["application.yml", "application.yaml"] {
        let path = format!("link/{name}");
        assert_only_finding(
            &run,
            &path,
            &format!("{path}:1:1: error[parse-error] is a directory, not a file"),
        );
    }
    // Nothing was read through the links: one file named application.yml was found
    // inside a directory of that name, not three.
    assert_eq!(
        run.stdout
            .matches("error[hikari-max-lifetime-below-minimum]")
            .count(),
        2,
        "{}",
        run.stdout
    );
}

/// A path argument that does not exist is a usage problem: exit 2, the other paths are
/// still checked.
#[test]
fn a_path_argument_that_does_not_exist_is_exit_2_and_the_rest_is_checked() {
    let dir = tempfile::tempdir().expect("temp dir");
    good_file(dir.path());
    let run = check(dir.path(), &["no/such/path"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("no/such/path"), "{}", run.stderr);
    assert_good_file_checked(&run);
}

/// A file the user may not read is a `parse-error` for that file; the run goes on.
#[cfg(unix)]
#[test]
fn a_file_that_cannot_be_read_is_a_parse_error_for_that_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tree(
        "application.yml",
        b"spring:\n  datasource:\n    hikari:\n      max-lifetime: 10000\n",
    );
    let hostile = dir.path().join("hostile/application.yml");
    std::fs::set_permissions(&hostile, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    // Root (CAP_DAC_OVERRIDE) reads the file anyway: nothing to assert then. The test
    // asks the file system rather than guessing from the user id.
    if std::fs::read(&hostile).is_ok() {
        eprintln!("skipped: a file with mode 000 is still readable (running as root)");
        return;
    }
    let run = check(dir.path(), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_only_finding(
        &run,
        "hostile/application.yml",
        "hostile/application.yml:1:1: error[parse-error] cannot read file: Permission denied",
    );
}

/// The walk keeps links (it does not follow them): a broken link and a link loop named
/// like config files are each a `parse-error` for that file (exit 1); the run goes on.
#[cfg(unix)]
#[test]
fn broken_symlinks_and_symlink_loops_are_parse_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    good_file(dir.path());
    std::os::unix::fs::symlink(
        dir.path().join("missing.yml"),
        dir.path().join("application-broken.yml"),
    )
    .expect("symlink");
    std::os::unix::fs::symlink(
        "application-loop.yml",
        dir.path().join("application-loop.yml"),
    )
    .expect("loop symlink");
    let run = check(dir.path(), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    for (name, error) in [
        ("application-broken.yml", "No such file or directory"),
        ("application-loop.yml", "Too many levels of symbolic links"),
    ] {
        assert_only_finding(
            &run,
            name,
            &format!("{name}:1:1: error[parse-error] cannot read file: {error}"),
        );
    }
}

/// A directory name that is not UTF-8 (git can hold one): its files are checked; the
/// text formats show U+FFFD for the invalid byte, and SARIF keeps the byte in its URI
/// (`%FF`), so code scanning can place the finding on the file.
#[cfg(unix)]
#[test]
fn a_file_name_that_is_not_utf8_is_checked_and_kept_in_sarif_uris() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().expect("temp dir");
    good_file(dir.path());
    let odd = dir
        .path()
        .join(std::ffi::OsStr::from_bytes(b"bad\xffname"))
        .join("application.yml");
    std::fs::create_dir_all(odd.parent().expect("parent")).expect("mkdir");
    std::fs::write(
        &odd,
        "spring:\n  datasource:\n    hikari:\n      max-lifetime: 10000\n",
    )
    .expect("write");
    let run = check(dir.path(), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_good_file_checked(&run);
    assert!(
        run.stdout.contains(
            "bad\u{FFFD}name/application.yml:4:21: error[hikari-max-lifetime-below-minimum]"
        ),
        "{}",
        run.stdout
    );
    let out = tempfile::tempdir().expect("temp dir");
    let path = out.path().join("out.sarif");
    check(dir.path(), &["-f", &format!("sarif={}", path.display())]);
    let text = std::fs::read_to_string(&path).expect("SARIF written");
    let sarif: serde_json::Value = serde_json::from_str(&text).expect("SARIF is JSON");
    let uris: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .collect();
    assert!(
        uris.iter()
            .any(|u| u.ends_with("/bad%FFname/application.yml")),
        "{uris:?}"
    );
}

/// Devices and FIFOs named like config files (a link to `/dev/zero` can be committed)
/// would be read forever or wait for a writer: each is refused with a per-file error, as
/// is an include of one; so are a manifest, a baseline and an ignore file at the root
/// that are such links.
#[cfg(unix)]
#[test]
fn links_to_devices_and_fifos_are_refused_not_read_forever() {
    let dir = tempfile::tempdir().expect("temp dir");
    good_file(dir.path());
    let app = dir.path().join("hostile");
    std::fs::create_dir_all(&app).expect("mkdir");
    std::os::unix::fs::symlink("/dev/zero", app.join("application.yml")).expect("symlink");
    let fifo = app.join("pgbouncer.ini");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("run mkfifo");
    assert!(made.success(), "mkfifo");
    std::os::unix::fs::symlink(&fifo, app.join("application.properties")).expect("symlink");
    let run = check(dir.path(), &[]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    // The FIFO itself is no file to the walk (git cannot hold one); the link to it is.
    assert!(!run.stdout.contains("pgbouncer.ini"), "{}", run.stdout);
    for name in ["application.yml", "application.properties"] {
        assert!(
            run.stdout.contains(&format!(
                "hostile/{name}:1:1: error[parse-error] is not a regular file"
            )),
            "{name}:\n{}",
            run.stdout
        );
    }
    assert_good_file_checked(&run);
    // An explicit path to the FIFO, and a manifest that is a device.
    let run = check(&fifo, &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("pgbouncer.ini:1:1: error[parse-error] is not a regular file"),
        "{}",
        run.stdout
    );
    for option in ["--config", "--baseline"] {
        let run = check(dir.path().join("good").as_path(), &[option, "/dev/zero"]);
        assert_eq!(run.code, 2, "{option}: {}", run.stderr);
        assert!(
            run.stderr.contains("/dev/zero: it is not a regular file"),
            "{}",
            run.stderr
        );
    }
    // An include of a FIFO in the tree is refused at its directive.
    let db = dir.path().join("db");
    std::fs::create_dir_all(&db).expect("mkdir");
    let made = Command::new("mkfifo")
        .arg(db.join("extra.conf"))
        .status()
        .expect("mkfifo");
    assert!(made.success(), "mkfifo");
    std::fs::write(
        db.join("postgresql.conf"),
        "max_connections = 100\ninclude 'extra.conf'\n",
    )
    .expect("write");
    let run = check(dir.path(), &[]);
    assert!(
        run.stdout.contains(
            "db/postgresql.conf:2:9: error[parse-error] cannot read included file: it is not a regular file"
        ),
        "{}",
        run.stdout
    );
    assert_good_file_checked(&run);
    // A team's manifest that is a link to a device: a configuration error for that
    // manifest (exit 2); the other files are still checked.
    let team = dir.path().join("team");
    std::fs::create_dir_all(&team).expect("mkdir");
    std::os::unix::fs::symlink("/dev/zero", team.join("poollint.toml")).expect("symlink");
    let run = check(dir.path(), &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("team/poollint.toml: it is not a regular file"),
        "{}",
        run.stderr
    );
    assert_good_file_checked(&run);
    std::fs::remove_file(team.join("poollint.toml")).expect("rm");
    // An ignore file the walker would read forever, at the root or above it: that
    // directory is not walked, and says so (exit 2).
    std::os::unix::fs::symlink("/dev/zero", dir.path().join(".gitignore")).expect("symlink");
    for root in [dir.path().to_path_buf(), dir.path().join("good")] {
        let run = check(&root, &[]);
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(
            run.stderr.contains(&format!(
                ".gitignore is not a regular file (a device, FIFO or socket, perhaps through a link): reading it could take forever, so {} is not checked",
                root.display()
            )),
            "{}",
            run.stderr
        );
    }
}

/// A config file a `poollint.toml` names that is a link to a device, or a FIFO, gets the
/// same `parse-error` as without the manifest (the manifest made it disappear: the link
/// was taken for a file outside the paths, and the FIFO was never read), without
/// waiting for a writer.
#[cfg(unix)]
#[test]
fn a_device_or_fifo_a_manifest_names_is_refused_as_without_it() {
    let manifest = "[[service]]\nname = \"s\"\nconfig = [\"app/application.yml\"]\n";
    let refused = "app/application.yml:1:1: error[parse-error] is not a regular file";
    for kind in ["/dev/zero", "/dev/null", "fifo"] {
        let dir = tempfile::tempdir().expect("temp dir");
        let app = dir.path().join("app");
        std::fs::create_dir_all(&app).expect("mkdir");
        let config = app.join("application.yml");
        if kind == "fifo" {
            let made = Command::new("mkfifo")
                .arg(&config)
                .status()
                .expect("mkfifo");
            assert!(made.success(), "mkfifo");
        } else {
            std::os::unix::fs::symlink(kind, &config).expect("symlink");
        }
        std::fs::write(dir.path().join("poollint.toml"), manifest).expect("write");
        for root in [dir.path().to_path_buf(), app.clone()] {
            let run = check(&root, &[]);
            assert_eq!(run.code, 1, "{kind}: {}\n{}", run.stdout, run.stderr);
            assert!(run.stdout.contains(refused), "{kind}: {}", run.stdout);
        }
    }
}

/// A finding far along one long line (minified JSON): the human format cannot show the
/// line (miette pads to the column, and panicked past 65,535), so it names the place.
#[test]
fn a_finding_on_a_line_too_long_to_show_is_placed_not_printed() {
    let filler: String = (0..5000)
        .map(|i| format!("\"k{i}\":\"xxxxxxxxxxxxxxxx\","))
        .collect();
    let json = format!(
        "{{\"Filler\":{{{}}},\"ConnectionStrings\":{{\"Default\":\"Host=db;Username=u;Password=LongLine-Secret;Maximum Pool Size=0\"}}}}",
        filler.trim_end_matches(',')
    );
    let dir = tree("appsettings.json", json.as_bytes());
    // The password, where the finding points (1-based).
    let column = json.find("LongLine-Secret").expect("password") + 1;
    assert!(column > 65_535);
    let run = check(dir.path(), &["-f", "human"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_good_file_checked(&run);
    assert!(
        run.stdout.contains(&format!(
            "appsettings.json:1:{column} (a line of {} bytes: not shown)",
            json.len()
        )),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("LongLine-Secret"));
}

/// Escapes in a quoted YAML value decode to control characters, which findings quote:
/// no format may send them to the terminal or CI log as they are (an escape sequence
/// could clear the screen or hide the lines above it).
#[test]
fn control_characters_in_values_are_never_printed_raw() {
    let dir = tree(
        "application.yml",
        b"spring:\n  datasource:\n    hikari:\n      maximum-pool-size: \"1\\u001b[2J\\u0007\"\n",
    );
    for format in [
        "human", "concise", "json", "sarif", "github", "rdjson", "rdjsonl", "gitlab", "junit",
    ] {
        let run = check(dir.path(), &["-f", format]);
        assert_good_file_checked(&run);
        for raw in ['\u{1b}', '\u{7}'] {
            assert!(!run.stdout.contains(raw), "{format} prints {raw:?}");
        }
    }
    let run = check(dir.path(), &[]);
    assert!(
        run.stdout.contains("maximum-pool-size `1\\u{1b}[2J\\u{7}`"),
        "{}",
        run.stdout
    );
    // A line break quoted from a value would start a line of its own, which a GitHub
    // Actions log runs as a workflow command.
    let dir = tree(
        "application.yml",
        b"spring:\n  datasource:\n    hikari:\n      maximum-pool-size: \"5%,::x\\r\\n::error::forged\"\n",
    );
    for format in ["human", "concise", "github", "gitlab", "junit", "json"] {
        let run = check(dir.path(), &["-f", format]);
        assert_good_file_checked(&run);
        assert!(
            !run.stdout
                .lines()
                .any(|l| l.trim_start().starts_with("::error::forged")),
            "{format}:\n{}",
            run.stdout
        );
    }
    let run = check(dir.path(), &[]);
    assert!(
        run.stdout
            .contains("maximum-pool-size `5%,::x\\u{d}\\u{a}::error::forged`"),
        "{}",
        run.stdout
    );
}

/// A directory name can hold a line break or an escape sequence (git can commit one):
/// the text formats show a path with its control characters escaped as messages are,
/// so the name cannot start a line a GitHub Actions log runs as a workflow command or
/// drive the terminal. Concise, human (snippet header) and github in one run.
#[cfg(unix)]
#[test]
fn control_characters_in_file_names_are_never_printed_raw() {
    let dir = tempfile::tempdir().expect("temp dir");
    good_file(dir.path());
    let text = "spring:\n  datasource:\n    hikari:\n      max-lifetime: 10000\n";
    for name in ["nl\n::error file=x::injected", "x\u{1}y\u{1b}[31mz"] {
        let file = dir.path().join(name).join("application.yml");
        std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
        std::fs::write(&file, text).expect("write");
    }
    let run = check(dir.path(), &["-f", "human", "-f", "github"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_good_file_checked(&run);
    for raw in ['\u{1}', '\u{1b}'] {
        assert!(
            !run.stdout.contains(raw),
            "{raw:?} printed:\n{}",
            run.stdout
        );
    }
    assert!(
        !run.stdout.lines().any(|l| l.starts_with("::error file=x")),
        "{}",
        run.stdout
    );
    for shown in [
        "nl\\u{a}::error file=x::injected/application.yml:4:21: error[",
        "x\\u{1}y\\u{1b}[31mz/application.yml:4:21: error[",
        "nl\\u{a}::error file=x::injected/application.yml:4:21]",
        "x\\u{1}y\\u{1b}[31mz/application.yml,line=4,",
        // GitHub's own escape for a line break in a property, which it decodes: the
        // annotation names the real file.
        "/nl%0A%3A%3Aerror file=x%3A%3Ainjected/application.yml,line=4,",
    ] {
        assert!(run.stdout.contains(shown), "{shown}:\n{}", run.stdout);
    }
}

/// A path that starts with `::` (a directory named like a workflow command) is shown
/// from `./` where a line starts with it: the runner reads a line starting with `::` as
/// a command, which a pull request could otherwise add by naming a directory.
#[test]
fn a_path_like_a_workflow_command_does_not_start_a_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = "spring:\n  datasource:\n    hikari:\n      max-lifetime: 10000\n";
    write_file(
        dir.path(),
        "::error title=injected::fake/application.yml",
        text,
    );
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_poollint"))
        .current_dir(dir.path())
        .args(["check", "-f", "concise", "."])
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.starts_with("./::error title=injected::fake/application.yml:4:21: error["),
        "{stdout}"
    );
    assert!(
        !stdout.lines().any(|l| l.trim_start().starts_with("::")),
        "{stdout}"
    );
}

/// Under GitHub Actions, the human format's text (which quotes keys and lines of the
/// checked files) runs between `::stop-commands::TOKEN` and `::TOKEN::`: a key named
/// `##[stop-commands]tok`, which the runner reads as a command anywhere in a line, does
/// not silence the annotations after it. The same files give the same bytes.
#[test]
fn github_commands_in_the_human_text_are_not_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = "spring:\n  datasource:\n    hikari:\n      \"##[stop-commands]tok\": 1\n      max-lifetime: 10000\n";
    write_file(dir.path(), "app/application.yml", text);
    let run = || {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_poollint"))
            .current_dir(dir.path())
            .args(["check", "."])
            .env("GITHUB_ACTIONS", "true")
            .env("NO_COLOR", "1")
            .output()
            .expect("run");
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let stdout = run();
    let lines: Vec<&str> = stdout.lines().collect();
    let token = lines
        .first()
        .and_then(|l| l.strip_prefix("::stop-commands::"))
        .unwrap_or_else(|| panic!("no stop-commands first:\n{stdout}"));
    let quoted = lines
        .iter()
        .position(|l| l.contains("##[stop-commands]tok"));
    let resumed = lines.iter().position(|l| *l == format!("::{token}::"));
    let annotated = lines
        .iter()
        .position(|l| l.starts_with("::error file=app/application.yml"));
    assert!(
        quoted.is_some() && quoted < resumed && resumed < annotated,
        "{stdout}"
    );
    assert_eq!(run(), stdout);
}

#[test]
fn a_file_above_the_size_limit_is_refused_with_a_clear_message() {
    let mut big = String::from("spring:\n  datasource:\n    hikari:\n");
    while big.len() < 2_000_000 {
        big.push_str("      # padding padding padding padding padding padding padding padding\n");
    }
    let dir = tree("application.yml", big.as_bytes());
    let run = check(dir.path(), &["--max-file-size", "1000000"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("above the 1000000-byte limit"),
        "{}",
        run.stdout
    );
    assert_good_file_checked(&run);
}

/// Masking what is shaped like a credential reads each part of a shown text once: a
/// line of nothing but `://password=${` (every `://` and every key would otherwise
/// read to the end of the line again) is masked within the bound.
#[test]
fn credential_shapes_on_a_long_line_are_masked_in_one_pass() {
    let mut text =
        String::from("spring:\n  datasource:\n    hikari:\n      maximum-pool-size: 0\n# ");
    // 200,000 pieces (2.8 MB): reading to the line end again from each would be
    // about 10^11 steps; one pass takes about a second in a debug build (500,000 pieces
    // took 7.5-10 s with builds beside it, at the bound).
    text.push_str(&"://password=${".repeat(200_000));
    text.push('\n');
    let dir = tree("application.yml", text.as_bytes());
    for format in ["concise", "human"] {
        let run = check(dir.path(), &["-f", format]);
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        assert!(
            run.stdout.contains("maximum-pool-size"),
            "{format}: {}",
            run.stdout
        );
    }
}

/// Thousands of connection strings in one appsettings.json: one service with that many
/// pools. Indexing who uses each pool scanned the service's pools for each pool
/// (quadratic: 3.4 s for 50,000 in a release build), and the .NET reader did the same to
/// find a name written twice.
#[test]
fn thousands_of_connection_strings_in_one_file_are_read_in_linear_time() {
    let mut text = String::from("{\n  // one service, many pools\n  \"ConnectionStrings\": {\n");
    let count = 40_000;
    for i in 0..count {
        let comma = if i + 1 < count { "," } else { "" };
        text.push_str(&format!(
            "    \"C{i}\": \"Host=db{i};Database=app;Maximum Pool Size=10\"{comma}\n"
        ));
    }
    text.push_str("  }\n}\n");
    let dir = tree("appsettings.json", text.as_bytes());
    let run = check(dir.path(), &["-f", "concise"]);
    // Only the good file's planted finding: the strings are all valid.
    assert!(
        run.stdout
            .contains("Found 1 error, 0 warnings and 0 infos in 2 files."),
        "{}",
        run.stderr
    );
}

/// Kubernetes manifests' texts are released once summarised, before the join that
/// resolves references: a ConfigMap value the join finds to be a password (a password
/// variable refers to it) is read again from its file, and scrubbed from the message of
/// a finding that quotes it through another variable, in every format.
#[test]
fn secrets_the_kubernetes_join_finds_are_scrubbed_after_release() {
    let dir = tempfile::tempdir().expect("temp dir");
    let manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  DB_PASS: Joined-Secret1\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          env:\n            - name: SPRING_DATASOURCE_PASSWORD\n              valueFrom:\n                configMapKeyRef: {name: cfg, key: DB_PASS}\n            - name: SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE\n              valueFrom:\n                configMapKeyRef: {name: cfg, key: DB_PASS}\n";
    write_file(dir.path(), "deploy/app.yaml", manifest);
    let leaks = leaks_in_every_format(dir.path(), &["Joined-Secret1"]);
    assert!(leaks.is_empty(), "{leaks:#?}");
    // The finding that quotes it is there, scrubbed.
    let run = check(dir.path(), &[]);
    assert!(
        lines_about(&run, "deploy/app.yaml")
            .iter()
            .any(|l| l.contains("`****`")),
        "{}",
        run.stdout
    );
}

/// Messages quote values as readers decode them: a password written quoted, escaped,
/// in base64 (a Kubernetes Secret's `data`) or as a password variable's default, and
/// used where a finding quotes it (an alias, a `secretKeyRef`), is scrubbed all the same.
#[test]
fn secrets_decoded_by_readers_never_reach_messages() {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |rel: &str, text: &str| write_file(dir.path(), rel, text);
    write("a/application.yml", "spring:\n  datasource:\n    password: &pw \"Msg-Secret1\"\n    hikari:\n      maximum-pool-size: *pw\n");
    write(
        "b/config/database.yml",
        "production:\n  adapter: postgresql\n  password: &pw 'Msg-Secret2'\n  pool: *pw\n",
    );
    write("c/docker-compose.yml", "x-pw: &pw \"Msg-Secret3\"\nservices:\n  app:\n    image: app\n    environment:\n      DB_PASSWORD: *pw\n      SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE: *pw\n");
    let workload = "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          env:\n            - name: SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE\n              valueFrom:\n                secretKeyRef: {name: db, key: password}\n";
    // "TXNnLVNlY3JldDQ=" is base64 of "Msg-Secret4".
    write("d/app.yaml", &format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: TXNnLVNlY3JldDQ=\n{workload}"));
    // Named apart from d's: two Secrets of one name in one namespace are one object.
    let workload_e = workload.replace("name: db,", "name: db-e,");
    write("e/app.yaml", &format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: db-e\nstringData:\n  password: \"Msg\\x2dSecret5\"\n{workload_e}"));
    write("f/application.yml", "spring:\n  datasource:\n    hikari:\n      maximum-pool-size: ${DB_PASSWORD:Msg-Secret6}\n");
    for format in [
        "human", "concise", "json", "sarif", "github", "rdjson", "rdjsonl", "gitlab", "junit",
    ] {
        let run = check(dir.path(), &["-f", format]);
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        for n in 1..=6 {
            let secret = format!("Msg-Secret{n}");
            assert!(
                !run.stdout.contains(&secret) && !run.stderr.contains(&secret),
                "{format} leaks {secret}:\n{}",
                run.stdout
            );
        }
    }
    // Each is a finding that quotes the value, scrubbed.
    let run = check(dir.path(), &[]);
    for path in [
        "a/application.yml",
        "b/config/database.yml",
        "c/docker-compose.yml",
        "d/app.yaml",
        "e/app.yaml",
        "f/application.yml",
    ] {
        assert!(
            lines_about(&run, path).iter().any(|l| l.contains("`****`")),
            "{path}:\n{}",
            run.stdout
        );
    }
}

/// A manifest that cannot be used is shown with its snippet on stderr, masked like any
/// file: a commented-out URL, a password key, and a password a TOML error is about.
#[test]
fn a_broken_manifest_shows_no_password() {
    for (manifest, secrets) in [
        (
            "# DATABASE_URL=postgres://app:Manifest-Secret1@db/x\n[[databse]]\npassword = \"Manifest-Secret2\"\n",
            &["Manifest-Secret1", "Manifest-Secret2"][..],
        ),
        ("[lint]\npassword = Manifest-Secret3\n", &["Manifest-Secret3"][..]),
    ] {
        let dir = tempfile::tempdir().expect("temp dir");
        good_file(dir.path());
        std::fs::write(dir.path().join("poollint.toml"), manifest).expect("write");
        let run = check(dir.path(), &["-f", "human"]);
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(run.stderr.contains("poollint.toml:"), "{}", run.stderr);
        for secret in secrets {
            assert!(!run.stderr.contains(secret), "{secret}:\n{}", run.stderr);
            assert!(!run.stdout.contains(secret), "{secret}:\n{}", run.stdout);
        }
    }
}

/// A file that does not parse gives its reader nothing, so no secret of it is known:
/// its parse error's snippet still shows no password (the text's shapes are masked).
#[test]
fn secrets_in_files_that_do_not_parse_never_reach_any_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    good_file(dir.path());
    let files: [(&str, &str, &str); 3] = [
        (
            "a/application.yml",
            "spring:\n  datasource:\n    password: \"Unclosed-Secret1\n  hikari: [\n",
            "Unclosed-Secret1",
        ),
        (
            "b/appsettings.json",
            "{\"ConnectionStrings\": {\"Main\": \"Host=db;Password=Json-Secret2;Maximum Pool Size=5\"\n",
            "Json-Secret2",
        ),
        (
            "c/.env",
            "DATABASE_URL=\"postgres://u:Env-Secret3@db/x\n",
            "Env-Secret3",
        ),
    ];
    for (path, text, _) in files {
        write_file(dir.path(), path, text);
    }
    for format in [
        "human", "concise", "json", "sarif", "github", "rdjson", "rdjsonl", "gitlab", "junit",
    ] {
        let run = check(dir.path(), &["-f", format]);
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        for (_, _, secret) in files {
            assert!(
                !run.stdout.contains(secret) && !run.stderr.contains(secret),
                "{format} leaks {secret}"
            );
        }
    }
    // The human snippets show each parse error's line, masked.
    let human = check(dir.path(), &["-f", "human"]).stdout;
    for (path, _, _) in files {
        assert!(
            human.contains(&format!("{path}:")),
            "{path} not shown:\n{human}"
        );
    }
    assert!(human.contains("password: \"****************"), "{human}");
    assert!(human.contains("Password=************;"), "{human}");
    assert!(human.contains("postgres://u:***********@db/x"), "{human}");
}

/// Passwords a compose file takes from its project's `.env` (interpolated, or a name
/// alone in `environment:`) and from its `env_file:` files never reach any output, in
/// a check of the directory (the `.env` reader reads `.env` too) and of the compose
/// file named alone (its companions read with it only). Findings quote a value such a
/// password made, and sit next to the env file's other lines.
#[test]
fn passwords_compose_takes_from_other_files_never_reach_any_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |rel: &str, text: &str| write_file(dir.path(), rel, text);
    write("docker-compose.yml", "services:\n  web:\n    image: x\n    env_file: [web.env]\n    environment:\n      - SPRING_DATASOURCE_URL=jdbc:postgresql://db/x?socketTimeout=30\n      - SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE=${DB_PASSWORD}\n      - SPRING_DATASOURCE_PASSWORD\n      - DATABASE_URL=postgres://u:${URL_PART}@db/x?connection_limit=${POOL}\n      - OTHER_URL=${WHOLE_URL}\n");
    write(".env", "DB_PASSWORD=DotenvUsed-Secret1\nSPRING_DATASOURCE_PASSWORD=DotenvAlone-Secret2\nURL_PART=DotenvPart-Secret3\nWHOLE_URL=postgres://u:DotenvUrl-Secret4@db/x\nPOOL=0\n");
    write("web.env", "SPRING_DATASOURCE_HIKARI_MAX_LIFETIME=10000\nDB_PW=EnvFileKey-Secret5\nCACHE_URL=redis://:EnvFileUrl-Secret6@cache/0\nSPRING_DATASOURCE_HIKARI_MINIMUM_IDLE=-1\n");
    let secrets = [
        "DotenvUsed-Secret1",
        "DotenvAlone-Secret2",
        "DotenvPart-Secret3",
        "DotenvUrl-Secret4",
        "EnvFileKey-Secret5",
        "EnvFileUrl-Secret6",
    ];
    let mut leaks = Vec::new();
    for path in [
        dir.path().to_path_buf(),
        dir.path().join("docker-compose.yml"),
    ] {
        leaks.extend(leaks_in_every_format(&path, &secrets));
        // The findings are there: the pool size `.env`'s password made, and the env file's.
        let human = check(&path, &["-f", "human"]).stdout;
        for finding in ["pool-size-invalid", "hikari-max-lifetime-below-minimum"] {
            assert!(human.contains(finding), "{finding}:\n{human}");
        }
    }
    assert!(leaks.is_empty(), "{leaks:#?}");
}

/// Passwords in files `spring.config.import` reads (a plain value, a URL's, a
/// placeholder default, one in a nested import) never reach any output, in a check of
/// the directory and of the importing file named alone. The imported files' findings
/// sit next to them, so the human snippets show their lines.
#[test]
fn passwords_in_imported_spring_files_never_reach_any_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |rel: &str, text: &str| write_file(dir.path(), rel, text);
    write(
        "app/src/main/resources/application.yml",
        "spring:\n  config:\n    import: classpath:db.properties, file:config/pool.yml\n",
    );
    write(
        "app/src/main/resources/db.properties",
        "spring.datasource.password=ImportedProps-Secret1\nspring.datasource.hikari.maximum-pool-size=0\nspring.datasource.url=jdbc:postgresql://u:ImportedUrl-Secret2@db/x\nspring.config.import=nested.yml\n",
    );
    write(
        "app/src/main/resources/nested.yml",
        "spring:\n  datasource:\n    hikari:\n      password: ${DB_PW:NestedDefault-Secret3}\n      max-lifetime: 10000\n",
    );
    write(
        "app/config/pool.yml",
        "spring:\n  datasource:\n    hikari:\n      minimum-idle: -1\n      data-source-properties:\n        password: FileYaml-Secret4\n",
    );
    let secrets = [
        "ImportedProps-Secret1",
        "ImportedUrl-Secret2",
        "NestedDefault-Secret3",
        "FileYaml-Secret4",
    ];
    let mut leaks = Vec::new();
    for path in [
        dir.path().to_path_buf(),
        dir.path().join("app/src/main/resources/application.yml"),
    ] {
        leaks.extend(leaks_in_every_format(&path, &secrets));
    }
    // The imported files are read: their findings are there.
    let human = check(dir.path(), &["-f", "human"]).stdout;
    for finding in [
        "pool-size-invalid",
        "hikari-max-lifetime-below-minimum",
        "db.properties",
        "nested.yml",
    ] {
        assert!(human.contains(finding), "{finding}:\n{human}");
    }
    assert!(leaks.is_empty(), "{leaks:#?}");
}

#[test]
fn secrets_in_every_format_never_reach_any_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |rel: &str, text: &str| write_file(dir.path(), rel, text);
    // Each secret sits on a finding's line or next to one, so the human snippets show
    // its line (checked below): the credentials rule's own findings, or others placed
    // beside forms it does not report.
    write("a/application.yml", "spring:\n  datasource:\n    url: jdbc:postgresql://u:YamlUrl-Secret1@db/x?password=YamlParam-Secret2\n    password: YamlKey-Secret3\n    hikari:\n      password: ${DB_PW:YamlDefault-Secret20}\n      max-lifetime: 10000\n");
    write("b/application.properties", "spring.datasource.password=Props-Secret4\nspring.datasource.url=postgres://u:PropsUrl-Secret5@db/x\n");
    // PgBouncer: spaces around `=`, and a quoted password with a space.
    write(
        "c/pgbouncer.ini",
        "[databases]\nusers = host=db password=Bouncer-Secret6\nspaced = host=db password = BouncerSpaced-Secret21 pool_size=5\nquoted = host=db password='BouncerQuoted-Secret22 BouncerQuotedToo-Secret45' pool_size=5\n[pgbouncer]\nauth_type = trust\nauth_password = BouncerAuth-Secret23\n",
    );
    write("d/postgresql.conf", "primary_conninfo = 'host=primary user=rep password=PgConninfo-Secret24'\nmax_connectionz = 5\n");
    write(
        "e/my.cnf",
        "[mysqld]\nmax_connectionz = 1\npassword = MyServer-Secret25\n",
    );
    // A client group has no finding of its own: a parse error shows the line above.
    write(
        "f/my.cnf",
        "[client]\npassword=MyClient-Secret26\n[broken\n",
    );
    write("g/knexfile.json", "{\n  \"client\": \"pg\",\n  \"connection\": \"postgres://u:KnexUrl-Secret27@db/x\",\n  \"pool\": {\"min\": 5, \"max\": 10}\n}\n");
    write("h/knexfile.json", "{\"production\": {\"client\": \"pg\", \"connection\": {\"host\": \"db\", \"password\": \"KnexKey-Secret28\"}, \"pool\": {\"min\": 1}}}\n");
    write("l/config/config.json", "{\"production\": {\"dialect\": \"postgres\", \"password\": \"Sequelize-Secret29\", \"pool\": {\"max\": 0}}}\n");
    write("m/ormconfig.json", "{\"type\": \"postgres\", \"entities\": [], \"url\": \"postgres://u:TypeOrm-Secret30@db/x\"}\n");
    write(
        "n/config/default.json",
        "{\"db\": {\"connectionString\": \"postgres://u:NodePg-Secret31@db/x\", \"max\": 0}}\n",
    );
    write("o/appsettings.json", "{\"ConnectionStrings\": {\n  \"Url\": \"postgres://u:DotnetUrl-Secret32@db/x\",\n  \"Main\": \"Host=db;Password=Dotnet-Secret33;Maximum Pool Size=0\"\n}}\n");
    write("p/.env", "DB_PASSWORD=Env-Secret34\nDATABASE_URL=postgresql://app:EnvUrl-Secret35@db:5432/app?connection_limit=5\n");
    write("q/config/database.yml", "production:\n  adapter: postgresql\n  url: \"postgres://u:RailsUrl-Secret36@db/x\"\n  password: RailsKey-Secret37\n");
    // Compose `environment` as a list and as a map.
    write("i/docker-compose.yml", "services:\n  db:\n    image: postgres:16\n    environment:\n      - POSTGRES_PASSWORD=Compose-Secret15\n      - SPRING_DATASOURCE_HIKARI_MINIMUM_IDLE=-1\n      - DATABASE_URL=postgres://u:ComposeList-Secret38@db/x\n      - SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE=0\n  app:\n    image: app\n    environment:\n      SPRING_DATASOURCE_PASSWORD: ComposeSpring-Secret16\n      DATABASE_URL: postgres://u:ComposeMap-Secret39@db/x\n      SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE: \"0\"\n      DB_PASSWORD: ComposeMapKey-Secret40\n");
    // A ConfigMap's plain values around the one a workload reads (a finding), and
    // literal `env` values beside findings.
    write("j/configmap.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  application.yml: |\n    spring:\n      datasource:\n        password: ConfigMap-Secret17\n  DATABASE_URL: postgres://u:ConfigMapUrl-Secret41@db/x\n  size: \"0\"\n  DB_PASSWORD: ConfigMapKey-Secret42\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          env:\n            - name: SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE\n              valueFrom:\n                configMapKeyRef: {name: cfg, key: size}\n            - name: DATABASE_URL\n              value: postgres://u:K8sEnvUrl-Secret43@db/x\n            - {name: SPRING_DATASOURCE_HIKARI_MINIMUM_IDLE, value: \"-1\"}\n            - name: DB_PASSWORD\n              value: K8sEnvKey-Secret44\n            - {name: SPRING_DATASOURCE_HIKARI_MAX_LIFETIME, value: \"10000\"}\n");
    // Findings on values read from a Secret: their snippets show the lines above, the
    // Secret's other values, masked (`other` is base64 of "K8sData-Secret19", `idle`
    // of "-1").
    write("k/app.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  other: SzhzRGF0YS1TZWNyZXQxOQ==\n  idle: LTE=\nstringData:\n  password: K8sString-Secret18\n  lifetime: \"10000\"\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          env:\n            - name: SPRING_DATASOURCE_HIKARI_MAX_LIFETIME\n              valueFrom:\n                secretKeyRef:\n                  name: db\n                  key: lifetime\n            - name: SPRING_DATASOURCE_HIKARI_MINIMUM_IDLE\n              valueFrom:\n                secretKeyRef: {name: db, key: idle}\n");
    // What no reader reads, shown beside findings: a comment, a compose `command`,
    // Kubernetes `args`; and URL passwords with an unencoded `/` or `?`, which no driver
    // reads as a password (the text's shape is masked: `redact::credential_spans`).
    write("r/application.yml", "spring:\n  datasource:\n    url: jdbc:postgresql://u:Slash/Url-Secret46@db:5432/app\n    hikari:\n      # password: Comment-Secret47\n      maximum-pool-size: 0\n");
    write(
        "s/application.properties",
        "spring.datasource.url=jdbc:postgresql://u:Question?Url-Secret48@db/app\n",
    );
    write("t/docker-compose.yml", "services:\n  app:\n    image: app\n    environment:\n      SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE: \"0\"\n    command: [\"./run\", \"--db\", \"postgres://admin:ComposeCommand-Secret49@db/app\"]\n");
    // Driver and command-line forms: Oracle's thin URL, braced values (SQL Server JDBC,
    // ODBC), Npgsql's `PSW`, MariaDB's `pass` prefix, the MySQL client's `-p`, an
    // option's next argument.
    write("v/application.properties", "spring.datasource.url=jdbc:oracle:thin:scott/Oracle-Secret52@db:1521/ORCL\nspring.datasource.hikari.maximum-pool-size=0\n");
    write("w/application.properties", "spring.datasource.url=jdbc:sqlserver://db:1433;databaseName=x;user=u;password={Braced;Secret53}\n");
    write("x/appsettings.json", "{\"ConnectionStrings\": {\n  \"C\": \"Host=db;Username=u;PSW=Psw-Secret54\",\n  \"D\": \"Driver={PostgreSQL Unicode};Server=db;Uid=u;Pwd={Odbc;Secret55};Maximum Pool Size=0\"\n}}\n");
    write("y/my.cnf", "[client]\npass=MariaPrefix-Secret56\n[broken\n");
    write("z/docker-compose.yml", "services:\n  app:\n    image: app\n    environment:\n      - SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE=0\n    command: mysqladmin ping -uroot -pMysqlFlag-Secret57\n  worker:\n    image: app\n    environment:\n      - SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE=0\n    entrypoint: [\"psql\", \"--password\", \"NextArg-Secret58\"]\n");
    // A `.env` quoted value over two lines (dotenv and compose read it so), a finding
    // on the line after it.
    write("p2/.env", "DB_PASSWORD=\"Multi-Secret59\nLine-Secret60\"\nDATABASE_URL=postgresql://app:EnvNext-Secret61@db:5432/app\n");
    // Passwords over several lines in files a ConfigMap embeds (a quoted and a plain
    // YAML scalar, a PgBouncer quoted value, a `.env` quoted value, a `.properties`
    // continuation, a folded block), in text no reader reads (`settings.env`), and after
    // an unclosed quote in files that do not parse: every line is masked. Each later
    // line sits next to a finding's line, so the snippets show it.
    write("j2/configmap.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  application.yml: |\n    spring:\n      datasource:\n        password: \"CmQuoted-Secret62\n          CmQuotedCont-Secret63\"\n        hikari:\n          maximum-pool-size: 0\n          password: CmPlain-Secret64\n            CmPlainCont-Secret65\n  pgbouncer.ini: |\n    [databases]\n    app = host=db password='CmBouncer-Secret66\n      CmBouncerCont-Secret67' pool_size=5\n  .env: |\n    DB_PASSWORD=\"CmEnv-Secret68\n    CmEnvCont-Secret69\"\n  application.properties: |\n    spring.datasource.password=CmProps-Secret70\\\n      CmPropsCont-Secret71\n  settings.env: |\n    DB_PASSWORD=\"CmText-Secret72\n    CmTextCont-Secret73\"\n  size: \"0\"\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          env:\n            - name: SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE\n              valueFrom:\n                configMapKeyRef: {name: cfg, key: size}\n");
    write("j3/configmap.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  application.yaml: >\n    spring:\n      datasource:\n        password: \"CmFolded-Secret74\n          CmFoldedCont-Secret75\"\n");
    write("a2/application.yml", "spring:\n  datasource:\n    password: \"Unclosed-Secret76\n      UnclosedCont-Secret77\n  hikari: [\n");
    write("c2/pgbouncer.ini", "[databases]\napp = host=db password='IniUnclosed-Secret78\n  IniUnclosedCont-Secret79\n[pgbouncer]\n");
    // A TLS client key's passphrase and an inline PEM private key (node-postgres
    // `ssl`), beside the finding on `rejectUnauthorized`; `.env`, compose and Kubernetes
    // passphrases, credentials and encrypted passwords beside findings; a PEM key over
    // lines; Spring keys no reader reads (masked by their shape).
    write("n2/knexfile.json", "{\n  \"production\": {\n    \"client\": \"pg\",\n    \"connection\": {\n      \"host\": \"db.internal\",\n      \"ssl\": {\n        \"passphrase\": \"KnexPassphrase-Secret80\",\n        \"rejectUnauthorized\": false,\n        \"key\": \"-----BEGIN PRIVATE KEY-----\\nKnexPem-Secret81\\n-----END PRIVATE KEY-----\"\n      }\n    },\n    \"pool\": {\"min\": 0, \"max\": 10}\n  }\n}\n");
    write("p3/.env", "DB_SSL_KEY_PASSPHRASE=EnvPassphrase-Secret82\nDATABASE_URL=\"postgresql://db.internal:5432/app?sslmode=disable\"\nDB_CREDENTIALS=EnvCredentials-Secret83\n");
    write("p4/.env", "DB_PWD_ENC=EnvPwdEnc-Secret84\nDATABASE_URL=\"postgresql://db.internal:5432/app?sslmode=disable\"\nDB_SSL_KEY=\"-----BEGIN ENCRYPTED PRIVATE KEY-----EnvPem-Secret85\nEnvPemCont-Secret86\n-----END ENCRYPTED PRIVATE KEY-----\"\n");
    // A credentials variable naming a key file is a path, shown as written.
    write("p5/.env", "GOOGLE_APPLICATION_CREDENTIALS=/run/secrets/gcp-sa.json\nDATABASE_URL=\"postgresql://db.internal:5432/app?sslmode=disable\"\n");
    write("i2/docker-compose.yml", "services:\n  app:\n    image: app\n    environment:\n      DB_SSL_KEY_PASSPHRASE: ComposePassphrase-Secret87\n      SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE: \"0\"\n      DB_PWD_ENC: ComposePwdEnc-Secret88\n");
    write("u2/deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          env:\n            - {name: DB_SSL_KEY_PASSPHRASE, value: K8sPassphrase-Secret89}\n            - {name: SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE, value: \"0\"}\n            - {name: DB_CREDENTIALS, value: K8sCredentials-Secret90}\n");
    write("a3/application.yml", "spring:\n  datasource:\n    hikari:\n      key-passphrase: SpringPassphrase-Secret91\n      maximum-pool-size: 0\n      ssl-key: \"-----BEGIN RSA PRIVATE KEY-----\\nSpringPem-Secret92\\n-----END RSA PRIVATE KEY-----\"\n");
    write("j4/configmap.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  DB_SSL_KEY_PASSPHRASE: CmPassphrase-Secret93\n  size: \"0\"\n  DB_CREDENTIALS: CmCredentials-Secret94\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          env:\n            - name: SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE\n              valueFrom:\n                configMapKeyRef: {name: cfg, key: size}\n");
    write("u/deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          env:\n            - {name: SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE, value: \"0\"}\n          args: [\"--url=postgres://a:K8sArgs-Secret50@db/app\", \"PGPASSWORD=K8sArgsKey-Secret51\"]\n");
    // Passwords written as Ruby beside Puma's `threads` (a finding's label) and an ERB
    // control tag beside a Rails pool finding.
    write("q2/config/database.yml", "production:\n  adapter: postgresql\n  <% ENV[\"DB_PASSWORD\"] ||= \"ErbControl-Secret95\" %>\n  pool: 2\n");
    write("q2/config/puma.rb", "ENV[\"DATABASE_PASSWORD\"] ||= \"PumaOr-Secret96\"\nthreads 10, 10\nENV.store(\"DB_PASSWORD\", \"PumaStore-Secret97\")\n");
    write(
        "q3/config/database.yml",
        "production:\n  adapter: postgresql\n  pool: 2\n",
    );
    write("q3/config/puma.rb", "ENV['DB_PASSWORD'] = 'PumaAssign-Secret98'\nthreads 10, 10\nENV.fetch(\"DB_PASSWORD\", \"PumaFetch-Secret99\")\n");
    write(
        "q4/config/database.yml",
        "production:\n  adapter: postgresql\n  pool: 2\n",
    );
    write(
        "q4/config/puma.rb",
        "ENV.fetch(\"DB_PASSWORD\") { \"PumaBlock-Secret100\" }\nthreads 10, 10\nENV.fetch \"DB_PASSWORD\", \"PumaNoParen-Secret101\"\n",
    );
    write(
        "q5/config/database.yml",
        "production:\n  adapter: postgresql\n  pool: 2\n",
    );
    write("q5/config/puma.rb", "ENV.fetch(\"DB_PASSWORD\") do \"PumaDo-Secret102\" end\nthreads 10, 10\nconnect(\"password\" => \"PumaHash-Secret103\")\n");
    // Ruby's percent literals and heredocs: in puma.rb and an ERB tag. The heredoc's
    // line is all secret, shown beside an unused suppression's finding.
    write(
        "q6/config/database.yml",
        "production:\n  adapter: postgresql\n  <% ENV[\"DB_PASSWORD\"] ||= %(ErbPercent-Secret104) %>\n  pool: 2\n",
    );
    write("q6/config/puma.rb", "ENV[\"DB_PASSWORD\"] ||= %q(PumaPercentQ-Secret105)\nthreads 10, 10\nENV.fetch(\"DB_PASSWORD\") { %Q[PumaPercentQQ-Secret106 (x)] }\n");
    write(
        "q7/config/database.yml",
        "production:\n  adapter: postgresql\n  pool: 2\n",
    );
    write("q7/config/puma.rb", "ENV[\"DB_PASSWORD\"] = <<~EOS.chomp # poollint: ignore[pool-unbounded]\n  PumaHeredoc-Secret107\nEOS\nthreads 10, 10\nENV.store(\"DB_PASSWORD\", %|PumaPercentBar-Secret108|)\n");
    let secrets = [
        ("k/app.yaml", "K8sString-Secret18"),
        ("k/app.yaml", "SzhzRGF0YS1TZWNyZXQxOQ=="),
        ("i/docker-compose.yml", "Compose-Secret15"),
        ("i/docker-compose.yml", "ComposeSpring-Secret16"),
        ("i/docker-compose.yml", "ComposeList-Secret38"),
        ("i/docker-compose.yml", "ComposeMap-Secret39"),
        ("i/docker-compose.yml", "ComposeMapKey-Secret40"),
        ("j/configmap.yaml", "ConfigMap-Secret17"),
        ("j/configmap.yaml", "ConfigMapUrl-Secret41"),
        ("j/configmap.yaml", "ConfigMapKey-Secret42"),
        ("j/configmap.yaml", "K8sEnvUrl-Secret43"),
        ("j/configmap.yaml", "K8sEnvKey-Secret44"),
        ("a/application.yml", "YamlUrl-Secret1"),
        ("a/application.yml", "YamlParam-Secret2"),
        ("a/application.yml", "YamlKey-Secret3"),
        ("a/application.yml", "YamlDefault-Secret20"),
        ("b/application.properties", "Props-Secret4"),
        ("b/application.properties", "PropsUrl-Secret5"),
        ("c/pgbouncer.ini", "Bouncer-Secret6"),
        ("c/pgbouncer.ini", "BouncerSpaced-Secret21"),
        ("c/pgbouncer.ini", "BouncerQuoted-Secret22"),
        ("c/pgbouncer.ini", "BouncerQuotedToo-Secret45"),
        ("c/pgbouncer.ini", "BouncerAuth-Secret23"),
        ("d/postgresql.conf", "PgConninfo-Secret24"),
        ("e/my.cnf", "MyServer-Secret25"),
        ("f/my.cnf", "MyClient-Secret26"),
        ("g/knexfile.json", "KnexUrl-Secret27"),
        ("h/knexfile.json", "KnexKey-Secret28"),
        ("l/config/config.json", "Sequelize-Secret29"),
        ("m/ormconfig.json", "TypeOrm-Secret30"),
        ("n/config/default.json", "NodePg-Secret31"),
        ("o/appsettings.json", "DotnetUrl-Secret32"),
        ("o/appsettings.json", "Dotnet-Secret33"),
        ("p/.env", "Env-Secret34"),
        ("p/.env", "EnvUrl-Secret35"),
        ("q/config/database.yml", "RailsUrl-Secret36"),
        ("q/config/database.yml", "RailsKey-Secret37"),
        ("r/application.yml", "Slash/Url-Secret46"),
        ("r/application.yml", "Comment-Secret47"),
        ("s/application.properties", "Question?Url-Secret48"),
        ("t/docker-compose.yml", "ComposeCommand-Secret49"),
        ("u/deploy.yaml", "K8sArgs-Secret50"),
        ("u/deploy.yaml", "K8sArgsKey-Secret51"),
        ("v/application.properties", "Oracle-Secret52"),
        ("w/application.properties", "Braced;Secret53"),
        ("x/appsettings.json", "Psw-Secret54"),
        ("x/appsettings.json", "Odbc;Secret55"),
        ("y/my.cnf", "MariaPrefix-Secret56"),
        ("z/docker-compose.yml", "MysqlFlag-Secret57"),
        ("z/docker-compose.yml", "NextArg-Secret58"),
        ("p2/.env", "Multi-Secret59"),
        ("p2/.env", "EnvNext-Secret61"),
        ("j2/configmap.yaml", "CmQuoted-Secret62"),
        ("j2/configmap.yaml", "CmPlain-Secret64"),
        ("j2/configmap.yaml", "CmBouncer-Secret66"),
        ("j2/configmap.yaml", "CmEnv-Secret68"),
        ("j2/configmap.yaml", "CmProps-Secret70"),
        ("j3/configmap.yaml", "CmFolded-Secret74"),
        ("a2/application.yml", "Unclosed-Secret76"),
        ("c2/pgbouncer.ini", "IniUnclosed-Secret78"),
        ("n2/knexfile.json", "KnexPassphrase-Secret80"),
        ("n2/knexfile.json", "KnexPem-Secret81"),
        ("p3/.env", "EnvPassphrase-Secret82"),
        ("p3/.env", "EnvCredentials-Secret83"),
        ("p4/.env", "EnvPwdEnc-Secret84"),
        ("p4/.env", "EnvPem-Secret85"),
        ("i2/docker-compose.yml", "ComposePassphrase-Secret87"),
        ("i2/docker-compose.yml", "ComposePwdEnc-Secret88"),
        ("u2/deploy.yaml", "K8sPassphrase-Secret89"),
        ("u2/deploy.yaml", "K8sCredentials-Secret90"),
        ("a3/application.yml", "SpringPassphrase-Secret91"),
        ("a3/application.yml", "SpringPem-Secret92"),
        ("j4/configmap.yaml", "CmPassphrase-Secret93"),
        ("j4/configmap.yaml", "CmCredentials-Secret94"),
        ("q2/config/database.yml", "ErbControl-Secret95"),
        ("q2/config/puma.rb", "PumaOr-Secret96"),
        ("q2/config/puma.rb", "PumaStore-Secret97"),
        ("q3/config/puma.rb", "PumaAssign-Secret98"),
        ("q3/config/puma.rb", "PumaFetch-Secret99"),
        ("q4/config/puma.rb", "PumaBlock-Secret100"),
        ("q4/config/puma.rb", "PumaNoParen-Secret101"),
        ("q5/config/puma.rb", "PumaDo-Secret102"),
        ("q5/config/puma.rb", "PumaHash-Secret103"),
        ("q6/config/database.yml", "ErbPercent-Secret104"),
        ("q6/config/puma.rb", "PumaPercentQ-Secret105"),
        ("q6/config/puma.rb", "PumaPercentQQ-Secret106"),
        ("q7/config/puma.rb", "PumaPercentBar-Secret108"),
    ];
    let mut leaks = Vec::new();
    for format in [
        "human", "concise", "json", "sarif", "github", "rdjson", "rdjsonl", "gitlab", "junit",
    ] {
        let run = check(dir.path(), &["-f", format]);
        // A value's later lines are all secret: no snippet text to find them by below
        // (each is next to a finding's line, so the snippets show it). The first line
        // of `settings.env`'s password is not shown.
        let whole_lines = [
            ("p2/.env", "Line-Secret60"),
            ("j2/configmap.yaml", "CmQuotedCont-Secret63"),
            ("j2/configmap.yaml", "CmPlainCont-Secret65"),
            ("j2/configmap.yaml", "CmBouncerCont-Secret67"),
            ("j2/configmap.yaml", "CmEnvCont-Secret69"),
            ("j2/configmap.yaml", "CmPropsCont-Secret71"),
            ("j2/configmap.yaml", "CmText-Secret72"),
            ("j2/configmap.yaml", "CmTextCont-Secret73"),
            ("j3/configmap.yaml", "CmFoldedCont-Secret75"),
            ("a2/application.yml", "UnclosedCont-Secret77"),
            ("c2/pgbouncer.ini", "IniUnclosedCont-Secret79"),
            ("p4/.env", "EnvPemCont-Secret86"),
            ("q7/config/puma.rb", "PumaHeredoc-Secret107"),
        ];
        for (_, secret) in secrets.iter().chain(&whole_lines) {
            if run.stdout.contains(secret) || run.stderr.contains(secret) {
                leaks.push(format!("{format} leaks {secret}"));
            }
        }
    }
    assert!(leaks.is_empty(), "{leaks:#?}");
    // The human snippets show every secret's line: the text before the secret (after
    // any other secret, up to an opening quote or brace that a masked value may take
    // with it).
    let human = check(dir.path(), &["-f", "human"]).stdout;
    for (path, secret) in secrets {
        let text = std::fs::read_to_string(dir.path().join(path)).expect("read");
        let line = text.lines().find(|l| l.contains(secret)).expect("planted");
        let mut before = &line[..line.find(secret).unwrap()];
        let mut after_another = false;
        for (_, other) in secrets {
            if let Some(at) = before.rfind(other) {
                before = &before[at + other.len()..];
                after_another = true;
            }
        }
        let before = before.trim_start().trim_end_matches(['"', '\'', '{']);
        assert!(
            (after_another || !before.is_empty()) && human.contains(before),
            "no snippet shows the line of {secret} ({before:?}):\n{human}"
        );
    }
    // The credentials rule points at the password itself, inside URLs and quoted
    // values too, and compose database URLs; passwords of MySQL option files,
    // PostgreSQL's `primary_conninfo`, compose password variables, Kubernetes
    // variables and ConfigMap values are masked, not reported.
    let out = tempfile::tempdir().expect("temp dir");
    let json_path = out.path().join("report.json");
    let format = format!("json={}", json_path.display());
    check(dir.path(), &["-f", &format]);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).expect("report")).expect("JSON");
    let reported: Vec<(String, String)> = json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["rule"] == "plaintext-credentials-in-pool-config")
        .map(|d| {
            let path = d["path"].as_str().expect("path");
            let rel = path
                .strip_prefix(dir.path().to_str().expect("utf-8"))
                .unwrap_or(path)
                .trim_start_matches('/')
                .to_owned();
            let text = std::fs::read_to_string(dir.path().join(&rel)).expect("read");
            let span = |end: &str| d["span"][end].as_u64().expect("span") as usize;
            (rel, text[span("start")..span("end")].to_owned())
        })
        .collect();
    for (path, secret) in [
        ("g/knexfile.json", "KnexUrl-Secret27"),
        ("m/ormconfig.json", "TypeOrm-Secret30"),
        ("o/appsettings.json", "DotnetUrl-Secret32"),
        ("c/pgbouncer.ini", "BouncerSpaced-Secret21"),
        (
            "c/pgbouncer.ini",
            "BouncerQuoted-Secret22 BouncerQuotedToo-Secret45",
        ),
        ("q/config/database.yml", "RailsUrl-Secret36"),
        ("a/application.yml", "YamlDefault-Secret20"),
        ("p/.env", "EnvUrl-Secret35"),
        ("i/docker-compose.yml", "ComposeList-Secret38"),
        ("i/docker-compose.yml", "ComposeMap-Secret39"),
    ] {
        assert!(
            reported.contains(&(path.to_owned(), secret.to_owned())),
            "{secret} in {path} not reported at its span: {reported:?}"
        );
    }
    for masked_only in [
        "PgConninfo-Secret24",
        "MyServer-Secret25",
        "MyClient-Secret26",
        "Compose-Secret15",
        "ComposeMapKey-Secret40",
        "ConfigMapUrl-Secret41",
        "ConfigMapKey-Secret42",
        "K8sEnvUrl-Secret43",
        "K8sEnvKey-Secret44",
        "K8sString-Secret18",
        // A passphrase, a private key, credentials or an encrypted password is masked,
        // not reported as a database password.
        "KnexPassphrase-Secret80",
        "EnvPassphrase-Secret82",
        "EnvCredentials-Secret83",
        "EnvPwdEnc-Secret84",
        "ComposePassphrase-Secret87",
        "ComposePwdEnc-Secret88",
        "K8sPassphrase-Secret89",
        "K8sCredentials-Secret90",
        "SpringPassphrase-Secret91",
        "CmPassphrase-Secret93",
        "CmCredentials-Secret94",
    ] {
        assert!(
            reported.iter().all(|(_, text)| text != masked_only),
            "{masked_only} is reported: {reported:?}"
        );
    }
    assert!(
        human.contains("GOOGLE_APPLICATION_CREDENTIALS=/run/secrets/gcp-sa.json"),
        "{human}"
    );
    // Values of a Secret under keys that are not passwords are masked in snippets but
    // not scrubbed from messages, which quote them.
    let run = check(dir.path(), &["-f", "concise"]);
    assert!(
        run.stdout.contains("max-lifetime is 10000 ms"),
        "{}",
        run.stdout
    );
}

/// A monorepo's manifest declares thousands of tables (`poollint init` writes one per
/// application, database and pooler): checking with it must not compare every table
/// with every file read (that took over ten minutes for 10,000 files). Here 1,500
/// applications, each with its database and pooler, within the harness's time bound.
#[test]
fn a_manifest_of_thousands_of_tables_is_checked_without_hanging() {
    let dir = tempfile::tempdir().expect("temp dir");
    for i in 0..1500 {
        let app = dir.path().join(format!("svc{i}"));
        let resources = app.join("src/main/resources");
        std::fs::create_dir_all(&resources).expect("mkdir");
        std::fs::create_dir_all(app.join("db")).expect("mkdir");
        std::fs::write(
            resources.join("application.yml"),
            "spring:\n  datasource:\n    hikari:\n      max-lifetime: 10000\n",
        )
        .expect("write");
        std::fs::write(app.join("db/postgresql.conf"), "max_connections = 100\n").expect("write");
    }
    let init = Command::new(env!("CARGO_BIN_EXE_poollint"))
        .args(["init"])
        .arg(dir.path())
        .output()
        .expect("run init");
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    let manifest = std::fs::read_to_string(dir.path().join("poollint.toml")).expect("manifest");
    assert_eq!(manifest.matches("[[service]]").count(), 1500);
    let run = check(dir.path(), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        run.stdout
            .matches("error[hikari-max-lifetime-below-minimum]")
            .count(),
        1500,
        "{}",
        run.stderr
    );
    // Each unlinked service's note names the first few of the 1,500 databases, not all:
    // naming all was 48 MB of notes, quadratic in the tables.
    let notes = run.stderr.matches("has no connects-to").count();
    assert_eq!(notes, 1500);
    assert!(
        run.stderr.len() < notes * 1000,
        "{} bytes of notes",
        run.stderr.len()
    );
    assert!(run
        .stderr
        .contains("svc1005/db, declared and 1490 more) and no pooler"));
}

/// A manifest (`--config`) nested 100,000 deep (arrays, inline tables, a table header
/// and a dotted key of 100,000 parts): a configuration error at its place, exit 2.
#[test]
fn deeply_nested_toml_manifest_is_a_configuration_error() {
    let deep = 100_000;
    let keys = vec!["a"; deep].join(".");
    let cases = [
        (
            format!("a = {}1{}", "[".repeat(deep), "]".repeat(deep)),
            "poollint.toml:1:",
            "invalid TOML",
        ),
        (
            format!("a = {}1{}\n", "{a = ".repeat(deep), "}".repeat(deep)),
            "poollint.toml:1:405",
            "invalid TOML: cannot recurse further; max recursion depth met",
        ),
        (
            format!("[{keys}]\n"),
            "poollint.toml:1:1",
            "invalid TOML: recursion limit",
        ),
        (
            format!("{keys} = 1\n"),
            "poollint.toml:1:1",
            "invalid TOML: recursion limit",
        ),
    ];
    for (text, at, message) in cases {
        let dir = tempfile::tempdir().expect("temp dir");
        good_file(dir.path());
        let manifest = dir.path().join("poollint.toml");
        std::fs::write(&manifest, &text).expect("write");
        let run = check(
            dir.path(),
            &["--config", manifest.to_str().expect("utf-8 path")],
        );
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(
            run.stderr.contains(message) && run.stderr.contains(at),
            "{message} at {at}:\n{}",
            run.stderr
        );
    }
}

/// A manifest below the checked directory that names a file that does not exist: a
/// configuration error at the path in the manifest (exit 2); the files it does not
/// govern are still checked.
#[test]
fn a_manifest_naming_a_missing_file_is_an_error_at_its_place_and_the_run_goes_on() {
    let dir = tempfile::tempdir().expect("temp dir");
    good_file(dir.path());
    let team = dir.path().join("team");
    std::fs::create_dir_all(&team).expect("mkdir");
    std::fs::write(
        team.join("poollint.toml"),
        "[[service]]\nname = \"a\"\nconfig = [\"nope.yml\"]\n",
    )
    .expect("write");
    let run = check(dir.path(), &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("config `nope.yml` does not exist")
            && run.stderr.contains("team/poollint.toml:3:11]"),
        "{}",
        run.stderr
    );
    assert_good_file_checked(&run);
}

/// A long password of one repeated character: the matcher that finds secrets in
/// messages was built as a DFA, whose construction follows failure links for every
/// state (quadratic: 30 KB took 5 s in a release build).
#[test]
fn a_long_repetitive_password_is_masked_in_linear_time() {
    let text = format!("DB_PASSWORD={}\n", "x".repeat(200_000));
    let dir = tree(".env", text.as_bytes());
    let run = check(dir.path(), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("hostile/.env:1:13: warning[plaintext-credentials-in-pool-config]"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("xxxx"), "{}", run.stdout);
    assert_good_file_checked(&run);
}

/// A password nested 20,000 placeholder defaults deep (`${:${:…x}}`): resolving them
/// recursed once per level and overflowed the stack, aborting the whole run (no output,
/// the other application's finding lost). Past 32 levels the value is unknown.
#[test]
fn a_password_in_deeply_nested_placeholder_defaults_does_not_abort_the_run() {
    let depth = 20_000;
    let text = format!(
        "spring.datasource.password={}x{}\nspring.datasource.hikari.maximum-pool-size=0\n",
        "${:".repeat(depth),
        "}".repeat(depth)
    );
    let dir = tree("application.properties", text.as_bytes());
    let run = check(dir.path(), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("hostile/application.properties:2:44: error[pool-size-invalid]"),
        "{}",
        run.stdout
    );
    assert_good_file_checked(&run);
}

/// A Kubernetes value of 300,000 unclosed `$(`: each looked for its `)` to the end of
/// the value (quadratic: 3.5 s in a release build).
#[test]
fn unclosed_kubernetes_references_are_read_in_linear_time() {
    let text = format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 0\n  template:\n    spec:\n      containers:\n      - name: app\n        image: x\n        env:\n        - name: A\n          value: \"{}\"\n        - name: DB_PASSWORD\n          value: \"{}\"\n",
        "$(".repeat(300_000),
        "$(".repeat(300_000)
    );
    let dir = tree("deploy.yaml", text.as_bytes());
    let run = check(dir.path(), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!run.stdout.contains("hostile/"), "{}", run.stdout);
    assert_good_file_checked(&run);
}

/// The 1,000-file include bound counts every include read, also the repeats of one
/// directive in one file: 20,000 `include 'b.conf'` lines (PostgreSQL), `%include`
/// (PgBouncer) and `!include` (MySQL) lines read 1,000 files, not 20,000 (which took
/// 5 s and more, quadratically), and the first include not followed is a warning at
/// its place. A chain of 1,500 files (its end was once dropped without a word) stops
/// 10 includes deep, as every server stops, with a warning at its place.
#[test]
fn the_include_bound_counts_every_directive_and_says_where_it_stops() {
    let cases = [
        (
            "postgresql.conf",
            "include 'b.conf'\n",
            "b.conf",
            "max_connections = 100\n",
            "1001:9",
        ),
        (
            "pgbouncer.ini",
            "%include b.ini\n",
            "b.ini",
            "[pgbouncer]\nmax_client_conn = 100\n",
            "1001:10",
        ),
        (
            "my.cnf",
            "!include b.cnf\n",
            "b.cnf",
            "[mysqld]\nmax_connections = 100\n",
            "1001:10",
        ),
    ];
    for (name, line, included, text, at) in cases {
        let dir = tree(name, line.repeat(20_000).as_bytes());
        write_file(&dir.path().join("hostile"), included, text);
        let run = check(dir.path(), &[]);
        assert_eq!(run.code, 1, "{name}: {}", run.stderr);
        let expected = format!("hostile/{name}:{at}: warning[parse-error] ");
        assert_only_finding(&run, &format!("hostile/{name}"), &expected);
        // Each file once, however many times it is included.
        assert!(run.stdout.contains("in 3 files."), "{}", run.stdout);
    }
    // A chain: mysqld, as PostgreSQL and PgBouncer, stops 10 includes deep.
    let dir = tree("my.cnf", b"!include c1.cnf\n");
    let hostile = dir.path().join("hostile");
    for i in 1..1_500 {
        write_file(
            &hostile,
            &format!("c{i}.cnf"),
            &format!("!include c{}.cnf\n", i + 1),
        );
    }
    write_file(&hostile, "c1500.cnf", "[mysqld]\nmax_connections = 0\n");
    let run = check(dir.path(), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_only_finding(
        &run,
        "hostile/c10.cnf",
        "hostile/c10.cnf:1:10: warning[parse-error] !include `c11.cnf` not followed: this file is already 10 includes below the top file",
    );
}

/// Chains of merge keys, each mapping merging the one before (5,000 in 185 KB): the
/// merge bound is per file, not per mapping, so Spring (41 s and 5.9 GB before) and
/// Rails (6.4 s) read the file at once, as does a Rails file of wide merges; the pool
/// after them is read, and a note says merged entries were left out.
#[test]
fn chains_of_merge_keys_are_bounded_per_file_and_the_bound_is_noted() {
    let chain = |name: &str| {
        let mut text = format!("{name}0: &{name}0 {{k: 1}}\n");
        for i in 1..5_000 {
            let p = i - 1;
            text.push_str(&format!(
                "{name}{i}: &{name}{i}\n  <<: *{name}{p}\n  k{i}: 1\n"
            ));
        }
        text
    };
    let spring = chain("a") + "spring:\n  datasource:\n    hikari:\n      max-lifetime: 10000\n";
    let rails = chain("x") + "production: {adapter: postgresql, pool: 0}\n";
    // Wide instead of long: 400 environments each merging a 100-key mapping 100 times
    // (Rails' own merge walk, bounded per call, took 0.6 s in a release build).
    let base: Vec<String> = (0..100).map(|i| format!("k{i}: 1")).collect();
    let mut wide = format!("b: &b {{{}}}\n", base.join(", "));
    for i in 0..400 {
        let merges = vec!["*b"; 100].join(", ");
        wide.push_str(&format!("e{i}:\n  <<: [{merges}]\n  adapter: postgresql\n"));
    }
    wide.push_str("production: {adapter: postgresql, pool: 0}\n");
    let cases = [
        (
            "config/database.yml",
            wide,
            "config/database.yml:1202:41: error[pool-size-invalid]",
        ),
        (
            "application.yml",
            spring,
            "application.yml:15002:21: error[hikari-max-lifetime-below-minimum]",
        ),
        (
            "config/database.yml",
            rails,
            "config/database.yml:14999:41: error[pool-size-invalid]",
        ),
    ];
    for (name, text, expected) in cases {
        let dir = tree(name, text.as_bytes());
        let run = check(dir.path(), &[]);
        assert_eq!(run.code, 1, "{name}: {}", run.stderr);
        let path = format!("hostile/{name}");
        assert_only_finding(&run, &path, &format!("hostile/{expected}"));
        let note = format!("{path}: merge keys `<<` reach more than 50000 entries in this file, the most poollint follows; the entries merged past them are not read");
        assert!(run.stderr.contains(&note), "{name}: {}", run.stderr);
    }
}

/// The file's merge bound counts each mapping's merged entries once, however often the
/// readers look it up: a `database.yml` of 300 environments each merging one 60-key
/// `default` (18,600 merged entries) is read whole, though Rails walks each
/// environment's entries several times (it reached the 50,000 and lost the
/// environments after it).
#[test]
fn a_large_legitimate_merge_file_is_read_whole() {
    let keys: Vec<String> = (0..57).map(|i| format!("  key{i}: v{i}")).collect();
    let mut text = format!(
        "default: &default\n  adapter: postgresql\n  pool: 5\n  timeout: 5000\n{}\n",
        keys.join("\n")
    );
    for e in 0..300 {
        text.push_str(&format!("env{e}:\n  <<: *default\n  database: db{e}\n"));
    }
    text.push_str("production:\n  <<: *default\n  pool: 0\n");
    let dir = tree("config/database.yml", text.as_bytes());
    let run = check(dir.path(), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_only_finding(
        &run,
        "hostile/config/database.yml",
        "hostile/config/database.yml:964:9: error[pool-size-invalid]",
    );
    assert!(!run.stderr.contains("merge keys"), "{}", run.stderr);
}

/// Thousands of short references to one 64 KiB value (`$(V2)`, built in two steps of
/// eight): expansion is bounded per file (4 MiB of expanded values), not only per
/// value, so the 114 KB manifest no longer takes 396 MB; past the budget references
/// are left as written, as past the bound of a value: the pool size, a reference to a
/// 64,000-digit 0 read after the budget is spent, is reported as written.
#[test]
fn references_to_a_long_value_are_bounded_per_file() {
    let mut env = String::from("        - name: V0\n          value: \"");
    env.push_str(&"x".repeat(1_000));
    env.push_str("\"\n        - name: V1\n          value: \"");
    env.push_str(&"$(V0)".repeat(8));
    env.push_str("\"\n        - name: V2\n          value: \"");
    env.push_str(&"$(V1)".repeat(8));
    env.push_str(&format!(
        "\"\n        - {{name: Z, value: \"{}\"}}\n",
        "0".repeat(8_000)
    ));
    env.push_str(&format!(
        "        - {{name: P, value: \"{}\"}}\n",
        "$(Z)".repeat(8)
    ));
    for i in 5..3_000 {
        env.push_str(&format!("        - {{name: W{i}, value: $(V2)}}\n"));
    }
    env.push_str("        - {name: SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE, value: $(P)}\n");
    let manifest = format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: x\n        env:\n{env}"
    );
    let dir = tree("deploy.yaml", manifest.as_bytes());
    let run = check(dir.path(), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_only_finding(
        &run,
        "hostile/deploy.yaml",
        "hostile/deploy.yaml:3015:69: error[pool-size-invalid] maximum-pool-size `$(P)` cannot be read",
    );
}

/// Leaks a secret-redaction audit found, each planted once, checked in every format:
/// an auth file's line in a file PgBouncer includes, a `.pgpass` line postgresql.conf
/// includes (its parse error quoted the line), a Secret's annotations and the copy
/// `kubectl apply` keeps, a ConfigMap's `binaryData`, `ssl_passphrase_command` and
/// `wsrep_sst_auth`, a password YAML folds or a `.properties` line continues, one
/// shorter than 4 characters quoted in a message, and a UTF-16 file's first line.
#[test]
fn secrets_an_audit_found_shown_never_reach_any_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bouncer = "[databases]\napp = host=db dbname=app\n[pgbouncer]\npool_mode = session\nauth_file = userlist.txt\n%include userlist.txt\n";
    let last_applied = r#"{"apiVersion":"v1","kind":"Secret","data":{"DATABASE_URL":"cG9zdGdyZXM6Ly9hcHA6aHVudGVyMkBkYi9hcHA="}}"#;
    let secret = format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  annotations: {{kubectl.kubernetes.io/last-applied-configuration: '{last_applied}', note: Annot-Zq9-1}}\nstringData: {{pool: \"0\"}}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  size: \"0\"\nbinaryData: {{application.properties: c3ByaW5nLmRhdGFzb3VyY2UucGFzc3dvcmQ9QmluLVB3LTQ0Cg==}}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          env:\n            - {{name: SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE, valueFrom: {{secretKeyRef: {{name: db, key: pool}}}}}}\n");
    let files: Vec<(&str, String)> = vec![
        ("bouncer/pgbouncer.ini", bouncer.to_owned()),
        ("bouncer/userlist.txt", "\"app\" \"md5a3556571e93b0d20722ba62be61e8c2d\"\n".to_owned()),
        ("pg/postgresql.conf", "ssl_passphrase_command = 'echo Tr0ub4dor-key'\ninclude_if_exists 'pgpass'\nmax_connectionz = 5\n".to_owned()),
        ("pg/pgpass", "db.internal:5432:app:app:Pgpass-Pw-42\n".to_owned()),
        ("my/my.cnf", "[mysqld]\nwsrep_sst_auth = \"sstuser:Galera-Pw-77\"\nmax_connectionz = 5\n".to_owned()),
        ("k8s/db.yaml", secret),
        ("folded/application.yml", "spring:\n  datasource:\n    password: \"Corr3ct\n      Horse\"\n    hikari:\n      maximum-pool-size: ${spring.datasource.password}\n".to_owned()),
        ("cont/application.properties", "spring.datasource.password=ContZQ4\\\n    2ContZQ43\nspring.datasource.hikari.maximum-pool-size=${spring.datasource.password}\n".to_owned()),
        ("short/application.yml", "spring:\n  datasource:\n    password: x9!\n    hikari:\n      maximum-pool-size: ${spring.datasource.password}\n".to_owned()),
    ];
    for (path, text) in &files {
        write_file(dir.path(), path, text);
    }
    let utf16: Vec<u8> = "DB_PASSWORD=hunter2-utf16\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    std::fs::create_dir_all(dir.path().join("env")).expect("dir");
    std::fs::write(dir.path().join("env/.env"), utf16).expect("write");
    let secrets = [
        "a3556571e93b0d20722ba62be61e8c2d",
        "cG9zdGdyZXM6Ly9hcHA6aHVudGVyMkBkYi9hcHA",
        "Annot-Zq9-1",
        "c3ByaW5nLmRhdGFzb3VyY2UucGFzc3dvcmQ9QmluLVB3LTQ0Cg",
        "Tr0ub4dor",
        "Pgpass-Pw-42",
        "Galera-Pw-77",
        "Corr3ct Horse",
        "ContZQ42ContZQ43",
        "`x9!`",
        "h\0u\0n\0t\0e\0r",
        "h\u{FFFD}u\u{FFFD}n\u{FFFD}t",
    ];
    assert_eq!(
        leaks_in_every_format(dir.path(), &secrets),
        Vec::<String>::new()
    );
}

/// A Secret in a `List` inside a `List` (kubectl flattens nested lists), a root
/// `List`'s own `last-applied-configuration`, and auth-file lines PgBouncer skips
/// (`;`) or stops at (a quote never closed), each beside a finding so the human
/// snippet shows its line.
#[test]
fn secrets_in_nested_lists_and_skipped_auth_lines_never_reach_any_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    let deployment = "{apiVersion: apps/v1, kind: Deployment, metadata: {name: api}, spec: {template: {spec: {containers: [{name: api, env: [{name: SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE, value: \"0\"}]}]}}}}";
    let nested = "{apiVersion: v1, kind: List, items: [{apiVersion: v1, kind: Secret, metadata: {name: db}, stringData: {pool: Nested-Pw-77}}]}";
    let last_applied = r#"{"kind":"Secret","data":{"DATABASE_URL":"Um9vdExpc3RQdzU"}}"#;
    let list = format!("apiVersion: v1\nkind: List\nmetadata: {{annotations: {{kubectl.kubernetes.io/last-applied-configuration: '{last_applied}'}}}}\nitems: [{deployment}, {nested}]\n");
    write_file(dir.path(), "k8s/list.yaml", &list);
    write_file(dir.path(), "bouncer/pgbouncer.ini", "[databases]\napp = host=db dbname=app\n[pgbouncer]\npool_mode = session\n%include userlist.txt\n");
    write_file(
        dir.path(),
        "bouncer/userlist.txt",
        ";\"old\" \"md5Skipped0ldPw\"\n\"bob\" \"SCRAM-Unclosed-Pw\n",
    );
    let secrets = [
        "Nested-Pw-77",
        "Um9vdExpc3RQdzU",
        "md5Skipped0ldPw",
        "SCRAM-Unclosed-Pw",
    ];
    assert_eq!(
        leaks_in_every_format(dir.path(), &secrets),
        Vec::<String>::new()
    );
    // The nested list's Secret is read: its value is a secret the credentials scrub
    // knows, and the flattened Deployment is checked.
    let run = check(dir.path(), &[]);
    assert!(
        run.stdout.contains("k8s/list.yaml:4:") && run.stdout.contains("pool-size-invalid"),
        "{}",
        run.stdout
    );
}

/// `.env` values a compose file puts in a password's place outside `environment:` (a
/// `build.args` password, a `PGPASSWORD=$W` or `--db-password ${V}` in a command, a
/// healthcheck URL's password), each beside a finding in `.env` so the human snippet
/// shows its line.
#[test]
fn dotenv_values_compose_uses_as_passwords_never_reach_any_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    let compose = "services:\n  db:\n    image: postgres:16\n    command: postgres -c max_connections=5\n  app:\n    build:\n      context: .\n      args:\n        DB_PASSWORD: ${X}\n    entrypoint: [\"sh\", \"-c\", \"PGPASSWORD=$W psql && migrate --db-password ${V}\"]\n    healthcheck:\n      test: [\"CMD\", \"pg_isready\", \"-d\", \"postgresql://u:${H}@db/app\"]\n";
    write_file(dir.path(), "compose.yaml", compose);
    let mut env = String::new();
    for (name, value) in [
        ("X", "Zq41Val9"),
        ("W", "Zq43Val9"),
        ("V", "Zq44Val9"),
        ("H", "Zq45Val9"),
    ] {
        env.push_str(&format!(
            "{name}={value}\nDATABASE_URL_{name}=postgresql://u@db/app?connection_limit=0\n"
        ));
    }
    write_file(dir.path(), ".env", &env);
    let secrets = ["Zq41Val9", "Zq43Val9", "Zq44Val9", "Zq45Val9"];
    assert_eq!(
        leaks_in_every_format(dir.path(), &secrets),
        Vec::<String>::new()
    );
}

/// A fingerprint hashes a finding's values: one holding a password (a pool size taken
/// from it) was a hash of the password, recovered by trying candidates. Scrubbed
/// first, the fingerprint is the same whatever the password.
#[test]
fn fingerprints_do_not_depend_on_a_password() {
    // One directory: the fingerprint hashes the path too.
    let dir = tempfile::tempdir().expect("temp dir");
    let fingerprints = |password: &str| {
        let yml = format!("spring:\n  datasource:\n    password: {password}\n    hikari:\n      maximum-pool-size: ${{spring.datasource.password}}\n");
        write_file(dir.path(), "application.yml", &yml);
        // After the concise lines `check` asks for.
        let run = check(dir.path(), &["-f", "json"]);
        let json = run.stdout.get(run.stdout.find("{\n").expect("json")..);
        let report: serde_json::Value = serde_json::from_str(json.unwrap_or("")).expect("json");
        let found: Vec<String> = report["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .map(|d| d["fingerprint"].as_str().unwrap_or("").to_owned())
            .collect();
        assert!(!found.is_empty());
        found
    };
    assert_eq!(fingerprints("Zebra-2024"), fingerprints("Zebra-2025"));
}

/// Inputs whose cost grew with the square of their size, each now read in linear time
/// within the harness's bound (their sizes took 25 s to minutes in a release build
/// before): every file of a unit named on the command line (pre-commit's
/// `--all-files`: each name listed the directory and was tested against every other),
/// thousands of `spring.config.import`s of one directory, a compose `extends:` chain of
/// thousands of services, and masking thousands of password keys on one line.
#[test]
fn inputs_that_were_quadratic_are_read_in_linear_time() {
    let dir = tempfile::tempdir().expect("temp dir");
    let resources = "src/main/resources";
    write_file(
        dir.path(),
        &format!("{resources}/application.yml"),
        "spring.datasource.hikari.maximum-pool-size: 10\n",
    );
    let mut named = vec!["check".to_owned(), "-f".to_owned(), "concise".to_owned()];
    for i in 0..3000 {
        let name = format!("{resources}/application-p{i}.yml");
        write_file(
            dir.path(),
            &name,
            "spring:\n  datasource:\n    hikari:\n      maximum-pool-size: 5\n",
        );
        named.push(name);
    }
    let run = run_in(dir.path(), &named);
    assert_eq!(run.code, 0, "{}", run.stderr);

    let dir = tempfile::tempdir().expect("temp dir");
    let imports: Vec<String> = (0..8000)
        .map(|i| format!("optional:classpath:db{i}.properties"))
        .collect();
    write_file(
        dir.path(),
        &format!("{resources}/application.properties"),
        &format!(
            "spring.config.import={}\nspring.datasource.hikari.maximum-pool-size=10\n",
            imports.join(",")
        ),
    );
    for i in 0..8000 {
        write_file(
            dir.path(),
            &format!("{resources}/db{i}.properties"),
            "spring.datasource.hikari.idle-timeout=600000\n",
        );
    }
    assert_eq!(check(dir.path(), &[]).code, 0);

    let dir = tempfile::tempdir().expect("temp dir");
    // 3,000 services: 1.5 s in a debug build alone, linear; 8,000 took 4 s, and past the
    // bound with other suites on two loaded cores. The quadratic code took about 3 s
    // in a release build at this size, ten times that in a debug build.
    let mut compose = String::from("services:\n  s0:\n    image: app\n");
    for i in 1..3000 {
        compose.push_str(&format!("  s{i}:\n    extends: s{}\n", i - 1));
    }
    write_file(dir.path(), "compose.yaml", &compose);
    assert_eq!(check(dir.path(), &[]).code, 0);

    // Not ASCII, so every format reads the text again and masks it.
    let strings: Vec<String> = (0..40_000)
        .map(|i| format!("\"c{i}\": \"Host=h;Database=d;Password=secret{i}\""))
        .collect();
    let json = format!(
        "{{\"é\": 1, \"ConnectionStrings\": {{{}}}}}",
        strings.join(",")
    );
    let dir = tempfile::tempdir().expect("temp dir");
    write_file(dir.path(), "appsettings.json", &json);
    let run = check(dir.path(), &["--fail-on", "warning"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!run.stdout.contains("secret7"), "{}", run.stdout);
}

/// A long line beside findings is left out of their snippets: it was printed whole,
/// once per finding (100 findings beside a 1 MB line printed 100 MB).
#[test]
fn a_long_line_beside_findings_is_not_printed_with_each() {
    let keys: Vec<String> = (0..100).map(|i| format!("x{i}: 1")).collect();
    let text = format!(
        "spring.datasource.hikari: {{{}}}\n#{}\n",
        keys.join(", "),
        "y".repeat(1_000_000)
    );
    let dir = tempfile::tempdir().expect("temp dir");
    write_file(dir.path(), "application.yml", &text);
    let run = check(dir.path(), &["-f", "human", "--fail-on", "warning"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.len() < 1_000_000, "{} bytes", run.stdout.len());
    assert!(
        !run.stdout.contains("yyyyyyyyyy"),
        "the long line was shown"
    );
}

/// Leaks a second redaction audit found, each planted once and checked in every
/// format: an unquoted password starting with `*` (a YAML alias error quoted it), a
/// placeholder default of a `PASSWD`, `PGPASS`, `.pwd` or `_TOKEN` variable, a Secret's
/// `passwd` key used as a pool size, a password over lines with a blank line, a
/// commented-out `.pgpass` line, a key holding a password's shape, and a note naming
/// an include whose path holds one.
#[test]
fn secrets_a_second_audit_found_never_reach_any_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    let secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  passwd: WnE5SzAtcGFzc3dk\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          env:\n            - {name: SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE, valueFrom: {secretKeyRef: {name: db, key: passwd}}}\n";
    let files: Vec<(&str, &str)> = vec![
        ("alias/application.yml", "spring:\n  datasource:\n    password: *Zq9VerA\n"),
        ("passwd/application.yml", "spring:\n  datasource:\n    hikari:\n      maximum-pool-size: \"${DB_PASSWD:Zq9VerC}\"\n      minimum-idle: \"${APP_DB_TOKEN:Zq9Def-4}\"\n"),
        ("compose/compose.yaml", "services:\n  web:\n    image: app\n    deploy: {replicas: \"${PGPASS:-Zq9Tok-7}\"}\n"),
        ("k8s/app.yaml", secret),
        ("blank/application.yml", "spring:\n  datasource:\n    password: \"Blk1Line\n\n      Blk2Line\"\n    hikari:\n      maximum-pool-size: ${spring.datasource.password}\n"),
        ("bouncer/pgbouncer.ini", "[databases]\napp = host=db dbname=app\n[pgbouncer]\npool_mode = session\n%include extra.ini\n"),
        ("bouncer/extra.ini", "# db:5432:app:app:Commented6\n"),
        ("key/application.yml", "spring:\n  datasource:\n    hikari: {maximum-pool-size: 10, password:Zq9VerG}\n"),
        ("pg/postgresql.conf", "max_connections = 100\ninclude '/etc/pg/password=Zq9Inc-1.conf'\n"),
    ];
    for (path, text) in &files {
        write_file(dir.path(), path, text);
    }
    let secrets = [
        "Zq9VerA",
        "Zq9VerC",
        "Zq9Def-4",
        "Zq9Tok-7",
        "Zq9K0-passwd",
        "Blk1Line",
        "Commented6",
        "Zq9VerG",
        "Zq9Inc-1",
    ];
    assert_eq!(
        leaks_in_every_format(dir.path(), &secrets),
        Vec::<String>::new()
    );
}

/// A Kubernetes Secret whose file does not parse: no reader reads it, and its values
/// were shown in the snippet of its parse error.
#[test]
fn the_values_of_a_secret_that_does_not_parse_are_masked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  api-key: WnE5VmVyRQ==\nstringData:\n  url: StrSecret3\n  other: [\n";
    write_file(dir.path(), "k8s/secret.yaml", text);
    let leaks = leaks_in_every_format(dir.path(), &["WnE5VmVyRQ==", "StrSecret3"]);
    assert_eq!(leaks, Vec::<String>::new());
}

/// Leaks a third redaction audit found in the masking by the text's shape, each planted
/// beside a finding (or in a file that does not parse) and checked in every format: a
/// password of JSON written inside a string; a Kubernetes `value` beside a password
/// `name` and a compose variable named with `PASSWORD` before its end or as a secret
/// (`API_TOKEN`), in files that do not parse; a broken Secret in JSON style, with a
/// value on the line after its key, or in a block scalar; Oracle's quoted password;
/// sqlcmd's `-P`, redis-cli's `-a`, sshpass's `-p`; MySQL Shell's userinfo without a
/// scheme; and `.env` names with `PASS` before their end or `CREDENTIAL`.
#[test]
fn secrets_a_third_audit_found_in_shaped_text_never_reach_any_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    let files: Vec<(&str, &str)> = vec![
        ("json/docker-compose.yml", "services:\n  web:\n    image: app\n    environment:\n      DB_CONFIG: \"{\\\"user\\\":\\\"app\\\",\\\"password\\\":\\\"Lk1Json\\\"}\"\n      SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE: 0\n"),
        ("k8s/deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        env:\n        - name: SPRING_DATASOURCE_PASSWORD\n          value: Lk2Pair\n\t- name: X\n          value: \"0\"\n"),
        ("names/docker-compose.yml", "services:\n  web:\n    image: app\n    environment:\n      MYSQL_ROOT_PASSWORD_X: Lk3Name\n      API_TOKEN: Lk3Token\n      - bad\n"),
        ("names2/docker-compose.yml", "services:\n  web:\n    image: app\n    environment:\n      MYSQL_ROOT_PASSWORD_X: Lk3Name\n      - bad\n"),
        ("secret-json/secret.yaml", "{\"apiVersion\": \"v1\", \"kind\": \"Secret\", \"metadata\": {\"name\": \"db\"},\n \"data\": {\"DATABASE_URL\": \"TGs0SnNvbg==\",\n \"user\": \"TGs0VXNlcg==\",\n bad\n"),
        ("secret-next/secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  conn:\n    Lk5Next\n  x: y\n\tbad\n"),
        ("secret-block/secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  conn: |\n    Lk5Block1\n    Lk5Block2\n\tbad\n"),
        ("oracle/src/main/resources/application.properties", "spring.datasource.url=jdbc:oracle:thin:app/\"Lk6@Oracle\"@//db:1521/svc\nspring.datasource.hikari.maximum-pool-size=0\n"),
        ("clients/docker-compose.yml", "services:\n  web:\n    image: app\n    environment:\n      SPRING_DATASOURCE_HIKARI_MINIMUMIDLE: -5\n      CHECK_SQL: sqlcmd -S db -U sa -P Lk7Sqlcmd\n      SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE: 0\n      CHECK_REDIS: redis-cli -a Lk7Redis ping\n      SPRING_DATASOURCE_HIKARI_MAXLIFETIME: 1000\n      SYNC: sshpass -p Lk7Sshpass scp a b:/c\n      SPRING_DATASOURCE_HIKARI_CONNECTIONTIMEOUT: 10\n      SHELL: mysqlsh app:Lk8Shell@db\n      SPRING_DATASOURCE_HIKARI_IDLETIMEOUT: 1\n      SHELL2: mysqlsh --uri root:Lk8Uri@db:3306\n"),
        ("env/.env", "DB_PASS_PROD=Lk9Pass\nDATABASE_URL=postgresql://app@db/app?connection_limit=0\nDB_CREDENTIAL=Lk9Cred\n"),
    ];
    for (path, text) in &files {
        write_file(dir.path(), path, text);
    }
    let secrets = [
        "Lk1Json",
        "Lk2Pair",
        "Lk3Name",
        "Lk3Token",
        "TGs0SnNvbg==",
        "TGs0VXNlcg==",
        "Lk5Next",
        "Lk5Block1",
        "Lk5Block2",
        "Lk6@Oracle",
        "Lk7Sqlcmd",
        "Lk7Redis",
        "Lk7Sshpass",
        "Lk8Shell",
        "Lk8Uri",
        "Lk9Pass",
        "Lk9Cred",
    ];
    assert_eq!(
        leaks_in_every_format(dir.path(), &secrets),
        Vec::<String>::new()
    );
}

/// Secrets a third audit found that readers did not record, each checked in every
/// format: `ssl_passphrase_command` set twice (`duplicate-key-across-forms` quoted
/// both commands), the properties a Spring URL's password placeholders name (in the
/// userinfo and a `password=` parameter; set in `.yml` and `.properties`, and read as a
/// pool size), a password placeholder's default inside another placeholder or a longer
/// value (an all-letter one too, which the scrubber leaves inside a word), and a
/// Kubernetes anchor a password variable aliases.
#[test]
fn secrets_a_third_audit_found_never_reach_any_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    let deploy = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: app\n        env:\n        - {name: PGX, value: &pw Zq9Anchor-1}\n        - {name: SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE, value: \"0\"}\n        - name: SPRING_DATASOURCE_PASSWORD\n          value: *pw\n";
    let files: Vec<(&str, &str)> = vec![
        ("pg/postgresql.conf", "ssl_passphrase_command = 'echo Zq9Phrase-1'\nmax_connections = 100\nssl_passphrase_command = 'echo Zq9Phrase-2'\n"),
        ("url/src/main/resources/application.yml", "app:\n  db:\n    pw: Zq9UrlPw-1\n    secret: Zq9UrlPw-2\nspring:\n  datasource:\n    url: jdbc:postgresql://app:${app.db.pw}@db/app?password=${app.db.secret}\n    hikari:\n      maximum-pool-size: ${app.db.pw}\n"),
        ("url/src/main/resources/application.properties", "app.db.pw=Zq9UrlPw-3\n"),
        ("deep/src/main/resources/application.properties", "spring.datasource.url=jdbc:postgresql://db/app\nspring.datasource.hikari.maximum-pool-size=${POOL:${DB_PASSWORD:Zq9Deep-1}}\nspring.datasource.hikari.idle-timeout=${DB_PASSWORD:Zq9Deep-2}0\nspring.datasource.hikari.minimum-idle=${DB_PASSWORD:Zqxwvk}0\n"),
        ("k8s/deploy.yaml", deploy),
    ];
    for (path, text) in &files {
        write_file(dir.path(), path, text);
    }
    let secrets = [
        "Zq9Phrase-1",
        "Zq9Phrase-2",
        "Zq9UrlPw-1",
        "Zq9UrlPw-2",
        "Zq9UrlPw-3",
        "Zq9Deep-1",
        "Zq9Deep-2",
        // All letters: the scrubber leaves it inside a longer word (`Zqxwvk0`).
        "Zqxwvk",
        "Zq9Anchor-1",
    ];
    assert_eq!(
        leaks_in_every_format(dir.path(), &secrets),
        Vec::<String>::new()
    );
}
