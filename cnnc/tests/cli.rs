//! The `cnnc` binary: summaries, checks, generated code, error rendering and
//! exit codes (0 ok, 1 model error, 2 usage).

mod common;

use common::{cnnc, repo};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn summary_is_keras_summary_from_every_kind_of_source() {
    for fixture in [
        "seed_mnist",
        "gmp",
        "features_a",
        "features_b",
        "mixed_same",
    ] {
        let expected =
            std::fs::read_to_string(repo(&format!("fixtures/{fixture}/summary.txt"))).unwrap();
        for file in ["keras_source.py", "config.json", "model.cnn"] {
            let path = repo(&format!("fixtures/{fixture}/{file}"));
            let out = cnnc(&["--summary", path.to_str().unwrap()]);
            assert_eq!(
                out.status.code(),
                Some(0),
                "{fixture}/{file}: {}",
                text(&out.stderr)
            );
            let stdout = text(&out.stdout);
            let (table, memory) = stdout.split_at(expected.len().min(stdout.len()));
            assert_eq!(table, expected, "{fixture}/{file}");
            assert!(
                memory.starts_with(" Scratch: "),
                "{fixture}/{file}: {memory}"
            );
        }
    }
}

/// The memory plan beside the activations it stores: the seed model's two
/// largest maps (26x26x32 and 13x13x32) are all the scratch it needs, and
/// ResNet-8 reuses the regions of tensors no later layer reads.
#[test]
fn summary_reports_the_memory_plan() {
    let memory = |fixture: &str| {
        let path = repo(&format!("fixtures/{fixture}/config.json"));
        let out = cnnc(&["--summary", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        text(&out.stdout).lines().last().unwrap().to_string()
    };
    assert_eq!(
        memory("seed_mnist"),
        " Scratch: 108,160 B (SCRATCH_BYTES), for activations of 127,400 B in all"
    );
    assert_eq!(
        memory("resnet8"),
        " Scratch: 196,608 B (SCRATCH_BYTES), for activations of 1,048,872 B in all"
    );
}

/// The seed's practical cell and its GlobalMaxPooling2D variant, as Keras code.
#[test]
fn the_seed_cells_give_keras_summaries() {
    for (cell, fixture) in [("seed_cell.py", "seed_mnist"), ("seed_gmp.py", "gmp")] {
        let out = cnnc(&[
            "--summary",
            repo(&format!("tests/keras/{cell}")).to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let expected =
            std::fs::read_to_string(repo(&format!("fixtures/{fixture}/summary.txt"))).unwrap();
        // Without `name=`, Keras would call the model "sequential".
        let expected = expected.replacen(&format!("\"{fixture}\""), "\"sequential\"", 1);
        assert!(
            text(&out.stdout).starts_with(&expected),
            "{}",
            text(&out.stdout)
        );
    }
}

#[test]
fn generated_code_is_the_committed_compiled_file() {
    let out = cnnc(&[repo("fixtures/seed_mnist/keras_source.py")
        .to_str()
        .unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let committed = std::fs::read_to_string(repo("tests/generated/seed_mnist.rs")).unwrap();
    assert_eq!(
        text(&out.stdout),
        committed,
        "regenerate tests/generated/seed_mnist.rs with cnnc"
    );
    // -o writes the same.
    let target = std::env::temp_dir().join(format!("cnnc-{}.rs", std::process::id()));
    let out = cnnc(&[
        "-o",
        target.to_str().unwrap(),
        repo("fixtures/seed_mnist/keras_source.py")
            .to_str()
            .unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), committed);
    std::fs::remove_file(target).ok();
}

#[test]
fn model_errors_are_rendered_with_file_line_column_and_exit_1() {
    let dir = std::env::temp_dir().join(format!("cnnc-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let dsl = dir.join("bad.cnn");
    std::fs::write(
        &dsl,
        "pub struct Bad;\ninput(28, 28, 1);\nConv2D(32, 3x3, stride = 2)\nDense(10, softmx)\n",
    )
    .unwrap();
    let out = cnnc(&["--check", dsl.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("error: unknown option `stride` for `Conv2D`"),
        "{stderr}"
    );
    assert!(stderr.contains("bad.cnn:3:17"), "{stderr}");
    assert!(
        stderr.contains("= help: did you mean `strides`?"),
        "{stderr}"
    );
    assert!(stderr.contains("bad.cnn:4:11"), "{stderr}");

    let py = dir.join("bad.py");
    std::fs::write(
        &py,
        "model = Sequential()\nmodel.add(Conv2D(32, (3, 3), input_shape=(8, 8, 1)))\nmodel.add(MaxPooling2D((4, 4)))\nmodel.add(Conv2D(4, (3, 3)))\n",
    )
    .unwrap();
    let out = cnnc(&[py.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr
            .contains("`conv2d_1`: kernel 3x3 needs an input of at least 3x3, but receives 1x1x32"),
        "{stderr}"
    );
    assert!(stderr.contains("bad.py:4:11"), "{stderr}");
    assert!(
        stderr.contains("shapes: 8x8x1 → conv2d 6x6x32 → max_pooling2d 1x1x32"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(cnnc(&[]).status.code(), Some(2));
    assert_eq!(cnnc(&["--bogus", "x.py"]).status.code(), Some(2));
    assert_eq!(cnnc(&["no/such/model.py"]).status.code(), Some(2));
    let help = cnnc(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
    let help = text(&help.stdout);
    for option in ["--summary", "--check", "--plot", "--output", "--version"] {
        assert!(help.contains(option), "{help}");
    }
    let version = cnnc(&["--version"]);
    assert_eq!(version.status.code(), Some(0));
    assert!(text(&version.stdout).starts_with("cnnc "));
    let unknown = cnnc(&["--bogus", "x.py"]);
    assert!(text(&unknown.stderr).contains("unexpected argument '--bogus'"));
    // Two modes at once are a usage error.
    assert_eq!(
        cnnc(&["--summary", "--check", "x.py"]).status.code(),
        Some(2)
    );
}

/// `--plot` writes the layer graph as SVG.
#[test]
fn plot_writes_the_layer_graph() {
    let target = std::env::temp_dir().join(format!("cnnc-plot-{}.svg", std::process::id()));
    let model = repo("fixtures/resnet8/config.json");
    let out = cnnc(&["--plot", target.to_str().unwrap(), model.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let svg = std::fs::read_to_string(&target).unwrap();
    assert!(svg.starts_with("<svg "));
    assert!(svg.contains(">add (Add)<"));
    std::fs::remove_file(target).ok();
}

/// Brackets nested 20,000 deep: an error at the first one too deep, not a
/// stack overflow.
#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let path = std::env::temp_dir().join(format!("cnnc-deep-{}.cnn", std::process::id()));
    let deep = format!(
        "input(28, 28, 1); Dense({}1{})",
        "(".repeat(20_000),
        ")".repeat(20_000)
    );
    std::fs::write(&path, deep).unwrap();
    let out = cnnc(&["--check", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("brackets nested more than 32 deep"));
    std::fs::remove_file(path).ok();
}

#[test]
fn tflite_files_are_summarised_checked_drawn_and_generated() {
    let model = repo("fixtures/resnet8/tflite/model.int8.tflite");
    let model = model.to_str().unwrap();
    let out = cnnc(&["--summary", model]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let summary = text(&out.stdout);
    assert!(summary.contains("ADD + RELU"), "{summary}");
    assert!(summary.contains("Params: 77,706"), "{summary}");
    assert_eq!(cnnc(&["--check", model]).status.code(), Some(0));

    let svg = std::env::temp_dir().join(format!("cnnc-tflite-{}.svg", std::process::id()));
    let out = cnnc(&["--plot", svg.to_str().unwrap(), model]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let picture = std::fs::read_to_string(&svg).unwrap();
    assert_eq!(
        picture.matches("class=\"layer\"").count(),
        17,
        "the input and 16 operators"
    );
    std::fs::remove_file(&svg).unwrap();

    let out = cnnc(&[model]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("impl q::Int8Model for Model"));
}

#[test]
fn an_unsupported_tflite_operator_exits_1_naming_it() {
    let model = repo("tests/tflite/unsupported.int8.tflite");
    let out = cnnc(&["--check", model.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let errors = text(&out.stderr);
    assert!(
        errors.contains("operator 1 EXPAND_DIMS (reads t15"),
        "{errors}"
    );
    let out = cnnc(&[
        "--check",
        repo("README.md")
            .to_str()
            .unwrap()
            .replace(".md", ".tflite")
            .as_str(),
    ]);
    assert_eq!(out.status.code(), Some(2), "a missing file is an I/O error");
}

/// Keras code that builds several models: `--model` names the one to
/// compile (by variable or Keras name); without it, the one assigned to
/// `model`; a nested model's summary is Keras'.
#[test]
fn model_chooses_among_the_models_of_keras_code() {
    let path = repo("tests/keras/nested_models.py");
    let path = path.to_str().unwrap();
    let ambiguous = cnnc(&["--check", path]);
    assert_eq!(ambiguous.status.code(), Some(1));
    assert!(text(&ambiguous.stderr).contains("builds 2 models"));
    let expected = std::fs::read_to_string(repo("tests/keras/nested_models/summary.txt")).unwrap();
    let out = cnnc(&["--summary", "--model", "autoencoder", path]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with(&expected));
    let expected =
        std::fs::read_to_string(repo("tests/keras/backbone_in_sequential/summary.txt")).unwrap();
    let classifier = cnnc(&["--summary", "--model", "classifier", path]);
    assert!(
        text(&classifier.stdout).starts_with(&expected),
        "{}",
        text(&classifier.stderr)
    );
    let missing = cnnc(&["--check", "--model", "decoder_2", path]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(text(&missing.stderr).contains("no model named `decoder_2`"));
    let json = repo("tests/keras/nested_models/config.json");
    let wrong_kind = cnnc(&["--check", "--model", "x", json.to_str().unwrap()]);
    assert_eq!(wrong_kind.status.code(), Some(2));
}
