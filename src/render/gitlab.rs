//! `gitlab`: GitLab Code Quality JSON (an array of issues). Severity maps error →
//! `major`, warning → `minor`, info → `info`; GitLab needs a fingerprint unique per
//! issue, so identical findings get an occurrence number mixed in.
use serde_json::json;

use std::io::{self, Write};

use super::{write_json, JsonSeq, Occurrences, Place, RenderContext};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::ColumnUnit;

pub fn write(
    diagnostics: &[Diagnostic],
    ctx: &RenderContext,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut seen = Occurrences::default();
    let issues = diagnostics.iter().map(move |d| {
        let place = Place::of(d.primary, ctx.sources, ColumnUnit::Chars);
        let fingerprint = seen.unique(super::fingerprint(d, ctx.sources, &place.path));
        json!({
            "description": d.message,
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
    });
    write_json(out, &JsonSeq::new(issues))
}
