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
pub fn parse_literal(outer: &str, span: Span, content: &str, format: Format) -> Option<Document> {
    let map = SegmentMap::new(outer, span, content)?;
    let mut doc = super::parse(format, content);
    doc.remap_spans(|span| map.outer_span(span));
    Some(doc)
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
        let doc = parse_literal(outer, outer_doc.span(block), content, Format::Yaml).unwrap();
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
        let doc = parse_literal(outer, outer_doc.span(block), content, format).unwrap();
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
        let doc = parse_literal(outer, outer_doc.span(block), content, Format::Properties).unwrap();
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
