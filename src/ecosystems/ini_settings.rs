//! Shared by the INI-family readers (PostgreSQL, PgBouncer, MySQL): the key/value pairs
//! of a parsed file with their section, and typed settings with origins.

use std::collections::HashMap;

use rayon::prelude::*;

use super::ParsedFile;
use crate::model::{Location, Model, Origin, Setting, Val};
use crate::source::{FileId, Span};
use crate::syntax::{Document, NodeId};

/// One `key = value` line, in its own file (an included file's pairs keep theirs).
#[derive(Debug, Clone)]
pub struct Pair {
    pub file: FileId,
    /// Section name, lower-cased (None before the first section); as written for
    /// PgBouncer, which matches section names case-sensitively
    /// ([`pairs_with_includes_one_section`]).
    pub section: Option<String>,
    /// Key as written.
    pub key: String,
    pub key_span: Span,
    pub value: String,
    pub value_span: Span,
}

impl Pair {
    fn owned(file: FileId, text: PairText<'_>, section: Option<String>) -> Pair {
        Pair {
            file,
            section,
            key: text.key.to_owned(),
            key_span: text.key_span,
            value: text.value.to_owned(),
            value_span: text.value_span,
        }
    }

    pub fn key_location(&self) -> Location {
        Location {
            file: self.file,
            span: self.key_span,
        }
    }

    pub fn value_location(&self) -> Location {
        Location {
            file: self.file,
            span: self.value_span,
        }
    }
}

/// One `key = value` line as the file's syntax tree holds it: its texts are the tree's.
#[derive(Debug, Clone, Copy)]
pub struct PairText<'a> {
    /// Section name as written (None before the first section).
    pub section: Option<&'a str>,
    pub key: &'a str,
    pub key_span: Span,
    pub value: &'a str,
    pub value_span: Span,
}

/// Every pair of a file, in order, borrowed from its syntax tree: a reader that keeps
/// only some of each pair's text (`.env`, whose files are a key a line) copies no more.
pub fn pair_texts(doc: &Document) -> impl Iterator<Item = PairText<'_>> {
    doc.roots
        .iter()
        .flat_map(|root| doc.entries(*root))
        .flat_map(move |entry| {
            let section = doc
                .is_map(entry.value)
                .then(|| doc.text(entry.key).unwrap_or(""));
            let lines = match section {
                Some(_) => doc.entries(entry.value),
                None => vec![entry],
            };
            lines
                .into_iter()
                .filter_map(move |line| pair_text(doc, section, line.key, line.value))
        })
}

fn pair_text<'a>(
    doc: &'a Document,
    section: Option<&'a str>,
    key: NodeId,
    value: NodeId,
) -> Option<PairText<'a>> {
    Some(PairText {
        section,
        key: doc.text(key)?,
        key_span: doc.span(key),
        value: doc.text(value).unwrap_or(""),
        value_span: doc.span(value),
    })
}

/// Every pair of a file, in order.
pub fn pairs(file: &ParsedFile) -> Vec<Pair> {
    pair_texts(&file.doc)
        .map(|text| Pair::owned(file.id, text, text.section.map(str::to_ascii_lowercase)))
        .collect()
}

/// Most levels of nested includes spliced (the engine refuses cycles; this is a bound).
const MAX_INCLUDE_DEPTH: usize = 16;

/// Read each file that no other file includes (with its includes, see
/// [`pairs_with_includes`]) on its own thread, and merge the parts in file order.
pub fn read_each_top_file(
    files: &[&ParsedFile],
    read_file: impl Fn(&ParsedFile, &mut Model) + Sync,
) -> Model {
    let parts: Vec<Model> = files
        .par_iter()
        .filter(|f| f.included_from.is_none())
        .map(|file| {
            let mut part = Model::default();
            read_file(file, &mut part);
            part
        })
        .collect();
    let mut model = Model::default();
    model.extend_all(parts);
    model
}

/// The pairs of `file` with every file it includes spliced in at the include line, as
/// the server reads them (later values win).
pub fn pairs_with_includes(file: &ParsedFile, all: &[&ParsedFile]) -> Vec<Pair> {
    splice(file, all, 0, &mut None)
}

/// [`pairs_with_includes`] as mysqld reads an option file and its `!include`s: each
/// file keeps its own group, and a file is read no further than an option before its
/// first `[group]` (mysys `search_default_file_with_ext`: "Found option without
/// preceding group in config file", fatal in the top file, and the error of an
/// included file is ignored). With those options, and whether each is the top file's.
pub fn pairs_with_includes_grouped(
    file: &ParsedFile,
    all: &[&ParsedFile],
) -> (Vec<Pair>, Vec<(Pair, bool)>) {
    let mut stopped = Some(Vec::new());
    let pairs = splice(file, all, 0, &mut stopped);
    (pairs, stopped.unwrap_or_default())
}

/// `stopped`: Some when a file stops at an option before its first header (mysqld),
/// collecting those options; None when such options take the includer's section.
fn splice(
    file: &ParsedFile,
    all: &[&ParsedFile],
    depth: usize,
    stopped: &mut Option<Vec<(Pair, bool)>>,
) -> Vec<Pair> {
    let mut own = pairs(file);
    let mut end = usize::MAX;
    if let Some(stopped) = stopped {
        if let Some(at) = own.iter().position(|p| p.section.is_none()) {
            let pair = own.split_off(at).swap_remove(0);
            end = pair.key_span.start;
            stopped.push((pair, depth == 0));
        }
    }
    if depth >= MAX_INCLUDE_DEPTH {
        return own;
    }
    let children = included_by(file, all);
    let mut out = Vec::new();
    let mut own = own.into_iter().peekable();
    let mut directives: Vec<usize> = file
        .doc
        .directives
        .iter()
        .map(|d| d.name_span.start)
        .filter(|&at| at < end)
        .collect();
    directives.sort_unstable();
    for at in directives {
        while let Some(pair) = own.next_if(|p| p.key_span.start < at) {
            out.push(pair);
        }
        // An included file's pairs before its own first header take the includer's
        // section (PgBouncer reads through [`pairs_with_includes_one_section`]).
        let section = out.last().and_then(|p: &Pair| p.section.clone());
        for child in children.get(&at).into_iter().flatten() {
            out.extend(
                splice(child, all, depth + 1, stopped)
                    .into_iter()
                    .map(|mut p| {
                        if p.section.is_none() {
                            p.section = section.clone();
                        }
                        p
                    }),
            );
        }
    }
    out.extend(own);
    out
}

/// A `[section]` header, as [`pairs_with_includes_one_section`] meets it.
#[derive(Debug, Clone)]
pub struct Header {
    /// The name as written.
    pub name: String,
    /// The name's span.
    pub location: Location,
    /// How many pairs were read before it: the pairs after it start at this index.
    pub pairs_before: usize,
}

/// The pairs of a file and its includes, and the section headers between them.
#[derive(Debug, Default)]
pub struct SectionedPairs {
    pub pairs: Vec<Pair>,
    pub headers: Vec<Header>,
}

/// The pairs of `file` with every file it includes spliced in at the include line, with
/// one current section across files, as PgBouncer's loader keeps it (libusual
/// `usual/cfparser.c`: `parse_ini_file_internal` reads an `%include` with the same
/// `LoaderCtx`, whose `cur_sect` only a `[section]` header changes). So an included
/// file starts in the section of the last header before the include line, and a header
/// inside it is the section of the includer's lines after the include. Section names
/// are kept as written: libusual's `find_sect` compares them with `strcmp`.
pub fn pairs_with_includes_one_section(file: &ParsedFile, all: &[&ParsedFile]) -> SectionedPairs {
    let mut current = None;
    let mut out = SectionedPairs::default();
    splice_one_section(file, all, 0, &mut current, &mut out);
    out
}

/// A line that matters to the current section, in file order.
enum Line {
    Header(String, Location),
    Pair(Pair),
    Include(usize),
}

fn splice_one_section(
    file: &ParsedFile,
    all: &[&ParsedFile],
    depth: usize,
    current: &mut Option<String>,
    out: &mut SectionedPairs,
) {
    let mut lines = section_lines(file);
    if depth < MAX_INCLUDE_DEPTH {
        lines.extend(
            file.doc
                .directives
                .iter()
                .map(|d| (d.name_span.start, Line::Include(d.name_span.start))),
        );
    }
    lines.sort_by_key(|(at, _)| *at);
    let children = included_by(file, all);
    for (_, line) in lines {
        match line {
            Line::Header(name, location) => {
                out.headers.push(Header {
                    name: name.clone(),
                    location,
                    pairs_before: out.pairs.len(),
                });
                *current = Some(name);
            }
            Line::Pair(mut pair) => {
                pair.section.clone_from(current);
                out.pairs.push(pair);
            }
            Line::Include(at) => {
                for child in children.get(&at).into_iter().flatten() {
                    splice_one_section(child, all, depth + 1, current, out);
                }
            }
        }
    }
}

/// The files `file` includes, by where the directive that includes them starts, in
/// `all`'s order. One pass over `all` for the file: a pass for each directive was
/// quadratic in a file that repeats an include a thousand times.
fn included_by<'a>(
    file: &ParsedFile,
    all: &[&'a ParsedFile],
) -> HashMap<usize, Vec<&'a ParsedFile>> {
    let mut children: HashMap<usize, Vec<&'a ParsedFile>> = HashMap::new();
    if file.doc.directives.is_empty() {
        return children;
    }
    for child in all {
        if let Some((includer, at)) = child.included_from {
            if includer == file.id {
                children.entry(at).or_default().push(child);
            }
        }
    }
    children
}

/// The section headers and pairs of one file with where each starts.
fn section_lines(file: &ParsedFile) -> Vec<(usize, Line)> {
    let doc = &file.doc;
    let mut lines = Vec::new();
    let push_pair = |lines: &mut Vec<(usize, Line)>, key, value| {
        if let Some(text) = pair_text(doc, None, key, value) {
            let pair = Pair::owned(file.id, text, None);
            lines.push((pair.key_span.start, Line::Pair(pair)));
        }
    };
    for root in &doc.roots {
        for entry in doc.entries(*root) {
            if doc.is_map(entry.value) {
                let name = doc.text(entry.key).unwrap_or("").to_owned();
                let location = Location {
                    file: file.id,
                    span: doc.span(entry.key),
                };
                lines.push((location.span.start, Line::Header(name, location)));
                for inner in doc.entries(entry.value) {
                    push_pair(&mut lines, inner.key, inner.value);
                }
            } else {
                push_pair(&mut lines, entry.key, entry.value);
            }
        }
    }
    lines
}

/// Builds settings for pairs of one file.
pub struct SettingBuilder {
    pub library: crate::model::StaticText,
    pub doc_url: crate::model::StaticText,
    /// Where a diagnostic about an absent key points (the file's first key, or a section).
    pub anchor: Option<Location>,
}

impl SettingBuilder {
    pub fn origin(&self, pair: &Pair) -> Origin {
        Origin::File {
            file: pair.file,
            span: pair.value_span,
            key: pair.key.as_str().into(),
            via: None,
        }
    }

    pub fn default<T>(&self, value: T) -> Setting<T> {
        Setting {
            value: Val::Known(value),
            origin: Origin::Default {
                library: self.library,
                doc: self.doc_url,
                anchor: self.anchor,
            },
        }
    }

    pub fn parsed<T>(&self, pair: &Pair, parse: impl Fn(&str) -> Result<T, String>) -> Setting<T> {
        self.read(pair, parse(pair.value.trim()))
    }

    /// The setting of `pair` once its (trimmed) value is parsed: `read` is the value or
    /// why it is invalid.
    pub fn read<T>(&self, pair: &Pair, read: Result<T, String>) -> Setting<T> {
        let value = Val::from_result(pair.value.as_str(), read);
        Setting {
            value,
            origin: self.origin(pair),
        }
    }

    pub fn text(&self, pair: &Pair) -> Setting<String> {
        self.parsed(pair, |t| Ok(t.to_owned()))
    }
}

/// Whole numbers a C `int` holds: PgBouncer keeps its counts in one.
pub fn fits_c_int(value: i64) -> bool {
    i32::try_from(value).is_ok()
}
