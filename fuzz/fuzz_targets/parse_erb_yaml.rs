//! The erb_yaml parser never panics and every span it records lies inside the text.
#![no_main]
use libfuzzer_sys::fuzz_target;
use poollint::syntax::Format;

fuzz_target!(|text: &str| {
    poollint_fuzz_support::parse_and_check_spans(Format::ErbYaml, text);
});
