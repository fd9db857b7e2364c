//! Java `.properties`. Placeholder.
use super::Document;

pub fn parse(_text: &str) -> Document {
    Document::default()
}
