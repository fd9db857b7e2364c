//! Finding the files to check: explicit files as given, directories walked with the
//! `ignore` crate (`.gitignore` aware, also outside git repositories), never into
//! `.git`, `node_modules` or `target`, nor into what `--exclude` names ([`Exclude`]).

use std::path::{Path, PathBuf};

use ignore::overrides::{Override, OverrideBuilder};

/// Directories never descended into, whatever the ignore files say.
const SKIPPED_DIRS: &[&str] = &[".git", "node_modules", "target", ".hg", ".svn"];

/// The `--exclude` patterns: gitignore-style globs matched against paths relative to
/// the current directory. The walk does not return a file, nor enter a directory, that
/// one matches; [`discover`] keeps the paths it is given whatever they say.
#[derive(Debug, Clone)]
pub struct Exclude {
    /// Negated overrides (`!PATTERN`): in the `ignore` crate's overrides, a pattern
    /// without `!` would keep only what it matches.
    matcher: Override,
}

impl Default for Exclude {
    fn default() -> Self {
        Exclude {
            matcher: Override::empty(),
        }
    }
}

/// A pattern as the matcher reads it, relative to `base` (the current directory) as
/// `[[lint.ignore]]` takes one: a leading `./` is dropped (`./legacy` is `legacy`,
/// anchored), and a path from the root inside `base` made relative to it
/// (`/repo/legacy` is `/legacy`; any other `/x` is gitignore's anchored `x`). A pattern
/// starting with `#` (a comment in gitignore syntax) matches nothing, and is refused
/// rather than ignored.
fn normalised(pattern: &str, base: &Path) -> Result<String, String> {
    if pattern.starts_with('#') {
        return Err(format!(
            "--exclude `{pattern}`: a pattern starting with `#` is a comment in gitignore syntax and matches nothing; write `\\{pattern}` for a name that starts with `#`"
        ));
    }
    if let Ok(inside) = Path::new(pattern).strip_prefix(base) {
        if base.is_absolute() && !inside.as_os_str().is_empty() {
            return Ok(format!("/{}", inside.to_string_lossy()));
        }
    }
    let mut rest = pattern;
    while let Some(after) = rest.strip_prefix("./") {
        rest = after.trim_start_matches('/');
    }
    Ok(match rest.len() < pattern.len() && !rest.is_empty() {
        true => format!("/{rest}"),
        false => rest.to_owned(),
    })
}

impl Exclude {
    /// Compile `patterns`, relative to the current directory; the error names the
    /// pattern that is not a valid glob.
    pub fn new(patterns: &[String]) -> Result<Exclude, String> {
        let base = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        let mut builder = OverrideBuilder::new(&base);
        for written in patterns {
            let pattern = &normalised(written, &base)?;
            // An empty pattern (`--exclude ''`, `legacy,`, a blank one) becomes `!`,
            // which matches every path: the run would check nothing and pass.
            // Rejected like an empty rule name in `--select`, which is safer for CI
            // than ignoring it as a blank .gitignore line.
            if pattern.trim().is_empty() {
                return Err(
                    "--exclude: empty pattern (check for a stray or trailing comma)".into(),
                );
            }
            // `!` would make it a negation of a negation: a pattern that keeps files.
            if pattern.starts_with('!') {
                return Err(format!(
                    "--exclude `{pattern}`: patterns that re-include (`!`) are not supported"
                ));
            }
            builder.add(&format!("!{pattern}")).map_err(|e| {
                format!(
                    "--exclude `{pattern}` is not a valid glob: {}",
                    glob_error(e)
                )
            })?;
        }
        let matcher = builder
            .build()
            .map_err(|e| format!("--exclude patterns cannot be used: {e}"))?;
        Ok(Exclude { matcher })
    }

    /// Whether a pattern matches `path` or a directory above it (up to the current
    /// directory, for a path inside it): for files found otherwise than by walking.
    pub fn excludes(&self, path: &Path) -> bool {
        if self.matcher.is_empty() {
            return false;
        }
        let relative = path.strip_prefix(self.matcher.path()).unwrap_or(path);
        relative
            .ancestors()
            .filter(|above| !above.as_os_str().is_empty() && *above != Path::new("."))
            .any(|above| {
                let is_dir = above != relative || path.is_dir();
                self.matcher.matched(above, is_dir).is_ignore()
            })
    }
}

impl Exclude {
    /// Whether a pattern matches the walked `path` itself, read from the current
    /// directory: for a walk from above it (`check ..`), whose paths (`../svc/legacy`)
    /// the matcher cannot place below the current directory.
    fn excludes_walked(&self, path: &Path, is_dir: bool) -> bool {
        let absolute = crate::source::absolute(path);
        let Ok(relative) = absolute.strip_prefix(self.matcher.path()) else {
            return false;
        };
        !relative.as_os_str().is_empty() && self.matcher.matched(relative, is_dir).is_ignore()
    }
}

/// What is wrong with a glob, without the glob as the `ignore` crate spelled it (with
/// the `!` added here).
fn glob_error(error: ignore::Error) -> String {
    match error {
        ignore::Error::Glob { err, .. } => err,
        other => other.to_string(),
    }
}

/// A path to check and whether the user named it explicitly.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Candidate {
    pub path: PathBuf,
    pub explicit: bool,
}

/// Why a path argument could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkError {
    pub path: PathBuf,
    pub message: String,
}

/// Every file under `paths` that `wanted` accepts and `exclude` does not (files named
/// explicitly are always kept, and directories named are walked), sorted and without
/// duplicates, plus the problems met. `wanted` runs on the walker's threads, so the
/// files of a large repository that are not configuration (its source code) are
/// dropped there instead of being collected and sorted.
pub fn discover(
    paths: &[PathBuf],
    exclude: &Exclude,
    wanted: &(dyn Fn(&Path) -> bool + Sync),
) -> (Vec<Candidate>, Vec<WalkError>) {
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        let path = &without_parent_dirs(path);
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => walk_dir(path, exclude, wanted, &mut found, &mut errors),
            Ok(_) => found.push(Candidate {
                path: path.clone(),
                explicit: true,
            }),
            Err(e) => errors.push(WalkError {
                path: path.clone(),
                message: format!("cannot read {}: {e}", path.display()),
            }),
        }
    }
    if paths.len() > 1 {
        found = without_respellings(found);
    }
    found.sort();
    found.dedup_by(|a, b| a.path == b.path);
    // The parallel walker reports in thread order; sort so output stays deterministic.
    errors.sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
    (found, errors)
}

/// Walk one directory with the `ignore` crate's parallel walker (directory reads and
/// ignore-file lookups dominate the walk on large trees); the caller sorts the result.
fn walk_dir(
    root: &Path,
    exclude: &Exclude,
    wanted: &(dyn Fn(&Path) -> bool + Sync),
    found: &mut Vec<Candidate>,
    errors: &mut Vec<WalkError>,
) {
    // The walker reads the ignore files of the root and of every directory above it.
    // Those of the directories below are not looked at first: two more lookups for
    // every directory made the walk of the 10k benchmark tree a fifth slower
    // (README, Robustness: a link to a device there is read by the `ignore` crate).
    let absolute = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    if let Some(file) = absolute.ancestors().find_map(unreadable_ignore_file) {
        errors.push(not_walked(root, &file));
        return;
    }
    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .require_git(false)
        .follow_links(false)
        // The walker matches these before the ignore files, and never on `root` itself.
        .overrides(exclude.matcher.clone())
        .filter_entry({
            // Only a root above the current directory needs the patterns matched
            // again (and a lookup of the path per entry).
            let above =
                (root.starts_with("..") && !exclude.matcher.is_empty()).then(|| exclude.clone());
            move |entry| {
                let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
                let skipped = is_dir
                    && entry
                        .file_name()
                        .to_str()
                        .is_some_and(|name| SKIPPED_DIRS.contains(&name));
                let excluded = above
                    .as_ref()
                    .is_some_and(|exclude| exclude.excludes_walked(entry.path(), is_dir));
                !skipped && !excluded
            }
        })
        .build_parallel();
    let results: std::sync::Mutex<(Vec<Candidate>, Vec<WalkError>)> = std::sync::Mutex::default();
    walker.run(|| {
        Box::new(|entry| {
            let item = match entry {
                Ok(entry)
                    if entry
                        .file_type()
                        .is_some_and(|t| t.is_file() || t.is_symlink()) =>
                {
                    let path = clean(entry.path());
                    wanted(&path).then_some(Ok(Candidate {
                        path,
                        explicit: false,
                    }))
                }
                Ok(_) => None,
                Err(e) => Some(Err(WalkError {
                    path: root.to_path_buf(),
                    message: e.to_string(),
                })),
            };
            if let Some(item) = item {
                // A poisoned lock only means another walker thread panicked; keep going.
                let mut guard = results.lock().unwrap_or_else(|e| e.into_inner());
                match item {
                    Ok(candidate) => guard.0.push(candidate),
                    Err(error) => guard.1.push(error),
                }
            }
            ignore::WalkState::Continue
        })
    });
    let (mut files, mut problems) = results.into_inner().unwrap_or_else(|e| e.into_inner());
    found.append(&mut files);
    errors.append(&mut problems);
}

/// Ignore files the walker reads in every directory it enters.
const IGNORE_FILES: &[&str] = &[".gitignore", ".ignore"];

/// An ignore file of `dir` that is a device, FIFO or socket (a link to `/dev/zero` can
/// be committed): the `ignore` crate would read it until memory runs out, or wait for a
/// writer, where git refuses a linked `.gitignore`.
fn unreadable_ignore_file(dir: &Path) -> Option<PathBuf> {
    IGNORE_FILES.iter().map(|name| dir.join(name)).find(|path| {
        // What a link points to: a broken link is no file, and the crate skips it.
        std::fs::metadata(path).is_ok_and(|meta| !meta.is_file() && !meta.is_dir())
    })
}

/// `dir` is not walked because of `ignore_file` ([`unreadable_ignore_file`]).
fn not_walked(dir: &Path, ignore_file: &Path) -> WalkError {
    WalkError {
        path: dir.to_path_buf(),
        message: format!(
            "{} is {}: reading it could take forever, so {} is not checked",
            ignore_file.display(),
            crate::source::NOT_A_FILE,
            dir.display()
        ),
    }
}

/// The candidates with each file once, however the arguments spelt it (`web` and
/// `$PWD/web`, `x.yml` and `./x.yml`, a directory and a file in it): checked twice, a
/// file's pools counted twice in its fleet. A file is its directory, resolved, and its
/// own name: a link to a file elsewhere stays a file of its own directory (as an
/// application directory linking a shared config is an application of its own). The
/// first spelling met is kept, explicit if any spelling was.
fn without_respellings(found: Vec<Candidate>) -> Vec<Candidate> {
    let mut resolved_dirs: std::collections::HashMap<PathBuf, PathBuf> = Default::default();
    let mut first: std::collections::HashMap<PathBuf, usize> = Default::default();
    let mut kept: Vec<Candidate> = Vec::with_capacity(found.len());
    for candidate in found {
        let key = crate::source::file_identity(&candidate.path, &mut resolved_dirs);
        match first.get(&key).and_then(|&i| kept.get_mut(i)) {
            Some(earlier) => earlier.explicit |= candidate.explicit,
            None => {
                first.insert(key, kept.len());
                kept.push(candidate);
            }
        }
    }
    kept
}

/// `path` with its `..` segments removed lexically (`app/../app` → `app`, `../svc` run
/// from `svc` → `.`), when that names the same file: `--exclude` patterns are matched
/// relative to the current directory and paths are shown from it, and a `..` made
/// both depend on how the path was spelt. Kept as given when a link makes the
/// lexical reading another file (`link/..` is the link target's parent).
fn without_parent_dirs(path: &Path) -> PathBuf {
    let Some(lexical) = lexically_without_parent_dirs(path) else {
        return path.to_path_buf();
    };
    let same = |a: &Path, b: &Path| {
        std::fs::canonicalize(a).is_ok_and(|a| std::fs::canonicalize(b).is_ok_and(|b| a == b))
    };
    if same(path, &lexical) {
        lexical
    } else {
        path.to_path_buf()
    }
}

/// The name `--stdin-filename` gives standard input, shown as a walked file's path is
/// (`a/../a/application.yml` → `a/application.yml`). No file need exist there, so its
/// `..` segments are removed lexically only.
pub fn stdin_name(path: &Path) -> PathBuf {
    lexically_without_parent_dirs(path).unwrap_or_else(|| path.to_path_buf())
}

/// `path` from the current directory with its `..` segments removed lexically; None
/// when it has none (or the current directory is unknown).
fn lexically_without_parent_dirs(path: &Path) -> Option<PathBuf> {
    let has_parent_dir = path
        .components()
        .any(|c| c == std::path::Component::ParentDir);
    if !has_parent_dir {
        return None;
    }
    let cwd = std::env::current_dir().ok()?;
    let absolute = crate::source::normalise(&cwd.join(path));
    Some(relative_lexically(&cwd, &absolute))
}

/// `path` (absolute, normalised) from `cwd`: `a/b` inside it, `../x` beside it, `.`
/// for `cwd` itself.
fn relative_lexically(cwd: &Path, path: &Path) -> PathBuf {
    let common = cwd
        .components()
        .zip(path.components())
        .take_while(|(a, b)| a == b)
        .count();
    let mut relative: PathBuf = cwd.components().skip(common).map(|_| "..").collect();
    relative.extend(path.components().skip(common));
    if relative.as_os_str().is_empty() {
        relative.push(".");
    }
    relative
}

/// `./a/b` → `a/b`, so paths display as users expect.
fn clean(path: &Path) -> PathBuf {
    path.strip_prefix(".")
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_named_twice_in_different_spellings_is_checked_once() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("web")).unwrap();
        std::fs::write(root.join("web/application.yml"), "a: 1\n").unwrap();
        std::fs::create_dir_all(root.join("api")).unwrap();
        std::fs::write(root.join("api/application.yml"), "a: 1\n").unwrap();
        let web = root.join("web");
        let paths = [
            web.clone(),
            web.join("../web/application.yml"),
            web.join("./application.yml"),
            root.join("api/application.yml"),
        ];
        let (found, errors) = discover(&paths, &Exclude::new(&[]).unwrap(), &|_| true);
        assert!(errors.is_empty(), "{errors:?}");
        let names: Vec<String> = found
            .iter()
            .map(|c| crate::source::path_from(root, &c.path))
            .collect();
        assert_eq!(
            names,
            ["api/application.yml", "web/application.yml"],
            "{found:?}"
        );
        // Named explicitly in one of its spellings: explicit.
        assert!(found.iter().all(|c| c.explicit || c.path.starts_with(&web)));
        assert!(found.iter().any(|c| c.path.starts_with(&web) && c.explicit));
    }

    #[test]
    fn walked_files_are_filtered_and_named_files_kept() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("app/src")).unwrap();
        for file in ["app/application.yml", "app/src/Main.java", "notes.txt"] {
            std::fs::write(root.join(file), "x").unwrap();
        }
        let yaml = |path: &Path| path.extension().is_some_and(|e| e == "yml");
        let named = root.join("notes.txt");
        let (found, errors) = discover(
            &[root.to_path_buf(), named.clone()],
            &Exclude::default(),
            &yaml,
        );
        assert!(errors.is_empty());
        let found: Vec<(PathBuf, bool)> = found.into_iter().map(|c| (c.path, c.explicit)).collect();
        assert_eq!(
            found,
            [(root.join("app/application.yml"), false), (named, true)]
        );
    }

    /// Files found otherwise than by walking (those a manifest names) are excluded by a
    /// pattern matching them or a directory above them, relative to the current
    /// directory however they are spelled.
    #[test]
    fn excludes_matches_a_path_or_a_directory_above_it() {
        let cwd = std::env::current_dir().unwrap();
        let exclude = Exclude::new(&["src".to_owned(), "*.md".to_owned()]).unwrap();
        for path in ["src/walk.rs", "./src/walk.rs", "src", "rules/a.md"] {
            assert!(exclude.excludes(Path::new(path)), "{path}");
        }
        assert!(exclude.excludes(&cwd.join("src/walk.rs")));
        assert!(!exclude.excludes(Path::new("tests/walk.rs")));
        let anchored = Exclude::new(&["/walk.rs".to_owned()]).unwrap();
        assert!(anchored.excludes(Path::new("walk.rs")));
        assert!(!anchored.excludes(Path::new("src/walk.rs")));
        assert!(!Exclude::default().excludes(Path::new("src/walk.rs")));
    }
}
