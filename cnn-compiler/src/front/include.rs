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
    /// `model = "..."`: which of the models Keras code builds.
    pub model: Option<Spanned<String>>,
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
    let (path, weights, model) = match syn::parse2::<PathArg>(header.rest.clone()) {
        Ok(PathArg(path, weights, model)) => (path, weights, model),
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
    if let (Some(model), FileKind::Json) = (&model, kind) {
        diags.push(Diagnostic::new(
            Loc::span(model.span()),
            "`model = ...` chooses among the models of Keras Python code; a `.json` file holds one",
        ));
        return None;
    }
    let file = base.join(&shown);
    let text = match crate::model_file::read_text(&file, crate::model_file::MAX_TEXT_BYTES) {
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
        model: model.map(|m| Spanned::new(m.value(), Loc::span(m.span()))),
        track,
    })
}

/// The rest of the input: a string literal, then optionally
/// `weights = "..."` and `model = "..."`, each optionally followed by `;`
/// or `,`.
struct PathArg(syn::LitStr, Option<syn::LitStr>, Option<syn::LitStr>);

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
        let (mut weights, mut model) = (None, None);
        while !input.is_empty() {
            let key: proc_macro2::Ident = input.parse()?;
            let slot = match key.to_string().as_str() {
                "weights" if weights.is_none() => &mut weights,
                "model" if model.is_none() => &mut model,
                _ => {
                    return Err(syn::Error::new(
                        key.span(),
                        "expected `weights = \"model.safetensors\"` or `model = \"name\"` after the model file",
                    ))
                }
            };
            input.parse::<syn::Token![=]>()?;
            *slot = Some(input.parse()?);
            separator(input)?;
        }
        Ok(PathArg(path, weights, model))
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// What `include_keras!` and `include_tflite!` say about a model path in
    /// `dir`, as their compile errors.
    fn errors(dir: &Path, file: &str) -> String {
        let mut diags = Diagnostics::new();
        let tokens: TokenStream = format!("pub struct Net; {file:?}").parse().unwrap();
        if file.ends_with(".tflite") {
            return crate::tflite::include::expand(tokens, dir).to_string();
        }
        assert!(read(tokens, dir, &mut diags).is_none());
        diags.to_string()
    }

    #[test]
    fn the_macros_refuse_model_paths_that_are_not_regular_files() {
        let dir = std::env::temp_dir().join(format!("cnn-include-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let made = std::process::Command::new("mkfifo")
            .arg(dir.join("fifo.json"))
            .status()
            .unwrap();
        assert!(made.success());
        for file in ["zero.py", "zero.tflite"] {
            let _ = std::fs::remove_file(dir.join(file));
            std::os::unix::fs::symlink("/dev/zero", dir.join(file)).unwrap();
        }
        // Opening the FIFO would block rustc; reading /dev/zero never ends.
        for file in ["fifo.json", "zero.py", "zero.tflite"] {
            let message = errors(&dir, file);
            assert!(
                message.contains("not a regular file (a device, a FIFO or a socket)"),
                "{file}: {message}"
            );
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
