//! From a read `.tflite` model to the steps generated code runs: each
//! operator checked (shapes, element types, quantization, options) and every
//! constant its kernel needs computed here, once: requantization multipliers
//! and shifts, biases with the input zero point folded in, activation clamps.
//! An operator or option the compiler cannot run exactly is an error naming
//! the operator, its index and its tensors; never a wrong answer.

use super::fold::fold_shape_arithmetic;
use super::quant::{quantize_multiplier, softmax_input_radius};

mod elementwise;
pub mod float;
mod spatial;
mod unary;

use super::read::{DType, Fused, Op, Options, Padding, Tensor, TfliteModel};
pub use float::FloatKernel;

/// How an i32 accumulator becomes an int8 output.
#[derive(Clone, Debug, PartialEq)]
pub struct Requant {
    pub multiplier: Vec<i32>,
    pub shift: Vec<i32>,
    pub zero_point: i32,
    pub min: i32,
    pub max: i32,
}

/// A convolution or pooling window's geometry (batch 1, NHWC).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub input: [usize; 3],
    pub output: [usize; 3],
    pub kernel: [usize; 2],
    pub stride: [usize; 2],
    pub dilation: [usize; 2],
    /// Top and left padding (bottom and right follow from the sizes).
    pub pad: [usize; 2],
}

/// What one step computes, with every constant its kernel reads.
#[derive(Clone, Debug, PartialEq)]
pub enum Kernel {
    Conv {
        window: Window,
        input_zero_point: i32,
        /// OHWI, as in the file.
        weights: Vec<i8>,
        /// `bias - zp_in * Σ w`, per output channel.
        bias: Vec<i32>,
        requant: Requant,
    },
    Depthwise {
        window: Window,
        multiplier: usize,
        input_zero_point: i32,
        /// 1HWC, as in the file.
        weights: Vec<i8>,
        bias: Vec<i32>,
        requant: Requant,
    },
    FullyConnected {
        /// (out, in), as in the file.
        weights: Vec<i8>,
        bias: Vec<i32>,
        requant: Requant,
    },
    MaxPool {
        window: Window,
        min: i32,
        max: i32,
    },
    AveragePool {
        window: Window,
        min: i32,
        max: i32,
    },
    /// `ADD` or `SUB`.
    Add(AddParams),
    Mul(MulParams),
    Greater(CompareParams),
    /// `SELECT_V2`: bytes chosen by a boolean operand.
    Select,
    Pad(PadParams),
    /// `CONCATENATION` on the last axis of `outer` runs.
    Concat {
        outer: usize,
    },
    Mean(MeanParams),
    /// `REDUCE_MAX` over the spatial axes.
    ReduceMax {
        channels: usize,
    },
    Softmax {
        depth: usize,
        input_multiplier: i32,
        input_left_shift: i32,
        diff_min: i32,
    },
    /// The same bytes under another shape.
    Reshape,
    /// An element-wise operator of one int8 value, as a table of its 256
    /// results (`table[x as u8]`).
    Lookup {
        table: Vec<i8>,
    },
    /// `QUANTIZE` from float32.
    Quantize {
        scale: f32,
        zero_point: i32,
    },
    /// `DEQUANTIZE` to float32.
    Dequantize {
        scale: f32,
        zero_point: i32,
    },
    /// A float32 operator (a float32 `.tflite` file).
    Float(FloatKernel),
}

impl Kernel {
    /// A view of its input under another shape: no memory, no work.
    pub fn is_view(&self) -> bool {
        matches!(self, Kernel::Reshape | Kernel::Float(FloatKernel::Reshape))
    }
}

/// The constants of an int8 `ADD` or `SUB` (the runtime's `AddParams`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddParams {
    pub input_offset: [i32; 2],
    pub input_multiplier: [i32; 2],
    pub input_shift: [i32; 2],
    pub left_shift: u32,
    pub output_multiplier: i32,
    pub output_shift: i32,
    pub output_zero_point: i32,
    pub min: i32,
    pub max: i32,
    pub subtract: bool,
}

/// The constants of an int8 `MUL`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MulParams {
    pub input_offset: [i32; 2],
    pub output_multiplier: i32,
    pub output_shift: i32,
    pub output_zero_point: i32,
    pub min: i32,
    pub max: i32,
}

/// The constants of an int8 comparison.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompareParams {
    pub input_offset: [i32; 2],
    pub input_multiplier: [i32; 2],
    pub input_shift: [i32; 2],
    pub left_shift: u32,
}

/// `PAD` of a `[h, w, c]` map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PadParams {
    pub input: [usize; 3],
    pub before: [usize; 3],
    pub after: [usize; 3],
    pub value: i8,
}

/// `MEAN` over the spatial axes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MeanParams {
    pub pixels: usize,
    pub channels: usize,
    pub input_zero_point: i32,
    pub multiplier: i32,
    pub shift: i32,
    pub output_zero_point: i32,
}

/// An operand of an element-wise operator: a tensor computed at run time,
/// or a constant embedded in the model (its bytes; broadcast along the last
/// axes).
#[derive(Clone, Debug, PartialEq)]
pub enum Operand {
    Tensor(usize),
    Constant(Vec<i8>),
}

/// One operator of the file, ready to generate.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// The operator's index in the file and its name (`CONV_2D`).
    pub op_index: usize,
    pub op: String,
    /// The activation tensors it reads, in order.
    pub inputs: Vec<usize>,
    /// Every operand, constants included (what element-wise kernels read).
    pub operands: Vec<Operand>,
    pub output: usize,
    /// The fused activation, as the file names it (`RELU`), if any.
    pub fused: Option<&'static str>,
    pub kernel: Kernel,
}

/// A whole int8 model.
#[derive(Clone, Debug)]
pub struct Program {
    pub tensors: Vec<Tensor>,
    pub input: usize,
    pub output: usize,
    pub steps: Vec<Step>,
    /// Shape operators evaluated at compile time and dropped.
    pub folded: usize,
    /// A float32 model (else int8).
    pub float: bool,
}

impl Program {
    /// A tensor's shape without the batch dimension of 1.
    pub fn shape(&self, t: usize) -> &[usize] {
        let shape = &self.tensors[t].shape;
        match shape.split_first() {
            Some((1, rest)) if !rest.is_empty() => rest,
            _ => shape,
        }
    }

    /// The number of weights (constant elements the steps read).
    pub fn params(&self) -> usize {
        self.steps
            .iter()
            .map(|s| match &s.kernel {
                Kernel::Conv { weights, bias, .. }
                | Kernel::Depthwise { weights, bias, .. }
                | Kernel::FullyConnected { weights, bias, .. } => weights.len() + bias.len(),
                Kernel::Float(
                    FloatKernel::Conv { weights, bias, .. }
                    | FloatKernel::Depthwise { weights, bias, .. }
                    | FloatKernel::Dense { weights, bias, .. },
                ) => weights.len() + bias.as_ref().map_or(0, Vec::len),
                _ => 0,
            })
            .sum()
    }

    /// Bytes of the weights as the file stores them: int8 weights and int32
    /// biases, or float32 values.
    pub fn weight_bytes(&self) -> usize {
        if self.float {
            return 4 * self.params();
        }
        self.steps
            .iter()
            .map(|s| match &s.kernel {
                Kernel::Conv { weights, bias, .. }
                | Kernel::Depthwise { weights, bias, .. }
                | Kernel::FullyConnected { weights, bias, .. } => weights.len() + 4 * bias.len(),
                _ => 0,
            })
            .sum()
    }

    /// Multiply-accumulates of one inference in the convolutions and fully
    /// connected layers (what int8 hardware peaks are counted in).
    pub fn macs(&self) -> usize {
        self.steps
            .iter()
            .map(|s| match &s.kernel {
                Kernel::Conv { window: w, .. } => {
                    let [oh, ow, oc] = w.output;
                    oh * ow * oc * w.kernel[0] * w.kernel[1] * w.input[2]
                }
                Kernel::Depthwise { window: w, .. } => {
                    let [oh, ow, oc] = w.output;
                    oh * ow * oc * w.kernel[0] * w.kernel[1]
                }
                Kernel::FullyConnected { weights, .. } => weights.len(),
                _ => 0,
            })
            .sum()
    }

    /// Bytes of a tensor's values.
    pub fn bytes(&self, t: usize) -> usize {
        let tensor = &self.tensors[t];
        tensor.len() * tensor.dtype.size().unwrap_or(1)
    }
}

/// Everything wrong with a model, one message each.
pub type Errors = Vec<String>;

/// Lowers an int8 model; every problem found is reported.
pub fn lower(mut model: TfliteModel) -> Result<Program, Errors> {
    let mut errors = Errors::new();
    let (input, output) = match (model.inputs.as_slice(), model.outputs.as_slice()) {
        ([i], [o]) => (*i, *o),
        (i, o) => {
            return Err(vec![format!(
                "the model has {} inputs and {} outputs; one of each is supported",
                i.len(),
                o.len()
            )])
        }
    };
    let remaining = fold_shape_arithmetic(&mut model);
    let folded = model.ops.len() - remaining.len();
    let float = model.tensors[input].dtype == DType::F32;
    for &t in &[input, output] {
        let tensor = &model.tensors[t];
        let what = if t == input { "input" } else { "output" };
        if float && tensor.dtype != DType::F32 {
            errors.push(format!(
                "the model's input is float32 but its {what} `{}` is {}: give both the same type",
                tensor.name, tensor.dtype
            ));
        } else if !float && tensor.dtype != DType::I8 {
            errors.push(format!(
                "the model's {what} `{}` is {}: this compiler runs float32 models and int8 models \
                 (full-integer, or with float32 input and output)",
                tensor.name, tensor.dtype
            ));
        } else if !float && tensor.single_quant().is_none() {
            errors.push(format!(
                "the model's tensor `{}` has no per-tensor quantization",
                tensor.name
            ));
        }
        if tensor.shape.first() != Some(&1) {
            errors.push(format!(
                "the model's tensor `{}` has shape {:?}: the batch (first) dimension must be 1",
                tensor.name, tensor.shape
            ));
        }
    }
    let mut steps = Vec::new();
    for i in remaining {
        let op = &model.ops[i];
        // Each operator computes in its operands' type; QUANTIZE and
        // DEQUANTIZE join the two (an int8 model with float32 input or output).
        let computes_float = op
            .inputs
            .iter()
            .flatten()
            .chain(&op.outputs)
            .any(|&t| model.tensors[t].dtype == DType::F32);
        let lowered = if op.outputs.len() != 1 {
            Err(format!(
                "has {} outputs; one is supported",
                op.outputs.len()
            ))
        } else if computes_float && op.kind != "QUANTIZE" && op.kind != "DEQUANTIZE" {
            float::lower_op(&model, op)
        } else {
            lower_op(&model, op)
        };
        match lowered {
            Ok(kernel) => steps.push(Step {
                op_index: i,
                op: op.kind.clone(),
                inputs: activation_inputs(&model, op),
                operands: operands(&model, op),
                output: op.outputs[0],
                fused: fused_name(&op.options),
                kernel,
            }),
            Err(message) => {
                errors.push(format!("operator {i} {}: {message}", describe(&model, op)))
            }
        }
    }
    if errors.is_empty() {
        Ok(Program {
            tensors: model.tensors,
            input,
            output,
            steps,
            folded,
            float,
        })
    } else {
        Err(errors)
    }
}

/// The name of an operator's fused activation, if it has one.
fn fused_name(options: &Options) -> Option<&'static str> {
    let fused = match options {
        Options::Conv { fused, .. }
        | Options::Depthwise { fused, .. }
        | Options::FullyConnected { fused, .. }
        | Options::Pool { fused, .. }
        | Options::Arithmetic { fused }
        | Options::Concat { fused, .. } => *fused,
        _ => Fused::None,
    };
    match fused {
        Fused::None => None,
        Fused::Relu => Some("RELU"),
        Fused::ReluN1To1 => Some("RELU_N1_TO_1"),
        Fused::Relu6 => Some("RELU6"),
        Fused::Unsupported(name) => Some(name),
    }
}

/// `CONV_2D (reads t0 `input`, t11 `conv/weights`; writes t12 `conv`)`.
fn describe(model: &TfliteModel, op: &Op) -> String {
    let name = |t: &usize| format!("t{t} `{}`", model.tensors[*t].name);
    let reads: Vec<String> = op.inputs.iter().flatten().map(name).collect();
    let writes: Vec<String> = op.outputs.iter().map(name).collect();
    format!(
        "{} (reads {}; writes {})",
        op.kind,
        reads.join(", "),
        writes.join(", ")
    )
}

/// The operands computed at run time (not constants).
fn activation_inputs(model: &TfliteModel, op: &Op) -> Vec<usize> {
    op.inputs
        .iter()
        .flatten()
        .copied()
        .filter(|&t| model.tensors[t].data.is_none())
        .collect()
}

/// Every operand of `op`: constants with their bytes.
fn operands(model: &TfliteModel, op: &Op) -> Vec<Operand> {
    op.inputs
        .iter()
        .flatten()
        .map(|&t| match &model.tensors[t].data {
            Some(bytes) => Operand::Constant(bytes.iter().map(|&b| b as i8).collect()),
            None => Operand::Tensor(t),
        })
        .collect()
}

pub(crate) type Lowered = Result<Kernel, String>;

/// An operator's operands, by position.
pub(crate) struct Operands<'m> {
    model: &'m TfliteModel,
    op: &'m Op,
}

impl<'m> Operands<'m> {
    pub(crate) fn new(model: &'m TfliteModel, op: &'m Op) -> Self {
        Operands { model, op }
    }

    /// Operand `k`, which must be there.
    pub(crate) fn get(&self, k: usize) -> Result<&'m Tensor, String> {
        self.optional(k)
            .ok_or_else(|| format!("operand {k} is missing"))
    }

    /// Operand `k`, if given (a bias may be omitted).
    pub(crate) fn optional(&self, k: usize) -> Option<&'m Tensor> {
        let t = self.op.inputs.get(k).copied().flatten()?;
        Some(&self.model.tensors[t])
    }

    /// The one output.
    pub(crate) fn output(&self) -> &'m Tensor {
        &self.model.tensors[self.op.outputs[0]]
    }
}

/// A convolution's weights, OHWI, reading the input's channels: `[o, kh, kw, i]`.
pub(crate) fn conv_weights(x: &Tensor, w: &Tensor) -> Result<[usize; 4], String> {
    let [o, kh, kw, i] = w.shape[..] else {
        return Err(format!("weights of shape {:?} are not OHWI", w.shape));
    };
    if x.shape.get(3) != Some(&i) {
        return Err(format!(
            "the weights read {i} channels, the input has shape {:?}",
            x.shape
        ));
    }
    Ok([o, kh, kw, i])
}

/// A depthwise convolution's weights, 1HWC, with a whole number of output
/// channels per input channel: `[kh, kw, out_channels, in_channels]`.
pub(crate) fn depthwise_weights(x: &Tensor, w: &Tensor) -> Result<[usize; 4], String> {
    let [1, kh, kw, oc] = w.shape[..] else {
        return Err(format!("weights of shape {:?} are not 1HWC", w.shape));
    };
    let ic = x.shape.get(3).copied().unwrap_or(0);
    if ic == 0 || oc % ic != 0 {
        return Err(format!(
            "{oc} output channels are not a multiple of the input's {ic}"
        ));
    }
    Ok([kh, kw, oc, ic])
}

fn lower_op(model: &TfliteModel, op: &Op) -> Lowered {
    if op.outputs.len() != 1 {
        return Err(format!(
            "has {} outputs; one is supported",
            op.outputs.len()
        ));
    }
    let operands = Operands::new(model, op);
    let out = operands.output();
    let operand = |k: usize| operands.get(k);
    match (op.kind.as_str(), &op.options) {
        (
            "CONV_2D",
            Options::Conv {
                padding,
                stride,
                dilation,
                fused,
            },
        ) => {
            let (x, w) = (operand(0)?, operand(1)?);
            let bias = operands.optional(2);
            conv(x, w, bias, out, *padding, *stride, *dilation, *fused)
        }
        (
            "DEPTHWISE_CONV_2D",
            Options::Depthwise {
                padding,
                stride,
                dilation,
                fused,
                ..
            },
        ) => {
            let (x, w) = (operand(0)?, operand(1)?);
            let bias = operands.optional(2);
            depthwise(x, w, bias, out, *padding, *stride, *dilation, *fused)
        }
        (
            "FULLY_CONNECTED",
            Options::FullyConnected {
                fused,
                default_format,
                ..
            },
        ) => {
            if !default_format {
                return Err("shuffled weight formats are not supported".into());
            }
            let (x, w) = (operand(0)?, operand(1)?);
            let bias = operands.optional(2);
            fully_connected(x, w, bias, out, *fused)
        }
        (
            "MAX_POOL_2D" | "AVERAGE_POOL_2D",
            Options::Pool {
                padding,
                stride,
                filter,
                fused,
            },
        ) => {
            let x = operand(0)?;
            let (xs, xz) = activation(x)?;
            let (os, oz) = activation(out)?;
            if xs != os || xz != oz {
                return Err(
                    "input and output quantization differ; TensorFlow Lite requires them equal"
                        .into(),
                );
            }
            let window = window(
                x,
                out,
                *filter,
                *stride,
                [1, 1],
                *padding,
                x.shape.get(3).copied(),
            )?;
            let (min, max) = clamp(*fused, os, oz)?;
            Ok(if op.kind == "MAX_POOL_2D" {
                Kernel::MaxPool { window, min, max }
            } else {
                Kernel::AveragePool { window, min, max }
            })
        }
        ("ADD" | "SUB", Options::Arithmetic { fused }) => {
            elementwise::add(operand(0)?, operand(1)?, out, *fused, op.kind == "SUB")
        }
        ("MUL", Options::Arithmetic { fused }) => {
            elementwise::mul(operand(0)?, operand(1)?, out, *fused)
        }
        ("GREATER", _) => elementwise::greater(operand(0)?, operand(1)?, out),
        ("SELECT_V2", _) => elementwise::select(operand(0)?, operand(1)?, operand(2)?, out),
        ("PAD", _) => spatial::pad(operand(0)?, operand(1)?, out),
        ("CONCATENATION", Options::Concat { axis, fused }) => {
            let inputs: Vec<&Tensor> = op
                .inputs
                .iter()
                .flatten()
                .map(|&t| &model.tensors[t])
                .collect();
            spatial::concat(&inputs, out, *axis, *fused)
        }
        ("MEAN", Options::Reducer { .. }) => spatial::mean(operand(0)?, operand(1)?, out),
        ("REDUCE_MAX", Options::Reducer { .. }) => {
            spatial::reduce_max(operand(0)?, operand(1)?, out)
        }
        ("SOFTMAX", Options::Softmax { beta }) => softmax(operand(0)?, out, *beta),
        ("LOGISTIC", _) => unary::logistic(operand(0)?, out),
        ("TANH", _) => unary::tanh(operand(0)?, out),
        ("HARD_SWISH", _) => unary::hard_swish(operand(0)?, out),
        ("LEAKY_RELU", Options::LeakyRelu { alpha }) => unary::leaky_relu(operand(0)?, out, *alpha),
        ("QUANTIZE", _) if operand(0)?.dtype == DType::I8 => unary::requantize(operand(0)?, out),
        ("QUANTIZE", _) if operand(0)?.dtype == DType::F32 => {
            let (scale, zero_point) = activation(out)?;
            Ok(Kernel::Quantize { scale, zero_point })
        }
        ("DEQUANTIZE", _) if out.dtype == DType::F32 => {
            let (scale, zero_point) = activation(operand(0)?)?;
            Ok(Kernel::Dequantize { scale, zero_point })
        }
        ("RESHAPE", _) => {
            let x = operand(0)?;
            if x.len() != out.len() || x.dtype != out.dtype {
                return Err(format!(
                    "{:?} {} to {:?} {}: the sizes or types differ",
                    x.shape, x.dtype, out.shape, out.dtype
                ));
            }
            if x.quant != out.quant {
                return Err("input and output quantization differ".into());
            }
            if x.data.is_some() {
                return Err("reshaping a constant is not supported".into());
            }
            if let Some(shape) = op.inputs.get(1).copied().flatten() {
                let shape_tensor = &model.tensors[shape];
                match shape_tensor.i32_data() {
                    Some(dims) => {
                        let known: Vec<i64> = dims.iter().map(|&d| i64::from(d)).collect();
                        let wanted: Vec<i64> = out.shape.iter().map(|&d| d as i64).collect();
                        let fits = known.len() == wanted.len()
                            && known.iter().zip(&wanted).all(|(&k, &w)| k == w || k == -1);
                        if !fits {
                            return Err(format!(
                                "the new shape {known:?} does not give the output's {:?}",
                                out.shape
                            ));
                        }
                    }
                    None => {
                        return Err(format!(
                            "the new shape (t{shape} `{}`) is computed at run time; only constant shapes are supported",
                            shape_tensor.name
                        ))
                    }
                }
            }
            Ok(Kernel::Reshape)
        }
        (kind, _) => Err(format!(
            "{kind} is not supported{}",
            if kind.is_empty() {
                ""
            } else {
                " by this compiler's int8 kernels"
            }
        )),
    }
}

/// An int8 activation tensor's scale and zero point.
pub(crate) fn activation(t: &Tensor) -> Result<(f32, i32), String> {
    if t.dtype != DType::I8 {
        return Err(format!("tensor `{}` is {}, not int8", t.name, t.dtype));
    }
    let (scale, zero_point) = t
        .single_quant()
        .ok_or_else(|| format!("tensor `{}` has no per-tensor quantization", t.name))?;
    if !(scale > 0.0 && scale.is_finite() && (-128..=127).contains(&zero_point)) {
        return Err(format!(
            "tensor `{}` has scale {scale} and zero point {zero_point}",
            t.name
        ));
    }
    Ok((scale, zero_point))
}

/// The fused activation's range in the output's quantized values
/// (TensorFlow Lite's `CalculateActivationRangeQuantized`).
pub(crate) fn clamp(fused: Fused, scale: f32, zero_point: i32) -> Result<(i32, i32), String> {
    let q = |x: f32| zero_point + libm_round(x / scale) as i32;
    let (lo, hi) = match fused {
        Fused::None => (-128, 127),
        Fused::Relu => (q(0.0).max(-128), 127),
        Fused::Relu6 => (q(0.0).max(-128), q(6.0).min(127)),
        Fused::ReluN1To1 => (q(-1.0).max(-128), q(1.0).min(127)),
        Fused::Unsupported(name) => {
            return Err(format!("the fused activation {name} is not supported"))
        }
    };
    Ok((lo, hi))
}

/// `round`, halfway cases away from zero, saturating to the i32 range.
fn libm_round(x: f32) -> f32 {
    x.round().clamp(-2.0e9, 2.0e9)
}

/// Output size and top/left padding of one axis (TensorFlow's rule).
fn axis(size: usize, k: usize, stride: usize, dilation: usize, padding: Padding) -> (usize, usize) {
    let effective = (k - 1) * dilation + 1;
    match padding {
        Padding::Valid => ((size + stride).saturating_sub(effective) / stride, 0),
        Padding::Same => {
            let out = size.div_ceil(stride);
            let total = ((out.saturating_sub(1)) * stride + effective).saturating_sub(size);
            (out, total / 2)
        }
    }
}

/// The window of a convolution or pooling from NHWC `x` to `out`, checked
/// against the output shape the file states.
pub(crate) fn window(
    x: &Tensor,
    out: &Tensor,
    kernel: [usize; 2],
    stride: [usize; 2],
    dilation: [usize; 2],
    padding: Padding,
    out_channels: Option<usize>,
) -> Result<Window, String> {
    let [1, h, w, c] = x.shape[..] else {
        return Err(format!(
            "input shape {:?} is not [1, height, width, channels]",
            x.shape
        ));
    };
    if kernel.contains(&0) || stride.contains(&0) || dilation.contains(&0) {
        return Err("a zero kernel size, stride or dilation".into());
    }
    let (oh, top) = axis(h, kernel[0], stride[0], dilation[0], padding);
    let (ow, left) = axis(w, kernel[1], stride[1], dilation[1], padding);
    let oc = out_channels.unwrap_or(c);
    if out.shape != [1, oh, ow, oc] {
        return Err(format!(
            "the output shape is {:?}, but the window gives [1, {oh}, {ow}, {oc}]",
            out.shape
        ));
    }
    Ok(Window {
        input: [h, w, c],
        output: [oh, ow, oc],
        kernel,
        stride,
        dilation,
        pad: [top, left],
    })
}

/// Per-channel weights: int8, zero point 0, one scale per output channel
/// along `axis` (or one for all).
fn weight_scales(w: &Tensor, channels: usize, axis: usize) -> Result<(Vec<i8>, Vec<f32>), String> {
    let values = w.i8_data().ok_or_else(|| {
        format!(
            "the weights `{}` are not constant int8 values ({})",
            w.name, w.dtype
        )
    })?;
    let q = w
        .quant
        .as_ref()
        .ok_or_else(|| format!("the weights `{}` are not quantized", w.name))?;
    if q.zero_points.iter().any(|&z| z != 0) {
        return Err(format!(
            "the weights `{}` have nonzero zero points (not symmetric)",
            w.name
        ));
    }
    let scales = match q.scales.len() {
        1 => vec![q.scales[0]; channels],
        n if n == channels && q.axis == axis => q.scales.clone(),
        n => {
            return Err(format!(
            "the weights `{}` have {n} scales on axis {}, for {channels} channels on axis {axis}",
            w.name, q.axis
        ))
        }
    };
    Ok((values, scales))
}

/// The int32 bias, or zeros.
fn bias_values(bias: Option<&Tensor>, channels: usize) -> Result<Vec<i32>, String> {
    match bias {
        None => Ok(vec![0; channels]),
        Some(b) => {
            let values = b.i32_data().ok_or_else(|| {
                format!(
                    "the bias `{}` is not a constant int32 tensor ({})",
                    b.name, b.dtype
                )
            })?;
            if values.len() != channels {
                return Err(format!(
                    "the bias has {} values for {channels} channels",
                    values.len()
                ));
            }
            Ok(values)
        }
    }
}

/// Per-channel multipliers `s_in * s_w[c] / s_out` (in double, as TensorFlow Lite).
fn requant(
    x_scale: f32,
    w_scales: &[f32],
    out_scale: f32,
    zero_point: i32,
    range: (i32, i32),
) -> Requant {
    let (multiplier, shift) = w_scales
        .iter()
        .map(|&s| quantize_multiplier(f64::from(x_scale) * f64::from(s) / f64::from(out_scale)))
        .unzip();
    Requant {
        multiplier,
        shift,
        zero_point,
        min: range.0,
        max: range.1,
    }
}

#[allow(clippy::too_many_arguments)]
fn conv(
    x: &Tensor,
    w: &Tensor,
    bias: Option<&Tensor>,
    out: &Tensor,
    padding: Padding,
    stride: [usize; 2],
    dilation: [usize; 2],
    fused: Fused,
) -> Lowered {
    let (xs, xz) = activation(x)?;
    let (os, oz) = activation(out)?;
    let [o, kh, kw, i] = conv_weights(x, w)?;
    let window = window(x, out, [kh, kw], stride, dilation, padding, Some(o))?;
    let (weights, scales) = weight_scales(w, o, 0)?;
    let raw_bias = bias_values(bias, o)?;
    let per_channel = kh * kw * i;
    let bias = fold_bias(&raw_bias, &weights, per_channel, xz);
    Ok(Kernel::Conv {
        window,
        input_zero_point: xz,
        weights,
        bias,
        requant: requant(xs, &scales, os, oz, clamp(fused, os, oz)?),
    })
}

/// `bias[c] - zp_in * Σ w[c]` for weights stored channel by channel.
fn fold_bias(bias: &[i32], weights: &[i8], per_channel: usize, zero_point: i32) -> Vec<i32> {
    bias.iter()
        .zip(weights.chunks_exact(per_channel.max(1)))
        .map(|(&b, w)| b - zero_point * w.iter().map(|&v| i32::from(v)).sum::<i32>())
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn depthwise(
    x: &Tensor,
    w: &Tensor,
    bias: Option<&Tensor>,
    out: &Tensor,
    padding: Padding,
    stride: [usize; 2],
    dilation: [usize; 2],
    fused: Fused,
) -> Lowered {
    let (xs, xz) = activation(x)?;
    let (os, oz) = activation(out)?;
    let [kh, kw, oc, ic] = depthwise_weights(x, w)?;
    let window = window(x, out, [kh, kw], stride, dilation, padding, Some(oc))?;
    let (weights, scales) = weight_scales(w, oc, 3)?;
    let raw_bias = bias_values(bias, oc)?;
    let bias = raw_bias
        .iter()
        .enumerate()
        .map(|(c, &b)| {
            let sum: i32 = (0..kh * kw).map(|t| i32::from(weights[t * oc + c])).sum();
            b - xz * sum
        })
        .collect();
    Ok(Kernel::Depthwise {
        window,
        multiplier: oc / ic,
        input_zero_point: xz,
        weights,
        bias,
        requant: requant(xs, &scales, os, oz, clamp(fused, os, oz)?),
    })
}

fn fully_connected(
    x: &Tensor,
    w: &Tensor,
    bias: Option<&Tensor>,
    out: &Tensor,
    fused: Fused,
) -> Lowered {
    let (xs, xz) = activation(x)?;
    let (os, oz) = activation(out)?;
    let [o, i] = w.shape[..] else {
        return Err(format!("weights of shape {:?} are not (out, in)", w.shape));
    };
    if x.len() != i {
        return Err(format!(
            "the weights read {i} values, the input {:?} has {}",
            x.shape,
            x.len()
        ));
    }
    if out.len() != o || out.shape.first() != Some(&1) {
        return Err(format!("the output {:?} is not [1, {o}]", out.shape));
    }
    let (weights, scales) = weight_scales(w, o, 0)?;
    let bias = fold_bias(&bias_values(bias, o)?, &weights, i, xz);
    let per_tensor = w.quant.as_ref().is_some_and(|q| q.scales.len() == 1);
    let range = clamp(fused, os, oz)?;
    let requant = if per_tensor {
        // TensorFlow Lite multiplies the two scales in float before widening.
        let (m, s) = quantize_multiplier(f64::from(xs * scales[0]) / f64::from(os));
        Requant {
            multiplier: vec![m],
            shift: vec![s],
            zero_point: oz,
            min: range.0,
            max: range.1,
        }
    } else {
        requant(xs, &scales, os, oz, range)
    };
    Ok(Kernel::FullyConnected {
        weights,
        bias,
        requant,
    })
}

fn softmax(x: &Tensor, out: &Tensor, beta: f32) -> Lowered {
    let (xs, _) = activation(x)?;
    let (os, oz) = activation(out)?;
    if os != 1.0 / 256.0 || oz != -128 {
        return Err(format!(
            "output scale {os} and zero point {oz}; TensorFlow Lite's int8 softmax writes scale 1/256, zero point -128"
        ));
    }
    if x.shape != out.shape {
        return Err("input and output shapes differ".into());
    }
    const DIFF_INTEGER_BITS: i32 = 5;
    let real = (f64::from(beta) * f64::from(xs) * f64::from(1u32 << (31 - DIFF_INTEGER_BITS)))
        .min(f64::from(i32::MAX));
    let (input_multiplier, input_left_shift) = quantize_multiplier(real);
    if input_left_shift < 0 {
        return Err(format!(
            "beta {beta} times the input scale {xs} is too small"
        ));
    }
    Ok(Kernel::Softmax {
        depth: x.shape.last().copied().unwrap_or(1),
        input_multiplier,
        input_left_shift,
        diff_min: -softmax_input_radius(DIFF_INTEGER_BITS, input_left_shift),
    })
}
