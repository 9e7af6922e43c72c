//! A model with two inputs (an image and metadata, Keras' `keras.Model([meta,
//! image], [label, score])`) and two outputs, from Keras' JSON and from the
//! DSL (an `input(...)` per input, each named): Keras' summary; `forward` takes a struct with a field per input, in Keras' order,
//! and gives Keras' outputs (`tests/keras/several_inputs.py`) on every
//! instruction-set path.

use cnn_examples::keras_case::KerasCase;
use cnn_runtime::Model;

cnn_runtime::include_keras! { pub struct Fusion; "tests/keras/several_inputs/config.json" }

cnn_runtime::cnn! {
    pub struct SeveralInputs;
    input(4, name = "meta");
    input(6, 6, 2, name = "image");
    x = Conv2D(4, 3x3, relu)(image) GlobalAvgPool;
    m = Dense(3, relu)(meta);
    label = Concatenate(x, m) Dense(3, name = "label");
    score = Dense(1, sigmoid, name = "score")(m);
    output(label, score);
}

#[test]
fn several_inputs_are_keras() {
    let case = KerasCase::new("several_inputs");
    assert_eq!(Fusion::summary(), case.summary());
    assert_eq!(SeveralInputs::summary(), case.summary());
    case.assert_outputs::<Fusion>(1e-5);
    case.assert_outputs::<SeveralInputs>(1e-5);
}

#[test]
fn each_input_is_a_field_named_after_it() {
    let model = Fusion::zeroed();
    let inputs = FusionInputs {
        meta: [1.0; 4],
        image: [[[0.5; 2]; 6]; 6],
    };
    let FusionOutputs { label, score } = model.forward(&inputs);
    assert_eq!((label, score), ([0.0; 3], [0.5]));
    assert_eq!(Fusion::INPUT_SHAPES, &[&[4][..], &[6, 6, 2]]);
    assert_eq!(<Fusion as Model>::INPUT_SHAPE, &[4 + 72]);
}
