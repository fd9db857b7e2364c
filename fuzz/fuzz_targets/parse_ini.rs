//! The INI-family parser, in every dialect (chosen by the first byte), never panics and
//! every span it records lies inside the text.
#![no_main]
use libfuzzer_sys::fuzz_target;
use poollint::syntax::ini::Dialect;
use poollint::syntax::Format;

const DIALECTS: [Dialect; 5] = [
    Dialect::Postgres,
    Dialect::PgBouncer,
    Dialect::MySql,
    Dialect::DotEnv,
    Dialect::Generic,
];

fuzz_target!(|input: (u8, &str)| {
    let (choice, text) = input;
    let dialect = DIALECTS[usize::from(choice) % DIALECTS.len()];
    poollint_fuzz_support::parse_and_check_spans(Format::Ini(dialect), text);
});
