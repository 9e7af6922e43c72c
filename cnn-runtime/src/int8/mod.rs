//! int8 kernels with TensorFlow Lite's arithmetic: every output byte equals
//! what its reference kernels (and TensorFlow Lite Micro, and CMSIS-NN)
//! compute for the same `.tflite` file.
//!
//! What depends only on the file is computed by the compiler and reaches a
//! kernel as constants: per-channel multipliers and shifts, the input zero
//! point folded into the bias (`bias - zp_in * sum(w)`), activation clamps.
//! A kernel accumulates in i32 and requantizes once per output value.
//!
//! Layouts are TensorFlow Lite's: activations NHWC (batch 1), convolution
//! weights OHWI, depthwise weights 1HWC, fully connected weights (out, in).

/// Defines a kernel compiled twice: with AVX2 (chosen at run time when the
/// CPU has it; the same code, vectorized by the compiler for 256-bit
/// registers) and for the baseline instruction set. Both are one body, so
/// they compute the same bytes.
macro_rules! multiversion {
    ($(#[$attr:meta])* pub fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $body:block) => {
        $(#[$attr])*
        pub fn $name($($arg: $ty),*) {
            #[inline(always)]
            #[allow(clippy::too_many_arguments)]
            fn body($($arg: $ty),*) $body
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx2")]
                #[allow(clippy::too_many_arguments)]
                fn avx2($($arg: $ty),*) {
                    body($($arg),*)
                }
                if $crate::simd::Avx2Fma::detect().is_some() {
                    // SAFETY: `avx2` only needs AVX2, and `detect` found it
                    // on the running CPU.
                    return unsafe { avx2($($arg),*) };
                }
            }
            body($($arg),*)
        }
    };
}

pub mod conv;
mod dot;
#[cfg(any(cnn_arm_dsp, test))]
mod dsp;
/// TensorFlow Lite's integer arithmetic (the `cnn-fixed` crate).
pub use cnn_fixed as fixed;
pub mod elementwise;
pub mod fully_connected;
pub mod layout;
mod model;
pub mod pool;
/// Time per operator (the same table as float32 models; see [`crate::profile`]).
pub use crate::profile;
pub mod reduce;
pub mod softmax;

pub use model::{
    as_i8, bytes_of_f32, bytes_of_f32_mut, f32s, f32s_mut, operands, At, Int8Model, Int8Scratch,
};

use fixed::{multiply_by_quantized_multiplier, multiply_by_quantized_multiplier_single_rounding};

/// How an i32 accumulator becomes an int8 output: `zero_point +
/// MultiplyByQuantizedMultiplier(acc, multiplier[c], shift[c])`, clamped to
/// `[min, max]` (the fused activation's range within [-128, 127]).
#[derive(Clone, Copy, Debug)]
pub struct Requantize<'a> {
    /// Per output channel (or one value for the whole tensor).
    pub multiplier: &'a [i32],
    pub shift: &'a [i32],
    pub zero_point: i32,
    pub min: i32,
    pub max: i32,
}

impl Requantize<'_> {
    /// Multipliers and shifts for `channels` channels (or one for all), and
    /// a range that is not empty: what a kernel checks before it runs.
    pub fn covers(&self, channels: usize) -> bool {
        let n = self.multiplier.len();
        self.shift.len() == n && (n == 1 || n >= channels) && self.min <= self.max
    }

    /// Channel `c`'s multiplier and shift.
    #[inline(always)]
    fn of(&self, c: usize) -> (i32, i32) {
        if self.multiplier.len() == 1 {
            (self.multiplier[0], self.shift[0])
        } else {
            (self.multiplier[c], self.shift[c])
        }
    }

    /// The int8 value of channel `c`'s accumulator (two roundings, as
    /// TensorFlow Lite's reference convolutions). The kernels call it only
    /// after [`Requantize::covers`]: `min <= max`, so the clamp cannot panic.
    /// (A clamp here, not a function of our own: on Cortex-M4 the latter
    /// made the seed model take 10.2 M instructions instead of 6.3 M.)
    #[inline(always)]
    pub(crate) fn apply(&self, acc: i32, c: usize) -> i8 {
        let (m, s) = self.of(c);
        let v = multiply_by_quantized_multiplier(acc, m, s) + self.zero_point;
        v.clamp(self.min, self.max) as i8
    }

    /// Channel `c`'s multiplier and shift decoded once for [`ChannelScale::apply`],
    /// or `None` for the multiplier `i32::MIN`, the one value for which
    /// the doubling high multiply saturates (TensorFlow Lite never writes it:
    /// its multipliers lie in [2^30, 2^31)).
    #[cfg(any(cnn_arm_dsp, test))]
    #[inline(always)]
    pub(crate) fn channel(&self, c: usize) -> Option<ChannelScale> {
        let (multiplier, shift) = self.of(c);
        ChannelScale::new(multiplier, shift)
    }

    /// The same with one rounding, as TensorFlow Lite's reference
    /// `FULLY_CONNECTED` requantizes.
    #[inline(always)]
    pub(crate) fn apply_single_rounding(&self, acc: i32, c: usize) -> i8 {
        let (m, s) = self.of(c);
        let v = multiply_by_quantized_multiplier_single_rounding(acc, m, s) + self.zero_point;
        v.clamp(self.min, self.max) as i8
    }
}

/// One channel's requantization with its shift split into the left and the
/// right one in advance ([`Requantize::channel`]): per value, one 64-bit
/// multiply, two shifts and the clamp. Eight bytes, so that a kernel can keep
/// a table of them for all its channels on the stack.
#[cfg(any(cnn_arm_dsp, test))]
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct ChannelScale {
    multiplier: i32,
    left: u8,
    right: u8,
}

#[cfg(any(cnn_arm_dsp, test))]
impl ChannelScale {
    /// `multiplier` and `shift` decoded, or `None` for the multiplier
    /// `i32::MIN` (see [`Requantize::channel`]).
    #[inline(always)]
    pub(crate) fn new(multiplier: i32, shift: i32) -> Option<Self> {
        if multiplier == i32::MIN {
            return None;
        }
        Some(ChannelScale {
            multiplier,
            left: shift.clamp(0, 31) as u8,
            right: if shift > 0 {
                0
            } else {
                shift.unsigned_abs().min(31) as u8
            },
        })
    }

    /// `MultiplyByQuantizedMultiplier(x, multiplier, shift)`.
    #[inline(always)]
    pub(crate) fn scale(&self, x: i32) -> i32 {
        let product = i64::from(x.wrapping_shl(u32::from(self.left))) * i64::from(self.multiplier);
        let high = ((product + (1 << 30)) >> 31) as i32;
        // Rounding division by 2^right, ties away from zero.
        let mask = ((1u32 << self.right) - 1) as i32;
        let threshold = (mask >> 1) - (high >> 31);
        (high >> self.right) + i32::from(high & mask > threshold)
    }

    /// [`Requantize::apply`] of this channel, whose zero point and range
    /// `rq` gives.
    #[inline(always)]
    pub(crate) fn apply(&self, acc: i32, rq: &Requantize) -> i8 {
        (self.scale(acc) + rq.zero_point).max(rq.min).min(rq.max) as i8
    }
}

/// A tensor's quantization: `real = scale * (q - zero_point)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quantization {
    pub scale: f32,
    pub zero_point: i32,
}

impl Quantization {
    /// TensorFlow Lite's `QUANTIZE` of one value: `round(x / scale) +
    /// zero_point` (ties away from zero), saturated to int8. NaN gives the zero point.
    pub fn quantize(&self, x: f32) -> i8 {
        let q = libm::roundf(x / self.scale);
        let q = if q.is_nan() {
            0.0
        } else {
            q.clamp(-1.0e6, 1.0e6)
        };
        (q as i32 + self.zero_point).clamp(-128, 127) as i8
    }

    /// TensorFlow Lite's `DEQUANTIZE` of one value (in double, then rounded to f32).
    pub fn dequantize(&self, q: i8) -> f32 {
        (f64::from(self.scale) * f64::from(i32::from(q) - self.zero_point)) as f32
    }

    /// Quantizes `input` into `output`, value by value (as many as the shorter has).
    pub fn quantize_slice(&self, input: &[f32], output: &mut [i8]) {
        for (q, &x) in output.iter_mut().zip(input) {
            *q = self.quantize(x);
        }
    }

    /// Dequantizes `input` into `output`, value by value.
    pub fn dequantize_slice(&self, input: &[i8], output: &mut [f32]) {
        for (x, &q) in output.iter_mut().zip(input) {
            *x = self.dequantize(q);
        }
    }
}

/// The dot product of two int8 vectors, accumulated in i32.
#[inline(always)]
pub(crate) fn dot(a: &[i8], b: &[i8]) -> i32 {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| i32::from(x) * i32::from(y))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_channel_scale_requantizes_as_apply() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let extremes = [0, 1, -1, i32::MAX, i32::MIN, 1 << 30, -(1 << 30)];
        // (Fewer under Miri, where each case takes a thousand times longer.)
        for case in 0..if cfg!(miri) { 300 } else { 20_000 } {
            let multiplier = match case % 4 {
                0 => (1 << 30) + (next() % (1 << 30)) as i32,
                1 => i32::MAX,
                _ => next() as i32,
            };
            if multiplier == i32::MIN {
                continue;
            }
            let shift = (next() % 43) as i32 - 32;
            let (zero_point, min, max) = (
                (next() % 256) as i32 - 128,
                -128 + (next() % 64) as i32,
                127 - (next() % 64) as i32,
            );
            let (m, s) = ([multiplier], [shift]);
            let rq = Requantize {
                multiplier: &m,
                shift: &s,
                zero_point,
                min,
                max,
            };
            let scale = rq.channel(0).expect("not i32::MIN");
            let acc = match case % 3 {
                0 => extremes[(next() % 7) as usize],
                1 => (next() % 100_000) as i32 - 50_000,
                _ => next() as i32,
            };
            // (Accumulators whose requantized value overflows i32 with the
            // zero point added exist only here: both would wrap.)
            if multiply_by_quantized_multiplier(acc, multiplier, shift)
                .checked_add(zero_point)
                .is_none()
            {
                continue;
            }
            assert_eq!(
                scale.apply(acc, &rq),
                rq.apply(acc, 0),
                "{acc} {multiplier} {shift}"
            );
        }
        let (m, s) = ([i32::MIN], [0]);
        let rq = Requantize {
            multiplier: &m,
            shift: &s,
            zero_point: 0,
            min: -128,
            max: 127,
        };
        assert!(rq.channel(0).is_none());
    }

    #[test]
    fn quantize_rounds_half_away_and_saturates() {
        let q = Quantization {
            scale: 0.5,
            zero_point: -10,
        };
        assert_eq!(q.quantize(0.25), -9);
        assert_eq!(q.quantize(-0.25), -11);
        assert_eq!(q.quantize(1000.0), 127);
        assert_eq!(q.quantize(-1000.0), -128);
        assert_eq!(q.quantize(f32::NAN), -10);
        assert_eq!(q.quantize(f32::INFINITY), 127);
        assert_eq!(q.dequantize(-8), 1.0);
    }
}
