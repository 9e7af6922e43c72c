//! Convolutions whose window is a few values (a first layer: 3x3x1, 3x3x3,
//! 5x5x1), compiled for their own sizes.
//!
//! The shared kernel ([`super::conv`]) takes sizes at run time, and with a
//! window of 9 values its per-tile work (copying the windows out, a loop of 9
//! steps) costs more than the 9 multiply-adds per output. Here every size is
//! a constant: the steps over the window are unrolled, each pixel's input is
//! read in place at constant offsets (one bounds check per pixel, none per
//! step), and each kernel row is read at a constant offset. Only layers with
//! such a window, no padding and no dilation come here, so the extra code is
//! one instantiation per such layer.

// Register tiles are indexed by pixel and vector: index loops say so.
#![allow(clippy::needless_range_loop)]

use super::epilogue::{ChannelEpilogue, Epilogue};
use crate::activation::{apply_in_place, Activation, InRegisters};
use crate::simd::{activate, dispatch, lane_blocks, lane_blocks_mut, Lanes};
#[cfg(target_arch = "x86_64")]
use crate::simd::{Avx2Fma, Avx512};

/// The strides, as a value whose type carries them (so that every size of
/// the call is inferred from its arguments' types).
#[derive(Clone, Copy, Debug, Default)]
pub struct Strides<const SH: usize, const SW: usize>;

/// Output pixels per register tile, as in [`super::conv`]: 6 pixels x 16
/// channels is 12 accumulators, 2 weight vectors and 1 broadcast.
const TILE_PIXELS: usize = 6;

/// `output = act(epilogue(input ⋆ kernel))` without padding or dilation, on the
/// fastest instruction set the CPU has.
#[allow(clippy::too_many_arguments)]
#[inline]
pub fn conv2d_small<
    const H: usize,
    const W: usize,
    const CI: usize,
    const CO: usize,
    const KH: usize,
    const KW: usize,
    const SH: usize,
    const SW: usize,
    const OH: usize,
    const OW: usize,
    A: Activation,
>(
    input: &[[[f32; CI]; W]; H],
    kernel: &[[[[f32; CO]; CI]; KW]; KH],
    epilogue: impl ChannelEpilogue<[f32; CO]>,
    activation: A,
    output: &mut [[[f32; CO]; OW]; OH],
    strides: Strides<SH, SW>,
) {
    const {
        assert!(SH >= 1 && SW >= 1, "strides at least 1");
        assert!(
            OH >= 1 && OW >= 1 && (OH - 1) * SH + KH <= H && (OW - 1) * SW + KW <= W,
            "every window lies inside the input"
        );
    }
    dispatch!(
        wide(conv2d_small_avx512) if CO.is_multiple_of(16),
        conv2d_small_avx2,
        conv2d_small_lanes(input, kernel, epilogue.epilogue(), activation, output, strides)
    )
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[allow(clippy::too_many_arguments)]
fn conv2d_small_avx512<
    const H: usize,
    const W: usize,
    const CI: usize,
    const CO: usize,
    const KH: usize,
    const KW: usize,
    const SH: usize,
    const SW: usize,
    const OH: usize,
    const OW: usize,
    A: Activation,
>(
    lanes: Avx512,
    input: &[[[f32; CI]; W]; H],
    kernel: &[[[[f32; CO]; CI]; KW]; KH],
    epilogue: Epilogue<'_>,
    activation: A,
    output: &mut [[[f32; CO]; OW]; OH],
    strides: Strides<SH, SW>,
) {
    conv2d_small_lanes(lanes, input, kernel, epilogue, activation, output, strides)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
fn conv2d_small_avx2<
    const H: usize,
    const W: usize,
    const CI: usize,
    const CO: usize,
    const KH: usize,
    const KW: usize,
    const SH: usize,
    const SW: usize,
    const OH: usize,
    const OW: usize,
    A: Activation,
>(
    lanes: Avx2Fma,
    input: &[[[f32; CI]; W]; H],
    kernel: &[[[[f32; CO]; CI]; KW]; KH],
    epilogue: Epilogue<'_>,
    activation: A,
    output: &mut [[[f32; CO]; OW]; OH],
    strides: Strides<SH, SW>,
) {
    conv2d_small_lanes(lanes, input, kernel, epilogue, activation, output, strides)
}

/// The whole convolution: tiles of [`TILE_PIXELS`] output pixels in row-major
/// order, then the last few one at a time.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn conv2d_small_lanes<
    L: Lanes<N>,
    const N: usize,
    const H: usize,
    const W: usize,
    const CI: usize,
    const CO: usize,
    const KH: usize,
    const KW: usize,
    const SH: usize,
    const SW: usize,
    const OH: usize,
    const OW: usize,
    A: Activation,
>(
    lanes: L,
    input: &[[[f32; CI]; W]; H],
    kernel: &[[[[f32; CO]; CI]; KW]; KH],
    epilogue: Epilogue<'_>,
    activation: A,
    output: &mut [[[f32; CO]; OW]; OH],
    _: Strides<SH, SW>,
) {
    let layer = Layer::<L, N, W, CI, CO, KH, KW> {
        lanes,
        input: input.as_flattened().as_flattened(),
        kernel: kernel.as_flattened().as_flattened().as_flattened(),
        epilogue,
    };
    let output = output.as_flattened_mut().as_flattened_mut();
    // Input offset of output pixel `i`'s window (its top-left value), and
    // output offset of the pixel.
    let at = |i: usize| {
        let (oy, ox) = (i / OW, i % OW);
        ((oy * SH * W + ox * SW) * CI, i * CO)
    };
    let pixels = OH * OW;
    let mut i = 0;
    while i + TILE_PIXELS <= pixels {
        let tile: [(usize, usize); TILE_PIXELS] = core::array::from_fn(|p| at(i + p));
        layer.pixels(tile, activation, output);
        i += TILE_PIXELS;
    }
    while i < pixels {
        layer.pixels([at(i)], activation, output);
        i += 1;
    }
}

/// One layer's operands; `W`, `CI`, `KH`, `KW` place each window value.
struct Layer<
    'a,
    L,
    const N: usize,
    const W: usize,
    const CI: usize,
    const CO: usize,
    const KH: usize,
    const KW: usize,
> {
    lanes: L,
    input: &'a [f32],
    kernel: &'a [f32],
    epilogue: Epilogue<'a>,
}

impl<
        L: Lanes<N>,
        const N: usize,
        const W: usize,
        const CI: usize,
        const CO: usize,
        const KH: usize,
        const KW: usize,
    > Layer<'_, L, N, W, CI, CO, KH, KW>
{
    /// Values from a window's first to its last: `KH - 1` rows of the input
    /// and `KW` pixels of the last.
    const SPAN: usize = ((KH - 1) * W + KW) * CI;

    /// Every output channel of `M` pixels: blocks of `2 N` and `N` channels in
    /// registers, the last `CO % N` one at a time, then the activation (if it
    /// cannot run in registers).
    #[inline(always)]
    fn pixels<const M: usize, A: Activation>(
        &self,
        pixels: [(usize, usize); M],
        activation: A,
        output: &mut [f32],
    ) {
        // Each pixel's window as one slice of `SPAN` values: the steps below
        // index it at constant offsets below `SPAN`, checked once here.
        let mut windows: [&[f32]; M] = [&[]; M];
        for (window, &(at, _)) in windows.iter_mut().zip(&pixels) {
            match self.input.get(at..at + Self::SPAN) {
                Some(w) => *window = w,
                None => return, // cannot happen: the entry point checks the sizes
            }
        }
        let outs: [usize; M] = core::array::from_fn(|p| pixels[p].1);
        let mut col = 0;
        while col + 2 * N <= CO {
            self.tile::<M, 2, A>(&windows, outs, col, output);
            col += 2 * N;
        }
        if col + N <= CO {
            self.tile::<M, 1, A>(&windows, outs, col, output);
            col += N;
        }
        for c in col..CO {
            for (window, &out) in windows.iter().zip(&outs) {
                let mut sum = self.epilogue.start(c);
                for ky in 0..KH {
                    for kx in 0..KW {
                        for ci in 0..CI {
                            let x = window[(ky * W + kx) * CI + ci];
                            sum += x * self.kernel[((ky * KW + kx) * CI + ci) * CO + c];
                        }
                    }
                }
                output[out + c] = self.epilogue.finish(c, sum);
            }
        }
        let stored = if A::IN_REGISTERS == InRegisters::No {
            0
        } else {
            col
        };
        for out in outs {
            if let Some(pixel) = output.get_mut(out + stored..out + CO) {
                apply_in_place(pixel, activation);
            }
        }
    }

    /// `M` pixels x `NV` vectors of channels from `col`: the window's steps
    /// unrolled, each a broadcast per pixel and `NV` multiply-adds.
    #[inline(always)]
    fn tile<const M: usize, const NV: usize, A: Activation>(
        &self,
        windows: &[&[f32]; M],
        outs: [usize; M],
        col: usize,
        output: &mut [f32],
    ) {
        let l = self.lanes;
        let mut acc = [self.epilogue.start_lanes::<L, N, NV>(l, col); M];
        for ky in 0..KH {
            for kx in 0..KW {
                for ci in 0..CI {
                    let offset = (ky * W + kx) * CI + ci;
                    let row = ((ky * KW + kx) * CI + ci) * CO + col;
                    let Some(w) = lane_blocks::<N, NV>(self.kernel, row) else {
                        return;
                    };
                    let w: [L::V; NV] = core::array::from_fn(|v| l.load(&w[v]));
                    for p in 0..M {
                        let x = l.splat(windows[p][offset]);
                        for v in 0..NV {
                            acc[p][v] = l.mul_add(x, w[v], acc[p][v]);
                        }
                    }
                }
            }
        }
        self.epilogue.finish_lanes(l, col, &mut acc);
        for (pixel, &out) in acc.iter().zip(&outs) {
            let Some(dst) = lane_blocks_mut::<N, NV>(output, out + col) else {
                return;
            };
            for (value, dst) in pixel.iter().zip(dst) {
                l.store(activate::<L, N, A>(l, *value), dst);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    //! Against the shared kernel, on every instruction-set path: 16- and
    //! 8-channel blocks and a channel tail, strides, tile and single pixels,
    //! activations in registers and after. Small enough for Miri.

    use super::*;
    use crate::activation::{Linear, Relu, Tanh};
    use crate::kernels::conv::{conv2d_dyn, Conv2DGeometry};
    use crate::kernels::testing::{on_every_path, values};
    use crate::memory::view;
    use crate::simd;
    use std::vec::Vec;

    /// The small kernel and the shared one on the same operands, on every
    /// instruction-set path.
    fn compare<
        const H: usize,
        const W: usize,
        const CI: usize,
        const CO: usize,
        const KH: usize,
        const KW: usize,
        const SH: usize,
        const SW: usize,
        const OH: usize,
        const OW: usize,
        A: Activation,
    >(
        activation: A,
        with_bias: bool,
    ) {
        let input: [[[f32; CI]; W]; H] = *view::<_, [f32; 1024]>(&values(1));
        let kernel: [[[[f32; CO]; CI]; KW]; KH] = *view::<_, [f32; 1024]>(&values(2));
        let bias: [f32; CO] = *view::<_, [f32; 64]>(&values(3));
        let bias = with_bias.then_some(&bias);
        let g = Conv2DGeometry {
            h: H,
            w: W,
            c_in: CI,
            c_out: CO,
            kh: KH,
            kw: KW,
            stride_h: SH,
            stride_w: SW,
            dilation_h: 1,
            dilation_w: 1,
            pad_top: 0,
            pad_left: 0,
            out_h: OH,
            out_w: OW,
        };
        on_every_path(|| {
            let mut small = [[[f32::NAN; CO]; OW]; OH];
            conv2d_small(
                &input,
                &kernel,
                bias,
                activation,
                &mut small,
                Strides::<SH, SW>,
            );
            let mut shared: Vec<f32> = std::vec![f32::NAN; OH * OW * CO];
            conv2d_dyn(
                g,
                input.as_flattened().as_flattened(),
                kernel.as_flattened().as_flattened().as_flattened(),
                bias.map(|b| &b[..]).into(),
                activation,
                &mut shared,
            );
            let small = small.as_flattened().as_flattened();
            for (i, (a, b)) in small.iter().zip(&shared).enumerate() {
                assert!(
                    (a - b).abs() <= 1e-5,
                    "value {i} ({:?}): {a} vs {b}",
                    simd::isa()
                );
            }
        });
    }

    #[test]
    fn agrees_with_the_shared_kernel() {
        // 28 channels: a 16-block, an 8-block and a tail of 4; 5x7 = 35
        // pixels: five tiles of 6 and five single pixels.
        compare::<7, 9, 1, 28, 3, 3, 1, 1, 5, 7, _>(Relu, true);
        // Strides, three input channels, a stored activation, no bias.
        compare::<9, 8, 3, 8, 3, 2, 2, 3, 4, 3, _>(Tanh, false);
        // Fewer channels than a vector, a 1x1 window.
        compare::<4, 4, 2, 5, 1, 1, 1, 1, 4, 4, _>(Linear, true);
        // 48 channels: three 16-lane vectors with AVX-512 (a 32-block and a
        // 16-block), six 8-lane ones otherwise.
        compare::<5, 6, 1, 48, 3, 3, 1, 1, 3, 4, _>(Relu, true);
    }
}
