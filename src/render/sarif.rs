//! `sarif`: SARIF 2.1.0 for GitHub code scanning. One run; `tool.driver.rules` lists every
//! registered rule (so `ruleIndex` is stable) with its `rules/NAME.md` page as
//! `help.text` and `help.markdown` (GitHub shows `help`, not `helpUri`). Columns count
//! Unicode code points and the run says so (`columnKind`). A clean run is still a valid
//! document with `"results": []`. Run errors are the invocation's notifications, with a
//! location as a result's when they have a place.
use std::io::{self, Write};

use serde::Serialize;
use serde_json::{json, Value};

use super::{
    set_field, with_unique_fingerprints, write_json, JsonSeq, Place, RenderContext, RunError,
};
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
    let fingerprinted = with_unique_fingerprints(diagnostics, ctx.sources);
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
fn invocations(errors: &[RunError]) -> Value {
    let mut invocation = json!({"executionSuccessful": errors.is_empty()});
    if !errors.is_empty() {
        let notifications: Vec<Notification> = errors.iter().map(notification).collect();
        set_field(
            &mut invocation,
            "toolExecutionNotifications",
            json!(notifications),
        );
    }
    json!([invocation])
}

/// A run error as a notification, with its place as a result has one when it has a
/// place (a `poollint.toml` that cannot be used).
fn notification<'a>(error: &'a RunError) -> Notification<'a> {
    let locations = error.at.and_then(|at| {
        let place = error.place(ColumnUnit::Chars)?;
        Some([SarifLocation {
            id: None,
            message: None,
            physical_location: physical_location(&place, at.location, at.sources),
        }])
    });
    Notification {
        level: "error",
        locations,
        message: Text { text: error.text() },
    }
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
/// would otherwise take for one alert ([`with_unique_fingerprints`]).
fn result<'a>(
    d: &'a Diagnostic,
    ctx: &RenderContext,
    index: Option<usize>,
    fingerprint: &'a str,
) -> SarifResult<'a> {
    let place = Place::of(d.primary, ctx.sources, ColumnUnit::Chars);
    let text = match &d.help {
        Some(help) => format!("{}\nhelp: {help}", d.message),
        None => d.message.to_string(),
    };
    let related = d.labels.iter().enumerate().map(|(i, label)| {
        let place = Place::of(label.location, ctx.sources, ColumnUnit::Chars);
        SarifLocation {
            id: Some(i),
            message: Some(Text {
                text: &label.message,
            }),
            physical_location: physical_location(&place, label.location, ctx.sources),
        }
    });
    SarifResult {
        fixes: fix(d, ctx).map(|fix| [fix]),
        level: level(d.severity),
        locations: [SarifLocation {
            id: None,
            message: None,
            physical_location: physical_location(&place, d.primary, ctx.sources),
        }],
        message: Text { text },
        partial_fingerprints: Fingerprints { v1: fingerprint },
        related_locations: related.collect(),
        rule_id: d.rule,
        rule_index: index,
    }
}

// A result's parts. Their fields are in sorted order, as when results were built as
// JSON values (whose objects sort their keys), so the output kept its bytes.

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    fixes: Option<[Fix<'a>; 1]>,
    level: &'static str,
    locations: [SarifLocation<'a>; 1],
    message: Text<String>,
    partial_fingerprints: Fingerprints<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<SarifLocation<'a>>,
    rule_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
}

#[derive(Serialize)]
struct Notification<'a> {
    level: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    locations: Option<[SarifLocation<'a>; 1]>,
    message: Text<String>,
}

#[derive(Serialize)]
struct Text<T> {
    text: T,
}

#[derive(Serialize)]
struct Fingerprints<'a> {
    #[serde(rename = "poollint/v1")]
    v1: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation<'a> {
    /// A related location's number.
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text<&'a str>>,
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    end_column: usize,
    end_line: usize,
    start_column: usize,
    start_line: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Fix<'a> {
    artifact_changes: [ArtifactChange<'a>; 1],
    description: Text<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange<'a> {
    artifact_location: ArtifactLocation,
    replacements: [Replacement<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement<'a> {
    deleted_region: Region,
    inserted_content: Text<&'a str>,
}

fn physical_location(place: &Place, at: Location, sources: &SourceMap) -> PhysicalLocation {
    PhysicalLocation {
        artifact_location: artifact_location(place, at, sources),
        region: region(place),
    }
}

/// Where a file is, as GitHub code scanning places it: relative to the repository root
/// (`%SRCROOT%`), or, for a file outside it, an absolute `file:` URI.
fn artifact_location(place: &Place, at: Location, sources: &SourceMap) -> ArtifactLocation {
    let from_root = |uri| ArtifactLocation {
        uri,
        uri_base_id: Some("%SRCROOT%"),
    };
    let Some(file) = sources.get(at.file) else {
        return from_root(uri(place.path.as_bytes()));
    };
    // From the path's bytes, not its display: a name that is not UTF-8 keeps them.
    match source::repository_relative(&file.path) {
        Some(relative) => from_root(uri(relative.as_os_str().as_encoded_bytes())),
        None => {
            let absolute = source::absolute(&file.path);
            ArtifactLocation {
                uri: format!("file://{}", uri(absolute.as_os_str().as_encoded_bytes())),
                uri_base_id: None,
            }
        }
    }
}

fn region(place: &Place) -> Region {
    Region {
        start_line: place.start_line,
        start_column: place.start_column,
        end_line: place.end_line,
        end_column: place.end_column.max(1),
    }
}

/// A finding's simple replacement as a SARIF `fix` (one change, one replacement).
fn fix<'a>(d: &'a Diagnostic, ctx: &RenderContext) -> Option<Fix<'a>> {
    let (at, text) = super::fix_edit(d)?;
    let place = Place::of(at, ctx.sources, ColumnUnit::Chars);
    Some(Fix {
        artifact_changes: [ArtifactChange {
            artifact_location: artifact_location(&place, at, ctx.sources),
            replacements: [Replacement {
                deleted_region: region(&place),
                inserted_content: Text { text },
            }],
        }],
        description: Text {
            text: d.help.as_deref().unwrap_or(&d.message),
        },
    })
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
