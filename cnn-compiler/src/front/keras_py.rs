//! Keras Python code → the model it builds. The code is read as Python
//! (see [`super::python`]): functions, loops, conditions and formatting run
//! as Python runs them, Keras' classes build the layers. Every layer keeps
//! its position in the text so that any diagnostic about it can point at
//! its line and column.

use super::keras_json::KerasModel;

/// A place in the Keras text: 1-based line and column, length in characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pos {
    pub line: u32,
    pub column: usize,
    pub len: usize,
}

/// A mistake in the Keras text, at a position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextError {
    pub pos: Pos,
    pub message: String,
}

/// The model, with where each layer was written.
#[derive(Clone, Debug)]
pub struct KerasText {
    pub model: KerasModel,
    /// For each layer of `model.layers`, in order, the position of its class name.
    pub layers: Vec<Pos>,
    /// Where the input shape was given.
    pub input: Pos,
}

/// Reads Keras Python code; the first mistake (see [`parse_all`]).
pub fn parse(text: &str) -> Result<KerasText, TextError> {
    parse_all(text).map_err(|mut errors| errors.remove(0))
}

/// Reads Keras Python code, or every mistake in it, in order. The model is
/// the one assigned to `model` (else the only one the code builds).
pub fn parse_all(text: &str) -> Result<KerasText, Vec<TextError>> {
    parse_model(text, None)
}

/// As [`parse_all`], for the model assigned to the variable `wanted` (or
/// with that Keras name) when given.
///
/// ```
/// use cnn_compiler::front::keras_py::parse_model;
///
/// let code = r#"
/// import keras
/// from keras import layers
///
/// def dense_stack(x, widths):
///     for i, units in enumerate(widths):
///         x = layers.Dense(units, activation="relu", name=f"hidden{i}")(x)
///     return x
///
/// inputs = keras.Input((8,))
/// encoder = keras.Model(inputs, dense_stack(inputs, [6, 4]), name="encoder")
/// classifier = keras.Sequential([keras.Input((8,)), layers.Dense(3)])
/// "#;
/// let keras = parse_model(code, Some("encoder")).unwrap();
/// assert_eq!(keras.model.name, "encoder");
/// assert_eq!(keras.model.layers.len(), 2);
/// // Two models and none assigned to `model`: which one is a question.
/// let errors = parse_model(code, None).unwrap_err();
/// assert!(errors[0].message.contains("builds 2 models"));
/// ```
pub fn parse_model(text: &str, wanted: Option<&str>) -> Result<KerasText, Vec<TextError>> {
    let built = super::python::read(text, wanted)?;
    Ok(KerasText {
        model: built.model,
        layers: built.layers,
        input: built.input,
    })
}

/// Keras 3's positional parameters of each layer, in order: a positional
/// argument in Keras code means what it means to Keras
/// (`Conv2D(16, 3, 2)` has strides 2).
pub(crate) fn keras_positional(class: &str) -> &'static [&'static str] {
    match class {
        "Conv2D" | "Convolution2D" | "Conv1D" | "Convolution1D" => &[
            "filters",
            "kernel_size",
            "strides",
            "padding",
            "data_format",
            "dilation_rate",
            "groups",
            "activation",
            "use_bias",
        ],
        "SeparableConv2D" | "SeparableConvolution2D" => &[
            "filters",
            "kernel_size",
            "strides",
            "padding",
            "data_format",
            "dilation_rate",
            "depth_multiplier",
            "activation",
            "use_bias",
        ],
        "Conv2DTranspose" | "Convolution2DTranspose" => &[
            "filters",
            "kernel_size",
            "strides",
            "padding",
            "output_padding",
            "data_format",
            "dilation_rate",
            "activation",
            "use_bias",
        ],
        "DepthwiseConv2D" => &[
            "kernel_size",
            "strides",
            "padding",
            "depth_multiplier",
            "data_format",
            "dilation_rate",
            "activation",
            "use_bias",
        ],
        "MaxPooling1D" | "MaxPool1D" | "AveragePooling1D" | "AvgPool1D" => {
            &["pool_size", "strides", "padding", "data_format"]
        }
        "GlobalMaxPooling1D" | "GlobalMaxPool1D" | "GlobalAveragePooling1D" | "GlobalAvgPool1D" => {
            &["data_format", "keepdims"]
        }
        "MaxPooling2D" | "MaxPool2D" | "AveragePooling2D" | "AvgPool2D" => {
            &["pool_size", "strides", "padding", "data_format"]
        }
        "GlobalMaxPooling2D" | "GlobalMaxPool2D" | "GlobalAveragePooling2D" | "GlobalAvgPool2D" => {
            &["data_format", "keepdims"]
        }
        "Flatten" => &["data_format"],
        "Dense" => &["units", "activation", "use_bias"],
        "Dropout" | "AlphaDropout" => &["rate", "noise_shape", "seed"],
        "SpatialDropout2D" => &["rate", "data_format", "seed"],
        "GaussianDropout" => &["rate", "seed"],
        "GaussianNoise" => &["stddev", "seed"],
        "ActivityRegularization" => &["l1", "l2"],
        "ReLU" => &["max_value", "negative_slope", "threshold"],
        "LeakyReLU" => &["negative_slope"],
        "Softmax" => &["axis"],
        "Activation" => &["activation"],
        "BatchNormalization" => &["axis", "momentum", "epsilon", "center", "scale"],
        "ZeroPadding2D" => &["padding", "data_format"],
        "Cropping2D" => &["cropping", "data_format"],
        "UpSampling2D" => &["size", "data_format", "interpolation"],
        "Rescaling" => &["scale", "offset"],
        "Normalization" => &["axis", "mean", "variance", "invert"],
        "LayerNormalization" => &["axis", "epsilon", "center", "scale"],
        "LayerScale" => &["init_values", "projection_dim"],
        "Reshape" => &["target_shape"],
        "Concatenate" => &["axis"],
        "CustomScaleLayer" => &["scale"],
        _ => &[],
    }
}

/// `message`, then the line of `source` (called `label`) with a caret under
/// `pos`, as rustc shows code.
pub fn render(label: &str, source: &str, pos: Pos, message: &str) -> String {
    let line_text = source
        .lines()
        .nth(pos.line.saturating_sub(1) as usize)
        .unwrap_or("");
    let number = pos.line.to_string();
    let gutter = " ".repeat(number.len());
    let indent: String = line_text
        .chars()
        .take(pos.column.saturating_sub(1))
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let carets = "^".repeat(
        pos.len.clamp(
            1,
            line_text
                .chars()
                .count()
                .saturating_sub(pos.column - 1)
                .max(1),
        ),
    );
    format!(
        "{message}\n{gutter}--> {label}, line {}, column {}\n{gutter} |\n{number} | {line_text}\n{gutter} | {indent}{carets}",
        pos.line, pos.column
    )
}

#[cfg(test)]
mod tests {
    use super::super::value::Value as Dsl;
    use super::*;

    /// The layers read, written as DSL lines (without the names, which
    /// [`names`] shows), to compare with what is expected.
    fn text(model: &KerasModel) -> String {
        fn value(v: &Dsl) -> String {
            match v {
                Dsl::Int(i) => i.to_string(),
                Dsl::Float(x) => format!("{x:?}"),
                Dsl::Str(s) => format!("{s:?}"),
                Dsl::Ident(s) => s.clone(),
                Dsl::Kernel(h, w) => format!("{h}x{w}"),
                Dsl::Tuple(items) => {
                    let items: Vec<String> = items.iter().map(|i| value(&i.value)).collect();
                    format!("({})", items.join(", "))
                }
            }
        }
        let dims: Vec<String> = model.input.iter().map(ToString::to_string).collect();
        let mut out = format!("input({});\n", dims.join(", "));
        for call in &model.layers {
            let args: Vec<String> = call
                .args
                .iter()
                .filter(|a| a.keyword.as_ref().is_none_or(|k| k.value != "name"))
                .map(|a| {
                    let key = a
                        .keyword
                        .as_ref()
                        .map_or(String::new(), |k| format!("{} = ", k.value));
                    format!(
                        "{key}{}",
                        a.value.as_ref().map_or(String::new(), |v| value(&v.value))
                    )
                })
                .collect();
            out.push_str(&format!("{}({})\n", call.word, args.join(", ")));
        }
        out
    }

    /// Each layer's Keras name, and the layers (by index) it reads.
    fn names(model: &KerasModel) -> Vec<String> {
        model
            .layers
            .iter()
            .map(|call| {
                let name = call
                    .args
                    .iter()
                    .find(|a| a.keyword.as_ref().is_some_and(|k| k.value == "name"))
                    .and_then(|a| match &a.value.as_ref()?.value {
                        Dsl::Str(s) => Some(s.clone()),
                        _ => None,
                    })
                    .unwrap_or_default();
                let reads: Vec<String> = call
                    .inputs
                    .iter()
                    .flatten()
                    .map(|r| match &r.value {
                        crate::spec::Ref::Input => "in".to_string(),
                        crate::spec::Ref::Layer(i) => i.to_string(),
                        crate::spec::Ref::Name(n) => n.clone(),
                    })
                    .collect();
                if reads.is_empty() {
                    name
                } else {
                    format!("{name}<{}", reads.join(","))
                }
            })
            .collect()
    }

    fn at(e: &TextError) -> (u32, usize) {
        (e.pos.line, e.pos.column)
    }

    #[test]
    fn both_keras_forms_give_the_same_body() {
        let add = "
import keras
from keras.layers import Conv2D, MaxPooling2D, Flatten, Dense

model = Sequential()  # the seed model
model.add(Conv2D(32, kernel_size=(3, 3),padding=\"valid\", input_shape=(28, 28, 1), activation='relu'))
model.add(MaxPooling2D(pool_size=(2, 2), strides=(2, 2), padding='valid'))
model.add(Flatten())
model.add(Dense(10, activation=\"softmax\",))
model.summary()
";
        let list = "
model = keras.Sequential([
    keras.Input(shape=(28, 28, 1)),
    layers.Conv2D(32, kernel_size=(3, 3), padding=\"valid\", activation='relu'),
    tf.keras.layers.MaxPooling2D(pool_size=(2, 2), strides=(2, 2), padding='valid'),
    keras.layers.Flatten(),
    layers.Dense(10, activation=\"softmax\"),
], name='seed')
";
        let a = parse(add).unwrap();
        let b = parse(list).unwrap();
        assert_eq!(text(&a.model), text(&b.model));
        assert_eq!(b.model.name, "seed");
        assert_eq!(a.model.name, "sequential");
        assert_eq!(a.layers.len(), 4);
        assert_eq!((a.layers[0].line, a.layers[0].column), (6, 11));
        assert_eq!((b.layers[1].line, b.layers[1].column), (5, 21));
        assert!(text(&a.model).starts_with("input(28, 28, 1);\nConv2D(filters = 32, kernel_size = (3, 3), padding = \"valid\", activation = \"relu\")\n"));
        assert_eq!(
            names(&a.model),
            ["conv2d", "max_pooling2d", "flatten", "dense"]
        );
    }

    #[test]
    fn non_ascii_text_is_read_in_characters() {
        let errors = parse_all(",\u{64c}").unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(at(&errors[0]), (1, 1));
        let source = "\"\"\"Modèle — réseau à convolution.\"\"\"\nif rápido:\n    x = 'é'\nmodel = Sequential()\nmodel.add(Flatten(input_shape=(2, 2, 1)))  # fin ✓\n";
        let e = parse(source).unwrap_err();
        assert_eq!(at(&e), (2, 4), "{}", e.message);
        assert!(
            e.message
                .contains("`rápido`, which the code does not define"),
            "{}",
            e.message
        );
        let source = "\"\"\"Modèle\"\"\"\nmodel = Sequential()\nmodel.add(Flatten(input_shape=(2, 2, 1)))  # fin ✓\n";
        assert_eq!(
            text(&parse(source).unwrap().model),
            "input(2, 2, 1);\nFlatten()\n"
        );
    }

    #[test]
    fn constants_and_build_are_understood() {
        let source = "num_classes = 10\nshape = (32, 32, 3)\nmodel = Sequential()\nmodel.add(Dense(num_classes))\nmodel.build((None,) + ())\n";
        // An empty shape: an error at the shape.
        let e = parse(source).unwrap_err();
        assert_eq!(at(&e), (5, 13), "{}", e.message);
        let source = "num_classes = 10\nmodel = Sequential()\nmodel.add(Flatten())\nmodel.add(Dense(num_classes))\nmodel.build((None, 4, 4, 2))\n";
        assert_eq!(
            text(&parse(source).unwrap().model),
            "input(4, 4, 2);\nFlatten()\nDense(units = 10)\n"
        );
    }

    /// What real Keras scripts hold besides the model: docstrings, imports in
    /// parentheses, an optimizer, `compile`, `fit` on data the reader never
    /// sees, prints, a layer list in a variable, `padding='Same'`,
    /// activations as functions, arithmetic.
    #[test]
    fn python_around_the_model_is_read_as_python() {
        let source = r#""""A CNN for MNIST.

It has "quotes" and (brackets) in its docstring.
"""
from tensorflow.keras.layers import (
    Conv2D,
    Dense,
)
import numpy as np
np.random.seed(42)
(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
filters = 16
input_shape = (28, 28, 1)
net = [
    keras.Input(shape=input_shape),
    layers.Rescaling(1./255),
    Conv2D(2 * filters, 3, 2, 'Same', activation=tf.nn.relu),
    layers.Flatten(),
    Dense(10, activation=keras.activations.softmax),
]
model = keras.Sequential(net, name="mnist")
opt = keras.optimizers.Adam(learning_rate=1e-3)
model.compile(optimizer=opt, loss="categorical_crossentropy")
history = model.fit(x_train / 255.0, y_train, epochs=3, batch_size=len(x_train) // 100)
print(history.history)
"#;
        let keras = parse(source).unwrap();
        assert_eq!(
            text(&keras.model),
            "input(28, 28, 1);\nRescaling(scale = 0.00392156862745098)\n\
             Conv2D(filters = 32, kernel_size = 3, strides = 2, padding = \"Same\", activation = \"relu\")\n\
             Flatten()\nDense(units = 10, activation = \"softmax\")\n"
        );
        assert_eq!(keras.model.name, "mnist");
    }

    /// Functions with defaults and keywords, loops over lists and `zip`,
    /// conditions on parameters, tuple unpacking, f-strings and `%` for
    /// names, `*args`/`**kwargs` passed through, a builder returning a model.
    #[test]
    fn model_code_written_with_functions_and_loops_is_evaluated() {
        let source = r#"
import keras
from keras import layers

width, height = 32, 32

def conv_block(x, filters, strides=1, *, name=None, **kwargs):
    x = layers.Conv2D(filters, 3, strides=strides, padding="same", name=f"{name}_conv", **kwargs)(x)
    x = layers.BatchNormalization(name="%s_bn" % name)(x)
    if strides == 1:
        x = layers.ReLU(name="{}_relu".format(name))(x)
    return x

def build_model(input_shape, classes, widths=(16, 32)):
    inputs = keras.Input(shape=input_shape)
    x = inputs
    for i, (f, s) in enumerate(zip(widths, [1, 2])):
        x = conv_block(x, f, strides=s, name=f"block{i + 1:02d}", use_bias=False)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(classes, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="small")

model = build_model((height, width, 3), 10)
model.summary()
"#;
        let keras = parse(source).unwrap();
        assert_eq!(keras.model.name, "small");
        assert_eq!(keras.model.input, [32, 32, 3]);
        assert_eq!(
            names(&keras.model),
            [
                "block01_conv<in",
                "block01_bn<0",
                "block01_relu<1",
                "block02_conv<2",
                "block02_bn<3",
                "global_average_pooling2d<4",
                "dense<5"
            ]
        );
        assert!(text(&keras.model).contains(
            "Conv2D(filters = 32, kernel_size = 3, strides = 2, padding = \"same\", use_bias = False)"
        ));
    }

    /// The Python that model code uses, evaluated as Python evaluates it:
    /// the layers' options and names below are computed from it.
    #[test]
    fn python_constructs_evaluate_as_python() {
        let source = r#"
import keras
from keras import layers

counter = 0
def bump():
    global counter
    counter += 1
    return counter

def scaled(factor):
    def apply(n):
        return int(round(n * factor))
    return apply

half = scaled(0.5)
widths = [w for w in range(8, 40, 8) if w != 16]          # [8, 24, 32]
table = {f"l{i}": w for i, w in enumerate(widths, start=1)}
first, *rest = widths
n = 0
while n < 3 and not n > 5:
    n += 1
else:
    n *= 10                                                # 30
if n > 100:
    kind = "big"
elif 10 < n <= 30:
    kind = "mid"
else:
    kind = "small"
names = "-".join(s.upper() for s in ["a", "b"]).replace("-", "_").lower().split("_")
try:
    shape = (12, 12, 1)
finally:
    del n
with keras.utils.custom_object_scope({}):
    pad = "same" if kind in ("mid", "big") and shape[0] % 2 == 0 else "valid"
sizes = sorted(reversed([max(widths), min(widths), len(widths), sum(rest), abs(-2)]))
ok = all(w % 8 == 0 for w in widths) and any(w > 30 for w in widths) and table.get("l9") is None
inputs = keras.Input(shape=shape)
x = inputs
for key, units in table.items():
    x = layers.Conv2D(units, 3, padding=pad, name="%s_%s_%d" % (key, kind, bump()))(x)
x = layers.Conv2D(half(rest[-1]), (lambda k: k + 2)(1), name="{0}{1}_{n:03d}".format(*names, n=sizes[0]))(x)
x = layers.Dense(round(2.5) + round(3.5) + int(ok), name=f"dense_{shape[::-1][0]}_{widths[1:][0]}")(x)
model = keras.Model(inputs, x)
"#;
        let keras = parse(source).unwrap();
        assert_eq!(
            names(&keras.model),
            [
                "l1_mid_1<in",
                "l2_mid_2<0",
                "l3_mid_3<1",
                "ab_002<2",
                "dense_1_24<3"
            ]
        );
        assert_eq!(
            text(&keras.model),
            "input(12, 12, 1);\n\
             Conv2D(filters = 8, kernel_size = 3, padding = \"same\")\n\
             Conv2D(filters = 24, kernel_size = 3, padding = \"same\")\n\
             Conv2D(filters = 32, kernel_size = 3, padding = \"same\")\n\
             Conv2D(filters = 16, kernel_size = 3)\n\
             Dense(units = 7)\n"
        );
    }

    /// Keras' own MNIST example of old: the input shape depends on the data
    /// format, which is Keras' default (channels last).
    #[test]
    fn the_data_format_is_keras_default() {
        let source = "from keras import backend as K\nimg_rows, img_cols = 28, 28\nif K.image_data_format() == 'channels_first':\n    input_shape = (1, img_rows, img_cols)\nelse:\n    input_shape = (img_rows, img_cols, 1)\nmodel = Sequential()\nmodel.add(Conv2D(32, kernel_size=(3, 3), activation='relu', input_shape=input_shape))\n";
        assert_eq!(parse(source).unwrap().model.input, [28, 28, 1]);
    }

    /// Keras lists a functional model's layers deepest first, branches in
    /// the order a walk from the output meets them (not the order written).
    #[test]
    fn branches_are_listed_in_keras_order() {
        let source = r#"
inputs = keras.Input((8, 8, 4))
a = layers.Conv2D(4, 1)(inputs)
b = layers.Conv2D(4, 3, padding="same")(inputs)
b = layers.Conv2D(4, 3, padding="same")(b)
c = layers.MaxPooling2D(3, 1, padding="same")(inputs)
x = layers.concatenate([a, b, c])
y = x + layers.Conv2D(12, 1)(x)
model = keras.Model(inputs, y)
"#;
        let keras = parse(source).unwrap();
        assert_eq!(
            names(&keras.model),
            [
                "conv2d_1<in",
                "conv2d<in",
                "conv2d_2<0",
                "max_pooling2d<in",
                "concatenate<1,2,3",
                "conv2d_3<4",
                "add<4,5"
            ]
        );
    }

    #[test]
    fn the_model_is_the_one_assigned_to_model_or_named() {
        let source = r#"
def encoder():
    return keras.Sequential([keras.Input((4,)), layers.Dense(2)], name="enc")
enc = encoder()
full = keras.Sequential([keras.Input((4,)), layers.Dense(3)])
"#;
        let e = parse(source).unwrap_err();
        assert!(
            e.message.contains("builds 2 models (`enc`, `sequential`)"),
            "{}",
            e.message
        );
        let chosen = parse_model(source, Some("full")).unwrap();
        assert_eq!(chosen.model.name, "sequential");
        let chosen = parse_model(source, Some("enc")).unwrap();
        assert_eq!(text(&chosen.model), "input(4);\nDense(units = 2)\n");
        let e = parse_model(source, Some("decoder")).unwrap_err();
        assert!(
            e[0].message.contains("no model named `decoder`"),
            "{}",
            e[0].message
        );
        let with_model = format!("{source}model = full\n");
        assert_eq!(parse(&with_model).unwrap().model.name, "sequential");
    }

    /// Found in the old reader: names defined by themselves looped or
    /// overflowed the stack; deep expressions overflowed it; constants were
    /// re-evaluated at every use (41 s for 27 lines).
    #[test]
    fn python_that_broke_the_old_reader_is_read() {
        let base = "model = Sequential([Input((4,)), Dense(units)])\n";
        let source = format!("units = 8\nunits = units\n{base}");
        assert_eq!(
            text(&parse(&source).unwrap().model),
            "input(4);\nDense(units = 8)\n"
        );
        let source = format!("a = b\nb = a\nunits = 2\n{base}");
        assert_eq!(
            text(&parse(&source).unwrap().model),
            "input(4);\nDense(units = 2)\n"
        );
        let mut doubling = "a0 = 1\n".to_string();
        for i in 1..=60 {
            doubling.push_str(&format!("a{i} = a{} + a{}\n", i - 1, i - 1));
        }
        let source = format!("{doubling}units = a60 // 2 ** 58\n{base}");
        assert_eq!(
            text(&parse(&source).unwrap().model),
            "input(4);\nDense(units = 4)\n"
        );
        let source = format!("units = -0x10 + 10 ** 30 // 10 ** 29 + 14\n{base}");
        assert_eq!(
            text(&parse(&source).unwrap().model),
            "input(4);\nDense(units = 8)\n"
        );
        for n in [20_000, 200_000] {
            let deep = format!("x = {}1\n{base}", "-".repeat(n));
            let e = parse(&deep).unwrap_err();
            assert!(
                e.message
                    .contains("operators and brackets in one statement"),
                "{}",
                e.message
            );
        }
        let deep = format!("x = {}1{}\n", "(".repeat(100_000), ")".repeat(100_000));
        assert!(parse(&deep)
            .unwrap_err()
            .message
            .contains("operators and brackets"));
        let deep = format!("x = {}\n", vec!["a"; 100_000].join(" + "));
        assert!(parse(&deep)
            .unwrap_err()
            .message
            .contains("operators and brackets"));
        // A layer output nobody uses; `training=` in a call.
        let source = "inputs = keras.Input((4,))\nx = layers.Dense(3)(inputs, training=False)\nunused = layers.Dense(5)(x)\nmodel = keras.Model(inputs, x)\n";
        assert_eq!(names(&parse(source).unwrap().model), ["dense<in"]);
    }

    #[test]
    fn limits_are_errors_at_their_place() {
        let e = parse("while True:\n    pass\n").unwrap_err();
        assert!(
            e.message.contains("more than 2000000 steps"),
            "{}",
            e.message
        );
        let e = parse("def f(n):\n    return f(n + 1)\nf(0)\n").unwrap_err();
        assert!(e.message.contains("deep"), "{}", e.message);
        assert_eq!(at(&e), (2, 12));
        let e = parse("x = [0] * 10 ** 9\n").unwrap_err();
        assert!(e.message.contains("limit"), "{}", e.message);
        let e = parse("x = 'ab' * 10 ** 9\n").unwrap_err();
        assert!(e.message.contains("limit"), "{}", e.message);
        let e = parse("for i in range(10 ** 12):\n    pass\n").unwrap_err();
        assert!(e.message.contains("limit"), "{}", e.message);
        // Growth through concatenation, joins and formats; cycles.
        for grows in [
            "x = [0]\nfor i in range(40):\n    x = x + x\n",
            "x = sum([[0] * 1000] * 1000, [])\n",
            "x = ','.join(['a' * 1000] * 1000)\n",
            "x = '%s%s' % ('a' * 99999, 'b' * 99999)\n",
            "x = '{}{}'.format('a' * 99999, 'b' * 99999)\n",
        ] {
            assert!(
                parse(grows).unwrap_err().message.contains("limit")
                    || parse(grows).unwrap_err().message.contains("longer than"),
                "{grows}"
            );
        }
        // Chains of lists, dicts and closures nested in one another, dropped
        // recursively: bounded before they could overflow the stack.
        for chain in [
            "x = []\nfor i in range(99999):\n    x = [x]\nx = 0\n",
            "x = {}\nfor i in range(99999):\n    x = {1: x}\nx = 0\n",
            "f = None\nfor i in range(99999):\n    f = (lambda g: lambda: g)(f)\nf = 0\n",
            "x = ()\nfor i in range(99999):\n    x = (x,)\nx = 0\n",
            "m = None\nfor i in range(99999):\n    m = [m].append\nm = 0\n",
        ] {
            let e = parse(chain).unwrap_err();
            assert!(
                e.message.contains("than the reader's limit (10000"),
                "{chain}: {}",
                e.message
            );
        }
        let cycle = "a = []\na.append(a)\nc = str(a) + repr([a, a])\nd = a == a\nb = a < a\n";
        let e = parse(cycle).unwrap_err();
        assert!(e.message.contains("cannot be ordered"), "{}", e.message);
        assert_eq!(at(&e), (5, 5));
        let nested = format!(
            "{}pass\n",
            (0..120)
                .map(|i| format!("{}if True:\n", "    ".repeat(i)))
                .collect::<String>()
                + &"    ".repeat(120)
        );
        assert!(parse(&nested)
            .unwrap_err()
            .message
            .contains("blocks nested"));
    }

    /// Every mistake is reported, each at its place.
    #[test]
    fn every_mistake_is_reported_at_its_place() {
        let text = "model = Sequential()
model.add(Conv2D(16, 3, 2, 'same', None, 1, 1, 'relu', True, 7, input_shape=(8, 8, 1)))
for i in range(3):
    model.add(Dense(8, activation=act))
model.add(Lambda(f))
if big:
    model.add(Dense(64))
";
        let errors = parse_all(text).unwrap_err();
        let places: Vec<(u32, usize)> = errors.iter().map(at).collect();
        assert_eq!(places, [(2, 62), (4, 35), (5, 11), (6, 4)], "{errors:?}");
        assert!(errors[0].message.contains("too many positional arguments"));
        // Once, though the loop made three such layers.
        assert!(errors[1].message.contains("unknown name `act`"));
        assert!(errors[2].message.contains("`Lambda` is not supported"));
        assert!(errors[3].message.contains("`if big`"));
    }

    #[test]
    fn syntax_errors_are_python_s() {
        let e = parse("model = Sequential([Dense(3)\n").unwrap_err();
        assert!(e.message.contains("ends in the middle"), "{}", e.message);
        let e = parse("x = = 3\n").unwrap_err();
        assert_eq!(at(&e), (1, 5));
    }

    #[test]
    fn unsupported_constructs_are_named_at_their_place() {
        let lambda = "model = Sequential([Input(shape=(8, 8, 1)),\n  layers.Lambda(double)])";
        let e = parse(lambda).unwrap_err();
        assert_eq!(e.message, "layer `Lambda` is not supported yet");
        assert_eq!(at(&e), (2, 10));
        let functional = "inputs = keras.Input(shape=(8, 8, 1))\nx = layers.Dense(3)(inputs)";
        assert!(parse(functional).unwrap_err().message.contains("no model"));
        let e = parse("inputs = keras.Input(shape=(8, 8, 1))\nx = layers.Dense(3)(y)").unwrap_err();
        assert!(e.message.contains("`y` is not a tensor"), "{}", e.message);
        assert_eq!(at(&e), (2, 5));
        let class =
            "class Net(keras.Model):\n    def call(self, x):\n        return x\nmodel = Net()\n";
        let e = parse(class).unwrap_err();
        assert!(
            e.message
                .contains("subclassed layers and models are not read"),
            "{}",
            e.message
        );
        assert_eq!(at(&e), (4, 9));
        let shared =
            "d = layers.Dense(4)\ni = keras.Input((4,))\nmodel = keras.Model(i, d(d(i)))\n";
        assert!(parse(shared).unwrap_err().message.contains("shared layers"));
        // Transfer learning from keras.applications: the network is not in the code.
        let e = parse("base = keras.applications.MobileNetV2(include_top=False)\ni = keras.Input((96, 96, 3))\nx = layers.Dense(2)(base(i, training=False))\nmodel = keras.Model(i, x)\n").unwrap_err();
        assert!(
            e.message
                .contains("it comes from `keras.applications.MobileNetV2(include_top=False)`"),
            "{}",
            e.message
        );
        assert!(e.message.contains("model.to_json()"), "{}", e.message);
        // A tensor's shape comes from the shape checker; one it cannot
        // compute is an error at the `.shape`.
        let shape = "i = keras.Input((4, 4, 2))\nx = layers.Conv2D(i.shape[-1] * 2, 1)(i)\ny = layers.Conv2D(K.int_shape(x)[3] + 1, 3)(x)\nmodel = keras.Model(i, y)\n";
        assert!(text(&parse(shape).unwrap().model).contains("Conv2D(filters = 5, kernel_size = 3)"));
        let shape = "i = keras.Input((4, 4, 2))\nx = layers.Conv2D(2, 5)(i)\ny = layers.Conv2D(x.shape[-1], 1)(x)\nmodel = keras.Model(i, y)\n";
        let e = parse(shape).unwrap_err();
        assert!(
            e.message
                .contains("the tensor's shape cannot be computed: "),
            "{}",
            e.message
        );
        assert_eq!(at(&e), (3, 19));
    }
}
