//! Activation functions with Keras 3's definitions, as zero-sized types so that
//! each fused kernel is compiled for its own activation.

/// An element-wise activation, fused into the kernel that produces its input.
pub trait Activation: Copy {
    fn apply(self, x: f32) -> f32;

    /// Whether kernels may apply it to a vector register before storing it
    /// (otherwise they apply [`Activation::apply`] to what they stored).
    #[doc(hidden)]
    const IN_REGISTERS: InRegisters = InRegisters::No;
}

/// An activation kernels compute on vector registers: `max(x, 0)` on a
/// vector gives 0 for NaN and -0, exactly as [`Relu`] does.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InRegisters {
    No,
    Identity,
    Relu,
}

macro_rules! activation {
    ($(#[$doc:meta])* $name:ident, |$x:ident| $body:expr) => {
        activation!($(#[$doc])* $name, |$x| $body, InRegisters::No);
    };
    ($(#[$doc:meta])* $name:ident, |$x:ident| $body:expr, $in_registers:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        pub struct $name;

        impl Activation for $name {
            #[inline(always)]
            fn apply(self, $x: f32) -> f32 {
                $body
            }

            const IN_REGISTERS: InRegisters = $in_registers;
        }
    };
}

activation!(
    /// The identity (also what softmax layers use before their own pass).
    Linear, |x| x, InRegisters::Identity
);
activation!(
    /// `max(x, 0)`.
    Relu, |x| if x > 0.0 { x } else { 0.0 }, InRegisters::Relu
);
activation!(
    /// `min(max(x, 0), 6)`.
    Relu6, |x| x.clamp(0.0, 6.0)
);
activation!(
    /// `min(max(x, -1), 1)` (TensorFlow Lite's fused `RELU_N1_TO_1`).
    ReluN1To1, |x| x.clamp(-1.0, 1.0)
);
activation!(
    /// `x * min(max(x + 3, 0), 6) / 6` (hard swish, Keras' `hard_silu`).
    HardSwish, |x| x * (x + 3.0).clamp(0.0, 6.0) / 6.0
);
activation!(
    /// `1 / (1 + e^-x)`.
    Sigmoid, |x| sigmoid(x)
);
activation!(
    /// The hyperbolic tangent.
    Tanh, |x| libm::tanhf(x)
);
activation!(
    /// `x` for `x > 0`, else `e^x - 1` (alpha 1).
    Elu, |x| if x > 0.0 { x } else { libm::expm1f(x) }
);
activation!(
    /// The exact GELU, `0.5 x (1 + erf(x / sqrt 2))`: Keras' default, not the tanh approximation.
    Gelu, |x| 0.5 * x * (1.0 + libm::erff(x * core::f32::consts::FRAC_1_SQRT_2))
);
activation!(
    /// `x * sigmoid(x)`, also called silu.
    Swish, |x| x * sigmoid(x)
);

/// `x` for `x >= 0`, else `slope * x`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LeakyRelu(pub f32);

impl Activation for LeakyRelu {
    #[inline(always)]
    fn apply(self, x: f32) -> f32 {
        if x >= 0.0 {
            x
        } else {
            self.0 * x
        }
    }
}

/// Keras' `ReLU` layer with its options, computed in Keras' order: the part
/// above `threshold` (clipped to `[0, max_value]` when a maximum is given)
/// minus `negative_slope * max(threshold - x, 0)`. So `x` between the
/// threshold and the maximum, `max_value` above it, and
/// `negative_slope * (x - threshold)` at or below the threshold.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReluWith {
    /// `f32::INFINITY` for none.
    pub max_value: f32,
    pub negative_slope: f32,
    pub threshold: f32,
}

impl Activation for ReluWith {
    #[inline(always)]
    fn apply(self, x: f32) -> f32 {
        let t = self.threshold;
        let above = if t != 0.0 {
            if x > t {
                x
            } else {
                0.0
            }
        } else if x > 0.0 {
            x
        } else {
            0.0
        };
        let above = if self.max_value.is_finite() {
            above.clamp(0.0, self.max_value)
        } else {
            above
        };
        if self.negative_slope != 0.0 {
            let below = if t - x > 0.0 { t - x } else { 0.0 };
            above - self.negative_slope * below
        } else {
            above
        }
    }
}

#[inline(always)]
fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + libm::expf(-x))
}

/// Applies `f` to every value in place.
#[inline]
pub fn apply_in_place<A: Activation>(values: &mut [f32], f: A) {
    for v in values {
        *v = f.apply(*v);
    }
}

/// Softmax over consecutive groups of `group` values (the last axis), in place,
/// computed stably: `e^(x - max) / sum`.
///
/// A NaN in a group makes the whole group NaN, as in TensorFlow.
#[inline]
pub fn softmax_groups(values: &mut [f32], group: usize) {
    if group == 0 {
        return;
    }
    for chunk in values.chunks_exact_mut(group) {
        let max = chunk.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut sum = 0.0;
        for v in chunk.iter_mut() {
            *v = libm::expf(*v - max);
            sum += *v;
        }
        let scale = 1.0 / sum;
        for v in chunk.iter_mut() {
            *v *= scale;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definitions_match_keras() {
        assert_eq!(Relu.apply(-2.0), 0.0);
        assert_eq!(Relu6.apply(7.5), 6.0);
        assert_eq!(LeakyRelu(0.3).apply(-2.0), -0.6);
        assert!((Elu.apply(-1.0) - (-0.632_120_56)).abs() < 1e-7);
        assert!((Gelu.apply(1.0) - 0.841_344_7).abs() < 1e-7);
        assert!((Swish.apply(1.0) - 0.731_058_6).abs() < 1e-7);
        assert!((Sigmoid.apply(0.0) - 0.5).abs() < 1e-7);
        let r = ReluWith {
            max_value: 6.0,
            negative_slope: 0.1,
            threshold: 0.2,
        };
        assert_eq!(r.apply(7.0), 6.0);
        assert_eq!(r.apply(0.5), 0.5);
        assert!((r.apply(-1.8) - (-0.2)).abs() < 1e-7);
        assert_eq!(r.apply(0.2), 0.0);
    }

    #[test]
    fn softmax_is_stable_and_sums_to_one() {
        let mut v = [1000.0, 1001.0, 1002.0, 0.0, 0.0, 0.0];
        softmax_groups(&mut v, 3);
        assert!((v[..3].iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!(v[2] > v[1] && v[1] > v[0]);
        assert!((v[3] - 1.0 / 3.0).abs() < 1e-7);
    }
}
