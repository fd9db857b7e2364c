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
/// would match unrelated words).
pub fn within_edits<'a>(
    input: &str,
    candidates: &[&'a str],
    max_distance: usize,
) -> Option<&'a str> {
    nearest(
        input,
        candidates.iter().copied(),
        edit_limit(input, max_distance),
    )
}

/// The candidate closest to `input`, at most `limit` edits away (the first in order
/// among equals).
fn nearest<'a>(
    input: &str,
    candidates: impl Iterator<Item = &'a str>,
    limit: usize,
) -> Option<&'a str> {
    candidates
        .map(|k| (strsim::damerau_levenshtein(input, k), k))
        .filter(|(distance, _)| *distance <= limit)
        .min()
        .map(|(_, k)| k)
}

/// A product's parameter names, sorted, for did-you-mean searches over a long list
/// ([`KnownNames::within_edits`]): each name's length and [`byte_set`] are worked out once,
/// and the names are kept by length too, so a search looks only at names of a length
/// within reach. A `my.cnf` of 50,000 unknown options took 1 s a megabyte while each
/// was measured against every one of mysqld's 1,700 names; with cheap counts first, a
/// 10 MB one still spent 1.4 s in the rules, working out each name's byte set again for
/// every option, and spends 0.4 s so. The names are ASCII (a test checks the lists):
/// their lengths in bytes are their lengths in characters.
#[derive(Debug)]
pub struct KnownNames {
    sorted: Vec<&'static str>,
    /// (length, byte set, name), by length.
    by_length: Vec<(usize, u64, &'static str)>,
}

impl KnownNames {
    pub const EMPTY: KnownNames = KnownNames {
        sorted: Vec::new(),
        by_length: Vec::new(),
    };

    pub fn new(mut names: Vec<&'static str>) -> Self {
        names.sort_unstable();
        names.dedup();
        let sorted = names;
        let mut by_length: Vec<(usize, u64, &'static str)> = sorted
            .iter()
            .map(|name| (name.len(), byte_set(name), *name))
            .collect();
        by_length.sort_unstable();
        KnownNames { sorted, by_length }
    }

    /// [`within_edits`] over these names: names that cheap counts show to be too far
    /// ([`few_letters_apart`], [`within_by_letters`]) are skipped before the distance
    /// is worked out.
    pub fn within_edits(&self, input: &str, max_distance: usize) -> Option<&'static str> {
        if !input.is_ascii() {
            return within_edits(input, &self.sorted, max_distance);
        }
        let limit = edit_limit(input, max_distance);
        let letters = byte_set(input);
        let shortest = input.len().saturating_sub(limit);
        let first = self.by_length.partition_point(|(len, ..)| *len < shortest);
        let within_reach = self
            .by_length
            .get(first..)
            .unwrap_or_default()
            .iter()
            .take_while(|(len, ..)| *len <= input.len() + limit)
            .filter(|(_, set, name)| {
                few_letters_apart(letters, *set, limit) && within_by_letters(input, name, limit)
            })
            .map(|(_, _, name)| *name);
        nearest(input, within_reach, limit)
    }
}

impl std::ops::Deref for KnownNames {
    type Target = [&'static str];

    fn deref(&self) -> &[&'static str] {
        &self.sorted
    }
}

/// The most edits suggested for `input`: one for an input under 6 letters.
fn edit_limit(input: &str, max_distance: usize) -> usize {
    if input.len() < 6 {
        max_distance.min(1)
    } else {
        max_distance
    }
}

/// The characters `text` holds, one bit each: a letter of either case, a digit and `_`
/// each its own, every other byte the last bit (sharing bits only lets more names
/// through [`few_letters_apart`], never fewer).
fn byte_set(text: &str) -> u64 {
    let bit = |byte: u8| BYTE_BITS.get(usize::from(byte)).copied().unwrap_or(0);
    text.bytes().fold(0, |set, byte| set | bit(byte))
}

/// The bit of each byte in [`byte_set`] (a table: a `match` per byte was slower).
// Indexed while the build evaluates it: an index out of bounds fails the build, so no
// run can panic on it.
#[allow(clippy::indexing_slicing)]
static BYTE_BITS: [u64; 256] = {
    let mut bits = [1u64 << 63; 256];
    let mut slot = 0;
    while slot < 26 {
        bits[b'a' as usize + slot] = 1 << slot;
        bits[b'A' as usize + slot] = 1 << (26 + slot);
        if slot < 10 {
            bits[b'0' as usize + slot] = 1 << (52 + slot);
        }
        slot += 1;
    }
    bits[b'_' as usize] = 1 << 62;
    bits
};

/// A cheaper necessary condition than [`within_by_letters`], tried first: each
/// character one name holds and the other does not takes an edit.
fn few_letters_apart(a: u64, b: u64, limit: usize) -> bool {
    let apart = |x: u64, y: u64| usize::try_from((x & !y).count_ones()).unwrap_or(usize::MAX);
    apart(a, b) <= limit && apart(b, a) <= limit
}

/// A necessary condition for an edit distance of at most `limit`: the two names differ
/// by at most `limit` letters in each direction, counted as multisets.
fn within_by_letters(a: &str, b: &str, limit: usize) -> bool {
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
    use super::{byte_set, closest, edit_limit, few_letters_apart, within_edits, KnownNames};

    proptest::proptest! {
        /// The filters only skip names too far to suggest: a name is suggested exactly
        /// when it is within the limit (letters of either case, digits, `_`, bytes that
        /// share a bit; an input that is not ASCII skips them).
        #[test]
        fn a_name_within_the_limit_is_always_suggested(
            input in "[a-eA0-2_.\\-é]{0,12}",
            name in "[a-eA0-2_.\\-]{0,12}",
            max_distance in 0..4usize,
        ) {
            let within = strsim::damerau_levenshtein(&input, &name) <= edit_limit(&input, max_distance);
            let name: &'static str = Box::leak(name.into_boxed_str());
            let expected = within.then_some(name);
            proptest::prop_assert_eq!(KnownNames::new(vec![name]).within_edits(&input, max_distance), expected);
            proptest::prop_assert_eq!(within_edits(&input, &[name], max_distance), expected);
        }

        /// Over a list of names of several lengths, the search by length suggests what
        /// measuring every name suggests: the nearest, the first in order among equals.
        #[test]
        fn names_by_length_suggest_what_measuring_every_name_does(
            input in "[a-cA0_.é]{0,9}",
            names in proptest::collection::btree_set("[a-cA0_.]{0,9}", 0..12),
            max_distance in 0..4usize,
        ) {
            let names: Vec<&'static str> =
                names.into_iter().map(|n| &*Box::leak(n.into_boxed_str())).collect();
            let expected = within_edits(&input, &names, max_distance);
            proptest::prop_assert_eq!(KnownNames::new(names).within_edits(&input, max_distance), expected);
        }
    }

    #[test]
    fn names_far_apart_in_characters_are_skipped_before_counting() {
        let (a, b) = (byte_set("custom_opt_1"), byte_set("query_cache_size"));
        assert!(!few_letters_apart(a, b, 2));
        assert!(few_letters_apart(
            byte_set("max_conections"),
            byte_set("max_connections"),
            1
        ));
        // Case counts: mysqld matches names with their case.
        assert!(!few_letters_apart(byte_set("PORT"), byte_set("port"), 2));
        // A character of two bytes is one edit, not two.
        assert_eq!(
            within_edits("pool_mode", &["pool_modé"], 1),
            Some("pool_modé")
        );
        assert_eq!(
            KnownNames::new(vec!["pool_mode"]).within_edits("pool_modé", 1),
            Some("pool_mode")
        );
    }

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
