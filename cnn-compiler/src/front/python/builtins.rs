//! Python's built-in functions model code uses (`range`, `len`, `int`,
//! `zip`, `enumerate`, ...) and the methods of lists, dicts, strings and
//! models.

use super::super::keras_py::{Pos, TextError};
use super::calls;
use super::format;
use super::interp::{insert, Interp, FOLLOW_ON, MAX_ITEMS};
use super::keras::{Item, ModelKind};
use super::value::{equal, less, to_str, truthy, Builtin, Opaque, Value};
use super::{err, Args, Kwargs, R};
use rustpython_parser::ast;

/// A value the builtin cannot use: unknown while reading, or the wrong type.
fn bad(value: &Value, pos: Pos, what: &str) -> TextError {
    match value {
        Value::Failed => err(pos, FOLLOW_ON),
        Value::External(e) if !e.imported => err(
            pos,
            format!(
                "unknown name `{}`: {what} must be computed from values the code defines",
                e.path
            ),
        ),
        Value::External(_) | Value::Opaque(_) => err(
            pos,
            format!(
                "{what} is not known while reading the code (`{}`)",
                to_str(value, false, 0)
            ),
        ),
        other => err(
            pos,
            format!("{what}: a {} cannot be used here", other.type_name()),
        ),
    }
}

fn unknown(value: &Value) -> bool {
    matches!(value, Value::External(_) | Value::Opaque(_) | Value::Failed)
}

fn items<'a>(value: &Value<'a>, pos: Pos, what: &str) -> R<Vec<Value<'a>>> {
    match value {
        Value::Tuple(_) | Value::List(_) => Ok(value.items().unwrap_or_default()),
        Value::Str(s) => Ok(s.chars().map(|c| Value::str(&c.to_string())).collect()),
        Value::Dict(d) => Ok(d.borrow().iter().map(|(k, _)| k.clone()).collect()),
        other => Err(bad(other, pos, what)),
    }
}

fn int_of(value: &Value, pos: Pos, what: &str) -> R<i128> {
    value.as_int().ok_or_else(|| bad(value, pos, what))
}

pub fn call<'a>(
    interp: &mut Interp<'a>,
    builtin: Builtin,
    args: Args<'a>,
    kwargs: Kwargs<'a>,
    call: &'a ast::ExprCall,
) -> R<Value<'a>> {
    let pos = interp.lines.of(call);
    if builtin == Builtin::Print {
        return Ok(Value::None);
    }
    // Data the reader does not follow stays unknown through a builtin.
    if args
        .iter()
        .any(|(v, _)| unknown(v) && !matches!(v, Value::Failed))
        && builtin != Builtin::Isinstance
    {
        return Ok(Value::Opaque(Opaque::new(interp.source(call), pos, None)));
    }
    if let Some((_, Value::Failed, at)) = kwargs.first() {
        return Err(err(*at, FOLLOW_ON));
    }
    if let Some((Value::Failed, at)) = args.iter().find(|(v, _)| matches!(v, Value::Failed)) {
        return Err(err(*at, FOLLOW_ON));
    }
    let arg = |i: usize| -> R<(Value<'a>, Pos)> {
        args.get(i).cloned().ok_or_else(|| {
            err(
                pos,
                format!("`{}` needs more arguments", interp.source(&*call.func)),
            )
        })
    };
    let name = interp.source(&*call.func);
    Ok(match builtin {
        Builtin::Print => Value::None,
        Builtin::Range => {
            let bounds: Vec<i128> = args
                .iter()
                .map(|(v, p)| int_of(v, *p, "`range`'s bounds"))
                .collect::<R<_>>()?;
            let (start, stop, step) = match bounds.as_slice() {
                [stop] => (0, *stop, 1),
                [start, stop] => (*start, *stop, 1),
                [start, stop, step] => (*start, *stop, *step),
                _ => return Err(err(pos, "`range` takes one to three integers")),
            };
            if step == 0 {
                return Err(err(pos, "`range` with a step of zero"));
            }
            let count = if step > 0 {
                (stop - start + step - 1).max(0) / step
            } else {
                (start - stop - step - 1).max(0) / -step
            };
            if count > MAX_ITEMS as i128 {
                return Err(err(
                    pos,
                    format!(
                        "a range of {count} numbers: more than the reader's limit of {MAX_ITEMS}"
                    ),
                ));
            }
            Value::list((0..count).map(|i| Value::Int(start + i * step)).collect())
        }
        Builtin::Len => {
            let (v, at) = arg(0)?;
            Value::Int(items(&v, at, "`len`'s argument")?.len() as i128)
        }
        Builtin::Int => match args.first() {
            None => Value::Int(0),
            Some((Value::Float(x), at)) => {
                if !x.is_finite() || x.abs() >= 1e38 {
                    return Err(err(
                        *at,
                        "`int` of a float that is not a finite 128-bit integer",
                    ));
                }
                Value::Int(x.trunc() as i128)
            }
            Some((Value::Str(s), at)) => Value::Int(
                s.trim()
                    .replace('_', "")
                    .parse::<i128>()
                    .map_err(|_| err(*at, format!("`int` of the string {:?}", s.to_string())))?,
            ),
            Some((v, at)) => Value::Int(int_of(v, *at, "`int`'s argument")?),
        },
        Builtin::Float => match args.first() {
            None => Value::Float(0.0),
            Some((Value::Str(s), at)) => Value::Float(
                s.trim()
                    .parse::<f64>()
                    .map_err(|_| err(*at, format!("`float` of the string {:?}", s.to_string())))?,
            ),
            Some((v, at)) => Value::Float(
                v.as_float()
                    .ok_or_else(|| bad(v, *at, "`float`'s argument"))?,
            ),
        },
        Builtin::Str => match args.first() {
            None => Value::str(""),
            Some((v, _)) => Value::str(&to_str(v, false, 0)),
        },
        Builtin::Repr => Value::str(&to_str(&arg(0)?.0, true, 0)),
        Builtin::Bool => match args.first() {
            None => Value::Bool(false),
            Some((v, at)) => {
                Value::Bool(truthy(v).ok_or_else(|| bad(v, *at, "`bool`'s argument"))?)
            }
        },
        Builtin::Round => {
            let (v, at) = arg(0)?;
            let x = v
                .as_float()
                .ok_or_else(|| bad(&v, at, "`round`'s argument"))?;
            match args.get(1) {
                None | Some((Value::None, _)) => {
                    if v.as_int().is_some() {
                        v
                    } else if !x.is_finite() || x.abs() >= 1e38 {
                        return Err(err(
                            at,
                            "`round` of a float that is not a finite 128-bit integer",
                        ));
                    } else {
                        Value::Int(x.round_ties_even() as i128)
                    }
                }
                Some((digits, at)) => {
                    let digits = int_of(digits, *at, "`round`'s digits")?.clamp(-300, 300) as i32;
                    if v.as_int().is_some() && digits >= 0 {
                        v
                    } else {
                        let scale = 10f64.powi(digits);
                        Value::Float((x * scale).round_ties_even() / scale)
                    }
                }
            }
        }
        Builtin::Max | Builtin::Min => {
            if let Some((key, _, at)) = kwargs.iter().find(|(k, _, _)| k != "default") {
                return Err(err(*at, format!("`{name}` with `{key}=` is not read")));
            }
            let candidates = match args.as_slice() {
                [(one, at)] => items(one, *at, "the argument")?,
                many => many.iter().map(|(v, _)| v.clone()).collect(),
            };
            let mut best: Option<Value> = None;
            for c in candidates {
                best = Some(match best {
                    None => c,
                    Some(b) => {
                        let smaller = less(&c, &b).ok_or_else(|| {
                            err(pos, format!("`{name}` of values that cannot be ordered"))
                        })?;
                        let bigger = less(&b, &c).unwrap_or(false);
                        if (builtin == Builtin::Max && bigger)
                            || (builtin == Builtin::Min && smaller)
                        {
                            c
                        } else {
                            b
                        }
                    }
                });
            }
            match best {
                Some(b) => b,
                None => match kwargs.into_iter().find(|(k, _, _)| k == "default") {
                    Some((_, v, _)) => v,
                    None => return Err(err(pos, format!("`{name}` of nothing"))),
                },
            }
        }
        Builtin::Abs => {
            let (v, at) = arg(0)?;
            match v {
                Value::Float(x) => Value::Float(x.abs()),
                other => Value::Int(
                    int_of(&other, at, "`abs`'s argument")?
                        .checked_abs()
                        .ok_or_else(|| err(at, "integer too large"))?,
                ),
            }
        }
        Builtin::Sum => {
            let (v, at) = arg(0)?;
            let mut total = args.get(1).map_or(Value::Int(0), |(s, _)| s.clone());
            for item in items(&v, at, "`sum`'s argument")? {
                total = super::value::arithmetic(ast::Operator::Add, &total, &item, MAX_ITEMS)
                    .map_err(|m| err(at, m))?;
            }
            total
        }
        Builtin::Zip => {
            let lists: Vec<Vec<Value>> = args
                .iter()
                .map(|(v, at)| items(v, *at, "what `zip` goes over"))
                .collect::<R<_>>()?;
            let n = lists.iter().map(Vec::len).min().unwrap_or(0);
            Value::list(
                (0..n)
                    .map(|i| Value::tuple(lists.iter().map(|l| l[i].clone()).collect()))
                    .collect(),
            )
        }
        Builtin::Enumerate => {
            let (v, at) = arg(0)?;
            let start = match args.get(1).or(kwargs
                .iter()
                .find(|(k, _, _)| k == "start")
                .map(|(_, v, p)| (v, p))
                .map(|(v, p)| (v.clone(), *p))
                .as_ref())
            {
                Some((s, p)) => int_of(s, *p, "`enumerate`'s start")?,
                None => 0,
            };
            Value::list(
                items(&v, at, "what `enumerate` goes over")?
                    .into_iter()
                    .enumerate()
                    .map(|(i, item)| Value::tuple(vec![Value::Int(start + i as i128), item]))
                    .collect(),
            )
        }
        Builtin::List | Builtin::Tuple | Builtin::Sorted | Builtin::Reversed => {
            let mut list = match args.first() {
                Some((v, at)) => items(v, *at, "the argument")?,
                None => Vec::new(),
            };
            if builtin == Builtin::Sorted {
                let mut failed = false;
                list.sort_by(|a, b| match less(a, b) {
                    Some(true) => std::cmp::Ordering::Less,
                    Some(false) if equal(a, b, 0) => std::cmp::Ordering::Equal,
                    Some(false) => std::cmp::Ordering::Greater,
                    None => {
                        failed = true;
                        std::cmp::Ordering::Equal
                    }
                });
                if failed {
                    return Err(err(pos, "`sorted` of values that cannot be ordered"));
                }
                if kwargs
                    .iter()
                    .any(|(k, v, _)| k == "reverse" && truthy(v) == Some(true))
                {
                    list.reverse();
                }
            }
            if builtin == Builtin::Reversed {
                list.reverse();
            }
            if builtin == Builtin::Tuple {
                Value::tuple(list)
            } else {
                Value::list(list)
            }
        }
        Builtin::Dict => {
            let mut entries = Vec::new();
            if let Some((v, at)) = args.first() {
                match v {
                    Value::Dict(d) => entries = d.borrow().clone(),
                    other => {
                        for pair in items(other, *at, "`dict`'s argument")? {
                            match pair.items().as_deref() {
                                Some([k, v]) => insert(&mut entries, k.clone(), v.clone()),
                                _ => return Err(err(*at, "`dict` needs pairs")),
                            }
                        }
                    }
                }
            }
            for (k, v, _) in kwargs {
                insert(&mut entries, Value::str(&k), v);
            }
            Value::dict(entries)
        }
        Builtin::Any | Builtin::All => {
            let (v, at) = arg(0)?;
            let mut result = builtin == Builtin::All;
            for item in items(&v, at, "the argument")? {
                let t = truthy(&item).ok_or_else(|| bad(&item, at, "a value tested"))?;
                if builtin == Builtin::Any && t {
                    result = true;
                    break;
                }
                if builtin == Builtin::All && !t {
                    result = false;
                    break;
                }
            }
            Value::Bool(result)
        }
        Builtin::Pow => {
            let (a, _) = arg(0)?;
            let (b, _) = arg(1)?;
            super::value::arithmetic(ast::Operator::Pow, &a, &b, MAX_ITEMS)
                .map_err(|m| err(pos, m))?
        }
        Builtin::Isinstance => Value::Opaque(Opaque::new(interp.source(call), pos, None)),
    })
}

/// `receiver.name(args)`.
pub fn method<'a>(
    interp: &mut Interp<'a>,
    receiver: &Value<'a>,
    name: &str,
    args: Args<'a>,
    kwargs: Kwargs<'a>,
    call: &'a ast::ExprCall,
) -> R<Value<'a>> {
    let pos = interp.lines.of(call);
    let arg = |i: usize| -> R<(Value<'a>, Pos)> {
        args.get(i)
            .cloned()
            .ok_or_else(|| err(pos, format!("`{name}` needs more arguments")))
    };
    let unknown_method = || {
        err(
            pos,
            format!("`.{name}(...)` of a {} is not read", receiver.type_name()),
        )
    };
    Ok(match receiver {
        Value::List(list) => match name {
            "append" => {
                let (v, _) = arg(0)?;
                if list.borrow().len() >= MAX_ITEMS {
                    return Err(err(pos, format!("a list of more than {MAX_ITEMS} items")));
                }
                list.borrow_mut().push(v);
                Value::None
            }
            "extend" => {
                let (v, at) = arg(0)?;
                let more = items(&v, at, "what `extend` adds")?;
                if list.borrow().len() + more.len() > MAX_ITEMS {
                    return Err(err(pos, format!("a list of more than {MAX_ITEMS} items")));
                }
                list.borrow_mut().extend(more);
                Value::None
            }
            "insert" => {
                let (i, at) = arg(0)?;
                let (v, _) = arg(1)?;
                let len = list.borrow().len() as i128;
                let i = int_of(&i, at, "the index")?;
                let i = if i < 0 { (i + len).max(0) } else { i.min(len) };
                list.borrow_mut().insert(i as usize, v);
                Value::None
            }
            "pop" => {
                let len = list.borrow().len();
                if len == 0 {
                    return Err(err(pos, "`pop` of an empty list"));
                }
                let i = match args.first() {
                    Some((i, at)) => {
                        let i = int_of(i, *at, "the index")?;
                        let j = if i < 0 { i + len as i128 } else { i };
                        usize::try_from(j)
                            .ok()
                            .filter(|&j| j < len)
                            .ok_or_else(|| err(*at, "`pop` index out of range"))?
                    }
                    None => len - 1,
                };
                list.borrow_mut().remove(i)
            }
            "copy" => Value::list(list.borrow().clone()),
            "reverse" => {
                list.borrow_mut().reverse();
                Value::None
            }
            "index" | "count" => {
                let (v, _) = arg(0)?;
                let l = list.borrow();
                if name == "count" {
                    Value::Int(l.iter().filter(|x| equal(x, &v, 0)).count() as i128)
                } else {
                    Value::Int(
                        l.iter()
                            .position(|x| equal(x, &v, 0))
                            .ok_or_else(|| err(pos, "`index`: not in the list"))?
                            as i128,
                    )
                }
            }
            "remove" => {
                let (v, _) = arg(0)?;
                let i = list
                    .borrow()
                    .iter()
                    .position(|x| equal(x, &v, 0))
                    .ok_or_else(|| err(pos, "`remove`: not in the list"))?;
                list.borrow_mut().remove(i);
                Value::None
            }
            _ => return Err(unknown_method()),
        },
        Value::Dict(dict) => match name {
            "get" | "pop" | "setdefault" => {
                let (k, _) = arg(0)?;
                let default = args.get(1).map(|(v, _)| v.clone());
                let found = dict.borrow().iter().position(|(key, _)| equal(key, &k, 0));
                match (found, name) {
                    (Some(i), "pop") => dict.borrow_mut().remove(i).1,
                    (Some(i), _) => dict.borrow()[i].1.clone(),
                    (None, "setdefault") => {
                        let v = default.unwrap_or(Value::None);
                        dict.borrow_mut().push((k, v.clone()));
                        v
                    }
                    (None, "pop") => {
                        default.ok_or_else(|| err(pos, "`pop`: the key is not in the dict"))?
                    }
                    (None, _) => default.unwrap_or(Value::None),
                }
            }
            "items" => Value::list(
                dict.borrow()
                    .iter()
                    .map(|(k, v)| Value::tuple(vec![k.clone(), v.clone()]))
                    .collect(),
            ),
            "keys" => Value::list(dict.borrow().iter().map(|(k, _)| k.clone()).collect()),
            "values" => Value::list(dict.borrow().iter().map(|(_, v)| v.clone()).collect()),
            "copy" => Value::dict(dict.borrow().clone()),
            "update" => {
                let mut more = Vec::new();
                if let Some((Value::Dict(other), _)) = args.first() {
                    more = other.borrow().clone();
                }
                more.extend(kwargs.into_iter().map(|(k, v, _)| (Value::str(&k), v)));
                let mut d = dict.borrow_mut();
                for (k, v) in more {
                    insert(&mut d, k, v);
                }
                Value::None
            }
            _ => return Err(unknown_method()),
        },
        Value::Str(s) => match name {
            "format" => {
                let positional: Vec<Value> = args.iter().map(|(v, _)| v.clone()).collect();
                if positional.iter().any(unknown) {
                    return Ok(Value::Opaque(Opaque::new(interp.source(call), pos, None)));
                }
                let named: Vec<(String, Value)> =
                    kwargs.into_iter().map(|(k, v, _)| (k, v)).collect();
                let text =
                    format::format_method(s, &positional, &named).map_err(|m| err(pos, m))?;
                if text.len() > MAX_ITEMS {
                    return Err(err(
                        pos,
                        format!("a string longer than {MAX_ITEMS} characters"),
                    ));
                }
                Value::str(&text)
            }
            "join" => {
                let (v, at) = arg(0)?;
                let parts = items(&v, at, "what `join` joins")?;
                let parts: Vec<String> = parts
                    .iter()
                    .map(|p| match p {
                        Value::Str(p) => Ok(p.to_string()),
                        other => Err(bad(other, at, "what `join` joins")),
                    })
                    .collect::<R<_>>()?;
                let total: usize =
                    parts.iter().map(String::len).sum::<usize>() + s.len() * parts.len();
                if total > MAX_ITEMS {
                    return Err(err(
                        pos,
                        format!("a string longer than {MAX_ITEMS} characters"),
                    ));
                }
                Value::str(&parts.join(s))
            }
            "upper" => Value::str(&s.to_uppercase()),
            "lower" => Value::str(&s.to_lowercase()),
            "strip" => Value::str(s.trim()),
            "title" | "capitalize" => {
                let mut c = s.chars();
                Value::str(&c.next().map_or(String::new(), |f| {
                    f.to_uppercase().collect::<String>() + &c.as_str().to_lowercase()
                }))
            }
            "replace" => {
                let (Value::Str(a), _) = arg(0)? else {
                    return Err(err(pos, "`replace` takes strings"));
                };
                let (Value::Str(b), _) = arg(1)? else {
                    return Err(err(pos, "`replace` takes strings"));
                };
                let replaced = s.replace(&*a, &b);
                if replaced.len() > MAX_ITEMS {
                    return Err(err(
                        pos,
                        format!("a string longer than {MAX_ITEMS} characters"),
                    ));
                }
                Value::str(&replaced)
            }
            "split" => {
                let parts: Vec<Value> = match args.first() {
                    Some((Value::Str(sep), _)) if !sep.is_empty() => {
                        s.split(&**sep).map(Value::str).collect()
                    }
                    _ => s.split_whitespace().map(Value::str).collect(),
                };
                Value::list(parts)
            }
            "startswith" | "endswith" => {
                let (Value::Str(p), _) = arg(0)? else {
                    return Err(err(pos, format!("`{name}` takes a string")));
                };
                Value::Bool(if name == "startswith" {
                    s.starts_with(&*p)
                } else {
                    s.ends_with(&*p)
                })
            }
            _ => return Err(unknown_method()),
        },
        Value::Model(model) => match name {
            "add" => {
                let (v, at) = arg(0)?;
                calls::add(interp, model, v, at)?;
                Value::None
            }
            "build" => {
                let (v, at) = match args.first().cloned() {
                    Some(a) => a,
                    None => match kwargs.iter().find(|(k, _, _)| k == "input_shape") {
                        Some((_, v, p)) => (v.clone(), *p),
                        None => return Err(err(pos, "`build` needs the input shape")),
                    },
                };
                if let ModelKind::Sequential(s) = &model.kind {
                    let mut s = s.borrow_mut();
                    if s.input.is_none() {
                        s.input = Some(super::layer_args::shape(&v, at, true));
                    }
                }
                Value::None
            }
            "pop" => {
                if let ModelKind::Sequential(s) = &model.kind {
                    match s.borrow_mut().items.pop() {
                        Some(Item::Layer(l)) => Value::Layer(l),
                        Some(Item::Model(m)) => Value::Model(m),
                        None => return Err(err(pos, "`pop` of an empty model")),
                    }
                } else {
                    return Err(unknown_method());
                }
            }
            "get_layer" => match kwargs
                .iter()
                .find(|(k, _, _)| k == "name")
                .map(|(_, v, _)| v)
                .or(args.first().map(|(v, _)| v))
            {
                Some(Value::Str(wanted)) => {
                    let found = interp.graph.iter().find_map(|n| match &n.op {
                        super::keras::Op::Layer(l) if *l.name == **wanted => {
                            Some(Value::Layer(l.clone()))
                        }
                        _ => None,
                    });
                    let found = found.or_else(|| match &model.kind {
                        ModelKind::Sequential(s) => s.borrow().items.iter().find_map(|i| match i {
                            Item::Layer(l) if *l.name == **wanted => Some(Value::Layer(l.clone())),
                            _ => None,
                        }),
                        _ => None,
                    });
                    found.ok_or_else(|| {
                        err(pos, format!("the model has no layer named `{wanted}`"))
                    })?
                }
                _ => return Err(err(pos, "`get_layer` is read with a layer name")),
            },
            // Training, saving, printing: nothing to do with the architecture.
            _ => Value::Opaque(Opaque::new(interp.source(call), pos, None)),
        },
        Value::Tuple(_) => match name {
            // TensorFlow's `TensorShape.as_list()`.
            "as_list" => Value::list(receiver.items().unwrap_or_default()),
            "index" | "count" => {
                let (v, _) = arg(0)?;
                let t = receiver.items().unwrap_or_default();
                if name == "count" {
                    Value::Int(t.iter().filter(|x| equal(x, &v, 0)).count() as i128)
                } else {
                    Value::Int(
                        t.iter()
                            .position(|x| equal(x, &v, 0))
                            .ok_or_else(|| err(pos, "`index`: not in the tuple"))?
                            as i128,
                    )
                }
            }
            _ => return Err(unknown_method()),
        },
        _ => return Err(unknown_method()),
    })
}
