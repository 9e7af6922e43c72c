//! Convolutions whose kernel does not fit the cache, tap by tap: every
//! weight comes from memory once per layer.
//!
//! The shared kernel ([`super::conv`]) runs each tile of six pixels over the
//! whole kernel. When the kernel is larger than the L2 cache (ResNet50's
//! last stage: 3x3 over 512 channels is 9 MiB; its 1x1 convolutions from 1024
//! to 2048 channels 8 MiB), each tile streams all of it from memory: the
//! layer then runs at a tenth of the multiply-add peak. Here the kernel is
//! cut into chunks of rows (one tap, a range of input channels); each
//! chunk's columns for one register tile are copied into a contiguous panel
//! on the stack (in Keras' layout they lie a whole kernel row apart, 2 KiB
//! with 512 channels, so left in place they would crowd into a few cache
//! sets), which every pixel that reads the tap then goes through from L1.
//! The sums wait in the output between chunks. The order of the additions
//! is the shared kernel's (taps, then input channels), so both give the
//! same sums.
// Register tiles are indexed by pixel and vector: index loops say so.
#![allow(clippy::needless_range_loop)]

use super::conv::{run, Conv2DGeometry, TILE_PIXELS, TILE_VECTORS, WIDE_TILE_VECTORS};
use super::epilogue::Epilogue;
use crate::activation::{apply_in_place, Activation, InRegisters};
use crate::simd::{activate, dispatch, lane_blocks, lane_blocks_mut, Lanes};
#[cfg(target_arch = "x86_64")]
use crate::simd::{Avx2Fma, Avx512};
use core::ops::Range;

/// Kernels larger than this go tap by tap (below it, the shared kernel is
/// faster: measured on ResNet50's 0.5-1 MiB layers, 6-20 % slower here).
const KERNEL_IN_CACHE: usize = 1 << 20;
/// Values in a panel: 32 KiB, in L1 beside the pixels' inputs.
const PANEL: usize = 8 * 1024;

/// Whether the convolution runs here: a kernel larger than
/// [`KERNEL_IN_CACHE`] and output channels in whole 16-lane vectors (as
/// every large layer has).
#[inline(always)]
pub(crate) fn applies(g: &Conv2DGeometry) -> bool {
    g.kernel_len() * core::mem::size_of::<f32>() > KERNEL_IN_CACHE && g.c_out.is_multiple_of(16)
}

/// The convolution, tap by tap, on the fastest instruction set the CPU has.
/// The caller has checked the slices' lengths and [`applies`]. Not inlined
/// (nor are the per-instruction-set entry points): the panel's 32 KiB of
/// stack exist only while a large layer runs.
#[inline(never)]
pub(crate) fn conv2d_by_taps_dyn<A: Activation>(
    g: &Conv2DGeometry,
    input: &[f32],
    kernel: &[f32],
    epilogue: Epilogue<'_>,
    activation: A,
    output: &mut [f32],
) {
    dispatch!(
        wide(by_taps_avx512) if g.c_out.is_multiple_of(16),
        by_taps_avx2,
        conv2d_by_taps(g, input, kernel, epilogue, activation, output)
    )
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn by_taps_avx512<A: Activation>(
    lanes: Avx512,
    g: &Conv2DGeometry,
    input: &[f32],
    kernel: &[f32],
    epilogue: Epilogue<'_>,
    activation: A,
    output: &mut [f32],
) {
    conv2d_by_taps(lanes, g, input, kernel, epilogue, activation, output)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn by_taps_avx2<A: Activation>(
    lanes: Avx2Fma,
    g: &Conv2DGeometry,
    input: &[f32],
    kernel: &[f32],
    epilogue: Epilogue<'_>,
    activation: A,
    output: &mut [f32],
) {
    conv2d_by_taps(lanes, g, input, kernel, epilogue, activation, output)
}

/// The convolution, chunk by chunk: sums start at the epilogue's start,
/// each chunk adds its rows, the last pass finishes them (epilogue and
/// activation).
#[inline(always)]
fn conv2d_by_taps<L: Lanes<N>, const N: usize, A: Activation>(
    l: L,
    g: &Conv2DGeometry,
    input: &[f32],
    kernel: &[f32],
    epilogue: Epilogue<'_>,
    activation: A,
    output: &mut [f32],
) {
    let (ci, co) = (g.c_in, g.c_out);
    // Every vector of the output, with its first channel (`co` is a
    // multiple of `N`).
    let vectors = (0..g.output_len()).step_by(N).map(|at| (at, at % co));
    for (at, col) in vectors.clone() {
        let start = epilogue.start_lanes::<L, N, 1>(l, col);
        if let Some(dst) = lane_blocks_mut::<N, 1>(output, at) {
            l.store(start[0], &mut dst[0]);
        }
    }
    let mut panel = [0.0f32; PANEL];
    // Rows per chunk: as many as a panel of the widest tile holds.
    let widest = N * if N >= 16 {
        WIDE_TILE_VECTORS
    } else {
        TILE_VECTORS
    };
    let chunk = (PANEL / widest).min(ci);
    for ky in 0..g.kh {
        let ys = tap_range(g.out_h, g.stride_h, ky * g.dilation_h, g.pad_top, g.h);
        for kx in 0..g.kw {
            let xs = tap_range(g.out_w, g.stride_w, kx * g.dilation_w, g.pad_left, g.w);
            if ys.is_empty() || xs.is_empty() {
                continue;
            }
            for c0 in (0..ci).step_by(chunk) {
                let rows = Rows {
                    ky,
                    kx,
                    channels: c0..(c0 + chunk).min(ci),
                    ys: ys.clone(),
                    xs: xs.clone(),
                };
                let chunk = Chunk {
                    l,
                    g,
                    input,
                    kernel,
                    rows,
                };
                let mut col = 0;
                if N >= 16 {
                    while col + N * WIDE_TILE_VECTORS <= co {
                        chunk.add::<WIDE_TILE_VECTORS>(col, &mut panel, output);
                        col += N * WIDE_TILE_VECTORS;
                    }
                }
                while col + N * TILE_VECTORS <= co {
                    chunk.add::<TILE_VECTORS>(col, &mut panel, output);
                    col += N * TILE_VECTORS;
                }
                if col + N <= co {
                    chunk.add::<1>(col, &mut panel, output);
                }
            }
        }
    }
    for (at, col) in vectors {
        let Some(dst) = lane_blocks_mut::<N, 1>(output, at) else {
            continue;
        };
        let mut sum = [[l.load(&dst[0])]];
        epilogue.finish_lanes::<L, N, 1, 1>(l, col, &mut sum);
        l.store(activate::<L, N, A>(l, sum[0][0]), &mut dst[0]);
    }
    if A::IN_REGISTERS == InRegisters::No {
        if let Some(all) = output.get_mut(..g.output_len()) {
            apply_in_place(all, activation);
        }
    }
}

/// The output positions along one axis whose tap at `offset` (in the padded
/// input) reads a real input: `pad <= o * stride + offset < pad + n`.
fn tap_range(out: usize, stride: usize, offset: usize, pad: usize, n: usize) -> Range<usize> {
    if pad + n <= offset {
        return 0..0;
    }
    let first = pad.saturating_sub(offset).div_ceil(stride);
    let end = (pad + n - offset).div_ceil(stride).min(out);
    first..end.max(first)
}

/// One chunk of kernel rows: tap `(ky, kx)`, input `channels`, read by the
/// pixels of rows `ys` and columns `xs` (those whose tap is real).
struct Rows {
    ky: usize,
    kx: usize,
    channels: Range<usize>,
    ys: Range<usize>,
    xs: Range<usize>,
}

/// A chunk with the convolution's operands.
struct Chunk<'a, L, const N: usize> {
    l: L,
    g: &'a Conv2DGeometry,
    input: &'a [f32],
    kernel: &'a [f32],
    rows: Rows,
}

impl<L: Lanes<N>, const N: usize> Chunk<'_, L, N> {
    /// Adds the chunk's rows, output channels `col..col + N NV`, to the sums
    /// of its pixels: those columns copied into `panel`, then the pixels in
    /// tiles of [`TILE_PIXELS`].
    #[inline(always)]
    fn add<const NV: usize>(&self, col: usize, panel: &mut [f32; PANEL], output: &mut [f32]) {
        let Chunk { l, g, rows, .. } = self;
        let (ci, co) = (g.c_in, g.c_out);
        let (len, width) = (rows.channels.len(), N * NV);
        if len * width > PANEL {
            return;
        }
        let first_row = (rows.ky * g.kw + rows.kx) * ci + rows.channels.start;
        for r in 0..len {
            let from = lane_blocks::<N, NV>(self.kernel, (first_row + r) * co + col);
            let to = lane_blocks_mut::<N, NV>(panel, r * width);
            if let (Some(from), Some(to)) = (from, to) {
                for v in 0..NV {
                    l.store(l.load(&from[v]), &mut to[v]);
                }
            }
        }
        let panel = &panel[..len * width];
        let at = |oy: usize, ox: usize| {
            // Real taps only (`tap_range`): no underflow.
            let iy = oy * g.stride_h + rows.ky * g.dilation_h - g.pad_top;
            let ix = ox * g.stride_w + rows.kx * g.dilation_w - g.pad_left;
            (
                (iy * g.w + ix) * ci + rows.channels.start,
                (oy * g.out_w + ox) * co + col,
            )
        };
        let (mut oy, mut ox) = (rows.ys.start, rows.xs.start);
        let mut next = || {
            let pixel = at(oy, ox);
            ox += 1;
            if ox == rows.xs.end {
                (oy, ox) = (oy + 1, rows.xs.start);
            }
            pixel
        };
        let mut left = rows.ys.len() * rows.xs.len();
        while left >= TILE_PIXELS {
            let tile: [(usize, usize); TILE_PIXELS] = core::array::from_fn(|_| next());
            self.tile::<TILE_PIXELS, NV>(tile, panel, output);
            left -= TILE_PIXELS;
        }
        for _ in 0..left {
            self.tile::<1, NV>([next()], panel, output);
        }
    }

    /// One register tile: the sums of `M` pixels (each `(input offset,
    /// output offset)`) from the output, the panel's rows added, stored back.
    #[inline(always)]
    fn tile<const M: usize, const NV: usize>(
        &self,
        pixels: [(usize, usize); M],
        panel: &[f32],
        output: &mut [f32],
    ) {
        let l = self.l;
        let len = self.rows.channels.len();
        let mut x: [&[f32]; M] = [&[]; M];
        let mut acc = [[l.zero(); NV]; M];
        for p in 0..M {
            let (at, out) = pixels[p];
            x[p] = self.input.get(at..at + len).unwrap_or(&[]);
            if let Some(sums) = lane_blocks::<N, NV>(output, out) {
                for v in 0..NV {
                    acc[p][v] = l.load(&sums[v]);
                }
            }
        }
        run(l, x, len, panel, N * NV, 0, &mut acc);
        for p in 0..M {
            if let Some(dst) = lane_blocks_mut::<N, NV>(output, pixels[p].1) {
                for v in 0..NV {
                    l.store(acc[p][v], &mut dst[v]);
                }
            }
        }
    }
}
