//! Keras Python code given to a macro (`cnn_keras!`, or `include_keras!` of a
//! `.py` file): parsed, converted to the DSL and checked, with every mistake
//! shown at its line and column of the Keras code.

use super::dsl::Header;
use super::keras_py::{self, KerasText, Pos};
use crate::diag::{Diagnostic, Diagnostics, Loc};
use crate::{check, codegen};
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

/// The generated model for Keras code `text` (called `label` in messages);
/// diagnostics point at `loc` (the string or path) and quote the Keras code.
pub fn expand(
    header: Header,
    text: &str,
    label: &str,
    loc: Loc,
    diags: &mut Diagnostics,
) -> Option<TokenStream> {
    let keras = match keras_py::parse_all(text) {
        Ok(keras) => keras,
        Err(errors) => {
            for e in errors {
                diags.push(Diagnostic::new(
                    loc,
                    keras_py::render(label, text, e.pos, &e.message),
                ));
            }
            return None;
        }
    };
    let ident = header
        .ident
        .unwrap_or_else(|| Ident::new(&keras.model.type_name(), Span::call_site()));
    let (attrs, vis) = (header.attrs, header.vis);
    let body: TokenStream = match keras.model.body.parse() {
        Ok(body) => body,
        Err(e) => {
            diags.error(
                loc,
                format!("{label}: cannot turn the Keras code into Rust tokens: {e}"),
            );
            return None;
        }
    };
    let mut found = Diagnostics::new();
    let plan = super::dsl::parse(quote!(#attrs #vis struct #ident; #body), &mut found)
        .and_then(|spec| check::check(spec, &mut found));
    if !found.is_empty() {
        for d in found {
            diags.push(locate(d, &keras, text, label, loc));
        }
        return None;
    }
    plan.map(|plan| codegen::generate(&plan, None))
}

/// A diagnostic about the generated DSL, moved onto the Keras code.
fn locate(d: Diagnostic, keras: &KerasText, text: &str, label: &str, loc: Loc) -> Diagnostic {
    let pos: Option<Pos> = match d.layer {
        Some(i) => keras.layers.get(i).copied(),
        None => Some(keras.input),
    };
    let message = match pos {
        Some(pos) => keras_py::render(label, text, pos, &d.message),
        None => d.message.clone(),
    };
    Diagnostic { loc, message, ..d }
}
