//! The model as a graph: which tensor each layer reads, checks that every
//! branch reaches the output, and Keras' order of a functional model's layers.

use crate::diag::{Diagnostic, Diagnostics};
use crate::names::closest;
use crate::plan::PlannedLayer;
use crate::spec::{LayerSpec, ModelSpec, Ref, Spanned};
use std::collections::HashMap;

/// Tensors are numbered 0 for the input and `i + 1` for layer `i`'s output.
pub struct Wiring {
    /// Per layer, the tensors it reads, in order.
    pub inputs: Vec<Vec<usize>>,
    /// The tensors the model returns, in order.
    pub outputs: Vec<usize>,
}

/// Resolves every layer's inputs; `None` after reporting a reference to a
/// tensor that does not exist or comes later.
pub fn resolve(
    spec: &ModelSpec,
    names: &[String],
    input_name: &str,
    diags: &mut Diagnostics,
) -> Option<Wiring> {
    let mut by_name: HashMap<&str, usize> = HashMap::new();
    by_name.insert(input_name, 0);
    for (i, (name, layer)) in names.iter().zip(&spec.layers).enumerate() {
        match &layer.scope {
            // A nested model is read by its name: its last layer's output.
            Some(scope) => {
                by_name.insert(scope.name.as_str(), i + 1);
            }
            None => {
                by_name.entry(name.as_str()).or_insert(i + 1);
            }
        }
    }
    let before = diags.len();
    let mut inputs = Vec::with_capacity(spec.layers.len());
    for (i, layer) in spec.layers.iter().enumerate() {
        let reads = match &layer.inputs {
            None => vec![i],
            Some(refs) => refs
                .iter()
                .filter_map(|r| tensor_of(r, i, &by_name, names, diags))
                .collect(),
        };
        inputs.push(reads);
    }
    let n = spec.layers.len();
    let outputs = match spec.outputs.as_slice() {
        [] => vec![n],
        refs => refs
            .iter()
            .map(|r| tensor_of(r, n, &by_name, names, diags).unwrap_or(n))
            .collect(),
    };
    (diags.len() == before).then_some(Wiring { inputs, outputs })
}

/// The tensor `r` names, read by layer `reader` (which may only read earlier ones).
fn tensor_of(
    r: &Spanned<Ref>,
    reader: usize,
    by_name: &HashMap<&str, usize>,
    names: &[String],
    diags: &mut Diagnostics,
) -> Option<usize> {
    let tensor = match &r.value {
        Ref::Input => 0,
        Ref::Layer(j) => j + 1,
        Ref::Name(name) => match by_name.get(name.as_str()) {
            Some(&t) => t,
            None => {
                let d = Diagnostic::new(r.loc, format!("no layer or input is named `{name}`"));
                // Sorted: a tie goes to the same name at every build.
                let mut known: Vec<&str> = by_name.keys().copied().collect();
                known.sort_unstable();
                diags.push(match closest(name, known) {
                    Some(near) => d.help(format!("did you mean `{near}`?")),
                    None => d.help("a layer reads the input or an earlier layer, by its name"),
                });
                return None;
            }
        },
    };
    if tensor > reader {
        let what = names.get(tensor - 1).map_or("?", String::as_str);
        diags.push(
            Diagnostic::new(
                r.loc,
                format!("`{what}` is computed after the layer that reads it"),
            )
            .help("a layer reads only the input and layers written before it"),
        );
        return None;
    }
    Some(tensor)
}

/// Every layer's output is read by a later layer or is the model's output:
/// a branch whose result is never used is a mistake (Keras drops it silently).
pub fn check_all_used(
    layers: &[LayerSpec],
    names: &[String],
    wiring: &Wiring,
    diags: &mut Diagnostics,
) {
    let mut read = vec![false; layers.len() + 1];
    for reads in &wiring.inputs {
        for &t in reads {
            read[t] = true;
        }
    }
    for &t in &wiring.outputs {
        read[t] = true;
    }
    for (i, layer) in layers.iter().enumerate() {
        if !read[i + 1] {
            let before = diags.len();
            diags.push(
                Diagnostic::new(
                    layer.loc,
                    format!("the output of `{}` is never used", names[i]),
                )
                .note("every branch of a model must lead to its output")
                .help("pass it to a later layer (for example `Add(x, y)`), or remove the branch"),
            );
            diags.tag_layer(before, i);
        }
    }
}

/// Each tensor's node as Keras sees the model: the tensor itself, or for a
/// layer of a nested model (whose layers the front-end lists together) the
/// model's last layer, its output.
pub fn scope_nodes(layers: &[PlannedLayer]) -> Vec<usize> {
    let n = layers.len();
    let mut node: Vec<usize> = (0..=n).collect();
    for t in (1..n).rev() {
        if let (Some(a), Some(b)) = (&layers[t - 1].scope, &layers[t].scope) {
            if a == b {
                node[t] = node[t + 1];
            }
        }
    }
    node
}

/// The layers in Keras' order with their operands renumbered, and the output
/// tensor's new number. Keras lists a functional model's layers by depth
/// (the longest path to the output), deepest first, and layers of one depth
/// in the order a depth-first walk from the output, inputs in order, first
/// reaches them. A chain keeps its order. A nested model is one node there,
/// as Keras sees it: its layers stay together, in their order.
pub fn keras_order(
    mut layers: Vec<PlannedLayer>,
    outputs: &[usize],
) -> (Vec<PlannedLayer>, Vec<usize>) {
    let n = layers.len();
    let node = scope_nodes(&layers);
    // Depth-first pre-order from the outputs, the first first.
    let mut first_seen = vec![usize::MAX; n + 1];
    let mut seen = 0;
    let mut stack: Vec<usize> = outputs.iter().rev().copied().collect();
    while let Some(t) = stack.pop() {
        if first_seen[t] != usize::MAX {
            continue;
        }
        first_seen[t] = seen;
        seen += 1;
        if t > 0 {
            stack.extend(layers[t - 1].inputs.iter().rev().map(|o| o.tensor));
        }
    }
    // Longest path to the output; producers come before their readers.
    let mut depth = vec![0usize; n + 1];
    for t in (1..=n).rev() {
        for operand in &layers[t - 1].inputs {
            let (from, to) = (node[operand.tensor], node[t]);
            if from != to {
                depth[from] = depth[from].max(depth[to] + 1);
            }
        }
    }
    let mut order: Vec<usize> = (1..=n).collect();
    order.sort_by_key(|&t| (std::cmp::Reverse(depth[node[t]]), first_seen[node[t]], t));
    let mut renumber = vec![0usize; n + 1];
    for (position, &t) in order.iter().enumerate() {
        renumber[t] = position + 1;
    }
    for layer in &mut layers {
        for operand in &mut layer.inputs {
            operand.tensor = renumber[operand.tensor];
        }
    }
    let mut slots: Vec<Option<PlannedLayer>> = layers.into_iter().map(Some).collect();
    let ordered = order.iter().filter_map(|&t| slots[t - 1].take()).collect();
    (ordered, outputs.iter().map(|&t| renumber[t]).collect())
}
