//! InceptionResNetV2's CustomScaleLayer (`inputs[0] + inputs[1] * scale`, a
//! Keras-internal layer with its scale in the config), from Keras' JSON and
//! from the DSL: Keras' summary and outputs (`tests/keras/custom_scale.py`)
//! on every instruction-set path.

use cnn_examples::keras_case::KerasCase;

cnn_runtime::include_keras! { pub struct FromJson; "tests/keras/custom_scale/config.json" }

cnn_runtime::cnn! {
    pub struct CustomScale;
    input(6, 6, 4, name = "input_layer");
    x = Conv2D(8, 1x1, relu)(input);
    branch = Conv2D(8, 3x3, padding = same);
    x2 = CustomScaleLayer(x, branch, scale = 0.17) Activation(relu);
    branch2 = Conv2D(8, 1x1);
    CustomScaleLayer(x2, branch2, scale = 1.0)
    GlobalAvgPool
    Dense(3)
}

#[test]
fn custom_scale_layer_is_keras() {
    let case = KerasCase::new("custom_scale");
    assert_eq!(FromJson::summary(), case.summary());
    assert_eq!(CustomScale::summary(), case.summary());
    case.assert_outputs::<FromJson>(1e-5);
    case.assert_outputs::<CustomScale>(1e-5);
}
