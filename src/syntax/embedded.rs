//! Documents embedded in a YAML block scalar (a Kubernetes ConfigMap's
//! `application.yml: |` or `pgbouncer.ini: >`), parsed again with every span mapped back
//! into the outer file, so diagnostics point at the real line and column of the manifest.

use super::{Document, Format};
use crate::source::Span;

/// Parse the content of the block scalar at `span` in `outer` (whose loaded text is
/// `content`) as `format`, with spans in `outer`. The content is what the application
/// reads: for a folded (`>`) scalar, lines YAML joined with a space stay joined. None
/// when the content is not the outer lines minus a fixed indentation, with line breaks
/// kept, folded into a space or dropped (escapes in quoted scalars).
pub fn parse_literal(
    outer: &str,
    span: Span,
    content: &str,
    format: Format,
) -> Option<(Document, LaterLines)> {
    let map = SegmentMap::new(outer, span, content)?;
    let mut doc = super::parse(format, content);
    // A span over a line break is cut to its first line ([`SegmentMap::outer_span`]):
    // keep where the rest of it is, so a multi-line secret is masked whole.
    let mut continuations: Vec<(Span, Vec<Span>)> = doc
        .all_spans()
        .into_iter()
        .filter_map(|span| {
            let rest = map.continuation(span);
            (!rest.is_empty()).then(|| (map.outer_span(span), rest))
        })
        .collect();
    continuations.sort_by_key(|(span, _)| (span.start, span.end));
    continuations.dedup_by_key(|(span, _)| *span);
    doc.remap_spans(|span| map.outer_span(span));
    Some((doc, LaterLines(continuations)))
}

/// The outer spans of an embedded document that were cut to their first line, with the
/// outer spans of the text of their later lines (each line's run, without the block's
/// indentation).
#[derive(Debug, Default)]
pub struct LaterLines(Vec<(Span, Vec<Span>)>);

impl LaterLines {
    /// The outer spans of the later lines of the text that `span` (a span of the
    /// document) stands for, when it runs over line breaks; empty otherwise.
    pub fn continuation(&self, span: Span) -> &[Span] {
        self.0
            .binary_search_by_key(&(span.start, span.end), |(s, _)| (s.start, s.end))
            .ok()
            .and_then(|i| self.0.get(i))
            .map_or(&[], |(_, rest)| rest.as_slice())
    }
}

/// Where each run of content text starts and ends, and the outer offset it was copied
/// from.
struct SegmentMap {
    content_starts: Vec<usize>,
    content_ends: Vec<usize>,
    outer_starts: Vec<usize>,
    content_len: usize,
    outer_end: usize,
}

impl SegmentMap {
    /// Walk the outer lines and the content together: each outer line, minus the block's
    /// indentation, is the next run of content; between two runs the content holds the
    /// line break, the space YAML folded it into, or nothing (a folded blank line).
    fn new(outer: &str, span: Span, content: &str) -> Option<SegmentMap> {
        let first_line_start = outer.get(..span.start)?.rfind('\n').map_or(0, |i| i + 1);
        let indent = span.start - first_line_start;
        let mut map = SegmentMap {
            content_starts: Vec::new(),
            content_ends: Vec::new(),
            outer_starts: Vec::new(),
            content_len: content.len(),
            outer_end: span.end,
        };
        let mut outer_line = first_line_start;
        let mut content_at = 0;
        while content_at < content.len() {
            let outer_rest = outer.get(outer_line..)?;
            if outer_rest.is_empty() {
                return None;
            }
            let outer_len = outer_rest.find('\n').map_or(outer_rest.len(), |i| i + 1);
            let line = outer_rest.get(..outer_len)?.trim_end_matches(['\n', '\r']);
            let run = line.get(indent.min(line.len())..).unwrap_or("");
            if !content.get(content_at..)?.starts_with(run) {
                return None;
            }
            map.content_starts.push(content_at);
            map.outer_starts.push(outer_line + indent.min(line.len()));
            content_at += run.len();
            map.content_ends.push(content_at);
            if content.get(content_at..)?.starts_with(['\n', ' ']) {
                content_at += 1;
            }
            outer_line += outer_len;
        }
        Some(map)
    }

    /// The outer span of a content span. A span that runs over a folded line break ends
    /// with its first line, so that a label underlines one line of the manifest.
    fn outer_span(&self, span: Span) -> Span {
        let segment = self.segment(span.start);
        let end = match self.content_ends.get(segment) {
            Some(&run_end) if self.segment(span.end) != segment => run_end.max(span.start),
            _ => span.end,
        };
        Span::new(self.outer(span.start), self.outer(end))
    }

    /// The outer spans of the runs after the first that a content span covers: the
    /// later lines [`SegmentMap::outer_span`] leaves out.
    fn continuation(&self, span: Span) -> Vec<Span> {
        let first = self.segment(span.start);
        let last = self.segment(span.end.saturating_sub(1).max(span.start));
        (first + 1..=last)
            .filter_map(|segment| {
                let start = *self.content_starts.get(segment)?;
                let end = (*self.content_ends.get(segment)?).min(span.end);
                let outer = *self.outer_starts.get(segment)?;
                (end > start).then(|| Span::new(outer, outer + (end - start)))
            })
            .collect()
    }

    fn segment(&self, offset: usize) -> usize {
        self.content_starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1)
    }

    fn outer(&self, offset: usize) -> usize {
        if offset >= self.content_len {
            return self.outer_end;
        }
        let segment = self.segment(offset);
        match (
            self.content_starts.get(segment),
            self.outer_starts.get(segment),
        ) {
            (Some(content), Some(outer)) => outer + (offset - content),
            _ => self.outer_end,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_point_into_the_manifest() {
        let outer = "data:\n  application.yml: |\n    spring:\n      datasource:\n        hikari:\n          max-lifetime: 10000\n";
        let outer_doc = super::super::parse(Format::Yaml, outer);
        let data = outer_doc.get(outer_doc.roots[0], "data").unwrap();
        let block = outer_doc.get(data, "application.yml").unwrap();
        let content = outer_doc.text(block).unwrap();
        let doc = parse_literal(outer, outer_doc.span(block), content, Format::Yaml)
            .unwrap()
            .0;
        let spring = doc.get(doc.roots[0], "spring").unwrap();
        let hikari = doc
            .get(doc.get(spring, "datasource").unwrap(), "hikari")
            .unwrap();
        let value = doc.get(hikari, "max-lifetime").unwrap();
        let span = doc.span(value);
        assert_eq!(&outer[span.start..span.end], "10000");
    }

    #[test]
    fn crlf_manifests_map_line_by_line() {
        let outer =
            "data:\r\n  pgbouncer.ini: |\r\n    [pgbouncer]\r\n    pool_mode = statement\r\n";
        let outer_doc = super::super::parse(Format::Yaml, outer);
        let data = outer_doc.get(outer_doc.roots[0], "data").unwrap();
        let block = outer_doc.get(data, "pgbouncer.ini").unwrap();
        let content = outer_doc.text(block).unwrap();
        let format = Format::Ini(crate::syntax::ini::Dialect::PgBouncer);
        let doc = parse_literal(outer, outer_doc.span(block), content, format)
            .unwrap()
            .0;
        let spans: Vec<&str> = doc
            .all_spans()
            .iter()
            .map(|s| &outer[s.start..s.end])
            .collect();
        assert!(spans.contains(&"statement"), "{spans:?}");
    }
    #[test]
    fn folded_scalars_map_joined_lines_back_to_their_own_lines() {
        // `>` joins the two lines with a space: the application reads one property whose
        // value is `10 spring.datasource.hikari.minimum-idle=5`.
        let outer = "data:\n  application.properties: >\n    spring.datasource.hikari.maximum-pool-size=10\n    spring.datasource.hikari.minimum-idle=5\n\n    spring.datasource.hikari.max-lifetime=60000\n";
        let outer_doc = super::super::parse(Format::Yaml, outer);
        let data = outer_doc.get(outer_doc.roots[0], "data").unwrap();
        let block = outer_doc.get(data, "application.properties").unwrap();
        let content = outer_doc.text(block).unwrap();
        assert!(content.contains("=10 spring"), "{content:?}");
        let doc = parse_literal(outer, outer_doc.span(block), content, Format::Properties)
            .unwrap()
            .0;
        assert_eq!(doc.misplaced_span(outer), None);
        let spans: Vec<&str> = doc
            .all_spans()
            .iter()
            .map(|s| &outer[s.start..s.end])
            .collect();
        assert!(
            spans.contains(&"spring.datasource.hikari.max-lifetime"),
            "{spans:?}"
        );
        assert!(spans.contains(&"60000"), "{spans:?}");
        assert!(spans.contains(&"10"), "{spans:?}");
    }

    #[test]
    fn spans_over_line_breaks_keep_their_later_lines() {
        let outer =
            "data:\n  application.yml: |\n    password: \"a1\n      b2\n      c3\"\n    pool: 5\n";
        let outer_doc = super::super::parse(Format::Yaml, outer);
        let data = outer_doc.get(outer_doc.roots[0], "data").unwrap();
        let block = outer_doc.get(data, "application.yml").unwrap();
        let content = outer_doc.text(block).unwrap();
        let (doc, later) =
            parse_literal(outer, outer_doc.span(block), content, Format::Yaml).unwrap();
        let value = doc.get(doc.roots[0], "password").unwrap();
        let span = doc.span(value);
        assert_eq!(&outer[span.start..span.end], "\"a1");
        let rest: Vec<&str> = later
            .continuation(span)
            .iter()
            .map(|s| &outer[s.start..s.end])
            .collect();
        assert_eq!(rest, ["  b2", "  c3\""]);
        let pool = doc.get(doc.roots[0], "pool").unwrap();
        assert!(later.continuation(doc.span(pool)).is_empty());
    }

    #[test]
    fn escaped_quoted_scalars_are_not_mapped() {
        let outer = "data:\n  pgbouncer.ini: \"[pgbouncer]\\npool_mode = statement\"\n";
        let outer_doc = super::super::parse(Format::Yaml, outer);
        let data = outer_doc.get(outer_doc.roots[0], "data").unwrap();
        let block = outer_doc.get(data, "pgbouncer.ini").unwrap();
        let content = outer_doc.text(block).unwrap();
        let format = Format::Ini(crate::syntax::ini::Dialect::PgBouncer);
        assert!(parse_literal(outer, outer_doc.span(block), content, format).is_none());
    }
}
