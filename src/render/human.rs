//! `human` output: miette's graphical diagnostics with source snippets, then a summary.
//!
//! Our [`Diagnostic`] is plain data; [`MietteView`] adapts it to `miette::Diagnostic`.
//! Snippets come from [`IndexedSource`], which answers `read_span` from the file's line
//! index: miette's own `&str` source scans the file from the start for every span,
//! which is quadratic for many diagnostics in one large file. Labels in another file
//! become `related` diagnostics with that file's snippet.

use std::fmt;
use std::io::{self, Write};

use rayon::prelude::*;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};

use super::{shown_path, RenderContext, Summary};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Location;
use crate::source::{ColumnUnit, SourceFile, Span};

/// Diagnostics with snippets, then the summary line.
pub fn write(
    diagnostics: &[Diagnostic],
    ctx: &RenderContext,
    out: &mut dyn Write,
) -> io::Result<()> {
    let handler = handler(ctx);
    // Laying out snippets is most of the time, and each diagnostic is laid out on its
    // own: a chunk at a time in parallel, written in order, so at most one chunk's
    // text is held.
    for chunk in diagnostics.chunks(PARALLEL_CHUNK) {
        let reports: Vec<String> = chunk
            .par_iter()
            .map(|diagnostic| report(&handler, diagnostic, ctx))
            .collect();
        for text in reports {
            out.write_all(text.as_bytes())?;
        }
    }
    writeln!(out, "{}", summary_line(&ctx.summary))
}

/// Diagnostics laid out in parallel before they are written.
const PARALLEL_CHUNK: usize = 256;

/// Diagnostics with snippets, without the summary line (manifest errors use this).
pub fn render_diagnostics(diagnostics: &[Diagnostic], ctx: &RenderContext) -> String {
    let handler = handler(ctx);
    diagnostics
        .iter()
        .map(|d| report(&handler, d, ctx))
        .collect()
}

fn handler(ctx: &RenderContext) -> GraphicalReportHandler {
    let theme = if ctx.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    GraphicalReportHandler::new_themed(theme)
        .with_width(ctx.width.max(40))
        .with_links(false)
}

/// One diagnostic with its snippets and a blank line after.
fn report(
    handler: &GraphicalReportHandler,
    diagnostic: &Diagnostic,
    ctx: &RenderContext,
) -> String {
    let mut out = String::new();
    let view = MietteView::of(diagnostic, ctx);
    // Rendering into a String cannot fail, but miette can panic on input it does not
    // expect (it did on columns past 65,535): the finding stays visible, as one line.
    let rendered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        handler.render_report(&mut out, &view)
    }));
    if !matches!(rendered, Ok(Ok(()))) {
        out = format!(
            "{}[{}]: {}\n",
            diagnostic.severity, diagnostic.rule, diagnostic.message
        );
    }
    out.push('\n');
    out
}

/// "Found 1 error, 2 warnings and 0 infos in 3 files." or "No problems found in 3 files."
pub fn summary_line(summary: &Summary) -> String {
    let files = count(summary.files, "file", "files");
    let end = match summary.incomplete {
        true => ", but not everything could be checked (see the errors).",
        false => ".",
    };
    if summary.error + summary.warning + summary.info == 0 {
        return format!("No problems found in {files}{end}");
    }
    format!(
        "Found {}, {} and {} in {files}{end}",
        count(summary.error, "error", "errors"),
        count(summary.warning, "warning", "warnings"),
        count(summary.info, "info", "infos"),
    )
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// One of our diagnostics (or one of its other-file labels) as a miette diagnostic.
struct MietteView<'a> {
    message: String,
    code: Option<String>,
    severity: miette::Severity,
    help: Option<String>,
    source: Option<IndexedSource<'a>>,
    labels: Vec<LabeledSpan>,
    related: Vec<MietteView<'a>>,
}

/// Longest line a snippet shows, in bytes with its line break. A finding on a longer
/// line (minified JSON, a long base64 value) is placed by path, line and column
/// instead: a terminal cannot show such a line, and miette pads to a label's column,
/// which panics past 65,535.
const MAX_SNIPPET_LINE: usize = 1_000;

/// Most lines a label's span may cover in a snippet: a block scalar of 200,000 lines
/// was printed whole, once per finding on it.
const MAX_SNIPPET_LINES: usize = 40;

/// Why the snippet of `span` is not shown: a line it touches is too long for one, or
/// it covers too many lines.
fn too_long_to_show(file: &SourceFile, span: Span) -> Option<String> {
    let lines = file.lines();
    let first = lines.line_of(span.start);
    let last = lines.line_of(span.end.saturating_sub(1).max(span.start));
    if last - first >= MAX_SNIPPET_LINES {
        return Some(format!("{} lines", last - first + 1));
    }
    (first..=last)
        .map(|line| file.line_range(line).len())
        .max()
        .filter(|&longest| longest > MAX_SNIPPET_LINE)
        .map(|longest| format!("a line of {longest} bytes"))
}

/// `message` with where it is, for a finding whose snippet is not shown (`why`).
fn placed(message: &str, file: &SourceFile, span: Span, why: &str) -> String {
    let at = file.position(span.start, ColumnUnit::Chars);
    format!(
        "{message}\n  at {}:{}:{} ({why}: not shown)",
        shown_path(&file.display),
        at.line,
        at.column
    )
}

impl<'a> MietteView<'a> {
    fn of(diagnostic: &Diagnostic, ctx: &RenderContext<'a>) -> Self {
        let file = diagnostic.primary.file;
        let primary = labeled(
            diagnostic.primary.span,
            diagnostic.primary_label.as_deref().map(str::to_owned),
            true,
        );
        let same_file = diagnostic.labels.iter().filter(|l| l.location.file == file);
        let labels = std::iter::once(primary)
            .chain(same_file.map(|l| labeled(l.location.span, Some(l.message.to_string()), false)))
            .collect();
        let related = diagnostic
            .labels
            .iter()
            .filter(|l| l.location.file != file)
            .map(|l| Self::elsewhere(l.location, &l.message, ctx))
            .collect();
        MietteView {
            message: diagnostic.message.to_string(),
            code: Some(diagnostic.rule.to_owned()),
            severity: severity(diagnostic.severity),
            help: diagnostic.help.as_deref().map(str::to_owned),
            source: ctx.sources.get(file).map(IndexedSource),
            labels,
            related,
        }
        .placed_when_too_long(diagnostic.primary.span)
    }

    /// A label in another file, shown as an advice with that file's snippet.
    fn elsewhere(location: Location, message: &str, ctx: &RenderContext<'a>) -> Self {
        MietteView {
            message: message.to_owned(),
            code: None,
            severity: miette::Severity::Advice,
            help: None,
            source: ctx.sources.get(location.file).map(IndexedSource),
            labels: vec![labeled(location.span, None, true)],
            related: Vec::new(),
        }
        .placed_when_too_long(location.span)
    }

    /// Without its snippet when a label's line is too long to show: the message then
    /// says where `at` is instead.
    fn placed_when_too_long(mut self, at: Span) -> Self {
        let Some(file) = self.source.as_ref().map(|s| s.0) else {
            return self;
        };
        let why = self
            .labels
            .iter()
            .find_map(|l| too_long_to_show(file, Span::new(l.offset(), l.offset() + l.len())));
        if let Some(why) = why {
            self.message = placed(&self.message, file, at, &why);
            self.source = None;
            self.labels.clear();
        }
        self
    }
}

fn labeled(span: Span, text: Option<String>, primary: bool) -> LabeledSpan {
    let source_span = SourceSpan::from((span.start, span.end.saturating_sub(span.start)));
    if primary {
        LabeledSpan::new_primary_with_span(text, source_span)
    } else {
        LabeledSpan::new_with_span(text, source_span)
    }
}

fn severity(severity: Severity) -> miette::Severity {
    match severity {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
    }
}

impl fmt::Debug for MietteView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for MietteView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for MietteView<'_> {}

impl miette::Diagnostic for MietteView<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.code
            .as_ref()
            .map(|c| Box::new(c) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related.iter().map(|r| r as &dyn miette::Diagnostic),
        ))
    }
}

/// A file as miette source code, answered from its line index.
struct IndexedSource<'a>(&'a SourceFile);

impl SourceCode for IndexedSource<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let file = self.0;
        // miette splits lines only at LF: a lone CR, which ends a line here, is a LF in
        // what it is given, so its line numbers and snippets are ours.
        let text = file.text_lf_lines().as_bytes();
        let start = span.offset();
        let end = start + span.len();
        if end > text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let lines = file.lines();
        let first_line = lines.line_of(start);
        let last_span_line = lines.line_of(end.saturating_sub(1).max(start));
        // Context lines too long to show are left out, and those beyond them: a
        // minified line beside a finding was printed whole, once per finding.
        let short = |line: &usize| file.line_range(*line).len() <= MAX_SNIPPET_LINE;
        let before = (first_line.saturating_sub(context_lines_before)..first_line).rev();
        let from_line = first_line - before.take_while(short).count();
        let last_line = lines.line_count().saturating_sub(1);
        let after = last_span_line + 1..=(last_span_line + context_lines_after).min(last_line);
        let to_line = last_span_line + after.take_while(short).count();
        let (data_start, column) = if context_lines_before == 0 {
            // miette shows this column (plus one) in the header: counted in characters
            // and without a BOM, as every other format counts it, not in bytes.
            let column = file.position(start, ColumnUnit::Chars).column;
            (start, column.saturating_sub(1))
        } else {
            // `min`: a span inside a BOM starts before line 1 does.
            (lines.line_start(from_line).min(start), 0)
        };
        let data_end = file.line_range(to_line).end;
        let data = text
            .get(data_start..data_end.max(data_start))
            .unwrap_or(&[]);
        let line = if context_lines_before == 0 {
            first_line
        } else {
            from_line
        };
        Ok(Box::new(MietteSpanContents::new_named(
            shown_path(&file.display).into_owned(),
            data,
            SourceSpan::from((data_start, data.len())),
            line,
            column,
            to_line + 1,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{Encoding, SourceMap};

    fn read(
        text: &str,
        start: usize,
        len: usize,
        before: usize,
        after: usize,
    ) -> (String, usize, usize) {
        let mut map = SourceMap::default();
        let id = map.add(
            std::path::Path::new("f.yml"),
            text.to_owned(),
            Encoding::Utf8,
        );
        let source = IndexedSource(map.get(id).unwrap());
        let contents = source
            .read_span(&SourceSpan::from((start, len)), before, after)
            .unwrap();
        (
            String::from_utf8(contents.data().to_vec()).unwrap(),
            contents.line(),
            contents.column(),
        )
    }

    #[test]
    fn context_lines_around_a_span() {
        let text = "a: 1\nb: 2\nc: 3\nd: 4\n";
        assert_eq!(read(text, 13, 1, 1, 1), ("b: 2\nc: 3\nd: 4\n".into(), 1, 0));
    }

    #[test]
    fn crlf_and_lone_cr_split_lines() {
        let text = "a: 1\r\nb: 2\rc: 3";
        assert_eq!(read(text, 9, 1, 0, 0).1, 1);
        // Given to miette with the lone CR made a LF, which it splits at.
        assert_eq!(read(text, 14, 1, 1, 0), ("b: 2\nc: 3".into(), 1, 0));
    }

    #[test]
    fn span_at_end_of_file_and_empty_file() {
        let text = "a: 1";
        assert_eq!(read(text, 4, 0, 1, 1), ("a: 1".into(), 0, 0));
        assert_eq!(read("", 0, 0, 1, 1), ("".into(), 0, 0));
    }

    #[test]
    fn without_context_the_data_starts_at_the_span() {
        let text = "key: value\n";
        assert_eq!(read(text, 5, 5, 0, 0), ("value\n".into(), 0, 5));
    }

    #[test]
    fn lines_longer_than_a_snippet_shows_are_found_by_the_span() {
        let mut map = SourceMap::default();
        let text = format!(
            "a: 1\n{}\n{}\n",
            "x".repeat(MAX_SNIPPET_LINE),
            "y".repeat(MAX_SNIPPET_LINE + 1)
        );
        let id = map.add(std::path::Path::new("f.yml"), text, Encoding::Utf8);
        let file = map.get(id).unwrap();
        let at = |start: usize, len: usize| too_long_to_show(file, Span::new(start, start + len));
        let long = |n: usize| Some(format!("a line of {n} bytes"));
        assert_eq!(at(0, 4), None);
        // A line's length counts its line break.
        assert_eq!(at(5, 3), long(MAX_SNIPPET_LINE + 1));
        assert_eq!(at(5 + MAX_SNIPPET_LINE + 1, 1), long(MAX_SNIPPET_LINE + 2));
        // A span reaching into a long line counts it.
        assert_eq!(at(2, 10), long(MAX_SNIPPET_LINE + 1));
        // A span over more lines than a snippet shows.
        let many = "a\n".repeat(MAX_SNIPPET_LINES + 1);
        let id = map.add(std::path::Path::new("g.yml"), many, Encoding::Utf8);
        let file = map.get(id).unwrap();
        let span = Span::new(0, file.text().len());
        assert_eq!(
            too_long_to_show(file, span),
            Some(format!("{} lines", MAX_SNIPPET_LINES + 1))
        );
    }

    /// A context line too long to show is left out (it was printed whole, once per
    /// finding beside it), and so are the lines beyond it.
    #[test]
    fn long_context_lines_are_left_out() {
        let long = "#".repeat(MAX_SNIPPET_LINE + 1);
        let text = format!("a: 1\n{long}\nb: 2\nc: 3\n");
        let b = text.find("b: 2").unwrap();
        assert_eq!(read(&text, b, 4, 2, 1).0, "b: 2\nc: 3\n");
        assert_eq!(read(&text, 0, 4, 1, 2).0, "a: 1\n");
    }

    #[test]
    fn summary_lines() {
        let s = |files, error, warning, info| {
            summary_line(&Summary {
                files,
                error,
                warning,
                info,
                incomplete: false,
            })
        };
        assert_eq!(s(3, 0, 0, 0), "No problems found in 3 files.");
        let incomplete = Summary {
            incomplete: true,
            ..Summary::of(0, &[])
        };
        assert_eq!(
            summary_line(&incomplete),
            "No problems found in 0 files, but not everything could be checked (see the errors)."
        );
        assert_eq!(
            s(1, 1, 2, 0),
            "Found 1 error, 2 warnings and 0 infos in 1 file."
        );
    }
}
