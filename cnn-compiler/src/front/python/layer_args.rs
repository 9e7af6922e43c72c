//! A layer's Python arguments as the DSL reads them: positional ones named
//! by Keras' signature, `None` as Keras' default, options with no effect at
//! inference dropped, and the input shape given on a layer set aside.

use super::super::args::Arg as DslArg;
use super::super::keras_json::TRAINING_ONLY;
use super::super::keras_py::{keras_positional, Pos, TextError};
use super::super::value::Value as Dsl;
use super::interp::FOLLOW_ON;
use super::keras::Shape;
use super::value::{to_str, Value};
use super::{err, Args as CallArgs, Kwargs};
use crate::diag::Loc;
use crate::spec::{Activation, Class, Spanned};

type Args = Result<Vec<DslArg>, Vec<TextError>>;

/// The DSL arguments of layer `word` (of `class`, if supported), and the
/// input shape given on it; every mistake in them, each at its place.
pub fn read<'a>(
    word: &str,
    class: Option<Class>,
    args: CallArgs<'a>,
    kwargs: Kwargs<'a>,
) -> (Args, Option<Result<Shape, TextError>>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut input_shape = None;
    let positional = keras_positional(word);
    let mut named: Vec<(String, Value, Pos)> = Vec::new();
    for (i, (value, pos)) in args.into_iter().enumerate() {
        match positional.get(i) {
            Some(&key) => named.push((key.to_string(), value, pos)),
            None => {
                if class.is_some() {
                    errors.push(err(
                        pos,
                        format!(
                            "too many positional arguments: `{word}` takes {} ({})",
                            positional.len(),
                            positional.join(", ")
                        ),
                    ));
                }
            }
        }
    }
    named.extend(kwargs);
    for (key, value, pos) in named {
        // `None` is Keras' "the default" (`activation=None` is linear).
        if matches!(value, Value::None) && key != "activation" {
            continue;
        }
        let done = match key.as_str() {
            "name" => Ok(()),
            "input_shape" => {
                input_shape.get_or_insert(shape(&value, pos, false));
                Ok(())
            }
            "batch_input_shape" => {
                input_shape.get_or_insert(shape(&value, pos, true));
                Ok(())
            }
            k if TRAINING_ONLY.contains(&k) => Ok(()),
            // Only shapes what training drops: nothing at inference.
            "noise_shape" | "batch_size" => Ok(()),
            "data_format" => match &value {
                Value::Str(s) if &**s == "channels_last" => Ok(()),
                Value::Str(_) => Err(err(pos, "only `data_format='channels_last'` is supported")),
                other => Err(dsl_error(other, pos)),
            },
            "axis" if word == "Softmax" => {
                let default = match &value {
                    Value::Tuple(_) | Value::List(_) => {
                        let items = value.items().unwrap_or_default();
                        items.len() == 1 && items[0].as_int() == Some(-1)
                    }
                    v => v.as_int() == Some(-1),
                };
                if default {
                    Ok(())
                } else {
                    Err(err(pos, "`axis` is not supported: only `axis=-1`"))
                }
            }
            k => dsl(&value, pos).map(|v| out.push(DslArg::keyword(k, v))),
        };
        if let Err(e) = done {
            errors.push(e);
        }
    }
    let args = if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    };
    (args, input_shape)
}

/// A constant operand of tensor arithmetic: a number or nested lists of
/// numbers (an array the code writes out), as f32 values; `None` otherwise.
pub fn constant<'a>(value: &Value<'a>) -> Option<Value<'a>> {
    fn numbers<'a>(value: &Value<'a>, depth: usize) -> Option<Value<'a>> {
        match value {
            Value::Tuple(_) | Value::List(_) if depth < 8 => Some(Value::tuple(
                value
                    .items()?
                    .iter()
                    .map(|v| numbers(v, depth + 1))
                    .collect::<Option<Vec<_>>>()?,
            )),
            Value::Int(_) | Value::Float(_) | Value::Bool(_) => {
                let x = value.as_float()? as f32;
                x.is_finite().then_some(Value::Float(f64::from(x)))
            }
            _ => None,
        }
    }
    numbers(value, 0)
}

/// A Python value as a DSL value.
pub fn dsl(value: &Value, pos: Pos) -> Result<Spanned<Dsl>, TextError> {
    let value = match value {
        Value::Int(i) => Dsl::Int(*i),
        Value::Float(x) => Dsl::Float(*x),
        Value::Str(s) => Dsl::Str(s.to_string()),
        Value::Bool(b) => Dsl::Ident(if *b { "True" } else { "False" }.to_string()),
        Value::None => Dsl::Ident("None".to_string()),
        Value::Tuple(_) | Value::List(_) => Dsl::Tuple(
            value
                .items()
                .unwrap_or_default()
                .iter()
                .map(|i| dsl(i, pos))
                .collect::<Result<_, _>>()?,
        ),
        // An activation given as the function: `tf.nn.relu`, `keras.activations.softmax`.
        Value::External(e) => {
            let last = e.path.rsplit('.').next().unwrap_or(&e.path);
            if e.path.contains('.') && Activation::from_name(last).is_some() {
                Dsl::Str(last.to_string())
            } else {
                return Err(dsl_error(value, pos));
            }
        }
        other => return Err(dsl_error(other, pos)),
    };
    Ok(Spanned::new(value, Loc::default()))
}

fn dsl_error(value: &Value, pos: Pos) -> TextError {
    match value {
        Value::Failed => err(pos, FOLLOW_ON),
        Value::External(e) if !e.imported => err(
            pos,
            format!(
                "unknown name `{}`: only values the code defines can be used",
                e.path
            ),
        ),
        Value::External(e) => err(
            pos,
            format!(
                "`{}` as a layer option: expected a number, a string or a tuple",
                e.path
            ),
        ),
        Value::Opaque(o) => err(
            pos,
            format!(
                "`{}` is not known while reading the code (a call the reader does not follow): \
                 a layer option must be a number, a string or a tuple",
                o.what
            ),
        ),
        Value::Function(f) => err(
            pos,
            format!(
                "a Python function (`{}`) as a layer option: functions are not read; give Keras' \
                 activation by name (`activation=\"relu\"`)",
                f.name
            ),
        ),
        other => err(
            pos,
            format!(
                "{} ({}) as a layer option: expected a number, a string or a tuple",
                to_str(other, true, 0),
                other.type_name()
            ),
        ),
    }
}

/// `(28, 28, 1)`, or with `batch` a leading `None`: an input's sizes.
pub fn shape(value: &Value, pos: Pos, batch: bool) -> Result<Shape, TextError> {
    shape_at(value, pos, batch, &[])
}

/// [`shape`], with where each size is written (`elements`, when the shape
/// is a tuple written out) for errors about one of them.
pub fn shape_at(
    value: &Value,
    pos: Pos,
    batch: bool,
    elements: &[Pos],
) -> Result<Shape, TextError> {
    let items = match value {
        Value::Tuple(_) | Value::List(_) => value.items().unwrap_or_default(),
        Value::Int(_) => vec![value.clone()],
        other => {
            return Err(match other {
                Value::External(_) | Value::Opaque(_) | Value::Failed => dsl_error(other, pos),
                _ => err(
                    pos,
                    "the input shape must be a tuple (height, width, channels)",
                ),
            })
        }
    };
    let skip = usize::from(batch && matches!(items.first(), Some(Value::None)));
    let dims = items[skip..]
        .iter()
        .enumerate()
        .map(|(i, v)| (elements.get(skip + i).copied().unwrap_or(pos), v))
        .map(|(pos, v)| match v {
            Value::Int(d) if *d > 0 => usize::try_from(*d)
                .ok()
                .filter(|&d| d as u64 <= super::super::value::MAX_SIZE)
                .ok_or_else(|| err(pos, format!("an input size of {d} is too large"))),
            Value::Int(d) => Err(err(
                pos,
                format!("an input size of {d}: every size must be a positive integer"),
            )),
            Value::None => Err(err(pos, super::super::UNKNOWN_SIZE.to_string())),
            other => Err(match other {
                Value::External(_) | Value::Opaque(_) | Value::Failed => dsl_error(other, pos),
                _ => err(pos, "an input size must be an integer"),
            }),
        })
        .collect::<Result<Vec<usize>, _>>()?;
    if !(1..=3).contains(&dims.len()) {
        return Err(err(
            pos,
            format!(
                "the input shape has {} sizes; images need (height, width, channels), sequences (steps, channels), vectors (n,)",
                dims.len()
            ),
        ));
    }
    Ok(Shape { dims, pos })
}
