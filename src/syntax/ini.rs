//! INI family. Placeholder.
use super::Document;

/// The INI-like dialects poollint reads; each has its own comment and include rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// `postgresql.conf`: no sections, `#` comments anywhere outside quotes, `include`.
    Postgres,
    /// `pgbouncer.ini`: comments only at line start, `%include`.
    PgBouncer,
    /// `my.cnf`: `[group]`s, `#`/`;` comments, `!include`/`!includedir`, bare flags.
    MySql,
    /// `.env`: `KEY=value`, optional `export`, quotes, `#` comments.
    DotEnv,
    /// Other INI files (`airflow.cfg`, `grafana.ini`): sections, `#`/`;` line comments.
    Generic,
}

pub fn parse(_text: &str, _dialect: Dialect) -> Document {
    Document::default()
}
