//! Shape arithmetic that is constant once the batch is 1: Keras' `Flatten`
//! leaves `SHAPE` → `STRIDED_SLICE` → `PACK` feeding a `RESHAPE` in a
//! converted graph. Those operators are evaluated here, at compile time, and
//! dropped; what they computed becomes a constant tensor.

use super::read::{DType, Op, Options, TfliteModel};

/// Evaluates every `SHAPE`, `STRIDED_SLICE` and `PACK` whose operands are
/// known, stores their results as constant int32 tensors, and returns the
/// indices of the operators that remain (in order).
pub fn fold_shape_arithmetic(model: &mut TfliteModel) -> Vec<usize> {
    let mut remaining = Vec::new();
    for (i, op) in model.ops.iter().enumerate() {
        match evaluate(model, op) {
            Some(values) if op.outputs.len() == 1 => {
                let out = &mut model.tensors[op.outputs[0]];
                out.dtype = DType::I32;
                out.data = Some(values.iter().flat_map(|v| v.to_le_bytes()).collect());
            }
            _ => remaining.push(i),
        }
    }
    // A folded operator's output is a constant now; nothing else changes.
    remaining
}

/// The int32 values `op` computes, if it is shape arithmetic on known values.
fn evaluate(model: &TfliteModel, op: &Op) -> Option<Vec<i32>> {
    let constant = |k: usize| -> Option<Vec<i32>> {
        let t = &model.tensors[(*op.inputs.get(k)?)?];
        t.i32_data()
    };
    match op.kind.as_str() {
        "SHAPE" => {
            let t = &model.tensors[(*op.inputs.first()?)?];
            if model.tensors[*op.outputs.first()?].dtype != DType::I32 {
                return None;
            }
            t.shape.iter().map(|&d| i32::try_from(d).ok()).collect()
        }
        "STRIDED_SLICE" => {
            let Options::StridedSlice {
                begin_mask,
                end_mask,
                unsupported_masks: false,
                shrink_axis_mask,
            } = op.options
            else {
                return None;
            };
            let (input, begin, end, strides) =
                (constant(0)?, constant(1)?, constant(2)?, constant(3)?);
            // One-dimensional slices only: what Flatten's shape arithmetic uses.
            if begin.len() != 1 || end.len() != 1 || strides.len() != 1 || strides[0] == 0 {
                return None;
            }
            let n = i32::try_from(input.len()).ok()?;
            let stride = strides[0];
            let clamp = |v: i32, lo: i32, hi: i32| v.clamp(lo, hi);
            let resolve = |v: i32| if v < 0 { v + n } else { v };
            let (lo, hi) = if stride > 0 { (0, n) } else { (-1, n - 1) };
            let start = if begin_mask & 1 != 0 {
                if stride > 0 {
                    0
                } else {
                    n - 1
                }
            } else {
                clamp(resolve(begin[0]), lo, hi)
            };
            let stop = if shrink_axis_mask & 1 != 0 {
                start + 1
            } else if end_mask & 1 != 0 {
                if stride > 0 {
                    n
                } else {
                    -1
                }
            } else {
                clamp(resolve(end[0]), lo, hi)
            };
            let mut out = Vec::new();
            let mut k = start;
            while (stride > 0 && k < stop) || (stride < 0 && k > stop) {
                out.push(*input.get(usize::try_from(k).ok()?)?);
                k += stride;
            }
            Some(out)
        }
        "PACK" => {
            let Options::Pack { axis: 0 } = op.options else {
                return None;
            };
            let mut out = Vec::new();
            for k in 0..op.inputs.len() {
                let v = constant(k)?;
                if v.len() != 1 {
                    return None;
                }
                out.push(v[0]);
            }
            Some(out)
        }
        _ => None,
    }
}
