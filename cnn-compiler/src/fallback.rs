//! What to emit beside the errors: the type the user asked for, with its API
//! stubbed, so that one mistake in the model gives one error and not a cascade
//! of "cannot find type `Mnist`" errors in the code that uses it.

use crate::codegen;
use crate::plan::{Plan, Shape};
use proc_macro2::{Ident, Span, TokenStream};

pub fn stub(attrs: TokenStream, vis: TokenStream, ident: Option<Ident>) -> TokenStream {
    let ident = ident.unwrap_or_else(|| Ident::new("Model", Span::call_site()));
    let plan = Plan {
        attrs,
        vis,
        model_name: String::new(),
        ident,
        input: Shape::Map { h: 0, w: 0, c: 0 },
        layers: Vec::new(),
        weights: None,
    };
    codegen::generate(&plan)
}
