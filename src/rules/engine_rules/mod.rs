//! Rules the engine itself reports, with no check over the model.

pub mod parse_error;
pub mod unused_suppression;

pub use parse_error::{ParseError, PARSE_ERROR};
pub use unused_suppression::{UnusedSuppression, UNUSED_SUPPRESSION};
