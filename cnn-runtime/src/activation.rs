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

/// An activation kernels compute on vector registers: for [`Relu`],
/// `max(0, x) + 0`, which keeps a NaN and turns -0 into 0, exactly as
/// [`Relu::apply`] does.
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
    /// `max(x, 0)`; NaN stays NaN and -0 is 0, as in TensorFlow.
    Relu, |x| relu(x), InRegisters::Relu
);
activation!(
    /// `min(max(x, 0), 6)`; NaN stays NaN and -0 is 0, as in TensorFlow.
    Relu6, |x| {
        let r = relu(x);
        if r > 6.0 {
            6.0
        } else {
            r
        }
    }
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
    /// GELU's tanh approximation (`keras.ops.gelu`'s default), as TensorFlow
    /// computes it: `0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))`.
    GeluTanh, |x| 0.5 * x * (1.0 + libm::tanhf(0.797_884_6 * (x + 0.044_715 * (x * x * x))))
);
activation!(
    /// `x * sigmoid(x)`, also called silu.
    Swish, |x| x * sigmoid(x)
);

activation!(
    /// Keras 3's hard sigmoid: `relu6(x + 3) / 6`.
    HardSigmoid, |x| Relu6.apply(x + 3.0) / 6.0
);
activation!(
    /// `x * tanh(softplus(x))`.
    Mish, |x| x * libm::tanhf(softplus(x))
);
activation!(
    /// `ln(1 + e^x)`, as TensorFlow computes it (see `softplus`).
    Softplus, |x| softplus(x)
);
activation!(
    /// `x / (1 + |x|)`.
    Softsign, |x| x / (1.0 + x.abs())
);
activation!(
    /// `scale * x` for `x > 0`, else `scale * alpha * (e^x - 1)`, with
    /// TensorFlow's constants.
    Selu, |x| if x > 0.0 { SELU_SCALE * x } else { SELU_SCALE_ALPHA * libm::expm1f(x) }
);
activation!(
    /// `e^x`.
    Exponential, |x| libm::expf(x)
);
activation!(
    /// `x - tanh(x)`.
    TanhShrink, |x| x - libm::tanhf(x)
);
activation!(
    /// `log(sigmoid(x))`, as TensorFlow computes it: `-softplus(-x)`.
    LogSigmoid, |x| -softplus(-x)
);
activation!(
    /// `max(x, 0) + expm1(min(x, 0))` (Keras' alpha 1).
    Celu, |x| if x > 0.0 { x } else { libm::expm1f(x) }
);
activation!(
    /// `x - 0.5` above 0.5, `x + 0.5` below -0.5, else 0.
    SoftShrink, |x| if x > 0.5 { x - 0.5 } else if x < -0.5 { x + 0.5 } else { 0.0 }
);
activation!(
    /// `x` where `|x| > 0.5`, else 0.
    HardShrink, |x| if x.abs() > 0.5 { x } else { 0.0 }
);
activation!(
    /// `(x + sqrt(x^2 + 4)) / 2`.
    Squareplus, |x| (x + libm::sqrtf(x * x + 4.0)) / 2.0
);
activation!(
    /// 0 to -1, `(x + 1)^2 / 4` below 1, then `x`.
    SparsePlus, |x| if x <= -1.0 { 0.0 } else if x < 1.0 { 0.25 * (x + 1.0) * (x + 1.0) } else { x }
);
activation!(
    /// 0 to -1, `(x + 1) / 2` below 1, then 1.
    SparseSigmoid, |x| if x <= -1.0 { 0.0 } else if x >= 1.0 { 1.0 } else { 0.5 * (x + 1.0) }
);

/// TensorFlow's `selu` scale and scale times alpha.
const SELU_SCALE: f32 = 1.050_701;
const SELU_SCALE_ALPHA: f32 = 1.758_099_3;

/// TensorFlow's softplus for f32: `x` above `-(ln(epsilon) + 2)`, `e^x`
/// below `ln(epsilon) + 2` (where `ln(e^x + 1)` rounds to them in f32),
/// else `ln(e^x + 1)`.
#[inline(always)]
fn softplus(x: f32) -> f32 {
    const THRESHOLD: f32 = 13.942_385;
    if x > THRESHOLD {
        x
    } else if x < -THRESHOLD {
        libm::expf(x)
    } else {
        libm::logf(libm::expf(x) + 1.0)
    }
}

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
        let (t, slope) = (self.threshold, self.negative_slope);
        if slope != 0.0 && t == 0.0 && !self.max_value.is_finite() {
            return LeakyRelu(slope).apply(x); // as Keras computes it
        }
        // Above a threshold Keras selects `x > t` (a NaN is then 0), else
        // takes TensorFlow's relu (a NaN stays NaN).
        let above = if t != 0.0 {
            if x > t {
                x
            } else {
                0.0
            }
        } else {
            relu(x)
        };
        let above = if self.max_value.is_finite() {
            above.clamp(0.0, self.max_value)
        } else {
            above
        };
        if slope != 0.0 {
            above - slope * relu(t - x)
        } else {
            above
        }
    }
}

/// TensorFlow's relu: `x` above 0 and NaN, else 0 (-0 included).
#[inline(always)]
fn relu(x: f32) -> f32 {
    if x > 0.0 || x.is_nan() {
        x
    } else {
        0.0
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

/// Log-softmax over consecutive groups of `group` values (the last axis),
/// in place, as TensorFlow computes it: `(x - max) - log(sum(e^(x - max)))`.
/// A NaN in a group makes the whole group NaN.
#[inline]
pub fn log_softmax_groups(values: &mut [f32], group: usize) {
    if group == 0 {
        return;
    }
    for chunk in values.chunks_exact_mut(group) {
        let max = chunk.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let sum: f32 = chunk.iter().map(|v| libm::expf(v - max)).sum();
        let log_sum = libm::logf(sum);
        for v in chunk.iter_mut() {
            *v = (*v - max) - log_sum;
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

    /// What TensorFlow 2.21 (Keras 3.15, `model.predict`) gives for NaN, the
    /// infinities and -0: `(input, output)` pairs; `None` is NaN. Every
    /// activation keeps a NaN, except the `x > threshold` selection of a
    /// `ReLU` layer with a threshold and no negative slope.
    #[test]
    fn nan_infinities_and_signed_zero_are_tensorflow_s() {
        fn check(name: &str, f: impl Activation, cases: &[(f32, Option<f32>)]) {
            for &(x, expected) in cases {
                let y = f.apply(x);
                match expected {
                    None => assert!(y.is_nan(), "{name}({x}) = {y}, TensorFlow: NaN"),
                    Some(e) => assert!(
                        y == e && y.is_sign_negative() == e.is_sign_negative(),
                        "{name}({x}) = {y}, TensorFlow: {e}"
                    ),
                }
            }
        }
        let (nan, inf) = (f32::NAN, f32::INFINITY);
        check(
            "relu",
            Relu,
            &[
                (nan, None),
                (inf, Some(inf)),
                (-inf, Some(0.0)),
                (-0.0, Some(0.0)),
            ],
        );
        check(
            "relu6",
            Relu6,
            &[
                (nan, None),
                (inf, Some(6.0)),
                (-inf, Some(0.0)),
                (-0.0, Some(0.0)),
            ],
        );
        check(
            "sigmoid",
            Sigmoid,
            &[(nan, None), (inf, Some(1.0)), (-inf, Some(0.0))],
        );
        check(
            "tanh",
            Tanh,
            &[
                (nan, None),
                (inf, Some(1.0)),
                (-inf, Some(-1.0)),
                (-0.0, Some(-0.0)),
            ],
        );
        check(
            "elu",
            Elu,
            &[
                (nan, None),
                (inf, Some(inf)),
                (-inf, Some(-1.0)),
                (-0.0, Some(-0.0)),
            ],
        );
        check(
            "gelu",
            Gelu,
            &[
                (nan, None),
                (inf, Some(inf)),
                (-inf, None),
                (-0.0, Some(-0.0)),
            ],
        );
        check(
            "silu",
            Swish,
            &[
                (nan, None),
                (inf, Some(inf)),
                (-inf, None),
                (-0.0, Some(-0.0)),
            ],
        );
        check(
            "hard_silu",
            HardSwish,
            &[
                (nan, None),
                (inf, Some(inf)),
                (-inf, None),
                (-0.0, Some(-0.0)),
            ],
        );
        check(
            "leaky_relu",
            LeakyRelu(0.2),
            &[
                (nan, None),
                (inf, Some(inf)),
                (-inf, Some(-inf)),
                (-0.0, Some(-0.0)),
            ],
        );
        // keras.layers.ReLU(max_value, negative_slope, threshold).
        let layer = |max_value: f32, negative_slope: f32, threshold: f32| ReluWith {
            max_value,
            negative_slope,
            threshold,
        };
        // (max_value, negative_slope, threshold): the outputs for NaN, inf,
        // -inf and -0.
        type Outputs = [Option<f32>; 4];
        let cases: [((f32, f32, f32), Outputs); 6] = [
            (
                (inf, 0.0, 0.5),
                [Some(0.0), Some(inf), Some(0.0), Some(0.0)],
            ),
            ((inf, 0.1, 0.5), [None, Some(inf), Some(-inf), Some(-0.05)]),
            ((6.0, 0.1, 0.0), [None, Some(6.0), Some(-inf), Some(0.0)]),
            (
                (6.0, 0.0, 0.5),
                [Some(0.0), Some(6.0), Some(0.0), Some(0.0)],
            ),
            ((4.0, 0.0, 0.0), [None, Some(4.0), Some(0.0), Some(0.0)]),
            ((4.0, 0.1, 0.5), [None, Some(4.0), Some(-inf), Some(-0.05)]),
        ];
        for ((max, slope, threshold), outputs) in cases {
            let inputs = [nan, inf, -inf, -0.0];
            let pairs: std::vec::Vec<(f32, Option<f32>)> =
                inputs.into_iter().zip(outputs).collect();
            check(
                &std::format!("ReLU({max}, {slope}, {threshold})"),
                layer(max, slope, threshold),
                &pairs,
            );
        }
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
