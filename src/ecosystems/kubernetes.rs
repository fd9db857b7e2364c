//! Kubernetes manifests: Deployments, StatefulSets, ReplicaSets, DaemonSets, Jobs, bare
//! Pods and Argo Rollouts (replicas,
//! rolling-update surge and unavailable, the liveness probe) and the
//! HorizontalPodAutoscalers and KEDA ScaledObjects that scale them. Facts and defaults:
//! rules-catalogue §1.11 [K8S-DEPLOY] [K8S-HPA], [KEDA-SO] and [K8S-DS] below. (The
//! termination grace period and readiness probe are not read: no rule uses them.)
//!
//! Any `*.yaml`/`*.yml` not claimed by a more specific reader is offered here; only files
//! whose text has `apiVersion` and the `kind` of an object read are read (a Service alone
//! adds nothing: [`names_a_read_kind`]), and Helm templates (`{{ }}`) are skipped: they
//! are not YAML before rendering.
//!
//! Container `env` feeds Spring pools (`SPRING_DATASOURCE_*`), and so do a Java
//! container's `--spring.*` arguments and `-Dspring.*` options, on its command line
//! or in its JVM option variables ([`super::jvm_options`]); ConfigMaps embedding
//! `application.yml`, `pgbouncer.ini` or `postgresql.conf` as block scalars (literal
//! `|` or folded `>`) are read by those readers with spans into the manifest; a
//! container running the `postgres` image is a database whose parameters come from
//! `-c name=value` flags in its `command`/`args` lists (`$(VAR)` references expanded,
//! [`expand_command`]). `env` values may come from ConfigMaps and Secrets among the
//! files checked (`valueFrom.configMapKeyRef` / `secretKeyRef`, `envFrom.configMapRef`
//! / `secretRef`), with spans into the ConfigMap or Secret. Every value of a Secret is masked in all output; a `valueFrom` the files do
//! not resolve makes its variable unknown ([`unknown_var`]). `$(VAR)` references in
//! `env` values are expanded as the kubelet expands them (see [`resolve_environment`]),
//! each part of the result keeping its place in the file ([`expand`]).

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::path::Path;

use rayon::prelude::*;

use super::go_yaml::{go_yaml_number, GoYamlNumber};
use super::{file_name, postgres, ParsedFile, Reader, Summary};
use crate::capacity::{self, IntOrPercent};
use crate::model::{
    ArgoStrategy, Deployment, Ecosystem, EnvVar, Location, MapPiece, Model, Origin, RefusalStage,
    RefusedValue, Secret, Service, Setting, Val,
};
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::{Document, Format, NodeId};

pub struct Kubernetes;

/// Kubernetes' default `maxSurge` and `maxUnavailable` [K8S-DEPLOY].
const DEFAULT_ROLLOUT_PERCENT: u64 = 25;
/// The annotation `kubectl apply` keeps the applied object in, as JSON.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";
const DOC: &str = "https://kubernetes.io/docs/concepts/workloads/controllers/deployment/";
/// [KEDA-SO]: `minReplicaCount` "Default: 0", `maxReplicaCount` "Default: 100",
/// `scaleTargetRef.kind` "Default: Deployment".
const KEDA_DOC: &str = "https://keda.sh/docs/latest/reference/scaledobject-spec/";
const KEDA_DEFAULT_MAX: i64 = 100;
/// [K8S-DS]: a DaemonSet runs one pod per eligible node; its rolling update's
/// `maxUnavailable` defaults to 1 and `maxSurge` to 0.
const DAEMONSET_DOC: &str = "https://kubernetes.io/docs/tasks/manage-daemon/update-daemon-set/";
/// A bare Pod is one instance, no controller rolls it.
const POD_DOC: &str = "https://kubernetes.io/docs/concepts/workloads/pods/";
/// Argo Rollouts' `Rollout` (`argoproj.io/v1alpha1`): `spec.replicas` default 1, a
/// canary's `maxSurge` and `maxUnavailable` default "25" (read as 25 %,
/// argo-rollouts `utils/defaults/defaults.go`).
const ARGO_ROLLOUT_DOC: &str =
    "https://argo-rollouts.readthedocs.io/en/stable/features/specification/";
// [K8S-JOB]: https://kubernetes.io/docs/concepts/workloads/controllers/job/
// (`parallelism`, `completions`, `suspend`; a CronJob's `suspend` stops its runs).

impl Reader for Kubernetes {
    fn ecosystem(&self) -> Ecosystem {
        Ecosystem::Kubernetes
    }

    fn recognise(&self, path: &Path) -> Option<Format> {
        let name = file_name(path)?;
        (name.ends_with(".yaml") || name.ends_with(".yml")).then_some(Format::Yaml)
    }

    /// A manifest with an object this reader reads ([`names_a_read_kind`]): one with
    /// only a Service, an Ingress or a Namespace adds nothing to the model, and is
    /// skipped as a file no reader accepts is, so naming it alone (a hook passing the
    /// changed `k8s/service.yaml`) does not bring in the topology's findings.
    fn accepts(&self, text: &str) -> bool {
        text.contains("apiVersion") && names_a_read_kind(text) && !is_helm_template(text)
    }

    /// Each file is read on its own into a summary ([`Reader::summarise`]): references
    /// between files (ConfigMaps, Secrets, autoscalers) are resolved when the summaries
    /// are joined.
    fn unit<'p>(&self, path: &'p Path) -> Option<&'p Path> {
        Some(path)
    }

    fn read(&self, files: &[&ParsedFile], sources: &SourceMap) -> Model {
        self.join(self.summarise(files, sources).into_iter().collect())
    }

    fn summarise(&self, files: &[&ParsedFile], sources: &SourceMap) -> Option<Summary> {
        let mut summary = KubeSummary::default();
        for file in files {
            // Listed once: the values and the pieces below both go through them.
            let objects = objects(&file.doc);
            config_map_values(file, &objects, sources, &mut summary.values);
            let share = expansion_share(&objects);
            for object in objects {
                let reader = ObjectReader::new(&file.doc, file.id, object);
                let annotations = reader.annotation_secrets(sources);
                if !annotations.is_empty() {
                    summary.pieces.push(Piece::Model(Model {
                        secrets: annotations,
                        ..Model::default()
                    }));
                }
                let piece = match reader.kind {
                    kind if is_workload(kind) => {
                        reader.workload().map(|(service, mut refused)| {
                            // Found once for the environments, commands and mounts.
                            let containers = reader.long_running_containers();
                            let env = reader.environment(&containers, sources, &mut refused);
                            // Most workloads have no refused value: no empty model is
                            // kept for them until the join.
                            if !refused.is_empty() {
                                summary.pieces.push(Piece::Model(Model {
                                    refused_values: refused,
                                    ..Model::default()
                                }));
                            }
                            Piece::Workload(Box::new(Workload {
                                service,
                                kind: reader.kind.unwrap_or_default().to_owned(),
                                namespace: reader
                                    .text(&["metadata", "namespace"])
                                    .unwrap_or("default")
                                    .to_owned(),
                                env,
                                commands: reader.commands(&containers, sources),
                                mounts: reader.mounted_config_maps(&containers),
                                postgres: reader.postgres_container(&containers),
                                template_ref: reader.template_ref(),
                                path: file.path.clone(),
                                budget: ExpansionBudget(share.into()),
                            }))
                        })
                    }
                    Some(kind @ ("HorizontalPodAutoscaler" | "ScaledObject")) => {
                        let read = if kind == "ScaledObject" {
                            reader.keda_autoscaler(&file.path)
                        } else {
                            reader.autoscaler(&file.path)
                        };
                        match read {
                            Some(Ok(autoscaler)) => {
                                summary.autoscalers.push(autoscaler);
                                None
                            }
                            // Not applied: the workload keeps its own count.
                            Some(Err(refused)) => Some(Piece::Model(Model {
                                refused_values: vec![refused],
                                ..Model::default()
                            })),
                            None => None,
                        }
                    }
                    Some("ConfigMap") => {
                        let data = reader.data_entries();
                        let mut model = reader.embedded_configs(file, sources, &data);
                        model
                            .refused_values
                            .extend(reader.data_refusals(ValueSource::ConfigMap));
                        let auth_files = auth_file_names(&model);
                        model.secrets.extend(reader.config_map_secrets(
                            sources,
                            &data,
                            &auth_files,
                        ));
                        Some(Piece::Model(model))
                    }
                    Some("Secret") => Some(Piece::Model(Model {
                        secrets: reader.secret_values(sources),
                        refused_values: reader.data_refusals(ValueSource::Secret),
                        ..Model::default()
                    })),
                    _ => None,
                };
                summary.pieces.extend(piece);
            }
        }
        Some(Box::new(summary))
    }

    fn pack_summary(&self, summary: &mut Summary) {
        if let Some(summary) = summary.downcast_mut::<KubeSummary>() {
            *summary = summary.clone();
        }
    }

    fn join(&self, summaries: Vec<Summary>) -> Model {
        let mut summaries: Vec<KubeSummary> = summaries
            .into_iter()
            .filter_map(|s| s.downcast::<KubeSummary>().ok())
            .map(|s| *s)
            .collect();
        let mut values = ConfigMaps::new();
        for summary in &mut summaries {
            for (object, entries) in summary.values.drain() {
                // An object named in one file only (most) keeps its vector.
                match values.entry(object) {
                    Entry::Vacant(vacant) => {
                        vacant.insert(entries);
                    }
                    Entry::Occupied(mut occupied) => occupied.get_mut().extend(entries),
                }
            }
        }
        // Reserved whole: the pieces are most of what the join holds.
        let mut pieces = Vec::with_capacity(summaries.iter().map(|s| s.pieces.len()).sum());
        let mut autoscalers = Vec::new();
        for summary in summaries {
            pieces.extend(summary.pieces);
            autoscalers.extend(summary.autoscalers);
        }
        let (scale_downs, ref_notes) = follow_workload_refs(&mut pieces);
        let targets = scale_targets(&pieces);
        // Workloads are resolved in parallel (each is independent once every
        // ConfigMap and Secret is known), then appended in order in one go.
        let parts: Vec<Model> = pieces
            .into_par_iter()
            .map(|piece| match piece {
                Piece::Model(part) => part,
                Piece::Workload(workload) => workload.into_model(&values),
            })
            .collect();
        // Every reference is resolved: the values go before the parts are merged, where
        // the check's memory peaks.
        drop(values);
        let mut model = Model::default();
        model.extend_all(parts);
        apply_autoscalers(&mut model, &targets, autoscalers);
        apply_scale_downs(&mut model, &scale_downs);
        model.notes.extend(ref_notes);
        model
    }
}

/// What some manifests say, without their syntax trees: the facts of each object in
/// order, workloads with their `env` references still unresolved, and the values of
/// their ConfigMaps and Secrets.
#[derive(Clone, Default)]
struct KubeSummary {
    pieces: Vec<Piece>,
    values: ConfigMaps,
    autoscalers: Vec<Autoscaler>,
}

#[derive(Clone)]
enum Piece {
    Model(Model),
    /// Boxed: a service is large and most pieces are models.
    Workload(Box<Workload>),
}

/// A workload ([`is_workload`]) whose environment may come from objects in other files.
#[derive(Clone)]
struct Workload {
    service: Service,
    /// `Deployment`, `StatefulSet`, `ReplicaSet` or `DaemonSet`: an autoscaler's
    /// `scaleTargetRef.kind`.
    kind: String,
    namespace: String,
    /// Each long-running container's name and `envFrom` and `env` entries, in order
    /// ([`ObjectReader::long_running_containers`]).
    env: Vec<(String, Vec<EnvItem>)>,
    /// Each long-running container's command (`command` then `args`), in that order,
    /// with how many of its words are `command`'s.
    commands: Vec<(Vec<crate::model::CommandWord>, usize)>,
    /// The ConfigMaps its containers mount as files ([`ObjectReader::mounted_config_maps`]).
    mounts: Vec<ConfigMapMount>,
    /// Its file: an autoscaler scales the workload nearest to it ([`apply_autoscalers`]).
    path: std::path::PathBuf,
    /// Its container running PostgreSQL, if any: a database whose parameters are its
    /// command's flags once `$(VAR)` references in them are expanded.
    postgres: Option<PostgresContainer>,
    /// What `$(VAR)` expansion may still add for this workload: its share of its
    /// file's budget.
    budget: ExpansionBudget,
    /// An Argo Rollout's `spec.workloadRef`: the workload whose pod template it runs
    /// ([`follow_workload_refs`]).
    template_ref: Option<TemplateRef>,
}

impl Workload {
    /// What an autoscaler's `scaleTargetRef` or a Rollout's `workloadRef` names it by.
    fn target(&self) -> ScaleTarget {
        let name = self.service.name.rsplit('/').next().unwrap_or_default();
        (self.kind.clone(), self.namespace.clone(), name.to_owned())
    }
}

/// An Argo Rollout's `spec.workloadRef` ([`ObjectReader::template_ref`]).
#[derive(Clone)]
struct TemplateRef {
    api_version: String,
    kind: String,
    name: String,
    /// `scaleDown: onsuccess` or `progressively` (the other values, `never` and none,
    /// leave the referenced Deployment running), with where it is written.
    scale_down: Option<(String, Location)>,
}

/// A workload's container running the `postgres` image ([`ObjectReader::postgres_container`]).
#[derive(Clone)]
struct PostgresContainer {
    /// Its place among the long-running containers ([`Workload::env`]).
    index: usize,
    /// The database's name: the workload's, qualified by its namespace.
    name: String,
    /// The key its flags are named under (`spec.template.spec.containers.postgres.args`).
    key_prefix: String,
    /// Where the workload's name is written: absent parameters point there.
    anchor: Location,
}

impl PostgresContainer {
    /// The database its command's `-c name=value` flags (`command` then `args`, list
    /// form, expanded: [`expand_command`]) configure; a flag a reference to a value the
    /// files do not give sets is unknown.
    fn database(&self, command: &[(crate::model::CommandWord, bool)]) -> Model {
        let words: Vec<(String, Span)> = command
            .iter()
            .map(|(word, _)| (word.text.clone(), word.location.span))
            .collect();
        let mut flags = postgres::command_flags(&words);
        for flag in &mut flags {
            flag.unknown = command.iter().any(|(word, unknown)| {
                *unknown
                    && word.location.span.start <= flag.value_span.start
                    && flag.value_span.end <= word.location.span.end
            });
        }
        postgres::database_from_flags(
            self.name.clone(),
            self.anchor.file,
            &flags,
            &self.key_prefix,
            self.anchor,
        )
    }
}

/// A ConfigMap a workload's pod mounts in a volume, and the keys the volume's `items`
/// project (empty: every key, as Kubernetes projects them without `items`).
#[derive(Clone)]
struct ConfigMapMount {
    name: String,
    keys: Vec<String>,
}

/// Most bytes of expanded values `$(VAR)` expansion makes in one file (4 MiB), in equal
/// shares for its workloads (each over all its containers): the bound of 64 KiB a value let each of thousands of
/// short references keep its own 64 KiB copy (114 KB of manifest took 396 MB). Past
/// it, references are left as written, as past the bound of a value.
const MAX_EXPANDED_PER_FILE: usize = 4 * 1024 * 1024;

/// A workload's `kind`: the objects whose containers are read.
fn is_workload(kind: Option<&str>) -> bool {
    matches!(
        kind,
        Some(
            "Deployment"
                | "StatefulSet"
                | "ReplicaSet"
                | "DaemonSet"
                | "Job"
                | "CronJob"
                | "Rollout"
                | "Pod"
        )
    )
}

/// The kinds of object [`Reader::summarise`] reads something from: workloads,
/// autoscalers, ConfigMaps and Secrets, and lists, which may hold any of them.
fn is_read_kind(kind: &str) -> bool {
    is_workload(Some(kind))
        || matches!(
            kind,
            "HorizontalPodAutoscaler" | "ScaledObject" | "ConfigMap" | "Secret"
        )
        || kind.ends_with("List")
}

/// Whether `text` may hold an object of a kind this reader reads ([`is_read_kind`]),
/// judged without parsing: a `kind` key (YAML or JSON) whose value is such a kind, or
/// whose value this scan does not read as a plain word (an alias, a tag, a value on the
/// next line), which is kept to be parsed. A nested `kind` (an HPA's
/// `scaleTargetRef.kind`) counts too: the file is then read, as before.
fn names_a_read_kind(text: &str) -> bool {
    kind_values(text).any(|value| match kind_word(value) {
        "" => !value.starts_with(['#', '}', ',']),
        word => is_read_kind(word),
    })
}

/// Where a `kind` key may be: the text it is found in.
static KIND_KEY: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new("kind"));

/// The text after each `kind` key of `text` (block or flow YAML, JSON: `kind: Secret`,
/// `"kind": "Secret"`), its blanks and opening quote skipped, found without parsing:
/// what objects a file holds, for a reader deciding whether to parse it and for
/// redaction of a file that does not parse. A key ending in `kind` (`listkind`,
/// `x.kind`) is not one.
pub(crate) fn kind_values(text: &str) -> impl Iterator<Item = &str> {
    KIND_KEY.find_iter(text.as_bytes()).filter_map(move |at| {
        let before = text.get(..at).and_then(|b| b.chars().next_back());
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || "_.-".contains(c)) {
            return None;
        }
        let after = text.get(at + "kind".len()..)?;
        let after = after.strip_prefix(['"', '\'']).unwrap_or(after);
        let value = after.trim_start_matches([' ', '\t']).strip_prefix(':')?;
        let value = value.trim_start_matches([' ', '\t']);
        Some(value.strip_prefix(['"', '\'']).unwrap_or(value))
    })
}

/// The word a [`kind_values`] value starts with (`Secret` of `Secret"}`): empty when it
/// starts with none (an alias, a tag, a line break).
pub(crate) fn kind_word(value: &str) -> &str {
    let len = value
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(value.len());
    value.get(..len).unwrap_or_default()
}

/// Each workload's equal share of [`MAX_EXPANDED_PER_FILE`] among `objects`, a file's.
/// A file's workloads are resolved in parallel: a budget they shared would make which
/// references expand depend on the threads' order, and the output with it.
fn expansion_share(objects: &[Object]) -> usize {
    let workloads = objects.iter().filter(|o| is_workload(o.kind)).count();
    MAX_EXPANDED_PER_FILE / workloads.max(1)
}

/// The bytes of expanded values a workload may still make (its [`expansion_share`]);
/// spent by its containers one after another, on one thread.
#[derive(Clone)]
struct ExpansionBudget(std::cell::Cell<usize>);

impl ExpansionBudget {
    fn remaining(&self) -> usize {
        self.0.get()
    }

    /// Spend `len` bytes; false (nothing spent) when fewer remain.
    fn take(&self, len: usize) -> bool {
        match self.0.get().checked_sub(len) {
            Some(left) => {
                self.0.set(left);
                true
            }
            None => false,
        }
    }
}

impl Workload {
    /// The service with each container's environment resolved, and the pools its
    /// variables configure ([`super::service_with_containers`]).
    fn into_model(mut self, values: &ConfigMaps) -> Model {
        let mounted = self.mounted_files(values);
        if let Some(deployment) = self.service.deployment.as_mut() {
            deployment.mounted_files = mounted;
        }
        let mut containers = Vec::new();
        let mut secrets = Vec::new();
        let mut refused = Vec::new();
        let mut database = None;
        let mut commands = std::mem::take(&mut self.commands).into_iter();
        for (index, (name, items)) in self.env.iter().enumerate() {
            let resolved = resolve_environment(items, &self.namespace, values, &self.budget);
            let (words, from_command) = commands.next().unwrap_or_default();
            let command = expand_command(words, (&resolved.bindings, resolved.open), &self.budget);
            let mut env = resolved.vars;
            // Spring reads them over the environment ([`super::jvm_options`]).
            let properties = super::jvm_options::spring_properties(&command, from_command, &env);
            refused.extend(super::jvm_options::refused_option_variables(&env));
            env.extend(properties);
            if let Some(postgres) = self.postgres.as_ref().filter(|p| p.index == index) {
                database = Some(postgres.database(&command));
            }
            containers.push(super::Container {
                name: name.clone(),
                env,
                command: command.into_iter().map(|(word, _)| word).collect(),
            });
            secrets.extend(resolved.secrets);
        }
        let mut model = super::service_with_containers(self.service, containers);
        model.secrets.extend(secrets);
        model.refused_values.extend(refused);
        if let Some(database) = database {
            model.extend(database);
        }
        model
    }

    /// The configuration files (`application.yml`, …) of the ConfigMaps its pod mounts,
    /// among those read, in its namespace: an application read from one runs in it.
    fn mounted_files(&self, values: &ConfigMaps) -> Vec<crate::model::MountedFile> {
        let mut files = Vec::new();
        for mount in &self.mounts {
            let object = (
                ValueSource::ConfigMap,
                self.namespace.clone(),
                mount.name.clone(),
            );
            let entries = values.get(&object).into_iter().flatten();
            for (key, _, location) in entries {
                if is_embedded_config(key) && (mount.keys.is_empty() || mount.keys.contains(key)) {
                    files.push(crate::model::MountedFile {
                        location: *location,
                        source: format!("ConfigMap {}, key {key}", mount.name),
                    });
                }
            }
        }
        files
    }
}

/// One `envFrom` or `env` entry of a container, as written.
#[derive(Clone)]
enum EnvItem {
    /// `envFrom`: every value of the first referenced ConfigMap or Secret found.
    From {
        refs: Vec<(ValueSource, String)>,
        prefix: String,
        name_location: Location,
    },
    /// `env` with a literal value (`$(VAR)` references not yet expanded).
    Literal(EnvVar),
    /// `env` with `valueFrom` a ConfigMap's or Secret's key.
    Ref {
        name: String,
        name_location: Location,
        /// The `valueFrom` mapping.
        from_location: Location,
        source: ValueSource,
        object: String,
        key: String,
        /// `optional: true`: the kubelet skips the variable when the object lacks the
        /// key ([`resolve_environment`]).
        optional: bool,
    },
    /// `env` whose value is not in the files (`valueFrom.fieldRef`,
    /// `resourceFieldRef`): a `$(VAR)` reference to it is unknown. `from` says where
    /// the value comes from and where that is written (None: no `valueFrom` poollint
    /// can name).
    Unknown {
        name: String,
        name_location: Location,
        from: Option<(String, Location)>,
    },
}

/// A container's environment as the process receives it, and the secrets that
/// expanding `$(VAR)` references moved.
struct Resolved {
    vars: Vec<EnvVar>,
    secrets: Vec<Secret>,
    /// What each variable of the container expands to in its `command` and `args`.
    bindings: HashMap<String, Binding>,
    /// An `envFrom` object not among the files may define any name.
    open: bool,
}

/// What a `$(NAME)` reference in a later `value` expands to ([`resolve_environment`]).
#[derive(Clone)]
enum Binding {
    /// A value read from the files (a literal, a ConfigMap's), with where it is
    /// written.
    Known(String, Location),
    /// Defined, with a value the files do not give or poollint does not copy into
    /// other values: a Secret's, a password variable's, a `fieldRef`'s.
    Unknown,
}

/// The variables of one container's `items`, references looked up among the
/// ConfigMaps and Secrets read (references to objects not found are unknown and
/// skipped), and `$(VAR)` references in `value`s expanded as the kubelet does
/// (kubernetes/kubernetes `pkg/kubelet/kubelet_pods.go` `makeEnvironmentVariables`,
/// `third_party/forked/golang/expansion/expand.go`; `valueFrom` values are not
/// expanded): to the value of a variable defined earlier in the container
/// (`envFrom` first, then `env` in order); `$$` is a literal `$`; a reference to
/// nothing defined stays as written. A reference whose value the files do not give (a
/// Secret's, a `fieldRef`'s, a variable of an `envFrom` object not found, a Service's
/// `*_SERVICE_HOST`/`*_PORT` variables) is written `${VAR}`, as Compose's unknowns
/// are, so the Spring binding reads a placeholder without a default; a Secret's and a
/// password variable's values are never copied into another value.
fn resolve_environment(
    items: &[EnvItem],
    namespace: &str,
    values: &ConfigMaps,
    budget: &ExpansionBudget,
) -> Resolved {
    let lookup = |source: ValueSource, object: &str| {
        values.get(&(source, namespace.to_owned(), object.to_owned()))
    };
    let mut out = Resolved {
        vars: Vec::new(),
        secrets: Vec::new(),
        // One binding for most items: room for them at once, not grown as they come.
        bindings: HashMap::with_capacity(items.len()),
        open: false,
    };
    let bind = |source: ValueSource, name: &str, value: &str, at: Location| {
        if source == ValueSource::Secret || super::is_password_name(name) {
            Binding::Unknown
        } else {
            Binding::Known(value.to_owned(), at)
        }
    };
    for item in items {
        match item {
            EnvItem::From {
                refs,
                prefix,
                name_location,
            } => {
                let Some((source, entries)) = refs
                    .iter()
                    .find_map(|(source, object)| Some((*source, lookup(*source, object)?)))
                else {
                    out.open = true;
                    continue;
                };
                for (key, value, at) in entries {
                    // Joined, not formatted: one for every value of the object.
                    let name = [prefix.as_str(), key].concat();
                    out.bindings
                        .insert(name.clone(), bind(source, &name, value, *at));
                    out.vars
                        .push(EnvVar::written(name, value.clone(), *name_location, *at));
                }
            }
            EnvItem::Literal(var) => {
                let var = expand(var, (&out.bindings, out.open), budget, &mut out.secrets);
                let binding = if super::is_password_name(&var.name) {
                    Binding::Unknown
                } else {
                    Binding::Known(var.value.clone(), var.value_location)
                };
                out.bindings.insert(var.name.to_string(), binding);
                out.vars.push(var);
            }
            EnvItem::Ref {
                name,
                name_location,
                from_location,
                source,
                object,
                key,
                optional,
            } => {
                let entries = lookup(*source, object);
                let found = entries.and_then(|e| e.iter().rev().find(|(k, _, _)| k == key));
                // The kubelet skips an optional reference to a key the object lacks
                // (`if !ok { if optional { continue } }` in `makeEnvironmentVariables`,
                // https://github.com/kubernetes/kubernetes/blob/master/pkg/kubelet/kubelet_pods.go):
                // the variable keeps an earlier value of its name, or stays unset. An
                // object not among the files may hold the key: still unknown.
                if found.is_none() && entries.is_some() && *optional {
                    continue;
                }
                let Some((_, value, at)) = found else {
                    out.bindings.insert(name.clone(), Binding::Unknown);
                    let from = format!("{} {object}, key {key}", source.kind());
                    out.vars
                        .push(unknown_var(name, *name_location, from, *from_location));
                    continue;
                };
                out.bindings
                    .insert(name.clone(), bind(*source, name, value, *at));
                out.vars.push(EnvVar::written(
                    name.clone(),
                    value.clone(),
                    *name_location,
                    *at,
                ));
            }
            EnvItem::Unknown {
                name,
                name_location,
                from,
            } => {
                out.bindings.insert(name.clone(), Binding::Unknown);
                if let Some((from, at)) = from {
                    out.vars
                        .push(unknown_var(name, *name_location, from.clone(), *at));
                }
            }
        }
    }
    out.secrets.extend(referenced_passwords(items, &out.vars));
    out
}

/// A container's `command` and `args` words with their `$(VAR)` references expanded
/// from its whole environment, as the kubelet does before it starts the container
/// (`ExpandContainerCommandAndArgs` in kubernetes `pkg/kubelet/container/helpers.go`,
/// with the same `Expand` as `env` values), each with whether a reference in it is to
/// a value the files do not give (it then holds `${VAR}`, as an unknown `env` value
/// does). A word that changed keeps the location of the word as written.
fn expand_command(
    words: Vec<crate::model::CommandWord>,
    (bindings, open): (&HashMap<String, Binding>, bool),
    budget: &ExpansionBudget,
) -> Vec<(crate::model::CommandWord, bool)> {
    words
        .into_iter()
        .map(|word| {
            if !word.text.contains('$') {
                return (word, false);
            }
            let unknown = references(&word.text)
                .iter()
                .any(|name| match bindings.get(*name) {
                    Some(binding) => matches!(binding, Binding::Unknown),
                    None => open || is_service_link(name),
                });
            let limit = MAX_EXPANDED_LEN.min(budget.remaining());
            let (text, _) = expansion(&word.text, bindings, open, limit);
            // Past the bound the word is kept as written, as an `env` value is.
            if text.len() > limit || !budget.take(text.len()) {
                return (word, unknown);
            }
            (crate::model::CommandWord { text, ..word }, unknown)
        })
        .collect()
}

/// The values of the variables `vars` (a container's) that its password variables are
/// made of through `$(VAR)` references ([`password_sources`]), masked where they are
/// written (in the manifest, or a ConfigMap). A value that is itself only a reference
/// is left as written: the variable it names is masked instead.
fn referenced_passwords(items: &[EnvItem], vars: &[EnvVar]) -> Vec<Secret> {
    let sources = password_sources(items);
    if sources.is_empty() {
        return Vec::new();
    }
    let references: Vec<Location> = literals(items)
        .filter(|v| is_only_a_reference(&v.value))
        .map(|v| v.value_location)
        .collect();
    vars.iter()
        .filter(|v| sources.contains(v.name.as_str()) && v.unknown_from.is_none())
        .filter(|v| !references.contains(&v.value_location))
        .map(|v| super::masked(v.value_location, &v.name, "referenced password"))
        .collect()
}

/// The names of the variables a container's passwords (password variables, and the
/// passwords of its URLs and connection strings) name with `$(VAR)`,
/// and in turn those these name. A variable defined after the password is not expanded
/// by the kubelet (the reference stays as written), but it is still the value its
/// author meant as the password, so it counts too.
fn password_sources(items: &[EnvItem]) -> HashSet<&str> {
    // A value without `$(` refers to nothing, whatever its passwords: most values are
    // skipped before their passwords are looked for.
    let mut wanted: Vec<&str> = literals(items)
        .filter(|v| v.value.contains("$("))
        .flat_map(password_texts)
        .flat_map(references)
        .collect();
    let mut found = HashSet::new();
    while let Some(name) = wanted.pop() {
        if found.insert(name) {
            let named = literals(items).filter(|v| v.name == name);
            wanted.extend(named.flat_map(|v| references(&v.value)));
        }
    }
    found
}

/// The `env` entries of a container written with a literal `value`.
fn literals(items: &[EnvItem]) -> impl Iterator<Item = &EnvVar> {
    items.iter().filter_map(|item| match item {
        EnvItem::Literal(var) => Some(var),
        _ => None,
    })
}

/// The passwords a variable's value holds: the whole value of a password variable, else
/// the passwords of the URL or connection string it holds
/// (`postgres://app:$(DB_CRED)@db/app`).
fn password_texts(var: &EnvVar) -> Vec<&str> {
    if super::is_password_name(&var.name) {
        return vec![var.value.as_str()];
    }
    super::connection_string::password_ranges(&var.value)
        .into_iter()
        .filter_map(|range| var.value.get(range))
        .collect()
}

/// The names a value refers to with `$(NAME)`, as [`expansion`] reads them: `$$` is a
/// literal `$`, so `$$(NAME)` names nothing.
fn references(value: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = value;
    while let Some(dollar) = rest.find('$') {
        let after = rest.get(dollar + 1..).unwrap_or("");
        if let Some(escaped) = after.strip_prefix('$') {
            rest = escaped;
            continue;
        }
        let Some(open) = after.strip_prefix('(') else {
            rest = after;
            continue;
        };
        // Without a `)` no later `$(` closes either (looking again was quadratic).
        let Some((name, tail)) = open.split_once(')') else {
            break;
        };
        names.push(name);
        rest = tail;
    }
    names
}

/// A value that is one `$(NAME)` reference and nothing else.
fn is_only_a_reference(value: &str) -> bool {
    let name = value.strip_prefix("$(").and_then(|r| r.strip_suffix(')'));
    name.is_some_and(|name| !name.contains([')', '$']))
}

/// A variable the container has, whose value the files do not give (a Secret or
/// ConfigMap not among them, a `fieldRef`): the placeholder `${NAME}`, which readers
/// take for unknown as they take a placeholder without a default, located at its
/// `valueFrom`. A setting it overrides becomes unknown, instead of keeping the value
/// of a file the deployment replaces.
fn unknown_var(name: &str, name_location: Location, from: String, at: Location) -> EnvVar {
    EnvVar {
        name: name.into(),
        value: ["${", name, "}"].concat(),
        name_location,
        value_location: at,
        moved: true,
        parts: None,
        unknown_from: Some(from),
        verbatim: false,
    }
}

/// Variables Kubernetes defines for each Service in the namespace (service links:
/// `DB_SERVICE_HOST`, `DB_SERVICE_PORT`, `DB_PORT`, `DB_PORT_5432_TCP_ADDR`, …), which a
/// `$(VAR)` reference may name though no file defines them.
fn is_service_link(name: &str) -> bool {
    name.ends_with("_SERVICE_HOST")
        || name.ends_with("_SERVICE_PORT")
        || name.contains("_SERVICE_PORT_")
        || name.ends_with("_PORT")
        || name.contains("_PORT_")
}

/// `var` with the `$(NAME)` references of its value expanded ([`resolve_environment`]);
/// the passwords the expansion moved are added to `secrets`, masked where they are
/// written: in this value's text, or where the referenced variable's value is. The
/// expanded value keeps where each part is written ([`EnvVar::parts`]): literal text
/// maps to itself, so a finding on a URL's literal password or a connection string's
/// pool size points at it; a part a reference brought in maps to the `$(VAR)` text.
/// That reference, not the referenced value, is the part's place: it is in the value
/// the finding is about (a part of it may come from a ConfigMap in another file, and a
/// span covering several parts must stay inside one value), and it names the variable
/// to follow.
fn expand(
    var: &EnvVar,
    (bindings, open): (&HashMap<String, Binding>, bool),
    budget: &ExpansionBudget,
    secrets: &mut Vec<Secret>,
) -> EnvVar {
    if !var.value.contains('$') {
        return var.clone();
    }
    let limit = MAX_EXPANDED_LEN.min(budget.remaining());
    let (value, pieces) = expansion(&var.value, bindings, open, limit);
    // Past the bound the reference is left as written: variables that each repeat the
    // one before (`V2=$(V1)$(V1)`) double at every step, and thousands of references
    // to a long value would each keep a copy.
    if value == var.value || value.len() > limit || !budget.take(value.len()) {
        return var.clone();
    }
    // Offsets into the written text are offsets into the file only when the value is
    // written there as read (plain or simply quoted, not escaped or folded).
    let parts = var.text_start().map(|start| {
        pieces
            .iter()
            .map(|piece| MapPiece {
                value: piece.range.clone(),
                file: Span::new(start + piece.written.start, start + piece.written.end),
                exact: piece.exact,
            })
            .collect()
    });
    // A password variable that is one reference (`SPRING_DATASOURCE_PASSWORD:
    // $(DB_SECRET)`) is the text of the variable it names: it is located there, so a
    // literal password is reported, and masked, where it is written.
    if let Some(source) =
        sole_source(&pieces, &value).filter(|_| super::is_password_name(&var.name))
    {
        return EnvVar {
            value,
            value_location: source,
            moved: true,
            parts: None,
            ..var.clone()
        };
    }
    let expanded = EnvVar {
        value,
        moved: true,
        parts,
        ..var.clone()
    };
    // The passwords of the value as written, where they are written (a `$(VAR)` in
    // it is a reference, not one) …
    secrets.extend(super::password_secrets(std::slice::from_ref(var)));
    // … and those the expansion brought in, where the variable they came from is.
    for range in super::connection_string::password_ranges(&expanded.value) {
        for piece in &pieces {
            if piece.range.start < range.end && range.start < piece.range.end {
                if let Some(at) = piece.from {
                    secrets.push(super::masked(at, &var.name, "connection string password"));
                }
            }
        }
    }
    expanded
}

/// Where the value of the one variable an expanded value consists of is written, when
/// the value is that variable's value and nothing else.
fn sole_source(pieces: &[ExpandedPiece], value: &str) -> Option<Location> {
    match pieces {
        [piece] if piece.range == (0..value.len()) => piece.from,
        _ => None,
    }
}

/// The longest value `$(VAR)` expansion makes (64 KiB): far above any setting, and it
/// keeps a few kilobytes of variables that double each other from taking gigabytes.
const MAX_EXPANDED_LEN: usize = 64 * 1024;

/// A part of an expanded value: its range in the value, the text of the written value
/// it comes from, whether that text is the part itself, and where a variable's value
/// it copies is written (None: the value's own text).
struct ExpandedPiece {
    range: std::ops::Range<usize>,
    written: std::ops::Range<usize>,
    exact: bool,
    from: Option<Location>,
}

/// An expanded value as it is built, part by part.
struct Expansion {
    out: String,
    pieces: Vec<ExpandedPiece>,
}

impl Expansion {
    /// Text of the written value kept as it is (joined to the part before when that was
    /// kept too).
    fn keep(&mut self, text: &str, written: std::ops::Range<usize>) {
        let Some(part) = text.get(written.clone()).filter(|p| !p.is_empty()) else {
            return;
        };
        let end = self.out.len() + part.len();
        self.out.push_str(part);
        match self.pieces.last_mut() {
            Some(last) if last.exact && last.written.end == written.start => {
                last.range.end = end;
                last.written.end = written.end;
            }
            _ => self.pieces.push(ExpandedPiece {
                range: end - part.len()..end,
                written,
                exact: true,
                from: None,
            }),
        }
    }

    /// `with` in place of the written text `written` (a reference, `$$`).
    fn replace(&mut self, written: std::ops::Range<usize>, with: &str, from: Option<Location>) {
        let start = self.out.len();
        self.out.push_str(with);
        self.pieces.push(ExpandedPiece {
            range: start..self.out.len(),
            written,
            exact: false,
            from,
        });
    }
}

/// Kubernetes' `Expand` (third_party/forked/golang/expansion) with the bindings of
/// [`resolve_environment`]; each part of the result says which text of `text` it
/// comes from.
fn expansion(
    text: &str,
    bindings: &HashMap<String, Binding>,
    open: bool,
    limit: usize,
) -> (String, Vec<ExpandedPiece>) {
    let mut x = Expansion {
        out: String::with_capacity(text.len()),
        pieces: Vec::new(),
    };
    let mut at = 0;
    let mut unclosed = false;
    while let Some(found) = text.get(at..).and_then(|t| t.find('$')) {
        let dollar = at + found;
        x.keep(text, at..dollar);
        let rest = text.get(dollar + 1..).unwrap_or("");
        let Some(next) = rest.chars().next() else {
            // A `$` that ends the value is kept.
            at = dollar;
            break;
        };
        match next {
            '$' => {
                x.replace(dollar..dollar + 2, "$", None);
                at = dollar + 2;
            }
            '(' => match (!unclosed).then(|| rest.find(')')).flatten() {
                Some(close) => {
                    let name = rest.get(1..close).unwrap_or("");
                    let written = dollar..dollar + close + 2;
                    match bindings.get(name) {
                        Some(Binding::Known(value, _)) if x.out.len() + value.len() > limit => {
                            // Over the bound: the caller keeps the value as written.
                            x.out.push_str(value);
                            return (x.out, x.pieces);
                        }
                        Some(Binding::Known(value, location)) => {
                            x.replace(written, value, Some(*location));
                        }
                        Some(Binding::Unknown) => {
                            x.replace(written, &format!("${{{name}}}"), None);
                        }
                        None if open || is_service_link(name) => {
                            x.replace(written, &format!("${{{name}}}"), None);
                        }
                        None => x.keep(text, written),
                    }
                    at = dollar + close + 2;
                }
                None => {
                    // As the kubelet, keep `$(` and go on (`$$` later is still `$`);
                    // no later `$(` closes either, so none looks again (quadratic).
                    unclosed = true;
                    x.keep(text, dollar..dollar + 2);
                    at = dollar + 2;
                }
            },
            other => {
                x.keep(text, dollar..dollar + 1 + other.len_utf8());
                at = dollar + 1 + other.len_utf8();
            }
        }
    }
    x.keep(text, at..text.len());
    (x.out, x.pieces)
}

/// Every object of a file: each document's root, and the items of a list (`kind: List`,
/// or a typed one as `kubectl get -o yaml` writes, `DeploymentList`), lists inside
/// lists included, as kubectl flattens them. A list is an object too: its own
/// annotations may hold a copy of what it held (`last-applied-configuration`).
fn objects(doc: &Document) -> Vec<Object<'_>> {
    let object = |node: NodeId| {
        let kind = doc.get(node, "kind").and_then(|k| doc.text(k));
        // Only Argo's `Rollout` is a workload: another project's (OpenKruise's
        // `rollouts.kruise.io`) has no pod template and runs no pod of its own.
        let api_version = doc.get(node, "apiVersion").and_then(|v| doc.text(v));
        let foreign_rollout =
            kind == Some("Rollout") && !api_version.is_some_and(|v| v.starts_with("argoproj.io/"));
        Object {
            node,
            kind: kind.filter(|_| !foreign_rollout),
        }
    };
    let mut out = Vec::new();
    // Depth first, without recursion: lists may nest as deep as the file does.
    let mut pending: Vec<NodeId> = doc.roots.iter().rev().copied().collect();
    while let Some(node) = pending.pop() {
        let found = object(node);
        let is_list = found.kind.is_some_and(|k| k.ends_with("List"));
        let items = is_list
            .then(|| doc.get(node, "items").and_then(|items| doc.seq(items)))
            .flatten();
        if let Some(items) = items {
            pending.extend(items.iter().rev().copied());
        }
        out.push(found);
    }
    out.into_iter().filter(|o| doc.is_map(o.node)).collect()
}

/// Whether KEDA pauses a ScaledObject for its `autoscaling.keda.sh/paused` value: it
/// reads it with Go's `strconv.ParseBool`, and a value that is no boolean pauses too
/// (`NeedToBePausedByAnnotation`: "if annotation value is not a boolean, we assume user
/// wants to pause").
fn keda_pauses(value: &str) -> bool {
    !matches!(value, "0" | "f" | "F" | "false" | "FALSE" | "False")
}

/// An object of a manifest ([`objects`]) and its `kind`, looked up once: every reader
/// of the object starts from it.
#[derive(Clone, Copy)]
struct Object<'d> {
    node: NodeId,
    kind: Option<&'d str>,
}

/// A HorizontalPodAutoscaler or a KEDA ScaledObject, and what it scales.
#[derive(Clone)]
struct Autoscaler {
    target_kind: String,
    target_name: String,
    namespace: Option<String>,
    /// KEDA scales a workload from and to zero itself, so `replicas: 0` does not turn
    /// it off as it does an HPA.
    keda: bool,
    min: Option<Setting<i64>>,
    max: Option<Setting<i64>>,
    /// Its file: of several workloads it may name, the one in this file, else in this
    /// directory, is the one it scales ([`apply_autoscalers`]).
    path: std::path::PathBuf,
    /// Its `scaleTargetRef`: where a second autoscaler of the same workload is reported.
    location: Location,
}

struct ObjectReader<'a> {
    doc: &'a Document,
    file: FileId,
    object: NodeId,
    kind: Option<&'a str>,
}

/// An entry of a ConfigMap's `data` ([`ObjectReader::data_entries`]).
struct DataEntry<'d> {
    key: &'d str,
    entry: crate::syntax::ResolvedEntry,
    /// The reader and format of the configuration file the value holds.
    embedded: EmbeddedReader,
}

/// The reader and format of a configuration file a ConfigMap holds, if any.
type EmbeddedReader = Option<(&'static dyn Reader, Format)>;

impl<'a> ObjectReader<'a> {
    fn new(doc: &'a Document, file: FileId, object: Object<'a>) -> Self {
        ObjectReader {
            doc,
            file,
            object: object.node,
            kind: object.kind,
        }
    }

    fn node(&self, path: &[&str]) -> Option<NodeId> {
        path.iter()
            .try_fold(self.object, |node, key| self.doc.get(node, key))
    }

    fn text(&self, path: &[&str]) -> Option<&str> {
        self.doc.text(self.node(path)?)
    }

    fn location(&self, node: NodeId) -> Location {
        Location {
            file: self.file,
            span: self.doc.span(node),
        }
    }

    fn written<T>(&self, node: NodeId, path: &[&str], value: T) -> Setting<T> {
        Setting {
            value: Val::Known(value),
            origin: Origin::File {
                file: self.file,
                span: self.doc.span(node),
                key: path.join(".").into(),
                via: None,
            },
        }
    }

    fn default<T>(&self, value: T, anchor: Option<NodeId>) -> Setting<T> {
        self.default_of(&"Kubernetes", &DOC, value, anchor)
    }

    /// `value` as `library`'s default, documented at `doc`, pointing at `anchor`.
    fn default_of<T>(
        &self,
        library: crate::model::StaticText,
        doc: crate::model::StaticText,
        value: T,
        anchor: Option<NodeId>,
    ) -> Setting<T> {
        Setting {
            value: Val::Known(value),
            origin: Origin::Default {
                library,
                doc,
                anchor: anchor.map(|a| self.location(a)),
            },
        }
    }

    /// A whole-number field of the spec, or Invalid with the reason: the number kubectl
    /// sends for it ([`json_whole_number`]: `010` is 8, `0x10` 16, `1e1` 10).
    fn count(&self, path: &[&str]) -> Option<Setting<i64>> {
        let node = self.node(path)?;
        self.count_of(node, path, json_whole_number(self.doc, node))
    }

    /// A whole number in an annotation's text (`autoscaling.keda.sh/paused-replicas:
    /// "2"`): an annotation is a string, read in decimal.
    fn annotation_count(&self, path: &[&str]) -> Option<Setting<i64>> {
        let node = self.node(path)?;
        let number = self.doc.text(node)?.parse::<i64>().ok();
        self.count_of(node, path, number)
    }

    /// `number`, read at `node`, as a count: Invalid when it is none or below 0.
    fn count_of(&self, node: NodeId, path: &[&str], number: Option<i64>) -> Option<Setting<i64>> {
        let text = self.doc.text(node)?;
        let value = match number {
            Some(v) if v >= 0 => Val::Known(v),
            _ => Val::invalid(
                text.to_owned(),
                format!("{} must be a whole number", path.join(".")),
            ),
        };
        Some(Setting {
            value,
            origin: self.written(node, path, ()).origin,
        })
    }

    /// `spec.replicas` (None: not written, or null). The API server decodes it into
    /// an `int32` ([`json_whole_number`]): a string (`"3"`) or a number beyond 32 bits
    /// is refused (added to `refused`) and the count is invalid, and so is a count
    /// below 0, which validation refuses (`ValidateNonnegativeField`, kubernetes
    /// `pkg/apis/apps/validation/validation.go`).
    fn replicas(&self, refused: &mut Vec<RefusedValue>) -> Option<Setting<i64>> {
        const PATH: [&str; 2] = ["spec", "replicas"];
        let node = self.node(&PATH)?;
        if is_yaml_null(self.doc, node) {
            return None;
        }
        if self.kind == Some("Rollout") {
            return Some(self.rollout_replicas(node, refused));
        }
        let go_struct = format!("{}Spec", self.kind.unwrap_or_default());
        self.api_count(
            node,
            &PATH,
            &go_struct,
            "write the count of pods as a number without quotes, from 0 to 2147483647 (`replicas: 3`)",
            refused,
        )
    }

    /// The count at `node`, the object's `path`, a field of the Go struct `go_struct`
    /// that the API server decodes into an `int32` and validates with
    /// `ValidateNonnegativeField`: a value it cannot decode ([`Self::int32_refusal_in`])
    /// or a count below 0 is refused (added to `refused`, with `fix`) and invalid.
    /// None: not a scalar.
    fn api_count(
        &self,
        node: NodeId,
        path: &[&str],
        go_struct: &str,
        fix: &'static str,
        refused: &mut Vec<RefusedValue>,
    ) -> Option<Setting<i64>> {
        let dotted = path.join(".");
        let error = self.int32_refusal_in(node, go_struct, &dotted).or_else(|| {
            let count = json_whole_number(self.doc, node).filter(|n| *n < 0)?;
            Some(format!(
                "{dotted}: Invalid value: {count}: must be greater than or equal to 0"
            ))
        });
        let Some(error) = error else {
            return self.count(path);
        };
        refused.push(self.refused_at(node, &error, fix, None));
        let raw = self.doc.text(node).unwrap_or("").to_owned();
        Some(Setting {
            value: Val::invalid(raw, error),
            origin: self.written(node, path, ()).origin,
        })
    }

    /// An Argo Rollout's `spec.replicas` at `node`: the API server checks it against the
    /// Rollout CRD's schema (`type: integer`), refusing a string or a fraction
    /// (`spec.replicas in body must be of type integer`), and the Argo Rollouts
    /// controller refuses a count below 0 (`ValidateRolloutSpec`,
    /// `ValidateNonnegativeField`): the Rollout is `InvalidSpec` and is not reconciled.
    /// A refused count is invalid and added to `refused`.
    fn rollout_replicas(&self, node: NodeId, refused: &mut Vec<RefusedValue>) -> Setting<i64> {
        const PATH: [&str; 2] = ["spec", "replicas"];
        let fix =
            "write the count of pods as a whole number without quotes, 0 or more (`replicas: 3`)";
        match json_whole_number(self.doc, node) {
            Some(count) if count < 0 => refused.push(RefusedValue {
                location: self.location(node),
                reason: format!("spec.replicas: Invalid value: {count}: must be greater than or equal to 0; the Argo Rollouts controller marks the Rollout InvalidSpec and does not run it"),
                fix,
                warning: true,
                stage: RefusalStage::Controller,
            }),
            Some(_) => {
                return self
                    .count(&PATH)
                    .unwrap_or_else(|| self.default(1, Some(node)))
            }
            None => {
                if let Some(error) = self.crd_integer_refusal(node, "spec.replicas") {
                    refused.push(self.refused_at(node, &error, fix, None));
                }
            }
        }
        Setting {
            value: Val::invalid(
                self.doc.text(node).unwrap_or("").to_owned(),
                "the Rollout's replicas are refused".to_owned(),
            ),
            origin: self.written(node, &PATH, ()).origin,
        }
    }

    /// Why a custom resource's schema (`type: integer`: an Argo Rollout's `replicas`, a
    /// KEDA ScaledObject's `minReplicaCount`/`maxReplicaCount`) refuses the scalar at
    /// `node`, the object's dotted `path`, if it does: the API server validates the
    /// fields against the CRD's OpenAPI schema (apiextensions-apiserver), and kubectl
    /// sends a string for anything but a number ([`json_number`]), a fraction as a
    /// `number`.
    fn crd_integer_refusal(&self, node: NodeId, path: &str) -> Option<String> {
        let sent = match (
            json_number(self.doc, node),
            json_whole_number(self.doc, node),
        ) {
            (_, Some(_)) => return None,
            (Some(_), None) => "number",
            (None, None) => json_non_string(self.doc, node).map_or("string", |t| match t {
                "bool" => "boolean",
                other => other,
            }),
        };
        Some(format!(
            "{path}: Invalid value: \"{sent}\": {path} in body must be of type integer: \"{sent}\""
        ))
    }

    /// Why the API server cannot decode the scalar at `node`, the spec's `field`, into
    /// its `int32`, if it cannot: kubectl sends a string for anything but a number
    /// ([`json_number`]), and a number must be whole ([`json_float_as_int`]) and within
    /// 32 bits.
    fn int32_refusal(&self, node: NodeId, field: &str) -> Option<String> {
        let go_struct = format!("{}Spec", self.kind.unwrap_or_default());
        self.int32_refusal_in(node, &go_struct, &format!("spec.{field}"))
    }

    /// [`Self::int32_refusal`] for the field at `path` (dotted, from the object's root)
    /// of the Go struct `go_struct`, as encoding/json names it in its error.
    fn int32_refusal_in(&self, node: NodeId, go_struct: &str, path: &str) -> Option<String> {
        let go_field = format!("{go_struct}.{path}");
        let Some(number) = json_number(self.doc, node) else {
            let sent = json_non_string(self.doc, node).unwrap_or("string");
            return Some(format!(
                "json: cannot unmarshal {sent} into Go struct field {go_field} of type int32"
            ));
        };
        let whole = match number {
            GoYamlNumber::Int(n) => Some(n),
            GoYamlNumber::Float(f) => json_float_as_int(f).ok(),
        };
        if whole.is_some_and(|n| i32::try_from(n).is_ok()) {
            return None;
        }
        let raw = self.doc.text(node).unwrap_or_default();
        Some(format!(
            "json: cannot unmarshal number {raw} into Go struct field {go_field} of type int32"
        ))
    }

    /// The workload's service, and the values the API server refuses in it.
    fn workload(&self) -> Option<(Service, Vec<RefusedValue>)> {
        let name_node = self.name_node()?;
        let name = self.doc.text(name_node)?.to_owned();
        let spec = self.node(&["spec"]);
        let mut refused = Vec::new();
        let replicas = if self.kind == Some("DaemonSet") {
            Setting {
                value: Val::Known(1),
                origin: Origin::Inferred {
                    from: "a DaemonSet runs one pod per node; the node count is not in the manifests, so 1 is counted: set `instances` in poollint.toml".into(),
                    at: Some(self.location(name_node)),
                },
            }
        } else if let Some(job_spec) = self.job_spec_path() {
            self.job_pods(job_spec, spec, &mut refused)
        } else if self.kind == Some("Pod") {
            self.default_of(&"Kubernetes Pod", &POD_DOC, 1, Some(name_node))
        } else {
            self.replicas(&mut refused)
                .unwrap_or_else(|| self.default(1, spec))
        };
        let rollout = match self.kind {
            Some("Rollout") => self.argo_rollout(),
            _ => self.rollout(),
        };
        let (max_surge, max_unavailable, rollout_refused) = match rollout {
            Some(rollout) => (
                Some(rollout.surge),
                Some(rollout.unavailable),
                rollout.refused,
            ),
            None => (None, None, self.stateful_set_refusals()),
        };
        refused.extend(rollout_refused);
        let deployment = Deployment {
            replicas: Some(replicas),
            max_replicas: None,
            min_replicas: None,
            max_surge,
            max_unavailable,
            // How its update runs ([`Deployment::daemon_set`]).
            daemon_set: self.kind == Some("DaemonSet"),
            argo_strategy: self.argo_strategy(),
            liveness_probe: self.probe("livenessProbe"),
            location: Some(self.location(name_node)),
            ..Deployment::default()
        };
        let service = Service {
            deployment: Some(Box::new(deployment)),
            ..Service::new(self.qualified(&name), Ecosystem::Kubernetes, Vec::new())
        };
        Some((service, refused))
    }

    /// `namespace/name`, or `name` in the default namespace.
    /// Where the object's name is written: `metadata.name`, else its
    /// `metadata.generateName`, the prefix the API server completes with random
    /// characters (Argo CD and Helm hooks create migration Jobs so), which names it.
    fn name_node(&self) -> Option<NodeId> {
        self.node(&["metadata", "name"])
            .or_else(|| self.node(&["metadata", "generateName"]))
    }

    fn qualified(&self, name: &str) -> String {
        match self.text(&["metadata", "namespace"]) {
            Some(ns) => [ns, "/", name].concat(),
            None => name.to_owned(),
        }
    }

    /// Surge and unavailable pods of a rolling update as written (a count or a
    /// percentage, scaled only once the instance count is known: the manifest may set
    /// it); None for `Recreate`, `OnDelete`, StatefulSets (no surge) and ReplicaSets
    /// (they do not roll). A value the API server refuses ([`RolloutRefusal`]) is
    /// invalid, so no rollout is counted with it, and reported.
    fn rollout(&self) -> Option<Rollout> {
        let percent = || {
            self.default(
                IntOrPercent::Percent(DEFAULT_ROLLOUT_PERCENT),
                self.node(&["spec"]),
            )
        };
        let (strategy, surge, unavailable) = match self.kind {
            Some("Deployment") => ("strategy", percent(), percent()),
            Some("DaemonSet") => (
                "updateStrategy",
                self.daemonset_default(IntOrPercent::Int(0)),
                self.daemonset_default(IntOrPercent::Int(1)),
            ),
            _ => return None,
        };
        if matches!(
            self.text(&["spec", strategy, "type"]),
            Some("Recreate" | "OnDelete")
        ) {
            return None;
        }
        let mut refused = Vec::new();
        let surge = self.rollout_field(strategy, "maxSurge", surge, &mut refused);
        let mut unavailable =
            self.rollout_field(strategy, "maxUnavailable", unavailable, &mut refused);
        let zero = |s: &Setting<IntOrPercent>| {
            matches!(
                s.get(),
                Some(IntOrPercent::Int(0) | IntOrPercent::Percent(0))
            )
        };
        let unavailable_node = self.node(&["spec", strategy, "rollingUpdate", "maxUnavailable"]);
        if let (true, true, Some(node)) = (zero(&surge), zero(&unavailable), unavailable_node) {
            let both_zero = RolloutRefusal::BothZero {
                daemon_set: strategy == "updateStrategy",
            };
            let path = ["spec", strategy, "rollingUpdate", "maxUnavailable"];
            unavailable = self.refused_rollout_value(node, &path, both_zero, &mut refused);
        }
        // A DaemonSet takes exactly one of the two above 0 (pkg/apis/apps/validation
        // `ValidateRollingUpdateDaemonSet`: "may not be set when maxUnavailable is
        // non-zero"), after defaulting: `maxSurge: 1` alone is refused.
        let surge_node = self.node(&["spec", strategy, "rollingUpdate", "maxSurge"]);
        let above_zero = |s: &Setting<IntOrPercent>| s.get().is_some() && !zero(s);
        if let (true, Some(node)) = (strategy == "updateStrategy", surge_node) {
            if above_zero(&surge) && above_zero(&unavailable) {
                let path = ["spec", strategy, "rollingUpdate", "maxSurge"];
                self.refused_rollout_value(node, &path, RolloutRefusal::BothSet, &mut refused);
            }
        }
        if refused.is_empty() {
            return Some(Rollout {
                surge,
                unavailable,
                refused,
            });
        }
        // The API server stores no part of a refused object: no rollout is counted
        // with the values it did not refuse either.
        let not_applied = |setting: Setting<IntOrPercent>| match setting.value {
            Val::Invalid(_) => setting,
            _ => Setting {
                value: Val::invalid(
                    String::new(),
                    "the API server refuses this rolling update".to_owned(),
                ),
                origin: setting.origin,
            },
        };
        Some(Rollout {
            surge: not_applied(surge),
            unavailable: not_applied(unavailable),
            refused,
        })
    }

    /// An Argo Rollout's update strategy, when the object is one with a single strategy.
    fn argo_strategy(&self) -> Option<ArgoStrategy> {
        if self.kind != Some("Rollout") {
            return None;
        }
        let canary = self.node(&["spec", "strategy", "canary"]);
        let blue_green = self.node(&["spec", "strategy", "blueGreen"]);
        match (canary, blue_green) {
            (None, Some(_)) => Some(ArgoStrategy::BlueGreen),
            (Some(canary), None) => Some(match self.doc.get(canary, "trafficRouting") {
                Some(_) => ArgoStrategy::TrafficRoutedCanary,
                None => ArgoStrategy::Canary,
            }),
            _ => None,
        }
    }

    /// The extra pods an Argo Rollout runs while it updates (argo-rollouts
    /// `utils/replicaset`), as a surge over its replicas:
    /// - `blueGreen`: the preview ReplicaSet is scaled to `spec.replicas` before the
    ///   active Service is switched to it (with `previewReplicaCount` too, which holds
    ///   only until promotion: `NewRSNewReplicas`), and the old one keeps its pods for
    ///   `scaleDownDelaySeconds` (30 s): a surge of 100 %;
    /// - `canary` with `trafficRouting`: the stable ReplicaSet stays fully scaled while
    ///   the canary grows to the last weight, 100 %
    ///   (`CalculateReplicaCountsForTrafficRoutedCanary`): 100 % too; with
    ///   `dynamicStableScale: true` the stable shrinks as traffic moves, by steps no
    ///   manifest fixes: None;
    /// - `canary` alone: `maxSurge` and `maxUnavailable` as a Deployment's
    ///   (`resolveFenceposts`, the same fencepost rule), default "25", which the
    ///   controller reads as 25 % ([`argo_int_or_percent`]).
    ///
    /// None also for neither strategy or both, which the controller refuses.
    fn argo_rollout(&self) -> Option<Rollout> {
        let canary = self.node(&["spec", "strategy", "canary"]);
        let blue_green = self.node(&["spec", "strategy", "blueGreen"]);
        let argo_default = |value, anchor| {
            self.default_of(&"Argo Rollouts", &ARGO_ROLLOUT_DOC, value, Some(anchor))
        };
        let whole_count = |anchor| Rollout {
            surge: argo_default(IntOrPercent::Percent(100), anchor),
            unavailable: argo_default(IntOrPercent::Int(0), anchor),
            refused: Vec::new(),
        };
        let canary = match (canary, blue_green) {
            (None, Some(blue_green)) => return Some(whole_count(blue_green)),
            (Some(canary), None) => canary,
            _ => return None,
        };
        if let Some(routing) = self.doc.get(canary, "trafficRouting") {
            let dynamic = self
                .doc
                .get(canary, "dynamicStableScale")
                .and_then(|n| self.doc.scalar(n))
                .is_some_and(is_yaml_true);
            return (!dynamic).then(|| whole_count(routing));
        }
        let field = |name: &str| {
            let path = ["spec", "strategy", "canary", name];
            let Some(node) = self.node(&path) else {
                return argo_default(IntOrPercent::Percent(DEFAULT_ROLLOUT_PERCENT), canary);
            };
            match argo_int_or_percent(self.doc, node) {
                Some(value) => self.written(node, &path, value),
                None => Setting {
                    value: Val::invalid(
                        self.doc.text(node).unwrap_or("").to_owned(),
                        "the Argo Rollouts controller reads no count of pods or percentage in it"
                            .to_owned(),
                    ),
                    origin: self.written(node, &path, ()).origin,
                },
            }
        };
        Some(Rollout {
            surge: field("maxSurge"),
            unavailable: field("maxUnavailable"),
            refused: Vec::new(),
        })
    }

    /// An Argo Rollout's `spec.workloadRef`: the Rollout runs the referenced
    /// workload's pod template, in its namespace, with its own replicas and strategy
    /// (argo-rollouts `rollout/templateref.go`, `Resolve`). Its `scaleDown` is a plain
    /// string the controller compares as written (`pkg/apis/rollouts/v1alpha1/types.go`,
    /// `ObjectRef`): only `onsuccess` and `progressively` scale the Deployment down.
    fn template_ref(&self) -> Option<TemplateRef> {
        if self.kind != Some("Rollout") {
            return None;
        }
        let node = self.node(&["spec", "workloadRef"])?;
        let field = |key| self.doc.get(node, key).and_then(|n| self.doc.text(n));
        let scale_down = self.doc.get(node, "scaleDown").and_then(|n| {
            let value = self.doc.text(n)?;
            matches!(value, "onsuccess" | "progressively")
                .then(|| (value.to_owned(), self.location(n)))
        });
        Some(TemplateRef {
            api_version: field("apiVersion").unwrap_or_default().to_owned(),
            kind: field("kind").unwrap_or_default().to_owned(),
            name: field("name").unwrap_or_default().to_owned(),
            scale_down,
        })
    }

    /// What the API server refuses in a StatefulSet's rolling update (it has no surge,
    /// and no rollout is counted for it): a `maxUnavailable` of 0 (`cannot be 0`), or
    /// one that is not a count of 0 or more or a percentage up to 100 %
    /// (kubernetes/kubernetes `pkg/apis/apps/validation/validation.go`,
    /// `validateRollingUpdateStatefulSet`, called for `type: RollingUpdate`, the
    /// default). The field is the `MaxUnavailableStatefulSet` feature's: before
    /// Kubernetes 1.35, where the gate is off by default, the API server drops it
    /// before validating (`dropStatefulSetDisabledFields`), so only the versions with
    /// the gate on refuse it: a warning. A value kubectl cannot decode at all (`2.5`) is
    /// refused by every version.
    fn stateful_set_refusals(&self) -> Vec<RefusedValue> {
        const GATED: &str = "the API server from Kubernetes 1.35 (or an earlier one with the MaxUnavailableStatefulSet feature gate on; one with it off drops the field)";
        if self.kind != Some("StatefulSet") {
            return Vec::new();
        }
        if !matches!(
            self.text(&["spec", "updateStrategy", "type"]),
            None | Some("RollingUpdate")
        ) {
            return Vec::new();
        }
        let path = ["spec", "updateStrategy", "rollingUpdate", "maxUnavailable"];
        let Some(node) = self.node(&path) else {
            return Vec::new();
        };
        let read = int_or_percent(self.doc, node);
        let refusal = match read {
            Ok(IntOrPercent::Int(0) | IntOrPercent::Percent(0)) => RolloutRefusal::Zero,
            Ok(IntOrPercent::Percent(p)) if p > 100 => RolloutRefusal::Over100,
            Ok(_) => return Vec::new(),
            Err(refusal) => refusal,
        };
        let versions = match refusal {
            RolloutRefusal::NotWhole | RolloutRefusal::OutOfRange => None,
            _ => Some(GATED),
        };
        vec![self.rollout_refusal(node, &path, refusal, versions)]
    }

    fn daemonset_default<T>(&self, value: T) -> Setting<T> {
        self.default_of(
            &"Kubernetes DaemonSet",
            &DAEMONSET_DOC,
            value,
            self.node(&["spec"]),
        )
    }

    /// A rolling update's `maxSurge` or `maxUnavailable` as written, else `default`;
    /// a value the API server refuses is invalid and added to `refused`.
    fn rollout_field(
        &self,
        strategy: &str,
        field: &str,
        default: Setting<IntOrPercent>,
        refused: &mut Vec<RefusedValue>,
    ) -> Setting<IntOrPercent> {
        let path = ["spec", strategy, "rollingUpdate", field];
        let Some(node) = self.node(&path) else {
            return default;
        };
        let read = int_or_percent(self.doc, node);
        // Validation refuses `maxUnavailable` (and a DaemonSet's `maxSurge`) above
        // 100 % (`IsNotMoreThan100Percent`).
        let capped = field == "maxUnavailable" || strategy == "updateStrategy";
        let read = read.and_then(|value| match value {
            IntOrPercent::Percent(p) if capped && p > 100 => Err(RolloutRefusal::Over100),
            value => Ok(value),
        });
        match read {
            Ok(value) => self.written(node, &path, value),
            Err(refusal) => self.refused_rollout_value(node, &path, refusal, refused),
        }
    }

    /// The value at `node` as invalid for `refusal`, which is added to `refused` at
    /// the value.
    fn refused_rollout_value(
        &self,
        node: NodeId,
        path: &[&str],
        refusal: RolloutRefusal,
        refused: &mut Vec<RefusedValue>,
    ) -> Setting<IntOrPercent> {
        refused.push(self.rollout_refusal(node, path, refusal, None));
        self.invalid_rollout_value(node, path, refusal)
    }

    /// What the API server says of `refusal` at `node`; `versions` names the versions
    /// that refuse it when only some do (the refusal is then a warning).
    fn rollout_refusal(
        &self,
        node: NodeId,
        path: &[&str],
        refusal: RolloutRefusal,
        versions: Option<&str>,
    ) -> RefusedValue {
        let raw = self.doc.text(node).unwrap_or("");
        // As the API server prints it: a string quoted, a number as it is.
        let shown = match refusal {
            RolloutRefusal::NotPercent | RolloutRefusal::Over100 => format!("{raw:?}"),
            _ => raw.to_owned(),
        };
        let error = format!(
            "{}: Invalid value: {shown}: {}",
            path.join("."),
            refusal.message()
        );
        self.refused_at(node, &error, refusal.fix(), versions)
    }

    /// The value at `node`, which the API server refuses with `error`, so that the
    /// object is not applied; `versions` names the versions that refuse it when only
    /// some do (the refusal is then a warning).
    fn refused_at(
        &self,
        node: NodeId,
        error: &str,
        fix: &'static str,
        versions: Option<&str>,
    ) -> RefusedValue {
        let kind = self.kind.unwrap_or("object");
        let refuses = match versions {
            Some(versions) => format!("{versions} refuses the {kind}"),
            None => format!("the API server refuses the {kind}"),
        };
        RefusedValue {
            location: self.location(node),
            reason: format!(
                "{error}; {refuses}, so `kubectl apply` fails and the {kind} as written does not run"
            ),
            fix,
            warning: versions.is_some(),
            stage: RefusalStage::Apply,
        }
    }

    /// The value at `node`, refused for `refusal`, as an invalid setting.
    fn invalid_rollout_value(
        &self,
        node: NodeId,
        path: &[&str],
        refusal: RolloutRefusal,
    ) -> Setting<IntOrPercent> {
        let raw = self.doc.text(node).unwrap_or("").to_owned();
        Setting {
            value: Val::invalid(raw, refusal.message().to_owned()),
            origin: self.written(node, path, ()).origin,
        }
    }

    /// The pod template's `spec`: a CronJob's is in its `jobTemplate`.
    fn pod_spec(&self) -> Option<NodeId> {
        match self.kind {
            Some("CronJob") => self.node(&["spec", "jobTemplate", "spec", "template", "spec"]),
            Some("Pod") => self.node(&["spec"]),
            _ => self.node(&["spec", "template", "spec"]),
        }
    }

    /// Where a Job's spec is: the Job's own, or a CronJob's `jobTemplate` (None: another
    /// kind).
    fn job_spec_path(&self) -> Option<&'static [&'static str]> {
        match self.kind {
            Some("Job") => Some(&["spec"]),
            Some("CronJob") => Some(&["spec", "jobTemplate", "spec"]),
            _ => None,
        }
    }

    /// The pods a Job (a CronJob: each run) keeps at once [K8S-JOB]: `parallelism`
    /// (default 1), but no more than `completions` when written ("less than this
    /// number when … completions − successful < parallelism"), and none while
    /// suspended (`suspend: true`: a Job deletes its active pods, a CronJob starts no
    /// run). A `parallelism` or `completions` the API server refuses ([`Self::job_count`])
    /// is added to `refused`.
    fn job_pods(
        &self,
        job_spec: &[&str],
        spec: Option<NodeId>,
        refused: &mut Vec<RefusedValue>,
    ) -> Setting<i64> {
        let field = |name: &'static str| [job_spec, &[name]].concat();
        let suspended = |path: &[&str]| {
            self.node(path)
                .and_then(|n| self.doc.scalar(n))
                .is_some_and(is_yaml_true)
        };
        // The Job's own `suspend`, then (a CronJob's) the CronJob's: one path for a Job.
        let mut suspends = vec![field("suspend"), vec!["spec", "suspend"]];
        suspends.dedup();
        for path in suspends {
            if suspended(&path) {
                if let Some(node) = self.node(&path) {
                    return self.written(node, &path, 0);
                }
            }
        }
        let parallelism = self
            .job_count(&field("parallelism"), refused)
            .unwrap_or_else(|| self.default(1, spec));
        // A refused `completions` refuses the Job: its count is the invalid one.
        let fewer = |completions: &Setting<i64>| match (completions.get(), parallelism.get()) {
            (Some(c), Some(p)) => c < p,
            (c, _) => c.is_none(),
        };
        match self.job_count(&field("completions"), refused) {
            Some(completions) if fewer(&completions) => completions,
            _ => parallelism,
        }
    }

    /// A Job's `parallelism` or `completions` at `path` (None: not written, or null):
    /// the API server decodes it into the `JobSpec`'s `int32` and refuses a count
    /// below 0 (`ValidateNonnegativeField`, kubernetes `pkg/apis/batch/validation`), as
    /// it does `replicas` ([`Self::api_count`]).
    fn job_count(&self, path: &[&str], refused: &mut Vec<RefusedValue>) -> Option<Setting<i64>> {
        let node = self.node(path)?;
        if is_yaml_null(self.doc, node) {
            return None;
        }
        let fix = match path.last() {
            Some(&"completions") => "write the count of completions as a number without quotes, from 0 to 2147483647 (`completions: 3`)",
            _ => "write the count of pods as a number without quotes, from 0 to 2147483647 (`parallelism: 3`)",
        };
        self.api_count(node, path, "JobSpec", fix, refused)
    }

    /// The first container's probe as `GET /path`, `exec: cmd …` or `tcp`.
    fn probe(&self, which: &str) -> Option<Setting<String>> {
        let containers = self.doc.get(self.pod_spec()?, "containers")?;
        let container = *self.doc.seq(containers)?.first()?;
        let probe = self.doc.get(container, which)?;
        if let Some(path) = self
            .doc
            .get(probe, "httpGet")
            .and_then(|h| self.doc.get(h, "path"))
        {
            let text = format!("GET {}", self.doc.text(path).unwrap_or("/"));
            return Some(self.written(path, &[which, "httpGet", "path"], text));
        }
        if let Some(command) = self
            .doc
            .get(probe, "exec")
            .and_then(|e| self.doc.get(e, "command"))
        {
            let parts: Vec<&str> = match self.doc.seq(command) {
                Some(items) => items.iter().filter_map(|i| self.doc.text(*i)).collect(),
                None => self.doc.text(command).into_iter().collect(),
            };
            return Some(self.written(
                command,
                &[which, "exec", "command"],
                format!("exec: {}", parts.join(" ")),
            ));
        }
        Some(self.written(probe, &[which], "tcp".to_owned()))
    }

    /// A ConfigMap's `data` entries with a text key, each with the reader of the
    /// configuration file it holds, if any ([`is_embedded_config`]): recognising a key
    /// asks every reader, so it is done once for [`ObjectReader::embedded_configs`] and
    /// [`ObjectReader::config_map_secrets`].
    fn data_entries(&self) -> Vec<DataEntry<'_>> {
        let Some(data) = self.node(&["data"]) else {
            return Vec::new();
        };
        self.doc
            .entries(data)
            .into_iter()
            .filter_map(|entry| {
                let key = self.doc.text(entry.key)?;
                let embedded = embedded_config_reader(key);
                Some(DataEntry {
                    key,
                    entry,
                    embedded,
                })
            })
            .collect()
    }

    /// The unquoted numbers and booleans in a ConfigMap's or Secret's data (`MINIDLE: 5`,
    /// [`json_non_string`]), which the
    /// API server refuses: its values are strings (a Secret's `data`, base64 bytes).
    fn data_refusals(&self, kind: ValueSource) -> Vec<RefusedValue> {
        let mut refused = Vec::new();
        for (field, base64) in kind.data_fields() {
            let Some(data) = self.node(&[field]) else {
                continue;
            };
            let go_type = if *base64 { "[]uint8" } else { "string" };
            for entry in self.doc.entries(data) {
                if let Some(sent) = json_non_string(self.doc, entry.value) {
                    let error = format!(
                        "json: cannot unmarshal {sent} into Go struct field {}.{field} of type {go_type}",
                        kind.kind()
                    );
                    refused.push(self.refused_at(
                        entry.value,
                        &error,
                        "quote the value (`MINIDLE: \"5\"`): a ConfigMap's and a Secret's values are strings",
                        None,
                    ));
                }
            }
        }
        refused
    }

    /// Configuration files held in a ConfigMap's `data` as block scalars
    /// (`application.yml: |`), read by their own ecosystem with spans into this manifest.
    fn embedded_configs(
        &self,
        file: &ParsedFile,
        sources: &SourceMap,
        data: &[DataEntry],
    ) -> Model {
        let mut model = Model::default();
        if data.is_empty() {
            return model;
        }
        let text = sources.get(self.file).map_or("", |f| f.text());
        let name = self.text(&["metadata", "name"]).unwrap_or("configmap");
        let dir = file.path.parent().unwrap_or(Path::new(".")).join(name);
        for DataEntry {
            key,
            entry,
            embedded,
        } in data
        {
            let Some((reader, format)) = *embedded else {
                continue;
            };
            let Some(content) = self.doc.text(entry.value) else {
                continue;
            };
            let span = self.doc.span(entry.value);
            let Some((doc, later_lines)) =
                crate::syntax::embedded::parse_literal(text, span, content, format)
            else {
                continue;
            };
            let embedded = ParsedFile {
                id: self.file,
                path: dir.join(*key),
                format,
                doc,
                included_from: None,
            };
            let mut read = reader.read(&[&embedded], sources);
            read.secrets = with_later_lines(read.secrets, &later_lines);
            model.extend(read);
        }
        model
    }

    /// The environment of every container as written: `envFrom` ConfigMaps and Secrets
    /// first, then `env` entries, literal or `valueFrom` a ConfigMap or Secret (resolved
    /// when every file is read, see [`resolve_environment`]). A value the API server
    /// refuses is added to `refused`.
    fn environment(
        &self,
        containers: &[NodeId],
        sources: &SourceMap,
        refused: &mut Vec<RefusedValue>,
    ) -> Vec<(String, Vec<EnvItem>)> {
        let text = sources.get(self.file).map_or("", |f| f.text());
        let mut all = Vec::new();
        for container in containers {
            let mut items = Vec::new();
            for source in self.seq_items(*container, "envFrom") {
                let refs = [ValueSource::ConfigMap, ValueSource::Secret]
                    .into_iter()
                    .filter_map(|kind| {
                        let name = self.referenced_name(source, &[kind.env_from_key(), "name"])?;
                        Some((kind, name))
                    })
                    .collect();
                let prefix = self
                    .doc
                    .get(source, "prefix")
                    .and_then(|p| self.doc.text(p))
                    .unwrap_or("");
                items.push(EnvItem::From {
                    refs,
                    prefix: prefix.to_owned(),
                    name_location: self.location(source),
                });
            }
            for item in self.seq_items(*container, "env") {
                let Some(name) = self.doc.get(item, "name") else {
                    continue;
                };
                let Some(var_name) = self.doc.text(name) else {
                    continue;
                };
                let name_location = self.location(name);
                let entry = self.env_entry(item, var_name, name_location, text, refused);
                items.push(entry.unwrap_or_else(|| EnvItem::Unknown {
                    name: var_name.to_owned(),
                    name_location,
                    from: self.value_from(item),
                }));
            }
            let name = self
                .doc
                .get(*container, "name")
                .and_then(|n| self.doc.text(n));
            all.push((name.unwrap_or_default().to_owned(), items));
        }
        all
    }

    /// An `env` item's value: its `value`, unless that is empty beside a `valueFrom`,
    /// which the API server allows ("cannot be used if value is not empty") and the
    /// kubelet then reads (`makeEnvironmentVariables` expands `Value` when it is not
    /// empty, else reads `ValueFrom`). None: a value the files do not give. An
    /// unquoted number or boolean ([`json_non_string`]) is refused (added to
    /// `refused`): the variable is unknown.
    fn env_entry(
        &self,
        item: NodeId,
        var_name: &str,
        name_location: Location,
        text: &str,
        refused: &mut Vec<RefusedValue>,
    ) -> Option<EnvItem> {
        let value = self.doc.get(item, "value");
        let non_string = value.and_then(|node| Some((node, json_non_string(self.doc, node)?)));
        if let Some((number, sent)) = non_string {
            refused.push(self.refused_at(
                number,
                &format!(
                    "json: cannot unmarshal {sent} into Go struct field EnvVar.value of type string"
                ),
                "quote the value (`value: \"30\"`): an environment variable's value is a string",
                None,
            ));
            return Some(EnvItem::Unknown {
                name: var_name.to_owned(),
                name_location,
                from: Some((
                    "a value the API server refuses".to_owned(),
                    self.location(number),
                )),
            });
        }
        let has_value_from = self.doc.get(item, "valueFrom").is_some();
        let literal = value.map(|node| (node, self.env_value(node)));
        match literal {
            Some((_, Some(""))) if has_value_from => {
                self.value_reference(item, var_name, name_location)
            }
            Some((node, v)) => v.map(|v| {
                EnvItem::Literal(EnvVar::written(
                    var_name.to_owned(),
                    v.to_owned(),
                    name_location,
                    // Where the text is written: an alias's anchor (`value: *pw` is
                    // masked, and reported, at `&pw`'s value), as compose locates it.
                    Location {
                        file: self.file,
                        span: super::inner_span(text, self.doc.span(self.doc.resolve(node)), v),
                    },
                ))
            }),
            None => self.value_reference(item, var_name, name_location),
        }
    }

    /// An `env` item's `value` as the container gets it: YAML null (`~`, `null`, or
    /// nothing after the colon) is the empty string, as kubectl sends it as JSON
    /// `null` and the API server leaves the string field unset.
    fn env_value(&self, value: NodeId) -> Option<&str> {
        if is_yaml_null(self.doc, value) {
            return Some("");
        }
        self.doc.text(value)
    }

    /// Each long-running container's command, as [`ObjectReader::environment`] lists
    /// their environments: its `command` then its `args` (list or string items), each
    /// word at its text. `$(VAR)` references are expanded once the environment is
    /// resolved ([`expand_command`]).
    fn commands(
        &self,
        containers: &[NodeId],
        sources: &SourceMap,
    ) -> Vec<(Vec<crate::model::CommandWord>, usize)> {
        let text = sources.get(self.file).map_or("", |f| f.text());
        let words = |container: NodeId, key: &str| -> Vec<crate::model::CommandWord> {
            self.seq_items(container, key)
                .into_iter()
                .filter_map(|item| {
                    let word = self.doc.text(item)?;
                    Some(crate::model::CommandWord {
                        text: word.to_owned(),
                        location: Location {
                            file: self.file,
                            span: super::inner_span(text, self.doc.span(item), word),
                        },
                    })
                })
                .collect()
        };
        containers
            .iter()
            .map(|&container| {
                let mut command = words(container, "command");
                let from_command = command.len();
                command.extend(words(container, "args"));
                (command, from_command)
            })
            .collect()
    }

    /// The pod's `containers`, then its native sidecars: `initContainers` with
    /// `restartPolicy: Always` keep running beside them (Kubernetes docs, Sidecar
    /// Containers); other init containers run to completion before the pod starts.
    fn long_running_containers(&self) -> Vec<NodeId> {
        let list = |key: &str| {
            self.pod_spec()
                .and_then(|spec| self.doc.get(spec, key))
                .and_then(|n| self.doc.seq(n))
                .map(<[NodeId]>::to_vec)
                .unwrap_or_default()
        };
        let sidecars = list("initContainers").into_iter().filter(|c| {
            let policy = self.doc.get(*c, "restartPolicy");
            policy.and_then(|p| self.doc.text(p)) == Some("Always")
        });
        let mut containers = list("containers");
        containers.extend(sidecars);
        containers
    }

    /// The ConfigMaps its long-running containers mount as files: each `configMap`
    /// volume, and each `configMap` source of a `projected` volume, that one of them
    /// names in its `volumeMounts`: each key becomes a file, or only those `items` lists
    /// (<https://kubernetes.io/docs/concepts/configuration/configmap/#using-configmaps-as-files-from-a-pod>).
    fn mounted_config_maps(&self, containers: &[NodeId]) -> Vec<ConfigMapMount> {
        let mounted: HashSet<&str> = containers
            .iter()
            .flat_map(|&c| self.seq_items(c, "volumeMounts"))
            .filter_map(|m| self.doc.get(m, "name").and_then(|n| self.doc.text(n)))
            .collect();
        let volumes = self
            .pod_spec()
            .map(|spec| self.seq_items(spec, "volumes"))
            .unwrap_or_default();
        let mounted_volumes = volumes.into_iter().filter(|v| {
            let name = self.doc.get(*v, "name").and_then(|n| self.doc.text(n));
            name.is_some_and(|n| mounted.contains(n))
        });
        let mut mounts = Vec::new();
        for volume in mounted_volumes {
            let projected = self
                .node_at(volume, &["projected"])
                .map(|p| self.seq_items(p, "sources"))
                .unwrap_or_default()
                .into_iter()
                .filter_map(|source| self.doc.get(source, "configMap"));
            let sources = self
                .doc
                .get(volume, "configMap")
                .into_iter()
                .chain(projected);
            mounts.extend(sources.filter_map(|source| {
                let keys = self.seq_items(source, "items").into_iter();
                Some(ConfigMapMount {
                    name: self.referenced_name(source, &["name"])?,
                    keys: keys
                        .filter_map(|item| self.referenced_name(item, &["key"]))
                        .collect(),
                })
            }));
        }
        mounts
    }

    fn seq_items(&self, node: NodeId, key: &str) -> Vec<NodeId> {
        self.doc
            .get(node, key)
            .and_then(|n| self.doc.seq(n))
            .map(<[NodeId]>::to_vec)
            .unwrap_or_default()
    }

    fn referenced_name(&self, node: NodeId, path: &[&str]) -> Option<String> {
        self.doc.text(self.node_at(node, path)?).map(str::to_owned)
    }

    fn node_at(&self, node: NodeId, path: &[&str]) -> Option<NodeId> {
        path.iter().try_fold(node, |n, key| self.doc.get(n, key))
    }

    /// Every value of a Secret (`data`, base64, and `stringData`): masked in all output,
    /// scrubbed from messages only under a password-like key (messages may quote a user
    /// name or a pool size kept there). Not reported as plaintext pool credentials: a
    /// Secret is where they belong.
    fn secret_values(&self, sources: &SourceMap) -> Vec<Secret> {
        let text = sources.get(self.file).map_or("", |f| f.text());
        let name = self.text(&["metadata", "name"]).unwrap_or("secret");
        ["data", "stringData"]
            .iter()
            .filter_map(|field| self.node(&[field]))
            .flat_map(|data| self.doc.entries(data))
            .filter_map(|entry| {
                let value = self.doc.text(entry.value)?;
                let key = self.doc.text(entry.key)?;
                Some(Secret {
                    location: Location {
                        file: self.file,
                        span: super::inner_span(text, self.doc.span(entry.value), value),
                    },
                    kind: super::KUBERNETES_SECRET_VALUE,
                    key: [name, ".", key].concat(),
                    literal: false,
                    // A key alone of a password's short names is one too.
                    scrub_messages: super::is_password_name(key)
                        || super::is_secret_name(key)
                        || matches!(key.to_ascii_lowercase().as_str(), "pass" | "pwd" | "pw"),
                })
            })
            .collect()
    }

    /// The passwords a ConfigMap holds in plain values (`DB_PASSWORD: …`,
    /// `DATABASE_URL: postgres://u:pw@db/x`), whether or not a workload reads them:
    /// masked, not reported, like `env` values. Embedded configuration files are left to
    /// their readers. A PgBouncer auth file (a key in `auth_files`, or `userlist.txt`)
    /// is masked whole: every line of it is a password or its hash.
    fn config_map_secrets(
        &self,
        sources: &SourceMap,
        data: &[DataEntry],
        auth_files: &[String],
    ) -> Vec<Secret> {
        let text = sources.get(self.file).map_or("", |f| f.text());
        let name = self.text(&["metadata", "name"]).unwrap_or("configmap");
        let mut secrets = self.binary_values(text, name, auth_files);
        for DataEntry {
            key,
            entry,
            embedded,
        } in data
        {
            let Some(value) = self.doc.text(entry.value) else {
                continue;
            };
            if embedded.is_some() {
                continue;
            }
            let span = self.doc.span(entry.value);
            let (spans, kind) = if is_auth_file(key, auth_files) {
                (
                    vec![super::inner_span(text, span, value)],
                    "PgBouncer auth file",
                )
            } else if super::is_password_name(key) {
                (vec![super::inner_span(text, span, value)], "password key")
            } else if super::is_secret_variable(key, value) {
                (
                    vec![super::inner_span(text, span, value)],
                    "secret variable",
                )
            } else {
                let start = super::written_at(text, span, value);
                let spans = super::password_spans(value, span, start);
                (spans, "connection string password")
            };
            let key = [name, ".", key].concat();
            secrets.extend(spans.into_iter().map(|span| {
                super::masked(
                    Location {
                        file: self.file,
                        span,
                    },
                    &key,
                    kind,
                )
            }));
        }
        secrets
    }

    /// Every value of a ConfigMap's `binaryData`, masked whole: base64 no reader
    /// decodes, which anyone can (a PgBouncer auth file, an `application.properties`
    /// with its password).
    fn binary_values(&self, text: &str, name: &str, auth_files: &[String]) -> Vec<Secret> {
        let Some(binary) = self.node(&["binaryData"]) else {
            return Vec::new();
        };
        let masked = |entry: &crate::syntax::ResolvedEntry| {
            let key = self.doc.text(entry.key)?;
            let value = self.doc.text(entry.value)?;
            let location = Location {
                file: self.file,
                span: super::inner_span(text, self.doc.span(entry.value), value),
            };
            let kind = match is_auth_file(key, auth_files) {
                true => "PgBouncer auth file",
                false => "binary data",
            };
            Some(super::masked(location, &[name, ".", key].concat(), kind))
        };
        self.doc.entries(binary).iter().filter_map(masked).collect()
    }

    /// Annotations that may hold a secret, masked: every one of a Secret's, and the
    /// copy of the whole object `kubectl apply` keeps in any object
    /// (`kubectl.kubernetes.io/last-applied-configuration`: a Secret's data, a
    /// Deployment's `env` values). Not scrubbed from messages, which quote none.
    fn annotation_secrets(&self, sources: &SourceMap) -> Vec<Secret> {
        let Some(annotations) = self.node(&["metadata", "annotations"]) else {
            return Vec::new();
        };
        let text = sources.get(self.file).map_or("", |f| f.text());
        let every = self.kind == Some("Secret");
        self.doc
            .entries(annotations)
            .iter()
            .filter_map(|entry| {
                let key = self.doc.text(entry.key)?;
                if !every && key != LAST_APPLIED {
                    return None;
                }
                let value = self.doc.text(entry.value)?;
                let location = Location {
                    file: self.file,
                    span: super::inner_span(text, self.doc.span(entry.value), value),
                };
                let mut secret = super::masked(location, key, "annotation");
                secret.scrub_messages = false;
                Some(secret)
            })
            .collect()
    }

    /// `valueFrom: {configMapKeyRef | secretKeyRef: {name, key, optional}}`.
    fn value_reference(
        &self,
        item: NodeId,
        var_name: &str,
        name_location: Location,
    ) -> Option<EnvItem> {
        let (source, reference) = [ValueSource::ConfigMap, ValueSource::Secret]
            .into_iter()
            .find_map(|kind| Some((kind, self.node_at(item, &["valueFrom", kind.key_ref()])?)))?;
        Some(EnvItem::Ref {
            name: var_name.to_owned(),
            name_location,
            from_location: self.location(self.node_at(item, &["valueFrom"])?),
            source,
            object: self.referenced_name(reference, &["name"])?,
            key: self.referenced_name(reference, &["key"])?,
            optional: self
                .doc
                .get(reference, "optional")
                .and_then(|o| self.doc.scalar(o))
                .is_some_and(is_yaml_true),
        })
    }

    /// Where a `valueFrom` the files do not resolve takes its value from, and where it
    /// is written: `fieldRef status.podIP`, `resourceFieldRef limits.memory`, or the
    /// kind of source alone.
    fn value_from(&self, item: NodeId) -> Option<(String, Location)> {
        let from = self.node_at(item, &["valueFrom"])?;
        let field = |kind: &str, key: &str| {
            let detail = self
                .node_at(from, &[kind, key])
                .and_then(|n| self.doc.text(n));
            detail.map(|d| format!("{kind} {d}"))
        };
        let described = field("fieldRef", "fieldPath")
            .or_else(|| field("resourceFieldRef", "resource"))
            .or_else(|| {
                let entries = self.doc.entries(from);
                let kind = entries.first().and_then(|e| self.doc.text(e.key))?;
                Some(kind.to_owned())
            })
            .unwrap_or_else(|| "valueFrom".to_owned());
        Some((described, self.location(from)))
    }

    /// The first of `containers` (its long-running ones) that runs the `postgres`
    /// image, among the pod's `containers`: a database named after the workload.
    fn postgres_container(&self, containers: &[NodeId]) -> Option<PostgresContainer> {
        // The pod's `containers` come first ([`ObjectReader::long_running_containers`]).
        let regular = self
            .doc
            .seq(self.doc.get(self.pod_spec()?, "containers")?)?;
        let (index, &container) =
            containers
                .iter()
                .take(regular.len())
                .enumerate()
                .find(|(_, c)| {
                    self.doc
                        .get(**c, "image")
                        .and_then(|i| self.doc.text(i))
                        .is_some_and(postgres::is_postgres_image)
                })?;
        let name_node = self.name_node()?;
        let container_name = self
            .doc
            .get(container, "name")
            .and_then(|n| self.doc.text(n))
            .unwrap_or("postgres");
        Some(PostgresContainer {
            index,
            name: self.qualified(self.doc.text(name_node)?),
            key_prefix: format!("spec.template.spec.containers.{container_name}.args"),
            anchor: self.location(name_node),
        })
    }

    /// A HorizontalPodAutoscaler, or why it never scales its target
    /// ([`ObjectReader::unscalable_target`], a `minReplicas` above `maxReplicas`).
    fn autoscaler(&self, path: &Path) -> Option<Result<Autoscaler, RefusedValue>> {
        let target = self.node(&["spec", "scaleTargetRef"])?;
        let target_kind = self.text(&["spec", "scaleTargetRef", "kind"])?;
        let target_name = self.text(&["spec", "scaleTargetRef", "name"])?;
        let min = self.count(&["spec", "minReplicas"]);
        let max = self.count(&["spec", "maxReplicas"]);
        if let Some(refused) = self.unscalable_target(target, target_kind) {
            return Some(Err(refused));
        }
        // A bound the API server cannot decode into its `int32` (`"3"`, `2.5`).
        for field in ["minReplicas", "maxReplicas"] {
            let node = self.node(&["spec", field]);
            let refusal = node.and_then(|n| Some((n, self.int32_refusal(n, field)?)));
            if let Some((node, error)) = refusal {
                return Some(Err(self.refused_at(
                    node,
                    &error,
                    "write the count of pods as a number without quotes (`maxReplicas: 10`)",
                    None,
                )));
            }
        }
        if let (Some(low), Some(high)) = (&min, &max) {
            if let (Some(low_n), Some(high_n)) = (low.get(), high.get()) {
                if low_n > high_n {
                    return Some(Err(self.hpa_refusal(
                        self.node(&["spec", "minReplicas"])?,
                        format!("spec.minReplicas {low_n} is above spec.maxReplicas {high_n}: the API server refuses the HorizontalPodAutoscaler (`maxReplicas: Invalid value: {high_n}: must be greater than or equal to minReplicas`), so it does not run and {target_kind} {target_name} keeps its replicas"),
                        "write minReplicas at most maxReplicas",
                        RefusalStage::Apply,
                    )));
                }
            }
        }
        Some(Ok(Autoscaler {
            target_kind: target_kind.to_owned(),
            target_name: target_name.to_owned(),
            namespace: self.text(&["metadata", "namespace"]).map(str::to_owned),
            keda: false,
            min,
            max,
            path: path.to_owned(),
            location: self.location(target),
        }))
    }

    /// Why the HPA controller cannot scale the workload `target` (its `scaleTargetRef`)
    /// names: it finds the target's scale subresource by API group and kind
    /// (kubernetes/kubernetes#86032, `FailedGetScale`). Workloads are in `apps/v1`
    /// (`extensions/v1beta1` and `apps/v1beta*` were removed in 1.16; without
    /// `apiVersion` the core group is searched), an Argo Rollout in
    /// `argoproj.io/v1alpha1` (its CRD's scale subresource); Jobs, CronJobs, DaemonSets
    /// and Pods have no scale subresource. Other kinds (custom resources) are not
    /// workloads poollint reads, so they are left alone.
    fn unscalable_target(&self, target: NodeId, kind: &str) -> Option<RefusedValue> {
        if !is_workload(Some(kind)) {
            return None;
        }
        let never = "reports FailedGetScale and never scales it; its bounds are not applied";
        if matches!(kind, "Job" | "CronJob" | "DaemonSet" | "Pod") {
            let at = self.node(&["spec", "scaleTargetRef", "kind"])?;
            return Some(self.hpa_refusal(
                at,
                format!("scaleTargetRef names a {kind}, which has no scale subresource: the HPA controller {never}"),
                "point scaleTargetRef at a Deployment, StatefulSet, ReplicaSet or Argo Rollout, or remove the HorizontalPodAutoscaler",
                RefusalStage::Controller,
            ));
        }
        let (serving, fix, removed) = match kind {
            "Rollout" => (
                "argoproj.io/v1alpha1",
                "set scaleTargetRef.apiVersion: argoproj.io/v1alpha1",
                "",
            ),
            _ => (
                "apps/v1",
                "set scaleTargetRef.apiVersion: apps/v1",
                "; extensions/v1beta1 and apps/v1beta* were removed in Kubernetes 1.16",
            ),
        };
        match self.node(&["spec", "scaleTargetRef", "apiVersion"]) {
            None => Some(self.hpa_refusal(
                target,
                format!("scaleTargetRef has no apiVersion: the HPA controller looks for {kind} in the core API group, which has none, {never}"),
                fix,
                RefusalStage::Controller,
            )),
            Some(at) => {
                let version = self.doc.text(at).unwrap_or("");
                (version != serving).then(|| self.hpa_refusal(
                    at,
                    format!("scaleTargetRef.apiVersion {version} serves no {kind} ({serving} does{removed}): the HPA controller {never}"),
                    fix,
                    RefusalStage::Controller,
                ))
            }
        }
    }

    /// A HorizontalPodAutoscaler at `node` that does not scale its target, for `reason`.
    fn hpa_refusal(
        &self,
        node: NodeId,
        reason: String,
        fix: &'static str,
        stage: RefusalStage,
    ) -> RefusedValue {
        RefusedValue {
            location: self.location(node),
            reason,
            fix,
            warning: stage == RefusalStage::Controller,
            stage,
        }
    }

    /// A KEDA ScaledObject [KEDA-SO]. A minimum of 0 (the default) is no floor for the
    /// steady count: KEDA's own HPA keeps at least one pod while there is work, so the
    /// workload's replicas stand. A bound the ScaledObject CRD's schema refuses
    /// ([`Self::crd_integer_refusal`]: `maxReplicaCount: "10"`) is the Err: the API
    /// server refuses the ScaledObject, so nothing scales the workload.
    fn keda_autoscaler(&self, path: &Path) -> Option<Result<Autoscaler, RefusedValue>> {
        for field in ["minReplicaCount", "maxReplicaCount"] {
            let node = self
                .node(&["spec", field])
                .filter(|&n| !is_yaml_null(self.doc, n));
            let refusal = node
                .and_then(|n| Some((n, self.crd_integer_refusal(n, &format!("spec.{field}"))?)));
            if let Some((node, error)) = refusal {
                return Some(Err(self.refused_at(
                    node,
                    &error,
                    "write the count of pods as a whole number without quotes (`maxReplicaCount: 10`)",
                    None,
                )));
            }
        }
        let keda_default = |value| self.default_of(&"KEDA", &KEDA_DOC, value, self.node(&["spec"]));
        // A paused ScaledObject scales nothing (KEDA's pause annotations):
        // `paused-replicas` holds the workload at that count, `paused` ([`keda_pauses`])
        // at the count it has.
        const PAUSED_REPLICAS: [&str; 3] = [
            "metadata",
            "annotations",
            "autoscaling.keda.sh/paused-replicas",
        ];
        const PAUSED: [&str; 3] = ["metadata", "annotations", "autoscaling.keda.sh/paused"];
        let (min, max) = match self.annotation_count(&PAUSED_REPLICAS) {
            Some(paused) => (Some(paused.clone()), paused),
            None if self.text(&PAUSED).is_some_and(keda_pauses) => return None,
            None => (
                self.count(&["spec", "minReplicaCount"])
                    .filter(|m| m.get().is_none_or(|&n| n > 0)),
                self.count(&["spec", "maxReplicaCount"])
                    .unwrap_or_else(|| keda_default(KEDA_DEFAULT_MAX)),
            ),
        };
        Some(Ok(Autoscaler {
            target_kind: self
                .text(&["spec", "scaleTargetRef", "kind"])
                .unwrap_or("Deployment")
                .to_owned(),
            target_name: self.text(&["spec", "scaleTargetRef", "name"])?.to_owned(),
            namespace: self.text(&["metadata", "namespace"]).map(str::to_owned),
            keda: true,
            min,
            max: Some(max),
            path: path.to_owned(),
            location: self.location(self.node(&["spec", "scaleTargetRef"])?),
        }))
    }
}

/// Scalar `data` entries of every ConfigMap, by (namespace, name): key, value and the
/// value's location, for `env` references.
type ConfigMaps =
    std::collections::HashMap<(ValueSource, String, String), Vec<(String, String, Location)>>;

/// Where an `env` value can come from besides a literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum ValueSource {
    ConfigMap,
    Secret,
}

impl ValueSource {
    /// `Secret`, `ConfigMap`: the object's `kind`.
    fn kind(self) -> &'static str {
        match self {
            ValueSource::ConfigMap => "ConfigMap",
            ValueSource::Secret => "Secret",
        }
    }

    fn of_kind(kind: &str) -> Option<Self> {
        match kind {
            "ConfigMap" => Some(ValueSource::ConfigMap),
            "Secret" => Some(ValueSource::Secret),
            _ => None,
        }
    }

    /// The `valueFrom` key that references one value.
    fn key_ref(self) -> &'static str {
        match self {
            ValueSource::ConfigMap => "configMapKeyRef",
            ValueSource::Secret => "secretKeyRef",
        }
    }

    /// The `envFrom` key that imports every value.
    fn env_from_key(self) -> &'static str {
        match self {
            ValueSource::ConfigMap => "configMapRef",
            ValueSource::Secret => "secretRef",
        }
    }

    /// The fields holding values, and whether they are base64-encoded (a Secret's
    /// `stringData` comes last: it overrides `data`).
    fn data_fields(self) -> &'static [(&'static str, bool)] {
        match self {
            ValueSource::ConfigMap => &[("data", false)],
            ValueSource::Secret => &[("data", true), ("stringData", false)],
        }
    }
}

/// A rolling update's surge and unavailable pods, and the values of them the API server
/// refuses ([`ObjectReader::rollout`]).
struct Rollout {
    surge: Setting<IntOrPercent>,
    unavailable: Setting<IntOrPercent>,
    refused: Vec<RefusedValue>,
}

/// Why the API server refuses a rolling update's `maxSurge` or `maxUnavailable`
/// (<https://github.com/kubernetes/kubernetes/blob/master/pkg/apis/apps/validation/validation.go>:
/// `ValidatePositiveIntOrPercent`, `IsNotMoreThan100Percent`,
/// `ValidateRollingUpdateDeployment`, `ValidateRollingUpdateDaemonSet`; apimachinery
/// `pkg/util/validation/validation.go` `IsValidPercent`, `^[0-9]+%$`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RolloutRefusal {
    /// A string (`"2"`, `abc`) that is not a whole percentage (`^[0-9]+%$`).
    NotPercent,
    /// A negative number.
    Negative,
    /// A number with a fraction (`2.5`), which kubectl cannot decode as an
    /// int-or-string.
    NotWhole,
    /// A number beyond the int-or-string's `int32` (`3000000000`, `1e21`, `.inf`).
    OutOfRange,
    /// A StatefulSet's `maxUnavailable` of 0 (`validateRollingUpdateStatefulSet`).
    Zero,
    /// A percentage above 100 where validation caps it.
    Over100,
    /// `maxUnavailable` 0 with `maxSurge` 0: the rollout could never replace a pod.
    BothZero { daemon_set: bool },
    /// A DaemonSet's `maxSurge` and `maxUnavailable` both above 0: it takes exactly one
    /// (`ValidateRollingUpdateDaemonSet`), and `maxUnavailable` defaults to 1.
    BothSet,
}

impl RolloutRefusal {
    /// What the API server says (validation.go), or kubectl's decoder.
    fn message(self) -> &'static str {
        match self {
            RolloutRefusal::NotPercent => "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
            RolloutRefusal::Negative => "must be greater than or equal to 0",
            RolloutRefusal::NotWhole => "cannot unmarshal a number with a fraction into an int-or-string: a count of pods must be whole",
            RolloutRefusal::OutOfRange => "cannot unmarshal a number beyond a 32-bit int into an int-or-string",
            RolloutRefusal::Zero => "cannot be 0",
            RolloutRefusal::Over100 => "must not be greater than 100%",
            RolloutRefusal::BothZero { daemon_set: false } => "may not be 0 when `maxSurge` is 0",
            RolloutRefusal::BothZero { daemon_set: true } => "cannot be 0 when maxSurge is 0",
            RolloutRefusal::BothSet => "may not be set when maxUnavailable is non-zero",
        }
    }

    fn fix(self) -> &'static str {
        match self {
            RolloutRefusal::NotPercent => "write a count of pods as a number without quotes (`maxSurge: 2`), or a whole percentage ending in `%` (`maxSurge: 25%`)",
            RolloutRefusal::Negative => "write 0 or more pods",
            RolloutRefusal::NotWhole => "write a whole number of pods (`2`) or a whole percentage (`25%`)",
            RolloutRefusal::OutOfRange => "write a count of pods below 2147483648, or a whole percentage (`25%`)",
            RolloutRefusal::Zero => "remove maxUnavailable (a StatefulSet then updates one pod at a time) or set it to 1 or more",
            RolloutRefusal::Over100 => "write a percentage of at most 100%",
            RolloutRefusal::BothZero { .. } => "let the rollout replace pods: set maxSurge to 1 (one pod above the replicas during the update) or maxUnavailable to 1",
            RolloutRefusal::BothSet => "set `maxUnavailable: 0` beside `maxSurge` (a DaemonSet's maxUnavailable defaults to 1), or remove maxSurge",
        }
    }
}

/// A `maxSurge` or `maxUnavailable` scalar as kubectl decodes it and the API server
/// validates it: an int-or-string is an integer when the YAML scalar is a number, else
/// a string, which must be a whole percentage (`25%`; a quoted `"2"` is refused); a
/// number must be 0 or more. kubectl turns the manifest into JSON with
/// sigs.k8s.io/yaml's `YAMLToJSON`, which types a plain scalar as go-yaml v2 does (YAML
/// 1.1, [`go_yaml_number`]: `0x1`, `0o1`, `01` and `1_0` are numbers) and writes a
/// float that is whole without a fraction (`json.Marshal(2.0)` is `2`); the API server
/// decodes that JSON into the int-or-string's `int32` (apimachinery
/// `intstr.IntOrString.UnmarshalJSON`), which takes no fraction and nothing beyond 32
/// bits.
fn int_or_percent(doc: &Document, node: NodeId) -> Result<IntOrPercent, RolloutRefusal> {
    let text = doc.text(node).ok_or(RolloutRefusal::NotPercent)?;
    if let Some(number) = json_number(doc, node) {
        let whole = match number {
            GoYamlNumber::Int(n) => n,
            GoYamlNumber::Float(f) => json_float_as_int(f)?,
        };
        let count = i32::try_from(whole).map_err(|_| RolloutRefusal::OutOfRange)?;
        return u64::try_from(count)
            .map(IntOrPercent::Int)
            .map_err(|_| RolloutRefusal::Negative);
    }
    let percent = text
        .strip_suffix('%')
        .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()));
    match percent {
        true => capacity::parse_int_or_percent(text).ok_or(RolloutRefusal::NotPercent),
        false => Err(RolloutRefusal::NotPercent),
    }
}

/// A canary's `maxSurge` or `maxUnavailable` as the Argo Rollouts controller reads it
/// (`resolveFenceposts` calls apimachinery's legacy `GetValueFromIntOrPercent`): a
/// number as kubectl sends it ([`int_or_percent`]), and any string as a percentage once
/// its `%` signs are removed (`"25"` is 25 %, as the default is written). None: what
/// the controller cannot read, or a count below 0.
fn argo_int_or_percent(doc: &Document, node: NodeId) -> Option<IntOrPercent> {
    if json_number(doc, node).is_some() {
        return int_or_percent(doc, node).ok();
    }
    let text = doc.text(node)?;
    text.replace('%', "")
        .parse::<u64>()
        .ok()
        .map(IntOrPercent::Percent)
}

/// The number kubectl sends for the scalar at `node`, if it sends a number: a plain,
/// untagged scalar go-yaml v2 types as one ([`go_yaml_number`]), or one tagged `!!int`
/// or `!!float` (quoted or not), which sigs.k8s.io/yaml's `YAMLToJSON` writes as a JSON
/// number.
fn json_number(doc: &Document, node: NodeId) -> Option<GoYamlNumber> {
    let text = doc.text(node)?;
    let numeric_tag = doc.tag(node).is_some_and(|tag| {
        let name = tag
            .strip_prefix("tag:yaml.org,2002:")
            .or_else(|| tag.strip_prefix("!!"));
        matches!(name, Some("int" | "float"))
    });
    (doc.is_plain_untagged(node) || numeric_tag)
        .then(|| go_yaml_number(text))
        .flatten()
}

/// What kubectl sends for the scalar at `node` when it is neither a string nor null,
/// named as Go's JSON decoder names it in its errors: `number` ([`json_number`]) or
/// `bool` (a plain YAML 1.1 boolean, go-yaml v2 `resolve.go`: `true`, `yes`, `on`, `y`,
/// their negations, in their cases).
fn json_non_string(doc: &Document, node: NodeId) -> Option<&'static str> {
    const BOOLEANS: &[&str] = &[
        "y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE", "n", "N", "no",
        "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE",
    ];
    if json_number(doc, node).is_some() {
        return Some("number");
    }
    let boolean =
        doc.is_plain_untagged(node) && doc.text(node).is_some_and(|t| BOOLEANS.contains(&t));
    boolean.then_some("bool")
}

/// The whole number kubectl sends for the scalar at `node` ([`json_number`]), which
/// an integer field takes: `010` is 8 and `0x10` 16 (go-yaml v2 types them so), and a
/// whole float (`3.0`, `1e1`) is written by `json.Marshal` without a fraction (`3`,
/// `10`), which Go's decoder takes into an `int32`. None: a string, a fraction, or no
/// number at all.
fn json_whole_number(doc: &Document, node: NodeId) -> Option<i64> {
    let whole = match json_number(doc, node)? {
        GoYamlNumber::Int(n) => n,
        GoYamlNumber::Float(f) => json_float_as_int(f).ok()?,
    };
    i64::try_from(whole).ok()
}

/// The JSON integer Go's `encoding/json` writes for a float, which an `int32` field
/// takes: a whole float below 1e21 is written without a fraction or an exponent; a
/// fraction or an exponent is refused by the integer decoder, and `json.Marshal`
/// refuses infinities and NaN.
fn json_float_as_int(value: f64) -> Result<i128, RolloutRefusal> {
    if !value.is_finite() || value.abs() >= 1e21 {
        return Err(RolloutRefusal::OutOfRange);
    }
    if value.fract() != 0.0 {
        return Err(RolloutRefusal::NotWhole);
    }
    // Below 1e21 in magnitude: the conversion is exact.
    #[allow(clippy::cast_possible_truncation)]
    Ok(value as i128)
}

/// `secrets` found in a document embedded in a block scalar, each followed by the later
/// lines of its text: a span over a line break is cut to its first line in the manifest
/// (so a label underlines one line), and the rest of a multi-line password
/// (`password: "a` then `b"`, a `.properties` continuation) is masked as well, not
/// reported again.
fn with_later_lines(
    secrets: Vec<Secret>,
    later_lines: &crate::syntax::embedded::LaterLines,
) -> Vec<Secret> {
    let mut all = Vec::with_capacity(secrets.len());
    for secret in secrets {
        let rest: Vec<Secret> = later_lines
            .continuation(secret.location.span)
            .iter()
            .map(|span| Secret {
                location: Location {
                    span: *span,
                    ..secret.location
                },
                literal: false,
                ..secret.clone()
            })
            .collect();
        all.push(secret);
        all.extend(rest);
    }
    all
}

/// The file names of the `auth_file`s the PgBouncer configurations read from a
/// ConfigMap name (`/etc/pgbouncer/users.txt` → `users.txt`): a key of that name in the
/// same ConfigMap is the auth file, mounted beside `pgbouncer.ini`.
fn auth_file_names(model: &Model) -> Vec<String> {
    model
        .entries
        .of(Ecosystem::PgBouncer)
        .filter(|e| e.canonical.as_str() == "auth_file")
        .filter_map(|e| {
            let path = e.value.as_deref()?.trim().trim_matches(['"', '\'']);
            Some(file_name(Path::new(path))?.to_owned())
        })
        .collect()
}

/// Whether a ConfigMap key holds a configuration file another reader reads
/// (`application.yml`, `pgbouncer.ini`): [`ObjectReader::embedded_configs`] reads it.
fn is_embedded_config(key: &str) -> bool {
    embedded_config_reader(key).is_some()
}

/// The reader and format of the configuration file a ConfigMap key names, if another
/// reader than this one reads it.
fn embedded_config_reader(key: &str) -> EmbeddedReader {
    RECOGNISED_KEYS.with(|known| {
        if let Some(found) = known.borrow().get(key) {
            return *found;
        }
        let found = super::recognise(Path::new(key))
            .filter(|(reader, _)| reader.ecosystem() != Ecosystem::Kubernetes);
        let mut known = known.borrow_mut();
        if known.len() < MAX_RECOGNISED_KEYS && key.len() <= MAX_RECOGNISED_KEY_LEN {
            known.insert(key.to_owned(), found);
        }
        found
    })
}

/// Most ConfigMap keys [`RECOGNISED_KEYS`] keeps per thread, and the longest: far more
/// than the keys a repository's manifests repeat, and a bound (256 KiB) on what
/// distinct or long keys cost.
const MAX_RECOGNISED_KEYS: usize = 1024;
const MAX_RECOGNISED_KEY_LEN: usize = 256;

thread_local! {
    /// What [`embedded_config_reader`] found for the ConfigMap keys this thread has
    /// seen: recognising a key asks every reader (about 4,000 instructions), and the
    /// same few keys (`application.yml`, `LOG_LEVEL`) recur in every manifest.
    static RECOGNISED_KEYS: std::cell::RefCell<HashMap<String, EmbeddedReader>> =
        std::cell::RefCell::new(HashMap::new());
}

/// Whether a ConfigMap key holds a PgBouncer auth file: a file an `auth_file` names,
/// or one named as PgBouncer's documentation and images name it, wherever the
/// `pgbouncer.ini` that reads it is (another ConfigMap, the image).
fn is_auth_file(key: &str, auth_files: &[String]) -> bool {
    key == "userlist.txt" || auth_files.iter().any(|name| name == key)
}

/// Adds the values of the ConfigMaps and Secrets among `objects`, `file`'s, to `maps`.
fn config_map_values(
    file: &ParsedFile,
    objects: &[Object],
    sources: &SourceMap,
    maps: &mut ConfigMaps,
) {
    let text = sources.get(file.id).map_or("", |f| f.text());
    for &object in objects {
        let reader = ObjectReader::new(&file.doc, file.id, object);
        let Some(kind) = reader.kind.and_then(ValueSource::of_kind) else {
            continue;
        };
        let Some(name) = reader.text(&["metadata", "name"]) else {
            continue;
        };
        let namespace = reader.text(&["metadata", "namespace"]).unwrap_or("default");
        let values = maps
            .entry((kind, namespace.to_owned(), name.to_owned()))
            .or_default();
        for (field, base64) in kind.data_fields() {
            let Some(data) = reader.node(&[field]) else {
                continue;
            };
            values.extend(file.doc.entries(data).into_iter().filter_map(|entry| {
                // Refused ([`ObjectReader::data_refusals`]): the object is not applied.
                if json_non_string(&file.doc, entry.value).is_some() {
                    return None;
                }
                let key = file.doc.text(entry.key)?.to_owned();
                let written = file.doc.text(entry.value)?;
                let span = super::inner_span(text, file.doc.span(entry.value), written);
                let value = if *base64 {
                    decode_base64(written)?
                } else {
                    written.to_owned()
                };
                Some((
                    key,
                    value,
                    Location {
                        file: file.id,
                        span,
                    },
                ))
            }));
        }
    }
}

/// A Secret's `data` value as text (None: not base64 or not UTF-8).
fn decode_base64(written: &str) -> Option<String> {
    use base64::Engine as _;
    let compact: String = written.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .ok()?;
    String::from_utf8(bytes).ok()
}

/// A plain, untagged scalar kubectl's YAML decoder (go-yaml v2 `resolve.go`) reads as
/// null: `~`, `null` in its cases, or no text at all.
fn is_yaml_null(doc: &Document, node: NodeId) -> bool {
    doc.is_plain_untagged(node)
        && doc
            .text(node)
            .is_some_and(|t| matches!(t, "" | "~" | "null" | "Null" | "NULL"))
}

/// A plain scalar YAML 1.1 reads as `true`, as kubectl's YAML decoder (go-yaml v2
/// `resolve.go`, through sigs.k8s.io/yaml) does: `true`, `yes`, `on`, `y` in their
/// cases. A
/// quoted `"true"` is a string, which the API server refuses for a boolean field.
fn is_yaml_true(scalar: &crate::syntax::Scalar) -> bool {
    const TRUE: &[&str] = &[
        "y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE",
    ];
    scalar.style == crate::syntax::ScalarStyle::Plain && TRUE.contains(&scalar.text.as_str())
}

/// What an autoscaler's `scaleTargetRef` names: kind, namespace (`default` when none
/// is written, as `env` references to ConfigMaps and Secrets read it) and name.
type ScaleTarget = (String, String, String);

/// The scale target and file of each workload, by where its name is written (the
/// workload's [`Deployment::location`], which identifies it once the pieces are models).
fn scale_targets(pieces: &[Piece]) -> HashMap<Location, (ScaleTarget, std::path::PathBuf)> {
    pieces
        .iter()
        .filter_map(|piece| match piece {
            Piece::Workload(w) => {
                let location = w.service.deployment.as_ref()?.location?;
                Some((location, (w.target(), w.path.clone())))
            }
            Piece::Model(_) => None,
        })
        .collect()
}

/// The Deployments an Argo Rollout's `workloadRef.scaleDown` scales to 0: where each
/// one's name is written, and the Rollout's `scaleDown` value with its place.
type ScaleDowns = HashMap<Location, (String, String, Location)>;

/// Give each Argo Rollout with a `workloadRef` the containers of the workload it names
/// (an `apps/v1` Deployment or ReplicaSet of its namespace, the nearest of those,
/// [`nearest_workloads`]), which the controller runs with the Rollout's replicas
/// (argo-rollouts `rollout/templateref.go`): their pools are counted with the
/// Rollout's pods, and findings about them point into the Deployment's file, where the
/// template is. The referenced Deployment keeps running its own pods unless its
/// `scaleDown` is `onsuccess` or `progressively`: the controller then sets the
/// Deployment's `spec.replicas` to 0 once the Rollout is healthy
/// (`rollout/scale_utils.go`, `scaleDeployment`, which scales a Deployment: the
/// `scaleDown` of a ReplicaSet reference is not read), returned as [`ScaleDowns`]. A
/// reference poollint cannot follow leaves the Rollout without containers, with a note:
/// the controller never runs a Rollout's own template beside a `workloadRef` (it
/// replaces it with the referenced one, or refuses a template with labels).
fn follow_workload_refs(pieces: &mut [Piece]) -> (ScaleDowns, Vec<String>) {
    let mut by_target: HashMap<ScaleTarget, Vec<(usize, &Path)>> = HashMap::new();
    let mut rollouts = Vec::new();
    for (index, piece) in pieces.iter().enumerate() {
        let Piece::Workload(w) = piece else { continue };
        if let Some(reference) = &w.template_ref {
            rollouts.push((index, reference, w.namespace.as_str(), w.path.as_path()));
        } else if matches!(w.kind.as_str(), "Deployment" | "ReplicaSet") {
            by_target
                .entry(w.target())
                .or_default()
                .push((index, w.path.as_path()));
        }
    }
    let mut sources = Vec::new();
    let mut scale_downs = ScaleDowns::new();
    let mut notes = Vec::new();
    for (rollout, reference, namespace, path) in rollouts {
        let target = (
            reference.kind.clone(),
            namespace.to_owned(),
            reference.name.clone(),
        );
        let followed = reference.api_version == "apps/v1"
            && matches!(reference.kind.as_str(), "Deployment" | "ReplicaSet");
        let candidates = by_target.get(&target).map_or(&[][..], Vec::as_slice);
        let source = match nearest_workloads(candidates, path).as_slice() {
            [(source, _)] if followed => *source,
            found => {
                let named = (rollout_name(pieces, rollout), path);
                notes.push(unfollowed_ref_note(
                    named, reference, &target, followed, found,
                ));
                sources.push((rollout, None));
                continue;
            }
        };
        sources.push((rollout, Some(source)));
        let deployment = pieces.get(source).and_then(|p| match p {
            Piece::Workload(w) => w.service.deployment.as_ref()?.location,
            Piece::Model(_) => None,
        });
        if let (Some(at), Some((value, written)), "Deployment") =
            (deployment, &reference.scale_down, reference.kind.as_str())
        {
            let name = rollout_name(pieces, rollout);
            scale_downs.insert(at, (name, value.clone(), *written));
        }
    }
    for (rollout, source) in sources {
        let containers = match source.and_then(|s| pieces.get(s)) {
            Some(Piece::Workload(w)) => (w.env.clone(), w.commands.clone(), w.mounts.clone()),
            _ => Default::default(),
        };
        if let Some(Piece::Workload(w)) = pieces.get_mut(rollout) {
            (w.env, w.commands, w.mounts) = containers;
            w.postgres = None;
        }
    }
    (scale_downs, notes)
}

/// The qualified name of the Rollout at `index` of `pieces`.
fn rollout_name(pieces: &[Piece], index: usize) -> String {
    match pieces.get(index) {
        Some(Piece::Workload(w)) => w.service.name.clone(),
        _ => String::new(),
    }
}

/// Why a Rollout's `workloadRef` is not followed: a kind poollint does not follow, no
/// such workload among the files, or several equally near (`found`).
fn unfollowed_ref_note(
    (rollout, path): (String, &Path),
    reference: &TemplateRef,
    (kind, namespace, name): &ScaleTarget,
    followed: bool,
    found: &[(usize, &Path)],
) -> String {
    let at = format!(
        "the workloadRef of the Argo Rollout {rollout} in {}",
        path.display()
    );
    let why = if !followed {
        format!(
            "names {} {kind} {namespace}/{name}: poollint follows a workloadRef only to an apps/v1 Deployment or ReplicaSet",
            reference.api_version
        )
    } else if found.is_empty() {
        format!("names {kind} {namespace}/{name}, which is not among the files checked")
    } else {
        let files: Vec<String> = found.iter().map(|(_, p)| p.display().to_string()).collect();
        format!(
            "names {kind} {namespace}/{name}, which {} files as near to it define ({})",
            found.len(),
            files.join(", ")
        )
    };
    format!("{at} {why}: the Rollout is read without containers, so no pool of its pods is counted")
}

/// Set each Deployment a Rollout scales down ([`follow_workload_refs`]) to the 0 pods
/// it runs once the Rollout is healthy: with `spec.replicas` 0 an autoscaler of it
/// scales nothing (the HPA controller disables itself, [`steady_from_autoscaler`]),
/// and a rolling update of 0 pods adds none.
fn apply_scale_downs(model: &mut Model, scale_downs: &ScaleDowns) {
    if scale_downs.is_empty() {
        return;
    }
    for service in &mut model.services {
        let Some(deployment) = service.deployment.as_mut() else {
            continue;
        };
        let Some((rollout, value, at)) = deployment.location.and_then(|l| scale_downs.get(&l))
        else {
            continue;
        };
        deployment.replicas = Some(Setting {
            value: Val::Known(0),
            origin: Origin::Inferred {
                from: format!("the Argo Rollout {rollout} runs this Deployment's pod template and, with `workloadRef.scaleDown: {value}`, scales it to 0 once the Rollout is healthy").into(),
                at: Some(*at),
            },
        });
        deployment.max_replicas = None;
        deployment.min_replicas = None;
        deployment.autoscaler_max_field = None;
        deployment.max_surge = None;
        deployment.max_unavailable = None;
    }
}

/// Give each autoscaler's bounds to the workload it targets: same kind, namespace
/// (an object without one is in `default`) and name, the nearest of those
/// ([`nearest_workloads`]). When several are equally near, none gets them and a note
/// says so.
fn apply_autoscalers(
    model: &mut Model,
    targets: &HashMap<Location, (ScaleTarget, std::path::PathBuf)>,
    autoscalers: Vec<Autoscaler>,
) {
    let mut by_target: HashMap<&ScaleTarget, Vec<(usize, &Path)>> =
        HashMap::with_capacity(targets.len());
    for (index, service) in model.services.iter().enumerate() {
        let target = service
            .deployment
            .as_ref()
            .and_then(|d| d.location)
            .and_then(|l| targets.get(&l));
        if let Some((target, path)) = target {
            by_target
                .entry(target)
                .or_default()
                .push((index, path.as_path()));
        }
    }
    let mut by_workload: std::collections::BTreeMap<usize, Vec<Autoscaler>> =
        std::collections::BTreeMap::new();
    for hpa in autoscalers {
        let target = (
            hpa.target_kind.clone(),
            hpa.namespace
                .clone()
                .unwrap_or_else(|| "default".to_owned()),
            hpa.target_name.clone(),
        );
        let candidates = by_target.get(&target).map_or(&[][..], Vec::as_slice);
        match nearest_workloads(candidates, &hpa.path).as_slice() {
            [] => {}
            [(index, _)] => by_workload.entry(*index).or_default().push(hpa),
            several => model
                .notes
                .push(ambiguous_target_note(&hpa, &target, several)),
        }
    }
    for (index, mut scalers) in by_workload {
        if scalers.len() > 1 {
            let count = scalers.len();
            let refused = scalers.iter().map(|hpa| ambiguous_selector(hpa, count));
            model.refused_values.extend(refused);
            continue;
        }
        let service = model.services.get_mut(index);
        let deployment = service.and_then(|s| s.deployment.as_mut());
        if let (Some(deployment), Some(hpa)) = (deployment, scalers.pop()) {
            deployment.max_replicas = hpa.max;
            deployment.autoscaler_max_field = Some(match hpa.keda {
                true => "maxReplicaCount",
                false => "maxReplicas",
            });
            deployment.min_replicas = hpa.min;
            steady_from_autoscaler(deployment, hpa.keda);
        }
    }
}

/// One of `count` autoscalers of one workload (a KEDA ScaledObject makes an HPA of
/// its own): each HPA selects the same pods, and the HPA controller scales them by
/// none (`AmbiguousSelector`, kubernetes `pkg/controller/podautoscaler/horizontal.go`).
fn ambiguous_selector(hpa: &Autoscaler, count: usize) -> RefusedValue {
    RefusedValue {
        location: hpa.location,
        reason: format!(
            "{count} autoscalers scale {} {}: the HPA controller reports AmbiguousSelector and scales it by none of them; their bounds are not applied",
            hpa.target_kind, hpa.target_name
        ),
        fix: "keep one HorizontalPodAutoscaler or ScaledObject for each workload",
        warning: true,
        stage: RefusalStage::Controller,
    }
}

/// Of the workloads an autoscaler's target names (`candidates`, with their files), those
/// nearest to the autoscaler's file `path`: in that file, else in its directory, else
/// anywhere. Two directories may each hold a cluster's manifests with the same names: an
/// autoscaler scales the workload applied with it.
fn nearest_workloads<'p>(candidates: &[(usize, &'p Path)], path: &Path) -> Vec<(usize, &'p Path)> {
    let same_file = |p: &Path| p == path;
    let same_dir = |p: &Path| p.parent() == path.parent();
    let nearness: [&dyn Fn(&Path) -> bool; 2] = [&same_file, &same_dir];
    nearness
        .iter()
        .map(|near| {
            candidates
                .iter()
                .copied()
                .filter(|(_, p)| near(p))
                .collect::<Vec<_>>()
        })
        .find(|found| !found.is_empty())
        .unwrap_or_else(|| candidates.to_vec())
}

/// Why an autoscaler whose target names several equally near workloads is applied to
/// none of them.
fn ambiguous_target_note(
    hpa: &Autoscaler,
    (kind, namespace, name): &ScaleTarget,
    workloads: &[(usize, &Path)],
) -> String {
    let object = if hpa.keda {
        "KEDA ScaledObject"
    } else {
        "HorizontalPodAutoscaler"
    };
    let files: Vec<String> = workloads
        .iter()
        .map(|(_, path)| path.display().to_string())
        .collect();
    format!(
        "the {object} of {} scales {kind} {namespace}/{name}, which {} files as near to it define ({}): which one it runs beside is not in the files, so its bounds are applied to none; move it into the file or directory of the workload it scales",
        hpa.path.display(),
        workloads.len(),
        files.join(", ")
    )
}

/// The replicas the HPA controller keeps the workload at before any metric moves it
/// (kubernetes `pkg/controller/podautoscaler/horizontal.go`, `reconcileAutoscaler`):
/// `spec.replicas: 0` with a `minReplicas` other than 0 (1 when not written) disables
/// autoscaling ("scaling is disabled since the replica count of the target is zero"),
/// so the steady count stays 0 and the maximum does not apply; replicas above
/// `maxReplicas` are scaled down to it, and below `minReplicas` (or not written) up
/// to it [K8S-HPA]. The bound that applies becomes the steady count, with its place as
/// origin. KEDA scales from zero itself: its `replicas: 0` leaves the maximum in force.
fn steady_from_autoscaler(deployment: &mut Deployment, keda: bool) {
    let written = deployment
        .replicas
        .as_ref()
        .filter(|r| r.is_explicit())
        .map(|r| r.get().copied());
    let min = deployment.min_replicas.as_ref().map(|m| m.get().copied());
    if !keda && written == Some(Some(0)) && min != Some(Some(0)) {
        deployment.max_replicas = None;
        deployment.min_replicas = None;
        return;
    }
    let bound = |setting: &Option<Setting<i64>>| {
        setting.as_ref().and_then(|s| Some((*s.get()?, s.clone())))
    };
    let steady = match written {
        Some(Some(n)) => match (
            bound(&deployment.max_replicas),
            bound(&deployment.min_replicas),
        ) {
            (Some((max, setting)), _) if n > max => Some(setting),
            (_, Some((min, setting))) if n < min => Some(setting),
            _ => None,
        },
        // An invalid count is left for its own finding.
        Some(None) => None,
        None => bound(&deployment.min_replicas).map(|(_, setting)| setting),
    };
    if let Some(steady) = steady {
        deployment.replicas = Some(steady);
    }
}

/// Whether `text` is a Helm template rather than a manifest: one of its `{{ }}` actions
/// uses Helm's objects or functions (`.Values`, `include`, `toYaml`), wherever it is, or
/// stands as YAML structure with a template control word (`{{- if`, `{{ range`,
/// `{{ end }}`, a `{{/* */}}` comment) at the start of a line outside a block scalar.
/// Braces that are only text of a plain manifest do not make it one, nor do words
/// outside an action (a comment on the "pod template spec"): a Prometheus rule's
/// `{{ $labels.instance }}`, an Alertmanager template's `{{ define }}` and
/// `{{ range .Alerts }}` in a ConfigMap's block scalar. `kubectl apply` takes such a file.
fn is_helm_template(text: &str) -> bool {
    if !text.contains("{{") {
        return false;
    }
    // The indentation of the line whose value is the block scalar the lines are in.
    let mut block_parent: Option<usize> = None;
    for line in text.lines() {
        let content = line.trim_start();
        let indent = line.len() - content.len();
        let in_block = block_parent.is_some_and(|parent| content.is_empty() || indent > parent);
        if !in_block {
            block_parent = opens_block_scalar(content).then_some(indent);
        }
        let structural = !in_block && content.starts_with("{{");
        if template_actions(line)
            .any(|action| uses_helm(action) || (structural && is_control_action(action)))
        {
            return true;
        }
    }
    false
}

/// The text inside each `{{ … }}` of `line` (to its end when one is not closed on it).
fn template_actions(line: &str) -> impl Iterator<Item = &str> {
    line.split("{{")
        .skip(1)
        .map(|after| after.split_once("}}").map_or(after, |(inside, _)| inside))
}

/// An action that uses what only Helm gives a template: its objects and functions.
fn uses_helm(action: &str) -> bool {
    const HELM: &[&str] = &[
        ".Values",
        ".Release",
        ".Chart",
        ".Capabilities",
        ".Files",
        ".Template",
        "include ",
        "toYaml",
        "tpl ",
    ];
    HELM.iter().any(|marker| action.contains(marker))
}

/// A Go template action that shapes the text rather than printing a value: a control
/// word, a comment, or whitespace trimming (`{{-`, `-}}`).
fn is_control_action(action: &str) -> bool {
    const CONTROL: &[&str] = &[
        "if", "else", "range", "with", "end", "define", "template", "block",
    ];
    let words = action.trim_start_matches('-').trim_start();
    let first = words.split_whitespace().next().unwrap_or("");
    action.starts_with('-')
        || action.ends_with('-')
        || words.starts_with("/*")
        || CONTROL.contains(&first)
}

/// A line whose value is a block scalar: it ends with `|` or `>` and their indicators
/// (`|-`, `>+`, `|2`), so the more indented lines after it are text.
fn opens_block_scalar(content: &str) -> bool {
    let last = content.trim_end().rsplit(' ').next().unwrap_or("");
    last.strip_prefix(['|', '>'])
        .is_some_and(|rest| rest.chars().all(|c| matches!(c, '-' | '+' | '0'..='9')))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Model {
        crate::ecosystems::read_one(&Kubernetes, "deploy.yaml", Format::Yaml, text).0
    }

    const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 10\n  template:\n    spec:\n      containers:\n        - name: web\n          livenessProbe:\n            httpGet:\n              path: /actuator/health\n---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: web\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: web\n  maxReplicas: 20\n";

    /// A summary is copied into blocks of its own once its file's tree is freed, as a
    /// model is (`engine::pack`): the Kubernetes files of the 10k benchmark tree alone
    /// peaked at 45 MB, the summaries read beside the trees holding their pages.
    #[test]
    fn a_packed_summary_holds_a_copy_of_its_pieces() {
        let mut sources = SourceMap::default();
        let path = std::path::Path::new("deploy.yaml");
        let file = crate::ecosystems::parsed_in(&mut sources, path, DEPLOYMENT, Format::Yaml, None);
        let mut summary = Kubernetes.summarise(&[&file], &sources).unwrap();
        let pieces = |s: &Summary| s.downcast_ref::<KubeSummary>().unwrap().pieces.as_ptr();
        let before = pieces(&summary);
        Kubernetes.pack_summary(&mut summary);
        assert_ne!(pieces(&summary), before);
        let model = Kubernetes.join(vec![summary]);
        let deployment = model.services[0].deployment.as_ref().unwrap();
        assert_eq!(deployment.replicas.as_ref().unwrap().get(), Some(&10));
    }

    #[test]
    fn default_rollout_rounds_surge_up_and_unavailable_down() {
        let model = read(DEPLOYMENT);
        let deployment = model.services[0].deployment.as_ref().unwrap();
        assert_eq!(deployment.replicas.as_ref().unwrap().get(), Some(&10));
        // The 25 % defaults are kept as percentages; 25 % of 10 = 2.5: surge 3,
        // unavailable 2 (catalogue V9).
        let surge = *deployment.max_surge.as_ref().unwrap().get().unwrap();
        let unavailable = *deployment.max_unavailable.as_ref().unwrap().get().unwrap();
        assert_eq!(surge, IntOrPercent::Percent(25));
        assert_eq!(capacity::surge_count(surge, 10), 3);
        assert_eq!(capacity::unavailable_count(unavailable, 10, false), 2);
        assert_eq!(deployment.max_replicas.as_ref().unwrap().get(), Some(&20));
        assert_eq!(
            deployment
                .liveness_probe
                .as_ref()
                .unwrap()
                .get()
                .map(String::as_str),
            Some("GET /actuator/health")
        );
    }

    #[test]
    fn recreate_has_no_surge_and_explicit_values_are_read() {
        let model = read("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\nspec:\n  strategy:\n    type: Recreate\n");
        let deployment = model.services[0].deployment.as_ref().unwrap();
        assert!(deployment.max_surge.is_none());
        let model = read("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\nspec:\n  replicas: 4\n  strategy:\n    rollingUpdate:\n      maxSurge: 1\n      maxUnavailable: 0\n");
        let deployment = model.services[0].deployment.as_ref().unwrap();
        assert_eq!(
            deployment.max_surge.as_ref().unwrap().get(),
            Some(&IntOrPercent::Int(1))
        );
        assert_eq!(
            deployment.max_unavailable.as_ref().unwrap().get(),
            Some(&IntOrPercent::Int(0))
        );
    }

    #[test]
    fn an_autoscaler_sets_the_steady_count_to_its_minimum_when_replicas_are_not_written() {
        let hpa = "---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: web\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: web\n  minReplicas: 8\n  maxReplicas: 20\n";
        let unwritten = format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template: {{}}\n{hpa}");
        let model = read(&unwritten);
        let replicas = model.services[0]
            .deployment
            .as_ref()
            .unwrap()
            .replicas
            .as_ref()
            .unwrap();
        assert_eq!(replicas.get(), Some(&8));
        let at = replicas.location().unwrap().span;
        assert_eq!(&unwritten[at.start..at.end], "8");
        // Written replicas within the bounds stay; below the minimum the HPA raises them.
        for (written, steady) in [(12, 12), (3, 8)] {
            let text = format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: {written}\n{hpa}");
            let model = read(&text);
            let deployment = model.services[0].deployment.as_ref().unwrap();
            assert_eq!(deployment.replicas.as_ref().unwrap().get(), Some(&steady));
        }
    }

    fn deployment_of<'m>(model: &'m Model, name: &str) -> &'m Deployment {
        let service = model.services.iter().find(|s| s.name == name).unwrap();
        service.deployment.as_deref().unwrap()
    }

    #[test]
    fn rollout_values_the_api_server_refuses_are_invalid_and_reported_at_the_value() {
        let deployment = |rolling: &str| {
            format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 5\n  strategy:\n    rollingUpdate:\n{rolling}")
        };
        let refused = |rolling: &str| {
            let text = deployment(rolling);
            let model = read(&text);
            let refused: Vec<(String, String)> = model
                .refused_values
                .iter()
                .map(|r| {
                    let at = r.location.span;
                    (text[at.start..at.end].to_owned(), r.reason.clone())
                })
                .collect();
            (deployment_of(&model, "web").clone(), refused)
        };
        let cases = [
            // A quoted number is a string, which must be a percentage.
            (
                "      maxSurge: \"2\"\n",
                "\"2\"",
                "a valid percent string must be",
            ),
            (
                "      maxSurge: abc\n",
                "abc",
                "a valid percent string must be",
            ),
            (
                "      maxSurge: '25 %'\n",
                "'25 %'",
                "a valid percent string must be",
            ),
            (
                "      maxSurge: -1\n",
                "-1",
                "must be greater than or equal to 0",
            ),
            (
                "      maxSurge: 2.5\n",
                "2.5",
                "a count of pods must be whole",
            ),
            (
                "      maxUnavailable: 120%\n",
                "120%",
                "must not be greater than 100%",
            ),
            (
                "      maxSurge: 0%\n      maxUnavailable: 0\n",
                "0",
                "may not be 0 when `maxSurge` is 0",
            ),
        ];
        for (rolling, at, reason) in cases {
            let (deployment, refused) = refused(rolling);
            assert_eq!(refused.len(), 1, "{rolling}: {refused:?}");
            assert_eq!(refused[0].0, at, "{rolling}");
            assert!(refused[0].1.contains(reason), "{rolling}: {refused:?}");
            // The object is not applied: no rollout is counted.
            assert!(
                deployment.max_surge.as_ref().unwrap().get().is_none(),
                "{rolling}"
            );
        }
        // Accepted: a plain number, a whole percentage (above 100 % for maxSurge), and
        // one of the two at 0.
        for rolling in [
            "      maxSurge: 2\n      maxUnavailable: 25%\n",
            "      maxSurge: 150%\n",
            "      maxSurge: 0\n      maxUnavailable: 10%\n",
            "      maxSurge: 1\n      maxUnavailable: 0\n",
        ] {
            let (deployment, refused) = refused(rolling);
            assert!(refused.is_empty(), "{rolling}: {refused:?}");
            assert!(
                deployment.max_surge.as_ref().unwrap().get().is_some(),
                "{rolling}"
            );
        }
    }

    /// Audit finding: a YAML 1.1 number (`0x1`, `0o1`, octal `010`) was refused as a
    /// string that is not a percentage, or read as decimal. kubectl reads the manifest
    /// with go-yaml v2: those are numbers, and a whole float is a whole count.
    #[test]
    fn rollout_numbers_are_read_as_kubectls_yaml_1_1_decoder_reads_them() {
        let surge = |written: &str| {
            let text = format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 5\n  strategy:\n    rollingUpdate:\n      maxSurge: {written}\n      maxUnavailable: 1\n");
            let model = read(&text);
            let surge = deployment_of(&model, "web").max_surge.clone().unwrap();
            let refused: Vec<String> = model
                .refused_values
                .iter()
                .map(|r| r.reason.clone())
                .collect();
            (surge.get().copied(), refused)
        };
        for (written, pods) in [
            ("0x1", 1),
            ("0X1f", 31),
            ("0o1", 1),
            ("0O17", 15),
            ("01", 1),
            ("010", 8),
            ("08", 8),
            ("0b11", 3),
            ("1_0", 10),
            ("+2", 2),
            ("2.0", 2),
            ("1e1", 10),
            ("0", 0),
        ] {
            let (surge, refused) = surge(written);
            assert_eq!(surge, Some(IntOrPercent::Int(pods)), "{written}");
            assert!(refused.is_empty(), "{written}: {refused:?}");
        }
        for (written, reason) in [
            ("-0x1", "must be greater than or equal to 0"),
            ("0x", "a valid percent string must be"),
            ("\"0x1\"", "a valid percent string must be"),
            ("0.5", "a count of pods must be whole"),
            ("3000000000", "beyond a 32-bit int"),
            (".inf", "beyond a 32-bit int"),
        ] {
            let (surge, refused) = surge(written);
            assert_eq!(surge, None, "{written}");
            assert_eq!(refused.len(), 1, "{written}: {refused:?}");
            assert!(refused[0].contains(reason), "{written}: {refused:?}");
        }
    }

    /// Audit finding: a StatefulSet's `maxUnavailable: 0`, which the API server refuses
    /// (`validateRollingUpdateStatefulSet`: "cannot be 0") where the
    /// MaxUnavailableStatefulSet gate is on (by default from 1.35), was not reported.
    #[test]
    fn a_stateful_sets_zero_max_unavailable_is_refused_by_recent_api_servers() {
        let stateful_set = |strategy: &str| {
            format!("apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  replicas: 3\n  updateStrategy:\n{strategy}")
        };
        for (strategy, at, reason, warning) in [
            (
                "    rollingUpdate:\n      maxUnavailable: 0\n",
                "0",
                "spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: 0: cannot be 0",
                true,
            ),
            (
                "    type: RollingUpdate\n    rollingUpdate:\n      maxUnavailable: 0%\n",
                "0%",
                "cannot be 0",
                true,
            ),
            (
                "    rollingUpdate:\n      maxUnavailable: 0x0\n",
                "0x0",
                "cannot be 0",
                true,
            ),
            (
                "    rollingUpdate:\n      maxUnavailable: 150%\n",
                "150%",
                "must not be greater than 100%",
                true,
            ),
            (
                "    rollingUpdate:\n      maxUnavailable: \"2\"\n",
                "\"2\"",
                "a valid percent string must be",
                true,
            ),
            // kubectl cannot decode it whatever the gate.
            (
                "    rollingUpdate:\n      maxUnavailable: 1.5\n",
                "1.5",
                "a count of pods must be whole",
                false,
            ),
        ] {
            let text = stateful_set(strategy);
            let model = read(&text);
            let refused = &model.refused_values;
            assert_eq!(refused.len(), 1, "{strategy}: {refused:?}");
            let span = refused[0].location.span;
            assert_eq!(&text[span.start..span.end], at, "{strategy}");
            assert!(refused[0].reason.contains(reason), "{refused:?}");
            assert_eq!(refused[0].warning, warning, "{strategy}");
            if warning {
                assert!(
                    refused[0].reason.contains("from Kubernetes 1.35"),
                    "{refused:?}"
                );
            }
            // A StatefulSet has no surge: no rollout is counted, the replicas are.
            let db = deployment_of(&model, "db");
            assert!(db.max_surge.is_none());
            assert_eq!(db.replicas.as_ref().unwrap().get(), Some(&3));
        }
        // Accepted: a count above 0, a percentage, no maxUnavailable, and OnDelete.
        for strategy in [
            "    rollingUpdate:\n      maxUnavailable: 2\n",
            "    rollingUpdate:\n      maxUnavailable: 50%\n",
            "    rollingUpdate:\n      partition: 0\n",
            "    type: OnDelete\n",
        ] {
            let model = read(&stateful_set(strategy));
            assert!(
                model.refused_values.is_empty(),
                "{strategy}: {:?}",
                model.refused_values
            );
        }
    }

    #[test]
    fn replica_sets_and_daemon_sets_are_workloads() {
        let text = "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: rs\nspec:\n  replicas: 3\n---\napiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: agent\nspec:\n  updateStrategy:\n    rollingUpdate:\n      maxSurge: 1\n      maxUnavailable: 0\n";
        let model = read(text);
        assert!(
            model.refused_values.is_empty(),
            "{:?}",
            model.refused_values
        );
        let replica_set = deployment_of(&model, "rs");
        assert_eq!(replica_set.replicas.as_ref().unwrap().get(), Some(&3));
        // A ReplicaSet does not roll: no surge.
        assert!(replica_set.max_surge.is_none());
        // A pod per node: at least one, inferred, for the manifest's `instances` to set.
        let daemon_set = deployment_of(&model, "agent");
        let replicas = daemon_set.replicas.as_ref().unwrap();
        assert_eq!(replicas.get(), Some(&1));
        assert!(matches!(replicas.origin, Origin::Inferred { .. }));
        assert_eq!(
            daemon_set.max_surge.as_ref().unwrap().get(),
            Some(&IntOrPercent::Int(1))
        );
        // The DaemonSet defaults: maxUnavailable 1, maxSurge 0; OnDelete does not roll.
        let defaults =
            read("apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: agent\nspec: {}\n");
        let daemon_set = deployment_of(&defaults, "agent");
        assert_eq!(
            daemon_set.max_surge.as_ref().unwrap().get(),
            Some(&IntOrPercent::Int(0))
        );
        assert_eq!(
            daemon_set.max_unavailable.as_ref().unwrap().get(),
            Some(&IntOrPercent::Int(1))
        );
        // Its controller rounds a maxUnavailable percentage up, a Deployment's down.
        assert!(daemon_set.daemon_set);
        assert!(!deployment_of(&read(DEPLOYMENT), "web").daemon_set);
        let on_delete = read("apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: agent\nspec:\n  updateStrategy:\n    type: OnDelete\n");
        assert!(deployment_of(&on_delete, "agent").max_surge.is_none());
        // A DaemonSet takes one of the two above 0, after defaulting: `maxSurge: 1`
        // alone (maxUnavailable defaults to 1) is refused at maxSurge, and no rollout
        // is counted; so is a percentage beside a written maxUnavailable.
        for rolling in [
            "      maxSurge: 1\n",
            "      maxSurge: 10%\n      maxUnavailable: 2\n",
        ] {
            let both = read(&format!("apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: agent\nspec:\n  updateStrategy:\n    rollingUpdate:\n{rolling}"));
            let refused = &both.refused_values;
            assert_eq!(refused.len(), 1, "{rolling}: {refused:?}");
            assert!(
                refused[0].reason.contains("maxSurge: Invalid value")
                    && refused[0]
                        .reason
                        .contains("may not be set when maxUnavailable is non-zero"),
                "{refused:?}"
            );
            let daemon_set = deployment_of(&both, "agent");
            assert!(daemon_set.max_surge.as_ref().unwrap().get().is_none());
        }
    }

    #[test]
    fn typed_lists_are_read_item_by_item() {
        let text = "apiVersion: v1\nkind: DeploymentList\nitems:\n  - apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: web\n    spec:\n      replicas: 4\n";
        let model = read(text);
        assert_eq!(
            deployment_of(&model, "web")
                .replicas
                .as_ref()
                .unwrap()
                .get(),
            Some(&4)
        );
    }

    #[test]
    fn lists_inside_lists_are_flattened_as_kubectl_does() {
        let text = "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: List\n    items:\n      - apiVersion: apps/v1\n        kind: Deployment\n        metadata:\n          name: web\n        spec:\n          replicas: 6\n";
        let model = read(text);
        let replicas = deployment_of(&model, "web").replicas.as_ref().unwrap();
        assert_eq!(replicas.get(), Some(&6));
    }

    #[test]
    fn a_keda_scaled_object_sets_the_maximum_with_keda_defaults() {
        let workload =
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n";
        // No kind (Deployment by default), no maxReplicaCount (100), no minimum (0: no floor).
        let text = format!("{workload}---\napiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: web-scaler\nspec:\n  scaleTargetRef:\n    name: web\n");
        let model = read(&text);
        let deployment = deployment_of(&model, "web");
        let max = deployment.max_replicas.as_ref().unwrap();
        assert_eq!(max.get(), Some(&100));
        assert!(matches!(
            max.origin,
            Origin::Default {
                library: &"KEDA",
                ..
            }
        ));
        assert_eq!(deployment.replicas.as_ref().unwrap().get(), Some(&3));
        // A written minimum above the replicas raises the steady count, as an HPA's.
        let text = format!("{workload}---\napiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: web-scaler\nspec:\n  scaleTargetRef:\n    name: web\n  minReplicaCount: 5\n  maxReplicaCount: 8\n");
        let deployment_model = read(&text);
        let deployment = deployment_of(&deployment_model, "web");
        assert_eq!(deployment.replicas.as_ref().unwrap().get(), Some(&5));
        assert_eq!(deployment.max_replicas.as_ref().unwrap().get(), Some(&8));
        // Scaled to zero, KEDA still scales it out: unlike an HPA, the maximum stays.
        let zero = text
            .replace("replicas: 3", "replicas: 0")
            .replace("  minReplicaCount: 5\n", "");
        let zero_model = read(&zero);
        let deployment = deployment_of(&zero_model, "web");
        assert_eq!(deployment.replicas.as_ref().unwrap().get(), Some(&0));
        assert_eq!(deployment.max_replicas.as_ref().unwrap().get(), Some(&8));
    }

    /// A Job runs `parallelism` pods at once, each opening its containers' pools, and a
    /// CronJob each run's (its pod template is in `jobTemplate`); 1 when not written.
    #[test]
    fn jobs_and_cron_jobs_count_their_parallel_pods() {
        let env = "containers:\n  - name: task\n    env:\n      - name: SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE\n        value: \"20\"\n";
        let indent = |text: &str, by: usize| {
            text.lines()
                .map(|l| format!("{}{l}\n", " ".repeat(by)))
                .collect::<String>()
        };
        let job = format!("apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\nspec:\n  parallelism: 2\n  template:\n    spec:\n{}", indent(env, 6));
        let cron = format!("apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: report\nspec:\n  schedule: \"*/5 * * * *\"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n{}", indent(env, 10));
        // The replicas of workload `name` read from `text`.
        let replicas = |text: &str, name: &str| {
            deployment_of(&read(text), name)
                .replicas
                .as_ref()
                .and_then(|r| r.get().copied())
        };
        let both = format!("{job}---\n{cron}");
        assert_eq!(replicas(&both, "migrate"), Some(2));
        assert_eq!(replicas(&both, "report"), Some(1));
        let model = read(&both);
        let pools: Vec<Option<&i64>> = model.pools.iter().map(|p| p.max.get()).collect();
        assert_eq!(pools, [Some(&20), Some(&20)]);
        // At most `completions` pods run at once, and none while suspended.
        let fewer = job.replace("parallelism: 2", "parallelism: 5\n  completions: 3");
        assert_eq!(replicas(&fewer, "migrate"), Some(3));
        let held = job.replace("parallelism: 2", "parallelism: 2\n  suspend: true");
        assert_eq!(replicas(&held, "migrate"), Some(0));
        let stopped = cron.replace("schedule:", "suspend: true\n  schedule:");
        assert_eq!(replicas(&stopped, "report"), Some(0));
    }

    /// A paused ScaledObject scales nothing: `paused-replicas` holds the workload at that
    /// count (its steady count and its maximum), `paused: "true"` at the one it has.
    #[test]
    fn a_paused_keda_scaled_object_holds_the_workload() {
        let text = |annotation: &str| {
            format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n---\napiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: web-scaler\n  annotations:\n    {annotation}\nspec:\n  scaleTargetRef:\n    name: web\n  maxReplicaCount: 10\n")
        };
        let counts = |annotation: &str| {
            let model = read(&text(annotation));
            let deployment = deployment_of(&model, "web");
            let count = |s: &Option<Setting<i64>>| s.as_ref().and_then(|s| s.get().copied());
            (count(&deployment.replicas), count(&deployment.max_replicas))
        };
        assert_eq!(
            counts("autoscaling.keda.sh/paused-replicas: \"2\""),
            (Some(2), Some(2))
        );
        // Go's ParseBool, and any value that is no boolean, pauses; its false does not.
        for paused in [
            "\"true\"",
            "\"1\"",
            "\"T\"",
            "\"yes\"",
            "\"\"",
            "\"false \"",
        ] {
            let annotation = format!("autoscaling.keda.sh/paused: {paused}");
            assert_eq!(counts(&annotation), (Some(3), None), "{paused}");
        }
        for running in ["\"false\"", "\"0\"", "\"F\""] {
            let annotation = format!("autoscaling.keda.sh/paused: {running}");
            assert_eq!(counts(&annotation), (Some(3), Some(10)), "{running}");
        }
        assert_eq!(counts("team: web"), (Some(3), Some(10)));
    }

    #[test]
    fn autoscalers_kubernetes_does_not_apply_are_reported_and_not_applied() {
        let deployment = |name: &str| {
            format!("apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}}}\nspec: {{replicas: 12}}\n---\n")
        };
        let hpa = |name: &str, target: &str, bounds: &str| {
            format!("apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {{name: {name}}}\nspec:\n  scaleTargetRef: {target}\n  {bounds}\n---\n")
        };
        let text = [
            deployment("a"),
            hpa("h1", "{kind: Deployment, name: a}", "maxReplicas: 3"),
            deployment("b"),
            hpa(
                "h2",
                "{apiVersion: extensions/v1beta1, kind: Deployment, name: b}",
                "maxReplicas: 3",
            ),
            deployment("c"),
            hpa(
                "h3",
                "{apiVersion: apps/v1, kind: Deployment, name: c}",
                "minReplicas: 5\n  maxReplicas: 3",
            ),
            deployment("d"),
            hpa(
                "h4",
                "{apiVersion: apps/v1, kind: Deployment, name: d}",
                "maxReplicas: 3",
            ),
            hpa(
                "h5",
                "{apiVersion: apps/v1, kind: Deployment, name: d}",
                "maxReplicas: 4",
            ),
            deployment("e"),
            hpa(
                "h6",
                "{apiVersion: apps/v1, kind: Deployment, name: e}",
                "maxReplicas: 3",
            ),
        ]
        .concat();
        let model = read(&text);
        let reasons: Vec<&str> = model
            .refused_values
            .iter()
            .map(|r| r.reason.as_str())
            .collect();
        assert_eq!(reasons.len(), 5, "{reasons:?}");
        assert!(
            reasons[0].starts_with("scaleTargetRef has no apiVersion"),
            "{reasons:?}"
        );
        assert!(
            reasons[1]
                .starts_with("scaleTargetRef.apiVersion extensions/v1beta1 serves no Deployment"),
            "{reasons:?}"
        );
        assert!(
            reasons[2].starts_with("spec.minReplicas 5 is above spec.maxReplicas 3"),
            "{reasons:?}"
        );
        assert!(
            reasons[3].starts_with("2 autoscalers scale Deployment d"),
            "{reasons:?}"
        );
        // Those four keep their 12 replicas; e, scaled by one valid HPA, has 3.
        for name in ["a", "b", "c", "d"] {
            assert_eq!(
                deployment_of(&model, name).replicas.as_ref().unwrap().get(),
                Some(&12),
                "{name}"
            );
        }
        assert_eq!(
            deployment_of(&model, "e").replicas.as_ref().unwrap().get(),
            Some(&3)
        );
    }

    #[test]
    fn helm_templates_and_other_yaml_are_not_accepted() {
        assert!(!Kubernetes.accepts("apiVersion: v1\nkind: Service\nname: {{ .Values.name }}\n"));
        assert!(!Kubernetes
            .accepts("{{- if .Values.enabled }}\napiVersion: v1\nkind: Service\n{{- end }}\n"));
        // Braces of a Prometheus rule in a plain manifest's ConfigMap: kubectl applies it.
        assert!(Kubernetes.accepts("apiVersion: v1\nkind: ConfigMap\ndata:\n  rules.yml: |\n    summary: \"{{ $labels.instance }} is down\"\n"));
        // Template words outside an action, and an Alertmanager template's control
        // words in a block scalar, are text: these files were dropped.
        assert!(Kubernetes.accepts("apiVersion: v1\nkind: Deployment\n# the pod template spec\n---\nkind: PrometheusRule\nspec:\n  summary: \"{{ $labels.instance }} is down\"\n"));
        assert!(Kubernetes.accepts("apiVersion: v1\nkind: ConfigMap\ndata:\n  slack.tmpl: |\n    {{ define \"t\" }}{{ .CommonLabels.alertname }}{{ end }}\n    {{- range .Alerts }}{{ .Annotations.summary }}{{ end }}\nother: x\n"));
        // Control words as YAML structure, and Helm's objects anywhere, are Helm.
        assert!(!Kubernetes.accepts("apiVersion: v1\nkind: ConfigMap\ndata:\n  a: |\n    x\n{{ range .list }}\n  b: c\n{{ end }}\n"));
        assert!(!Kubernetes
            .accepts("apiVersion: v1\nkind: ConfigMap\ndata:\n  a: |\n    {{ .Values.config }}\n"));
        assert!(!Kubernetes.accepts("jobs:\n  build:\n    runs-on: ubuntu-latest\n"));
        assert!(Kubernetes.accepts(DEPLOYMENT));
    }

    /// A manifest of only objects nothing is read from (a Service, an Ingress) was
    /// accepted: named alone, it brought the topology's findings in.
    #[test]
    fn manifests_without_an_object_read_are_not_accepted() {
        let service = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n";
        assert!(!Kubernetes.accepts(service));
        assert!(!Kubernetes.accepts(&format!(
            "{service}---\napiVersion: networking.k8s.io/v1\nkind: Ingress\n"
        )));
        assert!(!Kubernetes
            .accepts(r#"{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}}"#));
        // Any kind read, in either syntax, flow style or among other objects.
        assert!(Kubernetes.accepts(&format!("{service}---\napiVersion: v1\nkind: ConfigMap\n")));
        assert!(Kubernetes.accepts(r#"{"apiVersion":"apps/v1","kind":"Deployment"}"#));
        assert!(Kubernetes.accepts("{apiVersion: v1, kind: Secret}"));
        assert!(Kubernetes.accepts("apiVersion: v1\nkind: 'List'\nitems: []\n"));
        assert!(Kubernetes.accepts("apiVersion: argoproj.io/v1alpha1\nkind: Rollout\n"));
        // A value this scan does not read as a word is kept for the parser.
        assert!(Kubernetes.accepts("apiVersion: v1\nkind: *k\n"));
        // Keys ending in `kind` are not `kind`.
        assert!(!Kubernetes.accepts("apiVersion: v1\nkind: Service\nx:\n  listkind: Deployment\n"));
    }

    #[test]
    fn postgres_container_flags_become_a_database_with_spans() {
        let text = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\n  namespace: data\nspec:\n  template:\n    spec:\n      containers:\n        - name: postgres\n          image: postgres:16\n          args: [\"-c\", \"max_connections=300\", \"-c\", \"statement_timeout=30s\"]\n";
        let model = read(text);
        let db = &model.databases[0];
        assert_eq!(db.name, "data/db");
        assert_eq!(db.max_connections.get(), Some(&300));
        let at = db.max_connections.location().unwrap().span;
        assert_eq!(&text[at.start..at.end], "300");
        let timeout = db.statement_timeout.as_ref().unwrap();
        assert_eq!(timeout.get(), Some(&std::time::Duration::from_secs(30)));
        assert_eq!(
            db.superuser_reserved_connections.as_ref().unwrap().get(),
            Some(&3)
        );
        assert!(read(DEPLOYMENT).databases.is_empty());
    }

    #[test]
    fn postgres_flags_expand_references_to_the_containers_environment() {
        let text = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  template:\n    spec:\n      containers:\n        - name: postgres\n          image: postgres:16\n          args: [\"-c\", \"max_connections=$(MAXC)\", \"-c\", \"superuser_reserved_connections=$(RESERVED)\"]\n          env:\n            - {name: MAXC, value: \"400\"}\n            - name: RESERVED\n              valueFrom: {secretKeyRef: {name: tuning, key: reserved}}\n";
        let model = read(text);
        let db = &model.databases[0];
        assert_eq!(db.max_connections.get(), Some(&400));
        // Where the flag is written: the reference, not the variable's value.
        let at = db.max_connections.location().unwrap().span;
        assert_eq!(&text[at.start..at.end], "max_connections=$(MAXC)");
        // A reference to a Secret not among the files is unknown, not a refused value.
        let reserved = db.superuser_reserved_connections.as_ref().unwrap();
        assert!(matches!(reserved.value, Val::Unknown(_)), "{reserved:?}");
    }

    #[test]
    fn env_values_from_config_maps_are_read_with_their_spans() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pool\ndata:\n  SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE: \"25\"\n  size: \"40\"\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          envFrom:\n            - configMapRef:\n                name: pool\n          env:\n            - name: SPRING_DATASOURCE_HIKARI_MINIMUM_IDLE\n              valueFrom:\n                configMapKeyRef:\n                  name: pool\n                  key: size\n            - name: SPRING_DATASOURCE_PASSWORD\n              valueFrom:\n                secretKeyRef:\n                  name: db\n                  key: password\n";
        let model = read(text);
        let pool = &model.pools[0];
        assert_eq!(pool.max.get(), Some(&25));
        let at = pool.max.location().unwrap().span;
        assert_eq!(&text[at.start..at.end], "25");
        assert_eq!(pool.min.get(), Some(&40));
        let at = pool.min.location().unwrap().span;
        assert_eq!(&text[at.start..at.end], "40");
        // A Secret not among the files: the variable is set, to a value not known,
        // located at its `valueFrom` (which holds no secret to mask).
        let environment = &model.services[0].deployment.as_ref().unwrap().environment;
        let password = environment
            .iter()
            .find(|v| v.name == "SPRING_DATASOURCE_PASSWORD")
            .unwrap();
        assert_eq!(password.value, "${SPRING_DATASOURCE_PASSWORD}");
        assert_eq!(
            password.unknown_reason().as_deref(),
            Some("set by the deployment from Secret db, key password")
        );
        let at = password.value_location.span;
        assert!(text[at.start..at.end].starts_with("secretKeyRef:"));
        assert!(model.secrets.iter().all(|s| s.location.span != at));
    }

    #[test]
    fn env_values_from_secrets_are_read_and_every_secret_value_is_masked() {
        // `data` is base64: "MzA=" is "30", "aHVudGVyMg==" is "hunter2".
        let text = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  pool: MzA=\n  password: aHVudGVyMg==\nstringData:\n  SPRING_DATASOURCE_HIKARI_MINIMUM_IDLE: \"5\"\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          envFrom:\n            - secretRef:\n                name: db\n          env:\n            - name: SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE\n              valueFrom:\n                secretKeyRef:\n                  name: db\n                  key: pool\n";
        let model = read(text);
        let pool = &model.pools[0];
        assert_eq!(pool.max.get(), Some(&30));
        let at = pool.max.location().unwrap().span;
        assert_eq!(&text[at.start..at.end], "MzA=");
        assert_eq!(pool.min.get(), Some(&5));
        let masked: Vec<&str> = model
            .secrets
            .iter()
            .map(|s| &text[s.location.span.start..s.location.span.end])
            .collect();
        for value in ["MzA=", "aHVudGVyMg==", "5"] {
            assert!(masked.contains(&value), "{value} not masked: {masked:?}");
        }
        assert!(model.secrets.iter().all(|s| !s.literal));
    }

    #[test]
    fn an_optional_reference_to_a_key_the_object_lacks_is_skipped() {
        // The kubelet skips it: the earlier literal (40) runs. Without it the variable
        // is unset (Hikari's default); a ConfigMap not among the files stays unknown.
        let workload = |env: &str| {
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cm1}}\ndata:\n  other: \"1\"\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          env:\n            - {{name: SPRING_DATASOURCE_URL, value: \"jdbc:postgresql://db/app\"}}\n{env}")
        };
        let optional = |object: &str, optional: &str| {
            format!("            - name: SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE\n              valueFrom:\n                configMapKeyRef: {{name: {object}, key: size, optional: {optional}}}\n")
        };
        let literal =
            "            - {name: SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE, value: \"40\"}\n";
        let max = |text: &str| read(text).pools.first().map(|p| p.max.value.clone());
        let both = workload(&format!("{literal}{}", optional("cm1", "true")));
        assert_eq!(max(&both), Some(Val::Known(40)));
        let environment = read(&both).services[0]
            .deployment
            .as_ref()
            .unwrap()
            .environment
            .clone();
        assert_eq!(
            environment
                .iter()
                .filter(|v| v.name.contains("POOL_SIZE"))
                .count(),
            1
        );
        // Alone, nothing sets the size: Hikari's default, not an unknown.
        let alone = read(&workload(&optional("cm1", "yes")));
        assert_eq!(alone.pools[0].max.get(), Some(&10));
        assert!(alone.pools[0].max.origin.is_default());
        // Not optional (the pod does not start), or the object is not among the files
        // (it may hold the key): unknown, as before.
        for env in [
            optional("cm1", "false"),
            optional("cm1", "\"true\""),
            optional("other", "true"),
        ] {
            let text = workload(&format!("{literal}{env}"));
            let model = read(&text);
            let environment = &model.services[0].deployment.as_ref().unwrap().environment;
            let last =
                EnvVar::last_named(environment, "SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE");
            assert!(last.is_some_and(|v| v.unknown_from.is_some()), "{env}");
        }
    }

    #[test]
    fn env_references_expand_to_earlier_variables_of_the_same_container() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: side\n          env:\n            - name: POOL_MAX\n              value: \"99\"\n        - name: web\n          env:\n            - name: DB_HOST\n              value: db.prod.internal\n            - name: SPRING_DATASOURCE_HIKARI_MINIMUMIDLE\n              value: $(POOL_MAX)\n            - name: POOL_MAX\n              value: \"40\"\n            - name: SPRING_DATASOURCE_URL\n              value: jdbc:postgresql://$(DB_HOST):5432/app?sslmode=prefer&x=$$(DB_HOST)\n            - name: SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE\n              value: $(POOL_MAX)\n";
        let model = read(text);
        let pool = &model.pools[0];
        assert_eq!(pool.max.get(), Some(&40));
        // The span stays on the value as written.
        let at = pool.max.location().unwrap().span;
        assert_eq!(&text[at.start..at.end], "$(POOL_MAX)");
        // Defined later (or in another container): left as written, so Spring cannot
        // bind it.
        assert!(pool.min.get().is_none());
        let connection = pool.connection.as_ref().unwrap();
        let host = connection.host.as_ref().unwrap();
        assert_eq!(host.get().map(String::as_str), Some("db.prod.internal"));
        let environment = &model.services[0].deployment.as_ref().unwrap().environment;
        let url = environment
            .iter()
            .find(|v| v.name == "SPRING_DATASOURCE_URL")
            .unwrap();
        assert_eq!(
            url.value,
            "jdbc:postgresql://db.prod.internal:5432/app?sslmode=prefer&x=$(DB_HOST)"
        );
        assert!(url.moved && url.text_start().is_none());
        let at = url.value_location.span;
        assert!(text[at.start..at.end].starts_with("jdbc:postgresql://$(DB_HOST)"));
    }

    #[test]
    fn a_null_env_value_is_the_empty_string() {
        for null in ["~", "null", "NULL", ""] {
            let text = format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          env:\n            - name: A\n              value: {null}\n            - name: B\n              value: $(A)x\n");
            let model = read(&text);
            let environment = &deployment_of(&model, "web").environment;
            let values: Vec<(&str, &str)> = environment
                .iter()
                .map(|v| (&*v.name, v.value.as_str()))
                .collect();
            assert_eq!(values, [("A", ""), ("B", "x")], "value: {null}");
        }
    }

    #[test]
    fn an_empty_env_value_beside_value_from_takes_the_value_from() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pool\ndata:\n  MAX: \"12\"\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          env:\n            - name: SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE\n              value: \"\"\n              valueFrom:\n                configMapKeyRef:\n                  name: pool\n                  key: MAX\n";
        let model = read(text);
        assert_eq!(model.pools[0].max.get(), Some(&12));
        let at = model.pools[0].max.location().unwrap().span;
        assert_eq!(&text[at.start..at.end], "12");
    }

    /// Each refused value's text and reason.
    fn refusals<'t>(model: &Model, text: &'t str) -> Vec<(&'t str, String)> {
        model
            .refused_values
            .iter()
            .map(|r| {
                (
                    &text[r.location.span.start..r.location.span.end],
                    r.reason.clone(),
                )
            })
            .collect()
    }

    /// A container's `--spring.*` arguments and `java -D` options were not read: Spring
    /// Boot ranks system properties above the environment variables and below
    /// `SPRING_APPLICATION_JSON`, command-line arguments above all three.
    #[test]
    fn java_command_line_properties_rank_as_spring_boot_ranks_them() {
        let text = |command: &str| {
            format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n{command}          env:\n            - name: SPRING_APPLICATION_JSON\n              value: '{{\"spring.datasource.hikari.maximum-pool-size\": 60}}'\n            - name: SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE\n              value: \"30\"\n            - name: SECRET_POOL\n              valueFrom:\n                secretKeyRef: {{name: db, key: pool}}\n")
        };
        let pool = |command: &str| {
            let model = read(&text(command));
            model.pools.first().map(|p| p.max.value.clone())
        };
        let system = "          command: [java, -Dspring.datasource.hikari.maximum-pool-size=25, -jar, app.jar]\n";
        assert_eq!(pool(system), Some(Val::Known(60)));
        let argument = "          command: [java, -jar, app.jar]\n          args: [--spring.datasource.hikari.maximum-pool-size=40]\n";
        assert_eq!(pool(argument), Some(Val::Known(40)));
        // Its value from a Secret not among the files is unknown, as the variable's is.
        let secret =
            "          args: [\"--spring.datasource.hikari.maximum-pool-size=$(SECRET_POOL)\"]\n";
        let model = read(&text(secret));
        let var = &deployment_of(&model, "web").environment;
        let arg = var.iter().find(|v| v.name.starts_with("--")).unwrap();
        assert!(arg.unknown_from.is_some());
        // Another program's options are not Spring's.
        let other =
            "          command: [/app/start.sh, --spring.datasource.hikari.maximum-pool-size=40]\n";
        assert_eq!(pool(other), Some(Val::Known(60)));
    }

    /// A Job's quoted `parallelism` or `completions` was invalid but not reported: the
    /// API server refuses the Job, as it does `replicas: "3"`.
    #[test]
    fn a_jobs_refused_counts_are_reported() {
        let job = |spec: &str| {
            format!("apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\nspec:\n{spec}  template:\n    spec:\n      containers:\n        - name: migrate\n          env:\n            - name: SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE\n              value: \"7\"\n")
        };
        let refused = |text: &str| {
            let model = read(text);
            let pods = deployment_of(&model, "migrate").replicas.clone().unwrap();
            assert!(matches!(pods.value, Val::Invalid(_)), "{text}");
            refusals(&model, text)
                .into_iter()
                .map(|(at, reason)| (at.to_owned(), reason))
                .collect::<Vec<_>>()
        };
        let applied = "; the API server refuses the Job, so `kubectl apply` fails and the Job as written does not run";
        assert_eq!(
            refused(&job("  parallelism: \"3\"\n")),
            [("\"3\"".to_owned(), format!("json: cannot unmarshal string into Go struct field JobSpec.spec.parallelism of type int32{applied}"))]
        );
        assert_eq!(
            refused(&job("  completions: \"2\"\n")),
            [("\"2\"".to_owned(), format!("json: cannot unmarshal string into Go struct field JobSpec.spec.completions of type int32{applied}"))]
        );
        assert_eq!(
            refused(&job("  parallelism: -1\n")),
            [("-1".to_owned(), format!("spec.parallelism: Invalid value: -1: must be greater than or equal to 0{applied}"))]
        );
        // A CronJob's Job template: the path from the CronJob's root.
        let cron = "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: migrate\nspec:\n  jobTemplate:\n    spec:\n      parallelism: 2.5\n      template:\n        spec:\n          containers:\n            - name: migrate\n";
        assert_eq!(
            refused(cron),
            [("2.5".to_owned(), "json: cannot unmarshal number 2.5 into Go struct field JobSpec.spec.jobTemplate.spec.parallelism of type int32; the API server refuses the CronJob, so `kubectl apply` fails and the CronJob as written does not run".to_owned())]
        );
        // Counts kubectl sends as numbers stand, and a null is unset (parallelism 1).
        let model = read(&job("  parallelism: 0x3\n  completions: ~\n"));
        assert!(model.refused_values.is_empty());
        assert_eq!(
            deployment_of(&model, "migrate")
                .replicas
                .as_ref()
                .unwrap()
                .get(),
            Some(&3)
        );
    }

    /// A ScaledObject's quoted `maxReplicaCount` was invalid but not reported: the
    /// API server refuses it by the CRD's schema, and it scales nothing.
    #[test]
    fn a_keda_scaled_objects_refused_bounds_are_reported() {
        let text = |bounds: &str| {
            format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n---\napiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: web-scaler\nspec:\n  scaleTargetRef:\n    name: web\n{bounds}")
        };
        let applied = "; the API server refuses the ScaledObject, so `kubectl apply` fails and the ScaledObject as written does not run";
        for (bounds, at, sent, field) in [
            (
                "  maxReplicaCount: \"10\"\n",
                "\"10\"",
                "string",
                "maxReplicaCount",
            ),
            (
                "  minReplicaCount: 1.5\n  maxReplicaCount: 10\n",
                "1.5",
                "number",
                "minReplicaCount",
            ),
            (
                "  maxReplicaCount: true\n",
                "true",
                "boolean",
                "maxReplicaCount",
            ),
        ] {
            let text = text(bounds);
            let model = read(&text);
            assert_eq!(
                refusals(&model, &text),
                [(at, format!("spec.{field}: Invalid value: \"{sent}\": spec.{field} in body must be of type integer: \"{sent}\"{applied}"))],
                "{bounds}"
            );
            assert!(
                deployment_of(&model, "web").max_replicas.is_none(),
                "{bounds}"
            );
        }
        let model = read(&text("  maxReplicaCount: 1e1\n"));
        assert!(model.refused_values.is_empty());
        let max = deployment_of(&model, "web").max_replicas.clone();
        assert_eq!(max.unwrap().get(), Some(&10));
    }

    #[test]
    fn an_unquoted_boolean_in_an_env_value_or_config_map_is_refused() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: flags\ndata:\n  CACHE: yes\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          env:\n            - name: SPRING_DATASOURCE_HIKARI_AUTOCOMMIT\n              value: false\n            - name: SPRING_DATASOURCE_HIKARI_READONLY\n              value: \"true\"\n";
        let model = read(text);
        let refused = refusals(&model, text);
        let errors: Vec<(&str, &str)> = refused
            .iter()
            .map(|(at, reason)| (*at, reason.split(';').next().unwrap_or_default()))
            .collect();
        assert_eq!(
            errors,
            [
                ("yes", "json: cannot unmarshal bool into Go struct field ConfigMap.data of type string"),
                ("false", "json: cannot unmarshal bool into Go struct field EnvVar.value of type string"),
            ]
        );
        let environment = &deployment_of(&model, "web").environment;
        let read_only = environment
            .iter()
            .find(|v| &*v.name == "SPRING_DATASOURCE_HIKARI_READONLY");
        assert_eq!(read_only.map(|v| v.value.as_str()), Some("true"));
    }

    #[test]
    fn an_unquoted_number_in_an_env_value_is_refused_and_not_used() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          env:\n            - name: SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE\n              value: 30\n            - name: SPRING_DATASOURCE_HIKARI_MINIMUMIDLE\n              value: \"5\"\n";
        let model = read(text);
        assert_eq!(
            refusals(&model, text),
            [("30", "json: cannot unmarshal number into Go struct field EnvVar.value of type string; the API server refuses the Deployment, so `kubectl apply` fails and the Deployment as written does not run".to_owned())]
        );
        let pool = &model.pools[0];
        assert!(pool.max.get().is_none());
        assert_eq!(pool.min.get(), Some(&5));
    }

    #[test]
    fn an_unquoted_number_in_a_config_maps_data_is_refused_and_not_used() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pool\ndata:\n  MINIDLE: 5\n  MAX: \"12\"\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          envFrom:\n            - configMapRef:\n                name: pool\n          env:\n            - name: SPRING_DATASOURCE_HIKARI_MINIMUMIDLE\n              value: $(MINIDLE)\n            - name: SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE\n              value: $(MAX)\n";
        let model = read(text);
        assert_eq!(
            refusals(&model, text),
            [("5", "json: cannot unmarshal number into Go struct field ConfigMap.data of type string; the API server refuses the ConfigMap, so `kubectl apply` fails and the ConfigMap as written does not run".to_owned())]
        );
        let pool = &model.pools[0];
        assert_eq!(pool.max.get(), Some(&12));
        assert!(pool.min.get().is_none());
    }

    #[test]
    fn replicas_the_api_server_cannot_decode_are_refused_and_invalid() {
        let cases = [
            ("\"3\"", "\"3\"", "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32"),
            ("3000000000", "3000000000", "json: cannot unmarshal number 3000000000 into Go struct field DeploymentSpec.spec.replicas of type int32"),
        ];
        for (written, at, error) in cases {
            let text = format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: {written}\n");
            let model = read(&text);
            let reason = format!("{error}; the API server refuses the Deployment, so `kubectl apply` fails and the Deployment as written does not run");
            assert_eq!(refusals(&model, &text), [(at, reason)], "{written}");
            let replicas = deployment_of(&model, "web").replicas.as_ref().unwrap();
            assert!(matches!(replicas.value, Val::Invalid(_)), "{written}");
        }
        // A whole number within 32 bits is read, tagged `!!int` too.
        for (written, count) in [("2147483647", 2_147_483_647), ("!!int 7", 7)] {
            let model = read(&format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: {written}\n"));
            assert!(model.refused_values.is_empty(), "{written}");
            let replicas = deployment_of(&model, "web").replicas.as_ref().unwrap();
            assert_eq!(replicas.get(), Some(&count), "{written}");
        }
    }

    /// Integer fields were read as decimal text: `replicas: 010` was 10 (kubectl's
    /// go-yaml v2 sends 8), and `0x10`, `1_0`, `3.0` and `1e1`, which the API server
    /// takes as 16, 10, 3 and 10, were invalid; a negative count was invalid without a
    /// word, where validation refuses it.
    #[test]
    fn integer_fields_are_the_numbers_kubectl_sends() {
        let deployment = |replicas: &str| {
            format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: {replicas}\n")
        };
        for (written, count) in [
            ("010", 8),
            ("0o10", 8),
            ("0x10", 16),
            ("1_0", 10),
            ("3.0", 3),
            ("1e1", 10),
            ("+4", 4),
        ] {
            let model = read(&deployment(written));
            assert!(model.refused_values.is_empty(), "{written}");
            let replicas = deployment_of(&model, "web").replicas.as_ref().unwrap();
            assert_eq!(replicas.get(), Some(&count), "{written}");
        }
        // A Job's parallelism, an HPA's bounds and a ScaledObject's too.
        let job = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\nspec:\n  parallelism: 0x3\n";
        let parallelism = deployment_of(&read(job), "migrate").replicas.clone();
        assert_eq!(parallelism.unwrap().get(), Some(&3));
        let hpa = "\n---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: web\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: web\n  minReplicas: 0o4\n  maxReplicas: 1e1\n";
        let model = read(&(deployment("2") + hpa));
        let web = deployment_of(&model, "web");
        assert_eq!(web.replicas.as_ref().unwrap().get(), Some(&4));
        assert_eq!(web.max_replicas.as_ref().unwrap().get(), Some(&10));
        // An HPA bound the API server cannot decode is refused, and the HPA scales
        // nothing.
        let text = deployment("2") + &hpa.replace("maxReplicas: 1e1", "maxReplicas: \"10\"");
        let model = read(&text);
        let reason = "json: cannot unmarshal string into Go struct field HorizontalPodAutoscalerSpec.spec.maxReplicas of type int32; the API server refuses the HorizontalPodAutoscaler, so `kubectl apply` fails and the HorizontalPodAutoscaler as written does not run";
        assert_eq!(refusals(&model, &text), [("\"10\"", reason.to_owned())]);
        assert_eq!(
            deployment_of(&model, "web")
                .replicas
                .as_ref()
                .unwrap()
                .get(),
            Some(&2)
        );
        // A count below 0 is refused at the value, as a string is.
        for (written, count) in [("-1", -1), ("-0x2", -2)] {
            let text = deployment(written);
            let model = read(&text);
            let reason = format!("spec.replicas: Invalid value: {count}: must be greater than or equal to 0; the API server refuses the Deployment, so `kubectl apply` fails and the Deployment as written does not run");
            assert_eq!(refusals(&model, &text), [(written, reason)], "{written}");
            let replicas = deployment_of(&model, "web").replicas.as_ref().unwrap();
            assert!(matches!(replicas.value, Val::Invalid(_)), "{written}");
        }
    }

    fn rollout_manifest(spec: &str) -> String {
        format!("apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: web\nspec:\n{spec}  template:\n    spec:\n      containers:\n        - name: web\n          env:\n            - name: SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE\n              value: \"12\"\n")
    }

    /// Argo Rollouts were not read: their pods' pools were not counted, nor multiplied
    /// by their replicas, nor their update's extra pods.
    #[test]
    fn an_argo_rollout_is_a_workload_with_its_strategys_surge() {
        let read_rollout = |spec: &str| {
            let model = read(&rollout_manifest(spec));
            assert_eq!(model.pools[0].max.get(), Some(&12), "{spec}");
            let web = deployment_of(&model, "web").clone();
            let get = |s: &Option<Setting<IntOrPercent>>| s.as_ref().map(|s| s.get().copied());
            (
                web.replicas.as_ref().unwrap().get().copied(),
                get(&web.max_surge),
                get(&web.max_unavailable),
            )
        };
        use IntOrPercent::{Int, Percent};
        // A canary without traffic routing: maxSurge and maxUnavailable, default "25",
        // read as 25 %; a string is a percentage with or without its `%`.
        let canary = "  strategy:\n    canary:\n      steps:\n        - setWeight: 20\n";
        assert_eq!(
            read_rollout(canary),
            (Some(1), Some(Some(Percent(25))), Some(Some(Percent(25))))
        );
        let written = "  replicas: 4\n  strategy:\n    canary:\n      maxSurge: \"50\"\n      maxUnavailable: 0x1\n";
        assert_eq!(
            read_rollout(written),
            (Some(4), Some(Some(Percent(50))), Some(Some(Int(1))))
        );
        // Blue-green: the preview runs the full replicas before the switch, whatever
        // its previewReplicaCount; traffic routing keeps the stable fully scaled.
        for strategy in [
            "    blueGreen:\n      activeService: web\n",
            "    blueGreen:\n      activeService: web\n      previewReplicaCount: 1\n",
            "    canary:\n      trafficRouting:\n        nginx:\n          stableIngress: web\n",
        ] {
            let spec = format!("  replicas: 3\n  strategy:\n{strategy}");
            assert_eq!(
                read_rollout(&spec),
                (Some(3), Some(Some(Percent(100))), Some(Some(Int(0)))),
                "{strategy}"
            );
        }
        // A dynamically scaled stable, or no strategy at all: no surge is counted.
        for strategy in [
            "  strategy:\n    canary:\n      dynamicStableScale: true\n      trafficRouting:\n        nginx:\n          stableIngress: web\n",
            "",
        ] {
            assert_eq!(read_rollout(strategy), (Some(1), None, None), "{strategy}");
        }
        // OpenKruise's Rollout has no pods of its own.
        let kruise = "apiVersion: rollouts.kruise.io/v1beta1\nkind: Rollout\nmetadata:\n  name: web\nspec:\n  workloadRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: web\n";
        assert!(read(kruise).services.is_empty());
    }

    #[test]
    fn an_argo_rollouts_refused_replicas_are_reported() {
        let refused = |replicas: &str| {
            let text = rollout_manifest(&format!("  replicas: {replicas}\n"));
            let model = read(&text);
            let replicas = deployment_of(&model, "web").replicas.clone().unwrap();
            assert!(matches!(replicas.value, Val::Invalid(_)));
            refusals(&model, &text)
                .into_iter()
                .map(|(at, reason)| (at.to_owned(), reason))
                .collect::<Vec<_>>()
        };
        assert_eq!(refused("\"3\""), [("\"3\"".to_owned(), "spec.replicas: Invalid value: \"string\": spec.replicas in body must be of type integer: \"string\"; the API server refuses the Rollout, so `kubectl apply` fails and the Rollout as written does not run".to_owned())]);
        assert_eq!(refused("-1"), [("-1".to_owned(), "spec.replicas: Invalid value: -1: must be greater than or equal to 0; the Argo Rollouts controller marks the Rollout InvalidSpec and does not run it".to_owned())]);
        let model = read(&rollout_manifest("  replicas: 0o7\n"));
        assert_eq!(
            deployment_of(&model, "web")
                .replicas
                .as_ref()
                .unwrap()
                .get(),
            Some(&7)
        );
    }

    /// An HPA of a Rollout was never applied (a scaleTargetRef outside apps/v1 was
    /// reported as FailedGetScale); a KEDA ScaledObject of one scaled nothing.
    #[test]
    fn an_autoscaler_of_an_argo_rollout_scales_it() {
        let hpa = |version: &str| {
            format!("\n---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: web\nspec:\n  scaleTargetRef:\n    apiVersion: {version}\n    kind: Rollout\n    name: web\n  minReplicas: 2\n  maxReplicas: 9\n")
        };
        let text = rollout_manifest("") + &hpa("argoproj.io/v1alpha1");
        let model = read(&text);
        assert!(model.refused_values.is_empty());
        let web = deployment_of(&model, "web");
        assert_eq!(web.max_replicas.as_ref().unwrap().get(), Some(&9));
        assert_eq!(web.replicas.as_ref().unwrap().get(), Some(&2));
        // In apps/v1 there is no Rollout: FailedGetScale.
        let text = rollout_manifest("") + &hpa("apps/v1");
        let model = read(&text);
        assert_eq!(refusals(&model, &text), [("apps/v1", "scaleTargetRef.apiVersion apps/v1 serves no Rollout (argoproj.io/v1alpha1 does): the HPA controller reports FailedGetScale and never scales it; its bounds are not applied".to_owned())]);
        assert!(deployment_of(&model, "web").max_replicas.is_none());
        let keda = rollout_manifest("") + "\n---\napiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: web\nspec:\n  scaleTargetRef:\n    apiVersion: argoproj.io/v1alpha1\n    kind: Rollout\n    name: web\n  maxReplicaCount: 6\n";
        let model = read(&keda);
        assert_eq!(
            deployment_of(&model, "web")
                .max_replicas
                .as_ref()
                .unwrap()
                .get(),
            Some(&6)
        );
    }

    /// A bare Pod was not read: its containers' pools were not counted.
    #[test]
    fn a_bare_pod_is_one_instance_without_a_rollout() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: tool\nspec:\n  containers:\n    - name: tool\n      env:\n        - name: SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE\n          value: \"5\"\n";
        let model = read(text);
        assert_eq!(model.pools[0].max.get(), Some(&5));
        let pod = deployment_of(&model, "tool");
        assert_eq!(pod.replicas.as_ref().unwrap().get(), Some(&1));
        assert!(pod.max_surge.is_none());
    }

    #[test]
    fn a_workload_with_a_generated_name_is_read_named_by_its_prefix() {
        let text = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: db-migrate-\n  annotations:\n    argocd.argoproj.io/hook: PreSync\nspec:\n  template:\n    spec:\n      containers:\n        - name: migrate\n          env:\n            - name: SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE\n              value: \"7\"\n";
        let model = read(text);
        assert_eq!(model.services[0].name, "db-migrate-");
        assert_eq!(model.pools[0].max.get(), Some(&7));
    }

    #[test]
    fn env_references_to_secrets_stay_references_and_moved_passwords_are_masked() {
        let text = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: Kube-Secret-9\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          env:\n            - name: DB_PASS\n              valueFrom:\n                secretKeyRef:\n                  name: db\n                  key: password\n            - name: POD_IP\n              valueFrom:\n                fieldRef:\n                  fieldPath: status.podIP\n            - name: PW\n              value: Moved-Secret-7\n            - name: SPRING_DATASOURCE_PASSWORD\n              value: $(DB_PASS)\n            - name: SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE\n              value: $(POD_IP)\n            - name: DATABASE_URL\n              value: postgres://app:$(PW)@$(DB_SERVICE_HOST)/app\n";
        let model = read(text);
        let environment = &model.services[0].deployment.as_ref().unwrap().environment;
        let value = |name: &str| {
            environment
                .iter()
                .find(|v| v.name == name)
                .map(|v| v.value.as_str())
        };
        // A Secret's value is never copied into another: a reference stays one.
        assert_eq!(value("SPRING_DATASOURCE_PASSWORD"), Some("${DB_PASS}"));
        assert_eq!(
            value("DATABASE_URL"),
            Some("postgres://app:Moved-Secret-7@${DB_SERVICE_HOST}/app")
        );
        // A value the files do not give is unknown, not invalid.
        assert!(model.pools[0].max.get().is_none());
        assert!(!matches!(model.pools[0].max.value, Val::Invalid(_)));
        // Nothing here is a literal pool password…
        assert!(
            model.secrets.iter().all(|s| !s.literal),
            "{:?}",
            model.secrets
        );
        // … and the password the expansion moved is masked where it is written.
        let masked: Vec<&str> = model
            .secrets
            .iter()
            .map(|s| &text[s.location.span.start..s.location.span.end])
            .collect();
        assert!(masked.contains(&"Moved-Secret-7"), "{masked:?}");
    }

    #[test]
    fn literal_parts_of_an_expanded_value_keep_their_spans() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          env:\n            - name: DB_HOST\n              value: db.prod.internal\n            - name: SPRING_DATASOURCE_URL\n              value: jdbc:postgresql://$(DB_HOST):5432/app?sslmode=disable&password=Url-Secret-3\n            - name: ConnectionStrings__Main\n              value: Host=$(DB_HOST);Password=Net-Secret-4;Maximum Pool Size=500\n            - name: DATABASE_URL\n              value: postgres://app:Pg-Secret-5@$(DB_HOST)/app$$x\n";
        let model = read(text);
        let at = |span: Span| &text[span.start..span.end];
        let spring = model
            .pools
            .iter()
            .find(|p| p.ecosystem == Ecosystem::Spring)
            .unwrap();
        let connection = spring.connection.as_ref().unwrap();
        // Literal text maps to itself; an expanded reference to its `$(VAR)` text.
        let sslmode = connection.params.get("sslmode").unwrap();
        assert_eq!(at(sslmode.location().unwrap().span), "disable");
        let host = connection.host.as_ref().unwrap();
        assert_eq!(host.get().map(String::as_str), Some("db.prod.internal"));
        assert_eq!(at(host.location().unwrap().span), "$(DB_HOST)");
        let dotnet = model
            .pools
            .iter()
            .find(|p| p.ecosystem == Ecosystem::DotNet)
            .unwrap();
        assert_eq!(dotnet.max.get(), Some(&500));
        assert_eq!(at(dotnet.max.location().unwrap().span), "500");
        // Every password is masked on its own text, not on the whole value; Spring's
        // data source password is a literal the credentials rule reports.
        let masked: Vec<(&str, bool)> = model
            .secrets
            .iter()
            .map(|s| (at(s.location.span), s.literal))
            .collect();
        for password in ["Url-Secret-3", "Net-Secret-4", "Pg-Secret-5"] {
            assert!(
                masked.iter().any(|(m, _)| *m == password),
                "{password}: {masked:?}"
            );
        }
        assert!(masked.contains(&("Url-Secret-3", true)), "{masked:?}");
        assert!(
            masked.iter().all(|(m, _)| m.len() < 40),
            "a whole value is masked: {masked:?}"
        );
    }

    /// The text each secret of `model` masks in `text`.
    fn masked_texts<'t>(model: &Model, text: &'t str) -> Vec<&'t str> {
        let span = |s: &Secret| text.get(s.location.span.start..s.location.span.end);
        model.secrets.iter().filter_map(span).collect()
    }

    #[test]
    fn a_pgbouncer_auth_file_in_a_config_map_is_masked_whole() {
        // Named by `auth_file`, beside the pgbouncer.ini; and named `userlist.txt`
        // though no file here reads it (a block scalar is masked to its last line, and
        // base64 in `binaryData` too).
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pgbouncer\ndata:\n  pgbouncer.ini: |\n    [pgbouncer]\n    auth_file = \"/etc/pgbouncer/users.txt\"\n    server_tls_sslmode = disable\n  users.txt: '\"app\" \"Zq9Userlist01\"'\n  other.txt: '\"app\" \"not-an-auth-file\"'\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: auth\ndata:\n  userlist.txt: |\n    \"app\" \"Zq9Userlist02\"\n    \"ops\" \"md5Zq9Userlist03\"\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: auth-binary\nbinaryData:\n  userlist.txt: WnE5VXNlcmxpc3QwNA==\n  logo.png: bm90LWEtc2VjcmV0\n";
        let model = read(text);
        let masked = masked_texts(&model, text);
        assert!(masked.contains(&"\"app\" \"Zq9Userlist01\""), "{masked:?}");
        let block = masked.iter().find(|m| m.contains("Zq9Userlist02"));
        assert!(
            block.is_some_and(|b| b.contains("md5Zq9Userlist03")),
            "{masked:?}"
        );
        assert!(masked.iter().all(|m| !m.contains("not-an-auth-file")));
        // In `binaryData` (base64, decoded by anyone), every value.
        assert!(masked.contains(&"WnE5VXNlcmxpc3QwNA=="), "{masked:?}");
        assert!(masked.contains(&"bm90LWEtc2VjcmV0"), "{masked:?}");
        assert!(model.secrets.iter().all(|s| !s.literal && s.scrub_messages));
    }

    #[test]
    fn a_variable_a_password_variable_refers_to_is_masked_and_the_reference_is_not() {
        // DB_SECRET is defined after the password (the kubelet leaves the reference as
        // written), LEGACY before it through a chain (`$(OLD)` → OLD); `$$(NOT_ONE)` is
        // a literal; POOL is not referred to by a password.
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          env:\n            - {name: OLD, value: Zq9Dep11}\n            - {name: LEGACY, value: $(OLD)}\n            - {name: NOT_ONE, value: shown-1}\n            - {name: POOL, value: \"10\"}\n            - name: SPRING_DATASOURCE_PASSWORD\n              value: $(DB_SECRET)\n            - {name: DB_PASSWORD, value: \"$(LEGACY)-$$(NOT_ONE)\"}\n            - {name: SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE, value: $(POOL)}\n            - {name: DB_SECRET, value: Zq9Dep10}\n";
        let model = read(text);
        let masked = masked_texts(&model, text);
        for secret in ["Zq9Dep10", "Zq9Dep11"] {
            assert!(masked.contains(&secret), "{secret} not masked: {masked:?}");
        }
        for shown in ["shown-1", "\"10\"", "10", "$(OLD)"] {
            assert!(!masked.contains(&shown), "{shown} masked: {masked:?}");
        }
        let referenced = model
            .secrets
            .iter()
            .filter(|s| s.kind == "referenced password");
        assert!(referenced.clone().count() >= 2);
        assert!(referenced.clone().all(|s| !s.literal && s.scrub_messages));
    }

    #[test]
    fn secret_named_variables_are_masked_and_not_reported() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          env:\n            - {name: DB_PW, value: Zq9Pw01}\n            - {name: API_TOKEN, value: Zq9Tok02}\n            - {name: SECRET_KEY_BASE, value: Zq9Sec03}\n            - {name: TOKEN_TTL, value: \"3600\"}\n";
        let model = read(text);
        let masked = masked_texts(&model, text);
        for secret in ["Zq9Pw01", "Zq9Tok02", "Zq9Sec03"] {
            assert!(masked.contains(&secret), "{secret} not masked: {masked:?}");
        }
        assert!(masked.iter().all(|m| !m.contains("3600")), "{masked:?}");
        assert!(model.secrets.iter().all(|s| !s.literal));
    }

    #[test]
    fn a_password_that_is_one_reference_is_reported_where_the_value_is_written() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          env:\n            - {name: DB_CRED, value: Zq9Ref01}\n            - name: SPRING_DATASOURCE_PASSWORD\n              value: $(DB_CRED)\n            - {name: DB_PASSWORD, value: $(DB_CRED)}\n            - name: SPRING_DATASOURCE_URL\n              value: jdbc:postgresql://db/app\n";
        let model = read(text);
        let at = |s: &Secret| &text[s.location.span.start..s.location.span.end];
        let literal: Vec<&str> = model.secrets.iter().filter(|s| s.literal).map(at).collect();
        assert_eq!(literal, ["Zq9Ref01"]);
        let masked = masked_texts(&model, text);
        assert!(
            !masked.contains(&"$(DB_CRED)"),
            "a reference masked: {masked:?}"
        );
    }

    #[test]
    fn each_workload_of_a_file_has_an_equal_share_of_its_expansion_budget() {
        // Not one budget shared: workloads are resolved in parallel, and which expanded
        // first would decide what the other could still expand.
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: b}\n";
        let doc = crate::syntax::parse(crate::syntax::Format::Yaml, text);
        let share = super::expansion_share(&super::objects(&doc));
        assert_eq!(share, super::MAX_EXPANDED_PER_FILE / 2);
        let budget = super::ExpansionBudget(share.into());
        assert!(budget.take(10) && !budget.take(share));
        assert_eq!(budget.remaining(), share - 10);
    }

    #[test]
    fn a_variable_a_url_password_refers_to_is_masked() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          env:\n            - {name: DB_CRED, value: Zq9Url01}\n            - {name: CRED_2, value: Zq9Url02}\n            - {name: DB_HOST, value: shown-host}\n            - {name: DATABASE_URL, value: \"postgres://app:$(DB_CRED)@$(DB_HOST)/app\"}\n            - {name: JDBC_URL, value: \"jdbc:postgresql://db/app?password=$(CRED_2)\"}\n";
        let model = read(text);
        let masked = masked_texts(&model, text);
        for secret in ["Zq9Url01", "Zq9Url02"] {
            assert!(masked.contains(&secret), "{secret} not masked: {masked:?}");
        }
        assert!(!masked.contains(&"shown-host"), "{masked:?}");
    }
}
