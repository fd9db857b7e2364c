//! `poollint init`: write the `poollint.toml` poollint would infer from the files, with
//! comments, for a person to confirm and to add the load they expect. Every inferred
//! value says where it came from; nothing is invented: load is left as a commented
//! template because no file says it.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::model::{Ecosystem, Engine, Model, Service};
use crate::source::{FileId, SourceMap};

/// The manifest text for the files under `root`, as read into `model`.
pub fn manifest_text(root: &Path, model: &Model, sources: &SourceMap) -> String {
    let relative = |file: FileId| -> Option<String> {
        let path = &sources.get(file)?.path;
        let relative = path.strip_prefix(root).unwrap_or(path);
        Some(relative.to_string_lossy().replace('\\', "/"))
    };
    let mut out = String::from(
        "# poollint.toml written by `poollint init` from the files below this directory.\n\
         # Confirm every value, fill in what the files cannot say (marked TODO), then run\n\
         # `poollint check` and `poollint capacity`. Reference: README.md, \"Configuration\".\n",
    );
    let targets: Vec<String> = model
        .databases
        .iter()
        .map(|d| d.name.clone())
        .chain(model.poolers.iter().map(|p| p.name.clone()))
        .collect();
    for database in &model.databases {
        let config = database
            .max_connections
            .origin
            .location()
            .and_then(|l| relative(l.file));
        let _ = write!(
            out,
            "\n[[database]]\nname = {}\nengine = \"{}\"\n",
            quote(&database.name),
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
    for pooler in &model.poolers {
        let config = pooler
            .default_pool_size
            .as_ref()
            .and_then(|s| s.location())
            .and_then(|l| relative(l.file));
        let _ = write!(
            out,
            "\n[[pooler]]\nname = {}\nkind = \"pgbouncer\"\n",
            quote(&pooler.name)
        );
        if let Some(path) = config {
            let _ = writeln!(out, "config = {}", quote(&path));
        }
        out.push_str("instances = 1                # TODO: PgBouncer replicas\n");
        match model.databases.as_slice() {
            [only] => {
                let _ = writeln!(
                    out,
                    "connects-to = {}   # inferred: the only database",
                    quote(&only.name)
                );
            }
            _ => {
                out.push_str("# connects-to = \"\"            # TODO: one of the databases above\n")
            }
        }
    }
    let deployments = deployment_files(model, &relative);
    // Workloads count as services when their environment configures a pool.
    for service in model
        .services
        .iter()
        .filter(|s| !is_workload(s) || !s.pools.is_empty())
    {
        write_service(&mut out, model, service, &relative, &targets, &deployments);
    }
    out
}

fn write_service(
    out: &mut String,
    model: &Model,
    service: &Service,
    relative: &dyn Fn(FileId) -> Option<String>,
    targets: &[String],
    deployments: &BTreeSet<(String, String)>,
) {
    let files: BTreeSet<String> = service
        .pools
        .iter()
        .filter_map(|i| model.pools.get(*i))
        .filter_map(|p| p.anchor.or(p.max.location()))
        .filter_map(|l| relative(l.file))
        .collect();
    if files.is_empty() {
        return;
    }
    let name = service_name(&service.name);
    let _ = write!(out, "\n[[service]]\nname = {}\n", quote(&name));
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
            deployments
                .iter()
                .filter(|(n, _)| name.contains(n.as_str()) || n.contains(name.as_str()))
                .collect()
        }
    };
    if let (Some(path), true) = (&own_file, is_workload(service)) {
        let _ = writeln!(
            out,
            "deployment = {}   # its environment configures the pool",
            quote(path)
        );
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
            "instances = 1                  # TODO: replicas (or deployment = \"k8s/app.yaml\")\n",
        ),
        }
    }
    match targets {
        [only] => {
            let _ = writeln!(
                out,
                "connects-to = {}   # inferred: the only database or pooler",
                quote(only)
            );
        }
        [] => {}
        _ => {
            let _ = writeln!(
                out,
                "# connects-to = \"\"              # TODO: one of {}",
                targets.join(", ")
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

/// A service's name from its application directory: `orders/src/main/resources` is
/// `orders` (the Maven/Gradle layout), anything else its last directory.
fn service_name(scope: &str) -> String {
    let path = Path::new(scope);
    let project = if path.ends_with("src/main/resources") {
        path.ancestors().nth(3)
    } else {
        Some(path)
    };
    project
        .and_then(|p| p.file_name())
        .map_or_else(|| scope.to_owned(), |n| n.to_string_lossy().into_owned())
}

/// (workload name, file) of every Kubernetes or compose workload.
fn deployment_files(
    model: &Model,
    relative: &dyn Fn(FileId) -> Option<String>,
) -> BTreeSet<(String, String)> {
    model
        .services
        .iter()
        .filter(|s| is_workload(s))
        .filter_map(|s| {
            let file = s.deployment.as_ref()?.location?.file;
            let name = s.name.rsplit('/').next().unwrap_or(&s.name).to_owned();
            Some((name, relative(file)?))
        })
        .collect()
}

/// A TOML basic string.
fn quote(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('"', "\\\"");
    format!("\"{escaped}\"")
}

/// Where `poollint init` writes: `poollint.toml` in `dir`.
pub fn target(dir: &Path) -> PathBuf {
    dir.join(crate::manifest::FILE_NAME)
}
