//! What the fixture tests share: reading a Keras manifest and comparing a
//! plan's shapes and parameter count with it.

use serde_json::Value;
use std::fmt::Display;

/// A JSON array of non-negative integers.
pub fn usizes(v: &Value) -> Vec<usize> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect()
}

/// The plan's input and output shapes and parameter count are Keras'.
pub fn assert_shapes_and_params(
    plan: &cnn_compiler::plan::Plan,
    manifest: &Value,
    what: impl Display,
) {
    assert_eq!(
        plan.input.dims(),
        usizes(&manifest["input_shape"]),
        "{what}"
    );
    assert_eq!(
        plan.output().dims(),
        usizes(&manifest["output_shape"]),
        "{what}"
    );
    assert_eq!(
        plan.params(),
        manifest["total_params"].as_u64().unwrap(),
        "{what}"
    );
}
