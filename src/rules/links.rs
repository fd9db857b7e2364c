//! Who talks to whom in the model: the services behind a pooler, the pools of a
//! service, the database a pooler or service reaches. Shared by the rules that compare
//! a client's settings with a server's.

use crate::model::{Database, Model, Pool, Pooler, Service};

/// The pools of a service.
pub(crate) fn pools<'m>(model: &'m Model, service: &'m Service) -> impl Iterator<Item = &'m Pool> {
    service.pools.iter().filter_map(|i| model.pools.get(*i))
}

/// Services whose `connects-to` names this pooler.
pub(crate) fn pooler_clients<'m>(
    model: &'m Model,
    pooler: &'m Pooler,
) -> impl Iterator<Item = &'m Service> {
    model
        .services
        .iter()
        .filter(move |s| s.connects_to.as_deref() == Some(pooler.name.as_str()))
}

/// The database a pooler forwards to.
pub(crate) fn pooler_database<'m>(model: &'m Model, pooler: &Pooler) -> Option<&'m Database> {
    let target = pooler.connects_to.as_deref()?;
    model.databases.iter().find(|d| d.name == target)
}

/// The database a service reaches, directly or through a pooler, with the pooler.
pub(crate) fn service_database<'m>(
    model: &'m Model,
    service: &Service,
) -> Option<(&'m Database, Option<&'m Pooler>)> {
    let target = service.connects_to.as_deref()?;
    if let Some(database) = model.databases.iter().find(|d| d.name == target) {
        return Some((database, None));
    }
    let pooler = model.poolers.iter().find(|p| p.name == target)?;
    Some((pooler_database(model, pooler)?, Some(pooler)))
}

/// True when anything declared connects to the database (a service or a pooler).
pub(crate) fn has_clients(model: &Model, database: &Database) -> bool {
    model
        .services
        .iter()
        .any(|s| service_database(model, s).is_some_and(|(d, _)| std::ptr::eq(d, database)))
        || model
            .poolers
            .iter()
            .any(|p| p.connects_to.as_deref() == Some(database.name.as_str()))
}

/// The shortest idle limit something between a service and its database enforces:
/// PostgreSQL `idle_session_timeout`, MySQL `wait_timeout`, or PgBouncer
/// `client_idle_timeout` in front (catalogue LT02's `K`), with the safety margin the
/// catalogue gives for it (60 s for MySQL's `wait_timeout` [HK-FAQ], else 5 s).
pub(crate) struct IdleLimit<'m> {
    pub limit: std::time::Duration,
    pub margin: std::time::Duration,
    pub what: String,
    pub setting: &'m crate::model::Setting<std::time::Duration>,
}

pub(crate) fn idle_limit<'m>(model: &'m Model, service: &Service) -> Option<IdleLimit<'m>> {
    use std::time::Duration;
    let (database, pooler) = service_database(model, service)?;
    let mut limits: Vec<IdleLimit> = Vec::new();
    let mut consider =
        |setting: Option<&'m crate::model::Setting<Duration>>, what: String, margin: u64| {
            if let Some(setting) = setting {
                if let Some(&limit) = setting.get() {
                    if !limit.is_zero() {
                        limits.push(IdleLimit {
                            limit,
                            margin: Duration::from_secs(margin),
                            what,
                            setting,
                        });
                    }
                }
            }
        };
    match pooler {
        Some(pooler) => consider(
            pooler.client_idle_timeout.as_ref(),
            format!("PgBouncer {}'s client_idle_timeout", pooler.name),
            5,
        ),
        None => {
            consider(
                database.idle_session_timeout.as_ref(),
                format!("database {}'s idle_session_timeout", database.name),
                5,
            );
            consider(
                database.wait_timeout.as_ref(),
                format!("database {}'s wait_timeout", database.name),
                60,
            );
        }
    }
    limits.into_iter().min_by_key(|l| l.limit)
}
