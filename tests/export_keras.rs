//! `tools/export_keras.py` against the Keras fixtures: the spec it prints for
//! each Keras config is the fixture's `model.cnn`, and the weights it exports
//! from the real `.keras` file are Keras' weights, bit for bit, in both formats.
//!
//! Needs python3 with numpy, h5py and safetensors (`.ci/run` installs them); without them
//! the test is skipped locally and fails under CI.

use cnn_examples::fixture_dir;
use cnn_examples::models::SeedMnist;
use cnn_runtime::{Model, WeightFiles};
use std::path::Path;
use std::process::{Command, Output};

fn exporter(args: &[&str]) -> Option<Output> {
    let ready = Command::new("python3")
        .args(["-c", "import numpy, h5py, safetensors"])
        .output();
    if !ready.is_ok_and(|o| o.status.success()) {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must provide python3 with numpy, h5py and safetensors"
        );
        eprintln!("skipped: python3 with numpy, h5py and safetensors is not available");
        return None;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/export_keras.py");
    Some(
        Command::new("python3")
            .arg(script)
            .args(args)
            .output()
            .expect("python3 runs"),
    )
}

#[test]
fn specs_from_keras_configs_are_the_fixture_models() {
    for name in cnn_examples::fixture_names() {
        let dir = fixture_dir(&name);
        let manifest = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
        if manifest.contains("cnn-oracle-graph/1") {
            // The graph fixtures' model.cnn are written by hand with fresh layer
            // names; cnn-compiler's graph_fixtures.rs checks what the exporter
            // prints for them.
            continue;
        }
        let Some(out) = exporter(&[dir.join("config.json").to_str().unwrap()]) else {
            return;
        };
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let expected = std::fs::read_to_string(dir.join("model.cnn")).unwrap();
        assert_eq!(String::from_utf8(out.stdout).unwrap(), expected, "{name}");
    }
}

#[test]
fn weights_from_a_keras_file_are_keras_weights() {
    let dir = fixture_dir("seed_mnist");
    let out_dir = std::env::temp_dir().join(format!("cnn-export-{}", std::process::id()));
    std::fs::create_dir_all(&out_dir).unwrap();
    let (st, npz) = (out_dir.join("w.safetensors"), out_dir.join("w.npz"));
    let keras_file = dir.join("model.keras");
    let args = [
        keras_file.to_str().unwrap(),
        "-o",
        st.to_str().unwrap(),
        "--npz",
        npz.to_str().unwrap(),
    ];
    let Some(out) = exporter(&args) else { return };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        std::fs::read_to_string(dir.join("model.cnn")).unwrap()
    );
    let keras = SeedMnist::from_safetensors_file(dir.join("weights.safetensors")).unwrap();
    let from_st = SeedMnist::from_safetensors_file(&st).unwrap();
    let from_npz = SeedMnist::from_npz_file(&npz).unwrap();
    for i in 0..SeedMnist::TENSORS.len() {
        let bits = |m: &SeedMnist| {
            m.tensor(i)
                .unwrap()
                .iter()
                .map(|v| v.to_bits())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            bits(&from_st),
            bits(&keras),
            "{}",
            SeedMnist::TENSORS[i].name
        );
        assert_eq!(
            bits(&from_npz),
            bits(&keras),
            "{}",
            SeedMnist::TENSORS[i].name
        );
    }
    std::fs::remove_dir_all(out_dir).ok();
}

#[test]
fn unsupported_constructs_are_named_never_skipped() {
    let dir = std::env::temp_dir().join(format!("cnn-export-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = std::fs::read_to_string(fixture_dir("seed_mnist").join("config.json")).unwrap();
    let cases = [
        (
            config.replacen("\"MaxPooling2D\"", "\"MaxPooling3D\"", 1),
            "`max_pooling2d` (MaxPooling3D) is not supported yet",
        ),
        (
            config.replacen("\"Sequential\"", "\"Subclassed\"", 1),
            "Subclassed models are not supported: only Sequential and Functional",
        ),
        (
            config.replacen(
                "\"activation\": \"relu\"",
                "\"activation\": \"log_softmax\"",
                1,
            ),
            "activation `log_softmax` is not supported yet",
        ),
    ];
    for (i, (text, message)) in cases.iter().enumerate() {
        let path = dir.join(format!("{i}.json"));
        std::fs::write(&path, text).unwrap();
        let Some(out) = exporter(&[path.to_str().unwrap()]) else {
            return;
        };
        assert_eq!(out.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{stderr}");
        assert!(out.stdout.is_empty());
    }
    std::fs::remove_dir_all(dir).ok();
}

cnn_runtime::include_keras! { struct Resnet8; "fixtures/resnet8/config.json" }
cnn_runtime::include_keras! { struct BnDw; "fixtures/bn_dw/config.json" }

/// The weights of graph models' `.keras` files (BatchNorm's variables,
/// depthwise and separable kernels, a functional model's layers) are Keras'
/// weights, bit for bit.
#[test]
fn graph_weights_from_keras_files_are_keras_weights() {
    fn exported_equals_fixture<M: Model>(name: &str) {
        let dir = fixture_dir(name);
        let out_dir =
            std::env::temp_dir().join(format!("cnn-export-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&out_dir).unwrap();
        let st = out_dir.join("w.safetensors");
        let keras_file = dir.join("model.keras");
        let Some(out) = exporter(&[keras_file.to_str().unwrap(), "-o", st.to_str().unwrap()])
        else {
            return;
        };
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let keras = M::from_safetensors_file(dir.join("weights.safetensors")).unwrap();
        let exported = M::from_safetensors_file(&st).unwrap();
        for i in 0..M::TENSORS.len() {
            let bits = |m: &M| {
                m.tensor(i)
                    .unwrap()
                    .iter()
                    .map(|v| v.to_bits())
                    .collect::<Vec<_>>()
            };
            assert_eq!(
                bits(&exported),
                bits(&keras),
                "{name}: {}",
                M::TENSORS[i].name
            );
        }
        std::fs::remove_dir_all(out_dir).ok();
    }
    exported_equals_fixture::<Resnet8>("resnet8");
    exported_equals_fixture::<BnDw>("bn_dw");
}

/// What the exporter prints for `tests/keras/export_names.json`: Keras'
/// model name kept (`functional_119` is no type name's snake case), a layer
/// named like a later automatic name left unnamed only where the compiler
/// numbers it the same (it counts unnamed layers only, as Keras does), and
/// `keepdims = True` global pooling.
const EXPORTED_NAMES: &str = r#"pub struct Functional119;
model_name = "functional_119";
input(4, 4, 3, name = "input_layer");
Conv2D(4, 3x3, padding = same, activation = relu, name = "a")(input)
Conv2D(4, 3x3, padding = same, activation = relu, name = "conv2d_1")
Conv2D(4, 3x3, padding = same, activation = relu)
GlobalAvgPool(keepdims = true)
"#;

mod exported_names {
    cnn_runtime::cnn! {
        pub struct Functional119;
        model_name = "functional_119";
        input(4, 4, 3, name = "input_layer");
        Conv2D(4, 3x3, padding = same, activation = relu, name = "a")(input)
        Conv2D(4, 3x3, padding = same, activation = relu, name = "conv2d_1")
        Conv2D(4, 3x3, padding = same, activation = relu)
        GlobalAvgPool(keepdims = true)
    }
    cnn_runtime::include_keras! { pub struct FromJson; "tests/keras/export_names.json" }
}

#[test]
fn exported_names_and_options_are_keras_model() {
    use exported_names::{FromJson, Functional119};
    // The spec above, compiled, is the model Keras' JSON is.
    assert_eq!(Functional119::summary(), FromJson::summary());
    assert!(Functional119::summary().starts_with("Model: \"functional_119\""));
    assert_eq!(Functional119::TENSORS, FromJson::TENSORS);
    assert_eq!(Functional119::OUTPUT_SHAPE, &[1, 1, 4]);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/keras/export_names.json");
    let Some(out) = exporter(&[path.to_str().unwrap()]) else {
        return;
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8(out.stdout).unwrap(), EXPORTED_NAMES);
}
