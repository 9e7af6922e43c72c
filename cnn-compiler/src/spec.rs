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
    /// The name `summary()` prints: Keras' model name, from a Keras
    /// front-end; else the type's name in snake_case, as Keras names models.
    pub model_name: Option<String>,
    /// `input(H, W, C)`, or `input(N)` for a flat vector.
    pub input: Option<Spanned<Vec<usize>>>,
    /// The input's name (Keras' `InputLayer`), if given.
    pub input_name: Option<String>,
    /// Written as a graph (Keras' functional API) rather than a layer list:
    /// the summary then shows the `InputLayer` and, when there are branches,
    /// the `Connected to` column.
    pub functional: bool,
    /// The model's outputs, in order, when they are not the last layer's
    /// (empty: the last layer's output is the model's one output).
    pub outputs: Vec<Spanned<Ref>>,
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
    /// The tensors the layer reads, in order; `None` for the previous layer's
    /// output (the model input for the first layer).
    pub inputs: Option<Vec<Spanned<Ref>>>,
    /// The layer's identifier (`Conv2D`), where shape errors about the layer point.
    pub loc: Loc,
    /// The model this layer belongs to when that model is a layer of this
    /// one (`None` for the model's own layers).
    pub scope: Option<Scope>,
}

/// A model used as a layer of another (ConvNeXt's stem is a `Sequential`
/// called inside a functional model): its layers run as the outer model's
/// layers, Keras' summary shows it as one row, and their weights are named
/// as Keras' variable paths: `{model}.{layer}.{variable}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    /// The nested model's name (`convnext_tiny_stem`).
    pub name: String,
    /// Its class as Keras' summary prints it (`Sequential`).
    pub class: &'static str,
}

/// A tensor a layer reads, as a front-end names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ref {
    /// The model's input.
    Input,
    /// The output of the layer at this index of [`ModelSpec::layers`].
    Layer(usize),
    /// The output of the layer (or the input) with this Keras name.
    Name(String),
}

/// Keras' layer classes that the DSL supports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    Conv2D,
    Conv2DTranspose,
    Conv1D,
    MaxPooling1D,
    AveragePooling1D,
    GlobalMaxPooling1D,
    GlobalAveragePooling1D,
    MaxPooling2D,
    AveragePooling2D,
    GlobalMaxPooling2D,
    GlobalAveragePooling2D,
    Flatten,
    Dense,
    Dropout,
    SpatialDropout2D,
    AlphaDropout,
    GaussianDropout,
    GaussianNoise,
    ActivityRegularization,
    ReLU,
    LeakyReLU,
    Softmax,
    Activation,
    BatchNormalization,
    DepthwiseConv2D,
    SeparableConv2D,
    ZeroPadding2D,
    Cropping2D,
    UpSampling2D,
    Rescaling,
    Normalization,
    LayerNormalization,
    /// ConvNeXt's per-channel scale (a Keras-internal layer).
    LayerScale,
    Reshape,
    Add,
    Multiply,
    Concatenate,
    /// InceptionResNetV2's `inputs[0] + inputs[1] * scale`.
    CustomScaleLayer,
    /// Keras 3's arithmetic on a tensor and a number (`x + 3.0`, `x / 6`,
    /// `2 - x`), which `model.to_json()` writes as op nodes: Keras' class
    /// names `Add`, `Subtract`, `Multiply`, `TrueDivide`.
    AddConstant,
    SubtractConstant,
    MultiplyConstant,
    TrueDivideConstant,
    /// An activation function called on a tensor (`keras.ops.gelu(x)`).
    Op(OpActivation),
    /// One input of a model with several: its part of the caller's inputs
    /// struct. Not written in the DSL (not in [`Class::ALL`]).
    InputLayer,
}

/// Keras 3's activation functions called on a tensor (`keras.ops.gelu(x,
/// approximate=True)`), which `model.to_json()` writes as op nodes of
/// `keras.src.ops.nn` (`keras.src.ops.numpy` for `Tanh` and `Exp`) and the
/// summary lists under their class names; the DSL writes them the same way
/// (`Gelu(approximate = true)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpActivation {
    Relu,
    Relu6,
    Sigmoid,
    Silu,
    Gelu,
    Elu,
    Selu,
    Softplus,
    Softsign,
    HardSigmoid,
    HardSilu,
    LeakyRelu,
    LogSoftmax,
    LogSigmoid,
    Celu,
    HardTanh,
    HardShrink,
    SoftShrink,
    TanhShrink,
    Squareplus,
    SparsePlus,
    SparseSigmoid,
    Tanh,
    Exp,
}

impl OpActivation {
    pub const ALL: [OpActivation; 24] = [
        OpActivation::Relu,
        OpActivation::Relu6,
        OpActivation::Sigmoid,
        OpActivation::Silu,
        OpActivation::Gelu,
        OpActivation::Elu,
        OpActivation::Selu,
        OpActivation::Softplus,
        OpActivation::Softsign,
        OpActivation::HardSigmoid,
        OpActivation::HardSilu,
        OpActivation::LeakyRelu,
        OpActivation::LogSoftmax,
        OpActivation::LogSigmoid,
        OpActivation::Celu,
        OpActivation::HardTanh,
        OpActivation::HardShrink,
        OpActivation::SoftShrink,
        OpActivation::TanhShrink,
        OpActivation::Squareplus,
        OpActivation::SparsePlus,
        OpActivation::SparseSigmoid,
        OpActivation::Tanh,
        OpActivation::Exp,
    ];

    /// Keras' class name, which is also the DSL's.
    pub fn keras_name(self) -> &'static str {
        self.names()[0]
    }

    fn names(self) -> &'static [&'static str] {
        match self {
            OpActivation::Relu => &["Relu"],
            OpActivation::Relu6 => &["Relu6"],
            OpActivation::Sigmoid => &["Sigmoid"],
            OpActivation::Silu => &["Silu"],
            OpActivation::Gelu => &["Gelu"],
            OpActivation::Elu => &["Elu"],
            OpActivation::Selu => &["Selu"],
            OpActivation::Softplus => &["Softplus"],
            OpActivation::Softsign => &["Softsign"],
            OpActivation::HardSigmoid => &["HardSigmoid"],
            OpActivation::HardSilu => &["HardSilu"],
            OpActivation::LeakyRelu => &["LeakyRelu"],
            OpActivation::LogSoftmax => &["LogSoftmax"],
            OpActivation::LogSigmoid => &["LogSigmoid"],
            OpActivation::Celu => &["Celu"],
            OpActivation::HardTanh => &["HardTanh"],
            OpActivation::HardShrink => &["HardShrink"],
            OpActivation::SoftShrink => &["SoftShrink"],
            OpActivation::TanhShrink => &["TanhShrink"],
            OpActivation::Squareplus => &["Squareplus"],
            OpActivation::SparsePlus => &["SparsePlus"],
            OpActivation::SparseSigmoid => &["SparseSigmoid"],
            OpActivation::Tanh => &["Tanh"],
            OpActivation::Exp => &["Exp"],
        }
    }
}

impl Class {
    pub const ALL: [Class; 42 + OpActivation::ALL.len()] = {
        let layers = Class::LAYERS;
        let mut all = [Class::Conv2D; 42 + OpActivation::ALL.len()];
        let mut i = 0;
        while i < all.len() {
            all[i] = if i < layers.len() {
                layers[i]
            } else {
                Class::Op(OpActivation::ALL[i - layers.len()])
            };
            i += 1;
        }
        all
    };

    /// Every class but the activation ops.
    const LAYERS: [Class; 42] = [
        Class::Conv2D,
        Class::Conv2DTranspose,
        Class::Conv1D,
        Class::MaxPooling1D,
        Class::AveragePooling1D,
        Class::GlobalMaxPooling1D,
        Class::GlobalAveragePooling1D,
        Class::MaxPooling2D,
        Class::AveragePooling2D,
        Class::GlobalMaxPooling2D,
        Class::GlobalAveragePooling2D,
        Class::Flatten,
        Class::Dense,
        Class::Dropout,
        Class::SpatialDropout2D,
        Class::AlphaDropout,
        Class::GaussianDropout,
        Class::GaussianNoise,
        Class::ActivityRegularization,
        Class::ReLU,
        Class::LeakyReLU,
        Class::Softmax,
        Class::Activation,
        Class::BatchNormalization,
        Class::DepthwiseConv2D,
        Class::SeparableConv2D,
        Class::ZeroPadding2D,
        Class::Cropping2D,
        Class::UpSampling2D,
        Class::Rescaling,
        Class::Normalization,
        Class::LayerNormalization,
        Class::LayerScale,
        Class::Reshape,
        Class::Add,
        Class::Multiply,
        Class::Concatenate,
        Class::CustomScaleLayer,
        Class::AddConstant,
        Class::SubtractConstant,
        Class::MultiplyConstant,
        Class::TrueDivideConstant,
    ];

    /// Keras' class name, as `model.summary()` prints it.
    pub fn keras_name(self) -> &'static str {
        match self {
            Class::Conv2D => "Conv2D",
            Class::Conv2DTranspose => "Conv2DTranspose",
            Class::Conv1D => "Conv1D",
            Class::MaxPooling1D => "MaxPooling1D",
            Class::AveragePooling1D => "AveragePooling1D",
            Class::GlobalMaxPooling1D => "GlobalMaxPooling1D",
            Class::GlobalAveragePooling1D => "GlobalAveragePooling1D",
            Class::MaxPooling2D => "MaxPooling2D",
            Class::AveragePooling2D => "AveragePooling2D",
            Class::GlobalMaxPooling2D => "GlobalMaxPooling2D",
            Class::GlobalAveragePooling2D => "GlobalAveragePooling2D",
            Class::Flatten => "Flatten",
            Class::Dense => "Dense",
            Class::Dropout => "Dropout",
            Class::SpatialDropout2D => "SpatialDropout2D",
            Class::AlphaDropout => "AlphaDropout",
            Class::GaussianDropout => "GaussianDropout",
            Class::GaussianNoise => "GaussianNoise",
            Class::ActivityRegularization => "ActivityRegularization",
            Class::ReLU => "ReLU",
            Class::LeakyReLU => "LeakyReLU",
            Class::Softmax => "Softmax",
            Class::Activation => "Activation",
            Class::BatchNormalization => "BatchNormalization",
            Class::DepthwiseConv2D => "DepthwiseConv2D",
            Class::SeparableConv2D => "SeparableConv2D",
            Class::ZeroPadding2D => "ZeroPadding2D",
            Class::Cropping2D => "Cropping2D",
            Class::UpSampling2D => "UpSampling2D",
            Class::Rescaling => "Rescaling",
            Class::Normalization => "Normalization",
            Class::LayerNormalization => "LayerNormalization",
            Class::LayerScale => "LayerScale",
            Class::Reshape => "Reshape",
            Class::Add => "Add",
            Class::Multiply | Class::MultiplyConstant => "Multiply",
            Class::AddConstant => "Add",
            Class::SubtractConstant => "Subtract",
            Class::TrueDivideConstant => "TrueDivide",
            Class::Concatenate => "Concatenate",
            Class::CustomScaleLayer => "CustomScaleLayer",
            Class::Op(op) => op.keras_name(),
            Class::InputLayer => "InputLayer",
        }
    }

    /// The names the DSL accepts for this class: the short form first, then Keras'.
    pub fn dsl_names(self) -> &'static [&'static str] {
        match self {
            Class::Conv2D => &["Conv2D", "Convolution2D"],
            Class::Conv2DTranspose => &["Conv2DTranspose", "Convolution2DTranspose"],
            Class::Conv1D => &["Conv1D", "Convolution1D"],
            Class::MaxPooling1D => &["MaxPool1D", "MaxPooling1D"],
            Class::AveragePooling1D => &["AvgPool1D", "AveragePooling1D"],
            Class::GlobalMaxPooling1D => &["GlobalMaxPool1D", "GlobalMaxPooling1D"],
            Class::GlobalAveragePooling1D => &["GlobalAvgPool1D", "GlobalAveragePooling1D"],
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
            Class::SpatialDropout2D => &["SpatialDropout2D"],
            Class::AlphaDropout => &["AlphaDropout"],
            Class::GaussianDropout => &["GaussianDropout"],
            Class::GaussianNoise => &["GaussianNoise"],
            Class::ActivityRegularization => &["ActivityRegularization"],
            Class::ReLU => &["ReLU"],
            Class::LeakyReLU => &["LeakyReLU"],
            Class::Softmax => &["Softmax"],
            Class::Activation => &["Activation"],
            Class::BatchNormalization => &["BatchNorm", "BatchNormalization"],
            Class::DepthwiseConv2D => &["DepthwiseConv2D"],
            Class::SeparableConv2D => &["SeparableConv2D", "SeparableConvolution2D"],
            Class::ZeroPadding2D => &["ZeroPadding2D"],
            Class::Cropping2D => &["Cropping2D"],
            Class::UpSampling2D => &["UpSampling2D"],
            Class::Rescaling => &["Rescaling"],
            Class::Normalization => &["Normalization"],
            Class::LayerNormalization => &["LayerNorm", "LayerNormalization"],
            Class::LayerScale => &["LayerScale"],
            Class::Reshape => &["Reshape"],
            Class::Add => &["Add"],
            Class::Multiply => &["Multiply"],
            Class::AddConstant => &["AddConstant"],
            Class::SubtractConstant => &["SubtractConstant"],
            Class::MultiplyConstant => &["MultiplyConstant"],
            Class::TrueDivideConstant => &["TrueDivideConstant"],
            Class::Concatenate => &["Concatenate"],
            Class::CustomScaleLayer => &["CustomScaleLayer"],
            Class::Op(op) => op.names(),
            Class::InputLayer => &["InputLayer"],
        }
    }

    pub fn from_dsl_name(name: &str) -> Option<Class> {
        Class::ALL
            .into_iter()
            .find(|class| class.dsl_names().contains(&name))
    }

    /// Merge layers read two or more tensors; every other layer reads one.
    pub fn is_merge(self) -> bool {
        matches!(
            self,
            Class::Add | Class::Multiply | Class::Concatenate | Class::CustomScaleLayer
        )
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
    /// One input of several: `shape`, at `offset` values into the inputs.
    InputPart {
        offset: usize,
        shape: Vec<usize>,
    },
    Conv2DTranspose(Conv2DTransposeSpec),
    /// Keras' Conv1D over a sequence `(steps, channels)`.
    Conv1D(Conv1DSpec),
    /// MaxPooling1D and AveragePooling1D; `strides` defaults to the pool size.
    Pool1D {
        op: PoolOp,
        pool: Spanned<usize>,
        strides: Option<Spanned<usize>>,
        padding: Padding,
    },
    /// GlobalMaxPooling1D and GlobalAveragePooling1D: over the steps.
    GlobalPool1D {
        op: PoolOp,
        keepdims: bool,
    },
    Conv2D(Conv2DSpec),
    Pool(PoolSpec),
    /// With Keras' `keepdims`, the output is a 1x1 map rather than a vector.
    GlobalPool {
        op: PoolOp,
        keepdims: bool,
    },
    Flatten,
    Dense(DenseSpec),
    /// Dropout and the other layers that only act in training (noise,
    /// activity regularization): the identity at inference.
    Dropout {
        rate: f32,
    },
    /// `ReLU`, `LeakyReLU`, `Softmax` and `Activation(..)`: the function alone.
    Activation(Activation),
    BatchNorm(BatchNormSpec),
    DepthwiseConv2D(DepthwiseSpec),
    SeparableConv2D(SeparableSpec),
    /// Rows (top, bottom) and columns (left, right) of zeros.
    ZeroPadding2D {
        top: usize,
        bottom: usize,
        left: usize,
        right: usize,
    },
    /// Each pixel repeated `size.h` times down and `size.w` across
    /// (nearest-neighbour interpolation), or the map resized bilinearly.
    UpSampling2D {
        size: Spanned<Pair>,
        bilinear: bool,
    },
    /// Rows (top, bottom) and columns (left, right) cut off.
    Cropping2D {
        top: usize,
        bottom: usize,
        left: usize,
        right: usize,
    },
    /// Keras' Normalization: `(x - mean) / max(sqrt(variance), 1e-7)`, or
    /// with `invert`, `mean + x * max(sqrt(variance), 1e-7)`; `mean` and
    /// `variance` given (one value, or one per channel), or `None`: adapted
    /// to data and held as weights (`mean`, `variance`, `count`).
    Normalization {
        axis: Spanned<i64>,
        statistics: Option<(Vec<f32>, Vec<f32>)>,
        invert: bool,
    },
    /// Keras' LayerNormalization over the channels (the last axis).
    LayerNorm {
        axis: Spanned<i64>,
        epsilon: f32,
        center: bool,
        scale: bool,
        /// Keras' deprecated option: scale by the inverse standard deviation
        /// and `gamma` without centering.
        rms_scaling: bool,
    },
    /// `x * gamma`, one weight per channel; `projection_dim` is the number
    /// of channels.
    LayerScale {
        projection_dim: Spanned<usize>,
    },
    /// `x * scale + offset`.
    Rescaling {
        scale: f32,
        offset: f32,
    },
    /// The target shape, `-1` for the one size to infer.
    Reshape(Spanned<Vec<i64>>),
    Add,
    /// Element-wise product, with Keras' (NumPy's) broadcasting: each size
    /// of each operand is the output's or 1 (a squeeze-and-excite block's
    /// `(H, W, C) x (1, 1, C)`).
    /// InceptionResNetV2's `inputs[0] + inputs[1] * scale`.
    CustomScale {
        scale: f32,
    },
    Multiply,
    /// A tensor and a number: `x op constant`, or `constant op x` when
    /// `constant_first` (Keras' `2 - x`).
    Constant {
        op: ConstantOp,
        constant: f32,
        constant_first: bool,
    },
    /// The same with a constant tensor (Keras 3's `x - mean`, a NumPy array):
    /// its values, row-major, and its sizes (each 1 or the input's, aligned
    /// from the last).
    ConstantTensor {
        op: ConstantOp,
        values: Vec<f32>,
        dims: Vec<usize>,
        constant_first: bool,
    },
    /// The axis as written (only the last one is supported; checked later).
    Concatenate {
        axis: Spanned<i64>,
    },
}

#[derive(Clone, Debug)]
pub struct BatchNormSpec {
    pub epsilon: f32,
    /// With `beta` (Keras' `center`).
    pub center: bool,
    /// With `gamma` (Keras' `scale`).
    pub scale: bool,
    /// Keras' `axis`: only the last one (`-1`) is supported.
    pub axis: Spanned<i64>,
}

#[derive(Clone, Debug)]
pub struct DepthwiseSpec {
    pub kernel: Spanned<Pair>,
    pub strides: Spanned<Pair>,
    pub padding: Padding,
    pub dilation: Spanned<Pair>,
    pub multiplier: Spanned<usize>,
    pub use_bias: bool,
    pub activation: Activation,
}

#[derive(Clone, Debug)]
pub struct SeparableSpec {
    pub filters: Spanned<usize>,
    /// The depthwise step (its `use_bias` is the layer's one bias, applied
    /// after the pointwise step).
    pub depthwise: DepthwiseSpec,
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
    /// Channel groups, each convolved on its own (Keras' `groups`, 1 by default).
    pub groups: Spanned<usize>,
}

/// Keras' Conv1D: `causal` padding pads only the start, `(kernel - 1) *
/// dilation` steps, so that no output sees a later step.
#[derive(Clone, Debug)]
pub struct Conv1DSpec {
    pub filters: Spanned<usize>,
    pub kernel: Spanned<usize>,
    pub strides: Spanned<usize>,
    pub padding: Padding,
    pub causal: bool,
    pub dilation: Spanned<usize>,
    pub use_bias: bool,
    pub activation: Activation,
}

/// Keras' Conv2DTranspose: `output_padding` (rows, columns added at the
/// bottom and right, each below the stride) when given.
#[derive(Clone, Debug)]
pub struct Conv2DTransposeSpec {
    pub filters: Spanned<usize>,
    pub kernel: Spanned<Pair>,
    pub strides: Spanned<Pair>,
    pub padding: Padding,
    pub output_padding: Option<Spanned<Pair>>,
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

/// The arithmetic of [`LayerKind::Constant`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConstantOp {
    Add,
    Subtract,
    Multiply,
    TrueDivide,
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
    /// `x - log(sum(e^x))` over the last axis, as softmax.
    LogSoftmax,
    /// `x` for `x >= 0`, else `slope * x`.
    LeakyRelu(f32),
    /// alpha = 1.
    Elu,
    /// The exact erf form (Keras' default), not the tanh approximation.
    Gelu,
    /// The tanh approximation (`keras.ops.gelu`'s default).
    GeluTanh,
    /// `x * sigmoid(x)`, also called silu.
    Swish,
    /// Keras 3's: `relu6(x + 3) / 6`.
    HardSigmoid,
    /// `x * hard_sigmoid(x)`, also called hard_swish.
    HardSilu,
    /// `x * tanh(softplus(x))`.
    Mish,
    /// `log(1 + e^x)`.
    Softplus,
    /// `x / (1 + |x|)`.
    Softsign,
    /// The scaled ELU of self-normalizing networks.
    Selu,
    /// `e^x`.
    Exponential,
    /// `x` clipped to [-1, 1].
    HardTanh,
    /// `x - tanh(x)`.
    TanhShrink,
    /// `log(sigmoid(x))`.
    LogSigmoid,
    /// `max(x, 0) + expm1(min(x, 0))` (alpha 1).
    Celu,
    /// `x - 0.5` above 0.5, `x + 0.5` below -0.5, else 0.
    SoftShrink,
    /// `x` where `|x| > 0.5`, else 0.
    HardShrink,
    /// `(x + sqrt(x^2 + 4)) / 2`.
    Squareplus,
    /// 0 to -1, `(x + 1)^2 / 4` to 1, then `x`.
    SparsePlus,
    /// 0 to -1, `(x + 1) / 2` to 1, then 1.
    SparseSigmoid,
    /// The `ReLU` layer with options: see `cnn_runtime::activation::ReluWith`.
    ReluWith {
        max_value: Option<f32>,
        negative_slope: f32,
        threshold: f32,
    },
}

impl Activation {
    /// Computed over whole vectors of the last axis (softmax, log_softmax),
    /// not value by value: no kernel fuses it.
    pub fn per_vector(self) -> bool {
        matches!(self, Activation::Softmax | Activation::LogSoftmax)
    }
}

/// The `leaky_relu` activation argument's slope; the `LeakyReLU` layer's default differs.
pub const LEAKY_RELU_ACTIVATION_SLOPE: f32 = 0.2;
/// The `LeakyReLU` layer's default `negative_slope`.
pub const LEAKY_RELU_LAYER_SLOPE: f32 = 0.3;

impl Activation {
    /// The names accepted for activations, as identifiers or strings.
    pub const NAMES: [&'static str; 30] = [
        "linear",
        "relu",
        "relu6",
        "sigmoid",
        "tanh",
        "softmax",
        "log_softmax",
        "leaky_relu",
        "elu",
        "gelu",
        "swish",
        "silu",
        "hard_sigmoid",
        "hard_silu",
        "hard_swish",
        "mish",
        "softplus",
        "softsign",
        "selu",
        "exponential",
        "hard_tanh",
        "tanh_shrink",
        "log_sigmoid",
        "celu",
        "soft_shrink",
        "hard_shrink",
        "squareplus",
        "sparse_plus",
        "sparse_sigmoid",
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
            "log_softmax" => Activation::LogSoftmax,
            "leaky_relu" => Activation::LeakyRelu(LEAKY_RELU_ACTIVATION_SLOPE),
            "elu" => Activation::Elu,
            "gelu" => Activation::Gelu,
            "swish" | "silu" => Activation::Swish,
            "hard_sigmoid" => Activation::HardSigmoid,
            "hard_silu" | "hard_swish" => Activation::HardSilu,
            "mish" => Activation::Mish,
            "softplus" => Activation::Softplus,
            "softsign" => Activation::Softsign,
            "selu" => Activation::Selu,
            "exponential" => Activation::Exponential,
            "hard_tanh" => Activation::HardTanh,
            "tanh_shrink" => Activation::TanhShrink,
            "log_sigmoid" => Activation::LogSigmoid,
            "celu" => Activation::Celu,
            "soft_shrink" => Activation::SoftShrink,
            "hard_shrink" => Activation::HardShrink,
            "squareplus" => Activation::Squareplus,
            "sparse_plus" => Activation::SparsePlus,
            "sparse_sigmoid" => Activation::SparseSigmoid,
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
            Activation::LogSoftmax => f.write_str("log_softmax"),
            Activation::GeluTanh => f.write_str("gelu(approximate = true)"),
            Activation::LeakyRelu(slope) => write!(f, "leaky_relu({slope})"),
            Activation::Elu => f.write_str("elu"),
            Activation::Gelu => f.write_str("gelu"),
            Activation::Swish => f.write_str("swish"),
            Activation::HardSigmoid => f.write_str("hard_sigmoid"),
            Activation::HardSilu => f.write_str("hard_silu"),
            Activation::Mish => f.write_str("mish"),
            Activation::Softplus => f.write_str("softplus"),
            Activation::Softsign => f.write_str("softsign"),
            Activation::Selu => f.write_str("selu"),
            Activation::Exponential => f.write_str("exponential"),
            Activation::HardTanh => f.write_str("hard_tanh"),
            Activation::TanhShrink => f.write_str("tanh_shrink"),
            Activation::LogSigmoid => f.write_str("log_sigmoid"),
            Activation::Celu => f.write_str("celu"),
            Activation::SoftShrink => f.write_str("soft_shrink"),
            Activation::HardShrink => f.write_str("hard_shrink"),
            Activation::Squareplus => f.write_str("squareplus"),
            Activation::SparsePlus => f.write_str("sparse_plus"),
            Activation::SparseSigmoid => f.write_str("sparse_sigmoid"),
            Activation::ReluWith {
                max_value,
                negative_slope,
                threshold,
            } => {
                write!(f, "relu(")?;
                if let Some(max) = max_value {
                    write!(f, "max_value = {max}, ")?;
                }
                write!(
                    f,
                    "negative_slope = {negative_slope}, threshold = {threshold})"
                )
            }
        }
    }
}
