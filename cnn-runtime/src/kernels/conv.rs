//! 2-D convolution, channels last, Keras kernel layout `(kh, kw, c_in, c_out)`.
// Register tiles are indexed by pixel, chain and vector: index loops say so.
#![allow(clippy::needless_range_loop)]

use super::epilogue::{ChannelEpilogue, Epilogue};
use super::{conv_big, inside, taps_along};
use crate::activation::{apply_in_place, Activation, InRegisters};
use crate::simd::{activate, dispatch, lane_blocks, lane_blocks_mut, Lanes};
#[cfg(target_arch = "x86_64")]
use crate::simd::{Avx2Fma, Avx512};
use core::ops::Range;

/// Every size of one convolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv2DGeometry {
    pub h: usize,
    pub w: usize,
    pub c_in: usize,
    pub c_out: usize,
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

impl Conv2DGeometry {
    pub fn input_len(&self) -> usize {
        self.h * self.w * self.c_in
    }

    pub fn kernel_len(&self) -> usize {
        self.kh * self.kw * self.c_in * self.c_out
    }

    pub fn output_len(&self) -> usize {
        self.out_h * self.out_w * self.c_out
    }
}

/// The convolution on flat slices: `output = act(epilogue(input ⋆ kernel))`
/// (the epilogue adds a bias, or a folded BatchNormalization), on the
/// fastest instruction set the CPU has ([`crate::simd`]).
///
/// Slices shorter than the geometry needs, or a dilation of 0, make it return
/// without writing (the const-generic entry point makes both impossible).
#[inline]
pub fn conv2d_dyn<A: Activation>(
    g: Conv2DGeometry,
    input: &[f32],
    kernel: &[f32],
    epilogue: Epilogue<'_>,
    activation: A,
    output: &mut [f32],
) {
    if input.len() < g.input_len()
        || kernel.len() < g.kernel_len()
        || output.len() < g.output_len()
        || !epilogue.covers(g.c_out)
        || g.dilation_h == 0
        || g.dilation_w == 0
    {
        return;
    }
    if conv_big::applies(&g) {
        return conv_big::conv2d_by_taps_dyn(&g, input, kernel, epilogue, activation, output);
    }
    dispatch!(
        wide(conv2d_avx512) if g.c_out.is_multiple_of(16),
        conv2d_avx2,
        conv2d_lanes(&g, input, kernel, epilogue, activation, output)
    )
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn conv2d_avx512<A: Activation>(
    lanes: Avx512,
    g: &Conv2DGeometry,
    input: &[f32],
    kernel: &[f32],
    epilogue: Epilogue<'_>,
    activation: A,
    output: &mut [f32],
) {
    conv2d_lanes(lanes, g, input, kernel, epilogue, activation, output)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn conv2d_avx2<A: Activation>(
    lanes: Avx2Fma,
    g: &Conv2DGeometry,
    input: &[f32],
    kernel: &[f32],
    epilogue: Epilogue<'_>,
    activation: A,
    output: &mut [f32],
) {
    conv2d_lanes(lanes, g, input, kernel, epilogue, activation, output)
}

/// Output pixels per tile: each weight vector loaded is used this many times.
/// With [`TILE_VECTORS`] this is the 6 x 16 register tile of the classic
/// AVX2 GEMM kernel: 12 accumulators, 2 weight vectors and 1 input broadcast
/// fill 15 of the 16 vector registers.
pub(crate) const TILE_PIXELS: usize = 6;
/// Output channels per tile, in vectors.
pub(crate) const TILE_VECTORS: usize = 2;
/// Output channels per tile with 16 lanes (AVX-512), in vectors.
pub(crate) const WIDE_TILE_VECTORS: usize = 4;
/// Windows up to this many values (3x3x3, 5x5x1) are copied out per tile.
const PACK_MAX: usize = 32;
/// A tile's windows, copied out (with 16 values of slack for block copies).
type Windows = [[f32; PACK_MAX + 16]; TILE_PIXELS];

/// The convolution as an implicit GEMM: output pixels x (taps x input
/// channels) times the kernel, `(kh kw c_in) x c_out`, read in place. Pixels
/// go through the register tile in groups of [`TILE_PIXELS`] that read the
/// same taps: the inside (whole windows), then each border row and column
/// (the padded taps left out); the corners go one at a time.
#[inline(always)]
pub(crate) fn conv2d_lanes<L: Lanes<N>, const N: usize, A: Activation>(
    lanes: L,
    g: &Conv2DGeometry,
    input: &[f32],
    kernel: &[f32],
    epilogue: Epilogue<'_>,
    activation: A,
    output: &mut [f32],
) {
    let rows = inside(g.out_h, g.stride_h, g.dilation_h, g.pad_top, g.kh, g.h);
    let cols = inside(g.out_w, g.stride_w, g.dilation_w, g.pad_left, g.kw, g.w);
    let conv = Conv {
        lanes,
        g,
        input,
        kernel,
        epilogue,
    };

    // Rectangles of pixels that read the same taps: the inside (whole
    // windows), each row above and below it, each column left and right of
    // it (their windows leave out the padded taps), and the corners. One
    // call site keeps one copy of the tile code.
    let (above_below, left_right) = (
        (0..rows.start).chain(rows.end..g.out_h),
        (0..cols.start).chain(cols.end..g.out_w),
    );
    let one = |o: usize| o..o + 1;
    let rectangles = core::iter::once((rows.start..rows.end, cols.start..cols.end))
        .chain(
            above_below
                .clone()
                .map(|oy| (one(oy), cols.start..cols.end)),
        )
        .chain(left_right.clone().map(|ox| (rows.start..rows.end, one(ox))))
        .chain(above_below.flat_map(|oy| left_right.clone().map(move |ox| (one(oy), one(ox)))));
    let mut windows: Windows = [[0.0; PACK_MAX + 16]; TILE_PIXELS];
    for (ys, xs) in rectangles {
        if ys.is_empty() || xs.is_empty() {
            continue;
        }
        let taps = Taps {
            ky: taps_along(ys.start, g.stride_h, g.dilation_h, g.pad_top, g.kh, g.h),
            kx: taps_along(xs.start, g.stride_w, g.dilation_w, g.pad_left, g.kw, g.w),
        };
        conv.rectangle(ys, xs, &taps, &mut windows, output, activation);
    }
}

/// How `taps_x` taps of one kernel row lie in the input: as (runs, values per
/// run). With dilation 1 along x they are one run of consecutive inputs
/// (kx, c_in); otherwise each tap is a run of c_in.
#[inline(always)]
fn runs(g: &Conv2DGeometry, taps_x: usize) -> (usize, usize) {
    if g.dilation_w == 1 {
        (1, taps_x * g.c_in)
    } else {
        (taps_x, g.c_in)
    }
}

/// The taps a group of pixels share.
struct Taps {
    ky: Range<usize>,
    kx: Range<usize>,
}

/// One convolution's operands, for the tile functions.
struct Conv<'a, L, const N: usize> {
    lanes: L,
    g: &'a Conv2DGeometry,
    input: &'a [f32],
    kernel: &'a [f32],
    epilogue: Epilogue<'a>,
}

impl<L: Lanes<N>, const N: usize> Conv<'_, L, N> {
    /// Every output channel of the pixels of rows `ys` and columns `xs`,
    /// which all read `taps`: in tiles of [`TILE_PIXELS`] taken row by row,
    /// then the last few one at a time.
    #[inline(always)]
    fn rectangle<A: Activation>(
        &self,
        ys: Range<usize>,
        xs: Range<usize>,
        taps: &Taps,
        windows: &mut Windows,
        output: &mut [f32],
        activation: A,
    ) {
        let (mut oy, mut ox) = (ys.start, xs.start);
        let mut next = || {
            let pixel = (oy, ox);
            ox += 1;
            if ox == xs.end {
                (oy, ox) = (oy + 1, xs.start);
            }
            pixel
        };
        let mut left = ys.len() * xs.len();
        while left >= TILE_PIXELS {
            let tile: [(usize, usize); TILE_PIXELS] = core::array::from_fn(|_| next());
            self.pixels(tile, taps, windows, output, activation);
            left -= TILE_PIXELS;
        }
        for _ in 0..left {
            self.pixels([next()], taps, windows, output, activation);
        }
    }

    /// Every output channel of `M` pixels that read the same `taps`: channel
    /// blocks of 16 and 8 through the register tile, then the last `c_out % 8`
    /// one by one, then the activation.
    #[inline(always)]
    fn pixels<const M: usize, A: Activation>(
        &self,
        pixels: [(usize, usize); M],
        taps: &Taps,
        windows: &mut Windows,
        output: &mut [f32],
        activation: A,
    ) {
        let g = self.g;
        let (ci, co) = (g.c_in, g.c_out);
        // Input offset of each pixel's first real tap, output offset of the pixel.
        let no_taps = taps.ky.is_empty() || taps.kx.is_empty();
        let mut origins = [0; M];
        let mut outs = [0; M];
        for p in 0..M {
            let (oy, ox) = pixels[p];
            if !no_taps {
                let iy = oy * g.stride_h + taps.ky.start * g.dilation_h - g.pad_top;
                let ix = ox * g.stride_w + taps.kx.start * g.dilation_w - g.pad_left;
                origins[p] = (iy * g.w + ix) * ci;
            }
            outs[p] = (oy * g.out_w + ox) * co;
        }
        // Short windows (a first layer's few input channels) are copied out
        // once, so that each channel block runs one long loop instead of
        // many short ones.
        let window_len = taps.ky.len() * taps.kx.len() * ci;
        let packed = M > 1 && window_len <= PACK_MAX && self.pack(origins, taps, windows);
        let source = if packed {
            Source::Packed(windows, window_len)
        } else {
            Source::Input { origins, taps }
        };
        let col = self.channel_blocks::<M, A>(&source, outs, output);
        if A::IN_REGISTERS == InRegisters::No {
            for out in outs {
                if let Some(pixel) = output.get_mut(out..out + col) {
                    apply_in_place(pixel, activation);
                }
            }
        }
        if col < co {
            for (&origin, &out) in origins.iter().zip(&outs) {
                self.channels_one_by_one(origin, out, col, taps, activation, output);
            }
        }
    }

    /// The register tile: `M` pixels x `NV` vectors of output channels from
    /// `col`, accumulated over the taps in registers, then stored (after the
    /// activation, if it can run in registers).
    #[inline(always)]
    fn tile<const M: usize, const NV: usize, A: Activation>(
        &self,
        source: &Source<'_, M>,
        outs: [usize; M],
        col: usize,
        output: &mut [f32],
    ) {
        let Conv {
            lanes: l,
            g,
            input,
            kernel,
            ..
        } = *self;
        let (ci, co) = (g.c_in, g.c_out);
        let mut acc = [self.epilogue.start_lanes::<L, N, NV>(l, col); M];
        match source {
            Source::Packed(windows, len) => {
                let mut x: [&[f32]; M] = [&[]; M];
                for p in 0..M {
                    x[p] = windows[p].get(..*len).unwrap_or(&[]);
                }
                run(l, x, *len, kernel, co, col, &mut acc);
            }
            Source::Input { origins, taps } => {
                let (runs_per_row, run_len) = runs(g, taps.kx.len());
                for ky in taps.ky.clone() {
                    let row = (ky - taps.ky.start) * g.dilation_h * g.w * ci;
                    for r in 0..runs_per_row {
                        let shift = row + r * g.dilation_w * ci;
                        let k_first = (ky * g.kw + taps.kx.start + r) * ci;
                        // One bounds check per pixel and run, none per step.
                        let mut x: [&[f32]; M] = [&[]; M];
                        for p in 0..M {
                            let at = origins[p] + shift;
                            x[p] = input.get(at..at + run_len).unwrap_or(&[]);
                        }
                        let weights = kernel.get(k_first * co..).unwrap_or(&[]);
                        run(l, x, run_len, weights, co, col, &mut acc);
                    }
                }
            }
        }
        self.epilogue.finish_lanes(l, col, &mut acc);
        for (pixel, &out) in acc.iter().zip(&outs) {
            if let Some(dst) = lane_blocks_mut::<N, NV>(output, out + col) {
                for (value, dst) in pixel.iter().zip(dst) {
                    l.store(activate::<L, N, A>(l, *value), dst);
                }
            }
        }
    }

    /// Output channels in blocks of 4 vectors (with 16 lanes), 2 and 1
    /// through the register tile; returns where the blocks end.
    #[inline(always)]
    fn channel_blocks<const M: usize, A: Activation>(
        &self,
        source: &Source<'_, M>,
        outs: [usize; M],
        output: &mut [f32],
    ) -> usize {
        let co = self.g.c_out;
        let mut col = 0;
        // AVX-512's 32 registers hold a 6 x 4 tile: 24 accumulators, 4
        // weight vectors and 1 broadcast; each broadcast serves 4
        // multiply-adds.
        if N >= 16 {
            while col + N * WIDE_TILE_VECTORS <= co {
                self.tile::<M, WIDE_TILE_VECTORS, A>(source, outs, col, output);
                col += N * WIDE_TILE_VECTORS;
            }
        }
        while col + N * TILE_VECTORS <= co {
            self.tile::<M, TILE_VECTORS, A>(source, outs, col, output);
            col += N * TILE_VECTORS;
        }
        if col + N <= co {
            self.tile::<M, 1, A>(source, outs, col, output);
            col += N;
        }
        col
    }

    /// Copies each pixel's window (all taps, which must be real) into
    /// `windows`, in kernel order; false if the window is not all inside.
    #[inline(always)]
    fn pack<const M: usize>(
        &self,
        origins: [usize; M],
        taps: &Taps,
        windows: &mut Windows,
    ) -> bool {
        let g = self.g;
        let ci = g.c_in;
        if taps.ky != (0..g.kh) || taps.kx != (0..g.kw) {
            return false;
        }
        let (runs_per_row, run_len) = runs(g, g.kw);
        for (window, &origin) in windows.iter_mut().zip(&origins) {
            let mut to = 0;
            for ky in 0..g.kh {
                for r in 0..runs_per_row {
                    let at = origin + (ky * g.dilation_h * g.w + r * g.dilation_w) * ci;
                    if !copy_run(self.lanes, self.input, at, run_len, window, to) {
                        return false;
                    }
                    to += run_len;
                }
            }
        }
        true
    }

    /// Output channels `col..` of one pixel, without vectors (fewer than 8).
    fn channels_one_by_one<A: Activation>(
        &self,
        origin: usize,
        out: usize,
        col: usize,
        taps: &Taps,
        activation: A,
        output: &mut [f32],
    ) {
        let g = self.g;
        let (ci, co) = (g.c_in, g.c_out);
        for c in col..co {
            let mut sum = self.epilogue.start(c);
            for ky in taps.ky.clone() {
                for kx in taps.kx.clone() {
                    let at = origin
                        + ((ky - taps.ky.start) * g.dilation_h * g.w
                            + (kx - taps.kx.start) * g.dilation_w)
                            * ci;
                    let k_row = (ky * g.kw + kx) * ci;
                    for i in 0..ci {
                        sum += self.input[at + i] * self.kernel[(k_row + i) * co + c];
                    }
                }
            }
            output[out + c] = activation.apply(self.epilogue.finish(c, sum));
        }
    }
}

/// The inner loop: `len` steps of the implicit GEMM. Step `k` broadcasts
/// `x[p][k]` of each pixel `p` and multiplies it with kernel row `k`
/// (`weights` starts at the run's first row), columns `col..col + 8 NV`.
#[inline(always)]
pub(crate) fn run<L: Lanes<N>, const N: usize, const M: usize, const NV: usize>(
    l: L,
    x: [&[f32]; M],
    len: usize,
    weights: &[f32],
    co: usize,
    col: usize,
    acc: &mut [[L::V; NV]; M],
) {
    // Every `x[p]` has exactly `len` values: no bounds check per step.
    if x.iter().any(|x| x.len() != len) {
        return;
    }
    for k in 0..len {
        let Some(row) = lane_blocks::<N, NV>(weights, k * co + col) else {
            return;
        };
        let w: [L::V; NV] = core::array::from_fn(|v| l.load(&row[v]));
        for p in 0..M {
            let xp = l.splat(x[p][k]);
            for v in 0..NV {
                acc[p][v] = l.mul_add(xp, w[v], acc[p][v]);
            }
        }
    }
}

/// Copies `input[at..at + len]` to `window[to..]` 8 values at a time (a
/// loop of single values would become a `memcpy` call per run). The window
/// has 8 values of slack for the last block; false if `len` does not fit.
#[inline(always)]
fn copy_run<L: Lanes<N>, const N: usize>(
    l: L,
    input: &[f32],
    at: usize,
    len: usize,
    window: &mut [f32],
    to: usize,
) -> bool {
    if to + len > PACK_MAX {
        return false;
    }
    let mut i = 0;
    while i < len {
        let (Some(from), Some(dst)) = (
            input.get(at + i..).and_then(|x| x.first_chunk::<N>()),
            window
                .get_mut(to + i..)
                .and_then(|w| w.first_chunk_mut::<N>()),
        ) else {
            // Near the end of the input: one value at a time.
            let (Some(from), Some(dst)) = (
                input.get(at + i..at + len),
                window.get_mut(to + i..to + len),
            ) else {
                return false;
            };
            dst.copy_from_slice(from);
            return true;
        };
        l.store(l.load(from), dst);
        i += N;
    }
    true
}

/// Where a tile reads its pixels' windows.
enum Source<'a, const M: usize> {
    /// In the input, from each pixel's first real tap.
    Input { origins: [usize; M], taps: &'a Taps },
    /// Copied out, each window's `len` values in kernel order.
    Packed(&'a Windows, usize),
}

/// Conv2D with every size a constant: input `H x W x CI`, kernel `KH x KW`,
/// strides `SH, SW`, dilation `DH, DW`, padding top/bottom/left/right, output
/// `OH x OW x CO`; the epilogue is the bias (`Some(&bias)` or `None`) or an
/// [`Affine`](super::epilogue::Affine) map. A combination Keras would not
/// produce does not compile.
#[allow(clippy::too_many_arguments)]
#[inline]
pub fn conv2d<
    const H: usize,
    const W: usize,
    const CI: usize,
    const CO: usize,
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
    kernel: &[[[[f32; CO]; CI]; KW]; KH],
    epilogue: impl ChannelEpilogue<[f32; CO]>,
    activation: A,
    output: &mut [[[f32; CO]; OW]; OH],
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
    let g = Conv2DGeometry {
        h: H,
        w: W,
        c_in: CI,
        c_out: CO,
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
    conv2d_dyn(
        g,
        input.as_flattened().as_flattened(),
        kernel.as_flattened().as_flattened().as_flattened(),
        epilogue.epilogue(),
        activation,
        output.as_flattened_mut().as_flattened_mut(),
    );
}
