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
    /// Keras code that builds several models: the one to compile, by the
    /// variable it is assigned to or its Keras name (default: `model`, else
    /// the only one).
    #[arg(long = "model", value_name = "NAME")]
    model_name: Option<String>,
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
    let wanted = args.model_name;
    if wanted.is_some() && input.extension().is_none_or(|e| e != "py") {
        eprintln!("cnnc: `--model` chooses among the models of Keras Python code (a .py file)");
        return ExitCode::from(2);
    }
    if input.extension().is_some_and(|e| e == "tflite") {
        return tflite::run(&input, mode);
    }
    let text =
        match cnn_compiler::model_file::read_text(&input, cnn_compiler::model_file::MAX_TEXT_BYTES)
        {
            Ok(text) => text,
            Err(e) => {
                eprintln!("cnnc: cannot read {}: {e}", input.display());
                return ExitCode::from(2);
            }
        };
    let name = input.display().to_string();
    let compiled = source::compile(&name, &text, wanted.as_deref())
        .and_then(|plan| source::embedded(&input, &text, &plan).map(|weights| (plan, weights)));
    let (plan, embedded) = match compiled {
        Ok(compiled) => compiled,
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
            let code = match generate(&plan, embedded.as_ref(), &name) {
                Ok(code) => code,
                Err(e) => {
                    eprintln!("cnnc: internal error, please report it: the generated code does not parse: {e}");
                    return ExitCode::from(2);
                }
            };
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
fn generate(
    plan: &cnn_compiler::plan::Plan,
    embedded: Option<&cnn_compiler::embed::EmbeddedWeights>,
    source: &str,
) -> Result<String, syn::Error> {
    let tokens = cnn_compiler::codegen::generate(plan, embedded);
    let file: syn::File = syn::parse2(tokens)?;
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
    Ok(format!(
        "// Generated by cnnc from {}. Regenerate rather than edit.\n\n{code}",
        // A file name with a line break must not end the comment.
        cnn_compiler::names::printable(source.rsplit('/').next().unwrap_or(&source)),
    ))
}

/// The problems as rustc would show them, on standard error.
fn report(name: &str, text: &str, problems: &[source::Problem]) {
    // The quoted lines of the file reach the terminal: its control
    // characters are replaced, byte for byte, so that the ranges still hold.
    let shown = terminal_safe(text);
    let file = SimpleFile::new(name, shown.as_str());
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

/// `text` with each character that could drive a terminal or reorder a line
/// (control characters but line ends and tabs; bidirectional overrides)
/// replaced by one of the same length in UTF-8: `?`, `¿` or `\u{fffd}`.
fn terminal_safe(text: &str) -> String {
    text.char_indices()
        .map(|(at, c)| {
            let line_end = c == '\n' || (c == '\r' && text[at + 1..].starts_with('\n'));
            let hidden = (c.is_control() && !line_end && c != '\t')
                || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
            match (hidden, c.len_utf8()) {
                (false, _) => c,
                (true, 1) => '?',
                (true, 2) => '¿',
                (true, _) => '\u{fffd}',
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn terminal_safe_text_keeps_every_byte_offset() {
        let text = "a\u{1b}[2J\r\n\tb\u{85}c\u{202e}d\re\n";
        let safe = super::terminal_safe(text);
        assert_eq!(safe, "a?[2J\r\n\tb¿c\u{fffd}d?e\n");
        assert_eq!(safe.len(), text.len());
    }
}
