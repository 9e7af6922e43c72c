//! Where each activation of an int8 program lives: the caller's input, the
//! scratch's output, or a region of one byte arena, shared by tensors that
//! are never alive at once (the largest placed first, each as low as it fits;
//! regions on 64-byte cache lines). A `RESHAPE` is a view of its input and
//! takes no memory.

use super::lower::Program;
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
    // Each stored tensor (a step's output that is neither a view nor the
    // model's output), with the steps from its writing to its last reading
    // (its views' readers included).
    let mut lives: Vec<Life> = Vec::new();
    let mut stored_as: HashMap<usize, usize> = HashMap::new();
    for (i, step) in program.steps.iter().enumerate() {
        let out = step.output;
        let until = last_read.get(&out).copied().unwrap_or(i);
        if step.kernel.is_view() {
            if let Some(&s) = stored_as.get(&step.inputs[0]) {
                lives[s].until = lives[s].until.max(until);
                stored_as.insert(out, s);
            }
            continue;
        }
        if out == program.output {
            continue;
        }
        stored_as.insert(out, lives.len());
        lives.push(Life {
            len: program.bytes(out),
            from: i,
            until,
        });
    }
    let starts = pack(&lives);
    let mut at = HashMap::new();
    at.insert(program.input, Loc::Input);
    for step in &program.steps {
        let out = step.output;
        let loc = if step.kernel.is_view() {
            at.get(&step.inputs[0]).copied().unwrap_or(Loc::Input)
        } else if out == program.output {
            Loc::Output
        } else {
            stored_as
                .get(&out)
                .map_or(Loc::Input, |&s| Loc::Arena(starts[s]))
        };
        at.insert(out, loc);
    }
    let output_at = at.get(&program.output).copied().unwrap_or(Loc::Input);
    let arena = lives
        .iter()
        .zip(&starts)
        .map(|(life, start)| start + life.len)
        .max()
        .unwrap_or(0)
        .next_multiple_of(ALIGN);
    Placement {
        at,
        arena,
        copy_output_from: (output_at != Loc::Output).then_some(output_at),
    }
}

/// A stored tensor: its bytes, and the steps it must survive (`from`, the
/// step that writes it, to `until`, the last that reads it).
#[derive(Clone, Copy, Debug)]
struct Life {
    len: usize,
    from: usize,
    until: usize,
}

/// Where each tensor starts: the largest first, each at the lowest offset (a
/// multiple of [`ALIGN`]) clear of those already placed whose lives meet its
/// own. (Placing in step order instead, first fit, left holes: MobileNet's
/// first layers needed 74 KB where their largest pair of live tensors is 55.)
fn pack(lives: &[Life]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..lives.len()).collect();
    order.sort_by_key(|&t| (core::cmp::Reverse(lives[t].len), lives[t].from));
    let mut starts = vec![0usize; lives.len()];
    let mut placed: Vec<usize> = Vec::new();
    for t in order {
        let life = lives[t];
        let mut taken: Vec<(usize, usize)> = placed
            .iter()
            .filter(|&&p| lives[p].from <= life.until && life.from <= lives[p].until)
            .map(|&p| (starts[p], starts[p] + lives[p].len))
            .collect();
        taken.sort_unstable();
        let mut at = 0;
        for (start, end) in taken {
            if at + life.len <= start {
                break;
            }
            at = at.max(end.next_multiple_of(ALIGN));
        }
        starts[t] = at;
        placed.push(t);
    }
    starts
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No two tensors alive at once share a byte.
    fn disjoint(lives: &[Life], starts: &[usize]) {
        for (i, a) in lives.iter().enumerate() {
            for (j, b) in lives.iter().enumerate().skip(i + 1) {
                let meet = a.from <= b.until && b.from <= a.until;
                let share = starts[i] < starts[j] + b.len && starts[j] < starts[i] + a.len;
                assert!(!(meet && share), "tensors {i} and {j} overlap");
            }
        }
    }

    #[test]
    fn the_largest_go_first_and_the_plan_has_no_holes() {
        // MobileNet's first layers: 18 KB, 18 KB, then 36 KB (each read by
        // the next step); then 9 KB.
        let kb = 1024 * 18;
        let lives = [
            Life {
                len: kb,
                from: 0,
                until: 1,
            },
            Life {
                len: kb,
                from: 1,
                until: 2,
            },
            Life {
                len: 2 * kb,
                from: 2,
                until: 3,
            },
            Life {
                len: kb / 2,
                from: 3,
                until: 4,
            },
        ];
        let starts = pack(&lives);
        disjoint(&lives, &starts);
        let arena = lives.iter().zip(&starts).map(|(l, s)| s + l.len).max();
        assert_eq!(arena, Some(3 * kb));
    }

    #[test]
    fn random_lives_never_overlap() {
        let mut state = 0x2545_F491u32;
        let mut next = move |n: u32| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state % n) as usize
        };
        for _ in 0..200 {
            let lives: Vec<Life> = (0..12)
                .map(|_| {
                    let from = next(10);
                    Life {
                        len: 1 + next(5000),
                        from,
                        until: from + next(4),
                    }
                })
                .collect();
            let starts = pack(&lives);
            disjoint(&lives, &starts);
            assert!(starts.iter().all(|s| s % ALIGN == 0));
        }
    }
}
