//! .NET configuration JSON (`appsettings*.json`) as Microsoft.Extensions.Configuration.Json
//! reads it (JsonConfigurationFileParser, dotnet/runtime):
//!
//! - `JsonDocumentOptions { CommentHandling = Skip, AllowTrailingCommas = true }`: `//`
//!   and `/* */` comments are valid. They are blanked to spaces byte for byte (line
//!   breaks kept) before the YAML loader reads the JSON, so spans stay exact; a trailing
//!   comma the loader already accepts (YAML flow collections allow one).
//! - Every scalar becomes one key: the path of object keys and array indexes joined with
//!   `:`, in a dictionary that ignores case ([`config_leaves`]). A key written twice,
//!   however spelt (`ConnectionStrings:Pg` flat and `connectionStrings: {Pg}` nested), is
//!   a `FormatException` ("A duplicate key '…' was found."): the file does not load.
//! - Strings are RFC 8259's: a raw control character or an escape YAML has and JSON
//!   does not (`\x30`) is refused by System.Text.Json, not folded or decoded as the YAML
//!   loader would (`string_fault`).

use super::yaml::Comments;
use super::{Document, NodeId, NodeKind, ScalarStyle, SyntaxError};
use crate::source::Span;

/// The index after the JSON string whose opening quote is at `start` (the text's end
/// when it is never closed): a `\\` escapes the next byte.
pub(crate) fn after_string(bytes: &[u8], start: usize) -> usize {
    after_quoted(bytes, start)
}

/// The index after the string whose opening quote (`"`, or JSON5's `'`) is at
/// `start`, closed by the same quote (the text's end when it is never closed): a `\\`
/// escapes the next byte.
fn after_quoted(bytes: &[u8], start: usize) -> usize {
    let quote = bytes.get(start).copied();
    let mut i = start + 1;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' => i += 2,
            _ if Some(b) == quote => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Which strings hold text that is no comment: JSON's, or JSON5's as well.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Strings {
    /// `"…"` only (System.Text.Json).
    Json,
    /// `"…"` and `'…'` (JSON5, which node-config reads `config/*.json` with).
    Json5,
}

/// `text` with its comments blanked to spaces, the error for a `/*` never closed
/// (System.Text.Json and JSON5 refuse it; blanking it would hide what follows), and
/// where each comment was.
pub(crate) fn blank_comments(
    text: &str,
    strings: Strings,
) -> (String, Option<SyntaxError>, Vec<Span>) {
    let bytes = text.as_bytes();
    let mut out = bytes.to_vec();
    let mut error = None;
    let mut found = Vec::new();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let next = bytes.get(i + 1).copied();
        let end = match (b, next) {
            (b'"', _) => {
                i = after_string(bytes, i);
                continue;
            }
            (b'\'', _) if strings == Strings::Json5 => {
                i = after_quoted(bytes, i);
                continue;
            }
            (b'/', Some(b'/')) => bytes
                .get(i + 2..)
                .and_then(|rest| rest.iter().position(|&c| c == b'\n' || c == b'\r'))
                .map_or(bytes.len(), |p| i + 2 + p),
            (b'/', Some(b'*')) => {
                let close = bytes
                    .get(i + 2..)
                    .and_then(|rest| rest.windows(2).position(|w| w == b"*/"));
                let Some(close) = close else {
                    error = Some(SyntaxError {
                        message: "invalid JSON: a /* comment is never closed with */".to_owned(),
                        span: Span::new(i, i + 2),
                    });
                    break;
                };
                i + 2 + close + 2
            }
            _ => {
                i += 1;
                continue;
            }
        };
        for byte in out.get_mut(i..end).unwrap_or_default() {
            if *byte != b'\n' && *byte != b'\r' {
                *byte = b' ';
            }
        }
        found.push(Span::new(i, end));
        i = end;
    }
    // Whole multi-byte characters are blanked (comments end at ASCII bytes), so the
    // text stays UTF-8; the fallback is never taken.
    let blanked = String::from_utf8(out).unwrap_or_else(|_| text.to_owned());
    (blanked, error, found)
}

/// One configuration value: its `:`-joined key as written, the key node that ends it
/// (None for an array item) and the scalar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leaf {
    pub path: String,
    pub key: Option<NodeId>,
    pub value: NodeId,
}

/// Every scalar (and empty object or array) of the document's first root, in document order,
/// under the key .NET configuration gives it (`ConnectionStrings:Main`, `Hosts:0`).
/// Iterative: any depth.
pub fn config_leaves(doc: &Document) -> Vec<Leaf> {
    let mut out = Vec::new();
    let Some(root) = doc.roots.first().copied() else {
        return out;
    };
    // Children are pushed in reverse so they pop in document order.
    let mut work: Vec<(NodeId, Option<NodeId>, String)> = vec![(root, None, String::new())];
    while let Some((node, key, path)) = work.pop() {
        let join = |segment: &str| {
            if path.is_empty() {
                segment.to_owned()
            } else {
                format!("{path}:{segment}")
            }
        };
        if let Some(items) = doc.seq(node).filter(|items| !items.is_empty()) {
            for (index, item) in items.iter().enumerate().rev() {
                work.push((*item, None, join(&index.to_string())));
            }
        } else if doc.is_map(node) && !doc.entries(node).is_empty() {
            for entry in doc.entries(node).into_iter().rev() {
                let segment = doc.text(entry.key).unwrap_or_default();
                work.push((entry.value, Some(entry.key), join(segment)));
            }
        } else if !path.is_empty() {
            // A scalar, or an empty object or array: .NET sets its key to null.
            out.push(Leaf {
                path,
                key,
                value: node,
            });
        }
    }
    out
}

/// The error .NET's parser throws for the first key set twice, at the second (None:
/// every key is set once).
pub fn duplicate_key(doc: &Document) -> Option<SyntaxError> {
    let mut seen = std::collections::HashSet::new();
    config_leaves(doc).into_iter().find_map(|leaf| {
        if seen.insert(leaf.path.to_lowercase()) {
            return None;
        }
        let at = leaf.key.unwrap_or(leaf.value);
        Some(SyntaxError {
            message: format!(
                "duplicate configuration key `{}`: .NET reads keys without case and joins nested ones with `:`, so this sets a key set before, and its JSON configuration provider throws \"A duplicate key '{}' was found.\" and the application does not start",
                leaf.path, leaf.path
            ),
            span: doc.span(at),
        })
    })
}

/// Parse `.NET` configuration JSON: comments blanked, then the YAML loader, then the
/// checks for YAML the loader took that is no JSON, and for duplicate keys (only on a
/// tree read whole).
pub fn parse(text: &str) -> Document {
    let (mut doc, blanked, comments) = parse_commented(text, Strings::Json, Comments::Kept);
    // `#` comments the loader found are no JSON (`not_json`); the `//` and `/* */`
    // ones are added after.
    if doc.errors.is_empty() {
        doc.errors.extend(not_json(&doc, &blanked));
    }
    if doc.errors.is_empty() {
        doc.errors.extend(string_fault(&blanked));
    }
    if doc.errors.is_empty() {
        doc.errors.extend(duplicate_key(&doc));
    }
    doc.comments.extend(comments);
    doc
}

/// JSON with `//` and `/* */` comments, read by the YAML loader with its comments
/// blanked ([`blank_comments`]); an unclosed `/*` is the error. Spans index `text`.
/// With the blanked text, which the loader read, and the blanked comments (not in the
/// document's: a suppression marker in them is one).
pub(crate) fn parse_commented(
    text: &str,
    strings: Strings,
    comments: Comments,
) -> (Document, String, Vec<super::Comment>) {
    let (blanked, unclosed, found) = blank_comments(text, strings);
    let found = found
        .into_iter()
        .map(|span| super::Comment {
            span,
            text: text.get(span.start + 2..span.end).unwrap_or("").to_owned(),
        })
        .collect();
    let mut doc = super::yaml::parse_with(&blanked, "JSON", comments);
    if let Some(error) = unclosed {
        // What follows the `/*` is the comment's: the loader's complaint about it is not.
        doc.errors = vec![error];
    }
    // Blanking keeps byte lengths but not char boundaries (a multi-byte character in a
    // comment became single-byte spaces): move spans back onto the text's.
    doc.remap(|offset| {
        let offset = offset.min(text.len());
        (0..=offset)
            .rev()
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(0)
    });
    (doc, blanked, found)
}

/// The first thing YAML accepts that System.Text.Json refuses, so that .NET's provider
/// throws and the application does not start: a top level other than an object, a
/// `#` comment, an unquoted or single-quoted string or key, an anchor, alias or tag.
fn not_json(doc: &Document, text: &str) -> Option<SyntaxError> {
    let error = |message: String, span: Span| SyntaxError {
        message: format!("invalid JSON: {message}"),
        span,
    };
    let start = text.find(|c: char| !c.is_whitespace())?;
    if !text.get(start..)?.starts_with('{') || doc.roots.len() > 1 {
        return Some(error(
            ".NET configuration reads one JSON object, written in `{ }`".to_owned(),
            Span::new(start, start + text.get(start..)?.chars().next()?.len_utf8()),
        ));
    }
    if let Some(comment) = doc.comments.first() {
        return Some(error(
            "`#` starts no comment in JSON (.NET skips `//` and `/* */` comments)".to_owned(),
            comment.span,
        ));
    }
    let keys: std::collections::HashSet<usize> = doc
        .nodes
        .iter()
        .filter_map(|n| match &n.kind {
            NodeKind::Map(entries) => Some(entries.iter().map(|e| e.key.0)),
            _ => None,
        })
        .flatten()
        .collect();
    doc.nodes.iter().enumerate().find_map(|(id, node)| {
        let quoted = "write strings and keys in double quotes";
        let message = match &node.kind {
            _ if doc.anchor(NodeId(id)).is_some() => "an anchor (`&`) is YAML, not JSON".to_owned(),
            NodeKind::Alias { .. } => "an alias (`*`) is YAML, not JSON".to_owned(),
            NodeKind::Scalar(_) if doc.tag(NodeId(id)).is_some() => {
                "a tag (`!`) is YAML, not JSON".to_owned()
            }
            NodeKind::Scalar(s) => match s.style {
                ScalarStyle::DoubleQuoted => return None,
                ScalarStyle::Plain if !keys.contains(&id) && is_json_literal(&s.text) => {
                    return None
                }
                ScalarStyle::Plain if s.text.is_empty() => "a value is missing".to_owned(),
                // The text itself is not quoted: it may be a password, and the file did
                // not parse, so no reader knows it is one. The label points at it.
                ScalarStyle::Plain if keys.contains(&id) => {
                    format!("an unquoted key is not JSON: {quoted}")
                }
                ScalarStyle::Plain => format!(
                    "an unquoted value other than a number, `true`, `false` or `null` is not JSON: {quoted}"
                ),
                ScalarStyle::SingleQuoted => {
                    format!("a single-quoted string is not JSON: {quoted}")
                }
                ScalarStyle::Literal | ScalarStyle::Folded => {
                    format!("a block scalar (`|`, `>`) is YAML, not JSON: {quoted}")
                }
            },
            _ => return None,
        };
        Some(error(message, node.span))
    })
}

/// The first fault inside a double-quoted string (key or value) that System.Text.Json
/// refuses and the YAML loader does not: a raw control character (a line break the
/// loader folds into a space, a tab) or an escape other than `\" \\ \/ \b \f \n \r \t`
/// and `\u` with four hex digits (the loader decodes YAML's `\x30`, `\e`, `\N`, …).
/// RFC 8259 §7; System.Text.Json's `Utf8JsonReader` throws `JsonReaderException` ("'0x0A'
/// is invalid within a JSON string", "… is an invalid escapable character within a JSON
/// string"), which .NET's provider rethrows as "Could not parse the JSON file": the
/// application does not start. The message does not quote the string, which may be a
/// password.
fn string_fault(text: &str) -> Option<SyntaxError> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b != b'"' {
            i += 1;
            continue;
        }
        let end = after_string(bytes, i);
        if let Some(fault) = fault_in_string(text, i + 1, end) {
            return Some(fault);
        }
        i = end;
    }
    None
}

/// The fault of the string whose text runs from `from` to its closing quote (before `end`).
fn fault_in_string(text: &str, from: usize, end: usize) -> Option<SyntaxError> {
    let bytes = text.as_bytes();
    let error = |at: usize, len: usize, what: &str, fix: &str| {
        SyntaxError {
        message: format!(
            "invalid JSON: {what} inside a string, which System.Text.Json refuses (\"The string should be correctly escaped.\"), so .NET's JSON configuration provider throws and the application does not start; {fix}"
        ),
        span: Span::new(at, (at + len).min(text.len())),
    }
    };
    let mut i = from;
    while i < end {
        let b = *bytes.get(i)?;
        match b {
            b'"' => return None,
            b'\n' | b'\r' => {
                let fix = "write the line break as \\n, or end the string before it";
                return Some(error(i, 1, "a raw line break", fix));
            }
            _ if b < 0x20 => {
                let fix = format!("write it as \\u{b:04X}");
                return Some(error(i, 1, "a raw control character", &fix));
            }
            b'\\' => {
                let hex = |at: usize| bytes.get(at).is_some_and(u8::is_ascii_hexdigit);
                let valid = match bytes.get(i + 1) {
                    Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => true,
                    Some(b'u') => (i + 2..i + 6).all(hex),
                    _ => false,
                };
                if !valid {
                    let escaped = text.get(i + 1..).and_then(|rest| rest.chars().next());
                    let len = 1 + escaped.map_or(0, char::len_utf8);
                    let fix = "JSON's escapes are only \\\", \\\\, \\/, \\b, \\f, \\n, \\r, \\t and \\u with four hex digits";
                    return Some(error(i, len, "a backslash escape JSON does not have", fix));
                }
                i += 2;
            }
            _ => i += 1,
        }
    }
    None
}

/// `true`, `false`, `null` or a JSON number.
fn is_json_literal(text: &str) -> bool {
    if matches!(text, "true" | "false" | "null") {
        return true;
    }
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (
            unsigned.get(..at).unwrap_or(""),
            Some(unsigned.get(at + 1..).unwrap_or("")),
        ),
        None => (unsigned, None),
    };
    let (int, fraction) = match mantissa.split_once('.') {
        Some((int, fraction)) => (int, Some(fraction)),
        None => (mantissa, None),
    };
    digits(int)
        && (int == "0" || !int.starts_with('0'))
        && fraction.is_none_or(digits)
        && exponent.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_become_spaces_of_the_same_length() {
        let text = "{ // note é\n \"a\": /* x\n y */ 1, \"u\": \"http://h/*p\" }";
        let (blanked, error, _) = blank_comments(text, Strings::Json);
        assert_eq!(error, None);
        assert_eq!(blanked.len(), text.len());
        // `// note é` is 11 bytes.
        let expected = format!(
            "{{{}\n \"a\":     \n      1, \"u\": \"http://h/*p\" }}",
            " ".repeat(11)
        );
        assert_eq!(blanked, expected);
    }

    #[test]
    fn an_unclosed_block_comment_is_an_error() {
        let (_, error, _) = blank_comments("{\"a\": 1 /* x }", Strings::Json);
        assert_eq!(error.map(|e| e.span), Some(Span::new(8, 10)));
        assert!(blank_comments("{} /**/", Strings::Json).1.is_none());
        assert!(blank_comments("{} /*/", Strings::Json).1.is_some());
    }

    #[test]
    fn yaml_that_is_no_json_is_an_error() {
        for (text, at) in [
            ("{\"a\": 1, oops}", "oops"),
            ("{\"a\": 'x'}", "'x'"),
            ("{\"a\": 1 # c\n}", "# c"),
            ("a: 1", "a"),
            ("{\"a\": 01}", "01"),
        ] {
            let doc = parse(text);
            let error = doc.errors.first().unwrap_or_else(|| panic!("{text}"));
            assert!(
                text[error.span.start..].starts_with(at),
                "{text}: {error:?}"
            );
        }
        // The message does not quote the value, which may be a password the file, not
        // parsing, marks as none.
        for text in [
            "{\"Password\": 'Zq9Json01'}",
            "{\"Password\": Zq9Json02}",
            "{Zq9Json03: 1}",
        ] {
            let error = parse(text).errors.into_iter().next().expect(text);
            assert!(!error.message.contains("Zq9Json"), "{error:?}");
        }
        for valid in ["{}", "{\"a\": [1, -2.5e+3, true, null, \"x\"],}", " \n"] {
            assert_eq!(parse(valid).errors, [], "{valid}");
        }
    }

    /// System.Text.Json refuses a raw line break or tab in a string and escapes JSON
    /// does not have; the YAML loader folded the break and decoded YAML's `\x30`.
    #[test]
    fn strings_system_text_json_refuses_are_an_error_at_the_fault() {
        for (text, at) in [
            ("{\"a\": \"x;\n  y\"}", "\n  y"),
            ("{\"a\": \"x\ty\"}", "\ty"),
            ("{\"a\": \"Size=\\x30\"}", "\\x30"),
            ("{\"k\\e\": 1}", "\\e"),
        ] {
            let doc = parse(text);
            let error = doc.errors.first().unwrap_or_else(|| panic!("{text}"));
            assert!(
                text[error.span.start..].starts_with(at),
                "{text}: {error:?}"
            );
            assert!(error.message.contains("System.Text.Json"), "{error:?}");
        }
        let valid = r#"{"a": "q\" b\\ s\/ \b\f\n\r\t \u00e9 é", "b": "x" /* "\x" */}"#;
        assert_eq!(parse(valid).errors, [], "{valid}");
    }

    #[test]
    fn leaves_are_colon_joined_paths() {
        let doc =
            parse(r#"{"A": {"b": "1", "c": ["x", {"d": "2"}]}, "E:f": "3", "G": {}, "H": []}"#);
        let paths: Vec<String> = config_leaves(&doc).into_iter().map(|l| l.path).collect();
        assert_eq!(paths, ["A:b", "A:c:0", "A:c:1:d", "E:f", "G", "H"]);
        // An empty object sets its key (to null): writing the key again is a duplicate.
        assert_eq!(parse(r#"{"g": {}, "G": "x"}"#).errors.len(), 1);
    }

    #[test]
    fn a_key_set_twice_in_any_spelling_is_an_error() {
        let text = r#"{"ConnectionStrings": {"Pg": "a"}, "connectionstrings:pg": "b"}"#;
        let doc = parse(text);
        let error = doc.errors.first().expect("error");
        assert_eq!(
            &text[error.span.start..error.span.end],
            "\"connectionstrings:pg\""
        );
    }
}
