//! Keras' UpSampling2D with bilinear interpolation (sizes 2 and (3, 2)),
//! from Keras' JSON and from the DSL: Keras' summary and outputs
//! (`tests/keras/upsampling_bilinear.py`) on every instruction-set path.

use cnn_examples::keras_case::KerasCase;

cnn_runtime::include_keras! { pub struct FromJson; "tests/keras/upsampling_bilinear/config.json" }

cnn_runtime::cnn! {
    pub struct UpsamplingBilinear;
    input(3, 4, 2, name = "input_layer");
    Conv2D(3, 3x3, padding = same)(input)
    UpSampling2D(interpolation = bilinear)
    UpSampling2D((3, 2), interpolation = "bilinear")
    Conv2D(2, 1x1)
}

#[test]
fn bilinear_upsampling_is_keras() {
    let case = KerasCase::new("upsampling_bilinear");
    assert_eq!(FromJson::summary(), case.summary());
    assert_eq!(UpsamplingBilinear::summary(), case.summary());
    case.assert_outputs::<FromJson>(1e-5);
    case.assert_outputs::<UpsamplingBilinear>(1e-5);
}
