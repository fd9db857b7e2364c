//! Did-you-mean suggestions for rule names, keys and manifest fields.

/// The name among `known` (sorted, in lower case) that `name` is in another case
/// (`Default_Pool_Size` for `default_pool_size`): for names a product matches
/// case-sensitively (PgBouncer's settings and sections, mysqld's options).
pub fn same_but_case(name: &str, known: &[&'static str]) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    let at = known.binary_search(&lower.as_str()).ok()?;
    known.get(at).copied()
}

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

/// [`closest`], or for a short input (`dv`, `of`, `eror`, where Jaro-Winkler stays below
/// its bound) the candidate one edit away.
pub fn closest_or_one_edit<'a>(input: &str, candidates: &[&'a str]) -> Option<&'a str> {
    closest(input, candidates.iter().copied()).or_else(|| within_edits(input, candidates, 1))
}

/// The candidate closest to `input` by edit distance (Damerau-Levenshtein), when it is
/// at most `max_distance` edits away (one edit for inputs under 6 letters, where two
/// would match unrelated words). For long candidate lists such as parameter names.
pub fn within_edits<'a>(
    input: &str,
    candidates: &[&'a str],
    max_distance: usize,
) -> Option<&'a str> {
    let limit = if input.len() < 6 {
        max_distance.min(1)
    } else {
        max_distance
    };
    candidates
        .iter()
        .copied()
        .filter(|k| within_by_letters(input, k, limit))
        .map(|k| (strsim::damerau_levenshtein(input, k), k))
        .filter(|(distance, _)| *distance <= limit)
        .min()
        .map(|(_, k)| k)
}

/// A cheap necessary condition for an edit distance of at most `limit`: the two names
/// differ by at most `limit` letters in each direction, counted as multisets. Most
/// names fail it, so the full distance runs rarely (it showed in profiles of large
/// trees).
fn within_by_letters(a: &str, b: &str, limit: usize) -> bool {
    if a.len().abs_diff(b.len()) > limit {
        return false;
    }
    let mut counts = [0i32; 256];
    for byte in a.bytes() {
        if let Some(c) = counts.get_mut(usize::from(byte)) {
            *c += 1;
        }
    }
    for byte in b.bytes() {
        if let Some(c) = counts.get_mut(usize::from(byte)) {
            *c -= 1;
        }
    }
    let surplus: i32 = counts.iter().filter(|c| **c > 0).sum();
    let deficit: i32 = counts.iter().filter(|c| **c < 0).map(|c| -c).sum();
    let limit = i32::try_from(limit).unwrap_or(i32::MAX);
    surplus <= limit && deficit <= limit
}

#[cfg(test)]
mod tests {
    use super::{closest, within_edits};

    #[test]
    fn suggests_close_names_only() {
        let names = ["maximum-pool-size", "minimum-idle", "connection-timeout"];
        assert_eq!(
            closest("maximum-pool-sise", names),
            Some("maximum-pool-size")
        );
        assert_eq!(closest("banana", names), None);
    }

    #[test]
    fn within_edits_bounds_the_distance_and_tightens_it_for_short_names() {
        let names = ["max_connections", "port", "pool_mode"];
        assert_eq!(
            within_edits("max_conections", &names, 2),
            Some("max_connections")
        );
        assert_eq!(within_edits("max_conn", &names, 2), None);
        assert_eq!(within_edits("prot", &names, 2), Some("port"));
        assert_eq!(within_edits("pxrt", &names, 2), Some("port"));
        assert_eq!(within_edits("pxxt", &names, 2), None);
    }
}
