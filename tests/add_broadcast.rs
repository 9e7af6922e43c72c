//! Keras 3's Add with broadcasting (a map plus `(1, 1, C)`, plus a vector of
//! channels, the broadcast operand first), from Keras' JSON and from the DSL:
//! Keras' summary and outputs (`tests/keras/add_broadcast.py`) on every
//! instruction-set path.

use cnn_examples::keras_case::KerasCase;

cnn_runtime::include_keras! { pub struct FromJson; "tests/keras/add_broadcast/config.json" }

cnn_runtime::cnn! {
    pub struct AddBroadcast;
    input(5, 4, 3, name = "input_layer");
    x = Conv2D(6, 3x3, padding = same)(input);
    pooled = GlobalAvgPool(keepdims = true);
    x2 = Add(x, pooled);
    vector = GlobalMaxPool Dense(6);
    Add(vector, x2, pooled)
    GlobalAvgPool
    Dense(2)
}

#[test]
fn add_broadcasts_as_keras_does() {
    let case = KerasCase::new("add_broadcast");
    assert_eq!(FromJson::summary(), case.summary());
    assert_eq!(AddBroadcast::summary(), case.summary());
    case.assert_outputs::<FromJson>(1e-5);
    case.assert_outputs::<AddBroadcast>(1e-5);
}
