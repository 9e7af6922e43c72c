//! Hostile and careless inputs to `cnnc`: paths that are not model files,
//! structures that are not Keras', sizes that are not known; each a clear
//! error and an exit code, never a hang, a crash or a changed model.

mod common;

use common::{cnnc, repo};
use std::path::PathBuf;
use std::process::{Command, Output};

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A fresh folder for one test.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cnnc-hostile-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A one-convolution functional model, as Keras 3.15's `to_json()` writes
/// it, with the input's `batch_shape` and the convolution's `inbound_nodes`
/// given.
fn functional_json(batch_shape: &str, inbound_nodes: &str) -> String {
    format!(
        r#"{{"module": "keras.src.models.functional", "class_name": "Functional", "config": {{"name": "functional", "trainable": true,
 "layers": [
  {{"module": "keras.layers", "class_name": "InputLayer", "config": {{"batch_shape": {batch_shape}, "dtype": "float32", "sparse": false, "ragged": false, "name": "input_layer", "optional": false}}, "registered_name": null, "name": "input_layer", "inbound_nodes": []}},
  {{"module": "keras.layers", "class_name": "Conv2D", "config": {{"name": "conv2d", "trainable": true, "filters": 4, "kernel_size": [3, 3], "strides": [1, 1], "padding": "valid", "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1, "activation": "linear", "use_bias": true}}, "registered_name": null, "build_config": {{"input_shape": [null, 5, 8, 1]}}, "name": "conv2d", "inbound_nodes": {inbound_nodes}}}
 ],
 "input_layers": [["input_layer", 0, 0]], "output_layers": [["conv2d", 0, 0]]}}, "registered_name": "Functional", "build_config": {{"input_shape": null}}}}"#
    )
}

const CALLED_ON_INPUT: &str = r#"[{"args": [{"class_name": "__keras_tensor__", "config": {"shape": [null, 5, 8, 1], "dtype": "float32", "keras_history": ["input_layer", 0, 0]}}], "kwargs": {}}]"#;

#[test]
fn the_functional_json_template_is_a_model_cnnc_reads() {
    let dir = scratch("template");
    let path = dir.join("model.json");
    std::fs::write(&path, functional_json("[null, 5, 8, 1]", CALLED_ON_INPUT)).unwrap();
    let out = cnnc(&["--summary", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("(None, 3, 6, 4)"));
}

#[test]
fn input_sizes_must_be_known_positive_sizes() {
    let dir = scratch("sizes");
    for (shape, expected) in [
        ("[null, null, 8]", "a dimension of unknown size (None)"),
        (
            "[null, 5, null, 8, 1]",
            "a dimension of unknown size (None)",
        ),
        (
            "[null, null, null, 3]",
            "a dimension of unknown size (None)",
        ),
        (
            "[null, 5, -8, 1]",
            "has the size -8: every size must be a positive integer",
        ),
        (
            "[null, 5, 0, 1]",
            "has the size 0: every size must be a positive integer",
        ),
        (
            "[null, 5, 2.5, 1]",
            "has the size 2.5: every size must be a positive integer",
        ),
    ] {
        let path = dir.join("model.json");
        std::fs::write(&path, functional_json(shape, CALLED_ON_INPUT)).unwrap();
        let out = cnnc(&["--check", path.to_str().unwrap()]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{shape}: {err}");
        assert!(err.contains(expected), "{shape}: {err}");
        assert_eq!(err.matches("error:").count(), 1, "{shape}: {err}");
    }
    // In Keras code, the same; and the layers reading the refused input are
    // not reported again.
    let path = dir.join("model.py");
    std::fs::write(
        &path,
        "import keras\nfrom keras import layers\n\
         inputs = keras.Input(shape=(None, None, 3))\n\
         x = layers.Conv2D(4, 3)(inputs)\n\
         outputs = layers.GlobalAveragePooling2D()(x)\n\
         model = keras.Model(inputs, outputs)\n",
    )
    .unwrap();
    let out = cnnc(&["--check", path.to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.matches("error:").count(), 1, "{err}");
    assert!(err.contains("a dimension of unknown size (None)"), "{err}");
    assert!(err.contains("give the size it will run at"), "{err}");
    assert!(err.contains("model.py:3:29"), "{err}");
}

#[test]
fn malformed_structure_is_named_as_such() {
    let dir = scratch("structure");
    let path = dir.join("model.json");
    for (nodes, expected) in [
        (
            r#""nope""#,
            r#"`inbound_nodes` is "nope", not the list of the layer's calls"#,
        ),
        ("[]", "`inbound_nodes` is empty"),
    ] {
        std::fs::write(&path, functional_json("[null, 5, 8, 1]", nodes)).unwrap();
        let out = cnnc(&["--check", path.to_str().unwrap()]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains(expected), "{err}");
        assert!(!err.contains("shared layers"), "{err}");
    }
    // A merge in a Sequential model: Keras cannot call it on one tensor.
    std::fs::write(
        &path,
        r#"{"class_name": "Sequential", "config": {"name": "sequential", "layers": [
            {"class_name": "InputLayer", "config": {"batch_shape": [null, 4, 4, 1], "name": "input_layer"}},
            {"class_name": "Conv2D", "config": {"name": "conv2d", "filters": 2, "kernel_size": [3, 3]}},
            {"class_name": "Add", "config": {"name": "add"}}]}}"#,
    )
    .unwrap();
    let out = cnnc(&["--check", path.to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("Add merges two or more tensors, but is given one"),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn model_paths_that_are_not_regular_files_are_refused_without_reading() {
    let dir = scratch("paths");
    let zero = dir.join("zero.json");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    let fifo = dir.join("fifo.py");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let zero_tflite = dir.join("zero.tflite");
    std::os::unix::fs::symlink("/dev/zero", &zero_tflite).unwrap();
    for path in [&zero, &fifo, &zero_tflite, &dir] {
        // Would block (FIFO) or never end (/dev/zero) if opened and read.
        let out = cnnc(&["--check", path.to_str().unwrap()]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{}: {err}", path.display());
        assert!(err.contains("not a regular file"), "{err}");
    }
}

#[cfg(unix)]
#[test]
fn dsl_weights_are_embedded_by_cnnc_or_refused_with_a_reason() {
    let dir = scratch("weights");
    std::fs::copy(
        repo("fixtures/seed_mnist/weights.safetensors"),
        dir.join("weights.safetensors"),
    )
    .unwrap();
    let model = std::fs::read_to_string(repo("fixtures/seed_mnist/model.cnn")).unwrap();
    let with_weights = |file: &str| {
        model.replacen(
            "input(28, 28, 1);",
            &format!("input(28, 28, 1);\nweights = \"{file}\";"),
            1,
        )
    };
    let path = dir.join("model.cnn");
    std::fs::write(&path, with_weights("weights.safetensors")).unwrap();
    let out = cnnc(&[path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let code = String::from_utf8_lossy(&out.stdout);
    assert!(code.contains("pub fn embedded() -> &'static Self"));
    // The generated file names no path of the machine that made it.
    assert!(!code.contains(dir.to_str().unwrap()));
    assert!(!code.contains("include_bytes!"));

    std::os::unix::fs::symlink("/dev/zero", dir.join("zero.safetensors")).unwrap();
    Command::new("mkfifo")
        .arg(dir.join("fifo.safetensors"))
        .status()
        .unwrap();
    for (file, expected) in [
        ("zero.safetensors", "not a regular file"),
        ("fifo.safetensors", "not a regular file"),
        ("missing.safetensors", "cannot read weights file"),
    ] {
        std::fs::write(&path, with_weights(file)).unwrap();
        let out = cnnc(&[path.to_str().unwrap()]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{file}: {err}");
        assert!(err.contains(expected), "{file}: {err}");
        assert!(err.contains("model.cnn:3:11"), "{file}: {err}");
        assert!(
            err.contains("relative to the model file's folder"),
            "{file}: {err}"
        );
    }
}

#[test]
fn names_reach_terminals_svg_and_code_escaped() {
    let model = repo("tests/keras/hostile_names.json");
    let out = cnnc(&["--summary", model.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let summary = String::from_utf8(out.stdout).unwrap();
    assert!(
        !summary.chars().any(|c| c.is_control() && c != '\n'),
        "{summary}"
    );
    assert!(summary.contains("│ evil```\\u{a}<img src=x"), "{summary}");

    let dir = scratch("names");
    let svg_path = dir.join("graph.svg");
    let out = cnnc(&[
        "--plot",
        svg_path.to_str().unwrap(),
        model.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    // No character XML 1.0 forbids, and the markup in names is text.
    assert!(!svg.chars().any(|c| c.is_control() && c != '\n'), "{svg}");
    assert!(
        svg.contains("evil```\\u{a}&lt;img src=x onerror=alert(1)&gt;"),
        "{svg}"
    );
    assert!(!svg.contains("<img"), "{svg}");

    let out = cnnc(&[model.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let code = String::from_utf8(out.stdout).unwrap();
    assert!(code.contains("pub struct SelfModel"), "{code}");
    // The summary in the doc comment sits in a fence longer than any run
    // of backticks in it: the names cannot close it and start HTML.
    assert!(code.contains("````text"), "{code}");
    assert!(!code.contains("\u{1b}"));
}

#[test]
fn quoted_lines_of_keras_code_reach_the_terminal_without_control_characters() {
    let dir = scratch("quoted");
    let path = dir.join("model.py");
    std::fs::write(
        &path,
        "import keras\nfrom keras import layers\n\
         inputs = keras.Input(shape=(8, 8, 1))\n\
         x = layers.Conv2D(4, 30, name=\"a\u{1b}[2J\u{202e}b\")(inputs)\n\
         model = keras.Model(inputs, x)\n",
    )
    .unwrap();
    let out = cnnc(&["--check", path.to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("model.py:4:"), "{err}");
    assert!(
        !err.contains('\u{1b}') && !err.contains('\u{202e}'),
        "{err}"
    );
}

#[test]
fn every_layer_it_cannot_read_is_reported_at_once() {
    let dir = scratch("unsupported");
    let config = std::fs::read_to_string(repo("fixtures/seed_mnist/config.json")).unwrap();
    // Both pooling layers, and an option of a convolution.
    let config = config
        .replace("\"MaxPooling2D\"", "\"MaxPooling3D\"")
        .replacen("\"channels_last\"", "\"channels_first\"", 1);
    let path = dir.join("model.json");
    std::fs::write(&path, config).unwrap();
    let out = cnnc(&["--summary", path.to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.matches("error:").count(), 3, "{err}");
    assert!(
        err.contains("`max_pooling2d` (MaxPooling3D): MaxPooling3D is not supported yet"),
        "{err}"
    );
    assert!(err.contains("`max_pooling2d_1` (MaxPooling3D)"), "{err}");
    assert!(
        err.contains("option `data_format` = \"channels_first\" is not supported yet"),
        "{err}"
    );
}
