//! Capacity math (DESIGN.md §9). Placeholder.
