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
