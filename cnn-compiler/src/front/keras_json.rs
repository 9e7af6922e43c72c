//! Keras' `model.to_json()` (a Sequential or a functional model) → the `cnn!`
//! DSL, which the DSL front-end then checks like any hand-written model: a
//! functional model's layers become `tN = Layer(...)(inputs);` lines. Every option that
//! changes inference is carried over; training-only ones (initializers,
//! regularizers, constraints) are dropped; anything else unsupported is an
//! error that names the layer, never a silent skip.

use crate::spec::Class;
use serde_json::{Map, Value};
use std::fmt::Write;

/// A Keras model as DSL text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KerasModel {
    /// The model's `name`, e.g. `mixed_same`.
    pub name: String,
    /// `input(...);` and one layer per line, every layer named as in Keras.
    pub body: String,
}

impl KerasModel {
    /// The type name Keras' model name suggests: `mixed_same` → `MixedSame`.
    pub fn type_name(&self) -> String {
        let camel: String = self
            .name
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|part| !part.is_empty())
            .map(|part| {
                let mut chars = part.chars();
                chars.next().map_or_else(String::new, |first| {
                    first.to_ascii_uppercase().to_string() + chars.as_str()
                })
            })
            .collect();
        match camel.chars().next() {
            Some(c) if c.is_ascii_alphabetic() => camel,
            Some(_) => format!("Model{camel}"),
            None => "Model".to_string(),
        }
    }
}

/// Converts `model.to_json()` text.
pub fn parse(text: &str) -> Result<KerasModel, String> {
    let root: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let class = root["class_name"].as_str().unwrap_or("?");
    let config = &root["config"];
    let layers = config["layers"]
        .as_array()
        .ok_or("the model config has no `layers` list")?;
    let body = match class {
        "Sequential" => sequential(layers)?,
        "Functional" | "Model" => functional(config, layers)?,
        other => {
            return Err(format!(
                "{other} models are not supported: only Sequential and Functional"
            ))
        }
    };
    let default = if class == "Sequential" {
        "sequential"
    } else {
        "functional"
    };
    let name = config["name"].as_str().unwrap_or(default).to_string();
    Ok(KerasModel { name, body })
}

fn layer_parts(layer: &Value) -> Result<(&str, &Map<String, Value>, &str), String> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    let class = layer["class_name"]
        .as_str()
        .ok_or("a layer without `class_name`")?;
    let config = layer["config"]
        .as_object()
        .unwrap_or_else(|| EMPTY.get_or_init(Map::new));
    let name = config.get("name").and_then(Value::as_str).unwrap_or("?");
    Ok((class, config, name))
}

/// `input(...)` for a batch shape `[null, dims...]`.
fn input_line(shape: Option<&Value>, name: Option<&str>) -> Result<String, String> {
    let dims: Vec<u64> = shape
        .and_then(Value::as_array)
        .map(|dims| dims.iter().skip(1).filter_map(Value::as_u64).collect())
        .unwrap_or_default();
    if dims.len() != 3 && dims.len() != 1 {
        return Err(format!(
            "the input shape {} is neither an image (None, height, width, channels) nor a vector (None, n)",
            shape.map_or("(missing)".to_string(), Value::to_string)
        ));
    }
    let dims: Vec<String> = dims.iter().map(ToString::to_string).collect();
    let name = name.map_or(String::new(), |n| {
        format!(", name = {}", Value::String(n.to_string()))
    });
    Ok(format!("input({}{name});\n", dims.join(", ")))
}

fn sequential(layers: &[Value]) -> Result<String, String> {
    let mut body = String::new();
    let mut input_written = false;
    for (i, layer) in layers.iter().enumerate() {
        let (class, config, layer_name) = layer_parts(layer)?;
        if !input_written {
            let shape = if class == "InputLayer" {
                config
                    .get("batch_shape")
                    .or_else(|| config.get("batch_input_shape"))
            } else {
                config
                    .get("batch_input_shape")
                    .or_else(|| layer["build_config"].get("input_shape"))
            };
            let name = (class == "InputLayer").then_some(layer_name);
            body.push_str(&input_line(shape, name)?);
            input_written = true;
            if class == "InputLayer" {
                continue;
            }
        }
        let line = layer_line(class, config)
            .map_err(|e| format!("layer {} `{layer_name}` ({class}): {e}", i + 1))?;
        writeln!(body, "{line}").expect("writing to a String");
    }
    Ok(body)
}

/// A functional model: one input, one output, every other layer called once.
fn functional(config: &Value, layers: &[Value]) -> Result<String, String> {
    let mut body = String::new();
    let mut variables: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let mut last = None;
    for (i, layer) in layers.iter().enumerate() {
        let (class, config, layer_name) = layer_parts(layer)?;
        let context = |e: String| format!("layer {} `{layer_name}` ({class}): {e}", i + 1);
        if class == "InputLayer" {
            if variables.values().any(|v| v == "input") {
                return Err(context(
                    "a second input: only models with one input are supported".to_string(),
                ));
            }
            let shape = config
                .get("batch_shape")
                .or_else(|| config.get("batch_input_shape"));
            body.push_str(&input_line(shape, Some(layer_name)).map_err(context)?);
            variables.insert(layer_name.to_string(), "input".to_string());
            continue;
        }
        let nodes = layer["inbound_nodes"]
            .as_array()
            .map_or(&[][..], Vec::as_slice);
        let [node] = nodes else {
            return Err(context(format!(
                "called {} times: shared layers are not supported",
                nodes.len()
            )));
        };
        let mut sources = Vec::new();
        inbound_layers(node, &mut sources);
        let inputs = sources
            .iter()
            .map(|s| {
                variables
                    .get(s)
                    .cloned()
                    .ok_or_else(|| context(format!("reads `{s}`, which is not an earlier layer")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if inputs.is_empty() {
            return Err(context("reads no tensor".to_string()));
        }
        let line = layer_line(class, config).map_err(context)?;
        let line = if line.ends_with(')') {
            line
        } else {
            format!("{line}()")
        };
        let variable = format!("t{i}");
        writeln!(body, "{variable} = {line}({});", inputs.join(", ")).expect("writing to a String");
        variables.insert(layer_name.to_string(), variable);
        last = Some(layer_name);
    }
    let outputs = flat_names(&config["output_layers"]);
    match (outputs.as_slice(), last) {
        ([output], Some(last)) if output == last => Ok(body),
        ([output], _) => Err(format!(
            "the output `{output}` is not the last layer: only a model's last layer can be its output"
        )),
        (outputs, _) => Err(format!(
            "{} outputs: only models with one output are supported",
            outputs.len()
        )),
    }
}

/// The layer names in `output_layers`: `["dense", 0, 0]` or a list of those.
fn flat_names(value: &Value) -> Vec<String> {
    match value.as_array().map(Vec::as_slice) {
        Some([Value::String(name), ..]) => vec![name.clone()],
        Some(items) => items.iter().flat_map(flat_names).collect(),
        None => Vec::new(),
    }
}

/// The layers a call node reads, in order: Keras 3's `keras_history` in the
/// node's `args`, or Keras 2's `[["name", 0, 0, {}], ...]`.
fn inbound_layers(node: &Value, out: &mut Vec<String>) {
    match node {
        Value::Object(map) => {
            if let Some(history) = map
                .get("config")
                .and_then(|c| c.get("keras_history"))
                .and_then(Value::as_array)
            {
                if let Some(Value::String(name)) = history.first() {
                    out.push(name.clone());
                }
                return;
            }
            if let Some(args) = map.get("args") {
                inbound_layers(args, out);
            }
        }
        Value::Array(items) => match items.as_slice() {
            [Value::String(name), Value::Number(_), ..] => out.push(name.clone()),
            _ => items.iter().for_each(|item| inbound_layers(item, out)),
        },
        _ => {}
    }
}

/// Keras layer options that only matter for training: both Keras front-ends
/// drop them, as inference ignores them.
pub(crate) const TRAINING_ONLY: &[&str] = &[
    "trainable",
    "dtype",
    "kernel_initializer",
    "bias_initializer",
    "kernel_regularizer",
    "bias_regularizer",
    "activity_regularizer",
    "kernel_constraint",
    "bias_constraint",
    "seed",
    "lora_rank",
    "lora_alpha",
    "quantization_config",
    "momentum",
    "beta_initializer",
    "gamma_initializer",
    "moving_mean_initializer",
    "moving_variance_initializer",
    "beta_regularizer",
    "gamma_regularizer",
    "beta_constraint",
    "gamma_constraint",
    "depthwise_initializer",
    "depthwise_regularizer",
    "depthwise_constraint",
    "pointwise_initializer",
    "pointwise_regularizer",
    "pointwise_constraint",
];

/// One DSL line: `Conv2D(filters = 32, ..., name = "conv2d")`.
fn layer_line(class: &str, config: &Map<String, Value>) -> Result<String, String> {
    // The DSL accepts Keras' class names, and its schema lists the options
    // each layer takes: the same ones Keras' config calls them.
    let Some(layer_class) = Class::from_dsl_name(class) else {
        return Err(format!("{class} is not supported yet"));
    };
    let options = super::dsl::schema(layer_class).keywords;
    let dsl = class.to_string();
    let mut args = Vec::new();
    for (key, value) in config {
        let key = key.as_str();
        if key == "name" || TRAINING_ONLY.contains(&key) {
            continue;
        }
        if options.contains(&key) {
            if let Some(value) = option_value(key, value)? {
                args.push(format!("{key} = {value}"));
            }
            continue;
        }
        // Options with no effect at their default value.
        let harmless = match (class, key, value) {
            (_, "data_format", Value::String(f)) => f == "channels_last",
            (_, "data_format", Value::Null) => true,
            ("Conv2D", "groups", v) => v.as_u64() == Some(1),
            ("GlobalMaxPooling2D" | "GlobalAveragePooling2D", "keepdims", v) => {
                v == &Value::Bool(false)
            }
            ("Dropout", "noise_shape", Value::Null) => true,
            ("Softmax", "axis", v) => v.as_i64() == Some(-1) || v == &serde_json::json!([-1]),
            ("BatchNormalization", "synchronized" | "renorm", v) => v == &Value::Bool(false),
            ("BatchNormalization", "renorm_clipping", Value::Null) => true,
            ("BatchNormalization", "renorm_momentum", _) => true,
            ("LeakyReLU", "alpha", v) => {
                args.push(format!("negative_slope = {v}"));
                true
            }
            _ => false,
        };
        if !harmless {
            return Err(format!("option `{key}` = {value} is not supported yet"));
        }
    }
    if let Some(name) = config.get("name").and_then(Value::as_str) {
        args.push(format!("name = {}", Value::String(name.to_string())));
    }
    Ok(if args.is_empty() {
        dsl
    } else {
        format!("{dsl}({})", args.join(", "))
    })
}

/// A JSON option as a DSL value; `None` to leave the DSL's default.
fn option_value(key: &str, value: &Value) -> Result<Option<String>, String> {
    Ok(Some(match value {
        Value::Null if key == "activation" => "linear".to_string(),
        // Keras' "none": the DSL's default (`strides` the pool size, no `max_value`).
        Value::Null => return Ok(None),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::String(s) => Value::String(s.clone()).to_string(),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(Value::to_string).collect();
            format!("({})", items.join(", "))
        }
        // A serialised activation object: `{"class_name": ..., "config": {"name": "relu"}}`.
        Value::Object(o) if key == "activation" => {
            let name = o
                .get("config")
                .and_then(|c| c.get("name"))
                .or_else(|| o.get("class_name"))
                .and_then(Value::as_str)
                .ok_or_else(|| format!("cannot read activation {value}"))?;
            Value::String(name.to_string()).to_string()
        }
        other => return Err(format!("cannot read option `{key}` = {other}")),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_are_upper_camel_case() {
        let named = |name: &str| {
            KerasModel {
                name: name.to_string(),
                body: String::new(),
            }
            .type_name()
        };
        assert_eq!(named("mixed_same"), "MixedSame");
        assert_eq!(named("seed_mnist"), "SeedMnist");
        assert_eq!(named("pool_s1"), "PoolS1");
        assert_eq!(named("my-net.v2"), "MyNetV2");
        assert_eq!(named("3d"), "Model3d");
        assert_eq!(named(""), "Model");
    }
}
