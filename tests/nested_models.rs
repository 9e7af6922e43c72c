//! Models used as layers, read from Keras' JSON: an encoder (with a
//! residual branch) and a decoder called by an autoencoder, and a backbone
//! wrapped in a Sequential with a head. Each nested model is one summary
//! row, its weights are under its name (`encoder.conv2d.kernel`), and the
//! outputs are Keras' (`tests/keras/nested_models.py`) on every
//! instruction-set path.

use cnn_examples::keras_case::KerasCase;

cnn_runtime::include_keras! { pub struct Autoencoder; "tests/keras/nested_models/config.json" }
cnn_runtime::include_keras! { pub struct Classifier; "tests/keras/backbone_in_sequential/config.json" }

#[test]
fn functional_models_called_by_a_functional_model_are_keras() {
    let case = KerasCase::new("nested_models");
    assert_eq!(Autoencoder::summary(), case.summary());
    case.assert_outputs::<Autoencoder>(1e-5);
    let names: Vec<&str> = <Autoencoder as cnn_runtime::Model>::TENSORS
        .iter()
        .map(|t| t.name)
        .collect();
    assert!(names.contains(&"encoder.conv2d.kernel"), "{names:?}");
    assert!(
        names.contains(&"decoder.batch_normalization.moving_variance"),
        "{names:?}"
    );
}

#[test]
fn a_backbone_in_a_sequential_is_keras() {
    let case = KerasCase::new("backbone_in_sequential");
    assert_eq!(Classifier::summary(), case.summary());
    case.assert_outputs::<Classifier>(1e-5);
}
