//! Timeouts rules.

pub mod acquire_timeout_exceeds_request_deadline;
pub mod acquire_timeout_infinite;
pub mod driver_socket_timeout_missing;
pub mod hikari_timeout_constraints;
pub mod pooler_queue_timeout_exceeds_request_deadline;
