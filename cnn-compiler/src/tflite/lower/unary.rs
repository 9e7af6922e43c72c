//! int8 operators of one input value: `LOGISTIC`, `TANH`, `HARD_SWISH`,
//! `LEAKY_RELU` and `QUANTIZE` (int8 to int8). Each becomes a 256-entry
//! lookup table, computed here by TensorFlow Lite's own recipe for every
//! possible input byte, so the run-time kernel only indexes.

use super::{activation, Kernel, Lowered};
use crate::tflite::quant::quantize_multiplier;
use crate::tflite::read::Tensor;
use cnn_fixed::multiply_by_quantized_multiplier;

/// The table of `f` over every int8 input: `table[(x as u8) as usize]`.
fn table(f: impl Fn(i32) -> i32) -> Kernel {
    let mut table = vec![0i8; 256];
    for x in -128i32..=127 {
        table[(x as i8 as u8) as usize] = f(x).clamp(-128, 127) as i8;
    }
    Kernel::Lookup { table }
}

/// What TensorFlow Lite's 8-bit lookup tables hold: the input dequantized,
/// the function in float32, the result quantized (`PopulateLookupTable`).
fn float_table(x: &Tensor, out: &Tensor, f: impl Fn(f32) -> f32) -> Lowered {
    let (si, zi) = activation(x)?;
    let (so, zo) = activation(out)?;
    let inverse = 1.0 / so;
    Ok(table(|v| {
        let real = si * (v - zi) as f32;
        let q = (f(real) * inverse).round();
        if q.is_nan() {
            zo
        } else {
            q.clamp(-1.0e6, 1.0e6) as i32 + zo
        }
    }))
}

pub fn logistic(x: &Tensor, out: &Tensor) -> Lowered {
    float_table(x, out, |v| 1.0 / (1.0 + (-v).exp()))
}

pub fn tanh(x: &Tensor, out: &Tensor) -> Lowered {
    float_table(x, out, f32::tanh)
}

pub fn hard_swish(x: &Tensor, out: &Tensor) -> Lowered {
    float_table(x, out, |v| v * (v + 3.0).clamp(0.0, 6.0) / 6.0)
}

/// `LEAKY_RELU`: the centred input times `s_in / s_out`, or times
/// `alpha * s_in / s_out` below zero.
pub fn leaky_relu(x: &Tensor, out: &Tensor, alpha: f32) -> Lowered {
    let (si, zi) = activation(x)?;
    let (so, zo) = activation(out)?;
    let (mi, shi) = quantize_multiplier(f64::from(si) / f64::from(so));
    let (ma, sha) = quantize_multiplier(f64::from(alpha) * f64::from(si) / f64::from(so));
    Ok(table(|v| {
        let centred = v - zi;
        let (m, s) = if centred >= 0 { (mi, shi) } else { (ma, sha) };
        zo + multiply_by_quantized_multiplier(centred, m, s)
    }))
}

/// `QUANTIZE` from int8 to int8: the centred input times `s_in / s_out`.
pub fn requantize(x: &Tensor, out: &Tensor) -> Lowered {
    let (si, zi) = activation(x)?;
    let (so, zo) = activation(out)?;
    let (m, s) = quantize_multiplier(f64::from(si) / f64::from(so));
    Ok(table(|v| {
        zo + multiply_by_quantized_multiplier(v - zi, m, s)
    }))
}
