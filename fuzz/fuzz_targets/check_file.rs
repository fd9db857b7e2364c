//! The whole check of one file (read as the ecosystem its name selects, chosen by the
//! first byte) never panics, and every output format renders.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (u8, &str)| {
    let (choice, text) = input;
    poollint_fuzz_support::check_one_file(choice, text);
});
