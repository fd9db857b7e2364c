//! What rules emit: plain data. Renderers decide how it looks.

use std::fmt;

use crate::model::Location;

/// How serious a finding is. Ordered: `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(text: &str) -> Option<Severity> {
        match text {
            "info" => Some(Severity::Info),
            "warning" | "warn" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A secondary location with a short message ("max_connections is set here").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub location: Location,
    pub message: String,
}

/// A replacement that fixes a finding by itself: the text `expected` at `location`
/// becomes `replacement`. Renderers offer it (rdjson `suggestions`, SARIF `fixes`, the
/// JSON `fix`) only where the file still holds `expected` there
/// ([`crate::render::fix_edit`]), so a value that came through a placeholder, a
/// template or another spelling is never rewritten.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub location: Location,
    /// What the fix replaces: the span's whole text (quotes aside) or, for
    /// [`FixTarget::LastKeySegment`], the last dotted segment of a key.
    pub expected: String,
    pub replacement: String,
    pub target: FixTarget,
    /// Set once checked against the file (`engine::check_fixes`): `location` is then
    /// the exact edit, and rendering reads nothing.
    pub checked: bool,
}

/// Which part of the span a [`Fix`] replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixTarget {
    /// The value as written, inside its quotes if it has them.
    Value,
    /// The last segment of a key: `maximum-pool-sise` whether the file writes the key
    /// nested (YAML) or whole (`spring.datasource.hikari.maximum-pool-sise=`).
    LastKeySegment,
}

/// One finding, as a rule emits it and as renderers receive it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub rule: &'static str,
    pub category: &'static str,
    pub severity: Severity,
    /// The severity the rule chose, before settings forced one: what a finding gets
    /// back where the manifest governing its file leaves the rule's level alone
    /// ([`crate::scopes`]).
    pub rule_severity: Severity,
    /// The concrete fact and its consequence.
    pub message: String,
    /// The value to change: the primary label points here.
    pub primary: Location,
    /// Short text under the primary span (None: no label text).
    pub primary_label: Option<String>,
    /// Other inputs, possibly in other files.
    pub labels: Vec<Label>,
    /// The fix, with the value that would pass.
    pub help: Option<String>,
    /// The logical key the finding is about.
    pub key: Option<String>,
    /// Values that identify this finding apart from its position (for fingerprints and
    /// baselines: moving lines keeps the fingerprint, changing the value changes it).
    pub fingerprint_parts: Vec<String>,
    /// A simple replacement that fixes the finding, when there is one (boxed: few
    /// findings have one).
    pub fix: Option<Box<Fix>>,
}

impl Diagnostic {
    /// Start a diagnostic for `rule` at `primary`; the rule's metadata supplies the
    /// category, the caller the severity.
    pub fn new(
        meta: &crate::rules::RuleMeta,
        severity: Severity,
        primary: Location,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            rule: meta.name,
            category: meta.category.as_str(),
            severity,
            rule_severity: severity,
            message: message.into(),
            primary,
            primary_label: None,
            labels: Vec::new(),
            help: None,
            key: None,
            fingerprint_parts: Vec::new(),
            fix: None,
        }
    }

    pub fn with_label(mut self, text: impl Into<String>) -> Self {
        self.primary_label = Some(text.into());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// Add a secondary label; ignored when `at` is None (a default with no anchor).
    pub fn with_related(mut self, at: Option<Location>, message: impl Into<String>) -> Self {
        if let Some(location) = at {
            if location != self.primary {
                self.labels.push(Label {
                    location,
                    message: message.into(),
                });
            }
        }
        self
    }

    /// Offer replacing the value written at `location`, which reads `expected`, by
    /// `replacement`.
    pub fn with_value_fix(
        self,
        location: Location,
        expected: impl Into<String>,
        replacement: impl Into<String>,
    ) -> Self {
        self.with_fix(location, expected, replacement, FixTarget::Value)
    }

    /// Offer renaming the key written at `location`, whose last segment reads
    /// `expected`, to `replacement`.
    pub fn with_key_fix(
        self,
        location: Location,
        expected: impl Into<String>,
        replacement: impl Into<String>,
    ) -> Self {
        self.with_fix(location, expected, replacement, FixTarget::LastKeySegment)
    }

    fn with_fix(
        mut self,
        location: Location,
        expected: impl Into<String>,
        replacement: impl Into<String>,
        target: FixTarget,
    ) -> Self {
        self.fix = Some(Box::new(Fix {
            location,
            expected: expected.into(),
            replacement: replacement.into(),
            target,
            checked: false,
        }));
        self
    }

    pub fn with_fingerprint(mut self, part: impl Into<String>) -> Self {
        self.fingerprint_parts.push(part.into());
        self
    }

    /// Stable identity: rule, path, key and message parameters, never the line.
    pub fn fingerprint(&self, path: &str) -> String {
        let mut text = format!(
            "{}\0{}\0{}",
            self.rule,
            path,
            self.key.as_deref().unwrap_or("")
        );
        for part in &self.fingerprint_parts {
            text.push('\0');
            text.push_str(part);
        }
        format!("{:016x}", fnv1a64(text.as_bytes()))
    }
}

/// FNV-1a: tiny, stable across platforms and releases (unlike `DefaultHasher`).
fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}
