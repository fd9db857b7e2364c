//! Documents embedded in a YAML literal block scalar (a Kubernetes ConfigMap's
//! `application.yml: |`), parsed again with every span mapped back into the outer file,
//! so diagnostics point at the real line and column of the manifest.

use super::{Document, Format};
use crate::source::Span;

/// Parse the content of the literal block scalar at `span` in `outer` (whose loaded text
/// is `content`) as `format`, with spans in `outer`. None when the content is not the
/// outer lines minus a fixed indentation (folded scalars, escapes).
pub fn parse_literal(outer: &str, span: Span, content: &str, format: Format) -> Option<Document> {
    let map = LineMap::new(outer, span, content)?;
    let mut doc = super::parse(format, content);
    doc.remap(|offset| map.outer(offset));
    Some(doc)
}

/// Content line starts and the outer offsets they came from.
struct LineMap {
    content_starts: Vec<usize>,
    outer_starts: Vec<usize>,
    content_len: usize,
    outer_end: usize,
}

impl LineMap {
    fn new(outer: &str, span: Span, content: &str) -> Option<LineMap> {
        let first_line_start = outer.get(..span.start)?.rfind('\n').map_or(0, |i| i + 1);
        let indent = span.start - first_line_start;
        let mut content_starts = Vec::new();
        let mut outer_starts = Vec::new();
        let mut outer_line = first_line_start;
        let mut content_at = 0;
        for line in content.split_inclusive('\n') {
            let outer_rest = outer.get(outer_line..)?;
            let outer_len = outer_rest.find('\n').map_or(outer_rest.len(), |i| i + 1);
            let outer_text = outer_rest.get(..outer_len)?.trim_end_matches(['\n', '\r']);
            let text = line.trim_end_matches('\n');
            let outer_content = outer_text.get(indent.min(outer_text.len())..).unwrap_or("");
            if !text.is_empty() && outer_content != text {
                return None;
            }
            content_starts.push(content_at);
            outer_starts.push(outer_line + indent.min(outer_text.len()));
            content_at += line.len();
            outer_line += outer_len;
        }
        Some(LineMap {
            content_starts,
            outer_starts,
            content_len: content.len(),
            outer_end: span.end,
        })
    }

    fn outer(&self, offset: usize) -> usize {
        if offset >= self.content_len {
            return self.outer_end;
        }
        let line = self
            .content_starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        match (self.content_starts.get(line), self.outer_starts.get(line)) {
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
}
