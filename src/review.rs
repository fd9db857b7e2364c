//! `--diff-base REV` wiring: keep findings on changed lines, and compare the pools of
//! the working tree with the pools at REV (`risky-pool-change`).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::diff::DiffBase;
use crate::engine::{self, CheckRequest, Report};
use crate::rules::change::risky_pool_change;
use crate::source::FileId;

pub fn review(rev: &str, request: &CheckRequest, report: &mut Report) -> Result<(), String> {
    let start = request
        .paths
        .first()
        .map_or(Path::new("."), PathBuf::as_path);
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
    let after_paths = report.sources.canonical_paths();
    crate::diff::keep_changed(
        &mut report.diagnostics,
        &report.sources,
        &after_paths,
        &changed,
    );
    let Some(level) = engine::rule_level(risky_pool_change::META.name, request) else {
        return Ok(());
    };
    let before_tree =
        tempfile::tempdir().map_err(|e| format!("cannot create a temporary directory: {e}"))?;
    base.extract(before_tree.path(), &read_by_check(&base, request))?;
    let before = check_before(&base, before_tree.path(), request)?;
    let options = request
        .settings
        .rules
        .get(risky_pool_change::META.name)
        .map(|s| s.options.clone())
        .unwrap_or_default();
    // Both trees' files by id, relative to their tree: looked up for every pool.
    let canonical_tree = std::fs::canonicalize(before_tree.path()).ok();
    let before_paths: Vec<Option<PathBuf>> = before
        .sources
        .canonical_paths()
        .into_iter()
        .map(|path| relative_to(path?, canonical_tree.as_deref()?))
        .collect();
    let after_paths: Vec<Option<PathBuf>> = after_paths
        .iter()
        .map(|path| base.relative_canonical(path.as_deref()?))
        .collect();
    let before_path = |file: FileId| before_paths.get(file.0).cloned().flatten();
    let after_path = |file: FileId| after_paths.get(file.0).cloned().flatten();
    let mut found = risky_pool_change::compare(
        &before.model,
        &before_path,
        &report.model,
        &after_path,
        rev,
        &options,
    );
    if let Some(severity) = level {
        for d in &mut found {
            d.severity = severity;
        }
    }
    report.diagnostics.extend(found);
    engine::sort_and_dedup(report);
    Ok(())
}

/// Which files of the tree at REV (paths relative to the repository) the check of that
/// tree needs for its pools: those an ecosystem reads, the ignore files that decide
/// which of them are walked, and the manifest with the files it names.
fn read_by_check(base: &DiffBase, request: &CheckRequest) -> impl Fn(&Path) -> bool {
    let manifest: HashSet<PathBuf> = request
        .manifest
        .iter()
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
    let paths: Vec<PathBuf> = request
        .paths
        .iter()
        .filter_map(|p| base.relative(p))
        .map(|rel| tree.join(rel))
        .filter(|p| p.exists())
        .collect();
    let mut before = CheckRequest::new(paths);
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
