//! The `cnn! { ... }` token front-end.
//!
//! ```text
//! #[attrs] pub struct Name;     (optional)
//! input(H, W, C);               (`input(N, C)` a sequence, `input(N)` a flat vector)
//! output(x, y);                 (several outputs, in order: a struct of them)
//! weights = "file";             (optional)
//! Layer(args) Layer ...         (separated by whitespace, `,` or `;`)
//! ```
//!
//! Graphs read like Keras' functional API: `x = Layer(args) Layer ...;` names
//! the result of a chain of layers, a layer reads named tensors with a second
//! pair of parentheses, `Conv2D(16, 1x1)(x)`, and merges name what they merge,
//! `Add(x, y)` (or Keras' `Add()([x, y])`). A layer without inputs reads the
//! result of the layer before it; `input` names the model's input.

use super::args::{arguments, Arg, Args, Schema};
use super::value::{loc_of, parse_value, split_commas, Value};
use crate::diag::{Diagnostic, Diagnostics, Loc};
use crate::names::closest;
use crate::spec::{
    Activation, BatchNormSpec, Class, ConstantOp, Conv1DSpec, Conv2DSpec, Conv2DTransposeSpec,
    DenseSpec, DepthwiseSpec, LayerKind, LayerSpec, ModelSpec, OpActivation, Padding, Pair, PoolOp,
    PoolSpec, Ref, Scope, SeparableSpec, Spanned, LEAKY_RELU_ACTIVATION_SLOPE,
    LEAKY_RELU_LAYER_SLOPE,
};
use proc_macro2::{Delimiter, Ident, TokenStream, TokenTree};
use quote::ToTokens;
use syn::parse::{Parse, ParseStream};

/// Parses a `cnn!` body. `None` only when the `struct` header is malformed; any
/// other mistake is reported and parsing goes on.
pub fn parse(tokens: TokenStream, diags: &mut Diagnostics) -> Option<ModelSpec> {
    if let Err(d) = check_nesting(&tokens) {
        diags.push(d);
        return None;
    }
    let whole = Loc::of(&tokens);
    let header = match syn::parse2::<Header>(tokens) {
        Ok(header) => header,
        Err(e) => {
            diags.push(Diagnostic::new(Loc::span(e.span()), e.to_string()));
            return None;
        }
    };
    let mut spec = ModelSpec {
        attrs: header.attrs,
        vis: header.vis,
        ident: header.ident,
        model_name: None,
        input: None,
        input_name: None,
        functional: false,
        outputs: Vec::new(),
        input_invalid: false,
        weights: None,
        layers: Vec::new(),
        loc: whole,
    };
    let mut graph = Tensors::new();
    for entry in split_items(header.rest, diags) {
        match entry {
            Entry::Item(item) => {
                let (before, layers) = (diags.len(), spec.layers.len());
                add_item(&mut spec, &mut graph, item, diags);
                if spec.layers.len() > layers {
                    diags.tag_layer(before, layers);
                }
            }
            Entry::Bind(name) => {
                spec.functional = true;
                graph.names.insert(name.to_string(), graph.current.clone());
            }
        }
    }
    Some(spec)
}

/// The tensors a model description has named so far, and the result of the
/// last layer (what a layer without inputs reads).
struct Tensors {
    names: std::collections::HashMap<String, Ref>,
    current: Ref,
}

impl Tensors {
    fn new() -> Self {
        let mut names = std::collections::HashMap::new();
        names.insert("input".to_string(), Ref::Input);
        Tensors {
            names,
            current: Ref::Input,
        }
    }

    /// The tensor a name in an input list refers to; reports unknown names.
    fn lookup(&self, ident: &Ident, diags: &mut Diagnostics) -> Option<Spanned<Ref>> {
        let name = ident.to_string();
        let loc = Loc::span(ident.span());
        match self.names.get(&name) {
            Some(r) => Some(Spanned::new(r.clone(), loc)),
            None => {
                let d = Diagnostic::new(loc, format!("no tensor is named `{name}`"));
                // Sorted: a tie goes to the same name at every build.
                let mut known: Vec<&str> = self.names.keys().map(String::as_str).collect();
                known.sort_unstable();
                diags.push(match closest(&name, known) {
                    // Several inputs: `input` was given up for their names.
                    _ if name == "input" => d.help(
                        "the model has several inputs: read each by the name given in its `input(..., name = \"...\")`",
                    ),
                    Some(near) => d.help(format!("did you mean `{near}`?")),
                    None => d.help(format!(
                        "name a result first: `{name} = Conv2D(16, 3x3) ReLU;`, or read the model's input as `input`"
                    )),
                });
                None
            }
        }
    }
}

/// A top-level entry: a layer (or setting), or the end of `name = ...;`.
enum Entry {
    Item(Item),
    Bind(Ident),
}

/// Deeper bracket nesting than any model needs is refused before anything
/// else reads the tokens: the readers are recursive, and the compiler's stack
/// must not overflow.
pub const MAX_NESTING: usize = 32;

/// An error on the first group nested more than [`MAX_NESTING`] deep; the
/// walk itself keeps its own stack.
fn check_nesting(tokens: &TokenStream) -> Result<(), Diagnostic> {
    let mut stack = vec![tokens.clone().into_iter()];
    while let Some(top) = stack.last_mut() {
        match top.next() {
            Some(TokenTree::Group(group)) => {
                if stack.len() > MAX_NESTING {
                    return Err(Diagnostic::new(
                        Loc::span(group.span_open()),
                        format!("brackets nested more than {MAX_NESTING} deep"),
                    )
                    .help("a model needs a few levels at most: `((1, 2), (0, 1))`"));
                }
                stack.push(group.stream().into_iter());
            }
            Some(_) => {}
            None => {
                stack.pop();
            }
        }
    }
    Ok(())
}

/// Attributes, visibility and `struct Name;`, then the rest untouched.
#[derive(Clone)]
pub struct Header {
    pub attrs: TokenStream,
    pub vis: TokenStream,
    pub ident: Option<Ident>,
    pub rest: TokenStream,
}

impl Parse for Header {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(syn::Attribute::parse_outer)?;
        // The generated struct's layout is part of its safety (it is read as
        // plain f32s): it is `repr(C)`, and nothing may change that.
        if let Some(repr) = attrs.iter().find(|a| a.path().is_ident("repr")) {
            return Err(syn::Error::new_spanned(
                repr,
                "a model type's layout is fixed (`repr(C)`, f32 alignment): remove this `repr` attribute",
            ));
        }
        let mut vis = TokenStream::new();
        let mut ident = None;
        if input.peek(syn::Token![pub]) || input.peek(syn::Token![struct]) {
            vis = input.parse::<syn::Visibility>()?.into_token_stream();
            input.parse::<syn::Token![struct]>()?;
            ident = Some(input.parse::<Ident>()?);
            if input.peek(syn::Token![<]) {
                return Err(input.error("a model type takes no generic parameters"));
            }
            input
                .parse::<syn::Token![;]>()
                .map_err(|_| input.error("expected `;` after the type name: `pub struct Name;`"))?;
        } else if let Some(first) = attrs.first() {
            return Err(syn::Error::new_spanned(
                first,
                "attributes need a type to attach to: add `pub struct Name;` after them",
            ));
        }
        Ok(Header {
            attrs: attrs.iter().map(ToTokens::to_token_stream).collect(),
            vis,
            ident,
            rest: input.parse()?,
        })
    }
}

/// One top-level entry: `name`, `name(args)`, `name(args)(inputs)` or
/// `setting = value`.
struct Item {
    ident: Ident,
    args: Option<proc_macro2::Group>,
    inputs: Option<proc_macro2::Group>,
    assigned: Option<Vec<TokenTree>>,
}

/// Top-level `name = value` entries; any other `name = ...` names a result.
const SETTINGS: [&str; 2] = ["weights", "model_name"];

/// Top-level tokens, with the invisible groups `macro_rules!` may add opened up.
fn flatten(tokens: TokenStream) -> Vec<TokenTree> {
    let mut out = Vec::new();
    for token in tokens {
        match token {
            TokenTree::Group(g) if g.delimiter() == Delimiter::None => {
                out.extend(flatten(g.stream()))
            }
            other => out.push(other),
        }
    }
    out
}

fn is_separator(token: &TokenTree) -> bool {
    matches!(token, TokenTree::Punct(p) if p.as_char() == ',' || p.as_char() == ';')
}

fn split_items(tokens: TokenStream, diags: &mut Diagnostics) -> Vec<Entry> {
    let tokens = flatten(tokens);
    let mut entries = Vec::new();
    let mut binding: Option<Ident> = None;
    let mut i = 0;
    while i < tokens.len() {
        let token = &tokens[i];
        i += 1;
        if is_separator(token) {
            if matches!(token, TokenTree::Punct(p) if p.as_char() == ';') {
                if let Some(name) = binding.take() {
                    entries.push(Entry::Bind(name));
                }
            }
            continue;
        }
        let TokenTree::Ident(ident) = token else {
            diags.push(
                Diagnostic::new(Loc::span(token.span()), format!("expected a layer, found `{token}`"))
                    .help("layers are written `Conv2D(32, 3x3, relu)` or `Flatten`, separated by spaces, `,` or `;`"),
            );
            continue;
        };
        let mut item = Item {
            ident: ident.clone(),
            args: None,
            inputs: None,
            assigned: None,
        };
        let is_group = |t: Option<&TokenTree>| matches!(t, Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis);
        match tokens.get(i) {
            Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis => {
                item.args = Some(g.clone());
                i += 1;
                if let (true, Some(TokenTree::Group(g))) = (is_group(tokens.get(i)), tokens.get(i))
                {
                    item.inputs = Some(g.clone());
                    i += 1;
                }
            }
            Some(TokenTree::Punct(p))
                if p.as_char() == '=' && !SETTINGS.contains(&ident.to_string().as_str()) =>
            {
                // `x = Layer ...;` names the result of the layers up to `;`.
                i += 1;
                if let Some(previous) = binding.replace(ident.clone()) {
                    diags.push(
                        Diagnostic::new(
                            Loc::span(ident.span()),
                            format!("`{previous} = ...` is not ended before `{ident} = ...`"),
                        )
                        .help("end each `name = Layer ...` with `;`"),
                    );
                }
                if !matches!(tokens.get(i), Some(TokenTree::Ident(_))) {
                    diags.push(
                        Diagnostic::new(Loc::span(ident.span()), format!("expected layers after `{ident} =`"))
                            .help(format!("`{ident} = Conv2D(16, 3x3) ReLU;` names the result of those layers `{ident}`")),
                    );
                }
                continue;
            }
            Some(TokenTree::Punct(p)) if p.as_char() == '=' => {
                let start = i + 1;
                let mut end = start;
                while end < tokens.len() && !is_separator(&tokens[end]) {
                    end += 1;
                }
                item.assigned = Some(tokens[start..end].to_vec());
                i = end;
            }
            _ => {}
        }
        entries.push(Entry::Item(item));
    }
    if let Some(name) = binding {
        entries.push(Entry::Bind(name));
    }
    entries
}

fn add_item(spec: &mut ModelSpec, graph: &mut Tensors, item: Item, diags: &mut Diagnostics) {
    let loc = Loc::span(item.ident.span());
    let word = item.ident.to_string();
    match (word.as_str(), &item.assigned) {
        ("input", None) => add_input(spec, graph, item, diags),
        ("output", None) => {
            // `output(label, box, mask);`: the model's outputs, in order.
            let Some(args) = &item.args else {
                diags.push(
                    Diagnostic::new(loc, "`output` needs the tensors the model returns")
                        .help("name them, in order: `output(label, box, mask);`"),
                );
                return;
            };
            if !spec.outputs.is_empty() {
                diags.error(
                    loc,
                    "the outputs are already given: write one `output(...)`",
                );
                return;
            }
            spec.outputs = input_list(args.stream(), graph, diags);
            spec.functional = true;
        }
        ("weights", Some(value)) => add_weights(spec, loc, value, diags),
        ("model_name", Some(value)) => add_model_name(spec, loc, value, diags),
        ("weights", None) => diags.push(
            Diagnostic::new(loc, "`weights` is a setting, not a layer")
                .help("write `weights = \"models/model.safetensors\";`"),
        ),
        (_, Some(_)) => diags.push(
            Diagnostic::new(loc, format!("unknown setting `{word}`")).help(
                "the top-level settings are `weights = \"file\";` and `model_name = \"name\";`",
            ),
        ),
        _ => {
            add_layer(spec, graph, item, diags);
            graph.current = Ref::Layer(spec.layers.len() - 1);
        }
    }
}

fn add_input(spec: &mut ModelSpec, graph: &mut Tensors, item: Item, diags: &mut Diagnostics) {
    let loc = Loc::span(item.ident.span());
    let full = match &item.args {
        Some(g) => loc.to(Loc::span(g.span_close())),
        None => loc,
    };
    if spec.input_invalid {
        return;
    }
    let is_input = |l: &LayerSpec| l.class == Some(Class::InputLayer);
    if let Some(first) = spec.layers.iter().find(|l| !is_input(l)) {
        diags.push(
            Diagnostic::new(full, "`input(...)` must come first, before any layer")
                .note(format!(
                    "the first layer, `{}`, comes before it",
                    first.class.map_or("?", Class::keras_name)
                ))
                .help("move this line to the top of the model, after `struct Name;`"),
        );
    }
    let tokens = item
        .args
        .map(|g| g.stream().into_iter().collect())
        .unwrap_or_default();
    let before = diags.len();
    let input = parse_input(tokens, full, diags);
    spec.input_invalid = input.is_none() || diags.len() > before;
    let Some((dims, name)) = input.filter(|_| !spec.input_invalid) else {
        return;
    };
    if spec.input.is_none() {
        spec.input = Some(dims);
        spec.input_name = name;
        graph.current = Ref::Input;
        return;
    }
    // Several inputs: each is a layer reading its part of the inputs
    // struct, read by its name.
    let named = |name: Option<String>, at: Loc, diags: &mut Diagnostics| {
        if name.is_none() {
            diags.push(
                Diagnostic::new(at, "with several inputs, each needs a name to be read by")
                    .help("write `input(28, 28, 1, name = \"image\");` and read it as `image`"),
            );
        }
        name
    };
    if spec.layers.is_empty() {
        let first = spec.input.take().expect("checked above");
        let Some(first_name) = named(spec.input_name.take(), first.loc, diags) else {
            spec.input_invalid = true;
            return;
        };
        push_input_part(spec, graph, first_name, first);
    }
    let Some(name) = named(name, full, diags) else {
        spec.input_invalid = true;
        return;
    };
    push_input_part(spec, graph, name, dims);
}

/// One more input of a model with several: an `InputLayer` reading its
/// values after those of the inputs before it; the model's input is all of
/// them, one after the other.
fn push_input_part(
    spec: &mut ModelSpec,
    graph: &mut Tensors,
    name: String,
    dims: Spanned<Vec<usize>>,
) {
    let offset = spec.input.as_ref().map_or(0, |all| all.value[0]);
    let len = dims.value.iter().fold(1usize, |n, &d| n.saturating_mul(d));
    let loc = dims.loc;
    spec.layers.push(LayerSpec {
        class: Some(Class::InputLayer),
        kind: Some(LayerKind::InputPart {
            offset,
            shape: dims.value,
        }),
        name: Some(Spanned::new(name.clone(), loc)),
        inputs: Some(vec![Spanned::new(Ref::Input, loc)]),
        loc,
        scope: None,
    });
    spec.input = Some(Spanned::new(vec![offset.saturating_add(len)], loc));
    // The inputs struct as a whole: no layer can name it.
    spec.input_name = Some(String::new());
    spec.functional = true;
    graph.names.remove("input");
    graph.current = Ref::Layer(spec.layers.len() - 1);
    graph.names.insert(name, graph.current.clone());
}

/// `input(28, 28, 1)`, `input((28, 28, 1))`, `input(shape = (28, 28, 1))`
/// (as in `keras.Input(shape=...)`), or `input(784)` for a flat vector;
/// `name = "..."` names it (Keras' `InputLayer`).
fn parse_input(
    tokens: Vec<TokenTree>,
    full: Loc,
    diags: &mut Diagnostics,
) -> Option<(Spanned<Vec<usize>>, Option<String>)> {
    const INPUT: Schema = Schema {
        positional: &["height", "width", "channels"],
        keywords: &["height", "width", "channels", "shape", "name"],
        aliases: &[],
    };
    const DIMS: [&str; 3] = ["height", "width", "channels"];
    let mut args = Args::bind("input", &INPUT, tokens, diags);
    let name = args
        .take("name")
        .and_then(|v| args.string(v, "name"))
        .map(|n| n.value);
    let dims: Vec<Spanned<Value>> = match (args.take("shape"), args.take("height")) {
        (Some(v), None) | (None, Some(v)) if matches!(v.value, Value::Tuple(_)) => {
            let Value::Tuple(dims) = v.value else {
                unreachable!("matched above")
            };
            if !(1..=3).contains(&dims.len()) {
                args.diags().push(
                    Diagnostic::new(v.loc, format!("`input` needs 3 sizes (height, width, channels), 2 (steps, channels: a sequence) or 1 (a flat vector), found {}", dims.len()))
                        .help("images are channels-last like Keras: `input(28, 28, 1)`; a flat vector of N values is `input(N)`"),
                );
                return None;
            }
            dims
        }
        (Some(v), other) => {
            let (loc, message) = match other {
                Some(h) => (
                    h.loc,
                    "give either `shape = (H, W, C)` or three sizes, not both",
                ),
                None => (v.loc, "`shape` must be a tuple `(height, width, channels)`"),
            };
            args.diags().error(loc, message);
            return None;
        }
        (None, Some(h)) if !args.has("width") && !args.has("channels") => vec![h],
        // Two sizes: a sequence of `steps` of `channels` (Conv1D's input).
        (None, Some(h)) if args.has("width") && !args.has("channels") => {
            let w = args.take("width")?;
            vec![h, w]
        }
        (None, Some(h)) => {
            let w = args.require("width", full, "a width");
            let c = args.require("channels", full, "a number of channels");
            [Some(h), w, c].into_iter().flatten().collect()
        }
        (None, None) => {
            args.diags().push(
                Diagnostic::new(full, "`input` needs the input's height, width and channels")
                    .help("for 28x28 grayscale images write `input(28, 28, 1);`"),
            );
            return None;
        }
    };
    let names: &[&str] = match dims.len() {
        1 => &["size"],
        2 => &["steps", "channels"],
        _ => &DIMS,
    };
    let sizes: Vec<Option<Spanned<usize>>> = dims
        .into_iter()
        .zip(names)
        .map(|(v, name)| args.size(v, name))
        .collect();
    let sizes: Option<Vec<usize>> = sizes.into_iter().map(|s| s.map(|s| s.value)).collect();
    Some((Spanned::new(sizes?, full), name))
}

fn add_weights(spec: &mut ModelSpec, loc: Loc, value: &[TokenTree], diags: &mut Diagnostics) {
    let full = if value.is_empty() {
        loc
    } else {
        loc.to(loc_of(value))
    };
    match parse_value(value) {
        Ok(Spanned {
            value: Value::Str(path),
            loc: path_loc,
        }) => {
            if spec.weights.is_some() {
                diags.error(full, "`weights` is given twice");
            } else {
                spec.weights = Some(Spanned::new(path, path_loc));
            }
        }
        Ok(other) => diags.error(
            other.loc,
            format!(
                "`weights` must be a file path in a string, found {}",
                other.value.describe()
            ),
        ),
        Err(d) => diags.push(d),
    }
}

/// `model_name = "functional_1";`: the name Keras' summary prints, when the
/// type's name in snake_case is not it (Keras' `functional_1` is no type
/// name's snake case: `Functional1` gives `functional1`).
fn add_model_name(spec: &mut ModelSpec, loc: Loc, value: &[TokenTree], diags: &mut Diagnostics) {
    match parse_value(value) {
        Ok(Spanned {
            value: Value::Str(name),
            loc: name_loc,
        }) => {
            if spec.model_name.is_some() {
                diags.error(loc.to(name_loc), "`model_name` is given twice");
            } else {
                spec.model_name = Some(name);
            }
        }
        Ok(other) => diags.error(
            other.loc,
            format!(
                "`model_name` must be a string, found {}",
                other.value.describe()
            ),
        ),
        Err(d) => diags.push(d),
    }
}

fn all_names() -> impl Iterator<Item = &'static str> {
    Class::ALL
        .into_iter()
        .flat_map(|c| c.dsl_names().iter().copied())
        .chain(["input", "weights"])
}

fn add_layer(spec: &mut ModelSpec, graph: &Tensors, item: Item, diags: &mut Diagnostics) {
    let loc = Loc::span(item.ident.span());
    let word = item.ident.to_string();
    let Some(class) = Class::from_dsl_name(&word) else {
        let d = Diagnostic::new(loc, format!("unknown layer `{word}`"));
        diags.push(match closest(&word, all_names()) {
            Some(near) => d.help(format!("did you mean `{near}`?")),
            None => d.help(format!(
                "supported layers: {}",
                Class::ALL
                    .iter()
                    .map(|c| c.dsl_names()[0])
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        });
        spec.layers.push(LayerSpec {
            class: None,
            kind: None,
            name: None,
            inputs: None,
            loc,
            scope: None,
        });
        return;
    };
    let mut tokens: Vec<TokenTree> = item
        .args
        .map(|g| g.stream().into_iter().collect())
        .unwrap_or_default();
    let mut inputs = None;
    // A tensor name not found is reported by `lookup`; the layer is then not
    // checked with the operands that remain (no second error).
    let before = diags.len();
    if let Some(group) = &item.inputs {
        inputs = Some(input_list(group.stream(), graph, diags));
    } else if class.is_merge() {
        // `Add(x, y)`: a merge's positional arguments are what it merges.
        let (named, rest) = merge_operands(tokens);
        tokens = rest;
        if !named.is_empty() {
            inputs = Some(input_list(named.into_iter().collect(), graph, diags));
        }
    }
    match &inputs {
        Some(_) => spec.functional = true,
        None => inputs = Some(vec![Spanned::new(graph.current.clone(), loc)]),
    }
    let call = LayerCall {
        class,
        word,
        args: arguments(tokens, diags),
        inputs,
        loc,
        scope: None,
    };
    let unknown_operand = diags.len() > before;
    let mut layer = layer_spec(call, diags);
    if unknown_operand {
        layer.kind = None;
    }
    spec.layers.push(layer);
}

/// A layer as any front-end read it: its class (as written, for messages),
/// its arguments, and the tensors it reads (`None`: the previous layer's).
#[derive(Clone, Debug)]
pub struct LayerCall {
    pub class: Class,
    pub word: String,
    pub args: Vec<Arg>,
    pub inputs: Option<Vec<Spanned<Ref>>>,
    /// Where shape errors about the layer point.
    pub loc: Loc,
    /// The nested model the layer belongs to, if any.
    pub scope: Option<Scope>,
}

/// A layer's arguments checked against its class: every front-end's layers
/// go through here, so each option means one thing and is checked once.
pub fn layer_spec(call: LayerCall, diags: &mut Diagnostics) -> LayerSpec {
    let LayerCall {
        class,
        word,
        args,
        inputs,
        loc,
        scope,
    } = call;
    let mut args = Args::bind_values(&word, schema(class), args, diags);
    let name = args.take("name").and_then(|v| args.string(v, "name"));
    if let Some(name) = &name {
        if name.value.is_empty() || name.value.contains('/') {
            args.diags().error(
                name.loc,
                "a layer name must be non-empty and contain no `/`",
            );
        }
    }
    let kind = layer_kind(class, loc, &mut args);
    let kind = if args.failed() { None } else { kind };
    LayerSpec {
        class: Some(class),
        kind,
        name,
        inputs,
        loc,
        scope,
    }
}

/// The tensors in `(x, y)` or Keras' `([x, y])`.
fn input_list(tokens: TokenStream, graph: &Tensors, diags: &mut Diagnostics) -> Vec<Spanned<Ref>> {
    let mut refs = Vec::new();
    for piece in split_commas(tokens.into_iter().collect()) {
        match &piece[..] {
            [TokenTree::Ident(ident)] => refs.extend(graph.lookup(ident, diags)),
            [TokenTree::Group(g)] if g.delimiter() == Delimiter::Bracket => {
                refs.extend(input_list(g.stream(), graph, diags));
            }
            _ => diags.push(
                Diagnostic::new(loc_of(&piece), "expected the name of a tensor")
                    .help("a layer reads tensors named earlier: `Conv2D(16, 3x3)(x)`, `Add(x, y)`"),
            ),
        }
    }
    refs
}

/// Splits a merge's arguments into the tensors it merges (bare names and
/// `[x, y]` lists) and its options.
fn merge_operands(tokens: Vec<TokenTree>) -> (Vec<TokenTree>, Vec<TokenTree>) {
    let comma = || TokenTree::Punct(proc_macro2::Punct::new(',', proc_macro2::Spacing::Alone));
    let (mut named, mut rest) = (Vec::new(), Vec::new());
    for piece in split_commas(tokens) {
        let operand = match &piece[..] {
            [TokenTree::Ident(i)] => !matches!(i.to_string().as_str(), "true" | "false"),
            [TokenTree::Group(g)] => g.delimiter() == Delimiter::Bracket,
            _ => false,
        };
        let out = if operand { &mut named } else { &mut rest };
        out.extend(piece);
        out.push(comma());
    }
    (named, rest)
}

/// The arguments `class` takes; the Keras JSON front-end reads its options too.
pub(crate) fn schema(class: Class) -> &'static Schema {
    match class {
        Class::Conv2D | Class::Conv1D => &Schema {
            positional: &["filters", "kernel_size", "activation"],
            keywords: &[
                "filters",
                "kernel_size",
                "strides",
                "padding",
                "dilation_rate",
                "groups",
                "use_bias",
                "activation",
                "name",
            ],
            aliases: &[("dilation", "dilation_rate"), ("kernel", "kernel_size")],
        },
        Class::MaxPooling1D | Class::AveragePooling1D => &Schema {
            positional: &["pool_size"],
            keywords: &["pool_size", "strides", "padding", "name"],
            aliases: &[],
        },
        Class::GlobalMaxPooling1D | Class::GlobalAveragePooling1D => &Schema {
            positional: &[],
            keywords: &["keepdims", "name"],
            aliases: &[],
        },
        Class::Conv2DTranspose => &Schema {
            positional: &["filters", "kernel_size", "activation"],
            keywords: &[
                "filters",
                "kernel_size",
                "strides",
                "padding",
                "output_padding",
                "dilation_rate",
                "use_bias",
                "activation",
                "name",
            ],
            aliases: &[("dilation", "dilation_rate"), ("kernel", "kernel_size")],
        },
        Class::MaxPooling2D | Class::AveragePooling2D => &Schema {
            positional: &["pool_size"],
            keywords: &["pool_size", "strides", "padding", "name"],
            aliases: &[],
        },
        Class::Dense => &Schema {
            positional: &["units", "activation"],
            keywords: &["units", "activation", "use_bias", "name"],
            aliases: &[],
        },
        Class::Dropout | Class::SpatialDropout2D | Class::AlphaDropout | Class::GaussianDropout => {
            &Schema {
                positional: &["rate"],
                keywords: &["rate", "noise_shape", "name"],
                aliases: &[],
            }
        }
        Class::GaussianNoise => &Schema {
            positional: &["stddev"],
            keywords: &["stddev", "name"],
            aliases: &[],
        },
        Class::ActivityRegularization => &Schema {
            positional: &["l1", "l2"],
            keywords: &["l1", "l2", "name"],
            aliases: &[],
        },
        Class::LeakyReLU => &Schema {
            positional: &["negative_slope"],
            keywords: &["negative_slope", "name"],
            aliases: &[("alpha", "negative_slope")],
        },
        Class::Activation => &Schema {
            positional: &["activation"],
            keywords: &["activation", "name"],
            aliases: &[],
        },
        Class::ReLU => &Schema {
            positional: &["max_value", "negative_slope", "threshold"],
            keywords: &["max_value", "negative_slope", "threshold", "name"],
            aliases: &[],
        },
        Class::BatchNormalization => &Schema {
            positional: &["axis", "momentum", "epsilon", "center", "scale"],
            keywords: &["axis", "momentum", "epsilon", "center", "scale", "name"],
            aliases: &[],
        },
        Class::DepthwiseConv2D => &Schema {
            positional: &["kernel_size", "activation"],
            keywords: &[
                "kernel_size",
                "strides",
                "padding",
                "depth_multiplier",
                "dilation_rate",
                "use_bias",
                "activation",
                "name",
            ],
            aliases: &[
                ("dilation", "dilation_rate"),
                ("kernel", "kernel_size"),
                ("multiplier", "depth_multiplier"),
            ],
        },
        Class::SeparableConv2D => &Schema {
            positional: &["filters", "kernel_size", "activation"],
            keywords: &[
                "filters",
                "kernel_size",
                "strides",
                "padding",
                "depth_multiplier",
                "dilation_rate",
                "use_bias",
                "activation",
                "name",
            ],
            aliases: &[
                ("dilation", "dilation_rate"),
                ("kernel", "kernel_size"),
                ("multiplier", "depth_multiplier"),
            ],
        },
        Class::ZeroPadding2D => &Schema {
            positional: &["padding"],
            keywords: &["padding", "name"],
            aliases: &[],
        },
        Class::CustomScaleLayer => &Schema {
            positional: &["scale"],
            keywords: &["scale", "name"],
            aliases: &[],
        },
        Class::Normalization => &Schema {
            positional: &["axis", "mean", "variance", "invert"],
            keywords: &["axis", "mean", "variance", "invert", "name"],
            aliases: &[],
        },
        Class::Cropping2D => &Schema {
            positional: &["cropping"],
            keywords: &["cropping", "name"],
            aliases: &[],
        },
        Class::UpSampling2D => &Schema {
            positional: &["size", "interpolation"],
            keywords: &["size", "interpolation", "name"],
            aliases: &[],
        },
        Class::LayerNormalization => &Schema {
            positional: &["axis", "epsilon", "center", "scale"],
            keywords: &["axis", "epsilon", "center", "scale", "rms_scaling", "name"],
            aliases: &[],
        },
        Class::Op(op) => op_schema(op),
        Class::InputLayer => &Schema {
            positional: &[],
            keywords: &["shape", "offset", "name"],
            aliases: &[],
        },
        Class::LayerScale => &Schema {
            positional: &["init_values", "projection_dim"],
            keywords: &["init_values", "projection_dim", "name"],
            aliases: &[],
        },
        Class::Rescaling => &Schema {
            positional: &["scale", "offset"],
            keywords: &["scale", "offset", "name"],
            aliases: &[],
        },
        Class::Reshape => &Schema {
            positional: &["target_shape"],
            keywords: &["target_shape", "name"],
            aliases: &[],
        },
        Class::Concatenate => &Schema {
            positional: &["axis"],
            keywords: &["axis", "name"],
            aliases: &[],
        },
        Class::GlobalMaxPooling2D | Class::GlobalAveragePooling2D => &Schema {
            positional: &[],
            keywords: &["keepdims", "name"],
            aliases: &[],
        },
        Class::AddConstant | Class::MultiplyConstant => &Schema {
            positional: &["constant"],
            keywords: &["constant", "name"],
            aliases: &[],
        },
        Class::SubtractConstant | Class::TrueDivideConstant => &Schema {
            positional: &["constant"],
            keywords: &["constant", "constant_first", "name"],
            aliases: &[],
        },
        Class::Flatten | Class::Add | Class::Multiply | Class::Softmax => &Schema {
            positional: &[],
            keywords: &["name"],
            aliases: &[],
        },
    }
}

/// The layer's validated arguments; `None` after a reported mistake.
fn layer_kind(class: Class, loc: Loc, a: &mut Args) -> Option<LayerKind> {
    let ones = Spanned::new(Pair::square(1), loc);
    Some(match class {
        Class::Conv2D => {
            let ConvSizes {
                filters,
                kernel,
                strides,
                dilation,
            } = conv_sizes(a, loc);
            if let (Some(s), Some(d)) = (&strides, &dilation) {
                if (s.value.h > 1 || s.value.w > 1) && (d.value.h > 1 || d.value.w > 1) {
                    a.diags().push(
                        Diagnostic::new(
                            d.loc,
                            "`strides` > 1 together with `dilation_rate` > 1 is not supported",
                        )
                        .note("Keras rejects this combination too"),
                    );
                }
            }
            let groups = match a.take("groups") {
                Some(v) => a.size(v, "groups"),
                None => Some(Spanned::new(1, loc)),
            };
            let (padding, use_bias, activation) = (padding(a), use_bias(a), activation(a));
            LayerKind::Conv2D(Conv2DSpec {
                filters: filters?,
                kernel: kernel?,
                strides: strides.unwrap_or_else(|| ones.clone()),
                padding,
                dilation: dilation.unwrap_or_else(|| ones.clone()),
                use_bias,
                activation,
                groups: groups?,
            })
        }
        Class::Conv1D => {
            let filters = a
                .require("filters", loc, "a number of filters")
                .and_then(|v| a.size(v, "filters"));
            let kernel = a
                .require("kernel_size", loc, "a kernel size")
                .and_then(|v| size1(a, v, "kernel_size"));
            let one = || Spanned::new(1, loc);
            let strides = a.take("strides").map(|v| size1(a, v, "strides"));
            let dilation = a
                .take("dilation_rate")
                .map(|v| size1(a, v, "dilation_rate"));
            if let Some(v) = a.take("groups") {
                let groups = a.size(v, "groups")?;
                if groups.value != 1 {
                    a.diags()
                        .error(groups.loc, "Conv1D with `groups` is not supported yet");
                    return None;
                }
            }
            let (padding, causal) = match a.take("padding") {
                None => (Padding::Valid, false),
                Some(v) => {
                    let way = a.string_or_ident(v, "padding")?;
                    match way.value.to_ascii_lowercase().as_str() {
                        "valid" => (Padding::Valid, false),
                        "same" => (Padding::Same, false),
                        "causal" => (Padding::Valid, true),
                        other => {
                            a.diags().push(
                                Diagnostic::new(way.loc, format!("unknown padding `{other}`"))
                                    .help("Conv1D takes `valid`, `same` or `causal`"),
                            );
                            return None;
                        }
                    }
                }
            };
            let (use_bias, activation) = (use_bias(a), activation(a));
            LayerKind::Conv1D(Conv1DSpec {
                filters: filters?,
                kernel: kernel?,
                strides: strides.unwrap_or_else(|| Some(one()))?,
                padding,
                causal,
                dilation: dilation.unwrap_or_else(|| Some(one()))?,
                use_bias,
                activation,
            })
        }
        Class::MaxPooling1D | Class::AveragePooling1D => {
            let pool = match a.take("pool_size") {
                Some(v) => size1(a, v, "pool_size"),
                None => Some(Spanned::new(2, loc)),
            };
            let strides = match a.take("strides") {
                Some(v) => Some(size1(a, v, "strides")?),
                None => None,
            };
            let padding = padding(a);
            LayerKind::Pool1D {
                op: if class == Class::MaxPooling1D {
                    PoolOp::Max
                } else {
                    PoolOp::Avg
                },
                pool: pool?,
                strides,
                padding,
            }
        }
        Class::Conv2DTranspose => {
            let ConvSizes {
                filters,
                kernel,
                strides,
                dilation,
            } = conv_sizes(a, loc);
            let output_padding = match a.take("output_padding") {
                Some(v) => Some(Some(output_padding(a, v)?)),
                None => None,
            };
            let (padding, use_bias, activation) = (padding(a), use_bias(a), activation(a));
            LayerKind::Conv2DTranspose(Conv2DTransposeSpec {
                filters: filters?,
                kernel: kernel?,
                strides: strides.unwrap_or_else(|| ones.clone()),
                padding,
                output_padding: output_padding.flatten(),
                dilation: dilation.unwrap_or_else(|| ones.clone()),
                use_bias,
                activation,
            })
        }
        Class::MaxPooling2D | Class::AveragePooling2D => {
            let pool = match a.take("pool_size") {
                Some(v) => a.pair(v, "pool_size"),
                // Keras' default pool size.
                None => Some(Spanned::new(Pair::square(2), loc)),
            };
            let strides = a.take("strides").and_then(|v| a.pair(v, "strides"));
            let padding = padding(a);
            LayerKind::Pool(PoolSpec {
                op: if class == Class::MaxPooling2D {
                    PoolOp::Max
                } else {
                    PoolOp::Avg
                },
                pool: pool?,
                strides,
                padding,
            })
        }
        Class::GlobalMaxPooling2D
        | Class::GlobalAveragePooling2D
        | Class::GlobalMaxPooling1D
        | Class::GlobalAveragePooling1D => {
            let op = match class {
                Class::GlobalMaxPooling2D | Class::GlobalMaxPooling1D => PoolOp::Max,
                _ => PoolOp::Avg,
            };
            let keepdims = a
                .take("keepdims")
                .and_then(|v| a.boolean(v, "keepdims"))
                .unwrap_or(false);
            match class {
                Class::GlobalMaxPooling1D | Class::GlobalAveragePooling1D => {
                    LayerKind::GlobalPool1D { op, keepdims }
                }
                _ => LayerKind::GlobalPool { op, keepdims },
            }
        }
        Class::Flatten => LayerKind::Flatten,
        Class::Dense => {
            let units = a
                .require("units", loc, "a number of units")
                .and_then(|v| a.size(v, "units"));
            let (use_bias, activation) = (use_bias(a), activation(a));
            LayerKind::Dense(DenseSpec {
                units: units?,
                use_bias,
                activation,
            })
        }
        Class::Dropout | Class::SpatialDropout2D | Class::AlphaDropout | Class::GaussianDropout => {
            let rate = a
                .require("rate", loc, "a rate")
                .and_then(|v| a.number(v, "rate", 0.0..=1.0));
            // Which values training drops: nothing at inference.
            let _noise_shape = a.take("noise_shape");
            LayerKind::Dropout { rate: rate? }
        }
        Class::GaussianNoise => {
            let stddev = a
                .require("stddev", loc, "a standard deviation")
                .and_then(|v| a.number(v, "stddev", 0.0..=f64::from(f32::MAX)));
            stddev?;
            LayerKind::Dropout { rate: 0.0 }
        }
        Class::ActivityRegularization => {
            // Penalties added to the training loss.
            for key in ["l1", "l2"] {
                if let Some(v) = a.take(key) {
                    a.number(v, key, 0.0..=f64::from(f32::MAX));
                }
            }
            LayerKind::Dropout { rate: 0.0 }
        }
        Class::ReLU => LayerKind::Activation(relu_layer(a)?),
        Class::BatchNormalization => {
            let axis = a
                .take("axis")
                .and_then(|v| a.integer(v, "axis"))
                .unwrap_or_else(|| Spanned::new(-1, loc));
            // Momentum only matters when training.
            let _ = a
                .take("momentum")
                .and_then(|v| a.number(v, "momentum", 0.0..=1.0));
            let epsilon = match a.take("epsilon") {
                Some(v) => a.number(v, "epsilon", 0.0..=f64::from(f32::MAX))?,
                None => 1e-3,
            };
            let center = a
                .take("center")
                .and_then(|v| a.boolean(v, "center"))
                .unwrap_or(true);
            let scale = a
                .take("scale")
                .and_then(|v| a.boolean(v, "scale"))
                .unwrap_or(true);
            LayerKind::BatchNorm(BatchNormSpec {
                epsilon,
                center,
                scale,
                axis,
            })
        }
        Class::DepthwiseConv2D => LayerKind::DepthwiseConv2D(depthwise(a, loc)?),
        Class::SeparableConv2D => {
            let filters = a
                .require("filters", loc, "a number of filters")
                .and_then(|v| a.size(v, "filters"));
            let depthwise = depthwise(a, loc);
            LayerKind::SeparableConv2D(SeparableSpec {
                filters: filters?,
                depthwise: depthwise?,
            })
        }
        Class::ZeroPadding2D => {
            let [top, bottom, left, right] = match a.take("padding") {
                Some(v) => a.padding_sizes(v, "padding")?,
                None => [1; 4],
            };
            LayerKind::ZeroPadding2D {
                top,
                bottom,
                left,
                right,
            }
        }
        Class::LayerNormalization => {
            let axis = channel_axis(a, loc);
            let epsilon = match a.take("epsilon") {
                Some(v) => a.number(v, "epsilon", 0.0..=f64::from(f32::MAX)),
                None => Some(1e-3),
            };
            let mut flag = |key: &str, default: bool| match a.take(key) {
                Some(v) => a.boolean(v, key),
                None => Some(default),
            };
            let (center, scale, rms_scaling) = (
                flag("center", true),
                flag("scale", true),
                flag("rms_scaling", false),
            );
            LayerKind::LayerNorm {
                axis: axis?,
                epsilon: epsilon?,
                center: center?,
                scale: scale?,
                rms_scaling: rms_scaling?,
            }
        }
        Class::Op(op) => LayerKind::Activation(op_activation(op, a)?),
        Class::InputLayer => {
            let offset = a
                .require("offset", loc, "an offset")
                .and_then(|v| a.integer(v, "offset"));
            let shape = a
                .require("shape", loc, "a shape")
                .and_then(|v| match v.value {
                    Value::Tuple(items) => items
                        .into_iter()
                        .map(|item| a.size(item, "shape").map(|s| s.value))
                        .collect::<Option<Vec<usize>>>(),
                    _ => None,
                });
            LayerKind::InputPart {
                offset: usize::try_from(offset?.value).ok()?,
                shape: shape?,
            }
        }
        Class::LayerScale => {
            // The initial value of `gamma`: training only.
            if let Some(v) = a.take("init_values") {
                a.number(v, "init_values", -f64::from(f32::MAX)..=f64::from(f32::MAX))?;
            }
            let projection_dim = a
                .require("projection_dim", loc, "the number of channels")
                .and_then(|v| a.size(v, "projection_dim"));
            LayerKind::LayerScale {
                projection_dim: projection_dim?,
            }
        }
        Class::Normalization => {
            let axis = channel_axis(a, loc);
            // `None` when not given; `Some(None)` when not numbers (reported).
            let mut numbers = |key: &str| -> Option<Option<Vec<f32>>> {
                let v = a.take(key)?;
                let items = match v.value {
                    Value::Tuple(items) => items,
                    _ => vec![v],
                };
                let any = -f64::from(f32::MAX)..=f64::from(f32::MAX);
                Some(
                    items
                        .into_iter()
                        .map(|item| a.number(item, key, any.clone()))
                        .collect(),
                )
            };
            let (mean, variance) = (numbers("mean"), numbers("variance"));
            let invert = match a.take("invert") {
                Some(v) => a.boolean(v, "invert")?,
                None => false,
            };
            // Both given, or neither (adapted to data: weights), as Keras asks.
            let statistics = match (mean, variance) {
                (Some(mean), Some(variance)) => Some((mean?, variance?)),
                (None, None) => None,
                (mean, _) => {
                    let (given, missing) = if mean.is_some() {
                        ("mean", "variance")
                    } else {
                        ("variance", "mean")
                    };
                    a.diags().push(
                        Diagnostic::new(
                            loc,
                            format!("Normalization has a `{given}` but no `{missing}`: give both, or neither"),
                        )
                        .help("with neither, the statistics are weights (`mean`, `variance`, `count`), adapted to data as Keras' `adapt` does"),
                    );
                    return None;
                }
            };
            LayerKind::Normalization {
                axis: axis?,
                statistics,
                invert,
            }
        }
        Class::UpSampling2D => {
            let size = match a.take("size") {
                Some(v) => a.pair(v, "size")?,
                None => Spanned::new(Pair { h: 2, w: 2 }, loc),
            };
            let mut bilinear = false;
            if let Some(v) = a.take("interpolation") {
                let way = a.string_or_ident(v, "interpolation")?;
                match way.value.as_str() {
                    "nearest" => {}
                    "bilinear" => bilinear = true,
                    other => {
                        a.diags().push(
                            Diagnostic::new(
                                way.loc,
                                format!(
                                    "UpSampling2D's `{other}` interpolation is not supported yet"
                                ),
                            )
                            .help("`nearest` (Keras' default) and `bilinear` are"),
                        );
                        return None;
                    }
                }
            }
            LayerKind::UpSampling2D { size, bilinear }
        }
        Class::Cropping2D => {
            let [top, bottom, left, right] = match a.take("cropping") {
                Some(v) => a.padding_sizes(v, "cropping")?,
                None => [0; 4],
            };
            LayerKind::Cropping2D {
                top,
                bottom,
                left,
                right,
            }
        }
        Class::Rescaling => {
            let any = -f64::from(f32::MAX)..=f64::from(f32::MAX);
            let scale = a
                .require("scale", loc, "a scale")
                .and_then(|v| a.number(v, "scale", any.clone()));
            let offset = match a.take("offset") {
                Some(v) => a.number(v, "offset", any),
                None => Some(0.0),
            };
            LayerKind::Rescaling {
                scale: scale?,
                offset: offset?,
            }
        }
        Class::Reshape => {
            let target = a
                .require("target_shape", loc, "a target shape")
                .and_then(|v| a.shape(v, "target_shape"));
            LayerKind::Reshape(target?)
        }
        Class::Add => LayerKind::Add,
        Class::Multiply => LayerKind::Multiply,
        Class::CustomScaleLayer => {
            let any = -f64::from(f32::MAX)..=f64::from(f32::MAX);
            let scale = a
                .require("scale", loc, "a scale")
                .and_then(|v| a.number(v, "scale", any));
            LayerKind::CustomScale { scale: scale? }
        }
        Class::AddConstant
        | Class::SubtractConstant
        | Class::MultiplyConstant
        | Class::TrueDivideConstant => {
            let constant = a.require("constant", loc, "a number");
            let constant_first = match a.take("constant_first") {
                Some(v) => a.boolean(v, "constant_first")?,
                None => false,
            };
            let op = match class {
                Class::AddConstant => ConstantOp::Add,
                Class::SubtractConstant => ConstantOp::Subtract,
                Class::MultiplyConstant => ConstantOp::Multiply,
                _ => ConstantOp::TrueDivide,
            };
            let constant = constant?;
            if matches!(constant.value, Value::Tuple(_)) {
                // A tensor: nested tuples of numbers, row-major.
                let (values, dims) = constant_tensor(a, constant)?;
                LayerKind::ConstantTensor {
                    op,
                    values,
                    dims,
                    constant_first,
                }
            } else {
                let any = -f64::from(f32::MAX)..=f64::from(f32::MAX);
                LayerKind::Constant {
                    op,
                    constant: a.number(constant, "constant", any)?,
                    constant_first,
                }
            }
        }
        Class::Concatenate => {
            let axis = a
                .take("axis")
                .and_then(|v| a.integer(v, "axis"))
                .unwrap_or_else(|| Spanned::new(-1, loc));
            LayerKind::Concatenate { axis }
        }
        Class::Softmax => LayerKind::Activation(Activation::Softmax),
        Class::LeakyReLU => {
            let slope = match a.take("negative_slope") {
                Some(v) => a.number(v, "negative_slope", 0.0..=f64::from(f32::MAX))?,
                None => LEAKY_RELU_LAYER_SLOPE,
            };
            LayerKind::Activation(Activation::LeakyRelu(slope))
        }
        Class::Activation => {
            let f = a
                .require("activation", loc, "an activation")
                .and_then(|v| a.activation(v));
            LayerKind::Activation(f?)
        }
    })
}

/// The depthwise options DepthwiseConv2D and SeparableConv2D share.
fn depthwise(a: &mut Args, loc: Loc) -> Option<DepthwiseSpec> {
    let ones = Spanned::new(Pair::square(1), loc);
    let kernel = a
        .require("kernel_size", loc, "a kernel size")
        .and_then(|v| a.pair(v, "kernel_size"));
    let strides = a.take("strides").and_then(|v| a.pair(v, "strides"));
    let dilation = a
        .take("dilation_rate")
        .and_then(|v| a.pair(v, "dilation_rate"));
    let multiplier = match a.take("depth_multiplier") {
        Some(v) => a.size(v, "depth_multiplier"),
        None => Some(Spanned::new(1, loc)),
    };
    let (padding, use_bias, activation) = (padding(a), use_bias(a), activation(a));
    Some(DepthwiseSpec {
        kernel: kernel?,
        strides: strides.unwrap_or_else(|| ones.clone()),
        padding,
        dilation: dilation.unwrap_or(ones),
        multiplier: multiplier?,
        use_bias,
        activation,
    })
}

/// Keras' `ReLU` layer: plain, relu6, leaky, or with all three options.
fn relu_layer(a: &mut Args) -> Option<Activation> {
    let range = 0.0..=f64::from(f32::MAX);
    let max_value = match a.take("max_value") {
        Some(Spanned {
            value: Value::Ident(none),
            ..
        }) if none == "None" => None,
        Some(v) => Some(a.number(v, "max_value", range.clone())?),
        None => None,
    };
    let negative_slope = match a.take("negative_slope") {
        Some(v) => a.number(v, "negative_slope", range)?,
        None => 0.0,
    };
    let threshold = match a.take("threshold") {
        Some(v) => a.number(v, "threshold", -f64::from(f32::MAX)..=f64::from(f32::MAX))?,
        None => 0.0,
    };
    Some(match (max_value, negative_slope, threshold) {
        (None, s, t) if s == 0.0 && t == 0.0 => Activation::Relu,
        (Some(m), s, t) if m == 6.0 && s == 0.0 && t == 0.0 => Activation::Relu6,
        (None, s, 0.0) => Activation::LeakyRelu(s),
        (max_value, negative_slope, threshold) => Activation::ReluWith {
            max_value,
            negative_slope,
            threshold,
        },
    })
}

fn padding(a: &mut Args) -> Padding {
    a.take("padding")
        .and_then(|v| a.padding(v))
        .unwrap_or(Padding::Valid)
}

/// A 2-D convolution's sizes, each `None` when absent (`filters` and
/// `kernel_size` are reported missing) or wrong (reported).
struct ConvSizes {
    filters: Option<Spanned<usize>>,
    kernel: Option<Spanned<Pair>>,
    strides: Option<Spanned<Pair>>,
    dilation: Option<Spanned<Pair>>,
}

fn conv_sizes(a: &mut Args, loc: Loc) -> ConvSizes {
    let filters = a
        .require("filters", loc, "a number of filters")
        .and_then(|v| a.size(v, "filters"));
    let kernel = a
        .require("kernel_size", loc, "a kernel size")
        .and_then(|v| a.pair(v, "kernel_size"));
    let strides = a.take("strides").and_then(|v| a.pair(v, "strides"));
    let dilation = a
        .take("dilation_rate")
        .and_then(|v| a.pair(v, "dilation_rate"));
    ConvSizes {
        filters,
        kernel,
        strides,
        dilation,
    }
}

/// A constant tensor written as nested tuples of numbers (`((1.0, 2.0),
/// (3.0, 4.0))`): its values, row-major, and its sizes; every row of one
/// length, at most three axes.
fn constant_tensor(a: &mut Args, v: Spanned<Value>) -> Option<(Vec<f32>, Vec<usize>)> {
    fn walk(
        a: &mut Args,
        v: Spanned<Value>,
        depth: usize,
        dims: &mut Vec<usize>,
        values: &mut Vec<f32>,
    ) -> Option<()> {
        let loc = v.loc;
        match v.value {
            Value::Tuple(items) => {
                if depth == dims.len() {
                    dims.push(items.len());
                }
                if depth >= 3 || dims[depth] != items.len() {
                    a.diags().error(
                        loc,
                        "a constant tensor needs rows of one length, at most three axes",
                    );
                    return None;
                }
                for item in items {
                    walk(a, item, depth + 1, dims, values)?;
                }
                Some(())
            }
            other => {
                if depth != dims.len() {
                    a.diags()
                        .error(loc, "a constant tensor needs rows of one length");
                    return None;
                }
                let any = -f64::from(f32::MAX)..=f64::from(f32::MAX);
                values.push(a.number(Spanned::new(other, loc), "constant", any)?);
                Some(())
            }
        }
    }
    let (mut dims, mut values) = (Vec::new(), Vec::new());
    walk(a, v, 0, &mut dims, &mut values)?;
    Some((values, dims))
}

/// A 1-D size: a number, or Keras' list of one (`[3]`).
fn size1(a: &mut Args, v: Spanned<Value>, name: &str) -> Option<Spanned<usize>> {
    match v.value {
        Value::Tuple(items) if items.len() == 1 => {
            let item = items.into_iter().next()?;
            a.size(item, name).map(|n| Spanned::new(n.value, v.loc))
        }
        _ => a.size(v, name),
    }
}

/// Conv2DTranspose's `output_padding`: one size of 0 or more, or (rows, columns).
fn output_padding(a: &mut Args, v: Spanned<Value>) -> Option<Spanned<Pair>> {
    let loc = v.loc;
    let size = |a: &mut Args, item: Spanned<Value>| -> Option<usize> {
        let n = a.integer(item, "output_padding")?;
        match usize::try_from(n.value) {
            Ok(n) => Some(n),
            Err(_) => {
                a.diags().error(n.loc, "`output_padding` must be 0 or more");
                None
            }
        }
    };
    let pair = match v.value {
        Value::Tuple(items) if items.len() == 2 => {
            let mut items = items.into_iter();
            let h = size(a, items.next()?);
            let w = size(a, items.next()?);
            Pair { h: h?, w: w? }
        }
        _ => Pair::square(size(a, v)?),
    };
    Some(Spanned::new(pair, loc))
}

fn use_bias(a: &mut Args) -> bool {
    a.take("use_bias")
        .and_then(|v| a.boolean(v, "use_bias"))
        .unwrap_or(true)
}

/// The options of an activation op: those of its `keras.ops` function.
fn op_schema(op: OpActivation) -> &'static Schema {
    macro_rules! schema {
        ($($k:expr),*) => {
            &Schema { positional: &[$($k),*], keywords: &[$($k,)* "name"], aliases: &[] }
        };
    }
    match op {
        OpActivation::Gelu => schema!("approximate"),
        OpActivation::LeakyRelu => schema!("negative_slope"),
        OpActivation::Elu | OpActivation::Celu => schema!("alpha"),
        OpActivation::HardShrink | OpActivation::SoftShrink => schema!("threshold"),
        OpActivation::LogSoftmax => schema!("axis"),
        _ => schema!(),
    }
}

/// The function an activation op computes, with `keras.ops`' defaults
/// (`gelu` is the tanh approximation unless `approximate = false`); an
/// option this compiler does not compute (another `alpha`, `threshold` or
/// `axis`) is an error.
fn op_activation(op: OpActivation, a: &mut Args) -> Option<Activation> {
    let fixed = |key: &str, value: f64, a: &mut Args| -> Option<()> {
        let Some(v) = a.take(key) else {
            return Some(());
        };
        let loc = v.loc;
        let given = a.number(v, key, -f64::from(f32::MAX)..=f64::from(f32::MAX))?;
        if f64::from(given) != value {
            a.diags().push(
                Diagnostic::new(
                    loc,
                    format!("`{key}` = {given} is not supported: only {value}"),
                )
                .help(format!(
                    "{} is computed with Keras' default, {key} = {value}",
                    op.keras_name()
                )),
            );
            return None;
        }
        Some(())
    };
    Some(match op {
        OpActivation::Relu => Activation::Relu,
        OpActivation::Relu6 => Activation::Relu6,
        OpActivation::Sigmoid => Activation::Sigmoid,
        OpActivation::Silu => Activation::Swish,
        OpActivation::Gelu => {
            let approximate = match a.take("approximate") {
                Some(v) => a.boolean(v, "approximate")?,
                None => true,
            };
            if approximate {
                Activation::GeluTanh
            } else {
                Activation::Gelu
            }
        }
        OpActivation::Elu => {
            fixed("alpha", 1.0, a)?;
            Activation::Elu
        }
        OpActivation::Celu => {
            fixed("alpha", 1.0, a)?;
            Activation::Celu
        }
        OpActivation::Selu => Activation::Selu,
        OpActivation::Softplus => Activation::Softplus,
        OpActivation::Softsign => Activation::Softsign,
        OpActivation::HardSigmoid => Activation::HardSigmoid,
        OpActivation::HardSilu => Activation::HardSilu,
        OpActivation::LeakyRelu => {
            let slope = match a.take("negative_slope") {
                Some(v) => a.number(
                    v,
                    "negative_slope",
                    -f64::from(f32::MAX)..=f64::from(f32::MAX),
                )?,
                None => LEAKY_RELU_ACTIVATION_SLOPE,
            };
            Activation::LeakyRelu(slope)
        }
        OpActivation::LogSoftmax => {
            if let Some(v) = a.take("axis") {
                let axis = a.integer(v, "axis")?;
                if axis.value != -1 {
                    a.diags().push(
                        Diagnostic::new(
                            axis.loc,
                            format!(
                                "log_softmax over axis {} is not supported: only the last axis",
                                axis.value
                            ),
                        )
                        .help("write `axis = -1` (the default)"),
                    );
                    return None;
                }
            }
            Activation::LogSoftmax
        }
        OpActivation::LogSigmoid => Activation::LogSigmoid,
        OpActivation::HardTanh => Activation::HardTanh,
        OpActivation::HardShrink => {
            fixed("threshold", 0.5, a)?;
            Activation::HardShrink
        }
        OpActivation::SoftShrink => {
            fixed("threshold", 0.5, a)?;
            Activation::SoftShrink
        }
        OpActivation::TanhShrink => Activation::TanhShrink,
        OpActivation::Squareplus => Activation::Squareplus,
        OpActivation::SparsePlus => Activation::SparsePlus,
        OpActivation::SparseSigmoid => Activation::SparseSigmoid,
        OpActivation::Tanh => Activation::Tanh,
        OpActivation::Exp => Activation::Exponential,
    })
}

/// A normalization's `axis`: a number, or Keras' list of one (`[3]`, `[-1]`);
/// the last axis (-1) by default.
fn channel_axis(a: &mut Args, loc: Loc) -> Option<Spanned<i64>> {
    match a.take("axis") {
        Some(Spanned {
            value: Value::Tuple(items),
            loc,
        }) if items.len() == 1 => {
            let item = items.into_iter().next()?;
            a.integer(item, "axis").map(|i| Spanned::new(i.value, loc))
        }
        Some(v) => a.integer(v, "axis"),
        None => Some(Spanned::new(-1, loc)),
    }
}

fn activation(a: &mut Args) -> Activation {
    a.take("activation")
        .and_then(|v| a.activation(v))
        .unwrap_or(Activation::Linear)
}
