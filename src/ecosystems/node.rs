//! Node.js pool configuration in JSON: knex (`knexfile.json`), TypeORM
//! (`ormconfig.json`), Sequelize (`config/config.json` with `dialect`) and node-postgres
//! style objects (`max`, `idleTimeoutMillis`, `connectionTimeoutMillis`) in JSON files
//! under a `config/` directory. Facts and defaults: rules-catalogue §1.7 [NPG-DOC]
//! [KNEX-DOC][TARN]; Sequelize's pool defaults (max 5, min 0, acquire 60 s, idle 10 s)
//! from its documentation. JSON files that hold none of these are skipped.
//!
//! An application is the directory its process runs in: node-config's files in its
//! `config/` directory are merged per environment as node-config loads them
//! ([`read_node_config`]), and the processes its PM2 process file starts ([`pm2`])
//! multiply all its pools.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::{file_name, ParsedFile, Reader};
use crate::model::{
    ClassSettings, ConfigEntry, Ecosystem, EntryKey, Library, Location, Model, NamedSettings,
    Origin, Pool, Service, Setting, StaticText, Val,
};
use crate::source::{FileId, SourceMap};
use crate::syntax::{Document, Format, NodeId};

mod merge;
mod pm2;

pub struct Node;

const NPG_DOC: &str = "https://node-postgres.com/apis/pool";
const KNEX_DOC: &str = "https://knexjs.org/guide/#pool";
const SEQUELIZE_DOC: &str = "https://sequelize.org/api/v6/class/src/sequelize.js~sequelize#instance-constructor-constructor";
const SEQUELIZE_POOL_SRC: &str =
    "https://github.com/sequelize/sequelize-pool/blob/master/src/Pool.ts";
const TYPEORM_DOC: &str =
    "https://typeorm.io/data-source-options#postgres--cockroachdb-data-source-options";

/// Files that are never pool configuration.
const NOT_CONFIG: &[&str] = &[
    "package.json",
    "package-lock.json",
    "tsconfig.json",
    "composer.json",
];

impl Reader for Node {
    fn ecosystem(&self) -> Ecosystem {
        Ecosystem::Node
    }

    fn recognise(&self, path: &Path) -> Option<Format> {
        let name = file_name(path)?;
        if let Some(format) = pm2::format_of(name) {
            return Some(format);
        }
        if NOT_CONFIG.contains(&name) || !name.ends_with(".json") {
            return None;
        }
        let in_config = path
            .ancestors()
            .skip(1)
            .any(|d| d.file_name().and_then(|n| n.to_str()) == Some("config"));
        // Node's `require()` reads knex's, TypeORM's and sequelize-cli's files with
        // `JSON.parse`; node-config's `config/*.json` takes comments (its own parser).
        if matches!(name, "knexfile.json" | "ormconfig.json")
            || (name == "config.json" && in_config_dir(path))
        {
            return Some(Format::StrictJson);
        }
        in_config.then_some(Format::Json)
    }

    fn accepts(&self, text: &str) -> bool {
        let pool_keys = [
            "\"pool\"",
            "\"max\"",
            "\"poolSize\"",
            "\"dialect\"",
            "\"client\"",
            "\"connectionTimeoutMillis\"",
            "\"connectionLimit\"",
        ];
        pool_keys.iter().any(|k| text.contains(k))
            || (text.contains("\"type\"") && text.contains("\"entities\""))
    }

    /// A node-config file is read when it names any pool or connection setting (an
    /// environment's file may change one setting of a pool defined in another), and a
    /// PM2 process file when it names a script or apps.
    fn accepts_file(&self, path: &Path, text: &str) -> bool {
        if self.accepts(text) {
            return true;
        }
        let mentions = |words: &[&str]| words.iter().any(|w| text.contains(w));
        if pm2::format_of(file_name(path).unwrap_or("")).is_some() {
            return mentions(&["apps", "script"]);
        }
        NodeConfigFile::of_path(path).is_some()
            && mentions(&[
                "min",
                "idle",
                "acquire",
                "Lifetime",
                "host",
                "user",
                "database",
                "connection",
                "ssl",
                "extra",
            ])
    }

    /// An application is the directory its process runs in: the one holding its
    /// `knexfile.json` or PM2 process file, above its `config/` directory.
    fn unit<'p>(&self, path: &'p Path) -> Option<&'p Path> {
        app_root(path)
    }

    /// `config/` and the application's directory above it.
    fn sibling_dirs(&self, path: &Path, dir: &Path) -> Vec<PathBuf> {
        if in_config_dir(path) {
            return std::iter::once(dir.to_path_buf())
                .chain(dir.parent().map(Path::to_path_buf))
                .collect();
        }
        vec![dir.to_path_buf(), dir.join("config")]
    }

    fn read(&self, files: &[&ParsedFile], sources: &SourceMap) -> Model {
        let mut apps: BTreeMap<PathBuf, Vec<&ParsedFile>> = BTreeMap::new();
        for file in files {
            let root = app_root(&file.path)
                .map(Path::to_path_buf)
                .unwrap_or_default();
            apps.entry(root).or_default().push(file);
        }
        let mut model = Model::default();
        for files in apps.into_values() {
            model.extend(read_app(&files, sources));
        }
        model
    }
}

/// Whether `path` is directly in a directory named `config`.
fn in_config_dir(path: &Path) -> bool {
    path.parent()
        .and_then(|d| d.file_name())
        .and_then(|n| n.to_str())
        == Some("config")
}

/// The directory an application's process runs in: above `config/` for a file in it.
fn app_root(path: &Path) -> Option<&Path> {
    let dir = path.parent()?;
    if in_config_dir(path) {
        return dir.parent();
    }
    Some(dir)
}

/// One application's files: its node-config files merged per environment, every other
/// configuration file on its own, and the processes its PM2 file starts multiplying
/// them all.
fn read_app(files: &[&ParsedFile], sources: &SourceMap) -> Model {
    let mut model = Model::default();
    let text = |file: &ParsedFile| sources.get(file.id).map_or("", |f| f.text());
    let (pm2_files, configs): (Vec<&ParsedFile>, Vec<&ParsedFile>) = files
        .iter()
        .copied()
        .partition(|f| file_name(&f.path).and_then(pm2::format_of).is_some());
    let (node_config, own): (Vec<&ParsedFile>, Vec<&ParsedFile>) = configs
        .into_iter()
        .partition(|f| NodeConfigFile::of(f).is_some());
    for file in own {
        read_own_file(file, text(file), &mut model);
    }
    if !node_config.is_empty() {
        read_node_config(&node_config, sources, &mut model);
    }
    let mut notes = Vec::new();
    let processes = read_processes(&pm2_files, sources, &mut model, &mut notes);
    // What was not read of a process file matters only to an application with pools.
    if !model.services.is_empty() {
        model.notes.append(&mut notes);
    }
    if let Some(processes) = processes {
        for service in &mut model.services {
            service.processes = Some(Box::new(processes.clone()));
        }
    }
    model
}

/// The processes per instance the application's PM2 process file starts (the first of
/// [`pm2::FILES`] present), with a note when a `.js` one cannot be read. Every process
/// file's passwords are masked.
fn read_processes(
    files: &[&ParsedFile],
    sources: &SourceMap,
    model: &mut Model,
    notes: &mut Vec<String>,
) -> Option<Setting<i64>> {
    let text = |file: &ParsedFile| sources.get(file.id).map_or("", |f| f.text());
    let mut read = Vec::new();
    for file in files {
        let parsed = match pm2::document(file, text(file)) {
            Ok(Some(doc)) => ParsedFile {
                doc,
                ..(*file).clone()
            },
            Ok(None) => (*file).clone(),
            Err(why) => {
                notes.push(format!(
                    "{}: PM2 processes not read: {why}; poollint reads a `.js` process file only when it sets `module.exports` to a literal object of JSON-like values, so the processes it starts are not counted (`processes` in poollint.toml sets them)",
                    crate::source::display_path(&file.path)
                ));
                continue;
            }
        };
        model
            .secrets
            .extend(super::document_secrets(&parsed, text(file), &|_| false));
        read.push(parsed);
    }
    let chosen = pm2::FILES
        .iter()
        .find_map(|name| read.iter().find(|f| file_name(&f.path) == Some(*name)))?;
    pm2::processes(chosen, &chosen.doc, notes)
}

/// A configuration file read on its own: knex's, TypeORM's, Sequelize's, or JSON under
/// a `config/` directory that node-config does not load as one of its files.
fn read_own_file(file: &ParsedFile, text: &str, model: &mut Model) {
    let Some(root) = file.doc.roots.first().copied() else {
        return;
    };
    let sources = [(file, text)];
    let reader = JsonReader {
        doc: &file.doc,
        sources: &sources,
        layers: None,
        variables: &[],
    };
    let kind = Kind::of(file_name(&file.path).unwrap_or(""));
    let mut pools = Vec::new();
    reader.walk(root, "", kind, 0, &mut pools, model);
    let paths: Vec<&str> = pools.iter().map(|(path, _)| path.as_str()).collect();
    mask_secrets(file, text, &paths, model);
    push_service(
        crate::source::display_dir(&file.path),
        pools.into_iter().map(|(_, pool)| pool).collect(),
        model,
    );
}

/// Every password of the file is masked (a finding's snippet may show any line); those
/// of a pool's object (one of `pool_paths`) are its credentials, which the rule reports.
fn mask_secrets(file: &ParsedFile, text: &str, pool_paths: &[&str], model: &mut Model) {
    let in_pool = |path: &str| pool_paths.iter().any(|pool| is_within(path, pool));
    model
        .secrets
        .extend(super::document_secrets(file, text, &in_pool));
}

/// A service of `pools`, when there are any.
fn push_service(name: String, pools: Vec<Pool>, model: &mut Model) {
    if pools.is_empty() {
        return;
    }
    let first = model.pools.len();
    let count = pools.len();
    model.pools.extend(pools.into_iter().map(Box::new));
    model.services.push(Service::new(
        name,
        Ecosystem::Node,
        (first..first + count).collect(),
    ));
}

/// What a file directly in `config/` is to node-config, which loads `default`, then the
/// deployment's file (`NODE_ENV`, e.g. `production`), then `local` and
/// `local-<deployment>`, each merged over the ones before, and at last the variables
/// `custom-environment-variables` maps (`loadFileConfigs`, node-config `lib/config.js`;
/// the wiki's "Configuration Files", File Load Order). Host-name and instance files are
/// not read as node-config's; deployments are the usual environment names.
#[derive(Debug, Clone, PartialEq)]
enum NodeConfigFile {
    Default,
    Local,
    Environment(&'static str),
    LocalEnvironment(&'static str),
    Variables,
}

impl NodeConfigFile {
    fn of(file: &ParsedFile) -> Option<Self> {
        Self::of_path(&file.path)
    }

    fn of_path(path: &Path) -> Option<Self> {
        if !in_config_dir(path) || Kind::of(file_name(path)?) != Kind::Other {
            return None;
        }
        let stem = path.file_stem()?.to_str()?;
        let environment = |name: &str| {
            ENVIRONMENTS
                .iter()
                .copied()
                .find(|e| *e == name && *e != "local")
        };
        Some(match stem {
            "default" => NodeConfigFile::Default,
            "local" => NodeConfigFile::Local,
            "custom-environment-variables" => NodeConfigFile::Variables,
            _ => match stem.strip_prefix("local-") {
                Some(name) => NodeConfigFile::LocalEnvironment(environment(name)?),
                None => NodeConfigFile::Environment(environment(stem)?),
            },
        })
    }

    fn environment(&self) -> Option<&'static str> {
        match self {
            NodeConfigFile::Environment(e) | NodeConfigFile::LocalEnvironment(e) => Some(e),
            _ => None,
        }
    }
}

/// An application's node-config files: the pools of `default` and `local` merged (what
/// runs in an environment without files of its own), and for each environment with a
/// file, the pools of its merged configuration that differ from those (that
/// environment's profile). Each value keeps the file and place it is written at.
fn read_node_config(files: &[&ParsedFile], sources: &SourceMap, model: &mut Model) {
    let find = |wanted: NodeConfigFile| {
        files
            .iter()
            .copied()
            .find(|f| NodeConfigFile::of(f).as_ref() == Some(&wanted))
    };
    let variables = find(NodeConfigFile::Variables)
        .map(read_variables)
        .unwrap_or_default();
    let (default, local) = (find(NodeConfigFile::Default), find(NodeConfigFile::Local));
    let mut environments: Vec<&'static str> = files
        .iter()
        .filter_map(|f| NodeConfigFile::of(f)?.environment())
        .collect();
    environments.sort_by_key(|e| ENVIRONMENTS.iter().position(|known| known == e));
    environments.dedup();
    let mut read = Model::default();
    let base = merged_pools(&[default, local], None, &variables, sources, &mut read);
    let mut pools = base.clone();
    for environment in environments {
        let layers = [
            default,
            find(NodeConfigFile::Environment(environment)),
            local,
            find(NodeConfigFile::LocalEnvironment(environment)),
        ];
        for (path, pool) in merged_pools(&layers, Some(environment), &variables, sources, &mut read)
        {
            let as_base = |(base_path, base): &(String, Pool)| {
                *base_path == path
                    && Pool {
                        profile: base.profile.clone(),
                        ..pool.clone()
                    } == *base
            };
            if !base.iter().any(as_base) {
                pools.push((path, pool));
            }
        }
    }
    // Entries are each file's: the same key read in several environments' merges is
    // one entry.
    let mut seen = HashSet::new();
    model.entries.extend(
        read.entries
            .iter()
            .filter(|e| seen.insert((e.file, e.key_span)))
            .cloned(),
    );
    let paths: Vec<&str> = pools.iter().map(|(path, _)| path.as_str()).collect();
    for file in files {
        let text = sources.get(file.id).map_or("", |f| f.text());
        mask_secrets(file, text, &paths, model);
    }
    let name = files
        .first()
        .map(|f| crate::source::display_dir(&f.path))
        .unwrap_or_default();
    push_service(
        name,
        pools.into_iter().map(|(_, pool)| pool).collect(),
        model,
    );
}

/// The pools of the configuration `layers` (the files present, in load order) make once
/// merged, as `environment`'s profile unless a pool's own key names one.
fn merged_pools(
    layers: &[Option<&ParsedFile>],
    environment: Option<&str>,
    variables: &[Variable],
    sources: &SourceMap,
    model: &mut Model,
) -> Vec<(String, Pool)> {
    let files: Vec<(&ParsedFile, &str)> = layers
        .iter()
        .flatten()
        .map(|f| (*f, sources.get(f.id).map_or("", |s| s.text())))
        .collect();
    let merged;
    let (doc, layer) = match files.as_slice() {
        [] => return Vec::new(),
        [(only, _)] => (&only.doc, None),
        _ => {
            let docs: Vec<&Document> = files.iter().map(|(f, _)| &f.doc).collect();
            merged = merge::merge(&docs);
            (&merged.doc, Some(merged.layer.as_slice()))
        }
    };
    let Some(root) = doc.roots.first().copied() else {
        return Vec::new();
    };
    let reader = JsonReader {
        doc,
        sources: &files,
        layers: layer,
        variables,
    };
    let mut pools = Vec::new();
    reader.walk(root, "", Kind::Other, 0, &mut pools, model);
    if let Some(environment) = environment {
        for (_, pool) in &mut pools {
            pool.profile.get_or_insert_with(|| environment.to_owned());
        }
    }
    pools
}

/// A key `custom-environment-variables.json` maps to an environment variable: when the
/// process has the variable (and it is not empty), its value replaces the key's
/// (`getCustomEnvVars` and `substituteDeep`, node-config `lib/config.js`).
#[derive(Debug, Clone)]
struct Variable {
    /// The key's path (`db.max`).
    path: String,
    name: String,
    /// True when node-config gives the value as a number (`__format` `number`, `json`,
    /// `yaml`…: `Parser.numberParser` and the format parsers, node-config `parser.js`);
    /// a plain mapping gives the variable's string.
    numeric: bool,
    location: Location,
}

/// The mappings of a `custom-environment-variables.json`: each string leaf names a
/// variable, and an object with `__name` and `__format` one parsed in that format.
fn read_variables(file: &ParsedFile) -> Vec<Variable> {
    let doc = &file.doc;
    let mut found = Vec::new();
    let mut work: Vec<(NodeId, String)> = doc.roots.iter().map(|r| (*r, String::new())).collect();
    let mut visited = HashSet::new();
    while let Some((node, path)) = work.pop() {
        let node = doc.resolve(node);
        if !visited.insert(node) {
            continue;
        }
        let mapped = |name: NodeId, numeric: bool| {
            doc.text(name).map(|n| Variable {
                path: path.clone(),
                name: n.to_owned(),
                numeric,
                location: Location {
                    file: file.id,
                    span: doc.span(name),
                },
            })
        };
        if doc.scalar(node).is_some() {
            found.extend(mapped(node, false));
            continue;
        }
        if let (Some(name), Some(format)) = (doc.get(node, "__name"), doc.get(node, "__format")) {
            let numeric = doc.text(format).is_some_and(|f| {
                matches!(f, "number" | "json" | "json5" | "hjson" | "yaml" | "yml")
            });
            found.extend(mapped(name, numeric));
            continue;
        }
        for entry in doc.entries(node) {
            if let Some(key) = doc.text(entry.key) {
                work.push((entry.value, join(&path, key)));
            }
        }
    }
    found
}

/// `prefix.key`, or `key` at the root.
fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

/// Whether the key at `path` is inside the object at `object` (`""` is the root).
fn is_within(path: &str, object: &str) -> bool {
    object.is_empty()
        || path
            .strip_prefix(object)
            .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
}

/// Top-level keys that name an environment (knexfile and Sequelize `config.json`
/// environments): a process loads one of them (`NODE_ENV`), so their pools are that
/// profile's, not pools that all run at once.
const ENVIRONMENTS: &[&str] = &[
    "development",
    "dev",
    "production",
    "prod",
    "staging",
    "stage",
    "test",
    "testing",
    "local",
    "qa",
    "ci",
];

/// The environment a pool at `path` belongs to (`production.pool` → `production`).
/// Every top-level entry of a knexfile and every top-level Sequelize configuration is
/// an environment, whatever its name (`preprod`, `uat`): knex's CLI loads
/// `allConfigs[NODE_ENV]` (knex `bin/utils/cli-config-utils.js`
/// `resolveEnvironmentConfig`) and sequelize-cli `config[env]`. Elsewhere only the
/// usual environment names are.
fn environment_of(path: &str, kind: Kind, library: Library) -> Option<String> {
    let first = path.split(['.', '[']).next()?;
    let top_level = !first.is_empty() && first.len() == path.len();
    let always = top_level && (kind == Kind::Knex || library == Library::Sequelize);
    (always || ENVIRONMENTS.contains(&first)).then(|| first.to_owned())
}

/// A number of milliseconds as written, fractions kept (`1.5` is 1.5 ms, not 1); a
/// negative one is 0.
/// A pg.Pool's size as pg-pool takes it: `max || poolSize || 10`
/// (brianc/node-postgres `packages/pg-pool/index.js`), so a `max` of 0 (or none) gives
/// `poolSize`, and one of 0 (or none) 10 [NPG-DOC], a default of `library` (with its
/// `doc`) pointing at the `max` written, else at `anchor`.
fn pg_pool_size(
    max: Option<Setting<i64>>,
    pool_size: Option<Setting<i64>>,
    (library, doc, anchor): (StaticText, StaticText, Option<Location>),
) -> Setting<i64> {
    let zero = |setting: &Setting<i64>| setting.get() == Some(&0);
    match max {
        Some(max) if !zero(&max) => max,
        written => match pool_size {
            Some(size) if !zero(&size) => size,
            _ => Setting::known(
                10,
                Origin::Default {
                    library,
                    doc,
                    anchor: written.and_then(|m| m.location()).or(anchor),
                },
            ),
        },
    }
}

fn millis_duration(v: f64) -> Result<Duration, String> {
    Duration::try_from_secs_f64(v.max(0.0) / 1000.0)
        .map_err(|_| format!("{v} milliseconds is out of range"))
}

/// The engine (as URLs name it, see `links::pool_family`) a knex `client`, Sequelize
/// `dialect` or TypeORM `type` selects; None for a name not known.
fn engine_of(selector: &str) -> Option<&'static str> {
    Some(match selector.trim().to_ascii_lowercase().as_str() {
        "pg" | "pg-native" | "pgnative" | "postgres" | "postgresql" => "postgresql",
        "mysql" | "mysql2" => "mysql",
        "mariadb" => "mariadb",
        "cockroachdb" => "cockroachdb",
        "redshift" => "redshift",
        "mssql" | "tedious" => "sqlserver",
        "oracledb" | "oracle" => "oracle",
        "db2" => "db2",
        _ => return None,
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Knex,
    TypeOrm,
    Other,
}

impl Kind {
    fn of(name: &str) -> Kind {
        match name {
            "knexfile.json" => Kind::Knex,
            "ormconfig.json" => Kind::TypeOrm,
            _ => Kind::Other,
        }
    }
}

/// Most objects nested below the root that are searched for pool settings.
const MAX_DEPTH: usize = 4;

struct JsonReader<'a> {
    doc: &'a Document,
    /// The files the document's nodes are written in, with their texts (to place
    /// values inside their quotes): one file, or the layers of a node-config merge.
    sources: &'a [(&'a ParsedFile, &'a str)],
    /// For a merged document, the layer (index into `sources`) of each node.
    layers: Option<&'a [usize]>,
    /// The keys node-config's `custom-environment-variables.json` maps to variables.
    variables: &'a [Variable],
}

impl<'a> JsonReader<'a> {
    /// The file `node` is written in, and its text.
    fn source(&self, node: NodeId) -> Option<(&'a ParsedFile, &'a str)> {
        let layer = self
            .layers
            .and_then(|layers| layers.get(node.0).copied())
            .unwrap_or(0);
        self.sources.get(layer).copied()
    }

    fn file_id(&self, node: NodeId) -> FileId {
        self.source(node).map_or(FileId(0), |(file, _)| file.id)
    }

    fn text_of(&self, node: NodeId) -> &'a str {
        self.source(node).map_or("", |(_, text)| text)
    }

    fn location(&self, node: NodeId) -> Location {
        Location {
            file: self.file_id(node),
            span: self.doc.span(node),
        }
    }

    /// Find pool configurations: the object itself, or objects below it (environments,
    /// `db`, arrays of TypeORM connections).
    fn walk(
        &self,
        node: NodeId,
        path: &str,
        kind: Kind,
        depth: usize,
        pools: &mut Vec<(String, Pool)>,
        model: &mut Model,
    ) {
        if depth > MAX_DEPTH {
            return;
        }
        let node = self.doc.resolve(node);
        if let Some(items) = self.doc.seq(node) {
            for (i, item) in items.iter().enumerate() {
                self.walk(
                    *item,
                    &format!("{path}[{i}]"),
                    kind,
                    depth + 1,
                    pools,
                    model,
                );
            }
            return;
        }
        if !self.doc.is_map(node) {
            return;
        }
        if let Some(pool) = self.pool_at(node, path, kind, model) {
            let profile = environment_of(path, kind, pool.library);
            pools.push((path.to_owned(), Pool { profile, ..pool }));
            return;
        }
        for entry in self.doc.entries(node) {
            let Some(key) = self.doc.text(entry.key) else {
                continue;
            };
            let child = if path.is_empty() {
                key.to_owned()
            } else {
                format!("{path}.{key}")
            };
            self.walk(entry.value, &child, kind, depth + 1, pools, model);
        }
    }

    /// Whether an object with node-postgres pool keys says it connects to a database: a
    /// `database`, `user` or `connectionString` (keys pg's client takes and Redis
    /// clients, rate limiters and generic-pool objects do not), or a `host` on
    /// PostgreSQL's port or in an object named for a database (`db`, `postgres`,
    /// `mainDatabase`). A `{host, max}` alone is as often a Redis client or a rate limit.
    fn connects_to_a_database(&self, map: NodeId, path: &str) -> bool {
        let get = |key: &str| self.doc.get(map, key);
        if ["user", "database", "connectionString"]
            .iter()
            .any(|k| get(k).is_some())
        {
            return true;
        }
        if get("host").is_none() {
            return false;
        }
        let on_postgres_port = get("port")
            .and_then(|p| self.doc.text(p))
            .is_some_and(|p| p == "5432");
        let name = path.rsplit('.').next().unwrap_or(path).to_ascii_lowercase();
        let named_for_a_database = ["db", "database", "pg", "postgres", "sql"]
            .iter()
            .any(|word| name.contains(word));
        on_postgres_port || named_for_a_database
    }

    /// The pool an object configures, if it is one.
    fn pool_at(&self, map: NodeId, path: &str, kind: Kind, model: &mut Model) -> Option<Pool> {
        let get = |key: &str| self.doc.get(map, key);
        // knex: `client` next to `connection` or `pool` (Strapi's bookshelf `settings`
        // also have a `client`, but their pool defaults are Strapi's, not knex's).
        let is_knex =
            get("client").is_some() && (get("connection").is_some() || get("pool").is_some());
        // SQLite opens a file in the process: knex gives it one connection (its sqlite3
        // dialect's pool defaults are min 1, max 1), which no server limit, firewall or
        // idle timeout concerns; none of the pool rules applies.
        // Sequelize's SQLite dialect opens the file in the process, with no
        // sequelize-pool checkout (its connection manager overrides `getConnection`).
        let sqlite = get("client")
            .or_else(|| get("dialect"))
            .and_then(|c| self.doc.text(c))
            .is_some_and(|c| matches!(c, "sqlite3" | "better-sqlite3" | "sqlite"));
        if sqlite {
            return None;
        }
        let (library, doc, pool_node) =
            if is_knex || (kind == Kind::Knex && get("connection").is_some()) {
                (Library::Knex, &KNEX_DOC, get("pool"))
            } else if get("dialect").is_some() {
                (Library::Sequelize, &SEQUELIZE_DOC, get("pool"))
            } else if kind == Kind::TypeOrm
                || (get("type").is_some()
                    && (get("entities").is_some() || get("synchronize").is_some()))
            {
                let is_sql = get("type")
                    .and_then(|t| self.doc.text(t))
                    .is_some_and(|t| matches!(t, "postgres" | "mysql" | "mariadb" | "cockroachdb"));
                if !is_sql {
                    return None;
                }
                (Library::TypeOrm, &TYPEORM_DOC, get("extra"))
            } else if [
                "max",
                "poolSize",
                "idleTimeoutMillis",
                "connectionTimeoutMillis",
            ]
            .iter()
            .any(|k| get(k).is_some())
                && self.connects_to_a_database(map, path)
            {
                (Library::NodePostgres, &NPG_DOC, Some(map))
            } else {
                return None;
            };
        self.record_entries(map, path, model);
        let pool_map = pool_node
            .map(|n| self.doc.resolve(n))
            .filter(|n| self.doc.is_map(*n));
        // Defaults point at the first key of the pool's object (one line, where the
        // missing key would go).
        let anchor_map = pool_map.unwrap_or(map);
        let anchor = self
            .doc
            .entries(anchor_map)
            .first()
            .map(|e| self.location(e.key))
            .or(Some(self.location(anchor_map)));
        let name = if path.is_empty() {
            library.name().to_owned()
        } else {
            path.to_owned()
        };
        let field = |key: &str| pool_map.and_then(|m| self.doc.get(m, key));
        let default = |value: i64| {
            Setting::known(
                value,
                Origin::Default {
                    library: library.name_text(),
                    doc,
                    anchor,
                },
            )
        };
        let count = |key: &str, fallback: i64| match field(key) {
            Some(node) if matches!(library, Library::Knex | Library::Sequelize) => {
                self.strict_count(node, &format!("{name}.{key}"))
            }
            Some(node) => self.number(node, &format!("{name}.{key}"), |v| Ok(v as i64)),
            None => default(fallback),
        };
        let millis = |key: &str, fallback: u64| match field(key).or_else(|| {
            (library == Library::Knex)
                .then(|| self.doc.get(map, key))
                .flatten()
        }) {
            Some(node) if library == Library::Knex => {
                self.tarn_time(node, &format!("{name}.{key}"))
            }
            Some(node) => self.number(node, &format!("{name}.{key}"), millis_duration),
            None => Setting::known(
                Duration::from_millis(fallback),
                Origin::Default {
                    library: library.name_text(),
                    doc,
                    anchor,
                },
            ),
        };
        // node-postgres `maxLifetimeSeconds` (default 0: never retired) [NPG-DOC]; TypeORM
        // passes `extra` to the same pg.Pool.
        let max_lifetime = match field("maxLifetimeSeconds") {
            Some(node) if matches!(library, Library::NodePostgres | Library::TypeOrm) => self
                .number(node, &format!("{name}.maxLifetimeSeconds"), |v| {
                    Duration::try_from_secs_f64(v.max(0.0))
                        .map_err(|_| format!("{v} seconds is out of range"))
                }),
            _ => Setting::known(
                Duration::ZERO,
                Origin::Default {
                    library: library.name_text(),
                    doc,
                    anchor,
                },
            ),
        };
        let connection = self.connection(map, library, &name);
        // The engine the knex `client`, Sequelize `dialect` or TypeORM `type` selects.
        let engine = connection.as_ref().and_then(|c| c.engine.as_deref());
        let speaks_postgres = engine == Some("postgresql");
        let driver_properties = match library {
            Library::Knex if speaks_postgres => get("connection")
                .map(|c| self.pg_driver_properties(c, &format!("{name}.connection")))
                .unwrap_or_default(),
            Library::NodePostgres => self.pg_driver_properties(map, &name),
            // Sequelize's postgres dialect hands `dialectOptions` (`ssl`) to pg.Client,
            // with the config's own `host`.
            Library::Sequelize if speaks_postgres => {
                let mut props = get("dialectOptions")
                    .map(|o| self.pg_driver_properties(o, &format!("{name}.dialectOptions")))
                    .unwrap_or_default();
                let host = get("host").and_then(|h| self.text_setting(h, &format!("{name}.host")));
                if let (Some(host), false) = (host, props.contains_key("host")) {
                    props.insert("host".to_owned(), host);
                }
                props
            }
            _ => NamedSettings::new(),
        };
        let (max, min, acquire, idle) = match library {
            Library::Knex => {
                // knex gives tarn the smaller of `acquireConnectionTimeout` and
                // `pool.acquireTimeoutMillis`, 60 s when neither is written (knex
                // `lib/client.js` `getPoolSettings`).
                let knex_wait = millis("acquireConnectionTimeout", 60_000);
                let acquire = match field("acquireTimeoutMillis") {
                    Some(node) => {
                        let pool = self.tarn_time(node, &format!("{name}.acquireTimeoutMillis"));
                        // A value tarn refuses makes the minimum one it refuses too.
                        let refused = |s: &Setting<Duration>| matches!(s.value, Val::Invalid(_));
                        match (knex_wait.get(), pool.get()) {
                            _ if refused(&knex_wait) => knex_wait,
                            _ if refused(&pool) => pool,
                            (Some(c), Some(p)) if c < p && knex_wait.is_explicit() => knex_wait,
                            (Some(_), None) if knex_wait.is_explicit() => knex_wait,
                            _ => pool,
                        }
                    }
                    None => knex_wait,
                };
                (
                    count("max", 10),
                    count("min", 2),
                    acquire,
                    millis("idleTimeoutMillis", 30_000),
                )
            }
            Library::Sequelize => {
                // Sequelize hands `acquire` and `idle` to sequelize-pool, which takes a
                // falsy one for 30 s (`factory.idleTimeoutMillis || 30000`, likewise
                // `acquireTimeoutMillis`; sequelize/sequelize-pool `src/Pool.ts`): a
                // written 0 is no "never".
                let pool_default = |setting: Setting<Duration>| match setting.get() {
                    Some(d) if d.is_zero() => Setting::known(
                        Duration::from_secs(30),
                        Origin::Default {
                            library: &"sequelize-pool",
                            doc: &SEQUELIZE_POOL_SRC,
                            anchor: setting.location().or(anchor),
                        },
                    ),
                    _ => setting,
                };
                (
                    count("max", 5),
                    count("min", 0),
                    pool_default(millis("acquire", 60_000)),
                    pool_default(millis("idle", 10_000)),
                )
            }
            Library::TypeOrm => {
                // TypeORM spreads `extra` over the options it builds from its own keys,
                // for the driver `type` selects: PostgresDriver gives pg.Pool
                // `max: poolSize` and `connectionTimeoutMillis: connectTimeoutMS`, which
                // pg-pool sizes as any pg.Pool ([`pg_pool_size`]); MysqlDriver gives
                // mysql's pool `connectionLimit: poolSize`, which sizes by
                // `connectionLimit` alone, 10 by default (typeorm
                // `src/driver/{postgres,mysql}/*Driver.ts`). pg.Pool's wait is unbounded
                // without a timeout [NPG-DOC].
                let mysql = matches!(engine, Some("mysql" | "mariadb"));
                let read = |node: NodeId, key: &str| self.number(node, key, |v| Ok(v as i64));
                let size_key = if mysql { "connectionLimit" } else { "max" };
                let written = field(size_key)
                    .map(|node| read(node, &format!("{name}.extra.{size_key}")))
                    .or_else(|| {
                        let node = self.doc.get(map, "poolSize")?;
                        Some(read(node, &format!("{name}.poolSize")))
                    });
                let max = match written {
                    // mysql's pool: `connectionLimit` 0 is no limit (mysql and mysql2
                    // `Pool#getConnection` open one whenever the limit is 0).
                    Some(limit) if mysql && limit.get() == Some(&0) => Setting {
                        value: Val::Known(crate::model::UNBOUNDED_POOL),
                        origin: limit.origin,
                    },
                    Some(limit) if mysql => limit,
                    None if mysql => default(10),
                    written => {
                        let pool_size = field("poolSize")
                            .map(|node| read(node, &format!("{name}.extra.poolSize")));
                        pg_pool_size(written, pool_size, (library.name_text(), doc, anchor))
                    }
                };
                let acquire = match (
                    field("connectionTimeoutMillis"),
                    self.doc.get(map, "connectTimeoutMS"),
                ) {
                    (None, Some(node)) if !mysql => {
                        self.number(node, &format!("{name}.connectTimeoutMS"), millis_duration)
                    }
                    _ => millis("connectionTimeoutMillis", 0),
                };
                (
                    max,
                    default(0),
                    acquire,
                    millis("idleTimeoutMillis", 10_000),
                )
            }
            _ => (
                self.pg_pool_max(map, &name, anchor),
                count("min", 0),
                millis("connectionTimeoutMillis", 0),
                millis("idleTimeoutMillis", 10_000),
            ),
        };
        // The object whose `max` and `min` size the pool, where node-config's variables
        // may replace them.
        let sizes = match library {
            Library::Knex | Library::Sequelize => join(path, "pool"),
            Library::TypeOrm => join(path, "extra"),
            _ => path.to_owned(),
        };
        let max = self.through_variable(max, &sizes, "max", library, &name);
        let min = self.through_variable(min, &sizes, "min", library, &name);
        Some(Pool {
            name,
            library,
            ecosystem: Ecosystem::Node,
            profile: None,
            anchor,
            max,
            min,
            acquire_timeout: acquire,
            idle_timeout: idle,
            max_lifetime,
            keepalive: Setting::known(
                Duration::ZERO,
                Origin::Default {
                    library: library.name_text(),
                    doc,
                    anchor,
                },
            ),
            validate_on_borrow: None,
            validation_timeout_written: None,
            leak_detection_threshold_written: None,
            auto_commit: None,
            connection: connection.map(Box::new),
            driver_properties,
            session_variables: NamedSettings::new(),
            init_sql_written: false,
            username_written: None,
            class_settings: ClassSettings::default(),
            url_variables: None,
        })
    }

    /// `setting`, the pool's `key` of the object at `sizes`, read through the variable
    /// node-config's `custom-environment-variables.json` maps it to: the deployment's
    /// value replaces it when set ([`Origin::File`]'s `via`), else it stays (a key no
    /// file writes is then the library's default, placed at the mapping). A plain
    /// mapping gives the variable's text: pg-pool compares its `max` and `min` with
    /// `>=` and `>`, which take "20" for 20 (brianc/node-postgres
    /// `packages/pg-pool/index.js` `_isFull`, `_isAboveMin`), while tarn.js and
    /// sequelize-pool refuse a string; for them only a `__format` giving a number
    /// counts.
    fn through_variable(
        &self,
        setting: Setting<i64>,
        sizes: &str,
        key: &str,
        library: Library,
        name: &str,
    ) -> Setting<i64> {
        let path = join(sizes, key);
        let Some(variable) = self.variables.iter().find(|v| v.path == path) else {
            return setting;
        };
        if !variable.numeric && library != Library::NodePostgres {
            return setting;
        }
        let via = Some(variable.name.clone());
        let origin = match setting.origin {
            Origin::File {
                file, span, key, ..
            } => Origin::File {
                file,
                span,
                key,
                via: via.map(Into::into),
            },
            _ => Origin::File {
                file: variable.location.file,
                span: variable.location.span,
                key: format!("{name}.{key}").into(),
                via: via.map(Into::into),
            },
        };
        Setting {
            value: setting.value,
            origin,
        }
    }

    /// A node-postgres pool's size ([`pg_pool_size`]) from its `max` and `poolSize`.
    fn pg_pool_max(&self, map: NodeId, name: &str, anchor: Option<Location>) -> Setting<i64> {
        let read = |key: &str| {
            self.doc
                .get(map, key)
                .map(|node| self.number(node, &format!("{name}.{key}"), |v| Ok(v as i64)))
        };
        let default = (Library::NodePostgres.name_text(), &NPG_DOC, anchor);
        pg_pool_size(read("max"), read("poolSize"), default)
    }

    /// The server a knex, Sequelize or TypeORM configuration names: the engine its
    /// `client`, `dialect` or `type` selects (a `mysql2` client or `dialect: mysql`
    /// speaks MySQL's protocol and is no client of a PostgreSQL database, as Rails'
    /// `adapter: mysql2` is not), and the `host` written next to it (knex: in its
    /// `connection` object; a knex `pg` client's host is in its driver properties,
    /// where a connection string's wins). None for node-postgres objects and for a
    /// configuration naming neither.
    fn connection(
        &self,
        map: NodeId,
        library: Library,
        name: &str,
    ) -> Option<crate::model::ConnectionInfo> {
        let (selector, host_in) = match library {
            Library::Knex => ("client", self.doc.get(map, "connection")),
            Library::Sequelize => ("dialect", Some(map)),
            Library::TypeOrm => ("type", Some(map)),
            _ => return None,
        };
        let written = self.doc.get(map, selector)?;
        let engine = engine_of(self.doc.text(written)?)?;
        let host = host_in
            .map(|n| self.doc.resolve(n))
            .filter(|n| {
                self.doc.is_map(*n) && !(library == Library::Knex && engine == "postgresql")
            })
            .and_then(|n| self.doc.get(n, "host"))
            .and_then(|h| {
                let key = match library {
                    Library::Knex => format!("{name}.connection.host"),
                    _ => format!("{name}.host"),
                };
                self.text_setting(h, &key)
            });
        Some(crate::model::ConnectionInfo {
            engine: Some(engine.into()),
            host,
            database: None,
            user: None,
            params: NamedSettings::new(),
            location: Some(self.location(written)),
            options: None,
        })
    }

    /// What a knex `pg` client's `connection` (or a node-postgres pool's object) gives
    /// node-postgres, for `db-transport-not-verified`: `host`, `ssl` (a scalar) or
    /// `ssl.rejectunauthorized`, and a connection string's host and parameters (the
    /// string itself, or `connectionString`, whose values win over the object's, as
    /// node-postgres merges them), each with its span.
    fn pg_driver_properties(&self, connection: NodeId, key: &str) -> NamedSettings {
        let mut props = NamedSettings::new();
        let node = self.doc.resolve(connection);
        let url = if self.doc.is_map(node) {
            if let Some(host) = self.doc.get(node, "host") {
                props.extend(
                    self.text_setting(host, &format!("{key}.host"))
                        .map(|s| ("host".to_owned(), s)),
                );
            }
            if let Some(ssl) = self.doc.get(node, "ssl").map(|n| self.doc.resolve(n)) {
                match self.doc.get(ssl, "rejectUnauthorized") {
                    Some(reject) => props.extend(
                        self.text_setting(reject, &format!("{key}.ssl.rejectUnauthorized"))
                            .map(|s| ("ssl.rejectunauthorized".to_owned(), s)),
                    ),
                    None => props.extend(
                        self.text_setting(ssl, &format!("{key}.ssl"))
                            .map(|s| ("ssl".to_owned(), s)),
                    ),
                }
            }
            self.doc.get(node, "connectionString")
        } else {
            Some(node)
        };
        let Some(url) = url.map(|n| self.doc.resolve(n)) else {
            return props;
        };
        let Some(value) = self.doc.text(url) else {
            return props;
        };
        let Some(parsed) = super::connection_string::parse_url(value) else {
            return props;
        };
        let span = self.doc.span(url);
        let location = self.location(url);
        let start = super::written_at(self.text_of(url), span, value);
        let connection = super::url_connection(parsed, location, start, key);
        for (name, setting) in connection
            .host
            .map(|h| ("host".to_owned(), h))
            .into_iter()
            .chain(connection.params)
        {
            props.insert(name, setting);
        }
        props
    }

    /// A scalar as written, located inside its quotes.
    fn text_setting(&self, node: NodeId, key: &str) -> Option<Setting<String>> {
        let value = self.doc.text(node)?;
        let span = self.doc.span(node);
        let span = super::written_at(self.text_of(node), span, value).map_or(span, |start| {
            crate::source::Span::new(start, start + value.len())
        });
        Some(Setting {
            value: Val::Known(value.to_owned()),
            origin: Origin::File {
                file: self.file_id(node),
                span,
                key: key.into(),
                via: None,
            },
        })
    }

    /// A knex wait or idle time as tarn.js takes it: refused unless a whole JSON number
    /// above 0.
    fn tarn_time(&self, node: NodeId, key: &str) -> Setting<Duration> {
        // tarn.js's `checkRequiredTime`: `typeof time === 'number' && time ===
        // Math.round(time) && time > 0`, else it throws `Tarn: invalid opt.… <value>`
        // when knex creates the pool [TARN].
        let setting = self.number(node, key, |v| {
            if v.fract() == 0.0 && v > 0.0 {
                millis_duration(v)
            } else {
                Err("tarn.js requires a whole number of milliseconds above 0".to_owned())
            }
        });
        let quoted = self.doc.scalar(node).is_some_and(|s| s.style.is_quoted());
        match (&setting.value, quoted) {
            (Val::Known(_), true) => Setting {
                value: Val::invalid(
                    format!("\"{}\"", self.doc.text(node).unwrap_or("")),
                    "a string, not a JSON number".to_owned(),
                ),
                ..setting
            },
            _ => setting,
        }
    }

    /// A knex or Sequelize `pool.min`/`pool.max`, which knex hands to tarn.js and
    /// Sequelize to sequelize-pool unchanged: both throw unless the value is a JSON
    /// number (`typeof opt.max === 'number'`, so `"10"` is refused) and an integer
    /// (`opt.max === Math.round(opt.max)`, so `2.5` is refused) [TARN]
    /// (sequelize/sequelize-pool `src/Pool.ts`).
    fn strict_count(&self, node: NodeId, key: &str) -> Setting<i64> {
        // Any whole JSON number passes tarn's `max === Math.round(max)`, however large
        // (`as` saturates at i64's bounds, still far above any pool).
        let setting = self.number(node, key, |v| {
            if v.is_finite() && v.fract() == 0.0 {
                Ok(v as i64)
            } else {
                Err("not a whole number".to_owned())
            }
        });
        let quoted = self.doc.scalar(node).is_some_and(|s| s.style.is_quoted());
        match (&setting.value, quoted) {
            (Val::Known(_), true) => {
                let text = self.doc.text(node).unwrap_or("");
                Setting {
                    value: Val::invalid(
                        format!("\"{text}\""),
                        "a string, not a JSON number".to_owned(),
                    ),
                    ..setting
                }
            }
            _ => setting,
        }
    }

    fn number<T>(
        &self,
        node: NodeId,
        key: &str,
        convert: impl Fn(f64) -> Result<T, String>,
    ) -> Setting<T> {
        let text = self.doc.text(node).unwrap_or("");
        let value = match text.trim().parse::<f64>() {
            Ok(v) if v.is_finite() => Val::from_result(text, convert(v)),
            _ if text.starts_with('$') => {
                Val::unknown(format!("`{text}` is substituted at run time"))
            }
            _ => Val::invalid(text.to_owned(), format!("`{text}` is not a number")),
        };
        Setting {
            value,
            origin: Origin::File {
                file: self.file_id(node),
                span: self.doc.span(node),
                key: key.into(),
                via: None,
            },
        }
    }

    /// Entries of a pool's configuration object (one level, plus `connection` and
    /// `pool`).
    fn record_entries(&self, map: NodeId, path: &str, model: &mut Model) {
        let mut scopes: Vec<(FileId, Arc<str>)> = Vec::new();
        let mut stack = vec![(map, path.to_owned(), 0usize)];
        while let Some((node, prefix, depth)) = stack.pop() {
            for entry in self.doc.entries(node) {
                let Some(key) = self.doc.text(entry.key) else {
                    continue;
                };
                let full = if prefix.is_empty() {
                    key.to_owned()
                } else {
                    format!("{prefix}.{key}")
                };
                let value = self.doc.resolve(entry.value);
                if self.doc.is_map(value) && depth < 2 {
                    stack.push((value, full.clone(), depth + 1));
                    continue;
                }
                let text = self.doc.text(value).map(str::to_owned);
                let file = self.file_id(value);
                let scope = match scopes.iter().find(|(f, _)| *f == file) {
                    Some((_, scope)) => Arc::clone(scope),
                    None => {
                        let path = self.source(value).map(|(f, _)| f.path.as_path());
                        let scope: Arc<str> = path
                            .map(crate::source::display_path)
                            .unwrap_or_default()
                            .into();
                        scopes.push((file, Arc::clone(&scope)));
                        scope
                    }
                };
                model.entries.push(ConfigEntry {
                    ecosystem: Ecosystem::Node,
                    file,
                    key: EntryKey::from(full),
                    canonical: EntryKey::new(key),
                    key_span: self.doc.span(entry.key),
                    value: text,
                    value_span: self.doc.span(value),
                    profile: None,
                    via: None,
                    scope,
                    precedence: 0,
                    reading: None,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(path: &str, text: &str) -> Model {
        crate::ecosystems::read_one(&Node, path, Format::Json, text).0
    }

    #[test]
    fn knex_environments_with_defaults() {
        let model = read(
            "knexfile.json",
            r#"{"development": {"client": "pg", "connection": {"host": "db", "password": "pw-1"}}, "production": {"client": "pg", "pool": {"min": 0, "max": 20}}}"#,
        );
        let dev = model
            .pools
            .iter()
            .find(|p| p.name == "development")
            .unwrap();
        assert_eq!(dev.min.get(), Some(&2));
        assert!(dev.min.origin.is_default());
        let prod = model.pools.iter().find(|p| p.name == "production").unwrap();
        assert_eq!(prod.max.get(), Some(&20));
        // Environments are profiles: a process runs one of them.
        assert_eq!(dev.profile.as_deref(), Some("development"));
        assert_eq!(prod.profile.as_deref(), Some("production"));
        assert!(model
            .secrets
            .iter()
            .any(|s| s.literal && s.key == "development.connection.password"));
    }

    /// knex and sequelize-cli load one top-level environment, whatever its name: those
    /// outside the usual names are profiles too, not pools that run at once.
    #[test]
    fn every_knexfile_and_sequelize_environment_is_a_profile() {
        let knex = read(
            "knexfile.json",
            r#"{"production": {"client": "pg", "connection": {"host": "db"}, "pool": {"max": 30}},
                "preprod": {"client": "pg", "connection": {"host": "db"}, "pool": {"max": 30}},
                "uat": {"client": "pg", "connection": {"host": "db"}, "pool": {"max": 30}}}"#,
        );
        let profiles: Vec<Option<&str>> = knex.pools.iter().map(|p| p.profile.as_deref()).collect();
        assert_eq!(profiles, [Some("production"), Some("preprod"), Some("uat")]);
        let sequelize = read(
            "config/config.json",
            r#"{"sandbox": {"dialect": "postgres", "host": "db"},
                "demo": {"dialect": "postgres", "host": "db"}}"#,
        );
        let profiles: Vec<Option<&str>> = sequelize
            .pools
            .iter()
            .map(|p| p.profile.as_deref())
            .collect();
        assert_eq!(profiles, [Some("sandbox"), Some("demo")]);
        // node-postgres objects side by side in one file all run.
        let pg = read(
            "config/default.json",
            r#"{"mainDb": {"host": "db", "user": "a", "max": 5}, "reportingDb": {"host": "db", "user": "a", "max": 5}}"#,
        );
        assert!(pg.pools.iter().all(|p| p.profile.is_none()));
    }

    #[test]
    fn node_postgres_sequelize_and_typeorm() {
        let pg = read(
            "config/develop.json",
            r#"{"db": {"host": "localhost", "max": 20, "connectionTimeoutMillis": 0}}"#,
        );
        assert_eq!(pg.pools[0].library, Library::NodePostgres);
        assert_eq!(pg.pools[0].acquire_timeout.get(), Some(&Duration::ZERO));
        let sequelize = read(
            "config/config.json",
            r#"{"production": {"dialect": "postgres", "host": "db"}}"#,
        );
        assert_eq!(sequelize.pools[0].max.get(), Some(&5));
        let typeorm = read(
            "ormconfig.json",
            r#"{"type": "postgres", "entities": [], "extra": {"max": 30}}"#,
        );
        assert_eq!(typeorm.pools[0].max.get(), Some(&30));
        let sqlite = read(
            "ormconfig.json",
            r#"{"type": "sqlite", "database": "x.sqlite", "synchronize": true}"#,
        );
        assert!(sqlite.pools.is_empty());
    }

    /// knex waits the smaller of `acquireConnectionTimeout` and `pool.acquireTimeoutMillis`.
    #[test]
    fn knex_acquire_timeout_is_the_smaller_of_its_two_settings() {
        let acquire = |text: &str| {
            let model = read("knexfile.json", text);
            let timeout = &model.pools[0].acquire_timeout;
            (
                timeout.get().map(Duration::as_millis),
                timeout.origin.key().map(str::to_owned),
            )
        };
        assert_eq!(
            acquire(
                r#"{"client": "pg", "connection": {}, "pool": {"acquireTimeoutMillis": 3000}}"#
            ),
            (Some(3000), Some("knex.acquireTimeoutMillis".to_owned()))
        );
        assert_eq!(
            acquire(
                r#"{"client": "pg", "connection": {}, "acquireConnectionTimeout": 2000, "pool": {"acquireTimeoutMillis": 3000}}"#
            ),
            (Some(2000), Some("knex.acquireConnectionTimeout".to_owned()))
        );
        assert_eq!(
            acquire(
                r#"{"client": "pg", "connection": {}, "acquireConnectionTimeout": 9000, "pool": {"acquireTimeoutMillis": 3000}}"#
            ),
            (Some(3000), Some("knex.acquireTimeoutMillis".to_owned()))
        );
        assert_eq!(
            acquire(r#"{"client": "pg", "connection": {}}"#).0,
            Some(60_000)
        );
    }

    /// TypeORM hands `extra` to the driver `type` selects: pg.Pool sizes by `max`,
    /// mysql's pool by `connectionLimit`, each ignoring the other's key; `poolSize` is
    /// the fallback, and `connectTimeoutMS` is pg.Pool's `connectionTimeoutMillis`.
    #[test]
    fn typeorm_reads_the_keys_of_the_driver_its_type_selects() {
        let pool = |text: &str| {
            let model = read("ormconfig.json", text);
            let pool = &model.pools[0];
            (
                pool.max.get().copied(),
                pool.acquire_timeout.get().map(Duration::as_millis),
            )
        };
        assert_eq!(
            pool(r#"{"type": "postgres", "entities": [], "extra": {"connectionLimit": 50}}"#),
            (Some(10), Some(0))
        );
        assert_eq!(
            pool(r#"{"type": "mysql", "entities": [], "poolSize": 5, "extra": {"max": 50}}"#),
            (Some(5), Some(0))
        );
        assert_eq!(
            pool(
                r#"{"type": "mariadb", "entities": [], "poolSize": 5, "extra": {"connectionLimit": 7}}"#
            ),
            (Some(7), Some(0))
        );
        assert_eq!(
            pool(
                r#"{"type": "postgres", "entities": [], "poolSize": 20, "connectTimeoutMS": 3000}"#
            ),
            (Some(20), Some(3000))
        );
        assert_eq!(
            pool(
                r#"{"type": "postgres", "entities": [], "connectTimeoutMS": 3000, "extra": {"max": 4, "connectionTimeoutMillis": 1000}}"#
            ),
            (Some(4), Some(1000))
        );
    }

    /// The sizes reach the driver's pool as it reads them: pg.Pool's `max || poolSize ||
    /// 10` (TypeORM's `max: poolSize` under `extra`), mysql's `connectionLimit` 0 as no
    /// limit.
    #[test]
    fn typeorm_sizes_are_read_as_the_driver_pool_reads_them() {
        let max = |text: &str| {
            let model = read("ormconfig.json", text);
            let pool = &model.pools[0];
            (pool.max.get().copied(), pool.is_unbounded())
        };
        let postgres = |rest: &str| format!(r#"{{"type": "postgres", "entities": [], {rest}}}"#);
        assert_eq!(max(&postgres(r#""extra": {"max": 0}"#)), (Some(10), false));
        assert_eq!(max(&postgres(r#""poolSize": 0"#)), (Some(10), false));
        assert_eq!(
            max(&postgres(r#""extra": {"poolSize": 40}"#)),
            (Some(40), false)
        );
        assert_eq!(
            max(&postgres(r#""poolSize": 0, "extra": {"poolSize": 12}"#)),
            (Some(12), false)
        );
        let mysql = r#"{"type": "mysql", "entities": [], "extra": {"connectionLimit": 0}}"#;
        assert!(max(mysql).1);
    }

    /// pg-pool sizes by `max || poolSize || 10`: `max: 0` runs 10, `poolSize` is an
    /// alias.
    #[test]
    fn node_postgres_max_zero_is_ten_and_pool_size_is_an_alias() {
        let model = read(
            "config/default.json",
            r#"{"db": {"host": "db", "user": "app", "max": 0, "connectionTimeoutMillis": 5000},
                "reportingDb": {"host": "db", "user": "app", "poolSize": 40, "connectionTimeoutMillis": 5000},
                "both": {"host": "db", "user": "app", "max": 0, "poolSize": 7}}"#,
        );
        let sizes: Vec<Option<&i64>> = model.pools.iter().map(|p| p.max.get()).collect();
        assert_eq!(sizes, [Some(&10), Some(&40), Some(&7)]);
        assert!(model.pools[0].max.origin.is_default());
    }

    #[test]
    fn sequelize_sqlite_is_no_server_pool() {
        let model = read(
            "config/config.json",
            r#"{"development": {"dialect": "sqlite", "storage": "./dev.sqlite"},
                "production": {"dialect": "postgres", "host": "db"}}"#,
        );
        let names: Vec<&str> = model.pools.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["production"]);
    }

    /// sequelize-pool refuses what tarn refuses (a string, a fraction) and takes a
    /// written `idle: 0` or `acquire: 0` for 30 s; tarn refuses a time of 0.
    #[test]
    fn sequelize_counts_are_strict_and_zero_times_are_the_pools_or_refused() {
        let model = read(
            "config/config.json",
            r#"{"production": {"dialect": "postgres", "pool": {"max": "10", "min": 0.5, "idle": 0, "acquire": 0}}}"#,
        );
        let pool = &model.pools[0];
        assert!(matches!(pool.max.value, Val::Invalid(_)), "{:?}", pool.max);
        assert!(matches!(pool.min.value, Val::Invalid(_)), "{:?}", pool.min);
        assert_eq!(pool.idle_timeout.get(), Some(&Duration::from_secs(30)));
        assert_eq!(pool.acquire_timeout.get(), Some(&Duration::from_secs(30)));
        for times in [
            r#""acquireConnectionTimeout": 0, "pool": {"idleTimeoutMillis": 0}"#,
            r#""acquireConnectionTimeout": -5, "pool": {"idleTimeoutMillis": 1.5}"#,
            r#""acquireConnectionTimeout": "3000", "pool": {"idleTimeoutMillis": "x"}"#,
            r#""pool": {"acquireTimeoutMillis": 0, "idleTimeoutMillis": -1}"#,
        ] {
            let knex = read(
                "knexfile.json",
                &format!(r#"{{"client": "pg", "connection": {{}}, {times}}}"#),
            );
            let pool = &knex.pools[0];
            assert!(
                matches!(pool.acquire_timeout.value, Val::Invalid(_)),
                "{times}"
            );
            assert!(
                matches!(pool.idle_timeout.value, Val::Invalid(_)),
                "{times}"
            );
        }
        // The smaller of the two is refused when either is.
        let knex = read(
            "knexfile.json",
            r#"{"client": "pg", "connection": {}, "acquireConnectionTimeout": 0, "pool": {"acquireTimeoutMillis": 3000}}"#,
        );
        assert!(matches!(
            knex.pools[0].acquire_timeout.value,
            Val::Invalid(_)
        ));
    }

    /// A Redis client or a rate limit has a `host` and a `max` too: only an object that
    /// says it reaches a database is a node-postgres pool.
    #[test]
    fn host_and_max_alone_are_no_database_pool() {
        let model = read(
            "config/default.json",
            r#"{"redis": {"host": "redis", "port": 6379, "max": 50},
                "rateLimit": {"max": 100, "windowMs": 60000, "host": "api.example.com"},
                "cache": {"host": "pg-cache", "port": 5432, "max": 4},
                "mainDb": {"host": "db.internal", "max": 20},
                "orders": {"host": "db.internal", "user": "app", "max": 8}}"#,
        );
        let sizes: Vec<Option<&i64>> = model.pools.iter().map(|p| p.max.get()).collect();
        assert_eq!(sizes, [Some(&4), Some(&20), Some(&8)]);
    }

    fn read_app(files: &[(&str, &str)]) -> Model {
        crate::ecosystems::read_files(&Node, files)
    }

    const BASE: &str =
        r#"{"db": {"host": "db", "user": "app", "max": 10, "idleTimeoutMillis": 5000}}"#;

    /// Audit finding: `config/production.json` holding `{"db": {"max": 20}}` was no pool
    /// (no database named in it), so the base's 10 was counted in production, and
    /// `local.json` was a profile `local`. node-config merges default, the environment's
    /// file, local and local-<environment>, in that order.
    #[test]
    fn node_config_files_are_merged_in_load_order() {
        let model = read_app(&[
            ("app/config/default.json", BASE),
            ("app/config/production.json", r#"{"db": {"max": 20}}"#),
            (
                "app/config/local.json",
                r#"{"db": {"connectionTimeoutMillis": 3000}}"#,
            ),
            ("app/config/local-staging.json", r#"{"db": {"max": 30}}"#),
            ("app/config/test.json", r#"{"port": 8080}"#),
        ]);
        assert_eq!(model.services.len(), 1);
        let profiles: Vec<Option<&str>> =
            model.pools.iter().map(|p| p.profile.as_deref()).collect();
        // `test` changes nothing of the pool, and `local` is no environment.
        assert_eq!(profiles, [None, Some("production"), Some("staging")]);
        let file = |s: &Option<Location>| s.map(|l| l.file.0);
        let base = &model.pools[0];
        assert_eq!(base.max.get(), Some(&10));
        assert_eq!(base.acquire_timeout.get(), Some(&Duration::from_secs(3)));
        let production = &model.pools[1];
        assert_eq!(production.max.get(), Some(&20));
        assert_eq!(file(&production.max.location()), Some(1));
        assert_eq!(production.idle_timeout.get(), Some(&Duration::from_secs(5)));
        assert_eq!(file(&production.idle_timeout.location()), Some(0));
        assert_eq!(file(&production.acquire_timeout.location()), Some(2));
        let staging = &model.pools[2];
        assert_eq!(staging.max.get(), Some(&30));
        assert_eq!(file(&staging.max.location()), Some(3));
        // One entry per key written, however many environments read it.
        let maxes = model
            .entries
            .iter()
            .filter(|e| e.key.as_str() == "db.max")
            .count();
        assert_eq!(maxes, 3);
    }

    /// `custom-environment-variables.json` makes a size read through its variable: a
    /// node-postgres `max` takes the variable's text, knex only a `__format` number.
    #[test]
    fn custom_environment_variables_read_sizes_through_their_variable() {
        let model = read_app(&[
            (
                "config/default.json",
                r#"{"db": {"host": "db", "user": "app", "max": 10},
                    "knex": {"client": "pg", "connection": {"host": "db"}, "pool": {"min": 1}}}"#,
            ),
            (
                "config/custom-environment-variables.json",
                r#"{"db": {"max": "DB_POOL_MAX", "min": "DB_POOL_MIN"},
                    "knex": {"pool": {"max": {"__name": "KNEX_MAX", "__format": "number"}, "min": "KNEX_MIN"}}}"#,
            ),
        ]);
        let via = |s: &Setting<i64>| match &s.origin {
            Origin::File { via, .. } => via.clone(),
            _ => None,
        };
        let pg = &model.pools[0];
        assert_eq!(pg.max.get(), Some(&10));
        assert_eq!(via(&pg.max).as_deref(), Some("DB_POOL_MAX"));
        // Not written: pg-pool's default, placed at the mapping.
        assert_eq!(pg.min.get(), Some(&0));
        assert_eq!(via(&pg.min).as_deref(), Some("DB_POOL_MIN"));
        assert_eq!(pg.min.location().map(|l| l.file.0), Some(1));
        let knex = &model.pools[1];
        assert_eq!(via(&knex.max).as_deref(), Some("KNEX_MAX"));
        assert_eq!(knex.max.get(), Some(&10));
        // A string tarn.js refuses: not read through the variable.
        assert_eq!(via(&knex.min), None);
    }

    /// PM2's `instances` multiply every pool of the application; a count PM2 takes from
    /// the CPUs is unknown, and a `.js` file that is not a literal is not read.
    #[test]
    fn pm2_instances_are_the_application_processes() {
        let processes = |name: &str, text: &str| {
            let model = read_app(&[("app/config/default.json", BASE), (name, text)]);
            let setting = model.services[0].processes.clone();
            (setting.map(|s| s.value), model.notes)
        };
        let js = |apps: &str| format!("module.exports = {{ apps: [{apps}] }};\n");
        let (count, _) = processes(
            "app/ecosystem.config.js",
            &js("{ name: 'api', script: 'server.js', instances: 4, exec_mode: 'cluster' }"),
        );
        assert_eq!(count, Some(Val::Known(4)));
        let (count, _) = processes(
            "app/pm2.json",
            r#"{"apps": [{"name": "api", "instances": "3"}, {"name": "worker", "script": "worker.js"}, {"name": "etl", "script": "etl.py", "instances": 8}]}"#,
        );
        assert_eq!(count, Some(Val::Known(4)));
        let (count, _) = processes(
            "app/process.json",
            r#"{"name": "api", "exec_mode": "cluster"}"#,
        );
        assert_eq!(count, Some(Val::Known(1)));
        for instances in ["'max'", "0", "-1", "\"many\""] {
            let (count, _) = processes(
                "app/ecosystem.config.js",
                &js(&format!("{{ name: 'api', instances: {instances} }}")),
            );
            assert!(
                matches!(count, Some(Val::Unknown(_))),
                "{instances}: {count:?}"
            );
        }
        let (count, notes) = processes(
            "app/ecosystem.config.js",
            "const os = require('os');\nmodule.exports = { apps: [{ name: 'api', instances: os.cpus().length }] };\n",
        );
        assert_eq!(count, None);
        assert!(
            notes.len() == 1 && notes[0].contains("PM2 processes not read"),
            "{notes:?}"
        );
    }

    #[test]
    fn unrelated_json_is_not_claimed() {
        assert!(Node.recognise(Path::new("package.json")).is_none());
        assert!(Node.recognise(Path::new("src/data.json")).is_none());
        assert!(!Node.accepts(r#"{"name": "x"}"#));
    }
}
