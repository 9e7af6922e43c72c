//! Keras' Normalization with its mean and variance given (per channel and one
//! for all, inverted and not, a variance below the epsilon squared), and with
//! them adapted to data and held as weights (`mean`, `variance`, an int64
//! `count`), from Keras' JSON and from the DSL: Keras' summary and outputs
//! (`tests/keras/normalization.py`, `tests/keras/normalization_adapted.py`)
//! on every instruction-set path.

use cnn_examples::keras_case::KerasCase;

cnn_runtime::include_keras! { pub struct FromJson; "tests/keras/normalization/config.json" }

cnn_runtime::cnn! {
    pub struct Normalization;
    input(4, 5, 3, name = "input_layer");
    Normalization(mean = (0.485, 0.456, 0.406), variance = (0.052441, 0.050176, 0.050625))(input)
    Conv2D(3, 3x3, padding = same)
    Normalization(axis = -1, mean = 0.5, variance = 4.0, invert = true)
    Normalization(mean = (1.0, -2.0, 0.0), variance = (9.0, 0.25, 1e-16), invert = true)
    GlobalAvgPool
    Dense(2)
}

#[test]
fn normalization_with_given_statistics_is_keras() {
    let case = KerasCase::new("normalization");
    assert_eq!(FromJson::summary(), case.summary());
    assert_eq!(Normalization::summary(), case.summary());
    case.assert_outputs::<FromJson>(1e-5);
    case.assert_outputs::<Normalization>(1e-5);
}

cnn_runtime::include_keras! { pub struct AdaptedFromJson; "tests/keras/normalization_adapted/config.json" }

cnn_runtime::cnn! {
    pub struct NormalizationAdapted;
    input(4, 5, 3, name = "input_layer");
    Normalization()(input)
    Conv2D(4, 3x3, padding = same)
    Normalization(invert = true)
    GlobalAvgPool
    Normalization
    Dense(2)
}

#[test]
fn normalization_with_adapted_statistics_is_keras() {
    let case = KerasCase::new("normalization_adapted");
    assert_eq!(AdaptedFromJson::summary(), case.summary());
    assert_eq!(NormalizationAdapted::summary(), case.summary());
    case.assert_outputs::<AdaptedFromJson>(1e-5);
    case.assert_outputs::<NormalizationAdapted>(1e-5);
}
