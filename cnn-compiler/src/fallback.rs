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
    input: Option<Vec<usize>>,
) -> TokenStream {
    let input = match input.as_deref() {
        Some(&[h, w, c]) => Shape::Map { h, w, c },
        Some(&[n, c]) => Shape::Steps { n, c },
        Some(&[n]) => Shape::Vector(n),
        _ => Shape::Map { h: 0, w: 0, c: 0 },
    };
    let ident = ident.unwrap_or_else(|| Ident::new("Model", Span::call_site()));
    let plan = Plan {
        attrs,
        vis,
        model_name: String::new(),
        ident,
        input,
        input_name: String::new(),
        functional: false,
        layers: Vec::new(),
        outputs: vec![0],
        weights: None,
    };
    codegen::generate(&plan, None)
}
