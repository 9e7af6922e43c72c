//! A batch of images as an ndarray in, probabilities out, on all cores (the
//! runtime's `rayon` feature).
//!
//! `cargo run --release --example batch`

use cnn_examples::{fixture_dir, models::SeedMnist, safetensors};
use cnn_runtime::ndarray::{Array4, Axis};
use cnn_runtime::{ForwardBatch, WeightFiles};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = fixture_dir("seed_mnist");
    let model = SeedMnist::from_safetensors_file(dir.join("weights.safetensors"))?;
    let digits = safetensors::read(&dir.join("digits.safetensors"))?;
    let n = digits["labels"].values.len();
    let pixels: Vec<f32> = digits["digits"]
        .values
        .iter()
        .map(|&p| p as f32 / 255.0)
        .collect();
    let batch = Array4::from_shape_vec((n, 28, 28, 1), pixels)?;

    let _warm_up =
        model.forward_ndarray(batch.slice(cnn_runtime::ndarray::s![..64, .., .., ..]))?;
    let start = Instant::now();
    let probabilities = model.forward_ndarray(batch.view())?;
    let elapsed = start.elapsed();

    let correct = probabilities
        .axis_iter(Axis(0))
        .zip(&digits["labels"].values)
        .filter(|(p, &label)| {
            let best = p
                .iter()
                .enumerate()
                .fold(0, |b, (i, &v)| if v > p[b] { i } else { b });
            best as f64 == label
        })
        .count();
    println!(
        "{n} digits, shape {:?} in, {:?} out: {:.2} % correct (Keras: 96.75 %)",
        batch.shape(),
        probabilities.shape(),
        100.0 * correct as f64 / n as f64
    );
    println!(
        "{:.0} images/s on {} threads",
        n as f64 / elapsed.as_secs_f64(),
        std::thread::available_parallelism().map_or(1, |t| t.get())
    );
    Ok(())
}
