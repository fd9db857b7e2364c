//! Hygiene rules.

pub mod duplicate_key_across_forms;
pub mod hikari_datasource_class_conflict;
pub mod hikari_minimum_idle_set;
pub mod hikari_url_instead_of_jdbc_url;
pub mod knex_min_nonzero;
pub mod rails_mysql_wait_timeout_key;
pub mod rails_pool_max_connections_conflict;
pub mod suspicious_time_unit;
pub mod unknown_or_dead_pool_key;

use std::collections::BTreeMap;

use crate::model::{ConfigEntry, Ecosystem, Model};
use crate::source::FileId;

/// The Rails entries of each database configuration (a file and one environment's
/// scope in it), in the order read: the last of a key is the one Rails uses.
fn rails_configs(model: &Model) -> BTreeMap<(FileId, &str), Vec<&ConfigEntry>> {
    let mut configs: BTreeMap<(FileId, &str), Vec<&ConfigEntry>> = BTreeMap::new();
    for entry in model.entries.of(Ecosystem::Rails) {
        configs
            .entry((entry.file, &*entry.scope))
            .or_default()
            .push(entry);
    }
    configs
}
