//! `junit`: JUnit XML for CI systems that show test reports. One testsuite, one testcase
//! per checked file (clean files pass), one `<failure>` per finding, and one testcase
//! with an `<error>` per run error (a path that cannot be read, a manifest that cannot
//! be used: exit 2), so an incomplete run does not read as a complete one.
use std::collections::BTreeMap;
use std::io::{self, Write};

use super::{Place, RenderContext, RunError};
use crate::diagnostic::Diagnostic;
use crate::source::ColumnUnit;

/// Written file by file; the findings are grouped by file first (each a path and a
/// position), since the header counts the failing files.
pub fn write(
    diagnostics: &[Diagnostic],
    ctx: &RenderContext,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut by_file: BTreeMap<String, Vec<(Place, &Diagnostic)>> = BTreeMap::new();
    // A file read only for the topology was not checked: it is no passing test (a
    // finding of the topology placed in it still gets it a testcase below).
    let checked = ctx
        .sources
        .files()
        .iter()
        .filter(|f| !ctx.context.contains(&f.id));
    for file in checked {
        by_file.entry(file.display.clone()).or_default();
    }
    for d in diagnostics {
        let place = Place::of(d.primary, ctx.sources, ColumnUnit::Chars);
        by_file
            .entry(place.path.clone())
            .or_default()
            .push((place, d));
    }
    let failures: usize = by_file.values().filter(|f| !f.is_empty()).count();
    let errors = ctx.errors.len();
    let tests = by_file.len() + errors;
    out.write_all(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")?;
    write!(
        out,
        "<testsuites name=\"poollint\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\">\n  <testsuite name=\"poollint\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\">\n",
    )?;
    write_run_errors(ctx.errors, out)?;
    for (path, findings) in &by_file {
        write!(
            out,
            "    <testcase classname=\"poollint\" name=\"{}\"",
            escape(path)
        )?;
        if findings.is_empty() {
            out.write_all(b"/>\n")?;
            continue;
        }
        out.write_all(b">\n")?;
        for (place, d) in findings {
            writeln!(
                out,
                "      <failure type=\"{}\" message=\"{}\">{}:{}:{}: {}[{}] {}{}</failure>",
                escape(d.rule),
                escape(&d.message),
                escape(path),
                place.start_line,
                place.start_column,
                d.severity,
                escape(d.rule),
                escape(&d.message),
                d.help
                    .as_deref()
                    .map(|h| format!("\nhelp: {}", escape(h)))
                    .unwrap_or_default(),
            )?;
        }
        out.write_all(b"    </testcase>\n")?;
    }
    out.write_all(b"  </testsuite>\n</testsuites>\n")
}

/// Each run error as a testcase in error, before the files' testcases.
fn write_run_errors(errors: &[RunError], out: &mut dyn Write) -> io::Result<()> {
    for error in errors {
        let error = escape(&error.text());
        writeln!(
            out,
            "    <testcase classname=\"poollint\" name=\"run error\">\n      <error type=\"run-error\" message=\"{error}\">{error}</error>\n    </testcase>"
        )?;
    }
    Ok(())
}

/// XML text and attribute escaping; control characters XML 1.0 forbids are dropped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' | '\r' => out.push(c),
            // XML 1.0 forbids the other C0 controls and U+FFFE, U+FFFF: dropped.
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}
