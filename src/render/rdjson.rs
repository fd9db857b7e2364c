//! `rdjson` / `rdjsonl`: reviewdog's Diagnostic Format. Columns are 1-based UTF-8 byte
//! offsets with an exclusive end, as reviewdog expects; `code.value` is the rule and
//! `code.url` its page. Other inputs of a finding become `related_locations`, and a
//! simple replacement that fixes it a `suggestion` (reviewdog offers it as a
//! suggested change).
use std::io::{self, Write};

use serde::Serialize;

use super::{write_json, JsonSeq, Place, RenderContext};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::ColumnUnit;

const RULES_URL: &str = "https://github.com/poollint/poollint/blob/main/rules";

/// One `DiagnosticResult` document (fields in the order of the JSON object it was
/// once built as: sorted).
#[derive(Serialize)]
#[serde(bound(serialize = "D: Serialize"))]
struct Document<D> {
    diagnostics: D,
    source: Source,
}

/// One `DiagnosticResult` document.
pub fn write(
    diagnostics: &[Diagnostic],
    ctx: &RenderContext,
    out: &mut dyn Write,
) -> io::Result<()> {
    let document = Document {
        // Items of `diagnostics`, two levels deep.
        diagnostics: JsonSeq::new(diagnostics, 2, |d| diagnostic(d, ctx)),
        source: SOURCE,
    };
    write_json(out, &document)
}

/// One `Diagnostic` per line.
pub fn write_lines(
    diagnostics: &[Diagnostic],
    ctx: &RenderContext,
    out: &mut dyn Write,
) -> io::Result<()> {
    for d in diagnostics {
        serde_json::to_writer(&mut *out, &diagnostic(d, ctx))?;
        writeln!(out)?;
    }
    Ok(())
}

fn diagnostic<'a>(d: &'a Diagnostic, ctx: &RenderContext) -> RdDiagnostic<'a> {
    let place = Place::of(d.primary, ctx.sources, ColumnUnit::Bytes);
    let message = match &d.help {
        Some(help) => format!("{}\nhelp: {help}", d.message),
        None => d.message.to_string(),
    };
    let related = d.labels.iter().map(|label| {
        let place = Place::of(label.location, ctx.sources, ColumnUnit::Bytes);
        Related {
            location: location(place),
            message: &label.message,
        }
    });
    let suggestion = super::fix_edit(d).map(|(at, text)| Suggestion {
        range: range(&Place::of(at, ctx.sources, ColumnUnit::Bytes)),
        text,
    });
    RdDiagnostic {
        code: Code {
            url: format!("{RULES_URL}/{}.md", d.rule),
            value: d.rule,
        },
        location: location(place),
        message,
        related_locations: related.collect(),
        severity: match d.severity {
            Severity::Error => "ERROR",
            Severity::Warning => "WARNING",
            Severity::Info => "INFO",
        },
        source: SOURCE,
        suggestions: suggestion.map(|s| [s]),
    }
}

/// The tool that made the diagnostics.
#[derive(Serialize)]
struct Source {
    name: &'static str,
    url: &'static str,
}

const SOURCE: Source = Source {
    name: "poollint",
    url: "https://github.com/poollint/poollint",
};

// A diagnostic's parts. Their fields are in sorted order, as when diagnostics were
// built as JSON values (whose objects sort their keys), so the output kept its bytes.

#[derive(Serialize)]
struct RdDiagnostic<'a> {
    code: Code<'a>,
    location: Location,
    message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Related<'a>>,
    severity: &'static str,
    source: Source,
    #[serde(skip_serializing_if = "Option::is_none")]
    suggestions: Option<[Suggestion<'a>; 1]>,
}

#[derive(Serialize)]
struct Code<'a> {
    url: String,
    value: &'a str,
}

#[derive(Serialize)]
struct Location {
    path: String,
    range: Range,
}

#[derive(Serialize)]
struct Related<'a> {
    location: Location,
    message: &'a str,
}

#[derive(Serialize)]
struct Suggestion<'a> {
    range: Range,
    text: &'a str,
}

#[derive(Serialize)]
struct Range {
    end: Position,
    start: Position,
}

#[derive(Serialize)]
struct Position {
    column: usize,
    line: usize,
}

fn location(place: Place) -> Location {
    let range = range(&place);
    Location {
        path: place.path,
        range,
    }
}

fn range(place: &Place) -> Range {
    Range {
        start: Position {
            line: place.start_line,
            column: place.start_column,
        },
        end: Position {
            line: place.end_line,
            column: place.end_column,
        },
    }
}
