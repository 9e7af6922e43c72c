//! A `.tflite` model as a picture (`cnnc --plot`): one box per operator
//! (index and kind with its fused activation, output shape and type, the
//! output's quantization), drawn as the Keras models are ([`crate::plot`]).

use super::lower::Program;
use crate::plot::{draw, Graph, GraphNode};
use std::collections::HashMap;

/// The operator graph of `program` as an SVG document titled `title`.
pub fn svg(program: &Program, title: &str) -> String {
    let quant = |t: usize| match program.tensors[t].single_quant() {
        Some((s, z)) if !program.float || program.tensors[t].dtype != super::read::DType::F32 => {
            format!("scale {s:.4e}, zero point {z}")
        }
        _ => String::new(),
    };
    let input = program.input;
    let mut node_of: HashMap<usize, usize> = HashMap::from([(input, 0)]);
    let mut nodes = vec![GraphNode {
        lines: [
            "input".to_string(),
            format!(
                "{:?} {}",
                program.tensors[input].shape, program.tensors[input].dtype
            ),
            quant(input),
        ],
        inputs: Vec::new(),
    }];
    for step in &program.steps {
        let t = step.output;
        let op = match step.fused {
            Some(f) => format!("{} {} + {f}", step.op_index, step.op),
            None => format!("{} {}", step.op_index, step.op),
        };
        nodes.push(GraphNode {
            lines: [
                op,
                format!(
                    "{:?} {}",
                    program.tensors[t].shape, program.tensors[t].dtype
                ),
                quant(t),
            ],
            inputs: step
                .inputs
                .iter()
                .filter_map(|i| node_of.get(i).copied())
                .collect(),
        });
        node_of.insert(t, nodes.len() - 1);
    }
    draw(&Graph {
        title: title.to_string(),
        nodes,
    })
}
