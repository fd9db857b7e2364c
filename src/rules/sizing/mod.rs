//! Sizing rules.

pub mod pool_locking_nested_acquire;
pub mod pool_min_exceeds_max;
pub mod pool_saturated_by_declared_load;
pub mod pool_size_invalid;
pub mod pool_unbounded;
pub mod pool_wait_probability_exceeds_slo;
pub mod pooled_connections_far_above_db_cores;
