//! Monorepos (DESIGN.md §4): each `poollint.toml` governs the files below it, and the
//! nearest one wins. The walk meets every manifest below the paths checked, and the
//! nearest manifest above each path is looked up; the files found are split by the
//! nearest manifest, each share is checked as if checked on its own (its manifest's
//! rule levels, ignores and topology), and the reports are merged into one.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::diagnostic::Diagnostic;
use crate::engine::{self, Candidate, CheckRequest, Report};
use crate::manifest::{self, FailOn, Manifest, ManifestError};
use crate::rules::engine_rules;
use crate::rules::Inputs;
use crate::source::{self, FileId, SourceFile, Span};

/// One manifest's share of a run.
pub struct Scope {
    /// The check of this share: its manifest, settings and paths.
    pub request: CheckRequest,
    pub report: Report,
    /// Files this share read only because its topology names them, which another
    /// share governs: that share's settings apply to their findings (by its index in
    /// the run's shares; None: its manifest cannot be used, and its files are not
    /// checked).
    foreign: HashMap<FileId, Option<usize>>,
}

impl Scope {
    /// The share governing `file` when it is another (its index among the run's).
    pub fn governing(&self, file: FileId) -> Option<usize> {
        self.foreign.get(&file).copied().flatten()
    }

    /// The fail-on level of the manifest governing the file of `d`.
    pub fn fail_on(&self, d: &Diagnostic, scopes: &[Scope]) -> FailOn {
        let governing = self
            .governing(d.primary.file)
            .and_then(|share| scopes.get(share))
            .unwrap_or(self);
        governing.request.settings.fail_on
    }

    /// `d` as the manifest governing its file has it, if at all (see
    /// [`settle_foreign_findings`]).
    fn settled(&self, d: &Diagnostic, scopes: &[Scope]) -> Option<Diagnostic> {
        let Some(&governing) = self.foreign.get(&d.primary.file) else {
            return Some(d.clone());
        };
        let from_topology = crate::rules::find(d.rule)
            .is_some_and(|r| matches!(r.meta().inputs, Inputs::NeedsLoad | Inputs::NeedsTopology));
        let governing = &scopes.get(governing?)?.request;
        let level = engine::rule_level(d.rule, governing).filter(|_| from_topology)?;
        let path = self.report.sources.get(d.primary.file)?.path.as_path();
        if governing.settings.ignore_entry(d.rule, path).is_some() {
            return None;
        }
        let mut d = d.clone();
        d.severity = level.unwrap_or(d.rule_severity);
        Some(d)
    }
}

/// Settle the findings each share made on files another share governs (read because its
/// topology names them). One of the file alone, or of the engine, is the governing
/// share's to make, with its rule options: it is dropped. One of the load or topology
/// this share declares only this share can make: it stays, under the governing
/// manifest's rule levels and `[[lint.ignore]]` (and, in [`Scope::fail_on`], its
/// fail-on). Once the findings are final, before baselines.
pub fn settle_foreign_findings(scopes: &mut [Scope]) {
    let settled: Vec<Option<Vec<Diagnostic>>> = scopes
        .iter()
        .map(|scope| {
            (!scope.foreign.is_empty()).then(|| {
                scope
                    .report
                    .diagnostics
                    .iter()
                    .filter_map(|d| scope.settled(d, scopes))
                    .collect()
            })
        })
        .collect();
    for (scope, diagnostics) in scopes.iter_mut().zip(settled) {
        if let Some(diagnostics) = diagnostics {
            scope.report.diagnostics = diagnostics;
        }
    }
    drop_suppressions_used_elsewhere(scopes);
}

/// A suppression in a file two shares read (one governs it, the other's topology names
/// it) is used when either share's finding needed it: one share alone calling it
/// unused (the governing share, which does not see the other's topology finding) is
/// not reported.
fn drop_suppressions_used_elsewhere(scopes: &mut [Scope]) {
    if scopes.len() < 2 {
        return;
    }
    // The shares may spell a file differently (walked, or named by a manifest).
    let used: HashSet<(PathBuf, Span)> = scopes
        .iter()
        .flat_map(|scope| scope.report.used_suppressions.iter())
        .map(|(path, span)| (source::absolute(path), *span))
        .collect();
    if used.is_empty() {
        return;
    }
    let unused = engine_rules::UNUSED_SUPPRESSION.name;
    for scope in scopes.iter_mut() {
        let report = &mut scope.report;
        let sources = &report.sources;
        report.diagnostics.retain(|d| {
            d.rule != unused
                || !sources
                    .get(d.primary.file)
                    .is_some_and(|f| used.contains(&(source::absolute(&f.path), d.primary.span)))
        });
    }
}

/// A run split by manifest.
pub struct Checked {
    pub scopes: Vec<Scope>,
    /// Manifests below the first path's that cannot be used: the files they govern are
    /// not checked (and the run ends with 2), the others are.
    pub manifest_errors: Vec<ManifestError>,
}

/// Check what `request` names, each file under its nearest manifest. `request.manifest`
/// is the one nearest the first path (or none), and governs what no other does. With
/// `nested` false (`--config`, standard input) it governs every file.
pub fn check(request: &CheckRequest, nested: bool) -> Checked {
    let mut walked = engine::walk_stage(request);
    if !nested {
        note_manifests_overridden(&walked.manifests, request, &mut walked.report);
    }
    let started = Instant::now();
    let governors = if nested {
        governors(request, &walked.manifests)
    } else {
        Vec::new()
    };
    // Finding and reading the manifests that split the run is part of the walk.
    walked.report.stats.walk += started.elapsed();
    if governors.is_empty() {
        // One share keeps its model: it is freed with the process, and dropping it
        // first would only cost time (shares' models are dropped when reports merge).
        let request = CheckRequest {
            keep_model: true,
            ..request.clone()
        };
        let candidates = engine::scope_candidates(&request, walked.candidates, &mut walked.report);
        let mut report = engine::check_found(&request, candidates, walked.report);
        engine::keep_findings_on_paths(&request, &mut report);
        engine::note_if_nothing_found(&request, report.files_checked(), &mut report);
        let scope = Scope {
            request,
            report,
            foreign: HashMap::new(),
        };
        return Checked {
            scopes: vec![scope],
            manifest_errors: Vec::new(),
        };
    }
    check_shares(request, governors, walked)
}

/// A manifest that governs part of a run besides the first path's.
struct Governor {
    /// Its directory, resolved.
    dir: PathBuf,
    manifest: Result<Manifest, Box<ManifestError>>,
}

/// The manifests other than `request.manifest` that govern some path: those the walk
/// met, and the nearest above each path. Sorted by directory, so the shares and their
/// reports come in the same order on every run.
fn governors(request: &CheckRequest, walked: &[PathBuf]) -> Vec<Governor> {
    let first = request
        .manifest
        .as_ref()
        .and_then(|m| resolved_dir(&m.path));
    // A manifest is known by its directory, resolved (a manifest that is a link names
    // its own directory, and is read, and reported, at the path it was found at).
    let mut found: Vec<(PathBuf, PathBuf)> = walked
        .par_iter()
        .cloned()
        .chain(nearest_above_each(&request.paths))
        .filter_map(|path| Some((resolved_dir(&path)?, path)))
        .filter(|(dir, _)| Some(dir) != first.as_ref())
        .collect();
    found.sort();
    found.dedup_by(|a, b| a.0 == b.0);
    // A monorepo may have a manifest per service: read in parallel, kept in order.
    found
        .into_par_iter()
        .map(|(dir, path)| Governor {
            dir,
            manifest: manifest::load(&path).and_then(|m| {
                match m.baseline_error().filter(|_| request.manifest_baselines) {
                    Some(error) => Err(error),
                    None => Ok(m),
                }
            }),
        })
        .collect()
}

/// The directory of `file`, resolved: what a manifest is known by.
pub(crate) fn resolved_dir(file: &Path) -> Option<PathBuf> {
    std::fs::canonicalize(parent(file)).ok()
}

/// The nearest manifest at or above each path (looked up once per directory: a
/// pre-commit hook may name thousands of files).
fn nearest_above_each(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut by_dir: HashMap<PathBuf, Option<PathBuf>> = HashMap::new();
    for path in paths {
        by_dir
            .entry(source::containing_dir(path).to_path_buf())
            .or_insert_with_key(|dir| manifest::discover(dir));
    }
    by_dir.into_values().flatten().collect()
}

/// Split the walked files by governor (share 0 is `request.manifest`'s), then check
/// each share.
fn check_shares(
    request: &CheckRequest,
    governors: Vec<Governor>,
    walked: engine::Walked,
) -> Checked {
    let owners = Owners::new(request, &governors);
    let (shares, owned) = split(walked.candidates, &owners, governors.len() + 1);
    let (requests, manifest_errors) = share_requests(request, governors, &owners);
    let mut first_report = walked.report;
    // The walk's time stays share 0's; the shares' own times are scaled below.
    let walk_stats = std::mem::take(&mut first_report.stats);
    let mut reports = vec![first_report];
    reports.resize_with(requests.len(), Report::default);
    let started = Instant::now();
    // Shares in parallel: a monorepo may have a manifest per service of a few files,
    // and one after another each would use one thread.
    let results: Vec<Result<(Scope, usize), (PathBuf, usize)>> = requests
        .into_par_iter()
        .zip(shares)
        .zip(reports)
        .enumerate()
        .map(|(share, ((request, files), report))| match request {
            Ok(request) => Ok(check_share(request, files, report, share, &owned)),
            Err(dir) => Err((dir, files.len())),
        })
        .collect();
    let wall = started.elapsed();
    let (mut scopes, found) = gather(results);
    share_wall_time(wall, &mut scopes);
    if let Some(first) = scopes.first_mut() {
        first.report.stats.add(&walk_stats);
        engine::note_if_nothing_found(request, found, &mut first.report);
    }
    Checked {
        scopes,
        manifest_errors,
    }
}

/// The walked files of each of `count` shares, and the share of each file by its
/// resolved path.
fn split(
    candidates: Vec<Candidate>,
    owners: &Owners,
    count: usize,
) -> (Vec<Vec<Candidate>>, HashMap<PathBuf, usize>) {
    let mut shares: Vec<Vec<Candidate>> = vec![Vec::new(); count];
    let identities = identities(candidates.iter().map(|c| c.0.as_path()));
    let mut owned: HashMap<PathBuf, usize> = HashMap::new();
    for (candidate, identity) in candidates.into_iter().zip(identities) {
        let share = owners.of(&identity);
        owned.insert(identity, share);
        if let Some(files) = shares.get_mut(share) {
            files.push(candidate);
        }
    }
    (shares, owned)
}

/// Each share's request (share 0's from `request`), or the directory of a manifest that
/// cannot be used, with the errors that say why.
type ShareRequests = (Vec<Result<CheckRequest, PathBuf>>, Vec<ManifestError>);

fn share_requests(
    request: &CheckRequest,
    governors: Vec<Governor>,
    owners: &Owners,
) -> ShareRequests {
    let template = share_template(request);
    let first = (request.manifest.clone(), request.settings.clone());
    let mut requests = vec![Ok(share_request(&template, first, owners, 0))];
    let mut errors = Vec::new();
    for (i, governor) in governors.into_iter().enumerate() {
        requests.push(match governor.manifest {
            Ok(manifest) => {
                let settings = manifest.lint.clone();
                Ok(share_request(
                    &template,
                    (Some(manifest), settings),
                    owners,
                    i + 1,
                ))
            }
            Err(error) => {
                errors.push(*error);
                Err(governor.dir)
            }
        });
    }
    (requests, errors)
}

/// The shares checked, in order, and how many files they had; a note for the files of
/// each manifest that cannot be used. A share's foreign files then point at the
/// governing share's place among those checked.
fn gather(results: Vec<Result<(Scope, usize), (PathBuf, usize)>>) -> (Vec<Scope>, usize) {
    let mut found = 0;
    let mut scopes: Vec<Scope> = Vec::new();
    let mut place: Vec<Option<usize>> = Vec::new();
    for result in results {
        match result {
            Ok((scope, _)) => {
                found += scope.report.files_checked();
                place.push(Some(scopes.len()));
                scopes.push(scope);
            }
            Err((dir, files)) => {
                place.push(None);
                note_not_checked(&dir, files, scopes.first_mut());
            }
        }
    }
    for scope in &mut scopes {
        for governing in scope.foreign.values_mut() {
            *governing = governing.and_then(|share| place.get(share).copied().flatten());
        }
    }
    (scopes, found)
}

/// Check one share's files; with how many there were.
fn check_share(
    request: CheckRequest,
    files: Vec<Candidate>,
    mut report: Report,
    share: usize,
    owned: &HashMap<PathBuf, usize>,
) -> (Scope, usize) {
    let walked: HashSet<PathBuf> = files.iter().map(|c| c.0.clone()).collect();
    let files = engine::scope_candidates(&request, files, &mut report);
    let count = files.len();
    let report = engine::check_found(&request, files, report);
    let foreign = foreign_files(&report, share, &walked, owned);
    let scope = Scope {
        request,
        report,
        foreign,
    };
    (scope, count)
}

/// Shares run at once, each timing its stages: their times add up to more than the
/// wall time they took together, so each is scaled to its part of that wall time (as
/// the engine splits the time of units read at once).
fn share_wall_time(wall: Duration, scopes: &mut [Scope]) {
    let mut total = engine::Stats::default();
    for scope in scopes.iter() {
        total.add(&scope.report.stats);
    }
    let busy = (total.walk + total.read + total.parse + total.model + total.rules).as_secs_f64();
    if busy > wall.as_secs_f64() {
        let factor = wall.as_secs_f64() / busy;
        for scope in scopes.iter_mut() {
            scope.report.stats.scale(factor);
        }
    }
}

/// The files below a manifest that cannot be used are not checked (with the settings
/// of another manifest they could pass or fail wrongly): say how many.
fn note_not_checked(dir: &Path, files: usize, first: Option<&mut Scope>) {
    if let (Some(first), true) = (first, files > 0) {
        first.report.notes.push(format!(
            "{files} file(s) below {} not checked: its {} cannot be used (above)",
            source::display_path(dir),
            manifest::FILE_NAME
        ));
    }
}

/// Which share governs a file: the one whose manifest's directory is the nearest above
/// it, else share 0.
struct Owners {
    /// Each share's directory (share 0's is None without a manifest), resolved.
    dirs: Vec<Option<PathBuf>>,
    /// The share of each of those directories.
    by_dir: HashMap<PathBuf, usize>,
    /// The paths checked (as given), by the share governing each.
    paths: HashMap<usize, Vec<PathBuf>>,
    /// The paths checked, resolved, with the share governing each.
    resolved_paths: HashMap<PathBuf, usize>,
    /// The shares whose directory is directly inside each share's (share 0 without a
    /// manifest: those inside no other).
    children: Vec<Vec<usize>>,
}

impl Owners {
    fn new(request: &CheckRequest, governors: &[Governor]) -> Self {
        let first = request
            .manifest
            .as_ref()
            .and_then(|m| resolved_dir(&m.path));
        let dirs: Vec<Option<PathBuf>> = std::iter::once(first)
            .chain(governors.iter().map(|g| Some(g.dir.clone())))
            .collect();
        let by_dir = dirs
            .iter()
            .enumerate()
            .filter_map(|(share, dir)| Some((dir.clone()?, share)))
            .collect();
        let mut owners = Owners {
            children: vec![Vec::new(); dirs.len()],
            dirs,
            by_dir,
            paths: HashMap::new(),
            resolved_paths: HashMap::new(),
        };
        let resolved = identities(request.paths.iter().map(PathBuf::as_path));
        for (path, resolved) in request.paths.iter().zip(resolved) {
            let share = owners.of(&resolved);
            owners.paths.entry(share).or_default().push(path.clone());
            owners.resolved_paths.insert(resolved, share);
        }
        for share in 1..owners.dirs.len() {
            let outer = owners.dirs.get(share).cloned().flatten().and_then(|dir| {
                let parent = dir.parent()?;
                owners.enclosing(parent)
            });
            let outer = match outer {
                Some(outer) => Some(outer),
                None => owners
                    .dirs
                    .first()
                    .is_some_and(Option::is_none)
                    .then_some(0),
            };
            if let Some(children) = outer.and_then(|o| owners.children.get_mut(o)) {
                children.push(share);
            }
        }
        owners
    }

    /// The share whose directory is the nearest at or above `path`.
    fn enclosing(&self, path: &Path) -> Option<usize> {
        path.ancestors()
            .find_map(|dir| self.by_dir.get(dir).copied())
    }

    /// The share governing the resolved path `file`.
    fn of(&self, file: &Path) -> usize {
        self.enclosing(file).unwrap_or(0)
    }

    /// The paths checked that `share` governs, and its manifest's directory when the
    /// walk of another share's path met it.
    fn paths_of(&self, share: usize) -> Vec<PathBuf> {
        let mut paths = self.paths.get(&share).cloned().unwrap_or_default();
        let met_by_walk = |dir: &PathBuf| {
            dir.ancestors()
                .any(|above| self.resolved_paths.get(above).is_some_and(|o| *o != share))
        };
        let dir = self.dirs.get(share).cloned().flatten();
        paths.extend(dir.filter(met_by_walk));
        paths
    }

    /// The directories of the shares directly inside `share`'s: what is below them is
    /// theirs (`CheckRequest::exclude_dirs`).
    fn nested_in(&self, share: usize) -> Vec<PathBuf> {
        self.children
            .get(share)
            .into_iter()
            .flatten()
            .filter_map(|child| self.dirs.get(*child).cloned().flatten())
            .collect()
    }
}

/// What every share's check has of the run's: `request` without its manifest and
/// settings (a share has its own; a root manifest can be megabytes, and there can be
/// thousands of shares), and the paths checked as include roots, shared: includes are
/// still followed anywhere in them.
fn share_template(request: &CheckRequest) -> CheckRequest {
    CheckRequest {
        paths: Vec::new(),
        settings: manifest::LintSettings::default(),
        manifest: None,
        include_roots: request
            .include_roots
            .iter()
            .chain(&request.paths)
            .cloned()
            .collect(),
        select: request.select.clone(),
        ignore: request.ignore.clone(),
        max_file_size: request.max_file_size,
        stdin: None,
        inline_suppressions: request.inline_suppressions,
        exclude_dirs: Vec::new(),
        exclude_patterns: request.exclude_patterns.clone(),
        keep_entries: request.keep_entries,
        manifest_baselines: request.manifest_baselines,
        keep_model: request.keep_model,
    }
}

/// The check of one share: its manifest and settings (share 0 has `request`'s), the
/// paths it governs (a governor's directory when the walk met its manifest), and what
/// is below the shares inside it.
fn share_request(
    template: &CheckRequest,
    (manifest, settings): (Option<Manifest>, manifest::LintSettings),
    owners: &Owners,
    share: usize,
) -> CheckRequest {
    let mut share_request = template.clone();
    share_request.paths = owners.paths_of(share);
    share_request.exclude_dirs = owners.nested_in(share);
    share_request.settings = settings;
    share_request.manifest = manifest;
    share_request
}

/// Each path with its directory resolved (links, `..`), the name kept: the same file
/// reached by two spellings is one file. Directories are resolved once each.
fn identities<'p>(paths: impl Iterator<Item = &'p Path>) -> Vec<PathBuf> {
    let paths: Vec<&Path> = paths.collect();
    let mut dirs: Vec<&Path> = paths.iter().map(|p| parent(p)).collect();
    dirs.sort_unstable();
    dirs.dedup();
    let resolved: HashMap<&Path, PathBuf> = dirs
        .into_par_iter()
        .map(|dir| {
            let resolved = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
            (dir, resolved)
        })
        .collect();
    paths
        .iter()
        .map(
            |path| match (resolved.get(parent(path)), path.file_name()) {
                (Some(dir), Some(name)) => dir.join(name),
                (Some(dir), None) => dir.clone(),
                (None, _) => path.to_path_buf(),
            },
        )
        .collect()
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// The files of `report` (share `share`'s) that another share was given by the walk.
fn foreign_files(
    report: &Report,
    share: usize,
    walked: &HashSet<PathBuf>,
    owned: &HashMap<PathBuf, usize>,
) -> HashMap<FileId, Option<usize>> {
    // The files the walk gave this share are its own; only the others are looked up.
    let others: Vec<&SourceFile> = report
        .sources
        .files()
        .iter()
        .filter(|f| !walked.contains(&f.path))
        .collect();
    let identities = identities(others.iter().map(|f| f.path.as_path()));
    others
        .iter()
        .zip(identities)
        .filter_map(|(file, identity)| {
            let owner = *owned.get(&identity)?;
            (owner != share).then_some((file.id, Some(owner)))
        })
        .collect()
}

/// With `--config`, that manifest governs every file: the ones below are named, so a
/// team is not left to believe its settings and topology were used.
fn note_manifests_overridden(manifests: &[PathBuf], request: &CheckRequest, report: &mut Report) {
    let Some(applied) = &request.manifest else {
        return;
    };
    let applied_resolved = std::fs::canonicalize(&applied.path).ok();
    for manifest in manifests {
        if std::fs::canonicalize(manifest).ok() == applied_resolved {
            continue;
        }
        report.notes.push(format!(
            "{} is not applied: --config {} governs every file checked",
            source::display_path(manifest),
            source::display_path(&applied.path),
        ));
    }
}

/// One report of the shares' reports: their files (a file two shares read is one
/// file), findings, notes and errors, and stage times added up.
pub fn merge(reports: Vec<Report>) -> Report {
    if reports.len() == 1 {
        return reports.into_iter().next().unwrap_or_default();
    }
    // Room for every share's files and findings at once: the merged vectors would
    // otherwise double as they grow, at the peak of a run split between manifests.
    let files: usize = reports.iter().map(|r| r.sources.len()).sum();
    let found: usize = reports.iter().map(|r| r.diagnostics.len()).sum();
    let mut reports = reports.into_iter();
    let Some(mut merged) = reports.next() else {
        return Report::default();
    };
    merged.sources.reserve_exact(files - merged.sources.len());
    merged
        .diagnostics
        .reserve_exact(found - merged.diagnostics.len());
    let mut ids: HashMap<String, FileId> = merged
        .sources
        .files()
        .iter()
        .map(|f| (f.display.clone(), f.id))
        .collect();
    for report in reports {
        absorb(&mut merged, report, &mut ids);
    }
    engine::sort_and_dedup(&mut merged);
    merged.stats.files = merged.sources.len();
    merged.stats.bytes = merged.sources.files().iter().map(|f| f.len()).sum();
    merged
}

fn absorb(merged: &mut Report, report: Report, ids: &mut HashMap<String, FileId>) {
    let new_ids: Vec<FileId> = report
        .sources
        .into_files()
        .into_iter()
        .map(|file| {
            let context = report.context.contains(&file.id);
            let id = match ids.get(&file.display) {
                Some(id) => *id,
                None => {
                    let display = file.display.clone();
                    let id = merged.sources.push(file);
                    ids.insert(display, id);
                    merged.context.insert(id);
                    id
                }
            };
            // Context only if no share checked it.
            if !context {
                merged.context.remove(&id);
            }
            id
        })
        .collect();
    let remap = |id: &mut FileId| {
        if let Some(new) = new_ids.get(id.0) {
            *id = *new;
        }
    };
    for mut d in report.diagnostics {
        remap(&mut d.primary.file);
        for label in &mut d.labels {
            remap(&mut label.location.file);
        }
        merged.diagnostics.push(d);
    }
    for mut d in report.outside_diff {
        remap(&mut d.primary.file);
        for label in &mut d.labels {
            remap(&mut label.location.file);
        }
        merged.outside_diff.push(d);
    }
    merged.internal_errors.extend(report.internal_errors);
    merged.notes.extend(report.notes);
    merged.stats.add(&report.stats);
}
