//! Property tests over random and mutated token streams: whatever the input, the
//! compiler returns a plan or at least one diagnostic, and never panics.
//!
//! The case counts below run in CI; raise them with `PROPTEST_CASES=N` for a
//! longer local fuzz (it overrides both).

use proc_macro2::TokenStream;
use proptest::prelude::*;

/// Tokens that matter to the grammar, plus some that do not belong in it.
const VOCABULARY: &[&str] = &[
    "pub",
    "struct",
    "Mnist",
    "Model",
    "input",
    "weights",
    "Conv2D",
    "Convolution2D",
    "MaxPool",
    "AvgPool",
    "MaxPooling2D",
    "GlobalMaxPool",
    "GlobalAvgPool",
    "Flatten",
    "Dense",
    "Dropout",
    "ReLU",
    "LeakyReLU",
    "Softmax",
    "Activation",
    "relu",
    "softmax",
    "tanh",
    "leaky_relu",
    "same",
    "valid",
    "true",
    "false",
    "None",
    "strides",
    "padding",
    "dilation",
    "dilation_rate",
    "kernel_size",
    "pool_size",
    "filters",
    "units",
    "activation",
    "use_bias",
    "name",
    "shape",
    "rate",
    "negative_slope",
    "x",
    "y",
    "Add",
    "Concatenate",
    "BatchNormalization",
    "DepthwiseConv2D",
    "SeparableConv2D",
    "ZeroPadding2D",
    "Rescaling",
    "Reshape",
    "keepdims",
    "axis",
    "depth_multiplier",
    "max_value",
    "threshold",
    "-1",
    "(x)",
    "(x, y)",
    "[x, y]",
    "=",
    ",",
    ";",
    "-",
    "#",
    "!",
    "<",
    ">",
    "->",
    ".",
    "::",
    "3x3",
    "1x1",
    "5x2",
    "0x3",
    "3x0",
    "3x",
    "0",
    "1",
    "2",
    "3",
    "28",
    "-1",
    "0.5",
    "1.5",
    "-0.3",
    "1e9",
    "4294967295",
    "4294967296",
    "65536",
    "99999999999999999999999",
    "\"relu\"",
    "\"same\"",
    "\"x\"",
    "\"\"",
    "\"a/b\"",
    "'c'",
    "b\"x\"",
    "1u8",
    "2usize",
    "3f32",
    "7_i64",
    "x",
    "_",
    "'a",
    "self",
    "crate",
];

/// A token tree of the vocabulary, groups included, so it always lexes.
fn tree() -> impl Strategy<Value = String> {
    let leaf = prop::sample::select(VOCABULARY).prop_map(str::to_string);
    leaf.prop_recursive(4, 64, 8, |inner| {
        (prop::collection::vec(inner, 0..8), 0..3usize).prop_map(|(items, delim)| {
            let body = items.join(" ");
            match delim {
                0 => format!("({body})"),
                1 => format!("[{body}]"),
                _ => format!("{{{body}}}"),
            }
        })
    })
}

fn compiles_or_reports(source: &str) {
    let Ok(tokens) = source.parse::<TokenStream>() else {
        return; // rustc would reject it before the macro runs
    };
    match cnn_compiler::compile(tokens.clone()) {
        Ok(plan) => {
            assert!(!plan.layers.is_empty());
            let summary = cnn_compiler::summary::render(&plan);
            assert!(summary.starts_with("Model: "));
            assert!(!cnn_compiler::codegen::generate(&plan, None).is_empty());
        }
        Err(diags) => assert!(!diags.is_empty(), "no plan and no diagnostic for {source}"),
    }
    assert!(!cnn_compiler::expand(tokens).is_empty());
}

const SEED: &str = "pub struct Mnist; input(28, 28, 1); \
    Conv2D(32, 3x3, relu) MaxPool(2) Conv2D(32, 3x3, strides = 2, padding = same) \
    AvgPool(2, strides = 1) GlobalMaxPool Dropout(0.5) Dense(128, relu) Dense(10, softmax)";

/// A graph with every new layer, branches and merges.
const GRAPH_SEED: &str = "pub struct Net; input(64); Reshape((8, 8, 1)) Rescaling(0.5, offset = -1) \
    x = ZeroPadding2D(((1, 0), (0, 1))) Conv2D(8, 3x3, use_bias = false) BatchNormalization ReLU(max_value = 6); \
    y = DepthwiseConv2D(3x3, depth_multiplier = 2, padding = same)(x) BatchNormalization(center = false) \
        SeparableConv2D(8, 3x3, padding = same, activation = relu); \
    z = Conv2D(8, 1x1)(x); \
    s = Add(x, y); Concatenate(s, y, axis = -1) GlobalAvgPool(keepdims = true) Flatten Dense(3, softmax)";

/// Valid-model token strings with tokens deleted, replaced or inserted.
fn mutated_seed() -> impl Strategy<Value = String> {
    mutated(SEED)
}

fn mutated(seed: &str) -> impl Strategy<Value = String> {
    let words: Vec<String> = seed
        .replace('(', " ( ")
        .replace(')', " ) ")
        .replace(',', " , ")
        .replace(';', " ; ")
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let n = words.len();
    let edit = (0..n, 0..3u8, prop::sample::select(VOCABULARY));
    prop::collection::vec(edit, 1..6).prop_map(move |edits| {
        let mut words = words.clone();
        for (at, op, token) in edits {
            let at = at.min(words.len().saturating_sub(1));
            match op {
                0 if !words.is_empty() => {
                    words.remove(at);
                }
                1 if !words.is_empty() => words[at] = token.to_string(),
                _ => words.insert(at, token.to_string()),
            }
        }
        words.join(" ")
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20_000))]

    #[test]
    fn random_token_trees_never_panic(trees in prop::collection::vec(tree(), 0..24)) {
        compiles_or_reports(&trees.join(" "));
    }

    #[test]
    fn mutated_models_never_panic(source in mutated_seed()) {
        compiles_or_reports(&source);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    #[test]
    fn mutated_graphs_never_panic(source in mutated(GRAPH_SEED)) {
        compiles_or_reports(&source);
    }

    #[test]
    fn mutated_functional_keras_code_never_panics(
        text in mutated_text(include_str!("../../fixtures/resnet8/keras_source.py"))
    ) {
        keras_text_parses_or_reports(&text);
    }

    #[test]
    fn mutated_keras_json_never_panics(
        text in mutated_text(include_str!("../../fixtures/inception/config.json"))
    ) {
        if let Ok(model) = cnn_compiler::front::keras_json::parse(&text) {
            let _ = cnn_compiler::compile_keras(model);
        }
    }
}

/// The graph seed is a model whose `z` branch is never used: an error that
/// names it, and nothing else wrong.
#[test]
fn the_graph_seed_reports_its_unused_branch() {
    let diags = cnn_compiler::compile(GRAPH_SEED.parse().unwrap()).unwrap_err();
    let messages: Vec<String> = diags.iter().map(|d| d.message.clone()).collect();
    assert_eq!(messages, ["the output of `conv2d_1` is never used"]);
}

#[test]
fn the_unmutated_seed_compiles() {
    let plan = cnn_compiler::compile(SEED.parse().unwrap()).unwrap();
    assert_eq!(plan.output().dims(), [10]);
}

/// Keras Python code with characters deleted, replaced or inserted.
fn mutated_keras_source() -> impl Strategy<Value = String> {
    mutated_text(include_str!("../../fixtures/features_a/keras_source.py"))
}

fn mutated_text(text: &str) -> impl Strategy<Value = String> {
    let source: Vec<char> = text.chars().collect();
    let n = source.len();
    let alphabet: Vec<char> = "()[],.=:'\"#\n _-0123456789abcxyzLSD".chars().collect();
    let edit = (0..n, 0..3u8, prop::sample::select(alphabet));
    prop::collection::vec(edit, 1..8).prop_map(move |edits| {
        let mut text = source.clone();
        for (at, op, c) in edits {
            let at = at.min(text.len().saturating_sub(1));
            match op {
                0 if !text.is_empty() => {
                    text.remove(at);
                }
                1 if !text.is_empty() => text[at] = c,
                _ => text.insert(at, c),
            }
        }
        text.into_iter().collect()
    })
}

/// Keras text: a model or an error whose position is inside the text.
fn keras_text_parses_or_reports(text: &str) {
    match cnn_compiler::front::keras_py::parse(text) {
        Ok(keras) => {
            let _ = cnn_compiler::compile_keras(keras.model);
        }
        Err(e) => {
            let lines = text.lines().count().max(1) as u32;
            assert!(e.pos.line >= 1 && e.pos.line <= lines + 1, "{e:?}");
            let _ = cnn_compiler::front::keras_py::render("x.py", text, e.pos, &e.message);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20_000))]

    #[test]
    fn mutated_keras_code_never_panics(text in mutated_keras_source()) {
        keras_text_parses_or_reports(&text);
    }

    #[test]
    fn random_keras_like_text_never_panics(text in "[a-zA-Z_(),\\[\\].=:'\"#\n 0-9+-]{0,120}") {
        keras_text_parses_or_reports(&text);
    }
}
