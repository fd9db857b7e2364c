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
