//! JSON as Node's `require()` reads a `.json` file: `JSON.parse`, which refuses
//! comments and trailing commas (knex loads `knexfile.json`, TypeORM `ormconfig.json` and
//! sequelize-cli `config/config.json` this way). The YAML loader that reads JSON accepts
//! both (a `//` is a plain scalar to it, a trailing comma ends a flow collection), so
//! they are found first: the file then has no document, as no pool exists when
//! `JSON.parse` throws.

use super::{Document, SyntaxError};
use crate::source::Span;

/// Parse `text`, refusing what `JSON.parse` refuses beyond the YAML loader's errors.
pub fn parse(text: &str) -> Document {
    match refused(text) {
        Some(error) => Document {
            errors: vec![error],
            ..Document::default()
        },
        None => super::yaml::parse_as(text, "JSON"),
    }
}

/// The first comment (`//`, `/*`, `#`) or trailing comma outside a string.
fn refused(text: &str) -> Option<SyntaxError> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'"' {
            i = super::dotnet_json::after_string(bytes, i);
            continue;
        }
        let next = bytes.get(i + 1).copied();
        let error = |len: usize, what: &str| {
            SyntaxError {
            message: format!("invalid JSON: {what}, which JSON.parse (Node's require) refuses, so the file does not load"),
            span: Span::new(i, (i + len).min(text.len())),
        }
        };
        match b {
            b'/' if matches!(next, Some(b'/' | b'*')) => return Some(error(2, "a comment")),
            b'#' => return Some(error(1, "a comment")),
            b',' => {
                let after = bytes
                    .get(i + 1..)
                    .unwrap_or(&[])
                    .iter()
                    .find(|c| !c.is_ascii_whitespace());
                if matches!(after, Some(b'}' | b']')) {
                    return Some(error(1, "a trailing comma"));
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_trailing_commas_are_refused_outside_strings() {
        let at = |text: &str| refused(text).map(|e| (e.span.start, e.message));
        assert_eq!(at(r#"{"a": "http://x/*y#", "b": [1, 2]}"#), None);
        let (start, message) = at("{\n  // prod\n  \"a\": 1\n}").unwrap_or_default();
        assert_eq!(start, 4);
        assert!(message.contains("a comment"), "{message}");
        let (start, message) = at(r#"{"a": {"b": 1,}}"#).unwrap_or_default();
        assert_eq!(start, 13);
        assert!(message.contains("a trailing comma"), "{message}");
        assert_eq!(at(r#"{"a": "x\"/*", "b": 1}"#), None);
        assert!(parse("{\"a\": 1,}").roots.is_empty());
        assert_eq!(parse("{\"a\": 1}").roots.len(), 1);
    }
}
