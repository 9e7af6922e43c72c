//! Validation of a whole [`ModelSpec`]: names, then Keras' shape inference layer
//! by layer. Produces a [`Plan`], or diagnostics that point at the culprit with
//! the shape that reached it and the chain of shapes before it.

use crate::diag::{Diagnostic, Diagnostics, Loc};
use crate::names::to_snake_case;
use crate::plan::{Op, Pad, Plan, PlannedLayer, Shape};
use crate::spec::{Class, LayerKind, LayerSpec, ModelSpec, Padding, Pair, Spanned};
use proc_macro2::{Ident, Span};
use std::collections::HashMap;

/// The largest tensor (feature map or weight) a model may hold, in values.
pub const MAX_ELEMENTS: u128 = 1 << 32;

/// Checks `spec`; `None` if anything was reported (here or by the front-end).
pub fn check(spec: ModelSpec, diags: &mut Diagnostics) -> Option<Plan> {
    let names = layer_names(&spec.layers, diags);
    let input = check_presence(&spec, diags);
    let layers = match input {
        Some(input) => infer_shapes(input, &spec.layers, &names, diags),
        None => Vec::new(),
    };
    if !diags.is_empty() {
        return None;
    }
    let ident = spec
        .ident
        .unwrap_or_else(|| Ident::new("Model", Span::call_site()));
    Some(Plan {
        attrs: spec.attrs,
        vis: spec.vis,
        model_name: to_snake_case(&ident.to_string()),
        ident,
        input: input?,
        layers,
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
        (
            Some(Spanned {
                value: [h, w, c],
                loc,
            }),
            Some(_),
        ) => {
            if (*h as u128) * (*w as u128) * (*c as u128) > MAX_ELEMENTS {
                diags.error(
                    *loc,
                    format!("the input {h}x{w}x{c} is too large (more than {MAX_ELEMENTS} values)"),
                );
                return None;
            }
            Some(Shape::Map {
                h: *h,
                w: *w,
                c: *c,
            })
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
    let mut first_use: HashMap<&str, usize> = HashMap::new();
    for (i, name) in names.iter().enumerate() {
        if name.is_empty() {
            continue;
        }
        if let Some(&first) = first_use.get(name.as_str()) {
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
            first_use.insert(name, i);
        }
    }
    names
}

/// Runs shape inference until the end, an unparsed layer or the first shape error.
fn infer_shapes(
    input: Shape,
    layers: &[LayerSpec],
    names: &[String],
    diags: &mut Diagnostics,
) -> Vec<PlannedLayer> {
    let mut planned: Vec<PlannedLayer> = Vec::with_capacity(layers.len());
    let mut shape = input;
    for (layer, name) in layers.iter().zip(names) {
        let (Some(kind), Some(class)) = (&layer.kind, layer.class) else {
            break; // already reported by the front-end
        };
        match infer_layer(kind, class, shape) {
            Ok((op, output, params, macs)) => {
                planned.push(PlannedLayer {
                    name: name.clone(),
                    class,
                    op,
                    input: shape,
                    output,
                    params,
                    macs,
                    loc: layer.loc,
                });
                shape = output;
            }
            Err(error) => {
                let loc = error.loc.unwrap_or(layer.loc);
                let mut d = Diagnostic::new(loc, format!("`{name}`: {}", error.message));
                d = d.note(format!("shapes: {}", chain(input, &planned, name, shape)));
                if let Some(help) = error.help {
                    d = d.help(help);
                }
                d.layer = Some(planned.len());
                diags.push(d);
                break;
            }
        }
    }
    planned
}

/// `28x28x1 → conv2d 26x26x32 → ... → max_pooling2d_2 (receives 1x1x32)`.
fn chain(input: Shape, planned: &[PlannedLayer], culprit: &str, reaching: Shape) -> String {
    let mut out = input.to_string();
    for layer in planned {
        out.push_str(&format!(" → {} {}", layer.name, layer.output));
    }
    out.push_str(&format!(" → {culprit} receives {reaching}"));
    out
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
}

type Step = Result<(Op, Shape, u64, u64), ShapeError>;

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

fn infer_layer(kind: &LayerKind, class: Class, input: Shape) -> Step {
    match kind {
        LayerKind::Conv2D(conv) => {
            let (h, w, c) = feature_map(input, class, None)?;
            let k = conv.kernel.value;
            let d = conv.dilation.value;
            let dilated = |k: usize, d: usize| {
                let span = k as u128 + (k as u128 - 1) * (d as u128 - 1);
                usize::try_from(span)
                    .ok()
                    .filter(|&s| s as u128 <= MAX_ELEMENTS)
            };
            let (Some(eh), Some(ew)) = (dilated(k.h, d.h), dilated(k.w, d.w)) else {
                return Err(ShapeError::new(
                    Some(conv.dilation.loc),
                    format!("kernel {k} with dilation {d} spans more than {MAX_ELEMENTS} cells"),
                ));
            };
            let effective = Pair { h: eh, w: ew };
            let s = conv.strides.value;
            let Some(((oh, top, bottom), (ow, left, right))) = window(
                h,
                effective.h,
                s.h,
                conv.padding,
            )
            .zip(window(w, effective.w, s.w, conv.padding)) else {
                let spans = if effective == k {
                    String::new()
                } else {
                    format!(" (with dilation {d} it spans {effective})")
                };
                return Err(ShapeError::new(
                    Some(conv.kernel.loc),
                    format!("kernel {k}{spans} needs an input of at least {effective}, but receives {input}"),
                )
                .help("use `padding = same`, a smaller kernel, or fewer pooling layers before it"));
            };
            let f = conv.filters.value;
            let weights = elements(&[k.h, k.w, c, f], "kernel")?;
            let output = Shape::Map { h: oh, w: ow, c: f };
            elements(&[oh, ow, f], "output")?;
            let bias = if conv.use_bias { f as u64 } else { 0 };
            let macs = (oh as u128) * (ow as u128) * (weights as u128);
            let op = Op::Conv2D {
                filters: f,
                kernel: k,
                strides: s,
                dilation: d,
                pad: Pad {
                    top,
                    bottom,
                    left,
                    right,
                },
                use_bias: conv.use_bias,
                activation: conv.activation,
            };
            Ok((op, output, weights + bias, clamp_macs(macs)?))
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
            Ok((op, Shape::Map { h: oh, w: ow, c }, 0, 0))
        }
        LayerKind::GlobalPool(op) => {
            let help = "remove the `Flatten` before it: global pooling itself reduces each channel to one value";
            let (_, _, c) = feature_map(input, class, Some(help))?;
            Ok((Op::GlobalPool(*op), Shape::Vector(c), 0, 0))
        }
        LayerKind::Flatten => Ok((Op::Flatten, Shape::Vector(input.len()), 0, 0)),
        LayerKind::Dense(dense) => {
            let units = dense.units.value;
            let (fan_in, output, positions) = match input {
                Shape::Vector(n) => (n, Shape::Vector(units), 1),
                // Keras applies Dense to the last axis of a feature map.
                Shape::Map { h, w, c } => (c, Shape::Map { h, w, c: units }, h * w),
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
            Ok((op, output, weights + bias, clamp_macs(macs)?))
        }
        LayerKind::Dropout { rate } => Ok((Op::Dropout { rate: *rate }, input, 0, 0)),
        LayerKind::Activation(f) => Ok((Op::Activation(*f), input, 0, 0)),
    }
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
