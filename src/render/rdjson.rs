//! `rdjson` / `rdjsonl`: reviewdog's Diagnostic Format. Columns are 1-based UTF-8 byte
//! offsets with an exclusive end, as reviewdog expects; `code.value` is the rule and
//! `code.url` its page. Other inputs of a finding become `related_locations`.
use serde_json::{json, Value};

use super::{set_field, Place, RenderContext};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::ColumnUnit;

const RULES_URL: &str = "https://github.com/poollint/poollint/blob/main/rules";

/// One `DiagnosticResult` document.
pub fn render(diagnostics: &[Diagnostic], ctx: &RenderContext) -> String {
    let document = json!({
        "source": source(),
        "diagnostics": diagnostics.iter().map(|d| diagnostic(d, ctx)).collect::<Vec<_>>(),
    });
    let mut out = serde_json::to_string_pretty(&document).unwrap_or_else(|_| "{}".into());
    out.push('\n');
    out
}

/// One `Diagnostic` per line.
pub fn render_lines(diagnostics: &[Diagnostic], ctx: &RenderContext) -> String {
    diagnostics
        .iter()
        .map(|d| format!("{}\n", diagnostic(d, ctx)))
        .collect()
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
    value
}

fn location(place: &Place) -> Value {
    json!({
        "path": place.path,
        "range": {
            "start": {"line": place.start_line, "column": place.start_column},
            "end": {"line": place.end_line, "column": place.end_column},
        },
    })
}
