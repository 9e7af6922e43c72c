//! int8 convolution (`CONV_2D`) and depthwise convolution
//! (`DEPTHWISE_CONV_2D`), per-channel quantized, TensorFlow Lite's arithmetic.
//!
//! A padded tap reads the input's zero point, so it adds nothing to `Σ (x -
//! zp) * w`. The compiler folds `-zp * Σ w` into the bias; an output whose
//! window leaves the input adds back `zp * w` for each tap outside it (from
//! per-tap weight sums, also computed by the compiler). Inside, the kernel
//! only multiplies and adds bytes.

use super::dot::{self, Dot16, OnLanes, Requant16};
use super::Requantize;
use cnn_fixed::packed;

/// The geometry of a convolution over an `in_h x in_w x in_c` map (batch 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvGeometry {
    pub in_h: usize,
    pub in_w: usize,
    pub in_c: usize,
    pub out_h: usize,
    pub out_w: usize,
    pub out_c: usize,
    pub k_h: usize,
    pub k_w: usize,
    pub stride_h: usize,
    pub stride_w: usize,
    pub dilation_h: usize,
    pub dilation_w: usize,
    pub pad_top: usize,
    pub pad_left: usize,
}

/// The taps `0..k` of one output along one axis that fall inside the input:
/// `first..last` (empty when none do).
#[inline(always)]
fn taps(
    out: usize,
    stride: usize,
    pad: usize,
    dilation: usize,
    k: usize,
    size: usize,
) -> (usize, usize) {
    let origin = (out * stride) as isize - pad as isize;
    let d = dilation as isize;
    let mut first = 0;
    while first < k && origin + first as isize * d < 0 {
        first += 1;
    }
    let mut last = k;
    while last > first && origin + (last as isize - 1) * d >= size as isize {
        last -= 1;
    }
    (first, last)
}

/// Bytes of the patch a convolution gathers its windows into (on the stack).
const PATCH: usize = 8192;

/// A convolution's constants, as the compiler lays them out.
#[derive(Clone, Copy, Debug)]
pub struct ConvWeights<'a> {
    /// The int8 weights' bytes in the layout of [`cnn_fixed::packed`]
    /// (`packed_len(out_c, k_h * k_w * in_c)` bytes; embedded as a byte
    /// string, which rustc reads fastest).
    pub packed: &'a [u8],
    /// Per output channel, padded to whole blocks: `bias - (zp_in + 128) * Σ
    /// w`. The kernels read activations as unsigned bytes `x + 128` (what
    /// byte dot-product instructions multiply), which adds `(zp_in + 128) *
    /// Σ w` to `Σ (x - zp_in) * w`.
    pub bias: &'a [i32],
}

/// `CONV_2D`: each output pixel's window (taps outside the input read the
/// zero point) is gathered into a patch of unsigned bytes, then a tile of
/// pixels times a block of sixteen output channels is a run of four-byte dot
/// products with the packed weights ([`dot::Dot16`]), requantized in
/// registers. `rq`'s multipliers and shifts, like `w.bias`, have one entry
/// per output channel padded to whole blocks of sixteen. Every slice has the
/// length the geometry gives (the compiler's constants always do; shorter
/// ones panic on a slice bound).
pub fn conv2d(
    g: &ConvGeometry,
    input: &[i8],
    input_zero_point: i32,
    w: &ConvWeights,
    rq: &Requantize,
    output: &mut [i8],
) {
    struct Conv<'a, 'b> {
        g: &'a ConvGeometry,
        input: &'a [i8],
        zp: i32,
        w: &'a ConvWeights<'b>,
        rq: &'a Requantize<'b>,
        output: &'a mut [i8],
    }
    impl OnLanes for Conv<'_, '_> {
        type Output = ();
        #[inline(always)]
        fn call<L: Dot16>(self, l: L) {
            let Conv {
                g,
                input,
                zp,
                w,
                rq,
                output,
            } = self;
            match L::TILE {
                (6, 2) => conv_tiles::<L, 6, 2>(l, g, input, zp, w, rq, output),
                (4, 1) => conv_tiles::<L, 4, 1>(l, g, input, zp, w, rq, output),
                _ => conv_tiles::<L, 1, 1>(l, g, input, zp, w, rq, output),
            }
        }
    }
    #[cfg(cnn_arm_dsp)]
    if super::dsp::conv2d(g, input, input_zero_point, w, rq, output) {
        return;
    }
    dot::dispatch(Conv {
        g,
        input,
        zp: input_zero_point,
        w,
        rq,
        output,
    });
}

/// The convolution in tiles of `P` pixels by `B` blocks of output channels
/// (fewer where the patch would not hold `P` windows). (On Cortex-M, where
/// the DSP kernel takes nearly every layer, not inlined: its 8 KiB patch
/// then stays out of the caller's stack frame.)
#[cfg_attr(not(cnn_arm_dsp), inline(always))]
#[cfg_attr(cnn_arm_dsp, inline(never))]
fn conv_tiles<L: Dot16, const P: usize, const B: usize>(
    l: L,
    g: &ConvGeometry,
    input: &[i8],
    zp: i32,
    w: &ConvWeights,
    rq: &Requantize,
    output: &mut [i8],
) {
    let kp = packed::padded_window(g.k_h * g.k_w * g.in_c);
    if kp * P <= PATCH {
        tiles::<L, P, B>(l, g, input, zp, w, rq, output);
    } else if kp <= PATCH {
        tiles::<L, 1, 1>(l, g, input, zp, w, rq, output);
    } else {
        long_windows(l, g, input, zp, w, rq, output);
    }
}

/// Output pixels `P` at a time, their windows gathered once, times every
/// block of output channels.
#[inline(always)]
fn tiles<L: Dot16, const P: usize, const B: usize>(
    l: L,
    g: &ConvGeometry,
    input: &[i8],
    zp: i32,
    w: &ConvWeights,
    rq: &Requantize,
    output: &mut [i8],
) {
    let kp = packed::padded_window(g.k_h * g.k_w * g.in_c);
    let groups = kp / packed::GROUP;
    let blocks = packed::padded_channels(g.out_c) / packed::BLOCK;
    let pixels = g.out_h * g.out_w;
    let (weights, _) = super::as_i8(w.packed).as_chunks::<64>();
    let (bias, _) = w.bias.as_chunks::<16>();
    let (multiplier, _) = rq.multiplier.as_chunks::<16>();
    let (shift, _) = rq.shift.as_chunks::<16>();
    let mut patch = [0u8; PATCH];
    let pointwise = g.k_h == 1
        && g.k_w == 1
        && g.stride_h == 1
        && g.stride_w == 1
        && g.pad_top == 0
        && g.pad_left == 0
        && g.in_w == g.out_w
        && kp == g.in_c;
    let mut at = PixelWalk::default();
    let mut p0 = 0;
    while p0 < pixels {
        let n = P.min(pixels - p0);
        if pointwise {
            // A 1x1 window is the input pixel itself: the tile's pixels are
            // one run of the input.
            unsigned(&mut patch[..n * kp], &input[p0 * kp..][..n * kp]);
        } else {
            for row in patch.chunks_exact_mut(kp).take(n) {
                gather_window(g, input, zp, at.oy, at.ox, row);
                at.step(g.out_w);
            }
        }
        let (rows, _) = patch.as_chunks::<4>();
        let rows: [&[[u8; 4]]; P] = core::array::from_fn(|i| &rows[i * groups..][..groups]);
        let mut ob = 0;
        while ob < blocks {
            // B blocks at a time, then one at a time for the rest.
            if ob + B <= blocks {
                let ws: [&[[i8; 64]]; B] =
                    core::array::from_fn(|b| &weights[(ob + b) * groups..][..groups]);
                // Loops, not closures, around SIMD code: a closure is not
                // compiled with its function's target features, so its
                // intrinsics would be calls.
                let mut first = [l.load(&bias[ob]); B];
                for (b, v) in first.iter_mut().enumerate().skip(1) {
                    *v = l.load(&bias[ob + b]);
                }
                let mut acc: [[L::V; B]; P] = [first; P];
                dot_tile(l, &mut acc, &rows, &ws);
                let mut scales = [l.prepare(&multiplier[ob], &shift[ob]); B];
                for (b, scale) in scales.iter_mut().enumerate().skip(1) {
                    *scale = l.prepare(&multiplier[ob + b], &shift[ob + b]);
                }
                for (i, acc) in acc.iter().enumerate().take(n) {
                    for (b, &acc) in acc.iter().enumerate() {
                        store(l, acc, g, rq, &scales[b], p0 + i, ob + b, output);
                    }
                }
                ob += B;
            } else {
                let ws: [&[[i8; 64]]; 1] = [&weights[ob * groups..][..groups]];
                let mut acc: [[L::V; 1]; P] = [[l.load(&bias[ob])]; P];
                dot_tile(l, &mut acc, &rows, &ws);
                let scale = l.prepare(&multiplier[ob], &shift[ob]);
                for (i, acc) in acc.iter().enumerate().take(n) {
                    store(l, acc[0], g, rq, &scale, p0 + i, ob, output);
                }
                ob += 1;
            }
        }
        p0 += n;
    }
}

/// Windows longer than the patch: per pixel and block of output channels,
/// the window in patch-sized parts (gathered again for each block).
#[inline(always)]
fn long_windows<L: Dot16>(
    l: L,
    g: &ConvGeometry,
    input: &[i8],
    zp: i32,
    w: &ConvWeights,
    rq: &Requantize,
    output: &mut [i8],
) {
    let kp = packed::padded_window(g.k_h * g.k_w * g.in_c);
    let groups = kp / packed::GROUP;
    let blocks = packed::padded_channels(g.out_c) / packed::BLOCK;
    let (weights, _) = super::as_i8(w.packed).as_chunks::<64>();
    let (bias, _) = w.bias.as_chunks::<16>();
    let (multiplier, _) = rq.multiplier.as_chunks::<16>();
    let (shift, _) = rq.shift.as_chunks::<16>();
    let mut patch = [0u8; PATCH];
    for pixel in 0..g.out_h * g.out_w {
        for ob in 0..blocks {
            let block = &weights[ob * groups..][..groups];
            let mut acc = [[l.load(&bias[ob])]];
            for from in (0..kp).step_by(PATCH) {
                let part = &mut patch[..PATCH.min(kp - from)];
                gather(g, input, zp, pixel, from, part);
                let (row, _) = part.as_chunks::<4>();
                let ws = [&block[from / packed::GROUP..][..row.len()]];
                dot_tile(l, &mut acc, &[row], &ws);
            }
            let scale = l.prepare(&multiplier[ob], &shift[ob]);
            store(l, acc[0][0], g, rq, &scale, pixel, ob, output);
        }
    }
}

/// `acc[p][b] += rows[p] · weights[b]` for every lane, four bytes at a time.
#[inline(always)]
fn dot_tile<L: Dot16, const P: usize, const B: usize>(
    l: L,
    acc: &mut [[L::V; B]; P],
    rows: &[&[[u8; 4]]; P],
    weights: &[&[[i8; 64]]; B],
) {
    let groups = weights.first().map_or(0, |w| w.len());
    let rows: [&[[u8; 4]]; P] = core::array::from_fn(|p| &rows[p][..groups]);
    let weights: [&[[i8; 64]]; B] = core::array::from_fn(|b| &weights[b][..groups]);
    for k in 0..groups {
        for (acc, row) in acc.iter_mut().zip(&rows) {
            let a = row[k];
            for (acc, w) in acc.iter_mut().zip(&weights) {
                *acc = l.dot4(*acc, a, &w[k]);
            }
        }
    }
}

/// Requantizes block `ob` of output pixel `pixel` and stores its channels.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn store<L: Dot16>(
    l: L,
    acc: L::V,
    g: &ConvGeometry,
    rq: &Requantize,
    scale: &L::Scale,
    pixel: usize,
    ob: usize,
    output: &mut [i8],
) {
    let v = l.scale_with(acc, scale);
    let bytes = l.narrow(v, rq.zero_point, rq.min, rq.max);
    let c0 = ob * packed::BLOCK;
    store_bytes(&mut output[pixel * g.out_c + c0..], &bytes, g.out_c - c0);
}

/// The first `n` (at most sixteen) of `bytes` into `out`: one sixteen-byte
/// store for a whole block, else value by value (a copy of `n` bytes would
/// be a call to memmove).
#[inline(always)]
fn store_bytes(out: &mut [i8], bytes: &[i8; 16], n: usize) {
    if n >= 16 {
        let (out, _) = out.as_chunks_mut::<16>();
        out[0] = *bytes;
    } else {
        for (y, &b) in out[..n].iter_mut().zip(bytes) {
            *y = b;
        }
    }
}

/// Output pixels in order, by row and column (a division per pixel costs
/// more than a small layer's dot products).
#[derive(Clone, Copy, Default)]
pub(super) struct PixelWalk {
    pub oy: usize,
    pub ox: usize,
}

impl PixelWalk {
    #[inline(always)]
    pub fn step(&mut self, out_w: usize) {
        self.ox += 1;
        if self.ox >= out_w {
            self.ox = 0;
            self.oy += 1;
        }
    }
}

/// Output pixel `(oy, ox)`'s whole window as unsigned bytes, then zeros: the
/// window a kernel row at a time (one run of `k_w * in_c` bytes where it
/// lies inside the input), else tap by tap.
#[inline(always)]
pub(super) fn gather_window(
    g: &ConvGeometry,
    input: &[i8],
    zp: i32,
    oy: usize,
    ox: usize,
    row: &mut [u8],
) {
    let c = g.in_c;
    let run = g.k_w * c;
    let zp = (zp as u8) ^ 0x80;
    let iy0 = (oy * g.stride_h) as isize - g.pad_top as isize;
    let ix0 = (ox * g.stride_w) as isize - g.pad_left as isize;
    let last_x = ix0 + ((g.k_w - 1) * g.dilation_w) as isize;
    let contiguous = ix0 >= 0 && (last_x as usize) < g.in_w && g.dilation_w == 1;
    let (window, tail) = row.split_at_mut(g.k_h * run);
    if !tail.is_empty() {
        tail.fill(0);
    }
    for (ky, dst) in window.chunks_exact_mut(run.max(1)).enumerate() {
        let iy = iy0 + (ky * g.dilation_h) as isize;
        if iy < 0 || iy as usize >= g.in_h {
            dst.fill(zp);
            continue;
        }
        let line = &input[iy as usize * g.in_w * c..][..g.in_w * c];
        if contiguous {
            unsigned(dst, &line[ix0 as usize * c..][..run]);
            continue;
        }
        for (kx, cell) in dst.chunks_exact_mut(c.max(1)).enumerate() {
            let ix = ix0 + (kx * g.dilation_w) as isize;
            if ix < 0 || ix as usize >= g.in_w {
                cell.fill(zp);
            } else {
                unsigned(cell, &line[ix as usize * c..][..c]);
            }
        }
    }
}

/// `dst[i] = src[i] + 128` as unsigned bytes, eight at a time (runs are
/// often a few dozen bytes, too short for the compiler's vector loop).
#[inline(always)]
fn unsigned(dst: &mut [u8], src: &[i8]) {
    let n = dst.len().min(src.len());
    let (dst, src) = (&mut dst[..n], &src[..n]);
    let (d8, d_rest) = dst.as_chunks_mut::<8>();
    let (s8, s_rest) = src.as_chunks::<8>();
    for (d, s) in d8.iter_mut().zip(s8) {
        let x = u64::from_ne_bytes(s.map(|b| b as u8)) ^ 0x8080_8080_8080_8080;
        *d = x.to_ne_bytes();
    }
    for (d, &s) in d_rest.iter_mut().zip(s_rest) {
        *d = (s as u8) ^ 0x80;
    }
}

/// Columns `from..from + row.len()` of output pixel `pixel`'s window as
/// unsigned bytes (`x + 128`; taps outside the input read the zero point,
/// columns past the window are zero).
#[inline(always)]
fn gather(g: &ConvGeometry, input: &[i8], zp: i32, pixel: usize, from: usize, row: &mut [u8]) {
    let (oy, ox) = (pixel / g.out_w, pixel % g.out_w);
    let c = g.in_c;
    let k = g.k_h * g.k_w * c;
    let zp = (zp as u8) ^ 0x80;
    let iy0 = (oy * g.stride_h) as isize - g.pad_top as isize;
    let ix0 = (ox * g.stride_w) as isize - g.pad_left as isize;
    let end = from + row.len();
    let mut j = from;
    while j < end {
        if j >= k {
            row[j - from..].fill(0);
            break;
        }
        let (tap, ch) = (j / c, j % c);
        let n = (c - ch).min(end - j);
        let (ky, kx) = (tap / g.k_w, tap % g.k_w);
        let iy = iy0 + (ky * g.dilation_h) as isize;
        let ix = ix0 + (kx * g.dilation_w) as isize;
        let dst = &mut row[j - from..][..n];
        if iy >= 0 && ix >= 0 && (iy as usize) < g.in_h && (ix as usize) < g.in_w {
            unsigned(
                dst,
                &input[(iy as usize * g.in_w + ix as usize) * c + ch..][..n],
            );
        } else {
            dst.fill(zp);
        }
        j += n;
    }
}

/// `DEPTHWISE_CONV_2D` with `multiplier` output channels per input channel
/// (output channel `c * multiplier + j` reads input channel `c`): `weights`
/// one row per tap (`k_h x k_w`) of the output channels padded to whole
/// blocks of sixteen (zeros after `out_c`); `bias` (`bias - zp_in * Σ w`),
/// `rq`'s multipliers and shifts also padded to whole blocks. With one
/// output channel per input channel, sixteen channels at a time on the
/// fastest instruction set ([`dot::Dot16::mul_add`]); taps outside the input
/// read the zero point. As for [`conv2d`], the slices have the lengths the
/// geometry gives.
#[allow(clippy::too_many_arguments)]
#[cfg_attr(cnn_arm_dsp, inline(always))]
pub fn depthwise_conv2d(
    g: &ConvGeometry,
    multiplier: usize,
    input: &[i8],
    input_zero_point: i32,
    weights: &[i8],
    bias: &[i32],
    rq: &Requantize,
    output: &mut [i8],
) {
    struct Depthwise<'a, 'b> {
        g: &'a ConvGeometry,
        multiplier: usize,
        input: &'a [i8],
        zp: i32,
        weights: &'a [i8],
        bias: &'a [i32],
        rq: &'a Requantize<'b>,
        output: &'a mut [i8],
    }
    impl OnLanes for Depthwise<'_, '_> {
        type Output = ();
        #[inline(always)]
        fn call<L: Dot16>(self, l: L) {
            let Depthwise {
                g,
                multiplier,
                input,
                zp,
                weights,
                bias,
                rq,
                output,
            } = self;
            if multiplier <= 1 {
                depthwise_lanes(l, g, input, zp, weights, bias, rq, output);
            } else {
                depthwise_multiplied(g, multiplier, input, zp, weights, bias, rq, output);
            }
        }
    }
    #[cfg(cnn_arm_dsp)]
    if multiplier <= 1
        && super::dsp::depthwise(g, input, input_zero_point, weights, bias, rq, output)
    {
        return;
    }
    dot::dispatch(Depthwise {
        g,
        multiplier,
        input,
        zp: input_zero_point,
        weights,
        bias,
        rq,
        output,
    });
}

/// Taps of a depthwise window whose input offsets fit on the stack.
const MAX_TAPS: usize = 64;

/// Depthwise with one output channel per input channel: per output pixel,
/// each tap's input offset once, then four blocks of sixteen channels at a
/// time (four independent chains of multiply-adds), then the rest one
/// block at a time. (On Cortex-M, where the DSP kernel takes nearly every
/// layer, not inlined: its stack frame then stays out of the caller's.)
#[allow(clippy::too_many_arguments)]
#[cfg_attr(not(cnn_arm_dsp), inline(always))]
#[cfg_attr(cnn_arm_dsp, inline(never))]
fn depthwise_lanes<L: Dot16>(
    l: L,
    g: &ConvGeometry,
    input: &[i8],
    zp: i32,
    weights: &[i8],
    bias: &[i32],
    rq: &Requantize,
    output: &mut [i8],
) {
    const OUTSIDE: usize = usize::MAX;
    let c = g.out_c;
    let padded = packed::padded_channels(c);
    let blocks = padded / packed::BLOCK;
    let whole = c / packed::BLOCK;
    let n_taps = g.k_h * g.k_w;
    if n_taps > MAX_TAPS {
        return depthwise_blocks(l, g, input, zp, weights, bias, rq, output);
    }
    if c < packed::BLOCK
        && packed::BLOCK.is_multiple_of(c.max(1))
        && g.stride_w == 1
        && g.dilation_w == 1
    {
        return depthwise_few_channels(l, g, input, zp, weights, bias, rq, output);
    }
    let (bias, _) = bias.as_chunks::<16>();
    let (multiplier, _) = rq.multiplier.as_chunks::<16>();
    let (shift, _) = rq.shift.as_chunks::<16>();
    let zero_point = [zp as i8; 16];
    // The first blocks' multipliers and shifts prepared once per call; any
    // further blocks (over 256 channels) prepared where they are used.
    const PREPARED: usize = 16;
    if blocks == 0 {
        return;
    }
    let mut prepared = [l.prepare(&multiplier[0], &shift[0]); PREPARED];
    for (ob, scale) in prepared.iter_mut().enumerate().take(blocks).skip(1) {
        *scale = l.prepare(&multiplier[ob], &shift[ob]);
    }
    // The weights as 16-bit values in 32-bit lanes (upper half zero), once
    // per call where they fit: each tap is then one `vpmaddwd`. Only x86
    // has that instruction; elsewhere the 8 KiB would be stack for nothing.
    const WIDE: usize = if cfg!(any(target_arch = "x86_64", target_arch = "x86")) {
        2048
    } else {
        0
    };
    let mut wide = [0i32; WIDE];
    let use_wide = !wide.is_empty() && n_taps * padded <= wide.len();
    if use_wide {
        for (d, &w) in wide.iter_mut().zip(&weights[..n_taps * padded]) {
            *d = i32::from(w as i16 as u16);
        }
    }
    let mut offsets = [OUTSIDE; MAX_TAPS];
    // Each tap's offset from the window's corner, for windows inside the input.
    let mut relative = [0usize; MAX_TAPS];
    for (ky, row) in relative[..n_taps]
        .chunks_exact_mut(g.k_w.max(1))
        .enumerate()
    {
        for (kx, r) in row.iter_mut().enumerate() {
            *r = (ky * g.dilation_h * g.in_w + kx * g.dilation_w) * c;
        }
    }
    let span_h = ((g.k_h.max(1) - 1) * g.dilation_h) as isize;
    let span_w = ((g.k_w.max(1) - 1) * g.dilation_w) as isize;
    for oy in 0..g.out_h {
        for ox in 0..g.out_w {
            let iy0 = (oy * g.stride_h) as isize - g.pad_top as isize;
            let ix0 = (ox * g.stride_w) as isize - g.pad_left as isize;
            let inside = iy0 >= 0
                && ix0 >= 0
                && ((iy0 + span_h) as usize) < g.in_h
                && ((ix0 + span_w) as usize) < g.in_w;
            if inside {
                let corner = (iy0 as usize * g.in_w + ix0 as usize) * c;
                for (o, &r) in offsets[..n_taps].iter_mut().zip(&relative[..n_taps]) {
                    *o = corner + r;
                }
            } else {
                border_offsets(g, iy0, ix0, &mut offsets[..n_taps]);
            }

            let offsets = &offsets[..n_taps];
            let out = &mut output[(oy * g.out_w + ox) * c..][..c];
            let mut ob = 0;
            // Whole blocks four, then two, then one at a time (independent
            // chains of multiply-adds), then a partial block.
            let taps = Taps {
                offsets,
                input,
                zero_point: &zero_point,
                weights,
                wide: use_wide.then_some(&wide[..]),
                padded,
            };
            while ob + 4 <= whole {
                let acc = taps.blocks::<L, 4>(l, bias, ob);
                let (y, _) = out[ob * packed::BLOCK..][..64].as_chunks_mut::<16>();
                for (j, (y, acc)) in y.iter_mut().zip(acc).enumerate() {
                    *y = requantize_block(l, acc, &prepared, ob + j, rq);
                }
                ob += 4;
            }
            while ob + 2 <= whole {
                let acc = taps.blocks::<L, 2>(l, bias, ob);
                let (y, _) = out[ob * packed::BLOCK..][..32].as_chunks_mut::<16>();
                for (j, (y, acc)) in y.iter_mut().zip(acc).enumerate() {
                    *y = requantize_block(l, acc, &prepared, ob + j, rq);
                }
                ob += 2;
            }
            while ob < whole {
                let [acc] = taps.blocks::<L, 1>(l, bias, ob);
                let (y, _) = out[ob * packed::BLOCK..][..16].as_chunks_mut::<16>();
                y[0] = requantize_block(l, acc, &prepared, ob, rq);
                ob += 1;
            }
            while ob < blocks {
                let c0 = ob * packed::BLOCK;
                let n = packed::BLOCK.min(c - c0);
                let mut acc = l.load(&bias[ob]);
                for (t, &offset) in offsets.iter().enumerate() {
                    let (w, _) = weights[t * padded + c0..].as_chunks::<16>();
                    // A partial block reads sixteen bytes where the input
                    // has them (lanes past `n` are computed and dropped),
                    // else value by value (a copy of `n` bytes would be a
                    // call to memcpy per tap).
                    let x = if offset == OUTSIDE {
                        zero_point
                    } else if let Some(x) = input.get(offset + c0..offset + c0 + 16) {
                        let (x, _) = x.as_chunks::<16>();
                        x[0]
                    } else {
                        let x = &input[offset + c0..][..n];
                        core::array::from_fn(|j| x.get(j).copied().unwrap_or(0))
                    };
                    acc = if use_wide {
                        let (w, _) = wide[t * padded + c0..].as_chunks::<16>();
                        l.mul_add_wide(acc, &x, &w[0])
                    } else {
                        l.mul_add(acc, &x, &w[0])
                    };
                }
                store_bytes(
                    &mut out[c0..],
                    &requantize_block(l, acc, &prepared, ob, rq),
                    n,
                );
                ob += 1;
            }
        }
    }
}

/// One output pixel's taps in a depthwise convolution: where each reads the
/// input (`usize::MAX`: outside, the zero point), and the weights, as bytes
/// and, where they fit, as 16-bit values in 32-bit lanes.
struct Taps<'a> {
    offsets: &'a [usize],
    input: &'a [i8],
    zero_point: &'a [i8; 16],
    weights: &'a [i8],
    wide: Option<&'a [i32]>,
    padded: usize,
}

impl Taps<'_> {
    /// The accumulators of `N` whole blocks from block `ob`.
    #[inline(always)]
    fn blocks<L: Dot16, const N: usize>(&self, l: L, bias: &[[i32; 16]], ob: usize) -> [L::V; N] {
        let c0 = ob * packed::BLOCK;
        let mut acc = [l.load(&bias[ob]); N];
        for (j, acc) in acc.iter_mut().enumerate().skip(1) {
            *acc = l.load(&bias[ob + j]);
        }
        // The choice of weights outside the loop over taps.
        match self.wide {
            Some(wide) => {
                for (t, &offset) in self.offsets.iter().enumerate() {
                    let x = self.inputs::<N>(offset, c0);
                    let (w, _) = wide[t * self.padded + c0..][..16 * N].as_chunks::<16>();
                    for ((acc, w), x) in acc.iter_mut().zip(w).zip(x) {
                        *acc = l.mul_add_wide(*acc, x, w);
                    }
                }
            }
            None => {
                for (t, &offset) in self.offsets.iter().enumerate() {
                    let x = self.inputs::<N>(offset, c0);
                    let (w, _) = self.weights[t * self.padded + c0..][..16 * N].as_chunks::<16>();
                    for ((acc, w), x) in acc.iter_mut().zip(w).zip(x) {
                        *acc = l.mul_add(*acc, x, w);
                    }
                }
            }
        }
        acc
    }

    /// The `N` blocks of sixteen inputs from channel `c0` a tap reads.
    #[inline(always)]
    fn inputs<const N: usize>(&self, offset: usize, c0: usize) -> [&[i8; 16]; N] {
        let mut x = [self.zero_point; N];
        if offset != usize::MAX {
            let (rows, _) = self.input[offset + c0..][..16 * N].as_chunks::<16>();
            for (x, row) in x.iter_mut().zip(rows) {
                *x = row;
            }
        }
        x
    }
}

/// The input offset of each tap of the window at `(iy0, ix0)` (its top left,
/// in padded coordinates), `usize::MAX` for taps outside the input.
#[inline(always)]
fn border_offsets(g: &ConvGeometry, iy0: isize, ix0: isize, offsets: &mut [usize]) {
    for (ky, row) in offsets.chunks_exact_mut(g.k_w.max(1)).enumerate() {
        let iy = iy0 + (ky * g.dilation_h) as isize;
        for (kx, offset) in row.iter_mut().enumerate() {
            let ix = ix0 + (kx * g.dilation_w) as isize;
            let inside = iy >= 0 && ix >= 0 && (iy as usize) < g.in_h && (ix as usize) < g.in_w;
            *offset = if inside {
                (iy as usize * g.in_w + ix as usize) * g.in_c
            } else {
                usize::MAX
            };
        }
    }
}

/// Block `ob` requantized with its prepared multipliers and shifts (those
/// of blocks past the prepared ones prepared here).
#[inline(always)]
fn requantize_block<L: Dot16>(
    l: L,
    acc: L::V,
    prepared: &[L::Scale],
    ob: usize,
    rq: &Requantize,
) -> [i8; 16] {
    let v = match prepared.get(ob) {
        Some(scale) => l.scale_with(acc, scale),
        None => {
            let (multiplier, _) = rq.multiplier.as_chunks::<16>();
            let (shift, _) = rq.shift.as_chunks::<16>();
            l.scale_with(acc, &l.prepare(&multiplier[ob], &shift[ob]))
        }
    };
    l.narrow(v, rq.zero_point, rq.min, rq.max)
}

/// Depthwise with 1, 2, 4 or 8 channels and a horizontal stride of 1: the
/// sixteen lanes are `16 / c` neighbouring output pixels, whose inputs under
/// each tap are sixteen consecutive bytes (the weights, bias, multipliers
/// and shifts repeated to match, once per call). Pixels whose window leaves
/// the input on the left or right are computed one value at a time.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn depthwise_few_channels<L: Dot16>(
    l: L,
    g: &ConvGeometry,
    input: &[i8],
    zp: i32,
    weights: &[i8],
    bias: &[i32],
    rq: &Requantize,
    output: &mut [i8],
) {
    let c = g.out_c.max(1);
    let padded = packed::padded_channels(c);
    let per = packed::BLOCK / c;
    let n_taps = g.k_h * g.k_w;
    let lane = |j: usize| j % c;
    let mut tiled = [[0i8; 16]; MAX_TAPS];
    for (t, row) in tiled.iter_mut().enumerate().take(n_taps) {
        *row = core::array::from_fn(|j| weights[t * padded + lane(j)]);
    }
    let tiled_bias: [i32; 16] = core::array::from_fn(|j| bias[lane(j)]);
    let multiplier: [i32; 16] = core::array::from_fn(|j| rq.multiplier[lane(j)]);
    let shift: [i32; 16] = core::array::from_fn(|j| rq.shift[lane(j)]);
    let scale = l.prepare(&multiplier, &shift);
    let zero_point = [zp as i8; 16];
    let row_len = g.in_w * c;
    for oy in 0..g.out_h {
        let iy0 = (oy * g.stride_h) as isize - g.pad_top as isize;
        let mut ox = 0;
        while ox < g.out_w {
            let ix_first = ox as isize - g.pad_left as isize;
            let ix_last = ix_first + (per - 1 + g.k_w - 1) as isize;
            if ox + per <= g.out_w && ix_first >= 0 && (ix_last as usize) < g.in_w {
                let mut acc = l.load(&tiled_bias);
                for ky in 0..g.k_h {
                    let iy = iy0 + (ky * g.dilation_h) as isize;
                    let taps = &tiled[ky * g.k_w..][..g.k_w];
                    if iy < 0 || iy as usize >= g.in_h {
                        for w in taps {
                            acc = l.mul_add(acc, &zero_point, w);
                        }
                    } else {
                        let line = &input[iy as usize * row_len..][..row_len];
                        let from = ix_first as usize * c;
                        for (kx, w) in taps.iter().enumerate() {
                            let (x, _) = line[from + kx * c..].as_chunks::<16>();
                            acc = l.mul_add(acc, &x[0], w);
                        }
                    }
                }
                let (out, _) = output[(oy * g.out_w + ox) * c..].as_chunks_mut::<16>();
                out[0] = l.narrow(l.scale_with(acc, &scale), rq.zero_point, rq.min, rq.max);
                ox += per;
            } else {
                for ch in 0..c {
                    let mut acc = bias[ch];
                    for ky in 0..g.k_h {
                        for kx in 0..g.k_w {
                            let iy = iy0 + (ky * g.dilation_h) as isize;
                            let ix = ix_first + kx as isize;
                            let inside = iy >= 0
                                && ix >= 0
                                && (iy as usize) < g.in_h
                                && (ix as usize) < g.in_w;
                            let x = if inside {
                                i32::from(input[(iy as usize * g.in_w + ix as usize) * c + ch])
                            } else {
                                zp
                            };
                            acc += x * i32::from(weights[(ky * g.k_w + kx) * padded + ch]);
                        }
                    }
                    output[(oy * g.out_w + ox) * c + ch] = rq.apply(acc, ch);
                }
                ox += 1;
            }
        }
    }
}

/// Depthwise with one output channel per input channel, a block of sixteen
/// channels of one output pixel at a time, tap by tap (windows of more than
/// [`MAX_TAPS`] taps).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn depthwise_blocks<L: Dot16>(
    l: L,
    g: &ConvGeometry,
    input: &[i8],
    zp: i32,
    weights: &[i8],
    bias: &[i32],
    rq: &Requantize,
    output: &mut [i8],
) {
    let c = g.out_c;
    let padded = packed::padded_channels(c);
    let blocks = padded / packed::BLOCK;
    let (bias, _) = bias.as_chunks::<16>();
    let (multiplier, _) = rq.multiplier.as_chunks::<16>();
    let (shift, _) = rq.shift.as_chunks::<16>();
    let zero_point = [zp as i8; 16];
    for oy in 0..g.out_h {
        let (ky0, ky1) = taps(oy, g.stride_h, g.pad_top, g.dilation_h, g.k_h, g.in_h);
        for ox in 0..g.out_w {
            let (kx0, kx1) = taps(ox, g.stride_w, g.pad_left, g.dilation_w, g.k_w, g.in_w);
            let iy0 = oy * g.stride_h;
            let ix0 = ox * g.stride_w;
            let out = &mut output[(oy * g.out_w + ox) * c..][..c];
            for ob in 0..blocks {
                let c0 = ob * packed::BLOCK;
                let n = packed::BLOCK.min(c - c0);
                let mut acc = l.load(&bias[ob]);
                for ky in 0..g.k_h {
                    for kx in 0..g.k_w {
                        let (w, _) = weights[(ky * g.k_w + kx) * padded + c0..].as_chunks::<16>();
                        let w = &w[0];
                        let x = if (ky0..ky1).contains(&ky) && (kx0..kx1).contains(&kx) {
                            // In padded coordinates: the tap is inside, so
                            // these do not underflow.
                            let iy = iy0 + ky * g.dilation_h - g.pad_top;
                            let ix = ix0 + kx * g.dilation_w - g.pad_left;
                            let x = &input[(iy * g.in_w + ix) * c + c0..];
                            if n == packed::BLOCK {
                                let (x, _) = x.as_chunks::<16>();
                                x[0]
                            } else {
                                // Value by value: a copy of `n` bytes would
                                // be a call to memcpy per tap.
                                let x = &x[..n];
                                core::array::from_fn(|j| x.get(j).copied().unwrap_or(0))
                            }
                        } else {
                            zero_point
                        };
                        acc = l.mul_add(acc, &x, w);
                    }
                }
                let r = Requant16 {
                    multiplier: &multiplier[ob],
                    shift: &shift[ob],
                    zero_point: rq.zero_point,
                    min: rq.min,
                    max: rq.max,
                };
                out[c0..c0 + n].copy_from_slice(&l.requantize(acc, &r)[..n]);
            }
        }
    }
}

/// Depthwise with several output channels per input channel, one value at
/// a time.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn depthwise_multiplied(
    g: &ConvGeometry,
    multiplier: usize,
    input: &[i8],
    zp: i32,
    weights: &[i8],
    bias: &[i32],
    rq: &Requantize,
    output: &mut [i8],
) {
    let padded = packed::padded_channels(g.out_c);
    for oy in 0..g.out_h {
        for ox in 0..g.out_w {
            for o in 0..g.out_c {
                let mut acc = bias[o];
                for ky in 0..g.k_h {
                    for kx in 0..g.k_w {
                        let w = i32::from(weights[(ky * g.k_w + kx) * padded + o]);
                        let iy =
                            (oy * g.stride_h + ky * g.dilation_h) as isize - g.pad_top as isize;
                        let ix =
                            (ox * g.stride_w + kx * g.dilation_w) as isize - g.pad_left as isize;
                        let x =
                            if iy < 0 || ix < 0 || iy as usize >= g.in_h || ix as usize >= g.in_w {
                                zp
                            } else {
                                i32::from(
                                    input[(iy as usize * g.in_w + ix as usize) * g.in_c
                                        + o / multiplier],
                                )
                            };
                        acc += w * x;
                    }
                }
                output[(oy * g.out_w + ox) * g.out_c + o] = rq.apply(acc, o);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::int8::fixed::multiply_by_quantized_multiplier;
    use std::format;
    use std::vec;
    use std::vec::Vec;

    /// The convolution as the reference writes it: `Σ (x - zp) * w` over the
    /// taps inside the input, with the unfolded bias.
    #[allow(clippy::too_many_arguments)]
    fn conv_reference(
        g: &ConvGeometry,
        x: &[i8],
        zp: i32,
        w: &[i8],
        bias: &[i32],
        m: &[i32],
        s: &[i32],
        zp_out: i32,
    ) -> Vec<i8> {
        let mut out = vec![0i8; g.out_h * g.out_w * g.out_c];
        for oy in 0..g.out_h {
            for ox in 0..g.out_w {
                for o in 0..g.out_c {
                    let mut acc = bias[o];
                    for ky in 0..g.k_h {
                        for kx in 0..g.k_w {
                            let iy =
                                (oy * g.stride_h + ky * g.dilation_h) as isize - g.pad_top as isize;
                            let ix = (ox * g.stride_w + kx * g.dilation_w) as isize
                                - g.pad_left as isize;
                            if iy < 0 || ix < 0 || iy >= g.in_h as isize || ix >= g.in_w as isize {
                                continue;
                            }
                            for c in 0..g.in_c {
                                let xv =
                                    x[(iy as usize * g.in_w + ix as usize) * g.in_c + c] as i32;
                                let wv = w[((o * g.k_h + ky) * g.k_w + kx) * g.in_c + c] as i32;
                                acc += (xv - zp) * wv;
                            }
                        }
                    }
                    let v = multiply_by_quantized_multiplier(acc, m[o], s[o]) + zp_out;
                    out[(oy * g.out_w + ox) * g.out_c + o] = v.clamp(-128, 127) as i8;
                }
            }
        }
        out
    }

    fn bytes(n: usize, seed: u32) -> Vec<i8> {
        let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
        (0..n)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                state as i8
            })
            .collect()
    }

    /// The constants the compiler emits for a convolution: packed weights,
    /// `bias - (zp + 128) Σ w`, multipliers and shifts padded to blocks.
    fn constants(
        w: &[i8],
        bias: &[i32],
        m: &[i32],
        s: &[i32],
        zp: i32,
        out_c: usize,
        k: usize,
    ) -> (Vec<i8>, Vec<i32>, Vec<i32>, Vec<i32>) {
        let mut packed_w = vec![0i8; packed::packed_len(out_c, k)];
        packed::pack(w, out_c, k, &mut packed_w);
        let padded = packed::padded_channels(out_c);
        let pad = |v: Vec<i32>| {
            let mut v = v;
            v.resize(padded, 0);
            v
        };
        let b = (0..out_c)
            .map(|o| bias[o] - (zp + 128) * w[o * k..][..k].iter().map(|&v| v as i32).sum::<i32>())
            .collect();
        (packed_w, pad(b), pad(m.to_vec()), pad(s.to_vec()))
    }

    /// `conv2d` on every instruction set this CPU has.
    #[allow(clippy::too_many_arguments)]
    fn conv_on_each_isa(
        g: &ConvGeometry,
        x: &[i8],
        zp: i32,
        w: &ConvWeights,
        rq: &Requantize,
        expected: &[i8],
        what: &str,
    ) {
        let mut out = vec![0i8; expected.len()];
        conv2d(g, x, zp, w, rq, &mut out);
        assert_eq!(out, expected, "fastest path, {what}");
        crate::simd::without_avx512(|| {
            let mut out = vec![0i8; expected.len()];
            conv2d(g, x, zp, w, rq, &mut out);
            assert_eq!(out, expected, "without AVX-512, {what}");
        });
        crate::simd::with_portable(|| {
            let mut out = vec![0i8; expected.len()];
            conv2d(g, x, zp, w, rq, &mut out);
            assert_eq!(out, expected, "portable, {what}");
        });
        // The Cortex-M kernel (its instructions emulated here), which reads
        // the weights as words: from a word-aligned copy. (Not under Miri:
        // off Arm it is safe code, and slow there.)
        if cfg!(miri) {
            return;
        }
        let words: Vec<u32> = w
            .packed
            .chunks(4)
            .map(|b| u32::from_le_bytes(core::array::from_fn(|i| b.get(i).copied().unwrap_or(0))))
            .collect();
        let aligned = ConvWeights {
            packed: &bytemuck::cast_slice(&words)[..w.packed.len()],
            bias: w.bias,
        };
        let mut out = vec![0i8; expected.len()];
        if super::super::dsp::conv2d(g, x, zp, &aligned, rq, &mut out) {
            assert_eq!(out, expected, "Cortex-M DSP, {what}");
        } else {
            assert!(
                4 * packed::padded_window(g.k_h * g.k_w * g.in_c) > 4096,
                "the DSP kernel refused {what}"
            );
        }
    }

    #[test]
    fn pointwise_convolutions_read_their_pixels_in_place() {
        // 1x1, stride 1, no padding: the fast gather (8 and 32 channels), and
        // 6 channels (not whole groups of four), gathered as windows.
        for (in_c, out_c) in [(8, 16), (32, 40), (6, 8)] {
            let g = ConvGeometry {
                in_h: 4,
                in_w: 7,
                in_c,
                out_h: 4,
                out_w: 7,
                out_c,
                k_h: 1,
                k_w: 1,
                stride_h: 1,
                stride_w: 1,
                dilation_h: 1,
                dilation_w: 1,
                pad_top: 0,
                pad_left: 0,
            };
            let x = bytes(4 * 7 * in_c, 5);
            let w = bytes(out_c * in_c, 6);
            let zp = 9;
            let bias: Vec<i32> = (0..out_c as i32).map(|o| 30 * o - 300).collect();
            let (m, s) = (vec![1_400_000_000; out_c], vec![-7; out_c]);
            let expected = conv_reference(&g, &x, zp, &w, &bias, &m, &s, -4);
            let (packed_w, bias_u, m, s) = constants(&w, &bias, &m, &s, zp, out_c, in_c);
            let packed_u8: Vec<u8> = packed_w.iter().map(|&v| v as u8).collect();
            let weights = ConvWeights {
                packed: &packed_u8,
                bias: &bias_u,
            };
            let rq = Requantize {
                multiplier: &m,
                shift: &s,
                zero_point: -4,
                min: -128,
                max: 127,
            };
            let what = format!("1x1, {in_c} -> {out_c} channels");
            conv_on_each_isa(&g, &x, zp, &weights, &rq, &expected, &what);
        }
    }

    #[test]
    fn every_path_equals_the_reference() {
        // (stride, dilation, pad, in_c, out_c). 3 channels: windows of 27
        // bytes, in tiles of pixels; 512: 4,608 bytes, one pixel at a time;
        // 1,024: 9,216 bytes, longer than the patch. 5, 16, 40 and 48 output
        // channels: a partial block, one block, and pairs of blocks with one left.
        let cases = [
            (1, 1, 1, 3, 5),
            (2, 1, 1, 3, 40),
            (1, 2, 2, 3, 5),
            (2, 2, 0, 3, 16),
            (1, 1, 2, 3, 48),
            (1, 1, 0, 8, 33),
            (1, 1, 1, 512, 5),
            (2, 2, 2, 512, 5),
            (1, 1, 1, 1024, 17),
            // Padding wider than the kernel: windows wholly outside the
            // input on every side; one channel (rows of three bytes).
            (1, 1, 3, 3, 5),
            (2, 1, 3, 1, 16),
        ];
        for (stride, dilation, pad, in_c, out_c) in cases {
            // The long windows take minutes under Miri; the short ones cover
            // the same dispatch and every other branch there (the padding
            // wider than the kernel only the gather, which is safe code).
            if cfg!(miri) && (in_c > 100 || pad > 2) {
                continue;
            }
            let g = ConvGeometry {
                in_h: 7,
                in_w: 6,
                in_c,
                out_h: 0,
                out_w: 0,
                out_c,
                k_h: 3,
                k_w: 3,
                stride_h: stride,
                stride_w: stride,
                dilation_h: dilation,
                dilation_w: dilation,
                pad_top: pad,
                pad_left: pad,
            };
            let span = 2 * dilation + 1;
            let g = ConvGeometry {
                out_h: (g.in_h + 2 * pad - span) / stride + 1,
                out_w: (g.in_w + 2 * pad - span) / stride + 1,
                ..g
            };
            let x = bytes(g.in_h * g.in_w * g.in_c, 1);
            let k = 9 * g.in_c;
            let w = bytes(out_c * k, 2);
            let zp = -7;
            let bias: Vec<i32> = (0..out_c as i32).map(|o| o * 100 - 200).collect();
            let m = vec![1_500_000_000; out_c];
            // Smaller multipliers for long windows, so outputs stay inside int8.
            let extra = if in_c > 100 { 7 } else { 0 };
            let s: Vec<i32> = (0..out_c)
                .map(|o| [-9, -8, -10, -9, -7][o % 5] - extra)
                .collect();
            let expected = conv_reference(&g, &x, zp, &w, &bias, &m, &s, 3);
            let (packed_w, bias_u, m, s) = constants(&w, &bias, &m, &s, zp, out_c, k);
            let packed_u8: Vec<u8> = packed_w.iter().map(|&v| v as u8).collect();
            let weights = ConvWeights {
                packed: &packed_u8,
                bias: &bias_u,
            };
            let rq = Requantize {
                multiplier: &m,
                shift: &s,
                zero_point: 3,
                min: -128,
                max: 127,
            };
            let what =
                format!("stride {stride} dilation {dilation} pad {pad} in_c {in_c} out_c {out_c}");
            conv_on_each_isa(&g, &x, zp, &weights, &rq, &expected, &what);
        }
    }

    #[test]
    fn depthwise_equals_a_convolution_per_channel() {
        // A partial block, one block, two and a partial one, four and a
        // partial one, two output channels per input channel, and a window
        // of more than MAX_TAPS taps.
        // A partial block, one block, two and a partial one, four and a
        // partial one, two output channels per input channel, a window of
        // more than MAX_TAPS taps (stride 2); 8, 4, 2 and 1 channels at
        // stride 1, several output pixels per vector.
        for (c_in, multiplier, k, stride) in [
            (3, 1, 3, 2),
            (16, 1, 3, 2),
            (35, 1, 3, 2),
            (70, 1, 3, 2),
            (3, 2, 3, 2),
            (20, 1, 9, 2),
            (8, 1, 3, 1),
            (4, 1, 3, 1),
            (2, 1, 5, 1),
            (1, 1, 3, 1),
        ] {
            let c_out = c_in * multiplier;
            let padded = packed::padded_channels(c_out);
            let (in_h, in_w) = if stride == 1 { (5, 21) } else { (5, 6) };
            let g = ConvGeometry {
                in_h,
                in_w,
                in_c: c_in,
                out_h: (in_h + 2 * (k / 2) - k) / stride + 1,
                out_w: (in_w + 2 * (k / 2) - k) / stride + 1,
                out_c: c_out,
                k_h: k,
                k_w: k,
                stride_h: stride,
                stride_w: stride,
                dilation_h: 1,
                dilation_w: 1,
                pad_top: k / 2,
                pad_left: k / 2,
            };
            let x = bytes(in_h * in_w * c_in, 3);
            let w = bytes(k * k * c_out, 4);
            let zp = 11;
            let bias: Vec<i32> = (0..c_out as i32).map(|o| 50 - 7 * o).collect();
            let m = vec![1_300_000_000; c_out];
            let s = vec![-6; c_out];
            let mut folded: Vec<i32> = (0..c_out)
                .map(|o| bias[o] - zp * (0..k * k).map(|t| w[t * c_out + o] as i32).sum::<i32>())
                .collect();
            folded.resize(padded, 0);
            let padded_w: Vec<i8> = w
                .chunks_exact(c_out)
                .flat_map(|row| {
                    row.iter()
                        .copied()
                        .chain(std::iter::repeat_n(0, padded - c_out))
                })
                .collect();
            let (mut m_p, mut s_p) = (m.clone(), s.clone());
            m_p.resize(padded, 0);
            s_p.resize(padded, 0);
            let rq = Requantize {
                multiplier: &m_p,
                shift: &s_p,
                zero_point: -1,
                min: -128,
                max: 127,
            };
            let run = || {
                let mut out = vec![0i8; g.out_h * g.out_w * c_out];
                depthwise_conv2d(&g, multiplier, &x, zp, &padded_w, &folded, &rq, &mut out);
                out
            };
            let out = run();
            assert_eq!(crate::simd::without_avx512(run), out, "without AVX-512");
            assert_eq!(crate::simd::with_portable(run), out, "portable");
            if multiplier == 1 && !cfg!(miri) {
                let mut dsp = vec![0i8; out.len()];
                let done =
                    super::super::dsp::depthwise(&g, &x, zp, &padded_w, &folded, &rq, &mut dsp);
                // (It leaves windows of more than 64 taps to the portable kernel.)
                assert!(
                    if done { dsp == out } else { k * k > 64 },
                    "Cortex-M DSP, {c_in} channels"
                );
            }
            for oc in 0..c_out {
                let ic = oc / multiplier;
                let x1: Vec<i8> = (0..in_h * in_w).map(|p| x[p * c_in + ic]).collect();
                let w1: Vec<i8> = (0..k * k).map(|t| w[t * c_out + oc]).collect();
                let g1 = ConvGeometry {
                    in_c: 1,
                    out_c: 1,
                    ..g
                };
                let expected =
                    conv_reference(&g1, &x1, zp, &w1, &bias[oc..oc + 1], &m[..1], &s[..1], -1);
                let got: Vec<i8> = (0..g.out_h * g.out_w)
                    .map(|p| out[p * c_out + oc])
                    .collect();
                assert_eq!(
                    got, expected,
                    "{c_in} channels, multiplier {multiplier}, channel {oc}"
                );
            }
        }
    }

    /// The Cortex-M depthwise kernel (instructions emulated) against the
    /// portable one: through the band of padded rows (channels in whole
    /// words, rows that fit), tap by tap (other channel counts, or rows too
    /// long for the band), with strides, dilations and padding on every side.
    #[test]
    #[cfg_attr(miri, ignore = "safe code off Arm, and slow under Miri")]
    fn cortex_m_depthwise_equals_the_portable_kernel() {
        // (channels, kernel, stride, dilation, pad, width)
        let cases = [
            (4, 3, 1, 1, 1, 9),
            (8, 3, 2, 1, 1, 10),
            (16, 3, 1, 2, 2, 7),
            (12, 5, 2, 2, 3, 11),
            (64, 3, 1, 1, 1, 5),
            (6, 3, 1, 1, 1, 7),
            (1, 3, 2, 1, 2, 6),
            (64, 3, 1, 1, 1, 40),
            (8, 2, 1, 3, 0, 9),
        ];
        for (c, k, stride, dilation, pad, in_w) in cases {
            let in_h = 6;
            let span = (k - 1) * dilation + 1;
            let g = ConvGeometry {
                in_h,
                in_w,
                in_c: c,
                out_h: (in_h + 2 * pad - span) / stride + 1,
                out_w: (in_w + 2 * pad - span) / stride + 1,
                out_c: c,
                k_h: k,
                k_w: k,
                stride_h: stride,
                stride_w: stride,
                dilation_h: dilation,
                dilation_w: dilation,
                pad_top: pad,
                pad_left: pad,
            };
            let padded = packed::padded_channels(c);
            let x = bytes(in_h * in_w * c, 5);
            let w = bytes(k * k * padded, 6);
            let bias: Vec<i32> = (0..padded as i32).map(|o| 300 - 40 * o).collect();
            let m: Vec<i32> = (0..padded as i32)
                .map(|o| 1_100_000_000 + o * 9_000_000)
                .collect();
            let s: Vec<i32> = (0..padded).map(|o| [-7, -6, -8][o % 3]).collect();
            let rq = Requantize {
                multiplier: &m,
                shift: &s,
                zero_point: 4,
                min: -100,
                max: 120,
            };
            let mut expected = vec![0i8; g.out_h * g.out_w * c];
            crate::simd::with_portable(|| {
                depthwise_conv2d(&g, 1, &x, -9, &w, &bias, &rq, &mut expected)
            });
            let mut out = vec![0i8; expected.len()];
            assert!(super::super::dsp::depthwise(
                &g, &x, -9, &w, &bias, &rq, &mut out
            ));
            assert_eq!(out, expected, "{c} channels, {k}x{k}, stride {stride}, dilation {dilation}, pad {pad}, width {in_w}");
        }
    }
}
