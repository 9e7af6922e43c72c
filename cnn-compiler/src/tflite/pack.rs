//! A convolution's constants in the layout the runtime's int8 kernel reads
//! (`cnn_runtime::int8::conv::conv2d`): weights packed in blocks of sixteen
//! output channels ([`cnn_fixed::packed`]), and the per-channel bias,
//! multipliers and shifts padded to whole blocks.

use super::lower::{Requant, Window};
use cnn_fixed::packed;

/// What `conv2d` reads, besides the geometry and the zero points.
#[derive(Clone, Debug, PartialEq)]
pub struct PackedConv {
    pub weights: Vec<i8>,
    /// `bias - (zp_in + 128) * Σ w`: the kernel reads activations as
    /// unsigned bytes `x + 128`.
    pub bias: Vec<i32>,
    pub multiplier: Vec<i32>,
    pub shift: Vec<i32>,
}

/// Packs OHWI `weights` and the folded `bias` (`bias - zp_in * Σ w`, per
/// output channel) of a convolution over `window`.
pub fn pack_conv(window: &Window, weights: &[i8], bias: &[i32], requant: &Requant) -> PackedConv {
    let out_c = window.output[2];
    let k = window.kernel[0] * window.kernel[1] * window.input[2];
    let mut packed_weights = vec![0i8; packed::packed_len(out_c, k)];
    packed::pack(weights, out_c, k, &mut packed_weights);
    let blocks = packed::padded_channels(out_c);
    let padded = |values: Vec<i32>| {
        let mut values = values;
        values.resize(blocks, 0);
        values
    };
    let bias = bias
        .iter()
        .zip(weights.chunks_exact(k.max(1)))
        .map(|(&b, w)| b - 128 * w.iter().map(|&v| i32::from(v)).sum::<i32>())
        .collect();
    // One multiplier for the whole tensor, or one per channel: per channel.
    let per_channel = |values: &[i32]| match values {
        [one] => vec![*one; out_c],
        many => many.to_vec(),
    };
    PackedConv {
        weights: packed_weights,
        bias: padded(bias),
        multiplier: padded(per_channel(&requant.multiplier)),
        shift: padded(per_channel(&requant.shift)),
    }
}
