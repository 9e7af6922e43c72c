//! The compiler behind `cnn!`: parses a model description, checks every shape the
//! way Keras would, and generates monomorphized Rust.
//!
//! It is a plain library, so a CLI or a build script can use it as the macro does:
//!
//! ```
//! let model: proc_macro2::TokenStream = "
//!     pub struct Mnist;
//!     input(28, 28, 1);
//!     Conv2D(32, 3x3, relu) MaxPool(2) Conv2D(32, 3x3, relu) MaxPool(2)
//!     Flatten Dense(128, relu) Dense(10, softmax)
//! ".parse().unwrap();
//! let plan = cnn_compiler::compile(model).unwrap();
//! assert_eq!(plan.params(), 113_386);
//! assert_eq!(plan.layers[2].name, "conv2d_1");
//! assert_eq!(plan.output().to_string(), "10");
//! ```
//!
//! Stages, each a function from data to data: [`front::dsl::parse`] (tokens →
//! [`spec::ModelSpec`]), [`check::check`] (→ [`plan::Plan`]), [`codegen::generate`]
//! and [`summary::render`]. Mistakes are collected as [`diag::Diagnostics`].

pub mod check;
pub mod codegen;
pub mod diag;
pub mod embed;
mod fallback;
pub mod front;
pub mod graph;
pub mod memory;
pub mod names;
pub mod plan;
pub mod spec;
pub mod summary;

use diag::Diagnostics;
use front::dsl::Header;
use plan::Plan;
use proc_macro2::TokenStream;

/// Parses and checks a `cnn!` body.
pub fn compile(tokens: TokenStream) -> Result<Plan, Diagnostics> {
    let mut diags = Diagnostics::new();
    let plan =
        front::dsl::parse(tokens, &mut diags).and_then(|spec| check::check(spec, &mut diags));
    match plan {
        Some(plan) if diags.is_empty() => Ok(plan),
        _ => Err(diags),
    }
}

/// What `cnn!` expands to: the generated code, or every diagnostic as a
/// `compile_error!` next to a stub of the type.
pub fn expand(tokens: TokenStream) -> TokenStream {
    let mut diags = Diagnostics::new();
    let Some(spec) = front::dsl::parse(tokens, &mut diags) else {
        return diags.to_compile_errors();
    };
    let header = (
        spec.attrs.clone(),
        spec.vis.clone(),
        spec.ident.clone(),
        spec.input.as_ref().map(|i| i.value.clone()),
    );
    let plan = check::check(spec, &mut diags);
    let embedded = plan
        .as_ref()
        .and_then(|plan| embed::load(plan, &embed::manifest_dir(), &mut diags));
    match plan {
        Some(plan) if diags.is_empty() => codegen::generate(&plan, embedded.as_ref()),
        _ => {
            let mut out = diags.to_compile_errors();
            out.extend(fallback::stub(header.0, header.1, header.2, header.3));
            out
        }
    }
}

/// What `include_keras!` expands to: the model a Keras file describes, or the
/// diagnostics (on the path) beside a stub of the type.
pub fn expand_include_keras(tokens: TokenStream) -> TokenStream {
    let mut diags = Diagnostics::new();
    let header = syn::parse2::<front::dsl::Header>(tokens.clone()).ok();
    match front::include::expand(tokens, &embed::manifest_dir(), &mut diags) {
        Some(code) => code,
        None => {
            let mut out = diags.to_compile_errors();
            if let Some(Header {
                attrs, vis, ident, ..
            }) = header
            {
                out.extend(fallback::stub(attrs, vis, ident, None));
            }
            out
        }
    }
}

/// What `cnn_keras!` expands to: the model that Keras Python code (a string
/// literal, after an optional `struct Name;`) builds, or the diagnostics, each
/// quoting the Keras code at its line and column, beside a stub of the type.
pub fn expand_keras(tokens: TokenStream) -> TokenStream {
    let header = match syn::parse2::<Header>(tokens) {
        Ok(header) => header,
        Err(e) => return e.to_compile_error(),
    };
    let stub = fallback::stub(
        header.attrs.clone(),
        header.vis.clone(),
        header.ident.clone(),
        None,
    );
    let mut diags = Diagnostics::new();
    let code = match syn::parse2::<syn::LitStr>(header.rest.clone()) {
        Ok(text) => {
            let loc = diag::Loc::span(text.span());
            front::keras_text::expand(header, &text.value(), "Keras code", loc, &mut diags)
        }
        Err(e) => {
            diags.push(diag::Diagnostic::new(
                diag::Loc::span(e.span()),
                "expected the Keras code as one string: `cnn_keras! { pub struct Net; r#\"model = ...\"# }`",
            ));
            None
        }
    };
    code.unwrap_or_else(|| {
        let mut out = diags.to_compile_errors();
        out.extend(stub);
        out
    })
}
