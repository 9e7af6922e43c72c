//! What to emit beside the errors: the type the user asked for, with its API
//! stubbed, so that one mistake in the model gives one error and not a cascade
//! of "cannot find type `Mnist`" errors in the code that uses it.

use crate::codegen;
use crate::plan::{Plan, Shape};
use proc_macro2::{Ident, Span, TokenStream};

/// `input` is the declared input shape, when it was valid, so that code passing
/// inputs to the stub does not report type errors of its own.
pub fn stub(
    attrs: TokenStream,
    vis: TokenStream,
    ident: Option<Ident>,
    input: Option<[usize; 3]>,
) -> TokenStream {
    let [h, w, c] = input.unwrap_or([0; 3]);
    let ident = ident.unwrap_or_else(|| Ident::new("Model", Span::call_site()));
    let plan = Plan {
        attrs,
        vis,
        model_name: String::new(),
        ident,
        input: Shape::Map { h, w, c },
        layers: Vec::new(),
        weights: None,
    };
    codegen::generate(&plan, None)
}
