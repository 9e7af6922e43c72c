//! Keras' Multiply with broadcasting (a squeeze-and-excite block's
//! `(H, W, C) x (1, 1, C)`, the broadcast operand first or last, a map times a
//! vector of channels, three maps of one shape), read from Keras' JSON and
//! from the DSL: Keras' summary and outputs (`tests/keras/multiply.py`) on
//! every instruction-set path.

use cnn_examples::safetensors;
use cnn_runtime::memory::{flat, flat_mut};
use cnn_runtime::{simd, WeightFiles};
use std::path::{Path, PathBuf};

cnn_runtime::include_keras! { pub struct FromJson; "tests/keras/multiply/config.json" }

cnn_runtime::cnn! {
    pub struct Multiply;
    input(6, 5, 4, name = "input_layer");
    x = Conv2D(8, 3x3, padding = same, activation = relu)(input);
    se = GlobalAvgPool(keepdims = true) Conv2D(2, 1x1, relu) Conv2D(8, 1x1, hard_sigmoid);
    x2 = Multiply(x, se);
    gate = GlobalAvgPool Dense(8, sigmoid);
    y = Multiply(gate, x2);
    z = Conv2D(8, 1x1);
    Multiply(y, z, x2)
    GlobalMaxPool
    Dense(3)
}

fn fixture(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/keras/multiply")
        .join(file)
}

#[test]
fn multiply_broadcasts_as_keras_does() {
    let summary = std::fs::read_to_string(fixture("summary.txt")).unwrap();
    assert_eq!(FromJson::summary(), summary);
    assert_eq!(Multiply::summary(), summary);
    let io = safetensors::read(&fixture("io.safetensors")).unwrap();
    let (inputs, outputs) = (io["inputs"].to_f32(), io["outputs"].to_f32());
    let json = FromJson::from_safetensors_file(fixture("weights.safetensors")).unwrap();
    let dsl = Multiply::from_safetensors_file(fixture("weights.safetensors")).unwrap();
    let run = || {
        for (x, keras) in inputs.chunks_exact(6 * 5 * 4).zip(outputs.chunks_exact(3)) {
            let mut image = [[[0.0f32; 4]; 5]; 6];
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
