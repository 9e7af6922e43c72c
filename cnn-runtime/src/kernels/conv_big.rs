//! Convolutions whose kernel does not fit the cache, tap by tap: every
//! weight comes from memory once per layer.
//!
//! The shared kernel ([`super::conv`]) runs each tile of six pixels over the
//! whole kernel. When the kernel is larger than the L2 cache (ResNet50's
//! last stage: 3x3 over 512 channels is 9 MiB; its 1x1 convolutions from 1024
//! to 2048 channels 8 MiB), each tile streams all of it from memory: the
//! layer then runs at a tenth of the multiply-add peak. Here the kernel is
//! cut into chunks of consecutive rows, one tap and a range of input
//! channels each (contiguous in Keras' layout, so no cache set fills up),
//! small enough to stay in L2 while every pixel that reads the tap goes
//! through them; the sums wait in the output between chunks. The order of
//! the additions is the shared kernel's (taps, then input channels), so
//! both give the same sums.
// Register tiles are indexed by pixel and vector: index loops say so.
#![allow(clippy::needless_range_loop)]

use super::conv::{run, Conv2DGeometry, TILE_PIXELS, TILE_VECTORS, WIDE_TILE_VECTORS};
use super::epilogue::Epilogue;
use crate::activation::{apply_in_place, Activation, InRegisters};
use crate::simd::{activate, lane_blocks, lane_blocks_mut, Lanes};
use core::ops::Range;

/// Kernels larger than this go tap by tap (ResNet50's 3x3 over 128
/// channels, 0.56 MiB, still runs best the shared way).
const KERNEL_IN_CACHE: usize = 1 << 20;
/// The bytes of kernel one chunk holds at most (at least one row).
const CHUNK_BYTES: usize = 256 * 1024;

/// Whether the convolution runs here: a kernel larger than
/// [`KERNEL_IN_CACHE`], output channels in whole vectors of `N`.
#[inline(always)]
pub(crate) fn applies<const N: usize>(g: &Conv2DGeometry) -> bool {
    g.kernel_len() * core::mem::size_of::<f32>() > KERNEL_IN_CACHE && g.c_out.is_multiple_of(N)
}

/// The convolution, chunk by chunk: sums start at the epilogue's start,
/// each chunk adds its rows, the last pass finishes them (epilogue and
/// activation). The caller has checked the slices' lengths and
/// [`applies`].
#[inline(always)]
pub(crate) fn conv2d_by_taps<L: Lanes<N>, const N: usize, A: Activation>(
    l: L,
    g: &Conv2DGeometry,
    input: &[f32],
    kernel: &[f32],
    epilogue: Epilogue<'_>,
    activation: A,
    output: &mut [f32],
) {
    let (ci, co) = (g.c_in, g.c_out);
    let pixels = g.out_h * g.out_w;
    for p in 0..pixels {
        for col in (0..co).step_by(N) {
            let start = epilogue.start_lanes::<L, N, 1>(l, col);
            if let Some(dst) = lane_blocks_mut::<N, 1>(output, p * co + col) {
                l.store(start[0], &mut dst[0]);
            }
        }
    }
    let chunk = (CHUNK_BYTES / (co * core::mem::size_of::<f32>())).clamp(1, ci);
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
                };
                add_rows(l, g, input, kernel, &rows, ys.clone(), xs.clone(), output);
            }
        }
    }
    for p in 0..pixels {
        for col in (0..co).step_by(N) {
            let Some(dst) = lane_blocks_mut::<N, 1>(output, p * co + col) else {
                continue;
            };
            let mut sum = [[l.load(&dst[0])]];
            epilogue.finish_lanes::<L, N, 1, 1>(l, col, &mut sum);
            l.store(activate::<L, N, A>(l, sum[0][0]), &mut dst[0]);
        }
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

/// One chunk of kernel rows: tap `(ky, kx)`, input `channels`.
struct Rows {
    ky: usize,
    kx: usize,
    channels: Range<usize>,
}

/// Adds the chunk's rows to the sums of every pixel of rows `ys` and columns
/// `xs` (those whose tap is real), in tiles of [`TILE_PIXELS`].
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn add_rows<L: Lanes<N>, const N: usize>(
    l: L,
    g: &Conv2DGeometry,
    input: &[f32],
    kernel: &[f32],
    rows: &Rows,
    ys: Range<usize>,
    xs: Range<usize>,
    output: &mut [f32],
) {
    let (ci, co) = (g.c_in, g.c_out);
    let first_row = (rows.ky * g.kw + rows.kx) * ci + rows.channels.start;
    let Some(weights) = kernel.get(first_row * co..) else {
        return;
    };
    let where_ = |oy: usize, ox: usize| {
        let iy = oy * g.stride_h + rows.ky * g.dilation_h - g.pad_top;
        let ix = ox * g.stride_w + rows.kx * g.dilation_w - g.pad_left;
        (
            (iy * g.w + ix) * ci + rows.channels.start,
            (oy * g.out_w + ox) * co,
        )
    };
    let (mut oy, mut ox) = (ys.start, xs.start);
    let mut next = || {
        let pixel = where_(oy, ox);
        ox += 1;
        if ox == xs.end {
            (oy, ox) = (oy + 1, xs.start);
        }
        pixel
    };
    let len = rows.channels.len();
    let mut left = ys.len() * xs.len();
    while left >= TILE_PIXELS {
        let tile: [(usize, usize); TILE_PIXELS] = core::array::from_fn(|_| next());
        add_tile(l, tile, input, len, weights, co, output);
        left -= TILE_PIXELS;
    }
    for _ in 0..left {
        add_tile(l, [next()], input, len, weights, co, output);
    }
}

/// Adds `len` rows to `M` pixels' sums (each `(input offset, output
/// offset)`), every output channel, through the register tile.
#[inline(always)]
fn add_tile<L: Lanes<N>, const N: usize, const M: usize>(
    l: L,
    pixels: [(usize, usize); M],
    input: &[f32],
    len: usize,
    weights: &[f32],
    co: usize,
    output: &mut [f32],
) {
    let mut x: [&[f32]; M] = [&[]; M];
    for p in 0..M {
        let at = pixels[p].0;
        x[p] = input.get(at..at + len).unwrap_or(&[]);
    }
    let outs = pixels.map(|(_, out)| out);
    let mut col = 0;
    if N >= 16 {
        while col + N * WIDE_TILE_VECTORS <= co {
            add_block::<L, N, M, WIDE_TILE_VECTORS>(l, x, len, weights, co, col, outs, output);
            col += N * WIDE_TILE_VECTORS;
        }
    }
    while col + N * TILE_VECTORS <= co {
        add_block::<L, N, M, TILE_VECTORS>(l, x, len, weights, co, col, outs, output);
        col += N * TILE_VECTORS;
    }
    if col + N <= co {
        add_block::<L, N, M, 1>(l, x, len, weights, co, col, outs, output);
    }
}

/// One register tile: `M` pixels' sums of channels `col..col + N NV` from
/// the output, `len` rows added, stored back.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn add_block<L: Lanes<N>, const N: usize, const M: usize, const NV: usize>(
    l: L,
    x: [&[f32]; M],
    len: usize,
    weights: &[f32],
    co: usize,
    col: usize,
    outs: [usize; M],
    output: &mut [f32],
) {
    let mut acc = [[l.zero(); NV]; M];
    for p in 0..M {
        if let Some(sums) = lane_blocks::<N, NV>(output, outs[p] + col) {
            for v in 0..NV {
                acc[p][v] = l.load(&sums[v]);
            }
        }
    }
    run(l, x, len, weights, co, col, &mut acc);
    for p in 0..M {
        if let Some(dst) = lane_blocks_mut::<N, NV>(output, outs[p] + col) {
            for v in 0..NV {
                l.store(acc[p][v], &mut dst[v]);
            }
        }
    }
}
