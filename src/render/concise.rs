//! `concise` output: one line per finding, `path:line:col: severity[rule] message`,
//! then the summary line. Columns count Unicode scalar values, 1-based.
use super::human::summary_line;
use super::RenderContext;
use crate::diagnostic::Diagnostic;
use crate::source::ColumnUnit;

pub fn render(diagnostics: &[Diagnostic], ctx: &RenderContext) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let (path, line, column) = match ctx.sources.get(d.primary.file) {
            Some(file) => {
                let pos = file.position(d.primary.span.start, ColumnUnit::Chars);
                (file.display.as_str(), pos.line, pos.column)
            }
            None => ("<unknown>", 1, 1),
        };
        out.push_str(&format!(
            "{path}:{line}:{column}: {}[{}] {}\n",
            d.severity, d.rule, d.message
        ));
    }
    out.push_str(&summary_line(&ctx.summary));
    out.push('\n');
    out
}
