//! The reference implementation: Keras' semantics written as plainly as
//! possible on dynamically shaped `ndarray` arrays, with no shared code with the
//! kernels. Tests compare the kernels to it on random shapes; benchmarks run it
//! beside the generated models.

use ndarray::{Array1, Array2, Array3, Array4, ArrayD, Axis, IxDyn};
use std::vec::Vec;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Padding {
    Valid,
    Same,
}

/// Output size and (before, after) padding along one axis, TensorFlow's rule.
pub fn output_and_padding(
    input: usize,
    k: usize,
    stride: usize,
    padding: Padding,
) -> (usize, usize, usize) {
    match padding {
        Padding::Valid => {
            assert!(input >= k, "valid window {k} larger than input {input}");
            ((input - k) / stride + 1, 0, 0)
        }
        Padding::Same => {
            let out = input.div_ceil(stride);
            let needed = (out - 1) * stride + k;
            let pad = needed.saturating_sub(input);
            (out, pad / 2, pad - pad / 2)
        }
    }
}

/// An activation by Keras name, in f64 then rounded, on every value.
/// `softmax` is over the last axis.
pub fn activation(x: &ArrayD<f32>, name: &str, leaky_slope: f32) -> ArrayD<f32> {
    if name == "softmax" {
        let last = x.ndim() - 1;
        let mut y = x.mapv(f64::from);
        for mut lane in y.lanes_mut(Axis(last)) {
            let max = lane.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            lane.mapv_inplace(|v| (v - max).exp());
            let sum: f64 = lane.sum();
            lane.mapv_inplace(|v| v / sum);
        }
        return y.mapv(|v| v as f32);
    }
    x.mapv(|v| {
        let v = f64::from(v);
        let y = match name {
            "linear" => v,
            // TensorFlow's: NaN stays NaN, -0 is 0.
            "relu" if v.is_nan() => v,
            "relu" => v.max(0.0),
            "relu6" if v.is_nan() => v,
            "relu6" => v.clamp(0.0, 6.0),
            "sigmoid" => 1.0 / (1.0 + (-v).exp()),
            "tanh" => v.tanh(),
            "elu" => {
                if v > 0.0 {
                    v
                } else {
                    v.exp() - 1.0
                }
            }
            "gelu" => 0.5 * v * (1.0 + libm::erf(v / 2f64.sqrt())),
            "swish" => v / (1.0 + (-v).exp()),
            "leaky_relu" => {
                if v >= 0.0 {
                    v
                } else {
                    f64::from(leaky_slope) * v
                }
            }
            other => panic!("unknown activation {other}"),
        };
        y as f32
    })
}

/// Conv2D: `x` (h, w, c_in), `kernel` (kh, kw, c_in, c_out), no activation.
pub fn conv2d(
    x: &Array3<f32>,
    kernel: &Array4<f32>,
    bias: Option<&Array1<f32>>,
    strides: (usize, usize),
    dilation: (usize, usize),
    padding: Padding,
) -> Array3<f32> {
    let (h, w, c_in) = x.dim();
    let (kh, kw, kc, c_out) = kernel.dim();
    assert_eq!(kc, c_in);
    let eff_h = (kh - 1) * dilation.0 + 1;
    let eff_w = (kw - 1) * dilation.1 + 1;
    let (oh, top, _) = output_and_padding(h, eff_h, strides.0, padding);
    let (ow, left, _) = output_and_padding(w, eff_w, strides.1, padding);
    let mut y = Array3::<f32>::zeros((oh, ow, c_out));
    for oy in 0..oh {
        for ox in 0..ow {
            for co in 0..c_out {
                let mut sum = 0.0f64;
                for ky in 0..kh {
                    for kx in 0..kw {
                        let iy = (oy * strides.0 + ky * dilation.0) as isize - top as isize;
                        let ix = (ox * strides.1 + kx * dilation.1) as isize - left as isize;
                        if iy < 0 || ix < 0 || iy >= h as isize || ix >= w as isize {
                            continue; // zero padding
                        }
                        for ci in 0..c_in {
                            sum += f64::from(x[[iy as usize, ix as usize, ci]])
                                * f64::from(kernel[[ky, kx, ci, co]]);
                        }
                    }
                }
                if let Some(b) = bias {
                    sum += f64::from(b[co]);
                }
                y[[oy, ox, co]] = sum as f32;
            }
        }
    }
    y
}

/// Max or average pooling; padded cells never count.
pub fn pool2d(
    x: &Array3<f32>,
    max: bool,
    pool: (usize, usize),
    strides: (usize, usize),
    padding: Padding,
) -> Array3<f32> {
    let (h, w, c) = x.dim();
    let (oh, top, _) = output_and_padding(h, pool.0, strides.0, padding);
    let (ow, left, _) = output_and_padding(w, pool.1, strides.1, padding);
    let mut y = Array3::<f32>::zeros((oh, ow, c));
    for oy in 0..oh {
        for ox in 0..ow {
            for ch in 0..c {
                let mut cells = Vec::new();
                for py in 0..pool.0 {
                    for px in 0..pool.1 {
                        let iy = (oy * strides.0 + py) as isize - top as isize;
                        let ix = (ox * strides.1 + px) as isize - left as isize;
                        if iy >= 0 && ix >= 0 && iy < h as isize && ix < w as isize {
                            cells.push(f64::from(x[[iy as usize, ix as usize, ch]]));
                        }
                    }
                }
                let v = if max {
                    // TensorFlow's MaxPool: NaN skipped (`f64::max` ignores
                    // it), from the lowest f32.
                    cells.iter().copied().fold(f64::from(f32::MIN), f64::max)
                } else {
                    cells.iter().sum::<f64>() / cells.len() as f64
                };
                y[[oy, ox, ch]] = v as f32;
            }
        }
    }
    y
}

/// Global max or average pooling: (h, w, c) → (c).
pub fn global_pool(x: &Array3<f32>, max: bool) -> Array1<f32> {
    let (h, w, c) = x.dim();
    Array1::from_iter((0..c).map(|ch| {
        let values = (0..h)
            .flat_map(|y| (0..w).map(move |xx| (y, xx)))
            .map(|(y, xx)| f64::from(x[[y, xx, ch]]));
        let v = if max {
            // TensorFlow's reduce_max: a NaN wins.
            values.fold(f64::NEG_INFINITY, |m, v| {
                if m.is_nan() || v.is_nan() {
                    f64::NAN
                } else {
                    m.max(v)
                }
            })
        } else {
            values.sum::<f64>() / (h * w) as f64
        };
        v as f32
    }))
}

/// Dense on the last axis: `x` (..., in), `kernel` (in, out).
pub fn dense(x: &ArrayD<f32>, kernel: &Array2<f32>, bias: Option<&Array1<f32>>) -> ArrayD<f32> {
    let (fan_in, units) = kernel.dim();
    let last = x.ndim() - 1;
    assert_eq!(x.shape()[last], fan_in);
    let mut shape = x.shape().to_vec();
    shape[last] = units;
    let rows = x.len() / fan_in;
    let flat = x.to_shape((rows, fan_in)).expect("contiguous");
    let mut y = Array2::<f32>::zeros((rows, units));
    for r in 0..rows {
        for o in 0..units {
            let mut sum: f64 = (0..fan_in)
                .map(|i| f64::from(flat[[r, i]]) * f64::from(kernel[[i, o]]))
                .sum();
            if let Some(b) = bias {
                sum += f64::from(b[o]);
            }
            y[[r, o]] = sum as f32;
        }
    }
    y.into_shape_with_order(IxDyn(&shape))
        .expect("same number of values")
}

/// DepthwiseConv2D: `x` (h, w, c_in), `kernel` (kh, kw, c_in, multiplier);
/// output channel `c * multiplier + j`; no activation.
pub fn depthwise_conv2d(
    x: &Array3<f32>,
    kernel: &Array4<f32>,
    bias: Option<&Array1<f32>>,
    strides: (usize, usize),
    dilation: (usize, usize),
    padding: Padding,
) -> Array3<f32> {
    let (h, w, c_in) = x.dim();
    let (kh, kw, kc, m) = kernel.dim();
    assert_eq!(kc, c_in);
    let eff_h = (kh - 1) * dilation.0 + 1;
    let eff_w = (kw - 1) * dilation.1 + 1;
    let (oh, top, _) = output_and_padding(h, eff_h, strides.0, padding);
    let (ow, left, _) = output_and_padding(w, eff_w, strides.1, padding);
    let mut y = Array3::<f32>::zeros((oh, ow, c_in * m));
    for oy in 0..oh {
        for ox in 0..ow {
            for c in 0..c_in {
                for j in 0..m {
                    let mut sum = 0.0f64;
                    for ky in 0..kh {
                        for kx in 0..kw {
                            let iy = (oy * strides.0 + ky * dilation.0) as isize - top as isize;
                            let ix = (ox * strides.1 + kx * dilation.1) as isize - left as isize;
                            if iy < 0 || ix < 0 || iy >= h as isize || ix >= w as isize {
                                continue;
                            }
                            sum += f64::from(x[[iy as usize, ix as usize, c]])
                                * f64::from(kernel[[ky, kx, c, j]]);
                        }
                    }
                    if let Some(b) = bias {
                        sum += f64::from(b[c * m + j]);
                    }
                    y[[oy, ox, c * m + j]] = sum as f32;
                }
            }
        }
    }
    y
}

/// BatchNormalization at inference on the last axis, in f64:
/// `(x - mean) / sqrt(variance + epsilon) * gamma + beta`.
pub fn batch_norm(
    x: &ArrayD<f32>,
    gamma: Option<&Array1<f32>>,
    beta: Option<&Array1<f32>>,
    mean: &Array1<f32>,
    variance: &Array1<f32>,
    epsilon: f32,
) -> ArrayD<f32> {
    let c = mean.len();
    let mut y = x.clone();
    for (i, v) in y.iter_mut().enumerate() {
        let ch = i % c;
        let normal = (f64::from(*v) - f64::from(mean[ch]))
            / (f64::from(variance[ch]) + f64::from(epsilon)).sqrt();
        let g = gamma.map_or(1.0, |g| f64::from(g[ch]));
        let b = beta.map_or(0.0, |b| f64::from(b[ch]));
        *v = (normal * g + b) as f32;
    }
    y
}

/// ZeroPadding2D: `(top, bottom)` rows and `(left, right)` columns of zeros.
pub fn zero_pad2d(x: &Array3<f32>, rows: (usize, usize), cols: (usize, usize)) -> Array3<f32> {
    let (h, w, c) = x.dim();
    let mut y = Array3::<f32>::zeros((h + rows.0 + rows.1, w + cols.0 + cols.1, c));
    for ((i, j, k), v) in x.indexed_iter() {
        y[[i + rows.0, j + cols.0, k]] = *v;
    }
    y
}

/// Concatenate on the last axis.
pub fn concatenate(inputs: &[&Array3<f32>]) -> Array3<f32> {
    let views: Vec<_> = inputs.iter().map(|x| x.view()).collect();
    ndarray::concatenate(Axis(2), &views)
        .expect("same height and width")
        .as_standard_layout()
        .to_owned()
}
