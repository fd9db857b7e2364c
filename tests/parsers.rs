//! Properties every parser keeps on any input: it never panics, and every span it
//! reports (nodes, comments, directives, errors) lies inside the text, on char
//! boundaries. Also the whole check of one file, through the engine, on arbitrary text.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)] // tests fail by panicking

use poollint::engine::{self, CheckRequest};
use poollint::syntax::{self, ini::Dialect, Format};
use proptest::prelude::*;

const FORMATS: &[Format] = &[
    Format::Yaml,
    Format::Json,
    Format::Toml,
    Format::Properties,
    Format::Ini(Dialect::Postgres),
    Format::Ini(Dialect::PgBouncer),
    Format::Ini(Dialect::MySql),
    Format::Ini(Dialect::DotEnv),
    Format::Ini(Dialect::Generic),
    Format::ErbYaml,
];

/// Text that looks like configuration often enough to reach deep parser states.
fn config_like() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "a", "key", ":", " ", "\n", "\r\n", "\r", "\t", "-", "=", "[", "]", "{", "}", ",", "\"",
        "'", "#", ";", "&x", "*x", "<<", "---", "|", ">", "\\", "ü", "🚀", "%include", "!include",
        "${A:1}", "0x1F", "1_000", "30s", "\u{feff}", "<%=", "<%", "%>", "⍌",
    ]);
    prop::collection::vec(pieces, 0..120).prop_map(|v| v.concat())
}

fn assert_spans_inside(text: &str, format: Format) {
    let doc = syntax::parse(format, text);
    if let Some(span) = doc.misplaced_span(text) {
        panic!("{format:?}: {span:?} is not inside {text:?} on char boundaries");
    }
}

/// Inputs the fuzz targets found crashing (fuzz/README: `cargo fuzz run`), kept as
/// regression tests.
#[test]
fn fuzz_regressions_keep_spans_inside() {
    // parse_erb_yaml: a multi-byte character inside an unterminated ERB tag was masked
    // with single-byte filler, and a span landed inside the character.
    let erb = "defaul  pool: <%= ENV.fetc\u{d}\u{d}\u{234c}tt\u{d}\u{d}\u{d}\u{d}\u{d}\u{d}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}";
    assert_spans_inside(erb, Format::ErbYaml);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn parsers_keep_spans_inside_on_config_like_text(text in config_like()) {
        for format in FORMATS {
            assert_spans_inside(&text, *format);
        }
    }

    #[test]
    fn parsers_keep_spans_inside_on_any_text(text in "\\PC{0,300}") {
        for format in FORMATS {
            assert_spans_inside(&text, *format);
        }
    }

    #[test]
    fn checking_one_file_of_any_content_never_fails_internally(text in config_like(), name in prop::sample::select(vec![
        "application.yml", "application.properties", "postgresql.conf", "pgbouncer.ini", "my.cnf", "docker-compose.yml", "deploy.yaml",
    ])) {
        let mut request = CheckRequest::new(Vec::new());
        request.stdin = Some((std::path::PathBuf::from(name), text));
        let report = engine::check(&request);
        prop_assert!(report.internal_errors.is_empty(), "{:?}", report.internal_errors);
        for d in &report.diagnostics {
            let file = report.sources.get(d.primary.file).expect("file");
            prop_assert!(d.primary.span.end <= file.text().len());
        }
    }
}
