//! Output formats, one per file. Every renderer receives the same sorted diagnostics
//! and the (secret-masked) sources, and converts byte spans to the line/column unit
//! its format needs.

pub mod concise;
pub mod github;
pub mod gitlab;
pub mod human;
pub mod json;
pub mod junit;
pub mod rdjson;
pub mod sarif;

use std::io::{self, Write};

use rayon::prelude::*;
use serde::ser::{Error as _, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::ser::{Formatter, PrettyFormatter};
use serde_json::value::RawValue;

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Location;
use crate::source::SourceMap;

/// The fingerprint of `d` as the machine formats give it: made with its file's path
/// relative to the repository root (outside one, `displayed`), so it is the same
/// whichever directory of the repository poollint runs from, and JSON, SARIF, GitLab
/// and a baseline at the repository agree.
pub fn fingerprint(d: &Diagnostic, sources: &SourceMap, displayed: &str) -> String {
    d.fingerprint(repository_relative(d, sources, displayed))
}

/// The finding's path as code hosts resolve it, from the repository root (GitHub
/// annotations, GitLab code quality, fingerprints): relative to the root when the file
/// is in a repository, else as displayed. Run from a subdirectory, the displayed path
/// would name another file there.
pub fn repository_relative<'s>(
    d: &Diagnostic,
    sources: &'s SourceMap,
    displayed: &'s str,
) -> &'s str {
    file_from_root(d.primary.file, sources, displayed)
}

/// [`repository_relative`] of any file of `sources` (a run error's too).
pub(crate) fn file_from_root<'s>(
    file: crate::source::FileId,
    sources: &'s SourceMap,
    displayed: &'s str,
) -> &'s str {
    sources
        .get(file)
        .and_then(|f| f.repository_path())
        .unwrap_or(displayed)
}

/// Output formats `--format` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// miette diagnostics with source snippets (default).
    Human,
    /// One line per finding: `path:line:col: severity[rule] message`.
    Concise,
    /// The JSON contract of DESIGN.md §7.
    Json,
    /// SARIF 2.1.0 for GitHub code scanning.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=…`).
    Github,
    /// reviewdog Diagnostic Format, one JSON document.
    Rdjson,
    /// reviewdog Diagnostic Format, one diagnostic per line.
    Rdjsonl,
    /// GitLab Code Quality JSON.
    Gitlab,
    /// JUnit XML, one testcase per file.
    Junit,
}

impl OutputFormat {
    /// The name `--format` takes (`json`, `sarif`…).
    pub fn name(self) -> String {
        clap::ValueEnum::to_possible_value(&self)
            .map(|v| v.get_name().to_owned())
            .unwrap_or_default()
    }

    /// True when the format quotes the files' text (snippets); the others show
    /// positions only.
    pub fn shows_snippets(self) -> bool {
        self == OutputFormat::Human
    }

    /// True when the format carries fixes ([`fix_edit`]).
    pub fn shows_fixes(self) -> bool {
        matches!(
            self,
            OutputFormat::Json | OutputFormat::Sarif | OutputFormat::Rdjson | OutputFormat::Rdjsonl
        )
    }
}

/// Counts for the summary line and the JSON `summary` object.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub error: usize,
    pub warning: usize,
    pub info: usize,
    /// Something could not be checked (a path that cannot be read, an internal error):
    /// the run exits 2, so "no problems" must not read as a clean result.
    pub incomplete: bool,
}

impl Summary {
    pub fn of(files: usize, diagnostics: &[Diagnostic]) -> Self {
        let count = |s: Severity| diagnostics.iter().filter(|d| d.severity == s).count();
        Summary {
            files,
            error: count(Severity::Error),
            warning: count(Severity::Warning),
            info: count(Severity::Info),
            incomplete: false,
        }
    }
}

/// Everything a renderer may use.
pub struct RenderContext<'a> {
    pub sources: &'a SourceMap,
    pub summary: Summary,
    /// ANSI colours in human output.
    pub color: bool,
    /// Terminal width for wrapping human output.
    pub width: usize,
    /// What stopped part of the run (a manifest that cannot be used, a path that
    /// cannot be read, an internal error; it exits 2): machine formats carry them, so a
    /// code host shows why the step failed.
    pub errors: &'a [RunError<'a>],
    /// Files read only as context for the topology (named by the manifest outside the
    /// paths, or beside `--stdin-filename`): not checked, so no JUnit testcase of their
    /// own.
    pub context: &'a std::collections::HashSet<crate::source::FileId>,
}

/// What stopped part of the run, as the renderers get it: its message and, when it has
/// one (a `poollint.toml` that cannot be used), its place, which each format shows in
/// its own unit as it shows a finding's.
pub struct RunError<'a> {
    /// Secrets already masked; control characters are escaped where it is shown.
    pub message: String,
    pub at: Option<RunErrorAt<'a>>,
}

/// Where a run error is: a span in a file of its own sources (a manifest that cannot
/// be used is not among the files checked).
#[derive(Clone, Copy)]
pub struct RunErrorAt<'a> {
    pub sources: &'a SourceMap,
    pub location: Location,
}

impl<'a> RunError<'a> {
    /// An error of the whole run (a path that cannot be read, an internal error).
    pub fn unplaced(message: impl Into<String>) -> Self {
        RunError {
            message: message.into(),
            at: None,
        }
    }

    /// Its place in `unit`, when it has one in a file its sources hold.
    pub fn place(&self, unit: crate::source::ColumnUnit) -> Option<Place> {
        let at = self.at?;
        at.sources.get(at.location.file)?;
        Some(Place::of(at.location, at.sources, unit))
    }

    /// Its file's path as code hosts resolve it ([`file_from_root`]).
    pub fn path_from_root<'p>(&self, place: &'p Place) -> &'p str
    where
        'a: 'p,
    {
        match self.at {
            Some(at) => file_from_root(at.location.file, at.sources, &place.path),
            None => &place.path,
        }
    }

    /// The error as one line of text, for formats with no place of their own for it
    /// (JSON's `errors`, which DESIGN.md fixes as strings; JUnit; the message of the
    /// others): `path:line:col: message`, columns in Unicode code points, with the
    /// control characters escaped.
    pub fn text(&self) -> String {
        let text = match self.place(crate::source::ColumnUnit::Chars) {
            Some(place) => format!(
                "{}:{}:{}: {}",
                place.path, place.start_line, place.start_column, self.message
            ),
            None => self.message.clone(),
        };
        crate::redact::escaped_controls(&text).into_owned()
    }
}

/// Write `diagnostics` (already sorted) in `format` to `out` as they are converted: no
/// format builds its whole output in memory first.
pub fn write(
    format: OutputFormat,
    diagnostics: &[Diagnostic],
    ctx: &RenderContext,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        OutputFormat::Human => human::write(diagnostics, ctx, out),
        OutputFormat::Concise => concise::write(diagnostics, ctx, out),
        OutputFormat::Json => json::write(diagnostics, ctx, out),
        OutputFormat::Sarif => sarif::write(diagnostics, ctx, out),
        OutputFormat::Github => github::write(diagnostics, ctx, out),
        OutputFormat::Rdjson => rdjson::write(diagnostics, ctx, out),
        OutputFormat::Rdjsonl => rdjson::write_lines(diagnostics, ctx, out),
        OutputFormat::Gitlab => gitlab::write(diagnostics, ctx, out),
        OutputFormat::Junit => junit::write(diagnostics, ctx, out),
    }
}

/// [`write`] into a string (tests, fuzzing).
pub fn render(format: OutputFormat, diagnostics: &[Diagnostic], ctx: &RenderContext) -> String {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = write(format, diagnostics, ctx, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// A JSON array of `make` applied to each of `items`, written as pretty JSON `depth`
/// levels deep in its document. Items are made and serialised a chunk at a time on
/// the worker threads, then written in order: at most a chunk's text is held, and the
/// main thread, alone otherwise at the end of a run, only copies them out.
/// (Made and serialised one by one on the main thread, the 10,700 findings of the 10k
/// benchmark tree took about 30 ms as JSON, 95 ms as SARIF.)
pub(crate) struct JsonSeq<'a, T, F> {
    items: &'a [T],
    depth: usize,
    make: F,
}

impl<'a, T, F> JsonSeq<'a, T, F> {
    pub(crate) fn new<V>(items: &'a [T], depth: usize, make: F) -> Self
    where
        F: Fn(&'a T) -> V,
    {
        JsonSeq { items, depth, make }
    }
}

/// Items of a [`JsonSeq`] made and serialised at once.
const JSON_CHUNK: usize = 256;

impl<'a, T, F, V> Serialize for JsonSeq<'a, T, F>
where
    T: Sync,
    F: Fn(&'a T) -> V + Sync,
    V: Serialize,
{
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.items.len()))?;
        for chunk in self.items.chunks(JSON_CHUNK) {
            let texts: Vec<serde_json::Result<Box<RawValue>>> = chunk
                .par_iter()
                .map(|item| pretty_at_depth(&(self.make)(item), self.depth))
                .collect();
            for text in texts {
                seq.serialize_element(&text.map_err(S::Error::custom)?)?;
            }
        }
        seq.end()
    }
}

/// `value` as `serde_json`'s pretty printer writes it `depth` levels deep, so that
/// written raw there it gives the same bytes: the printer is first taken `depth`
/// arrays in, on a sink.
fn pretty_at_depth(value: &impl Serialize, depth: usize) -> serde_json::Result<Box<RawValue>> {
    let mut formatter = PrettyFormatter::new();
    for _ in 0..depth {
        formatter
            .begin_array(&mut io::sink())
            .map_err(serde_json::Error::io)?;
    }
    let mut text = Vec::new();
    value.serialize(&mut serde_json::Serializer::with_formatter(
        &mut text, formatter,
    ))?;
    // serde_json writes UTF-8 only.
    let text = String::from_utf8(text).map_err(serde_json::Error::custom)?;
    RawValue::from_string(text)
}

/// `value` as pretty JSON and a final newline.
pub(crate) fn write_json(out: &mut dyn Write, value: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    out.write_all(b"\n")
}

/// A path as the text formats (human, concise) show it: its control characters
/// written as escapes, as in messages. A file name may hold a line break or an escape
/// sequence, which printed raw would start a line a CI log runs as a command
/// (`::error::…`) or drive the terminal. A path that starts with `::` (a directory
/// named `::error title=x::y`) is shown from `./`: `concise` starts its lines with the
/// path, and the runner reads a line starting with `::` as a command. The JSON formats
/// escape on their own.
pub(crate) fn shown_path(path: &str) -> std::borrow::Cow<'_, str> {
    let shown = crate::redact::escaped_controls(path);
    if shown.trim_start().starts_with("::") {
        return format!("./{shown}").into();
    }
    shown
}

/// Each finding in output order with its fingerprint made unique ([`Occurrences`]):
/// each made on a worker thread, numbered in order.
pub(crate) fn with_unique_fingerprints<'d>(
    diagnostics: &'d [Diagnostic],
    sources: &SourceMap,
) -> Vec<(&'d Diagnostic, String)> {
    let made: Vec<String> = diagnostics
        .par_iter()
        .map(|d| fingerprint(d, sources, sources.display(d.primary.file)))
        .collect();
    let mut seen = Occurrences::default();
    diagnostics
        .iter()
        .zip(made)
        .map(|(d, f)| (d, seen.unique(f)))
        .collect()
}

/// Fingerprints made unique in output order: the first finding with one keeps it, the
/// next identical ones (three profile documents with the same bad value) get `-2`,
/// `-3`… GitLab and code scanning take one fingerprint for one issue, and would merge
/// identical findings into one.
#[derive(Default)]
struct Occurrences(std::collections::HashMap<String, usize>);

impl Occurrences {
    fn unique(&mut self, base: String) -> String {
        let occurrence = self.0.entry(base.clone()).or_insert(0);
        *occurrence += 1;
        if *occurrence == 1 {
            base
        } else {
            format!("{base}-{occurrence}")
        }
    }
}

/// A location converted for a renderer: path as displayed, 1-based start and end line and
/// column in the renderer's unit (end exclusive, as the byte span).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub path: String,
    pub start_line: usize,
    pub start_column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

impl Place {
    pub fn of(
        location: crate::model::Location,
        sources: &SourceMap,
        unit: crate::source::ColumnUnit,
    ) -> Place {
        match sources.get(location.file) {
            Some(file) => {
                let start = file.position(location.span.start, unit);
                let end = file.position(location.span.end, unit);
                Place {
                    path: file.display.clone(),
                    start_line: start.line,
                    start_column: start.column,
                    end_line: end.line,
                    end_column: end.column,
                }
            }
            None => Place {
                path: "<unknown>".to_owned(),
                start_line: 1,
                start_column: 1,
                end_line: 1,
                end_column: 1,
            },
        }
    }
}

/// Set `key` on a JSON object (a no-op on anything else, which the renderers never
/// build: this only avoids `IndexMut`, which panics on non-objects).
pub(crate) fn set_field(value: &mut serde_json::Value, key: &str, field: serde_json::Value) {
    if let Some(object) = value.as_object_mut() {
        object.insert(key.to_owned(), field);
    }
}

/// A finding's fix as the edit to show: the bytes to replace and the new text. Only a
/// fix checked against its file ([`crate::diagnostic::check_fixes`]) is shown.
pub(crate) fn fix_edit(d: &Diagnostic) -> Option<(Location, &str)> {
    let fix = d.fix.as_deref().filter(|f| f.checked)?;
    Some((fix.location, fix.replacement.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The shape of a SARIF log around its results: four levels deep.
    #[derive(Serialize)]
    struct Log<R> {
        runs: [Run<R>; 1],
        version: &'static str,
    }

    #[derive(Serialize)]
    struct Run<R> {
        before: u8,
        results: R,
        after: Vec<u8>,
    }

    fn log<R>(results: R) -> Log<R> {
        Log {
            runs: [Run {
                before: 1,
                results,
                after: vec![2, 3],
            }],
            version: "2.1.0",
        }
    }

    /// More items than a chunk, nested arrays and objects (empty ones too), and a
    /// string holding a line break, which must stay escaped.
    fn items(n: usize) -> Vec<serde_json::Value> {
        (0..n)
            .map(|i| json!({"n": i, "text": "a\nb", "nested": {"list": [i, [], {}], "o": {"k": null}}}))
            .collect()
    }

    #[test]
    fn a_json_seq_is_written_as_serde_json_writes_the_array() {
        for n in [0, 1, JSON_CHUNK + 3] {
            let items = items(n);
            let top = serde_json::to_string_pretty(&JsonSeq::new(&items, 1, |v| v)).unwrap();
            assert_eq!(top, serde_json::to_string_pretty(&items).unwrap());
            let nested = serde_json::to_string_pretty(&log(JsonSeq::new(&items, 4, |v| v)));
            assert_eq!(
                nested.unwrap(),
                serde_json::to_string_pretty(&log(&items)).unwrap()
            );
        }
    }
}
