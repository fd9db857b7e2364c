//! Rails: `config/database.yml` (ERB, anchors and `<<: *default`, environments, several
//! databases per environment), `config/puma.rb` (threads and workers) and
//! `config/sidekiq.yml` (concurrency, capsules). Files under one `config/` directory are
//! one application. Facts and defaults: rules-catalogue §1.5 [RAILS-HASH][PUMA-CFG]
//! [SQ-CFG].
//!
//! ERB values are evaluated for the common forms (`ENV.fetch("X") { 5 }`,
//! `ENV.fetch("X", 5)`, `ENV["X"] || ENV["Y"] || 5`, literals): the default is used and
//! the message says which variables can override it. Anything else is unknown, never a finding.
//! Only the `production` environment feeds the application's services (development
//! and test pools are read, but capacity and concurrency rules look at production).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::Duration;

use regex::Regex;

use super::{connection_string, file_name, ParsedFile, Reader};
use crate::model::{
    ClassSettings, ConfigEntry, ConnectionInfo, Ecosystem, EntryKey, Library, Location, Model,
    NamedSettings, Origin, Pool, Secret, Service, Setting, Val, UNBOUNDED_POOL,
};
use crate::source::{SourceMap, Span};
use crate::syntax::erb::{self, Tag};
use crate::syntax::{Document, Format, NodeId};

pub struct Rails;

const DOC: &str =
    "https://api.rubyonrails.org/classes/ActiveRecord/ConnectionAdapters/ConnectionPool.html";
/// Active Record `pool` default [RAILS-HASH].
const POOL: i64 = 5;
/// `checkout_timeout` default, seconds [RAILS-HASH].
const CHECKOUT_TIMEOUT: u64 = 5;
/// `idle_timeout` default, seconds [RAILS-HASH].
const IDLE_TIMEOUT: u64 = 300;
/// Puma's default maximum threads on MRI [PUMA-CFG].
const PUMA_THREADS: i64 = 5;
/// Sidekiq 7's default concurrency [SQ-CFG].
const SIDEKIQ_CONCURRENCY: i64 = 5;
/// Environments whose pools feed the application's services.
const RUNTIME_ENV: &str = "production";
/// Environment names read even when anchored (`production: &production`): other
/// anchored entries are taken for templates (`default: &default`).
const ENVIRONMENTS: &[&str] = &["production", "staging", "development", "test"];

impl Reader for Rails {
    fn ecosystem(&self) -> Ecosystem {
        Ecosystem::Rails
    }

    fn recognise(&self, path: &Path) -> Option<Format> {
        let in_config = path
            .parent()
            .and_then(|d| d.file_name())
            .and_then(|d| d.to_str())
            == Some("config");
        if !in_config {
            return None;
        }
        match file_name(path)? {
            "database.yml" | "sidekiq.yml" => Some(Format::ErbYaml),
            "puma.rb" => Some(Format::Raw),
            _ => None,
        }
    }

    /// An application is the directory above `config/`.
    fn unit<'p>(&self, path: &'p Path) -> Option<&'p Path> {
        path.parent().and_then(Path::parent)
    }

    fn read(&self, files: &[&ParsedFile], sources: &SourceMap) -> Model {
        let mut apps: BTreeMap<PathBuf, Vec<&ParsedFile>> = BTreeMap::new();
        for file in files {
            let root = file
                .path
                .parent()
                .and_then(Path::parent)
                .map(Path::to_path_buf)
                .unwrap_or_default();
            apps.entry(root).or_default().push(file);
        }
        let mut model = Model::default();
        for (root, files) in apps {
            model.extend(read_app(&root, &files, sources));
        }
        model
    }
}

/// One file with its text and ERB tags.
struct Source<'a> {
    file: &'a ParsedFile,
    text: &'a str,
    tags: Vec<Tag>,
}

impl<'a> Source<'a> {
    fn new(file: &'a ParsedFile, sources: &'a SourceMap) -> Self {
        let text = sources.get(file.id).map_or("", |f| f.text());
        Source {
            file,
            text,
            tags: erb::tags(text),
        }
    }

    fn doc(&self) -> &Document {
        &self.file.doc
    }

    /// The file's beginning, where a default of a key it lacks points.
    fn whole_file(&self) -> Location {
        Location {
            file: self.file.id,
            span: Span::new(0, 0),
        }
    }

    fn location(&self, node: NodeId) -> Location {
        Location {
            file: self.file.id,
            span: self.doc().span(node),
        }
    }

    /// The value of a scalar: literal, evaluated ERB, or unknown.
    fn value(&self, node: NodeId) -> (Val<String>, Option<String>) {
        let span = self.doc().span(node);
        let overlapping: Vec<&Tag> = self
            .tags
            .iter()
            .filter(|t| t.span.start < span.end && span.start < t.span.end)
            .collect();
        match overlapping.as_slice() {
            [] => match self.doc().text(node) {
                Some(text) => (Val::Known(text.to_owned()), None),
                None => (Val::unknown("not a scalar".into()), None),
            },
            [tag] if tag.output && tag.span == span => evaluate(&tag.code),
            _ => (
                Val::unknown("an ERB template poollint does not evaluate".into()),
                None,
            ),
        }
    }

    fn setting<T>(
        &self,
        node: NodeId,
        key: &str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Setting<T> {
        let (value, via) = self.value(node);
        let value = value.and_then(|text| match parse(text.trim()) {
            Ok(v) => Val::Known(v),
            Err(reason) => Val::invalid(text, reason),
        });
        Setting {
            value,
            origin: Origin::File {
                file: self.file.id,
                span: self.doc().span(node),
                key: key.into(),
                via,
            },
        }
    }
}

static ENV_VAR: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r#"ENV(?:\.fetch)?\s*[\[(]\s*["']([A-Za-z0-9_]+)["']"#).ok());
/// The lookups with a default whose default poollint takes, each matching a whole
/// expression (after [`unwrapped`]): `ENV.fetch("X") { 5 }`, `ENV.fetch("X", 5)`;
/// group 1 is the variable, group 2 the default.
static DEFAULT_FORMS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        r#"^ENV\.fetch\(\s*["']([A-Za-z0-9_]+)["']\s*\)\s*\{\s*["']?(-?\d+)["']?\s*\}$"#,
        r#"^ENV\.fetch\(\s*["']([A-Za-z0-9_]+)["']\s*,\s*["']?(-?\d+)["']?\s*\)$"#,
    ]
    .iter()
    .filter_map(|re| Regex::new(re).ok())
    .collect()
});
/// A lookup without a default (`ENV["X"]`, `ENV.fetch("X", nil)`): nil when the
/// variable is unset, so a `||` after it goes on.
static ENV_LOOKUP: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r#"^ENV(?:\[\s*["']([A-Za-z0-9_]+)["']\s*\]|\.fetch\(\s*["']([A-Za-z0-9_]+)["']\s*,\s*nil\s*\))$"#,
    )
    .ok()
});
/// A whole number, quoted or not.
static LITERAL: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r#"^["']?(-?\d+)["']?$"#).ok());

/// Most wrappers [`unwrapped`] removes (`Integer((x).to_i)` has three).
const MAX_WRAPPERS: usize = 8;

/// The expression inside conversions that keep its value: `.to_i`, `Integer(…)`,
/// parentheses. Anything else (`* 5`, `+ 1`, a method call) stays and is not a form
/// whose default is taken.
fn unwrapped(code: &str) -> &str {
    let mut code = code.trim();
    for _ in 0..MAX_WRAPPERS {
        let inner = code
            .strip_suffix(".to_i")
            .or_else(|| {
                code.strip_prefix("Integer(")
                    .and_then(|c| c.strip_suffix(')'))
            })
            .or_else(|| code.strip_prefix('(').and_then(|c| c.strip_suffix(')')));
        match inner {
            Some(inner) => code = inner.trim(),
            None => break,
        }
    }
    code
}

/// The value of an ERB expression poollint understands, and the variables that may
/// override it. Only a whole expression of a known form takes its default: arithmetic
/// on it (`ENV.fetch("X") { 5 }.to_i * 5`) is unknown (DESIGN §2), not the default.
fn evaluate(code: &str) -> (Val<String>, Option<String>) {
    if code.trim().parse::<i64>().is_ok() {
        return (Val::Known(code.trim().to_owned()), None);
    }
    let inner = unwrapped(code);
    let known = fetch_default(inner)
        .map(|(var, default)| (default, vec![var]))
        .or_else(|| fallback_chain(inner));
    if let Some((default, vars)) = known {
        return (
            Val::Known(default),
            Some(vars.join(&crate::model::VIA_SEPARATOR.to_string())),
        );
    }
    let var = ENV_VAR
        .as_ref()
        .and_then(|re| re.captures(code))
        .and_then(|c| c.get(1))
        .map(|m| m.as_str().to_owned());
    (
        Val::unknown(match &var {
            Some(v) => format!("set by ${v} at run time"),
            None => "an ERB expression poollint does not evaluate".into(),
        }),
        var,
    )
}

/// (variable, default) of `ENV.fetch("X") { 5 }` or `ENV.fetch("X", 5)`.
fn fetch_default(code: &str) -> Option<(String, String)> {
    DEFAULT_FORMS.iter().find_map(|re| {
        let c = re.captures(code)?;
        Some((c.get(1)?.as_str().to_owned(), c.get(2)?.as_str().to_owned()))
    })
}

/// `ENV["DB_POOL"] || ENV['MAX_THREADS'] || 5` (Mastodon): lookups without a default
/// joined by `||`, ending in a literal or a lookup with one, whose default is the
/// value when no variable is set; the variables in the order Ruby tries them. None for
/// anything else (a method call or arithmetic in a part).
fn fallback_chain(code: &str) -> Option<(String, Vec<String>)> {
    let parts: Vec<&str> = code.split("||").map(str::trim).collect();
    let (last, lookups) = parts.split_last()?;
    if lookups.is_empty() {
        return None;
    }
    let mut vars = lookups
        .iter()
        .map(|part| {
            let c = ENV_LOOKUP.as_ref()?.captures(part)?;
            Some(c.get(1).or(c.get(2))?.as_str().to_owned())
        })
        .collect::<Option<Vec<String>>>()?;
    let literal = LITERAL
        .as_ref()
        .and_then(|re| re.captures(last))
        .and_then(|c| c.get(1))
        .map(|m| m.as_str().to_owned());
    let default = match literal {
        Some(default) => default,
        None => {
            let (var, default) = fetch_default(last)?;
            vars.push(var);
            default
        }
    };
    Some((default, vars))
}

fn read_app(root: &Path, files: &[&ParsedFile], sources: &SourceMap) -> Model {
    let mut model = Model::default();
    let named = |name: &str| {
        files
            .iter()
            .copied()
            .find(|f| file_name(&f.path) == Some(name))
    };
    let mut runtime_pools = Vec::new();
    if let Some(file) = named("database.yml") {
        let source = Source::new(file, sources);
        // Passwords outside the databases read below (a template no environment
        // merges, a map that configures no database) are masked too; the credentials
        // rule reports those of the databases.
        model
            .secrets
            .extend(super::document_secrets(file, source.text, &|_| false));
        for (env, pool) in read_database(&source, &mut model) {
            if env == RUNTIME_ENV {
                runtime_pools.push(model.pools.len());
            }
            model.pools.push(Box::new(pool));
        }
    }
    let scope = crate::source::display_path(root);
    if let Some(file) = named("puma.rb") {
        let source = Source::new(file, sources);
        let (threads, workers) = read_puma(&source);
        model.services.push(service(
            format!("{scope} (puma)"),
            runtime_pools.clone(),
            threads,
            workers,
        ));
    }
    if let Some(file) = named("sidekiq.yml") {
        let source = Source::new(file, sources);
        let concurrency = read_sidekiq(&source);
        model.services.push(service(
            format!("{scope} (sidekiq)"),
            runtime_pools.clone(),
            Some(concurrency),
            None,
        ));
    }
    if model.services.is_empty() && !runtime_pools.is_empty() {
        model
            .services
            .push(service(scope, runtime_pools, None, None));
    }
    model
}

fn service(
    name: String,
    pools: Vec<usize>,
    threads: Option<Setting<i64>>,
    processes: Option<Setting<i64>>,
) -> Service {
    Service {
        threads,
        processes,
        ..Service::new(name, Ecosystem::Rails, pools)
    }
}

/// Pools of every environment (and every database of an environment).
fn read_database(source: &Source, model: &mut Model) -> Vec<(String, Pool)> {
    let doc = source.doc();
    let mut pools = Vec::new();
    let Some(root) = doc.roots.first().copied() else {
        return pools;
    };
    for entry in doc.entries(root) {
        let Some(env) = doc.text(entry.key) else {
            continue;
        };
        let value = doc.resolve(entry.value);
        // `default: &default` is a template for the others, not an environment; an
        // anchored environment Rails runs (`production: &production` reused by
        // staging) is still one.
        let anchored = doc.node(entry.value).is_some_and(|n| n.anchor.is_some());
        if (anchored && !ENVIRONMENTS.contains(&env)) || !doc.is_map(value) {
            continue;
        }
        if is_database_config(doc, value) {
            pools.push((
                env.to_owned(),
                read_pool(source, model, env, entry.key, value),
            ));
        } else {
            for db in doc.entries(value) {
                let target = doc.resolve(db.value);
                if doc.is_map(target) && is_database_config(doc, target) {
                    let name = format!("{env}.{}", doc.text(db.key).unwrap_or("?"));
                    pools.push((
                        env.to_owned(),
                        read_pool(source, model, &name, db.key, target),
                    ));
                }
            }
        }
    }
    pools
}

fn is_database_config(doc: &Document, map: NodeId) -> bool {
    [
        "adapter",
        "database",
        "url",
        "pool",
        "max_connections",
        "host",
    ]
    .iter()
    .any(|k| doc.get(map, k).is_some())
}

fn read_pool(
    source: &Source,
    model: &mut Model,
    name: &str,
    key_node: NodeId,
    map: NodeId,
) -> Pool {
    let doc = source.doc();
    let anchor = source.location(key_node);
    let origin_default = || Origin::Default {
        library: "Active Record",
        doc: DOC,
        anchor: Some(anchor),
    };
    let mut values: BTreeMap<String, NodeId> = BTreeMap::new();
    for entry in doc.entries(map) {
        let Some(key) = doc.text(entry.key) else {
            continue;
        };
        let full = format!("{name}.{key}");
        let (value, via) = source.value(entry.value);
        model.entries.push(ConfigEntry {
            ecosystem: Ecosystem::Rails,
            file: source.file.id,
            key: EntryKey::new(&full),
            canonical: EntryKey::new(key),
            key_span: doc.span(entry.key),
            value: value.known().cloned(),
            value_span: doc.span(entry.value),
            profile: Some(name.into()),
            via,
            scope: name.into(),
            precedence: 0,
        });
        model
            .secrets
            .extend(value_secrets(source, entry.value, key, &full, &value));
        values.insert(key.to_owned(), entry.value);
    }
    let url = values
        .get("url")
        .and_then(|node| UrlParams::of(source, *node));
    let from_url = |key: &str| url.as_ref().and_then(|u| u.param(key).map(|p| (u, p)));
    let int = |key: &str, default: i64, parse: fn(&str) -> Result<i64, String>| {
        if let Some((url, param)) = from_url(key) {
            return url.setting(source, param, &format!("{name}.url.{key}"), parse);
        }
        values.get(key).map_or_else(
            || Setting::known(default, origin_default()),
            |node| source.setting(*node, &format!("{name}.{key}"), parse),
        )
    };
    let seconds = |key: &str, default: u64| {
        if let Some((url, param)) = from_url(key) {
            return url.setting(source, param, &format!("{name}.url.{key}"), parse_seconds);
        }
        values.get(key).map_or_else(
            || Setting::known(Duration::from_secs(default), origin_default()),
            |node| source.setting(*node, &format!("{name}.{key}"), parse_seconds),
        )
    };
    let max = match values.get("max_connections") {
        // The URL's query parameters win over the keys beside it.
        _ if from_url("max_connections").is_some() => int("max_connections", POOL, pool_size),
        _ if from_url("pool").is_some() => int("pool", POOL, pool_size),
        // Rails 8.1: `max_connections: -1` or nil means unlimited [RAILS-HASH].
        Some(node)
            if doc
                .text(*node)
                .is_some_and(|t| matches!(t.trim(), "" | "~" | "null" | "nil")) =>
        {
            source.setting(*node, &format!("{name}.max_connections"), |_| {
                Ok(UNBOUNDED_POOL)
            })
        }
        Some(_) => int("max_connections", POOL, pool_size),
        None => int("pool", POOL, pool_size),
    };
    let connection = values
        .get("url")
        .and_then(|node| url_info(source, *node, &format!("{name}.url")));
    Pool {
        name: name.to_owned(),
        library: Library::ActiveRecord,
        ecosystem: Ecosystem::Rails,
        profile: Some(name.split('.').next().unwrap_or(name).to_owned()),
        anchor: Some(anchor),
        max,
        min: int("min_connections", 0, |text| {
            ruby_integer(text, "min_connections")
        }),
        acquire_timeout: seconds("checkout_timeout", CHECKOUT_TIMEOUT),
        idle_timeout: seconds("idle_timeout", IDLE_TIMEOUT),
        max_lifetime: seconds("max_age", 0),
        keepalive: seconds("keepalive", 0),
        validate_on_borrow: None,
        validation_timeout: None,
        leak_detection_threshold: None,
        auto_commit: None,
        connection,
        driver_properties: NamedSettings::new(),
        session_variables: values
            .get("variables")
            .map(|node| variables(source, name, *node))
            .unwrap_or_default(),
        class_settings: ClassSettings::default(),
    }
}

/// `variables:`, the session settings Active Record sets on every new connection
/// (`statement_timeout: 5s`), by lower-cased name.
fn variables(source: &Source, name: &str, map: NodeId) -> NamedSettings {
    let doc = source.doc();
    doc.entries(map)
        .into_iter()
        .filter_map(|entry| {
            let key = doc.text(entry.key)?;
            let full = format!("{name}.variables.{key}");
            let setting = source.setting(entry.value, &full, |t| Ok(t.to_owned()));
            Some((key.to_ascii_lowercase(), setting))
        })
        .collect()
}

/// The pool size as Active Record reads it ([`ruby_integer`]).
fn pool_size(text: &str) -> Result<i64, String> {
    ruby_integer(text, "the pool")
}

/// A count as Active Record reads it: `to_i` (`HashConfig#pool` [RAILS-HASH]). A whole
/// number beyond 64 bits stays a Ruby Integer, so `what` has no effective limit; other
/// text is read as its leading integer (`ten` as 0, `2.5` as 2) without an error.
fn ruby_integer(text: &str, what: &str) -> Result<i64, String> {
    if let Ok(value) = text.parse::<i64>() {
        return Ok(value);
    }
    if super::is_integer_text(text) {
        return Err(format!(
            "Active Record's `to_i` keeps a number this large, so {what} has no effective limit (the database's max_connections is the only one)"
        ));
    }
    let read = super::leading_integer(text);
    let effect = if read < 1 && what == "the pool" {
        "a pool of no connections: every checkout waits checkout_timeout and raises ActiveRecord::ConnectionTimeoutError"
    } else {
        "not the number written"
    };
    Err(format!(
        "Active Record reads it with `to_i` as {read}, without an error: {effect}"
    ))
}

fn parse_seconds(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    Ok(if seconds.is_finite() && seconds > 0.0 {
        Duration::from_secs_f64(seconds)
    } else {
        Duration::ZERO
    })
}

/// The secrets of a database's `key: value`: the whole value of a password key (the
/// credentials rule reports a literal `password`), else the passwords inside a URL or
/// connection string (reported in `url`). An ERB value is masked under a password key
/// only: what else it holds is not evaluated.
fn value_secrets(
    source: &Source,
    node: NodeId,
    key: &str,
    full: &str,
    value: &Val<String>,
) -> Vec<Secret> {
    let location = source.location(node);
    let known = match value {
        Val::Known(text) => Some(text.as_str()),
        _ => None,
    };
    if super::is_password_key(key) {
        return vec![Secret {
            literal: key == "password" && known.is_some_and(|v| !v.is_empty()),
            ..super::masked(location, full, "password key")
        }];
    }
    let Some(text) = known else {
        return Vec::new();
    };
    let start = super::written_at(source.text, location.span, text);
    super::password_spans(text, location.span, start)
        .into_iter()
        .map(|span| Secret {
            literal: key == "url",
            ..super::masked(
                Location { span, ..location },
                full,
                "connection string password",
            )
        })
        .collect()
}

/// The query parameters of a literal `url:`. Active Record merges them into the
/// database's configuration over the keys written beside it (`UrlConfig` merges the
/// `ConnectionUrlResolver` hash last [RAILS-HASH]), so `?pool=30` is the pool size.
struct UrlParams {
    parsed: connection_string::ParsedConnection,
    /// Where the URL's text begins in the file (None: escapes moved it).
    start: Option<usize>,
    span: Span,
}

impl UrlParams {
    fn of(source: &Source, node: NodeId) -> Option<Self> {
        let (Val::Known(text), _) = source.value(node) else {
            return None;
        };
        let span = source.doc().span(node);
        Some(UrlParams {
            parsed: connection_string::parse_url(&text)?,
            start: super::written_at(source.text, span, &text),
            span,
        })
    }

    /// The parameter named exactly `key` (Ruby hash keys keep their case).
    fn param(&self, key: &str) -> Option<&connection_string::Param> {
        self.parsed.params.iter().rev().find(|p| p.name == key)
    }

    fn setting<T>(
        &self,
        source: &Source,
        param: &connection_string::Param,
        key: &str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Setting<T> {
        let text = param.value.trim();
        Setting {
            value: match parse(text) {
                Ok(v) => Val::Known(v),
                Err(reason) => Val::invalid(text.to_owned(), reason),
            },
            origin: Origin::File {
                file: source.file.id,
                span: super::span_within(self.span, self.start, param.value_range.clone()),
                key: key.into(),
                via: None,
            },
        }
    }
}

/// A literal `url:` with its host and parameters, each located inside the URL: what
/// the connection rules read (`sslmode`, `options`), as they read a Spring URL's.
fn url_info(source: &Source, node: NodeId, key: &str) -> Option<ConnectionInfo> {
    let url = UrlParams::of(source, node)?;
    let location = Location {
        file: source.file.id,
        span: url.span,
    };
    Some(super::url_connection(url.parsed, location, url.start, key))
}

static PUMA_THREADS_LINE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?m)^\s*threads\s+([^,\n]+?)\s*,\s*([^#\n]+?)\s*(?:#.*)?$").ok());
static PUMA_WORKERS_LINE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?m)^\s*workers\s+([^#\n]+?)\s*(?:#.*)?$").ok());
static RUBY_ASSIGNMENT: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?m)^\s*([a-z_][a-z0-9_]*)\s*=\s*(.+)$").ok());

/// Puma's max threads and workers, from literal values or simple assignments.
fn read_puma(source: &Source) -> (Option<Setting<i64>>, Option<Setting<i64>>) {
    let text = source.text;
    let resolve = |token: &str, at: Span, key: &str| -> Setting<i64> {
        // A literal, a variable assigned earlier, or an expression evaluated in place.
        let is_name = token.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        let expr = if is_name {
            assignment(text, token)
        } else {
            Some(token)
        };
        let (value, via) = match token.parse::<i64>() {
            Ok(n) => (Val::Known(n), None),
            Err(_) => match expr {
                Some(expr) => {
                    let (v, via) = evaluate(expr);
                    let v = v.and_then(|s| {
                        s.parse::<i64>()
                            .map_or_else(|_| Val::unknown(format!("`{expr}`")), Val::Known)
                    });
                    (v, via)
                }
                None => (
                    Val::unknown(format!("`{token}` is computed at run time")),
                    None,
                ),
            },
        };
        Setting {
            value,
            origin: Origin::File {
                file: source.file.id,
                span: at,
                key: key.into(),
                via,
            },
        }
    };
    let threads = PUMA_THREADS_LINE
        .as_ref()
        .and_then(|re| re.captures(text))
        .and_then(|c| {
            let max = c.get(2)?;
            Some(resolve(
                max.as_str(),
                Span::new(max.start(), max.end()),
                "puma.threads.max",
            ))
        });
    let threads = threads.or_else(|| {
        Some(Setting::known(
            PUMA_THREADS,
            Origin::Default {
                library: "Puma",
                doc: "https://puma.io/puma/#thread-pool",
                // The file, so a manifest naming it finds this runtime.
                anchor: Some(source.whole_file()),
            },
        ))
    });
    let workers = PUMA_WORKERS_LINE
        .as_ref()
        .and_then(|re| re.captures(text))
        .and_then(|c| {
            let n = c.get(1)?;
            let mut setting = resolve(n.as_str(), Span::new(n.start(), n.end()), "puma.workers");
            // `workers 0` is single mode: one process.
            if let Val::Known(v) = &mut setting.value {
                *v = (*v).max(1);
            }
            Some(setting)
        });
    (threads, workers)
}

/// The expression last assigned to `name` in a Ruby file.
fn assignment<'t>(text: &'t str, name: &str) -> Option<&'t str> {
    RUBY_ASSIGNMENT
        .as_ref()?
        .captures_iter(text)
        .filter(|c| c.get(1).is_some_and(|n| n.as_str() == name))
        .filter_map(|c| c.get(2).map(|m| m.as_str().trim()))
        .last()
}

/// Sidekiq's threads per process: `concurrency` (or `:concurrency:`), production's when
/// set, plus capsule concurrencies.
fn read_sidekiq(source: &Source) -> Setting<i64> {
    let doc = source.doc();
    let default = Setting::known(
        SIDEKIQ_CONCURRENCY,
        Origin::Default {
            library: "Sidekiq",
            doc: "https://github.com/sidekiq/sidekiq/wiki/Advanced-Options#concurrency",
            // The file, so a manifest naming it finds this runtime.
            anchor: Some(source.whole_file()),
        },
    );
    let Some(root) = doc.roots.first().copied() else {
        return default;
    };
    let find = |map: NodeId| {
        doc.get(map, ":concurrency")
            .or_else(|| doc.get(map, "concurrency"))
            .or_else(|| doc.get(map, ":concurrency:"))
    };
    let production = doc
        .get(root, RUNTIME_ENV)
        .or_else(|| doc.get(root, ":production"));
    let node = production.and_then(find).or_else(|| find(root));
    let Some(node) = node else { return default };
    let mut setting = source.setting(node, "sidekiq.concurrency", |t| {
        t.parse::<i64>()
            .map_err(|_| format!("`{t}` is not a whole number"))
    });
    let capsules = doc
        .get(root, ":capsules")
        .or_else(|| doc.get(root, "capsules"));
    if let (Some(capsules), Val::Known(total)) = (capsules, &mut setting.value) {
        for capsule in doc.entries(capsules) {
            let extra = find(doc.resolve(capsule.value))
                .and_then(|n| doc.text(n))
                .and_then(|t| t.parse::<i64>().ok());
            *total += extra.unwrap_or(SIDEKIQ_CONCURRENCY);
        }
    }
    setting
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(files: &[(&str, &str)]) -> Model {
        crate::ecosystems::read_files(&Rails, files)
    }

    #[test]
    fn erb_defaults_anchors_and_environments() {
        let model = read(&[(
            "app/config/database.yml",
            "default: &default\n  adapter: postgresql\n  pool: <%= ENV.fetch(\"RAILS_MAX_THREADS\") { 5 } %>\n  checkout_timeout: 2\n\ndevelopment:\n  <<: *default\n\nproduction:\n  <<: *default\n  pool: <%= ENV[\"DB_POOL\"] || 12 %>\n  password: <%= ENV[\"DB_PASSWORD\"] %>\n",
        )]);
        let production = model
            .pools
            .iter()
            .find(|p| p.name == "production")
            .expect("production pool");
        assert_eq!(production.max.get(), Some(&12));
        assert!(
            matches!(&production.max.origin, Origin::File { via: Some(v), .. } if v == "DB_POOL")
        );
        assert_eq!(
            production.acquire_timeout.get(),
            Some(&Duration::from_secs(2))
        );
        let development = model
            .pools
            .iter()
            .find(|p| p.name == "development")
            .expect("development pool");
        assert_eq!(development.max.get(), Some(&5));
        assert!(model.pools.iter().all(|p| p.name != "default"));
        assert!(model.secrets.iter().all(|s| !s.literal));
    }

    #[test]
    fn passwords_of_templates_and_escaped_urls_are_secrets() {
        let text = "default: &unused\n  adapter: postgresql\n  password: Template-Secret\nproduction:\n  adapter: postgresql\n  url: \"postgres://u:Esc\\x41ped@db/x\"\n  sslpassword: Ssl-Secret\n";
        let model = read(&[("app/config/database.yml", text)]);
        let masked = |needle: &str| {
            model.secrets.iter().any(|s| {
                let span = s.location.span;
                text[span.start..span.end].contains(needle)
            })
        };
        // A template no environment merges, a URL whose escape moved its characters
        // (masked whole, and reported), a password-like key.
        assert!(masked("Template-Secret"));
        assert!(masked("Esc\\x41ped"));
        assert!(masked("Ssl-Secret"));
        assert!(model
            .secrets
            .iter()
            .any(|s| s.literal && s.key == "production.url"));
    }

    #[test]
    fn anchored_production_is_an_environment_and_url_params_win() {
        let model = read(&[(
            "app/config/database.yml",
            "default: &default\n  adapter: postgresql\n  pool: 5\nproduction: &production\n  <<: *default\n  url: postgres://db.internal/app?pool=30&checkout_timeout=2\nstaging:\n  <<: *production\n  database: app_staging\n",
        )]);
        let production = model
            .pools
            .iter()
            .find(|p| p.name == "production")
            .expect("an anchored production is read");
        // Active Record merges the URL's query parameters over the keys beside it.
        assert_eq!(production.max.get(), Some(&30));
        assert_eq!(
            production.acquire_timeout.get(),
            Some(&Duration::from_secs(2))
        );
        assert!(
            matches!(&production.max.origin, Origin::File { key, .. } if &**key == "production.url.pool")
        );
        assert!(model.pools.iter().any(|p| p.name == "staging"));
        assert!(model.pools.iter().all(|p| p.name != "default"));
    }

    #[test]
    fn erb_arithmetic_on_a_default_is_unknown() {
        let (value, via) = evaluate(r#"ENV.fetch("RAILS_MAX_THREADS") { 5 }.to_i * 5"#);
        assert!(value.known().is_none());
        assert_eq!(via.as_deref(), Some("RAILS_MAX_THREADS"));
        for code in [
            r#"ENV.fetch("X") { 5 }.to_i"#,
            r#"Integer(ENV.fetch("X", "5"))"#,
            r#"(ENV["X"] || 5).to_i"#,
        ] {
            assert_eq!(
                evaluate(code).0.known().map(String::as_str),
                Some("5"),
                "{code}"
            );
        }
    }

    /// Mastodon's `ENV["DB_POOL"] || ENV['MAX_THREADS'] || 5` takes 5 and names both
    /// variables (it was unknown); a chain with anything but lookups stays unknown.
    #[test]
    fn erb_fallback_chains_take_their_last_default() {
        for (code, vars) in [
            (
                r#"ENV["DB_POOL"] || ENV['MAX_THREADS'] || 5"#,
                "DB_POOL,MAX_THREADS",
            ),
            (r#"ENV.fetch("A", nil) || ENV["B"] || "5""#, "A,B"),
            (r#"ENV["A"] || ENV.fetch("B") { 5 }"#, "A,B"),
            (r#"(ENV["A"] || ENV["B"] || 5).to_i"#, "A,B"),
            (r#"ENV["DB_POOL"] || 5"#, "DB_POOL"),
        ] {
            let (value, via) = evaluate(code);
            assert_eq!(value.known().map(String::as_str), Some("5"), "{code}");
            assert_eq!(via.as_deref(), Some(vars), "{code}");
        }
        for code in [
            r#"ENV["A"] || ENV["B"].to_i * 2 || 5"#,
            r#"ENV["A"] || compute || 5"#,
            r#"ENV["A"].to_i || 5"#,
            r#"ENV["A"] || ENV["B"]"#,
            r#"ENV["A"] || 5 + 1"#,
        ] {
            assert!(evaluate(code).0.known().is_none(), "{code}");
        }
        let model = read(&[
            ("app/config/database.yml", "production:\n  adapter: postgresql\n  pool: <%= ENV[\"DB_POOL\"] || ENV['MAX_THREADS'] || 5 %>\n"),
            ("app/config/sidekiq.yml", ":concurrency: 25\n"),
        ]);
        let pool = model.pools.first().expect("pool");
        assert_eq!(pool.max.get(), Some(&5));
        assert!(
            matches!(&pool.max.origin, Origin::File { via: Some(v), .. } if v == "DB_POOL,MAX_THREADS")
        );
    }

    #[test]
    fn multiple_databases_and_unknown_templates() {
        let model = read(&[(
            "app/config/database.yml",
            "production:\n  primary:\n    adapter: postgresql\n    pool: <%= compute_pool %>\n  cache:\n    adapter: postgresql\n    pool: 3\n",
        )]);
        let primary = model
            .pools
            .iter()
            .find(|p| p.name == "production.primary")
            .expect("primary");
        assert!(primary.max.get().is_none());
        let cache = model
            .pools
            .iter()
            .find(|p| p.name == "production.cache")
            .expect("cache");
        assert_eq!(cache.max.get(), Some(&3));
    }

    #[test]
    fn puma_threads_workers_and_sidekiq_concurrency() {
        let model = read(&[
            ("app/config/database.yml", "production:\n  adapter: postgresql\n  pool: 5\n"),
            ("app/config/puma.rb", "max_threads_count = ENV.fetch(\"RAILS_MAX_THREADS\") { 8 }\nthreads max_threads_count, max_threads_count\nworkers Integer(ENV.fetch(\"WEB_CONCURRENCY\") { 2 })\n"),
            ("app/config/sidekiq.yml", ":concurrency: 20\n:capsules:\n  single:\n    :concurrency: 1\n"),
        ]);
        let puma = model
            .services
            .iter()
            .find(|s| s.name.ends_with("(puma)"))
            .expect("puma");
        assert_eq!(puma.threads.as_ref().and_then(|t| t.get()), Some(&8));
        assert_eq!(puma.processes.as_ref().and_then(|t| t.get()), Some(&2));
        let sidekiq = model
            .services
            .iter()
            .find(|s| s.name.ends_with("(sidekiq)"))
            .expect("sidekiq");
        assert_eq!(sidekiq.threads.as_ref().and_then(|t| t.get()), Some(&21));
        assert_eq!(sidekiq.pools.len(), 1);
    }
}
