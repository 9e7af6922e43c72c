//! int8 reductions over the spatial axes of an NHWC map (batch 1): `MEAN`
//! (TensorFlow Lite's `QuantizedMeanOrSum`: the sum minus the zero points,
//! times the scale ratio divided by the count, one multiplier) and `REDUCE_MAX`.

use super::fixed::multiply_by_quantized_multiplier;

/// `MEAN` of each channel over `pixels` cells: the input scale over the
/// output scale, divided by the count, as a multiplier and shift (the
/// compiler folds the count in, as TensorFlow Lite does at run time).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MeanParams {
    pub pixels: usize,
    pub channels: usize,
    pub input_zero_point: i32,
    pub multiplier: i32,
    pub shift: i32,
    pub output_zero_point: i32,
}

/// Channels a pass sums at once (on the stack).
const BLOCK: usize = 64;

pub fn mean(p: &MeanParams, input: &[i8], output: &mut [i8]) {
    let c = p.channels;
    if c == 0 || input.len() < p.pixels * c || output.len() < c {
        return;
    }
    let count = p.pixels as i32;
    let mut c0 = 0;
    while c0 < c {
        let n = BLOCK.min(c - c0);
        let mut acc = [0i32; BLOCK];
        for cell in input.chunks_exact(c) {
            for (a, &v) in acc.iter_mut().zip(&cell[c0..c0 + n]) {
                *a += i32::from(v);
            }
        }
        for (y, &a) in output[c0..c0 + n].iter_mut().zip(&acc) {
            let centred = a - p.input_zero_point * count;
            let v = multiply_by_quantized_multiplier(centred, p.multiplier, p.shift)
                + p.output_zero_point;
            *y = v.clamp(-128, 127) as i8;
        }
        c0 += n;
    }
}

/// `REDUCE_MAX` of each of `channels` channels over all cells.
pub fn reduce_max(channels: usize, input: &[i8], output: &mut [i8]) {
    if channels == 0 {
        return;
    }
    output.fill(i8::MIN);
    for cell in input.chunks_exact(channels) {
        for (y, &v) in output.iter_mut().zip(cell) {
            *y = (*y).max(v);
        }
    }
}
