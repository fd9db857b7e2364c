//! A compose file's top-level `include:` [COMPOSE-INCLUDE]: each item names a compose
//! file (or several, merged as several `-f`) loaded as a project of its own, whose
//! services are imported into the including file's.
//!
//! As compose-go's `loader/include.go` (`ApplyInclude`) does it:
//! - an item is a path, or a mapping with `path` (a path or a list), `project_directory`
//!   and `env_file` (a path or a list), interpolated with the including project's
//!   variables (`loadIncludeConfig`); `include` that is not a list is refused;
//! - a relative `path` or `project_directory` is relative to the including project's
//!   directory, and so is a relative `env_file`, which must exist; the project
//!   directory defaults to the directory of the item's first file, and the env files to
//!   that directory's `.env`, read when it is there;
//! - the included project's variables are the including project's, then its env
//!   files' for the names those do not set (`environment.Clone().Merge(envFromFile)`:
//!   `Mapping.Merge` adds only names not set), and the relative paths its files hold
//!   (`env_file`, `extends: {file:}`, a nested `include:`, `build`) are relative to its
//!   project directory;
//! - an item whose first file is one of the files including it is a cycle (`include
//!   cycle detected`), and a service an item imports that the including file, or an
//!   item before, defines already is refused unless both are the same
//!   (`importResource`: `services.x conflicts with imported resource`, compared with
//!   `reflect.DeepEqual`): the including file's service as `loadYamlFile` holds it then
//!   (interpolated, `extends` merged), the included project's as `loadYamlModel` gives
//!   it (interpolated with its variables, merged, canonical, paths resolved), its `$`
//!   doubled (`escape`). poollint compares the services' own mappings interpolated,
//!   typed and escaped so ([`same_service`]), not the later steps.
//!
//! [COMPOSE-INCLUDE] https://docs.docker.com/reference/compose-file/include/
//! (compose-spec `14-include.md`; compose-go `loader/include.go`, and `loadYamlFile` in
//! `loader/loader.go`, which applies a file's `extends` before its `include`).

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};

use super::{
    companion_at, file_service_readers, interpolate, merge_overlay, Project, Scope, ServiceReader,
    Source, Variable, DOTENV,
};
use crate::ecosystems::go_yaml::{go_yaml_number, GoYamlNumber};
use crate::ecosystems::Companion;
use crate::model::{Location, RefusalStage, RefusedValue};
use crate::source::FileId;
use crate::syntax::{Document, Format, NodeId, NodeKind};

/// Most files deep an `include:` chain is followed (Compose has no bound; a cycle is
/// refused). Heuristic: far beyond any real project, it bounds a pathological chain.
pub(crate) const MAX_INCLUDE_DEPTH: usize = 10;

/// A path an item names: resolved, as written, and where written.
#[derive(Clone, Debug)]
pub(super) struct Named {
    pub path: PathBuf,
    pub written: String,
    pub at: Location,
}

/// One `include:` item, interpolated and resolved.
#[derive(Clone, Debug)]
pub(super) struct Item {
    /// Its files: the first is the included project's file, the others are merged over
    /// it.
    pub files: Vec<Named>,
    /// The included project's directory.
    pub dir: PathBuf,
    /// Its `env_file` files; None: `dir`'s `.env`, when it is there.
    pub env_files: Option<Vec<Named>>,
    /// Where the item is written.
    pub at: Location,
}

impl Item {
    /// The files the item makes the reader read (`main` is the unit's file): its
    /// compose files and env files, each reported where it is named when missing, as
    /// Compose refuses to load the project without it; or its directory's `.env`,
    /// which may be absent.
    pub fn companions(&self, main: FileId) -> Vec<Companion> {
        let mut companions: Vec<Companion> = self
            .files
            .iter()
            .map(|file| {
                let missing = format!(
                    "the file `{}` that `include:` names is not in the repository: Compose refuses to load the project without it, and the services it defines are not checked",
                    file.written
                );
                companion_at(file.path.clone(), Format::Yaml, file.at, main, Some(missing))
            })
            .collect();
        match &self.env_files {
            Some(env_files) => companions.extend(env_files.iter().map(|file| {
                let missing = format!(
                    "the env_file `{}` of this `include:` is not in the repository: Compose refuses to load the project without it, and the variables it sets are not checked",
                    file.written
                );
                companion_at(file.path.clone(), DOTENV, file.at, main, Some(missing))
            })),
            None => companions.push(companion_at(
                crate::source::normalise(&self.dir.join(".env")),
                DOTENV,
                self.at,
                main,
                None,
            )),
        }
        companions
    }

    /// The paths of its env files, as the included project reads them.
    fn env_paths(&self) -> Vec<PathBuf> {
        match &self.env_files {
            Some(files) => files.iter().map(|f| f.path.clone()).collect(),
            None => vec![crate::source::normalise(&self.dir.join(".env"))],
        }
    }
}

/// The items of `source`'s `include:`, interpolated with `vars` and resolved against
/// `dir` (the including project's directory); refused when `include` is not a list.
/// An item whose path or project directory goes through a variable the files do not
/// give is left out (where it leads is not known).
pub(super) fn items(
    source: Source<'_>,
    dir: &Path,
    vars: &HashMap<String, Variable>,
) -> Result<Vec<Item>, RefusedValue> {
    let doc = source.doc();
    let Some(include) = doc.roots.first().and_then(|root| doc.get(*root, "include")) else {
        return Ok(Vec::new());
    };
    let include = doc.resolve(include);
    if is_null(doc, include) {
        return Ok(Vec::new());
    }
    let Some(entries) = doc.seq(include) else {
        return Err(RefusedValue {
            location: source.location(doc.span(include)),
            reason: "`include` is not a list: Compose refuses to load the file (`include` must be a list) and starts nothing".to_owned(),
            fix: "write `include:` as a list of paths (`- sub/compose.yaml`) or of mappings with `path:`",
            warning: false,
            stage: RefusalStage::StartUp,
        });
    };
    Ok(entries
        .iter()
        .filter_map(|entry| item(source, doc.resolve(*entry), dir, vars))
        .collect())
}

/// One item of `include:` (see [`items`]).
fn item(
    source: Source<'_>,
    entry: NodeId,
    dir: &Path,
    vars: &HashMap<String, Variable>,
) -> Option<Item> {
    let doc = source.doc();
    let scope: [&HashMap<String, Variable>; 1] = [vars];
    // A path written at `node`, interpolated and resolved against `dir`.
    let named = |node: NodeId| -> Option<Named> {
        let written = doc.text(node)?;
        let result = interpolate(written, &scope);
        if result.unknown || result.value.is_empty() || is_remote(&result.value) {
            return None;
        }
        Some(Named {
            path: resolve(dir, &result.value),
            written: written.to_owned(),
            at: source.location(doc.span(node)),
        })
    };
    // A path or a list of paths: None when one of them cannot be followed.
    let paths = |node: NodeId| -> Option<Vec<Named>> {
        match doc.seq(node) {
            Some(list) => list.iter().map(|n| named(*n)).collect(),
            None => Some(vec![named(node)?]),
        }
    };
    let at = source.location(doc.span(entry));
    let (files, options) = match doc.text(entry) {
        Some(_) => (paths(entry)?, None),
        None => (paths(doc.get(entry, "path")?)?, Some(entry)),
    };
    let first = files.first()?;
    let project_dir = options.and_then(|o| doc.get(o, "project_directory"));
    let dir = match project_dir {
        Some(node) => named(node)?.path,
        None => first.path.parent().unwrap_or(dir).to_path_buf(),
    };
    let env_files = match options.and_then(|o| doc.get(o, "env_file")) {
        Some(node) => Some(paths(node)?),
        None => None,
    };
    Some(Item {
        files,
        dir,
        env_files,
        at,
    })
}

/// A remote resource Compose fetches rather than reads from the project (its OCI and
/// git resource loaders: `oci://…`, a git URL): not in the repository, not read.
fn is_remote(path: &str) -> bool {
    path.contains("://") || path.starts_with("git@")
}

/// `path` made absolute against `dir` when it is relative, normalised.
fn resolve(dir: &Path, path: &str) -> PathBuf {
    let path = Path::new(path);
    match path.is_absolute() {
        true => crate::source::normalise(path),
        false => crate::source::normalise(&dir.join(path)),
    }
}

/// A YAML null (`include:` with nothing, `~`, `null`), which Compose reads as no
/// `include`.
fn is_null(doc: &Document, node: NodeId) -> bool {
    let Some(scalar) = doc.scalar(node) else {
        return false;
    };
    !scalar.style.is_quoted() && matches!(scalar.text.as_str(), "" | "~" | "null" | "Null" | "NULL")
}

/// A project an `include:` item loads, when its files are read.
pub(super) struct Included<'a> {
    /// Its files: its project's file, then those merged over it.
    pub files: Vec<Source<'a>>,
    pub project: Project<'a>,
    /// The included project whose file includes it (an index into [`Walk::projects`]);
    /// None for the unit's project.
    pub parent: Option<usize>,
    /// The file whose `include:` names it.
    pub includer: FileId,
}

/// Every `include:` of a project's files, followed through the included files read.
#[derive(Default)]
pub(super) struct Walk<'a> {
    /// Every item met, with the file it is written in.
    pub items: Vec<Item>,
    /// The included projects whose files are read, each after the one including it.
    pub projects: Vec<Included<'a>>,
    /// What Compose refuses: an `include` that is not a list, a cycle.
    pub refused: Vec<RefusedValue>,
}

/// A file whose `include:` is still to be followed.
struct Includer<'a> {
    source: Source<'a>,
    /// The included project it belongs to (None: the unit's project).
    project: Option<usize>,
    /// The files including it, itself last (compose-go's `included`).
    chain: Vec<PathBuf>,
}

impl<'a> Walk<'a> {
    /// Follow the `include:` of `top` (the project's file and the override file merged
    /// over it), whose project is `project`, through the files read among its
    /// companions.
    pub fn new(top: &[Source<'a>], project: &Project<'a>) -> Self {
        let mut walk = Walk::default();
        let mut queue: VecDeque<Includer<'a>> = top
            .iter()
            .map(|source| Includer {
                source: *source,
                project: None,
                chain: vec![crate::source::normalise(&source.file.path)],
            })
            .collect();
        while let Some(includer) = queue.pop_front() {
            let owner = includer.project.and_then(|i| walk.projects.get(i));
            let owner = owner.map_or(project, |p| &p.project);
            let dir = owner.dir_of(includer.source);
            let vars = owner.vars.clone();
            let importers = owner.importers.clone();
            let items = match items(includer.source, &dir, &vars) {
                Ok(items) => items,
                Err(refusal) => {
                    walk.refused.push(refusal);
                    continue;
                }
            };
            for item in items {
                let Some(first) = item.files.first() else {
                    continue;
                };
                if includer.chain.contains(&first.path) {
                    walk.refused.push(cycle(&includer.chain, first));
                    continue;
                }
                if includer.chain.len() > MAX_INCLUDE_DEPTH {
                    walk.refused.push(too_deep(first));
                    continue;
                }
                walk.items.push(item.clone());
                let Some(files) = item
                    .files
                    .iter()
                    .map(|f| project.compose_file(&f.path))
                    .collect::<Option<Vec<Source<'a>>>>()
                else {
                    continue;
                };
                let own: Vec<FileId> = files.iter().map(|f| f.id()).collect();
                let mut included =
                    project.included(&vars, &item.env_paths(), item.dir.clone(), own);
                // Its services run as the including project's: a `[[service]]` table's
                // `deployment` naming any file on the way finds them.
                included.importers = importers.clone();
                included.importers.push(includer.source.id());
                walk.projects.push(Included {
                    files: files.clone(),
                    project: included,
                    parent: includer.project,
                    includer: includer.source.id(),
                });
                let index = walk.projects.len() - 1;
                queue.extend(files.into_iter().map(|source| {
                    let mut chain = includer.chain.clone();
                    chain.push(crate::source::normalise(&source.file.path));
                    Includer {
                        source,
                        project: Some(index),
                        chain,
                    }
                }));
            }
        }
        walk
    }

    /// The files of every included project.
    pub fn files(&self) -> Vec<Source<'a>> {
        let mut seen = std::collections::HashSet::new();
        self.projects
            .iter()
            .flat_map(|p| p.files.iter().copied())
            .filter(|f| seen.insert(f.id()))
            .collect()
    }
}

/// An item not followed: it is [`MAX_INCLUDE_DEPTH`] files deep already. A warning:
/// Compose would read it, but what it defines is not checked.
fn too_deep(first: &Named) -> RefusedValue {
    RefusedValue {
        location: first.at,
        reason: format!(
            "`{}` is not read: it is included through {MAX_INCLUDE_DEPTH} files already, the most poollint follows, so the services it defines are not checked",
            first.written
        ),
        fix: "include the file from a file fewer `include:` levels down",
        warning: true,
        stage: RefusalStage::StartUp,
    }
}

/// Compose's refusal of an item that includes a file including it.
fn cycle(chain: &[PathBuf], first: &Named) -> RefusedValue {
    let mut path: Vec<String> = chain
        .iter()
        .map(|p| crate::source::display_path(p))
        .collect();
    path.push(crate::source::display_path(&first.path));
    RefusedValue {
        location: first.at,
        reason: format!(
            "`{}` includes a file that includes it ({}): Compose refuses to load the project (`include cycle detected`) and starts nothing",
            first.written,
            path.join(" → ")
        ),
        fix: "remove the `include:` item that leads back to a file including it",
        warning: false,
        stage: RefusalStage::StartUp,
    }
}

/// A reader for each service of a project made of `files` (the project's file, then
/// those merged over it), with the services each file's `include:` imports ([`Walk`]):
/// an included project's services join its including file's before that file is
/// merged with the others, as compose-go imports them into the file's model first.
/// `parent` is the included project `files` belong to (None: the unit's project).
pub(super) fn project_readers<'a>(
    files: &[Source<'a>],
    project: &'a Project<'a>,
    parent: Option<usize>,
    walk: &'a Walk<'a>,
    refused: &mut Vec<RefusedValue>,
) -> Vec<ServiceReader<'a>> {
    let mut readers: Vec<ServiceReader<'a>> = Vec::new();
    for (at, file) in files.iter().enumerate() {
        let mut own = file_service_readers(*file, project, at > 0);
        let imports = walk
            .projects
            .iter()
            .enumerate()
            .filter(|(_, p)| p.parent == parent && p.includer == file.id());
        for (index, included) in imports {
            let imported = project_readers(
                &included.files,
                &included.project,
                Some(index),
                walk,
                refused,
            );
            import(&mut own, imported, project.importers.len(), refused);
        }
        match at {
            0 => readers = own,
            _ => merge_overlay(&mut readers, own),
        }
    }
    readers
}

/// Add the services an item imports to a file's (`own`), the file being of a project
/// `depth` includes below the unit's: a service of a name `own` has is refused unless
/// both are the same as compose-go's `importResource` compares them ([`same_service`]),
/// and kept once.
fn import<'a>(
    own: &mut Vec<ServiceReader<'a>>,
    imported: Vec<ServiceReader<'a>>,
    depth: usize,
    refused: &mut Vec<RefusedValue>,
) {
    for reader in imported {
        let Some(name) = reader.name() else {
            continue;
        };
        match own.iter().find(|r| r.name() == Some(name)) {
            None => own.push(reader),
            Some(existing) => {
                if !same_service(existing, &reader, depth) {
                    refused.push(conflict(existing, &reader, name));
                }
            }
        }
    }
}

/// Compose's refusal of a service an `include:` imports over one of the same name.
fn conflict(
    existing: &ServiceReader<'_>,
    imported: &ServiceReader<'_>,
    name: &str,
) -> RefusedValue {
    let key = existing.main.doc().span(existing.key);
    RefusedValue {
        location: existing.main.location(key),
        reason: format!(
            "service `{name}` is defined here and in `{}`, which `include:` imports: Compose refuses to load the project (`services.{name} conflicts with imported resource`) and starts nothing; the service is read as written here",
            crate::source::display_path(&imported.main.file.path)
        ),
        fix: "rename one of the two services, or define it in one file only (an override file, `docker compose -f a.yml -f b.yml`, merges a service over another)",
        warning: false,
        stage: RefusalStage::StartUp,
    }
}

/// Most levels [`same_value`] compares (a bound for an alias bomb).
const MAX_COMPARE_DEPTH: usize = 64;

/// One of the two services compared: its own mapping as written, the variables its
/// values are interpolated with, and how many times compose-go's `escape` doubled the
/// `$` of its text before the comparison.
struct Side<'d, 's> {
    doc: &'d Document,
    scope: &'d Scope<'s>,
    escapes: usize,
}

/// Whether compose-go's `importResource` takes two services of one name as one
/// (`reflect.DeepEqual` of their models). It compares the including file's model, read
/// and interpolated with its project's variables, to the included project's, read and
/// interpolated with its own, whose text `importResources` first `escape`s (each `$`
/// doubled, once for each `include:` between that project and the including file):
/// a value written `$$` in both files, a `$` once interpolated, is not the same.
fn same_service(existing: &ServiceReader<'_>, imported: &ServiceReader<'_>, depth: usize) -> bool {
    let scopes = (
        [&existing.project.vars as &HashMap<String, Variable>],
        [&imported.project.vars as &HashMap<String, Variable>],
    );
    let escapes = |reader: &ServiceReader<'_>| reader.project.importers.len().saturating_sub(depth);
    let a = Side {
        doc: existing.main.doc(),
        scope: &scopes.0,
        escapes: escapes(existing),
    };
    let b = Side {
        doc: imported.main.doc(),
        scope: &scopes.1,
        escapes: escapes(imported),
    };
    same_value(
        (&a, existing.chain_start()),
        (&b, imported.chain_start()),
        0,
    )
}

/// A scalar as compose-go holds it once interpolated: a plain untagged scalar is
/// typed as go-yaml types it (null, a boolean, a number), any other is a string,
/// interpolated (compose-go's `Interpolate` substitutes strings only) and escaped. None:
/// a string through a variable the files do not give.
#[derive(PartialEq)]
enum Loaded {
    Null,
    Bool(bool),
    Number(GoYamlNumber),
    Text(String),
}

fn loaded(side: &Side<'_, '_>, node: NodeId, text: &str) -> Option<Loaded> {
    if side.doc.is_plain_untagged(node) {
        match text {
            "" | "~" | "null" | "Null" | "NULL" => return Some(Loaded::Null),
            "true" | "True" | "TRUE" => return Some(Loaded::Bool(true)),
            "false" | "False" | "FALSE" => return Some(Loaded::Bool(false)),
            _ => {}
        }
        if let Some(number) = go_yaml_number(text) {
            return Some(Loaded::Number(number));
        }
    }
    let value = interpolate(text, side.scope);
    if value.unknown {
        return None;
    }
    let mut value = value.value;
    for _ in 0..side.escapes.min(MAX_COMPARE_DEPTH) {
        value = value.replace('$', "$$");
    }
    Some(Loaded::Text(value))
}

/// Whether two scalars are the same once loaded; a value through a variable the files
/// do not give is taken as the same (poollint cannot tell, and does not claim a
/// refusal it cannot see).
fn same_scalar(a: (&Side<'_, '_>, NodeId, &str), b: (&Side<'_, '_>, NodeId, &str)) -> bool {
    match (loaded(a.0, a.1, a.2), loaded(b.0, b.1, b.2)) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    }
}

/// Whether two YAML values are the same once loaded: scalars as [`same_scalar`],
/// mappings of the same keys (as written: keys are not interpolated) with the same
/// values in any order, sequences item by item.
fn same_value(a: (&Side<'_, '_>, NodeId), b: (&Side<'_, '_>, NodeId), depth: usize) -> bool {
    let (side_a, side_b) = (a.0, b.0);
    let (doc_a, doc_b) = (side_a.doc, side_b.doc);
    let (node_a, node_b) = (doc_a.resolve(a.1), doc_b.resolve(b.1));
    if depth > MAX_COMPARE_DEPTH {
        return false;
    }
    let (Some(kind_a), Some(kind_b)) = (
        doc_a.node(node_a).map(|n| &n.kind),
        doc_b.node(node_b).map(|n| &n.kind),
    ) else {
        return false;
    };
    match (kind_a, kind_b) {
        (NodeKind::Scalar(x), NodeKind::Scalar(y)) => {
            same_scalar((side_a, node_a, &x.text), (side_b, node_b, &y.text))
        }
        (NodeKind::Seq(x), NodeKind::Seq(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|(i, j)| same_value((side_a, *i), (side_b, *j), depth + 1))
        }
        (NodeKind::Map(_), NodeKind::Map(_)) => {
            let (x, y) = (doc_a.entries(node_a), doc_b.entries(node_b));
            x.len() == y.len()
                && x.iter().all(|e| {
                    let key = doc_a.text(e.key);
                    y.iter().any(|f| {
                        key.is_some()
                            && doc_b.text(f.key) == key
                            && same_value((side_a, e.value), (side_b, f.value), depth + 1)
                    })
                })
        }
        _ => false,
    }
}
