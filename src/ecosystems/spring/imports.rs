//! `spring.config.import` (Spring Boot 2.4+): the files it names are read with the
//! application, their documents placed as Spring places them.
//!
//! What Spring Boot does, and poollint with it (Spring Boot's
//! `org.springframework.boot.context.config`, and the reference's "Importing
//! Additional Data"):
//! - The property is a list (a string splits at commas); `optional:` lets a location be
//!   missing, else a missing file stops start-up (`ConfigDataImporter` with
//!   `ConfigDataNotFoundAction.FAIL`). Here: a `parse-error` warning where it is named
//!   (the engine's companions, [`crate::ecosystems::Companion::missing`]); nothing for
//!   an optional one.
//! - "Imports are treated as additional documents inserted immediately below the one
//!   that declares the import", their values taking precedence over that document's,
//!   later locations over earlier ones (`ConfigDataEnvironmentContributor` iterates a
//!   document's children before it; `ConfigDataImporter.load` puts later locations
//!   first). Here: an imported file's leaves take the rank of the top-level document
//!   and an order after the importing document's leaves, in declaration order, depth
//!   first ([`super::read_file`]), so they rank below the next document.
//! - An import is processed only while the document declaring it is active
//!   (`ConfigDataEnvironmentContributors.isActiveWithUnprocessedImports`): imported
//!   documents take the importing document's profile condition, and their own.
//! - A location with a URL prefix or starting with `/` is fixed, any other is relative
//!   to the importing file (`StandardConfigDataLocationResolver.getResourceLocation`).
//!   `file:` paths are relative to the working directory, taken to be the project
//!   directory (`orders` for `orders/src/main/resources/application.yml`), else the
//!   importing file's directory (its parent for a `config/` directory, Spring Boot's
//!   `optional:file:./config/`). `classpath:` is the `src/main/resources` directory the
//!   importing file is in, or the project's.
//! - Each file is loaded once ("An import will only be imported once no matter how many
//!   times it is declared", `ConfigDataImporter.loaded`): an import of a file read
//!   already adds nothing, and a cycle ends there (a note says so).
//!
//! A directory (a location ending in `/`) is read as its `application.properties`,
//! `.yml` and `.yaml` ([`targets`]). Not followed (a note says so): other kinds
//! (`configserver:`, `configtree:`, `vault:` …, shown by kind only as a URL may carry
//! a password), absolute paths, locations with placeholders, and extensions other than
//! `.properties`, `.yml` and `.yaml`.
//!
//! Profile-specific variants: Spring Boot also loads `db-prod.properties` for an
//! imported `db.properties` with `prod` active (`ConfigDataLocationResolvers.resolve`
//! calls `resolveProfileSpecific` once the profiles are known; `StandardConfigDataReference`
//! names each `<root>-<profile>.<extension>`; the reference: "Profile-specific variants
//! are also considered for import"). They are read under their profile. Those of a
//! file a plain top-level document imports rank above the profile-specific files
//! (`ConfigDataEnvironmentContributor.moveProfileSpecific`, gh-25766: Spring moves them
//! up to the location that loaded the importing file), by importing document, then by
//! profile; others rank right above their plain file (Spring moves those of a nested
//! import above every import of the document one level up: not modelled).

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{file_profile, flatten, is_null, shown_location, sub_span, App, Condition, Expr, Leaf};
use crate::ecosystems::{Companion, ParsedFile};
use crate::model::Location;
use crate::source::{normalise, SourceMap, Span};
use crate::syntax::Format;

/// The canonical key of the property, which Spring binds to a list.
const IMPORT_KEY: &str = "spring.config.import";

/// Whether a leaf sets `spring.config.import` (or an element of it) to something.
pub(super) fn is_import(leaf: &Leaf) -> bool {
    leaf.canonical
        .strip_prefix(IMPORT_KEY)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('['))
        && !is_null(leaf)
}

/// The locations a value lists (a string lists them with commas), each with its byte
/// range in the value.
pub(super) fn locations(value: &str) -> Vec<(Range<usize>, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    for part in value.split(',') {
        let end = start + part.len();
        let trimmed = part.trim();
        if !trimmed.is_empty() {
            let lead = part.len() - part.trim_start().len();
            out.push((start + lead..start + lead + trimmed.len(), trimmed));
        }
        start = end + 1;
    }
    out
}

/// Where a location leads.
#[derive(Debug, PartialEq)]
pub(super) enum Target {
    /// A file in the repository, read with the application.
    File {
        path: PathBuf,
        format: Format,
        optional: bool,
        /// Found on the classpath, which a dependency's jar may supply.
        classpath: bool,
        /// One of the files a directory location names ([`targets`]).
        directory: bool,
    },
    /// A directory (a location ending in `/`), whose application files Spring reads.
    Dir {
        path: PathBuf,
        optional: bool,
        classpath: bool,
    },
    /// Not followed, and why.
    Skip(&'static str),
}

/// Where `location`, written in the file at `importer`, leads (see the module
/// documentation).
pub(super) fn resolve(location: &str, importer: &Path) -> Target {
    let (optional, written) = match location.strip_prefix("optional:") {
        Some(rest) => (true, rest),
        None => (false, location),
    };
    if written.contains("${") {
        return Target::Skip("its location has a placeholder, which the environment fills");
    }
    let (written, hint) = without_attributes(written);
    let dir = importer.parent().unwrap_or(Path::new(""));
    let (base, rest, classpath) = if let Some(rest) = written.strip_prefix("file:") {
        (working_dir(dir), rest, false)
    } else if let Some(rest) = written.strip_prefix("classpath:") {
        let Some(root) = classpath_root(dir) else {
            return Target::Skip("the importing file is in no src/main/resources directory, so where the classpath is is not known");
        };
        (root, rest.trim_start_matches('/'), true)
    } else if has_url_prefix(written) {
        return Target::Skip("poollint follows files only (`file:`, `classpath:` and paths)");
    } else {
        (dir.to_path_buf(), written, resources_root(dir).is_some())
    };
    if rest.starts_with(['/', '\\']) || Path::new(rest).is_absolute() {
        return Target::Skip("an absolute path names the deployed machine, not the repository");
    }
    if rest.ends_with(['/', '\\']) {
        return Target::Dir {
            path: normalise(&base.join(rest)),
            optional,
            classpath,
        };
    }
    // Spring matches extensions ignoring case (`getLoadableFileExtension`).
    let extension = hint
        .or_else(|| rest.rsplit_once('.').map(|(_, ext)| ext))
        .unwrap_or("")
        .to_ascii_lowercase();
    let format = match extension.as_str() {
        "properties" => Format::Properties,
        "yml" | "yaml" => Format::Yaml,
        _ => return Target::Skip("poollint reads .properties, .yml and .yaml files only"),
    };
    Target::File {
        path: normalise(&base.join(rest)),
        format,
        optional,
        classpath,
        directory: false,
    }
}

/// The files `location` names: [`resolve`]'s, a directory's application files. Spring
/// looks for `application` (`spring.config.name`) with each loader's extensions there,
/// `.properties` ranking above `.yml` and `.yaml` (`getReferencesForConfigName` adds
/// each reference first, and `ConfigDataImporter.load` reverses them): listed here in
/// the order read, lowest first. Each is optional, but a directory that is not there
/// stops start-up unless the location is optional (nothing is loaded for it:
/// `ConfigDataEnvironment.checkMandatoryLocations`), reported at the first.
pub(super) fn targets(location: &str, importer: &Path) -> Vec<Target> {
    let Target::Dir {
        path,
        optional,
        classpath,
    } = resolve(location, importer)
    else {
        return vec![resolve(location, importer)];
    };
    let names = [
        ("application.yaml", Format::Yaml),
        ("application.yml", Format::Yaml),
        ("application.properties", Format::Properties),
    ];
    let present = optional || path.is_dir();
    names
        .into_iter()
        .enumerate()
        .filter(|(i, _)| present || *i == names.len() - 1)
        .map(|(_, (name, format))| Target::File {
            path: path.join(name),
            format,
            optional: present,
            classpath,
            directory: true,
        })
        .collect()
}

/// A location without its trailing attributes (`[encoding=utf-8]`, `[.yaml]`,
/// `[extension=.yaml]`), and the extension one names.
fn without_attributes(mut written: &str) -> (&str, Option<&str>) {
    let mut hint = None;
    while let Some((rest, attribute)) = written.strip_suffix(']').and_then(|w| w.rsplit_once('[')) {
        let extension = attribute
            .strip_prefix("extension=")
            .unwrap_or(attribute)
            .strip_prefix('.');
        hint = hint.or(extension);
        written = rest;
    }
    (written, hint)
}

/// Whether a location starts with a URL prefix (`StandardConfigDataLocationResolver`'s
/// `^([a-zA-Z][a-zA-Z0-9*]*?:)`): `configserver:`, `vault:`, `classpath*:`.
fn has_url_prefix(written: &str) -> bool {
    let mut chars = written.chars();
    if !chars.next().is_some_and(|c| c.is_ascii_alphabetic()) {
        return false;
    }
    for c in chars {
        if c == ':' {
            return true;
        }
        if !(c.is_ascii_alphanumeric() || c == '*') {
            return false;
        }
    }
    false
}

/// The `src/<set>/resources` directory `dir` is in (Maven's and Gradle's layout: what
/// the build puts on the classpath).
fn resources_root(dir: &Path) -> Option<&Path> {
    dir.ancestors().find(|a| {
        a.file_name().is_some_and(|n| n == "resources")
            && a.parent()
                .and_then(Path::parent)
                .and_then(Path::file_name)
                .is_some_and(|n| n == "src")
    })
}

/// The working directory a `file:` location is relative to, for a file in `dir`: the
/// project directory of a `src/main/resources` file (where `mvn spring-boot:run`, a
/// Gradle `bootRun` and a jar beside its `config/` start), else `dir` (its parent
/// for a `config/` directory, Spring Boot's `optional:file:./config/` location).
fn working_dir(dir: &Path) -> PathBuf {
    if let Some(resources) = resources_root(dir) {
        let project = resources
            .parent()
            .and_then(Path::parent)
            .and_then(Path::parent);
        return project.unwrap_or(Path::new("")).to_path_buf();
    }
    if dir.file_name().is_some_and(|n| n == "config") {
        return dir.parent().unwrap_or(Path::new("")).to_path_buf();
    }
    dir.to_path_buf()
}

/// Where `classpath:` locations are, for a file in `dir`: the resources directory it is
/// in, else the project's `src/main/resources` when there is one.
fn classpath_root(dir: &Path) -> Option<PathBuf> {
    if let Some(resources) = resources_root(dir) {
        return Some(resources.to_path_buf());
    }
    let project = working_dir(dir).join("src/main/resources");
    project.is_dir().then_some(project)
}

/// Whether a text may set `spring.config.import`: most files do not, and are not
/// flattened again to find out.
fn mentions_import(text: &str) -> bool {
    // Built once: a finder made for each of thousands of files cost more than the search.
    static FINDERS: std::sync::LazyLock<[memchr::memmem::Finder<'static>; 2]> =
        std::sync::LazyLock::new(|| {
            [
                memchr::memmem::Finder::new(b"mport"),
                memchr::memmem::Finder::new(b"MPORT"),
            ]
        });
    let bytes = text.as_bytes();
    FINDERS.iter().any(|finder| finder.find(bytes).is_some())
}

/// Each import location `file` declares: where, as written, and where it leads.
fn file_imports(file: &ParsedFile, text: &str) -> Vec<(Span, String, Target)> {
    if !mentions_import(text) {
        return Vec::new();
    }
    let mut prefixes = foldhash::HashMap::default();
    let mut out = Vec::new();
    for root in &file.doc.roots {
        let leaves = flatten(&file.doc, *root, file.id, text, &mut prefixes);
        for leaf in leaves.iter().filter(|l| is_import(l)) {
            for (range, location) in locations(&leaf.value) {
                let at = sub_span(leaf, range);
                for target in targets(location, &file.path) {
                    out.push((at, location.to_owned(), target));
                }
            }
        }
    }
    out
}

/// The files `file` imports, for the engine to read from the checked tree
/// ([`crate::ecosystems::Reader::companions`]). A mandatory one missing is reported
/// where it is named: Spring Boot does not start without it
/// (`ConfigDataLocationNotFoundException`).
pub(super) fn companions(file: &ParsedFile, text: &str) -> Vec<Companion> {
    let mut companions = Vec::new();
    let mut listings = Listings::default();
    for (at, location, target) in file_imports(file, text) {
        let Target::File {
            path,
            format,
            optional,
            classpath,
            directory,
        } = target
        else {
            continue;
        };
        let missing = (!optional).then(|| {
            let looked_for = if directory {
                path.parent().unwrap_or(&path)
            } else {
                &path
            };
            missing_message(&location, looked_for, classpath)
        });
        // Its variants are optional (`StandardConfigDataReference.isSkippable`).
        for (_, variant) in variants_on_disk(&path, &mut listings) {
            companions.push(Companion {
                path: variant,
                format,
                at,
                named_in: None,
                missing: None,
                beside_unit: false,
            });
        }
        companions.push(Companion {
            path,
            format,
            at,
            named_in: None,
            missing,
            beside_unit: false,
        });
    }
    companions
}

/// What a mandatory import missing from the repository means.
fn missing_message(location: &str, path: &Path, classpath: bool) -> String {
    let consequence = if classpath {
        "Spring Boot does not start unless a jar on the classpath holds it"
    } else {
        "Spring Boot does not start without it"
    };
    format!(
        "spring.config.import `{}` is not in the repository (looked for {}): {consequence} (`optional:` lets it go on), and the settings it imports are not checked",
        shown_location(location),
        crate::source::display_path(path)
    )
}

/// The files a unit's reading may find imports among: every file the engine gave,
/// by path.
#[derive(Default)]
pub(super) struct Found<'f> {
    by_path: HashMap<PathBuf, &'f ParsedFile>,
    /// The same paths by directory, their names sorted: an import's variants are a run
    /// of them ([`Found::variants_of`]; looking through every path for each of
    /// thousands of imports was quadratic).
    by_dir: HashMap<PathBuf, Vec<String>>,
    /// Profile-specific files (`application-db.yml`) another file imports: Spring loads
    /// them once, as that import (before it would load them for their profile), so they
    /// are read there only.
    imported_profile_files: HashSet<PathBuf>,
}

impl<'f> Found<'f> {
    pub(super) fn new(files: &[&'f ParsedFile], sources: &SourceMap) -> Self {
        let text = |file: &ParsedFile| sources.get(file.id).map_or("", |f| f.text());
        // Most applications import nothing: then nothing is looked up by path.
        if !files.iter().any(|file| mentions_import(text(file))) {
            return Found::default();
        }
        let mut by_path: HashMap<PathBuf, &ParsedFile> = HashMap::new();
        for file in files {
            by_path.entry(normalise(&file.path)).or_insert(file);
        }
        let mut by_dir: HashMap<PathBuf, Vec<String>> = HashMap::new();
        for path in by_path.keys() {
            let name = path.file_name().and_then(|n| n.to_str());
            if let (Some(dir), Some(name)) = (path.parent(), name) {
                by_dir
                    .entry(dir.to_path_buf())
                    .or_default()
                    .push(name.to_owned());
            }
        }
        for names in by_dir.values_mut() {
            names.sort_unstable();
        }
        let mut imported_profile_files = HashSet::new();
        for file in files {
            let own = normalise(&file.path);
            for (_, _, target) in file_imports(file, text(file)) {
                if let Target::File { path, .. } = target {
                    if path != own && file_profile(&path).is_some() {
                        imported_profile_files.insert(path);
                    }
                }
            }
        }
        Found {
            by_path,
            by_dir,
            imported_profile_files,
        }
    }

    /// The profile-specific variants of the file `declared` imports that the engine
    /// read, with their profiles, by name.
    pub(super) fn variants_of(&self, declared: &Declared) -> Vec<(String, Declared)> {
        let dir = declared.path.parent().unwrap_or(Path::new(""));
        let names = self.by_dir.get(dir).map_or(&[][..], Vec::as_slice);
        let mut variants: Vec<(String, Declared)> = variant_run(&declared.path, names)
            .iter()
            .map(|name| dir.join(name))
            .filter_map(|path| {
                let profile = variant_profile(&declared.path, &path)?;
                let variant = Declared {
                    at: declared.at,
                    location: declared.location.clone(),
                    path: path.clone(),
                };
                Some((profile.to_owned(), variant))
            })
            .collect();
        variants.sort_by(|a, b| a.1.path.cmp(&b.1.path));
        variants
    }

    /// Whether `file` is one of the application's own files, read for itself.
    pub(super) fn is_top_level(&self, file: &ParsedFile) -> bool {
        file.included_from.is_none()
            && (self.imported_profile_files.is_empty()
                || !self.imported_profile_files.contains(&normalise(&file.path)))
    }
}

/// What a document that imports files gives the documents of those files.
pub(super) struct ImportedBy {
    /// The importing document's condition.
    condition: Option<Arc<Condition>>,
    /// The rank of the top-level document the chain of imports starts at.
    pub(super) top: (u8, bool, usize),
    /// How many imports below a top-level file the imported files are.
    depth: usize,
}

impl ImportedBy {
    /// For the imports of a document read under `condition` and ranked `top`, itself
    /// imported through `by` (None: a top-level document).
    pub(super) fn new(
        condition: Option<Arc<Condition>>,
        top: (u8, bool, usize),
        by: Option<&ImportedBy>,
    ) -> Self {
        ImportedBy {
            condition,
            top,
            depth: by.map_or(0, |b| b.depth) + 1,
        }
    }

    /// For a profile-specific variant (for `profile`) of a file this document imports:
    /// read in that profile, above the profile-specific files when `moved`.
    pub(super) fn variant(&self, profile: &str, moved: bool) -> ImportedBy {
        let name: Arc<str> = profile.into();
        let own = Condition {
            any_of: vec![Expr::Name(profile.to_owned())],
            label: name.clone(),
            file: Some(name.clone()),
            on_profile: false,
        };
        let condition = match &self.condition {
            None => own,
            // Ranked among the profile files by the importing file's profile, unless
            // moved above them (then by its own).
            Some(importer) => Condition {
                file: if moved {
                    Some(name)
                } else {
                    importer.file.clone()
                },
                ..importer.both(own)
            },
        };
        let top = if moved {
            (super::MOVED_VARIANT, self.top.1, self.top.2)
        } else {
            self.top
        };
        ImportedBy {
            condition: Some(Arc::new(condition)),
            top,
            depth: self.depth,
        }
    }

    /// The condition of an imported document whose own condition is `own`.
    pub(super) fn condition_with(&self, own: Option<Condition>) -> Option<Arc<Condition>> {
        match (&self.condition, own) {
            (None, own) => own.map(Arc::new),
            (Some(condition), None) => Some(condition.clone()),
            (Some(condition), Some(own)) => Some(Arc::new(condition.both(own))),
        }
    }
}

/// One file a document imports.
pub(super) struct Declared {
    /// Where the location is written.
    at: Location,
    location: String,
    path: PathBuf,
}

/// The files the leaves of one document (in the file at `importer`) import, in the
/// order written.
pub(super) fn declared(leaves: &[Leaf], importer: &Path) -> Vec<Declared> {
    let mut out = Vec::new();
    for leaf in leaves.iter().filter(|l| is_import(l)) {
        for (range, location) in locations(&leaf.value) {
            let span = sub_span(leaf, range);
            for target in targets(location, importer) {
                if let Target::File { path, .. } = target {
                    out.push(Declared {
                        at: Location {
                            file: leaf.value_location.file,
                            span,
                        },
                        location: location.to_owned(),
                        path,
                    });
                }
            }
        }
    }
    out
}

/// The files read so far for one application, and the chain of imports being read.
/// Paths are worked out at the first import: most applications have none.
pub(super) struct Chain<'f> {
    /// The application's own files: Spring loads them all before any import, so
    /// importing one adds nothing.
    tops: &'f [&'f ParsedFile],
    /// The files read, once an import is read.
    read: Option<HashSet<PathBuf>>,
    /// The path of the top-level file being read, as found.
    top: Option<PathBuf>,
    /// The top-level file, then each file imported on the way to the current one, once
    /// an import of the top-level file is read.
    path: Vec<PathBuf>,
}

impl<'f> Chain<'f> {
    /// Before reading `tops`, the application's own files.
    pub(super) fn new(tops: &'f [&'f ParsedFile]) -> Self {
        Chain {
            tops,
            read: None,
            top: None,
            path: Vec::new(),
        }
    }

    /// Start reading top-level file `file`.
    pub(super) fn start(&mut self, file: &ParsedFile) {
        self.top = Some(file.path.clone());
        self.path.clear();
    }

    /// The file `declared` imports, to read now, or None: read already (a note when it
    /// closes a cycle), not read by the engine (which said why), or too deep.
    pub(super) fn enter<'a>(
        &mut self,
        declared: &Declared,
        by: &ImportedBy,
        found: &Found<'a>,
        sources: &SourceMap,
        app: &mut App,
    ) -> Option<&'a ParsedFile> {
        if by.depth > crate::engine::MAX_COMPANION_DEPTH {
            return None;
        }
        let tops = self.tops;
        let read = self
            .read
            .get_or_insert_with(|| tops.iter().map(|f| normalise(&f.path)).collect());
        if self.path.is_empty() {
            self.path.extend(self.top.as_deref().map(normalise));
        }
        if read.contains(&declared.path) {
            if self.path.contains(&declared.path) {
                app.notes.push(cycle_note(declared, sources));
            }
            return None;
        }
        let file = found.by_path.get(&declared.path).copied()?;
        read.insert(declared.path.clone());
        self.path.push(declared.path.clone());
        Some(file)
    }

    /// Done reading the file [`Chain::enter`] gave.
    pub(super) fn leave(&mut self) {
        self.path.pop();
    }
}

/// An import that leads back to a file on the way to it: Spring Boot loads each file
/// once (`ConfigDataImporter.loaded`), so it adds nothing and start-up goes on.
fn cycle_note(declared: &Declared, sources: &SourceMap) -> String {
    let place = sources
        .file_line(declared.at.file, declared.at.span.start)
        .unwrap_or_else(|| "<unknown>".to_owned());
    format!(
        "{place}: spring.config.import `{}` adds nothing: {} is read already on the way to this import (an import cycle), and Spring Boot reads each file once",
        shown_location(&declared.location),
        crate::source::display_path(&declared.path)
    )
}

/// The names among `sorted` (a directory's, sorted) that may be variants of
/// `imported`: those that start with its stem and a `-`, a run of them.
fn variant_run<'n>(imported: &Path, sorted: &'n [String]) -> &'n [String] {
    let stem = imported
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.rsplit_once('.'))
        .map(|(stem, _)| format!("{stem}-"));
    let Some(stem) = stem else {
        return &[];
    };
    let first = sorted.partition_point(|n| n.as_str() < stem.as_str());
    let rest = sorted.get(first..).unwrap_or_default();
    let len = rest.iter().take_while(|n| n.starts_with(&stem)).count();
    rest.get(..len).unwrap_or_default()
}

/// The profile of `candidate` when it is a profile-specific variant of `imported`
/// (`db-prod.properties` of `db.properties`: `prod`).
fn variant_profile<'c>(imported: &Path, candidate: &'c Path) -> Option<&'c str> {
    if imported.parent() != candidate.parent() {
        return None;
    }
    let (stem, extension) = imported.file_name()?.to_str()?.rsplit_once('.')?;
    let profile = candidate
        .file_name()?
        .to_str()?
        .strip_prefix(stem)?
        .strip_prefix('-')?
        .strip_suffix(extension)?
        .strip_suffix('.')?;
    (!profile.is_empty()).then_some(profile)
}

/// The names in each directory imports look into, sorted, each directory listed once:
/// thousands of imports from one directory listed it once each, quadratic.
#[derive(Default)]
struct Listings(std::collections::HashMap<PathBuf, Vec<String>>);

impl Listings {
    fn names(&mut self, dir: &Path) -> &[String] {
        self.0.entry(dir.to_path_buf()).or_insert_with(|| {
            let listed = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            let entries = std::fs::read_dir(listed).into_iter().flatten().flatten();
            let mut names: Vec<String> = entries
                .filter_map(|entry| entry.file_name().into_string().ok())
                .collect();
            names.sort_unstable();
            names
        })
    }
}

/// The profile-specific variants of the imported file at `path` in the repository,
/// with their profiles: the engine reads them with it.
fn variants_on_disk(path: &Path, listings: &mut Listings) -> Vec<(String, PathBuf)> {
    let Some(dir) = path.parent() else {
        return Vec::new();
    };
    let mut variants: Vec<(String, PathBuf)> = variant_run(path, listings.names(dir))
        .iter()
        .filter_map(|name| {
            let candidate = dir.join(name);
            let profile = variant_profile(path, &candidate)?.to_owned();
            Some((profile, candidate))
        })
        .collect();
    variants.sort();
    variants
}
