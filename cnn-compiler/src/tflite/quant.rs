//! TensorFlow Lite's compile-time quantization arithmetic: how a real
//! multiplier is stored as a Q31 value and a power-of-two shift, and the
//! softmax input radius. The kernels' run-time half is `cnn_runtime::int8::fixed`.

/// A real multiplier `m > 0` as TensorFlow Lite stores it: `m = multiplier /
/// 2^31 * 2^shift` with `multiplier` in `[2^30, 2^31)` (its `QuantizeMultiplier`:
/// frexp, then the fraction times 2^31 rounded half away from zero). Zero,
/// non-finite values and multipliers below `2^-31` give `(0, 0)`.
pub fn quantize_multiplier(real: f64) -> (i32, i32) {
    if real == 0.0 || !real.is_finite() {
        return (0, 0);
    }
    let (fraction, mut shift) = frexp(real);
    let mut fixed = (fraction * (1u64 << 31) as f64).round() as i64;
    if fixed == 1 << 31 {
        fixed /= 2;
        shift += 1;
    }
    if shift < -31 {
        return (0, 0);
    }
    (fixed as i32, shift)
}

/// `x = fraction * 2^exponent` with `fraction` in `[0.5, 1)` (C's `frexp`), for
/// finite nonzero `x`.
fn frexp(x: f64) -> (f64, i32) {
    let bits = x.to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as i32;
    if exponent == 0 {
        // Subnormal: scale into the normal range first.
        let (fraction, e) = frexp(x * (1u64 << 54) as f64);
        return (fraction, e - 54);
    }
    let fraction = f64::from_bits((bits & !(0x7ffu64 << 52)) | (1022u64 << 52));
    (fraction, exponent - 1022)
}

/// The largest input difference (in raw input steps) whose scaled value
/// still fits `integer_bits` integer bits: TensorFlow Lite's
/// `CalculateInputRadius` with 31 signed bits.
pub fn softmax_input_radius(integer_bits: i32, left_shift: i32) -> i32 {
    let max = f64::from((1i32 << integer_bits) - 1) * (1u64 << (31 - integer_bits)) as f64
        / (1u64 << left_shift.clamp(0, 62)) as f64;
    max.floor() as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantized_multipliers_equal_the_real_ones() {
        for real in [
            0.5,
            0.75,
            1e-3,
            3.5,
            1.0 / 3.0,
            2.0e-6,
            0.9999999999,
            1e-310,
        ] {
            let (m, shift) = quantize_multiplier(real);
            if real < 1e-300 {
                assert_eq!((m, shift), (0, 0));
                continue;
            }
            assert!((1 << 30..=i32::MAX).contains(&m), "{real}: {m}");
            let back = m as f64 / (1u64 << 31) as f64 * 2f64.powi(shift);
            assert!((back - real).abs() <= real * 1e-9, "{real}: {back}");
        }
        assert_eq!(quantize_multiplier(0.0), (0, 0));
        assert_eq!(quantize_multiplier(1e-12), (0, 0));
        assert_eq!(quantize_multiplier(f64::NAN), (0, 0));
        // Rounds up to 2^31: halved, one more shift.
        assert_eq!(quantize_multiplier(1.0 - 1e-12), (1 << 30, 1));
        assert_eq!(quantize_multiplier(0.25), (1 << 30, -1));
    }

    #[test]
    fn softmax_radius() {
        // 31 * 2^26 / 2^left_shift, floored.
        assert_eq!(softmax_input_radius(5, 26), 31);
        assert_eq!(softmax_input_radius(5, 20), 31 * 64);
    }
}
