//! Every kernel against the ndarray reference implementation, on random shapes
//! and options: odd sizes, strides larger than the window, `same` padding with
//! an odd total, dilation, bias or not, a folded BatchNormalization or not,
//! every activation; convolution and
//! Dense on both instruction sets ([`cnn_runtime::simd`]). (Too slow for Miri.)
#![cfg(not(miri))]

use cnn_runtime::activation::{self, Activation};
use cnn_runtime::kernels::conv::{conv2d_dyn, Conv2DGeometry};
use cnn_runtime::kernels::dense::{dense_dyn, DenseGeometry};
use cnn_runtime::kernels::depthwise::{depthwise_conv2d_dyn, DepthwiseGeometry};
use cnn_runtime::kernels::elementwise::{batch_norm, concat_channels, zero_pad2d};
use cnn_runtime::kernels::epilogue::Epilogue;
use cnn_runtime::kernels::pool::{global_pool_dyn, pool2d_dyn, PoolGeometry, PoolOp};
use cnn_runtime::reference::{self, Padding};
use cnn_runtime::simd;
use cnn_runtime::BatchNormParams;
use ndarray::{Array1, Array2, Array3, Array4, ArrayD, IxDyn};
use proptest::prelude::*;

fn values(len: usize) -> impl Strategy<Value = Vec<f32>> {
    prop::collection::vec(-2.0f32..2.0, len)
}

fn padding() -> impl Strategy<Value = Padding> {
    prop_oneof![Just(Padding::Valid), Just(Padding::Same)]
}

/// `ours` equals `reference` within f32 accumulation noise over `terms` products.
fn assert_close(ours: &[f32], reference: &[f32], terms: usize) {
    assert_eq!(ours.len(), reference.len());
    let tolerance = 8e-6 * (terms as f32).sqrt().max(1.0);
    for (i, (o, r)) in ours.iter().zip(reference).enumerate() {
        let scale = r.abs().max(1.0);
        assert!(
            (o - r).abs() <= tolerance * scale,
            "value {i}: kernel {o}, reference {r} (tolerance {tolerance})"
        );
    }
}

/// Activations the kernels fuse three ways: none, in registers (relu), after
/// the store (tanh).
fn fused_activation() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just("linear"), Just("relu"), Just("tanh")]
}

/// Calls `$call` with `$a` bound to the activation named `$name`.
macro_rules! with_activation {
    ($name:expr, |$a:ident| $call:expr) => {
        match $name {
            "relu" => {
                let $a = activation::Relu;
                $call
            }
            "tanh" => {
                let $a = activation::Tanh;
                $call
            }
            _ => {
                let $a = activation::Linear;
                $call
            }
        }
    };
}

/// A BatchNormalization of `c` channels after a convolution, with
/// variables that vary by channel.
struct Norm {
    gamma: Array1<f32>,
    beta: Array1<f32>,
    mean: Array1<f32>,
    variance: Array1<f32>,
}

const NORM_EPSILON: f32 = 1e-3;

impl Norm {
    fn new(c: usize) -> Norm {
        let f = |seed: f32| Array1::from_shape_fn(c, move |i| (i as f32 * 0.73 + seed).sin());
        Norm {
            gamma: f(0.1) * 1.5,
            beta: f(1.3),
            mean: f(2.2) * 0.5,
            variance: f(0.7).mapv(|v| v * v + 0.05),
        }
    }

    /// The reference: `y` normalised.
    fn apply(&self, y: &ArrayD<f32>) -> ArrayD<f32> {
        let (g, b) = (Some(&self.gamma), Some(&self.beta));
        reference::batch_norm(y, g, b, &self.mean, &self.variance, NORM_EPSILON)
    }

    /// `(scale, shift)` with `bias` folded in, in f64 independently of the
    /// runtime's own folding.
    fn folded(&self, bias: Option<&Array1<f32>>) -> (Vec<f32>, Vec<f32>) {
        (0..self.mean.len())
            .map(|c| {
                let inv = f64::from(self.gamma[c])
                    / (f64::from(self.variance[c]) + f64::from(NORM_EPSILON)).sqrt();
                let mean = f64::from(self.mean[c]) - bias.map_or(0.0, |b| f64::from(b[c]));
                (inv as f32, (f64::from(self.beta[c]) - mean * inv) as f32)
            })
            .unzip()
    }
}

/// The layer's epilogue: `folded` (a BatchNormalization) if there is one,
/// else the bias if there is one.
fn epilogue<'a>(folded: &'a Option<(Vec<f32>, Vec<f32>)>, bias: Option<&'a [f32]>) -> Epilogue<'a> {
    match folded {
        Some((scale, shift)) => Epilogue::Affine { scale, shift },
        None => bias.into(),
    }
}

#[derive(Clone, Debug)]
struct ConvCase {
    h: usize,
    w: usize,
    c_in: usize,
    c_out: usize,
    k: (usize, usize),
    strides: (usize, usize),
    dilation: (usize, usize),
    padding: Padding,
    bias: bool,
}

fn conv_case() -> impl Strategy<Value = ConvCase> {
    (
        // Up to 80 output channels: AVX-512's 4-vector tile, then 2, 1 and
        // a tail.
        (
            1usize..13,
            1usize..13,
            1usize..5,
            prop_oneof![1usize..41, 41usize..81],
        ),
        (1usize..6, 1usize..6),
        (1usize..5, 1usize..5),
        (1usize..4, 1usize..4),
        padding(),
        any::<bool>(),
    )
        .prop_map(
            |((h, w, c_in, c_out), k, strides, dilation, padding, bias)| ConvCase {
                h,
                w,
                c_in,
                c_out,
                k,
                strides,
                dilation,
                padding,
                bias,
            },
        )
        .prop_filter("a valid window must fit", |c| {
            c.padding == Padding::Same
                || (c.h > (c.k.0 - 1) * c.dilation.0 && c.w > (c.k.1 - 1) * c.dilation.1)
        })
}

/// The convolution `c` on every instruction-set path against the
/// reference, with `act` after it and, if `normalised`, a BatchNormalization
/// folded into it.
fn check_conv(
    c: &ConvCase,
    x: &Array3<f32>,
    kernel: &Array4<f32>,
    bias: &Array1<f32>,
    act: &str,
    normalised: bool,
) {
    let expected = reference::conv2d(
        x,
        kernel,
        c.bias.then_some(bias),
        c.strides,
        c.dilation,
        c.padding,
    );
    let norm = Norm::new(c.c_out);
    let folded = normalised.then(|| norm.folded(c.bias.then_some(bias)));
    let mut expected = expected.into_dyn();
    if normalised {
        expected = norm.apply(&expected);
    }
    let expected = reference::activation(&expected, act, 0.0);
    let eff = (
        (c.k.0 - 1) * c.dilation.0 + 1,
        (c.k.1 - 1) * c.dilation.1 + 1,
    );
    let (out_h, pad_top, _) = reference::output_and_padding(c.h, eff.0, c.strides.0, c.padding);
    let (out_w, pad_left, _) = reference::output_and_padding(c.w, eff.1, c.strides.1, c.padding);
    let g = Conv2DGeometry {
        h: c.h,
        w: c.w,
        c_in: c.c_in,
        c_out: c.c_out,
        kh: c.k.0,
        kw: c.k.1,
        stride_h: c.strides.0,
        stride_w: c.strides.1,
        dilation_h: c.dilation.0,
        dilation_w: c.dilation.1,
        pad_top,
        pad_left,
        out_h,
        out_w,
    };
    let run = || {
        let mut out = vec![f32::NAN; g.output_len()];
        with_activation!(act, |a| conv2d_dyn(
            g,
            x.as_slice().unwrap(),
            kernel.as_slice().unwrap(),
            epilogue(&folded, c.bias.then_some(bias.as_slice().unwrap())),
            a,
            &mut out,
        ));
        out
    };
    for out in [run(), simd::without_avx512(run), simd::with_portable(run)] {
        assert_close(&out, expected.as_slice().unwrap(), c.k.0 * c.k.1 * c.c_in);
    }
}

/// Kernels larger than 1 MiB run tap by tap (ResNet50's last stage): every
/// tap's pixels at the borders, strides, dilation, an activation after the
/// store, a folded BatchNormalization.
#[test]
fn large_kernels_equal_reference() {
    let case = |(h, w, c_in, c_out), k, strides, dilation, padding, bias| ConvCase {
        h,
        w,
        c_in,
        c_out,
        k,
        strides,
        dilation,
        padding,
        bias,
    };
    let cases = [
        (
            case(
                (7, 7, 128, 256),
                (3, 3),
                (1, 1),
                (1, 1),
                Padding::Same,
                true,
            ),
            "relu",
            false,
        ),
        (
            case(
                (6, 5, 1040, 256),
                (1, 1),
                (2, 2),
                (1, 1),
                Padding::Valid,
                false,
            ),
            "tanh",
            true,
        ),
        (
            case((5, 6, 80, 400), (3, 3), (1, 1), (2, 2), Padding::Same, true),
            "linear",
            true,
        ),
        (
            case(
                (9, 4, 40, 288),
                (5, 5),
                (2, 1),
                (1, 1),
                Padding::Same,
                false,
            ),
            "relu",
            true,
        ),
    ];
    for (c, act, normalised) in cases {
        assert!(
            c.k.0 * c.k.1 * c.c_in * c.c_out * 4 > 1 << 20,
            "a large kernel"
        );
        let wave = |i: usize, f: f32| ((i as f32) * f).sin();
        let x = Array3::from_shape_fn((c.h, c.w, c.c_in), |(i, j, k)| {
            wave((i * c.w + j) * c.c_in + k, 0.37)
        });
        let kernel = Array4::from_shape_fn((c.k.0, c.k.1, c.c_in, c.c_out), |(a, b, d, e)| {
            wave(((a * c.k.1 + b) * c.c_in + d) * c.c_out + e, 0.113) * 0.1
        });
        let bias = Array1::from_shape_fn(c.c_out, |i| wave(i, 1.7));
        check_conv(&c, &x, &kernel, &bias, act, normalised);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn conv2d_equals_reference(
        case in conv_case(),
        seed in values(12 * 12 * 4 + 5 * 5 * 4 * 80 + 80),
        act in fused_activation(),
        normalised in any::<bool>(),
    ) {
        let c = case;
        let x = Array3::from_shape_fn((c.h, c.w, c.c_in), |(i, j, k)| seed[(i * 12 + j) * 4 + k]);
        let base = 12 * 12 * 4;
        let kernel = Array4::from_shape_fn((c.k.0, c.k.1, c.c_in, c.c_out), |(a, b, d, e)| {
            seed[base + ((a * 5 + b) * 4 + d) * 80 + e]
        });
        let bias = Array1::from_shape_fn(c.c_out, |i| seed[base + 8000 + i]);
        check_conv(&c, &x, &kernel, &bias, act, normalised);
    }

    #[test]
    fn pooling_equals_reference(
        (h, w, ch) in (1usize..14, 1usize..14, 1usize..5),
        pool in (1usize..5, 1usize..5),
        strides in (1usize..6, 1usize..6),
        padding in padding(),
        max in any::<bool>(),
        seed in values(14 * 14 * 4),
    ) {
        prop_assume!(padding == Padding::Same || (h >= pool.0 && w >= pool.1));
        let x = Array3::from_shape_fn((h, w, ch), |(i, j, k)| seed[(i * 14 + j) * 4 + k]);
        let expected = reference::pool2d(&x, max, pool, strides, padding);
        let (out_h, pad_top, _) = reference::output_and_padding(h, pool.0, strides.0, padding);
        let (out_w, pad_left, _) = reference::output_and_padding(w, pool.1, strides.1, padding);
        let g = PoolGeometry {
            h,
            w,
            c: ch,
            ph: pool.0,
            pw: pool.1,
            stride_h: strides.0,
            stride_w: strides.1,
            pad_top,
            pad_left,
            out_h,
            out_w,
        };
        let mut out = vec![f32::NAN; out_h * out_w * ch];
        let op = if max { PoolOp::Max } else { PoolOp::Avg };
        pool2d_dyn(g, op, x.as_slice().unwrap(), &mut out);
        assert_close(&out, expected.as_slice().unwrap(), pool.0 * pool.1);
    }

    #[test]
    fn global_pooling_equals_reference(
        (h, w, ch) in (1usize..10, 1usize..10, 1usize..9),
        max in any::<bool>(),
        seed in values(10 * 10 * 8),
    ) {
        let x = Array3::from_shape_fn((h, w, ch), |(i, j, k)| seed[(i * 10 + j) * 8 + k]);
        let expected = reference::global_pool(&x, max);
        let mut out = vec![f32::NAN; ch];
        let op = if max { PoolOp::Max } else { PoolOp::Avg };
        global_pool_dyn(op, h * w, ch, x.as_slice().unwrap(), &mut out);
        assert_close(&out, expected.as_slice().unwrap(), h * w);
    }

    #[test]
    fn dense_equals_reference(
        (rows, fan_in, units) in (1usize..9, 1usize..48, 1usize..72),
        bias in any::<bool>(),
        seed in values(8 * 48 + 48 * 72 + 72),
        act in fused_activation(),
    ) {
        let x = ArrayD::from_shape_fn(IxDyn(&[rows, fan_in]), |i| seed[i[0] * 48 + i[1]]);
        let kernel = Array2::from_shape_fn((fan_in, units), |(i, o)| seed[384 + i * 72 + o]);
        let b = Array1::from_shape_fn(units, |o| seed[384 + 48 * 72 + o]);
        let expected = reference::dense(&x, &kernel, bias.then_some(&b));
        let expected = reference::activation(&expected, act, 0.0);
        let g = DenseGeometry { rows, fan_in, units };
        let run = || {
            let mut out = vec![f32::NAN; rows * units];
            with_activation!(act, |a| dense_dyn(
                g,
                x.as_slice().unwrap(),
                kernel.as_slice().unwrap(),
                bias.then_some(b.as_slice().unwrap()),
                a,
                &mut out,
            ));
            out
        };
        for out in [run(), simd::with_portable(run)] {
            assert_close(&out, expected.as_slice().unwrap(), fan_in);
        }
    }

    #[test]
    fn activations_equal_reference(
        x in prop::collection::vec(-30.0f32..30.0, 1..64),
        slope in 0.0f32..1.0,
    ) {
        let input = ArrayD::from_shape_vec(IxDyn(&[x.len()]), x.clone()).unwrap();
        let check = |name: &str, f: &dyn Fn(f32) -> f32| {
            let expected = reference::activation(&input, name, slope);
            for (&v, r) in x.iter().zip(expected.iter()) {
                let o = f(v);
                assert!((o - r).abs() <= 2e-6 * r.abs().max(1.0), "{name}({v}): {o} vs {r}");
            }
        };
        check("linear", &|v| activation::Linear.apply(v));
        check("relu", &|v| activation::Relu.apply(v));
        check("relu6", &|v| activation::Relu6.apply(v));
        check("sigmoid", &|v| activation::Sigmoid.apply(v));
        check("tanh", &|v| activation::Tanh.apply(v));
        check("elu", &|v| activation::Elu.apply(v));
        check("gelu", &|v| activation::Gelu.apply(v));
        check("swish", &|v| activation::Swish.apply(v));
        check("leaky_relu", &|v| activation::LeakyRelu(slope).apply(v));
    }

    #[test]
    fn softmax_equals_reference(
        (groups, group) in (1usize..6, 1usize..12),
        seed in prop::collection::vec(-50.0f32..50.0, 72),
    ) {
        let x = ArrayD::from_shape_fn(IxDyn(&[groups, group]), |i| seed[i[0] * 12 + i[1]]);
        let expected = reference::activation(&x, "softmax", 0.0);
        let mut ours = x.as_slice().unwrap().to_vec();
        activation::softmax_groups(&mut ours, group);
        assert_close(&ours, expected.as_slice().unwrap(), group);
    }
}

#[derive(Clone, Debug)]
struct DepthwiseCase {
    h: usize,
    w: usize,
    c_in: usize,
    multiplier: usize,
    k: (usize, usize),
    strides: (usize, usize),
    dilation: (usize, usize),
    padding: Padding,
    bias: bool,
}

fn depthwise_case() -> impl Strategy<Value = DepthwiseCase> {
    (
        // Channels in whole vectors of 8 and 16 take the register tiles;
        // widths past 8 fill a tile.
        (
            1usize..15,
            1usize..15,
            prop_oneof![1usize..20, Just(8), Just(16), Just(32)],
            prop_oneof![1usize..4, Just(1)],
        ),
        (1usize..5, 1usize..5),
        (1usize..4, 1usize..4),
        (1usize..3, 1usize..3),
        padding(),
        any::<bool>(),
    )
        .prop_map(
            |((h, w, c_in, multiplier), k, strides, dilation, padding, bias)| DepthwiseCase {
                h,
                w,
                c_in,
                multiplier,
                k,
                strides,
                dilation,
                padding,
                bias,
            },
        )
        .prop_filter("a valid window must fit", |c| {
            c.padding == Padding::Same
                || (c.h > (c.k.0 - 1) * c.dilation.0 && c.w > (c.k.1 - 1) * c.dilation.1)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn depthwise_conv2d_equals_reference(
        case in depthwise_case(),
        seed in values(14 * 14 * 32 + 4 * 4 * 32 * 3 + 32 * 3),
        act in fused_activation(),
        normalised in any::<bool>(),
    ) {
        let c = case;
        let m = c.multiplier;
        let x = Array3::from_shape_fn((c.h, c.w, c.c_in), |(i, j, k)| seed[(i * 14 + j) * 32 + k]);
        let base = 14 * 14 * 32;
        let kernel = Array4::from_shape_fn((c.k.0, c.k.1, c.c_in, m), |(a, b, d, e)| {
            seed[base + ((a * 4 + b) * 32 + d) * 3 + e]
        });
        let bias = Array1::from_shape_fn(c.c_in * m, |i| seed[base + 4 * 4 * 32 * 3 + i]);
        let expected = reference::depthwise_conv2d(
            &x, &kernel, c.bias.then_some(&bias), c.strides, c.dilation, c.padding,
        );
        let norm = Norm::new(c.c_in * m);
        let folded = normalised.then(|| norm.folded(c.bias.then_some(&bias)));
        let mut expected = expected.into_dyn();
        if normalised {
            expected = norm.apply(&expected);
        }
        let expected = reference::activation(&expected, act, 0.0);
        let eff = ((c.k.0 - 1) * c.dilation.0 + 1, (c.k.1 - 1) * c.dilation.1 + 1);
        let (out_h, pad_top, _) = reference::output_and_padding(c.h, eff.0, c.strides.0, c.padding);
        let (out_w, pad_left, _) = reference::output_and_padding(c.w, eff.1, c.strides.1, c.padding);
        let g = DepthwiseGeometry {
            h: c.h,
            w: c.w,
            c_in: c.c_in,
            multiplier: m,
            kh: c.k.0,
            kw: c.k.1,
            stride_h: c.strides.0,
            stride_w: c.strides.1,
            dilation_h: c.dilation.0,
            dilation_w: c.dilation.1,
            pad_top,
            pad_left,
            out_h,
            out_w,
        };
        let run = || {
            let mut out = vec![f32::NAN; g.output_len()];
            with_activation!(act, |a| depthwise_conv2d_dyn(
                g,
                x.as_slice().unwrap(),
                kernel.as_slice().unwrap(),
                epilogue(&folded, c.bias.then_some(bias.as_slice().unwrap())),
                a,
                &mut out,
            ));
            out
        };
        for out in [run(), simd::without_avx512(run), simd::with_portable(run)] {
            assert_close(&out, expected.as_slice().unwrap(), c.k.0 * c.k.1);
        }
    }
}

#[test]
fn batch_norm_equals_reference_with_and_without_center_and_scale() {
    let x: Vec<f32> = (0..3 * 4 * 5)
        .map(|i| (i as f32 * 0.37).sin() * 3.0)
        .collect();
    let params = BatchNormParams::<5> {
        gamma: [0.5, -1.5, 2.0, 1.0, 0.25],
        beta: [0.1, -0.2, 0.3, 0.0, 1.0],
        moving_mean: [0.3, -1.0, 0.0, 2.0, 0.5],
        moving_variance: [1.0, 0.25, 4.0, 0.01, 2.5],
    };
    let arr = |v: &[f32; 5]| Array1::from_vec(v.to_vec());
    for (scale, center) in [(true, true), (false, true), (true, false), (false, false)] {
        let mut ours: [[[f32; 5]; 4]; 3] = [[[0.0; 5]; 4]; 3];
        ours.as_flattened_mut()
            .as_flattened_mut()
            .copy_from_slice(&x);
        batch_norm(&mut ours, &params, 1e-3, scale, center);
        let expected = reference::batch_norm(
            &ArrayD::from_shape_vec(IxDyn(&[3, 4, 5]), x.clone()).unwrap(),
            scale.then(|| arr(&params.gamma)).as_ref(),
            center.then(|| arr(&params.beta)).as_ref(),
            &arr(&params.moving_mean),
            &arr(&params.moving_variance),
            1e-3,
        );
        assert_close(
            ours.as_flattened().as_flattened(),
            expected.as_slice().unwrap(),
            1,
        );
    }
}

#[test]
fn zero_padding_and_concatenation_equal_reference() {
    let x = Array3::from_shape_fn((3, 2, 4), |(i, j, k)| (i * 8 + j * 4 + k) as f32);
    let mut input = [[[0.0f32; 4]; 2]; 3];
    input
        .as_flattened_mut()
        .as_flattened_mut()
        .copy_from_slice(x.as_slice().unwrap());
    let mut padded = [[[f32::NAN; 4]; 3]; 6];
    zero_pad2d::<3, 2, 4, 1, 2, 0, 1, 6, 3>(&input, &mut padded);
    let expected = reference::zero_pad2d(&x, (1, 2), (0, 1));
    assert_eq!(
        padded.as_flattened().as_flattened(),
        expected.as_slice().unwrap()
    );

    let y = x.mapv(|v| -v);
    let mut joined = [[[f32::NAN; 8]; 2]; 3];
    concat_channels::<3, 2, 4, 8, 0>(&input, &mut joined);
    let negated = input.map(|row| row.map(|px| px.map(|v| -v)));
    concat_channels::<3, 2, 4, 8, 4>(&negated, &mut joined);
    let expected = reference::concatenate(&[&x, &y]);
    assert_eq!(
        joined.as_flattened().as_flattened(),
        expected.as_slice().unwrap()
    );
}
