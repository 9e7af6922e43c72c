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
//! Stages, each a function from data to data, one way: a front-end produces a
//! [`spec::ModelSpec`] ([`front::dsl::parse`] from tokens; the Keras readers
//! [`front::keras_json::parse`] and [`front::keras_py::parse`] through
//! [`front::keras_json::KerasModel::into_spec`], whose layers the DSL's own
//! option rules check), [`check::check`] makes the [`plan::Plan`] (shapes,
//! Keras' order), [`memory::plan_memory`] places its tensors, and
//! [`codegen::generate`] and [`summary::render`] read it. No front-end calls a
//! later stage; the `expand*` functions here chain them. Mistakes are
//! collected as [`diag::Diagnostics`].

pub mod check;
pub mod codegen;
pub mod diag;
pub mod embed;
mod fallback;
pub mod front;
pub mod fuse;
pub mod graph;
pub mod memory;
pub mod model_file;
pub mod names;
pub mod plan;
pub mod plot;
pub mod spec;
pub mod summary;
pub mod tflite;

use diag::{Diagnostic, Diagnostics};
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

/// Checks a Keras model read by [`front::keras_json::parse`] or
/// [`front::keras_py::parse`], for a public type named after it.
///
/// ```
/// let json = std::fs::read_to_string("../fixtures/resnet8/config.json").unwrap();
/// let model = cnn_compiler::front::keras_json::parse(&json).unwrap();
/// let plan = cnn_compiler::compile_keras(model).unwrap();
/// assert_eq!(plan.params(), 78_666);
/// ```
pub fn compile_keras(model: front::keras_json::KerasModel) -> Result<Plan, Diagnostics> {
    let mut diags = Diagnostics::new();
    let spec = model.into_spec(
        TokenStream::new(),
        quote::quote!(pub),
        None,
        diag::Loc::default(),
        &mut diags,
    );
    match check::check(spec, &mut diags) {
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
    let header = syn::parse2::<Header>(tokens.clone()).ok();
    let stub = |diags: &Diagnostics| {
        let mut out = diags.to_compile_errors();
        if let Some(Header {
            attrs, vis, ident, ..
        }) = header.clone()
        {
            out.extend(fallback::stub(attrs, vis, ident, None));
        }
        out
    };
    let Some(file) = front::include::read(tokens, &embed::manifest_dir(), &mut diags) else {
        return stub(&diags);
    };
    let (shown, loc, track) = (file.shown.clone(), file.loc, file.track.clone());
    let code = match file.kind {
        front::include::FileKind::Python => keras_text_model(
            file.header,
            file.weights,
            file.model.as_ref().map(|m| m.value.as_str()),
            &file.text,
            &shown,
            loc,
            &mut diags,
        ),
        front::include::FileKind::Json => match front::keras_json::parse_all(&file.text) {
            Ok(model) => {
                let Header {
                    attrs, vis, ident, ..
                } = file.header;
                let mut found = Diagnostics::new();
                let mut spec = model.into_spec(attrs, vis, ident, loc, &mut found);
                spec.weights = file.weights;
                let plan = check::check(spec, &mut found);
                for d in found {
                    let message = format!("`{shown}`: {}", d.message);
                    diags.push(Diagnostic { loc, message, ..d });
                }
                plan.and_then(|plan| generate_with_weights(&plan, &mut diags))
            }
            Err(errors) => {
                for e in errors {
                    diags.push(diag::Diagnostic::new(loc, format!("`{shown}`: {e}")));
                }
                None
            }
        },
    };
    match code {
        Some(code) if diags.is_empty() => quote::quote!(#code #track),
        _ => stub(&diags),
    }
}

/// Keras Python code: read, checked and generated, every diagnostic quoting
/// the Keras line it is about.
fn keras_text_model(
    header: Header,
    weights: Option<spec::Spanned<String>>,
    wanted: Option<&str>,
    text: &str,
    label: &str,
    loc: diag::Loc,
    diags: &mut Diagnostics,
) -> Option<TokenStream> {
    let (spec, keras) = front::keras_text::spec(header, weights, wanted, text, label, loc, diags)?;
    let mut found = Diagnostics::new();
    let plan = check::check(spec, &mut found);
    for d in found {
        diags.push(front::keras_text::locate(d, &keras, text, label, loc));
    }
    plan.and_then(|plan| generate_with_weights(&plan, diags))
}

/// The generated model, with its weights embedded when the plan names a file;
/// `None` if anything was reported.
fn generate_with_weights(plan: &Plan, diags: &mut Diagnostics) -> Option<TokenStream> {
    let embedded = embed::load(plan, &embed::manifest_dir(), diags);
    diags
        .is_empty()
        .then(|| codegen::generate(plan, embedded.as_ref()))
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
    let code = match syn::parse2::<front::keras_text::KerasCode>(header.rest.clone()) {
        Ok(front::keras_text::KerasCode { model, code }) => {
            let loc = diag::Loc::span(code.span());
            let wanted = model.map(|m| m.value());
            keras_text_model(
                header,
                None,
                wanted.as_deref(),
                &code.value(),
                "Keras code",
                loc,
                &mut diags,
            )
        }
        Err(e) => {
            diags.push(diag::Diagnostic::new(
                diag::Loc::span(e.span()),
                "expected the Keras code as one string, after an optional `model = \"name\";`: \
                 `cnn_keras! { pub struct Net; r#\"model = ...\"# }`",
            ));
            None
        }
    };
    match code {
        Some(code) if diags.is_empty() => code,
        _ => {
            let mut out = diags.to_compile_errors();
            out.extend(stub);
            out
        }
    }
}

/// What `include_tflite!` expands to: the model a `.tflite` file holds, or
/// every problem with it as a compile error on the path, beside a stub of the type.
pub fn expand_include_tflite(tokens: TokenStream) -> TokenStream {
    tflite::include::expand(tokens, &embed::manifest_dir())
}
