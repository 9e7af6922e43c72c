//! Parameter blocks of the layers that have weights, in Keras' layouts, so a
//! Keras tensor's bytes load with no transposition.

use crate::memory::{Plain, Zeroable};

/// Conv2D weights: kernel `(kh, kw, c_in, c_out)` and bias `(c_out)` (all zero
/// when the layer has `use_bias = false`).
///
/// `repr(C)`: kernel then bias, with no padding, so weights embedded at compile
/// time can be laid out as this type's bytes.
#[derive(Clone, Debug, PartialEq)]
#[repr(C)]
pub struct Conv2DParams<const KH: usize, const KW: usize, const CI: usize, const CO: usize> {
    pub kernel: [[[[f32; CO]; CI]; KW]; KH],
    pub bias: [f32; CO],
}

/// Dense weights: kernel `(in, out)` and bias `(out)`.
#[derive(Clone, Debug, PartialEq)]
#[repr(C)]
pub struct DenseParams<const I: usize, const O: usize> {
    pub kernel: [[f32; O]; I],
    pub bias: [f32; O],
}

impl<const KH: usize, const KW: usize, const CI: usize, const CO: usize>
    Conv2DParams<KH, KW, CI, CO>
{
    pub const ZERO: Self = Conv2DParams {
        kernel: [[[[0.0; CO]; CI]; KW]; KH],
        bias: [0.0; CO],
    };

    pub fn kernel_flat_mut(&mut self) -> &mut [f32] {
        self.kernel
            .as_flattened_mut()
            .as_flattened_mut()
            .as_flattened_mut()
    }

    pub fn kernel_flat(&self) -> &[f32] {
        self.kernel.as_flattened().as_flattened().as_flattened()
    }
}

impl<const I: usize, const O: usize> DenseParams<I, O> {
    pub const ZERO: Self = DenseParams {
        kernel: [[0.0; O]; I],
        bias: [0.0; O],
    };

    pub fn kernel_flat_mut(&mut self) -> &mut [f32] {
        self.kernel.as_flattened_mut()
    }

    pub fn kernel_flat(&self) -> &[f32] {
        self.kernel.as_flattened()
    }
}

// SAFETY: two f32 arrays each.
unsafe impl<const KH: usize, const KW: usize, const CI: usize, const CO: usize> Zeroable
    for Conv2DParams<KH, KW, CI, CO>
{
}
// SAFETY: two f32 arrays.
unsafe impl<const I: usize, const O: usize> Zeroable for DenseParams<I, O> {}

// SAFETY: repr(C) with two f32 arrays: f32 alignment, no padding, any bits valid.
unsafe impl<const KH: usize, const KW: usize, const CI: usize, const CO: usize> Plain
    for Conv2DParams<KH, KW, CI, CO>
{
}
// SAFETY: repr(C) with two f32 arrays.
unsafe impl<const I: usize, const O: usize> Plain for DenseParams<I, O> {}

/// DepthwiseConv2D weights: kernel `(kh, kw, c_in, multiplier)` and bias
/// `(c_in * multiplier)`, stored as `[[f32; M]; CI]` (the same bytes): output
/// channel `c * M + j` is input channel `c` times kernel column `j`.
#[derive(Clone, Debug, PartialEq)]
#[repr(C)]
pub struct DepthwiseConv2DParams<const KH: usize, const KW: usize, const CI: usize, const M: usize>
{
    pub kernel: [[[[f32; M]; CI]; KW]; KH],
    pub bias: [[f32; M]; CI],
}

impl<const KH: usize, const KW: usize, const CI: usize, const M: usize>
    DepthwiseConv2DParams<KH, KW, CI, M>
{
    pub const ZERO: Self = DepthwiseConv2DParams {
        kernel: [[[[0.0; M]; CI]; KW]; KH],
        bias: [[0.0; M]; CI],
    };
}

/// SeparableConv2D weights: the depthwise kernel `(kh, kw, c_in, multiplier)`,
/// the pointwise kernel `(1, 1, c_in * multiplier, filters)` stored as
/// `[[f32; CO]; CM]` (the same bytes; `CM` is `c_in * multiplier`), and one
/// bias `(filters)`.
#[derive(Clone, Debug, PartialEq)]
#[repr(C)]
pub struct SeparableConv2DParams<
    const KH: usize,
    const KW: usize,
    const CI: usize,
    const M: usize,
    const CM: usize,
    const CO: usize,
> {
    pub depthwise_kernel: [[[[f32; M]; CI]; KW]; KH],
    pub pointwise_kernel: [[f32; CO]; CM],
    pub bias: [f32; CO],
}

impl<
        const KH: usize,
        const KW: usize,
        const CI: usize,
        const M: usize,
        const CM: usize,
        const CO: usize,
    > SeparableConv2DParams<KH, KW, CI, M, CM, CO>
{
    pub const ZERO: Self = SeparableConv2DParams {
        depthwise_kernel: [[[[0.0; M]; CI]; KW]; KH],
        pointwise_kernel: [[0.0; CO]; CM],
        bias: [0.0; CO],
    };
}

/// BatchNormalization variables, per channel: `gamma` (scale), `beta`
/// (offset), and the non-trainable `moving_mean` and `moving_variance`. A
/// layer with `scale = false` or `center = false` leaves `gamma` or `beta`
/// unused.
#[derive(Clone, Debug, PartialEq)]
#[repr(C)]
pub struct BatchNormParams<const C: usize> {
    pub gamma: [f32; C],
    pub beta: [f32; C],
    pub moving_mean: [f32; C],
    pub moving_variance: [f32; C],
}

impl<const C: usize> BatchNormParams<C> {
    pub const ZERO: Self = BatchNormParams {
        gamma: [0.0; C],
        beta: [0.0; C],
        moving_mean: [0.0; C],
        moving_variance: [0.0; C],
    };
}

/// Conv2DTranspose's kernel, in Keras' layout `(kh, kw, filters, c_in)`, and
/// its bias (one per filter).
#[derive(Clone, Debug, PartialEq)]
#[repr(C)]
pub struct Conv2DTransposeParams<const KH: usize, const KW: usize, const F: usize, const C: usize> {
    pub kernel: [[[[f32; C]; F]; KW]; KH],
    pub bias: [f32; F],
}

impl<const KH: usize, const KW: usize, const F: usize, const C: usize>
    Conv2DTransposeParams<KH, KW, F, C>
{
    pub const ZERO: Self = Conv2DTransposeParams {
        kernel: [[[[0.0; C]; F]; KW]; KH],
        bias: [0.0; F],
    };
}

/// LayerNormalization's variables, per channel: `gamma` (scale) and `beta`
/// (offset). A layer with `scale = false` or `center = false` leaves `gamma`
/// or `beta` unused.
#[derive(Clone, Debug, PartialEq)]
#[repr(C)]
pub struct LayerNormParams<const C: usize> {
    pub gamma: [f32; C],
    pub beta: [f32; C],
}

impl<const C: usize> LayerNormParams<C> {
    pub const ZERO: Self = LayerNormParams {
        gamma: [0.0; C],
        beta: [0.0; C],
    };
}

/// ConvNeXt's LayerScale: one factor per channel, `gamma`.
#[derive(Clone, Debug, PartialEq)]
#[repr(C)]
pub struct LayerScaleParams<const C: usize> {
    pub gamma: [f32; C],
}

impl<const C: usize> LayerScaleParams<C> {
    pub const ZERO: Self = LayerScaleParams { gamma: [0.0; C] };
}

/// Normalization's statistics adapted to data (Keras' `adapt`), per channel:
/// `mean`, `variance`, and the number of samples they came from (`count`,
/// kept so that a file round-trips; inference does not read it).
#[derive(Clone, Debug, PartialEq)]
#[repr(C)]
pub struct NormalizationParams<const C: usize> {
    pub mean: [f32; C],
    pub variance: [f32; C],
    pub count: [f32; 1],
}

impl<const C: usize> NormalizationParams<C> {
    pub const ZERO: Self = NormalizationParams {
        mean: [0.0; C],
        variance: [0.0; C],
        count: [0.0],
    };

    /// Keras' divisor per channel: the standard deviation, at least 1e-7
    /// (Keras' epsilon), computed at each call as Keras does.
    ///
    /// ```
    /// let params = cnn_runtime::NormalizationParams::<2> {
    ///     mean: [0.0; 2],
    ///     variance: [4.0, 0.0],
    ///     count: [10.0],
    /// };
    /// assert_eq!(params.std(), [2.0, 1e-7]);
    /// ```
    pub fn std(&self) -> [f32; C] {
        self.variance.map(|v| libm::sqrtf(v).max(1e-7))
    }
}

// SAFETY: f32 arrays only.
unsafe impl<const KH: usize, const KW: usize, const CI: usize, const M: usize> Zeroable
    for DepthwiseConv2DParams<KH, KW, CI, M>
{
}
// SAFETY: repr(C) with f32 arrays only: f32 alignment, no padding, any bits valid.
unsafe impl<const KH: usize, const KW: usize, const CI: usize, const M: usize> Plain
    for DepthwiseConv2DParams<KH, KW, CI, M>
{
}
// SAFETY: f32 arrays only.
unsafe impl<
        const KH: usize,
        const KW: usize,
        const CI: usize,
        const M: usize,
        const CM: usize,
        const CO: usize,
    > Zeroable for SeparableConv2DParams<KH, KW, CI, M, CM, CO>
{
}
// SAFETY: repr(C) with f32 arrays only.
unsafe impl<
        const KH: usize,
        const KW: usize,
        const CI: usize,
        const M: usize,
        const CM: usize,
        const CO: usize,
    > Plain for SeparableConv2DParams<KH, KW, CI, M, CM, CO>
{
}
// SAFETY: f32 arrays only.
unsafe impl<const C: usize> Zeroable for BatchNormParams<C> {}
// SAFETY: repr(C) with f32 arrays only.
unsafe impl<const C: usize> Plain for BatchNormParams<C> {}
// SAFETY: f32 arrays only.
unsafe impl<const C: usize> Zeroable for NormalizationParams<C> {}
// SAFETY: repr(C) with f32 arrays only.
unsafe impl<const C: usize> Plain for NormalizationParams<C> {}
// SAFETY: f32 arrays only.
unsafe impl<const C: usize> Zeroable for LayerNormParams<C> {}
// SAFETY: repr(C) with f32 arrays only.
unsafe impl<const C: usize> Plain for LayerNormParams<C> {}
// SAFETY: f32 arrays only.
unsafe impl<const C: usize> Zeroable for LayerScaleParams<C> {}
// SAFETY: repr(C) with f32 arrays only.
unsafe impl<const C: usize> Plain for LayerScaleParams<C> {}
// SAFETY: f32 arrays only.
unsafe impl<const KH: usize, const KW: usize, const F: usize, const C: usize> Zeroable
    for Conv2DTransposeParams<KH, KW, F, C>
{
}
// SAFETY: repr(C) with f32 arrays only.
unsafe impl<const KH: usize, const KW: usize, const F: usize, const C: usize> Plain
    for Conv2DTransposeParams<KH, KW, F, C>
{
}
