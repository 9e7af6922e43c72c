//! Keras 3 arithmetic on a tensor and a number (`x + 3.0`, `x * (1 / 6)`,
//! `2 - x`, `x / 4`, `1.5 / x`, `x - 0.25`), which `model.to_json()` stores as
//! op nodes with the number in their arguments: read from Keras' JSON and
//! written in the DSL, with Keras' summary and outputs
//! (`tests/keras/constant_ops.py`, MobileNetV3's hard swish among them) on
//! every instruction-set path. A constant the compiler cannot carry over is
//! an error (`cnn-compiler`'s keras_json tests), never dropped.

use cnn_examples::safetensors;
use cnn_runtime::memory::{flat, flat_mut};
use cnn_runtime::{simd, WeightFiles};
use std::path::{Path, PathBuf};

cnn_runtime::include_keras! { pub struct FromJson; "tests/keras/constant_ops/config.json" }

cnn_runtime::cnn! {
    pub struct ConstantOps;
    input(5, 5, 3, name = "input_layer");
    x = Conv2D(4, 3x3, padding = same)(input);
    hard_sigmoid = AddConstant(3.0) ReLU(6.0) MultiplyConstant(0.16666667);
    Multiply(x, hard_sigmoid)
    SubtractConstant(2.0, constant_first = true)
    TrueDivideConstant(4.0)
    Conv2D(4, 1x1)
    Activation(sigmoid)
    AddConstant(0.5)
    TrueDivideConstant(1.5, constant_first = true)
    SubtractConstant(0.25)
    GlobalAvgPool
    Dense(3)
}

fn fixture(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/keras/constant_ops")
        .join(file)
}

#[test]
fn arithmetic_with_numbers_keeps_keras_summary_and_outputs() {
    let summary = std::fs::read_to_string(fixture("summary.txt")).unwrap();
    assert_eq!(FromJson::summary(), summary);
    assert_eq!(ConstantOps::summary(), summary);
    let io = safetensors::read(&fixture("io.safetensors")).unwrap();
    let (inputs, outputs) = (io["inputs"].to_f32(), io["outputs"].to_f32());
    let json = FromJson::from_safetensors_file(fixture("weights.safetensors")).unwrap();
    let dsl = ConstantOps::from_safetensors_file(fixture("weights.safetensors")).unwrap();
    let run = || {
        for (x, keras) in inputs.chunks_exact(5 * 5 * 3).zip(outputs.chunks_exact(3)) {
            let mut image = [[[0.0f32; 3]; 5]; 5];
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
