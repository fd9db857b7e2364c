//! `json` output: the contract of DESIGN.md §7. Lines and columns are 1-based, columns
//! count Unicode scalar values, `span` is bytes with an exclusive end.
use std::io::{self, Write};

use serde::Serialize;

use super::{write_json, JsonSeq, RenderContext, RunError};
use crate::diagnostic::Diagnostic;
use crate::model::Location;
use crate::source::{ColumnUnit, SourceMap};

#[derive(Serialize)]
#[serde(bound(serialize = "D: Serialize"))]
struct Document<D> {
    tool: Tool,
    diagnostics: D,
    summary: JsonSummary,
    /// What stopped part of the run (it exits 2); empty for a complete run.
    /// Strings (`path:line:col: message` for one with a place): DESIGN.md's contract.
    errors: Vec<String>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    rule: &'a str,
    category: &'a str,
    severity: &'a str,
    message: &'a str,
    help: Option<&'a str>,
    path: String,
    key: Option<&'a str>,
    span: JsonSpan,
    start: Position,
    end: Position,
    labels: Vec<JsonLabel<'a>>,
    fingerprint: String,
    /// Present only when the finding has a simple replacement ([`super::fix_edit`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<JsonFix<'a>>,
}

/// The edit that fixes a finding: replace the text at `span` by `replacement`.
#[derive(Serialize)]
struct JsonFix<'a> {
    path: String,
    span: JsonSpan,
    start: Position,
    end: Position,
    replacement: &'a str,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    message: &'a str,
    path: String,
    span: JsonSpan,
    start: Position,
    end: Position,
}

#[derive(Serialize)]
struct JsonSpan {
    start: usize,
    end: usize,
}

#[derive(Serialize)]
struct Position {
    line: usize,
    column: usize,
}

#[derive(Serialize)]
struct JsonSummary {
    files: usize,
    error: usize,
    warning: usize,
    info: usize,
}

pub fn write(
    diagnostics: &[Diagnostic],
    ctx: &RenderContext,
    out: &mut dyn Write,
) -> io::Result<()> {
    let document = Document {
        tool: Tool {
            name: "poollint",
            version: env!("CARGO_PKG_VERSION"),
        },
        // Items of `diagnostics`, two levels deep.
        diagnostics: JsonSeq::new(diagnostics, 2, |d| diagnostic(d, ctx.sources)),
        summary: JsonSummary {
            files: ctx.summary.files,
            error: ctx.summary.error,
            warning: ctx.summary.warning,
            info: ctx.summary.info,
        },
        errors: ctx.errors.iter().map(RunError::text).collect(),
    };
    write_json(out, &document)
}

fn diagnostic<'a>(d: &'a Diagnostic, sources: &SourceMap) -> JsonDiagnostic<'a> {
    let (path, span, start, end) = place(d.primary, sources);
    JsonDiagnostic {
        rule: d.rule,
        category: d.category,
        severity: d.severity.as_str(),
        message: &d.message,
        help: d.help.as_deref(),
        fingerprint: super::fingerprint(d, sources, &path),
        path,
        key: d.key.as_deref(),
        span,
        start,
        end,
        labels: d
            .labels
            .iter()
            .map(|label| {
                let (path, span, start, end) = place(label.location, sources);
                JsonLabel {
                    message: &label.message,
                    path,
                    span,
                    start,
                    end,
                }
            })
            .collect(),
        fix: super::fix_edit(d).map(|(location, replacement)| {
            let (path, span, start, end) = place(location, sources);
            JsonFix {
                path,
                span,
                start,
                end,
                replacement,
            }
        }),
    }
}

/// Path, byte span and 1-based start/end positions of a location.
fn place(location: Location, sources: &SourceMap) -> (String, JsonSpan, Position, Position) {
    let span = JsonSpan {
        start: location.span.start,
        end: location.span.end,
    };
    match sources.get(location.file) {
        Some(file) => {
            let start = file.position(location.span.start, ColumnUnit::Chars);
            let end = file.position(location.span.end, ColumnUnit::Chars);
            (
                file.display.clone(),
                span,
                Position {
                    line: start.line,
                    column: start.column,
                },
                Position {
                    line: end.line,
                    column: end.column,
                },
            )
        }
        None => (
            "<unknown>".to_owned(),
            span,
            Position { line: 1, column: 1 },
            Position { line: 1, column: 1 },
        ),
    }
}
