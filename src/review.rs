//! `--diff-base REV` wiring: keep findings on changed lines, and compare the pools of
//! the working tree with the pools at REV (`risky-pool-change`).

use std::path::{Path, PathBuf};

use crate::diff::DiffBase;
use crate::engine::{self, CheckRequest, Report};
use crate::rules::change::risky_pool_change;
use crate::source::{FileId, SourceMap};

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
    crate::diff::keep_changed(&mut report.diagnostics, &report.sources, &changed);
    let Some(level) = engine::rule_level(risky_pool_change::META.name, request) else {
        return Ok(());
    };
    let before_tree =
        tempfile::tempdir().map_err(|e| format!("cannot create a temporary directory: {e}"))?;
    base.extract(before_tree.path())?;
    let before = check_before(&base, before_tree.path(), request)?;
    let options = request
        .settings
        .rules
        .get(risky_pool_change::META.name)
        .map(|s| s.options.clone())
        .unwrap_or_default();
    let before_path = |file: FileId| relative_to(&before.sources, file, before_tree.path());
    let after_path = |file: FileId| {
        report
            .sources
            .get(file)
            .and_then(|f| base.relative(&f.path))
    };
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

fn relative_to(sources: &SourceMap, file: FileId, tree: &Path) -> Option<PathBuf> {
    let path = &sources.get(file)?.path;
    let canonical_tree = std::fs::canonicalize(tree).ok()?;
    let canonical = std::fs::canonicalize(path).ok()?;
    canonical
        .strip_prefix(&canonical_tree)
        .ok()
        .map(Path::to_path_buf)
}
