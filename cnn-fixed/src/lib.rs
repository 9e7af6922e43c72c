//! TensorFlow Lite's integer arithmetic, bit for bit: the rounding doubling
//! high multiply, the rounding shift, the multiplier-and-shift requantization
//! and the fixed-point `exp`, reciprocal and softmax helpers of its quantized
//! kernels (gemmlowp's `fixedpoint.h` semantics, double rounding as TensorFlow
//! is built by default).
//!
//! Every function here is `const` and total: no input overflows or panics.
//! The runtime's int8 kernels run them per value; the compiler runs the same
//! code over all 256 int8 inputs of an element-wise operator to make its
//! lookup table. One implementation, so both compute the same bytes.
#![no_std]

pub mod packed;

/// `round(a * b / 2^31)`, positive ties up and negative ties toward zero, saturated: the only
/// overflowing case, `i32::MIN * i32::MIN`, gives `i32::MAX` (Arm's `VQRDMULH`).
#[inline(always)]
pub const fn saturating_rounding_doubling_high_mul(a: i32, b: i32) -> i32 {
    if a == i32::MIN && b == i32::MIN {
        return i32::MAX;
    }
    let ab = a as i64 * b as i64;
    // gemmlowp adds 2^30 (or 1 - 2^30 below zero) and divides by 2^31
    // truncating toward zero; for either sign that is the floor of
    // `(ab + 2^30) / 2^31`: one arithmetic shift, no branch (on a Cortex-M4,
    // a third of the instructions).
    ((ab + (1 << 30)) >> 31) as i32
}

/// `x / 2^exponent` rounded to nearest, ties away from zero; `exponent` in 0..=31.
#[inline(always)]
pub const fn rounding_divide_by_pot(x: i32, exponent: u32) -> i32 {
    let exponent = if exponent > 31 { 31 } else { exponent };
    let mask = ((1i64 << exponent) - 1) as i32;
    let remainder = x & mask;
    let threshold = (mask >> 1) + (x < 0) as i32;
    (x >> exponent) + (remainder > threshold) as i32
}

/// `x * 2^exponent`, saturated to the i32 range: gemmlowp's
/// `SaturatingRoundingMultiplyByPOT` for a positive exponent.
#[inline(always)]
const fn saturating_shift_left(x: i32, exponent: u32) -> i32 {
    let threshold = (1i32 << (31 - exponent)) - 1;
    if x > threshold {
        i32::MAX
    } else if x < -threshold {
        i32::MIN
    } else {
        x << exponent
    }
}

/// TensorFlow Lite's `MultiplyByQuantizedMultiplier`: `x * multiplier * 2^shift
/// / 2^31`, with the left shift applied before the rounding high multiply and
/// the right shift after it (two roundings).
#[inline(always)]
pub const fn multiply_by_quantized_multiplier(x: i32, multiplier: i32, shift: i32) -> i32 {
    let left = if shift > 0 { shift as u32 } else { 0 };
    let right = if shift > 0 { 0 } else { shift.unsigned_abs() };
    rounding_divide_by_pot(
        saturating_rounding_doubling_high_mul(x.wrapping_shl(left), multiplier),
        right,
    )
}

/// `MultiplyByQuantizedMultiplier` with one rounding: `round(x * multiplier /
/// 2^(31 - shift))`, ties up, in 64 bits (TensorFlow Lite's single-rounding
/// form, which its reference `FULLY_CONNECTED` uses). `shift` in -31..=30.
#[inline(always)]
pub const fn multiply_by_quantized_multiplier_single_rounding(
    x: i32,
    multiplier: i32,
    shift: i32,
) -> i32 {
    let total_shift = 31
        - if shift < -31 {
            -31
        } else if shift > 30 {
            30
        } else {
            shift
        };
    let round = 1i64 << (total_shift - 1);
    ((x as i64 * multiplier as i64 + round) >> total_shift) as i32
}

/// Fixed-point numbers with `INT` integer bits in an i32 (gemmlowp's
/// `FixedPoint<int32_t, INT>`): only the operations softmax needs.
mod q {
    use super::{
        rounding_divide_by_pot, saturating_rounding_doubling_high_mul, saturating_shift_left,
    };

    /// A raw value, its format given by each caller.
    pub type Raw = i32;

    /// Changes the number of integer bits from `from` to `to`.
    #[inline(always)]
    pub const fn rescale(x: Raw, from: i32, to: i32) -> Raw {
        let exponent = from - to;
        if exponent > 0 {
            saturating_shift_left(x, exponent as u32)
        } else if exponent < 0 {
            rounding_divide_by_pot(x, (-exponent) as u32)
        } else {
            x
        }
    }

    /// The product; integer bits add up.
    #[inline(always)]
    pub const fn mul(a: Raw, b: Raw) -> Raw {
        saturating_rounding_doubling_high_mul(a, b)
    }

    /// `(a + b) / 2`, rounded to nearest (gemmlowp's `RoundingHalfSum`).
    #[inline(always)]
    pub const fn rounding_half_sum(a: Raw, b: Raw) -> Raw {
        let sum = a as i64 + b as i64;
        let sign = if sum >= 0 { 1 } else { -1 };
        ((sum + sign) / 2) as i32
    }
}

/// `exp(x)` for `x` in `[-1/4, 0)`, both Q0.31: a Taylor expansion around -1/8.
#[inline(always)]
const fn exp_on_interval_between_negative_one_quarter_and_0_excl(a: i32) -> i32 {
    const EXP_MINUS_ONE_EIGHTH: i32 = 1_895_147_668;
    const ONE_THIRD: i32 = 715_827_883;
    let x = a.wrapping_add(1 << 28);
    let x2 = q::mul(x, x);
    let x3 = q::mul(x2, x);
    let x4 = q::mul(x2, x2);
    let x4_over_4 = rounding_divide_by_pot(x4, 2);
    let poly = rounding_divide_by_pot(
        q::mul(x4_over_4.wrapping_add(x3), ONE_THIRD).wrapping_add(x2),
        1,
    );
    EXP_MINUS_ONE_EIGHTH.wrapping_add(q::mul(EXP_MINUS_ONE_EIGHTH, x.wrapping_add(poly)))
}

/// `exp(a)` for `a <= 0` with `INT` integer bits (Q`INT`.`31-INT`), as Q0.31.
#[inline(always)]
pub const fn exp_on_negative_values<const INT: i32>(a: i32) -> i32 {
    let fractional = 31 - INT;
    let one_quarter = 1i32 << (fractional - 2);
    let mask = one_quarter - 1;
    let a_mod_quarter_minus_one_quarter = (a & mask) - one_quarter;
    let mut result = exp_on_interval_between_negative_one_quarter_and_0_excl(q::rescale(
        a_mod_quarter_minus_one_quarter,
        INT,
        0,
    ));
    let remainder = a_mod_quarter_minus_one_quarter.wrapping_sub(a);
    // exp(-2^e) for e = -2 ..= 4, Q0.31: a barrel shifter over the remainder's bits.
    const MULTIPLIERS: [(i32, i32); 7] = [
        (-2, 1_672_461_947),
        (-1, 1_302_514_674),
        (0, 790_015_084),
        (1, 290_630_308),
        (2, 39_332_535),
        (3, 720_401),
        (4, 242),
    ];
    let mut i = 0;
    while i < MULTIPLIERS.len() {
        let (exponent, multiplier) = MULTIPLIERS[i];
        if INT > exponent {
            let bit = fractional + exponent;
            if remainder & (1 << bit) != 0 {
                result = q::mul(result, multiplier);
            }
        }
        i += 1;
    }
    if INT > 5 {
        let clamp = -(1i32 << (36 - INT));
        if a < clamp {
            result = 0;
        }
    }
    if a == 0 {
        result = i32::MAX;
    }
    result
}

/// `1 / (1 + x)` for `x` in `[0, 1)`, Q0.31 in and out: three Newton-Raphson steps.
#[inline(always)]
pub const fn one_over_one_plus_x_for_x_in_0_1(a: i32) -> i32 {
    const ONE_Q2: i32 = 1 << 29;
    const C48_OVER_17: i32 = 1_515_870_810;
    const NEG_32_OVER_17: i32 = -1_010_580_540;
    let half_denominator = q::rounding_half_sum(a, i32::MAX);
    let mut x = C48_OVER_17.wrapping_add(q::mul(half_denominator, NEG_32_OVER_17));
    let mut i = 0;
    while i < 3 {
        let half_denominator_times_x = q::mul(half_denominator, x);
        let one_minus = ONE_Q2.wrapping_sub(half_denominator_times_x);
        x = x.wrapping_add(q::rescale(q::mul(x, one_minus), 4, 2));
        i += 1;
    }
    q::rescale(x, 1, 0)
}

/// `1 / x` for `x` with `integer_digits` integer bits: the Q0.31 mantissa and
/// how many bits the result must be shifted right (TensorFlow Lite's
/// `GetReciprocal`).
#[inline(always)]
pub const fn reciprocal(x: i32, integer_digits: i32) -> (i32, i32) {
    let headroom_plus_one = (x as u32).leading_zeros() as i32;
    let bits_over_unit = integer_digits - headroom_plus_one;
    let shifted_minus_one =
        ((x as u32).wrapping_shl(headroom_plus_one as u32)).wrapping_sub(1u32 << 31) as i32;
    (
        one_over_one_plus_x_for_x_in_0_1(shifted_minus_one),
        bits_over_unit,
    )
}

/// Rescales `x` between fixed-point formats (public for the softmax kernel).
#[inline(always)]
pub const fn rescale(x: i32, from_integer_bits: i32, to_integer_bits: i32) -> i32 {
    q::rescale(x, from_integer_bits, to_integer_bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn high_mul_rounds_half_away_and_saturates() {
        assert_eq!(
            saturating_rounding_doubling_high_mul(i32::MIN, i32::MIN),
            i32::MAX
        );
        assert_eq!(
            saturating_rounding_doubling_high_mul(1 << 30, 1 << 30),
            1 << 29
        );
        // 3 * 2^30 / 2^31 = 1.5 -> 2, but -1.5 -> -1: gemmlowp's negative
        // nudge is 1 - 2^30, so a negative tie goes toward zero.
        assert_eq!(saturating_rounding_doubling_high_mul(3, 1 << 30), 2);
        assert_eq!(saturating_rounding_doubling_high_mul(-3, 1 << 30), -1);
        assert_eq!(saturating_rounding_doubling_high_mul(-5, 1 << 30), -2);
    }

    #[test]
    fn rounding_divide_rounds_half_away_from_zero() {
        assert_eq!(rounding_divide_by_pot(5, 1), 3);
        assert_eq!(rounding_divide_by_pot(-5, 1), -3);
        assert_eq!(rounding_divide_by_pot(-6, 2), -2);
        assert_eq!(rounding_divide_by_pot(7, 0), 7);
        assert_eq!(rounding_divide_by_pot(i32::MIN, 31), -1);
    }

    #[test]
    fn requantization_multiplies() {
        // 0.25 = 2^30 / 2^31 * 2^-1; 3 = 0.75 * 2^2.
        assert_eq!(multiply_by_quantized_multiplier(1000, 1 << 30, -1), 250);
        assert_eq!(multiply_by_quantized_multiplier(-1002, 1 << 30, -1), -251);
        assert_eq!(multiply_by_quantized_multiplier(-7, 3 << 29, 2), -21);
        // One rounding: -250.5 goes up to -250; two roundings give -251.
        assert_eq!(
            multiply_by_quantized_multiplier_single_rounding(-1002, 1 << 30, -1),
            -250
        );
        assert_eq!(
            multiply_by_quantized_multiplier_single_rounding(1000, 1 << 30, -1),
            250
        );
        // Out of the contract (the product overflows i32): wraps, never panics.
        let _ = multiply_by_quantized_multiplier_single_rounding(i32::MIN, i32::MAX, 30);
        let _ = multiply_by_quantized_multiplier_single_rounding(i32::MAX, i32::MAX, -40);
    }

    /// gemmlowp's formula, as written there: a nudge by sign, then a division
    /// truncating toward zero.
    fn srdhm_as_gemmlowp(a: i32, b: i32) -> i32 {
        if a == i32::MIN && b == i32::MIN {
            return i32::MAX;
        }
        let ab = a as i64 * b as i64;
        let nudge: i64 = if ab >= 0 { 1 << 30 } else { 1 - (1 << 30) };
        ((ab + nudge) / (1i64 << 31)) as i32
    }

    #[test]
    fn the_shift_equals_gemmlowp_s_rounding_division() {
        let mut values = [0i32; 96];
        for (i, v) in values.iter_mut().enumerate() {
            *v = match i {
                0..31 => 1 << i,
                31..62 => -(1 << (i - 31)),
                62 => i32::MIN,
                63 => i32::MAX,
                _ => (i as i32 - 80) * 0x0123_4567,
            };
        }
        let mut state = 0x2545_F491u32;
        for a in values
            .iter()
            .flat_map(|&v| [v, v.wrapping_add(1), v.wrapping_sub(1)])
        {
            for b in values
                .iter()
                .flat_map(|&v| [v, v.wrapping_add(1), v.wrapping_sub(1)])
            {
                assert_eq!(
                    saturating_rounding_doubling_high_mul(a, b),
                    srdhm_as_gemmlowp(a, b),
                    "{a} {b}"
                );
            }
        }
        for _ in 0..100_000 {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let a = state as i32;
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let b = state as i32 >> (state % 31);
            assert_eq!(
                saturating_rounding_doubling_high_mul(a, b),
                srdhm_as_gemmlowp(a, b),
                "{a} {b}"
            );
        }
    }

    #[test]
    fn fixed_point_exp_and_reciprocal_are_close_to_the_real_ones() {
        for i in 0..200 {
            let x = -(i as f64) * 0.08; // down to -16
            let raw = (x * (1 << 26) as f64) as i32; // Q5.26
            let e = exp_on_negative_values::<5>(raw) as f64 / (1u64 << 31) as f64;
            assert!((e - x.exp()).abs() < 2e-6, "exp({x}) = {e}");
        }
        for i in 0..100 {
            let x = i as f64 / 100.0;
            let raw = (x * (1u64 << 31) as f64) as i32;
            let r = one_over_one_plus_x_for_x_in_0_1(raw) as f64 / (1u64 << 31) as f64;
            assert!((r - 1.0 / (1.0 + x)).abs() < 1e-8, "1/(1+{x}) = {r}");
        }
    }
}
