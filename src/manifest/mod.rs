//! `poollint.toml` (DESIGN.md §4). This module reads the `[lint]` table; `topology`
//! reads `[[database]]`, `[[pooler]]` and `[[service]]`. Errors carry the span of the
//! offending key or value.

pub mod topology;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use crate::diagnostic::Severity;
use crate::rules;
use crate::source::{Encoding, FileId, SourceMap, Span};
use crate::syntax::{self, Document, Format, NodeId};

pub const FILE_NAME: &str = "poollint.toml";

/// `fail-on`: the lowest severity that makes the run fail (exit 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

impl FailOn {
    pub fn parse(text: &str) -> Option<FailOn> {
        match text {
            "error" => Some(FailOn::Error),
            "warning" => Some(FailOn::Warning),
            "info" => Some(FailOn::Info),
            "never" => Some(FailOn::Never),
            _ => None,
        }
    }

    /// True when a finding of `severity` fails the run.
    pub fn fails(self, severity: Severity) -> bool {
        match self {
            FailOn::Error => severity >= Severity::Error,
            FailOn::Warning => severity >= Severity::Warning,
            FailOn::Info => true,
            FailOn::Never => false,
        }
    }
}

/// A rule's level in `[lint.rules]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Off,
    On(Severity),
}

/// One `[lint.rules]` entry.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleSetting {
    pub level: Option<Level>,
    pub options: rules::RuleOptions,
}

/// One `[[lint.ignore]]` entry.
#[derive(Debug, Clone)]
pub struct IgnoreEntry {
    pub paths: globset::GlobSet,
    pub patterns: Vec<String>,
    /// Empty: every rule.
    pub rules: Vec<String>,
    pub reason: Option<String>,
}

/// The `[lint]` table, resolved.
#[derive(Debug, Clone)]
pub struct LintSettings {
    pub fail_on: FailOn,
    pub baseline: Option<PathBuf>,
    /// Where `baseline` is written in the manifest, for an error at it.
    pub baseline_span: Option<Span>,
    pub rules: BTreeMap<String, RuleSetting>,
    pub ignore: Vec<IgnoreEntry>,
    /// Where these settings came from (None: built-in defaults).
    pub manifest: Option<PathBuf>,
}

impl Default for LintSettings {
    fn default() -> Self {
        LintSettings {
            fail_on: FailOn::Error,
            baseline: None,
            baseline_span: None,
            rules: BTreeMap::new(),
            ignore: Vec::new(),
            manifest: None,
        }
    }
}

impl LintSettings {
    /// The `[[lint.ignore]]` entry that switches `rule` off for `file`, if any: the
    /// first in the manifest.
    pub fn ignore_entry(&self, rule: &str, file: &Path) -> Option<&IgnoreEntry> {
        let index = self.ignore_index();
        index.entry(&index.matching(&self.ignore_path(file)), rule)
    }

    /// What `[[lint.ignore]]` patterns are matched against: `file` relative to the
    /// manifest's directory, `/`-separated (DESIGN.md §4: paths in a manifest are
    /// relative to it, wherever poollint runs from); the displayed path for a file
    /// outside that directory, or without a manifest.
    pub fn ignore_path(&self, file: &Path) -> String {
        match self.manifest.as_deref().and_then(Path::parent) {
            Some(dir) => crate::source::path_from(dir, file),
            None => crate::source::display_path(file),
        }
    }

    /// Every `[[lint.ignore]]` path pattern in one set.
    pub fn ignore_index(&self) -> IgnoreIndex<'_> {
        let mut builder = globset::GlobSetBuilder::new();
        let mut owner = Vec::new();
        for (index, entry) in self.ignore.iter().enumerate() {
            // Each was checked when the manifest was read.
            for glob in entry
                .patterns
                .iter()
                .flat_map(|p| ignore_globs(p))
                .filter_map(|p| globset::Glob::new(&p).ok())
            {
                builder.add(glob);
                owner.push(index);
            }
        }
        IgnoreIndex {
            all: builder.build().ok(),
            owner,
            entries: &self.ignore,
        }
    }
}

/// The globs a `[[lint.ignore]]` path stands for. Paths are matched relative to the
/// manifest's directory without a leading `./`, so one written is dropped; a path
/// without glob characters (or ending in `/`) names a file or a directory with
/// everything below it, as `--exclude` and `.gitignore` read `legacy`: as a bare glob
/// it would match only a file called `legacy`, and silently ignore nothing.
fn ignore_globs(pattern: &str) -> Vec<String> {
    let mut path = pattern;
    while let Some(rest) = path.strip_prefix("./") {
        path = rest;
    }
    let path = path.trim_end_matches('/');
    if path.is_empty() || path == "." {
        return vec!["**".to_owned()];
    }
    if path.contains(['*', '?', '[', '{']) {
        return vec![path.to_owned()];
    }
    vec![path.to_owned(), format!("{path}/**")]
}

/// A `[[lint.ignore]]` path as it is matched, relative to `dir`, the manifest's
/// directory: an absolute path inside it is made relative (`/repo/legacy` is `legacy`,
/// `/repo` itself every file), as `--exclude` reads one, and `..` is resolved
/// (`a/../b` is `b`). Else the fact that it can match no file: an absolute path
/// outside `dir`, or one that `..` takes out of it (files are matched by their paths
/// relative to `dir`).
fn anchored(pattern: &str, dir: &Path) -> Result<String, &'static str> {
    if Path::new(pattern).is_absolute() {
        return match crate::source::inside(dir, Path::new(pattern)) {
            Some(relative) if relative.is_empty() => Ok("**".to_owned()),
            Some(relative) => Ok(relative),
            None => Err("is outside the manifest's directory"),
        };
    }
    if !pattern.split('/').any(|part| part == "..") {
        return Ok(pattern.to_owned());
    }
    let mut kept: Vec<&str> = Vec::new();
    for part in pattern.split('/') {
        match part {
            ".." => {
                kept.pop().ok_or("leads out of the manifest's directory")?;
            }
            "." | "" => {}
            _ => kept.push(part),
        }
    }
    match kept.is_empty() {
        true => Ok("**".to_owned()),
        false => Ok(kept.join("/")),
    }
}

/// The `[[lint.ignore]]` patterns in one set, so a path is matched against all of them
/// at once: a monorepo's manifest can hold thousands, and testing each entry for each
/// finding took seconds.
pub struct IgnoreIndex<'s> {
    /// None when the set could not be built: each entry is then tried in turn.
    all: Option<globset::GlobSet>,
    /// The entry of each pattern of `all`.
    owner: Vec<usize>,
    entries: &'s [IgnoreEntry],
}

impl<'s> IgnoreIndex<'s> {
    /// The entries whose paths match `path`, in manifest order.
    pub fn matching(&self, path: &str) -> Vec<usize> {
        let Some(all) = &self.all else {
            return (0..self.entries.len())
                .filter(|&i| self.entries.get(i).is_some_and(|e| e.paths.is_match(path)))
                .collect();
        };
        let mut entries: Vec<usize> = all
            .matches(path)
            .into_iter()
            .filter_map(|pattern| self.owner.get(pattern).copied())
            .collect();
        entries.sort_unstable();
        entries.dedup();
        entries
    }

    /// The first of `matching` entries that switches `rule` off.
    pub fn entry(&self, matching: &[usize], rule: &str) -> Option<&'s IgnoreEntry> {
        matching
            .iter()
            .filter_map(|&i| self.entries.get(i))
            .find(|entry| entry.rules.is_empty() || entry.rules.iter().any(|r| r == rule))
    }
}

/// A manifest read in full.
#[derive(Debug, Clone)]
pub struct Manifest {
    pub path: PathBuf,
    /// The manifest's text, so diagnostics can point into it.
    pub text: String,
    pub lint: LintSettings,
    pub topology: topology::DeclaredTopology,
}

impl Manifest {
    /// The error at the manifest's `baseline` when the file it names does not exist, is
    /// no file or is not a baseline poollint reads: the manifest cannot be used for a run
    /// that applies it, and the error points at the manifest, not into the baseline.
    /// Not checked when reading the manifest: `--baseline` replaces it, and
    /// `--write-baseline` creates it.
    pub fn baseline_error(&self) -> Option<Box<ManifestError>> {
        let path = self.lint.baseline.as_ref()?;
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let written = path.strip_prefix(dir).unwrap_or(path);
        let what = if path.is_file() {
            // Read once more when applied: a baseline is small next to the files it
            // accepts findings of, and this keeps the error at the manifest.
            let error = crate::baseline::read(path).err()?;
            format!("cannot be used: {error}")
        } else if path.exists() {
            "is not a file".to_string()
        } else {
            "does not exist".to_string()
        };
        let mut sources = SourceMap::default();
        let file = sources.add(&self.path, self.text.clone(), Encoding::Utf8);
        Some(Box::new(ManifestError {
            sources,
            file: Some(file),
            span: self.lint.baseline_span.unwrap_or_default(),
            message: format!("baseline `{}` {what}", written.display()),
            help: Some(format!(
                "paths are relative to the manifest's directory ({}); write the baseline with `poollint check --write-baseline {}`, or remove baseline",
                crate::source::display_path(dir),
                crate::source::display_path(path),
            )),
        }))
    }
}

/// A manifest that cannot be used: reported with its location, exit 2.
#[derive(Debug, Clone)]
pub struct ManifestError {
    pub sources: SourceMap,
    pub file: Option<FileId>,
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
}

/// The nearest `poollint.toml` at or above `start` (a file's directory, or a directory).
/// A path that does not exist yet (an editor's unsaved file given as
/// `--stdin-filename`) is looked up from its nearest directory that does, so it gets the
/// manifest it will have once written, not the current directory's.
pub fn discover(start: &Path) -> Option<PathBuf> {
    let absolute = start.ancestors().find_map(|p| {
        // `Path::new("a").parent()` is "": the current directory.
        let p = if p.as_os_str().is_empty() {
            Path::new(".")
        } else {
            p
        };
        std::fs::canonicalize(p).ok()
    })?;
    let mut dir = if absolute.is_dir() {
        Some(absolute.as_path())
    } else {
        absolute.parent()
    };
    while let Some(current) = dir {
        let candidate = current.join(FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        dir = current.parent();
    }
    None
}

/// Read the manifest at `path`.
pub fn load(path: &Path) -> Result<Manifest, Box<ManifestError>> {
    let mut sources = SourceMap::default();
    let text =
        crate::source::read_text(path, crate::engine::DEFAULT_MAX_FILE_SIZE).map_err(|why| {
            Box::new(ManifestError {
                sources: SourceMap::default(),
                file: None,
                span: Span::default(),
                message: format!("cannot read {}: {why}", path.display()),
                help: None,
            })
        })?;
    let doc = syntax::parse(Format::Toml, &text);
    let file = sources.add(path, text.clone(), Encoding::Utf8);
    let mut reader = ManifestReader {
        doc: &doc,
        sources,
        file,
    };
    let (lint, topology) = reader.read(path)?;
    Ok(Manifest {
        path: path.to_path_buf(),
        text,
        lint,
        topology,
    })
}

/// Top-level tables of the manifest (DESIGN.md §4).
const TOP_LEVEL: &[&str] = &["lint", "database", "pooler", "service"];
const LINT_KEYS: &[&str] = &["fail-on", "baseline", "rules", "ignore"];
const IGNORE_KEYS: &[&str] = &["paths", "rules", "reason"];

struct ManifestReader<'a> {
    doc: &'a Document,
    sources: SourceMap,
    file: FileId,
}

impl ManifestReader<'_> {
    fn error(
        &self,
        span: Span,
        message: impl Into<String>,
        help: Option<String>,
    ) -> Box<ManifestError> {
        Box::new(ManifestError {
            sources: self.sources.clone(),
            file: Some(self.file),
            span,
            message: message.into(),
            help,
        })
    }

    fn read(
        &mut self,
        path: &Path,
    ) -> Result<(LintSettings, topology::DeclaredTopology), Box<ManifestError>> {
        if let Some(err) = self.doc.errors.first() {
            return Err(self.error(err.span, format!("invalid TOML: {}", err.message), None));
        }
        let mut settings = LintSettings {
            manifest: Some(path.to_path_buf()),
            ..LintSettings::default()
        };
        let Some(root) = self.doc.roots.first().copied() else {
            return Ok((settings, topology::DeclaredTopology::default()));
        };
        self.check_keys(root, TOP_LEVEL, "top-level table")?;
        if let Some(lint) = self.doc.get(root, "lint") {
            self.read_lint(self.table(lint, "lint")?, path, &mut settings)?;
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        let topology = self.read_topology(root, dir)?;
        Ok((settings, topology))
    }

    /// Unknown keys are errors with a did-you-mean.
    fn check_keys(
        &self,
        table: NodeId,
        known: &[&str],
        what: &str,
    ) -> Result<(), Box<ManifestError>> {
        for entry in self.doc.entries(table) {
            let key = self.doc.text(entry.key).unwrap_or("");
            if !known.contains(&key) {
                let help = crate::suggest::closest(key, known.iter().copied())
                    .map(|s| format!("did you mean `{s}`?"))
                    .or_else(|| Some(format!("known keys: {}", known.join(", "))));
                return Err(self.error(
                    self.doc.span(entry.key),
                    format!("unknown {what} key `{key}`"),
                    help,
                ));
            }
        }
        Ok(())
    }

    /// `node`, a table (`[name]`, or an inline `{ … }`): a value of another type (`lint
    /// = 3`, `[[lint]]`, `rules = ["a"]`) would otherwise hold no key and be ignored.
    fn table(&self, node: NodeId, name: &str) -> Result<NodeId, Box<ManifestError>> {
        if self.doc.is_map(node) {
            return Ok(node);
        }
        Err(self.error(
            self.doc.span(node),
            format!("`{name}` must be a table: write [{name}]"),
            None,
        ))
    }

    /// The tables of `node`, an array of tables `[[name]]`: a single table `[name]` (the
    /// likeliest typo) or a value of another type is an error, as is an item that is no
    /// table.
    fn array_of_tables(&self, node: NodeId, name: &str) -> Result<Vec<NodeId>, Box<ManifestError>> {
        let items = self.doc.seq(node).ok_or_else(|| {
            self.error(
                self.doc.span(node),
                format!("`{name}` must be an array of tables: write [[{name}]]"),
                None,
            )
        })?;
        for item in items {
            if !self.doc.is_map(*item) {
                return Err(self.error(
                    self.doc.span(*item),
                    format!("each `{name}` must be a table"),
                    None,
                ));
            }
        }
        Ok(items.to_vec())
    }

    fn string(&self, node: NodeId, what: &str) -> Result<String, Box<ManifestError>> {
        match self.doc.scalar(node) {
            Some(s) if s.style.is_quoted() => Ok(s.text.clone()),
            _ => Err(self.error(
                self.doc.span(node),
                format!("{what} must be a string"),
                None,
            )),
        }
    }

    fn read_lint(
        &self,
        lint: NodeId,
        path: &Path,
        settings: &mut LintSettings,
    ) -> Result<(), Box<ManifestError>> {
        self.check_keys(lint, LINT_KEYS, "[lint]")?;
        if let Some(node) = self.doc.get(lint, "fail-on") {
            let text = self.string(node, "fail-on")?;
            settings.fail_on = FailOn::parse(&text).ok_or_else(|| {
                self.error(
                    self.doc.span(node),
                    format!("fail-on must be error, warning, info or never, not `{text}`"),
                    crate::suggest::closest_or_one_edit(
                        &text,
                        &["error", "warning", "info", "never"],
                    )
                    .map(|s| format!("did you mean `{s}`?")),
                )
            })?;
        }
        if let Some(node) = self.doc.get(lint, "baseline") {
            let relative = self.string(node, "baseline")?;
            settings.baseline = Some(path.parent().unwrap_or(Path::new(".")).join(relative));
            settings.baseline_span = Some(self.doc.span(node));
        }
        if let Some(rules) = self.doc.get(lint, "rules") {
            self.read_rules(self.table(rules, "lint.rules")?, settings)?;
        }
        if let Some(ignore) = self.doc.get(lint, "ignore") {
            for item in self.array_of_tables(ignore, "lint.ignore")? {
                let dir = path.parent().unwrap_or(Path::new("."));
                settings.ignore.push(self.read_ignore(item, dir)?);
            }
        }
        Ok(())
    }

    fn read_rules(
        &self,
        table: NodeId,
        settings: &mut LintSettings,
    ) -> Result<(), Box<ManifestError>> {
        for entry in self.doc.entries(table) {
            let name = self.doc.text(entry.key).unwrap_or("");
            let Some(rule) = rules::find(name) else {
                let help = rules::suggest(name).map(|s| format!("did you mean `{s}`?"));
                return Err(self.error(
                    self.doc.span(entry.key),
                    format!("unknown rule `{name}`"),
                    help,
                ));
            };
            let setting = if self.doc.is_map(entry.value) {
                self.read_rule_table(rule.meta(), entry.value)?
            } else {
                RuleSetting {
                    level: Some(self.level(entry.value)?),
                    options: rules::RuleOptions::default(),
                }
            };
            settings.rules.insert(name.to_owned(), setting);
        }
        Ok(())
    }

    fn level(&self, node: NodeId) -> Result<Level, Box<ManifestError>> {
        let text = self.string(node, "a rule level")?;
        match text.as_str() {
            "off" => Ok(Level::Off),
            other => Severity::parse(other).map(Level::On).ok_or_else(|| {
                self.error(
                    self.doc.span(node),
                    format!("a rule level is off, info, warning or error, not `{other}`"),
                    crate::suggest::closest_or_one_edit(
                        other,
                        &["off", "info", "warning", "error"],
                    )
                    .map(|s| format!("did you mean `{s}`?")),
                )
            }),
        }
    }

    /// `"rule" = { level = "error", some-option = 0.8 }`.
    fn read_rule_table(
        &self,
        meta: &rules::RuleMeta,
        table: NodeId,
    ) -> Result<RuleSetting, Box<ManifestError>> {
        let mut setting = RuleSetting::default();
        // Option → the key that set it: an alias beside the option's own name would
        // leave one of the two values silently unused.
        let mut set_by: HashMap<&str, &str> = HashMap::new();
        for entry in self.doc.entries(table) {
            let key = self.doc.text(entry.key).unwrap_or("");
            if key == "level" {
                setting.level = Some(self.level(entry.value)?);
                continue;
            }
            let Some(option) = meta.options.iter().find(|o| o.is_named(key)) else {
                let names: Vec<&str> = std::iter::once("level")
                    .chain(meta.options.iter().map(|o| o.name))
                    .collect();
                let help = crate::suggest::closest(key, names.iter().copied())
                    .map(|s| format!("did you mean `{s}`?"))
                    .or_else(|| Some(format!("{} takes: {}", meta.name, names.join(", "))));
                return Err(self.error(
                    self.doc.span(entry.key),
                    format!("unknown option `{key}` for rule {}", meta.name),
                    help,
                ));
            };
            if let Some(first) = set_by.insert(option.name, key) {
                return Err(self.error(
                    self.doc.span(entry.key),
                    format!(
                        "`{key}` and `{first}` both set {} of rule {}",
                        option.name, meta.name
                    ),
                    Some(format!("keep one: {} = <value>", option.name)),
                ));
            }
            let value = self
                .doc
                .scalar(entry.value)
                .filter(|s| !s.style.is_quoted())
                .and_then(|s| s.text.replace('_', "").parse::<f64>().ok())
                .filter(|v| v.is_finite())
                .ok_or_else(|| {
                    self.error(
                        self.doc.span(entry.value),
                        format!("{key} must be a number"),
                        None,
                    )
                })?;
            if !option.accepts(value) {
                return Err(self.error(
                    self.doc.span(entry.value),
                    format!(
                        "{key} is {value}, but {} takes {}",
                        meta.name,
                        option.range_text()
                    ),
                    Some(format!("the default is {}: {}", option.default, option.doc)),
                ));
            }
            setting.options.set(option.name, value);
        }
        Ok(setting)
    }

    /// One `[[lint.ignore]]` table of the manifest in `dir`.
    fn read_ignore(&self, table: NodeId, dir: &Path) -> Result<IgnoreEntry, Box<ManifestError>> {
        self.check_keys(table, IGNORE_KEYS, "[[lint.ignore]]")?;
        let strings = |key: &str| -> Result<Vec<(String, Span)>, Box<ManifestError>> {
            let Some(list) = self.doc.get(table, key) else {
                return Ok(Vec::new());
            };
            let items = self.doc.seq(list).ok_or_else(|| {
                self.error(
                    self.doc.span(list),
                    format!("{key} must be a list of strings"),
                    None,
                )
            })?;
            items
                .iter()
                .map(|i| Ok((self.string(*i, key)?, self.doc.span(*i))))
                .collect()
        };
        let mut builder = globset::GlobSetBuilder::new();
        let patterns = strings("paths")?;
        // An entry without paths matches no file: a mistake, like an empty path.
        if patterns.is_empty() {
            let (span, fact) = match self.doc.get(table, "paths") {
                Some(list) => (self.doc.span(list), "`paths` is empty"),
                None => (self.doc.span(table), "this [[lint.ignore]] has no `paths`"),
            };
            return Err(self.error(
                span,
                format!("{fact}, so it matches no file"),
                Some("list the files it applies to, relative to the manifest: `paths = [\"legacy/**\"]` (`\"**\"` for every file)".to_owned()),
            ));
        }
        // As matched: relative to the manifest's directory.
        let mut matched = Vec::with_capacity(patterns.len());
        for (pattern, span) in &patterns {
            if pattern.is_empty() {
                return Err(self.error(*span, "an empty path matches no file", None));
            }
            let pattern = &anchored(pattern, dir).map_err(|fact| {
                self.error(
                    *span,
                    format!("`{pattern}` {fact}, so it matches no file"),
                    Some("paths are relative to the manifest's directory; a file outside it takes the [[lint.ignore]] of a manifest above it".to_owned()),
                )
            })?;
            for glob in ignore_globs(pattern) {
                let glob = globset::Glob::new(&glob).map_err(|e| {
                    self.error(*span, format!("invalid glob `{pattern}`: {e}"), None)
                })?;
                builder.add(glob);
            }
            matched.push(pattern.clone());
        }
        let rules = strings("rules")?;
        // `rules = []` names no rule, as an inline `ignore[]` does; leaving the key out
        // is what ignores every rule.
        if let Some(list) = self.doc.get(table, "rules").filter(|_| rules.is_empty()) {
            return Err(self.error(
                self.doc.span(list),
                "`rules` is empty, so it names no rule",
                Some(
                    "name the rules to ignore, or leave `rules` out to ignore every rule"
                        .to_owned(),
                ),
            ));
        }
        for (name, span) in &rules {
            if rules::find(name).is_none() {
                let help = rules::suggest(name).map(|s| format!("did you mean `{s}`?"));
                return Err(self.error(*span, format!("unknown rule `{name}`"), help));
            }
        }
        let reason = match self.doc.get(table, "reason") {
            Some(node) => Some(self.string(node, "reason")?),
            None => None,
        };
        Ok(IgnoreEntry {
            paths: builder
                .build()
                .map_err(|e| self.error(self.doc.span(table), e.to_string(), None))?,
            patterns: matched,
            rules: rules.into_iter().map(|(r, _)| r).collect(),
            reason,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(patterns: &[&str], rules: &[&str]) -> IgnoreEntry {
        let mut builder = globset::GlobSetBuilder::new();
        for pattern in patterns {
            builder.add(globset::Glob::new(pattern).unwrap());
        }
        IgnoreEntry {
            paths: builder.build().unwrap(),
            patterns: patterns.iter().map(|p| (*p).to_owned()).collect(),
            rules: rules.iter().map(|r| (*r).to_owned()).collect(),
            reason: Some(patterns.join(" ")),
        }
    }

    /// The manifest `text` loaded from a file, or its error's message.
    fn load_text(text: &str) -> Result<Manifest, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, text).unwrap();
        load(&path).map_err(|e| e.message)
    }

    #[test]
    fn short_level_and_fail_on_typos_get_a_did_you_mean() {
        let help = |text: &str| {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join(FILE_NAME);
            std::fs::write(&path, text).unwrap();
            load(&path).err().and_then(|e| e.help).unwrap_or_default()
        };
        let level = help("[lint.rules]\n\"pool-unbounded\" = \"of\"\n");
        assert_eq!(level, "did you mean `off`?");
        let fail_on = help("[lint]\nfail-on = \"eror\"\n");
        assert_eq!(fail_on, "did you mean `error`?");
    }

    #[test]
    fn rule_options_are_refused_outside_their_range_and_take_design_names() {
        let option = |value: &str| {
            load_text(&format!(
                "[lint.rules]\n\"pool-saturated-by-declared-load\" = {{ warn-utilization = {value} }}\n"
            ))
        };
        assert!(option("0.8").is_ok());
        let refused = option("-1").err().unwrap_or_default();
        assert!(
            refused.contains(
                "warn-utilization is -1, but pool-saturated-by-declared-load takes more than 0, up to 1"
            ),
            "{refused}"
        );
        assert!(option("7").is_err());
        // A bound of 0 % is exceeded by every loaded pool: refused at the value.
        let zero = option("0").err().unwrap_or_default();
        assert!(
            zero.contains("warn-utilization is 0, but pool-saturated-by-declared-load takes more than 0, up to 1"),
            "{zero}"
        );
        assert!(option("1").is_ok());
        let free = |value: &str| {
            load_text(&format!(
                "[lint.rules]\n\"no-db-connection-headroom\" = {{ min-free-share = {value} }}\n"
            ))
        };
        assert!(free("0").is_ok());
        let all = free("1").err().unwrap_or_default();
        assert!(
            all.contains(
                "min-free-share is 1, but no-db-connection-headroom takes 0 to less than 1"
            ),
            "{all}"
        );
        let share = load_text(
            "[lint.rules]\n\"acquire-timeout-exceeds-request-deadline\" = { max-share = 0 }\n",
        );
        assert!(share.is_err());
        let design = load_text(
            "[lint.rules]\n\"pool-saturated-by-declared-load\" = { level = \"error\", max-utilization = 0.8 }\n",
        );
        let settings = design.map(|m| m.lint).unwrap();
        let rule = settings
            .rules
            .get("pool-saturated-by-declared-load")
            .unwrap();
        let meta = crate::rules::find("pool-saturated-by-declared-load")
            .unwrap()
            .meta();
        assert_eq!(rule.options.get(&meta.options[0]), 0.8);
        // The alias beside the option's own name: which one counts is not for the
        // reader to guess.
        let both = load_text(
            "[lint.rules]\n\"pool-saturated-by-declared-load\" = { max-utilization = 0.8, warn-utilization = 0.9 }\n",
        )
        .err()
        .unwrap_or_default();
        assert!(
            both.contains("`warn-utilization` and `max-utilization` both set warn-utilization"),
            "{both}"
        );
    }

    /// A count of edits has no fraction: 1.5 was accepted and truncated to 1.
    #[test]
    fn a_whole_number_option_refuses_a_fraction() {
        let distance = |value: &str| {
            load_text(&format!(
                "[lint.rules]\n\"unknown-or-dead-pool-key\" = {{ max-edit-distance = {value} }}\n"
            ))
        };
        assert!(distance("1").is_ok());
        assert!(distance("1.0").is_ok());
        let refused = distance("1.5").err().unwrap_or_default();
        assert!(
            refused.contains(
                "max-edit-distance is 1.5, but unknown-or-dead-pool-key takes a whole number, 0 to 5"
            ),
            "{refused}"
        );
    }

    #[test]
    fn ignore_paths_name_directories_as_gitignore_does_and_may_start_with_dot_slash() {
        let manifest = load_text(
            "[[lint.ignore]]\npaths = [\"legacy\"]\nreason = \"bare\"\n\n\
             [[lint.ignore]]\npaths = [\"./old/**\", \"tools/\"]\nreason = \"dot\"\n",
        )
        .unwrap();
        let dir = manifest.path.parent().unwrap().to_path_buf();
        let reason = |path: &str| {
            manifest
                .lint
                .ignore_entry("pool-unbounded", &dir.join(path))
                .and_then(|e| e.reason.clone())
        };
        assert_eq!(reason("legacy/app.yml").as_deref(), Some("bare"));
        assert_eq!(reason("legacy").as_deref(), Some("bare"));
        assert_eq!(reason("old/a/b.yml").as_deref(), Some("dot"));
        assert_eq!(reason("tools/pgbouncer.ini").as_deref(), Some("dot"));
        assert_eq!(reason("legacy2/app.yml"), None);
        assert_eq!(reason("app/legacy.yml"), None);
        let empty = load_text("[[lint.ignore]]\npaths = [\"\"]\n").err();
        assert!(
            empty.as_deref().is_some_and(|e| e.contains("empty path")),
            "{empty:?}"
        );
        // Entries that match nothing, or name no rule, are errors too.
        for (text, error) in [
            (
                "[[lint.ignore]]\nrules = [\"pool-unbounded\"]\n",
                "has no `paths`",
            ),
            ("[[lint.ignore]]\npaths = []\n", "`paths` is empty"),
            (
                "[[lint.ignore]]\npaths = [\"a\"]\nrules = []\n",
                "`rules` is empty",
            ),
        ] {
            let found = load_text(text).err();
            assert!(
                found.as_deref().is_some_and(|e| e.contains(error)),
                "{text}: {found:?}"
            );
        }
    }

    /// An absolute path inside the manifest's directory is read as `--exclude` reads
    /// one (it matched nothing, silently); one that can never match a file is an error.
    #[test]
    fn ignore_paths_may_be_absolute_inside_the_manifests_directory() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().display().to_string();
        let path = dir.path().join(FILE_NAME);
        let text = format!(
            "[[lint.ignore]]\npaths = [\"{root}/legacy\", \"tools/../old\"]\nreason = \"abs\"\n"
        );
        std::fs::write(&path, text).unwrap();
        let manifest = load(&path).map_err(|e| e.message).unwrap();
        let reason = |file: &str| {
            manifest
                .lint
                .ignore_entry("pool-unbounded", &dir.path().join(file))
                .and_then(|e| e.reason.clone())
        };
        assert_eq!(reason("legacy/app.yml").as_deref(), Some("abs"));
        assert_eq!(reason("old/app.yml").as_deref(), Some("abs"));
        assert_eq!(reason("app/legacy/app.yml"), None);
        for (written, error) in [
            ("/elsewhere/legacy", "is outside the manifest's directory"),
            ("../legacy", "leads out of the manifest's directory"),
            ("a/../../legacy", "leads out of the manifest's directory"),
        ] {
            let found = load_text(&format!("[[lint.ignore]]\npaths = [\"{written}\"]\n")).err();
            assert!(
                found.as_deref().is_some_and(|e| e.contains(error)),
                "{written}: {found:?}"
            );
        }
    }

    /// A `[lint]` value of the wrong type held no key poollint looked at, so it was
    /// ignored silently: `[lint.ignore]` written for `[[lint.ignore]]` ignored nothing.
    #[test]
    fn lint_values_of_the_wrong_type_are_errors() {
        for (text, error) in [
            (
                "[lint.ignore]\npaths = [\"x\"]\n",
                "`lint.ignore` must be an array of tables: write [[lint.ignore]]",
            ),
            (
                "[lint]\nignore = 1\n",
                "`lint.ignore` must be an array of tables",
            ),
            (
                "[lint]\nignore = {paths = [\"x\"]}\n",
                "`lint.ignore` must be an array of tables",
            ),
            (
                "[lint]\nignore = [1]\n",
                "each `lint.ignore` must be a table",
            ),
            (
                "[[lint.rules]]\npool-unbounded = \"off\"\n",
                "`lint.rules` must be a table: write [lint.rules]",
            ),
            ("[lint]\nrules = 1\n", "`lint.rules` must be a table"),
            (
                "[lint]\nrules = [\"pool-unbounded\"]\n",
                "`lint.rules` must be a table",
            ),
            ("lint = 3\n", "`lint` must be a table: write [lint]"),
            ("[[lint]]\nfail-on = \"never\"\n", "`lint` must be a table"),
        ] {
            let found = load_text(text).err();
            assert!(
                found.as_deref().is_some_and(|e| e.contains(error)),
                "{text}: {found:?}"
            );
        }
        let inline =
            load_text("[lint]\nignore = [{paths = [\"x\"]}]\n").map(|m| m.lint.ignore.len());
        assert_eq!(inline, Ok(1));
    }

    #[test]
    fn the_first_ignore_entry_in_the_manifest_that_matches_path_and_rule_wins() {
        let settings = LintSettings {
            ignore: vec![
                entry(&["legacy/**"], &["pool-unbounded"]),
                entry(&["other/**", "legacy/old/**"], &[]),
                entry(&["legacy/**"], &[]),
            ],
            ..LintSettings::default()
        };
        let reason = |rule: &str, path: &str| {
            settings
                .ignore_entry(rule, Path::new(path))
                .and_then(|e| e.reason.clone())
        };
        assert_eq!(
            reason("pool-unbounded", "legacy/old/a.yml").as_deref(),
            Some("legacy/**")
        );
        assert_eq!(
            reason("pool-size-invalid", "legacy/old/a.yml").as_deref(),
            Some("other/** legacy/old/**")
        );
        assert_eq!(
            reason("pool-size-invalid", "legacy/a.yml").as_deref(),
            Some("legacy/**")
        );
        assert_eq!(reason("pool-size-invalid", "app/a.yml"), None);
    }
}
