//! The int8 convolution on Arm's DSP extension (Cortex-M4 and M7): two
//! output pixels by two output channels at a time, each step two `SMLAD`s
//! (a dual 16-bit multiply-accumulate) per pixel and channel on four window
//! bytes. The weights are read in place from flash in their packed layout
//! ([`cnn_fixed::packed`]: a channel's four bytes of one group are one word,
//! its neighbour's the next) and widened in registers with `SXTB16`; the
//! patch is widened once, as it is gathered, into 16-bit pairs (bytes 0 and
//! 2, 1 and 3 of each group), which every output channel then reads.
//!
//! Stable Rust has no intrinsics for these instructions: each is one line of
//! `asm!` on registers only, which LLVM schedules and allocates around.

use super::conv::{gather_window, ConvGeometry, ConvWeights, PixelWalk};
use super::Requantize;
use cnn_fixed::packed;
use core::arch::asm;

/// Bytes of the two widened patch rows (on the stack).
const PATCH: usize = 4096;

/// `acc + a.low * b.low + a.high * b.high` on signed 16-bit halves.
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

/// Bytes 0 and 2 of `x`, sign-extended to 16-bit halves.
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

/// Bytes 1 and 3 of `x`, sign-extended to 16-bit halves.
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

/// `CONV_2D` with `SMLAD` (see the module), when two widened windows fit
/// the patch; `false` (nothing written) otherwise, or when the weights are
/// not word-aligned.
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
    if 2 * 2 * kp > PATCH {
        return false;
    }
    let (blocks, _) = words.as_chunks::<16>();
    let pixels = g.out_h * g.out_w;
    let mut bytes = [0u8; PATCH / 2];
    // Two pixels' windows as 16-bit pairs, interleaved: group `k` is
    // `wide[k] = [pixel 0's bytes 0 and 2, its bytes 1 and 3, pixel 1's
    // bytes 0 and 2, its bytes 1 and 3]`, one pointer for the inner loop.
    let mut wide = [[0u32; 4]; PATCH / 16];
    let wide = &mut wide[..groups];
    let mut at = PixelWalk::default();
    let mut p0 = 0;
    while p0 < pixels {
        let n = 2.min(pixels - p0);
        for i in 0..n {
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
        let mut o = 0;
        while o < g.out_c {
            let lane = o % packed::BLOCK;
            let block = &blocks[o / packed::BLOCK * groups..][..groups];
            let (mut a0, mut a1, mut b0, mut b1) =
                (w.bias[o], w.bias[o + 1], w.bias[o], w.bias[o + 1]);
            for (ws, x) in block.iter().zip(wide.iter()) {
                let (w0e, w0o) = (sxtb16(ws[lane]), sxtb16_ror8(ws[lane]));
                a0 = smlad(x[1], w0o, smlad(x[0], w0e, a0));
                b0 = smlad(x[3], w0o, smlad(x[2], w0e, b0));
                let (w1e, w1o) = (sxtb16(ws[lane + 1]), sxtb16_ror8(ws[lane + 1]));
                a1 = smlad(x[1], w1o, smlad(x[0], w1e, a1));
                b1 = smlad(x[3], w1o, smlad(x[2], w1e, b1));
            }
            let acc = [a0, a1, b0, b1];
            for i in 0..n {
                let out = &mut output[(p0 + i) * g.out_c..][..g.out_c];
                out[o] = rq.apply(acc[2 * i], o);
                if o + 1 < g.out_c {
                    out[o + 1] = rq.apply(acc[2 * i + 1], o + 1);
                }
            }
            o += 2;
        }
        p0 += n;
    }
    true
}

/// `acc + a.low * b.low` on signed 16-bit halves.
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

/// `acc + a.high * b.high` on signed 16-bit halves.
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

/// Taps of a depthwise window whose input offsets fit on the stack.
const MAX_TAPS: usize = 64;

/// `DEPTHWISE_CONV_2D` with one output channel per input channel, four
/// channels at a time: per tap one word of inputs and one of weights,
/// widened in pairs (`SXTB16`), four 16-bit multiply-accumulates (`SMLABB`,
/// `SMLATT`). Each tap's input offset is computed once per output pixel.
/// `false` (nothing written) for windows of more than [`MAX_TAPS`] taps.
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
    const OUTSIDE: usize = usize::MAX;
    let n_taps = g.k_h * g.k_w;
    if n_taps > MAX_TAPS {
        return false;
    }
    let c = g.out_c;
    let padded = packed::padded_channels(c);
    let zero_point = u32::from_le_bytes([zp as u8; 4]);
    let word = |bytes: &[i8], at: usize| -> Option<u32> {
        let b = bytes.get(at..at + 4)?;
        Some(u32::from_le_bytes([
            b[0] as u8, b[1] as u8, b[2] as u8, b[3] as u8,
        ]))
    };
    let mut offsets = [OUTSIDE; MAX_TAPS];
    for oy in 0..g.out_h {
        for ox in 0..g.out_w {
            let iy0 = (oy * g.stride_h) as isize - g.pad_top as isize;
            let ix0 = (ox * g.stride_w) as isize - g.pad_left as isize;
            for (ky, row) in offsets[..n_taps].chunks_exact_mut(g.k_w.max(1)).enumerate() {
                let iy = iy0 + (ky * g.dilation_h) as isize;
                for (kx, offset) in row.iter_mut().enumerate() {
                    let ix = ix0 + (kx * g.dilation_w) as isize;
                    let inside =
                        iy >= 0 && ix >= 0 && (iy as usize) < g.in_h && (ix as usize) < g.in_w;
                    *offset = if inside {
                        (iy as usize * g.in_w + ix as usize) * c
                    } else {
                        OUTSIDE
                    };
                }
            }
            let offsets = &offsets[..n_taps];
            let out = &mut output[(oy * g.out_w + ox) * c..][..c];
            let mut c0 = 0;
            while c0 < c {
                let n = 4.min(c - c0);
                let (mut a0, mut a1, mut a2, mut a3) =
                    (bias[c0], bias[c0 + 1], bias[c0 + 2], bias[c0 + 3]);
                for (t, &offset) in offsets.iter().enumerate() {
                    // Weights are padded to whole blocks: four are always there.
                    let w = word(weights, t * padded + c0).unwrap_or(0);
                    let x = if offset == OUTSIDE {
                        zero_point
                    } else {
                        // Past the input's end (a partial group of the
                        // last pixel): the channels there, value by value.
                        word(input, offset + c0).unwrap_or_else(|| {
                            let mut b = [0u8; 4];
                            for (j, b) in b.iter_mut().enumerate().take(n) {
                                *b = input.get(offset + c0 + j).map_or(0, |&v| v as u8);
                            }
                            u32::from_le_bytes(b)
                        })
                    };
                    let (xe, xo, we, wo) = (sxtb16(x), sxtb16_ror8(x), sxtb16(w), sxtb16_ror8(w));
                    a0 = smlabb(xe, we, a0);
                    a2 = smlatt(xe, we, a2);
                    a1 = smlabb(xo, wo, a1);
                    a3 = smlatt(xo, wo, a3);
                }
                for (j, (y, a)) in out[c0..c0 + n].iter_mut().zip([a0, a1, a2, a3]).enumerate() {
                    *y = rq.apply(a, c0 + j);
                }
                c0 += n;
            }
        }
    }
    true
}
