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
//! in the text, then kept only where the file's parser recorded a comment
//! ([`comment_spans`]): text that is part of a value (`.properties` has `#` comments
//! only at the start of a line, PgBouncer has no end-of-line comments) suppresses
//! nothing. TOML's parser keeps no comments and Ruby files are not parsed: in those the
//! text alone decides.

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use memchr::memmem;
use rayon::prelude::*;

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Location;
use crate::rules::{self, engine_rules};
use crate::source::{FileId, SourceFile, Span};
use crate::syntax::{Document, Format, NodeKind, ScalarStyle};

pub(crate) const MARKER: &str = "poollint:";

/// Whether `text` holds [`MARKER`]: asked of every file (its comments are recorded, its
/// text kept, only then), so with a searcher built once.
pub(crate) fn holds_marker(text: &str) -> bool {
    static FINDER: LazyLock<memmem::Finder<'static>> =
        LazyLock::new(|| memmem::Finder::new(MARKER));
    FINDER.find(text.as_bytes()).is_some()
}

/// Where the comments of each file holding [`MARKER`] are, as its parser read them:
/// only a marker inside one of them is a suppression. A file not in it (its format
/// records no comments, or its parser failed) is judged by its text alone.
pub type CommentIndex = HashMap<FileId, Vec<Span>>;

/// The spans where a suppression may be in `text` parsed as `doc`: its comments, and
/// the comments of the block scalars (`|`, `>`) under a key naming a file of a kind
/// with comments (a ConfigMap's `application.properties: |`), which the outer tree
/// does not record: a line that starts with `#`, `;` or `!`, and in a block under a
/// YAML file's name (`application.yml: |`) any `#` too, as YAML has end-of-line
/// comments. A marker after a value in a `.properties` or PgBouncer block is part of
/// the value there, as in a file of its own. Another block's text is its value (a
/// shell script's `# …` under `entrypoint.sh: |`, a multi-line `pool-name: |`), not a
/// comment. None when the format records no comments (TOML, Ruby) or `text` holds no
/// marker.
pub(crate) fn comment_spans(format: Format, text: &str, doc: &Document) -> Option<Vec<Span>> {
    if matches!(format, Format::Toml | Format::Raw) || !holds_marker(text) {
        return None;
    }
    let mut spans: Vec<Span> = doc.comments.iter().map(|c| c.span).collect();
    // ERB comment tags (`<%# … %>`), which Rails drops before the YAML is read.
    if format == Format::ErbYaml {
        let is_comment = |tag: &crate::syntax::erb::Tag| {
            text.get(tag.span.start..)
                .is_some_and(|t| t.starts_with("<%#"))
        };
        let tags = crate::syntax::erb::tags(text);
        spans.extend(tags.iter().filter(|t| is_comment(t)).map(|t| t.span));
    }
    for (value, kind) in embedded_files(doc) {
        let Some(node) = doc.nodes.get(value) else {
            continue;
        };
        let NodeKind::Scalar(scalar) = &node.kind else {
            continue;
        };
        if !matches!(scalar.style, ScalarStyle::Literal | ScalarStyle::Folded) {
            continue;
        }
        match kind {
            Embedded::Yaml => spans.push(node.span),
            Embedded::Lines => spans.extend(own_line_comments(text, node.span)),
        }
    }
    Some(spans)
}

/// How a file held in a block scalar writes its comments.
#[derive(Clone, Copy)]
enum Embedded {
    /// YAML: `#` anywhere.
    Yaml,
    /// `.properties`, INI and `.conf`/`.cnf`, `.env`: a line starting with `#`, `;`
    /// or `!`.
    Lines,
}

/// The nodes that are the values of keys naming a file of a kind with comments
/// (`application.yml: |`, `pgbouncer.ini: |`), with how that kind writes them.
fn embedded_files(doc: &Document) -> Vec<(usize, Embedded)> {
    let mut found = Vec::new();
    for node in &doc.nodes {
        let NodeKind::Map(entries) = &node.kind else {
            continue;
        };
        for entry in entries {
            let key = doc.text(entry.key).unwrap_or("");
            let extension = key.rsplit_once('.').map_or("", |(_, e)| e);
            let kind = match extension {
                "yml" | "yaml" => Embedded::Yaml,
                "properties" | "ini" | "conf" | "cnf" | "env" => Embedded::Lines,
                _ => continue,
            };
            found.push((entry.value.0, kind));
        }
    }
    found
}

/// The lines of `block` in `text` whose content starts with a comment character, from
/// that character to the line's end.
fn own_line_comments(text: &str, block: Span) -> impl Iterator<Item = Span> + '_ {
    let lines = text.get(block.start..block.end).unwrap_or("");
    let mut line_start = block.start;
    lines.split_inclusive('\n').filter_map(move |line| {
        let start = line_start;
        line_start += line.len();
        let content = line.trim_start();
        let at = start + (line.len() - content.len());
        content
            .starts_with(['#', ';', '!'])
            .then(|| Span::new(at, start + line.trim_end().len()))
    })
}

/// One rule name inside a suppression comment.
#[derive(Debug)]
struct Entry {
    rule: String,
    span: Span,
    used: bool,
    /// Neither `ignore[…]` nor `ignore-file[…]` (`ignor[x]`, an unclosed `ignore[x`):
    /// reported, as it suppresses nothing.
    malformed: bool,
}

/// One suppression comment.
#[derive(Debug)]
struct Suppression {
    /// 0-based line it applies to; None for `ignore-file`.
    line: Option<usize>,
    entries: Vec<Entry>,
}

impl Suppression {
    fn names(&self, rule: &str) -> bool {
        self.entries.iter().any(|entry| entry.rule == rule)
    }
}

/// Where a suppression entry used is: its file's path and the span of the rule it names.
pub type UsedEntry = (std::path::PathBuf, Span);

/// Remove suppressed findings from `diagnostics` and add `unused-suppression` findings.
/// `enabled(rule)` says whether a rule ran, so suppressions for rules that were not
/// selected are not called unused. Returns the entries that suppressed a finding: where
/// manifests split a run, a file another manifest's topology reads may have its
/// suppression used there only ([`crate::scopes::settle_foreign_findings`]).
pub fn apply(
    files: &[SourceFile],
    comments: &CommentIndex,
    diagnostics: &mut Vec<Diagnostic>,
    enabled: impl Fn(&str) -> bool,
) -> Vec<UsedEntry> {
    let mut found = suppressions_of(files, comments);
    if found.is_empty() {
        return Vec::new();
    }
    diagnostics.retain(|d| !suppressed(d, &mut found));
    // `ignore[x, unused-suppression]` keeps a suppression that may become unused
    // quietly, as ruff's `# noqa: F401, RUF100` does: its own entries are never
    // reported unused, on its line or on a line of its own (whose findings would stand
    // on the comment's line, not the next line it applies to), and other unused
    // findings are suppressed like any other (`ignore-file[unused-suppression]`).
    let mut unused_found: Vec<Diagnostic> = found
        .values()
        .flat_map(|found| {
            found
                .suppressions
                .iter()
                .filter(|s| !s.names(engine_rules::UNUSED_SUPPRESSION.name))
                .flat_map(|s| &s.entries)
                .filter_map(|entry| unused(found.file, entry, &enabled))
        })
        .collect();
    unused_found.retain(|d| !suppressed(d, &mut found));
    diagnostics.extend(unused_found);
    found
        .values()
        .flat_map(|found| {
            let entries = found.suppressions.iter().flat_map(|s| &s.entries);
            entries
                .filter(|entry| entry.used)
                .map(|entry| (found.file.path.clone(), entry.span))
        })
        .collect()
}

/// Apply inline suppressions to findings made after the check (`risky-pool-change`,
/// by `--diff-base`). None is reported unused: [`apply`] already reported the others,
/// and a suppression of a comparison with a revision has nothing to match in a run
/// without one.
pub fn apply_late(
    files: &[SourceFile],
    comments: &CommentIndex,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut found = suppressions_of(files, comments);
    if !found.is_empty() {
        diagnostics.retain(|d| !suppressed(d, &mut found));
    }
}

/// Each file's suppressions, for the files that have any. In parallel: looking for the
/// marker reads the text of every file. Only texts in memory: the engine releases no
/// text holding the marker.
fn suppressions_of<'f>(
    files: &'f [SourceFile],
    comments: &CommentIndex,
) -> BTreeMap<FileId, FileSuppressions<'f>> {
    files
        .par_iter()
        .filter(|f| f.text_in_memory().is_some_and(holds_marker))
        .map(|f| {
            let comments = comments.get(&f.id).map(Vec::as_slice);
            (f.id, FileSuppressions::new(f, scan(f, comments)))
        })
        .filter(|(_, found)| !found.suppressions.is_empty())
        .collect()
}

/// The line a suppression applies to (None: the whole file) and a rule it names →
/// which entry of which suppression names it.
type SuppressionIndex = HashMap<(Option<usize>, String), Vec<(usize, usize)>>;

/// A file's suppressions, indexed by the line they apply to (None: the whole file) and
/// rule, so each finding looks up its own instead of scanning them all.
struct FileSuppressions<'f> {
    file: &'f SourceFile,
    suppressions: Vec<Suppression>,
    index: SuppressionIndex,
}

impl<'f> FileSuppressions<'f> {
    fn new(file: &'f SourceFile, suppressions: Vec<Suppression>) -> Self {
        let mut index = SuppressionIndex::new();
        for (s, suppression) in suppressions.iter().enumerate() {
            for (e, entry) in suppression.entries.iter().enumerate() {
                index
                    .entry((suppression.line, entry.rule.clone()))
                    .or_default()
                    .push((s, e));
            }
        }
        FileSuppressions {
            file,
            suppressions,
            index,
        }
    }
}

/// True (and the entries marked used) when a suppression in the diagnostic's file
/// covers it: one on its line or one for the whole file.
fn suppressed(d: &Diagnostic, found: &mut BTreeMap<FileId, FileSuppressions>) -> bool {
    let Some(found) = found.get_mut(&d.primary.file) else {
        return false;
    };
    let lines = entry_lines(found.file, d.primary.span.start);
    let mut hit = false;
    for scope in lines.into_iter().map(Some).chain([None]) {
        let Some(covering) = found.index.get(&(scope, d.rule.to_owned())) else {
            continue;
        };
        for &(s, e) in covering {
            let entry = found
                .suppressions
                .get_mut(s)
                .and_then(|s| s.entries.get_mut(e));
            if let Some(entry) = entry {
                entry.used = true;
                hit = true;
            }
        }
    }
    hit
}

/// The lines whose suppressions cover a finding at `at`: its own, and when its value
/// starts a line that continues an entry begun above (a `.properties` line ending in
/// `\`, a YAML `key:` or `key: |` with the value below), the lines of that entry up to
/// its key: a comment above the key, or after it, then applies to the value too.
fn entry_lines(file: &SourceFile, at: usize) -> Vec<usize> {
    let text = file.text();
    let mut line = file.lines().line_of(at);
    let mut lines = vec![line];
    let range = file.line_range(line);
    if !text
        .get(range.start..at)
        .is_some_and(|before| before.trim().is_empty())
    {
        return lines;
    }
    // A line that is itself a YAML entry (`minimum-idel: 2` under `hikari:`) is no
    // continuation of the key above it.
    let is_entry = is_yaml_entry(text.get(range).unwrap_or(""));
    let content = |line: usize| text.get(file.line_range(line)).unwrap_or("").trim_end();
    while let Some(above) = line.checked_sub(1) {
        let continued = content(above).ends_with('\\') && !content(above).ends_with("\\\\");
        if continued {
            line = above;
            lines.push(line);
            continue;
        }
        if !is_entry {
            lines.extend(yaml_key_above(line, &content));
        }
        break;
    }
    lines
}

/// The line of the YAML `key:` (or `key: |`) whose value starts on `line`, with blank
/// and comment lines between them skipped.
fn yaml_key_above<'t>(line: usize, content: &impl Fn(usize) -> &'t str) -> Option<usize> {
    let key = (0..line).rev().find(|&above| {
        let code = content(above).trim_start();
        !code.is_empty() && !code.starts_with('#')
    })?;
    opens_value_below(content(key)).then_some(key)
}

/// A YAML mapping entry (`key: value`, `key:`): a key without spaces, then `:` and a
/// space or the end, before any comment. A value line (`jdbc:postgresql://db/app  # TODO:
/// x`) is none.
fn is_yaml_entry(line: &str) -> bool {
    let code = line
        .find(" #")
        .map_or(line, |comment| &line[..comment])
        .trim();
    let colon = code.match_indices(':').map(|(at, _)| at).find(|&at| {
        let rest = &code[at + 1..];
        rest.is_empty() || rest.starts_with([' ', '\t'])
    });
    colon.is_some_and(|at| at > 0 && !code[..at].contains([' ', '\t']) && !code.starts_with('-'))
}

/// A YAML line whose value starts on the next line: `key:` or a block scalar's
/// `key: |` / `key: >-`, a trailing comment aside.
fn opens_value_below(line: &str) -> bool {
    let code = line
        .find(" #")
        .map_or(line, |comment| &line[..comment])
        .trim_end();
    if code.ends_with(':') {
        return true;
    }
    let indicator = code.trim_end_matches(|c: char| c == '-' || c == '+' || c.is_ascii_digit());
    (indicator.ends_with(": |") || indicator.ends_with(": >")) && !code.starts_with('#')
}

fn unused(file: &SourceFile, entry: &Entry, enabled: &impl Fn(&str) -> bool) -> Option<Diagnostic> {
    let at = Location {
        file: file.id,
        span: entry.span,
    };
    let meta = &engine_rules::UNUSED_SUPPRESSION;
    if entry.malformed {
        return enabled(meta.name).then(|| {
            Diagnostic::new(
                meta,
                Severity::Warning,
                at,
                "this suppression comment is neither `ignore[…]` nor `ignore-file[…]`, so it suppresses nothing",
            )
            .with_label("not a suppression")
            .with_help("write `# poollint: ignore[rule-name] -- reason` (or `ignore-file[rule-name]`), with the list closed by `]`, or remove it")
            .with_fingerprint("malformed")
        });
    }
    if entry.rule.is_empty() {
        return enabled(meta.name).then(|| {
            Diagnostic::new(
                meta,
                Severity::Warning,
                at,
                "this suppression names no rule, so it suppresses nothing",
            )
            .with_label("no rule named")
            .with_help("name the rules it is for, e.g. `# poollint: ignore[rule-name] -- reason`, or remove it")
            .with_fingerprint("no-rule")
        });
    }
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
        .with_fingerprint(&entry.rule),
    )
}

/// Every suppression comment of a file, in one pass over its lines; with `comments`
/// (see [`comment_spans`]), only those whose `#`/`;` is inside one of them.
fn scan(file: &SourceFile, comments: Option<&[Span]>) -> Vec<Suppression> {
    let text: &str = file.text();
    let mut out: Vec<Suppression> = Vec::new();
    // Comments alone on their line, waiting for the next line of code (their indices
    // in `out`): found as the pass goes, not by a walk forward from each.
    let mut waiting: Vec<usize> = Vec::new();
    for line in 0..file.lines().line_count() {
        let range = file.line_range(line);
        let start = range.start;
        let content = text.get(range).unwrap_or("");
        if !waiting.is_empty() && is_code(text, content, start, comments) {
            for index in waiting.drain(..) {
                if let Some(suppression) = out.get_mut(index) {
                    suppression.line = Some(line);
                }
            }
        }
        // Every marker of the line: a value may hold the text `poollint:` before the
        // comment, and one comment may hold two suppressions.
        let markers: Vec<usize> = comment_markers(content)
            .filter(|&comment| is_suppression_comment(content, comment, start, comments))
            .collect();
        let Some(&first) = markers.first() else {
            continue;
        };
        let alone = is_alone(content, first, start, comments);
        for comment in markers {
            let Some((scope, entries)) = parse(content, comment, start) else {
                continue;
            };
            let line = match scope {
                Scope::File => None,
                // Without a line of code after it, the line after it (as before).
                Scope::Line if alone => {
                    waiting.push(out.len());
                    Some(line + 1)
                }
                Scope::Line => Some(line),
            };
            out.push(Suppression { line, entries });
        }
    }
    out
}

/// Whether the marker whose comment starts at `comment` in `content` (a line starting
/// at `start`) is in a real comment of the file's format: a `!` or `/` only where the
/// parser says it starts one (`.properties`, JSON that takes comments), as `!` is a
/// YAML tag.
fn is_suppression_comment(
    content: &str,
    comment: usize,
    start: usize,
    comments: Option<&[Span]>,
) -> bool {
    match comments {
        Some(spans) => is_in_comment(spans, start + comment),
        None => !content.get(comment..).unwrap_or("").starts_with(['!', '/']),
    }
}

/// Whether the comment holding the marker at `comment` is alone on its line: no code
/// before the comment (its opening `##`, `#!`, `///` or `;;` included), nor after it
/// (code after a `/* */`).
fn is_alone(content: &str, comment: usize, start: usize, comments: Option<&[Span]>) -> bool {
    let span = comments.and_then(|spans| {
        spans
            .iter()
            .find(|s| s.start <= start + comment && start + comment < s.end)
    });
    // Where the comment opens on this line (a block scalar holding a YAML file is one
    // span from an earlier line: there the marker's own `#` opens it).
    let opens = span
        .filter(|s| s.start >= start)
        .map_or(comment, |s| (s.start - start).min(comment));
    let before = content.get(..opens).unwrap_or("");
    let code_before = before.contains(|c: char| !c.is_whitespace() && !"#;!/".contains(c));
    let comment_end = span.map_or(usize::MAX, |s| s.end.saturating_sub(start));
    let after = content.get(comment_end..).unwrap_or("");
    !code_before && after.trim().is_empty()
}

/// A line that is neither blank nor a comment (a `!`, `//` or `/*` line is one where the
/// parser says so: `.properties`, JSON that takes comments; so is a line inside a
/// `/* */` comment begun above, or an ERB comment tag's).
fn is_code(text: &str, line: &str, line_start: usize, comments: Option<&[Span]>) -> bool {
    let content = line.trim();
    let first = line_start + (line.len() - line.trim_start().len());
    // `!` (`.properties`) and `//` or `/*` (JSON that takes comments) where the parser
    // says a comment starts.
    let parsed_comment = || {
        (content.starts_with('!') || content.starts_with("//") || content.starts_with("/*"))
            && comments.is_some_and(|c| is_in_comment(c, first))
    };
    // A `/* */` comment begun above, or an ERB comment tag `<%# %>`.
    let in_block_comment = || {
        comments.is_some_and(|spans| {
            spans.iter().any(|s| {
                s.start <= first
                    && first < s.end
                    && text
                        .get(s.start..)
                        .is_some_and(|c| c.starts_with("/*") || c.starts_with("<%#"))
            })
        })
    };
    !content.is_empty()
        && !content.starts_with('#')
        && !content.starts_with(';')
        && !parsed_comment()
        && !in_block_comment()
}

fn is_in_comment(comments: &[Span], at: usize) -> bool {
    comments.iter().any(|s| s.start <= at && at < s.end)
}

enum Scope {
    Line,
    File,
}

/// Byte offset of the `#`, `;`, `!`, `//` or `/*` that starts each `poollint:` comment
/// on this line (a marker right after one of them).
fn comment_markers(line: &str) -> impl Iterator<Item = usize> + '_ {
    line.match_indices(MARKER).filter_map(|(at, _)| {
        let before = line.get(..at)?.trim_end().as_bytes();
        // The whole run of comment characters opens it (`##`, `#!`, `///`, `;;`).
        let run = before
            .iter()
            .rev()
            .take_while(|b| b"#;!/*".contains(b))
            .count();
        let opening = before.get(before.len() - run..).unwrap_or_default();
        let opens = [&b"#"[..], b";", b"!", b"//", b"/*"];
        if opens.iter().any(|o| opening.starts_with(o)) {
            return Some(before.len() - run);
        }
        let last = before.len().checked_sub(1)?;
        match before.get(last) {
            Some(b'#' | b';' | b'!') => Some(last),
            Some(b'/' | b'*') if last > 0 && before.get(last - 1) == Some(&b'/') => Some(last - 1),
            _ => None,
        }
    })
}

/// `ignore[a, b]` or `ignore-file[a]` after the marker, with each name's span; a
/// comment that is neither (`ignor[a]`, an unclosed `ignore[a`) is one malformed entry.
fn parse(line: &str, comment: usize, line_start: usize) -> Option<(Scope, Vec<Entry>)> {
    let after_marker = line[comment..].find(MARKER)? + comment + MARKER.len();
    let rest = &line[after_marker..];
    let trimmed = rest.trim_start();
    let offset = after_marker + (rest.len() - trimmed.len());
    // The directive's words, up to the next comment on the line, for a malformed one.
    let malformed = || {
        let start = line_start + offset;
        let end = trimmed.find(" #").unwrap_or(trimmed.trim_end().len());
        let entry = Entry {
            rule: String::new(),
            span: Span::new(start, start + end),
            used: false,
            malformed: true,
        };
        Some((Scope::Line, vec![entry]))
    };
    // `ignore [a]` with a space is read as `ignore[a]`: the rule it names is plain.
    let list = |keyword: &str| {
        let r = trimmed
            .strip_prefix(keyword)?
            .trim_start()
            .strip_prefix('[')?;
        Some(offset + trimmed.len() - r.len())
    };
    let (scope, body_at) = if let Some(at) = list("ignore-file") {
        (Scope::File, at)
    } else if let Some(at) = list("ignore") {
        (Scope::Line, at)
    } else if trimmed.starts_with("ignore") {
        // `# poollint: ignore` without a list names no rule: said so, as `ignore[]`
        // is, rather than read as suppressing everything or passed over in silence.
        let word = trimmed
            .find(|c: char| c.is_whitespace())
            .unwrap_or(trimmed.len());
        let start = line_start + offset;
        let scope = if trimmed.starts_with("ignore-file") {
            Scope::File
        } else {
            Scope::Line
        };
        let entry = Entry {
            rule: String::new(),
            span: Span::new(start, start + word),
            used: false,
            malformed: false,
        };
        return Some((scope, vec![entry]));
    } else {
        return malformed();
    };
    let Some(close) = line[body_at..].find(']').map(|at| at + body_at) else {
        return malformed();
    };
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
                malformed: false,
            });
        }
        cursor += name.len() + 1;
    }
    if entries.is_empty() {
        // `ignore[]` names nothing, so suppresses nothing: an entry without a rule,
        // over the whole `ignore[]`, for `unused` to report.
        let start = line_start + offset;
        entries.push(Entry {
            rule: String::new(),
            span: Span::new(start, line_start + close + 1),
            used: false,
            malformed: false,
        });
    }
    Some((scope, entries))
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
        run_with_comments(text, None, findings)
    }

    /// [`run`] with the comments the parser recorded: each of `comments` is the text of
    /// one, found in `text`.
    fn run_with_comments(
        text: &str,
        comments: Option<&[&str]>,
        findings: &[(&'static str, &str)],
    ) -> Vec<(String, String)> {
        let map = file(text);
        let mut index = CommentIndex::new();
        if let Some(comments) = comments {
            let spans = comments.iter().map(|c| {
                let start = text.find(c).unwrap();
                Span::new(start, start + c.len())
            });
            index.insert(map.files()[0].id, spans.collect());
        }
        let mut diagnostics: Vec<Diagnostic> = findings
            .iter()
            .map(|(r, at)| finding(&map, r, at))
            .collect();
        let _used = apply(map.files(), &index, &mut diagnostics, |_| true);
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

    /// A comment opened by `##`, `#!`, `;;` or `///` alone on its line was taken as
    /// the end of a line of code, and suppressed nothing on the next line.
    #[test]
    fn a_comment_opened_by_repeated_characters_alone_applies_to_the_next_line() {
        for opening in ["##", "#!", ";;", "# #"] {
            let text = format!("{opening} poollint: ignore[pool-size-invalid]\nmax = 0\n");
            assert!(
                run(&text, &[("pool-size-invalid", "0")]).is_empty(),
                "{text}"
            );
        }
        let text = "/// poollint: ignore[pool-size-invalid]\n\"max\": 0\n";
        let comments = ["/// poollint: ignore[pool-size-invalid]"];
        let left = run_with_comments(text, Some(&comments), &[("pool-size-invalid", "0")]);
        assert!(left.is_empty(), "{left:?}");
    }

    /// The second line of a `/* */` comment was taken for code, so the suppression
    /// applied to it instead of the line after the comment.
    #[test]
    fn a_block_comment_over_two_lines_applies_to_the_line_after_it() {
        let text = "{\n  /* poollint: ignore[pool-size-invalid]\n     sized by load test */\n  \"max\": 0\n}\n";
        let comments = ["/* poollint: ignore[pool-size-invalid]\n     sized by load test */"];
        let left = run_with_comments(text, Some(&comments), &[("pool-size-invalid", "0")]);
        assert!(left.is_empty(), "{left:?}");
    }

    /// Every suppression of a line is read: a second comment's, and one after a value
    /// that holds the text `poollint:`.
    #[test]
    fn every_marker_of_a_line_is_read() {
        let text = "# poollint: ignore[pool-size-invalid] # poollint: ignore[pool-min-exceeds-max]\nmax: 0\n";
        let left = run(
            text,
            &[("pool-size-invalid", "0"), ("pool-min-exceeds-max", "0")],
        );
        assert!(left.is_empty(), "{left:?}");
        let text = "url: jdbc:x?ApplicationName=poollint:x # poollint: ignore[driver-socket-timeout-missing]\n";
        let comments = ["# poollint: ignore[driver-socket-timeout-missing]"];
        let left = run_with_comments(
            text,
            Some(&comments),
            &[("driver-socket-timeout-missing", "jdbc")],
        );
        assert!(left.is_empty(), "{left:?}");
    }

    /// A comment that is neither `ignore[…]` nor `ignore-file[…]` suppresses nothing and
    /// is reported, instead of passed over in silence.
    #[test]
    fn a_malformed_suppression_is_reported() {
        for (text, shown) in [
            (
                "a: 0 # poollint: ignore[pool-size-invalid\n",
                "ignore[pool-size-invalid",
            ),
            (
                "a: 0 # poollint: ignor[pool-size-invalid]\n",
                "ignor[pool-size-invalid]",
            ),
        ] {
            let left = run(text, &[("pool-size-invalid", "0")]);
            assert_eq!(
                left,
                vec![
                    ("pool-size-invalid".into(), "0".into()),
                    ("unused-suppression".into(), shown.into())
                ],
                "{text}"
            );
        }
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
    fn a_comment_above_an_entry_covers_its_value_on_a_continuation_line() {
        let rule = "pool-size-invalid";
        let cases = [
            "# poollint: ignore[pool-size-invalid]\nmax=\\\n  12\n",
            "# poollint: ignore[pool-size-invalid]\na=\\\n  b\\\n  12\n",
            "# poollint: ignore[pool-size-invalid]\nmax:\n  12\n",
            "max: # poollint: ignore[pool-size-invalid]\n  12\n",
            "# poollint: ignore[pool-size-invalid]\nmax: >-\n  12\n",
            // Blank and comment lines between the key and its value.
            "# poollint: ignore[pool-size-invalid]\nmax:\n\n  # the peak\n  12\n",
        ];
        for text in cases {
            assert!(run(text, &[(rule, "12")]).is_empty(), "{text}");
        }
        // A value line holding `: ` (a comment, a URL) is still the value.
        let text = "# poollint: ignore[pool-size-invalid]\nurl:\n  jdbc:x:12  # TODO: later\n";
        assert!(run(text, &[(rule, "jdbc:x:12")]).is_empty(), "{text}");
        // A child entry's own finding (an unknown key) is not its parent's value.
        let left = run(
            "# poollint: ignore[pool-size-invalid]\nhikari:\n  maximum-pool-sise: 10\n",
            &[(rule, "maximum-pool-sise")],
        );
        assert_eq!(left.len(), 2, "{left:?}");
        // A value on its key's line is that line's only: a comment above the parent
        // key does not reach it.
        let left = run(
            "# poollint: ignore[pool-size-invalid]\nhikari:\n  max: 12\n",
            &[(rule, "12")],
        );
        assert_eq!(left.len(), 2, "{left:?}");
    }

    #[test]
    fn stacked_own_line_comments_all_apply_to_the_next_code_line() {
        let text = "# poollint: ignore[pool-size-invalid]\n# poollint: ignore[pool-min-exceeds-max]\n\nmax: 0\nmin: 5\n# poollint: ignore[pool-size-invalid]\n";
        let left = run(
            text,
            &[
                ("pool-size-invalid", "0"),
                ("pool-min-exceeds-max", "0"),
                ("pool-size-invalid", "5"),
            ],
        );
        // The last comment has no code after it: it applies to the line after it
        // (none), so it suppresses nothing and is reported.
        assert_eq!(
            left,
            vec![
                ("pool-size-invalid".into(), "5".into()),
                ("unused-suppression".into(), "pool-size-invalid".into())
            ]
        );
    }

    #[test]
    fn a_space_before_the_list_is_allowed() {
        let text = "a: 1 # poollint: ignore [pool-size-invalid]\n# poollint: ignore-file  [pool-min-exceeds-max]\nb: 2\n";
        let left = run(
            text,
            &[("pool-size-invalid", "1"), ("pool-min-exceeds-max", "2")],
        );
        assert_eq!(left, vec![]);
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

    /// `ignore[x, unused-suppression]` and `ignore-file[unused-suppression]` keep an
    /// unused suppression quiet (each was reported unused itself, with the finding it
    /// was meant to suppress).
    #[test]
    fn unused_suppression_findings_can_be_suppressed() {
        for text in [
            "a: 1 # poollint: ignore[pool-unbounded, unused-suppression]\n",
            "# poollint: ignore-file[unused-suppression]\na: 1 # poollint: ignore[pool-unbounded]\n",
            // On a line of its own, applying to the next line.
            "# poollint: ignore[pool-unbounded, unused-suppression]\na: 1\n",
            "# poollint: ignore[unused-suppression, pool-unbounded]\na: 1\n",
        ] {
            assert_eq!(run(text, &[]), vec![], "{text}");
        }
        // Without it, the unused entry is reported.
        let left = run("a: 1 # poollint: ignore[pool-unbounded]\n", &[]);
        assert_eq!(
            left,
            vec![("unused-suppression".into(), "pool-unbounded".into())]
        );
    }

    /// `ignore[]` names no rule: it suppresses nothing and says so (it was accepted
    /// silently), as does a bare `ignore` without a list (passed over in silence).
    #[test]
    fn an_empty_rule_list_is_an_unused_suppression() {
        for text in [
            "a: 1 # poollint: ignore[] -- reason\n",
            "# poollint: ignore-file[ , ]\na: 1\n",
            "a: 1 # poollint: ignore -- reason\n",
            "# poollint: ignore-file\na: 1\n",
        ] {
            let left = run(text, &[("pool-size-invalid", "1")]);
            let unused = left.iter().find(|(rule, _)| rule == "unused-suppression");
            assert!(
                unused.is_some_and(|(_, at)| at.starts_with("ignore")),
                "{text}: {left:?}"
            );
            assert!(left.iter().any(|(rule, _)| rule == "pool-size-invalid"));
        }
    }

    #[test]
    fn marker_inside_a_value_is_not_a_suppression() {
        let text = "a: \"poollint: ignore[pool-size-invalid]\"\n";
        let left = run(text, &[("pool-size-invalid", "a")]);
        assert_eq!(left.len(), 1);
    }
}
