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

/// A Keras model from a file: Keras' own `model.to_json()` output, relative to
/// the crate's `Cargo.toml`. The type is named by the optional `struct` line,
/// else after the Keras model's name in UpperCamelCase.
///
/// ```ignore
/// cnn_runtime::include_keras! { pub struct Mnist; "models/mnist.json" }
/// ```
#[proc_macro]
pub fn include_keras(input: TokenStream) -> TokenStream {
    cnn_compiler::expand_include_keras(input.into()).into()
}
