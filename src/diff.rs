//! `--diff-base REV`: change-aware review through the `git` command line.
//!
//! Two things: which lines the change since REV added or modified (findings elsewhere
//! are dropped unless the check of the tree at REV did not make them: see
//! [`crate::review`]), and the tree
//! as it was at REV (the files a check reads, checked out of a temporary index), so
//! `risky-pool-change` can compare every pool before and after.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::diagnostic::Diagnostic;
use crate::model::Location;
use crate::source::SourceMap;

/// A git repository and a revision in it.
pub struct DiffBase {
    /// The repository's top level, canonical.
    pub root: PathBuf,
    /// The revision as given (for messages).
    pub rev: String,
    /// The commit compared with: the merge base of `rev` and HEAD, so a branch is not
    /// blamed for what `rev` gained after it branched; `rev` itself when they have none.
    commit: String,
    /// Why `rev` itself is compared with, when there is no merge base.
    pub note: Option<String>,
}

/// The patch format [`parse_unified_diff`] reads, whatever the user's git
/// configuration and the repository's attributes say (see [`DiffBase::changed_lines`]).
/// `--inter-hunk-context=0`: `diff.interHunkContext` merges hunks closer than it, and
/// the unchanged lines between them would count as changed. `--text`: a file marked
/// `-diff` or `binary` in `.gitattributes` would be `Binary files … differ`, without
/// hunks, and all its findings dropped; a file poollint read is text.
const DIFF_FORMAT: [&str; 8] = [
    "--unified=0",
    "--inter-hunk-context=0",
    "--text",
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--src-prefix=a/",
    "--dst-prefix=b/",
];

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

/// The merge base of `commit` and HEAD: what a pull request from HEAD into `commit`'s
/// branch changed is what changed since it (GitHub's three-dot diff). None without one
/// (unrelated histories, a shallow clone, no HEAD yet).
fn merge_base(root: &Path, commit: &str) -> Option<String> {
    let base = git(root, &["merge-base", commit, "HEAD"]).ok()?;
    let base = String::from_utf8_lossy(&base).trim().to_owned();
    (!base.is_empty()).then_some(base)
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
        let commit = git(&root, &["rev-parse", "--verify", "--quiet", &commit])
            .map_err(|_| format!("--diff-base {rev}: no such commit in {}", root.display()))?;
        let commit = String::from_utf8_lossy(&commit).trim().to_owned();
        let (commit, note) = match merge_base(&root, &commit) {
            Some(base) => (base, None),
            None => (
                commit,
                Some(format!(
                    "--diff-base {rev}: {rev} and HEAD have no merge base (a shallow clone? fetch their history, e.g. fetch-depth: 0), so the change is taken since {rev} itself, which counts what {rev} changed after the branch left it"
                )),
            ),
        };
        Ok(DiffBase {
            root,
            rev: rev.to_owned(),
            commit,
            note,
        })
    }

    /// Lines added or changed in the tracked files of the working tree since the base
    /// (a file git does not track is new: [`DiffBase::untracked`]). The options fix the
    /// format whatever the user's git configuration says: `diff.noprefix` and
    /// `diff.mnemonicPrefix` change the `b/` prefix, `core.quotePath` (on by default)
    /// writes a non-ASCII name in octal escapes, `diff.external` and textconv drivers
    /// replace the patch. Names git still quotes (a `"`, `\` or control character) are
    /// unquoted by [`parse_unified_diff`].
    pub fn changed_lines(&self) -> Result<ChangedLines, String> {
        let mut args = vec!["-c", "core.quotePath=false", "diff"];
        args.extend(DIFF_FORMAT);
        args.extend([self.commit.as_str(), "--"]);
        let diff = git(&self.root, &args)?;
        Ok(parse_unified_diff(&diff, &self.root))
    }

    /// Which of the checked `paths` (canonical) in the repository git does not track:
    /// new files, ignored or not. Listing the untracked files instead (`ls-files
    /// --others`) walked the whole working tree, code included: 0.31–0.35 s on the 10k
    /// benchmark tree, against 15 ms to list the index. The set holds the checked files
    /// only; the index's listing is held while it is read.
    pub fn untracked<'p>(
        &self,
        paths: impl IntoIterator<Item = &'p PathBuf>,
    ) -> Result<HashSet<PathBuf>, String> {
        let in_repository = paths
            .into_iter()
            .filter(|p| self.relative_canonical(p).is_some());
        let mut untracked: HashSet<PathBuf> = in_repository.cloned().collect();
        if untracked.is_empty() {
            return Ok(untracked);
        }
        let listing = git(&self.root, &["ls-files", "-z"])?;
        for name in listing.split(|b| *b == 0).filter(|n| !n.is_empty()) {
            untracked.remove(&self.root.join(path_from_git(name)));
        }
        Ok(untracked)
    }

    /// Files renamed since the base: the new path (canonical) → the old path, relative
    /// to the repository and slashed as fingerprints name it. `-z` output is never
    /// quoted; `--find-renames` pairs them whatever `diff.renames` says.
    pub fn renamed(&self) -> Result<BTreeMap<PathBuf, String>, String> {
        let output = git(
            &self.root,
            &[
                "diff",
                "--name-status",
                "-z",
                "--find-renames",
                "--no-ext-diff",
                self.commit.as_str(),
                "--",
            ],
        )?;
        let mut fields = output.split(|b| *b == 0);
        let mut renamed = BTreeMap::new();
        while let Some(status) = fields.next().filter(|s| !s.is_empty()) {
            // Renames and copies name two paths, every other status one.
            if !matches!(status.first(), Some(b'R' | b'C')) {
                fields.next();
                continue;
            }
            let (Some(old), Some(new)) = (fields.next(), fields.next()) else {
                break;
            };
            if status.first() == Some(&b'R') {
                let old = crate::source::slashed(&path_from_git(old).to_string_lossy());
                renamed.insert(self.root.join(path_from_git(new)), old);
            }
        }
        Ok(renamed)
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
                &self.commit,
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
            .args(["read-tree", &self.commit])
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

    /// Lines of `text`, which stands for the file at `path` (`--stdin-filename`), added
    /// or changed since the base: the text is compared with the file at the base, not
    /// with the file on disk. None: the file is new (not in the base's tree, or outside
    /// the repository).
    pub fn changed_lines_of_text(
        &self,
        path: &Path,
        text: &str,
    ) -> Result<Option<BTreeSet<usize>>, String> {
        let Some(relative) = self.relative(path) else {
            return Ok(None);
        };
        let name = crate::source::slashed(&relative.to_string_lossy());
        let Ok(old) = git(
            &self.root,
            &["cat-file", "blob", &format!("{}:{name}", self.commit)],
        ) else {
            return Ok(None);
        };
        let dir = tempfile::tempdir().map_err(|e| format!("cannot compare standard input: {e}"))?;
        std::fs::write(dir.path().join("old"), old)
            .and_then(|()| std::fs::write(dir.path().join("new"), text))
            .map_err(|e| format!("cannot compare standard input: {e}"))?;
        let output = Command::new("git")
            .current_dir(dir.path())
            .args(["diff", "--no-index"])
            .args(DIFF_FORMAT)
            .args(["old", "new"])
            .output()
            .map_err(|e| format!("cannot run git: {e} (--diff-base needs git on PATH)"))?;
        // `--no-index` exits 1 when the files differ.
        if !matches!(output.status.code(), Some(0 | 1)) {
            return Err(String::from_utf8_lossy(&output.stderr).trim().to_owned());
        }
        let changed = parse_unified_diff(&output.stdout, dir.path());
        Ok(Some(changed.into_values().flatten().flatten().collect()))
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

/// New-file line numbers of every `+` hunk in a `--unified=0` diff. Read as bytes: a
/// name need not be UTF-8. A hunk's lines are counted off its header, so an added line
/// that reads `++ b/x` (shown as `+++ b/x`) is not taken for a file header.
fn parse_unified_diff(diff: &[u8], root: &Path) -> ChangedLines {
    let mut changed = ChangedLines::new();
    let mut current: Option<PathBuf> = None;
    // Lines of the current hunk still to come: removed, added.
    let mut pending = (0usize, 0usize);
    for line in diff.split(|b| *b == b'\n') {
        let in_hunk = pending != (0, 0) && matches!(line.first(), Some(b'-' | b'+' | b'\\'));
        if in_hunk {
            // "\ No newline at end of file" belongs to the hunk, uncounted.
            match line.first() {
                Some(b'-') => pending.0 = pending.0.saturating_sub(1),
                Some(b'+') => pending.1 = pending.1.saturating_sub(1),
                _ => {}
            }
            continue;
        }
        pending = (0, 0);
        if let Some(name) = line.strip_prefix(b"+++ ") {
            current = new_file_path(name).map(|n| root.join(path_from_git(&n)));
            if let Some(path) = &current {
                changed.insert(path.clone(), Some(BTreeSet::new()));
            }
        } else if let Some(hunk) = line.strip_prefix(b"@@ ") {
            let hunk = String::from_utf8_lossy(hunk);
            let Some((old_count, start, count)) = new_range(&hunk) else {
                continue;
            };
            pending = (old_count, count);
            if let Some(Some(lines)) = current.as_ref().and_then(|p| changed.get_mut(p)) {
                lines.extend(start..start + count);
            }
        }
    }
    changed
}

/// The name in a `+++ ` header relative to the repository: None for `/dev/null`. A
/// name git quotes (`"b/q\"uote/x"`) is unquoted; one with a space has a tab after it
/// (a name with a tab of its own is always quoted).
fn new_file_path(header: &[u8]) -> Option<Vec<u8>> {
    let name = match header.first() {
        Some(b'"') => unquote_c_style(header)?,
        _ => header.strip_suffix(b"\t").unwrap_or(header).to_vec(),
    };
    name.strip_prefix(b"b/").map(<[u8]>::to_vec)
}

/// A name git wrote C-style quoted: `"` … `"` with `\"`, `\\`, `\t`, `\n` … and
/// octal escapes of bytes (`\303\251`). None when it is not quoted so.
fn unquote_c_style(quoted: &[u8]) -> Option<Vec<u8>> {
    let inner = quoted.strip_prefix(b"\"")?.strip_suffix(b"\"")?;
    let mut out = Vec::with_capacity(inner.len());
    let mut bytes = inner.iter().copied();
    while let Some(b) = bytes.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        let escaped = match bytes.next()? {
            b'a' => 0x07,
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'v' => 0x0b,
            d @ b'0'..=b'3' => {
                let digit = |d: u8| d.is_ascii_digit().then(|| d - b'0').filter(|v| *v < 8);
                let (d2, d3) = (digit(bytes.next()?)?, digit(bytes.next()?)?);
                ((d - b'0') << 6) | (d2 << 3) | d3
            }
            other => other,
        };
        out.push(escaped);
    }
    Some(out)
}

/// `-a,b +c,d @@` → (b, c, d); a missing count means 1.
fn new_range(hunk: &str) -> Option<(usize, usize, usize)> {
    let mut words = hunk.split_whitespace();
    let (_, old_count) = range(words.next()?.strip_prefix('-')?)?;
    let (start, count) = range(words.next()?.strip_prefix('+')?)?;
    Some((old_count, start, count))
}

/// `c,d` → (c, d); `c` → (c, 1).
fn range(text: &str) -> Option<(usize, usize)> {
    let mut parts = text.split(',');
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
        let changed = parse_unified_diff(diff.as_bytes(), Path::new("/r"));
        let lines = changed[&PathBuf::from("/r/x.yml")].clone().unwrap();
        assert_eq!(lines.into_iter().collect::<Vec<_>>(), vec![3, 11, 12]);
    }

    #[test]
    fn deleted_files_have_no_new_lines() {
        let diff = "--- a/gone.yml\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-a\n-b\n";
        assert!(parse_unified_diff(diff.as_bytes(), Path::new("/r")).is_empty());
    }

    /// Names git quotes (non-ASCII with `core.quotePath`, a `"`), or ends with a tab
    /// (a space in the name), are the files' names.
    #[test]
    fn quoted_and_spaced_names_are_unquoted() {
        let diff = concat!(
            "+++ \"b/caf\\303\\251/a.yml\"\n@@ -1 +1 @@\n-a\n+b\n",
            "+++ b/my app/a.yml\t\n@@ -2 +2 @@\n-a\n+b\n",
            "+++ \"b/q\\\"uote\\\\\\tx/a.yml\"\n@@ -3 +3 @@\n-a\n+b\n",
        );
        let changed = parse_unified_diff(diff.as_bytes(), Path::new("/r"));
        let names: Vec<_> = changed
            .keys()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            ["/r/café/a.yml", "/r/my app/a.yml", "/r/q\"uote\\\tx/a.yml"]
        );
        assert_eq!(unquote_c_style(b"\"\\9\""), Some(b"9".to_vec()));
        assert_eq!(unquote_c_style(b"\"\\38\""), None);
    }

    /// A hunk's added line `++ b/x` is shown as `+++ b/x`: it is a line, not a file.
    #[test]
    fn a_hunk_line_like_a_header_is_a_line() {
        let diff = "+++ b/x.yml\n@@ -1,2 +1,2 @@\n--- a/y\n-b\n+++ b/y\n+d\n\\ No newline at end of file\n@@ -9,0 +10 @@\n+e\n";
        let changed = parse_unified_diff(diff.as_bytes(), Path::new("/r"));
        assert_eq!(changed.len(), 1);
        let lines = changed[&PathBuf::from("/r/x.yml")].clone().unwrap();
        assert_eq!(lines.into_iter().collect::<Vec<_>>(), vec![1, 2, 10]);
    }
}
