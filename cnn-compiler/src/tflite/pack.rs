//! Convolutions' constants in the layouts the runtime's int8 kernels read
//! (`cnn_runtime::int8::conv`): weights in blocks of sixteen output channels
//! ([`cnn_fixed::packed`] for convolutions, padded rows for depthwise), and
//! the per-channel bias, multipliers and shifts padded to whole blocks.

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
    let bias = bias
        .iter()
        .zip(weights.chunks_exact(k.max(1)))
        .map(|(&b, w)| b - 128 * w.iter().map(|&v| i32::from(v)).sum::<i32>())
        .collect();
    PackedConv {
        weights: packed_weights,
        bias: padded(bias, blocks),
        multiplier: padded(per_channel(&requant.multiplier, out_c), blocks),
        shift: padded(per_channel(&requant.shift, out_c), blocks),
    }
}

/// A depthwise convolution's constants as `depthwise_conv2d` reads them:
/// each tap's row of 1HWC `weights` (`out_c` values) padded with zeros to
/// whole blocks, and the bias, multipliers and shifts padded likewise.
pub fn pack_depthwise(
    window: &Window,
    weights: &[i8],
    bias: &[i32],
    requant: &Requant,
) -> PackedConv {
    let out_c = window.output[2];
    let blocks = packed::padded_channels(out_c);
    let mut padded_weights = Vec::with_capacity(weights.len() / out_c.max(1) * blocks);
    for row in weights.chunks_exact(out_c.max(1)) {
        padded_weights.extend_from_slice(row);
        padded_weights.resize(padded_weights.len() + blocks - out_c, 0);
    }
    PackedConv {
        weights: padded_weights,
        bias: padded(bias.to_vec(), blocks),
        multiplier: padded(per_channel(&requant.multiplier, out_c), blocks),
        shift: padded(per_channel(&requant.shift, out_c), blocks),
    }
}

/// `values` with zeros up to `len`.
fn padded(mut values: Vec<i32>, len: usize) -> Vec<i32> {
    values.resize(len, 0);
    values
}

/// One value for the whole tensor, or one per channel: one per channel.
fn per_channel(values: &[i32], channels: usize) -> Vec<i32> {
    match values {
        [one] => vec![*one; channels],
        many => many.to_vec(),
    }
}
