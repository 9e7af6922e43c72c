//! `cnnc`: the cnn compiler on the command line.
//!
//! ```text
//! cnnc model.py -o model.rs     write the generated Rust (formatted)
//! cnnc --help                   every option
//! cnnc --summary model.py       print Keras' summary table
//! cnnc --check model.json       only check
//! cnnc --plot model.svg model.py  draw the layer graph
//! ```
//! Inputs: Keras Python code (`.py`), Keras' `model.to_json()` (`.json`), a
//! TensorFlow Lite file (`.tflite`, int8 or float32) or the `cnn!` DSL (any
//! other extension, e.g. `.cnn`). Exit codes: 0 ok, 1 the model has mistakes,
//! 2 usage or I/O error.

mod source;
mod tflite;

use codespan_reporting::diagnostic::{Diagnostic, Label};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, termcolor};
use std::path::PathBuf;
use std::process::ExitCode;

/// The cnn compiler: a Keras model or a `cnn!` model in, checked, and out as
/// Rust, Keras' summary or a picture of its layers.
#[derive(clap::Parser)]
#[command(version, about, long_about = None)]
#[command(group(clap::ArgGroup::new("mode").args(["summary", "check", "plot"])))]
struct Args {
    /// The model: Keras Python code (.py), Keras' model.to_json() (.json), a
    /// TensorFlow Lite file (.tflite) or the cnn! DSL (.cnn or any other extension).
    model: PathBuf,
    /// Print Keras' model.summary() table, then the memory plan.
    #[arg(long)]
    summary: bool,
    /// Only check the model (exit 0 when it has no mistakes).
    #[arg(long)]
    check: bool,
    /// Draw the layer graph as SVG into this file.
    #[arg(long, value_name = "GRAPH.svg")]
    plot: Option<PathBuf>,
    /// Write the generated Rust here rather than to standard output.
    #[arg(short, long, value_name = "OUTPUT.rs")]
    output: Option<PathBuf>,
}

pub(crate) enum Mode {
    Generate(Option<PathBuf>),
    Summary,
    Check,
    Plot(PathBuf),
}

fn main() -> ExitCode {
    // Usage errors exit with 2, as clap does; `--help` and `--version` with 0.
    let args = <Args as clap::Parser>::parse();
    let mode = match (args.summary, args.check, args.plot) {
        (true, _, _) => Mode::Summary,
        (_, true, _) => Mode::Check,
        (_, _, Some(path)) => Mode::Plot(path),
        _ => Mode::Generate(args.output),
    };
    let input = args.model;
    if input.extension().is_some_and(|e| e == "tflite") {
        return tflite::run(&input, mode);
    }
    let text = match std::fs::read_to_string(&input) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("cnnc: cannot read {}: {e}", input.display());
            return ExitCode::from(2);
        }
    };
    let name = input.display().to_string();
    let plan = match source::compile(&name, &text) {
        Ok(plan) => plan,
        Err(problems) => {
            report(&name, &text, &problems);
            return ExitCode::from(1);
        }
    };
    match mode {
        Mode::Check => ExitCode::SUCCESS,
        Mode::Plot(path) => match std::fs::write(&path, cnn_compiler::plot::svg(&plan)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("cnnc: cannot write {}: {e}", path.display());
                ExitCode::from(2)
            }
        },
        Mode::Summary => {
            print!("{}", cnn_compiler::summary::render(&plan));
            println!("{}", cnn_compiler::summary::memory_line(&plan));
            ExitCode::SUCCESS
        }
        Mode::Generate(output) => {
            let code = generate(&plan, &name);
            match output {
                None => {
                    print!("{code}");
                    ExitCode::SUCCESS
                }
                Some(path) => match std::fs::write(&path, code) {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(e) => {
                        eprintln!("cnnc: cannot write {}: {e}", path.display());
                        ExitCode::from(2)
                    }
                },
            }
        }
    }
}

/// Writes `text` to `path`, or says why it cannot (exit code 2).
pub(crate) fn write_file(path: &std::path::Path, text: &str) -> ExitCode {
    match std::fs::write(path, text) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cnnc: cannot write {}: {e}", path.display());
            ExitCode::from(2)
        }
    }
}

/// The generated Rust, formatted; it compiles against `cnn-runtime` alone.
fn generate(plan: &cnn_compiler::plan::Plan, source: &str) -> String {
    let tokens = cnn_compiler::codegen::generate(plan, None);
    let file: syn::File = syn::parse2(tokens).expect("the code generator emits valid Rust items");
    let source = source.replace('\\', "/");
    // Comments are not tokens: put the SAFETY notes back in the text.
    let code = prettyplease::unparse(&file).replace(
        "unsafe impl ::cnn_runtime::Zeroable",
        "// SAFETY: a repr(C) struct of runtime parameter blocks made of f32 arrays (each\n\
         // checked to be `Plain` below): f32 alignment, no padding, any bits valid.\n\
         unsafe impl ::cnn_runtime::Zeroable",
    );
    let code = code.replace(
        "unsafe impl ::cnn_runtime::Plain",
        "// SAFETY: as above.\nunsafe impl ::cnn_runtime::Plain",
    );
    format!(
        "// Generated by cnnc from {}. Regenerate rather than edit.\n\n{code}",
        source.rsplit('/').next().unwrap_or(&source),
    )
}

/// The problems as rustc would show them, on standard error.
fn report(name: &str, text: &str, problems: &[source::Problem]) {
    let file = SimpleFile::new(name, text);
    let writer = termcolor::StandardStream::stderr(termcolor::ColorChoice::Never);
    let config = term::Config::default();
    for problem in problems {
        let mut notes = problem.notes.clone();
        if let Some(help) = &problem.help {
            notes.push(format!("help: {help}"));
        }
        let mut diagnostic = Diagnostic::error()
            .with_message(&problem.message)
            .with_notes(notes);
        if let Some(range) = problem.range.clone() {
            diagnostic = diagnostic.with_labels(vec![Label::primary((), range)]);
        }
        let _ = term::emit_to_write_style(&mut writer.lock(), &config, &file, &diagnostic);
    }
}
