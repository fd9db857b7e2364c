//! Giving memory back: vectors kept for the rest of a run should not keep the room
//! they grew into.

/// Spare room in a vector kept for the rest of a run worth the copy that gives it
/// back, in bytes: below it, the copy costs more time than the room is worth.
pub const SPARE_ROOM_WORTH_A_COPY: usize = 4096;

/// Move `items` into a vector of exactly their length when the room beyond them is
/// `min_spare` bytes or more. `Vec::shrink_to_fit` is not enough: it asks the allocator
/// to shrink the block in place, and mimalloc (the binary's allocator) keeps a block
/// that would shrink by less than half, which is all the room a doubling vector ever
/// has, so nothing was given back. Moving costs a copy of the items, hence the floor.
pub fn release_spare_room<T>(items: &mut Vec<T>, min_spare: usize) {
    let spare = (items.capacity() - items.len()).saturating_mul(std::mem::size_of::<T>());
    if spare == 0 || spare < min_spare {
        return;
    }
    let mut exact = Vec::with_capacity(items.len());
    exact.append(items);
    *items = exact;
}

#[cfg(test)]
mod tests {
    use super::release_spare_room;

    #[test]
    fn spare_room_is_given_back_in_a_new_block_above_the_floor_only() {
        let mut large: Vec<u64> = Vec::with_capacity(1000);
        large.extend(0..600);
        let block = large.as_ptr();
        release_spare_room(&mut large, 1024);
        assert_eq!(large.capacity(), 600);
        // A new block: shrinking in place is what mimalloc declines.
        assert_ne!(large.as_ptr(), block);
        assert!(large.iter().copied().eq(0..600));

        let mut small: Vec<u64> = Vec::with_capacity(100);
        small.extend(0..60);
        release_spare_room(&mut small, 1024);
        assert_eq!(small.capacity(), 100);
    }
}
