//! docker-compose files: every service becomes a [`Service`] with its `deploy.replicas`
//! (default 1), and a service running a PostgreSQL image becomes a [`Database`] whose
//! parameters (`max_connections`, `superuser_reserved_connections`, the timeouts) come
//! from `-c name=value` flags in its `command` (string or list form), with spans inside
//! the command, or PostgreSQL's defaults (rules-catalogue §1.3 [PG-CONN]). Merge keys
//! and anchors (`<<: *common`) are followed; `environment` feeds Spring pools. Compose
//! interpolates every value before use [COMPOSE-INTERP]: `environment`, `command`,
//! `deploy.replicas` and `scale` are read after [`interpolate`], spans on the text as
//! written.

use std::path::Path;

use super::postgres::{self, CommandFlag};
use super::{file_name, ParsedFile, Reader};
use crate::model::{Deployment, Ecosystem, EnvVar, Location, Model, Origin, Service, Setting, Val};
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::{Document, Format, NodeId};

pub struct Compose;

impl Reader for Compose {
    fn ecosystem(&self) -> Ecosystem {
        Ecosystem::Compose
    }

    fn recognise(&self, path: &Path) -> Option<Format> {
        let name = file_name(path)?;
        let yaml = name.ends_with(".yml") || name.ends_with(".yaml");
        let compose = name.starts_with("docker-compose") || name.starts_with("compose.");
        (yaml && compose).then_some(Format::Yaml)
    }

    /// Each file stands alone.
    fn unit<'p>(&self, path: &'p Path) -> Option<&'p Path> {
        Some(path)
    }

    fn read(&self, files: &[&ParsedFile], sources: &SourceMap) -> Model {
        let mut model = Model::default();
        for file in files {
            let Some(root) = file.doc.roots.first().copied() else {
                continue;
            };
            let Some(services) = file.doc.get(root, "services") else {
                continue;
            };
            let text = sources.get(file.id).map_or("", |f| f.text());
            model
                .secrets
                .extend(password_default_secrets(file.id, text));
            for entry in file.doc.entries(services) {
                let reader = ServiceReader {
                    doc: &file.doc,
                    text,
                    file: file.id,
                    dir: file.path.parent().unwrap_or(Path::new("")),
                    key: entry.key,
                    node: entry.value,
                };
                if let Some(service) = reader.service() {
                    let written = reader.written_environment();
                    // Passwords are masked where they are written too: interpolation
                    // moves the text, and offsets into the new value would miss.
                    let moved: Vec<EnvVar> = written
                        .iter()
                        .filter(|v| v.value.contains('$'))
                        .cloned()
                        .collect();
                    let urls = url_passwords(&written);
                    let mut defaults = Vec::new();
                    let environment = written
                        .into_iter()
                        .map(|var| {
                            let (var, default) = interpolated(var);
                            defaults.extend(default);
                            var
                        })
                        .collect();
                    let mut read = super::service_with_environment(service, environment);
                    // `SPRING_DATASOURCE_PASSWORD: ${DB_PASSWORD:-x}`: the literal is the
                    // placeholder's default, not the variable's value as written.
                    for secret in &mut read.secrets {
                        if secret.kind == "password key" && defaults.contains(&secret.location) {
                            secret.kind = "placeholder default";
                        }
                    }
                    model.extend(read);
                    model.secrets.extend(super::password_secrets(&moved));
                    model.secrets.extend(urls);
                }
                model.extend(reader.database().unwrap_or_default());
            }
        }
        model
    }
}

struct ServiceReader<'a> {
    doc: &'a Document,
    /// The file's text, to place `-c` flags inside a command string.
    text: &'a str,
    file: FileId,
    /// The compose file's directory, which relative paths are resolved against.
    dir: &'a Path,
    key: NodeId,
    node: NodeId,
}

impl ServiceReader<'_> {
    fn name(&self) -> Option<&str> {
        self.doc.text(self.key)
    }

    fn location(&self, span: Span) -> Location {
        Location {
            file: self.file,
            span,
        }
    }

    /// `environment:` as a map (`KEY: value`) or a list (`- KEY=value`), as written;
    /// [`interpolated`] gives what the container receives.
    fn written_environment(&self) -> Vec<EnvVar> {
        let Some(env) = self.doc.get(self.node, "environment") else {
            return Vec::new();
        };
        let location = |span| Location {
            file: self.file,
            span,
        };
        if let Some(items) = self.doc.seq(env) {
            return items
                .iter()
                .filter_map(|item| {
                    let text = self.doc.text(*item)?;
                    let (name, value) = text.split_once('=')?;
                    // Where the text is written: an alias's anchor.
                    let span = self.doc.span(self.doc.resolve(*item));
                    let raw = self.text.get(span.start..span.end)?;
                    let start = span.start + raw.find(text)?;
                    Some(EnvVar {
                        name: name.to_owned(),
                        value: value.to_owned(),
                        name_location: location(Span::new(start, start + name.len())),
                        value_location: location(Span::new(
                            start + name.len() + 1,
                            start + text.len(),
                        )),
                        moved: false,
                        parts: None,
                        unknown_from: None,
                    })
                })
                .collect();
        }
        self.doc
            .entries(env)
            .into_iter()
            .filter_map(|entry| {
                let value = self.doc.text(entry.value)?;
                // Where the text is written: an alias's anchor (masked there).
                let span = self.doc.span(self.doc.resolve(entry.value));
                let raw = self.text.get(span.start..span.end).unwrap_or("");
                let value_span = raw
                    .find(value)
                    .filter(|_| !value.is_empty())
                    .map_or(span, |o| {
                        Span::new(span.start + o, span.start + o + value.len())
                    });
                Some(EnvVar {
                    name: self.doc.text(entry.key)?.to_owned(),
                    value: value.to_owned(),
                    name_location: location(self.doc.span(entry.key)),
                    value_location: location(value_span),
                    moved: false,
                    parts: None,
                    unknown_from: None,
                })
            })
            .collect()
    }

    /// The profiles a service runs under (`profiles: [debug]`), joined with ` or --profile `, and
    /// where they are written; None for a service every `up` starts.
    fn profiles(&self) -> Option<(String, Span)> {
        let node = self.doc.get(self.node, "profiles")?;
        let items = self.doc.seq(node)?;
        let names: Vec<&str> = items.iter().filter_map(|i| self.doc.text(*i)).collect();
        (!names.is_empty()).then(|| (names.join(" or --profile "), self.doc.span(node)))
    }

    fn service(&self) -> Option<Service> {
        let name = self.name()?.to_owned();
        // `deploy.replicas`, else the service-level `scale` the Compose specification
        // also defines (the two must agree when both are set).
        let replicas_node = self
            .doc
            .get(self.node, "deploy")
            .and_then(|d| self.doc.get(d, "replicas"))
            .map(|n| (n, "deploy.replicas"))
            .or_else(|| self.doc.get(self.node, "scale").map(|n| (n, "scale")));
        let replicas = match (self.profiles(), replicas_node) {
            // `docker compose up` starts a service under `profiles:` only when one of
            // them is activated (`--profile debug`): by default it runs no container.
            (Some((names, span)), _) => Setting {
                value: Val::Known(0),
                origin: Origin::Inferred {
                    from: format!("not started without --profile {names}"),
                    at: Some(self.location(span)),
                },
            },
            (None, Some((node, key))) => Setting {
                value: replica_count(self.doc.text(node).unwrap_or(""), key),
                origin: Origin::File {
                    file: self.file,
                    span: self.doc.span(node),
                    key: format!("services.{name}.{key}").into(),
                    via: None,
                },
            },
            (None, None) => Setting {
                value: Val::Known(1),
                origin: Origin::Default {
                    library: "Compose",
                    doc: "https://docs.docker.com/reference/compose-file/deploy/#replicas",
                    anchor: Some(self.location(self.doc.span(self.key))),
                },
            },
        };
        Some(Service {
            deployment: Some(Box::new(Deployment {
                replicas: Some(replicas),
                location: Some(self.location(self.doc.span(self.key))),
                host_paths: self.host_paths(),
                ..Deployment::default()
            })),
            ..Service::new(name, Ecosystem::Compose, Vec::new())
        })
    }

    fn database(&self) -> Option<Model> {
        let image = self
            .doc
            .get(self.node, "image")
            .and_then(|i| self.doc.text(i))?;
        if !postgres::is_postgres_image(image) {
            return None;
        }
        let name = self.name()?.to_owned();
        let prefix = format!("services.{name}.command");
        let anchor = self.location(self.doc.span(self.key));
        let mut model =
            postgres::database_from_flags(name, self.file, &self.flags(), &prefix, anchor);
        for database in &mut model.databases {
            database.aliases = self.host_names();
        }
        Some(model)
    }

    /// The names other containers also reach this service by: its `hostname`, its
    /// `container_name` and its `aliases` on each network (list or map form).
    fn host_names(&self) -> Vec<String> {
        let doc = self.doc;
        let text = |key: &str| doc.get(self.node, key).and_then(|n| doc.text(n));
        let mut names: Vec<String> = ["hostname", "container_name"]
            .into_iter()
            .filter_map(text)
            .map(str::to_owned)
            .collect();
        let networks = doc.get(self.node, "networks");
        for network in networks.map(|n| doc.entries(n)).unwrap_or_default() {
            let aliases = doc.get(network.value, "aliases");
            for alias in aliases.and_then(|a| doc.seq(a)).unwrap_or_default() {
                names.extend(doc.text(*alias).map(str::to_owned));
            }
        }
        names
    }

    /// The `build` context (string or `context:`) and bind-mount sources (`./src:/dst`
    /// or `source:`) that are relative host paths, resolved against the compose file.
    fn host_paths(&self) -> Vec<std::path::PathBuf> {
        let build = self.doc.get(self.node, "build");
        let context = build.and_then(|b| {
            self.doc
                .text(b)
                .or_else(|| self.doc.get(b, "context").and_then(|c| self.doc.text(c)))
        });
        let volumes = self
            .doc
            .get(self.node, "volumes")
            .and_then(|v| self.doc.seq(v))
            .unwrap_or(&[]);
        let mounts = volumes.iter().filter_map(|v| match self.doc.text(*v) {
            Some(short) => short.split(':').next(),
            None => self.doc.get(*v, "source").and_then(|s| self.doc.text(s)),
        });
        context
            .into_iter()
            .chain(mounts)
            .filter(|p| p.starts_with('.'))
            .map(|p| crate::source::normalise(&self.dir.join(p)))
            .collect()
    }

    /// `-c name=value` flags of `command`, with the value's span in the file.
    fn flags(&self) -> Vec<CommandFlag> {
        let Some(command) = self.doc.get(self.node, "command") else {
            return Vec::new();
        };
        let words: Vec<(String, Span)> = match self.doc.seq(command) {
            Some(items) => items
                .iter()
                .filter_map(|i| {
                    let word = self.doc.text(*i)?;
                    Some((
                        word.to_owned(),
                        super::inner_span(self.text, self.doc.span(*i), word),
                    ))
                })
                .collect(),
            None => self.split_command(command),
        };
        let (words, unknown_words) = interpolated_words(words);
        let mut flags = postgres::command_flags(&words);
        for flag in &mut flags {
            flag.unknown = unknown_words
                .iter()
                .any(|w| w.start <= flag.value_span.start && flag.value_span.end <= w.end);
        }
        flags
    }

    /// Split a string `command` into words as Compose does (shell quoting: `-c
    /// 'max_connections=100'` is the word `max_connections=100`), with spans when the
    /// raw text equals the value (plain or simply quoted); otherwise every word gets the
    /// whole span.
    fn split_command(&self, node: NodeId) -> Vec<(String, Span)> {
        let Some(text) = self.doc.text(node) else {
            return Vec::new();
        };
        let span = self.doc.span(node);
        let raw = self.text.get(span.start..span.end);
        let base = raw
            .and_then(|r| r.find(text))
            .map(|offset| span.start + offset);
        shell_words(text)
            .into_iter()
            .map(|(word, range)| {
                let word_span = match base {
                    Some(b) => Span::new(b + range.start, b + range.end),
                    None => span,
                };
                (word, word_span)
            })
            .collect()
    }
}

/// A variable as the container receives it: Compose interpolates `${VAR:-default}`
/// and friends in the file before the container starts. A value that is one
/// placeholder with a default points at the default's text, and its location is
/// returned too (the value is the placeholder's default, not a literal of its own).
fn interpolated(mut var: EnvVar) -> (EnvVar, Option<Location>) {
    if !var.value.contains('$') {
        return (var, None);
    }
    let (value, whole_default) = interpolate(&var.value, 0);
    // The default's place, when the span holds the value exactly as written.
    if let (Some(range), Some(start)) = (&whole_default, var.text_start()) {
        var.value_location.span = Span::new(start + range.start, start + range.end);
    } else {
        var.moved = value != var.value;
    }
    var.value = value;
    let default = whole_default.map(|_| var.value_location);
    (var, default)
}

/// A `deploy.replicas` or `scale` value after interpolation (`${REPLICAS:-4}` is 4): a
/// placeholder without a default is unknown, anything else not a whole number invalid.
fn replica_count(written: &str, key: &str) -> Val<i64> {
    let mut unknown = false;
    let (text, _) = interpolate_noting_unknowns(written, 0, &mut unknown);
    match text.trim().parse::<i64>() {
        Ok(v) if v >= 0 => Val::Known(v),
        _ if unknown => Val::unknown(format!(
            "{key} is `{written}`, a variable without a default"
        )),
        _ => Val::invalid(written.to_owned(), format!("{key} must be a whole number")),
    }
}

/// Command words after interpolation: Compose interpolates `command` like every value
/// before the container starts (`-c max_connections=${MAXCONN:-20}` passes `20`). A
/// word interpolation changes keeps the span of its text as written (the whole word);
/// one whose value holds blanks (`${FLAGS:--c a=1 -c b=2}`) splits into the words of
/// that value, each at the written word. Also the spans of the words holding a variable
/// without a default, whose flags are unknown.
fn interpolated_words(words: Vec<(String, Span)>) -> (Vec<(String, Span)>, Vec<Span>) {
    let mut out = Vec::with_capacity(words.len());
    let mut unknown_words = Vec::new();
    for (word, span) in words {
        if !word.contains('$') {
            out.push((word, span));
            continue;
        }
        let mut unknown = false;
        let (value, _) = interpolate_noting_unknowns(&word, 0, &mut unknown);
        if unknown {
            unknown_words.push(span);
        }
        if value.contains(char::is_whitespace) {
            out.extend(shell_words(&value).into_iter().map(|(w, _)| (w, span)));
        } else {
            out.push((value, span));
        }
    }
    (out, unknown_words)
}

/// The passwords of the database URLs and connection strings that variables hold as
/// written (`DATABASE_URL: postgres://u:pw@db/app`), which the credentials rule reports
/// like a `.env` file's, unless the password is a placeholder (`${DB_PASSWORD}`, with
/// or without a default: the variable's own password is masked, not reported). Not
/// Spring's variables (the Spring reader reports those), not password variables
/// (`POSTGRES_PASSWORD` is usually the database container's own), and not URLs of
/// other services (`redis://`, `amqp://`).
fn url_passwords(written: &[EnvVar]) -> Vec<crate::model::Secret> {
    let mut secrets = Vec::new();
    for var in written {
        if super::spring::is_spring_variable(&var.name)
            || super::is_password_name(&var.name)
            || !is_database_connection(&var.value)
        {
            continue;
        }
        let span = var.value_location.span;
        let start = var.text_start();
        for range in super::connection_string::password_ranges(&var.value) {
            let password = var.value.get(range.clone()).unwrap_or("");
            // `$$` is a `$`; any other `$` is interpolated (`${DB_PASSWORD}`).
            if password.replace("$$", "").contains('$') {
                continue;
            }
            secrets.push(crate::model::Secret {
                literal: true,
                ..super::masked(
                    Location {
                        file: var.value_location.file,
                        span: super::span_within(span, start, range),
                    },
                    &var.name,
                    "connection string password",
                )
            });
        }
    }
    secrets
}

/// The defaults of password variables anywhere in a compose file, as written
/// (`${DB_PASSWORD:-x}`): Compose interpolates every value, so a setting that takes one
/// (`MAXIMUMPOOLSIZE: ${DB_PASSWORD:-x}`) is quoted by the finding on it. Masked, not
/// reported: the variable's own value is not in the file.
fn password_default_secrets(file: FileId, text: &str) -> Vec<crate::model::Secret> {
    password_defaults(text, None, 0)
        .into_iter()
        .map(|(range, name)| {
            let location = Location {
                file,
                span: Span::new(range.start, range.end),
            };
            super::masked(location, &name, "placeholder default")
        })
        .collect()
}

/// Operators after which a placeholder's text is the value of an unset variable:
/// Compose's `:-` and `-`, and the shell's `:=` and `=` (assigned, and used alike).
const DEFAULT_OPERATORS: [&str; 4] = [":-", ":=", "-", "="];

/// The byte ranges in `text` of the defaults of password variables, with the
/// variable's name; `password` names the variable whose default `text` is, whose
/// nested defaults are its password too (`${DB_PASSWORD:-${OLD_PW:-x}}` masks `x`,
/// which a message quotes, as well as the whole default).
fn password_defaults(
    text: &str,
    password: Option<&str>,
    depth: usize,
) -> Vec<(std::ops::Range<usize>, String)> {
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(offset) = text.get(at..).and_then(|t| t.find('$')) {
        let start = at + offset;
        let rest = text.get(start + 1..).unwrap_or("");
        // `$$` is a `$`, and `$VAR` has no default: both skipped like other text.
        let len = if rest.starts_with('{') {
            super::nested_braces_len(rest)
        } else {
            Some(usize::from(rest.starts_with('$')))
        };
        // An unclosed `${` leaves the rest of the text as written (see `interpolate`).
        let Some(len) = len else { break };
        if let Some(inner) = rest.get(1..len.saturating_sub(1)) {
            // `${` is two bytes before the inner text.
            let placeholder = placeholder_defaults(inner, password, depth);
            found.extend(
                placeholder
                    .into_iter()
                    .map(|(r, name)| (r.start + start + 2..r.end + start + 2, name)),
            );
        }
        at = start + 1 + len;
    }
    found
}

/// [`password_defaults`] of one `${inner}`: its default's range in `inner` when the
/// variable is a password's (or a password's default holds it), and those nested in it.
fn placeholder_defaults(
    inner: &str,
    password: Option<&str>,
    depth: usize,
) -> Vec<(std::ops::Range<usize>, String)> {
    let (name, rest) = super::split_variable_name(inner);
    let Some(op) = DEFAULT_OPERATORS.iter().find(|op| rest.starts_with(**op)) else {
        return Vec::new();
    };
    if depth >= MAX_INTERPOLATION_DEPTH {
        return Vec::new();
    }
    let from = name.len() + op.len();
    let default = inner.get(from..).unwrap_or("");
    let password = password.or_else(|| super::is_password_name(name).then_some(name));
    let mut found: Vec<_> = password_defaults(default, password, depth + 1)
        .into_iter()
        .map(|(r, name)| (r.start + from..r.end + from, name))
        .collect();
    if let Some(name) = password.filter(|_| !default.is_empty()) {
        found.push((from..inner.len(), name.to_owned()));
    }
    found
}

/// A URL whose scheme names a SQL database (`postgres://`, `mysql://`,
/// `jdbc:sqlserver://`, SQLAlchemy's `postgresql+psycopg2://`), or a key/value
/// connection string (`Host=db;Password=…`).
fn is_database_connection(value: &str) -> bool {
    const DATABASES: &[&str] = &[
        "postgresql",
        "postgis",
        "timescale",
        "mysql",
        "mysql2",
        "mysqlgis",
        "mariadb",
        "mssql",
        "sqlserver",
        "oracle",
        "redshift",
        "cockroach",
        "cockroachdb",
        "db2",
    ];
    match super::connection_string::parse_url(value).and_then(|p| p.engine) {
        Some(engine) => DATABASES.contains(&engine.as_str()),
        None => true,
    }
}

/// Deepest nesting of defaults followed (`${A:-${B:-5}}`).
const MAX_INTERPOLATION_DEPTH: usize = 8;

/// Compose's interpolation of one value [COMPOSE-INTERP]
/// (https://docs.docker.com/reference/compose-file/interpolation/): `$$` is a `$`;
/// `${VAR:-default}` and `${VAR-default}` take their default (the variable's value is
/// not in the repository); `${VAR}`, `$VAR`, `${VAR:?err}`, `${VAR?err}` and
/// `${VAR:+alt}` are unknown, written `${VAR}` so the Spring binding reads them as a
/// placeholder without a default. Also returns the default's byte range in `text` when
/// the whole value is one placeholder with a default.
fn interpolate(text: &str, depth: usize) -> (String, Option<std::ops::Range<usize>>) {
    interpolate_noting_unknowns(text, depth, &mut false)
}

/// [`interpolate`], also setting `unknown` when a placeholder without a default is met
/// (its `${VAR}` text in the value is then not the text written, as a `$${VAR}` is).
fn interpolate_noting_unknowns(
    text: &str,
    depth: usize,
    unknown: &mut bool,
) -> (String, Option<std::ops::Range<usize>>) {
    let mut out = String::with_capacity(text.len());
    let mut whole_default = None;
    let mut at = 0;
    while let Some(found) = text.get(at..).and_then(|t| t.find('$')) {
        let start = at + found;
        out.push_str(text.get(at..start).unwrap_or(""));
        let rest = text.get(start + 1..).unwrap_or("");
        if rest.starts_with('$') {
            out.push('$');
            at = start + 2;
        } else if rest.starts_with('{') {
            let Some(len) = super::nested_braces_len(rest) else {
                out.push_str(text.get(start..).unwrap_or(""));
                return (out, None);
            };
            let inner = rest.get(1..len - 1).unwrap_or("");
            let (value, default_at) = substitute(inner, depth, unknown);
            out.push_str(&value);
            if start == 0 && len + 1 == text.len() {
                // `${` is two bytes before the inner text.
                whole_default = default_at.map(|r| r.start + 2..r.end + 2);
            }
            at = start + 1 + len;
        } else {
            let (name, _) = super::split_variable_name(rest);
            if name.is_empty() {
                out.push('$');
            } else {
                *unknown = true;
                out.push_str(&format!("${{{name}}}"));
            }
            at = start + 1 + name.len();
        }
    }
    out.push_str(text.get(at..).unwrap_or(""));
    (out, whole_default)
}

/// The value of one `${inner}`, and the default's range in `inner` when it is taken.
fn substitute(
    inner: &str,
    depth: usize,
    unknown: &mut bool,
) -> (String, Option<std::ops::Range<usize>>) {
    let (name, rest) = super::split_variable_name(inner);
    let operator = [":-", "-"].into_iter().find(|op| rest.starts_with(op));
    match operator {
        Some(op) if depth < MAX_INTERPOLATION_DEPTH => {
            let default = rest.get(op.len()..).unwrap_or("");
            let (value, _) = interpolate_noting_unknowns(default, depth + 1, unknown);
            let from = name.len() + op.len();
            (value, Some(from..from + default.len()))
        }
        _ => {
            *unknown = true;
            (format!("${{{name}}}"), None)
        }
    }
}

/// Words of a shell-style command line with the byte range each came from: the text
/// inside the quotes for a word that is one quoted string, else the whole raw word.
fn shell_words(text: &str) -> Vec<(String, std::ops::Range<usize>)> {
    let mut words = Vec::new();
    let mut current: Option<(String, usize)> = None;
    let mut quote: Option<char> = None;
    for (at, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => current.get_or_insert_with(|| (String::new(), at)).0.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                current.get_or_insert_with(|| (String::new(), at));
            }
            (None, c) if c.is_whitespace() => {
                if let Some((word, start)) = current.take() {
                    words.push((word, start..at));
                }
            }
            (None, c) => current.get_or_insert_with(|| (String::new(), at)).0.push(c),
        }
    }
    if let Some((word, start)) = current {
        words.push((word, start..text.len()));
    }
    words
        .into_iter()
        .map(|(word, range)| {
            let raw = text.get(range.clone()).unwrap_or("");
            let quoted =
                raw.len() == word.len() + 2 && (raw.starts_with('\'') || raw.starts_with('"'));
            let inner = if quoted {
                range.start + 1..range.end - 1
            } else {
                range
            };
            (word, inner)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{interpolate, shell_words, Compose};
    use crate::syntax::Format;

    #[test]
    fn passwords_stay_masked_where_interpolation_moves_them() {
        let text = "services:\n  app:\n    image: app:1\n    environment:\n      DATABASE_URL: postgres://u:Pw-Secret-9@${HOST:-db}/x${Q:?q}$$\n";
        let (model, _) =
            crate::ecosystems::read_one(&Compose, "docker-compose.yml", Format::Yaml, text);
        assert!(model.secrets.iter().any(|s| {
            let span = s.location.span;
            &text[span.start..span.end] == "Pw-Secret-9"
        }));
        let env = &model.services[0].deployment.as_ref().unwrap().environment[0];
        assert_eq!(env.value, "postgres://u:Pw-Secret-9@db/x${Q}$");
    }

    #[test]
    fn secret_named_variables_are_masked_and_not_reported() {
        let text = "services:\n  app:\n    image: app:1\n    environment:\n      DB_PW: Zq9Pw01\n      API_TOKEN: Zq9Tok02\n  worker:\n    image: app:1\n    environment:\n      - DB_SECRET=Zq9Sec03\n      - TOKEN_TTL=3600\n";
        let (model, _) =
            crate::ecosystems::read_one(&Compose, "docker-compose.yml", Format::Yaml, text);
        let masked: Vec<(&str, bool)> = model
            .secrets
            .iter()
            .map(|s| (&text[s.location.span.start..s.location.span.end], s.literal))
            .collect();
        for secret in ["Zq9Pw01", "Zq9Tok02", "Zq9Sec03"] {
            assert!(masked.contains(&(secret, false)), "{secret}: {masked:?}");
        }
        assert!(
            masked.iter().all(|(m, _)| !m.contains("3600")),
            "{masked:?}"
        );
    }

    #[test]
    fn database_urls_are_reported_and_placeholder_defaults_named_so() {
        let text = "services:\n  app:\n    image: app:1\n    environment:\n      DATABASE_URL: postgres://u:Url-Secret-1@db/x\n      SPRING_DATASOURCE_PASSWORD: ${DB_PASSWORD:-Default-Secret-2}\n      OTHER_URL: \"postgres://u:${DB_PW}@db/x\"\n      CACHE_URL: redis://:Cache-Secret-3@cache/0\n      DOLLAR_URL: mysql://u:pa$$Secret-4@db/x\n  worker:\n    image: app:1\n    environment:\n      - DATABASE_URL=postgres://u:List-Secret-5@db/x\n      - POSTGRES_PASSWORD=Bootstrap-Secret-6\n";
        let (model, _) =
            crate::ecosystems::read_one(&Compose, "docker-compose.yml", Format::Yaml, text);
        let reported: Vec<(&str, &str, &str)> = model
            .secrets
            .iter()
            .filter(|s| s.literal)
            .map(|s| {
                let span = s.location.span;
                (s.key.as_str(), s.kind, &text[span.start..span.end])
            })
            .collect();
        assert_eq!(
            reported,
            [
                (
                    "SPRING_DATASOURCE_PASSWORD",
                    "placeholder default",
                    "Default-Secret-2"
                ),
                ("DATABASE_URL", "connection string password", "Url-Secret-1"),
                ("DOLLAR_URL", "connection string password", "pa$$Secret-4"),
                (
                    "DATABASE_URL",
                    "connection string password",
                    "List-Secret-5"
                ),
            ]
        );
        // Every password is masked all the same.
        for secret in ["Cache-Secret-3", "Bootstrap-Secret-6"] {
            assert!(model.secrets.iter().any(|s| {
                let span = s.location.span;
                &text[span.start..span.end] == secret
            }));
        }
    }

    #[test]
    fn defaults_of_password_variables_are_masked_wherever_used() {
        let text = "services:\n  app:\n    image: app:1\n    environment:\n      SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE: ${DB_PASSWORD:-Pw-Default-1}\n      A: x${APP_PASS-Pw-Default-2}y\n      B: ${DB_PWD:=Pw-Default-3}\n      C: ${DB_PASSWORD:-${OLD:-Pw-Default-4}}\n      D: $${DB_PASSWORD:-not-one} ${POOL:-5} ${DB_PASSWORD:?unset} ${DB_PASSWORD:+set}\n";
        let (model, _) =
            crate::ecosystems::read_one(&Compose, "docker-compose.yml", Format::Yaml, text);
        let masked: Vec<(&str, &str)> = model
            .secrets
            .iter()
            .filter(|s| s.kind == "placeholder default")
            .map(|s| {
                let span = s.location.span;
                (s.key.as_str(), &text[span.start..span.end])
            })
            .collect();
        assert_eq!(
            masked,
            [
                ("DB_PASSWORD", "Pw-Default-1"),
                ("APP_PASS", "Pw-Default-2"),
                ("DB_PWD", "Pw-Default-3"),
                ("DB_PASSWORD", "Pw-Default-4"),
                ("DB_PASSWORD", "${OLD:-Pw-Default-4}"),
            ]
        );
    }

    #[test]
    fn compose_interpolation_takes_defaults_and_keeps_unknowns_unknown() {
        let whole = "${POOL_SIZE:-40}";
        let (value, at) = interpolate(whole, 0);
        assert_eq!(value, "40");
        assert_eq!(at.map(|r| &whole[r]), Some("40"));
        assert_eq!(interpolate("${POOL_SIZE-7}", 0).0, "7");
        assert_eq!(interpolate("${A:-${B:-5}}", 0).0, "5");
        assert_eq!(
            interpolate("${POOL_SIZE:?set it}", 0),
            ("${POOL_SIZE}".into(), None)
        );
        assert_eq!(interpolate("${POOL_SIZE}", 0).0, "${POOL_SIZE}");
        assert_eq!(interpolate("$POOL_SIZE", 0).0, "${POOL_SIZE}");
        assert_eq!(interpolate("${X:+on}", 0).0, "${X}");
        assert_eq!(interpolate("a$$b", 0).0, "a$b");
        let url = "jdbc:postgresql://${HOST:-db}:5432/app";
        assert_eq!(
            interpolate(url, 0),
            ("jdbc:postgresql://db:5432/app".into(), None)
        );
    }

    #[test]
    fn command_strings_split_like_a_shell_with_spans_inside_quotes() {
        let text = "postgres -c 'max_connections=100' -c \"shared_buffers=1GB\" -c a='b c'";
        let words: Vec<(String, &str)> = shell_words(text)
            .into_iter()
            .map(|(word, range)| (word, &text[range]))
            .collect();
        let expected = [
            ("postgres", "postgres"),
            ("-c", "-c"),
            ("max_connections=100", "max_connections=100"),
            ("-c", "-c"),
            ("shared_buffers=1GB", "shared_buffers=1GB"),
            ("-c", "-c"),
            ("a=b c", "a='b c'"),
        ];
        let got: Vec<(&str, &str)> = words.iter().map(|(w, r)| (w.as_str(), *r)).collect();
        assert_eq!(got, expected);
    }
}
