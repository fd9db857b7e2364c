//! Java / Spring Boot `.properties`.
//!
//! Follows Spring Boot's `OriginTrackedPropertiesLoader` (itself modelled on
//! `java.util.Properties`): a key ends at the first unescaped `=`, `:` or blank; blanks
//! around the separator are skipped; `#` or `!` as the first non-blank char makes a
//! comment line; an odd number of trailing backslashes continues the line (the next
//! line's leading blanks are dropped); escapes are `\t \n \r \f \uXXXX` and any other
//! `\x` means `x`. A line `#---` or `!---` starts a new document (Spring Boot 2.4+), so
//! [`Document::roots`] holds one map per document.
//!
//! The text arrives decoded (Spring reads ISO-8859-1; `source::decode` maps such bytes
//! to chars), so spans are byte offsets into that decoded text.

use super::ini::{is_blank, skip_blanks, split_lines, Line};
use super::{Comment, Document, Entry, NodeId, NodeKind, ScalarStyle, SyntaxError};
use crate::source::Span;

/// Parse a `.properties` file into one root map per `#---` document.
pub fn parse(text: &str) -> Document {
    let lines = split_lines(text);
    let mut parser = PropertiesParser::default();
    let mut index = 0;
    while index < lines.len() {
        index = parser.line(&lines, index);
    }
    parser.finish(text.len())
}

/// One char of a logical line (continuations joined) and where it is in the text.
#[derive(Debug, Clone, Copy)]
struct RawChar {
    ch: char,
    at: usize,
}

impl RawChar {
    fn end(self) -> usize {
        self.at + self.ch.len_utf8()
    }
}

/// A char after escape processing, with the span of what was written for it.
#[derive(Debug, Clone, Copy)]
struct Decoded {
    ch: char,
    span: Span,
    /// Written as an escape: an escaped blank or `=` does not end the key.
    escaped: bool,
}

impl Decoded {
    fn is_blank(&self) -> bool {
        !self.escaped && is_blank(self.ch)
    }

    fn is_separator(&self) -> bool {
        !self.escaped && matches!(self.ch, '=' | ':')
    }
}

#[derive(Default)]
struct PropertiesParser {
    doc: Document,
    /// Entries of the current document.
    entries: Vec<Entry>,
    /// Where the current document starts.
    doc_start: usize,
    /// The marker of the previous line when it was a comment: Spring does not treat
    /// `#---` as a separator right after a `#` comment line (nor `!---` after `!`).
    previous_comment: Option<char>,
    /// The span of a `#---` line read since the last key: the document it starts has no
    /// key yet. Spring Boot's `OriginTrackedPropertiesLoader.load` re-opens the previous
    /// document at a comment line that comes before a new document's first key, so the
    /// keys after `#---` and a comment belong to the document before the separator.
    pending_separator: Option<Span>,
}

impl PropertiesParser {
    /// Read the logical line starting at `lines[index]`; return the index after it.
    fn line(&mut self, lines: &[Line<'_>], index: usize) -> usize {
        let Some(&line) = lines.get(index) else {
            return index + 1;
        };
        let at = skip_blanks(line.text, 0);
        match line.tail(at).chars().next() {
            None => {
                self.previous_comment = None;
                index + 1
            }
            Some(marker @ ('#' | '!')) => {
                self.comment_line(line, at, marker);
                index + 1
            }
            Some(_) => {
                self.previous_comment = None;
                self.start_pending_document();
                let (raw, next) = logical_line(lines, index, at);
                self.key_value(&raw);
                next
            }
        }
    }

    fn comment_line(&mut self, line: Line<'_>, at: usize, marker: char) {
        if at == 0 && is_document_separator(line.text) && self.previous_comment != Some(marker) {
            // A second separator before any key starts the empty document again, as
            // Spring drops an empty document.
            self.pending_separator = Some(line.span(0, line.text.len()));
            return;
        }
        // A comment before the new document's first key: the previous document goes on.
        self.pending_separator = None;
        self.doc.comments.push(Comment {
            span: line.span(at, line.text.len()),
            text: line.tail(at + marker.len_utf8()).to_owned(),
        });
        self.previous_comment = Some(marker);
    }

    /// Split a logical line into key and value and record the entry.
    fn key_value(&mut self, raw: &[RawChar]) {
        let decoded = self.decode(raw);
        let key_end = decoded
            .iter()
            .position(|d| d.is_blank() || d.is_separator())
            .unwrap_or(decoded.len());
        let key = decoded.get(..key_end).unwrap_or_default();
        let (Some(key_first), Some(key_last)) = (key.first(), key.last()) else {
            return; // `=value`: Spring drops entries with an empty key
        };
        let key_span = key_first.span.cover(key_last.span);
        let mut value_start = skip_decoded_blanks(&decoded, key_end);
        let mut empty_value_at = key_span.end;
        if let Some(separator) = decoded.get(value_start).filter(|d| d.is_separator()) {
            empty_value_at = separator.span.end;
            value_start = skip_decoded_blanks(&decoded, value_start + 1);
        }
        let value = decoded.get(value_start..).unwrap_or_default();
        let value_span = match (value.first(), value.last()) {
            (Some(first), Some(last)) => first.span.cover(last.span),
            _ => Span::new(empty_value_at, empty_value_at),
        };
        let key = self.scalar(collect_chars(key), key_span);
        let value = self.scalar(collect_chars(value), value_span);
        self.entries.push(Entry { key, value });
    }

    /// Apply escapes; a malformed `\u` is reported and read as a plain `u`.
    fn decode(&mut self, raw: &[RawChar]) -> Vec<Decoded> {
        let mut out = Vec::with_capacity(raw.len());
        let mut index = 0;
        while let Some(&current) = raw.get(index) {
            let next = raw.get(index + 1).copied();
            index = match (current.ch, next) {
                ('\\', Some(escaped)) if escaped.ch == 'u' => {
                    self.unicode_escape(raw, index, &mut out)
                }
                ('\\', Some(escaped)) => {
                    out.push(Decoded {
                        ch: simple_escape(escaped.ch),
                        span: Span::new(current.at, escaped.end()),
                        escaped: true,
                    });
                    index + 2
                }
                _ => {
                    out.push(Decoded {
                        ch: current.ch,
                        span: Span::new(current.at, current.end()),
                        escaped: false,
                    });
                    index + 1
                }
            };
        }
        out
    }

    /// Decode the `\uXXXX` at `raw[start]` (joining a UTF-16 surrogate pair written as
    /// two escapes); return the index after it.
    fn unicode_escape(&mut self, raw: &[RawChar], start: usize, out: &mut Vec<Decoded>) -> usize {
        let backslash_at = raw.get(start).map_or(0, |c| c.at);
        let span_to = |last: usize| {
            Span::new(
                backslash_at,
                raw.get(last).map_or(backslash_at, |c| c.end()),
            )
        };
        let unit = match hex4(raw, start + 2) {
            Ok(unit) => unit,
            Err(valid_digits) => {
                self.doc.errors.push(SyntaxError {
                    message: "malformed \\uXXXX escape: expected four hex digits".into(),
                    span: span_to(start + 1 + valid_digits),
                });
                out.push(Decoded {
                    ch: 'u',
                    span: span_to(start + 1),
                    escaped: true,
                });
                return start + 2;
            }
        };
        let (ch, next) = match low_surrogate_after(raw, start + 6) {
            Some(low) if (0xD800..0xDC00).contains(&unit) => {
                let combined = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                (char::from_u32(combined), start + 12)
            }
            _ => (char::from_u32(unit), start + 6),
        };
        out.push(Decoded {
            // A lone surrogate has no char of its own; Java would keep it as is.
            ch: ch.unwrap_or(char::REPLACEMENT_CHARACTER),
            span: span_to(next - 1),
            escaped: true,
        });
        next
    }

    fn scalar(&mut self, text: String, span: Span) -> NodeId {
        self.doc.push_scalar(text, ScalarStyle::Plain, span)
    }

    /// Close the document before a pending `#---` and start the one after it.
    fn start_pending_document(&mut self) {
        if let Some(separator) = self.pending_separator.take() {
            self.close_document(separator.start);
            self.doc_start = separator.end;
        }
    }

    fn close_document(&mut self, end: usize) {
        let entries = std::mem::take(&mut self.entries);
        let root = self
            .doc
            .push(NodeKind::Map(entries), Span::new(self.doc_start, end));
        self.doc.roots.push(root);
    }

    fn finish(mut self, len: usize) -> Document {
        self.start_pending_document();
        self.close_document(len);
        self.doc
    }
}

/// `#---` or `!---` at column 0 (trailing blanks allowed, as Spring does).
fn is_document_separator(text: &str) -> bool {
    ["#---", "!---"].iter().any(|separator| {
        text.strip_prefix(separator)
            .is_some_and(|rest| rest.chars().all(is_blank))
    })
}

/// The chars of the logical line whose first non-blank char is `lines[index]` at `at`,
/// joined across continuation lines; also returns the index of the next line.
fn logical_line(lines: &[Line<'_>], mut index: usize, mut from: usize) -> (Vec<RawChar>, usize) {
    let mut raw = Vec::new();
    while let Some(line) = lines.get(index) {
        let segment = line.tail(from);
        let continues = trailing_backslashes(segment) % 2 == 1;
        // The continuation backslash is one byte, so this stays on a char boundary.
        let kept = if continues {
            segment.get(..segment.len() - 1).unwrap_or("")
        } else {
            segment
        };
        let base = line.start + from;
        raw.extend(kept.char_indices().map(|(offset, ch)| RawChar {
            ch,
            at: base + offset,
        }));
        index += 1;
        if !continues {
            break;
        }
        from = lines.get(index).map_or(0, |next| skip_blanks(next.text, 0));
    }
    (raw, index)
}

fn trailing_backslashes(text: &str) -> usize {
    text.bytes().rev().take_while(|&b| b == b'\\').count()
}

/// `\t \n \r \f` and, for any other char, the char itself (`\=`, `\ `, `\\`, `\#`).
fn simple_escape(c: char) -> char {
    match c {
        't' => '\t',
        'n' => '\n',
        'r' => '\r',
        'f' => '\x0c',
        other => other,
    }
}

/// Four hex digits at `raw[from..]` as a number, or how many valid digits there were.
fn hex4(raw: &[RawChar], from: usize) -> Result<u32, usize> {
    let mut value = 0;
    for offset in 0..4 {
        match raw.get(from + offset).and_then(|c| c.ch.to_digit(16)) {
            Some(digit) => value = value * 16 + digit,
            None => return Err(offset),
        }
    }
    Ok(value)
}

/// The low surrogate written as `\uDCxx` at `raw[at..]`, if there is one.
fn low_surrogate_after(raw: &[RawChar], at: usize) -> Option<u32> {
    let is = |offset: usize, ch: char| raw.get(at + offset).is_some_and(|c| c.ch == ch);
    if !(is(0, '\\') && is(1, 'u')) {
        return None;
    }
    hex4(raw, at + 2)
        .ok()
        .filter(|unit| (0xDC00..0xE000).contains(unit))
}

fn skip_decoded_blanks(decoded: &[Decoded], from: usize) -> usize {
    decoded
        .get(from..)
        .and_then(|rest| rest.iter().position(|d| !d.is_blank()))
        .map_or(decoded.len(), |offset| from + offset)
}

fn collect_chars(decoded: &[Decoded]) -> String {
    decoded.iter().map(|d| d.ch).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::ini::test_support::*;
    use crate::syntax::Format;

    fn parse_checked(text: &str) -> Document {
        let doc = parse(text);
        assert_spans_valid(&doc, text);
        doc
    }

    fn pair(key: &str, value: &str) -> (String, String) {
        (key.to_owned(), value.to_owned())
    }

    #[test]
    fn separators_equals_colon_and_blanks() {
        let text = "a=1\nb : 2\nc 3\n  d\t=\t4\ne = = 5\nf:x=y\n";
        let doc = parse_checked(text);
        assert!(doc.errors.is_empty());
        let root = root(&doc);
        assert_eq!(
            pairs(&doc, root),
            [
                pair("a", "1"),
                pair("b", "2"),
                pair("c", "3"),
                pair("d", "4"),
                pair("e", "= 5"),
                pair("f", "x=y")
            ]
        );
        let raw: Vec<_> = (0..6).map(|i| raw_entry(&doc, root, i, text)).collect();
        assert_eq!(
            raw,
            [
                ("a", "1"),
                ("b", "2"),
                ("c", "3"),
                ("d", "4"),
                ("e", "= 5"),
                ("f", "x=y")
            ]
        );
    }

    #[test]
    fn empty_values_sit_right_after_the_separator() {
        let text = "a=\nb = \nc\n";
        let doc = parse_checked(text);
        let root = root(&doc);
        assert_eq!(
            pairs(&doc, root),
            [pair("a", ""), pair("b", ""), pair("c", "")]
        );
        let spans: Vec<_> = doc
            .entries(root)
            .iter()
            .map(|e| doc.span(e.value))
            .collect();
        assert_eq!(spans, [Span::new(2, 2), Span::new(6, 6), Span::new(9, 9)]);
    }

    #[test]
    fn values_keep_inner_and_trailing_blanks_like_spring() {
        let text = "url = jdbc:postgresql://db/app?a=1 \n";
        let doc = parse_checked(text);
        assert_eq!(
            raw_entry(&doc, root(&doc), 0, text),
            ("url", "jdbc:postgresql://db/app?a=1 ")
        );
    }

    #[test]
    fn comments_and_non_ascii_before_keys() {
        let text = "# café ☕\n! bang\n  # poollint: ignore[rule]\nspring.datasource.hikari.maximum-pool-size=10\n";
        let doc = parse_checked(text);
        let comments: Vec<_> = doc
            .comments
            .iter()
            .map(|c| (c.text.as_str(), slice(text, c.span)))
            .collect();
        assert_eq!(
            comments,
            [
                (" café ☕", "# café ☕"),
                (" bang", "! bang"),
                (" poollint: ignore[rule]", "# poollint: ignore[rule]")
            ]
        );
        assert_eq!(
            raw_entry(&doc, root(&doc), 0, text),
            ("spring.datasource.hikari.maximum-pool-size", "10")
        );
    }

    #[test]
    fn crlf_lone_cr_and_tabs() {
        let text = "a=1\r\n\tb\t=\t2\r\nc=3\rd=4";
        let doc = parse_checked(text);
        let root = root(&doc);
        assert_eq!(
            pairs(&doc, root),
            [
                pair("a", "1"),
                pair("b", "2"),
                pair("c", "3"),
                pair("d", "4")
            ]
        );
        assert_eq!(raw_entry(&doc, root, 1, text), ("b", "2"));
        assert_eq!(raw_entry(&doc, root, 3, text), ("d", "4"));
    }

    #[test]
    fn bom_goes_through_the_format_entry_point() {
        let text = "\u{FEFF}max=10\n";
        let doc = crate::syntax::parse(Format::Properties, text);
        assert_spans_valid(&doc, text);
        assert_eq!(raw_entry(&doc, root(&doc), 0, text), ("max", "10"));
    }

    #[test]
    fn latin1_decoded_text_is_plain_chars() {
        let (text, _) =
            crate::source::decode(b"# caf\xE9\nname=caf\xE9\n".to_vec(), true).expect("latin-1");
        let doc = parse_checked(&text);
        assert_eq!(pairs(&doc, root(&doc)), [pair("name", "café")]);
        assert_eq!(raw_entry(&doc, root(&doc), 0, &text).1, "café");
    }

    #[test]
    fn continuation_lines_join_and_span_all_lines() {
        let text = "list = one, \\\n     two, \\\r\n\tthree\nnext=1\n";
        let doc = parse_checked(text);
        let root = root(&doc);
        assert_eq!(
            pairs(&doc, root),
            [pair("list", "one, two, three"), pair("next", "1")]
        );
        assert_eq!(
            raw_entry(&doc, root, 0, text).1,
            "one, \\\n     two, \\\r\n\tthree"
        );
    }

    #[test]
    fn continued_line_starting_with_hash_is_not_a_comment() {
        let text = "a=1\\\n# still a\nb=2\\\n";
        let doc = parse_checked(text);
        assert_eq!(
            pairs(&doc, root(&doc)),
            [pair("a", "1# still a"), pair("b", "2")]
        );
        assert!(doc.comments.is_empty());
    }

    #[test]
    fn even_backslashes_do_not_continue() {
        let text = "path=C:\\\\\nnext=1\n";
        let doc = parse_checked(text);
        assert_eq!(
            pairs(&doc, root(&doc)),
            [pair("path", "C:\\"), pair("next", "1")]
        );
    }

    #[test]
    fn escapes_in_keys_and_values() {
        let text = "my\\ key\\:x\\=y = tab\\there\\n\\u00e9\\uD83D\\uDE00\\q\n";
        let doc = parse_checked(text);
        assert!(doc.errors.is_empty());
        assert_eq!(
            pairs(&doc, root(&doc)),
            [pair("my key:x=y", "tab\there\né😀q")]
        );
        assert_eq!(
            raw_entry(&doc, root(&doc), 0, text),
            ("my\\ key\\:x\\=y", "tab\\there\\n\\u00e9\\uD83D\\uDE00\\q")
        );
    }

    #[test]
    fn bad_unicode_escape_is_an_error_and_parsing_goes_on() {
        let text = "a=x\\u12G4y\nb=\\u\nc=3\n";
        let doc = parse_checked(text);
        let errors: Vec<_> = doc.errors.iter().map(|e| slice(text, e.span)).collect();
        assert_eq!(errors, ["\\u12", "\\u"]);
        assert_eq!(
            pairs(&doc, root(&doc)),
            [pair("a", "xu12G4y"), pair("b", "u"), pair("c", "3")]
        );
    }

    #[test]
    fn hash_dash_lines_split_documents() {
        let text = "a=1\n#---\nb=2\n!---  \nc=3\n";
        let doc = parse_checked(text);
        assert_eq!(doc.roots.len(), 3);
        let docs: Vec<_> = doc.roots.iter().map(|&r| pairs(&doc, r)).collect();
        assert_eq!(
            docs,
            [
                vec![pair("a", "1")],
                vec![pair("b", "2")],
                vec![pair("c", "3")]
            ]
        );
        assert!(doc.comments.is_empty());
        assert_eq!(slice(text, doc.span(doc.roots[1])), "\nb=2\n");
    }

    #[test]
    fn separator_rules_follow_spring() {
        // Indented, longer, or right after a comment with the same marker: a comment.
        let text = "a=1\n  #---\n#----\n# note\n#---\n! note\n#---\nb=2\n";
        let doc = parse_checked(text);
        assert_eq!(doc.roots.len(), 2);
        assert_eq!(doc.comments.len(), 5);
        assert_eq!(pairs(&doc, doc.roots[1]), [pair("b", "2")]);
    }

    /// A comment right after `#---`, before any key, re-opens the previous document
    /// (Spring Boot's `existingCommentsAreNotTreatedAsMultiDoc`): the separator splits
    /// nothing (it used to start a document).
    #[test]
    fn a_comment_right_after_a_separator_continues_the_previous_document() {
        let text = "a=1\n#---\n# Local overrides\nb=2\n#---\n#---\n! note\nc=3\n#---\nd=4\n";
        let doc = parse_checked(text);
        let docs: Vec<_> = doc.roots.iter().map(|&r| pairs(&doc, r)).collect();
        assert_eq!(
            docs,
            [
                vec![pair("a", "1"), pair("b", "2"), pair("c", "3")],
                vec![pair("d", "4")]
            ]
        );
        assert_eq!(slice(text, doc.span(doc.roots[1])), "\nd=4\n");
    }

    #[test]
    fn empty_keys_are_dropped_like_spring() {
        let doc = parse_checked("=value\n:x\nk=v\n");
        assert_eq!(pairs(&doc, root(&doc)), [pair("k", "v")]);
    }

    #[test]
    fn hostile_inputs_never_panic_and_keep_spans_valid() {
        let inputs = [
            "",
            "\\",
            "\\\\",
            "a\\",
            "\\u",
            "\\uD83D",
            "\\uD83D\\u",
            "é\\\r\n☕",
            "#---",
            "!---\r\n",
            "=",
            " \t\x0c",
            "a=\\\n",
            "k\\\n\\\n\\\n",
            "\\u00",
            "é=\\u00e",
        ];
        for text in inputs {
            parse_checked(text);
        }
    }
}
