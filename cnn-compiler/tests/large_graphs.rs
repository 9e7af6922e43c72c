//! Models far larger or wider than real ones, as a hostile file can make
//! them: checked, planned and drawn in time and memory that grow with the
//! model near-linearly (the memory plan was cubic: a 10,000-way fan-out took
//! two minutes to generate), and refused with a clear error past the limits.
//! No timing is asserted (the machines are shared); a quadratic step would
//! make this test take minutes.

use cnn_compiler::{check, compile_keras, front::keras_json, memory, plot};

fn tensor(layer: &str) -> String {
    format!(
        r#"{{"class_name": "__keras_tensor__", "config": {{"shape": [null, 4, 4, 2], "dtype": "float32", "keras_history": ["{layer}", 0, 0]}}}}"#
    )
}

fn layer(class: &str, name: &str, config: &str, args: &str) -> String {
    format!(
        r#"{{"class_name": "{class}", "config": {{"name": "{name}"{config}}}, "name": "{name}", "inbound_nodes": [{{"args": [{args}], "kwargs": {{}}}}]}}"#
    )
}

/// A functional model of a 4x4x2 input and `layers`, returning `output`.
fn model(layers: Vec<String>, output: &str) -> String {
    format!(
        r#"{{"class_name": "Functional", "config": {{"name": "large", "layers": [
            {{"class_name": "InputLayer", "config": {{"batch_shape": [null, 4, 4, 2], "name": "input_layer"}}, "name": "input_layer", "inbound_nodes": []}},
            {}], "input_layers": [["input_layer", 0, 0]], "output_layers": [["{output}", 0, 0]]}}}}"#,
        layers.join(",\n")
    )
}

fn relu(name: &str, reads: &str) -> String {
    layer(
        "Activation",
        name,
        r#", "activation": "relu""#,
        &tensor(reads),
    )
}

fn chain(n: usize) -> String {
    let layers = (0..n)
        .map(|i| {
            let reads = if i == 0 {
                "input_layer".to_string()
            } else {
                format!("a{}", i - 1)
            };
            relu(&format!("a{i}"), &reads)
        })
        .collect();
    model(layers, &format!("a{}", n - 1))
}

/// `n` activations of the input, all alive until one Concatenate.
fn fan_out(n: usize) -> String {
    let mut layers: Vec<String> = (0..n)
        .map(|i| relu(&format!("a{i}"), "input_layer"))
        .collect();
    let all: Vec<String> = (0..n).map(|i| tensor(&format!("a{i}"))).collect();
    layers.push(layer(
        "Concatenate",
        "cat",
        r#", "axis": -1"#,
        &format!("[{}]", all.join(", ")),
    ));
    model(layers, "cat")
}

fn errors(json: &str) -> String {
    match keras_json::parse(json) {
        Err(message) => message,
        Ok(keras) => compile_keras(keras)
            .err()
            .map(|d| d.to_string())
            .unwrap_or_default(),
    }
}

#[test]
fn a_100000_layer_chain_is_planned_and_drawn() {
    let plan = compile_keras(keras_json::parse(&chain(100_000)).unwrap()).unwrap();
    let memory = memory::plan_memory(&plan);
    // Each ReLU overwrites its input: one tensor of 32 values, and the output.
    assert_eq!(memory.arena, 32);
    let svg = plot::svg(&plan);
    assert_eq!(svg.matches(r#"class="edge""#).count(), 100_000);
}

#[test]
fn a_10000_way_fan_out_is_planned_and_drawn() {
    let plan = compile_keras(keras_json::parse(&fan_out(10_000)).unwrap()).unwrap();
    let memory = memory::plan_memory(&plan);
    // All 10,000 branches are alive at once, then their concatenation.
    assert_eq!(memory.arena, 2 * 10_000 * 32);
    let svg = plot::svg(&plan);
    assert_eq!(svg.matches(r#"class="edge""#).count(), 20_000);
}

#[test]
fn models_past_the_limits_are_refused_before_they_cost_anything() {
    let too_long = errors(&chain(check::MAX_LAYERS + 1));
    assert!(
        too_long.contains(&format!(
            "more than the {} a model may have",
            check::MAX_LAYERS
        )),
        "{too_long}"
    );
    let inputs: Vec<String> = (0..check::MAX_MERGED + 1)
        .map(|_| tensor("input_layer"))
        .collect();
    let wide = model(
        vec![layer("Add", "add", "", &format!("[{}]", inputs.join(", ")))],
        "add",
    );
    let too_wide = errors(&wide);
    assert!(
        too_wide.contains("merges 10001 tensors, more than the 10000 one layer may read"),
        "{too_wide}"
    );
}
