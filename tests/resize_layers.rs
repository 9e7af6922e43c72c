//! Cropping2D (each way of giving the crop) and UpSampling2D (nearest), read
//! from Keras' JSON and from the DSL, keep Keras' summary and give Keras'
//! outputs (`tests/keras/resize_layers.py`), on every instruction-set path.

use cnn_examples::keras_case::KerasCase;

cnn_runtime::include_keras! { pub struct FromJson; "tests/keras/resize_layers/config.json" }

cnn_runtime::cnn! {
    pub struct ResizeLayers;
    input(9, 10, 2, name = "input_layer");
    Conv2D(3, 3x3, padding = same, activation = tanh)(input)
    Cropping2D(((1, 2), (0, 3)))
    UpSampling2D((2, 3))
    Cropping2D(1)
    UpSampling2D
    Cropping2D((2, 1))
    Conv2D(2, 3x3, strides = 3)
    Flatten
    Dense(3)
}

#[test]
fn cropping_and_upsampling_keep_keras_summary_and_outputs() {
    let case = KerasCase::new("resize_layers");
    assert_eq!(FromJson::summary(), case.summary());
    assert_eq!(ResizeLayers::summary(), case.summary());
    case.assert_outputs::<FromJson>(1e-5);
    case.assert_outputs::<ResizeLayers>(1e-5);
}
