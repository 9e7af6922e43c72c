//! Depthwise 2-D convolution, channels last, Keras kernel layout
//! `(kh, kw, c_in, multiplier)`: each input channel is convolved with its own
//! `multiplier` filters, and output channel `c * multiplier + j` is input
//! channel `c` with filter `j`.

// Register tiles are indexed by pixel and vector: index loops say so.
#![allow(clippy::needless_range_loop)]

use super::epilogue::{ChannelEpilogue, Epilogue};
use super::{inside, taps_along};
use crate::activation::{apply_in_place, Activation, InRegisters};
use crate::simd::{activate, dispatch, lane_blocks, lane_blocks_mut, Lanes};
#[cfg(target_arch = "x86_64")]
use crate::simd::{Avx2Fma, Avx512};
use core::ops::Range;

/// Every size of one depthwise convolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DepthwiseGeometry {
    pub h: usize,
    pub w: usize,
    pub c_in: usize,
    pub multiplier: usize,
    pub kh: usize,
    pub kw: usize,
    pub stride_h: usize,
    pub stride_w: usize,
    pub dilation_h: usize,
    pub dilation_w: usize,
    pub pad_top: usize,
    pub pad_left: usize,
    pub out_h: usize,
    pub out_w: usize,
}

impl DepthwiseGeometry {
    pub fn c_out(&self) -> usize {
        self.c_in * self.multiplier
    }

    pub fn input_len(&self) -> usize {
        self.h * self.w * self.c_in
    }

    pub fn kernel_len(&self) -> usize {
        self.kh * self.kw * self.c_out()
    }

    pub fn output_len(&self) -> usize {
        self.out_h * self.out_w * self.c_out()
    }
}

/// The depthwise convolution on flat slices: `output = act(epilogue(input ⋆
/// kernel))` (the epilogue adds a bias, or a folded BatchNormalization), on
/// the fastest instruction set the CPU has ([`crate::simd`]). Slices shorter
/// than the geometry needs, or a stride or dilation of 0, make it return
/// without writing (the const-generic entry point makes both impossible).
#[inline]
pub fn depthwise_conv2d_dyn<A: Activation>(
    g: DepthwiseGeometry,
    input: &[f32],
    kernel: &[f32],
    epilogue: Epilogue<'_>,
    activation: A,
    output: &mut [f32],
) {
    if input.len() < g.input_len()
        || kernel.len() < g.kernel_len()
        || output.len() < g.output_len()
        || !epilogue.covers(g.c_out())
        || g.dilation_h == 0
        || g.dilation_w == 0
        || g.stride_h == 0
        || g.stride_w == 0
    {
        return;
    }
    dispatch!(
        wide(depthwise_avx512) if g.multiplier == 1 && g.c_in.is_multiple_of(16),
        depthwise_avx2,
        depthwise_lanes(&g, input, kernel, epilogue, activation, output)
    )
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn depthwise_avx512<A: Activation>(
    lanes: Avx512,
    g: &DepthwiseGeometry,
    input: &[f32],
    kernel: &[f32],
    epilogue: Epilogue<'_>,
    activation: A,
    output: &mut [f32],
) {
    depthwise_lanes(lanes, g, input, kernel, epilogue, activation, output)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn depthwise_avx2<A: Activation>(
    lanes: Avx2Fma,
    g: &DepthwiseGeometry,
    input: &[f32],
    kernel: &[f32],
    epilogue: Epilogue<'_>,
    activation: A,
    output: &mut [f32],
) {
    depthwise_lanes(lanes, g, input, kernel, epilogue, activation, output)
}

/// Accumulators per register tile: `8 / NV` pixels along a row times `NV`
/// vectors of channels, so that eight independent sums hide the latency of
/// the multiply-adds.
const TILE_SUMS: usize = 8;

/// One filter per channel (`multiplier` 1) on whole vectors of channels goes
/// through register tiles: output row by output row (the rows of input it
/// reads stay in L1), channel blocks of 4, 2 and 1 vectors, and for each
/// block the row's pixels in tiles ([`TILE_SUMS`]). Pixels whose window
/// overlaps the left or right padding go one at a time with those taps left
/// out; rows near the top and bottom leave out their padded kernel rows.
/// Other layers go [`depthwise_pixels`].
#[inline(always)]
fn depthwise_lanes<L: Lanes<N>, const N: usize, A: Activation>(
    lanes: L,
    g: &DepthwiseGeometry,
    input: &[f32],
    kernel: &[f32],
    epilogue: Epilogue<'_>,
    activation: A,
    output: &mut [f32],
) {
    if g.multiplier != 1 || !g.c_in.is_multiple_of(N) {
        return depthwise_pixels(g, input, kernel, epilogue, activation, output);
    }
    let layer = Depthwise {
        lanes,
        g,
        input,
        kernel,
        epilogue,
        cols: inside(g.out_w, g.stride_w, g.dilation_w, g.pad_left, g.kw, g.w),
    };
    for oy in 0..g.out_h {
        let mut col = 0;
        while col + 4 * N <= g.c_in {
            layer.row::<4, { TILE_SUMS / 4 }, A>(oy, col, activation, output);
            col += 4 * N;
        }
        if col + 2 * N <= g.c_in {
            layer.row::<2, { TILE_SUMS / 2 }, A>(oy, col, activation, output);
            col += 2 * N;
        }
        if col + N <= g.c_in {
            layer.row::<1, TILE_SUMS, A>(oy, col, activation, output);
        }
    }
}

/// Where a tile is: `M` pixels of output row `oy` from column `ox`, which
/// read kernel rows `ky` and columns `kx`, channels from `col`.
struct Pixels {
    oy: usize,
    ox: usize,
    ky: Range<usize>,
    kx: Range<usize>,
    col: usize,
}

/// One depthwise layer's operands (multiplier 1), for the tiles.
struct Depthwise<'a, L, const N: usize> {
    lanes: L,
    g: &'a DepthwiseGeometry,
    input: &'a [f32],
    kernel: &'a [f32],
    epilogue: Epilogue<'a>,
    /// The output columns whose windows lie inside the input.
    cols: Range<usize>,
}

impl<L: Lanes<N>, const N: usize> Depthwise<'_, L, N> {
    /// `NV` vectors of channels from `col` of output row `oy`: the left
    /// border, the inside in tiles of `M` pixels and then single ones, the
    /// right border.
    #[inline(always)]
    fn row<const NV: usize, const M: usize, A: Activation>(
        &self,
        oy: usize,
        col: usize,
        activation: A,
        output: &mut [f32],
    ) {
        let g = self.g;
        let ky = taps_along(oy, g.stride_h, g.dilation_h, g.pad_top, g.kh, g.h);
        let border = |ox| taps_along(ox, g.stride_w, g.dilation_w, g.pad_left, g.kw, g.w);
        let at = |ox, kx| Pixels {
            oy,
            ox,
            ky: ky.clone(),
            kx,
            col,
        };
        let cols = &self.cols;
        for ox in 0..cols.start {
            self.tile::<1, NV, A>(at(ox, border(ox)), activation, output);
        }
        let mut ox = cols.start;
        while ox + M <= cols.end {
            self.tile::<M, NV, A>(at(ox, 0..g.kw), activation, output);
            ox += M;
        }
        while ox < cols.end {
            self.tile::<1, NV, A>(at(ox, 0..g.kw), activation, output);
            ox += 1;
        }
        for ox in cols.end..g.out_w {
            self.tile::<1, NV, A>(at(ox, border(ox)), activation, output);
        }
    }

    /// The register tile: `M` pixels x `NV` vectors of channels, summed over
    /// the taps (per tap, `NV` weight vectors and one input vector per
    /// multiply-add), then finished, activated and stored.
    #[inline(always)]
    fn tile<const M: usize, const NV: usize, A: Activation>(
        &self,
        at: Pixels,
        activation: A,
        output: &mut [f32],
    ) {
        let (l, g) = (self.lanes, self.g);
        let c = g.c_in;
        // Input distance between neighbouring pixels of the tile.
        let step = g.stride_w * c;
        let mut acc = [self.epilogue.start_lanes::<L, N, NV>(l, at.col); M];
        for ky in at.ky {
            let iy = at.oy * g.stride_h + ky * g.dilation_h - g.pad_top;
            for kx in at.kx.clone() {
                let ix = at.ox * g.stride_w + kx * g.dilation_w - g.pad_left;
                let first = (iy * g.w + ix) * c + at.col;
                let (Some(w), Some(x)) = (
                    lane_blocks::<N, NV>(self.kernel, (ky * g.kw + kx) * c + at.col),
                    self.input.get(first..first + (M - 1) * step + N * NV),
                ) else {
                    return; // cannot happen: the taps are inside the input
                };
                let w: [L::V; NV] = core::array::from_fn(|v| l.load(&w[v]));
                for p in 0..M {
                    if let Some(x) = lane_blocks::<N, NV>(x, p * step) {
                        for v in 0..NV {
                            acc[p][v] = l.mul_add(l.load(&x[v]), w[v], acc[p][v]);
                        }
                    }
                }
            }
        }
        self.epilogue.finish_lanes(l, at.col, &mut acc);
        let out = (at.oy * g.out_w + at.ox) * c + at.col;
        for (p, pixel) in acc.iter().enumerate() {
            if let Some(dst) = lane_blocks_mut::<N, NV>(output, out + p * c) {
                for (value, dst) in pixel.iter().zip(dst.iter_mut()) {
                    l.store(activate::<L, N, A>(l, *value), dst);
                }
                if A::IN_REGISTERS == InRegisters::No {
                    apply_in_place(dst.as_flattened_mut(), activation);
                }
            }
        }
    }
}

/// Any multiplier and channel count, one output pixel at a time: start from
/// the epilogue, then for each tap that falls inside the input add the input
/// pixel's channels times the tap's filters. The inner loops run over
/// contiguous channels, which the compiler vectorises.
fn depthwise_pixels<A: Activation>(
    g: &DepthwiseGeometry,
    input: &[f32],
    kernel: &[f32],
    epilogue: Epilogue<'_>,
    activation: A,
    output: &mut [f32],
) {
    let (ci, m) = (g.c_in, g.multiplier);
    let co = ci * m;
    for (oy, out_row) in output
        .chunks_exact_mut(g.out_w * co)
        .take(g.out_h)
        .enumerate()
    {
        for (ox, out) in out_row.chunks_exact_mut(co).enumerate() {
            for (c, o) in out.iter_mut().enumerate() {
                *o = epilogue.start(c);
            }
            for ky in 0..g.kh {
                let iy = (oy * g.stride_h + ky * g.dilation_h).wrapping_sub(g.pad_top);
                if iy >= g.h {
                    continue; // padding (a wrapped subtraction is huge)
                }
                for kx in 0..g.kw {
                    let ix = (ox * g.stride_w + kx * g.dilation_w).wrapping_sub(g.pad_left);
                    if ix >= g.w {
                        continue;
                    }
                    let at = (iy * g.w + ix) * ci;
                    let tap = (ky * g.kw + kx) * co;
                    let (Some(pixel), Some(filters)) =
                        (input.get(at..at + ci), kernel.get(tap..tap + co))
                    else {
                        continue;
                    };
                    if m == 1 {
                        for ((o, &x), &k) in out.iter_mut().zip(pixel).zip(filters) {
                            *o += x * k;
                        }
                    } else {
                        for ((o, &x), k) in out
                            .chunks_exact_mut(m)
                            .zip(pixel)
                            .zip(filters.chunks_exact(m))
                        {
                            for (o, &k) in o.iter_mut().zip(k) {
                                *o += x * k;
                            }
                        }
                    }
                }
            }
            for (c, o) in out.iter_mut().enumerate() {
                *o = epilogue.finish(c, *o);
            }
            apply_in_place(out, activation);
        }
    }
}

/// DepthwiseConv2D with every size a constant: input `H x W x CI`, kernel
/// `KH x KW` with `M` filters per channel, strides `SH, SW`, dilation `DH, DW`,
/// padding top/bottom/left/right, output `OH x OW x (CI * M)` seen as
/// `[[f32; M]; CI]` per pixel. A combination Keras would not produce does not
/// compile.
#[allow(clippy::too_many_arguments)]
#[inline]
pub fn depthwise_conv2d<
    const H: usize,
    const W: usize,
    const CI: usize,
    const M: usize,
    const KH: usize,
    const KW: usize,
    const SH: usize,
    const SW: usize,
    const DH: usize,
    const DW: usize,
    const PT: usize,
    const PB: usize,
    const PL: usize,
    const PR: usize,
    const OH: usize,
    const OW: usize,
    A: Activation,
>(
    input: &[[[f32; CI]; W]; H],
    kernel: &[[[[f32; M]; CI]; KW]; KH],
    epilogue: impl ChannelEpilogue<[[f32; M]; CI]>,
    activation: A,
    output: &mut [[[[f32; M]; CI]; OW]; OH],
) {
    const {
        assert!(
            super::convolution_shapes_agree(
                [H, W],
                [PT + PB, PL + PR],
                [KH, KW],
                [DH, DW],
                [SH, SW],
                [OH, OW]
            ),
            "strides and dilation at least 1, and the output the window's over the padded input"
        );
    }
    let g = DepthwiseGeometry {
        h: H,
        w: W,
        c_in: CI,
        multiplier: M,
        kh: KH,
        kw: KW,
        stride_h: SH,
        stride_w: SW,
        dilation_h: DH,
        dilation_w: DW,
        pad_top: PT,
        pad_left: PL,
        out_h: OH,
        out_w: OW,
    };
    depthwise_conv2d_dyn(
        g,
        input.as_flattened().as_flattened(),
        kernel.as_flattened().as_flattened().as_flattened(),
        epilogue.epilogue(),
        activation,
        output
            .as_flattened_mut()
            .as_flattened_mut()
            .as_flattened_mut(),
    );
}
