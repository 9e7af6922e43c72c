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
