//! `include_keras!` errors: each names the file and what is wrong.

use cnn_compiler::diag::Diagnostics;
use std::path::Path;

/// What reading the file reports (nothing for a file that reads).
fn errors(input: &str) -> Vec<String> {
    let base = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let mut diags = Diagnostics::new();
    let file = cnn_compiler::front::include::read(input.parse().unwrap(), base, &mut diags);
    assert_eq!(file.is_none(), !diags.is_empty());
    diags.iter().map(ToString::to_string).collect()
}

#[test]
fn a_good_file_expands() {
    assert!(errors("pub struct Net; \"fixtures/gap/config.json\"").is_empty());
    assert!(errors("\"fixtures/gap/keras_source.py\"").is_empty());
    assert!(errors("\"fixtures/gap/keras_source.py\"").is_empty());
    assert!(errors("\"fixtures/gap/config.json\";").is_empty());
}

#[test]
fn bad_files_are_reported() {
    let missing = errors("\"fixtures/nope.json\"");
    assert!(
        missing[0].starts_with("cannot read `fixtures/nope.json`"),
        "{missing:?}"
    );
    assert!(
        missing[0].contains("relative to the crate's Cargo.toml"),
        "{missing:?}"
    );
    let other = errors("\"fixtures/seed_mnist/model.cnn\"");
    assert!(
        other[0].contains("expected Keras Python code (.py) or Keras' `model.to_json()` (.json)"),
        "{other:?}"
    );
    let python = errors("\"fixtures/seed_mnist/summary.txt.py\"");
    assert!(python[0].starts_with("cannot read"), "{python:?}");
    let not_json = errors("\"fixtures/seed_mnist/model.cnn.json\"");
    assert!(not_json[0].starts_with("cannot read"), "{not_json:?}");
    // A file that reads but is not a model: the whole expansion says so.
    let expanded =
        cnn_compiler::expand_include_keras("\"fixtures/seed_mnist/summary.txt\"".parse().unwrap())
            .to_string();
    assert!(expanded.contains("compile_error"), "{expanded}");
    let no_path = errors("pub struct Net;");
    assert!(
        no_path[0].starts_with("expected the model file's path as a string"),
        "{no_path:?}"
    );
}
