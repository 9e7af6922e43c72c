//! Python source → syntax tree (rustpython's parser), with positions as the
//! rest of the reader gives them (line, column in characters) and the guards
//! that keep a hostile file from overflowing the stack.

use super::super::keras_py::{Pos, TextError};
use rustpython_parser::ast::{self, Ranged};
use rustpython_parser::lexer::lex;
use rustpython_parser::text_size::TextRange;
use rustpython_parser::{Mode, Parse, StringKind, Tok};

/// Operators, brackets and keywords allowed in one logical line. A syntax
/// tree is at most this deep (each level needs one of them), so that building,
/// reading and dropping it never overflows the stack; real model code stays
/// far below (a long layer call has a few dozen).
pub const MAX_OPERATORS_PER_LINE: usize = 1_000;

/// Blocks nested in blocks (CPython stops at 100 too).
pub const MAX_INDENTATION: usize = 100;

/// Where each line starts, to turn the parser's byte offsets into the lines
/// and character columns diagnostics show.
pub struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    pub fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines { text, starts }
    }

    /// The position of bytes `start..end` of the text.
    pub fn pos(&self, start: usize, end: usize) -> Pos {
        let start = start.min(self.text.len());
        let end = end.clamp(start, self.text.len());
        let line = self.starts.partition_point(|&s| s <= start).max(1);
        let line_start = self.starts[line - 1];
        let chars = |a: usize, b: usize| self.text.get(a..b).map_or(1, |s| s.chars().count());
        Pos {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: chars(line_start, start) + 1,
            len: chars(start, end).max(1),
        }
    }

    pub fn range(&self, range: TextRange) -> Pos {
        self.pos(range.start().to_usize(), range.end().to_usize())
    }

    pub fn of(&self, node: &impl Ranged) -> Pos {
        self.range(node.range())
    }
}

/// The statements of `text`, or the first syntax error at its place.
pub fn parse(text: &str, lines: &Lines) -> Result<Vec<ast::Stmt>, TextError> {
    check_depth(text, lines)?;
    ast::Suite::parse(text, "<keras code>").map_err(|e| {
        let at = e.offset.to_usize();
        let pos = lines.pos(at, at + 1);
        let message = match e.error.to_string() {
            m if m.contains("EOF") => {
                "not valid Python: the code ends in the middle of a statement (an unclosed \
                 bracket or string?)"
                    .to_string()
            }
            m => format!("not valid Python: {m}"),
        };
        TextError { pos, message }
    })
}

/// Refuses lines whose syntax tree could be deeper than
/// [`MAX_OPERATORS_PER_LINE`] and blocks nested deeper than
/// [`MAX_INDENTATION`], before the parser builds the tree (it is built and
/// dropped recursively). Lexical errors are left for the parser to report.
fn check_depth(text: &str, lines: &Lines) -> Result<(), TextError> {
    let mut operators = 0usize;
    let mut indentation = 0usize;
    for token in lex(text, Mode::Module) {
        let Ok((token, range)) = token else {
            return Ok(());
        };
        let weight = match &token {
            Tok::Newline => {
                operators = 0;
                0
            }
            Tok::Indent => {
                indentation += 1;
                if indentation > MAX_INDENTATION {
                    return Err(TextError {
                        pos: lines.range(range),
                        message: format!("blocks nested more than {MAX_INDENTATION} deep"),
                    });
                }
                0
            }
            Tok::Dedent => {
                indentation = indentation.saturating_sub(1);
                0
            }
            Tok::Name { .. }
            | Tok::Int { .. }
            | Tok::Float { .. }
            | Tok::Complex { .. }
            | Tok::Comma
            | Tok::EndOfFile => 0,
            // The expressions inside an f-string are parsed from its text.
            Tok::String { value, kind, .. } => {
                if matches!(kind, StringKind::FString | StringKind::RawFString) {
                    value
                        .chars()
                        .filter(|c| !c.is_alphanumeric() && !c.is_whitespace() && *c != ',')
                        .count()
                } else {
                    0
                }
            }
            _ => 1,
        };
        operators += weight;
        if operators > MAX_OPERATORS_PER_LINE {
            return Err(TextError {
                pos: lines.range(range),
                message: format!(
                    "more than {MAX_OPERATORS_PER_LINE} operators and brackets in one statement: \
                     expressions nested this deep are not read"
                ),
            });
        }
    }
    Ok(())
}
