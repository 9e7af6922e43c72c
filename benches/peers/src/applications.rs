//! Full-size keras.applications networks (224x224x3, 1000 classes) for
//! `scripts/bench-applications.sh`, with the `applications` feature: Keras'
//! `to_json()` of each, made with its weights by
//! `tools/make_application_bench.py` under `target/application-bench/`.

use cnn_runtime::memory::{flat, flat_mut, zeroed_box};
use cnn_runtime::{Model, WeightFiles};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use tract_onnx::prelude::{TractError, TractResult};

cnn_runtime::include_keras! { struct Resnet50; "../../target/application-bench/resnet50/config.json" }
cnn_runtime::include_keras! { struct MobilenetV2; "../../target/application-bench/mobilenet_v2/config.json" }
cnn_runtime::include_keras! { struct Densenet121; "../../target/application-bench/densenet121/config.json" }

/// The networks: folder names under `target/application-bench/`.
pub const NAMES: [&str; 3] = ["resnet50", "mobilenet_v2", "densenet121"];

/// The benchmark of network `name`, one of [`NAMES`].
pub fn case(name: &str) -> TractResult<(usize, Box<dyn FnMut()>)> {
    match name {
        "resnet50" => network::<Resnet50>(name),
        "mobilenet_v2" => network::<MobilenetV2>(name),
        "densenet121" => network::<Densenet121>(name),
        other => Err(TractError::msg(format!("no network `{other}`"))),
    }
}

fn folder(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/application-bench").join(name)
}

/// The network with the weights Keras ran, on Keras' input: checked against
/// Keras' output (within max(1e-5, 4x Keras' float32-vs-float64 error), as
/// `scripts/applications.sh` checks) before it is timed. Prints its FLOPs.
fn network<M: Model + WeightFiles + 'static>(name: &str) -> TractResult<(usize, Box<dyn FnMut()>)> {
    let dir = folder(name);
    let model = M::from_safetensors_file(dir.join("weights.safetensors"))?;
    let io = cnn_examples::safetensors::read(&dir.join("io.safetensors"))
        .map_err(|e| TractError::msg(e.to_string()))?;
    let meta = std::fs::read_to_string(dir.join("meta.json"))?;
    let keras_error: f32 = meta
        .split("\"keras_f32_vs_f64_max_abs\":")
        .nth(1)
        .and_then(|rest| rest.trim().trim_end_matches('}').trim().parse().ok())
        .ok_or_else(|| TractError::msg("meta.json has no keras_f32_vs_f64_max_abs"))?;
    let tolerance = (4.0 * keras_error).max(1e-5);
    let (Some(inputs), Some(outputs)) = (io.get("inputs"), io.get("outputs")) else {
        return Err(TractError::msg("io.safetensors lacks inputs or outputs"));
    };
    let mut input = zeroed_box::<M::Input>();
    flat_mut(&mut *input).copy_from_slice(&inputs.to_f32());
    let mut scratch = zeroed_box::<M::Scratch>();
    let keras = outputs.to_f32();
    let ours = flat(model.forward_into(&input, &mut scratch));
    let worst = ours.iter().zip(&keras).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
    if !(worst <= tolerance) {
        return Err(TractError::msg(format!(
            "{name}: cnn differs from Keras by {worst:.1e} (tolerance {tolerance:.0e})"
        )));
    }
    println!("flops,{name},{}", M::FLOPS);
    Ok((
        1,
        Box::new(move || {
            black_box(model.forward_into(black_box(&*input), &mut scratch));
        }),
    ))
}
