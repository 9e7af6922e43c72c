//! What `include_tflite!` says about files it cannot compile: each problem a
//! `compile_error!` naming the operator, its index and its tensors (or what
//! is wrong with the file), beside a stub of the type; never a panic.

use cnn_compiler::tflite::include::expand;
use std::path::Path;

/// The messages of every `compile_error!` in the expansion, and whether the
/// stub type is there.
fn expand_file(path: &str) -> (Vec<String>, String) {
    let tokens: proc_macro2::TokenStream = format!("pub struct Net; {path:?}").parse().unwrap();
    let out = expand(
        tokens,
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..").as_path(),
    )
    .to_string();
    let messages = out
        .split("compile_error !")
        .skip(1)
        .map(|m| {
            m.split("\" )")
                .next()
                .unwrap_or(m)
                .trim_start_matches(" (\"")
                .to_string()
        })
        .collect();
    (messages, out)
}

#[test]
fn an_unsupported_operator_is_named_with_its_index_and_tensors() {
    let (messages, out) = expand_file("tests/tflite/unsupported.int8.tflite");
    let expand_dims = messages
        .iter()
        .find(|m| m.contains("EXPAND_DIMS"))
        .expect("EXPAND_DIMS is reported");
    assert!(
        expand_dims.contains("operator 1 EXPAND_DIMS"),
        "{expand_dims}"
    );
    assert!(expand_dims.contains("reads t15"), "{expand_dims}");
    assert!(expand_dims.contains("writes t16"), "{expand_dims}");
    assert!(expand_dims.contains("is not supported"), "{expand_dims}");
    // Every problem, not only the first.
    assert!(
        messages.iter().any(|m| m.contains("operator 2 TILE")),
        "{messages:?}"
    );
    assert!(messages
        .iter()
        .all(|m| m.starts_with("`tests/tflite/unsupported.int8.tflite`: ")));
    // The type still exists, so no cascade of "cannot find type" errors.
    assert!(out.contains("pub struct Net"), "{out}");
}

#[test]
fn a_corrupt_file_is_an_error_not_a_panic() {
    let full = std::fs::read("../fixtures/seed_mnist/tflite/model.int8.tflite").unwrap();
    let dir = std::env::temp_dir().join(format!("cnn-tflite-errors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // Truncated, with its offsets pointing past the end, and flipped bytes.
    let mut cases = vec![full[..full.len() / 2].to_vec(), full[..64].to_vec()];
    let mut flipped = full.clone();
    for i in (8..flipped.len()).step_by(97) {
        flipped[i] ^= 0x5a;
    }
    cases.push(flipped);
    for (k, bytes) in cases.iter().enumerate() {
        let path = dir.join(format!("case{k}.tflite"));
        std::fs::write(&path, bytes).unwrap();
        let (messages, out) = expand_file(path.to_str().unwrap());
        assert!(!messages.is_empty(), "case {k} compiled: {out}");
    }
    let (messages, _) = expand_file("no/such/file.tflite");
    assert!(messages[0].contains("cannot read"), "{messages:?}");
    let (messages, _) = expand_file("README.md");
    assert!(
        messages[0].contains("not a TensorFlow Lite file"),
        "{messages:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_good_file_expands_to_a_model() {
    let (messages, out) = expand_file("fixtures/seed_mnist/tflite/model.int8.tflite");
    assert!(messages.is_empty(), "{messages:?}");
    assert!(
        out.contains("impl q :: Int8Model for Net"),
        "{}",
        &out[..400.min(out.len())]
    );
}
