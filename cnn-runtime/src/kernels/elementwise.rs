//! Layers that touch each value once: BatchNormalization, Rescaling, the
//! merges (`Add`, `Concatenate`), zero padding and copies. Each is memory-bound;
//! the loops run over contiguous values for the compiler to vectorise.

use crate::activation::Activation;
use crate::memory::{flat, flat_mut, Plain};
use crate::params::{BatchNormParams, LayerNormParams, LayerScaleParams};

/// Keras' BatchNormalization at inference, in place, over the last axis of a
/// tensor of `C` channels, computed as TensorFlow does:
/// `inv = gamma / sqrt(moving_variance + epsilon)`,
/// `x * inv + (beta - moving_mean * inv)`. `scale = false` takes `gamma` as 1,
/// `center = false` takes `beta` as 0.
#[inline]
pub fn batch_norm<T: Plain, const C: usize>(
    values: &mut T,
    params: &BatchNormParams<C>,
    epsilon: f32,
    scale: bool,
    center: bool,
) {
    const {
        assert!(C > 0, "at least one channel");
        assert!(
            (core::mem::size_of::<T>() / 4).is_multiple_of(C),
            "the tensor is made of whole pixels of C channels"
        );
    }
    let affine = params.fold(epsilon, scale, center, None);
    for pixel in flat_mut(values).chunks_exact_mut(C) {
        for ((x, m), a) in pixel.iter_mut().zip(&affine.scale).zip(&affine.shift) {
            *x = *x * m + a;
        }
    }
}

/// Keras' LayerNormalization over the channels (the last axis), in place,
/// pixel by pixel, in TensorFlow's order of operations: the pixel's `mean`
/// and `variance` (the mean of `(x - mean)²`), `inv = gamma / sqrt(variance
/// + epsilon)`, then `x * inv + (beta - mean * inv)`. `scale = false` takes
/// `gamma` as 1 and `center = false` `beta` as 0. With `rms_scaling` (Keras'
/// option, which divides by the same standard deviation but does not center):
/// `x * gamma / sqrt(variance + epsilon)`.
///
/// ```
/// use cnn_runtime::{kernels::elementwise::layer_norm, LayerNormParams};
///
/// let params = LayerNormParams { gamma: [1.0; 4], beta: [0.0; 4] };
/// let mut pixel = [1.0f32, 2.0, 3.0, 4.0];
/// layer_norm(&mut pixel, &params, 0.0, true, true, false);
/// let sd = 1.25f32.sqrt();
/// assert_eq!(pixel.map(|x| (x * sd * 1e5).round()), [-150000.0, -50000.0, 50000.0, 150000.0]);
/// ```
#[inline]
pub fn layer_norm<T: Plain, const C: usize>(
    values: &mut T,
    params: &LayerNormParams<C>,
    epsilon: f32,
    scale: bool,
    center: bool,
    rms_scaling: bool,
) {
    const {
        assert!(C > 0, "at least one channel");
        assert!(
            (core::mem::size_of::<T>() / 4).is_multiple_of(C),
            "the tensor is made of whole pixels of C channels"
        );
    }
    let n = C as f32;
    for pixel in flat_mut(values).chunks_exact_mut(C) {
        let mean = pixel.iter().sum::<f32>() / n;
        let variance = pixel.iter().map(|x| (x - mean) * (x - mean)).sum::<f32>() / n;
        let inv = 1.0 / libm::sqrtf(variance + epsilon);
        for (k, x) in pixel.iter_mut().enumerate() {
            let gamma = if scale { params.gamma[k] } else { 1.0 };
            let beta = if center { params.beta[k] } else { 0.0 };
            let inv = inv * gamma;
            *x = if rms_scaling {
                *x * inv
            } else {
                *x * inv + (-mean * inv + beta)
            };
        }
    }
}

/// ConvNeXt's LayerScale, in place: each value of channel `k` times `gamma[k]`.
#[inline]
pub fn layer_scale<T: Plain, const C: usize>(values: &mut T, params: &LayerScaleParams<C>) {
    for pixel in flat_mut(values).chunks_exact_mut(C) {
        for (x, g) in pixel.iter_mut().zip(&params.gamma) {
            *x *= g;
        }
    }
}

/// Keras' Rescaling, in place: `x * scale + offset`.
#[inline]
pub fn rescale<T: Plain>(values: &mut T, scale: f32, offset: f32) {
    for x in flat_mut(values) {
        *x = *x * scale + offset;
    }
}

/// Arithmetic on a tensor `x` and a number `c` (Keras 3's `x + 3.0`, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConstantOp {
    /// `x + c`
    Add,
    /// `x - c`
    Subtract,
    /// `c - x`
    SubtractFrom,
    /// `x * c`
    Multiply,
    /// `x / c`
    DivideBy,
    /// `c / x`
    Divide,
}

/// Every value `x` of `values` becomes `x op c`, in place.
#[inline]
pub fn constant_op<T: Plain>(values: &mut T, op: ConstantOp, c: f32) {
    let values = flat_mut(values);
    match op {
        ConstantOp::Add => values.iter_mut().for_each(|x| *x += c),
        ConstantOp::Subtract => values.iter_mut().for_each(|x| *x -= c),
        ConstantOp::SubtractFrom => values.iter_mut().for_each(|x| *x = c - *x),
        ConstantOp::Multiply => values.iter_mut().for_each(|x| *x *= c),
        // A division, not a product with `1 / c`: the same rounding as Keras.
        ConstantOp::DivideBy => values.iter_mut().for_each(|x| *x /= c),
        ConstantOp::Divide => values.iter_mut().for_each(|x| *x = c / *x),
    }
}

/// Every value `x` of `values` (a map of `dims`, as (height, width,
/// channels)) becomes `x op c`, `c` the value of the constant tensor
/// `constant` (of `constant_dims`, each 1 or `dims`' size: NumPy's
/// broadcasting) at the same place, in place: Keras 3's `x - mean` with a
/// per-channel `mean`.
///
/// ```
/// use cnn_runtime::kernels::elementwise::{constant_tensor_op, ConstantOp};
///
/// let mut map = [[[1.0f32, 2.0], [3.0, 4.0]]];
/// constant_tensor_op(&mut map, [1, 2, 2], ConstantOp::Subtract, &[1.0, 2.0], [1, 1, 2]);
/// assert_eq!(map, [[[0.0, 0.0], [2.0, 2.0]]]);
/// ```
#[inline]
pub fn constant_tensor_op<T: Plain>(
    values: &mut T,
    dims: [usize; 3],
    op: ConstantOp,
    constant: &[f32],
    constant_dims: [usize; 3],
) {
    let [_, w, c] = dims;
    let [ch, cw, cc] = constant_dims;
    for (i, x) in flat_mut(values).iter_mut().enumerate() {
        let (y, rest) = (i / (w * c), i % (w * c));
        let (col, k) = (rest / c, rest % c);
        let v = constant[((y % ch) * cw + col % cw) * cc + k % cc];
        *x = match op {
            ConstantOp::Add => *x + v,
            ConstantOp::Subtract => *x - v,
            ConstantOp::SubtractFrom => v - *x,
            ConstantOp::Multiply => *x * v,
            ConstantOp::DivideBy => *x / v,
            ConstantOp::Divide => v / *x,
        };
    }
}

/// Keras' Normalization, in place: each value `x` of channel `k` (the last
/// axis, `C` values per pixel) becomes `(x - mean[k]) / std[k]`, or with
/// `invert`, `mean[k] + x * std[k]`, in Keras' order of operations.
#[inline]
pub fn normalize<T: Plain, const C: usize>(
    values: &mut T,
    mean: &[f32; C],
    std: &[f32; C],
    invert: bool,
) {
    for pixel in flat_mut(values).chunks_exact_mut(C) {
        for ((x, m), s) in pixel.iter_mut().zip(mean).zip(std) {
            *x = if invert { m + *x * s } else { (*x - m) / s };
        }
    }
}

/// `output` = the first values of `input` (one input of a model with
/// several, from the caller's inputs struct).
#[inline]
pub fn copy_part<T: Plain>(input: &[f32], output: &mut T) {
    let output = flat_mut(output);
    output.copy_from_slice(&input[..output.len()]);
}

/// `output = input`.
#[inline]
pub fn copy<T: Plain + Copy>(input: &T, output: &mut T) {
    *output = *input;
}

/// `sum += term`, value by value: `Add` of several tensors is a copy of the
/// first, then this for each other one, in Keras' order.
#[inline]
pub fn add_assign<T: Plain>(sum: &mut T, term: &T) {
    for (s, t) in flat_mut(sum).iter_mut().zip(flat(term)) {
        *s += t;
    }
}

/// `sum = f(sum + term)`, value by value: a residual `Add` and the
/// activation after it, in one pass.
#[inline]
pub fn add_assign_activate<T: Plain, A: Activation>(sum: &mut T, term: &T, f: A) {
    for (s, t) in flat_mut(sum).iter_mut().zip(flat(term)) {
        *s = f.apply(*s + t);
    }
}

/// Keras' ZeroPadding2D: `input` inside a border of zeros, `PT` rows on top,
/// `PB` below, `PL` columns left and `PR` right.
#[allow(clippy::too_many_arguments)]
#[inline]
pub fn zero_pad2d<
    const H: usize,
    const W: usize,
    const C: usize,
    const PT: usize,
    const PB: usize,
    const PL: usize,
    const PR: usize,
    const OH: usize,
    const OW: usize,
>(
    input: &[[[f32; C]; W]; H],
    output: &mut [[[f32; C]; OW]; OH],
) {
    const {
        assert!(OH == H + PT + PB, "output height");
        assert!(OW == W + PL + PR, "output width");
    }
    for (y, row) in output.iter_mut().enumerate() {
        match y.checked_sub(PT).and_then(|iy| input.get(iy)) {
            Some(in_row) => {
                row[..PL].fill([0.0; C]);
                row[PL..PL + W].copy_from_slice(in_row);
                row[PL + W..].fill([0.0; C]);
            }
            None => row.fill([0.0; C]),
        }
    }
}

/// The value of `x`, an `XH x XW x XC` tensor broadcast to `OH x OW x C`
/// (each of its sizes is the output's or 1), at output position `(i, j, k)`.
#[inline(always)]
fn broadcast_at<const XH: usize, const XW: usize, const XC: usize>(
    x: &[[[f32; XC]; XW]; XH],
    i: usize,
    j: usize,
    k: usize,
) -> f32 {
    let pick = |n: usize, at: usize| if n == 1 { 0 } else { at };
    x[pick(XH, i)][pick(XW, j)][pick(XC, k)]
}

/// `y = x`, `x` broadcast to `y`'s shape as Keras broadcasts: each of its
/// sizes is `y`'s or 1.
#[inline]
pub fn broadcast_copy<
    const OH: usize,
    const OW: usize,
    const C: usize,
    const XH: usize,
    const XW: usize,
    const XC: usize,
>(
    x: &[[[f32; XC]; XW]; XH],
    y: &mut [[[f32; C]; OW]; OH],
) {
    combine_broadcast(y, x, |v, s| *v = s);
}

/// `y *= x`, `x` broadcast to `y`'s shape (see [`broadcast_copy`]): a
/// squeeze-and-excite block's per-channel scale is `XH = XW = 1`.
#[inline]
pub fn mul_assign_broadcast<
    const OH: usize,
    const OW: usize,
    const C: usize,
    const XH: usize,
    const XW: usize,
    const XC: usize,
>(
    y: &mut [[[f32; C]; OW]; OH],
    x: &[[[f32; XC]; XW]; XH],
) {
    combine_broadcast(y, x, |v, s| *v *= s);
}

/// `y += x`, `x` broadcast to `y`'s shape (see [`broadcast_copy`]).
#[inline]
pub fn add_assign_broadcast<
    const OH: usize,
    const OW: usize,
    const C: usize,
    const XH: usize,
    const XW: usize,
    const XC: usize,
>(
    y: &mut [[[f32; C]; OW]; OH],
    x: &[[[f32; XC]; XW]; XH],
) {
    combine_broadcast(y, x, |v, s| *v += s);
}

/// `f(y, x)` for every value of `y` and the value of `x` broadcast to it.
#[inline(always)]
fn combine_broadcast<
    const OH: usize,
    const OW: usize,
    const C: usize,
    const XH: usize,
    const XW: usize,
    const XC: usize,
>(
    y: &mut [[[f32; C]; OW]; OH],
    x: &[[[f32; XC]; XW]; XH],
    f: impl Fn(&mut f32, f32),
) {
    const { assert!(broadcasts(XH, OH) && broadcasts(XW, OW) && broadcasts(XC, C)) }
    for (i, row) in y.iter_mut().enumerate() {
        for (j, pixel) in row.iter_mut().enumerate() {
            if XC == C {
                // One pixel (or the one broadcast) of channels at a time.
                let from = &x[if XH == 1 { 0 } else { i }][if XW == 1 { 0 } else { j }];
                for (v, &s) in pixel.iter_mut().zip(from.iter()) {
                    f(v, s);
                }
            } else {
                for (k, v) in pixel.iter_mut().enumerate() {
                    f(v, broadcast_at(x, i, j, k));
                }
            }
        }
    }
}

/// Keras' UpSampling2D with bilinear interpolation (`interpolation =
/// "bilinear"`), as TensorFlow's `resize` computes it (half-pixel centers,
/// no antialiasing): output row `y` samples input row `(y + 0.5) / SH - 0.5`,
/// clamped to the map, between its two neighbouring rows; likewise columns.
///
/// ```
/// use cnn_runtime::kernels::elementwise::upsample_bilinear;
///
/// let input = [[[0.0f32], [4.0]]];
/// let mut output = [[[0.0f32]; 4]; 2];
/// upsample_bilinear::<1, 2, 1, 2, 2, 2, 4>(&input, &mut output);
/// assert_eq!(output[0], [[0.0], [1.0], [3.0], [4.0]]);
/// ```
#[inline]
pub fn upsample_bilinear<
    const H: usize,
    const W: usize,
    const C: usize,
    const SH: usize,
    const SW: usize,
    const OH: usize,
    const OW: usize,
>(
    input: &[[[f32; C]; W]; H],
    output: &mut [[[f32; C]; OW]; OH],
) {
    const {
        assert!(
            OH == H * SH && OW == W * SW && H > 0 && W > 0,
            "the output is the input times the size"
        );
    }
    // TensorFlow's interpolation weights along one axis: the two input
    // indices and the weight of the second.
    fn weights(out: usize, size: usize, scale: f32) -> (usize, usize, f32) {
        let at = (out as f32 + 0.5) * scale - 0.5;
        let floor = libm::floorf(at);
        let low = (floor.max(0.0) as usize).min(size - 1);
        let high = (libm::ceilf(at).max(0.0) as usize).min(size - 1);
        (low, high, at - floor)
    }
    let (row_scale, col_scale) = (H as f32 / OH as f32, W as f32 / OW as f32);
    for (y, out_row) in output.iter_mut().enumerate() {
        let (top, bottom, y_lerp) = weights(y, H, row_scale);
        for (x, pixel) in out_row.iter_mut().enumerate() {
            let (left, right, x_lerp) = weights(x, W, col_scale);
            let (tl, tr) = (&input[top][left], &input[top][right]);
            let (bl, br) = (&input[bottom][left], &input[bottom][right]);
            for (k, out) in pixel.iter_mut().enumerate() {
                let upper = tl[k] + (tr[k] - tl[k]) * x_lerp;
                let lower = bl[k] + (br[k] - bl[k]) * x_lerp;
                *out = upper + (lower - upper) * y_lerp;
            }
        }
    }
}

/// A size `n` broadcasts to `to`: the same, or 1.
const fn broadcasts(n: usize, to: usize) -> bool {
    n == to || n == 1
}

/// Keras' UpSampling2D with nearest-neighbour interpolation: each pixel of
/// `input` repeated `SH` times down and `SW` times across.
#[inline]
pub fn upsample_nearest<
    const H: usize,
    const W: usize,
    const C: usize,
    const SH: usize,
    const SW: usize,
    const OH: usize,
    const OW: usize,
>(
    input: &[[[f32; C]; W]; H],
    output: &mut [[[f32; C]; OW]; OH],
) {
    const {
        assert!(
            OH == H * SH && OW == W * SW,
            "the output is the input times the size"
        );
    }
    for (y, out_row) in output.iter_mut().enumerate() {
        let in_row = &input[y / SH];
        for (x, pixel) in out_row.iter_mut().enumerate() {
            *pixel = in_row[x / SW];
        }
    }
}

/// Keras' Cropping2D: the `OH x OW` window of `input` from row `CT` and
/// column `CL` (what the bottom and right crops leave is the rest).
#[inline]
pub fn crop2d<
    const H: usize,
    const W: usize,
    const C: usize,
    const CT: usize,
    const CL: usize,
    const OH: usize,
    const OW: usize,
>(
    input: &[[[f32; C]; W]; H],
    output: &mut [[[f32; C]; OW]; OH],
) {
    const {
        assert!(CT + OH <= H, "the window's rows are in the input");
        assert!(CL + OW <= W, "the window's columns are in the input");
    }
    for (out_row, in_row) in output.iter_mut().zip(&input[CT..]) {
        out_row.copy_from_slice(&in_row[CL..CL + OW]);
    }
}

/// One input of Keras' Concatenate on the channel axis: its `C` channels of
/// every pixel go to channels `AT..AT + C` of the `CO`-channel output.
#[inline]
pub fn concat_channels<
    const H: usize,
    const W: usize,
    const C: usize,
    const CO: usize,
    const AT: usize,
>(
    input: &[[[f32; C]; W]; H],
    output: &mut [[[f32; CO]; W]; H],
) {
    const { assert!(AT + C <= CO, "the input's channels fit in the output") }
    for (in_row, out_row) in input.iter().zip(output.iter_mut()) {
        for (x, y) in in_row.iter().zip(out_row.iter_mut()) {
            y[AT..AT + C].copy_from_slice(x);
        }
    }
}
