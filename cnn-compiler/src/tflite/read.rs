//! A `.tflite` file as plain data: its one subgraph's tensors (shape, element
//! type, quantization, constant bytes) and operators (kind, operands,
//! options). Reading goes through the planus-generated schema, which checks
//! every offset; anything malformed is a [`ReadError`] naming what was wrong.

use cnn_tflite_schema::planus::{self, ReadAsRoot};
use cnn_tflite_schema::tflite;
use std::fmt;

/// Element types the compiler knows; anything else is carried as its name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DType {
    F32,
    I8,
    I32,
    I64,
    Bool,
    Other(String),
}

impl DType {
    /// Bytes per element, for the types a model can compute in.
    pub fn size(&self) -> Option<usize> {
        match self {
            DType::I8 | DType::Bool => Some(1),
            DType::F32 | DType::I32 => Some(4),
            DType::I64 => Some(8),
            DType::Other(_) => None,
        }
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DType::F32 => f.write_str("float32"),
            DType::I8 => f.write_str("int8"),
            DType::I32 => f.write_str("int32"),
            DType::I64 => f.write_str("int64"),
            DType::Bool => f.write_str("bool"),
            DType::Other(name) => f.write_str(name),
        }
    }
}

/// `real = scale * (q - zero_point)`, per tensor or per channel of `axis`.
#[derive(Clone, Debug, PartialEq)]
pub struct Quant {
    pub scales: Vec<f32>,
    pub zero_points: Vec<i64>,
    pub axis: usize,
}

/// One tensor of the subgraph.
#[derive(Clone, Debug)]
pub struct Tensor {
    pub name: String,
    pub shape: Vec<usize>,
    pub dtype: DType,
    pub quant: Option<Quant>,
    /// The constant's bytes (little-endian), for a tensor with a buffer.
    pub data: Option<Vec<u8>>,
}

impl Tensor {
    /// Elements, saturating (shapes are checked against a bound on reading).
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The per-tensor scale and zero point, if the tensor has exactly one.
    pub fn single_quant(&self) -> Option<(f32, i32)> {
        let q = self.quant.as_ref()?;
        match (q.scales.as_slice(), q.zero_points.as_slice()) {
            ([s], [z]) => Some((*s, i32::try_from(*z).ok()?)),
            ([s], []) => Some((*s, 0)),
            _ => None,
        }
    }

    /// The constant as i32s, when it is one of the right length.
    pub fn i32_data(&self) -> Option<Vec<i32>> {
        let data = self.data.as_ref()?;
        (self.dtype == DType::I32 && data.len() == self.len() * 4).then(|| {
            data.chunks_exact(4)
                .map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect()
        })
    }

    /// The constant as i8s, when it is one of the right length.
    pub fn i8_data(&self) -> Option<Vec<i8>> {
        let data = self.data.as_ref()?;
        (self.dtype == DType::I8 && data.len() == self.len())
            .then(|| data.iter().map(|&b| b as i8).collect())
    }

    /// The constant as f32s, when it is one of the right length.
    pub fn f32_data(&self) -> Option<Vec<f32>> {
        let data = self.data.as_ref()?;
        (self.dtype == DType::F32 && data.len() == self.len() * 4).then(|| {
            data.chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect()
        })
    }
}

/// A fused activation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fused {
    None,
    Relu,
    ReluN1To1,
    Relu6,
    /// One this compiler does not run (`TANH`, `SIGN_BIT`): named in errors.
    Unsupported(&'static str),
}

/// SAME or VALID.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Padding {
    Same,
    Valid,
}

/// The options of the operators the compiler reads.
#[derive(Clone, Debug, PartialEq)]
pub enum Options {
    None,
    Conv {
        padding: Padding,
        stride: [usize; 2],
        dilation: [usize; 2],
        fused: Fused,
    },
    Depthwise {
        padding: Padding,
        stride: [usize; 2],
        dilation: [usize; 2],
        multiplier: usize,
        fused: Fused,
    },
    FullyConnected {
        fused: Fused,
        keep_num_dims: bool,
        /// Anything but the default weight format is refused.
        default_format: bool,
    },
    Pool {
        padding: Padding,
        stride: [usize; 2],
        filter: [usize; 2],
        fused: Fused,
    },
    /// `ADD`, `SUB`, `MUL`.
    Arithmetic {
        fused: Fused,
    },
    Concat {
        axis: i32,
        fused: Fused,
    },
    Softmax {
        beta: f32,
    },
    Reducer {
        keep_dims: bool,
    },
    StridedSlice {
        begin_mask: i32,
        end_mask: i32,
        /// ellipsis, new axis and offset: refused when set.
        unsupported_masks: bool,
        shrink_axis_mask: i32,
    },
    Pack {
        axis: i32,
    },
    LeakyRelu {
        alpha: f32,
    },
}

/// One operator: its kind (TensorFlow Lite's name, `CONV_2D`), its operands
/// (tensor indices; `None` for an omitted optional one) and options.
#[derive(Clone, Debug)]
pub struct Op {
    pub kind: String,
    pub inputs: Vec<Option<usize>>,
    pub outputs: Vec<usize>,
    pub options: Options,
}

/// The model's one subgraph.
#[derive(Clone, Debug)]
pub struct TfliteModel {
    pub tensors: Vec<Tensor>,
    pub ops: Vec<Op>,
    pub inputs: Vec<usize>,
    pub outputs: Vec<usize>,
}

/// Why a file could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadError(pub String);

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ReadError {}

fn err(message: impl Into<String>) -> ReadError {
    ReadError(message.into())
}

fn bad(what: &str, e: planus::Error) -> ReadError {
    err(format!(
        "not a valid TensorFlow Lite flatbuffer: {what}: {e}"
    ))
}

/// Largest dimension and element count a tensor may have: far beyond any
/// model a microcontroller or a laptop runs, small enough that sizes in
/// bytes never overflow.
pub const MAX_ELEMENTS: usize = 1 << 31;

/// The most operators a model may have, as Keras models may have at most
/// `check::MAX_LAYERS` layers: a bound on what a hostile file can make the
/// compiler spend (the memory plan compares each tensor with those placed).
pub const MAX_OPERATORS: usize = crate::check::MAX_LAYERS;

/// Reads a `.tflite` file.
pub fn read(bytes: &[u8]) -> Result<TfliteModel, ReadError> {
    if bytes.len() < 8 {
        return Err(err(format!(
            "not a TensorFlow Lite file: {} bytes is too short for a flatbuffer",
            bytes.len()
        )));
    }
    if &bytes[4..8] != b"TFL3" {
        return Err(err(
            "not a TensorFlow Lite file: the flatbuffer identifier at byte 4 is not `TFL3`",
        ));
    }
    let model = tflite::ModelRef::read_as_root(bytes).map_err(|e| bad("model", e))?;
    let codes = model
        .operator_codes()
        .map_err(|e| bad("operator codes", e))?;
    let mut kinds = Vec::new();
    for code in codes.iter().flat_map(|v| v.iter()) {
        let code = code.map_err(|e| bad("operator code", e))?;
        kinds.push(operator_name(&code)?);
    }
    let buffers: Vec<tflite::BufferRef> = match model.buffers().map_err(|e| bad("buffers", e))? {
        Some(v) => v
            .iter()
            .collect::<Result<_, _>>()
            .map_err(|e| bad("buffer", e))?,
        None => Vec::new(),
    };
    let subgraphs = model
        .subgraphs()
        .map_err(|e| bad("subgraphs", e))?
        .ok_or_else(|| err("the file has no subgraph"))?;
    if subgraphs.len() != 1 {
        return Err(err(format!(
            "the file has {} subgraphs; only single-subgraph models (no control flow) are supported",
            subgraphs.len()
        )));
    }
    let graph = subgraphs
        .get(0)
        .ok_or_else(|| err("the file has no subgraph"))?
        .map_err(|e| bad("subgraph", e))?;

    let mut tensors = Vec::new();
    for (i, t) in graph
        .tensors()
        .map_err(|e| bad("tensors", e))?
        .iter()
        .flat_map(|v| v.iter())
        .enumerate()
    {
        let t = t.map_err(|e| bad(&format!("tensor {i}"), e))?;
        tensors.push(tensor(i, &t, &buffers)?);
    }
    let index = |what: &str, i: i32, optional: bool| -> Result<Option<usize>, ReadError> {
        if i == -1 && optional {
            return Ok(None);
        }
        usize::try_from(i)
            .ok()
            .filter(|&i| i < tensors.len())
            .map(Some)
            .ok_or_else(|| {
                err(format!(
                    "{what} names tensor {i}, but the subgraph has {} tensors",
                    tensors.len()
                ))
            })
    };
    let list = |what: &str, v: Option<planus::Vector<i32>>, optional: bool| {
        v.iter()
            .flat_map(|v| v.iter())
            .map(|i| index(what, i, optional))
            .collect::<Result<Vec<_>, _>>()
    };
    let inputs: Vec<usize> = list(
        "the model's input",
        graph.inputs().map_err(|e| bad("inputs", e))?,
        false,
    )?
    .into_iter()
    .flatten()
    .collect();
    let outputs: Vec<usize> = list(
        "the model's output",
        graph.outputs().map_err(|e| bad("outputs", e))?,
        false,
    )?
    .into_iter()
    .flatten()
    .collect();

    let operators = graph.operators().map_err(|e| bad("operators", e))?;
    let count = operators.as_ref().map_or(0, |v| v.len());
    if count > MAX_OPERATORS {
        return Err(err(format!(
            "the model has {count} operators, more than the {MAX_OPERATORS} a model may have"
        )));
    }
    let mut ops = Vec::new();
    for (i, op) in operators.iter().flat_map(|v| v.iter()).enumerate() {
        let op = op.map_err(|e| bad(&format!("operator {i}"), e))?;
        let code = op.opcode_index().map_err(|e| bad("opcode", e))? as usize;
        let kind = kinds.get(code).cloned().ok_or_else(|| {
            err(format!(
                "operator {i} has opcode {code}, but the file has {} operator codes",
                kinds.len()
            ))
        })?;
        let what = format!("operator {i} ({kind})");
        let op_inputs = list(&what, op.inputs().map_err(|e| bad(&what, e))?, true)?;
        let op_outputs: Vec<usize> = list(&what, op.outputs().map_err(|e| bad(&what, e))?, false)?
            .into_iter()
            .flatten()
            .collect();
        let options = options(&op, &what)?;
        ops.push(Op {
            kind,
            inputs: op_inputs,
            outputs: op_outputs,
            options,
        });
    }
    Ok(TfliteModel {
        tensors,
        ops,
        inputs,
        outputs,
    })
}

/// TensorFlow Lite's operator name: the larger of the two code fields (the
/// old byte field saturates at 127 for newer operators).
fn operator_name(code: &tflite::OperatorCodeRef) -> Result<String, ReadError> {
    let old = code
        .deprecated_builtin_code()
        .map_err(|e| bad("operator code", e))?;
    let new = code.builtin_code().map_err(|e| bad("operator code", e))?;
    let chosen = if (new as i32) < i32::from(old) {
        tflite::BuiltinOperator::try_from(old as i32)
            .map_err(|_| err(format!("unknown operator code {old}")))?
    } else {
        new
    };
    if chosen == tflite::BuiltinOperator::Custom {
        let name = code
            .custom_code()
            .map_err(|e| bad("custom operator", e))?
            .unwrap_or("?");
        return Ok(format!("CUSTOM ({name})"));
    }
    Ok(screaming_snake(&format!("{chosen:?}")))
}

/// planus' variant name as the schema spells it: `Conv2d` → `CONV_2D`,
/// `SelectV2` → `SELECT_V2`, `Relu6` → `RELU6`, `ReluN1To1` → `RELU_N1_TO_1`.
fn screaming_snake(name: &str) -> String {
    let mut out = String::new();
    let mut prev: Option<char> = None;
    for c in name.chars() {
        if let Some(p) = prev {
            let lower_or_digit = p.is_ascii_lowercase() || p.is_ascii_digit();
            if (c.is_ascii_uppercase() && lower_or_digit)
                || (c.is_ascii_digit() && p.is_ascii_lowercase())
            {
                out.push('_');
            }
        }
        out.push(c.to_ascii_uppercase());
        prev = Some(c);
    }
    // The schema's exceptions to the rule.
    out.replace("RELU_6", "RELU6").replace("_TO1", "_TO_1")
}

fn tensor(
    i: usize,
    t: &tflite::TensorRef,
    buffers: &[tflite::BufferRef],
) -> Result<Tensor, ReadError> {
    let what = format!("tensor {i}");
    let name = t
        .name()
        .map_err(|e| bad(&what, e))?
        .unwrap_or("")
        .to_string();
    let mut shape = Vec::new();
    let mut elements: usize = 1;
    for d in t
        .shape()
        .map_err(|e| bad(&what, e))?
        .iter()
        .flat_map(|v| v.iter())
    {
        let d = usize::try_from(d)
            .map_err(|_| err(format!("tensor {i} `{name}` has a negative dimension {d}")))?;
        elements = elements.saturating_mul(d);
        shape.push(d);
    }
    if elements > MAX_ELEMENTS || shape.len() > 8 {
        return Err(err(format!(
            "tensor {i} `{name}` has shape {shape:?}: more than {MAX_ELEMENTS} elements or 8 dimensions"
        )));
    }
    let dtype = match t.type_().map_err(|e| bad(&what, e))? {
        tflite::TensorType::Float32 => DType::F32,
        tflite::TensorType::Int8 => DType::I8,
        tflite::TensorType::Int32 => DType::I32,
        tflite::TensorType::Int64 => DType::I64,
        tflite::TensorType::Bool => DType::Bool,
        other => DType::Other(format!("{other:?}").to_lowercase()),
    };
    let quant = match t.quantization().map_err(|e| bad(&what, e))? {
        None => None,
        Some(q) => {
            let scales: Vec<f32> = q
                .scale()
                .map_err(|e| bad(&what, e))?
                .iter()
                .flat_map(|v| v.iter())
                .collect();
            let zero_points: Vec<i64> = q
                .zero_point()
                .map_err(|e| bad(&what, e))?
                .iter()
                .flat_map(|v| v.iter())
                .collect();
            let axis = q.quantized_dimension().map_err(|e| bad(&what, e))?;
            if scales.is_empty() {
                None
            } else {
                Some(Quant {
                    scales,
                    zero_points,
                    axis: usize::try_from(axis).map_err(|_| {
                        err(format!("tensor {i} `{name}`: quantized dimension {axis}"))
                    })?,
                })
            }
        }
    };
    let buffer = t.buffer().map_err(|e| bad(&what, e))? as usize;
    let data = match buffers.get(buffer) {
        // Buffer 0 is the empty sentinel; a tensor naming no real buffer is computed.
        None if buffer != 0 => {
            return Err(err(format!(
                "tensor {i} `{name}` names buffer {buffer}, but the file has {} buffers",
                buffers.len()
            )))
        }
        None => None,
        Some(b) => {
            if b.offset().map_err(|e| bad(&what, e))? > 1 {
                return Err(err(format!(
                    "tensor {i} `{name}` keeps its data outside the flatbuffer (a file over 2 GB): not supported"
                )));
            }
            b.data()
                .map_err(|e| bad(&what, e))?
                .filter(|d| !d.is_empty())
                .map(<[u8]>::to_vec)
        }
    };
    Ok(Tensor {
        name,
        shape,
        dtype,
        quant,
        data,
    })
}

fn fused(f: tflite::ActivationFunctionType) -> Fused {
    use tflite::ActivationFunctionType as A;
    match f {
        A::None => Fused::None,
        A::Relu => Fused::Relu,
        A::ReluN1To1 => Fused::ReluN1To1,
        A::Relu6 => Fused::Relu6,
        A::Tanh => Fused::Unsupported("TANH"),
        A::SignBit => Fused::Unsupported("SIGN_BIT"),
    }
}

fn padding(p: tflite::Padding) -> Padding {
    match p {
        tflite::Padding::Same => Padding::Same,
        tflite::Padding::Valid => Padding::Valid,
    }
}

fn positive(what: &str, name: &str, v: i32) -> Result<usize, ReadError> {
    usize::try_from(v)
        .ok()
        .filter(|&v| v > 0)
        .ok_or_else(|| err(format!("{what}: {name} is {v}; it must be at least 1")))
}

/// Two option values of one kind (height and width), each at least 1.
fn pair(
    what: &str,
    names: [&str; 2],
    values: [planus::Result<i32>; 2],
) -> Result<[usize; 2], ReadError> {
    let [h, w] = values;
    let h = h.map_err(|x| bad(what, x))?;
    let w = w.map_err(|x| bad(what, x))?;
    Ok([positive(what, names[0], h)?, positive(what, names[1], w)?])
}

fn options(op: &tflite::OperatorRef, what: &str) -> Result<Options, ReadError> {
    use tflite::BuiltinOptionsRef as B;
    let e = |x| bad(what, x);
    let Some(options) = op.builtin_options().map_err(e)? else {
        return Ok(Options::None);
    };
    Ok(match options {
        B::Conv2DOptions(o) => Options::Conv {
            padding: padding(o.padding().map_err(e)?),
            stride: pair(what, ["stride_h", "stride_w"], [o.stride_h(), o.stride_w()])?,
            dilation: pair(
                what,
                ["dilation_h_factor", "dilation_w_factor"],
                [o.dilation_h_factor(), o.dilation_w_factor()],
            )?,
            fused: fused(o.fused_activation_function().map_err(e)?),
        },
        B::DepthwiseConv2DOptions(o) => Options::Depthwise {
            padding: padding(o.padding().map_err(e)?),
            stride: pair(what, ["stride_h", "stride_w"], [o.stride_h(), o.stride_w()])?,
            dilation: pair(
                what,
                ["dilation_h_factor", "dilation_w_factor"],
                [o.dilation_h_factor(), o.dilation_w_factor()],
            )?,
            multiplier: usize::try_from(o.depth_multiplier().map_err(e)?).unwrap_or(0),
            fused: fused(o.fused_activation_function().map_err(e)?),
        },
        B::FullyConnectedOptions(o) => Options::FullyConnected {
            fused: fused(o.fused_activation_function().map_err(e)?),
            keep_num_dims: o.keep_num_dims().map_err(e)?,
            default_format: o.weights_format().map_err(e)?
                == tflite::FullyConnectedOptionsWeightsFormat::Default,
        },
        B::Pool2DOptions(o) => Options::Pool {
            padding: padding(o.padding().map_err(e)?),
            stride: pair(what, ["stride_h", "stride_w"], [o.stride_h(), o.stride_w()])?,
            filter: pair(
                what,
                ["filter_height", "filter_width"],
                [o.filter_height(), o.filter_width()],
            )?,
            fused: fused(o.fused_activation_function().map_err(e)?),
        },
        B::AddOptions(o) => Options::Arithmetic {
            fused: fused(o.fused_activation_function().map_err(e)?),
        },
        B::SubOptions(o) => Options::Arithmetic {
            fused: fused(o.fused_activation_function().map_err(e)?),
        },
        B::MulOptions(o) => Options::Arithmetic {
            fused: fused(o.fused_activation_function().map_err(e)?),
        },
        B::ConcatenationOptions(o) => Options::Concat {
            axis: o.axis().map_err(e)?,
            fused: fused(o.fused_activation_function().map_err(e)?),
        },
        B::SoftmaxOptions(o) => Options::Softmax {
            beta: o.beta().map_err(e)?,
        },
        B::ReducerOptions(o) => Options::Reducer {
            keep_dims: o.keep_dims().map_err(e)?,
        },
        B::StridedSliceOptions(o) => Options::StridedSlice {
            begin_mask: o.begin_mask().map_err(e)?,
            end_mask: o.end_mask().map_err(e)?,
            unsupported_masks: o.ellipsis_mask().map_err(e)? != 0
                || o.new_axis_mask().map_err(e)? != 0
                || o.offset().map_err(e)?,
            shrink_axis_mask: o.shrink_axis_mask().map_err(e)?,
        },
        B::PackOptions(o) => Options::Pack {
            axis: o.axis().map_err(e)?,
        },
        B::LeakyReluOptions(o) => Options::LeakyRelu {
            alpha: o.alpha().map_err(e)?,
        },
        _ => Options::None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operator_names_are_the_schemas() {
        assert_eq!(screaming_snake("Conv2d"), "CONV_2D");
        assert_eq!(screaming_snake("DepthwiseConv2d"), "DEPTHWISE_CONV_2D");
        assert_eq!(screaming_snake("MaxPool2d"), "MAX_POOL_2D");
        assert_eq!(screaming_snake("L2Normalization"), "L2_NORMALIZATION");
        assert_eq!(screaming_snake("SelectV2"), "SELECT_V2");
        assert_eq!(screaming_snake("FullyConnected"), "FULLY_CONNECTED");
        assert_eq!(screaming_snake("Relu6"), "RELU6");
        assert_eq!(screaming_snake("ReluN1To1"), "RELU_N1_TO_1");
        assert_eq!(screaming_snake("HardSwish"), "HARD_SWISH");
    }

    #[test]
    fn reads_the_seed_model() {
        let bytes = std::fs::read("../fixtures/seed_mnist/tflite/model.int8.tflite").unwrap();
        let m = read(&bytes).unwrap();
        let kinds: Vec<&str> = m.ops.iter().map(|o| o.kind.as_str()).collect();
        assert_eq!(kinds[0], "CONV_2D");
        assert!(kinds.contains(&"MAX_POOL_2D") && kinds.contains(&"SOFTMAX"));
        assert_eq!(m.tensors[m.inputs[0]].shape, [1, 28, 28, 1]);
        assert_eq!(m.tensors[m.inputs[0]].dtype, DType::I8);
    }

    #[test]
    fn rejects_what_is_not_a_model() {
        assert!(read(b"").unwrap_err().0.contains("too short"));
        assert!(read(b"0123456789").unwrap_err().0.contains("TFL3"));
        assert!(read(b"\xff\xff\xff\x7fTFL3").is_err());
    }
}
