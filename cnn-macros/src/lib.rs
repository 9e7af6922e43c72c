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
