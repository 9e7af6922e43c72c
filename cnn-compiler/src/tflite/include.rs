//! `include_tflite! { pub struct Vww; "models/vww.int8.tflite" }`: the file,
//! relative to the crate's `Cargo.toml`, read, checked and generated; every
//! problem a compile error on the path, beside a stub of the type.

use super::codegen::{generate, Header};
use super::lower::{lower, Program};
use super::memory::place;
use super::read::read;
use super::summary::render;
use crate::front::dsl;
use crate::model_file::MAX_TFLITE_BYTES;
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;
use std::path::Path;

/// What `include_tflite!` expands to.
pub fn expand(tokens: TokenStream, base: &Path) -> TokenStream {
    let header = match syn::parse2::<dsl::Header>(tokens) {
        Ok(header) => header,
        Err(e) => return e.to_compile_error(),
    };
    let path = match syn::parse2::<PathArg>(header.rest.clone()) {
        Ok(PathArg(path)) => path,
        Err(e) => {
            return syn::Error::new(
                e.span(),
                "expected the model file's path as a string: `include_tflite! { pub struct Net; \"model.tflite\" }`",
            )
            .to_compile_error()
        }
    };
    let shown = path.value();
    let ident = header
        .ident
        .clone()
        .unwrap_or_else(|| Ident::new(&type_name(&shown), Span::call_site()));
    let stub = |messages: Vec<String>| {
        let errors = messages.iter().map(|m| {
            let m = format!("`{shown}`: {m}");
            quote::quote_spanned!(path.span()=> ::core::compile_error!(#m);)
        });
        let (attrs, vis) = (&header.attrs, &header.vis);
        quote! {
            #(#errors)*
            #attrs
            #vis struct #ident;
            impl #ident {
                pub const fn new() -> Self { #ident }
            }
        }
    };
    let file = base.join(&shown);
    let bytes = match crate::model_file::read_bytes(&file, MAX_TFLITE_BYTES) {
        Ok(bytes) => bytes,
        Err(e @ crate::model_file::ModelFileError::Io(_)) => {
            return stub(vec![format!(
                "cannot read {}: {e} (the path is relative to the crate's Cargo.toml)",
                file.display()
            )])
        }
        Err(e) => return stub(vec![format!("{}: {e}", file.display())]),
    };
    let model = match read(&bytes) {
        Ok(model) => model,
        Err(e) => return stub(vec![e.0]),
    };
    let program = match lower(model) {
        Ok(program) => program,
        Err(errors) => return stub(errors),
    };
    if let Err(e) = check_size(&program) {
        return stub(vec![e]);
    }
    let absolute = std::fs::canonicalize(&file).unwrap_or(file);
    let absolute = absolute.to_string_lossy().into_owned();
    let track = quote! {
        // Makes cargo rebuild when the model file changes.
        const _: &[u8] = include_bytes!(#absolute);
    };
    let summary = render(&program, &shown);
    generate(
        &program,
        &Header {
            attrs: header.attrs,
            vis: header.vis,
            ident,
        },
        &summary,
        track,
    )
}

/// The most memory a generated model may ask for: its scratch (activations)
/// and its input. Beyond this, the file is refused at compile time rather
/// than generating types no program could hold.
pub const MAX_MODEL_BYTES: usize = 1 << 30;

/// Refuses a model whose scratch or input exceeds [`MAX_MODEL_BYTES`].
pub fn check_size(program: &Program) -> Result<(), String> {
    let scratch = place(program).arena + program.bytes(program.output);
    let input = program.bytes(program.input);
    if scratch > MAX_MODEL_BYTES || input > MAX_MODEL_BYTES {
        return Err(format!(
            "the model needs {scratch} bytes of activations and a {input}-byte input; \
             at most {MAX_MODEL_BYTES} bytes each are supported"
        ));
    }
    Ok(())
}

/// The type's name when none is given: the file's stem before its first
/// dot, in UpperCamelCase (`vww.int8.tflite` → `Vww`).
pub fn type_name(path: &str) -> String {
    let stem = Path::new(path)
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.split('.').next())
        .unwrap_or("");
    crate::names::type_name(stem)
}

/// A string literal, optionally followed by `;` or `,`.
struct PathArg(syn::LitStr);

impl syn::parse::Parse for PathArg {
    fn parse(input: syn::parse::ParseStream) -> syn::Result<Self> {
        let path = input.parse()?;
        if input.peek(syn::Token![;]) {
            input.parse::<syn::Token![;]>()?;
        } else if input.peek(syn::Token![,]) {
            input.parse::<syn::Token![,]>()?;
        }
        if !input.is_empty() {
            return Err(input.error("unexpected tokens after the model file's path"));
        }
        Ok(PathArg(path))
    }
}
