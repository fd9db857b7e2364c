//! poollint: a linter for database connection-pool configuration.
//!
//! Pipeline (see DESIGN.md §1): files are discovered and read ([`source`]), parsed into
//! spanned trees ([`syntax`]), read by ecosystems into the typed [`model`], checked by
//! [`rules`] under the [`engine`], and rendered ([`render`]).
#![forbid(unsafe_code)]

pub mod baseline;
pub mod capacity;
pub mod capacity_report;
pub mod cli;
pub mod diagnostic;
pub mod diff;
pub mod ecosystems;
pub mod engine;
pub mod includes;
pub mod init;
pub(crate) mod load;
pub mod manifest;
pub mod memory;
pub mod model;
pub mod redact;
pub mod render;
pub mod review;
pub mod rules;
pub mod scopes;
pub mod source;
pub mod suggest;
pub mod suppress;
pub mod syntax;
pub mod topology;
pub mod walk;
