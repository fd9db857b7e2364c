//! `--diff-base REV` wiring: keep findings on changed lines and findings the check of
//! the tree at REV did not make (by fingerprint: a deleted line or an unlabelled
//! manifest fact caused them), and compare the pools of the working tree with the
//! pools at REV (`risky-pool-change`).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::diff::DiffBase;
use crate::engine::{self, CheckRequest, Report};
use crate::rules::change::risky_pool_change::{self, PoolsAtRev};
use crate::scopes::Scope;
use crate::source::FileId;

/// Keep each share's findings on changed lines, and run `risky-pool-change` in the
/// shares that enable it, against the same check of the tree at REV. `request` is the
/// run's (its first path finds the repository); `nested` as for [`crate::scopes::check`].
pub fn review(
    rev: &str,
    request: &CheckRequest,
    nested: bool,
    scopes: &mut [Scope],
) -> Result<(), String> {
    let base = DiffBase::open(repository_dir(request), rev)?;
    // Lines are compared within one repository: a path outside it has no diff, and its
    // findings would all be taken for unchanged. Standard input checks its file alone,
    // whose name found the repository (the paths are then only the default `.`).
    let paths = if request.stdin.is_some() {
        &[][..]
    } else {
        &request.paths[..]
    };
    if let Some(outside) = paths.iter().find(|p| base.relative(p).is_none()) {
        return Err(format!(
            "--diff-base compares files of one repository ({}), and {} is not in it: check each repository in a run of its own",
            base.root.display(),
            outside.display()
        ));
    }
    if let (Some(note), Some(first)) = (&base.note, scopes.first_mut()) {
        first.report.notes.push(note.clone());
    }
    let mut changed = base.changed_lines()?;
    // Standard input stands for its file: its lines are compared with the file at the
    // base, not the file on disk (unsaved edits would count as unchanged). A file not
    // saved yet is new: all of it is changed, under its name made absolute.
    let stdin_path = request.stdin.as_ref().map(|(name, text)| {
        let path = std::fs::canonicalize(name).unwrap_or_else(|_| crate::source::absolute(name));
        let lines = match path.exists() {
            true => base.changed_lines_of_text(&path, &String::from_utf8_lossy(text)),
            false => Ok(None),
        };
        (name, path, lines)
    });
    if let Some((_, path, lines)) = &stdin_path {
        changed.insert(path.clone(), lines.clone()?);
    }
    // Each share's files' resolved paths.
    let after: Vec<Vec<Option<PathBuf>>> = scopes
        .iter()
        .map(|scope| {
            let mut after_paths = scope.report.sources.canonical_paths();
            if let Some((name, path, _)) = &stdin_path {
                let files = scope.report.sources.files().iter();
                for (file, after) in files.zip(&mut after_paths) {
                    if file.path == **name && after.is_none() {
                        *after = Some(path.clone());
                    }
                }
            }
            after_paths
        })
        .collect();
    // Every line of a checked file git does not track (new, or ignored) is changed: the
    // check at REV cannot have made its findings. Standard input's entry stays.
    for path in base.untracked(after.iter().flatten().flatten())? {
        changed.entry(path).or_insert(None);
    }
    // Per share: its files' resolved paths, the findings off the changed lines, and
    // the level of `risky-pool-change` when the share enables it.
    let mut shares = Vec::with_capacity(scopes.len());
    for (scope, after_paths) in scopes.iter_mut().zip(after) {
        let report = &mut scope.report;
        let left_out = crate::diff::keep_changed(
            &mut report.diagnostics,
            &report.sources,
            &after_paths,
            &changed,
        );
        let level = engine::rule_level(risky_pool_change::META.name, &scope.request);
        shares.push((after_paths, left_out, level));
    }
    let compares = shares.iter().any(|(_, _, level)| level.is_some());
    if !compares && shares.iter().all(|(_, left_out, _)| left_out.is_empty()) {
        return Ok(());
    }
    // The same check of the tree at REV: its models give the pools `risky-pool-change`
    // compares with, its findings the fingerprints that existed at REV.
    let requests: Vec<&CheckRequest> = scopes.iter().map(|s| &s.request).collect();
    let read: Vec<&[Option<PathBuf>]> = shares.iter().map(|(paths, _, _)| &paths[..]).collect();
    let wanted = read_by_check(&base, &requests, &read);
    let in_memory = in_memory_dir(std::env::var_os("TMPDIR"), Path::new(SHARED_MEMORY));
    let before_tree = extract_tree(&base, &wanted, in_memory.as_deref())?;
    let canonical_tree = std::fs::canonicalize(before_tree.path()).ok();
    let before = check_before(&base, before_tree.path(), request, nested);
    let at_rev = fingerprints_at_rev(&before, canonical_tree.as_deref());
    let renamed = if compares || shares.iter().any(|(_, left_out, _)| !left_out.is_empty()) {
        base.renamed()?
    } else {
        Default::default()
    };
    for (scope, (after_paths, left_out, _)) in scopes.iter_mut().zip(&mut shares) {
        // A finding off the changed lines that the check at REV did not make is new all
        // the same: the change caused it through a line it deleted (a removed setting
        // whose default now applies) or a fact no label cites (a service's
        // `connects-to`). Its fingerprint (rule, path, key and values, not the line) is
        // compared, as a baseline's is; a finding of a file outside the repository has
        // no path at REV and stays left out; one of a renamed file is looked for under
        // its name at REV.
        let new = |d: &crate::diagnostic::Diagnostic| {
            let Some(name) = repository_name(&base, after_paths, d.primary.file) else {
                return false;
            };
            let old_name = after_paths
                .get(d.primary.file.0)
                .and_then(|path| renamed.get(path.as_ref()?));
            !std::iter::once(&name)
                .chain(old_name)
                .any(|name| at_rev.contains(&d.fingerprint(name)))
        };
        let (new, old): (Vec<_>, Vec<_>) = std::mem::take(left_out).into_iter().partition(new);
        let report = &mut scope.report;
        report.outside_diff.extend(old);
        if !new.is_empty() {
            report.diagnostics.extend(new);
            engine::sort_and_dedup(report);
        }
    }
    if !compares {
        return Ok(());
    }
    let before_shares = BeforeShares::new(&before, canonical_tree.as_deref());
    let pools_before = pools_at_rev(&before, canonical_tree.as_deref());
    scopes
        .par_iter_mut()
        .zip(shares)
        .for_each(|(scope, (after_paths, _, level))| {
            let Some(level) = level else {
                return;
            };
            let Some(old) = pools_before.get(before_shares.of(&base, &scope.request)) else {
                return;
            };
            let found = compare_pools(
                rev,
                (&base, &renamed),
                old,
                (&scope.report, &after_paths),
                &scope.request,
            );
            let report = &mut scope.report;
            let mut found: Vec<_> = found
                .into_iter()
                .map(|mut d| {
                    if let Some(severity) = level {
                        d.severity = severity;
                    }
                    d
                })
                .collect();
            // Suppressed and ignored as the check's findings were.
            if scope.request.inline_suppressions {
                let files = report.sources.files();
                crate::suppress::apply_late(files, &report.comments, &mut found);
            }
            engine::drop_ignored(&scope.request, &report.sources, &mut found);
            report.diagnostics.extend(found);
            engine::sort_and_dedup(report);
        });
    Ok(())
}

/// The name of `file` (of a share with resolved paths `paths`) relative to the
/// repository, slashed, as fingerprints are made of it.
fn repository_name(base: &DiffBase, paths: &[Option<PathBuf>], file: FileId) -> Option<String> {
    let path = paths.get(file.0)?.as_deref()?;
    let relative = base.relative_canonical(path)?;
    Some(crate::source::slashed(&relative.to_string_lossy()))
}

/// The fingerprints of every finding of the check of the tree at REV (extracted at
/// `canonical_tree`), made with the files' paths relative to the tree.
fn fingerprints_at_rev(before: &[Scope], canonical_tree: Option<&Path>) -> HashSet<String> {
    let Some(tree) = canonical_tree else {
        return HashSet::new();
    };
    let mut found = HashSet::new();
    for scope in before {
        let paths = scope.report.sources.canonical_paths();
        for d in &scope.report.diagnostics {
            let Some(Some(path)) = paths.get(d.primary.file.0) else {
                continue;
            };
            if let Some(relative) = relative_to(path.clone(), tree) {
                found.insert(d.fingerprint(&crate::source::slashed(&relative.to_string_lossy())));
            }
        }
    }
    found
}

/// The pools of each share of the tree at REV (extracted at `canonical_tree`), indexed
/// by their files' paths relative to the tree.
fn pools_at_rev<'m>(before: &'m [Scope], canonical_tree: Option<&Path>) -> Vec<PoolsAtRev<'m>> {
    before
        .par_iter()
        .map(|scope| {
            // Resolved once per file: looked up for every pool.
            let paths: Vec<Option<PathBuf>> = scope
                .report
                .sources
                .canonical_paths()
                .into_iter()
                .map(|path| relative_to(path?, canonical_tree?))
                .collect();
            let path = |file: FileId| paths.get(file.0).cloned().flatten();
            risky_pool_change::pools_at_rev(&scope.report.model, &path)
        })
        .collect()
}

/// The directory of the `--stdin-filename` or of the run's first path: the repository
/// is found from it, as for a file on disk (not from the current directory, which may
/// be another repository's, as a submodule's parent is). A buffer not yet saved may be
/// named in a directory not yet made: its nearest existing ancestor is used.
fn repository_dir(request: &CheckRequest) -> &Path {
    let stdin_name = request.stdin.as_ref().map(|(name, _)| name.as_path());
    let start = stdin_name
        .or(request.paths.first().map(PathBuf::as_path))
        .unwrap_or(Path::new("."));
    let dir = crate::source::containing_dir(start);
    dir.ancestors()
        .find(|d| !d.as_os_str().is_empty() && d.is_dir())
        .unwrap_or(Path::new("."))
}

/// The shares of the check at REV by their manifest's directory (relative to the
/// repository), to find the one that governed a share's files at REV.
struct BeforeShares {
    by_dir: HashMap<PathBuf, usize>,
}

impl BeforeShares {
    fn new(before: &[Scope], canonical_tree: Option<&Path>) -> Self {
        let by_dir = before
            .iter()
            .enumerate()
            .filter_map(|(share, scope)| {
                let dir = crate::scopes::resolved_dir(&scope.request.manifest.as_ref()?.path)?;
                Some((relative_to(dir, canonical_tree?)?, share))
            })
            .collect();
        BeforeShares { by_dir }
    }

    /// The share at REV governing the directory of `request`'s manifest (its own
    /// manifest as it was, or the one above it if it is new); share 0 without one.
    fn of(&self, base: &DiffBase, request: &CheckRequest) -> usize {
        let dir = request
            .manifest
            .as_ref()
            .and_then(|m| crate::scopes::resolved_dir(&m.path))
            .and_then(|dir| base.relative_canonical(&dir));
        dir.and_then(|dir| {
            dir.ancestors()
                .find_map(|above| self.by_dir.get(above).copied())
        })
        .unwrap_or(0)
    }
}

/// `risky-pool-change` between the pools at REV and the check of the working tree
/// (`after`, with its files' resolved paths). A renamed file's pools are compared with
/// those of its name at REV (`renamed`: the new path, resolved, to the old one), so a
/// pool cut in a moved file is not a new pool.
fn compare_pools(
    rev: &str,
    (base, renamed): (&DiffBase, &BTreeMap<PathBuf, String>),
    old: &PoolsAtRev,
    (after, after_paths): (&Report, &[Option<PathBuf>]),
    request: &CheckRequest,
) -> Vec<crate::diagnostic::Diagnostic> {
    let options = crate::engine::rule_options(risky_pool_change::META.name, &request.settings);
    let after_paths: Vec<Option<PathBuf>> = after_paths
        .iter()
        .map(|path| {
            let path = path.as_deref()?;
            match renamed.get(path) {
                Some(old) => Some(PathBuf::from(old)),
                None => base.relative_canonical(path),
            }
        })
        .collect();
    let after_path = |file: FileId| after_paths.get(file.0).cloned().flatten();
    risky_pool_change::compare(old, &after.model, &after_path, rev, &options)
}

/// Which files of the tree at REV (paths relative to the repository) the check of that
/// tree needs: those an ecosystem reads, the ignore files that decide which of them are
/// walked, the manifests, the files the run's manifests name, and the files the check
/// of the working tree read (`read`, resolved: what includes pulled in, whatever
/// their names; a file included at REV only is missing there).
fn read_by_check(
    base: &DiffBase,
    requests: &[&CheckRequest],
    read: &[&[Option<PathBuf>]],
) -> impl Fn(&Path) -> bool {
    let manifest: HashSet<PathBuf> = requests
        .iter()
        .filter_map(|r| r.manifest.as_ref())
        .flat_map(|m| m.topology.files().into_iter().chain([m.path.clone()]))
        .filter_map(|path| base.relative(&path))
        .chain(
            read.iter()
                .flat_map(|paths| paths.iter().flatten())
                .filter_map(|path| base.relative_canonical(path)),
        )
        .collect();
    move |path: &Path| {
        crate::ecosystems::recognise(path).is_some()
            || path.file_name().is_some_and(|n| {
                n == ".gitignore" || n == ".ignore" || n == crate::manifest::FILE_NAME
            })
            || manifest.contains(path)
    }
}

/// Where Linux keeps files in memory (tmpfs).
const SHARED_MEMORY: &str = "/dev/shm";

/// Where to extract the tree at REV in memory: `shared_memory` when it is a directory
/// and `TMPDIR` does not name another place for temporary files. Written to an ext4
/// disk, the tree's directories and files took half of a review: `--diff-base` on the
/// 1k benchmark tree took 1.27–1.42 s, 0.57–0.71 s in memory (`benches/README.md`).
fn in_memory_dir(tmpdir: Option<std::ffi::OsString>, shared_memory: &Path) -> Option<PathBuf> {
    let tmpdir_set = tmpdir.is_some_and(|dir| !dir.is_empty());
    (!tmpdir_set && shared_memory.is_dir()).then(|| shared_memory.to_path_buf())
}

/// The files of the tree at REV that `wanted` accepts, in a temporary directory: in
/// `in_memory` when they can all be written there, else in the system's temporary
/// directory (a container's `/dev/shm` is 64 MB by default, less than a large
/// repository's configuration).
fn extract_tree(
    base: &DiffBase,
    wanted: &dyn Fn(&Path) -> bool,
    in_memory: Option<&Path>,
) -> Result<tempfile::TempDir, String> {
    if let Some(dir) = in_memory.and_then(|parent| tempfile::tempdir_in(parent).ok()) {
        if base.extract(dir.path(), wanted).is_ok() {
            return Ok(dir);
        }
    }
    let dir =
        tempfile::tempdir().map_err(|e| format!("cannot create a temporary directory: {e}"))?;
    base.extract(dir.path(), wanted)?;
    Ok(dir)
}

/// The same check on the tree at REV, split by the manifests as they were: with the
/// run's rules and options (`--select`, `--ignore`, `--exclude`, …), so a finding that
/// existed then has the fingerprint it has now.
fn check_before(base: &DiffBase, tree: &Path, request: &CheckRequest, nested: bool) -> Vec<Scope> {
    let at_rev = |path: &PathBuf| base.relative(path).map(|rel| tree.join(rel));
    // Standard input stands for its file: that file is what the check at REV reads.
    let checked = match &request.stdin {
        Some((name, _)) => std::slice::from_ref(name),
        None => &request.paths[..],
    };
    let paths: Vec<PathBuf> = checked
        .iter()
        .filter_map(at_rev)
        .filter(|p| p.exists())
        .collect();
    let mut before = CheckRequest::new(paths);
    before.select = request.select.clone();
    before.ignore = request.ignore.clone();
    before.max_file_size = request.max_file_size;
    before.inline_suppressions = request.inline_suppressions;
    before.exclude_patterns = request.exclude_patterns.clone();
    before.include_roots = request
        .include_roots
        .iter()
        .map(|root| at_rev(root).unwrap_or_else(|| root.clone()))
        .collect();
    if let Some(manifest) = &request.manifest {
        if let Some(path) = at_rev(&manifest.path).filter(|p| p.is_file()) {
            // A manifest that was broken at REV just means no topology to compare with.
            before.manifest = crate::manifest::load(&path).ok();
            if let Some(manifest) = &before.manifest {
                before.settings = manifest.lint.clone();
            }
        }
    }
    crate::scopes::check(&before, nested).scopes
}

fn relative_to(canonical: PathBuf, canonical_tree: &Path) -> Option<PathBuf> {
    canonical
        .strip_prefix(canonical_tree)
        .ok()
        .map(Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

    use super::*;

    #[test]
    fn the_tree_at_rev_goes_to_memory_unless_tmpdir_names_a_place() {
        let shared = tempfile::tempdir().unwrap();
        let shared = shared.path();
        assert_eq!(in_memory_dir(None, shared), Some(shared.to_path_buf()));
        assert_eq!(
            in_memory_dir(Some("".into()), shared),
            Some(shared.to_path_buf())
        );
        assert_eq!(in_memory_dir(Some("/var/tmp".into()), shared), None);
        assert_eq!(in_memory_dir(None, &shared.join("missing")), None);
    }

    /// A repository of one commit holding `config/application.yml` and `src/App.java`.
    fn repository() -> tempfile::TempDir {
        let repo = tempfile::tempdir().unwrap();
        let dir = repo.path();
        std::fs::create_dir_all(dir.join("config")).unwrap();
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::write(dir.join("config/application.yml"), "a: 1\n").unwrap();
        std::fs::write(dir.join("src/App.java"), "class App {}\n").unwrap();
        for args in [&["init", "-q"][..], &["add", "."], &["commit", "-qm", "c"]] {
            let status = std::process::Command::new("git")
                .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid"])
                .args(["-c", "commit.gpgsign=false", "-C"])
                .arg(dir)
                .args(args)
                .status()
                .unwrap();
            assert!(status.success(), "git {args:?}");
        }
        repo
    }

    #[test]
    fn untracked_are_the_checked_files_of_the_repository_git_does_not_track() {
        let repo = repository();
        let base = DiffBase::open(repo.path(), "HEAD").unwrap();
        let committed = base.root.join("config/application.yml");
        let new = base.root.join("new/application.yml");
        let outside = PathBuf::from("/elsewhere/application.yml");
        let checked = [committed, new.clone(), outside];
        assert_eq!(base.untracked(&checked).unwrap(), HashSet::from([new]));
        assert!(base.untracked(&[]).unwrap().is_empty());
    }

    #[test]
    fn the_tree_at_rev_is_extracted_in_memory_or_else_where_temporary_files_go() {
        let repo = repository();
        let base = DiffBase::open(repo.path(), "HEAD").unwrap();
        let yaml = |path: &Path| path.extension().is_some_and(|e| e == "yml");
        let memory = tempfile::tempdir().unwrap();
        let tree = extract_tree(&base, &yaml, Some(memory.path())).unwrap();
        assert!(tree.path().starts_with(memory.path()));
        assert!(tree.path().join("config/application.yml").is_file());
        assert!(!tree.path().join("src/App.java").exists());
        // No room there (here: no such directory): the system's temporary directory.
        let missing = memory.path().join("missing");
        let tree = extract_tree(&base, &yaml, Some(&missing)).unwrap();
        assert!(!tree.path().starts_with(memory.path()));
        assert!(tree.path().join("config/application.yml").is_file());
    }
}
