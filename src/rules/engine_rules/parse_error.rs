//! `parse-error`: reported by the engine when a file cannot be read as its format (see
//! `crate::engine`); the rule has no check over the model.

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Location, Model};
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};

/// `parse-error`: a file that cannot be read as its format. Other files go on.
pub static PARSE_ERROR: RuleMeta = RuleMeta {
    name: "parse-error",
    category: Category::Engine,
    default_severity: Severity::Error,
    inputs: Inputs::Engine,
    summary:
        "A file could not be read as its format; it was skipped and the other files were checked.",
    options: &[],
};

pub struct ParseError;

impl crate::rules::Rule for ParseError {
    fn meta(&self) -> &'static RuleMeta {
        &PARSE_ERROR
    }

    fn check(&self, _model: &Model, _options: &RuleOptions, _out: &mut Vec<Diagnostic>) {}
}

/// A `parse-error` finding at `location` (the engine's and the include follower's).
pub fn at(location: Location, message: &str) -> Diagnostic {
    with_severity(location, message, Severity::Error)
}

/// A `parse-error` of `severity` at `location` (an include that is missing is a warning).
pub fn with_severity(location: Location, message: &str, severity: Severity) -> Diagnostic {
    Diagnostic::new(&PARSE_ERROR, severity, location, message)
        .with_label("here")
        .with_fingerprint(message)
}
