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

use poollint::diagnostic::{Diagnostic, Label, Severity};
use poollint::model::Location;
use poollint::render::{self, OutputFormat, RenderContext, Summary};
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
    (sources, vec![saturated, multi_line, info])
}

fn render_all(sources: &SourceMap, diagnostics: &[Diagnostic]) -> Vec<(&'static str, String)> {
    let ctx = RenderContext {
        sources,
        summary: Summary::of(sources.len(), diagnostics),
        color: false,
        width: 80,
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
    };
    let text = render::github::annotations_for_actions(&many, &ctx);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 21);
    assert!(lines[0].starts_with("::error "));
    assert!(lines[10].starts_with("::warning "));
    assert!(lines[20].contains("3 more findings are not annotated"));
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

fn schema(name: &str) -> Option<serde_json::Value> {
    let dir = std::env::var_os("POOLLINT_SCHEMAS")?;
    let text = std::fs::read_to_string(Path::new(&dir).join(name)).expect("schema file");
    Some(serde_json::from_str(&text).expect("schema JSON"))
}

fn assert_valid(schema: &serde_json::Value, instance: &serde_json::Value, what: &str) {
    let validator = jsonschema::validator_for(schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} is invalid:\n{}",
        errors.join("\n")
    );
}

#[test]
fn sarif_and_rdjson_validate_against_their_schemas() {
    let (Some(sarif_schema), Some(rdjson_schema), Some(line_schema)) = (
        schema("sarif-schema-2.1.0.json"),
        schema("rdjson/DiagnosticResult.json"),
        schema("rdjson/Diagnostic.json"),
    ) else {
        eprintln!("POOLLINT_SCHEMAS not set; skipping schema validation");
        return;
    };
    let (sources, diagnostics) = fixture();
    for findings in [&diagnostics[..], &[]] {
        let outputs = render_all(&sources, findings);
        let get = |n: &str| {
            outputs
                .iter()
                .find(|(name, _)| *name == n)
                .map(|(_, t)| t.clone())
                .unwrap_or_default()
        };
        assert_valid(
            &sarif_schema,
            &serde_json::from_str(&get("sarif")).expect("sarif"),
            "SARIF",
        );
        assert_valid(
            &rdjson_schema,
            &serde_json::from_str(&get("rdjson")).expect("rdjson"),
            "rdjson",
        );
        for line in get("rdjsonl").lines() {
            assert_valid(
                &line_schema,
                &serde_json::from_str(line).expect("rdjsonl line"),
                "rdjsonl",
            );
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    /// Any diagnostic set over any text renders to valid JSON in the JSON formats, and
    /// the same way twice.
    #[test]
    fn any_diagnostics_render_to_valid_deterministic_json(
        text in "\\PC{0,200}",
        spans in proptest::collection::vec((0usize..400, 0usize..40, 0u8..3), 0..8),
        message in "\\PC{0,60}",
    ) {
        let mut sources = SourceMap::default();
        let file = sources.add(Path::new("a.yml"), text.clone(), Encoding::Utf8);
        let meta = rules::find("pool-size-invalid").expect("rule").meta();
        let diagnostics: Vec<Diagnostic> = spans
            .iter()
            .map(|(start, len, sev)| {
                let start = poollint::source::floor_char_boundary(&text, *start);
                let end = poollint::source::floor_char_boundary(&text, start + len);
                let severity = [Severity::Info, Severity::Warning, Severity::Error][*sev as usize];
                let mut d = Diagnostic::new(meta, severity, Location { file, span: Span::new(start, end) }, message.clone());
                d.labels.push(Label { location: Location { file, span: Span::new(start, end) }, message: message.clone() });
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
        }
    }
}
