//! Keras' Conv2D with `groups` of several channels (same and valid padding,
//! strides, dilation, with and without bias, an activation), from Keras' JSON
//! and from the DSL: Keras' summary and outputs (`tests/keras/grouped_conv.py`)
//! on every instruction-set path.

use cnn_examples::keras_case::KerasCase;

cnn_runtime::include_keras! { pub struct FromJson; "tests/keras/grouped_conv/config.json" }

cnn_runtime::cnn! {
    pub struct GroupedConv;
    input(7, 6, 4, name = "input_layer");
    x = Conv2D(8, 3x3, groups = 2)(input)
        Conv2D(6, 3x3, relu, strides = 2, padding = same, groups = 2, use_bias = false);
    y = Conv2D(6, 2x2, dilation_rate = 2, padding = same, groups = 3)(x);
    Add(x, y)
    Conv2D(12, 1x1, groups = 3)
    Flatten
}

#[test]
fn grouped_convolutions_are_keras() {
    let case = KerasCase::new("grouped_conv");
    assert_eq!(FromJson::summary(), case.summary());
    assert_eq!(GroupedConv::summary(), case.summary());
    case.assert_outputs::<FromJson>(1e-5);
    case.assert_outputs::<GroupedConv>(1e-5);
}
