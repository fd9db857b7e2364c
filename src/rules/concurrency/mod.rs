//! Concurrency rules.

pub mod liveness_probe_depends_on_db;
pub mod open_session_in_view;
pub mod pool_smaller_than_thread_concurrency;
pub mod statement_pooling_multi_statement_tx;
pub mod transaction_pooling_session_features;
