//! Diagnostics as values: every front-end and check pushes into a [`Diagnostics`]
//! and carries on, so independent mistakes are reported in one compile.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use std::fmt;

/// Where a diagnostic points: the first and last token of the culprit.
///
/// Two spans rather than one because `Span::join` is not available to proc macros
/// on stable; `syn::Error::new_spanned` underlines from `start` to `end` instead.
#[derive(Clone, Copy, Debug)]
pub struct Loc {
    pub start: Span,
    pub end: Span,
}

impl Loc {
    pub fn new(start: Span, end: Span) -> Self {
        Loc { start, end }
    }

    pub fn span(span: Span) -> Self {
        Loc::new(span, span)
    }

    /// The location of a token stream: its first to its last token.
    pub fn of(tokens: &impl ToTokens) -> Self {
        let mut iter = tokens.to_token_stream().into_iter();
        let start = iter.next().map_or_else(Span::call_site, |t| t.span());
        let end = iter.last().map_or(start, |t| t.span());
        Loc::new(start, end)
    }

    /// From the start of `self` to the end of `other`.
    pub fn to(self, other: Loc) -> Self {
        Loc::new(self.start, other.end)
    }
}

impl Default for Loc {
    fn default() -> Self {
        Loc::span(Span::call_site())
    }
}

/// One error: a message that points at the token the user must change, with
/// optional `note:` and `help:` lines.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub loc: Loc,
    pub message: String,
    pub notes: Vec<String>,
    pub help: Option<String>,
    /// The index of the layer it is about, if any: text front-ends map it back
    /// to a line and column of their source.
    pub layer: Option<usize>,
}

impl Diagnostic {
    pub fn new(loc: Loc, message: impl Into<String>) -> Self {
        Diagnostic {
            loc,
            message: message.into(),
            notes: Vec::new(),
            help: None,
            layer: None,
        }
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// A `syn::Error` whose `compile_error!` underlines `loc`.
    pub fn to_syn_error(&self) -> syn::Error {
        let mut range = TokenStream::new();
        range.extend(quote::quote_spanned!(self.loc.start=> start));
        range.extend(quote::quote_spanned!(self.loc.end=> end));
        syn::Error::new_spanned(range, self.to_string())
    }
}

/// The message, then each note and the help on a line of its own, the way rustc
/// prints them (proc macros on stable Rust cannot attach real sub-diagnostics).
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        for note in &self.notes {
            write!(f, "\n  = note: {note}")?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n  = help: {help}")?;
        }
        Ok(())
    }
}

/// The diagnostics of one compile, in the order they were found.
#[derive(Clone, Debug, Default)]
pub struct Diagnostics {
    list: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `diagnostic`; names from the model file in it are made
    /// [`printable`](crate::names::printable_lines) (line breaks kept), as
    /// rustc and `cnnc` write messages to terminals as they are.
    pub fn push(&mut self, mut diagnostic: Diagnostic) {
        let clean = |text: &mut String| {
            if let std::borrow::Cow::Owned(shown) = crate::names::printable_lines(text) {
                *text = shown;
            }
        };
        clean(&mut diagnostic.message);
        diagnostic.notes.iter_mut().for_each(clean);
        if let Some(help) = &mut diagnostic.help {
            clean(help);
        }
        self.list.push(diagnostic);
    }

    pub fn error(&mut self, loc: Loc, message: impl Into<String>) {
        self.push(Diagnostic::new(loc, message));
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Each diagnostic once: the same message about the same place found by
    /// two checks is reported once.
    pub fn iter(&self) -> std::vec::IntoIter<&Diagnostic> {
        let mut seen = std::collections::HashSet::new();
        self.list
            .iter()
            .filter(|d| {
                seen.insert(format!(
                    "{:?} {:?} {:?} {} {:?} {:?}",
                    d.loc.start, d.loc.end, d.layer, d.message, d.notes, d.help
                ))
            })
            .collect::<Vec<_>>()
            .into_iter()
    }

    /// Marks the diagnostics pushed since `since` (a former `len()`) as being
    /// about layer `layer`, unless they already name one.
    pub fn tag_layer(&mut self, since: usize, layer: usize) {
        for d in self.list.iter_mut().skip(since) {
            d.layer.get_or_insert(layer);
        }
    }

    /// All diagnostics as `compile_error!` invocations, one per diagnostic.
    pub fn to_compile_errors(&self) -> TokenStream {
        self.iter()
            .map(|d| d.to_syn_error().to_compile_error())
            .collect()
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        let unique: Vec<Diagnostic> = self.iter().cloned().collect();
        unique.into_iter()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::vec::IntoIter<&'a Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "error: {d}")?;
        }
        Ok(())
    }
}
