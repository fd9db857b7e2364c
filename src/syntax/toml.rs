//! TOML through `toml::de::DeTable::parse_recoverable`, which keeps a byte span on every
//! key and value and returns the partial table together with all errors.
//!
//! Tables become maps, arrays (and arrays of tables) sequences, strings quoted scalars
//! (style from the opening quote in the source; `"""` and `'''` map to the same styles),
//! other values plain scalars holding the source text as written. The conversion uses an
//! explicit stack bounded by [`MAX_DEPTH`]. `toml` stores table entries sorted by key, so
//! entries are put back in source order by key position. A `[table]` span is its header
//! in `toml`; here every collection's span is widened to cover its children.

use toml::de::{DeArray, DeTable, DeValue};
use toml::Spanned;

use super::{Document, Entry, NodeId, NodeKind, ScalarStyle, SyntaxError, MAX_DEPTH};
use crate::source::{floor_char_boundary, Span};

/// Parse a TOML file into one root map; errors keep what was read around them.
pub fn parse(text: &str) -> Document {
    let (table, errors) = DeTable::parse_recoverable(text);
    let mut converter = Converter {
        text,
        doc: Document::default(),
        pending: Vec::new(),
    };
    for error in &errors {
        let span = error
            .span()
            .map_or_else(Span::default, |range| converter.span(range));
        converter.error(error.message().to_owned(), span);
    }
    let root = converter
        .doc
        .push(NodeKind::Map(Vec::new()), Span::new(0, text.len()));
    converter.doc.roots.push(root);
    converter
        .pending
        .push((root, Collection::Table(table.get_ref()), 1));
    converter.run();
    let mut doc = converter.doc;
    widen_collection_spans(&mut doc);
    doc
}

/// A collection whose node exists but whose children are still to be converted.
enum Collection<'t, 'i> {
    Table(&'t DeTable<'i>),
    Array(&'t DeArray<'i>),
}

struct Converter<'s, 't, 'i> {
    text: &'s str,
    doc: Document,
    /// Work stack: (node to fill, its source collection, its depth).
    pending: Vec<(NodeId, Collection<'t, 'i>, usize)>,
}

impl<'t, 'i> Converter<'_, 't, 'i> {
    fn run(&mut self) {
        while let Some((node, collection, depth)) = self.pending.pop() {
            let kind = match collection {
                Collection::Table(table) => NodeKind::Map(self.table_entries(table, depth)),
                Collection::Array(array) => {
                    NodeKind::Seq(array.iter().map(|item| self.value(item, depth)).collect())
                }
            };
            if let Some(slot) = self.doc.nodes.get_mut(node.0) {
                slot.kind = kind;
            }
        }
    }

    fn table_entries(&mut self, table: &'t DeTable<'i>, depth: usize) -> Vec<Entry> {
        let mut entries: Vec<_> = table.iter().collect();
        entries.sort_by_key(|(key, _)| key.span().start);
        entries
            .into_iter()
            .map(|(key, value)| Entry {
                key: self.key(key),
                value: self.value(value, depth),
            })
            .collect()
    }

    fn key(&mut self, key: &Spanned<std::borrow::Cow<'i, str>>) -> NodeId {
        let span = self.span(key.span());
        let style = self.quote_style(span);
        self.scalar(key.get_ref().to_string(), style, span)
    }

    /// The node for `value`; collections get an empty node, filled when popped.
    fn value(&mut self, value: &'t Spanned<DeValue<'i>>, depth: usize) -> NodeId {
        let span = self.span(value.span());
        match value.get_ref() {
            DeValue::String(text) => {
                let style = self.quote_style(span);
                self.scalar(text.to_string(), style, span)
            }
            DeValue::Table(table) => self.collection(
                NodeKind::Map(Vec::new()),
                span,
                Collection::Table(table),
                depth,
            ),
            DeValue::Array(array) => self.collection(
                NodeKind::Seq(Vec::new()),
                span,
                Collection::Array(array),
                depth,
            ),
            DeValue::Integer(_)
            | DeValue::Float(_)
            | DeValue::Boolean(_)
            | DeValue::Datetime(_) => {
                let written = self
                    .text
                    .get(span.start..span.end)
                    .unwrap_or_default()
                    .to_owned();
                self.scalar(written, ScalarStyle::Plain, span)
            }
        }
    }

    fn collection(
        &mut self,
        empty: NodeKind,
        span: Span,
        collection: Collection<'t, 'i>,
        depth: usize,
    ) -> NodeId {
        let node = self.doc.push(empty, span);
        if depth >= MAX_DEPTH {
            self.error(format!("nesting deeper than {MAX_DEPTH} levels"), span);
        } else {
            self.pending.push((node, collection, depth + 1));
        }
        node
    }

    fn scalar(&mut self, text: String, style: ScalarStyle, span: Span) -> NodeId {
        self.doc.push_scalar(text, style, span)
    }

    /// The quoting of the string or key written at `span`.
    fn quote_style(&self, span: Span) -> ScalarStyle {
        match self
            .text
            .get(span.start..)
            .and_then(|rest| rest.chars().next())
        {
            Some('"') => ScalarStyle::DoubleQuoted,
            Some('\'') => ScalarStyle::SingleQuoted,
            _ => ScalarStyle::Plain,
        }
    }

    /// A `toml` byte range as a span kept inside the text and on char boundaries.
    fn span(&self, range: std::ops::Range<usize>) -> Span {
        Span::new(
            floor_char_boundary(self.text, range.start),
            floor_char_boundary(self.text, range.end),
        )
    }

    fn error(&mut self, message: String, span: Span) {
        self.doc.errors.push(SyntaxError { message, span });
    }
}

/// Widen every map and sequence span to cover its keys and items. Children are always
/// pushed after their parent, so one pass from the last node back sees children first.
fn widen_collection_spans(doc: &mut Document) {
    for index in (0..doc.nodes.len()).rev() {
        let children: Vec<NodeId> = match doc.nodes.get(index).map(|n| &n.kind) {
            Some(NodeKind::Map(entries)) => entries.iter().flat_map(|e| [e.key, e.value]).collect(),
            Some(NodeKind::Seq(items)) => items.clone(),
            _ => continue,
        };
        // Empty spans are skipped: `toml` gives a missing value the span 0..0.
        let covered = children
            .iter()
            .map(|&child| doc.span(child))
            .filter(|span| !span.is_empty())
            .fold(doc.span(NodeId(index)), |span, child| span.cover(child));
        if let Some(node) = doc.nodes.get_mut(index) {
            node.span = covered;
        }
    }
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

    fn style(doc: &Document, id: NodeId) -> Option<ScalarStyle> {
        doc.scalar(id).map(|s| s.style)
    }

    #[test]
    fn keys_and_values_have_exact_spans_after_non_ascii() {
        let text = "# café ☕\n[db]\nmax_connections = 10\ntimeout = \"30s\"\n";
        let doc = parse_checked(text);
        assert!(doc.errors.is_empty());
        let db = section(&doc, "db", 0);
        let entries = doc.entries(db);
        assert_eq!(doc.span(entries[0].key), Span::new(17, 32));
        assert_eq!(doc.span(entries[0].value), Span::new(35, 37));
        assert_eq!(raw_entry(&doc, db, 1, text), ("timeout", "\"30s\""));
        assert_eq!(
            pairs(&doc, db),
            [pair("max_connections", "10"), pair("timeout", "30s")]
        );
        // The table spans from its header to its last entry.
        assert_eq!(
            slice(text, doc.span(db)),
            "[db]\nmax_connections = 10\ntimeout = \"30s\""
        );
    }

    #[test]
    fn entries_keep_source_order() {
        let doc = parse_checked("zeta = 1\nalpha = 2\n[m]\nb = 1\na = 2\n");
        assert_eq!(
            pairs(&doc, root(&doc)),
            [pair("zeta", "1"), pair("alpha", "2"), pair("m", "<map>")]
        );
        assert_eq!(
            pairs(&doc, section(&doc, "m", 0)),
            [pair("b", "1"), pair("a", "2")]
        );
    }

    #[test]
    fn scalars_keep_written_text_and_quote_styles() {
        let text = "i = 0x1F\nf = 1e3\nb = true\nd = 1979-05-27T07:32:00Z\nbasic = \"a\\tb\"\n\
                    literal = 'c:\\x'\nmulti = \"\"\"\nline\"\"\"\nraw = '''r'''\n\"quoted key\" = 1\n";
        let doc = parse_checked(text);
        assert!(doc.errors.is_empty());
        let root = root(&doc);
        assert_eq!(
            pairs(&doc, root),
            [
                pair("i", "0x1F"),
                pair("f", "1e3"),
                pair("b", "true"),
                pair("d", "1979-05-27T07:32:00Z"),
                pair("basic", "a\tb"),
                pair("literal", "c:\\x"),
                pair("multi", "line"),
                pair("raw", "r"),
                pair("quoted key", "1"),
            ]
        );
        let entries = doc.entries(root);
        let styles: Vec<_> = entries.iter().map(|e| style(&doc, e.value)).collect();
        use ScalarStyle::*;
        let expected = [
            Plain,
            Plain,
            Plain,
            Plain,
            DoubleQuoted,
            SingleQuoted,
            DoubleQuoted,
            SingleQuoted,
            Plain,
        ];
        assert_eq!(styles, expected.map(Some));
        assert_eq!(style(&doc, entries[8].key), Some(DoubleQuoted));
        assert_eq!(style(&doc, entries[0].key), Some(Plain));
        assert_eq!(slice(text, doc.span(entries[8].key)), "\"quoted key\"");
    }

    #[test]
    fn arrays_of_tables_become_sequences_of_maps() {
        let text = "[[pools]]\nname = \"a\"\nsize = 5\n\n[[pools]]\nname = 'b'\n\n[general]\nports = [1, 2]\n";
        let doc = parse_checked(text);
        assert!(doc.errors.is_empty());
        let pools = doc.get(root(&doc), "pools").expect("pools");
        let items = doc.seq(pools).expect("seq");
        assert_eq!(items.len(), 2);
        assert_eq!(
            pairs(&doc, items[0]),
            [pair("name", "a"), pair("size", "5")]
        );
        assert_eq!(pairs(&doc, items[1]), [pair("name", "b")]);
        assert!(slice(text, doc.span(pools)).starts_with("[[pools]]"));
        assert!(slice(text, doc.span(pools)).ends_with("name = 'b'"));
        let ports = doc
            .get(section(&doc, "general", 0), "ports")
            .expect("ports");
        assert_eq!(slice(text, doc.span(ports)), "[1, 2]");
        assert_eq!(doc.seq(ports).map(<[NodeId]>::len), Some(2));
    }

    #[test]
    fn dotted_keys_make_nested_maps() {
        let text = "a.b.c = 1\n";
        let doc = parse_checked(text);
        let a = doc.get(root(&doc), "a").expect("a");
        let b = doc.get(a, "b").expect("b");
        assert_eq!(pairs(&doc, b), [pair("c", "1")]);
        assert_eq!(slice(text, doc.span(a)), "a.b.c = 1");
    }

    #[test]
    fn errors_have_spans_and_the_partial_table_is_kept() {
        let text = "a = 1\nb = \nc = \"open\n[d\ne = 5\n";
        let doc = parse_checked(text);
        assert!(doc.errors.len() >= 2, "{:?}", doc.errors);
        assert!(doc.errors.iter().all(|e| !e.message.is_empty()));
        // `toml` points at the position where it gave up (an empty span).
        let unclosed = doc
            .errors
            .iter()
            .find(|e| e.message.contains("unclosed table"));
        assert_eq!(unclosed.map(|e| e.span), Some(Span::new(23, 23)));
        let missing_value = doc
            .errors
            .iter()
            .find(|e| e.message.contains("must be quoted"));
        assert_eq!(missing_value.map(|e| e.span.start), Some(10));
        assert_eq!(
            doc.get(root(&doc), "a").and_then(|v| doc.text(v)),
            Some("1")
        );
    }

    #[test]
    fn duplicate_keys_are_errors_pointing_at_the_second_key() {
        let text = "max = 1\nmax = 2\n";
        let doc = parse_checked(text);
        assert_eq!(doc.errors.len(), 1);
        assert_eq!(doc.errors[0].span, Span::new(8, 11));
        assert!(doc.errors[0].message.contains("duplicate"));
    }

    #[test]
    fn deep_nesting_is_a_clean_error_and_fast() {
        let started = std::time::Instant::now();
        let text = format!("a = {}", "[".repeat(100_000));
        let doc = parse_checked(&text);
        assert!(!doc.errors.is_empty());
        let text = format!(
            "{}1{}",
            "a = ".to_owned() + &"[".repeat(100_000),
            "]".repeat(100_000)
        );
        let doc = parse_checked(&text);
        assert!(!doc.errors.is_empty());
        let inline = format!("a = {}", "{b = ".repeat(100_000));
        parse_checked(&inline);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn bom_goes_through_the_format_entry_point() {
        let text = "\u{FEFF}pool = 5\n";
        let doc = crate::syntax::parse(Format::Toml, text);
        assert_spans_valid(&doc, text);
        assert_eq!(raw_entry(&doc, root(&doc), 0, text), ("pool", "5"));
    }

    #[test]
    fn crlf_and_hostile_inputs_keep_spans_valid() {
        let text = "[db]\r\npool = 5\r\nname = \"é☕\"\r\n";
        let doc = parse_checked(text);
        assert_eq!(
            raw_entry(&doc, section(&doc, "db", 0), 1, text),
            ("name", "\"é☕\"")
        );
        for text in [
            "",
            "=",
            "[",
            "[[",
            "a = \"é",
            "é = 1",
            "a = [1,",
            "a = {",
            "\"\u{FEFF}\" = 1",
            "a.b = 1\na = 2",
        ] {
            parse_checked(text);
        }
    }
}
