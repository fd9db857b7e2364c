//! What the fuzz targets assert, shared so each target stays one line.
use poollint::engine::{self, CheckRequest};
use poollint::render::{self, OutputFormat, RenderContext, RunError, Summary};
use poollint::source::{ColumnUnit, LineIndex};
use poollint::syntax::{self, Format};
use std::path::{Path, PathBuf};

/// Parse `text` as `format`; every span the parser records (nodes, comments,
/// directives, errors) must lie inside the text, on char boundaries.
pub fn parse_and_check_spans(format: Format, text: &str) {
    let doc = syntax::parse(format, text);
    if let Some(span) = doc.misplaced_span(text) {
        panic!("{format:?}: {span:?} is not inside the text on char boundaries");
    }
}

/// File names that select each reader (the first of [`TREE_NAMES`]); the single-file
/// targets' seeds choose among these 13.
const NAMES: &[&str] = TREE_NAMES.split_at(13).0;

/// The formats that show positions but no text of a file.
const MACHINE_FORMATS: &[OutputFormat] = &[
    OutputFormat::Concise,
    OutputFormat::Json,
    OutputFormat::Sarif,
    OutputFormat::Github,
    OutputFormat::Rdjson,
    OutputFormat::Rdjsonl,
    OutputFormat::Gitlab,
    OutputFormat::Junit,
];

/// Check `text` as one file named by `choice`, read from standard input: no internal
/// error, every finding inside its file at the file's positions, and every output
/// format renders.
pub fn check_one_file(choice: u8, text: &str) {
    let name = NAMES[usize::from(choice) % NAMES.len()];
    let mut request = CheckRequest::new(Vec::new());
    request.stdin = Some((name.into(), text.as_bytes().to_vec()));
    let report = engine::check(&request);
    assert_sound(&report);
    assert_positions_are_the_files(&report, &[(name.into(), text.as_bytes())]);
    render_all(&report, &[OutputFormat::Human]);
    render_all(&report, MACHINE_FORMATS);
}

/// Check `bytes` as one file on disk named by `choice`, as the CLI does: the file's
/// text is given up once it is read, so positions come from what it kept (ASCII line
/// lengths) or from reading it again. [`check_written`] asserts the rest; valid UTF-8
/// must also find the same at the same places on standard input (messages may differ
/// by the file's path).
pub fn check_file_on_disk(choice: u8, bytes: &[u8]) {
    let name = NAMES[usize::from(choice) % NAMES.len()];
    let tree = Tree::new();
    let path = tree.write(name, bytes);
    let report = check_written(&CheckRequest::new(vec![path.clone()]), &[(path, bytes)]);
    if let Ok(text) = std::str::from_utf8(bytes) {
        let mut stdin = CheckRequest::new(Vec::new());
        stdin.stdin = Some((name.into(), text.as_bytes().to_vec()));
        assert_eq!(
            places(&report),
            places(&engine::check(&stdin)),
            "the file on disk and on standard input differ"
        );
    }
}

/// Names [`check_tree`] writes files under: one for each reader, then a profile's, a
/// separate ConfigMap and the manifest.
const TREE_NAMES: &[&str] = &[
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
    "application-prod.yml",
    "application-prod.properties",
    "configmap.yaml",
    "poollint.toml",
    // Files other files name or are read beside: a Rails app's Procfile and lockfile,
    // node-config's and PM2's files, a Puma environment file, a Spring import and a
    // compose base file.
    "Procfile",
    "Gemfile.lock",
    "config/default.json",
    "config/production.json",
    "ecosystem.config.js",
    "pm2.json",
    "config/puma/production.rb",
    "db.properties",
    "common.yml",
];

/// Where [`check_tree`] writes files: the root or one of two applications.
const TREE_DIRS: &[&str] = &["", "a/", "b/"];

/// Check a tree of up to 8 files. `input` is the files separated by 0xFF bytes (never
/// in UTF-8 text, so seeds are real files joined); a file's first byte chooses its
/// name and directory, the rest is its content, and a later file of the same path
/// replaces an earlier one. A `poollint.toml` at the root is the manifest (and those
/// of the applications theirs, in [`check_split`]). Asserts
/// what [`check_written`] does, across files: includes, Kubernetes references,
/// applications of several files, the declared and the inferred topology.
pub fn check_tree(input: &[u8]) {
    let tree = Tree::new();
    let mut written: Vec<(PathBuf, &[u8])> = Vec::new();
    for file in input.split(|b| *b == 0xFF).take(8) {
        let Some((choice, bytes)) = file.split_first() else {
            continue;
        };
        let choice = usize::from(*choice);
        let dir = TREE_DIRS[choice / TREE_NAMES.len() % TREE_DIRS.len()];
        let name = format!("{dir}{}", TREE_NAMES[choice % TREE_NAMES.len()]);
        let path = tree.write(&name, bytes);
        written.retain(|(p, _)| *p != path);
        written.push((path, bytes));
    }
    let mut request = CheckRequest::new(vec![tree.root().to_path_buf()]);
    // A manifest that does not load is the CLI's configuration error, not a check.
    if let Ok(manifest) = poollint::manifest::load(&tree.path("poollint.toml")) {
        request.settings = manifest.lint.clone();
        request.manifest = Some(manifest);
    }
    check_written(&request, &written);
    check_split(&request, &written);
}

/// The same tree split by its manifests (`a/poollint.toml`, `b/poollint.toml` below
/// the root's), as the CLI checks it: sound, at the files' positions, every format
/// renders from the merged report.
fn check_split(request: &CheckRequest, written: &[(PathBuf, &[u8])]) {
    // As the CLI checks without `--diff-base`: a share's model goes once it is checked.
    let request = CheckRequest {
        keep_model: false,
        ..request.clone()
    };
    let mut scopes = poollint::scopes::check(&request, true).scopes;
    poollint::scopes::settle_foreign_findings(&mut scopes);
    let mut report = poollint::scopes::merge(scopes.into_iter().map(|s| s.report).collect());
    assert_sound(&report);
    assert_positions_are_the_files(&report, written);
    render_all(&report, MACHINE_FORMATS);
    engine::reread_for_output(&mut report, true);
    assert_positions_are_the_files(&report, written);
    render_all(&report, &[OutputFormat::Human]);
}

/// A directory of its own for each run: a file left by another run could be included.
struct Tree(tempfile::TempDir);

impl Tree {
    fn new() -> Self {
        Tree(tempfile::tempdir().expect("a temporary directory"))
    }

    fn root(&self) -> &Path {
        self.0.path()
    }

    fn path(&self, name: &str) -> PathBuf {
        self.root().join(name)
    }

    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.path(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("the file's directory");
        }
        std::fs::write(&path, bytes).expect("the file");
        path
    }
}

/// Check as `request` says, its files being `written`, as the CLI does: no internal
/// error; every finding inside its file at the file's positions (the texts given up,
/// then read again for the human format); checking entries unit by unit finds what
/// keeping them all finds (`keep_entries`); a second check finds the same; every
/// format renders.
fn check_written(request: &CheckRequest, written: &[(PathBuf, &[u8])]) -> engine::Report {
    let mut report = engine::check(request);
    assert_sound(&report);
    assert_positions_are_the_files(&report, written);
    render_all(&report, MACHINE_FORMATS);
    let mut keep_entries = request.clone();
    keep_entries.keep_entries = true;
    assert_eq!(
        report.diagnostics,
        engine::check(&keep_entries).diagnostics,
        "checking entries unit by unit changed the findings"
    );
    assert_eq!(
        report.diagnostics,
        engine::check(request).diagnostics,
        "a second check found something else"
    );
    engine::reread_for_output(&mut report, true);
    assert_sound(&report);
    assert_positions_are_the_files(&report, written);
    render_all(&report, &[OutputFormat::Human]);
    report
}

/// A finding's rule, severity and spans (start, end).
type Place = (&'static str, String, Vec<(usize, usize)>);

/// Each finding's rule, severity and spans, in order; not `parse-error`, whose
/// include diagnostics depend on the directory the file is in.
fn places(report: &engine::Report) -> Vec<Place> {
    report
        .diagnostics
        .iter()
        .filter(|d| d.rule != "parse-error")
        .map(|d| {
            let spans = std::iter::once(&d.primary)
                .chain(d.labels.iter().map(|l| &l.location))
                .map(|l| (l.span.start, l.span.end))
                .collect();
            (d.rule, d.severity.to_string(), spans)
        })
        .collect()
}

/// Every position of every finding, in every column unit, is what the line index of
/// its file's text as decoded from the bytes written gives: masking secrets and
/// giving texts up move nothing. `written` holds each file's path and bytes.
fn assert_positions_are_the_files(report: &engine::Report, written: &[(PathBuf, &[u8])]) {
    for d in &report.diagnostics {
        let locations = std::iter::once(&d.primary).chain(d.labels.iter().map(|l| &l.location));
        for location in locations {
            let file = report
                .sources
                .get(location.file)
                .expect("the finding's file");
            let Some((path, bytes)) = written.iter().find(|(path, _)| *path == file.path) else {
                continue;
            };
            let properties = path.extension().is_some_and(|e| e == "properties");
            let Ok((text, _)) = poollint::source::decode(bytes.to_vec(), properties) else {
                continue;
            };
            let index = LineIndex::new(&text);
            for offset in [location.span.start, location.span.end] {
                for unit in [ColumnUnit::Chars, ColumnUnit::Utf16, ColumnUnit::Bytes] {
                    assert_eq!(
                        file.position(offset, unit),
                        index.position(&text, offset, unit),
                        "{} at byte {offset} in {unit:?}",
                        file.display
                    );
                }
            }
        }
    }
}

/// No internal error, and every finding inside its file.
fn assert_sound(report: &engine::Report) {
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
        assert!(d.primary.span.end <= file.len());
    }
}

/// Render the report in each of `formats` (what is asserted: that none panics).
fn render_all(report: &engine::Report, formats: &[OutputFormat]) {
    let errors: Vec<RunError> = report
        .internal_errors
        .iter()
        .map(RunError::unplaced)
        .collect();
    let ctx = RenderContext {
        sources: &report.sources,
        summary: Summary::of(report.files_checked(), &report.diagnostics),
        color: false,
        width: 80,
        errors: &errors,
        context: &std::collections::HashSet::new(),
    };
    for format in formats {
        let out = render::render(*format, &report.diagnostics, &ctx);
        if DOCUMENT_FORMATS.contains(format) {
            let parsed = serde_json::from_str::<serde_json::Value>(&out);
            assert!(parsed.is_ok(), "{format:?} output is not JSON: {parsed:?}");
        }
    }
}

/// Formats whose output is one JSON document.
const DOCUMENT_FORMATS: &[OutputFormat] = &[
    OutputFormat::Json,
    OutputFormat::Sarif,
    OutputFormat::Rdjson,
    OutputFormat::Gitlab,
];
