//! Element-wise int8 operators: `ADD`, `SUB`, `MUL`, `GREATER`, `SELECT_V2`,
//! with TensorFlow Lite's multipliers. An operand may be a constant that
//! broadcasts along the last axes (a scalar, or one value per channel).

use super::{activation, clamp, AddParams, CompareParams, Kernel, Lowered, MulParams};
use crate::tflite::quant::quantize_multiplier;
use crate::tflite::read::{DType, Fused, Tensor};

/// The two operands broadcast to `out`: equal shapes, or one whose shape,
/// without leading 1s, is the end of `out`'s (so it repeats with its length
/// as period). Constants may broadcast; so may computed tensors.
pub(super) fn broadcastable(operands: &[&Tensor], out: &Tensor) -> Result<(), String> {
    for x in operands {
        let inner: Vec<usize> = x.shape.iter().copied().skip_while(|&d| d == 1).collect();
        let tail = &out.shape[out.shape.len().saturating_sub(inner.len())..];
        if x.shape.len() > out.shape.len() || inner != tail || x.is_empty() {
            return Err(format!(
                "operand `{}` of shape {:?} does not broadcast to {:?} along the last axes",
                x.name, x.shape, out.shape
            ));
        }
    }
    if operands.iter().all(|x| x.data.is_some()) {
        return Err("every operand is a constant; nothing is computed".into());
    }
    Ok(())
}

/// `ADD` / `SUB`: 20 bits of headroom, each input rescaled by its scale over
/// twice the larger input scale, the result by that over the output scale.
pub fn add(a: &Tensor, b: &Tensor, out: &Tensor, fused: Fused, subtract: bool) -> Lowered {
    let (s1, z1) = activation(a)?;
    let (s2, z2) = activation(b)?;
    let (so, zo) = activation(out)?;
    broadcastable(&[a, b], out)?;
    let left_shift = 20;
    let twice_max = 2.0 * f64::from(s1.max(s2));
    let (m1, sh1) = quantize_multiplier(f64::from(s1) / twice_max);
    let (m2, sh2) = quantize_multiplier(f64::from(s2) / twice_max);
    let (mo, sho) =
        quantize_multiplier(twice_max / (f64::from(1u32 << left_shift) * f64::from(so)));
    let (min, max) = clamp(fused, so, zo)?;
    Ok(Kernel::Add(AddParams {
        input_offset: [-z1, -z2],
        input_multiplier: [m1, m2],
        input_shift: [sh1, sh2],
        left_shift,
        output_multiplier: mo,
        output_shift: sho,
        output_zero_point: zo,
        min,
        max,
        subtract,
    }))
}

/// `MUL`: the product of the centred inputs times `s_a * s_b / s_out`.
pub fn mul(a: &Tensor, b: &Tensor, out: &Tensor, fused: Fused) -> Lowered {
    let (s1, z1) = activation(a)?;
    let (s2, z2) = activation(b)?;
    let (so, zo) = activation(out)?;
    broadcastable(&[a, b], out)?;
    let (m, shift) = quantize_multiplier(f64::from(s1) * f64::from(s2) / f64::from(so));
    let (min, max) = clamp(fused, so, zo)?;
    Ok(Kernel::Mul(MulParams {
        input_offset: [-z1, -z2],
        output_multiplier: m,
        output_shift: shift,
        output_zero_point: zo,
        min,
        max,
    }))
}

/// `GREATER`: both inputs rescaled by their own scale with 8 bits of
/// headroom, then compared.
pub fn greater(a: &Tensor, b: &Tensor, out: &Tensor) -> Lowered {
    let (s1, z1) = activation(a)?;
    let (s2, z2) = activation(b)?;
    if out.dtype != DType::Bool {
        return Err(format!("the output is {}, not bool", out.dtype));
    }
    broadcastable(&[a, b], out)?;
    let (m1, sh1) = quantize_multiplier(f64::from(s1));
    let (m2, sh2) = quantize_multiplier(f64::from(s2));
    if sh1 > 0 || sh2 > 0 {
        return Err("an input scale of 1 or more is not supported".into());
    }
    Ok(Kernel::Greater(CompareParams {
        input_offset: [-z1, -z2],
        input_multiplier: [m1, m2],
        input_shift: [sh1, sh2],
        left_shift: 8,
    }))
}

/// `SELECT_V2`: moves bytes, so both choices must be quantized as the output.
pub fn select(condition: &Tensor, a: &Tensor, b: &Tensor, out: &Tensor) -> Lowered {
    if condition.dtype != DType::Bool {
        return Err(format!("the condition is {}, not bool", condition.dtype));
    }
    let q = activation(out)?;
    for x in [a, b] {
        if activation(x)? != q {
            return Err(format!(
                "`{}` is quantized differently from the output; requantizing choices is not supported",
                x.name
            ));
        }
    }
    broadcastable(&[condition, a, b], out)?;
    Ok(Kernel::Select)
}
