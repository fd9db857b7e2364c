//! ERB templates in YAML (Rails' `database.yml`, `sidekiq.yml`): the file is not YAML
//! until rendered, so each tag is masked with characters of the same byte length before
//! the YAML loader runs. Spans stay exact; readers find the tags again with [`tags`]
//! and evaluate the forms they understand (`ENV.fetch("X") { 5 }`, `ENV["X"] || 5`).
//!
//! `<%= … %>` (output) becomes `_`s, a plain scalar, its line breaks too: ERB writes the
//! expression's value in place of the whole tag ("the value of the expression replaces
//! the entire tag", https://docs.ruby-lang.org/en/master/ERB.html, "Expression tags"),
//! so a tag over several lines is one value on one line. `<% … %>` and `<%# … %>`
//! (control and comments) become spaces, so `if`/`else` lines vanish and both branches'
//! keys stay; their line breaks are kept.

use crate::source::Span;

/// One ERB tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    /// The whole tag, `<%` to `%>`.
    pub span: Span,
    /// The Ruby code inside, trimmed.
    pub code: String,
    /// `<%= … %>`: its value is written into the document.
    pub output: bool,
}

/// Every tag of `text`, in order. An unterminated tag runs to the end of the text.
pub fn tags(text: &str) -> Vec<Tag> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(open) = text
        .get(from..)
        .and_then(|t| t.find("<%"))
        .map(|i| i + from)
    {
        let close = text
            .get(open + 2..)
            .and_then(|t| t.find("%>"))
            .map_or(text.len(), |i| open + 2 + i + 2);
        let inner = text
            .get(open + 2..close.saturating_sub(2).max(open + 2))
            .unwrap_or("");
        let output = inner.starts_with('=');
        let code = inner
            .trim_start_matches(['=', '-', '#'])
            .trim_end_matches('-')
            .trim()
            .to_owned();
        out.push(Tag {
            span: Span::new(open, close),
            code,
            output,
        });
        from = close.max(open + 2);
    }
    out
}

/// `text` with every tag masked, byte for byte (line breaks inside a closed output tag
/// are filler too, those of other tags are kept).
pub fn mask(text: &str) -> String {
    let tags = tags(text);
    if tags.is_empty() {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for tag in &tags {
        out.push_str(text.get(at..tag.span.start).unwrap_or(""));
        let filler = if tag.output { '_' } else { ' ' };
        let body = text.get(tag.span.start..tag.span.end).unwrap_or("");
        // An unterminated tag is no value: the lines after it stay the file's.
        let one_value = tag.output && body.len() >= 4 && body.ends_with("%>");
        for c in body.chars() {
            if (c == '\n' || c == '\r') && !one_value {
                out.push(c);
            } else {
                out.extend(std::iter::repeat_n(filler, c.len_utf8()));
            }
        }
        at = tag.span.end;
    }
    out.push_str(text.get(at..).unwrap_or(""));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_byte_lengths_and_lines() {
        let text = "pool: <%= ENV.fetch(\"X\") { 5 } %>\n<% if true %>\na: ü<%# c %>\n";
        let masked = mask(text);
        assert_eq!(masked.len(), text.len());
        assert_eq!(masked.lines().count(), text.lines().count());
        assert!(masked.starts_with("pool: ___"));
        let tags = tags(text);
        assert_eq!(tags.len(), 3);
        assert_eq!(tags[0].code, "ENV.fetch(\"X\") { 5 }");
        assert!(tags[0].output && !tags[1].output);
    }

    #[test]
    fn an_output_tag_over_lines_is_one_value() {
        let text = "a:\n  pool: <%=\n    ENV.fetch(\"P\") { 5 }\n  %>\n  b: <%\n%>\n";
        let masked = mask(text);
        assert_eq!(masked.len(), text.len());
        assert!(masked.starts_with("a:\n  pool: ____"), "{masked}");
        assert!(masked.ends_with("__\n  b:   \n  \n"), "{masked}");
        assert_eq!(tags(text)[0].code, "ENV.fetch(\"P\") { 5 }");
    }

    #[test]
    fn unterminated_tags_run_to_the_end() {
        let text = "a: <%= oops";
        assert_eq!(mask(text).len(), text.len());
        assert_eq!(tags(text)[0].span.end, text.len());
    }
}
