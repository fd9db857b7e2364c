//! Lifetime rules.

pub mod hikari_idle_timeout_below_minimum;
pub mod hikari_idle_timeout_ge_max_lifetime;
pub mod hikari_idle_timeout_no_effect;
pub mod hikari_keepalive_invalid;
pub mod hikari_leak_detection_invalid;
pub mod hikari_max_lifetime_below_minimum;
pub mod lifetime_not_below_server_or_network_limit;
pub mod max_lifetime_unbounded;
pub mod stale_connection_protection_missing;
