//! Keras Python code, read as Python: parsed by a real Python parser, then
//! evaluated (functions, loops, conditions, unpacking, comprehensions,
//! string formatting) with Keras' classes and functions as symbolic objects,
//! so that the model the code builds is the one Keras would build, with its
//! layer names and order. Limits (steps, depth, sizes) are errors, never a
//! crash; what cannot be known while reading is an error only where the
//! model depends on it, at its line and column.

mod builtins;
mod calls;
mod format;
mod interp;
pub mod keras;
mod layer_args;
mod scan;
mod syntax;
mod value;

use super::keras_py::{Pos, TextError};
use value::Value;

type R<T> = Result<T, TextError>;
/// A call's positional arguments, each with where it is written.
type Args<'a> = Vec<(Value<'a>, Pos)>;
/// A call's keyword arguments: name, value, where the value is written.
type Kwargs<'a> = Vec<(String, Value<'a>, Pos)>;

fn err(pos: Pos, message: impl Into<String>) -> TextError {
    TextError {
        pos,
        message: message.into(),
    }
}
use interp::{Interp, FOLLOW_ON};
pub use keras::Built;
use std::rc::Rc;

/// The model `text` builds: the one assigned to `model` (or to the name
/// `wanted`, or with that Keras name), else the only one; or every mistake
/// found, in order.
pub fn read(text: &str, wanted: Option<&str>) -> Result<Built, Vec<TextError>> {
    let lines = syntax::Lines::new(text);
    let body = syntax::parse(text, &lines).map_err(|e| vec![e])?;
    let mut interp = Interp::new(text, &lines);
    let mut errors = Vec::new();
    interp.run(&body, &mut errors);
    if !errors.is_empty() {
        // The model as far as it was built: mistakes in its layers' options
        // are reported too.
        if let Ok(model) = choose(&interp, wanted) {
            if let Err(more) = keras::build(&model, &interp.graph) {
                errors.extend(
                    more.into_iter()
                        .filter(|e| e.pos.line > 1 || e.pos.column > 1),
                );
            }
        }
        errors.retain(|e| e.message != FOLLOW_ON);
        errors.sort_by_key(|e| (e.pos.line, e.pos.column));
        errors.dedup();
        if !errors.is_empty() {
            return Err(errors);
        }
    }
    let model = choose(&interp, wanted)?;
    keras::build(&model, &interp.graph)
}

/// The model to compile: the one assigned to `wanted` (default `model`), or
/// with that Keras name, else the only model not used inside another.
fn choose(interp: &Interp, wanted: Option<&str>) -> Result<Rc<keras::Model>, Vec<TextError>> {
    let start = Pos {
        line: 1,
        column: 1,
        len: 1,
    };
    let by_variable = |name: &str| {
        interp
            .assigned
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, m)| m.clone())
    };
    Ok(match wanted {
        Some(name) => by_variable(name)
            .or_else(|| interp.models.iter().rev().find(|m| m.name == name).cloned())
            .ok_or_else(|| {
                let known: Vec<String> = interp
                    .assigned
                    .iter()
                    .map(|(n, m)| format!("`{n}` (`{}`)", m.name))
                    .collect();
                vec![TextError {
                    pos: start,
                    message: format!(
                        "no model named `{name}`: the code's models are {}",
                        if known.is_empty() {
                            "none".to_string()
                        } else {
                            known.join(", ")
                        }
                    ),
                }]
            })?,
        None => match by_variable("model") {
            Some(model) => model,
            None => {
                let outer: Vec<&Rc<keras::Model>> = interp
                    .models
                    .iter()
                    .filter(|m| !interp.nested.contains(&Rc::as_ptr(m)))
                    .collect();
                match outer.as_slice() {
                    [one] => (*one).clone(),
                    [] => {
                        return Err(vec![TextError {
                            pos: start,
                            message: "no model: expected `model = keras.Sequential(...)` or \
                                      `model = keras.Model(inputs, outputs)`"
                                .to_string(),
                        }])
                    }
                    many => {
                        let names: Vec<String> =
                            many.iter().map(|m| format!("`{}`", m.name)).collect();
                        return Err(vec![TextError {
                            pos: many[many.len() - 1].pos,
                            message: format!(
                                "the code builds {} models ({}): assign the one to compile to \
                                 `model`, or name it (`cnnc --model NAME`, `model = \"NAME\";` in `cnn_keras!`)",
                                many.len(),
                                names.join(", ")
                            ),
                        }]);
                    }
                }
            }
        },
    })
}
