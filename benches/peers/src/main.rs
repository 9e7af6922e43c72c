//! One figure per run, for `scripts/bench-peers.sh`, which alternates the
//! engines in rounds: the seed MNIST model through cnn (from its safetensors
//! weights) or tract (from the fixture's ONNX export), on the same digits, or
//! the CPU's FMA peak. Prints `engine,case,µs per image` (for `peak`, one
//! line per vector width: `peak,CASE WIDTH,GFLOP/s`).
//!
//! `cargo run --release -- ENGINE CASE [model.onnx]` (from `benches/peers`),
//! ENGINE `cnn`, `tract` or `peak`; CASE `batch1_1thread`, `batch256_1thread`
//! or `batch256_all_threads`, or (cnn only) a graph fixture at batch 1:
//! `resnet8`, `dscnn`, `mobilenet_v1_vww`, or its int8 TensorFlow Lite file
//! (`resnet8_int8`, ...; `tflite_bench.py` runs TensorFlow Lite on the same
//! file). `peak` also prints the int8 multiply-accumulate peak
//! (`int8peak,CASE NAME,GMAC/s`) where the CPU has VNNI. One-thread cases are
//! meant to run pinned to a core (`taskset`).

use cnn_examples::{fixture_dir, models::SeedMnist};
use cnn_runtime::int8::Int8Model;
use cnn_runtime::{ForwardBatch, Model, WeightFiles};
use std::hint::black_box;
use std::time::{Duration, Instant};
use tract_onnx::prelude::*;

#[cfg(feature = "applications")]
mod applications;
#[path = "../../fma_peak.rs"]
mod fma_peak;

// The graph fixtures, from Keras' JSON: their layers have Keras' names, as
// their weights files do.
cnn_runtime::include_keras! { struct Resnet8; "../../fixtures/resnet8/config.json" }
cnn_runtime::include_keras! { struct Dscnn; "../../fixtures/dscnn/config.json" }
cnn_runtime::include_keras! { struct MobilenetV1Vww; "../../fixtures/mobilenet_v1_vww/config.json" }
// The same fixtures as TensorFlow's converter quantized them to int8.
cnn_runtime::include_tflite! { struct Resnet8Int8; "../../fixtures/resnet8/tflite/model.int8.tflite" }
cnn_runtime::include_tflite! { struct DscnnInt8; "../../fixtures/dscnn/tflite/model.int8.tflite" }
cnn_runtime::include_tflite! { struct MobilenetV1VwwInt8; "../../fixtures/mobilenet_v1_vww/tflite/model.int8.tflite" }

const BATCH: usize = 256;

fn main() -> TractResult<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [engine, case, rest @ ..] = args.as_slice() else {
        return Err(TractError::msg(
            "usage: cnn-peers cnn|tract|peak|profile CASE [model.onnx]",
        ));
    };
    if engine == "profile" {
        return profile(case);
    }
    if engine == "peak" {
        // One line per vector width: cnn's kernels use AVX2 (8 lanes), so
        // its share of the AVX2 peak says how well they use what they target.
        for width in fma_peak::Width::available() {
            let seconds = median_seconds(|| {
                black_box(width.run());
            });
            let gflops = width.flops() as f64 / seconds / 1e9;
            println!("peak,{case} {},{gflops:.2}", width.name());
        }
        if fma_peak::Int8Peak::available() {
            let peak = fma_peak::Int8Peak;
            let seconds = median_seconds(|| {
                black_box(peak.run());
            });
            let gmacs = peak.macs() as f64 / seconds / 1e9;
            println!("int8peak,{case} {},{gmacs:.2}", peak.name());
        }
        return Ok(());
    }
    let dir = fixture_dir("seed_mnist");
    let onnx = rest
        .first()
        .cloned()
        .unwrap_or_else(|| dir.join("model.onnx").to_string_lossy().into_owned());
    let images = cnn_examples::seed_digits(BATCH)?;
    let pixels: Vec<f32> = images
        .iter()
        .flat_map(|i| i.as_flattened().as_flattened().iter().copied())
        .collect();
    let (images_per_run, mut run): (usize, Box<dyn FnMut()>) =
        match (engine.as_str(), case.as_str()) {
            // The graph fixtures at batch 1: an input of 0.5 everywhere.
            ("cnn", "resnet8") => graph::<Resnet8>(&dir.with_file_name("resnet8"))?,
            ("cnn", "dscnn") => graph::<Dscnn>(&dir.with_file_name("dscnn"))?,
            ("cnn", "mobilenet_v1_vww") => {
                graph::<MobilenetV1Vww>(&dir.with_file_name("mobilenet_v1_vww"))?
            }
            #[cfg(feature = "applications")]
            ("cnn", name) if applications::NAMES.contains(&name) => applications::case(name)?,
            ("cnn", "resnet8_int8") => int8_graph(Resnet8Int8::new(), "resnet8"),
            ("cnn", "dscnn_int8") => int8_graph(DscnnInt8::new(), "dscnn"),
            ("cnn", "mobilenet_v1_vww_int8") => {
                int8_graph(MobilenetV1VwwInt8::new(), "mobilenet_v1_vww")
            }
            ("cnn", case) => {
                let ours = SeedMnist::from_safetensors_file(dir.join("weights.safetensors"))?;
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
                match case {
                    "batch1_1thread" => {
                        let mut scratch = SeedMnist::new_scratch();
                        (
                            1,
                            Box::new(move || {
                                black_box(ours.forward_into(black_box(&images[0]), &mut scratch));
                            }),
                        )
                    }
                    "batch256_1thread" => {
                        let one_thread = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
                        (
                            BATCH,
                            Box::new(move || {
                                black_box(
                                    one_thread.install(|| ours.forward_batch(black_box(&images))),
                                );
                            }),
                        )
                    }
                    "batch256_all_threads" => (
                        BATCH,
                        Box::new(move || {
                            black_box(ours.forward_batch(black_box(&images)));
                        }),
                    ),
                    other => return Err(TractError::msg(format!("unknown case `{other}`"))),
                }
            }
            ("tract", "batch1_1thread") => {
                let plan = tract_plan(&onnx, 1)?;
                (
                    1,
                    Box::new(move || {
                        black_box(tract_run(&plan, &pixels[..784], 1).expect("tract runs"));
                    }),
                )
            }
            ("tract", "batch256_1thread") => {
                let plan = tract_plan(&onnx, BATCH)?;
                (
                    BATCH,
                    Box::new(move || {
                        black_box(tract_run(&plan, &pixels, BATCH).expect("tract runs"));
                    }),
                )
            }
            ("tract", "batch256_all_threads") => {
                // tract runs a plan on the calling thread: all threads = the batch
                // split in one part per thread, run side by side.
                let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
                let part = BATCH / threads;
                let plan = tract_plan(&onnx, part)?;
                (
                    part * threads,
                    Box::new(move || {
                        std::thread::scope(|s| {
                            for chunk in pixels.chunks(part * 784).take(threads) {
                                let plan = &plan;
                                s.spawn(move || {
                                    black_box(tract_run(plan, chunk, part).expect("tract runs"))
                                });
                            }
                        });
                    }),
                )
            }
            (engine, case) => {
                return Err(TractError::msg(format!(
                    "unknown engine or case `{engine} {case}`"
                )))
            }
        };
    let seconds = median_seconds(&mut run);
    println!(
        "{engine},{case},{:.3}",
        seconds * 1e6 / images_per_run as f64
    );
    Ok(())
}

/// A graph fixture's model with its Keras weights, run at batch 1 on an
/// input of 0.5 everywhere; prints its FLOPs (`flops,case,n`) for the
/// script's share of the peak.
fn graph<M: Model + 'static>(dir: &std::path::Path) -> TractResult<(usize, Box<dyn FnMut()>)> {
    let model = M::from_safetensors_file(dir.join("weights.safetensors"))?;
    let mut input = cnn_runtime::memory::zeroed_box::<M::Input>();
    cnn_runtime::memory::flat_mut(&mut *input).fill(0.5);
    let mut scratch = cnn_runtime::memory::zeroed_box::<M::Scratch>();
    let name = dir
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    println!("flops,{name},{}", M::FLOPS);
    Ok((
        1,
        Box::new(move || {
            black_box(model.forward_into(black_box(&*input), &mut scratch));
        }),
    ))
}

/// An int8 model at batch 1 on the quantized input of 0.5 everywhere (as
/// `tflite_bench.py` feeds TensorFlow Lite); prints its multiply-accumulates
/// (`macs,case,n`) for the script's share of the int8 peak.
fn int8_graph<M: Int8Model + 'static>(model: M, name: &str) -> (usize, Box<dyn FnMut()>) {
    let mut input = Box::new(M::new_input());
    let q = M::INPUT_QUANTIZATION.quantize(0.5);
    fill(&mut *input, q);
    let mut scratch = Box::new(M::new_scratch());
    println!("macs,{name}_int8,{}", M::MACS);
    (
        1,
        Box::new(move || {
            black_box(model.forward_into(black_box(&*input), &mut scratch));
        }),
    )
}

/// Time per operator of a graph fixture, float32 or int8, or (with the
/// `applications` feature) a full-size network (`CASE` as for `cnn`), with
/// the `profile` feature: a few seconds of runs, then each step's mean µs
/// and share.
fn profile(case: &str) -> TractResult<()> {
    let fixture = |name: &str| fixture_dir("seed_mnist").with_file_name(name);
    let (_, mut run) = match case {
        "resnet8" => graph::<Resnet8>(&fixture(case))?,
        "dscnn" => graph::<Dscnn>(&fixture(case))?,
        "mobilenet_v1_vww" => graph::<MobilenetV1Vww>(&fixture(case))?,
        "resnet8_int8" => int8_graph(Resnet8Int8::new(), "resnet8"),
        "dscnn_int8" => int8_graph(DscnnInt8::new(), "dscnn"),
        "mobilenet_v1_vww_int8" => int8_graph(MobilenetV1VwwInt8::new(), "mobilenet_v1_vww"),
        #[cfg(feature = "applications")]
        name if applications::NAMES.contains(&name) => applications::case(name)?,
        other => return Err(TractError::msg(format!("no model `{other}`"))),
    };
    #[cfg(feature = "profile")]
    {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(3) {
            run();
        }
        let steps = cnn_runtime::profile::take();
        let total: f64 = steps.iter().map(|s| s.mean_micros()).sum();
        for s in &steps {
            let share = s.mean_micros() / total;
            println!(
                "{:>3} {:<70} {:>8.2} µs {:>5.1} %",
                s.step,
                s.operator,
                s.mean_micros(),
                share * 100.0
            );
        }
        println!("    {:<70} {total:>8.2} µs", "total");
    }
    #[cfg(not(feature = "profile"))]
    {
        run();
        eprintln!("build with `--features profile` for the time per operator");
    }
    Ok(())
}

/// Sets every byte of a nested int8 array (an int8 model's input).
fn fill<T: Copy>(value: &mut T, byte: i8) {
    let bytes = std::mem::size_of::<T>();
    // SAFETY: an int8 model's input is a nested array of i8: every byte is
    // an i8, and the slice covers exactly the borrowed value.
    let flat = unsafe { std::slice::from_raw_parts_mut((value as *mut T).cast::<i8>(), bytes) };
    flat.fill(byte);
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

/// The median time of one call to `run`, over about a second of samples of
/// 20 ms each (after one warm-up call).
fn median_seconds(mut run: impl FnMut()) -> f64 {
    let start = Instant::now();
    run(); // warm up
    let one = start.elapsed().max(Duration::from_micros(1));
    let per_sample = (Duration::from_millis(20).as_secs_f64() / one.as_secs_f64()).ceil() as u32;
    let mut samples: Vec<f64> = (0..50)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..per_sample {
                run();
            }
            t.elapsed().as_secs_f64() / f64::from(per_sample)
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}
