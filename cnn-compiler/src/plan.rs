//! The checked model: every layer with its resolved options, input and output
//! shapes, parameter and multiply-accumulate counts. Code generation and the
//! summary read only this.

use crate::diag::Loc;
use crate::spec::{Activation, Class, Pair, PoolOp, Scope, Spanned};
use proc_macro2::{Ident, TokenStream};
use std::fmt;

/// A tensor shape without the batch axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// A feature map, channels last.
    Map { h: usize, w: usize, c: usize },
    /// A flat vector.
    Vector(usize),
    /// A sequence of `n` steps of `c` channels (Keras' `(steps, channels)`,
    /// what Conv1D reads). Kernels see it as a map of one row.
    Steps { n: usize, c: usize },
}

impl Shape {
    /// The number of values.
    pub fn len(&self) -> usize {
        match *self {
            Shape::Map { h, w, c } => h * w * c,
            Shape::Vector(n) => n,
            Shape::Steps { n, c } => n * c,
        }
    }

    /// As the 2-D kernels see it: a sequence is a map of one row.
    pub fn as_map(self) -> Shape {
        match self {
            Shape::Steps { n, c } => Shape::Map { h: 1, w: n, c },
            other => other,
        }
    }

    /// The number of channels (the last axis).
    pub fn channels(&self) -> usize {
        match *self {
            Shape::Map { c, .. } | Shape::Steps { c, .. } => c,
            Shape::Vector(n) => n,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn dims(&self) -> Vec<usize> {
        match *self {
            Shape::Map { h, w, c } => vec![h, w, c],
            Shape::Vector(n) => vec![n],
            Shape::Steps { n, c } => vec![n, c],
        }
    }

    /// As Keras prints it: `(None, 26, 26, 32)`.
    pub fn keras(&self) -> String {
        let dims: Vec<String> = self.dims().iter().map(ToString::to_string).collect();
        format!("(None, {})", dims.join(", "))
    }
}

/// `26x26x32`, or `800` for a vector.
impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shape::Map { h, w, c } => write!(f, "{h}x{w}x{c}"),
            Shape::Vector(n) => write!(f, "{n}"),
            Shape::Steps { n, c } => write!(f, "{n}x{c}"),
        }
    }
}

/// Zero padding on each side, as TensorFlow computes it for `same`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pad {
    pub top: usize,
    pub bottom: usize,
    pub left: usize,
    pub right: usize,
}

/// A layer's operation with every default and padding resolved.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    Conv2D {
        filters: usize,
        kernel: Pair,
        strides: Pair,
        dilation: Pair,
        pad: Pad,
        use_bias: bool,
        activation: Activation,
    },
    /// Input pixel `y` through kernel row `i` lands on output row
    /// `y * strides.h + i * dilation.h - pad.top` (rows outside dropped).
    Conv2DTranspose {
        filters: usize,
        kernel: Pair,
        strides: Pair,
        dilation: Pair,
        pad: Pad,
        use_bias: bool,
        activation: Activation,
    },
    /// One input of a model with several: the caller's values from `offset`
    /// (in the inputs struct), copied to the arena.
    InputPart {
        offset: usize,
    },
    /// Conv2D with `groups` of several channels each: filter `f` reads the
    /// group `f / (filters / groups)`.
    GroupedConv2D {
        groups: usize,
        filters: usize,
        kernel: Pair,
        strides: Pair,
        dilation: Pair,
        pad: Pad,
        use_bias: bool,
        activation: Activation,
    },
    Pool {
        op: PoolOp,
        pool: Pair,
        strides: Pair,
        pad: Pad,
    },
    GlobalPool(PoolOp),
    Flatten,
    /// On a feature map, applied to the last axis (as Keras does).
    Dense {
        units: usize,
        use_bias: bool,
        activation: Activation,
    },
    Dropout {
        rate: f32,
    },
    Activation(Activation),
    /// Per channel (the last axis), with Keras' defaults resolved.
    BatchNorm {
        epsilon: f32,
        center: bool,
        scale: bool,
    },
    DepthwiseConv2D {
        multiplier: usize,
        kernel: Pair,
        strides: Pair,
        dilation: Pair,
        pad: Pad,
        use_bias: bool,
        activation: Activation,
        /// A Conv2D with one input channel per group: its kernel is stored
        /// as Conv2D's `(kh, kw, 1, c * multiplier)`, the same values in the
        /// same order as the depthwise `(kh, kw, c, multiplier)`.
        conv2d_kernel: bool,
    },
    /// Depthwise (no bias, linear), then a 1x1 convolution to `filters` with
    /// the bias and the activation.
    SeparableConv2D {
        filters: usize,
        multiplier: usize,
        kernel: Pair,
        strides: Pair,
        dilation: Pair,
        pad: Pad,
        use_bias: bool,
        activation: Activation,
    },
    ZeroPadding2D(Pad),
    /// Rows and columns cut off each side.
    Cropping2D(Pad),
    /// Nearest-neighbour: each pixel `size.h` times down, `size.w` across;
    /// or bilinear, as TensorFlow's `resize` (half-pixel centers).
    UpSampling2D {
        size: Pair,
        bilinear: bool,
    },
    Rescaling {
        scale: f32,
        offset: f32,
    },
    /// Per channel: `(x - mean) / std`, or `mean + x * std` when `invert`
    /// (`std` is Keras' `max(sqrt(variance), 1e-7)`).
    Normalization {
        mean: Vec<f32>,
        std: Vec<f32>,
        invert: bool,
    },
    /// Per pixel over the channels: `x * inv + (beta - mean * inv)`, `inv =
    /// gamma / sqrt(variance + epsilon)` (`scale` and `center` resolved:
    /// with `rms_scaling` there is no `beta` and no centering).
    LayerNorm {
        epsilon: f32,
        center: bool,
        scale: bool,
        rms_scaling: bool,
    },
    /// `x * gamma`, per channel.
    LayerScale,
    /// [`Op::Normalization`] with the statistics adapted to data, held as
    /// weights: `mean`, `variance` and Keras' `count` (unused at inference).
    AdaptedNormalization {
        invert: bool,
    },
    /// Row-major: the same values seen with another shape.
    Reshape,
    /// Element-wise sum of the inputs, in order.
    Add,
    /// `inputs[0] + inputs[1] * scale`.
    CustomScale {
        scale: f32,
    },
    /// Element-wise product of the inputs, in order, broadcast to the
    /// output's shape.
    Multiply,
    /// `x op constant`, or `constant op x`.
    Constant {
        op: crate::spec::ConstantOp,
        constant: f32,
        constant_first: bool,
    },
    /// `x op c` (or `c op x`) with `c` a constant tensor of `dims` (as
    /// height, width, channels; each 1 or the input's), broadcast.
    ConstantTensor {
        op: crate::spec::ConstantOp,
        values: Vec<f32>,
        dims: [usize; 3],
        constant_first: bool,
    },
    /// On the channel (last) axis, in input order.
    Concatenate,
}

impl Op {
    /// How the op uses memory: its output is its input seen otherwise
    /// (`Alias`), may overwrite its input (`Elementwise`), or is written to
    /// a region of its own (`Compute`).
    pub fn memory(&self) -> OpMemory {
        match self {
            Op::Flatten | Op::Dropout { .. } | Op::Reshape => OpMemory::Alias,
            Op::Activation(_)
            | Op::BatchNorm { .. }
            | Op::Rescaling { .. }
            | Op::Normalization { .. }
            | Op::AdaptedNormalization { .. }
            | Op::LayerNorm { .. }
            | Op::LayerScale
            | Op::ConstantTensor { .. }
            | Op::Constant { .. } => OpMemory::Elementwise,
            _ => OpMemory::Compute,
        }
    }
}

/// See [`Op::memory`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpMemory {
    Alias,
    Elementwise,
    Compute,
}

/// A tensor a layer reads: the model input (`tensor` 0) or the output of
/// `plan.layers[tensor - 1]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Operand {
    pub tensor: usize,
    pub shape: Shape,
}

/// One weight tensor of a layer's parameter block, in the block's field
/// order. An absent slot (a bias with `use_bias = false`, BatchNorm's `gamma`
/// with `scale = false`) still has its field, left at zero, and is not in
/// the weights file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamSlot {
    /// Keras' name: `{layer}.{variable}`.
    pub name: String,
    /// The variable's name alone (`kernel`, `moving_mean`, ...).
    pub variable: &'static str,
    pub shape: Vec<usize>,
    pub present: bool,
}

#[derive(Clone, Debug)]
pub struct PlannedLayer {
    /// Keras' name: automatic (`conv2d_1`) or given with `name = "..."`.
    pub name: String,
    pub class: Class,
    pub op: Op,
    /// The tensors read, in order (one, or several for a merge).
    pub inputs: Vec<Operand>,
    /// The first input's shape.
    pub input: Shape,
    pub output: Shape,
    /// Keras' parameter count (trainable and not).
    pub params: u64,
    /// Of those, the non-trainable ones (BatchNorm's moving statistics).
    pub non_trainable: u64,
    /// Multiply-accumulates per image.
    pub macs: u64,
    pub loc: Loc,
    /// The nested model the layer belongs to, if any.
    pub scope: Option<Scope>,
}

impl PlannedLayer {
    /// The parameter block's weight tensors in field order, present or not.
    pub fn param_slots(&self) -> Vec<ParamSlot> {
        let c_in = self.input.channels();
        // Keras' variable path: a nested model's layers are under its name.
        let layer = match &self.scope {
            Some(scope) => format!("{}.{}", scope.name, self.name),
            None => self.name.clone(),
        };
        let slot = |variable: &'static str, shape: Vec<usize>, present: bool| ParamSlot {
            name: format!("{layer}.{variable}"),
            variable,
            shape,
            present,
        };
        match self.op {
            // Conv1D runs as a one-row Conv2D; Keras keeps its kernel as
            // `(kernel, c_in, filters)`, the same values in the same order.
            Op::Conv2D {
                filters,
                kernel,
                use_bias,
                ..
            } if self.class == Class::Conv1D => vec![
                slot("kernel", vec![kernel.w, c_in, filters], true),
                slot("bias", vec![filters], use_bias),
            ],
            Op::Conv2D {
                filters,
                kernel,
                use_bias,
                ..
            } => vec![
                slot("kernel", vec![kernel.h, kernel.w, c_in, filters], true),
                slot("bias", vec![filters], use_bias),
            ],
            Op::Conv2DTranspose {
                filters,
                kernel,
                use_bias,
                ..
            } => vec![
                slot("kernel", vec![kernel.h, kernel.w, filters, c_in], true),
                slot("bias", vec![filters], use_bias),
            ],
            Op::GroupedConv2D {
                groups,
                filters,
                kernel,
                use_bias,
                ..
            } => vec![
                slot(
                    "kernel",
                    vec![kernel.h, kernel.w, c_in / groups, filters],
                    true,
                ),
                slot("bias", vec![filters], use_bias),
            ],
            Op::Dense {
                units, use_bias, ..
            } => vec![
                slot("kernel", vec![c_in, units], true),
                slot("bias", vec![units], use_bias),
            ],
            Op::DepthwiseConv2D {
                multiplier,
                kernel,
                use_bias,
                conv2d_kernel,
                ..
            } => {
                let shape = if conv2d_kernel {
                    vec![kernel.h, kernel.w, 1, c_in * multiplier]
                } else {
                    vec![kernel.h, kernel.w, c_in, multiplier]
                };
                vec![
                    slot("kernel", shape, true),
                    slot("bias", vec![c_in * multiplier], use_bias),
                ]
            }
            Op::SeparableConv2D {
                filters,
                multiplier,
                kernel,
                use_bias,
                ..
            } => vec![
                slot(
                    "depthwise_kernel",
                    vec![kernel.h, kernel.w, c_in, multiplier],
                    true,
                ),
                slot(
                    "pointwise_kernel",
                    vec![1, 1, c_in * multiplier, filters],
                    true,
                ),
                slot("bias", vec![filters], use_bias),
            ],
            Op::BatchNorm { center, scale, .. } => vec![
                slot("gamma", vec![c_in], scale),
                slot("beta", vec![c_in], center),
                slot("moving_mean", vec![c_in], true),
                slot("moving_variance", vec![c_in], true),
            ],
            Op::LayerNorm { center, scale, .. } => vec![
                slot("gamma", vec![c_in], scale),
                slot("beta", vec![c_in], center),
            ],
            Op::LayerScale => vec![slot("gamma", vec![c_in], true)],
            Op::AdaptedNormalization { .. } => vec![
                slot("mean", vec![c_in], true),
                slot("variance", vec![c_in], true),
                // A scalar: one value.
                slot("count", Vec::new(), true),
            ],
            _ => Vec::new(),
        }
    }

    /// Values of the intermediate result the layer needs for itself:
    /// SeparableConv2D's depthwise output.
    pub fn temp_len(&self) -> Option<usize> {
        match (&self.op, self.input, self.output) {
            (
                &Op::SeparableConv2D { multiplier, .. },
                Shape::Map { c, .. },
                Shape::Map { h, w, .. },
            ) => Some(h * w * c * multiplier),
            _ => None,
        }
    }

    /// `(name, shape)` of each weight tensor, in Keras' layouts.
    pub fn tensors(&self) -> Vec<(String, Vec<usize>)> {
        self.param_slots()
            .into_iter()
            .filter(|s| s.present)
            .map(|s| (s.name, s.shape))
            .collect()
    }
}

/// A model whose every shape has been checked.
#[derive(Clone, Debug)]
pub struct Plan {
    pub attrs: TokenStream,
    pub vis: TokenStream,
    pub ident: Ident,
    /// The name `summary()` prints: the type's name in snake_case, as Keras names models.
    pub model_name: String,
    pub input: Shape,
    /// The input's Keras name (its `InputLayer`).
    pub input_name: String,
    /// A functional model: the summary lists the `InputLayer`.
    pub functional: bool,
    /// In Keras' order (for a graph: by depth from the output, as Keras lists
    /// a functional model's layers), which is an order they can run in.
    pub layers: Vec<PlannedLayer>,
    /// The tensors the model returns (see [`Operand`]), in Keras' order of
    /// its outputs: one, or several.
    pub outputs: Vec<usize>,
    pub weights: Option<Spanned<String>>,
}

impl Plan {
    /// The output's shape; with several outputs, a vector of all their
    /// values one after the other (the bytes of the generated outputs
    /// struct).
    pub fn output(&self) -> Shape {
        match self.outputs.as_slice() {
            [t] => self.tensor_shape(*t),
            ts => Shape::Vector(ts.iter().map(|&t| self.tensor_shape(t).len()).sum()),
        }
    }

    /// Whether the model returns several tensors (a struct of them).
    pub fn several_outputs(&self) -> bool {
        self.outputs.len() > 1
    }

    /// A model with several inputs: each input's layer (an `InputLayer`
    /// reading its part of the caller's inputs struct), in the struct's
    /// order; empty for a model with one input.
    pub fn input_parts(&self) -> Vec<&PlannedLayer> {
        let mut parts: Vec<&PlannedLayer> = self
            .layers
            .iter()
            .filter(|l| matches!(l.op, Op::InputPart { .. }))
            .collect();
        parts.sort_by_key(|l| match l.op {
            Op::InputPart { offset } => offset,
            _ => 0,
        });
        parts
    }

    /// The shape of tensor `t`: 0 is the input, `i + 1` the output of layer `i`.
    pub fn tensor_shape(&self, t: usize) -> Shape {
        match t {
            0 => self.input,
            t => self.layers[t - 1].output,
        }
    }

    /// The name `Connected to` prints for tensor `t`: a nested model's
    /// output is the model's.
    pub fn tensor_name(&self, t: usize) -> &str {
        match t {
            0 => &self.input_name,
            t => match &self.layers[t - 1].scope {
                Some(scope) => &scope.name,
                None => &self.layers[t - 1].name,
            },
        }
    }

    /// Keras prints a model as a plain list (three columns) when every layer
    /// reads one tensor and is read by at most one: Keras' `sequential_like`,
    /// a nested model counting as one layer.
    pub fn sequential_like(&self) -> bool {
        let node = crate::graph::scope_nodes(&self.layers);
        // Per node, the tensors from other nodes it reads.
        let mut reads: Vec<Vec<usize>> = vec![Vec::new(); self.layers.len() + 1];
        for (i, layer) in self.layers.iter().enumerate() {
            for operand in &layer.inputs {
                let (from, to) = (node[operand.tensor], node[i + 1]);
                // A nested model reads a tensor once however many of its
                // layers read it; a layer reads each operand it is given.
                let again = layer.scope.is_some() && reads[to].contains(&from);
                if from != to && !again {
                    reads[to].push(from);
                }
            }
        }
        let mut readers = vec![0usize; self.layers.len() + 1];
        for (t, read) in reads.iter().enumerate() {
            if node[t] == t && t > 0 && read.len() != 1 {
                return false;
            }
            for &from in read {
                readers[from] += 1;
            }
        }
        readers.iter().all(|&n| n <= 1)
    }

    /// The tensors a nested model's layers (those of the run of layers from
    /// `first`, of one scope) read from outside it, in order: what Keras'
    /// summary shows it connected to.
    pub fn scope_inputs(&self, first: usize, run: usize) -> Vec<usize> {
        let inside = first + 1..=first + run;
        let mut outside = Vec::new();
        for layer in &self.layers[first..first + run] {
            for operand in &layer.inputs {
                if !inside.contains(&operand.tensor) && !outside.contains(&operand.tensor) {
                    outside.push(operand.tensor);
                }
            }
        }
        outside
    }

    pub fn params(&self) -> u64 {
        self.layers.iter().map(|l| l.params).sum()
    }

    pub fn non_trainable_params(&self) -> u64 {
        self.layers.iter().map(|l| l.non_trainable).sum()
    }

    /// Of the non-trainable parameters, those Keras keeps as int64 (an
    /// adapted Normalization's `count`): its summary counts 8 bytes for each.
    pub fn int64_params(&self) -> u64 {
        let counts = self
            .layers
            .iter()
            .filter(|l| matches!(l.op, Op::AdaptedNormalization { .. }));
        counts.count() as u64
    }

    /// Multiply-accumulates per image (the checker has made sure they fit).
    pub fn macs(&self) -> u64 {
        self.layers
            .iter()
            .fold(0u64, |sum, l| sum.saturating_add(l.macs))
    }

    /// Floating-point operations per image, counted as 2 per multiply-accumulate
    /// (the convention of Keras' fixtures and most papers).
    pub fn flops(&self) -> u64 {
        self.macs().saturating_mul(2)
    }
}
