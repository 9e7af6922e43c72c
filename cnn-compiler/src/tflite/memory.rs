//! Where each activation of an int8 program lives: the caller's input, the
//! scratch's output, or a region of one byte arena, reused once its last
//! reader has run (first fit, regions on 64-byte cache lines). A `RESHAPE`
//! is a view of its input and takes no memory.

use super::lower::Program;
use crate::memory::{first_fit, Region};
use std::collections::HashMap;

/// Regions start on cache lines.
const ALIGN: usize = 64;

/// A tensor's home.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loc {
    Input,
    Arena(usize),
    Output,
}

/// The memory plan of a [`Program`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    pub at: HashMap<usize, Loc>,
    /// Bytes of the arena (whole cache lines).
    pub arena: usize,
    /// Where the output must be copied from after the last step, when no
    /// step writes it in place (a model ending in a `RESHAPE` view).
    pub copy_output_from: Option<Loc>,
}

/// Places every activation of `program`.
pub fn place(program: &Program) -> Placement {
    let mut last_read: HashMap<usize, usize> = HashMap::new();
    for (i, step) in program.steps.iter().enumerate() {
        for &t in &step.inputs {
            last_read.insert(t, i);
        }
    }
    let mut at = HashMap::new();
    at.insert(program.input, Loc::Input);
    let mut regions: Vec<Region> = Vec::new();
    let mut region_of: HashMap<usize, usize> = HashMap::new();
    for (i, step) in program.steps.iter().enumerate() {
        let out = step.output;
        let until = last_read.get(&out).copied().unwrap_or(i);
        if step.kernel.is_view() {
            let source = step.inputs[0];
            at.insert(out, at.get(&source).copied().unwrap_or(Loc::Input));
            if let Some(&r) = region_of.get(&source) {
                regions[r].until = regions[r].until.max(until);
                region_of.insert(out, r);
            }
            continue;
        }
        if out == program.output {
            at.insert(out, Loc::Output);
            continue;
        }
        let len = program.bytes(out);
        let start = first_fit(&regions, i, len, ALIGN);
        regions.push(Region { start, len, until });
        region_of.insert(out, regions.len() - 1);
        at.insert(out, Loc::Arena(start));
    }
    let output_at = at.get(&program.output).copied().unwrap_or(Loc::Input);
    let arena = regions
        .iter()
        .map(|r| r.start + r.len)
        .max()
        .unwrap_or(0)
        .next_multiple_of(ALIGN);
    Placement {
        at,
        arena,
        copy_output_from: (output_at != Loc::Output).then_some(output_at),
    }
}
