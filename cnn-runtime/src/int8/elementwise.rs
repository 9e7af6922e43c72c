//! int8 element-wise `ADD`: each input rescaled to a common scale with 20
//! bits of headroom, summed, and rescaled to the output (TensorFlow Lite's
//! recipe, all multipliers computed by the compiler).

use super::fixed::multiply_by_quantized_multiplier;

/// The constants of an int8 `ADD`.
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
}

impl AddParams {
    /// One output byte.
    #[inline(always)]
    pub fn add(&self, a: i8, b: i8) -> i8 {
        let scaled = |x: i8, i: usize| {
            let shifted = (i32::from(x) + self.input_offset[i]) << self.left_shift;
            multiply_by_quantized_multiplier(shifted, self.input_multiplier[i], self.input_shift[i])
        };
        let sum = scaled(a, 0) + scaled(b, 1);
        let y = multiply_by_quantized_multiplier(sum, self.output_multiplier, self.output_shift)
            + self.output_zero_point;
        y.clamp(self.min, self.max) as i8
    }
}

/// `ADD` of two tensors of the same shape.
pub fn add(p: &AddParams, a: &[i8], b: &[i8], output: &mut [i8]) {
    for ((y, &a), &b) in output.iter_mut().zip(a).zip(b) {
        *y = p.add(a, b);
    }
}
