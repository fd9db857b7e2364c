//! Sizing rules.

pub mod pool_min_exceeds_max;
pub mod pool_size_invalid;
