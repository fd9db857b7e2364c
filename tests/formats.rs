//! Every output format on the same diagnostics: snapshots on a fixture set with
//! multi-byte characters, a multi-line span, a CRLF file and a label in another file;
//! clean runs; column units per format; SARIF and rdjson validated against their
//! schemas when `POOLLINT_SCHEMAS` points at them (CI sets it).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)] // tests fail by panicking

use std::path::Path;
use std::sync::OnceLock;

use proptest::strategy::Strategy as _;

use poollint::diagnostic::{Diagnostic, Label, Severity};
use poollint::model::Location;
use poollint::render::{self, OutputFormat, RenderContext, RunError, RunErrorAt, Summary};
use poollint::rules;
use poollint::source::{Encoding, SourceMap, Span};

const FORMATS: &[(OutputFormat, &str)] = &[
    (OutputFormat::Human, "human"),
    (OutputFormat::Concise, "concise"),
    (OutputFormat::Json, "json"),
    (OutputFormat::Sarif, "sarif"),
    (OutputFormat::Github, "github"),
    (OutputFormat::Rdjson, "rdjson"),
    (OutputFormat::Rdjsonl, "rdjsonl"),
    (OutputFormat::Gitlab, "gitlab"),
    (OutputFormat::Junit, "junit"),
];

const APP: &str = "# Zürich 🚀 service\nspring:\n  datasource:\n    hikari:\n      name: \"größe\" # ü\n      maximum-pool-size: 4\n      max-lifetime: 600\n";
const CRLF: &str = "[databases]\r\nusers = host=db\r\n[pgbouncer]\r\npool_mode = transaction\r\n";

fn span_of(text: &str, needle: &str) -> Span {
    let start = text.find(needle).expect("needle");
    Span::new(start, start + needle.len())
}

fn fixture() -> (SourceMap, Vec<Diagnostic>) {
    let mut sources = SourceMap::default();
    let app = sources.add(Path::new("svc/application.yml"), APP.into(), Encoding::Utf8);
    let bouncer = sources.add(Path::new("db/pgbouncer.ini"), CRLF.into(), Encoding::Utf8);
    let _clean = sources.add(
        Path::new("clean/application.yml"),
        "a: 1\n".into(),
        Encoding::Utf8,
    );
    let meta = |name: &str| rules::find(name).expect("rule").meta();
    let at = |file, span| Location { file, span };
    let saturated = Diagnostic::new(
        meta("pool-saturated-by-declared-load"),
        Severity::Error,
        at(app, span_of(APP, "4")),
        "pool maximum is 4 but the declared peak keeps 4 connections busy: \"quotes\", commas, colons: 100%",
    )
    .with_label("4 for 4 busy")
    .with_related(Some(at(bouncer, span_of(CRLF, "transaction"))), "pooler mode <transaction> & more")
    .with_help("set the pool maximum to at least 5")
    .with_key("spring.datasource.hikari.maximum-pool-size");
    let multi_line = Diagnostic::new(
        meta("hikari-max-lifetime-below-minimum"),
        Severity::Warning,
        at(app, span_of(APP, "\"größe\" # ü\n      maximum")),
        "a span over two lines after multi-byte text",
    );
    let info = Diagnostic::new(
        meta("pooled-connections-far-above-db-cores"),
        Severity::Info,
        at(bouncer, span_of(CRLF, "host=db")),
        "an info on a CRLF line",
    );
    // A fix that applies (the file holds `600` there) and one that does not (the file
    // does not hold `6`): only the first is offered.
    let fixable = Diagnostic::new(
        meta("hikari-idle-timeout-below-minimum"),
        Severity::Warning,
        at(app, span_of(APP, "600")),
        "a value with a fix",
    )
    .with_help("set it to at least 10000 (milliseconds)")
    .with_value_fix(at(app, span_of(APP, "600")), "600", "10000");
    let stale_fix = Diagnostic::new(
        meta("knex-min-nonzero"),
        Severity::Info,
        at(app, span_of(APP, "4")),
        "a fix that no longer matches the file",
    )
    .with_value_fix(at(app, span_of(APP, "4")), "6", "0");
    let mut diagnostics = vec![saturated, multi_line, info, fixable, stale_fix];
    poollint::diagnostic::check_fixes(&mut diagnostics, &sources);
    (sources, diagnostics)
}

fn render_all(sources: &SourceMap, diagnostics: &[Diagnostic]) -> Vec<(&'static str, String)> {
    render_all_with(sources, diagnostics, &[])
}

/// [`render_all`] of a run that `errors` stopped in part.
fn render_all_with(
    sources: &SourceMap,
    diagnostics: &[Diagnostic],
    errors: &[RunError],
) -> Vec<(&'static str, String)> {
    let ctx = RenderContext {
        sources,
        summary: Summary::of(sources.len(), diagnostics),
        color: false,
        width: 80,
        errors,
        context: &std::collections::HashSet::new(),
    };
    FORMATS
        .iter()
        .map(|(format, name)| (*name, render::render(*format, diagnostics, &ctx)))
        .collect()
}

#[test]
fn every_format_is_snapshotted() {
    let (sources, diagnostics) = fixture();
    for (name, text) in render_all(&sources, &diagnostics) {
        insta::assert_snapshot!(name, text);
    }
}

/// Identical findings in one file (the same bad value in three profile documents):
/// SARIF numbers the repeats of a partial fingerprint as GitLab does (code scanning
/// took them for one alert); JSON keeps the finding's own fingerprint on each.
#[test]
fn identical_findings_get_distinct_fingerprints_in_sarif_and_gitlab() {
    let (sources, diagnostics) = fixture();
    let same = vec![diagnostics[0].clone(); 3];
    let outputs = render_all(&sources, &same);
    let get = |n: &str| -> serde_json::Value {
        let text = outputs.iter().find(|(name, _)| *name == n).expect(n);
        serde_json::from_str(&text.1).expect("JSON")
    };
    let json = get("json");
    let base = json["diagnostics"][0]["fingerprint"]
        .as_str()
        .expect("fingerprint");
    let numbered = [base.to_owned(), format!("{base}-2"), format!("{base}-3")];
    let sarif = get("sarif");
    let sarif: Vec<&str> = (0..3)
        .map(|i| {
            sarif["runs"][0]["results"][i]["partialFingerprints"]["poollint/v1"]
                .as_str()
                .expect("partial fingerprint")
        })
        .collect();
    assert_eq!(sarif, numbered);
    let gitlab = get("gitlab");
    let gitlab: Vec<&str> = (0..3)
        .map(|i| gitlab[i]["fingerprint"].as_str().expect("fingerprint"))
        .collect();
    assert_eq!(gitlab, numbered);
    assert!((0..3).all(|i| json["diagnostics"][i]["fingerprint"] == base));
}

#[test]
fn clean_runs_are_valid_documents() {
    let (sources, _) = fixture();
    let outputs = render_all(&sources, &[]);
    let get = |n: &str| {
        outputs
            .iter()
            .find(|(name, _)| *name == n)
            .map(|(_, t)| t.clone())
            .unwrap_or_default()
    };
    let sarif: serde_json::Value = serde_json::from_str(&get("sarif")).expect("sarif JSON");
    assert_eq!(sarif["runs"][0]["results"], serde_json::json!([]));
    let gitlab: serde_json::Value = serde_json::from_str(&get("gitlab")).expect("gitlab JSON");
    assert_eq!(gitlab, serde_json::json!([]));
    let rdjson: serde_json::Value = serde_json::from_str(&get("rdjson")).expect("rdjson JSON");
    assert_eq!(rdjson["diagnostics"], serde_json::json!([]));
    assert_eq!(get("rdjsonl"), "");
    assert_eq!(get("github"), "");
    assert!(get("junit").contains("failures=\"0\""));
    assert!(get("human").contains("No problems found in 3 files."));
}

#[test]
fn columns_use_each_formats_unit() {
    let (sources, diagnostics) = fixture();
    let outputs = render_all(&sources, &diagnostics[1..2]);
    let get = |n: &str| {
        outputs
            .iter()
            .find(|(name, _)| *name == n)
            .map(|(_, t)| t.clone())
            .unwrap_or_default()
    };
    // `      name: "größe"`: the quote is the 13th character and the 13th byte; the span
    // ends on the next line after `      maximum` (14th character/byte, exclusive end).
    let sarif: serde_json::Value = serde_json::from_str(&get("sarif")).expect("sarif");
    let region = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 5);
    assert_eq!(region["startColumn"], 13);
    assert_eq!(region["endLine"], 6);
    assert_eq!(region["endColumn"], 14);
    assert_eq!(sarif["runs"][0]["columnKind"], "unicodeCodePoints");
    let rdjson: serde_json::Value = serde_json::from_str(&get("rdjson")).expect("rdjson");
    let range = &rdjson["diagnostics"][0]["location"]["range"];
    assert_eq!(range["start"]["column"], 13);
    assert_eq!(range["end"]["column"], 14);
    // GitHub reads columns only on one line: over two, they are left out.
    assert!(
        get("github").contains(",line=5,endLine=6,title="),
        "{}",
        get("github")
    );
    assert!(!get("github").contains("col="));
    // A span that starts after multi-byte characters: bytes and code points differ.
    let (sources, diagnostics) = fixture();
    let mut after_umlaut = diagnostics[1].clone();
    let start = APP.find("\" # ü").expect("quote");
    after_umlaut.primary.span = Span::new(start, start + 1);
    let outputs = render_all(&sources, std::slice::from_ref(&after_umlaut));
    let get = |n: &str| {
        outputs
            .iter()
            .find(|(name, _)| *name == n)
            .map(|(_, t)| t.clone())
            .unwrap_or_default()
    };
    let sarif: serde_json::Value = serde_json::from_str(&get("sarif")).expect("sarif");
    assert_eq!(
        sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startColumn"],
        19
    );
    let rdjson: serde_json::Value = serde_json::from_str(&get("rdjson")).expect("rdjson");
    assert_eq!(
        rdjson["diagnostics"][0]["location"]["range"]["start"]["column"],
        21
    );
    assert!(get("github").contains("col=19,"));
}

/// Every format's rendering of one finding on `needle` in a file of `text`.
fn render_one(name: &str, text: &str, needle: &str) -> Vec<(&'static str, String)> {
    let mut sources = SourceMap::default();
    let file = sources.add(Path::new(name), text.into(), Encoding::Utf8);
    let meta = rules::find("pool-size-invalid").expect("rule").meta();
    let at = Location {
        file,
        span: span_of(text, needle),
    };
    let diagnostic = Diagnostic::new(meta, Severity::Error, at, "the finding").with_label("here");
    render_all(&sources, &[diagnostic])
}

/// The start column of the finding in each format: `(format, column)`, in the format's
/// own unit (rdjson counts bytes, the others characters).
fn start_columns(outputs: &[(&'static str, String)]) -> Vec<(&'static str, String)> {
    let find = |text: &str, before: &str, after: &str| {
        let from = text.find(before).map(|i| i + before.len()).unwrap_or(0);
        let rest = text.get(from..).unwrap_or("");
        rest.get(..rest.find(after).unwrap_or(0))
            .unwrap_or("")
            .to_owned()
    };
    outputs
        .iter()
        .filter_map(|(name, text)| {
            let column = match *name {
                // `path:line:col: …` and `[path:line:col]`.
                "concise" => find(text, ":1:", ":"),
                "human" => find(text, ":1:", "]"),
                "junit" => find(text, ":1:", ":"),
                "json" => find(
                    &text.replace([' ', '\n'], ""),
                    "\"start\":{\"line\":1,\"column\":",
                    "}",
                ),
                "sarif" => find(&text.replace([' ', '\n'], ""), "\"startColumn\":", ","),
                "github" => find(text, "col=", ","),
                "rdjson" => find(
                    &text.replace([' ', '\n'], ""),
                    "\"start\":{\"column\":",
                    ",",
                ),
                _ => return None,
            };
            Some((*name, column))
        })
        .collect()
}

/// A BOM takes no column: a finding on line 1 after one is where it is without it, in
/// every format and unit (it took one character, and three bytes in rdjson).
#[test]
fn a_bom_takes_no_column_in_any_format() {
    let line = "spring.datasource.hikari.maximum-pool-size: 0\n";
    let with_bom = start_columns(&render_one(
        "application.yml",
        &format!("\u{feff}{line}"),
        "0",
    ));
    let without = start_columns(&render_one("application.yml", line, "0"));
    assert_eq!(with_bom, without);
    assert_eq!(with_bom.len(), 7);
    for (name, column) in &with_bom {
        assert_eq!(column, "45", "{name}");
    }
}

/// The human header's column counts characters, as every other format but rdjson does
/// (it counted bytes): `é` and `😀` are one column each.
#[test]
fn the_human_header_counts_characters() {
    let text = "a: {name: \"😀é\", maximum-pool-size: 0}\n";
    let columns = start_columns(&render_one("application.yml", text, "0}"));
    for (name, column) in &columns {
        let expected = if *name == "rdjson" { "40" } else { "36" };
        assert_eq!(column, expected, "{name}");
    }
}

/// A lone CR ends a line in the human snippets as everywhere else: each line is a row
/// of its own with its number, and no raw CR is printed (miette, which splits only at
/// LF, numbered the row 0 and showed every line of the file on it).
#[test]
fn human_snippets_end_lines_at_a_lone_cr() {
    let cases = [
        (
            "application.properties",
            "a.b=5\rspring.datasource.hikari.maximum-pool-size=0\rc.d=1\r",
        ),
        (
            "application.yml",
            "spring:\r  datasource:\r    hikari:\r      maximum-pool-size: 0\r      x: 1\r",
        ),
    ];
    for (name, text) in cases {
        let outputs = render_one(name, text, "0\r");
        let human = &outputs
            .iter()
            .find(|(n, _)| *n == "human")
            .expect("human")
            .1;
        assert!(!human.contains('\r'), "{name}: {human:?}");
        let rows: Vec<&str> = human.lines().filter(|l| l.contains(" │ ")).collect();
        let finding = text
            .split('\r')
            .position(|l| l.contains("0"))
            .expect("line")
            + 1;
        let expected: Vec<String> = (finding - 1..=finding + 1)
            .map(|n| format!(" {n} │ {}", text.split('\r').nth(n - 1).unwrap_or("")))
            .collect();
        assert_eq!(rows, expected, "{name}:\n{human}");
        assert!(
            human.contains(&format!("[{name}:{finding}:")),
            "{name}:\n{human}"
        );
    }
}

#[test]
fn github_annotations_keep_ten_of_each_kind_most_severe_first() {
    let (sources, diagnostics) = fixture();
    let many: Vec<Diagnostic> = (0..12)
        .map(|_| diagnostics[1].clone())
        .chain((0..11).map(|_| diagnostics[0].clone()))
        .collect();
    let ctx = RenderContext {
        sources: &sources,
        summary: Summary::of(3, &many),
        color: false,
        width: 80,
        errors: &[],
        context: &std::collections::HashSet::new(),
    };
    let text = render::github::annotations_for_actions(&many, &ctx);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 21);
    assert!(lines[0].starts_with("::error "));
    assert!(lines[10].starts_with("::warning "));
    assert!(lines[20].contains("3 more findings are not annotated"));
}

/// The count of findings left out is a notice too, and GitHub drops the 11th notice of
/// a step: with findings left out, 9 info findings and the count make 10 notices (there
/// were 11, and the count was the one dropped); 10 info findings alone are all shown.
#[test]
fn github_count_of_findings_left_out_is_within_the_ten_notices() {
    let (sources, diagnostics) = fixture();
    let info = |n: usize| -> Vec<Diagnostic> {
        (0..n)
            .map(|_| {
                let mut d = diagnostics[0].clone();
                d.severity = Severity::Info;
                d
            })
            .collect()
    };
    let notices = |many: &[Diagnostic]| -> Vec<String> {
        let ctx = RenderContext {
            sources: &sources,
            summary: Summary::of(3, many),
            color: false,
            width: 80,
            errors: &[],
            context: &std::collections::HashSet::new(),
        };
        render::github::annotations_for_actions(many, &ctx)
            .lines()
            .filter(|l| l.starts_with("::notice "))
            .map(str::to_owned)
            .collect()
    };
    let eleven = notices(&info(11));
    assert_eq!(eleven.len(), 10, "{eleven:#?}");
    assert!(
        eleven[9].contains("2 more findings are not annotated"),
        "{eleven:#?}"
    );
    let ten = notices(&info(10));
    assert_eq!(ten.len(), 10, "{ten:#?}");
    assert!(ten.iter().all(|l| !l.contains("not annotated")), "{ten:#?}");
    // Errors left out: the count takes the tenth notice's place.
    let mut errors: Vec<Diagnostic> = (0..11)
        .map(|_| {
            let mut d = diagnostics[0].clone();
            d.severity = Severity::Error;
            d
        })
        .collect();
    errors.extend(info(10));
    let mixed = notices(&errors);
    assert_eq!(mixed.len(), 10, "{mixed:#?}");
    assert!(
        mixed[9].contains("2 more findings are not annotated"),
        "{mixed:#?}"
    );
}

/// A run error is written before the findings and counted among the 10 errors GitHub
/// shows per step, by `-f github` and by the annotations the human format adds: after
/// 10 error findings it was dropped (and the human format never annotated one).
#[test]
fn github_run_errors_come_first_and_count_among_the_ten_errors() {
    let (sources, diagnostics) = fixture();
    let many: Vec<Diagnostic> = (0..11)
        .map(|_| {
            let mut d = diagnostics[0].clone();
            d.severity = Severity::Error;
            d
        })
        .collect();
    let errors = [RunError::unplaced(
        "cannot read missing-dir: No such file or directory",
    )];
    let ctx = RenderContext {
        sources: &sources,
        summary: Summary::of(3, &many),
        color: false,
        width: 80,
        errors: &errors,
        context: &std::collections::HashSet::new(),
    };
    let run_error = "::error title=poollint::cannot read missing-dir: No such file or directory";
    let mut written = Vec::new();
    render::write(OutputFormat::Github, &many, &ctx, &mut written).expect("write");
    let written = String::from_utf8(written).expect("UTF-8");
    assert_eq!(written.lines().next(), Some(run_error), "{written}");
    assert_eq!(written.lines().count(), 12, "{written}");
    let annotations = render::github::annotations_for_actions(&many, &ctx);
    let lines: Vec<&str> = annotations.lines().collect();
    assert_eq!(lines[0], run_error, "{annotations}");
    let errors_shown = lines.iter().filter(|l| l.starts_with("::error ")).count();
    assert_eq!(errors_shown, 10, "{annotations}");
    assert!(
        lines[10].contains("2 more findings are not annotated"),
        "{annotations}"
    );
}

/// Records the largest single write, to show output is written as it is made.
#[derive(Default)]
struct WriteSizes {
    total: usize,
    largest: usize,
}

impl std::io::Write for WriteSizes {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.total += buf.len();
        self.largest = self.largest.max(buf.len());
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn every_format_streams_its_output() {
    let (sources, diagnostics) = fixture();
    let many: Vec<Diagnostic> = diagnostics.iter().cycle().take(600).cloned().collect();
    let ctx = RenderContext {
        sources: &sources,
        summary: Summary::of(3, &many),
        color: false,
        width: 80,
        errors: &[],
        context: &std::collections::HashSet::new(),
    };
    for (format, name) in FORMATS {
        let mut sizes = WriteSizes::default();
        render::write(*format, &many, &ctx, &mut sizes).expect("write");
        assert_eq!(
            sizes.total,
            render::render(*format, &many, &ctx).len(),
            "{name}"
        );
        assert!(
            sizes.largest * 50 < sizes.total,
            "{name}: one write of {} bytes out of {}",
            sizes.largest,
            sizes.total
        );
    }
}

/// The compiled SARIF 2.1.0, rdjson and rdjsonl (one reviewdog `Diagnostic` a line)
/// schemas, when `POOLLINT_SCHEMAS` names their directory (CI sets it); None otherwise.
struct Schemas {
    sarif: jsonschema::Validator,
    rdjson: jsonschema::Validator,
    rdjsonl: jsonschema::Validator,
}

fn schemas() -> Option<&'static Schemas> {
    static SCHEMAS: OnceLock<Option<Schemas>> = OnceLock::new();
    SCHEMAS
        .get_or_init(|| {
            let dir = std::env::var_os("POOLLINT_SCHEMAS")?;
            let compile = |name: &str| {
                let text = std::fs::read_to_string(Path::new(&dir).join(name)).expect(name);
                let schema: serde_json::Value = serde_json::from_str(&text).expect(name);
                jsonschema::validator_for(&schema).expect("schema compiles")
            };
            Some(Schemas {
                sarif: compile("sarif-schema-2.1.0.json"),
                rdjson: compile("rdjson/DiagnosticResult.json"),
                rdjsonl: compile("rdjson/Diagnostic.json"),
            })
        })
        .as_ref()
}

fn assert_valid(validator: &jsonschema::Validator, output: &str, what: &str) {
    let instance: serde_json::Value = serde_json::from_str(output).expect(what);
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} is invalid:\n{}\n{output}",
        errors.join("\n")
    );
}

/// Validate the SARIF, rdjson and rdjsonl among `outputs` against their schemas.
fn assert_schema_valid(schemas: &Schemas, outputs: &[(&str, String)]) {
    for (name, output) in outputs {
        match *name {
            "sarif" => assert_valid(&schemas.sarif, output, "SARIF"),
            "rdjson" => assert_valid(&schemas.rdjson, output, "rdjson"),
            "rdjsonl" => {
                for line in output.lines() {
                    assert_valid(&schemas.rdjsonl, line, "rdjsonl");
                }
            }
            _ => {}
        }
    }
}

#[test]
fn sarif_and_rdjson_validate_against_their_schemas() {
    let Some(schemas) = schemas() else {
        eprintln!("POOLLINT_SCHEMAS not set; skipping schema validation");
        return;
    };
    let (sources, diagnostics) = fixture();
    for findings in [&diagnostics[..], &[]] {
        assert_schema_valid(schemas, &render_all(&sources, findings));
    }
    let manifest = manifest_sources();
    let errors = [
        manifest_error(&manifest),
        RunError::unplaced("cannot read nope: No such file or directory"),
    ];
    assert_schema_valid(schemas, &render_all_with(&sources, &diagnostics, &errors));
}

const MANIFEST: &str = "[lint]\nfail-on = \"x\"\n";

/// A `poollint.toml` that cannot be used, in sources of its own as the CLI has it.
fn manifest_sources() -> SourceMap {
    let mut sources = SourceMap::default();
    sources.add(Path::new("poollint.toml"), MANIFEST.into(), Encoding::Utf8);
    sources
}

/// The error of [`manifest_sources`]'s manifest, at its bad value (2:11 to 2:14).
fn manifest_error(sources: &SourceMap) -> RunError<'_> {
    let file = sources.files().first().expect("the manifest").id;
    RunError {
        message: "fail-on must be error, not `x`".to_owned(),
        at: Some(RunErrorAt {
            sources,
            location: Location {
                file,
                span: span_of(MANIFEST, "\"x\""),
            },
        }),
    }
}

/// What stopped part of a run (a manifest that cannot be used, an internal error) is in
/// the machine formats a code host reads: SARIF's invocation, a GitHub annotation and
/// JSON's `errors` (it was on standard error only). One with a place is annotated on
/// its file in `github` and has a location in SARIF (they had only the text), while
/// JSON keeps its strings.
#[test]
fn run_errors_reach_the_machine_formats() {
    let (sources, diagnostics) = fixture();
    let manifest = manifest_sources();
    let errors = [manifest_error(&manifest)];
    let outputs = render_all_with(&sources, &diagnostics, &errors);
    let output = |name: &str| {
        outputs
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, text)| text.clone())
            .unwrap_or_default()
    };
    let text = "poollint.toml:2:11: fail-on must be error, not `x`";
    let sarif: serde_json::Value = serde_json::from_str(&output("sarif")).expect("SARIF");
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notification = &invocation["toolExecutionNotifications"][0];
    assert_eq!(notification["message"]["text"], text);
    assert_eq!(
        notification["locations"][0]["physicalLocation"],
        serde_json::json!({
            "artifactLocation": {"uri": "poollint.toml", "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": 2, "startColumn": 11, "endLine": 2, "endColumn": 14},
        })
    );
    assert!(output("github").starts_with(&format!(
        "::error file=poollint.toml,line=2,endLine=2,col=11,endColumn=14,title=poollint::{text}\n"
    )));
    let json: serde_json::Value = serde_json::from_str(&output("json")).expect("JSON");
    assert_eq!(json["errors"][0], text);
}

/// Why `xml` is not a well-formed XML 1.0 document, for the XML poollint writes: an
/// optional `<?xml …?>` declaration, then one element of elements, attributes in double
/// quotes and text, with the five predefined entities and character references.
/// Stricter than XML where poollint's writer is (it escapes `>` in text; it writes no
/// comments, CDATA, processing instructions or DOCTYPE): those fail.
fn xml_problem(xml: &str) -> Option<String> {
    let is_xml_char = |c: char| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..);
    if let Some(c) = xml.chars().find(|c| !is_xml_char(*c)) {
        return Some(format!("{c:?} is not an XML character"));
    }
    // `&` starts an entity or a character reference of a character XML allows.
    let references_ok = |text: &str| {
        text.split('&').skip(1).all(|rest| {
            let Some((name, _)) = rest.split_once(';') else {
                return false;
            };
            let code = match name.strip_prefix("#x") {
                Some(hex) => u32::from_str_radix(hex, 16).ok(),
                None => name.strip_prefix('#').and_then(|d| d.parse().ok()),
            };
            ["amp", "lt", "gt", "quot", "apos"].contains(&name)
                || code.and_then(char::from_u32).is_some_and(is_xml_char)
        })
    };
    let is_name = |name: &str| {
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_alphanumeric() || "_-.:".contains(c))
    };
    let mut rest = xml;
    if let Some(declaration) = rest.strip_prefix("<?xml ") {
        let Some((_, after)) = declaration.split_once("?>") else {
            return Some("unclosed XML declaration".into());
        };
        rest = after;
    }
    let mut open: Vec<&str> = Vec::new();
    let mut roots = 0;
    loop {
        let (text, after) = rest.split_once('<').unwrap_or((rest, ""));
        let at_top = open.is_empty();
        if (at_top && !text.trim().is_empty()) || text.contains('>') || !references_ok(text) {
            return Some(format!("bad text {text:?}"));
        }
        if after.is_empty() {
            break;
        }
        let Some((tag, after)) = after.split_once('>') else {
            return Some(format!("unclosed tag <{after}"));
        };
        rest = after;
        if let Some(name) = tag.strip_prefix('/') {
            if open.pop() != Some(name) {
                return Some(format!("</{name}> closes nothing open"));
            }
            continue;
        }
        roots += usize::from(at_top);
        let (body, empty) = match tag.strip_suffix('/') {
            Some(body) => (body, true),
            None => (tag, false),
        };
        let (name, mut attributes) = body.split_once(' ').unwrap_or((body, ""));
        if !is_name(name) {
            return Some(format!("bad tag <{tag}>"));
        }
        // name="value" pairs; values hold no `<` or `"` (`>` ended the tag already).
        let mut names = Vec::new();
        while !attributes.trim().is_empty() {
            let Some((attribute, after)) = attributes.trim_start().split_once("=\"") else {
                return Some(format!("bad attributes in <{tag}>"));
            };
            let Some((value, after)) = after.split_once('"') else {
                return Some(format!("unquoted attribute in <{tag}>"));
            };
            if !is_name(attribute)
                || names.contains(&attribute)
                || value.contains('<')
                || !references_ok(value)
            {
                return Some(format!("bad attribute {attribute}={value:?} in <{tag}>"));
            }
            names.push(attribute);
            attributes = after;
        }
        if !empty {
            open.push(name);
        }
    }
    match (open.last(), roots) {
        (Some(name), _) => Some(format!("<{name}> is not closed")),
        (None, 1) => None,
        (None, n) => Some(format!("{n} root elements")),
    }
}

/// Run errors (a path that cannot be read, a manifest that cannot be used: exit 2) are
/// errored testcases in JUnit, counted in `errors` (it said `errors="0"`: an
/// incomplete run read as a complete one), and the XML stays well-formed.
#[test]
fn junit_reports_run_errors_as_errored_testcases() {
    let (sources, diagnostics) = fixture();
    let errors = [
        RunError::unplaced("cannot read nope: No such file or directory (os error 2)"),
        RunError::unplaced("team/poollint.toml:1:1: unknown key `<x> & \"y\"`"),
    ];
    let ctx = RenderContext {
        sources: &sources,
        summary: Summary::of(3, &diagnostics),
        color: false,
        width: 80,
        errors: &errors,
        context: &std::collections::HashSet::new(),
    };
    let mut out = Vec::new();
    render::write(OutputFormat::Junit, &diagnostics, &ctx, &mut out).unwrap();
    let junit = String::from_utf8(out).unwrap();
    assert_eq!(xml_problem(&junit), None, "{junit}");
    assert!(junit.contains("errors=\"2\""), "{junit}");
    assert!(!junit.contains("errors=\"0\""), "{junit}");
    assert_eq!(junit.matches("<error ").count(), 2, "{junit}");
    assert!(
        junit.contains("cannot read nope: No such file or directory"),
        "{junit}"
    );
    assert!(
        junit.contains("unknown key `&lt;x&gt; &amp; &quot;y&quot;`"),
        "{junit}"
    );
}

#[test]
fn xml_problem_refuses_what_is_not_well_formed() {
    let (sources, diagnostics) = fixture();
    let junit = render_all(&sources, &diagnostics)
        .into_iter()
        .find(|(n, _)| *n == "junit")
        .unwrap()
        .1;
    assert_eq!(xml_problem(&junit), None);
    assert_eq!(xml_problem("<a x=\"1\"><b/>t &amp; &#10;</a>\n"), None);
    for bad in [
        "<a><b></a></b>",
        "<a>",
        "</a>",
        "<a/><b/>",
        "text<a/>",
        "<a>x & y</a>",
        "<a>&bogus;</a>",
        "<a>&#0;</a>",
        "<a>\u{fffe}</a>",
        "<a>\u{1}</a>",
        "<a x=\"1\" x=\"2\"/>",
        "<a x=1/>",
        "<a x=\"<\"/>",
        "<a>1 > 0</a>",
        "<a",
        "<a b>",
        "<?xml version=\"1.0\"<a/>",
    ] {
        assert!(xml_problem(bad).is_some(), "{bad:?} passed");
    }
}

/// Any text, control characters and the noncharacters XML forbids (U+FFFE, U+FFFF)
/// included.
fn any_text(len: usize) -> impl proptest::strategy::Strategy<Value = String> {
    let char = proptest::prop_oneof![
        proptest::prelude::any::<char>(),
        proptest::prelude::Just('\u{fffe}'),
        proptest::prelude::Just('\u{ffff}'),
    ];
    proptest::collection::vec(char, 0..len).prop_map(|v| v.into_iter().collect())
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    /// Any diagnostic set over any texts renders the same bytes twice in every format,
    /// to valid JSON in the JSON formats (valid SARIF and rdjson when `POOLLINT_SCHEMAS`
    /// is set) and to well-formed XML in JUnit.
    #[test]
    fn any_diagnostics_render_validly_and_deterministically(
        texts in (any_text(200), any_text(100)),
        spans in proptest::collection::vec((0usize..400, 0usize..40, 0u8..3, proptest::option::of((proptest::prelude::any::<bool>(), 0usize..300, 0usize..20))), 0..8),
        message in any_text(60),
        help in proptest::option::of(any_text(30)),
    ) {
        let mut sources = SourceMap::default();
        let files = [
            sources.add(Path::new("a.yml"), texts.0.clone(), Encoding::Utf8),
            sources.add(Path::new("dir/b ü.properties"), texts.1.clone(), Encoding::Latin1),
        ];
        let texts = [&texts.0, &texts.1];
        let at = |file: usize, start: usize, len: usize| {
            let text = texts[file];
            let start = poollint::source::floor_char_boundary(text, start);
            let end = poollint::source::floor_char_boundary(text, start + len);
            Location { file: files[file], span: Span::new(start, end) }
        };
        let meta = rules::find("pool-size-invalid").expect("rule").meta();
        let diagnostics: Vec<Diagnostic> = spans
            .iter()
            .map(|(start, len, sev, label)| {
                let severity = [Severity::Info, Severity::Warning, Severity::Error][*sev as usize];
                let mut d = Diagnostic::new(meta, severity, at(0, *start, *len), message.clone());
                if let Some((other_file, start, len)) = label {
                    d.labels.push(Label { location: at(usize::from(*other_file), *start, *len), message: message.as_str().into() });
                }
                if let Some(help) = &help {
                    d = d.with_help(help.clone()).with_label(help.clone());
                }
                d
            })
            .collect();
        let first = render_all(&sources, &diagnostics);
        let second = render_all(&sources, &diagnostics);
        proptest::prop_assert_eq!(&first, &second);
        for (name, out) in &first {
            if ["json", "sarif", "rdjson", "gitlab"].contains(name) {
                proptest::prop_assert!(serde_json::from_str::<serde_json::Value>(out).is_ok(), "{} is not JSON", name);
            }
            if *name == "rdjsonl" {
                for line in out.lines() {
                    proptest::prop_assert!(serde_json::from_str::<serde_json::Value>(line).is_ok());
                }
            }
            if *name == "junit" {
                let problem = xml_problem(out);
                proptest::prop_assert!(problem.is_none(), "JUnit: {:?} in\n{}", problem, out);
            }
        }
        if let Some(schemas) = schemas() {
            assert_schema_valid(schemas, &first);
        }
    }
}
