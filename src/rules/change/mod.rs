//! Change-aware rules (DESIGN.md §8): they compare the tree at `--diff-base REV` with
//! the working tree, so they run only with `--diff-base`.

pub mod risky_pool_change;
