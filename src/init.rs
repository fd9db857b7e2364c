//! `poollint init`: write the `poollint.toml` poollint would infer from the files, with
//! comments, for a person to confirm and to add the load they expect. Every inferred
//! value says where it came from; nothing is invented: load is left as a commented
//! template because no file says it.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::model::{Database, Ecosystem, Engine, Model, Pooler, Service};
use crate::source::{FileId, SourceMap};

/// The manifest `init` infers, and the files it leaves out.
pub struct Inferred {
    pub text: String,
    /// Files whose path (relative to the root, shown lossily) is not valid UTF-8: a
    /// TOML string cannot name them, and a lossy name (U+FFFD) names no file, which
    /// made every later `check` stop (exit 2). Left out, for the caller to report.
    pub skipped: Vec<String>,
    /// Nested manifests (shown paths) and how many of the files read they govern: the
    /// nearest manifest governs a file, so declaring it again above only renamed its
    /// databases in that manifest's findings. Left out, for the caller to report.
    pub governed: Vec<(String, usize)>,
}

/// Why a file read is left out of the manifest.
enum Left {
    /// Its path relative to the root is not valid UTF-8.
    NotUtf8,
    /// The `poollint.toml` of this directory below the root governs it.
    Governed(PathBuf),
}

/// The path of each file relative to the root, or why the manifest cannot name it.
fn relative_paths(root: &Root, sources: &SourceMap) -> HashMap<FileId, Result<String, Left>> {
    let mut has_manifest: HashMap<PathBuf, bool> = HashMap::new();
    sources
        .files()
        .iter()
        .map(|file| {
            let path = crate::source::normalise(&file.path);
            let relative = path.strip_prefix(&root.files).unwrap_or(&path);
            let text = match nested_manifest(root, &path, &mut has_manifest) {
                Some(dir) => Err(Left::Governed(dir)),
                None => relative
                    .to_str()
                    .map(crate::source::slashed)
                    .ok_or(Left::NotUtf8),
            };
            (file.id, text)
        })
        .collect()
}

/// The nearest directory strictly below the root, above `file`, that holds a
/// `poollint.toml` (looked up once per directory).
fn nested_manifest(
    root: &Root,
    file: &Path,
    has_manifest: &mut HashMap<PathBuf, bool>,
) -> Option<PathBuf> {
    let dirs = file.ancestors().skip(1);
    for dir in dirs.take_while(|d| *d != root.files && d.starts_with(&root.files)) {
        let found = *has_manifest
            .entry(dir.to_path_buf())
            .or_insert_with(|| target(dir).exists());
        if found {
            return Some(dir.to_path_buf());
        }
    }
    None
}

/// The manifest for the files under `root`, as read into `model`.
pub fn infer(root: &Path, model: &Model, sources: &SourceMap) -> Inferred {
    let root = Root::new(root);
    let paths = relative_paths(&root, sources);
    let mut skipped: Vec<String> = Vec::new();
    let mut governed: std::collections::BTreeMap<String, usize> = Default::default();
    for file in sources.files() {
        match paths.get(&file.id) {
            Some(Err(Left::NotUtf8)) => skipped.push(crate::source::display_path(&file.path)),
            Some(Err(Left::Governed(dir))) => {
                let manifest = crate::source::display_path(&target(dir));
                *governed.entry(manifest).or_default() += 1;
            }
            _ => {}
        }
    }
    skipped.sort();
    skipped.dedup();
    let relative = |file: FileId| -> Option<String> { paths.get(&file)?.as_ref().ok().cloned() };
    let text = manifest_text(&root, model, &relative);
    Inferred {
        text,
        skipped,
        governed: governed.into_iter().collect(),
    }
}

/// The manifest text; `relative` gives the path a manifest names a file by (None when
/// it cannot), and a database or pooler read from such a file is left out.
fn manifest_text(
    root: &Root,
    model: &Model,
    relative: &dyn Fn(FileId) -> Option<String>,
) -> String {
    let writable = |file: Option<FileId>| file.is_none_or(|f| relative(f).is_some());
    let databases: Vec<&Database> = model
        .databases
        .iter()
        .filter(|d| writable(d.source_file()))
        .collect();
    let poolers: Vec<&Pooler> = model
        .poolers
        .iter()
        .filter(|p| writable(p.source_file()))
        .collect();
    let mut out = String::from(
        "# poollint.toml written by `poollint init` from the files below this directory.\n\
         # Confirm every value, fill in what the files cannot say (marked TODO), then run\n\
         # `poollint check` and `poollint capacity`. Reference: README.md, \"Configuration\".\n",
    );
    // The file the database was read from (its my.cnf or postgresql.conf), not the
    // include or postgresql.auto.conf its max_connections came from: `config` names the
    // file whose includes bring in the rest.
    let database_configs: Vec<Option<String>> = databases
        .iter()
        .map(|d| d.source_file().and_then(relative))
        .collect();
    let pooler_configs: Vec<Option<String>> = poolers
        .iter()
        .map(|p| p.source_file().and_then(relative))
        .collect();
    // Databases and poolers share the names `connects-to` refers to.
    let targets = unique_names(
        databases
            .iter()
            .map(|d| d.name.as_str())
            .zip(&database_configs)
            .chain(poolers.iter().map(|p| p.name.as_str()).zip(&pooler_configs))
            .map(|(name, config)| (name.to_owned(), config.as_deref().map(parent_dir)))
            .collect(),
    );
    let (database_names, pooler_names) = targets.split_at(databases.len());
    for ((database, config), name) in databases.iter().zip(database_configs).zip(database_names) {
        let _ = write!(
            out,
            "\n[[database]]\nname = {}\nengine = \"{}\"\n",
            quote(name),
            match database.engine {
                Engine::Postgres => "postgresql",
                Engine::MySql => "mysql",
                Engine::MariaDb => "mariadb",
            }
        );
        match config {
            Some(path) => {
                let _ = writeln!(out, "config = {}   # max_connections and timeouts are read from it", quote(&path));
            }
            None => out.push_str("# config = \"db/postgresql.conf\"   # TODO: where its limits are, if in this repository\n"),
        }
        out.push_str("# cores = 8                  # TODO: database cores, for pooled-connections-far-above-db-cores\n");
        out.push_str(
            "# other-clients = 0          # TODO: connections used by things not described here\n",
        );
    }
    for (config, name) in pooler_configs.into_iter().zip(pooler_names) {
        let _ = write!(
            out,
            "\n[[pooler]]\nname = {}\nkind = \"pgbouncer\"\n",
            quote(name)
        );
        if let Some(path) = config {
            let _ = writeln!(out, "config = {}", quote(&path));
        }
        out.push_str("# instances = 1              # TODO: PgBouncer replicas (1 until set)\n");
        match database_names {
            [only] => {
                let _ = writeln!(
                    out,
                    "connects-to = {}   # inferred: the only database",
                    quote(only)
                );
            }
            [] => out.push_str(
                "# connects-to = \"db\"          # TODO: the database it serves, declared in a [[database]] table (none was found in the files)\n",
            ),
            _ => {
                out.push_str("# connects-to = \"\"            # TODO: one of the databases above\n")
            }
        }
    }
    let deployments: Vec<(String, String)> =
        deployment_files(model, relative).into_iter().collect();
    let tables = one_table_per_workload(planned_tables(model, root, relative, &deployments));
    // Relative to the root, the service's directory is the fallback of a shared name.
    let service_names = unique_names(
        tables
            .iter()
            .map(|t| (t.name.clone(), Some(project_dir(&t.scope).to_owned())))
            .collect(),
    );
    for (table, written_name) in tables.iter().zip(&service_names) {
        let service = Written {
            service: table.service,
            files: &table.files,
            name: written_name,
        };
        // The only database, unless the service's pools say they talk to another
        // server (a MySQL URL beside the only PostgreSQL database): then no link.
        let lone_database_unreachable = match (databases.as_slice(), targets.as_slice()) {
            ([database], [_]) => {
                !crate::model::links::pools_may_reach(model, database, service.service)
            }
            _ => false,
        };
        let targets = match lone_database_unreachable {
            true => Targets::OtherServer,
            false => Targets::Named(&targets),
        };
        write_service(&mut out, &service, relative, targets, &table.candidates);
    }
    out
}

/// The directory `init` writes the manifest for, however it was spelt (`./pm`,
/// `pm/src/..`, `.` inside it): paths and names are relative to it, so every spelling
/// writes the same manifest.
struct Root {
    /// Lexically normalised, as the files' paths are compared with it.
    files: PathBuf,
    /// As service names (shown paths) start, normalised.
    shown: PathBuf,
    /// Its own name (the resolved directory's, as `.` and `..` name nothing): the
    /// name of an application whose project directory is the root itself.
    name: String,
}

impl Root {
    fn new(root: &Path) -> Self {
        let resolved = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        let name = resolved
            .file_name()
            .map_or_else(|| "app".to_owned(), |n| n.to_string_lossy().into_owned());
        Root {
            files: crate::source::normalise(root),
            shown: crate::source::normalise(Path::new(&crate::source::display_path(root))),
            name,
        }
    }

    /// A service's scope (its shown path) relative to the root; a workload's name
    /// (`shop/orders`) is no path below it and stays as it is.
    fn scope(&self, service: &str) -> String {
        let path = crate::source::normalise(Path::new(service));
        match path.strip_prefix(&self.shown) {
            Ok(below) => crate::source::slashed(&below.to_string_lossy()),
            Err(_) => service.to_owned(),
        }
    }
}

/// A `[[service]]` table `init` means to write, before it is named.
struct Table<'a> {
    service: &'a Service,
    /// Its directory relative to the root (a workload's name for a workload).
    scope: String,
    /// Its name before names are made unique.
    name: String,
    /// The files that configure its pools.
    files: BTreeSet<String>,
    /// The workloads its name may refer to (one is written as its `deployment`).
    candidates: Vec<&'a (String, String)>,
    /// (name, file) of the workload a Kubernetes or compose table is.
    own: Option<(String, String)>,
}

/// The tables of the services some file configures the pools of: workloads count as
/// services when their environment configures a pool.
fn planned_tables<'a>(
    model: &'a Model,
    root: &Root,
    relative: &dyn Fn(FileId) -> Option<String>,
    deployments: &'a [(String, String)],
) -> Vec<Table<'a>> {
    let services: Vec<(&Service, BTreeSet<String>)> = model
        .services
        .iter()
        .filter(|s| !is_workload(s) || !s.pools.is_empty())
        .map(|s| (s, pool_files(model, s, relative)))
        .filter(|(_, files)| !files.is_empty())
        .collect();
    let scopes: Vec<String> = services.iter().map(|(s, _)| root.scope(&s.name)).collect();
    let own_names: Vec<String> = scopes
        .iter()
        .map(|scope| service_name(scope, &root.name))
        .collect();
    let named = workloads_named(&own_names, deployments);
    services
        .into_iter()
        .zip(scopes.into_iter().zip(own_names))
        .zip(named)
        .map(|(((service, files), (scope, name)), named)| Table {
            service,
            scope,
            name,
            files,
            // An application `check` already ties to its compose service keeps that
            // one: no other workload is its deployment, nor loses its own table to it.
            candidates: match service
                .deployment
                .as_ref()
                .and_then(|d| d.inferred_link.as_ref())
            {
                Some(_) => Vec::new(),
                None => named.iter().filter_map(|&i| deployments.get(i)).collect(),
            },
            own: workload_key(service, relative),
        })
        .collect()
}

/// (name, file) of a Kubernetes or compose workload, as [`deployment_files`] lists it.
fn workload_key(
    service: &Service,
    relative: &dyn Fn(FileId) -> Option<String>,
) -> Option<(String, String)> {
    if !is_workload(service) {
        return None;
    }
    let file = service.deployment.as_ref()?.location?.file;
    let name = service.name.rsplit('/').next().unwrap_or(&service.name);
    Some((name.to_owned(), relative(file)?))
}

/// One table per workload: a workload whose environment configures a pool has its own
/// table, and the application named like it gets it as its `deployment` too, so
/// `check` counted its instances twice. The application's table keeps the workload (its
/// environment's pools come with it as the deployment) and the workload's own table is
/// left out. Except for a ConfigMap's application, read from the workload's own file:
/// then the workload's table stays and the application's is left out, as any table
/// naming that file claims the workload again; `check` counts the application apart
/// from the workload with or without that table (a table whose `deployment` is the
/// file releases the other services read from it alone).
fn one_table_per_workload(tables: Vec<Table>) -> Vec<Table> {
    let own: HashSet<(String, String)> = tables.iter().filter_map(|t| t.own.clone()).collect();
    let mut taken: HashSet<(String, String)> = HashSet::new();
    let mut in_workload_file: HashSet<usize> = HashSet::new();
    for (index, table) in tables.iter().enumerate().filter(|(_, t)| t.own.is_none()) {
        let [(name, path)] = table.candidates.as_slice() else {
            continue;
        };
        let key = (name.clone(), path.clone());
        if !own.contains(&key) {
            continue;
        }
        if table.files.iter().all(|f| f == path) {
            in_workload_file.insert(index);
        } else {
            taken.insert(key);
        }
    }
    tables
        .into_iter()
        .enumerate()
        .filter(|(index, t)| {
            !in_workload_file.contains(index)
                && t.own.as_ref().is_none_or(|key| !taken.contains(key))
        })
        .map(|(_, t)| t)
        .collect()
}

/// For each service name, the workloads (indices into `workloads`, in order) whose name
/// contains it or is contained in it: the ones the name may refer to. Found with two
/// Aho-Corasick automatons, not by comparing every service with every workload (a
/// monorepo has thousands of each).
fn workloads_named(services: &[String], workloads: &[(String, String)]) -> Vec<Vec<usize>> {
    use aho_corasick::AhoCorasick;
    let mut named: Vec<Vec<usize>> = vec![Vec::new(); services.len()];
    // Workload names inside a service's name (an empty name is inside every name, and
    // matches as such).
    let patterns: Vec<&str> = workloads.iter().map(|(n, _)| n.as_str()).collect();
    if let Ok(automaton) = AhoCorasick::new(&patterns) {
        for (service, found) in services.iter().zip(named.iter_mut()) {
            found.extend(
                automaton
                    .find_overlapping_iter(service.as_str())
                    .map(|m| m.pattern().as_usize()),
            );
        }
    }
    // Service names inside a workload's name.
    let patterns: Vec<&str> = services.iter().map(String::as_str).collect();
    if let Ok(automaton) = AhoCorasick::new(&patterns) {
        for (workload, (name, _)) in workloads.iter().enumerate() {
            for found in automaton.find_overlapping_iter(name.as_str()) {
                if let Some(list) = named.get_mut(found.pattern().as_usize()) {
                    list.push(workload);
                }
            }
        }
    }
    for list in &mut named {
        list.sort_unstable();
        list.dedup();
    }
    named
}

/// A service as `init` writes it.
struct Written<'a> {
    service: &'a Service,
    /// The files that configure its pools.
    files: &'a BTreeSet<String>,
    /// Its name in the manifest, unique among the services.
    name: &'a str,
}

/// The files (relative to the root) that configure `service`'s pools, and the file of
/// its runtime (`config/sidekiq.yml`): a Rails application's Puma and Sidekiq share
/// `database.yml`, and only the runtime's file tells their tables apart.
fn pool_files(
    model: &Model,
    service: &Service,
    relative: &dyn Fn(FileId) -> Option<String>,
) -> BTreeSet<String> {
    let pools = service.pools.iter().filter_map(|i| model.pools.get(*i));
    let runtime = crate::topology::runtime_file(model, service);
    pools
        // A merged pool's maximum may be written in another file than its anchor (a
        // node-config environment's file over `default.json`).
        .flat_map(|p| p.anchor.into_iter().chain(p.max.location()).map(|l| l.file))
        .chain(runtime.filter(|_| !service.pools.is_empty()))
        .filter_map(relative)
        .collect()
}

/// Most names a `connects-to` TODO lists: a monorepo has thousands, and listing them
/// all for every service made the manifest grow with their product.
const MAX_LISTED_TARGETS: usize = 8;

/// What a service's `connects-to` may name.
#[derive(Clone, Copy)]
enum Targets<'a> {
    /// The databases and poolers, by the names the manifest gives them.
    Named(&'a [String]),
    /// One database, but the service's pools name another engine or host.
    OtherServer,
}

fn write_service(
    out: &mut String,
    written: &Written,
    relative: &dyn Fn(FileId) -> Option<String>,
    targets: Targets,
    named: &[&(String, String)],
) {
    let Written {
        service,
        files,
        name: written_name,
    } = *written;
    let _ = write!(out, "\n[[service]]\nname = {}\n", quote(written_name));
    let own_file = service
        .deployment
        .as_ref()
        .and_then(|d| d.location)
        .and_then(|l| relative(l.file));
    let candidates: Vec<&(String, String)> = match own_file {
        // A workload configured by its environment is its own deployment.
        Some(_) if is_workload(service) => Vec::new(),
        _ => {
            let list: Vec<String> = files.iter().map(|f| quote(f)).collect();
            let _ = writeln!(out, "config = [{}]", list.join(", "));
            named.to_vec()
        }
    };
    let linked_by_check = service
        .deployment
        .as_ref()
        .and_then(|d| d.inferred_link.as_deref());
    if let (Some(path), true) = (&own_file, is_workload(service)) {
        let _ = writeln!(
            out,
            "deployment = {}   # its environment configures the pool",
            quote(path)
        );
        if runs_per_node(service) {
            out.push_str(
                "# instances = 1                # TODO: the node count (a DaemonSet runs one pod per node; 1 until set)\n",
            );
        }
    } else if let (Some(path), Some(_)) = (&own_file, linked_by_check) {
        // The compose service `check` ties the application to without a manifest (it
        // builds or mounts its files), or the Kubernetes workload that mounts the
        // ConfigMap it is read from: the same link, or the manifest would drop its
        // replicas. The reason names a host path, which a comment cannot hold safely.
        let mounts_config_map = service
            .deployment
            .as_ref()
            .is_some_and(|d| !d.mounted_files.is_empty());
        let why = match mounts_config_map {
            true => "its workload mounts the ConfigMap the application is read from",
            false => "its compose service builds or mounts the application's files",
        };
        let _ = writeln!(out, "deployment = {}   # inferred: {why}", quote(path));
    } else {
        match candidates.as_slice() {
        [(deployment, path)] => {
            let _ = writeln!(
                out,
                "deployment = {}   # inferred from the name `{deployment}`: confirm",
                quote(path)
            );
        }
        _ => out.push_str(
            "# instances = 1                # TODO: replicas (or deployment = \"k8s/app.yaml\"; 1 until set)\n",
        ),
        }
    }
    // A Node application runs one pool per process, and PM2 or Node's cluster module
    // runs several processes per instance: a PM2 process file read gives the count,
    // unless PM2 takes it from the host's CPUs; nothing read says a cluster module's.
    if service.ecosystem == Ecosystem::Node {
        match service.processes.as_ref().map(|p| &p.value) {
            Some(crate::model::Val::Known(_)) => {}
            Some(_) => out.push_str(
                "# processes = 1                # TODO: the host's CPU count (PM2 `instances` starts one process per CPU); 1 until set\n",
            ),
            None => out.push_str(
                "# processes = 1                # TODO: Node processes per instance (PM2 cluster `instances`, cluster workers); 1 until set\n",
            ),
        }
    }
    let targets = match targets {
        Targets::OtherServer => {
            out.push_str("# connects-to = \"\"              # TODO: its pools name another engine or host than the only database\n");
            &[]
        }
        Targets::Named(targets) => targets,
    };
    match targets {
        [only] => {
            let _ = writeln!(
                out,
                "connects-to = {}   # inferred: the only database or pooler",
                quote(only)
            );
        }
        [] => {}
        _ if targets.len() <= MAX_LISTED_TARGETS => {
            let _ = writeln!(
                out,
                "# connects-to = \"\"              # TODO: one of {}",
                // Quoted as `connects-to` takes them: a raw line break in a name would
                // end the comment and break the TOML.
                targets
                    .iter()
                    .map(|t| quote(t))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        _ => {
            let _ = writeln!(
                out,
                "# connects-to = \"\"              # TODO: one of the {} databases and poolers above",
                targets.len()
            );
        }
    }
    out.push_str(
        "# [service.load]               # TODO: the load you expect at peak\n\
         # peak-rps = 100               # fleet-wide requests per second that use the database\n\
         # hold-time = \"20ms\"           # mean time one request holds a connection\n\
         # request-timeout = \"2s\"       # the callers' deadline\n",
    );
}

/// A Kubernetes or compose workload (as opposed to an application's config files).
fn is_workload(service: &Service) -> bool {
    matches!(
        service.ecosystem,
        Ecosystem::Kubernetes | Ecosystem::Compose
    )
}

/// A workload whose instance count the files cannot say: the Kubernetes reader infers
/// one for a DaemonSet (a pod per node).
fn runs_per_node(service: &Service) -> bool {
    service.ecosystem == Ecosystem::Kubernetes
        && service
            .deployment
            .as_ref()
            .and_then(|d| d.replicas.as_ref())
            .is_some_and(|r| matches!(r.origin, crate::model::Origin::Inferred { .. }))
}

/// A service's name from its application directory relative to the root:
/// `orders/src/main/resources` is `orders` (the Maven/Gradle layout), anything else its
/// last directory; the root's own name when that is the root itself.
fn service_name(scope: &str, root_name: &str) -> String {
    Path::new(project_dir(scope)).file_name().map_or_else(
        || root_name.to_owned(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// The project directory of an application directory: `team/orders/src/main/resources`
/// is `team/orders`.
fn project_dir(scope: &str) -> &str {
    match scope.strip_suffix("src/main/resources") {
        // Whole components only: `xsrc/main/resources` is no Maven layout.
        Some(project) if project.is_empty() || project.ends_with('/') => {
            project.trim_end_matches('/')
        }
        _ => scope,
    }
}

/// The directory of a relative file path (`.` for a file at the root).
fn parent_dir(file: &str) -> String {
    match file.rsplit_once('/') {
        Some((dir, _)) => dir.to_owned(),
        None => ".".to_owned(),
    }
}

/// One name per (name, fallback), unique among them: a name several share (every
/// `db/postgresql.conf` makes a database `db`) becomes its fallback (the directory of
/// its file; not `.`, which names nothing), and a name still repeated gets `-2`, `-3`…
fn unique_names(names: Vec<(String, Option<String>)>) -> Vec<String> {
    let mut count: HashMap<&str, usize> = HashMap::new();
    for (name, _) in &names {
        *count.entry(name).or_default() += 1;
    }
    let chosen: Vec<&str> = names
        .iter()
        .map(|(name, fallback)| match fallback {
            Some(fallback)
                if count.get(name.as_str()) > Some(&1)
                    && !matches!(fallback.as_str(), "" | ".") =>
            {
                fallback.as_str()
            }
            _ => name.as_str(),
        })
        .collect();
    let taken: HashSet<&str> = chosen.iter().copied().collect();
    let mut used: HashSet<String> = HashSet::new();
    chosen
        .into_iter()
        .map(|name| {
            let mut unique = name.to_owned();
            let mut n = 1;
            // A suffixed name must not be one another entry has as it is.
            while used.contains(&unique) || (n > 1 && taken.contains(unique.as_str())) {
                n += 1;
                unique = format!("{name}-{n}");
            }
            used.insert(unique.clone());
            unique
        })
        .collect()
}

/// (workload name, file) of every Kubernetes or compose workload.
fn deployment_files(
    model: &Model,
    relative: &dyn Fn(FileId) -> Option<String>,
) -> BTreeSet<(String, String)> {
    model
        .services
        .iter()
        .filter_map(|s| workload_key(s, relative))
        .collect()
}

/// A TOML basic string, on one line: a name's control characters (a directory name
/// can hold a line break) escaped as TOML requires, so the manifest written parses.
fn quote(text: &str) -> String {
    use toml_writer::ToTomlValue as _;
    toml_writer::TomlStringBuilder::new(text)
        .as_basic()
        .to_toml_value()
}

/// Where `poollint init` writes: `poollint.toml` in `dir`.
pub fn target(dir: &Path) -> PathBuf {
    dir.join(crate::manifest::FILE_NAME)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(pairs: &[(&str, Option<&str>)]) -> Vec<String> {
        unique_names(
            pairs
                .iter()
                .map(|(n, f)| ((*n).to_owned(), f.map(str::to_owned)))
                .collect(),
        )
    }

    #[test]
    fn shared_names_become_their_directories_and_remaining_repeats_are_numbered() {
        assert_eq!(
            named(&[
                ("db", Some("a/db")),
                ("users", Some("u")),
                ("db", Some("b/db"))
            ]),
            ["a/db", "users", "b/db"]
        );
        // Same directory (or none): numbered, never a name another entry has.
        assert_eq!(
            named(&[
                ("db", Some("x")),
                ("db", Some("x")),
                ("x-2", None),
                ("db", None)
            ]),
            ["x", "x-3", "x-2", "db"]
        );
        // A file at the root (a compose database beside `db/postgresql.conf`): its
        // directory `.` names nothing.
        assert_eq!(
            named(&[("db", Some("db")), ("db", Some("."))]),
            ["db", "db-2"]
        );
    }

    #[test]
    fn workloads_named_are_those_whose_name_contains_or_is_inside_the_service_name() {
        let services: Vec<String> = ["orders", "orders-api", "web", "", "pay"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let workloads: Vec<(String, String)> =
            ["orders", "orders-worker", "api", "", "payments", "webapp"]
                .iter()
                .map(|n| ((*n).to_owned(), format!("{n}.yaml")))
                .collect();
        // The definition, comparing every pair.
        let expected: Vec<Vec<usize>> = services
            .iter()
            .map(|s| {
                (0..workloads.len())
                    .filter(|&i| {
                        s.contains(workloads[i].0.as_str()) || workloads[i].0.contains(s.as_str())
                    })
                    .collect()
            })
            .collect();
        assert_eq!(workloads_named(&services, &workloads), expected);
        assert_eq!(expected[0], [0, 1, 3]);
    }

    #[test]
    fn project_directories_follow_the_maven_layout_by_whole_components() {
        assert_eq!(project_dir("team/orders/src/main/resources"), "team/orders");
        assert_eq!(project_dir("xsrc/main/resources"), "xsrc/main/resources");
        assert_eq!(project_dir("src/main/resources"), "");
        assert_eq!(service_name("src/main/resources", "pm"), "pm");
        assert_eq!(service_name("", "pm"), "pm");
        assert_eq!(
            service_name("team/orders/src/main/resources", "pm"),
            "orders"
        );
    }
}
