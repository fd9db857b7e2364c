//! docker-compose files: every service becomes a [`Service`] with its `deploy.replicas`
//! (default 1), and a service running a PostgreSQL image becomes a [`Database`] whose
//! parameters (`max_connections`, `superuser_reserved_connections`, the timeouts) come
//! from `-c name=value` flags in its `command` (string or list form), with spans inside
//! the command, or PostgreSQL's defaults (rules-catalogue §1.3 [PG-CONN]). Merge keys
//! and anchors (`<<: *common`) are followed; `environment` feeds Spring pools.
//!
//! Plain YAML numbers are typed as compose-go loads them, with go-yaml
//! ([`go_yaml_number`]): an `environment:` map value `010` is the text "8", `replicas:
//! 0x3` is 3.
//!
//! Compose interpolates every value before use [COMPOSE-INTERP]: `environment`,
//! `command`, `image`, `deploy.replicas`, `scale`, `profiles`, `env_file` paths and
//! options and `include:` items are read after
//! [`interpolate`], spans on the text as written. The variables come from the project's
//! `.env`, the file beside the compose file (Compose's default project directory)
//! [COMPOSE-ENV]; the shell that runs Compose wins over it, and poollint cannot see it,
//! so a variable `.env` sets is taken at `.env`'s value, and one it does not set takes
//! the placeholder's default or is unknown. `.env`'s `COMPOSE_PROFILES` activates
//! profiles as `--profile` does.
//!
//! A service's container environment is its `env_file:` files' variables (string, list,
//! or `- path: x` with `required: false`; relative to the compose file; later files over
//! earlier) under its `environment:` (which wins, even with a name alone whose value
//! `.env` does not give: Compose then unsets it) [COMPOSE-ENVFILE]. `extends:` is
//! followed as Compose merges it [COMPOSE-EXTENDS]: the base's `environment` under the
//! service's own, its `env_file:` entries before the service's, `deploy.replicas`,
//! `scale`, `image` and `command` unless the service sets them, its `profiles` added to
//! the service's. The base is a service of the same file (`extends: base`, `extends:
//! {service: base}`) or of another (`extends: {file: other.yml, service: base}`,
//! relative to the file the `extends:` is written in, whose own relative paths are
//! relative to it in turn), chained across files; a cycle or a service the file does
//! not define is refused, as compose-go refuses it, at the `extends:`.
//!
//! The override file a plain `docker compose up` merges over the project's file
//! (`docker-compose.override.yml` beside `docker-compose.yml`: [`default_pair`]) is
//! merged the same way, after each file's `extends:` is followed, as compose-go's
//! loader does ("extends" before "merge overrides", `docs/compose-file-parsing.md`):
//! its layers of a service go over the file's.
//!
//! A top-level `include:` loads each file it names as a project of its own, whose
//! services join the including file's ([`include`]): read from the checked tree with
//! their own companions, interpolated with the including project's variables and then
//! their own `.env`, their relative paths relative to their project directory. A file
//! another project includes is that project's part, not a project of its own
//! ([`Reader::join`]).
//!
//! The `!reset` and `!override` tags change that merge [COMPOSE-MERGE]: a value tagged
//! `!reset` is taken from neither its layer nor those it would merge over, one tagged
//! `!override` replaces them instead of merging with them ([`MergeTag`]).
//!
//! Compose's `$$` is a `$` (compose-go `template/template.go`: the `escaped`
//! group), so `$${VAR}` is the literal text `${VAR}`; a variable the files do not give
//! is written `${VAR}` too, so a variable whose value holds one is marked either way
//! ([`EnvVar::verbatim`]): a .NET connection string or a Prisma URL then reads the
//! literal as the driver gets it, and Spring Boot as its own placeholder.
//!
//! The `.env` and `env_file:` files, and the files `extends:` names, are this reader's
//! companions ([`Reader::companions`]): the engine reads them from the checked tree
//! with the compose file, `.env` files parsed as the `.env` reader parses
//! (`crate::syntax::ini`'s dotenv dialect). A variable's value from `.env` points at
//! the `${VAR}` written in the compose file (a name alone in `environment:` at `.env`'s
//! value), one from an `env_file` at the file's line, one from a base file there. A
//! password a value takes from another file is masked there, and not reported where
//! the placeholder is written.
//!
//! [COMPOSE-ENV] https://docs.docker.com/compose/how-tos/environment-variables/variable-interpolation/
//! [COMPOSE-ENVFILE] https://docs.docker.com/reference/compose-file/services/#env_file
//! (compose-go `WithServicesEnvironmentResolved`: a missing required file stops it).
//! [COMPOSE-EXTENDS] https://docs.docker.com/reference/compose-file/services/#extends
//! (compose-spec `05-services.md` "extends"; compose-go `loader/extends.go`
//! `applyServiceExtends`, `getExtendsBaseFromFile`, and `cycleTracker` in
//! `loader/loader.go`).
//! [COMPOSE-MERGE] https://docs.docker.com/reference/compose-file/merge/#reset-value
//! (compose-go `loader/reset.go`: `ResetProcessor` drops a `!reset` value from its
//! file and deletes the path, `!reset` or `!override`, from the files merged before it
//! and from the base of a service that extends another, in `applyServiceExtends`).

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

mod include;

use super::go_yaml::{go_yaml_number, GoYamlNumber};
use super::postgres::{self, CommandFlag};
use super::{file_name, Companion, ParsedFile, Reader, Summary};
use crate::model::{
    Deployment, Ecosystem, EnvVar, Location, Model, Origin, RefusedValue, Secret, Service, Setting,
    Val,
};
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::ini::Dialect;
use crate::syntax::{Document, Format, NodeId, NodeKind, ScalarStyle};

pub struct Compose;

/// How `.env` and `env_file:` files are parsed: as the `.env` reader parses them.
const DOTENV: Format = Format::Ini(Dialect::DotEnv);

/// Most services one `extends:` chain follows (Compose refuses a cycle; this bounds it).
pub(crate) const MAX_EXTENDS: usize = 32;

/// The file names a plain `docker compose up` looks for, in its order of preference
/// (compose-go `cli.DefaultFileNames`): the first found is the project's file.
const DEFAULT_NAMES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
];

/// The override file names looked for beside the project's file, in order
/// (`cli.DefaultOverrideFileNames`): the first found is merged over it.
const OVERRIDE_NAMES: [&str; 4] = [
    "compose.override.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
];

impl Reader for Compose {
    fn ecosystem(&self) -> Ecosystem {
        Ecosystem::Compose
    }

    fn recognise(&self, path: &Path) -> Option<Format> {
        let name = file_name(path)?;
        let yaml = name.ends_with(".yml") || name.ends_with(".yaml");
        let compose = name.starts_with("docker-compose") || name.starts_with("compose.");
        (yaml && compose).then_some(Format::Yaml)
    }

    /// Each file stands alone (with its companions: its `.env` and `env_file:` files,
    /// and the files its `extends:` names), except the files a plain `docker compose
    /// up` finds by name: those of a directory are one unit, so the override file is
    /// merged over the project's file ([`default_pair`]).
    fn unit<'p>(&self, path: &'p Path) -> Option<&'p Path> {
        let name = file_name(path)?;
        match DEFAULT_NAMES.contains(&name) || OVERRIDE_NAMES.contains(&name) {
            true => path.parent(),
            false => Some(path),
        }
    }

    fn reads_companions(&self) -> bool {
        true
    }

    /// The project's `.env` beside the file (optional), every service's `env_file:`
    /// files (those of the services it extends too, relative to the file each is
    /// written in), and the file an `extends: {file: …}` names when it is not read
    /// yet (asked again once it is, for that file's own `extends:`). A missing
    /// `env_file` is reported unless `required: false` says Compose goes on without
    /// it, or the service does not start by default (`profiles:`): compose-go stops
    /// with `env file … not found` before starting anything. A missing `extends` file
    /// is reported for every service: compose-go applies `extends` to all of them
    /// when it loads the file (`ApplyExtends`), and stops. The files a top-level
    /// `include:` names, with their env files ([`include::Item::companions`]), and,
    /// once read, what their own services and `include:` name, in turn.
    fn companions(
        &self,
        file: &ParsedFile,
        text: &str,
        read: &[&ParsedFile],
        sources: &SourceMap,
    ) -> Vec<Companion> {
        let main = Source { file, text };
        let dir = main.dir();
        let mut companions = vec![Companion {
            path: crate::source::normalise(&dir.join(".env")),
            format: DOTENV,
            at: Span::default(),
            named_in: None,
            missing: None,
            beside_unit: false,
        }];
        let project = Project::new(dir, read, sources);
        // The files `include:` names, and, once read, those their services name.
        let walk = include::Walk::new(&[main], &project);
        for item in &walk.items {
            companions.extend(item.companions(file.id));
        }
        let readers = include::project_readers(&[main], &project, None, &walk, &mut Vec::new());
        for reader in readers {
            companions.extend(service_companions(&reader, file.id));
        }
        companions
    }

    fn read(&self, files: &[&ParsedFile], sources: &SourceMap) -> Model {
        self.join(self.summarise(files, sources).into_iter().collect())
    }

    /// Each project of the unit read, with the files its `include:` reads: a file
    /// another project includes is that project's part, and [`Reader::join`] drops the
    /// project it makes on its own.
    fn summarise(&self, files: &[&ParsedFile], sources: &SourceMap) -> Option<Summary> {
        let mut summary = ComposeSummary::default();
        let own: Vec<&ParsedFile> = files
            .iter()
            .copied()
            .filter(|f| f.included_from.is_none())
            .collect();
        let (base, overlay) = default_pair(&own);
        for file in own {
            if overlay.is_some_and(|o| o.id == file.id) {
                continue;
            }
            if let Some(picked) = base.filter(|b| b.id != file.id && is_default_name(file)) {
                summary.projects.push(ProjectRead {
                    model: Model {
                        notes: vec![not_picked_note(file, picked)],
                        ..Model::default()
                    },
                    main: file.id,
                    shown: crate::source::display_path(&file.path),
                    included: Vec::new(),
                });
                continue;
            }
            let layered = overlay.filter(|_| base.is_some_and(|b| b.id == file.id));
            let readers: Vec<FileId> = std::iter::once(file).chain(layered).map(|f| f.id).collect();
            let mut companions: Vec<&ParsedFile> = files
                .iter()
                .copied()
                .filter(|f| f.included_from.is_some_and(|(id, _)| readers.contains(&id)))
                .collect();
            // The `.env` both files name is read for each: once is enough.
            let mut seen = std::collections::HashSet::new();
            companions.retain(|f| seen.insert(f.id));
            let mut model = Model::default();
            let included = read_file(file, layered, &companions, sources, &mut model);
            summary.projects.push(ProjectRead {
                model,
                main: file.id,
                shown: crate::source::display_path(&file.path),
                included,
            });
        }
        Some(Box::new(summary))
    }

    /// The projects read, but for one whose file another project includes (not one
    /// that includes it back, which Compose refuses as a cycle, reported by both): its
    /// services are that project's, read with its variables, and counting them twice
    /// would double what they take of a database.
    /// The join moves each project's model as it is: its secrets' texts can be taken
    /// before the unit's texts go.
    fn summary_secrets<'s>(&self, summary: &'s Summary) -> Vec<&'s Secret> {
        summary
            .downcast_ref::<ComposeSummary>()
            .map(|s| s.projects.iter().flat_map(|p| &p.model.secrets).collect())
            .unwrap_or_default()
    }

    fn pack_summary(&self, summary: &mut Summary) {
        if let Some(summary) = summary.downcast_mut::<ComposeSummary>() {
            for project in &mut summary.projects {
                project.model = project.model.clone();
            }
        }
    }

    fn join(&self, summaries: Vec<Summary>) -> Model {
        let projects: Vec<ProjectRead> = summaries
            .into_iter()
            .filter_map(|s| s.downcast::<ComposeSummary>().ok())
            .flat_map(|s| s.projects)
            .collect();
        // The projects that include each file, looked up by file: a scan of every
        // project for each would be quadratic in a monorepo's compose files.
        let mut included_by: HashMap<FileId, Vec<&ProjectRead>> = HashMap::new();
        for project in &projects {
            for &file in &project.included {
                included_by.entry(file).or_default().push(project);
            }
        }
        let includer = |project: &ProjectRead| -> Option<String> {
            let others = included_by.get(&project.main)?;
            let other = others.iter().find(|other| {
                other.main != project.main && !project.included.contains(&other.main)
            })?;
            Some(other.shown.clone())
        };
        let includers: Vec<Option<String>> = projects.iter().map(includer).collect();
        drop(included_by);
        let parts = projects
            .into_iter()
            .zip(includers)
            .map(|(project, includer)| match includer {
                Some(other) => Model {
                    notes: vec![format!(
                        "{}: not read as a project of its own: {other} includes it (`include:`), and its services are read as that project's",
                        project.shown
                    )],
                    ..Model::default()
                },
                // Moved, not copied: every compose project's model passes here.
                None => project.model,
            })
            .collect();
        let mut model = Model::default();
        model.extend_all(parts);
        model
    }
}

/// What [`Compose::summarise`] reads of a unit: its projects.
#[derive(Default)]
struct ComposeSummary {
    projects: Vec<ProjectRead>,
}

/// One project read: its file (`main`), as shown, and the files its `include:` read.
struct ProjectRead {
    model: Model,
    main: FileId,
    shown: String,
    included: Vec<FileId>,
}

/// The files one service reads (`main` is the unit's file): its `env_file:` files
/// (those of the services it extends too, relative to the file each is written in),
/// and the file an `extends: {file: …}` names when it is not read yet.
fn service_companions(reader: &ServiceReader<'_>, main: FileId) -> Vec<Companion> {
    let starts = reader.profiles().is_none();
    let service = reader.name().unwrap_or_default();
    let mut companions: Vec<Companion> = reader
        .env_files()
        .into_iter()
        .map(|env_file| {
            let missing = (starts && env_file.required).then(|| {
                format!(
                    "env_file `{}` of service `{service}` is not in the repository: Compose refuses to start without it (`required: false` lets it go on), and the variables it sets are not checked",
                    env_file.written
                )
            });
            companion_at(env_file.path, DOTENV, env_file.at, main, missing)
        })
        .collect();
    if let ChainEnd::Unread { path, written, at } = &reader.chain.end {
        let missing = format!(
            "the file `{written}` that service `{service}` extends is not in the repository: Compose refuses to load the project without it (`extends: file:`), and the settings the service takes from it are not checked"
        );
        companions.push(companion_at(
            path.clone(),
            Format::Yaml,
            *at,
            main,
            Some(missing),
        ));
    }
    companions
}

/// The project's file and the override file a plain `docker compose up` merges over
/// it, among a directory's files: the first of [`DEFAULT_NAMES`] there, and the first
/// of [`OVERRIDE_NAMES`] when there is a project's file (compose-go
/// `WithDefaultConfigPath`: the override is looked for only beside the file found).
/// An override file without a project's file beside it is read as a project of its
/// own (`docker compose -f` can name it), as are the other names.
fn default_pair<'a>(files: &[&'a ParsedFile]) -> (Option<&'a ParsedFile>, Option<&'a ParsedFile>) {
    let first = |names: &[&str]| {
        names.iter().find_map(|name| {
            files
                .iter()
                .copied()
                .find(|f| file_name(&f.path) == Some(*name))
        })
    };
    let base = first(&DEFAULT_NAMES);
    (base, base.and(first(&OVERRIDE_NAMES)))
}

/// Whether `file` has a name a plain `docker compose up` looks for ([`DEFAULT_NAMES`]).
fn is_default_name(file: &ParsedFile) -> bool {
    file_name(&file.path).is_some_and(|name| DEFAULT_NAMES.contains(&name))
}

/// Why a project's file Compose does not pick is not read: `docker compose up` in its
/// directory loads `picked` ("Found multiple config files with supported names …
/// Using compose.yaml"), so its services are no deployment, and reading both would
/// make two databases of one name (a `db` in each), which no link can tell apart.
fn not_picked_note(file: &ParsedFile, picked: &ParsedFile) -> String {
    format!(
        "{}: not read: Compose uses {} in that directory and ignores this file (rename or remove one; `docker compose -f` can still name it, and `poollint check` reads it once the other is moved away)",
        crate::source::display_path(&file.path),
        file_name(&picked.path).unwrap_or_default()
    )
}

/// A companion named at `at`, in the unit's file `main` or in another companion.
fn companion_at(
    path: PathBuf,
    format: Format,
    at: Location,
    main: FileId,
    missing: Option<String>,
) -> Companion {
    Companion {
        path,
        format,
        at: at.span,
        named_in: (at.file != main).then_some(at.file),
        missing,
        beside_unit: false,
    }
}

/// One compose file, with the override file merged over it (`overlay`) and their
/// companions (their `.env` and `env_file:` files, the files their `extends:` names,
/// and the files their `include:` names, with their own companions): the files
/// `include:` read, whose services are the project's.
fn read_file(
    file: &ParsedFile,
    overlay: Option<&ParsedFile>,
    companions: &[&ParsedFile],
    sources: &SourceMap,
    model: &mut Model,
) -> Vec<FileId> {
    let text_of = |f: &ParsedFile| sources.get(f.id).map_or("", |s| s.text());
    let text = text_of(file);
    let main = Source { file, text };
    let mut project = Project::new(main.dir(), companions, sources);
    // Read as the compose files `extends:` names are: its text and passwords with theirs.
    let overlay = overlay.map(|f| {
        project.companions.push((f, text_of(f)));
        Source {
            file: f,
            text: text_of(f),
        }
    });
    let top: Vec<Source<'_>> = std::iter::once(main).chain(overlay).collect();
    let walk = include::Walk::new(&top, &project);
    let mut refused: Vec<RefusedValue> = walk.refused.clone();
    let readers = include::project_readers(&top, &project, None, &walk, &mut refused);
    model.secrets.extend(project.secrets());
    if !readers.is_empty() {
        model
            .secrets
            .extend(password_default_secrets(file.id, text));
        for source in &top {
            model
                .secrets
                .extend(referenced_password_secrets(source.text, &project));
        }
        for included in &walk.projects {
            for source in &included.files {
                let secrets = referenced_password_secrets(source.text, &included.project);
                model.secrets.extend(secrets);
            }
        }
        for base in project.compose_files() {
            model.secrets.extend(base_file_secrets(base));
        }
    }
    let included = walk.files();
    for source in top.iter().chain(&included) {
        refused.extend(refused_templates(*source));
        refused.extend(refused_shapes(*source));
    }
    for base in base_files(&readers, &top, &included) {
        refused.extend(refused_templates(base));
    }
    for reader in readers {
        if let Some(service) = reader.service() {
            read_environment(&reader, service, model);
        }
        refused.extend(reader.refused());
        refused.extend(reader.refused_counts());
        refused.extend(reader.refused_env_file_formats());
        for refusal in reader.refused_env_file_required() {
            // A base file's item is met by every service extending it.
            if !refused.iter().any(|r| r.location == refusal.location) {
                refused.push(refusal);
            }
        }
        refused.extend(reader.refused_container_name());
        if let ChainEnd::Refused(refusal) = &reader.chain.end {
            // One broken link is met by every service whose chain goes through it.
            if !refused.iter().any(|r| r.location == refusal.location) {
                refused.push(refusal.clone());
            }
        }
        let mut database = reader.database().unwrap_or_default();
        if !top.iter().any(|source| source.id() == reader.main.id()) {
            // An included service's database is the project's: found by its file (a
            // `[[database]]` table's `config`, the files below its directory).
            for database in &mut database.databases {
                database.file = Some(file.id);
            }
        }
        model.extend(database);
    }
    model.refused_values.extend(refused);
    included.iter().map(|source| source.id()).collect()
}

/// The files an `extends: {file: …}` of the project's services reaches, but for the
/// project's own (`top`) and included files: compose-go loads each such file whole,
/// interpolating all of it (`getExtendsBaseFromFile` calls `loadYamlFile`), so a
/// template it refuses anywhere in one stops the project, as in the project's file
/// (checked with Compose 2.40.3: `${X.Y}` in another service of the base file).
fn base_files<'a>(
    readers: &[ServiceReader<'a>],
    top: &[Source<'a>],
    included: &[Source<'a>],
) -> Vec<Source<'a>> {
    let mut seen: std::collections::HashSet<FileId> =
        top.iter().chain(included).map(|s| s.id()).collect();
    readers
        .iter()
        .flat_map(|r| r.layers().iter().map(|l| l.source))
        .filter(|source| seen.insert(source.id()))
        .collect()
}

/// A `services:` that is not a mapping (null, a list), and a service that is not one
/// (`app: ~`), which Compose refuses to load the file with (`services must be a
/// mapping`, `services.app must be a mapping`), at the value (at the key when the value
/// is empty). A value tagged `!reset` is dropped before Compose checks it.
fn refused_shapes(source: Source<'_>) -> Vec<RefusedValue> {
    let doc = source.doc();
    let Some(root) = doc.roots.first().copied() else {
        return Vec::new();
    };
    let Some(services) = doc
        .entries(root)
        .into_iter()
        .find(|e| doc.text(e.key) == Some("services"))
    else {
        return Vec::new();
    };
    let refusal = |entry: crate::syntax::ResolvedEntry, path: String| {
        if doc.is_map(entry.value) || doc.tag(entry.value) == Some("!reset") {
            return None;
        }
        let span = doc.span(entry.value);
        let span = if span.is_empty() {
            doc.span(entry.key)
        } else {
            span
        };
        Some(RefusedValue {
            location: source.location(span),
            reason: format!(
                "`{path}` is not a mapping: Compose refuses to load the file (`{path} must be a mapping`) and starts nothing"
            ),
            fix: "write each service as a mapping of its settings under `services:` (`app:` then `image: …` indented below it)",
            warning: false,
            stage: crate::model::RefusalStage::StartUp,
        })
    };
    if !doc.is_map(services.value) {
        return refusal(services, "services".to_owned())
            .into_iter()
            .collect();
    }
    doc.entries(services.value)
        .into_iter()
        .filter_map(|e| refusal(e, format!("services.{}", doc.text(e.key)?)))
        .collect()
}

/// The `${…}` templates in the values of a compose file that Compose refuses to
/// interpolate, which stops it loading the file (compose-go `template.go`: `invalid
/// interpolation format`), wherever they are written: keys are not interpolated.
fn refused_templates(source: Source<'_>) -> Vec<RefusedValue> {
    let doc = source.doc();
    let keys: std::collections::HashSet<NodeId> = doc
        .nodes
        .iter()
        .filter_map(|node| match &node.kind {
            NodeKind::Map(entries) => Some(entries.iter().map(|e| e.key)),
            _ => None,
        })
        .flatten()
        .collect();
    let mut refused = Vec::new();
    for (id, node) in doc.nodes.iter().enumerate() {
        let NodeKind::Scalar(scalar) = &node.kind else {
            continue;
        };
        if keys.contains(&NodeId(id)) || !scalar.text.contains('$') {
            continue;
        }
        // Where the text is written, when the raw text holds it as it is.
        let base = source
            .text
            .get(node.span.start..node.span.end)
            .and_then(|raw| raw.find(scalar.text.as_str()))
            .map(|offset| node.span.start + offset);
        for range in invalid_templates(&scalar.text) {
            let span = base.map_or(node.span, |b| Span::new(b + range.start, b + range.end));
            let template = scalar.text.get(range).unwrap_or_default();
            refused.push(RefusedValue {
                location: source.location(span),
                reason: format!(
                    "`{template}` is not a template Compose can interpolate: it refuses to load the file (`invalid interpolation format`) and starts nothing"
                ),
                fix: "write `${NAME}` with a name of ASCII letters, digits and `_` that does not start with a digit, followed by `}` or by `:-`, `-`, `:?`, `?`, `:+` or `+` and a word (Compose has no `:=`); write `$$` for a literal `$`",
                warning: false,
                stage: crate::model::RefusalStage::StartUp,
            });
        }
    }
    refused
}

/// The byte ranges of the `${…}` templates in `text` Compose refuses (compose-go
/// `template.go`, whose braced pattern is `[_a-z][_a-z0-9]*(?::?[-+?](.*))?`, case
/// aside): an empty or unclosed one, a name that starts with a digit or holds another
/// character (`${X.Y}`, `${ÄB}`), an operator it does not have (`${X:=4}`), and one
/// whose default holds such a template. `$$` is an escaped `$`.
fn invalid_templates(text: &str) -> Vec<Range<usize>> {
    placeholders(text)
        .into_iter()
        .filter_map(|placeholder| match placeholder {
            Placeholder::Braced { range, inner } => (!is_valid_braced(inner)).then_some(range),
            Placeholder::Unclosed { start } => Some(start..text.len()),
            Placeholder::Bare { .. } => None,
        })
        .collect()
}

/// The inside of a `${…}` Compose reads: a name, then nothing or an operator and a
/// word whose own templates it reads.
fn is_valid_braced(inner: &str) -> bool {
    let (name, rest) = super::split_variable_name(inner);
    if !is_compose_name(name) {
        return false;
    }
    let operator = [":-", "-", ":?", "?", ":+", "+"]
        .into_iter()
        .find(|op| rest.starts_with(op));
    match operator {
        None => rest.is_empty(),
        Some(op) => invalid_templates(rest.get(op.len()..).unwrap_or("")).is_empty(),
    }
}

/// A variable name as Compose reads one: ASCII letters, digits and `_`, not starting
/// with a digit.
fn is_compose_name(name: &str) -> bool {
    name.bytes()
        .next()
        .is_some_and(|b| b == b'_' || b.is_ascii_alphabetic())
        && name.bytes().all(|b| b == b'_' || b.is_ascii_alphanumeric())
}

/// The passwords a base file another file `extends` holds (its services'
/// `environment:` values and placeholder defaults), masked wherever it is shown: a
/// finding on a setting it gives shows its lines. Not reported: the service that
/// takes them reports them, and the file's own reader when it is a compose file.
fn base_file_secrets(base: Source<'_>) -> Vec<Secret> {
    let mut secrets = password_default_secrets(base.id(), base.text);
    let written: Vec<EnvVar> = base
        .service_layers()
        .into_iter()
        .flat_map(written_environment_of)
        .filter(|w| !w.alone)
        .map(|w| w.var)
        .collect();
    secrets.extend(super::password_secrets(&written));
    secrets.extend(url_passwords(&written).into_iter().map(|secret| Secret {
        literal: false,
        ..secret
    }));
    secrets
}

/// Lay an override file's readers (`over`) over the project's file's (`readers`): a
/// service both define is the file's, its override's settings over its own
/// ([`ServiceReader::get`]); one only the override defines is the override's.
/// Compose resolves each file's `extends:` before it merges the files, so a service's
/// chain is the override's service and those it extends, then the file's.
fn merge_overlay<'a>(readers: &mut Vec<ServiceReader<'a>>, over: Vec<ServiceReader<'a>>) {
    for over in over {
        let name = over.name();
        let tag = over.service_tag();
        let below = readers.iter().position(|r| r.name() == name);
        match (below, tag) {
            (Some(at), Some(MergeTag::Reset)) => drop(readers.remove(at)),
            (_, Some(MergeTag::Reset)) => {}
            (Some(at), Some(MergeTag::Override)) => {
                if let Some(slot) = readers.get_mut(at) {
                    *slot = over;
                }
            }
            (Some(at), None) => {
                if let Some(reader) = readers.get_mut(at) {
                    reader.chain.lay_over(over.chain);
                }
            }
            (None, _) => readers.push(over),
        }
    }
}

/// A reader for each service of one compose file.
/// A service tagged `!reset` is left out of the project's file; an override file's
/// (`overlay`) is kept, to remove the file's service of that name ([`service_readers`]).
fn file_service_readers<'a>(
    main: Source<'a>,
    project: &'a Project<'a>,
    overlay: bool,
) -> Vec<ServiceReader<'a>> {
    let doc = main.doc();
    let Some(services) = main.services() else {
        return Vec::new();
    };
    doc.entries(services)
        .into_iter()
        .filter(|entry| overlay || MergeTag::of(doc, entry.value) != Some(MergeTag::Reset))
        .map(|entry| {
            let start = Layer {
                source: main,
                name: doc.text(entry.key).unwrap_or_default(),
                node: doc.resolve(entry.value),
            };
            ServiceReader {
                main,
                key: entry.key,
                chain: extends_chain(start, project),
                project,
            }
        })
        .collect()
}

/// A compose file read for a project: the project's file, or a file its `extends:`
/// names (a companion), with its text.
#[derive(Clone, Copy)]
struct Source<'a> {
    file: &'a ParsedFile,
    text: &'a str,
}

impl<'a> Source<'a> {
    fn doc(self) -> &'a Document {
        &self.file.doc
    }

    fn id(self) -> FileId {
        self.file.id
    }

    /// The file's directory, which relative paths written in it are resolved against
    /// (compose-go resolves a base file's paths against its own directory:
    /// `paths.ResolveRelativePaths` in `getExtendsBaseFromFile`).
    fn dir(self) -> &'a Path {
        self.file.path.parent().unwrap_or(Path::new(""))
    }

    fn location(self, span: Span) -> Location {
        Location {
            file: self.file.id,
            span,
        }
    }

    /// The file's `services:` mapping.
    fn services(self) -> Option<NodeId> {
        let doc = self.doc();
        let root = doc.roots.first().copied()?;
        doc.get(root, "services")
    }

    /// Each service of the file as written, extending nothing.
    fn service_layers(self) -> Vec<Layer<'a>> {
        let doc = self.doc();
        let entries = self.services().map(|s| doc.entries(s)).unwrap_or_default();
        entries
            .into_iter()
            .map(|entry| Layer {
                source: self,
                name: doc.text(entry.key).unwrap_or_default(),
                node: doc.resolve(entry.value),
            })
            .collect()
    }

    /// The file's name, as Compose's messages give it.
    fn name(self) -> String {
        file_name(&self.file.path).unwrap_or_default().to_owned()
    }
}

/// One service's mapping in an `extends:` chain, in the file it is written in.
#[derive(Clone, Copy)]
struct Layer<'a> {
    source: Source<'a>,
    /// The service's name in its file.
    name: &'a str,
    node: NodeId,
}

impl<'a> Layer<'a> {
    fn get(self, key: &str) -> Option<NodeId> {
        self.source.doc().get(self.node, key)
    }

    /// `key` of `node`, a mapping written in the layer's file.
    fn get_in(self, node: NodeId, key: &str) -> Option<NodeId> {
        self.source.doc().get(node, key)
    }

    fn text(self, node: NodeId) -> Option<&'a str> {
        self.source.doc().text(node)
    }

    /// The first [`MergeTag`] along `path` (`["deploy", "replicas"]`: on `deploy`, else
    /// on its `replicas`).
    fn merge_tag(self, path: &[&str]) -> Option<MergeTag> {
        let doc = self.source.doc();
        let mut node = self.node;
        for key in path {
            node = doc.get(node, key)?;
            if let Some(tag) = MergeTag::of(doc, node) {
                return Some(tag);
            }
        }
        None
    }

    fn location(self, node: NodeId) -> Location {
        self.source.location(self.source.doc().span(node))
    }

    fn is(self, other: Layer<'_>) -> bool {
        self.source.id() == other.source.id() && self.node == other.node
    }

    /// Where its `extends` key is written (the value when the key is not found).
    fn extends_key(self, extends: NodeId) -> Location {
        let doc = self.source.doc();
        let key = doc
            .entries(self.node)
            .into_iter()
            .find(|e| doc.text(e.key) == Some("extends"))
            .map_or(extends, |e| e.key);
        self.location(key)
    }

    /// The service and its file, as a message names them.
    fn shown(self, main: Source<'_>) -> String {
        match self.source.id() == main.id() {
            true => self.name.to_owned(),
            false => format!("{} ({})", self.name, self.source.name()),
        }
    }
}

/// A service's mapping and those it extends, its own first ([`extends_chain`]), and
/// why the chain ends.
struct Chain<'a> {
    layers: Vec<Layer<'a>>,
    end: ChainEnd,
    /// Where the project's file's layers start when an override file's are laid over
    /// them (0 without one).
    below_override: usize,
}

impl<'a> Chain<'a> {
    /// Put an override file's chain for the same service over this one: its layers
    /// first. Compose refuses the project when either chain is refused.
    fn lay_over(&mut self, over: Chain<'a>) {
        let below = std::mem::replace(&mut self.layers, over.layers);
        self.below_override = self.layers.len();
        self.layers.extend(below);
        if let ChainEnd::Refused(_) = over.end {
            self.end = over.end;
        }
    }
}

/// Why an `extends:` chain ends.
enum ChainEnd {
    /// The last service extends nothing (or nothing written as Compose reads it).
    Done,
    /// The next service is in a file not read: the path it resolves to, the path as
    /// written, and where it is written. The engine reads it if it can (the reader
    /// names it as a companion); one missing, outside the checked tree or unreadable
    /// is reported there, and the chain stops.
    Unread {
        path: PathBuf,
        written: String,
        at: Location,
    },
    /// Compose refuses the chain (a service the file does not define, a cycle) and
    /// loads nothing.
    Refused(RefusedValue),
}

/// A Compose tag on a value that changes how it merges [COMPOSE-MERGE].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum MergeTag {
    /// `!reset`: no value, neither this one nor those it would merge over.
    Reset,
    /// `!override`: this value alone, not merged with those below it.
    Override,
}

impl MergeTag {
    fn of(doc: &Document, node: NodeId) -> Option<Self> {
        match doc.tag(node)? {
            "!reset" => Some(MergeTag::Reset),
            "!override" => Some(MergeTag::Override),
            _ => None,
        }
    }
}

/// The service `start` and those it extends, itself first [COMPOSE-EXTENDS]: `extends:
/// base` and `extends: {service: base}` name a service of the file the `extends:` is
/// written in, `extends: {file: other.yml, service: base}` one of `other.yml`, relative
/// to that file's directory (after interpolation, with the project's variables),
/// followed when it is among `project`'s companions. compose-go (`loader/extends.go`)
/// follows a base's own `extends:` the same way, and refuses a service the file does
/// not define (`cannot extend service … not found`), a file without `services:` and a
/// cycle (`Circular reference`); the chain stops there, bounded by [`MAX_EXTENDS`].
fn extends_chain<'a>(start: Layer<'a>, project: &Project<'a>) -> Chain<'a> {
    let mut layers = vec![start];
    let end = loop {
        let Some(current) = layers.last().copied() else {
            break ChainEnd::Done;
        };
        if layers.len() > MAX_EXTENDS {
            break ChainEnd::Done;
        }
        let Some(extends) = current.get("extends") else {
            break ChainEnd::Done;
        };
        let base = match next_layer(current, extends, (start.source, project)) {
            Ok(base) => base,
            Err(end) => break end,
        };
        if let Some(at) = layers.iter().position(|l| l.is(base)) {
            let members = layers.get(at..).unwrap_or_default();
            break ChainEnd::Refused(cycle_refusal(members, start.source));
        }
        layers.push(base);
    };
    Chain {
        layers,
        end,
        below_override: 0,
    }
}

/// The service `extends` (written in `current`) names, or why the chain ends there.
fn next_layer<'a>(
    current: Layer<'a>,
    extends: NodeId,
    (main, project): (Source<'a>, &Project<'a>),
) -> Result<Layer<'a>, ChainEnd> {
    let (name_node, file_node) = match current.text(extends) {
        Some(_) => (extends, None),
        None => match current.get_in(extends, "service") {
            Some(service) => (service, current.get_in(extends, "file")),
            None => return Err(ChainEnd::Done),
        },
    };
    let name = current.text(name_node).ok_or(ChainEnd::Done)?;
    let source = match file_node {
        None => current.source,
        Some(node) => base_file(current, node, (main, project))?,
    };
    let not_found = |why: String| {
        ChainEnd::Refused(RefusedValue {
            location: current.location(name_node),
            reason: format!(
                "service `{}` extends `{name}`, which {why}: Compose refuses to load the project (`cannot extend service \"{}\"`) and starts nothing",
                current.name, current.name
            ),
            fix: "extend a service the file defines (`extends: {file: …, service: …}` names a service of another file)",
            warning: false,
            stage: crate::model::RefusalStage::StartUp,
        })
    };
    let in_file = match file_node {
        Some(_) => format!(" in `{}`", source.name()),
        None => String::new(),
    };
    let Some(services) = source.services() else {
        return Err(not_found(format!(
            "`{}` has no `services:` for",
            source.name()
        )));
    };
    let Some(node) = project.service(source, services, name) else {
        return Err(not_found(format!("is not a service{in_file}")));
    };
    Ok(Layer {
        source,
        name,
        node: source.doc().resolve(node),
    })
}

/// The compose file an `extends: {file: …}` written in `current` at `node` names,
/// when it is read; else the chain ends there ([`ChainEnd::Unread`]), or at a path
/// through a variable the files do not give.
fn base_file<'a>(
    current: Layer<'a>,
    node: NodeId,
    (main, project): (Source<'a>, &Project<'a>),
) -> Result<Source<'a>, ChainEnd> {
    let written = current.text(node).ok_or(ChainEnd::Done)?;
    let scope: [&HashMap<String, Variable>; 1] = [&project.vars];
    let result = interpolate(written, &scope);
    if result.unknown || result.value.is_empty() {
        return Err(ChainEnd::Done);
    }
    let path = Path::new(&result.value);
    let path = match path.is_absolute() {
        true => path.to_path_buf(),
        false => crate::source::normalise(&project.dir_of(current.source).join(path)),
    };
    // Back to the project's file (a cycle across files): the file itself.
    if path == crate::source::normalise(&main.file.path) {
        return Ok(main);
    }
    match project.compose_file(&path) {
        Some(source) => Ok(source),
        None => Err(ChainEnd::Unread {
            path,
            written: written.to_owned(),
            at: current.location(node),
        }),
    }
}

/// Compose's refusal of an `extends:` cycle through `members` (each extending the
/// next, the last the first), reported once at the `extends` key of its first member
/// in the project's file (`main`), else of its first member.
fn cycle_refusal(members: &[Layer<'_>], main: Source<'_>) -> RefusedValue {
    // The same cycle is met from each of its services: one place for all.
    let place = |l: &Layer<'_>| {
        let start = l.source.doc().span(l.node).start;
        (l.source.id() != main.id(), l.source.id(), start)
    };
    let first = members
        .iter()
        .enumerate()
        .min_by_key(|(_, l)| place(l))
        .map_or(0, |(at, _)| at);
    let mut around: Vec<Layer<'_>> = members
        .iter()
        .copied()
        .cycle()
        .skip(first)
        .take(members.len())
        .collect();
    let location = around
        .first()
        .and_then(|l| Some(l.extends_key(l.get("extends")?)))
        .unwrap_or_else(|| main.location(Span::default()));
    around.extend(around.first().copied());
    let path: Vec<String> = around.iter().map(|l| l.shown(main)).collect();
    let name = around.first().map_or("", |l| l.name);
    RefusedValue {
        location,
        reason: format!(
            "service `{name}` extends itself through `extends:` ({}): Compose refuses to load the project (`Circular reference`) and starts nothing",
            path.join(" → ")
        ),
        fix: "end the `extends:` chain at a service that extends nothing",
        warning: false,
        stage: crate::model::RefusalStage::StartUp,
    }
}

/// What a compose file's project gives beside the file: the variables of its `.env`
/// and the files its `env_file:` entries name (the reader's companions).
#[derive(Default)]
struct Project<'a> {
    /// The project's `.env` variables ([`define`]d in order, the last of a name winning).
    vars: HashMap<String, Variable>,
    /// The profiles `.env`'s `COMPOSE_PROFILES` activates (`*`: all).
    profiles: Vec<String>,
    companions: Vec<(&'a ParsedFile, &'a str)>,
    /// Each compose file's services by name (the last of a name), made when first
    /// asked: an `extends:` base was found by a scan of the services, quadratic in a
    /// file of thousands of them.
    services_by_name: std::cell::RefCell<HashMap<FileId, std::rc::Rc<HashMap<&'a str, NodeId>>>>,
    /// An included project's directory and its own files, whose relative paths are
    /// relative to it ([`Project::dir_of`]); None for the unit's project.
    included_dir: Option<(PathBuf, Vec<FileId>)>,
    /// The files whose `include:` imports an included project, directly or through
    /// other included files (the unit's file first); empty for the unit's project.
    importers: Vec<FileId>,
}

impl<'a> Project<'a> {
    /// The service `name` of `source`'s `services:` mapping.
    fn service(&self, source: Source<'a>, services: NodeId, name: &str) -> Option<NodeId> {
        let index = self
            .services_by_name
            .borrow_mut()
            .entry(source.id())
            .or_insert_with(|| {
                let doc = source.doc();
                let entries = doc.entries(services);
                let named = entries
                    .iter()
                    .filter_map(|e| Some((doc.text(e.key)?, e.value)));
                std::rc::Rc::new(named.collect())
            })
            .clone();
        index.get(name).copied()
    }

    fn new(dir: &Path, companions: &[&'a ParsedFile], sources: &'a SourceMap) -> Self {
        let mut project = Project {
            companions: companions
                .iter()
                .map(|f| (*f, sources.get(f.id).map_or("", |s| s.text())))
                .collect(),
            ..Project::default()
        };
        let dotenv = crate::source::normalise(&dir.join(".env"));
        if let Some((file, text)) = project.companion(&dotenv) {
            // `.env`'s own `${VAR}` take the shell's value first (unseen), then the
            // variables it set before.
            let mut vars = HashMap::new();
            for line in env_lines(file, text) {
                if let Some((variable, _)) = define(&line, file.id, &[&vars], false) {
                    vars.insert(line.name, variable);
                }
            }
            project.vars = vars;
        }
        project.profiles = project
            .vars
            .get("COMPOSE_PROFILES")
            .filter(|v| v.known)
            .map(|v| {
                v.value
                    .split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        project
    }

    /// The project an `include:` item of this one loads ([`include`]): its files `own`,
    /// its directory `dir`, its variables this project's (`vars`, those of the project
    /// that includes it) and, for the names those do not set, its env files' (compose-go
    /// `environment.Clone().Merge(envFromFile)`, which adds only names not set), each
    /// env file's own `${VAR}` taking those of the including project first, then the
    /// lines read before (`dotenv.GetEnvFromFile`). Its profiles are this project's: the
    /// profiles `docker compose up` activates are the whole project's.
    fn included(
        &self,
        vars: &HashMap<String, Variable>,
        env_files: &[PathBuf],
        dir: PathBuf,
        own: Vec<FileId>,
    ) -> Project<'a> {
        let mut from_files: HashMap<String, Variable> = HashMap::new();
        for path in env_files {
            let Some((file, text)) = self.companion(path) else {
                continue;
            };
            for line in env_lines(file, text) {
                if let Some((variable, _)) = define(&line, file.id, &[vars, &from_files], false) {
                    from_files.insert(line.name, variable);
                }
            }
        }
        let mut merged = vars.clone();
        for (name, variable) in from_files {
            merged.entry(name).or_insert(variable);
        }
        Project {
            vars: merged,
            profiles: self.profiles.clone(),
            companions: self.companions.clone(),
            services_by_name: std::cell::RefCell::default(),
            included_dir: Some((dir, own)),
            importers: Vec::new(),
        }
    }

    /// The directory the relative paths written in `source` are relative to: an
    /// included project's directory for its own files (its `project_directory`, by
    /// default the directory of its first file), else the file's own directory.
    fn dir_of(&self, source: Source<'_>) -> PathBuf {
        match &self.included_dir {
            Some((dir, own)) if own.contains(&source.id()) => dir.clone(),
            _ => source.dir().to_path_buf(),
        }
    }

    /// The `.env`-format companion read at `path`, and its text.
    fn companion(&self, path: &Path) -> Option<(&'a ParsedFile, &'a str)> {
        self.dotenv_files().find(|(f, _)| f.path == path)
    }

    /// The companions in `.env` format (`.env`, `env_file:` files).
    fn dotenv_files(&self) -> impl Iterator<Item = (&'a ParsedFile, &'a str)> + '_ {
        self.companions
            .iter()
            .copied()
            .filter(|(f, _)| f.format == DOTENV)
    }

    /// The compose file read at `path` because an `extends:` names it.
    fn compose_file(&self, path: &Path) -> Option<Source<'a>> {
        self.compose_files()
            .into_iter()
            .find(|source| source.file.path == path)
    }

    /// The compose files read because an `extends:` names them.
    fn compose_files(&self) -> Vec<Source<'a>> {
        self.companions
            .iter()
            .filter(|(f, _)| f.format == Format::Yaml)
            .map(|(file, text)| Source { file, text })
            .collect()
    }

    /// Whether `.env`'s `COMPOSE_PROFILES` activates one of `profiles`.
    fn activates(&self, profiles: &[&str]) -> bool {
        self.profiles
            .iter()
            .any(|p| p == "*" || profiles.contains(&p.as_str()))
    }

    /// The passwords written in the companions (password and secret variables' values,
    /// passwords inside URLs and connection strings), masked wherever a file is shown,
    /// not reported: a value one of them gives a service is reported, if at all, by the
    /// reader of the service's variables, and `.env` files by their own reader.
    fn secrets(&self) -> Vec<Secret> {
        let mut secrets = Vec::new();
        for (file, text) in self.dotenv_files() {
            for line in env_lines(file, text) {
                let location = Location {
                    file: file.id,
                    span: line.span,
                };
                // A reference (`${VAULT_PASSWORD}`) only names where the password is.
                if line.value.is_empty() || crate::redact::is_reference(&line.value) {
                    continue;
                }
                if super::is_password_name(&line.name)
                    || super::is_secret_variable(&line.name, &line.value)
                {
                    secrets.push(super::masked(location, &line.name, "password key"));
                    continue;
                }
                let value = line.value.as_str();
                secrets.extend(
                    password_ranges(&line.name, value)
                        .into_iter()
                        .filter(|r| !value.get(r.clone()).unwrap_or("").starts_with('$'))
                        .map(|range| super::span_within(line.span, line.start, range))
                        .map(|span| {
                            let location = Location {
                                file: file.id,
                                span,
                            };
                            super::masked(location, &line.name, "connection string password")
                        }),
                );
            }
        }
        secrets
    }
}

/// The ranges of the passwords inside a variable's value: its URL's or connection
/// string's (ADO.NET's grammar for a .NET connection-string variable).
fn password_ranges(name: &str, value: &str) -> Vec<Range<usize>> {
    if super::dotnet::is_connection_string_variable(name) {
        super::connection_string::ado_net_password_ranges(value)
    } else {
        super::connection_string::password_ranges(value)
    }
}

/// A variable Compose substitutes, as the files give it: a project `.env` variable, a
/// service's `environment` entry, an `env_file` line read before.
#[derive(Debug, Clone)]
struct Variable {
    /// Its value; with `${NAME}` placeholders where it refers to variables the files do
    /// not give (then not `known`).
    value: String,
    known: bool,
    /// Where the value is written.
    location: Location,
    /// Where its text starts in its file, when it is written there as read.
    start: Option<usize>,
    /// Where the values of the variables it was made of are written (`B=${A}x`).
    parts: Vec<Location>,
}

impl Variable {
    /// The value a service's `environment` entry holds, as an `env_file` line sees it.
    fn of(var: &EnvVar, known: bool, used: &[Used]) -> Self {
        Variable {
            value: var.value.clone(),
            known,
            location: var.value_location,
            start: var.text_start(),
            parts: used.iter().flat_map(|u| u.variable.locations()).collect(),
        }
    }

    /// Where its value and the values it was made of are written.
    fn locations(&self) -> Vec<Location> {
        std::iter::once(self.location)
            .chain(self.parts.iter().copied())
            .collect()
    }

    /// The variable as the container receives it, named `name` written at `at`.
    fn env_var(&self, name: &str, at: Location) -> EnvVar {
        EnvVar {
            name: name.into(),
            value: self.value.clone(),
            name_location: at,
            value_location: self.location,
            moved: self.start.is_none(),
            parts: None,
            unknown_from: None,
            verbatim: self.known,
        }
    }
}

/// Where a substitution looks variables up: in order, the first that has a name gives
/// it.
type Scope<'s> = [&'s HashMap<String, Variable>];

/// The variable `name` in `scope`.
fn lookup<'s>(scope: &Scope<'s>, name: &str) -> Option<&'s Variable> {
    scope.iter().find_map(|vars| vars.get(name))
}

/// A variable a substitution put into a value: the bytes it made there.
#[derive(Debug, Clone)]
struct Used {
    range: Range<usize>,
    variable: Variable,
}

/// One line of a `.env`-format file, as the `.env` reader's parser reads it.
struct EnvLine {
    name: String,
    name_span: Span,
    value: String,
    /// The value as written, quotes and all.
    span: Span,
    /// Where the value's text starts, when the span holds it as read.
    start: Option<usize>,
    /// Single-quoted: Compose takes it as written, without interpolation.
    literal: bool,
    /// `KEY` alone: Compose takes the variable's value from its own environment.
    inherited: bool,
}

/// The lines of a `.env`-format file.
fn env_lines(file: &ParsedFile, text: &str) -> Vec<EnvLine> {
    super::ini_settings::pairs(file)
        .into_iter()
        .map(|pair| {
            let raw = text
                .get(pair.value_span.start..pair.value_span.end)
                .unwrap_or("");
            let inherited = pair.value.is_empty()
                && pair.value_span.is_empty()
                && pair.value_span.start == pair.key_span.end;
            EnvLine {
                literal: raw.starts_with('\''),
                inherited,
                start: super::written_at(text, pair.value_span, &pair.value),
                name: pair.key,
                name_span: pair.key_span,
                value: pair.value,
                span: pair.value_span,
            }
        })
        .collect()
}

/// The lines of a `format: raw` env file as Compose reads them: each line without its
/// leading blanks (and a `\r` before its `\n`), empty ones and those starting with
/// `#` skipped; the name before the first `=`, the value after it as written, quotes
/// and trailing blanks kept (`X="6"` is `"6"`); a line without `=` a name alone. A
/// name with blanks, which Compose refuses (`contains whitespaces`), is left out.
fn raw_env_lines(text: &str) -> Vec<EnvLine> {
    let mut lines = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let start = at;
        at += line.len();
        let content = line.strip_suffix('\n').unwrap_or(line);
        let content = content.strip_suffix('\r').unwrap_or(content);
        let trimmed = content.trim_start();
        let line_start = start + content.len() - trimmed.len();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let (name, value) = match trimmed.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (trimmed, None),
        };
        if name.is_empty() || name.contains(char::is_whitespace) {
            continue;
        }
        let value_start = line_start + name.len() + 1;
        let value_text = value.unwrap_or("");
        lines.push(EnvLine {
            name: name.to_owned(),
            name_span: Span::new(line_start, line_start + name.len()),
            value: value_text.to_owned(),
            span: match value {
                Some(v) => Span::new(value_start, value_start + v.len()),
                None => Span::new(line_start + name.len(), line_start + name.len()),
            },
            start: value.map(|_| value_start),
            literal: true,
            inherited: value.is_none(),
        });
    }
    lines
}

/// The variable a line of a `.env`-format file in `file` defines, and the variables its
/// value took: interpolated with `scope` ([COMPOSE-ENVFILE]: unquoted and double-quoted
/// values are, single-quoted ones and a `format: raw` file's are not). A name alone
/// takes its value from `scope` (Compose's own environment), and defines nothing when
/// `scope` lacks it.
fn define(
    line: &EnvLine,
    file: FileId,
    scope: &Scope<'_>,
    raw: bool,
) -> Option<(Variable, Vec<Used>)> {
    let whole = Location {
        file,
        span: line.span,
    };
    if line.inherited {
        let found = lookup(scope, &line.name)?;
        let used = Used {
            range: 0..found.value.len(),
            variable: found.clone(),
        };
        return Some((found.clone(), vec![used]));
    }
    if raw || line.literal || !line.value.contains('$') {
        let location = match line.start {
            Some(start) => Location {
                file,
                span: Span::new(start, start + line.value.len()),
            },
            None => whole,
        };
        let variable = Variable {
            value: line.value.clone(),
            known: true,
            location,
            start: line.start,
            parts: Vec::new(),
        };
        return Some((variable, Vec::new()));
    }
    let result = interpolate(&line.value, scope);
    let variable = Variable {
        known: !result.unknown,
        location: whole,
        start: None,
        parts: result
            .used
            .iter()
            .flat_map(|u| u.variable.locations())
            .collect(),
        value: result.value,
    };
    Some((variable, result.used))
}

/// A variable of a service's environment, with the variables its value took.
struct Resolved {
    var: EnvVar,
    known: bool,
    used: Vec<Used>,
}

/// A service's container environment as Compose builds it [COMPOSE-ENVFILE]: its
/// `env_file:` variables (later lines and files over earlier ones) under its
/// `environment:` (a name alone with no value in `.env` unsets the variable), into
/// `model` with the service.
fn read_environment(reader: &ServiceReader<'_>, service: Service, model: &mut Model) {
    let project = reader.project;
    let scope: [&HashMap<String, Variable>; 1] = [&project.vars];
    let written = reader.written_environment();
    let written_vars: Vec<EnvVar> = written
        .iter()
        .filter(|w| !w.alone)
        .map(|w| w.var.clone())
        .collect();
    // Passwords are masked where they are written too: interpolation moves the text,
    // and offsets into the new value would miss.
    let moved: Vec<EnvVar> = written_vars
        .iter()
        .filter(|v| v.value.contains('$'))
        .cloned()
        .collect();
    let urls = url_passwords(&written_vars);
    let mut defaults = Vec::new();
    let mut own: Vec<Resolved> = Vec::new();
    let mut unset: Vec<String> = Vec::new();
    for Written { var, alone } in written {
        own.retain(|r| r.var.name != var.name);
        if alone {
            // Compose's own environment gives it: `.env` here (the shell wins over it).
            match project.vars.get(var.name.as_str()).filter(|v| v.known) {
                Some(found) => own.push(Resolved {
                    var: found.env_var(&var.name, var.name_location),
                    known: true,
                    used: vec![Used {
                        range: 0..found.value.len(),
                        variable: found.clone(),
                    }],
                }),
                None => unset.push(var.name.to_string()),
            }
            continue;
        }
        let (var, default, result) = interpolated(var, &scope);
        defaults.extend(default);
        own.push(Resolved {
            var,
            known: !result.unknown,
            used: result.used,
        });
    }
    let mut service_vars = HashMap::new();
    for resolved in &own {
        let variable = Variable::of(&resolved.var, resolved.known, &resolved.used);
        service_vars.insert(resolved.var.name.to_string(), variable);
    }
    let from_files = env_file_variables(reader, &service_vars);
    let overridden = |r: &Resolved| {
        own.iter().any(|o| o.var.name == r.var.name)
            || unset.iter().any(|u| r.var.name == u.as_str())
    };
    let mut environment: Vec<Resolved> =
        from_files.into_iter().filter(|r| !overridden(r)).collect();
    environment.extend(own);
    // A value another file's variable made is not written where it points.
    let substituted: Vec<Location> = environment
        .iter()
        .filter(|r| !r.used.is_empty())
        .map(|r| r.var.value_location)
        .collect();
    let used_passwords: Vec<Secret> = environment
        .iter()
        .flat_map(|r| used_password_secrets(&r.var.name, &r.var.value, &r.used))
        .collect();
    // Compose's `$${VAR}` is the literal `${VAR}` the container receives; a variable
    // the files do not give is written `${VAR}` too, and then the value is unknown
    // (compose-go `template.go`: `$$` is an escaped `$`).
    let mut environment: Vec<EnvVar> = environment
        .into_iter()
        .map(|r| EnvVar {
            verbatim: r.known,
            ..r.var
        })
        .collect();
    // Spring reads them over the environment ([`super::jvm_options`]).
    let command: Vec<super::jvm_options::Word> = service
        .deployment
        .iter()
        .flat_map(|d| d.command.iter().map(|word| (word.clone(), false)))
        .collect();
    let entrypoint = reader.entrypoint_len();
    let properties = super::jvm_options::spring_properties(&command, entrypoint, &environment);
    let refused = super::jvm_options::refused_option_variables(&environment);
    environment.extend(properties);
    let mut read = super::service_with_environment(service, environment);
    read.refused_values.extend(refused);
    let substituted_at = |at: Location| {
        substituted
            .iter()
            .any(|l| l.file == at.file && l.span.contains(at.span))
    };
    // `${DB_PASSWORD}` written where `.env` gives the value: nothing secret is written.
    read.secrets.retain(|secret| {
        let at = secret.location;
        !(substituted_at(at) && crate::redact::is_reference(reader.written(at)))
    });
    for secret in &mut read.secrets {
        // `SPRING_DATASOURCE_PASSWORD: ${DB_PASSWORD:-x}`: the literal is the
        // placeholder's default, not the variable's value as written.
        if secret.kind == "password key" && defaults.contains(&secret.location) {
            secret.kind = "placeholder default";
        }
        // Another file's value: reported, if at all, where it is written.
        if substituted_at(secret.location) {
            secret.literal = false;
        }
    }
    model.extend(read);
    model.secrets.extend(super::password_secrets(&moved));
    model.secrets.extend(urls);
    model.secrets.extend(used_passwords);
}

/// The variables of a service's `env_file:` files that are read (later lines and files
/// over earlier ones), interpolated with the project's `.env`, then the service's
/// `environment`, then the files' variables read before (compose-go's lookup order).
fn env_file_variables(
    reader: &ServiceReader<'_>,
    service_vars: &HashMap<String, Variable>,
) -> Vec<Resolved> {
    let project = reader.project;
    let mut read: Vec<Resolved> = Vec::new();
    let mut defined: HashMap<String, Variable> = HashMap::new();
    for env_file in reader.env_files() {
        let Some((file, text)) = project.companion(&env_file.path) else {
            continue;
        };
        let lines = match env_file.raw {
            true => raw_env_lines(text),
            false => env_lines(file, text),
        };
        for line in lines {
            let scope = [&project.vars, service_vars, &defined];
            let Some((variable, used)) = define(&line, file.id, &scope, env_file.raw) else {
                continue;
            };
            let name_location = Location {
                file: file.id,
                span: line.name_span,
            };
            read.retain(|r| r.var.name != line.name.as_str());
            read.push(Resolved {
                var: variable.env_var(&line.name, name_location),
                known: variable.known,
                used,
            });
            defined.insert(line.name, variable);
        }
    }
    read
}

/// The values other files' variables gave a value, where a password is in it (the
/// whole value of a password variable): masked in their own files, since a message
/// quoting the value would quote them; not reported (a `.env` file's reader reports its
/// own passwords).
fn used_password_secrets(name: &str, value: &str, used: &[Used]) -> Vec<Secret> {
    if used.is_empty() {
        return Vec::new();
    }
    let whole = std::iter::once(0..value.len());
    let passwords: Vec<Range<usize>> =
        if super::is_password_name(name) || super::is_secret_variable(name, value) {
            whole.collect()
        } else {
            password_ranges(name, value)
        };
    let mut secrets = Vec::new();
    for Used { range, variable } in used {
        for password in &passwords {
            let (start, end) = (password.start.max(range.start), password.end.min(range.end));
            if start >= end {
                continue;
            }
            let locations = match variable.start {
                Some(at) => vec![Location {
                    file: variable.location.file,
                    span: Span::new(at + start - range.start, at + end - range.start),
                }],
                None => variable.locations(),
            };
            secrets.extend(
                locations
                    .into_iter()
                    .map(|l| super::masked(l, name, "referenced password")),
            );
        }
    }
    secrets
}

/// An `environment:` entry as written; `alone` for a name without a value (`- KEY`,
/// `KEY:`), which Compose takes from its own environment.
struct Written {
    var: EnvVar,
    alone: bool,
}

/// One `env_file:` entry of a service.
struct EnvFile {
    /// The file's path, resolved against the directory of the file it is written in.
    path: PathBuf,
    /// The path as written.
    written: String,
    at: Location,
    /// Compose stops when a required file is missing (`required: false` goes on).
    required: bool,
    /// A `required:` Compose refuses to load the project with ([`read_required`]):
    /// why, and where it is written.
    refused_required: Option<(String, Location)>,
    /// `format: raw`: values are taken as written, without interpolation.
    raw: bool,
    /// A `format:` other than `raw` (in that case), which Compose refuses to read the
    /// file with (`unsupported env_file format`), and where it is written.
    unsupported_format: Option<(String, Location)>,
}

/// What an `env_file` item's `required:` says.
enum Required {
    Known(bool),
    /// Through a variable the files do not give.
    Unknown,
    /// Compose refuses to load the project with it: why (the value and its error).
    Refused(String),
}

/// An `env_file` item's `required:` (at `node` in `layer`) as compose-go loads it: the
/// schema takes a boolean or a string, so a plain YAML number or null is refused
/// (`must be a boolean or string`); a string is interpolated, then read by
/// `toBoolean` ([`compose_boolean`]), which refuses other text (`invalid boolean`).
/// Compose 2.40.3 refuses both when it loads the file, whether or not the file is there
/// and whatever profile the service is under.
fn read_required(layer: Layer<'_>, node: NodeId, scope: &Scope<'_>) -> Required {
    let doc = layer.source.doc();
    let Some(written) = layer.text(node) else {
        return Required::Refused("a value that is not a boolean or a string".to_owned());
    };
    if doc.is_plain_untagged(node) {
        match written {
            "true" | "True" | "TRUE" => return Required::Known(true),
            "false" | "False" | "FALSE" => return Required::Known(false),
            "" | "~" | "null" | "Null" | "NULL" => {
                return Required::Refused(format!(
                    "`required: {written}`, YAML's null, which is not a boolean or a string (`required must be a boolean or string`)"
                ))
            }
            _ => {}
        }
        if go_yaml_number(written).is_some() {
            return Required::Refused(format!(
                "`required: {written}`, a YAML number, which is not a boolean or a string (`required must be a boolean or string`)"
            ));
        }
    }
    let value = interpolate(written, scope);
    if value.unknown {
        return Required::Unknown;
    }
    match compose_boolean(&value.value) {
        Some(required) => Required::Known(required),
        None => Required::Refused(format!(
            "`required: {written}`, which is not a boolean Compose reads (`invalid boolean: {}`)",
            value.value
        )),
    }
}

/// A `required:` string as compose-go reads it after interpolation (`toBoolean`):
/// `true` and `false`, and YAML 1.1's `y`, `yes`, `on`, `n`, `no`, `off` (with a
/// warning), in any case; None for other text (`1`, `0`, `t`, `f` too), which Compose
/// refuses (`invalid boolean`: checked with Compose 2.40.3).
fn compose_boolean(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "y" | "yes" | "on" => Some(true),
        "false" | "n" | "no" | "off" => Some(false),
        _ => None,
    }
}

struct ServiceReader<'a> {
    /// The project's compose file, where the service is named.
    main: Source<'a>,
    key: NodeId,
    /// The service's mapping and those it extends ([`extends_chain`]), its own first.
    chain: Chain<'a>,
    project: &'a Project<'a>,
}

impl<'a> ServiceReader<'a> {
    fn name(&self) -> Option<&'a str> {
        self.main.doc().text(self.key)
    }

    fn layers(&self) -> &[Layer<'a>] {
        &self.chain.layers
    }

    /// The service's own mapping, as written in its file.
    fn chain_start(&self) -> NodeId {
        self.layers().first().map_or(self.key, |l| l.node)
    }

    /// The override file's own tag on the whole service (`web: !reset {}`).
    fn service_tag(&self) -> Option<MergeTag> {
        let doc = self.main.doc();
        let services = self.main.services()?;
        let entry = doc
            .entries(services)
            .into_iter()
            .find(|e| e.key == self.key)?;
        MergeTag::of(doc, entry.value)
    }

    /// The layers whose value at `path` counts, its own first, after the
    /// [`MergeTag`]s written along it [COMPOSE-MERGE]. A tag in a layer hides the value
    /// of the layers it would merge over: the services it extends in its file, and,
    /// when it is the override file's service itself, the project's file (compose-go
    /// deletes the tagged path, under the service's name, from those); `!reset` hides
    /// its own too.
    fn layers_for(&self, path: &[&str]) -> Vec<Layer<'a>> {
        let layers = self.layers();
        let split = self.chain.below_override;
        let mut hidden = vec![false; layers.len()];
        for (at, layer) in layers.iter().enumerate() {
            if hidden.get(at).copied().unwrap_or(true) {
                continue;
            }
            let Some(tag) = layer.merge_tag(path) else {
                continue;
            };
            let first = if tag == MergeTag::Reset { at } else { at + 1 };
            let last = if at == 0 || at >= split {
                layers.len()
            } else {
                split
            };
            for flag in hidden.get_mut(first..last).unwrap_or_default() {
                *flag = true;
            }
        }
        layers
            .iter()
            .zip(hidden)
            .filter(|(_, hidden)| !hidden)
            .map(|(layer, _)| *layer)
            .collect()
    }

    /// The text at `at`, in the compose file or one of its companions.
    fn written(&self, at: Location) -> &'a str {
        let text = if at.file == self.main.id() {
            Some(self.main.text)
        } else {
            self.project
                .companions
                .iter()
                .find(|(f, _)| f.id == at.file)
                .map(|(_, text)| *text)
        };
        text.and_then(|t| t.get(at.span.start..at.span.end))
            .unwrap_or_default()
    }

    /// The value of `key` as Compose merges it for a scalar: the service's own, else the
    /// nearest service it extends that sets it; with the mapping it is written in.
    fn get(&self, key: &str) -> Option<(Layer<'a>, NodeId)> {
        self.layers_for(&[key])
            .into_iter()
            .find_map(|layer| Some((layer, layer.get(key)?)))
    }

    /// `deploy.{key}`, merged as [`ServiceReader::get`] (`deploy` is a mapping Compose
    /// merges key by key).
    fn deploy(&self, key: &str) -> Option<(Layer<'a>, NodeId)> {
        self.layers_for(&["deploy", key])
            .into_iter()
            .find_map(|layer| {
                let deploy = layer.get("deploy")?;
                Some((layer, layer.get_in(deploy, key)?))
            })
    }

    /// `environment:` of the services the service extends, then its own, as written;
    /// [`interpolated`] gives what the container receives.
    /// A variable tagged (`DB_URL: !reset null`) hides the same name below it.
    fn written_environment(&self) -> Vec<Written> {
        self.layers_for(&["environment"])
            .into_iter()
            .rev()
            .flat_map(|layer| {
                written_environment_of(layer).into_iter().filter(move |w| {
                    let counted = self.layers_for(&["environment", &w.var.name]);
                    counted.iter().any(|l| l.is(layer))
                })
            })
            .collect()
    }

    /// `env_file:` of the services the service extends, then its own (Compose appends
    /// them): a path, a list of paths, or of `path:` mappings with `required` and
    /// `format`, relative to the file it is written in. A path through a variable the
    /// files do not give is left out.
    fn env_files(&self) -> Vec<EnvFile> {
        let scope: [&HashMap<String, Variable>; 1] = [&self.project.vars];
        let mut files = Vec::new();
        for layer in self.layers_for(&["env_file"]).iter().rev() {
            let doc = layer.source.doc();
            let Some(value) = layer.get("env_file") else {
                continue;
            };
            let items = doc
                .seq(value)
                .map_or_else(|| vec![value], <[NodeId]>::to_vec);
            for item in items {
                let (path_node, options) = match doc.text(item) {
                    Some(_) => (item, None),
                    None => match doc.get(item, "path") {
                        Some(path) => (path, Some(item)),
                        None => continue,
                    },
                };
                // Interpolated as every value Compose reads.
                let option = |key: &str| {
                    let node = options.and_then(|o| doc.get(o, key))?;
                    let written = doc.text(node)?;
                    Some((interpolate(written, &scope), layer.location(node)))
                };
                let required_node = options.and_then(|o| doc.get(o, "required"));
                let required_read = required_node.map(|node| {
                    let read = read_required(*layer, node, &scope);
                    (read, layer.location(node))
                });
                // A value Compose refuses counts as required: the file is needed anyway.
                let required = !matches!(required_read, Some((Required::Known(false), _)));
                let refused_required = required_read.and_then(|(read, at)| match read {
                    Required::Refused(why) => Some((why, at)),
                    Required::Known(_) | Required::Unknown => None,
                });
                let format = option("format").filter(|(f, _)| !f.unknown && !f.value.is_empty());
                let raw = format.as_ref().is_some_and(|(f, _)| f.value == "raw");
                let unsupported_format = format.filter(|_| !raw).map(|(f, at)| (f.value, at));
                let Some(written) = doc.text(path_node) else {
                    continue;
                };
                let result = interpolate(written, &scope);
                if result.unknown || result.value.is_empty() {
                    continue;
                }
                let path = Path::new(&result.value);
                let path = if path.is_absolute() {
                    path.to_path_buf()
                } else {
                    crate::source::normalise(&self.project.dir_of(layer.source).join(path))
                };
                files.push(EnvFile {
                    path,
                    written: written.to_owned(),
                    at: layer.location(path_node),
                    required,
                    refused_required,
                    raw,
                    unsupported_format,
                });
            }
        }
        files
    }

    /// The profiles a service runs under (`profiles: [debug]`, with those of the
    /// services it extends, which Compose adds), joined with ` or --profile `, and where
    /// they are written; None for a service every `up` starts, `.env`'s
    /// `COMPOSE_PROFILES` activating one of them included.
    fn profiles(&self) -> Option<(String, Location)> {
        let scope: [&HashMap<String, Variable>; 1] = [&self.project.vars];
        let mut names: Vec<String> = Vec::new();
        let mut at = None;
        for layer in self.layers_for(&["profiles"]) {
            let Some(profiles) = layer.get("profiles") else {
                continue;
            };
            let Some(items) = layer.source.doc().seq(profiles) else {
                continue;
            };
            // Interpolated with the project's `.env`, as every value Compose reads.
            for name in items.iter().filter_map(|i| layer.text(*i)) {
                let name = interpolate(name, &scope).value;
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            at.get_or_insert(layer.location(profiles));
        }
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        if names.is_empty() || self.project.activates(&names) {
            return None;
        }
        Some((names.join(" or --profile "), at?))
    }

    /// `deploy.replicas` and `scale` (the service-level count the Compose specification
    /// also defines), each with where it is written, its key and its count after
    /// interpolation (a count Compose refuses is invalid: [`ServiceReader::refused_counts`]).
    fn replica_counts(&self) -> [Option<(Location, &'static str, Val<i64>)>; 2] {
        self.count_nodes().map(|found| {
            let (layer, node, key) = found?;
            let count = self.read_count(layer, node, key).unwrap_or_else(|refusal| {
                let written = layer.text(node).unwrap_or("");
                Val::invalid(written.to_owned(), format!("{key} {}", refusal.short()))
            });
            Some((layer.location(node), key, count))
        })
    }

    /// Where `deploy.replicas` and `scale` are written, with their keys.
    fn count_nodes(&self) -> [Option<(Layer<'a>, NodeId, &'static str)>; 2] {
        let with_key =
            |found: Option<(Layer<'a>, NodeId)>, key| found.map(|(layer, node)| (layer, node, key));
        [
            with_key(self.deploy("replicas"), "deploy.replicas"),
            with_key(self.get("scale"), "scale"),
        ]
    }

    /// A `deploy.replicas` or `scale` value as compose-go loads it: a plain YAML number
    /// as go-yaml types it ([`yaml_replica_count`]), any other value a string that is
    /// interpolated, then read with Go's `strconv.Atoi` ([`replica_count`]).
    fn read_count(
        &self,
        layer: Layer<'a>,
        node: NodeId,
        key: &str,
    ) -> Result<Val<i64>, CountRefusal> {
        let scope: [&HashMap<String, Variable>; 1] = [&self.project.vars];
        let doc = layer.source.doc();
        let written = layer.text(node).unwrap_or("");
        if !doc.is_plain_untagged(node) {
            return replica_count(written, key, &scope);
        }
        if let Some(number) = go_yaml_number(written) {
            return yaml_replica_count(number);
        }
        // The schema takes an integer or a string: not YAML's null or booleans.
        let not_a_string = doc.scalar(node).is_none()
            || matches!(
                written,
                "" | "~"
                    | "null"
                    | "Null"
                    | "NULL"
                    | "true"
                    | "True"
                    | "TRUE"
                    | "false"
                    | "False"
                    | "FALSE"
            );
        match not_a_string {
            true => Err(CountRefusal::NotIntegerOrString),
            false => replica_count(written, key, &scope),
        }
    }

    /// The `deploy.replicas` or `scale` values Compose refuses to load the project with,
    /// at the value: text `strconv.Atoi` cannot read (after interpolation), a YAML value
    /// neither an integer nor a string, and, for a service it starts, a count below 0.
    fn refused_counts(&self) -> Vec<RefusedValue> {
        let Some(name) = self.name() else {
            return Vec::new();
        };
        let starts = self.profiles().is_none();
        let mut refused = Vec::new();
        for (layer, node, key) in self.count_nodes().into_iter().flatten() {
            let Err(refusal) = self.read_count(layer, node, key) else {
                continue;
            };
            if refusal == CountRefusal::Negative && !starts {
                continue;
            }
            let written = layer.text(node).unwrap_or("");
            let compose = refusal.compose_message(&format!("services.{name}.{key}"));
            refused.push(RefusedValue {
                location: layer.location(node),
                reason: format!(
                    "service `{name}` sets `{key}` to `{written}`: Compose refuses to load the file (`{compose}`) and starts nothing"
                ),
                fix: "write the count as a whole number of 0 or more, such as `3` (a variable's value too, without blanks)",
                warning: false,
                stage: crate::model::RefusalStage::StartUp,
            });
        }
        refused
    }

    fn service(&self) -> Option<Service> {
        let name = self.name()?.to_owned();
        // `deploy.replicas`, else `scale` (the two must agree when both are set).
        let [replicas, scale] = self.replica_counts();
        let replicas = match (self.profiles(), replicas.or(scale)) {
            // `docker compose up` starts a service under `profiles:` only when one of
            // them is activated (`--profile debug`): by default it runs no container.
            (Some((names, at)), _) => Setting {
                value: Val::Known(0),
                origin: Origin::Inferred {
                    from: format!("not started without --profile {names}").into(),
                    at: Some(at),
                },
            },
            (None, Some((at, key, count))) => Setting {
                value: count,
                origin: Origin::File {
                    file: at.file,
                    span: at.span,
                    key: format!("services.{name}.{key}").into(),
                    via: None,
                },
            },
            (None, None) => Setting {
                value: Val::Known(1),
                origin: Origin::Default {
                    library: &"Compose",
                    doc: &"https://docs.docker.com/reference/compose-file/deploy/#replicas",
                    anchor: Some(self.main.location(self.main.doc().span(self.key))),
                },
            },
        };
        Some(Service {
            deployment: Some(Box::new(Deployment {
                replicas: Some(replicas),
                location: Some(self.main.location(self.main.doc().span(self.key))),
                imported_by: self.project.importers.clone(),
                host_paths: self.host_paths(),
                command: self.command(),
                ..Deployment::default()
            })),
            ..Service::new(name, Ecosystem::Compose, Vec::new())
        })
    }

    /// `scale` and `deploy.replicas` set to different numbers, which Compose refuses
    /// (compose-go `checkConsistency`: "can't set distinct values on 'scale' and
    /// 'deploy.replicas'"), for a service it starts (it checks those alone).
    fn refused(&self) -> Option<RefusedValue> {
        let [Some((_, _, replicas)), Some((scale_at, _, scale))] = self.replica_counts() else {
            return None;
        };
        let (Val::Known(replicas), Val::Known(scale)) = (replicas, scale) else {
            return None;
        };
        if replicas == scale || self.profiles().is_some() {
            return None;
        }
        let name = self.name()?;
        Some(RefusedValue {
            location: scale_at,
            reason: format!(
                "service `{name}` sets `scale` to {scale} and `deploy.replicas` to {replicas}: Compose refuses to load the file (`services.{name}: can't set distinct values on 'scale' and 'deploy.replicas'`) and starts nothing"
            ),
            fix: "set the count once: `deploy.replicas` or `scale`, not both (or both to the same number)",
            warning: false,
            stage: crate::model::RefusalStage::StartUp,
        })
    }

    /// An `env_file` item's `required:` Compose refuses to load the project with
    /// ([`read_required`]), for every service: it checks them all when it loads the file.
    fn refused_env_file_required(&self) -> Vec<RefusedValue> {
        self.env_files()
            .into_iter()
            .filter_map(|f| {
                let (why, location) = f.refused_required?;
                Some(RefusedValue {
                    location,
                    reason: format!(
                        "env_file `{}` has {why}: Compose refuses to load the project and starts nothing",
                        f.written
                    ),
                    fix: "write `required: true` or `required: false`",
                    warning: false,
                    stage: crate::model::RefusalStage::StartUp,
                })
            })
            .collect()
    }

    /// An `env_file:` whose `format:` is not `raw`, which Compose refuses to read (`unsupported
    /// env_file format`): for a service it starts, when the file is there to read.
    fn refused_env_file_formats(&self) -> Vec<RefusedValue> {
        if self.profiles().is_some() {
            return Vec::new();
        }
        self.env_files()
            .into_iter()
            .filter(|f| self.project.companion(&f.path).is_some())
            .filter_map(|f| {
                let (format, location) = f.unsupported_format?;
                Some(RefusedValue {
                    location,
                    reason: format!(
                        "env_file `{}` has `format: {format}`: Compose refuses to read it (`unsupported env_file format \"{format}\"`) and starts nothing",
                        f.written
                    ),
                    fix: "write `format: raw` (in lower case) to take the values as written, or remove `format:` to read the file as a .env file",
                    warning: false,
                    stage: crate::model::RefusalStage::StartUp,
                })
            })
            .collect()
    }

    /// A `container_name` beside more than one replica, which Compose refuses to load
    /// the project with (compose-go `checkConsistency`: "can't set container_name and
    /// app as container name must be unique: invalid compose project"; the path names
    /// `scale` when it is set, else `deploy.replicas`), for a service it starts.
    fn refused_container_name(&self) -> Option<RefusedValue> {
        let (layer, node) = self.get("container_name")?;
        let [replicas, scale] = self.replica_counts();
        let key = if scale.is_some() {
            "scale"
        } else {
            "deploy.replicas"
        };
        let (_, _, Val::Known(count)) = replicas.or(scale)? else {
            return None;
        };
        if count <= 1 || self.profiles().is_some() {
            return None;
        }
        let name = self.name()?;
        Some(RefusedValue {
            location: layer.location(node),
            reason: format!(
                "service `{name}` sets `container_name` and runs {count} replicas: Compose refuses to load the project (`services.{key}: can't set container_name and {name} as container name must be unique: invalid compose project`) and starts nothing"
            ),
            fix: "remove `container_name` to run several replicas, or run one",
            warning: false,
            stage: crate::model::RefusalStage::StartUp,
        })
    }

    /// Whether the service runs a PostgreSQL image, after interpolation
    /// (`postgres:${PG_VERSION:-16}` is `postgres:16`, `${DB_IMAGE:-postgres:16}` too).
    fn database(&self) -> Option<Model> {
        let image = self.get("image").and_then(|(layer, i)| layer.text(i))?;
        let scope: [&HashMap<String, Variable>; 1] = [&self.project.vars];
        if !postgres::is_postgres_image(&interpolate(image, &scope).value) {
            return None;
        }
        let name = self.name()?.to_owned();
        let prefix = format!("services.{name}.command");
        let anchor = self.main.location(self.main.doc().span(self.key));
        let (file, flags) = self.flags();
        let mut model = postgres::database_from_flags(name, file, &flags, &prefix, anchor);
        for database in &mut model.databases {
            database.aliases = self.host_names();
        }
        Some(model)
    }

    /// The names other containers also reach this service by: its `hostname`, its
    /// `container_name` and its `aliases` on each network (list or map form).
    fn host_names(&self) -> Vec<String> {
        let text = |key: &str| self.get(key).and_then(|(layer, n)| layer.text(n));
        let mut names: Vec<String> = ["hostname", "container_name"]
            .into_iter()
            .filter_map(text)
            .map(str::to_owned)
            .collect();
        for layer in self.layers_for(&["networks"]) {
            let doc = layer.source.doc();
            let networks = layer.get("networks");
            for network in networks.map(|n| doc.entries(n)).unwrap_or_default() {
                let aliases = doc.get(network.value, "aliases");
                for alias in aliases.and_then(|a| doc.seq(a)).unwrap_or_default() {
                    let alias = doc.text(*alias).map(str::to_owned);
                    if alias.as_ref().is_some_and(|a| !names.contains(a)) {
                        names.extend(alias);
                    }
                }
            }
        }
        names
    }

    /// The `build` context (string or `context:`) and bind-mount sources (`./src:/dst`
    /// or `source:`) that are relative host paths, resolved against the file each is
    /// written in.
    fn host_paths(&self) -> Vec<std::path::PathBuf> {
        let context = self.get("build").and_then(|(layer, build)| {
            let context = layer
                .text(build)
                .or_else(|| layer.get_in(build, "context").and_then(|c| layer.text(c)))?;
            Some((layer, context))
        });
        let volumes = self.layers_for(&["volumes"]).into_iter().flat_map(|layer| {
            let doc = layer.source.doc();
            let items = layer.get("volumes").and_then(|v| doc.seq(v));
            items.unwrap_or_default().iter().filter_map(move |v| {
                let source = match doc.text(*v) {
                    Some(short) => short.split(':').next(),
                    None => doc.get(*v, "source").and_then(|s| doc.text(s)),
                };
                Some((layer, source?))
            })
        });
        let mut paths: Vec<PathBuf> = context
            .into_iter()
            .chain(volumes)
            .filter(|(_, p)| p.starts_with('.'))
            .map(|(layer, p)| crate::source::normalise(&self.project.dir_of(layer.source).join(p)))
            .collect();
        paths.dedup();
        paths
    }

    /// `-c name=value` flags of `command`, with the value's span in the file it is
    /// written in (that file too).
    fn flags(&self) -> (FileId, Vec<CommandFlag>) {
        let Some((layer, command)) = self.get("command") else {
            return (self.main.id(), Vec::new());
        };
        let scope: [&HashMap<String, Variable>; 1] = [&self.project.vars];
        let words = interpolated_command(layer, command, &scope);
        let unknown_words: Vec<Span> = words.iter().filter(|w| w.unknown).map(|w| w.span).collect();
        let words: Vec<(String, Span)> = words.into_iter().map(|w| (w.text, w.span)).collect();
        let mut flags = postgres::command_flags(&words);
        for flag in &mut flags {
            flag.unknown = unknown_words
                .iter()
                .any(|w| w.start <= flag.value_span.start && flag.value_span.end <= w.end);
        }
        (layer.source.id(), flags)
    }

    /// The number of words of its `entrypoint`, which start [`ServiceReader::command`].
    fn entrypoint_len(&self) -> usize {
        let scope: [&HashMap<String, Variable>; 1] = [&self.project.vars];
        self.get("entrypoint").map_or(0, |(layer, node)| {
            interpolated_command(layer, node, &scope).len()
        })
    }

    /// The command the service's container runs: its `entrypoint`, then its `command`,
    /// interpolated as Compose interpolates them (a word whose variable the files give
    /// no value keeps its placeholder, which no reader takes for a number).
    fn command(&self) -> Vec<crate::model::CommandWord> {
        let scope: [&HashMap<String, Variable>; 1] = [&self.project.vars];
        ["entrypoint", "command"]
            .into_iter()
            .filter_map(|key| self.get(key))
            .flat_map(|(layer, node)| {
                interpolated_command(layer, node, &scope)
                    .into_iter()
                    .map(move |word| crate::model::CommandWord {
                        text: word.text,
                        location: layer.source.location(word.span),
                    })
            })
            .collect()
    }
}

/// A word of a `command` or `entrypoint` as the container gets it, with its span as
/// written in its layer's file.
struct Word {
    text: String,
    span: Span,
    /// It holds a variable the files give no value.
    unknown: bool,
}

/// The words of a `command` or `entrypoint` written in `layer`, interpolated as Compose
/// interpolates them [COMPOSE-INTERP] (`-c max_connections=${MAXCONN:-20}` passes
/// `20`): each item of a list is one word; a string is interpolated whole, then split
/// as a shell splits it (compose-go's `ShellCommand`), so `${CMD:-postgres -c a=1}`
/// is three words. A word keeps the span of its text as written when interpolation
/// left it alone, else the span of all it was made from (the whole flag as written, a
/// whole `${…}`).
fn interpolated_command(layer: Layer<'_>, node: NodeId, scope: &Scope<'_>) -> Vec<Word> {
    let doc = layer.source.doc();
    if let Some(items) = doc.seq(node) {
        return items
            .iter()
            .filter_map(|item| {
                let written = doc.text(*item)?;
                let span = super::inner_span(layer.source.text, doc.span(*item), written);
                let result = interpolate(written, scope);
                Some(Word {
                    text: result.value,
                    span,
                    unknown: result.unknown,
                })
            })
            .collect();
    }
    let Some(text) = layer.text(node) else {
        return Vec::new();
    };
    let span = doc.span(node);
    // Where each byte of the text is written; every word gets the whole span when that
    // is not known.
    let raw = layer.source.text.get(span.start..span.end).unwrap_or("");
    let offsets = written_offsets(raw, text);
    let result = interpolate(text, scope);
    super::shell::shell_words(&result.value, super::shell::Quoting::GoShellwords)
        .into_iter()
        .map(|(word, range)| {
            let (written, unknown) = result.written_range(&range);
            let at = |offset: usize| offsets.as_ref()?.get(offset).copied();
            let start = at(written.start);
            let end = written.end.checked_sub(1).and_then(at).map(|last| last + 1);
            let word_span = match (start, end) {
                (Some(start), Some(end)) if start < end => {
                    Span::new(span.start + start, span.start + end)
                }
                _ => span,
            };
            Word {
                text: word,
                span: word_span,
                unknown,
            }
        })
        .collect()
}

/// Where each byte of a scalar's `text` is written in its `raw` text (offsets into
/// `raw`): the same bytes when `raw` holds the text as it is (plain or simply quoted);
/// for a folded or multi-line value (`command: >` then a line per flag), each character
/// found in turn, the blanks and line breaks a fold joined into one space skipped
/// (after a block scalar's `>` or `|` header line). None when a character is not
/// found so (an escape in double quotes).
fn written_offsets(raw: &str, text: &str) -> Option<Vec<usize>> {
    if let Some(base) = raw.find(text) {
        return Some((base..base + text.len()).collect());
    }
    let mut at = match raw.starts_with(['>', '|']) {
        true => raw.find('\n')? + 1,
        false => 0,
    };
    let mut offsets = Vec::with_capacity(text.len());
    for c in text.chars() {
        let rest = raw.get(at..)?;
        if c.is_whitespace() {
            // A space the fold made stands for a line break (and the indentation
            // after it, skipped before the next character).
            offsets.extend((0..c.len_utf8()).map(|i| at + i));
            if let Some(written) = rest.chars().next().filter(|w| w.is_whitespace()) {
                at += written.len_utf8();
            }
            continue;
        }
        let found = at + rest.find(|r: char| !r.is_whitespace())?;
        if raw.get(found..)?.chars().next()? != c {
            return None;
        }
        offsets.extend((0..c.len_utf8()).map(|i| found + i));
        at = found + c.len_utf8();
    }
    Some(offsets)
}

/// One mapping's `environment:` as a map (`KEY: value`) or a list (`- KEY=value`), as
/// written in its file.
fn written_environment_of(layer: Layer<'_>) -> Vec<Written> {
    let doc = layer.source.doc();
    let text = layer.source.text;
    let Some(env) = layer.get("environment") else {
        return Vec::new();
    };
    let location = |span| layer.source.location(span);
    if let Some(items) = doc.seq(env) {
        return items
            .iter()
            .filter_map(|item| {
                let value = doc.text(*item)?;
                // Where the text is written: an alias's anchor.
                let span = doc.span(doc.resolve(*item));
                let raw = text.get(span.start..span.end)?;
                let start = span.start + raw.find(value)?;
                let Some((name, value)) = value.split_once('=') else {
                    let at = location(Span::new(start, start + value.len()));
                    return Some(Written {
                        var: alone(value, at),
                        alone: true,
                    });
                };
                let value_start = start + name.len() + 1;
                Some(Written {
                    var: EnvVar::written(
                        name.to_owned(),
                        value.to_owned(),
                        location(Span::new(start, start + name.len())),
                        location(Span::new(value_start, value_start + value.len())),
                    ),
                    alone: false,
                })
            })
            .collect();
    }
    doc.entries(env)
        .into_iter()
        .filter_map(|entry| {
            let name = doc.text(entry.key)?;
            let name_location = location(doc.span(entry.key));
            let scalar = doc.scalar(entry.value)?;
            if scalar.style == ScalarStyle::Plain
                && matches!(scalar.text.as_str(), "" | "~" | "null" | "Null" | "NULL")
            {
                return Some(Written {
                    var: alone(name, name_location),
                    alone: true,
                });
            }
            let value = scalar.text.as_str();
            // Where the text is written: an alias's anchor (masked there).
            let span = doc.span(doc.resolve(entry.value));
            let raw = text.get(span.start..span.end).unwrap_or("");
            let value_span = raw
                .find(value)
                .filter(|_| !value.is_empty())
                .map_or(span, |o| {
                    Span::new(span.start + o, span.start + o + value.len())
                });
            let mut var = EnvVar::written(
                name.to_owned(),
                value.to_owned(),
                name_location,
                location(value_span),
            );
            // compose-go loads the file with go-yaml, which types a plain `010` as the
            // number 8, then writes the number as the variable's text ("8").
            let number = doc
                .is_plain_untagged(entry.value)
                .then(|| go_yaml_number(value))
                .flatten();
            if let Some(number) = number {
                var.value = number.go_text();
                var.moved = var.value != value;
            }
            Some(Written { var, alone: false })
        })
        .collect()
}

/// An `environment:` name written without a value, at `at`.
fn alone(name: &str, at: Location) -> EnvVar {
    EnvVar::written(name.to_owned(), String::new(), at, at)
}

/// A variable as the container receives it: Compose interpolates `${VAR:-default}`
/// and friends in the file before the container starts. A value that is one
/// placeholder whose default is taken points at the default's text, and its location
/// is returned too (the value is the placeholder's default, not a literal of its own);
/// one with a value from `.env` points at the placeholder as written. Also what
/// interpolating it gave (whether a variable was unknown, the variables it took).
fn interpolated(mut var: EnvVar, scope: &Scope<'_>) -> (EnvVar, Option<Location>, Interpolation) {
    if !var.value.contains('$') {
        return (var, None, Interpolation::default());
    }
    let result = interpolate(&var.value, scope);
    let mut default = None;
    // The default's place, when the span holds the value exactly as written.
    if let (Some(range), Some(start)) = (&result.whole_default, var.text_start()) {
        let written = var.value.get(range.clone()).unwrap_or("");
        var.value_location.span = Span::new(start + range.start, start + range.end);
        var.moved = result.value != written;
        default = Some(var.value_location);
    } else {
        var.moved = result.value != var.value;
    }
    var.value.clone_from(&result.value);
    (var, default, result)
}

/// Why Compose refuses a `deploy.replicas` or `scale` value.
#[derive(Debug, Clone, PartialEq, Eq)]
enum CountRefusal {
    /// A YAML value the schema takes for neither an integer nor a string (`1.5`, `true`).
    NotIntegerOrString,
    /// Text Go's `strconv.Atoi` cannot read, after interpolation, with Go's reason.
    Atoi { text: String, error: &'static str },
    /// Below 0, or a plain number beyond 64 bits (which wraps below 0).
    Negative,
}

impl CountRefusal {
    /// Compose's message, for the value at `path` (`services.app.deploy.replicas`).
    fn compose_message(&self, path: &str) -> String {
        match self {
            CountRefusal::NotIntegerOrString => format!("{path} must be a integer or string"),
            CountRefusal::Atoi { text, error } => format!(
                "error while interpolating {path}: failed to cast to expected type: strconv.Atoi: parsing \"{text}\": {error}"
            ),
            CountRefusal::Negative => format!("{path}: must be greater than or equal to 0"),
        }
    }

    /// What is wrong, after the key.
    fn short(&self) -> &'static str {
        match self {
            CountRefusal::NotIntegerOrString => "must be an integer or a string",
            CountRefusal::Atoi { .. } => "must be a whole number",
            CountRefusal::Negative => "must be 0 or more",
        }
    }
}

/// A `deploy.replicas` or `scale` written as a plain YAML number, which compose-go
/// loads as go-yaml types it ([`go_yaml_number`]: `0x3` is 3, `010` is 8) and the schema
/// takes when it is whole (`1e1` and `10.0` are 10).
fn yaml_replica_count(number: GoYamlNumber) -> Result<Val<i64>, CountRefusal> {
    let whole = match number {
        GoYamlNumber::Int(n) => i64::try_from(n).ok(),
        GoYamlNumber::Float(f) if f.fract() == 0.0 => {
            // Whole: exact when within i64, and `as` saturates beyond it, as the
            // conversion beyond 64 bits gives no count Compose takes.
            #[allow(clippy::cast_possible_truncation)]
            Some(f as i64).filter(|_| f.abs() < 9.2e18)
        }
        GoYamlNumber::Float(_) => return Err(CountRefusal::NotIntegerOrString),
    };
    match whole {
        Some(count) if count >= 0 => Ok(Val::Known(count)),
        _ => Err(CountRefusal::Negative),
    }
}

/// A `deploy.replicas` or `scale` string after interpolation (`${REPLICAS:-4}` is 4),
/// read as Go's `strconv.Atoi` reads it (an optional sign and decimal digits: not
/// `0x3`, not `3 `): a placeholder without a value is unknown.
fn replica_count(written: &str, key: &str, scope: &Scope<'_>) -> Result<Val<i64>, CountRefusal> {
    let result = interpolate(written, scope);
    if result.unknown {
        return Ok(Val::unknown(format!(
            "{key} is `{written}`, a variable the files give no value"
        )));
    }
    match result.value.parse::<i64>() {
        Ok(count) if count >= 0 => Ok(Val::Known(count)),
        Ok(_) => Err(CountRefusal::Negative),
        Err(error) => {
            let error = match error.kind() {
                std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow => {
                    "value out of range"
                }
                _ => "invalid syntax",
            };
            Err(CountRefusal::Atoi {
                text: result.value,
                error,
            })
        }
    }
}

/// The passwords of the database URLs and connection strings that variables hold as
/// written (`DATABASE_URL: postgres://u:pw@db/app`), which the credentials rule reports
/// like a `.env` file's, unless the password is a placeholder (`${DB_PASSWORD}`, with
/// or without a default: the variable's own password is masked, not reported). Not
/// Spring's variables (the Spring reader reports those), not password variables
/// (`POSTGRES_PASSWORD` is usually the database container's own), and not URLs of
/// other services (`redis://`, `amqp://`).
fn url_passwords(written: &[EnvVar]) -> Vec<crate::model::Secret> {
    let mut secrets = Vec::new();
    for var in written {
        if super::spring::is_spring_variable(&var.name)
            || super::is_password_name(&var.name)
            || !is_database_connection(&var.value)
        {
            continue;
        }
        let span = var.value_location.span;
        let start = var.text_start();
        for range in super::connection_string::password_ranges(&var.value) {
            let password = var.value.get(range.clone()).unwrap_or("");
            // `$$` is a `$`; any other `$` is interpolated (`${DB_PASSWORD}`).
            if password.replace("$$", "").contains('$') {
                continue;
            }
            secrets.push(crate::model::Secret {
                literal: true,
                ..super::masked(
                    Location {
                        file: var.value_location.file,
                        span: super::span_within(span, start, range),
                    },
                    &var.name,
                    "connection string password",
                )
            });
        }
    }
    secrets
}

/// The defaults of password variables anywhere in a compose file, as written
/// (`${DB_PASSWORD:-x}`): Compose interpolates every value, so a setting that takes one
/// (`MAXIMUMPOOLSIZE: ${DB_PASSWORD:-x}`) is quoted by the finding on it. Masked, not
/// reported: the variable's own value is not in the file.
fn password_default_secrets(file: FileId, text: &str) -> Vec<crate::model::Secret> {
    password_defaults(text, None, 0)
        .into_iter()
        .map(|(range, name)| {
            let location = Location {
                file,
                span: Span::new(range.start, range.end),
            };
            super::masked(location, &name, "placeholder default")
        })
        .collect()
}

/// The `.env` values a compose file puts where a password goes outside the variables
/// the readers read (`command: --db-password ${X}`, `PGPASSWORD=$W psql`, a
/// healthcheck's `postgresql://u:${W}@db`, `build.args` `DB_PASSWORD: ${X}`): masked
/// where `.env` writes them, as a finding near them would show those lines. Each
/// placeholder is read as a plain word of its length, and the credential shapes of
/// that text ([`crate::redact::credential_spans`]) tell which stand in a password's place.
fn referenced_password_secrets(text: &str, project: &Project<'_>) -> Vec<Secret> {
    if project.vars.is_empty() {
        return Vec::new();
    }
    let placeholders = placeholder_names(text);
    if placeholders.is_empty() {
        return Vec::new();
    }
    let mut plain = text.as_bytes().to_vec();
    for (range, _) in &placeholders {
        plain
            .get_mut(range.clone())
            .into_iter()
            .flatten()
            .for_each(|b| *b = b'x');
    }
    // Only ASCII bytes were replaced, each by an ASCII byte.
    let plain = String::from_utf8(plain).unwrap_or_default();
    let shapes = crate::redact::credential_spans(&plain);
    let in_password = |range: &Range<usize>| {
        shapes
            .iter()
            .any(|s| s.start < range.end && range.start < s.end)
    };
    let mut secrets = Vec::new();
    for (_, name) in placeholders.iter().filter(|(r, _)| in_password(r)) {
        let Some(variable) = project
            .vars
            .get(*name)
            .filter(|v| v.known && !v.value.is_empty())
        else {
            continue;
        };
        secrets.extend(
            variable
                .locations()
                .into_iter()
                .map(|at| super::masked(at, name, "referenced password")),
        );
    }
    secrets
}

/// A placeholder of a compose text, as Compose's interpolation meets it (`$$`, an
/// escaped `$`, is none).
enum Placeholder<'t> {
    /// `${inner}`, over `range`.
    Braced { range: Range<usize>, inner: &'t str },
    /// `$NAME`, over `range`.
    Bare { range: Range<usize>, name: &'t str },
    /// A `${` never closed, at `start`: the rest of the text is left as written.
    Unclosed { start: usize },
}

/// The placeholders of `text`, in order ([`interpolate`] reads the same ones).
fn placeholders(text: &str) -> Vec<Placeholder<'_>> {
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(offset) = text.get(at..).and_then(|t| t.find('$')) {
        let start = at + offset;
        let rest = text.get(start + 1..).unwrap_or("");
        if rest.starts_with('$') {
            at = start + 2;
        } else if rest.starts_with('{') {
            let Some(len) = super::nested_braces_len(rest) else {
                found.push(Placeholder::Unclosed { start });
                break;
            };
            let inner = rest.get(1..len - 1).unwrap_or("");
            found.push(Placeholder::Braced {
                range: start..start + 1 + len,
                inner,
            });
            at = start + 1 + len;
        } else {
            let (name, _) = super::split_variable_name(rest);
            if !name.is_empty() {
                found.push(Placeholder::Bare {
                    range: start..start + 1 + name.len(),
                    name,
                });
            }
            at = start + 1 + name.len();
        }
    }
    found
}

/// Each placeholder of a compose text with its byte range and its variable's name.
fn placeholder_names(text: &str) -> Vec<(Range<usize>, &str)> {
    placeholders(text)
        .into_iter()
        .filter_map(|placeholder| match placeholder {
            Placeholder::Braced { range, inner } => {
                Some((range, super::split_variable_name(inner).0))
            }
            Placeholder::Bare { range, name } => Some((range, name)),
            Placeholder::Unclosed { .. } => None,
        })
        .filter(|(_, name)| !name.is_empty())
        .collect()
}

/// Operators after which a placeholder's text is the value of an unset variable:
/// Compose's `:-` and `-`, and the shell's `:=` and `=` (assigned, and used alike).
const DEFAULT_OPERATORS: [&str; 4] = [":-", ":=", "-", "="];

/// The byte ranges in `text` of the defaults of password variables, with the
/// variable's name; `password` names the variable whose default `text` is, whose
/// nested defaults are its password too (`${DB_PASSWORD:-${OLD_PW:-x}}` masks `x`,
/// which a message quotes, as well as the whole default).
fn password_defaults(
    text: &str,
    password: Option<&str>,
    depth: usize,
) -> Vec<(std::ops::Range<usize>, String)> {
    let mut found = Vec::new();
    // `$VAR` has no default; an unclosed `${` leaves the rest as written.
    for placeholder in placeholders(text) {
        let Placeholder::Braced { range, inner } = placeholder else {
            continue;
        };
        // `${` is two bytes before the inner text.
        let offset = range.start + 2;
        found.extend(
            placeholder_defaults(inner, password, depth)
                .into_iter()
                .map(|(r, name)| (r.start + offset..r.end + offset, name)),
        );
    }
    found
}

/// [`password_defaults`] of one `${inner}`: its default's range in `inner` when the
/// variable is a password's (or a password's default holds it), and those nested in it.
fn placeholder_defaults(
    inner: &str,
    password: Option<&str>,
    depth: usize,
) -> Vec<(std::ops::Range<usize>, String)> {
    let (name, rest) = super::split_variable_name(inner);
    let Some(op) = DEFAULT_OPERATORS.iter().find(|op| rest.starts_with(**op)) else {
        return Vec::new();
    };
    if depth >= MAX_INTERPOLATION_DEPTH {
        return Vec::new();
    }
    let from = name.len() + op.len();
    let default = inner.get(from..).unwrap_or("");
    // A secret's placeholder (`${DB_TOKEN:-x}`) is a secret's default too.
    let secret = super::is_password_name(name) || super::is_secret_name(name);
    let password = password.or_else(|| secret.then_some(name));
    let mut found: Vec<_> = password_defaults(default, password, depth + 1)
        .into_iter()
        .map(|(r, name)| (r.start + from..r.end + from, name))
        .collect();
    if let Some(name) = password.filter(|_| !default.is_empty()) {
        found.push((from..inner.len(), name.to_owned()));
    }
    found
}

/// A URL whose scheme names a SQL database (`postgres://`, `mysql://`,
/// `jdbc:sqlserver://`, SQLAlchemy's `postgresql+psycopg2://`), or a key/value
/// connection string (`Host=db;Password=…`).
fn is_database_connection(value: &str) -> bool {
    const DATABASES: &[&str] = &[
        "postgresql",
        "postgis",
        "timescale",
        "mysql",
        "mysql2",
        "mysqlgis",
        "mariadb",
        "mssql",
        "sqlserver",
        "oracle",
        "redshift",
        "cockroach",
        "cockroachdb",
        "db2",
    ];
    match super::connection_string::parse_url(value).and_then(|p| p.engine) {
        Some(engine) => DATABASES.contains(&engine.as_str()),
        None => true,
    }
}

/// Deepest nesting of defaults followed (`${A:-${B:-5}}`).
const MAX_INTERPOLATION_DEPTH: usize = 8;

/// What interpolating a value gave.
#[derive(Debug, Default)]
struct Interpolation {
    value: String,
    /// The default's byte range in the text when the whole text is one placeholder
    /// whose default is taken.
    whole_default: Option<Range<usize>>,
    /// A placeholder whose value the files do not give was met: its `${VAR}` is in the
    /// value (so the text there is not the text written, as a `$${VAR}` is).
    unknown: bool,
    /// The variables the files gave, by the bytes of the value each made.
    used: Vec<Used>,
    /// Where each part of the value is written in the text, in order.
    pieces: Vec<Piece>,
}

/// A part of an interpolated value and the text it was made from.
#[derive(Debug)]
struct Piece {
    /// The part's bytes in the value.
    value: Range<usize>,
    /// The text it was made from: the same bytes for literal text, else a whole `$$`,
    /// `$VAR` or `${…}`.
    text: Range<usize>,
    /// Literal text, byte for byte.
    literal: bool,
    /// A placeholder whose value the files do not give.
    unknown: bool,
}

impl Interpolation {
    /// Append `name`'s value from `scope`, or `${name}` when the files do not give it.
    fn push_variable(&mut self, name: &str, scope: &Scope<'_>) {
        match lookup(scope, name).filter(|v| v.known) {
            Some(variable) => self.push_value(variable),
            None => self.push_unknown(name),
        }
    }

    fn push_value(&mut self, variable: &Variable) {
        let from = self.value.len();
        self.value.push_str(&variable.value);
        self.used.push(Used {
            range: from..self.value.len(),
            variable: variable.clone(),
        });
    }

    fn push_unknown(&mut self, name: &str) {
        self.unknown = true;
        self.value.push_str(&format!("${{{name}}}"));
    }

    /// The text `range` of the value was made from: the same bytes inside literal text,
    /// else from the start of the first part it touches to the end of the last; and
    /// whether one of those parts is a placeholder the files give no value.
    fn written_range(&self, range: &Range<usize>) -> (Range<usize>, bool) {
        let touched: Vec<&Piece> = self
            .pieces
            .iter()
            .filter(|p| p.value.start < range.end && range.start < p.value.end)
            .collect();
        let unknown = touched.iter().any(|p| p.unknown);
        let (Some(first), Some(last)) = (touched.first(), touched.last()) else {
            return (range.clone(), unknown);
        };
        // Inside literal text, the range's own bytes.
        let start = match first.literal {
            true => first.text.start + range.start.saturating_sub(first.value.start),
            false => first.text.start,
        };
        let end = match last.literal {
            true => last.text.start + range.end.min(last.value.end) - last.value.start,
            false => last.text.end,
        };
        (start..end, unknown)
    }

    /// Record that the value from `from` on was made from `text`.
    fn piece_from(&mut self, from: usize, text: Range<usize>, literal: bool, unknown: bool) {
        if from < self.value.len() || !literal {
            self.pieces.push(Piece {
                value: from..self.value.len(),
                text,
                literal,
                unknown,
            });
        }
    }

    /// Append what interpolating a default or an alternative gave.
    fn append(&mut self, other: Interpolation) {
        let from = self.value.len();
        self.value.push_str(&other.value);
        self.unknown |= other.unknown;
        self.used.extend(other.used.into_iter().map(|mut u| {
            u.range = u.range.start + from..u.range.end + from;
            u
        }));
    }
}

/// Compose's interpolation of one value [COMPOSE-INTERP]
/// (https://docs.docker.com/reference/compose-file/interpolation/), with the variables
/// of `scope` (the project's `.env`, for the compose file): `$$` is a `$`; `${VAR}` and
/// `$VAR` are the variable's value; `${VAR:-default}` its value when set and not empty,
/// `${VAR-default}` when set, else the default; `${VAR:?err}` and `${VAR?err}` its
/// value; `${VAR:+alt}` and `${VAR+alt}` the alternative when it is set (not empty).
/// The shell that runs Compose wins over `.env` and cannot be seen: a variable `scope`
/// lacks takes the placeholder's default, and is unknown where there is none (an
/// alternative too), written `${VAR}` so the Spring binding reads it as a placeholder
/// without a default.
fn interpolate(text: &str, scope: &Scope<'_>) -> Interpolation {
    interpolate_at(text, scope, 0)
}

fn interpolate_at(text: &str, scope: &Scope<'_>, depth: usize) -> Interpolation {
    let mut out = Interpolation {
        value: String::with_capacity(text.len()),
        ..Interpolation::default()
    };
    let mut at = 0;
    while let Some(found) = text.get(at..).and_then(|t| t.find('$')) {
        let start = at + found;
        let from = out.value.len();
        out.value.push_str(text.get(at..start).unwrap_or(""));
        out.piece_from(from, at..start, true, false);
        let from = out.value.len();
        let unknown_before = std::mem::take(&mut out.unknown);
        let rest = text.get(start + 1..).unwrap_or("");
        if rest.starts_with('$') {
            out.value.push('$');
            at = start + 2;
        } else if rest.starts_with('{') {
            let Some(len) = super::nested_braces_len(rest) else {
                out.value.push_str(text.get(start..).unwrap_or(""));
                out.piece_from(from, start..text.len(), true, false);
                out.unknown = unknown_before;
                out.whole_default = None;
                return out;
            };
            let inner = rest.get(1..len - 1).unwrap_or("");
            let default_at = substitute(inner, scope, depth, &mut out);
            if start == 0 && len + 1 == text.len() {
                // `${` is two bytes before the inner text.
                out.whole_default = default_at.map(|r| r.start + 2..r.end + 2);
            }
            at = start + 1 + len;
        } else {
            let (name, _) = super::split_variable_name(rest);
            // `$1abc` is literal text in Compose, as a lone `$` is: a name does not
            // start with a digit.
            let name = if is_compose_name(name) { name } else { "" };
            if name.is_empty() {
                out.value.push('$');
            } else {
                out.push_variable(name, scope);
            }
            at = start + 1 + name.len();
        }
        let unknown = out.unknown;
        out.piece_from(from, start..at, at == start + 1, unknown);
        out.unknown |= unknown_before;
    }
    let from = out.value.len();
    out.value.push_str(text.get(at..).unwrap_or(""));
    out.piece_from(from, at..text.len(), true, false);
    out
}

/// Append the value of one `${inner}` to `out`; the default's range in `inner` when it
/// is taken.
fn substitute(
    inner: &str,
    scope: &Scope<'_>,
    depth: usize,
    out: &mut Interpolation,
) -> Option<Range<usize>> {
    let (name, rest) = super::split_variable_name(inner);
    let variable = lookup(scope, name);
    // Set in `scope`; with a value the files give, and then whether it is empty.
    let set = variable.is_some();
    let value = variable.filter(|v| v.known);
    let empty = value.is_some_and(|v| v.value.is_empty());
    let operator = [":-", "-", ":?", "?", ":+", "+"]
        .into_iter()
        .find(|op| rest.starts_with(op));
    let Some(op) = operator.filter(|_| depth < MAX_INTERPOLATION_DEPTH) else {
        match value {
            Some(v) if rest.is_empty() => out.push_value(v),
            _ => out.push_unknown(name),
        }
        return None;
    };
    let word = rest.get(op.len()..).unwrap_or("");
    let from = name.len() + op.len();
    let take_word = |out: &mut Interpolation| {
        out.append(interpolate_at(word, scope, depth + 1));
        Some(from..from + word.len())
    };
    match (op, value) {
        // A variable set to a value the files do not give.
        (":-" | "-" | ":?" | "?" | ":+", None) if set => out.push_unknown(name),
        (":-", Some(v)) if !empty => out.push_value(v),
        ("-" | "?", Some(v)) | (":?", Some(v)) if op != ":?" || !empty => out.push_value(v),
        (":-" | "-", _) => return take_word(out),
        (":+", Some(_)) if empty => {}
        (":+", Some(_)) | ("+", _) if set => {
            take_word(out);
        }
        _ => out.push_unknown(name),
    }
    None
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::ops::Range;

    use std::path::Path;

    use super::{interpolate, Compose, ComposeSummary, Variable, DOTENV};
    use crate::ecosystems::{ParsedFile, Reader, Summary};
    use crate::model::{Model, Val};
    use crate::source::{FileId, SourceMap, Span};
    use crate::syntax::Format;

    #[test]
    fn passwords_stay_masked_where_interpolation_moves_them() {
        let text = "services:\n  app:\n    image: app:1\n    environment:\n      DATABASE_URL: postgres://u:Pw-Secret-9@${HOST:-db}/x${Q:?q}$$\n";
        let (model, _) =
            crate::ecosystems::read_one(&Compose, "docker-compose.yml", Format::Yaml, text);
        assert!(model.secrets.iter().any(|s| {
            let span = s.location.span;
            &text[span.start..span.end] == "Pw-Secret-9"
        }));
        let env = &model.services[0].deployment.as_ref().unwrap().environment[0];
        assert_eq!(env.value, "postgres://u:Pw-Secret-9@db/x${Q}$");
    }

    #[test]
    fn secret_named_variables_are_masked_and_not_reported() {
        let text = "services:\n  app:\n    image: app:1\n    environment:\n      DB_PW: Zq9Pw01\n      API_TOKEN: Zq9Tok02\n  worker:\n    image: app:1\n    environment:\n      - DB_SECRET=Zq9Sec03\n      - TOKEN_TTL=3600\n";
        let (model, _) =
            crate::ecosystems::read_one(&Compose, "docker-compose.yml", Format::Yaml, text);
        let masked: Vec<(&str, bool)> = model
            .secrets
            .iter()
            .map(|s| (&text[s.location.span.start..s.location.span.end], s.literal))
            .collect();
        for secret in ["Zq9Pw01", "Zq9Tok02", "Zq9Sec03"] {
            assert!(masked.contains(&(secret, false)), "{secret}: {masked:?}");
        }
        assert!(
            masked.iter().all(|(m, _)| !m.contains("3600")),
            "{masked:?}"
        );
    }

    #[test]
    fn database_urls_are_reported_and_placeholder_defaults_named_so() {
        let text = "services:\n  app:\n    image: app:1\n    environment:\n      DATABASE_URL: postgres://u:Url-Secret-1@db/x\n      SPRING_DATASOURCE_PASSWORD: ${DB_PASSWORD:-Default-Secret-2}\n      OTHER_URL: \"postgres://u:${DB_PW}@db/x\"\n      CACHE_URL: redis://:Cache-Secret-3@cache/0\n      DOLLAR_URL: mysql://u:pa$$Secret-4@db/x\n  worker:\n    image: app:1\n    environment:\n      - DATABASE_URL=postgres://u:List-Secret-5@db/x\n      - POSTGRES_PASSWORD=Bootstrap-Secret-6\n";
        let (model, _) =
            crate::ecosystems::read_one(&Compose, "docker-compose.yml", Format::Yaml, text);
        let reported: Vec<(&str, &str, &str)> = model
            .secrets
            .iter()
            .filter(|s| s.literal)
            .map(|s| {
                let span = s.location.span;
                (s.key.as_str(), s.kind, &text[span.start..span.end])
            })
            .collect();
        assert_eq!(
            reported,
            [
                (
                    "SPRING_DATASOURCE_PASSWORD",
                    "placeholder default",
                    "Default-Secret-2"
                ),
                ("DATABASE_URL", "connection string password", "Url-Secret-1"),
                ("DOLLAR_URL", "connection string password", "pa$$Secret-4"),
                (
                    "DATABASE_URL",
                    "connection string password",
                    "List-Secret-5"
                ),
            ]
        );
        // Every password is masked all the same.
        for secret in ["Cache-Secret-3", "Bootstrap-Secret-6"] {
            assert!(model.secrets.iter().any(|s| {
                let span = s.location.span;
                &text[span.start..span.end] == secret
            }));
        }
    }

    #[test]
    fn defaults_of_password_variables_are_masked_wherever_used() {
        let text = "services:\n  app:\n    image: app:1\n    environment:\n      SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE: ${DB_PASSWORD:-Pw-Default-1}\n      A: x${APP_PASS-Pw-Default-2}y\n      B: ${DB_PWD:=Pw-Default-3}\n      C: ${DB_PASSWORD:-${OLD:-Pw-Default-4}}\n      D: $${DB_PASSWORD:-not-one} ${POOL:-5} ${DB_PASSWORD:?unset} ${DB_PASSWORD:+set}\n";
        let (model, _) =
            crate::ecosystems::read_one(&Compose, "docker-compose.yml", Format::Yaml, text);
        let masked: Vec<(&str, &str)> = model
            .secrets
            .iter()
            .filter(|s| s.kind == "placeholder default")
            .map(|s| {
                let span = s.location.span;
                (s.key.as_str(), &text[span.start..span.end])
            })
            .collect();
        assert_eq!(
            masked,
            [
                ("DB_PASSWORD", "Pw-Default-1"),
                ("APP_PASS", "Pw-Default-2"),
                ("DB_PWD", "Pw-Default-3"),
                ("DB_PASSWORD", "Pw-Default-4"),
                ("DB_PASSWORD", "${OLD:-Pw-Default-4}"),
            ]
        );
    }

    #[test]
    fn compose_interpolation_takes_defaults_and_keeps_unknowns_unknown() {
        let none: [&HashMap<String, Variable>; 0] = [];
        let value = |text: &str| interpolate(text, &none).value;
        let whole = "${POOL_SIZE:-40}";
        let result = interpolate(whole, &none);
        assert_eq!(result.value, "40");
        assert_eq!(result.whole_default.map(|r| &whole[r]), Some("40"));
        assert_eq!(value("${POOL_SIZE-7}"), "7");
        assert_eq!(value("${A:-${B:-5}}"), "5");
        let required = interpolate("${POOL_SIZE:?set it}", &none);
        assert_eq!(
            (
                required.value.as_str(),
                required.whole_default,
                required.unknown
            ),
            ("${POOL_SIZE}", None, true)
        );
        assert_eq!(value("${POOL_SIZE}"), "${POOL_SIZE}");
        assert_eq!(value("$POOL_SIZE"), "${POOL_SIZE}");
        assert_eq!(value("${X:+on}"), "${X}");
        assert_eq!(value("a$$b"), "a$b");
        let url = interpolate("jdbc:postgresql://${HOST:-db}:5432/app", &none);
        assert_eq!(
            (url.value.as_str(), url.whole_default, url.unknown),
            ("jdbc:postgresql://db:5432/app", None, false)
        );
    }

    /// The variables of the project's `.env` as Compose substitutes them, by operator:
    /// set and not empty, set and empty, set to a value the files do not give.
    #[test]
    fn compose_interpolation_takes_the_project_variables() {
        let variable = |value: &str, known: bool| Variable {
            value: value.to_owned(),
            known,
            location: crate::model::Location {
                file: FileId(0),
                span: Span::new(0, value.len()),
            },
            start: Some(0),
            parts: Vec::new(),
        };
        let vars: HashMap<String, Variable> = [
            ("POOL", variable("50", true)),
            ("EMPTY", variable("", true)),
            ("SHELL", variable("${HOME}/x", false)),
        ]
        .into_iter()
        .map(|(name, v)| (name.to_owned(), v))
        .collect();
        let scope = [&vars];
        let value = |text: &str| interpolate(text, &scope).value;
        for (text, expected) in [
            ("${POOL}", "50"),
            ("$POOL", "50"),
            ("${POOL:-5}", "50"),
            ("${POOL-5}", "50"),
            ("${POOL:?e}", "50"),
            ("${POOL?e}", "50"),
            ("${POOL:+on}", "on"),
            ("${POOL+on}", "on"),
            ("${EMPTY:-5}", "5"),
            ("${EMPTY-5}", ""),
            ("${EMPTY:?e}", "${EMPTY}"),
            ("${EMPTY?e}", ""),
            ("${EMPTY:+on}", ""),
            ("${EMPTY+on}", "on"),
            ("${SHELL:-5}", "${SHELL}"),
            ("${SHELL-5}", "${SHELL}"),
            ("${SHELL+on}", "on"),
            ("${OTHER:-${POOL}}", "50"),
            ("x${POOL}y${POOL}", "x50y50"),
        ] {
            assert_eq!(value(text), expected, "{text}");
        }
        // Where each value taken is in the result, for masking a password it makes.
        let result = interpolate("x${POOL}y${OTHER:-${POOL}}", &scope);
        let ranges: Vec<Range<usize>> = result.used.iter().map(|u| u.range.clone()).collect();
        assert_eq!(ranges, [1..3, 4..6]);
        // A value from `.env` is no default: the whole placeholder is its place.
        assert_eq!(interpolate("${POOL:-5}", &scope).whole_default, None);
    }

    /// Read `compose` as `docker-compose.yml` with its companions `(path, text)`, as
    /// the engine hands them to the reader.
    fn read_with(compose: &str, companions: &[(&str, &str)]) -> (Model, SourceMap) {
        let mut sources = SourceMap::default();
        let mut add = |path: &str, text: &str, format: Format, from: Option<FileId>| {
            let from = from.map(|f| (f, 0));
            crate::ecosystems::parsed_in(&mut sources, Path::new(path), text, format, from)
        };
        let main = add("docker-compose.yml", compose, Format::Yaml, None);
        let mut files = vec![main.clone()];
        for (path, text) in companions {
            // A file `extends:` names is a compose file; the others are `.env` files.
            let format = match path.ends_with(".yml") || path.ends_with(".yaml") {
                true => Format::Yaml,
                false => DOTENV,
            };
            files.push(add(path, text, format, Some(main.id)));
        }
        let refs: Vec<&ParsedFile> = files.iter().collect();
        (Compose.read(&refs, &sources), sources)
    }

    /// The service's variables as `(name, value, text at the value's location)`.
    fn environment<'s>(
        model: &'s Model,
        sources: &'s SourceMap,
        service: &str,
    ) -> Vec<(&'s str, &'s str, &'s str)> {
        let service = model.services.iter().find(|s| s.name == service).unwrap();
        let deployment = service.deployment.as_ref().unwrap();
        deployment
            .environment
            .iter()
            .map(|v| {
                let at = v.value_location;
                let file = sources.get(at.file).unwrap();
                (v.name.as_str(), v.value.as_str(), file.slice(at.span))
            })
            .collect()
    }

    fn replicas(model: &Model, service: &str) -> Option<i64> {
        let service = model.services.iter().find(|s| s.name == service)?;
        let replicas = service.deployment.as_ref()?.replicas.as_ref()?;
        replicas.value.known().copied()
    }

    /// Audit finding: the project's `.env` was not used to interpolate the compose file
    /// (`${POOL:-5}` took its default, `${POOL}` was unknown). Its values point at the
    /// placeholder as written.
    #[test]
    fn the_project_dotenv_interpolates_the_compose_file() {
        let compose = "services:\n  db:\n    image: postgres:16\n    command: [\"postgres\", \"-c\", \"max_connections=${MAXC}\"]\n  web:\n    image: shop/web\n    deploy:\n      replicas: ${WEB_REPLICAS:-1}\n    environment:\n      A: ${POOL:-5}\n      B: ${POOL}\n      C: x-${EMPTY:-d}-${NOT_SET:-d}-${UNKNOWN}\n      - \n  worker:\n    image: shop/web\n    scale: ${WORKERS}\n    environment: [POOL, NOT_SET]\n";
        let compose = compose.replace("      - \n", "");
        let dotenv = "POOL=50\nWEB_REPLICAS=4\nEMPTY=\nMAXC=60\nWORKERS=3\n";
        let (model, sources) = read_with(&compose, &[(".env", dotenv)]);
        assert_eq!(
            environment(&model, &sources, "web"),
            [
                ("A", "50", "${POOL:-5}"),
                ("B", "50", "${POOL}"),
                (
                    "C",
                    "x-d-d-${UNKNOWN}",
                    "x-${EMPTY:-d}-${NOT_SET:-d}-${UNKNOWN}"
                ),
            ]
        );
        // A name alone takes `.env`'s value, pointing there; one `.env` lacks is unset.
        assert_eq!(
            environment(&model, &sources, "worker"),
            [("POOL", "50", "50")]
        );
        assert_eq!(replicas(&model, "web"), Some(4));
        assert_eq!(replicas(&model, "worker"), Some(3));
        let db = &model.databases[0];
        assert_eq!(db.max_connections.value, crate::model::Val::Known(60));
        // Without `.env`, as before.
        let (model, sources) = read_with(&compose, &[]);
        assert_eq!(environment(&model, &sources, "web")[0], ("A", "5", "5"));
        assert_eq!(replicas(&model, "web"), Some(1));
        assert_eq!(replicas(&model, "worker"), None);
    }

    /// `.env`'s `COMPOSE_PROFILES` activates profiles for a plain `docker compose up`,
    /// as `--profile` does (`*`: every profile).
    #[test]
    fn dotenv_compose_profiles_start_the_services_of_those_profiles() {
        let compose = "services:\n  debug:\n    image: x\n    profiles: [debug]\n    deploy: {replicas: 2}\n  tools:\n    image: x\n    profiles: [tools]\n";
        for (dotenv, debug, tools) in [
            ("", 0, 0),
            ("COMPOSE_PROFILES=debug\n", 2, 0),
            ("COMPOSE_PROFILES=tools, debug\n", 2, 1),
            ("COMPOSE_PROFILES=*\n", 2, 1),
        ] {
            let (model, _) = read_with(compose, &[(".env", dotenv)]);
            assert_eq!(replicas(&model, "debug"), Some(debug), "{dotenv}");
            assert_eq!(replicas(&model, "tools"), Some(tools), "{dotenv}");
        }
    }

    /// A password a value takes from `.env` is masked in `.env` (a message quoting the
    /// value would show it), and not reported where the placeholder is written.
    #[test]
    fn passwords_from_the_project_dotenv_are_masked_there() {
        let compose = "services:\n  app:\n    image: app:1\n    environment:\n      SPRING_DATASOURCE_PASSWORD: ${DB_PW}\n      DATABASE_URL: postgres://u:${URL_PART}@db/x\n      OTHER_URL: ${WHOLE_URL}\n      POOL: ${POOL}\n";
        let dotenv = "DB_PW=Env-Secret-1\nURL_PART=Url-Part-2\nWHOLE_URL=\"postgres://u:Whole-Secret-3@db/x\"\nPOOL=7\nUNUSED=x\n";
        let (model, sources) = read_with(compose, &[(".env", dotenv)]);
        let env_file = sources
            .files()
            .iter()
            .find(|f| f.path == Path::new(".env"))
            .unwrap()
            .id;
        let masked: Vec<&str> = model
            .secrets
            .iter()
            .filter(|s| s.location.file == env_file)
            .map(|s| &dotenv[s.location.span.start..s.location.span.end])
            .collect();
        for secret in ["Env-Secret-1", "Url-Part-2", "Whole-Secret-3"] {
            assert!(masked.contains(&secret), "{secret}: {masked:?}");
        }
        assert!(
            !masked.contains(&"7") && !masked.contains(&"x"),
            "{masked:?}"
        );
        let reported: Vec<&str> = model
            .secrets
            .iter()
            .filter(|s| s.literal)
            .map(|s| &compose[s.location.span.start..s.location.span.end])
            .collect();
        assert!(reported.is_empty(), "{reported:?}");
    }

    /// Audit finding: `env_file:` was not read. Its variables are the container's under
    /// `environment:`, later files over earlier; a `required: false` file may be
    /// missing; its values are interpolated with `.env`, then the service's variables.
    #[test]
    fn env_files_set_the_container_environment_under_environment() {
        let compose = "services:\n  web:\n    image: shop/web\n    env_file:\n      - web.env\n      - path: ./conf/override.env\n        required: false\n      - path: missing.env\n        required: false\n      - path: raw.env\n        format: raw\n    environment:\n      B: from-environment\n      HOST: db\n      D:\n";
        let web = "A=a\nB=b\nC=c\nD=d\nURL=jdbc:postgresql://${HOST}:5432/${DB_NAME:-app}\n";
        let overrides = "C=c2\nE='${POOL}'\nF=\"${POOL}\"\nPOOL\n";
        let raw = "G=${POOL}\n";
        let (model, sources) = read_with(
            compose,
            &[
                (".env", "POOL=9\n"),
                ("web.env", web),
                ("conf/override.env", overrides),
                ("raw.env", raw),
            ],
        );
        assert_eq!(
            environment(&model, &sources, "web"),
            [
                ("A", "a", "a"),
                (
                    "URL",
                    "jdbc:postgresql://db:5432/app",
                    "jdbc:postgresql://${HOST}:5432/${DB_NAME:-app}"
                ),
                ("C", "c2", "c2"),
                ("E", "${POOL}", "${POOL}"),
                ("F", "9", "\"${POOL}\""),
                ("POOL", "9", "9"),
                ("G", "${POOL}", "${POOL}"),
                ("B", "from-environment", "from-environment"),
                ("HOST", "db", "db"),
            ]
        );
    }

    /// Audit finding: `extends:` was not followed. The base's environment is under the
    /// service's own, its `env_file:` before the service's, its replicas unless the
    /// service sets them, its profiles added; a base in a file not read is not
    /// followed, and a service extending itself is refused.
    #[test]
    fn extends_within_the_file_merges_the_base_service() {
        let compose = "services:\n  base:\n    image: shop/web\n    deploy:\n      replicas: 3\n    env_file: base.env\n    environment:\n      A: base\n      B: base\n  web:\n    extends: base\n    environment:\n      - B=web\n  worker:\n    extends:\n      service: web\n    scale: 2\n  tool:\n    extends: {service: hidden}\n  hidden:\n    image: x\n    profiles: [tools]\n    deploy: {replicas: 5}\n  remote:\n    extends: {file: other.yml, service: base}\n  loop:\n    extends: loop\n";
        let (model, sources) = read_with(compose, &[("base.env", "E=e\nA=from-file\n")]);
        let names = |service: &str| -> Vec<(String, String)> {
            environment(&model, &sources, service)
                .into_iter()
                .map(|(n, v, _)| (n.to_owned(), v.to_owned()))
                .collect()
        };
        let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
            list.iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect()
        };
        assert_eq!(
            names("web"),
            pairs(&[("E", "e"), ("A", "base"), ("B", "web")])
        );
        assert_eq!(names("worker"), names("web"));
        assert_eq!(replicas(&model, "web"), Some(3));
        // `scale` is the worker's own; `deploy.replicas` the base's: Compose refuses both.
        assert_eq!(replicas(&model, "worker"), Some(3));
        // And a service extending itself (below).
        assert_eq!(model.refused_values.len(), 2, "{:?}", model.refused_values);
        assert!(model.refused_values[0]
            .reason
            .contains("service `worker` sets `scale` to 2 and `deploy.replicas` to 3"));
        assert_eq!(replicas(&model, "tool"), Some(0));
        // `other.yml` was not read (the engine reports it where it is named).
        assert_eq!(replicas(&model, "remote"), Some(1));
        assert_eq!(replicas(&model, "loop"), Some(1));
        assert!(model.refused_values[1]
            .reason
            .contains("service `loop` extends itself through `extends:` (loop → loop)"));
    }

    /// The base files of the `extends:` test below: `common/base.yml` (its `env_file`
    /// and its own `extends: {file:}` relative to `common/`) and `deep/root.yml`.
    const BASE: &str = "services:\n  app:\n    image: shop/web\n    deploy: {replicas: 3}\n    env_file: app.env\n    environment:\n      A: base\n      B: base\n  chained:\n    extends: {file: ../deep/root.yml, service: root}\n    environment: {C: chained}\n";
    const ROOT: &str = "services:\n  root:\n    image: shop/worker\n    scale: 4\n    environment:\n      D: ${POOL:-5}\n";

    /// Audit finding: `extends: {file: other.yml, service: base}` was not followed, so
    /// the service got none of the base's settings. The base in another file merges as
    /// one in the same file; its paths (`env_file`, its own `extends` file) are
    /// relative to its own directory, and its values are interpolated with the
    /// project's `.env` (compose-go `getExtendsBaseFromFile`).
    #[test]
    fn extends_from_another_file_merges_that_files_service() {
        let compose = "services:\n  web:\n    extends:\n      file: common/base.yml\n      service: app\n    environment:\n      B: web\n  worker:\n    extends: {file: ./common/base.yml, service: chained}\n";
        let (model, sources) = read_with(
            compose,
            &[
                (".env", "POOL=9\n"),
                ("common/base.yml", BASE),
                ("common/app.env", "E=e\n"),
                ("deep/root.yml", ROOT),
            ],
        );
        assert!(
            model.refused_values.is_empty(),
            "{:?}",
            model.refused_values
        );
        let web = environment(&model, &sources, "web");
        assert_eq!(
            web,
            [("E", "e", "e"), ("A", "base", "base"), ("B", "web", "web")]
        );
        assert_eq!(replicas(&model, "web"), Some(3));
        // The base's value points into the base file.
        let service = model.services.iter().find(|s| s.name == "web").unwrap();
        let a = &service.deployment.as_ref().unwrap().environment[1];
        let file = sources.get(a.value_location.file).unwrap();
        assert_eq!(file.path, Path::new("common/base.yml"));
        // Chained across files, interpolated with the project's `.env`.
        assert_eq!(
            environment(&model, &sources, "worker"),
            [("D", "9", "${POOL:-5}"), ("C", "chained", "chained")]
        );
        assert_eq!(replicas(&model, "worker"), Some(4));
    }

    /// The engine asks for companions again once it has read those named: a base
    /// file's `env_file` and its own `extends` file are named relative to it, where it
    /// names them; a base file not read yet is named with what to report if it is
    /// missing.
    #[test]
    fn companions_follow_extends_files_one_file_at_a_time() {
        let compose = "services:\n  web:\n    extends: {file: common/base.yml, service: app}\n  worker:\n    profiles: [jobs]\n    extends: {file: ./common/base.yml, service: chained}\n";
        let mut sources = SourceMap::default();
        let mut parse = |path: &str, text: &str, format: Format, from: Option<FileId>| {
            let from = from.map(|f| (f, 0));
            crate::ecosystems::parsed_in(&mut sources, Path::new(path), text, format, from)
        };
        let main = parse("docker-compose.yml", compose, Format::Yaml, None);
        let base = parse("common/base.yml", BASE, Format::Yaml, Some(main.id));
        let named = |read: &[&ParsedFile], sources: &SourceMap| -> Vec<(String, bool, bool)> {
            Compose
                .companions(&main, compose, read, sources)
                .into_iter()
                .map(|c| {
                    let path = c.path.to_string_lossy().into_owned();
                    (path, c.named_in == Some(base.id), c.missing.is_some())
                })
                .collect()
        };
        let first = named(&[], &sources);
        assert_eq!(
            first,
            [
                (".env".to_owned(), false, false),
                ("common/base.yml".to_owned(), false, true),
                ("common/base.yml".to_owned(), false, true),
            ]
        );
        let second = named(&[&base], &sources);
        assert_eq!(
            second,
            [
                (".env".to_owned(), false, false),
                // web's base: its env_file, named in the base file.
                ("common/app.env".to_owned(), true, true),
                // The worker starts only with `--profile jobs`: a missing env_file
                // would not stop `up`, a missing extends file stops the load.
                ("deep/root.yml".to_owned(), true, true),
            ]
        );
    }

    /// A chain of bases across many files stops after [`super::MAX_EXTENDS`] of them,
    /// without a finding (Compose follows any length; a cycle is refused instead).
    #[test]
    fn a_long_extends_chain_across_files_is_bounded() {
        let compose = "services:\n  web:\n    extends: {file: b0.yml, service: s}\n";
        let files: Vec<(String, String)> = (0..40)
            .map(|i| {
                let next = format!("services:\n  s:\n    extends: {{file: b{}.yml, service: s}}\n    environment: {{V{i}: x}}\n", i + 1);
                (format!("b{i}.yml"), next)
            })
            .collect();
        let companions: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        let (model, sources) = read_with(compose, &companions);
        assert!(
            model.refused_values.is_empty(),
            "{:?}",
            model.refused_values
        );
        assert_eq!(
            environment(&model, &sources, "web").len(),
            super::MAX_EXTENDS
        );
    }

    /// compose-go refuses a cycle of `extends` (`Circular reference`) and a service the
    /// file does not define (`cannot extend service … not found`): reported once, at
    /// the `extends` key of the cycle's first service in the file, or at the name.
    #[test]
    fn extends_cycles_and_missing_services_are_refused() {
        let compose = "services:\n  a:\n    image: x\n    extends: b\n  b:\n    extends:\n      service: a\n  c:\n    extends: a\n  d:\n    extends: {file: other.yml, service: e}\n  f:\n    extends: nowhere\n  g:\n    extends: {file: other.yml, service: missing}\n";
        let other = "services:\n  e:\n    extends: {file: docker-compose.yml, service: d}\n";
        let (model, _) = read_with(compose, &[("other.yml", other)]);
        let refused: Vec<(&str, &str)> = model
            .refused_values
            .iter()
            .map(|r| {
                let at = r.location.span;
                (&compose[at.start..at.end], r.reason.as_str())
            })
            .collect();
        assert_eq!(refused.len(), 4, "{refused:?}");
        assert_eq!(refused[0].0, "extends");
        assert!(
            refused[0]
                .1
                .contains("service `a` extends itself through `extends:` (a → b → a)"),
            "{refused:?}"
        );
        assert!(
            refused[1].1.contains("(d → e (other.yml) → d)"),
            "{refused:?}"
        );
        assert_eq!(refused[2].0, "nowhere");
        assert!(
            refused[2]
                .1
                .contains("service `f` extends `nowhere`, which is not a service"),
            "{refused:?}"
        );
        assert_eq!(refused[3].0, "missing");
        assert!(
            refused[3]
                .1
                .contains("which is not a service in `other.yml`"),
            "{refused:?}"
        );
        // The refused services count as they are written.
        assert_eq!(replicas(&model, "c"), Some(1));
    }

    /// Audit finding: a compose `$${VAR}` is the literal `${VAR}` the container gets
    /// (compose-go `template.go`: `$$` is an escaped `$`), but a .NET connection
    /// string read it as a deployment variable the files do not give, and its pool
    /// size unknown. The driver gets the text, which it refuses as a number; Spring
    /// Boot resolves a literal `${VAR:default}` as its own placeholder.
    #[test]
    fn an_escaped_dollar_is_a_literal_the_process_receives() {
        let compose = "services:\n  app:\n    image: app\n    environment:\n      ConnectionStrings__Db: \"Host=db;Username=app;Password=$${DB_PASSWORD};Maximum Pool Size=$${POOL}\"\n      SPRING_DATASOURCE_URL: jdbc:postgresql://db/app\n      SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE: $${HIKARI_SIZE:30}\n";
        let (model, _) = read_with(compose, &[]);
        let max = |name: &str| {
            let pool = model.pools.iter().find(|p| p.name.contains(name)).unwrap();
            pool.max.value.clone()
        };
        match max("ConnectionStrings.Db") {
            Val::Invalid(invalid) => assert_eq!(invalid.raw, "${POOL}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(max("hikari"), Val::Known(30));
        // A variable the files do not give stays a deployment variable, unknown.
        let unknown = compose.replace("$${POOL}", "${POOL}");
        let (model, _) = read_with(&unknown, &[]);
        let pool = model
            .pools
            .iter()
            .find(|p| p.name == "ConnectionStrings.Db")
            .unwrap();
        assert!(
            matches!(pool.max.value, Val::Unknown(_)),
            "{:?}",
            pool.max.value
        );
    }

    /// `$$` is a `$` wherever Compose interpolates: `$${VAR}` is the text `${VAR}`,
    /// known; `$$$${X}` is `$${X}`; `$$${POOL}` a `$` then POOL's value.
    #[test]
    fn an_escaped_dollar_interpolates_to_a_known_literal() {
        let none: [&HashMap<String, Variable>; 0] = [];
        for (text, expected) in [
            ("$${VAR}", "${VAR}"),
            ("$${VAR:-x}", "${VAR:-x}"),
            ("a$${B}c", "a${B}c"),
            ("$$$${X}", "$${X}"),
            ("$$", "$"),
        ] {
            let result = interpolate(text, &none);
            assert_eq!(result.value, expected, "{text}");
            assert!(!result.unknown, "{text}");
        }
        let result = interpolate("$$${POOL}", &none);
        assert_eq!(result.value, "$${POOL}");
        assert!(result.unknown);
    }

    /// compose-go refuses `scale` and `deploy.replicas` that differ, once interpolated,
    /// for a service it starts; the same number twice loads.
    #[test]
    fn distinct_scale_and_replicas_are_refused() {
        let service = |counts: &str| format!("services:\n  web:\n    image: x\n    {counts}\n");
        for (counts, refused) in [
            ("scale: 2\n    deploy: {replicas: 3}", true),
            ("scale: 3\n    deploy: {replicas: \"3\"}", false),
            ("scale: ${N:-3}\n    deploy: {replicas: 3}", false),
            ("scale: ${N}\n    deploy: {replicas: 3}", false),
            (
                "scale: 2\n    deploy: {replicas: 3}\n    profiles: [x]",
                false,
            ),
            ("scale: 2", false),
        ] {
            let (model, _) = read_with(&service(counts), &[]);
            assert_eq!(!model.refused_values.is_empty(), refused, "{counts}");
        }
        let text = service("scale: 2\n    deploy: {replicas: 3}");
        let (model, _) = read_with(&text, &[]);
        let at = model.refused_values[0].location.span;
        assert_eq!(&text[at.start..at.end], "2");
    }

    /// Audit finding: plain YAML numbers were read as their text. Compose loads the file
    /// with go-yaml, so an `environment:` map value `010` is the number 8, written back
    /// as "8" (Docker Compose 2.40.3 `config`), and `replicas: 0x3` is 3; the list form
    /// and quoted values stay strings.
    #[test]
    fn plain_yaml_numbers_are_read_as_compose_loads_them() {
        let text = "services:\n  app:\n    image: x\n    environment:\n      A: 010\n      B: 0o10\n      C: 1_0\n      D: 1e1\n      E: 10.0\n      F: '010'\n      G: \"1_0\"\n      H: 1e6\n    deploy:\n      replicas: 0x3\n  worker:\n    image: x\n    environment:\n      - A=010\n    scale: 1e1\n  job:\n    image: x\n    deploy: {replicas: 10.0}\n";
        let (model, sources) = read_with(text, &[]);
        assert_eq!(
            environment(&model, &sources, "app"),
            [
                ("A", "8", "010"),
                ("B", "8", "0o10"),
                ("C", "10", "1_0"),
                ("D", "10", "1e1"),
                ("E", "10", "10.0"),
                ("F", "010", "010"),
                ("G", "1_0", "1_0"),
                ("H", "1e+06", "1e6"),
            ]
        );
        assert_eq!(
            environment(&model, &sources, "worker"),
            [("A", "010", "010")]
        );
        assert_eq!(replicas(&model, "app"), Some(3));
        assert_eq!(replicas(&model, "worker"), Some(10));
        assert_eq!(replicas(&model, "job"), Some(10));
    }

    /// Audit finding: counts Compose refuses to load (Docker Compose 2.40.3 `config`)
    /// were counted as 1 instance without a word. Each is a `parse-error` at the value
    /// quoting Compose; a negative count only for a service that starts.
    #[test]
    fn replica_counts_compose_refuses_are_reported_at_the_value() {
        let service = |count: &str| {
            format!("services:\n  web:\n    image: x\n    deploy:\n      replicas: {count}\n")
        };
        for (count, message) in [
            ("abc", "strconv.Atoi: parsing \"abc\": invalid syntax"),
            (
                "-1",
                "services.web.deploy.replicas: must be greater than or equal to 0",
            ),
            ("\"${N:-x}\"", "strconv.Atoi: parsing \"x\": invalid syntax"),
            ("\"3 \"", "strconv.Atoi: parsing \"3 \": invalid syntax"),
            ("\"0x3\"", "strconv.Atoi: parsing \"0x3\": invalid syntax"),
            (
                "\"9223372036854775808\"",
                "parsing \"9223372036854775808\": value out of range",
            ),
            (
                "1.5",
                "services.web.deploy.replicas must be a integer or string",
            ),
            ("true", "must be a integer or string"),
            ("~", "must be a integer or string"),
            ("9223372036854775808", "must be greater than or equal to 0"),
        ] {
            let text = service(count);
            let (model, _) = read_with(&text, &[]);
            assert_eq!(model.refused_values.len(), 1, "{count}");
            let refused = &model.refused_values[0];
            assert!(
                refused.reason.contains(message),
                "{count}: {}",
                refused.reason
            );
            let at = refused.location.span;
            assert_eq!(&text[at.start..at.end], count);
            assert_eq!(replicas(&model, "web"), None, "{count}");
        }
        // Read: a string of digits, and a placeholder the files give no value.
        for (count, expected) in [("\"+3\"", Some(3)), ("\"010\"", Some(10)), ("${N}", None)] {
            let (model, _) = read_with(&service(count), &[]);
            assert!(model.refused_values.is_empty(), "{count}");
            assert_eq!(replicas(&model, "web"), expected, "{count}");
        }
        // Compose checks the sign only for the services it starts.
        let (model, _) = read_with(&format!("{}    profiles: [x]\n", service("-1")), &[]);
        assert!(model.refused_values.is_empty());
        let (model, _) = read_with(
            &service("abc").replace("deploy:\n      replicas", "scale"),
            &[],
        );
        assert!(model.refused_values[0]
            .reason
            .contains("services.web.scale"));
    }

    /// Audit finding: `image` was read as written, so an interpolated image (and the
    /// `:` of `:-` taken for the tag's) ran no PostgreSQL. Compose interpolates it with
    /// the project's `.env` first.
    #[test]
    fn an_interpolated_image_is_read_after_interpolation() {
        let text = "services:\n  db:\n    image: postgres:${PG_VERSION:-16}\n  db2:\n    image: \"${DB_IMAGE:-redis}\"\n  db3:\n    image: \"${OTHER:-postgres:16}\"\n  cache:\n    image: \"${CACHE_IMAGE:-postgres}\"\n";
        let (model, _) = read_with(
            text,
            &[(".env", "DB_IMAGE=postgres:15\nCACHE_IMAGE=redis:7\n")],
        );
        let databases: Vec<&str> = model.databases.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(databases, ["db", "db2", "db3"]);
    }

    /// Audit finding: a string `command` was split into words before interpolation, so
    /// `${PGCMD:-postgres -c max_connections=6}` gave the flag value `6}`. Compose
    /// interpolates the string, then splits it (Docker Compose 2.40.3 `config`); a word
    /// interpolation changed points at all it was made from, a list item is one word.
    #[test]
    fn a_command_string_is_interpolated_then_split() {
        let text = "services:\n  db:\n    image: postgres:16\n    command: \"${PGCMD:-postgres -c max_connections=6}\"\n  db2:\n    image: postgres:16\n    command: postgres -c max_connections=${N:-7} -c 'statement_timeout=${Q}' -c idle_session_timeout=$Q\n  db3:\n    image: postgres:16\n    command: [\"postgres\", \"-c\", \"${F:-max_connections=5 }\"]\n";
        let (model, sources) = read_with(text, &[(".env", "Q=5 b\n")]);
        let words = |service: &str| -> Vec<(String, String)> {
            let service = model.services.iter().find(|s| s.name == service).unwrap();
            let deployment = service.deployment.as_ref().unwrap();
            deployment
                .command
                .iter()
                .map(|w| {
                    let file = sources.get(w.location.file).unwrap();
                    (w.text.clone(), file.slice(w.location.span).to_owned())
                })
                .collect()
        };
        let whole = "${PGCMD:-postgres -c max_connections=6}";
        assert_eq!(
            words("db"),
            [
                ("postgres", whole),
                ("-c", whole),
                ("max_connections=6", whole)
            ]
            .map(|(w, at)| (w.to_owned(), at.to_owned()))
        );
        assert_eq!(
            words("db2"),
            [
                ("postgres", "postgres"),
                ("-c", "-c"),
                ("max_connections=7", "max_connections=${N:-7}"),
                ("-c", "-c"),
                ("statement_timeout=5 b", "statement_timeout=${Q}"),
                ("-c", "-c"),
                ("idle_session_timeout=5", "idle_session_timeout=$Q"),
                ("b", "$Q"),
            ]
            .map(|(w, at)| (w.to_owned(), at.to_owned()))
        );
        assert_eq!(words("db3")[2].0, "max_connections=5 ");
        let max_connections = |name: &str| {
            let db = model.databases.iter().find(|d| d.name == name).unwrap();
            let at = db.max_connections.location().unwrap();
            let file = sources.get(at.file).unwrap();
            (
                db.max_connections.value.clone(),
                file.slice(at.span).to_owned(),
            )
        };
        assert_eq!(max_connections("db"), (Val::Known(6), whole.to_owned()));
        assert_eq!(
            max_connections("db2"),
            (Val::Known(7), "max_connections=${N:-7}".to_owned())
        );
    }

    /// A string `command`'s backslashes were kept: compose-go splits it with
    /// go-shellwords, where a backslash outside single quotes quotes the next character
    /// (`a\ b` is one word `a b`, `"\d"` is `d`).
    #[test]
    fn a_command_strings_backslashes_quote_as_go_shellwords_does() {
        let text = "services:\n  db:\n    image: postgres:16\n    command: postgres -c max_connections=1\\00 -c application_name=a\\ \"\\b\"\n";
        let (model, _) = read_with(text, &[]);
        let deployment = model.services[0].deployment.as_ref().unwrap();
        let words: Vec<&str> = deployment.command.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(
            words,
            [
                "postgres",
                "-c",
                "max_connections=100",
                "-c",
                "application_name=a b"
            ]
        );
        assert_eq!(model.databases[0].max_connections.value, Val::Known(100));
    }

    /// Audit finding: `profiles:` were read as written, so `${PR:-web}` was not the
    /// profile `web` that `.env`'s `COMPOSE_PROFILES` activates, and the service counted
    /// no instance; Compose interpolates them (Docker Compose 2.40.3 starts it).
    #[test]
    fn profiles_are_interpolated_with_the_project_dotenv() {
        let text = "services:\n  app:\n    image: x\n    profiles: [\"${PR:-web}\"]\n  worker:\n    image: x\n    profiles: [\"${WP}\"]\n  job:\n    image: x\n    profiles: [\"${JP:-batch}\"]\n";
        let (model, _) = read_with(text, &[(".env", "COMPOSE_PROFILES=web\nWP=web\n")]);
        assert_eq!(replicas(&model, "app"), Some(1));
        assert_eq!(replicas(&model, "worker"), Some(1));
        assert_eq!(replicas(&model, "job"), Some(0));
    }

    /// The engine reads `.env` and every service's `env_file:`: a missing one is
    /// reported unless it is optional or its service does not start by default.
    #[test]
    fn companions_are_the_dotenv_and_env_files() {
        let compose = "services:\n  web:\n    image: x\n    env_file: [a.env, {path: b.env, required: false}, \"${DIR:-conf}/c.env\", \"${UNSET}/d.env\"]\n  debug:\n    image: x\n    profiles: [debug]\n    env_file: e.env\n";
        let file = ParsedFile {
            id: FileId(0),
            path: "app/docker-compose.yml".into(),
            format: Format::Yaml,
            doc: crate::syntax::parse(Format::Yaml, compose),
            included_from: None,
        };
        let companions: Vec<(String, bool)> = Compose
            .companions(&file, compose, &[], &SourceMap::default())
            .into_iter()
            .map(|c| (c.path.to_string_lossy().into_owned(), c.missing.is_some()))
            .collect();
        let expected = [
            ("app/.env", false),
            ("app/a.env", true),
            ("app/b.env", false),
            ("app/conf/c.env", true),
            ("app/e.env", false),
        ];
        let expected: Vec<(String, bool)> = expected
            .iter()
            .map(|(p, m)| ((*p).to_owned(), *m))
            .collect();
        assert_eq!(companions, expected);
    }

    /// Audit findings on `env_file:` options, against Docker Compose 2.40.3 `config`: a
    /// `format: raw` file keeps its quotes (`X="6"` is `"6"`); `format: RAW` is refused
    /// (`unsupported env_file format`); `required:` is interpolated and read as
    /// compose-go reads a boolean, so `"${REQ}"` with `REQ=false` and `no` go on
    /// without the file.
    #[test]
    fn env_file_options_are_read_as_compose_reads_them() {
        let compose = "services:\n  app:\n    image: x\n    env_file:\n      - path: raw.env\n        format: raw\n      - path: upper.env\n        format: RAW\n      - path: gone.env\n        required: \"${REQ}\"\n      - path: gone2.env\n        required: no\n      - path: gone3.env\n        required: \"${REQ_UNSET:-true}\"\n";
        let raw = "X=\"6\"\n  # comment\nY='7' \r\nZ=a=${B}\n";
        let (model, sources) = read_with(
            compose,
            &[
                (".env", "REQ=false\n"),
                ("raw.env", raw),
                ("upper.env", "U=1\n"),
            ],
        );
        let env: Vec<(&str, &str, &str)> = environment(&model, &sources, "app");
        assert_eq!(
            env,
            [
                ("X", "\"6\"", "\"6\""),
                ("Y", "'7' ", "'7' "),
                ("Z", "a=${B}", "a=${B}"),
                ("U", "1", "1"),
            ]
        );
        assert_eq!(model.refused_values.len(), 1, "{:?}", model.refused_values);
        let refused = &model.refused_values[0];
        assert!(refused
            .reason
            .contains("unsupported env_file format \"RAW\""));
        let at = refused.location.span;
        assert_eq!(&compose[at.start..at.end], "RAW");
        // The missing files: only the one still required is reported.
        let mut sources = SourceMap::default();
        let dotenv = crate::ecosystems::parsed_in(
            &mut sources,
            Path::new("app/.env"),
            "REQ=false\n",
            DOTENV,
            None,
        );
        let file = ParsedFile {
            id: FileId(100),
            path: "app/docker-compose.yml".into(),
            format: Format::Yaml,
            doc: crate::syntax::parse(Format::Yaml, compose),
            included_from: None,
        };
        let missing: Vec<String> = Compose
            .companions(&file, compose, &[&dotenv], &sources)
            .into_iter()
            .filter(|c| c.missing.is_some())
            .map(|c| c.path.to_string_lossy().into_owned())
            .collect();
        assert_eq!(missing, ["app/raw.env", "app/upper.env", "app/gone3.env"]);
    }

    /// Audit finding: templates Compose refuses to interpolate (Docker Compose 2.40.3:
    /// `invalid interpolation format`, anywhere in a value) were not reported, and
    /// `$1abc`, literal text in Compose, was read as a variable `1abc`.
    #[test]
    fn templates_compose_refuses_are_reported_at_the_template() {
        for template in [
            "${}",
            "${X.Y}",
            "${ÄB}",
            "${X:=4}",
            "${1A}",
            "${X:-${}}",
            "${X",
        ] {
            let text = format!(
                "services:\n  app:\n    image: x\n    labels:\n      l: \"a {template}\"\n"
            );
            let (model, _) = read_with(&text, &[]);
            assert_eq!(model.refused_values.len(), 1, "{template}");
            let refused = &model.refused_values[0];
            assert!(
                refused.reason.contains("invalid interpolation format"),
                "{template}"
            );
            let at = refused.location.span;
            assert_eq!(&text[at.start..at.end], template);
        }
        // Read: `$$`, a lone `$`, a `}` after a template, and keys, which Compose
        // does not interpolate.
        let text = "services:\n  app:\n    image: x\n    labels:\n      \"${}\": \"$${} $ ${X:-a}} ${_a} ${X:?} $1abc\"\n    environment:\n      A: $1abc\n      B: a$1\n";
        let (model, sources) = read_with(text, &[(".env", "1abc=no\n")]);
        assert!(
            model.refused_values.is_empty(),
            "{:?}",
            model.refused_values
        );
        let env = environment(&model, &sources, "app");
        assert_eq!(env[0].1, "$1abc");
        assert_eq!(env[1].1, "a$1");
    }

    /// Audit finding: a `services:` that is null or a list, and a service that is not a
    /// mapping, were read as no services ("No problems found"); Docker Compose 2.40.3
    /// refuses to load the file (`… must be a mapping`).
    #[test]
    fn services_that_are_not_mappings_are_refused() {
        for (text, path, at) in [
            ("services:\n", "services", "services"),
            ("services: []\n", "services", "[]"),
            ("services:\n  - app\n", "services", "- app"),
            ("services:\n  app: ~\n", "services.app", "~"),
            (
                "services:\n  app:\n  db:\n    image: x\n",
                "services.app",
                "app",
            ),
            ("services:\n  app: x\n", "services.app", "x"),
        ] {
            let (model, _) = read_with(text, &[]);
            assert_eq!(model.refused_values.len(), 1, "{text}");
            let refused = &model.refused_values[0];
            assert!(
                refused
                    .reason
                    .contains(&format!("`{path} must be a mapping`")),
                "{text}: {}",
                refused.reason
            );
            let span = refused.location.span;
            assert_eq!(text[span.start..span.end].trim_end(), at, "{text}");
        }
        let (model, _) = read_with("services: {}\n", &[]);
        assert!(model.refused_values.is_empty());
    }

    /// Audit finding: a folded (`>`) `command` pointed every word at the whole block;
    /// each word now points at its own text, as in a one-line command.
    #[test]
    fn a_folded_command_points_inside_the_block() {
        let text = "services:\n  db:\n    image: postgres:16\n    command: >\n      postgres\n      -c max_connections=${N:-6}\n\n      -c 'statement_timeout=5s'\n";
        let (model, sources) = read_with(text, &[]);
        let deployment = model.services[0].deployment.as_ref().unwrap();
        let file = sources.get(deployment.command[0].location.file).unwrap();
        let words: Vec<(&str, &str)> = deployment
            .command
            .iter()
            .map(|w| (w.text.as_str(), file.slice(w.location.span)))
            .collect();
        assert_eq!(
            words,
            [
                ("postgres", "postgres"),
                ("-c", "-c"),
                ("max_connections=6", "max_connections=${N:-6}"),
                ("-c", "-c"),
                ("statement_timeout=5s", "statement_timeout=5s"),
            ]
        );
    }

    /// A summary is copied into blocks of its own once its unit's trees are freed, as a
    /// model is (`engine::pack`): held to the join, the copy read beside the trees kept
    /// their pages (the 10k benchmark tree's compose files peaked 2.5 MB higher).
    #[test]
    fn a_packed_summary_holds_a_copy_of_each_project() {
        let mut sources = SourceMap::default();
        let text = "services:\n  web:\n    image: app\n    deploy:\n      replicas: 2\n";
        let file = crate::ecosystems::parsed_in(
            &mut sources,
            Path::new("compose.yaml"),
            text,
            Format::Yaml,
            None,
        );
        let mut summary = Compose.summarise(&[&file], &sources).unwrap();
        let services = |s: &Summary| {
            let s = s.downcast_ref::<ComposeSummary>().unwrap();
            s.projects[0].model.services.as_ptr()
        };
        let before = services(&summary);
        Compose.pack_summary(&mut summary);
        assert_ne!(services(&summary), before);
        let model = Compose.join(vec![summary]);
        assert_eq!(replicas(&model, "web"), Some(2));
    }
}
