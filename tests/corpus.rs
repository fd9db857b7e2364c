//! The real-world corpus (`POOLLINT_CORPUS=../shared/corpus`, opt-in because it lives
//! outside this repository): every file is checked without a panic or internal error,
//! and every diagnostic's spans lie inside their file, on char boundaries.
//!
//! Corpus files are stored flat as `<kind>/<owner>__<repo>__<path with / as __>`; the
//! test copies them into a temporary tree under their original paths, because readers
//! recognise files by name and directory (`config/database.yml`, `application-prod.yml`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)] // tests fail by panicking

use std::path::{Path, PathBuf};

use poollint::engine::{self, CheckRequest};

/// Copy every corpus file to `to/<kind>/<owner>/<repo>/<path>`.
fn materialise(corpus: &Path, to: &Path) {
    for kind in std::fs::read_dir(corpus).expect("corpus directory") {
        let kind = kind.expect("corpus entry").path();
        if !kind.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&kind).expect("corpus kind directory") {
            let file = file.expect("corpus file").path();
            let flat = file
                .file_name()
                .and_then(|n| n.to_str())
                .expect("UTF-8 name");
            let target = to
                .join(kind.file_name().expect("kind name"))
                .join(flat.replace("__", "/"));
            std::fs::create_dir_all(target.parent().expect("parent")).expect("create directory");
            std::fs::copy(&file, &target).expect("copy corpus file");
        }
    }
}

fn corpus() -> Option<PathBuf> {
    std::env::var_os("POOLLINT_CORPUS").map(PathBuf::from)
}

#[test]
fn corpus_is_checked_without_internal_errors_and_with_valid_spans() {
    let Some(dir) = corpus() else {
        eprintln!("POOLLINT_CORPUS not set; skipping the corpus check");
        return;
    };
    assert!(
        dir.is_dir(),
        "POOLLINT_CORPUS={} is not a directory",
        dir.display()
    );
    let tree = tempfile::tempdir().expect("temporary directory");
    materialise(&dir, tree.path());
    let report = engine::check(&CheckRequest::new(vec![tree.path().to_path_buf()]));
    assert!(
        report.internal_errors.is_empty(),
        "internal errors: {:?}",
        report.internal_errors
    );
    assert!(report.files_checked() > 0, "no corpus file was recognised");
    for d in &report.diagnostics {
        let locations = std::iter::once(d.primary).chain(d.labels.iter().map(|l| l.location));
        for location in locations {
            let file = report.sources.get(location.file).expect("diagnostic file");
            let span = location.span;
            assert!(
                span.start <= span.end && span.end <= file.text().len(),
                "{}: span {span:?} outside file",
                file.display
            );
            assert!(
                file.text().is_char_boundary(span.start) && file.text().is_char_boundary(span.end)
            );
        }
    }
    let mut by_rule = std::collections::BTreeMap::new();
    for d in &report.diagnostics {
        *by_rule.entry(d.rule).or_insert(0) += 1;
    }
    eprintln!(
        "corpus: {} files, findings by rule: {by_rule:?}",
        report.files_checked()
    );
    // Checking Spring and Rails entries unit by unit finds what checking them all at
    // once does.
    let mut keep = CheckRequest::new(vec![tree.path().to_path_buf()]);
    keep.keep_entries = true;
    let kept = engine::check(&keep);
    assert_eq!(
        format!("{:?}", kept.diagnostics),
        format!("{:?}", report.diagnostics)
    );
}
