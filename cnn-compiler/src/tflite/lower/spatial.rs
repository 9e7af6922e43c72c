//! int8 operators on the layout of a map: `PAD`, `CONCATENATION`, and the
//! spatial reductions `MEAN` and `REDUCE_MAX`.

use super::{activation, clamp, Kernel, Lowered, MeanParams, PadParams};
use crate::tflite::quant::quantize_multiplier;
use crate::tflite::read::{Fused, Tensor};

/// `[1, h, w, c]` of a map.
fn map(x: &Tensor) -> Result<[usize; 3], String> {
    match x.shape[..] {
        [1, h, w, c] => Ok([h, w, c]),
        _ => Err(format!(
            "`{}` of shape {:?} is not [1, height, width, channels]",
            x.name, x.shape
        )),
    }
}

/// The input map `[h, w, c]`, and the cells added before and after on each axis.
pub(crate) type PadGeometry = ([usize; 3], [usize; 3], [usize; 3]);

/// A `PAD` of a map by constant paddings: the input map, the cells added
/// before and after on each of its three axes (none on the batch).
pub(crate) fn pad_geometry(
    x: &Tensor,
    paddings: &Tensor,
    out: &Tensor,
) -> Result<PadGeometry, String> {
    let input = map(x)?;
    let p = paddings
        .i32_data()
        .filter(|p| p.len() == 8 && p.iter().all(|&v| v >= 0))
        .ok_or_else(|| {
            format!(
                "the paddings `{}` are not a constant [4, 2] of non-negative int32",
                paddings.name
            )
        })?;
    if p[0] != 0 || p[1] != 0 {
        return Err("padding the batch dimension is not supported".into());
    }
    let before = [p[2] as usize, p[4] as usize, p[6] as usize];
    let after = [p[3] as usize, p[5] as usize, p[7] as usize];
    let expected: Vec<usize> = std::iter::once(1)
        .chain((0..3).map(|a| input[a] + before[a] + after[a]))
        .collect();
    if out.shape != expected {
        return Err(format!(
            "the output shape is {:?}, the paddings give {expected:?}",
            out.shape
        ));
    }
    Ok((input, before, after))
}

/// `PAD` with the zero point (TensorFlow Lite pads quantized maps with it).
pub fn pad(x: &Tensor, paddings: &Tensor, out: &Tensor) -> Lowered {
    let q = activation(x)?;
    if activation(out)? != q {
        return Err("input and output quantization differ".into());
    }
    let (input, before, after) = pad_geometry(x, paddings, out)?;
    Ok(Kernel::Pad(PadParams {
        input,
        before,
        after,
        value: q.1 as i8,
    }))
}

/// `CONCATENATION` on the last axis, every input quantized as the output.
pub fn concat(inputs: &[&Tensor], out: &Tensor, axis: i32, fused: Fused) -> Lowered {
    let rank = out.shape.len() as i32;
    if axis != -1 && axis != rank - 1 {
        return Err(format!(
            "concatenation on axis {axis}; only the last axis is supported"
        ));
    }
    let q = activation(out)?;
    if clamp(fused, q.0, q.1)? != (-128, 127) {
        return Err("a fused activation on a concatenation is not supported".into());
    }
    let outer: usize = out.shape[..out.shape.len().saturating_sub(1)]
        .iter()
        .product();
    let mut width = 0;
    for x in inputs {
        if activation(x)? != q {
            return Err(format!(
                "`{}` is quantized differently from the output; requantizing inputs is not supported",
                x.name
            ));
        }
        if x.data.is_some() {
            return Err(format!(
                "`{}` is a constant; only computed inputs are supported",
                x.name
            ));
        }
        if x.shape.len() != out.shape.len()
            || x.shape[..x.shape.len() - 1] != out.shape[..out.shape.len() - 1]
        {
            return Err(format!(
                "`{}` of shape {:?} does not join {:?}",
                x.name, x.shape, out.shape
            ));
        }
        width += x.shape[x.shape.len() - 1];
    }
    if out.shape.last() != Some(&width) {
        return Err(format!(
            "the inputs' last axes add to {width}, the output's is {:?}",
            out.shape.last()
        ));
    }
    Ok(Kernel::Concat { outer })
}

/// The reduced axes of a `[1, h, w, c]` map: exactly height and width.
pub(crate) fn spatial_axes(x: &Tensor, axes: &Tensor, out: &Tensor) -> Result<[usize; 3], String> {
    let dims = map(x)?;
    let mut a = axes
        .i32_data()
        .ok_or_else(|| format!("the axes `{}` are not a constant int32 tensor", axes.name))?;
    a.iter_mut().for_each(|v| {
        if *v < 0 {
            *v += 4
        }
    });
    a.sort_unstable();
    if a != [1, 2] {
        return Err(format!(
            "reducing axes {a:?}; only the spatial axes [1, 2] are supported"
        ));
    }
    if out.len() != dims[2] {
        return Err(format!(
            "the output {:?} is not one value per channel",
            out.shape
        ));
    }
    Ok(dims)
}

/// `MEAN` over height and width (TensorFlow Lite's `QuantizedMeanOrSum`):
/// the multiplier `s_in / s_out`, with the count divided into it.
pub fn mean(x: &Tensor, axes: &Tensor, out: &Tensor) -> Lowered {
    let (si, zi) = activation(x)?;
    let (so, zo) = activation(out)?;
    let [h, w, c] = spatial_axes(x, axes, out)?;
    let count = (h * w) as i64;
    let (m, s) = quantize_multiplier(f64::from(si) / f64::from(so));
    let mut shift = 63 - (count as u64).leading_zeros() as i32;
    shift = shift.min(32).min(31 + s);
    let multiplier = ((i64::from(m) << shift) / count) as i32;
    Ok(Kernel::Mean(MeanParams {
        pixels: h * w,
        channels: c,
        input_zero_point: zi,
        multiplier,
        shift: s - shift,
        output_zero_point: zo,
    }))
}

/// `REDUCE_MAX` over height and width: bytes only.
pub fn reduce_max(x: &Tensor, axes: &Tensor, out: &Tensor) -> Lowered {
    if activation(x)? != activation(out)? {
        return Err("input and output quantization differ".into());
    }
    let [_, _, c] = spatial_axes(x, axes, out)?;
    Ok(Kernel::ReduceMax { channels: c })
}
