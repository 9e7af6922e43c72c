//! `include_keras! { pub struct Net; "model.py" }` (Keras Python code) or
//! `"model.json"` (Keras' `model.to_json()`): the model file, relative to the
//! crate's `Cargo.toml`, read for the front-end its extension names.

use super::dsl::Header;
use crate::diag::{Diagnostic, Diagnostics, Loc};
use proc_macro2::TokenStream;
use quote::quote;
use std::path::Path;

/// A Keras model file and what the macro was told about it.
pub struct ModelFile {
    pub header: Header,
    /// The path as written, and where.
    pub shown: String,
    pub loc: Loc,
    pub text: String,
    pub kind: FileKind,
    /// `include_str!` of the file, so that cargo rebuilds when it changes.
    pub track: TokenStream,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// Keras Python code.
    Python,
    /// Keras' `model.to_json()`.
    Json,
}

/// Reads the file the macro names; `None` after reporting why it cannot.
pub fn read(tokens: TokenStream, base: &Path, diags: &mut Diagnostics) -> Option<ModelFile> {
    let header = match syn::parse2::<Header>(tokens) {
        Ok(header) => header,
        Err(e) => {
            diags.push(Diagnostic::new(Loc::span(e.span()), e.to_string()));
            return None;
        }
    };
    let path = match syn::parse2::<PathArg>(header.rest.clone()) {
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
    let kind = if shown.ends_with(".py") {
        FileKind::Python
    } else if shown.ends_with(".json") {
        FileKind::Json
    } else {
        diags.push(Diagnostic::new(
            loc,
            format!(
                "`{shown}`: expected Keras Python code (.py) or Keras' `model.to_json()` (.json)"
            ),
        ));
        return None;
    };
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
    Some(ModelFile {
        header: Header {
            rest: TokenStream::new(),
            ..header
        },
        shown,
        loc,
        text,
        kind,
        track,
    })
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
