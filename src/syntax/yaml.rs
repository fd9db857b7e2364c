//! YAML (and JSON) loader over `granit-parser` events.
//!
//! The loader is iterative: an explicit stack of open collections replaces recursion, so a
//! 100,000-deep file cannot overflow the thread stack (the parser itself refuses nesting
//! beyond [`MAX_DEPTH`] and we check again). Aliases stay references to their anchored
//! node and are never expanded, which makes alias bombs ("billion laughs") cost nothing.
//! Merge keys are left in the tree; [`Document::entries`] resolves them on demand.
//! Duplicate keys are kept in order (readers decide which one wins). The first syntax
//! error ends the parse; what was read before it stays in the tree.

use std::collections::HashMap;

use granit_parser::{Event, Options, Parser, ScanError, StructureStyle};

use super::{
    Comment, Document, Entry, NodeId, NodeKind, Scalar, ScalarStyle, SyntaxError, MAX_DEPTH,
};
use crate::source::Span;

/// Parse YAML text into a [`Document`] with byte spans into `text`.
pub fn parse(text: &str) -> Document {
    parse_as(text, "YAML")
}

/// Parse YAML or JSON text; a syntax error's message names `format`, the format the
/// user wrote (JSON is read as YAML, but "invalid YAML" would mislead in a `.json` file).
pub fn parse_as(text: &str, format: &str) -> Document {
    parse_with(text, format, Comments::Kept)
}

/// Whether the loader records a YAML file's comments in [`Document::comments`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comments {
    Kept,
    /// Skipped as whitespace is: the nodes, spans and errors are the same, and asking
    /// for comments cost an eighth of the parser's instructions on the benchmark trees
    /// (benches/README.md, twenty-seventh pass).
    Skipped,
}

/// [`parse_as`], keeping or skipping comments.
pub fn parse_with(text: &str, format: &str, comments: Comments) -> Document {
    let mut loader = Loader::new(text);
    let options = parser_options(comments);
    for next in Parser::new_from_str_with_options(text, options) {
        match next {
            Ok((event, span)) => {
                let range = span.byte_range().unwrap_or(0..0);
                if let Err(error) = loader.event(event, Span::new(range.start, range.end)) {
                    loader.fail(error);
                    break;
                }
            }
            Err(error) => {
                loader.fail(scan_error(text, &error, format));
                break;
            }
        }
    }
    loader.finish()
}

fn parser_options(comments: Comments) -> Options {
    let mut options = Options::default();
    options.emit_anchor_events = true;
    options.emit_unresolved_aliases = true;
    options.flow_nesting_limit = MAX_DEPTH - 1;
    options.block_nesting_limit = MAX_DEPTH - 1;
    options.set_emit_comments(comments == Comments::Kept);
    options
}

/// A parser error as a [`SyntaxError`] at the byte where the parser stopped.
fn scan_error(text: &str, error: &ScanError, format: &str) -> SyntaxError {
    let marker = error.marker();
    let offset = marker
        .byte_offset()
        .unwrap_or_else(|| char_to_byte(text, marker.index()));
    let offset = offset.min(text.len());
    // Point at the character there (or nothing at end of input).
    let end = text
        .get(offset..)
        .and_then(|rest| rest.chars().next())
        .map_or(offset, |c| offset + c.len_utf8());
    SyntaxError {
        message: format!("invalid {format}: {}", error.kind()),
        span: Span::new(offset, end),
    }
}

fn char_to_byte(text: &str, chars: usize) -> usize {
    text.char_indices()
        .nth(chars)
        .map_or(text.len(), |(i, _)| i)
}

/// A collection still being read.
struct Open {
    id: NodeId,
    flow: bool,
    /// Where its children start in [`Loader::children`].
    first_child: usize,
}

struct Loader<'t> {
    text: &'t str,
    doc: Document,
    open: Vec<Open>,
    /// The children of every open collection, the innermost's last: each collection's
    /// are moved into a vector of their number once it closes, so no collection grows
    /// a vector of its own by doubling.
    children: Vec<NodeId>,
    /// Anchor ids of the current document (granit numbers them) to their nodes.
    anchors: HashMap<usize, NodeId>,
    /// The node the last node event created, which a following `Anchor` event names.
    last_node: Option<NodeId>,
}

impl<'t> Loader<'t> {
    fn new(text: &'t str) -> Self {
        Loader {
            text,
            doc: Document::default(),
            open: Vec::new(),
            children: Vec::new(),
            anchors: HashMap::new(),
            last_node: None,
        }
    }

    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), SyntaxError> {
        match event {
            Event::StreamStart | Event::StreamEnd => {}
            Event::DocumentStart(..) => self.anchors.clear(),
            Event::DocumentEnd => self.last_node = None,
            Event::Comment(text, _) => self.doc.comments.push(Comment {
                span,
                text: text.into_owned(),
            }),
            Event::Scalar(text, style, anchor, tag) => {
                let span = match style {
                    granit_parser::ScalarStyle::Literal | granit_parser::ScalarStyle::Folded => {
                        self.block_scalar_span(span)
                    }
                    _ => span,
                };
                let scalar = Scalar {
                    text: text.into_owned(),
                    style: scalar_style(style),
                };
                let id = self.doc.push(NodeKind::Scalar(scalar), span);
                self.tag(id, tag.as_deref());
                self.remember_anchor(anchor, id);
                self.add_child(id);
            }
            Event::SequenceStart(style, anchor, tag) => {
                let id = self.start_collection(NodeKind::Seq(Vec::new()), style, anchor, span)?;
                self.tag(id, tag.as_deref());
            }
            Event::MappingStart(style, anchor, tag) => {
                let id = self.start_collection(NodeKind::Map(Vec::new()), style, anchor, span)?;
                self.tag(id, tag.as_deref());
            }
            Event::SequenceEnd | Event::MappingEnd => self.end_collection(span),
            Event::Alias(anchor) => {
                let target = self.anchors.get(&anchor).copied();
                self.alias(target, span);
            }
            Event::UnresolvedAlias(_) => {
                self.alias(None, span);
                // Not quoted: an unquoted value starting with `*` (a generated
                // password) is read as an alias, and a message would print it.
                return Err(SyntaxError {
                    message: "this alias (`*name`) refers to no anchor defined before it; a value starting with `*` must be quoted".to_owned(),
                    span,
                });
            }
            Event::Anchor(anchor, name) => self.name_anchor(anchor, name.into_owned()),
            // granit's Event is non-exhaustive across versions; ignore what we do not use.
            #[allow(unreachable_patterns)]
            _ => {}
        }
        Ok(())
    }

    /// A block scalar's span without the line breaks and indentation after its last
    /// line: the parser's span runs to the next token, so a finding on the value
    /// ended on the next key's line (or past the last line of the file). Blanks ending
    /// the last line are kept: they are the scalar's text.
    fn block_scalar_span(&self, span: Span) -> Span {
        let text = self.slice(span);
        let content = text.trim_end_matches([' ', '\t', '\r', '\n']);
        let after = text.get(content.len()..).unwrap_or("");
        let blanks = after.find(['\r', '\n']).unwrap_or(after.len());
        Span::new(span.start, span.start + content.len() + blanks)
    }

    /// Keep a node's explicit tag (`!!str`, Compose's `!reset`).
    fn tag(&mut self, id: NodeId, tag: Option<&granit_parser::Tag>) {
        if let Some(tag) = tag {
            self.doc.tags.set(id, tag.to_string().into_boxed_str());
        }
    }

    fn slice(&self, span: Span) -> &str {
        self.text.get(span.start..span.end).unwrap_or("")
    }

    fn alias(&mut self, target: Option<NodeId>, span: Span) {
        let id = self.doc.push(NodeKind::Alias { target }, span);
        self.last_node = None;
        self.add_child(id);
    }

    fn start_collection(
        &mut self,
        kind: NodeKind,
        style: StructureStyle,
        anchor: usize,
        span: Span,
    ) -> Result<NodeId, SyntaxError> {
        if self.open.len() >= MAX_DEPTH {
            return Err(SyntaxError {
                message: format!("nesting deeper than {MAX_DEPTH} levels is not supported"),
                span,
            });
        }
        let id = self.doc.push(kind, span);
        self.remember_anchor(anchor, id);
        self.open.push(Open {
            id,
            flow: style == StructureStyle::Flow,
            first_child: self.children.len(),
        });
        Ok(id)
    }

    fn end_collection(&mut self, end: Span) {
        let Some(open) = self.open.pop() else { return };
        self.close(open, Some(end));
    }

    /// Store a finished collection's children and its full span, and add it to its parent.
    fn close(&mut self, open: Open, end: Option<Span>) {
        let children = self.children.get(open.first_child..).unwrap_or_default();
        let last_child_end = children.last().map(|c| self.doc.span(*c).end);
        let start = self.doc.span(open.id).start;
        // A flow collection ends at its bracket; a block one ends with its last child
        // (the parser's end event sits at the next token, past comments and blank lines).
        let stop = match (open.flow, end, last_child_end) {
            (true, Some(end), _) => end.end,
            (_, _, Some(child_end)) => child_end,
            (_, Some(end), None) => end.end.min(self.doc.span(open.id).end.max(start)),
            (_, None, None) => start,
        };
        let kind = collection_kind(&self.doc, open.id, children);
        self.children.truncate(open.first_child);
        if let Some(node) = self.doc.nodes.get_mut(open.id.0) {
            node.span = Span::new(start, stop.max(start));
            node.kind = kind;
        }
        self.last_node = None;
        self.add_child(open.id);
    }

    fn add_child(&mut self, id: NodeId) {
        match self.open.last_mut() {
            Some(_) => self.children.push(id),
            None => self.doc.roots.push(id),
        }
    }

    fn remember_anchor(&mut self, anchor: usize, id: NodeId) {
        if anchor != 0 {
            self.anchors.insert(anchor, id);
        }
        self.last_node = Some(id);
    }

    fn name_anchor(&mut self, anchor: usize, name: String) {
        let node = self.anchors.get(&anchor).copied().or(self.last_node);
        if let Some(node) = node.filter(|id| id.0 < self.doc.nodes.len()) {
            self.doc.anchors.set(node, name.into_boxed_str());
        }
    }

    fn fail(&mut self, error: SyntaxError) {
        self.doc.errors.push(error);
    }

    /// Close what is still open (after an error) so the partial tree is well formed.
    fn finish(mut self) -> Document {
        while let Some(open) = self.open.pop() {
            self.close(open, None);
        }
        self.doc
    }
}

/// The node kind of a finished collection: the children of a mapping pair up as
/// key, value, key, value (a dangling key after an error gets no entry).
fn collection_kind(doc: &Document, id: NodeId, children: &[NodeId]) -> NodeKind {
    match doc.node(id).map(|n| &n.kind) {
        Some(NodeKind::Map(_)) => NodeKind::Map(
            children
                .chunks_exact(2)
                .filter_map(|pair| match pair {
                    [key, value] => Some(Entry {
                        key: *key,
                        value: *value,
                    }),
                    _ => None,
                })
                .collect(),
        ),
        _ => NodeKind::Seq(children.to_vec()),
    }
}

fn scalar_style(style: granit_parser::ScalarStyle) -> ScalarStyle {
    use granit_parser::ScalarStyle as S;
    match style {
        S::SingleQuoted => ScalarStyle::SingleQuoted,
        S::DoubleQuoted => ScalarStyle::DoubleQuoted,
        S::Literal => ScalarStyle::Literal,
        S::Folded => ScalarStyle::Folded,
        _ => ScalarStyle::Plain,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slice<'a>(text: &'a str, doc: &Document, id: NodeId) -> &'a str {
        let span = doc.span(id);
        &text[span.start..span.end]
    }

    fn root(doc: &Document) -> NodeId {
        doc.roots[0]
    }

    #[test]
    fn mapping_keys_and_values_have_byte_spans() {
        let text = "spring:\n  datasource:\n    hikari:\n      maximum-pool-size: 5 # small\n";
        let doc = parse(text);
        assert!(doc.errors.is_empty(), "{:?}", doc.errors);
        let spring = doc.get(root(&doc), "spring").unwrap();
        let ds = doc.get(spring, "datasource").unwrap();
        let hikari = doc.get(ds, "hikari").unwrap();
        let size = doc.get(hikari, "maximum-pool-size").unwrap();
        assert_eq!(slice(text, &doc, size), "5");
        let entry = doc.entries(hikari)[0];
        assert_eq!(slice(text, &doc, entry.key), "maximum-pool-size");
        assert_eq!(doc.comments.len(), 1);
        assert_eq!(doc.comments[0].text, " small");
        assert_eq!(
            &text[doc.comments[0].span.start..doc.comments[0].span.end],
            "# small"
        );
        // The block mapping spans from its first key to its last value.
        assert_eq!(slice(text, &doc, hikari), "maximum-pool-size: 5");
    }

    /// A block scalar's span is its text: not the line breaks and indentation up to the
    /// next key, nor past the end of the file. Quoted and plain spans are unchanged.
    #[test]
    fn block_scalar_spans_end_with_their_text() {
        let cases = [
            ("a:\n  b: >-\n    0\n  c: p\n", "b", "0"),
            ("a:\n  b: |\n    0\n  c: p\n", "b", "0"),
            ("a:\n  b: |+\n    0\n\n  c: p\n", "b", "0"),
            ("a:\n  b: >\n    x\n    y\n\n", "b", "x\n    y"),
            ("a:\n  b: |\n    x  \n", "b", "x  "),
            ("a:\n  b: |\r\n    0\r\n  c: p\r\n", "b", "0"),
            ("a:\n  b: |\n    0", "b", "0"),
            ("a:\n  c: p\n  b: \"q\"\n", "c", "p"),
            ("a:\n  c: p\n  b: \"q\"\n", "b", "\"q\""),
            ("a:\n  b: 'q'\n", "b", "'q'"),
        ];
        for (text, key, value) in cases {
            let doc = parse(text);
            assert!(doc.errors.is_empty(), "{text:?}: {:?}", doc.errors);
            let a = doc.get(root(&doc), "a").unwrap();
            let b = doc.get(a, key).unwrap();
            assert_eq!(slice(text, &doc, b), value, "{text:?}");
        }
    }

    #[test]
    fn multibyte_text_keeps_byte_offsets() {
        let text = "name: \"Zürich 🚀\"\nsize: 7\n";
        let doc = parse(text);
        let size = doc.get(root(&doc), "size").unwrap();
        assert_eq!(slice(text, &doc, size), "7");
        let name = doc.get(root(&doc), "name").unwrap();
        assert_eq!(doc.text(name), Some("Zürich 🚀"));
        assert_eq!(doc.scalar(name).unwrap().style, ScalarStyle::DoubleQuoted);
    }

    #[test]
    fn multiple_documents_each_get_a_root() {
        let text = "a: 1\n---\na: 2\n---\n";
        let doc = parse(text);
        assert!(doc.roots.len() >= 2);
        let second = doc.get(doc.roots[1], "a").unwrap();
        assert_eq!(doc.text(second), Some("2"));
    }

    #[test]
    fn anchors_and_merge_keys_resolve_without_expansion() {
        let text =
            "default: &default\n  pool: 5\n  timeout: 10\nprod:\n  <<: *default\n  pool: 20\n";
        let doc = parse(text);
        assert!(doc.errors.is_empty(), "{:?}", doc.errors);
        let default = doc.get(root(&doc), "default").unwrap();
        assert_eq!(doc.anchor(default), Some("default"));
        let prod = doc.get(root(&doc), "prod").unwrap();
        let timeout = doc.get(prod, "timeout").unwrap();
        assert_eq!(slice(text, &doc, timeout), "10");
        let pool = doc.get(prod, "pool").unwrap();
        assert_eq!(slice(text, &doc, pool), "20");
    }

    #[test]
    fn billion_laughs_is_not_expanded() {
        let mut text = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        let names: Vec<char> = ('b'..='z').collect();
        let mut previous = 'a';
        for name in names {
            let refs = vec![format!("*{previous}"); 9].join(",");
            text.push_str(&format!("{name}: &{name} [{refs}]\n"));
            previous = name;
        }
        let doc = parse(&text);
        assert!(doc.errors.is_empty(), "{:?}", doc.errors);
        // 26 keys, 26 sequences, 9 + 25*9 items: linear in the text, not exponential.
        assert!(doc.nodes.len() < 400, "{} nodes", doc.nodes.len());
    }

    #[test]
    fn deep_flow_nesting_is_an_error_not_a_crash() {
        let text = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let doc = parse(&text);
        assert_eq!(doc.errors.len(), 1);
        assert!(doc.errors[0].span.end <= text.len());
    }

    #[test]
    fn deep_block_nesting_is_an_error_not_a_crash() {
        let mut text = String::new();
        for depth in 0..2_000usize {
            text.push_str(&" ".repeat(depth));
            text.push_str("- \n");
        }
        let doc = parse(&text);
        // Either refused for depth or parsed (indentation is capped): never a crash.
        assert!(doc.errors.len() <= 1);
    }

    #[test]
    fn deep_json_nesting_is_an_error_not_a_crash() {
        let text = format!("{}1{}", "{\"a\":".repeat(100_000), "}".repeat(100_000));
        let doc = parse(&text);
        assert_eq!(doc.errors.len(), 1);
        assert!(doc.errors[0].message.starts_with("invalid YAML"));
    }

    #[test]
    fn crlf_spans_exclude_the_carriage_return() {
        let text = "a: 1\r\nb: two\r\n";
        let doc = parse(text);
        let b = doc.get(root(&doc), "b").unwrap();
        assert_eq!(slice(text, &doc, b), "two");
    }

    #[test]
    fn unterminated_quote_points_into_the_file() {
        let text = "a: 1\nb: \"open\nc: 3\n";
        let doc = parse(text);
        assert_eq!(doc.errors.len(), 1, "{:?}", doc.errors);
        let error = &doc.errors[0];
        assert!(error.span.start <= text.len());
        // What came before the error is kept.
        assert!(doc.get(root(&doc), "a").is_some());
    }

    #[test]
    fn tab_indentation_is_an_error_with_a_location() {
        let text = "a:\n\tb: 1\n";
        let doc = parse(text);
        assert_eq!(doc.errors.len(), 1, "{:?}", doc.errors);
        assert!(doc.errors[0].span.start >= 3);
    }

    #[test]
    fn bom_is_skipped_by_the_front_door() {
        let text = "\u{feff}a: 1\n";
        let doc = super::super::parse(super::super::Format::Yaml, text);
        assert!(doc.errors.is_empty(), "{:?}", doc.errors);
        let a = doc.get(doc.roots[0], "a").unwrap();
        assert_eq!(slice(text, &doc, a), "1");
    }

    #[test]
    fn unknown_alias_is_an_error() {
        let text = "a: *nowhere\n";
        let doc = parse(text);
        assert_eq!(doc.errors.len(), 1);
        assert_eq!(
            &text[doc.errors[0].span.start..doc.errors[0].span.end],
            "*nowhere"
        );
    }

    #[test]
    fn duplicate_keys_are_kept_in_order() {
        let text = "a: 1\na: 2\n";
        let doc = parse(text);
        assert_eq!(doc.entries(root(&doc)).len(), 2);
    }

    #[test]
    fn json_goes_through_the_same_loader() {
        let text = "{\"pool\": {\"max\": 10, \"min\": 2}}";
        let doc = parse(text);
        assert!(doc.errors.is_empty(), "{:?}", doc.errors);
        let pool = doc.get(root(&doc), "pool").unwrap();
        assert_eq!(slice(text, &doc, pool), "{\"max\": 10, \"min\": 2}");
        let max = doc.get(pool, "max").unwrap();
        assert_eq!(slice(text, &doc, max), "10");
    }

    #[test]
    fn block_scalars_keep_their_style() {
        let text = "data:\n  application.yml: |\n    a: 1\n";
        let doc = parse(text);
        let data = doc.get(root(&doc), "data").unwrap();
        let body = doc.get(data, "application.yml").unwrap();
        assert_eq!(doc.scalar(body).unwrap().style, ScalarStyle::Literal);
        assert_eq!(doc.text(body), Some("a: 1\n"));
    }

    #[test]
    fn empty_and_comment_only_files_are_fine() {
        assert!(parse("").errors.is_empty());
        let doc = parse("# nothing here\n");
        assert!(doc.errors.is_empty());
        assert_eq!(doc.comments.len(), 1);
    }
}
