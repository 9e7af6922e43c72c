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
