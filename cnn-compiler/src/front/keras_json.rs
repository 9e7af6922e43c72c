//! Keras' `model.to_json()` (a Sequential model) → the `cnn!` DSL, which the
//! DSL front-end then checks like any hand-written model. Every option that
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
    if class != "Sequential" {
        return Err(format!(
            "{class} models (the functional API) are not supported yet: only Sequential"
        ));
    }
    let config = &root["config"];
    let name = config["name"].as_str().unwrap_or("sequential").to_string();
    let layers = config["layers"]
        .as_array()
        .ok_or("the model config has no `layers` list")?;
    let mut body = String::new();
    let mut input_written = false;
    for (i, layer) in layers.iter().enumerate() {
        let class = layer["class_name"]
            .as_str()
            .ok_or("a layer without `class_name`")?;
        let empty = Map::new();
        let config = layer["config"].as_object().unwrap_or(&empty);
        let layer_name = config.get("name").and_then(Value::as_str).unwrap_or("?");
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
            let dims: Vec<u64> = shape
                .and_then(Value::as_array)
                .map(|dims| dims.iter().skip(1).filter_map(Value::as_u64).collect())
                .unwrap_or_default();
            if dims.len() != 3 {
                return Err(format!(
                    "the input shape {} is not an image (None, height, width, channels)",
                    shape.map_or("(missing)".to_string(), Value::to_string)
                ));
            }
            writeln!(body, "input({}, {}, {});", dims[0], dims[1], dims[2])
                .expect("writing to a String");
            input_written = true;
            if class == "InputLayer" {
                continue;
            }
        }
        let line = layer_line(class, config)
            .map_err(|e| format!("layer {} `{layer_name}` ({class}): {e}", i + 1))?;
        writeln!(body, "{line}").expect("writing to a String");
    }
    Ok(KerasModel { name, body })
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
];

/// One DSL line: `Conv2D(filters = 32, ..., name = "conv2d")`.
fn layer_line(class: &str, config: &Map<String, Value>) -> Result<String, String> {
    // The DSL accepts Keras' class names, and its schema lists the options
    // each layer takes: the same ones Keras' config calls them.
    let Some(layer_class) = Class::from_dsl_name(class) else {
        return Err(format!("{class} is not supported yet"));
    };
    let options = super::dsl::schema(layer_class).keywords;
    let mut dsl = class.to_string();
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
            ("ReLU", "negative_slope" | "threshold", v) => v.as_f64() == Some(0.0),
            ("ReLU", "max_value", Value::Null) => true,
            ("ReLU", "max_value", v) if v.as_f64() == Some(6.0) => {
                dsl = "Activation".to_string();
                args.push("relu6".to_string());
                true
            }
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
        Value::Null if key == "strides" => return Ok(None),
        Value::Null if key == "activation" => "linear".to_string(),
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
