//! The real-world corpus (`POOLLINT_CORPUS=../shared/corpus`, opt-in because it lives
//! outside this repository): every file is checked without a panic or internal error,
//! and every diagnostic's spans lie inside their file, on char boundaries.

use std::path::PathBuf;

use poollint::engine::{self, CheckRequest};

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
    let report = engine::check(&CheckRequest::new(vec![dir]));
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
                span.start <= span.end && span.end <= file.text.len(),
                "{}: span {span:?} outside file",
                file.display
            );
            assert!(file.text.is_char_boundary(span.start) && file.text.is_char_boundary(span.end));
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
}
