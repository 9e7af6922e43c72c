//! float32 `.tflite` operators, lowered onto the float kernels the Keras
//! front-ends use: weights repacked at compile time into the layouts those
//! kernels read (Keras': HWIO convolutions, (in, out) dense), biases and
//! fused activations as their epilogues.

use super::elementwise::broadcastable;
use super::spatial::{pad_geometry, spatial_axes};
use super::{conv_weights, depthwise_weights, window, Kernel, Lowered, Operands, Window};
use crate::tflite::read::{DType, Fused, Op, Options, Tensor, TfliteModel};

/// A float32 operator's kernel and constants.
#[derive(Clone, Debug, PartialEq)]
pub enum FloatKernel {
    Conv {
        window: Window,
        /// HWIO (Keras' layout; the file's OHWI repacked).
        weights: Vec<f32>,
        bias: Option<Vec<f32>>,
        activation: Activation,
    },
    Depthwise {
        window: Window,
        multiplier: usize,
        /// (kh, kw, c_in * multiplier): the file's 1HWC is already Keras' order.
        weights: Vec<f32>,
        bias: Option<Vec<f32>>,
        activation: Activation,
    },
    Dense {
        fan_in: usize,
        units: usize,
        /// (in, out): the file's (out, in) transposed.
        weights: Vec<f32>,
        bias: Option<Vec<f32>>,
        activation: Activation,
    },
    Pool {
        window: Window,
        max: bool,
    },
    /// `MEAN` or `REDUCE_MAX` over height and width.
    Global {
        pixels: usize,
        channels: usize,
        max: bool,
    },
    /// `ADD`, `SUB`, `MUL` (0, 1, 2), each operand broadcast along the last axes.
    Arithmetic {
        op: u8,
        activation: Activation,
    },
    Greater,
    Select,
    Pad {
        input: [usize; 3],
        before: [usize; 3],
        after: [usize; 3],
    },
    Concat {
        outer: usize,
    },
    Softmax {
        depth: usize,
    },
    /// `LOGISTIC`, `TANH`, `HARD_SWISH` or `LEAKY_RELU`: the runtime
    /// activation of this name, on every value.
    Unary {
        activation: &'static str,
        alpha: Option<f32>,
    },
    Reshape,
}

/// A fused activation, as the float kernels name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    Linear,
    Relu,
    Relu6,
    ReluN1To1,
}

impl Activation {
    /// The runtime type's name (`cnn_runtime::activation::Relu`).
    pub fn type_name(self) -> &'static str {
        match self {
            Activation::Linear => "Linear",
            Activation::Relu => "Relu",
            Activation::Relu6 => "Relu6",
            Activation::ReluN1To1 => "ReluN1To1",
        }
    }

    /// The clamp an element-wise operator applies.
    pub fn range(self) -> (f32, f32) {
        match self {
            Activation::Linear => (f32::NEG_INFINITY, f32::INFINITY),
            Activation::Relu => (0.0, f32::INFINITY),
            Activation::Relu6 => (0.0, 6.0),
            Activation::ReluN1To1 => (-1.0, 1.0),
        }
    }
}

fn activation(f: Fused) -> Result<Activation, String> {
    match f {
        Fused::None => Ok(Activation::Linear),
        Fused::Relu => Ok(Activation::Relu),
        Fused::Relu6 => Ok(Activation::Relu6),
        Fused::ReluN1To1 => Ok(Activation::ReluN1To1),
        Fused::Unsupported(name) => Err(format!("the fused activation {name} is not supported")),
    }
}

fn float(t: &Tensor) -> Result<(), String> {
    if t.dtype == DType::F32 {
        Ok(())
    } else {
        Err(format!("tensor `{}` is {}, not float32", t.name, t.dtype))
    }
}

fn constant(t: &Tensor) -> Result<Vec<f32>, String> {
    t.f32_data()
        .ok_or_else(|| format!("`{}` is not a constant float32 tensor", t.name))
}

fn bias(t: Option<&Tensor>, n: usize) -> Result<Option<Vec<f32>>, String> {
    t.map(|b| {
        let v = constant(b)?;
        if v.len() == n {
            Ok(v)
        } else {
            Err(format!("the bias has {} values for {n} channels", v.len()))
        }
    })
    .transpose()
}

/// Lowers one float32 operator.
pub fn lower_op(model: &TfliteModel, op: &Op) -> Lowered {
    let operands = Operands::new(model, op);
    let out = operands.output();
    let operand = |k: usize| operands.get(k);
    let optional = |k: usize| operands.optional(k);
    if out.dtype != DType::Bool {
        float(out)?;
    }
    let kernel = match (op.kind.as_str(), &op.options) {
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
            float(x)?;
            let [o, kh, kw, i] = conv_weights(x, w)?;
            let window = window(x, out, [kh, kw], *stride, *dilation, *padding, Some(o))?;
            let ohwi = constant(w)?;
            let per = kh * kw * i;
            let hwio = (0..per * o).map(|k| ohwi[(k % o) * per + k / o]).collect();
            FloatKernel::Conv {
                window,
                weights: hwio,
                bias: bias(optional(2), o)?,
                activation: activation(*fused)?,
            }
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
            float(x)?;
            let [kh, kw, oc, ic] = depthwise_weights(x, w)?;
            FloatKernel::Depthwise {
                window: window(x, out, [kh, kw], *stride, *dilation, *padding, Some(oc))?,
                multiplier: oc / ic,
                weights: constant(w)?,
                bias: bias(optional(2), oc)?,
                activation: activation(*fused)?,
            }
        }
        (
            "FULLY_CONNECTED",
            Options::FullyConnected {
                fused,
                default_format: true,
                ..
            },
        ) => {
            let (x, w) = (operand(0)?, operand(1)?);
            float(x)?;
            let [o, i] = w.shape[..] else {
                return Err(format!("weights of shape {:?} are not (out, in)", w.shape));
            };
            if x.len() != i || out.len() != o {
                return Err(format!(
                    "{:?} x {:?} does not give {:?}",
                    x.shape, w.shape, out.shape
                ));
            }
            let oi = constant(w)?;
            FloatKernel::Dense {
                fan_in: i,
                units: o,
                weights: (0..i * o).map(|k| oi[(k % o) * i + k / o]).collect(),
                bias: bias(optional(2), o)?,
                activation: activation(*fused)?,
            }
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
            float(x)?;
            if *fused != Fused::None {
                return Err("a fused activation on pooling is not supported in float32".into());
            }
            FloatKernel::Pool {
                window: window(
                    x,
                    out,
                    *filter,
                    *stride,
                    [1, 1],
                    *padding,
                    x.shape.get(3).copied(),
                )?,
                max: op.kind == "MAX_POOL_2D",
            }
        }
        ("MEAN" | "REDUCE_MAX", Options::Reducer { .. }) => {
            let (x, axes) = (operand(0)?, operand(1)?);
            float(x)?;
            let [h, w, c] = spatial_axes(x, axes, out)?;
            FloatKernel::Global {
                pixels: h * w,
                channels: c,
                max: op.kind == "REDUCE_MAX",
            }
        }
        ("ADD" | "SUB" | "MUL", Options::Arithmetic { fused }) => {
            broadcastable(&[operand(0)?, operand(1)?], out)?;
            let code = match op.kind.as_str() {
                "ADD" => 0,
                "SUB" => 1,
                _ => 2,
            };
            FloatKernel::Arithmetic {
                op: code,
                activation: activation(*fused)?,
            }
        }
        ("GREATER", _) => {
            if out.dtype != DType::Bool {
                return Err(format!("the output is {}, not bool", out.dtype));
            }
            broadcastable(&[operand(0)?, operand(1)?], out)?;
            FloatKernel::Greater
        }
        ("SELECT_V2", _) => {
            if operand(0)?.dtype != DType::Bool {
                return Err("the condition is not bool".into());
            }
            broadcastable(&[operand(0)?, operand(1)?, operand(2)?], out)?;
            FloatKernel::Select
        }
        ("PAD", _) => {
            let (x, paddings) = (operand(0)?, operand(1)?);
            let (input, before, after) = pad_geometry(x, paddings, out)?;
            FloatKernel::Pad {
                input,
                before,
                after,
            }
        }
        ("CONCATENATION", Options::Concat { axis, fused }) => {
            if *fused != Fused::None {
                return Err("a fused activation on a concatenation is not supported".into());
            }
            let rank = out.shape.len() as i32;
            if *axis != -1 && *axis != rank - 1 {
                return Err(format!(
                    "concatenation on axis {axis}; only the last axis is supported"
                ));
            }
            let mut width = 0;
            for &t in op.inputs.iter().flatten() {
                let x = &model.tensors[t];
                float(x)?;
                if x.data.is_some()
                    || x.shape.len() != out.shape.len()
                    || x.shape[..x.shape.len() - 1] != out.shape[..out.shape.len() - 1]
                {
                    return Err(format!(
                        "`{}` of shape {:?} does not join {:?}",
                        x.name, x.shape, out.shape
                    ));
                }
                width += x.shape[x.shape.len() - 1];
            }
            if out.shape.last() != Some(&width) {
                return Err("the inputs' last axes do not add up to the output's".into());
            }
            FloatKernel::Concat {
                outer: out.shape[..out.shape.len() - 1].iter().product(),
            }
        }
        ("SOFTMAX", Options::Softmax { beta }) => {
            if *beta != 1.0 {
                return Err(format!(
                    "softmax with beta {beta}; only 1 is supported in float32"
                ));
            }
            FloatKernel::Softmax {
                depth: out.shape.last().copied().unwrap_or(1),
            }
        }
        ("LOGISTIC" | "TANH" | "HARD_SWISH", _) => {
            float(operand(0)?)?;
            let activation = match op.kind.as_str() {
                "LOGISTIC" => "Sigmoid",
                "TANH" => "Tanh",
                _ => "HardSwish",
            };
            FloatKernel::Unary {
                activation,
                alpha: None,
            }
        }
        ("LEAKY_RELU", Options::LeakyRelu { alpha }) => {
            float(operand(0)?)?;
            FloatKernel::Unary {
                activation: "LeakyRelu",
                alpha: Some(*alpha),
            }
        }
        ("RESHAPE", _) => {
            let x = operand(0)?;
            if x.len() != out.len() || x.dtype != out.dtype || x.data.is_some() {
                return Err(format!(
                    "{:?} {} to {:?} {}: not a view of a computed tensor",
                    x.shape, x.dtype, out.shape, out.dtype
                ));
            }
            FloatKernel::Reshape
        }
        (kind, _) => {
            return Err(format!(
                "{kind} is not supported by this compiler's float32 kernels"
            ))
        }
    };
    Ok(Kernel::Float(kernel))
}
