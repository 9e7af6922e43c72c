//! Random Keras graph models (`tools/make_random_graphs.py`, which writes this
//! file): each compiled by `include_keras!`, loaded with its weights and run on
//! Keras' inputs gives Keras' outputs within the model's tolerance, with fresh
//! and reused scratch, on every instruction-set path; its summary is Keras'.

use cnn_runtime::memory::{flat, flat_mut, zeroed_box};
use cnn_runtime::{simd, Model, WeightFiles};
use std::path::{Path, PathBuf};

#[allow(clippy::upper_case_acronyms)]
mod graphs {
    cnn_runtime::include_keras! { pub struct G00; "tests/random_graphs/g00/config.json" }
    cnn_runtime::include_keras! { pub struct G01; "tests/random_graphs/g01/config.json" }
    cnn_runtime::include_keras! { pub struct G02; "tests/random_graphs/g02/config.json" }
    cnn_runtime::include_keras! { pub struct G03; "tests/random_graphs/g03/config.json" }
    cnn_runtime::include_keras! { pub struct G04; "tests/random_graphs/g04/config.json" }
    cnn_runtime::include_keras! { pub struct G05; "tests/random_graphs/g05/config.json" }
    cnn_runtime::include_keras! { pub struct G06; "tests/random_graphs/g06/config.json" }
    cnn_runtime::include_keras! { pub struct G07; "tests/random_graphs/g07/config.json" }
    cnn_runtime::include_keras! { pub struct G08; "tests/random_graphs/g08/config.json" }
    cnn_runtime::include_keras! { pub struct G09; "tests/random_graphs/g09/config.json" }
    cnn_runtime::include_keras! { pub struct G10; "tests/random_graphs/g10/config.json" }
    cnn_runtime::include_keras! { pub struct G11; "tests/random_graphs/g11/config.json" }
    cnn_runtime::include_keras! { pub struct G12; "tests/random_graphs/g12/config.json" }
    cnn_runtime::include_keras! { pub struct G13; "tests/random_graphs/g13/config.json" }
    cnn_runtime::include_keras! { pub struct G14; "tests/random_graphs/g14/config.json" }
    cnn_runtime::include_keras! { pub struct G15; "tests/random_graphs/g15/config.json" }
    cnn_runtime::include_keras! { pub struct G16; "tests/random_graphs/g16/config.json" }
    cnn_runtime::include_keras! { pub struct G17; "tests/random_graphs/g17/config.json" }
    cnn_runtime::include_keras! { pub struct G18; "tests/random_graphs/g18/config.json" }
    cnn_runtime::include_keras! { pub struct G19; "tests/random_graphs/g19/config.json" }
    cnn_runtime::include_keras! { pub struct G20; "tests/random_graphs/g20/config.json" }
    cnn_runtime::include_keras! { pub struct G21; "tests/random_graphs/g21/config.json" }
    cnn_runtime::include_keras! { pub struct G22; "tests/random_graphs/g22/config.json" }
    cnn_runtime::include_keras! { pub struct G23; "tests/random_graphs/g23/config.json" }
}

fn folder(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/random_graphs")
        .join(name)
}

fn check<M: Model + WeightFiles>(name: &str, ours: &str) {
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(folder("manifest.json")).unwrap()).unwrap();
    let tolerance = manifest[name]["tolerance"].as_f64().unwrap();
    let summary = std::fs::read_to_string(folder(name).join("summary.txt")).unwrap();
    assert_eq!(ours, summary, "{name}: Keras' summary");
    let model = M::from_safetensors_file(folder(name).join("weights.safetensors")).unwrap();
    let io = cnn_examples::safetensors::read(&folder(name).join("io.safetensors")).unwrap();
    let (inputs, outputs) = (io["inputs"].to_f32(), io["outputs"].to_f32());
    let n = io["inputs"].shape[0];
    let mut input = zeroed_box::<M::Input>();
    let mut scratch = zeroed_box::<M::Scratch>();
    let run = || {
        let mut worst = 0.0f64;
        for (x, keras) in inputs
            .chunks_exact(inputs.len() / n)
            .zip(outputs.chunks_exact(outputs.len() / n))
        {
            flat_mut(&mut *input).copy_from_slice(x);
            // Scratch reused from the previous input and model run.
            let ours = flat(model.forward_into(&input, &mut scratch)).to_vec();
            let fresh = flat(model.forward_into(&input, &mut zeroed_box::<M::Scratch>())).to_vec();
            assert_eq!(ours, fresh, "{name}: reused scratch changed the output");
            for (o, k) in ours.iter().zip(keras) {
                worst = worst.max(f64::from((o - k).abs()));
            }
        }
        assert!(
            worst <= tolerance,
            "{name} ({:?}): {worst:.2e} from Keras, tolerance {tolerance:.1e}",
            simd::isa()
        );
    };
    let mut run = run;
    run();
    simd::without_avx512(&mut run);
    simd::with_portable(&mut run);
}

#[test]
fn random_graphs_equal_keras() {
    check::<graphs::G00>("g00", graphs::G00::summary());
    check::<graphs::G01>("g01", graphs::G01::summary());
    check::<graphs::G02>("g02", graphs::G02::summary());
    check::<graphs::G03>("g03", graphs::G03::summary());
    check::<graphs::G04>("g04", graphs::G04::summary());
    check::<graphs::G05>("g05", graphs::G05::summary());
    check::<graphs::G06>("g06", graphs::G06::summary());
    check::<graphs::G07>("g07", graphs::G07::summary());
    check::<graphs::G08>("g08", graphs::G08::summary());
    check::<graphs::G09>("g09", graphs::G09::summary());
    check::<graphs::G10>("g10", graphs::G10::summary());
    check::<graphs::G11>("g11", graphs::G11::summary());
    check::<graphs::G12>("g12", graphs::G12::summary());
    check::<graphs::G13>("g13", graphs::G13::summary());
    check::<graphs::G14>("g14", graphs::G14::summary());
    check::<graphs::G15>("g15", graphs::G15::summary());
    check::<graphs::G16>("g16", graphs::G16::summary());
    check::<graphs::G17>("g17", graphs::G17::summary());
    check::<graphs::G18>("g18", graphs::G18::summary());
    check::<graphs::G19>("g19", graphs::G19::summary());
    check::<graphs::G20>("g20", graphs::G20::summary());
    check::<graphs::G21>("g21", graphs::G21::summary());
    check::<graphs::G22>("g22", graphs::G22::summary());
    check::<graphs::G23>("g23", graphs::G23::summary());
}
