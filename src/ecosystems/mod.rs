//! Ecosystem readers: each recognises its files and reads them into model facts,
//! applying its library's key normalisation, units and defaults. One file each.

pub(crate) mod c_numbers;
pub mod compose;
pub mod connection_string;
pub mod dotenv;
pub mod dotnet;
pub(crate) mod go_yaml;
pub mod ini_settings;
pub(crate) mod jvm_options;
pub mod kubernetes;
pub mod mysql;
pub mod node;
pub mod pgbouncer;
pub mod postgres;
pub mod rails;
pub(crate) mod shell;
pub mod spring;

use std::path::{Path, PathBuf};

use crate::model::{
    ConnectionInfo, Ecosystem, EnvVar, Location, Model, Origin, Secret, Setting, Val,
};
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::{Document, Format, NodeId};

/// A file parsed by the syntax layer and claimed by an ecosystem.
#[derive(Debug, Clone)]
pub struct ParsedFile {
    pub id: FileId,
    pub path: PathBuf,
    pub format: Format,
    pub doc: Document,
    /// For a file read because another includes it: that file and the byte offset of
    /// the include directive in it.
    pub included_from: Option<(FileId, usize)>,
}

/// A file one of a reader's files reads as data, which is no configuration file that
/// poollint reads on its own (compose's `.env` and `env_file:` files, whatever their
/// names, and the files its `extends:` names): the engine reads it from the checked
/// tree and hands it to [`Reader::read`] with the unit of the file that names it, as a
/// [`ParsedFile`] whose `included_from` is that file and `at`, and whose `path` is
/// `path` as given here.
#[derive(Debug, Clone, PartialEq)]
pub struct Companion {
    /// Its path, made from the naming file's (normalised: the reader finds it by it).
    pub path: PathBuf,
    /// The format to parse it in.
    pub format: Format,
    /// Where it is named (an empty span at the start of the file for one read without
    /// being named, compose's `.env`): in the unit's file, or in `named_in`.
    pub at: Span,
    /// The companion that names it, when another companion does (a compose base file's
    /// own `env_file:` or `extends:`); None for the unit's file.
    pub named_in: Option<FileId>,
    /// What to report at `at` (a `parse-error` warning) when it does not exist; None
    /// when the program goes on without it.
    pub missing: Option<String>,
    /// True for a file of the application's own directory that its unit's files are
    /// read with, as siblings are (Rails' `Procfile` and `Gemfile.lock` beside
    /// `config/`): read even when a file named on its own puts it outside the paths
    /// checked, so the file's findings are those of the whole tree.
    pub beside_unit: bool,
}

/// What [`Reader::summarise`] keeps of some files; only its own reader looks inside.
pub type Summary = Box<dyn std::any::Any + Send>;

/// One ecosystem's reader.
pub trait Reader: Sync {
    fn ecosystem(&self) -> Ecosystem;
    /// The format to parse `path` with, when this ecosystem reads such files.
    fn recognise(&self, path: &Path) -> Option<Format>;
    /// Whether a recognised file's text is really this ecosystem's (generic names such
    /// as `*.yaml` need a look inside). Files refused here are skipped silently.
    fn accepts(&self, _text: &str) -> bool {
        true
    }
    /// [`Reader::accepts`] for the file at `path`: a reader whose files' names say more
    /// than their text (node-config's `config/local.json` may hold any key) decides by
    /// both.
    fn accepts_file(&self, _path: &Path, text: &str) -> bool {
        self.accepts(text)
    }
    /// Read some of this ecosystem's files: whole units (see [`Reader::unit`]), so
    /// facts that span files, such as Spring's `application.yml` and
    /// `application-prod.yml`, are read together.
    fn read(&self, files: &[&ParsedFile], sources: &SourceMap) -> Model;
    /// The unit `path` belongs to: files of one unit are read together, different units
    /// independently (so the engine frees each unit's trees once it is read), and the
    /// model of files read unit by unit in unit order (for a reader that summarises,
    /// once joined) is the model of reading them all at once. A unit's
    /// files include no other file; the engine parses and reads each unit on one
    /// thread, units in parallel. None: the ecosystem is one unit (facts cross any
    /// files: includes).
    fn unit<'p>(&self, _path: &'p Path) -> Option<&'p Path> {
        None
    }
    /// For an ecosystem that is one unit only because its files may include each
    /// other (PostgreSQL, MySQL, PgBouncer): the unit of `path` when no file of the
    /// run includes another (the engine checks: [`crate::includes::may_include`]), as
    /// [`Reader::unit`] is. None: the ecosystem stays one unit.
    fn unit_without_includes<'p>(&self, _path: &'p Path) -> Option<&'p Path> {
        None
    }
    /// The directories other files of `path`'s unit may be in, beside `dir` (the
    /// directory holding `path`), where a file named on its own looks for them: `dir`
    /// alone unless a unit spans directories (Rails' `config/puma/production.rb`).
    fn sibling_dirs(&self, _path: &Path, dir: &Path) -> Vec<PathBuf> {
        vec![dir.to_path_buf()]
    }
    /// The secrets `summary` holds whose texts [`Reader::join`] keeps as they are: their
    /// texts are taken while the unit's files are in memory, as a model's are, instead
    /// of every such file being read again after the join.
    fn summary_secrets<'s>(&self, _summary: &'s Summary) -> Vec<&'s Secret> {
        Vec::new()
    }
    /// Copy what `summary` holds into blocks of its own once the unit's syntax trees
    /// are freed, as the engine copies a unit's model (`engine::pack`): read while the
    /// trees were alive, it sits between their nodes on the allocator's pages and keeps
    /// them to the end of the run. The default leaves it as it is.
    fn pack_summary(&self, _summary: &mut Summary) {}
    /// For an ecosystem whose facts cross any files (Kubernetes references): read some
    /// whole units into a summary that holds no syntax tree, so their trees can be
    /// freed at once; [`Reader::join`] then builds the model from every summary, in
    /// order. None (the default): the ecosystem is read with [`Reader::read`].
    fn summarise(&self, _files: &[&ParsedFile], _sources: &SourceMap) -> Option<Summary> {
        None
    }
    /// The model of every summary (see [`Reader::summarise`]).
    fn join(&self, _summaries: Vec<Summary>) -> Model {
        Model::default()
    }
    /// Whether this ecosystem's files may name companions ([`Reader::companions`]): the
    /// engine then parses each unit of a batch and asks it; a unit naming none is read
    /// at once, the others wait, with their trees, for the batch's companions to be
    /// read. Only for an ecosystem of units ([`Reader::unit`]).
    fn reads_companions(&self) -> bool {
        false
    }
    /// The companion files `file` (whose text is `text`) reads ([`Companion`]), given
    /// those read for it so far (`read`, their texts in `sources`): the engine asks
    /// again while the last answer named files not read before, so a companion may
    /// name more (a compose base file's own `extends:` and `env_file:`).
    fn companions(
        &self,
        _file: &ParsedFile,
        _text: &str,
        _read: &[&ParsedFile],
        _sources: &SourceMap,
    ) -> Vec<Companion> {
        Vec::new()
    }
    /// Whether companions name companions of their own, read in turn (Spring's
    /// `spring.config.import` in an imported file): each file at most once per unit,
    /// at most [`crate::engine::MAX_COMPANION_DEPTH`] files deep, each asked on its own.
    /// False: only the unit's own files are asked, again with the companions read for
    /// them so far, and name those companions' companions themselves: a compose base
    /// file's `extends:` and `env_file:` mean something only for the service that
    /// extends it (its project's `.env`, that one service's chain), not on their own.
    fn companions_nest(&self) -> bool {
        false
    }
}

/// Every reader, in the order files are offered to them (the first that recognises a
/// file reads it).
pub fn readers() -> &'static [&'static dyn Reader] {
    static READERS: &[&dyn Reader] = &[
        &spring::Spring,
        &postgres::Postgres,
        &pgbouncer::PgBouncer,
        &mysql::MySql,
        &rails::Rails,
        &dotnet::DotNet,
        &dotenv::DotEnv,
        &node::Node,
        &compose::Compose,
        &kubernetes::Kubernetes,
    ];
    READERS
}

/// The reader for `path` and the format to parse it with.
pub fn recognise(path: &Path) -> Option<(&'static dyn Reader, Format)> {
    readers()
        .iter()
        .find_map(|r| r.recognise(path).map(|format| (*r, format)))
}

/// The file name of `path` as UTF-8 (None for non-UTF-8 names, which no ecosystem uses).
pub fn file_name(path: &Path) -> Option<&str> {
    path.file_name().and_then(|n| n.to_str())
}

/// A deployed service (a compose service, a Kubernetes workload) with its environment:
/// the Spring pool its `SPRING_*` variables configure, the .NET connection strings its
/// `ConnectionStrings__*` variables set, its password variables as
/// secrets, and the environment kept on its deployment.
///
/// A pool that only variables with unknown values configure ([`EnvVar::unknown_from`]:
/// `SPRING_DATASOURCE_PASSWORD` from a Secret not among the files) is not one of the
/// service's pools, which would count it at its library's defaults: it is kept on the
/// deployment, to make the settings it names unknown in the application it is linked
/// to ([`crate::model::Deployment::override_pools`]).
pub fn service_with_environment(service: crate::model::Service, env: Vec<EnvVar>) -> Model {
    let scope = service.name.clone();
    scoped_service(service, &scope, env)
}

/// [`service_with_environment`] with the variables' entries grouped under `scope`.
fn scoped_service(mut service: crate::model::Service, scope: &str, mut env: Vec<EnvVar>) -> Model {
    let (mut model, overrides) = known_pools(scope, &env);
    model.secrets.extend(password_secrets(&env));
    service.pools = (0..model.pools.len()).collect();
    let (jpa, data_source_type) = spring::service_facts_from_environment(scope, &env);
    service.jpa = service.jpa.or(jpa.map(Box::new));
    if let Some(deployment) = service.deployment.as_mut() {
        deployment.data_source_type = data_source_type;
        // Kept to the end of the run, a deployment per service: without the room the
        // readers' vectors grew into (a compose service's two variables were collected
        // in place into the block of four larger ones).
        crate::memory::release_spare_room(&mut env, std::mem::size_of::<EnvVar>());
        deployment.environment = env;
        deployment.override_pools = overrides;
    }
    model.services.push(service);
    model
}

/// The pools `env` configures, and apart those only variables with unknown values
/// configure.
fn known_pools(scope: &str, env: &[EnvVar]) -> (Model, Vec<crate::model::Pool>) {
    let mut model = environment_pools(scope, env);
    let mut overrides = Vec::new();
    if env.iter().any(|v| v.unknown_from.is_some()) {
        let known: Vec<EnvVar> = env
            .iter()
            .filter(|v| v.unknown_from.is_none())
            .cloned()
            .collect();
        let known = environment_pools(scope, &known).pools;
        let (own, only_unknown) = std::mem::take(&mut model.pools)
            .into_iter()
            .partition(|pool| known.iter().any(|k| k.name == pool.name));
        model.pools = own;
        overrides = only_unknown.into_iter().map(|pool| *pool).collect();
    }
    (model, overrides)
}

/// One container of a pod: its name, its environment as the process receives it, and
/// the command it runs (`command` then `args`).
pub struct Container {
    pub name: String,
    pub env: Vec<EnvVar>,
    pub command: Vec<crate::model::CommandWord>,
}

/// A workload whose pod runs `containers`: each container is its own process with its
/// own environment, so each configures its own pools, all counted for every replica.
///
/// One container is the workload's main process: the one named like the workload,
/// else the first whose variables configure a pool, else the first. Its environment is
/// the deployment's ([`service_with_environment`]): it overrides the pools of the
/// application the manifest links the workload to. The other containers' pools follow
/// it on the service ([`crate::model::Deployment::companion_pools`]); a container
/// configuring no pool (a proxy sidecar) adds none. When several containers configure
/// pools, each container's variables are grouped under `workload/container`, so the
/// same variable in two containers is not one property set twice.
pub fn service_with_containers(
    service: crate::model::Service,
    mut containers: Vec<Container>,
) -> Model {
    // One container is the whole process, as for a compose service.
    if containers.len() <= 1 {
        let (env, command) = containers
            .pop()
            .map(|c| (c.env, c.command))
            .unwrap_or_default();
        return with_command(service_with_environment(service, env), command);
    }
    let configures: Vec<bool> = containers
        .iter()
        .map(|c| !environment_pools(&service.name, &c.env).pools.is_empty())
        .collect();
    let short_name = service.name.rsplit('/').next().unwrap_or_default();
    let main = containers
        .iter()
        .position(|c| c.name == short_name)
        .or_else(|| configures.iter().position(|&c| c))
        .unwrap_or(0);
    let several = configures.iter().filter(|&&c| c).count() > 1;
    let workload = service.name.clone();
    let scope = |c: &Container| match several {
        true => format!("{workload}/{}", c.name),
        false => workload.clone(),
    };
    let mut companions = Vec::new();
    let mut main_container = None;
    for (index, container) in containers.into_iter().enumerate() {
        if index == main {
            main_container = Some(container);
            continue;
        }
        // Pools only unknown values configure have no application to override here.
        let (mut model, _) = known_pools(&scope(&container), &container.env);
        model.secrets.extend(password_secrets(&container.env));
        companions.push(model);
    }
    let mut model = match main_container {
        Some(container) => {
            let scope = scope(&container);
            with_command(
                scoped_service(service, &scope, container.env),
                container.command,
            )
        }
        None => service_with_environment(service, Vec::new()),
    };
    let first = model.pools.len();
    for companion in companions {
        model.pools.extend(companion.pools);
        model.entries.append(companion.entries);
        model.secrets.extend(companion.secrets);
        model.refused_values.extend(companion.refused_values);
    }
    let count = model.pools.len() - first;
    if let Some(service) = model.services.last_mut() {
        service.pools.extend(first..first + count);
        if let Some(deployment) = service.deployment.as_mut() {
            deployment.companion_pools = count;
        }
    }
    model
}

/// `model` with its service's deployment running `command` (its main process's).
fn with_command(mut model: Model, command: Vec<crate::model::CommandWord>) -> Model {
    let deployment = model
        .services
        .last_mut()
        .and_then(|s| s.deployment.as_mut());
    if let Some(deployment) = deployment {
        deployment.command = command;
    }
    model
}

/// The Spring pool, the .NET connection strings and the Prisma URLs a deployment's
/// variables configure.
fn environment_pools(scope: &str, env: &[EnvVar]) -> Model {
    let mut model = spring::model_from_environment(scope, env);
    model
        .pools
        .extend(dotnet::model_from_environment(env).pools);
    model
        .pools
        .extend(dotenv::model_from_environment(env).pools);
    model
}

/// `pool` as its process runs it when the deployment sets `var`, one of its
/// [`crate::model::Pool::url_variables`]: Active Record merges the URL over the
/// database's keys, Prisma replaces its `.env` URL. None for another library.
pub fn with_environment_url(pool: &crate::model::Pool, var: &EnvVar) -> Option<crate::model::Pool> {
    match pool.library {
        crate::model::Library::ActiveRecord => Some(rails::with_environment_url(pool, var)),
        crate::model::Library::Prisma => Some(dotenv::with_environment_url(pool, var)),
        _ => None,
    }
}

/// A deployment variable's URL parsed, or why it is unknown: a value the files do not
/// give (a Secret's not among them), one through a variable without a value in the
/// files (compose `${DATABASE_URL}`), or one poollint does not read as a URL. The
/// reason never quotes the value, which may hold a password.
pub(crate) fn environment_url(var: &EnvVar) -> Result<connection_string::ParsedConnection, String> {
    if let Some(reason) = var.unknown_reason() {
        return Err(reason);
    }
    connection_string::parse_url(&var.value).ok_or_else(|| {
        let name = &var.name;
        if !var.verbatim && var.value.contains("${") {
            format!("the deployment sets {name} through a variable the files do not give")
        } else {
            format!("the deployment's {name} is not a URL poollint reads")
        }
    })
}

/// True for digits with an optional sign: a whole number, however many digits.
pub fn is_integer_text(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// The integer C `atoi` and Ruby `to_i` read from `text`: its leading sign and digits,
/// 0 when there are none (`2.5` → 2, `ten` → 0).
pub fn leading_integer(text: &str) -> i64 {
    let sign = usize::from(text.starts_with(['-', '+']));
    let digits = text.get(sign..).map_or(0, |t| {
        t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len())
    });
    text.get(..sign + digits)
        .and_then(|t| t.parse::<i64>().ok())
        .unwrap_or(0)
}

/// A variable or key that holds a password (`POSTGRES_PASSWORD`, `DB_PASSWD`, `DB_PASS`,
/// `DB_PASS_PROD`, `db.pwd`, `db-pw`, `PGPASS`): `PASS` as a whole word anywhere in a
/// name of several words (`_`, `-` or `.` between them; not `BYPASS`, `PASSTHROUGH` or
/// `PASS_THROUGH`),
/// or the last word `PWD` or `PW` (the shell's `PWD` alone is a directory). `PASS`
/// right before a last word that says the value is encoded (`DB_PASS_B64`) names the
/// encoded password ([`is_encoded_password_name`]), not the password.
pub fn is_password_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let words: Vec<&str> = upper.split(['_', '-', '.']).collect();
    let last = words.last().copied().unwrap_or("");
    let encoded_tail = ENCODED_PASSWORD_WORDS.contains(&last);
    let pass_word = words.iter().enumerate().any(|(i, word)| {
        let through = matches!(words.get(i + 1).copied(), Some("THROUGH" | "THRU"));
        *word == "PASS" && !through && !(encoded_tail && i + 2 == words.len())
    });
    upper.contains("PASSWORD")
        || upper.contains("PASSWD")
        || upper == "PGPASS"
        || (words.len() > 1 && (pass_word || matches!(last, "PWD" | "PW")))
}

/// A variable named as a secret other than a password (`DB_SECRET`, `API_TOKEN`,
/// `SECRET_KEY`, `SECRET_KEY_BASE`, `DB_CREDENTIALS`, `DB_CREDENTIAL`), a private key's
/// passphrase ([`is_passphrase_name`]) or a password's encrypted or encoded form
/// ([`is_encoded_password_name`]): its value is masked wherever the file is shown, not
/// reported (it need not be a database's, nor a database password). Only a last word
/// `SECRET`, `TOKEN`, `CREDENTIALS` or `CREDENTIAL` counts, so `TOKEN_TTL`,
/// `TOKEN_ISSUER_URL`, `SECRETARY_HOST` or `CREDENTIALS_FILE` stay readable. `AUTH` is
/// no secret's name: PgBouncer's `auth_type`, `auth_user` and `auth_file` (a path), and
/// `DB_AUTH=md5`, name a method, a user or a file; a credential written in such a value
/// (a URL's password, `password=`) is masked by its shape.
pub fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let last_word = upper.rsplit(['_', '-', '.']).next().unwrap_or("");
    matches!(last_word, "SECRET" | "TOKEN")
        || is_credentials_word(last_word)
        || upper.ends_with("SECRET_KEY")
        || upper.ends_with("SECRET_KEY_BASE")
        || is_passphrase_name(name)
        || is_encoded_password_name(name)
}

/// A secret-named variable ([`is_secret_name`]) whose value is to be masked: all but a
/// credentials variable that names a file (`GOOGLE_APPLICATION_CREDENTIALS=
/// /run/secrets/sa.json`, Google's client libraries read the key from that path): a
/// path, not the secret. Only a path whose last part has an extension counts (base64
/// has no `.`), so a credential that starts with `/` is still masked.
pub fn is_secret_variable(name: &str, value: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let credentials = upper
        .rsplit(['_', '-', '.'])
        .next()
        .is_some_and(is_credentials_word);
    is_secret_name(name) && !(credentials && is_file_path(value))
}

/// `CREDENTIALS` or `CREDENTIAL` (an upper-case word of a name).
fn is_credentials_word(word: &str) -> bool {
    matches!(word, "CREDENTIALS" | "CREDENTIAL")
}

/// A value that is a file's path: absolute, relative or under `~`, one word, whose last
/// part has an extension (`/run/secrets/sa.json`, `./gcp.json`, `C:\keys\sa.json`).
fn is_file_path(value: &str) -> bool {
    let value = value.trim();
    let drive = value.as_bytes().get(1..3) == Some(b":\\".as_slice());
    let rooted = value.starts_with(['/', '~'])
        || value.starts_with("./")
        || value.starts_with("../")
        || drive;
    let last = value.rsplit(['/', '\\']).next().unwrap_or("");
    let extension = last.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty() && !ext.is_empty() && ext.chars().all(|c| c.is_ascii_alphanumeric())
    });
    rooted && extension && !value.contains(char::is_whitespace)
}

/// A variable or key that holds the passphrase of a private key (node-postgres and
/// Node's TLS `ssl.passphrase`, `DB_SSL_KEY_PASSPHRASE`, `sslpassphrase`): a secret
/// wherever it is, masked but not reported as a database password. (libpq's
/// `sslpassword` and `ssl_key_password`-like names are password names already.)
pub fn is_passphrase_name(name: &str) -> bool {
    name.to_ascii_uppercase().contains("PASSPHRASE")
}

/// The words after a password's name that say its value is the password encrypted or
/// encoded (`DB_PWD_ENC`, `DB_PASS_B64`): still the password to whoever holds the key,
/// or to anyone (base64).
pub const ENCODED_PASSWORD_WORDS: &[&str] = &["ENC", "ENCRYPTED", "ENCODED", "B64", "BASE64"];

/// A password variable's name ([`is_password_name`]) followed by a word that says the
/// value is encrypted or encoded (`DB_PWD_ENC`, `DB_PASS_BASE64`; `DB_PASSWORD_ENC` is a
/// password name already).
pub fn is_encoded_password_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    upper
        .rsplit_once(['_', '-', '.'])
        .is_some_and(|(head, last)| {
            ENCODED_PASSWORD_WORDS.contains(&last) && is_password_name(head)
        })
}

/// A key of a JSON or YAML object that holds a password: a password-like name
/// (`password`, `dbPassword`) or a connection-string password name (`pwd`, `pass`).
pub fn is_password_key(key: &str) -> bool {
    is_password_name(key) || connection_string::is_password_param(key)
}

/// Literal values of password-like variables (`POSTGRES_PASSWORD`, `DB_PASS`) and of
/// other secret-named ones (`DB_SECRET`, `API_TOKEN`), and passwords inside URLs and
/// connection strings (`DATABASE_URL=postgres://u:pw@db/x`):
/// masked in every output, but not reported by the credentials rule (they are usually a
/// database container's own bootstrap password, not a pool's, and the manifest is not
/// where the value lives in production; Spring's keys are reported by the Spring reader,
/// and a compose file's database URLs by the compose reader).
pub fn password_secrets(env: &[EnvVar]) -> Vec<Secret> {
    let mut secrets = Vec::new();
    // A value the files do not give is written nowhere: its `valueFrom` is no secret.
    let written = |v: &&EnvVar| !spring::is_spring_variable(&v.name) && v.unknown_from.is_none();
    for var in env.iter().filter(written) {
        let (file, span) = (var.value_location.file, var.value_location.span);
        let (spans, kind) = if is_password_name(&var.name) {
            (vec![span], "password key")
        } else if is_secret_variable(&var.name, &var.value) {
            (vec![span], "secret variable")
        } else {
            let map = var.text_map();
            // A .NET connection-string variable (`ConnectionStrings__Db`) is ADO.NET's.
            let ranges: PasswordRanges = if dotnet::is_connection_string_variable(&var.name) {
                connection_string::ado_net_password_ranges
            } else {
                connection_string::password_ranges
            };
            let spans = ranges(&var.value)
                .into_iter()
                .map(|range| map.span(span, range))
                .collect();
            (spans, "connection string password")
        };
        secrets.extend(
            spans
                .into_iter()
                .map(|span| masked(Location { file, span }, &var.name, kind)),
        );
    }
    secrets
}

/// The kind of every value of a Kubernetes `kind: Secret` (`data` values are base64).
pub const KUBERNETES_SECRET_VALUE: &str = "Kubernetes Secret value";

/// A secret masked in every output and scrubbed from messages, which the credentials
/// rule does not report.
pub fn masked(location: Location, key: &str, kind: &'static str) -> Secret {
    Secret {
        location,
        kind,
        key: key.to_owned(),
        literal: false,
        scrub_messages: true,
    }
}

/// The spans of the passwords inside a value (URL userinfo, `password=` parameters of
/// URLs and key/value strings): `value` is the value as read (unquoted, unescaped),
/// `span` where it is written, and `start` where its text begins in the file when it is
/// written there as read. Without `start` (an escape or a folded line moved its
/// characters) each password masks the whole span: offsets into the value would miss.
pub fn password_spans(value: &str, span: Span, start: Option<usize>) -> Vec<Span> {
    connection_string::password_ranges(value)
        .into_iter()
        .map(|range| span_within(span, start, range))
        .collect()
}

/// The span of `range` of a value written at `span` whose text begins at `start` in
/// the file ([`written_at`]); the whole `span` without `start`, as offsets into the value
/// would miss ([`crate::model::TextMap`] for a value written in one piece).
pub fn span_within(span: Span, start: Option<usize>, range: std::ops::Range<usize>) -> Span {
    crate::model::TextMap::from(start).span(span, range)
}

/// Where `value` begins in `text` when `span` holds it as written: the span's text
/// itself, or inside one pair of quotes; None when escapes or folds changed it.
pub fn written_at(text: &str, span: Span, value: &str) -> Option<usize> {
    let raw = text.get(span.start..span.end)?;
    if value.is_empty() {
        return None;
    }
    if raw == value {
        return Some(span.start);
    }
    let quote = raw
        .as_bytes()
        .first()
        .filter(|q| matches!(q, b'"' | b'\''))?;
    let quoted = raw.len() >= 2 && raw.as_bytes().last() == Some(quote);
    let inner = raw.get(1..raw.len().saturating_sub(1))?;
    (quoted && inner == value).then_some(span.start + 1)
}

/// The span of a scalar's text inside its quotes, when the raw text is the value
/// (plain or simply quoted); else the whole scalar.
pub(crate) fn inner_span(
    text: &str,
    span: crate::source::Span,
    value: &str,
) -> crate::source::Span {
    let raw = text.get(span.start..span.end).unwrap_or("");
    match raw.find(value) {
        Some(offset) if !value.is_empty() => {
            crate::source::Span::new(span.start + offset, span.start + offset + value.len())
        }
        _ => span,
    }
}

/// Where `value` begins when `span` is known to be either exactly its text or the
/// whole scalar it was read from (readers locate a value's text and fall back to the
/// scalar, which is then longer: quotes, escapes, folds).
pub fn start_if_exact(span: Span, value: &str) -> Option<usize> {
    (span.len() == value.len() && !value.is_empty()).then_some(span.start)
}

/// Every password in a JSON or YAML document: values of password keys
/// ([`is_password_key`]) and passwords inside URLs and connection strings, each keyed by
/// its dotted path (`production.connection.password`, `items[0].url`). `reported(path)`
/// says which the credentials rule reports, when their value is literal (not a `$`
/// placeholder); the others are only masked. Each mapping and sequence is visited once,
/// however many aliases name it.
/// How the passwords inside a value are found ([`connection_string::password_ranges`]).
pub type PasswordRanges = fn(&str) -> Vec<std::ops::Range<usize>>;

pub fn document_secrets(
    file: &ParsedFile,
    text: &str,
    reported: &dyn Fn(&str) -> bool,
) -> Vec<Secret> {
    document_secrets_in(file, text, reported, connection_string::password_ranges)
}

/// [`document_secrets`] with the passwords inside a value found by `ranges` (.NET's
/// files read key/value strings with ADO.NET's grammar).
pub fn document_secrets_in(
    file: &ParsedFile,
    text: &str,
    reported: &dyn Fn(&str) -> bool,
    ranges: PasswordRanges,
) -> Vec<Secret> {
    let doc = &file.doc;
    let mut secrets = Vec::new();
    let mut visited = std::collections::HashSet::new();
    let mut work: Vec<(NodeId, String)> = doc.roots.iter().map(|r| (*r, String::new())).collect();
    while let Some((node, path)) = work.pop() {
        if !visited.insert(doc.resolve(node)) {
            continue;
        }
        if let Some(items) = doc.seq(node) {
            work.extend(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| (*item, format!("{path}[{i}]"))),
            );
            continue;
        }
        for entry in doc.entries(node) {
            let Some(key) = doc.text(entry.key) else {
                continue;
            };
            let child = if path.is_empty() {
                key.to_owned()
            } else {
                format!("{path}.{key}")
            };
            match doc.text(entry.value) {
                Some(value) => {
                    let span = doc.span(entry.value);
                    secrets.extend(value_secrets(
                        file.id,
                        text,
                        (key, &child),
                        (value, span),
                        reported,
                        ranges,
                    ));
                }
                None => work.push((entry.value, child)),
            }
        }
    }
    // In document order, as the other readers find them.
    secrets.sort_by_key(|s| s.location.span.start);
    secrets
}

/// The secrets of one scalar of a document: the whole value under a password key, else
/// the passwords inside it.
fn value_secrets(
    file: FileId,
    text: &str,
    (key, path): (&str, &str),
    (value, span): (&str, Span),
    reported: &dyn Fn(&str) -> bool,
    ranges: PasswordRanges,
) -> Vec<Secret> {
    let secret = |span: Span, kind: &'static str, written: &str| Secret {
        literal: reported(path) && !written.is_empty() && !written.starts_with('$'),
        ..masked(Location { file, span }, path, kind)
    };
    if is_password_key(key) {
        if value.is_empty() {
            return Vec::new();
        }
        return vec![secret(span, "password key", value)];
    }
    // A private key's passphrase (`ssl.passphrase`) or an encrypted password is masked,
    // never reported: it is no database password written in the clear.
    if is_passphrase_name(key) || is_encoded_password_name(key) {
        if value.is_empty() || crate::redact::is_reference(value) {
            return Vec::new();
        }
        return vec![masked(Location { file, span }, path, "secret key")];
    }
    let start = written_at(text, span, value);
    ranges(value)
        .into_iter()
        .map(|range| span_within(span, start, range))
        .map(|at| {
            let written = text.get(at.start..at.end).unwrap_or("");
            secret(at, "connection string password", written)
        })
        .collect()
}

/// A parsed URL as the model keeps it: its host and parameters (lower-cased names) as
/// settings keyed `{key}#host` and `{key}?{name}`, each located inside the URL's text
/// in the file ([`crate::model::TextMap::span`]: `start` is where the URL's text begins
/// in `span`, None when escapes moved it, or where each part of a substituted value is
/// written). Spring data sources and Rails `url:` both read theirs so.
pub(crate) fn url_connection(
    parsed: connection_string::ParsedConnection,
    location: Location,
    start: impl Into<crate::model::TextMap>,
    key: &str,
) -> ConnectionInfo {
    let map = start.into();
    let setting = |value: &str, range: std::ops::Range<usize>, key: String| Setting {
        value: Val::Known(value.to_owned()),
        origin: Origin::File {
            file: location.file,
            span: map.span(location.span, range),
            key: key.into(),
            via: None,
        },
    };
    let params: crate::model::NamedSettings = parsed
        .params
        .iter()
        .map(|p| {
            let value = setting(&p.value, p.value_range.clone(), format!("{key}?{}", p.name));
            (p.name.to_ascii_lowercase(), value)
        })
        .collect();
    // The last `options` parameter is the one the driver sends (a URL query value).
    let options = params
        .get("options")
        .and_then(|o| o.get())
        .map(|text| crate::model::StartupOptions::parse(text, true));
    ConnectionInfo {
        engine: parsed.engine.map(Into::into),
        database: parsed.database,
        user: parsed.user,
        host: parsed
            .host
            .map(|(h, range)| setting(&h, range, format!("{key}#host"))),
        params,
        location: Some(location),
        options,
    }
}

/// A shell-style variable name at the start of `text` (letters, digits, `_`) and what
/// follows it: `DB_PASSWORD:-x` is (`DB_PASSWORD`, `:-x`).
pub(crate) fn split_variable_name(text: &str) -> (&str, &str) {
    let len = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    text.split_at(len)
}

/// Length of the `{…}` that `text` starts with (after any prefix such as `$`), braces
/// nested inside it matched: Spring's `${a:${b}}` and Compose's `${A:-${B}}`. None when
/// it is not closed.
pub(crate) fn nested_braces_len(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// `text` added to `sources` as the file at `path` and parsed in `format`, as the
/// engine hands files to readers (the readers' unit tests); `included_from`: the file
/// that names it, and where.
#[cfg(test)]
pub(crate) fn parsed_in(
    sources: &mut SourceMap,
    path: &Path,
    text: &str,
    format: Format,
    included_from: Option<(FileId, usize)>,
) -> ParsedFile {
    let id = sources.add(path, text.to_owned(), crate::source::Encoding::Utf8);
    ParsedFile {
        included_from,
        id,
        path: path.to_path_buf(),
        format,
        doc: crate::syntax::parse(format, text),
    }
}

/// Read `(path, text)` files together with `reader`, each in the format `reader`
/// recognises from its path, as the engine reads a batch (the readers' unit tests).
#[cfg(test)]
pub(crate) fn read_files(reader: &dyn Reader, files: &[(&str, &str)]) -> Model {
    let mut sources = SourceMap::default();
    let mut parsed: Vec<ParsedFile> = files
        .iter()
        .filter_map(|(path, text)| {
            let format = reader.recognise(Path::new(path))?;
            Some(parsed_in(&mut sources, Path::new(path), text, format, None))
        })
        .collect();
    // The companions the files name among `files` (the engine reads them from disk),
    // each once.
    let mut companions: Vec<ParsedFile> = Vec::new();
    for file in &parsed {
        let text = sources.get(file.id).map_or("", |f| f.text()).to_owned();
        for companion in reader.companions(file, &text, &[], &sources) {
            let given = files
                .iter()
                .find(|(path, _)| Path::new(path) == companion.path);
            let Some((path, text)) = given else { continue };
            if companions.iter().any(|c| c.path == companion.path) {
                continue;
            }
            companions.push(parsed_in(
                &mut sources,
                Path::new(path),
                text,
                companion.format,
                Some((file.id, companion.at.start)),
            ));
        }
    }
    parsed.append(&mut companions);
    let refs: Vec<&ParsedFile> = parsed.iter().collect();
    reader.read(&refs, &sources)
}

/// Read one file's `text` with `reader`, as the engine does (the readers' unit tests).
#[cfg(test)]
pub(crate) fn read_one(
    reader: &dyn Reader,
    path: &str,
    format: Format,
    text: &str,
) -> (Model, SourceMap) {
    let mut sources = SourceMap::default();
    let file = parsed_in(&mut sources, Path::new(path), text, format, None);
    (reader.read(&[&file], &sources), sources)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Audit finding: `DB_SSL_KEY_PASSPHRASE`, `DB_CREDENTIALS` and `DB_PWD_ENC` were
    /// shown as written. They are secrets (masked, not reported); names that only say
    /// how to authenticate are not.
    #[test]
    fn passphrases_credentials_and_encrypted_passwords_are_secret_names() {
        for name in [
            "DB_SSL_KEY_PASSPHRASE",
            "passphrase",
            "sslPassphrase",
            "KEY_PASSPHRASE_B64",
            "DB_CREDENTIALS",
            "db.credentials",
            "DB_PWD_ENC",
            "DB_PASS_BASE64",
            "db_pw_encrypted",
        ] {
            assert!(is_secret_name(name), "{name}");
            assert!(!is_password_name(name), "{name} is reported as a password");
        }
        for name in [
            "DB_AUTH",
            "auth_type",
            "auth_user",
            "auth_file",
            "AUTH_QUERY",
            "CREDENTIALS_FILE",
            "GOOGLE_APPLICATION_CREDENTIALS_PATH",
            "PWD_ENC",
            "DB_PWD_ENCRYPTION",
            "DB_POOL_ENC",
        ] {
            assert!(!is_secret_name(name), "{name}");
        }
        // libpq's `sslpassword` and `ssl_key_password`-like names were passwords already.
        assert!(is_password_name("sslpassword") && is_password_name("SSL_KEY_PASSWORD"));
        assert!(is_passphrase_name("ssl.passphrase") && is_encoded_password_name("DB_PW_B64"));
        // A credentials variable that names a key file holds a path, not the secret.
        for path in [
            "/run/secrets/sa.json",
            "./gcp-key.json",
            "~/.config/gcloud/adc.json",
        ] {
            assert!(
                !is_secret_variable("GOOGLE_APPLICATION_CREDENTIALS", path),
                "{path}"
            );
        }
        assert!(!is_secret_variable("DB_CREDENTIALS", "C:\\keys\\db.json"));
        for value in [
            "app:s3cret",
            "/aB3+x/Yz==",
            "/run/x.json extra",
            "{\"user\": \"a\"}",
        ] {
            assert!(is_secret_variable("DB_CREDENTIALS", value), "{value}");
        }
        // Other secret names are masked whatever they hold.
        assert!(is_secret_variable("DB_SECRET", "/run/secrets/db.txt"));
    }

    /// Audit finding: `DB_PASS_PROD` and `RAILS_DB_PASS_PROD` were shown as written
    /// (`PASS` counted only as the last word) while `DB_PASSWORD_PROD` was masked, and so
    /// was `DB_CREDENTIAL` (only `CREDENTIALS` counted).
    #[test]
    fn pass_anywhere_and_credential_name_secrets() {
        for name in [
            "DB_PASS_PROD",
            "RAILS_DB_PASS_PROD",
            "PASS_DB",
            "db.pass.prod",
        ] {
            assert!(is_password_name(name), "{name}");
        }
        // Only the whole word: pool keys and words that hold `pass` are no passwords.
        for name in [
            "PASS",
            "BYPASS_CACHE",
            "PASSTHROUGH_MODE",
            "AUTH_PASS_THROUGH",
            "compass",
            "db.bypass",
            "DB_PASSES",
            "DB_PASS_B64",
        ] {
            assert!(!is_password_name(name), "{name}");
        }
        assert!(is_secret_name("DB_CREDENTIAL") && is_secret_variable("DB_CREDENTIAL", "x"));
        assert!(!is_secret_variable(
            "GCP_CREDENTIAL",
            "/run/secrets/sa.json"
        ));
        assert!(!is_secret_name("CREDENTIAL_FILE"));
    }
}
