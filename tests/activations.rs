//! Every activation the compiler reads, as `Activation(name)` in a model,
//! and every activation function of `keras.ops` it reads as a layer
//! (`Gelu(approximate = true)`, Keras' `keras.ops.gelu(x)`), gives Keras' own
//! outputs (`tests/keras/activations.py`) on 64 values from -20 to 20, on
//! every instruction-set path: within 1e-6 of the value or 4 float32 steps of
//! it, whichever is larger.

use cnn_examples::safetensors;
use cnn_runtime::simd;

mod models {
    use cnn_runtime::cnn;
    cnn! { pub struct Linear; input(64); Activation(linear) }
    cnn! { pub struct Relu; input(64); Activation(relu) }
    cnn! { pub struct Relu6; input(64); Activation(relu6) }
    cnn! { pub struct Sigmoid; input(64); Activation(sigmoid) }
    cnn! { pub struct Tanh; input(64); Activation(tanh) }
    cnn! { pub struct LeakyRelu; input(64); Activation(leaky_relu) }
    cnn! { pub struct Elu; input(64); Activation(elu) }
    cnn! { pub struct Gelu; input(64); Activation(gelu) }
    cnn! { pub struct Silu; input(64); Activation(silu) }
    cnn! { pub struct HardSigmoid; input(64); Activation(hard_sigmoid) }
    cnn! { pub struct HardSilu; input(64); Activation(hard_silu) }
    cnn! { pub struct Mish; input(64); Activation(mish) }
    cnn! { pub struct Softplus; input(64); Activation(softplus) }
    cnn! { pub struct Softsign; input(64); Activation(softsign) }
    cnn! { pub struct Selu; input(64); Activation(selu) }
    cnn! { pub struct Exponential; input(64); Activation(exponential) }
    cnn! { pub struct HardTanh; input(64); Activation(hard_tanh) }
    cnn! { pub struct TanhShrink; input(64); Activation(tanh_shrink) }
    cnn! { pub struct LogSigmoid; input(64); Activation(log_sigmoid) }
    cnn! { pub struct Celu; input(64); Activation(celu) }
    cnn! { pub struct SoftShrink; input(64); Activation(soft_shrink) }
    cnn! { pub struct HardShrink; input(64); Activation(hard_shrink) }
    cnn! { pub struct Squareplus; input(64); Activation(squareplus) }
    cnn! { pub struct SparsePlus; input(64); Activation(sparse_plus) }
    cnn! { pub struct SparseSigmoid; input(64); Activation(sparse_sigmoid) }
    cnn! { pub struct LogSoftmax; input(64); Activation(log_softmax) }
}

/// `keras.ops`' activation functions, as Keras writes them in a model.
mod ops {
    use cnn_runtime::cnn;
    cnn! { pub struct Relu; input(64); Relu }
    cnn! { pub struct Relu6; input(64); Relu6 }
    cnn! { pub struct Sigmoid; input(64); Sigmoid }
    cnn! { pub struct Silu; input(64); Silu }
    cnn! { pub struct Gelu; input(64); Gelu }
    cnn! { pub struct GeluExact; input(64); Gelu(approximate = false) }
    cnn! { pub struct Elu; input(64); Elu }
    cnn! { pub struct Selu; input(64); Selu }
    cnn! { pub struct Softplus; input(64); Softplus }
    cnn! { pub struct Softsign; input(64); Softsign }
    cnn! { pub struct HardSigmoid; input(64); HardSigmoid }
    cnn! { pub struct HardSilu; input(64); HardSilu }
    cnn! { pub struct LeakyRelu; input(64); LeakyRelu(negative_slope = 0.1) }
    cnn! { pub struct LogSoftmax; input(64); LogSoftmax }
    cnn! { pub struct LogSigmoid; input(64); LogSigmoid }
    cnn! { pub struct Celu; input(64); Celu }
    cnn! { pub struct HardTanh; input(64); HardTanh }
    cnn! { pub struct HardShrink; input(64); HardShrink }
    cnn! { pub struct SoftShrink; input(64); SoftShrink }
    cnn! { pub struct TanhShrink; input(64); TanhShrink }
    cnn! { pub struct Squareplus; input(64); Squareplus }
    cnn! { pub struct SparsePlus; input(64); SparsePlus }
    cnn! { pub struct SparseSigmoid; input(64); SparseSigmoid }
    cnn! { pub struct Tanh; input(64); Tanh }
    cnn! { pub struct Exp; input(64); Exp }
}

/// Each model's name and output for `x`.
fn outputs(x: &[f32; 64]) -> Vec<(&'static str, [f32; 64])> {
    use models::*;
    let ours: [(&str, &[f32; 64]); 51] = [
        ("linear", &Linear::ZERO.forward(x)),
        ("relu", &Relu::ZERO.forward(x)),
        ("relu6", &Relu6::ZERO.forward(x)),
        ("sigmoid", &Sigmoid::ZERO.forward(x)),
        ("tanh", &Tanh::ZERO.forward(x)),
        ("leaky_relu", &LeakyRelu::ZERO.forward(x)),
        ("elu", &Elu::ZERO.forward(x)),
        ("gelu", &Gelu::ZERO.forward(x)),
        ("silu", &Silu::ZERO.forward(x)),
        ("hard_sigmoid", &HardSigmoid::ZERO.forward(x)),
        ("hard_silu", &HardSilu::ZERO.forward(x)),
        ("mish", &Mish::ZERO.forward(x)),
        ("softplus", &Softplus::ZERO.forward(x)),
        ("softsign", &Softsign::ZERO.forward(x)),
        ("selu", &Selu::ZERO.forward(x)),
        ("exponential", &Exponential::ZERO.forward(x)),
        ("hard_tanh", &HardTanh::ZERO.forward(x)),
        ("tanh_shrink", &TanhShrink::ZERO.forward(x)),
        ("log_sigmoid", &LogSigmoid::ZERO.forward(x)),
        ("celu", &Celu::ZERO.forward(x)),
        ("soft_shrink", &SoftShrink::ZERO.forward(x)),
        ("hard_shrink", &HardShrink::ZERO.forward(x)),
        ("squareplus", &Squareplus::ZERO.forward(x)),
        ("sparse_plus", &SparsePlus::ZERO.forward(x)),
        ("sparse_sigmoid", &SparseSigmoid::ZERO.forward(x)),
        ("log_softmax", &LogSoftmax::ZERO.forward(x)),
        ("ops.Relu", &ops::Relu::ZERO.forward(x)),
        ("ops.Relu6", &ops::Relu6::ZERO.forward(x)),
        ("ops.Sigmoid", &ops::Sigmoid::ZERO.forward(x)),
        ("ops.Silu", &ops::Silu::ZERO.forward(x)),
        ("ops.Gelu", &ops::Gelu::ZERO.forward(x)),
        ("ops.GeluExact", &ops::GeluExact::ZERO.forward(x)),
        ("ops.Elu", &ops::Elu::ZERO.forward(x)),
        ("ops.Selu", &ops::Selu::ZERO.forward(x)),
        ("ops.Softplus", &ops::Softplus::ZERO.forward(x)),
        ("ops.Softsign", &ops::Softsign::ZERO.forward(x)),
        ("ops.HardSigmoid", &ops::HardSigmoid::ZERO.forward(x)),
        ("ops.HardSilu", &ops::HardSilu::ZERO.forward(x)),
        ("ops.LeakyRelu", &ops::LeakyRelu::ZERO.forward(x)),
        ("ops.LogSoftmax", &ops::LogSoftmax::ZERO.forward(x)),
        ("ops.LogSigmoid", &ops::LogSigmoid::ZERO.forward(x)),
        ("ops.Celu", &ops::Celu::ZERO.forward(x)),
        ("ops.HardTanh", &ops::HardTanh::ZERO.forward(x)),
        ("ops.HardShrink", &ops::HardShrink::ZERO.forward(x)),
        ("ops.SoftShrink", &ops::SoftShrink::ZERO.forward(x)),
        ("ops.TanhShrink", &ops::TanhShrink::ZERO.forward(x)),
        ("ops.Squareplus", &ops::Squareplus::ZERO.forward(x)),
        ("ops.SparsePlus", &ops::SparsePlus::ZERO.forward(x)),
        ("ops.SparseSigmoid", &ops::SparseSigmoid::ZERO.forward(x)),
        ("ops.Tanh", &ops::Tanh::ZERO.forward(x)),
        ("ops.Exp", &ops::Exp::ZERO.forward(x)),
    ];
    ours.into_iter().map(|(name, y)| (name, *y)).collect()
}

fn check() {
    let file = safetensors::read(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/keras/activations.safetensors"),
    )
    .unwrap();
    let x: [f32; 64] = file["x"].to_f32().try_into().unwrap();
    for (name, ours) in outputs(&x) {
        let keras = file[name].to_f32();
        for ((x, o), k) in x.iter().zip(ours).zip(&keras) {
            let close = (o - k).abs() <= 1e-6f32.max(4.0 * f32::EPSILON * k.abs());
            assert!(close, "{name}({x}) = {o}, Keras {k} ({:?})", simd::isa());
        }
    }
}

#[test]
fn every_activation_gives_keras_outputs() {
    check();
    simd::without_avx512(check);
    simd::with_portable(check);
}
