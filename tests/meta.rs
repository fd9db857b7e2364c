//! Keeps the rule registry, `rules/*.md` pages, fixtures, snapshots and README's rule
//! table in step.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)] // tests fail by panicking

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use poollint::rules;

fn registered() -> BTreeSet<&'static str> {
    rules::registry().iter().map(|r| r.meta().name).collect()
}

fn names_in(dir: &str, suffix: &str) -> BTreeSet<String> {
    fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| e.file_name().to_str().map(str::to_owned))
                .filter_map(|n| n.strip_suffix(suffix).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn every_rule_has_a_page_fixtures_and_a_snapshot() {
    let snapshots = names_in("tests/snapshots", ".snap");
    for name in registered() {
        assert!(
            Path::new(&format!("rules/{name}.md")).is_file(),
            "rules/{name}.md is missing"
        );
        for case in ["fail", "pass"] {
            let dir = format!("tests/fixtures/rules/{name}/{case}");
            assert!(Path::new(&dir).is_dir(), "{dir} is missing");
        }
        assert!(
            snapshots.contains(&format!("rules__{name}")),
            "snapshot of {name} is missing"
        );
        assert!(
            rules::page(name).is_some(),
            "page of {name} is not compiled in"
        );
    }
}

#[test]
fn every_page_and_fixture_belongs_to_a_rule() {
    let names: BTreeSet<String> = registered().into_iter().map(str::to_owned).collect();
    for page in names_in("rules", ".md") {
        assert!(
            names.contains(&page),
            "rules/{page}.md documents no registered rule"
        );
    }
    for fixture in names_in("tests/fixtures/rules", "") {
        assert!(
            names.contains(&fixture),
            "tests/fixtures/rules/{fixture} tests no registered rule"
        );
    }
}

#[test]
fn pages_follow_the_template_and_match_the_registry() {
    for rule in rules::registry() {
        let meta = rule.meta();
        let page = rules::page(meta.name).unwrap_or_default();
        assert!(
            page.starts_with(&format!("# {}\n", meta.name)),
            "{}: title",
            meta.name
        );
        let header = format!(
            "Category: {} · Default severity: {} · Input: {}",
            meta.category.as_str(),
            meta.default_severity.as_str(),
            meta.inputs.as_str()
        );
        assert!(
            page.contains(&header),
            "{}: page header should be `{header}`",
            meta.name
        );
        for heading in [
            "## What it does",
            "## Why it matters",
            "## Example",
            "## Fix",
            "## Options",
            "## Sources",
        ] {
            assert!(page.contains(heading), "{}: missing {heading}", meta.name);
        }
    }
}

/// The README table between the markers, as the registry would write it.
fn rule_table() -> String {
    let mut table = String::from(
        "| Rule | Category | Default severity | Input | What it reports |\n|---|---|---|---|---|\n",
    );
    for rule in rules::registry() {
        let m = rule.meta();
        table.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            m.name,
            m.category.as_str(),
            m.default_severity.as_str(),
            m.inputs.as_str(),
            m.summary
        ));
    }
    table
}

#[test]
fn readme_rule_table_matches_the_registry() {
    let readme = fs::read_to_string("README.md").expect("README.md");
    let start = "<!-- rules:start -->\n";
    let end = "<!-- rules:end -->";
    let from = readme.find(start).expect("rules:start marker") + start.len();
    let to = readme.find(end).expect("rules:end marker");
    let expected = rule_table();
    // `POOLLINT_BLESS=1 cargo test --test meta` rewrites the table after a rule change.
    if std::env::var_os("POOLLINT_BLESS").is_some() {
        let updated = format!("{}{expected}{}", &readme[..from], &readme[to..]);
        fs::write("README.md", updated).expect("write README.md");
        return;
    }
    assert_eq!(
        &readme[from..to],
        expected,
        "README rule table is out of date; replace it with:\n{expected}"
    );
}

/// Every pool is boxed, and the allocator serves a box from size classes: a `Pool`
/// over 1,280 bytes takes the next class (1,536), about 5 MB more peak memory on the
/// 10k benchmark tree (benches/README.md, sixteenth pass). Box what a new field adds.
#[test]
fn a_pool_fits_the_allocators_1280_byte_size_class() {
    assert!(std::mem::size_of::<poollint::model::Pool>() <= 1280);
}

/// A file of a short key a line holds two syntax nodes a line while it is read: a
/// node's size is most of what the largest file costs (README, Memory; 80 bytes made
/// a 10 MB `application.yml` peak at 562 MB, 48 at about 510). Keep what few nodes
/// have beside the nodes, as anchors and tags are.
#[test]
fn a_syntax_node_is_48_bytes_at_most() {
    assert!(std::mem::size_of::<poollint::syntax::Node>() <= 48);
}
