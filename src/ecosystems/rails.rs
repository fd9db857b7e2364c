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
//!
//! Ruby-side sources, checked against Ruby 3.1 with Psych 4.0.3: [PSYCH-SCALAR]
//! ruby/psych `lib/psych/scalar_scanner.rb` (`tokenize`, how a plain scalar is typed);
//! [PSYCH-TO-RUBY] ruby/psych `lib/psych/visitors/to_ruby.rb` (`revive_hash`, merge
//! keys); [RAILS-PG-ADAPTER] rails/rails `activerecord/lib/active_record/
//! connection_adapters/postgresql_adapter.rb` (`configure_connection`, `variables:`);
//! [RAILS-URL] rails/rails `activerecord/lib/active_record/database_configurations/
//! connection_url_resolver.rb` (`resolved_adapter`, `protocol_adapters`, `to_hash`:
//! `compact_blank`, query parameters as Strings); [RAILS-DBCONFIG] rails/rails
//! `activerecord/lib/active_record/database_configurations.rb` (`build_configs`,
//! `merge_db_environment_variables`: a configuration of the current environment that is
//! not a `UrlConfig` becomes `UrlConfig.new(env, name, url, configuration_hash)` with
//! `environment_value_for(name)`, `ENV["#{name.upcase}_DATABASE_URL"]`, then
//! `ENV["DATABASE_URL"]` when the name is `primary`) and `database_configurations/
//! url_config.rb` (`@configuration_hash.merge(build_url_hash)`: the URL's parts win);
//! [RAILS-ADAPTER] rails/rails `activerecord/lib/active_record/connection_adapters/
//! abstract_adapter.rb` (`initialize`: `prepared_statements`, `advisory_locks`).
//!
//! How each duration key is read: Rails 8.1.1 `HashConfig#checkout_timeout`,
//! `#idle_timeout`, `#keepalive`, `#max_age` (as published on apidock.com for v8.1.1;
//! `checkout_timeout` and `idle_timeout` are the same in 7.x). [SQ-CLI] sidekiq/sidekiq
//! `lib/sidekiq/cli.rb` @607445d9 (`parse_config`: `YAML.safe_load` of the ERB output,
//! `setup_options`); [SQ-MANAGER] sidekiq/sidekiq `lib/sidekiq/manager.rb` (7.x:
//! `raise ArgumentError, "Concurrency of #{@count} is not supported" if @count < 1`,
//! `@count.times`). [PUMA-CFG] puma/puma `lib/puma/configuration.rb`
//! (`puma_options_from_env`: `ENV['PUMA_MAX_THREADS'] || ENV['MAX_THREADS']`, 5.x/6.x
//! `default_max_threads`: `Puma.mri? ? 5 : 16`; the DSL's `threads` sets the options
//! each time it runs, so the last call run counts). [PUMA-CLI] puma/puma `lib/puma/cli.rb`
//! (`setup_options`: `-C`/`--config` → `file_config.load`, `--no-config`, `-e`, `-t
//! min:max` or `-t n` → `threads n, n`, `-w`, all user options, which win over the
//! files') and `lib/puma/launcher.rb` (`set_rack_environment`: `ENV['RACK_ENV'] =
//! environment`). [SQ-CHANGES] sidekiq/sidekiq `Changes.md` (5.2.0: default concurrency
//! 25 → 10) with 6.x `lib/sidekiq.rb` (`DEFAULTS`, `concurrency: 10`) and 7.x
//! `lib/sidekiq/config.rb` (`DEFAULTS`, `concurrency: 5`).

use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::Duration;

use regex::Regex;

use super::{connection_string, file_name, ParsedFile, Reader};
use crate::model::{
    ClassSettings, ConfigEntry, ConnectionInfo, Ecosystem, EntryKey, Environments, Library,
    Location, Model, NamedSettings, Origin, Pool, Secret, ServerFile, ServerFiles, Service,
    Setting, UrlVariables, Val, UNBOUNDED_POOL,
};
use crate::source::{SourceMap, Span};
use crate::syntax::erb::{self, Tag};
use crate::syntax::{
    Document, Entry, Format, MergeBudget, MergeRule, NodeId, NodeKind, ResolvedEntry, ScalarStyle,
};

pub struct Rails;

const DOC: &str =
    "https://api.rubyonrails.org/classes/ActiveRecord/ConnectionAdapters/ConnectionPool.html";
/// Active Record `pool` default [RAILS-HASH].
const POOL: i64 = 5;
/// `checkout_timeout` default, seconds [RAILS-HASH].
const CHECKOUT_TIMEOUT: u64 = 5;
/// `idle_timeout` default, seconds [RAILS-HASH].
const IDLE_TIMEOUT: u64 = 300;
/// `reaping_frequency` default, seconds [RAILS-HASH].
const REAPING_FREQUENCY: u64 = 60;
/// Rails 8.1's `keepalive` default, seconds [RAILS-HASH] (no keepalive before 8.1).
const KEEPALIVE_8_1: u64 = 600;
/// Puma's default maximum threads on MRI [PUMA-CFG].
const PUMA_THREADS: i64 = 5;
/// Sidekiq 7's default concurrency [SQ-CFG] (10 in 6.x: [`sidekiq_default_concurrency`]).
const SIDEKIQ_CONCURRENCY: i64 = 5;
/// Environments whose pools feed the application's services.
const RUNTIME_ENV: &str = "production";
/// Environment names read even when anchored and reused (`production: &production`
/// merged into staging): other anchored entries that another entry reuses are taken
/// for templates (`default: &default`), [`is_template`].
const ENVIRONMENTS: &[&str] = &["production", "staging", "development", "test"];

impl Reader for Rails {
    fn ecosystem(&self) -> Ecosystem {
        Ecosystem::Rails
    }

    fn recognise(&self, path: &Path) -> Option<Format> {
        if puma_environment_file(path).is_some() {
            return Some(Format::Raw);
        }
        if dir_name(path.parent()) != Some("config") {
            return None;
        }
        match file_name(path)? {
            "database.yml" | "sidekiq.yml" => Some(Format::ErbYaml),
            name if is_puma_config_name(name) => Some(Format::Raw),
            _ => None,
        }
    }

    /// The application's `Procfile` for its Puma files (the command its web process
    /// runs may name another config file or set Puma's options), its `Gemfile.lock` for
    /// `sidekiq.yml` (the Sidekiq version sets the default concurrency): both in the
    /// directory above `config/`, read with the unit as its siblings are.
    fn reads_companions(&self) -> bool {
        true
    }

    fn companions(
        &self,
        file: &ParsedFile,
        _text: &str,
        _read: &[&ParsedFile],
        _sources: &crate::source::SourceMap,
    ) -> Vec<super::Companion> {
        let name = match file_name(&file.path) {
            Some("sidekiq.yml") => GEMFILE_LOCK,
            Some(_) if is_puma_file(&file.path) => PROCFILE,
            _ => return Vec::new(),
        };
        let Some(root) = app_root(&file.path) else {
            return Vec::new();
        };
        vec![super::Companion {
            path: crate::source::normalise(&root.join(name)),
            format: Format::Raw,
            at: Span::default(),
            named_in: None,
            missing: None,
            beside_unit: true,
        }]
    }

    /// An application is the directory above `config/`.
    fn unit<'p>(&self, path: &'p Path) -> Option<&'p Path> {
        app_root(path)
    }

    /// `config/` and `config/puma/`: a file named on its own is read with the
    /// application's `config/puma/<environment>.rb` files too, and those with
    /// `config/`'s.
    fn sibling_dirs(&self, path: &Path, dir: &Path) -> Vec<PathBuf> {
        if puma_environment_file(path).is_some() {
            let config = dir.parent().map(Path::to_path_buf);
            return std::iter::once(dir.to_path_buf()).chain(config).collect();
        }
        vec![dir.to_path_buf(), dir.join("puma")]
    }

    fn read(&self, files: &[&ParsedFile], sources: &SourceMap) -> Model {
        let mut apps: BTreeMap<PathBuf, Vec<&ParsedFile>> = BTreeMap::new();
        // A companion (`Procfile`, `Gemfile.lock`) is the application's whose file
        // names it, in the directory above `config/`.
        for file in files {
            let root = match file.included_from {
                Some(_) => file.path.parent(),
                None => app_root(&file.path),
            };
            let root = root.map(Path::to_path_buf).unwrap_or_default();
            apps.entry(root).or_default().push(file);
        }
        let mut model = Model::default();
        for (root, files) in apps {
            model.extend(read_app(&root, &files, sources));
        }
        model
    }
}

/// The name of the directory `dir`, if any.
fn dir_name(dir: Option<&Path>) -> Option<&str> {
    dir.and_then(Path::file_name).and_then(|d| d.to_str())
}

/// The environment of a `config/puma/<environment>.rb` file (`production` of
/// `config/puma/production.rb`): the file Puma loads instead of `config/puma.rb` when
/// it runs that environment. Puma loads one config file, the first that exists of
/// `config/puma/<environment>.rb` and `config/puma.rb` (`Configuration#config_files`
/// [PUMA-CFG]).
fn puma_environment_file(path: &Path) -> Option<&str> {
    let puma_dir = path.parent();
    let in_puma_config = dir_name(puma_dir) == Some("puma")
        && dir_name(puma_dir.and_then(Path::parent)) == Some("config");
    let environment = file_name(path)?.strip_suffix(".rb")?;
    (in_puma_config && !environment.is_empty()).then_some(environment)
}

/// The application's `Procfile` (Heroku's, foreman's): the command each process type
/// runs.
const PROCFILE: &str = "Procfile";
/// The application's Bundler lockfile: the versions of its gems.
const GEMFILE_LOCK: &str = "Gemfile.lock";

/// Whether `name` is a Puma config file's in `config/`: `puma.rb`, or another a
/// command's `-C` may name (`puma_production.rb`, `puma-web.rb`, `puma.cluster.rb`).
fn is_puma_config_name(name: &str) -> bool {
    name.starts_with("puma") && name.ends_with(".rb")
}

/// Whether `path` is one of an application's Puma config files: `config/puma*.rb` or
/// `config/puma/<environment>.rb`.
fn is_puma_file(path: &Path) -> bool {
    puma_environment_file(path).is_some()
        || (dir_name(path.parent()) == Some("config")
            && file_name(path).is_some_and(is_puma_config_name))
}

/// The application's directory, the one above `config/`.
fn app_root(path: &Path) -> Option<&Path> {
    let config = path.parent()?;
    let config = if puma_environment_file(path).is_some() {
        config.parent()?
    } else {
        config
    };
    config.parent()
}

/// One file with its text and ERB tags.
struct Source<'a> {
    file: &'a ParsedFile,
    text: &'a str,
    tags: Vec<Tag>,
    /// What each of `tags` evaluates to, once asked ([`Source::evaluation`]).
    evaluated: Vec<OnceCell<(Val<String>, Option<String>)>>,
}

impl<'a> Source<'a> {
    fn new(file: &'a ParsedFile, sources: &'a SourceMap) -> Self {
        let text = sources.get(file.id).map_or("", |f| f.text());
        let tags = erb::tags(text);
        Source {
            file,
            text,
            evaluated: vec![OnceCell::new(); tags.len()],
            tags,
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
        // The first two tags over the value are enough to tell the cases apart.
        let mut overlapping = self
            .tags
            .iter()
            .enumerate()
            .filter(|(_, t)| t.span.start < span.end && span.start < t.span.end);
        match (overlapping.next(), overlapping.next()) {
            (None, _) => match self.doc().text(node) {
                Some(text) => (Val::Known(text.to_owned()), None),
                None => (Val::unknown("not a scalar".into()), None),
            },
            (Some((index, tag)), None) if tag.output && self.is_whole_value(tag, node) => {
                self.evaluation(index, tag)
            }
            _ => (
                Val::unknown("an ERB template poollint does not evaluate".into()),
                None,
            ),
        }
    }

    /// [`evaluate`] of `tag`, the tag at `index`, evaluated once: a tag in an anchored
    /// default (`pool: <%= ENV.fetch(…) { 5 } %>`) is read for every environment that
    /// merges it, several times each.
    fn evaluation(&self, index: usize, tag: &Tag) -> (Val<String>, Option<String>) {
        match self.evaluated.get(index) {
            Some(cell) => cell.get_or_init(|| evaluate(&tag.code)).clone(),
            None => evaluate(&tag.code),
        }
    }

    /// Whether the output `tag` is the whole scalar at `node`, bare or quoted
    /// (`pool: "<%= ENV.fetch("P") { 5 } %>"` renders to the String `"5"`, which
    /// [`Source::typed`] reads as a quoted value).
    fn is_whole_value(&self, tag: &Tag, node: NodeId) -> bool {
        let span = self.doc().span(node);
        let quoted = self.doc().scalar(node).is_some_and(|s| {
            matches!(
                s.style,
                ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted
            )
        });
        tag.span == span
            || (quoted && tag.span.start == span.start + 1 && tag.span.end + 1 == span.end)
    }

    /// The value at `node` as the application reads it from the loaded YAML: a plain
    /// scalar (or an evaluated ERB value, which ERB writes into the YAML) typed as Psych
    /// types it, a quoted one as a String, then turned into a `T` by `read` from the text
    /// written and that Ruby value. A value tagged other than `!!str` is unknown.
    fn typed<T>(
        &self,
        node: NodeId,
        key: &str,
        read: impl Fn(&str, RubyValue) -> Val<T>,
    ) -> Setting<T> {
        let (value, via) = self.value(node);
        let scalar = self.doc().scalar(node);
        let tag = self.doc().tag(node);
        let value = value.and_then(|text| {
            let text = text.trim();
            let typed = match (scalar, tag) {
                (Some(_), Some(tag)) if !tag.ends_with("str") => {
                    return Val::unknown(format!("a value tagged `{tag}`"));
                }
                (Some(s), None) if s.style == ScalarStyle::Plain => psych_plain(text),
                _ => RubyValue::String(text.to_owned()),
            };
            read(text, typed)
        });
        self.written(node, key, value, via)
    }

    /// A count as Active Record reads it from the loaded YAML ([`ruby_count`]).
    fn count(&self, node: NodeId, key: &str, default: i64, what: &str) -> Setting<i64> {
        self.typed(node, key, |raw, value| {
            ruby_count(raw, value, default, what)
        })
    }

    fn setting<T>(
        &self,
        node: NodeId,
        key: &str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Setting<T> {
        let (value, via) = self.value(node);
        let value = value.and_then(|text| {
            let read = parse(text.trim());
            Val::from_result(text, read)
        });
        self.written(node, key, value, via)
    }

    /// `value` as the setting written at `node` under `key`.
    fn written<T>(
        &self,
        node: NodeId,
        key: &str,
        value: Val<T>,
        via: Option<String>,
    ) -> Setting<T> {
        Setting {
            value,
            origin: Origin::File {
                file: self.file.id,
                span: self.doc().span(node),
                key: key.into(),
                via: via.map(Into::into),
            },
        }
    }
}

static ENV_VAR: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r#"ENV(?:\.fetch)?\s*[\[(]\s*["']([A-Za-z0-9_]+)["']"#).ok());
/// The lookups with a default whose default poollint takes, each matching a whole
/// expression (after [`unwrapped`]): `ENV.fetch("X") { 5 }`, `ENV.fetch("X", 5)`;
/// group 1 is the variable, group 2 the default.
static DEFAULT_FORMS: LazyLock<Vec<Regex>> =
    LazyLock::new(|| default_forms(r#"["']?(-?\d+)["']?"#));
/// [`DEFAULT_FORMS`] with a quoted string as the default (`ENV.fetch("X") { "pw" }`):
/// the password a `password:` falls back to.
static STRING_DEFAULT_FORMS: LazyLock<Vec<Regex>> =
    LazyLock::new(|| default_forms(r#"["']([^"']+)["']"#));

/// The `ENV.fetch` forms with a default matching `default` (its group is the value).
fn default_forms(default: &str) -> Vec<Regex> {
    let name = r#"["']([A-Za-z0-9_]+)["']"#;
    [
        format!(r"^ENV\.fetch\(\s*{name}\s*\)\s*\{{\s*{default}\s*\}}$"),
        format!(r"^ENV\.fetch\(\s*{name}\s*,\s*{default}\s*\)$"),
    ]
    .iter()
    .filter_map(|re| Regex::new(re).ok())
    .collect()
}
/// A lookup without a default (`ENV["X"]`, `ENV.fetch("X", nil)`): nil when the
/// variable is unset, so a `||` after it goes on.
static ENV_LOOKUP: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r#"^ENV(?:\[\s*["']([A-Za-z0-9_]+)["']\s*\]|\.fetch\(\s*["']([A-Za-z0-9_]+)["']\s*,\s*nil\s*\))$"#,
    )
    .ok()
});
/// A variable's value, whatever it falls back to when unset: `ENV["X"]`,
/// `ENV.fetch("X")` (which raises when unset), `ENV.fetch("X") { … }`,
/// `ENV.fetch("X", …)`: what a `url:` is when the deployment sets `X`.
static ENV_VALUE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r#"^ENV(?:\[\s*["']([A-Za-z0-9_]+)["']\s*\]|\.fetch\(\s*["']([A-Za-z0-9_]+)["']\s*(?:,[^()]*)?\)(?:\s*\{[^{}]*\})?)$"#,
    )
    .ok()
});
/// A whole number, quoted or not.
static LITERAL: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r#"^["']?(-?\d+)["']?$"#).ok());
/// A non-empty quoted string.
static STRING_LITERAL: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r#"^["']([^"']+)["']$"#).ok());

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
    fetch_default_of(&DEFAULT_FORMS, code)
}

/// (variable, default) of `code` in one of `forms` ([`default_forms`]).
fn fetch_default_of(forms: &[Regex], code: &str) -> Option<(String, String)> {
    forms.iter().find_map(|re| {
        let c = re.captures(code)?;
        Some((c.get(1)?.as_str().to_owned(), c.get(2)?.as_str().to_owned()))
    })
}

/// Whether an ERB value falls back to a string written in the file when its variable
/// is unset (`<%= ENV.fetch("DB_PASSWORD") { "pw" } %>`, `ENV["X"].presence || "pw"`):
/// the forms [`evaluate`] takes a whole-number default from, with a string default.
fn has_erb_string_default(written: &str) -> bool {
    // The value as written: `<%= … %>`, perhaps in YAML quotes.
    let Some(code) = written
        .trim()
        .trim_matches(['"', '\''])
        .strip_prefix("<%=")
        .and_then(|c| c.strip_suffix("%>"))
    else {
        return false;
    };
    let code = unwrapped(code);
    let chain = code.replace(".presence", "");
    fetch_default_of(&STRING_DEFAULT_FORMS, code).is_some()
        || fallback_chain_with(&chain, &STRING_LITERAL, &STRING_DEFAULT_FORMS).is_some()
}

/// `ENV["DB_POOL"] || ENV['MAX_THREADS'] || 5` (Mastodon): lookups without a default
/// joined by `||`, ending in a literal or a lookup with one, whose default is the
/// value when no variable is set; the variables in the order Ruby tries them. None for
/// anything else (a method call or arithmetic in a part).
fn fallback_chain(code: &str) -> Option<(String, Vec<String>)> {
    fallback_chain_with(code, &LITERAL, &DEFAULT_FORMS)
}

/// [`fallback_chain`] with `literal` as the last part's value and `forms` as the
/// lookups with a default it may end in.
fn fallback_chain_with(
    code: &str,
    literal: &Option<Regex>,
    forms: &[Regex],
) -> Option<(String, Vec<String>)> {
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
    let literal = literal
        .as_ref()
        .and_then(|re| re.captures(last))
        .and_then(|c| c.get(1))
        .map(|m| m.as_str().to_owned());
    let default = match literal {
        Some(default) => default,
        None => {
            let (var, default) = fetch_default_of(forms, last)?;
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
    let mut other_environments: Vec<(String, Vec<usize>)> = Vec::new();
    if let Some(file) = named("database.yml") {
        let source = Source::new(file, sources);
        // Passwords outside the databases read below (a template no environment
        // merges, a map that configures no database) are masked too; the credentials
        // rule reports those of the databases.
        model
            .secrets
            .extend(super::document_secrets(file, source.text, &|_| false));
        for (env, pool) in read_database(&source, &mut model) {
            let index = model.pools.len();
            model.pools.push(Box::new(pool));
            if env == RUNTIME_ENV {
                runtime_pools.push(index);
                continue;
            }
            match other_environments.iter_mut().find(|(name, _)| *name == env) {
                Some((_, pools)) => pools.push(index),
                None => other_environments.push((env, vec![index])),
            }
        }
    }
    let scope = crate::source::unit_name(root);
    let puma_of = |environment: &str| {
        files
            .iter()
            .copied()
            .find(|f| puma_environment_file(&f.path) == Some(environment))
    };
    // The web process: Puma with the config file of the environment that runs, unless
    // the Procfile's command names others or sets Puma's options.
    let procfile = named(PROCFILE).and_then(|f| procfile_web(&Source::new(f, sources)));
    let default_file = puma_of(RUNTIME_ENV).or_else(|| named("puma.rb"));
    if default_file.is_some() || procfile.is_some() {
        let server_files = ServerFiles {
            default: default_file.map(|f| f.id),
            ..server_files(root, files, sources)
        };
        let environment = procfile
            .as_ref()
            .and_then(PumaCommand::environment)
            .map_or(RUNTIME_ENV, |e| e.text.as_str());
        let (threads, workers) = puma_runs(&server_files, procfile.as_ref(), Some(environment));
        let mut puma = service(
            format!("{scope} (puma)"),
            runtime_pools.clone(),
            Some(threads),
            Some(workers),
        );
        let mut environments = puma_environments(
            files,
            named("puma.rb").filter(|_| puma_of(RUNTIME_ENV).is_some()),
            sources,
            &other_environments,
        );
        if let Some(command) = &procfile {
            command.fix_environments(&mut environments, &puma);
        }
        puma.environments = Some(Box::new(environments));
        puma.server_files = Some(Box::new(server_files));
        model.services.push(puma);
    }
    if let Some(file) = named("sidekiq.yml") {
        let source = Source::new(file, sources);
        let version = named(GEMFILE_LOCK)
            .and_then(|f| sources.get(f.id))
            .and_then(|f| locked_version(f.text(), "sidekiq"));
        let concurrency = sidekiq_default_concurrency(version);
        let mut sidekiq = service(
            format!("{scope} (sidekiq)"),
            runtime_pools.clone(),
            Some(read_sidekiq(&source, Some(RUNTIME_ENV), concurrency)),
            None,
        );
        sidekiq.environments = Some(Box::new(Environments {
            variables: &SIDEKIQ_ENV_VARIABLES,
            threads: sidekiq_sections(&source, concurrency),
            other_threads: Some(read_sidekiq(&source, None, concurrency)),
            ..environments(&other_environments)
        }));
        model.services.push(sidekiq);
    }
    if model.services.is_empty() && !runtime_pools.is_empty() {
        model
            .services
            .push(service(scope, runtime_pools, None, None));
    }
    for service in &mut model.services {
        if service.environments.is_none() && !other_environments.is_empty() {
            service.environments = Some(Box::new(environments(&other_environments)));
        }
    }
    model
}

/// The Puma options of the `Procfile`'s `web` process (the process type platforms route
/// HTTP to: `web: bundle exec puma -C config/puma.rb`), when it runs Puma. Each line is
/// `name: command`; the command's words are split as a shell splits them.
fn procfile_web(source: &Source) -> Option<PumaCommand> {
    let mut start = 0;
    for line in source.text.split_inclusive('\n') {
        let line_start = start;
        start += line.len();
        let Some(command) = line.strip_prefix("web:") else {
            continue;
        };
        let command_start = line_start + "web:".len();
        let words: Vec<crate::model::CommandWord> =
            super::shell::shell_words(command, super::shell::Quoting::Posix)
                .into_iter()
                .map(|(text, range)| crate::model::CommandWord {
                    text,
                    location: Location {
                        file: source.file.id,
                        span: Span::new(command_start + range.start, command_start + range.end),
                    },
                })
                .collect();
        return puma_command(&words);
    }
    None
}

/// Every Puma config file of the application, by path from its directory, with the
/// `threads` and `workers` each calls ([`puma_calls`]): the files a command's `-C` may
/// name, and those Puma chooses by environment.
fn server_files(root: &Path, files: &[&ParsedFile], sources: &SourceMap) -> ServerFiles {
    let files = files
        .iter()
        .filter(|f| f.included_from.is_none() && is_puma_file(&f.path))
        .map(|f| {
            let relative = f.path.strip_prefix(root).unwrap_or(&f.path);
            let path: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            let (threads, processes) = puma_calls(&Source::new(f, sources));
            ServerFile {
                path: path.join("/"),
                file: f.id,
                threads,
                processes,
            }
        })
        .collect();
    ServerFiles {
        files,
        default: None,
    }
}

impl PumaCommand {
    /// A Procfile's command runs in every environment: what it fixes, Puma runs
    /// whichever environment the deployment names. The files `-C` names, or the one of
    /// the environment `-e` names, fix both threads and processes (`puma`'s, read with
    /// the command); `-t` fixes the threads and `-w` the processes.
    fn fix_environments(&self, environments: &mut Environments, puma: &Service) {
        let files_fixed = self.config.is_some() || self.environment.is_some();
        if files_fixed || self.threads.is_some() {
            environments.threads.clear();
            environments.other_threads.clone_from(&puma.threads);
        }
        if files_fixed || self.workers.is_some() {
            environments.processes.clear();
            environments.other_processes = puma.processes.as_deref().cloned();
        }
    }
}

/// The `major.minor` version of `gem` a Bundler lockfile resolves: its line in the
/// `specs:` of a `GEM`, `PATH` or `GIT` section, indented four spaces (`    sidekiq
/// (6.5.12)`; a dependency's line is indented six, and a platform may follow the
/// version: `(1.2.3-java)`).
fn locked_version(text: &str, gem: &str) -> Option<(u64, u64)> {
    let mut in_specs = false;
    for line in text.lines() {
        let line = line.trim_end();
        if !line.starts_with(' ') {
            in_specs = false;
            continue;
        }
        if line == "  specs:" {
            in_specs = true;
            continue;
        }
        let Some(spec) = line.strip_prefix("    ").filter(|_| in_specs) else {
            continue;
        };
        let Some(version) = spec
            .strip_prefix(gem)
            .and_then(|rest| rest.strip_prefix(" ("))
            .and_then(|rest| rest.strip_suffix(')'))
        else {
            continue;
        };
        let mut parts = version.split(['.', '-']);
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next().and_then(|m| m.parse().ok()).unwrap_or(0);
        return Some((major, minor));
    }
    None
}

/// What a Sidekiq process runs without `concurrency`, by its version.
#[derive(Debug, Clone, Copy)]
struct SidekiqDefault {
    concurrency: i64,
    /// Whether `RAILS_MAX_THREADS`, when set, replaces it (Sidekiq 6+).
    reads_rails_max_threads: bool,
}

/// Sidekiq's default concurrency for the version the lockfile resolves: 25 before
/// 5.2.0, 10 from it (6.x `Sidekiq::DEFAULTS`, `lib/sidekiq.rb`), 5 from 7.0
/// (`Sidekiq::Config::DEFAULTS`, `lib/sidekiq/config.rb`) [SQ-CFG][SQ-CHANGES]; 7's
/// when the version is not known.
fn sidekiq_default_concurrency(version: Option<(u64, u64)>) -> SidekiqDefault {
    let concurrency = match version {
        Some((major, minor)) if major < 5 || (major == 5 && minor < 2) => 25,
        Some((major, _)) if major < 7 => 10,
        _ => SIDEKIQ_CONCURRENCY,
    };
    SidekiqDefault {
        concurrency,
        reads_rails_max_threads: version.is_none_or(|(major, _)| major >= 6),
    }
}

/// The variables naming the environment Rails runs, the first set winning: `RAILS_ENV`,
/// else `RACK_ENV` (`Rails.env`, railties `lib/rails.rb`:
/// https://github.com/rails/rails/blob/main/railties/lib/rails.rb).
const RAILS_ENV_VARIABLES: [&str; 2] = ["RAILS_ENV", "RACK_ENV"];

/// The variables naming the environment a Sidekiq process runs, the first set winning:
/// `APP_ENV` first (`Sidekiq::CLI#set_environment`:
/// `cli_env || ENV["APP_ENV"] || ENV["RAILS_ENV"] || ENV["RACK_ENV"]` [SQ-CLI]); it boots
/// Rails in that environment.
const SIDEKIQ_ENV_VARIABLES: [&str; 3] = ["APP_ENV", "RAILS_ENV", "RACK_ENV"];

/// The environments of a Rails service other than production, with their pools.
fn environments(pools: &[(String, Vec<usize>)]) -> Environments {
    Environments {
        read_with: RUNTIME_ENV,
        variables: &RAILS_ENV_VARIABLES,
        pools: pools.to_vec(),
        threads: Vec::new(),
        other_threads: None,
        processes: Vec::new(),
        other_processes: None,
    }
}

/// The Puma service's other environments: each `config/puma/<environment>.rb` but
/// production's gives that environment's threads and workers, and `config/puma.rb`
/// (`fallback`, when production has a file of its own) those of any environment
/// without one, as Puma loads the first of the two that exists.
fn puma_environments(
    files: &[&ParsedFile],
    fallback: Option<&ParsedFile>,
    sources: &SourceMap,
    pools: &[(String, Vec<usize>)],
) -> Environments {
    let mut environments = environments(pools);
    for file in files {
        let Some(name) = puma_environment_file(&file.path).filter(|n| *n != RUNTIME_ENV) else {
            continue;
        };
        let (threads, workers) = read_puma(&Source::new(file, sources));
        environments
            .threads
            .extend(threads.map(|t| (name.to_owned(), t)));
        environments
            .processes
            .extend(workers.map(|w| (name.to_owned(), w)));
    }
    if let Some(file) = fallback {
        let (threads, workers) = read_puma(&Source::new(file, sources));
        environments.other_threads = threads;
        environments.other_processes = workers;
    }
    environments
}

fn service(
    name: String,
    pools: Vec<usize>,
    threads: Option<Setting<i64>>,
    processes: Option<Setting<i64>>,
) -> Service {
    Service {
        threads,
        processes: processes.map(Box::new),
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
    let reused = alias_targets(doc);
    // An environment (or database) written twice is the last one: Psych assigns each
    // pair in order (`revive_hash` [PSYCH-TO-RUBY]).
    for entry in ruby_entries(doc, root) {
        let Some(env) = doc.text(entry.key) else {
            continue;
        };
        let value = doc.resolve(entry.value);
        if is_template(doc, &reused, env, entry.value) || !doc.is_map(value) {
            continue;
        }
        if is_database_config(doc, value) {
            let pool = read_pool(source, model, (env, PRIMARY), entry.key, value);
            pools.push((env.to_owned(), pool));
        } else {
            for db in ruby_entries(doc, value) {
                let target = doc.resolve(db.value);
                if doc.is_map(target) && is_database_config(doc, target) {
                    let config = doc.text(db.key).unwrap_or("?");
                    let name = format!("{env}.{config}");
                    pools.push((
                        env.to_owned(),
                        read_pool(source, model, (&name, config), db.key, target),
                    ));
                }
            }
        }
    }
    pools
}

/// Whether the top-level entry `env` (its value at `value`) is a template the others
/// reuse (`default: &default` merged with `<<: *default`) rather than an environment.
/// Rails itself reads every top-level key as an environment; one whose anchor another
/// entry merges or aliases is taken for a template, unless it is named like an
/// environment Rails runs (`production: &production` reused by staging is still one).
/// An anchored entry nothing reuses is an environment whatever its name.
/// `reused` holds the nodes an alias points at ([`alias_targets`]).
fn is_template(
    doc: &Document,
    reused: &std::collections::HashSet<NodeId>,
    env: &str,
    value: NodeId,
) -> bool {
    let anchored = doc.anchor(value).is_some();
    anchored && !ENVIRONMENTS.contains(&env) && reused.contains(&value)
}

/// The nodes some alias (`*name`, `<<: *name`) of the document points at.
fn alias_targets(doc: &Document) -> std::collections::HashSet<NodeId> {
    doc.nodes
        .iter()
        .filter_map(|n| match n.kind {
            NodeKind::Alias { target, .. } => target,
            _ => None,
        })
        .collect()
}

/// Most entries [`ruby_entries`] visits through merge keys, and most nested merges it
/// follows: alias bombs stay cheap.
const MAX_RUBY_MERGE_WORK: usize = 10_000;
const MAX_RUBY_MERGE_DEPTH: usize = 32;

/// The entries of a mapping as Ruby's YAML loader assigns them (Psych `revive_hash`
/// [PSYCH-TO-RUBY]), the last of each key only: keys and merge keys in written order,
/// each merge a `hash.merge!` of the merged mapping (of a list `[*a, *b]`, `b` then `a`,
/// so the first listed wins). So a key written before `<<: *base` is overridden by the
/// base's, and one written after it overrides the base's; YAML's merge-key rule (which
/// [`Document::entries`] follows) lets the mapping's own keys win wherever they are.
fn ruby_entries(doc: &Document, map: NodeId) -> Vec<Entry> {
    fn collect(
        doc: &Document,
        map: NodeId,
        depth: usize,
        out: &mut Vec<ResolvedEntry>,
        work: &mut usize,
        budget: &mut MergeBudget,
    ) {
        let Some(NodeKind::Map(entries)) = doc.node(map).map(|n| &n.kind) else {
            return;
        };
        for entry in entries {
            *work += 1;
            // Merged entries also spend the document's budget: a bound per call let
            // every environment of a large file cost the bound.
            let merged = depth > 0;
            if *work > MAX_RUBY_MERGE_WORK || (merged && !budget.spend()) {
                return;
            }
            if !doc.is_merge_key(entry.key) {
                out.push(ResolvedEntry {
                    key: entry.key,
                    value: entry.value,
                    merged,
                });
                continue;
            }
            if depth >= MAX_RUBY_MERGE_DEPTH {
                continue;
            }
            let source = doc.resolve(entry.value);
            match doc.node(source).map(|n| &n.kind) {
                Some(NodeKind::Seq(items)) => {
                    for item in items.iter().rev() {
                        collect(doc, doc.resolve(*item), depth + 1, out, work, budget);
                    }
                }
                _ => collect(doc, source, depth + 1, out, work, budget),
            }
        }
    }
    let map = doc.resolve(map);
    let walk = |budget: &mut MergeBudget| {
        let mut all = Vec::new();
        collect(doc, map, 0, &mut all, &mut 0, budget);
        // The last of each key, where it was assigned last.
        let mut seen = std::collections::HashSet::new();
        let mut last: Vec<ResolvedEntry> = all
            .into_iter()
            .rev()
            .filter(|e| doc.text(e.key).is_none_or(|k| seen.insert(k)))
            .collect();
        last.reverse();
        last
    };
    let entries = if doc.has_merge_key(map) {
        doc.merge_work.walk_once(map, MergeRule::Ruby, walk)
    } else {
        walk(&mut MergeBudget::unshared(&mut 0))
    };
    entries
        .into_iter()
        .map(|e| Entry {
            key: e.key,
            value: e.value,
        })
        .collect()
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

/// Reads one database configuration: `name` is the pool's name (`production`,
/// `production.cache`), `config` Active Record's name for it (`primary` for an
/// environment's only database, else its key).
fn read_pool(
    source: &Source,
    model: &mut Model,
    (name, config): (&str, &str),
    key_node: NodeId,
    map: NodeId,
) -> Pool {
    let doc = source.doc();
    let anchor = source.location(key_node);
    let origin_default = || Origin::Default {
        library: Library::ActiveRecord.name_text(),
        doc: &DOC,
        anchor: Some(anchor),
    };
    let mut values: BTreeMap<&str, NodeId> = BTreeMap::new();
    for entry in ruby_entries(doc, map) {
        let Some(key) = doc.text(entry.key) else {
            continue;
        };
        // Joined, not formatted: one for every key of every database.
        let full = [name, ".", key].concat();
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
            via: via.map(Into::into),
            scope: name.into(),
            precedence: 0,
            reading: None,
        });
        model
            .secrets
            .extend(value_secrets(source, entry.value, key, &full, &value));
        values.insert(key, entry.value);
    }
    let url = values
        .get("url")
        .and_then(|node| UrlParams::of(source, *node));
    if let Some(url) = &url {
        model.entries.extend(url_entries(source, name, url));
    }
    let from_url = |key: &str| url.as_ref().and_then(|u| u.param(key).map(|p| (u, p)));
    let int = |key: &str, default: i64, what: &str| {
        if let Some((url, param)) = from_url(key) {
            return url.setting(source, param, &[name, ".url.", key].concat(), |text| {
                string_count(text, default, what)
            });
        }
        values.get(key).map_or_else(
            || Setting::known(default, origin_default()),
            |node| source.count(*node, &[name, ".", key].concat(), default, what),
        )
    };
    let seconds = |key: &str, default: u64, how: Seconds| {
        if let Some((url, param)) = from_url(key) {
            return url.setting(source, param, &[name, ".url.", key].concat(), |text| {
                ruby_seconds(text, RubyValue::String(text.to_owned()), how)
            });
        }
        values.get(key).map_or_else(
            || Setting::known(Duration::from_secs(default), origin_default()),
            |node| {
                source.typed(*node, &[name, ".", key].concat(), |raw, value| {
                    ruby_seconds(raw, value, how)
                })
            },
        )
    };
    let max = match values.get("max_connections") {
        // The URL's query parameters win over the keys beside it.
        _ if from_url("max_connections").is_some() => int("max_connections", POOL, "the pool"),
        _ if from_url("pool").is_some() => int("pool", POOL, "the pool"),
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
        Some(_) => int("max_connections", POOL, "the pool"),
        None => int("pool", POOL, "the pool"),
    };
    // `min_connections` and `max_connections` exist only from Rails 8.1, whose pool pings
    // idle connections every `keepalive` (600 s by default); before 8.1 nothing does.
    let runs_rails_8_1 = ["min_connections", "max_connections"]
        .iter()
        .any(|k| values.contains_key(*k) || from_url(k).is_some());
    let keys = key_connection(source, name, &values, anchor);
    let connection = match values.get("url") {
        Some(node) => match url_info(source, *node, &format!("{name}.url")) {
            Some(url) => Some(over_keys(url, keys.as_ref())),
            // A URL poollint cannot read (ERB) may name any host: only the adapter is known.
            None => keys.map(|keys| ConnectionInfo {
                host: None,
                database: None,
                user: None,
                ..keys
            }),
        },
        None => keys,
    };
    Pool {
        name: name.to_owned(),
        library: Library::ActiveRecord,
        ecosystem: Ecosystem::Rails,
        profile: Some(profile_of(name).to_owned()),
        anchor: Some(anchor),
        max,
        min: int("min_connections", 0, "min_connections"),
        acquire_timeout: seconds(
            "checkout_timeout",
            CHECKOUT_TIMEOUT,
            Seconds::OrDefault(CHECKOUT_TIMEOUT),
        ),
        idle_timeout: reaped_idle_timeout(
            seconds("idle_timeout", IDLE_TIMEOUT, Seconds::Fetch),
            (values.contains_key("reaping_frequency") || from_url("reaping_frequency").is_some())
                .then(|| seconds("reaping_frequency", REAPING_FREQUENCY, Seconds::Fetch)),
        ),
        max_lifetime: seconds("max_age", 0, Seconds::Whole),
        keepalive: if runs_rails_8_1
            && !values.contains_key("keepalive")
            && from_url("keepalive").is_none()
        {
            Setting::known(
                Duration::from_secs(KEEPALIVE_8_1),
                Origin::Default {
                    library: &"Active Record 8.1",
                    doc: &DOC,
                    anchor: Some(anchor),
                },
            )
        } else {
            seconds("keepalive", 0, Seconds::OrDefault(KEEPALIVE_8_1))
        },
        validate_on_borrow: None,
        validation_timeout_written: None,
        leak_detection_threshold_written: None,
        auto_commit: None,
        connection: connection.map(Box::new),
        driver_properties: if uses_postgresql(source, &values, url.as_ref()) {
            session_feature_switches(source, name, &values, url.as_ref(), anchor)
        } else {
            NamedSettings::new()
        },
        session_variables: values
            .get("variables")
            .map(|node| variables(source, name, *node))
            .unwrap_or_default(),
        init_sql_written: false,
        username_written: None,
        class_settings: ClassSettings::default(),
        // Only the environment that runs is merged with the process's variables: the
        // service's pools are that environment's (see `Service::environments`).
        url_variables: url_variables(source, config, values.get("url").copied()),
    }
}

/// The connection a database configuration without `url:` names with its keys: the
/// engine its `adapter` names (a `sqlite3` or `mysql2` pool is no client of a
/// PostgreSQL database), `host`, `database` and `username`, which PgBouncer's
/// per-database and per-user settings and the inference of the database it uses read
/// (as they read a URL's). None when it names none of them.
fn key_connection(
    source: &Source,
    name: &str,
    values: &BTreeMap<&str, NodeId>,
    anchor: Location,
) -> Option<ConnectionInfo> {
    let text = |key: &str| {
        let node = values.get(key)?;
        source.value(*node).0.known().map(|t| t.trim().to_owned())
    };
    let engine = text("adapter").map(|adapter| {
        if is_postgresql_adapter(&adapter) {
            "postgresql".to_owned()
        } else {
            adapter
        }
    });
    let host = values
        .get("host")
        .map(|node| source.setting(*node, &format!("{name}.host"), |t| Ok(t.to_owned())));
    let database = text("database");
    let user = text("username");
    if engine.is_none() && host.is_none() && database.is_none() && user.is_none() {
        return None;
    }
    Some(ConnectionInfo {
        engine: engine.map(Into::into),
        host,
        database,
        user,
        params: NamedSettings::new(),
        location: Some(anchor),
        options: None,
    })
}

/// A URL's connection merged over the keys beside it, as Active Record merges the URL's
/// hash over them (`UrlConfig`, blank parts dropped [RAILS-DBCONFIG]): the URL's host,
/// database and user win, and the keys give those it lacks.
fn over_keys(url: ConnectionInfo, keys: Option<&ConnectionInfo>) -> ConnectionInfo {
    let Some(keys) = keys else {
        return url;
    };
    ConnectionInfo {
        engine: url.engine.or_else(|| keys.engine.clone()),
        host: url.host.or_else(|| keys.host.clone()),
        database: url.database.or_else(|| keys.database.clone()),
        user: url.user.or_else(|| keys.user.clone()),
        ..url
    }
}

/// True when Active Record connects with its PostgreSQL adapter: the adapter a literal
/// `url:` names (an `adapter` parameter, else its scheme: the URL's hash is merged over
/// the keys beside it [RAILS-URL]), else the `adapter` key.
fn uses_postgresql(
    source: &Source,
    values: &BTreeMap<&str, NodeId>,
    url: Option<&UrlParams>,
) -> bool {
    let from_url = url.and_then(|url| {
        url.param("adapter")
            .map(|p| p.value.clone())
            .or_else(|| url.scheme.as_ref().map(|(scheme, _)| scheme.clone()))
    });
    let adapter = from_url.or_else(|| {
        let node = values.get("adapter")?;
        source.value(*node).0.known().cloned()
    });
    adapter.is_some_and(|a| is_postgresql_adapter(&a))
}

/// The PostgreSQL adapter's switches for the session features transaction pooling
/// breaks, `advisory_locks` (migrations take session advisory locks) and
/// `prepared_statements`, as `"true"` or `"false"`: both are on unless set, and the
/// adapter turns one off only for `false` or the String `"false"`
/// (`type_cast_config_to_boolean`) or nil (falsy), so `no` and `off`, which Psych
/// reads as `false`, turn it off and `"no"` does not (`AbstractAdapter#initialize`
/// [RAILS-ADAPTER]). A URL parameter wins over the key beside it. Unset, each points at
/// what turns it on: `prepared_statements` at the adapter (the `adapter` key, else the
/// URL), `advisory_locks` at the database's key (`anchor`), so the two are told apart.
fn session_feature_switches(
    source: &Source,
    name: &str,
    values: &BTreeMap<&str, NodeId>,
    url: Option<&UrlParams>,
    anchor: Location,
) -> NamedSettings {
    // The URL names the adapter when it has a scheme or an `adapter` parameter, and
    // then wins over the key ([`uses_postgresql`]).
    let url_at = url
        .filter(|url| url.scheme.is_some() || url.param("adapter").is_some())
        .map(|url| Location {
            file: source.file.id,
            span: url.span,
        });
    let adapter_at = url_at.or_else(|| values.get("adapter").map(|node| source.location(*node)));
    let default = |key: &str| switch_default(key, adapter_at.or(Some(anchor)), Some(anchor));
    // Ruby truthiness (nil and false are false, the String "false" is true) of a key or
    // URL parameter, None when not written or not known.
    let ruby_truthy = |key: &str| {
        let value = match url.and_then(|u| u.param(key)) {
            Some(param) => RubyValue::String(param.value.clone()),
            None => {
                let setting = source.typed(*values.get(key)?, key, |_, v| Val::Known(v));
                setting.get()?.clone()
            }
        };
        Some(!matches!(value, RubyValue::False | RubyValue::Nil))
    };
    // Only a database Rails migrates takes migrations' advisory locks
    // (`HashConfig#database_tasks?`: not a replica, `database_tasks` not false).
    let migrated =
        ruby_truthy("replica") != Some(true) && ruby_truthy("database_tasks") != Some(false);
    SESSION_FEATURE_SWITCHES
        .into_iter()
        .map(|key| {
            // A database Rails never migrates takes no advisory locks: recorded as off,
            // so a deployment's URL merged later does not turn the default back on.
            if key == "advisory_locks" && !migrated {
                return (
                    key.to_owned(),
                    Setting::known("false".to_owned(), default(key)),
                );
            }
            let param = url.and_then(|u| u.param(key).map(|p| (u, p)));
            let setting = match (param, values.get(key)) {
                (Some((url, param)), _) => {
                    url.setting(source, param, &[name, ".url.", key].concat(), |text| {
                        truthy(RubyValue::String(text.to_owned()))
                    })
                }
                (None, Some(node)) => {
                    source.typed(*node, &[name, ".", key].concat(), |_, value| truthy(value))
                }
                (None, None) => Setting::known("true".to_owned(), default(key)),
            };
            (key.to_owned(), setting)
        })
        .collect()
}

/// Where a session feature switch left unset comes from: Active Record's default,
/// pointing at what turns it on, the adapter for `prepared_statements` and the
/// database for `advisory_locks` (so the two findings are told apart).
fn switch_default(
    key: &str,
    adapter_at: Option<Location>,
    database_at: Option<Location>,
) -> Origin {
    Origin::Default {
        library: Library::ActiveRecord.name_text(),
        doc: &DOC,
        anchor: if key == "prepared_statements" {
            adapter_at
        } else {
            database_at
        },
    }
}

/// The PostgreSQL adapter's switches [`session_feature_switches`] reads.
const SESSION_FEATURE_SWITCHES: [&str; 2] = ["advisory_locks", "prepared_statements"];

/// A session feature switch as the adapter reads it: off only for `false`, the String
/// `"false"` or nil [RAILS-ADAPTER].
fn truthy(value: RubyValue) -> Val<String> {
    let off = match &value {
        RubyValue::False | RubyValue::Nil => true,
        RubyValue::String(text) => text == "false",
        _ => false,
    };
    Val::Known(if off { "false" } else { "true" }.to_owned())
}

/// Whether an adapter name is Active Record's PostgreSQL adapter.
fn is_postgresql_adapter(adapter: &str) -> bool {
    matches!(adapter.trim(), "postgresql" | "postgres" | "postgis")
}

/// The environment of the pool `name` (`production` of `production.cache`).
fn profile_of(name: &str) -> &str {
    name.split('.').next().unwrap_or(name)
}

/// Active Record's name for an environment's only database (a two-tier configuration).
const PRIMARY: &str = "primary";

/// The variables whose value the database's URL is when the process's environment sets
/// one ([`Pool::url_variables`]). Without `url:`, Active Record merges
/// `<CONFIG>_DATABASE_URL`, and for the `primary` configuration then `DATABASE_URL`,
/// over the environment's keys (`DatabaseConfigurations#merge_db_environment_variables`
/// and `#environment_value_for` [RAILS-DBCONFIG]); a `url:` key makes the configuration
/// a `UrlConfig`, which those variables leave alone, so only a `url:` that is exactly a
/// variable's value (`<%= ENV["DATABASE_URL"] %>`, `<%= ENV.fetch("DATABASE_URL") %>`,
/// with or without a default: [`ENV_VALUE`]) takes that variable's.
fn url_variables(source: &Source, config: &str, url: Option<NodeId>) -> Option<UrlVariables> {
    let Some(node) = url else {
        let own = format!("{}_DATABASE_URL", config.to_ascii_uppercase());
        let variables = match config {
            PRIMARY => vec![own, "DATABASE_URL".to_owned()],
            _ => vec![own],
        };
        return Some(UrlVariables::new(variables));
    };
    let tag = source
        .tags
        .iter()
        .find(|t| t.output && source.is_whole_value(t, node))?;
    let lookup = ENV_VALUE.as_ref()?.captures(tag.code.trim())?;
    let variable = lookup.get(1).or_else(|| lookup.get(2))?.as_str();
    Some(UrlVariables::new(vec![variable.to_owned()]))
}

/// The database Active Record builds from the deployment's URL alone, for an
/// environment `database.yml` configures no database for (`RAILS_ENV=staging` beside
/// only `production:`): `DatabaseConfigurations#build_configs` adds
/// `environment_url_config(env, "primary", {})`, `PRIMARY_DATABASE_URL` else
/// `DATABASE_URL`, with Active Record's defaults for what the URL does not set. None
/// when neither is set, or the value is not known (a Secret's): how large its pool is
/// cannot be told.
pub(crate) fn url_only_pool(environment: &str, vars: &[crate::model::EnvVar]) -> Option<Pool> {
    let var = ["PRIMARY_DATABASE_URL", "DATABASE_URL"]
        .iter()
        .find_map(|name| crate::model::EnvVar::last_named(vars, name))
        .filter(|var| super::environment_url(var).is_ok())?;
    let anchor = var.value_location;
    let default = || Origin::Default {
        library: Library::ActiveRecord.name_text(),
        doc: &DOC,
        anchor: Some(anchor),
    };
    let seconds = |secs: u64| Setting::known(Duration::from_secs(secs), default());
    let blank = Pool {
        name: environment.to_owned(),
        library: Library::ActiveRecord,
        ecosystem: Ecosystem::Rails,
        profile: Some(environment.to_owned()),
        anchor: Some(anchor),
        max: Setting::known(POOL, default()),
        min: Setting::known(0, default()),
        acquire_timeout: seconds(CHECKOUT_TIMEOUT),
        idle_timeout: seconds(IDLE_TIMEOUT),
        max_lifetime: seconds(0),
        keepalive: seconds(0),
        validate_on_borrow: None,
        validation_timeout_written: None,
        leak_detection_threshold_written: None,
        auto_commit: None,
        connection: None,
        driver_properties: NamedSettings::new(),
        session_variables: NamedSettings::new(),
        init_sql_written: false,
        username_written: None,
        class_settings: ClassSettings::default(),
        url_variables: None,
    };
    Some(with_environment_url(&blank, var))
}

/// The database configuration `base` with the URL the deployment's `var` sets merged
/// over its keys, as Active Record merges `DATABASE_URL` (`UrlConfig#initialize`:
/// `configuration_hash.merge(build_url_hash)` [RAILS-DBCONFIG]): the URL's parameters
/// (`?pool=10`, `max_connections`, `checkout_timeout`, …) replace the keys of the same
/// name, each pointing at its text in the deployment file, and the keys the URL does not
/// name stay; a blank parameter is dropped first (`ConnectionUrlResolver#to_hash`:
/// `compact_blank` [RAILS-URL]). A value the files do not give (a Secret's, `${VAR}`
/// without a default) overrides nothing, as an `envFrom` object not among the files
/// does not: such a URL is the host and credentials, and a `?pool=` in it is rare, so
/// the files' keys stay (a `pool:` sized below the threads is still reported).
pub(crate) fn with_environment_url(base: &Pool, var: &crate::model::EnvVar) -> Pool {
    let mut pool = base.clone();
    let whole = var.value_location;
    let key = format!("env.{}", var.name);
    // Active Record keeps such a URL as `url:` without reading its parts
    // (`UrlConfig#build_url_hash`).
    if ["jdbc:", "http:", "https:"]
        .iter()
        .any(|scheme| var.value.starts_with(scheme))
    {
        return pool;
    }
    let Ok(parsed) = super::environment_url(var) else {
        return pool;
    };
    let url = EnvironmentUrl {
        var,
        map: var.text_map(),
        key,
        parsed,
    };
    if let Some(max) = url
        .setting("max_connections", |t| string_count(t, POOL, "the pool"))
        .or_else(|| url.setting("pool", |t| string_count(t, POOL, "the pool")))
    {
        pool.max = max;
    }
    if let Some(min) = url.setting("min_connections", |t| string_count(t, 0, "min_connections")) {
        pool.min = min;
    }
    let seconds = |name: &str, how: Seconds| {
        url.setting(name, |t| {
            ruby_seconds(t, RubyValue::String(t.to_owned()), how)
        })
    };
    let durations = [
        (
            "checkout_timeout",
            Seconds::OrDefault(CHECKOUT_TIMEOUT),
            &mut pool.acquire_timeout,
        ),
        ("idle_timeout", Seconds::Fetch, &mut pool.idle_timeout),
        ("max_age", Seconds::Whole, &mut pool.max_lifetime),
        (
            "keepalive",
            Seconds::OrDefault(KEEPALIVE_8_1),
            &mut pool.keepalive,
        ),
    ];
    for (name, how, target) in durations {
        if let Some(setting) = seconds(name, how) {
            *target = setting;
        }
    }
    let idle = pool.idle_timeout.clone();
    pool.idle_timeout = reaped_idle_timeout(idle, seconds("reaping_frequency", Seconds::Fetch));
    // A Rails 8.1 key the URL adds makes the 8.1 pool's keepalive default apply.
    let runs_rails_8_1 = ["min_connections", "max_connections"]
        .iter()
        .any(|name| url.param(name).is_some());
    if runs_rails_8_1 && url.param("keepalive").is_none() && !pool.keepalive.is_explicit() {
        pool.keepalive = Setting::known(
            Duration::from_secs(KEEPALIVE_8_1),
            Origin::Default {
                library: &"Active Record 8.1",
                doc: &DOC,
                anchor: pool.anchor,
            },
        );
    }
    session_feature_switches_from_url(&mut pool, &url);
    let EnvironmentUrl {
        parsed, map, key, ..
    } = url;
    let url = super::url_connection(parsed, whole, map, &key);
    pool.connection = Some(Box::new(over_keys(url, base.connection.as_deref())));
    pool
}

/// The PostgreSQL adapter's session feature switches once the deployment's URL is
/// merged ([`session_feature_switches`]): the adapter the URL names (an `adapter`
/// parameter, else its scheme) replaces the file's, a switch the URL sets wins over the
/// key, and without the PostgreSQL adapter there are none.
fn session_feature_switches_from_url(pool: &mut Pool, url: &EnvironmentUrl) {
    let scheme = url.var.value.split_once("://").map(|(scheme, _)| scheme);
    let adapter = url.param("adapter").map(|p| p.value.as_str()).or(scheme);
    if !adapter.is_some_and(is_postgresql_adapter) {
        for key in SESSION_FEATURE_SWITCHES {
            pool.driver_properties.remove(key);
        }
        return;
    }
    let at = url.var.value_location;
    for key in SESSION_FEATURE_SWITCHES {
        if let Some(setting) = url.setting(key, |text| truthy(RubyValue::String(text.to_owned()))) {
            pool.driver_properties.insert(key.to_owned(), setting);
        } else if !pool.driver_properties.contains_key(key) {
            // The file named another adapter: the switch is on, as the URL's adapter
            // (`prepared_statements`) or the database (`advisory_locks`) has it.
            let origin = switch_default(key, Some(at), pool.anchor);
            pool.driver_properties
                .insert(key.to_owned(), Setting::known("true".to_owned(), origin));
        }
    }
}

/// A deployment variable's URL, parsed, with where its parts are written.
struct EnvironmentUrl<'a> {
    var: &'a crate::model::EnvVar,
    map: crate::model::TextMap,
    /// `env.NAME`, which each parameter's key extends (`env.DATABASE_URL?pool`).
    key: String,
    parsed: connection_string::ParsedConnection,
}

impl EnvironmentUrl<'_> {
    /// The last parameter named exactly `name` (Ruby hash keys keep their case), unless
    /// it is blank, which Active Record drops.
    fn param(&self, name: &str) -> Option<&connection_string::Param> {
        self.parsed
            .params
            .iter()
            .rev()
            .find(|p| p.name == name)
            .filter(|p| !p.value.trim().is_empty())
    }

    /// The parameter `name` read by `read` (a String, as the URL gives it), located in
    /// the deployment file. A part the files do not give (`${VAR}`) is unknown.
    fn setting<T>(&self, name: &str, read: impl Fn(&str) -> Val<T>) -> Option<Setting<T>> {
        let param = self.param(name)?;
        let text = param.value.trim();
        let value = if text.contains("${") {
            Val::unknown(format!(
                "the deployment's {} sets {name} through a variable the files do not give",
                self.var.name
            ))
        } else {
            read(text)
        };
        let at = self.var.value_location;
        Some(Setting {
            value,
            origin: Origin::File {
                file: at.file,
                span: self.map.span(at.span, param.value_range.clone()),
                key: format!("{}?{name}", self.key).into(),
                via: None,
            },
        })
    }
}

/// `variables:`, the session settings Active Record sets on every new connection
/// (`statement_timeout: 5s`), by lower-cased name. A variable set to `:default` (`SET
/// SESSION k TO DEFAULT`: the server's own value) or to nil (`~`, skipped) sets no value
/// of its own and is left out (the PostgreSQL and MySQL adapters' `configure_connection`
/// [RAILS-PG-ADAPTER]), so the server's setting is what counts.
fn variables(source: &Source, name: &str, map: NodeId) -> NamedSettings {
    let doc = source.doc();
    ruby_entries(doc, map)
        .into_iter()
        .filter_map(|entry| {
            let key = doc.text(entry.key)?;
            if sets_no_value(source, entry.value) {
                return None;
            }
            let full = format!("{name}.variables.{key}");
            let setting = source.setting(entry.value, &full, |t| Ok(t.to_owned()));
            Some((key.to_ascii_lowercase(), setting))
        })
        .collect()
}

/// True for a `variables:` value the adapters turn into no value of their own: `:default`
/// (the Symbol or the String) and nil.
fn sets_no_value(source: &Source, node: NodeId) -> bool {
    let (Val::Known(text), _) = source.value(node) else {
        return false;
    };
    let text = text.trim();
    let plain = source.doc().is_plain_untagged(node);
    text == ":default"
        || (plain && matches!(text, ":\"default\"" | ":'default'"))
        || (plain && psych_plain(text) == RubyValue::Nil)
}

/// A YAML scalar as Ruby's YAML loader (Psych, YAML 1.1) gives it to Active Record, as
/// far as a count needs: `Psych::ScalarScanner#tokenize` for a plain scalar, a String
/// for a quoted one [PSYCH-SCALAR].
#[derive(Debug, Clone, PartialEq)]
enum RubyValue {
    /// `~`, `null`, an empty value: `(nil || 5).to_i` is the default.
    Nil,
    /// `false`, `no`, `off`: `(false || 5).to_i` is the default too.
    False,
    /// Saturated beyond `i128`: any of those is beyond a 64-bit count.
    Integer(i128),
    Float(f64),
    String(String),
    /// Something else (`true`, a Symbol, a Date): Ruby has no `to_i` for most; poollint
    /// does not say what Active Record does with it.
    Other(&'static str),
}

/// `ScalarScanner` checks this first: text starting like a word is a String (or, when
/// short, a null or a boolean), never a number.
static PSYCH_WORD: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"^[^0-9.:\-]?[\p{Alphabetic}_ \t\r\n\f\v!@#$%^&*(){}<>|/\\~;=]+").ok()
});
static PSYCH_TIME: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"^-?[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}:?(?:[0-9][0-9])?))?$").ok()
});
static PSYCH_DATE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"^[0-9]{4}-(?:1[012]|0[0-9]|[0-9])-(?:[12][0-9]|3[01]|0[0-9]|[0-9])$").ok()
});
static PSYCH_SEXAGESIMAL_INT: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^[-+]?[0-9][0-9_]*(:[0-5]?[0-9]){1,2}$").ok());
static PSYCH_SEXAGESIMAL_FLOAT: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^[-+]?[0-9][0-9_]*(:[0-5]?[0-9]){1,2}\.[0-9_]*$").ok());
static PSYCH_FLOAT: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^[-+]?(?:[0-9][0-9_,]*)?\.[0-9]*(?:[eE][-+][0-9]+)?$").ok());
/// Psych's `INTEGER` (with the commas it keeps for backward compatibility).
static PSYCH_INTEGER: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"^(?:[-+]?0b[0-1_,]+|[-+]?0[0-7_,]+|[-+]?(?:0|[1-9](?:[0-9]|,[0-9]|_[0-9])*)|[-+]?0x[0-9a-fA-F_,]+)$").ok()
});

fn matches(re: &LazyLock<Option<Regex>>, text: &str) -> bool {
    re.as_ref().is_some_and(|re| re.is_match(text))
}

/// Whether `node` is a plain scalar Psych loads as nil (empty, `~`, `null`).
fn is_plain_nil(doc: &Document, node: NodeId) -> bool {
    doc.scalar(node).is_some_and(|s| {
        s.style == ScalarStyle::Plain && matches!(psych_plain(&s.text), RubyValue::Nil)
    })
}

/// A plain scalar as `Psych::ScalarScanner#tokenize` types it: `10.0` a Float, `1_0`
/// and `1,000` Integers, `0x10` 16, `010` octal 8, `0b1010` 10, `1:30` base 60 (Psych
/// reads two groups as hours and minutes: 5400), `1e3` and `09` Strings.
fn psych_plain(text: &str) -> RubyValue {
    if text.is_empty() {
        return RubyValue::Nil;
    }
    // Most values are decimal whole numbers (`pool: 5`), which only `INTEGER` matches:
    // read without running the patterns before it.
    if is_plain_decimal(text) {
        return psych_integer(text);
    }
    if matches(&PSYCH_WORD, text) || text.contains('\n') {
        let lower = text.to_ascii_lowercase();
        return match lower.as_str() {
            _ if text.chars().count() > 5 => RubyValue::String(text.to_owned()),
            "~" | "null" => RubyValue::Nil,
            "no" | "false" | "off" => RubyValue::False,
            "yes" | "true" | "on" => RubyValue::Other("true"),
            _ => RubyValue::String(text.to_owned()),
        };
    }
    let lower = text.to_ascii_lowercase();
    if matches(&PSYCH_TIME, text) {
        RubyValue::Other("a Time")
    } else if matches(&PSYCH_DATE, text) {
        RubyValue::Other("a Date")
    } else if matches!(lower.as_str(), ".inf" | "+.inf") {
        RubyValue::Float(f64::INFINITY)
    } else if lower == "-.inf" {
        RubyValue::Float(f64::NEG_INFINITY)
    } else if lower == ".nan" {
        RubyValue::Float(f64::NAN)
    } else if text.starts_with(':') && text.len() > 1 {
        RubyValue::Other("a Symbol")
    } else if matches(&PSYCH_SEXAGESIMAL_INT, text) {
        // `i += n.to_i * 60 ** (e - 2).abs` for each group `n` at index `e`.
        let mut total: i128 = 0;
        for (e, group) in text.split(':').enumerate() {
            let scale = 60_i128.pow(u32::try_from(e.abs_diff(2)).unwrap_or(0));
            total = total.saturating_add(ruby_string_to_i(group).saturating_mul(scale));
        }
        RubyValue::Integer(total)
    } else if matches(&PSYCH_SEXAGESIMAL_FLOAT, text) {
        let mut total = 0.0;
        for (e, group) in text.split(':').enumerate() {
            let scale = 60_f64.powi(i32::try_from(e.abs_diff(2)).unwrap_or(0));
            total += group.replace('_', "").parse::<f64>().unwrap_or(0.0) * scale;
        }
        RubyValue::Float(total)
    } else if matches(&PSYCH_FLOAT, text) {
        if matches!(text, "." | "+." | "-.") {
            return RubyValue::String(text.to_owned());
        }
        // `Float(string.gsub(/[,_]|\.([Ee]|$)/, '\1'))`.
        let cleaned: String = text.chars().filter(|c| !matches!(c, ',' | '_')).collect();
        let cleaned = cleaned
            .replace(".e", "e")
            .replace(".E", "E")
            .trim_end_matches('.')
            .to_owned();
        cleaned.parse::<f64>().map_or(
            RubyValue::Other("a value Psych cannot load"),
            RubyValue::Float,
        )
    } else if matches(&PSYCH_INTEGER, text) {
        psych_integer(text)
    } else {
        RubyValue::String(text.to_owned())
    }
}

/// A sign or none, then digits without a leading `0` (or `0` alone): `PSYCH_WORD` does
/// not match it (no letter or symbol follows the sign), nor any pattern with `-` inside,
/// `:`, `.` or a leading `0`, so Psych reads it as a decimal `INTEGER`.
fn is_plain_decimal(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
}

/// A text `PSYCH_INTEGER` matches as Psych reads it: `Integer(string.gsub(/[,_]/,
/// ''))`, where a sign, then `0b`, `0x` or a leading `0` (octal) choose the radix.
fn psych_integer(text: &str) -> RubyValue {
    let cleaned: String = text.chars().filter(|c| !matches!(c, ',' | '_')).collect();
    let (negative, unsigned) = match cleaned.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, cleaned.strip_prefix('+').unwrap_or(&cleaned)),
    };
    let (radix, digits) = if let Some(d) = unsigned.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = unsigned.strip_prefix("0b") {
        (2, d)
    } else if let Some(d) = unsigned.strip_prefix('0').filter(|d| !d.is_empty()) {
        (8, d)
    } else {
        (10, unsigned)
    };
    if digits.is_empty() {
        return RubyValue::Other("a value Psych cannot load");
    }
    let magnitude = i128::from_str_radix(digits, radix).unwrap_or(i128::MAX);
    RubyValue::Integer(if negative { -magnitude } else { magnitude })
}

/// Ruby's `String#to_i`: leading whitespace, a sign, then digits with single `_`
/// between them; 0 when there are none (`ten`), saturated beyond `i128`.
fn ruby_string_to_i(text: &str) -> i128 {
    let text = text.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    let (negative, rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let mut value: i128 = 0;
    let mut previous_digit = false;
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        if let Some(d) = c.to_digit(10) {
            value = value.saturating_mul(10).saturating_add(i128::from(d));
            previous_digit = true;
        } else if c == '_' && previous_digit && chars.peek().is_some_and(char::is_ascii_digit) {
            previous_digit = false;
        } else {
            break;
        }
    }
    if negative {
        -value
    } else {
        value
    }
}

/// A count (`pool`, `max_connections`, `min_connections`) as Active Record reads it:
/// `(value || default).to_i` (`HashConfig#pool` [RAILS-HASH]) of the value the YAML
/// loader gave. An Integer is itself (a whole number beyond 64 bits stays a Ruby
/// Integer, so `what` has no effective limit), a Float is truncated (`10.0` is 10), a
/// String is read as its leading integer (`ten` as 0, `"2.5"` as 2) without an error;
/// a value read as another number than the one written is invalid with that reason.
fn ruby_count(raw: &str, value: RubyValue, default: i64, what: &str) -> Val<i64> {
    let beyond = || {
        Val::invalid(
            raw.to_owned(),
            format!("Active Record's `to_i` keeps a number this large, so {what} has no effective limit (the database's max_connections is the only one)"),
        )
    };
    let misread = |read: i64| {
        let effect = if read < 1 && what == "the pool" {
            "a pool of no connections: every checkout waits checkout_timeout and raises ActiveRecord::ConnectionTimeoutError"
        } else {
            "not the number written"
        };
        Val::invalid(
            raw.to_owned(),
            format!("Active Record reads it with `to_i` as {read}, without an error: {effect}"),
        )
    };
    match value {
        RubyValue::Nil | RubyValue::False => Val::Known(default),
        RubyValue::Integer(n) => i64::try_from(n).map_or_else(|_| beyond(), Val::Known),
        RubyValue::Float(f) if !f.is_finite() => Val::invalid(
            raw.to_owned(),
            "Ruby's `Float#to_i` raises FloatDomainError for it, so Active Record cannot create the pool".into(),
        ),
        RubyValue::Float(f) => {
            let whole = f.trunc();
            if whole.abs() >= 9.2e18 {
                return beyond();
            }
            // In range: the cast truncates nothing more.
            let read = whole as i64;
            if whole == f {
                Val::Known(read)
            } else {
                misread(read)
            }
        }
        RubyValue::String(text) => {
            let read = ruby_string_to_i(&text);
            let Ok(read) = i64::try_from(read) else {
                return beyond();
            };
            // `"10"`, `"1_000"` and `"10.0"` are read as written.
            let written = text.trim().replace('_', "").parse::<f64>().ok();
            if written.is_some_and(|w| w == read as f64) {
                Val::Known(read)
            } else {
                misread(read)
            }
        }
        RubyValue::Other(kind) => Val::unknown(format!(
            "YAML loads `{raw}` as {kind}, which poollint does not read as a count"
        )),
    }
}

/// A count passed as text (a `url:` query parameter): a Ruby String.
fn string_count(text: &str, default: i64, what: &str) -> Val<i64> {
    ruby_count(text, RubyValue::String(text.to_owned()), default, what)
}

/// The pool's `idle_timeout` as it runs: only the reaper closes idle connections
/// (`flush`), and a `reaping_frequency` of 0, nil or below (`fetch(:reaping_frequency,
/// 60)&.to_f` [RAILS-HASH]) starts no reaper ("A reaper instantiated with a zero
/// frequency will never reap the connection pool", `Reaper#run`: `return unless
/// frequency && frequency > 0`, rails/rails
/// `activerecord/lib/active_record/connection_adapters/abstract/connection_pool/reaper.rb`):
/// idle connections are then never closed, whatever `idle_timeout` says, read as no
/// idle timeout at `reaping_frequency`. A running reaper's delay (up to one period
/// past `idle_timeout`) is not added. A `reaping_frequency` Active Record refuses
/// (`false&.to_f` raises NoMethodError) or misreads is the setting too, invalid, so
/// that it is reported (after an invalid `idle_timeout`, which is reported first).
fn reaped_idle_timeout(
    idle: Setting<Duration>,
    reaping: Option<Setting<Duration>>,
) -> Setting<Duration> {
    match reaping {
        _ if matches!(idle.value, Val::Invalid(_)) => idle,
        Some(reaping)
            if matches!(reaping.value, Val::Invalid(_))
                || reaping.value == Val::Known(Duration::ZERO) =>
        {
            reaping
        }
        _ => idle,
    }
}

/// How Active Record turns a duration key's value into seconds (`HashConfig`, Rails
/// 8.1.1 [RAILS-HASH]).
#[derive(Debug, Clone, Copy)]
enum Seconds {
    /// `(value || default).to_f`: nil and false are the default (`checkout_timeout`,
    /// `keepalive`).
    OrDefault(u64),
    /// `fetch(key, default).to_f`: a nil written is 0.0, no limit; false has no `to_f`
    /// (`idle_timeout`).
    Fetch,
    /// `value&.to_i`: nil is no limit; whole seconds (`max_age`).
    Whole,
}

/// A duration as Active Record reads it ([`Seconds`]) from the value the YAML loader
/// gave: an Integer or a Float is itself (`to_i` truncates a Float), a String is read as
/// its leading number (`String#to_f`: `"5s"` is 5, `"0x10"` 0) without an error; a
/// value read as another number than the one written is invalid with that reason. Zero,
/// a negative or a non-finite number is [`Duration::ZERO`], as before: no limit for
/// `idle_timeout`, `max_age` and `keepalive` (Active Record keeps only values above 0).
fn ruby_seconds(raw: &str, value: RubyValue, how: Seconds) -> Val<Duration> {
    let whole = matches!(how, Seconds::Whole);
    let conversion = if whole { "to_i" } else { "to_f" };
    let number = match value {
        RubyValue::Nil => match how {
            Seconds::OrDefault(default) => return Val::Known(Duration::from_secs(default)),
            Seconds::Fetch | Seconds::Whole => return Val::Known(Duration::ZERO),
        },
        RubyValue::False => match how {
            Seconds::OrDefault(default) => return Val::Known(Duration::from_secs(default)),
            Seconds::Fetch | Seconds::Whole => {
                return Val::invalid(
                    raw.to_owned(),
                    format!("Ruby's false has no `{conversion}`: Active Record raises NoMethodError and cannot create the pool"),
                )
            }
        },
        RubyValue::Other(kind) => {
            return Val::unknown(format!(
                "YAML loads `{raw}` as {kind}, which poollint does not read as a number of seconds"
            ))
        }
        // Beyond `i128` the count saturated; either way far beyond any timeout.
        RubyValue::Integer(n) => n as f64,
        RubyValue::Float(f) if whole && !f.is_finite() => {
            return Val::invalid(
                raw.to_owned(),
                "Ruby's `Float#to_i` raises FloatDomainError for it, so Active Record cannot create the pool".into(),
            )
        }
        RubyValue::Float(f) if whole && f.trunc() != f => {
            return Val::misread(
                raw.to_owned(),
                format!(
                    "Active Record reads it with `to_i` as {} s, without an error: not the number written",
                    f.trunc()
                ),
            )
        }
        RubyValue::Float(f) => f,
        RubyValue::String(text) => {
            let read = if whole {
                ruby_string_to_i(&text) as f64
            } else {
                ruby_string_to_f(&text)
            };
            let written = text.trim().replace('_', "").parse::<f64>().ok();
            if written.is_none_or(|w| w != read) {
                return Val::misread(
                    raw.to_owned(),
                    format!("Active Record reads it with `{conversion}` as {read} s, without an error: not the number written"),
                );
            }
            read
        }
    };
    if !(number.is_finite() && number > 0.0) {
        return Val::Known(Duration::ZERO);
    }
    Duration::try_from_secs_f64(number).map_or_else(
        |_| {
            Val::invalid(
                raw.to_owned(),
                format!("{number} seconds is more than poollint can hold"),
            )
        },
        Val::Known,
    )
}

/// Ruby's `String#to_f`: leading whitespace, then the longest prefix that is a decimal
/// number (digits with single `_` between them, a fraction, an exponent); 0.0 when
/// there is none (`ten`, `0x10` is 0.0).
fn ruby_string_to_f(text: &str) -> f64 {
    static LEADING_FLOAT: LazyLock<Option<Regex>> = LazyLock::new(|| {
        Regex::new(r"^[+-]?(?:[0-9]+(?:_[0-9]+)*(?:\.[0-9]+(?:_[0-9]+)*)?|\.[0-9]+(?:_[0-9]+)*)(?:[eE][+-]?[0-9]+(?:_[0-9]+)*)?").ok()
    });
    let text = text.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    LEADING_FLOAT
        .as_ref()
        .and_then(|re| re.find(text))
        .and_then(|m| m.as_str().replace('_', "").parse::<f64>().ok())
        .unwrap_or(0.0)
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
    // Where the text is written: an alias's anchor, whose text the snippets show (the
    // alias `*pw` is no secret; `db_secret: &pw x` holds the password).
    let location = source.location(source.doc().resolve(node));
    let known = match value {
        Val::Known(text) => Some(text.as_str()),
        _ => None,
    };
    if super::is_password_key(key) {
        // `password:` with nothing (or `~`) is nil to Psych: no password is written.
        if is_plain_nil(source.doc(), node) {
            return Vec::new();
        }
        let written = source.text.get(location.span.start..location.span.end);
        if key == "password" && written.is_some_and(has_erb_string_default) {
            return vec![Secret {
                literal: true,
                ..super::masked(location, full, "ERB default")
            }];
        }
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
    /// The scheme (`trilogy`) and its byte range in the URL's text.
    scheme: Option<(String, std::ops::Range<usize>)>,
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
        let scheme = text
            .split_once("://")
            .map(|(scheme, _)| scheme)
            .filter(|s| {
                !s.is_empty()
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
            })
            .map(|s| (s.to_owned(), 0..s.len()));
        Some(UrlParams {
            parsed: connection_string::parse_url(&text)?,
            scheme,
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
        parse: impl Fn(&str) -> Val<T>,
    ) -> Setting<T> {
        Setting {
            value: parse(param.value.trim()),
            origin: Origin::File {
                file: source.file.id,
                span: super::span_within(self.span, self.start, param.value_range.clone()),
                key: key.into(),
                via: None,
            },
        }
    }
}

/// What a literal `url:` adds to the database's configuration, as entries after the keys
/// beside it (Active Record merges the URL's hash over them, so the last entry of a key
/// is the one it uses): the adapter its scheme names (`trilogy://`, `mysql2://`;
/// `ConnectionUrlResolver#resolved_adapter` maps `postgres`, `mysql` and `sqlite`
/// [RAILS-URL]) unless an `adapter` parameter names one, and every query parameter.
fn url_entries(source: &Source, name: &str, url: &UrlParams) -> Vec<ConfigEntry> {
    let entry = |key: &str, value: &str, key_range, value_range| {
        let full = format!("{name}.url.{key}");
        ConfigEntry {
            ecosystem: Ecosystem::Rails,
            file: source.file.id,
            key: EntryKey::new(&full),
            canonical: EntryKey::new(key),
            key_span: super::span_within(url.span, url.start, key_range),
            value: Some(value.to_owned()),
            value_span: super::span_within(url.span, url.start, value_range),
            profile: Some(name.into()),
            via: None,
            scope: name.into(),
            precedence: 0,
            reading: None,
        }
    };
    let mut entries = Vec::new();
    if let Some((scheme, range)) = &url.scheme {
        if url.param("adapter").is_none() {
            let scheme = scheme.replace('-', "_");
            let adapter = match scheme.as_str() {
                "postgres" => "postgresql",
                "mysql" => "mysql2",
                "sqlite" => "sqlite3",
                other => other,
            };
            entries.push(entry("adapter", adapter, range.clone(), range.clone()));
        }
    }
    // Password parameters are masked secrets; no rule reads them as entries.
    for param in url
        .parsed
        .params
        .iter()
        .filter(|p| !super::is_password_key(&p.name))
    {
        entries.push(entry(
            &param.name,
            &param.value,
            param.name_range.clone(),
            param.value_range.clone(),
        ));
    }
    entries
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

/// A Puma DSL call at the start of a line: `threads 0, 5`, `threads(0, 5)`, `workers 2`.
/// Group 1 is the method, group 2 the rest of the line.
static PUMA_CALL: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?m)^[ \t]*(threads|workers)((?:[ \t(].*)?)$").ok());
static RUBY_ASSIGNMENT: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?m)^\s*([a-z_][a-z0-9_]*)\s*=\s*(.+)$").ok());

/// The arguments of a Ruby method call written `name a, b` or `name(a, b)`, each as a
/// byte range of `rest` (the text after the method name, to the end of the line): split
/// at the commas outside brackets and quotes, a trailing `# comment` left out. None
/// when the call is not one poollint reads: an assignment (`threads = 5`), text after
/// the closing parenthesis (`threads(1, 5) if x`), unbalanced brackets or no argument.
fn ruby_call_args(rest: &str) -> Option<Vec<std::ops::Range<usize>>> {
    let parenthesised = rest.starts_with('(');
    if !parenthesised && !rest.starts_with([' ', '\t']) {
        return None;
    }
    let start = usize::from(parenthesised);
    let mut args = Vec::new();
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut from = start;
    let mut end = rest.len();
    let mut closed = false;
    for (i, c) in rest.char_indices().skip(start) {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '(' | '[' | '{' => depth += 1,
            ')' if depth == 0 && parenthesised => {
                end = i;
                closed = true;
                break;
            }
            ')' | ']' | '}' => depth = depth.checked_sub(1)?,
            ',' if depth == 0 => {
                args.push(from..i);
                from = i + 1;
            }
            '#' => {
                end = i;
                break;
            }
            _ => {}
        }
    }
    if quote.is_some() || depth != 0 || parenthesised != closed {
        return None;
    }
    if closed {
        let after = rest.get(end + 1..)?.trim_start();
        if !(after.is_empty() || after.starts_with('#')) {
            return None;
        }
    }
    args.push(from..end);
    let args: Vec<_> = args
        .into_iter()
        .map(|r| {
            let text = rest.get(r.clone()).unwrap_or("");
            let lead = text.len() - text.trim_start().len();
            r.start + lead..r.start + lead + text.trim().len()
        })
        .collect();
    let assignment = args
        .first()
        .and_then(|r| rest.get(r.clone()))
        .is_some_and(|t| t.starts_with('=') && !t.starts_with("=="));
    if assignment || args.iter().any(|r| r.is_empty()) {
        return None;
    }
    Some(args)
}

/// Puma's max threads and workers, from literal values or simple assignments. Puma's
/// DSL is `threads(min, max = min)`: `threads 10` runs 10 threads at most. The last call
/// of a method is the one Puma keeps, when it runs unconditionally (at the top level of
/// the file, [`ruby_lines`]); a call inside a block or a condition (`if`,
/// `unless`, `case`, `do … end`) after it makes the value unknown, as does a call
/// poollint cannot read: never Puma's default. None for a method the file does not
/// call: Puma's default applies ([`puma_defaults`]).
fn puma_calls(source: &Source) -> (Option<Setting<i64>>, Option<Setting<i64>>) {
    let text = source.text;
    let lines = ruby_lines(text);
    let resolve = |token: &str, at: Span, key: &str| -> Setting<i64> {
        // A literal, a variable assigned earlier, or an expression evaluated in place.
        let is_name = token.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        let expr = if is_name {
            assignment(text, token, at.start, &lines)
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
                via: via.map(Into::into),
            },
        }
    };
    // The call Puma keeps of each method, and its last argument (`max`; `workers` has one).
    let call = |method: &str, key: &str| -> Option<Setting<i64>> {
        let calls: Vec<regex::Captures> = PUMA_CALL
            .as_ref()?
            .captures_iter(text)
            .filter(|c| c.get(1).is_some_and(|m| m.as_str() == method))
            // A call in a heredoc, a string or an `=begin` comment does not run.
            .filter(|c| c.get(1).is_some_and(|m| is_code(&lines, m.start())))
            .collect();
        let last = calls.last()?;
        let rest = last.get(2)?;
        let line = Span::new(last.get(1)?.start(), rest.end());
        let unread = |why: &str| Setting {
            value: Val::unknown(format!(
                "{why}: `{}`",
                text.get(line.start..line.end).unwrap_or("").trim()
            )),
            origin: Origin::File {
                file: source.file.id,
                span: line,
                key: key.into(),
                via: None,
            },
        };
        if !runs_once(&lines, line.start) {
            return Some(unread(&format!(
                "a `{method}` call inside a block or condition poollint does not evaluate"
            )));
        }
        let most = if method == "threads" { 2 } else { 1 };
        let unreadable = format!("a `{method}` call poollint does not read");
        let Some(args) = ruby_call_args(rest.as_str()) else {
            return Some(unread(&unreadable));
        };
        if args.len() > most {
            return Some(unread(&unreadable));
        }
        let arg = args.last()?;
        let at = Span::new(rest.start() + arg.start, rest.start() + arg.end);
        Some(resolve(text.get(at.start..at.end)?, at, key))
    };
    let threads = call("threads", "puma.threads.max");
    let workers = call("workers", "puma.workers").map(single_mode_is_one);
    (threads, workers)
}

/// Puma's threads and processes from a config file's calls (or a command's options),
/// each of them absent taking Puma's default ([`puma_defaults`]) read at `source`'s
/// start.
fn read_puma(source: &Source) -> (Option<Setting<i64>>, Option<Setting<i64>>) {
    let (threads, workers) = puma_calls(source);
    let (default_threads, default_workers) = puma_defaults(source.whole_file());
    (
        Some(threads.unwrap_or(default_threads)),
        Some(workers.unwrap_or(default_workers)),
    )
}

/// `workers 0` (or `-w 0`) is single mode: one process.
fn single_mode_is_one(mut setting: Setting<i64>) -> Setting<i64> {
    if let Val::Known(v) = &mut setting.value {
        *v = (*v).max(1);
    }
    setting
}

/// Puma's threads and processes where nothing sets them, read at `at` (a config file's
/// start, so a manifest naming it finds this runtime, or the command that loads no
/// file): without a `threads` call Puma 5+ takes its maximum from `PUMA_MAX_THREADS`,
/// then `MAX_THREADS`, else 5 on MRI; without a `workers` call it takes
/// `WEB_CONCURRENCY` (default 0, single mode: one process): `puma_options_from_env`
/// sets the defaults the file's calls override [PUMA-CFG]. A deployment's value
/// substitutes later (`topology::substitute_environment`).
fn puma_defaults(at: Location) -> (Setting<i64>, Setting<i64>) {
    let read = |key: &str, value: i64, via: String| {
        Setting::known(
            value,
            Origin::File {
                file: at.file,
                span: at.span,
                key: key.into(),
                via: Some(via.into()),
            },
        )
    };
    (
        read(
            "puma.threads.max",
            PUMA_THREADS,
            PUMA_THREAD_VARIABLES.join(&crate::model::VIA_SEPARATOR.to_string()),
        ),
        read("puma.workers", 1, PUMA_WORKERS_VARIABLE.into()),
    )
}

/// What a command line that starts Puma sets, as Puma's CLI reads its options
/// ([PUMA-CLI]): the config files `-C`/`--config` loads, in order (`--no-config`, or
/// `-C -`, loads none), the environment `-e`/`--environment` runs (which chooses
/// `config/puma/<environment>.rb` and, through `RACK_ENV`, Rails' environment), and the
/// threads `-t`/`--threads` and processes `-w`/`--workers` set. The command's options
/// are Puma's user options, which win over every config file's.
#[derive(Debug, Clone)]
pub(crate) struct PumaCommand {
    /// The `puma` word: where the defaults of a run that loads no file are read.
    program: Location,
    /// `-C` paths in order; None: the default files.
    config: Option<Vec<crate::model::CommandWord>>,
    environment: Option<crate::model::CommandWord>,
    threads: Option<Setting<i64>>,
    workers: Option<Setting<i64>>,
}

impl PumaCommand {
    /// The environment `-e` names, when the command sets one: Puma exports it as
    /// `RACK_ENV`, which Rails runs unless `RAILS_ENV` is set.
    pub(crate) fn environment(&self) -> Option<&crate::model::CommandWord> {
        self.environment.as_ref()
    }
}

/// Puma's options that take an argument (puma/puma `lib/puma/cli.rb`
/// `setup_options`), besides those [`puma_command`] reads: their argument is no option.
const PUMA_OPTIONS_WITH_ARGUMENT: &[&str] = &[
    "-b",
    "--bind",
    "--control-url",
    "--control-token",
    "--dir",
    "-I",
    "--include",
    "-p",
    "--port",
    "--pidfile",
    "-R",
    "--restart-cmd",
    "-S",
    "--state",
    "--tag",
    "--redirect-stdout",
    "--redirect-stderr",
    "--extra-runtime-dependencies",
];

/// Words that end a shell command, after which the words are another program's.
const SHELL_SEPARATORS: &[&str] = &["&&", "||", ";", "|", "&"];

/// The Puma options of `words` (a Procfile's `web:` line, a deployment's command),
/// when one of them runs Puma (`puma`, `bin/puma`, `bundle exec puma`, also inside a
/// shell string such as `sh -c "… && bundle exec puma -C config/puma.rb"`); None when
/// none does (`bin/rails server` and other launchers are not read).
pub(crate) fn puma_command(words: &[crate::model::CommandWord]) -> Option<PumaCommand> {
    let words = command_words(words);
    let start = words
        .iter()
        .position(|w| w.text.rsplit('/').next() == Some("puma"))?;
    let mut command = PumaCommand {
        program: words.get(start)?.location,
        config: None,
        environment: None,
        threads: None,
        workers: None,
    };
    let mut args = words.get(start + 1..)?.iter();
    while let Some(word) = args.next() {
        let text = word.text.as_str();
        if SHELL_SEPARATORS.contains(&text) {
            break;
        }
        // `-C x`, `-Cx`, `--config x`, `--config=x`: the option and its argument.
        let mut value = |short: &str, long: &str| -> Option<crate::model::CommandWord> {
            let attached = text
                .strip_prefix(&format!("{long}="))
                .or_else(|| text.strip_prefix(short).filter(|v| !v.is_empty()));
            match attached {
                Some(v) => Some(crate::model::CommandWord {
                    text: v.to_owned(),
                    location: word_part(word, text.len() - v.len()),
                }),
                None if text == short || text == long => args.next().cloned(),
                None => None,
            }
        };
        if text == "--no-config" {
            command.config = Some(Vec::new());
        } else if let Some(path) = value("-C", "--config") {
            let files = command.config.get_or_insert_with(Vec::new);
            if path.text == "-" {
                files.clear();
            } else {
                files.push(path);
            }
        } else if let Some(environment) = value("-e", "--environment") {
            command.environment = Some(environment);
        } else if let Some(threads) = value("-t", "--threads") {
            // `-t min:max`, or `-t n` for n threads at least and at most.
            let max = threads.text.rsplit(':').next().unwrap_or("");
            let at = word_part(&threads, threads.text.len() - max.len());
            command.threads = Some(puma_option_count(max, at, "puma.threads.max", "-t"));
        } else if let Some(workers) = value("-w", "--workers") {
            let at = workers.location;
            let setting = puma_option_count(&workers.text, at, "puma.workers", "-w");
            command.workers = Some(single_mode_is_one(setting));
        } else if PUMA_OPTIONS_WITH_ARGUMENT.contains(&text) {
            args.next();
        }
    }
    Some(command)
}

/// The words of a command, those written as one shell string (`sh -c "a && b"`) split
/// as a shell splits them.
fn command_words(words: &[crate::model::CommandWord]) -> Vec<crate::model::CommandWord> {
    let mut out = Vec::with_capacity(words.len());
    for word in words {
        if !word.text.contains(char::is_whitespace) {
            out.push(word.clone());
            continue;
        }
        for (text, range) in super::shell::shell_words(&word.text, super::shell::Quoting::Posix) {
            out.push(crate::model::CommandWord {
                location: word_part(word, range.start),
                text,
            });
        }
    }
    out
}

/// Where the part of `word` from byte `from` on is written: inside the word when its
/// location holds it as read, else the whole word.
fn word_part(word: &crate::model::CommandWord, from: usize) -> Location {
    let span = word.location.span;
    if span.len() != word.text.len() {
        return word.location;
    }
    Location {
        file: word.location.file,
        span: Span::new(span.start + from.min(span.len()), span.end),
    }
}

/// A count a Puma option gives (`-t 8:16`'s 16, `-w 2`), which Puma reads with
/// `Integer()`: one poollint does not read as a whole number (`$(THREADS)`, a
/// variable) is unknown.
fn puma_option_count(text: &str, at: Location, key: &str, option: &str) -> Setting<i64> {
    let value = match text.parse::<i64>() {
        Ok(n) => Val::Known(n),
        Err(_) => Val::unknown(format!("`{option} {text}` is not a number poollint reads")),
    };
    Setting {
        value,
        origin: Origin::File {
            file: at.file,
            span: at.span,
            key: key.into(),
            via: None,
        },
    }
}

/// The threads and processes Puma runs with `command` (None: no command, the default
/// files) in the environment `environment` (None: one the files do not give), from the
/// application's config `files`: the files `-C` names, in order (a later file's call
/// wins; a file not among those read makes what it may set unknown), else the first of
/// `config/puma/<environment>.rb` and `config/puma.rb` that exists
/// (`Configuration#config_files` [PUMA-CFG]); a value no file sets is Puma's default;
/// the command's `-t` and `-w` win over every file.
pub(crate) fn puma_runs(
    files: &ServerFiles,
    command: Option<&PumaCommand>,
    environment: Option<&str>,
) -> (Setting<i64>, Setting<i64>) {
    let find = |path: &str| files.files.iter().find(|f| f.path == path);
    let first_file = files
        .files
        .first()
        .map_or(crate::source::FileId(0), |f| f.file);
    let mut threads: Option<Setting<i64>> = None;
    let mut workers: Option<Setting<i64>> = None;
    let mut defaults_at: Option<Location> = None;
    match command.and_then(|c| c.config.as_ref()) {
        Some(named) => {
            for word in named {
                let path = word.text.trim_start_matches("./");
                let file = files
                    .files
                    .iter()
                    .find(|f| path == f.path || path.ends_with(&format!("/{}", f.path)));
                match file {
                    Some(file) => {
                        threads = file.threads.clone().or(threads);
                        workers = file.processes.clone().or(workers);
                        defaults_at = Some(file_start(file.file));
                    }
                    None => {
                        let unread = Setting {
                            value: Val::unknown(format!(
                                "Puma loads `{}`, which is not among the files read",
                                word.text
                            )),
                            origin: Origin::File {
                                file: word.location.file,
                                span: word.location.span,
                                key: "puma.config".into(),
                                via: None,
                            },
                        };
                        threads = Some(unread.clone());
                        workers = Some(unread);
                    }
                }
            }
        }
        None => {
            let chosen = match environment {
                Some(env) => {
                    find(&format!("config/puma/{env}.rb")).or_else(|| find("config/puma.rb"))
                }
                None if files
                    .files
                    .iter()
                    .any(|f| f.path.starts_with("config/puma/")) =>
                {
                    let unknown = Setting {
                        value: Val::unknown(
                            "Puma's environment, which chooses config/puma/<environment>.rb, is not known".into(),
                        ),
                        origin: Origin::File {
                            file: command.map_or(first_file, |c| c.program.file),
                            span: command.map_or(Span::default(), |c| c.program.span),
                            key: "puma.config".into(),
                            via: None,
                        },
                    };
                    threads = Some(unknown.clone());
                    workers = Some(unknown);
                    None
                }
                None => find("config/puma.rb"),
            };
            if let Some(file) = chosen {
                threads = file.threads.clone();
                workers = file.processes.clone();
                defaults_at = Some(file_start(file.file));
            }
        }
    }
    let defaults_at = defaults_at
        .or(command.map(|c| c.program))
        .unwrap_or_else(|| file_start(first_file));
    let (default_threads, default_workers) = puma_defaults(defaults_at);
    let threads = command
        .and_then(|c| c.threads.clone())
        .or(threads)
        .unwrap_or(default_threads);
    let workers = command
        .and_then(|c| c.workers.clone())
        .or(workers)
        .unwrap_or(default_workers);
    (threads, workers)
}

/// The start of file `file`.
fn file_start(file: crate::source::FileId) -> Location {
    Location {
        file,
        span: Span::default(),
    }
}

/// The variable Puma reads its worker processes from when the config sets none
/// (`workers = ENV['WEB_CONCURRENCY']` [PUMA-CFG]).
const PUMA_WORKERS_VARIABLE: &str = "WEB_CONCURRENCY";

/// The variables Puma 5+ reads its maximum threads from when the config sets none, in
/// the order it tries them (`ENV['PUMA_MAX_THREADS'] || ENV['MAX_THREADS']` [PUMA-CFG]).
const PUMA_THREAD_VARIABLES: [&str; 2] = ["PUMA_MAX_THREADS", "MAX_THREADS"];

/// A Ruby line that opens a block closed by `end`: a keyword at its start (`if`,
/// `unless`, `case`, `while`, `until`, `for`, `begin`, `def`, `class`, `module`), one
/// after an assignment (`n = if x`), or `do` (with `|args|`; `x do … end` on one line
/// opens and closes).
static RUBY_OPENER: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"^(?:(?:if|unless|case|while|until|for|begin|def|class|module)\b|[A-Za-z_][A-Za-z0-9_]*\s*=\s*(?:if|unless|case|begin)\b)|\bdo\b").ok()
});
static RUBY_END: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?:^|[\s;])end\b[\s.)]*$|^end\b").ok());
/// A heredoc's opener (`<<~EOS`, `<<-'SQL'`, `<<EOS`): its body, up to the line holding
/// only the identifier, is text, not code.
static RUBY_HEREDOC: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r#"<<[~-]?(['"`]?)([A-Za-z_][A-Za-z0-9_]*)(['"`]?)"#).ok());

/// One line of a Ruby file: where it starts, its block depth (0 at the top level, where
/// a call runs once and unconditionally), and whether it starts as code, not inside a
/// string, a heredoc or an `=begin … =end` comment.
#[derive(Clone, Copy)]
struct RubyLine {
    start: usize,
    depth: usize,
    code: bool,
}

/// Every line of a Ruby file ([`RubyLine`]). Blocks are counted from keywords
/// ([`RUBY_OPENER`]) closed by `end`, and from braces; strings (also across lines),
/// heredoc bodies, `=begin` comments and `# comments` are skipped. An approximation,
/// enough to tell a call inside `if … end` or `do … end` from one at the top level, and
/// a call in a heredoc or a string from one that runs.
fn ruby_lines(text: &str) -> Vec<RubyLine> {
    let mut lines = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    let mut quote: Option<char> = None;
    let mut heredocs: std::collections::VecDeque<String> = Default::default();
    let mut in_comment = false;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        let code = quote.is_none() && heredocs.is_empty() && !in_comment;
        lines.push(RubyLine { start, depth, code });
        start += line.len();
        if in_comment {
            in_comment = !line.starts_with("=end");
            continue;
        }
        if let Some(id) = heredocs.front() {
            if trimmed == id {
                heredocs.pop_front();
            }
            continue;
        }
        if quote.is_none() && line.starts_with("=begin") {
            in_comment = true;
            continue;
        }
        heredocs.extend(heredoc_ids(line, quote));
        let (code, braces, _) = ruby_code(line, &mut quote);
        let code = code.trim();
        let opens = RUBY_OPENER.as_ref().is_some_and(|re| re.is_match(code));
        let ends = RUBY_END.as_ref().is_some_and(|re| re.is_match(code));
        // `if x then y end` on one line opens and closes.
        match (opens, ends) {
            (true, false) => depth += 1,
            (false, true) => depth = depth.saturating_sub(1),
            _ => {}
        }
        depth = depth.saturating_add_signed(braces);
    }
    lines
}

/// The identifiers of the heredocs a line opens, in order: openers in code, not in a
/// string or a comment (`quote` is the string the line starts in).
fn heredoc_ids(line: &str, quote: Option<char>) -> Vec<String> {
    let Some(re) = RUBY_HEREDOC.as_ref() else {
        return Vec::new();
    };
    re.captures_iter(line)
        .filter(|c| c.get(1).map(|m| m.as_str()) == c.get(3).map(|m| m.as_str()))
        .filter(|c| {
            // In code when the text before it ends outside a string and a comment.
            let at = c.get(0).map_or(0, |m| m.start());
            let mut state = quote;
            let before = line.get(..at).unwrap_or("");
            let (_, _, commented) = ruby_code(before, &mut state);
            state.is_none() && !commented
        })
        .filter_map(|c| c.get(2).map(|m| m.as_str().to_owned()))
        .collect()
}

/// A line without its strings' contents and its `# comment`, its braces opened minus
/// closed outside strings, and whether a comment ended it. `quote` is the string the
/// line starts in, and is left as the one it ends in (a Ruby string may span lines).
fn ruby_code(line: &str, quote: &mut Option<char>) -> (String, isize, bool) {
    let mut code = String::with_capacity(line.len());
    let mut braces: isize = 0;
    let mut escaped = false;
    for c in line.chars() {
        if let Some(q) = *quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                *quote = None;
                code.push(c);
            }
            continue;
        }
        match c {
            '"' | '\'' => {
                *quote = Some(c);
                code.push(c);
            }
            '#' => return (code, braces, true),
            '{' => {
                braces += 1;
                code.push(c);
            }
            '}' => {
                braces -= 1;
                code.push(c);
            }
            _ => code.push(c),
        }
    }
    (code, braces, false)
}

/// The line holding byte `offset`.
fn line_at(lines: &[RubyLine], offset: usize) -> Option<&RubyLine> {
    let after = lines.partition_point(|line| line.start <= offset);
    after.checked_sub(1).and_then(|i| lines.get(i))
}

/// True when byte `offset` is on a line of code at the top level.
fn runs_once(lines: &[RubyLine], offset: usize) -> bool {
    line_at(lines, offset).is_some_and(|line| line.code && line.depth == 0)
}

/// True when byte `offset` is on a line that starts as code.
fn is_code(lines: &[RubyLine], offset: usize) -> bool {
    line_at(lines, offset).is_some_and(|line| line.code)
}

/// The expression last assigned to `name` before byte `before` in a Ruby file, when
/// that assignment runs unconditionally (at the top level): one inside a block or a
/// condition may not run, so the value is not known (None).
fn assignment<'t>(text: &'t str, name: &str, before: usize, lines: &[RubyLine]) -> Option<&'t str> {
    let last = RUBY_ASSIGNMENT
        .as_ref()?
        .captures_iter(text)
        .filter(|c| c.get(1).is_some_and(|n| n.as_str() == name))
        .filter(|c| {
            c.get(0)
                .is_some_and(|m| m.start() < before && is_code(lines, m.start()))
        })
        .last()?;
    let value = last.get(2)?;
    runs_once(lines, value.start()).then(|| value.as_str().trim())
}

/// The threads per process of each environment section of `sidekiq.yml` other than
/// production's (`staging:` or `:staging:`, a map at the top level that sets
/// `concurrency` or `capsules`), by the environment's name.
fn sidekiq_sections(source: &Source, default: SidekiqDefault) -> Vec<(String, Setting<i64>)> {
    let doc = source.doc();
    let Some(root) = doc.roots.first().copied() else {
        return Vec::new();
    };
    doc.entries(root)
        .into_iter()
        .filter_map(|entry| {
            let key = doc.text(entry.key)?;
            let name = key.strip_prefix(':').unwrap_or(key);
            let section = doc.resolve(entry.value);
            let sets = |option: &str| sidekiq_option(doc, section, option).is_some();
            let is_section = doc.is_map(section) && (sets("concurrency") || sets("capsules"));
            (is_section && name != RUNTIME_ENV)
                .then(|| (name.to_owned(), read_sidekiq(source, Some(name), default)))
        })
        .collect()
}

/// A Sidekiq option of the map `map`: Sidekiq symbolizes the keys it loads, so
/// `concurrency`, `:concurrency` (a Symbol in YAML) and `:concurrency:` are one option.
fn sidekiq_option(doc: &Document, map: NodeId, option: &str) -> Option<NodeId> {
    doc.get(map, &format!(":{option}"))
        .or_else(|| doc.get(map, option))
        .or_else(|| doc.get(map, &format!(":{option}:")))
}

/// Sidekiq's threads per process in the environment `env` (None: one without a section
/// of its own): `concurrency` (or `:concurrency:`), the environment section's when set
/// (Sidekiq merges `opts.delete(environment.to_sym)` over the top level [SQ-CLI]), plus
/// capsule concurrencies.
fn read_sidekiq(source: &Source, env: Option<&str>, default: SidekiqDefault) -> Setting<i64> {
    let doc = source.doc();
    // Without `concurrency` Sidekiq 6+ takes `Integer(ENV["RAILS_MAX_THREADS"])` when it
    // is set (`CLI#setup_options` [SQ-CLI]), else its default: a deployment setting the
    // variable replaces the default, as for Puma's.
    let default = Setting::known(
        default.concurrency,
        Origin::File {
            file: source.file.id,
            // The file, so a manifest naming it finds this runtime.
            span: source.whole_file().span,
            key: "sidekiq.concurrency".into(),
            via: default
                .reads_rails_max_threads
                .then(|| "RAILS_MAX_THREADS".into()),
        },
    );
    let Some(root) = doc.roots.first().copied() else {
        return default;
    };
    let find = |map: NodeId| sidekiq_option(doc, map, "concurrency");
    let section = env
        .and_then(|env| {
            doc.get(root, env)
                .or_else(|| doc.get(root, &format!(":{env}")))
        })
        .map(|node| doc.resolve(node));
    let node = section.and_then(find).or_else(|| find(root));
    let Some(node) = node else { return default };
    let mut setting = source.typed(node, "sidekiq.concurrency", sidekiq_concurrency);
    // The section's capsules replace the top level's (a shallow merge).
    let capsules = section
        .and_then(|s| doc.get(s, ":capsules").or_else(|| doc.get(s, "capsules")))
        .or_else(|| {
            doc.get(root, ":capsules")
                .or_else(|| doc.get(root, "capsules"))
        });
    if let (Some(capsules), Val::Known(total)) = (capsules, &mut setting.value) {
        for capsule in doc.entries(capsules) {
            let Some(node) = find(doc.resolve(capsule.value)) else {
                *total = total.saturating_add(SIDEKIQ_CONCURRENCY);
                continue;
            };
            let extra = source.typed(node, "sidekiq.capsules.concurrency", sidekiq_concurrency);
            match extra.value {
                Val::Known(extra) => *total = total.saturating_add(extra),
                // A capsule Sidekiq cannot start, or one poollint cannot read, makes the
                // process's threads that too.
                _ => return extra,
            }
        }
    }
    setting
}

/// Sidekiq's `concurrency` as Sidekiq uses the value the YAML loader gave (`YAML.safe_load`
/// in `Sidekiq::CLI#parse_config`, then `Manager#initialize`: `raise … if @count < 1`,
/// `@count.times` [SQ-CLI][SQ-MANAGER]): an Integer is the number of threads (`0x10` is
/// 16, `1_0` 10); below 1, a Float or a String (quoted, or text YAML does not read as a
/// number) make Sidekiq fail at start-up. nil and anything else are unknown.
fn sidekiq_concurrency(raw: &str, value: RubyValue) -> Val<i64> {
    let fails =
        |why: &str| Val::invalid(raw.to_owned(), format!("{why}, so Sidekiq does not start"));
    match value {
        RubyValue::Integer(n) if n < 1 => fails(&format!(
            "Sidekiq raises ArgumentError (`Concurrency of {n} is not supported`)"
        )),
        RubyValue::Integer(n) => i64::try_from(n).map_or_else(
            |_| fails("more threads than Sidekiq can start"),
            Val::Known,
        ),
        RubyValue::Float(_) => fails(
            "YAML loads it as a Float, and Sidekiq needs an Integer (`Float#times` does not exist: NoMethodError)",
        ),
        RubyValue::String(_) => fails(
            "YAML loads it as a String, and Sidekiq needs an Integer (comparing a String with 1 raises ArgumentError)",
        ),
        RubyValue::Nil => Val::unknown(
            "an empty concurrency, which Sidekiq replaces by RAILS_MAX_THREADS when that is set".into(),
        ),
        RubyValue::False => Val::unknown(format!("YAML loads `{raw}` as false")),
        RubyValue::Other(kind) => Val::unknown(format!("YAML loads `{raw}` as {kind}")),
    }
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
            matches!(&production.max.origin, Origin::File { via: Some(v), .. } if &**v == "DB_POOL")
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

    /// An ERB password with a string default is a literal password in the file (as a
    /// Spring `${X:secret}` default is); a lookup without one, or another call with
    /// string arguments, is not.
    #[test]
    fn erb_password_defaults_are_literal_passwords() {
        for (code, literal) in [
            (r#"ENV.fetch("DATABASE_PASSWORD") { "hunter2" }"#, true),
            (r#"ENV.fetch('DATABASE_PASSWORD', 'hunter2')"#, true),
            (r#"ENV['DATABASE_PASSWORD'].presence || "password""#, true),
            (r#"ENV.fetch("DB_PASSWORD", nil) || 'hunter2'"#, true),
            (r#"ENV["DATABASE_PASSWORD"]"#, false),
            (r#"ENV.fetch("DATABASE_PASSWORD") { "" }"#, false),
            (r#"ENV["A"] || ENV["B"]"#, false),
            (
                r#"Rails.application.credentials.dig(:db, "password")"#,
                false,
            ),
        ] {
            let text = format!("production:\n  adapter: postgresql\n  password: <%= {code} %>\n");
            let model = read(&[("app/config/database.yml", &text)]);
            let mut secrets = model
                .secrets
                .iter()
                .filter(|s| s.key == "production.password");
            assert_eq!(secrets.any(|s| s.literal), literal, "{code}");
        }
    }

    #[test]
    fn an_aliased_password_is_masked_at_its_anchor() {
        let text = "production:\n  adapter: postgresql\n  db_secret: &pw Anchored-Secret\n  other: &u \"postgres://u:Url-Anchored@db/x\"\n  password: *pw\n  url: *u\n";
        let model = read(&[("app/config/database.yml", text)]);
        let masked: Vec<(&str, &str)> = model
            .secrets
            .iter()
            .map(|s| {
                let span = s.location.span;
                (s.key.as_str(), &text[span.start..span.end])
            })
            .collect();
        assert!(
            masked.contains(&("production.password", "Anchored-Secret")),
            "{masked:?}"
        );
        assert!(
            masked.contains(&("production.url", "Url-Anchored")),
            "{masked:?}"
        );
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

    /// An anchored entry is a template only when another entry reuses its anchor:
    /// `qa: &qa` that nothing merges is an environment (it was dropped for its name,
    /// not one of production, staging, development or test); `sqlite3: &sqlite3` merged
    /// into the environments (Lobsters) stays a template.
    #[test]
    fn anchored_entries_are_templates_only_when_reused() {
        let model = read(&[(
            "app/config/database.yml",
            "sqlite3: &sqlite3\n  adapter: sqlite3\n  pool: 2\ndevelopment:\n  <<: *sqlite3\n  database: dev\nqa: &qa\n  adapter: postgresql\n  pool: 3\nproduction: &production\n  adapter: postgresql\n  pool: 4\nstaging: *production\n",
        )]);
        let names: Vec<&str> = model.pools.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["development", "qa", "production", "staging"]);
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
            matches!(&pool.max.origin, Origin::File { via: Some(v), .. } if &**v == "DB_POOL,MAX_THREADS")
        );
    }

    /// Psych keeps the last of a key written twice: one production pool, of 2.
    #[test]
    fn an_environment_or_database_written_twice_is_the_last() {
        let model = read(&[(
            "app/config/database.yml",
            "production:\n  adapter: postgresql\n  pool: 20\nproduction:\n  adapter: postgresql\n  pool: 2\nstaging:\n  primary:\n    adapter: postgresql\n    pool: 7\n  primary:\n    adapter: postgresql\n    pool: 3\n",
        )]);
        let pools: Vec<_> = model
            .pools
            .iter()
            .map(|p| (p.name.as_str(), p.max.get().copied()))
            .collect();
        assert_eq!(
            pools,
            [("production", Some(2)), ("staging.primary", Some(3))]
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

    /// The variables each database's URL comes from: `<NAME>_DATABASE_URL`, and for
    /// `primary` then `DATABASE_URL` [RAILS-DBCONFIG]; a literal `url:` (a `UrlConfig`)
    /// none, a `url:` that is a variable's value that variable.
    #[test]
    fn url_variables_follow_active_record_names() {
        let variables = |text: &str, name: &str| {
            let model = read(&[("app/config/database.yml", text)]);
            let pool = model.pools.iter().find(|p| p.name == name).expect(name);
            pool.url_variables.as_deref().map(|v| v.to_vec())
        };
        let names = |v: &[&str]| Some(v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
        let three_tier = "production:\n  primary:\n    adapter: postgresql\n  cache:\n    adapter: postgresql\nstaging:\n  adapter: postgresql\n";
        assert_eq!(
            variables(three_tier, "production.primary"),
            names(&["PRIMARY_DATABASE_URL", "DATABASE_URL"])
        );
        assert_eq!(
            variables(three_tier, "production.cache"),
            names(&["CACHE_DATABASE_URL"])
        );
        // Every environment's, as any may be the one the deployment runs.
        assert_eq!(
            variables(three_tier, "staging"),
            names(&["PRIMARY_DATABASE_URL", "DATABASE_URL"])
        );
        let production = |url: &str| {
            variables(
                &format!("production:\n  adapter: postgresql\n  url: {url}\n"),
                "production",
            )
        };
        assert_eq!(production("<%= ENV[\"PG_URL\"] %>"), names(&["PG_URL"]));
        assert_eq!(production("postgres://db/app"), None);
        assert_eq!(production("<%= ENV[\"PG_URL\"].sub(\"x\", \"y\") %>"), None);
    }

    fn environment_variable(value: &str, unknown_from: Option<&str>) -> crate::model::EnvVar {
        let at = Location {
            file: crate::source::FileId(7),
            span: Span::new(100, 100 + value.len()),
        };
        crate::model::EnvVar {
            unknown_from: unknown_from.map(str::to_owned),
            ..crate::model::EnvVar::written("DATABASE_URL".into(), value.into(), at, at)
        }
    }

    /// The connection a database's keys name: the adapter's engine alone is enough (a
    /// `sqlite3` or `mysql2` pool is no PostgreSQL client, also behind an ERB `url:`,
    /// which may name any host); a URL, written or a deployment's, wins over the keys
    /// only for the parts it gives (`postgres://bouncer:6432` keeps `database:`).
    #[test]
    fn connections_come_from_the_keys_and_the_url_over_them() {
        let connection = |yaml: &str| {
            let pool = production(&format!("production:\n{yaml}"));
            pool.connection.map(|c| {
                let host = c.host.and_then(|h| h.get().cloned());
                (c.engine.map(String::from), host, c.database, c.user)
            })
        };
        let some = |s: &str| Some(s.to_owned());
        assert_eq!(
            connection("  adapter: sqlite3\n  pool: 5\n"),
            Some((some("sqlite3"), None, None, None))
        );
        assert_eq!(
            connection("  adapter: mysql2\n  host: db\n  url: <%= ENV['DATABASE_URL'] %>\n"),
            Some((some("mysql2"), None, None, None))
        );
        assert_eq!(
            connection("  adapter: postgresql\n  url: postgres://bouncer:6432\n  database: app\n  username: u\n"),
            Some((some("postgresql"), some("bouncer"), some("app"), some("u")))
        );
        let base =
            production("production:\n  adapter: postgresql\n  database: app\n  replica: true\n");
        let pool = with_environment_url(
            &base,
            &environment_variable("postgres://ro@bouncer:6432", None),
        );
        let connection = pool.connection.unwrap();
        assert_eq!(
            (connection.database.as_deref(), connection.user.as_deref()),
            (Some("app"), Some("ro"))
        );
        // A replica takes no advisory locks, also once a deployment's URL is merged.
        let advisory = pool
            .driver_properties
            .get("advisory_locks")
            .and_then(|s| s.get().cloned());
        assert_eq!(advisory.as_deref(), Some("false"));
    }

    /// A deployment's URL is merged over the database's keys [RAILS-DBCONFIG]: its
    /// parameters win, each located in the deployment's value; keys it does not name
    /// stay, and so does one whose parameter is blank (`compact_blank` [RAILS-URL]).
    #[test]
    fn environment_url_merges_over_the_keys() {
        let base = production(
            "production:\n  adapter: postgresql\n  pool: 10\n  checkout_timeout: 3\n  idle_timeout: 60\n",
        );
        let url =
            "postgres://app:pw@db.internal/app?pool=4&idle_timeout=&max_age=600&sslmode=require";
        let pool = with_environment_url(&base, &environment_variable(url, None));
        assert_eq!(pool.max.get(), Some(&4));
        let span = pool.max.location().expect("located").span;
        assert_eq!(&url[span.start - 100..span.end - 100], "4");
        assert!(
            matches!(&pool.max.origin, Origin::File { key, .. } if &**key == "env.DATABASE_URL?pool")
        );
        assert_eq!(pool.acquire_timeout.get(), Some(&Duration::from_secs(3)));
        assert_eq!(pool.idle_timeout.get(), Some(&Duration::from_secs(60)));
        assert_eq!(pool.max_lifetime.get(), Some(&Duration::from_secs(600)));
        let connection = pool.connection.as_ref().expect("connection");
        assert_eq!(
            connection
                .host
                .as_ref()
                .and_then(|h| h.get())
                .map(String::as_str),
            Some("db.internal")
        );
        // The URL's adapter decides the PostgreSQL adapter's session feature switches, and
        // a switch it sets wins over the key.
        let switch = |pool: &Pool, key: &str| {
            pool.driver_properties
                .get(key)
                .and_then(|s| s.get())
                .cloned()
        };
        assert_eq!(
            switch(&pool, "prepared_statements").as_deref(),
            Some("true")
        );
        let url = "postgres://db/app?prepared_statements=false";
        let pool = with_environment_url(&base, &environment_variable(url, None));
        assert_eq!(
            switch(&pool, "prepared_statements").as_deref(),
            Some("false")
        );
        let at = pool
            .driver_properties
            .get("prepared_statements")
            .and_then(Setting::location)
            .expect("located")
            .span;
        assert_eq!(&url[at.start - 100..at.end - 100], "false");
        let pool = with_environment_url(&base, &environment_variable("mysql2://db/app", None));
        assert!(pool.driver_properties.is_empty());
        // A Rails 8.1 key from the URL brings 8.1's keepalive default.
        let pool = with_environment_url(
            &base,
            &environment_variable("postgres://db/app?max_connections=7", None),
        );
        assert_eq!(pool.max.get(), Some(&7));
        assert_eq!(
            pool.keepalive.get(),
            Some(&Duration::from_secs(KEEPALIVE_8_1))
        );
    }

    /// A URL the files do not give (a Secret's, `${VAR}` without a default) overrides
    /// nothing: the files' keys stay; a parameter through a variable makes that setting
    /// unknown only.
    #[test]
    fn unknown_environment_urls_leave_the_files_settings() {
        let base = production("production:\n  adapter: postgresql\n  pool: 10\n");
        for var in [
            environment_variable("${DATABASE_URL}", Some("Secret db, key url")),
            environment_variable("${DATABASE_URL}", None),
        ] {
            let pool = with_environment_url(&base, &var);
            assert_eq!(pool, base);
        }
        let var = environment_variable("postgres://db/app?pool=${POOL}&checkout_timeout=2", None);
        let pool = with_environment_url(&base, &var);
        assert!(matches!(pool.max.value, Val::Unknown(_)), "{:?}", pool.max);
        assert_eq!(pool.acquire_timeout.get(), Some(&Duration::from_secs(2)));
    }

    fn production(text: &str) -> Pool {
        let model = read(&[("app/config/database.yml", text)]);
        let pool = model.pools.into_iter().find(|p| p.name == "production");
        *pool.expect("production pool")
    }

    /// `pool:` as Psych (Ruby's YAML 1.1 loader) types it and `(pool || 5).to_i` reads
    /// it, checked against Ruby 3.1 / Psych 4.0.3: `10.0` is the Float 10.0 (it was
    /// reported as a misread 10), `1_0`, `0x10`, `010` (octal) and `0b1010` Integers (they
    /// were read as 1, 0, 10 and 0), quoted text a String.
    /// Only the reaper closes idle connections: `reaping_frequency` 0, nil or below
    /// starts none, so the pool has no idle timeout, read at `reaping_frequency`.
    #[test]
    fn a_pool_without_reaper_never_closes_idle_connections() {
        for written in [
            "  reaping_frequency: 0\n",
            "  reaping_frequency: ~\n",
            "  reaping_frequency: -1\n",
            "  url: postgres://db/app?reaping_frequency=0\n",
        ] {
            let pool = production(&format!(
                "production:\n  adapter: postgresql\n  idle_timeout: 60\n{written}"
            ));
            assert_eq!(
                pool.idle_timeout.value,
                Val::Known(Duration::ZERO),
                "{written}"
            );
            let key = pool.idle_timeout.origin.key().unwrap_or("");
            assert!(key.ends_with("reaping_frequency"), "{written}: {key}");
        }
        let pool = production(
            "production:\n  adapter: postgresql\n  idle_timeout: 60\n  reaping_frequency: 30\n",
        );
        assert_eq!(pool.idle_timeout.get(), Some(&Duration::from_secs(60)));
    }

    /// ERB writes a value in place of its whole tag: a tag over lines is one value,
    /// and a quoted tag a String Active Record reads with `to_i`.
    #[test]
    fn erb_values_over_lines_or_quoted_are_evaluated() {
        for (written, read) in [
            ("<%=\n    ENV.fetch(\"DB_POOL\") { 5 }\n  %>", 5),
            ("\"<%= ENV.fetch(\"DB_POOL\") { 6 } %>\"", 6),
            ("'<%= ENV.fetch(\"DB_POOL\", 7) %>'", 7),
        ] {
            let pool = production(&format!(
                "production:\n  adapter: postgresql\n  pool: {written}\n  database: app\n"
            ));
            assert_eq!(pool.max.value, Val::Known(read), "pool: {written}");
            let Origin::File { via, .. } = &pool.max.origin else {
                panic!("{written}: {:?}", pool.max.origin);
            };
            assert_eq!(via.as_deref(), Some("DB_POOL"));
        }
    }

    #[test]
    fn pool_numbers_are_typed_as_psych_then_to_i() {
        for (written, read) in [
            ("10.0", 10),
            ("1_0", 10),
            ("0x10", 16),
            ("010", 8),
            ("0b1010", 10),
            ("\"10\"", 10),
            ("'1_0'", 10),
            ("\"10.0\"", 10),
            ("1,000", 1000),
            ("+10", 10),
            ("-0x10", -16),
            ("1.0e+3", 1000),
            ("1:30", 5400),
            ("~", 5),
            ("false", 5),
            ("0", 0),
            ("09", 9),
        ] {
            let pool = production(&format!(
                "production:\n  adapter: postgresql\n  pool: {written}\n"
            ));
            assert_eq!(pool.max.value, Val::Known(read), "pool: {written}");
        }
        for (written, read) in [
            ("10.5", "10"),
            (".5", "0"),
            ("1e3", "1"),
            ("0o10", "0"),
            ("\"0x10\"", "0"),
            ("\"2.5\"", "2"),
            ("ten", "0"),
        ] {
            let pool = production(&format!(
                "production:\n  adapter: postgresql\n  pool: {written}\n"
            ));
            let Val::Invalid(invalid) = &pool.max.value else {
                panic!("pool: {written} is {:?}", pool.max.value);
            };
            assert!(
                invalid.reason.contains(&format!("as {read},")),
                "pool: {written}: {}",
                invalid.reason
            );
        }
        for written in ["yes", ":x", "2024-01-01", "!!int 5"] {
            let pool = production(&format!(
                "production:\n  adapter: postgresql\n  pool: {written}\n"
            ));
            assert!(
                matches!(pool.max.value, Val::Unknown(_)),
                "pool: {written}: {:?}",
                pool.max.value
            );
        }
        let pool = production(
            "production:\n  adapter: postgresql\n  pool: .inf\n  min_connections: 2.0\n",
        );
        assert!(matches!(pool.max.value, Val::Invalid(_)));
        assert_eq!(pool.min.value, Val::Known(2));
        let pool = production("production:\n  url: postgres://db/app?pool=1_0\n");
        assert_eq!(pool.max.value, Val::Known(10));
    }

    /// `variables:` set to `:default` (`SET SESSION k TO DEFAULT`) or nil (skipped) set
    /// no value of their own: the server's counts (they were read as set).
    #[test]
    fn variables_set_to_default_or_nil_are_not_set() {
        let pool = production("production:\n  adapter: postgresql\n  variables:\n    statement_timeout: :default\n    lock_timeout: ':default'\n    idle_in_transaction_session_timeout: ~\n    search_path: null\n    work_mem: '~'\n    application_name: default\n");
        let names: Vec<&str> = pool.session_variables.keys().map(String::as_str).collect();
        assert_eq!(names, ["application_name", "work_mem"]);
    }

    /// `prepared_statements` and `advisory_locks` as `AbstractAdapter#initialize` reads
    /// them: off only for `false` (Psych's `no`/`off` too), the String "false" or nil;
    /// the String "no" is on; a URL parameter wins over the key; only the PostgreSQL
    /// adapter (named by the key or the URL's scheme) records them.
    #[test]
    fn postgresql_session_feature_switches_read_as_the_adapter_reads_them() {
        let switches = |yaml: &str| {
            let pool = production(&format!("production:\n{yaml}"));
            ["advisory_locks", "prepared_statements"].map(|k| {
                pool.driver_properties
                    .get(k)
                    .and_then(|s| s.get().cloned())
                    .unwrap_or_else(|| "-".into())
            })
        };
        let pg = "  adapter: postgresql\n";
        assert_eq!(switches(pg), ["true", "true"]);
        assert_eq!(
            switches(&format!(
                "{pg}  advisory_locks: off\n  prepared_statements: no\n"
            )),
            ["false", "false"]
        );
        assert_eq!(
            switches(&format!(
                "{pg}  advisory_locks: \"no\"\n  prepared_statements: ~\n"
            )),
            ["true", "false"]
        );
        assert_eq!(
            switches(&format!(
                "{pg}  prepared_statements: \"false\"\n  advisory_locks: true\n"
            )),
            ["true", "false"]
        );
        assert_eq!(
            switches(
                "  url: postgres://db/app?prepared_statements=false\n  prepared_statements: true\n"
            ),
            ["true", "false"]
        );
        assert_eq!(switches("  adapter: mysql2\n"), ["-", "-"]);
        // The URL's scheme names the adapter over the key: the default points at it.
        let text = "production:\n  adapter: mysql2\n  url: postgres://db/app\n";
        let pool = production(text);
        let at = pool
            .driver_properties
            .get("prepared_statements")
            .unwrap()
            .location()
            .unwrap();
        assert_eq!(&text[at.span.start..at.span.end], "postgres://db/app");
        // Not migrated, so no advisory locks: a replica, a database without tasks.
        for keys in ["  replica: true\n", "  database_tasks: false\n"] {
            assert_eq!(
                switches(&format!("{pg}{keys}")),
                ["false", "true"],
                "{keys}"
            );
        }
        assert_eq!(
            switches(&format!("{pg}  replica: false\n")),
            ["true", "true"]
        );
        assert_eq!(
            switches("  url: mysql2://db/app\n  adapter: postgresql\n"),
            ["-", "-"]
        );
    }

    /// `min_connections`/`max_connections` exist only from Rails 8.1, whose pool pings
    /// idle connections every 600 s by default; before it, no keepalive.
    #[test]
    fn rails_8_1_pools_keep_alive_every_600_seconds() {
        for (text, keepalive) in [
            (
                "production:\n  adapter: postgresql\n  max_connections: 5\n  min_connections: 2\n",
                600,
            ),
            (
                "production:\n  adapter: postgresql\n  max_connections: 5\n  keepalive: 30\n",
                30,
            ),
            (
                "production:\n  url: postgres://db/app?max_connections=5\n",
                600,
            ),
            ("production:\n  adapter: postgresql\n  pool: 5\n", 0),
        ] {
            let pool = production(text);
            assert_eq!(
                pool.keepalive.get(),
                Some(&Duration::from_secs(keepalive)),
                "{text}"
            );
        }
        let pool = production("production:\n  adapter: postgresql\n  max_connections: 5\n");
        assert!(matches!(
            pool.keepalive.origin,
            Origin::Default {
                library: &"Active Record 8.1",
                ..
            }
        ));
    }

    /// A literal `url:` adds its query parameters and the adapter its scheme names as
    /// entries after the keys beside it, as Active Record merges them.
    #[test]
    fn url_parameters_and_scheme_are_entries_after_the_keys() {
        let text = "production:\n  adapter: postgresql\n  max_connections: 5\n  url: trilogy://db/app?pool=10\n";
        let model = read(&[("app/config/database.yml", text)]);
        let entries: Vec<(String, String, &str)> = model
            .entries
            .iter()
            .map(|e| {
                (
                    e.key.as_str().to_owned(),
                    e.value.clone().unwrap_or_default(),
                    &text[e.key_span.start..e.key_span.end],
                )
            })
            .collect();
        let tail: Vec<_> = entries.iter().skip(3).cloned().collect();
        assert_eq!(
            tail,
            [
                (
                    "production.url.adapter".to_owned(),
                    "trilogy".to_owned(),
                    "trilogy"
                ),
                ("production.url.pool".to_owned(), "10".to_owned(), "pool"),
            ]
        );
        let model = read(&[(
            "app/config/database.yml",
            "production:\n  url: postgres://db/app?adapter=postgis\n",
        )]);
        let adapters: Vec<_> = model
            .entries
            .iter()
            .filter(|e| e.canonical.as_str() == "adapter")
            .filter_map(|e| e.value.clone())
            .collect();
        assert_eq!(adapters, ["postgis"]);
    }

    /// Psych assigns keys and merge keys in written order (`hash.merge!`): a key before
    /// `<<: *base` is overridden by the base's (it was kept, as YAML's merge-key rule
    /// says), one after it overrides; of `[*a, *b]` the first listed wins. Checked
    /// against Ruby 3.1 / Psych 4.0.3.
    #[test]
    fn merge_keys_apply_in_written_order_as_psych_does() {
        let base = "base: &base\n  adapter: postgresql\n  pool: 2\n  checkout_timeout: 1\nother: &other\n  pool: 7\n  checkout_timeout: 9\n";
        for (keys, pool, checkout) in [
            ("  pool: 10\n  <<: *base\n", 2, 1),
            ("  <<: *base\n  pool: 10\n", 10, 1),
            ("  pool: 10\n  <<: [*base, *other]\n", 2, 1),
            ("  checkout_timeout: 3\n  <<: [*other, *base]\n", 7, 9),
        ] {
            let pool_read = production(&format!("{base}production:\n{keys}"));
            assert_eq!(pool_read.max.get(), Some(&pool), "{keys}");
            assert_eq!(
                pool_read.acquire_timeout.get(),
                Some(&Duration::from_secs(checkout)),
                "{keys}"
            );
        }
    }

    /// Durations typed as Psych types them (as counts already were), then read as
    /// Active Record 8.1 reads each key: `checkout_timeout` and `keepalive` with `(v ||
    /// default).to_f`, `idle_timeout` with `fetch(…).to_f`, `max_age` with `&.to_i`. They
    /// were read as decimal text: `0x10`, `1_0` and `~` were invalid, `"5s"` too.
    #[test]
    fn durations_are_typed_as_psych_then_read_as_active_record() {
        let seconds = |key: &str, written: &str| {
            let pool = production(&format!(
                "production:\n  adapter: postgresql\n  max_connections: 5\n  {key}: {written}\n"
            ));
            match key {
                "checkout_timeout" => pool.acquire_timeout.value,
                "idle_timeout" => pool.idle_timeout.value,
                "max_age" => pool.max_lifetime.value,
                _ => pool.keepalive.value,
            }
        };
        let secs = |s: f64| Val::Known(Duration::from_secs_f64(s));
        for (key, written, read) in [
            ("checkout_timeout", "0x10", secs(16.0)),
            ("checkout_timeout", "1_0", secs(10.0)),
            ("checkout_timeout", "010", secs(8.0)),
            ("checkout_timeout", "2.5", secs(2.5)),
            ("checkout_timeout", "\"10\"", secs(10.0)),
            ("checkout_timeout", "'1_0'", secs(10.0)),
            ("checkout_timeout", "1:30", secs(5400.0)),
            ("checkout_timeout", "~", secs(5.0)),
            ("checkout_timeout", "false", secs(5.0)),
            ("idle_timeout", "0x3c", secs(60.0)),
            ("idle_timeout", "~", secs(0.0)),
            ("idle_timeout", "-1", secs(0.0)),
            ("keepalive", "~", secs(600.0)),
            ("keepalive", "1_0", secs(10.0)),
            ("max_age", "0x3c", secs(60.0)),
            ("max_age", "\"60\"", secs(60.0)),
            ("max_age", "~", secs(0.0)),
        ] {
            assert_eq!(seconds(key, written), read, "{key}: {written}");
        }
        for (key, written, reason) in [
            ("checkout_timeout", "\"5s\"", "`to_f` as 5 s"),
            ("checkout_timeout", "5s", "`to_f` as 5 s"),
            ("checkout_timeout", "\"0x10\"", "`to_f` as 0 s"),
            ("max_age", "1.5", "`to_i` as 1 s"),
            ("max_age", "false", "NoMethodError"),
            ("idle_timeout", "no", "NoMethodError"),
        ] {
            let Val::Invalid(invalid) = seconds(key, written) else {
                panic!("{key}: {written} is {:?}", seconds(key, written));
            };
            assert!(
                invalid.reason.contains(reason),
                "{key}: {written}: {}",
                invalid.reason
            );
        }
        for written in ["yes", ":x", "2024-01-01", "!!int 5"] {
            assert!(
                matches!(seconds("checkout_timeout", written), Val::Unknown(_)),
                "{written}"
            );
        }
        let pool = production(
            "production:\n  url: postgres://db/app?checkout_timeout=1_0&idle_timeout=5s\n",
        );
        assert_eq!(pool.acquire_timeout.value, secs(10.0));
        assert!(matches!(pool.idle_timeout.value, Val::Invalid(_)));
    }

    fn sidekiq(text: &str) -> Val<i64> {
        let model = read(&[("app/config/sidekiq.yml", text)]);
        let sidekiq = model.services.first().expect("sidekiq");
        sidekiq.threads.as_ref().expect("threads").value.clone()
    }

    /// Sidekiq's `concurrency` typed as Psych types it (`YAML.safe_load`): `0x10` and
    /// `1_0` are Integers (they were invalid, and a capsule's were taken for the default
    /// 5); a String or a Float, or a number below 1, stop Sidekiq at start-up (`"10"` was
    /// read as 10, `0` as 0 threads).
    #[test]
    fn sidekiq_concurrency_is_typed_as_psych() {
        for (text, threads) in [
            (":concurrency: 0x10\n", 16),
            ("concurrency: 1_0\n", 10),
            (":concurrency: 010\n", 8),
            (
                ":concurrency: 10\n:capsules:\n  single:\n    :concurrency: 1_0\n",
                20,
            ),
            ("production:\n  :concurrency: 0x10\n:concurrency: 3\n", 16),
        ] {
            assert_eq!(sidekiq(text), Val::Known(threads), "{text}");
        }
        for (text, reason) in [
            (":concurrency: \"10\"\n", "String"),
            (":concurrency: ten\n", "String"),
            (":concurrency: 10.0\n", "Float"),
            (":concurrency: 0\n", "Concurrency of 0 is not supported"),
            (
                ":concurrency: 5\n:capsules:\n  single:\n    :concurrency: '1'\n",
                "String",
            ),
        ] {
            let Val::Invalid(invalid) = sidekiq(text) else {
                panic!("{text}: {:?}", sidekiq(text));
            };
            assert!(
                invalid.reason.contains(reason),
                "{text}: {}",
                invalid.reason
            );
            assert!(invalid.reason.contains("Sidekiq does not start"), "{text}");
        }
        for text in [":concurrency: ~\n", ":concurrency: yes\n"] {
            assert!(matches!(sidekiq(text), Val::Unknown(_)), "{text}");
        }
    }

    fn puma(text: &str) -> (Val<i64>, Option<Val<i64>>) {
        let model = read(&[
            (
                "app/config/database.yml",
                "production:\n  adapter: postgresql\n",
            ),
            ("app/config/puma.rb", text),
        ]);
        let puma = model.services.first().expect("puma");
        let threads = puma.threads.as_ref().expect("threads").value.clone();
        (threads, puma.processes.as_ref().map(|p| p.value.clone()))
    }

    /// Puma's DSL is `threads(min, max = min)`: one argument is the maximum too, and
    /// parentheses are the same call (both were read as Puma's default 5). A call
    /// poollint cannot read is unknown, never the default.
    #[test]
    fn puma_threads_with_one_argument_or_parentheses() {
        for (text, threads) in [
            ("threads 10\n", 10),
            ("threads(0, 10)\n", 10),
            ("threads( 10 )  # web\n", 10),
            ("n = 12\nthreads n\n", 12),
            ("threads ENV.fetch(\"A\", 1), ENV.fetch(\"B\", 7)\n", 7),
            ("threads_count = 3\nthreads 1, threads_count # max\n", 3),
            ("# threads 9, 9\n", PUMA_THREADS),
        ] {
            assert_eq!(puma(text).0, Val::Known(threads), "{text}");
        }
        for text in [
            "threads compute_threads\n",
            "threads(1, 5) if ENV[\"WEB\"]\n",
            "threads 1, 2, 3\n",
            "threads(1,\n",
            "threads *range\n",
        ] {
            assert!(
                matches!(puma(text).0, Val::Unknown(_)),
                "{text}: {:?}",
                puma(text).0
            );
        }
        assert_eq!(puma("workers(3)\n").1, Some(Val::Known(3)));
        assert_eq!(puma("workers 0\n").1, Some(Val::Known(1)));
    }

    /// Puma loads `config/puma/production.rb` instead of `config/puma.rb` in
    /// production: its threads are the production threads, `puma.rb`'s are not read.
    #[test]
    fn puma_production_file_replaces_puma_rb() {
        let model = read(&[
            (
                "app/config/database.yml",
                "production:\n  adapter: postgresql\n",
            ),
            ("app/config/puma.rb", "threads 2, 2\nworkers 3\n"),
            ("app/config/puma/production.rb", "threads 12, 12\n"),
            ("app/config/puma/staging.rb", "threads 4, 4\nworkers 2\n"),
        ]);
        assert_eq!(model.services.len(), 1);
        let puma = &model.services[0];
        assert_eq!(puma.threads.as_ref().and_then(|t| t.get()), Some(&12));
        assert_eq!(puma.processes.as_ref().and_then(|t| t.get()), Some(&1));
        assert_eq!(puma.pools.len(), 1);
        // Another environment runs its own file, else `config/puma.rb`.
        let environments = puma.environments.as_deref().expect("environments");
        let value = |list: &[(String, Setting<i64>)], name: &str| {
            list.iter()
                .find(|(n, _)| n == name)
                .and_then(|(_, s)| s.get().copied())
        };
        assert_eq!(value(&environments.threads, "staging"), Some(4));
        assert_eq!(value(&environments.processes, "staging"), Some(2));
        assert_eq!(
            environments.other_threads.as_ref().and_then(|t| t.get()),
            Some(&2)
        );
        assert_eq!(
            environments.other_processes.as_ref().and_then(|t| t.get()),
            Some(&3)
        );
        for name in ["production", "staging"] {
            let path = format!("app/config/puma/{name}.rb");
            assert!(Rails.recognise(Path::new(&path)).is_some(), "{path}");
        }
        assert!(Rails.recognise(Path::new("app/puma/staging.rb")).is_none());
        assert_eq!(
            Rails.unit(Path::new("app/config/puma/production.rb")),
            Some(Path::new("app"))
        );
    }

    /// The Puma service of `files` (an application at `app/`): its threads and
    /// processes, and the file and text its threads are read at.
    fn puma_of(files: &[(&str, &str)]) -> (Val<i64>, Val<i64>, String) {
        // `read` gives the files their ids in order: those it recognises, then the
        // companions (the Procfile, given last).
        let model = read(files);
        let puma = model
            .services
            .iter()
            .find(|s| s.name.ends_with("(puma)"))
            .expect("puma");
        let threads = puma.threads.clone().expect("threads");
        let at = match &threads.origin {
            Origin::File { file, span, .. } => {
                let (path, text) = files[file.0];
                format!("{path}:{}", &text[span.start..span.end])
            }
            other => format!("{other:?}"),
        };
        let processes = puma.processes.clone().expect("processes").value;
        (threads.value, processes, at)
    }

    /// A Procfile's `web:` command that starts Puma decides what it loads: `-C` loads
    /// the file it names instead of `config/puma/<environment>.rb` and `config/puma.rb`
    /// (any `config/puma*.rb` is read for it), `-e` chooses the environment's file, and
    /// `-t` and `-w` win over every file (Puma's user options). `config/puma.rb`'s 3
    /// threads were read whatever the Procfile said.
    #[test]
    fn procfile_puma_options_choose_the_config_and_override_it() {
        let database = (
            "app/config/database.yml",
            "production:\n  adapter: postgresql\n",
        );
        let puma_rb = ("app/config/puma.rb", "threads 3, 3\nworkers 2\n");
        let web = ("app/config/puma_web.rb", "threads 12, 12\n");
        let staging = ("app/config/puma/staging.rb", "threads 6, 6\nworkers 4\n");
        let run = |procfile: &str| {
            puma_of(&[database, puma_rb, web, staging, ("app/Procfile", procfile)])
        };
        // `-C` (every spelling): puma_web.rb's threads, Puma's default processes (it
        // calls no `workers`), read at that file.
        for procfile in [
            "web: bundle exec puma -C config/puma_web.rb\n",
            "release: rake db:migrate\nweb: bundle exec puma --config=./config/puma_web.rb -p $PORT\nworker: bundle exec sidekiq\n",
            "web: bin/puma -Cconfig/puma_web.rb\n",
            "web: sh -c \"bundle exec rake assets:precompile && bundle exec puma --config /app/config/puma_web.rb\"\n",
        ] {
            let (threads, processes, at) = run(procfile);
            assert_eq!(threads, Val::Known(12), "{procfile}");
            assert_eq!(processes, Val::Known(1), "{procfile}");
            assert_eq!(at, "app/config/puma_web.rb:12", "{procfile}");
        }
        // `-t` and `-w` over the file; the threads read at the option's maximum.
        let (threads, processes, at) =
            run("web: bundle exec puma -C config/puma.rb -t 4:16 --workers=5\n");
        assert_eq!((threads, processes), (Val::Known(16), Val::Known(5)));
        assert_eq!(at, "app/Procfile:16");
        let (threads, _, _) = run("web: bundle exec puma --threads 8\n");
        assert_eq!(threads, Val::Known(8));
        // `-e staging`: config/puma/staging.rb.
        let (threads, processes, _) = run("web: bundle exec puma -e staging\n");
        assert_eq!((threads, processes), (Val::Known(6), Val::Known(4)));
        // `--no-config` (or `-C -`): Puma's defaults, read at the command.
        for procfile in ["web: puma --no-config\n", "web: puma -C -\n"] {
            let (threads, processes, at) = run(procfile);
            assert_eq!(threads, Val::Known(PUMA_THREADS), "{procfile}");
            assert_eq!(processes, Val::Known(1), "{procfile}");
            assert_eq!(at, "app/Procfile:puma", "{procfile}");
        }
        // A file not among those read: unknown, never another file's values.
        let (threads, processes, at) = run("web: bundle exec puma -C deploy/puma.rb\n");
        assert!(matches!(threads, Val::Unknown(_)), "{threads:?}");
        assert!(matches!(processes, Val::Unknown(_)), "{processes:?}");
        assert_eq!(at, "app/Procfile:deploy/puma.rb");
        // Another launcher, or no web process: config/puma.rb as before.
        for procfile in [
            "web: bin/rails server\n",
            "worker: bundle exec puma -t 9:9\n",
        ] {
            let (threads, processes, _) = run(procfile);
            assert_eq!(
                (threads, processes),
                (Val::Known(3), Val::Known(2)),
                "{procfile}"
            );
        }
    }

    /// What a Procfile's command fixes holds in every environment a deployment may
    /// name: `-C` makes both its threads and processes those of every environment.
    #[test]
    fn procfile_config_holds_in_every_environment() {
        let model = read(&[
            ("app/config/puma.rb", "threads 3, 3\n"),
            ("app/config/puma/staging.rb", "threads 6, 6\n"),
            ("app/config/puma_web.rb", "threads 12, 12\nworkers 2\n"),
            ("app/Procfile", "web: puma -C config/puma_web.rb\n"),
        ]);
        let environments = model.services[0]
            .environments
            .as_deref()
            .expect("environments");
        assert!(environments.threads.is_empty());
        assert_eq!(
            environments.other_threads.as_ref().and_then(|t| t.get()),
            Some(&12)
        );
        assert_eq!(
            environments.other_processes.as_ref().and_then(|t| t.get()),
            Some(&2)
        );
        let files = model.services[0].server_files.as_deref().expect("files");
        let paths: Vec<&str> = files.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "config/puma.rb",
                "config/puma/staging.rb",
                "config/puma_web.rb"
            ]
        );
    }

    /// Puma's options as its CLI parses them: each option's argument attached or not,
    /// `-t` one number or `min:max`, options with arguments skipped, the command after a
    /// shell separator another program's.
    #[test]
    fn puma_command_options() {
        let words = |line: &str| -> Vec<crate::model::CommandWord> {
            crate::ecosystems::shell::shell_words(line, crate::ecosystems::shell::Quoting::Posix)
                .into_iter()
                .map(|(text, range)| crate::model::CommandWord {
                    text,
                    location: Location {
                        file: crate::source::FileId(0),
                        span: Span::new(range.start, range.end),
                    },
                })
                .collect()
        };
        let read = |line: &str| puma_command(&words(line));
        let count = |s: &Option<Setting<i64>>| s.as_ref().and_then(|s| s.get().copied());
        let command =
            read("bundle exec puma -b tcp://0.0.0.0:3000 -t 2:9 -w 0 -e staging config.ru")
                .expect("puma");
        assert_eq!(count(&command.threads), Some(9));
        assert_eq!(count(&command.workers), Some(1));
        assert_eq!(
            command.environment().map(|e| e.text.as_str()),
            Some("staging")
        );
        assert!(command.config.is_none());
        let command = read("puma --tag -t -C a.rb --config=b.rb -Cc.rb").expect("puma");
        let config: Vec<&str> = command
            .config
            .iter()
            .flatten()
            .map(|w| w.text.as_str())
            .collect();
        assert_eq!(config, ["a.rb", "b.rb", "c.rb"]);
        assert!(command.threads.is_none());
        let command = read("puma -t $(THREADS) && other -t 5").expect("puma");
        assert!(matches!(
            command.threads.map(|t| t.value),
            Some(Val::Unknown(_))
        ));
        for line in [
            "bin/rails server -e production",
            "pumactl restart",
            "puma-dev",
        ] {
            assert!(read(line).is_none(), "{line}");
        }
    }

    /// Sidekiq's default concurrency is its version's: 10 in 6.x (and 5.2+), 5 from 7.0,
    /// 25 before 5.2, read from the application's `Gemfile.lock`; 7's 5 without one.
    /// Sidekiq 6's default was read as 5.
    #[test]
    fn sidekiq_default_concurrency_follows_the_locked_version() {
        let lock = |version: &str| {
            format!("GEM\n  remote: https://rubygems.org/\n  specs:\n    connection_pool (2.4.1)\n    sidekiq ({version})\n      connection_pool (>= 2.2.5)\n      rack (>= 2.2.4)\n    sidekiq-cron (1.12.0)\n      sidekiq (>= 6)\n\nPLATFORMS\n  ruby\n\nDEPENDENCIES\n  sidekiq (~> 6.5)\n")
        };
        let threads = |lockfile: Option<&str>| {
            let mut files = vec![("app/config/sidekiq.yml", ":queues:\n  - default\n")];
            if let Some(text) = lockfile {
                files.push(("app/Gemfile.lock", text));
            }
            let model = read(&files);
            let threads = model.services[0].threads.clone().expect("threads");
            let via = match &threads.origin {
                Origin::File { via, .. } => via.clone(),
                _ => None,
            };
            (threads.value, via)
        };
        for (version, concurrency) in [
            ("6.5.12", 10),
            ("6.0.0", 10),
            ("7.2.4", 5),
            ("8.0.1", 5),
            ("5.2.10", 10),
            ("5.1.3", 25),
        ] {
            let text = lock(version);
            assert_eq!(threads(Some(&text)).0, Val::Known(concurrency), "{version}");
        }
        assert_eq!(threads(None).0, Val::Known(SIDEKIQ_CONCURRENCY));
        // Only a gem's own spec line counts, not a dependency's.
        let only_dependency = "GEM\n  specs:\n    sidekiq-cron (1.12.0)\n      sidekiq (>= 6)\n";
        assert_eq!(
            threads(Some(only_dependency)).0,
            Val::Known(SIDEKIQ_CONCURRENCY)
        );
        // `RAILS_MAX_THREADS` replaces the default from Sidekiq 6 on.
        let text = lock("5.2.10");
        assert_eq!(threads(Some(&text)).1, None);
        let text = lock("6.5.12");
        assert_eq!(threads(Some(&text)).1.as_deref(), Some("RAILS_MAX_THREADS"));
    }

    /// Without a `workers` call Puma takes `WEB_CONCURRENCY`, else single mode: one
    /// process read through the variable (it was no setting, so a deployment's
    /// `WEB_CONCURRENCY=4` changed nothing).
    #[test]
    fn puma_default_workers_name_web_concurrency() {
        let model = read(&[("app/config/puma.rb", "threads 4, 4\n")]);
        let workers = model.services[0].processes.as_ref().expect("workers");
        assert_eq!(workers.value, Val::Known(1));
        let Origin::File { via, .. } = &workers.origin else {
            panic!("{:?}", workers.origin);
        };
        assert_eq!(via.as_deref(), Some("WEB_CONCURRENCY"));
    }

    /// Without a `threads` call Puma 5+ takes its maximum from `PUMA_MAX_THREADS`, then
    /// `MAX_THREADS`, else 5: the default names both variables (it was Puma's default
    /// with no variable, so a deployment setting one changed nothing).
    #[test]
    fn puma_default_threads_name_puma_max_threads_variables() {
        let model = read(&[("app/config/puma.rb", "workers 2\n")]);
        let threads = model
            .services
            .first()
            .and_then(|s| s.threads.clone())
            .expect("threads");
        assert_eq!(threads.value, Val::Known(PUMA_THREADS));
        assert!(
            matches!(&threads.origin, Origin::File { via: Some(v), key, .. }
                if &**v == "PUMA_MAX_THREADS,MAX_THREADS" && &**key == "puma.threads.max"),
            "{:?}",
            threads.origin
        );
    }

    /// Puma keeps the last `threads` or `workers` call it runs: one inside a condition
    /// or block after the last unconditional one is unknown (the first call was read,
    /// even when a condition skipped it), and a variable is the value assigned before the
    /// call at the top level (the last assignment in the file was read, also one inside
    /// an `if` or after the call).
    #[test]
    fn puma_calls_and_assignments_inside_conditions_are_not_certain() {
        for (text, threads) in [
            ("threads 1, 1\nthreads 8, 8\n", 8),
            ("if ENV[\"DEV\"]\n  threads 1, 1\nend\nthreads 8, 8\n", 8),
            ("n = 5\nthreads n\nn = 10\n", 5),
            ("n = 5\nif x\n  n = 10 # more\nend\nn = 7\nthreads n\n", 7),
            ("on_worker_boot do\n  threads 1, 1\nend\nthreads 3, 3\n", 3),
            ("x = { a: 1 }\nthreads 4 # \"{\"\n", 4),
            ("if a then b end\nthreads 6\n", 6),
            // Text, not code: a heredoc, a string across lines, an `=begin` comment.
            ("threads 2, 2\nDOC = <<~EOS\n  threads 20, 20\nEOS\n", 2),
            ("threads 8, 8\nx = <<-'EOS'\nthreads 1, 1\n  EOS\n", 8),
            ("threads 2, 2\nx = \"\nthreads 20, 20\n\"\n", 2),
            ("threads 2, 2\n=begin\nthreads 20, 20\n=end\n", 2),
            ("n = 3\nDOC = <<~EOS\nn = 9\nEOS\nthreads n\n", 3),
            ("arr = []\narr << 1\nthreads 7\n", 7),
        ] {
            assert_eq!(puma(text).0, Val::Known(threads), "{text}");
        }
        for text in [
            "if ENV[\"DEV\"]\n  threads 1, 1\nelse\n  threads 5, 5\nend\n",
            "threads 8, 8\nunless ENV[\"X\"]\n  threads 1, 1\nend\n",
            "case ENV[\"MODE\"]\nwhen \"a\"\n  threads 2, 2\nend\n",
            "n = 5\nif prod\n  n = 10\nend\nthreads n\n",
            "n = if prod\n  10\nelse\n  5\nend\nthreads n\n",
            "before_fork do\n  threads 2, 2\nend\n",
            // A one-line `do … end` inside an `if` leaves the `if` open.
            "threads 2, 2\nif ENV[\"BIG\"]\n  on_worker_boot do puts 1 end\n  threads 20, 20\nend\n",
        ] {
            assert!(
                matches!(puma(text).0, Val::Unknown(_)),
                "{text}: {:?}",
                puma(text).0
            );
        }
        let (_, workers) = puma("if ENV[\"PROD\"]\n  workers 4\nend\n");
        assert!(matches!(workers, Some(Val::Unknown(_))), "{workers:?}");
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
