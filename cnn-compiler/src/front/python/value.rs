//! The values of the Python the reader evaluates: numbers, strings, tuples,
//! lists, dicts, functions, and the Keras objects a model is built from, with
//! Python's arithmetic, comparisons and `str`/`repr` on them.

use super::super::keras_py::Pos;
use super::keras::{Layer, Model};
use rustpython_parser::ast;
use std::cell::RefCell;
use std::rc::Rc;

pub type List<'a> = Rc<RefCell<Vec<Value<'a>>>>;
pub type Dict<'a> = Rc<RefCell<Vec<(Value<'a>, Value<'a>)>>>;

#[derive(Clone)]
pub enum Value<'a> {
    None,
    Bool(bool),
    /// Python's integers, to 128 bits (`10 ** 30` fits; beyond is an error).
    Int(i128),
    Float(f64),
    Str(Rc<str>),
    Tuple(Rc<[Value<'a>]>),
    List(List<'a>),
    Dict(Dict<'a>),
    Function(Rc<Function<'a>>),
    Builtin(Builtin),
    /// A method of a value: `items.append`, `"{}".format`, `model.add`.
    Method(Rc<(Value<'a>, String)>),
    /// A name the code does not define, or an attribute of one: a module
    /// (`keras.layers`), a class or function from one (`Conv2D`,
    /// `tf.nn.relu`), or a name whose value is not known (`x_train`).
    External(Rc<External>),
    /// What a call the reader does not follow returns (`mnist.load_data()`,
    /// `keras.optimizers.Adam(...)`): fine as long as the model does not
    /// depend on it.
    Opaque(Rc<Opaque>),
    /// A `class` defined in the code.
    Class(Rc<Opaque>),
    Layer(Rc<Layer>),
    /// A symbolic tensor: a node of the graph.
    Tensor(usize),
    Model(Rc<Model>),
    /// The value of a name whose assignment failed (already reported).
    Failed,
}

pub struct External {
    pub path: String,
    /// Whether an `import` brought it in (else the code never defined it).
    pub imported: bool,
}

pub struct Opaque {
    /// What it is, as written (`x_train.shape[0]`).
    pub what: String,
    pub pos: Pos,
    /// The unknown it comes from (`keras.datasets.mnist.load_data()`).
    pub from: Rc<str>,
}

impl Opaque {
    /// `what`, computed from `operand` (the unknown value it comes from)
    /// when given.
    pub fn new(what: String, pos: Pos, operand: Option<&Value>) -> Rc<Self> {
        let from = match operand {
            Some(Value::Opaque(o)) => o.from.clone(),
            Some(Value::External(e)) => Rc::from(e.path.as_str()),
            _ => Rc::from(what.as_str()),
        };
        Rc::new(Opaque { what, pos, from })
    }
}

/// A `def` or a `lambda`, with its defaults and the scope it was defined in.
pub struct Function<'a> {
    pub name: String,
    pub args: &'a ast::Arguments,
    pub body: Body<'a>,
    /// Default values of `args.posonlyargs` then `args.args`, and of
    /// `args.kwonlyargs`, evaluated where the function was defined.
    pub defaults: Vec<Option<Value<'a>>>,
    pub kw_defaults: Vec<Option<Value<'a>>>,
    pub scope: Rc<super::interp::Scope<'a>>,
}

pub enum Body<'a> {
    Block(&'a [ast::Stmt]),
    Lambda(&'a ast::Expr),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Builtin {
    Range,
    Len,
    Int,
    Float,
    Str,
    Bool,
    Round,
    Max,
    Min,
    Abs,
    Sum,
    Zip,
    Enumerate,
    List,
    Tuple,
    Dict,
    Sorted,
    Reversed,
    Any,
    All,
    Print,
    Isinstance,
    Pow,
    Repr,
}

impl Builtin {
    pub fn from_name(name: &str) -> Option<Builtin> {
        Some(match name {
            "range" => Builtin::Range,
            "len" => Builtin::Len,
            "int" => Builtin::Int,
            "float" => Builtin::Float,
            "str" => Builtin::Str,
            "bool" => Builtin::Bool,
            "round" => Builtin::Round,
            "max" => Builtin::Max,
            "min" => Builtin::Min,
            "abs" => Builtin::Abs,
            "sum" => Builtin::Sum,
            "zip" => Builtin::Zip,
            "enumerate" => Builtin::Enumerate,
            "list" => Builtin::List,
            "tuple" => Builtin::Tuple,
            "dict" => Builtin::Dict,
            "sorted" => Builtin::Sorted,
            "reversed" => Builtin::Reversed,
            "any" => Builtin::Any,
            "all" => Builtin::All,
            "print" => Builtin::Print,
            "isinstance" => Builtin::Isinstance,
            "pow" => Builtin::Pow,
            "repr" => Builtin::Repr,
            _ => return None,
        })
    }
}

thread_local! {
    /// What the code has made so far (see [`made`]).
    static MADE: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Counts an object the code makes, by the stack its drop may take: a
/// chain of lists, dicts or closures nested in one another is dropped
/// recursively, so their number is bounded ([`super::interp::MAX_OBJECTS`]).
pub fn count_made(weight: usize) {
    MADE.with(|m| m.set(m.get().saturating_add(weight)));
}

/// The weight of what the code made since [`reset_made`].
pub fn made() -> usize {
    MADE.with(std::cell::Cell::get)
}

pub fn reset_made() {
    MADE.with(|m| m.set(0));
}

impl<'a> Value<'a> {
    pub fn str(s: &str) -> Self {
        Value::Str(Rc::from(s))
    }

    pub fn tuple(items: Vec<Value<'a>>) -> Self {
        count_made(1);
        Value::Tuple(Rc::from(items))
    }

    pub fn list(items: Vec<Value<'a>>) -> Self {
        count_made(1);
        Value::List(Rc::new(RefCell::new(items)))
    }

    pub fn dict(entries: Vec<(Value<'a>, Value<'a>)>) -> Self {
        count_made(2);
        Value::Dict(Rc::new(RefCell::new(entries)))
    }

    pub fn method(receiver: Value<'a>, name: &str) -> Self {
        count_made(1);
        Value::Method(Rc::new((receiver, name.to_string())))
    }

    /// Python's type name, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::None => "None",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "str",
            Value::Tuple(_) => "tuple",
            Value::List(_) => "list",
            Value::Dict(_) => "dict",
            Value::Function(_) => "function",
            Value::Builtin(_) | Value::Method(_) => "builtin function",
            Value::External(_) => "name from outside the code",
            Value::Opaque(_) => "value the reader does not follow",
            Value::Class(_) => "class",
            Value::Layer(_) => "layer",
            Value::Tensor(_) => "tensor",
            Value::Model(_) => "model",
            Value::Failed => "value",
        }
    }

    /// An integer (`True` is 1, as in Python).
    pub fn as_int(&self) -> Option<i128> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Bool(b) => Some(i128::from(*b)),
            _ => None,
        }
    }

    pub fn as_float(&self) -> Option<f64> {
        match self {
            Value::Float(x) => Some(*x),
            other => other.as_int().map(|i| i as f64),
        }
    }

    /// The items of a tuple or a list (a copy).
    pub fn items(&self) -> Option<Vec<Value<'a>>> {
        match self {
            Value::Tuple(items) => Some(items.to_vec()),
            Value::List(items) => Some(items.borrow().clone()),
            _ => None,
        }
    }
}

/// Python's `==` on values the reader can compare; objects by identity.
pub fn equal<'a>(a: &Value<'a>, b: &Value<'a>, depth: usize) -> bool {
    if depth > 64 {
        return false;
    }
    match (a, b) {
        (Value::None, Value::None) => true,
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Tuple(_) | Value::List(_), Value::Tuple(_) | Value::List(_)) => {
            if std::mem::discriminant(a) != std::mem::discriminant(b) {
                return false;
            }
            let (x, y) = (a.items().unwrap_or_default(), b.items().unwrap_or_default());
            x.len() == y.len() && x.iter().zip(&y).all(|(p, q)| equal(p, q, depth + 1))
        }
        (Value::Tensor(x), Value::Tensor(y)) => x == y,
        (Value::Layer(x), Value::Layer(y)) => Rc::ptr_eq(x, y),
        (Value::Model(x), Value::Model(y)) => Rc::ptr_eq(x, y),
        (Value::External(x), Value::External(y)) => x.path == y.path,
        _ => match (a.as_int(), b.as_int()) {
            (Some(x), Some(y)) => x == y,
            _ => match (a.as_float(), b.as_float()) {
                (Some(x), Some(y)) => x == y,
                _ => false,
            },
        },
    }
}

/// Python's `<` (`None` where Python raises a TypeError).
pub fn less<'a>(a: &Value<'a>, b: &Value<'a>) -> Option<bool> {
    less_at(a, b, 0)
}

fn less_at<'a>(a: &Value<'a>, b: &Value<'a>, depth: usize) -> Option<bool> {
    if depth > 64 {
        return None;
    }
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => Some(x < y),
        (Value::Tuple(_), Value::Tuple(_)) | (Value::List(_), Value::List(_)) => {
            let (x, y) = (a.items()?, b.items()?);
            for (p, q) in x.iter().zip(&y) {
                if !equal(p, q, depth + 1) {
                    return less_at(p, q, depth + 1);
                }
            }
            Some(x.len() < y.len())
        }
        _ => match (a.as_int(), b.as_int()) {
            (Some(x), Some(y)) => Some(x < y),
            _ => Some(a.as_float()? < b.as_float()?),
        },
    }
}

/// Python's `repr(x)` of a float: the shortest text that reads back as `x`,
/// in exponent form below 1e-4 and from 1e16 on.
pub fn float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".to_string();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0.0" } else { "0.0" }.to_string();
    }
    let scientific = format!("{x:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if !(-4..16).contains(&exponent) {
        let sign = if exponent < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exponent.unsigned_abs());
    }
    let plain = format!("{x}");
    if plain.contains('.') {
        plain
    } else {
        plain + ".0"
    }
}

/// Characters `str(x)` makes at most (beyond, the text is cut with `...`):
/// a list of long strings cannot blow up.
const MAX_TEXT: usize = 1_000_000;

/// Python's `str(x)`; `repr` quotes strings.
pub fn to_str(value: &Value, repr: bool, depth: usize) -> String {
    let mut text = to_str_at(value, repr, depth);
    if text.len() > MAX_TEXT {
        let mut end = MAX_TEXT;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push_str("...");
    }
    text
}

fn to_str_at(value: &Value, repr: bool, depth: usize) -> String {
    if depth > 32 {
        return "...".to_string();
    }
    let items = |items: &[Value], open: &str, close: &str| {
        let mut parts: Vec<String> = Vec::new();
        let mut len = 0;
        for v in items {
            if len > MAX_TEXT {
                parts.push("...".to_string());
                break;
            }
            let part = to_str_at(v, true, depth + 1);
            len += part.len() + 2;
            parts.push(part);
        }
        let trailing = if open == "(" && parts.len() == 1 {
            ","
        } else {
            ""
        };
        format!("{open}{}{trailing}{close}", parts.join(", "))
    };
    match value {
        Value::None => "None".to_string(),
        Value::Bool(b) => if *b { "True" } else { "False" }.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(x) => float_repr(*x),
        Value::Str(s) if repr => {
            let quote = if s.contains('\'') && !s.contains('"') {
                '"'
            } else {
                '\''
            };
            let mut out = String::from(quote);
            for c in s.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\t' => out.push_str("\\t"),
                    c if c == quote => {
                        out.push('\\');
                        out.push(c);
                    }
                    c => out.push(c),
                }
            }
            out.push(quote);
            out
        }
        Value::Str(s) => s.to_string(),
        Value::Tuple(t) => items(t, "(", ")"),
        Value::List(l) => items(&l.borrow(), "[", "]"),
        Value::Dict(d) => {
            let parts: Vec<String> = d
                .borrow()
                .iter()
                .take(1000)
                .map(|(k, v)| {
                    format!(
                        "{}: {}",
                        to_str_at(k, true, depth + 1),
                        to_str_at(v, true, depth + 1)
                    )
                })
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        Value::Function(f) => format!("<function {}>", f.name),
        Value::External(e) => e.path.clone(),
        Value::Opaque(o) | Value::Class(o) => o.what.clone(),
        Value::Layer(l) => format!("<{} layer `{}`>", l.word, l.name),
        Value::Model(m) => format!("<model `{}`>", m.name),
        other => format!("<{}>", other.type_name()),
    }
}

/// Python's truth value; `None` where it cannot be known while reading.
pub fn truthy(value: &Value) -> Option<bool> {
    Some(match value {
        Value::None => false,
        Value::Bool(b) => *b,
        Value::Int(i) => *i != 0,
        Value::Float(x) => *x != 0.0,
        Value::Str(s) => !s.is_empty(),
        Value::Tuple(t) => !t.is_empty(),
        Value::List(l) => !l.borrow().is_empty(),
        Value::Dict(d) => !d.borrow().is_empty(),
        Value::External(_) | Value::Opaque(_) | Value::Failed | Value::Tensor(_) => return None,
        _ => true,
    })
}

const TOO_LARGE: &str = "an integer beyond 128 bits: too large for the reader";

fn floor_div(a: i128, b: i128) -> Option<i128> {
    let q = a.checked_div(b)?;
    Some(if a % b != 0 && ((a < 0) != (b < 0)) {
        q - 1
    } else {
        q
    })
}

/// Python's arithmetic on numbers and sequences; `Err` with Python's
/// complaint (the caller places it). `limit` bounds the items and characters
/// a repetition may make.
pub fn arithmetic<'a>(
    op: ast::Operator,
    a: &Value<'a>,
    b: &Value<'a>,
    limit: usize,
) -> Result<Value<'a>, String> {
    use ast::Operator as O;
    if let (Some(x), Some(y)) = (a.as_int(), b.as_int()) {
        let int = |v: Option<i128>| v.map(Value::Int).ok_or_else(|| TOO_LARGE.to_string());
        let nonzero = || {
            if y == 0 {
                Err("division by zero".to_string())
            } else {
                Ok(())
            }
        };
        return match op {
            O::Add => int(x.checked_add(y)),
            O::Sub => int(x.checked_sub(y)),
            O::Mult => int(x.checked_mul(y)),
            O::Div => nonzero().map(|()| Value::Float(x as f64 / y as f64)),
            O::FloorDiv => nonzero().and_then(|()| int(floor_div(x, y))),
            O::Mod => nonzero().and_then(|()| int(floor_div(x, y).map(|q| x - q * y))),
            O::Pow if y >= 0 => int(u32::try_from(y).ok().and_then(|e| x.checked_pow(e))),
            O::Pow => Ok(Value::Float((x as f64).powf(y as f64))),
            O::LShift => int(u32::try_from(y)
                .ok()
                .filter(|&s| s < 127)
                .and_then(|s| x.checked_mul(1i128 << s))),
            O::RShift => int(u32::try_from(y).ok().map(|s| x >> s.min(127))),
            O::BitAnd => Ok(Value::Int(x & y)),
            O::BitOr => Ok(Value::Int(x | y)),
            O::BitXor => Ok(Value::Int(x ^ y)),
            O::MatMult => Err("`@` on numbers".to_string()),
        };
    }
    if let (Some(x), Some(y)) = (a.as_float(), b.as_float()) {
        let zero = y == 0.0 && matches!(op, O::Div | O::FloorDiv | O::Mod);
        if zero {
            return Err("division by zero".to_string());
        }
        return Ok(Value::Float(match op {
            O::Add => x + y,
            O::Sub => x - y,
            O::Mult => x * y,
            O::Div => x / y,
            O::FloorDiv => (x / y).floor(),
            O::Mod => x - y * (x / y).floor(),
            O::Pow => x.powf(y),
            _ => return Err(format!("`{}` on a float", operator_text(op))),
        }));
    }
    let fits = |total: Option<usize>| match total {
        Some(total) if total <= limit => Ok(()),
        _ => Err(format!(
            "more than {limit} items: beyond the reader's limit"
        )),
    };
    let repeat = |n: i128, len: usize| -> Result<usize, String> {
        let n = usize::try_from(n.max(0)).unwrap_or(usize::MAX);
        fits(n.checked_mul(len)).map(|()| n)
    };
    match (op, a, b) {
        (O::Add, Value::Str(x), Value::Str(y)) => {
            if x.len() + y.len() > limit {
                return Err(format!(
                    "a string longer than {limit} characters: beyond the reader's limit"
                ));
            }
            Ok(Value::str(&format!("{x}{y}")))
        }
        (O::Add, Value::Tuple(x), Value::Tuple(y)) => {
            fits(x.len().checked_add(y.len()))?;
            Ok(Value::tuple(x.iter().chain(y.iter()).cloned().collect()))
        }
        (O::Add, Value::List(x), Value::List(y)) => {
            fits(x.borrow().len().checked_add(y.borrow().len()))?;
            let mut items = x.borrow().clone();
            items.extend(y.borrow().iter().cloned());
            Ok(Value::list(items))
        }
        (O::Mult, Value::Str(s), n) | (O::Mult, n, Value::Str(s)) if n.as_int().is_some() => {
            let n = repeat(n.as_int().unwrap_or(0), s.len())?;
            Ok(Value::str(&s.repeat(n)))
        }
        (O::Mult, seq @ (Value::Tuple(_) | Value::List(_)), n)
        | (O::Mult, n, seq @ (Value::Tuple(_) | Value::List(_)))
            if n.as_int().is_some() =>
        {
            let items = seq.items().unwrap_or_default();
            let n = repeat(n.as_int().unwrap_or(0), items.len())?;
            let repeated: Vec<Value> = (0..n).flat_map(|_| items.iter().cloned()).collect();
            Ok(match seq {
                Value::Tuple(_) => Value::tuple(repeated),
                _ => Value::list(repeated),
            })
        }
        _ => Err(format!(
            "`{}` between a {} and a {}",
            operator_text(op),
            a.type_name(),
            b.type_name()
        )),
    }
}

pub fn operator_text(op: ast::Operator) -> &'static str {
    use ast::Operator as O;
    match op {
        O::Add => "+",
        O::Sub => "-",
        O::Mult => "*",
        O::MatMult => "@",
        O::Div => "/",
        O::Mod => "%",
        O::Pow => "**",
        O::LShift => "<<",
        O::RShift => ">>",
        O::BitOr => "|",
        O::BitXor => "^",
        O::BitAnd => "&",
        O::FloorDiv => "//",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_as_python_prints_them() {
        for (x, text) in [
            (0.1, "0.1"),
            (1.0, "1.0"),
            (1e-5, "1e-05"),
            (1e16, "1e+16"),
            (123456789.0, "123456789.0"),
            (0.0001, "0.0001"),
            (-2.5e-7, "-2.5e-07"),
            (1.0 / 255.0, "0.00392156862745098"),
        ] {
            assert_eq!(float_repr(x), text);
        }
    }

    #[test]
    fn integer_arithmetic_floors_as_python_does() {
        let int = |v: Value| v.as_int().unwrap();
        let op = |op, a, b| arithmetic(op, &Value::Int(a), &Value::Int(b), 100).map(int);
        assert_eq!(op(ast::Operator::FloorDiv, -7, 2), Ok(-4));
        assert_eq!(op(ast::Operator::Mod, -7, 2), Ok(1));
        assert_eq!(op(ast::Operator::Pow, 10, 30), Ok(10i128.pow(30)));
        assert!(op(ast::Operator::Pow, 10, 40).is_err());
        assert!(op(ast::Operator::FloorDiv, 1, 0).is_err());
    }
}
