//! Ecosystem readers: each recognises its files and reads them into model facts,
//! applying its library's key normalisation, units and defaults. One file each.

pub mod compose;
pub mod connection_string;
pub mod dotenv;
pub mod dotnet;
pub mod ini_settings;
pub mod kubernetes;
pub mod mysql;
pub mod node;
pub mod pgbouncer;
pub mod postgres;
pub mod rails;
pub mod spring;

use std::path::{Path, PathBuf};

use crate::model::{Ecosystem, Model};
use crate::source::{FileId, SourceMap};
use crate::syntax::{Document, Format};

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
/// the Spring pool its `SPRING_*` variables configure, its password variables as
/// secrets, and the environment kept on its deployment.
pub fn service_with_environment(
    mut service: crate::model::Service,
    env: Vec<crate::model::EnvVar>,
) -> Model {
    let mut model = spring::model_from_environment(&service.name, &env);
    model.secrets.extend(password_secrets(&env));
    service.pools = (0..model.pools.len()).collect();
    if let Some(deployment) = service.deployment.as_mut() {
        deployment.environment = env;
    }
    model.services.push(service);
    model
}

/// A variable or key that holds a password (`POSTGRES_PASSWORD`, `DB_PASS`, `db_pwd`).
pub fn is_password_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    upper.contains("PASSWORD") || upper.ends_with("_PASS") || upper.ends_with("_PWD")
}

/// Literal values of password-like variables (`POSTGRES_PASSWORD`, `DB_PASS`): masked in
/// every output, but not reported by the credentials rule (they are usually a database
/// container's own bootstrap password, not a pool's; Spring's keys are reported by the
/// Spring reader).
pub fn password_secrets(env: &[crate::model::EnvVar]) -> Vec<crate::model::Secret> {
    env.iter()
        .filter(|v| !v.name.starts_with("SPRING_"))
        .filter(|v| is_password_name(&v.name))
        .map(|v| crate::model::Secret {
            location: v.value_location,
            kind: "password key",
            key: v.name.clone(),
            literal: false,
            scrub_messages: true,
        })
        .collect()
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
    let id = sources.add(
        Path::new(path),
        text.to_owned(),
        crate::source::Encoding::Utf8,
    );
    let file = ParsedFile {
        included_from: None,
        id,
        path: path.into(),
        format,
        doc: crate::syntax::parse(format, text),
    };
    (reader.read(&[&file], &sources), sources)
}
