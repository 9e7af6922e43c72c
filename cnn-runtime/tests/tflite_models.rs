//! TensorFlow Lite models through `include_tflite!` on every instruction-set
//! path this build has (AVX2 and portable natively; WebAssembly SIMD and
//! portable under `scripts/wasm-test.sh`): int8 outputs equal TensorFlow
//! Lite's byte for byte, float32 ones within the fixture's tolerance. The
//! expected values are embedded, so the test needs no file system.

use cnn_runtime::int8::Int8Model;
use cnn_runtime::simd::with_portable;

cnn_runtime::include_tflite! { struct Resnet8; "../fixtures/resnet8/tflite/model.int8.tflite" }
cnn_runtime::include_tflite! { struct FlatInput; "../fixtures/flat_input/tflite/model.int8.tflite" }
cnn_runtime::include_tflite! { struct Inception; "../fixtures/inception/tflite/model.int8.tflite" }
cnn_runtime::include_tflite! { struct Activations; "../tests/tflite/activations.int8.tflite" }
cnn_runtime::include_tflite! { struct InceptionF32; "../fixtures/inception/tflite/model.f32.tflite" }

static RESNET8_IO: &[u8] = include_bytes!("../../fixtures/resnet8/tflite/io.safetensors");
static FLAT_INPUT_IO: &[u8] = include_bytes!("../../fixtures/flat_input/tflite/io.safetensors");
static INCEPTION_IO: &[u8] = include_bytes!("../../fixtures/inception/tflite/io.safetensors");
static ACTIVATIONS_IO: &[u8] = include_bytes!("../../tests/tflite/activations.io.safetensors");

fn tensor(io: &[u8], name: &str) -> Vec<u8> {
    let file = safetensors::SafeTensors::deserialize(io).unwrap();
    file.tensor(name).unwrap().data().to_vec()
}

/// Every stored input, run on the fast path and the portable one.
fn int8_equals_tflite<M: Int8Model>(
    model: &M,
    io: &[u8],
    mut fill: impl FnMut(&mut M::Input, &[i8]),
    bytes: impl Fn(&M::Output) -> Vec<i8>,
) {
    let inputs: Vec<i8> = tensor(io, "inputs_q").iter().map(|&b| b as i8).collect();
    let expected: Vec<i8> = tensor(io, "outputs_q").iter().map(|&b| b as i8).collect();
    let in_len = core::mem::size_of::<M::Input>();
    let out_len = core::mem::size_of::<M::Output>();
    for k in 0..inputs.len() / in_len {
        let mut x = M::new_input();
        fill(&mut x, &inputs[k * in_len..][..in_len]);
        let fast = bytes(&model.forward(&x));
        let portable = with_portable(|| bytes(&model.forward(&x)));
        assert_eq!(fast, expected[k * out_len..][..out_len], "input {k}");
        assert_eq!(portable, fast, "input {k}: the portable path");
    }
}

#[test]
fn int8_models_equal_tflite_on_every_path() {
    int8_equals_tflite(
        &Resnet8::new(),
        RESNET8_IO,
        |x, v| x.as_flattened_mut().as_flattened_mut().copy_from_slice(v),
        |y| y.to_vec(),
    );
    int8_equals_tflite(
        &FlatInput::new(),
        FLAT_INPUT_IO,
        |x, v| x.copy_from_slice(v),
        |y| y.to_vec(),
    );
    int8_equals_tflite(
        &Inception::new(),
        INCEPTION_IO,
        |x, v| x.as_flattened_mut().as_flattened_mut().copy_from_slice(v),
        |y| y.to_vec(),
    );
    int8_equals_tflite(
        &Activations::new(),
        ACTIVATIONS_IO,
        |x, v| x.as_flattened_mut().as_flattened_mut().copy_from_slice(v),
        |y| y.to_vec(),
    );
}

#[test]
fn float32_model_equals_tflite_on_every_path() {
    let inputs: Vec<f32> = tensor(INCEPTION_IO, "inputs")
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let expected: Vec<f32> = tensor(INCEPTION_IO, "outputs_f32tflite")
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let model = InceptionF32::new();
    let in_len = 16 * 16 * 3;
    for k in 0..inputs.len() / in_len {
        let mut x = InceptionF32::new_input();
        x.as_flattened_mut()
            .as_flattened_mut()
            .copy_from_slice(&inputs[k * in_len..][..in_len]);
        for y in [model.forward(&x), with_portable(|| model.forward(&x))] {
            for (a, b) in y.iter().zip(&expected[k * 5..][..5]) {
                assert!((a - b).abs() <= 1e-5, "input {k}: {a} vs {b}");
            }
        }
    }
}
