//! Runs the pipeline: discover, read, parse, build the model, run rules, then apply
//! settings (levels, selections, ignores), redact secrets, de-duplicate and sort.
//! A panic inside one file's reading or one rule is caught and reported as an internal
//! error; the run goes on.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::diagnostic::{first_few, Diagnostic, Severity};
use crate::ecosystems::{self, ParsedFile, Reader};
use crate::manifest::{Level, LintSettings};
use crate::model::{Ecosystem, Location, Model};
use crate::redact::{redact, ScrubTexts};
use crate::rules::{self, engine_rules};
use crate::source::{self, Encoding, FileId, ReadError, SourceFile, SourceMap, Span};
use crate::syntax::{self, Document, Format, SyntaxError};
use crate::walk;

/// Files larger than this are refused with a `parse-error` (configuration files are
/// small; a huge file is data, a mistake or an attack).
pub const DEFAULT_MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;

/// Findings reported per file at most by default (`--max-diagnostics-per-file`).
pub const DEFAULT_MAX_DIAGNOSTICS_PER_FILE: usize = 100;

/// What to check and how.
#[derive(Debug, Clone)]
pub struct CheckRequest {
    pub paths: Vec<PathBuf>,
    pub settings: LintSettings,
    /// Only these rules (None: all).
    pub select: Option<Vec<String>>,
    pub ignore: Vec<String>,
    pub max_file_size: u64,
    /// Directories outside `paths` whose files includes may also read (`--include-root`;
    /// for one manifest's share of a run, also the run's paths: [`crate::scopes`]).
    pub include_roots: std::sync::Arc<[PathBuf]>,
    /// Read one file's bytes from here instead of the disk: (name, bytes). Decoded and
    /// bounded by `max_file_size` as a file on disk is (the caller reads at most one
    /// byte more than the limit, so a file too large is told from one at the limit).
    pub stdin: Option<(PathBuf, Vec<u8>)>,
    /// Honour `# poollint: ignore[...]` comments (`--no-inline-suppressions` turns off).
    pub inline_suppressions: bool,
    /// The manifest whose topology (databases, poolers, services, load) applies.
    pub manifest: Option<crate::manifest::Manifest>,
    /// Directories below `paths` that another `poollint.toml` governs
    /// ([`crate::scopes`]): the files there that `manifest` names are read for its
    /// model, as the walk gave them to the other manifest's check.
    pub exclude_dirs: Vec<PathBuf>,
    /// The user's `--exclude` patterns: what they match is neither walked nor read
    /// (unlike `exclude_dirs`, which only splits a run between manifests).
    pub exclude_patterns: walk::Exclude,
    /// Keep every config entry in the model and check them all after reading, instead
    /// of checking the entries of [`UNIT_CHECKED`] ecosystems unit by unit and dropping
    /// them. The findings are the same (tested); the model then holds every entry.
    pub keep_entries: bool,
    /// The manifests' own `baseline`s apply (no `--baseline` or `--write-baseline`): a
    /// manifest whose `baseline` does not exist cannot be used
    /// ([`crate::manifest::Manifest::baseline_error`]).
    pub manifest_baselines: bool,
    /// The report keeps the model ([`Report::model`]) for what reads it after the check
    /// (`init`, `capacity`, `--diff-base`, the library's callers). Off, a run split
    /// between manifests drops each share's model once its findings are final, so it
    /// holds the models of the shares being checked, not of every share checked so far
    /// (a run of one share keeps it: [`crate::scopes::check`]).
    pub keep_model: bool,
}

impl CheckRequest {
    pub fn new(paths: Vec<PathBuf>) -> Self {
        CheckRequest {
            paths,
            settings: LintSettings::default(),
            select: None,
            ignore: Vec::new(),
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            include_roots: std::sync::Arc::new([]),
            stdin: None,
            manifest: None,
            exclude_dirs: Vec::new(),
            exclude_patterns: walk::Exclude::default(),
            inline_suppressions: true,
            keep_entries: false,
            manifest_baselines: false,
            keep_model: true,
        }
    }
}

/// Time spent per stage, for `--stats`.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub files: usize,
    pub bytes: usize,
    pub walk: Duration,
    /// Reading and decoding every file (and recognising its ecosystem's content).
    pub read: Duration,
    /// Parsing every file, and reading and parsing what they include. Where a thread
    /// parses a unit's files, reads them and checks their entries at once, the wall
    /// time is split between `parse`, `model` and `rules` in proportion to the
    /// threads' time in each.
    pub parse: Duration,
    pub model: Duration,
    /// Running the rules, checking each unit's entries as it is read included (that
    /// unit time is split as for `parse`), and applying the settings to the findings.
    pub rules: Duration,
    /// Reading again the released texts the output needs ([`reread_for_output`]), and
    /// the text fixes replace ([`check_fixes`]): part of rendering.
    pub reread: Duration,
    /// `--diff-base`: checking the tree at the revision and comparing its pools.
    pub review: Option<Duration>,
}

impl Stats {
    /// Add the times of another check (a share of a monorepo's run: [`crate::scopes`]).
    pub fn add(&mut self, other: &Stats) {
        self.files += other.files;
        self.bytes += other.bytes;
        self.walk += other.walk;
        self.read += other.read;
        self.parse += other.parse;
        self.model += other.model;
        self.rules += other.rules;
        self.reread += other.reread;
    }

    /// Scale every stage's time by `factor` ([`crate::scopes`]: checks run at once).
    pub fn scale(&mut self, factor: f64) {
        for stage in [
            &mut self.walk,
            &mut self.read,
            &mut self.parse,
            &mut self.model,
            &mut self.rules,
            &mut self.reread,
        ] {
            *stage = stage.mul_f64(factor);
        }
    }
}

/// The result of a check.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Every file read, with secrets masked.
    pub sources: SourceMap,
    pub diagnostics: Vec<Diagnostic>,
    /// Findings `--diff-base` left out (not on a changed line): not reported, but a
    /// baseline entry one of them matches still matches a finding, so is not stale.
    /// Taken by the baselines ([`crate::baseline::apply_to_shares`]) before the shares'
    /// reports merge.
    pub outside_diff: Vec<Diagnostic>,
    /// Problems that are poollint's fault or the environment's (exit 2).
    pub internal_errors: Vec<String>,
    /// Paths that could not be walked, and explicit files no ecosystem reads.
    pub notes: Vec<String>,
    pub stats: Stats,
    /// The model the rules saw, without its files: they went to `sources` once the rules
    /// were done (sharing them would copy every file's entry when reports merge).
    /// `poollint capacity` gives them back. Empty unless [`CheckRequest::keep_model`].
    pub model: Model,
    /// Where the comments of files holding a suppression are, as their parsers read them.
    pub(crate) comments: crate::suppress::CommentIndex,
    /// Whether files the manifest names were read from outside the paths checked
    /// ([`scope_candidates`]): their findings are context ([`keep_findings_on_paths`]).
    pub(crate) outside_paths: OutsidePaths,
    /// Files read only as context ([`context_files`]): not checked, for the baselines.
    pub(crate) context: HashSet<FileId>,
    /// The inline suppression entries that suppressed a finding, for
    /// [`crate::scopes::settle_foreign_findings`].
    pub(crate) used_suppressions: Vec<crate::suppress::UsedEntry>,
}

/// Files a manifest names read from outside the paths checked, for the topology.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum OutsidePaths {
    #[default]
    NotRead,
    /// Next to files found below the paths.
    Read,
    /// And no file below the paths: only files poollint does not read were named, or
    /// files whose names a reader takes but whose texts none accepts (a Helm template,
    /// a Kubernetes `Service`), found so once read ([`keep_findings_on_paths`]).
    ReadAlone,
}

impl Report {
    /// The files checked: those read only for the topology ([`Report::context`]:
    /// beside `--stdin-filename`, or named by a manifest outside the paths) are not,
    /// unless a finding of the topology is placed in one (as `junit` lists them); each
    /// file once, however many times it is included.
    pub fn files_checked(&self) -> usize {
        let with_findings: HashSet<FileId> =
            self.diagnostics.iter().map(|d| d.primary.file).collect();
        // A file included three times is read three times and checked once.
        let checked: HashSet<&Path> = self
            .sources
            .files()
            .iter()
            .filter(|f| !self.context.contains(&f.id) || with_findings.contains(&f.id))
            .map(|f| f.path.as_path())
            .collect();
        checked.len()
    }
}

/// A file read and decoded, before it gets its id and is parsed.
struct Read {
    path: PathBuf,
    reader: &'static dyn Reader,
    format: Format,
    content: Result<SourceFile, Unread>,
}

/// A file registered in the source map, waiting to be parsed by its ecosystem.
struct Pending {
    id: source::FileId,
    path: PathBuf,
    reader: &'static dyn Reader,
    format: Format,
}

/// Check everything `request` names, with `request.manifest` governing every file
/// (manifests found below the paths are not looked at: [`crate::scopes`] splits a run
/// by them).
pub fn check(request: &CheckRequest) -> Report {
    let mut walked = walk_stage(request);
    let candidates = scope_candidates(request, walked.candidates, &mut walked.report);
    let mut report = check_found(request, candidates, walked.report);
    keep_findings_on_paths(request, &mut report);
    note_if_nothing_found(request, report.files_checked(), &mut report);
    report
}

/// What the walk found: the files to check, the manifests below the paths, and the
/// report so far (walk problems, its time).
pub(crate) struct Walked {
    pub candidates: Vec<Candidate>,
    /// `poollint.toml` files the walk met (not named as paths).
    pub manifests: Vec<PathBuf>,
    pub report: Report,
}

/// Find the files `request` names (walking its directories).
pub(crate) fn walk_stage(request: &CheckRequest) -> Walked {
    let mut report = Report::default();
    let started = Instant::now();
    let (candidates, manifests) = collect_candidates(request, &mut report);
    report.stats.walk = started.elapsed();
    Walked {
        candidates,
        manifests,
        report,
    }
}

/// `candidates` with the files `request.manifest` names that the walk did not give
/// this check (outside its paths, or below a directory another manifest governs):
/// a service's config or deployment must be read even when only one directory is
/// checked. Timed as part of the walk.
pub(crate) fn scope_candidates(
    request: &CheckRequest,
    mut candidates: Vec<Candidate>,
    report: &mut Report,
) -> Vec<Candidate> {
    let started = Instant::now();
    let special = manifest_special_files(request);
    let named_special = !special.is_empty();
    candidates.extend(recognised_candidates(special, report, |_| false));
    let mut outside = manifest_files_not_walked(request);
    outside.extend(unit_siblings(request));
    outside.retain(|file| !request.exclude_patterns.excludes(file));
    // A manifest named among the paths (a hook passing a changed `poollint.toml`) is
    // checked through the topology it declares.
    let checks_some = !candidates.is_empty() || names_manifest(request);
    report.outside_paths = match (outside.is_empty(), checks_some) {
        (true, _) => OutsidePaths::NotRead,
        (false, true) => OutsidePaths::Read,
        (false, false) => OutsidePaths::ReadAlone,
    };
    if !outside.is_empty() {
        let (found, errors) = walk::discover(&outside, &request.exclude_patterns, &|path| {
            ecosystems::recognise(path).is_some()
        });
        report
            .internal_errors
            .extend(errors.into_iter().map(|e| e.message));
        candidates.extend(recognised_candidates(found, report, |_| false));
    }
    if !outside.is_empty() || named_special {
        candidates.sort_by(|a, b| a.0.cmp(&b.0));
        candidates.dedup_by(|a, b| a.0 == b.0);
    }
    report.stats.walk += started.elapsed();
    candidates
}

/// Whether one of the paths checked is the manifest itself.
fn names_manifest(request: &CheckRequest) -> bool {
    request.paths.iter().any(|p| is_manifest_in_use(request, p))
}

/// Whether `path` is the manifest `request` uses (however the path is spelt).
fn is_manifest_in_use(request: &CheckRequest, path: &Path) -> bool {
    let Some(manifest) = request.manifest.as_ref() else {
        return false;
    };
    let resolved = |p: &Path| std::fs::canonicalize(p).ok();
    is_manifest(path) && resolved(path).is_some_and(|p| Some(p) == resolved(&manifest.path))
}

/// The paths that exist, resolved (links followed, `..` removed).
fn canonical_paths(paths: &[PathBuf]) -> HashSet<PathBuf> {
    paths
        .iter()
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .collect()
}

/// An empty run must not pass for a clean one (a wrong directory in CI, say): `found`
/// counts the files checked, not those the walk offered (a Helm chart's `.yaml` files
/// are walked, then found to be no file poollint reads).
pub(crate) fn note_if_nothing_found(request: &CheckRequest, found: usize, report: &mut Report) {
    // A manifest named as a path is checked through its topology, or reported unusable.
    let names_a_manifest = request.paths.iter().any(|p| is_manifest(p));
    if found == 0
        && report.notes.is_empty()
        && report.internal_errors.is_empty()
        && !names_a_manifest
    {
        let note = match &request.stdin {
            Some((name, _)) => format!(
                "{} (standard input) is no configuration file poollint reads (see \"What poollint reads\" in the README)",
                source::display_path(name)
            ),
            None => {
                let shown: Vec<String> = request
                    .paths
                    .iter()
                    .map(|p| source::display_path(p))
                    .collect();
                format!(
                    "no configuration file poollint reads was found in {} (see \"What poollint reads\" in the README)",
                    shown.join(", ")
                )
            }
        };
        report.notes.push(note);
    }
}

/// Read, parse, model and check `candidates` (found for `request`), adding to `report`.
pub(crate) fn check_found(
    request: &CheckRequest,
    candidates: Vec<Candidate>,
    mut report: Report,
) -> Report {
    let enabled = enabled_rules(request);
    // None: the model keeps every entry (`keep_entries`).
    let unit_rules: Option<Vec<&Enabled>> = (!request.keep_entries).then(|| {
        enabled
            .iter()
            .filter(|e| e.rule.checks_entries_per_unit())
            .collect()
    });
    let (mut model, mut scrub) =
        parse_and_read(&candidates, request, unit_rules.as_deref(), &mut report);
    report.notes.append(&mut model.notes);

    let started = Instant::now();
    // Linking the topology copies services and pools on top of the model (the peak of
    // a large tree): not also on top of the room its vectors grew into.
    model.release_spare_room();
    apply_manifest(&mut model, request, &mut report);
    model.release_spare_room();
    report.stats.model += started.elapsed();

    let started = Instant::now();
    run_rules(&model, &enabled, &mut report);
    // Rules are done with the files: let the report own them alone, so masking secrets
    // below does not copy the shared map.
    model.sources = SourceMap::default();
    scrub.take_new(&model.secrets, &report.sources);
    finish(&model, request, scrub, &mut report);
    if let Some((name, _)) = &request.stdin {
        // The files read for the topology are context: only standard input's findings
        // are the editor's to show.
        let sources = &report.sources;
        report
            .diagnostics
            .retain(|d| sources.get(d.primary.file).is_some_and(|f| f.path == *name));
    }
    report.stats.rules += started.elapsed();
    report.stats.files = report.sources.len();
    report.stats.bytes = report.sources.files().iter().map(|f| f.len()).sum();
    if request.keep_model {
        report.model = model;
    }
    report
}

/// Keep the findings about the paths checked when files the manifest names were read
/// from outside them (a deployment, a database's `postgresql.conf`): a finding of such
/// a file alone is for a check of its own path; one of the load or topology (a fleet's
/// demand, a pooler's capacity) concerns the services checked too, so it stays. When
/// nothing below the paths was read (a pre-commit hook passing only a README), no
/// finding is about them.
///
/// For a run under one manifest: where several split it, each share's foreign files
/// are settled by [`crate::scopes::settle_foreign_findings`].
pub(crate) fn keep_findings_on_paths(request: &CheckRequest, report: &mut Report) {
    report.context = context_files(request, report);
    if report.outside_paths == OutsidePaths::NotRead || request.stdin.is_some() {
        return;
    }
    // A `.yaml` below the paths is a candidate until its text is read: when no reader
    // accepted one, nothing below the paths was read after all.
    if report.outside_paths == OutsidePaths::Read
        && !names_manifest(request)
        && report
            .sources
            .files()
            .iter()
            .all(|f| report.context.contains(&f.id))
    {
        report.outside_paths = OutsidePaths::ReadAlone;
    }
    if report.outside_paths == OutsidePaths::ReadAlone {
        report.diagnostics.clear();
        return;
    }
    let context = &report.context;
    report.diagnostics.retain(|d| {
        let topology = rules::find(d.rule).is_some_and(|r| {
            matches!(
                r.meta().inputs,
                rules::Inputs::NeedsLoad | rules::Inputs::NeedsTopology
            )
        });
        // A finding a checked file takes part in (its label: the `puma.rb` threads
        // against the pool of the `database.yml` beside it) is that file's too: a hook
        // naming the changed `puma.rb` must see the pool it outgrew.
        let touches_checked =
            |d: &Diagnostic| d.labels.iter().any(|l| !context.contains(&l.location.file));
        topology || !context.contains(&d.primary.file) || touches_checked(d)
    });
}

/// The files read only as context for the topology (named by the manifest outside the
/// paths, or beside standard input), whose own findings are not reported: a baseline
/// entry of one is not stale, since the file was not checked.
fn context_files(request: &CheckRequest, report: &Report) -> HashSet<FileId> {
    let files = report.sources.files().iter();
    if let Some((name, _)) = &request.stdin {
        return files.filter(|f| f.path != *name).map(|f| f.id).collect();
    }
    match report.outside_paths {
        OutsidePaths::NotRead => HashSet::new(),
        OutsidePaths::ReadAlone => files.map(|f| f.id).collect(),
        OutsidePaths::Read => {
            let roots = canonical_paths(&request.paths);
            let excluded = canonical_paths(&request.exclude_dirs);
            let mut resolved_dirs = HashMap::new();
            // Where the file's name is, not what a link points to: a link to
            // `/dev/zero` below the paths is a file of the paths (its parse-error).
            let mut on_paths = |path: &Path| {
                let identity = source::file_identity(path, &mut resolved_dirs);
                is_under(&identity, &roots, &excluded)
            };
            files.filter(|f| !on_paths(&f.path)).map(|f| f.id).collect()
        }
    }
}

/// Read again, in parallel, the released texts the output needs (of the files of the
/// findings and of their labels), once the findings are final: otherwise each is read
/// when first shown, one after another. With `snippets` (the human format) every such
/// text is needed; otherwise only those whose positions need it (not ASCII). A file
/// that changed since it was read is an internal error: its findings are shown without
/// its text. (A fix reads only the text it replaces: [`check_fixes`].)
pub fn reread_for_output(report: &mut Report, snippets: bool) {
    let started = Instant::now();
    let sources = &report.sources;
    let needed =
        |id: &FileId| snippets || sources.get(*id).is_some_and(|f| f.positions_need_text());
    let mut files: Vec<FileId> = report
        .diagnostics
        .iter()
        .flat_map(|d| {
            std::iter::once(d.primary.file).chain(d.labels.iter().map(|l| l.location.file))
        })
        .filter(needed)
        .collect();
    files.sort_unstable();
    files.dedup();
    report.sources.reread(&files);
    for file in report.sources.files() {
        if let Some(error) = file.reread_error() {
            report.internal_errors.push(format!(
                "{}: {error}; its findings are shown without its text",
                file.display
            ));
        }
    }
    report.stats.reread = started.elapsed();
}

/// Check the findings' fixes against their files ([`crate::diagnostic::check_fixes`]),
/// timed with reading texts again: part of rendering.
pub fn check_fixes(report: &mut Report) {
    let started = Instant::now();
    crate::diagnostic::check_fixes(&mut report.diagnostics, &report.sources);
    report.stats.reread += started.elapsed();
}

/// A file to read: its path, reader and format, and its bytes when they come from
/// standard input.
pub(crate) type Candidate = (PathBuf, &'static dyn Reader, Format, Option<Vec<u8>>);

/// Files some ecosystem reads, in sorted order, and the manifests below the paths.
fn collect_candidates(
    request: &CheckRequest,
    report: &mut Report,
) -> (Vec<Candidate>, Vec<PathBuf>) {
    if let Some((name, text)) = &request.stdin {
        let candidates = match ecosystems::recognise(name) {
            Some((reader, format)) => vec![(name.clone(), reader, format, Some(text.clone()))],
            None => {
                report.notes.push(format!(
                    "{}: not a configuration file poollint reads; nothing checked",
                    name.display()
                ));
                Vec::new()
            }
        };
        return (candidates, Vec::new());
    }
    // Manifests are found by the same walk, to split the run by them.
    let recognised = |path: &Path| recognise_named(path).is_some() || is_manifest(path);
    let (found, errors) = walk::discover(&request.paths, &request.exclude_patterns, &recognised);
    report
        .internal_errors
        .extend(errors.into_iter().map(|e| e.message));
    let (manifests, found): (Vec<_>, Vec<_>) = found
        .into_iter()
        .partition(|c| !c.explicit && is_manifest(&c.path));
    let manifests = manifests.into_iter().map(|c| c.path).collect();
    // The manifest in use, named as a path, is checked through its topology.
    let skipped_quietly = |path: &Path| is_manifest_in_use(request, path);
    (
        recognised_candidates(found, report, skipped_quietly),
        manifests,
    )
}

/// The files an ecosystem reads among `found`; a file named explicitly that none
/// reads gets a note.
fn recognised_candidates(
    found: Vec<walk::Candidate>,
    report: &mut Report,
    skipped_quietly: impl Fn(&Path) -> bool,
) -> Vec<Candidate> {
    found
        .into_iter()
        .filter_map(|c| match recognise_named(&c.path) {
            Some((path, reader, format)) => Some((path, reader, format, None)),
            None => {
                if c.explicit && !skipped_quietly(&c.path) {
                    report.notes.push(format!(
                        "{}: not a configuration file poollint reads; skipped",
                        source::display_path(&c.path)
                    ));
                }
                None
            }
        })
        .collect()
}

/// The reader of `path` and the path to read it under: as spelt, or made absolute when
/// the spelling does not name the directory the file is in and the directory decides
/// (`database.yml` named from inside `config/` is Rails' `config/database.yml`, not a
/// `.yml` Kubernetes would skip; it is still shown as `database.yml`).
fn recognise_named(path: &Path) -> Option<(PathBuf, &'static dyn ecosystems::Reader, Format)> {
    let spelt = ecosystems::recognise(path);
    let names_its_dir = path.parent().and_then(Path::file_name).is_some();
    if names_its_dir || path.is_absolute() {
        return spelt.map(|(reader, format)| (path.to_path_buf(), reader, format));
    }
    let absolute = source::absolute(path);
    match (spelt, ecosystems::recognise(&absolute)) {
        (Some((spelt_reader, _)), Some((reader, format)))
            if spelt_reader.ecosystem() == reader.ecosystem() =>
        {
            Some((path.to_path_buf(), reader, format))
        }
        (_, Some((reader, format))) => Some((absolute, reader, format)),
        (spelt, None) => spelt.map(|(reader, format)| (path.to_path_buf(), reader, format)),
    }
}

fn is_manifest(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|name| name == crate::manifest::FILE_NAME)
}

/// Read the files that parsed files include (PostgreSQL, MySQL, PgBouncer).
fn follow_includes(
    parsed: &mut Vec<(&'static dyn Reader, ParsedFile)>,
    request: &CheckRequest,
    report: &mut Report,
) {
    // Most files include nothing, and the roots cost a lookup each.
    if !parsed
        .iter()
        .any(|(_, file)| crate::includes::has_includes(file))
    {
        return;
    }
    crate::includes::Includes {
        roots: include_roots(request),
        max_file_size: request.max_file_size,
        report,
        parse: syntax::parse,
    }
    .follow(parsed);
}

/// The directories whose files includes and companions may read: the paths checked
/// (a file's own directory) and the `--include-root` directories, canonical.
fn include_roots(request: &CheckRequest) -> Vec<PathBuf> {
    request
        .paths
        .iter()
        .chain(request.include_roots.iter())
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .map(|p| source::containing_dir(&p).to_path_buf())
        .collect()
}

/// Files the manifest names that the walk of `request` does not reach: outside its
/// paths, or below a directory it leaves to another manifest. With `--stdin-filename`,
/// every file it names but that one (standard input stands for it): the deployment
/// and the other services must be read for the file to be checked as it is in a full
/// run, or an editor shows a fleet error (1 instance, none declared) CI does not.
fn manifest_files_not_walked(request: &CheckRequest) -> Vec<PathBuf> {
    let Some(manifest) = request.manifest.as_ref() else {
        return Vec::new();
    };
    let stdin_file = request
        .stdin
        .as_ref()
        .map(|(name, _)| source::absolute(name));
    // Standard input is all that was walked.
    let roots = match stdin_file {
        Some(_) => HashSet::new(),
        None => canonical_paths(&request.paths),
    };
    let excluded = canonical_paths(&request.exclude_dirs);
    manifest
        .topology
        .files()
        .into_par_iter()
        .filter(|file| stdin_file.as_ref() != Some(&source::absolute(file)))
        .filter(|file| std::fs::metadata(file).is_ok())
        .filter(|file| {
            // Where the file's name is, not what a link points to: a link to
            // `/dev/zero` below the paths was walked (and gets its parse-error there).
            let identity = source::file_identity(file, &mut HashMap::new());
            !is_under(&identity, &roots, &excluded)
        })
        .collect()
}

/// The files read together with a file named on its own, or given on standard input:
/// the other files of its unit ([`Reader::unit`]) in its directory, a Spring
/// application's profile files, a Rails application's `puma.rb` beside its
/// `database.yml`. A pre-commit hook names only the changed file, and its findings
/// must be those of the whole tree (`pool-smaller-than-thread-concurrency` needs
/// `puma.rb`); the siblings are read as context, their own findings not reported.
fn unit_siblings(request: &CheckRequest) -> Vec<PathBuf> {
    let named: Vec<&Path> = match &request.stdin {
        Some((name, _)) => vec![name.as_path()],
        None => request
            .paths
            .iter()
            .map(PathBuf::as_path)
            .filter(|p| p.is_file())
            .collect(),
    };
    // Each unit's directory is listed once: naming every file of a unit (pre-commit's
    // `--all-files`) listed it once per file, quadratic in time and memory.
    let mut units = std::collections::HashSet::new();
    let mut siblings: Vec<PathBuf> = named
        .into_iter()
        .flat_map(|path| siblings_of(path, &mut units))
        .collect();
    siblings.sort();
    siblings.dedup();
    siblings
}

/// The other files of `path`'s unit in its directory (none for a unit of one file, or
/// one of `units`, already listed).
fn siblings_of(
    path: &Path,
    units: &mut std::collections::HashSet<(crate::model::Ecosystem, PathBuf)>,
) -> Vec<PathBuf> {
    let Some((path, reader, _)) = recognise_named(path) else {
        return Vec::new();
    };
    let (Some(unit), Some(dir), Some(name)) = (reader.unit(&path), path.parent(), path.file_name())
    else {
        return Vec::new();
    };
    if unit == path || !units.insert((reader.ecosystem(), unit.to_path_buf())) {
        return Vec::new();
    }
    let same_unit = |sibling: &Path| {
        recognise_named(sibling).is_some_and(|(sibling, r, _)| {
            r.ecosystem() == reader.ecosystem() && r.unit(&sibling) == Some(unit)
        })
    };
    reader
        .sibling_dirs(&path, dir)
        .into_iter()
        .flat_map(|dir| {
            let on_disk = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir.as_path()
            };
            let entries = std::fs::read_dir(on_disk).into_iter().flatten().flatten();
            entries
                .filter(|entry| entry.file_type().is_ok_and(|t| t.is_file()))
                .map(|entry| dir.join(entry.file_name()))
                .collect::<Vec<_>>()
        })
        .filter(|sibling| sibling.file_name() != Some(name) || sibling.parent() != Some(dir))
        .filter(|sibling| same_unit(sibling))
        .collect()
}

/// Files the manifest names below the paths that are themselves a device, FIFO or
/// socket: the walker does not give them (a FIFO is no file to it, as git cannot hold
/// one), but named by the manifest each is refused with a `parse-error`, as a file
/// named on the command line is, instead of being left out silently.
fn manifest_special_files(request: &CheckRequest) -> Vec<walk::Candidate> {
    let Some(manifest) = request
        .manifest
        .as_ref()
        .filter(|_| request.stdin.is_none())
    else {
        return Vec::new();
    };
    let roots = canonical_paths(&request.paths);
    let excluded = canonical_paths(&request.exclude_dirs);
    manifest
        .topology
        .files()
        .into_iter()
        .filter(|file| is_special_file(file))
        .filter(|file| {
            let identity = source::file_identity(file, &mut HashMap::new());
            is_under(&identity, &roots, &excluded) && !request.exclude_patterns.excludes(file)
        })
        .map(|path| walk::Candidate {
            path,
            explicit: false,
        })
        .collect()
}

/// Whether a file (its [`source::file_identity`]) is below one of the paths checked
/// (`roots`) and not below an excluded directory (both canonical).
/// Looked up by each of the file's ancestors: pre-commit names every file, and testing
/// each against every path named was quadratic.
fn is_under(identity: &Path, roots: &HashSet<PathBuf>, excluded: &HashSet<PathBuf>) -> bool {
    let mut ancestors = identity.ancestors();
    ancestors.clone().any(|dir| roots.contains(dir)) && !ancestors.any(|dir| excluded.contains(dir))
}

/// Whether `path` itself (not what it links to) is a device, FIFO or socket.
fn is_special_file(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|meta| {
        let kind = meta.file_type();
        !kind.is_file() && !kind.is_dir() && !kind.is_symlink()
    })
}

/// Read and decode one file (it is parsed later, with its unit). Never panics outward.
fn read_file(
    path: &Path,
    reader: &'static dyn Reader,
    format: Format,
    stdin: Option<&[u8]>,
    max: u64,
) -> Read {
    let content = catch_unwind(AssertUnwindSafe(|| {
        read_and_decode(path, reader, format, stdin, max).map(|(text, encoding, disk_len)| {
            let file = SourceFile::new(path, text, encoding);
            match stdin {
                Some(_) => file,
                None => file.rereadable(disk_len),
            }
        })
    }))
    .unwrap_or_else(|_| Err(internal("reading")));
    Read {
        path: path.to_path_buf(),
        reader,
        format,
        content,
    }
}

fn internal(doing: &str) -> Unread {
    (
        "internal".into(),
        format!("internal error while {doing} this file"),
        None,
    )
}

/// Why a file was not read: (kind, message, and for a file that is not valid UTF-8
/// the text to show it with and the offset of the invalid byte in it).
type Unread = (String, String, Option<(String, usize)>);

/// The text, its encoding and the number of bytes read, or why not ([`Unread`]); kind
/// "internal" marks poollint's own failures.
fn read_and_decode(
    path: &Path,
    reader: &dyn Reader,
    format: Format,
    stdin: Option<&[u8]>,
    max: u64,
) -> Result<(String, Encoding, u64), Unread> {
    let bytes = match stdin {
        Some(bytes) => stdin_limited(bytes, max)?,
        None => read_limited(path, max)?,
    };
    let disk_len = bytes.len() as u64;
    let (text, encoding) = source::decode(bytes, format == Format::Properties).map_err(|e| {
        let shown = (!e.shown.is_empty()).then_some((e.shown, e.offset));
        ("decode".to_owned(), e.message, shown)
    })?;
    if !reader.accepts_file(path, &text) {
        return Err((SKIPPED.to_owned(), String::new(), None));
    }
    Ok((text, encoding, disk_len))
}

fn read_limited(path: &Path, max: u64) -> Result<Vec<u8>, Unread> {
    source::read_bounded(path, max).map_err(|e| {
        let message = match &e {
            ReadError::Io(_) => format!("cannot read file: {e}"),
            ReadError::Directory => e.to_string(),
            ReadError::NotAFile => format!("{e}; not read"),
            ReadError::TooLarge { .. } => {
                format!("file {e} for configuration files (--max-file-size)")
            }
        };
        ("io".to_owned(), message, None)
    })
}

/// Standard input's bytes, refused above `max` as a file on disk is (its size is
/// unknown: only that it is more than the limit).
fn stdin_limited(bytes: &[u8], max: u64) -> Result<Vec<u8>, Unread> {
    if bytes.len() as u64 > max {
        let message =
            format!("file is above the {max}-byte limit for configuration files (--max-file-size)");
        return Err(("io".to_owned(), message, None));
    }
    Ok(bytes.to_vec())
}

/// The error kind of a file its reader does not accept: dropped without a trace.
const SKIPPED: &str = "skipped";

/// Read and decode a batch's files in parallel and register them (timed as the read
/// stage): read batch by batch, not all at once, so the texts in memory are a batch's.
fn read_batch(batch: &[&Candidate], request: &CheckRequest, report: &mut Report) -> Vec<Pending> {
    let started = Instant::now();
    let read: Vec<Read> = batch
        .par_iter()
        .map(|(path, reader, format, stdin)| {
            read_file(
                path,
                *reader,
                *format,
                stdin.as_deref(),
                request.max_file_size,
            )
        })
        .collect();
    let pending = register(read, report);
    report.stats.read += started.elapsed();
    pending
}

/// Give every loaded file its id and turn read and syntax problems into `parse-error`s.
fn register(read: Vec<Read>, report: &mut Report) -> Vec<Pending> {
    let mut pending = Vec::new();
    for file in read {
        match file.content {
            Ok(source) => {
                let id = report.sources.push(source);
                pending.push(Pending {
                    id,
                    path: file.path,
                    reader: file.reader,
                    format: file.format,
                });
            }
            Err((kind, _, _)) if kind == SKIPPED => {}
            Err((kind, message, shown)) => {
                // A file that is not UTF-8 is shown by its text up to the invalid byte
                // and the rest of that line, so the finding is at that byte; it is never
                // released, so never read again as if it were valid.
                let (text, at) = shown.unwrap_or_default();
                let id = report.sources.add(&file.path, text, Encoding::Utf8);
                report_unreadable(id, &kind, &message, Span::new(at, at), report);
            }
        }
    }
    pending
}

/// A file that could not be read or parsed: a `parse-error` at its start, or an
/// internal error when it is poollint's fault.
fn report_unreadable(
    id: source::FileId,
    kind: &str,
    message: &str,
    span: Span,
    report: &mut Report,
) {
    // Not checked, so no suppression of it is used (see `ParseOutcome::of`).
    report.comments.insert(id, Vec::new());
    if kind == "internal" {
        report
            .internal_errors
            .push(format!("{}: {message}", report.sources.display(id)));
    } else {
        report.diagnostics.push(engine_rules::parse_error::at(
            Location { file: id, span },
            message,
        ));
    }
}

/// Read and parse the files and read them into the model, one batch at a time, so
/// texts and syntax trees never outlive their batch. Read, parse and model times go to
/// `--stats`.
fn parse_and_read(
    candidates: &[Candidate],
    request: &CheckRequest,
    unit_rules: Option<&[&Enabled]>,
    report: &mut Report,
) -> (Model, ScrubTexts) {
    // Parts are appended as they are read: the model's vectors grow by reallocation,
    // which moves large blocks without copying them, and no part outlives its batch.
    let mut model = Model::default();
    let mut scrub = ScrubTexts::default();
    // Every candidate is registered (with the few companions and includes besides).
    report.sources.reserve_exact(candidates.len());
    for reader in reading_order() {
        let files: Vec<&Candidate> = candidates
            .iter()
            .filter(|c| c.1.ecosystem() == reader.ecosystem())
            .collect();
        let mut summaries = Vec::new();
        // Files read into the model, whose texts can go.
        let mut read_files: Vec<FileId> = Vec::new();
        // Files summarised for the join: its internal error names them.
        let mut summarised: Vec<FileId> = Vec::new();
        let units = units(*reader, files, request, report);
        let mut done = 0;
        while done < units.len() {
            let (pending, taken) =
                read_batch_of(units.get(done..).unwrap_or_default(), request, report);
            done += taken;
            let batch: Vec<&Pending> = pending.iter().collect();
            let first_included = report.sources.len();
            // As `units` decides: units only when every file has one.
            let reads = if batch.iter().all(|f| reader.unit(&f.path).is_some()) {
                parse_and_read_units(*reader, &batch, unit_rules, request, report)
            } else {
                parse_and_read_whole(*reader, &batch, unit_rules, request, report)
            };
            let started = Instant::now();
            for read in reads {
                match read {
                    BatchRead::Model(part) => model.extend(part),
                    BatchRead::Summary(summary) => {
                        scrub.take_from_summary(reader.summary_secrets(&summary), &report.sources);
                        summaries.push(summary);
                    }
                }
            }
            read_files.extend(batch.iter().map(|f| f.id));
            read_files.extend((first_included..report.sources.len()).map(FileId));
            if !summaries.is_empty() {
                summarised.extend_from_slice(&read_files);
            }
            // Summaries own what the join needs, so their texts go too (Kubernetes
            // manifests were a tenth of the peak): a secret the join then finds is read
            // again from its file to be scrubbed from messages, and a file that changed
            // meanwhile is an internal error (`reread_for_output`).
            release_texts(&mut read_files, &model, &mut scrub, report);
            report.stats.model += started.elapsed();
        }
        let started = Instant::now();
        if !summaries.is_empty() {
            if let Some(part) = guarded(*reader, &summarised, report, || reader.join(summaries)) {
                model.extend(part);
            }
            scrub.take_new(&model.secrets, &report.sources);
        }
        report.stats.model += started.elapsed();
    }
    (model, scrub)
}

/// The readers in the order their files are read: Kubernetes first, since its join
/// holds the summaries, the workloads' parts and their model at once (the peak of a
/// large tree when it came last, on top of every other ecosystem's model); the others
/// as [`ecosystems::readers`] lists them. Findings do not depend on the order.
fn reading_order() -> impl Iterator<Item = &'static &'static dyn Reader> {
    let readers = ecosystems::readers();
    let first = |r: &&&dyn Reader| r.ecosystem() == Ecosystem::Kubernetes;
    readers
        .iter()
        .filter(first)
        .chain(readers.iter().filter(move |r| !first(r)))
}

/// Release the texts of `files`, whose contents are in the model now (a file with
/// findings is read again to show them): memory then holds the texts of a batch, not
/// of the repository. The texts of the secrets found so far are kept first, to scrub
/// them from messages, and files with inline suppressions keep their text.
fn release_texts(
    files: &mut Vec<FileId>,
    model: &Model,
    scrub: &mut ScrubTexts,
    report: &mut Report,
) {
    scrub.take_new(&model.secrets, &report.sources);
    report.sources.release(files, crate::suppress::holds_marker);
    files.clear();
}

/// An ecosystem read as one unit (its files may include each other): parse every file
/// of the batch in parallel, follow includes, then read them all at once and check
/// their entries ([`UNIT_CHECKED`]).
fn parse_and_read_whole(
    reader: &'static dyn Reader,
    batch: &[&Pending],
    unit_rules: Option<&[&Enabled]>,
    request: &CheckRequest,
    report: &mut Report,
) -> Vec<BatchRead> {
    let started = Instant::now();
    let sources = &report.sources;
    let docs: Vec<Option<Document>> = batch.par_iter().map(|f| parse_one(f, sources)).collect();
    let mut parsed = Vec::with_capacity(batch.len());
    for (file, doc) in batch.iter().zip(docs) {
        let text = report.sources.get(file.id).map_or("", |f| f.text());
        let outcome = doc.as_ref().map(|d| ParseOutcome::of(file.format, text, d));
        report_parse(file.id, outcome, report);
        // A file with a syntax error is skipped: no rule sees a part of it.
        if let Some(doc) = doc.filter(|d| d.errors.is_empty()) {
            parsed.push((file.reader, parsed_file(file, doc)));
        }
    }
    follow_includes(&mut parsed, request, report);
    report.stats.parse += started.elapsed();
    let started = Instant::now();
    let files: Vec<ParsedFile> = parsed.into_iter().map(|(_, file)| file).collect();
    let sources = report.sources.clone();
    let ids: Vec<FileId> = files.iter().map(|f| f.id).collect();
    let mut read = guarded(reader, &ids, report, || read_unit(reader, &files, &sources));
    note_merge_bound(&merge_bound_reached(&files), report);
    let bytes = sources.text_bytes(ids.iter().copied());
    drop(files);
    report.stats.model += started.elapsed();
    let started = Instant::now();
    let findings = check_unit_entries(reader, &mut read, &sources, unit_rules);
    add_findings(findings, report);
    report.stats.rules += started.elapsed();
    let started = Instant::now();
    pack(reader, &mut read, bytes);
    report.stats.model += started.elapsed();
    read.into_iter().collect()
}

/// The files whose merge keys reached more entries than [`syntax::MAX_DOCUMENT_MERGE_WORK`]
/// while they were read.
fn merge_bound_reached(files: &[ParsedFile]) -> Vec<FileId> {
    let reached = files.iter().filter(|f| f.doc.merge_work.exhausted());
    reached.map(|f| f.id).collect()
}

/// Tell the user that entries merged past the bound were not read: a setting there
/// goes unchecked.
fn note_merge_bound(files: &[FileId], report: &mut Report) {
    for id in files {
        report.notes.push(format!(
            "{}: merge keys `<<` reach more than {} entries in this file, the most poollint follows; the entries merged past them are not read (the file's own keys are all read)",
            report.sources.display(*id),
            syntax::MAX_DOCUMENT_MERGE_WORK
        ));
    }
}

/// What parsing and reading one unit gave.
struct UnitRead {
    /// What parsing each file gave (None: the parser panicked on it).
    parses: Vec<(source::FileId, Option<ParseOutcome>)>,
    /// None: the reader panicked.
    read: Option<BatchRead>,
    /// Files whose merge keys reached the bound ([`merge_bound_reached`]).
    merge_bound: Vec<FileId>,
    /// What checking the unit's entries found ([`UNIT_CHECKED`]), and rules that failed.
    findings: Vec<Result<Vec<Diagnostic>, String>>,
    parse_time: Duration,
    read_time: Duration,
    rules_time: Duration,
}

/// Ecosystems whose config entries are checked unit by unit, as each unit (for
/// PostgreSQL, MySQL and PgBouncer, each batch: a file and what it includes are never
/// split) is read, and then dropped: they are most of a repository's entries, and every
/// rule that reads them looks at one application, server or file at a time
/// ([`rules::Rule::checks_entries_per_unit`]), so the model need not keep them.
/// `CheckRequest::keep_entries` turns this off; a test asserts the findings are the
/// same either way.
const UNIT_CHECKED: &[Ecosystem] = &[
    Ecosystem::Spring,
    Ecosystem::Rails,
    Ecosystem::Postgres,
    Ecosystem::MySql,
    Ecosystem::PgBouncer,
];

/// An ecosystem of independent units ([`Reader::unit`]): each thread parses a unit's
/// files, reads them, checks their entries and frees their trees, so no more than one
/// unit's trees per thread are alive and no thread waits for the whole batch between
/// the steps. The batch's wall time goes to `--stats` split between parse, model and
/// rules in proportion to the time the threads spent in each.
///
/// A reader whose files may name companions ([`Reader::reads_companions`]: compose's
/// `.env` and `env_file:` files, Spring imports, a Rails `Procfile`) reads at once the
/// units that name none; the others wait, with their trees, for the batch's companions
/// ([`read_units_with_companions`]).
fn parse_and_read_units(
    reader: &'static dyn Reader,
    batch: &[&Pending],
    unit_rules: Option<&[&Enabled]>,
    request: &CheckRequest,
    report: &mut Report,
) -> Vec<BatchRead> {
    let started = Instant::now();
    let chunks: Vec<&[&Pending]> = batch
        .chunk_by(|a, b| reader.unit(&a.path) == reader.unit(&b.path))
        .collect();
    let units: Vec<UnitRead> = if reader.reads_companions() {
        read_units_with_companions(reader, chunks, unit_rules, request, report)
    } else {
        let sources = &report.sources;
        chunks
            .into_par_iter()
            .map(|unit| read_parsed_unit(reader, parse_unit(unit, sources), sources, unit_rules))
            .collect()
    };
    split_wall_time(started.elapsed(), &units, &mut report.stats);
    let mut reads = Vec::with_capacity(units.len());
    for unit in units {
        let mut files = Vec::with_capacity(unit.parses.len());
        for (id, outcome) in unit.parses {
            report_parse(id, outcome, report);
            files.push(id);
        }
        match unit.read {
            Some(read) => reads.push(read),
            None => report_reader_panic(reader, &files, report),
        }
        note_merge_bound(&unit.merge_bound, report);
        add_findings(unit.findings, report);
    }
    reads
}

/// A unit parsed ([`parse_unit`]): read at once when its files name no companion, else
/// waiting for the batch's companions to be read.
// At most a batch's units are held, for the batch: boxing the larger case would add an
// allocation per unit to save a few kilobytes.
#[allow(clippy::large_enum_variant)]
enum UnitStep {
    Read(UnitRead),
    Waiting(ParsedUnit),
}

/// [`parse_and_read_units`] for a reader whose files may name companions. Each unit is
/// parsed on its thread and, when its files name no companion (most Spring
/// applications import nothing), read and its trees freed there, as for any other
/// reader: only the units that name one keep their trees while the batch's companions
/// are read, one unit after another (the source map gives them their ids), and are read
/// then. What each unit's files name is what [`Companions::follow`] would ask first, so
/// a unit read at once is one it would have read nothing for.
fn read_units_with_companions(
    reader: &'static dyn Reader,
    chunks: Vec<&[&Pending]>,
    unit_rules: Option<&[&Enabled]>,
    request: &CheckRequest,
    report: &mut Report,
) -> Vec<UnitRead> {
    let sources = &report.sources;
    let mut steps: Vec<UnitStep> = chunks
        .into_par_iter()
        .map(|unit| {
            let mut parsed = parse_unit(unit, sources);
            let asking = Instant::now();
            let waits = names_companions(reader, &parsed.files, sources);
            parsed.parse_time += asking.elapsed();
            match waits {
                true => UnitStep::Waiting(parsed),
                false => UnitStep::Read(read_parsed_unit(reader, parsed, sources, unit_rules)),
            }
        })
        .collect();
    let mut companions = Companions::default();
    for step in &mut steps {
        if let UnitStep::Waiting(unit) = step {
            let following = Instant::now();
            companions.follow(reader, &mut unit.files, request, report);
            unit.parse_time += following.elapsed();
        }
    }
    let sources = &report.sources;
    steps
        .into_par_iter()
        .map(|step| match step {
            UnitStep::Read(read) => read,
            UnitStep::Waiting(unit) => read_parsed_unit(reader, unit, sources, unit_rules),
        })
        .collect()
}

/// Whether any of a unit's own `files` (none read as a companion yet) names a companion.
fn names_companions(reader: &dyn Reader, files: &[ParsedFile], sources: &SourceMap) -> bool {
    files.iter().any(|file| {
        let text = sources.get(file.id).map_or("", |f| f.text());
        !reader.companions(file, text, &[], sources).is_empty()
    })
}

/// Give each stage its share of a batch's wall time, as the threads' times divide.
fn split_wall_time(wall: Duration, units: &[UnitRead], stats: &mut Stats) {
    let parse: Duration = units.iter().map(|u| u.parse_time).sum();
    let read: Duration = units.iter().map(|u| u.read_time).sum();
    let rules: Duration = units.iter().map(|u| u.rules_time).sum();
    let total = (parse + read + rules).as_secs_f64().max(f64::MIN_POSITIVE);
    let share = |time: Duration| wall.mul_f64(time.as_secs_f64() / total);
    stats.parse += share(parse);
    stats.model += share(read);
    stats.rules += share(rules);
}

/// A unit's files parsed ([`parse_unit`]), waiting to be read.
struct ParsedUnit {
    /// What parsing each file gave (None: the parser panicked on it).
    parses: Vec<(source::FileId, Option<ParseOutcome>)>,
    /// The files without syntax errors, and the companions read for them.
    files: Vec<ParsedFile>,
    parse_time: Duration,
}

fn parse_unit(unit: &[&Pending], sources: &SourceMap) -> ParsedUnit {
    let started = Instant::now();
    let mut parses = Vec::with_capacity(unit.len());
    let mut files = Vec::with_capacity(unit.len());
    for file in unit {
        let doc = parse_one(file, sources);
        let text = sources.get(file.id).map_or("", |f| f.text());
        let outcome = doc.as_ref().map(|d| ParseOutcome::of(file.format, text, d));
        parses.push((file.id, outcome));
        // A file with a syntax error is skipped: no rule sees a part of it.
        files.extend(
            doc.filter(|d| d.errors.is_empty())
                .map(|doc| parsed_file(file, doc)),
        );
    }
    ParsedUnit {
        parses,
        files,
        parse_time: started.elapsed(),
    }
}

fn read_parsed_unit(
    reader: &dyn Reader,
    unit: ParsedUnit,
    sources: &SourceMap,
    unit_rules: Option<&[&Enabled]>,
) -> UnitRead {
    let ParsedUnit {
        parses,
        files,
        parse_time,
    } = unit;
    let started = Instant::now();
    let mut read = catch_unwind(AssertUnwindSafe(|| read_unit(reader, &files, sources))).ok();
    let merge_bound = merge_bound_reached(&files);
    let bytes = sources.text_bytes(files.iter().map(|f| f.id));
    drop(files);
    let read_time = started.elapsed();
    let started = Instant::now();
    let findings = check_unit_entries(reader, &mut read, sources, unit_rules);
    let rules_time = started.elapsed();
    let started = Instant::now();
    pack(reader, &mut read, bytes);
    UnitRead {
        parses,
        read,
        merge_bound,
        findings,
        parse_time,
        read_time: read_time + started.elapsed(),
        rules_time,
    }
}

/// Copy the model read from a unit's syntax trees (of `text_bytes` of text), once they
/// are freed, into blocks of its own. Read while the trees were alive, its strings and
/// vectors sit between their nodes on the allocator's pages, and keep those pages to
/// the end of the run, mostly empty: the copy fills the room the trees left, and the
/// pages the originals shared with them can be used again (7 MB, 6 %, off the 10k
/// benchmark tree's peak; benches/README.md, thirty-third pass). Entries checked per
/// unit are gone by then ([`check_unit_entries`]), so they are not copied. A large
/// unit is left as it is: its model fills pages of its own, and the copy, held beside
/// it, raised a 10 MB compose file's peak by 40 %.
fn pack(reader: &dyn Reader, read: &mut Option<BatchRead>, text_bytes: usize) {
    if text_bytes > PACK_MAX_TEXT_BYTES {
        return;
    }
    match read {
        Some(BatchRead::Model(model)) => *model = model.clone(),
        Some(BatchRead::Summary(summary)) => reader.pack_summary(summary),
        None => {}
    }
}

/// The most text a unit read may come from for [`pack`] to copy its model. Heuristic:
/// far above a service's few files, far below the files whose copy cost memory.
const PACK_MAX_TEXT_BYTES: usize = 1 << 20;

/// Following the companions of a batch's units ([`Reader::companions`]): files read
/// as data by the files that name them (compose's `.env` and `env_file:` files), from
/// the checked tree (the paths and `--include-root` directories, as includes). A file
/// the run already registered (a `.env` the walk found) keeps its id, and its findings
/// stay its own reader's; another is registered here, and its syntax errors are
/// `parse-error`s. A missing file the reader needs is a `parse-error` warning where it
/// is named (it may be created at deploy time, but what it sets is not checked); one
/// outside the checked tree gets a note.
#[derive(Default)]
struct Companions {
    /// The checked tree's directories, canonical (worked out on first use).
    roots: Option<Vec<PathBuf>>,
    /// The files registered so far by canonical path (worked out on first use).
    registered: Option<HashMap<PathBuf, FileId>>,
}

/// Most rounds of companions one unit's files are asked for: a compose `extends:`
/// chain across files names one more file a round, and the compose reader follows at
/// most [`ecosystems::compose::MAX_EXTENDS`] bases; one round more names the last
/// one's companions, and one more finds nothing new.
const MAX_COMPANION_ROUNDS: usize = ecosystems::compose::MAX_EXTENDS + 2;

impl Companions {
    /// Read the companions the unit's `files` name, appending them (once each) to it;
    /// then ask again with those read, while the answer names files not tried before
    /// (a companion may name more: a compose base file's own `extends:`).
    fn follow(
        &mut self,
        reader: &dyn Reader,
        files: &mut Vec<ParsedFile>,
        request: &CheckRequest,
        report: &mut Report,
    ) {
        if reader.companions_nest() {
            self.follow_nested(reader, files, request, report);
            return;
        }
        // Each naming is tried once (a missing file is reported once where it is named).
        let mut tried = HashSet::new();
        // The companions read, by includer and path: looking through the unit's files
        // for each of thousands of imports was quadratic.
        let mut read: HashSet<(FileId, PathBuf)> = files
            .iter()
            .filter_map(|f| Some((f.included_from?.0, f.path.clone())))
            .collect();
        for _ in 0..MAX_COMPANION_ROUNDS {
            let named = named_companions(reader, files, &report.sources);
            let mut new = false;
            for (includer, companion) in named {
                let naming = (
                    includer,
                    companion.path.clone(),
                    companion.named_in,
                    companion.at,
                );
                if !tried.insert(naming) {
                    continue;
                }
                new = true;
                if read.contains(&(includer, companion.path.clone())) {
                    continue;
                }
                if let Some(file) = self.read(includer, &companion, request, report) {
                    read.insert((includer, companion.path.clone()));
                    files.push(file);
                }
            }
            if !new {
                break;
            }
        }
    }

    /// [`Companions::follow`] for a reader whose companions name companions
    /// ([`Reader::companions_nest`]): every file read is asked in turn, each file is read
    /// once per unit (a file the unit holds already, walked or read before, is not read
    /// again: an import cycle ends there), and a file named deeper than
    /// [`MAX_COMPANION_DEPTH`] is not read, with a `parse-error` warning where it is named.
    fn follow_nested(
        &mut self,
        reader: &dyn Reader,
        files: &mut Vec<ParsedFile>,
        request: &CheckRequest,
        report: &mut Report,
    ) {
        // How many companions below a file of the unit each file is.
        let mut depths = vec![0usize; files.len()];
        // The unit's files by path: looked through for each of thousands of imports, it
        // was quadratic.
        let mut held: HashSet<PathBuf> = files.iter().map(|f| source::normalise(&f.path)).collect();
        let mut next = 0;
        while let Some(file) = files.get(next) {
            let depth = depths.get(next).copied().unwrap_or(0);
            next += 1;
            let text = report.sources.get(file.id).map_or("", |f| f.text());
            let includer = file.id;
            let named = reader.companions(file, text, &[], &report.sources);
            for companion in named {
                let wanted = source::normalise(&companion.path);
                if held.contains(&wanted) {
                    continue;
                }
                if depth >= MAX_COMPANION_DEPTH {
                    too_deep(includer, &companion, report);
                    continue;
                }
                if let Some(read) = self.read(includer, &companion, request, report) {
                    held.insert(source::normalise(&read.path));
                    files.push(read);
                    depths.push(depth + 1);
                }
            }
        }
    }

    /// One companion read and parsed, or why not reported.
    fn read(
        &mut self,
        includer: FileId,
        companion: &ecosystems::Companion,
        request: &CheckRequest,
        report: &mut Report,
    ) -> Option<ParsedFile> {
        let at = Location {
            file: companion.named_in.unwrap_or(includer),
            span: companion.at,
        };
        let shown = source::display_path(&companion.path);
        let Ok(canonical) = std::fs::canonicalize(&companion.path) else {
            if let Some(message) = &companion.missing {
                report
                    .diagnostics
                    .push(engine_rules::parse_error::with_severity(
                        at,
                        message,
                        Severity::Warning,
                    ));
            }
            return None;
        };
        let roots = self.roots.get_or_insert_with(|| include_roots(request));
        if !companion.beside_unit && !roots.iter().any(|root| canonical.starts_with(root)) {
            report.notes.push(format!(
                "{}: {shown} not read: it is outside the paths being checked (--include-root DIR allows it)",
                report.sources.display(includer)
            ));
            return None;
        }
        let registered = self
            .registered
            .get_or_insert_with(|| registered_by_path(&report.sources));
        let (id, fresh) = match registered.get(&canonical) {
            Some(id) => (*id, false),
            // A `.properties` file (a Spring import) may be ISO-8859-1, as Spring reads it.
            None => match crate::includes::read_named_text(
                &companion.path,
                request.max_file_size,
                "the file",
                companion.format == Format::Properties,
            ) {
                Ok((text, encoding, disk_len)) => {
                    let file = SourceFile::new(&companion.path, text, encoding);
                    let id = report.sources.push(file.rereadable(disk_len));
                    registered.insert(canonical, id);
                    (id, true)
                }
                Err(message) => {
                    let message = format!("{shown} not read: {message}");
                    report
                        .diagnostics
                        .push(engine_rules::parse_error::at(at, &message));
                    return None;
                }
            },
        };
        let text = report.sources.get(id).map_or("", |f| f.text());
        let doc = parse_guarded(syntax::parse, companion.format, text);
        if fresh {
            let outcome = doc
                .as_ref()
                .map(|d| ParseOutcome::of(companion.format, text, d));
            report_parse(id, outcome, report);
        }
        Some(ParsedFile {
            id,
            path: companion.path.clone(),
            format: companion.format,
            // One with a syntax error is skipped like any other file.
            doc: doc.filter(|d| d.errors.is_empty())?,
            included_from: Some((includer, companion.at.start)),
        })
    }
}

/// The companions each of the unit's own `files` names, given those read for it.
fn named_companions(
    reader: &dyn Reader,
    files: &[ParsedFile],
    sources: &SourceMap,
) -> Vec<(FileId, ecosystems::Companion)> {
    let mut named = Vec::new();
    for file in files.iter().filter(|f| f.included_from.is_none()) {
        let text = sources.get(file.id).map_or("", |f| f.text());
        let read: Vec<&ParsedFile> = files
            .iter()
            .filter(|f| f.included_from.is_some_and(|(id, _)| id == file.id))
            .collect();
        let companions = reader.companions(file, text, &read, sources);
        named.extend(companions.into_iter().map(|c| (file.id, c)));
    }
    named
}

/// How deep companions are followed when they name companions
/// ([`Reader::companions_nest`]): a file this many companions below a file of the unit
/// names none that is read. Spring Boot has no such bound (it reads each file once, so
/// a cycle ends by itself); this one bounds a pathological chain of distinct files.
pub const MAX_COMPANION_DEPTH: usize = 10;

/// `companion` is named deeper than [`MAX_COMPANION_DEPTH`]: a `parse-error` warning
/// where it is named, as what it sets is not checked.
fn too_deep(includer: FileId, companion: &ecosystems::Companion, report: &mut Report) {
    let message = format!(
        "{} not read: it is named through {MAX_COMPANION_DEPTH} files already, the most poollint follows, so what it sets is not checked",
        source::display_path(&companion.path)
    );
    let at = Location {
        file: includer,
        span: companion.at,
    };
    report
        .diagnostics
        .push(engine_rules::parse_error::with_severity(
            at,
            &message,
            Severity::Warning,
        ));
}

/// The files registered in `sources` by canonical path.
fn registered_by_path(sources: &SourceMap) -> HashMap<PathBuf, FileId> {
    let paths = sources.canonical_paths();
    let ids = sources.files().iter().map(|f| f.id);
    ids.zip(paths)
        .filter_map(|(id, path)| Some((path?, id)))
        .collect()
}

/// Run the per-unit rules on the entries of what `reader` read of a unit (with the
/// secrets read with them), when its ecosystem's entries are checked so
/// ([`UNIT_CHECKED`]) and entries are not kept (`unit_rules` is Some), taking those
/// entries out of the read: the model does not keep them, even when no such rule is
/// enabled (`--select` of other rules), as no other rule reads them.
fn check_unit_entries(
    reader: &dyn Reader,
    read: &mut Option<BatchRead>,
    sources: &SourceMap,
    unit_rules: Option<&[&Enabled]>,
) -> Vec<Result<Vec<Diagnostic>, String>> {
    let ecosystem = reader.ecosystem();
    let (Some(BatchRead::Model(part)), Some(unit_rules)) = (read, unit_rules) else {
        return Vec::new();
    };
    if !UNIT_CHECKED.contains(&ecosystem) {
        return Vec::new();
    }
    let entries = part.entries.take_of(ecosystem);
    if unit_rules.is_empty() {
        return Vec::new();
    }
    let unit = Model {
        entries,
        secrets: part.secrets.clone(),
        sources: sources.clone(),
        ..Model::default()
    };
    unit_rules.iter().map(|e| run_rule(e, &unit)).collect()
}

/// Files read together in a batch: enough to keep every thread busy, few enough that
/// what a batch holds at once (a one-unit ecosystem's syntax trees, else its units'
/// reads before they join the model) stays a small part of memory.
const BATCH_FILES: usize = 256;

/// Bytes of text read together in a batch: 256 files of a few KB are far below it,
/// while 256 files of 240 KB held 61 MB of text at once.
const BATCH_BYTES: usize = 8 * 1024 * 1024;

/// Units a batch reads first ([`read_batch_of`]), before it knows how large they are:
/// enough to keep every thread busy reading.
const FIRST_CHUNK_UNITS: usize = 16;

/// One ecosystem's files in units ([`Reader::unit`]), in unit order; one unit when the
/// ecosystem is one. An ecosystem that is one unit only because its files may include
/// each other is split into its [`Reader::unit_without_includes`] when none does
/// ([`includes_nothing`]), so its syntax trees are held a batch at a time, not all
/// together.
fn units<'p>(
    reader: &dyn Reader,
    files: Vec<&'p Candidate>,
    request: &CheckRequest,
    report: &mut Report,
) -> Vec<Unit<'p>> {
    if files.is_empty() {
        return Vec::new();
    }
    let split = files
        .iter()
        .all(|f| reader.unit(&f.0).is_none() && reader.unit_without_includes(&f.0).is_some())
        && includes_nothing(&files, request, report);
    let unit_of = |path: &'p Path| {
        if split {
            reader.unit_without_includes(path)
        } else {
            reader.unit(path)
        }
    };
    // Grouped by hash, then the units (not every file) sorted: comparing paths goes
    // component by component, and an ordered map compared each file's unit many times.
    let mut index: foldhash::HashMap<&Path, usize> = foldhash::HashMap::default();
    let mut units: Vec<(&Path, Vec<&Candidate>)> = Vec::new();
    for file in &files {
        let Some(unit) = unit_of(&file.0) else {
            return vec![files];
        };
        let slot = *index.entry(unit).or_insert_with(|| {
            units.push((unit, Vec::new()));
            units.len() - 1
        });
        if let Some((_, unit_files)) = units.get_mut(slot) {
            unit_files.push(file);
        }
    }
    units.sort_unstable_by(|a, b| a.0.cmp(b.0));
    units.into_iter().map(|(_, files)| files).collect()
}

/// The files of one unit ([`Reader::unit`]), read and parsed together.
type Unit<'p> = Vec<&'p Candidate>;

/// Read the next batch of `units`, in order: [`FIRST_CHUNK_UNITS`], then as many as
/// the room left holds at the average size of those read, until [`BATCH_FILES`] files
/// or [`BATCH_BYTES`] of text are read (or the room holds no unit more), or none is
/// left. The files read, and how many units they are. The sizes are those of the texts
/// read (no file is looked up twice), so every run cuts the same batches.
fn read_batch_of(
    units: &[Unit],
    request: &CheckRequest,
    report: &mut Report,
) -> (Vec<Pending>, usize) {
    let mut pending = Vec::new();
    let (mut files, mut bytes, mut taken) = (0, 0, 0);
    let mut chunk = FIRST_CHUNK_UNITS;
    while chunk > 0 && taken < units.len() {
        let next = units
            .get(taken..units.len().min(taken + chunk))
            .unwrap_or_default();
        let chunk_files: Vec<&Candidate> = next.iter().flatten().copied().collect();
        files += chunk_files.len();
        let read = read_batch(&chunk_files, request, report);
        bytes += report.sources.text_bytes(read.iter().map(|p| p.id));
        pending.extend(read);
        taken += next.len();
        chunk = units_with_room(files, BATCH_FILES, taken).min(units_with_room(
            bytes,
            BATCH_BYTES,
            taken,
        ));
    }
    (pending, taken)
}

/// How many more units the room left below `limit` holds, if they are as large as the
/// `taken` units that came to `used` (any number when those were empty).
fn units_with_room(used: usize, limit: usize, taken: usize) -> usize {
    limit
        .saturating_sub(used)
        .saturating_mul(taken)
        .checked_div(used)
        .unwrap_or(usize::MAX)
}

/// Whether no file of `files` may include another ([`crate::includes::may_include`]).
/// Each is read (timed as reading), scanned and dropped; one that cannot be read
/// counts as one that may, so the ecosystem stays one unit as it always was.
fn includes_nothing(files: &[&Candidate], request: &CheckRequest, report: &mut Report) -> bool {
    let started = Instant::now();
    let nothing = files.par_iter().all(|(path, _, _, stdin)| match stdin {
        Some(bytes) => !crate::includes::may_include(bytes),
        None => source::read_bounded(path, request.max_file_size)
            .is_ok_and(|bytes| !crate::includes::may_include(&bytes)),
    });
    report.stats.read += started.elapsed();
    nothing
}

/// Parse one file; None when the parser panicked (poollint's fault).
fn parse_one(file: &Pending, sources: &SourceMap) -> Option<Document> {
    let text = sources.get(file.id).map_or("", |f| f.text());
    parse_guarded(syntax::parse, file.format, text)
}

/// Parse `text` with `parse` (`syntax::parse`, or a test's); None when the parser
/// panicked (poollint's fault). Included files are parsed through it too.
pub(crate) fn parse_guarded(
    parse: fn(Format, &str) -> Document,
    format: Format,
    text: &str,
) -> Option<Document> {
    catch_unwind(AssertUnwindSafe(|| parse(format, text))).ok()
}

/// What parsing a file gives the report: its syntax errors, and where its comments are
/// when it holds a suppression ([`crate::suppress::comment_spans`]).
pub(crate) struct ParseOutcome {
    errors: Vec<SyntaxError>,
    comments: Option<Vec<Span>>,
}

impl ParseOutcome {
    /// What `doc`, parsed from `text` as `format`, gives the report.
    pub(crate) fn of(format: Format, text: &str, doc: &Document) -> Self {
        // A file with a syntax error is not checked, so it holds no suppression: one
        // would only be reported unused, though the file needs it once mended.
        let comments = match doc.errors.is_empty() {
            true => crate::suppress::comment_spans(format, text, doc),
            false => Some(Vec::new()),
        };
        ParseOutcome {
            errors: doc.errors.clone(),
            comments,
        }
    }
}

/// Report what parsing a file gave: its syntax errors as `parse-error`s and its
/// comments for suppressions, or an internal error when the parser panicked (None).
pub(crate) fn report_parse(id: source::FileId, outcome: Option<ParseOutcome>, report: &mut Report) {
    let Some(ParseOutcome { errors, comments }) = outcome else {
        let (kind, message, _) = internal("parsing");
        report_unreadable(id, &kind, &message, Span::default(), report);
        return;
    };
    if let Some(comments) = comments {
        report.comments.insert(id, comments);
    }
    for error in errors {
        report.diagnostics.push(engine_rules::parse_error::syntax(
            Location {
                file: id,
                span: error.span,
            },
            &error.message,
        ));
    }
}

fn parsed_file(file: &Pending, doc: Document) -> ParsedFile {
    ParsedFile {
        included_from: None,
        id: file.id,
        path: file.path.clone(),
        format: file.format,
        doc,
    }
}

/// What reading a unit (or a whole one-unit ecosystem) gave: its model, or its summary
/// for [`Reader::join`].
enum BatchRead {
    Model(Model),
    Summary(ecosystems::Summary),
}

fn read_unit(reader: &dyn Reader, files: &[ParsedFile], sources: &SourceMap) -> BatchRead {
    #[cfg(test)]
    tests::panic_if_marked(files);
    let files: Vec<&ParsedFile> = files.iter().collect();
    match reader.summarise(&files, sources) {
        Some(summary) => BatchRead::Summary(summary),
        None => BatchRead::Model(reader.read(&files, sources)),
    }
}

/// Run a reader's step on `files`; a panic is an internal error for those files, not
/// an abort.
fn guarded<T>(
    reader: &dyn Reader,
    files: &[FileId],
    report: &mut Report,
    step: impl FnOnce() -> T,
) -> Option<T> {
    let value = catch_unwind(AssertUnwindSafe(step)).ok();
    if value.is_none() {
        report_reader_panic(reader, files, report);
    }
    value
}

/// The reader panicked on `files` (a unit's, or a whole ecosystem's), whose settings
/// are then not checked: an internal error naming them, the first few of many.
fn report_reader_panic(reader: &dyn Reader, files: &[FileId], report: &mut Report) {
    const NAMED: usize = 5;
    let ecosystem = reader.ecosystem();
    let names: Vec<String> = files
        .iter()
        .map(|id| report.sources.display(*id).to_owned())
        .collect();
    let message = match names.as_slice() {
        [name] => format!("{name}: internal error while reading this {ecosystem:?} file"),
        _ => format!(
            "internal error while reading {} {ecosystem:?} files, none of them checked: {}",
            names.len(),
            first_few(&names, ", ", NAMED)
        ),
    };
    report.internal_errors.push(message);
}

/// Register the manifest (so diagnostics can point into it) and merge its topology;
/// without a declared topology, infer the links that are unambiguous.
fn apply_manifest(model: &mut Model, request: &CheckRequest, report: &mut Report) {
    // Facts of the files, not of the manifest: a workload runs the application whose
    // file it mounts, whether or not a table declares them.
    crate::topology::link_mounted_applications(model);
    // The model shares the report's files (a cheap clone); the manifest is registered
    // first so that both see it.
    let Some(manifest) = request.manifest.as_ref().filter(|m| !m.topology.is_empty()) else {
        model.sources = report.sources.clone();
        // No declared topology: infer the links that are unambiguous.
        crate::topology::infer_deployments(model);
        crate::topology::drop_compose_interpolation_pools(model, &HashSet::new());
        return;
    };
    let id = report
        .sources
        .add(&manifest.path, manifest.text.clone(), Encoding::Utf8);
    model.sources = report.sources.clone();
    crate::topology::assemble(model, &manifest.topology, id);
    // A table the manifest writes for a `.env` keeps its pools: the team declared it.
    let declared: HashSet<&str> = manifest
        .topology
        .services
        .iter()
        .map(|s| s.name.value.as_str())
        .collect();
    crate::topology::drop_compose_interpolation_pools(model, &declared);
    report.notes.extend(crate::topology::unlinked_notes(
        model,
        &manifest.topology,
        id,
    ));
}

/// None when `rule` is switched off; otherwise the severity `[lint.rules]` forces on
/// it, if any (Some(None): the rule decides per finding).
pub fn rule_level(name: &str, request: &CheckRequest) -> Option<Option<Severity>> {
    // `--ignore parse-error` and `off` still turn `parse-error` off ([`is_selected`]).
    if !is_selected(name, request.select.as_deref()) {
        return None;
    }
    if request.ignore.iter().any(|s| s == name) {
        return None;
    }
    match request.settings.rules.get(name).and_then(|s| s.level) {
        Some(Level::Off) => None,
        Some(Level::On(severity)) => Some(Some(severity)),
        None => Some(None),
    }
}

/// Whether `--select` (None: not given) selects rule `name`. A file that could not be
/// read was not checked by any rule: `--select` narrowing the rules must not turn that
/// into a pass (as ruff reports syntax errors whatever it selects), so `parse-error` is
/// always selected.
pub(crate) fn is_selected(name: &str, select: Option<&[String]>) -> bool {
    name == engine_rules::PARSE_ERROR.name || select.is_none_or(|s| s.iter().any(|r| r == name))
}

/// A rule the settings enable, with the severity they force (None: the rule decides
/// per finding) and its options.
struct Enabled {
    rule: &'static dyn rules::Rule,
    level: Option<Severity>,
    options: rules::RuleOptions,
}

/// The options `settings` give rule `name`. Rules whose help names the smallest pool
/// that passes (`rules::sizing::smallest_passing_pool`) also get
/// pool-saturated-by-declared-load's `warn-utilization`, which that pool must meet.
pub(crate) fn rule_options(name: &str, settings: &LintSettings) -> rules::RuleOptions {
    let mut options = settings
        .rules
        .get(name)
        .map(|s| s.options.clone())
        .unwrap_or_default();
    let names_passing_pool = [
        rules::sizing::pool_wait_probability_exceeds_slo::META.name,
        rules::change::risky_pool_change::META.name,
    ];
    if names_passing_pool.contains(&name) {
        options.set(
            rules::sizing::WARN_UTILIZATION.name,
            rules::sizing::warn_utilization(settings),
        );
    }
    options
}

/// The rules whose help names a pool maximum or `max_connections` that fits the
/// database's slots also get no-db-connection-headroom's `min-free-share` when that
/// rule runs, so that the value they suggest does not trip it (its absence means the
/// headroom rule is off and only the slots count).
fn headroom_for_slot_rules(name: &str, request: &CheckRequest, options: &mut rules::RuleOptions) {
    use rules::concurrency::pool_smaller_than_thread_concurrency;
    use rules::sizing::{pool_saturated_by_declared_load, pool_wait_probability_exceeds_slo};
    use rules::topology::{
        autoscale_max_exceeds_db_slots, fleet_exceeds_db_slots, no_db_connection_headroom,
        pgbouncer_server_conns_exceed_postgres, rollout_surge_exceeds_db_slots,
    };
    // The slot rules, and the sizing rules whose helps must not lead into the headroom
    // rule (`topology::Headroom::for_help`).
    let slot_rules = [
        fleet_exceeds_db_slots::META.name,
        rollout_surge_exceeds_db_slots::META.name,
        autoscale_max_exceeds_db_slots::META.name,
        pgbouncer_server_conns_exceed_postgres::META.name,
        pool_saturated_by_declared_load::META.name,
        pool_wait_probability_exceeds_slo::META.name,
        pool_smaller_than_thread_concurrency::META.name,
    ];
    let headroom = no_db_connection_headroom::META.name;
    if !slot_rules.contains(&name) || rule_level(headroom, request).is_none() {
        return;
    }
    let share =
        rule_options(headroom, &request.settings).get(&no_db_connection_headroom::MIN_FREE_SHARE);
    options.set(no_db_connection_headroom::MIN_FREE_SHARE.name, share);
}

/// The rules this run uses, in registry order.
fn enabled_rules(request: &CheckRequest) -> Vec<Enabled> {
    rules::registry()
        .iter()
        .filter_map(|rule| {
            let name = rule.meta().name;
            let mut options = rule_options(name, &request.settings);
            headroom_for_slot_rules(name, request, &mut options);
            Some(Enabled {
                rule: *rule,
                level: rule_level(name, request)?,
                options,
            })
        })
        .collect()
}

/// Run every enabled rule (in parallel: rules only read the model) and collect their
/// findings in registry order.
fn run_rules(model: &Model, enabled: &[Enabled], report: &mut Report) {
    let results: Vec<Result<Vec<Diagnostic>, String>> =
        enabled.par_iter().map(|e| run_rule(e, model)).collect();
    // Room for every finding at once: the vector would otherwise double while the rules'
    // own vectors are still held, the old and new vectors both in memory.
    let found: usize = results.iter().flatten().map(Vec::len).sum();
    report.diagnostics.reserve_exact(found);
    add_findings(results, report);
}

/// Add what rules found to the report; a rule that failed is an internal error, said
/// once however many units it failed on.
fn add_findings(results: Vec<Result<Vec<Diagnostic>, String>>, report: &mut Report) {
    for result in results {
        match result {
            Ok(found) => report.diagnostics.extend(found),
            Err(error) if report.internal_errors.contains(&error) => {}
            Err(error) => report.internal_errors.push(error),
        }
    }
}

fn run_rule(enabled: &Enabled, model: &Model) -> Result<Vec<Diagnostic>, String> {
    let mut findings = rules::Findings::default();
    catch_unwind(AssertUnwindSafe(|| {
        enabled.rule.check(model, &enabled.options, &mut findings)
    }))
    .map_err(|_| format!("internal error in rule {}", enabled.rule.meta().name))?;
    let mut found = findings.into_vec();
    // Every rule's findings are held at once until they are added to the report.
    crate::memory::release_spare_room(&mut found, crate::memory::SPARE_ROOM_WORTH_A_COPY);
    if let Some(severity) = enabled.level {
        for diagnostic in &mut found {
            diagnostic.severity = severity;
        }
    }
    Ok(found)
}

/// Settings that apply after the rules: disabled engine rules, path ignores, secret
/// redaction, de-duplication and order.
fn finish(model: &Model, request: &CheckRequest, scrub: ScrubTexts, report: &mut Report) {
    if request.inline_suppressions {
        // `risky-pool-change` is found after the check, with `--diff-base` only
        // (`suppress::apply_late`): a suppression of it is never called unused.
        let enabled = |rule: &str| {
            rule != crate::rules::change::risky_pool_change::META.name
                && rule_level(rule, request).is_some()
        };
        report.used_suppressions = crate::suppress::apply(
            report.sources.files(),
            &report.comments,
            &mut report.diagnostics,
            enabled,
        );
    }
    apply_engine_rule_levels(request, report);
    drop_ignored(request, &report.sources, &mut report.diagnostics);
    redact(model, scrub, report);
    sort_and_dedup(report);
}

/// Leave out the findings `[[lint.ignore]]` ignores for their file's path.
pub(crate) fn drop_ignored(
    request: &CheckRequest,
    sources: &SourceMap,
    diagnostics: &mut Vec<Diagnostic>,
) {
    if request.settings.ignore.is_empty() {
        return;
    }
    let ignores = request.settings.ignore_index();
    // Files have many findings: each path is matched once.
    let mut matching: HashMap<FileId, Vec<usize>> = HashMap::new();
    diagnostics.retain(|d| {
        let file = d.primary.file;
        let entries = matching.entry(file).or_insert_with(|| {
            let path = sources.get(file).map(|f| f.path.as_path());
            let path = path.map(|p| request.settings.ignore_path(p));
            ignores.matching(path.as_deref().unwrap_or(sources.display(file)))
        });
        ignores.entry(entries, d.rule).is_none()
    });
}

/// Engine findings (`parse-error`, `unused-suppression`) obey `--select`, `--ignore` and
/// `[lint.rules]` like the others; they are made outside `run_rules`, so apply it here.
fn apply_engine_rule_levels(request: &CheckRequest, report: &mut Report) {
    let engine_rules = [
        &engine_rules::PARSE_ERROR,
        &engine_rules::UNUSED_SUPPRESSION,
    ];
    for meta in engine_rules {
        let level = rule_level(meta.name, request);
        report
            .diagnostics
            .retain(|d| d.rule != meta.name || level.is_some());
        if let Some(Some(severity)) = level {
            for d in report
                .diagnostics
                .iter_mut()
                .filter(|d| d.rule == meta.name)
            {
                d.severity = severity;
            }
        }
    }
}

/// Keep at most `max` findings per file (0: no limit): the most severe, earliest first,
/// in their reported order, with a note saying how many were left out. A generated or
/// hostile file cannot flood a CI log, and the exit code is kept (the most severe stay).
pub fn cap_per_file(report: &mut Report, max: usize) {
    if max == 0 {
        return;
    }
    // By path, so the notes come in path order whatever order the files were read in.
    let mut by_file: BTreeMap<(&str, source::FileId), Vec<usize>> = BTreeMap::new();
    for (index, d) in report.diagnostics.iter().enumerate() {
        let file = d.primary.file;
        by_file
            .entry((report.sources.display(file), file))
            .or_default()
            .push(index);
    }
    let mut dropped = vec![false; report.diagnostics.len()];
    let mut notes = Vec::new();
    for ((path, _), mut indices) in by_file.into_iter().filter(|(_, i)| i.len() > max) {
        let severity = |i: &usize| report.diagnostics.get(*i).map(|d| d.severity);
        // Stable sort: equal severities keep their position order.
        indices.sort_by_key(|i| std::cmp::Reverse(severity(i)));
        for &i in indices.iter().skip(max) {
            if let Some(slot) = dropped.get_mut(i) {
                *slot = true;
            }
        }
        notes.push(format!(
            "{path}: {} more findings not shown (at most {max} per file; see --max-diagnostics-per-file)",
            indices.len() - max
        ));
    }
    report.notes.extend(notes);
    let mut flags = dropped.into_iter();
    report
        .diagnostics
        .retain(|_| !flags.next().unwrap_or(false));
}

/// Deterministic order (path, position, rule, message); one diagnostic per rule and
/// primary location (profiles that share a value report it once).
pub fn sort_and_dedup(report: &mut Report) {
    // Files ranked by path once: comparing paths in each of the n log n comparisons
    // took most of the sort.
    let sources = &report.sources;
    let mut rank = vec![usize::MAX; sources.len()];
    let mut by_path: Vec<usize> = Vec::new();
    for d in &report.diagnostics {
        if let Some(slot @ &mut usize::MAX) = rank.get_mut(d.primary.file.0) {
            *slot = 0;
            by_path.push(d.primary.file.0);
        }
    }
    // By the repository-relative path the machine formats give, so their order does
    // not depend on the directory poollint runs from (the shown path when outside).
    let key = |file: usize| {
        let shown = sources.display(FileId(file));
        let source = sources.get(FileId(file));
        source.and_then(|f| f.repository_path()).unwrap_or(shown)
    };
    by_path.par_sort_by(|a, b| key(*a).cmp(key(*b)));
    for (position, file) in by_path.into_iter().enumerate() {
        if let Some(slot) = rank.get_mut(file) {
            *slot = position;
        }
    }
    // Sorted through a vector of keys and positions, then swapped in place: the merge
    // sort of `par_sort_by_key` took a buffer as large as the findings (2.3 MB on the
    // 10k benchmark tree, at the end of the run, when memory peaks). As stable.
    report.diagnostics.par_sort_by_cached_key(|d| {
        let file = rank.get(d.primary.file.0).copied().unwrap_or(usize::MAX);
        (file, d.primary.span.start, d.rule)
    });
    let mut seen = HashSet::new();
    report
        .diagnostics
        .retain(|d| seen.insert((d.rule, d.primary.file, d.primary.span)));
}

/// True when the run fails: a finding at or above the threshold.
pub fn has_failures(report: &Report, settings: &LintSettings) -> bool {
    report
        .diagnostics
        .iter()
        .any(|d| settings.fail_on.fails(d.severity))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Test builds only: a reader panics on the files it reads together with a file
    /// below a directory of this name.
    const PANIC_MARKER: &str = "poollint-test-reader-panic";

    pub(super) fn panic_if_marked(files: &[ParsedFile]) {
        let marked = |f: &ParsedFile| f.path.components().any(|c| c.as_os_str() == PANIC_MARKER);
        if files.iter().any(marked) {
            panic!("test: a reader panics on {PANIC_MARKER}");
        }
    }

    /// Check the files `(path, text)` written below a new directory; the report and
    /// each file's display path.
    fn check_files(files: &[(&str, &str)]) -> (Report, Vec<String>) {
        let dir = tempfile::tempdir().unwrap();
        let mut shown = Vec::new();
        for (path, text) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, text).unwrap();
            shown.push(source::display_path(&path));
        }
        let report = check(&CheckRequest::new(vec![dir.path().to_path_buf()]));
        (report, shown)
    }

    const BAD_POOL: &str = "spring:\n  datasource:\n    hikari:\n      maximum-pool-size: 0\n";

    /// Pack a model of one service read from `text_bytes` of text: the service's name
    /// and pools after, and whether its vector and name were copied.
    fn pack_one_service(text_bytes: usize) -> (String, Vec<usize>, bool) {
        let mut model = Model::default();
        let service = crate::model::Service::new("api".to_owned(), Ecosystem::Spring, vec![0]);
        model.services.push(service);
        let (services, name) = (model.services.as_ptr(), model.services[0].name.as_ptr());
        let mut read = Some(BatchRead::Model(model));
        pack(&crate::ecosystems::spring::Spring, &mut read, text_bytes);
        let Some(BatchRead::Model(mut packed)) = read else {
            panic!("a model is packed into a model");
        };
        let copied = packed.services.as_ptr() != services;
        // The strings inside the items too, not the vector alone.
        assert_eq!(copied, packed.services[0].name.as_ptr() != name);
        let service = packed.services.remove(0);
        (service.name, service.pools, copied)
    }

    #[test]
    fn a_unit_read_is_packed_into_blocks_of_its_own_unless_it_is_large() {
        let packed = ("api".to_owned(), vec![0], true);
        assert_eq!(pack_one_service(0), packed);
        assert_eq!(pack_one_service(PACK_MAX_TEXT_BYTES), packed);
        let left = ("api".to_owned(), vec![0], false);
        assert_eq!(pack_one_service(PACK_MAX_TEXT_BYTES + 1), left);
    }

    /// The batches `files` (PostgreSQL's, written below a new directory) are read in,
    /// and how many files each holds.
    fn postgres_batch_sizes(files: &[(String, &str)]) -> Vec<usize> {
        let (dir, candidates) = postgres_candidates(files);
        let request = CheckRequest::new(vec![dir.path().to_path_buf()]);
        let files: Vec<&Candidate> = candidates.iter().collect();
        let mut report = Report::default();
        let units = units(candidates[0].1, files, &request, &mut report);
        let mut sizes = Vec::new();
        let mut done = 0;
        while done < units.len() {
            let (pending, taken) = read_batch_of(&units[done..], &request, &mut report);
            let unit_files: usize = units[done..done + taken].iter().map(Vec::len).sum();
            assert_eq!(pending.len(), unit_files);
            sizes.push(pending.len());
            done += taken;
        }
        // Every file once, in the order of the units.
        let read: Vec<&Path> = report
            .sources
            .files()
            .iter()
            .map(|f| f.path.as_path())
            .collect();
        let walked: Vec<&Path> = units.iter().flatten().map(|c| c.0.as_path()).collect();
        assert_eq!(read, walked);
        sizes
    }

    /// `files` (PostgreSQL's) written below a new directory, as the walk finds them.
    fn postgres_candidates(files: &[(String, &str)]) -> (tempfile::TempDir, Vec<Candidate>) {
        let dir = tempfile::tempdir().unwrap();
        let candidates: Vec<Candidate> = files
            .iter()
            .map(|(name, text)| {
                let path = dir.path().join(name);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, text).unwrap();
                let (reader, format) = ecosystems::recognise(&path).unwrap();
                (path, reader, format, None)
            })
            .collect();
        (dir, candidates)
    }

    #[test]
    fn the_room_left_is_judged_by_the_units_read() {
        // 6 left, at 2 a unit.
        assert_eq!(units_with_room(4, 10, 2), 3);
        assert_eq!(units_with_room(4, 10, 3), 4);
        assert_eq!(units_with_room(10, 10, 5), 0);
        assert_eq!(units_with_room(12, 10, 5), 0);
        // Empty files say nothing of the next ones' size.
        assert_eq!(units_with_room(0, 10, 3), usize::MAX);
    }

    #[test]
    fn a_batch_reads_its_units_as_far_as_its_bytes() {
        // 40 servers of 300 KB: the first 16 units are 4.8 MB, and the 3.3 MB left
        // below 8 MiB hold 11 more; 27 are 8.1 MB, and the room left holds no unit more.
        let text = "#".repeat(300 * 1024);
        let files: Vec<(String, &str)> = (0..40)
            .map(|i| (format!("db{i:02}/postgresql.conf"), text.as_str()))
            .collect();
        assert_eq!(postgres_batch_sizes(&files), [27, 13]);
    }

    #[test]
    fn ini_files_that_include_nothing_are_read_a_directory_batch_at_a_time() {
        let mut files: Vec<(String, &str)> = (0..300)
            .flat_map(|i| {
                let dir = format!("db{i:03}");
                [
                    (format!("{dir}/postgresql.conf"), "max_connections = 100\n"),
                    (
                        format!("{dir}/postgresql.auto.conf"),
                        "max_connections = 50\n",
                    ),
                ]
            })
            .collect();
        // A server's two files are never in different batches.
        assert_eq!(postgres_batch_sizes(&files), [256, 256, 88]);
        // One include anywhere, and the files are one unit again.
        files[599].1 = "#include 'x'\n  include 'shared.conf'\n";
        assert_eq!(postgres_batch_sizes(&files), [600]);
    }

    fn findings_in(report: &Report, shown: &str) -> usize {
        let sources = &report.sources;
        report
            .diagnostics
            .iter()
            .filter(|d| sources.display(d.primary.file) == shown)
            .count()
    }

    #[test]
    fn a_reader_panic_on_one_unit_names_its_file_and_keeps_the_others_findings() {
        let marked = format!("{PANIC_MARKER}/application.yml");
        let (report, shown) =
            check_files(&[(&marked, BAD_POOL), ("other/application.yml", BAD_POOL)]);
        // Any internal error makes the CLI exit 2 (`cli::exit_code`).
        assert_eq!(
            report.internal_errors,
            [format!(
                "{}: internal error while reading this Spring file",
                shown[0]
            )]
        );
        assert!(
            findings_in(&report, &shown[1]) > 0,
            "{:?}",
            report.diagnostics
        );
    }

    /// PostgreSQL's files, one batch of eight directories: a panic reading it is every
    /// file's.
    #[test]
    fn a_reader_panic_on_a_batch_names_its_files_and_counts_them() {
        let mut files: Vec<(String, &str)> = (0..7)
            .map(|i| (format!("db{i}/postgresql.conf"), "max_connections = 100\n"))
            .collect();
        files.push((format!("{PANIC_MARKER}/postgresql.conf"), "port = 5432\n"));
        files.push(("app/application.yml".into(), BAD_POOL));
        let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), *t)).collect();
        let (report, shown) = check_files(&files);
        let mut postgres: Vec<&str> = shown[..8].iter().map(String::as_str).collect();
        postgres.sort_unstable();
        assert_eq!(
            report.internal_errors,
            [format!(
                "internal error while reading 8 Postgres files, none of them checked: {} and 3 more",
                postgres[..5].join(", ")
            )]
        );
        assert!(
            findings_in(&report, &shown[8]) > 0,
            "{:?}",
            report.diagnostics
        );
    }
}
