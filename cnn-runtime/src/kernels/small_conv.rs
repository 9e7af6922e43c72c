//! Convolutions whose window is a few values (a first layer: 3x3x1, 3x3x3,
//! 5x5x1), compiled for their own sizes.
//!
//! The shared kernel ([`super::conv`]) takes sizes at run time, and with a
//! window of 9 values its per-tile work (copying the windows out, a loop of 9
//! steps) costs more than the 9 multiply-adds per output. Here every size is
//! a constant: the steps over the window are unrolled, each pixel's input is
//! read in place at constant offsets (one bounds check per pixel, none per
//! step), and each kernel row is read at a constant offset. Pixels whose
//! window overlaps the padding have it copied out with zeros in the padded
//! places, and go through the same tile. Only layers with such a window and
//! no dilation come here, so the extra code is one instantiation per such
//! layer.

// Register tiles are indexed by pixel and vector: index loops say so.
#![allow(clippy::needless_range_loop)]

use super::epilogue::{ChannelEpilogue, Epilogue};
use super::inside;
use crate::activation::{apply_in_place, Activation, InRegisters};
use crate::simd::{activate, dispatch, lane_blocks, lane_blocks_mut, Lanes};
#[cfg(target_arch = "x86_64")]
use crate::simd::{Avx2Fma, Avx512};
use core::ops::Range;

/// The strides and the padding above and left of the input, as a value whose
/// type carries them (so that every size of the call is inferred from its
/// arguments' types; the padding below and right is what the output's size
/// leaves).
#[derive(Clone, Copy, Debug, Default)]
pub struct Strides<const SH: usize, const SW: usize, const PT: usize = 0, const PL: usize = 0>;

/// Values of a window copied out for a pixel on the border: windows up to
/// this size (the compiler sends at most 32) take the tile there too.
const BORDER_WINDOW: usize = 64;

/// Output pixels per register tile, as in [`super::conv`]: 6 pixels x 16
/// channels is 12 accumulators, 2 weight vectors and 1 broadcast.
const TILE_PIXELS: usize = 6;

/// `output = act(epilogue(input ⋆ kernel))` without dilation, on the fastest
/// instruction set the CPU has; the epilogue is the bias (`Some(&bias)` or
/// `None`) or an [`Affine`](super::epilogue::Affine) map.
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
    const PT: usize,
    const PL: usize,
    const OH: usize,
    const OW: usize,
    A: Activation,
>(
    input: &[[[f32; CI]; W]; H],
    kernel: &[[[[f32; CO]; CI]; KW]; KH],
    epilogue: impl ChannelEpilogue<[f32; CO]>,
    activation: A,
    output: &mut [[[f32; CO]; OW]; OH],
    strides: Strides<SH, SW, PT, PL>,
) {
    const {
        assert!(SH >= 1 && SW >= 1, "strides at least 1");
        assert!(
            OH >= 1 && OW >= 1 && PT < KH && PL < KW,
            "an output, and less padding above and left than the window"
        );
        assert!(
            (OH - 1) * SH < PT + H && (OW - 1) * SW < PL + W,
            "every window starts inside the padded input"
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
    const PT: usize,
    const PL: usize,
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
    strides: Strides<SH, SW, PT, PL>,
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
    const PT: usize,
    const PL: usize,
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
    strides: Strides<SH, SW, PT, PL>,
) {
    conv2d_small_lanes(lanes, input, kernel, epilogue, activation, output, strides)
}

/// The whole convolution: the pixels whose window lies inside the input in
/// tiles of [`TILE_PIXELS`] in row-major order (the last few one at a time),
/// read in place; then the border pixels, likewise, from windows copied out
/// with zeros for the padding.
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
    const PT: usize,
    const PL: usize,
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
    _: Strides<SH, SW, PT, PL>,
) {
    let layer = Layer::<L, N, CI, CO, KH, KW> {
        lanes,
        kernel: kernel.as_flattened().as_flattened().as_flattened(),
        epilogue,
    };
    let input = input.as_flattened().as_flattened();
    let output = output.as_flattened_mut().as_flattened_mut();
    // The output rows and columns whose windows lie inside the input:
    // constants, so that finding a pixel's place costs no division.
    let rows = const { inside(OH, SH, 1, PT, KH, H) };
    let cols = const { inside(OW, SW, 1, PL, KW, W) };

    // Inside: each pixel's window read in place, rows `W` pixels apart.
    let width = cols.end - cols.start;
    let place = |i: usize| {
        let (oy, ox) = (rows.start + i / width, cols.start + i % width);
        (
            ((oy * SH - PT) * W + ox * SW - PL) * CI,
            (oy * OW + ox) * CO,
        )
    };
    let count = (rows.end - rows.start) * width;
    let mut i = 0;
    while i + TILE_PIXELS <= count {
        let tile: [(usize, usize); TILE_PIXELS] = core::array::from_fn(|p| place(i + p));
        layer.pixels_in_place::<TILE_PIXELS, W, A>(input, tile, activation, output);
        i += TILE_PIXELS;
    }
    while i < count {
        layer.pixels_in_place::<1, W, A>(input, [place(i)], activation, output);
        i += 1;
    }

    // The border: windows copied out, rows `KW` pixels apart.
    if rows.len() == OH && cols.len() == OW {
        return; // no padding (known at compile time)
    }
    if KH * KW * CI > BORDER_WINDOW {
        return layer.border_one_by_one::<H, W, SH, SW, PT, PL, OH, OW, A>(
            input, &rows, &cols, activation, output,
        );
    }
    let mut copies = [[0.0f32; BORDER_WINDOW]; TILE_PIXELS];
    let mut filled = 0;
    let mut outs = [0usize; TILE_PIXELS];
    let len = KH * KW * CI;
    // Whole rows above and below the inside, the columns left and right of
    // it in between.
    let columns = |oy| match rows.contains(&oy) {
        true => (0..cols.start).chain(cols.end..OW),
        false => (0..OW).chain(OW..OW),
    };
    let border = (0..OH).flat_map(|oy| columns(oy).map(move |ox| (oy, ox)));
    for (oy, ox) in border {
        copy_window::<H, W, CI, KH, KW>(input, oy * SH, ox * SW, PT, PL, &mut copies[filled]);
        outs[filled] = (oy * OW + ox) * CO;
        filled += 1;
        if filled == TILE_PIXELS {
            let windows = core::array::from_fn(|p| &copies[p][..len]);
            layer.pixels::<TILE_PIXELS, KW, A>(windows, outs, activation, output);
            filled = 0;
        }
    }
    for (copy, &out) in copies.iter().zip(&outs).take(filled) {
        layer.pixels::<1, KW, A>([&copy[..len]], [out], activation, output);
    }
}

/// Copies the window whose top-left corner is at padded row `y`, column
/// `x` into `window` (rows of `KW` pixels), with zeros for the padding.
#[inline(always)]
fn copy_window<
    const H: usize,
    const W: usize,
    const CI: usize,
    const KH: usize,
    const KW: usize,
>(
    input: &[f32],
    y: usize,
    x: usize,
    pad_top: usize,
    pad_left: usize,
    window: &mut [f32],
) {
    for ky in 0..KH {
        for kx in 0..KW {
            let to = (ky * KW + kx) * CI;
            let Some(dst) = window.get_mut(to..to + CI) else {
                return;
            };
            // Padding where the subtraction wraps around or passes the edge.
            let (iy, ix) = (
                (y + ky).wrapping_sub(pad_top),
                (x + kx).wrapping_sub(pad_left),
            );
            if iy >= H || ix >= W {
                dst.fill(0.0);
                continue;
            }
            let at = (iy * W + ix) * CI;
            match input.get(at..at + CI) {
                Some(src) => dst.copy_from_slice(src),
                None => dst.fill(0.0),
            }
        }
    }
}

/// One layer's operands; `CI`, `KH`, `KW` place each window value.
struct Layer<
    'a,
    L,
    const N: usize,
    const CI: usize,
    const CO: usize,
    const KH: usize,
    const KW: usize,
> {
    lanes: L,
    kernel: &'a [f32],
    epilogue: Epilogue<'a>,
}

impl<
        L: Lanes<N>,
        const N: usize,
        const CI: usize,
        const CO: usize,
        const KH: usize,
        const KW: usize,
    > Layer<'_, L, N, CI, CO, KH, KW>
{
    /// [`Self::pixels`] on windows read in place: `(input offset of the
    /// window, output offset)` per pixel (`pixels` checks that each window
    /// fits).
    #[inline(always)]
    fn pixels_in_place<const M: usize, const RW: usize, A: Activation>(
        &self,
        input: &[f32],
        pixels: [(usize, usize); M],
        activation: A,
        output: &mut [f32],
    ) {
        let windows = core::array::from_fn(|p| input.get(pixels[p].0..).unwrap_or_default());
        let outs = core::array::from_fn(|p| pixels[p].1);
        self.pixels::<M, RW, A>(windows, outs, activation, output);
    }

    /// Every output channel of `M` pixels whose windows have rows `RW`
    /// pixels apart: blocks of `2 N` and `N` channels in registers, the last
    /// `CO % N` one at a time, then the activation (if it cannot run in
    /// registers).
    #[inline(always)]
    fn pixels<const M: usize, const RW: usize, A: Activation>(
        &self,
        from: [&[f32]; M],
        outs: [usize; M],
        activation: A,
        output: &mut [f32],
    ) {
        // Values from a window's first to its last: `KH - 1` rows and `KW`
        // pixels. The steps below index each window at constant offsets
        // below this, checked once here.
        let span = ((KH - 1) * RW + KW) * CI;
        let mut windows: [&[f32]; M] = [&[]; M];
        for (window, from) in windows.iter_mut().zip(from) {
            match from.get(..span) {
                Some(w) => *window = w,
                None => return, // cannot happen: the entry point checks the sizes
            }
        }
        let mut col = 0;
        while col + 2 * N <= CO {
            self.tile::<M, 2, RW, A>(&windows, outs, col, output);
            col += 2 * N;
        }
        if col + N <= CO {
            self.tile::<M, 1, RW, A>(&windows, outs, col, output);
            col += N;
        }
        for c in col..CO {
            for (window, &out) in windows.iter().zip(&outs) {
                let mut sum = self.epilogue.start(c);
                for ky in 0..KH {
                    for kx in 0..KW {
                        for ci in 0..CI {
                            let x = window[(ky * RW + kx) * CI + ci];
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
    fn tile<const M: usize, const NV: usize, const RW: usize, A: Activation>(
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
                    let offset = (ky * RW + kx) * CI + ci;
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

    /// Border pixels one by one without vectors: for windows too big to copy
    /// out (the compiler does not send such layers here).
    #[allow(clippy::too_many_arguments)]
    fn border_one_by_one<
        const H: usize,
        const W: usize,
        const SH: usize,
        const SW: usize,
        const PT: usize,
        const PL: usize,
        const OH: usize,
        const OW: usize,
        A: Activation,
    >(
        &self,
        input: &[f32],
        rows: &Range<usize>,
        cols: &Range<usize>,
        activation: A,
        output: &mut [f32],
    ) {
        for oy in 0..OH {
            for ox in 0..OW {
                if rows.contains(&oy) && cols.contains(&ox) {
                    continue;
                }
                for c in 0..CO {
                    let mut sum = self.epilogue.start(c);
                    for ky in 0..KH {
                        for kx in 0..KW {
                            let iy = (oy * SH + ky).wrapping_sub(PT);
                            let ix = (ox * SW + kx).wrapping_sub(PL);
                            if iy >= H || ix >= W {
                                continue;
                            }
                            for ci in 0..CI {
                                sum += input[(iy * W + ix) * CI + ci]
                                    * self.kernel[((ky * KW + kx) * CI + ci) * CO + c];
                            }
                        }
                    }
                    output[(oy * OW + ox) * CO + c] =
                        activation.apply(self.epilogue.finish(c, sum));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    //! Against the shared kernel, on every instruction-set path: 16- and
    //! 8-channel blocks and a channel tail, strides, padding (windows copied
    //! out, and too big to copy), tile and single pixels, activations in
    //! registers and after, bias and folded BatchNormalization. Small enough
    //! for Miri.

    use super::*;
    use crate::activation::{Linear, Relu, Tanh};
    use crate::kernels::conv::{conv2d_dyn, Conv2DGeometry};
    use crate::kernels::epilogue::Affine;
    use crate::kernels::testing::{on_every_path, values};
    use crate::memory::view;
    use crate::simd;
    use std::vec::Vec;

    /// What the layer adds to its sums.
    #[derive(Clone, Copy)]
    enum Sums {
        Plain,
        Bias,
        Folded,
    }

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
        const PT: usize,
        const PL: usize,
        const OH: usize,
        const OW: usize,
        A: Activation,
    >(
        activation: A,
        sums: Sums,
    ) {
        let input: [[[f32; CI]; W]; H] = *view::<_, [f32; 1024]>(&values(1));
        let kernel: [[[[f32; CO]; CI]; KW]; KH] = *view::<_, [f32; 1024]>(&values(2));
        let bias: [f32; CO] = *view::<_, [f32; 64]>(&values(3));
        let affine = Affine::<CO> {
            scale: *view::<_, [f32; 64]>(&values(4)),
            shift: bias,
        };
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
            pad_top: PT,
            pad_left: PL,
            out_h: OH,
            out_w: OW,
        };
        on_every_path(|| {
            let mut small = [[[f32::NAN; CO]; OW]; OH];
            let strides = Strides::<SH, SW, PT, PL>;
            let epilogue = match sums {
                Sums::Plain => {
                    conv2d_small(&input, &kernel, None, activation, &mut small, strides);
                    Epilogue::Nothing
                }
                Sums::Bias => {
                    conv2d_small(
                        &input,
                        &kernel,
                        Some(&bias),
                        activation,
                        &mut small,
                        strides,
                    );
                    Epilogue::Bias(&bias)
                }
                Sums::Folded => {
                    conv2d_small(&input, &kernel, &affine, activation, &mut small, strides);
                    affine.epilogue()
                }
            };
            let mut shared: Vec<f32> = std::vec![f32::NAN; OH * OW * CO];
            conv2d_dyn(
                g,
                input.as_flattened().as_flattened(),
                kernel.as_flattened().as_flattened().as_flattened(),
                epilogue,
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
        compare::<7, 9, 1, 28, 3, 3, 1, 1, 0, 0, 5, 7, _>(Relu, Sums::Bias);
        // Strides, three input channels, a stored activation, no bias.
        compare::<9, 8, 3, 8, 3, 2, 2, 3, 0, 0, 4, 3, _>(Tanh, Sums::Plain);
        // Fewer channels than a vector, a 1x1 window.
        compare::<4, 4, 2, 5, 1, 1, 1, 1, 0, 0, 4, 4, _>(Linear, Sums::Bias);
        // 48 channels: three 16-lane vectors with AVX-512 (a 32-block and a
        // 16-block), six 8-lane ones otherwise.
        compare::<5, 6, 1, 48, 3, 3, 1, 1, 0, 0, 3, 4, _>(Relu, Sums::Bias);
    }

    #[test]
    fn pads_as_the_shared_kernel_does() {
        // `same` with stride 2 on an even input: padding below and right
        // only (MobileNet's first layer), a folded BatchNormalization.
        compare::<8, 8, 3, 8, 3, 3, 2, 2, 0, 0, 4, 4, _>(Relu, Sums::Folded);
        // `same` with stride 1: padding on every side (ResNet's first layer).
        compare::<7, 7, 3, 16, 3, 3, 1, 1, 1, 1, 7, 7, _>(Tanh, Sums::Bias);
        // A 5x5 window with 2 rows and columns of padding around a 3x4 input:
        // no pixel is inside.
        compare::<3, 4, 1, 8, 5, 5, 1, 1, 2, 2, 3, 4, _>(Linear, Sums::Folded);
        // A window of 72 values: the border goes one value at a time.
        compare::<6, 6, 8, 8, 3, 3, 1, 1, 1, 1, 6, 6, _>(Relu, Sums::Bias);
    }
}
