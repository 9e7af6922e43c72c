//! Fully connected layers, Keras kernel layout `(in, out)`: `y = act(x · W + b)`.
// Register tiles are indexed by pixel, chain and vector: index loops say so.
#![allow(clippy::needless_range_loop)]

use super::conv::{conv2d_dyn, Conv2DGeometry};
use crate::activation::{apply_in_place, Activation, InRegisters};
use crate::simd::{activate, dispatch, lane_blocks, lane_blocks_mut, Lanes};
#[cfg(target_arch = "x86_64")]
use crate::simd::{Avx2Fma, Avx512};

/// Every size of one Dense layer: `rows` independent vectors of `fan_in`
/// values → `rows` vectors of `units` (rows > 1 is Dense on a feature map: one
/// row per pixel).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DenseGeometry {
    pub rows: usize,
    pub fan_in: usize,
    pub units: usize,
}

/// Dense on flat slices, on the fastest instruction set the CPU has; slices
/// shorter than the geometry needs make it return without writing.
#[inline]
pub fn dense_dyn<A: Activation>(
    g: DenseGeometry,
    input: &[f32],
    kernel: &[f32],
    bias: Option<&[f32]>,
    activation: A,
    output: &mut [f32],
) {
    let DenseGeometry {
        rows,
        fan_in,
        units,
    } = g;
    if input.len() < rows * fan_in
        || kernel.len() < fan_in * units
        || output.len() < rows * units
        || bias.is_some_and(|b| b.len() < units)
    {
        return;
    }
    if rows > 1 {
        // Dense on a feature map is a 1x1 convolution: the pixel tiles reuse
        // each weight for several rows.
        let g = Conv2DGeometry {
            h: rows,
            w: 1,
            c_in: fan_in,
            c_out: units,
            kh: 1,
            kw: 1,
            stride_h: 1,
            stride_w: 1,
            dilation_h: 1,
            dilation_w: 1,
            pad_top: 0,
            pad_left: 0,
            out_h: rows,
            out_w: 1,
        };
        return conv2d_dyn(g, input, kernel, bias.into(), activation, output);
    }
    dispatch!(
        wide(vector_avx512) if units.is_multiple_of(16),
        vector_avx2,
        vector_lanes(&g, input, kernel, bias, activation, output)
    )
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn vector_avx512<A: Activation>(
    lanes: Avx512,
    g: &DenseGeometry,
    input: &[f32],
    kernel: &[f32],
    bias: Option<&[f32]>,
    activation: A,
    output: &mut [f32],
) {
    vector_lanes(lanes, g, input, kernel, bias, activation, output)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn vector_avx2<A: Activation>(
    lanes: Avx2Fma,
    g: &DenseGeometry,
    input: &[f32],
    kernel: &[f32],
    bias: Option<&[f32]>,
    activation: A,
    output: &mut [f32],
) {
    vector_lanes(lanes, g, input, kernel, bias, activation, output)
}

/// One vector times the kernel: blocks of `8 N` outputs (then `4 N`, then
/// `N`, then one by one), each accumulated in independent chains over
/// alternate inputs so that the FMA latency is covered.
#[inline(always)]
fn vector_lanes<L: Lanes<N>, const N: usize, A: Activation>(
    l: L,
    g: &DenseGeometry,
    input: &[f32],
    kernel: &[f32],
    bias: Option<&[f32]>,
    activation: A,
    output: &mut [f32],
) {
    let (fan_in, units) = (g.fan_in, g.units);
    let x = &input[..fan_in];
    let mut col = 0;
    while col + 8 * N <= units {
        block::<L, N, 8, 1, A>(l, x, kernel, bias, units, col, output);
        col += 8 * N;
    }
    while col + 4 * N <= units {
        block::<L, N, 4, 2, A>(l, x, kernel, bias, units, col, output);
        col += 4 * N;
    }
    while col + N <= units {
        block::<L, N, 1, 8, A>(l, x, kernel, bias, units, col, output);
        col += N;
    }
    for c in col..units {
        let mut sum = bias.map_or(0.0, |b| b[c]);
        for (i, &xi) in x.iter().enumerate() {
            sum += xi * kernel[i * units + c];
        }
        output[c] = activation.apply(sum);
    }
    if A::IN_REGISTERS == InRegisters::No {
        apply_in_place(&mut output[..units / N * N], activation);
    }
}

/// Outputs `col..col + N NV`: `CHAINS` accumulator sets, set `k % CHAINS`
/// taking input `k`, summed at the end.
#[inline(always)]
fn block<L: Lanes<N>, const N: usize, const NV: usize, const CHAINS: usize, A: Activation>(
    l: L,
    x: &[f32],
    kernel: &[f32],
    bias: Option<&[f32]>,
    units: usize,
    col: usize,
    output: &mut [f32],
) {
    let mut acc = [[l.zero(); NV]; CHAINS];
    if let Some(b) = bias.and_then(|b| lane_blocks::<N, NV>(b, col)) {
        acc[0] = core::array::from_fn(|v| l.load(&b[v]));
    }
    // Whole groups of CHAINS inputs (a constant trip count, so each chain
    // stays in its registers), then the rest.
    let steps = x.chunks_exact(CHAINS);
    let rest = steps.remainder();
    for (s, xs) in steps.enumerate() {
        for (c, &xc) in xs.iter().enumerate() {
            if !accumulate(l, &mut acc[c], xc, kernel, (s * CHAINS + c) * units + col) {
                return;
            }
        }
    }
    let done = x.len() - rest.len();
    for (c, &xc) in rest.iter().enumerate() {
        if !accumulate(l, &mut acc[c], xc, kernel, (done + c) * units + col) {
            return;
        }
    }
    let mut sum = acc[0];
    for chain in &acc[1..] {
        for v in 0..NV {
            sum[v] = l.add(sum[v], chain[v]);
        }
    }
    if let Some(dst) = lane_blocks_mut::<N, NV>(output, col) {
        for (value, dst) in sum.iter().zip(dst) {
            l.store(activate::<L, N, A>(l, *value), dst);
        }
    }
}

/// Dense on a vector: `I` → `O`.
#[inline]
pub fn dense<const I: usize, const O: usize, A: Activation>(
    input: &[f32; I],
    kernel: &[[f32; O]; I],
    bias: Option<&[f32; O]>,
    activation: A,
    output: &mut [f32; O],
) {
    let g = DenseGeometry {
        rows: 1,
        fan_in: I,
        units: O,
    };
    dense_dyn(
        g,
        input,
        kernel.as_flattened(),
        bias.map(|b| &b[..]),
        activation,
        output,
    );
}

/// Dense on a feature map, applied to the channels of each pixel: `H x W x I` → `H x W x O`.
#[inline]
pub fn dense_map<const H: usize, const W: usize, const I: usize, const O: usize, A: Activation>(
    input: &[[[f32; I]; W]; H],
    kernel: &[[f32; O]; I],
    bias: Option<&[f32; O]>,
    activation: A,
    output: &mut [[[f32; O]; W]; H],
) {
    let g = DenseGeometry {
        rows: H * W,
        fan_in: I,
        units: O,
    };
    dense_dyn(
        g,
        input.as_flattened().as_flattened(),
        kernel.as_flattened(),
        bias.map(|b| &b[..]),
        activation,
        output.as_flattened_mut().as_flattened_mut(),
    );
}

/// `acc += x * kernel[at..at + N NV]`; false if the kernel is too short.
#[inline(always)]
fn accumulate<L: Lanes<N>, const N: usize, const NV: usize>(
    l: L,
    acc: &mut [L::V; NV],
    x: f32,
    kernel: &[f32],
    at: usize,
) -> bool {
    let Some(row) = lane_blocks::<N, NV>(kernel, at) else {
        return false;
    };
    let xv = l.splat(x);
    for (a, w) in acc.iter_mut().zip(row) {
        *a = l.mul_add(xv, l.load(w), *a);
    }
    true
}
