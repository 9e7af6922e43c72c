//! What a convolution does to each output channel's sum before its
//! activation: nothing, add a bias, or an affine map that a following
//! BatchNormalization was folded into (so the normalised map is written in
//! the same pass as the sums, not read and written again).

use crate::params::BatchNormParams;
use crate::simd::{lane_blocks, Lanes};

/// Per output channel, what a convolution adds to (or multiplies into) its
/// sums before the activation; the `*_dyn` kernels take it.
#[derive(Clone, Copy, Debug, Default)]
pub enum Epilogue<'a> {
    /// The sums as they are.
    #[default]
    Nothing,
    /// `sum + bias[c]`.
    Bias(&'a [f32]),
    /// `sum * scale[c] + shift[c]`: a bias and a BatchNormalization after it,
    /// folded ([`Affine`]).
    Affine { scale: &'a [f32], shift: &'a [f32] },
}

impl<'a> From<Option<&'a [f32]>> for Epilogue<'a> {
    fn from(bias: Option<&'a [f32]>) -> Self {
        bias.map_or(Epilogue::Nothing, Epilogue::Bias)
    }
}

impl Epilogue<'_> {
    /// Whether every per-channel slice has at least `channels` values.
    pub(crate) fn covers(&self, channels: usize) -> bool {
        match *self {
            Epilogue::Nothing => true,
            Epilogue::Bias(b) => b.len() >= channels,
            Epilogue::Affine { scale, shift } => scale.len() >= channels && shift.len() >= channels,
        }
    }

    /// What the sums of channel `c` start from: its bias, or zero (an affine
    /// epilogue's shift comes at the end, after the scale).
    #[inline(always)]
    pub(crate) fn start(&self, c: usize) -> f32 {
        match *self {
            Epilogue::Bias(b) => b.get(c).copied().unwrap_or(0.0),
            Epilogue::Nothing | Epilogue::Affine { .. } => 0.0,
        }
    }

    /// Channel `c`'s sum, finished.
    #[inline(always)]
    pub(crate) fn finish(&self, c: usize, sum: f32) -> f32 {
        match *self {
            Epilogue::Affine { scale, shift } => match (scale.get(c), shift.get(c)) {
                (Some(s), Some(t)) => sum * s + t,
                _ => sum,
            },
            Epilogue::Nothing | Epilogue::Bias(_) => sum,
        }
    }

    /// [`Self::start`] for the `NV` vectors of channels from `col`.
    #[inline(always)]
    pub(crate) fn start_lanes<L: Lanes<N>, const N: usize, const NV: usize>(
        &self,
        l: L,
        col: usize,
    ) -> [L::V; NV] {
        match *self {
            Epilogue::Bias(b) => match lane_blocks::<N, NV>(b, col) {
                Some(b) => core::array::from_fn(|v| l.load(&b[v])),
                None => [l.zero(); NV],
            },
            Epilogue::Nothing | Epilogue::Affine { .. } => [l.zero(); NV],
        }
    }

    /// [`Self::finish`] for `M` pixels' `NV` vectors of channels from `col`.
    #[inline(always)]
    pub(crate) fn finish_lanes<L: Lanes<N>, const N: usize, const M: usize, const NV: usize>(
        &self,
        l: L,
        col: usize,
        sums: &mut [[L::V; NV]; M],
    ) {
        let Epilogue::Affine { scale, shift } = *self else {
            return;
        };
        let (Some(scale), Some(shift)) = (
            lane_blocks::<N, NV>(scale, col),
            lane_blocks::<N, NV>(shift, col),
        ) else {
            return;
        };
        let scale: [L::V; NV] = core::array::from_fn(|v| l.load(&scale[v]));
        let shift: [L::V; NV] = core::array::from_fn(|v| l.load(&shift[v]));
        for pixel in sums {
            for v in 0..NV {
                pixel[v] = l.mul_add(pixel[v], scale[v], shift[v]);
            }
        }
    }
}

/// `x * scale + shift` per channel, for a convolution's sums: a bias and the
/// BatchNormalization after it in one map ([`BatchNormParams::fold`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Affine<const C: usize> {
    pub scale: [f32; C],
    pub shift: [f32; C],
}

impl<const C: usize> Affine<C> {
    /// As an [`Epilogue`].
    pub fn epilogue(&self) -> Epilogue<'_> {
        Epilogue::Affine {
            scale: &self.scale,
            shift: &self.shift,
        }
    }
}

impl<const C: usize> BatchNormParams<C> {
    /// The BatchNormalization as one affine map per channel, computed as
    /// TensorFlow does: `inv = gamma / sqrt(moving_variance + epsilon)`,
    /// `x * inv + (beta - moving_mean * inv)`, with `bias` (of the layer
    /// before) added to `x` first. `scale = false` takes `gamma` as 1,
    /// `center = false` takes `beta` as 0.
    ///
    /// ```
    /// use cnn_runtime::BatchNormParams;
    ///
    /// let bn = BatchNormParams::<1> {
    ///     gamma: [2.0],
    ///     beta: [1.0],
    ///     moving_mean: [3.0],
    ///     moving_variance: [4.0],
    /// };
    /// let affine = bn.fold(0.0, true, true, Some(&[0.5]));
    /// // ((x + 0.5) - 3) * 2 / 2 + 1 = x - 1.5
    /// assert_eq!((affine.scale, affine.shift), ([1.0], [-1.5]));
    /// ```
    pub fn fold(
        &self,
        epsilon: f32,
        scale: bool,
        center: bool,
        bias: Option<&[f32; C]>,
    ) -> Affine<C> {
        let mut affine = Affine {
            scale: [0.0; C],
            shift: [0.0; C],
        };
        for c in 0..C {
            let mut inv = 1.0 / libm::sqrtf(self.moving_variance[c] + epsilon);
            if scale {
                inv *= self.gamma[c];
            }
            let beta = if center { self.beta[c] } else { 0.0 };
            let mean = self.moving_mean[c] - bias.map_or(0.0, |b| b[c]);
            affine.scale[c] = inv;
            affine.shift[c] = beta - mean * inv;
        }
        affine
    }
}

/// What the const-generic kernels accept as the epilogue of a layer whose
/// output pixel is a `T` (`[f32; C]`, or `[[f32; M]; C]` for a depthwise
/// convolution): its bias (`Some(&bias)` or `None`) or, with one value per
/// channel, an [`Affine`] map.
pub trait ChannelEpilogue<T> {
    fn epilogue(&self) -> Epilogue<'_>;
}

impl<const C: usize> ChannelEpilogue<[f32; C]> for Option<&[f32; C]> {
    fn epilogue(&self) -> Epilogue<'_> {
        Epilogue::from(self.map(|b| &b[..]))
    }
}

impl<const M: usize, const C: usize> ChannelEpilogue<[[f32; M]; C]> for Option<&[[f32; M]; C]> {
    fn epilogue(&self) -> Epilogue<'_> {
        Epilogue::from(self.map(|b| b.as_flattened()))
    }
}

impl<const C: usize> ChannelEpilogue<[f32; C]> for &Affine<C> {
    fn epilogue(&self) -> Epilogue<'_> {
        Affine::epilogue(self)
    }
}

/// A depthwise convolution with one filter per channel.
impl<const C: usize> ChannelEpilogue<[[f32; 1]; C]> for &Affine<C> {
    fn epilogue(&self) -> Epilogue<'_> {
        Affine::epilogue(self)
    }
}
