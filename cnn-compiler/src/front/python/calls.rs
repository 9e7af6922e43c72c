//! Calls into Keras: layer classes, `keras.Input`, `keras.Sequential`,
//! `keras.Model`, the merge functions (`layers.add`), layers and models
//! applied to tensors. Any other call from outside the code (`print`,
//! `np.random.seed`, `keras.optimizers.Adam`, `mnist.load_data`) returns a
//! value the reader does not follow.

use super::super::keras_py::Pos;
use super::interp::{Interp, FOLLOW_ON};
use super::keras::{Item, Layer, Model, ModelKind, Op};
use super::layer_args;
use super::value::{External, Opaque, Value};
use super::{err, Args, Kwargs, R};
use crate::spec::Class;
use rustpython_parser::ast;
use std::rc::Rc;

/// Keras' merge functions and the layer each makes.
pub const MERGE_FUNCTIONS: &[(&str, &str)] = &[
    ("add", "Add"),
    ("multiply", "Multiply"),
    ("concatenate", "Concatenate"),
    ("average", "Average"),
    ("maximum", "Maximum"),
    ("minimum", "Minimum"),
    ("subtract", "Subtract"),
    ("dot", "Dot"),
];

/// Where the class or function name of a call is: the last part of
/// `layers.Conv2D(...)`.
fn name_pos(interp: &Interp, call: &ast::ExprCall, last: &str) -> Pos {
    let func = interp.lines.of(&*call.func);
    let len = last.chars().count();
    Pos {
        line: func.line,
        column: func.column + func.len.saturating_sub(len),
        len: len.max(1),
    }
}

fn string(value: &Value, pos: Pos, what: &str) -> R<Option<String>> {
    match value {
        Value::Str(s) => Ok(Some(s.to_string())),
        Value::None => Ok(None),
        Value::Failed => Err(err(pos, FOLLOW_ON)),
        other => Err(err(
            pos,
            format!("{what} must be a string, not a {}", other.type_name()),
        )),
    }
}

pub fn external<'a>(
    interp: &mut Interp<'a>,
    e: &External,
    args: Args<'a>,
    kwargs: Kwargs<'a>,
    call: &'a ast::ExprCall,
) -> R<Value<'a>> {
    let last = e.path.rsplit('.').next().unwrap_or(&e.path).to_string();
    let pos = name_pos(interp, call, &last);
    match last.as_str() {
        "Sequential" => return sequential(interp, args, kwargs, pos),
        "Model" | "Functional" if !e.path.contains("applications") => {
            return functional(interp, args, kwargs, pos)
        }
        "Input" | "InputLayer" => return input(interp, args, kwargs, pos, call),
        _ => {}
    }
    if let Some(&(_, class)) = MERGE_FUNCTIONS.iter().find(|(f, _)| *f == last) {
        if e.path.contains("layers") || !e.imported {
            let Some((tensors, _)) = args.first().cloned() else {
                return Err(err(
                    pos,
                    format!("`{last}` needs the list of tensors to merge"),
                ));
            };
            let options = kwargs
                .into_iter()
                .filter(|(k, _, _)| k != "inputs")
                .collect();
            let layer = interp.make_layer(class, pos, Vec::new(), options)?;
            return apply(interp, layer, tensors, interp.lines.of(call));
        }
    }
    let segments: Vec<&str> = e.path.split('.').collect();
    // Keras' data format: channels last, the default (and what the compiler
    // reads); old MNIST scripts branch on it.
    if last == "image_data_format" && args.is_empty() {
        return Ok(Value::str("channels_last"));
    }
    let root = segments[0];
    // An array or tensor of numbers the code writes out: its value.
    if matches!(
        last.as_str(),
        "array" | "asarray" | "constant" | "convert_to_tensor"
    ) && matches!(
        root,
        "np" | "numpy" | "tf" | "tensorflow" | "keras" | "ops" | "jnp" | "torch"
    ) {
        if let Some((value, _)) = args.first() {
            if let Some(constant) = layer_args::constant(value) {
                return Ok(constant);
            }
        }
    }
    // `K.int_shape(x)`, `keras.ops.shape(x)`, `tf.shape(x)` of a tensor while building.
    if matches!(last.as_str(), "int_shape" | "shape") {
        if let [(Value::Tensor(node), _)] = args.as_slice() {
            let node = *node;
            return interp.keras_shape(node).map_err(|m| {
                err(
                    interp.lines.of(call),
                    format!("the tensor's shape cannot be computed: {m}"),
                )
            });
        }
    }
    // `keras.ops` functions (and `keras.activations`) on a tensor: Keras 3
    // records them as op layers.
    let op_module = segments.iter().any(|s| matches!(*s, "ops" | "activations"));
    if op_module && args.iter().any(|(v, _)| matches!(v, Value::Tensor(_))) {
        return ops_call(interp, &last, args, kwargs, call);
    }
    let is_class = Class::from_dsl_name(&last).is_some_and(|c| c != Class::InputLayer);
    // A class from `keras.layers`, or a class name the code never defines
    // or imports (pasted code often leaves its imports out).
    let in_layers = (segments.contains(&"layers") || (!e.imported && segments.len() == 1))
        && last.starts_with(|c: char| c.is_ascii_uppercase());
    if is_class || in_layers {
        let layer = interp.make_layer(&last, pos, args, kwargs)?;
        return Ok(Value::Layer(layer));
    }
    // A Keras function applied to a tensor (`keras.ops.relu(x)`) adds to the
    // graph in Keras; the reader does not follow those yet.
    if args.iter().any(|(v, _)| matches!(v, Value::Tensor(_))) {
        return Err(err(
            interp.lines.of(call),
            format!(
                "`{}` on a tensor is not read yet: use a layer (`layers.Activation(\"relu\")`, `layers.Add()`, ...)",
                e.path
            ),
        ));
    }
    Ok(Value::Opaque(Opaque::new(
        interp.source(call),
        interp.lines.of(call),
        None,
    )))
}

/// `keras.ops.gelu(x)`, `ops.subtract(c, x)`, `keras.activations.relu(x)`.
fn ops_call<'a>(
    interp: &mut Interp<'a>,
    function: &str,
    args: Args<'a>,
    kwargs: Kwargs<'a>,
    call: &'a ast::ExprCall,
) -> R<Value<'a>> {
    let pos = interp.lines.of(call);
    let arithmetic = match function {
        "add" => Some(ast::Operator::Add),
        "subtract" => Some(ast::Operator::Sub),
        "multiply" => Some(ast::Operator::Mult),
        "divide" | "true_divide" => Some(ast::Operator::Div),
        _ => None,
    };
    if let Some(op) = arithmetic {
        let [(a, _), (b, _)] = <[_; 2]>::try_from(args)
            .map_err(|_| err(pos, format!("`{function}` takes two operands")))?;
        return interp.tensor_arithmetic(op, a, b, call);
    }
    let op = crate::spec::OpActivation::ALL
        .into_iter()
        .find(|op| crate::names::to_snake_case(op.keras_name()) == function)
        .map(Class::Op)
        .or(match function {
            "softmax" => Some(Class::Softmax),
            _ => None,
        });
    let Some(class) = op else {
        return Err(err(
            pos,
            format!("`{function}` on a tensor is not read yet: use a layer (`layers.Activation(...)`, `layers.Add()`, ...)"),
        ));
    };
    let mut args = args.into_iter();
    let Some((tensor, _)) = args.next() else {
        return Err(err(pos, format!("`{function}` needs a tensor")));
    };
    // Options given by position, in the op's order.
    let schema = super::super::dsl::schema(class).keywords;
    let mut options = Vec::new();
    for (i, (value, at)) in args.enumerate() {
        match schema.get(i) {
            Some(key) if *key != "name" => options.push((key.to_string(), value, at)),
            _ => return Err(err(at, format!("too many arguments for `{function}`"))),
        }
    }
    options.extend(kwargs);
    let word = match class {
        Class::Op(op) => op.keras_name(),
        _ => "Softmax",
    };
    let layer = interp.make_layer(word, name_pos(interp, call, function), Vec::new(), options)?;
    apply(interp, layer, tensor, pos)
}

/// `keras.Input(shape=..., name=...)`, `InputLayer(input_shape=...)`.
fn input<'a>(
    interp: &mut Interp<'a>,
    args: Args<'a>,
    kwargs: Kwargs<'a>,
    pos: Pos,
    call: &ast::ExprCall,
) -> R<Value<'a>> {
    let mut shape = None;
    let mut name = None;
    // Where each size is, when the shape is a tuple written in the call.
    let elements = |expr: Option<&ast::Expr>| -> Vec<Pos> {
        match expr {
            Some(ast::Expr::Tuple(t)) => t.elts.iter().map(|e| interp.lines.of(e)).collect(),
            Some(ast::Expr::List(l)) => l.elts.iter().map(|e| interp.lines.of(e)).collect(),
            _ => Vec::new(),
        }
    };
    let positional = elements(call.args.first());
    let keyword = |key: &str| {
        elements(
            call.keywords
                .iter()
                .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == key))
                .map(|k| &k.value),
        )
    };
    let given = |value: &Value, at: Pos, batch: bool, at_each: &[Pos], shape: &mut Option<_>| {
        if shape.is_none() {
            *shape = Some(layer_args::shape_at(value, at, batch, at_each));
        }
    };
    if let Some((value, at)) = args.first() {
        given(value, *at, false, &positional, &mut shape);
    }
    for (key, value, at) in &kwargs {
        let at_each = keyword(key);
        match key.as_str() {
            "shape" | "input_shape" => given(value, *at, false, &at_each, &mut shape),
            "batch_shape" | "batch_input_shape" => given(value, *at, true, &at_each, &mut shape),
            "name" => name = string(value, *at, "an input's name")?,
            "dtype" | "batch_size" | "sparse" | "ragged" | "optional" => {}
            other => {
                return Err(err(
                    *at,
                    format!("`Input` option `{other}` is not supported yet"),
                ))
            }
        }
    }
    let shape = shape.unwrap_or_else(|| {
        Err(err(
            pos,
            "`Input` needs its shape: `keras.Input(shape=(H, W, C))`",
        ))
    });
    Ok(interp.new_input(name, shape, pos))
}

/// `keras.Sequential([layers...], name=...)`.
fn sequential<'a>(
    interp: &mut Interp<'a>,
    args: Args<'a>,
    kwargs: Kwargs<'a>,
    pos: Pos,
) -> R<Value<'a>> {
    let mut layers = args.first().cloned();
    let mut name = None;
    for (key, value, at) in kwargs {
        match key.as_str() {
            "layers" => layers = Some((value, at)),
            "name" => name = string(&value, at, "a model's name")?,
            "trainable" => {}
            other => {
                return Err(err(
                    at,
                    format!("Sequential option `{other}` is not supported yet"),
                ))
            }
        }
    }
    let model = interp.new_sequential(name, pos);
    if let Some((layers, at)) = layers {
        let items = match &layers {
            Value::Tuple(_) | Value::List(_) => layers.items().unwrap_or_default(),
            Value::None => Vec::new(),
            other => {
                return Err(err(
                    at,
                    format!("expected a list of layers, not a {}", other.type_name()),
                ))
            }
        };
        for item in items {
            add(interp, &model, item, at)?;
        }
    }
    Ok(Value::Model(model))
}

/// `model.add(layer)`: a layer, a model, or the input.
pub fn add<'a>(interp: &mut Interp<'a>, model: &Rc<Model>, item: Value<'a>, pos: Pos) -> R<()> {
    let ModelKind::Sequential(sequential) = &model.kind else {
        return Err(err(pos, "`add` is for Sequential models"));
    };
    let mut s = sequential.borrow_mut();
    match item {
        Value::Layer(layer) => {
            use_layer(&layer, pos)?;
            if s.items.is_empty() && s.input.is_none() {
                s.input = layer.input_shape.clone();
            }
            s.items.push(Item::Layer(layer));
        }
        Value::Model(inner) => {
            if Rc::ptr_eq(&inner, model) {
                return Err(err(pos, "a model cannot hold itself"));
            }
            interp.nested.insert(Rc::as_ptr(&inner));
            s.items.push(Item::Model(inner));
        }
        Value::Tensor(node) => {
            match &interp.graph[node].op {
                Op::Input(input) if s.items.is_empty() => {
                    s.input = Some(input.shape.clone());
                    s.input_name = Some(input.name.clone());
                }
                _ => return Err(err(
                    pos,
                    "a Sequential model takes layers; its input (`keras.Input(...)`) only first",
                )),
            }
        }
        Value::Failed => return Err(err(pos, FOLLOW_ON)),
        Value::Opaque(o) => {
            return Err(err(
                o.pos,
                format!("expected a layer; `{}` is not one the reader knows", o.what),
            ))
        }
        Value::External(e) => {
            return Err(err(
                pos,
                format!(
                    "`{}` is not a layer: call it (`{}()`) to make one",
                    e.path, e.path
                ),
            ))
        }
        other => {
            return Err(err(
                pos,
                format!("expected a layer, not a {}", other.type_name()),
            ))
        }
    }
    Ok(())
}

fn use_layer(layer: &Layer, pos: Pos) -> R<()> {
    if layer.used.replace(true) {
        return Err(err(
            pos,
            format!(
                "the layer `{}` is used a second time: shared layers (one layer's weights used twice) are not supported",
                layer.name
            ),
        ));
    }
    Ok(())
}

/// Tensors given as one tensor, or a list or tuple of them.
fn tensors(value: &Value, pos: Pos, what: &str) -> R<Vec<usize>> {
    let items = match value {
        Value::Tuple(_) | Value::List(_) => value.items().unwrap_or_default(),
        Value::Dict(d) => d.borrow().iter().map(|(_, v)| v.clone()).collect(),
        other => vec![other.clone()],
    };
    items
        .iter()
        .map(|v| match v {
            Value::Tensor(t) => Ok(*t),
            Value::Failed => Err(err(pos, FOLLOW_ON)),
            Value::External(e) if !e.imported => Err(err(
                pos,
                format!(
                    "`{}` is not a tensor: assign it a layer's result or `keras.Input(...)` first",
                    e.path
                ),
            )),
            Value::Opaque(o) => {
                let hint = if o.from.contains("applications") {
                    "; a keras.applications network is read from Keras' JSON: save the whole \
                     model with `model.to_json()` and give that file to `include_keras!`"
                } else {
                    ""
                };
                let origin = if *o.from == *o.what {
                    String::new()
                } else {
                    format!(" (it comes from `{}`)", o.from)
                };
                Err(err(
                    pos,
                    format!(
                        "{what} must be tensors; `{}` is not one the reader can follow{origin}{hint}",
                        o.what
                    ),
                ))
            }
            other => Err(err(
                pos,
                format!(
                    "{what} must be tensors (a layer's result or `keras.Input(...)`), not a {}",
                    other.type_name()
                ),
            )),
        })
        .collect()
}

/// `keras.Model(inputs, outputs, name=...)`.
fn functional<'a>(
    interp: &mut Interp<'a>,
    args: Args<'a>,
    kwargs: Kwargs<'a>,
    pos: Pos,
) -> R<Value<'a>> {
    let mut inputs = None;
    let mut outputs = None;
    let mut name = None;
    for (i, (value, at)) in args.into_iter().enumerate() {
        match i {
            0 => inputs = Some((value, at)),
            1 => outputs = Some((value, at)),
            2 => name = string(&value, at, "a model's name")?,
            _ => return Err(err(at, "`keras.Model` takes inputs, outputs and a name")),
        }
    }
    for (key, value, at) in kwargs {
        match key.as_str() {
            "inputs" => inputs = Some((value, at)),
            "outputs" => outputs = Some((value, at)),
            "name" => name = string(&value, at, "a model's name")?,
            "trainable" => {}
            other => {
                return Err(err(
                    at,
                    format!("model option `{other}` is not supported yet"),
                ))
            }
        }
    }
    let (Some((inputs, inputs_at)), Some((outputs, outputs_at))) = (inputs, outputs) else {
        return Err(err(
            pos,
            "the model needs its inputs and outputs: `keras.Model(inputs, outputs)`; \
             subclassed models (`keras.Model()` with a `call` method) are not read",
        ));
    };
    let inputs = tensors(&inputs, inputs_at, "the model's inputs")?;
    let outputs = tensors(&outputs, outputs_at, "the model's outputs")?;
    for &input in &inputs {
        if !matches!(interp.graph[input].op, Op::Input(_)) {
            return Err(err(
                inputs_at,
                "the model's inputs must be its `keras.Input(...)` tensors",
            ));
        }
    }
    if inputs.is_empty() || outputs.is_empty() {
        return Err(err(pos, "a model needs at least one input and one output"));
    }
    // Every tensor the outputs need must come from the inputs.
    let mut stack = outputs.clone();
    let mut seen = std::collections::HashSet::new();
    while let Some(n) = stack.pop() {
        if !seen.insert(n) || inputs.contains(&n) {
            continue;
        }
        if let Op::Input(input) = &interp.graph[n].op {
            return Err(err(
                inputs_at,
                format!(
                    "the outputs need the input `{}`, which is not one of the model's inputs",
                    input.name
                ),
            ));
        }
        stack.extend(interp.graph[n].inputs.iter().copied());
    }
    for &n in &seen {
        if let Op::Model(inner) = &interp.graph[n].op {
            interp.nested.insert(Rc::as_ptr(inner));
        }
    }
    let model = interp.new_model(name, pos, ModelKind::Functional { inputs, outputs });
    Ok(Value::Model(model))
}

/// A layer applied to tensors: `layers.Dense(10)(x)`.
pub fn apply_layer<'a>(
    interp: &mut Interp<'a>,
    layer: Rc<Layer>,
    args: Args<'a>,
    kwargs: Kwargs<'a>,
    call: &'a ast::ExprCall,
) -> R<Value<'a>> {
    let pos = interp.lines.of(call);
    for (key, _, at) in &kwargs {
        if !matches!(key.as_str(), "training" | "inputs" | "mask") {
            return Err(err(
                *at,
                format!("a layer's call takes tensors; `{key}=` is not read"),
            ));
        }
    }
    let given = args
        .into_iter()
        .map(|(v, _)| v)
        .chain(
            kwargs
                .into_iter()
                .filter(|(k, _, _)| k == "inputs")
                .map(|(_, v, _)| v),
        )
        .collect::<Vec<_>>();
    let tensors = match given.as_slice() {
        [one] => one.clone(),
        [] => return Err(err(pos, "the layer is applied to no tensor")),
        many => Value::list(many.to_vec()),
    };
    apply(interp, layer, tensors, pos)
}

/// `layer` applied to `given` (a tensor or a list of them) by the call at `call`.
fn apply<'a>(
    interp: &mut Interp<'a>,
    layer: Rc<Layer>,
    given: Value<'a>,
    call: Pos,
) -> R<Value<'a>> {
    let inputs = tensors(&given, call, "what a layer is applied to")?;
    if inputs.is_empty() {
        return Err(err(call, "the layer is applied to no tensor"));
    }
    use_layer(&layer, call)?;
    Ok(interp.node(Op::Layer(layer), inputs, call))
}

/// A model applied to tensors: it becomes a layer of the model being built.
pub fn apply_model<'a>(
    interp: &mut Interp<'a>,
    model: Rc<Model>,
    args: Args<'a>,
    call: &'a ast::ExprCall,
) -> R<Value<'a>> {
    let pos = interp.lines.of(call);
    let given = match args.as_slice() {
        [(one, _)] => one.clone(),
        _ => {
            return Err(err(
                pos,
                "a model is applied to one tensor (or a list of tensors)",
            ))
        }
    };
    let inputs = tensors(&given, pos, "what a model is applied to")?;
    if interp
        .graph
        .iter()
        .any(|n| matches!(&n.op, Op::Model(m) if Rc::ptr_eq(m, &model)))
    {
        return Err(err(
            pos,
            format!(
                "the model `{}` is used a second time: shared layers are not supported",
                model.name
            ),
        ));
    }
    interp.nested.insert(Rc::as_ptr(&model));
    Ok(interp.node(Op::Model(model), inputs, pos))
}
