//! Keras' Multiply with broadcasting (a squeeze-and-excite block's
//! `(H, W, C) x (1, 1, C)`, the broadcast operand first or last, a map times a
//! vector of channels, three maps of one shape), read from Keras' JSON and
//! from the DSL: Keras' summary and outputs (`tests/keras/multiply.py`) on
//! every instruction-set path.

use cnn_examples::keras_case::KerasCase;

cnn_runtime::include_keras! { pub struct FromJson; "tests/keras/multiply/config.json" }

cnn_runtime::cnn! {
    pub struct Multiply;
    input(6, 5, 4, name = "input_layer");
    x = Conv2D(8, 3x3, padding = same, activation = relu)(input);
    se = GlobalAvgPool(keepdims = true) Conv2D(2, 1x1, relu) Conv2D(8, 1x1, hard_sigmoid);
    x2 = Multiply(x, se);
    gate = GlobalAvgPool Dense(8, sigmoid);
    y = Multiply(gate, x2);
    z = Conv2D(8, 1x1);
    Multiply(y, z, x2)
    GlobalMaxPool
    Dense(3)
}

#[test]
fn multiply_broadcasts_as_keras_does() {
    let case = KerasCase::new("multiply");
    assert_eq!(FromJson::summary(), case.summary());
    assert_eq!(Multiply::summary(), case.summary());
    case.assert_outputs::<FromJson>(1e-5);
    case.assert_outputs::<Multiply>(1e-5);
}
