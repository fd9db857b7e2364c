//! `gitlab`: GitLab Code Quality JSON (an array of issues). Severity maps error →
//! `major`, warning → `minor`, info → `info`; GitLab needs a fingerprint unique per
//! issue, so identical findings get an occurrence number mixed in.
use serde_json::json;

use std::io::{self, Write};

use super::{with_unique_fingerprints, write_json, JsonSeq, Place, RenderContext};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::ColumnUnit;

pub fn write(
    diagnostics: &[Diagnostic],
    ctx: &RenderContext,
    out: &mut dyn Write,
) -> io::Result<()> {
    let fingerprinted = with_unique_fingerprints(diagnostics, ctx.sources);
    let issue = |(d, fingerprint): &(&Diagnostic, String)| {
        let place = Place::of(d.primary, ctx.sources, ColumnUnit::Chars);
        json!({
            "description": &*d.message,
            "check_name": d.rule,
            "fingerprint": fingerprint,
            "severity": match d.severity {
                Severity::Error => "major",
                Severity::Warning => "minor",
                Severity::Info => "info",
            },
            "location": {
                "path": super::repository_relative(d, ctx.sources, &place.path),
                "lines": {"begin": place.start_line, "end": place.end_line},
            },
        })
    };
    // The document is the array: its items are one level deep.
    write_json(out, &JsonSeq::new(&fingerprinted, 1, issue))
}
