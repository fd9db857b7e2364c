//! Did-you-mean suggestions for rule names, keys and manifest fields.

/// The candidate closest to `input` by Jaro-Winkler similarity, when close enough to be
/// a plausible typo (similarity ≥ 0.8).
pub fn closest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let input = input.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&input, &c.to_ascii_lowercase()), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn suggests_close_names_only() {
        let names = ["maximum-pool-size", "minimum-idle", "connection-timeout"];
        assert_eq!(
            closest("maximum-pool-sise", names),
            Some("maximum-pool-size")
        );
        assert_eq!(closest("banana", names), None);
    }
}
