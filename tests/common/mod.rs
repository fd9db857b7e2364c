//! Helpers the integration test crates share: each crate includes this module
//! (`mod common;`) and uses the part it needs.
#![allow(dead_code, clippy::expect_used)] // not every crate uses every helper; tests fail by panicking

use assert_cmd::Command;
use std::path::Path;

/// The poollint binary with colour off, no CI detection and no thread count set, so
/// output is plain text and a few named files are checked on one thread (as a user's
/// are) whatever environment the tests run in.
pub fn poollint() -> Command {
    let mut cmd = Command::cargo_bin("poollint").expect("binary");
    cmd.env("NO_COLOR", "1")
        .env_remove("FORCE_COLOR")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("RAYON_NUM_THREADS");
    cmd
}

/// Write `text` to `rel` under `root`, making its directories.
pub fn write_file(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// Write each `(path, text)` under a new temporary directory.
pub fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (rel, text) in files {
        write_file(dir.path(), rel, text);
    }
    dir
}

/// Run git in `dir` as a user of its own (no global configuration needed), failing with
/// git's error output.
pub fn git(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid"])
        .args(["-c", "commit.gpgsign=false"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A temporary git repository with one commit of `files`.
pub fn git_repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let repo = tree(files);
    git(repo.path(), &["init", "-q"]);
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-q", "-m", "base"]);
    repo
}

/// Copy the directory `from` to `to`, recursively.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create directory");
    for entry in std::fs::read_dir(from).expect("read directory") {
        let entry = entry.expect("directory entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

/// The findings of `rule` in a check of `dir` with every rule on, as (message, help):
/// some helps depend on whether another rule runs, which `--select` would turn off.
pub fn findings_with_every_rule(dir: &Path, rule: &str) -> Vec<(String, String)> {
    let output = poollint()
        .args(["check", "--format", "json"])
        .arg(dir)
        .output()
        .expect("run");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["rule"] == rule)
        .map(|d| {
            let text = |field: &str| d[field].as_str().unwrap_or_default().to_owned();
            (text("message"), text("help"))
        })
        .collect()
}
