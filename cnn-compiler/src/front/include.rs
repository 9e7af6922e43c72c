//! `include_keras! { pub struct Net; "model.py" }` (Keras Python code) or
//! `"model.json"` (Keras' `model.to_json()`), optionally followed by
//! `weights = "model.safetensors"` to embed the weights at compile time: the
//! model file, relative to the crate's `Cargo.toml`, read for the front-end
//! its extension names.

use super::dsl::Header;
use crate::diag::{Diagnostic, Diagnostics, Loc};
use crate::spec::Spanned;
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
    /// `weights = "..."`: embedded at compile time, as in `cnn!`.
    pub weights: Option<Spanned<String>>,
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
    let (path, weights) = match syn::parse2::<PathArg>(header.rest.clone()) {
        Ok(PathArg(path, weights)) => (path, weights),
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
        weights: weights.map(|w| Spanned::new(w.value(), Loc::span(w.span()))),
        track,
    })
}

/// The rest of the input: a string literal, then optionally
/// `weights = "..."`, each optionally followed by `;` or `,`.
struct PathArg(syn::LitStr, Option<syn::LitStr>);

impl syn::parse::Parse for PathArg {
    fn parse(input: syn::parse::ParseStream) -> syn::Result<Self> {
        let separator = |input: syn::parse::ParseStream| -> syn::Result<()> {
            if input.peek(syn::Token![;]) {
                input.parse::<syn::Token![;]>()?;
            } else if input.peek(syn::Token![,]) {
                input.parse::<syn::Token![,]>()?;
            }
            Ok(())
        };
        let path = input.parse()?;
        separator(input)?;
        let mut weights = None;
        if !input.is_empty() {
            let key: proc_macro2::Ident = input.parse()?;
            if key != "weights" {
                return Err(syn::Error::new(
                    key.span(),
                    "expected `weights = \"model.safetensors\"` after the model file",
                ));
            }
            input.parse::<syn::Token![=]>()?;
            weights = Some(input.parse()?);
            separator(input)?;
        }
        Ok(PathArg(path, weights))
    }
}
