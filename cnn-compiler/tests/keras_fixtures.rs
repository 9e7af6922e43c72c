//! Shape inference against what real Keras reported for every fixture model:
//! its `model.summary()` text, and the per-layer shapes, padding, parameter and
//! multiply-accumulate counts in `manifest.json`.

use cnn_compiler::plan::{Op, Shape};
mod common;

use common::{assert_shapes_and_params, usizes};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The Sequential fixtures of the first format (`graph_fixtures.rs` has the others).
fn fixtures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .filter(|p| {
            std::fs::read_to_string(p.join("manifest.json"))
                .is_ok_and(|manifest| !manifest.contains("cnn-oracle-graph/1"))
        })
        .collect();
    dirs.sort();
    assert!(
        dirs.len() >= 10,
        "expected the 10 Keras fixtures in {}",
        root.display()
    );
    dirs
}

fn plan_of(dir: &Path) -> cnn_compiler::plan::Plan {
    let source = std::fs::read_to_string(dir.join("model.cnn")).unwrap();
    let tokens = source.parse().unwrap();
    cnn_compiler::compile(tokens).unwrap_or_else(|d| panic!("{}: {d}", dir.display()))
}

#[test]
fn summaries_equal_keras_model_summary() {
    for dir in fixtures() {
        let expected = std::fs::read_to_string(dir.join("summary.txt")).unwrap();
        let rendered = cnn_compiler::summary::render(&plan_of(&dir));
        assert_eq!(rendered, expected, "{}", dir.display());
    }
}

#[test]
fn shapes_padding_params_and_macs_equal_the_manifest() {
    for dir in fixtures() {
        let plan = plan_of(&dir);
        let manifest: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap())
                .unwrap();
        let what = dir.display();
        assert_shapes_and_params(&plan, &manifest, &what);
        assert_eq!(
            plan.macs(),
            manifest["total_macs"].as_u64().unwrap(),
            "{what}"
        );
        assert_eq!(
            plan.flops(),
            manifest["total_flops"].as_u64().unwrap(),
            "{what}"
        );
        let layers = manifest["layers"].as_array().unwrap();
        assert_eq!(plan.layers.len(), layers.len(), "{what}");
        for (ours, keras) in plan.layers.iter().zip(layers) {
            let what = format!("{what} {}", ours.name);
            assert_eq!(ours.name, keras["name"].as_str().unwrap(), "{what}");
            assert_eq!(
                ours.class.keras_name(),
                keras["cls"].as_str().unwrap(),
                "{what}"
            );
            assert_eq!(ours.input.dims(), usizes(&keras["input_shape"]), "{what}");
            assert_eq!(ours.output.dims(), usizes(&keras["output_shape"]), "{what}");
            assert_eq!(ours.params, keras["params"].as_u64().unwrap(), "{what}");
            assert_eq!(ours.macs, keras["macs"].as_u64().unwrap(), "{what}");
            let pad = match &ours.op {
                Op::Conv2D { pad, .. } | Op::Pool { pad, .. } => Some(*pad),
                _ => None,
            };
            if let Some(pad) = pad {
                let tblr = usizes(&keras["padding_tblr"]);
                assert_eq!(
                    [pad.top, pad.bottom, pad.left, pad.right],
                    tblr[..],
                    "{what}"
                );
            }
            let tensors: Vec<(String, Vec<usize>)> = keras["tensors"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), usizes(v)))
                .collect();
            let mut our_tensors = ours.tensors();
            our_tensors.sort();
            assert_eq!(our_tensors, tensors, "{what}");
            if let Op::Flatten = ours.op {
                assert!(matches!(ours.output, Shape::Vector(_)));
            }
        }
    }
}

/// A Keras front-end's model, compiled as the DSL, prints the fixture's summary.
fn assert_summary_is_keras(dir: &Path, model: &cnn_compiler::front::keras_json::KerasModel) {
    let plan = cnn_compiler::compile_keras(model.clone())
        .unwrap_or_else(|d| panic!("{}: {d}\n{model:?}", dir.display()));
    let expected = std::fs::read_to_string(dir.join("summary.txt")).unwrap();
    assert_eq!(
        cnn_compiler::summary::render(&plan),
        expected,
        "{}",
        dir.display()
    );
}

/// Keras' own `model.to_json()` of every fixture goes through the JSON
/// front-end to the same model: the summary Keras printed.
#[test]
fn keras_json_configs_give_keras_summaries() {
    for dir in fixtures() {
        let json = std::fs::read_to_string(dir.join("config.json")).unwrap();
        let model = cnn_compiler::front::keras_json::parse(&json).unwrap();
        let cnn = std::fs::read_to_string(dir.join("model.cnn")).unwrap();
        assert_eq!(
            cnn.lines().next().unwrap(),
            format!("pub struct {};", model.type_name())
        );
        assert_summary_is_keras(&dir, &model);
    }
}

#[test]
fn unsupported_keras_constructs_are_named() {
    let config = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/seed_mnist/config.json"),
    )
    .unwrap();
    let error = |text: String| cnn_compiler::front::keras_json::parse(&text).unwrap_err();
    assert_eq!(
        error(config.replacen("\"Sequential\"", "\"Subclassed\"", 1)),
        "Subclassed models are not supported: only Sequential and Functional"
    );
    assert_eq!(
        error(config.replacen("\"MaxPooling2D\"", "\"MaxPooling3D\"", 1)),
        "layer 3 `max_pooling2d` (MaxPooling3D): MaxPooling3D is not supported yet"
    );
    assert!(
        error(config.replacen("\"channels_last\"", "\"channels_first\"", 1))
            .contains("option `data_format` = \"channels_first\" is not supported yet")
    );
    assert!(error("{".to_string()).starts_with("not valid JSON"));
}

/// The Keras Python code that built every fixture (`keras_source.py`) goes
/// through the text front-end to the summary Keras printed.
#[test]
fn keras_python_sources_give_keras_summaries() {
    for dir in fixtures() {
        let source = std::fs::read_to_string(dir.join("keras_source.py")).unwrap();
        let keras = cnn_compiler::front::keras_py::parse(&source)
            .unwrap_or_else(|e| panic!("{}: {e:?}", dir.display()));
        assert_summary_is_keras(&dir, &keras.model);
    }
}

/// Keras' own signature decides what a positional argument is: the third of
/// `Conv2D` is `strides`, so `Conv2D(16, 3, 'relu')` is a mistake, as in Keras.
#[test]
fn python_positional_arguments_follow_keras_signatures() {
    let code =
        "model = keras.Sequential([keras.Input(shape=(8, 8, 1)), layers.Conv2D(16, 3, 'relu')])";
    let keras = cnn_compiler::front::keras_py::parse(code).unwrap();
    let diags = cnn_compiler::compile_keras(keras.model).unwrap_err();
    let messages: Vec<&str> = diags.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].contains("`strides` of `Conv2D`"),
        "{messages:?}"
    );
    let code =
        "model = keras.Sequential([keras.Input(shape=(8, 8, 1)), layers.Conv2D(16, 3, 2, 'same')])";
    let keras = cnn_compiler::front::keras_py::parse(code).unwrap();
    let plan = cnn_compiler::compile_keras(keras.model).unwrap();
    assert_eq!(plan.output().dims(), [4, 4, 16]);
}

/// The layers Keras' applications and sequence models added read from Keras
/// code too: the model-building lines of `tests/keras/conv1d.py` and
/// `tests/keras/grouped_conv.py` give the summaries Keras printed for them.
#[test]
fn keras_code_reads_sequences_and_grouped_convolutions() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/keras");
    let cases = [
        (
            "conv1d",
            r#"
inputs = keras.Input((20, 3))
x = layers.Conv1D(8, 3, activation="relu")(inputs)
x = layers.MaxPooling1D()(x)
x = layers.Conv1D(8, 3, padding="causal", dilation_rate=2)(x)
x = layers.BatchNormalization()(x)
y = layers.Conv1D(8, 5, strides=2, padding="same", use_bias=False)(x)
y = layers.AveragePooling1D(2, strides=1, padding="same")(y)
y = layers.Dense(6)(y)
a = layers.GlobalAveragePooling1D()(y)
b = layers.GlobalMaxPooling1D()(x)
x = layers.Concatenate()([a, b])
outputs = layers.Dense(4, activation="softmax")(x)
model = keras.Model(inputs, outputs, name="conv1d")
"#,
        ),
        (
            "grouped_conv",
            r#"
inputs = keras.Input((7, 6, 4))
x = layers.Conv2D(8, 3, groups=2)(inputs)
x = layers.Conv2D(6, 3, strides=2, padding="same", groups=2, use_bias=False, activation="relu")(x)
y = layers.Conv2D(6, 2, dilation_rate=2, padding="same", groups=3)(x)
x = layers.Add()([x, y])
x = layers.Conv2D(12, 1, groups=3)(x)
outputs = layers.Flatten()(x)
model = keras.Model(inputs, outputs, name="grouped_conv")
"#,
        ),
    ];
    for (name, code) in cases {
        let keras =
            cnn_compiler::front::keras_py::parse(code).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_summary_is_keras(&root.join(name), &keras.model);
    }
}
