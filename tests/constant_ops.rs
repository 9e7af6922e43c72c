//! Keras 3 arithmetic on a tensor and a number (`x + 3.0`, `x * (1 / 6)`,
//! `2 - x`, `x / 4`, `1.5 / x`, `x - 0.25`), which `model.to_json()` stores as
//! op nodes with the number in their arguments: read from Keras' JSON and
//! written in the DSL, with Keras' summary and outputs
//! (`tests/keras/constant_ops.py`, MobileNetV3's hard swish among them) on
//! every instruction-set path. A constant the compiler cannot carry over is
//! an error (`cnn-compiler`'s keras_json tests), never dropped.

use cnn_examples::keras_case::KerasCase;

cnn_runtime::include_keras! { pub struct FromJson; "tests/keras/constant_ops/config.json" }

cnn_runtime::cnn! {
    pub struct ConstantOps;
    input(5, 5, 3, name = "input_layer");
    x = Conv2D(4, 3x3, padding = same)(input);
    hard_sigmoid = AddConstant(3.0) ReLU(6.0) MultiplyConstant(0.16666667);
    Multiply(x, hard_sigmoid)
    SubtractConstant(2.0, constant_first = true)
    TrueDivideConstant(4.0)
    Conv2D(4, 1x1)
    Activation(sigmoid)
    AddConstant(0.5)
    TrueDivideConstant(1.5, constant_first = true)
    SubtractConstant(0.25)
    GlobalAvgPool
    Dense(3)
}

#[test]
fn arithmetic_with_numbers_keeps_keras_summary_and_outputs() {
    let case = KerasCase::new("constant_ops");
    assert_eq!(FromJson::summary(), case.summary());
    assert_eq!(ConstantOps::summary(), case.summary());
    case.assert_outputs::<FromJson>(1e-5);
    case.assert_outputs::<ConstantOps>(1e-5);
}
