//! `github`: GitHub Actions workflow commands, one per finding:
//! `::error file=PATH,line=L,endLine=E,col=C,endColumn=EC,title=RULE::message`, with
//! GitHub's escaping; the columns only when the span is on one line. Columns are 1-based
//! Unicode code points (GitHub counts characters). A run error is an `::error` of the
//! step, placed as a finding is when it has a place (a `poollint.toml` that cannot be
//! used).
//! `annotations_for_actions` is what the human format adds under `GITHUB_ACTIONS=true`:
//! GitHub shows at most 10 annotations of each kind per step, so the most severe come
//! first and a last line says how many were left out.
use std::io::{self, Write};

use super::{Place, RenderContext, RunError};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::ColumnUnit;

/// Most annotations of one kind GitHub shows per step.
const GITHUB_LIMIT: usize = 10;

pub fn write(
    diagnostics: &[Diagnostic],
    ctx: &RenderContext,
    out: &mut dyn Write,
) -> io::Result<()> {
    // What stopped part of the run, as an annotation of the step: the job fails with
    // exit 2, and the log alone would not say why on the pull request. First: GitHub
    // keeps only the first 10 errors of a step.
    for error in ctx.errors {
        out.write_all(run_error(error).as_bytes())?;
    }
    for d in diagnostics {
        out.write_all(command(d, ctx).as_bytes())?;
    }
    Ok(())
}

/// Write `text` (output that quotes the checked files: keys, values, snippets) so that
/// the runner runs no workflow command in it: between `::stop-commands::TOKEN` and
/// `::TOKEN::`, as GitHub advises for untrusted output. The runner reads a `##[error]`
/// anywhere in a line as a command, and `::` at the start of one, so a key named
/// `##[stop-commands]x` would otherwise silence the annotations that follow, and
/// `##[error]x` add one. The token is a hash of `text`: the same output gives the same
/// bytes, and no line of `text` can be the token's line, which would have to hold its
/// own hash.
pub fn write_without_commands(text: &[u8], out: &mut dyn Write) -> io::Result<()> {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::hash::DefaultHasher::new();
    text.hash(&mut hasher);
    let token = format!("poollint-{:016x}", hasher.finish());
    writeln!(out, "::stop-commands::{token}")?;
    out.write_all(text)?;
    if !text.ends_with(b"\n") && !text.is_empty() {
        out.write_all(b"\n")?;
    }
    writeln!(out, "::{token}::")
}

/// At most 10 annotations per severity, run errors first among the errors (they say
/// why the step failed), and a count of the rest. The count is itself a notice, and
/// GitHub drops the 11th notice of a step: when some findings are left out, at most 9
/// info findings are annotated, so it is the 10th.
pub fn annotations_for_actions(diagnostics: &[Diagnostic], ctx: &RenderContext) -> String {
    let severities = [Severity::Error, Severity::Warning, Severity::Info];
    let by_severity = severities.map(|severity| -> Vec<&Diagnostic> {
        diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .collect()
    });
    let run_errors = ctx.errors.len();
    let of_kind_count = |severity: &Severity, of_kind: &[&Diagnostic]| match severity {
        Severity::Error => of_kind.len() + run_errors,
        _ => of_kind.len(),
    };
    let summarised = severities
        .iter()
        .zip(&by_severity)
        .any(|(severity, of_kind)| of_kind_count(severity, of_kind) > GITHUB_LIMIT);
    let mut out: String = ctx
        .errors
        .iter()
        .take(GITHUB_LIMIT)
        .map(run_error)
        .collect();
    let mut left_out = run_errors.saturating_sub(GITHUB_LIMIT);
    for (severity, of_kind) in severities.iter().zip(&by_severity) {
        let shown = match severity {
            Severity::Error => GITHUB_LIMIT.saturating_sub(run_errors),
            Severity::Info if summarised => GITHUB_LIMIT - 1,
            Severity::Warning | Severity::Info => GITHUB_LIMIT,
        };
        for d in of_kind.iter().take(shown) {
            out.push_str(&command(d, ctx));
        }
        left_out += of_kind.len().saturating_sub(shown);
    }
    if summarised {
        out.push_str(&format!(
            "::notice title=poollint::{left_out} more findings are not annotated (GitHub shows 10 of each kind per step); see the log or the SARIF upload\n"
        ));
    }
    out
}

/// A run error as an error annotation: on its file's line when it has a place (a
/// `poollint.toml` that cannot be used), else of the step (it concerns the run).
fn run_error(error: &RunError) -> String {
    let text = data(&error.text());
    match error.place(ColumnUnit::Chars) {
        Some(place) => format!(
            "::error file={},{},title=poollint::{text}\n",
            property(&github_path(error.path_from_root(&place))),
            lines_and_columns(&place),
        ),
        None => format!("::error title=poollint::{text}\n"),
    }
}

fn command(d: &Diagnostic, ctx: &RenderContext) -> String {
    let place = Place::of(d.primary, ctx.sources, ColumnUnit::Chars);
    let kind = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    };
    let message = match &d.help {
        Some(help) => format!("{}\nhelp: {help}", d.message),
        None => d.message.to_string(),
    };
    format!(
        "::{kind} file={},{},title={}::{}\n",
        property(&github_path(super::repository_relative(
            d,
            ctx.sources,
            &place.path
        ))),
        lines_and_columns(&place),
        property(d.rule),
        data(&message)
    )
}

/// `line=…,endLine=…` and, on one line only, `col=…,endColumn=…`: GitHub reads the
/// columns of a span over several lines wrongly and says to leave them out then.
fn lines_and_columns(place: &Place) -> String {
    let lines = format!("line={},endLine={}", place.start_line, place.end_line);
    if place.start_line != place.end_line {
        return lines;
    }
    format!(
        "{lines},col={},endColumn={}",
        place.start_column, place.end_column
    )
}

/// A file path for a workflow command: its line breaks are left to [`property`], whose
/// `%0A` GitHub turns back into the line break, so the annotation names the real file
/// (and no line of the log starts in the middle of it); other control characters are
/// written as escapes, as in every text format.
fn github_path(path: &str) -> String {
    path.split_inclusive(['\r', '\n'])
        .map(|part| {
            let body = part.trim_end_matches(['\r', '\n']);
            let line_break = part.get(body.len()..).unwrap_or("");
            // Not `shown_path`: a property escapes `:`, and the path must stay the file's.
            format!("{}{line_break}", crate::redact::escaped_controls(body))
        })
        .collect()
}

/// Escaping of a workflow command's message.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping of a workflow command's property value.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}
