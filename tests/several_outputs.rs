//! A model with several outputs (Keras' `keras.Model(inputs, [label, box,
//! mask])`, one of them also read by another layer), from Keras' JSON and
//! from the DSL (`output(label, box, mask);`): Keras' summary, and `forward` returns a struct with a field per output,
//! named after it, equal to Keras' outputs (`tests/keras/several_outputs.py`)
//! on every instruction-set path.

use cnn_examples::keras_case::KerasCase;
use cnn_runtime::Model;

cnn_runtime::include_keras! { pub struct Heads; "tests/keras/several_outputs/config.json" }

cnn_runtime::cnn! {
    pub struct SeveralOutputs;
    input(8, 8, 3, name = "input_layer");
    x = Conv2D(6, 3x3, relu, padding = same)(input);
    features = GlobalAvgPool(name = "features")(x);
    label = Dense(3, softmax, name = "label")(features);
    box = Concatenate(features, label) Dense(4, name = "box");
    mask = Conv2D(1, 1x1, sigmoid, name = "mask")(x);
    output(label, box, mask);
}

#[test]
fn several_outputs_are_keras() {
    let case = KerasCase::new("several_outputs");
    assert_eq!(Heads::summary(), case.summary());
    assert_eq!(SeveralOutputs::summary(), case.summary());
    case.assert_outputs::<Heads>(1e-5);
    case.assert_outputs::<SeveralOutputs>(1e-5);
}

#[test]
fn each_output_is_a_field_named_after_it() {
    let model = Heads::zeroed();
    let outputs: HeadsOutputs = model.forward(&[[[0.5; 3]; 8]; 8]);
    let HeadsOutputs { label, r#box, mask } = outputs;
    // Zero weights: a uniform softmax, zero box, sigmoid(0) everywhere.
    assert_eq!(label, [1.0 / 3.0; 3]);
    assert_eq!(r#box, [0.0; 4]);
    assert_eq!(mask, [[[0.5]; 8]; 8]);
    assert_eq!(Heads::OUTPUT_SHAPES, &[&[3][..], &[4], &[8, 8, 1]]);
    assert_eq!(<Heads as Model>::OUTPUT_SHAPE, &[3 + 4 + 64]);
}
