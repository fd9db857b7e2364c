//! Spring Boot with HikariCP: `application*.yml|yaml|properties`.
//!
//! Files in one directory form one application. Keys are flattened to dotted paths and
//! normalised by Spring's relaxed binding (rules-catalogue.md §6: lower case, `-` and `_`
//! removed per element; not under `spring.jpa.properties.*` or map-valued properties).
//! Precedence follows Spring Boot 2.4+: profile-specific files over plain ones,
//! `.properties` over `.yml` in the same directory, later documents over earlier ones.
//! A placeholder takes the value of the property it names when the files set it for the
//! profile, else its default (`${VAR:default}`, marked with `via`); without either the
//! value is unknown. HikariCP times are milliseconds [HK-README].

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

mod imports;
mod profile_expr;

use super::connection_string::{parse_url, password_ranges};
use super::{file_name, Companion, ParsedFile, Reader};
use crate::model::hikari;
use crate::model::{
    ClassSettings, ConfigEntry, ConnectionInfo, Ecosystem, EntryKey, EnvVar, JpaFacts, Library,
    Location, Model, NamedSettings, Origin, Pool, PoolClassSettings, PoolsForProfiles,
    RefusalStage, RefusedValue, Secret, Service, Setting, SpringProfiles, Val,
};
use crate::source::{SourceMap, Span};
use crate::syntax::{Document, Format, NodeId, NodeKind, ScalarStyle};
use profile_expr::Expr;

pub struct Spring;

/// The prefix Spring Boot binds onto the auto-configured `HikariDataSource`.
const HIKARI_PREFIX: &str = "spring.datasource.hikari";
/// Spring Boot's default `server.tomcat.threads.max` [SB-TOMCAT].
const TOMCAT_DEFAULT_THREADS: i64 = 200;
/// Most tree nodes flattened per document through aliases: aliases can fan out ("billion
/// laughs"), and this bounds what they add. The file's own nodes are all read, once.
const MAX_FLATTEN_WORK: usize = 20_000;

impl Reader for Spring {
    fn ecosystem(&self) -> Ecosystem {
        Ecosystem::Spring
    }

    fn recognise(&self, path: &Path) -> Option<Format> {
        let name = file_name(path)?;
        let (stem, ext) = name.rsplit_once('.')?;
        if stem != "application" && !stem.starts_with("application-") {
            return None;
        }
        match ext {
            "yml" | "yaml" => Some(Format::Yaml),
            "properties" => Some(Format::Properties),
            _ => None,
        }
    }

    /// An application is one directory's files.
    fn unit<'p>(&self, path: &'p Path) -> Option<&'p Path> {
        path.parent()
    }

    /// The files `spring.config.import` names ([`imports`]) are read with the
    /// application that imports them.
    fn reads_companions(&self) -> bool {
        true
    }

    /// Each file's own imports: [`Reader::companions_nest`] asks the imported files in
    /// turn, so `read` is not needed.
    fn companions(
        &self,
        file: &ParsedFile,
        text: &str,
        _read: &[&ParsedFile],
        _sources: &crate::source::SourceMap,
    ) -> Vec<Companion> {
        imports::companions(file, text)
    }

    /// An imported file may import more.
    fn companions_nest(&self) -> bool {
        true
    }

    fn read(&self, files: &[&ParsedFile], sources: &SourceMap) -> Model {
        let found = imports::Found::new(files, sources);
        let mut apps: BTreeMap<PathBuf, Vec<&ParsedFile>> = BTreeMap::new();
        // Files read through imports belong to the application that imports them, and
        // so does a profile-specific file another file imports (Spring loads a file
        // once, as the import: [`imports`]).
        for file in files.iter().filter(|f| found.is_top_level(f)) {
            let dir = file
                .path
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default();
            apps.entry(dir).or_default().push(file);
        }
        // Applications are independent (the engine reads each on its own thread).
        let models: Vec<Model> = apps
            .into_iter()
            .map(|(dir, files)| read_app(&dir, &files, &found, sources))
            .collect();
        let mut model = Model::default();
        model.extend_all(models);
        model
    }
}

/// One flattened key/value as read, with what decides its precedence.
#[derive(Debug, Clone)]
struct Leaf {
    location_key: Location,
    /// The key as written and its canonical form, shared with the config entries made
    /// from them (built once from [`flatten`]'s buffers, not as strings of their own).
    raw_key: EntryKey,
    canonical: EntryKey,
    value: String,
    /// Where the value is: in the key's file, except for a deployment variable from a
    /// ConfigMap in another file (`envFrom`, `configMapKeyRef`).
    value_location: Location,
    style: ScalarStyle,
    /// Where the value's text is in the file (whole: escapes changed it; part by part:
    /// a Kubernetes `$(VAR)` expansion made it).
    text_start: crate::model::TextMap,
    /// The profile condition of its document or file (None: read in every profile).
    condition: Option<Arc<Condition>>,
    /// (tier, .properties over .yml, document index, order in file; within a document
    /// a key in its dashed form after every other form: see [`is_dashed_form`]). The
    /// tier is [`PLAIN_FILE`], [`PROFILE_FILE`], [`MOVED_VARIANT`] or [`ENVIRONMENT`]. A
    /// leaf of a file read through `spring.config.import` takes the first three of the
    /// top-level document the import chain starts at, and an order after that
    /// document's own leaves ([`imports`]).
    rank: (u8, bool, usize, usize),
    /// Whether its own file is `.properties` (its values are strings to Spring).
    own_properties: bool,
    /// Whether it is read through `spring.config.import`.
    imported: bool,
    /// The placeholder variable the value goes through, found once: every setting and
    /// entry made from this leaf needs it.
    via: Option<String>,
    /// Whether the key is written in the dashed form ([`is_dashed_form`]), found while
    /// the key is built (a file's documents rank their leaves by it).
    dashed: bool,
}

/// [`Leaf::rank`] tiers. An application's own plain files (`application.yml`).
const PLAIN_FILE: u8 = 0;
/// Its profile-specific files (`application-prod.yml`), above the plain ones.
const PROFILE_FILE: u8 = 1;
/// The profile-specific variants of the files a plain file's document imports
/// (`db-prod.properties` for `db.properties`): Spring Boot moves them above the
/// profile-specific files (`ConfigDataEnvironmentContributor.moveProfileSpecific`, gh-25766).
const MOVED_VARIANT: u8 = 2;
/// Deployment variables and `SPRING_APPLICATION_JSON`, above every file.
const ENVIRONMENT: u8 = 3;

/// The profile condition a document or file is read under.
#[derive(Debug)]
struct Condition {
    /// As written (list elements joined with commas): the profile of the entries read
    /// under it.
    label: Arc<str>,
    /// The profile of an `application-<profile>.*` file name: its place among the
    /// active profiles ranks the file (later active profiles win).
    file: Option<Arc<str>>,
    /// Whether the document's own condition names profiles (`on-profile`, legacy
    /// `spring.profiles`); false for a file's condition and for `on-cloud-platform`
    /// alone.
    on_profile: bool,
    /// Spring reads the document when any of these matches the active profiles
    /// (Spring Framework's `Profiles.of`); empty when Spring refuses the condition (Spring Boot then does
    /// not start, and the document is read in no profile).
    any_of: Vec<Expr>,
}

impl Condition {
    /// The condition of a document with its own condition `own` in the profile-specific
    /// file whose condition is `self`: Spring reads the file only with its profile
    /// accepted (`StandardConfigDataLocationResolver` resolves profile-specific files for
    /// the accepted profiles) and then each document only when its own condition holds
    /// too (`ConfigDataProperties.Activate.isActive`, checked for every document).
    fn and(&self, own: Condition) -> Condition {
        let file = self.file.clone().unwrap_or_else(|| self.label.clone());
        Condition {
            label: format!("{file} & ({})", own.label).into(),
            any_of: own
                .any_of
                .into_iter()
                .map(|expr| Expr::All(vec![Expr::Name(file.to_string()), expr]))
                .collect(),
            file: Some(file),
            on_profile: own.on_profile,
        }
    }

    /// The condition of a document with its own condition `own` in a file imported by
    /// a document read under `self`: Spring processes an import only while the
    /// document declaring it is active (`ConfigDataEnvironmentContributors`
    /// `isActiveWithUnprocessedImports`), and each imported document is then read when
    /// its own condition holds too.
    fn both(&self, own: Condition) -> Condition {
        let any_of = self
            .any_of
            .iter()
            .flat_map(|a| {
                own.any_of
                    .iter()
                    .map(move |b| Expr::All(vec![a.clone(), b.clone()]))
            })
            .collect();
        Condition {
            label: format!("{} & ({})", self.label, own.label).into(),
            any_of,
            file: self.file.clone(),
            on_profile: self.on_profile || own.on_profile,
        }
    }

    /// Whether Spring reads the document when `accepted` are the accepted profiles.
    fn matches(&self, accepted: &[String]) -> bool {
        self.any_of.iter().any(|e| e.matches(&accepts(accepted)))
    }
}

/// Whether a profile is among `accepted` (Spring Boot's `Profiles.isAccepted`).
fn accepts(accepted: &[String]) -> impl Fn(&str) -> bool + '_ {
    move |name: &str| accepted.iter().any(|a| a == name)
}

/// The profiles Spring Boot accepts when `active` are active: the `included` profiles
/// then those (Spring Boot's `ConfigDataEnvironment.withProfiles` passes
/// `spring.profiles.include` as additional profiles, which `Profiles` lists first), or
/// `default` when there are none, each followed by the members of its
/// `spring.profiles.group` (and theirs), as `Profiles.expandProfiles` does (Spring Boot's
/// `context.config.Profiles`).
fn accepted_profiles(
    active: &[String],
    included: &[String],
    groups: &BTreeMap<String, Vec<String>>,
    defaults: &[String],
) -> Vec<String> {
    let start: Vec<&String> = if active.is_empty() && included.is_empty() {
        defaults.iter().collect()
    } else {
        included.iter().chain(active).collect()
    };
    let mut stack: Vec<&str> = start.iter().rev().map(|s| s.as_str()).collect();
    let mut accepted: Vec<String> = Vec::new();
    while let Some(current) = stack.pop() {
        // Spring keeps a profile's first place; expanding it once also stops a cycle
        // of groups.
        if accepted.iter().any(|a| a == current) {
            continue;
        }
        accepted.push(current.to_owned());
        if let Some(members) = groups.get(current) {
            stack.extend(
                members
                    .iter()
                    .rev()
                    .map(String::as_str)
                    .filter(|m| *m != current),
            );
        }
    }
    accepted
}

/// The profile Spring accepts when no profile is active and `spring.profiles.default`
/// is not set (`AbstractEnvironment.RESERVED_DEFAULT_PROFILE_NAME`).
const DEFAULT_PROFILE: &str = "default";

/// `spring.profiles.default` as the documents read in every profile set it (Spring Boot
/// binds it with the active profiles, `Profiles.getDefaultProfiles`; the reference's
/// "Profiles" chapter: "The name of the default profile is `default` and it can be
/// tuned using the `spring.profiles.default` Environment property"): the profiles
/// accepted when none is active, else `default`.
fn default_profiles(app: &App) -> Vec<String> {
    const KEY: &str = "spring.profiles.default";
    // Most applications do not set it: no configuration to build for them.
    if !app.leaves.iter().any(|l| l.canonical.starts_with(KEY)) {
        return vec![DEFAULT_PROFILE.to_owned()];
    }
    profile_list(&Effective::unconditional(app), KEY)
        .and_then(|setting| setting.get().cloned())
        .filter(|profiles| !profiles.is_empty())
        .unwrap_or_else(|| vec![DEFAULT_PROFILE.to_owned()])
}

/// `spring.profiles.group.<name>` as the configuration read in every profile sets it
/// (Spring Boot refuses it in profile-specific documents and files): the profiles each
/// group activates with it, from the highest-ranked document that lists the group.
fn profile_groups(leaves: &[Leaf]) -> BTreeMap<String, Vec<String>> {
    /// (tier, .properties, document index): a leaf's rank without its place in the
    /// document.
    type Document = (u8, bool, usize);
    let mut groups: BTreeMap<String, (Document, Vec<String>)> = BTreeMap::new();
    let unconditional = leaves
        .iter()
        .filter(|l| l.condition.is_none() && !is_null(l));
    for leaf in unconditional {
        if !leaf.canonical.starts_with("spring.profiles.group.") {
            continue;
        }
        // The group's name as written: relaxed binding leaves map keys alone.
        let mut rest = key_parts(&leaf.raw_key).skip(3);
        let (Some(element), None) = (rest.next(), rest.next()) else {
            continue;
        };
        let (name, members): (&str, Vec<&str>) = match element.split_once('[') {
            Some((name, _)) => (name, vec![leaf.value.trim()]),
            None => (element, leaf.value.split(',').map(str::trim).collect()),
        };
        let members = members
            .into_iter()
            .filter(|m| !m.is_empty())
            .map(str::to_owned);
        let (profile_file, properties, doc, _) = leaf.rank;
        let document = (profile_file, properties, doc);
        let slot = groups
            .entry(name.to_owned())
            .or_insert_with(|| (document, Vec::new()));
        if document > slot.0 {
            *slot = (document, Vec::new());
        }
        if document == slot.0 {
            slot.1.extend(members);
        }
    }
    groups
        .into_iter()
        .map(|(name, (_, members))| (name, members))
        .collect()
}

/// The profile properties Spring Boot 2.4+ refuses where they are written, recorded in
/// `refused` (Spring Boot does not start; they select no profile here either):
/// `spring.profiles.include`, `.active` and `.default` in a profile-specific file
/// (`InvalidConfigDataPropertyException.PROFILE_SPECIFIC_ERRORS`), and those and
/// `spring.profiles.group` in an `on-profile` document (`ConfigDataEnvironment.withProfiles`
/// binds them with `FAIL_ON_BIND_TO_INACTIVE_SOURCE`, and those documents are not active
/// yet then: `InactiveConfigDataAccessException`). A group in a profile-specific file is
/// not refused: Spring reads that file after the profiles, so the group does nothing.
fn refuse_profile_properties(leaves: &[Leaf], refused: &mut Vec<RefusedValue>) {
    // Imported documents are left out: whether Spring refuses a profile property
    // there depends on when the import is loaded, which is not modelled.
    for leaf in leaves.iter().filter(|l| !l.imported) {
        let Some(condition) = leaf.condition.as_deref() else {
            continue;
        };
        let Some((property, fix)) = profile_property(&leaf.canonical) else {
            continue;
        };
        if is_null(leaf) || leaf.value.trim().is_empty() {
            continue;
        }
        let place = match condition.file {
            Some(_) if property == "spring.profiles.group" => continue,
            Some(_) => "a profile-specific file",
            None if condition.on_profile => "a document with a profile condition",
            None => continue,
        };
        refused.push(RefusedValue {
            location: leaf.value_location,
            reason: format!(
                "{}: Spring Boot 2.4+ refuses {property} in {place} and does not start",
                leaf.raw_key
            ),
            fix,
            warning: false,
            stage: RefusalStage::StartUp,
        });
    }
}

/// The profile property a canonical key sets (an element of it too), with the fix for
/// one written where Spring refuses it.
fn profile_property(canonical: &str) -> Option<(&'static str, &'static str)> {
    const PROPERTIES: [(&str, &str); 4] = [
        ("spring.profiles.include", "move spring.profiles.include to application.yml or application.properties outside any on-profile document, or use spring.profiles.group"),
        ("spring.profiles.active", "move spring.profiles.active to application.yml or application.properties outside any on-profile document, or set SPRING_PROFILES_ACTIVE in the deployment"),
        ("spring.profiles.default", "move spring.profiles.default to application.yml or application.properties outside any on-profile document"),
        ("spring.profiles.group", "move spring.profiles.group to application.yml or application.properties outside any on-profile document"),
    ];
    PROPERTIES.into_iter().find(|(property, _)| {
        canonical
            .strip_prefix(property)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('[') || rest.starts_with('.'))
    })
}

/// `spring.profiles.include` as Spring Boot 2.4+ reads it
/// (`ConfigDataEnvironment.getIncludedProfiles`): from every document read in every
/// profile, a list or a string split at commas, each profile once, in the order written,
/// its placeholders resolved as `spring.profiles.active`'s are (Spring binds both with a
/// placeholder-resolving binder, `ConfigDataEnvironmentContributorPlaceholdersResolver`,
/// against the documents read in every profile): `${EXTRA:eu}` includes `eu`. A
/// placeholder without a value or default includes nothing known. Spring refuses it
/// elsewhere ([`refuse_profile_properties`]).
fn included_profiles(app: &App) -> Vec<String> {
    let mut included: Vec<String> = Vec::new();
    let written = app.leaves.iter().filter(|l| {
        l.condition.is_none()
            && l.canonical
                .strip_prefix("spring.profiles.include")
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('['))
            && !is_null(l)
            && !l.value.trim().is_empty()
    });
    // Most applications include nothing: no configuration to build for them.
    let mut unconditional = None;
    for leaf in written {
        let effective = unconditional.get_or_insert_with(|| Effective::unconditional(app));
        let Val::Known(profiles) = leaf_profiles(leaf, effective) else {
            continue;
        };
        for profile in profiles.into_iter().filter(|p| !p.is_empty()) {
            if !included.contains(&profile) {
                included.push(profile);
            }
        }
    }
    included
}

/// Everything read from one application directory.
struct App {
    scope: Arc<str>,
    leaves: Vec<Leaf>,
    /// Profile conditions Spring refuses at start-up.
    refused: Vec<RefusedValue>,
    /// `spring.profiles.group`: group name → the profiles it activates.
    groups: BTreeMap<String, Vec<String>>,
    /// `spring.profiles.include`: profiles active in every run, before the active ones.
    included: Vec<String>,
    /// `spring.profiles.default`: the profiles accepted when none is active.
    defaults: Vec<String>,
    /// Canonical key prefix → where its key is first written (anchors for defaults).
    prefixes: foldhash::HashMap<String, Location>,
    /// The least order the next document's leaves may take: above every order given so
    /// far, so a file imported by a document ranks above all of its leaves.
    next_order: usize,
    /// What reading the imports found to say (an import cycle).
    notes: Vec<String>,
    /// The leaves in canonical key order ([`App::by_key`]), once asked for: the leaves
    /// are all read by then.
    by_key: std::sync::OnceLock<Vec<(usize, bool)>>,
}

impl App {
    /// The indices of the leaves in canonical key order (a key's leaves in the order
    /// read), each with whether it is the first of its key: sorted once per
    /// application, where each profile's [`Effective`] sorted the keys again (it showed
    /// in profiles). Asked for once every leaf is read.
    fn by_key(&self) -> &[(usize, bool)] {
        self.by_key.get_or_init(|| {
            let mut order: Vec<(&str, usize)> = self
                .leaves
                .iter()
                .enumerate()
                .map(|(i, leaf)| (leaf.canonical.as_str(), i))
                .collect();
            // By key, then in the order read.
            order.sort_unstable();
            let mut previous = None;
            order
                .into_iter()
                .map(|(key, i)| {
                    let first = previous != Some(key);
                    previous = Some(key);
                    (i, first)
                })
                .collect()
        })
    }

    /// An application named `scope` with nothing read yet: no profile but `default`.
    fn empty(scope: Arc<str>) -> Self {
        App {
            scope,
            leaves: Vec::new(),
            refused: Vec::new(),
            groups: BTreeMap::new(),
            included: Vec::new(),
            defaults: vec![DEFAULT_PROFILE.to_owned()],
            prefixes: foldhash::HashMap::default(),
            next_order: 0,
            notes: Vec::new(),
            by_key: std::sync::OnceLock::new(),
        }
    }
}

fn read_app(
    dir: &Path,
    files: &[&ParsedFile],
    found: &imports::Found,
    sources: &SourceMap,
) -> Model {
    let mut app = App::empty(crate::source::unit_name(dir).into());
    // Room for the prefixes an application's files hold (a few dozen): the map does not
    // grow while they are read. Each file reserves its leaves as it is read.
    app.prefixes.reserve(64);
    let mut chain = imports::Chain::new(files);
    for file in files {
        read_file(file, None, &mut chain, found, sources, &mut app);
    }
    app.groups = profile_groups(&app.leaves);
    refuse_profile_properties(&app.leaves, &mut app.refused);
    app.included = included_profiles(&app);
    app.defaults = default_profiles(&app);
    let mut model = Model::default();
    // The default profile's configuration makes the default pools and the service.
    let default = Effective::for_profile(&app, &[], None);
    let default_pools = pools_of(&app, &default);
    model
        .pools
        .extend(default_pools.iter().cloned().map(Box::new));
    let password_keys = placeholder_password_keys(&app.leaves);
    let mut read = BTreeSet::new();
    referenced_passwords(&default, &password_keys, &mut read);
    for active in profile_sets(&app, &default) {
        // A combination is named as SPRING_PROFILES_ACTIVE would list it.
        let label = active.join(",");
        let effective = Effective::for_profile(&app, &active, Some(&label));
        referenced_passwords(&effective, &password_keys, &mut read);
        let pools = pools_of(&app, &effective);
        // A profile whose pools are the default's adds nothing (`!local` documents
        // change the default too; `local` then differs by leaving them out).
        let same = pools.len() == default_pools.len()
            && pools.iter().zip(&default_pools).all(|(p, d)| {
                let unprofiled = Pool {
                    profile: None,
                    ..p.clone()
                };
                unprofiled == *d
            });
        if !same {
            model.pools.extend(pools.into_iter().map(Box::new));
        }
    }
    let referenced = referenced_secrets(&app.leaves, &read);
    let mut service = service_of(&app, &default, (0..model.pools.len()).collect());
    service.pools_for_profiles = pools_for_profiles(&app);
    service.spring_profiles = spring_profiles(&app).map(Box::new);
    model.services.push(service);
    model.refused_values = std::mem::take(&mut app.refused);
    model.notes = import_notes(&app.leaves, sources);
    model.notes.append(&mut app.notes);
    model.secrets.extend(referenced);
    entries_and_secrets(app, &mut model);
    model
}

/// A note for each location `spring.config.import` names that poollint does not
/// follow ([`imports::resolve`] says why): Spring Boot 2.4+ loads it as more
/// configuration whose values override the importing document's (the reference's
/// "Importing Additional Data"), so the pool settings it may hold are not checked. A
/// location is shown when it is a path (`file:`, `classpath:` or none); of any other
/// (`configserver:http://…`, which may carry a password) only its kind.
fn import_notes(leaves: &[Leaf], sources: &SourceMap) -> Vec<String> {
    let imports = leaves.iter().filter(|l| imports::is_import(l));
    let mut notes = Vec::new();
    for leaf in imports {
        let Some(file) = sources.get(leaf.value_location.file) else {
            continue;
        };
        let line = file.lines().line_of(leaf.value_location.span.start) + 1;
        let place = format!("{}:{line}", file.display);
        for (_, location) in imports::locations(&leaf.value) {
            if let imports::Target::Skip(reason) = imports::resolve(location, &file.path) {
                notes.push(format!(
                    "{place}: spring.config.import `{}` not followed: {reason}, so the settings it imports (which override the importing document's) are not checked",
                    shown_location(location)
                ));
            }
        }
    }
    notes
}

/// A `spring.config.import` location as a note may show it: whole when it names a file
/// (`optional:file:./db.yml`, `classpath:db.yml`, `db.yml`), else its kind only
/// (`optional:configserver:`), as a URL may carry credentials.
fn shown_location(location: &str) -> Cow<'_, str> {
    let (optional, rest) = match location.strip_prefix("optional:") {
        Some(rest) => ("optional:", rest),
        None => ("", location),
    };
    let kind = rest
        .split_once(':')
        .map(|(kind, _)| kind)
        .filter(|kind| !kind.contains(['/', '\\', '$', '{']));
    match kind {
        Some(kind) if kind != "file" && kind != "classpath" => format!("{optional}{kind}:…").into(),
        _ if location.contains('@') => format!("{optional}…").into(),
        _ => shortened(location),
    }
}

/// The canonical keys of the properties whose password goes through a placeholder: a
/// password key's value (`spring.datasource.password: ${vault.db.secret}`), or the
/// password of a URL or connection string (`jdbc:postgresql://app:${app.db.pw}@db/app`,
/// `?password=${db.secret}`): the only leaves whose placeholders
/// [`referenced_passwords`] follows, found once per application.
fn placeholder_password_keys(leaves: &[Leaf]) -> Vec<&str> {
    let mut keys: Vec<&str> = leaves
        .iter()
        .filter(|l| l.via.is_some() && password_texts(l).iter().any(|t| t.contains("${")))
        .map(|l| l.canonical.as_str())
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// The passwords a value holds, as [`secrets_in`] finds them: the whole value of a
/// password key, else the passwords of the URL or connection string it holds (as the
/// Kubernetes reader follows `postgres://app:$(DB_CRED)@db/app`).
fn password_texts(leaf: &Leaf) -> Vec<&str> {
    if is_password_key(last_name(&leaf.canonical)) {
        return vec![leaf.value.as_str()];
    }
    password_ranges(&leaf.value)
        .into_iter()
        .filter_map(|range| leaf.value.get(range))
        .collect()
}

/// The properties the passwords of the properties `keys` resolve to in `effective` (one
/// profile), through placeholder chains and defaults as [`resolve_in`] follows them,
/// added to `referenced` (canonical keys): their values are the passwords Spring uses. A
/// password Spring cannot resolve (a cycle, a placeholder without a value or default)
/// gives the properties read up to there: the application does not start.
fn referenced_passwords(effective: &Effective, keys: &[&str], referenced: &mut BTreeSet<String>) {
    let mut read = Vec::new();
    for key in keys {
        if let Some(leaf) = effective.get(key) {
            for text in password_texts(leaf) {
                let _ = resolve_in(effective, text, &mut Vec::new(), &mut None, &mut read);
            }
        }
    }
    referenced.extend(read.iter().map(|leaf| leaf.canonical.as_str().to_owned()));
}

/// The secrets of the properties a password refers to ([`referenced_passwords`]), in
/// every setting of each: masked and scrubbed from messages (a message quoting the
/// resolved password shows `****`), not reported by the credentials rule, which reports
/// the password property's own literal value. A setting that loses to another (the
/// `.yml` one beside a `.properties` one, another profile's) is the same password
/// written again: `duplicate-key-across-forms` points at both.
fn referenced_secrets(leaves: &[Leaf], referenced: &BTreeSet<String>) -> Vec<Secret> {
    if referenced.is_empty() {
        return Vec::new();
    }
    leaves
        .iter()
        .filter(|l| referenced.contains(l.canonical.as_str()))
        .filter_map(referenced_value)
        .collect()
}

/// The secret of a property a password's placeholder names: its value, except that a
/// value that is one placeholder is a reference, left as written (the property it
/// names is masked in turn) but for its literal default.
fn referenced_value(leaf: &Leaf) -> Option<Secret> {
    if is_null(leaf) || leaf.value.is_empty() {
        return None;
    }
    let one_placeholder = leaf.value.starts_with("${")
        && super::nested_braces_len(&leaf.value) == Some(leaf.value.len());
    let span = if one_placeholder {
        let default = resolve_placeholders(&leaf.value).whole_default;
        sub_span(leaf, default.filter(|d| !d.is_empty())?)
    } else {
        leaf.value_location.span
    };
    Some(Secret {
        location: Location {
            file: leaf.value_location.file,
            span,
        },
        kind: "referenced password",
        key: leaf.raw_key.to_string(),
        literal: false,
        scrub_messages: true,
    })
}

/// Turn the leaves into config entries (and the secrets they hold), last: the pools
/// are read from the leaves first, so the entries can take the leaves' strings
/// instead of copying them.
fn entries_and_secrets(app: App, model: &mut Model) {
    model.secrets.extend(app.leaves.iter().flat_map(secrets_in));
    model
        .entries
        .append_chunk(entries_of(app.leaves, &app.scope));
}

/// Leaves from which an application's entries are made in the leaves' own block
/// (`collect` reuses a vector's block for a smaller item of the same alignment: an
/// entry is 168 bytes, a leaf about 190), so a large application's leaves and entries
/// are not both held whole. Below it, the room the block has beyond the entries costs
/// more than a block of their size: the thousands of small applications a compose file
/// or a Kubernetes manifest sets in its services' variables held 9-10 % more memory.
/// Heuristic.
const ENTRIES_IN_LEAVES_BLOCK: usize = 4096;

/// The leaves' entries: in the leaves' block for many leaves, in a block of their
/// size for few.
fn entries_of(leaves: Vec<Leaf>, scope: &Arc<str>) -> Vec<ConfigEntry> {
    let entry = |leaf| entry_of(leaf, scope);
    if leaves.len() >= ENTRIES_IN_LEAVES_BLOCK {
        return leaves.into_iter().map(entry).collect();
    }
    let mut entries = Vec::with_capacity(leaves.len());
    entries.extend(leaves.into_iter().map(entry));
    entries
}

fn entry_of(leaf: Leaf, scope: &Arc<str>) -> ConfigEntry {
    // An entry lives in one file: a value from a ConfigMap in another file is pointed
    // at through the reference to it (the pools' settings point at it).
    let value_span = if leaf.value_location.file == leaf.location_key.file {
        leaf.value_location.span
    } else {
        leaf.location_key.span
    };
    ConfigEntry {
        ecosystem: Ecosystem::Spring,
        file: leaf.location_key.file,
        key: leaf.raw_key,
        canonical: leaf.canonical,
        key_span: leaf.location_key.span,
        value: Some(leaf.value),
        value_span,
        profile: leaf.condition.map(|c| c.label.clone()),
        via: leaf.via.map(Into::into),
        scope: scope.clone(),
        precedence: precedence(leaf.rank),
        reading: None,
    }
}

/// Encode a leaf's rank as one number (tier, then .properties, then document, then
/// position).
fn precedence(rank: (u8, bool, usize, usize)) -> u64 {
    let (tier, properties, doc, order) = rank;
    let clamp = |v: usize, bits: u32| (v as u64).min((1 << bits) - 1);
    (u64::from(tier.min(3)) << 61)
        | (u64::from(properties) << 60)
        | (clamp(doc, 20) << 40)
        | clamp(order, 40)
}

/// The profile a file name selects (`application-prod.yml` → `prod`).
fn file_profile(path: &Path) -> Option<String> {
    let name = file_name(path)?;
    let stem = name.rsplit_once('.')?.0;
    stem.strip_prefix("application-").map(str::to_owned)
}

/// Read `file`'s documents into `app`: a top-level file (`by` None), or a file a
/// document imports (`by`). Each document's imports are read right after it, so their
/// leaves rank above its own and below the next document's ([`imports`]).
fn read_file(
    file: &ParsedFile,
    by: Option<&imports::ImportedBy>,
    chain: &mut imports::Chain,
    found: &imports::Found,
    sources: &SourceMap,
    app: &mut App,
) {
    // An imported file is no profile-specific file, whatever its name: Spring reads
    // it as the import says (`ConfigDataResolutionResult.isProfileSpecific` is false).
    let from_name = file_profile(&file.path)
        .filter(|_| by.is_none())
        .map(|name| {
            let name: Arc<str> = name.into();
            Arc::new(Condition {
                any_of: vec![Expr::Name(name.to_string())],
                label: name.clone(),
                file: Some(name),
                on_profile: false,
            })
        });
    let is_properties = file.format == Format::Properties;
    let source: &str = sources.get(file.id).map_or("", |f| f.text());
    if by.is_none() {
        chain.start(file);
    }
    // Room for the file's leaves at once: grown by doubling, the leaves of a large file
    // were copied at every step and kept up to twice their room (a 10 MB
    // `application.properties` peaked at 373 MB, and at 308 MB with the room reserved).
    app.leaves.reserve(scalar_values(&file.doc));
    for (doc_index, root) in file.doc.roots.iter().enumerate() {
        let first = app.leaves.len();
        flatten_into(
            &file.doc,
            *root,
            file.id,
            source,
            &mut app.prefixes,
            &mut app.leaves,
        );
        let own = activation_condition(
            app.leaves.get(first..).unwrap_or_default(),
            &mut app.refused,
        );
        let (condition, top) = match by {
            Some(by) => (by.condition_with(own), by.top),
            None => {
                let condition = match (&from_name, own) {
                    (Some(file), Some(own)) => Some(Arc::new(file.and(own))),
                    (Some(file), None) => Some(file.clone()),
                    (None, own) => own.map(Arc::new),
                };
                let tier = if from_name.is_some() {
                    PROFILE_FILE
                } else {
                    PLAIN_FILE
                };
                (condition, (tier, is_properties, doc_index))
            }
        };
        let base = first.max(app.next_order);
        let count = app.leaves.len() - first;
        for (order, leaf) in app.leaves.iter_mut().skip(first).enumerate() {
            leaf.condition = condition.clone();
            let form = if leaf.dashed { count } else { 0 };
            leaf.rank = (top.0, top.1, top.2, base + form + order);
            leaf.own_properties = is_properties;
            leaf.imported = by.is_some();
        }
        app.next_order = base + 2 * count;
        let declared = imports::declared(app.leaves.get(first..).unwrap_or_default(), &file.path);
        let importer = imports::ImportedBy::new(condition, top, by);
        // Variants of what a plain top-level document imports move above the
        // profile-specific files; others stay right above their plain file.
        let moved = by.is_none() && top.0 == PLAIN_FILE;
        for import in declared {
            if let Some(imported) = chain.enter(&import, &importer, found, sources, app) {
                read_file(imported, Some(&importer), chain, found, sources, app);
                chain.leave();
            }
            for (profile, variant) in found.variants_of(&import) {
                let by = importer.variant(&profile, moved);
                if let Some(file) = chain.enter(&variant, &by, found, sources, app) {
                    read_file(file, Some(&by), chain, found, sources, app);
                    chain.leave();
                }
            }
        }
    }
}

/// Whether a key is written in the form Spring's binder asks for, the dashed form of the
/// property (`maximum-pool-size`, not `maximumPoolSize` or `maximum_pool_size`): Spring
/// looks that exact name up first in each property source (one per document), and the
/// relaxed forms only when it is not there
/// (`SpringIterableConfigurationPropertySource.getConfigurationProperty` tries
/// `DefaultPropertyMapper`'s `name.toString()` before `getMappings().getMapped(name)`),
/// so within one document it wins wherever it is written. A HikariCP property's dashed
/// name is known; any other element counts when it is lower case letters, digits and `-`.
fn is_dashed_form(raw_key: &str) -> bool {
    let mut elements = key_parts(raw_key).peekable();
    while let Some(element) = elements.next() {
        let name = element
            .bytes()
            .position(|b| b == b'[')
            .and_then(|at| element.get(..at))
            .unwrap_or(element);
        let lower = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-';
        if !name.bytes().all(lower) {
            return false;
        }
        if elements.peek().is_none() {
            if let Some(property) = dashed_property(name) {
                return name == property;
            }
        }
    }
    true
}

/// The HikariCP property a name of lower case letters, digits and `-` binds to (its
/// canonical form is the name without `-`), found without building that form: this
/// is asked for every key of every file.
fn dashed_property(name: &str) -> Option<&'static str> {
    // Longer than any property's canonical form (the longest has 26 bytes).
    let mut canonical = [0u8; 32];
    let mut len = 0;
    for b in name.bytes().filter(|b| *b != b'-') {
        *canonical.get_mut(len)? = b;
        len += 1;
    }
    hikari::property_for_bytes(canonical.get(..len)?)
}

/// Whether a canonical key is a document's profile condition:
/// `spring.config.activate.on-profile` (Boot 2.4+) or legacy `spring.profiles`, or an
/// element of a list of them.
fn is_condition(canonical: &str) -> bool {
    ["spring.config.activate.onprofile", "spring.profiles"]
        .iter()
        .any(|key| {
            canonical
                .strip_prefix(key)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('['))
        })
}

/// The document's profile condition, parsed: Spring Boot binds it to a `String[]` (a
/// YAML list element is one expression; a string is split at commas) and reads the
/// document when any expression matches (`ConfigDataProperties.Activate`). An expression Spring refuses
/// is recorded in `refused`, and the document is then read in no profile.
fn activation_condition(leaves: &[Leaf], refused: &mut Vec<RefusedValue>) -> Option<Condition> {
    let mut written = Vec::new();
    let mut any_of = Vec::new();
    let mut valid = true;
    for leaf in leaves.iter().filter(|l| is_condition(&l.canonical)) {
        let value = leaf.value.trim();
        if value.is_empty() || is_null(leaf) {
            continue;
        }
        written.push(value);
        if !leaf.canonical.starts_with("spring.config.") {
            refused.push(legacy_condition(leaf));
        }
        let list_element = leaf.canonical.ends_with(']');
        let elements: Vec<&str> = if list_element {
            vec![value]
        } else {
            value.split(',').collect()
        };
        for element in elements {
            match profile_expr::parse(element) {
                Ok(expr) => any_of.push(expr),
                Err(refusal) => {
                    valid = false;
                    let (judged, stage) = if refusal.beyond_our_limit {
                        (
                            "is a profile expression poollint does not read",
                            RefusalStage::NotRead,
                        )
                    } else {
                        (
                            "is not a profile expression Spring accepts",
                            RefusalStage::StartUp,
                        )
                    };
                    refused.push(RefusedValue {
                        location: leaf.value_location,
                        reason: format!(
                            "{}: `{}` {judged}: {}",
                            leaf.raw_key,
                            shortened(element.trim()),
                            refusal.reason
                        ),
                        fix: refusal.fix,
                        warning: false,
                        stage,
                    });
                }
            }
        }
    }
    if !valid {
        any_of.clear();
    }
    let profiles = (!written.is_empty()).then(|| Condition {
        label: written.join(",").into(),
        file: None,
        on_profile: true,
        any_of,
    });
    with_cloud_platform(profiles, leaves)
}

/// The legacy `spring.profiles` document condition, which Spring Boot 2.4 to 2.7 still
/// read (with a deprecation warning) and Spring Boot 3 refuses at start-up
/// (`InvalidConfigDataPropertyException`: "Property 'spring.profiles' ... is invalid and
/// should be replaced with 'spring.config.activate.on-profile'"): a warning, as poollint
/// does not know the version. The document is read under it, as 2.x reads it.
fn legacy_condition(leaf: &Leaf) -> RefusedValue {
    RefusedValue {
        location: leaf.value_location,
        reason: format!(
            "{}: the legacy profile condition; Spring Boot 3 refuses it and does not start (Spring Boot 2.4 to 2.7 read it with a deprecation warning)",
            leaf.raw_key
        ),
        fix: "write spring.config.activate.on-profile instead of spring.profiles",
        warning: true,
        stage: RefusalStage::StartUp,
    }
}

/// The document's condition with its `spring.config.activate.on-cloud-platform`: Spring
/// Boot reads the document only on that platform, as it detects it, and when its
/// profile condition holds too (`ConfigDataProperties.Activate.isActive`). Which
/// platform runs the application is not read, so the platform is a condition that may
/// or may not hold, read like a profile named `on-cloud-platform=<platform>`: its pool
/// is counted when no active profile is known, as the largest profile's is.
fn with_cloud_platform(profiles: Option<Condition>, leaves: &[Leaf]) -> Option<Condition> {
    let platform = leaves
        .iter()
        .find(|l| l.canonical == "spring.config.activate.oncloudplatform" && !is_null(l))
        .map(|l| format!("on-cloud-platform={}", l.value.trim().to_ascii_lowercase()));
    let Some(platform) = platform else {
        return profiles;
    };
    let on_platform = Expr::Name(platform.clone());
    Some(match profiles {
        None => Condition {
            any_of: vec![on_platform],
            label: platform.into(),
            file: None,
            on_profile: false,
        },
        Some(profiles) => Condition {
            label: format!("{} & {platform}", profiles.label).into(),
            any_of: profiles
                .any_of
                .into_iter()
                .map(|expr| Expr::All(vec![expr, on_platform.clone()]))
                .collect(),
            file: None,
            on_profile: true,
        },
    })
}

/// Most combinations of several profiles read for one application (each is a pool to
/// read and check).
const MAX_COMBINATIONS: usize = 16;

/// The sets of active profiles whose configuration is read besides the default's: each
/// profile some condition or file name mentions and each `spring.profiles.group`,
/// alone; then the combinations an `&`
/// needs (`prod & eu` is read with `prod` and `eu` active), and the list
/// `spring.profiles.active` sets in the default configuration, first, in its order.
fn profile_sets(app: &App, default: &Effective) -> Vec<Vec<String>> {
    let conditions = conditions(app);
    let names = mentioned_names(app, &conditions);
    let mut combined: Vec<Vec<String>> = Vec::new();
    if let Some(listed) = active_profiles(default).and_then(|s| s.get().cloned()) {
        if listed.len() > 1 {
            combined.push(listed);
        }
    }
    for expr in conditions.iter().flat_map(|c| &c.any_of) {
        for set in expr.needed_sets() {
            let same_members =
                |s: &Vec<String>| s.len() == set.len() && s.iter().all(|n| set.contains(n));
            if set.len() > 1
                && combined.len() < MAX_COMBINATIONS
                && expr.matches(&accepts(&accepted_profiles(
                    &set,
                    &app.included,
                    &app.groups,
                    &app.defaults,
                )))
                && !combined.iter().any(same_members)
            {
                combined.push(set);
            }
        }
    }
    // Each profile read alone is a configuration to build: a generated condition naming
    // thousands of profiles reads the first MAX_PROFILES_READ (in name order).
    let mut sets: Vec<Vec<String>> = names
        .into_iter()
        .take(MAX_PROFILES_READ)
        .map(|n| vec![n.to_owned()])
        .collect();
    sets.extend(combined);
    sets
}

/// The profile conditions of the application's documents and files, each document's
/// once.
fn conditions(app: &App) -> Vec<&Condition> {
    let mut conditions: Vec<&Condition> = Vec::new();
    for condition in app.leaves.iter().filter_map(|l| l.condition.as_deref()) {
        // The leaves of one document share their condition: compare the last one only.
        if !conditions
            .last()
            .is_some_and(|c| std::ptr::eq(*c, condition))
        {
            conditions.push(condition);
        }
    }
    conditions
}

/// Every profile a condition or a profile-specific file name mentions, and each
/// `spring.profiles.group` (a group's name activates its members:
/// `SPRING_PROFILES_ACTIVE=production` reads the documents of the profiles `production`
/// groups), but `default`: no other profile changes which documents are read.
fn mentioned_names<'a>(app: &'a App, conditions: &[&'a Condition]) -> BTreeSet<&'a str> {
    let mut names: BTreeSet<&str> = BTreeSet::new();
    for expr in conditions.iter().flat_map(|c| &c.any_of) {
        let mut mentioned = Vec::new();
        expr.names(&mut mentioned);
        names.extend(mentioned);
    }
    names.extend(app.groups.keys().map(String::as_str));
    names.remove("default");
    names
}

/// Most profiles of a deployment's active list that the files mention, read together
/// (each is compared with every document's condition).
const MAX_ACTIVE_READ: usize = 64;

/// The pools of a list of active profiles a deployment sets (`SPRING_PROFILES_ACTIVE`),
/// which the files do not know: every document and profile-specific file the whole list
/// activates, merged as Spring merges them (a `!prod` document and an `eu` document
/// with `eu,prod` active make one pool that neither profile alone reads). None when the
/// files mention fewer than two profiles: the pools of each profile read alone then
/// cover every list.
fn pools_for_profiles(app: &App) -> Option<PoolsForProfiles> {
    let names: BTreeSet<String> = mentioned_names(app, &conditions(app))
        .into_iter()
        .map(str::to_owned)
        .collect();
    if names.len() < 2 {
        return None;
    }
    let app = pool_app(app);
    Some(PoolsForProfiles::new(Arc::new(
        move |active: &[String]| {
            // Profiles no condition, file or group mentions change nothing that is read.
            let mut read: Vec<String> = Vec::new();
            for profile in active.iter().filter(|p| names.contains(p.as_str())) {
                if !read.contains(profile) {
                    read.push(profile.clone());
                }
                if read.len() > MAX_ACTIVE_READ {
                    return None;
                }
            }
            // With one mentioned profile active, its pool read alone is the list's.
            if read.len() < 2 {
                return None;
            }
            let label = active.join(",");
            let effective = Effective::for_profile(&app, &read, Some(&label));
            Some(pools_of(&app, &effective))
        },
    )))
}

/// What the application's files leave to a deployment's variables in choosing its
/// profiles: whether `spring.profiles.include` names any (the default profiles then
/// never apply), and `spring.profiles.active` resolved with the variables when a
/// placeholder is in it. None when neither.
fn spring_profiles(app: &App) -> Option<SpringProfiles> {
    let includes = !app.included.is_empty();
    let active_with = active_with_environment(app);
    (includes || active_with.is_some()).then_some(SpringProfiles {
        includes,
        active_with,
    })
}

/// `spring.profiles.active` as the documents read in every profile set it, resolved with
/// a deployment's variables: Spring resolves its placeholders against the whole
/// environment (`ConfigDataEnvironment.withProfiles` binds it with
/// `ConfigDataEnvironmentContributorPlaceholdersResolver`, which reads the system
/// environment's contributor too), so `${A:x},eu` with `A=y` is `y,eu`. None when no
/// placeholder is written in it. What it builds answers None when the deployment sets
/// no variable a placeholder names (the files' list stands).
fn active_with_environment(app: &App) -> Option<Arc<crate::model::ActiveWithEnvironment>> {
    const KEY: &str = "spring.profiles.active";
    let is_active = |l: &Leaf| {
        l.condition.is_none()
            && l.canonical
                .strip_prefix(KEY)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('['))
    };
    if !app.leaves.iter().any(|l| is_active(l) && l.via.is_some()) {
        return None;
    }
    // The active list's leaves and the properties its placeholders name, through
    // chains: what resolving it reads (the rest of the configuration is not copied),
    // and the names a deployment's variable may set.
    let unconditional: Vec<&Leaf> = app
        .leaves
        .iter()
        .filter(|l| l.condition.is_none())
        .collect();
    let mut names: BTreeSet<String> = BTreeSet::new();
    let (mut read, mut rest): (Vec<&Leaf>, Vec<&Leaf>) =
        unconditional.into_iter().partition(|l| is_active(l));
    let mut level = read.len();
    // One level of the chains per pass, as deep as a value's placeholders are followed.
    for _ in 0..=MAX_PLACEHOLDER_DEPTH {
        for leaf in read
            .get(read.len().saturating_sub(level)..)
            .unwrap_or_default()
        {
            placeholder_names(&leaf.value, &mut names);
        }
        let named =
            |l: &&Leaf| names.contains(l.raw_key.as_str()) || names.contains(l.canonical.as_str());
        let (more, others): (Vec<&Leaf>, Vec<&Leaf>) = rest.into_iter().partition(named);
        rest = others;
        level = more.len();
        if level == 0 {
            break;
        }
        read.extend(more);
    }
    let leaves: Vec<Leaf> = read.into_iter().cloned().collect();
    let app = App {
        leaves,
        ..App::empty(app.scope.clone())
    };
    Some(Arc::new(move |environment: &[EnvVar]| {
        if !names
            .iter()
            .any(|n| EnvVar::last_named(environment, n).is_some())
        {
            return None;
        }
        let effective = Effective {
            environment,
            ..Effective::unconditional(&app)
        };
        Some(profile_list(&effective, KEY).map_or(Val::Known(Vec::new()), |s| s.value))
    }))
}

/// A copy of what building pools reads from `app`: the `spring.datasource` keys, those
/// of the Hikari pools bound elsewhere, every property a placeholder names (a pool's
/// value may go through any), and where those pools are first written. The rest of the
/// configuration (most of it) is not copied.
fn pool_app(app: &App) -> App {
    let mut pool_prefixes: BTreeSet<&str> = BTreeSet::from(["spring.datasource", HIKARI_PREFIX]);
    let mut placeholders: BTreeSet<String> = BTreeSet::new();
    for leaf in &app.leaves {
        if let Some(parent) = distinctive_parent(&leaf.canonical) {
            if !NOT_HIKARI.iter().any(|n| parent.starts_with(n)) {
                pool_prefixes.insert(parent);
            }
        }
        placeholder_names(&leaf.value, &mut placeholders);
    }
    let under_pool = |canonical: &str| {
        let mut ends = canonical.match_indices('.').map(|(at, _)| at);
        ends.any(|at| pool_prefixes.contains(canonical.get(..at).unwrap_or("")))
            || pool_prefixes.contains(canonical)
    };
    let leaves = app
        .leaves
        .iter()
        .filter(|l| {
            under_pool(&l.canonical)
                || placeholders.contains(l.raw_key.as_str())
                || placeholders.contains(l.canonical.as_str())
        })
        .cloned()
        .collect();
    let prefixes = pool_prefixes
        .iter()
        .filter_map(|p| Some(((*p).to_owned(), *app.prefixes.get(*p)?)))
        .collect();
    App {
        scope: app.scope.clone(),
        leaves,
        refused: Vec::new(),
        groups: app.groups.clone(),
        included: app.included.clone(),
        defaults: app.defaults.clone(),
        prefixes,
        next_order: 0,
        notes: Vec::new(),
        by_key: std::sync::OnceLock::new(),
    }
}

/// The property names of every placeholder in `text` (`${a.b:${C}}` → `a.b`, `C`), as
/// written and in canonical form ([`Effective::property`] looks a name up by either).
fn placeholder_names(text: &str, out: &mut BTreeSet<String>) {
    if !text.contains("${") {
        return;
    }
    for (at, _) in text.match_indices("${") {
        // Each `${`, nested ones too, read as the resolver names its property.
        let Some(name) = text.get(at..).and_then(placeholder_via) else {
            continue;
        };
        let parts: Vec<&str> = key_parts(&name).collect();
        out.insert(canonical_key(&parts));
        out.insert(name);
    }
}

/// Most profiles of one application read alone (each is a configuration to build and a
/// pool to check); real applications have a handful.
const MAX_PROFILES_READ: usize = 64;

/// `text` cut to 80 characters for a message (an expression may be kilobytes long).
fn shortened(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(80) {
        Some((end, _)) => format!("{}…", text.get(..end).unwrap_or(text)).into(),
        None => text.into(),
    }
}

/// The elements of a key as written: `a.b[0].c` → `a`, `b[0]`, `c`. Brackets protect
/// dots (`"[x.y]"` map keys). Slices of the key (every element is a run of it between
/// dots outside brackets, so none needs its own string); empty elements are skipped.
fn key_parts(key: &str) -> KeyParts<'_> {
    KeyParts { rest: Some(key) }
}

struct KeyParts<'k> {
    /// What is left of the key (None once the last element is out).
    rest: Option<&'k str>,
}

impl<'k> Iterator for KeyParts<'k> {
    type Item = &'k str;

    fn next(&mut self) -> Option<&'k str> {
        loop {
            let rest = self.rest?;
            // An element ends at a dot outside brackets, so each starts at depth 0. The
            // three are ASCII, which no byte of another UTF-8 character equals: bytes
            // are read, not decoded characters.
            let mut depth = 0usize;
            let dot = rest.bytes().enumerate().find_map(|(i, b)| {
                match b {
                    b'[' => depth += 1,
                    b']' => depth = depth.saturating_sub(1),
                    b'.' if depth == 0 => return Some(i),
                    _ => {}
                }
                None
            });
            let part = match dot {
                Some(i) => {
                    self.rest = rest.get(i + 1..);
                    rest.get(..i).unwrap_or("")
                }
                None => {
                    self.rest = None;
                    rest
                }
            };
            if !part.is_empty() {
                return Some(part);
            }
        }
    }
}

/// Canonical form of a whole key path: relaxed binding per element, except inside
/// `spring.jpa.properties.*` (passed to Hibernate verbatim [SB-HOWTO]) and map-valued
/// Hikari properties (driver property names are case-sensitive).
pub fn canonical_key<S: AsRef<str>>(parts: &[S]) -> String {
    let mut text = String::new();
    let mut verbatim = false;
    for part in parts {
        push_canonical_element(&mut text, 0, &mut verbatim, part.as_ref(), false);
    }
    text
}

/// Append the element `part` to the canonical key that starts at byte `start` of `text`
/// (a key of its own, or the last of several in [`flatten`]'s buffer); `verbatim` says
/// whether the key is inside a verbatim subtree already, and is updated for the key
/// with `part`. `as_written`: `part` is known to be canonical as written ([`classes`]).
fn push_canonical_element(
    text: &mut String,
    start: usize,
    verbatim: &mut bool,
    part: &str,
    as_written: bool,
) {
    // Canonical forms of the map-valued Hikari properties, computed once.
    static MAP_PROPERTIES: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| {
        hikari::MAP_PROPERTIES
            .iter()
            .map(|m| hikari::canonical(m))
            .collect()
    });
    if text.len() > start {
        text.push('.');
    }
    if *verbatim {
        text.push_str(part);
        return;
    }
    let element_start = text.len();
    if as_written {
        text.push_str(part);
    } else {
        hikari::push_canonical(text, part);
    }
    let parent = text.get(start..element_start).unwrap_or("");
    let canonical = text.get(element_start..).unwrap_or("");
    *verbatim = (parent == "spring.jpa." && canonical == "properties")
        || MAP_PROPERTIES.iter().any(|m| m == canonical);
}

/// [`classes`] of a byte that relaxed binding changes (`-`, `_`, upper case, and any
/// byte of a character beyond ASCII, which is lower-cased as a character).
const NOT_CANONICAL: u8 = 1;
/// [`classes`] of a byte [`is_dashed_form`] refuses: any but lower case letters, digits
/// and `-`.
const NOT_LOWER: u8 = 2;
/// [`classes`] of `[` and `]`.
const BRACKET: u8 = 4;

/// What the bytes of a key element are, as the union of their classes: one pass over
/// the element, by a table, tells what [`flatten`] needs of it (whether it can be
/// copied whole as its canonical form, whether it is lower case, whether it has a
/// bracket), where three passes did.
fn classes(element: &str) -> u8 {
    const fn class(b: u8) -> u8 {
        let lower = b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-';
        let changed = b == b'-' || b == b'_' || b.is_ascii_uppercase() || !b.is_ascii();
        let mut class = 0;
        if changed {
            class |= NOT_CANONICAL;
        }
        if !lower {
            class |= NOT_LOWER;
        }
        if b == b'[' || b == b']' {
            class |= BRACKET;
        }
        class
    }
    // Evaluated while compiling: `b` stays below 256, and an index out of range would
    // fail the build, not a run.
    #[allow(clippy::indexing_slicing)]
    const TABLE: [u8; 256] = {
        let mut table = [0; 256];
        let mut b = 0;
        while b < 256 {
            table[b] = class(b as u8);
            b += 1;
        }
        table
    };
    element.bytes().fold(0, |union, b| {
        union | TABLE.get(usize::from(b)).copied().unwrap_or(NOT_CANONICAL)
    })
}

/// One element of a key path in [`flatten`]'s arena, with the index of the element
/// before it: a child shares its parent's path instead of copying every element of it
/// (keys sit several levels deep, and every mapping entry is a child). The arena holds
/// the paths of the nodes on the stack, not of every key walked ([`Pending::parts_written`]).
struct PathPart<'d> {
    parent: Option<usize>,
    text: Cow<'d, str>,
}

/// The elements of the path that ends at `last`, first to last.
fn path_parts<'p>(parts: &'p [PathPart], last: Option<usize>) -> Vec<&'p str> {
    let mut out = Vec::new();
    let mut at = last;
    while let Some(part) = at.and_then(|i| parts.get(i)) {
        out.push(part.text.as_ref());
        at = part.parent;
    }
    out.reverse();
    out
}

/// The key texts of the nodes [`flatten`] has still to walk, in buffers shared by the
/// whole walk (a key is its parent's and one more element: an own string for each
/// mapping entry, and joining each leaf's raw key from its elements, showed in
/// profiles). A node's texts are ranges of the buffers of the parity of its depth: a
/// child's texts start as a copy of its parent's, which a string cannot make of itself
/// before Rust 1.87 (`String::extend_from_within`).
struct KeyTexts {
    canonical: [String; 2],
    raw: [String; 2],
}

impl Default for KeyTexts {
    /// Room for the keys of most documents' pending nodes: the buffers do not grow
    /// while they are walked.
    fn default() -> Self {
        let buffer = || String::with_capacity(256);
        KeyTexts {
            canonical: [buffer(), buffer()],
            raw: [buffer(), buffer()],
        }
    }
}

/// The buffer of the nodes of `odd` depth or of even depth.
fn of_parity(buffers: &mut [String; 2], odd: bool) -> &mut String {
    let [even_buffer, odd_buffer] = buffers;
    if odd {
        odd_buffer
    } else {
        even_buffer
    }
}

/// The buffer of a parent's texts (of `odd` depth or not) and the one of its children's.
fn parent_and_children(buffers: &mut [String; 2], odd: bool) -> (&str, &mut String) {
    let [even_buffer, odd_buffer] = buffers;
    if odd {
        (odd_buffer, even_buffer)
    } else {
        (even_buffer, odd_buffer)
    }
}

/// A node still to walk in [`flatten`].
struct Pending {
    node: NodeId,
    /// The last element of its key path (None: the root's empty path).
    path: Option<usize>,
    /// Its canonical key and its key as written, in [`KeyTexts`]' buffers of odd depth
    /// or even.
    canonical: Range<usize>,
    raw: Range<usize>,
    odd: bool,
    /// Whether its canonical key is inside a verbatim subtree ([`canonical_key`]).
    verbatim: bool,
    /// What [`is_dashed_form`] needs of the elements before the last: whether each is
    /// lower case letters, digits and `-`, and whether any has a bracket (its raw key
    /// may then split otherwise than its elements: it is read again).
    lower: bool,
    bracketed: bool,
    key_span: Span,
    /// Whether it is reached through an alias.
    aliased: bool,
    /// The lengths of the buffers once the texts of this node and its siblings were
    /// written: what is past them was written for nodes walked before this one (the
    /// children of earlier siblings), so the buffers are cut back there, and hold at
    /// most the keys of the nodes on the stack.
    written: ([usize; 2], [usize; 2]),
    /// The length of the path arena once the parts of this node and its siblings were
    /// written, cut back there as the buffers are: kept, the parts of the subtrees
    /// walked grew with the file's keys (84 MB of a 10 MB `application.yml`).
    parts_written: usize,
}

impl KeyTexts {
    /// Start the texts of a child of `parent` as a copy of the parent's: where they
    /// start in the child's buffers (canonical, raw).
    fn start_child(&mut self, parent: &Pending) -> (usize, usize) {
        let (from, to) = parent_and_children(&mut self.canonical, parent.odd);
        let canonical_start = to.len();
        to.push_str(from.get(parent.canonical.clone()).unwrap_or(""));
        let (from, to) = parent_and_children(&mut self.raw, parent.odd);
        let raw_start = to.len();
        to.push_str(from.get(parent.raw.clone()).unwrap_or(""));
        (canonical_start, raw_start)
    }

    /// The buffers' lengths, to cut them back to ([`Pending::written`]).
    fn lengths(&self) -> ([usize; 2], [usize; 2]) {
        let [even_canonical, odd_canonical] = &self.canonical;
        let [even_raw, odd_raw] = &self.raw;
        (
            [even_canonical.len(), odd_canonical.len()],
            [even_raw.len(), odd_raw.len()],
        )
    }

    fn truncate(&mut self, (canonical, raw): ([usize; 2], [usize; 2])) {
        for (buffer, len) in self.canonical.iter_mut().zip(canonical) {
            buffer.truncate(len);
        }
        for (buffer, len) in self.raw.iter_mut().zip(raw) {
            buffer.truncate(len);
        }
    }

    /// A child's key texts: its parent's (`canonical`, `raw`) and then `elements`
    /// (`on_element` sees the canonical key after each); then whether its canonical key
    /// is verbatim, and its elements lower case and bracketed ([`Pending`]).
    fn child<'k>(
        &mut self,
        parent: &Pending,
        elements: impl Iterator<Item = &'k str>,
        mut on_element: impl FnMut(&str, &'k str, bool),
    ) -> (Range<usize>, Range<usize>, [bool; 3]) {
        let (canonical_start, raw_start) = self.start_child(parent);
        let canonical = of_parity(&mut self.canonical, !parent.odd);
        let raw = of_parity(&mut self.raw, !parent.odd);
        let mut verbatim = parent.verbatim;
        let (mut lower, mut bracketed) = (parent.lower, parent.bracketed);
        let mut elements = elements.peekable();
        while let Some(part) = elements.next() {
            let class = classes(part);
            lower &= class & NOT_LOWER == 0;
            bracketed |= class & BRACKET != 0;
            let as_written = class & NOT_CANONICAL == 0;
            push_canonical_element(canonical, canonical_start, &mut verbatim, part, as_written);
            if raw.len() > raw_start {
                raw.push('.');
            }
            raw.push_str(part);
            let key = canonical.get(canonical_start..).unwrap_or("");
            on_element(key, part, elements.peek().is_none());
        }
        (
            canonical_start..canonical.len(),
            raw_start..raw.len(),
            [verbatim, lower, bracketed],
        )
    }

    /// A node's canonical key and its key as written.
    fn texts(&mut self, pending: &Pending) -> (&str, &str) {
        let canonical = of_parity(&mut self.canonical, pending.odd);
        let canonical = canonical.get(pending.canonical.clone()).unwrap_or("");
        let raw = of_parity(&mut self.raw, pending.odd);
        (canonical, raw.get(pending.raw.clone()).unwrap_or(""))
    }
}

/// How many scalar values `doc`'s mappings and sequences hold (an alias of a scalar
/// counts as one): the leaves [`flatten`] makes of it, unless merge keys or aliases of
/// collections reach more.
fn scalar_values(doc: &Document) -> usize {
    let is_scalar = |id: NodeId| doc.scalar(id).is_some();
    doc.nodes
        .iter()
        .map(|node| match &node.kind {
            NodeKind::Map(entries) => entries.iter().filter(|e| is_scalar(e.value)).count(),
            NodeKind::Seq(items) => items.iter().filter(|&&item| is_scalar(item)).count(),
            _ => 0,
        })
        .sum()
}

/// Walk one document iteratively, returning its scalar leaves and recording where each
/// key prefix is written.
fn flatten(
    doc: &Document,
    root: NodeId,
    file: crate::source::FileId,
    source: &str,
    prefixes: &mut foldhash::HashMap<String, Location>,
) -> Vec<Leaf> {
    let mut leaves = Vec::new();
    flatten_into(doc, root, file, source, prefixes, &mut leaves);
    leaves
}

/// [`flatten`] appending to `leaves` (an application's, which would otherwise copy
/// every leaf once more).
fn flatten_into(
    doc: &Document,
    root: NodeId,
    file: crate::source::FileId,
    source: &str,
    prefixes: &mut foldhash::HashMap<String, Location>,
    leaves: &mut Vec<Leaf>,
) {
    let mut parts: Vec<PathPart> = Vec::new();
    let mut keys = KeyTexts::default();
    let mut stack: Vec<Pending> = vec![Pending {
        node: root,
        path: None,
        canonical: 0..0,
        raw: 0..0,
        odd: false,
        verbatim: false,
        lower: true,
        bracketed: false,
        key_span: Span::default(),
        aliased: false,
        written: ([0; 2], [0; 2]),
        parts_written: 0,
    }];
    let mut alias_work = 0usize;
    while let Some(pending) = stack.pop() {
        keys.truncate(pending.written);
        parts.truncate(pending.parts_written);
        let resolved = doc.resolve(pending.node);
        let aliased = pending.aliased || resolved != pending.node;
        // Past the bound, what aliases add is skipped; the keys after them are still
        // read (a bound that stopped the walk lost the pool set after an alias bomb).
        if aliased {
            alias_work += 1;
            if alias_work > MAX_FLATTEN_WORK {
                continue;
            }
        }
        let node = resolved;
        let first_child = stack.len();
        match doc.node(node).map(|n| &n.kind) {
            Some(NodeKind::Map(own)) => {
                // Most mappings merge nothing: their own entries are read as they are,
                // without collecting them.
                let merges = doc.has_merge_key(node);
                let merged = if merges {
                    doc.entries(node)
                } else {
                    Vec::new()
                };
                let own = own.iter().filter(|_| !merges).map(|e| (e.key, e.value));
                let entries = own.chain(merged.iter().map(|e| (e.key, e.value)));
                for (key_node, value) in entries {
                    let Some(key) = doc.text(key_node) else {
                        continue;
                    };
                    let span = doc.span(key_node);
                    let mut child = pending.path;
                    // Prefixes are looked up as anchors of pools and JPA settings, which
                    // are mappings: a key holding a scalar is never one (and most are).
                    let value_is_map = matches!(
                        doc.node(doc.resolve(value)).map(|n| &n.kind),
                        Some(NodeKind::Map(_))
                    );
                    let (canonical, raw, [verbatim, lower, bracketed]) =
                        keys.child(&pending, key_parts(key), |prefix, part, last| {
                            if (value_is_map || !last) && !prefixes.contains_key(prefix) {
                                prefixes.insert(prefix.to_owned(), Location { file, span });
                            }
                            parts.push(PathPart {
                                parent: child,
                                text: Cow::Borrowed(part),
                            });
                            child = Some(parts.len() - 1);
                        });
                    stack.push(Pending {
                        node: value,
                        path: child,
                        canonical,
                        raw,
                        odd: !pending.odd,
                        verbatim,
                        lower,
                        bracketed,
                        key_span: span,
                        aliased,
                        written: ([0; 2], [0; 2]),
                        parts_written: 0,
                    });
                }
            }
            Some(NodeKind::Seq(items)) => {
                for (i, item) in items.iter().enumerate() {
                    // The index goes on the last element: `hosts[0]`.
                    let last = pending.path.and_then(|p| parts.get(p));
                    let index = last.map(|l| (l.parent, format!("{}[{i}]", l.text)));
                    let (canonical_start, raw_start) = keys.start_child(&pending);
                    let canonical = of_parity(&mut keys.canonical, !pending.odd);
                    // The key is recomputed from the path below.
                    canonical.truncate(canonical_start);
                    let raw = of_parity(&mut keys.raw, !pending.odd);
                    let index_added = index.is_some();
                    let child = match index {
                        Some((parent, text)) => {
                            parts.push(PathPart {
                                parent,
                                text: Cow::Owned(text),
                            });
                            let _ = write!(raw, "[{i}]");
                            Some(parts.len() - 1)
                        }
                        None => pending.path,
                    };
                    // Rare in pool configuration: recompute the key from the path.
                    let mut verbatim = false;
                    for part in path_parts(&parts, child) {
                        push_canonical_element(
                            canonical,
                            canonical_start,
                            &mut verbatim,
                            part,
                            false,
                        );
                    }
                    stack.push(Pending {
                        node: *item,
                        path: child,
                        canonical: canonical_start..canonical.len(),
                        raw: raw_start..raw.len(),
                        odd: !pending.odd,
                        verbatim,
                        lower: pending.lower,
                        // The index is a bracket.
                        bracketed: pending.bracketed || index_added,
                        key_span: pending.key_span,
                        aliased,
                        written: ([0; 2], [0; 2]),
                        parts_written: 0,
                    });
                }
            }
            Some(NodeKind::Scalar(scalar)) if pending.path.is_some() => {
                let span = doc.span(node);
                let (canonical, raw) = keys.texts(&pending);
                let dashed = if pending.bracketed {
                    is_dashed_form(raw)
                } else {
                    // The raw key's elements are the parts (none has a bracket).
                    let last = pending.path.and_then(|p| parts.get(p));
                    let last = last.map_or("", |part| part.text.as_ref());
                    pending.lower && dashed_property(last).is_none_or(|p| p == last)
                };
                let raw_key = EntryKey::new(raw);
                leaves.push(Leaf {
                    location_key: Location {
                        file,
                        span: pending.key_span,
                    },
                    // A key written in canonical form is one shared text.
                    canonical: if canonical == raw {
                        raw_key.clone()
                    } else {
                        EntryKey::new(canonical)
                    },
                    raw_key,
                    value: scalar.text.clone(),
                    value_location: Location { file, span },
                    style: scalar.style,
                    text_start: super::written_at(source, span, &scalar.text).into(),
                    condition: None,
                    rank: (PLAIN_FILE, false, 0, 0),
                    own_properties: false,
                    imported: false,
                    via: placeholder_via(&scalar.text),
                    dashed,
                });
            }
            _ => {}
        }
        // The children are walked in order, so the first is pushed last.
        let written = keys.lengths();
        let children = stack.get_mut(first_child..).unwrap_or_default();
        children.reverse();
        for child in children {
            child.written = written;
            child.parts_written = parts.len();
        }
    }
}

/// A span inside a leaf's value, or the whole value when the text was escaped.
fn sub_span(leaf: &Leaf, range: std::ops::Range<usize>) -> Span {
    leaf.text_start.span(leaf.value_location.span, range)
}

/// A value after `${VAR:default}` substitution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// None when a placeholder has no default.
    pub value: Option<String>,
    /// Byte range of the default when the whole value is one placeholder with a default.
    pub whole_default: Option<std::ops::Range<usize>>,
}

/// Substitute Spring placeholders. Nested defaults (`${A:${B:5}}`) resolve to the
/// innermost default; past [`MAX_PLACEHOLDER_DEPTH`] defaults inside one another the
/// value is unknown (a recursion per level overflowed the stack at 8,000 levels and
/// aborted the whole run).
pub fn resolve_placeholders(text: &str) -> Resolved {
    resolve_nested(text, 0)
}

fn resolve_nested(text: &str, depth: usize) -> Resolved {
    if depth > MAX_PLACEHOLDER_DEPTH {
        return Resolved {
            value: None,
            whole_default: None,
        };
    }
    let mut resolved = Resolved {
        value: Some(String::new()),
        whole_default: None,
    };
    let mut rest = text;
    let mut offset = 0;
    while let Some(start) = rest.find("${") {
        let Some(len) = super::nested_braces_len(rest.get(start..).unwrap_or("")) else {
            break;
        };
        let inner = rest.get(start + 2..start + len - 1).unwrap_or("");
        let (var, default) = match inner.split_once(':') {
            Some((var, default)) => (var, Some(default)),
            None => (inner, None),
        };
        if start == 0 && len == rest.len() && offset == 0 {
            resolved.whole_default =
                default.map(|d| 2 + var.len() + 1..2 + var.len() + 1 + d.len());
        }
        let substituted = default.map(|d| resolve_nested(d, depth + 1).value);
        resolved.value = match (resolved.value, substituted.flatten()) {
            (Some(mut v), Some(d)) => {
                v.push_str(rest.get(..start).unwrap_or(""));
                v.push_str(&d);
                Some(v)
            }
            _ => None,
        };
        rest = rest.get(start + len..).unwrap_or("");
        offset += start + len;
    }
    if let Some(v) = resolved.value.as_mut() {
        v.push_str(rest);
    }
    resolved
}

/// The variable of the first placeholder in `text` (`${DB_POOL:10}` → `DB_POOL`): the
/// variable the value goes through. Readers find it once per value and keep it.
fn placeholder_via(text: &str) -> Option<String> {
    // Most values hold no `$`: one byte search rejects them.
    if !text.contains('$') {
        return None;
    }
    let start = text.find("${")?;
    let rest = text.get(start..)?;
    let len = super::nested_braces_len(rest)?;
    let inner = rest.get(2..len - 1).unwrap_or("");
    let var = inner.split_once(':').map_or(inner, |(var, _)| var);
    Some(var.trim().to_owned())
}

/// Passwords in a value: literal values of password keys, defaults of password
/// placeholders, and passwords inside URLs and connection strings.
fn secrets_in(leaf: &Leaf) -> Vec<Secret> {
    let mut found = Vec::new();
    let last = last_name(&leaf.canonical);
    let secret = |span: Span, kind: &'static str, literal: bool| Secret {
        location: Location {
            file: leaf.value_location.file,
            span,
        },
        kind,
        key: leaf.raw_key.to_string(),
        literal,
        scrub_messages: true,
    };
    // A null password (`password:` with nothing, `~`) is unset: nothing is written.
    if is_password_key(last) && !leaf.value.is_empty() && !is_null(leaf) {
        // Every password is masked; only a data source's is a pool credential that the
        // credentials rule reports (not `spring.mail.password` or a config server's).
        let database =
            is_database_key(&leaf.canonical) && matches!(last, "password" | "pwd" | "passwd");
        let resolved = resolve_placeholders(&leaf.value);
        match (leaf.via.is_some(), resolved.whole_default) {
            (false, _) => found.push(secret(leaf.value_location.span, "password key", database)),
            (true, Some(range)) if !range.is_empty() => {
                found.push(secret(
                    sub_span(leaf, range),
                    "placeholder default",
                    database,
                ));
            }
            _ => {}
        }
    }
    // A password placeholder's default, wherever it is used and however deep
    // (`${DB_PASSWORD:x}` as a pool size, `${POOL:${DB_PASSWORD:x}}`, `${DB_PASSWORD:x}0`
    // are quoted by the finding on them): masked, not reported.
    if leaf.via.is_some() {
        for range in password_defaults(&leaf.value, is_password_key(last), 0) {
            let span = sub_span(leaf, range);
            if !found.iter().any(|s| s.location.span == span) {
                found.push(secret(span, "placeholder default", false));
            }
        }
    }
    // A password in a value is after `@` or `=` (what `password_ranges` looks for
    // first, one character at a time): one byte search rejects most values.
    let may_hold_password = leaf.value.bytes().any(|b| b == b'@' || b == b'=');
    let in_value = if may_hold_password {
        password_ranges(&leaf.value)
    } else {
        Vec::new()
    };
    for range in in_value {
        let literal = !leaf
            .value
            .get(range.clone())
            .unwrap_or("")
            .starts_with("${");
        found.push(secret(
            sub_span(leaf, range),
            "connection string password",
            literal,
        ));
    }
    found
}

/// The byte ranges in `text` of the defaults of password placeholders, anywhere in it
/// and at any depth: a placeholder whose name is a password's or a secret's
/// (`${DB_PASSWORD:x}`, `${app.db.pw:x}`, `${DB_TOKEN:x}`), or any placeholder inside a
/// password's value or default (`password`: a password key's value, whose defaults are
/// the password; `${DB_PASSWORD:${OLD:x}}` gives `x` as well as `${OLD:x}`), as the
/// compose reader finds them.
fn password_defaults(text: &str, password: bool, depth: usize) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    if depth > MAX_PLACEHOLDER_DEPTH {
        return found;
    }
    let mut rest = text;
    let mut offset = 0;
    while let Some(start) = rest.find("${") {
        let Some(len) = super::nested_braces_len(rest.get(start..).unwrap_or("")) else {
            break;
        };
        let inner = rest.get(start + 2..start + len - 1).unwrap_or("");
        if let Some((name, default)) = inner.split_once(':') {
            let secret = password || super::is_password_name(name) || super::is_secret_name(name);
            // `${`, the name and `:` come before the default.
            let from = offset + start + 2 + name.len() + 1;
            let nested = password_defaults(default, secret, depth + 1);
            found.extend(nested.into_iter().map(|r| r.start + from..r.end + from));
            // A default that is one placeholder names where the password is: left as
            // written (its own defaults were found above).
            let reference = default.starts_with("${")
                && super::nested_braces_len(default) == Some(default.len());
            if secret && !default.is_empty() && !reference {
                found.push(from..from + default.len());
            }
        }
        rest = rest.get(start + len..).unwrap_or("");
        offset += start + len;
    }
    found
}

/// The name a key ends with: its last element, or the map key in its last brackets
/// (`data-source-properties[password]` and `….[password]` bind the map key `password`,
/// as Spring Boot's `Map` binding does).
fn last_name(canonical: &str) -> &str {
    // A byte search from the end (asked for every leaf): `.` is ASCII.
    let last = match canonical.bytes().rposition(|b| b == b'.') {
        Some(dot) => canonical.get(dot + 1..).unwrap_or(""),
        None => canonical,
    };
    match last
        .strip_suffix(']')
        .and_then(|inner| inner.rsplit_once('['))
    {
        Some((_, key)) => key,
        None => last,
    }
}

/// Keys of a database connection: a `datasource`, `r2dbc`, `flyway`, `liquibase`,
/// `jdbc`, `db` or `database` element (`spring.datasource.password`,
/// `quarkus.datasource.password`, `spring.shardingsphere.datasource.ds0.password`).
fn is_database_key(canonical: &str) -> bool {
    const DATABASE: &[&str] = &[
        "datasource",
        "datasources",
        "r2dbc",
        "flyway",
        "liquibase",
        "jdbc",
        "db",
        "database",
    ];
    canonical
        .split('.')
        .any(|element| DATABASE.contains(&element))
}

/// Keys that hold passwords (`password`, `db-password`, `keystore-password`...).
fn is_password_key(canonical_element: &str) -> bool {
    canonical_element.ends_with("password")
        || canonical_element == "pwd"
        || canonical_element == "passwd"
}

/// The winning value of every canonical key for one profile.
struct Effective<'a> {
    profile: Option<&'a str>,
    /// Each canonical key set and its winning leaf, in key order.
    winners: Vec<(&'a str, &'a Leaf)>,
    /// A deployment's variables, which placeholders take before the files' properties
    /// (environment variables rank above config files among Spring's property sources):
    /// empty but where the deployment's environment is known ([`SpringProfiles`]).
    environment: &'a [EnvVar],
}

impl<'a> Effective<'a> {
    /// The configuration Spring reads with `active` the active profiles (none: the
    /// default profile), its pools named `profile`.
    fn for_profile(app: &'a App, active: &[String], profile: Option<&'a str>) -> Self {
        let accepted = accepted_profiles(active, &app.included, &app.groups, &app.defaults);
        let visible = |l: &Leaf| l.condition.as_deref().is_none_or(|c| c.matches(&accepted));
        Self::of(app, visible, &accepted, profile)
    }

    /// The configuration of the documents read in every profile: what Spring Boot binds
    /// the profile properties from, before any profile document is active
    /// (`ConfigDataEnvironment.withProfiles`).
    fn unconditional(app: &'a App) -> Self {
        Self::of(app, |l: &Leaf| l.condition.is_none(), &[], None)
    }

    /// The winners among `app`'s `visible` leaves with `accepted` the accepted profiles.
    fn of(
        app: &'a App,
        visible: impl Fn(&Leaf) -> bool,
        accepted: &[String],
        profile: Option<&'a str>,
    ) -> Self {
        let mut winners: Vec<(&str, &Leaf)> = Vec::new();
        // Profile files of later accepted profiles win over earlier ones' [SB-EXTERNAL].
        // Moved variants rank by the document importing them first, then by profile
        // (`moveProfileSpecific` keeps each importer's variants together).
        let key = |leaf: &Leaf| {
            let (tier, properties, doc, order) = leaf.rank;
            let place = leaf
                .condition
                .as_deref()
                .and_then(|c| c.file.as_deref())
                .and_then(|file| accepted.iter().rposition(|a| a == file))
                .unwrap_or(0);
            if tier == MOVED_VARIANT {
                (tier, usize::from(properties), doc, place, order)
            } else {
                (tier, place, usize::from(properties), doc, order)
            }
        };
        // Whether the last winner is of the key being read.
        let mut in_key = false;
        for (i, first) in app.by_key() {
            let Some(leaf) = app.leaves.get(*i) else {
                continue;
            };
            in_key &= !first;
            if !visible(leaf) {
                continue;
            }
            match winners.last_mut() {
                Some((_, slot)) if in_key => {
                    if key(leaf) >= key(slot) {
                        *slot = leaf;
                    }
                }
                _ => {
                    winners.push((leaf.canonical.as_str(), leaf));
                    in_key = true;
                }
            }
        }
        Effective {
            profile,
            winners,
            environment: &[],
        }
    }

    fn get(&self, canonical: &str) -> Option<&'a Leaf> {
        let at = self
            .winners
            .binary_search_by(|(key, _)| (*key).cmp(canonical))
            .ok()?;
        self.winners.get(at).map(|(_, leaf)| *leaf)
    }

    /// The keys set and their winners from `from` on, in key order (keys sharing a
    /// prefix are adjacent).
    fn winners_from(&self, from: &str) -> impl Iterator<Item = (&'a str, &'a Leaf)> + '_ {
        let at = self.winners.partition_point(|(key, _)| *key < from);
        self.winners.get(at..).unwrap_or_default().iter().copied()
    }

    fn keys(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.winners.iter().map(|(key, _)| *key)
    }

    fn leaves(&self) -> impl Iterator<Item = &'a Leaf> + '_ {
        self.winners.iter().map(|(_, leaf)| *leaf)
    }

    /// The deployment's variable a placeholder names (its last definition), by its exact
    /// name.
    fn variable(&self, name: &str) -> Option<&'a EnvVar> {
        EnvVar::last_named(self.environment, name.trim())
    }

    /// The property a placeholder names. Spring Boot looks a name up through
    /// `ConfigurationPropertySourcesPropertySource`, with relaxed binding when the name
    /// is a valid `ConfigurationPropertyName` (lower case letters, digits, `-`, `.` and
    /// `[index]`: `${db.max-pool}` finds `db.maxPool`), else by the exact name
    /// (`${DB_POOL}` finds only `DB_POOL`).
    fn property(&self, name: &str) -> Option<&'a Leaf> {
        let valid = !name.is_empty()
            && name.bytes().all(|b| {
                b.is_ascii_lowercase()
                    || b.is_ascii_digit()
                    || matches!(b, b'-' | b'.' | b'[' | b']')
            });
        if valid {
            let parts: Vec<&str> = key_parts(name).collect();
            self.get(&canonical_key(&parts))
        } else {
            self.leaves().find(|l| l.raw_key == name)
        }
    }
}

/// Hikari properties that mark a key prefix as a Hikari pool bound directly by the
/// application (custom `@ConfigurationProperties` data sources, ShardingSphere).
const DISTINCTIVE: &[&str] = &[
    "maximumpoolsize",
    "minimumidle",
    "jdbcurl",
    "poolname",
    "keepalivetime",
    "leakdetectionthreshold",
];

/// Prefixes that are not Hikari pools even if a key name matches.
const NOT_HIKARI: &[&str] = &[
    "spring.datasource.tomcat",
    "spring.datasource.dbcp2",
    "spring.datasource.oracleucp",
    "spring.r2dbc",
    "spring.jpa",
];

/// `spring.datasource.type` values (lower case, as contained in the class name) of the
/// DataSources that pool nothing, which Spring Boot creates only when the type names
/// them (`DataSourceBuilder`'s javadoc: "The following non-pooling DataSource
/// implementations can be used when explicitly set as a type: SimpleDriverDataSource,
/// OracleDataSource, H2 JdbcDataSource, PGSimpleDataSource"; Spring Framework's
/// `DriverManagerDataSource` and `SingleConnectionDataSource` too): every
/// `getConnection()` opens a new physical connection.
const NON_POOLING: &[&str] = &[
    "simpledriverdatasource",
    "drivermanagerdatasource",
    "singleconnectiondatasource",
    "pgsimpledatasource",
    "oracle.jdbc.pool.oracledatasource",
    "jdbcdatasource",
];

/// Which pool Spring Boot creates (`spring.datasource.type`, Hikari when unset [SB-SQL]);
/// [`Library::Other`] for a DataSource that pools nothing ([`NON_POOLING`]), which is
/// not modelled, as the Tomcat, DBCP2 and UCP pools are not.
fn active_library(effective: &Effective) -> Library {
    let Some(leaf) = effective.get("spring.datasource.type") else {
        return Library::HikariCp;
    };
    let value = leaf.value.to_ascii_lowercase();
    if value.contains("tomcat") {
        Library::TomcatJdbc
    } else if value.contains("dbcp2") {
        Library::Dbcp2
    } else if value.contains("ucp") {
        Library::OracleUcp
    } else if NON_POOLING.iter().any(|name| value.contains(name)) {
        Library::Other
    } else {
        Library::HikariCp
    }
}

fn pools_of(app: &App, effective: &Effective) -> Vec<Pool> {
    let mut pools = Vec::new();
    let custom = custom_hikari_prefixes(effective);
    if configures_framework_pool(effective, &custom)
        && active_library(effective) == Library::HikariCp
    {
        pools.push(hikari_pool(app, effective, HIKARI_PREFIX, true));
    }
    for prefix in custom {
        pools.push(hikari_pool(app, effective, &prefix, false));
    }
    pools
}

/// Whether a `spring.datasource.*` key configures the data source Spring Boot's
/// auto-configuration builds: one of a pool of the application's own under
/// `spring.datasource` (`spring.datasource.secondary.maximum-pool-size`, with the
/// `spring.datasource.secondary.url` of the "Configure Two DataSources" layout) does
/// not, as that pool is the application's own bean, which makes the auto-configuration
/// back off (`@ConditionalOnMissingBean(DataSource.class)`).
fn configures_framework_pool(effective: &Effective, custom: &BTreeSet<String>) -> bool {
    const DATASOURCE: &str = "spring.datasource.";
    // The parents of `.hikari` and `.configuration` prefixes hold the pool's
    // `DataSourceProperties` (`url`, `username`).
    let owners: Vec<&str> = custom
        .iter()
        .filter(|p| p.starts_with(DATASOURCE))
        .map(|p| {
            p.strip_suffix(".hikari")
                .or_else(|| p.strip_suffix(".configuration"))
                .unwrap_or(p)
        })
        .collect();
    let owned = |key: &str| {
        owners.iter().any(|o| {
            key.strip_prefix(o)
                .is_some_and(|rest| rest.starts_with('.'))
        })
    };
    // Keys sharing a prefix are adjacent in the sorted map.
    effective
        .winners_from(DATASOURCE)
        .take_while(|(k, _)| k.starts_with(DATASOURCE))
        .any(|(k, _)| !owned(k))
}

/// Prefixes holding Hikari-only property names outside `spring.datasource.hikari`,
/// but a thread pool's ([`THREAD_POOL_KEYS`]).
fn custom_hikari_prefixes(effective: &Effective) -> BTreeSet<String> {
    effective
        .keys()
        .filter_map(distinctive_parent)
        .filter(|parent| {
            *parent != HIKARI_PREFIX
                && *parent != "spring.datasource"
                && !NOT_HIKARI.iter().any(|n| parent.starts_with(n))
        })
        .filter(|parent| !holds_thread_pool_keys(effective, parent))
        .map(str::to_owned)
        .collect()
}

/// Settings of a thread pool (`ThreadPoolExecutor`, Spring's
/// `ThreadPoolTaskExecutor`, dynamic-tp, Hippo4j), canonical: a prefix holding one
/// beside `maximum-pool-size` or `keep-alive-time` is an executor, not a HikariCP pool
/// (it was counted as database connections). None is a `HikariConfig` property.
const THREAD_POOL_KEYS: &[&str] = &[
    "corepoolsize",
    "coresize",
    "queuecapacity",
    "queuesize",
    "keepaliveseconds",
    "allowcorethreadtimeout",
    "threadnameprefix",
    "rejectedhandler",
    "rejectedexecutionhandler",
    "executortype",
    "awaitterminationseconds",
    "waitfortaskstocompleteonshutdown",
    "threadpoolname",
];

/// Whether a key right under `prefix` names a thread pool's setting.
fn holds_thread_pool_keys(effective: &Effective, prefix: &str) -> bool {
    effective
        .winners_from(prefix)
        .take_while(|(k, _)| k.starts_with(prefix))
        .filter_map(|(k, _)| k.get(prefix.len()..)?.strip_prefix('.'))
        .any(|rest| THREAD_POOL_KEYS.contains(&rest))
}

/// The parent of a canonical key whose last element is one of [`DISTINCTIVE`]
/// (`app.db.maximumpoolsize` → `app.db`): compared from the end, as most keys (every
/// key of every profile is asked) end otherwise.
fn distinctive_parent(canonical: &str) -> Option<&str> {
    DISTINCTIVE
        .iter()
        .find_map(|last| canonical.strip_suffix(last)?.strip_suffix('.'))
}

/// Reads the settings of one Hikari pool at `prefix`.
struct PoolReader<'a> {
    effective: &'a Effective<'a>,
    anchor: Option<Location>,
    /// The winners under `prefix.`, by the rest of their canonical key, in key order:
    /// a pool's few keys, looked up once per property.
    own: Vec<(&'a str, &'a Leaf)>,
    /// The prefix as users write it (kebab form of the canonical path).
    display_prefix: String,
}

impl<'a> PoolReader<'a> {
    fn new(effective: &'a Effective<'a>, prefix: &'a str, anchor: Option<Location>) -> Self {
        // Keys sharing a prefix are adjacent in the sorted map.
        let own = effective
            .winners_from(prefix)
            .take_while(|(k, _)| k.starts_with(prefix))
            .filter_map(|(k, leaf)| Some((k.get(prefix.len()..)?.strip_prefix('.')?, leaf)))
            .collect();
        let display_prefix = match prefix {
            HIKARI_PREFIX => HIKARI_PREFIX.to_owned(),
            other => effective
                .leaves()
                .find(|l| l.canonical.starts_with(other))
                .and_then(|l| l.raw_key.rsplit_once('.').map(|(p, _)| p.to_owned()))
                .unwrap_or_else(|| other.to_owned()),
        };
        PoolReader {
            effective,
            anchor,
            own,
            display_prefix,
        }
    }

    /// The winning leaf of `prefix.property` (`property` in kebab form).
    fn leaf(&self, property: &str) -> Option<&'a Leaf> {
        self.own
            .iter()
            .find(|(rest, _)| hikari::is_canonical_of(rest, property))
            .map(|(_, leaf)| *leaf)
    }

    fn key(&self, property: &str) -> String {
        let mut key = String::with_capacity(self.display_prefix.len() + 1 + property.len());
        key.push_str(&self.display_prefix);
        key.push('.');
        key.push_str(property);
        key
    }

    fn origin(&self, leaf: &Leaf, property: &str) -> Origin {
        Origin::File {
            file: leaf.value_location.file,
            span: leaf.value_location.span,
            key: self.key(property).into(),
            via: via_of(leaf, self.effective),
        }
    }

    fn default_origin(&self) -> Origin {
        hikari::default_origin(self.anchor)
    }

    fn count(&self, property: &str, default: i64) -> Setting<i64> {
        match self.leaf(property).filter(|l| !is_null(l)) {
            Some(leaf) => Setting {
                value: parse_value(leaf, Some(self.effective), |t| {
                    parse_int(t, typing(leaf), i32::MIN.into(), i32::MAX.into())
                }),
                origin: self.origin(leaf, property),
            },
            None => Setting::known(default, self.default_origin()),
        }
    }

    fn millis(&self, property: &str, default_ms: u64) -> Setting<Duration> {
        self.millis_written(property).unwrap_or_else(|| {
            Setting::known(Duration::from_millis(default_ms), self.default_origin())
        })
    }

    /// The property in milliseconds when it is written (and not null). A negative
    /// value of a property whose setter checks none is marked so
    /// ([`crate::model::InvalidCause::Negative`]): HikariCP starts, and its rules say
    /// with what.
    fn millis_written(&self, property: &str) -> Option<Setting<Duration>> {
        let leaf = self.leaf(property).filter(|l| !is_null(l))?;
        let mut value = parse_value(leaf, Some(self.effective), |t| {
            parse_millis(t, typing(leaf), property)
        });
        if let Val::Invalid(invalid) = &mut value {
            let negative = parse_int(&invalid.raw, typing(leaf), i64::MIN, i64::MAX)
                .ok()
                .filter(|v| *v < 0 && hikari::TAKES_NEGATIVE.contains(&property));
            if let Some(v) = negative {
                invalid.cause = Some(crate::model::InvalidCause::Negative(v));
                invalid.reason =
                    format!("`{}` is negative: HikariCP's setter takes it", invalid.raw);
            }
        }
        Some(Setting {
            value,
            origin: self.origin(leaf, property),
        })
    }

    /// The property's setting when it is written (and not null), parsed by `parse`.
    fn written<T>(
        &self,
        property: &str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Option<Setting<T>> {
        let leaf = self.leaf(property).filter(|l| !is_null(l))?;
        Some(Setting {
            value: parse_value(leaf, Some(self.effective), parse),
            origin: self.origin(leaf, property),
        })
    }

    fn boolean(&self, property: &str) -> Option<Setting<bool>> {
        self.written(property, parse_boolean)
    }

    fn text(&self, property: &str) -> Option<Setting<String>> {
        self.written(property, |t| Ok(t.to_owned()))
    }

    /// A Spring-level key (`spring.datasource.url`) as a string setting.
    fn spring_text(&self, canonical: &str, key: &str) -> Option<Setting<String>> {
        let leaf = self.effective.get(canonical).filter(|l| !is_null(l))?;
        Some(Setting {
            value: parse_value(leaf, Some(self.effective), |t| Ok(t.to_owned())),
            origin: Origin::File {
                file: leaf.value_location.file,
                span: leaf.value_location.span,
                key: key.into(),
                via: via_of(leaf, self.effective),
            },
        })
    }
}

/// The `url` beside a custom pool's `hikari` or `configuration` prefix
/// (`spring.datasource.primary.url` for `spring.datasource.primary.hikari.*`,
/// `app.datasource.first.url` for `app.datasource.first.configuration.*`): Spring
/// Boot's documented way to configure a second data source (how-to "Configure Two
/// DataSources", which uses `.configuration`) binds `DataSourceProperties` to the parent
/// prefix and the HikariDataSource it builds (its JDBC URL that `url`) to the child.
fn properties_url(r: &PoolReader, prefix: &str) -> Option<Setting<String>> {
    let (parent, child) = [".hikari", ".configuration"]
        .iter()
        .find_map(|child| Some((prefix.strip_suffix(child)?, *child)))?;
    let shown = r.display_prefix.strip_suffix(child).unwrap_or(parent);
    r.spring_text(&format!("{parent}.url"), &format!("{shown}.url"))
}

fn hikari_pool(app: &App, effective: &Effective, prefix: &str, framework: bool) -> Pool {
    let anchor = [prefix, "spring.datasource"]
        .iter()
        .find_map(|p| app.prefixes.get(*p).copied());
    let r = PoolReader::new(effective, prefix, anchor);
    let max = r.count("maximum-pool-size", hikari::DEFAULT_POOL_SIZE);
    let min = r.leaf("minimum-idle").filter(|l| !is_null(l)).map_or_else(
        || Setting {
            value: max.value.clone(),
            origin: r.default_origin(),
        },
        |_| r.count("minimum-idle", 0),
    );
    let jdbc_url = r.text("jdbc-url");
    let framework_url = framework
        .then(|| r.spring_text(SPRING_URL, SPRING_URL))
        .flatten();
    // What HikariCP gets as its JDBC URL, written under whichever key.
    let jdbc_url = jdbc_url
        .or(framework_url)
        .or_else(|| properties_url(&r, prefix));
    let url_setting = jdbc_url.clone();
    Pool {
        name: r.display_prefix.clone(),
        library: Library::HikariCp,
        ecosystem: Ecosystem::Spring,
        profile: effective.profile.map(str::to_owned),
        anchor,
        max,
        min,
        acquire_timeout: r.millis("connection-timeout", hikari::CONNECTION_TIMEOUT_MS),
        idle_timeout: r.millis("idle-timeout", hikari::IDLE_TIMEOUT_MS),
        max_lifetime: r.millis("max-lifetime", hikari::MAX_LIFETIME_MS),
        // 0 before HikariCP 6.2.1, 2 minutes from it on: see hikari::KEEPALIVE_TIME_MS.
        keepalive: r.millis("keepalive-time", 0),
        validate_on_borrow: None,
        // HikariCP's defaults when not written: `Pool::validation_timeout`.
        validation_timeout_written: r.millis_written("validation-timeout").map(Box::new),
        leak_detection_threshold_written: r
            .millis_written("leak-detection-threshold")
            .map(Box::new),
        auto_commit: r.boolean("auto-commit").map(Box::new),
        connection: url_setting
            .as_ref()
            .and_then(|s| connection_info(effective, s))
            .map(Box::new),
        driver_properties: driver_properties(&r),
        session_variables: init_sql_variables(&r),
        init_sql_written: r.text("connection-init-sql").is_some(),
        username_written: pool_username(&r, framework).map(Box::new),
        class_settings: ClassSettings::new(PoolClassSettings {
            driver_class_name: r
                .text("driver-class-name")
                .or_else(|| {
                    framework
                        .then(|| {
                            r.spring_text(
                                "spring.datasource.driverclassname",
                                SPRING_DRIVER_CLASS_NAME,
                            )
                        })
                        .flatten()
                })
                .map(Box::new),
            data_source_class_name: r.text("data-source-class-name").map(Box::new),
            jdbc_url: jdbc_url.map(Box::new),
            jndi_name: r.text("data-source-jndi").map(Box::new),
            url: (!framework).then(|| r.text("url")).flatten().map(Box::new),
            provided_by_framework: framework,
        }),
        url_variables: None,
    }
}

/// The pool's `username`, else (for the framework pool) `spring.datasource.username`.
fn pool_username(r: &PoolReader, framework: bool) -> Option<Setting<String>> {
    r.text("username").or_else(|| {
        framework
            .then(|| r.spring_text(SPRING_USERNAME, SPRING_USERNAME))
            .flatten()
    })
}

/// Spring Boot's own properties bound to `DataSourceProperties`, as the pool's settings
/// name them: HikariCP's own (`username`, `jdbc-url`, `driver-class-name`), bound onto
/// the data source after them, win over them.
pub const SPRING_USERNAME: &str = "spring.datasource.username";
pub const SPRING_URL: &str = "spring.datasource.url";
pub const SPRING_DRIVER_CLASS_NAME: &str = "spring.datasource.driver-class-name";

/// Parse the pool's URL with spans of every parameter inside the file.
fn connection_info(effective: &Effective, url: &Setting<String>) -> Option<ConnectionInfo> {
    let text = url.get()?;
    let location = url.location()?;
    let leaf = effective.leaves().find(|l| l.value_location == location)?;
    let key = url.origin.key().unwrap_or("url");
    // A URL another property gave (`${app.db.url}`) is not the text written here: its
    // parts point at the whole value.
    let text_map = if leaf.via.is_some()
        && resolve_placeholders(&leaf.value).value.as_deref() != Some(text.as_str())
    {
        crate::model::TextMap::Whole
    } else {
        leaf.text_start.clone()
    };
    let mut connection =
        super::url_connection(parse_url(text)?, leaf.value_location, text_map, key);
    mark_placeholder_host(&mut connection, leaf);
    Some(connection)
}

/// A host written as a placeholder (`jdbc:postgresql://${DB_HOST:db}/app`) came through
/// its variable, which the deployment may set: its origin says so (`via`), and what
/// reads the host for the server behind it (`model::links`) does not take the
/// default's. A placeholder elsewhere in the URL leaves the written host as it is.
fn mark_placeholder_host(connection: &mut ConnectionInfo, leaf: &Leaf) {
    if leaf.via.is_none() {
        return;
    }
    // A URL that is a placeholder as a whole (`${JDBC_URL:jdbc:…}`) parses as none.
    let raw_host = parse_url(&leaf.value).map(|raw| raw.host.map(|(host, _)| host));
    let host_written = raw_host.is_some_and(|host| host.is_none_or(|h| !h.contains("${")));
    if host_written {
        return;
    }
    if let Some(Origin::File { via, .. }) = connection.host.as_mut().map(|h| &mut h.origin) {
        *via = placeholder_via(&leaf.value).map(Into::into);
    }
}

/// The session settings `connection-init-sql` assigns (`SET statement_timeout = '5s'`),
/// each located at the whole script.
fn init_sql_variables(r: &PoolReader) -> NamedSettings {
    let Some(sql) = r.text("connection-init-sql") else {
        return NamedSettings::new();
    };
    let Some(text) = sql.get() else {
        return NamedSettings::new();
    };
    crate::model::parameters::set_statements(text)
        .into_iter()
        .map(|(name, value)| {
            let setting = Setting {
                value: Val::Known(value),
                origin: sql.origin.clone(),
            };
            (name, setting)
        })
        .collect()
}

/// `data-source-properties.*` entries by lower-cased name; each setting's key ends
/// with the map key Spring Boot binds ([`bound_map_key`]), which is the name the
/// driver receives.
fn driver_properties(r: &PoolReader) -> NamedSettings {
    r.own
        .iter()
        .filter_map(|(rest, leaf)| {
            let name = rest.strip_prefix("datasourceproperties.")?;
            let bound = bound_map_key(leaf, name);
            let setting = Setting {
                value: parse_value(leaf, Some(r.effective), |t| Ok(t.to_owned())),
                origin: r.origin(leaf, &format!("data-source-properties.{bound}")),
            };
            Some((name.to_ascii_lowercase(), setting))
        })
        .collect()
}

/// The map key Spring Boot binds for a `data-source-properties` entry: as written in
/// a file or `SPRING_APPLICATION_JSON` (`socketTimeout`: the binder keeps a map key's
/// original form), in lower case from an environment variable
/// (`…_DATASOURCEPROPERTIES_SOCKETTIMEOUT` binds `sockettimeout`).
fn bound_map_key<'l>(leaf: &'l Leaf, name: &'l str) -> &'l str {
    let written = last_name(&leaf.raw_key);
    match written.eq_ignore_ascii_case(name) {
        true => written,
        false => name,
    }
}

fn service_of(app: &App, effective: &Effective, pools: Vec<usize>) -> Service {
    let threads = match virtual_threads(effective) {
        Some(enabled) => virtual_request_bound(effective, enabled),
        None => tomcat_setting(
            effective,
            &["server.tomcat.threads.max", "server.tomcat.maxthreads"],
        )
        .unwrap_or_else(|| {
            Setting::known(
                TOMCAT_DEFAULT_THREADS,
                Origin::Default {
                    library: &"Spring Boot",
                    doc: &"server.tomcat.threads.max default [SB-TOMCAT]",
                    anchor: None,
                },
            )
        }),
    };
    Service {
        threads: Some(threads),
        jpa: jpa_facts(app).map(Box::new),
        active_profiles: active_profiles(effective).map(Box::new),
        liveness_checks_db: liveness_group_db(effective).map(Box::new),
        ..Service::new(app.scope.to_string(), Ecosystem::Spring, pools)
    }
}

/// Spring Boot's default `server.tomcat.max-connections` [SB-TOMCAT].
const TOMCAT_DEFAULT_MAX_CONNECTIONS: i64 = 8192;

/// Where `spring.threads.virtual.enabled: true` is written (Spring Boot 3.2+, on Java
/// 21): None when it is not set to true.
fn virtual_threads<'a>(effective: &Effective<'a>) -> Option<&'a Leaf> {
    let leaf = effective
        .get("spring.threads.virtual.enabled")
        .filter(|l| !is_null(l))?;
    let enabled = parse_value(leaf, Some(effective), parse_boolean);
    (enabled.known() == Some(&true)).then_some(leaf)
}

/// The requests one process serves at once on virtual threads: Tomcat then runs each on
/// a virtual thread of an executor without a thread limit
/// (`TomcatVirtualThreadsWebServerFactoryCustomizer`), so `server.tomcat.threads.max`
/// does not bound them; `server.tomcat.max-connections` does (8192 by default).
fn virtual_request_bound(effective: &Effective, enabled: &Leaf) -> Setting<i64> {
    tomcat_setting(effective, &["server.tomcat.maxconnections"]).unwrap_or_else(|| {
        Setting::known(
            TOMCAT_DEFAULT_MAX_CONNECTIONS,
            Origin::Inferred {
                from: "spring.threads.virtual.enabled: virtual threads have no limit, so server.tomcat.max-connections (default 8192) bounds the requests served at once".into(),
                at: Some(enabled.value_location),
            },
        )
    })
}

/// The first of the Tomcat properties `canonical` the configuration sets, as a number.
fn tomcat_setting(effective: &Effective, canonical: &[&str]) -> Option<Setting<i64>> {
    let (key, leaf) = canonical
        .iter()
        .find_map(|k| Some((*k, effective.get(k)?)))?;
    let shown = match key {
        "server.tomcat.maxconnections" => "server.tomcat.max-connections",
        _ => "server.tomcat.threads.max",
    };
    Some(Setting {
        value: parse_value(leaf, Some(effective), |t| {
            parse_int(t, typing(leaf), i64::MIN, i64::MAX)
        }),
        origin: Origin::File {
            file: leaf.value_location.file,
            span: leaf.value_location.span,
            key: shown.into(),
            via: via_of(leaf, effective),
        },
    })
}

/// `spring.profiles.active` as the default profile's files set it (a list, or a string
/// Spring splits at commas): the profiles a process runs unless its environment says
/// otherwise. Placeholders resolve as in every other value (Spring binds the active
/// profiles with a placeholder-resolving binder: `ConfigDataEnvironment.withProfiles`):
/// `${APP_PROFILE:prod}` is `prod`, and its origin's `via` names `APP_PROFILE`, which a
/// deployment's variable of that name replaces (`model::profiles`). A placeholder
/// without a value or default makes the list unknown.
fn active_profiles(effective: &Effective) -> Option<Setting<Vec<String>>> {
    profile_list(effective, "spring.profiles.active")
}

/// A list of profiles at `key` (`spring.profiles.active`, `.default`) as `effective` sets
/// it: a list, or a string Spring splits at commas, its placeholders resolved.
fn profile_list(effective: &Effective, key: &'static str) -> Option<Setting<Vec<String>>> {
    let leaves: Vec<&Leaf> = effective
        .winners
        .iter()
        .filter(|(k, _)| {
            k.strip_prefix(key)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('['))
        })
        .map(|(_, leaf)| *leaf)
        .filter(|leaf| !leaf.value.trim().is_empty())
        .collect();
    let first = leaves.first()?;
    let mut profiles = Val::Known(Vec::new());
    let mut via = None;
    for leaf in &leaves {
        via = via.or_else(|| via_of(leaf, effective));
        let value = leaf_profiles(leaf, effective);
        profiles = profiles.and_then(|mut list| {
            value.and_then(|value| {
                list.extend(value);
                Val::Known(list)
            })
        });
    }
    if let Val::Known(list) = &mut profiles {
        list.retain(|p| !p.is_empty());
        // Nothing listed and nothing a deployment could set: no active profile.
        if list.is_empty() && via.is_none() {
            return None;
        }
    }
    Some(Setting {
        value: profiles,
        origin: Origin::File {
            file: first.value_location.file,
            span: first.value_location.span,
            key: key.into(),
            via,
        },
    })
}

/// The profiles one leaf of a profile list names, its placeholders resolved in
/// `effective`: a list element is one profile; a string lists them with commas.
fn leaf_profiles(leaf: &Leaf, effective: &Effective) -> Val<Vec<String>> {
    let value = parse_value(leaf, Some(effective), |t| Ok(t.to_owned()));
    value.and_then(|value| {
        if leaf.canonical.ends_with(']') {
            Val::Known(vec![value.trim().to_owned()])
        } else {
            Val::Known(value.split(',').map(|p| p.trim().to_owned()).collect())
        }
    })
}

/// Where the default profile's configuration adds the `db` health indicator to the
/// liveness group (`management.endpoint.health.group.liveness.include: livenessState,db`,
/// or a list holding `db`): `/actuator/health/liveness` then checks the database.
fn liveness_group_db(effective: &Effective) -> Option<Location> {
    let key = "management.endpoint.health.group.liveness.include";
    effective
        .winners_from(key)
        .take_while(|(k, _)| k.starts_with(key))
        .filter(|(k, _)| {
            k.len() == key.len() || k.get(key.len()..).is_some_and(|r| r.starts_with('['))
        })
        .map(|(_, leaf)| leaf)
        .find(|leaf| leaf.value.split(',').any(|name| name.trim() == "db"))
        .map(|leaf| leaf.value_location)
}

/// JPA is configured when any `spring.jpa.*` key is written.
fn jpa_facts(app: &App) -> Option<JpaFacts> {
    let anchor = *app.prefixes.get("spring.jpa")?;
    let open_in_view = app
        .leaves
        .iter()
        .filter(|l| l.canonical == "spring.jpa.openinview")
        .min_by_key(|l| (l.condition.is_some(), std::cmp::Reverse(l.rank)))
        .map(|leaf| Setting {
            value: parse_value(leaf, None, parse_boolean),
            origin: Origin::File {
                file: leaf.value_location.file,
                span: leaf.value_location.span,
                key: "spring.jpa.open-in-view".into(),
                via: leaf.via.as_deref().map(Into::into),
            },
        });
    Some(JpaFacts {
        open_in_view,
        anchor,
    })
}

/// YAML null or an empty value: Spring treats the key as unset.
fn is_null(leaf: &Leaf) -> bool {
    leaf.style == ScalarStyle::Plain
        && matches!(leaf.value.as_str(), "" | "~" | "null" | "Null" | "NULL")
}

/// Resolve placeholders, then parse; placeholders without defaults are unknown.
/// With `effective`, a placeholder naming a property the application's files set for
/// that profile takes the property's value (see [`resolve_in`]).
fn parse_value<T>(
    leaf: &Leaf,
    effective: Option<&Effective>,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Val<T> {
    // Without a placeholder the value is its own text: no substituted copy is needed.
    let text = if leaf.via.is_none() {
        Cow::Borrowed(leaf.value.as_str())
    } else {
        let resolved = match effective {
            Some(effective) => resolve_in(
                effective,
                &leaf.value,
                &mut Vec::new(),
                &mut None,
                &mut Vec::new(),
            ),
            None => resolve_placeholders(&leaf.value)
                .value
                .ok_or(Unresolved::NoDefault),
        };
        match resolved {
            Ok(text) => Cow::Owned(text),
            Err(Unresolved::NoDefault) => {
                return Val::unknown(format!("`{}` has no default", leaf.value))
            }
            Err(Unresolved::Circular(name)) => {
                return Val::unknown(format!(
                    "`{}` refers back to `{name}`: Spring refuses a circular placeholder reference",
                    leaf.value
                ))
            }
            Err(Unresolved::TooDeep) => {
                return Val::unknown(format!(
                    "`{}` goes through more than {MAX_PLACEHOLDER_DEPTH} placeholders",
                    leaf.value
                ))
            }
            Err(Unresolved::NotInFiles(name)) => {
                return Val::unknown(format!(
                    "`{}` reads the deployment's {name}, whose value the files do not give",
                    leaf.value
                ))
            }
        }
    };
    match parse(text.trim()) {
        Ok(value) => Val::Known(value),
        Err(reason) if leaf.via.is_some() => invalid_without_password_defaults(leaf, &text, reason),
        Err(reason) => Val::invalid(text.into_owned(), reason),
    }
}

/// An invalid value resolved from `leaf`'s placeholders, with the password defaults it
/// holds ([`password_defaults`]) written `****` where it and the reason quote it: the
/// scrubber leaves a short or all-letter secret inside a longer word
/// (`${DB_PASSWORD:pw}0` is quoted as `pw0`).
fn invalid_without_password_defaults<T>(leaf: &Leaf, text: &str, reason: String) -> Val<T> {
    let password = is_password_key(last_name(&leaf.canonical));
    let mut defaults: Vec<&str> = password_defaults(&leaf.value, password, 0)
        .into_iter()
        .filter_map(|range| leaf.value.get(range))
        .collect();
    if defaults.is_empty() {
        return Val::invalid(text.to_owned(), reason);
    }
    // Longest first: a default inside a longer one goes with it.
    defaults.sort_by_key(|d| std::cmp::Reverse(d.len()));
    let shown = defaults
        .iter()
        .fold(text.to_owned(), |shown, d| shown.replace(d, "****"));
    // The reason quotes the value whole (`` `pw0` is not a whole number ``).
    let quoted = |t: &str| ["`", t.trim(), "`"].concat();
    let reason = reason.replace(&quoted(text), &quoted(&shown));
    Val::invalid(shown, reason)
}

/// The variable a setting's value goes through, for its origin: the first placeholder
/// whose default is taken (`${db.pool}` with `db.pool: ${DB_POOL:50}` is DB_POOL's
/// default), none when every placeholder took the value of a property the files set
/// (`${db.pool}` with `db.pool: 50` is the file's 50, not a default; the setting still
/// points at the `${db.pool}` as written), else the leaf's first placeholder.
fn via_of(leaf: &Leaf, effective: &Effective) -> Option<Box<str>> {
    let via = leaf.via.as_ref()?;
    let mut defaulted = None;
    match resolve_in(
        effective,
        &leaf.value,
        &mut Vec::new(),
        &mut defaulted,
        &mut Vec::new(),
    ) {
        Ok(_) => defaulted.map(Into::into),
        Err(_) => Some(via.as_str().into()),
    }
}

/// Most properties one value's placeholders go through (`a=${b}`, `b=${c}`, ...): a
/// longer chain is not followed (Spring follows any, but fails on a cycle).
const MAX_PLACEHOLDER_DEPTH: usize = 32;

/// Why a value's placeholders give no value.
#[derive(Debug, PartialEq, Eq)]
enum Unresolved {
    /// A placeholder names nothing the files set and has no default: an environment
    /// variable or system property must give it.
    NoDefault,
    /// A placeholder names a property whose value leads back to it.
    Circular(String),
    /// Past [`MAX_PLACEHOLDER_DEPTH`].
    TooDeep,
    /// A placeholder names a deployment's variable whose value the files do not give (a
    /// Secret's).
    NotInFiles(String),
}

/// Substitute Spring placeholders in `text` as Spring's `PropertyPlaceholderHelper`
/// does against the environment: `${name}` and `${name:default}` take the value of the
/// property `name` when the application's files set it in this profile (that value's
/// own placeholders resolved in turn), else the default. `chain` holds the properties
/// being resolved, to stop a cycle; `defaulted` gets the name of the first placeholder
/// whose default is taken; `read` every property whose value was read (a password's:
/// [`referenced_passwords`]).
/// Environment variables are not known here: a deployment's variable of the name of a
/// placeholder whose default is taken still replaces the value later, as environment
/// variables come before the files among Spring's property sources (see [`via_of`]).
fn resolve_in<'a>(
    effective: &Effective<'a>,
    text: &str,
    chain: &mut Vec<String>,
    defaulted: &mut Option<String>,
    read: &mut Vec<&'a Leaf>,
) -> Result<String, Unresolved> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let Some(len) = super::nested_braces_len(rest.get(start..).unwrap_or("")) else {
            break;
        };
        out.push_str(rest.get(..start).unwrap_or(""));
        let inner = rest.get(start + 2..start + len - 1).unwrap_or("");
        let (name, default) = match inner.split_once(':') {
            Some((name, default)) => (name, Some(default)),
            None => (inner, None),
        };
        if chain.len() >= MAX_PLACEHOLDER_DEPTH {
            return Err(Unresolved::TooDeep);
        }
        if let Some(var) = effective.variable(name) {
            if var.unknown_from.is_some() {
                return Err(Unresolved::NotInFiles(var.name.to_string()));
            }
            if chain.iter().any(|c| c == name) {
                return Err(Unresolved::Circular(name.to_owned()));
            }
            chain.push(name.to_owned());
            let resolved = resolve_in(effective, &var.value, chain, defaulted, read);
            chain.pop();
            out.push_str(&resolved?);
            rest = rest.get(start + len..).unwrap_or("");
            continue;
        }
        let value = match effective.property(name) {
            Some(_) if chain.iter().any(|c| c == name) => {
                return Err(Unresolved::Circular(name.to_owned()))
            }
            Some(leaf) => {
                read.push(leaf);
                chain.push(name.to_owned());
                // Spring reads a YAML null or empty value as the empty string.
                let value = if is_null(leaf) {
                    ""
                } else {
                    leaf.value.as_str()
                };
                let resolved = resolve_in(effective, value, chain, defaulted, read);
                chain.pop();
                resolved?
            }
            None => match default {
                Some(default) => {
                    if defaulted.is_none() {
                        *defaulted = Some(name.trim().to_owned());
                    }
                    // A default's own placeholders count toward the depth too.
                    chain.push(String::new());
                    let resolved = resolve_in(effective, default, chain, defaulted, read);
                    chain.pop();
                    resolved?
                }
                None => return Err(Unresolved::NoDefault),
            },
        };
        out.push_str(&value);
        rest = rest.get(start + len..).unwrap_or("");
    }
    out.push_str(rest);
    Ok(out)
}

/// How a value reaches Spring's binder, which decides how a number is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Typing {
    /// A YAML plain scalar: SnakeYAML types it by YAML 1.1 (`030` octal, `1_000`,
    /// `20.0` a Double).
    Yaml11,
    /// A string Spring converts: `.properties` values, quoted YAML, environment
    /// variables and whatever a placeholder resolves to.
    Text,
}

fn typing(leaf: &Leaf) -> Typing {
    if leaf.style == ScalarStyle::Plain && !leaf.own_properties && leaf.via.is_none() {
        Typing::Yaml11
    } else {
        Typing::Text
    }
}

/// An integer as Spring binds it into a property of range `min..=max` (a Java `int` or
/// `long`).
fn parse_int(text: &str, typing: Typing, min: i64, max: i64) -> Result<i64, String> {
    let value = match typing {
        Typing::Yaml11 => yaml11_number(text)?,
        Typing::Text => spring_number(text)?,
    };
    if value < i128::from(min) || value > i128::from(max) {
        return Err(format!(
            "`{text}` is out of range (the property is a Java {})",
            java_type(max)
        ));
    }
    i64::try_from(value).map_err(|_| format!("`{text}` is out of range"))
}

fn not_whole(text: &str) -> String {
    format!("`{text}` is not a whole number")
}

/// A string converted by Spring's `NumberUtils.parseNumber`: `0x`, `0X` or `#` is hex
/// (`Integer.decode`), anything else `Integer.valueOf`, decimal only, so `010` is 10
/// and `1_0` fails at start-up.
fn spring_number(text: &str) -> Result<i128, String> {
    // NumberUtils trims all whitespace, inside too.
    let trimmed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let (negative, unsigned) = match trimmed.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, trimmed.as_str()),
    };
    let hex = ["0x", "0X", "#"]
        .iter()
        .find_map(|prefix| unsigned.strip_prefix(prefix));
    let (radix, digits) = match hex {
        Some(digits) => (16, digits),
        None if negative => (10, unsigned),
        None => (10, unsigned.strip_prefix('+').unwrap_or(unsigned)),
    };
    let magnitude = radix_digits(digits, radix).ok_or_else(|| not_whole(text))?;
    Ok(if negative { -magnitude } else { magnitude })
}

/// A YAML plain scalar as SnakeYAML's YAML 1.1 resolver types it: an int (`0b`, `0x`,
/// leading-zero octal, `_` separators, sexagesimal `1:30`) or a float, which Spring's
/// `NumberUtils.convertNumberToTargetClass` truncates with `intValue()`/`longValue()`
/// (`20.0` binds as 20).
fn yaml11_number(text: &str) -> Result<i128, String> {
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let cleaned = unsigned.replace('_', "");
    let magnitude = if let Some(hex) = cleaned.strip_prefix("0x") {
        radix_digits(hex, 16)
    } else if let Some(binary) = cleaned.strip_prefix("0b") {
        radix_digits(binary, 2)
    } else if cleaned.contains(':') {
        sexagesimal(&cleaned)
    } else if cleaned.len() > 1 && cleaned.starts_with('0') && !cleaned.contains(['.', 'e', 'E']) {
        radix_digits(cleaned.get(1..).unwrap_or(""), 8)
    } else {
        radix_digits(&cleaned, 10).or_else(|| yaml11_float(&cleaned))
    };
    let magnitude = magnitude.ok_or_else(|| not_whole(text))?;
    Ok(if negative { -magnitude } else { magnitude })
}

/// A YAML 1.1 float (`20.0`, `.5`, `1e3`) truncated toward zero; None for other text and
/// for `.inf`/`.nan`, which no pool property can take.
fn yaml11_float(text: &str) -> Option<i128> {
    let (mantissa, exponent) = match text.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e)),
        None => (text, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok =
        digits(whole) && digits(fraction) && !(whole.is_empty() && fraction.is_empty());
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    if !mantissa_ok || !exponent_ok {
        return None;
    }
    let value: f64 = format!(
        "{}.{}0{}",
        if whole.is_empty() { "0" } else { whole },
        fraction,
        exponent.map(|e| format!("e{e}")).unwrap_or_default()
    )
    .parse()
    .ok()?;
    // i128 holds any Java long; larger values are out of range either way.
    (value.is_finite() && value.abs() < 1e30).then(|| value.trunc() as i128)
}

/// `1:30` in base 60, as YAML 1.1 reads a plain scalar of colon-separated digit groups.
fn sexagesimal(text: &str) -> Option<i128> {
    let mut parts = text.split(':');
    let first = radix_digits(parts.next()?, 10)?;
    parts.try_fold(first, |acc, part| {
        let digit = radix_digits(part, 10).filter(|d| *d < 60 && part.len() <= 2)?;
        acc.checked_mul(60)?.checked_add(digit)
    })
}

/// Digits in `radix`, none of them a sign; None when empty, malformed or too long.
fn radix_digits(digits: &str, radix: u32) -> Option<i128> {
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    i128::from_str_radix(digits, radix).ok()
}

fn java_type(max: i64) -> &'static str {
    if max == i64::from(i32::MAX) {
        "int"
    } else {
        "long"
    }
}

/// A HikariCP millisecond `long`. Values with a unit (`30s`) do not bind: Spring's
/// conversion to `long` fails at start-up.
fn parse_millis(text: &str, typing: Typing, property: &str) -> Result<Duration, String> {
    match parse_int(text, typing, i64::MIN, i64::MAX) {
        Ok(v) if v < 0 => Err(format!("`{text}` is negative")),
        Ok(v) => Ok(Duration::from_millis(u64::try_from(v).unwrap_or(0))),
        Err(_) if has_unit_suffix(text) => Err(format!(
            "`{text}` has a unit, but HikariCP's {property} is a plain number of milliseconds"
        )),
        Err(e) => Err(e),
    }
}

/// `30s`, `500 ms`, `1m`, `2h`, `PT30S`.
pub fn has_unit_suffix(text: &str) -> bool {
    let t = text.trim();
    if t.starts_with("PT") || t.starts_with("pt") {
        return true;
    }
    let digits = t
        .trim_end_matches(|c: char| c.is_ascii_alphabetic())
        .trim_end();
    let unit = t.get(digits.len()..).unwrap_or("").trim();
    !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && matches!(unit, "ns" | "us" | "ms" | "s" | "m" | "min" | "h" | "d")
}

fn parse_boolean(text: &str) -> Result<bool, String> {
    parse_bool(text).ok_or_else(|| format!("`{text}` is not a boolean"))
}

/// Booleans as SnakeYAML (YAML 1.1) and Spring's converter read them.
fn parse_bool(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "on" | "yes" | "y" => Some(true),
        "false" | "off" | "no" | "n" => Some(false),
        _ => None,
    }
}

/// Whether an environment variable is one Spring Boot binds to a `spring.*` property:
/// `SPRING_…`, or the property's own name (`spring.datasource.hikari.maximum-pool-size`,
/// which Compose and Kubernetes accept as a variable name): the system environment's
/// property source maps names with `SystemEnvironmentPropertyMapper` and then
/// `DefaultPropertyMapper` (`SpringConfigurationPropertySource`), which reads a name in
/// the property's own form.
pub fn is_spring_variable(name: &str) -> bool {
    name.starts_with("SPRING_") || name.starts_with("spring.") || java_property(name).is_some()
}

/// A Spring property a deployment passes on a Java process's command line, which its
/// reader records among the process's variables under the option as written (the
/// Kubernetes reader: `command` and `args`): `--spring.x` is a command-line argument,
/// Spring Boot's highest property source, `-Dspring.x` a JVM system property, above the
/// environment variables and below `SPRING_APPLICATION_JSON` (the reference's
/// "Externalized Configuration" order) [SB-EXTERNAL]. The property, and its rank among
/// the environment's sources ([`environment_form`]).
pub fn java_property(name: &str) -> Option<(&str, usize)> {
    let (key, form) = match name.strip_prefix("--") {
        Some(key) => (key, COMMAND_LINE_FORM),
        None => (name.strip_prefix("-D")?, SYSTEM_PROPERTY_FORM),
    };
    key.starts_with("spring.").then_some((key, form))
}

/// Spring Boot's binding of an environment variable name: `SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE`
/// is `spring.datasource.hikari.maximumpoolsize` (underscores are dots, case is ignored)
/// [SB-EXTERNAL]; a name in the property's form is that property, relaxed as in the
/// files. None for other names ([`is_spring_variable`]).
fn environment_key(name: &str) -> Option<Vec<String>> {
    if name.starts_with("spring.") {
        return Some(key_parts(name).map(str::to_owned).collect());
    }
    if !name.starts_with("SPRING_") {
        return None;
    }
    let mut parts: Vec<String> = name
        .split('_')
        .filter(|p| !p.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    join_legacy_property(&mut parts);
    Some(parts)
}

/// Spring Boot also binds the legacy form, where each `-` of a property became `_`:
/// `SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE` is `maximum-pool-size`, for a second
/// data source's pool too (`SPRING_DATASOURCE_SECONDARY_MAXIMUM_POOL_SIZE`), and
/// `SPRING_JPA_OPEN_IN_VIEW` is `spring.jpa.open-in-view` [SB-ENVMAP]. The first run of
/// words after the prefix that names a property poollint reads (the longest there) is
/// one key.
fn join_legacy_property(parts: &mut Vec<String>) {
    join_legacy_words(parts, &["spring", "datasource"], |joined| {
        hikari::property_for(joined).is_some()
    });
    join_legacy_words(parts, &["spring", "jpa"], |joined| joined == "openinview");
}

/// [`join_legacy_property`] for the properties under `prefix` that `is_property` knows
/// (by their words joined).
fn join_legacy_words(parts: &mut Vec<String>, prefix: &[&str], is_property: impl Fn(&str) -> bool) {
    if parts.len() < prefix.len() + 2 || !parts.iter().zip(prefix).all(|(p, q)| p == q) {
        return;
    }
    let joined =
        |start: usize, n: usize| -> Option<String> { Some(parts.get(start..start + n)?.concat()) };
    let found = (prefix.len()..parts.len()).find_map(|start| {
        let longest = (2..=parts.len() - start)
            .rev()
            .find(|&n| joined(start, n).is_some_and(|j| is_property(&j)))?;
        Some((start, longest))
    });
    if let Some((start, n)) = found {
        let key = joined(start, n).unwrap_or_default();
        parts.splice(start..start + n, [key]);
    }
}

/// The Spring pools and entries that `vars` alone configure (the container's environment
/// over nothing else), for a workload named `scope`. Environment variables win over
/// every file, as in Spring Boot.
pub fn model_from_environment(scope: &str, vars: &[crate::model::EnvVar]) -> Model {
    let app = environment_app(scope, vars);
    if app.leaves.is_empty() {
        return Model::default();
    }
    let mut model = Model::default();
    let effective = Effective::for_profile(&app, &[], None);
    model
        .pools
        .extend(pools_of(&app, &effective).into_iter().map(Box::new));
    entries_and_secrets(app, &mut model);
    model
}

/// What `vars` tell of the application besides its pools, outranking its files: its
/// JPA facts (`SPRING_JPA_OPEN_IN_VIEW`) and the pool library Spring Boot's
/// auto-configuration builds (`SPRING_DATASOURCE_TYPE`; None when its value is not
/// known, a Secret's), each None when no variable sets it (`SPRING_APPLICATION_JSON`
/// may set either). The application is made only when a variable may set one: most
/// deployments set none.
pub fn service_facts_from_environment(
    scope: &str,
    vars: &[crate::model::EnvVar],
) -> (Option<JpaFacts>, Option<Library>) {
    let under = |parts: &[String], prefix: &[&str]| {
        parts.len() >= prefix.len() && parts.iter().zip(prefix).all(|(p, q)| p == q)
    };
    let sets_one = |var: &crate::model::EnvVar| {
        var.name == "SPRING_APPLICATION_JSON"
            || variable_property(&var.name).is_some_and(|(parts, _)| {
                under(&parts, &["spring", "jpa"])
                    || under(&parts, &["spring", "datasource", "type"])
            })
    };
    if !vars.iter().any(sets_one) {
        return (None, None);
    }
    let app = environment_app(scope, vars);
    let effective = Effective::for_profile(&app, &[], None);
    let library = effective.get("spring.datasource.type").and_then(|leaf| {
        let known = vars
            .iter()
            .find(|v| v.value_location == leaf.value_location)
            .is_none_or(|v| v.unknown_from.is_none());
        known.then(|| active_library(&effective))
    });
    (jpa_facts(&app), library)
}

/// The property a variable of the process sets (an environment variable's, or a
/// command-line option's: [`java_property`]), as key elements, and its rank among the
/// environment's sources. None for a variable Spring Boot binds to no property.
fn variable_property(name: &str) -> Option<(Vec<String>, usize)> {
    if let Some((key, form)) = java_property(name) {
        return Some((key_parts(key).map(str::to_owned).collect(), form));
    }
    let parts = environment_key(name)?;
    let form = environment_form(name, parts.len());
    Some((parts, form))
}

/// Where a variable of `elements` key elements ranks among the variables setting the
/// same property, whatever their order (`System.getenv()` has none): Spring Boot's
/// `SystemEnvironmentPropertyMapper` tries `SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE`,
/// then the legacy `SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE`, and only then its
/// `DefaultPropertyMapper` the dotted name [SB-ENVMAP]; the first found wins. As a
/// leaf's document rank (20 bits in [`precedence`]), below `SPRING_APPLICATION_JSON`.
fn environment_form(name: &str, elements: usize) -> usize {
    if name.starts_with("spring.") {
        SYSTEM_PROPERTY_FORM - 3
    } else if name.split('_').filter(|w| !w.is_empty()).count() > elements {
        SYSTEM_PROPERTY_FORM - 2
    } else {
        SYSTEM_PROPERTY_FORM - 1
    }
}

/// The document ranks (20 bits in [`precedence`]) of the property sources above the
/// environment variables' ([`environment_form`]), in Spring Boot's order: JVM system
/// properties, then `SPRING_APPLICATION_JSON`, then command-line arguments.
const COMMAND_LINE_FORM: usize = (1 << 20) - 1;
const APPLICATION_JSON_FORM: usize = COMMAND_LINE_FORM - 1;
const SYSTEM_PROPERTY_FORM: usize = COMMAND_LINE_FORM - 2;

/// The application `vars` alone make: each variable Spring Boot binds a leaf, ranked
/// above every file's, for a workload named `scope`.
fn environment_app(scope: &str, vars: &[crate::model::EnvVar]) -> App {
    let mut app = App::empty(scope.into());
    for (order, var) in vars.iter().enumerate() {
        if var.name == "SPRING_APPLICATION_JSON" {
            application_json(var, &mut app);
            continue;
        }
        let Some((parts, form)) = variable_property(&var.name) else {
            continue;
        };
        // Each prefix of the key is the one before it and one more element.
        let mut prefix = String::new();
        let mut verbatim = false;
        for part in &parts {
            push_canonical_element(&mut prefix, 0, &mut verbatim, part, false);
            if !app.prefixes.contains_key(&prefix) {
                app.prefixes.insert(prefix.clone(), var.name_location);
            }
        }
        app.leaves.push(Leaf {
            location_key: var.name_location,
            raw_key: EntryKey::new(&var.name),
            // The last prefix is the whole key.
            canonical: EntryKey::new(&prefix),
            value: var.value.clone(),
            value_location: var.value_location,
            style: ScalarStyle::Plain,
            // The value's own text, or the whole scalar it was unescaped from or a
            // substitution made it from.
            text_start: var.text_map(),
            condition: None,
            rank: (ENVIRONMENT, true, form, order),
            own_properties: true,
            imported: false,
            via: placeholder_via(&var.value),
            // Ranked by the variables' order alone.
            dashed: false,
        });
    }
    app
}

/// The properties of `SPRING_APPLICATION_JSON` (inline JSON, flattened as YAML is),
/// which Spring Boot ranks above the other environment variables and every config file
/// (the reference's "Externalized Configuration" order): they win over both. Each points
/// at the whole value of the variable; a value the files do not give is not read.
fn application_json(var: &crate::model::EnvVar, app: &mut App) {
    if var.unknown_from.is_some() {
        return;
    }
    let doc = crate::syntax::parse(Format::Json, &var.value);
    let file = var.value_location.file;
    let mut prefixes = foldhash::HashMap::default();
    for root in &doc.roots {
        for leaf in flatten(&doc, *root, file, &var.value, &mut prefixes) {
            let order = app.leaves.len();
            app.leaves.push(Leaf {
                location_key: var.name_location,
                value_location: var.value_location,
                text_start: crate::model::TextMap::Whole,
                rank: (
                    ENVIRONMENT,
                    true,
                    APPLICATION_JSON_FORM,
                    usize::MAX / 2 + order,
                ),
                // A JSON number is a number to Spring (Jackson's Double `20.0` binds as
                // 20, as YAML's does), a JSON string a string.
                own_properties: false,
                ..leaf
            });
        }
    }
    for prefix in prefixes.into_keys() {
        app.prefixes.entry(prefix).or_insert(var.name_location);
    }
}

/// The profiles the property `key` (`spring.profiles.active`, `.default`) lists in a
/// deployment's `SPRING_APPLICATION_JSON` (`{"spring":{"profiles":{"active":"prod"}}}`
/// or `{"spring.profiles.active":"prod"}`): Spring Boot binds the profiles from every
/// property source, that one above the other variables and the files
/// ([`application_json`]). None when it does not set them, or when its value is not
/// one the files give (a Secret's), which is not read either for its pools.
pub fn application_json_profiles(
    environment: &[EnvVar],
    key: &'static str,
) -> Option<Val<Vec<String>>> {
    let var = EnvVar::last_named(environment, "SPRING_APPLICATION_JSON")?;
    if !var.value.contains("profiles") {
        return None;
    }
    let mut app = App::empty("".into());
    application_json(var, &mut app);
    profile_list(&Effective::unconditional(&app), key).map(|setting| setting.value)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `SPRING_APPLICATION_JSON` sets properties, over the other variables (it was
    /// ignored).
    #[test]
    fn spring_application_json_sets_properties_over_other_variables() {
        let at = Location {
            file: crate::source::FileId(0),
            span: Span::default(),
        };
        let var = |name: &str, value: &str| {
            crate::model::EnvVar::written(name.to_owned(), value.to_owned(), at, at)
        };
        let json = r#"{"spring":{"datasource":{"hikari":{"maximum-pool-size":60}}}}"#;
        for vars in [
            vec![var("SPRING_APPLICATION_JSON", json)],
            vec![
                var("SPRING_APPLICATION_JSON", json),
                var("SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE", "5"),
            ],
        ] {
            let model = model_from_environment("app", &vars);
            let pools: Vec<_> = model.pools.iter().map(|p| p.max.get().copied()).collect();
            assert_eq!(pools, [Some(60)]);
        }
        let broken = model_from_environment("app", &[var("SPRING_APPLICATION_JSON", "{")]);
        assert!(broken.pools.is_empty());
        // A JSON number is a number (Jackson's Double binds truncated, as YAML's does);
        // it was read as the text `20.0`, which Spring cannot bind.
        let double = r#"{"spring":{"datasource":{"hikari":{"maximum-pool-size":20.0}}}}"#;
        let model = model_from_environment("app", &[var("SPRING_APPLICATION_JSON", double)]);
        let pools: Vec<_> = model.pools.iter().map(|p| p.max.get().copied()).collect();
        assert_eq!(pools, [Some(20)]);
    }

    /// A location `spring.config.import` names that is not followed gets a note saying
    /// why (nothing said so); files are followed, without a note; a URL's credentials
    /// are not shown.
    #[test]
    fn spring_config_import_locations_not_followed_are_noted() {
        let text = "spring:\n  config:\n    import:\n      - optional:file:./db.yml\n      - classpath:db.yml\n      - optional:configserver:http://app:Zq9Imp01@config:8888\n---\nspring.config.import: db.properties, vault://secret, file:/etc/app/db.yml, conf/, ${DIR}/x.yml, x.xml\n";
        let (model, _) =
            crate::ecosystems::read_one(&Spring, "application.yml", Format::Yaml, text);
        let shown: Vec<&str> = model
            .notes
            .iter()
            .filter_map(|n| n.split('`').nth(1))
            .collect();
        assert_eq!(
            shown,
            [
                "classpath:db.yml",
                "optional:configserver:…",
                "vault:…",
                "file:/etc/app/db.yml",
                "${DIR}/x.yml",
                "x.xml"
            ]
        );
        assert!(model.notes.iter().all(|n| !n.contains("Zq9Imp01")));
        assert!(
            model.notes[0].starts_with("application.yml:5: spring.config.import")
                && model.notes[0].contains(
                    "not followed: the importing file is in no src/main/resources directory"
                ),
            "{}",
            model.notes[0]
        );
        let (model, _) = crate::ecosystems::read_one(
            &Spring,
            "application.properties",
            Format::Properties,
            "spring.config.import=\nspring.datasource.hikari.maximum-pool-size=5\n",
        );
        assert!(model.notes.is_empty(), "{:?}", model.notes);
    }

    /// Where import locations lead: `file:` from the project directory, `classpath:`
    /// and relative paths from the resources directory, the rest not followed.
    #[test]
    fn import_locations_resolve_as_spring_resolves_them() {
        use imports::{resolve, Target};
        let importer = Path::new("orders/src/main/resources/application.yml");
        let file = |location: &str| match resolve(location, importer) {
            Target::File { path, optional, .. } => Some((path, optional)),
            _ => None,
        };
        let path = |p: &str| Some((PathBuf::from(p), false));
        assert_eq!(
            file("file:config/db.properties"),
            path("orders/config/db.properties")
        );
        assert_eq!(file("file:./config/../db.yml"), path("orders/db.yml"));
        assert_eq!(
            file("classpath:/db/pool.yaml"),
            path("orders/src/main/resources/db/pool.yaml")
        );
        assert_eq!(
            file("db/pool.YML"),
            path("orders/src/main/resources/db/pool.YML")
        );
        assert_eq!(
            file("optional:classpath:db.properties"),
            Some((
                PathBuf::from("orders/src/main/resources/db.properties"),
                true
            ))
        );
        assert_eq!(file("file:config/db[.yaml]"), path("orders/config/db"));
        for skipped in [
            "file:/etc/db.yml",
            "/etc/db.yml",
            "configserver:http://x",
            "configtree:/etc/config/",
            "classpath*:db.yml",
            "config/",
            "db.json",
            "${A}/db.yml",
        ] {
            assert_eq!(file(skipped), None, "{skipped}");
        }
        // A file beside the jar (`./application.yml`, `./config/application.yml`).
        let beside = |importer: &str, location: &str| match resolve(location, Path::new(importer)) {
            Target::File { path, .. } => Some(path),
            _ => None,
        };
        assert_eq!(
            beside("app/config/application.yml", "file:db.yml"),
            Some(PathBuf::from("app/db.yml"))
        );
        assert_eq!(
            beside("app/config/application.yml", "db.yml"),
            Some(PathBuf::from("app/config/db.yml"))
        );
    }

    /// One application: `tops` its own files, `imported` files the engine read for its
    /// imports (paths in `app/`).
    fn read_with_imports(tops: &[(&str, &str)], imported: &[(&str, &str)]) -> Model {
        let dir = Path::new("app");
        let mut sources = SourceMap::default();
        let mut parsed: Vec<ParsedFile> = Vec::new();
        let all = tops
            .iter()
            .map(|f| (f, false))
            .chain(imported.iter().map(|f| (f, true)));
        for ((name, text), is_imported) in all {
            let path = dir.join(name);
            let format = if name.ends_with(".properties") {
                Format::Properties
            } else {
                Format::Yaml
            };
            let included_from = is_imported.then(|| (parsed[0].id, 0));
            parsed.push(crate::ecosystems::parsed_in(
                &mut sources,
                &path,
                text,
                format,
                included_from,
            ));
        }
        let refs: Vec<&ParsedFile> = parsed.iter().collect();
        Spring.read(&refs, &sources)
    }

    fn default_pool(model: &Model) -> Option<i64> {
        model.pools.first().and_then(|p| p.max.get().copied())
    }

    /// Imported values override the importing document's, wherever the import is
    /// written in it, and rank below the next document and a higher-ranked file; later
    /// locations override earlier ones, and a nested import its importer.
    #[test]
    fn an_import_ranks_above_its_document_and_below_the_next() {
        let pool = |n: u32| format!("spring.datasource.hikari.maximum-pool-size: {n}\n");
        let a = pool(10);
        let b = pool(20);
        let db = "spring.datasource.hikari.maximum-pool-size=40\n";
        /// The application's files, the imported files, the default pool's size.
        type Case<'a> = (Vec<(&'a str, String)>, Vec<(&'a str, &'a str)>, i64);
        let cases: Vec<Case> = vec![
            (vec![("application.yml", format!("{}spring.config.import: db.properties\n", pool(5)))], vec![("db.properties", db)], 40),
            (vec![("application.yml", format!("spring.config.import: db.properties\n{}", pool(5)))], vec![("db.properties", db)], 40),
            (vec![("application.yml", format!("spring.config.import: db.properties\n---\n{}", pool(7)))], vec![("db.properties", db)], 7),
            (vec![("application.yml", "spring.config.import: a.yml, b.yml\n".to_owned())], vec![("a.yml", &a), ("b.yml", &b)], 20),
            (vec![("application.yml", "spring.config.import: b.yml, a.yml\n".to_owned())], vec![("a.yml", &a), ("b.yml", &b)], 10),
            (vec![("application.yml", "spring.config.import: c.yml\n".to_owned())], vec![("c.yml", "spring.config.import: a.yml\nspring.datasource.hikari.maximum-pool-size: 30\n"), ("a.yml", &a)], 10),
            (vec![("application.yml", "spring.config.import: c.yml, b.yml\n".to_owned())], vec![("c.yml", "spring.config.import: a.yml\n"), ("a.yml", &a), ("b.yml", &b)], 20),
            (vec![("application.yml", "spring.config.import: db.properties\n".to_owned()), ("application.properties", "spring.datasource.hikari.maximum-pool-size=9\n".to_owned())], vec![("db.properties", db)], 9),
        ];
        for (tops, imported, expected) in cases {
            let tops: Vec<(&str, &str)> = tops.iter().map(|(n, t)| (*n, t.as_str())).collect();
            let model = read_with_imports(&tops, &imported);
            assert_eq!(
                default_pool(&model),
                Some(expected),
                "{tops:?} {imported:?}"
            );
            assert!(model.notes.is_empty(), "{:?}", model.notes);
        }
    }

    /// An import in an `on-profile` document is read in that profile only, with the
    /// imported document's own condition too; a profile-specific file another file
    /// imports is read as that import, not for its profile.
    #[test]
    fn an_import_in_a_profile_document_applies_in_that_profile_only() {
        let app = "spring.datasource.hikari.maximum-pool-size: 5\n---\nspring.config.activate.on-profile: prod\nspring.config.import: prod-db.yml\n";
        let prod_db = "spring.datasource.hikari.maximum-pool-size: 50\n---\nspring.config.activate.on-profile: eu\nspring.datasource.hikari.maximum-pool-size: 60\n";
        let model = read_with_imports(&[("application.yml", app)], &[("prod-db.yml", prod_db)]);
        let pools = pools_by_profile(&model);
        assert!(pools.contains(&(None, Some(5))), "{pools:?}");
        assert!(
            pools.contains(&(Some("prod".to_owned()), Some(50))),
            "{pools:?}"
        );
        assert!(
            pools.contains(&(Some("eu,prod".to_owned()), Some(60)))
                || pools.contains(&(Some("prod,eu".to_owned()), Some(60))),
            "{pools:?}"
        );
        assert!(
            !pools.contains(&(Some("eu".to_owned()), Some(60))),
            "{pools:?}"
        );
        let model = read_with_imports(
            &[
                (
                    "application.yml",
                    "spring.config.import: application-db.yml\n",
                ),
                (
                    "application-db.yml",
                    "spring.datasource.hikari.maximum-pool-size: 30\n",
                ),
            ],
            &[],
        );
        assert_eq!(pools_by_profile(&model), [(None, Some(30))]);
    }

    /// The profile-specific variants of an imported file are read in their profile:
    /// those of a file a plain top-level document imports above the profile-specific
    /// files (`moveProfileSpecific`), others right above their plain file.
    #[test]
    fn profile_specific_variants_of_an_import_are_read_in_their_profile() {
        let model = read_with_imports(
            &[
                (
                    "application.yml",
                    "spring.config.import: db.properties\nspring.datasource.hikari.maximum-pool-size: 5\n",
                ),
                (
                    "application-prod.yml",
                    "spring.datasource.hikari.maximum-pool-size: 30\n",
                ),
            ],
            &[
                ("db.properties", "spring.datasource.hikari.maximum-pool-size=40\n"),
                ("db-prod.properties", "spring.datasource.hikari.maximum-pool-size=50\n"),
                ("db-eu.properties", "spring.datasource.hikari.maximum-pool-size=60\n"),
            ],
        );
        let pools = pools_by_profile(&model);
        for expected in [(None, 40), (Some("prod"), 50), (Some("eu"), 60)] {
            let expected = (expected.0.map(str::to_owned), Some(expected.1));
            assert!(pools.contains(&expected), "{expected:?} in {pools:?}");
        }
        let model = read_with_imports(
            &[
                (
                    "application.yml",
                    "spring.datasource.hikari.maximum-pool-size: 5\n",
                ),
                (
                    "application-prod.yml",
                    "spring.config.import: x.yml\nspring.datasource.hikari.maximum-pool-size: 30\n",
                ),
                (
                    "application-eu.yml",
                    "spring.datasource.hikari.maximum-pool-size: 35\n",
                ),
            ],
            &[
                ("x.yml", "spring.datasource.hikari.maximum-pool-size: 20\n"),
                (
                    "x-eu.yml",
                    "spring.datasource.hikari.maximum-pool-size: 25\n",
                ),
            ],
        );
        let pools = pools_by_profile(&model);
        assert!(
            pools.contains(&(Some("prod".to_owned()), Some(20))),
            "{pools:?}"
        );
        assert!(
            pools.contains(&(Some("eu".to_owned()), Some(35))),
            "{pools:?}"
        );
    }

    /// A directory location reads the application files in it, `.properties` above
    /// `.yml`.
    #[test]
    fn a_directory_import_reads_its_application_files() {
        let model = read_with_imports(
            &[("application.yml", "spring.config.import: optional:conf/\n")],
            &[
                (
                    "conf/application.properties",
                    "spring.datasource.hikari.maximum-pool-size=40\n",
                ),
                (
                    "conf/application.yml",
                    "spring.datasource.hikari.maximum-pool-size: 30\n",
                ),
            ],
        );
        assert_eq!(default_pool(&model), Some(40));
        assert!(model.notes.is_empty(), "{:?}", model.notes);
    }

    /// An import leading back to a file on the way to it adds nothing, with a note;
    /// an import of a file read already elsewhere adds nothing, silently.
    #[test]
    fn an_import_cycle_ends_with_a_note() {
        let model = read_with_imports(
            &[(
                "application.yml",
                "spring.config.import: a.yml\nspring.datasource.hikari.maximum-pool-size: 5\n",
            )],
            &[
                ("a.yml", "spring.config.import: b.yml, application.yml\n"),
                (
                    "b.yml",
                    "spring.config.import: a.yml\nspring.datasource.hikari.maximum-pool-size: 20\n",
                ),
            ],
        );
        assert_eq!(default_pool(&model), Some(20));
        assert_eq!(model.notes.len(), 2, "{:?}", model.notes);
        assert!(
            model.notes[0].starts_with(
                "app/b.yml:1: spring.config.import `a.yml` adds nothing: app/a.yml is read already"
            ) && model.notes[1]
                .starts_with("app/a.yml:1: spring.config.import `application.yml` adds nothing"),
            "{:?}",
            model.notes
        );
    }

    /// `spring.profiles.active` resolved with a deployment's variables: a variable fills
    /// its placeholder only, through a chain of properties too; a variable no placeholder
    /// of the list reads leaves the files' list (None), and one from a Secret makes it
    /// unknown.
    #[test]
    fn active_profiles_resolve_with_the_deployments_variables() {
        let text = "spring:\n  profiles:\n    active: ${app.profile},eu\napp:\n  profile: ${A:prod}\n  other: ${B:x}\nspring.datasource.hikari.maximum-pool-size: ${DB_POOL:5}\n";
        let (model, _) =
            crate::ecosystems::read_one(&Spring, "application.yml", Format::Yaml, text);
        let facts = model.services[0].spring_profiles.as_deref();
        let Some(active_with) = facts.and_then(|f| f.active_with.clone()) else {
            panic!("no resolver: {facts:?}");
        };
        let at = Location {
            file: crate::source::FileId(0),
            span: Span::default(),
        };
        let var = |name: &str, value: &str, unknown: bool| EnvVar {
            unknown_from: unknown.then(|| "a Secret".into()),
            ..EnvVar::written(name.to_owned(), value.to_owned(), at, at)
        };
        let both = Some(Val::Known(vec!["dev".to_owned(), "eu".to_owned()]));
        assert_eq!(active_with(&[var("A", "dev", false)]), both);
        for unread in ["DB_POOL", "B"] {
            assert_eq!(active_with(&[var(unread, "dev", false)]), None, "{unread}");
        }
        let secret = active_with(&[var("A", "dev", true)]);
        assert!(matches!(secret, Some(Val::Unknown(_))), "{secret:?}");
        // Without a placeholder in the list there is nothing to resolve.
        let (model, _) = crate::ecosystems::read_one(
            &Spring,
            "application.yml",
            Format::Yaml,
            "spring.profiles.active: prod\n",
        );
        assert!(model.services[0].spring_profiles.is_none());
    }

    #[test]
    fn legacy_environment_names_bind_to_the_properties_read() {
        let key = |name: &str| environment_key(name).map(|parts| canonical_key(&parts));
        let pool_size = Some("spring.datasource.hikari.maximumpoolsize".to_owned());
        assert_eq!(key("SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE"), pool_size);
        assert_eq!(key("SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE"), pool_size);
        assert_eq!(
            key("SPRING_DATASOURCE_HIKARI_DATA_SOURCE_PROPERTIES_SOCKETTIMEOUT"),
            Some("spring.datasource.hikari.datasourceproperties.sockettimeout".to_owned())
        );
        assert_eq!(
            key("SPRING_DATASOURCE_HIKARI_NO_SUCH_THING"),
            Some("spring.datasource.hikari.no.such.thing".to_owned())
        );
        // A second data source's pool, and Spring's own property beside the pools.
        assert_eq!(
            key("SPRING_DATASOURCE_SECONDARY_MAXIMUM_POOL_SIZE"),
            Some("spring.datasource.secondary.maximumpoolsize".to_owned())
        );
        assert_eq!(
            key("SPRING_DATASOURCE_DRIVER_CLASS_NAME"),
            Some("spring.datasource.driverclassname".to_owned())
        );
        assert_eq!(
            key("SPRING_JPA_OPEN_IN_VIEW"),
            Some("spring.jpa.openinview".to_owned())
        );
        assert_eq!(key("DB_POOL"), None);
        // A variable named as the property binds to it, relaxed as in the files.
        assert_eq!(
            key("spring.datasource.hikari.maximum-pool-size"),
            pool_size.clone()
        );
        assert_eq!(key("spring.datasource.hikari.maximumPoolSize"), pool_size);
    }

    /// Within one document the dashed form wins wherever it is written (the later form
    /// won); across documents the later document still wins.
    #[test]
    fn the_dashed_form_of_a_key_wins_within_a_document() {
        let pools = |text: &str| -> Vec<Option<i64>> {
            let (model, _) =
                crate::ecosystems::read_one(&Spring, "application.yml", Format::Yaml, text);
            model.pools.iter().map(|p| p.max.get().copied()).collect()
        };
        let hikari = "spring:\n  datasource:\n    hikari:\n";
        let both = format!("{hikari}      maximum-pool-size: 10\n      maximumPoolSize: 50\n");
        assert_eq!(pools(&both), [Some(10)]);
        let both = format!("{hikari}      maximum_pool_size: 50\n      maximum-pool-size: 10\n");
        assert_eq!(pools(&both), [Some(10)]);
        let later = format!(
            "{hikari}      maximum-pool-size: 10\n---\n{hikari}      maximumPoolSize: 50\n"
        );
        assert_eq!(pools(&later), [Some(50)]);
        assert!(is_dashed_form("spring.datasource.hikari.maximum-pool-size"));
        assert!(!is_dashed_form("spring.datasource.hikari.maximumpoolsize"));
        assert!(!is_dashed_form("spring.datasource.hikari.maximumPoolSize"));
        assert!(!is_dashed_form("SPRING.datasource.url"));
    }

    /// A non-pooling `spring.datasource.type` is no HikariCP pool of 10 (it was).
    /// A document conditioned on a cloud platform is not read in every profile (it was):
    /// its pool is one that may run, like a profile's.
    #[test]
    fn an_on_cloud_platform_document_is_conditional() {
        let platform = "spring:\n  config:\n    activate:\n      on-cloud-platform: kubernetes\n  datasource:\n    hikari:\n      maximum-pool-size: 60\n";
        let text = format!(
            "spring:\n  datasource:\n    hikari:\n      maximum-pool-size: 10\n---\n{platform}"
        );
        let on = |label: &str, n: i64| (Some(label.to_owned()), Some(n));
        assert_eq!(
            profile_pools(&text),
            [(None, Some(10)), on("on-cloud-platform=kubernetes", 60)]
        );
        let both = text.replace("activate:\n", "activate:\n      on-profile: prod\n");
        assert_eq!(
            profile_pools(&both),
            [
                (None, Some(10)),
                on("prod,on-cloud-platform=kubernetes", 60)
            ]
        );
    }

    /// Legacy `spring.profiles: prod` is still read as the document's condition (Boot 2.x)
    /// and is a warning that Boot 3 refuses it (it was read without a word).
    #[test]
    fn a_legacy_spring_profiles_condition_is_a_warning() {
        let text = "spring:\n  datasource:\n    hikari:\n      maximum-pool-size: 10\n---\nspring:\n  profiles: prod\n  datasource:\n    hikari:\n      maximum-pool-size: 20\n";
        assert_eq!(
            profile_pools(text),
            [(None, Some(10)), (Some("prod".into()), Some(20))]
        );
        let (model, _) =
            crate::ecosystems::read_one(&Spring, "application.yml", Format::Yaml, text);
        let refused = &model.refused_values;
        assert_eq!(refused.len(), 1, "{refused:?}");
        assert!(refused[0].warning && refused[0].reason.contains("Spring Boot 3 refuses"));
        assert_eq!(
            text.get(refused[0].location.span.start..refused[0].location.span.end),
            Some("prod")
        );
    }

    /// With virtual threads, requests are bounded by server.tomcat.max-connections, not by
    /// Tomcat's 200 threads (which were assumed).
    #[test]
    fn virtual_threads_are_bounded_by_max_connections() {
        let threads = |text: &str| {
            let (model, _) =
                crate::ecosystems::read_one(&Spring, "application.yml", Format::Yaml, text);
            model.services[0]
                .threads
                .as_ref()
                .and_then(|t| t.get().copied())
        };
        let on = "spring:\n  threads:\n    virtual:\n      enabled: true\n";
        assert_eq!(threads(on), Some(8192));
        assert_eq!(
            threads(&format!(
                "{on}server:\n  tomcat:\n    max-connections: 500\n    threads:\n      max: 50\n"
            )),
            Some(500)
        );
        assert_eq!(threads(&on.replace("true", "false")), Some(200));
    }

    /// Spring Boot's "Configure Two DataSources" layout: the pool's URL is the one beside
    /// its `.configuration` prefix (it had none).
    #[test]
    fn a_configuration_prefix_takes_the_url_beside_it() {
        let text = "app.datasource.first.url=jdbc:postgresql://reporting-db:5432/first\napp.datasource.first.configuration.maximum-pool-size=30\n";
        let (model, _) = crate::ecosystems::read_one(
            &Spring,
            "application.properties",
            Format::Properties,
            text,
        );
        let host = model.pools[0]
            .connection
            .as_ref()
            .and_then(|c| c.host.as_ref())
            .and_then(|h| h.get().cloned());
        assert_eq!(host.as_deref(), Some("reporting-db"));
    }

    /// A pool of the application's own under `spring.datasource` (its own bean) is the
    /// only pool: Spring Boot's auto-configured one backs off. A key of Spring's own data
    /// source beside it (`spring.datasource.url`) makes that one too.
    #[test]
    fn an_own_pool_under_spring_datasource_is_not_also_spring_boots() {
        let names = |text: &str| {
            let (model, _) = crate::ecosystems::read_one(
                &Spring,
                "application.properties",
                Format::Properties,
                text,
            );
            model
                .pools
                .iter()
                .map(|p| p.name.clone())
                .collect::<Vec<_>>()
        };
        let own = "spring.datasource.secondary.jdbc-url=jdbc:postgresql://db/x\nspring.datasource.secondary.maximum-pool-size=5\n";
        assert_eq!(names(own), ["spring.datasource.secondary"]);
        let layout = "spring.datasource.primary.url=jdbc:postgresql://db/x\nspring.datasource.primary.hikari.maximum-pool-size=5\n";
        assert_eq!(names(layout), ["spring.datasource.primary.hikari"]);
        let both = format!("spring.datasource.url=jdbc:postgresql://db/y\n{own}");
        assert_eq!(
            names(&both),
            ["spring.datasource.hikari", "spring.datasource.secondary"]
        );
    }

    #[test]
    fn a_non_pooling_data_source_type_is_no_hikari_pool() {
        for class in [
            "org.springframework.jdbc.datasource.SimpleDriverDataSource",
            "org.springframework.jdbc.datasource.DriverManagerDataSource",
            "org.postgresql.ds.PGSimpleDataSource",
        ] {
            let text = format!("spring:\n  datasource:\n    type: {class}\n    url: jdbc:postgresql://db:5432/app\n");
            let (model, _) =
                crate::ecosystems::read_one(&Spring, "application.yml", Format::Yaml, &text);
            assert!(model.pools.is_empty(), "{class}: {:?}", model.pools);
        }
        let hikari = "spring:\n  datasource:\n    type: com.zaxxer.hikari.HikariDataSource\n    url: jdbc:postgresql://db:5432/app\n";
        let (model, _) =
            crate::ecosystems::read_one(&Spring, "application.yml", Format::Yaml, hikari);
        assert_eq!(model.pools.len(), 1);
    }

    #[test]
    fn placeholders_take_defaults_and_mark_the_variable() {
        let r = resolve_placeholders("${DB_POOL:10}");
        assert_eq!(r.value.as_deref(), Some("10"));
        assert_eq!(placeholder_via("${DB_POOL:10}").as_deref(), Some("DB_POOL"));
        assert_eq!(
            placeholder_via("jdbc:postgresql://${HOST:db}:5432/${DB}").as_deref(),
            Some("HOST")
        );
        assert_eq!(placeholder_via("plain"), None);
        assert_eq!(r.whole_default, Some(10..12));
        assert_eq!(resolve_placeholders("${DB_POOL}").value, None);
        let url = resolve_placeholders("jdbc:postgresql://${HOST:db}:5432/app");
        assert_eq!(url.value.as_deref(), Some("jdbc:postgresql://db:5432/app"));
        assert_eq!(
            resolve_placeholders("${A:${B:5}}").value.as_deref(),
            Some("5")
        );
        assert_eq!(
            resolve_placeholders("plain").value.as_deref(),
            Some("plain")
        );
        assert_eq!(
            resolve_placeholders("${broken").value.as_deref(),
            Some("${broken")
        );
    }

    #[test]
    fn relaxed_binding_collapses_forms() {
        let forms = [
            "maximum-pool-size",
            "maximumPoolSize",
            "maximum_pool_size",
            "MAXIMUM-POOL-SIZE",
        ];
        for form in forms {
            let key = format!("spring.datasource.hikari.{form}");
            let parts: Vec<&str> = key_parts(&key).collect();
            assert_eq!(
                canonical_key(&parts),
                "spring.datasource.hikari.maximumpoolsize"
            );
        }
        let jpa: Vec<&str> = key_parts("spring.jpa.properties.hibernate.jdbc.batch_size").collect();
        assert_eq!(
            canonical_key(&jpa),
            "spring.jpa.properties.hibernate.jdbc.batch_size"
        );
        assert_eq!(
            key_parts("a.b[0].c").collect::<Vec<_>>(),
            ["a", "b[0]", "c"]
        );
    }

    #[test]
    fn integers_follow_spring_and_yaml_1_1() {
        let (yaml, text) = (Typing::Yaml11, Typing::Text);
        let int = |t: &str, typing| parse_int(t, typing, i64::MIN, i64::MAX);
        assert_eq!(int("1_000", yaml), Ok(1000));
        assert_eq!(int("030", yaml), Ok(24));
        assert_eq!(int("0b101", yaml), Ok(5));
        assert_eq!(int("1:30", yaml), Ok(90));
        assert_eq!(int("-1", yaml), Ok(-1));
        assert!(parse_int(
            "99999999999999999999",
            yaml,
            i32::MIN.into(),
            i32::MAX.into()
        )
        .is_err());
        assert!(int("ten", yaml).is_err());
        // SnakeYAML gives a Double; Spring binds its intValue().
        assert_eq!(int("20.0", yaml), Ok(20));
        assert_eq!(int("1.5", yaml), Ok(1));
        assert_eq!(int("1e3", yaml), Ok(1000));
        assert!(int(".inf", yaml).is_err());
        // Strings (quoted YAML, .properties, placeholder defaults): NumberUtils.
        assert_eq!(int("030", text), Ok(30));
        assert_eq!(int("010", text), Ok(10));
        assert!(int("1_0", text).is_err());
        assert!(int("20.0", text).is_err());
        assert_eq!(int("0x10", text), Ok(16));
        assert_eq!(int("#10", text), Ok(16));
        assert_eq!(int("+7", text), Ok(7));
        assert_eq!(int("-0x10", text), Ok(-16));
    }

    /// The profile of each pool read from one `application.yml`, and its size.
    fn profile_pools(text: &str) -> Vec<(Option<String>, Option<i64>)> {
        let (model, _) =
            crate::ecosystems::read_one(&Spring, "application.yml", Format::Yaml, text);
        pools_by_profile(&model)
    }

    /// The profile of each pool of `model`, and its size.
    fn pools_by_profile(model: &Model) -> Vec<(Option<String>, Option<i64>)> {
        model
            .pools
            .iter()
            .map(|p| (p.profile.clone(), p.max.get().copied()))
            .collect()
    }

    #[test]
    fn profile_negations_lists_and_expressions() {
        let base = "spring:\n  datasource:\n    hikari:\n      maximum-pool-size: 5\n---\n";
        let negated = format!("{base}spring:\n  config:\n    activate:\n      on-profile: \"!local\"\n  datasource:\n    hikari:\n      maximum-pool-size: 40\n");
        // `!local` applies to the default profile too; `local` keeps the base's 5.
        assert_eq!(
            profile_pools(&negated),
            [(None, Some(40)), (Some("local".into()), Some(5))]
        );
        let listed = format!("{base}spring:\n  config:\n    activate:\n      on-profile: [prod, staging]\n  datasource:\n    hikari:\n      maximum-pool-size: 40\n");
        assert_eq!(
            profile_pools(&listed),
            [
                (None, Some(5)),
                (Some("prod".into()), Some(40)),
                (Some("staging".into()), Some(40))
            ]
        );
        // `prod & cloud` holds with both active, not with either alone: the pool is
        // read for the combination, named as SPRING_PROFILES_ACTIVE lists it.
        let expression = format!("{base}spring:\n  config:\n    activate:\n      on-profile: prod & cloud\n  datasource:\n    hikari:\n      maximum-pool-size: 40\n");
        assert_eq!(
            profile_pools(&expression),
            [(None, Some(5)), (Some("prod,cloud".into()), Some(40))]
        );
    }

    /// A document per condition, each setting the pool size after it.
    fn conditional(documents: &[(&str, i64)]) -> String {
        let mut text =
            "spring:\n  datasource:\n    hikari:\n      maximum-pool-size: 5\n".to_owned();
        for (condition, size) in documents {
            text.push_str(&format!("---\nspring:\n  config:\n    activate:\n      on-profile: \"{condition}\"\n  datasource:\n    hikari:\n      maximum-pool-size: {size}\n"));
        }
        text
    }

    #[test]
    fn profile_expressions_are_evaluated_against_the_active_profiles() {
        let some = |p: &str, n: i64| (Some(p.to_owned()), Some(n));
        // `|`: either profile alone reads the document; no profile is named `prod | staging`.
        assert_eq!(
            profile_pools(&conditional(&[("prod | staging", 40)])),
            [(None, Some(5)), some("prod", 40), some("staging", 40)]
        );
        // `!dev` holds in the default profile and in every profile but dev.
        assert_eq!(
            profile_pools(&conditional(&[("!dev", 40)])),
            [(None, Some(40)), some("dev", 5)]
        );
        // With prod and eu active, the `prod` document is read too, then the later
        // `prod & eu` one wins.
        assert_eq!(
            profile_pools(&conditional(&[("prod", 20), ("prod & eu", 40)])),
            [(None, Some(5)), some("prod", 20), some("prod,eu", 40)]
        );
        // A negation needs no profile: prod and staging alone read the document.
        assert_eq!(
            profile_pools(&conditional(&[("(prod | staging) & !eu", 40)])),
            [(None, Some(5)), some("prod", 40), some("staging", 40)]
        );
        assert_eq!(
            profile_pools(&conditional(&[("(prod | staging) & eu", 40)])),
            [(None, Some(5)), some("prod,eu", 40), some("staging,eu", 40)]
        );
        // A list: any expression matches.
        let listed = "spring:\n  datasource:\n    hikari:\n      maximum-pool-size: 5\n---\nspring:\n  config:\n    activate:\n      on-profile: [\"prod & eu\", qa]\n  datasource:\n    hikari:\n      maximum-pool-size: 40\n";
        assert_eq!(
            profile_pools(listed),
            [(None, Some(5)), some("qa", 40), some("prod,eu", 40)]
        );
    }

    #[test]
    fn profile_groups_activate_their_members() {
        let some = |p: &str, n: i64| (Some(p.to_owned()), Some(n));
        let text = "spring:\n  profiles:\n    group:\n      production: [proddb, prodmq]\n      local: devdb\n  datasource:\n    hikari:\n      maximum-pool-size: 5\n---\nspring:\n  config:\n    activate:\n      on-profile: \"proddb & !devdb\"\n  datasource:\n    hikari:\n      maximum-pool-size: 40\n";
        // `production` is read with proddb and prodmq accepted; `local` adds devdb,
        // whose pool is the default's.
        assert_eq!(
            profile_pools(text),
            [(None, Some(5)), some("proddb", 40), some("production", 40)]
        );
        let groups = BTreeMap::from([
            ("a".to_owned(), vec!["b".to_owned(), "c".to_owned()]),
            ("b".to_owned(), vec!["a".to_owned(), "d".to_owned()]),
            ("default".to_owned(), vec!["dev".to_owned()]),
        ]);
        // Depth first, each profile once (a cycle of groups ends).
        assert_eq!(
            accepted_profiles(&["a".to_owned()], &[], &groups, &[]),
            ["a", "b", "d", "c"]
        );
        // With no active profile, `default` and its group.
        let default = ["default".to_owned()];
        assert_eq!(
            accepted_profiles(&[], &[], &groups, &default),
            ["default", "dev"]
        );
    }

    /// `spring.profiles.default: prod` makes `prod` the profile read when none is active:
    /// its document, not the `on-profile: default` one, gives the default pool (which
    /// the `prod` pool then equals). A placeholder takes its default.
    #[test]
    fn spring_profiles_default_names_the_profiles_read_when_none_is_active() {
        for default in ["prod", "${DEFAULT_PROFILE:prod}", "[prod]"] {
            let text = format!(
                "spring:\n  profiles:\n    default: {default}\n{}",
                conditional(&[("prod", 40), ("default", 60)]).trim_start_matches("spring:\n")
            );
            assert_eq!(profile_pools(&text), [(None, Some(40))], "{default}");
        }
        // Only the documents read in every profile set it.
        let text = conditional(&[("prod", 40), ("default", 60)])
            + "---\nspring:\n  config:\n    activate:\n      on-profile: x\n  profiles:\n    default: prod\n";
        assert_eq!(
            profile_pools(&text),
            [
                (None, Some(60)),
                (Some("prod".into()), Some(40)),
                (Some("x".into()), Some(5))
            ]
        );
    }

    #[test]
    fn a_malformed_profile_expression_is_refused_at_its_value() {
        let text = conditional(&[("prod & eu | us", 40), ("prod,", 30)]);
        let (model, _) =
            crate::ecosystems::read_one(&Spring, "application.yml", Format::Yaml, &text);
        // Spring Boot does not start: the documents are read in no profile.
        let pools: Vec<_> = model.pools.iter().map(|p| p.max.get().copied()).collect();
        assert_eq!(pools, [Some(5)]);
        assert_eq!(model.refused_values.len(), 2, "{:?}", model.refused_values);
        let first = &model.refused_values[0];
        let at = text.find("\"prod & eu | us\"").unwrap_or(0);
        assert_eq!(first.location.span.start, at);
        assert!(
            first.reason.contains("`prod & eu | us`")
                && first.reason.contains("mixed without parentheses"),
            "{}",
            first.reason
        );
        assert!(
            model.refused_values[1].reason.contains("empty"),
            "{:?}",
            model.refused_values[1]
        );
    }

    /// One application read from YAML files `(name, text)` in one directory.
    fn read_files(files: &[(&str, &str)]) -> Model {
        let dir = Path::new("app");
        let mut sources = SourceMap::default();
        let mut parsed = Vec::new();
        for (name, text) in files {
            let path = dir.join(name);
            let id = sources.add(&path, (*text).to_owned(), crate::source::Encoding::Utf8);
            let doc = crate::syntax::parse(Format::Yaml, text);
            parsed.push(ParsedFile {
                included_from: None,
                id,
                path,
                format: Format::Yaml,
                doc,
            });
        }
        let refs: Vec<&ParsedFile> = parsed.iter().collect();
        Spring.read(&refs, &sources)
    }

    /// The leaves reserved for a file are those `flatten` makes of it: the scalar values,
    /// not the keys or the mappings, and a sequence's scalar items.
    #[test]
    fn a_files_scalar_values_are_its_leaves() {
        let text = "spring:\n  datasource:\n    url: jdbc:postgresql://db/app\n    hikari:\n      maximum-pool-size: 5\n      data-source-properties: {ssl: true}\napp:\n  hosts: [a, b, {c: d}]\n---\nserver.port: 8080\n";
        let doc = crate::syntax::parse(Format::Yaml, text);
        let mut prefixes = foldhash::HashMap::default();
        let leaves: usize = doc
            .roots
            .iter()
            .map(|root| flatten(&doc, *root, crate::source::FileId(0), text, &mut prefixes).len())
            .sum();
        assert_eq!(leaves, 7);
        assert_eq!(scalar_values(&doc), leaves);
    }

    /// The path arena is cut back as the walk leaves a subtree: the keys of every
    /// sibling, and of a sequence's items below each (their index parts point at the
    /// parts before them), still read whole.
    #[test]
    fn keys_of_siblings_and_their_sequences_are_whole_after_walked_subtrees() {
        let text = "app:
  key1:
    sub: s1
    list: [a, {x: b}]
  key2:
    list: [c]
  key3.deep:
    sub: s3
";
        let doc = crate::syntax::parse(Format::Yaml, text);
        let mut prefixes = foldhash::HashMap::default();
        let root = doc.roots[0];
        let leaves = flatten(&doc, root, crate::source::FileId(0), text, &mut prefixes);
        let keys: Vec<(&str, &str)> = leaves
            .iter()
            .map(|l| (l.canonical.as_str(), l.value.as_str()))
            .collect();
        assert_eq!(
            keys,
            [
                ("app.key1.sub", "s1"),
                ("app.key1.list[0]", "a"),
                ("app.key1.list[1].x", "b"),
                ("app.key2.list[0]", "c"),
                ("app.key3.deep.sub", "s3"),
            ]
        );
    }

    /// A large application's entries take its leaves' block instead of a second one
    /// (README, Memory); a small one's take a block of their size.
    #[test]
    fn a_large_applications_entries_are_made_in_its_leaves_block() {
        let leaves_of = |count: usize| {
            let text: String = (0..count).map(|i| format!("key{i}: {i}\n")).collect();
            let doc = crate::syntax::parse(Format::Yaml, &text);
            let mut prefixes = foldhash::HashMap::default();
            let root = doc.roots[0];
            flatten(&doc, root, crate::source::FileId(0), &text, &mut prefixes)
        };
        let leaves = leaves_of(ENTRIES_IN_LEAVES_BLOCK);
        let block = leaves.as_ptr() as usize;
        let entries = entries_of(leaves, &Arc::from("app"));
        assert_eq!(entries.as_ptr() as usize, block);
        assert_eq!(entries.len(), ENTRIES_IN_LEAVES_BLOCK);
        assert_eq!(entries.last().map(|e| e.key.as_str()), Some("key4095"));

        let leaves = leaves_of(3);
        let block = leaves.as_ptr() as usize;
        let entries = entries_of(leaves, &Arc::from("app"));
        assert_ne!(entries.as_ptr() as usize, block);
        assert_eq!(entries.capacity(), 3);
        let keys: Vec<&str> = entries.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["key0", "key1", "key2"]);
    }

    /// An `on-profile` document in a profile-specific file is read only when its own
    /// condition holds too (it was read whenever the file's profile was active).
    #[test]
    fn an_on_profile_document_in_a_profile_specific_file_needs_both_profiles() {
        let model = read_files(&[
            ("application.yml", "spring.datasource.hikari.maximum-pool-size: 5\n"),
            (
                "application-prod.yml",
                "spring.datasource.hikari.maximum-pool-size: 10\n---\nspring:\n  config:\n    activate:\n      on-profile: batch\n  datasource:\n    hikari:\n      maximum-pool-size: 60\n",
            ),
        ]);
        let pools = pools_by_profile(&model);
        assert_eq!(
            pools,
            [
                (None, Some(5)),
                (Some("prod".into()), Some(10)),
                (Some("prod,batch".into()), Some(60))
            ]
        );
        // Entries of the two documents have different profiles: no duplicate key.
        let profiles: Vec<_> = model
            .entries
            .of(Ecosystem::Spring)
            .map(|e| e.profile.as_deref().unwrap_or(""))
            .collect();
        assert_eq!(profiles, ["", "prod", "prod & (batch)", "prod & (batch)"]);
    }

    #[test]
    fn active_profiles_in_the_files_are_kept_as_a_list_and_read_together() {
        let text = "spring:\n  profiles:\n    active: [prod, eu]\n  datasource:\n    hikari:\n      maximum-pool-size: 5\n";
        let model = read_files(&[
            ("application.yml", text),
            (
                "application-eu.yml",
                "spring.datasource.hikari.maximum-pool-size: 30\n",
            ),
            (
                "application-prod.yml",
                "spring.datasource.hikari.maximum-pool-size: 20\n",
            ),
        ]);
        let listed = model.services[0]
            .active_profiles
            .as_ref()
            .and_then(|s| s.get().cloned());
        assert_eq!(listed, Some(vec!["prod".to_owned(), "eu".to_owned()]));
        // eu is listed last, so application-eu.yml wins over application-prod.yml.
        let pools = pools_by_profile(&model);
        assert_eq!(
            pools,
            [
                (None, Some(5)),
                (Some("eu".into()), Some(30)),
                (Some("prod".into()), Some(20)),
                (Some("prod,eu".into()), Some(30))
            ]
        );
    }

    /// The pools built later for a deployment's list are those the whole configuration
    /// gives (only the keys pools read are kept for them): placeholders through other
    /// properties, a pool bound outside spring.datasource and its anchor.
    #[test]
    fn pools_for_a_deployed_list_are_those_of_the_whole_configuration() {
        let text = "db:\n  size: 7\nspring:\n  datasource:\n    url: jdbc:postgresql://db/app\n    hikari:\n      maximum-pool-size: ${db.size}\n      idle-timeout: 30000\nreports:\n  pool:\n    jdbc-url: jdbc:postgresql://db/reports\n    maximum-pool-size: ${REPORTS_POOL:${db.size}}\nserver:\n  port: 8080\n---\nspring:\n  config:\n    activate:\n      on-profile: prod & eu\ndb:\n  size: 30\nreports:\n  pool:\n    minimum-idle: 2\n---\nspring:\n  config:\n    activate:\n      on-profile: \"!prod\"\nserver:\n  port: 9090\n";
        let (model, _) =
            crate::ecosystems::read_one(&Spring, "application.yml", Format::Yaml, text);
        let read: Vec<&Pool> = model
            .pools
            .iter()
            .map(|p| &**p)
            .filter(|p| p.profile.as_deref() == Some("prod,eu"))
            .collect();
        assert_eq!(read.len(), 2, "{:?}", model.pools);
        let build = model.services[0].pools_for_profiles.clone();
        let built = build.and_then(|b| b.build(&["prod".to_owned(), "eu".to_owned()]));
        let built = built.unwrap_or_default();
        assert_eq!(built.iter().collect::<Vec<_>>(), read);
        assert_eq!(built.first().and_then(|p| p.max.get().copied()), Some(30));
        // One profile the files mention (the others unknown to them): nothing to build.
        let build = model.services[0].pools_for_profiles.clone();
        assert!(build
            .and_then(|b| b.build(&["eu".to_owned(), "other".to_owned()]))
            .is_none());
        // A file mentioning one profile has no list to build.
        let (model, _) = crate::ecosystems::read_one(
            &Spring,
            "application.yml",
            Format::Yaml,
            &conditional(&[("prod", 40)]),
        );
        assert!(model.services[0].pools_for_profiles.is_none());
        // A list naming more than MAX_ACTIVE_READ profiles the files mention is not read
        // together (each is compared with every document's condition).
        let many: Vec<String> = (0..200).map(|i| format!("p{i}")).collect();
        let text = conditional(&[(&many.join(" | "), 40)]);
        let (model, _) =
            crate::ecosystems::read_one(&Spring, "application.yml", Format::Yaml, &text);
        let build = model.services[0].pools_for_profiles.clone();
        let built = |n: usize| build.as_ref().and_then(|b| b.build(&many[..n]));
        assert!(built(many.len()).is_none());
        let most = built(MAX_ACTIVE_READ).unwrap_or_default();
        assert_eq!(most.first().and_then(|p| p.max.get().copied()), Some(40));
    }

    #[test]
    fn active_profiles_are_kept_as_a_list() {
        let listed = |text: &str| {
            let (model, _) =
                crate::ecosystems::read_one(&Spring, "application.yml", Format::Yaml, text);
            model.services[0]
                .active_profiles
                .as_ref()
                .and_then(|s| s.get().cloned())
        };
        let both = Some(vec!["prod".to_owned(), "eu".to_owned()]);
        assert_eq!(listed("spring:\n  profiles:\n    active: prod, eu\n"), both);
        assert_eq!(
            listed("spring:\n  profiles:\n    active: [prod, eu]\n"),
            both
        );
        assert_eq!(listed("spring:\n  profiles:\n    active: \"\"\n"), None);
    }

    #[test]
    fn properties_and_placeholder_defaults_are_strings_to_spring() {
        let text = "spring.datasource.hikari.maximum-pool-size=010\nspring.datasource.hikari.minimum-idle=1_0\n";
        let (model, _) = crate::ecosystems::read_one(
            &Spring,
            "application.properties",
            Format::Properties,
            text,
        );
        let pool = &model.pools[0];
        assert_eq!(pool.max.get(), Some(&10));
        assert!(matches!(pool.min.value, Val::Invalid(_)));
        let yaml = "spring:\n  datasource:\n    hikari:\n      maximum-pool-size: ${POOL:010}\n      minimum-idle: 20.0\n";
        let (model, _) =
            crate::ecosystems::read_one(&Spring, "application.yml", Format::Yaml, yaml);
        let pool = &model.pools[0];
        assert_eq!(pool.max.get(), Some(&10));
        assert_eq!(pool.min.get(), Some(&20));
    }

    #[test]
    fn placeholders_follow_properties_with_bounded_depth() {
        let pool = |text: &str| {
            let (model, _) = crate::ecosystems::read_one(
                &Spring,
                "application.properties",
                Format::Properties,
                text,
            );
            model.pools[0].max.value.clone()
        };
        // A chain of 32 properties is followed; one more is not.
        let chain = |n: usize| {
            let mut text = format!("p{n}=7\n");
            for i in 0..n {
                text.push_str(&format!("p{i}=${{p{}}}\n", i + 1));
            }
            text + "spring.datasource.hikari.maximum-pool-size=${p0}\n"
        };
        assert_eq!(pool(&chain(31)), Val::Known(7));
        assert!(
            matches!(pool(&chain(32)), Val::Unknown(_)),
            "{:?}",
            pool(&chain(32))
        );
        // A property referring to itself is circular, not its default.
        let own = "spring.datasource.hikari.maximum-pool-size=${spring.datasource.hikari.maximum-pool-size:5}\n";
        assert!(matches!(pool(own), Val::Unknown(_)));
        // A default's placeholders resolve against the properties too.
        assert_eq!(
            pool("n=9\nspring.datasource.hikari.maximum-pool-size=${NONE:${n}}\n"),
            Val::Known(9)
        );
    }

    #[test]
    fn unit_suffixes_are_recognised() {
        for t in ["30s", "500ms", "1 m", "2h", "PT30S", "1.5s"] {
            assert!(has_unit_suffix(t), "{t}");
        }
        for t in ["30", "s", "abc", "30 seconds"] {
            assert!(!has_unit_suffix(t), "{t}");
        }
    }

    #[test]
    fn recognises_application_files_only() {
        let spring = Spring;
        assert_eq!(
            spring.recognise(Path::new("x/application.yml")),
            Some(Format::Yaml)
        );
        assert_eq!(
            spring.recognise(Path::new("application-prod.yaml")),
            Some(Format::Yaml)
        );
        assert_eq!(
            spring.recognise(Path::new("application.properties")),
            Some(Format::Properties)
        );
        assert_eq!(spring.recognise(Path::new("applications.yml")), None);
        assert_eq!(spring.recognise(Path::new("application.json")), None);
        assert_eq!(
            file_profile(Path::new("application-prod.yml")).as_deref(),
            Some("prod")
        );
    }

    #[test]
    fn the_properties_a_password_placeholder_resolves_to_are_masked_not_reported() {
        // A chain (`${vault.db.secret}` → `${app.credential:Zq9Chain05}` → its
        // default, as the property is not set), a property named in a default, one
        // only a profile sets, and a cycle, which must end.
        let text = "spring:\n  datasource:\n    password: pre-${vault.db.secret}-${missing:${db.old}}\nvault:\n  db:\n    secret: ${app.credential:Zq9Chain05}\ndb:\n  old: Zq9Chain06\n  pool: 10\nloop:\n  a: ${loop.b}\n  b: ${loop.a}\napp:\n  mail:\n    password: ${loop.a}\n---\nspring:\n  config:\n    activate:\n      on-profile: prod\nvault:\n  db:\n    secret: Zq9Chain07\n";
        let (model, _) =
            crate::ecosystems::read_one(&Spring, "application.yml", Format::Yaml, text);
        let referenced: Vec<&str> = model
            .secrets
            .iter()
            .filter(|s| s.kind == "referenced password")
            .filter_map(|s| text.get(s.location.span.start..s.location.span.end))
            .collect();
        for secret in ["Zq9Chain05", "Zq9Chain06", "Zq9Chain07"] {
            assert!(referenced.contains(&secret), "{secret}: {referenced:?}");
        }
        // References stay as written; other properties are not masked.
        for shown in [
            "${app.credential:Zq9Chain05}",
            "${loop.b}",
            "${loop.a}",
            "10",
        ] {
            assert!(!referenced.contains(&shown), "{shown}: {referenced:?}");
        }
        let all = model
            .secrets
            .iter()
            .filter(|s| s.kind == "referenced password");
        assert!(all.clone().all(|s| !s.literal && s.scrub_messages));
        // Once each, though both profiles resolve `db.old`.
        assert_eq!(all.filter(|s| s.key == "db.old").count(), 1);
    }

    #[test]
    fn a_password_written_as_a_bracketed_map_key_is_a_literal_password() {
        let cases = [
            (
                "application.properties",
                Format::Properties,
                "spring.datasource.hikari.data-source-properties[password]=Zq9SecB1\nspring.datasource.hikari.data-source-properties.[password]=Zq9SecB2\n",
            ),
            (
                "application.yml",
                Format::Yaml,
                "spring:\n  datasource:\n    hikari:\n      data-source-properties:\n        \"[password]\": Zq9SecB3\n",
            ),
        ];
        for (name, format, text) in cases {
            let (model, _) = crate::ecosystems::read_one(&Spring, name, format, text);
            let literal: Vec<&str> = model
                .secrets
                .iter()
                .filter(|s| s.literal)
                .filter_map(|s| text.get(s.location.span.start..s.location.span.end))
                .collect();
            let expected: Vec<&str> = ["Zq9SecB1", "Zq9SecB2", "Zq9SecB3"]
                .into_iter()
                .filter(|secret| text.contains(secret))
                .collect();
            assert_eq!(literal, expected, "{name}");
        }
    }

    /// The texts of the secrets of `kind` a model records, in `text`.
    fn secret_texts<'t>(model: &Model, kind: &str, text: &'t str) -> Vec<&'t str> {
        model
            .secrets
            .iter()
            .filter(|s| s.kind == kind)
            .filter_map(|s| text.get(s.location.span.start..s.location.span.end))
            .collect()
    }

    /// A URL's userinfo password or `password=` parameter that is a placeholder names a
    /// password as a password key does: the property it resolves to is masked in every
    /// setting of it (one a later document overrides too, as the `.properties` one
    /// overrides the `.yml` one), and so where a pool setting reads it.
    #[test]
    fn the_properties_a_url_password_placeholder_resolves_to_are_masked() {
        let text = "app:\n  db:\n    pw: Zq9UrlPw1\n    host: db.example\n    pool: 10\ndb:\n  secret: ${vault.key:Zq9UrlPw2}\nspring:\n  datasource:\n    url: jdbc:postgresql://app:${app.db.pw}@${app.db.host}/app?password=${db.secret}\n    hikari:\n      maximum-pool-size: ${app.db.pool}\n      max-lifetime: ${app.db.pw}\n---\napp:\n  db:\n    pw: Zq9UrlPw3\n";
        let (model, _) =
            crate::ecosystems::read_one(&Spring, "application.yml", Format::Yaml, text);
        let mut referenced = secret_texts(&model, "referenced password", text);
        referenced.sort_unstable();
        assert_eq!(referenced, ["Zq9UrlPw1", "Zq9UrlPw2", "Zq9UrlPw3"]);
    }

    /// The default of a password's placeholder is a secret however deep it is and
    /// wherever it is in the value: what a message quotes when it reads the value
    /// (`S3cr3t` of `${POOL:${DB_PASSWORD:S3cr3t}}`, inside `S3cr3t0`). A default that
    /// is one placeholder names where the password is and is left as written, and the
    /// defaults of other placeholders stay readable.
    #[test]
    fn password_placeholder_defaults_are_secrets_at_any_depth() {
        let text = "spring.datasource.hikari.maximum-pool-size=${POOL:${DB_PASSWORD:Zq9Deep01}}\nspring.datasource.hikari.idle-timeout=${DB_PASSWORD:Zq9Deep02}0\nspring.datasource.hikari.max-lifetime=${LIFE:${app.db.pw:Zq9Deep03}}\nspring.datasource.hikari.minimum-idle=${IDLE:2}\nspring.datasource.password=pre-${X:Zq9Deep04}\nspring.datasource.hikari.connection-timeout=${DB_PASSWORD:${OLD_TIMEOUT}}\n";
        let (model, _) = crate::ecosystems::read_one(
            &Spring,
            "application.properties",
            Format::Properties,
            text,
        );
        let mut defaults = secret_texts(&model, "placeholder default", text);
        defaults.sort_unstable();
        assert_eq!(
            defaults,
            ["Zq9Deep01", "Zq9Deep02", "Zq9Deep03", "Zq9Deep04"]
        );
        assert!(model
            .secrets
            .iter()
            .filter(|s| s.kind == "placeholder default")
            .all(|s| !s.literal && s.scrub_messages));
    }
}
