//! The `cnn! { ... }` token front-end.
//!
//! ```text
//! #[attrs] pub struct Name;     (optional)
//! input(H, W, C);
//! weights = "file";             (optional)
//! Layer(args) Layer ...         (separated by whitespace, `,` or `;`)
//! ```

use super::args::{Args, Schema};
use super::value::{loc_of, parse_value, Value};
use crate::diag::{Diagnostic, Diagnostics, Loc};
use crate::names::closest;
use crate::spec::{
    Activation, Class, Conv2DSpec, DenseSpec, LayerKind, LayerSpec, ModelSpec, Padding, Pair,
    PoolOp, PoolSpec, Spanned, LEAKY_RELU_LAYER_SLOPE,
};
use proc_macro2::{Delimiter, Ident, TokenStream, TokenTree};
use quote::ToTokens;
use syn::parse::{Parse, ParseStream};

/// Parses a `cnn!` body. `None` only when the `struct` header is malformed; any
/// other mistake is reported and parsing goes on.
pub fn parse(tokens: TokenStream, diags: &mut Diagnostics) -> Option<ModelSpec> {
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
        input: None,
        input_invalid: false,
        weights: None,
        layers: Vec::new(),
        loc: whole,
    };
    for item in split_items(header.rest, diags) {
        let (before, layers) = (diags.len(), spec.layers.len());
        add_item(&mut spec, item, diags);
        if spec.layers.len() > layers {
            diags.tag_layer(before, layers);
        }
    }
    Some(spec)
}

/// Attributes, visibility and `struct Name;`, then the rest untouched.
pub struct Header {
    pub attrs: TokenStream,
    pub vis: TokenStream,
    pub ident: Option<Ident>,
    pub rest: TokenStream,
}

impl Parse for Header {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(syn::Attribute::parse_outer)?;
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

/// One top-level entry: `name`, `name(args)` or `name = value`.
struct Item {
    ident: Ident,
    args: Option<proc_macro2::Group>,
    assigned: Option<Vec<TokenTree>>,
}

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

fn split_items(tokens: TokenStream, diags: &mut Diagnostics) -> Vec<Item> {
    let tokens = flatten(tokens);
    let mut items = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let token = &tokens[i];
        i += 1;
        if is_separator(token) {
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
            assigned: None,
        };
        match tokens.get(i) {
            Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis => {
                item.args = Some(g.clone());
                i += 1;
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
        items.push(item);
    }
    items
}

fn add_item(spec: &mut ModelSpec, item: Item, diags: &mut Diagnostics) {
    let loc = Loc::span(item.ident.span());
    let word = item.ident.to_string();
    match (word.as_str(), &item.assigned) {
        ("input", None) => add_input(spec, item, diags),
        ("weights", Some(value)) => add_weights(spec, loc, value, diags),
        ("weights", None) => diags.push(
            Diagnostic::new(loc, "`weights` is a setting, not a layer")
                .help("write `weights = \"models/model.safetensors\";`"),
        ),
        (_, Some(_)) => diags.push(
            Diagnostic::new(loc, format!("unknown setting `{word}`"))
                .help("the only top-level setting is `weights = \"file\";`"),
        ),
        _ => add_layer(spec, item, diags),
    }
}

fn add_input(spec: &mut ModelSpec, item: Item, diags: &mut Diagnostics) {
    let loc = Loc::span(item.ident.span());
    let full = match &item.args {
        Some(g) => loc.to(Loc::span(g.span_close())),
        None => loc,
    };
    if spec.input.is_some() || spec.input_invalid {
        diags.error(full, "`input` is given twice: a model has one input");
        return;
    }
    if let Some(first) = spec.layers.first() {
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
    spec.input = input.filter(|_| !spec.input_invalid);
}

/// `input(28, 28, 1)`, `input((28, 28, 1))` or `input(shape = (28, 28, 1))`
/// (as in `keras.Input(shape=...)`).
fn parse_input(
    tokens: Vec<TokenTree>,
    full: Loc,
    diags: &mut Diagnostics,
) -> Option<Spanned<[usize; 3]>> {
    const INPUT: Schema = Schema {
        positional: &["height", "width", "channels"],
        keywords: &["height", "width", "channels", "shape"],
        aliases: &[],
    };
    const DIMS: [&str; 3] = ["height", "width", "channels"];
    let mut args = Args::bind("input", &INPUT, tokens, diags);
    let dims: Vec<Spanned<Value>> = match (args.take("shape"), args.take("height")) {
        (Some(v), None) | (None, Some(v)) if matches!(v.value, Value::Tuple(_)) => {
            let Value::Tuple(dims) = v.value else {
                unreachable!("matched above")
            };
            if dims.len() != 3 {
                args.diags().push(
                    Diagnostic::new(v.loc, format!("`input` needs 3 sizes (height, width, channels), found {}", dims.len()))
                        .help("images are channels-last like Keras: `input(28, 28, 1)`; a flat vector of N values is `input(1, 1, N)`"),
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
    let sizes: Vec<Option<Spanned<usize>>> = dims
        .into_iter()
        .zip(DIMS)
        .map(|(v, name)| args.size(v, name))
        .collect();
    match sizes[..] {
        [Some(ref h), Some(ref w), Some(ref c)] => {
            Some(Spanned::new([h.value, w.value, c.value], full))
        }
        _ => None,
    }
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

fn all_names() -> impl Iterator<Item = &'static str> {
    Class::ALL
        .into_iter()
        .flat_map(|c| c.dsl_names().iter().copied())
        .chain(["input", "weights"])
}

fn add_layer(spec: &mut ModelSpec, item: Item, diags: &mut Diagnostics) {
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
            loc,
        });
        return;
    };
    let tokens = item
        .args
        .map(|g| g.stream().into_iter().collect())
        .unwrap_or_default();
    let mut args = Args::bind(&word, schema(class), tokens, diags);
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
    spec.layers.push(LayerSpec {
        class: Some(class),
        kind,
        name,
        loc,
    });
}

/// The arguments `class` takes; the Keras JSON front-end reads its options too.
pub(crate) fn schema(class: Class) -> &'static Schema {
    match class {
        Class::Conv2D => &Schema {
            positional: &["filters", "kernel_size", "activation"],
            keywords: &[
                "filters",
                "kernel_size",
                "strides",
                "padding",
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
        Class::Dropout => &Schema {
            positional: &["rate"],
            keywords: &["rate", "name"],
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
        Class::GlobalMaxPooling2D
        | Class::GlobalAveragePooling2D
        | Class::Flatten
        | Class::ReLU
        | Class::Softmax => &Schema {
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
            let (padding, use_bias, activation) = (padding(a), use_bias(a), activation(a));
            LayerKind::Conv2D(Conv2DSpec {
                filters: filters?,
                kernel: kernel?,
                strides: strides.unwrap_or_else(|| ones.clone()),
                padding,
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
        Class::GlobalMaxPooling2D => LayerKind::GlobalPool(PoolOp::Max),
        Class::GlobalAveragePooling2D => LayerKind::GlobalPool(PoolOp::Avg),
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
        Class::Dropout => {
            let rate = a
                .require("rate", loc, "a rate")
                .and_then(|v| a.number(v, "rate", 0.0..=1.0));
            LayerKind::Dropout { rate: rate? }
        }
        Class::ReLU => LayerKind::Activation(Activation::Relu),
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

fn padding(a: &mut Args) -> Padding {
    a.take("padding")
        .and_then(|v| a.padding(v))
        .unwrap_or(Padding::Valid)
}

fn use_bias(a: &mut Args) -> bool {
    a.take("use_bias")
        .and_then(|v| a.boolean(v, "use_bias"))
        .unwrap_or(true)
}

fn activation(a: &mut Args) -> Activation {
    a.take("activation")
        .and_then(|v| a.activation(v))
        .unwrap_or(Activation::Linear)
}
