//! Argument values of the DSL: `32`, `3x3`, `(3, 5)`, `-1`, `0.5`, `relu`,
//! `"same"`, `true`, read from raw tokens so that one bad argument is reported
//! and the rest of the layer still checked.

use crate::diag::{Diagnostic, Loc};
use crate::spec::Spanned;
use proc_macro2::{Delimiter, Spacing, TokenTree};

/// Sizes are read as `u32` so that products of a few of them never overflow `u64`.
pub const MAX_SIZE: u64 = u32::MAX as u64;

#[derive(Clone, Debug)]
pub enum Value {
    Int(i128),
    Float(f64),
    /// `3x5`: rustc lexes it as the integer 3 with the suffix `x5`.
    Kernel(u64, u64),
    Str(String),
    Ident(String),
    Tuple(Vec<Spanned<Value>>),
}

impl Value {
    /// What kind of value this is, for "expected X, found Y" messages.
    pub fn describe(&self) -> String {
        match self {
            Value::Int(i) => format!("the integer `{i}`"),
            Value::Float(x) => format!("the number `{x}`"),
            Value::Kernel(h, w) => format!("the size `{h}x{w}`"),
            Value::Str(s) => format!("the string \"{s}\""),
            Value::Ident(s) => format!("`{s}`"),
            Value::Tuple(items) => format!("a tuple of {} values", items.len()),
        }
    }
}

/// The location of a non-empty token slice.
pub fn loc_of(tokens: &[TokenTree]) -> Loc {
    match (tokens.first(), tokens.last()) {
        (Some(first), Some(last)) => Loc::new(first.span(), last.span()),
        _ => Loc::default(),
    }
}

/// Splits tokens at top-level commas (nested groups are single tokens already).
/// Empty pieces (a trailing comma) are dropped.
pub fn split_commas(tokens: Vec<TokenTree>) -> Vec<Vec<TokenTree>> {
    let mut pieces = vec![Vec::new()];
    for token in tokens {
        match &token {
            TokenTree::Punct(p) if p.as_char() == ',' => pieces.push(Vec::new()),
            _ => pieces.last_mut().expect("never empty").push(token),
        }
    }
    pieces.retain(|p| !p.is_empty());
    pieces
}

/// Parses one value from a complete token slice.
pub fn parse_value(tokens: &[TokenTree]) -> Result<Spanned<Value>, Diagnostic> {
    let loc = loc_of(tokens);
    match tokens {
        [] => Err(Diagnostic::new(loc, "expected a value")),
        [TokenTree::Literal(lit)] => parse_literal(lit, false).map(|v| Spanned::new(v, loc)),
        [TokenTree::Punct(minus), TokenTree::Literal(lit)] if minus.as_char() == '-' => {
            parse_literal(lit, true).map(|v| Spanned::new(v, loc))
        }
        [TokenTree::Ident(ident)] => Ok(Spanned::new(Value::Ident(ident.to_string()), loc)),
        [TokenTree::Group(group)]
            if matches!(
                group.delimiter(),
                Delimiter::Parenthesis | Delimiter::Bracket
            ) =>
        {
            let mut items = Vec::new();
            for piece in split_commas(group.stream().into_iter().collect()) {
                items.push(parse_value(&piece)?);
            }
            Ok(Spanned::new(Value::Tuple(items), loc))
        }
        [TokenTree::Group(group)] if group.delimiter() == Delimiter::None => {
            // Tokens passed through a `macro_rules!` fragment arrive wrapped in an
            // invisible group.
            parse_value(&group.stream().into_iter().collect::<Vec<_>>())
        }
        _ => Err(Diagnostic::new(
            loc,
            format!(
                "expected a value (a number, `3x3`, a tuple, a name or a string), found `{}`",
                tokens
                    .iter()
                    .map(|t| t.to_string())
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        )),
    }
}

fn parse_literal(lit: &proc_macro2::Literal, negative: bool) -> Result<Value, Diagnostic> {
    let loc = Loc::span(lit.span());
    let sign = if negative { -1 } else { 1 };
    let text = lit.to_string();
    if ["0x", "0o", "0b", "0X", "0O", "0B"]
        .iter()
        .any(|prefix| text.starts_with(prefix))
    {
        return Err(Diagnostic::new(
            loc,
            format!("`{text}` is not a decimal number: sizes and options are written in decimal"),
        )
        .help("a kernel of 3 by 5 is written `3x5` or `(3, 5)`"));
    }
    match syn::Lit::new(lit.clone()) {
        syn::Lit::Int(int) => {
            let digits: u64 = int.base10_parse().map_err(|_| {
                Diagnostic::new(
                    loc,
                    format!("the number `{}` is too large", int.base10_digits()),
                )
            })?;
            match int.suffix() {
                "" | "u8" | "u16" | "u32" | "u64" | "usize" | "i8" | "i16" | "i32" | "i64"
                | "isize" => Ok(Value::Int(sign * i128::from(digits))),
                suffix => match parse_kernel_suffix(suffix) {
                    Some(w) if !negative => Ok(Value::Kernel(digits, w)),
                    _ => Err(Diagnostic::new(
                        loc,
                        format!("cannot read `{lit}`: expected a number or a size such as `3x3`"),
                    )),
                },
            }
        }
        syn::Lit::Float(float) => {
            let x: f64 = float
                .base10_parse()
                .map_err(|e| Diagnostic::new(loc, format!("cannot read `{lit}`: {e}")))?;
            Ok(Value::Float(if negative { -x } else { x }))
        }
        syn::Lit::Str(s) if !negative => Ok(Value::Str(s.value())),
        _ => Err(Diagnostic::new(
            loc,
            format!("expected a number, a size such as `3x3`, a name or a string, found `{lit}`"),
        )),
    }
}

/// `x5` → 5 (the width of `3x5`).
fn parse_kernel_suffix(suffix: &str) -> Option<u64> {
    let digits = suffix.strip_prefix('x')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// `name = value`: an identifier followed by a lone `=`.
pub fn split_keyword(tokens: &[TokenTree]) -> Option<(&proc_macro2::Ident, &[TokenTree])> {
    match tokens {
        [TokenTree::Ident(ident), TokenTree::Punct(eq), rest @ ..]
            if eq.as_char() == '=' && eq.spacing() == Spacing::Alone =>
        {
            Some((ident, rest))
        }
        _ => None,
    }
}
