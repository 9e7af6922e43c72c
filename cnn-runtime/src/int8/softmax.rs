//! int8 `SOFTMAX` over the last axis: TensorFlow Lite's fixed-point recipe
//! (input differences to the row's maximum scaled to Q5.26, a fixed-point
//! `exp`, a Q12.19 sum, its reciprocal), output scale 1/256, zero point -128.

use super::fixed::saturating_rounding_doubling_high_mul as high_mul;
use super::fixed::{exp_on_negative_values, reciprocal, rescale, rounding_divide_by_pot};

/// The constants of an int8 softmax, from `beta` and the input scale.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SoftmaxParams {
    pub input_multiplier: i32,
    pub input_left_shift: i32,
    /// Differences below this (negative) value contribute nothing.
    pub diff_min: i32,
}

/// Integer bits of the scaled differences and of the sum of exponentials.
const DIFF_INTEGER_BITS: i32 = 5;
const SUM_INTEGER_BITS: i32 = 12;

/// Softmax of each run of `depth` values of `input`.
pub fn softmax(p: &SoftmaxParams, depth: usize, input: &[i8], output: &mut [i8]) {
    if depth == 0 {
        return;
    }
    for (x, y) in input
        .chunks_exact(depth)
        .zip(output.chunks_exact_mut(depth))
    {
        let max = x.iter().copied().max().unwrap_or(i8::MIN);
        let scaled_exp = |v: i8| {
            let diff = i32::from(v) - i32::from(max);
            (diff >= p.diff_min).then(|| {
                let scaled = high_mul(
                    diff.wrapping_shl(p.input_left_shift as u32),
                    p.input_multiplier,
                );
                exp_on_negative_values::<DIFF_INTEGER_BITS>(scaled)
            })
        };
        let mut sum = 0i32;
        for &v in x {
            if let Some(e) = scaled_exp(v) {
                sum = sum.wrapping_add(rescale(e, 0, SUM_INTEGER_BITS));
            }
        }
        let (scale, bits_over_unit) = reciprocal(sum, SUM_INTEGER_BITS);
        let exponent = (bits_over_unit + 31 - 8).clamp(0, 31) as u32;
        for (o, &v) in y.iter_mut().zip(x) {
            *o = match scaled_exp(v) {
                Some(e) => {
                    let unsat = rounding_divide_by_pot(high_mul(scale, e), exponent);
                    (unsat - 128).clamp(-128, 127) as i8
                }
                None => -128,
            };
        }
    }
}
