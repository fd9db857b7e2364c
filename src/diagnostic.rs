//! What rules emit: plain data. Renderers decide how it looks.

use std::fmt;
use std::sync::Arc;

use rayon::prelude::*;

use crate::model::Location;
use crate::source::{SourceMap, Span};

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
            "warning" => Some(Severity::Warning),
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

/// A finding's text. Shared: the findings of a rule that say the same thing (a
/// message, help or key repeated across a repository's pools) hold one copy
/// ([`crate::rules::Findings`]), as every finding is held until the output is written.
pub type Text = Arc<str>;

/// A secondary location with a short message ("max_connections is set here").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub location: Location,
    pub message: Text,
}

/// A replacement that fixes a finding by itself: the text `expected` at `location`
/// becomes `replacement`. Renderers offer it (rdjson `suggestions`, SARIF `fixes`, the
/// JSON `fix`) only where the file still holds `expected` there
/// ([`check_fixes`]), so a value that came through a placeholder, a
/// template or another spelling is never rewritten.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub location: Location,
    /// What the fix replaces: the span's whole text (quotes aside) or, for
    /// [`FixTarget::LastKeySegment`], the last dotted segment of a key.
    pub expected: String,
    pub replacement: String,
    pub target: FixTarget,
    /// Set once checked against the file ([`check_fixes`]): `location` is then the
    /// exact edit, and only a checked fix is shown.
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
    pub message: Text,
    /// The value to change: the primary label points here.
    pub primary: Location,
    /// Short text under the primary span (None: no label text).
    pub primary_label: Option<Text>,
    /// Other inputs, possibly in other files.
    pub labels: Vec<Label>,
    /// The fix, with the value that would pass.
    pub help: Option<Text>,
    /// The logical key the finding is about.
    pub key: Option<Text>,
    /// Values that identify this finding apart from its position (for fingerprints and
    /// baselines: moving lines keeps the fingerprint, changing the value changes it),
    /// each after a NUL, as the fingerprint hashes them: one string, not one per part,
    /// as every finding is held until the output is written.
    pub fingerprint_parts: Text,
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
        message: impl Into<Text>,
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
            fingerprint_parts: Text::default(),
            fix: None,
        }
    }

    pub fn with_label(mut self, text: impl Into<Text>) -> Self {
        self.primary_label = Some(text.into());
        self
    }

    pub fn with_help(mut self, help: impl Into<Text>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_key(mut self, key: impl Into<Text>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// Add a secondary label; ignored when `at` is None (a default with no anchor).
    pub fn with_related(mut self, at: Option<Location>, message: impl Into<Text>) -> Self {
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

    pub fn with_fingerprint(mut self, part: impl AsRef<str>) -> Self {
        let part = part.as_ref();
        let mut parts = String::with_capacity(self.fingerprint_parts.len() + 1 + part.len());
        parts.push_str(&self.fingerprint_parts);
        parts.push('\0');
        parts.push_str(part);
        self.fingerprint_parts = parts.into();
        self
    }

    /// Give back the room its labels' vector grew into: every finding is held until
    /// the output is written. (Its texts are exact: a [`Text`] is made of its bytes.)
    pub fn shrink_to_fit(&mut self) {
        crate::memory::release_spare_room(&mut self.labels, 0);
    }

    /// The texts the output shows: message, help and labels (what redaction masks).
    pub(crate) fn shown_texts_mut(&mut self) -> impl Iterator<Item = &mut Text> {
        self.texts(false)
    }

    /// The texts a finding carries but does not show as they are: its key and its
    /// fingerprint's parts, which the fingerprint hashes (a hash of a password is one
    /// guess away from it).
    pub(crate) fn hidden_texts_mut(&mut self) -> impl Iterator<Item = &mut Text> {
        self.key
            .as_mut()
            .into_iter()
            .chain(std::iter::once(&mut self.fingerprint_parts))
    }

    /// Every text of the finding: those shown, its key and its fingerprint's parts.
    pub(crate) fn texts_mut(&mut self) -> impl Iterator<Item = &mut Text> {
        self.texts(true)
    }

    fn texts(&mut self, all: bool) -> impl Iterator<Item = &mut Text> {
        let Diagnostic {
            message,
            primary_label,
            labels,
            help,
            key,
            fingerprint_parts,
            ..
        } = self;
        let hidden = all.then_some([key.as_mut(), Some(fingerprint_parts)]);
        std::iter::once(message)
            .chain(help.as_mut())
            .chain(primary_label.as_mut())
            .chain(labels.iter_mut().map(|l| &mut l.message))
            .chain(hidden.into_iter().flatten().flatten())
    }

    /// Stable identity: rule, path, key and message parameters, never the line.
    pub fn fingerprint(&self, path: &str) -> String {
        let mut text = format!(
            "{}\0{}\0{}",
            self.rule,
            path,
            self.key.as_deref().unwrap_or("")
        );
        text.push_str(&self.fingerprint_parts);
        format!("{:016x}", fnv1a64(text.as_bytes()))
    }
}

/// The first `shown` of `items` joined with `separator`, and how many more there are
/// (`a, b, c and 12 more`): a message or note naming what a repository holds many of
/// stays a line long, where naming all took 48 MB of notes for 1,500 services.
pub fn first_few(items: &[String], separator: &str, shown: usize) -> String {
    let mut text = items
        .get(..shown.min(items.len()))
        .unwrap_or_default()
        .join(separator);
    let more = items.len().saturating_sub(shown);
    if more > 0 {
        text.push_str(&format!(" and {more} more"));
    }
    text
}

/// Check every finding's fix against its file, in parallel (each reads only the bytes it
/// replaces: [`crate::source::SourceFile::text_at`]), keeping the exact edit or dropping
/// the fix: a fix is offered only where it is sure to apply.
pub fn check_fixes(diagnostics: &mut [Diagnostic], sources: &SourceMap) {
    diagnostics
        .par_iter_mut()
        .filter(|d| d.fix.as_ref().is_some_and(|f| !f.checked))
        .for_each(|d| {
            let edit = d.fix.as_deref().and_then(|f| f.edit(sources));
            match (edit, d.fix.as_deref_mut()) {
                (Some(location), Some(fix)) => {
                    fix.location = location;
                    fix.checked = true;
                }
                _ => d.fix = None,
            }
        });
}

impl Fix {
    /// The bytes this fix replaces, when the file holds the text it expects there
    /// (quotes around a value are kept: `"30"` becomes `"30000"`); None otherwise, or
    /// when the text cannot be read.
    fn edit(&self, sources: &SourceMap) -> Option<Location> {
        let file = sources.get(self.location.file)?;
        let span = self.location.span;
        let written = file.text_at(span)?;
        let (inner, offset) = unquoted(&written);
        let start = span.start + offset;
        let replaced = match self.target {
            FixTarget::Value => (inner == self.expected).then_some(start..start + inner.len()),
            FixTarget::LastKeySegment => {
                let before = inner.strip_suffix(self.expected.as_str())?;
                (before.is_empty() || before.ends_with('.'))
                    .then(|| start + before.len()..start + inner.len())
            }
        }?;
        Some(Location {
            file: self.location.file,
            span: Span::new(replaced.start, replaced.end),
        })
    }
}

/// `text` without one pair of matching quotes around it, and the offset of what is
/// inside.
fn unquoted(text: &str) -> (&str, usize) {
    for quote in ['"', '\''] {
        if let Some(inner) = text
            .strip_prefix(quote)
            .and_then(|rest| rest.strip_suffix(quote))
        {
            return (inner, 1);
        }
    }
    (text, 0)
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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::rules;
    use crate::source::{Encoding, FileId};

    fn finding_with_every_text() -> Diagnostic {
        let meta = rules::find("suspicious-time-unit")
            .map(|r| r.meta())
            .unwrap();
        let location = Location {
            file: FileId(0),
            span: Span::new(0, 1),
        };
        Diagnostic::new(meta, Severity::Warning, location, "message")
            .with_label("label")
            .with_help("help")
            .with_key("a.key")
            .with_fingerprint("part")
            .with_fingerprint("other")
            .with_related(
                Some(Location {
                    file: FileId(1),
                    span: Span::new(0, 1),
                }),
                "related",
            )
    }

    /// A finding keeps no spare room in its labels once shrunk, and says the same.
    #[test]
    fn shrinking_keeps_the_finding_and_drops_the_labels_spare_room() {
        let mut d = finding_with_every_text();
        d.labels.reserve(8);
        let before = d.clone();
        d.shrink_to_fit();
        assert_eq!(d, before);
        assert_eq!(d.labels.capacity(), d.labels.len());
    }

    /// Redaction masks the texts shown; sharing covers the key and the fingerprint's
    /// parts too.
    #[test]
    fn the_texts_shown_and_every_text_of_a_finding() {
        let mut d = finding_with_every_text();
        let shown: Vec<String> = d.shown_texts_mut().map(|t| t.to_string()).collect();
        assert_eq!(shown, ["message", "help", "label", "related"]);
        let all: Vec<String> = d.texts_mut().map(|t| t.to_string()).collect();
        assert_eq!(
            all,
            [
                "message",
                "help",
                "label",
                "related",
                "a.key",
                "\0part\0other"
            ]
        );
    }

    /// The edit [`check_fixes`] makes of a fix expecting `expected` at `at` in `text`, as
    /// the text after the edit.
    fn edited(text: &str, at: &str, expected: &str, target: FixTarget) -> Option<String> {
        let mut sources = SourceMap::default();
        let file = sources.add(Path::new("a.yml"), text.into(), Encoding::Utf8);
        let start = text.find(at)?;
        let location = Location {
            file,
            span: Span::new(start, start + at.len()),
        };
        let meta = rules::find("suspicious-time-unit")?.meta();
        let d = Diagnostic::new(meta, Severity::Warning, location, "m");
        let d = match target {
            FixTarget::Value => d.with_value_fix(location, expected, "NEW"),
            FixTarget::LastKeySegment => d.with_key_fix(location, expected, "NEW"),
        };
        let mut checked = [d];
        check_fixes(&mut checked, &sources);
        let fix = checked[0].fix.as_deref()?;
        let mut out = text.to_owned();
        out.replace_range(
            fix.location.span.start..fix.location.span.end,
            &fix.replacement,
        );
        Some(out)
    }

    #[test]
    fn a_fix_applies_only_where_the_file_holds_what_it_expects() {
        use FixTarget::{LastKeySegment, Value};
        assert_eq!(
            edited("a: 30\n", "30", "30", Value).as_deref(),
            Some("a: NEW\n")
        );
        // Quotes are kept: a Kubernetes env value must stay a string.
        let quoted = edited("v: \"30\"\n", "\"30\"", "30", Value);
        assert_eq!(quoted.as_deref(), Some("v: \"NEW\"\n"));
        assert_eq!(
            edited("v: '30'", "'30'", "30", Value).as_deref(),
            Some("v: 'NEW'")
        );
        // Another spelling, a placeholder or a masked value is left alone.
        assert_eq!(edited("a: 30_000", "30_000", "30000", Value), None);
        assert_eq!(edited("a: ${T:30}", "${T:30}", "30", Value), None);
        assert_eq!(edited("a: \"30'", "\"30'", "30", Value), None);
        // A key's last segment, nested or written whole; never part of a segment.
        assert_eq!(
            edited("max-sise: 1", "max-sise", "max-sise", LastKeySegment).as_deref(),
            Some("NEW: 1")
        );
        let whole = edited("x.y.max-sise=1", "x.y.max-sise", "max-sise", LastKeySegment);
        assert_eq!(whole.as_deref(), Some("x.y.NEW=1"));
        assert_eq!(
            edited("x.ymax-sise=1", "x.ymax-sise", "max-sise", LastKeySegment),
            None
        );
    }
}
