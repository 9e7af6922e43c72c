//! Keras Python code (a Sequential model) → the `cnn!` DSL. The grammar is a
//! small subset of Python written with nom: imports (skipped), constants
//! (`num_classes = 10`), `model = Sequential([...], name=...)`,
//! `model.add(layers.Conv2D(...))`, `keras.Input(shape=...)` / `input_shape=`,
//! and `model.summary()`-like calls (skipped). Comments, either quote and
//! trailing commas are fine. Every layer keeps its position in the text so
//! that any diagnostic about it can point at its line and column.

use super::args::Arg as DslArg;
use super::dsl::LayerCall;
use super::keras_json::{KerasModel, TRAINING_ONLY};
use super::value::Value as Dsl;
use crate::diag::Loc;
use crate::spec::{Class, Ref, Spanned};
use nom::branch::alt;
use nom::bytes::complete::{tag, take_while, take_while1};
use nom::character::complete::{char, digit1, one_of};
use nom::combinator::{opt, recognize};
use nom::multi::many0;
use nom::sequence::pair;
use nom::{IResult, Parser};
use nom_locate::LocatedSpan;
use std::collections::HashMap;

type Span<'a> = LocatedSpan<&'a str>;

/// A place in the Keras text: 1-based line and column, length in characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pos {
    pub line: u32,
    pub column: usize,
    pub len: usize,
}

/// A mistake in the Keras text, at a position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextError {
    pub pos: Pos,
    pub message: String,
}

/// The model, with where each layer was written.
#[derive(Clone, Debug)]
pub struct KerasText {
    pub model: KerasModel,
    /// For each layer of `model.layers`, in order, the position of its class name.
    pub layers: Vec<Pos>,
    /// Where the input shape was given.
    pub input: Pos,
}

#[derive(Clone, Debug)]
enum Expr {
    Int(i64),
    Float(f64),
    Str(String),
    Name(String),
    Tuple(Vec<Node>),
    Call(Box<Call>),
    /// `a * b`, `a / b`, `a // b`, `a + b`, `a - b`, `a[i]`: computed when the
    /// value is used, over constants assigned above.
    Binary(char, Box<Node>, Box<Node>),
}

#[derive(Clone, Debug)]
struct Node {
    expr: Expr,
    pos: Pos,
}

#[derive(Clone, Debug)]
struct Call {
    func: String,
    func_pos: Pos,
    args: Vec<Arg>,
    /// For a call of a call's result, `layers.Dense(10)(x)`: the inner call.
    callee: Option<Box<Call>>,
}

#[derive(Clone, Debug)]
struct Arg {
    keyword: Option<(String, Pos)>,
    value: Node,
}

enum Stmt {
    Skip,
    Assign(String, Pos, Node),
    Expr(Node),
    /// A statement the reader does not follow (a loop, a function, ...):
    /// its keyword and where.
    Unsupported(String, Pos),
}

fn pos(start: &Span, end: &Span) -> Pos {
    Pos {
        line: start.location_line(),
        column: start.get_utf8_column(),
        len: end
            .location_offset()
            .saturating_sub(start.location_offset())
            .max(1),
    }
}

/// Whitespace (newlines included: statements are read as whole expressions)
/// and `#` comments.
fn ws(mut i: Span) -> IResult<Span, ()> {
    loop {
        let (rest, _) = take_while(|c: char| c.is_whitespace() || c == '\\')(i)?;
        if rest.fragment().starts_with('#') {
            let (rest, _) = take_while(|c: char| c != '\n')(rest)?;
            i = rest;
        } else {
            return Ok((rest, ()));
        }
    }
}

fn ident(i: Span) -> IResult<Span, Span> {
    recognize(pair(
        take_while1(|c: char| c.is_alphabetic() || c == '_'),
        take_while(|c: char| c.is_alphanumeric() || c == '_'),
    ))
    .parse(i)
}

fn dotted(i: Span) -> IResult<Span, Span> {
    recognize(pair(ident, many0(pair(char('.'), ident)))).parse(i)
}

fn number(i: Span) -> IResult<Span, Node> {
    let start = i;
    let (rest, text) = recognize((
        opt(one_of("+-")),
        digit1,
        opt(pair(char('.'), take_while(|c: char| c.is_ascii_digit()))),
        opt((one_of("eE"), opt(one_of("+-")), digit1)),
    ))
    .parse(i)?;
    let text = text.fragment().replace('_', "");
    let expr = match text.parse::<i64>() {
        Ok(n) => Expr::Int(n),
        Err(_) => Expr::Float(text.parse().unwrap_or(f64::NAN)),
    };
    Ok((
        rest,
        Node {
            expr,
            pos: pos(&start, &rest),
        },
    ))
}

/// `'...'`, `"..."`, triple-quoted strings over several lines, with an
/// optional `r`, `b`, `u` or `f` prefix (the text is taken as written).
fn string(i: Span) -> IResult<Span, Node> {
    let start = i;
    let (i, _) = take_while(|c: char| "rRbBuUfF".contains(c))(i)?;
    if i.location_offset() - start.location_offset() > 2 {
        return Err(nom::Err::Error(nom::error::Error::new(
            start,
            nom::error::ErrorKind::Char,
        )));
    }
    let (rest, quote) = one_of("'\"")(i)?;
    let triple: String = std::iter::repeat_n(quote, 3).collect();
    let (rest, body) = if i.fragment().starts_with(&triple) {
        let (rest, _) = tag(&triple[1..])(rest)?;
        let end = rest.fragment().find(&triple).ok_or_else(|| {
            nom::Err::Failure(nom::error::Error::new(start, nom::error::ErrorKind::Char))
        })?;
        let (rest, body) = take_count(rest, end)?;
        let (rest, _) = tag(triple.as_str())(rest)?;
        (rest, body)
    } else {
        let (rest, body) = take_while(|c: char| c != quote && c != '\n')(rest)?;
        let (rest, _) = char(quote)(rest)?;
        (rest, body)
    };
    let expr = Expr::Str(body.fragment().to_string());
    Ok((
        rest,
        Node {
            expr,
            pos: pos(&start, &rest),
        },
    ))
}

/// The first `n` bytes. (nom's `take` counts characters, and every caller
/// has a byte offset from `str::find`.)
fn take_count(i: Span, n: usize) -> IResult<Span, Span> {
    if n > i.fragment().len() || !i.fragment().is_char_boundary(n) {
        return Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::Eof,
        )));
    }
    Ok(nom::Input::take_split(&i, n))
}

/// `(a, b)` or `[a, b]` (a tuple either way), or `(a)` (just `a`).
fn sequence(i: Span) -> IResult<Span, Node> {
    let start = i;
    let (rest, open) = one_of("([")(i)?;
    let close = if open == '(' { ')' } else { ']' };
    let (rest, (items, trailing_comma)) = items(rest, close).map_err(commit)?;
    let end_pos = pos(&start, &rest);
    if open == '(' && items.len() == 1 && !trailing_comma {
        let mut only = items.into_iter().next().expect("one item").value;
        only.pos = end_pos;
        return Ok((rest, only));
    }
    let values = items.into_iter().map(|a| a.value).collect();
    Ok((
        rest,
        Node {
            expr: Expr::Tuple(values),
            pos: end_pos,
        },
    ))
}

/// Comma-separated arguments up to `close`: `(args, had a trailing comma)`.
fn items(mut i: Span, close: char) -> IResult<Span, (Vec<Arg>, bool)> {
    let mut out = Vec::new();
    let mut trailing = false;
    loop {
        let (rest, _) = ws(i)?;
        if let Ok((rest, _)) = char::<Span, nom::error::Error<Span>>(close)(rest) {
            return Ok((rest, (out, trailing)));
        }
        let (rest, a) = arg(rest)?;
        out.push(a);
        let (rest, _) = ws(rest)?;
        match char::<Span, nom::error::Error<Span>>(',')(rest) {
            Ok((rest, _)) => {
                trailing = true;
                i = rest;
            }
            Err(_) => {
                trailing = false;
                let (rest, _) = char(close)(rest)?;
                return Ok((rest, (out, trailing)));
            }
        }
    }
}

/// `key = value` or `value`.
fn arg(i: Span) -> IResult<Span, Arg> {
    let keyword = |i| -> IResult<Span, (String, Pos)> {
        let start = i;
        let (rest, name) = ident(i)?;
        let key_pos = pos(&start, &rest);
        let (rest, _) = ws(rest)?;
        let (rest, _) = char('=')(rest)?;
        if rest.fragment().starts_with('=') {
            return Err(nom::Err::Error(nom::error::Error::new(
                rest,
                nom::error::ErrorKind::Tag,
            )));
        }
        let (rest, _) = ws(rest)?;
        Ok((rest, (name.fragment().to_string(), key_pos)))
    };
    let (rest, key) = opt(keyword).parse(i)?;
    let (rest, value) = expr(rest)?;
    Ok((
        rest,
        Arg {
            keyword: key,
            value,
        },
    ))
}

/// A name, or a call of it: `relu`, `layers.Conv2D(32, 3)`, `Sequential([...])(x)`.
fn name_or_call(i: Span) -> IResult<Span, Node> {
    let start = i;
    let (mut rest, name) = dotted(i)?;
    let name_pos = pos(&start, &rest);
    let mut node = Node {
        expr: Expr::Name(name.fragment().to_string()),
        pos: name_pos,
    };
    loop {
        let (after_ws, _) = ws(rest)?;
        let Ok((after_open, _)) = char::<Span, nom::error::Error<Span>>('(')(after_ws) else {
            return Ok((rest, node));
        };
        let (after, (args, _)) = items(after_open, ')').map_err(commit)?;
        let (func, callee) = match node.expr {
            Expr::Name(n) => (n, None),
            Expr::Call(inner) => ("<call result>".to_string(), Some(inner)),
            _ => ("<call result>".to_string(), None),
        };
        node = Node {
            expr: Expr::Call(Box::new(Call {
                func,
                func_pos: node.pos,
                args,
                callee,
            })),
            pos: pos(&start, &after),
        };
        rest = after;
    }
}

/// After an opening bracket there is no other way to read the text: report
/// the innermost failure instead of backtracking to the bracket.
fn commit<E>(e: nom::Err<E>) -> nom::Err<E> {
    match e {
        nom::Err::Error(e) => nom::Err::Failure(e),
        other => other,
    }
}

fn atom(i: Span) -> IResult<Span, Node> {
    let (mut rest, mut node) = alt((number, string, sequence, name_or_call)).parse(i)?;
    // Indexing: `input_shape[0]`.
    loop {
        let (after, _) = ws(rest)?;
        let Ok((after, _)) = char::<Span, nom::error::Error<Span>>('[')(after) else {
            return Ok((rest, node));
        };
        let at = pos(&after, &after);
        let (after, _) = ws(after)?;
        let (after, index) = expr(after).map_err(commit)?;
        let (after, _) = ws(after)?;
        let (after, _) = char(']')(after).map_err(commit)?;
        node = Node {
            expr: Expr::Binary('[', Box::new(node), Box::new(index)),
            pos: at,
        };
        rest = after;
    }
}

/// `-x`, or an atom.
fn unary(i: Span) -> IResult<Span, Node> {
    let start = i;
    if let Ok((rest, _)) = char::<Span, nom::error::Error<Span>>('-')(i) {
        if !rest.fragment().starts_with(|c: char| c.is_ascii_digit()) {
            let (rest, _) = ws(rest)?;
            let (rest, operand) = unary(rest)?;
            let zero = Node {
                expr: Expr::Int(0),
                pos: pos(&start, &rest),
            };
            let node = Node {
                expr: Expr::Binary('-', Box::new(zero), Box::new(operand)),
                pos: pos(&start, &rest),
            };
            return Ok((rest, node));
        }
    }
    atom(i)
}

/// Operands joined by operators of one precedence level, left to right.
fn binary<'a>(
    i: Span<'a>,
    operators: &[(&str, char)],
    operand: fn(Span<'a>) -> IResult<Span<'a>, Node>,
) -> IResult<Span<'a>, Node> {
    let (mut rest, mut node) = operand(i)?;
    loop {
        let (after, _) = ws(rest)?;
        let Some(&(text, op)) = operators
            .iter()
            .find(|(text, _)| after.fragment().starts_with(text))
        else {
            return Ok((rest, node));
        };
        // `//` is not `/`; `==` or `+=` would not be an operand.
        let (after_op, op_span) = tag(text)(after)?;
        if after_op.fragment().starts_with(['=', '/']) && text != "//" {
            return Ok((rest, node));
        }
        let at = pos(&op_span, &after_op);
        let (after_op, _) = ws(after_op)?;
        let (after_rhs, rhs) = operand(after_op).map_err(commit)?;
        node = Node {
            expr: Expr::Binary(op, Box::new(node), Box::new(rhs)),
            pos: at,
        };
        rest = after_rhs;
    }
}

fn term(i: Span) -> IResult<Span, Node> {
    binary(i, &[("//", 'f'), ("*", '*'), ("/", '/')], unary)
}

fn expr(i: Span) -> IResult<Span, Node> {
    binary(i, &[("+", '+'), ("-", '-')], term)
}

/// Python's compound statements and others the reader does not follow.
const BLOCK_KEYWORDS: [&str; 12] = [
    "for", "while", "if", "def", "class", "with", "try", "async", "return", "global", "del",
    "lambda",
];

fn statement(i: Span) -> IResult<Span, Stmt> {
    if i.fragment().starts_with('@') {
        return block(i, i, "@");
    }
    let (rest, word) = opt(ident).parse(i)?;
    if let Some(word) = word {
        if matches!(*word.fragment(), "import" | "from") {
            // To the end of the line, or of the parentheses it opens.
            let text = rest.fragment();
            let line_end = text.find('\n').unwrap_or(text.len());
            let end = match text[..line_end].find('(') {
                Some(_) => text.find(')').map_or(line_end, |e| e + 1),
                None => line_end,
            };
            let (rest, _) = take_count(rest, end)?;
            return Ok((rest, Stmt::Skip));
        }
        if BLOCK_KEYWORDS.contains(word.fragment()) {
            return block(i, rest, word.fragment());
        }
        // `name = value` (but not `name == value` or `name.attr(...)`).
        let (after, _) = ws(rest)?;
        if let Ok((after, _)) = tag::<&str, Span, nom::error::Error<Span>>("=")(after) {
            if !after.fragment().starts_with('=') {
                let (after, _) = ws(after)?;
                let (after, value) = expr(after)?;
                let name_pos = pos(&i, &rest);
                return Ok((
                    after,
                    Stmt::Assign(word.fragment().to_string(), name_pos, value),
                ));
            }
        }
    }
    let (rest, node) = expr(i)?;
    Ok((rest, Stmt::Expr(node)))
}

/// A statement the reader does not follow, from `start` (its keyword ends at
/// `rest`): its header line and the indented block under it are skipped.
fn block<'a>(start: Span<'a>, rest: Span<'a>, keyword: &str) -> IResult<Span<'a>, Stmt> {
    let at = pos(&start, &rest);
    let text = rest.fragment();
    let mut end = text.find('\n').unwrap_or(text.len());
    while end < text.len() {
        let next = &text[end + 1..];
        let line_len = next.find('\n').unwrap_or(next.len());
        let line = &next[..line_len];
        if line.trim().is_empty() || line.starts_with([' ', '\t']) {
            end += 1 + line_len;
        } else {
            break;
        }
    }
    let (rest, _) = take_count(rest, end)?;
    Ok((rest, Stmt::Unsupported(keyword.to_string(), at)))
}

/// Deeper bracket nesting than any Keras model needs is refused up front: the
/// parser is recursive, and the compiler's stack must not overflow.
const MAX_NESTING: usize = 32;

fn check_nesting(text: &str) -> Result<(), TextError> {
    let mut depth = 0usize;
    for (n, line) in text.lines().enumerate() {
        for (column, c) in line.chars().enumerate() {
            match c {
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => depth = depth.saturating_sub(1),
                _ => {}
            }
            if depth > MAX_NESTING {
                let pos = Pos {
                    line: n as u32 + 1,
                    column: column + 1,
                    len: 1,
                };
                return Err(err(
                    pos,
                    format!("brackets nested more than {MAX_NESTING} deep"),
                ));
            }
        }
    }
    Ok(())
}

/// Every statement, and a syntax error for each one that cannot be read (the
/// reader then goes on at the next line that is not indented).
fn parse_statements(text: &str) -> (Vec<Stmt>, Vec<TextError>) {
    if let Err(e) = check_nesting(text) {
        return (Vec::new(), vec![e]);
    }
    let mut i = Span::new(text);
    let mut out = Vec::new();
    let mut errors = Vec::new();
    loop {
        let Ok((rest, _)) = ws(i) else {
            errors.push(syntax_error(i));
            return (out, errors);
        };
        if rest.fragment().is_empty() {
            return (out, errors);
        }
        let parsed = statement(rest).map_err(|e| match e {
            nom::Err::Error(e) | nom::Err::Failure(e) => syntax_error(e.input),
            nom::Err::Incomplete(_) => syntax_error(rest),
        });
        let next = parsed.and_then(|(after_stmt, stmt)| {
            // A statement ends its line (or is followed by `;`).
            let (after, _) = ws(after_stmt).map_err(|_| syntax_error(after_stmt))?;
            let between = &text[after_stmt.location_offset()..after.location_offset()];
            let next = if let Ok((next, _)) = char::<Span, nom::error::Error<Span>>(';')(after) {
                next
            } else if after.fragment().is_empty() || between.contains('\n') {
                after
            } else {
                return Err(syntax_error(after));
            };
            Ok((next, stmt))
        });
        match next {
            Ok((next, stmt)) => {
                out.push(stmt);
                i = next;
            }
            Err(e) => {
                errors.push(e);
                let next = next_statement(rest);
                if next.location_offset() <= rest.location_offset() {
                    return (out, errors);
                }
                i = next;
            }
        }
    }
}

/// The start of the next line after `at` that is not indented (or the end).
fn next_statement(at: Span) -> Span {
    let text = at.fragment();
    let mut offset = 0;
    loop {
        let Some(newline) = text[offset..].find('\n') else {
            offset = text.len();
            break;
        };
        offset += newline + 1;
        if !text[offset..].starts_with([' ', '\t', '\n', ')', ']', '}']) {
            break;
        }
    }
    take_count(at, offset).map_or(at, |(rest, _)| rest)
}

fn syntax_error(at: Span) -> TextError {
    let found: String = at
        .fragment()
        .chars()
        .take_while(|c| *c != '\n')
        .take(20)
        .collect();
    TextError {
        pos: Pos {
            line: at.location_line(),
            column: at.get_utf8_column(),
            len: 1,
        },
        message: if found.is_empty() {
            "unexpected end of the Keras code".to_string()
        } else {
            format!("cannot read the Keras code here: `{found}`")
        },
    }
}

fn err(pos: Pos, message: impl Into<String>) -> TextError {
    TextError {
        pos,
        message: message.into(),
    }
}

fn last_segment(func: &str) -> &str {
    func.rsplit('.').next().unwrap_or(func)
}

/// Model methods that do not change the architecture.
const IGNORED_METHODS: &[&str] = &[
    "summary",
    "compile",
    "fit",
    "evaluate",
    "predict",
    "save",
    "save_weights",
    "load_weights",
];

struct Builder {
    vars: HashMap<String, Node>,
    model: Option<String>,
    name: Option<String>,
    input: Option<(Vec<i64>, Pos)>,
    calls: Vec<LayerCall>,
    layers: Vec<Pos>,
    /// The functional API: Python variables holding tensors, and which
    /// tensor each is.
    tensors: HashMap<String, Ref>,
    input_name: Option<String>,
    /// `keras.Model(inputs, outputs)`: the output variable and where.
    output: Option<(String, Pos)>,
    /// The last layer's result.
    last: Option<Ref>,
    /// Variables whose assignment was an error: a later use of one is not
    /// reported again.
    failed: std::collections::HashSet<String>,
}

/// The message of an error that only follows from an earlier one (a variable
/// whose assignment failed): dropped before errors are shown.
const FOLLOW_ON: &str = "";

/// Reads Keras Python code; the first mistake (see [`parse_all`]).
pub fn parse(text: &str) -> Result<KerasText, TextError> {
    parse_all(text).map_err(|mut errors| errors.remove(0))
}

/// Reads Keras Python code, or every mistake in it, in order.
pub fn parse_all(text: &str) -> Result<KerasText, Vec<TextError>> {
    let mut b = Builder {
        vars: HashMap::new(),
        model: None,
        name: None,
        input: None,
        calls: Vec::new(),
        layers: Vec::new(),
        tensors: HashMap::new(),
        input_name: None,
        output: None,
        last: None,
        failed: std::collections::HashSet::new(),
    };
    let (statements, mut errors) = parse_statements(text);
    for stmt in statements {
        let done = match stmt {
            Stmt::Skip => Ok(()),
            Stmt::Assign(name, name_pos, value) => {
                let done = b.assign(name.clone(), name_pos, value);
                if done.is_err() {
                    b.failed.insert(name);
                }
                done
            }
            Stmt::Expr(node) => b.expression(node),
            Stmt::Unsupported(keyword, at) => Err(err(
                at,
                format!(
                    "`{keyword}` is not supported: the model must be built by plain statements \
                     (write the layers out, without loops, conditions or functions)"
                ),
            )),
        };
        if let Err(e) = done {
            errors.push(e);
        }
    }
    errors.retain(|e| e.message != FOLLOW_ON);
    errors.sort_by_key(|e| (e.pos.line, e.pos.column));
    if !errors.is_empty() {
        return Err(errors);
    }
    let start = Pos {
        line: 1,
        column: 1,
        len: 1,
    };
    if b.model.is_none() {
        return Err(vec![err(
            start,
            "no model: expected `model = keras.Sequential(...)` or `model = keras.Model(inputs, outputs)`",
        )]);
    }
    if let Some((output, pos)) = &b.output {
        if b.tensors.get(output) != b.last.as_ref() {
            return Err(vec![err(
                *pos,
                format!("the output `{output}` is not the last layer's result: only a model's last layer can be its output"),
            )]);
        }
    }
    let Some((dims, input)) = b.input else {
        return Err(vec![err(start, "the model has no input shape: give `keras.Input(shape=(H, W, C))` or `input_shape=` on the first layer")]);
    };
    let Some(dims) = dims
        .iter()
        .map(|&d| usize::try_from(d).ok().filter(|&d| d > 0))
        .collect::<Option<Vec<usize>>>()
    else {
        return Err(vec![err(input, "input sizes must be at least 1")]);
    };
    let functional = b.output.is_some();
    let default = if functional {
        "functional"
    } else {
        "sequential"
    };
    Ok(KerasText {
        model: KerasModel {
            name: b.name.unwrap_or_else(|| default.to_string()),
            input: dims,
            input_name: b.input_name,
            functional,
            layers: b.calls,
            outputs: Vec::new(),
        },
        layers: b.layers,
        input,
    })
}

impl Builder {
    fn assign(&mut self, name: String, name_pos: Pos, value: Node) -> Result<(), TextError> {
        if let Expr::Call(call) = &value.expr {
            return match last_segment(&call.func) {
                "Sequential" => {
                    if self.model.is_some() {
                        return Err(err(call.func_pos, "a second model: only one Sequential model per block"));
                    }
                    self.model = Some(name);
                    for a in &call.args {
                        match a.keyword.as_ref().map(|(k, p)| (k.as_str(), *p)) {
                            None | Some(("layers", _)) => match &self.resolve(&a.value).expr.clone() {
                                Expr::Tuple(items) => {
                                    for item in items {
                                        self.layer(item)?;
                                    }
                                }
                                _ => return Err(err(a.value.pos, "expected a list of layers")),
                            },
                            Some(("name", _)) => self.name = Some(self.string(&a.value)?),
                            Some(("trainable", _)) => {}
                            Some((other, p)) => return Err(err(p, format!("Sequential option `{other}` is not supported yet"))),
                        }
                    }
                    Ok(())
                }
                "Input" | "InputLayer" => {
                    if self.tensors.values().any(|t| *t == Ref::Input) {
                        return Err(err(call.func_pos, "a second input: only models with one input are supported"));
                    }
                    self.input_layer(call)?;
                    self.tensors.insert(name, Ref::Input);
                    Ok(())
                }
                "Model" | "Functional" => {
                    if self.model.is_some() {
                        return Err(err(call.func_pos, "a second model: only one model per block"));
                    }
                    self.model = Some(name);
                    self.functional_model(call)
                }
                "<call result>" => {
                    let Some(layer) = &call.callee else {
                        return Err(err(call.func_pos, "expected a layer applied to tensors"));
                    };
                    let dsl = self.layer_call(layer, &call.args, call.func_pos)?;
                    self.tensors.insert(name, dsl);
                    Ok(())
                }
                merge @ ("add" | "concatenate") => {
                    let class = if merge == "add" { "Add" } else { "Concatenate" };
                    let (inputs, options): (Vec<Arg>, Vec<Arg>) =
                        call.args.iter().cloned().partition(|a| a.keyword.is_none());
                    let layer = Call {
                        func: class.to_string(),
                        func_pos: call.func_pos,
                        args: options,
                        callee: None,
                    };
                    let dsl = self.layer_call(&layer, &inputs, call.func_pos)?;
                    self.tensors.insert(name, dsl);
                    Ok(())
                }
                // A layer object kept for later is not followed.
                class if Class::from_dsl_name(class).is_some() => Err(err(
                    call.func_pos,
                    format!("`{name} = {}(...)` keeps a layer in a variable: apply it where it is made, `{name} = {}(...)(x)`, or pass it to `Sequential([...])`", call.func, call.func),
                )),
                // Anything else (an optimizer, `model.fit(...)`'s history, data)
                // has nothing to do with the model: kept as an opaque value.
                _ => {
                    self.vars.insert(name, value);
                    Ok(())
                }
            };
        }
        let _ = name_pos;
        self.vars.insert(name, value);
        Ok(())
    }

    fn expression(&mut self, node: Node) -> Result<(), TextError> {
        // Docstrings, and calls that do not build the model (`print`, seeds,
        // plots), are skipped.
        let Expr::Call(call) = &node.expr else {
            return Ok(());
        };
        let (target, method) = call
            .func
            .rsplit_once('.')
            .unwrap_or(("", call.func.as_str()));
        if Some(target) != self.model.as_deref() {
            if method == "add" && !target.is_empty() && !self.vars.contains_key(target) {
                return Err(err(
                    call.func_pos,
                    format!("`{}`: no model is named `{target}`", call.func),
                ));
            }
            return Ok(());
        }
        match method {
            "add" => match call.args.as_slice() {
                [Arg {
                    keyword: None,
                    value,
                }] => self.layer(value),
                _ => Err(err(call.func_pos, "`add` takes one layer")),
            },
            "build" => match call.args.first() {
                Some(a) => self.input_shape(&a.value, true),
                None => Err(err(call.func_pos, "`build` needs the input shape")),
            },
            m if IGNORED_METHODS.contains(&m) => Ok(()),
            other => Err(err(
                call.func_pos,
                format!("`model.{other}(...)` is not supported"),
            )),
        }
    }

    /// `keras.Input(shape=..., name=...)`.
    fn input_layer(&mut self, call: &Call) -> Result<(), TextError> {
        for a in &call.args {
            match a.keyword.as_ref().map(|(k, _)| k.as_str()) {
                None | Some("shape") => self.input_shape(&a.value, false)?,
                Some("batch_shape") => self.input_shape(&a.value, true)?,
                Some("name") => self.input_name = Some(self.string(&a.value)?),
                Some("dtype") => {}
                Some(other) => {
                    return Err(err(
                        a.value.pos,
                        format!("`Input` option `{other}` is not supported yet"),
                    ))
                }
            }
        }
        Ok(())
    }

    /// `keras.Model(inputs, outputs, name=...)`.
    fn functional_model(&mut self, call: &Call) -> Result<(), TextError> {
        let mut positional = 0;
        for a in &call.args {
            let key = match a.keyword.as_ref().map(|(k, _)| k.as_str()) {
                Some(k) => k,
                None => {
                    positional += 1;
                    match positional {
                        1 => "inputs",
                        2 => "outputs",
                        _ => "name",
                    }
                }
            };
            match key {
                "inputs" => {
                    let node = single(&a.value);
                    if !matches!(&node.expr, Expr::Name(n) if self.tensors.get(n) == Some(&Ref::Input))
                    {
                        if matches!(&node.expr, Expr::Name(n) if self.failed.contains(n)) {
                            return Err(err(node.pos, FOLLOW_ON));
                        }
                        return Err(err(
                            node.pos,
                            "the model's inputs must be its `keras.Input(...)`",
                        ));
                    }
                }
                "outputs" => {
                    let node = single(&a.value);
                    let Expr::Name(output) = &node.expr else {
                        return Err(err(
                            node.pos,
                            "expected the variable holding the model's output",
                        ));
                    };
                    self.output = Some((output.clone(), node.pos));
                }
                "name" => self.name = Some(self.string(&a.value)?),
                "trainable" => {}
                other => {
                    return Err(err(
                        a.value.pos,
                        format!("model option `{other}` is not supported yet"),
                    ))
                }
            }
        }
        if self.output.is_none() {
            return Err(err(
                call.func_pos,
                "the model needs its outputs: `keras.Model(inputs, outputs)`",
            ));
        }
        Ok(())
    }

    /// `layer(...)(tensors)` in the functional API: the layer, reading those
    /// tensors, and the tensor it makes.
    fn layer_call(&mut self, layer: &Call, tensors: &[Arg], pos: Pos) -> Result<Ref, TextError> {
        let mut inputs = Vec::new();
        for a in tensors {
            let items = match &a.value.expr {
                Expr::Tuple(items) => items.clone(),
                _ => vec![a.value.clone()],
            };
            for item in items {
                let Expr::Name(var) = &item.expr else {
                    return Err(err(item.pos, "expected a tensor: a variable assigned a layer's result or `keras.Input(...)`"));
                };
                let Some(tensor) = self.tensors.get(var) else {
                    if self.failed.contains(var) {
                        return Err(err(item.pos, FOLLOW_ON));
                    }
                    return Err(err(item.pos, format!("`{var}` is not a tensor: assign it a layer's result or `keras.Input(...)` first")));
                };
                inputs.push(Spanned::new(tensor.clone(), Loc::default()));
            }
        }
        if inputs.is_empty() {
            return Err(err(pos, "the layer is applied to no tensor"));
        }
        self.push_layer(layer, Some(inputs))?;
        let tensor = Ref::Layer(self.calls.len() - 1);
        self.last = Some(tensor.clone());
        Ok(tensor)
    }

    /// Adds a layer: its class and arguments as the DSL reads them.
    fn push_layer(
        &mut self,
        call: &Call,
        inputs: Option<Vec<Spanned<Ref>>>,
    ) -> Result<(), TextError> {
        let args = self.layer_args(call)?;
        let word = last_segment(&call.func);
        let class = Class::from_dsl_name(word).expect("layer_args checked the class");
        self.calls.push(LayerCall {
            class,
            word: word.to_string(),
            args,
            inputs,
            loc: Loc::default(),
            scope: None,
        });
        self.layers.push(call.func_pos);
        Ok(())
    }

    /// One layer call, e.g. `layers.Conv2D(32, (3, 3), activation='relu')`.
    fn layer(&mut self, node: &Node) -> Result<(), TextError> {
        let Expr::Call(call) = &node.expr else {
            return Err(err(node.pos, "expected a layer such as `layers.Dense(10)`"));
        };
        let class = last_segment(&call.func);
        if matches!(class, "Input" | "InputLayer") {
            for a in &call.args {
                match a.keyword.as_ref().map(|(k, _)| k.as_str()) {
                    None | Some("shape" | "input_shape") => self.input_shape(&a.value, false)?,
                    Some("batch_shape" | "batch_input_shape") => {
                        self.input_shape(&a.value, true)?
                    }
                    Some("name" | "dtype") => {}
                    Some(other) => {
                        return Err(err(
                            a.value.pos,
                            format!("`{class}` option `{other}` is not supported yet"),
                        ))
                    }
                }
            }
            return Ok(());
        }
        self.push_layer(call, None)
    }

    /// A layer's arguments as DSL values, each by keyword; the input shape,
    /// if given there, is recorded.
    fn layer_args(&mut self, call: &Call) -> Result<Vec<DslArg>, TextError> {
        let class = last_segment(&call.func);
        if Class::from_dsl_name(class).is_none() {
            return Err(err(
                call.func_pos,
                format!("layer `{class}` is not supported yet"),
            ));
        }
        let mut args = Vec::new();
        let positional = keras_positional(class);
        let mut position = 0;
        for a in &call.args {
            let key = match a.keyword.as_ref() {
                Some((k, _)) => k.as_str(),
                None => {
                    let Some(&name) = positional.get(position) else {
                        return Err(err(
                            a.value.pos,
                            format!(
                                "too many positional arguments: `{class}` takes {} ({})",
                                positional.len(),
                                positional.join(", ")
                            ),
                        ));
                    };
                    position += 1;
                    name
                }
            };
            // `None` is Keras' "the default" (`activation=None` is linear).
            let none = matches!(&self.resolve(&a.value).expr, Expr::Name(n) if n == "None");
            if none && key != "activation" {
                continue;
            }
            match key {
                "input_shape" => self.input_shape(&a.value, false)?,
                "batch_input_shape" => self.input_shape(&a.value, true)?,
                k if TRAINING_ONLY.contains(&k) => {}
                // Only shapes what training drops: nothing at inference.
                "noise_shape" => {}
                "data_format" => {
                    if self.string(&a.value)? != "channels_last" {
                        return Err(err(
                            a.value.pos,
                            "only `data_format='channels_last'` is supported",
                        ));
                    }
                }
                // Options whose only supported value is Keras' default.
                "axis" if class == "Softmax" => {
                    let default = "-1";
                    let is_default = match (key, &self.eval(&a.value)?.expr) {
                        ("axis", Expr::Int(-1)) => true,
                        ("axis", Expr::Tuple(items)) => {
                            matches!(
                                items.as_slice(),
                                [Node {
                                    expr: Expr::Int(-1),
                                    ..
                                }]
                            )
                        }
                        _ => false,
                    };
                    if !is_default {
                        return Err(err(
                            a.value.pos,
                            format!("`{key}` is not supported: only `{key}={default}`"),
                        ));
                    }
                }
                k => args.push(DslArg::keyword(k, self.value(&a.value)?)),
            }
        }
        Ok(args)
    }

    /// `(28, 28, 1)`, or with `batch` a leading `None`.
    fn input_shape(&mut self, node: &Node, batch: bool) -> Result<(), TextError> {
        let node = &self.eval(node)?;
        let Expr::Tuple(items) = &node.expr else {
            return Err(err(
                node.pos,
                "the input shape must be a tuple (height, width, channels)",
            ));
        };
        let skip = usize::from(
            batch && matches!(items.first().map(|n| &n.expr), Some(Expr::Name(n)) if n == "None"),
        );
        let dims: Vec<i64> = items[skip..]
            .iter()
            .map(|n| match &n.expr {
                Expr::Int(v) if *v > 0 => Ok(*v),
                Expr::Int(v) => Err(err(
                    n.pos,
                    format!("an input size of {v}: every size must be a positive integer"),
                )),
                Expr::Name(none) if none == "None" => {
                    Err(err(n.pos, super::UNKNOWN_SIZE.to_string()))
                }
                _ => Err(err(n.pos, "an input size must be an integer")),
            })
            .collect::<Result<_, _>>()?;
        if !(1..=3).contains(&dims.len()) {
            return Err(err(
                node.pos,
                format!(
                    "the input shape has {} sizes; images need (height, width, channels), sequences (steps, channels), vectors (n,)",
                    dims.len()
                ),
            ));
        }
        if self.input.is_some() {
            return Err(err(node.pos, "the input shape is given twice"));
        }
        self.input = Some((dims, node.pos));
        Ok(())
    }

    fn resolve<'n>(&'n self, node: &'n Node) -> &'n Node {
        match &node.expr {
            Expr::Name(n) => self.vars.get(n).map_or(node, |v| self.resolve(v)),
            _ => node,
        }
    }

    /// A value with names resolved and arithmetic computed.
    fn eval(&self, node: &Node) -> Result<Node, TextError> {
        self.eval_depth(node, 0)
    }

    fn eval_depth(&self, node: &Node, depth: usize) -> Result<Node, TextError> {
        if depth > MAX_NESTING {
            return Err(err(
                node.pos,
                "constants defined in terms of each other too deeply",
            ));
        }
        let node = self.resolve(node);
        let expr = match &node.expr {
            Expr::Tuple(items) => Expr::Tuple(
                items
                    .iter()
                    .map(|i| self.eval_depth(i, depth + 1))
                    .collect::<Result<_, _>>()?,
            ),
            Expr::Binary(op, a, b) => {
                let (a, b) = (
                    self.eval_depth(a, depth + 1)?,
                    self.eval_depth(b, depth + 1)?,
                );
                arithmetic(*op, &a, &b).ok_or_else(|| {
                    err(
                        node.pos,
                        format!("cannot compute this `{}` here", operator(*op)),
                    )
                })?
            }
            other => other.clone(),
        };
        Ok(Node {
            expr,
            pos: node.pos,
        })
    }

    fn string(&self, node: &Node) -> Result<String, TextError> {
        match &self.eval(node)?.expr {
            Expr::Str(s) => Ok(s.clone()),
            _ => Err(err(node.pos, "expected a string")),
        }
    }

    /// A Python value as a DSL value.
    fn value(&self, node: &Node) -> Result<Spanned<Dsl>, TextError> {
        let node = &self.eval(node)?;
        let value = match &node.expr {
            Expr::Int(n) => Dsl::Int(i128::from(*n)),
            Expr::Float(x) => Dsl::Float(*x),
            Expr::Str(s) => Dsl::Str(s.clone()),
            Expr::Name(n) if matches!(n.as_str(), "True" | "False" | "None") => {
                Dsl::Ident(n.clone())
            }
            // An activation given as the function: `tf.nn.relu`, `keras.activations.softmax`.
            Expr::Name(n)
                if n.contains('.')
                    && crate::spec::Activation::from_name(last_segment(n)).is_some() =>
            {
                Dsl::Str(last_segment(n).to_string())
            }
            Expr::Name(n) => {
                return Err(err(
                    node.pos,
                    format!("unknown name `{n}`: only constants assigned above can be used"),
                ))
            }
            Expr::Tuple(items) => Dsl::Tuple(
                items
                    .iter()
                    .map(|i| self.value(i))
                    .collect::<Result<_, _>>()?,
            ),
            Expr::Call(call) => {
                return Err(err(
                    call.func_pos,
                    format!("`{}(...)` as an argument is not supported yet", call.func),
                ))
            }
            Expr::Binary(..) => unreachable!("computed by eval"),
        };
        Ok(Spanned::new(value, Loc::default()))
    }
}

fn operator(op: char) -> &'static str {
    match op {
        '+' => "+",
        '-' => "-",
        '*' => "*",
        '/' => "/",
        'f' => "//",
        _ => "[]",
    }
}

/// Python's arithmetic on two computed values; `None` where Python would
/// fail or the result is not a plain number (or a tuple item).
fn arithmetic(op: char, a: &Node, b: &Node) -> Option<Expr> {
    if op == '[' {
        let (Expr::Tuple(items), Expr::Int(i)) = (&a.expr, &b.expr) else {
            return None;
        };
        let len = items.len() as i64;
        let i = if *i < 0 { *i + len } else { *i };
        return items.get(usize::try_from(i).ok()?).map(|n| n.expr.clone());
    }
    match (&a.expr, &b.expr) {
        (Expr::Int(x), Expr::Int(y)) => Some(match op {
            '+' => Expr::Int(x.checked_add(*y)?),
            '-' => Expr::Int(x.checked_sub(*y)?),
            '*' => Expr::Int(x.checked_mul(*y)?),
            '/' if *y != 0 => Expr::Float(*x as f64 / *y as f64),
            'f' if *y != 0 => Expr::Int(x.checked_div_euclid(*y)?),
            _ => return None,
        }),
        (Expr::Int(_) | Expr::Float(_), Expr::Int(_) | Expr::Float(_)) => {
            let float = |e: &Expr| match e {
                Expr::Int(i) => *i as f64,
                Expr::Float(x) => *x,
                _ => f64::NAN,
            };
            let (x, y) = (float(&a.expr), float(&b.expr));
            let value = match op {
                '+' => x + y,
                '-' => x - y,
                '*' => x * y,
                '/' if y != 0.0 => x / y,
                'f' if y != 0.0 => (x / y).floor(),
                _ => return None,
            };
            Some(Expr::Float(value))
        }
        _ => None,
    }
}

/// Keras 3's positional parameters of each layer, in order: a positional
/// argument in Keras code means what it means to Keras
/// (`Conv2D(16, 3, 2)` has strides 2).
fn keras_positional(class: &str) -> &'static [&'static str] {
    match class {
        "Conv2D" | "Convolution2D" | "Conv1D" | "Convolution1D" => &[
            "filters",
            "kernel_size",
            "strides",
            "padding",
            "data_format",
            "dilation_rate",
            "groups",
            "activation",
            "use_bias",
        ],
        "SeparableConv2D" | "SeparableConvolution2D" => &[
            "filters",
            "kernel_size",
            "strides",
            "padding",
            "data_format",
            "dilation_rate",
            "depth_multiplier",
            "activation",
            "use_bias",
        ],
        "Conv2DTranspose" | "Convolution2DTranspose" => &[
            "filters",
            "kernel_size",
            "strides",
            "padding",
            "output_padding",
            "data_format",
            "dilation_rate",
            "activation",
            "use_bias",
        ],
        "DepthwiseConv2D" => &[
            "kernel_size",
            "strides",
            "padding",
            "depth_multiplier",
            "data_format",
            "dilation_rate",
            "activation",
            "use_bias",
        ],
        "MaxPooling1D" | "MaxPool1D" | "AveragePooling1D" | "AvgPool1D" => {
            &["pool_size", "strides", "padding", "data_format"]
        }
        "GlobalMaxPooling1D" | "GlobalMaxPool1D" | "GlobalAveragePooling1D" | "GlobalAvgPool1D" => {
            &["data_format", "keepdims"]
        }
        "MaxPooling2D" | "MaxPool2D" | "AveragePooling2D" | "AvgPool2D" => {
            &["pool_size", "strides", "padding", "data_format"]
        }
        "GlobalMaxPooling2D" | "GlobalMaxPool2D" | "GlobalAveragePooling2D" | "GlobalAvgPool2D" => {
            &["data_format", "keepdims"]
        }
        "Flatten" => &["data_format"],
        "Dense" => &["units", "activation", "use_bias"],
        "Dropout" | "AlphaDropout" => &["rate", "noise_shape", "seed"],
        "SpatialDropout2D" => &["rate", "data_format", "seed"],
        "GaussianDropout" => &["rate", "seed"],
        "GaussianNoise" => &["stddev", "seed"],
        "ActivityRegularization" => &["l1", "l2"],
        "ReLU" => &["max_value", "negative_slope", "threshold"],
        "LeakyReLU" => &["negative_slope"],
        "Softmax" => &["axis"],
        "Activation" => &["activation"],
        "BatchNormalization" => &["axis", "momentum", "epsilon", "center", "scale"],
        "ZeroPadding2D" => &["padding", "data_format"],
        "Cropping2D" => &["cropping", "data_format"],
        "UpSampling2D" => &["size", "data_format", "interpolation"],
        "Rescaling" => &["scale", "offset"],
        "Normalization" => &["axis", "mean", "variance", "invert"],
        "LayerNormalization" => &["axis", "epsilon", "center", "scale"],
        "LayerScale" => &["init_values", "projection_dim"],
        "Reshape" => &["target_shape"],
        "Concatenate" => &["axis"],
        "CustomScaleLayer" => &["scale"],
        _ => &[],
    }
}

/// `x` itself, or the one item of `[x]`.
fn single(node: &Node) -> &Node {
    match &node.expr {
        Expr::Tuple(items) if items.len() == 1 => &items[0],
        _ => node,
    }
}

/// `message`, then the line of `source` (called `label`) with a caret under
/// `pos`, as rustc shows code.
pub fn render(label: &str, source: &str, pos: Pos, message: &str) -> String {
    let line_text = source
        .lines()
        .nth(pos.line.saturating_sub(1) as usize)
        .unwrap_or("");
    let number = pos.line.to_string();
    let gutter = " ".repeat(number.len());
    let indent: String = line_text
        .chars()
        .take(pos.column.saturating_sub(1))
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let carets = "^".repeat(
        pos.len.clamp(
            1,
            line_text
                .chars()
                .count()
                .saturating_sub(pos.column - 1)
                .max(1),
        ),
    );
    format!(
        "{message}\n{gutter}--> {label}, line {}, column {}\n{gutter} |\n{number} | {line_text}\n{gutter} | {indent}{carets}",
        pos.line, pos.column
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The layers read, written as DSL lines, to compare with what is expected.
    fn text(model: &KerasModel) -> String {
        fn value(v: &Dsl) -> String {
            match v {
                Dsl::Int(i) => i.to_string(),
                Dsl::Float(x) => format!("{x:?}"),
                Dsl::Str(s) => format!("{s:?}"),
                Dsl::Ident(s) => s.clone(),
                Dsl::Kernel(h, w) => format!("{h}x{w}"),
                Dsl::Tuple(items) => {
                    let items: Vec<String> = items.iter().map(|i| value(&i.value)).collect();
                    format!("({})", items.join(", "))
                }
            }
        }
        let dims: Vec<String> = model.input.iter().map(ToString::to_string).collect();
        let mut out = format!("input({});\n", dims.join(", "));
        for call in &model.layers {
            let args: Vec<String> = call
                .args
                .iter()
                .map(|a| {
                    let key = a
                        .keyword
                        .as_ref()
                        .map_or(String::new(), |k| format!("{} = ", k.value));
                    format!(
                        "{key}{}",
                        a.value.as_ref().map_or(String::new(), |v| value(&v.value))
                    )
                })
                .collect();
            out.push_str(&format!("{}({})\n", call.word, args.join(", ")));
        }
        out
    }

    #[test]
    fn both_keras_forms_give_the_same_body() {
        let add = "
import keras
from keras.layers import Conv2D, MaxPooling2D, Flatten, Dense

model = Sequential()  # the seed model
model.add(Conv2D(32, kernel_size=(3, 3),padding=\"valid\", input_shape=(28, 28, 1), activation='relu'))
model.add(MaxPooling2D(pool_size=(2, 2), strides=(2, 2), padding='valid'))
model.add(Flatten())
model.add(Dense(10, activation=\"softmax\",))
model.summary()
";
        let list = "
model = keras.Sequential([
    keras.Input(shape=(28, 28, 1)),
    layers.Conv2D(32, kernel_size=(3, 3), padding=\"valid\", activation='relu'),
    tf.keras.layers.MaxPooling2D(pool_size=(2, 2), strides=(2, 2), padding='valid'),
    keras.layers.Flatten(),
    layers.Dense(10, activation=\"softmax\"),
], name='seed')
";
        let a = parse(add).unwrap();
        let b = parse(list).unwrap();
        assert_eq!(text(&a.model), text(&b.model));
        assert_eq!(b.model.name, "seed");
        assert_eq!(a.layers.len(), 4);
        assert_eq!((a.layers[0].line, a.layers[0].column), (6, 11));
        assert_eq!((b.layers[1].line, b.layers[1].column), (5, 5));
        assert!(text(&a.model).starts_with("input(28, 28, 1);\nConv2D(filters = 32, kernel_size = (3, 3), padding = \"valid\", activation = \"relu\")\n"));
    }

    /// Skipped text is measured in bytes: non-ASCII docstrings, comments in
    /// skipped blocks and text after a syntax error are stepped over whole.
    /// (Found by `cargo fuzz`: `,` then U+064C once looped forever.)
    #[test]
    fn non_ascii_text_is_skipped_in_bytes() {
        let errors = parse_all(",\u{64c}").unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!((errors[0].pos.line, errors[0].pos.column), (1, 1));
        let source = "\"\"\"Modèle — réseau à convolution.\"\"\"\nif rápido:\n    x = 'é'\nmodel = Sequential()\nmodel.add(Flatten(input_shape=(2, 2, 1)))  # fin ✓\n";
        let e = parse(source).unwrap_err();
        assert_eq!((e.pos.line, e.pos.column), (2, 1), "{}", e.message);
        let source = "\"\"\"Modèle\"\"\"\nmodel = Sequential()\nmodel.add(Flatten(input_shape=(2, 2, 1)))  # fin ✓\n";
        assert_eq!(
            text(&parse(source).unwrap().model),
            "input(2, 2, 1);\nFlatten()\n"
        );
    }

    #[test]
    fn constants_and_build_are_understood() {
        let source = "num_classes = 10\nshape = (32, 32, 3)\nmodel = Sequential()\nmodel.add(Dense(num_classes))\nmodel.build((None,) + ())\n";
        // Tuples do not add up: an error at the `+`.
        let e = parse(source).unwrap_err();
        assert_eq!((e.pos.line, e.pos.column), (5, 21));
        let source = "num_classes = 10\nmodel = Sequential()\nmodel.add(Flatten())\nmodel.add(Dense(num_classes))\nmodel.build((None, 4, 4, 2))\n";
        assert_eq!(
            text(&parse(source).unwrap().model),
            "input(4, 4, 2);\nFlatten()\nDense(units = 10)\n"
        );
    }

    /// What real Keras scripts hold besides the model: docstrings, imports in
    /// parentheses, an optimizer, `compile`, `fit`, prints, a layer list in a
    /// variable, `padding='Same'`, activations as functions, arithmetic.
    #[test]
    fn python_around_the_model_is_read_as_python() {
        let source = r#""""A CNN for MNIST.

It has "quotes" and (brackets) in its docstring.
"""
from tensorflow.keras.layers import (
    Conv2D,
    Dense,
)
import numpy as np
np.random.seed(42)
filters = 16
input_shape = (28, 28, 1)
net = [
    keras.Input(shape=input_shape),
    layers.Rescaling(1./255),
    Conv2D(2 * filters, 3, 2, 'Same', activation=tf.nn.relu),
    layers.Flatten(),
    Dense(10, activation=keras.activations.softmax),
]
model = keras.Sequential(net, name="mnist")
opt = keras.optimizers.Adam(learning_rate=1e-3)
model.compile(optimizer=opt, loss="categorical_crossentropy")
history = model.fit(x_train, y_train, epochs=3)
print(history.history)
"#;
        let keras = parse(source).unwrap();
        assert_eq!(
            text(&keras.model),
            "input(28, 28, 1);\nRescaling(scale = 0.00392156862745098)\n\
             Conv2D(filters = 32, kernel_size = 3, strides = 2, padding = \"Same\", activation = \"relu\")\n\
             Flatten()\nDense(units = 10, activation = \"softmax\")\n"
        );
        assert_eq!(keras.model.name, "mnist");
    }

    /// Keras' signature: a third positional argument of Conv2D is `strides`.
    /// Every mistake in the file is reported, each at its place; loops and
    /// conditions say what they are.
    #[test]
    fn every_mistake_is_reported_at_its_place() {
        let text = "model = Sequential()
model.add(Conv2D(16, 3, 2, 'same', None, 1, 1, 'relu', True, 7))
for i in range(3):
    model.add(Dense(8))
model.add(Lambda(f))
if big:
    model.add(Dense(64))
model.add(Dense(10)
";
        let errors = parse_all(text).unwrap_err();
        let at: Vec<(u32, usize)> = errors.iter().map(|e| (e.pos.line, e.pos.column)).collect();
        assert_eq!(at, [(2, 62), (3, 1), (5, 11), (6, 1), (9, 1)], "{errors:?}");
        assert!(errors[0].message.contains("too many positional arguments"));
        assert!(errors[1].message.starts_with("`for` is not supported"));
        assert!(errors[2].message.contains("`Lambda` is not supported"));
        assert!(errors[3].message.starts_with("`if` is not supported"));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let text = format!(
            "model = Sequential({}{})",
            "(".repeat(100_000),
            ")".repeat(100_000)
        );
        assert!(parse(&text)
            .unwrap_err()
            .message
            .contains("nested more than"));
    }

    #[test]
    fn unsupported_constructs_are_named_at_their_place() {
        let lambda = "model = Sequential([Input(shape=(8, 8, 1)),\n  layers.Lambda(double)])";
        let e = parse(lambda).unwrap_err();
        assert_eq!(e.message, "layer `Lambda` is not supported yet");
        assert_eq!((e.pos.line, e.pos.column), (2, 3));
        let e =
            parse("model = Sequential([Input(shape=(8, 8, 1)),\n  layers.Lambda(lambda x: x)])")
                .unwrap_err();
        assert_eq!((e.pos.line, e.pos.column), (2, 24));
        let functional = "inputs = keras.Input(shape=(8, 8, 1))\nx = layers.Dense(3)(inputs)";
        assert!(parse(functional).unwrap_err().message.contains("no model"));
        let e = parse("inputs = keras.Input(shape=(8, 8, 1))\nx = layers.Dense(3)(y)").unwrap_err();
        assert!(e.message.contains("`y` is not a tensor"), "{}", e.message);
        assert_eq!((e.pos.line, e.pos.column), (2, 21));
        let e = parse(
            "model = Sequential()\nmodel.add(Dense(3, kernel_initializer='he_normal', foo=bar))",
        )
        .unwrap_err();
        assert!(e.message.contains("unknown name `bar`"), "{}", e.message);
    }
}
