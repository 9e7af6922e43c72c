//! A graph model: the MLPerf Tiny ResNet-8 (residual `Add`s, strided 1x1
//! projections, BatchNormalization), from Keras' own `model.to_json()`, with
//! Keras' weights, on Keras' test inputs: the same outputs as Keras.
//!
//! `cargo run --release --example resnet8`

use cnn_examples::{fixture_dir, safetensors};
use cnn_runtime::memory::{flat, flat_mut, zeroed_box};
use cnn_runtime::{Model, WeightFiles};
use std::error::Error;

cnn_runtime::include_keras! { pub struct Resnet8; "fixtures/resnet8/config.json" }

fn main() -> Result<(), Box<dyn Error>> {
    print!("{}", Resnet8::summary());
    println!(
        "{} parameters, {:.1} MFLOP per image, {} KiB of scratch for {} layers",
        Resnet8::PARAMS,
        Resnet8::FLOPS as f64 / 1e6,
        Resnet8::SCRATCH_BYTES / 1024,
        Resnet8::LAYERS.len()
    );

    let dir = fixture_dir("resnet8");
    let model = Resnet8::from_safetensors_file(dir.join("weights.safetensors"))?;
    let io = safetensors::read(&dir.join("io.safetensors"))?;
    let inputs = io["inputs"].to_f32();
    let keras = &io["outputs"].values;
    // 32x32x3 images and 10 probabilities each; the scratch lives on the heap.
    let mut image = zeroed_box::<<Resnet8 as Model>::Input>();
    let mut scratch = zeroed_box::<<Resnet8 as Model>::Scratch>();
    let mut worst = 0.0f64;
    for (i, (x, expected)) in inputs
        .chunks_exact(32 * 32 * 3)
        .zip(keras.chunks_exact(10))
        .enumerate()
    {
        flat_mut(&mut *image).copy_from_slice(x);
        let probabilities = model.forward_into(&image, &mut scratch);
        let class = argmax(flat(probabilities));
        let keras_class = argmax(&expected.iter().map(|&p| p as f32).collect::<Vec<_>>());
        for (ours, theirs) in flat(probabilities).iter().zip(expected) {
            worst = worst.max((f64::from(*ours) - theirs).abs());
        }
        println!(
            "input {i:2}: class {class} ({:.3}), Keras: class {keras_class}",
            flat(probabilities)[class]
        );
    }
    println!("largest difference to Keras' probabilities: {worst:.1e}");
    Ok(())
}

fn argmax(values: &[f32]) -> usize {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        if v > values[best] {
            best = i;
        }
    }
    best
}
