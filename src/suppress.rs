//! Inline suppressions (DESIGN.md §8), in any format with `#` or `;` comments:
//!
//! - `key: value  # poollint: ignore[rule-a, rule-b] -- reason` suppresses findings whose
//!   primary span starts on that line;
//! - the same comment alone on a line applies to the next line that is neither blank nor
//!   a comment;
//! - `# poollint: ignore-file[rule]` anywhere applies to the whole file.
//!
//! A suppression that suppresses nothing is an `unused-suppression` warning; an unknown
//! rule name is an `unused-suppression` error with a did-you-mean. The comment is found
//! in the text rather than in each parser's comment list, so every format (TOML's parser
//! keeps no comments) behaves the same.

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Location;
use crate::rules::{self, engine_rules};
use crate::source::{FileId, SourceFile, Span};

pub(crate) const MARKER: &str = "poollint:";

/// One rule name inside a suppression comment.
#[derive(Debug)]
struct Entry {
    rule: String,
    span: Span,
    used: bool,
}

/// One suppression comment.
#[derive(Debug)]
struct Suppression {
    /// 0-based line it applies to; None for `ignore-file`.
    line: Option<usize>,
    entries: Vec<Entry>,
}

/// Remove suppressed findings from `diagnostics` and add `unused-suppression` findings.
/// `enabled(rule)` says whether a rule ran, so suppressions for rules that were not
/// selected are not called unused.
pub fn apply(
    files: &[SourceFile],
    diagnostics: &mut Vec<Diagnostic>,
    enabled: impl Fn(&str) -> bool,
) {
    // In parallel: looking for the marker reads the text of every file. Only texts in
    // memory: the engine releases no text holding the marker.
    let mut found: BTreeMap<FileId, (&SourceFile, Vec<Suppression>)> = files
        .par_iter()
        .filter(|f| f.text_in_memory().is_some_and(|t| t.contains(MARKER)))
        .map(|f| (f.id, (f, scan(f))))
        .filter(|(_, (_, suppressions))| !suppressions.is_empty())
        .collect();
    if found.is_empty() {
        return;
    }
    diagnostics.retain(|d| !suppressed(d, &mut found));
    for (file, suppressions) in found.values() {
        for entry in suppressions.iter().flat_map(|s| &s.entries) {
            if let Some(diagnostic) = unused(file, entry, &enabled) {
                diagnostics.push(diagnostic);
            }
        }
    }
}

/// True (and the entry marked used) when a suppression in the diagnostic's file covers it.
fn suppressed(
    d: &Diagnostic,
    found: &mut BTreeMap<FileId, (&SourceFile, Vec<Suppression>)>,
) -> bool {
    let Some((file, suppressions)) = found.get_mut(&d.primary.file) else {
        return false;
    };
    let line = file.lines().line_of(d.primary.span.start);
    let mut hit = false;
    for suppression in suppressions.iter_mut() {
        if suppression.line.is_some_and(|l| l != line) {
            continue;
        }
        for entry in suppression.entries.iter_mut().filter(|e| e.rule == d.rule) {
            entry.used = true;
            hit = true;
        }
    }
    hit
}

fn unused(file: &SourceFile, entry: &Entry, enabled: &impl Fn(&str) -> bool) -> Option<Diagnostic> {
    let at = Location {
        file: file.id,
        span: entry.span,
    };
    let meta = &engine_rules::UNUSED_SUPPRESSION;
    if rules::find(&entry.rule).is_none() {
        let help = rules::suggest(&entry.rule)
            .map(|s| format!("did you mean `{s}`?"))
            .unwrap_or_else(|| "`poollint rules` lists every rule".to_owned());
        return Some(
            Diagnostic::new(
                meta,
                Severity::Error,
                at,
                format!("unknown rule `{}` in a suppression comment", entry.rule),
            )
            .with_label("no such rule")
            .with_help(help)
            .with_fingerprint(format!("unknown:{}", entry.rule)),
        );
    }
    if entry.used || !enabled(&entry.rule) || !enabled(meta.name) {
        return None;
    }
    Some(
        Diagnostic::new(
            meta,
            Severity::Warning,
            at,
            format!("this suppression of {} matches no finding", entry.rule),
        )
        .with_label("suppresses nothing")
        .with_help("remove it: the finding it was written for is gone, or it is on the wrong line")
        .with_fingerprint(entry.rule.clone()),
    )
}

/// Every suppression comment of a file.
fn scan(file: &SourceFile) -> Vec<Suppression> {
    let text: &str = file.text();
    let mut out = Vec::new();
    let count = file.lines().line_count();
    for line in 0..count {
        let range = file.line_range(line);
        let start = range.start;
        let Some(content) = text.get(range) else {
            continue;
        };
        let Some(comment) = comment_marker(content) else {
            continue;
        };
        let Some(parsed) = parse(content, comment, start) else {
            continue;
        };
        let alone = content[..comment].trim().is_empty();
        let target = match parsed.0 {
            Scope::File => None,
            Scope::Line if alone => Some(next_code_line(file, line)),
            Scope::Line => Some(line),
        };
        out.push(Suppression {
            line: target,
            entries: parsed.1,
        });
    }
    out
}

enum Scope {
    Line,
    File,
}

/// Byte offset of the `#`/`;` that starts a `poollint:` comment on this line.
fn comment_marker(line: &str) -> Option<usize> {
    let at = line.find(MARKER)?;
    let before = line[..at].trim_end();
    let marker = before.len().checked_sub(1)?;
    matches!(before.as_bytes().get(marker), Some(b'#' | b';')).then_some(marker)
}

/// `ignore[a, b]` or `ignore-file[a]` after the marker, with each name's span.
fn parse(line: &str, comment: usize, line_start: usize) -> Option<(Scope, Vec<Entry>)> {
    let after_marker = line[comment..].find(MARKER)? + comment + MARKER.len();
    let rest = &line[after_marker..];
    let trimmed = rest.trim_start();
    let offset = after_marker + (rest.len() - trimmed.len());
    let (scope, body_at) = if let Some(r) = trimmed.strip_prefix("ignore-file[") {
        (Scope::File, offset + trimmed.len() - r.len())
    } else if let Some(r) = trimmed.strip_prefix("ignore[") {
        (Scope::Line, offset + trimmed.len() - r.len())
    } else {
        return None;
    };
    let close = line[body_at..].find(']')? + body_at;
    let mut entries = Vec::new();
    let mut cursor = body_at;
    for name in line[body_at..close].split(',') {
        let lead = name.len() - name.trim_start().len();
        let rule = name.trim();
        if !rule.is_empty() {
            let start = line_start + cursor + lead;
            entries.push(Entry {
                rule: rule.to_owned(),
                span: Span::new(start, start + rule.len()),
                used: false,
            });
        }
        cursor += name.len() + 1;
    }
    Some((scope, entries))
}

/// The first line after `line` that is neither blank nor a comment.
fn next_code_line(file: &SourceFile, line: usize) -> usize {
    let count = file.lines().line_count();
    for next in line + 1..count {
        let content = file.text().get(file.line_range(next)).unwrap_or("").trim();
        if !content.is_empty() && !content.starts_with('#') && !content.starts_with(';') {
            return next;
        }
    }
    line + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{Encoding, SourceMap};

    fn file(text: &str) -> SourceMap {
        let mut map = SourceMap::default();
        map.add(
            std::path::Path::new("a.yml"),
            text.to_owned(),
            Encoding::Utf8,
        );
        map
    }

    fn finding(map: &SourceMap, rule: &'static str, at: &str) -> Diagnostic {
        let f = &map.files()[0];
        let start = f.text().find(at).unwrap();
        let meta = rules::find(rule).unwrap().meta();
        Diagnostic::new(
            meta,
            Severity::Error,
            Location {
                file: f.id,
                span: Span::new(start, start + at.len()),
            },
            "x",
        )
    }

    fn run(text: &str, findings: &[(&'static str, &str)]) -> Vec<(String, String)> {
        let map = file(text);
        let mut diagnostics: Vec<Diagnostic> = findings
            .iter()
            .map(|(r, at)| finding(&map, r, at))
            .collect();
        apply(map.files(), &mut diagnostics, |_| true);
        diagnostics
            .iter()
            .map(|d| {
                (
                    d.rule.to_owned(),
                    map.files()[0].slice(d.primary.span).to_owned(),
                )
            })
            .collect()
    }

    #[test]
    fn end_of_line_comment_suppresses_that_line() {
        let text = "a: 1 # poollint: ignore[pool-size-invalid] -- reason\nb: 2\n";
        let left = run(
            text,
            &[("pool-size-invalid", "1"), ("pool-size-invalid", "2")],
        );
        assert_eq!(left, vec![("pool-size-invalid".into(), "2".into())]);
    }

    #[test]
    fn own_line_comment_applies_to_the_next_code_line() {
        let text =
            "; poollint: ignore[pool-size-invalid, pool-min-exceeds-max]\n\n# other\nmax = 0\n";
        let left = run(text, &[("pool-size-invalid", "0")]);
        // The unused pool-min-exceeds-max entry is reported.
        assert_eq!(
            left,
            vec![("unused-suppression".into(), "pool-min-exceeds-max".into())]
        );
    }

    #[test]
    fn file_wide_and_unknown_rules() {
        let text = "# poollint: ignore-file[pool-size-invalid, pool-size-invalidd]\na: 1\n";
        let left = run(text, &[("pool-size-invalid", "1")]);
        assert_eq!(
            left,
            vec![("unused-suppression".into(), "pool-size-invalidd".into())]
        );
    }

    #[test]
    fn marker_inside_a_value_is_not_a_suppression() {
        let text = "a: \"poollint: ignore[pool-size-invalid]\"\n";
        let left = run(text, &[("pool-size-invalid", "a")]);
        assert_eq!(left.len(), 1);
    }
}
