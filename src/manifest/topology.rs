//! The topology tables of `poollint.toml` (DESIGN.md §4): `[[database]]`, `[[pooler]]`,
//! `[[service]]` with `[service.load]`. Read here into plain declarations with spans into
//! the manifest; `crate::topology` merges them with what the ecosystem readers found.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{ManifestError, ManifestReader};
use crate::model::Engine;
use crate::source::Span;
use crate::syntax::NodeId;

/// A value written in the manifest, with where.
#[derive(Debug, Clone, PartialEq)]
pub struct Declared<T> {
    pub value: T,
    pub span: Span,
    /// The manifest key path, e.g. `service.auth.load.peak-rps`.
    pub key: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DeclaredDatabase {
    pub name: Declared<String>,
    pub engine: Option<Declared<Engine>>,
    pub config: Option<Declared<PathBuf>>,
    pub max_connections: Option<Declared<i64>>,
    pub superuser_reserved_connections: Option<Declared<i64>>,
    pub reserved_connections: Option<Declared<i64>>,
    pub cores: Option<Declared<i64>>,
    pub other_clients: Option<Declared<i64>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DeclaredPooler {
    pub name: Declared<String>,
    pub config: Option<Declared<PathBuf>>,
    pub instances: Option<Declared<i64>>,
    pub connects_to: Option<Declared<String>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DeclaredLoad {
    pub peak_rps: Declared<f64>,
    pub hold_time: Declared<Duration>,
    pub connections_per_request: Option<Declared<i64>>,
    pub request_timeout: Option<Declared<Duration>>,
    pub max_wait_probability: Option<Declared<f64>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DeclaredService {
    pub name: Declared<String>,
    pub config: Vec<Declared<PathBuf>>,
    pub deployment: Option<Declared<PathBuf>>,
    pub instances: Option<Declared<i64>>,
    pub max_instances: Option<Declared<i64>>,
    pub processes: Option<Declared<i64>>,
    pub threads: Option<Declared<i64>>,
    pub connects_to: Option<Declared<String>>,
    pub load: Option<DeclaredLoad>,
}

/// Everything the manifest declares about the system.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeclaredTopology {
    pub databases: Vec<DeclaredDatabase>,
    pub poolers: Vec<DeclaredPooler>,
    pub services: Vec<DeclaredService>,
}

impl DeclaredTopology {
    pub fn is_empty(&self) -> bool {
        self.databases.is_empty() && self.poolers.is_empty() && self.services.is_empty()
    }

    /// Every file the manifest names, so the engine reads them even when they lie
    /// outside the paths given on the command line.
    pub fn files(&self) -> Vec<PathBuf> {
        let databases = self.databases.iter().filter_map(|d| d.config.as_ref());
        let poolers = self.poolers.iter().filter_map(|p| p.config.as_ref());
        let services = self
            .services
            .iter()
            .flat_map(|s| s.config.iter().chain(s.deployment.as_ref()));
        databases
            .chain(poolers)
            .chain(services)
            .map(|d| d.value.clone())
            .collect()
    }
}

const DATABASE_KEYS: &[&str] = &[
    "name",
    "engine",
    "config",
    "max-connections",
    "superuser-reserved-connections",
    "reserved-connections",
    "cores",
    "other-clients",
];
const POOLER_KEYS: &[&str] = &["name", "kind", "config", "instances", "connects-to"];
const SERVICE_KEYS: &[&str] = &[
    "name",
    "config",
    "deployment",
    "instances",
    "max-instances",
    "processes",
    "threads",
    "connects-to",
    "load",
];
const LOAD_KEYS: &[&str] = &[
    "peak-rps",
    "hold-time",
    "connections-per-request",
    "request-timeout",
    "max-wait-probability",
];

type Result<T> = std::result::Result<T, Box<ManifestError>>;

impl ManifestReader<'_> {
    pub(super) fn read_topology(&self, root: NodeId, dir: &Path) -> Result<DeclaredTopology> {
        let mut topology = DeclaredTopology::default();
        for table in self.tables(root, "database")? {
            topology.databases.push(self.read_database(table, dir)?);
        }
        for table in self.tables(root, "pooler")? {
            topology.poolers.push(self.read_pooler(table, dir)?);
        }
        for table in self.tables(root, "service")? {
            topology.services.push(self.read_service(table, dir)?);
        }
        self.check_unique_names(&topology)?;
        self.check_references(&topology)?;
        Ok(topology)
    }

    /// Databases and poolers share the names `connects-to` refers to, services have
    /// their own: a name declared twice would make either one ambiguous.
    fn check_unique_names(&self, topology: &DeclaredTopology) -> Result<()> {
        let targets = topology
            .databases
            .iter()
            .map(|d| (&d.name, "[[database]]"))
            .chain(topology.poolers.iter().map(|p| (&p.name, "[[pooler]]")));
        self.check_unique(targets, "connects-to names a database or pooler by it")?;
        let services = topology.services.iter().map(|s| (&s.name, "[[service]]"));
        self.check_unique(
            services,
            "findings and `poollint capacity` name services by it",
        )
    }

    fn check_unique<'t>(
        &self,
        names: impl Iterator<Item = (&'t Declared<String>, &'static str)>,
        why: &str,
    ) -> Result<()> {
        let mut seen: std::collections::HashMap<&str, (Span, &str)> = Default::default();
        for (name, table) in names {
            if let Some((first, first_table)) = seen.insert(&name.value, (name.span, table)) {
                return Err(self.error(
                    name.span,
                    format!(
                        "{table} name `{}` is already the name of the {first_table} at line {}",
                        name.value,
                        self.line(first)
                    ),
                    Some(format!("give each a name of its own: {why}")),
                ));
            }
        }
        Ok(())
    }

    /// The 1-based line of `span` in the manifest.
    fn line(&self, span: Span) -> usize {
        self.sources.get(self.file).map_or(1, |f| {
            f.position(span.start, crate::source::ColumnUnit::Bytes)
                .line
        })
    }

    /// The tables of an array of tables `[[name]]`.
    fn tables(&self, root: NodeId, name: &str) -> Result<Vec<NodeId>> {
        match self.doc.get(root, name) {
            Some(node) => self.array_of_tables(node, name),
            None => Ok(Vec::new()),
        }
    }

    fn name(&self, table: NodeId, what: &str) -> Result<Declared<String>> {
        let node = self.doc.get(table, "name").ok_or_else(|| {
            self.error(
                self.doc.span(table),
                format!("this [[{what}]] has no `name`"),
                Some(format!("add name = \"...\" to the [[{what}]] table")),
            )
        })?;
        let value = self.string(node, "name")?;
        // Messages, `connects-to` and `poollint capacity` name it: "service ``" is none.
        if value.trim().is_empty() {
            return Err(self.error(
                self.doc.span(node),
                format!("this [[{what}]]'s `name` is empty"),
                Some(format!(
                    "name the {what} as messages and `connects-to` should call it, e.g. name = \"orders\""
                )),
            ));
        }
        Ok(Declared {
            key: format!("{what}.{value}.name"),
            value,
            span: self.doc.span(node),
        })
    }

    fn declared<T>(
        &self,
        table: NodeId,
        prefix: &str,
        key: &str,
        read: impl Fn(&Self, NodeId, &str) -> Result<T>,
    ) -> Result<Option<Declared<T>>> {
        let Some(node) = self.doc.get(table, key) else {
            return Ok(None);
        };
        Ok(Some(Declared {
            value: read(self, node, key)?,
            span: self.doc.span(node),
            key: format!("{prefix}.{key}"),
        }))
    }

    fn read_database(&self, table: NodeId, dir: &Path) -> Result<DeclaredDatabase> {
        self.check_keys(table, DATABASE_KEYS, "[[database]]")?;
        let name = self.name(table, "database")?;
        let prefix = format!("database.{}", name.value);
        let count = |key: &str| self.declared(table, &prefix, key, Self::count);
        Ok(DeclaredDatabase {
            engine: self.declared(table, &prefix, "engine", Self::engine)?,
            config: self.declared(table, &prefix, "config", |r, n, k| r.config_path(n, k, dir))?,
            max_connections: count("max-connections")?,
            superuser_reserved_connections: count("superuser-reserved-connections")?,
            reserved_connections: count("reserved-connections")?,
            cores: self.declared(table, &prefix, "cores", Self::cores)?,
            other_clients: count("other-clients")?,
            name,
        })
    }

    fn read_pooler(&self, table: NodeId, dir: &Path) -> Result<DeclaredPooler> {
        self.check_keys(table, POOLER_KEYS, "[[pooler]]")?;
        let name = self.name(table, "pooler")?;
        let prefix = format!("pooler.{}", name.value);
        if let Some(kind) = self.doc.get(table, "kind") {
            let text = self.string(kind, "kind")?;
            if text != "pgbouncer" {
                return Err(self.error(
                    self.doc.span(kind),
                    format!("pooler kind `{text}` is not supported"),
                    Some("poollint reads kind = \"pgbouncer\"".into()),
                ));
            }
        }
        Ok(DeclaredPooler {
            config: self.declared(table, &prefix, "config", |r, n, k| r.config_path(n, k, dir))?,
            instances: self.declared(table, &prefix, "instances", Self::multiplier)?,
            connects_to: self.declared(table, &prefix, "connects-to", Self::string)?,
            name,
        })
    }

    fn read_service(&self, table: NodeId, dir: &Path) -> Result<DeclaredService> {
        self.check_keys(table, SERVICE_KEYS, "[[service]]")?;
        let name = self.name(table, "service")?;
        let prefix = format!("service.{}", name.value);
        let count = |key: &str| self.declared(table, &prefix, key, Self::multiplier);
        let config = self.paths(table, &prefix, "config", dir)?;
        let deployment = self.declared(table, &prefix, "deployment", |r, n, k| {
            r.config_path(n, k, dir)
        })?;
        let instances = count("instances")?;
        let max_instances = count("max-instances")?;
        let processes = count("processes")?;
        let threads = count("threads")?;
        let connects_to = self.declared(table, &prefix, "connects-to", Self::string)?;
        self.check_max_instances(instances.as_ref(), max_instances.as_ref())?;
        // Read last: `[service.load]` follows the service's own keys in the file, and the
        // first error reported should be the first one written.
        let load = match self.doc.get(table, "load") {
            Some(load) => Some(self.read_load(load, &prefix)?),
            None => None,
        };
        Ok(DeclaredService {
            config,
            deployment,
            instances,
            max_instances,
            processes,
            threads,
            connects_to,
            load,
            name,
        })
    }

    /// `max-instances` is the autoscaler's maximum: below the steady `instances` it
    /// contradicts them (an HPA scales down to its maximum), and every rule comparing
    /// the two counts would read nonsense.
    fn check_max_instances(
        &self,
        instances: Option<&Declared<i64>>,
        max_instances: Option<&Declared<i64>>,
    ) -> Result<()> {
        let (Some(instances), Some(max)) = (instances, max_instances) else {
            return Ok(());
        };
        if max.value >= instances.value {
            return Ok(());
        }
        Err(self.error(
            max.span,
            format!(
                "max-instances is {}, below instances {}: the most instances cannot be fewer than the steady count",
                max.value, instances.value
            ),
            Some(format!(
                "raise max-instances to {} or more, or lower instances to {}",
                instances.value, max.value
            )),
        ))
    }

    fn read_load(&self, table: NodeId, service: &str) -> Result<DeclaredLoad> {
        if !self.doc.is_map(table) {
            return Err(self.error(
                self.doc.span(table),
                "`load` must be a table: write [service.load]",
                None,
            ));
        }
        self.check_keys(table, LOAD_KEYS, "[service.load]")?;
        let prefix = format!("{service}.load");
        let required = |key: &str| {
            self.error(
                self.doc.span(table),
                format!("[service.load] needs `{key}`"),
                Some("declare both peak-rps and hold-time, or remove [service.load]".into()),
            )
        };
        let peak_rps = self
            .declared(table, &prefix, "peak-rps", Self::positive_number)?
            .ok_or_else(|| required("peak-rps"))?;
        let hold_time = self
            .declared(table, &prefix, "hold-time", Self::duration)?
            .ok_or_else(|| required("hold-time"))?;
        let connections_per_request =
            self.declared(table, &prefix, "connections-per-request", Self::multiplier)?;
        self.check_offered_load(&peak_rps, &hold_time, connections_per_request.as_ref())?;
        Ok(DeclaredLoad {
            peak_rps,
            hold_time,
            connections_per_request,
            request_timeout: self.declared(table, &prefix, "request-timeout", Self::duration)?,
            max_wait_probability: self.declared(
                table,
                &prefix,
                "max-wait-probability",
                Self::probability,
            )?,
        })
    }

    /// The fleet's offered load, `peak-rps × connections-per-request × hold-time`, must
    /// be a finite number of connections: beyond `f64` it would be no load to every
    /// rule, the findings gone without a word.
    fn check_offered_load(
        &self,
        peak_rps: &Declared<f64>,
        hold_time: &Declared<Duration>,
        per_request: Option<&Declared<i64>>,
    ) -> Result<()> {
        let per_request = per_request.map_or(1, |d| d.value);
        let offered = peak_rps.value * per_request as f64 * hold_time.value.as_secs_f64();
        if offered.is_finite() {
            return Ok(());
        }
        Err(self.error(
            peak_rps.span,
            "peak-rps × connections-per-request × hold-time, the connections this load keeps busy, is beyond any number poollint can compute",
            Some("declare the real peak request rate".into()),
        ))
    }

    /// `config = "a.yml"` or `config = ["a.yml", "b.yml"]`.
    fn paths(
        &self,
        table: NodeId,
        prefix: &str,
        key: &str,
        dir: &Path,
    ) -> Result<Vec<Declared<PathBuf>>> {
        let Some(node) = self.doc.get(table, key) else {
            return Ok(Vec::new());
        };
        let items: Vec<NodeId> = match self.doc.seq(node) {
            Some(items) => items.to_vec(),
            None => vec![node],
        };
        items
            .into_iter()
            .map(|item| {
                Ok(Declared {
                    value: self.config_path(item, key, dir)?,
                    span: self.doc.span(item),
                    key: format!("{prefix}.{key}"),
                })
            })
            .collect()
    }

    /// A path relative to the manifest; a missing file is an error at its span.
    fn path(&self, node: NodeId, key: &str, dir: &Path) -> Result<PathBuf> {
        let relative = self.string(node, key)?;
        let path = dir.join(&relative);
        if !path.exists() {
            return Err(self.error(
                self.doc.span(node),
                format!("{key} `{relative}` does not exist"),
                Some(format!(
                    "paths are relative to the manifest's directory ({})",
                    crate::source::display_path(dir)
                )),
            ));
        }
        Ok(path)
    }

    /// A file for a reader to read (`config`, `deployment`): a directory or a file no
    /// reader recognises would be read by none, and what the table counts on it (its
    /// pools, limits, replicas) silently dropped.
    fn config_path(&self, node: NodeId, key: &str, dir: &Path) -> Result<PathBuf> {
        let path = self.path(node, key, dir)?;
        let problem = if path.is_dir() {
            "is a directory"
        } else if crate::ecosystems::recognise(&path).is_none() {
            "is no file poollint reads"
        } else if refused_by_its_reader(&path) {
            match crate::ecosystems::file_name(&path) {
                Some("database.yml" | "sidekiq.yml" | "puma.rb") => {
                    "is no file poollint reads: Rails reads it only in an application's config/ directory (config/database.yml)"
                }
                _ => "is no file poollint reads: a file of this name is read only when its text is a compose file or a Kubernetes manifest of an object poollint reads (a workload, an autoscaler, a ConfigMap or a Secret; a Service or an Ingress alone is not one), and this one is not",
            }
        } else {
            return Ok(path);
        };
        let relative = self.string(node, key)?;
        Err(self.error(
            self.doc.span(node),
            format!("{key} `{relative}` {problem}"),
            Some(
                "name the file itself (a service's config takes a list: [\"a.yml\", \"b.yml\"]); the README's \"What poollint reads\" lists the files each ecosystem reads"
                    .to_owned(),
            ),
        ))
    }

    fn count(&self, node: NodeId, key: &str) -> Result<i64> {
        self.whole_number(node, key, 0)
    }

    /// A whole number of at least `min` (not quoted), else an error saying so.
    fn whole_number(&self, node: NodeId, key: &str, min: i64) -> Result<i64> {
        let scalar = self.doc.scalar(node).filter(|s| !s.style.is_quoted());
        let value = scalar.and_then(|s| s.text.replace('_', "").parse::<i64>().ok());
        match value {
            Some(v) if v >= min => Ok(v),
            Some(0) => Err(self.error(
                self.doc.span(node),
                format!("{key} is 0, but it must be {min} or more"),
                None,
            )),
            _ => Err(self.error(
                self.doc.span(node),
                format!("{key} must be a whole number, {min} or more"),
                None,
            )),
        }
    }

    /// A database's cores: a database has at least one, and 0 would silently skip
    /// `pooled-connections-far-above-db-cores`.
    fn cores(&self, node: NodeId, key: &str) -> Result<i64> {
        self.whole_number(node, key, 1)
    }

    /// A count that multiplies connections or load (instances, processes, threads,
    /// connections per request): 0 would silently drop the service from the fleet's
    /// sums in some rules and be read as 1 in others, so it is refused here.
    fn multiplier(&self, node: NodeId, key: &str) -> Result<i64> {
        let scalar = self.doc.scalar(node).filter(|s| !s.style.is_quoted());
        let value = scalar.and_then(|s| s.text.replace('_', "").parse::<i64>().ok());
        let assumed = if key == "threads" {
            "the files' thread count, or the server's default (Spring Boot: 200), is assumed"
        } else {
            "1 is assumed unless a file says otherwise"
        };
        match value {
            Some(v) if v >= 1 => Ok(v),
            Some(0) => Err(self.error(
                self.doc.span(node),
                format!("{key} is 0, but it multiplies connections: it must be 1 or more"),
                Some(format!(
                    "write 1 or more, or remove {key} (without it, {assumed})"
                )),
            )),
            _ => Err(self.error(
                self.doc.span(node),
                format!("{key} must be a whole number, 1 or more"),
                None,
            )),
        }
    }

    fn number(&self, node: NodeId, key: &str) -> Result<f64> {
        self.doc
            .scalar(node)
            .filter(|s| !s.style.is_quoted())
            .and_then(|s| s.text.replace('_', "").parse::<f64>().ok())
            .filter(|v| v.is_finite())
            .ok_or_else(|| self.error(self.doc.span(node), format!("{key} must be a number"), None))
    }

    fn positive_number(&self, node: NodeId, key: &str) -> Result<f64> {
        let value = self.number(node, key)?;
        if value <= 0.0 {
            return Err(self.error(self.doc.span(node), format!("{key} must be above 0"), None));
        }
        Ok(value)
    }

    fn probability(&self, node: NodeId, key: &str) -> Result<f64> {
        let value = self.number(node, key)?;
        if !(value > 0.0 && value < 1.0) {
            return Err(self.error(
                self.doc.span(node),
                format!("{key} must be between 0 and 1 (exclusive), e.g. 0.001"),
                None,
            ));
        }
        Ok(value)
    }

    /// `"15ms"`, `"2s"`, `"5min"`; a bare number is an error with a help line.
    fn duration(&self, node: NodeId, key: &str) -> Result<Duration> {
        let scalar = self.doc.scalar(node);
        if let Some(s) = scalar.filter(|s| !s.style.is_quoted()) {
            return Err(self.error(
                self.doc.span(node),
                format!("{key} needs a unit"),
                Some(format!(
                    "write it as a string with a unit, e.g. {key} = \"{0}ms\" or \"{0}s\"",
                    s.text
                )),
            ));
        }
        let text = scalar.map(|s| s.text.as_str()).unwrap_or("");
        let parsed = crate::model::parse_unit_duration(text);
        if parsed.is_some_and(|d| d.is_zero()) {
            return Err(self.error(
                self.doc.span(node),
                format!("{key} is `{text}`, but it must be above 0"),
                None,
            ));
        }
        parsed.ok_or_else(|| {
            self.error(
                self.doc.span(node),
                format!("{key} `{text}` is not a duration"),
                Some("use a whole number with a unit: \"15ms\", \"2s\", \"5min\"".into()),
            )
        })
    }

    fn engine(&self, node: NodeId, key: &str) -> Result<Engine> {
        let text = self.string(node, key)?;
        match text.as_str() {
            "postgresql" | "postgres" => Ok(Engine::Postgres),
            "mysql" => Ok(Engine::MySql),
            "mariadb" => Ok(Engine::MariaDb),
            _ => Err(self.error(
                self.doc.span(node),
                format!("engine `{text}` is not one of postgresql, mysql, mariadb"),
                crate::suggest::closest(&text, ["postgresql", "mysql", "mariadb"])
                    .map(|s| format!("did you mean `{s}`?")),
            )),
        }
    }

    /// `connects-to` names a declared database or pooler.
    fn check_references(&self, topology: &DeclaredTopology) -> Result<()> {
        let targets: Vec<&str> = topology
            .databases
            .iter()
            .map(|d| d.name.value.as_str())
            .chain(topology.poolers.iter().map(|p| p.name.value.as_str()))
            .collect();
        // Looked up once per reference: a monorepo declares thousands of each.
        let known: std::collections::HashSet<&str> = targets.iter().copied().collect();
        let references = topology
            .services
            .iter()
            .filter_map(|s| s.connects_to.as_ref())
            .chain(
                topology
                    .poolers
                    .iter()
                    .filter_map(|p| p.connects_to.as_ref()),
            );
        for reference in references {
            if !known.contains(reference.value.as_str()) {
                return Err(self.error(
                    reference.span,
                    format!(
                        "connects-to `{}` names no [[database]] or [[pooler]]",
                        reference.value
                    ),
                    crate::suggest::closest_or_one_edit(&reference.value, &targets)
                        .map(|s| format!("did you mean `{s}`?")),
                ));
            }
        }
        self.check_pooler_chains(topology)
    }

    /// A pooler's `connects-to` chain ends at a database: a pooler naming itself, or
    /// poolers naming each other, reach none, and their clients' connections would be
    /// counted against no database.
    fn check_pooler_chains(&self, topology: &DeclaredTopology) -> Result<()> {
        let next: std::collections::HashMap<&str, &str> = topology
            .poolers
            .iter()
            .filter_map(|p| {
                Some((
                    p.name.value.as_str(),
                    p.connects_to.as_ref()?.value.as_str(),
                ))
            })
            .collect();
        for pooler in &topology.poolers {
            let Some(first) = &pooler.connects_to else {
                continue;
            };
            let start = pooler.name.value.as_str();
            let mut chain = vec![start];
            let mut at = first.value.as_str();
            // Each step visits a new pooler, so the walk ends within their count.
            while let Some(&to) = next.get(at) {
                if at == start {
                    break;
                }
                if chain.contains(&at) {
                    // A cycle that does not pass through `start`: reported at its own
                    // pooler.
                    break;
                }
                chain.push(at);
                at = to;
            }
            if at == start {
                chain.push(start);
                return Err(self.error(
                    first.span,
                    format!(
                        "connects-to makes a loop of poolers ({}) that reaches no database",
                        chain.join(" → ")
                    ),
                    Some(
                        "point the last pooler of the chain at a [[database]]: connects-to = \"<database name>\""
                            .into(),
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// Whether the reader that recognises `path` by its name refuses its text (a
/// `web/database.yml` is no Rails file outside `config/`, and a `.yml` is read as
/// Kubernetes or compose only when its text is one): the check would skip it without
/// a word. A file that cannot be read is left to the check, which reports it.
fn refused_by_its_reader(path: &Path) -> bool {
    let Some((reader, _)) = crate::ecosystems::recognise(path) else {
        return false;
    };
    crate::source::read_text(path, crate::engine::DEFAULT_MAX_FILE_SIZE)
        .is_ok_and(|text| !reader.accepts_file(path, &text))
}

#[cfg(test)]
mod tests {
    use crate::manifest;

    /// Write `manifest` (and an `app.yml` it may name, a Kubernetes manifest: a `.yml`
    /// that is none is refused) and load it.
    fn load(text: &str) -> Result<manifest::Manifest, Box<manifest::ManifestError>> {
        let dir = tempfile::tempdir().unwrap();
        let config_map = "apiVersion: v1\nkind: ConfigMap\n";
        std::fs::write(dir.path().join("app.yml"), config_map).unwrap();
        let path = dir.path().join("poollint.toml");
        std::fs::write(&path, text).unwrap();
        manifest::load(&path)
    }

    fn error(text: &str) -> (String, Option<String>, String) {
        let e = load(text).expect_err("manifest should be refused");
        let file = e.sources.get(e.file.unwrap()).unwrap();
        (
            e.message.clone(),
            e.help.clone(),
            file.slice(e.span).to_owned(),
        )
    }

    /// An empty name was accepted, and messages then read "service ``".
    #[test]
    fn an_empty_name_is_refused_at_its_value() {
        for table in ["service", "database", "pooler"] {
            let (message, _, at) = error(&format!("[[{table}]]\nname = \"\"\n"));
            assert_eq!(message, format!("this [[{table}]]'s `name` is empty"));
            assert_eq!(at, "\"\"");
        }
        let (message, _, _) = error("[[service]]\nname = \"  \"\n");
        assert!(message.contains("is empty"), "{message}");
    }

    #[test]
    fn full_topology_is_read_with_spans() {
        let m = load(
            "[[database]]\nname = \"users\"\nmax-connections = 200\ncores = 8\n\n\
             [[service]]\nname = \"auth\"\nconfig = \"app.yml\"\ninstances = 3\nconnects-to = \"users\"\n\
             [service.load]\npeak-rps = 800\nhold-time = \"15ms\"\nrequest-timeout = \"2s\"\n",
        )
        .unwrap();
        let service = &m.topology.services[0];
        assert_eq!(service.instances.as_ref().unwrap().value, 3);
        assert_eq!(service.config.len(), 1);
        let load = service.load.as_ref().unwrap();
        assert_eq!(load.hold_time.value, std::time::Duration::from_millis(15));
        assert_eq!(load.peak_rps.key, "service.auth.load.peak-rps");
        assert_eq!(
            &m.text[load.peak_rps.span.start..load.peak_rps.span.end],
            "800"
        );
        assert_eq!(
            m.topology.databases[0]
                .max_connections
                .as_ref()
                .unwrap()
                .value,
            200
        );
    }

    #[test]
    fn unknown_key_has_did_you_mean() {
        let (message, help, at) = error("[[service]]\nname = \"a\"\ninstance = 3\n");
        assert_eq!(message, "unknown [[service]] key `instance`");
        assert_eq!(help.as_deref(), Some("did you mean `instances`?"));
        assert_eq!(at, "instance");
    }

    #[test]
    fn bare_number_duration_is_refused_with_help() {
        let (message, help, at) =
            error("[[service]]\nname = \"a\"\n[service.load]\npeak-rps = 5\nhold-time = 15\n");
        assert_eq!(message, "hold-time needs a unit");
        assert_eq!(
            help.as_deref(),
            Some("write it as a string with a unit, e.g. hold-time = \"15ms\" or \"15s\"")
        );
        assert_eq!(at, "15");
    }

    #[test]
    fn a_short_connects_to_typo_gets_a_did_you_mean() {
        let (message, help, _) =
            error("[[database]]\nname = \"db\"\n[[service]]\nname = \"a\"\nconnects-to = \"dv\"\n");
        assert_eq!(
            message,
            "connects-to `dv` names no [[database]] or [[pooler]]"
        );
        assert_eq!(help.as_deref(), Some("did you mean `db`?"));
    }

    #[test]
    fn manifest_counts_and_durations_say_what_they_accept() {
        // Multipliers refuse 0: the message for other bad values says 1 or more too.
        for value in ["\"3\"", "-3", "3.5"] {
            let (message, _, _) =
                error(&format!("[[service]]\nname = \"a\"\ninstances = {value}\n"));
            assert_eq!(message, "instances must be a whole number, 1 or more");
        }
        // Without threads the files' or the server's default is assumed, not 1.
        let (_, help, _) = error("[[service]]\nname = \"a\"\nthreads = 0\n");
        let help = help.unwrap_or_default();
        assert!(help.contains("Spring Boot: 200"), "{help}");
        assert!(!help.contains("1 is assumed"), "{help}");
        // 0s is a duration, but not one above 0.
        let (message, _, at) =
            error("[[service]]\nname = \"a\"\n[service.load]\npeak-rps = 5\nhold-time = \"0s\"\n");
        assert_eq!(message, "hold-time is `0s`, but it must be above 0");
        assert_eq!(at, "\"0s\"");
        // A database has at least one core; 0 would silently skip the cores rule.
        let (message, _, at) = error("[[database]]\nname = \"db\"\ncores = 0\n");
        assert_eq!(message, "cores is 0, but it must be 1 or more");
        assert_eq!(at, "0");
        assert!(load("[[database]]\nname = \"db\"\ncores = 1\nother-clients = 0\n").is_ok());
    }

    /// A load beyond `f64` would be no load to every rule: refused at `peak-rps`.
    #[test]
    fn an_offered_load_beyond_f64_is_refused() {
        let (message, _, at) = error(
            "[[service]]\nname = \"a\"\n[service.load]\npeak-rps = 1e300\nhold-time = \"10min\"\nconnections-per-request = 1000000000\n",
        );
        assert!(
            message.starts_with("peak-rps × connections-per-request × hold-time"),
            "{message}"
        );
        assert_eq!(at, "1e300");
        assert!(load(
            "[[service]]\nname = \"a\"\n[service.load]\npeak-rps = 1e300\nhold-time = \"10s\"\n"
        )
        .is_ok());
    }

    #[test]
    fn missing_config_file_is_an_error_at_its_path() {
        let (message, _, at) = error("[[service]]\nname = \"a\"\nconfig = [\"nope.yml\"]\n");
        assert_eq!(message, "config `nope.yml` does not exist");
        assert_eq!(at, "\"nope.yml\"");
    }

    #[test]
    fn a_name_declared_twice_is_refused_at_the_second() {
        let (message, help, at) =
            error("[[database]]\nname = \"db\"\n\n[[pooler]]\nname = \"db\"\n");
        assert_eq!(
            message,
            "[[pooler]] name `db` is already the name of the [[database]] at line 2"
        );
        assert_eq!(
            help.as_deref(),
            Some("give each a name of its own: connects-to names a database or pooler by it")
        );
        assert_eq!(at, "\"db\"");
        let (message, _, _) = error(
            "[[service]]\nname = \"a\"\n[[service]]\nname = \"b\"\n[[service]]\nname = \"a\"\n",
        );
        assert_eq!(
            message,
            "[[service]] name `a` is already the name of the [[service]] at line 2"
        );
        // A service may share a database's name: they are named in different places.
        assert!(load("[[database]]\nname = \"a\"\n[[service]]\nname = \"a\"\n").is_ok());
    }

    #[test]
    fn connects_to_must_name_a_database_or_pooler() {
        let (message, help, _) = error(
            "[[database]]\nname = \"users\"\n[[service]]\nname = \"a\"\nconnects-to = \"user\"\n",
        );
        assert_eq!(
            message,
            "connects-to `user` names no [[database]] or [[pooler]]"
        );
        assert_eq!(help.as_deref(), Some("did you mean `users`?"));
    }

    #[test]
    fn load_needs_peak_and_hold_time() {
        let (message, _, _) = error("[[service]]\nname = \"a\"\n[service.load]\npeak-rps = 5\n");
        assert_eq!(message, "[service.load] needs `hold-time`");
    }

    #[test]
    fn max_instances_below_instances_is_refused_where_it_is_written() {
        let (message, help, at) =
            error("[[service]]\nname = \"a\"\ninstances = 5\nmax-instances = 2\n");
        assert_eq!(
            message,
            "max-instances is 2, below instances 5: the most instances cannot be fewer than the steady count"
        );
        assert_eq!(
            help.as_deref(),
            Some("raise max-instances to 5 or more, or lower instances to 2")
        );
        assert_eq!(at, "2");
        assert!(load("[[service]]\nname = \"a\"\ninstances = 5\nmax-instances = 5\n").is_ok());
    }

    #[test]
    fn a_zero_multiplier_is_refused_where_it_is_written() {
        let cases = [
            ("[[service]]\nname = \"a\"\ninstances = 0\n", "instances"),
            ("[[service]]\nname = \"a\"\nprocesses = 0\n", "processes"),
            ("[[service]]\nname = \"a\"\nmax-instances = 0\n", "max-instances"),
            ("[[pooler]]\nname = \"p\"\ninstances = 0\n", "instances"),
            (
                "[[service]]\nname = \"a\"\n[service.load]\npeak-rps = 5\nhold-time = \"1ms\"\nconnections-per-request = 0\n",
                "connections-per-request",
            ),
        ];
        for (text, key) in cases {
            let (message, help, at) = error(text);
            assert_eq!(
                message,
                format!("{key} is 0, but it multiplies connections: it must be 1 or more")
            );
            assert!(help.unwrap().contains(&format!("remove {key}")));
            assert_eq!(at, "0");
        }
        // Reserved slots and other clients may well be 0.
        assert!(
            load("[[database]]\nname = \"d\"\nreserved-connections = 0\nother-clients = 0\n")
                .is_ok()
        );
    }

    #[test]
    fn probability_must_be_between_zero_and_one() {
        let (message, _, at) = error(
            "[[service]]\nname = \"a\"\n[service.load]\npeak-rps = 5\nhold-time = \"1ms\"\nmax-wait-probability = 5\n",
        );
        assert!(message.starts_with("max-wait-probability must be between 0 and 1"));
        assert_eq!(at, "5");
    }

    #[test]
    fn a_config_no_reader_reads_is_refused_at_its_path() {
        // A directory, or a file of no recognised kind, would be read by no reader and
        // the table's pools, limits or replicas silently dropped.
        let (message, help, at) = error("[[service]]\nname = \"a\"\nconfig = \".\"\n");
        assert_eq!(message, "config `.` is a directory");
        assert!(help.unwrap().contains("name the file itself"));
        assert_eq!(at, "\".\"");
        let (message, _, at) = error("[[database]]\nname = \"d\"\nconfig = \"poollint.toml\"\n");
        assert_eq!(message, "config `poollint.toml` is no file poollint reads");
        assert_eq!(at, "\"poollint.toml\"");
        let (message, _, _) = error("[[service]]\nname = \"a\"\ndeployment = \".\"\n");
        assert_eq!(message, "deployment `.` is a directory");
    }

    #[test]
    fn poolers_connecting_in_a_loop_are_refused_at_the_first_link() {
        let (message, help, at) = error(
            "[[database]]\nname = \"users\"\n[[pooler]]\nname = \"a\"\nconnects-to = \"a\"\n",
        );
        assert_eq!(
            message,
            "connects-to makes a loop of poolers (a → a) that reaches no database"
        );
        assert!(help.unwrap().contains("[[database]]"));
        assert_eq!(at, "\"a\"");
        let (message, _, _) = error(
            "[[pooler]]\nname = \"a\"\nconnects-to = \"b\"\n[[pooler]]\nname = \"b\"\nconnects-to = \"a\"\n",
        );
        assert_eq!(
            message,
            "connects-to makes a loop of poolers (a → b → a) that reaches no database"
        );
        // A chain of poolers ending at a database is fine.
        assert!(load(
            "[[database]]\nname = \"d\"\n[[pooler]]\nname = \"a\"\nconnects-to = \"b\"\n[[pooler]]\nname = \"b\"\nconnects-to = \"d\"\n"
        )
        .is_ok());
    }
}
