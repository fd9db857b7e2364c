//! The whole check of one file on disk (any bytes, under the name the first byte
//! chooses), as the CLI runs it: its text is given up once read, and the positions the
//! machine formats show must not change when the text is read again.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (u8, &[u8])| {
    let (choice, bytes) = input;
    poollint_fuzz_support::check_file_on_disk(choice, bytes);
});
