//! What the fuzz targets assert, shared so each target stays one line.
use poollint::engine::{self, CheckRequest};
use poollint::render::{self, OutputFormat, RenderContext, Summary};
use poollint::syntax::{self, Format};

/// Parse `text` as `format`; every span the parser records (nodes, comments,
/// directives, errors) must lie inside the text, on char boundaries.
pub fn parse_and_check_spans(format: Format, text: &str) {
    let doc = syntax::parse(format, text);
    if let Some(span) = doc.misplaced_span(text) {
        panic!("{format:?}: {span:?} is not inside the text on char boundaries");
    }
}

/// File names that select each reader.
const NAMES: &[&str] = &[
    "application.yml",
    "application.properties",
    "postgresql.conf",
    "pgbouncer.ini",
    "my.cnf",
    "docker-compose.yml",
    "deploy.yaml",
    "config/database.yml",
    "config/puma.rb",
    "config/sidekiq.yml",
    "appsettings.json",
    ".env",
    "knexfile.json",
];

/// Check `text` as one file named by `choice`: no internal error, every finding inside
/// its file, and every output format renders.
pub fn check_one_file(choice: u8, text: &str) {
    let name = NAMES[usize::from(choice) % NAMES.len()];
    let mut request = CheckRequest::new(Vec::new());
    request.stdin = Some((name.into(), text.to_owned()));
    let report = engine::check(&request);
    assert!(
        report.internal_errors.is_empty(),
        "{:?}",
        report.internal_errors
    );
    for d in &report.diagnostics {
        let file = report
            .sources
            .get(d.primary.file)
            .expect("the finding's file");
        assert!(d.primary.span.end <= file.text().len());
    }
    let ctx = RenderContext {
        sources: &report.sources,
        summary: Summary::of(report.files_checked(), &report.diagnostics),
        color: false,
        width: 80,
    };
    for format in [
        OutputFormat::Human,
        OutputFormat::Json,
        OutputFormat::Sarif,
        OutputFormat::Rdjson,
        OutputFormat::Gitlab,
        OutputFormat::Junit,
        OutputFormat::Github,
    ] {
        render::render(format, &report.diagnostics, &ctx);
    }
}
