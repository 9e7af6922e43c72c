//! Max and average pooling over windows, and global pooling over the whole map.

use super::window_output;
use crate::simd::{dispatch, lane_blocks, lane_blocks_mut, Lanes};
#[cfg(target_arch = "x86_64")]
use crate::simd::{Avx2Fma, Avx512};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolOp {
    Max,
    /// Divides by the number of real (unpadded) cells in the window, as TensorFlow does.
    Avg,
}

/// Every size of one pooling layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolGeometry {
    pub h: usize,
    pub w: usize,
    pub c: usize,
    pub ph: usize,
    pub pw: usize,
    pub stride_h: usize,
    pub stride_w: usize,
    pub pad_top: usize,
    pub pad_left: usize,
    pub out_h: usize,
    pub out_w: usize,
}

/// Pooling on flat slices; padded cells are ignored (never part of max or
/// mean). On x86_64 it is compiled for AVX2 too (the same loops, vectorised
/// 8 channels at a time) and runs so when the CPU has it; with AVX-512, maps
/// whose channels are a multiple of 16 take 16 at a time.
#[inline]
pub fn pool2d_dyn(g: PoolGeometry, op: PoolOp, input: &[f32], output: &mut [f32]) {
    if input.len() < g.h * g.w * g.c || output.len() < g.out_h * g.out_w * g.c {
        return;
    }
    dispatch!(
        wide(pool2d_avx512) if g.c.is_multiple_of(16),
        pool2d_avx2,
        pool2d_loops(&g, op, input, output)
    )
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn pool2d_avx512(l: Avx512, g: &PoolGeometry, op: PoolOp, input: &[f32], output: &mut [f32]) {
    pool2d_loops(l, g, op, input, output)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn pool2d_avx2(l: Avx2Fma, g: &PoolGeometry, op: PoolOp, input: &[f32], output: &mut [f32]) {
    pool2d_loops(l, g, op, input, output)
}

#[inline(always)]
fn pool2d_loops<L: Lanes<N>, const N: usize>(
    l: L,
    g: &PoolGeometry,
    op: PoolOp,
    input: &[f32],
    output: &mut [f32],
) {
    let c = g.c;
    for oy in 0..g.out_h {
        // The window's real rows: [y0, y1).
        let top = oy * g.stride_h;
        let y0 = top.saturating_sub(g.pad_top).min(g.h);
        let y1 = (top + g.ph).saturating_sub(g.pad_top).min(g.h);
        for ox in 0..g.out_w {
            let left = ox * g.stride_w;
            let x0 = left.saturating_sub(g.pad_left).min(g.w);
            let x1 = (left + g.pw).saturating_sub(g.pad_left).min(g.w);
            let out = &mut output[(oy * g.out_w + ox) * c..][..c];
            let cell = |iy: usize, ix: usize| (iy * g.w + ix) * c;
            match op {
                PoolOp::Max => {
                    // Up to 4 vectors of channels at a time, in independent registers.
                    let mut col = 0;
                    while col + 4 * N <= c {
                        max_block::<L, N, 4>(l, input, (y0..y1, x0..x1), cell, col, out);
                        col += 4 * N;
                    }
                    while col + N <= c {
                        max_block::<L, N, 1>(l, input, (y0..y1, x0..x1), cell, col, out);
                        col += N;
                    }
                    for (ch, o) in out.iter_mut().enumerate().skip(col) {
                        *o = f32::MIN;
                        for iy in y0..y1 {
                            for ix in x0..x1 {
                                let x = input[cell(iy, ix) + ch];
                                if x > *o {
                                    *o = x;
                                }
                            }
                        }
                    }
                }
                PoolOp::Avg => {
                    out.fill(0.0);
                    for iy in y0..y1 {
                        for ix in x0..x1 {
                            let pixel = &input[cell(iy, ix)..][..c];
                            for (o, &x) in out.iter_mut().zip(pixel) {
                                *o += x;
                            }
                        }
                    }
                    let cells = ((y1 - y0) * (x1 - x0)).max(1) as f32;
                    for o in out.iter_mut() {
                        *o /= cells;
                    }
                }
            }
        }
    }
}

/// The max over a window of channels `col..col + N NV`; `cell` gives the
/// input offset of a window cell. As TensorFlow's `MaxPool`: a NaN is
/// skipped, and the max starts from `f32::MIN` (a window of -inf and NaN
/// gives `f32::MIN`); global max pooling, a reduction, keeps NaN instead.
#[inline(always)]
fn max_block<L: Lanes<N>, const N: usize, const NV: usize>(
    l: L,
    input: &[f32],
    (rows, cols): (core::ops::Range<usize>, core::ops::Range<usize>),
    cell: impl Fn(usize, usize) -> usize,
    col: usize,
    out: &mut [f32],
) {
    let mut acc = [l.splat(f32::MIN); NV];
    for iy in rows {
        for ix in cols.clone() {
            let Some(x) = lane_blocks::<N, NV>(input, cell(iy, ix) + col) else {
                return;
            };
            for (a, x) in acc.iter_mut().zip(x) {
                // `x` where greater, so `a` where `x` is NaN.
                *a = l.max(l.load(x), *a);
            }
        }
    }
    if let Some(dst) = lane_blocks_mut::<N, NV>(out, col) {
        for (a, dst) in acc.into_iter().zip(dst) {
            l.store(a, dst);
        }
    }
}

/// `max` that keeps a NaN, as TensorFlow's `reduce_max` (global max
/// pooling) does.
#[inline(always)]
fn max_nan(a: f32, b: f32) -> f32 {
    if a > b || a.is_nan() {
        a
    } else {
        b
    }
}

/// Pooling with every size a constant (see [`crate::kernels::conv::conv2d`]).
#[inline]
pub fn pool2d<
    const H: usize,
    const W: usize,
    const C: usize,
    const PH: usize,
    const PW: usize,
    const SH: usize,
    const SW: usize,
    const PT: usize,
    const PB: usize,
    const PL: usize,
    const PR: usize,
    const OH: usize,
    const OW: usize,
>(
    op: PoolOp,
    input: &[[[f32; C]; W]; H],
    output: &mut [[[f32; C]; OW]; OH],
) {
    const {
        assert!(
            SH > 0 && SW > 0 && PH > 0 && PW > 0,
            "pool and strides are at least 1"
        );
        assert!(OH == window_output(H, PT + PB, PH, SH), "output height");
        assert!(OW == window_output(W, PL + PR, PW, SW), "output width");
        assert!(OH > 0 && OW > 0, "the pool fits the padded input");
        // With more padding than this, a window could hold no real cell.
        assert!(
            PT < PH && PB < PH && PL < PW && PR < PW,
            "padding smaller than the pool"
        );
    }
    let g = PoolGeometry {
        h: H,
        w: W,
        c: C,
        ph: PH,
        pw: PW,
        stride_h: SH,
        stride_w: SW,
        pad_top: PT,
        pad_left: PL,
        out_h: OH,
        out_w: OW,
    };
    pool2d_dyn(
        g,
        op,
        input.as_flattened().as_flattened(),
        output.as_flattened_mut().as_flattened_mut(),
    );
}

/// Max or mean of each channel over all `pixels` (`input` is `pixels x c`).
#[inline]
pub fn global_pool_dyn(op: PoolOp, pixels: usize, c: usize, input: &[f32], output: &mut [f32]) {
    if input.len() < pixels * c || output.len() < c {
        return;
    }
    dispatch!(
        global_pool_avx2,
        global_pool_loops(op, pixels, c, input, output)
    )
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn global_pool_avx2(
    lanes: Avx2Fma,
    op: PoolOp,
    pixels: usize,
    c: usize,
    input: &[f32],
    output: &mut [f32],
) {
    global_pool_loops(lanes, op, pixels, c, input, output)
}

/// Plain loops over contiguous channels, which the compiler vectorises for
/// the instruction set of its caller (the lanes only choose that caller).
#[inline(always)]
fn global_pool_loops<L: Lanes>(
    _lanes: L,
    op: PoolOp,
    pixels: usize,
    c: usize,
    input: &[f32],
    output: &mut [f32],
) {
    let out = &mut output[..c];
    out.fill(match op {
        PoolOp::Max => f32::NEG_INFINITY,
        PoolOp::Avg => 0.0,
    });
    for pixel in input[..pixels * c].chunks_exact(c) {
        for (o, &x) in out.iter_mut().zip(pixel) {
            *o = match op {
                PoolOp::Max => max_nan(*o, x),
                PoolOp::Avg => *o + x,
            };
        }
    }
    if op == PoolOp::Avg {
        let n = pixels.max(1) as f32;
        for o in out.iter_mut() {
            *o /= n;
        }
    }
}

/// Global pooling with constant sizes: `H x W x C` → `C`.
#[inline]
pub fn global_pool<const H: usize, const W: usize, const C: usize>(
    op: PoolOp,
    input: &[[[f32; C]; W]; H],
    output: &mut [f32; C],
) {
    const { assert!(H > 0 && W > 0, "a non-empty map") }
    global_pool_dyn(op, H * W, C, input.as_flattened().as_flattened(), output);
}
