//! The typed model every rule reads: pools, services, deployments, poolers, databases
//! and declared load, each value a [`Setting`] that knows where it came from.
//!
//! Units are normalised when ecosystems read files (durations are [`Duration`]);
//! rules never convert units. Counts are `i64` because negative and absurd values
//! are exactly what some rules report (`minimum-idle: -1` fails HikariCP at start-up).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use crate::memory::{release_spare_room, SPARE_ROOM_WORTH_A_COPY};
use crate::source::{FileId, Span};

pub mod hikari;
pub(crate) mod links;
pub mod parameters;
pub(crate) mod profiles;

/// Where a value came from.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// Read from a file. `key` is the logical key path in its canonical form,
    /// e.g. `spring.datasource.hikari.maximum-pool-size`.
    File {
        file: FileId,
        span: Span,
        /// Shared ([`EntryKey`]): every pool of a repository repeats the same keys.
        key: EntryKey,
        /// The placeholder or environment variable the value came through
        /// (`${DB_POOL:10}` → `DB_POOL`); the value is its default. A fallback chain
        /// (`ENV["DB_POOL"] || ENV["MAX_THREADS"] || 5`) has several, in order
        /// ([`via_variables`]).
        via: Option<Box<str>>,
    },
    /// The key is absent and the library default applies. `anchor` is the closest
    /// existing ancestor key, where a diagnostic about the missing key points.
    Default {
        library: StaticText,
        doc: StaticText,
        anchor: Option<Location>,
    },
    /// Declared in `poollint.toml`.
    Manifest {
        file: FileId,
        span: Span,
        key: EntryKey,
    },
    /// Deduced from other facts; `from` says from what.
    Inferred {
        from: Box<str>,
        at: Option<Location>,
    },
}

/// A text of the program, behind one thin pointer (`&"HikariCP"`): an
/// [`Origin::Default`] holds two, and every setting of the model holds an origin, whose
/// size is its largest variant's.
pub type StaticText = &'static &'static str;

/// Separates the variables of a fallback chain in an [`Origin::File`]'s `via`.
pub const VIA_SEPARATOR: char = ',';

/// The variables a value came through, in the order they are tried: the first one set
/// gives the value.
pub fn via_variables(via: &str) -> impl Iterator<Item = &str> {
    via.split(VIA_SEPARATOR)
}

/// `${DB_POOL}`, or `${DB_POOL} or ${MAX_THREADS}` for a chain, for messages; `braces`
/// false writes `$DB_POOL`.
pub fn via_shown(via: &str, braces: bool) -> String {
    via_variables(via)
        .map(|var| {
            if braces {
                format!("${{{var}}}")
            } else {
                format!("${var}")
            }
        })
        .collect::<Vec<_>>()
        .join(" or ")
}

/// A place in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    pub file: FileId,
    pub span: Span,
}

impl Origin {
    /// Where a diagnostic about this value should point.
    pub fn location(&self) -> Option<Location> {
        match self {
            Origin::File { file, span, .. } | Origin::Manifest { file, span, .. } => {
                Some(Location {
                    file: *file,
                    span: *span,
                })
            }
            Origin::Default { anchor, .. } => *anchor,
            Origin::Inferred { at, .. } => *at,
        }
    }

    pub fn is_default(&self) -> bool {
        matches!(self, Origin::Default { .. })
    }

    /// The key path, when the value was written somewhere.
    pub fn key(&self) -> Option<&str> {
        match self {
            Origin::File { key, .. } | Origin::Manifest { key, .. } => Some(key.as_str()),
            _ => None,
        }
    }

    /// The name the value is written under: the key path's last element
    /// (`Min Pool Size` of `ConnectionStrings.Main.Min Pool Size`, `max_age`, a URL's
    /// parameter `socketTimeout` of `spring.datasource.url?socketTimeout`), for
    /// messages that name what to edit as it is spelt.
    pub fn written_name(&self) -> Option<&str> {
        self.key().and_then(|k| k.rsplit(['.', '?']).next())
    }
}

/// A value as configured, or why it is not known statically.
#[derive(Clone, PartialEq)]
pub enum Val<T> {
    Known(T),
    /// A placeholder without a default (`${DB_POOL}`) or a template poollint does not
    /// evaluate. Unknown values never produce findings by themselves.
    Unknown(Box<Unknown>),
    /// Written, but not a valid value of its type (`maximum-pool-size: ten`,
    /// `connection-timeout: 30s` for a millisecond long).
    Invalid(Box<Invalid>),
}

/// Why a value is not known. Boxed, like [`Invalid`]: most values are known, and every
/// pool holds a dozen settings, so the rare cases do not set the size of all of them.
#[derive(Debug, Clone, PartialEq)]
pub struct Unknown {
    pub reason: String,
}

/// A value written that is not valid: `raw` is the text as written.
#[derive(Debug, Clone, PartialEq)]
pub struct Invalid {
    pub raw: String,
    pub reason: String,
    /// What in `raw` makes it invalid, when a rule words the fix from it.
    pub cause: Option<InvalidCause>,
}

/// What in a value makes it invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidCause {
    /// An end-of-line comment (`;` or `#`) at this byte of the value, in a format that
    /// has none (PgBouncer reads `transaction ; x` as the value): the value meant is the
    /// text before it.
    EndOfLineComment(usize),
    /// The library reads another value than the one written, without an error (Active
    /// Record's `"5s".to_f` is 5): it runs, with another limit than the file shows.
    Misread,
    /// A negative number of milliseconds a library's setter takes (HikariCP's
    /// `setMaxLifetime`, `setKeepaliveTime`, `setLeakDetectionThreshold` check none),
    /// then corrects or misuses: the rules on that setting say what it runs with.
    Negative(i64),
}

/// Written as the enum was before its cases were boxed (`Invalid { raw: .., reason: .. }`):
/// finding fingerprints include it, and baselines must keep matching them.
impl<T: std::fmt::Debug> std::fmt::Debug for Val<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Val::Known(value) => f.debug_tuple("Known").field(value).finish(),
            Val::Unknown(unknown) => f
                .debug_struct("Unknown")
                .field("reason", &unknown.reason)
                .finish(),
            Val::Invalid(invalid) => f
                .debug_struct("Invalid")
                .field("raw", &invalid.raw)
                .field("reason", &invalid.reason)
                .finish(),
        }
    }
}

impl<T> Val<T> {
    pub fn unknown(reason: String) -> Self {
        Val::Unknown(Box::new(Unknown { reason }))
    }

    pub fn invalid(raw: String, reason: String) -> Self {
        Val::Invalid(Box::new(Invalid {
            raw,
            reason,
            cause: None,
        }))
    }

    /// `raw`, which the library reads as another value without an error ([`InvalidCause::Misread`]).
    pub fn misread(raw: String, reason: String) -> Self {
        Val::Invalid(Box::new(Invalid {
            raw,
            reason,
            cause: Some(InvalidCause::Misread),
        }))
    }

    /// The value a parser read from `raw`, or `raw` invalid for the reason it gave.
    pub fn from_result(raw: impl Into<String>, read: Result<T, String>) -> Self {
        read.map_or_else(|reason| Val::invalid(raw.into(), reason), Val::Known)
    }

    pub fn known(&self) -> Option<&T> {
        match self {
            Val::Known(v) => Some(v),
            _ => None,
        }
    }

    /// A known value turned into another value (or an unknown or invalid one); an
    /// unknown or invalid value stays as it is.
    pub fn and_then<U>(self, f: impl FnOnce(T) -> Val<U>) -> Val<U> {
        match self {
            Val::Known(v) => f(v),
            Val::Unknown(why) => Val::Unknown(why),
            Val::Invalid(why) => Val::Invalid(why),
        }
    }
}

/// A value with its origin.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting<T> {
    pub value: Val<T>,
    pub origin: Origin,
}

impl<T> Setting<T> {
    pub fn known(value: T, origin: Origin) -> Self {
        Setting {
            value: Val::Known(value),
            origin,
        }
    }

    pub fn get(&self) -> Option<&T> {
        self.value.known()
    }

    pub fn location(&self) -> Option<Location> {
        self.origin.location()
    }

    /// True when the value was written in a file or the manifest (not a default).
    pub fn is_explicit(&self) -> bool {
        matches!(self.origin, Origin::File { .. } | Origin::Manifest { .. })
    }
}

/// Ecosystems poollint reads (one file each under `src/ecosystems/`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Ecosystem {
    Spring,
    PgBouncer,
    Postgres,
    MySql,
    Rails,
    Kubernetes,
    Compose,
    Node,
    DotNet,
    ConnectionString,
}

/// The pool implementation, which decides defaults and validation behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Library {
    HikariCp,
    TomcatJdbc,
    Dbcp2,
    OracleUcp,
    ActiveRecord,
    NodePostgres,
    Knex,
    Sequelize,
    TypeOrm,
    Prisma,
    Npgsql,
    SqlClient,
    /// MySqlConnector (.NET), told by its keywords or a `MYSQLCONNSTR_` variable.
    MySqlConnector,
    PgBouncer,
    Other,
}

/// The unit a library reads a time setting in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUnit {
    Millis,
    /// Seconds, fractions taken (Active Record's `to_f`).
    Seconds,
    /// Whole seconds only: a fraction is refused or cut.
    WholeSeconds,
}

/// A library's maximum-lifetime property, its unit and its default, for messages.
pub struct LifetimeProperty {
    pub property: &'static str,
    pub unit: &'static str,
    pub default: String,
}

impl Library {
    /// How the library names `pool.min` and `pool.max`, for messages (None: not read).
    pub fn size_properties(self) -> Option<(&'static str, &'static str)> {
        match self {
            Library::HikariCp => Some(("minimum-idle", "maximum-pool-size")),
            Library::Knex | Library::Sequelize => Some(("pool.min", "pool.max")),
            Library::NodePostgres => Some(("min", "max")),
            Library::Npgsql | Library::MySqlConnector => {
                Some(("Minimum Pool Size", "Maximum Pool Size"))
            }
            // SqlClient has no `Maximum Pool Size` keyword (or synonym): its
            // connection-string parser refuses it.
            Library::SqlClient => Some(("Min Pool Size", "Max Pool Size")),
            _ => None,
        }
    }

    /// How the library names the time a caller waits for a pooled connection, and the
    /// unit it reads (None: not named here).
    pub fn acquire_timeout_property(self) -> Option<(&'static str, TimeUnit)> {
        let property = match self {
            Library::HikariCp => ("connection-timeout", TimeUnit::Millis),
            Library::TomcatJdbc => ("max-wait", TimeUnit::Millis),
            Library::ActiveRecord => ("checkout_timeout", TimeUnit::Seconds),
            Library::NodePostgres => ("connectionTimeoutMillis", TimeUnit::Millis),
            Library::Knex => ("acquireConnectionTimeout", TimeUnit::Millis),
            Library::Sequelize => ("pool.acquire", TimeUnit::Millis),
            Library::TypeOrm => ("connectTimeoutMS", TimeUnit::Millis),
            Library::Prisma => ("pool_timeout", TimeUnit::WholeSeconds),
            Library::Npgsql => ("Timeout", TimeUnit::WholeSeconds),
            Library::SqlClient | Library::MySqlConnector => {
                ("Connect Timeout", TimeUnit::WholeSeconds)
            }
            _ => return None,
        };
        Some(property)
    }

    /// How the library names its maximum connection lifetime, when a written 0 means
    /// "never retire" (rules-catalogue LT09), for messages (None: not read, or 0 means
    /// something else).
    pub fn max_lifetime_property(self) -> Option<LifetimeProperty> {
        let (property, unit, default) = match self {
            Library::HikariCp => (
                "max-lifetime",
                "milliseconds",
                hikari::MAX_LIFETIME_MS.to_string(),
            ),
            Library::NodePostgres | Library::TypeOrm => (
                "maxLifetimeSeconds",
                "seconds",
                "0 too (never retired)".into(),
            ),
            Library::Npgsql => (
                "Connection Lifetime",
                "seconds",
                "3600 since Npgsql 9".into(),
            ),
            Library::SqlClient | Library::MySqlConnector => (
                "Connection Lifetime",
                "seconds",
                "0 too (never retired)".into(),
            ),
            _ => return None,
        };
        Some(LifetimeProperty {
            property,
            unit,
            default,
        })
    }

    pub fn name(self) -> &'static str {
        self.name_text()
    }

    /// [`Library::name`] as an [`Origin::Default`] holds it.
    pub fn name_text(self) -> StaticText {
        match self {
            Library::HikariCp => &"HikariCP",
            Library::TomcatJdbc => &"Tomcat JDBC",
            Library::Dbcp2 => &"Commons DBCP2",
            Library::OracleUcp => &"Oracle UCP",
            Library::ActiveRecord => &"Active Record",
            Library::NodePostgres => &"node-postgres",
            Library::Knex => &"knex",
            Library::Sequelize => &"Sequelize",
            Library::TypeOrm => &"TypeORM",
            Library::Prisma => &"Prisma",
            Library::Npgsql => &"Npgsql",
            Library::SqlClient => &"SqlClient",
            Library::MySqlConnector => &"MySqlConnector",
            Library::PgBouncer => &"PgBouncer",
            Library::Other => &"pool",
        }
    }
}

/// Parameters of a connection URL or connection string (JDBC, libpq, .NET), each with
/// the span of its value inside the string.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConnectionInfo {
    /// `postgresql`, `mysql`, `mariadb`, `sqlserver`, ... as named by the URL.
    /// A boxed str, eight bytes less than a `String`: 224 bytes hold the whole record,
    /// mimalloc's block of that size instead of 256 (most pools have one).
    pub engine: Option<Box<str>>,
    pub host: Option<Setting<String>>,
    /// The database name the URL or string selects, when it names one.
    pub database: Option<String>,
    /// The database user the client logs in as (PgBouncer `[users]` settings apply to it).
    pub user: Option<String>,
    /// Parameters by lower-cased name.
    pub params: NamedSettings,
    /// Where the whole URL or string is.
    pub location: Option<Location>,
    /// The server settings its `options` parameter passes at start-up; None when it has
    /// no `options` parameter.
    pub options: Option<StartupOptions>,
}

/// The server settings a PostgreSQL `options` connection parameter passes (libpq and
/// PgJDBC `options`, node-postgres `options`): `-c name=value` and `--name=value`, as
/// (lower-cased name with `_` for `-`, value) pairs in order, the last of a name winning
/// (see [`parameters::options_settings`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StartupOptions(Vec<(String, String)>);

impl StartupOptions {
    /// The settings of `options`; `url_encoded`: the text is a URL query value.
    pub fn parse(options: &str, url_encoded: bool) -> Self {
        StartupOptions(parameters::options_settings(options, url_encoded))
    }

    /// The names the settings set, in order (lower case, `_` form).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(name, _)| name.as_str())
    }

    /// The value the settings give `name` (lower case, `_` form): the last one's.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// Config entries in the order they were read, kept in the vectors they were read
/// into: appending a part's entries moves its vector instead of copying each entry
/// into one ever larger vector (hundreds of thousands of entries on a large
/// repository, reallocated and copied as it grew). Each chunk knows whether all its
/// entries are of one ecosystem, so [`Entries::of`] skips the other chunks whole.
#[derive(Clone, Default)]
pub struct Entries {
    chunks: Vec<Chunk>,
}

#[derive(Clone, Default)]
struct Chunk {
    /// Some when every entry is of this ecosystem (None: empty or mixed).
    ecosystem: Option<Ecosystem>,
    entries: Vec<ConfigEntry>,
}

/// Entries a chunk grows to before the next entries go in a new chunk, made with room
/// for as many: a vector that kept doubling past it copied every entry again each time
/// and kept up to as much room again spare (a 10 MB `pgbouncer.ini` of 600,000 entries
/// held 176 MB of them at the peak). Heuristic.
const CHUNK_ENTRIES: usize = 4096;

impl Chunk {
    /// A chunk for the entries after a full one.
    fn next() -> Self {
        Chunk {
            ecosystem: None,
            entries: Vec::with_capacity(CHUNK_ENTRIES),
        }
    }

    /// Whether the next entry would make it grow past [`CHUNK_ENTRIES`].
    fn is_full(&self) -> bool {
        let len = self.entries.len();
        len >= CHUNK_ENTRIES && len == self.entries.capacity()
    }

    fn push(&mut self, entry: ConfigEntry) {
        if self.entries.is_empty() {
            self.ecosystem = Some(entry.ecosystem);
        } else if self.ecosystem != Some(entry.ecosystem) {
            self.ecosystem = None;
        }
        self.entries.push(entry);
    }

    /// False only when none of its entries can be of `ecosystem`.
    fn may_hold(&self, ecosystem: Ecosystem) -> bool {
        self.ecosystem.is_none_or(|e| e == ecosystem)
    }
}

/// Entries are equal and shown as the list they make, however they are chunked.
impl PartialEq for Entries {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl std::fmt::Debug for Entries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Entries {
    pub fn push(&mut self, entry: ConfigEntry) {
        let mut chunk = match self.chunks.last_mut() {
            Some(chunk) if !chunk.is_full() => return chunk.push(entry),
            Some(_) => Chunk::next(),
            // The first chunk grows from nothing: most units hold a few entries.
            None => Chunk::default(),
        };
        chunk.push(entry);
        self.chunks.push(chunk);
    }

    /// `entries` after these, as a chunk of their own, in their own block: no copy, and
    /// whatever room the block has beyond them stays (see [`Entries::append`]).
    pub fn append_chunk(&mut self, entries: Vec<ConfigEntry>) {
        let first = entries.first().map(|e| e.ecosystem);
        let ecosystem = first.filter(|&first| entries.iter().all(|e| e.ecosystem == first));
        if !entries.is_empty() {
            self.chunks.push(Chunk { ecosystem, entries });
        }
    }

    /// Room for `additional` more entries in a chunk of their own.
    pub fn reserve_exact(&mut self, additional: usize) {
        self.chunks.push(Chunk {
            ecosystem: None,
            entries: Vec::with_capacity(additional),
        });
    }

    /// Move `other`'s entries after these. Chunks grown by pushing give back their
    /// spare room when it is worth a copy: they are kept until the run ends.
    pub fn append(&mut self, other: Entries) {
        self.chunks.extend(
            other
                .chunks
                .into_iter()
                .filter(|c| !c.entries.is_empty())
                .map(|mut c| {
                    release_spare_room(&mut c.entries, SPARE_ROOM_WORTH_A_COPY);
                    c
                }),
        );
    }

    pub fn iter(&self) -> impl Iterator<Item = &ConfigEntry> + Clone {
        self.chunks.iter().flat_map(|c| &c.entries)
    }

    /// The entries of one ecosystem, in order.
    pub fn of(&self, ecosystem: Ecosystem) -> impl Iterator<Item = &ConfigEntry> + Clone {
        self.chunks
            .iter()
            .filter(move |c| c.may_hold(ecosystem))
            .flat_map(|c| &c.entries)
            .filter(move |e| e.ecosystem == ecosystem)
    }

    /// Take the entries of `ecosystem` out, in order, leaving the others.
    pub fn take_of(&mut self, ecosystem: Ecosystem) -> Entries {
        let mut taken = Entries::default();
        let mut kept = Entries::default();
        for chunk in std::mem::take(&mut self.chunks) {
            match chunk.ecosystem {
                Some(e) if e == ecosystem => taken.chunks.push(chunk),
                Some(_) => kept.chunks.push(chunk),
                None => {
                    for entry in chunk.entries {
                        if entry.ecosystem == ecosystem {
                            taken.push(entry);
                        } else {
                            kept.push(entry);
                        }
                    }
                }
            }
        }
        *self = kept;
        taken
    }

    pub fn len(&self) -> usize {
        self.chunks.iter().map(|c| c.entries.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.chunks.iter().all(|c| c.entries.is_empty())
    }
}

impl Extend<ConfigEntry> for Entries {
    fn extend<I: IntoIterator<Item = ConfigEntry>>(&mut self, entries: I) {
        for entry in entries {
            self.push(entry);
        }
    }
}

impl FromIterator<ConfigEntry> for Entries {
    fn from_iter<I: IntoIterator<Item = ConfigEntry>>(entries: I) -> Self {
        let mut all = Entries::default();
        all.extend(entries);
        all
    }
}

/// [`Pool::max`] of a pool that bounds nothing: ActiveRecord `max_connections: -1` (or
/// nil), Prisma `connection_limit=0` (mobc's `max_open` 0), and .NET `Pooling=false`,
/// where every open is a new physical connection.
pub const UNBOUNDED_POOL: i64 = -1;

impl Pool {
    /// HikariCP's `validationTimeout`: as written, else HikariCP's default; None for a
    /// pool of another library.
    pub fn validation_timeout(&self) -> Option<std::borrow::Cow<'_, Setting<Duration>>> {
        let written = self.validation_timeout_written.as_deref();
        self.hikari_millis(written, hikari::VALIDATION_TIMEOUT_MS)
    }

    /// HikariCP's `leakDetectionThreshold`: as written, else its default (0, disabled);
    /// None for a pool of another library.
    pub fn leak_detection_threshold(&self) -> Option<std::borrow::Cow<'_, Setting<Duration>>> {
        self.hikari_millis(self.leak_detection_threshold_written.as_deref(), 0)
    }

    /// A HikariCP setting in milliseconds as written, else its default with HikariCP's
    /// defaults for origin (as the Spring reader gives every setting not written).
    fn hikari_millis<'p>(
        &self,
        written: Option<&'p Setting<Duration>>,
        default_ms: u64,
    ) -> Option<std::borrow::Cow<'p, Setting<Duration>>> {
        if let Some(setting) = written {
            return Some(std::borrow::Cow::Borrowed(setting));
        }
        (self.library == Library::HikariCp).then(|| {
            std::borrow::Cow::Owned(Setting::known(
                Duration::from_millis(default_ms),
                hikari::default_origin(self.anchor),
            ))
        })
    }

    /// The values the pool runs with: HikariCP's silent corrections applied
    /// ([`hikari::effective`]), the written values for every other library.
    pub fn effective(&self) -> hikari::Effective {
        if self.library == Library::HikariCp {
            return hikari::effective(self);
        }
        hikari::Effective {
            max: self.max.get().copied(),
            min: self.min.get().copied(),
            max_lifetime_ms: hikari::millis(&self.max_lifetime),
            keepalive_ms: hikari::millis(&self.keepalive),
            idle_timeout_ms: hikari::millis(&self.idle_timeout),
        }
    }

    /// The database and user the pool logs in as (each None when not known): what a
    /// pooler's per-database and per-user settings are looked up by. The URL's user wins
    /// over a `username` property, as PgJDBC reads the URL's parameters over the data
    /// source's.
    pub fn login(&self) -> (Option<&str>, Option<&str>) {
        let connection = self.connection.as_ref();
        let written = self.username_written.as_ref().and_then(|u| u.get());
        let user = connection
            .and_then(|c| c.user.as_deref())
            .or(written.map(String::as_str).filter(|u| !u.is_empty()));
        (connection.and_then(|c| c.database.as_deref()), user)
    }

    /// True for a pool with no maximum ([`UNBOUNDED_POOL`] from a library that means it:
    /// Active Record, Npgsql, SqlClient): catalogue SZ03.
    pub fn is_unbounded(&self) -> bool {
        match self.library {
            Library::ActiveRecord | Library::Prisma | Library::TypeOrm => {
                self.max.get() == Some(&UNBOUNDED_POOL)
            }
            Library::Npgsql | Library::SqlClient | Library::MySqlConnector => {
                self.pooling_disabled()
            }
            _ => false,
        }
    }

    /// True for a .NET pool written with `Pooling=false`, which the .NET reader reads
    /// as [`UNBOUNDED_POOL`] at the `Pooling` keyword. A `Maximum Pool Size=-1` written
    /// is no such pool: the driver refuses it (pool-size-invalid).
    pub fn pooling_disabled(&self) -> bool {
        matches!(
            self.library,
            Library::Npgsql | Library::SqlClient | Library::MySqlConnector
        ) && self.max.get() == Some(&UNBOUNDED_POOL)
            && self
                .max
                .origin
                .written_name()
                .is_some_and(|name| name.eq_ignore_ascii_case("Pooling"))
    }
}

impl Pool {
    /// True when each connection the pool opens sets the PostgreSQL time parameter `name`
    /// to other than 0 ([`Pool::session_setting`], read as `postgresql.conf`'s times are).
    pub fn sets_session_timeout(&self, name: &str) -> bool {
        self.session_setting(name)
            .is_some_and(|v| !parameters::is_zero_time(&v))
    }

    /// The value each connection the pool opens gives the server parameter `name` (lower
    /// case, `_` form), as the client sets it. What is applied last wins: a session
    /// setting made after connecting (Rails `variables:`, HikariCP
    /// `connection-init-sql`), else a `-c` in the connection's `options` (the URL's
    /// parameter, which replaces an `options` driver property, else that property). None
    /// when the client sets none, or sets one whose value is not known.
    pub fn session_setting(&self, name: &str) -> Option<std::borrow::Cow<'_, str>> {
        if let Some(session) = self.session_variables.get(name) {
            return session.get().map(|v| v.as_str().into());
        }
        match self.startup_options()?.0 {
            std::borrow::Cow::Borrowed(options) => options.get(name).map(Into::into),
            std::borrow::Cow::Owned(options) => options.get(name).map(|v| v.to_owned().into()),
        }
    }

    /// [`Pool::sets_session_timeout`] by a session setting made after connecting (Rails
    /// `variables:`, HikariCP `connection-init-sql`) alone: the connection's startup
    /// `options` do not pass a PgBouncer, which refuses or drops the settings it does
    /// not track ([`Pooler::startup_option`]).
    pub fn sets_session_timeout_after_connect(&self, name: &str) -> bool {
        self.session_variables
            .get(name)
            .and_then(Setting::get)
            .is_some_and(|v| !parameters::is_zero_time(v))
    }

    /// The server settings the connection's startup packet carries in `options` (the
    /// URL's parameter, which replaces an `options` driver property, else that
    /// property), with where they are written. None without one.
    pub fn startup_options(
        &self,
    ) -> Option<(std::borrow::Cow<'_, StartupOptions>, Option<Location>)> {
        if let Some(connection) = &self.connection {
            if let Some(options) = &connection.options {
                let at = connection.params.get("options").and_then(Setting::location);
                return Some((
                    std::borrow::Cow::Borrowed(options),
                    at.or(connection.location),
                ));
            }
        }
        let (_, property) = self
            .driver_properties
            .iter()
            .rev()
            .find(|(key, _)| key.eq_ignore_ascii_case("options"))?;
        let parsed = StartupOptions::parse(property.get()?, false);
        Some((std::borrow::Cow::Owned(parsed), property.location()))
    }
}

/// Settings by lower-cased name, in name order: a pool has a few URL parameters and
/// driver properties, and a B-tree node for each pool's few took 1.7 KB.
pub type NamedSettings = litemap::LiteMap<String, Setting<String>>;

/// One connection pool as one process creates it.
#[derive(Debug, Clone, PartialEq)]
pub struct Pool {
    /// Human name: the key prefix (`spring.datasource.hikari`) or the pool name.
    pub name: String,
    pub library: Library,
    pub ecosystem: Ecosystem,
    /// The profile/environment whose effective configuration this is (None: default).
    pub profile: Option<String>,
    /// The closest key that defines the pool, for diagnostics about absent settings.
    pub anchor: Option<Location>,
    /// `pool.max` (Hikari `maximumPoolSize`).
    pub max: Setting<i64>,
    /// `pool.min` (Hikari `minimumIdle`; defaults to max).
    pub min: Setting<i64>,
    /// `pool.acquire_timeout` (Hikari `connectionTimeout`; zero means infinite in Hikari).
    pub acquire_timeout: Setting<Duration>,
    pub idle_timeout: Setting<Duration>,
    /// Zero means unbounded.
    pub max_lifetime: Setting<Duration>,
    /// Zero means disabled.
    pub keepalive: Setting<Duration>,
    /// Boxed, like `auto_commit` and `connection`: a pool is held to the end of the
    /// run, and every byte inline moves all of them toward mimalloc's next block size
    /// (15,053 pools on the 10k benchmark tree, most without the rare settings).
    pub validate_on_borrow: Option<Box<Setting<bool>>>,
    /// HikariCP `validationTimeout` when written ([`Pool::validation_timeout`] gives
    /// HikariCP's default otherwise). Boxed, and only when written: a pool is held to
    /// the end of the run, and without the two 72-byte defaults inline it takes
    /// mimalloc's block of 640 bytes instead of 768.
    pub validation_timeout_written: Option<Box<Setting<Duration>>>,
    /// HikariCP `leakDetectionThreshold` when written (zero: disabled;
    /// [`Pool::leak_detection_threshold`]).
    pub leak_detection_threshold_written: Option<Box<Setting<Duration>>>,
    /// HikariCP `autoCommit`, when written (off: the application runs multi-statement
    /// transactions).
    pub auto_commit: Option<Box<Setting<bool>>>,
    /// The URL the pool connects with, parsed.
    pub connection: Option<Box<ConnectionInfo>>,
    /// HikariCP `dataSourceProperties` and similar driver properties, lower-cased names.
    pub driver_properties: NamedSettings,
    /// Server settings the client sets on every connection it opens, by lower-cased
    /// name (Rails `variables:`, HikariCP `connection-init-sql: SET …`): they count as
    /// the application's own timeouts (rules-catalogue TO05).
    pub session_variables: NamedSettings,
    /// Whether a script the config writes gives `session_variables` (HikariCP
    /// `connection-init-sql`), also one that sets nothing: a deployment's script then
    /// replaces the file's whole, and what the file's set is gone.
    pub init_sql_written: bool,
    /// The user a Spring pool's `username` names (HikariCP's own property, else
    /// `spring.datasource.username`), when written: the pool logs in as it when its URL
    /// names no user ([`Pool::login`]). Boxed: most pools have none.
    pub username_written: Option<Box<Setting<String>>>,
    /// HikariCP `driverClassName`, `dataSourceClassName`, `jdbcUrl`, JNDI name, as set.
    pub class_settings: ClassSettings,
    /// The deployment variables whose value, when the service's deployment sets one,
    /// is this pool's URL, the first set winning: Active Record's `PRIMARY_DATABASE_URL`
    /// then `DATABASE_URL` for a primary database without `url:` (merged over its keys),
    /// Prisma's `.env` variable (the process's value replaces the file's). None for a
    /// pool no variable overrides so. Boxed: most pools have none.
    pub url_variables: Option<UrlVariables>,
}

/// The names of [`Pool::url_variables`], behind one thin pointer: a `Pool` of 1,280
/// bytes fits the allocator's size class of that size, and 8 bytes more moved every
/// pool to the next one (256 bytes more each; about 5 MB of peak memory on the 10k
/// benchmark tree).
// The extra allocation clippy warns of is the point: one thin pointer in every pool,
// the list itself only in the few pools that have one.
#[allow(clippy::box_collection)]
#[derive(Debug, Clone, PartialEq)]
pub struct UrlVariables(Box<Vec<String>>);

impl UrlVariables {
    pub fn new(names: Vec<String>) -> Self {
        UrlVariables(Box::new(names))
    }
}

impl std::ops::Deref for UrlVariables {
    type Target = [String];

    fn deref(&self) -> &[String] {
        &self.0
    }
}

/// A pool's [`PoolClassSettings`], boxed only when one is set: most pools set none
/// (every pool outside Spring), and the five settings inline were a quarter of a pool.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ClassSettings(Option<Box<PoolClassSettings>>);

impl ClassSettings {
    pub fn new(settings: PoolClassSettings) -> Self {
        let set = settings != PoolClassSettings::default();
        ClassSettings(set.then(|| Box::new(settings)))
    }
}

impl std::ops::Deref for ClassSettings {
    type Target = PoolClassSettings;

    fn deref(&self) -> &PoolClassSettings {
        static NONE_SET: PoolClassSettings = PoolClassSettings {
            driver_class_name: None,
            data_source_class_name: None,
            jdbc_url: None,
            jndi_name: None,
            url: None,
            provided_by_framework: false,
        };
        self.0.as_deref().unwrap_or(&NONE_SET)
    }
}

/// Which data-source classes a pool names (HikariCP refuses some combinations). Each
/// setting is boxed: a pool sets one or two of them (Spring's own pool: the URL), and
/// five inline took 488 bytes of every Spring pool.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PoolClassSettings {
    pub driver_class_name: Option<Box<Setting<String>>>,
    pub data_source_class_name: Option<Box<Setting<String>>>,
    pub jdbc_url: Option<Box<Setting<String>>>,
    pub jndi_name: Option<Box<Setting<String>>>,
    /// A `url` key on a pool bound directly to HikariCP, which has no such property.
    pub url: Option<Box<Setting<String>>>,
    /// True when a data source is built elsewhere (Spring's auto-configuration passes
    /// `spring.datasource.url` and friends to Hikari), so HikariCP's own class checks
    /// do not apply to absent keys.
    pub provided_by_framework: bool,
}

/// How a service's processes are deployed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Deployment {
    pub replicas: Option<Setting<i64>>,
    /// HPA `maxReplicas` or the manifest's `max-instances`.
    pub max_replicas: Option<Setting<i64>>,
    /// The field of the autoscaler that sets `max_replicas`: an HPA's `maxReplicas`, a
    /// KEDA ScaledObject's `maxReplicaCount` (None: no autoscaler sets it).
    pub autoscaler_max_field: Option<&'static str>,
    pub min_replicas: Option<Setting<i64>>,
    /// Rolling-update surge and unavailable as written (a count or a percentage): a
    /// percentage is scaled against the instance count in effect when it is used (the
    /// manifest's `instances`, or the autoscaler's maximum), rounded as Kubernetes does.
    pub max_surge: Option<Setting<crate::capacity::IntOrPercent>>,
    pub max_unavailable: Option<Setting<crate::capacity::IntOrPercent>>,
    /// A DaemonSet's rolling update (kubernetes `pkg/controller/daemon`): its
    /// `maxUnavailable` percentage is rounded up (the Deployment controller rounds it
    /// down); with `maxSurge` 0 a node's new pod is created only once its old one is gone
    /// (`podsShouldBeOnNode`), so no pod runs above the node count; and its update
    /// strategies are `RollingUpdate` and `OnDelete`, no `Recreate`.
    pub daemon_set: bool,
    /// The strategy of an Argo Rollout's update, which decides what bounds its extra
    /// pods (None: not an Argo Rollout).
    pub argo_strategy: Option<ArgoStrategy>,
    /// The pool library the deployment's variables make Spring Boot's
    /// auto-configuration build (`SPRING_DATASOURCE_TYPE`), when they name one.
    pub data_source_type: Option<Library>,
    /// Liveness probe path or command, when one is declared.
    pub liveness_probe: Option<Setting<String>>,
    pub location: Option<Location>,
    /// The compose files whose `include:` imports the service, directly or through
    /// other included files (the project's file first): Compose runs it as their
    /// project's, so a `[[service]]` table's `deployment` naming one finds it.
    pub imported_by: Vec<FileId>,
    /// Literal environment variables of the process (`DB_POOL`, `RAILS_MAX_THREADS`…):
    /// they replace the defaults of settings read through them (`ENV.fetch("DB_POOL")`).
    pub environment: Vec<EnvVar>,
    /// Host paths the workload is built from or mounts (compose `build` context and
    /// bind-mount sources, resolved against the compose file's directory): an
    /// application config below one of them is this workload's config.
    pub host_paths: Vec<std::path::PathBuf>,
    /// Why this deployment was tied to the service without a manifest, if it was.
    pub inferred_link: Option<String>,
    /// Configuration files the pod mounts (a Kubernetes ConfigMap's keys in a
    /// `configMap` or `projected` volume a container mounts): an application read from
    /// one runs in this workload ([`crate::topology::link_mounted_applications`]).
    pub mounted_files: Vec<MountedFile>,
    /// The command its main process runs, word by word, as the files give it (a compose
    /// service's `entrypoint` then `command`, a Kubernetes container's `command` then
    /// `args`): an application server's options there win over its config files
    /// (Puma's `-C`, `-e`, `-t`, `-w`: [`crate::model::profiles::run_deployed_environment`]).
    pub command: Vec<CommandWord>,
    /// Pools that only variables with values the files do not give configure
    /// ([`EnvVar::unknown_from`]: a `SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE` from a
    /// Secret not among the files): kept out of the model's pools, as they say nothing
    /// checkable on their own, they make the linked application's settings of the same
    /// names unknown ([`crate::topology`]).
    pub override_pools: Vec<Pool>,
    /// How many of the service's pools, its last, other containers of the pod than its
    /// main process configure ([`crate::ecosystems::service_with_containers`]): each is
    /// its own pool, counted as it is, never an override of the linked application's.
    pub companion_pools: usize,
}

/// An Argo Rollout's update strategy (argo-rollouts `utils/replicaset`): what a help
/// may change to bound the pods its update runs above the replicas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgoStrategy {
    /// `blueGreen`: the preview runs the full replicas beside the active ones before
    /// the switch; no field of the strategy bounds it (`previewReplicaCount` holds only
    /// until promotion).
    BlueGreen,
    /// `canary` with `trafficRouting`: the stable stays fully scaled while the canary
    /// grows, and `maxSurge` does not apply; `dynamicStableScale: true` scales the
    /// stable down as traffic moves.
    TrafficRoutedCanary,
    /// `canary` without `trafficRouting`: `maxSurge` and `maxUnavailable`, as a
    /// Deployment's.
    Canary,
}

/// One word of a command line, with where it is written: the word itself when the file
/// holds it as read, else the whole value it was split from (a shell string's words
/// after quotes or a substitution moved them).
#[derive(Debug, Clone, PartialEq)]
pub struct CommandWord {
    pub text: String,
    pub location: Location,
}

/// A file a workload mounts from an object of the manifests: where its text is written
/// (a ConfigMap's `data` value) and what it is (`ConfigMap web-config, key
/// application.yml`).
#[derive(Debug, Clone, PartialEq)]
pub struct MountedFile {
    pub location: Location,
    pub source: String,
}

/// An environment variable set for a process (a Kubernetes container's `env`, a compose
/// service's `environment`), with where its name and value are written (the value's
/// location covers the text itself, inside any quotes).
#[derive(Debug, Clone, PartialEq)]
pub struct EnvVar {
    /// Shared with every variable spelt the same ([`EntryKey`]): a repository's
    /// deployments set the same few names again and again.
    pub name: EntryKey,
    pub value: String,
    pub name_location: Location,
    pub value_location: Location,
    /// True when the value is not the text written at `value_location`, whatever their
    /// lengths: a substitution (Kubernetes `$(VAR)`, Compose `${VAR:-x}`) made it, so
    /// offsets into the value do not point into the file ([`EnvVar::text_start`]).
    pub moved: bool,
    /// For a moved value, where each of its parts is written when the substitution
    /// kept track (Kubernetes `$(VAR)` expansion): offsets into the value then map back
    /// into the file ([`EnvVar::text_map`]).
    pub parts: Option<Box<[MapPiece]>>,
    /// Where the value comes from when the files do not give it (`Secret db, key
    /// password` of a Secret not among the files, `fieldRef status.podIP`): the value
    /// is then unknown, and `value` is the placeholder `${NAME}`, which readers take
    /// for an unknown value as they take a placeholder without a default.
    pub unknown_from: Option<String>,
    /// True when the files give every variable the value was made of, so a `${…}` in
    /// it is text the process receives (Compose's escaped `$${VAR}` is the literal
    /// `${VAR}`), not a placeholder for a value the files do not give: a reader that
    /// takes `${VAR}` for an unknown deployment variable reads it as written.
    pub verbatim: bool,
}

impl EnvVar {
    /// A variable as written in a file: its value is the text at `value_location`, and
    /// known.
    pub fn written(
        name: String,
        value: String,
        name_location: Location,
        value_location: Location,
    ) -> Self {
        EnvVar {
            name: name.into(),
            value,
            name_location,
            value_location,
            moved: false,
            parts: None,
            unknown_from: None,
            verbatim: false,
        }
    }

    /// The definition of `name` the process sees in `environment`: its last one.
    pub fn last_named<'e>(environment: &'e [EnvVar], name: &str) -> Option<&'e EnvVar> {
        environment.iter().rev().find(|v| v.name == name)
    }

    /// Where the value's text begins in the file, when `value_location` holds exactly
    /// that text: offsets into the value are then offsets from there. None when a
    /// substitution or an escape moved it.
    pub fn text_start(&self) -> Option<usize> {
        let span = self.value_location.span;
        (!self.moved && span.len() == self.value.len() && !self.value.is_empty())
            .then_some(span.start)
    }

    /// Why the value is unknown, when the files do not give it ([`EnvVar::unknown_from`]).
    pub fn unknown_reason(&self) -> Option<String> {
        let from = self.unknown_from.as_ref()?;
        Some(format!("set by the deployment from {from}"))
    }

    /// Where the parts of the value are written: from [`EnvVar::text_start`] on, or
    /// part by part after a substitution that kept track ([`EnvVar::parts`]).
    pub fn text_map(&self) -> TextMap {
        match &self.parts {
            Some(parts) if self.moved => TextMap::Pieces(parts.clone()),
            _ => self.text_start().into(),
        }
    }
}

/// A part of a value a substitution made, and where it comes from in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapPiece {
    /// The part's bytes in the value.
    pub value: std::ops::Range<usize>,
    /// The text in the file it comes from.
    pub file: Span,
    /// True when `file` holds the part byte for byte (literal text); false when the
    /// part replaced the text there (an expanded `$(VAR)` reference, `$$`).
    pub exact: bool,
}

/// Offsets into a value mapped to spans in its file, for the parts of a value a
/// finding is about (a URL's password, a connection string's pool size).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TextMap {
    /// Not written as read (an escape or a fold moved its characters): every part is
    /// the whole value's span, as offsets into the value would miss.
    #[default]
    Whole,
    /// Written as read from this byte of the file on.
    Start(usize),
    /// Made by a substitution from parts written in the file, in order.
    Pieces(Box<[MapPiece]>),
}

impl From<Option<usize>> for TextMap {
    fn from(start: Option<usize>) -> Self {
        start.map_or(TextMap::Whole, TextMap::Start)
    }
}

impl TextMap {
    /// The span in the file of `range` of a value written at `whole`: a part inside
    /// literal text is exact; a part that replaced text (an expanded reference) is that
    /// text whole; a range over several parts runs from the first to the last.
    pub fn span(&self, whole: Span, range: std::ops::Range<usize>) -> Span {
        match self {
            TextMap::Whole => whole,
            TextMap::Start(start) => Span::new(start + range.start, start + range.end),
            TextMap::Pieces(pieces) => {
                let at = |offset: usize| {
                    pieces
                        .iter()
                        .find(|p| p.value.start <= offset && offset < p.value.end)
                };
                let last = range.end.saturating_sub(1).max(range.start);
                let (Some(first), Some(last)) = (at(range.start), at(last)) else {
                    return whole;
                };
                let start = if first.exact {
                    first.file.start + (range.start - first.value.start)
                } else {
                    first.file.start
                };
                let end = if range.is_empty() {
                    start
                } else if last.exact {
                    last.file.start + (range.end - last.value.start)
                } else {
                    last.file.end
                };
                Span::new(start, end)
            }
        }
    }
}

/// Load the team declares for a service (`[service.load]` in the manifest).
#[derive(Debug, Clone, PartialEq)]
pub struct Load {
    pub peak_rps: Setting<f64>,
    pub hold_time: Setting<Duration>,
    pub connections_per_request: Setting<i64>,
    pub request_timeout: Option<Setting<Duration>>,
    pub max_wait_probability: Setting<f64>,
}

/// A Spring Boot web application's JPA facts (Open Session in View).
#[derive(Debug, Clone, PartialEq)]
pub struct JpaFacts {
    /// `spring.jpa.open-in-view`, when set.
    pub open_in_view: Option<Setting<bool>>,
    /// The `spring.jpa` key that shows JPA is configured.
    pub anchor: Location,
}

/// An application: pools plus what multiplies them.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    pub name: String,
    pub ecosystem: Ecosystem,
    /// Indices into [`Model::pools`].
    pub pools: Vec<usize>,
    /// DB-using threads per process (Tomcat `server.tomcat.threads.max`, Puma threads).
    pub threads: Option<Setting<i64>>,
    /// OS processes per instance, each with its own pools (Puma workers). Boxed, like
    /// `jpa` and `liveness_checks_db`: most services set none, and the model holds
    /// every service to the end (11,645 on the 10k benchmark tree).
    pub processes: Option<Box<Setting<i64>>>,
    /// Boxed, as `load`: most services have neither, and a service is copied whole
    /// when the model is assembled.
    pub deployment: Option<Box<Deployment>>,
    pub load: Option<Box<Load>>,
    /// Name of the database or pooler it connects to.
    pub connects_to: Option<String>,
    pub jpa: Option<Box<JpaFacts>>,
    /// The active profiles the application's own files set (Spring
    /// `spring.profiles.active`), in order; the deployment's environment outranks them.
    /// Boxed: most services set none, and every service would carry the room.
    pub active_profiles: Option<Box<Setting<Vec<String>>>>,
    /// Where the application adds the database check to its liveness health group
    /// (Spring `management.endpoint.health.group.liveness.include` holding `db`).
    pub liveness_checks_db: Option<Box<Location>>,
    /// Builds the pools of a set of active profiles known only once a deployment is
    /// linked (Spring's `SPRING_PROFILES_ACTIVE`); None when the files could give no
    /// other pools than those already read.
    pub pools_for_profiles: Option<PoolsForProfiles>,
    /// What the application opens in its other environments (Rails `staging` beside
    /// the `production` of `pools` and `threads`): the deployment chooses one.
    /// Boxed: most services have none.
    pub environments: Option<Box<Environments>>,
    /// What a Spring application's files leave to its deployment's environment in
    /// choosing its profiles (read by `model::profiles`); None when they leave nothing
    /// but what every variable can set.
    pub spring_profiles: Option<Box<SpringProfiles>>,
    /// Every config file the application server may load (Puma's `config/puma.rb`,
    /// `config/puma/<environment>.rb`, `config/puma_*.rb`), for a deployment's command
    /// that names one or sets its options (`puma -C config/puma_web.rb -t 8:8`);
    /// None for a service run by no such server.
    pub server_files: Option<Box<ServerFiles>>,
}

/// The config files an application server may load, with what each sets of the
/// service's threads and processes ([`Service::server_files`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ServerFiles {
    pub files: Vec<ServerFile>,
    /// The file the server loads when no command says otherwise (Puma's
    /// `config/puma/production.rb`, else `config/puma.rb`): what tells this runtime
    /// apart from the application's others ([`crate::topology::runtime_file`]), whatever
    /// a Procfile's options override.
    pub default: Option<FileId>,
}

/// One config file of an application server: its path from the application's
/// directory (`config/puma.rb`, `/`-separated) and the threads and processes it sets
/// (None: it sets none, and the server's default applies).
#[derive(Debug, Clone, PartialEq)]
pub struct ServerFile {
    pub path: String,
    pub file: FileId,
    pub threads: Option<Setting<i64>>,
    pub processes: Option<Setting<i64>>,
}

/// What a service opens in other environments than the one it was read with (Rails
/// runs one of `database.yml`'s, and Sidekiq one section of `sidekiq.yml`): the first
/// of `variables` the deployment sets names the one that runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Environments {
    /// The environment `pools` and `threads` of the service are read with.
    pub read_with: &'static str,
    /// The variables naming the environment, the first set winning.
    pub variables: &'static [&'static str],
    /// Each other environment's pools (indices into [`Model::pools`]); one without an
    /// entry leaves the service's.
    pub pools: Vec<(String, Vec<usize>)>,
    /// The threads per process each other environment sets (Sidekiq's `staging:`
    /// section), and those of any other (Sidekiq's top level); None leaves the service's.
    pub threads: Vec<(String, Setting<i64>)>,
    pub other_threads: Option<Setting<i64>>,
    /// The processes per instance, likewise (Puma's workers of `config/puma/<env>.rb`,
    /// and of `config/puma.rb` for any other environment).
    pub processes: Vec<(String, Setting<i64>)>,
    pub other_processes: Option<Setting<i64>>,
}

/// What a Spring application's files say of its profiles that a deployment's variables
/// complete.
#[derive(Clone)]
pub struct SpringProfiles {
    /// `spring.profiles.include` names profiles: they are active in every run, so Spring
    /// never falls back to the default profiles (Spring Boot's `Profiles.getAccepted`),
    /// whatever `SPRING_PROFILES_DEFAULT` says.
    pub includes: bool,
    /// `spring.profiles.active` with its placeholders resolved against a deployment's
    /// variables before the files (`${A:x},eu` with `A=y` is `y,eu`): None when the
    /// deployment sets no variable a placeholder names. Absent when it has none.
    pub active_with: Option<Arc<ActiveWithEnvironment>>,
}

/// What [`SpringProfiles::active_with`] runs.
pub type ActiveWithEnvironment = dyn Fn(&[EnvVar]) -> Option<Val<Vec<String>>> + Send + Sync;

impl std::fmt::Debug for SpringProfiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpringProfiles")
            .field("includes", &self.includes)
            .field("active_with", &self.active_with.is_some())
            .finish()
    }
}

/// The same facts (a copy of the service they came with).
impl PartialEq for SpringProfiles {
    fn eq(&self, other: &Self) -> bool {
        let same_builder = match (&self.active_with, &other.active_with) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        };
        self.includes == other.includes && same_builder
    }
}

/// The pools an application opens with a list of active profiles, in order (Spring:
/// every document and profile-specific file those profiles activate, together). None
/// when the list activates nothing the pools already read do not cover.
#[derive(Clone)]
pub struct PoolsForProfiles(Arc<BuildPools>);

/// What [`PoolsForProfiles`] runs: the pools of an active list, or None.
pub type BuildPools = dyn Fn(&[String]) -> Option<Vec<Pool>> + Send + Sync;

impl PoolsForProfiles {
    pub fn new(build: Arc<BuildPools>) -> Self {
        PoolsForProfiles(build)
    }

    /// The pools the application opens with `active` the active profiles, in order.
    pub fn build(&self, active: &[String]) -> Option<Vec<Pool>> {
        (self.0)(active)
    }
}

impl std::fmt::Debug for PoolsForProfiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PoolsForProfiles")
    }
}

/// The same builder (a copy of the service it came with).
impl PartialEq for PoolsForProfiles {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Service {
    /// A service of these pools with nothing known yet of what multiplies them.
    pub fn new(name: String, ecosystem: Ecosystem, pools: Vec<usize>) -> Self {
        Service {
            name,
            ecosystem,
            pools,
            threads: None,
            processes: None,
            deployment: None,
            load: None,
            connects_to: None,
            jpa: None,
            active_profiles: None,
            liveness_checks_db: None,
            pools_for_profiles: None,
            environments: None,
            spring_profiles: None,
            server_files: None,
        }
    }
}

/// Database engines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Postgres,
    MySql,
    MariaDb,
}

/// A value a server runs with other than as written (MySQL runs `max_connections =
/// 200000` as 100000).
#[derive(Debug, Clone, PartialEq)]
pub struct Adjusted {
    /// The value as written.
    pub written: String,
    /// Why it is not used as written and what each server that may read it does.
    pub reason: String,
}

/// A database server and its limits.
#[derive(Debug, Clone, PartialEq)]
pub struct Database {
    pub name: String,
    pub engine: Engine,
    pub max_connections: Setting<i64>,
    pub superuser_reserved_connections: Option<Setting<i64>>,
    pub reserved_connections: Option<Setting<i64>>,
    pub cores: Option<Setting<i64>>,
    pub other_clients: Option<Setting<i64>>,
    pub statement_timeout: Option<Setting<Duration>>,
    pub idle_in_transaction_session_timeout: Option<Setting<Duration>>,
    pub idle_session_timeout: Option<Setting<Duration>>,
    /// The `max_connections` written when the server runs with another one (MySQL and
    /// MariaDB adjust a value outside the option's range, with a warning in their log):
    /// `max_connections` holds the value it runs with, and `pool-size-invalid` reports
    /// the difference at the value.
    pub max_connections_adjusted: Option<Adjusted>,
    /// MySQL `wait_timeout`.
    pub wait_timeout: Option<Setting<Duration>>,
    /// MySQL and MariaDB `max_user_connections`: the connections one account may hold at
    /// once, 0 for no limit but `max_connections`.
    pub max_user_connections: Option<Setting<i64>>,
    /// The `wait_timeout` as written when it is below MySQL's minimum of 1 s (`0`):
    /// MySQL raises it to 1 s, which `wait_timeout` then holds.
    pub wait_timeout_raised_from: Option<String>,
    /// Declared in `poollint.toml` (not only found in a file).
    pub declared: bool,
    /// Clients reach it by its name: it was found running as a compose service or
    /// Kubernetes workload of that name, so a pool on a host outside the model is not
    /// its client (`links::may_reach`). A database known from a postgresql.conf, a
    /// my.cnf or the manifest alone has no known host: a pool on any host may reach it.
    pub named_host: bool,
    /// Other names clients reach it by: a compose service's `hostname`,
    /// `container_name` and network `aliases`.
    pub aliases: Vec<String>,
    /// The top-level file the database was read from (its postgresql.conf, my.cnf or
    /// compose file), by which a `[[database]]` table's `config` finds it: its limits
    /// may come from another file (postgresql.auto.conf, an include).
    pub file: Option<FileId>,
}

impl Database {
    /// The file it was read from: not its limit's file, which may be the
    /// postgresql.auto.conf or include that overrides it.
    pub fn source_file(&self) -> Option<FileId> {
        self.file
            .or_else(|| self.max_connections.origin.location().map(|l| l.file))
    }

    /// A database with its connection limit; every other setting unknown.
    pub fn new(name: String, engine: Engine, max_connections: Setting<i64>) -> Self {
        Database {
            name,
            engine,
            max_connections,
            superuser_reserved_connections: None,
            reserved_connections: None,
            cores: None,
            other_clients: None,
            statement_timeout: None,
            idle_in_transaction_session_timeout: None,
            idle_session_timeout: None,
            max_connections_adjusted: None,
            wait_timeout: None,
            max_user_connections: None,
            wait_timeout_raised_from: None,
            declared: false,
            named_host: false,
            aliases: Vec::new(),
            file: None,
        }
    }
}

/// A connection pooler (PgBouncer) in front of a database.
#[derive(Debug, Clone, PartialEq)]
pub struct Pooler {
    pub name: String,
    pub instances: Option<Setting<i64>>,
    pub connects_to: Option<String>,
    pub pool_mode: Option<Setting<String>>,
    pub default_pool_size: Option<Setting<i64>>,
    /// `reserve_pool_size`: extra server connections per pool (default 0), used after a
    /// client waited `reserve_pool_timeout`.
    pub reserve_pool_size: Option<Setting<i64>>,
    /// `reserve_pool_timeout` (default 5 s): 0 disables the reserve pool.
    pub reserve_pool_timeout: Option<Setting<Duration>>,
    pub max_client_conn: Option<Setting<i64>>,
    /// `max_db_client_connections` (PgBouncer 1.24+): client connections per database
    /// per instance (0: unlimited); a `[databases]` entry's own value wins.
    pub max_db_client_connections: Option<Setting<i64>>,
    pub max_db_connections: Option<Setting<i64>>,
    /// `max_user_connections`: server connections per user across all databases (0:
    /// unlimited); a `[users]` entry's own value above 0 wins.
    pub max_user_connections: Option<Setting<i64>>,
    /// `max_user_client_connections` (PgBouncer 1.24+): client connections per login
    /// user across all databases, per instance (0: unlimited); a `[users]` entry's own
    /// value above 0 wins.
    pub max_user_client_connections: Option<Setting<i64>>,
    pub query_wait_timeout: Option<Setting<Duration>>,
    pub query_timeout: Option<Setting<Duration>>,
    pub client_idle_timeout: Option<Setting<Duration>>,
    pub server_idle_timeout: Option<Setting<Duration>>,
    pub server_lifetime: Option<Setting<Duration>>,
    /// Clients idle inside a transaction longer than this are disconnected (0: never).
    pub idle_transaction_timeout: Option<Setting<Duration>>,
    /// Protocol-level prepared statements tracked per client (0: not tracked, so they
    /// break behind transaction pooling); 200 by default since PgBouncer 1.24.
    pub max_prepared_statements: Option<Setting<i64>>,
    pub auth_type: Option<Setting<String>>,
    /// Startup parameters PgBouncer drops instead of refusing the connection (a
    /// comma-separated list; `options` there drops every `-c` it does not track).
    pub ignore_startup_parameters: Option<Setting<String>>,
    /// Server parameters PgBouncer tracks beside its own (default `IntervalStyle`).
    pub track_extra_parameters: Option<Setting<String>>,
    /// `[databases]` entries, with the pool settings each overrides.
    pub databases: Vec<PoolerDatabase>,
    /// `[users]` entries.
    pub users: Vec<PoolerUser>,
    /// `[databases]` and `[users]` entries PgBouncer cannot read (text that is not
    /// `key=value`, such as an end-of-line comment).
    pub refused: Vec<RefusedEntry>,
    /// Section headers PgBouncer does not know (`[PgBouncer]`: it matches them
    /// case-sensitively), reported by `unknown-or-dead-pool-key`.
    pub unknown_sections: Vec<UnknownSection>,
    /// `[pgbouncer]` settings a later `[pgbouncer]` header sets back to their defaults,
    /// reported by `unknown-or-dead-pool-key`.
    pub reset_settings: Vec<ResetSetting>,
    /// The top-level pgbouncer.ini it was read from, by which a `[[pooler]]` table's
    /// `config` finds it: its settings may come from a `%include`d file.
    pub file: Option<FileId>,
}

/// The database and user a client pool logs in with ([`Pool::login`]), each None when
/// not known.
pub type Login<'p> = (Option<&'p str>, Option<&'p str>);

/// One pool's share of the server connections a PgBouncer instance may open.
pub struct BudgetPart<'p> {
    /// The `[databases]` entry (None: no entries, one database/user pair assumed).
    pub database: Option<&'p str>,
    pub connections: i64,
    /// The setting that decides it: `max_db_connections` when set, else the pool size.
    pub setting: &'p Setting<i64>,
    /// The reserve pool added to the pool size (None: capped by `max_db_connections`,
    /// or no reserve above 0).
    pub reserve: Option<&'p Setting<i64>>,
    /// The pool's user: the entry's forced `user=`, or one a client logs in as
    /// (`login`); None: not known.
    pub user: Option<&'p str>,
    /// The user is one a client logs in as, not the entry's forced `user=`.
    pub login: bool,
    /// The `max_user_connections` that lowered `connections` (None: it did not).
    pub user_cap: Option<&'p Setting<i64>>,
}

/// One `[databases]` entry of a PgBouncer (`app = host=db dbname=app pool_size=40`).
#[derive(Debug, Clone, PartialEq)]
pub struct PoolerDatabase {
    /// The name clients connect to (`*` is the fallback for any other name).
    pub name: String,
    /// The entry's key.
    pub location: Location,
    // The settings are boxed: most entries write one or two of them, and a large
    // `[databases]` section held five 80-byte options per entry (440 bytes an entry,
    // 89 MB of the 10 MB benchmark file's peak).
    pub pool_size: Option<Box<Setting<i64>>>,
    /// `reserve_pool_size=` (or its older spelling `reserve_pool=`).
    pub reserve_pool_size: Option<Box<Setting<i64>>>,
    pub pool_mode: Option<Box<Setting<String>>>,
    pub max_db_connections: Option<Box<Setting<i64>>>,
    /// `max_db_client_connections=`: this database's client cap per instance.
    pub max_db_client_connections: Option<Box<Setting<i64>>>,
    /// `query_wait_timeout=` (pgbouncer/pgbouncer#1449): when written, it wins over
    /// `[pgbouncer]`'s for this database's clients, 0 included ([`Pooler::query_wait_timeout_for`]).
    pub query_wait_timeout: Option<Box<Setting<Duration>>>,
    /// `user=`: every client of this entry logs in to the server as this user.
    // A boxed str: 8 bytes fewer than a String, keeping an entry at 112 bytes.
    pub forced_user: Option<Box<str>>,
}

/// What a PgBouncer does with a setting a client's startup `options` pass
/// ([`Pooler::startup_option`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartupOption {
    Tracked,
    Dropped,
    Refused,
}

/// One `[users]` entry of a PgBouncer (`report = pool_mode=session max_user_connections=5`).
#[derive(Debug, Clone, PartialEq)]
pub struct PoolerUser {
    pub name: String,
    /// The entry's key.
    pub location: Location,
    pub pool_mode: Option<Setting<String>>,
    /// The user's own `pool_size`: 0 or more wins over the database entry's and
    /// `default_pool_size` for the pools of this user (PgBouncer's `pool_pool_size()`).
    pub pool_size: Option<Setting<i64>>,
    /// The user's own `reserve_pool_size`: 0 or more wins over the database entry's and
    /// `[pgbouncer]`'s (PgBouncer's `pool_res_pool_size()`).
    pub reserve_pool_size: Option<Setting<i64>>,
    pub max_user_connections: Option<Setting<i64>>,
    /// The user's own `max_user_client_connections` (PgBouncer 1.24+): above 0 it wins
    /// over `[pgbouncer]`'s for the clients that log in as this user.
    pub max_user_client_connections: Option<Setting<i64>>,
    /// The user's own `idle_transaction_timeout` (PgBouncer 1.25+): above 0 it wins
    /// over `[pgbouncer]`'s for the pools of this user; 0 keeps `[pgbouncer]`'s.
    pub idle_transaction_timeout: Option<Setting<Duration>>,
    /// The user's own `query_timeout`: above 0 it wins over `[pgbouncer]`'s for the
    /// pools of this user; 0 keeps `[pgbouncer]`'s.
    pub query_timeout: Option<Setting<Duration>>,
    /// The user's own `client_idle_timeout`: above 0 it wins over `[pgbouncer]`'s for
    /// the clients that log in as this user; 0 keeps `[pgbouncer]`'s.
    pub client_idle_timeout: Option<Setting<Duration>>,
    /// The user's own `query_wait_timeout` (pgbouncer/pgbouncer#1449): when written it
    /// wins over the database entry's and `[pgbouncer]`'s, 0 included.
    pub query_wait_timeout: Option<Setting<Duration>>,
}

/// A `[databases]` or `[users]` entry whose value PgBouncer cannot read as
/// `key=value` pairs.
#[derive(Debug, Clone, PartialEq)]
pub struct RefusedEntry {
    /// The text PgBouncer stops at (an end-of-line comment: from its `;` or `#` to the
    /// end of the value).
    pub location: Location,
    /// The entry's section (`databases` or `users`) and name (its key).
    pub section: String,
    pub name: String,
    /// Why PgBouncer stops.
    pub stop: EntryStop,
}

/// A `[pgbouncer]` setting that a later `[pgbouncer]` header sets back to its default.
#[derive(Debug, Clone, PartialEq)]
pub struct ResetSetting {
    /// The setting's key as written, and where it is.
    pub key: String,
    pub location: Location,
    /// The `[pgbouncer]` header that resets it (its name).
    pub header: Location,
}

/// A `pgbouncer.ini` section header that names no section of PgBouncer's.
#[derive(Debug, Clone, PartialEq)]
pub struct UnknownSection {
    /// The name as written (between the brackets) and where it is.
    pub name: String,
    pub location: Location,
}

/// Why PgBouncer stops reading an entry's `key=value` pairs (`cstr_get_pair` in
/// `src/util.c`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryStop {
    /// A word starting with `;` or `#`: an end-of-line comment.
    Comment,
    /// A word with no `=` after it.
    NotAPair,
    /// `=` with no name before it.
    EmptyName,
    /// `name=` with nothing after it, or `name=''`.
    EmptyValue,
    /// `name='…` with no closing quote.
    Unterminated,
}

/// A value its program refuses (a Spring profile expression Spring cannot parse, a
/// `pgbouncer.ini` without a `[pgbouncer]` section, a Kubernetes rollout value the API
/// server refuses): a `parse-error` at it.
#[derive(Debug, Clone, PartialEq)]
pub struct RefusedValue {
    pub location: Location,
    /// What is refused and what the program does then.
    pub reason: String,
    /// How to write it so that the program reads it.
    pub fix: &'static str,
    /// Refused by some versions of the program only (the reason says which): a warning.
    pub warning: bool,
    /// When it is refused.
    pub stage: RefusalStage,
}

/// When a [`RefusedValue`] is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalStage {
    /// The program does not start (Spring Boot).
    StartUp,
    /// The object is not stored (the Kubernetes API server refuses `kubectl apply`).
    Apply,
    /// The object is stored, but its controller does not act on it (an HPA whose
    /// target the HPA controller cannot scale): always a warning.
    Controller,
    /// Beyond a limit of poollint's own (a Spring profile expression nested deeper
    /// than it reads): the program may accept it, so always a warning.
    NotRead,
}

/// A count that multiplies connections (processes, instances): its known value, at
/// least 1; 1 when unknown.
fn multiplier(setting: Option<&Setting<i64>>) -> i64 {
    setting.and_then(|s| s.get().copied()).unwrap_or(1).max(1)
}

impl Service {
    /// Every index into [`Model::pools`] the service holds: its pools, and those of
    /// its other environments ([`Environments::pools`]).
    pub fn pool_indices(&self) -> impl Iterator<Item = &usize> {
        let others = self.environments.iter().flat_map(|e| e.pools.iter());
        self.pools.iter().chain(others.flat_map(|(_, p)| p))
    }

    /// [`Service::pool_indices`], to renumber them.
    pub fn pool_indices_mut(&mut self) -> impl Iterator<Item = &mut usize> {
        let others = self
            .environments
            .iter_mut()
            .flat_map(|e| e.pools.iter_mut());
        self.pools.iter_mut().chain(others.flat_map(|(_, p)| p))
    }

    /// Processes per instance, each with its own pools (1 when unknown).
    pub fn processes_per_instance(&self) -> i64 {
        multiplier(self.processes.as_deref())
    }
}

/// PgBouncer's choice between an entry's cap and `[pgbouncer]`'s: the entry's when
/// above 0, else the global one when above 0 (0 is unlimited: no cap); a value not
/// known is no cap.
fn own_above_zero_or_global<'s>(
    own: Option<&'s Setting<i64>>,
    global: Option<&'s Setting<i64>>,
) -> Option<&'s Setting<i64>> {
    let positive = |s: &&Setting<i64>| s.get().is_some_and(|v| *v > 0);
    own.filter(positive).or(global.filter(positive))
}

impl Pooler {
    /// The file it was read from: not its settings' file, which may be an include.
    pub fn source_file(&self) -> Option<FileId> {
        self.file.or_else(|| {
            [
                self.default_pool_size.as_ref(),
                self.max_client_conn.as_ref(),
            ]
            .into_iter()
            .flatten()
            .find_map(|s| s.origin.location().map(|l| l.file))
        })
    }

    /// Pooler instances, each with its own server connections (1 when unknown).
    pub fn instance_count(&self) -> i64 {
        multiplier(self.instances.as_ref())
    }

    /// A pooler known only by name (settings unknown until a file or the manifest says).
    pub fn named(name: String) -> Self {
        Pooler {
            name,
            instances: None,
            connects_to: None,
            pool_mode: None,
            default_pool_size: None,
            reserve_pool_size: None,
            reserve_pool_timeout: None,
            max_client_conn: None,
            max_db_client_connections: None,
            max_db_connections: None,
            max_user_connections: None,
            max_user_client_connections: None,
            query_wait_timeout: None,
            query_timeout: None,
            client_idle_timeout: None,
            server_idle_timeout: None,
            server_lifetime: None,
            idle_transaction_timeout: None,
            max_prepared_statements: None,
            auth_type: None,
            ignore_startup_parameters: None,
            track_extra_parameters: None,
            databases: Vec::new(),
            users: Vec::new(),
            refused: Vec::new(),
            unknown_sections: Vec::new(),
            reset_settings: Vec::new(),
            file: None,
        }
    }

    /// The `[databases]` entry clients asking for `database` get: the entry of that
    /// name, else the `*` fallback.
    pub fn database_entry(&self, database: Option<&str>) -> Option<&PoolerDatabase> {
        let named = database.and_then(|name| self.databases.iter().find(|d| d.name == name));
        named.or_else(|| self.databases.iter().find(|d| d.name == "*"))
    }

    /// The pool mode a client logging in as `user` and asking for `database` gets:
    /// the pool's user's `[users]` `pool_mode` (the entry's forced user, else the
    /// client's), else the database entry's, else the `[pgbouncer]` one, as PgBouncer's
    /// `pool_pool_mode()` decides.
    pub fn mode_for(&self, database: Option<&str>, user: Option<&str>) -> Option<&Setting<String>> {
        let entry = self.database_entry(database);
        self.pool_user(database, user)
            .and_then(|name| self.users.iter().find(|u| u.name == name))
            .and_then(|u| u.pool_mode.as_ref())
            .or(entry.and_then(|d| d.pool_mode.as_deref()))
            .or(self.pool_mode.as_ref())
    }

    /// The `idle_transaction_timeout` a client logging in as `user` and asking for
    /// `database` gets: the pool's user's `[users]` value (the entry's forced user,
    /// else the client's) when above 0, else the `[pgbouncer]` one, as PgBouncer's
    /// janitor decides (`src/janitor.c`: a user's value above 0 wins). A user's value
    /// that is not known counts as set.
    pub fn idle_transaction_timeout_for(
        &self,
        database: Option<&str>,
        user: Option<&str>,
    ) -> Option<&Setting<Duration>> {
        let user = self.pool_user(database, user);
        self.user_timeout(user, |u| &u.idle_transaction_timeout)
            .or(self.idle_transaction_timeout.as_ref())
    }

    /// The `query_timeout` of the pool a client logging in as `user` and asking for
    /// `database` uses, chosen as [`Pooler::idle_transaction_timeout_for`] chooses
    /// (the janitor reads both from the server connection's login user).
    pub fn query_timeout_for(
        &self,
        database: Option<&str>,
        user: Option<&str>,
    ) -> Option<&Setting<Duration>> {
        let user = self.pool_user(database, user);
        self.user_timeout(user, |u| &u.query_timeout)
            .or(self.query_timeout.as_ref())
    }

    /// The `client_idle_timeout` of a client logging in as `user`: its own `[users]`
    /// value when above 0, else the `[pgbouncer]` one. The janitor reads it from the
    /// client's login user, not the pool's: a forced `user=` does not change it.
    pub fn client_idle_timeout_for(&self, user: Option<&str>) -> Option<&Setting<Duration>> {
        self.user_timeout(user, |u| &u.client_idle_timeout)
            .or(self.client_idle_timeout.as_ref())
    }

    /// The `query_wait_timeout` a client logging in as `user` and asking for `database`
    /// waits under, as PgBouncer's janitor picks it (`pool_client_maint` in
    /// `src/janitor.c`, pgbouncer/pgbouncer#1449): its login user's `[users]` value when
    /// written, else its database entry's when written, else `[pgbouncer]`'s; a written
    /// 0 wins too and disables the timeout. None when an entry sets one and the client's
    /// database or user is not known (which entry applies is not known either).
    pub fn query_wait_timeout_for<'s>(
        &'s self,
        database: Option<&'s str>,
        user: Option<&'s str>,
    ) -> Option<&'s Setting<Duration>> {
        let login = self.client_login_user(database, user);
        let own = match login {
            Some(name) => self
                .user_entry(name)
                .and_then(|u| u.query_wait_timeout.as_ref()),
            None if self.users.iter().any(|u| u.query_wait_timeout.is_some()) => return None,
            None => None,
        };
        let entry = match self.client_database(database) {
            Some((entry, _)) => entry.query_wait_timeout.as_deref(),
            None if self
                .databases
                .iter()
                .any(|d| d.query_wait_timeout.is_some()) =>
            {
                return own;
            }
            None => None,
        };
        own.or(entry).or(self.query_wait_timeout.as_ref())
    }

    /// What this PgBouncer does with `-c name=…` in a client's startup `options`
    /// (PgBouncer 1.20+, `set_startup_options` in `src/client.c`): a parameter it tracks
    /// (its own five, then `track_extra_parameters`) is taken; one
    /// `ignore_startup_parameters` names, or any when it names `options`, is dropped;
    /// any other refuses the connection ("unsupported startup parameter in options").
    /// Names compare ignoring case; a list not known takes the setting.
    pub fn startup_option(&self, name: &str) -> StartupOption {
        const TRACKED: [&str; 5] = [
            "client_encoding",
            "datestyle",
            "timezone",
            "standard_conforming_strings",
            "application_name",
        ];
        let listed = |setting: &Option<Setting<String>>, wanted: &str| match setting {
            Some(setting) => setting.get().is_none_or(|list| {
                list.split(',')
                    .any(|item| item.trim().eq_ignore_ascii_case(wanted))
            }),
            None => false,
        };
        if TRACKED.iter().any(|t| t.eq_ignore_ascii_case(name))
            || listed(&self.track_extra_parameters, name)
        {
            return StartupOption::Tracked;
        }
        let ignored = &self.ignore_startup_parameters;
        match listed(ignored, name) || listed(ignored, "options") {
            true => StartupOption::Dropped,
            false => StartupOption::Refused,
        }
    }

    /// The user a pool of `database` logs in as: the entry's forced user, else the
    /// client's.
    fn pool_user<'s>(&'s self, database: Option<&str>, user: Option<&'s str>) -> Option<&'s str> {
        let entry = self.database_entry(database);
        entry.and_then(|d| d.forced_user.as_deref()).or(user)
    }

    /// `user`'s own `[users]` timeout `pick` gives, when it wins: above 0 (or not
    /// known, which counts as set).
    fn user_timeout(
        &self,
        user: Option<&str>,
        pick: impl Fn(&PoolerUser) -> &Option<Setting<Duration>>,
    ) -> Option<&Setting<Duration>> {
        user.and_then(|name| self.users.iter().find(|u| u.name == name))
            .and_then(|u| pick(u).as_ref())
            .filter(|s| s.get().is_none_or(|t| !t.is_zero()))
    }

    /// The server connections one instance may open to its database: its
    /// [`Pooler::server_budget`] summed.
    pub fn server_budget_total(parts: &[BudgetPart<'_>]) -> i64 {
        parts
            .iter()
            .map(|p| p.connections)
            .fold(0, i64::saturating_add)
    }

    /// The server connections one PgBouncer instance may open, per `[databases]` entry
    /// and user: PgBouncer keeps a pool per (database, user) pair. An entry's users are
    /// its forced `user=`, else the users `logins` (the database and user each client
    /// pool logs in with, [`Pool::login`]) name for it, else one user not known (a lower
    /// bound when several connect). Each pool is its size plus the reserve pool (the
    /// user's `[users]` `pool_size` when 0 or more, else the entry's when 0 or more,
    /// else `default_pool_size`, plus the reserve the same way: catalogue TP06 sums both).
    /// `max_db_connections` (the entry's, else `[pgbouncer]`'s) when above 0 caps the
    /// entry's pools together; with its users not known, it is the entry's count.
    /// Without entries, one database is assumed; the `*` entry is a database per name
    /// the clients ask for through it. A user's `max_user_connections` (its
    /// `[users]` entry's above 0, else `[pgbouncer]`'s above 0, as PgBouncer's
    /// `user_max_connections()` decides) caps the pools of that user across databases,
    /// in order; a pool of a user not known is capped by the `[pgbouncer]` value alone.
    pub fn server_budget<'p>(&'p self, logins: &[Login<'p>]) -> Vec<BudgetPart<'p>> {
        let mut parts: Vec<BudgetPart<'p>> = if self.databases.is_empty() {
            self.entry_parts(None, logins)
        } else {
            self.databases
                .iter()
                .flat_map(|e| self.entry_parts(Some(e), logins))
                .collect()
        };
        // What each user may still open, once its cap is known.
        let mut left: Vec<(&str, i64)> = Vec::new();
        for part in &mut parts {
            let user = part.user;
            let Some(cap) = self.user_cap(user) else {
                continue;
            };
            let Some(limit) = cap.get().copied() else {
                continue;
            };
            // A user's pools share its cap; a pool of a user not known is one of its own.
            let shared = user.and_then(|name| left.iter_mut().find(|(u, _)| *u == name));
            let room = match (&shared, user) {
                (Some((_, room)), _) => *room,
                _ => limit,
            };
            let allowed = part.connections.min(room.max(0));
            match (shared, user) {
                (Some((_, room)), _) => *room = room.saturating_sub(allowed),
                (None, Some(name)) => left.push((name, limit.saturating_sub(allowed))),
                (None, None) => {}
            }
            if allowed < part.connections {
                part.connections = allowed;
                part.user_cap = Some(cap);
            }
        }
        parts
    }

    /// The `max_user_connections` that applies to the pools of `user` (None: an entry
    /// without a forced user) when above 0: the user's `[users]` value, else the
    /// `[pgbouncer]` one.
    pub fn user_cap(&self, user: Option<&str>) -> Option<&Setting<i64>> {
        let own = user
            .and_then(|name| self.user_entry(name))
            .and_then(|u| u.max_user_connections.as_ref());
        own_above_zero_or_global(own, self.max_user_connections.as_ref())
    }

    /// The `max_user_client_connections` (PgBouncer 1.24+) the clients logging in as
    /// `user` meet, when above 0: the user's `[users]` value above 0, else the
    /// `[pgbouncer]` one, as PgBouncer's `user_client_max_connections()` decides
    /// (`src/server.c`).
    pub fn user_client_cap(&self, user: &str) -> Option<&Setting<i64>> {
        let own = self
            .user_entry(user)
            .and_then(|u| u.max_user_client_connections.as_ref());
        own_above_zero_or_global(own, self.max_user_client_connections.as_ref())
    }

    /// The `max_db_client_connections` (PgBouncer 1.24+) the clients of `entry` meet
    /// (each database the `*` fallback makes too), when above 0: the entry's value
    /// above 0, else the `[pgbouncer]` one, as PgBouncer's
    /// `database_max_client_connections()` decides (`src/server.c`).
    pub fn database_client_cap<'s>(
        &'s self,
        entry: &'s PoolerDatabase,
    ) -> Option<&'s Setting<i64>> {
        own_above_zero_or_global(
            entry.max_db_client_connections.as_deref(),
            self.max_db_client_connections.as_ref(),
        )
    }

    /// The database PgBouncer counts a client asking for `database` in: the entry
    /// [`Pooler::database_entry`] picks, with the name of the database PgBouncer makes
    /// of it (the entry's, or through the `*` fallback the name asked for: PgBouncer
    /// registers a database per name, each counted on its own). A client whose database
    /// is not known is counted only in a lone entry other than `*`, which every client
    /// asks for (a client asking for another name is refused: no such database).
    pub fn client_database<'s>(
        &'s self,
        database: Option<&'s str>,
    ) -> Option<(&'s PoolerDatabase, &'s str)> {
        let Some(name) = database else {
            return match self.databases.as_slice() {
                [lone] if lone.name != "*" => Some((lone, lone.name.as_str())),
                _ => None,
            };
        };
        let entry = self.database_entry(Some(name))?;
        let counted = if entry.name == "*" { name } else { &entry.name };
        Some((entry, counted))
    }

    /// The user PgBouncer counts a client logging in as `user` and asking for
    /// `database` under (`check_user_connection_count` in `src/client.c` counts the
    /// client's login user across databases, not a forced `user=`), except with
    /// `auth_type = any`, which logs every client in as its database entry's forced
    /// `user=` (`set_pool`).
    pub fn client_login_user<'s>(
        &'s self,
        database: Option<&'s str>,
        user: Option<&'s str>,
    ) -> Option<&'s str> {
        let any = self
            .auth_type
            .as_ref()
            .and_then(|t| t.get())
            .is_some_and(|t| t == "any");
        if !any {
            return user;
        }
        self.client_database(database)
            .and_then(|(entry, _)| entry.forced_user.as_deref())
    }

    /// The `[users]` entry of `name`.
    fn user_entry(&self, name: &str) -> Option<&PoolerUser> {
        self.users.iter().find(|u| u.name == name)
    }

    /// The pools of one `[databases]` entry (None: no entries), one per user. The `*`
    /// fallback makes a database of each name the clients ask for that no entry has
    /// ("as if an entry `bar = host=foo dbname=bar` exists"), each with its own pools
    /// and its own `max_db_connections`; with no such name known, it counts as one.
    fn entry_parts<'p>(
        &'p self,
        entry: Option<&'p PoolerDatabase>,
        logins: &[Login<'p>],
    ) -> Vec<BudgetPart<'p>> {
        let reaching: Vec<&Login<'p>> = logins
            .iter()
            .filter(|(database, _)| self.serves(entry, *database))
            .collect();
        let named = entry.map(|e| e.name.as_str());
        let mut databases: Vec<&'p str> = Vec::new();
        if named == Some("*") {
            databases = reaching
                .iter()
                .filter_map(|(database, _)| *database)
                .collect();
            databases.sort_unstable();
            databases.dedup();
        }
        if databases.is_empty() {
            return self.database_parts(entry, named, &reaching);
        }
        databases
            .into_iter()
            .flat_map(|database| {
                let asking: Vec<&Login<'p>> = reaching
                    .iter()
                    .copied()
                    .filter(|(d, _)| *d == Some(database))
                    .collect();
                self.database_parts(entry, Some(database), &asking)
            })
            .collect()
    }

    /// The pools of `database` (its name as clients ask for it) through `entry`: one per
    /// user of `logins`, else one of a user not known, within `max_db_connections`.
    fn database_parts<'p>(
        &'p self,
        entry: Option<&'p PoolerDatabase>,
        database: Option<&'p str>,
        logins: &[&Login<'p>],
    ) -> Vec<BudgetPart<'p>> {
        let forced = entry.and_then(|e| e.forced_user.as_deref());
        let mut users: Vec<Option<&'p str>> = match forced {
            Some(user) => vec![Some(user)],
            None => logins
                .iter()
                .map(|(_, user)| *user)
                .filter(Option::is_some)
                .collect(),
        };
        users.sort_unstable();
        users.dedup();
        let known = !users.is_empty();
        if !known {
            users.push(None);
        }
        let login = known && forced.is_none();
        let sized: Vec<BudgetPart<'p>> = users
            .into_iter()
            .filter_map(|user| self.sized_part(entry, database, user, login))
            .collect();
        let positive = |s: &&Setting<i64>| s.get().is_some_and(|v| *v > 0);
        let cap = entry
            .and_then(|e| e.max_db_connections.as_deref())
            .filter(positive)
            .or(self.max_db_connections.as_ref().filter(positive));
        let Some(setting) = cap else {
            return sized;
        };
        let Some(&capped) = setting.get() else {
            return Vec::new();
        };
        // Known users' pools are counted, below the cap that bounds them together;
        // users not known may open a pool each, up to the cap.
        let total = Self::server_budget_total(&sized);
        if known && !sized.is_empty() && total <= capped {
            return sized;
        }
        vec![BudgetPart {
            database,
            user: forced,
            login: false,
            connections: capped.max(0),
            setting,
            reserve: None,
            user_cap: None,
        }]
    }

    /// Whether clients asking for `database` reach `entry` (None: the pooler has no
    /// entries, and every client reaches its one database).
    fn serves(&self, entry: Option<&PoolerDatabase>, database: Option<&str>) -> bool {
        match entry {
            None => true,
            Some(entry) => self
                .database_entry(database)
                .is_some_and(|reached| std::ptr::eq(reached, entry)),
        }
    }

    /// The pool of `user` (None: not known) on `database` through `entry`: its size
    /// plus its reserve pool.
    /// `login`: the user is one a client logs in as, not the entry's forced `user=`.
    fn sized_part<'p>(
        &'p self,
        entry: Option<&'p PoolerDatabase>,
        database: Option<&'p str>,
        user: Option<&'p str>,
        login: bool,
    ) -> Option<BudgetPart<'p>> {
        let setting = self.pool_setting(
            user,
            |u| u.pool_size.as_ref(),
            entry.and_then(|e| e.pool_size.as_deref()),
            self.default_pool_size.as_ref(),
        )?;
        let reserve = self.reserve_pool(user, entry);
        let extra = reserve.and_then(|r| r.get()).copied().unwrap_or(0);
        Some(BudgetPart {
            database,
            user,
            login,
            connections: (*setting.get()?).max(0).saturating_add(extra),
            setting,
            reserve,
            user_cap: None,
        })
    }

    /// A setting of the pool of `user` as PgBouncer's `pool_pool_size()` and
    /// `pool_res_pool_size()` (src/server.c) pick it: the user's `[users]` value when 0
    /// or more (-1 is its "not set"), else the database entry's (`entry_value`) when 0
    /// or more, else `[pgbouncer]`'s (`global`). A value not known counts as set.
    fn pool_setting<'p>(
        &'p self,
        user: Option<&str>,
        of_user: fn(&'p PoolerUser) -> Option<&'p Setting<i64>>,
        entry_value: Option<&'p Setting<i64>>,
        global: Option<&'p Setting<i64>>,
    ) -> Option<&'p Setting<i64>> {
        let set = |s: &&Setting<i64>| s.get().is_none_or(|v| *v >= 0);
        user.and_then(|name| self.users.iter().find(|u| u.name == name))
            .and_then(of_user)
            .filter(set)
            .or(entry_value.filter(set))
            .or(global)
    }

    /// The reserve pool a pool of `user` on `entry` may add, when above 0
    /// ([`Pooler::pool_setting`]). None when `reserve_pool_timeout = 0`, which disables
    /// the reserve pool.
    fn reserve_pool<'p>(
        &'p self,
        user: Option<&str>,
        entry: Option<&'p PoolerDatabase>,
    ) -> Option<&'p Setting<i64>> {
        let disabled = self
            .reserve_pool_timeout
            .as_ref()
            .and_then(|t| t.get())
            .is_some_and(Duration::is_zero);
        if disabled {
            return None;
        }
        self.pool_setting(
            user,
            |u| u.reserve_pool_size.as_ref(),
            entry.and_then(|e| e.reserve_pool_size.as_deref()),
            self.reserve_pool_size.as_ref(),
        )
        .filter(|s| s.get().is_some_and(|v| *v > 0))
    }

    /// Every pool mode in effect somewhere on this pooler.
    pub fn modes(&self) -> impl Iterator<Item = &Setting<String>> {
        self.pool_mode
            .iter()
            .chain(self.databases.iter().filter_map(|d| d.pool_mode.as_deref()))
            .chain(self.users.iter().filter_map(|u| u.pool_mode.as_ref()))
    }
}

/// A key/value as written in a recognised file, after the ecosystem's key
/// normalisation. Hygiene rules (unknown keys, duplicates across forms, credentials)
/// read these.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigEntry {
    pub ecosystem: Ecosystem,
    pub file: FileId,
    /// The key path as written, joined with `.` (`spring.datasource.hikari.maximumPoolSize`).
    pub key: EntryKey,
    /// The ecosystem's canonical form (Spring: lower-case, no `-`/`_` per element).
    pub canonical: EntryKey,
    pub key_span: Span,
    /// The value's text (None for a mapping or list) and span.
    pub value: Option<String>,
    pub value_span: Span,
    /// Profile or environment the entry belongs to (None: default). Shared: every
    /// entry of a profile or application holds the same name.
    pub profile: Option<Arc<str>>,
    /// Placeholder or environment variable the value passes through, if any.
    pub via: Option<Box<str>>,
    /// Entries with the same scope configure the same application (Spring: the
    /// directory holding its `application*` files).
    pub scope: Arc<str>,
    /// Within a scope and profile, the entry with the highest precedence is the one the
    /// application uses.
    pub precedence: u64,
    /// What the reader made of the value, for the readers that type it (a PostgreSQL
    /// parameter's amount, a `.env` URL): rules compare or check this, not the text.
    /// Boxed: most entries have none.
    pub reading: Option<Box<Reading>>,
}

/// An entry's value as the program that reads it reads it.
#[derive(Debug, Clone, PartialEq)]
pub enum Reading {
    /// A PostgreSQL parameter's value as the server reads it: a number, in the
    /// parameter's base unit when it has one (`30s` of `statement_timeout` is 30000 ms;
    /// `0x64` is 100).
    Amount(f64),
    /// A PostgreSQL parameter's value that is not a number, without the quotes around it
    /// (`'on'` is `on`).
    Text(String),
    /// A connection URL (a `.env` `DATABASE_URL`), parsed, with spans inside it. Boxed:
    /// it is ten times the size of the other cases, and every PostgreSQL entry's reading
    /// took that much (8 MB on a 10,000-file tree).
    Connection(Box<ConnectionInfo>),
}

impl Reading {
    /// True when two readings give the same value: the same text, or the same amount
    /// (within floating-point error: `0.1s` is 100.00000000000001 ms).
    pub fn same_as(&self, other: &Reading) -> bool {
        match (self, other) {
            (Reading::Amount(x), Reading::Amount(y)) => {
                (x - y).abs() <= 1e-9 * x.abs().max(y.abs())
            }
            (Reading::Text(x), Reading::Text(y)) => x == y,
            (Reading::Connection(x), Reading::Connection(y)) => x == y,
            _ => false,
        }
    }
}

/// A key path's text, shared by the config entries and settings that spell it the same
/// way: a repository repeats the same keys in every application, and an own copy per
/// entry or setting made key text a large part of the model's memory.
///
/// One thin pointer (to the shared text's own pointer and length), not the eight more
/// bytes of an `Arc<str>`: every setting's [`Origin`] holds one.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntryKey(Arc<Box<str>>);

/// Distinct keys remembered per thread before the thread's set starts over: bounds
/// what a repository of keys that never repeat can make it hold. Heuristic.
const MAX_REMEMBERED_KEYS: usize = 1 << 16;

impl EntryKey {
    /// The shared copy of `text`. Each thread keeps its own set, so nothing waits on a
    /// lock; at worst each thread holds one copy.
    pub fn new(text: &str) -> Self {
        thread_local! {
            static KEYS: std::cell::RefCell<foldhash::HashSet<EntryKey>> =
                std::cell::RefCell::default();
        }
        KEYS.with_borrow_mut(|keys| {
            if let Some(shared) = keys.get(text) {
                return shared.clone();
            }
            if keys.len() >= MAX_REMEMBERED_KEYS {
                keys.clear();
            }
            let shared = EntryKey(Arc::new(Box::from(text)));
            keys.insert(shared.clone());
            shared
        })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

// Hashed and compared as its text (the derives go through `Arc` and `Box` to `str`),
// so the set of shared keys is looked up by text.
impl std::borrow::Borrow<str> for EntryKey {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for EntryKey {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for EntryKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&*self.0, f)
    }
}

impl std::fmt::Display for EntryKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for EntryKey {
    fn eq(&self, other: &str) -> bool {
        **self.0 == *other
    }
}

impl PartialEq<&str> for EntryKey {
    fn eq(&self, other: &&str) -> bool {
        **self.0 == **other
    }
}

impl From<String> for EntryKey {
    fn from(text: String) -> Self {
        EntryKey::new(&text)
    }
}

impl From<&str> for EntryKey {
    fn from(text: &str) -> Self {
        EntryKey::new(text)
    }
}

/// A secret found while reading: masked in every output.
#[derive(Debug, Clone, PartialEq)]
pub struct Secret {
    pub location: Location,
    /// What kind of secret it is, for the credentials rule ("password key", "URL userinfo").
    pub kind: &'static str,
    /// The key holding it.
    pub key: String,
    /// True when the value is a literal (not a placeholder): the credentials rule reports these.
    pub literal: bool,
    /// True when messages must not quote it either. False for values that are secret
    /// only by where they are kept (a Kubernetes Secret's user name, database name or
    /// pool size): masked in snippets, but messages may quote them.
    pub scrub_messages: bool,
}

/// Everything the rules see.
#[derive(Debug, Clone, Default)]
pub struct Model {
    /// Boxed: a pool is 1.7 KB, and the vector of every pool in the repository grows
    /// (reallocated and copied) as each application's pools are appended.
    pub pools: Vec<Box<Pool>>,
    pub services: Vec<Service>,
    pub databases: Vec<Database>,
    pub poolers: Vec<Pooler>,
    pub entries: Entries,
    pub secrets: Vec<Secret>,
    /// Values their program refuses at start-up, besides a `pgbouncer.ini`'s entries and
    /// lookups (a Spring profile expression Spring cannot parse, a `pgbouncer.ini`
    /// without a `[pgbouncer]` section), reported by `parse-error`.
    pub refused_values: Vec<RefusedValue>,
    /// What a reader tells the user of what it did not read (a Spring
    /// `spring.config.import` it does not follow): the engine adds them to the run's
    /// notes.
    pub notes: Vec<String>,
    /// The files of the run, so rules can say where a number came from
    /// (`db/postgresql.conf:64`). Filled by the engine before rules run.
    pub sources: crate::source::SourceMap,
}

impl Model {
    /// Where the secrets of each file are: what redaction masks, and what rules look
    /// up before quoting a value.
    pub fn secret_spans_by_file(&self) -> BTreeMap<FileId, Vec<Span>> {
        let mut by_file: BTreeMap<FileId, Vec<Span>> = BTreeMap::new();
        for secret in &self.secrets {
            by_file
                .entry(secret.location.file)
                .or_default()
                .push(secret.location.span);
        }
        by_file
    }

    /// Give back the room the vectors grew into while parts were appended (up to as
    /// much again as they hold): the model is kept while the rules run and their
    /// findings are collected, the peak of a run.
    pub fn release_spare_room(&mut self) {
        release_spare_room(&mut self.pools, SPARE_ROOM_WORTH_A_COPY);
        release_spare_room(&mut self.services, SPARE_ROOM_WORTH_A_COPY);
        release_spare_room(&mut self.databases, SPARE_ROOM_WORTH_A_COPY);
        release_spare_room(&mut self.poolers, SPARE_ROOM_WORTH_A_COPY);
        release_spare_room(&mut self.secrets, SPARE_ROOM_WORTH_A_COPY);
    }

    /// Add another ecosystem's facts, keeping service pool indices valid.
    pub fn extend(&mut self, other: Model) {
        let base = self.pools.len();
        self.pools.extend(other.pools);
        self.services
            .extend(other.services.into_iter().map(|mut s| {
                for p in s.pool_indices_mut() {
                    *p += base;
                }
                s
            }));
        self.databases.extend(other.databases);
        self.poolers.extend(other.poolers);
        self.entries.append(other.entries);
        self.secrets.extend(other.secrets);
        self.refused_values.extend(other.refused_values);
        self.notes.extend(other.notes);
    }

    /// True when the model has no facts (its sources aside).
    fn is_empty(&self) -> bool {
        self.pools.is_empty()
            && self.services.is_empty()
            && self.databases.is_empty()
            && self.poolers.is_empty()
            && self.entries.is_empty()
            && self.secrets.is_empty()
            && self.refused_values.is_empty()
            && self.notes.is_empty()
    }

    /// [`Model::extend`] with each of `parts` in order, after reserving room for all of
    /// them: merging thousands of per-application models one `extend` at a time would
    /// grow (and copy) the vectors over and over, and leave up to twice the room needed.
    pub fn extend_all(&mut self, parts: Vec<Model>) {
        let mut parts = parts.into_iter();
        // Into an empty model, the first part's vectors are taken as they are: only the
        // others are copied.
        if self.is_empty() {
            let Some(first) = parts.next() else {
                return;
            };
            self.pools = first.pools;
            self.services = first.services;
            self.databases = first.databases;
            self.poolers = first.poolers;
            self.entries = first.entries;
            self.secrets = first.secrets;
            self.refused_values = first.refused_values;
            self.notes = first.notes;
        }
        let parts: Vec<Model> = parts.collect();
        fn total(parts: &[Model], len: impl Fn(&Model) -> usize) -> usize {
            parts.iter().map(len).sum()
        }
        self.pools.reserve_exact(total(&parts, |m| m.pools.len()));
        self.services
            .reserve_exact(total(&parts, |m| m.services.len()));
        self.databases
            .reserve_exact(total(&parts, |m| m.databases.len()));
        self.poolers
            .reserve_exact(total(&parts, |m| m.poolers.len()));
        self.secrets
            .reserve_exact(total(&parts, |m| m.secrets.len()));
        for part in parts {
            self.extend(part);
        }
    }
}

/// A duration written with a unit, as Spring Boot's `Duration` converter reads it:
/// `500ms`, `30s`, `5m`, `1h`, `2d`, `PT30S` (whole numbers). None for anything else.
pub fn parse_unit_duration(text: &str) -> Option<Duration> {
    let t = text.trim();
    if let Some(iso) = t.strip_prefix("PT").or_else(|| t.strip_prefix("pt")) {
        let (number, unit) = iso.split_at(iso.find(|c: char| !c.is_ascii_digit())?);
        let n: u64 = number.parse().ok()?;
        return match unit.to_ascii_uppercase().as_str() {
            "S" => Some(Duration::from_secs(n)),
            "M" => Some(Duration::from_secs(n.checked_mul(60)?)),
            "H" => Some(Duration::from_secs(n.checked_mul(3600)?)),
            _ => None,
        };
    }
    let split = t.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = t.split_at(split);
    let n: u64 = number.parse().ok()?;
    let ms_per_unit: u64 = match unit.trim() {
        "ms" => 1,
        "s" => 1000,
        "m" | "min" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return None,
    };
    Some(Duration::from_millis(n.checked_mul(ms_per_unit)?))
}

/// Format a duration the way users write it: `250 ms`, `30 s`, `30 min`.
pub fn human_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms == 0 {
        return "0".into();
    }
    if ms % 3_600_000 == 0 {
        format!("{} h", ms / 3_600_000)
    } else if ms % 60_000 == 0 {
        format!("{} min", ms / 60_000)
    } else if ms % 1000 == 0 {
        format!("{} s", ms / 1000)
    } else {
        format!("{ms} ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_maps_point_literal_parts_at_their_text_and_expanded_parts_at_the_reference() {
        // `a=$(X)&b=2` written from byte 100, `$(X)` expanded to `long-value`.
        let piece = |value: std::ops::Range<usize>, file: (usize, usize), exact| MapPiece {
            value,
            file: Span::new(file.0, file.1),
            exact,
        };
        let map = TextMap::Pieces(Box::new([
            piece(0..2, (100, 102), true),
            piece(2..12, (102, 106), false),
            piece(12..16, (106, 110), true),
        ]));
        let whole = Span::new(100, 110);
        assert_eq!(map.span(whole, 0..1), Span::new(100, 101));
        assert_eq!(map.span(whole, 15..16), Span::new(109, 110));
        // Inside the expanded part, or over it: the reference's text.
        assert_eq!(map.span(whole, 4..6), Span::new(102, 106));
        assert_eq!(map.span(whole, 1..14), Span::new(101, 108));
        assert_eq!(map.span(whole, 13..13), Span::new(107, 107));
        // Past the value: the whole value, as offsets would miss.
        assert_eq!(map.span(whole, 20..22), whole);
        assert_eq!(TextMap::from(None).span(whole, 1..2), whole);
        assert_eq!(
            TextMap::from(Some(100)).span(whole, 1..2),
            Span::new(101, 102)
        );
    }

    #[test]
    fn values_are_written_as_before_their_cases_were_boxed() {
        let cases = [
            (Val::Known(5), "Known(5)"),
            (
                Val::unknown("set at run time".into()),
                r#"Unknown { reason: "set at run time" }"#,
            ),
            (
                Val::invalid("ten".into(), "not a number".into()),
                r#"Invalid { raw: "ten", reason: "not a number" }"#,
            ),
        ];
        for (value, written) in cases {
            assert_eq!(format!("{value:?}"), written);
        }
    }

    #[test]
    fn class_settings_are_boxed_only_when_one_is_set() {
        let none = ClassSettings::new(PoolClassSettings::default());
        assert!(none.0.is_none());
        assert!(none.jdbc_url.is_none() && !none.provided_by_framework);
        let framework = ClassSettings::new(PoolClassSettings {
            provided_by_framework: true,
            ..PoolClassSettings::default()
        });
        assert!(framework.0.is_some() && framework.provided_by_framework);
    }

    fn entry_of(ecosystem: Ecosystem, key: &str) -> ConfigEntry {
        ConfigEntry {
            ecosystem,
            file: FileId(0),
            key: EntryKey::new(key),
            canonical: EntryKey::new(key),
            key_span: Span::default(),
            value: None,
            value_span: Span::default(),
            profile: None,
            via: None,
            scope: Arc::from("app"),
            precedence: 0,
            reading: None,
        }
    }

    /// Entries appended chunk by chunk, one chunk per slice.
    fn chunked(chunks: &[&[(Ecosystem, &str)]]) -> Entries {
        let mut all = Entries::default();
        for chunk in chunks {
            all.append(chunk.iter().map(|&(e, k)| entry_of(e, k)).collect());
        }
        all
    }

    #[test]
    fn entries_of_an_ecosystem_come_from_pure_and_mixed_chunks_in_order() {
        use Ecosystem::{PgBouncer, Rails, Spring};
        // The last chunk starts as Rails and then gets a Spring entry: it is mixed.
        let all = chunked(&[
            &[(Spring, "a"), (Spring, "b")],
            &[(Rails, "c")],
            &[(Rails, "d"), (Spring, "e")],
        ]);
        let keys =
            |ecosystem| -> Vec<String> { all.of(ecosystem).map(|e| e.key.to_string()).collect() };
        assert_eq!(keys(Spring), ["a", "b", "e"]);
        assert_eq!(keys(Rails), ["c", "d"]);
        assert!(keys(PgBouncer).is_empty());
    }

    #[test]
    fn taking_an_ecosystems_entries_leaves_the_others_in_order() {
        use Ecosystem::{PgBouncer, Rails, Spring};
        // The last chunk is mixed: split entry by entry.
        let mut all = chunked(&[
            &[(Spring, "a"), (Spring, "b")],
            &[(Rails, "c")],
            &[(Rails, "d"), (Spring, "e"), (PgBouncer, "f")],
        ]);
        let keys = |entries: &Entries| -> Vec<String> {
            entries.iter().map(|e| e.key.to_string()).collect()
        };
        let spring = all.take_of(Spring);
        assert_eq!(keys(&spring), ["a", "b", "e"]);
        assert_eq!(keys(&all), ["c", "d", "f"]);
        assert_eq!(all.of(Rails).count(), 2);
        assert!(all.take_of(Spring).is_empty());
    }

    #[test]
    fn an_appended_vector_is_a_chunk_whose_ecosystems_are_known() {
        use Ecosystem::{Rails, Spring};
        let mut all = Entries::default();
        all.append_chunk(vec![entry_of(Spring, "a"), entry_of(Rails, "b")]);
        all.append_chunk(Vec::new());
        all.append_chunk(vec![entry_of(Spring, "c")]);
        let keys =
            |ecosystem| -> Vec<String> { all.of(ecosystem).map(|e| e.key.to_string()).collect() };
        assert_eq!(keys(Spring), ["a", "c"]);
        assert_eq!(keys(Rails), ["b"]);
        assert_eq!(all.chunks.len(), 2);
    }

    #[test]
    fn pushed_entries_fill_chunks_of_a_bounded_size_in_order() {
        let count = 2 * CHUNK_ENTRIES + 1;
        let mut all = Entries::default();
        all.extend((0..count).map(|i| entry_of(Ecosystem::PgBouncer, &i.to_string())));
        assert_eq!(all.chunks.len(), 3);
        assert!(all
            .chunks
            .iter()
            .all(|c| c.entries.capacity() == CHUNK_ENTRIES));
        let keys: Vec<String> = all
            .of(Ecosystem::PgBouncer)
            .map(|e| e.key.to_string())
            .collect();
        let expected: Vec<String> = (0..count).map(|i| i.to_string()).collect();
        assert_eq!(keys, expected);
    }

    #[test]
    fn entries_are_one_list_however_they_are_chunked() {
        let entry = |key: &str| entry_of(Ecosystem::Spring, key);
        let whole: Entries = ["a", "b", "c"].into_iter().map(entry).collect();
        let mut chunked: Entries = std::iter::once(entry("a")).collect();
        chunked.append(Entries::default());
        chunked.append(["b", "c"].into_iter().map(entry).collect());
        assert_eq!(chunked.len(), 3);
        assert_eq!(chunked, whole);
        assert_eq!(format!("{chunked:?}"), format!("{whole:?}"));
        let keys: Vec<&str> = chunked.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["a", "b", "c"]);
    }

    /// The sizes the model's memory was measured with (benches/README.md, thirty-seventh
    /// pass): a pool in mimalloc's 768-byte block, a setting of 72 bytes. A field that
    /// makes them larger costs every pool of a repository, so it should be a choice.
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn a_pool_and_a_setting_keep_their_measured_size() {
        assert_eq!(std::mem::size_of::<Origin>(), 56);
        assert_eq!(std::mem::size_of::<Setting<i64>>(), 72);
        assert!(std::mem::size_of::<Pool>() <= 640);
        assert!(std::mem::size_of::<Service>() <= 256);
        assert_eq!(std::mem::size_of::<EnvVar>(), 128);
        // A `[databases]` entry: 440 bytes with its five settings inline.
        assert!(std::mem::size_of::<PoolerDatabase>() <= 112);
    }

    #[test]
    fn entry_keys_spelt_the_same_share_one_copy() {
        let first = EntryKey::new("spring.datasource.hikari.maximum-pool-size");
        let again = EntryKey::from("spring.datasource.hikari.maximum-pool-size".to_owned());
        let other = EntryKey::new("spring.datasource.hikari.minimum-idle");
        assert!(Arc::ptr_eq(&first.0, &again.0));
        assert!(!Arc::ptr_eq(&first.0, &other.0));
        assert_eq!(first, "spring.datasource.hikari.maximum-pool-size");
        assert_eq!(
            format!("{first:?}"),
            "\"spring.datasource.hikari.maximum-pool-size\""
        );
    }

    #[test]
    fn unit_durations_parse_like_spring() {
        assert_eq!(parse_unit_duration("30s"), Some(Duration::from_secs(30)));
        assert_eq!(
            parse_unit_duration("500 ms"),
            Some(Duration::from_millis(500))
        );
        assert_eq!(parse_unit_duration("5m"), Some(Duration::from_secs(300)));
        assert_eq!(parse_unit_duration("PT30S"), Some(Duration::from_secs(30)));
        assert_eq!(parse_unit_duration("30"), None);
        assert_eq!(parse_unit_duration("30 parsecs"), None);
    }

    #[test]
    fn human_duration_picks_the_largest_exact_unit() {
        assert_eq!(human_duration(Duration::from_millis(250)), "250 ms");
        assert_eq!(human_duration(Duration::from_millis(30_000)), "30 s");
        assert_eq!(human_duration(Duration::from_millis(1_800_000)), "30 min");
        assert_eq!(human_duration(Duration::from_millis(7_200_000)), "2 h");
        assert_eq!(human_duration(Duration::ZERO), "0");
    }
}
