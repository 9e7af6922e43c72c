//! Cropping2D (each way of giving the crop) and UpSampling2D (nearest), read
//! from Keras' JSON and from the DSL, keep Keras' summary and give Keras'
//! outputs (`tests/keras/resize_layers.py`), on every instruction-set path.

use cnn_examples::safetensors;
use cnn_runtime::memory::{flat, flat_mut};
use cnn_runtime::{simd, WeightFiles};
use std::path::{Path, PathBuf};

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

fn fixture(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/keras/resize_layers")
        .join(file)
}

#[test]
fn cropping_and_upsampling_keep_keras_summary_and_outputs() {
    let summary = std::fs::read_to_string(fixture("summary.txt")).unwrap();
    assert_eq!(FromJson::summary(), summary);
    assert_eq!(ResizeLayers::summary(), summary);
    let io = safetensors::read(&fixture("io.safetensors")).unwrap();
    let (inputs, outputs) = (io["inputs"].to_f32(), io["outputs"].to_f32());
    let json = FromJson::from_safetensors_file(fixture("weights.safetensors")).unwrap();
    let dsl = ResizeLayers::from_safetensors_file(fixture("weights.safetensors")).unwrap();
    let run = || {
        for (x, keras) in inputs.chunks_exact(9 * 10 * 2).zip(outputs.chunks_exact(3)) {
            let mut image = [[[0.0f32; 2]; 10]; 9];
            flat_mut(&mut image).copy_from_slice(x);
            let (a, b) = (json.forward(&image), dsl.forward(&image));
            assert_eq!(a, b);
            for (o, k) in flat(&a).iter().zip(keras) {
                assert!(
                    (o - k).abs() <= 1e-5,
                    "{o} vs Keras {k} ({:?})",
                    simd::isa()
                );
            }
        }
    };
    run();
    simd::without_avx512(run);
    simd::with_portable(run);
}
