//! Keras Python code given to a macro (`cnn_keras!`, or `include_keras!` of a
//! `.py` file) or to `cnnc`: read into the model description, with every
//! diagnostic about it (from reading, the options or the shapes) shown at its
//! line and column of the Keras code.

use super::dsl::Header;
use super::keras_py::{self, KerasText, Pos};
use crate::diag::{Diagnostic, Diagnostics, Loc};
use crate::spec::{ModelSpec, Spanned};

/// What `cnn_keras!` reads after the type: `model = "name";` to choose
/// among the models the code builds (optional), then the code as a string.
pub struct KerasCode {
    pub model: Option<syn::LitStr>,
    pub code: syn::LitStr,
}

impl syn::parse::Parse for KerasCode {
    fn parse(input: syn::parse::ParseStream) -> syn::Result<Self> {
        let mut model = None;
        if input.peek(syn::Ident) {
            let key: syn::Ident = input.parse()?;
            if key != "model" {
                return Err(syn::Error::new(
                    key.span(),
                    "expected `model = \"name\";` or the Keras code as a string",
                ));
            }
            input.parse::<syn::Token![=]>()?;
            model = Some(input.parse()?);
            if input.peek(syn::Token![;]) {
                input.parse::<syn::Token![;]>()?;
            } else {
                input.parse::<syn::Token![,]>()?;
            }
        }
        let code = input.parse()?;
        if input.peek(syn::Token![;]) {
            input.parse::<syn::Token![;]>()?;
        }
        Ok(KerasCode { model, code })
    }
}

/// The model Keras code `text` (called `label` in messages) builds, for the
/// type `header` names; mistakes point at `loc` (the string or the path) and
/// quote the Keras code.
pub fn spec(
    header: Header,
    weights: Option<Spanned<String>>,
    wanted: Option<&str>,
    text: &str,
    label: &str,
    loc: Loc,
    diags: &mut Diagnostics,
) -> Option<(ModelSpec, KerasText)> {
    let keras = match keras_py::parse_model(text, wanted) {
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
    let mut found = Diagnostics::new();
    let mut spec =
        keras
            .model
            .clone()
            .into_spec(header.attrs, header.vis, header.ident, loc, &mut found);
    spec.weights = weights;
    for d in found {
        diags.push(locate(d, &keras, text, label, loc));
    }
    Some((spec, keras))
}

/// A diagnostic about the model, moved onto the Keras code: at the line of
/// the layer it is about, or of the input.
pub fn locate(d: Diagnostic, keras: &KerasText, text: &str, label: &str, loc: Loc) -> Diagnostic {
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
