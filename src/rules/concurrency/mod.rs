//! Concurrency rules.

pub mod open_session_in_view;
