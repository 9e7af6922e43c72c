//! The int8 convolution on Arm's DSP extension (Cortex-M4 and M7): two
//! output pixels by two output channels at a time, each step two `SMLAD`s
//! (a dual 16-bit multiply-accumulate) per pixel and channel on four window
//! bytes. The weights are read in place from flash in their packed layout
//! ([`cnn_fixed::packed`]: a channel's four bytes of one group are one word,
//! its neighbour's the next) and widened in registers with `SXTB16`; the
//! patch is widened once, as it is gathered, into 16-bit pairs (bytes 0 and
//! 2, 1 and 3 of each group), which every output channel then reads.
//!
//! Depthwise convolutions take four channels at a time with `SMLABB` and
//! `SMLATT` (one 16-bit multiply-accumulate each) on a band of input rows
//! copied with the padding written out.
//!
//! Stable Rust has no intrinsics for these instructions: each is one line of
//! `asm!` on registers only, which LLVM schedules and allocates around. On
//! other targets (tests) each is emulated in plain Rust, so that the kernels
//! are tested on the host against the portable ones.

use super::conv::{gather_window, ConvGeometry, ConvWeights, PixelWalk};
use super::{ChannelScale, Requantize};
use cnn_fixed::packed;
#[cfg(cnn_arm_dsp)]
use core::arch::asm;

/// The signed low half of a word (the emulation of the instructions, for
/// tests on other targets).
#[cfg(not(cnn_arm_dsp))]
fn low(x: u32) -> i32 {
    i32::from(x as u16 as i16)
}

/// The signed high half of a word.
#[cfg(not(cnn_arm_dsp))]
fn high(x: u32) -> i32 {
    i32::from((x >> 16) as u16 as i16)
}

/// Bytes of the two widened patch rows (on the stack).
const PATCH: usize = 4096;
/// Output channels whose requantization is decoded at a time (8 bytes each,
/// on the stack); even, so that pairs of channels never straddle two.
const CHANNEL_CHUNK: usize = 64;

/// `acc + a.low * b.low + a.high * b.high` on signed 16-bit halves.
#[cfg(cnn_arm_dsp)]
#[inline(always)]
fn smlad(a: u32, b: u32, acc: i32) -> i32 {
    let out: i32;
    // SAFETY: SMLAD reads three registers and writes one; it touches no
    // memory and no stack (it may set the sticky Q flag, which nothing reads).
    unsafe {
        asm!("smlad {out}, {a}, {b}, {acc}", out = lateout(reg) out, a = in(reg) a,
             b = in(reg) b, acc = in(reg) acc, options(pure, nomem, nostack));
    }
    out
}

/// `acc + a.low * b.low + a.high * b.high` on signed 16-bit halves.
#[cfg(not(cnn_arm_dsp))]
#[inline(always)]
fn smlad(a: u32, b: u32, acc: i32) -> i32 {
    acc.wrapping_add(low(a) * low(b))
        .wrapping_add(high(a) * high(b))
}

/// Bytes 0 and 2 of `x`, sign-extended to 16-bit halves.
#[cfg(cnn_arm_dsp)]
#[inline(always)]
fn sxtb16(x: u32) -> u32 {
    let out: u32;
    // SAFETY: one register in, one out; no memory, stack or flags.
    unsafe {
        asm!("sxtb16 {out}, {x}", out = lateout(reg) out, x = in(reg) x,
             options(pure, nomem, nostack, preserves_flags));
    }
    out
}

/// Bytes 0 and 2 of `x`, sign-extended to 16-bit halves.
#[cfg(not(cnn_arm_dsp))]
#[inline(always)]
fn sxtb16(x: u32) -> u32 {
    let half = |byte: u32| u32::from((byte as u8 as i8) as i16 as u16);
    half(x) | half(x >> 16) << 16
}

/// Bytes 1 and 3 of `x`, sign-extended to 16-bit halves.
#[cfg(cnn_arm_dsp)]
#[inline(always)]
fn sxtb16_ror8(x: u32) -> u32 {
    let out: u32;
    // SAFETY: one register in, one out; no memory, stack or flags.
    unsafe {
        asm!("sxtb16 {out}, {x}, ror #8", out = lateout(reg) out, x = in(reg) x,
             options(pure, nomem, nostack, preserves_flags));
    }
    out
}

/// Bytes 1 and 3 of `x`, sign-extended to 16-bit halves.
#[cfg(not(cnn_arm_dsp))]
#[inline(always)]
fn sxtb16_ror8(x: u32) -> u32 {
    sxtb16(x.rotate_right(8))
}

/// `CONV_2D` with `SMLAD` (see the module), when two widened windows fit
/// the patch; `false` (nothing written) otherwise, when the weights are
/// not word-aligned, or for a multiplier of `i32::MIN`.
pub(super) fn conv2d(
    g: &ConvGeometry,
    input: &[i8],
    zp: i32,
    w: &ConvWeights,
    rq: &Requantize,
    output: &mut [i8],
) -> bool {
    let kp = packed::padded_window(g.k_h * g.k_w * g.in_c);
    let groups = kp / packed::GROUP;
    let Ok(words) = bytemuck::try_cast_slice::<u8, u32>(w.packed) else {
        return false;
    };
    if 2 * 2 * kp > PATCH || (0..g.out_c).any(|o| rq.channel(o).is_none()) {
        return false;
    }
    let (blocks, _) = words.as_chunks::<16>();
    let pixels = g.out_h * g.out_w;
    // One window (the patch holds two, widened to 16 bits: four bytes each).
    let mut bytes = [0u8; PATCH / 4];
    // Two pixels' windows as 16-bit pairs, interleaved: group `k` is
    // `wide[k] = [pixel 0's bytes 0 and 2, its bytes 1 and 3, pixel 1's
    // bytes 0 and 2, its bytes 1 and 3]`, one pointer for the inner loop.
    let mut wide = [[0u32; 4]; PATCH / 16];
    let wide = &mut wide[..groups];
    // A 1x1 stride-1 window without padding over whole groups of channels.
    let pointwise = g.k_h == 1
        && g.k_w == 1
        && g.stride_h == 1
        && g.stride_w == 1
        && g.pad_top == 0
        && g.pad_left == 0
        && g.in_c == kp
        && input.len() >= pixels * kp;
    // The output channels a chunk at a time, with their requantization
    // decoded once (a table for all of them would not fit a small stack).
    let mut scales = [ChannelScale::default(); CHANNEL_CHUNK];
    for first in (0..g.out_c).step_by(CHANNEL_CHUNK) {
        let last = g.out_c.min(first + CHANNEL_CHUNK);
        for (o, scale) in (first..last).zip(scales.iter_mut()) {
            *scale = rq.channel(o).unwrap_or_default();
        }
        let scales = &scales[..last - first];
        let mut at = PixelWalk::default();
        let mut p0 = 0;
        while p0 < pixels {
            let n = 2.min(pixels - p0);
            for i in 0..n {
                if pointwise {
                    // The pixel's channels are its window: read in place.
                    let (row, _) = input[(p0 + i) * kp..][..kp].as_chunks::<4>();
                    for (pairs, b) in wide.iter_mut().zip(row) {
                        let x = u32::from_le_bytes(b.map(|v| v as u8)) ^ 0x8080_8080;
                        pairs[2 * i] = x & 0x00FF_00FF;
                        pairs[2 * i + 1] = (x >> 8) & 0x00FF_00FF;
                    }
                    continue;
                }
                let row = &mut bytes[..kp];
                gather_window(g, input, zp, at.oy, at.ox, row);
                at.step(g.out_w);
                let (row, _) = row.as_chunks::<4>();
                for (pairs, b) in wide.iter_mut().zip(row) {
                    let x = u32::from_le_bytes(*b);
                    pairs[2 * i] = x & 0x00FF_00FF;
                    pairs[2 * i + 1] = (x >> 8) & 0x00FF_00FF;
                }
            }
            let rows = &mut output[p0 * g.out_c..][..n * g.out_c];
            let (row0, row1) = rows.split_at_mut(g.out_c);
            let (row0, mut row1) = (&mut row0[first..last], row1.get_mut(first..last));
            let mut o = 0;
            while o < scales.len() {
                let (c, lane) = (first + o, (first + o) % packed::BLOCK);
                let block = &blocks[c / packed::BLOCK * groups..][..groups];
                let (mut a0, mut a1, mut b0, mut b1) =
                    (w.bias[c], w.bias[c + 1], w.bias[c], w.bias[c + 1]);
                for (ws, x) in block.iter().zip(wide.iter()) {
                    let (w0e, w0o) = (sxtb16(ws[lane]), sxtb16_ror8(ws[lane]));
                    a0 = smlad(x[1], w0o, smlad(x[0], w0e, a0));
                    b0 = smlad(x[3], w0o, smlad(x[2], w0e, b0));
                    let (w1e, w1o) = (sxtb16(ws[lane + 1]), sxtb16_ror8(ws[lane + 1]));
                    a1 = smlad(x[1], w1o, smlad(x[0], w1e, a1));
                    b1 = smlad(x[3], w1o, smlad(x[2], w1e, b1));
                }
                requantize_pair(row0, o, [a0, a1], scales, rq);
                if let Some(row1) = row1.as_deref_mut() {
                    requantize_pair(row1, o, [b0, b1], scales, rq);
                }
                o += 2;
            }
            p0 += n;
        }
    }
    true
}

/// Output channels `o` and `o + 1` (when there is one) of `row`.
#[inline(always)]
fn requantize_pair(
    row: &mut [i8],
    o: usize,
    acc: [i32; 2],
    scales: &[ChannelScale],
    rq: &Requantize,
) {
    if let (Some(y), Some(scale)) = (row.get_mut(o), scales.get(o)) {
        *y = scale.apply(acc[0], rq);
    }
    if let (Some(y), Some(scale)) = (row.get_mut(o + 1), scales.get(o + 1)) {
        *y = scale.apply(acc[1], rq);
    }
}

/// `acc + a.low * b.low` on signed 16-bit halves.
#[cfg(cnn_arm_dsp)]
#[inline(always)]
fn smlabb(a: u32, b: u32, acc: i32) -> i32 {
    let out: i32;
    // SAFETY: as `smlad`: registers only.
    unsafe {
        asm!("smlabb {out}, {a}, {b}, {acc}", out = lateout(reg) out, a = in(reg) a,
             b = in(reg) b, acc = in(reg) acc, options(pure, nomem, nostack));
    }
    out
}

/// `acc + a.low * b.low` on signed 16-bit halves.
#[cfg(not(cnn_arm_dsp))]
#[inline(always)]
fn smlabb(a: u32, b: u32, acc: i32) -> i32 {
    acc.wrapping_add(low(a) * low(b))
}

/// `acc + a.high * b.high` on signed 16-bit halves.
#[cfg(cnn_arm_dsp)]
#[inline(always)]
fn smlatt(a: u32, b: u32, acc: i32) -> i32 {
    let out: i32;
    // SAFETY: as `smlad`: registers only.
    unsafe {
        asm!("smlatt {out}, {a}, {b}, {acc}", out = lateout(reg) out, a = in(reg) a,
             b = in(reg) b, acc = in(reg) acc, options(pure, nomem, nostack));
    }
    out
}

/// `acc + a.high * b.high` on signed 16-bit halves.
#[cfg(not(cnn_arm_dsp))]
#[inline(always)]
fn smlatt(a: u32, b: u32, acc: i32) -> i32 {
    acc.wrapping_add(high(a) * high(b))
}

/// Taps of a depthwise window whose weights, widened, fit on the stack.
const MAX_TAPS: usize = 64;

/// One tap of a depthwise window for one group of four channels: its
/// offset in words from the window's corner in the band (see
/// [`depthwise`]), and its four weights widened in pairs (channels 0 and 2,
/// 1 and 3).
#[derive(Clone, Copy, Default)]
struct Tap {
    word: usize,
    even: u32,
    odd: u32,
}

/// Four channels' accumulators plus one tap: `x`'s four input bytes times
/// the tap's weights.
#[inline(always)]
fn tap_mac(acc: [i32; 4], x: u32, tap: &Tap) -> [i32; 4] {
    let (xe, xo) = (sxtb16(x), sxtb16_ror8(x));
    [
        smlabb(xe, tap.even, acc[0]),
        smlabb(xo, tap.odd, acc[1]),
        smlatt(xe, tap.even, acc[2]),
        smlatt(xo, tap.odd, acc[3]),
    ]
}

/// Bytes of the band of input rows, padded, that a depthwise convolution
/// reads for one output row (on the stack).
const BAND: usize = 4096;

/// `DEPTHWISE_CONV_2D` with one output channel per input channel, four
/// channels at a time: the group's weights widened in pairs (`SXTB16`) and
/// its requantization decoded ([`super::ChannelScale`]) once, then per
/// output pixel and tap one word of inputs, widened, and four 16-bit
/// multiply-accumulates (`SMLABB`, `SMLATT`). Where the channels are whole
/// words and the rows one output row reads fit [`BAND`], they are first
/// copied there with the padding written out, so that every tap reads at a
/// fixed offset from its window's corner, with no test. `false` (nothing
/// written) for windows of more than [`MAX_TAPS`] taps, or a multiplier of
/// `i32::MIN`.
#[allow(clippy::too_many_arguments)]
pub(super) fn depthwise(
    g: &ConvGeometry,
    input: &[i8],
    zp: i32,
    weights: &[i8],
    bias: &[i32],
    rq: &Requantize,
    output: &mut [i8],
) -> bool {
    let n_taps = g.k_h * g.k_w;
    let c = g.out_c;
    if n_taps > MAX_TAPS || n_taps == 0 || (0..c).any(|ch| rq.channel(ch).is_none()) {
        return false;
    }
    let band_w = g.out_w.saturating_sub(1) * g.stride_w + (g.k_w - 1) * g.dilation_w + 1;
    let band_h = (g.k_h - 1) * g.dilation_h + 1;
    if c.is_multiple_of(4) && band_h * band_w * c <= BAND {
        depthwise_banded(g, input, zp, weights, bias, rq, output, band_w);
    } else {
        depthwise_by_taps(g, input, zp, weights, bias, rq, output);
    }
    true
}

/// Each tap's offset in words from its window's corner, in rows of
/// `row_words` words (the same for every group of channels).
#[inline(always)]
fn tap_offsets(g: &ConvGeometry, row_words: usize, taps: &mut [Tap]) {
    let mut taps = taps.iter_mut();
    for ky in 0..g.k_h {
        for kx in 0..g.k_w {
            if let Some(tap) = taps.next() {
                tap.word = ky * g.dilation_h * row_words + kx * g.dilation_w * g.out_c / 4;
            }
        }
    }
}

/// The group of four channels from `c0`: each tap's weights, widened; the
/// biases; the requantizations.
#[inline(always)]
fn group_taps(
    g: &ConvGeometry,
    weights: &[i8],
    bias: &[i32],
    rq: &Requantize,
    c0: usize,
    taps: &mut [Tap],
) -> ([i32; 4], [ChannelScale; 4]) {
    let (c, padded) = (g.out_c, packed::padded_channels(g.out_c));
    let rows = weights.get(c0..).unwrap_or(&[]);
    for (t, tap) in taps.iter_mut().enumerate() {
        // Weights are padded to whole blocks: four are always there.
        let w = word(rows, t * padded).unwrap_or(0);
        tap.even = sxtb16(w);
        tap.odd = sxtb16_ror8(w);
    }
    let bias = core::array::from_fn(|j| bias.get(c0 + j).copied().unwrap_or(0));
    let scale = core::array::from_fn(|j| rq.channel((c0 + j).min(c - 1)).unwrap_or_default());
    (bias, scale)
}

/// The depthwise convolution through a band of padded rows (see
/// [`depthwise`]); `c` a multiple of four.
#[allow(clippy::too_many_arguments)]
fn depthwise_banded(
    g: &ConvGeometry,
    input: &[i8],
    zp: i32,
    weights: &[i8],
    bias: &[i32],
    rq: &Requantize,
    output: &mut [i8],
    band_w: usize,
) {
    let c = g.out_c;
    let cw = c / 4;
    let zero_point = u32::from_le_bytes([zp as u8; 4]);
    let (words, _) = input.as_chunks::<4>();
    let row_words = band_w * cw;
    let band_h = (g.k_h - 1) * g.dilation_h + 1;
    let mut band = [0u32; BAND / 4];
    let band = &mut band[..band_h * row_words];
    let mut taps = [Tap::default(); MAX_TAPS];
    let taps = &mut taps[..g.k_h * g.k_w];
    tap_offsets(g, row_words, taps);
    // The band's columns: `pad_left` of padding, then the input's (as many
    // as the windows reach), then padding.
    let left = g.pad_left.min(band_w);
    let inner = g.in_w.min(band_w - left);
    for oy in 0..g.out_h {
        let iy0 = (oy * g.stride_h) as isize - g.pad_top as isize;
        for (r, row) in band.chunks_exact_mut(row_words).enumerate() {
            let iy = iy0 + r as isize;
            let line = usize::try_from(iy)
                .ok()
                .filter(|&iy| iy < g.in_h)
                .and_then(|iy| words.get(iy * g.in_w * cw..)?.get(..inner * cw));
            match line {
                Some(line) => {
                    let (pad, rest) = row.split_at_mut(left * cw);
                    pad.fill(zero_point);
                    let (copy, pad) = rest.split_at_mut(inner * cw);
                    for (d, s) in copy.iter_mut().zip(line) {
                        *d = u32::from_le_bytes(s.map(|v| v as u8));
                    }
                    pad.fill(zero_point);
                }
                None => row.fill(zero_point),
            }
        }
        let band = &*band;
        let out_row = &mut output[oy * g.out_w * c..][..g.out_w * c];
        for c0 in (0..c).step_by(4) {
            let (bias, scale) = group_taps(g, weights, bias, rq, c0, taps);
            let taps = &*taps;
            for ox in 0..g.out_w {
                let window = band.get(ox * g.stride_w * cw + c0 / 4..).unwrap_or(&[]);
                let mut acc = bias;
                for tap in taps {
                    acc = tap_mac(acc, window.get(tap.word).copied().unwrap_or(0), tap);
                }
                let out = &mut out_row[ox * c + c0..][..4];
                for ((y, a), scale) in out.iter_mut().zip(acc).zip(&scale) {
                    *y = scale.apply(a, rq);
                }
            }
        }
    }
}

/// The depthwise convolution tap by tap, testing each against the input's
/// bounds (see [`depthwise`]).
fn depthwise_by_taps(
    g: &ConvGeometry,
    input: &[i8],
    zp: i32,
    weights: &[i8],
    bias: &[i32],
    rq: &Requantize,
    output: &mut [i8],
) {
    let c = g.out_c;
    let zero_point = u32::from_le_bytes([zp as u8; 4]);
    let mut taps = [Tap::default(); MAX_TAPS];
    let taps = &mut taps[..g.k_h * g.k_w];
    for c0 in (0..c).step_by(4) {
        let n = 4.min(c - c0);
        let (bias, scale) = group_taps(g, weights, bias, rq, c0, taps);
        let taps = &*taps;
        for oy in 0..g.out_h {
            let iy0 = (oy * g.stride_h) as isize - g.pad_top as isize;
            for ox in 0..g.out_w {
                let ix0 = (ox * g.stride_w) as isize - g.pad_left as isize;
                let mut acc = bias;
                let mut taps = taps.iter();
                for ky in 0..g.k_h {
                    let iy = iy0 + (ky * g.dilation_h) as isize;
                    let row_inside = iy >= 0 && (iy as usize) < g.in_h;
                    for kx in 0..g.k_w {
                        let Some(tap) = taps.next() else { break };
                        let ix = ix0 + (kx * g.dilation_w) as isize;
                        let x = if row_inside && ix >= 0 && (ix as usize) < g.in_w {
                            // The group's channels, value by value.
                            let at = (iy as usize * g.in_w + ix as usize) * c + c0;
                            let mut b = [0u8; 4];
                            for (j, b) in b.iter_mut().enumerate().take(n) {
                                *b = input.get(at + j).map_or(0, |&v| v as u8);
                            }
                            u32::from_le_bytes(b)
                        } else {
                            zero_point
                        };
                        acc = tap_mac(acc, x, tap);
                    }
                }
                let out = &mut output[(oy * g.out_w + ox) * c + c0..][..n];
                for ((y, a), scale) in out.iter_mut().zip(acc).zip(&scale) {
                    *y = scale.apply(a, rq);
                }
            }
        }
    }
}

/// The little-endian word of `bytes` at `at`, if all four are there.
#[inline(always)]
fn word(bytes: &[i8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at + 4)?;
    Some(u32::from_le_bytes([
        b[0] as u8, b[1] as u8, b[2] as u8, b[3] as u8,
    ]))
}
