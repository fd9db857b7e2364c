//! Merge the manifest's declared topology (`[[database]]`, `[[pooler]]`, `[[service]]`)
//! with the facts the ecosystem readers found in files. A service's config files bring
//! its pools and threads, its deployment file its replicas and autoscaling bounds, a
//! database's config its limits; every explicit manifest value wins over a file and
//! carries an `Origin::Manifest` so messages say where it came from.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::diagnostic::first_few;
use crate::ecosystems::spring;
use crate::manifest::topology::{
    Declared, DeclaredDatabase, DeclaredPooler, DeclaredService, DeclaredTopology,
};
use crate::model::{
    ClassSettings, Database, Engine, JpaFacts, Load, Location, Model, MountedFile, Origin, Pooler,
    Service, Setting, Val,
};
use crate::source::{FileId, SourceMap, Span};

/// PostgreSQL `max_connections` default [PG-CONN] (rules-catalogue §1.3).
const POSTGRES_MAX_CONNECTIONS: i64 = 100;
/// PostgreSQL `superuser_reserved_connections` default [PG-CONN] (§1.3).
const POSTGRES_SUPERUSER_RESERVED: i64 = 3;
/// MySQL `max_connections` default [MY-VARS] (§1.4).
const MYSQL_MAX_CONNECTIONS: i64 = 151;
/// `[service.load] max-wait-probability` default: 0.1 % (catalogue §2, heuristic).
pub const DEFAULT_MAX_WAIT_PROBABILITY: f64 = 0.001;

/// Apply `declared` (read from the manifest registered as `manifest`) to `model`. Each
/// declared table takes the first item read from the file it names (or from one of
/// them, for a service) and is merged into it, after the items no table took. Files are
/// looked up by path, not compared with every item: a monorepo's manifest declares
/// thousands of each.
pub fn assemble(model: &mut Model, declared: &DeclaredTopology, manifest: FileId) {
    let files = FileIndex::new(&model.sources, &declared.files());
    model.databases = merge_declared(
        std::mem::take(&mut model.databases),
        &declared.databases,
        |d| files.ids_of(d.config.as_ref()),
        Database::source_file,
        |found, d| merge_database(found, d, manifest),
    );
    model.poolers = merge_declared(
        std::mem::take(&mut model.poolers),
        &declared.poolers,
        |p| files.ids_of(p.config.as_ref()),
        Pooler::source_file,
        |found, p| merge_pooler(found, p, manifest),
    );
    rename_shadowed(model, declared.databases.len(), declared.poolers.len());
    let mut services = ReadServices {
        slots: Slots::new(std::mem::take(&mut model.services), |s| {
            service_files(model, s)
        }),
        taken: HashMap::new(),
    };
    // Declared services are kept apart from the services read, so a later table naming
    // the same config file gets its own copy of what was read instead of taking over
    // the earlier table's service (whose connections would then never be counted).
    let mut merged = Vec::with_capacity(declared.services.len());
    let mut replaced = Vec::new();
    for service in &declared.services {
        merged.push(merge_service(
            model,
            (&mut services, &mut replaced),
            service,
            manifest,
            &files,
        ));
    }
    model.services = services.slots.into_items();
    rename_shadowed_services(model, &merged);
    model.services.extend(merged);
    drop_replaced_pools(model, &replaced);
}

/// Remove the pools a deployment replaced that no service counts any more: its
/// environment's pools applied onto the application's pools ([`overlay_environment`]),
/// and the HikariCP pools its data source type replaces ([`take_framework_hikari_pools`]).
/// The application's pool judges an environment pool's settings together with the
/// file's; by itself, over its library's defaults for every setting the deployment does
/// not write, such a pool reported what does not run (a deployment URL without
/// `socketTimeout`, beside the file's `socketTimeout` property). The services' pool
/// indices are renumbered.
fn drop_replaced_pools(model: &mut Model, replaced: &[usize]) {
    let counted: HashSet<usize> = model
        .services
        .iter()
        .flat_map(Service::pool_indices)
        .copied()
        .collect();
    let mut dropped = vec![false; model.pools.len()];
    for &index in replaced.iter().filter(|i| !counted.contains(i)) {
        if let Some(flag) = dropped.get_mut(index) {
            *flag = true;
        }
    }
    if !dropped.contains(&true) {
        return;
    }
    let renumbered: Vec<usize> = dropped
        .iter()
        .scan(0, |next, &gone| {
            let index = *next;
            *next += usize::from(!gone);
            Some(index)
        })
        .collect();
    let mut flags = dropped.into_iter();
    model.pools.retain(|_| !flags.next().unwrap_or(false));
    for pool in model
        .services
        .iter_mut()
        .flat_map(Service::pool_indices_mut)
    {
        *pool = renumbered.get(*pool).copied().unwrap_or(*pool);
    }
}

/// A service read and taken by no table keeps the name it was inferred under (its
/// directory) unless a table declares that name: then it is named by its first file
/// (`app/application.yml`), as [`rename_shadowed`] names a database, so that fleet
/// messages and `poollint capacity` do not show two services of one name.
fn rename_shadowed_services(model: &mut Model, declared: &[Service]) {
    let names: HashSet<&str> = declared.iter().map(|s| s.name.as_str()).collect();
    let renames: Vec<(usize, String)> = model
        .services
        .iter()
        .enumerate()
        .filter(|(_, s)| names.contains(s.name.as_str()))
        .filter_map(|(index, service)| {
            let file = service_files(model, service).into_iter().next()?;
            Some((index, model.sources.display(file).to_owned()))
        })
        .collect();
    for (index, name) in renames {
        if let Some(service) = model.services.get_mut(index) {
            service.name = name;
        }
    }
}

/// A database or pooler no table took keeps the name it was read under (its directory,
/// `db` for `db/postgresql.conf`) unless a table declares that name: then the declared
/// one is what `connects-to`, the rules and `poollint capacity` mean by it, and the
/// read one is named by its file (`db/postgresql.conf`), as `init` names a directory
/// several tables share. Without this a name would resolve to the item read, which
/// [`merge_declared`] puts first, and the report would list two databases of one name.
/// The declared items are the last `declared_databases` and `declared_poolers` of each
/// list.
fn rename_shadowed(model: &mut Model, declared_databases: usize, declared_poolers: usize) {
    let read_databases = model.databases.len().saturating_sub(declared_databases);
    let read_poolers = model.poolers.len().saturating_sub(declared_poolers);
    let declared: HashSet<String> = model
        .databases
        .iter()
        .skip(read_databases)
        .map(|d| d.name.clone())
        .chain(
            model
                .poolers
                .iter()
                .skip(read_poolers)
                .map(|p| p.name.clone()),
        )
        .collect();
    if declared.is_empty() {
        return;
    }
    let path_of = |sources: &SourceMap, file: Option<FileId>| {
        file.map(|file| sources.display(file).to_owned())
    };
    for database in model.databases.iter_mut().take(read_databases) {
        if declared.contains(&database.name) {
            if let Some(path) = path_of(&model.sources, database.source_file()) {
                database.name = path;
            }
        }
    }
    for pooler in model.poolers.iter_mut().take(read_poolers) {
        if declared.contains(&pooler.name) {
            if let Some(path) = path_of(&model.sources, pooler.source_file()) {
                pooler.name = path;
            }
        }
    }
}

/// Notes for the declared services with pools that no `connects-to` ties to a database
/// and that no link is inferred for ([`crate::model::links::inferred_link`]): their
/// connections count against no database, which would otherwise go unsaid. Each note
/// is at the service's `name` in the manifest.
pub fn unlinked_notes(model: &Model, declared: &DeclaredTopology, manifest: FileId) -> Vec<String> {
    if model.databases.is_empty() && model.poolers.is_empty() {
        return Vec::new();
    }
    let inferred = |service: &Service| {
        model
            .databases
            .iter()
            .any(|d| crate::model::links::inferred_link(model, d, service).is_some())
    };
    let with_pools: HashSet<&str> = model
        .services
        .iter()
        .filter(|s| !s.pools.is_empty() && s.connects_to.is_none() && !inferred(s))
        .map(|s| s.name.as_str())
        .collect();
    let targets = link_targets(model);
    let services = declared
        .services
        .iter()
        .filter(|s| s.connects_to.is_none() && with_pools.contains(s.name.value.as_str()))
        .map(|service| {
            let at = manifest_place(model, manifest, service.name.span);
            format!(
                "{at}: service `{}` has no connects-to, so its connections count against no database: {targets}, and a link is inferred only to a lone database without a pooler, declared or next to the service's files, from pools of its engine and host; add connects-to = \"<name>\" to its [[service]] table",
                service.name.value
            )
        });
    let mut notes: Vec<String> = services.collect();
    notes.extend(unlinked_pooler_notes(model, declared, manifest));
    notes
}

/// Notes for the declared poolers no `connects-to` ties to a database while the model
/// has one: a pooler's link is never inferred, so its server connections count against
/// no database and `pgbouncer-server-conns-exceed-postgres` cannot check them.
fn unlinked_pooler_notes(
    model: &Model,
    declared: &DeclaredTopology,
    manifest: FileId,
) -> Vec<String> {
    let Some(database) = model.databases.first() else {
        return Vec::new();
    };
    declared
        .poolers
        .iter()
        .filter(|p| p.connects_to.is_none())
        .map(|pooler| {
            let at = manifest_place(model, manifest, pooler.name.span);
            format!(
                "{at}: pooler `{}` has no connects-to, so its server connections count against no database and are not compared with any database's max_connections; add connects-to = \"{}\" (or another database's name) to its [[pooler]] table",
                pooler.name.value, database.name
            )
        })
        .collect()
}

/// `there are 2 databases (users, declared; db, read from db/postgresql.conf) and no
/// pooler`: what a service could connect to, and where each came from.
/// Most databases (and poolers) an unlinked service's note names: each such service
/// has a note, and naming every target in each grew with their product (1,500
/// services and databases: 48 MB of notes). The manifest lists them all.
const LISTED_TARGETS: usize = 10;

fn link_targets(model: &Model) -> String {
    let databases: Vec<String> = model
        .databases
        .iter()
        .map(
            |d| match (d.declared, d.file.and_then(|f| model.sources.get(f))) {
                (false, Some(file)) => format!("{}, read from {}", d.name, file.display),
                (true, _) => format!("{}, declared", d.name),
                (false, None) => d.name.clone(),
            },
        )
        .collect();
    let poolers: Vec<String> = model.poolers.iter().map(|p| p.name.clone()).collect();
    let count = |n: usize, one: &str, many: &str| match n {
        0 => format!("no {one}"),
        1 => format!("1 {one}"),
        n => format!("{n} {many}"),
    };
    let mut text = format!(
        "there {} {}",
        if databases.len() == 1 { "is" } else { "are" },
        count(databases.len(), "database", "databases")
    );
    if !databases.is_empty() {
        text.push_str(&format!(
            " ({})",
            first_few(&databases, "; ", LISTED_TARGETS)
        ));
    }
    text.push_str(&format!(
        " and {}",
        count(poolers.len(), "pooler", "poolers")
    ));
    if !poolers.is_empty() {
        text.push_str(&format!(" ({})", first_few(&poolers, ", ", LISTED_TARGETS)));
    }
    text
}

/// `poollint.toml:7`.
fn manifest_place(model: &Model, manifest: FileId, span: Span) -> String {
    model
        .sources
        .file_line(manifest, span.start)
        .unwrap_or_else(|| "poollint.toml".to_owned())
}

/// Items in their order, each found by the files it was read from; taking one leaves
/// its slot empty, so the others keep their places.
struct Slots<T> {
    items: Vec<Option<T>>,
    /// File → the slots of the items read from it, in order.
    by_file: HashMap<FileId, Vec<usize>>,
}

impl<T> Slots<T> {
    fn new(items: Vec<T>, files_of: impl Fn(&T) -> Vec<FileId>) -> Self {
        let mut slots = Slots {
            items: Vec::with_capacity(items.len()),
            by_file: HashMap::new(),
        };
        for item in items {
            let files = files_of(&item);
            slots.push(item, files);
        }
        slots
    }

    fn push(&mut self, item: T, files: Vec<FileId>) {
        let slot = self.items.len();
        for file in files.into_iter().collect::<HashSet<_>>() {
            self.by_file.entry(file).or_default().push(slot);
        }
        self.items.push(Some(item));
    }

    /// The slots still holding an item read from one of `files`, in order.
    fn read_from(&self, files: &HashSet<FileId>) -> Vec<usize> {
        let mut found = self.all_read_from(files);
        found.retain(|&slot| self.get(slot).is_some());
        found
    }

    /// Every slot of an item read from one of `files`, taken or not, in order.
    fn all_read_from(&self, files: &HashSet<FileId>) -> Vec<usize> {
        let mut found: Vec<usize> = files
            .iter()
            .filter_map(|file| self.by_file.get(file))
            .flatten()
            .copied()
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }

    fn get(&self, slot: usize) -> Option<&T> {
        self.items.get(slot).and_then(Option::as_ref)
    }

    fn take(&mut self, slot: usize) -> Option<T> {
        self.items.get_mut(slot).and_then(Option::take)
    }

    fn into_items(self) -> Vec<T> {
        self.items.into_iter().flatten().collect()
    }
}

/// A service a table claimed ([`ReadServices::claim`]).
struct Claimed {
    slot: usize,
    service: Service,
    /// Taken by this claim, not a copy of what an earlier table took.
    fresh: bool,
}

/// The services read from files, for `[[service]]` tables: a table takes the ones read
/// from the files it names; a later table naming the same files (two services run the
/// same configuration) gets a copy of what the earlier one took.
struct ReadServices {
    slots: Slots<Service>,
    /// Slot → the service as read, once a table took it.
    taken: HashMap<usize, Service>,
}

impl ReadServices {
    /// The services read from `files` (each once, in order), taken or copied, of an
    /// application's runtimes only the one the table is ([`ReadServices::runtime_slots`]);
    /// each with its slot and whether this claim took it (not a copy of another's).
    fn claim(
        &mut self,
        files: &HashSet<FileId>,
        table: &str,
        runtime: impl Fn(&Service) -> Option<FileId>,
    ) -> Vec<Claimed> {
        let mut slots = self.slots.all_read_from(files);
        let runtimes: Vec<(usize, FileId)> = slots
            .iter()
            .filter_map(|&slot| Some((slot, runtime(self.read(slot)?)?)))
            .collect();
        if runtimes.len() > 1 {
            let kept = self.runtime_slots(&runtimes, files, table);
            slots.retain(|slot| kept.contains(slot) || runtimes.iter().all(|(r, _)| r != slot));
        }
        let mut claimed = Vec::new();
        for slot in slots {
            if let Some(service) = self.slots.take(slot) {
                self.taken.insert(slot, service.clone());
                claimed.push(Claimed {
                    slot,
                    service,
                    fresh: true,
                });
            } else if let Some(copy) = self.taken.get(&slot) {
                claimed.push(Claimed {
                    slot,
                    service: copy.clone(),
                    fresh: false,
                });
            }
        }
        claimed
    }

    /// Gives back a service this table took but does not use: it stays a service of its
    /// own, as without a manifest, and another table may take it.
    fn release(&mut self, claimed: Claimed) {
        if claimed.fresh {
            self.taken.remove(&claimed.slot);
            if let Some(item) = self.slots.items.get_mut(claimed.slot) {
                *item = Some(claimed.service);
            }
        }
    }

    /// The service read into `slot`, taken or not.
    fn read(&self, slot: usize) -> Option<&Service> {
        self.slots.get(slot).or_else(|| self.taken.get(&slot))
    }

    /// Of several runtimes read from one application's files (Puma and Sidekiq share
    /// `database.yml`), the ones a table is: those whose runtime file it names; naming
    /// none (manifests `init` wrote before it named them), the one whose name ends as
    /// the table's (`app (sidekiq)`), else the first no earlier table took. Merging them
    /// gave every table the first runtime's threads and processes.
    fn runtime_slots(
        &self,
        runtimes: &[(usize, FileId)],
        files: &HashSet<FileId>,
        table: &str,
    ) -> Vec<usize> {
        let named: Vec<usize> = runtimes
            .iter()
            .filter(|(_, file)| files.contains(file))
            .map(|(slot, _)| *slot)
            .collect();
        if !named.is_empty() {
            return named;
        }
        let same_suffix = runtime_suffix(table).and_then(|wanted| {
            runtimes.iter().find(|(slot, _)| {
                self.read(*slot)
                    .is_some_and(|s| runtime_suffix(&s.name) == Some(wanted))
            })
        });
        let untaken = || {
            runtimes
                .iter()
                .find(|(slot, _)| self.slots.get(*slot).is_some())
        };
        same_suffix
            .or_else(untaken)
            .or(runtimes.first())
            .map(|(slot, _)| *slot)
            .into_iter()
            .collect()
    }
}

/// The ` (sidekiq)` of `app (sidekiq)`: the runtime a Rails service name says.
fn runtime_suffix(name: &str) -> Option<&str> {
    name.rfind(" (").and_then(|at| name.get(at..))
}

/// Merge each declared table into the first item read from its file (None when it
/// names none, or no item was read from it), in declared order after the items left.
fn merge_declared<T, D>(
    items: Vec<T>,
    declared: &[D],
    files_named: impl Fn(&D) -> HashSet<FileId>,
    file_of: impl Fn(&T) -> Option<FileId>,
    merge: impl Fn(Option<T>, &D) -> T,
) -> Vec<T> {
    let mut slots = Slots::new(items, |item| file_of(item).into_iter().collect());
    for table in declared {
        let named = files_named(table);
        let found = slots
            .read_from(&named)
            .first()
            .and_then(|&slot| slots.take(slot));
        let merged = merge(found, table);
        let files = file_of(&merged).into_iter().collect();
        slots.push(merged, files);
    }
    slots.into_items()
}

/// Without a manifest: tie each application (config files with pools) to the one
/// compose service that builds it or mounts its config (its `build` context or a bind
/// mount holds the application's files), so the service's replicas and environment
/// multiply and override its pools. Ambiguous cases (several services match) are left
/// apart. The link is recorded as inferred, and messages say so.
pub fn infer_deployments(model: &mut Model) {
    let is_workload = |s: &Service| {
        s.deployment
            .as_ref()
            .is_some_and(|d| !d.host_paths.is_empty())
    };
    // Host path → the workloads that build or mount it, so each application file looks
    // up its ancestors instead of comparing with every workload (linear in the tree).
    let mut by_host_path: HashMap<&Path, Vec<usize>> = HashMap::new();
    for (index, workload) in model.services.iter().enumerate() {
        for path in workload.deployment.iter().flat_map(|d| &d.host_paths) {
            by_host_path.entry(path.as_path()).or_default().push(index);
        }
    }
    if by_host_path.is_empty() {
        return;
    }
    let mut pairs = Vec::new();
    for (app_index, app) in model.services.iter().enumerate() {
        if is_workload(app) || app.deployment.is_some() || app.pools.is_empty() {
            continue;
        }
        let mut found: Vec<(usize, PathBuf)> = Vec::new();
        let mut files = service_files(model, app);
        files.sort();
        files.dedup();
        for file in files {
            let Some(source) = model.sources.get(file) else {
                continue;
            };
            let path = crate::source::normalise(&source.path);
            for ancestor in path.ancestors() {
                for &workload in by_host_path.get(ancestor).into_iter().flatten() {
                    if !found.iter().any(|(w, _)| *w == workload) {
                        found.push((workload, ancestor.to_path_buf()));
                    }
                }
            }
        }
        if let [(workload, host)] = found.as_slice() {
            let name = model
                .services
                .get(*workload)
                .map_or("", |w| w.name.as_str());
            // The compose file's own directory (`build: .`) is an empty relative path.
            let shown = match crate::source::display_path(host).as_str() {
                "" => ".".to_owned(),
                shown => shown.to_owned(),
            };
            let why = format!("compose service {name} builds or mounts {shown}");
            pairs.push((app_index, (*workload, why)));
        }
    }
    // A workload that builds several applications is ambiguous too.
    let unique: Vec<(usize, (usize, String))> = pairs
        .iter()
        .filter(|(_, (w, _))| pairs.iter().filter(|(_, (v, _))| v == w).count() == 1)
        .cloned()
        .collect();
    let mut services: Vec<Option<Service>> = std::mem::take(&mut model.services)
        .into_iter()
        .map(Some)
        .collect();
    let mut merged = Vec::new();
    for (app, (workload, why)) in unique {
        let app = services.get_mut(app).and_then(Option::take);
        let workload = services.get_mut(workload).and_then(Option::take);
        if let (Some(app), Some(workload)) = (app, workload) {
            merged.push((app, workload, why));
        }
    }
    model.services = services.into_iter().flatten().collect();
    let mut replaced = Vec::new();
    for (app, workload, why) in merged {
        let name = workload.name.clone();
        let mut service = deploy(model, &name, vec![app], Some(workload), &mut replaced);
        if let Some(deployment) = service.deployment.as_mut() {
            deployment.inferred_link = Some(why);
        }
        model.services.push(service);
    }
    drop_replaced_pools(model, &replaced);
}

/// Take out of the services read the pools a project's `.env` gives a compose service
/// of its directory: Compose reads that `.env` to interpolate the compose file, and a
/// variable a service takes from it (`DATABASE_URL: ${DATABASE_URL}`) is that service's
/// pool, not the pool of another application. A `.env` pool is the service's when a
/// compose service of a file in the same directory sets a variable of the same name to
/// the same text. The pools stay in the model (their own rules check them where they
/// are written); a `.env` application left without a pool is no service. The services
/// named in `declared` (tables of the manifest) are left as they are.
pub fn drop_compose_interpolation_pools(model: &mut Model, declared: &HashSet<&str>) {
    let undeclared = |s: &Service| s.deployment.is_none() && !declared.contains(s.name.as_str());
    let given: Vec<usize> = model
        .services
        .iter()
        .filter(|s| undeclared(s))
        .flat_map(|s| s.pools.iter().copied())
        .filter(|&index| {
            model
                .pools
                .get(index)
                .is_some_and(|pool| compose_takes_dotenv_pool(model, pool))
        })
        .collect();
    if given.is_empty() {
        return;
    }
    for service in model.services.iter_mut().filter(|s| undeclared(s)) {
        service.pools.retain(|index| !given.contains(index));
    }
    model
        .services
        .retain(|s| !undeclared(s) || !s.pools.is_empty());
}

/// Whether `pool`, read from a project's `.env`, is a variable a compose service of the
/// same directory sets to the same text (by interpolation).
fn compose_takes_dotenv_pool(model: &Model, pool: &crate::model::Pool) -> bool {
    let Some(location) = pool.connection.as_ref().and_then(|c| c.location) else {
        return false;
    };
    let Some(source) = model.sources.get(location.file) else {
        return false;
    };
    if source.path.file_name().is_none_or(|n| n != ".env") {
        return false;
    }
    let Some(value) = source.text().get(location.span.start..location.span.end) else {
        return false;
    };
    let directory = source.path.parent();
    model.services.iter().any(|service| {
        let Some(deployment) = service.deployment.as_deref() else {
            return false;
        };
        let in_directory = deployment
            .location
            .and_then(|at| model.sources.get(at.file))
            .is_some_and(|compose| compose.path.parent() == directory);
        in_directory
            && deployment
                .environment
                .iter()
                .any(|var| *var.name == *pool.name && var.value == value)
    })
}

/// Tie each application read from a file a Kubernetes workload mounts (`application.yml`
/// in a ConfigMap's `data`, [`crate::model::Deployment::mounted_files`]) to that
/// workload: every replica reads the file and opens its pools, so the workload's
/// replicas, surge and autoscaler multiply them and its environment overrides them, as
/// for the compose service that mounts an application's file ([`infer_deployments`]).
/// Done with or without a manifest: a table naming the workload's file then takes the
/// one service. A file several workloads mount runs in each of them, each with its own
/// copy of the application's pools. The link is recorded as inferred: where the
/// application looks for its configuration is not compared with the mount path.
pub fn link_mounted_applications(model: &mut Model) {
    let runs_in = mounted_applications(model);
    if runs_in.is_empty() {
        return;
    }
    let app_indices: HashSet<usize> = runs_in.values().flatten().map(|(app, _)| *app).collect();
    let mut indices: Vec<usize> = app_indices.iter().chain(runs_in.keys()).copied().collect();
    indices.sort_unstable();
    indices.dedup();
    let mut apps: HashMap<usize, Service> = HashMap::with_capacity(app_indices.len());
    let mut workloads = Vec::with_capacity(indices.len().saturating_sub(app_indices.len()));
    for (index, service) in take_services(&mut model.services, &indices) {
        if app_indices.contains(&index) {
            apps.insert(index, service);
        } else {
            workloads.push((index, service));
        }
    }
    // How many workloads run each application: one alone takes it, not a copy.
    let mut runs: HashMap<usize, usize> = HashMap::new();
    for (app, _) in runs_in.values().flatten() {
        *runs.entry(*app).or_default() += 1;
    }
    let mut deployed = HashSet::new();
    // Every copy is made before any workload's environment overlays the pools copied.
    let mut linked = Vec::with_capacity(workloads.len());
    for (workload_index, workload) in workloads {
        let mounted = runs_in.get(&workload_index).map_or(&[][..], Vec::as_slice);
        // Sized: a vector's first push makes room for four services, mostly for one.
        let mut parts = Vec::with_capacity(mounted.len());
        let mut reasons = Vec::with_capacity(mounted.len());
        for (app, why) in mounted {
            let alone = runs.get(app) == Some(&1);
            let Some(part) = part_for_workload(model, &mut apps, &mut deployed, *app, alone) else {
                continue;
            };
            parts.push(part);
            reasons.push(why.clone());
        }
        linked.push((workload, parts, reasons.join("; ")));
    }
    // Every part is taken or copied: the applications' originals are not needed.
    drop(apps);
    // One linked service per workload taken out: the vector has room for them.
    let mut replaced = Vec::new();
    for (workload, parts, why) in linked {
        let name = workload.name.clone();
        let mut service = deploy(model, &name, parts, Some(workload), &mut replaced);
        if let Some(deployment) = service.deployment.as_mut() {
            deployment.inferred_link = Some(why);
        }
        model.services.push(service);
    }
    drop_replaced_pools(model, &replaced);
}

/// The application `app` as one workload runs it: the first workload takes the
/// application's pools, the others copies of them. An application that workload runs
/// `alone` is moved into it, not copied.
fn part_for_workload(
    model: &mut Model,
    apps: &mut HashMap<usize, Service>,
    deployed: &mut HashSet<usize>,
    app: usize,
    alone: bool,
) -> Option<Service> {
    if alone {
        return apps.remove(&app);
    }
    let service = apps.get(&app)?;
    Some(match deployed.insert(app) {
        true => service.clone(),
        false => own_copy(model, service),
    })
}

/// Move the services at `indices` (ascending) out of `services`, with their indices in
/// order, leaving the others in order where they are: copying every service into a
/// second vector was a tenth of the peak memory of a large tree. A stable partition by
/// swaps puts the others first; where each service came from is swapped alongside.
fn take_services(services: &mut Vec<Service>, indices: &[usize]) -> Vec<(usize, Service)> {
    let mut origin: Vec<usize> = (0..services.len()).collect();
    let mut wanted = indices.iter().peekable();
    let mut kept = 0;
    for read in 0..services.len() {
        if wanted.next_if_eq(&&read).is_some() {
            continue;
        }
        services.swap(kept, read);
        origin.swap(kept, read);
        kept += 1;
    }
    let taken = services.split_off(kept);
    let mut taken: Vec<(usize, Service)> = origin.split_off(kept).into_iter().zip(taken).collect();
    taken.sort_unstable_by_key(|(index, _)| *index);
    taken
}

/// For each workload (by index) that mounts an application's file, the applications
/// (by index) it runs and why.
fn mounted_applications(model: &Model) -> HashMap<usize, Vec<(usize, String)>> {
    // The files mounted, by the manifest file that holds their text, so that each
    // application looks up its own file instead of comparing with every workload.
    let mut mounted: HashMap<FileId, Vec<(usize, &MountedFile)>> = HashMap::new();
    for (workload, service) in model.services.iter().enumerate() {
        for file in service.deployment.iter().flat_map(|d| &d.mounted_files) {
            mounted
                .entry(file.location.file)
                .or_default()
                .push((workload, file));
        }
    }
    if mounted.is_empty() {
        return HashMap::new();
    }
    let mut runs_in: HashMap<usize, Vec<(usize, String)>> = HashMap::new();
    for (app_index, app) in model.services.iter().enumerate() {
        if app.deployment.is_some() || app.pools.is_empty() {
            continue;
        }
        let Some(at) = application_location(model, app) else {
            continue;
        };
        let mut seen = HashSet::new();
        for (workload, file) in mounted.get(&at.file).into_iter().flatten() {
            // One link per workload, whatever entries of one key it mounts.
            if file.location.span.contains(at.span) && seen.insert(*workload) {
                let name = model
                    .services
                    .get(*workload)
                    .map_or("", |w| w.name.as_str());
                let why = format!("{name} mounts {}", file.source);
                runs_in.entry(*workload).or_default().push((app_index, why));
            }
        }
    }
    runs_in
}

/// Where an application's first pool is written (its anchor, else its maximum).
fn application_location(model: &Model, app: &Service) -> Option<Location> {
    let pool = model.pools.get(*app.pools.first()?)?;
    pool.anchor.or_else(|| pool.max.location())
}

/// `app` with a copy of each of its pools, for another workload than the first that
/// runs it: the environment of the workload it is deployed with overrides them in
/// place.
fn own_copy(model: &mut Model, app: &Service) -> Service {
    let mut copy = app.clone();
    copy.pools = app
        .pools
        .iter()
        .filter_map(|&index| {
            let pool = model.pools.get(index)?.clone();
            model.pools.push(pool);
            Some(model.pools.len() - 1)
        })
        .collect();
    copy
}

/// The registered files by the path they resolve to, and the paths the manifest names
/// resolved, so a named path finds its files in one lookup.
struct FileIndex {
    by_canonical: HashMap<PathBuf, Vec<FileId>>,
    named: HashMap<PathBuf, PathBuf>,
}

impl FileIndex {
    fn new(sources: &SourceMap, named: &[PathBuf]) -> Self {
        use rayon::prelude::*;
        let mut by_canonical: HashMap<PathBuf, Vec<FileId>> = HashMap::new();
        for (file, path) in sources.files().iter().zip(sources.canonical_paths()) {
            if let Some(path) = path {
                by_canonical.entry(path).or_default().push(file.id);
            }
        }
        // A lookup per path component: in parallel, for a manifest's thousands.
        let named = named
            .par_iter()
            .filter_map(|path| Some((path.clone(), std::fs::canonicalize(path).ok()?)))
            .collect();
        FileIndex {
            by_canonical,
            named,
        }
    }

    /// The files registered at `path`, a path the manifest names (none when it does not
    /// resolve).
    fn at(&self, path: &Path) -> &[FileId] {
        self.named
            .get(path)
            .and_then(|canonical| self.by_canonical.get(canonical))
            .map_or(&[], Vec::as_slice)
    }

    /// The files registered at each of `paths`.
    fn ids_of<'p>(
        &self,
        paths: impl IntoIterator<Item = &'p Declared<PathBuf>>,
    ) -> HashSet<FileId> {
        paths
            .into_iter()
            .flat_map(|path| self.at(&path.value))
            .copied()
            .collect()
    }
}

fn file_of<T>(setting: &Setting<T>) -> Option<FileId> {
    match &setting.origin {
        Origin::File { file, .. } => Some(*file),
        other => other.location().map(|l| l.file),
    }
}

/// A setting declared in the manifest.
fn manifest_setting<T: Clone>(declared: &Declared<T>, manifest: FileId) -> Setting<T> {
    Setting {
        value: Val::Known(declared.value.clone()),
        origin: Origin::Manifest {
            file: manifest,
            span: declared.span,
            key: declared.key.as_str().into(),
        },
    }
}

fn manifest_location(span: Span, manifest: FileId) -> Location {
    Location {
        file: manifest,
        span,
    }
}

fn merge_database(
    found: Option<Database>,
    declared: &DeclaredDatabase,
    manifest: FileId,
) -> Database {
    let engine = declared
        .engine
        .as_ref()
        .map(|e| e.value)
        .or(found.as_ref().map(|d| d.engine))
        .unwrap_or(Engine::Postgres);
    let anchor = manifest_location(declared.name.span, manifest);
    let mut database = found.unwrap_or_else(|| default_database(engine, anchor));
    database.name = declared.name.value.clone();
    database.engine = engine;
    database.declared = true;
    let set = |d: &Option<Declared<i64>>| d.as_ref().map(|d| manifest_setting(d, manifest));
    if let Some(max) = set(&declared.max_connections) {
        database.max_connections = max;
    }
    database.superuser_reserved_connections = set(&declared.superuser_reserved_connections)
        .or(database.superuser_reserved_connections.take());
    database.reserved_connections =
        set(&declared.reserved_connections).or(database.reserved_connections.take());
    database.cores = set(&declared.cores).or(database.cores.take());
    database.other_clients = set(&declared.other_clients).or(database.other_clients.take());
    database
}

/// A database known only from the manifest: the engine's documented defaults.
fn default_database(engine: Engine, anchor: Location) -> Database {
    let (library, doc, max) = match engine {
        Engine::Postgres => (
            &"PostgreSQL",
            &"https://www.postgresql.org/docs/current/runtime-config-connection.html",
            POSTGRES_MAX_CONNECTIONS,
        ),
        Engine::MySql | Engine::MariaDb => (
            &"MySQL",
            &"https://dev.mysql.com/doc/refman/8.4/en/server-system-variables.html",
            MYSQL_MAX_CONNECTIONS,
        ),
    };
    let default = |value: i64| Setting {
        value: Val::Known(value),
        origin: Origin::Default {
            library,
            doc,
            anchor: Some(anchor),
        },
    };
    Database {
        superuser_reserved_connections: (engine == Engine::Postgres)
            .then(|| default(POSTGRES_SUPERUSER_RESERVED)),
        declared: true,
        ..Database::new(String::new(), engine, default(max))
    }
}

fn merge_pooler(found: Option<Pooler>, declared: &DeclaredPooler, manifest: FileId) -> Pooler {
    let mut pooler = found.unwrap_or_else(|| Pooler::named(String::new()));
    pooler.name = declared.name.value.clone();
    if let Some(instances) = &declared.instances {
        pooler.instances = Some(manifest_setting(instances, manifest));
    }
    if let Some(target) = &declared.connects_to {
        pooler.connects_to = Some(target.value.clone());
    }
    pooler
}

/// The files a reader's service was read from.
fn service_files(model: &Model, service: &Service) -> Vec<FileId> {
    let pools = service.pools.iter().filter_map(|i| model.pools.get(*i));
    let pool_files =
        pools.flat_map(|p| p.anchor.map(|a| a.file).into_iter().chain(file_of(&p.max)));
    let deployment = service
        .deployment
        .as_ref()
        .and_then(|d| d.location.map(|l| l.file));
    let threads = service.threads.as_ref().and_then(file_of);
    let jpa = service.jpa.as_ref().map(|j| j.anchor.file);
    pool_files
        .chain(deployment)
        .chain(threads)
        .chain(jpa)
        .chain(imported_by(service).iter().copied())
        .collect()
}

/// The compose files whose `include:` imports the service (none for another service).
fn imported_by(service: &Service) -> &[FileId] {
    service
        .deployment
        .as_ref()
        .map_or(&[], |d| d.imported_by.as_slice())
}

/// The files that are `service`'s deployment when `deployment` names them: those, the
/// files whose `include:` imports it (its project's, never its own configuration), and
/// its own compose file when one of them is named.
fn deployment_side(service: &Service, deployment: &HashSet<FileId>) -> HashSet<FileId> {
    let importers = imported_by(service);
    let mut side = deployment.clone();
    side.extend(importers.iter().copied());
    if importers.iter().any(|f| deployment.contains(f)) {
        side.extend(
            service
                .deployment
                .as_ref()
                .and_then(|d| d.location.map(|l| l.file)),
        );
    }
    side
}

/// The file a service's runtime was read from (Puma's `puma.rb`, Sidekiq's
/// `sidekiq.yml`) when it is none of its pools' files: the runtimes of an application
/// share its pool files, and this file tells them apart.
pub(crate) fn runtime_file(model: &Model, service: &Service) -> Option<FileId> {
    if service.deployment.is_some() {
        return None;
    }
    let pool_files: HashSet<FileId> = service
        .pools
        .iter()
        .filter_map(|i| model.pools.get(*i))
        .flat_map(|p| p.anchor.map(|a| a.file).into_iter().chain(file_of(&p.max)))
        .collect();
    let server_file = service.server_files.as_ref().and_then(|f| f.default);
    let settings = [service.threads.as_ref(), service.processes.as_deref()];
    server_file
        .into_iter()
        .chain(settings.into_iter().flatten().filter_map(file_of))
        .find(|file| !pool_files.contains(file))
}

/// The service a `[[service]]` table declares: the services read from its config files
/// and its deployment, claimed from `services` in their order, merged.
fn merge_service(
    model: &mut Model,
    (services, replaced): (&mut ReadServices, &mut Vec<usize>),
    declared: &DeclaredService,
    manifest: FileId,
    files: &FileIndex,
) -> Service {
    let config = files.ids_of(&declared.config);
    let deployment = files.ids_of(&declared.deployment);
    let mut from_config = Vec::new();
    let mut from_deployment = None;
    let named: HashSet<FileId> = config.union(&deployment).copied().collect();
    let runtime = |service: &Service| runtime_file(model, service);
    let mut claimed = services.claim(&named, &declared.name.value, runtime);
    let files_of = |c: &Claimed| service_files(model, &c.service);
    let is_deployment = |c: &Claimed| files_of(c).iter().any(|f| deployment.contains(f));
    // A compose file holds several services: the deployment is the one named like the
    // table (`web` beside `db`), else the first.
    let chosen = claimed
        .iter()
        .position(|c| is_deployment(c) && c.service.name == declared.name.value)
        .or_else(|| claimed.iter().position(is_deployment));
    if let Some(index) = chosen {
        from_deployment = Some(claimed.remove(index).service);
    }
    for other in claimed {
        // Another service of the deployment file alone (a compose `worker` or `db`, or
        // one its `include:` imports) is its own process, not part of this one: left to
        // itself or its own table.
        let files = files_of(&other);
        let side = deployment_side(&other.service, &deployment);
        if chosen.is_some() && !files.is_empty() && files.iter().all(|f| side.contains(f)) {
            services.release(other);
        } else {
            from_config.push(other.service);
        }
    }
    let mut merged = deploy(
        model,
        &declared.name.value,
        from_config,
        from_deployment,
        replaced,
    );
    apply_declared(&mut merged, declared, manifest);
    merged
}

/// One service from its config parts and its deployment: the deployment's replicas, its
/// environment's pools overlaid on the config's, and its variables substituted.
fn deploy(
    model: &mut Model,
    name: &str,
    parts: Vec<Service>,
    deployed: Option<Service>,
    replaced: &mut Vec<usize>,
) -> Service {
    // The deployment is taken, not copied: its environment and override pools were a
    // copy per workload on top of the model while the topology was linked.
    let mut deployed = deployed;
    let environment_pools = deployed
        .as_ref()
        .map(|d| d.pools.clone())
        .unwrap_or_default();
    let mut deployment = deployed.as_mut().and_then(|d| d.deployment.as_mut());
    let override_pools = deployment
        .as_mut()
        .map(|d| std::mem::take(&mut d.override_pools))
        .unwrap_or_default();
    // Other containers' pools are their own processes': counted, never overlaid.
    let companions = deployment.as_ref().map_or(0, |d| d.companion_pools);
    let main_pools = environment_pools
        .get(..environment_pools.len().saturating_sub(companions))
        .unwrap_or_default();
    let mut parts = parts;
    if let Some(deployment) = deployment {
        let environment = deployment.environment.as_slice();
        let not_hikari = deployment
            .data_source_type
            .filter(|library| *library != crate::model::Library::HikariCp);
        for part in &mut parts {
            crate::model::profiles::add_deployed_profile_pools(model, part, environment);
            crate::model::profiles::run_deployed_environment(
                model,
                part,
                environment,
                &deployment.command,
            );
            // After the pools the deployment's profiles add, which are HikariCP's too.
            if not_hikari.is_some() {
                replaced.extend(take_framework_hikari_pools(model, part));
            }
        }
    }
    let mut service = combine(name, parts, deployed);
    replaced.extend(overlay_environment(
        model,
        &mut service,
        (main_pools, &environment_pools),
        &override_pools,
    ));
    // Back on the deployment (the last part combined), for a later link to apply too.
    if let Some(deployment) = service
        .deployment
        .as_mut()
        .filter(|_| !override_pools.is_empty())
    {
        deployment.override_pools = override_pools;
    }
    environment_urls(model, &mut service);
    substitute_environment(model, &mut service);
    service
}

/// Pools whose URL a variable of the service's deployment sets ([`Pool::url_variables`]:
/// Rails `DATABASE_URL`, Prisma's `.env` variable) take that URL, as the process reads
/// it: Active Record merges it over the database's keys, Prisma replaces the file's
/// ([`crate::ecosystems::with_environment_url`]). The first variable of the pool's list
/// that the environment sets counts, its last setting winning. Pools are copied first:
/// another service may share the config file.
///
/// [`Pool::url_variables`]: crate::model::Pool::url_variables
fn environment_urls(model: &mut Model, service: &mut Service) {
    let Some(environment) = service
        .deployment
        .as_ref()
        .map(|d| &d.environment)
        .filter(|e| !e.is_empty())
    else {
        return;
    };
    for index in service.pools.iter_mut() {
        let Some(pool) = model.pools.get(*index) else {
            continue;
        };
        let Some(variables) = pool.url_variables.as_deref() else {
            continue;
        };
        let set = variables
            .iter()
            .find_map(|name| crate::model::EnvVar::last_named(environment, name));
        if let Some(copy) = set.and_then(|var| crate::ecosystems::with_environment_url(pool, var)) {
            *index = model.pools.len();
            model.pools.push(Box::new(copy));
        }
    }
}

/// Settings read through an environment variable (`pool: <%= ENV.fetch("DB_POOL") { 5 } %>`,
/// `threads ENV.fetch("RAILS_MAX_THREADS")`, `workers ENV.fetch("WEB_CONCURRENCY")`)
/// take the value the service's deployment sets for that variable, with the variable's
/// place as origin. Pools are copied first: another service may share the config file.
fn substitute_environment(model: &mut Model, service: &mut Service) {
    let environment = match &service.deployment {
        Some(d) if !d.environment.is_empty() => d.environment.clone(),
        _ => return,
    };
    let via_environment = |setting: &Setting<i64>| match &setting.origin {
        Origin::File { via: Some(via), .. } => {
            crate::model::via_variables(via).any(|var| environment.iter().any(|e| e.name == var))
        }
        _ => false,
    };
    for index in service.pools.iter_mut() {
        let Some(pool) = model.pools.get(*index) else {
            continue;
        };
        if !via_environment(&pool.max) && !via_environment(&pool.min) {
            continue;
        }
        let mut copy = pool.clone();
        let changed = from_environment(&mut copy.max, &environment)
            | from_environment(&mut copy.min, &environment);
        if changed {
            *index = model.pools.len();
            model.pools.push(copy);
        }
    }
    for setting in [service.threads.as_mut(), service.processes.as_deref_mut()]
        .into_iter()
        .flatten()
    {
        from_environment(setting, &environment);
    }
}

/// Replace `setting` by the whole-number value of the variable it was read through.
fn from_environment(setting: &mut Setting<i64>, environment: &[crate::model::EnvVar]) -> bool {
    let Origin::File { via: Some(via), .. } = &setting.origin else {
        return false;
    };
    // The first variable of a chain (`ENV["DB_POOL"] || ENV["MAX_THREADS"] || 5`) that
    // the environment sets gives the value; the last setting of a variable wins.
    let Some(env) = crate::model::via_variables(via)
        .find_map(|var| environment.iter().rev().find(|e| e.name == var))
    else {
        return false;
    };
    // A value the files do not give (a Secret's not among them) is unknown: the
    // setting's default is not what runs.
    let value = match env.unknown_reason() {
        Some(reason) => Val::unknown(reason),
        None => match env.value.trim().parse::<i64>() {
            Ok(value) => Val::Known(value),
            Err(_) => return false,
        },
    };
    *setting = Setting {
        value,
        origin: Origin::File {
            file: env.value_location.file,
            span: env.value_location.span,
            key: format!("env.{}", env.name).into(),
            via: None,
        },
    };
    true
}

/// A pool built from the deployment's environment (`SPRING_DATASOURCE_HIKARI_…`) is the
/// same pool as the one its config files define: its explicit settings override the
/// file's, as in Spring Boot, and it is not counted twice. Environment variables outrank
/// every config file whatever the active profile [SB-EXTERNAL], so the override applies
/// to every profile's pool of that data source. The deployment's `override_pools`
/// (variables whose values the files do not give) override so too: the settings they
/// name become unknown. Only the main container's pools (`main_pools`, among all the
/// `environment_pools`) override; no environment pool is overridden. Gives the main
/// pools that overrode one ([`drop_replaced_pools`]).
fn overlay_environment(
    model: &mut Model,
    service: &mut Service,
    (main_pools, environment_pools): (&[usize], &[usize]),
    override_pools: &[crate::model::Pool],
) -> Vec<usize> {
    let from_config = |i: usize| !environment_pools.contains(&i);
    let mut applied = Vec::new();
    for &env_index in main_pools {
        let Some(env_pool) = model.pools.get(env_index).cloned() else {
            continue;
        };
        if apply_environment_pool(model, service, &env_pool, from_config) {
            service.pools.retain(|&i| i != env_index);
            applied.push(env_index);
        }
    }
    for env_pool in override_pools {
        apply_environment_pool(model, service, env_pool, from_config);
    }
    applied
}

/// Override the service's pools (those `eligible`) that are `env_pool`'s data source;
/// true when there was one.
fn apply_environment_pool(
    model: &mut Model,
    service: &Service,
    env_pool: &crate::model::Pool,
    eligible: impl Fn(usize) -> bool,
) -> bool {
    let targets: Vec<usize> = service
        .pools
        .iter()
        .copied()
        .filter(|&i| eligible(i) && model.pools.get(i).is_some_and(|p| same_pool(p, env_pool)))
        .collect();
    for target in &targets {
        if let Some(pool) = model.pools.get_mut(*target) {
            // A .NET string and a Prisma URL are replaced whole, not merged.
            if env_pool.ecosystem == crate::model::Ecosystem::DotNet
                || env_pool.library == crate::model::Library::Prisma
            {
                replace(pool, env_pool);
            } else {
                overlay(pool, env_pool);
            }
        }
    }
    !targets.is_empty()
}

/// Take out of `part` the HikariCP pools Spring Boot's auto-configuration would build
/// from its files, when the deployment's `SPRING_DATASOURCE_TYPE` makes it build another
/// pool (Tomcat JDBC, DBCP2, UCP: not modelled, as in a file) or none: they do not run.
/// Gives their indices, for [`drop_replaced_pools`].
fn take_framework_hikari_pools(model: &Model, part: &mut Service) -> Vec<usize> {
    let is_framework_hikari = |i: &usize| {
        model.pools.get(*i).is_some_and(|p| {
            p.library == crate::model::Library::HikariCp && p.class_settings.provided_by_framework
        })
    };
    let (taken, kept) = part.pools.iter().partition(|i| is_framework_hikari(i));
    part.pools = kept;
    taken
}

/// Whether an environment's pool is the config file's pool `base`: the same name
/// (.NET configuration keys are matched without case, `ConnectionStrings__default`
/// sets `ConnectionStrings:Default`; a Prisma URL replaces only a Prisma pool).
fn same_pool(base: &crate::model::Pool, env: &crate::model::Pool) -> bool {
    if env.ecosystem == crate::model::Ecosystem::DotNet {
        base.ecosystem == env.ecosystem && base.name.eq_ignore_ascii_case(&env.name)
    } else if env.library == crate::model::Library::Prisma {
        // A Prisma URL is a `.env` Prisma pool's variable, not another library's pool.
        base.library == env.library && base.name == env.name
    } else {
        base.name == env.name
    }
}

/// A .NET connection string set by the environment replaces the file's whole string
/// (its keywords are not merged): the pool is the environment's, in the file's
/// environment (profile) and under its name. A string whose value the files do not
/// give (no connection read) keeps the file's library: nothing tells another.
fn replace(base: &mut crate::model::Pool, env: &crate::model::Pool) {
    let library = if env.connection.is_none() {
        base.library
    } else {
        env.library
    };
    *base = crate::model::Pool {
        name: std::mem::take(&mut base.name),
        profile: base.profile.take(),
        library,
        ..env.clone()
    };
}

fn overlay(base: &mut crate::model::Pool, env: &crate::model::Pool) {
    fn take<T: Clone>(base: &mut Setting<T>, env: &Setting<T>) {
        if env.is_explicit() {
            *base = env.clone();
        }
    }
    /// A setting held only when written (HikariCP's `validationTimeout`, …).
    fn take_written<T: Clone>(base: &mut Option<Box<Setting<T>>>, env: &Option<Box<Setting<T>>>) {
        if env.as_ref().is_some_and(|env| env.is_explicit()) {
            base.clone_from(env);
        }
    }
    take(&mut base.max, &env.max);
    take(&mut base.min, &env.min);
    // HikariCP's minimum-idle defaults to maximum-pool-size: follow a new maximum.
    if !base.min.is_explicit()
        && env.max.is_explicit()
        && base.library == crate::model::Library::HikariCp
    {
        base.min.value = env.max.value.clone();
    }
    take(&mut base.acquire_timeout, &env.acquire_timeout);
    take(&mut base.idle_timeout, &env.idle_timeout);
    take(&mut base.max_lifetime, &env.max_lifetime);
    take(&mut base.keepalive, &env.keepalive);
    take_written(
        &mut base.validation_timeout_written,
        &env.validation_timeout_written,
    );
    take_written(
        &mut base.leak_detection_threshold_written,
        &env.leak_detection_threshold_written,
    );
    take_written(&mut base.auto_commit, &env.auto_commit);
    let (theirs, mut classes) = (&*env.class_settings, (*base.class_settings).clone());
    take_bound(
        &mut classes.driver_class_name,
        &theirs.driver_class_name,
        spring::SPRING_DRIVER_CLASS_NAME,
    );
    take_written(
        &mut classes.data_source_class_name,
        &theirs.data_source_class_name,
    );
    let url_taken = take_bound(&mut classes.jdbc_url, &theirs.jdbc_url, spring::SPRING_URL);
    take_written(&mut classes.jndi_name, &theirs.jndi_name);
    take_written(&mut classes.url, &theirs.url);
    base.class_settings = ClassSettings::new(classes);
    // Spring binds a map property key by key across its sources: a driver property
    // the environment sets wins over the file's, and the file's others stay.
    for (name, setting) in env.driver_properties.iter() {
        if setting.is_explicit() {
            base.driver_properties.insert(name.clone(), setting.clone());
        }
    }
    take_bound(
        &mut base.username_written,
        &env.username_written,
        spring::SPRING_USERNAME,
    );
    // HikariCP runs one init script: the environment's replaces the file's, and the
    // file's session settings are gone even when the environment's sets none.
    if env.init_sql_written {
        base.session_variables.clone_from(&env.session_variables);
        base.init_sql_written = true;
    }
    // A URL the environment writes replaces the file's, also when it is not read (a
    // value the files do not give): the file's parameters are not what runs.
    let url_written = theirs.url.as_ref().is_some_and(|url| url.is_explicit());
    if url_taken || url_written {
        base.connection = env.connection.clone();
    }
}

/// Take the deployment's `env` setting over the file's `base` (true when taken), for a
/// property Spring Boot also takes from `DataSourceProperties` (`framework_key`:
/// `spring.datasource.url`). Variables outrank files property by property, but HikariCP's
/// own property (`spring.datasource.hikari.jdbc-url`) is bound onto the data source after
/// `DataSourceProperties`' [SB-SQL], so the file's own one stays over the deployment's
/// framework one.
fn take_bound(
    base: &mut Option<Box<Setting<String>>>,
    env: &Option<Box<Setting<String>>>,
    framework_key: &str,
) -> bool {
    let framework = |s: &Setting<String>| s.origin.key() == Some(framework_key);
    let Some(env) = env.as_deref().filter(|e| e.is_explicit()) else {
        return false;
    };
    let files_own = base.as_deref().is_some_and(|b| !framework(b));
    if files_own && framework(env) {
        return false;
    }
    *base = Some(Box::new(env.clone()));
    true
}

/// One service from the services read from its config files, plus the deployment's.
fn combine(name: &str, parts: Vec<Service>, mut deployed: Option<Service>) -> Service {
    let deployed_jpa = deployed.as_mut().and_then(|d| d.jpa.take());
    let mut parts = parts.into_iter().chain(deployed);
    let mut service = parts.next().unwrap_or_else(|| {
        Service::new(String::new(), crate::model::Ecosystem::Spring, Vec::new())
    });
    for part in parts {
        for pool in part.pools {
            if !service.pools.contains(&pool) {
                service.pools.push(pool);
            }
        }
        service.threads = service.threads.take().or(part.threads);
        service.processes = service.processes.take().or(part.processes);
        service.jpa = service.jpa.take().or(part.jpa);
        service.active_profiles = service.active_profiles.take().or(part.active_profiles);
        service.spring_profiles = service.spring_profiles.take().or(part.spring_profiles);
        service.liveness_checks_db = service.liveness_checks_db.or(part.liveness_checks_db);
        service.connects_to = service.connects_to.take().or(part.connects_to);
        if part.deployment.is_some() {
            service.deployment = part.deployment;
        }
    }
    if let Some(deployed) = deployed_jpa {
        service.jpa = Some(with_deployed_jpa(service.jpa.take(), deployed));
    }
    service.name = name.to_owned();
    service
}

/// The application's JPA facts with the deployment's over them: its
/// `spring.jpa.open-in-view` outranks the files', whose `spring.jpa` key stays where a
/// missing setting is reported.
fn with_deployed_jpa(files: Option<Box<JpaFacts>>, deployed: Box<JpaFacts>) -> Box<JpaFacts> {
    match files {
        Some(mut files) => {
            if deployed.open_in_view.is_some() {
                files.open_in_view = deployed.open_in_view;
            }
            files
        }
        None => deployed,
    }
}

fn apply_declared(service: &mut Service, declared: &DeclaredService, manifest: FileId) {
    let set = |d: &Option<Declared<i64>>| d.as_ref().map(|d| manifest_setting(d, manifest));
    if declared.instances.is_some() || declared.max_instances.is_some() {
        let deployment = service.deployment.get_or_insert_default();
        deployment.replicas = set(&declared.instances).or(deployment.replicas.take());
        deployment.max_replicas = set(&declared.max_instances).or(deployment.max_replicas.take());
    }
    service.processes = set(&declared.processes)
        .map(Box::new)
        .or(service.processes.take());
    service.threads = set(&declared.threads).or(service.threads.take());
    if let Some(target) = &declared.connects_to {
        service.connects_to = Some(target.value.clone());
    }
    if let Some(load) = &declared.load {
        service.load = Some(Box::new(Load {
            peak_rps: manifest_setting(&load.peak_rps, manifest),
            hold_time: manifest_setting(&load.hold_time, manifest),
            connections_per_request: load
                .connections_per_request
                .as_ref()
                .map(|d| manifest_setting(d, manifest))
                .unwrap_or_else(|| inferred(1, "one connection per request (default)")),
            request_timeout: load
                .request_timeout
                .as_ref()
                .map(|d| manifest_setting(d, manifest)),
            max_wait_probability: load
                .max_wait_probability
                .as_ref()
                .map(|d| manifest_setting(d, manifest))
                .unwrap_or_else(|| {
                    inferred(
                        DEFAULT_MAX_WAIT_PROBABILITY,
                        "the 0.1% default of max-wait-probability",
                    )
                }),
        }));
    }
}

fn inferred<T>(value: T, from: &str) -> Setting<T> {
    Setting {
        value: Val::Known(value),
        origin: Origin::Inferred {
            from: from.into(),
            at: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Ecosystem;

    #[test]
    fn services_taken_come_with_their_indices_and_the_others_keep_their_order() {
        let names = ["a", "b", "c", "d", "e", "f"];
        let mut services: Vec<Service> = names
            .iter()
            .map(|n| Service::new((*n).to_owned(), Ecosystem::Spring, Vec::new()))
            .collect();
        let taken = take_services(&mut services, &[0, 2, 3, 5]);
        let taken: Vec<(usize, &str)> = taken.iter().map(|(i, s)| (*i, s.name.as_str())).collect();
        assert_eq!(taken, [(0, "a"), (2, "c"), (3, "d"), (5, "f")]);
        let kept: Vec<&str> = services.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(kept, ["b", "e"]);
        // The room the taken ones left stays: the linked services go there.
        assert!(services.capacity() >= names.len());
    }
}
