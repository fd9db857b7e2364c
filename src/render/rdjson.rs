//! `rdjson` / `rdjsonl`: reviewdog's Diagnostic Format. Columns are 1-based UTF-8 byte
//! offsets with an exclusive end, as reviewdog expects; `code.value` is the rule and
//! `code.url` its page. Other inputs of a finding become `related_locations`, and a
//! simple replacement that fixes it a `suggestion` (reviewdog offers it as a
//! suggested change).
use std::io::{self, Write};

use serde::Serialize;
use serde_json::{json, Value};

use super::{set_field, write_json, JsonSeq, Place, RenderContext};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::ColumnUnit;

const RULES_URL: &str = "https://github.com/poollint/poollint/blob/main/rules";

/// One `DiagnosticResult` document (fields in the order of the JSON object it was
/// once built as: sorted).
#[derive(Serialize)]
#[serde(bound(serialize = "D: Serialize"))]
struct Document<D> {
    diagnostics: D,
    source: Value,
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
        source: source(),
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
        writeln!(out, "{}", diagnostic(d, ctx))?;
    }
    Ok(())
}

fn source() -> Value {
    json!({"name": "poollint", "url": "https://github.com/poollint/poollint"})
}

fn diagnostic(d: &Diagnostic, ctx: &RenderContext) -> Value {
    let place = Place::of(d.primary, ctx.sources, ColumnUnit::Bytes);
    let message = match &d.help {
        Some(help) => format!("{}\nhelp: {help}", d.message),
        None => d.message.clone(),
    };
    let mut value = json!({
        "message": message,
        "location": location(&place),
        "severity": match d.severity {
            Severity::Error => "ERROR",
            Severity::Warning => "WARNING",
            Severity::Info => "INFO",
        },
        "source": source(),
        "code": {"value": d.rule, "url": format!("{RULES_URL}/{}.md", d.rule)},
    });
    if !d.labels.is_empty() {
        let related: Vec<Value> = d
            .labels
            .iter()
            .map(|label| {
                let place = Place::of(label.location, ctx.sources, ColumnUnit::Bytes);
                json!({"message": label.message, "location": location(&place)})
            })
            .collect();
        set_field(&mut value, "related_locations", Value::Array(related));
    }
    if let Some((at, text)) = super::fix_edit(d) {
        let place = Place::of(at, ctx.sources, ColumnUnit::Bytes);
        let suggestion = json!({"range": range(&place), "text": text});
        set_field(&mut value, "suggestions", Value::Array(vec![suggestion]));
    }
    value
}

fn location(place: &Place) -> Value {
    json!({"path": place.path, "range": range(place)})
}

fn range(place: &Place) -> Value {
    json!({
        "start": {"line": place.start_line, "column": place.start_column},
        "end": {"line": place.end_line, "column": place.end_column},
    })
}
