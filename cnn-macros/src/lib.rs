//! Entry points of the `cnn!` macro. Use it through `cnn-runtime`, which
//! re-exports it; all the work is done by `cnn-compiler`.

use proc_macro::TokenStream;

/// Compiles a Keras-like model description into a Rust type.
///
/// See the `cnn_runtime` crate for the DSL and the generated API.
#[proc_macro]
pub fn cnn(input: TokenStream) -> TokenStream {
    cnn_compiler::expand(input.into()).into()
}

/// A Keras model from a file relative to the crate's `Cargo.toml`: Keras
/// Python code (`.py`, as `cnn_keras!` reads it) or Keras' own
/// `model.to_json()` output (`.json`). The type is named by the optional
/// `struct` line, else after the Keras model's name in UpperCamelCase.
///
/// ```ignore
/// cnn_runtime::include_keras! { pub struct Mnist; "models/mnist.json" }
/// ```
#[proc_macro]
pub fn include_keras(input: TokenStream) -> TokenStream {
    cnn_compiler::expand_include_keras(input.into()).into()
}

/// A model from Keras Python code pasted as a string: `model = Sequential(...)`
/// with `model.add(...)` or a list of layers, `keras.Input(shape=...)` or
/// `input_shape=`, any of the `layers.` / `keras.layers.` / `tf.keras.layers.`
/// prefixes. Mistakes are compile errors quoting the Keras line and column.
///
/// ```ignore
/// cnn_runtime::cnn_keras! { pub struct Mnist; r#"
/// model = Sequential()
/// model.add(Conv2D(32, kernel_size=(3, 3), input_shape=(28, 28, 1), activation='relu'))
/// model.add(Flatten())
/// model.add(Dense(10, activation='softmax'))
/// "# }
/// ```
#[proc_macro]
pub fn cnn_keras(input: TokenStream) -> TokenStream {
    cnn_compiler::expand_keras(input.into()).into()
}

/// An int8 TensorFlow Lite model from a `.tflite` file relative to the
/// crate's `Cargo.toml`: read, checked and generated at compile time, the
/// weights embedded. The type is named by the optional `struct` line, else
/// after the file's name.
///
/// ```ignore
/// cnn_runtime::include_tflite! { pub struct Vww; "models/vww.int8.tflite" }
/// static MODEL: Vww = Vww::new();
/// ```
#[proc_macro]
pub fn include_tflite(input: TokenStream) -> TokenStream {
    cnn_compiler::expand_include_tflite(input.into()).into()
}
