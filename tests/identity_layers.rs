//! The layers that act only in training (Dropout with `noise_shape`,
//! SpatialDropout2D, AlphaDropout, GaussianDropout, GaussianNoise,
//! ActivityRegularization) are read from Keras' JSON, Keras code and the DSL, keep
//! Keras' summary, and are the identity at inference: Keras' outputs
//! (`tests/keras/identity_layers.py`).

use cnn_examples::keras_case::KerasCase;

cnn_runtime::include_keras! { pub struct FromJson; "tests/keras/identity_layers/config.json" }
cnn_runtime::include_keras! { pub struct FromPython; "tests/keras/identity_layers/keras_source.py" }

cnn_runtime::cnn! {
    pub struct IdentityLayers;
    input(8, 8, 3, name = "input_layer");
    Conv2D(6, 3x3, relu)(input)
    SpatialDropout2D(0.3)
    Dropout(0.2, noise_shape = (1, 1, 6))
    GaussianNoise(0.5)
    GaussianDropout(0.4)
    AlphaDropout(0.1)
    ActivityRegularization(l1 = 0.01, l2 = 0.001)
    GlobalAvgPool
    Dense(4, softmax)
}

#[test]
fn training_only_layers_keep_keras_summary_and_outputs() {
    let case = KerasCase::new("identity_layers");
    assert_eq!(FromJson::summary(), case.summary());
    assert_eq!(FromPython::summary(), case.summary());
    assert_eq!(IdentityLayers::summary(), case.summary());
    case.assert_outputs::<FromJson>(1e-5);
    case.assert_outputs::<FromPython>(1e-5);
    case.assert_outputs::<IdentityLayers>(1e-5);
}
