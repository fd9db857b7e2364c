//! `gitlab` output. Placeholder until the CI formats land.
use super::RenderContext;
use crate::diagnostic::Diagnostic;

pub fn render(_diagnostics: &[Diagnostic], _ctx: &RenderContext) -> String {
    String::new()
}
