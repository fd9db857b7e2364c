//! Following include directives: PostgreSQL `include`, `include_if_exists`,
//! `include_dir`; MySQL `!include`, `!includedir`; PgBouncer `%include`. Paths are
//! relative to the including file (a PgBouncer `%include` not found there is tried
//! relative to the top-level `pgbouncer.ini`, see [`pgbouncer_target`]). Included files are read with the includer's format
//! and reader, marked with where they were included, and the reader splices their
//! settings in at the include line.
//!
//! An include cycle is a `parse-error` at the directive that closes it: PostgreSQL and
//! PgBouncer refuse to start; mysqld starts, skipping includes nested over 10 deep with a
//! warning, so for MySQL it is a warning. So is an include more than 10 deep
//! ([`MAX_INCLUDE_DEPTH`]): an error for PostgreSQL and PgBouncer, which refuse it, a
//! warning for MySQL, whose mysqld skips it and starts. Every file's own settings are
//! checked all the same. A relative include missing from the repository is a `parse-error` warning (its
//! settings cannot be checked; the file may be created at deploy time). Included files
//! are parsed under the engine's panic guard: a parser panic is an internal error for
//! that file, and the run goes on.
//!
//! Absolute paths name the deployed machine, and files outside the directories being
//! checked are not read: a note says so, because a linter follows the repository, not
//! the machine it runs on. `--include-root DIR` adds a directory whose files may be
//! included (relative or absolute), for a shared configuration kept beside the checked
//! tree.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::diagnostic::Severity;
use crate::ecosystems::{ParsedFile, Reader};
use crate::engine::{self, Report};
use crate::model::Location;
use crate::rules::engine_rules;
use crate::source;
use crate::syntax::{Directive, Document, Format};

/// Most files one run reads through includes (a bound against pathological trees).
const MAX_INCLUDED_FILES: usize = 1_000;

/// How deep PostgreSQL, PgBouncer and mysqld read includes: a file this many includes
/// below the top file may include no other. PostgreSQL's `CONF_FILE_MAX_DEPTH` is 10
/// (guc-file.l: `could not open configuration file "…": maximum nesting depth
/// exceeded`), libusual's `MAX_INCLUDE` is 10 (`usual/cfparser.c`: `include nesting
/// level too deep`, <https://github.com/libusual/libusual/blob/master/usual/cfparser.c>);
/// both refuse the configuration then. Checked with PostgreSQL 15.18 and PgBouncer 1.18:
/// ten nested includes are read, an eleventh is refused. mysqld reads a top file at
/// recursion level 0 and skips every `!` directive of a file at level 10, with a
/// warning (`max_recursion_level = 10` in `search_default_file_with_ext`, mysys
/// `my_default.cc` of mysql/mysql-server and `my_default.c` of MariaDB/server:
/// `skipping '!include …' directive as maximum include recursion level was reached`).
const MAX_INCLUDE_DEPTH: usize = 10;

/// Everything a run needs to follow includes.
pub struct Includes<'a> {
    pub roots: Vec<PathBuf>,
    pub max_file_size: u64,
    /// Where included files are registered and their findings, notes and internal
    /// errors go.
    pub report: &'a mut Report,
    /// The parser: `syntax::parse` (a test gives one that panics, to check the guard).
    pub parse: fn(Format, &str) -> Document,
}

impl Includes<'_> {
    /// Read every file the parsed files include, transitively, and append them. At most
    /// [`MAX_INCLUDED_FILES`] are read, counted per directive (one file repeating an
    /// include is as many reads); the first directive past the bound is reported.
    pub fn follow(&mut self, parsed: &mut Vec<(&'static dyn Reader, ParsedFile)>) {
        let mut next = 0;
        let mut read = 0;
        let mut known = Known::default();
        while let Some((reader, includer)) = next_includer(parsed, &mut next) {
            known.sync(parsed);
            let top_dir = known.top_dir(parsed, &includer);
            let depth = known.depth(parsed, &includer);
            for directive in &includer.doc.directives {
                let targets = self.targets(&includer, top_dir.as_deref(), directive);
                if !targets.is_empty() && self.nested_too_deep(&includer, depth, directive) {
                    continue;
                }
                for target in targets {
                    if read >= MAX_INCLUDED_FILES {
                        self.limit_reached(&includer, directive);
                        return;
                    }
                    known.sync(parsed);
                    if let Some(file) =
                        self.follow_one(&known, parsed, &includer, directive, &target)
                    {
                        parsed.push((reader, file));
                        read += 1;
                    }
                }
            }
        }
    }

    /// The file `directive` names at `target`, read, unless it closes a cycle, is a
    /// walked file adopted instead, or cannot or need not be read.
    fn follow_one(
        &mut self,
        known: &Known,
        parsed: &mut [(&'static dyn Reader, ParsedFile)],
        includer: &ParsedFile,
        directive: &Directive,
        target: &Path,
    ) -> Option<ParsedFile> {
        let at = (includer.id, directive.name_span.start);
        let canonical = canonical_of(target);
        // Before adopting: a walked file adopted by its own include would have no
        // includer left at the root, and its settings would be lost.
        let files = (known, &parsed[..]);
        if self.closes_cycle(files, includer, directive, target, &canonical) {
            return None;
        }
        if known.adopt_walked(parsed, &canonical, at, includer.id) {
            return None;
        }
        self.include(known, parsed, includer, directive, target)
    }

    /// The include bound is reached at `directive`: it and every include after it are
    /// not read, so their settings go unchecked, which the user must be told.
    fn limit_reached(&mut self, includer: &ParsedFile, directive: &Directive) {
        let message = format!(
            "{} `{}` not followed: this run has read {MAX_INCLUDED_FILES} files through includes, the most it reads; the settings of this include and of every include after it are not checked",
            directive.name,
            written_target(directive)
        );
        self.report_at(includer, directive, &message, Severity::Warning);
    }

    /// True when `directive`, in `includer` at `depth` includes below the top file,
    /// would read a file deeper than the server allows: reported as a `parse-error`.
    fn nested_too_deep(
        &mut self,
        includer: &ParsedFile,
        depth: usize,
        directive: &Directive,
    ) -> bool {
        let Some((server, consequence, severity)) = nesting_limited_by(directive) else {
            return false;
        };
        if depth < MAX_INCLUDE_DEPTH {
            return false;
        }
        let message = format!(
            "{} `{}` not followed: this file is already {depth} includes below the top file, and {server} reads includes at most {MAX_INCLUDE_DEPTH} deep, so {consequence}",
            directive.name,
            written_target(directive)
        );
        self.report_at(includer, directive, &message, severity);
        true
    }

    /// True when `path` (canonical, or absolute as written) lies under a checked path or
    /// an `--include-root`.
    fn inside_roots(&self, path: &Path) -> bool {
        let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        self.roots.iter().any(|root| canonical.starts_with(root))
    }

    /// The files a directive names, in the order the server reads them. `top_dir` is
    /// the directory of the file that no other file includes, for PgBouncer.
    fn targets(
        &mut self,
        includer: &ParsedFile,
        top_dir: Option<&Path>,
        directive: &Directive,
    ) -> Vec<PathBuf> {
        let base = includer.path.parent().unwrap_or(Path::new("."));
        let argument = written_target(directive);
        if Path::new(argument).is_absolute() && !self.inside_roots(Path::new(argument)) {
            self.report.notes.push(format!(
                "{}: {} {argument} not followed: an absolute path names the deployed machine, not the repository (--include-root DIR follows it when DIR holds a copy)",
                self.report.sources.display(includer.id),
                directive.name
            ));
            return Vec::new();
        }
        let path = base.join(argument);
        match directive.name.as_str() {
            "include_dir" | "!includedir" => {
                let extension = if directive.name == "include_dir" {
                    "conf"
                } else {
                    "cnf"
                };
                match std::fs::read_dir(&path) {
                    Ok(entries) => {
                        let mut files: Vec<PathBuf> = entries
                            .filter_map(Result::ok)
                            .map(|e| e.path())
                            .filter(|p| p.extension().is_some_and(|e| e == extension))
                            // The servers take the files only: a directory named
                            // `x.conf` inside is skipped (`stat`, not an error).
                            .filter(|p| !p.is_dir())
                            // PostgreSQL skips hidden files (`.x.conf`); mysqld and
                            // MariaDB take any name ending `.cnf` (`fn_ext` finds the
                            // last dot), hidden ones too.
                            .filter(|p| {
                                extension == "cnf"
                                    || !p
                                        .file_name()
                                        .and_then(|n| n.to_str())
                                        .is_some_and(|n| n.starts_with('.'))
                            })
                            .collect();
                        files.sort();
                        files
                    }
                    Err(_) => {
                        self.missing(includer, directive);
                        Vec::new()
                    }
                }
            }
            "%include" => vec![pgbouncer_target(path, top_dir, argument)],
            "include" | "include_if_exists" | "!include" => vec![path],
            _ => Vec::new(),
        }
    }

    /// Read one included file, or report why not.
    fn include(
        &mut self,
        known: &Known,
        parsed: &[(&'static dyn Reader, ParsedFile)],
        includer: &ParsedFile,
        directive: &Directive,
        target: &Path,
    ) -> Option<ParsedFile> {
        let Ok(canonical) = std::fs::canonicalize(target) else {
            if directive.name != "include_if_exists" {
                self.missing(includer, directive);
            }
            return None;
        };
        if !self.inside_roots(&canonical) {
            self.report.notes.push(format!(
                "{}: include of {} not followed: it is outside the paths being checked (--include-root DIR allows it)",
                self.report.sources.display(includer.id),
                source::display_path(target)
            ));
            return None;
        }
        let at = (includer.id, directive.name_span.start);
        let files = known.with_path(parsed, &canonical);
        if files.into_iter().any(|f| f.included_from == Some(at)) {
            return None;
        }
        let (text, disk_len) = match read_named_file(target, self.max_file_size, "included file") {
            Ok(read) => read,
            Err(message) => {
                self.error(includer, directive, message);
                return None;
            }
        };
        let doc = engine::parse_guarded(self.parse, includer.format, &text);
        let outcome = doc
            .as_ref()
            .map(|d| engine::ParseOutcome::of(includer.format, &text, d));
        let target = spelt_plainly(target, &canonical);
        // Released with its includer's batch, and read again if it has findings.
        let file = source::SourceFile::new(&target, text, source::Encoding::Utf8);
        let id = self.report.sources.push(file.rereadable(disk_len));
        engine::report_parse(id, outcome, self.report);
        Some(ParsedFile {
            id,
            path: target,
            format: includer.format,
            // An included file with a syntax error is skipped like any other.
            doc: doc.filter(|d| d.errors.is_empty())?,
            included_from: Some(at),
        })
    }

    /// True when `target` is `includer` or one of the files that include it: the
    /// directive closes an include cycle, reported here as a `parse-error`.
    fn closes_cycle(
        &mut self,
        (known, parsed): (&Known, &[(&'static dyn Reader, ParsedFile)]),
        includer: &ParsedFile,
        directive: &Directive,
        target: &Path,
        canonical: &Option<PathBuf>,
    ) -> bool {
        let Some(canonical) = canonical else {
            return false;
        };
        if !known.in_chain(parsed, includer, canonical) {
            return false;
        }
        // MySQL's directives (`!include`, `!includedir`) are the ones starting with `!`.
        let (consequence, severity) = if directive.name.starts_with('!') {
            (
                "mysqld reads the files again and again until includes are 10 deep, then skips the deeper include directives with a warning",
                Severity::Warning,
            )
        } else {
            ("the server refuses to start", Severity::Error)
        };
        let message = format!(
            "include cycle: `{}` includes itself (directly or through other files); {consequence}; remove the include that leads back",
            source::display_path(target)
        );
        self.report_at(includer, directive, &message, severity);
        true
    }

    fn error(&mut self, includer: &ParsedFile, directive: &Directive, message: String) {
        self.report_at(includer, directive, &message, Severity::Error);
    }

    /// A `parse-error` of `severity` at `directive`'s argument.
    fn report_at(
        &mut self,
        includer: &ParsedFile,
        directive: &Directive,
        message: &str,
        severity: Severity,
    ) {
        self.report
            .diagnostics
            .push(engine_rules::parse_error::with_severity(
                location(includer, directive),
                message,
                severity,
            ));
    }

    /// A relative include that is not in the repository: a warning, since the file may
    /// be created at deploy time, but its settings are not checked.
    fn missing(&mut self, includer: &ParsedFile, directive: &Directive) {
        // mysys/my_default.cc ignores what reading a `!include` returns, and stops at a
        // directory `!includedir` cannot list.
        let consequence = match directive.name.as_str() {
            "!include" => "mysqld skips a missing `!include` file without a word",
            "%include" => "PgBouncer opens it from its working directory, and refuses to start if it is missing there",
            _ => "the server refuses to start if it is missing there too",
        };
        let message = format!(
            "{} `{}` is not in the repository: its settings are not checked ({consequence})",
            directive.name,
            written_target(directive)
        );
        self.report_at(includer, directive, &message, Severity::Warning);
    }
}

/// The next parsed file from `next` on that has include directives, cloned (its
/// includes are appended to `parsed` while it is read), and `next` moved past it.
fn next_includer(
    parsed: &[(&'static dyn Reader, ParsedFile)],
    next: &mut usize,
) -> Option<(&'static dyn Reader, ParsedFile)> {
    let rest = parsed.get(*next..)?;
    // Cloned only when it has directives: most files include nothing.
    let found = rest.iter().position(|(_, file)| has_includes(file))?;
    *next += found + 1;
    rest.get(found)
        .map(|(reader, file)| (*reader, file.clone()))
}

/// `target` without its `.` and `..` components (`db/../shared/x.conf` is
/// `shared/x.conf`) when that spelling names the same file, as it does unless a link
/// stands before a `..`: findings then name the file as the walk would.
fn spelt_plainly(target: &Path, canonical: &Path) -> PathBuf {
    let plain = source::normalise(target);
    if std::fs::canonicalize(&plain).is_ok_and(|c| c == canonical) {
        plain
    } else {
        target.to_path_buf()
    }
}

/// The file a PgBouncer `%include` reads. PgBouncer opens a relative name from its
/// working directory (libusual `usual/cfparser.c` hands the name as written to
/// `load_file`; PgBouncer's doc/config.md: "relative to the current working
/// directory"), which a linter cannot know: the including file's directory is tried
/// first, then the directory of the top-level `pgbouncer.ini` (the same one for a
/// nested include written from the top file's view, `conf.d/b.ini` in `conf.d/a.ini`).
fn pgbouncer_target(beside_includer: PathBuf, top_dir: Option<&Path>, argument: &str) -> PathBuf {
    if beside_includer.exists() {
        return beside_includer;
    }
    match top_dir.map(|dir| dir.join(argument)) {
        Some(beside_top) if beside_top.exists() => beside_top,
        _ => beside_includer,
    }
}

/// The server whose include depth [`MAX_INCLUDE_DEPTH`] bounds, for `directive`, what it
/// does with an include past it, and how severe that is: PostgreSQL and PgBouncer refuse
/// to start, mysqld skips the include with a warning and starts without its settings.
fn nesting_limited_by(directive: &Directive) -> Option<(&'static str, &'static str, Severity)> {
    const REFUSES: &str = "it refuses to start with this configuration";
    match directive.name.as_str() {
        "include" | "include_if_exists" | "include_dir" => {
            Some(("PostgreSQL", REFUSES, Severity::Error))
        }
        "%include" => Some(("PgBouncer", REFUSES, Severity::Error)),
        "!include" | "!includedir" => Some((
            "mysqld",
            "it skips this directive, with a warning in its log (`maximum include recursion level was reached`), and starts without the settings it would read there",
            Severity::Warning,
        )),
        _ => None,
    }
}

/// The file a directive names, as written without its quotes (`include 'b.conf'`).
fn written_target(directive: &Directive) -> &str {
    directive.argument.trim().trim_matches(['\'', '"'])
}

/// Where a directive's findings point: its argument.
fn location(includer: &ParsedFile, directive: &Directive) -> Location {
    Location {
        file: includer.id,
        span: directive.argument_span,
    }
}

/// The parsed files by id and by canonical path, indexed as they are added: each
/// directive asks which file a path is and which files include a file, and comparing
/// it with every file (each time resolving its path) was quadratic in the files read.
#[derive(Default)]
struct Known {
    /// Position in `parsed` of each file's id.
    position: HashMap<crate::source::FileId, usize>,
    /// Canonical path → positions in `parsed` of the files read from it.
    by_path: HashMap<PathBuf, Vec<usize>>,
    /// Canonical path of each position (None: it could not be resolved).
    canonical: Vec<Option<PathBuf>>,
}

impl Known {
    /// Index the files added to `parsed` since the last call.
    fn sync(&mut self, parsed: &[(&'static dyn Reader, ParsedFile)]) {
        for (at, (_, file)) in parsed.iter().enumerate().skip(self.canonical.len()) {
            let canonical = canonical_of(&file.path);
            self.position.insert(file.id, at);
            if let Some(path) = &canonical {
                self.by_path.entry(path.clone()).or_default().push(at);
            }
            self.canonical.push(canonical);
        }
    }

    /// The parsed files read from `canonical`.
    fn with_path<'p>(
        &self,
        parsed: &'p [(&'static dyn Reader, ParsedFile)],
        canonical: &Path,
    ) -> Vec<&'p ParsedFile> {
        let positions = self.by_path.get(canonical).map_or(&[][..], Vec::as_slice);
        positions
            .iter()
            .filter_map(|at| parsed.get(*at).map(|(_, f)| f))
            .collect()
    }

    /// The directory of the file at the top of `file`'s include chain (the one no other
    /// file includes).
    fn top_dir(
        &self,
        parsed: &[(&'static dyn Reader, ParsedFile)],
        file: &ParsedFile,
    ) -> Option<PathBuf> {
        let top = self.chain(parsed, file).last().unwrap_or(file);
        top.path.parent().map(Path::to_path_buf)
    }

    /// How many includes below the top file `file` is (0 for the top file).
    fn depth(&self, parsed: &[(&'static dyn Reader, ParsedFile)], file: &ParsedFile) -> usize {
        self.chain(parsed, file).count().saturating_sub(1)
    }

    /// `file`, then the file that includes it, and so on up to the top file.
    fn chain<'p>(
        &'p self,
        parsed: &'p [(&'static dyn Reader, ParsedFile)],
        file: &'p ParsedFile,
    ) -> impl Iterator<Item = &'p ParsedFile> + 'p {
        std::iter::successors(Some(file), move |current| {
            current
                .included_from
                .and_then(|(parent, _)| self.position.get(&parent))
                .and_then(|at| parsed.get(*at))
                .map(|(_, parent)| parent)
        })
        // A chain without a loop holds each file at most once; this bounds one anyway.
        .take(self.canonical.len() + 1)
    }

    /// True when `canonical` is `file` or one of the files that include it. Followed
    /// whole, however deep: a cycle it missed would let a walked file be adopted into
    /// its own include.
    fn in_chain(
        &self,
        parsed: &[(&'static dyn Reader, ParsedFile)],
        file: &ParsedFile,
        canonical: &Path,
    ) -> bool {
        let mut current = self.position.get(&file.id).copied();
        let mut steps = 0;
        while let Some(at) = current {
            // A chain without a loop holds each file at most once; this bounds one anyway.
            steps += 1;
            if steps > self.canonical.len() {
                break;
            }
            if self.canonical.get(at).and_then(Option::as_deref) == Some(canonical) {
                return true;
            }
            current = parsed
                .get(at)
                .and_then(|(_, f)| f.included_from)
                .and_then(|(parent, _)| self.position.get(&parent).copied());
        }
        false
    }

    /// A file the walker found on its own (a MySQL `conf.d/*.cnf`) that is also
    /// included: it becomes part of its includer instead of a second server. True when
    /// adopted.
    fn adopt_walked(
        &self,
        parsed: &mut [(&'static dyn Reader, ParsedFile)],
        canonical: &Option<PathBuf>,
        at: (crate::source::FileId, usize),
        includer: crate::source::FileId,
    ) -> bool {
        let Some(positions) = canonical.as_ref().and_then(|c| self.by_path.get(c)) else {
            return false;
        };
        for position in positions {
            if let Some((_, file)) = parsed.get_mut(*position) {
                if file.included_from.is_none() && file.id != includer {
                    file.included_from = Some(at);
                    return true;
                }
            }
        }
        false
    }
}

fn canonical_of(path: &Path) -> Option<PathBuf> {
    std::fs::canonicalize(path).ok()
}

/// The text and size on disk of a file another names (an include, a compose
/// `env_file`), or why it cannot be read, with `what` naming it (`included file`).
pub(crate) fn read_named_file(path: &Path, max: u64, what: &str) -> Result<(String, u64), String> {
    read_named_text(path, max, what, false).map(|(text, _, disk_len)| (text, disk_len))
}

/// [`read_named_file`], ISO-8859-1 allowed when `latin1` (a Spring `.properties` file,
/// which Spring Boot reads so), with the encoding read.
pub(crate) fn read_named_text(
    path: &Path,
    max: u64,
    what: &str,
    latin1: bool,
) -> Result<(String, source::Encoding, u64), String> {
    let bytes = source::read_bounded(path, max).map_err(|e| match e {
        source::ReadError::Io(e) => format!("cannot read {what}: {e}"),
        source::ReadError::TooLarge { .. } => format!("{what} {e} (--max-file-size)"),
        other => format!("cannot read {what}: it {other}"),
    })?;
    let disk_len = bytes.len() as u64;
    source::decode(bytes, latin1)
        .map(|(text, encoding)| (text, encoding, disk_len))
        .map_err(|e| e.message)
}

/// Whether `file` has include directives (an INI dialect's): most files have none.
pub fn has_includes(file: &ParsedFile) -> bool {
    matches!(file.format, Format::Ini(_)) && !file.doc.directives.is_empty()
}

/// Whether a file of these bytes may hold an include directive: a line (LF, CRLF or
/// lone CR ends one, as [`crate::syntax::ini`] splits them) that starts, after blanks,
/// with `include`, `%include` or `!include` in any case. Every line the INI dialects
/// read as a directive is one of these (a test checks it against the parser, which
/// skips a leading BOM as this does); a comment line never is. Decoding keeps ASCII
/// bytes, so the file's raw bytes say it.
pub fn may_include(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut ends = memchr::memchr2_iter(b'\n', b'\r', bytes).chain(std::iter::once(bytes.len()));
    let mut start = 0;
    ends.any(|end| {
        let line = bytes.get(start..end).unwrap_or_default();
        start = end + 1;
        line_may_include(line)
    })
}

/// Whether `line` starts, after blanks, with `include`, `%include` or `!include`.
fn line_may_include(line: &[u8]) -> bool {
    let start = line
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(line.len());
    let rest = line.get(start..).unwrap_or_default();
    let name = rest.strip_prefix(b"%").or_else(|| rest.strip_prefix(b"!"));
    name.unwrap_or(rest)
        .get(..b"include".len())
        .is_some_and(|word| word.eq_ignore_ascii_case(b"include"))
}

#[cfg(test)]
mod tests {
    use super::may_include;

    #[test]
    fn include_lines_are_seen_and_comments_are_not() {
        for text in [
            "include 'a.conf'\n",
            "max_connections = 5\n  INCLUDE_DIR 'conf.d'\n",
            "[pgbouncer]\r%include common.ini",
            "\t!includedir /etc/mysql/conf.d/\n",
            "# a comment\rinclude_if_exists = 'b.conf'",
            "\u{feff}%include common.ini\n",
        ] {
            assert!(may_include(text.as_bytes()), "{text:?}");
        }
        for text in [
            "",
            "#include = default\n",
            "  ;%include common.ini\n",
            "max_connections = 5 # include 'a.conf'\n",
            "search_path = include\n",
        ] {
            assert!(!may_include(text.as_bytes()), "{text:?}");
        }
    }
}
