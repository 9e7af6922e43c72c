//! A model file, whichever front-end it needs, to a plan or to problems with
//! byte ranges in the file.

use cnn_compiler::diag::{Diagnostic, Diagnostics};
use cnn_compiler::front::{dsl, keras_json, keras_py};
use cnn_compiler::plan::Plan;
use std::ops::Range;

/// A mistake, and where in the file it is (when known).
pub struct Problem {
    pub message: String,
    pub notes: Vec<String>,
    pub help: Option<String>,
    pub range: Option<Range<usize>>,
}

/// Compiles `text`, read from the file called `name`; of Keras code that
/// builds several models, the one `wanted` names.
pub fn compile(name: &str, text: &str, wanted: Option<&str>) -> Result<Plan, Vec<Problem>> {
    if name.ends_with(".py") {
        let keras = keras_py::parse_model(text, wanted).map_err(|errors| {
            errors
                .into_iter()
                .map(|e| text_problem(text, e.pos, e.message))
                .collect::<Vec<_>>()
        })?;
        cnn_compiler::compile_keras(keras.model.clone()).map_err(|diags| {
            diags
                .into_iter()
                .map(|d| {
                    let pos = d
                        .layer
                        .and_then(|i| keras.layers.get(i).copied())
                        .unwrap_or(keras.input);
                    Problem {
                        range: Some(range_of(text, pos)),
                        ..problem(d)
                    }
                })
                .collect()
        })
    } else if name.ends_with(".json") {
        let keras = keras_json::parse_all(text).map_err(|messages| {
            messages
                .into_iter()
                .map(|message| Problem {
                    message,
                    notes: Vec::new(),
                    help: None,
                    range: None,
                })
                .collect::<Vec<_>>()
        })?;
        cnn_compiler::compile_keras(keras).map_err(|diags| diags.into_iter().map(problem).collect())
    } else {
        if let Some(at) = too_deep(text) {
            return Err(vec![Problem {
                message: format!(
                    "brackets nested more than {} deep",
                    cnn_compiler::front::dsl::MAX_NESTING
                ),
                notes: Vec::new(),
                help: Some("a model needs a few levels at most: `((1, 2), (0, 1))`".to_string()),
                range: Some(at..at + 1),
            }]);
        }
        check_dsl(text).map_err(|diags| {
            diags
                .into_iter()
                .map(|d| {
                    let range = span_range(text, &d);
                    Problem {
                        range,
                        ..problem(d)
                    }
                })
                .collect()
        })
    }
}

/// The byte offset of the first bracket nested deeper than the DSL allows,
/// found before the text is lexed (the lexer is recursive); brackets inside
/// string literals do not count.
fn too_deep(text: &str) -> Option<usize> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (at, c) in text.char_indices() {
        if in_string {
            match (escaped, c) {
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => escaped = false,
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '(' | '[' | '{' => {
                depth += 1;
                if depth > cnn_compiler::front::dsl::MAX_NESTING + 1 {
                    return Some(at);
                }
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// The weights a `cnn!` model's `weights = "..."` names (relative to the
/// model file's folder), read and checked as the macro does; `None` when the
/// model names none. The code written keeps no path of this machine.
pub fn embedded(
    path: &std::path::Path,
    text: &str,
    plan: &Plan,
) -> Result<Option<cnn_compiler::embed::EmbeddedWeights>, Vec<Problem>> {
    let base = path.parent().unwrap_or(std::path::Path::new("."));
    let mut diags = Diagnostics::new();
    let embedded = cnn_compiler::embed::load(plan, base, &mut diags);
    if !diags.is_empty() {
        return Err(diags
            .into_iter()
            .map(|d| Problem {
                range: span_range(text, &d),
                // Here paths are relative to the model file, not to a crate.
                help: d.help.as_ref().map(|help| {
                    help.replace(
                        "the crate's Cargo.toml (CARGO_MANIFEST_DIR)",
                        "the model file's folder",
                    )
                }),
                ..problem(d)
            })
            .collect());
    }
    Ok(
        embedded.map(|weights| cnn_compiler::embed::EmbeddedWeights {
            path: None,
            ..weights
        }),
    )
}

fn check_dsl(text: &str) -> Result<Plan, Diagnostics> {
    let tokens = text.parse().map_err(|e: proc_macro2::LexError| {
        let mut diags = Diagnostics::new();
        diags.push(Diagnostic::new(
            cnn_compiler::diag::Loc::span(e.span()),
            format!("cannot read the model: {e}"),
        ));
        diags
    })?;
    let mut diags = Diagnostics::new();
    let plan = dsl::parse(tokens, &mut diags)
        .and_then(|spec| cnn_compiler::check::check(spec, &mut diags));
    match plan {
        Some(plan) if diags.is_empty() => Ok(plan),
        _ => Err(diags),
    }
}

fn text_problem(text: &str, pos: keras_py::Pos, message: String) -> Problem {
    Problem {
        message,
        notes: Vec::new(),
        help: None,
        range: Some(range_of(text, pos)),
    }
}

fn problem(d: Diagnostic) -> Problem {
    Problem {
        message: d.message,
        notes: d.notes,
        help: d.help,
        range: None,
    }
}

/// Byte offset of a 1-based line and 1-based character column.
fn offset(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let line_text = text[start.min(text.len())..].lines().next().unwrap_or("");
    start
        + line_text
            .chars()
            .take(column.saturating_sub(1))
            .map(char::len_utf8)
            .sum::<usize>()
}

fn range_of(text: &str, pos: keras_py::Pos) -> Range<usize> {
    let start = offset(text, pos.line as usize, pos.column);
    start..(start + pos.len).min(text.len())
}

/// The bytes a DSL diagnostic underlines (`span-locations` gives 1-based lines,
/// 0-based columns).
fn span_range(text: &str, d: &Diagnostic) -> Option<Range<usize>> {
    let (start, end) = (d.loc.start.start(), d.loc.end.end());
    if start.line == 0 {
        return None;
    }
    let from = offset(text, start.line, start.column + 1);
    let to = offset(text, end.line, end.column + 1)
        .max(from + 1)
        .min(text.len());
    Some(from..to)
}
