//! Binding a layer's arguments (positional and `key = value`) to its parameters,
//! and converting each to the type the layer needs. Every problem is pushed into
//! the diagnostics; a parameter that failed reads as absent.

use super::value::{parse_value, split_commas, split_keyword, Value, MAX_SIZE};
use crate::diag::{Diagnostic, Diagnostics, Loc};
use crate::names::closest;
use crate::spec::{Activation, Padding, Pair, Spanned};
use proc_macro2::TokenTree;

/// The parameters a layer takes: `positional` in order, all of them (and more)
/// accepted by keyword, `aliases` mapping other keywords onto them.
pub struct Schema {
    pub positional: &'static [&'static str],
    pub keywords: &'static [&'static str],
    pub aliases: &'static [(&'static str, &'static str)],
}

impl Schema {
    fn canonical(&self, keyword: &str) -> Option<&'static str> {
        self.keywords
            .iter()
            .copied()
            .find(|k| *k == keyword)
            .or_else(|| {
                self.aliases
                    .iter()
                    .find(|(a, _)| *a == keyword)
                    .map(|(_, k)| *k)
            })
    }
}

/// One argument as a front-end read it: `key = value`, or a positional value.
#[derive(Clone, Debug)]
pub struct Arg {
    pub keyword: Option<Spanned<String>>,
    /// `None` when the value could not be read (and that was reported).
    pub value: Option<Spanned<Value>>,
    /// The whole argument.
    pub loc: Loc,
}

impl Arg {
    pub fn positional(value: Spanned<Value>) -> Arg {
        let loc = value.loc;
        Arg {
            keyword: None,
            value: Some(value),
            loc,
        }
    }

    pub fn keyword(key: &str, value: Spanned<Value>) -> Arg {
        let loc = value.loc;
        Arg {
            keyword: Some(Spanned::new(key.to_string(), loc)),
            value: Some(value),
            loc,
        }
    }
}

/// The arguments in the tokens between a layer's parentheses.
pub fn arguments(tokens: Vec<TokenTree>, diags: &mut Diagnostics) -> Vec<Arg> {
    let mut args = Vec::new();
    for piece in split_commas(tokens) {
        let loc = super::value::loc_of(&piece);
        let (keyword, rest) = match split_keyword(&piece) {
            Some((key, rest)) => (
                Some(Spanned::new(key.to_string(), Loc::span(key.span()))),
                rest,
            ),
            None => (None, &piece[..]),
        };
        let value = parse_value(rest).map_err(|d| diags.push(d)).ok();
        args.push(Arg {
            keyword,
            value,
            loc,
        });
    }
    args
}

/// A layer's arguments by parameter name.
pub struct Args<'d> {
    layer: String,
    /// How many diagnostics existed before binding: more now means a failure.
    diags_before: usize,
    values: Vec<(&'static str, Spanned<Value>)>,
    /// Parameters given with a value that could not be read (reported).
    unreadable: Vec<&'static str>,
    diags: &'d mut Diagnostics,
}

impl<'d> Args<'d> {
    /// Binds `tokens` (the inside of the parentheses, if any) to `schema`.
    pub fn bind(
        layer: &str,
        schema: &Schema,
        tokens: Vec<TokenTree>,
        diags: &'d mut Diagnostics,
    ) -> Args<'d> {
        let args = arguments(tokens, diags);
        Args::bind_values(layer, schema, args, diags)
    }

    /// Binds arguments already read (by any front-end) to `schema`.
    pub fn bind_values(
        layer: &str,
        schema: &Schema,
        args: Vec<Arg>,
        diags: &'d mut Diagnostics,
    ) -> Args<'d> {
        let diags_before = diags.len();
        let mut values: Vec<(&'static str, Spanned<Value>)> = Vec::new();
        let mut unreadable: Vec<&'static str> = Vec::new();
        let mut positional = schema.positional.iter();
        let mut seen_keyword = false;
        for Arg {
            keyword,
            value,
            loc,
        } in args
        {
            let name = if let Some(key) = keyword {
                seen_keyword = true;
                let Some(name) = schema.canonical(&key.value) else {
                    diags.push(unknown_option(layer, schema, &key.value, key.loc));
                    continue;
                };
                name
            } else {
                if seen_keyword {
                    diags.error(
                        loc,
                        "positional arguments must come before `key = value` ones",
                    );
                    continue;
                }
                let Some(&name) = positional.next() else {
                    let mut d = Diagnostic::new(loc, format!("too many arguments for `{layer}`"));
                    d = d.help(if schema.positional.is_empty() {
                        format!("`{layer}` takes no positional arguments")
                    } else {
                        format!(
                            "`{layer}` takes at most {} positional argument{} ({}); pass others as `key = value`",
                            schema.positional.len(),
                            if schema.positional.len() == 1 { "" } else { "s" },
                            schema.positional.join(", ")
                        )
                    });
                    diags.push(d);
                    continue;
                };
                name
            };
            // A value that could not be read was reported where it was read;
            // the parameter counts as given (no "needs ..." after it).
            let Some(value) = value else {
                unreadable.push(name);
                continue;
            };
            if values.iter().any(|(n, _)| *n == name) {
                diags.push(
                    Diagnostic::new(value.loc, format!("`{name}` is given twice"))
                        .note("each option may be given once, by position or by keyword"),
                );
                continue;
            }
            values.push((name, value));
        }
        Args {
            layer: layer.to_string(),
            diags_before,
            values,
            unreadable,
            diags,
        }
    }

    pub fn diags(&mut self) -> &mut Diagnostics {
        self.diags
    }

    /// Whether anything about these arguments was reported.
    pub fn failed(&self) -> bool {
        self.diags.len() > self.diags_before
    }

    pub fn has(&self, name: &str) -> bool {
        self.values.iter().any(|(n, _)| *n == name)
    }

    pub fn take(&mut self, name: &str) -> Option<Spanned<Value>> {
        let i = self.values.iter().position(|(n, _)| *n == name)?;
        Some(self.values.remove(i).1)
    }

    /// A required parameter; reports it missing at `at`.
    pub fn require(&mut self, name: &str, at: Loc, what: &str) -> Option<Spanned<Value>> {
        let value = self.take(name);
        if value.is_none() && !self.unreadable.contains(&name) {
            self.diags.push(
                Diagnostic::new(at, format!("`{}` needs {what} (`{name}`)", self.layer))
                    .help(format!("for example `{}`", example(&self.layer))),
            );
        }
        value
    }

    fn wrong_type(&mut self, value: &Spanned<Value>, name: &str, expected: &str) {
        self.diags.error(
            value.loc,
            format!(
                "`{name}` of `{}` must be {expected}, found {}",
                self.layer,
                value.value.describe()
            ),
        );
    }

    /// A positive size.
    pub fn size(&mut self, value: Spanned<Value>, name: &str) -> Option<Spanned<usize>> {
        match value.value {
            Value::Int(i) => self
                .check_size(i, value.loc, name)
                .map(|n| Spanned::new(n, value.loc)),
            _ => {
                self.wrong_type(&value, name, "a positive integer");
                None
            }
        }
    }

    fn check_size(&mut self, i: i128, loc: Loc, name: &str) -> Option<usize> {
        if i < 1 {
            let what = if i == 0 { "zero" } else { "negative" };
            self.diags.error(
                loc,
                format!(
                    "`{name}` of `{}` must be at least 1, found {i} ({what})",
                    self.layer
                ),
            );
            None
        } else if i as u128 > u128::from(MAX_SIZE) {
            self.diags.error(
                loc,
                format!(
                    "`{name}` of `{}` is too large: {i} (at most {MAX_SIZE})",
                    self.layer
                ),
            );
            None
        } else {
            usize::try_from(i).ok()
        }
    }

    /// A height/width pair: `3`, `3x5`, `(3, 5)` or `[3, 5]`.
    pub fn pair(&mut self, value: Spanned<Value>, name: &str) -> Option<Spanned<Pair>> {
        let loc = value.loc;
        let pair = match &value.value {
            Value::Int(n) => {
                let n = self.check_size(*n, loc, name)?;
                Pair::square(n)
            }
            Value::Kernel(h, w) => {
                let h = self.check_size(i128::from(*h), loc, name);
                let w = self.check_size(i128::from(*w), loc, name);
                Pair { h: h?, w: w? }
            }
            Value::Tuple(items) if items.len() == 2 => {
                let mut sizes = [0usize; 2];
                let mut ok = true;
                for (slot, item) in sizes.iter_mut().zip(items) {
                    match item.value {
                        Value::Int(i) => match self.check_size(i, item.loc, name) {
                            Some(n) => *slot = n,
                            None => ok = false,
                        },
                        _ => {
                            self.wrong_type(item, name, "a positive integer");
                            ok = false;
                        }
                    }
                }
                if !ok {
                    return None;
                }
                Pair {
                    h: sizes[0],
                    w: sizes[1],
                }
            }
            _ => {
                self.wrong_type(&value, name, "a size: `3`, `3x5` or `(3, 5)`");
                return None;
            }
        };
        Some(Spanned::new(pair, loc))
    }

    pub fn activation(&mut self, value: Spanned<Value>) -> Option<Activation> {
        let name = match &value.value {
            Value::Ident(s) | Value::Str(s) => s.clone(),
            _ => {
                self.wrong_type(&value, "activation", "an activation name such as `relu`");
                return None;
            }
        };
        let activation = Activation::from_name(&name);
        if activation.is_none() {
            let mut d = Diagnostic::new(value.loc, format!("unknown activation `{name}`"));
            d = match closest(&name, Activation::NAMES) {
                Some(near) => d.help(format!("did you mean `{near}`?")),
                None => d.help(format!(
                    "known activations: {}",
                    Activation::NAMES.join(", ")
                )),
            };
            self.diags.push(d);
        }
        activation
    }

    pub fn padding(&mut self, value: Spanned<Value>) -> Option<Padding> {
        match &value.value {
            // Keras lower-cases it: `'Same'` is `same`.
            Value::Ident(s) | Value::Str(s) => match s.to_ascii_lowercase().as_str() {
                "valid" => Some(Padding::Valid),
                "same" => Some(Padding::Same),
                other => {
                    self.diags.push(
                        Diagnostic::new(value.loc, format!("unknown padding `{other}`"))
                            .help("padding is `valid` (the default) or `same`"),
                    );
                    None
                }
            },
            _ => {
                self.wrong_type(&value, "padding", "`valid` or `same`");
                None
            }
        }
    }

    pub fn boolean(&mut self, value: Spanned<Value>, name: &str) -> Option<bool> {
        match &value.value {
            Value::Ident(s) if s == "true" || s == "True" => Some(true),
            Value::Ident(s) if s == "false" || s == "False" => Some(false),
            _ => {
                self.wrong_type(&value, name, "`true` or `false`");
                None
            }
        }
    }

    /// A finite number in `range` (closed).
    pub fn number(
        &mut self,
        value: Spanned<Value>,
        name: &str,
        range: std::ops::RangeInclusive<f64>,
    ) -> Option<f32> {
        let x = match value.value {
            Value::Int(i) => i as f64,
            Value::Float(x) => x,
            _ => {
                self.wrong_type(&value, name, "a number");
                return None;
            }
        };
        if !range.contains(&x) {
            self.diags.error(
                value.loc,
                format!(
                    "`{name}` of `{}` must be between {} and {}, found {x}",
                    self.layer,
                    range.start(),
                    range.end()
                ),
            );
            return None;
        }
        Some(x as f32)
    }

    /// An integer, negative ones included (an axis).
    pub fn integer(&mut self, value: Spanned<Value>, name: &str) -> Option<Spanned<i64>> {
        match value.value {
            Value::Int(i) if i.unsigned_abs() <= u128::from(MAX_SIZE) => {
                Some(Spanned::new(i as i64, value.loc))
            }
            _ => {
                self.wrong_type(&value, name, "an integer");
                None
            }
        }
    }

    /// A target shape: `(7, 7, 32)`, `(-1,)` (one `-1` is inferred).
    pub fn shape(&mut self, value: Spanned<Value>, name: &str) -> Option<Spanned<Vec<i64>>> {
        let items = match &value.value {
            Value::Tuple(items) => items.clone(),
            Value::Int(_) => vec![value.clone()],
            _ => {
                self.wrong_type(
                    &value,
                    name,
                    "a tuple of sizes such as `(7, 7, 32)` or `(-1,)`",
                );
                return None;
            }
        };
        let mut dims = Vec::with_capacity(items.len());
        for item in items {
            dims.push(self.integer(item, name)?.value);
        }
        Some(Spanned::new(dims, value.loc))
    }

    /// ZeroPadding2D's `padding`: `1`, `(1, 2)` (rows, columns) or
    /// `((top, bottom), (left, right))`, as `[top, bottom, left, right]`.
    /// ZeroPadding2D's `padding` or Cropping2D's `cropping` (`name`): rows
    /// and columns, each side.
    pub fn padding_sizes(&mut self, value: Spanned<Value>, name: &str) -> Option<[usize; 4]> {
        let size = |args: &mut Self, v: &Spanned<Value>| match v.value {
            Value::Int(i) if (0..=i128::from(MAX_SIZE)).contains(&i) => Some(i as usize),
            _ => {
                args.wrong_type(v, name, "a size of 0 or more");
                None
            }
        };
        match &value.value {
            Value::Int(_) => {
                let n = size(self, &value)?;
                Some([n; 4])
            }
            Value::Tuple(pair) if pair.len() == 2 => match (&pair[0].value, &pair[1].value) {
                (Value::Tuple(rows), Value::Tuple(cols)) if rows.len() == 2 && cols.len() == 2 => {
                    Some([
                        size(self, &rows[0])?,
                        size(self, &rows[1])?,
                        size(self, &cols[0])?,
                        size(self, &cols[1])?,
                    ])
                }
                _ => {
                    let (h, w) = (size(self, &pair[0])?, size(self, &pair[1])?);
                    Some([h, h, w, w])
                }
            },
            _ => {
                self.wrong_type(
                    &value,
                    name,
                    "`1`, `(rows, columns)` or `((top, bottom), (left, right))`",
                );
                None
            }
        }
    }

    /// A choice written as an identifier or a string: `nearest` or `"nearest"`.
    pub fn string_or_ident(
        &mut self,
        value: Spanned<Value>,
        name: &str,
    ) -> Option<Spanned<String>> {
        match value.value {
            Value::Str(s) | Value::Ident(s) => Some(Spanned::new(s, value.loc)),
            _ => {
                self.wrong_type(&value, name, "a name");
                None
            }
        }
    }

    pub fn string(&mut self, value: Spanned<Value>, name: &str) -> Option<Spanned<String>> {
        match value.value {
            Value::Str(s) => Some(Spanned::new(s, value.loc)),
            _ => {
                self.wrong_type(&value, name, "a string");
                None
            }
        }
    }
}

fn unknown_option(layer: &str, schema: &Schema, key: &str, loc: Loc) -> Diagnostic {
    let known = schema
        .keywords
        .iter()
        .chain(schema.aliases.iter().map(|(a, _)| a))
        .copied();
    let d = Diagnostic::new(loc, format!("unknown option `{key}` for `{layer}`"));
    match closest(key, known) {
        Some(near) => d.help(format!("did you mean `{near}`?")),
        None => d.help(format!("`{layer}` accepts: {}", schema.keywords.join(", "))),
    }
}

/// A minimal correct use of a layer, for "needs ..." help lines.
fn example(layer: &str) -> String {
    match crate::spec::Class::from_dsl_name(layer) {
        Some(crate::spec::Class::Conv2D) => format!("{layer}(32, 3x3, relu)"),
        Some(crate::spec::Class::Dense) => format!("{layer}(128, relu)"),
        Some(crate::spec::Class::Activation) => format!("{layer}(relu)"),
        _ if layer == "input" => "input(28, 28, 1);".to_string(),
        _ => format!("{layer}(2)"),
    }
}
