//! The checked model: every layer with its resolved options, input and output
//! shapes, parameter and multiply-accumulate counts. Code generation and the
//! summary read only this.

use crate::diag::Loc;
use crate::spec::{Activation, Class, Pair, PoolOp, Spanned};
use proc_macro2::{Ident, TokenStream};
use std::fmt;

/// A tensor shape without the batch axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// A feature map, channels last.
    Map { h: usize, w: usize, c: usize },
    /// A flat vector.
    Vector(usize),
}

impl Shape {
    /// The number of values.
    pub fn len(&self) -> usize {
        match *self {
            Shape::Map { h, w, c } => h * w * c,
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
}

#[derive(Clone, Debug)]
pub struct PlannedLayer {
    /// Keras' name: automatic (`conv2d_1`) or given with `name = "..."`.
    pub name: String,
    pub class: Class,
    pub op: Op,
    pub input: Shape,
    pub output: Shape,
    /// Keras' parameter count.
    pub params: u64,
    /// Multiply-accumulates per image.
    pub macs: u64,
    pub loc: Loc,
}

impl PlannedLayer {
    /// `(name, shape)` of each weight tensor, in Keras' layouts.
    pub fn tensors(&self) -> Vec<(String, Vec<usize>)> {
        let mut tensors = Vec::new();
        let (kernel, bias) = match (&self.op, self.input) {
            (
                &Op::Conv2D {
                    filters,
                    kernel,
                    use_bias,
                    ..
                },
                Shape::Map { c, .. },
            ) => (
                vec![kernel.h, kernel.w, c, filters],
                use_bias.then_some(filters),
            ),
            (
                &Op::Dense {
                    units, use_bias, ..
                },
                input,
            ) => {
                let fan_in = match input {
                    Shape::Map { c, .. } => c,
                    Shape::Vector(n) => n,
                };
                (vec![fan_in, units], use_bias.then_some(units))
            }
            _ => return tensors,
        };
        tensors.push((format!("{}.kernel", self.name), kernel));
        if let Some(n) = bias {
            tensors.push((format!("{}.bias", self.name), vec![n]));
        }
        tensors
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
    pub layers: Vec<PlannedLayer>,
    pub weights: Option<Spanned<String>>,
}

impl Plan {
    pub fn output(&self) -> Shape {
        self.layers.last().map_or(self.input, |l| l.output)
    }

    pub fn params(&self) -> u64 {
        self.layers.iter().map(|l| l.params).sum()
    }

    pub fn macs(&self) -> u64 {
        self.layers.iter().map(|l| l.macs).sum()
    }

    /// Floating-point operations per image, counted as 2 per multiply-accumulate
    /// (the convention of Keras' fixtures and most papers).
    pub fn flops(&self) -> u64 {
        2 * self.macs()
    }
}
