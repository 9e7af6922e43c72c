//! Keras 3's arithmetic of tensors with constant arrays (a per-channel mean,
//! a (1, 1, C) divisor, a full (H, W, C) factor, a constant minus a tensor, a
//! vector plus a constant vector), from Keras' JSON (op nodes holding the
//! arrays) and from the DSL (`SubtractConstant((0.485, 0.456, 0.406))`):
//! Keras' summary and outputs (`tests/keras/constant_tensors.py`) on every
//! instruction-set path. The arrays are carried over, never dropped.

use cnn_examples::keras_case::KerasCase;

cnn_runtime::include_keras! { pub struct FromJson; "tests/keras/constant_tensors/config.json" }

#[test]
fn constant_tensors_are_keras() {
    let case = KerasCase::new("constant_tensors");
    assert_eq!(FromJson::summary(), case.summary());
    case.assert_outputs::<FromJson>(1e-5);
}

cnn_runtime::cnn! {
    pub struct PerChannel;
    input(1, 2, 3);
    SubtractConstant((1.0, 2.0, 3.0))
    TrueDivideConstant((((2.0, 4.0, 8.0),),))
    SubtractConstant((10.0, 20.0, 30.0), constant_first = true)
}

#[test]
fn dsl_constant_tensors_broadcast_as_numpy() {
    let out = PerChannel::ZERO.forward(&[[[3.0, 6.0, 11.0], [5.0, 2.0, 3.0]]]);
    assert_eq!(out, [[[9.0, 19.0, 29.0], [8.0, 20.0, 30.0]]]);
}
