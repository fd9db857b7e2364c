//! Baselines (DESIGN.md §8): adopt poollint on a repository with existing findings.
//! `--write-baseline F` records every current finding as `{path, rule, key, fingerprint,
//! count}`; `--baseline F` hides findings that match an entry and reports entries that
//! no longer match anything. The fingerprint is rule + path + key + the finding's
//! values, not its line: moving lines keeps a finding baselined, changing the value
//! that caused it makes it new again. Paths (and the fingerprints made of them) are
//! relative to the baseline's repository root, else its directory: never to where
//! poollint runs, so a baseline matches from anywhere.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;
use crate::source::{FileId, SourceMap};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Entry {
    pub path: String,
    pub rule: String,
    pub key: Option<String>,
    pub fingerprint: String,
    /// How many identical findings this entry accepts.
    pub count: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    pub entries: Vec<Entry>,
}

/// Where a baseline's paths start from: its repository's root (the nearest directory at
/// or above it holding `.git`), else its own directory. Never the current directory, so
/// a baseline matches wherever poollint runs from.
#[derive(Debug, Clone)]
struct Origin {
    /// The baseline's own directory.
    dir: PathBuf,
    /// The root of the repository holding the baseline, if any.
    root: Option<PathBuf>,
}

impl Origin {
    fn of(baseline: &Path) -> Self {
        let dir = crate::source::absolute(baseline.parent().unwrap_or(Path::new(".")));
        let root = crate::source::repository_of(&dir);
        Origin { dir, root }
    }

    /// How an entry names `file`: relative to the repository root when it is inside
    /// it, else relative to the baseline's directory (climbing out with `..`).
    fn name(&self, file: &Path) -> String {
        self.root
            .as_deref()
            .and_then(|root| crate::source::inside(root, file))
            .unwrap_or_else(|| crate::source::relative_path(&self.dir, file))
    }

    /// How a baseline written before paths were repository-relative named `file`:
    /// relative to its directory inside it, else as displayed then. Such a baseline
    /// still matches where it did.
    fn old_name(&self, file: &Path) -> String {
        crate::source::path_from(&self.dir, file)
    }

    /// Whether `entry` names a file that exists, read either way (or as displayed).
    fn exists(&self, entry: &Entry) -> bool {
        let path = Path::new(&entry.path);
        self.root.as_deref().is_some_and(|r| r.join(path).exists())
            || self.dir.join(path).exists()
            || path.exists()
    }
}

/// The names of one file in a baseline: as entries name it now and, when different, as
/// an older baseline did.
struct Names {
    path: String,
    old: Option<String>,
}

/// How a baseline names the files of `sources` (computed once per file).
struct RecordedPaths<'s> {
    origin: &'s Origin,
    sources: &'s SourceMap,
    known: HashMap<FileId, Names>,
}

impl<'s> RecordedPaths<'s> {
    fn new(origin: &'s Origin, sources: &'s SourceMap) -> Self {
        RecordedPaths {
            origin,
            sources,
            known: HashMap::new(),
        }
    }

    fn of(&mut self, file: FileId) -> &Names {
        let (origin, sources) = (self.origin, self.sources);
        self.known
            .entry(file)
            .or_insert_with(|| match sources.get(file) {
                Some(source) => {
                    let path = origin.name(&source.path);
                    let old = Some(origin.old_name(&source.path)).filter(|old| *old != path);
                    Names { path, old }
                }
                None => Names {
                    path: sources.display(file).to_owned(),
                    old: None,
                },
            })
    }
}

/// The fingerprint under which `counts` accepts `d` (named `names`): the current one,
/// or the old-style one when only that is recorded. The current one when neither is.
fn recorded_fingerprint(d: &Diagnostic, names: &Names, counts: &HashMap<String, usize>) -> String {
    let fingerprint = d.fingerprint(&names.path);
    if counts.contains_key(&fingerprint) {
        return fingerprint;
    }
    names
        .old
        .as_deref()
        .map(|old| d.fingerprint(old))
        .filter(|old| counts.contains_key(old))
        .unwrap_or(fingerprint)
}

/// The baseline at `baseline` that accepts exactly `diagnostics`.
pub fn from_findings<'d>(
    diagnostics: impl IntoIterator<Item = &'d Diagnostic>,
    sources: &SourceMap,
    baseline: &Path,
) -> Baseline {
    let origin = Origin::of(baseline);
    let mut paths = RecordedPaths::new(&origin, sources);
    let mut grouped: BTreeMap<(String, String, String), Entry> = BTreeMap::new();
    for d in diagnostics {
        let path = paths.of(d.primary.file).path.clone();
        let fingerprint = d.fingerprint(&path);
        let entry = grouped
            .entry((path.clone(), d.rule.to_owned(), fingerprint.clone()))
            .or_insert_with(|| Entry {
                path,
                rule: d.rule.to_owned(),
                key: d.key.as_deref().map(str::to_owned),
                fingerprint,
                count: 0,
            });
        entry.count += 1;
    }
    Baseline {
        version: BASELINE_VERSION,
        entries: grouped.into_values().collect(),
    }
}

/// `fresh`, with the entries of the baseline already at `path` whose files this run
/// did not check (`report`'s files, less those read only as context) and that still
/// exist: refreshing part of the tree (a pre-commit hook's files, `--stdin-filename`)
/// keeps the rest of the team's entries. An unreadable baseline there is replaced.
/// Returns how many entries were kept.
pub fn keep_unchecked(path: &Path, fresh: &mut Baseline, report: &crate::engine::Report) -> usize {
    let Ok(previous) = read(path) else {
        return 0;
    };
    let origin = Origin::of(path);
    let mut checked = HashSet::new();
    let files = report.sources.files().iter();
    for file in files.filter(|f| !report.context.contains(&f.id)) {
        checked.insert(origin.name(&file.path));
        checked.insert(origin.old_name(&file.path));
    }
    let kept: Vec<Entry> = previous
        .entries
        .into_iter()
        .filter(|e| !checked.contains(&e.path) && origin.exists(e))
        .collect();
    let count = kept.len();
    fresh.entries.extend(kept);
    // In the order `from_findings` writes: a refresh changes only what changed.
    fresh.entries.sort_by(|a, b| {
        (&a.path, &a.rule, &a.fingerprint).cmp(&(&b.path, &b.rule, &b.fingerprint))
    });
    count
}

pub fn write(path: &Path, baseline: &Baseline) -> Result<(), String> {
    let mut text = serde_json::to_string_pretty(baseline).map_err(|e| e.to_string())?;
    text.push('\n');
    std::fs::write(path, text).map_err(|e| format!("cannot write baseline {}: {e}", path.display()))
}

/// Most bytes a baseline is read to (about a million findings): a safety bound, so a
/// baseline that is a link to a device is not read forever.
const MAX_BASELINE_BYTES: u64 = 256 * 1024 * 1024;

pub fn read(path: &Path) -> Result<Baseline, String> {
    let text = crate::source::read_text(path, MAX_BASELINE_BYTES)
        .map_err(|e| format!("cannot read baseline {}: {e}", path.display()))?;
    let mut baseline: Baseline = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{}:{}:{}: not a poollint baseline: {e}",
            path.display(),
            e.line(),
            // serde_json gives 0 at a line's start (the end of the text); columns are 1-based.
            e.column().max(1)
        )
    })?;
    // A later format may key entries otherwise: read as this one, every entry would
    // be stale and every finding new.
    if baseline.version != BASELINE_VERSION {
        return Err(format!(
            "{}: baseline version {} is not one this poollint reads (it reads and writes version {BASELINE_VERSION}); write it again with --write-baseline",
            path.display(),
            baseline.version
        ));
    }
    // `risky-pool-change` compares with a revision, so no baseline accepts it: the
    // entry an earlier poollint wrote neither hides a change nor goes stale.
    let risky = crate::rules::change::risky_pool_change::META.name;
    baseline.entries.retain(|e| e.rule != risky);
    Ok(baseline)
}

/// The baseline format this poollint reads and writes.
const BASELINE_VERSION: u32 = 1;

/// A baseline file as the shares of a run apply it: read and indexed once, with what
/// any share matched, so each share costs its own findings, not the whole baseline
/// (a baseline per share of a 10,000-manifest run was quadratic).
struct Applied {
    baseline: Baseline,
    /// Where its paths start from.
    origin: Origin,
    /// Fingerprint → how many findings it accepts (of repeated fingerprints, the last
    /// entry's count).
    counts: HashMap<String, usize>,
    /// The fingerprints some share matched.
    matched: HashSet<String>,
    /// The files (as entries name them) some share applying it checked: an entry of a
    /// file not checked (a subset of the tree) may still match.
    checked: HashSet<String>,
    /// Rules some share applying it does not run (`--select`, `--ignore`, `off` in
    /// `[lint.rules]`): their entries cannot match, so they are not stale.
    rules_off: HashSet<&'static str>,
    /// Entries whose file a share's `[[lint.ignore]]` exempts from their rule.
    ignored: HashSet<usize>,
    /// Entry indices by the path they name.
    by_path: HashMap<String, Vec<usize>>,
}

impl Applied {
    fn new(baseline: Baseline, path: &Path) -> Self {
        let counts = baseline
            .entries
            .iter()
            .map(|e| (e.fingerprint.clone(), e.count))
            .collect();
        let mut by_path: HashMap<String, Vec<usize>> = HashMap::new();
        for (index, entry) in baseline.entries.iter().enumerate() {
            by_path.entry(entry.path.clone()).or_default().push(index);
        }
        Applied {
            baseline,
            origin: Origin::of(path),
            counts,
            matched: HashSet::new(),
            checked: HashSet::new(),
            rules_off: HashSet::new(),
            ignored: HashSet::new(),
            by_path,
        }
    }

    /// Drop the findings of one share that the baseline accepts: each share may use
    /// every entry's full count.
    fn hide(
        &mut self,
        diagnostics: &mut Vec<Diagnostic>,
        sources: &SourceMap,
        request: &crate::engine::CheckRequest,
    ) {
        self.rules_off.extend(
            crate::rules::registry()
                .iter()
                .map(|rule| rule.meta().name)
                .filter(|name| crate::engine::rule_level(name, request).is_none()),
        );
        let mut paths = RecordedPaths::new(&self.origin, sources);
        let counts = &self.counts;
        let mut used: HashMap<String, usize> = HashMap::new();
        diagnostics.retain(|d| {
            let fingerprint = recorded_fingerprint(d, paths.of(d.primary.file), counts);
            let accepted = counts.get(&fingerprint).copied().unwrap_or(0);
            let used = used.entry(fingerprint).or_insert(0);
            let hidden = *used < accepted;
            if hidden {
                *used += 1;
            }
            !hidden
        });
        self.matched
            .extend(used.into_iter().filter(|(_, n)| *n > 0).map(|(f, _)| f));
    }

    /// Count as matched the entries that findings `--diff-base` left out (at `path`)
    /// match: those findings still exist, on lines the change did not touch.
    fn match_left_out(&mut self, left_out: &[&Diagnostic], sources: &SourceMap) {
        let mut paths = RecordedPaths::new(&self.origin, sources);
        for d in left_out {
            let fingerprint = recorded_fingerprint(d, paths.of(d.primary.file), &self.counts);
            if self.counts.contains_key(&fingerprint) {
                self.matched.insert(fingerprint);
            }
        }
    }

    /// Whether the file of `entry` was checked, or is gone: only then can no finding
    /// match it any more.
    fn in_reach(&self, entry: &Entry) -> bool {
        self.checked.contains(&entry.path) || !self.origin.exists(entry)
    }

    /// Note `file` as checked, under each name an entry may give it.
    fn check(&mut self, file: &Path) {
        let path = self.origin.name(file);
        let old = self.origin.old_name(file);
        if old != path {
            self.checked.insert(old);
        }
        self.checked.insert(path);
    }

    /// The entries no share matched, of files checked or gone and of rules every share
    /// applying the file selected, each once.
    fn stale(&self) -> Vec<&Entry> {
        let mut seen = HashSet::new();
        self.baseline
            .entries
            .iter()
            .enumerate()
            .filter(|(index, e)| {
                !self.matched.contains(&e.fingerprint)
                    && self.counts.get(&e.fingerprint) == Some(&e.count)
                    && !self.rules_off.contains(e.rule.as_str())
                    && !self.ignored.contains(index)
                    && self.in_reach(e)
            })
            .map(|(_, e)| e)
            .filter(|e| seen.insert(*e))
            .collect()
    }

    /// Note the entries of `file` whose rule `ignore` (a `[[lint.ignore]]` index of the
    /// settings applying the file) exempts there.
    fn note_ignored(&mut self, file: &Path, ignore: &crate::manifest::IgnoreIndex, path: &str) {
        let matching = ignore.matching(path);
        if matching.is_empty() {
            return;
        }
        for name in [self.origin.name(file), self.origin.old_name(file)] {
            for &index in self.by_path.get(&name).into_iter().flatten() {
                let exempt = self
                    .baseline
                    .entries
                    .get(index)
                    .is_some_and(|e| ignore.entry(&matching, &e.rule).is_some());
                if exempt {
                    self.ignored.insert(index);
                }
            }
        }
    }
}

/// Hide the findings of a run's shares ([`crate::scopes`]) that a baseline records: each
/// finding by the baseline of the manifest governing its file (`given`, `--baseline`,
/// for all). Return a note for each entry that matches nothing any more: one matched
/// by no share that applied its file.
pub fn apply_to_shares(
    given: Option<&Path>,
    scopes: &mut [crate::scopes::Scope],
) -> Result<Vec<String>, String> {
    let baselines: Vec<Option<PathBuf>> = scopes
        .iter()
        .map(|s| {
            given
                .map(Path::to_path_buf)
                .or_else(|| s.request.settings.baseline.clone())
        })
        .collect();
    let mut applied: BTreeMap<PathBuf, Applied> = BTreeMap::new();
    for path in baselines.iter().flatten() {
        if !applied.contains_key(path) {
            applied.insert(path.clone(), Applied::new(read(path)?, path));
        }
    }
    for (share, scope) in scopes.iter_mut().enumerate() {
        let own = baselines.get(share).cloned().flatten();
        let mut by_baseline: BTreeMap<PathBuf, Vec<Diagnostic>> = BTreeMap::new();
        // A share's own baseline applies even without findings: its entries are stale.
        if let Some(own) = &own {
            by_baseline.insert(own.clone(), Vec::new());
        }
        let diagnostics = std::mem::take(&mut scope.report.diagnostics);
        let left_out = std::mem::take(&mut scope.report.outside_diff);
        let governing = |file: FileId| {
            let share = scope.governing(file).unwrap_or(share);
            baselines.get(share).cloned().flatten()
        };
        // When no baseline governs any of them (most runs have none), the findings stay
        // in their vector: a second vector of them, at the end of the run, was its peak.
        let mut kept = Vec::new();
        if diagnostics
            .iter()
            .any(|d| governing(d.primary.file).is_some())
        {
            for d in diagnostics {
                match governing(d.primary.file) {
                    Some(path) => by_baseline.entry(path).or_default().push(d),
                    None => kept.push(d),
                }
            }
        } else {
            kept = diagnostics;
        }
        let settings = &scope.request.settings;
        note_checked(&mut applied, &governing, &scope.report, &left_out, settings);
        for (path, mut diagnostics) in by_baseline {
            if let Some(baseline) = applied.get_mut(&path) {
                baseline.hide(&mut diagnostics, &scope.report.sources, &scope.request);
            }
            kept.extend(diagnostics);
        }
        scope.report.diagnostics = kept;
    }
    let notes = applied.iter().flat_map(|(path, baseline)| {
        baseline.stale().into_iter().map(move |entry| {
            format!(
                "baseline entry no longer matches a finding (fixed? remove it from {}): {} {} {}",
                path.display(),
                entry.path,
                entry.rule,
                entry.key.as_deref().unwrap_or("")
            )
        })
    });
    Ok(notes.collect())
}

/// Record, for each baseline, the files of `report` it governs (as its entries name
/// them), and count as matched the entries that the findings `--diff-base` left out
/// (`left_out`) match.
fn note_checked(
    applied: &mut BTreeMap<PathBuf, Applied>,
    governing: &dyn Fn(FileId) -> Option<PathBuf>,
    report: &crate::engine::Report,
    left_out: &[Diagnostic],
    settings: &crate::manifest::LintSettings,
) {
    let ignore = (!settings.ignore.is_empty()).then(|| settings.ignore_index());
    // A file read only as context (for the topology) was not checked: its entries
    // may still match a finding of a check that names it.
    let checked = report
        .sources
        .files()
        .iter()
        .filter(|f| !report.context.contains(&f.id));
    for file in checked {
        let Some(path) = governing(file.id) else {
            continue;
        };
        if let Some(baseline) = applied.get_mut(&path) {
            baseline.check(&file.path);
            if let Some(ignore) = &ignore {
                baseline.note_ignored(&file.path, ignore, &settings.ignore_path(&file.path));
            }
        }
    }
    let mut by_baseline: BTreeMap<PathBuf, Vec<&Diagnostic>> = BTreeMap::new();
    for d in left_out {
        if let Some(path) = governing(d.primary.file) {
            by_baseline.entry(path).or_default().push(d);
        }
    }
    for (path, diagnostics) in by_baseline {
        if let Some(baseline) = applied.get_mut(&path) {
            baseline.match_left_out(&diagnostics, &report.sources);
        }
    }
}
