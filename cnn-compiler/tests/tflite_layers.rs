//! Every tensor of the int8 fixtures, layer by layer: the lowered program is
//! run step by step on the runtime's int8 kernels (an interpreter kept for
//! this test only) and each intermediate tensor compared with the one
//! TensorFlow Lite's reference kernels computed for the fixture's first input
//! (`t.<index>.<name>` in `tflite/io.safetensors`). When an output byte
//! differs, this names the first operator that differs.

use cnn_compiler::tflite::lower::{lower, Kernel, Operand, Program, Requant};
use cnn_compiler::tflite::pack::{pack_conv, pack_depthwise};
use cnn_compiler::tflite::read::read;
use cnn_runtime::int8::{self as q, Requantize};
use std::collections::HashMap;

fn rq(r: &cnn_compiler::tflite::lower::Requant) -> Requantize<'_> {
    Requantize {
        multiplier: &r.multiplier,
        shift: &r.shift,
        zero_point: r.zero_point,
        min: r.min,
        max: r.max,
    }
}

fn conv_geometry(w: &cnn_compiler::tflite::lower::Window) -> q::conv::ConvGeometry {
    q::conv::ConvGeometry {
        in_h: w.input[0],
        in_w: w.input[1],
        in_c: w.input[2],
        out_h: w.output[0],
        out_w: w.output[1],
        out_c: w.output[2],
        k_h: w.kernel[0],
        k_w: w.kernel[1],
        stride_h: w.stride[0],
        stride_w: w.stride[1],
        dilation_h: w.dilation[0],
        dilation_w: w.dilation[1],
        pad_top: w.pad[0],
        pad_left: w.pad[1],
    }
}

fn pool_geometry(w: &cnn_compiler::tflite::lower::Window) -> q::pool::PoolGeometry {
    q::pool::PoolGeometry {
        in_h: w.input[0],
        in_w: w.input[1],
        channels: w.input[2],
        out_h: w.output[0],
        out_w: w.output[1],
        k_h: w.kernel[0],
        k_w: w.kernel[1],
        stride_h: w.stride[0],
        stride_w: w.stride[1],
        pad_top: w.pad[0],
        pad_left: w.pad[1],
    }
}

/// A step's operands, constants included, as bytes.
fn operands(
    step: &cnn_compiler::tflite::lower::Step,
    values: &HashMap<usize, Vec<i8>>,
) -> Vec<Vec<i8>> {
    step.operands
        .iter()
        .map(|o| match o {
            Operand::Tensor(t) => values[t].clone(),
            Operand::Constant(bytes) => bytes.clone(),
        })
        .collect()
}

/// Every tensor the program computes, by tensor index.
pub fn run(p: &Program, input: &[i8]) -> HashMap<usize, Vec<i8>> {
    let mut values: HashMap<usize, Vec<i8>> = HashMap::new();
    values.insert(p.input, input.to_vec());
    for step in &p.steps {
        let x: Vec<&[i8]> = step.inputs.iter().map(|t| values[t].as_slice()).collect();
        let mut y = vec![0i8; p.tensors[step.output].len()];
        match &step.kernel {
            Kernel::Conv {
                window,
                input_zero_point,
                weights,
                bias,
                requant,
            } => {
                let packed = pack_conv(window, weights, bias, requant);
                let padded = Requant {
                    multiplier: packed.multiplier.clone(),
                    shift: packed.shift.clone(),
                    ..requant.clone()
                };
                let bytes: Vec<u8> = packed.weights.iter().map(|&v| v as u8).collect();
                let w = q::conv::ConvWeights {
                    packed: &bytes,
                    bias: &packed.bias,
                };
                q::conv::conv2d(
                    &conv_geometry(window),
                    x[0],
                    *input_zero_point,
                    &w,
                    &rq(&padded),
                    &mut y,
                )
            }
            Kernel::Depthwise {
                window,
                multiplier,
                input_zero_point,
                weights,
                bias,
                requant,
            } => {
                let packed = pack_depthwise(window, weights, bias, requant);
                let padded = Requant {
                    multiplier: packed.multiplier.clone(),
                    shift: packed.shift.clone(),
                    ..requant.clone()
                };
                q::conv::depthwise_conv2d(
                    &conv_geometry(window),
                    *multiplier,
                    x[0],
                    *input_zero_point,
                    &packed.weights,
                    &packed.bias,
                    &rq(&padded),
                    &mut y,
                )
            }
            Kernel::FullyConnected {
                weights,
                bias,
                requant,
            } => q::fully_connected::fully_connected(x[0], weights, bias, &rq(requant), &mut y),
            Kernel::MaxPool { window, min, max } => {
                q::pool::max_pool(&pool_geometry(window), x[0], *min, *max, &mut y)
            }
            Kernel::AveragePool { window, min, max } => {
                q::pool::average_pool(&pool_geometry(window), x[0], *min, *max, &mut y)
            }
            Kernel::Add(a) => {
                let params = q::elementwise::AddParams {
                    input_offset: a.input_offset,
                    input_multiplier: a.input_multiplier,
                    input_shift: a.input_shift,
                    left_shift: a.left_shift,
                    output_multiplier: a.output_multiplier,
                    output_shift: a.output_shift,
                    output_zero_point: a.output_zero_point,
                    min: a.min,
                    max: a.max,
                    subtract: a.subtract,
                };
                let o = operands(step, &values);
                q::elementwise::add(&params, &o[0], &o[1], &mut y)
            }
            Kernel::Mul(m) => {
                let params = q::elementwise::MulParams {
                    input_offset: m.input_offset,
                    output_multiplier: m.output_multiplier,
                    output_shift: m.output_shift,
                    output_zero_point: m.output_zero_point,
                    min: m.min,
                    max: m.max,
                };
                let o = operands(step, &values);
                q::elementwise::mul(&params, &o[0], &o[1], &mut y)
            }
            Kernel::Greater(c) => {
                let params = q::elementwise::CompareParams {
                    input_offset: c.input_offset,
                    input_multiplier: c.input_multiplier,
                    input_shift: c.input_shift,
                    left_shift: c.left_shift,
                };
                let o = operands(step, &values);
                q::elementwise::greater(&params, &o[0], &o[1], &mut y)
            }
            Kernel::Select => {
                let o = operands(step, &values);
                q::elementwise::select(&o[0], &o[1], &o[2], &mut y)
            }
            Kernel::Pad(p) => {
                let params = q::layout::PadParams {
                    input: p.input,
                    before: p.before,
                    after: p.after,
                    value: p.value,
                };
                q::layout::pad(&params, x[0], &mut y)
            }
            Kernel::Concat { outer } => q::layout::concatenate(*outer, &x, &mut y),
            Kernel::Mean(m) => {
                let params = q::reduce::MeanParams {
                    pixels: m.pixels,
                    channels: m.channels,
                    input_zero_point: m.input_zero_point,
                    multiplier: m.multiplier,
                    shift: m.shift,
                    output_zero_point: m.output_zero_point,
                };
                q::reduce::mean(&params, x[0], &mut y)
            }
            Kernel::ReduceMax { channels } => q::reduce::reduce_max(*channels, x[0], &mut y),
            Kernel::Softmax {
                depth,
                input_multiplier,
                input_left_shift,
                diff_min,
            } => {
                let params = q::softmax::SoftmaxParams {
                    input_multiplier: *input_multiplier,
                    input_left_shift: *input_left_shift,
                    diff_min: *diff_min,
                };
                q::softmax::softmax(&params, *depth, x[0], &mut y)
            }
            Kernel::Reshape => y.copy_from_slice(x[0]),
            Kernel::Lookup { table } => {
                q::elementwise::lookup(table[..].try_into().unwrap(), x[0], &mut y)
            }
            Kernel::Quantize { .. } | Kernel::Dequantize { .. } | Kernel::Float(_) => {
                unreachable!("the int8 files tested here have no float32 operators")
            }
        }
        values.insert(step.output, y);
    }
    values
}

/// The first tensor (in the program's order) that differs from `expected`'s
/// `t.<index>.*`, with how many bytes differ.
fn first_difference(p: &Program, io: &safetensors::SafeTensors, input: &[i8]) -> Option<String> {
    let ours = run(p, input);
    let names: Vec<String> = io.names().into_iter().map(String::from).collect();
    for step in &p.steps {
        let prefix = format!("t.{}.", step.output);
        let Some(name) = names.iter().find(|n| n.starts_with(&prefix)) else {
            continue;
        };
        let theirs: Vec<i8> = io
            .tensor(name)
            .unwrap()
            .data()
            .iter()
            .map(|&b| b as i8)
            .collect();
        let mine = &ours[&step.output];
        let differ = mine.iter().zip(&theirs).filter(|(a, b)| a != b).count();
        if differ > 0 || mine.len() != theirs.len() {
            let at = mine.iter().zip(&theirs).position(|(a, b)| a != b);
            return Some(format!(
                "operator {} {} ({name}): {differ} of {} bytes differ, first at {at:?}",
                step.op_index,
                step.op,
                theirs.len()
            ));
        }
    }
    None
}

fn check(fixture: &str) {
    let dir = format!("../fixtures/{fixture}/tflite");
    check_files(
        fixture,
        &format!("{dir}/model.int8.tflite"),
        &format!("{dir}/io.safetensors"),
    );
}

/// The tests' own small files (tests/tflite, made by TensorFlow).
fn check_test_file(name: &str) {
    check_files(
        name,
        &format!("../tests/tflite/{name}.int8.tflite"),
        &format!("../tests/tflite/{name}.io.safetensors"),
    );
}

fn check_files(fixture: &str, model: &str, io: &str) {
    let program = lower(read(&std::fs::read(model).unwrap()).unwrap()).unwrap();
    let bytes = std::fs::read(io).unwrap();
    let io = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let inputs = io.tensor("inputs_q").unwrap();
    let n = program.tensors[program.input].len();
    let first: Vec<i8> = inputs.data()[..n].iter().map(|&b| b as i8).collect();
    assert_eq!(first_difference(&program, &io, &first), None, "{fixture}");
    // A dump of TensorFlow Lite's tensors for another input, when debugging.
    if let Ok(path) = std::env::var("CNN_TFLITE_DUMP") {
        if path.contains(fixture) {
            let bytes = std::fs::read(&path).unwrap();
            let dump = safetensors::SafeTensors::deserialize(&bytes).unwrap();
            let input: Vec<i8> = dump
                .tensor("inputs_q")
                .unwrap()
                .data()
                .iter()
                .map(|&b| b as i8)
                .collect();
            assert_eq!(first_difference(&program, &dump, &input), None, "{path}");
        }
    }
}

#[test]
fn seed_mnist_layers_equal_tflite() {
    check("seed_mnist");
}

#[test]
fn resnet8_layers_equal_tflite() {
    check("resnet8");
}

#[test]
fn dscnn_layers_equal_tflite() {
    check("dscnn");
}

#[test]
fn mobilenet_v1_vww_layers_equal_tflite() {
    check("mobilenet_v1_vww");
}

#[test]
fn bn_dw_layers_equal_tflite() {
    check("bn_dw");
}

#[test]
fn inception_layers_equal_tflite() {
    check("inception");
}

#[test]
fn flat_input_layers_equal_tflite() {
    check("flat_input");
}

#[test]
fn activations_layers_equal_tflite() {
    check_test_file("activations");
}

#[test]
fn gap_keepdims_layers_equal_tflite() {
    check_test_file("gap_keepdims");
}
