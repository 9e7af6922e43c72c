//! The Keras objects Python code builds (layers, symbolic tensors, models),
//! and the model chosen at the end turned into the layer list the rest of
//! the compiler reads, in the order Keras lists the layers.

use super::super::args::Arg as DslArg;
use super::super::dsl::LayerCall;
use super::super::keras_json::KerasModel;
use super::super::keras_py::{Pos, TextError};
use super::super::value::Value as Dsl;
use super::err;
use crate::diag::Loc;
use crate::spec::{Class, Ref, Scope, Spanned};
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// A layer object: `layers.Conv2D(32, 3, activation="relu")`, its options
/// already read as the DSL reads them (errors kept until the layer is
/// part of the model: a layer nobody uses is never an error).
pub struct Layer {
    /// The class as written (`Conv2D`, `Convolution2D`).
    pub word: String,
    pub class: Option<Class>,
    /// Keras' name: given, or made as Keras makes it (`conv2d_3`).
    pub name: String,
    /// Where the class is named.
    pub pos: Pos,
    pub args: Result<Vec<DslArg>, Vec<TextError>>,
    /// `input_shape=` given on the layer (only a Sequential's first layer's counts).
    pub input_shape: Option<Result<Shape, TextError>>,
    /// Called on a tensor or put in a Sequential: a second use would share
    /// its weights, which the compiler does not do.
    pub used: Cell<bool>,
}

/// An input's sizes and where they were given.
#[derive(Clone, Debug)]
pub struct Shape {
    pub dims: Vec<usize>,
    pub pos: Pos,
}

/// `keras.Input(...)`.
pub struct Input {
    pub name: String,
    pub shape: Result<Shape, TextError>,
    pub pos: Pos,
}

/// A node of the graph the code builds: one call, making one tensor.
pub struct Node {
    pub op: Op,
    pub inputs: Vec<usize>,
    /// Where the call is.
    pub pos: Pos,
}

pub enum Op {
    Input(Rc<Input>),
    Layer(Rc<Layer>),
    Model(Rc<Model>),
}

pub struct Model {
    pub name: String,
    pub pos: Pos,
    pub kind: ModelKind,
}

pub enum ModelKind {
    Sequential(RefCell<Sequential>),
    Functional {
        inputs: Vec<usize>,
        outputs: Vec<usize>,
    },
}

#[derive(Default)]
pub struct Sequential {
    pub items: Vec<Item>,
    pub input: Option<Result<Shape, TextError>>,
    pub input_name: Option<String>,
}

pub enum Item {
    Layer(Rc<Layer>),
    Model(Rc<Model>),
}

impl Model {
    /// A Sequential's or functional model's input shape, when known.
    fn input_shape(&self, graph: &[Node]) -> Option<Result<Shape, TextError>> {
        match &self.kind {
            ModelKind::Sequential(s) => {
                let s = s.borrow();
                s.input.clone().or_else(|| match s.items.first() {
                    Some(Item::Model(m)) => m.input_shape(graph),
                    _ => None,
                })
            }
            ModelKind::Functional { inputs, .. } => match inputs.as_slice() {
                [one] => match &graph[*one].op {
                    Op::Input(input) => Some(input.shape.clone()),
                    _ => None,
                },
                _ => None,
            },
        }
    }

    fn class(&self) -> &'static str {
        match self.kind {
            ModelKind::Sequential(_) => "Sequential",
            ModelKind::Functional { .. } => "Functional",
        }
    }
}

/// The model as the compiler reads it, with where each layer and the input
/// were written.
pub struct Built {
    pub model: KerasModel,
    pub layers: Vec<Pos>,
    pub input: Pos,
}

/// `model`, built from the nodes of `graph`, as a layer list.
pub fn build(model: &Model, graph: &[Node]) -> Result<Built, Vec<TextError>> {
    let mut emit = Emit {
        graph,
        calls: Vec::new(),
        positions: Vec::new(),
        errors: Vec::new(),
        names: HashMap::new(),
    };
    let mut keras = KerasModel {
        name: model.name.clone(),
        input: Vec::new(),
        input_name: None,
        functional: false,
        layers: Vec::new(),
        outputs: Vec::new(),
    };
    let mut input_pos = model.pos;
    match &model.kind {
        ModelKind::Sequential(sequential) => {
            let sequential = sequential.borrow();
            match model.input_shape(graph) {
                Some(Ok(shape)) => {
                    input_pos = shape.pos;
                    keras.input = shape.dims;
                }
                Some(Err(e)) => emit.errors.push(e),
                None => emit.errors.push(err(
                    model.pos,
                    "the model has no input shape: give `keras.Input(shape=(H, W, C))` first, \
                     `input_shape=` on the first layer, or call `model.build((None, H, W, C))`",
                )),
            }
            keras.input_name = sequential.input_name.clone();
            emit.sequential(&sequential, None, None);
        }
        ModelKind::Functional { inputs, outputs } => {
            keras.functional = true;
            let order = keras_order(graph, inputs, outputs);
            let mut refs: HashMap<usize, Ref> = HashMap::new();
            for &node in &order {
                let Node {
                    op, inputs: reads, ..
                } = &graph[node];
                match op {
                    Op::Input(input) => {
                        let shape = match &input.shape {
                            Ok(shape) => shape.clone(),
                            Err(e) => {
                                // Reported; its readers are still checked.
                                emit.errors.push(e.clone());
                                refs.insert(node, Ref::Input);
                                continue;
                            }
                        };
                        input_pos = shape.pos;
                        if !inputs.contains(&node) {
                            emit.errors.push(err(
                                input.pos,
                                format!(
                                    "the input `{}` is used but is not one of the model's inputs",
                                    input.name
                                ),
                            ));
                        }
                        if inputs.len() == 1 {
                            keras.input = shape.dims;
                            keras.input_name = Some(input.name.clone());
                            refs.insert(node, Ref::Input);
                        } else {
                            let int = |n: usize| located(Dsl::Int(n as i128));
                            let dims = Dsl::Tuple(shape.dims.iter().map(|&d| int(d)).collect());
                            emit.push(
                                LayerCall {
                                    class: Class::InputLayer,
                                    word: "InputLayer".to_string(),
                                    args: vec![
                                        DslArg::keyword("shape", located(dims)),
                                        DslArg::keyword(
                                            "offset",
                                            int(input_offset(
                                                graph,
                                                inputs,
                                                inputs.iter().position(|&i| i == node).unwrap_or(0),
                                            )),
                                        ),
                                        DslArg::keyword(
                                            "name",
                                            located(Dsl::Str(input.name.clone())),
                                        ),
                                    ],
                                    inputs: Some(vec![Spanned::new(Ref::Input, Loc::default())]),
                                    loc: Loc::default(),
                                    scope: None,
                                },
                                input.pos,
                                &input.name,
                            );
                            refs.insert(node, Ref::Layer(emit.calls.len() - 1));
                        }
                    }
                    Op::Layer(layer) => {
                        let reads = reads
                            .iter()
                            .map(|r| refs.get(r).cloned().unwrap_or(Ref::Input))
                            .collect();
                        emit.layer(layer, Some(reads), None);
                        refs.insert(node, Ref::Layer(emit.calls.len() - 1));
                    }
                    Op::Model(inner) => {
                        let reads = reads
                            .iter()
                            .map(|r| refs.get(r).cloned().unwrap_or(Ref::Input))
                            .collect();
                        if let Some(output) = emit.nested(inner, reads) {
                            refs.insert(node, output);
                        }
                    }
                }
            }
            if inputs.len() > 1 {
                keras.input = vec![input_offset(graph, inputs, inputs.len())];
                keras.input_name = Some(String::new());
            }
            let last = emit.calls.len().checked_sub(1).map(Ref::Layer);
            if outputs.iter().any(|o| inputs.contains(o)) {
                emit.errors.push(err(
                    model.pos,
                    "the model's input is one of its outputs: not supported",
                ));
            } else if !(outputs.len() == 1 && refs.get(&outputs[0]) == last.as_ref()) {
                keras.outputs = outputs
                    .iter()
                    .filter_map(|o| match refs.get(o) {
                        Some(Ref::Layer(i)) => Some(emit.layer_name(*i)),
                        _ => None,
                    })
                    .collect();
            }
        }
    }
    if !emit.errors.is_empty() {
        emit.errors.sort_by_key(|e| (e.pos.line, e.pos.column));
        emit.errors
            .dedup_by(|a, b| a.pos == b.pos && a.message == b.message);
        return Err(emit.errors);
    }
    keras.layers = emit.calls;
    Ok(Built {
        model: keras,
        layers: emit.positions,
        input: input_pos,
    })
}

/// Where the model's input number `index` lies in the inputs struct: after
/// the inputs before it, in the order the model lists them (`inputs.len()`:
/// the size of the whole struct).
fn input_offset(graph: &[Node], inputs: &[usize], index: usize) -> usize {
    inputs[..index]
        .iter()
        .map(|&i| match &graph[i].op {
            Op::Input(input) => input
                .shape
                .as_ref()
                .map_or(0, |s| s.dims.iter().product::<usize>()),
            _ => 0,
        })
        .sum()
}

fn located(value: Dsl) -> Spanned<Dsl> {
    Spanned::new(value, Loc::default())
}

struct Emit<'g> {
    graph: &'g [Node],
    calls: Vec<LayerCall>,
    positions: Vec<Pos>,
    errors: Vec<TextError>,
    /// Each layer's name, by index.
    names: HashMap<usize, String>,
}

impl Emit<'_> {
    fn push(&mut self, call: LayerCall, pos: Pos, name: &str) {
        self.names.insert(self.calls.len(), name.to_string());
        self.calls.push(call);
        self.positions.push(pos);
    }

    fn layer_name(&self, i: usize) -> String {
        self.names.get(&i).cloned().unwrap_or_default()
    }

    /// One layer, reading `inputs` (`None`: the previous layer's output).
    fn layer(&mut self, layer: &Layer, inputs: Option<Vec<Ref>>, scope: Option<&Scope>) {
        let Some(class) = layer.class else {
            self.errors.push(err(
                layer.pos,
                format!("layer `{}` is not supported yet", layer.word),
            ));
            return self.stand_in(layer, inputs, scope);
        };
        let mut args = match &layer.args {
            Ok(args) => args.clone(),
            Err(errors) => {
                self.errors.extend(errors.iter().cloned());
                return self.stand_in(layer, inputs, scope);
            }
        };
        args.push(DslArg::keyword(
            "name",
            located(Dsl::Str(layer.name.clone())),
        ));
        self.push_call(class, &layer.word, args, inputs, scope, layer);
    }

    fn push_call(
        &mut self,
        class: Class,
        word: &str,
        args: Vec<DslArg>,
        inputs: Option<Vec<Ref>>,
        scope: Option<&Scope>,
        layer: &Layer,
    ) {
        let inputs = inputs.map(|refs| {
            refs.into_iter()
                .map(|r| Spanned::new(r, Loc::default()))
                .collect()
        });
        let call = LayerCall {
            class,
            word: word.to_string(),
            args,
            inputs,
            loc: Loc::default(),
            scope: scope.cloned(),
        };
        self.push(call, layer.pos, &layer.name);
    }

    /// A layer standing for one that could not be read (and was reported),
    /// so that indices stay right and the other layers are checked too.
    fn stand_in(&mut self, layer: &Layer, inputs: Option<Vec<Ref>>, scope: Option<&Scope>) {
        let args = vec![DslArg::keyword("rate", located(Dsl::Float(0.0)))];
        self.push_call(Class::Dropout, "Dropout", args, inputs, scope, layer);
    }

    /// A Sequential's items; its first reads `first` (`None`: the model's
    /// input, or the previous layer's output).
    fn sequential(
        &mut self,
        sequential: &Sequential,
        first: Option<Vec<Ref>>,
        scope: Option<&Scope>,
    ) {
        let mut previous = first;
        for item in &sequential.items {
            let reads = previous
                .take()
                .or_else(|| scope.map(|_| vec![Ref::Layer(self.calls.len().saturating_sub(1))]));
            match item {
                Item::Layer(layer) => self.layer(layer, reads, scope),
                Item::Model(inner) => {
                    if scope.is_some() {
                        self.errors.push(err(
                            inner.pos,
                            "a model nested in a nested model is not supported yet",
                        ));
                        continue;
                    }
                    let reads = reads.unwrap_or_else(|| {
                        vec![match self.calls.len() {
                            0 => Ref::Input,
                            n => Ref::Layer(n - 1),
                        }]
                    });
                    self.nested(inner, reads);
                }
            }
        }
    }

    /// A model used as a layer, reading `inputs`: its layers in its scope;
    /// the tensor it makes.
    fn nested(&mut self, model: &Model, inputs: Vec<Ref>) -> Option<Ref> {
        let scope = Scope {
            name: model.name.clone(),
            class: model.class(),
        };
        let first = self.calls.len();
        match &model.kind {
            ModelKind::Sequential(sequential) => {
                self.sequential(&sequential.borrow(), Some(inputs), Some(&scope));
            }
            ModelKind::Functional {
                inputs: own_inputs,
                outputs,
            } => {
                if outputs.len() != 1 || own_inputs.len() != inputs.len() {
                    self.errors.push(err(
                        model.pos,
                        "a model used as a layer must have one input and one output",
                    ));
                    return None;
                }
                let mut refs: HashMap<usize, Ref> =
                    own_inputs.iter().copied().zip(inputs).collect();
                for node in keras_order(self.graph, own_inputs, outputs) {
                    if refs.contains_key(&node) {
                        continue;
                    }
                    let Node {
                        op,
                        inputs: reads,
                        pos,
                    } = &self.graph[node];
                    let Some(reads) = reads.iter().map(|r| refs.get(r).cloned()).collect() else {
                        self.errors
                            .push(err(*pos, "reads a tensor from outside the nested model"));
                        return None;
                    };
                    match op {
                        Op::Layer(layer) => self.layer(layer, Some(reads), Some(&scope)),
                        Op::Model(inner) => {
                            self.errors.push(err(
                                inner.pos,
                                "a model nested in a nested model is not supported yet",
                            ));
                            return None;
                        }
                        Op::Input(input) => {
                            self.errors.push(err(
                                input.pos,
                                "an input that is not the nested model's own",
                            ));
                            return None;
                        }
                    }
                    refs.insert(node, Ref::Layer(self.calls.len() - 1));
                }
            }
        }
        if self.calls.len() == first {
            self.errors
                .push(err(model.pos, "the nested model has no layers"));
            return None;
        }
        Some(Ref::Layer(self.calls.len() - 1))
    }
}

/// The nodes a functional model with `inputs` and `outputs` holds, in the
/// order Keras lists its layers: deepest first (the depth of a node is the
/// longest path from it to an output), ties in the order a depth-first walk
/// from the outputs first meets them.
pub fn keras_order(graph: &[Node], inputs: &[usize], outputs: &[usize]) -> Vec<usize> {
    let is_input = |n: usize| matches!(graph[n].op, Op::Input(_));
    let mut first_met: HashMap<usize, usize> = HashMap::new();
    let mut finished: HashSet<usize> = HashSet::new();
    // Nodes after all the nodes they read (the walk's post-order).
    let mut sorted: Vec<usize> = Vec::new();
    for &output in outputs {
        let mut stack: Vec<(usize, usize)> = Vec::new();
        let mut enter =
            |n: usize, stack: &mut Vec<(usize, usize)>, finished: &mut HashSet<usize>| {
                if finished.contains(&n) {
                    return;
                }
                if !is_input(n) && inputs.contains(&n) {
                    finished.insert(n);
                    return;
                }
                let next = first_met.len();
                first_met.entry(n).or_insert(next);
                stack.push((n, 0));
            };
        enter(output, &mut stack, &mut finished);
        while let Some(&mut (n, ref mut i)) = stack.last_mut() {
            let reads = if is_input(n) {
                &[][..]
            } else {
                &graph[n].inputs[..]
            };
            if let Some(&parent) = reads.get(*i) {
                *i += 1;
                enter(parent, &mut stack, &mut finished);
            } else {
                stack.pop();
                if finished.insert(n) {
                    sorted.push(n);
                }
            }
        }
    }
    let in_graph: HashSet<usize> = sorted.iter().copied().collect();
    let mut depth: HashMap<usize, usize> = HashMap::new();
    for &n in sorted.iter().rev() {
        let d = *depth.entry(n).or_insert(0);
        if is_input(n) {
            continue;
        }
        for parent in &graph[n].inputs {
            if in_graph.contains(parent) {
                let e = depth.entry(*parent).or_insert(0);
                *e = (*e).max(d + 1);
            }
        }
    }
    let mut order: Vec<(usize, i64, usize)> = depth
        .iter()
        .map(|(&n, &d)| (d, first_met.get(&n).map_or(-1, |&i| i as i64), n))
        .collect();
    // Inputs no output depends on are listed too.
    for &input in inputs {
        if is_input(input) && !depth.contains_key(&input) {
            order.push((0, -1, input));
        }
    }
    order.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    order.into_iter().map(|(_, _, n)| n).collect()
}
