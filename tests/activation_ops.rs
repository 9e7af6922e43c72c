//! Activation functions of `keras.ops` called on tensors (op nodes in Keras'
//! JSON: `Gelu`, `LeakyRelu`, `Tanh`, `Softmax`, `LogSoftmax`) and the
//! `log_softmax` activation, from Keras' JSON and from the DSL: Keras' summary
//! and outputs (`tests/keras/activation_ops.py`) on every instruction-set path.

use cnn_examples::keras_case::KerasCase;

cnn_runtime::include_keras! { pub struct FromJson; "tests/keras/activation_ops/config.json" }

cnn_runtime::cnn! {
    pub struct ActivationOps;
    input(6, 6, 3, name = "input_layer");
    x = Conv2D(8, 3x3)(input) Gelu LeakyRelu(negative_slope = 0.1);
    y = Tanh()(x) Softmax;
    Add(x, y)
    Flatten
    Dense(5, log_softmax)
    LogSoftmax
}

#[test]
fn activation_ops_are_keras() {
    let case = KerasCase::new("activation_ops");
    assert_eq!(FromJson::summary(), case.summary());
    assert_eq!(ActivationOps::summary(), case.summary());
    case.assert_outputs::<FromJson>(1e-5);
    case.assert_outputs::<ActivationOps>(1e-5);
}
