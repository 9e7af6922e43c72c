//! Keras' `model.to_json()` (a Sequential or a functional model) → the model
//! description every front-end produces: each layer's options as DSL values,
//! checked by the DSL's own rules, a functional layer's inputs by name. Every
//! option that changes inference is carried over; training-only ones
//! (initializers, regularizers, constraints) are dropped; anything else
//! unsupported is an error that names the layer, never a silent skip.

use super::args::Arg;
use super::dsl::{layer_spec, LayerCall};
use super::value::Value as Dsl;
use crate::diag::{Diagnostics, Loc};
use crate::spec::{Class, ModelSpec, Ref, Scope, Spanned};
use proc_macro2::{Ident, Span, TokenStream};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// A Keras model as read from Keras code or JSON: what the DSL front-end
/// would read from the same model written as `cnn!`.
#[derive(Clone, Debug)]
pub struct KerasModel {
    /// The model's `name`, e.g. `mixed_same`.
    pub name: String,
    /// `[h, w, c]` or `[n]`.
    pub input: Vec<usize>,
    /// The `InputLayer`'s name, for a functional model.
    pub input_name: Option<String>,
    /// Built with the functional API.
    pub functional: bool,
    pub layers: Vec<LayerCall>,
    /// The layers whose outputs are the model's, when it has several (empty:
    /// the last layer's).
    pub outputs: Vec<String>,
}

impl KerasModel {
    /// The type name Keras' model name suggests: `mixed_same` → `MixedSame`.
    pub fn type_name(&self) -> String {
        crate::names::type_name(&self.name)
    }

    /// The model description `check` takes, for the type `ident` (default:
    /// [`KerasModel::type_name`]); each layer's options are checked here as
    /// the DSL checks them, and mistakes reported at `loc`.
    pub fn into_spec(
        self,
        attrs: TokenStream,
        vis: TokenStream,
        ident: Option<Ident>,
        loc: Loc,
        diags: &mut Diagnostics,
    ) -> ModelSpec {
        let ident = ident.unwrap_or_else(|| Ident::new(&self.type_name(), Span::call_site()));
        let mut layers = Vec::with_capacity(self.layers.len());
        for (i, call) in self.layers.into_iter().enumerate() {
            let before = diags.len();
            layers.push(layer_spec(call, diags));
            diags.tag_layer(before, i);
        }
        ModelSpec {
            attrs,
            vis,
            ident: Some(ident),
            model_name: Some(self.name),
            input: Some(Spanned::new(self.input, loc)),
            input_name: self.input_name,
            functional: self.functional,
            outputs: self
                .outputs
                .into_iter()
                .map(|name| Spanned::new(Ref::Name(name), loc))
                .collect(),
            input_invalid: false,
            weights: None,
            layers,
            loc,
        }
    }
}

/// Reads `model.to_json()` text.
pub fn parse(text: &str) -> Result<KerasModel, String> {
    parse_all(text).map_err(|mut errors| errors.remove(0))
}

/// Reads `model.to_json()` text; every layer it cannot read, each named (a
/// file's structure that is not Keras' stops at the first problem).
pub fn parse_all(text: &str) -> Result<KerasModel, Vec<String>> {
    let mut unsupported = Vec::new();
    let model = read(text, &mut unsupported).map_err(|e| vec![e])?;
    if unsupported.is_empty() {
        Ok(model)
    } else {
        Err(unsupported)
    }
}

/// The model; what a layer cannot be read for goes to `unsupported`, and
/// reading goes on.
fn read(text: &str, unsupported: &mut Vec<String>) -> Result<KerasModel, String> {
    let root: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let class = root["class_name"].as_str().unwrap_or("?");
    let config = &root["config"];
    let layers = config["layers"]
        .as_array()
        .ok_or("the model config has no `layers` list")?;
    if layers.len() > crate::check::MAX_LAYERS + 1 {
        return Err(format!(
            "the model lists {} layers, more than the {} a model may have",
            layers.len(),
            crate::check::MAX_LAYERS
        ));
    }
    let mut model = match class {
        "Sequential" => sequential(layers, unsupported)?,
        "Functional" | "Model" => functional(config, layers, unsupported)?,
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
    model.name = config["name"].as_str().unwrap_or(default).to_string();
    Ok(model)
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

/// The sizes of a batch shape `[null, dims...]`: each a known positive size.
fn input_dims(shape: Option<&Value>) -> Result<Vec<usize>, String> {
    let shown = || shape.map_or("(missing)".to_string(), Value::to_string);
    let dims = shape
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    let mut sizes = Vec::new();
    for dim in dims.iter().skip(1) {
        match dim.as_u64().and_then(|d| usize::try_from(d).ok()) {
            Some(size) if size > 0 => sizes.push(size),
            _ if dim.is_null() => {
                return Err(format!(
                    "the input shape {}: {}",
                    shown(),
                    super::UNKNOWN_SIZE
                ))
            }
            _ => {
                return Err(format!(
                    "the input shape {} has the size {dim}: every size must be a positive integer",
                    shown()
                ))
            }
        }
    }
    if !(1..=3).contains(&sizes.len()) {
        return Err(format!(
            "the input shape {} is neither an image (None, height, width, channels), a sequence (None, steps, channels) nor a vector (None, n)",
            shown()
        ));
    }
    Ok(sizes)
}

fn sequential(layers: &[Value], unsupported: &mut Vec<String>) -> Result<KerasModel, String> {
    let mut model = KerasModel {
        name: String::new(),
        input: Vec::new(),
        input_name: None,
        functional: false,
        layers: Vec::new(),
        outputs: Vec::new(),
    };
    for (i, layer) in layers.iter().enumerate() {
        let (class, config, layer_name) = layer_parts(layer)?;
        if model.input.is_empty() {
            let shape = if class == "InputLayer" {
                config
                    .get("batch_shape")
                    .or_else(|| config.get("batch_input_shape"))
            } else {
                config
                    .get("batch_input_shape")
                    .or_else(|| layer["build_config"].get("input_shape"))
            };
            model.input = input_dims(shape)?;
            if class == "InputLayer" {
                model.input_name = Some(layer_name.to_string());
                continue;
            }
        }
        let context = |e: String| format!("layer {} `{layer_name}` ({class}): {e}", i + 1);
        let kind = match class {
            "Sequential" => Some(NestedKind::Sequential),
            "Functional" | "Model" => Some(NestedKind::Functional),
            _ => None,
        };
        if let Some(kind) = kind {
            // A backbone in a Sequential: its layers read the previous one's output.
            let nested = Nested {
                kind,
                name: layer_name,
                config,
            };
            nested
                .read(None, &mut model.layers, unsupported)
                .map_err(context)?;
            continue;
        }
        match layer_call(class, config, None) {
            Ok(call) => model.layers.push(call),
            Err(e) => unsupported.push(context(e)),
        }
    }
    Ok(model)
}

/// A functional model: one input, one output, every other layer called once.
fn functional(
    config: &Value,
    layers: &[Value],
    unsupported: &mut Vec<String>,
) -> Result<KerasModel, String> {
    let mut model = KerasModel {
        name: String::new(),
        input: Vec::new(),
        input_name: None,
        functional: true,
        layers: Vec::new(),
        outputs: Vec::new(),
    };
    // The layers read so far, and the last of them.
    let mut known: std::collections::HashSet<&str> = std::collections::HashSet::new();
    let mut last: Option<&str> = None;
    // Several inputs: where each lies in the inputs struct (Keras' order).
    let parts = input_parts(config, layers)?;
    if let Some(parts) = &parts {
        let end = |(offset, dims): &(usize, Vec<usize>)| offset + dims.iter().product::<usize>();
        model.input = vec![parts.values().map(end).max().unwrap_or(0)];
        // The inputs struct as a whole: no layer can name it.
        model.input_name = Some(String::new());
    }
    for (i, layer) in layers.iter().enumerate() {
        let (class, config, layer_name) = layer_parts(layer)?;
        let context = |e: String| format!("layer {} `{layer_name}` ({class}): {e}", i + 1);
        if let (Some(parts), "InputLayer") = (&parts, class) {
            let (offset, dims) = &parts[layer_name];
            let int = |n: usize| located(Dsl::Int(n as i128));
            let shape = Dsl::Tuple(dims.iter().map(|&d| int(d)).collect());
            model.layers.push(LayerCall {
                class: Class::InputLayer,
                word: "InputLayer".to_string(),
                args: vec![
                    Arg::keyword("shape", located(shape)),
                    Arg::keyword("offset", int(*offset)),
                    Arg::keyword("name", located(Dsl::Str(layer_name.to_string()))),
                ],
                inputs: Some(vec![Spanned::new(Ref::Input, Loc::default())]),
                loc: Loc::default(),
                scope: None,
            });
            known.insert(layer_name);
            last = Some(layer_name);
            continue;
        }
        if class == "InputLayer" {
            if model.input_name.is_some() {
                return Err(context(
                    "a second input: only models with one input are supported".to_string(),
                ));
            }
            let shape = config
                .get("batch_shape")
                .or_else(|| config.get("batch_input_shape"));
            model.input = input_dims(shape).map_err(context)?;
            model.input_name = Some(layer_name.to_string());
            known.insert(layer_name);
            last = Some(layer_name);
            continue;
        }
        let (sources, called) = called_layer(layer, class, layer_name).map_err(context)?;
        if let Some(unknown) = sources.iter().find(|s| !known.contains(s.as_str())) {
            return Err(context(format!(
                "reads `{unknown}`, which is not an earlier layer"
            )));
        }
        let inputs: Vec<Spanned<Ref>> = sources
            .into_iter()
            .map(|s| Spanned::new(Ref::Name(s), Loc::default()))
            .collect();
        match called {
            Called::Model(kind) => {
                let nested = Nested {
                    kind,
                    name: layer_name,
                    config,
                };
                nested
                    .read(Some(inputs), &mut model.layers, unsupported)
                    .map_err(context)?;
            }
            // A layer it cannot read is reported and stands as read, so that
            // every other one is reported too.
            Called::Constant(call) => model.layers.push(call),
            Called::Layer => match layer_call(class, config, Some(inputs)) {
                Ok(call) => model.layers.push(call),
                Err(e) => unsupported.push(context(e)),
            },
        }
        known.insert(layer_name);
        last = Some(layer_name);
    }
    let outputs = flat_names(&config["output_layers"]);
    match (outputs.as_slice(), last) {
        ([output], Some(last)) if output == last => Ok(model),
        ([], _) => Err("the model lists no `output_layers`".to_string()),
        (outputs, _) => {
            // Several outputs (or one that is not the last layer): each a
            // layer read so far, named.
            if let Some(unknown) = outputs.iter().find(|o| !known.contains(o.as_str())) {
                return Err(format!(
                    "the output `{unknown}` is not a layer of the model"
                ));
            }
            if outputs.iter().any(|o| Some(o) == model.input_name.as_ref()) {
                return Err("the model's input is one of its outputs: not supported".to_string());
            }
            model.outputs = outputs.to_vec();
            Ok(model)
        }
    }
}

/// Per input layer of a model with several: its offset in the inputs struct
/// and its sizes.
type InputParts = HashMap<String, (usize, Vec<usize>)>;

/// A model with several inputs (`input_layers` names more than one): per
/// input layer, its offset in the inputs struct (inputs in Keras' order) and
/// its sizes; `None` for a model with one input.
fn input_parts(config: &Value, layers: &[Value]) -> Result<Option<InputParts>, String> {
    let names = flat_names(&config["input_layers"]);
    if names.len() < 2 {
        return Ok(None);
    }
    let mut dims: HashMap<&str, Vec<usize>> = HashMap::new();
    for layer in layers {
        let (class, config, name) = layer_parts(layer)?;
        if class == "InputLayer" {
            let shape = config
                .get("batch_shape")
                .or_else(|| config.get("batch_input_shape"));
            let sizes = input_dims(shape).map_err(|e| format!("input `{name}`: {e}"))?;
            dims.insert(name, sizes);
        }
    }
    let mut parts = HashMap::new();
    let mut offset = 0usize;
    for name in names {
        let Some(sizes) = dims.get(name.as_str()) else {
            return Err(format!(
                "the input `{name}` is not an InputLayer of the model"
            ));
        };
        let len = sizes.iter().product::<usize>();
        parts.insert(name, (offset, sizes.clone()));
        offset = offset.checked_add(len).ok_or("the inputs are too large")?;
    }
    if parts.len() != dims.len() {
        return Err("an InputLayer that is not one of the model's `input_layers`".to_string());
    }
    Ok(Some(parts))
}

/// What a functional model's layer is, once its call has been checked.
enum Called {
    /// A model called as a layer.
    Model(NestedKind),
    /// Keras 3's arithmetic with a number, read.
    Constant(LayerCall),
    /// A layer, read with [`layer_call`].
    Layer,
}

/// A functional model's (non-input) layer: the names of the layers it reads
/// (in order) and what it is. Its call node must be one call holding only
/// tensors, or Keras 3's arithmetic with a number.
fn called_layer(
    layer: &Value,
    class: &str,
    layer_name: &str,
) -> Result<(Vec<String>, Called), String> {
    let Some(nodes) = layer["inbound_nodes"].as_array() else {
        return Err(format!(
            "`inbound_nodes` is {}, not the list of the layer's calls that \
             `model.to_json()` writes: the file is not a Keras model",
            shown_json(&layer["inbound_nodes"])
        ));
    };
    let node = match nodes.as_slice() {
        [node] => node,
        [] => {
            return Err(
                "`inbound_nodes` is empty: in a functional model every layer but the input \
                 is called on a tensor; the file is not a Keras model"
                    .to_string(),
            )
        }
        _ => {
            return Err(format!(
                "called {} times: shared layers are not supported",
                nodes.len()
            ))
        }
    };
    // Keras 3's arithmetic with a number is read as such; any other call
    // must hold nothing but tensors.
    let constant = constant_op_call(layer, class, layer_name, node).transpose()?;
    if constant.is_none() {
        understood_call(node)?;
    }
    let mut sources = Vec::new();
    inbound_layers(node, &mut sources);
    if sources.is_empty() {
        return Err("reads no tensor".to_string());
    }
    let called = match (class, constant) {
        (_, Some(call)) => Called::Constant(call),
        ("Sequential", None) => Called::Model(NestedKind::Sequential),
        ("Functional" | "Model", None) => Called::Model(NestedKind::Functional),
        (_, None) => Called::Layer,
    };
    Ok((sources, called))
}

/// A model used as a layer: its class as Keras' summary prints it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum NestedKind {
    Sequential,
    Functional,
}

/// A model called as a layer (ConvNeXt's `Sequential` stem, an encoder
/// called by an autoencoder, a backbone in a `Sequential`).
struct Nested<'a> {
    kind: NestedKind,
    name: &'a str,
    config: &'a Map<String, Value>,
}

impl Nested<'_> {
    /// Appends its layers, in order, in the nested model's scope: its input
    /// is what it is called on (`inputs`, or the previous layer's output when
    /// `None`), and its output its last layer's. What a layer cannot be read
    /// for goes to `unsupported`, naming the model and the layer.
    fn read(
        &self,
        inputs: Option<Vec<Spanned<Ref>>>,
        layers: &mut Vec<LayerCall>,
        unsupported: &mut Vec<String>,
    ) -> Result<(), String> {
        let what = match self.kind {
            NestedKind::Sequential => "Sequential",
            NestedKind::Functional => "Functional",
        };
        let name = self.name;
        let inner = self
            .config
            .get("layers")
            .and_then(Value::as_array)
            .ok_or(format!("the nested {what} model has no `layers` list"))?;
        let scope = Scope {
            name: name.to_string(),
            class: what,
        };
        let first = layers.len();
        // What the model is called on: given, or the previous layer's output.
        let called_on = inputs.unwrap_or_else(|| {
            let previous = match first {
                0 => Ref::Input,
                n => Ref::Layer(n - 1),
            };
            vec![Spanned::new(previous, Loc::default())]
        });
        // A functional model's layers by name: their index in `layers`.
        let mut index: HashMap<&str, usize> = HashMap::new();
        let mut input_name = None;
        let mut last_name = None;
        for (j, layer) in inner.iter().enumerate() {
            let (class, config, layer_name) = layer_parts(layer)?;
            let context = |e: String| {
                format!("layer `{layer_name}` ({class}) of the nested model `{name}`: {e}")
            };
            if class == "InputLayer" {
                if input_name.replace(layer_name).is_some() {
                    return Err(format!(
                        "the nested model has a second input `{layer_name}`: only models with one input are supported"
                    ));
                }
                continue;
            }
            if matches!(class, "Sequential" | "Functional" | "Model") {
                return Err(format!(
                    "its layer {} `{layer_name}` is a {class} model: a model nested in a nested model is not supported yet",
                    j + 1
                ));
            }
            let (reads, call) = match self.kind {
                // Each layer reads the one before it; the first what the
                // model is called on.
                NestedKind::Sequential => {
                    let reads = match layers.len() {
                        n if n == first => called_on.clone(),
                        n => vec![Spanned::new(Ref::Layer(n - 1), Loc::default())],
                    };
                    (reads, layer_call(class, config, None))
                }
                NestedKind::Functional => {
                    let (sources, called) =
                        called_layer(layer, class, layer_name).map_err(context)?;
                    let mut reads = Vec::new();
                    for source in sources {
                        if Some(source.as_str()) == input_name {
                            reads.extend(called_on.iter().cloned());
                        } else if let Some(&i) = index.get(source.as_str()) {
                            reads.push(Spanned::new(Ref::Layer(i), Loc::default()));
                        } else {
                            return Err(context(format!(
                                "reads `{source}`, which is not an earlier layer of the nested model"
                            )));
                        }
                    }
                    let call = match called {
                        Called::Constant(call) => Ok(call),
                        Called::Layer => layer_call(class, config, None),
                        Called::Model(_) => unreachable!("nested models are refused above"),
                    };
                    (reads, call)
                }
            };
            index.insert(layer_name, layers.len());
            last_name = Some(layer_name);
            let mut call = call.unwrap_or_else(|e| {
                unsupported.push(context(e));
                // Stands as read, so that the model's other layers are
                // reported too.
                stand_in()
            });
            call.inputs = Some(reads);
            call.scope = Some(scope.clone());
            layers.push(call);
        }
        if layers.len() == first {
            return Err(format!("the nested {what} model has no layers"));
        }
        if self.kind == NestedKind::Functional {
            let outputs = flat_names(self.config.get("output_layers").unwrap_or(&Value::Null));
            match outputs.as_slice() {
                [output] if Some(output.as_str()) == last_name => {}
                [output] => {
                    return Err(format!(
                    "the nested model's output `{output}` is not its last layer: not supported yet"
                ))
                }
                outputs => {
                    return Err(format!(
                    "the nested model has {} outputs: only models with one output are supported",
                    outputs.len()
                ))
                }
            }
        }
        Ok(())
    }
}

/// A layer standing for one that could not be read (and was reported).
fn stand_in() -> LayerCall {
    LayerCall {
        class: Class::Dropout,
        word: "Dropout".to_string(),
        args: vec![Arg::keyword("rate", located(Dsl::Float(0.0)))],
        inputs: None,
        loc: Loc::default(),
        scope: None,
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

/// Checks that a call node holds nothing but the tensors it reads (and the
/// keyword arguments that change nothing at inference): anything else, such
/// as the constant of `x + 3.0` that Keras 3 writes as an op node's second
/// argument, would be dropped by [`inbound_layers`], a silently wrong model.
fn understood_call(node: &Value) -> Result<(), String> {
    let is_tensor = |v: &Value| {
        v.get("class_name").and_then(Value::as_str) == Some("__keras_tensor__")
            || v.get("config")
                .and_then(|c| c.get("keras_history"))
                .is_some()
    };
    let refuse = |v: &Value| {
        let shown = shown_json(v);
        Err(format!(
            "an argument `{shown}` that is not a tensor (a constant operand, as Keras 3 writes \
             `x + 3.0`): not supported, and never ignored"
        ))
    };
    let harmless = |key: &str, value: &Value| {
        matches!(
            (key, value),
            ("mask", Value::Null) | ("training", Value::Bool(false))
        )
    };
    match node {
        // Keras 3: {"args": [tensor or [tensors]...], "kwargs": {...}}.
        Value::Object(map) => {
            for arg in map
                .get("args")
                .and_then(Value::as_array)
                .map_or(&[][..], Vec::as_slice)
            {
                match arg {
                    Value::Array(items) => {
                        if let Some(bad) = items.iter().find(|v| !is_tensor(v)) {
                            return refuse(bad);
                        }
                    }
                    v if is_tensor(v) => {}
                    v => return refuse(v),
                }
            }
            if let Some(kwargs) = map.get("kwargs").and_then(Value::as_object) {
                if let Some((key, value)) = kwargs.iter().find(|(k, v)| !harmless(k, v)) {
                    return Err(format!(
                        "the keyword argument `{key}={value}`: not supported, and never ignored"
                    ));
                }
            }
            Ok(())
        }
        // Keras 2: [["name", node, tensor, {kwargs}], ...].
        Value::Array(items) => {
            for item in items {
                if let Some(Value::Object(kwargs)) = item.as_array().and_then(|i| i.get(3)) {
                    if let Some((key, value)) = kwargs.iter().find(|(k, v)| !harmless(k, v)) {
                        return Err(format!("the keyword argument `{key}={value}`: not supported, and never ignored"));
                    }
                }
            }
            Ok(())
        }
        other => refuse(other),
    }
}

/// A JSON value as shown in a message: at most 60 characters.
fn shown_json(value: &Value) -> String {
    let mut shown = value.to_string();
    if shown.chars().count() > 60 {
        shown = shown.chars().take(57).collect();
        shown.push_str("...");
    }
    shown
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

/// One layer: its class and options, as the DSL reads them.
fn layer_call(
    class: &str,
    config: &Map<String, Value>,
    inputs: Option<Vec<Spanned<Ref>>>,
) -> Result<LayerCall, String> {
    // The DSL accepts Keras' class names, and its schema lists the options
    // each layer takes: the same ones Keras' config calls them.
    let Some(layer_class) = Class::from_dsl_name(class) else {
        return Err(format!("{class} is not supported yet"));
    };
    let options = super::dsl::schema(layer_class).keywords;
    let mut args = Vec::new();
    for (key, value) in config {
        let key = key.as_str();
        // `noise_shape` only shapes what training drops: nothing at inference.
        if key == "name" || TRAINING_ONLY.contains(&key) || key == "noise_shape" {
            continue;
        }
        if options.contains(&key) {
            if let Some(value) = option_value(key, value)? {
                args.push(Arg::keyword(key, value));
            }
            continue;
        }
        // Options with no effect at their default value.
        let harmless = match (class, key, value) {
            (_, "data_format", Value::String(f)) => f == "channels_last",
            (_, "data_format", Value::Null) => true,
            ("Softmax", "axis", v) => v.as_i64() == Some(-1) || v == &serde_json::json!([-1]),
            ("BatchNormalization", "synchronized" | "renorm", v) => v == &Value::Bool(false),
            ("BatchNormalization", "renorm_clipping", Value::Null) => true,
            ("BatchNormalization", "renorm_momentum", _) => true,
            ("LeakyReLU", "alpha", v) => {
                if let Some(v) = option_value(key, v)? {
                    args.push(Arg::keyword("negative_slope", v));
                }
                true
            }
            _ => false,
        };
        if !harmless {
            return Err(format!("option `{key}` = {value} is not supported yet"));
        }
    }
    if let Some(name) = config.get("name").and_then(Value::as_str) {
        args.push(Arg::keyword("name", located(Dsl::Str(name.to_string()))));
    }
    Ok(LayerCall {
        class: layer_class,
        word: class.to_string(),
        args,
        inputs,
        loc: Loc::default(),
        scope: None,
    })
}

/// Keras 3's arithmetic on a tensor and a number (`x + 3.0`, `2 - x`): an op
/// node of `keras.src.ops` whose call holds one tensor and one number.
/// `None` for any other layer (which [`understood_call`] then checks, and
/// refuses if it holds a constant it cannot carry over).
fn constant_op_call(
    layer: &Value,
    class: &str,
    name: &str,
    node: &Value,
) -> Option<Result<LayerCall, String>> {
    let is_op = layer["module"]
        .as_str()
        .is_some_and(|m| m.starts_with("keras.src.ops"));
    let constant_class = match class {
        "Add" => Class::AddConstant,
        "Subtract" => Class::SubtractConstant,
        "Multiply" => Class::MultiplyConstant,
        "TrueDivide" => Class::TrueDivideConstant,
        _ => return None,
    };
    let args = node.get("args")?.as_array()?;
    let [a, b] = args.as_slice() else {
        return None;
    };
    let (tensor, constant, constant_first) = match (constant_of(a), constant_of(b)) {
        (None, Some(c)) => (a, c, false),
        (Some(c), None) => (b, c, true),
        _ => return None,
    };
    if !is_op {
        return None;
    }
    let constant = match constant {
        Ok(constant) => constant,
        Err(e) => return Some(Err(format!("{class} of a constant: {e}"))),
    };
    let mut sources = Vec::new();
    inbound_layers(tensor, &mut sources);
    let [source] = sources.as_slice() else {
        return Some(Err(format!(
            "{class} of {} and a number: expected one tensor",
            shown_json(tensor)
        )));
    };
    if node
        .get("kwargs")
        .and_then(Value::as_object)
        .is_some_and(|k| !k.is_empty())
    {
        return Some(Err(format!(
            "{class} with keyword arguments {}: not supported, and never ignored",
            shown_json(&node["kwargs"])
        )));
    }
    let mut args = vec![Arg::keyword("constant", located(constant))];
    if constant_first && matches!(class, "Subtract" | "TrueDivide") {
        args.push(Arg::keyword(
            "constant_first",
            located(Dsl::Ident("true".to_string())),
        ));
    }
    args.push(Arg::keyword("name", located(Dsl::Str(name.to_string()))));
    Some(Ok(LayerCall {
        class: constant_class,
        word: constant_class.dsl_names()[0].to_string(),
        args,
        inputs: Some(vec![Spanned::new(
            Ref::Name(source.clone()),
            Loc::default(),
        )]),
        loc: Loc::default(),
        scope: None,
    }))
}

/// A call argument that is a constant: a number, or a NumPy array or tensor
/// (`{"class_name": "__numpy__", "config": {"value": [...]}}`) as nested
/// tuples of numbers; `None` for anything else (a tensor); an error for a
/// constant this compiler cannot carry (not numbers, beyond f32).
fn constant_of(value: &Value) -> Option<Result<Dsl, String>> {
    fn numbers(value: &Value) -> Result<Dsl, String> {
        match value {
            Value::Array(items) => Ok(Dsl::Tuple(
                items
                    .iter()
                    .map(|v| numbers(v).map(located))
                    .collect::<Result<_, _>>()?,
            )),
            Value::Number(n) => {
                let x = n.as_f64().unwrap_or(f64::INFINITY);
                if (x as f32).is_finite() {
                    Ok(Dsl::Float(f64::from(x as f32)))
                } else {
                    Err(format!("the number {n} is too large for f32"))
                }
            }
            other => Err(format!("{} is not a number", shown_json(other))),
        }
    }
    match value {
        Value::Number(_) => Some(numbers(value)),
        Value::Object(o) => match o.get("class_name").and_then(Value::as_str) {
            Some("__numpy__" | "__tensor__") => Some(numbers(&value["config"]["value"])),
            _ => None,
        },
        _ => None,
    }
}

fn located(value: Dsl) -> Spanned<Dsl> {
    Spanned::new(value, Loc::default())
}

/// A JSON option as a DSL value; `None` to leave the DSL's default.
fn option_value(key: &str, value: &Value) -> Result<Option<Spanned<Dsl>>, String> {
    Ok(Some(located(match value {
        Value::Null if key == "activation" => Dsl::Str("linear".to_string()),
        // Keras' "none": the DSL's default (`strides` the pool size, no `max_value`).
        Value::Null => return Ok(None),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Dsl::Int(i128::from(i)),
            None => Dsl::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::Bool(b) => Dsl::Ident(b.to_string()),
        Value::String(s) => Dsl::Str(s.clone()),
        Value::Array(items) => {
            let mut values = Vec::with_capacity(items.len());
            for item in items {
                match option_value(key, item)? {
                    Some(v) => values.push(v),
                    None => return Err(format!("cannot read option `{key}` = {value}")),
                }
            }
            Dsl::Tuple(values)
        }
        // A serialised activation object: `{"class_name": ..., "config": {"name": "relu"}}`.
        Value::Object(o) if key == "activation" => {
            let name = o
                .get("config")
                .and_then(|c| c.get("name"))
                .or_else(|| o.get("class_name"))
                .and_then(Value::as_str)
                .ok_or_else(|| format!("cannot read activation {value}"))?;
            Dsl::Str(name.to_string())
        }
        other => return Err(format!("cannot read option `{key}` = {other}")),
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keras 3's JSON for `Conv2D -> x + 3.0 -> Flatten` (the constant is the
    /// op node's second argument), as `model.to_json()` writes it.
    fn plus_constant_model(constant: &str) -> String {
        op_with_constant_model("Add", constant)
    }

    /// The same with the op `class` (`Add`, `Power`, ...).
    fn op_with_constant_model(class: &str, constant: &str) -> String {
        let tensor = |from: &str| {
            format!(
                r#"{{"class_name": "__keras_tensor__", "config": {{"shape": [null, 2, 2, 2], "dtype": "float32", "keras_history": ["{from}", 0, 0]}}}}"#
            )
        };
        format!(
            r#"{{"class_name": "Functional", "config": {{"name": "f", "layers": [
              {{"module": "keras.layers", "class_name": "InputLayer", "name": "input_layer", "config": {{"batch_shape": [null, 4, 4, 1], "name": "input_layer"}}, "inbound_nodes": []}},
              {{"module": "keras.layers", "class_name": "Conv2D", "name": "conv2d", "config": {{"name": "conv2d", "filters": 2, "kernel_size": [3, 3]}}, "inbound_nodes": [{{"args": [{}], "kwargs": {{}}}}]}},
              {{"module": "keras.src.ops.numpy", "class_name": "{class}", "name": "add", "config": {{"name": "add"}}, "inbound_nodes": [{{"args": [{}, {constant}], "kwargs": {{}}}}]}},
              {{"module": "keras.layers", "class_name": "Flatten", "name": "flatten", "config": {{"name": "flatten"}}, "inbound_nodes": [{{"args": [{}], "kwargs": {{}}}}]}}
            ], "input_layers": [["input_layer", 0, 0]], "output_layers": [["flatten", 0, 0]]}}}}"#,
            tensor("input_layer"),
            tensor("conv2d"),
            tensor("add"),
        )
    }

    #[test]
    fn a_number_operand_is_carried_over() {
        let model = parse(&plus_constant_model("3.0")).unwrap();
        let add = &model.layers[1];
        assert_eq!(add.class, Class::AddConstant);
        let constant = add
            .args
            .iter()
            .find(|a| a.keyword.as_ref().is_some_and(|k| k.value == "constant"))
            .and_then(|a| a.value.as_ref())
            .map(|v| &v.value);
        assert!(
            matches!(constant, Some(Dsl::Float(c)) if *c == 3.0),
            "{constant:?}"
        );
    }

    #[test]
    fn a_constant_operand_it_cannot_carry_is_refused_not_dropped() {
        // A constant tensor, and an op it does not know with a number.
        for (class, constant) in [("Add", "[[1.0, 2.0]]"), ("Power", "3.0")] {
            let error = parse(&op_with_constant_model(class, constant))
                .map(|_| ())
                .unwrap_err();
            assert!(
                error.contains(&format!("layer 3 `add` ({class})")),
                "{error}"
            );
            assert!(error.contains("that is not a tensor"), "{error}");
        }
    }

    #[test]
    fn type_names_are_upper_camel_case() {
        let named = |name: &str| {
            KerasModel {
                name: name.to_string(),
                input: Vec::new(),
                input_name: None,
                functional: false,
                layers: Vec::new(),
                outputs: Vec::new(),
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
