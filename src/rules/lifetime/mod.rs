//! Lifetime rules.

pub mod hikari_idle_timeout_below_minimum;
pub mod hikari_idle_timeout_ge_max_lifetime;
pub mod hikari_idle_timeout_no_effect;
pub mod hikari_keepalive_invalid;
pub mod hikari_leak_detection_invalid;
pub mod hikari_max_lifetime_below_minimum;
pub mod max_lifetime_unbounded;
