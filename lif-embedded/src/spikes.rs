//! Packed spike words: bit `i % 32` of word `i / 32` is neuron `i`.

/// Calls `f(i)` for every set bit `i` among the first `n` bits of `words`, in increasing
/// order. Cost is proportional to the number of spikes plus the number of words.
#[inline]
pub fn for_each_spike(words: &[u32], n: usize, mut f: impl FnMut(usize)) {
    for (w, &word) in words.iter().enumerate() {
        let mut bits = word;
        while bits != 0 {
            let b = bits.trailing_zeros() as usize;
            let i = w.saturating_mul(32).saturating_add(b);
            if i >= n {
                return;
            }
            f(i);
            bits &= bits.wrapping_sub(1);
        }
    }
}

/// Number of spikes among the first `n` bits.
pub fn count(words: &[u32], n: usize) -> u32 {
    let mut c = 0u32;
    for_each_spike(words, n, |_| c = c.saturating_add(1));
    c
}

/// Reads bit `i`; false past the end.
#[inline]
pub fn get(words: &[u32], i: usize) -> bool {
    words.get(i / 32).is_some_and(|w| (w >> (i % 32)) & 1 == 1)
}

/// Sets bit `i` to `on`; does nothing past the end.
#[inline]
pub fn set(words: &mut [u32], i: usize, on: bool) {
    if let Some(w) = words.get_mut(i / 32) {
        let mask = 1u32 << (i % 32);
        if on { *w |= mask } else { *w &= !mask }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iterates_set_bits_in_order_within_n() {
        let words = [0b1010_0001u32, 0x8000_0001, 0xffff_ffff];
        let mut seen = Vec::new();
        for_each_spike(&words, 66, |i| seen.push(i));
        assert_eq!(seen, vec![0, 5, 7, 32, 63, 64, 65]);
        assert_eq!(count(&words, 66), 7);
        assert!(get(&words, 63) && !get(&words, 62) && !get(&words, 1000));
        let mut w = [0u32; 2];
        set(&mut w, 33, true);
        set(&mut w, 99, true);
        assert_eq!(w, [0, 2]);
        set(&mut w, 33, false);
        assert_eq!(w, [0, 0]);
    }
}
