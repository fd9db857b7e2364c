//! One spanned [`Document`] tree per file, whatever its format.
//!
//! Every key, scalar and collection carries a byte [`Span`]. Trees are stored in an
//! arena (`Vec<Node>` addressed by [`NodeId`]) and built iteratively, so no input can
//! overflow the stack. YAML aliases are kept as references and never expanded; merge
//! keys are resolved lazily by [`Document::entries`] with a work bound. Comments are kept
//! for inline suppressions.

pub mod dotnet_json;
pub mod embedded;
pub mod erb;
pub mod ini;
pub mod properties;
pub mod strict_json;
pub mod toml;
pub mod yaml;

use crate::source::Span;

/// Index of a node in its [`Document`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub usize);

/// Deepest nesting any parser accepts before reporting a parse error.
pub const MAX_DEPTH: usize = 256;

/// How a scalar was written. Ecosystems type scalars themselves (YAML 1.1 vs 1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarStyle {
    /// Unquoted (YAML plain, TOML number/bool/date, INI and properties values).
    Plain,
    SingleQuoted,
    DoubleQuoted,
    /// YAML `|` block.
    Literal,
    /// YAML `>` block.
    Folded,
}

impl ScalarStyle {
    pub fn is_quoted(self) -> bool {
        matches!(self, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scalar {
    /// The value after unquoting and unescaping.
    pub text: String,
    pub style: ScalarStyle,
}

/// One key/value pair of a mapping, in source order (duplicates kept).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub key: NodeId,
    pub value: NodeId,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    Scalar(Scalar),
    Seq(Vec<NodeId>),
    Map(Vec<Entry>),
    /// `*name`: a reference to the anchored node (None when the anchor is unknown). The
    /// name is the node's text after the `*`.
    Alias {
        target: Option<NodeId>,
    },
}

/// 48 bytes: a file of a short key a line holds two nodes a line while it is read, so
/// the rare parts of a node (a YAML anchor's name, a tag) are kept beside the nodes
/// ([`Document::anchor`], [`Document::tag`]), not in each.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    pub span: Span,
}

/// A comment with its span (the text excludes the comment marker).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub span: Span,
    pub text: String,
}

/// A line directive that is not a key/value pair, e.g. `include 'x.conf'`,
/// `%include`, `!includedir`. Recorded, not followed, by the syntax layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    pub name: String,
    pub name_span: Span,
    pub argument: String,
    pub argument_span: Span,
}

/// A syntax problem, reported as a `parse-error` diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    pub span: Span,
}

/// A file parsed into one or more documents.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Document {
    pub nodes: Vec<Node>,
    /// Root of each document (`---` in YAML, `#---` in properties); usually one.
    pub roots: Vec<NodeId>,
    /// In YAML and JSON, recorded only where a suppression may be ([`parse`]).
    pub comments: Vec<Comment>,
    pub directives: Vec<Directive>,
    /// `&name` of the nodes that have one, by node (in the order of their nodes).
    pub anchors: NodeNames,
    /// The explicit tags of the YAML nodes that have one (`!!str`, `!reset`), by node.
    pub tags: NodeNames,
    /// Problems found. A document with errors may still hold what was read before them.
    pub errors: Vec<SyntaxError>,
    /// Entries reached through merge keys so far, over every [`Document::entries`] call.
    pub merge_work: MergeWork,
}

/// What the walks of merge keys have spent in one document, shared by every reader of
/// it: a bound per mapping let a chain of n mappings, each merging the one before, cost
/// n times the chain (a 185 KB file took 41 s and 5.9 GB). Each mapping's walk is kept,
/// so the budget counts a mapping's merged entries once however often readers look it
/// up (a `database.yml` of 300 environments each merging one `default` reached the
/// bound when every lookup counted). Behind a lock, so a document read from several
/// threads stays `Sync`.
#[derive(Debug, Default)]
pub struct MergeWork(std::sync::Mutex<MergeWalks>);

#[derive(Debug, Default)]
struct MergeWalks {
    spent: usize,
    walked: std::collections::HashMap<(NodeId, MergeRule), Vec<ResolvedEntry>>,
}

/// Whose rule a walk of merge keys follows: YAML's ([`Document::entries`]) or Ruby's
/// (the Rails reader's), which differ in what wins, so each is kept apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MergeRule {
    Yaml,
    Ruby,
}

/// The budget one walk of a mapping spends from; see [`MergeWork::walk_once`].
pub struct MergeBudget<'a>(&'a mut usize);

impl<'a> MergeBudget<'a> {
    /// A budget of its own, for a walk of a mapping with no merge key (which spends
    /// nothing: only merged entries are counted).
    pub fn unshared(spent: &'a mut usize) -> Self {
        MergeBudget(spent)
    }

    /// Spend one merged entry; false once the document's budget is spent.
    pub fn spend(&mut self) -> bool {
        *self.0 += 1;
        *self.0 <= MAX_DOCUMENT_MERGE_WORK
    }
}

impl MergeWork {
    /// The entries of `map` by `rule`: walked by `walk` the first time (spending from
    /// the document's budget), the kept result after. The lock is held while walking,
    /// so two readers never both spend on one mapping.
    pub fn walk_once(
        &self,
        map: NodeId,
        rule: MergeRule,
        walk: impl FnOnce(&mut MergeBudget) -> Vec<ResolvedEntry>,
    ) -> Vec<ResolvedEntry> {
        let mut walks = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(entries) = walks.walked.get(&(map, rule)) {
            return entries.clone();
        }
        let entries = walk(&mut MergeBudget(&mut walks.spent));
        walks.walked.insert((map, rule), entries.clone());
        entries
    }

    /// True when merged entries were left out because the budget was spent.
    pub fn exhausted(&self) -> bool {
        let walks = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        walks.spent > MAX_DOCUMENT_MERGE_WORK
    }
}

/// A copy starts with nothing walked or spent: walks are kept by node, and a copy may
/// be changed (no reader copies a document it walks).
impl Clone for MergeWork {
    fn clone(&self) -> Self {
        MergeWork::default()
    }
}

/// The work spent is not part of what a document says.
impl PartialEq for MergeWork {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// The value of a mapping entry after following aliases and merge keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResolvedEntry {
    pub key: NodeId,
    pub value: NodeId,
    /// True when the entry came in through a `<<` merge key.
    pub merged: bool,
}

/// Most alias hops followed before giving up (guards against alias cycles).
const MAX_ALIAS_HOPS: usize = 64;
/// Most entries [`Document::entries`] visits through merge keys for one mapping (its own
/// entries are not counted: they are bounded by the file).
const MAX_MERGE_WORK: usize = 10_000;
/// Most entries [`Document::entries`] visits through merge keys in one document, over
/// all its calls (see [`MergeWork`]).
pub const MAX_DOCUMENT_MERGE_WORK: usize = 50_000;

/// A name given to some nodes of a [`Document`] (few of them), looked up by node.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NodeNames(Vec<(NodeId, Box<str>)>);

impl NodeNames {
    /// Name `node`, replacing a name it had. Nodes are named as they are read, so the
    /// list stays in their order by appending.
    pub fn set(&mut self, node: NodeId, name: Box<str>) {
        match self.0.binary_search_by_key(&node, |(id, _)| *id) {
            Ok(at) => {
                if let Some(slot) = self.0.get_mut(at) {
                    slot.1 = name;
                }
            }
            Err(at) => self.0.insert(at, (node, name)),
        }
    }

    pub fn get(&self, node: NodeId) -> Option<&str> {
        let at = self.0.binary_search_by_key(&node, |(id, _)| *id).ok()?;
        self.0.get(at).map(|(_, name)| &**name)
    }
}

impl Document {
    pub fn push(&mut self, kind: NodeKind, span: Span) -> NodeId {
        self.nodes.push(Node { kind, span });
        NodeId(self.nodes.len() - 1)
    }

    /// A scalar (tags are YAML's, and set apart: [`Document::tags`]).
    pub fn push_scalar(&mut self, text: String, style: ScalarStyle, span: Span) -> NodeId {
        self.push(NodeKind::Scalar(Scalar { text, style }), span)
    }

    /// `&name` on the node at `id`, if any.
    pub fn anchor(&self, id: NodeId) -> Option<&str> {
        self.anchors.get(id)
    }

    /// The explicit tag (`!!str`, `!reset`) of the node at `id` (after following aliases).
    pub fn tag(&self, id: NodeId) -> Option<&str> {
        self.tags.get(self.resolve(id))
    }

    /// Whether the scalar at `id` (after following aliases) is plain and untagged: what
    /// a YAML loader types by its text.
    pub fn is_plain_untagged(&self, id: NodeId) -> bool {
        self.scalar(id)
            .is_some_and(|s| s.style == ScalarStyle::Plain && self.tag(id).is_none())
    }

    pub fn node(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(id.0)
    }

    pub fn span(&self, id: NodeId) -> Span {
        self.node(id).map(|n| n.span).unwrap_or_default()
    }

    /// Follow aliases to the node they stand for.
    pub fn resolve(&self, mut id: NodeId) -> NodeId {
        for _ in 0..MAX_ALIAS_HOPS {
            match self.node(id).map(|n| &n.kind) {
                Some(NodeKind::Alias {
                    target: Some(target),
                    ..
                }) => id = *target,
                _ => return id,
            }
        }
        id
    }

    /// The scalar at `id` (after following aliases).
    pub fn scalar(&self, id: NodeId) -> Option<&Scalar> {
        match self.node(self.resolve(id)).map(|n| &n.kind) {
            Some(NodeKind::Scalar(s)) => Some(s),
            _ => None,
        }
    }

    /// Text of the scalar at `id`, if it is one.
    pub fn text(&self, id: NodeId) -> Option<&str> {
        self.scalar(id).map(|s| s.text.as_str())
    }

    pub fn seq(&self, id: NodeId) -> Option<&[NodeId]> {
        match self.node(self.resolve(id)).map(|n| &n.kind) {
            Some(NodeKind::Seq(items)) => Some(items),
            _ => None,
        }
    }

    pub fn is_map(&self, id: NodeId) -> bool {
        matches!(
            self.node(self.resolve(id)).map(|n| &n.kind),
            Some(NodeKind::Map(_))
        )
    }

    /// The entries of the mapping at `id` with YAML merge keys (`<<: *a`, `<<: [*a, *b]`)
    /// applied: own entries first, in order, then merged entries whose key the mapping
    /// does not set itself. Duplicated own keys are all returned (for the duplicate
    /// lint); ecosystems take the last. Work is bounded, so alias bombs stay cheap.
    pub fn entries(&self, id: NodeId) -> Vec<ResolvedEntry> {
        let map = self.resolve(id);
        let walk = |budget: &mut MergeBudget| {
            let mut out = Vec::new();
            self.collect_entries(map, &mut out, budget);
            out
        };
        if self.has_merge_key(map) {
            self.merge_work.walk_once(map, MergeRule::Yaml, walk)
        } else {
            // Nothing is merged, so nothing is spent or worth keeping.
            walk(&mut MergeBudget::unshared(&mut 0))
        }
    }

    /// True when the mapping at `map` has a merge key `<<` of its own.
    pub fn has_merge_key(&self, map: NodeId) -> bool {
        match self.node(map).map(|n| &n.kind) {
            Some(NodeKind::Map(own)) => own.iter().any(|e| self.is_merge_key(e.key)),
            _ => false,
        }
    }

    /// True when `key` is the merge key `<<` (written plain: `"<<"` is a key like any).
    pub fn is_merge_key(&self, key: NodeId) -> bool {
        self.scalar(key)
            .is_some_and(|s| s.text == "<<" && s.style == ScalarStyle::Plain)
    }

    fn collect_entries(&self, map: NodeId, out: &mut Vec<ResolvedEntry>, budget: &mut MergeBudget) {
        let mut work = 0usize;
        // Iterative over the merge chain: a stack of mappings still to merge in.
        let mut pending = vec![(map, false)];
        // Keys of the entries collected before the mapping being merged in, which shadow
        // its own (filled only once a merge is reached: most mappings have none).
        let mut earlier_keys: std::collections::HashSet<&str> = Default::default();
        let mut earlier_upto = 0;
        while let Some((current, is_merged)) = pending.pop() {
            let Some(NodeKind::Map(entries)) = self.node(current).map(|n| &n.kind) else {
                continue;
            };
            if is_merged {
                for entry in out.get(earlier_upto..).unwrap_or_default() {
                    earlier_keys.extend(self.text(entry.key));
                }
                earlier_upto = out.len();
            }
            let mut merges = Vec::new();
            for entry in entries {
                if is_merged {
                    work += 1;
                    if work > MAX_MERGE_WORK || !budget.spend() {
                        return;
                    }
                }
                if self.is_merge_key(entry.key) {
                    merges.push(entry.value);
                    continue;
                }
                let key_text = self.text(entry.key);
                let shadowed = is_merged && key_text.is_some_and(|k| earlier_keys.contains(k));
                if !shadowed {
                    out.push(ResolvedEntry {
                        key: entry.key,
                        value: entry.value,
                        merged: is_merged,
                    });
                }
            }
            // Merge sources listed first take precedence, so push them last.
            for source in merges.into_iter().rev() {
                let source = self.resolve(source);
                match self.node(source).map(|n| &n.kind) {
                    Some(NodeKind::Seq(items)) => {
                        for item in items.iter().rev() {
                            pending.push((self.resolve(*item), true));
                        }
                    }
                    _ => pending.push((source, true)),
                }
            }
        }
    }

    /// The value for `key` in the mapping at `id` (last occurrence wins, merges applied).
    pub fn get(&self, id: NodeId, key: &str) -> Option<NodeId> {
        // Most mappings have no merge key: then the entries are the mapping's own, and
        // the last one with the key is found without collecting them. Readers call this
        // for every key they look up.
        let map = self.resolve(id);
        if let Some(NodeKind::Map(own)) = self.node(map).map(|n| &n.kind) {
            if !self.has_merge_key(map) {
                return own
                    .iter()
                    .rev()
                    .find(|e| self.text(e.key) == Some(key))
                    .map(|e| e.value);
            }
        }
        self.entries(id)
            .into_iter()
            .filter(|e| self.text(e.key) == Some(key))
            .map(|e| e.value)
            .next_back()
    }

    /// Move every span by `by` bytes (a BOM skipped before parsing, or an embedded
    /// document placed at an offset in its outer file).
    pub fn shift(&mut self, by: usize) {
        self.remap(|offset| offset + by);
    }

    /// Map every span through `f` (byte offset in the parsed text → offset in the file).
    pub fn remap(&mut self, f: impl Fn(usize) -> usize) {
        self.remap_spans(|s| Span::new(f(s.start), f(s.end)));
    }

    /// Map every span through `map` (span in the parsed text → span in the file).
    pub fn remap_spans(&mut self, map: impl Fn(Span) -> Span) {
        for node in &mut self.nodes {
            node.span = map(node.span);
        }
        for c in &mut self.comments {
            c.span = map(c.span);
        }
        for d in &mut self.directives {
            d.name_span = map(d.name_span);
            d.argument_span = map(d.argument_span);
        }
        for e in &mut self.errors {
            e.span = map(e.span);
        }
    }

    /// The first recorded span that does not lie inside `text` on char boundaries
    /// (None: all do). Tests and fuzz targets assert this for every parser.
    pub fn misplaced_span(&self, text: &str) -> Option<Span> {
        self.all_spans().into_iter().find(|s| {
            !(s.start <= s.end
                && s.end <= text.len()
                && text.is_char_boundary(s.start)
                && text.is_char_boundary(s.end))
        })
    }

    /// Every span in the document, for invariant checks in tests.
    pub fn all_spans(&self) -> Vec<Span> {
        let mut spans: Vec<Span> = self.nodes.iter().map(|n| n.span).collect();
        spans.extend(self.comments.iter().map(|c| c.span));
        spans.extend(
            self.directives
                .iter()
                .flat_map(|d| [d.name_span, d.argument_span]),
        );
        spans.extend(self.errors.iter().map(|e| e.span));
        spans
    }
}

/// The file formats the syntax layer reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Yaml,
    /// JSON goes through the YAML loader (JSON is YAML 1.2 flow syntax), its `//` and
    /// `/* */` comments blanked first, as JSON5 (node-config) skips them.
    Json,
    /// JSON as `JSON.parse` reads it: no comments, no trailing commas
    /// ([`strict_json`]; knexfile.json, ormconfig.json, Sequelize's config.json).
    StrictJson,
    /// .NET configuration JSON (`appsettings*.json`): JSON with `//` and `/* */`
    /// comments, which are blanked byte for byte before loading, and keys that must be
    /// unique ignoring case once nested keys are `:`-joined ([`dotnet_json`]).
    DotNetJson,
    Toml,
    Properties,
    Ini(ini::Dialect),
    /// YAML with ERB tags (Rails): tags are masked, byte for byte, before loading.
    ErbYaml,
    /// Text read by its ecosystem directly (Ruby `puma.rb`): no tree, no errors.
    Raw,
}

/// Parse `text` as `format`. A leading BOM is skipped and spans still index `text`.
///
/// A YAML or JSON file's comments are recorded only when it holds a suppression
/// marker: suppressions are all that reads them there.
pub fn parse(format: Format, text: &str) -> Document {
    let bom = crate::source::bom_len(text);
    let body = text.get(bom..).unwrap_or("");
    let comments = if crate::suppress::holds_marker(text) {
        yaml::Comments::Kept
    } else {
        yaml::Comments::Skipped
    };
    let mut doc = match format {
        Format::Yaml => yaml::parse_with(body, "YAML", comments),
        // JSON5's comments (node-config reads `config/*.json` with JSON5): without a
        // `/`, there is none to blank.
        Format::Json if body.contains('/') => {
            let strings = dotnet_json::Strings::Json5;
            let (mut doc, _, found) = dotnet_json::parse_commented(body, strings, comments);
            if comments == yaml::Comments::Kept {
                doc.comments.extend(found);
            }
            doc
        }
        Format::Json => yaml::parse_with(body, "JSON", comments),
        Format::StrictJson => strict_json::parse(body),
        Format::DotNetJson => dotnet_json::parse(body),
        Format::Toml => toml::parse(body),
        Format::Properties => properties::parse(body),
        Format::Ini(dialect) => ini::parse(body, dialect),
        Format::ErbYaml => {
            // Masking keeps byte lengths but not char boundaries (a multi-byte character
            // inside a tag becomes single-byte filler): move spans back onto them.
            let mut doc = yaml::parse_with(&erb::mask(body), "YAML", comments);
            doc.remap(|offset| {
                let offset = offset.min(body.len());
                (0..=offset)
                    .rev()
                    .find(|&i| body.is_char_boundary(i))
                    .unwrap_or(0)
            });
            doc
        }
        Format::Raw => Document::default(),
    };
    if bom > 0 {
        doc.shift(bom);
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::{NodeId, NodeNames};

    #[test]
    fn node_names_are_found_whatever_order_they_are_given_in() {
        let mut names = NodeNames::default();
        names.set(NodeId(7), "late".into());
        names.set(NodeId(2), "early".into());
        names.set(NodeId(7), "renamed".into());
        assert_eq!(names.get(NodeId(2)), Some("early"));
        assert_eq!(names.get(NodeId(7)), Some("renamed"));
        assert_eq!(names.get(NodeId(3)), None);
    }
}
