//! int8 element-wise operators: `ADD`, `SUB`, `MUL`, `GREATER` and
//! `SELECT_V2`, each with TensorFlow Lite's recipe (all multipliers computed by
//! the compiler). An operand may be broadcast along the last axes: a constant
//! scalar, or a per-channel vector, repeats with its own length as period.

use super::dot::{dispatch, Dot16, OnLanes};
use super::fixed::multiply_by_quantized_multiplier;

/// `ADD` or `SUB`: each input rescaled to a common scale with `left_shift`
/// bits of headroom, added or subtracted, rescaled to the output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddParams {
    /// `-zero_point` of each input.
    pub input_offset: [i32; 2],
    pub input_multiplier: [i32; 2],
    pub input_shift: [i32; 2],
    pub left_shift: u32,
    pub output_multiplier: i32,
    pub output_shift: i32,
    pub output_zero_point: i32,
    pub min: i32,
    pub max: i32,
    /// `SUB`: the second input is subtracted.
    pub subtract: bool,
}

impl AddParams {
    /// One output byte (`min <= max`: the kernels check it).
    #[inline(always)]
    pub(crate) fn apply(&self, a: i8, b: i8) -> i8 {
        let scaled = |x: i8, i: usize| {
            let shifted = (i32::from(x) + self.input_offset[i]) << self.left_shift;
            multiply_by_quantized_multiplier(shifted, self.input_multiplier[i], self.input_shift[i])
        };
        let raw = if self.subtract {
            scaled(a, 0) - scaled(b, 1)
        } else {
            scaled(a, 0) + scaled(b, 1)
        };
        let y = multiply_by_quantized_multiplier(raw, self.output_multiplier, self.output_shift)
            + self.output_zero_point;
        y.clamp(self.min, self.max) as i8
    }
}

/// `MUL`: `zp_out + (a - zp_a) * (b - zp_b) * multiplier`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MulParams {
    pub input_offset: [i32; 2],
    pub output_multiplier: i32,
    pub output_shift: i32,
    pub output_zero_point: i32,
    pub min: i32,
    pub max: i32,
}

impl MulParams {
    /// One output byte (`min <= max`: the kernels check it).
    #[inline(always)]
    pub(crate) fn apply(&self, a: i8, b: i8) -> i8 {
        let product = (i32::from(a) + self.input_offset[0]) * (i32::from(b) + self.input_offset[1]);
        let y =
            multiply_by_quantized_multiplier(product, self.output_multiplier, self.output_shift)
                + self.output_zero_point;
        y.clamp(self.min, self.max) as i8
    }
}

/// `GREATER` of two quantized values: both rescaled to a common scale (8
/// bits of headroom), then compared; the output is a boolean byte (0 or 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CompareParams {
    pub input_offset: [i32; 2],
    pub input_multiplier: [i32; 2],
    pub input_shift: [i32; 2],
    pub left_shift: u32,
}

impl CompareParams {
    #[inline(always)]
    pub fn apply(&self, a: i8, b: i8) -> i8 {
        let scaled = |x: i8, i: usize| {
            let shifted = (i32::from(x) + self.input_offset[i]) << self.left_shift;
            multiply_by_quantized_multiplier(shifted, self.input_multiplier[i], self.input_shift[i])
        };
        i8::from(scaled(a, 0) > scaled(b, 1))
    }
}

/// `output[i] = f(a[i], b[i])`, where an operand shorter than the output
/// repeats with its length as period (broadcast along the last axes). Each
/// operand's length divides the output's (the compiler checks).
#[inline(always)]
pub fn broadcast<A: Copy, B: Copy, Y>(a: &[A], b: &[B], output: &mut [Y], f: impl Fn(A, B) -> Y) {
    let n = output.len();
    if a.len() == n && b.len() == n {
        for ((y, &a), &b) in output.iter_mut().zip(a).zip(b) {
            *y = f(a, b);
        }
    } else if a.len() == n && !b.is_empty() {
        for (y, a) in output.chunks_mut(b.len()).zip(a.chunks(b.len())) {
            for ((y, &a), &b) in y.iter_mut().zip(a).zip(b) {
                *y = f(a, b);
            }
        }
    } else if b.len() == n && !a.is_empty() {
        for (y, b) in output.chunks_mut(a.len()).zip(b.chunks(a.len())) {
            for ((y, &a), &b) in y.iter_mut().zip(a).zip(b) {
                *y = f(a, b);
            }
        }
    }
}

/// `ADD` / `SUB` with broadcasting (nothing when `min > max`).
pub fn add(p: &AddParams, a: &[i8], b: &[i8], output: &mut [i8]) {
    if p.min > p.max {
        return;
    }
    if a.len() == output.len() && b.len() == output.len() {
        // Two tensors of the same shape (a residual connection): on a
        // microcontroller value by value, elsewhere sixteen at a time.
        #[cfg(cnn_arm_dsp)]
        if add_decoded(p, a, b, output) {
            return;
        }
        struct Add<'a> {
            p: &'a AddParams,
            a: &'a [i8],
            b: &'a [i8],
            output: &'a mut [i8],
        }
        impl OnLanes for Add<'_> {
            type Output = ();
            #[inline(always)]
            fn call<L: Dot16>(self, l: L) {
                add_lanes(l, self.p, self.a, self.b, self.output);
            }
        }
        dispatch(Add { p, a, b, output });
    } else {
        broadcast(a, b, output, |a, b| p.apply(a, b));
    }
}

/// [`AddParams::apply`] on sixteen lanes at a time (the same arithmetic,
/// wrapping where the scalar code would overflow, which TensorFlow Lite's
/// parameters never make it do).
#[inline(always)]
fn add_lanes<L: Dot16>(l: L, p: &AddParams, a: &[i8], b: &[i8], output: &mut [i8]) {
    let (m, s) = (p.input_multiplier, p.input_shift);
    let (ma, sa, mb, sb) = ([m[0]; 16], [s[0]; 16], [m[1]; 16], [s[1]; 16]);
    let (mo, so) = ([p.output_multiplier; 16], [p.output_shift; 16]);
    let (offset_a, offset_b) = (l.splat(p.input_offset[0]), l.splat(p.input_offset[1]));
    // The three scales' constants once, not once per vector.
    let (scale_a, scale_b, scale_out) = (
        l.prepare(&ma, &sa),
        l.prepare(&mb, &sb),
        l.prepare(&mo, &so),
    );
    let (a16, _) = a.as_chunks::<16>();
    let (b16, _) = b.as_chunks::<16>();
    let (y16, _) = output.as_chunks_mut::<16>();
    let whole = y16.len() * 16;
    for ((y, a), b) in y16.iter_mut().zip(a16).zip(b16) {
        let xa = l.scale_with(l.shl(l.add(l.widen(a), offset_a), p.left_shift), &scale_a);
        let xb = l.scale_with(l.shl(l.add(l.widen(b), offset_b), p.left_shift), &scale_b);
        let raw = if p.subtract {
            l.sub(xa, xb)
        } else {
            l.add(xa, xb)
        };
        *y = l.narrow(
            l.scale_with(raw, &scale_out),
            p.output_zero_point,
            p.min,
            p.max,
        );
    }
    for ((y, &a), &b) in output[whole..].iter_mut().zip(&a[whole..]).zip(&b[whole..]) {
        *y = p.apply(a, b);
    }
}

/// `ADD` / `SUB` of two tensors of the same shape value by value, with the
/// three rescalings' shifts decoded once (where there are no vector lanes:
/// a microcontroller); `false` (nothing written) for a multiplier of
/// `i32::MIN`.
#[cfg(any(cnn_arm_dsp, test))]
fn add_decoded(p: &AddParams, a: &[i8], b: &[i8], output: &mut [i8]) -> bool {
    use super::ChannelScale;
    let (m, s) = (p.input_multiplier, p.input_shift);
    let (Some(scale_a), Some(scale_b), Some(scale_out)) = (
        ChannelScale::new(m[0], s[0]),
        ChannelScale::new(m[1], s[1]),
        ChannelScale::new(p.output_multiplier, p.output_shift),
    ) else {
        return false;
    };
    for ((y, &a), &b) in output.iter_mut().zip(a).zip(b) {
        let xa = scale_a.scale((i32::from(a) + p.input_offset[0]) << p.left_shift);
        let xb = scale_b.scale((i32::from(b) + p.input_offset[1]) << p.left_shift);
        let raw = if p.subtract {
            xa.wrapping_sub(xb)
        } else {
            xa.wrapping_add(xb)
        };
        *y = (scale_out.scale(raw) + p.output_zero_point)
            .max(p.min)
            .min(p.max) as i8;
    }
    true
}

/// `MUL` with broadcasting (nothing when `min > max`).
pub fn mul(p: &MulParams, a: &[i8], b: &[i8], output: &mut [i8]) {
    if p.min <= p.max {
        broadcast(a, b, output, |a, b| p.apply(a, b));
    }
}

/// `GREATER` with broadcasting.
pub fn greater(p: &CompareParams, a: &[i8], b: &[i8], output: &mut [i8]) {
    broadcast(a, b, output, |a, b| p.apply(a, b));
}

/// `SELECT_V2`: `condition[i] != 0 ? a[i] : b[i]`, each operand broadcast
/// with its length as period.
pub fn select<T: Copy>(condition: &[i8], a: &[T], b: &[T], output: &mut [T]) {
    if condition.is_empty() || a.is_empty() || b.is_empty() {
        return;
    }
    for (i, y) in output.iter_mut().enumerate() {
        *y = if condition[i % condition.len()] != 0 {
            a[i % a.len()]
        } else {
            b[i % b.len()]
        };
    }
}

/// An element-wise operator of one int8 value by its table of 256 results
/// (computed by the compiler with TensorFlow Lite's recipe): `LOGISTIC`,
/// `TANH`, `HARD_SWISH`, `LEAKY_RELU`, `QUANTIZE` from int8.
pub fn lookup(table: &[i8; 256], input: &[i8], output: &mut [i8]) {
    for (y, &x) in output.iter_mut().zip(input) {
        *y = table[usize::from(x as u8)];
    }
}

/// float32 `ADD`, `SUB`, `MUL` with broadcasting, then the fused activation's clamp.
pub fn arithmetic_f32(
    op: Arithmetic,
    min: f32,
    max: f32,
    a: &[f32],
    b: &[f32],
    output: &mut [f32],
) {
    match op {
        Arithmetic::Add => broadcast(a, b, output, |a, b| clamp_f32(a + b, min, max)),
        Arithmetic::Sub => broadcast(a, b, output, |a, b| clamp_f32(a - b, min, max)),
        Arithmetic::Mul => broadcast(a, b, output, |a, b| clamp_f32(a * b, min, max)),
    }
}

/// float32 `GREATER` with broadcasting: boolean bytes.
pub fn greater_f32(a: &[f32], b: &[f32], output: &mut [i8]) {
    broadcast(a, b, output, |a, b| i8::from(a > b));
}

/// `v` limited to `[min, max]`, NaN kept; never panics, whatever the bounds.
#[inline(always)]
fn clamp_f32(v: f32, min: f32, max: f32) -> f32 {
    if v < min {
        min
    } else if v > max {
        max
    } else {
        v
    }
}

/// Which float32 arithmetic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arithmetic {
    Add,
    Sub,
    Mul,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasts_a_vector_or_a_scalar_along_the_last_axis() {
        let a = [1i8, 2, 3, 4, 5, 6];
        let mut y = [0i8; 6];
        broadcast(&a, &[10, 20], &mut y, |a, b| a + b);
        assert_eq!(y, [11, 22, 13, 24, 15, 26]);
        broadcast(&[100], &a, &mut y, |a, b| a - b);
        assert_eq!(y, [99, 98, 97, 96, 95, 94]);
        select(&[1, 0], &a, &[0], &mut y);
        assert_eq!(y, [1, 0, 3, 0, 5, 0]);
    }

    #[test]
    fn add_on_every_path_equals_the_scalar_recipe() {
        let n = 16 * 7 + 5;
        let mut state = 0x1234_5678u32;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state
        };
        let a: std::vec::Vec<i8> = (0..n).map(|_| next() as i8).collect();
        let b: std::vec::Vec<i8> = (0..n).map(|_| next() as i8).collect();
        for (subtract, shifts, min) in [(false, [-1, -3], -128), (true, [0, -2], -20)] {
            let p = AddParams {
                input_offset: [5, -17],
                input_multiplier: [1_800_000_000, 1_100_000_003],
                input_shift: shifts,
                left_shift: 20,
                output_multiplier: 1_500_000_001,
                output_shift: -20,
                output_zero_point: -3,
                min,
                max: 127,
                subtract,
            };
            let expected: std::vec::Vec<i8> =
                a.iter().zip(&b).map(|(&a, &b)| p.apply(a, b)).collect();
            let distinct = std::collections::BTreeSet::from_iter(&expected).len();
            assert!(
                distinct > 40,
                "the outputs span the range ({distinct} values)"
            );
            let run = || {
                let mut y = std::vec![0i8; n];
                add(&p, &a, &b, &mut y);
                y
            };
            assert_eq!(run(), expected, "fastest path");
            assert_eq!(
                crate::simd::without_avx512(run),
                expected,
                "without AVX-512"
            );
            assert_eq!(crate::simd::with_portable(run), expected, "portable");
            let mut y = std::vec![0i8; n];
            assert!(add_decoded(&p, &a, &b, &mut y));
            assert_eq!(y, expected, "decoded, value by value (Cortex-M)");
        }
    }
}
