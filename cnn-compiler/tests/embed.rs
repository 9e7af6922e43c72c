//! `weights = "..."` checked at compile time: each problem is reported on the
//! line to fix (the layer, or the `weights` line), all of them in one go.

use cnn_compiler::diag::Diagnostics;
use std::path::Path;

fn repo_root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// (line, message) of every diagnostic from embedding `source`'s weights.
fn embed_errors(source: &str) -> Vec<(usize, String)> {
    let plan = cnn_compiler::compile(source.parse().unwrap()).unwrap();
    let mut diags = Diagnostics::new();
    let embedded = cnn_compiler::embed::load(&plan, repo_root(), &mut diags);
    assert_eq!(embedded.is_some(), diags.is_empty());
    diags
        .iter()
        .map(|d| (d.loc.start.start().line, d.to_string()))
        .collect()
}

const SEED_LAYERS: &str = "
    Conv2D(32, 3x3, relu) MaxPool(2)
    Conv2D(32, 3x3, relu) MaxPool(2)
    Flatten";

#[test]
fn matching_weights_embed_in_struct_layout() {
    let source = format!(
        "input(28, 28, 1); weights = \"fixtures/seed_mnist/weights.safetensors\"; {SEED_LAYERS} Dense(128, relu) Dense(10, softmax)"
    );
    let plan = cnn_compiler::compile(source.parse().unwrap()).unwrap();
    let mut diags = Diagnostics::new();
    let embedded = cnn_compiler::embed::load(&plan, repo_root(), &mut diags).unwrap();
    assert_eq!(embedded.bytes.len() as u64, plan.params() * 4);
    assert!(embedded.path.as_ref().is_some_and(|p| p.is_absolute()));
}

#[test]
fn a_missing_or_corrupt_file_is_reported_on_the_weights_line() {
    let errors = embed_errors(&format!(
        "input(28, 28, 1);\nweights = \"fixtures/nope.safetensors\";\n{SEED_LAYERS} Dense(10)"
    ));
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].0, 2);
    assert!(
        errors[0]
            .1
            .starts_with("cannot read weights file `fixtures/nope.safetensors`"),
        "{}",
        errors[0].1
    );
    assert!(
        errors[0].1.contains("relative to the crate's Cargo.toml"),
        "{}",
        errors[0].1
    );

    let errors = embed_errors(&format!(
        "input(28, 28, 1);\nweights = \"fixtures/seed_mnist/model.cnn\";\n{SEED_LAYERS} Dense(10)"
    ));
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].0, 2);
    assert!(
        errors[0].1.contains("is not a valid safetensors file"),
        "{}",
        errors[0].1
    );
}

#[test]
fn wrong_shapes_missing_and_extra_tensors_are_reported_together() {
    // Line 6: Dense(64) where the file has (800, 128); line 7: the file's dense_1
    // is (128, 10), not (64, 10); line 8: dense_2 (kernel and bias) is not in the file.
    let source = format!(
        "input(28, 28, 1);\nweights = \"fixtures/seed_mnist/weights.safetensors\";{SEED_LAYERS}\n    Dense(64, relu)\n    Dense(10)\n    Dense(3)"
    );
    let errors = embed_errors(&source);
    let lines: Vec<usize> = errors.iter().map(|e| e.0).collect();
    assert_eq!(lines, [6, 6, 7, 8, 8], "{errors:#?}");
    assert_eq!(
        errors[0].1,
        "`fixtures/seed_mnist/weights.safetensors`: tensor `dense.kernel` has shape [800, 128], but layer `dense` needs [800, 64]"
    );
    assert!(errors[3].1.starts_with(
        "`fixtures/seed_mnist/weights.safetensors` has no tensor `dense_2.kernel` (shape [10, 3])"
    ));
    assert!(
        errors[3]
            .1
            .contains("the file has: conv2d.bias, conv2d.kernel,"),
        "{}",
        errors[3].1
    );

    // Without the last Dense, its tensors are left over: reported on the weights line.
    let errors = embed_errors(&format!(
        "input(28, 28, 1);\nweights = \"fixtures/seed_mnist/weights.safetensors\";{SEED_LAYERS}\n    Dense(128)"
    ));
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(errors.iter().all(|e| e.0 == 2));
    assert!(
        errors[0]
            .1
            .contains("has a tensor `dense_1.bias` that no layer uses"),
        "{}",
        errors[0].1
    );
}
