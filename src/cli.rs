//! Command-line interface (DESIGN.md §6): clap definitions and dispatch. Exit codes:
//! 0 clean, 1 findings at or above `--fail-on`, 2 usage, configuration or internal error.

use std::io::{BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::parser::ValueSource;
use clap::{Parser, Subcommand, ValueEnum};

use crate::diagnostic::{Diagnostic, Severity};
use crate::engine::{self, CheckRequest};
use crate::manifest::{self, FailOn, Manifest, ManifestError};
use crate::model::Location;
use crate::render::{self, OutputFormat, RenderContext, RunError, RunErrorAt, Summary};
use crate::rules;

#[derive(Debug, Parser)]
#[command(
    name = "poollint",
    version,
    about = "Lint database connection-pool configuration before it reaches production",
    long_about = "poollint reads the configuration files a team already has (Spring Boot with \
                  HikariCP, PostgreSQL, PgBouncer, MySQL/MariaDB, Rails, Kubernetes, \
                  docker-compose, Node.js pool JSON, .NET connection strings, .env, and \
                  poollint.toml), builds a typed model of every connection pool and reports, \
                  with exact line and column, settings that fail at start-up, are silently \
                  changed by the pool library, or cannot carry the load."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check configuration files and directories (default: the current directory).
    Check(Box<CheckArgs>),
    /// Print the documentation of a rule.
    Explain {
        /// Rule name, e.g. hikari-max-lifetime-below-minimum.
        rule: String,
    },
    /// List every rule: name, category, default severity and what it checks.
    Rules {
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Per service pool: offered load, utilisation, P(wait), P(timeout), the pool size
    /// that would pass; per database: fleet demand against usable slots.
    Capacity(CapacityArgs),
    /// Write the poollint.toml inferred from the files (databases, poolers, services),
    /// with comments and TODOs for what files cannot say, such as the load.
    Init {
        /// Directory to read and to write poollint.toml into.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Print the manifest instead of writing it.
        #[arg(long)]
        stdout: bool,
        /// Overwrite an existing poollint.toml.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        exclude: ExcludeArgs,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), generated from these command-line definitions.
    Man {
        /// The subcommand whose page to print (`check` gives poollint-check(1), with its
        /// options); without it, the top page.
        subcommand: Option<String>,
    },
}

#[derive(Debug, clap::Args)]
pub struct CapacityArgs {
    /// Files and directories to read.
    #[arg(default_value = ".", value_parser = lexical_path)]
    pub paths: Vec<PathBuf>,
    /// poollint.toml to use instead of the nearest one above the first path.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = CapacityFormat::Text)]
    pub format: CapacityFormat,
    #[command(flatten)]
    pub exclude: ExcludeArgs,
}

/// `--exclude`, for every subcommand that walks directories.
#[derive(Debug, clap::Args)]
pub struct ExcludeArgs {
    /// Skip the files and directories this gitignore-style glob matches, relative to the
    /// current directory (`legacy`, `/deploy/old/`, `*.env`): an excluded directory is
    /// not walked. Paths named as arguments are still checked. Repeatable and
    /// comma-separated.
    #[arg(long = "exclude", value_delimiter = ',', value_name = "PATTERN,...")]
    pub patterns: Vec<String>,
}

impl ExcludeArgs {
    /// The patterns compiled, or a usage error naming the invalid one.
    fn compile(&self) -> Result<crate::walk::Exclude, ExitCode> {
        crate::walk::Exclude::new(&self.patterns).map_err(|message| usage_error(&message))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CapacityFormat {
    Text,
    Json,
    /// A chart per pool of utilisation and P(timeout) against request rate.
    Svg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Files and directories to check.
    #[arg(default_value = ".", value_parser = lexical_path)]
    pub paths: Vec<PathBuf>,
    /// Output format, optionally written to a file: FORMAT or FORMAT=PATH. Repeatable.
    #[arg(short, long = "format", value_name = "FORMAT[=PATH]", value_parser = parse_output)]
    pub format: Vec<Output>,
    /// Lowest severity that makes the run exit with 1 (default from poollint.toml, else error).
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<FailOn>,
    /// poollint.toml to use for every file, instead of the nearest one above each file.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Run only these rules (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "RULE,...", value_parser = rule_name)]
    pub select: Option<Vec<String>>,
    /// Do not run these rules (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "RULE,...", value_parser = rule_name)]
    pub ignore: Vec<String>,
    /// Colour in human output. NO_COLOR and FORCE_COLOR are respected with auto.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Print files, bytes and time per stage on stderr.
    #[arg(long)]
    pub stats: bool,
    /// Read one file from standard input, treated as if it were at this path. Checks
    /// nothing else, so it cannot be given with PATHS, except `-` (standard input).
    // A path given with it used to be ignored silently: `read_stdin_dash` refuses the
    // paths the user wrote (clap's default "." is not written).
    #[arg(long, value_name = "NAME", value_parser = lexical_path)]
    pub stdin_filename: Option<PathBuf>,
    /// Print the effective settings for this file (manifest, fail-on, rule levels and
    /// options, ignores that match it) and where each came from, then exit.
    #[arg(long, value_name = "PATH")]
    pub show_settings: Option<PathBuf>,
    /// Ignore `# poollint: ignore[...]` comments (for platform teams enforcing rules).
    #[arg(long)]
    pub no_inline_suppressions: bool,
    /// Hide findings recorded in this baseline file (default: `baseline` in poollint.toml).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record every current finding in this baseline file, then report as usual.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Report only findings on lines changed since this git revision (their own line or
    /// one of their labels'), and run risky-pool-change against the pools as they were
    /// at it.
    #[arg(long, value_name = "REV")]
    pub diff_base: Option<String>,
    /// Files larger than this many bytes are refused with a parse-error.
    #[arg(long, value_name = "BYTES", default_value_t = engine::DEFAULT_MAX_FILE_SIZE)]
    pub max_file_size: u64,
    /// Also follow includes (postgresql.conf, my.cnf, pgbouncer.ini) into this
    /// directory, outside the paths being checked; absolute includes inside it are
    /// followed too. Repeatable.
    #[arg(long, value_name = "DIR")]
    pub include_root: Vec<PathBuf>,
    /// Report at most this many findings per file, the most severe first (0: no limit).
    #[arg(long, value_name = "N", default_value_t = engine::DEFAULT_MAX_DIAGNOSTICS_PER_FILE)]
    pub max_diagnostics_per_file: usize,
    #[command(flatten)]
    pub exclude: ExcludeArgs,
}

/// A rule name in a `--select`/`--ignore` list, without the spaces around it
/// (`--select 'a, b'`).
fn rule_name(text: &str) -> Result<String, String> {
    Ok(text.trim().to_owned())
}

/// One `--format` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub format: OutputFormat,
    pub path: Option<PathBuf>,
}

fn parse_output(text: &str) -> Result<Output, String> {
    let (name, path) = match text.split_once('=') {
        Some((name, path)) if !path.is_empty() => (name, Some(PathBuf::from(path))),
        Some(_) => return Err("FORMAT=PATH needs a path after `=`".into()),
        None => (text, None),
    };
    let format = OutputFormat::from_str(name, true).map_err(|_| {
        let names: Vec<String> = OutputFormat::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value().map(|p| p.get_name().to_owned()))
            .collect();
        format!(
            "unknown format `{name}` (expected one of: {})",
            names.join(", ")
        )
    })?;
    Ok(Output { format, path })
}

/// A path argument without `.` components and repeated separators (`svc/./legacy`,
/// `svc//`): a file has one spelling in every output, and an anchored `--exclude`
/// (`svc/legacy`) matches it. A leading `./`, `..` and a trailing `/` are kept.
fn lexical_path(text: &str) -> Result<PathBuf, std::convert::Infallible> {
    let mut path: PathBuf = Path::new(text).components().collect();
    if text.ends_with('/') && !path.as_os_str().is_empty() {
        path.push("");
    }
    Ok(path)
}

/// `-` as the paths stands for standard input, as in ruff: `--stdin-filename NAME -`
/// is `--stdin-filename NAME`. Any other path written with `--stdin-filename` is a
/// usage error (it checks standard input alone), and so is `-` without it: the name
/// says what kind of file the text is. A file named `-` is `./-`.
fn read_stdin_dash(args: &mut CheckArgs, paths_written: bool) -> Result<(), String> {
    let is_dash = |path: &PathBuf| path.as_os_str() == "-";
    // A name with no file name (``, `.`, `/`) says no kind of file: nothing is checked.
    if let Some(name) = &args.stdin_filename {
        // `application.yml/` names a directory, not a file (`file_name` ignores the `/`).
        let names_a_directory = name.as_os_str().as_encoded_bytes().ends_with(b"/");
        if name.file_name().is_none() || names_a_directory {
            return Err(format!(
                "--stdin-filename `{}` names no file: give the path the text stands for (`config/application.yml`)",
                name.display()
            ));
        }
    }
    match &args.stdin_filename {
        Some(_) if !paths_written => Ok(()),
        Some(_) if args.paths.iter().all(is_dash) => {
            args.paths = vec![PathBuf::from(".")];
            Ok(())
        }
        Some(_) => Err(
            "--stdin-filename cannot be used with PATHS: it checks standard input alone (`-`, or no path, stands for it)".to_owned(),
        ),
        None if args.paths.iter().any(is_dash) => Err(
            "`-` stands for standard input, which needs --stdin-filename NAME to say what kind of file it is (`poollint check --stdin-filename config/application.yml -`); a file named `-` is `./-`".to_owned(),
        ),
        None => Ok(()),
    }
}

/// Entry point used by `main`.
pub fn main() -> ExitCode {
    let matches = <Cli as clap::CommandFactory>::command().get_matches();
    let cli =
        <Cli as clap::FromArgMatches>::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    match cli.command {
        Command::Check(mut args) => {
            let check = matches.subcommand_matches("check");
            let written = check.and_then(|m| m.value_source("paths"));
            match read_stdin_dash(&mut args, written == Some(ValueSource::CommandLine)) {
                Ok(()) => run_check(&args),
                Err(message) => usage_error(&message),
            }
        }
        Command::Explain { rule } => explain(&rule),
        Command::Rules { format } => list_rules(format),
        Command::Capacity(args) => run_capacity(&args),
        Command::Init {
            dir,
            stdout,
            force,
            exclude,
        } => run_init(&dir, stdout, force, &exclude),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            // Into memory first: `generate` panics when it cannot write.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cmd, "poollint", &mut script);
            emit_or_fail(&script, ExitCode::SUCCESS)
        }
        Command::Man { subcommand } => man_page(subcommand.as_deref()),
    }
}

/// The top man page, or `poollint-SUBCOMMAND(1)` (the pages the top one's SEE ALSO
/// names).
fn man_page(subcommand: Option<&str>) -> ExitCode {
    let top = <Cli as clap::CommandFactory>::command();
    let man = match subcommand {
        None => clap_mangen::Man::new(top),
        Some(name) => {
            let Some(sub) = top.find_subcommand(name).cloned() else {
                let names: Vec<String> = top
                    .get_subcommands()
                    .map(|c| c.get_name().to_owned())
                    .collect();
                return usage_error(&format!(
                    "no subcommand `{name}`; pages: {}",
                    names.join(", ")
                ));
            };
            let title = format!("poollint-{}", sub.get_name());
            // A subcommand has no version of its own: the page's header shows the tool's.
            let sub = sub
                .name(title.clone())
                .bin_name(&title)
                .version(env!("CARGO_PKG_VERSION"));
            clap_mangen::Man::new(sub).title(title)
        }
    };
    let mut page = Vec::new();
    match man.render(&mut page) {
        Ok(()) => emit_or_fail(&page, ExitCode::SUCCESS),
        Err(e) => usage_error(&format!("cannot write the man page: {e}")),
    }
}

fn run_init(dir: &Path, stdout: bool, force: bool, exclude: &ExcludeArgs) -> ExitCode {
    let exclude_patterns = match exclude.compile() {
        Ok(patterns) => patterns,
        Err(code) => return code,
    };
    match std::fs::metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return usage_error(&format!("{} does not exist", dir.display()));
        }
        Ok(meta) if meta.is_dir() => {}
        _ => return usage_error(&format!("{} is not a directory", dir.display())),
    }
    let target = crate::init::target(dir);
    // Any entry, a dangling link too: writing through it created its target, outside
    // the directory, without --force.
    let taken = std::fs::symlink_metadata(&target).is_ok();
    if !stdout && taken && !force {
        return usage_error(&format!(
            "{} exists; use --force to overwrite it or --stdout to print the inferred manifest",
            target.display()
        ));
    }
    let mut request = CheckRequest::new(vec![dir.to_path_buf()]);
    request.select = Some(Vec::new());
    request.exclude_patterns = exclude_patterns;
    let report = engine::check(&request);
    let inferred = crate::init::infer(dir, &report.model, &report.sources);
    for path in &inferred.skipped {
        eprintln!(
            "poollint: init leaves out {path}: its path is not valid UTF-8, which a TOML manifest cannot name"
        );
    }
    for (manifest, files) in &inferred.governed {
        eprintln!(
            "poollint: init leaves out {files} file(s) that {manifest} governs (the nearest manifest applies to them)"
        );
    }
    let text = inferred.text;
    if stdout {
        return emit_or_fail(text.as_bytes(), ExitCode::SUCCESS);
    }
    match std::fs::write(&target, text) {
        Ok(()) => {
            eprintln!(
                "poollint: wrote {}; review it, then run poollint check",
                target.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => usage_error(&format!("cannot write {}: {e}", target.display())),
    }
}

fn run_capacity(args: &CapacityArgs) -> ExitCode {
    check_few_files_on_this_thread(&args.paths, false);
    crate::source::note_linked_paths(&args.paths);
    let exclude_patterns = match args.exclude.compile() {
        Ok(patterns) => patterns,
        Err(code) => return code,
    };
    let start = args.paths.first().map_or(Path::new("."), PathBuf::as_path);
    let manifest = match find_manifest(args.config.as_deref(), start) {
        Ok(manifest) => manifest,
        Err(error) => {
            eprint!(
                "{}",
                render_manifest_error(
                    &error,
                    use_color(ColorChoice::Auto, std::io::stderr().is_terminal())
                )
            );
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let mut request = CheckRequest::new(args.paths.clone());
    request.select = Some(Vec::new());
    request.manifest = manifest;
    request.exclude_patterns = exclude_patterns;
    let mut report = engine::check(&request);
    // What could not be read (a path that does not exist) fails the run, as in `check`.
    let code = exit_code(&report, false, false);
    // A service left out of the numbers (no connects-to to a database) says why.
    print_notes(&report);
    // The model gave its files to the report once the rules were done; the report's
    // numbers place files as the rules did (an inferred link needs the service's files).
    report.model.sources = report.sources.clone();
    // The manifest's `warn-utilization`, so "needs" is the size the rules' help names.
    let warn_at = request.manifest.as_ref().map_or_else(
        || crate::rules::sizing::warn_utilization(&request.settings),
        |m| crate::rules::sizing::warn_utilization(&m.lint),
    );
    let capacity = crate::capacity_report::build(&report.model, warn_at);
    let text = match args.format {
        CapacityFormat::Text => crate::capacity_report::render_text(&capacity),
        CapacityFormat::Json => match serde_json::to_string_pretty(&capacity) {
            Ok(json) => json + "\n",
            Err(e) => return usage_error(&format!("cannot write JSON: {e}")),
        },
        CapacityFormat::Svg => match crate::capacity_report::render_svg(&report.model) {
            Ok(svg) => svg,
            Err(e) => return usage_error(&e),
        },
    };
    emit_or_fail(text.as_bytes(), code)
}

/// Write a command's whole output to stdout, then exit with `code`: a closed pipe
/// (`| head`) ends it quietly, any other failure (a full disk) is an error (exit 2).
/// `print!` panics on both.
fn emit_or_fail(bytes: &[u8], code: ExitCode) -> ExitCode {
    let mut out = std::io::stdout().lock();
    match stdout_failure(out.write_all(bytes).and_then(|()| out.flush())) {
        Some(message) => usage_error(&message),
        None => code,
    }
}

/// What went wrong writing to stdout, if it matters: a closed pipe (`poollint check |
/// head`) is not worth reporting; any other failure (a full disk) is, the output being
/// incomplete.
fn stdout_failure(written: std::io::Result<()>) -> Option<String> {
    match written {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Some(format!("cannot write to standard output: {e}"))
        }
        _ => None,
    }
}

const EXIT_FINDINGS: u8 = 1;
const EXIT_ERROR: u8 = 2;

fn usage_error(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(EXIT_ERROR)
}

/// Two outputs to one place would make a broken file: two whole documents (JSON,
/// SARIF, rdjson, GitLab, JUnit) on stdout (a path that is stdout, `/dev/stdout`,
/// counts), two formats to one file however it is named (a link to it included), or a
/// file that stdout is redirected to as well as stdout. `/dev/null` takes anything.
fn check_outputs(outputs: &[Output]) -> Result<(), String> {
    let stdout = stdout_file();
    let targets: Vec<Target> = outputs
        .iter()
        .map(|o| Target::of(o, stdout.as_ref()))
        .collect();
    let on_stdout: Vec<&Output> = outputs
        .iter()
        .zip(&targets)
        .filter(|(_, t)| **t == Target::Stdout)
        .map(|(o, _)| o)
        .collect();
    check_stdout_documents(&on_stdout)?;
    if stdout.as_ref().is_some_and(|s| s.regular) {
        check_redirected_file(&on_stdout)?;
    }
    check_shared_files(outputs, &targets)?;
    check_output_places(outputs, &targets)
}

/// Every output file can be made where it is named: its directory exists and the path
/// is not a directory. Checked before the run, so a typo in a CI step does not fail
/// only after the whole check (with the findings printed and the report not written).
fn check_output_places(outputs: &[Output], targets: &[Target]) -> Result<(), String> {
    for (output, target) in outputs.iter().zip(targets) {
        let (Some(path), Target::File(_)) = (&output.path, target) else {
            continue;
        };
        if path.is_dir() {
            return Err(format!(
                "cannot write {}: it is a directory",
                path.display()
            ));
        }
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
        if let Some(dir) = dir.filter(|d| !d.is_dir()) {
            return Err(format!(
                "cannot write {}: directory {} does not exist",
                path.display(),
                dir.display()
            ));
        }
    }
    Ok(())
}

/// Where an output goes, compared by the file it is, not how it is named.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    Stdout,
    /// `/dev/null`: any number of outputs may go there.
    Discarded,
    File(FileIdentity),
}

impl Target {
    fn of(output: &Output, stdout: Option<&StdoutFile>) -> Target {
        match &output.path {
            Some(path) => Target::of_path(path, stdout),
            None => Target::Stdout,
        }
    }

    /// Where writing to `path` goes: standard output when it is stdout's file.
    fn of_path(path: &Path, stdout: Option<&StdoutFile>) -> Target {
        let identity = FileIdentity::of(path);
        if FileIdentity::null().as_ref() == Some(&identity) {
            Target::Discarded
        } else if stdout.is_some_and(|s| s.identity == identity) || names_stdout(path) {
            Target::Stdout
        } else {
            Target::File(identity)
        }
    }
}

/// What makes two paths one file: its device and inode when it exists (on unix: a
/// link, a hard link or a device node is the file it reaches), else its resolved path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum FileIdentity {
    Node(u64, u64),
    Path(PathBuf),
}

impl FileIdentity {
    #[cfg(unix)]
    fn of(path: &Path) -> FileIdentity {
        use std::os::unix::fs::MetadataExt;
        match std::fs::metadata(path) {
            Ok(meta) => FileIdentity::Node(meta.dev(), meta.ino()),
            Err(_) => FileIdentity::Path(crate::source::file_identity(
                &link_target(path),
                &mut Default::default(),
            )),
        }
    }

    #[cfg(not(unix))]
    fn of(path: &Path) -> FileIdentity {
        let resolved = std::fs::canonicalize(path).ok();
        FileIdentity::Path(resolved.unwrap_or_else(|| {
            crate::source::file_identity(&link_target(path), &mut Default::default())
        }))
    }

    #[cfg(unix)]
    fn null() -> Option<FileIdentity> {
        Some(FileIdentity::of(Path::new("/dev/null")))
    }

    #[cfg(not(unix))]
    fn null() -> Option<FileIdentity> {
        None
    }
}

/// Where a link that leads nowhere yet points (one level): writing it creates that
/// file, which another output may name directly.
fn link_target(path: &Path) -> PathBuf {
    match std::fs::read_link(path) {
        Ok(target) => path.parent().unwrap_or(Path::new(".")).join(target),
        Err(_) => path.to_path_buf(),
    }
}

/// `/dev/stderr` and its aliases, by name.
fn names_stderr(path: &Path) -> bool {
    ["/dev/stderr", "/dev/fd/2", "/proc/self/fd/2"]
        .iter()
        .any(|name| path == Path::new(name))
}

/// `/dev/stdout` and its aliases, by name: stdout when its file cannot be read (closed).
fn names_stdout(path: &Path) -> bool {
    ["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"]
        .iter()
        .any(|name| path == Path::new(name))
}

/// Standard output's file, when it can be told.
struct StdoutFile {
    identity: FileIdentity,
    /// A regular file (`> out.json`): an output to it by its name and stdout's own
    /// writes would overwrite each other, not follow each other as in a pipe.
    regular: bool,
}

#[cfg(unix)]
fn stdout_file() -> Option<StdoutFile> {
    use std::os::fd::AsFd;
    use std::os::unix::fs::MetadataExt;
    let fd = std::io::stdout().as_fd().try_clone_to_owned().ok()?;
    let meta = std::fs::File::from(fd).metadata().ok()?;
    Some(StdoutFile {
        identity: FileIdentity::Node(meta.dev(), meta.ino()),
        regular: meta.is_file(),
    })
}

#[cfg(not(unix))]
fn stdout_file() -> Option<StdoutFile> {
    None
}

/// `-f FORMAT` or `-f FORMAT=PATH`, as given.
fn output_label(output: &Output) -> String {
    match &output.path {
        Some(path) => format!("{}={}", output.format.name(), path.display()),
        None => output.format.name(),
    }
}

/// At most one whole document on stdout.
fn check_stdout_documents(on_stdout: &[&Output]) -> Result<(), String> {
    use OutputFormat::{Gitlab, Json, Junit, Rdjson, Sarif};
    let documents: Vec<&&Output> = on_stdout
        .iter()
        .filter(|o| matches!(o.format, Json | Sarif | Rdjson | Gitlab | Junit))
        .collect();
    if let [first, second, ..] = documents.as_slice() {
        return Err(format!(
            "-f {} and -f {} would both write a document to standard output; give one a file (-f {}=PATH)",
            output_label(first),
            output_label(second),
            second.format.name()
        ));
    }
    Ok(())
}

/// A file stdout is redirected to takes no output by its file name besides stdout's
/// own (`/dev/stdout` names stdout itself, whatever it is redirected to).
fn check_redirected_file(on_stdout: &[&Output]) -> Result<(), String> {
    let named = on_stdout
        .iter()
        .position(|o| o.path.as_deref().is_some_and(|p| !names_stdout(p)));
    let other = on_stdout
        .iter()
        .enumerate()
        .find(|(i, _)| named.is_some_and(|n| n != *i))
        .map(|(_, o)| o);
    match (named.and_then(|n| on_stdout.get(n)), other) {
        (Some(named), Some(other)) => Err(format!(
            "-f {} and -f {} both write the file standard output is redirected to",
            output_label(named),
            output_label(other)
        )),
        _ => Ok(()),
    }
}

/// At most one output to each file.
fn check_shared_files(outputs: &[Output], targets: &[Target]) -> Result<(), String> {
    let files = outputs.iter().zip(targets);
    for (i, (output, target)) in files.clone().enumerate() {
        let (Some(path), Target::File(_)) = (&output.path, target) else {
            continue;
        };
        if let Some((other, _)) = files.clone().skip(i + 1).find(|(_, t)| *t == target) {
            return Err(format!(
                "-f {} and -f {} both write {}",
                output.format.name(),
                other.format.name(),
                path.display()
            ));
        }
    }
    Ok(())
}

/// `--baseline` or `--write-baseline` naming a file an output writes (compared as
/// files, as outputs are; a baseline written to standard output, or to the file it is
/// redirected to, with a format writing there): the report would overwrite the
/// baseline, or the baseline the report, and every later run would fail on a baseline
/// that is not one.
fn check_baseline_not_an_output(args: &CheckArgs) -> Result<(), String> {
    let baselines = [
        ("--baseline", &args.baseline),
        ("--write-baseline", &args.write_baseline),
    ];
    for (flag, path) in baselines {
        if let Some(path) = path {
            check_not_an_output(args, &format!("{flag} {}", path.display()), path)?;
        }
    }
    Ok(())
}

/// The baseline at `path` (`named` so in the error) is no file an output writes.
fn check_not_an_output(args: &CheckArgs, named: &str, path: &Path) -> Result<(), String> {
    let stdout = stdout_file();
    let baseline = Target::of_path(path, stdout.as_ref());
    if baseline == Target::Discarded {
        return Ok(());
    }
    let clash = outputs(args)
        .iter()
        .find(|o| Target::of(o, stdout.as_ref()) == baseline);
    match clash {
        Some(output) => Err(format!(
            "{named} and -f {} name the same file; give the report another file",
            output_label(output)
        )),
        None => Ok(()),
    }
}

/// An `--include-root` that is no directory follows nothing: a typo, reported rather than
/// leaving the includes it was meant for unread in silence.
fn check_include_roots(roots: &[PathBuf]) -> Result<(), String> {
    match roots.iter().find(|root| !root.is_dir()) {
        Some(root) if root.exists() => Err(format!(
            "--include-root {}: not a directory",
            root.display()
        )),
        Some(root) => Err(format!(
            "--include-root {}: no such directory",
            root.display()
        )),
        None => Ok(()),
    }
}

/// Unknown names in `--select`/`--ignore` are usage errors with a did-you-mean.
fn check_rule_names<'a>(names: impl IntoIterator<Item = &'a String>) -> Result<(), String> {
    for name in names {
        if rules::find(name).is_none() {
            let hint = rules::suggest(name)
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_else(|| "; `poollint rules` lists them".into());
            return Err(format!("unknown rule `{name}`{hint}"));
        }
    }
    Ok(())
}

fn run_check(args: &CheckArgs) -> ExitCode {
    check_few_files_on_this_thread(&args.paths, args.stdin_filename.is_some());
    let named = args.paths.iter().chain(args.stdin_filename.as_ref());
    crate::source::note_linked_paths(&named.cloned().collect::<Vec<_>>());
    let requested = args.select.iter().flatten().chain(args.ignore.iter());
    let checked_args = check_rule_names(requested)
        .and_then(|()| check_outputs(&args.format))
        .and_then(|()| check_baseline_not_an_output(args))
        .and_then(|()| check_include_roots(&args.include_root));
    if let Err(message) = checked_args {
        return usage_error(&message);
    }
    let exclude_patterns = match args.exclude.compile() {
        Ok(patterns) => patterns,
        Err(code) => return code,
    };
    let color = use_color(args.color, std::io::stdout().is_terminal());
    let color_on_stderr = use_color(args.color, std::io::stderr().is_terminal());
    // The settings of one file come from the manifest nearest above it; a path that
    // does not exist is most likely a typo, and settings shown for it would mislead.
    let manifest = match &args.show_settings {
        Some(path) if !path.exists() => {
            return usage_error(&format!(
                "--show-settings {}: no such file or directory",
                path.display()
            ))
        }
        Some(path) => find_manifest(args.config.as_deref(), path),
        None => load_manifest(args),
    };
    // Each poollint.toml governs the files below it, unless --config names one for all.
    let nested = args.config.is_none() && args.stdin_filename.is_none();
    // A manifest's own baseline applies unless --baseline replaces it or
    // --write-baseline is about to write it: then the file must exist.
    let manifest_baselines = args.baseline.is_none() && args.write_baseline.is_none();
    let manifest = manifest.and_then(|m| match m {
        Some(m) if manifest_baselines && args.show_settings.is_none() => match m.baseline_error() {
            Some(error) => Err(error),
            None => Ok(Some(m)),
        },
        other => Ok(other),
    });
    let manifest = match manifest {
        Ok(manifest) => manifest,
        // A team's manifest found above the first path stops only its own files: the
        // split by manifests reports it and checks the other paths.
        Err(_) if nested && args.show_settings.is_none() => None,
        Err(error) => {
            eprint!("{}", render_manifest_error(&error, color_on_stderr));
            return ExitCode::from(EXIT_ERROR);
        }
    };
    // The manifest's baseline is read when no --baseline is given: a report written
    // over it would break every later run.
    let manifest_baseline = manifest.as_ref().and_then(|m| m.lint.baseline.as_deref());
    if let Some(path) = manifest_baseline.filter(|_| args.baseline.is_none()) {
        let named = format!("the `baseline` of poollint.toml, {},", path.display());
        if let Err(message) = check_not_an_output(args, &named, path) {
            return usage_error(&message);
        }
    }
    if let Some(path) = &args.show_settings {
        let settings = show_settings(path, manifest.as_ref(), args);
        return emit_or_fail(settings.as_bytes(), ExitCode::SUCCESS);
    }
    let mut request = CheckRequest::new(args.paths.clone());
    request.manifest_baselines = manifest_baselines;
    request.select = args.select.clone();
    request.ignore = args.ignore.clone();
    request.max_file_size = args.max_file_size;
    request.include_roots = args.include_root.clone().into();
    request.inline_suppressions = !args.no_inline_suppressions;
    request.exclude_patterns = exclude_patterns;
    // Only the review of `--diff-base` reads the model after the check.
    request.keep_model = args.diff_base.is_some();
    if let Some(name) = &args.stdin_filename {
        // At most one byte past the limit: enough to refuse a file too large as one on
        // disk is, without holding an unbounded stream. Decoding (UTF-8, UTF-16, a
        // `.properties` file's ISO-8859-1) is the engine's, as for a file on disk.
        let mut bytes = Vec::new();
        let limit = args.max_file_size.saturating_add(1);
        if let Err(e) = std::io::stdin().take(limit).read_to_end(&mut bytes) {
            return usage_error(&format!("cannot read standard input: {e}"));
        }
        request.stdin = Some((crate::walk::stdin_name(name), bytes));
    }
    if let Some(manifest) = manifest {
        request.settings = manifest.lint.clone();
        request.manifest = Some(manifest);
    }
    let checked = crate::scopes::check(&request, nested);
    for error in &checked.manifest_errors {
        eprint!("{}", render_manifest_error(error, color_on_stderr));
    }
    let mut scopes = checked.scopes;
    let started = std::time::Instant::now();
    if let Some(rev) = &args.diff_base {
        if let Err(message) = crate::review::review(rev, &request, nested, &mut scopes) {
            return usage_error(&message);
        }
    }
    let review = args.diff_base.is_some().then(|| started.elapsed());
    let started = std::time::Instant::now();
    crate::scopes::settle_foreign_findings(&mut scopes);
    let mut report = match settle_findings(args, scopes) {
        Ok(report) => report,
        Err(message) => return usage_error(&message),
    };
    engine::cap_per_file(&mut report.report, args.max_diagnostics_per_file);
    // Settling the findings across manifests (baselines, merging, the cap) is part of
    // applying the settings to them: the rules stage.
    report.report.stats.rules += started.elapsed();
    report.report.stats.review = review;
    let snippets = outputs(args).iter().any(|o| o.format.shows_snippets());
    engine::reread_for_output(&mut report.report, snippets);
    if outputs(args).iter().any(|o| o.format.shows_fixes()) {
        engine::check_fixes(&mut report.report);
    }
    print_notes(&report.report);
    let run_errors = run_errors(&checked.manifest_errors, &report.report);
    let started = std::time::Instant::now();
    if let Err(message) = write_outputs(args, &report.report, &run_errors, color) {
        return usage_error(&message);
    }
    if args.stats {
        print_stats(&report.report.stats, started.elapsed());
    }
    let broken_manifests = !checked.manifest_errors.is_empty();
    let code = exit_code(&report.report, report.failing, broken_manifests);
    // The process ends here: freeing a large report string by string (hundreds of
    // thousands of allocations on a big monorepo) only delays the exit; the OS takes
    // the memory back at once.
    std::mem::forget(report);
    code
}

/// The run's findings, with whether they fail it.
struct Settled {
    report: engine::Report,
    /// A finding at or above the fail-on level of the manifest governing its file (or
    /// `--fail-on`).
    failing: bool,
}

/// Apply the baselines to each share's findings, decide which fail, and merge the
/// shares into one report (writing the baseline `--write-baseline` asks for).
fn settle_findings(
    args: &CheckArgs,
    mut scopes: Vec<crate::scopes::Scope>,
) -> Result<Settled, String> {
    let stale = if args.write_baseline.is_some() {
        Vec::new()
    } else {
        crate::baseline::apply_to_shares(args.baseline.as_deref(), &mut scopes)?
    };
    let failing = scopes.iter().any(|scope| {
        scope.report.diagnostics.iter().any(|d| {
            let fail_on = args.fail_on.unwrap_or_else(|| scope.fail_on(d, &scopes));
            fail_on.fails(d.severity)
        })
    });
    let mut report = crate::scopes::merge(scopes.into_iter().map(|s| s.report).collect());
    if let Some(path) = &args.write_baseline {
        // Every current finding: those `--diff-base` leaves out too (a baseline
        // written from a branch's diff alone would forget the rest of the tree). Not
        // `risky-pool-change`: it compares with a revision, so it is no finding of the
        // tree; every run without `--diff-base` called its entry stale, and deleting
        // the entry as advised failed the next review.
        let risky = crate::rules::change::risky_pool_change::META.name;
        let all = report
            .diagnostics
            .iter()
            .chain(&report.outside_diff)
            .filter(|d| d.rule != risky);
        let mut baseline = crate::baseline::from_findings(all, &report.sources, path);
        let kept = crate::baseline::keep_unchecked(path, &mut baseline, &report);
        crate::baseline::write(path, &baseline)?;
        let of_others = match kept {
            0 => String::new(),
            n => format!(" ({n} of them kept from it, of files this run did not check)"),
        };
        let entries = match baseline.entries.len() {
            1 => "1 baseline entry".to_string(),
            n => format!("{n} baseline entries"),
        };
        report
            .notes
            .push(format!("wrote {entries} to {}{of_others}", path.display()));
    }
    report.notes.extend(stale);
    Ok(Settled { report, failing })
}

/// The effective settings for `path` and where each came from.
fn show_settings(path: &Path, manifest: Option<&Manifest>, args: &CheckArgs) -> String {
    let display = crate::source::display_path(path);
    let mut out = format!("settings for {display}\n");
    let (lint, source) = match manifest {
        Some(m) => (m.lint.clone(), crate::source::display_path(&m.path)),
        None => (
            manifest::LintSettings::default(),
            "built-in defaults (no poollint.toml found)".to_owned(),
        ),
    };
    out.push_str(&format!("manifest: {source}\n"));
    let fail_on = match args.fail_on {
        Some(level) => format!("{level:?} (--fail-on)"),
        None if lint.fail_on == FailOn::Error => "error (default)".to_owned(),
        None => format!("{:?} ({source})", lint.fail_on),
    };
    out.push_str(&format!("fail-on: {}\n", fail_on.to_lowercase()));
    if let Some(baseline) = args.baseline.as_ref().or(lint.baseline.as_ref()) {
        out.push_str(&format!("baseline: {}\n", baseline.display()));
    }
    out.push_str(&format!(
        "inline suppressions: {}\n",
        if args.no_inline_suppressions {
            "off (--no-inline-suppressions)"
        } else {
            "on"
        }
    ));
    out.push_str("rules:\n");
    for rule in rules::registry() {
        let meta = rule.meta();
        out.push_str(&format!(
            "  {}: {}\n",
            meta.name,
            rule_setting_text(meta, &lint, args, path, &source)
        ));
    }
    out
}

fn rule_setting_text(
    meta: &rules::RuleMeta,
    lint: &manifest::LintSettings,
    args: &CheckArgs,
    path: &Path,
    source: &str,
) -> String {
    if !engine::is_selected(meta.name, args.select.as_deref()) {
        return "off (not in --select)".to_owned();
    }
    if args.ignore.iter().any(|r| r == meta.name) {
        return "off (--ignore)".to_owned();
    }
    if let Some(entry) = lint.ignore_entry(meta.name, path) {
        let reason = entry
            .reason
            .as_deref()
            .map(|r| format!(": {r}"))
            .unwrap_or_default();
        return format!(
            "off for this path ([[lint.ignore]] {}{reason}, {source})",
            entry.patterns.join(", ")
        );
    }
    let setting = lint.rules.get(meta.name);
    let level = match setting.and_then(|s| s.level) {
        Some(manifest::Level::Off) => return format!("off ([lint.rules], {source})"),
        Some(manifest::Level::On(severity)) => format!("{severity} ([lint.rules], {source})"),
        None => format!("{} (default)", meta.default_severity),
    };
    let options: Vec<String> = meta
        .options
        .iter()
        .map(|o| {
            let value = setting.map_or(o.default, |s| s.options.get(o));
            let from = if value == o.default {
                "default"
            } else {
                "[lint.rules]"
            };
            format!("{} = {value} ({from})", o.name)
        })
        .collect();
    if options.is_empty() {
        level
    } else {
        format!("{level}; {}", options.join(", "))
    }
}

/// GitHub Actions turns `::error` lines in the log into annotations on the diff.
fn in_github_actions() -> bool {
    std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true")
}

/// The report's notes on stderr. Notes name files, whose names may hold control
/// characters: escaped.
fn print_notes(report: &engine::Report) {
    for note in &report.notes {
        let mut note = note.clone();
        crate::redact::mask_message(&mut note);
        eprintln!("poollint: {note}");
    }
}

/// 2 for internal errors or a manifest that cannot be used, else 1 when a finding
/// fails the run. The errors name paths, whose control characters are escaped as in
/// the notes: a line break would start a line a CI log can run as a command.
fn exit_code(report: &engine::Report, failing: bool, broken_manifests: bool) -> ExitCode {
    for error in &report.internal_errors {
        eprintln!(
            "poollint: error: {}",
            crate::redact::escaped_controls(error)
        );
    }
    if !report.internal_errors.is_empty() || broken_manifests {
        ExitCode::from(EXIT_ERROR)
    } else if failing {
        ExitCode::from(EXIT_FINDINGS)
    } else {
        ExitCode::SUCCESS
    }
}

/// The manifest named by `--config`, else the nearest one above the first path.
fn load_manifest(args: &CheckArgs) -> Result<Option<Manifest>, Box<ManifestError>> {
    let start = args
        .stdin_filename
        .as_deref()
        .or(args.paths.first().map(PathBuf::as_path))
        .unwrap_or(Path::new("."));
    find_manifest(args.config.as_deref(), start)
}

/// `--config FILE`, else the nearest `poollint.toml` at or above `start`.
fn find_manifest(
    config: Option<&Path>,
    start: &Path,
) -> Result<Option<Manifest>, Box<ManifestError>> {
    let path = match config {
        Some(path) => Some(path.to_path_buf()),
        // Only the manifests above `start` govern it: the current directory's does not
        // reach a tree outside it.
        None => manifest::discover(start),
    };
    match path {
        Some(path) => manifest::load(&path).map(Some),
        None => Ok(None),
    }
}

/// The outputs `--format` asks for: human on standard output when it names none.
fn outputs(args: &CheckArgs) -> &[Output] {
    static DEFAULT: [Output; 1] = [Output {
        format: OutputFormat::Human,
        path: None,
    }];
    if args.format.is_empty() {
        &DEFAULT
    } else {
        &args.format
    }
}

/// The outputs with every `=PATH` that is standard output (`/dev/stdout`, the file
/// stdout is redirected to) written as stdout: opening it by its name would truncate
/// what stdout appends to (`>> log`), and `-f github=/dev/stdout` annotates as
/// `-f github` does. A format given twice for one place is written once.
fn resolved_outputs(args: &CheckArgs) -> Vec<Output> {
    let stdout = stdout_file();
    let mut resolved: Vec<(Output, Target)> = Vec::new();
    for output in outputs(args) {
        let target = Target::of(output, stdout.as_ref());
        let output = match target {
            Target::Stdout => Output {
                format: output.format,
                path: None,
            },
            _ => output.clone(),
        };
        let repeated = target != Target::Discarded
            && resolved
                .iter()
                .any(|(o, t)| o.format == output.format && *t == target);
        if !repeated {
            resolved.push((output, target));
        }
    }
    resolved.into_iter().map(|(output, _)| output).collect()
}

/// What stopped part of the run, as the machine formats carry it: each manifest that
/// cannot be used, with its place, and each internal error.
fn run_errors<'a>(
    manifest_errors: &'a [ManifestError],
    report: &engine::Report,
) -> Vec<RunError<'a>> {
    let manifests = manifest_errors.iter().map(|error| {
        let mut message = error.message.clone();
        crate::redact::mask_message(&mut message);
        let at = error.file.map(|file| RunErrorAt {
            sources: &error.sources,
            location: Location {
                file,
                span: error.span,
            },
        });
        RunError { message, at }
    });
    let internal = report.internal_errors.iter().map(RunError::unplaced);
    manifests.chain(internal).collect()
}

fn write_outputs(
    args: &CheckArgs,
    report: &engine::Report,
    errors: &[RunError],
    color: bool,
) -> Result<(), String> {
    let outputs = resolved_outputs(args);
    // `-f github` on stdout or stderr (the runner reads workflow commands from both)
    // already annotates every finding: the human format's own annotations would make
    // GitHub show each twice.
    let annotate = in_github_actions()
        && !outputs.iter().any(|o| {
            o.format == OutputFormat::Github && o.path.as_deref().is_none_or(names_stderr)
        });
    for output in &outputs {
        let ctx = RenderContext {
            sources: &report.sources,
            summary: Summary {
                incomplete: !errors.is_empty(),
                ..Summary::of(report.files_checked(), &report.diagnostics)
            },
            color: color && output.path.is_none(),
            width: terminal_width(),
            errors,
            context: &report.context,
        };
        match &output.path {
            Some(path) => {
                let written = std::fs::File::create(path).and_then(|file| {
                    let mut out = BufWriter::new(file);
                    render::write(output.format, &report.diagnostics, &ctx, &mut out)?;
                    out.flush()
                });
                written.map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            }
            None => {
                let mut out = BufWriter::new(std::io::stdout().lock());
                let written = write_to_stdout(output.format, report, &ctx, annotate, &mut out);
                if let Some(message) = stdout_failure(written) {
                    return Err(message);
                }
            }
        }
    }
    Ok(())
}

/// One format on stdout; the human format gets GitHub annotations when `annotate`
/// (under GitHub Actions, without `-f github` on stdout).
fn write_to_stdout(
    format: OutputFormat,
    report: &engine::Report,
    ctx: &RenderContext,
    annotate: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    if format == OutputFormat::Human && annotate {
        let mut text = Vec::new();
        render::write(format, &report.diagnostics, ctx, &mut text)?;
        render::github::write_without_commands(&text, out)?;
        let annotations = render::github::annotations_for_actions(&report.diagnostics, ctx);
        out.write_all(annotations.as_bytes())?;
    } else {
        render::write(format, &report.diagnostics, ctx, out)?;
    }
    out.flush()
}

/// Files named on the command line are checked on the main thread alone when they
/// are one file, or at most this many of at most [`FEW_BYTES`] together. Heuristics,
/// measured on this machine class (`benches/README.md`, twenty-eighth pass): they
/// change how long a run takes, never what it finds.
const FEW_FILES: usize = 8;
const FEW_BYTES: u64 = 32 * 1024;

/// Check one file, standard input or a few small files on this thread alone, with no
/// worker threads: starting two workers and handing them so little work cost more than
/// they saved (one file checked on save: 4.4 ms against 3.1–3.4 ms). One file is
/// parsed by one thread whatever its size, while several files of more than 37 to
/// 75 KB together are checked sooner by two. A directory, or a file that cannot be
/// read here, keeps the workers; so does `RAYON_NUM_THREADS`, when set, which then
/// decides the number of threads.
fn check_few_files_on_this_thread(paths: &[PathBuf], stdin: bool) {
    if std::env::var_os("RAYON_NUM_THREADS").is_some() {
        return;
    }
    if stdin || few_files(paths) {
        // An error means the pool exists already (a test's): it is then used as it is.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .use_current_thread()
            .build_global();
    }
}

/// Whether `paths` are regular files (links followed): one, or at most [`FEW_FILES`]
/// of at most [`FEW_BYTES`] together.
fn few_files(paths: &[PathBuf]) -> bool {
    let bytes = paths.iter().try_fold(0u64, |total, path| {
        let meta = std::fs::metadata(path).ok().filter(|m| m.is_file())?;
        Some(total.saturating_add(meta.len()))
    });
    bytes.is_some_and(|bytes| paths.len() == 1 || (paths.len() <= FEW_FILES && bytes <= FEW_BYTES))
}

/// One line on stderr: the stages, and the whole check as a multiple of the parse floor
/// (walk + read + parse).
fn print_stats(stats: &engine::Stats, render: std::time::Duration) {
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    // Reading again the texts the output needs is part of showing the findings.
    let render = render + stats.reread;
    let floor = stats.walk + stats.read + stats.parse;
    let review_time = stats.review.unwrap_or_default();
    let total = floor + stats.model + stats.rules + render + review_time;
    let review = stats
        .review
        .map(|time| format!(", diff-base {:.1} ms", ms(time)))
        .unwrap_or_default();
    eprintln!(
        "poollint: {} files, {} bytes; walk {:.1} ms, read {:.1} ms, parse {:.1} ms, model {:.1} ms, rules {:.1} ms, render {:.1} ms (texts read again {:.1} ms){review}; total {:.2}x walk+read+parse",
        stats.files,
        stats.bytes,
        ms(stats.walk),
        ms(stats.read),
        ms(stats.parse),
        ms(stats.model),
        ms(stats.rules),
        ms(render),
        ms(stats.reread),
        ms(total) / ms(floor).max(f64::MIN_POSITIVE)
    );
}

/// `--color auto` honours NO_COLOR, then FORCE_COLOR, then whether stdout is a terminal.
/// Whether to colour what goes to a stream: `on_terminal` is whether that stream (standard
/// output for findings, standard error for manifest errors) is a terminal.
fn use_color(choice: ColorChoice, on_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
                false
            } else if std::env::var_os("FORCE_COLOR").is_some_and(|v| !v.is_empty() && v != "0") {
                true
            } else {
                on_terminal
            }
        }
    }
}

/// `COLUMNS` when set, else 100 (stable output in pipes and CI logs).
fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .filter(|w: &usize| *w >= 40)
        .unwrap_or(100)
}

/// A manifest error with its snippet, masked as findings are (`crate::redact`): a
/// manifest is a file like the others, and may hold a URL with a password.
fn render_manifest_error(error: &ManifestError, color: bool) -> String {
    let mut message = error.message.clone();
    crate::redact::mask_message(&mut message);
    let Some(file) = error.file else {
        return format!("error: {message}\n");
    };
    let diagnostic = Diagnostic {
        rule: "config-error",
        category: "engine",
        severity: Severity::Error,
        rule_severity: Severity::Error,
        message: message.into(),
        primary: Location {
            file,
            span: error.span,
        },
        primary_label: Some("here".into()),
        labels: Vec::new(),
        help: error.help.as_deref().map(Into::into),
        key: None,
        fingerprint_parts: Default::default(),
        fix: None,
    };
    let mut sources = error.sources.clone();
    sources.mask_credential_shapes();
    let ctx = RenderContext {
        sources: &sources,
        summary: Summary::default(),
        color,
        width: terminal_width(),
        errors: &[],
        context: &std::collections::HashSet::new(),
    };
    render::human::render_diagnostics(std::slice::from_ref(&diagnostic), &ctx)
}

fn explain(name: &str) -> ExitCode {
    match rules::page(name) {
        Some(page) => emit_or_fail(page.as_bytes(), ExitCode::SUCCESS),
        None => {
            let hint = rules::suggest(name)
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_else(|| "; `poollint rules` lists them".into());
            usage_error(&format!("unknown rule `{name}`{hint}"))
        }
    }
}

fn list_rules(format: ListFormat) -> ExitCode {
    let metas = rules::registry().iter().map(|r| r.meta());
    match format {
        ListFormat::Json => {
            let list: Vec<serde_json::Value> = metas
                .map(|m| {
                    serde_json::json!({
                        "name": m.name,
                        "category": m.category.as_str(),
                        "severity": m.default_severity.as_str(),
                        "inputs": m.inputs.as_str(),
                        "summary": m.summary,
                        "options": m.options.iter().map(|o| serde_json::json!({
                            "name": o.name, "default": o.default, "doc": o.doc,
                            "min": o.min, "max": o.max,
                            "min_exclusive": o.min_exclusive, "max_exclusive": o.max_exclusive, "whole": o.whole
                        })).collect::<Vec<_>>(),
                    })
                })
                .collect();
            let json = serde_json::to_string_pretty(&list).unwrap_or_default() + "\n";
            emit_or_fail(json.as_bytes(), ExitCode::SUCCESS)
        }
        ListFormat::Text => {
            // As wide as the longest name, so every column lines up.
            let width = metas.clone().map(|m| m.name.len()).max().unwrap_or(0);
            let text: String = metas
                .map(|m| {
                    format!(
                        "{:<width$} {:<12} {:<8} {}\n",
                        m.name,
                        m.category.as_str(),
                        m.default_severity.as_str(),
                        m.summary
                    )
                })
                .collect();
            emit_or_fail(text.as_bytes(), ExitCode::SUCCESS)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_few_small_regular_files_are_checked_on_one_thread() {
        let dir = tempfile::tempdir().unwrap();
        let file = |name: &str, size: usize| {
            let path = dir.path().join(name);
            std::fs::write(&path, "a".repeat(size)).unwrap();
            path
        };
        let small = file("application.yml", 100);
        assert!(few_files(std::slice::from_ref(&small)));
        assert!(few_files(&vec![small.clone(); FEW_FILES]));
        assert!(!few_files(&vec![small.clone(); FEW_FILES + 1]));
        let large = file("large.yml", 4 * FEW_BYTES as usize);
        assert!(few_files(&[large]));
        let limit = file("limit.yml", FEW_BYTES as usize);
        assert!(few_files(&[limit.clone(), file("empty.yml", 0)]));
        assert!(!few_files(&[limit, small.clone()]));
        assert!(!few_files(&[dir.path().to_path_buf()]));
        assert!(!few_files(&[small.clone(), dir.path().to_path_buf()]));
        assert!(!few_files(&[small, dir.path().join("missing.yml")]));
    }
}
