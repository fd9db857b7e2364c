//! node-config's merge of its files: each file's object is deep-merged over the ones
//! loaded before it (`util.extendDeep`, node-config `lib/config.js`): an object merges
//! key by key into an object of the same key, anything else (a scalar, an array, `null`,
//! an object over a scalar) replaces what was there whole.
//!
//! The merged tree is a new [`Document`] whose nodes are copies of the files' nodes, each
//! remembering the layer (file) it was copied from, so every value keeps its own file and
//! span. Copies are made without recursion and bounded ([`MAX_NODES`]): a `.json` read
//! by the YAML loader may hold aliases.

use crate::syntax::{Document, Entry, Node, NodeId, NodeKind};

/// Documents merged, with the layer (index into the merged documents) of each node.
pub(super) struct Merged {
    pub doc: Document,
    pub layer: Vec<usize>,
}

/// Most nodes one merge copies; past it, values are left unknown (an alias bomb stays
/// cheap).
const MAX_NODES: usize = 200_000;

/// `layers` merged in order, later ones winning. A layer whose root is not an object is
/// skipped (node-config merges file objects).
pub(super) fn merge(layers: &[&Document]) -> Merged {
    let mut merged = Merged {
        doc: Document::default(),
        layer: Vec::new(),
    };
    let mut root: Option<NodeId> = None;
    for (layer, doc) in layers.iter().enumerate() {
        let Some(top) = doc.roots.first().map(|r| doc.resolve(*r)) else {
            continue;
        };
        if !doc.is_map(top) {
            continue;
        }
        match root {
            Some(target) => merged.overlay(target, doc, top, layer),
            None => root = Some(merged.copy(doc, top, layer)),
        }
    }
    merged.doc.roots.extend(root);
    merged
}

impl Merged {
    /// A node to be filled in, unknown until it is (or when the budget is spent).
    fn placeholder(&mut self, doc: &Document, node: NodeId, layer: usize) -> NodeId {
        let id = self
            .doc
            .push(NodeKind::Alias { target: None }, doc.span(node));
        self.layer.push(layer);
        id
    }

    fn set(&mut self, id: NodeId, kind: NodeKind) {
        if let Some(Node { kind: slot, .. }) = self.doc.nodes.get_mut(id.0) {
            *slot = kind;
        }
    }

    /// A copy of `node` of `doc` (aliases followed) and everything below it.
    fn copy(&mut self, doc: &Document, node: NodeId, layer: usize) -> NodeId {
        let top = self.placeholder(doc, node, layer);
        let mut work = vec![(node, top)];
        while let Some((source, target)) = work.pop() {
            if self.doc.nodes.len() > MAX_NODES {
                break;
            }
            let source = doc.resolve(source);
            let kind = match doc.node(source).map(|n| &n.kind) {
                // Tags stay behind: the Node reader types a value by its text and style.
                Some(NodeKind::Scalar(scalar)) => NodeKind::Scalar(scalar.clone()),
                Some(NodeKind::Seq(items)) => {
                    let mut copied = Vec::with_capacity(items.len());
                    for item in items {
                        let id = self.placeholder(doc, *item, layer);
                        work.push((*item, id));
                        copied.push(id);
                    }
                    NodeKind::Seq(copied)
                }
                Some(NodeKind::Map(_)) => {
                    let mut entries = Vec::new();
                    for entry in doc.entries(source) {
                        let key = self.placeholder(doc, entry.key, layer);
                        work.push((entry.key, key));
                        let value = self.placeholder(doc, entry.value, layer);
                        work.push((entry.value, value));
                        entries.push(Entry { key, value });
                    }
                    NodeKind::Map(entries)
                }
                _ => continue,
            };
            self.set(target, kind);
        }
        top
    }

    /// The entries of the merged mapping `map`.
    fn entries_of(&self, map: NodeId) -> Vec<Entry> {
        match self.doc.node(map).map(|n| &n.kind) {
            Some(NodeKind::Map(entries)) => entries.clone(),
            _ => Vec::new(),
        }
    }

    /// Merge the mapping `source` of `doc` into the merged mapping `target`.
    fn overlay(&mut self, target: NodeId, doc: &Document, source: NodeId, layer: usize) {
        let mut work = vec![(target, source)];
        while let Some((target, source)) = work.pop() {
            for entry in doc.entries(source) {
                let Some(key) = doc.text(entry.key) else {
                    continue;
                };
                let mut entries = self.entries_of(target);
                // The key's last entry is its value (a key written twice: the last).
                let existing = entries
                    .iter()
                    .rposition(|e| self.doc.text(e.key) == Some(key));
                let value = doc.resolve(entry.value);
                match existing.and_then(|at| entries.get(at).copied()) {
                    Some(found) if self.doc.is_map(found.value) && doc.is_map(value) => {
                        work.push((found.value, value));
                        continue;
                    }
                    _ => {}
                }
                let replaced = Entry {
                    key: self.copy(doc, entry.key, layer),
                    value: self.copy(doc, value, layer),
                };
                match existing.and_then(|at| entries.get_mut(at)) {
                    Some(slot) => *slot = replaced,
                    None => entries.push(replaced),
                }
                self.set(target, NodeKind::Map(entries));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{parse, Format};

    #[test]
    fn objects_merge_key_by_key_and_other_values_replace() {
        let base = parse(
            Format::Json,
            r#"{"db": {"host": "a", "max": 5, "ssl": {"ca": "x"}}, "list": [1, 2]}"#,
        );
        let over = parse(
            Format::Json,
            r#"{"db": {"max": 20, "ssl": false}, "list": [3]}"#,
        );
        let merged = merge(&[&base, &over]);
        let doc = &merged.doc;
        let root = doc.roots[0];
        let db = doc.get(root, "db").unwrap();
        let text = |node: NodeId| doc.text(node).unwrap().to_owned();
        assert_eq!(text(doc.get(db, "host").unwrap()), "a");
        let max = doc.get(db, "max").unwrap();
        assert_eq!((text(max), merged.layer[max.0]), ("20".to_owned(), 1));
        assert_eq!(merged.layer[doc.get(db, "host").unwrap().0], 0);
        assert_eq!(text(doc.get(db, "ssl").unwrap()), "false");
        assert_eq!(doc.seq(doc.get(root, "list").unwrap()).unwrap().len(), 1);
    }
}
