//! The layout int8 convolution weights are stored in for the kernels: what
//! the compiler writes into flash and every instruction set's kernel reads.
//!
//! A convolution's weights are a matrix of `out_c` rows (output channels) by
//! `k = k_h * k_w * in_c` columns (one window, in OHWI order). Rows are
//! grouped in blocks of [`BLOCK`] output channels and columns in groups of
//! [`GROUP`]; a block stores its groups one after another, each group as
//! `BLOCK` runs of `GROUP` bytes (channel `o`'s columns `4g..4g + 4`). This is
//! the operand order of a four-way byte dot product (x86's `vpdpbusd`, and
//! two of Arm's `SMLAD` on bytes widened in pairs): one 64-byte load gives
//! sixteen output channels four columns each. Rows past `out_c` and columns
//! past `k` are zero, so they add nothing.

/// Output channels per block.
pub const BLOCK: usize = 16;
/// Window bytes per group.
pub const GROUP: usize = 4;

/// Output channels rounded up to whole blocks.
pub const fn padded_channels(out_c: usize) -> usize {
    out_c.div_ceil(BLOCK) * BLOCK
}

/// Window bytes rounded up to whole groups.
pub const fn padded_window(k: usize) -> usize {
    k.div_ceil(GROUP) * GROUP
}

/// Bytes of the packed weights of `out_c` rows of `k` bytes.
pub const fn packed_len(out_c: usize, k: usize) -> usize {
    padded_channels(out_c) * padded_window(k)
}

/// Where row `o`, column `j` is stored.
#[inline(always)]
pub const fn packed_index(o: usize, j: usize, k: usize) -> usize {
    let groups = padded_window(k) / GROUP;
    ((o / BLOCK * groups + j / GROUP) * BLOCK + o % BLOCK) * GROUP + j % GROUP
}

/// Packs `weights` (`out_c` rows of `k` bytes) into `packed`
/// ([`packed_len`] bytes; padding set to zero). Stops at the shorter of
/// either if their lengths are not those.
pub fn pack(weights: &[i8], out_c: usize, k: usize, packed: &mut [i8]) {
    packed.fill(0);
    for o in 0..out_c {
        for j in 0..k {
            let (Some(&w), Some(slot)) = (
                weights.get(o * k + j),
                packed.get_mut(packed_index(o, j, k)),
            ) else {
                return;
            };
            *slot = w;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_value_has_its_own_place_and_padding_is_zero() {
        let (out_c, k) = (18, 9);
        let weights: [i8; 18 * 9] = core::array::from_fn(|i| (i % 250 + 1) as u8 as i8);
        let mut packed = [0x55i8; packed_len(18, 9)];
        assert_eq!(packed.len(), 32 * 12);
        pack(&weights, out_c, k, &mut packed);
        for o in 0..out_c {
            for j in 0..k {
                assert_eq!(packed[packed_index(o, j, k)], weights[o * k + j]);
            }
        }
        let nonzero = packed.iter().filter(|&&b| b != 0).count();
        assert_eq!(nonzero, out_c * k);
        // Group 0 of block 0: channel 1's first four columns at bytes 4..8.
        assert_eq!(&packed[4..8], &weights[9..13]);
    }
}
