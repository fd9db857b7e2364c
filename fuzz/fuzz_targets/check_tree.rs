//! The whole check of a tree of up to 8 files on disk, separated by 0xFF bytes in the
//! input (see `check_tree`): what crosses files (includes, Kubernetes references,
//! applications of several files, the manifest's topology) never panics, and
//! positions, unit-by-unit checks and a second check agree.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    poollint_fuzz_support::check_tree(input);
});
