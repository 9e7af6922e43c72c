//! Which stored tensor fills which tensor of a model, and everything that
//! keeps a file from filling a model: found by Keras name (or, as Keras 3
//! names a Sequential model's variables, by `{model}.{name}` when every
//! tensor of the file has that one prefix), then checked for shape, length
//! and element type.

use crate::values::Values;
use std::collections::HashMap;
use std::fmt;

/// A tensor the model needs: Keras' name (`conv2d.kernel`) and shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wanted<'a> {
    pub name: &'a str,
    pub shape: &'a [usize],
}

/// A tensor found in a file.
#[derive(Clone, Debug)]
pub struct Stored<'a> {
    pub name: String,
    pub shape: Vec<usize>,
    pub values: Values<'a>,
}

/// Why a file does not fill a model. `wanted` indexes the model's tensors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// No stored tensor has the name. `present`: the first stored names in
    /// sorted order (at most ten), of `stored` in all.
    Missing {
        wanted: usize,
        name: String,
        present: Vec<String>,
        stored: usize,
    },
    /// The stored tensor's shape is not the model's.
    WrongShape {
        wanted: usize,
        name: String,
        expected: Vec<usize>,
        found: Vec<usize>,
    },
    /// The stored tensor holds another number of values than its shape says.
    WrongLength {
        wanted: usize,
        name: String,
        shape: Vec<usize>,
        values: usize,
    },
    /// The stored tensor's element type is not a float.
    UnsupportedDtype {
        wanted: usize,
        name: String,
        dtype: String,
    },
    /// A stored tensor no tensor of the model matches.
    Unexpected { name: String },
}

impl Problem {
    /// The model's tensor the problem is about (none for an unexpected one).
    pub fn wanted(&self) -> Option<usize> {
        match self {
            Problem::Missing { wanted, .. }
            | Problem::WrongShape { wanted, .. }
            | Problem::WrongLength { wanted, .. }
            | Problem::UnsupportedDtype { wanted, .. } => Some(*wanted),
            Problem::Unexpected { .. } => None,
        }
    }
}

/// The most stored names a message lists: a hostile header may hold millions.
pub const NAMES_SHOWN: usize = 10;

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Missing {
                name,
                present,
                stored,
                ..
            } => {
                write!(f, "missing tensor `{name}`; the file has")?;
                write_names(f, present, *stored)
            }
            Problem::WrongShape {
                name,
                expected,
                found,
                ..
            } => write!(
                f,
                "tensor `{name}` has shape {found:?}, the model expects {expected:?}"
            ),
            Problem::WrongLength {
                name,
                shape,
                values,
                ..
            } => write!(
                f,
                "tensor `{name}` holds {values} values for shape {shape:?}"
            ),
            Problem::UnsupportedDtype { name, dtype, .. } => write!(
                f,
                "tensor `{name}` has element type {dtype}; supported: f32, f16, bf16, f64 and integers"
            ),
            Problem::Unexpected { name } => write!(
                f,
                "unexpected tensor `{name}`: the model has no such weight"
            ),
        }
    }
}

/// " no tensors", ": a, b" or " 25 tensors: a, b, ...": `shown` of `count` names.
pub fn write_names(f: &mut impl fmt::Write, shown: &[String], count: usize) -> fmt::Result {
    match count {
        0 => write!(f, " no tensors"),
        n if n <= shown.len() => write!(f, ": {}", shown.join(", ")),
        n => write!(f, " {n} tensors: {}, ...", shown.join(", ")),
    }
}

/// The first names in sorted order, at most [`NAMES_SHOWN`].
pub fn first_names(names: &[&str]) -> Vec<String> {
    let mut sorted = names.to_vec();
    sorted.sort_unstable();
    sorted
        .iter()
        .take(NAMES_SHOWN)
        .map(|n| n.to_string())
        .collect()
}

/// For each stored name, the wanted tensor it fills, if any. Linear in the
/// number of names (a hostile file may hold millions).
pub fn assign(wanted: &[Wanted<'_>], stored: &[&str]) -> Vec<Option<usize>> {
    let index: HashMap<&str, usize> = wanted
        .iter()
        .enumerate()
        .map(|(i, w)| (w.name, i))
        .collect();
    let prefix = model_prefix(stored);
    stored
        .iter()
        .map(|&name| {
            let exact = index.get(name).copied();
            exact.or_else(|| {
                let rest = name.strip_prefix(prefix?)?.strip_prefix('.')?;
                index.get(rest).copied()
            })
        })
        .collect()
}

/// Matches every wanted tensor to a stored one and checks it: for each wanted
/// tensor, the index of the stored tensor that fills it; or every problem, in
/// the model's order (then the unexpected tensors, in the file's).
pub fn check(wanted: &[Wanted<'_>], stored: &[Stored<'_>]) -> Result<Vec<usize>, Vec<Problem>> {
    let names: Vec<&str> = stored.iter().map(|t| t.name.as_str()).collect();
    // The first stored tensor assigned to each wanted one fills it.
    let mut filled_by = vec![None; wanted.len()];
    for (s, assigned) in assign(wanted, &names).into_iter().enumerate() {
        if let Some(w) = assigned {
            filled_by[w].get_or_insert(s);
        }
    }
    let mut used = vec![false; stored.len()];
    let mut problems = Vec::new();
    let mut order = Vec::with_capacity(wanted.len());
    let mut present = None;
    for (index, w) in wanted.iter().enumerate() {
        let Some(s) = filled_by[index] else {
            problems.push(Problem::Missing {
                wanted: index,
                name: w.name.to_string(),
                present: present.get_or_insert_with(|| first_names(&names)).clone(),
                stored: names.len(),
            });
            continue;
        };
        used[s] = true;
        let t = &stored[s];
        let count: usize = w.shape.iter().product();
        if let Values::Unsupported(dtype) = &t.values {
            problems.push(Problem::UnsupportedDtype {
                wanted: index,
                name: w.name.to_string(),
                dtype: dtype.clone(),
            });
        } else if t.shape != w.shape {
            problems.push(Problem::WrongShape {
                wanted: index,
                name: w.name.to_string(),
                expected: w.shape.to_vec(),
                found: t.shape.clone(),
            });
        } else if t.values.len() != count {
            problems.push(Problem::WrongLength {
                wanted: index,
                name: w.name.to_string(),
                shape: w.shape.to_vec(),
                values: t.values.len(),
            });
        }
        order.push(s);
    }
    for (t, used) in stored.iter().zip(used) {
        if !used {
            problems.push(Problem::Unexpected {
                name: t.name.clone(),
            });
        }
    }
    if problems.is_empty() {
        Ok(order)
    } else {
        Err(problems)
    }
}

/// The prefix before the first `.` when every name has the same one and more
/// dots after it (`bn_dw.conv2d.kernel`).
fn model_prefix<'a>(names: &[&'a str]) -> Option<&'a str> {
    let (prefix, _) = names.first()?.split_once('.')?;
    names
        .iter()
        .all(|name| {
            name.strip_prefix(prefix)
                .and_then(|rest| rest.strip_prefix('.'))
                .is_some_and(|rest| rest.contains('.'))
        })
        .then_some(prefix)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn stored(name: &str, shape: &[usize]) -> Stored<'static> {
        let n = shape.iter().product();
        Stored {
            name: name.to_string(),
            shape: shape.to_vec(),
            values: Values::F32(Cow::Owned(vec![0.0; n])),
        }
    }

    const WANTED: [Wanted<'static>; 2] = [
        Wanted {
            name: "dense.kernel",
            shape: &[3, 2],
        },
        Wanted {
            name: "dense.bias",
            shape: &[2],
        },
    ];

    #[test]
    fn tensors_are_found_by_name_in_any_order() {
        let file = [stored("dense.bias", &[2]), stored("dense.kernel", &[3, 2])];
        assert_eq!(check(&WANTED, &file), Ok(vec![1, 0]));
    }

    #[test]
    fn keras_3_model_prefix_is_accepted_only_when_every_name_has_it() {
        let file = [
            stored("mnist.dense.kernel", &[3, 2]),
            stored("mnist.dense.bias", &[2]),
        ];
        assert_eq!(check(&WANTED, &file), Ok(vec![0, 1]));
        let mixed = [
            stored("mnist.dense.kernel", &[3, 2]),
            stored("dense.bias", &[2]),
        ];
        let problems = check(&WANTED, &mixed).unwrap_err();
        assert!(matches!(&problems[0], Problem::Missing { name, .. } if name == "dense.kernel"));
        assert!(
            matches!(&problems[1], Problem::Unexpected { name } if name == "mnist.dense.kernel")
        );
    }

    #[test]
    fn every_problem_is_reported_in_the_models_order() {
        let mut wrong_length = stored("dense.bias", &[2]);
        wrong_length.values = Values::F32(Cow::Owned(vec![0.0; 3]));
        let file = [
            stored("extra", &[1]),
            stored("dense.kernel", &[2, 3]),
            wrong_length,
        ];
        let problems: Vec<String> = check(&WANTED, &file)
            .unwrap_err()
            .iter()
            .map(|p| p.to_string())
            .collect();
        assert_eq!(
            problems,
            [
                "tensor `dense.kernel` has shape [2, 3], the model expects [3, 2]",
                "tensor `dense.bias` holds 3 values for shape [2]",
                "unexpected tensor `extra`: the model has no such weight",
            ]
        );
        let mut integer = stored("dense.kernel", &[3, 2]);
        integer.values = Values::Unsupported("BOOL".into());
        let problems = check(&WANTED, &[integer, stored("dense.bias", &[2])]).unwrap_err();
        assert_eq!(
            problems[0].to_string(),
            "tensor `dense.kernel` has element type BOOL; supported: f32, f16, bf16, f64 and integers"
        );
        assert_eq!(problems[0].wanted(), Some(0));
    }

    #[test]
    fn a_missing_tensor_lists_a_few_names_and_the_count() {
        let file: Vec<Stored> = (0..25).map(|i| stored(&format!("t{i:02}"), &[1])).collect();
        let problems = check(&WANTED[..1], &file).unwrap_err();
        let message = problems[0].to_string();
        assert!(
            message
                .starts_with("missing tensor `dense.kernel`; the file has 25 tensors: t00, t01,"),
            "{message}"
        );
        assert!(message.ends_with("t09, ..."), "{message}");
        assert_eq!(problems.len(), 26);
        let none = check(&WANTED[..1], &[]).unwrap_err();
        assert_eq!(
            none[0].to_string(),
            "missing tensor `dense.kernel`; the file has no tensors"
        );
    }
}
