//! `include_keras! { pub struct Net; "model.py" }` (Keras Python code) or
//! `"model.json"` (Keras' `model.to_json()`): a Keras model from a file,
//! relative to the crate's `Cargo.toml`.

use super::dsl::Header;
use super::keras_json;
use crate::diag::{Diagnostic, Diagnostics, Loc};
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;
use std::path::Path;

/// The `cnn!` body the file describes, plus `include_str!` of the file so that
/// cargo rebuilds when it changes; or what is wrong, with the header for a stub.
pub fn expand(tokens: TokenStream, base: &Path, diags: &mut Diagnostics) -> Option<TokenStream> {
    let header = match syn::parse2::<Header>(tokens) {
        Ok(header) => header,
        Err(e) => {
            diags.push(Diagnostic::new(Loc::span(e.span()), e.to_string()));
            return None;
        }
    };
    let rest = header.rest.clone();
    let path = match syn::parse2::<PathArg>(rest) {
        Ok(PathArg(path)) => path,
        Err(e) => {
            diags.push(Diagnostic::new(
                Loc::span(e.span()),
                "expected the model file's path as a string: `include_keras! { pub struct Net; \"model.json\" }`",
            ));
            return None;
        }
    };
    let loc = Loc::span(path.span());
    let shown = path.value();
    let file = base.join(&shown);
    let text = match std::fs::read_to_string(&file) {
        Ok(text) => text,
        Err(e) => {
            diags.push(
                Diagnostic::new(loc, format!("cannot read `{shown}`: {e}"))
                    .note(format!("resolved to {}", file.display()))
                    .help("the path is relative to the crate's Cargo.toml (CARGO_MANIFEST_DIR)"),
            );
            return None;
        }
    };
    let absolute = std::fs::canonicalize(&file).unwrap_or(file);
    let absolute = absolute.to_string_lossy().into_owned();
    let track = quote! {
        // Makes cargo rebuild when the model file changes.
        const _: &str = include_str!(#absolute);
    };
    if shown.ends_with(".py") {
        let header = Header {
            rest: TokenStream::new(),
            ..header
        };
        let code = super::keras_text::expand(header, &text, &shown, loc, diags)?;
        return Some(quote!(#code #track));
    }
    let model = if shown.ends_with(".json") {
        keras_json::parse(&text)
    } else {
        Err("expected Keras Python code (.py) or Keras' `model.to_json()` (.json)".to_string())
    };
    let model = match model {
        Ok(model) => model,
        Err(e) => {
            diags.push(Diagnostic::new(loc, format!("`{shown}`: {e}")));
            return None;
        }
    };
    let body: TokenStream = match model.body.parse() {
        Ok(body) => body,
        Err(e) => {
            diags.push(Diagnostic::new(
                loc,
                format!("`{shown}`: a layer name cannot be written in Rust: {e}"),
            ));
            return None;
        }
    };
    let ident = header
        .ident
        .unwrap_or_else(|| Ident::new(&model.type_name(), Span::call_site()));
    let (attrs, vis) = (header.attrs, header.vis);
    let generated = crate::expand(quote!(#attrs #vis struct #ident; #body));
    Some(quote!(#generated #track))
}

/// The rest of the input: a string literal, optionally followed by `;` or `,`.
struct PathArg(syn::LitStr);

impl syn::parse::Parse for PathArg {
    fn parse(input: syn::parse::ParseStream) -> syn::Result<Self> {
        let path = input.parse()?;
        if input.peek(syn::Token![;]) {
            input.parse::<syn::Token![;]>()?;
        } else if input.peek(syn::Token![,]) {
            input.parse::<syn::Token![,]>()?;
        }
        Ok(PathArg(path))
    }
}
