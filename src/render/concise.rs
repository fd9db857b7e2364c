//! `concise` output: one line per finding, `path:line:col: severity[rule] message`,
//! then the summary line. Columns count Unicode scalar values, 1-based.
use std::io::{self, Write};

use super::human::summary_line;
use super::{shown_path, RenderContext};
use crate::diagnostic::Diagnostic;
use crate::source::ColumnUnit;

pub fn write(
    diagnostics: &[Diagnostic],
    ctx: &RenderContext,
    out: &mut dyn Write,
) -> io::Result<()> {
    for d in diagnostics {
        let (path, line, column) = match ctx.sources.get(d.primary.file) {
            Some(file) => {
                let pos = file.position(d.primary.span.start, ColumnUnit::Chars);
                (shown_path(&file.display), pos.line, pos.column)
            }
            None => ("<unknown>".into(), 1, 1),
        };
        writeln!(
            out,
            "{path}:{line}:{column}: {}[{}] {}",
            d.severity, d.rule, d.message
        )?;
    }
    writeln!(out, "{}", summary_line(&ctx.summary))
}
