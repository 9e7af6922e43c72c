//! Validation of a whole [`ModelSpec`]: names, then Keras' shape inference layer
//! by layer. Produces a [`Plan`], or diagnostics that point at the culprit with
//! the shape that reached it and the chain of shapes before it.

use crate::diag::{Diagnostic, Diagnostics, Loc};
use crate::graph;
use crate::names::to_snake_case;
use crate::plan::{Op, Operand, Pad, Plan, PlannedLayer, Shape};
use crate::spec::{Class, LayerKind, LayerSpec, ModelSpec, Padding, Pair, Spanned};
use proc_macro2::{Ident, Span};
use std::collections::HashMap;

/// The largest tensor (feature map or weight) a model may hold, in values.
pub const MAX_ELEMENTS: u128 = 1 << 32;

/// The most weights a model may have, in bytes (1 GiB of f32): the model is
/// a Rust type of that size, which rustc and the binary must hold.
pub const MAX_WEIGHT_BYTES: u128 = 1 << 30;

/// The most layers a model may have: 100 times the largest keras.applications
/// network, and a bound on what a hostile model can make the compiler (and
/// rustc, which compiles code for each layer) spend.
pub const MAX_LAYERS: usize = 100_000;

/// The most tensors one layer may merge (a Concatenate or an Add): the
/// generated code names each.
pub const MAX_MERGED: usize = 10_000;

/// A model within [`MAX_LAYERS`] and [`MAX_MERGED`]: checked before anything
/// else, so that a hostile model is refused before it costs time or memory.
fn check_size(spec: &ModelSpec, diags: &mut Diagnostics) -> bool {
    if spec.layers.len() > MAX_LAYERS {
        diags.push(
            Diagnostic::new(
                spec.loc,
                format!(
                    "the model has {} layers, more than the {MAX_LAYERS} a model may have",
                    spec.layers.len()
                ),
            )
            .help("the generated code has a step per layer: real networks have a few hundred"),
        );
        return false;
    }
    let mut fits = true;
    for (i, layer) in spec.layers.iter().enumerate() {
        let merged = layer.inputs.as_ref().map_or(1, Vec::len);
        if merged > MAX_MERGED {
            let before = diags.len();
            diags.push(Diagnostic::new(
                layer.loc,
                format!(
                    "layer {} merges {merged} tensors, more than the {MAX_MERGED} one layer may read",
                    i + 1
                ),
            ));
            diags.tag_layer(before, i);
            fits = false;
        }
    }
    fits
}

/// The model's totals fit what the generated constants can say: its weights
/// within [`MAX_WEIGHT_BYTES`], its FLOPs per image within a `u64`.
fn check_totals(layers: &[PlannedLayer], loc: Loc, diags: &mut Diagnostics) {
    let params: u128 = layers.iter().map(|l| u128::from(l.params)).sum();
    if params * 4 > MAX_WEIGHT_BYTES {
        diags.push(
            Diagnostic::new(
                loc,
                format!(
                    "the model has {params} parameters ({:.1} GiB of f32 weights), more than the {} GiB a model may have",
                    (params * 4) as f64 / f64::from(1u32 << 30),
                    MAX_WEIGHT_BYTES >> 30
                ),
            )
            .help("the model is a Rust type holding every weight: use fewer or smaller layers"),
        );
    }
    let macs: u128 = layers.iter().map(|l| u128::from(l.macs)).sum();
    if 2 * macs > u128::from(u64::MAX) {
        diags.error(
            loc,
            format!("the model needs {macs} multiply-adds per image, too many to count in a u64"),
        );
    }
}

/// Checks `spec`; `None` if anything was reported (here or by the front-end).
pub fn check(spec: ModelSpec, diags: &mut Diagnostics) -> Option<Plan> {
    if !check_size(&spec, diags) {
        return None;
    }
    let names = layer_names(&spec.layers, diags);
    let input = check_presence(&spec, diags);
    let input_name = spec
        .input_name
        .clone()
        .unwrap_or_else(|| "input_layer".to_string());
    let wiring = graph::resolve(&spec, &names, &input_name, diags);
    let layers = match (input, &wiring) {
        (Some(input), Some(wiring)) => {
            infer_shapes(input, &spec.layers, &names, &wiring.inputs, diags)
        }
        _ => Vec::new(),
    };
    if !diags.is_empty() {
        return None;
    }
    let wiring = wiring?;
    if layers.len() != spec.layers.len() {
        return None; // a layer the front-end could not read (reported)
    }
    graph::check_all_used(&spec.layers, &names, &wiring, diags);
    check_totals(&layers, spec.loc, diags);
    if !diags.is_empty() {
        return None;
    }
    let (layers, outputs) = graph::keras_order(layers, &wiring.outputs);
    let ident = spec
        .ident
        .unwrap_or_else(|| Ident::new("Model", Span::call_site()));
    Some(Plan {
        attrs: spec.attrs,
        vis: spec.vis,
        model_name: spec
            .model_name
            .unwrap_or_else(|| to_snake_case(&ident.to_string())),
        ident,
        input: input?,
        input_name,
        functional: spec.functional,
        layers,
        outputs,
        weights: spec.weights,
    })
}

/// The input shape, after reporting a missing input or an empty model.
fn check_presence(spec: &ModelSpec, diags: &mut Diagnostics) -> Option<Shape> {
    match (&spec.input, spec.layers.first()) {
        (None, _) if spec.input_invalid => None,
        (None, None) => {
            diags.push(
                Diagnostic::new(spec.loc, "empty model: expected `input(H, W, C);` followed by layers")
                    .help("for example `input(28, 28, 1); Conv2D(32, 3x3, relu) Flatten Dense(10, softmax)`"),
            );
            None
        }
        (None, Some(first)) => {
            diags.push(
                Diagnostic::new(
                    first.loc,
                    "missing `input(H, W, C);` before the first layer",
                )
                .help(
                    "declare the input shape first, channels last like Keras: `input(28, 28, 1);`",
                ),
            );
            None
        }
        (Some(input), None) => {
            diags.push(
                Diagnostic::new(input.loc, "the model has no layers")
                    .help("add layers after the input, e.g. `Flatten Dense(10, softmax)`"),
            );
            None
        }
        (Some(Spanned { value: dims, loc }), Some(_)) => {
            let shape = match dims[..] {
                [h, w, c] => Shape::Map { h, w, c },
                [n, c] => Shape::Steps { n, c },
                [n] => Shape::Vector(n),
                _ => {
                    diags.error(
                        *loc,
                        "the input is an image (height, width, channels), a sequence (steps, channels) or a flat vector (n)",
                    );
                    return None;
                }
            };
            if dims.contains(&0) {
                diags.error(*loc, format!("the input {shape} has a size of 0"));
                return None;
            }
            if dims.iter().map(|&d| d as u128).product::<u128>() > MAX_ELEMENTS {
                diags.error(
                    *loc,
                    format!("the input {shape} is too large (more than {MAX_ELEMENTS} values)"),
                );
                return None;
            }
            Some(shape)
        }
    }
}

/// Keras' automatic names (`conv2d`, `conv2d_1`, ...) for layers without
/// `name = "..."`; reports names used twice.
fn layer_names(layers: &[LayerSpec], diags: &mut Diagnostics) -> Vec<String> {
    let mut counters: HashMap<String, usize> = HashMap::new();
    let mut names = Vec::with_capacity(layers.len());
    for layer in layers {
        let name = match (&layer.name, layer.class) {
            (Some(name), _) => name.value.clone(),
            (None, Some(class)) => {
                let prefix = class.auto_name_prefix();
                let count = counters.entry(prefix.clone()).or_insert(0);
                let name = if *count == 0 {
                    prefix
                } else {
                    format!("{prefix}_{count}")
                };
                *count += 1;
                name
            }
            (None, None) => String::new(),
        };
        names.push(name);
    }
    // A nested model's layers are named within it.
    let mut first_use: HashMap<(Option<&str>, &str), usize> = HashMap::new();
    for (i, name) in names.iter().enumerate() {
        if name.is_empty() {
            continue;
        }
        let scope = layers[i].scope.as_ref().map(|s| s.name.as_str());
        if let Some(&first) = first_use.get(&(scope, name.as_str())) {
            let layer = &layers[i];
            let loc = layer.name.as_ref().map_or(layer.loc, |n| n.loc);
            let class = |l: &LayerSpec| l.class.map_or("?", Class::keras_name);
            let before = diags.len();
            diags.push(
                Diagnostic::new(loc, format!("duplicate layer name `{name}`"))
                    .note(format!(
                        "layer {} (`{}`) is already named `{name}`; this is layer {} (`{}`)",
                        first + 1,
                        class(&layers[first]),
                        i + 1,
                        class(layer)
                    ))
                    .help("every layer needs its own name: weights are looked up as `{name}.kernel` and `{name}.bias`"),
            );
            diags.tag_layer(before, i);
        } else {
            first_use.insert((scope, name), i);
        }
    }
    names
}

/// Runs shape inference in the order the layers were written (each reads
/// only earlier ones). A layer after a mistake (or one reading its output) is
/// skipped, so that one mistake gives one error.
fn infer_shapes(
    input: Shape,
    layers: &[LayerSpec],
    names: &[String],
    wiring: &[Vec<usize>],
    diags: &mut Diagnostics,
) -> Vec<PlannedLayer> {
    let mut planned: Vec<PlannedLayer> = Vec::with_capacity(layers.len());
    // Per tensor: its shape, once known (0 is the input).
    let mut shapes: Vec<Option<Shape>> = vec![Some(input)];
    let mut produced: Vec<Option<Produced>> = vec![None];
    for (i, ((layer, name), reads)) in layers.iter().zip(names).zip(wiring).enumerate() {
        let known: Option<Vec<Shape>> = reads.iter().map(|&t| shapes[t]).collect();
        let (Some(kind), Some(class), Some(operands)) = (&layer.kind, layer.class, known) else {
            shapes.push(None);
            produced.push(None);
            continue; // already reported, here or by the front-end
        };
        match infer_layer(kind, class, &operands) {
            Ok(step) => {
                shapes.push(Some(step.output));
                produced.push(Some(Produced {
                    name: name.clone(),
                    shape: step.output,
                    first_input: reads.first().copied().unwrap_or(0),
                }));
                planned.push(PlannedLayer {
                    name: name.clone(),
                    class,
                    op: step.op,
                    inputs: reads
                        .iter()
                        .zip(&operands)
                        .map(|(&tensor, &shape)| Operand { tensor, shape })
                        .collect(),
                    input: operands[0],
                    output: step.output,
                    params: step.params,
                    non_trainable: step.non_trainable,
                    macs: step.macs,
                    loc: layer.loc,
                    scope: layer.scope.clone(),
                });
            }
            Err(error) => {
                shapes.push(None);
                produced.push(None);
                let loc = error.loc.unwrap_or(layer.loc);
                let mut d = Diagnostic::new(loc, format!("`{name}`: {}", error.message));
                let reaching = listed(&operands);
                d = d.note(format!(
                    "shapes: {}",
                    chain(
                        input,
                        &produced,
                        reads.first().copied().unwrap_or(0),
                        name,
                        &reaching
                    )
                ));
                if let Some(help) = error.help {
                    d = d.help(help);
                }
                d.layer = Some(i);
                diags.push(d);
            }
        }
    }
    planned
}

/// `28x28x1 → conv2d 26x26x32 → ... → max_pooling2d_2 receives 1x1x32`: the
/// path to the culprit through each layer's first input.
fn chain(
    input: Shape,
    produced: &[Option<Produced>],
    first_input: usize,
    culprit: &str,
    reaching: &str,
) -> String {
    let mut path = Vec::new();
    let mut t = first_input;
    while let Some(Some(p)) = produced.get(t) {
        path.push(format!("{} {}", p.name, p.shape));
        t = p.first_input;
    }
    path.reverse();
    let mut out = input.to_string();
    for step in path {
        out.push_str(&format!(" → {step}"));
    }
    out.push_str(&format!(" → {culprit} receives {reaching}"));
    out
}

/// A tensor a layer produced, for the shape chain of error notes.
struct Produced {
    name: String,
    shape: Shape,
    first_input: usize,
}

struct ShapeError {
    loc: Option<Loc>,
    message: String,
    help: Option<String>,
}

impl ShapeError {
    fn new(loc: Option<Loc>, message: String) -> Self {
        ShapeError {
            loc,
            message,
            help: None,
        }
    }

    fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    fn note_keras(self) -> Self {
        self.help("Keras rejects this combination too")
    }
}

/// What one layer does to its inputs' shapes.
struct Planned {
    op: Op,
    output: Shape,
    params: u64,
    non_trainable: u64,
    macs: u64,
}

impl Planned {
    fn new(op: Op, output: Shape) -> Self {
        Planned {
            op,
            output,
            params: 0,
            non_trainable: 0,
            macs: 0,
        }
    }

    fn weights(mut self, params: u64, macs: u64) -> Self {
        self.params = params;
        self.macs = macs;
        self
    }
}

type Step = Result<Planned, ShapeError>;

/// A count as `u128` checked against [`MAX_ELEMENTS`].
fn elements(dims: &[usize], what: &str) -> Result<u64, ShapeError> {
    let n = dims.iter().map(|&d| d as u128).product::<u128>();
    if n > MAX_ELEMENTS {
        let dims: Vec<String> = dims.iter().map(ToString::to_string).collect();
        return Err(ShapeError::new(
            None,
            format!(
                "its {what} {} has {n} values, more than the {MAX_ELEMENTS} supported",
                dims.join("x")
            ),
        ));
    }
    Ok(n as u64)
}

fn infer_layer(kind: &LayerKind, class: Class, operands: &[Shape]) -> Step {
    let input = match (class.is_merge(), operands) {
        (false, [one]) => *one,
        (true, [first, _, ..]) => *first,
        (true, [_]) => {
            return Err(ShapeError::new(
                None,
                format!("{class} merges two or more tensors, but is given one"),
            )
            .help("give it the tensors to merge, as a functional model does: `Add(x, y)`; a Sequential model cannot merge"))
        }
        (false, _) => {
            return Err(ShapeError::new(
                None,
                format!("{class} reads one tensor, but is given {}", operands.len()),
            )
            .help("only `Add` and `Concatenate` read several tensors"))
        }
        (true, []) => {
            return Err(ShapeError::new(
                None,
                format!("{class} needs the tensors to merge"),
            ))
        }
    };
    match kind {
        LayerKind::InputPart { offset, shape } => {
            let output = match shape[..] {
                [h, w, c] => Shape::Map { h, w, c },
                [n, c] => Shape::Steps { n, c },
                [n] => Shape::Vector(n),
                _ => {
                    return Err(ShapeError::new(
                        None,
                        "an input is an image (height, width, channels), a sequence (steps, channels) or a vector".to_string(),
                    ))
                }
            };
            if offset
                .checked_add(output.len())
                .is_none_or(|end| end > input.len())
            {
                return Err(ShapeError::new(
                    None,
                    format!(
                        "the input {output} at {offset} lies outside the model's {} input values",
                        input.len()
                    ),
                ));
            }
            Ok(Planned::new(Op::InputPart { offset: *offset }, output))
        }
        LayerKind::Conv2DTranspose(t) => conv2d_transpose(t, class, input),
        LayerKind::Conv1D(conv) => conv1d(conv, class, input),
        LayerKind::Pool1D {
            op,
            pool,
            strides,
            padding,
        } => {
            let (n, c) = sequence(input, class)?;
            let s = strides.as_ref().map_or(pool.value, |s| s.value);
            let Some((out, left, right)) = window(n, pool.value, s, *padding) else {
                return Err(ShapeError::new(
                    Some(pool.loc),
                    format!(
                        "pool {} needs at least {} steps, but receives {input}",
                        pool.value, pool.value
                    ),
                )
                .help("use `padding = same` or a smaller pool"));
            };
            let op = Op::Pool {
                op: *op,
                pool: Pair {
                    h: 1,
                    w: pool.value,
                },
                strides: Pair { h: 1, w: s },
                pad: Pad {
                    top: 0,
                    bottom: 0,
                    left,
                    right,
                },
            };
            Ok(Planned::new(op, Shape::Steps { n: out, c }))
        }
        LayerKind::GlobalPool1D { op, keepdims } => {
            let (_, c) = sequence(input, class)?;
            let output = if *keepdims {
                Shape::Steps { n: 1, c }
            } else {
                Shape::Vector(c)
            };
            Ok(Planned::new(Op::GlobalPool(*op), output))
        }
        LayerKind::Conv2D(conv) => conv2d(conv, class, input),
        LayerKind::DepthwiseConv2D(dw) => {
            let (h, w, c) = feature_map(input, class, None)?;
            let (k, m) = (dw.kernel.value, dw.multiplier.value);
            let s = dw.strides.value;
            let win = sliding(input, (h, w), &dw.kernel, &dw.dilation, s, dw.padding)?;
            let weights = elements(&[k.h, k.w, c, m], "kernel")?;
            let channels = elements(&[c, m], "output channels")? as usize;
            elements(&[win.oh, win.ow, channels], "output")?;
            let bias = if dw.use_bias { channels as u64 } else { 0 };
            let macs = (win.oh as u128) * (win.ow as u128) * (weights as u128);
            let op = Op::DepthwiseConv2D {
                multiplier: m,
                kernel: k,
                strides: s,
                dilation: dw.dilation.value,
                pad: win.pad,
                use_bias: dw.use_bias,
                activation: dw.activation,
                conv2d_kernel: false,
            };
            let output = Shape::Map {
                h: win.oh,
                w: win.ow,
                c: channels,
            };
            Ok(Planned::new(op, output).weights(weights + bias, clamp_macs(macs)?))
        }
        LayerKind::SeparableConv2D(sep) => {
            let dw = &sep.depthwise;
            let (h, w, c) = feature_map(input, class, None)?;
            let (k, m, f) = (dw.kernel.value, dw.multiplier.value, sep.filters.value);
            let s = dw.strides.value;
            let win = sliding(input, (h, w), &dw.kernel, &dw.dilation, s, dw.padding)?;
            let depthwise = elements(&[k.h, k.w, c, m], "depthwise kernel")?;
            let middle = elements(&[c, m], "depthwise channels")? as usize;
            let pointwise = elements(&[middle, f], "pointwise kernel")?;
            elements(&[win.oh, win.ow, middle], "depthwise output")?;
            elements(&[win.oh, win.ow, f], "output")?;
            let bias = if dw.use_bias { f as u64 } else { 0 };
            let pixels = (win.oh as u128) * (win.ow as u128);
            let macs = pixels * (depthwise as u128 + pointwise as u128);
            let op = Op::SeparableConv2D {
                filters: f,
                multiplier: m,
                kernel: k,
                strides: s,
                dilation: dw.dilation.value,
                pad: win.pad,
                use_bias: dw.use_bias,
                activation: dw.activation,
            };
            let output = Shape::Map {
                h: win.oh,
                w: win.ow,
                c: f,
            };
            Ok(Planned::new(op, output).weights(depthwise + pointwise + bias, clamp_macs(macs)?))
        }
        LayerKind::Pool(pool) => {
            let (h, w, c) = feature_map(input, class, None)?;
            let p = pool.pool.value;
            let s = pool.strides.as_ref().map_or(p, |s| s.value);
            let Some(((oh, top, bottom), (ow, left, right))) =
                window(h, p.h, s.h, pool.padding).zip(window(w, p.w, s.w, pool.padding))
            else {
                return Err(ShapeError::new(
                    Some(pool.pool.loc),
                    format!("pool {p} needs an input of at least {p}, but receives {input}"),
                )
                .help("use `padding = same`, a smaller pool, or fewer pooling layers before it"));
            };
            let op = Op::Pool {
                op: pool.op,
                pool: p,
                strides: s,
                pad: Pad {
                    top,
                    bottom,
                    left,
                    right,
                },
            };
            Ok(Planned::new(op, Shape::Map { h: oh, w: ow, c }))
        }
        LayerKind::GlobalPool { op, keepdims } => {
            let help = "remove the `Flatten` before it: global pooling itself reduces each channel to one value";
            let (_, _, c) = feature_map(input, class, Some(help))?;
            let output = if *keepdims {
                Shape::Map { h: 1, w: 1, c }
            } else {
                Shape::Vector(c)
            };
            Ok(Planned::new(Op::GlobalPool(*op), output))
        }
        LayerKind::Flatten => Ok(Planned::new(Op::Flatten, Shape::Vector(input.len()))),
        LayerKind::Dense(dense) => {
            let units = dense.units.value;
            let (fan_in, output, positions) = match input {
                Shape::Vector(n) => (n, Shape::Vector(units), 1),
                // Keras applies Dense to the last axis of a feature map.
                Shape::Map { h, w, c } => (c, Shape::Map { h, w, c: units }, h * w),
                Shape::Steps { n, c } => (c, Shape::Steps { n, c: units }, n),
            };
            let weights = elements(&[fan_in, units], "kernel")?;
            elements(&output.dims(), "output")?;
            let bias = if dense.use_bias { units as u64 } else { 0 };
            let op = Op::Dense {
                units,
                use_bias: dense.use_bias,
                activation: dense.activation,
            };
            let macs = positions as u128 * weights as u128;
            Ok(Planned::new(op, output).weights(weights + bias, clamp_macs(macs)?))
        }
        LayerKind::Dropout { rate } => Ok(Planned::new(Op::Dropout { rate: *rate }, input)),
        LayerKind::Activation(f) => Ok(Planned::new(Op::Activation(*f), input)),
        LayerKind::BatchNorm(bn) => {
            if bn.axis.value != -1 && bn.axis.value != input.dims().len() as i64 {
                return Err(ShapeError::new(
                    Some(bn.axis.loc),
                    format!(
                        "only the channel axis (`axis = -1`) is supported, not axis {}",
                        bn.axis.value
                    ),
                ));
            }
            let c = *input.dims().last().unwrap_or(&0) as u64;
            let op = Op::BatchNorm {
                epsilon: bn.epsilon,
                center: bn.center,
                scale: bn.scale,
            };
            let mut planned = Planned::new(op, input);
            planned.params = c * (2 + u64::from(bn.center) + u64::from(bn.scale));
            planned.non_trainable = 2 * c;
            Ok(planned)
        }
        LayerKind::ZeroPadding2D {
            top,
            bottom,
            left,
            right,
        } => {
            let help = "zero padding pads the height and width of a feature map";
            let (h, w, c) = feature_map(input, class, Some(help))?;
            let grow = |n: usize, a: usize, b: usize| {
                let total = n as u128 + a as u128 + b as u128;
                usize::try_from(total).ok()
            };
            let (Some(oh), Some(ow)) = (grow(h, *top, *bottom), grow(w, *left, *right)) else {
                return Err(ShapeError::new(
                    None,
                    "the padded map is too large".to_string(),
                ));
            };
            elements(&[oh, ow, c], "output")?;
            let pad = Pad {
                top: *top,
                bottom: *bottom,
                left: *left,
                right: *right,
            };
            Ok(Planned::new(
                Op::ZeroPadding2D(pad),
                Shape::Map { h: oh, w: ow, c },
            ))
        }
        LayerKind::UpSampling2D { size, bilinear } => {
            let help = "upsampling repeats the pixels of a feature map";
            let (h, w, c) = feature_map(input, class, Some(help))?;
            let Pair { h: sh, w: sw } = size.value;
            if sh == 0 || sw == 0 {
                return Err(ShapeError::new(
                    Some(size.loc),
                    "the size must be at least 1".to_string(),
                ));
            }
            let (Some(oh), Some(ow)) = (h.checked_mul(sh), w.checked_mul(sw)) else {
                return Err(ShapeError::new(
                    None,
                    "the upsampled map is too large".to_string(),
                ));
            };
            elements(&[oh, ow, c], "output")?;
            Ok(Planned::new(
                Op::UpSampling2D {
                    size: size.value,
                    bilinear: *bilinear,
                },
                Shape::Map { h: oh, w: ow, c },
            ))
        }
        LayerKind::Cropping2D {
            top,
            bottom,
            left,
            right,
        } => {
            let help = "cropping cuts rows and columns off a feature map";
            let (h, w, c) = feature_map(input, class, Some(help))?;
            let keep =
                |n: usize, a: usize, b: usize| n.checked_sub(a)?.checked_sub(b).filter(|&k| k > 0);
            let (Some(oh), Some(ow)) = (keep(h, *top, *bottom), keep(w, *left, *right)) else {
                return Err(ShapeError::new(
                    None,
                    format!(
                        "cropping ({top}, {bottom}) rows and ({left}, {right}) columns leaves nothing of a {h}x{w} map"
                    ),
                )
                .help("crop fewer rows and columns than the map has"));
            };
            let crop = Pad {
                top: *top,
                bottom: *bottom,
                left: *left,
                right: *right,
            };
            Ok(Planned::new(
                Op::Cropping2D(crop),
                Shape::Map { h: oh, w: ow, c },
            ))
        }
        LayerKind::Normalization {
            axis,
            statistics,
            invert,
        } => {
            let c = last_axis(input, axis)?;
            let Some((mean, variance)) = statistics else {
                let mut planned = Planned::new(Op::AdaptedNormalization { invert: *invert }, input);
                // Keras counts `mean`, `variance` and `count`, none trainable.
                planned.params = 2 * c as u64 + 1;
                planned.non_trainable = planned.params;
                return Ok(planned);
            };
            let per_channel = |values: &[f32], what: &str| match values.len() {
                1 => Ok(vec![values[0]; c]),
                n if n == c => Ok(values.to_vec()),
                n => Err(ShapeError::new(
                    None,
                    format!("the {what} has {n} values, but the input has {c} channels"),
                )
                .help("give one value, or one per channel")),
            };
            let mean = per_channel(mean, "mean")?;
            // Keras' divisor: the standard deviation, at least its epsilon.
            let std = per_channel(variance, "variance")?
                .into_iter()
                .map(|v| v.sqrt().max(1e-7))
                .collect();
            Ok(Planned::new(
                Op::Normalization {
                    mean,
                    std,
                    invert: *invert,
                },
                input,
            ))
        }
        LayerKind::LayerNorm {
            axis,
            epsilon,
            center,
            scale,
            rms_scaling,
        } => {
            let c = last_axis(input, axis)? as u64;
            // Keras: with `rms_scaling` there is always a gamma and no beta.
            let (scale, center) = (*scale || *rms_scaling, *center && !*rms_scaling);
            let op = Op::LayerNorm {
                epsilon: *epsilon,
                center,
                scale,
                rms_scaling: *rms_scaling,
            };
            let params = c * (u64::from(scale) + u64::from(center));
            Ok(Planned::new(op, input).weights(params, 0))
        }
        LayerKind::LayerScale { projection_dim } => {
            let c = *input.dims().last().unwrap_or(&0);
            if projection_dim.value != c {
                return Err(ShapeError::new(
                    Some(projection_dim.loc),
                    format!(
                        "`projection_dim` = {} must be the input's number of channels, {c}",
                        projection_dim.value
                    ),
                ));
            }
            Ok(Planned::new(Op::LayerScale, input).weights(c as u64, 0))
        }
        LayerKind::Rescaling { scale, offset } => Ok(Planned::new(
            Op::Rescaling {
                scale: *scale,
                offset: *offset,
            },
            input,
        )),
        LayerKind::Reshape(target) => reshape(input, target),
        LayerKind::Add => {
            // Keras 3 broadcasts, as for Multiply: `(H, W, C) + (1, 1, C)`.
            let output = broadcast(operands).ok_or_else(|| {
                ShapeError::new(
                    None,
                    format!(
                        "Add needs tensors of one shape (or sizes of 1, broadcast as in Keras), but receives {}",
                        listed(operands)
                    ),
                )
                .help("project the smaller one first, e.g. with a strided 1x1 `Conv2D` to the same channels")
            })?;
            Ok(Planned::new(Op::Add, output))
        }
        LayerKind::Constant {
            op,
            constant,
            constant_first,
        } => Ok(Planned::new(
            Op::Constant {
                op: *op,
                constant: *constant,
                constant_first: *constant_first,
            },
            input,
        )),
        LayerKind::ConstantTensor {
            op,
            values,
            dims,
            constant_first,
        } => {
            // NumPy's broadcasting, as long as the output is the input's shape.
            let size = input.dims();
            let fits = dims.len() <= size.len()
                && dims
                    .iter()
                    .rev()
                    .zip(size.iter().rev())
                    .all(|(&d, &s)| d == 1 || d == s);
            if !fits || values.len() != dims.iter().product::<usize>() {
                let shown: Vec<String> = dims.iter().map(ToString::to_string).collect();
                let comma = if dims.len() == 1 { "," } else { "" };
                return Err(ShapeError::new(
                    None,
                    format!(
                        "a constant of shape ({}{comma}) does not broadcast to the input {input} (each size must be 1 or the input's)",
                        shown.join(", ")
                    ),
                ));
            }
            let mut aligned = [1usize; 3];
            for (a, &d) in aligned.iter_mut().rev().zip(dims.iter().rev()) {
                *a = d;
            }
            Ok(Planned::new(
                Op::ConstantTensor {
                    op: *op,
                    values: values.clone(),
                    dims: aligned,
                    constant_first: *constant_first,
                },
                input,
            ))
        }
        LayerKind::CustomScale { scale } => {
            if operands.len() != 2 || operands[1] != input {
                return Err(ShapeError::new(
                    None,
                    format!(
                        "CustomScaleLayer adds two tensors of one shape (the second scaled), but receives {}",
                        listed(operands)
                    ),
                ));
            }
            Ok(Planned::new(Op::CustomScale { scale: *scale }, input))
        }
        LayerKind::Multiply => {
            let output = broadcast(operands).ok_or_else(|| {
                ShapeError::new(
                    None,
                    format!(
                        "Multiply needs tensors whose every size is the same or 1 (broadcast as in Keras), but receives {}",
                        listed(operands)
                    ),
                )
                .help("a feature map times per-channel weights is `(H, W, C)` times `(1, 1, C)`: keep the channels equal")
            })?;
            Ok(Planned::new(Op::Multiply, output))
        }
        LayerKind::Concatenate { axis } => {
            let rank = input.dims().len() as i64;
            if axis.value != -1 && axis.value != rank {
                return Err(ShapeError::new(
                    Some(axis.loc),
                    format!(
                        "only concatenation on the channel (last) axis is supported, not axis {}",
                        axis.value
                    ),
                )
                .help("write `axis = -1` (Keras' default)"));
            }
            let mut channels: u128 = 0;
            for shape in operands {
                match (input, *shape) {
                    (Shape::Map { h, w, .. }, Shape::Map { h: h2, w: w2, c })
                        if h == h2 && w == w2 =>
                    {
                        channels += c as u128
                    }
                    (Shape::Vector(_), Shape::Vector(n)) => channels += n as u128,
                    (Shape::Steps { n, .. }, Shape::Steps { n: n2, c }) if n == n2 => {
                        channels += c as u128
                    }
                    _ => {
                        return Err(ShapeError::new(
                            None,
                            format!(
                                "Concatenate needs maps of one height and width (or vectors), but receives {}",
                                listed(operands)
                            ),
                        )
                        .help("only the channels may differ: resize the branches to one height and width first"));
                    }
                }
            }
            let channels = usize::try_from(channels).unwrap_or(usize::MAX);
            let output = match input {
                Shape::Map { h, w, .. } => Shape::Map { h, w, c: channels },
                Shape::Vector(_) => Shape::Vector(channels),
                Shape::Steps { n, .. } => Shape::Steps { n, c: channels },
            };
            elements(&output.dims(), "output")?;
            Ok(Planned::new(Op::Concatenate, output))
        }
    }
}

/// The shape operands broadcast to, as Keras (NumPy) does: sizes aligned
/// from the last, each the largest of its column where the others are it
/// or 1; a vector `(n)` is a map `(1, 1, n)` beside maps. `None` if they do
/// not broadcast.
pub(crate) fn broadcast(operands: &[Shape]) -> Option<Shape> {
    let maps = operands.iter().any(|s| matches!(s, Shape::Map { .. }));
    let steps = operands.iter().any(|s| matches!(s, Shape::Steps { .. }));
    let mut out = [1usize; 3];
    for shape in operands {
        for (o, d) in out.iter_mut().zip(dims3(*shape)) {
            match (*o, d) {
                (a, b) if a == b || b == 1 => {}
                (1, b) => *o = b,
                _ => return None,
            }
        }
    }
    let [h, w, c] = out;
    Some(if maps {
        Shape::Map { h, w, c }
    } else if steps {
        Shape::Steps { n: w, c }
    } else {
        Shape::Vector(c)
    })
}

/// A shape as (height, width, channels): a vector `(n)` is `(1, 1, n)`, a
/// sequence `(n, c)` is `(1, n, c)`.
pub(crate) fn dims3(shape: Shape) -> [usize; 3] {
    match shape {
        Shape::Map { h, w, c } => [h, w, c],
        Shape::Vector(n) => [1, 1, n],
        Shape::Steps { n, c } => [1, n, c],
    }
}

/// `a, b and c`.
fn listed(shapes: &[Shape]) -> String {
    let shapes: Vec<String> = shapes.iter().map(ToString::to_string).collect();
    match shapes.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => shapes.join(""),
    }
}

/// A sliding window's output size and padding on both axes.
struct Window {
    oh: usize,
    ow: usize,
    pad: Pad,
}

/// The sequence a 1-D layer needs: `(steps, channels)`.
fn sequence(input: Shape, class: Class) -> Result<(usize, usize), ShapeError> {
    match input {
        Shape::Steps { n, c } => Ok((n, c)),
        other => Err(ShapeError::new(
            None,
            format!("{class} needs a sequence (steps x channels), but receives {other}"),
        )
        .help("a 1-D layer reads `(steps, channels)`: give the model `input(steps, channels)`, or use the 2-D layer")),
    }
}

/// Keras' Conv1D, as a Conv2D of one row: `causal` pads only the start.
fn conv1d(conv: &crate::spec::Conv1DSpec, class: Class, input: Shape) -> Step {
    let (n, c) = sequence(input, class)?;
    let (k, s, d, f) = (
        conv.kernel.value,
        conv.strides.value,
        conv.dilation.value,
        conv.filters.value,
    );
    if s > 1 && d > 1 {
        return Err(ShapeError::new(
            Some(conv.dilation.loc),
            "`strides` > 1 together with `dilation_rate` > 1 is not supported".to_string(),
        )
        .note_keras());
    }
    let Some(span) = (k - 1).checked_mul(d).and_then(|x| x.checked_add(1)) else {
        return Err(ShapeError::new(
            Some(conv.kernel.loc),
            "the dilated kernel is too large".to_string(),
        ));
    };
    let window = if conv.causal {
        // `span - 1` zeros before the first step, none after.
        Some(((n - 1) / s + 1, span - 1, 0))
    } else {
        window(n, span, s, conv.padding)
    };
    let Some((out, left, right)) = window else {
        return Err(ShapeError::new(
            Some(conv.kernel.loc),
            format!("kernel {k} (spanning {span} steps) needs at least {span} steps, but receives {input}"),
        )
        .help("use `padding = same` or `causal`, or a smaller kernel"));
    };
    let weights = elements(&[k, c, f], "kernel")?;
    elements(&[out, f], "output")?;
    let bias = if conv.use_bias { f as u64 } else { 0 };
    let macs = (out as u128) * (weights as u128);
    let op = Op::Conv2D {
        filters: f,
        kernel: Pair { h: 1, w: k },
        strides: Pair { h: 1, w: s },
        dilation: Pair { h: 1, w: d },
        pad: Pad {
            top: 0,
            bottom: 0,
            left,
            right,
        },
        use_bias: conv.use_bias,
        activation: conv.activation,
    };
    Ok(Planned::new(op, Shape::Steps { n: out, c: f }).weights(weights + bias, clamp_macs(macs)?))
}

/// Keras' Conv2DTranspose: the output size along one axis and the rows (or
/// columns) cut off its start, as TensorFlow computes them for the
/// convolution it is the gradient of; `None` with the reason when that
/// convolution would not give back the input size.
fn transpose_axis(
    size: usize,
    kernel: usize,
    stride: usize,
    dilation: usize,
    padding: Padding,
    output_padding: Option<usize>,
) -> Result<(usize, usize), String> {
    let span = (kernel - 1)
        .checked_mul(dilation)
        .and_then(|s| s.checked_add(1));
    let grown = (size - 1).checked_mul(stride);
    let (Some(k), Some(grown)) = (span, grown) else {
        return Err("is too large".to_string());
    };
    let out = match (padding, output_padding) {
        (Padding::Valid, None) => grown.checked_add(k.max(stride)),
        (Padding::Valid, Some(p)) => grown.checked_add(k).and_then(|o| o.checked_add(p)),
        (Padding::Same, None) => size.checked_mul(stride),
        // Keras' formula: `(in - 1) * stride + kernel % 2 + output_padding`.
        (Padding::Same, Some(p)) => grown.checked_add(k % 2).and_then(|o| o.checked_add(p)),
    };
    let Some(out) = out.filter(|&o| o as u128 <= MAX_ELEMENTS) else {
        return Err("is too large".to_string());
    };
    // The convolution from `out` back to `size` (TensorFlow checks it).
    let (back, pad) = match padding {
        Padding::Valid if out < k => (0, 0),
        Padding::Valid => ((out - k) / stride + 1, 0),
        Padding::Same => (
            out.div_ceil(stride),
            ((size - 1) * stride + k).saturating_sub(out) / 2,
        ),
    };
    if back != size {
        return Err(format!(
            "makes {out} rows or columns of {size}, from which the convolution it transposes gives back {back}, not {size}"
        ));
    }
    Ok((out, pad))
}

fn conv2d_transpose(t: &crate::spec::Conv2DTransposeSpec, class: Class, input: Shape) -> Step {
    let (h, w, c) = feature_map(input, class, None)?;
    let (k, s, d, f) = (
        t.kernel.value,
        t.strides.value,
        t.dilation.value,
        t.filters.value,
    );
    if let Some(p) = &t.output_padding {
        if p.value.h >= s.h || p.value.w >= s.w {
            return Err(ShapeError::new(
                Some(p.loc),
                format!(
                    "`output_padding` {} must be smaller than the strides {s}",
                    p.value
                ),
            )
            .help("Keras asks the same: it adds rows and columns a stride would have made"));
        }
    }
    if (s.h > 1 || s.w > 1) && (d.h > 1 || d.w > 1) {
        return Err(ShapeError::new(
            Some(t.dilation.loc),
            "`strides` > 1 together with `dilation_rate` > 1 is not supported".to_string(),
        ));
    }
    let extra = t.output_padding.as_ref().map(|p| p.value);
    let rows = transpose_axis(h, k.h, s.h, d.h, t.padding, extra.map(|p| p.h));
    let cols = transpose_axis(w, k.w, s.w, d.w, t.padding, extra.map(|p| p.w));
    let ((oh, top), (ow, left)) = match (rows, cols) {
        (Ok(r), Ok(c)) => (r, c),
        (Err(why), _) | (_, Err(why)) => {
            return Err(ShapeError::new(
                Some(t.kernel.loc),
                format!("the transposed convolution of {input} with kernel {k}, strides {s} {why}"),
            )
            .help("TensorFlow refuses this when the model runs: choose another `output_padding` (or none)"))
        }
    };
    let weights = elements(&[k.h, k.w, f, c], "kernel")?;
    elements(&[oh, ow, f], "output")?;
    let bias = if t.use_bias { f as u64 } else { 0 };
    // Every input value meets every tap once.
    let macs = (h as u128) * (w as u128) * (weights as u128);
    let op = Op::Conv2DTranspose {
        filters: f,
        kernel: k,
        strides: s,
        dilation: d,
        pad: Pad {
            top,
            bottom: 0,
            left,
            right: 0,
        },
        use_bias: t.use_bias,
        activation: t.activation,
    };
    let output = Shape::Map { h: oh, w: ow, c: f };
    Ok(Planned::new(op, output).weights(weights + bias, clamp_macs(macs)?))
}

/// The number of channels of a normalization over `axis`, which must be
/// the last one (-1, or the rank counted as Keras does, with the batch).
fn last_axis(input: Shape, axis: &Spanned<i64>) -> Result<usize, ShapeError> {
    let c = *input.dims().last().unwrap_or(&1);
    let rank = input.dims().len() as i64 + 1;
    if axis.value != -1 && axis.value != rank - 1 {
        return Err(ShapeError::new(
            Some(axis.loc),
            format!(
                "only normalization over the channel (last) axis is supported, not axis {}",
                axis.value
            ),
        )
        .help("write `axis = -1` (Keras' default)"));
    }
    Ok(c)
}

/// Keras' Conv2D. With `groups` > 1 each group of input channels is
/// convolved with its own filters; with one input channel per group it is a
/// depthwise convolution (ConvNeXt's 7x7), whose Conv2D kernel
/// `(kh, kw, 1, filters)` holds its values in the depthwise kernel's order,
/// and runs as one.
fn conv2d(conv: &crate::spec::Conv2DSpec, class: Class, input: Shape) -> Step {
    let (h, w, c) = feature_map(input, class, None)?;
    let (g, f) = (conv.groups.value, conv.filters.value);
    if c % g != 0 || f % g != 0 {
        return Err(ShapeError::new(
            Some(conv.groups.loc),
            format!("`groups` = {g} must divide both the input's {c} channels and the {f} filters"),
        )
        .help("Keras asks the same: each group reads c/groups channels and makes filters/groups"));
    }
    let (k, s, dilation) = (conv.kernel.value, conv.strides.value, conv.dilation.value);
    let win = sliding(input, (h, w), &conv.kernel, &conv.dilation, s, conv.padding)?;
    let weights = elements(&[k.h, k.w, c / g, f], "kernel")?;
    elements(&[win.oh, win.ow, f], "output")?;
    let bias = if conv.use_bias { f as u64 } else { 0 };
    let macs = (win.oh as u128) * (win.ow as u128) * (weights as u128);
    let (pad, use_bias, activation) = (win.pad, conv.use_bias, conv.activation);
    let op = match g {
        1 => Op::Conv2D {
            filters: f,
            kernel: k,
            strides: s,
            dilation,
            pad,
            use_bias,
            activation,
        },
        g if g == c && g > 1 => Op::DepthwiseConv2D {
            multiplier: f / c,
            kernel: k,
            strides: s,
            dilation,
            pad,
            use_bias,
            activation,
            conv2d_kernel: true,
        },
        groups => Op::GroupedConv2D {
            groups,
            filters: f,
            kernel: k,
            strides: s,
            dilation,
            pad,
            use_bias,
            activation,
        },
    };
    let output = Shape::Map {
        h: win.oh,
        w: win.ow,
        c: f,
    };
    Ok(Planned::new(op, output).weights(weights + bias, clamp_macs(macs)?))
}

/// The output of a (possibly dilated) kernel sliding over a map, or the error.
fn sliding(
    input: Shape,
    (h, w): (usize, usize),
    kernel: &Spanned<Pair>,
    dilation: &Spanned<Pair>,
    s: Pair,
    padding: Padding,
) -> Result<Window, ShapeError> {
    let (k, d) = (kernel.value, dilation.value);
    let dilated = |k: usize, d: usize| {
        let span = k as u128 + (k as u128 - 1) * (d as u128 - 1);
        usize::try_from(span)
            .ok()
            .filter(|&s| s as u128 <= MAX_ELEMENTS)
    };
    let (Some(eh), Some(ew)) = (dilated(k.h, d.h), dilated(k.w, d.w)) else {
        return Err(ShapeError::new(
            Some(dilation.loc),
            format!("kernel {k} with dilation {d} spans more than {MAX_ELEMENTS} cells"),
        ));
    };
    let effective = Pair { h: eh, w: ew };
    let Some(((oh, top, bottom), (ow, left, right))) =
        window(h, effective.h, s.h, padding).zip(window(w, effective.w, s.w, padding))
    else {
        let spans = if effective == k {
            String::new()
        } else {
            format!(" (with dilation {d} it spans {effective})")
        };
        return Err(ShapeError::new(
            Some(kernel.loc),
            format!(
                "kernel {k}{spans} needs an input of at least {effective}, but receives {input}"
            ),
        )
        .help("use `padding = same`, a smaller kernel, or fewer pooling layers before it"));
    };
    Ok(Window {
        oh,
        ow,
        pad: Pad {
            top,
            bottom,
            left,
            right,
        },
    })
}

/// Keras' Reshape: the same values in row-major order, `-1` inferred.
fn reshape(input: Shape, target: &Spanned<Vec<i64>>) -> Step {
    let dims = &target.value;
    let shown = format!(
        "({})",
        dims.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    );
    let error = |message: String| ShapeError::new(Some(target.loc), message);
    let unknown = dims.iter().filter(|&&d| d == -1).count();
    if unknown > 1 || dims.iter().any(|&d| d == 0 || d < -1) {
        return Err(error(format!(
            "cannot reshape to {shown}: sizes are positive, with at most one `-1`"
        )));
    }
    let known: u128 = dims
        .iter()
        .filter(|&&d| d > 0)
        .map(|&d| d as u128)
        .product();
    let total = input.len() as u128;
    let mut sizes: Vec<usize> = Vec::with_capacity(dims.len());
    for &d in dims {
        let size = if d == -1 {
            if known == 0 || !total.is_multiple_of(known) {
                return Err(error(format!(
                    "cannot reshape {input} ({total} values) to {shown}: {total} is not a multiple of {known}"
                )));
            }
            total / known
        } else {
            d as u128
        };
        sizes.push(usize::try_from(size).unwrap_or(usize::MAX));
    }
    let count: u128 = sizes.iter().map(|&d| d as u128).product();
    if count != total {
        return Err(error(format!(
            "cannot reshape {input} ({total} values) to {shown} ({count} values)"
        ))
        .help("the element count must stay the same"));
    }
    let output = match sizes[..] {
        [n] => Shape::Vector(n),
        [n, c] => Shape::Steps { n, c },
        [h, w, c] => Shape::Map { h, w, c },
        _ => {
            return Err(error(format!(
                "cannot reshape to {shown}: only a flat vector `(n,)`, a sequence `(steps, channels)` or a map `(height, width, channels)` is supported"
            )))
        }
    };
    Ok(Planned::new(Op::Reshape, output))
}

fn clamp_macs(macs: u128) -> Result<u64, ShapeError> {
    u64::try_from(macs)
        .ok()
        .filter(|m| *m <= u64::MAX / 1024)
        .ok_or_else(|| {
            ShapeError::new(
                None,
                format!("it needs {macs} multiply-adds per image, too many to count"),
            )
        })
}

/// The feature map a spatial layer needs; an error on a flat vector.
fn feature_map(
    input: Shape,
    class: Class,
    help: Option<&str>,
) -> Result<(usize, usize, usize), ShapeError> {
    match input {
        Shape::Map { h, w, c } => Ok((h, w, c)),
        Shape::Vector(n) => Err(ShapeError::new(
            None,
            format!("{class} needs a feature map (height x width x channels), but receives a flat vector of {n} values"),
        )
        .help(help.unwrap_or(
            "`Flatten`, `Dense` after `Flatten` and global pooling make vectors: put convolution and pooling layers before them",
        ))),
        Shape::Steps { n, c } => Err(ShapeError::new(
            None,
            format!("{class} needs a feature map (height x width x channels), but receives a sequence of {n} steps of {c} channels"),
        )
        .help("sequences are read by `Conv1D`, `MaxPooling1D`, `AveragePooling1D` and the 1-D global poolings")),
    }
}

/// Output size and (before, after) padding of a sliding window along one axis,
/// exactly as TensorFlow computes it; `None` when a `valid` window does not fit.
pub fn window(
    input: usize,
    k: usize,
    stride: usize,
    padding: Padding,
) -> Option<(usize, usize, usize)> {
    match padding {
        Padding::Valid => (input >= k).then(|| ((input - k) / stride + 1, 0, 0)),
        Padding::Same => {
            let out = input.div_ceil(stride);
            let span = (out as u128 - 1) * stride as u128 + k as u128;
            let pad = usize::try_from(span.saturating_sub(input as u128)).ok()?;
            Some((out, pad / 2, pad - pad / 2))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// FLOPs that do not fit a u64 are an error, not an overflow.
    #[test]
    fn totals_beyond_u64_are_reported() {
        let layer = PlannedLayer {
            name: "dense".into(),
            class: Class::Dense,
            op: Op::Flatten,
            inputs: Vec::new(),
            input: Shape::Vector(1),
            output: Shape::Vector(1),
            params: 0,
            non_trainable: 0,
            macs: u64::MAX / 1024,
            loc: Loc::default(),
            scope: None,
        };
        let mut diags = Diagnostics::new();
        check_totals(&vec![layer; 600], Loc::default(), &mut diags);
        let messages: Vec<&str> = diags.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(messages.len(), 1);
        assert!(
            messages[0].contains("too many to count in a u64"),
            "{messages:?}"
        );
    }

    #[test]
    fn window_matches_tensorflow() {
        assert_eq!(window(28, 3, 1, Padding::Valid), Some((26, 0, 0)));
        assert_eq!(window(26, 2, 2, Padding::Valid), Some((13, 0, 0)));
        assert_eq!(window(11, 2, 2, Padding::Valid), Some((5, 0, 0)));
        assert_eq!(window(1, 3, 1, Padding::Valid), None);
        // features_a: 30 rows, kernel 5, stride 2, same → 15, pad top 1 bottom 2.
        assert_eq!(window(30, 5, 2, Padding::Same), Some((15, 1, 2)));
        // mixed_same: AvgPool(3, strides 2, same) on 26 → 13, pad 0/1.
        assert_eq!(window(26, 3, 2, Padding::Same), Some((13, 0, 1)));
        // features_b: AvgPool(3, strides=2, same) on 8 → 4, pad 0/1.
        assert_eq!(window(8, 3, 2, Padding::Same), Some((4, 0, 1)));
        assert_eq!(window(1, 1, 4, Padding::Same), Some((1, 0, 0)));
    }
}
