//! Which of a service's per-profile pools one running instance opens.
//!
//! Readers give each profile (Spring `application-prod.yml`, .NET
//! `appsettings.Production.json`) that changes a data source its own effective pool,
//! next to the default profile's. An instance runs one set of active profiles, so it
//! opens one of those pools per data source, not all of them: counting every profile's
//! pool would multiply fleet demand by the number of profiles. The active profile comes
//! from the deployment's environment, which outranks every config file
//! (`SPRING_PROFILES_ACTIVE` [SB-EXTERNAL]; `ASPNETCORE_ENVIRONMENT`, `DOTNET_ENVIRONMENT`,
//! else ASP.NET Core's default `Production`; `NODE_ENV` for knexfile and Sequelize
//! environments); when it is unknown the largest pool is the safe bound for demand.

use crate::model::{Ecosystem, EnvVar, Model, Pool, Service, Setting};

/// The pools one process of a service opens, with how profiles were chosen.
pub(crate) struct DemandPools<'m> {
    pub pools: Vec<&'m Pool>,
    /// Why a profile's pool was counted when several profiles define one data source
    /// (`profile prod, the largest of default, dev, prod: the active profile is not
    /// known`); None when no data source had a choice.
    pub note: Option<String>,
    /// True when the active profiles are known, so only their pools run.
    pub active_known: bool,
}

/// The active profiles of a service's pools of `ecosystem` and where they come from.
struct Active {
    profiles: Vec<String>,
    source: String,
}

fn active_profiles(service: &Service, ecosystem: Ecosystem) -> Option<Active> {
    let environment = service
        .deployment
        .as_ref()
        .map(|d| d.environment.as_slice())
        .unwrap_or(&[]);
    // The last definition of a variable is the one the process sees; one whose value
    // the files do not give (a Secret's) names profiles that are not known.
    let var = |name: &str| crate::model::EnvVar::last_named(environment, name);
    let unknown =
        |found: Option<&crate::model::EnvVar>| found.is_some_and(|v| v.unknown_from.is_some());
    let dotnet = || var("ASPNETCORE_ENVIRONMENT").or_else(|| var("DOTNET_ENVIRONMENT"));
    let chosen = match ecosystem {
        Ecosystem::DotNet => dotnet(),
        Ecosystem::Node => var("NODE_ENV"),
        _ => None,
    };
    if unknown(chosen) {
        return None;
    }
    match ecosystem {
        Ecosystem::Spring => {
            let (profiles, source) = match spring_deployed(service, environment) {
                Some(Deployed::Unknown) => return None,
                Some(Deployed::Known { profiles, source }) => (profiles, source),
                None => {
                    let setting = service.active_profiles.as_ref()?;
                    let listed = setting.get()?;
                    let source = match &setting.origin {
                        crate::model::Origin::File { via: Some(via), .. } => format!(
                            "spring.profiles.active is `{}`, the default of {}, which the deployment does not set",
                            listed.join(","),
                            crate::model::via_shown(via, true)
                        ),
                        _ => format!("spring.profiles.active is `{}`", listed.join(",")),
                    };
                    (listed.clone(), source)
                }
            };
            Some(Active { profiles, source })
        }
        Ecosystem::DotNet => {
            let (profiles, source) = match dotnet() {
                Some(v) => (
                    vec![v.value.trim().to_owned()],
                    format!("{} is `{}`", v.name, v.value.trim()),
                ),
                None => (
                    vec!["Production".to_owned()],
                    "ASP.NET Core's default environment".to_owned(),
                ),
            };
            Some(Active { profiles, source })
        }
        Ecosystem::Node => {
            // knex's CLI and Sequelize's pick the environment from NODE_ENV.
            let v = var("NODE_ENV")?;
            Some(Active {
                profiles: vec![v.value.trim().to_owned()],
                source: format!("NODE_ENV is `{}`", v.value.trim()),
            })
        }
        _ => None,
    }
}

/// The variables that set Spring's active profiles, in the order Spring Boot's binder
/// tries them on the system environment (`SystemEnvironmentPropertyMapper`, then
/// `DefaultPropertyMapper`, which reads a variable named as the property).
const SPRING_ACTIVE_VARIABLES: [&str; 2] = ["SPRING_PROFILES_ACTIVE", "spring.profiles.active"];

/// The variables that set Spring's default profiles, likewise.
const SPRING_DEFAULT_VARIABLES: [&str; 2] = ["SPRING_PROFILES_DEFAULT", "spring.profiles.default"];

/// The profiles a deployment's environment makes a Spring service run.
enum Deployed {
    Known {
        profiles: Vec<String>,
        source: String,
    },
    /// Chosen by a value the files do not give (a Secret's).
    Unknown,
}

impl Deployed {
    /// The profiles `value` lists, read from `source`.
    fn of(value: crate::model::Val<Vec<String>>, source: impl FnOnce(&[String]) -> String) -> Self {
        match value {
            crate::model::Val::Known(profiles) => Deployed::Known {
                source: source(&profiles),
                profiles,
            },
            _ => Deployed::Unknown,
        }
    }

    /// The profiles a variable's value lists (Spring splits it at commas).
    fn of_variable(var: &crate::model::EnvVar, source: String) -> Self {
        if var.unknown_from.is_some() {
            return Deployed::Unknown;
        }
        Deployed::Known {
            profiles: spring_list(&var.value),
            source,
        }
    }
}

/// The profiles a Spring service's deployment makes it run, as Spring Boot binds them
/// (`context.config.Profiles`: `spring.profiles.active`, else `spring.profiles.default`,
/// each from the highest property source that sets it): `spring.profiles.active` in
/// `SPRING_APPLICATION_JSON`, else `SPRING_PROFILES_ACTIVE` (or a variable named
/// `spring.profiles.active`), else the files' `spring.profiles.active` with the
/// deployment's variables in its placeholders (`${A:x},eu` with `A=y` is `y,eu`); with
/// none of these and nothing `spring.profiles.include` names (which is active in every
/// run), the default profiles `SPRING_APPLICATION_JSON` or `SPRING_PROFILES_DEFAULT`
/// sets. None when the deployment chooses nothing: the files' choice stands. A
/// variable's last definition is the one the process sees.
fn spring_deployed(service: &Service, environment: &[crate::model::EnvVar]) -> Option<Deployed> {
    use crate::ecosystems::spring::application_json_profiles;
    let var = |names: [&'static str; 2]| {
        names
            .into_iter()
            .find_map(|name| crate::model::EnvVar::last_named(environment, name))
    };
    let from_json = |property: &str, profiles: &[String]| {
        format!(
            "SPRING_APPLICATION_JSON sets {property} to `{}`",
            profiles.join(",")
        )
    };
    if let Some(value) = application_json_profiles(environment, "spring.profiles.active") {
        return Some(Deployed::of(value, |p| {
            from_json("spring.profiles.active", p)
        }));
    }
    if let Some(v) = var(SPRING_ACTIVE_VARIABLES) {
        let source = format!("{} is `{}`", v.name, v.value.trim());
        return Some(Deployed::of_variable(v, source));
    }
    let facts = service.spring_profiles.as_deref();
    let resolved = facts
        .and_then(|f| f.active_with.as_ref())
        .and_then(|active_with| active_with(environment));
    if let Some(value) = resolved {
        return Some(Deployed::of(value, |p| {
            format!(
                "spring.profiles.active is `{}` with the deployment's variables in its placeholders",
                p.join(",")
            )
        }));
    }
    let files_active = service
        .active_profiles
        .as_ref()
        .is_some_and(|s| s.get().is_none_or(|p| !p.is_empty()));
    if files_active || facts.is_some_and(|f| f.includes) {
        return None;
    }
    let no_active = |source: String| format!("no profile is active and {source}");
    if let Some(value) = application_json_profiles(environment, "spring.profiles.default") {
        return Some(Deployed::of(value, |p| {
            no_active(from_json("spring.profiles.default", p))
        }));
    }
    let v = var(SPRING_DEFAULT_VARIABLES)?;
    let source = no_active(format!("{} is `{}`", v.name, v.value.trim()));
    Some(Deployed::of_variable(v, source))
}

/// The profiles `SPRING_PROFILES_ACTIVE` lists: Spring splits the value at commas.
fn spring_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect()
}

/// Add to `part` (one application's pools, before it joins its service) the pools of
/// the profiles its deployment's `environment` activates, when the application's files
/// could not read them: the documents a list of several profiles activates together
/// make their own pool (Spring's `!prod` and `eu` documents with `eu,prod` active),
/// which no profile read alone gives.
pub(crate) fn add_deployed_profile_pools(
    model: &mut Model,
    part: &mut Service,
    environment: &[crate::model::EnvVar],
) {
    let Some(build) = part.pools_for_profiles.clone() else {
        return;
    };
    // One whose value the files do not give (a Secret's) names profiles that are not
    // known.
    let Some(Deployed::Known {
        profiles: active, ..
    }) = spring_deployed(part, environment)
    else {
        return;
    };
    let label = active.join(",");
    let read = part
        .pools
        .iter()
        .filter_map(|i| model.pools.get(*i))
        .any(|p| p.profile.as_deref() == Some(label.as_str()));
    if read {
        return;
    }
    for pool in build.build(&active).unwrap_or_default() {
        part.pools.push(model.pools.len());
        model.pools.push(Box::new(pool));
    }
}

/// Make `part` (one application's pools, before it joins its service) open the pools and
/// run the threads of the environment its deployment's `environment` names, when that
/// is another than the one it was read with ([`crate::model::Environments`]): a
/// deployment with `RAILS_ENV=staging` opens the `staging` databases instead of the
/// `production` ones read. A blank value does not count (Rails' `.presence`); a value
/// the files do not give (a Secret's) leaves the pools as read. For an environment the
/// application configures no database for, Active Record builds one from the
/// deployment's `DATABASE_URL` alone; without a known URL the pools stay as read.
///
/// A deployment `command` that starts the application's server (Puma:
/// [`crate::ecosystems::rails::puma_command`]) sets its threads and processes itself,
/// from the config files it names or its environment's, and its own options; its
/// `-e` is the environment Rails runs too, unless `RAILS_ENV` names one (Puma exports
/// it as `RACK_ENV`).
pub(crate) fn run_deployed_environment(
    model: &mut Model,
    part: &mut Service,
    environment: &[EnvVar],
    command: &[crate::model::CommandWord],
) {
    let server = part
        .server_files
        .as_ref()
        .and_then(|_| crate::ecosystems::rails::puma_command(command));
    let with_command;
    let environment = match server.as_ref().and_then(|c| c.environment()) {
        Some(word) => {
            with_command = environment
                .iter()
                .cloned()
                .chain(std::iter::once(EnvVar {
                    name: "RACK_ENV".into(),
                    value: word.text.clone(),
                    name_location: word.location,
                    value_location: word.location,
                    moved: true,
                    parts: None,
                    unknown_from: None,
                    verbatim: false,
                }))
                .collect::<Vec<_>>();
            with_command.as_slice()
        }
        None => environment,
    };
    let named = run_environment(model, part, environment);
    if let (Some(command), Some(files)) = (server, part.server_files.as_deref()) {
        let read_with = part.environments.as_ref().map(|e| e.read_with);
        let puma_environment = match command.environment() {
            Some(word) => Some(word.text.trim()),
            None => named.as_deref().or(read_with),
        };
        let (threads, processes) =
            crate::ecosystems::rails::puma_runs(files, Some(&command), puma_environment);
        part.threads = Some(threads);
        part.processes = Some(Box::new(processes));
    }
}

/// [`run_deployed_environment`] by `environment` alone; the name of the environment
/// it runs, when the deployment names one the files give.
fn run_environment(
    model: &mut Model,
    part: &mut Service,
    environment: &[EnvVar],
) -> Option<String> {
    let environments = part.environments.as_deref()?;
    let read_with = environments.read_with;
    let set =
        |name: &&str| EnvVar::last_named(environment, name).filter(|v| !v.value.trim().is_empty());
    let named = environments.variables.iter().find_map(set);
    if named.is_some_and(|var| var.unknown_from.is_some()) {
        return None;
    }
    let named = named.map(|var| var.value.trim().to_owned());
    // The environment the part was read with runs (none is named, or that one): when
    // the files configure no database for it, the deployment's URL alone may.
    let Some(name) = named.clone().filter(|name| name != read_with) else {
        if part.pools.is_empty() {
            open_url_only_database(model, part, read_with, environment);
        }
        return named;
    };
    let pools = environments.pools.iter().find(|(n, _)| *n == name);
    let of = |list: &[(String, Setting<i64>)], other: &Option<Setting<i64>>| {
        let own = list.iter().find(|(n, _)| *n == name).map(|(_, s)| s);
        own.or(other.as_ref()).cloned()
    };
    let threads = of(&environments.threads, &environments.other_threads);
    let processes = of(&environments.processes, &environments.other_processes);
    match pools {
        Some((_, pools)) => part.pools = pools.clone(),
        None => open_url_only_database(model, part, &name, environment),
    }
    if threads.is_some() {
        part.threads = threads;
    }
    if processes.is_some() {
        part.processes = processes.map(Box::new);
    }
    Some(name)
}

/// The files configure no database for `name`, the environment that runs: Active
/// Record builds its primary database from the deployment's URL alone
/// ([`crate::ecosystems::rails::url_only_pool`]), which is then the part's only pool.
/// Without a URL whose value is known, the part keeps the pools it was read with.
fn open_url_only_database(
    model: &mut Model,
    part: &mut Service,
    name: &str,
    environment: &[EnvVar],
) {
    if let Some(pool) = crate::ecosystems::rails::url_only_pool(name, environment) {
        part.pools = vec![model.pools.len()];
        model.pools.push(Box::new(pool));
    }
}

impl Active {
    /// A profile among `present`, not the one chosen, that an active name matches only
    /// without case (`Production` for `ASPNETCORE_ENVIRONMENT=production`): worth
    /// saying, as it looks active but its file is not loaded. Profile names match
    /// exactly, .NET's too: the host adds `appsettings.{EnvironmentName}.json` by the
    /// name built from the variable as written (dotnet/runtime
    /// `Microsoft.Extensions.Hosting` `HostingHostBuilderExtensions.ConfigureDefaults`)
    /// and the physical file provider opens that exact name. On Linux, which every
    /// Compose and Kubernetes container runs (a deployment's environment is a
    /// container's), `production` does not find `appsettings.Production.json`; only
    /// `IsProduction()` compares without case.
    fn case_variant<'p>(
        &self,
        present: &[Option<&'p str>],
        chosen: Option<Option<&'p str>>,
    ) -> Option<&'p str> {
        present
            .iter()
            .flatten()
            .copied()
            .filter(|p| Some(Some(*p)) != chosen && !self.names(p))
            .find(|p| self.profiles.iter().any(|a| a.eq_ignore_ascii_case(p)))
    }

    fn names(&self, profile: &str) -> bool {
        self.profiles.iter().any(|p| p == profile)
    }

    /// The profile whose pool runs among `present`: the pool read with exactly the
    /// active list, else the pool read with the most active profiles together (a Spring combination, named `prod,eu`, whose profiles are all
    /// active, in any order: Spring matches `prod & eu` whatever order the variable
    /// lists them in), else the last active one that has a pool (later active profiles
    /// win in Spring), else the default profile's.
    fn choose<'p>(&self, present: &[Option<&'p str>]) -> Option<Option<&'p str>> {
        // Spring's `spring.profiles.active` or a deployment's list, read whole and in
        // its order (an `&`'s pool of the same profiles may differ in which profile
        // file wins).
        let listed = self.profiles.join(",");
        if let Some(p) = present.iter().flatten().find(|p| **p == listed) {
            return Some(Some(*p));
        }
        let combination = present
            .iter()
            .flatten()
            .filter(|p| p.contains(','))
            .filter(|p| p.split(',').all(|part| self.names(part)))
            .max_by_key(|p| p.split(',').count());
        if let Some(p) = combination {
            return Some(Some(*p));
        }
        let position = |p: &str| self.profiles.iter().rposition(|a| a == p);
        let active = present
            .iter()
            .flatten()
            .filter(|p| self.names(p))
            .max_by_key(|p| position(p));
        match active {
            Some(p) => Some(Some(*p)),
            None => present.contains(&None).then_some(None),
        }
    }
}

/// The data source a pool configures, the same in every profile: its name without the
/// profile's own prefix (knex `production` and `development` are one data source, as
/// are Rails `production.primary` and `staging.primary`; Spring and .NET names do not
/// carry the profile).
fn data_source(pool: &Pool) -> &str {
    let Some(profile) = pool.profile.as_deref() else {
        return &pool.name;
    };
    match pool.name.strip_prefix(profile) {
        Some("") => "",
        Some(rest) if rest.starts_with('.') => rest,
        _ => &pool.name,
    }
}

/// The name of a profile in messages.
fn shown(profile: Option<&str>) -> &str {
    profile.unwrap_or("default")
}

/// The pools one process of `service` opens: for each data source (pool name) defined
/// by several profiles, only the active profile's pool, or the largest when the active
/// profile is not known.
pub(crate) fn demand_pools<'m>(model: &'m Model, service: &'m Service) -> DemandPools<'m> {
    let all: Vec<&Pool> = service
        .pools
        .iter()
        .filter_map(|i| model.pools.get(*i).map(|p| &**p))
        .collect();
    let mut names: Vec<&str> = Vec::new();
    for pool in &all {
        if !names.contains(&data_source(pool)) {
            names.push(data_source(pool));
        }
    }
    let mut result = DemandPools {
        pools: Vec::with_capacity(all.len()),
        note: None,
        active_known: false,
    };
    let mut notes = Vec::new();
    for name in names {
        let group: Vec<&Pool> = all
            .iter()
            .copied()
            .filter(|p| data_source(p) == name)
            .collect();
        let mut present: Vec<Option<&str>> = Vec::new();
        for pool in &group {
            if !present.contains(&pool.profile.as_deref()) {
                present.push(pool.profile.as_deref());
            }
        }
        let chosen = match present.as_slice() {
            [only] => Some(*only),
            _ => choose(service, &group, &present, &mut result, &mut notes),
        };
        result.pools.extend(
            group
                .into_iter()
                .filter(|p| Some(p.profile.as_deref()) == chosen),
        );
    }
    notes.dedup();
    if !notes.is_empty() {
        result.note = Some(notes.join("; "));
    }
    result
}

/// The profile counted for one data source defined by the profiles `present` (None
/// when no active profile defines it and there is no default pool).
fn choose<'p>(
    service: &Service,
    group: &[&'p Pool],
    present: &[Option<&'p str>],
    result: &mut DemandPools,
    notes: &mut Vec<String>,
) -> Option<Option<&'p str>> {
    let ecosystem = group.first().map(|p| p.ecosystem)?;
    if let Some(active) = active_profiles(service, ecosystem) {
        result.active_known = true;
        let chosen = active.choose(present);
        let mut note = match chosen {
            Some(p) => format!("profile {}: {}", shown(p), active.source),
            None => format!(
                "no pool of {}: {}",
                group.first().map_or("", |p| p.name.as_str()),
                active.source
            ),
        };
        if let Some(other) = active.case_variant(present, chosen) {
            note.push_str(&format!(
                " (profile {other} differs only in case and is not loaded: the file is opened by its exact name, as on Linux)"
            ));
        }
        notes.push(note);
        return chosen;
    }
    // Unknown: the largest is the safe bound; ties keep the first (the default).
    let largest = group
        .iter()
        .copied()
        .rev()
        .max_by_key(|p| p.max.get().copied().unwrap_or(0))?;
    let names: Vec<&str> = present.iter().map(|p| shown(*p)).collect();
    notes.push(format!(
        "profile {}: the largest pool of the profiles {}, as the active profile is not known",
        shown(largest.profile.as_deref()),
        names.join(", ")
    ));
    Some(largest.profile.as_deref())
}
