//! NaN and the infinities go through a model as they go through TensorFlow:
//! relu keeps a NaN, max pooling skips it (a window of nothing but NaN is
//! `f32::MIN`), softmax of a NaN is NaN. The expected outputs are Keras' own,
//! op by op (`tests/keras/seed_nan.py` says why not `model.predict`), for an
//! all-NaN image and two images with one NaN pixel, on every instruction-set
//! path.

use cnn_examples::{fixture_dir, models::SeedMnist, safetensors};
use cnn_runtime::memory::{flat, flat_mut};
use cnn_runtime::{simd, WeightFiles};

fn run_against_keras() {
    let model =
        SeedMnist::from_safetensors_file(fixture_dir("seed_mnist").join("weights.safetensors"))
            .unwrap();
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/keras/seed_nan.safetensors");
    let io = safetensors::read(&path).unwrap();
    let (inputs, outputs) = (io["input"].to_f32(), io["output"].to_f32());
    for (i, (x, keras)) in inputs
        .chunks_exact(28 * 28)
        .zip(outputs.chunks_exact(10))
        .enumerate()
    {
        let mut image = [[[0.0f32; 1]; 28]; 28];
        flat_mut(&mut image).copy_from_slice(x);
        let ours = model.forward(&image);
        for (o, k) in flat(&ours).iter().zip(keras) {
            assert!(
                (o - k).abs() <= 1e-5 || (o.is_nan() && k.is_nan()),
                "input {i} ({:?}): ours {:?}, Keras {keras:?}",
                simd::isa(),
                flat(&ours)
            );
        }
    }
}

#[test]
fn nan_pixels_give_keras_outputs() {
    run_against_keras();
    simd::without_avx512(run_against_keras);
    simd::with_portable(run_against_keras);
}
