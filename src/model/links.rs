//! Who talks to whom in the model: the services behind a pooler, the pools of a
//! service, the database a pooler or service reaches. Shared by the rules that compare
//! a client's settings with a server's.

use std::collections::HashMap;

use crate::model::{Database, Engine, Login, Model, Pool, Pooler, Service};

/// The pools of a service.
pub(crate) fn pools<'m>(model: &'m Model, service: &'m Service) -> impl Iterator<Item = &'m Pool> {
    service
        .pools
        .iter()
        .filter_map(|i| model.pools.get(*i).map(|p| &**p))
}

/// The `connects-to` graph of a model, indexed once so that a rule asking "who are the
/// clients of X" for every X stays linear in the model (a 10k-file monorepo has
/// thousands of services, poolers and databases).
/// True when a service without `connects-to` may be linked to a database by inference:
/// the topology is unambiguous, one database and no pooler.
pub(crate) fn infers_links(model: &Model) -> bool {
    model.databases.len() == 1 && model.poolers.is_empty()
}

/// Why a service without `connects-to` is linked to `database`, when it is inferred:
/// the topology is unambiguous ([`infers_links`]) and either a manifest declares the
/// database or the service's files lie below the database's (an app next to its
/// compose file).
pub(crate) fn inferred_link(
    model: &Model,
    database: &Database,
    service: &Service,
) -> Option<&'static str> {
    if !infers_links(model) {
        return None;
    }
    if !pools_may_reach(model, database, service) {
        return None;
    }
    if database.declared {
        Some("the only database")
    } else if same_tree(model, database, service) {
        Some("the only database, defined next to the service's files")
    } else {
        None
    }
}

/// False when the service has pools and none of them may reach `database`
/// ([`may_reach`]): a service whose pools say nothing, or that has none, may.
pub(crate) fn pools_may_reach(model: &Model, database: &Database, service: &Service) -> bool {
    let mut own = pools(model, service).peekable();
    own.peek().is_none() || own.any(|p| may_reach(model, database, p))
}

/// False when something about the pool says it talks to another server than
/// `database`, so no link is inferred for it: its URL, connection string, driver class
/// or library names another engine (a MySQL URL is no client of the only PostgreSQL
/// database), its host is another service of the model (`jdbc:postgresql://reports/x`
/// next to a compose service `reports`), or its host lies outside the model
/// ([`host_is_outside`]: `prod.abc.eu-west-1.rds.amazonaws.com`). A pool that says
/// nothing may reach it.
pub(crate) fn may_reach(model: &Model, database: &Database, pool: &Pool) -> bool {
    !engine_differs(database, pool)
        && !host_is_other_service(model, database, pool)
        && !host_is_outside(database, pool)
}

/// Whether a pool's URL, connection string, driver class or library names an engine
/// other than the database's: such a pool is no client of it, whatever link is
/// declared (a `connects-to` names one database for the whole service).
pub(crate) fn engine_differs(database: &Database, pool: &Pool) -> bool {
    pool_family(pool).is_some_and(|family| family != Family::of(database.engine))
}

/// The host a pool's URL or connection string names, else the `host` its driver
/// settings give (a knex or node-postgres `connection` object), when written as text.
/// None for a host written as a placeholder (`${DB_HOST:prod-db.example.com}`): it is
/// the default's, which the deployment's variable may replace.
fn pool_host(pool: &Pool) -> Option<&str> {
    let host = pool
        .connection
        .as_ref()
        .and_then(|c| c.host.as_ref())
        .or_else(|| pool.driver_properties.get("host"))?;
    if matches!(
        &host.origin,
        crate::model::Origin::File { via: Some(_), .. }
    ) {
        return None;
    }
    host.get().map(String::as_str)
}

/// What a written host tells about the server behind it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HostKind<'h> {
    /// This machine: `localhost`, a loopback or unspecified address.
    Local,
    /// A name a service of the model may have: a compose service (`db`) or a
    /// Kubernetes Service, also in its DNS forms (`db.shop`, `db.shop.svc`,
    /// `db.shop.svc.cluster.local`), here its first label.
    Service(&'h str),
    /// A name no service of the model has: a DNS name of three labels or more outside a
    /// Kubernetes cluster's `svc` domain (`db.example.com`, a cloud database's endpoint),
    /// or an IP address other than loopback (the model knows no database's address).
    Outside,
    /// Not a host name as written: a placeholder (`${DB_HOST}`, `<%= … %>`), a Unix
    /// socket directory, a SQL Server instance (`.\SQLEXPRESS`).
    Unknown,
}

/// The kind of one written host (`h`, `h:5432`, `[::1]:5432`; not a list).
fn host_kind(written: &str) -> HostKind<'_> {
    let name = bare_host(written);
    if let Ok(address) = name.parse::<std::net::IpAddr>() {
        return match address.to_canonical() {
            a if a.is_loopback() || a.is_unspecified() => HostKind::Local,
            _ => HostKind::Outside,
        };
    }
    let is_label = |label: &str| {
        !label.is_empty()
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if !name.split('.').all(is_label) {
        return HostKind::Unknown;
    }
    let labels: Vec<&str> = name.split('.').collect();
    let first = labels.first().copied().unwrap_or(name);
    let last = labels.last().copied().unwrap_or(name);
    if last.eq_ignore_ascii_case("localhost") {
        return HostKind::Local;
    }
    // `svc.ns` (Kubernetes' short form), `svc.ns.svc` and `svc.ns.svc.<cluster domain>`,
    // also a StatefulSet pod's `pod.svc.ns.svc.…`.
    let in_cluster = labels.len() <= 2
        || labels
            .iter()
            .skip(2)
            .any(|label| label.eq_ignore_ascii_case("svc"));
    match in_cluster {
        true => HostKind::Service(first),
        false => HostKind::Outside,
    }
}

/// Whether one written host (`h`, `h:5432`, `[::1]:5432`; not a list) is this machine:
/// `localhost` (also as a last label), a loopback or unspecified address.
pub(crate) fn is_local_host(written: &str) -> bool {
    host_kind(written) == HostKind::Local
}

/// A written host without its port, brackets or the root's final dot: `db:5432` is
/// `db`, `[::1]:5432` is `::1`, `db.example.com.` is `db.example.com`.
pub(crate) fn bare_host(written: &str) -> &str {
    let host = written.trim();
    let host = match host.strip_prefix('[') {
        // `[::1]:5432`: the address inside the brackets.
        Some(rest) => rest.split(']').next().unwrap_or(rest),
        // `db:5432`; an IPv6 address without brackets has several colons.
        None => match host.rsplit_once(':') {
            Some((name, port))
                if !name.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) =>
            {
                name
            }
            _ => host,
        },
    };
    // A fully qualified name may end with the root's dot.
    host.strip_suffix('.').unwrap_or(host)
}

/// True when the pool's host cannot be `database`: the database runs as a compose
/// service or Kubernetes workload clients reach by its name ([`Database::named_host`]),
/// every host the pool lists is outside the model ([`HostKind::Outside`]) and none is
/// the database's own name. A database known from a postgresql.conf, a my.cnf or the
/// manifest alone has no known host, so a pool on a cloud endpoint may be its client
/// (`prod.abc.eu-west-1.rds.amazonaws.com` with one declared `[[database]]`).
fn host_is_outside(database: &Database, pool: &Pool) -> bool {
    database.named_host
        && pool_host(pool).is_some_and(|host| lists_only_outside_hosts(database, host))
}

/// [`host_is_outside`] for the host (or `h1,h2:5433` list) a pool names.
fn lists_only_outside_hosts(database: &Database, host: &str) -> bool {
    // An empty element (`localhost,`) is libpq's default host, this machine.
    host.split(',').all(|one| {
        let name = bare_host(one);
        let outside = match host_kind(one) {
            HostKind::Outside => true,
            HostKind::Service(_) => is_other_domain(database, name),
            _ => false,
        };
        !name.is_empty()
            && outside
            && !std::iter::once(&database.name)
                .chain(&database.aliases)
                .any(|known| name.eq_ignore_ascii_case(known))
    })
}

/// True for a two-label name (`db.internal`, `mydb.io`) whose second label is not the
/// database's Kubernetes namespace (`shop` of `shop/db`; `default` when it names none):
/// Kubernetes' short form `service.namespace` reaches a Service only in that namespace,
/// so such a name is a DNS name outside the model for this database.
fn is_other_domain(database: &Database, name: &str) -> bool {
    let namespace = database
        .name
        .split_once('/')
        .map_or("default", |(ns, _)| ns);
    match name.split('.').collect::<Vec<_>>().as_slice() {
        [_, second] => !second.eq_ignore_ascii_case(namespace),
        _ => false,
    }
}

/// Wire protocols a pool speaks, as far as poollint tells them apart: a PostgreSQL
/// database serves only PostgreSQL clients, a MySQL or MariaDB one only MySQL clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Postgres,
    MySql,
    /// A server poollint does not model (SQL Server, Oracle, H2, …).
    Other,
}

impl Family {
    fn of(engine: Engine) -> Self {
        match engine {
            Engine::Postgres => Family::Postgres,
            Engine::MySql | Engine::MariaDb => Family::MySql,
        }
    }
}

/// Engines as URLs name them (`ConnectionInfo::engine`: the scheme or JDBC
/// sub-protocol, `postgres` already read as `postgresql`) and the family of each;
/// a name not listed (`jdbc:tc:…`, a typo) says nothing.
const URL_ENGINES: &[(&str, Family)] = &[
    ("postgresql", Family::Postgres),
    ("postgis", Family::Postgres),
    ("timescale", Family::Postgres),
    ("mysql", Family::MySql),
    ("mysql2", Family::MySql),
    ("mysqlgis", Family::MySql),
    ("mariadb", Family::MySql),
    ("trilogy", Family::MySql),
    ("sqlserver", Family::Other),
    ("mssql", Family::Other),
    ("jtds", Family::Other),
    ("oracle", Family::Other),
    ("db2", Family::Other),
    ("h2", Family::Other),
    ("sqlite3", Family::Other),
    ("sqlite", Family::Other),
    ("hsqldb", Family::Other),
    ("derby", Family::Other),
    ("sqlite", Family::Other),
    ("sqlite3", Family::Other),
    ("redshift", Family::Other),
    ("cockroach", Family::Other),
    ("cockroachdb", Family::Other),
];

/// JDBC driver and data-source class packages and the family they speak.
const DRIVER_PACKAGES: &[(&str, Family)] = &[
    ("org.postgresql.", Family::Postgres),
    ("com.mysql.", Family::MySql),
    ("org.mariadb.", Family::MySql),
    ("com.microsoft.sqlserver.", Family::Other),
    ("net.sourceforge.jtds.", Family::Other),
    ("oracle.jdbc.", Family::Other),
    ("com.ibm.db2.", Family::Other),
    ("org.h2.", Family::Other),
    ("org.hsqldb.", Family::Other),
    ("org.apache.derby.", Family::Other),
    ("org.sqlite.", Family::Other),
];

/// The family a pool's URL, driver or data-source class, or library names (None:
/// nothing says).
fn pool_family(pool: &Pool) -> Option<Family> {
    use crate::model::Library;
    let from_url = pool
        .connection
        .as_ref()
        .and_then(|c| c.engine.as_deref())
        .and_then(|engine| {
            URL_ENGINES
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(engine))
        })
        .map(|(_, family)| *family);
    let classes = &pool.class_settings;
    let from_class = [&classes.driver_class_name, &classes.data_source_class_name]
        .into_iter()
        .flatten()
        .filter_map(|s| s.get())
        .find_map(|class| {
            DRIVER_PACKAGES
                .iter()
                .find(|(package, _)| class.starts_with(package))
                .map(|(_, family)| *family)
        });
    let from_library = match pool.library {
        Library::NodePostgres | Library::Npgsql => Some(Family::Postgres),
        Library::SqlClient => Some(Family::Other),
        Library::MySqlConnector => Some(Family::MySql),
        _ => None,
    };
    from_url.or(from_class).or(from_library)
}

/// True when the pool's host is the name of another service of the model than the
/// database's (a compose service is reached by its name, a Kubernetes Service also by
/// its DNS forms, `reports.shop.svc.cluster.local`). Only for a database found in
/// a file, named after its service: a `[[database]]` table's name is the user's own,
/// so a host that differs from it says nothing.
fn host_is_other_service(model: &Model, database: &Database, pool: &Pool) -> bool {
    if database.declared {
        return false;
    }
    let Some(host) = pool_host(pool) else {
        return false;
    };
    let name = match host_kind(host) {
        HostKind::Service(name) => name,
        _ => host,
    };
    host != database.name
        && name != database.name
        && model
            .services
            .iter()
            .any(|s| s.name == host || s.name == name)
}

/// True when the service's pool files lie in the directory tree of the file that
/// defines the database.
fn same_tree(model: &Model, database: &Database, service: &Service) -> bool {
    let Some(db_file) = database.source_file() else {
        return false;
    };
    let Some(dir) = model.sources.get(db_file).and_then(|f| f.path.parent()) else {
        return false;
    };
    service
        .pools
        .iter()
        .filter_map(|i| model.pools.get(*i))
        .filter_map(|p| p.anchor.or(p.max.location()))
        .filter_map(|l| model.sources.get(l.file))
        .any(|f| f.path.starts_with(dir))
}

pub(crate) struct Links<'m> {
    /// The first database and pooler of each name (a name resolves to the first one).
    databases: HashMap<&'m str, &'m Database>,
    poolers: HashMap<&'m str, &'m Pooler>,
    /// Services by the name their `connects-to` gives, in model order.
    clients: HashMap<&'m str, Vec<&'m Service>>,
    /// Poolers by the database name they forward to, in model order.
    pooler_clients: HashMap<&'m str, Vec<&'m Pooler>>,
    /// The services using each pool, grouped by pool index (model order within a
    /// group): pool `i`'s users are `pool_users[pool_starts[i]..pool_starts[i + 1]]`.
    /// Flat rather than one `Vec` per pool: a monorepo has thousands of pools, almost
    /// all used by one service, and every rule using links builds this.
    pool_users: Vec<&'m Service>,
    pool_starts: Vec<usize>,
    /// The names of the model's databases and poolers, as a host may write them, in
    /// lower case ([`known_host_names`]); built when a rule first asks.
    host_names: std::cell::OnceCell<std::collections::HashSet<String>>,
}

/// The names a host may give the model's databases and poolers, in lower case: each
/// name, its last part (`db` of `shop/db`, a Kubernetes workload whose Service clients
/// reach as `db`, `db.shop`, …) and a database's other names.
fn known_host_names(model: &Model) -> std::collections::HashSet<String> {
    let databases = model
        .databases
        .iter()
        .flat_map(|d| std::iter::once(&d.name).chain(&d.aliases));
    let poolers = model.poolers.iter().map(|p| &p.name);
    databases
        .chain(poolers)
        .flat_map(|name| [name.as_str(), short_name(name)])
        .map(str::to_ascii_lowercase)
        .collect()
}

/// True when the written host `one` (not a list) names a database or pooler of the
/// model other than `target`: `known` holds their names ([`known_host_names`]).
fn names_other_than(known: &std::collections::HashSet<String>, target: &str, one: &str) -> bool {
    let HostKind::Service(first) = host_kind(one) else {
        return false;
    };
    let first = first.to_ascii_lowercase();
    let whole = bare_host(one).to_ascii_lowercase();
    let is_target = |name: &str| {
        name.eq_ignore_ascii_case(target) || name.eq_ignore_ascii_case(short_name(target))
    };
    if is_target(&first) || is_target(&whole) {
        return false;
    }
    known.contains(&first) || known.contains(&whole)
}

/// The last part of a model name (`db` of `shop/db`).
fn short_name(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

impl<'m> Links<'m> {
    pub fn new(model: &'m Model) -> Self {
        let mut databases = HashMap::with_capacity(model.databases.len());
        for database in &model.databases {
            databases.entry(database.name.as_str()).or_insert(database);
        }
        let mut poolers = HashMap::with_capacity(model.poolers.len());
        let mut pooler_clients: HashMap<&str, Vec<&Pooler>> = HashMap::new();
        for pooler in &model.poolers {
            poolers.entry(pooler.name.as_str()).or_insert(pooler);
            if let Some(target) = pooler.connects_to.as_deref() {
                pooler_clients.entry(target).or_default().push(pooler);
            }
        }
        let mut clients: HashMap<&str, Vec<&Service>> = HashMap::new();
        // (pool index, user) pairs in service order; a stable sort by pool index then
        // groups them while keeping model order inside each group.
        let mut uses: Vec<(usize, &Service)> = Vec::with_capacity(model.pools.len());
        for service in &model.services {
            if let Some(target) = service.connects_to.as_deref() {
                clients.entry(target).or_default().push(service);
            }
            uses.extend(service.pools.iter().map(|&index| (index, service)));
        }
        uses.sort_by_key(|(index, _)| *index);
        // A service listing a pool twice still uses it once: the stable sort leaves its
        // two entries side by side (a scan of its own entries per pool was quadratic in
        // a service's pools: 50,000 connection strings in one appsettings.json).
        uses.dedup_by(|a, b| a.0 == b.0 && std::ptr::eq(a.1, b.1));
        let pool_count = uses.last().map_or(0, |(index, _)| index + 1);
        let mut pool_starts = Vec::with_capacity(pool_count + 1);
        let mut at = 0;
        for pool in 0..=pool_count {
            while uses.get(at).is_some_and(|(index, _)| *index < pool) {
                at += 1;
            }
            pool_starts.push(at);
        }
        Links {
            databases,
            poolers,
            clients,
            pooler_clients,
            pool_users: uses.into_iter().map(|(_, service)| service).collect(),
            pool_starts,
            host_names: std::cell::OnceCell::new(),
        }
    }

    /// Services whose `connects-to` names `target` (a database or a pooler).
    pub fn clients_of(&self, target: &str) -> &[&'m Service] {
        self.clients.get(target).map_or(&[], Vec::as_slice)
    }

    /// Services whose `connects-to` names this pooler.
    pub fn pooler_clients(&self, pooler: &Pooler) -> &[&'m Service] {
        self.clients_of(&pooler.name)
    }

    /// The (database, user) each pool of `pooler`'s clients logs in with through it
    /// ([`Pool::login`]): PgBouncer chooses a pool's settings by them.
    pub fn pooler_logins(&self, model: &'m Model, pooler: &Pooler) -> Vec<Login<'m>> {
        self.pooler_clients(pooler)
            .iter()
            .flat_map(|service| self.pooler_pools(model, pooler, service))
            .map(Pool::login)
            .collect()
    }

    /// [`Links::pooler_logins`], or one login not known when no client is known: the
    /// settings such a client would get (`[pgbouncer]`'s, or the `*` entry's).
    pub fn pooler_logins_or_unknown(&self, model: &'m Model, pooler: &Pooler) -> Vec<Login<'m>> {
        or_unknown_login(self.pooler_logins(model, pooler))
    }

    /// The pools of `service`, a client of `pooler`, that may go through it
    /// ([`Links::may_use_pooler`]).
    pub fn pooler_pools<'s>(
        &'s self,
        model: &'m Model,
        pooler: &'s Pooler,
        service: &'m Service,
    ) -> impl Iterator<Item = &'m Pool> + 's {
        pools(model, service).filter(move |pool| self.may_use_pooler(model, pooler, pool))
    }

    /// False when something about the pool says it bypasses `pooler`, though its
    /// service connects to it (`connects-to` names one target for the whole service):
    /// it speaks another protocol than PostgreSQL, PgBouncer's, or every host it lists
    /// names another database or pooler of the model (a second database `reports-db`
    /// the application reaches directly beside the PgBouncer of its main one).
    pub fn may_use_pooler(&self, model: &Model, pooler: &Pooler, pool: &Pool) -> bool {
        if pool_family(pool).is_some_and(|family| family != Family::Postgres) {
            return false;
        }
        let Some(host) = pool_host(pool) else {
            return true;
        };
        let known = self.host_names.get_or_init(|| known_host_names(model));
        !host
            .split(',')
            .all(|one| names_other_than(known, &pooler.name, one))
    }

    /// The services using the pool at `index` in [`Model::pools`].
    pub fn pool_users(&self, index: usize) -> &[&'m Service] {
        let start = self.pool_starts.get(index).copied().unwrap_or(0);
        let end = self.pool_starts.get(index + 1).copied().unwrap_or(0);
        self.pool_users.get(start..end).unwrap_or(&[])
    }

    /// The database a pooler forwards to.
    pub fn pooler_database(&self, pooler: &Pooler) -> Option<&'m Database> {
        self.databases.get(pooler.connects_to.as_deref()?).copied()
    }

    /// The database a service reaches, directly or through a pooler, with the pooler.
    pub fn service_database(
        &self,
        service: &Service,
    ) -> Option<(&'m Database, Option<&'m Pooler>)> {
        let target = service.connects_to.as_deref()?;
        if let Some(database) = self.databases.get(target) {
            return Some((database, None));
        }
        let pooler = *self.poolers.get(target)?;
        Some((self.pooler_database(pooler)?, Some(pooler)))
    }

    /// True when `database` is the one its name resolves to (names can repeat).
    fn resolves_to(&self, database: &Database) -> bool {
        self.databases
            .get(database.name.as_str())
            .is_some_and(|d| std::ptr::eq(*d, database))
    }

    /// Poolers that forward to the database.
    pub fn database_poolers(&self, database: &Database) -> &[&'m Pooler] {
        self.pooler_clients
            .get(database.name.as_str())
            .map_or(&[], Vec::as_slice)
    }

    /// Services that reach the database, directly (None) or through a pooler.
    pub fn database_clients(&self, database: &Database) -> Vec<(&'m Service, Option<&'m Pooler>)> {
        if !self.resolves_to(database) {
            return Vec::new();
        }
        let direct = self.clients_of(&database.name).iter().map(|s| (*s, None));
        let pooled = self
            .database_poolers(database)
            .iter()
            .filter(|p| {
                self.poolers
                    .get(p.name.as_str())
                    .is_some_and(|q| std::ptr::eq(*q, **p))
            })
            // A database of the same name takes precedence over the pooler.
            .filter(|p| !self.databases.contains_key(p.name.as_str()))
            .flat_map(|p| self.pooler_clients(p).iter().map(move |s| (*s, Some(*p))));
        direct.chain(pooled).collect()
    }

    /// True when anything declared connects to the database (a service or a pooler).
    pub fn has_clients(&self, database: &Database) -> bool {
        (self.resolves_to(database) && !self.clients_of(&database.name).is_empty())
            || !self.database_poolers(database).is_empty()
    }
}

/// The shortest idle limit something between a service and its database enforces:
/// PostgreSQL `idle_session_timeout`, MySQL `wait_timeout`, or PgBouncer
/// `client_idle_timeout` in front (catalogue LT02's `K`), with the safety margin the
/// catalogue gives for it: 60 s for MySQL's `wait_timeout` [HK-FAQ]; None for the
/// others, whose "several seconds" is a heuristic number, the rule's `margin-seconds`.
pub(crate) struct IdleLimit<'m> {
    pub limit: std::time::Duration,
    pub margin: Option<std::time::Duration>,
    pub what: String,
    pub setting: &'m crate::model::Setting<std::time::Duration>,
}

/// `logins`, or one login not known when there is none: what a PgBouncer setting chosen
/// per login gives a client nothing is known of.
pub fn or_unknown_login(logins: Vec<Login<'_>>) -> Vec<Login<'_>> {
    match logins.is_empty() {
        true => vec![(None, None)],
        false => logins,
    }
}

/// Calls `visit` with each HikariCP pool of a service that has an idle limit in front
/// of its data, and that limit: what the two idle-limit rules check.
pub(crate) fn each_hikari_pool_under_idle_limit<'m>(
    model: &'m Model,
    mut visit: impl FnMut(&'m Pool, &IdleLimit<'m>),
) {
    let links = Links::new(model);
    for service in &model.services {
        for pool in pools(model, service).filter(|p| p.library == crate::model::Library::HikariCp) {
            if let Some(limit) = idle_limit(&links, service, pool) {
                visit(pool, &limit);
            }
        }
    }
}

/// The shortest idle limit in front of `pool` (of `service`): the `client_idle_timeout`
/// of the PgBouncer its service connects to (the pool's login user's own when above 0;
/// also when the PgBouncer's database is not known), else its database's
/// `idle_session_timeout` or MySQL `wait_timeout`.
pub(crate) fn idle_limit<'m>(
    links: &Links<'m>,
    service: &Service,
    pool: &Pool,
) -> Option<IdleLimit<'m>> {
    use std::time::Duration;
    let target = service.connects_to.as_deref()?;
    let pooler = links.poolers.get(target).copied();
    let database = match pooler {
        Some(_) => None,
        None => Some(*links.databases.get(target)?),
    };
    let mut limits: Vec<IdleLimit> = Vec::new();
    let mut consider = |setting: Option<&'m crate::model::Setting<Duration>>,
                        what: String,
                        margin: Option<u64>| {
        if let Some(setting) = setting {
            if let Some(&limit) = setting.get() {
                if !limit.is_zero() {
                    limits.push(IdleLimit {
                        limit,
                        margin: margin.map(Duration::from_secs),
                        what,
                        setting,
                    });
                }
            }
        }
    };
    match (pooler, database) {
        (Some(pooler), _) => consider(
            pooler.client_idle_timeout_for(pool.login().1),
            format!("the client_idle_timeout of PgBouncer {}", pooler.name),
            None,
        ),
        (None, None) => {}
        (None, Some(database)) => {
            consider(
                database.idle_session_timeout.as_ref(),
                format!("the idle_session_timeout of database {}", database.name),
                None,
            );
            let raised = database
                .wait_timeout_raised_from
                .as_ref()
                .map(|written| {
                    format!(" ({written} written, which MySQL raises to its minimum, 1 s)")
                })
                .unwrap_or_default();
            consider(
                database.wait_timeout.as_ref(),
                format!("the wait_timeout of database {}{raised}", database.name),
                Some(60),
            );
        }
    }
    limits.into_iter().min_by_key(|l| l.limit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Ecosystem, Engine, Origin, Setting};

    fn database(name: &str) -> Database {
        let limit = Origin::Inferred {
            from: "test".into(),
            at: None,
        };
        Database::new(name.into(), Engine::Postgres, Setting::known(100, limit))
    }

    fn pooler(name: &str, target: &str) -> Pooler {
        Pooler {
            connects_to: Some(target.into()),
            ..Pooler::named(name.into())
        }
    }

    fn service(name: &str, target: &str, pools: Vec<usize>) -> Service {
        Service {
            connects_to: Some(target.into()),
            ..Service::new(name.into(), Ecosystem::Spring, pools)
        }
    }

    fn model() -> Model {
        Model {
            databases: vec![database("users"), database("orders"), database("users")],
            poolers: vec![pooler("bouncer", "users")],
            services: vec![
                service("auth", "bouncer", vec![0, 0]),
                service("admin", "users", vec![0]),
                service("shop", "nowhere", vec![]),
            ],
            ..Model::default()
        }
    }

    fn names(services: &[&Service]) -> Vec<String> {
        services.iter().map(|s| s.name.clone()).collect()
    }

    #[test]
    fn services_reach_databases_directly_and_through_poolers() {
        let model = model();
        let links = Links::new(&model);
        let (via_pooler, pooler) = links.service_database(&model.services[0]).unwrap();
        assert!(std::ptr::eq(via_pooler, &model.databases[0]));
        assert_eq!(pooler.map(|p| p.name.as_str()), Some("bouncer"));
        let (direct, none) = links.service_database(&model.services[1]).unwrap();
        assert!(std::ptr::eq(direct, &model.databases[0]) && none.is_none());
        assert!(links.service_database(&model.services[2]).is_none());
        assert_eq!(names(links.pooler_clients(&model.poolers[0])), ["auth"]);
    }

    #[test]
    fn clients_belong_to_the_first_database_of_a_name() {
        let model = model();
        let links = Links::new(&model);
        let clients: Vec<&str> = links
            .database_clients(&model.databases[0])
            .iter()
            .map(|(s, _)| s.name.as_str())
            .collect();
        assert_eq!(clients, ["admin", "auth"]);
        assert!(links.has_clients(&model.databases[0]));
        assert!(!links.has_clients(&model.databases[1]));
        assert!(links.database_clients(&model.databases[2]).is_empty());
    }

    #[test]
    fn hosts_outside_the_model_are_dns_names_beyond_a_cluster_and_addresses() {
        use HostKind::*;
        let cases = [
            ("db", Service("db")),
            ("db:5432", Service("db")),
            ("db.shop", Service("db")),
            ("db.shop.svc", Service("db")),
            ("db.shop.svc.cluster.local", Service("db")),
            ("DB.Shop.SVC.example.internal.", Service("DB")),
            (
                "postgres-0.postgres.shop.svc.cluster.local:5432",
                Service("postgres-0"),
            ),
            ("localhost", Local),
            ("localhost:5432", Local),
            ("app.localhost", Local),
            ("127.0.0.1", Local),
            ("127.0.0.2:5432", Local),
            ("::1", Local),
            ("[::1]:5432", Local),
            ("::ffff:127.0.0.1", Local),
            ("0.0.0.0", Local),
            ("prod.abc123.eu-west-1.rds.amazonaws.com", Outside),
            ("prod.abc123.eu-west-1.rds.amazonaws.com:5432", Outside),
            ("db.example.com.", Outside),
            ("host.docker.internal", Outside),
            ("10.0.0.5", Outside),
            ("203.0.113.7:5432", Outside),
            ("[2001:db8::1]:5432", Outside),
            ("${DB_HOST}", Unknown),
            ("$(DB_HOST)", Unknown),
            ("<%= ENV['DB_HOST'] %>", Unknown),
            ("/var/run/postgresql", Unknown),
            (".\\SQLEXPRESS", Unknown),
            ("", Unknown),
        ];
        for (host, kind) in cases {
            assert_eq!(host_kind(host), kind, "{host}");
        }
    }

    #[test]
    fn a_pool_is_outside_when_every_host_it_lists_is_and_none_is_the_database() {
        let users = database("users.abc.eu-west-1.rds.amazonaws.com");
        let db = database("db");
        assert!(lists_only_outside_hosts(&db, "db.example.com"));
        assert!(lists_only_outside_hosts(
            &db,
            "a.example.com,b.example.com:5433"
        ));
        assert!(!lists_only_outside_hosts(&db, "a.example.com,db"));
        assert!(!lists_only_outside_hosts(&db, "db.shop.svc.cluster.local"));
        // Two labels: Kubernetes' `service.namespace` only in the database's namespace.
        let in_shop = database("shop/db");
        assert!(lists_only_outside_hosts(&db, "db.internal"));
        assert!(lists_only_outside_hosts(&db, "mydb.io:5432"));
        assert!(!lists_only_outside_hosts(&db, "db.default"));
        assert!(!lists_only_outside_hosts(&in_shop, "db.shop"));
        assert!(lists_only_outside_hosts(&in_shop, "db.internal"));
        assert!(!lists_only_outside_hosts(
            &users,
            "USERS.abc.eu-west-1.rds.amazonaws.com"
        ));
        assert!(!lists_only_outside_hosts(
            &users,
            "other.example.com,users.abc.eu-west-1.rds.amazonaws.com:5432"
        ));
    }

    #[test]
    fn a_service_listing_a_pool_twice_uses_it_once() {
        let model = model();
        let links = Links::new(&model);
        assert_eq!(names(links.pool_users(0)), ["auth", "admin"]);
        assert!(links.pool_users(7).is_empty());
    }
}
