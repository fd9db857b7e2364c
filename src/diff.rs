//! `--diff-base REV`: change-aware review through the `git` command line.
//!
//! Two things: which lines the change since REV added or modified (findings elsewhere
//! are dropped, so a review bot comments only on what the author touched), and the tree
//! as it was at REV (the files a check reads, checked out of a temporary index), so
//! `risky-pool-change` can compare every pool before and after.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::diagnostic::Diagnostic;
use crate::model::Location;
use crate::source::SourceMap;

/// A git repository and a revision in it.
pub struct DiffBase {
    /// The repository's top level, canonical.
    pub root: PathBuf,
    pub rev: String,
}

/// Lines (1-based) added or modified since the base, by canonical path; None: the whole
/// file is new (untracked or added).
pub type ChangedLines = BTreeMap<PathBuf, Option<BTreeSet<usize>>>;

/// Run `command` with `input` on its standard input; its standard output, or its
/// standard error as the error.
fn run(mut command: Command, input: &[u8]) -> Result<Vec<u8>, String> {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run git: {e} (--diff-base needs git on PATH)"))?;
    // Written from another thread, so a child that fills its output pipe before reading
    // all its input cannot block both.
    let writer = child.stdin.take().map(|mut stdin| {
        let input = input.to_vec();
        std::thread::spawn(move || stdin.write_all(&input))
    });
    let output = child
        .wait_with_output()
        .map_err(|e| format!("git failed: {e}"))?;
    if let Some(writer) = writer {
        let _ = writer.join();
    }
    if output.status.success() {
        Ok(output.stdout)
    } else {
        Err(String::from_utf8_lossy(&output.stderr).trim().to_owned())
    }
}

/// `--prefix=DIR/` for `git checkout-index`.
fn prefix_arg(prefix: &std::ffi::OsStr) -> std::ffi::OsString {
    let mut arg = std::ffi::OsString::from("--prefix=");
    arg.push(prefix);
    arg
}

/// A path as git prints it (bytes; on Unix any bytes make a name).
fn path_from_git(name: &[u8]) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        PathBuf::from(std::ffi::OsStr::from_bytes(name))
    }
    #[cfg(not(unix))]
    {
        PathBuf::from(String::from_utf8_lossy(name).as_ref())
    }
}

fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let mut command = Command::new("git");
    command.arg("-C").arg(dir).args(args);
    run(command, &[])
}

impl DiffBase {
    /// Open the repository containing `dir` and check that `rev` names a commit.
    pub fn open(dir: &Path, rev: &str) -> Result<DiffBase, String> {
        let top = git(dir, &["rev-parse", "--show-toplevel"]).map_err(|e| {
            format!(
                "--diff-base needs a git repository, and {} is not in one: {e}",
                dir.display()
            )
        })?;
        let root = PathBuf::from(String::from_utf8_lossy(&top).trim());
        let root = std::fs::canonicalize(&root).unwrap_or(root);
        let commit = format!("{rev}^{{commit}}");
        git(&root, &["rev-parse", "--verify", "--quiet", &commit])
            .map_err(|_| format!("--diff-base {rev}: no such commit in {}", root.display()))?;
        Ok(DiffBase {
            root,
            rev: rev.to_owned(),
        })
    }

    /// Lines added or changed in the working tree since the base.
    pub fn changed_lines(&self) -> Result<ChangedLines, String> {
        let diff = git(
            &self.root,
            &[
                "diff",
                "--unified=0",
                "--no-color",
                "--no-ext-diff",
                &self.rev,
                "--",
            ],
        )?;
        let mut changed = parse_unified_diff(&String::from_utf8_lossy(&diff), &self.root);
        let untracked = git(
            &self.root,
            &["ls-files", "--others", "--exclude-standard", "-z"],
        )?;
        for name in untracked.split(|b| *b == 0).filter(|n| !n.is_empty()) {
            changed.insert(self.root.join(String::from_utf8_lossy(name).as_ref()), None);
        }
        Ok(changed)
    }

    /// Extract the files of the tree at the base that `wanted` accepts (paths relative to
    /// the repository) into `into`: a repository is mostly code, and writing all of it
    /// out took seconds where its configuration takes a fraction. The files are checked
    /// out of a temporary index (`git read-tree`, `git checkout-index --stdin`), so the
    /// repository's own index is not touched.
    pub fn extract(&self, into: &Path, wanted: &dyn Fn(&Path) -> bool) -> Result<(), String> {
        let listing = git(
            &self.root,
            &[
                "ls-tree",
                "-r",
                "-z",
                "--name-only",
                "--full-tree",
                &self.rev,
            ],
        )?;
        let mut paths = Vec::new();
        for name in listing.split(|b| *b == 0).filter(|n| !n.is_empty()) {
            if wanted(&path_from_git(name)) {
                paths.extend_from_slice(name);
                paths.push(0);
            }
        }
        // Lives until the files are checked out.
        let index_dir =
            tempfile::tempdir().map_err(|e| format!("cannot create a temporary directory: {e}"))?;
        let index = index_dir.path().join("index");
        let mut read_tree = Command::new("git");
        read_tree
            .arg("-C")
            .arg(&self.root)
            .args(["read-tree", &self.rev])
            .env("GIT_INDEX_FILE", &index);
        run(read_tree, &[])?;
        let mut prefix = std::path::absolute(into)
            .map_err(|e| format!("cannot extract the tree at {}: {e}", self.rev))?
            .into_os_string();
        prefix.push("/");
        let mut checkout = Command::new("git");
        checkout
            .arg("-C")
            .arg(&self.root)
            .args(["checkout-index", "-z", "--stdin"])
            .arg(prefix_arg(&prefix))
            .env("GIT_INDEX_FILE", &index);
        run(checkout, &paths)
            .map(|_| ())
            .map_err(|e| format!("cannot extract the tree at {}: {e}", self.rev))
    }

    /// `path` relative to the repository (canonicalised), if inside it.
    pub fn relative(&self, path: &Path) -> Option<PathBuf> {
        self.relative_canonical(&std::fs::canonicalize(path).ok()?)
    }

    /// A canonical `path` relative to the repository, if inside it.
    pub fn relative_canonical(&self, canonical: &Path) -> Option<PathBuf> {
        canonical
            .strip_prefix(&self.root)
            .ok()
            .map(Path::to_path_buf)
    }
}

/// New-file line numbers of every `+` hunk in a `--unified=0` diff.
fn parse_unified_diff(diff: &str, root: &Path) -> ChangedLines {
    let mut changed = ChangedLines::new();
    let mut current: Option<PathBuf> = None;
    for line in diff.lines() {
        if let Some(name) = line.strip_prefix("+++ ") {
            current = name.strip_prefix("b/").map(|n| root.join(n));
            if let Some(path) = &current {
                changed.insert(path.clone(), Some(BTreeSet::new()));
            }
        } else if let Some(hunk) = line.strip_prefix("@@ ") {
            let (Some(path), Some((start, count))) = (&current, new_range(hunk)) else {
                continue;
            };
            if let Some(Some(lines)) = changed.get_mut(path) {
                lines.extend(start..start + count);
            }
        }
    }
    changed
}

/// `-a,b +c,d @@` → (c, d); a missing count means 1.
fn new_range(hunk: &str) -> Option<(usize, usize)> {
    let plus = hunk.split_whitespace().find(|p| p.starts_with('+'))?;
    let mut parts = plus.trim_start_matches('+').split(',');
    let start: usize = parts.next()?.parse().ok()?;
    let count: usize = parts.next().map_or(Some(1), |c| c.parse().ok())?;
    Some((start, count))
}

/// Keep only findings the change touched: those whose primary line or the line of one
/// of their labels was added or changed. A label is an input of the finding (the
/// `max_connections` a fleet outgrows, the manifest's `instances`), so a change to it
/// alone causes the finding even though its primary line, the value to fix, is as it
/// was. `canonical` holds the files' resolved paths ([`SourceMap::canonical_paths`]).
/// Returns the findings left out.
pub fn keep_changed(
    diagnostics: &mut Vec<Diagnostic>,
    sources: &SourceMap,
    canonical: &[Option<PathBuf>],
    changed: &ChangedLines,
) -> Vec<Diagnostic> {
    let touched = |location: &Location| {
        let Some(file) = sources.get(location.file) else {
            return false;
        };
        let Some(Some(path)) = canonical.get(location.file.0) else {
            return false;
        };
        match changed.get(path) {
            Some(None) => true,
            Some(Some(lines)) => {
                // Hunks number lines as git does, which a lone CR does not end.
                lines.contains(&file.git_line(location.span.start))
            }
            None => false,
        }
    };
    let (kept, left_out) = std::mem::take(diagnostics)
        .into_iter()
        .partition(|d| touched(&d.primary) || d.labels.iter().any(|l| touched(&l.location)));
    *diagnostics = kept;
    left_out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hunks_give_new_line_numbers() {
        let diff = "diff --git a/x.yml b/x.yml\n--- a/x.yml\n+++ b/x.yml\n@@ -3 +3 @@\n-a\n+b\n@@ -10,0 +11,2 @@\n+c\n+d\n@@ -20,2 +21,0 @@\n-e\n-f\n";
        let changed = parse_unified_diff(diff, Path::new("/r"));
        let lines = changed[&PathBuf::from("/r/x.yml")].clone().unwrap();
        assert_eq!(lines.into_iter().collect::<Vec<_>>(), vec![3, 11, 12]);
    }

    #[test]
    fn deleted_files_have_no_new_lines() {
        let diff = "--- a/gone.yml\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-a\n-b\n";
        assert!(parse_unified_diff(diff, Path::new("/r")).is_empty());
    }
}
