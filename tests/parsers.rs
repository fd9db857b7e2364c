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
use poollint::model::Location;
use poollint::source;
use poollint::syntax::{self, ini::Dialect, Format};
use proptest::prelude::*;

const FORMATS: &[Format] = &[
    Format::Yaml,
    Format::Json,
    Format::StrictJson,
    Format::DotNetJson,
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
    // With a suppression marker among them: YAML's comments are recorded only in its
    // presence.
    let pieces = prop::sample::select(vec![
        "a",
        "key",
        ":",
        " ",
        "\n",
        "\r\n",
        "\r",
        "\t",
        "-",
        "=",
        "[",
        "]",
        "{",
        "}",
        ",",
        "\"",
        "'",
        "#",
        ";",
        "&x",
        "*x",
        "<<",
        "---",
        "|",
        ">",
        "\\",
        "ü",
        "🚀",
        "%include",
        "!include",
        "${A:1}",
        "0x1F",
        "1_000",
        "30s",
        "\u{feff}",
        "<%=",
        "<%",
        "%>",
        "⍌",
        "poollint:",
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

/// Text of any characters, control characters (NUL, tabs, line breaks, escapes) included.
/// Text made of the pieces credential shapes are found by, and any characters.
fn credential_like() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "://", "@", ":", "=", "password", "PWD", "passwd", "${", "}", "{{", "}}", "<%", "%>", "\"",
        "'", " ", "\n", "\r", ",", "]", ";", "&", "-", "u", "é", "🚀", "$",
    ]);
    let piece = prop_oneof![
        pieces.prop_map(str::to_owned),
        any::<char>().prop_map(String::from)
    ];
    prop::collection::vec(piece, 0..80).prop_map(|v| v.concat())
}

/// Text like an INI file with include directives: their names in any case, blanks,
/// comments and line ends of every kind around them.
fn include_like() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "include",
        "INCLUDE",
        "Include_Dir",
        "include_if_exists",
        "%include",
        "!include",
        "!includedir",
        "%",
        "!",
        " ",
        "\t",
        "\x0c",
        "\x0b",
        "\n",
        "\r\n",
        "\r",
        "#",
        ";",
        "=",
        "'",
        "a.conf",
        "x",
        "[s]",
        "\u{feff}",
        "é",
    ]);
    prop::collection::vec(pieces, 0..40).prop_map(|v| v.concat())
}

fn any_text() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<char>(), 0..300).prop_map(|v| v.into_iter().collect())
}

/// Any bytes: arbitrary ones (rarely UTF-8, often with a NUL), and texts of any
/// characters or like configuration, so that decoding often passes and the parsers and
/// readers see them.
fn any_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..400),
        any_text().prop_map(String::into_bytes),
        config_like().prop_map(String::into_bytes),
    ]
}

const FILE_NAMES: &[&str] = &[
    "application.yml",
    "application.properties",
    "postgresql.conf",
    "pgbouncer.ini",
    "my.cnf",
    "docker-compose.yml",
    "deploy.yaml",
];

/// Why a location of a finding is not a span of its file's text on char boundaries.
fn misplaced(report: &engine::Report, what: &str, location: &Location) -> Option<String> {
    let Some(file) = report.sources.get(location.file) else {
        return Some(format!("{what}: no file {:?}", location.file));
    };
    let (text, span) = (file.text(), location.span);
    let inside = span.start <= span.end
        && span.end <= text.len()
        && text.is_char_boundary(span.start)
        && text.is_char_boundary(span.end);
    (!inside).then(|| format!("{what}: {span:?} is not inside {text:?} on char boundaries"))
}

/// A check of one file never fails internally, and every span of its findings (primary
/// and labels) lies inside its file, on char boundaries.
fn assert_sound(report: &engine::Report) -> Result<(), TestCaseError> {
    prop_assert!(
        report.internal_errors.is_empty(),
        "{:?}",
        report.internal_errors
    );
    for d in &report.diagnostics {
        let labels = d.labels.iter().map(|l| ("label", &l.location));
        for (what, location) in std::iter::once(("primary", &d.primary)).chain(labels) {
            if let Some(problem) = misplaced(report, what, location) {
                return Err(TestCaseError::fail(format!("{}: {problem}", d.rule)));
            }
        }
    }
    Ok(())
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
    fn parsers_keep_spans_inside_on_any_text(text in any_text()) {
        for format in FORMATS {
            assert_spans_inside(&text, *format);
        }
    }

    /// Any bytes, decoded as a file's are (Latin-1 allowed for `.properties`), then
    /// parsed in every format.
    #[test]
    fn decoding_and_parsing_any_bytes_keeps_spans_inside(
        bytes in any_bytes(),
        latin1 in any::<bool>(),
    ) {
        let len = bytes.len();
        match source::decode(bytes, latin1) {
            Ok((text, _)) => {
                for format in FORMATS {
                    assert_spans_inside(&text, *format);
                }
            }
            Err(e) => prop_assert!(e.offset <= len, "{e:?}"),
        }
    }

    /// What is shaped like a credential, in any text: spans inside it and on char
    /// boundaries, as masking them needs.
    #[test]
    fn credential_shapes_are_inside_any_text(text in credential_like()) {
        for span in poollint::redact::credential_spans(&text) {
            prop_assert!(span.start <= span.end && span.end <= text.len(), "{span:?}");
            prop_assert!(
                text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
                "{span:?}"
            );
        }
    }

    /// A YAML file without a suppression marker is parsed without its comments: all
    /// else the loader gives (nodes, spans, errors) is what it gives with them.
    #[test]
    fn skipping_yaml_comments_changes_nothing_else(text in config_like()) {
        use syntax::yaml::{parse_with, Comments};
        let mut kept = parse_with(&text, "YAML", Comments::Kept);
        let skipped = parse_with(&text, "YAML", Comments::Skipped);
        prop_assert!(skipped.comments.is_empty());
        kept.comments.clear();
        prop_assert_eq!(kept, skipped);
    }

    /// The scan that lets an INI ecosystem be read a batch at a time flags every file
    /// the parsers find an include directive in, in each dialect that has them.
    #[test]
    fn every_include_directive_is_seen_by_the_scan(text in include_like()) {
        for dialect in [Dialect::Postgres, Dialect::PgBouncer, Dialect::MySql] {
            let doc = syntax::parse(Format::Ini(dialect), &text);
            if !doc.directives.is_empty() {
                prop_assert!(
                    poollint::includes::may_include(text.as_bytes()),
                    "{dialect:?} reads {:?} in {text:?}",
                    doc.directives
                );
            }
        }
    }

    #[test]
    fn checking_one_file_of_any_content_never_fails_internally(
        text in config_like(),
        name in prop::sample::select(FILE_NAMES),
    ) {
        let mut request = CheckRequest::new(Vec::new());
        request.stdin = Some((std::path::PathBuf::from(name), text.into_bytes()));
        assert_sound(&engine::check(&request))?;
    }
}

proptest! {
    // Each case writes a file and checks its directory: fewer cases.
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Any bytes in a file on disk, through the whole check (read, decode, parse, read
    /// into the model, rules, the text read again for output).
    #[test]
    fn checking_one_file_of_any_bytes_never_fails_internally(
        bytes in any_bytes(),
        name in prop::sample::select(FILE_NAMES),
    ) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(name), &bytes).unwrap();
        let mut report = engine::check(&CheckRequest::new(vec![dir.path().to_path_buf()]));
        engine::reread_for_output(&mut report, true);
        assert_sound(&report)?;
    }
}
