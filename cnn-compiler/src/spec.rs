//! The model as the user wrote it, front-end independent: plain data with the
//! location of every value a check may need to point at.

use crate::diag::Loc;
use proc_macro2::{Ident, TokenStream};
use std::fmt;

/// A value and where it was written.
#[derive(Clone, Debug)]
pub struct Spanned<T> {
    pub value: T,
    pub loc: Loc,
}

impl<T> Spanned<T> {
    pub fn new(value: T, loc: Loc) -> Self {
        Spanned { value, loc }
    }
}

/// A whole model description.
#[derive(Clone, Debug)]
pub struct ModelSpec {
    /// Attributes (doc comments included) for the generated type.
    pub attrs: TokenStream,
    /// Visibility of the generated type.
    pub vis: TokenStream,
    /// `struct Name;`, if given; the type is then called `Name`, else `Model`.
    pub ident: Option<Ident>,
    /// `input(H, W, C)`.
    pub input: Option<Spanned<[usize; 3]>>,
    /// An `input(...)` was written but was invalid (and reported): not "missing".
    pub input_invalid: bool,
    /// `weights = "path"`.
    pub weights: Option<Spanned<String>>,
    pub layers: Vec<LayerSpec>,
    /// The whole description, for errors about something missing.
    pub loc: Loc,
}

/// One layer. `class` is `None` for an unknown layer and `kind` is `None` when
/// its arguments did not parse; both were reported, and shape checking stops there.
#[derive(Clone, Debug)]
pub struct LayerSpec {
    pub class: Option<Class>,
    pub kind: Option<LayerKind>,
    /// `name = "..."`, if given.
    pub name: Option<Spanned<String>>,
    /// The layer's identifier (`Conv2D`), where shape errors about the layer point.
    pub loc: Loc,
}

/// Keras' layer classes that the DSL supports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    Conv2D,
    MaxPooling2D,
    AveragePooling2D,
    GlobalMaxPooling2D,
    GlobalAveragePooling2D,
    Flatten,
    Dense,
    Dropout,
    ReLU,
    LeakyReLU,
    Softmax,
    Activation,
}

impl Class {
    pub const ALL: [Class; 12] = [
        Class::Conv2D,
        Class::MaxPooling2D,
        Class::AveragePooling2D,
        Class::GlobalMaxPooling2D,
        Class::GlobalAveragePooling2D,
        Class::Flatten,
        Class::Dense,
        Class::Dropout,
        Class::ReLU,
        Class::LeakyReLU,
        Class::Softmax,
        Class::Activation,
    ];

    /// Keras' class name, as `model.summary()` prints it.
    pub fn keras_name(self) -> &'static str {
        match self {
            Class::Conv2D => "Conv2D",
            Class::MaxPooling2D => "MaxPooling2D",
            Class::AveragePooling2D => "AveragePooling2D",
            Class::GlobalMaxPooling2D => "GlobalMaxPooling2D",
            Class::GlobalAveragePooling2D => "GlobalAveragePooling2D",
            Class::Flatten => "Flatten",
            Class::Dense => "Dense",
            Class::Dropout => "Dropout",
            Class::ReLU => "ReLU",
            Class::LeakyReLU => "LeakyReLU",
            Class::Softmax => "Softmax",
            Class::Activation => "Activation",
        }
    }

    /// The names the DSL accepts for this class: the short form first, then Keras'.
    pub fn dsl_names(self) -> &'static [&'static str] {
        match self {
            Class::Conv2D => &["Conv2D", "Convolution2D"],
            Class::MaxPooling2D => &["MaxPool", "MaxPool2D", "MaxPooling2D"],
            Class::AveragePooling2D => &["AvgPool", "AvgPool2D", "AveragePooling2D"],
            Class::GlobalMaxPooling2D => {
                &["GlobalMaxPool", "GlobalMaxPool2D", "GlobalMaxPooling2D"]
            }
            Class::GlobalAveragePooling2D => {
                &["GlobalAvgPool", "GlobalAvgPool2D", "GlobalAveragePooling2D"]
            }
            Class::Flatten => &["Flatten"],
            Class::Dense => &["Dense"],
            Class::Dropout => &["Dropout"],
            Class::ReLU => &["ReLU"],
            Class::LeakyReLU => &["LeakyReLU"],
            Class::Softmax => &["Softmax"],
            Class::Activation => &["Activation"],
        }
    }

    pub fn from_dsl_name(name: &str) -> Option<Class> {
        Class::ALL
            .into_iter()
            .find(|class| class.dsl_names().contains(&name))
    }

    /// The prefix of Keras' automatic layer names (`conv2d`, `max_pooling2d`, ...).
    pub fn auto_name_prefix(self) -> String {
        crate::names::to_snake_case(self.keras_name())
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keras_name())
    }
}

/// A layer's arguments, validated one by one (shapes are checked later).
#[derive(Clone, Debug)]
pub enum LayerKind {
    Conv2D(Conv2DSpec),
    Pool(PoolSpec),
    GlobalPool(PoolOp),
    Flatten,
    Dense(DenseSpec),
    Dropout {
        rate: f32,
    },
    /// `ReLU`, `LeakyReLU`, `Softmax` and `Activation(..)`: the function alone.
    Activation(Activation),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pair {
    pub h: usize,
    pub w: usize,
}

impl Pair {
    pub fn square(n: usize) -> Self {
        Pair { h: n, w: n }
    }
}

impl fmt::Display for Pair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}x{}", self.h, self.w)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Padding {
    Valid,
    Same,
}

impl fmt::Display for Padding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Padding::Valid => "valid",
            Padding::Same => "same",
        })
    }
}

#[derive(Clone, Debug)]
pub struct Conv2DSpec {
    pub filters: Spanned<usize>,
    pub kernel: Spanned<Pair>,
    pub strides: Spanned<Pair>,
    pub padding: Padding,
    pub dilation: Spanned<Pair>,
    pub use_bias: bool,
    pub activation: Activation,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolOp {
    Max,
    Avg,
}

#[derive(Clone, Debug)]
pub struct PoolSpec {
    pub op: PoolOp,
    pub pool: Spanned<Pair>,
    /// Keras' default is the pool size.
    pub strides: Option<Spanned<Pair>>,
    pub padding: Padding,
}

#[derive(Clone, Debug)]
pub struct DenseSpec {
    pub units: Spanned<usize>,
    pub use_bias: bool,
    pub activation: Activation,
}

/// Element-wise (or, for softmax, per-vector) functions, with Keras' definitions.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Activation {
    Linear,
    Relu,
    Relu6,
    Sigmoid,
    Tanh,
    /// Over the last axis: per pixel over channels on a feature map.
    Softmax,
    /// `x` for `x >= 0`, else `slope * x`.
    LeakyRelu(f32),
    /// alpha = 1.
    Elu,
    /// The exact erf form (Keras' default), not the tanh approximation.
    Gelu,
    /// `x * sigmoid(x)`, also called silu.
    Swish,
}

/// The `leaky_relu` activation argument's slope; the `LeakyReLU` layer's default differs.
pub const LEAKY_RELU_ACTIVATION_SLOPE: f32 = 0.2;
/// The `LeakyReLU` layer's default `negative_slope`.
pub const LEAKY_RELU_LAYER_SLOPE: f32 = 0.3;

impl Activation {
    /// The names accepted for activations, as identifiers or strings.
    pub const NAMES: [&'static str; 12] = [
        "linear",
        "relu",
        "relu6",
        "sigmoid",
        "tanh",
        "softmax",
        "leaky_relu",
        "elu",
        "gelu",
        "swish",
        "silu",
        "None",
    ];

    pub fn from_name(name: &str) -> Option<Activation> {
        Some(match name {
            "linear" | "None" => Activation::Linear,
            "relu" => Activation::Relu,
            "relu6" => Activation::Relu6,
            "sigmoid" => Activation::Sigmoid,
            "tanh" => Activation::Tanh,
            "softmax" => Activation::Softmax,
            "leaky_relu" => Activation::LeakyRelu(LEAKY_RELU_ACTIVATION_SLOPE),
            "elu" => Activation::Elu,
            "gelu" => Activation::Gelu,
            "swish" | "silu" => Activation::Swish,
            _ => return None,
        })
    }
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Activation::Linear => f.write_str("linear"),
            Activation::Relu => f.write_str("relu"),
            Activation::Relu6 => f.write_str("relu6"),
            Activation::Sigmoid => f.write_str("sigmoid"),
            Activation::Tanh => f.write_str("tanh"),
            Activation::Softmax => f.write_str("softmax"),
            Activation::LeakyRelu(slope) => write!(f, "leaky_relu({slope})"),
            Activation::Elu => f.write_str("elu"),
            Activation::Gelu => f.write_str("gelu"),
            Activation::Swish => f.write_str("swish"),
        }
    }
}
