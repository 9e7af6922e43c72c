//! The layers that act only in training (Dropout with `noise_shape`,
//! SpatialDropout2D, AlphaDropout, GaussianDropout, GaussianNoise,
//! ActivityRegularization) are read from Keras' JSON, Keras code and the DSL, keep
//! Keras' summary, and are the identity at inference: Keras' outputs
//! (`tests/keras/identity_layers.py`).

use cnn_examples::safetensors;
use cnn_runtime::memory::{flat, flat_mut};
use cnn_runtime::WeightFiles;
use std::path::{Path, PathBuf};

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

fn fixture(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/keras/identity_layers")
        .join(file)
}

#[test]
fn training_only_layers_keep_keras_summary_and_outputs() {
    let summary = std::fs::read_to_string(fixture("summary.txt")).unwrap();
    assert_eq!(FromJson::summary(), summary);
    assert_eq!(IdentityLayers::summary(), summary);
    assert_eq!(FromPython::summary(), summary);
    let io = safetensors::read(&fixture("io.safetensors")).unwrap();
    let (inputs, outputs) = (io["inputs"].to_f32(), io["outputs"].to_f32());
    let json = FromJson::from_safetensors_file(fixture("weights.safetensors")).unwrap();
    let dsl = IdentityLayers::from_safetensors_file(fixture("weights.safetensors")).unwrap();
    for (x, keras) in inputs.chunks_exact(8 * 8 * 3).zip(outputs.chunks_exact(4)) {
        let mut image = [[[0.0f32; 3]; 8]; 8];
        flat_mut(&mut image).copy_from_slice(x);
        let (a, b) = (json.forward(&image), dsl.forward(&image));
        assert_eq!(a, b);
        for (o, k) in flat(&a).iter().zip(keras) {
            assert!((o - k).abs() <= 1e-5, "{o} vs Keras {k}");
        }
    }
}
