//! The seed MNIST model through tract (from the fixture's ONNX export) beside
//! ours (from its safetensors weights), on the same digits, one thread and all
//! threads. Prints one `engine,case,µs per image` line per figure for
//! `scripts/bench-peers.sh`, which adds ONNX Runtime and the ratios.
//!
//! `cargo run --release -- <model.onnx>` (from `benches/peers`).

use cnn_examples::{fixture_dir, models::SeedMnist};
use cnn_runtime::{ForwardBatch, WeightFiles};
use std::hint::black_box;
use std::time::{Duration, Instant};
use tract_onnx::prelude::*;

const BATCH: usize = 256;

fn main() -> TractResult<()> {
    let onnx = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "../../../shared/fixtures/seed_mnist/model.onnx".to_owned());
    let dir = fixture_dir("seed_mnist");
    let ours = SeedMnist::from_safetensors_file(dir.join("weights.safetensors"))?;
    let images = cnn_examples::seed_digits(BATCH)?;
    let pixels: Vec<f32> = images
        .iter()
        .flat_map(|i| i.as_flattened().as_flattened().iter().copied())
        .collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let one_thread = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;

    // Both engines must agree before either is timed.
    let tract_1 = tract_plan(&onnx, 1)?;
    let expected = ours.forward(&images[0]);
    let got = tract_run(&tract_1, &pixels[..784], 1)?;
    let worst = expected
        .iter()
        .zip(got.as_slice::<f32>()?)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(worst < 1e-5, "tract and cnn disagree by {worst}");

    let mut scratch = SeedMnist::new_scratch();
    report("cnn", "batch1_1thread", 1, || {
        black_box(ours.forward_into(black_box(&images[0]), &mut scratch));
    });
    report("cnn", "batch256_1thread", BATCH, || {
        black_box(one_thread.install(|| ours.forward_batch(black_box(&images))));
    });
    report("cnn", "batch256_all_threads", BATCH, || {
        black_box(ours.forward_batch(black_box(&images)));
    });

    report("tract", "batch1_1thread", 1, || {
        black_box(tract_run(&tract_1, &pixels[..784], 1).expect("tract runs"));
    });
    let tract_batch = tract_plan(&onnx, BATCH)?;
    report("tract", "batch256_1thread", BATCH, || {
        black_box(tract_run(&tract_batch, &pixels, BATCH).expect("tract runs"));
    });
    // tract runs a plan on the calling thread: all threads = the batch split
    // in one part per thread, run side by side.
    let part = BATCH / threads;
    let tract_part = tract_plan(&onnx, part)?;
    report("tract", "batch256_all_threads", part * threads, || {
        std::thread::scope(|s| {
            for chunk in pixels.chunks(part * 784).take(threads) {
                let plan = &tract_part;
                s.spawn(move || black_box(tract_run(plan, chunk, part).expect("tract runs")));
            }
        });
    });
    Ok(())
}

type Plan = TypedRunnableModel<TypedModel>;

fn tract_plan(onnx: &str, batch: usize) -> TractResult<Plan> {
    tract_onnx::onnx()
        .model_for_path(onnx)?
        .with_input_fact(0, f32::fact([batch, 28, 28, 1]).into())?
        .into_optimized()?
        .into_runnable()
}

fn tract_run(plan: &Plan, pixels: &[f32], batch: usize) -> TractResult<Arc<Tensor>> {
    let input = tract_ndarray::Array4::from_shape_vec((batch, 28, 28, 1), pixels.to_vec())?;
    let mut outputs = plan.run(tvec!(Tensor::from(input).into()))?;
    Ok(outputs.remove(0).into_arc_tensor())
}

/// Median time per image over repeated runs of about 2 seconds in all.
fn report(engine: &str, case: &str, images: usize, mut run: impl FnMut()) {
    let start = Instant::now();
    run(); // warm up
    let one = start.elapsed().max(Duration::from_micros(1));
    let per_sample = (Duration::from_millis(20).as_secs_f64() / one.as_secs_f64()).ceil() as u32;
    let mut samples: Vec<f64> = (0..100)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..per_sample {
                run();
            }
            t.elapsed().as_secs_f64() / f64::from(per_sample)
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    let median = samples[samples.len() / 2];
    println!("{engine},{case},{:.3}", median * 1e6 / images as f64);
}
