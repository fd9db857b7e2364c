//! `--diff-base REV` wiring: keep findings on changed lines, and compare the pools of
//! the working tree with the pools at REV (`risky-pool-change`).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::diff::DiffBase;
use crate::engine::{self, CheckRequest, Report};
use crate::rules::change::risky_pool_change;
use crate::scopes::Scope;
use crate::source::FileId;

/// Keep each share's findings on changed lines, and run `risky-pool-change` in the
/// shares that enable it. `start` is a path checked (it finds the repository).
pub fn review(rev: &str, start: &Path, scopes: &mut [Scope]) -> Result<(), String> {
    let dir = if start.is_dir() {
        start
    } else {
        start.parent().unwrap_or(Path::new("."))
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let base = DiffBase::open(dir, rev)?;
    let changed = base.changed_lines()?;
    let mut compared = Vec::new();
    for scope in scopes.iter_mut() {
        let after_paths = scope.report.sources.canonical_paths();
        let report = &mut scope.report;
        crate::diff::keep_changed(
            &mut report.diagnostics,
            &report.sources,
            &after_paths,
            &changed,
        );
        if let Some(level) = engine::rule_level(risky_pool_change::META.name, &scope.request) {
            compared.push((scope, level, after_paths));
        }
    }
    if compared.is_empty() {
        return Ok(());
    }
    let before_tree =
        tempfile::tempdir().map_err(|e| format!("cannot create a temporary directory: {e}"))?;
    let requests: Vec<&CheckRequest> = compared.iter().map(|(s, _, _)| &s.request).collect();
    base.extract(before_tree.path(), &read_by_check(&base, &requests))?;
    let canonical_tree = std::fs::canonicalize(before_tree.path()).ok();
    for (scope, level, after_paths) in compared {
        let before = check_before(&base, before_tree.path(), &scope.request)?;
        let found = compare_pools(
            rev,
            &base,
            (&before, canonical_tree.as_deref()),
            (&scope.report, &after_paths),
            &scope.request,
        );
        let report = &mut scope.report;
        report.diagnostics.extend(found.into_iter().map(|mut d| {
            if let Some(severity) = level {
                d.severity = severity;
            }
            d
        }));
        engine::sort_and_dedup(report);
    }
    Ok(())
}

/// `risky-pool-change` between the check of the tree at REV (`before`, in a temporary
/// tree) and the check of the working tree (`after`, with its files' resolved paths).
fn compare_pools(
    rev: &str,
    base: &DiffBase,
    (before, canonical_tree): (&Report, Option<&Path>),
    (after, after_paths): (&Report, &[Option<PathBuf>]),
    request: &CheckRequest,
) -> Vec<crate::diagnostic::Diagnostic> {
    let options = request
        .settings
        .rules
        .get(risky_pool_change::META.name)
        .map(|s| s.options.clone())
        .unwrap_or_default();
    // Both trees' files by id, relative to their tree: looked up for every pool.
    let before_paths: Vec<Option<PathBuf>> = before
        .sources
        .canonical_paths()
        .into_iter()
        .map(|path| relative_to(path?, canonical_tree?))
        .collect();
    let after_paths: Vec<Option<PathBuf>> = after_paths
        .iter()
        .map(|path| base.relative_canonical(path.as_deref()?))
        .collect();
    let before_path = |file: FileId| before_paths.get(file.0).cloned().flatten();
    let after_path = |file: FileId| after_paths.get(file.0).cloned().flatten();
    risky_pool_change::compare(
        &before.model,
        &before_path,
        &after.model,
        &after_path,
        rev,
        &options,
    )
}

/// Which files of the tree at REV (paths relative to the repository) the check of that
/// tree needs for its pools: those an ecosystem reads, the ignore files that decide
/// which of them are walked, and the manifest with the files it names.
fn read_by_check(base: &DiffBase, requests: &[&CheckRequest]) -> impl Fn(&Path) -> bool {
    let manifest: HashSet<PathBuf> = requests
        .iter()
        .filter_map(|r| r.manifest.as_ref())
        .flat_map(|m| m.topology.files().into_iter().chain([m.path.clone()]))
        .filter_map(|path| base.relative(&path))
        .collect();
    move |path: &Path| {
        crate::ecosystems::recognise(path).is_some()
            || path
                .file_name()
                .is_some_and(|n| n == ".gitignore" || n == ".ignore")
            || manifest.contains(path)
    }
}

/// The same check on the tree at REV, without rules: only its model is needed.
fn check_before(base: &DiffBase, tree: &Path, request: &CheckRequest) -> Result<Report, String> {
    let at_rev = |paths: &[PathBuf]| -> Vec<PathBuf> {
        paths
            .iter()
            .filter_map(|p| base.relative(p))
            .map(|rel| tree.join(rel))
            .filter(|p| p.exists())
            .collect()
    };
    let mut before = CheckRequest::new(at_rev(&request.paths));
    before.exclude_dirs = at_rev(&request.exclude_dirs);
    before.select = Some(Vec::new());
    if let Some(manifest) = &request.manifest {
        let at_rev = base.relative(&manifest.path).map(|rel| tree.join(rel));
        if let Some(path) = at_rev.filter(|p| p.is_file()) {
            // A manifest that was broken at REV just means no topology to compare with.
            before.manifest = crate::manifest::load(&path).ok();
        }
    }
    Ok(engine::check(&before))
}

fn relative_to(canonical: PathBuf, canonical_tree: &Path) -> Option<PathBuf> {
    canonical
        .strip_prefix(canonical_tree)
        .ok()
        .map(Path::to_path_buf)
}
