//! `sarif`: SARIF 2.1.0 for GitHub code scanning. One run; `tool.driver.rules` lists every
//! registered rule (so `ruleIndex` is stable) with its `rules/NAME.md` page as
//! `help.text` and `help.markdown` (GitHub shows `help`, not `helpUri`). Columns count
//! Unicode code points and the run says so (`columnKind`). A clean run is still a valid
//! document with `"results": []`.
use std::io::{self, Write};

use serde::Serialize;
use serde_json::{json, Value};

use super::{set_field, unique_fingerprints, write_json, JsonSeq, Place, RenderContext};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Location;
use crate::rules;
use crate::source::{self, ColumnUnit, SourceMap};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFO_URI: &str = "https://github.com/poollint/poollint";
const SRCROOT: &str = "The repository root: the directory holding .git at or above the directory poollint ran in (that directory itself when there is none).";

/// The SARIF log. Fields are in sorted order, as when it was built as a JSON value
/// (whose objects sort their keys); only the results are made as they are written.
#[derive(Serialize)]
#[serde(bound(serialize = "Run<R>: Serialize"))]
struct Log<R> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    runs: [Run<R>; 1],
    version: &'static str,
}

#[derive(Serialize)]
#[serde(bound(serialize = "R: Serialize"))]
#[serde(rename_all = "camelCase")]
struct Run<R> {
    column_kind: &'static str,
    invocations: Value,
    original_uri_base_ids: Value,
    results: R,
    tool: Value,
}

pub fn write(
    diagnostics: &[Diagnostic],
    ctx: &RenderContext,
    out: &mut dyn Write,
) -> io::Result<()> {
    let registry = rules::registry();
    let rule_index = |name: &str| registry.iter().position(|r| r.meta().name == name);
    let fingerprinted: Vec<(&Diagnostic, String)> = diagnostics
        .iter()
        .zip(unique_fingerprints(diagnostics, ctx.sources))
        .collect();
    let log = Log {
        schema: SCHEMA,
        runs: [Run {
            column_kind: "unicodeCodePoints",
            invocations: invocations(ctx.errors),
            // No `uri`: SARIF wants an absolute one there, which would put this
            // machine's checkout path into the log.
            original_uri_base_ids: json!({"%SRCROOT%": {"description": {"text": SRCROOT}}}),
            // Items of `runs[0].results`, four levels deep.
            results: JsonSeq::new(&fingerprinted, 4, |(d, fingerprint)| {
                result(d, ctx, rule_index(d.rule), fingerprint)
            }),
            tool: json!({"driver": {
                "name": "poollint",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": INFO_URI,
                "rules": registry.iter().map(|r| rule(r.meta())).collect::<Vec<_>>(),
            }}),
        }],
        version: "2.1.0",
    };
    write_json(out, &log)
}

/// The run's one invocation: whether it completed, and the errors that stopped part of
/// it as notifications (code scanning shows them as the tool's errors).
fn invocations(errors: &[String]) -> Value {
    let mut invocation = json!({"executionSuccessful": errors.is_empty()});
    if !errors.is_empty() {
        let notifications: Vec<Value> = errors
            .iter()
            .map(|e| json!({"level": "error", "message": {"text": e}}))
            .collect();
        set_field(
            &mut invocation,
            "toolExecutionNotifications",
            json!(notifications),
        );
    }
    json!([invocation])
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn rule(meta: &rules::RuleMeta) -> Value {
    let page = rules::page(meta.name).unwrap_or(meta.summary);
    json!({
        "id": meta.name,
        "name": meta.name,
        "shortDescription": {"text": meta.summary},
        "fullDescription": {"text": meta.summary},
        "help": {"text": page, "markdown": page},
        "helpUri": format!("{INFO_URI}/blob/main/rules/{}.md", meta.name),
        "defaultConfiguration": {"level": level(meta.default_severity)},
        "properties": {"tags": [meta.category.as_str()]},
    })
}

/// One result, with its fingerprint numbered among its repeats, which code scanning
/// would otherwise take for one alert ([`unique_fingerprints`]).
fn result(d: &Diagnostic, ctx: &RenderContext, index: Option<usize>, fingerprint: &str) -> Value {
    let place = Place::of(d.primary, ctx.sources, ColumnUnit::Chars);
    let text = match &d.help {
        Some(help) => format!("{}\nhelp: {help}", d.message),
        None => d.message.clone(),
    };
    let mut result = json!({
        "ruleId": d.rule,
        "level": level(d.severity),
        "message": {"text": text},
        "locations": [location(&place, d.primary, ctx.sources, None)],
        "partialFingerprints": {"poollint/v1": fingerprint},
    });
    if let Some(index) = index {
        set_field(&mut result, "ruleIndex", json!(index));
    }
    if !d.labels.is_empty() {
        let related: Vec<Value> = d
            .labels
            .iter()
            .enumerate()
            .map(|(i, label)| {
                let place = Place::of(label.location, ctx.sources, ColumnUnit::Chars);
                let mut value = location(&place, label.location, ctx.sources, Some(&label.message));
                set_field(&mut value, "id", json!(i));
                value
            })
            .collect();
        set_field(&mut result, "relatedLocations", json!(related));
    }
    if let Some(fix) = fix(d, ctx) {
        set_field(&mut result, "fixes", json!([fix]));
    }
    result
}

fn location(place: &Place, at: Location, sources: &SourceMap, message: Option<&str>) -> Value {
    let mut value = json!({
        "physicalLocation": {
            "artifactLocation": artifact_location(place, at, sources),
            "region": region(place),
        },
    });
    if let Some(message) = message {
        set_field(&mut value, "message", json!({"text": message}));
    }
    value
}

/// Where a file is, as GitHub code scanning places it: relative to the repository root
/// (`%SRCROOT%`), or, for a file outside it, an absolute `file:` URI.
fn artifact_location(place: &Place, at: Location, sources: &SourceMap) -> Value {
    let Some(file) = sources.get(at.file) else {
        return json!({"uri": uri(place.path.as_bytes()), "uriBaseId": "%SRCROOT%"});
    };
    // From the path's bytes, not its display: a name that is not UTF-8 keeps them.
    match source::repository_relative(&file.path) {
        Some(relative) => {
            json!({"uri": uri(relative.as_os_str().as_encoded_bytes()), "uriBaseId": "%SRCROOT%"})
        }
        None => {
            let absolute = source::absolute(&file.path);
            json!({"uri": format!("file://{}", uri(absolute.as_os_str().as_encoded_bytes()))})
        }
    }
}

fn region(place: &Place) -> Value {
    json!({
        "startLine": place.start_line,
        "startColumn": place.start_column,
        "endLine": place.end_line,
        "endColumn": place.end_column.max(1),
    })
}

/// A finding's simple replacement as a SARIF `fix` (one change, one replacement).
fn fix(d: &Diagnostic, ctx: &RenderContext) -> Option<Value> {
    let (at, text) = super::fix_edit(d)?;
    let place = Place::of(at, ctx.sources, ColumnUnit::Chars);
    Some(json!({
        "description": {"text": d.help.as_deref().unwrap_or(d.message.as_str())},
        "artifactChanges": [{
            "artifactLocation": artifact_location(&place, at, ctx.sources),
            "replacements": [{"deletedRegion": region(&place), "insertedContent": {"text": text}}],
        }],
    }))
}

/// A relative path as a URI reference: `/` separators, every other byte that is not
/// unreserved escaped (those of a name that is not UTF-8 too).
fn uri(mut path: &[u8]) -> String {
    while let Some(rest) = path.strip_prefix(b"./") {
        path = rest;
    }
    let mut out = String::with_capacity(path.len());
    for &byte in path {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char)
            }
            b'\\' if cfg!(windows) => out.push('/'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn uris_are_escaped_references() {
        assert_eq!(super::uri(b"./a b/\xc3\xbc.yml"), "a%20b/%C3%BC.yml");
        assert_eq!(super::uri(b"bad\xffname/a.yml"), "bad%FFname/a.yml");
    }
}
