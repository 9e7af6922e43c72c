//! What can be wrong with a weights file, and where.

use crate::model::Model;
use cnn_weights::file::FileError;
use cnn_weights::matching::Problem;
use std::fmt;
use std::path::PathBuf;
use std::string::{String, ToString};
use std::vec::Vec;

/// A weights file that cannot become a model: which file, and what is wrong.
#[derive(Debug)]
pub struct WeightsError {
    /// The file, when loading from one.
    pub path: Option<PathBuf>,
    pub kind: WeightsErrorKind,
}

#[derive(Debug)]
#[non_exhaustive]
pub enum WeightsErrorKind {
    /// The file could not be read.
    Io(std::io::Error),
    /// Not a valid safetensors / npz file: truncated, bad header, bad offsets.
    Corrupt(String),
    /// The header announces more than the format allows.
    HeaderTooLarge(String),
    /// The model needs a tensor the file does not have. `present`: the
    /// file's first names in sorted order (at most ten), of `stored` in all.
    MissingTensor {
        name: &'static str,
        present: Vec<String>,
        stored: usize,
    },
    /// The file has a tensor the model does not use.
    UnexpectedTensor { name: String },
    /// A tensor's shape differs from the model's.
    WrongShape {
        name: &'static str,
        expected: &'static [usize],
        found: Vec<usize>,
    },
    /// A tensor's element type cannot be converted to f32.
    UnsupportedDtype { name: String, dtype: String },
    /// The path is not a regular file: a directory, a device, a FIFO, ...
    NotAFile { what: &'static str },
    /// The file is larger than any weights file of the model can be.
    FileTooLarge { size: u64, max: u64 },
}

impl WeightsError {
    pub(crate) fn new(kind: WeightsErrorKind) -> Self {
        WeightsError { path: None, kind }
    }

    pub(crate) fn corrupt(reason: impl fmt::Display) -> Self {
        Self::new(WeightsErrorKind::Corrupt(std::format!("{reason}")))
    }

    pub(crate) fn io(error: std::io::Error, path: impl Into<PathBuf>) -> Self {
        Self::new(WeightsErrorKind::Io(error)).in_file(path)
    }

    /// The error for the first problem `cnn_weights::matching` found.
    pub(crate) fn from_problem<M: Model>(problem: &Problem) -> Self {
        // Problems about a model tensor carry its index in `M::TENSORS`,
        // whose names and shapes are 'static.
        let spec = problem.wanted().and_then(|i| M::TENSORS.get(i));
        let kind = match (problem, spec) {
            (
                Problem::Missing {
                    present, stored, ..
                },
                Some(spec),
            ) => WeightsErrorKind::MissingTensor {
                name: spec.name,
                present: present.clone(),
                stored: *stored,
            },
            (Problem::WrongShape { found, .. }, Some(spec)) => WeightsErrorKind::WrongShape {
                name: spec.name,
                expected: spec.shape,
                found: found.clone(),
            },
            (Problem::UnsupportedDtype { name, dtype, .. }, _) => {
                WeightsErrorKind::UnsupportedDtype {
                    name: name.clone(),
                    dtype: dtype.clone(),
                }
            }
            (Problem::Unexpected { name }, _) => {
                WeightsErrorKind::UnexpectedTensor { name: name.clone() }
            }
            (other, _) => WeightsErrorKind::Corrupt(other.to_string()),
        };
        Self::new(kind)
    }

    pub(crate) fn from_file(error: FileError) -> Self {
        Self::new(match error {
            FileError::Io(e) => WeightsErrorKind::Io(e),
            FileError::NotAFile { what } => WeightsErrorKind::NotAFile { what },
            FileError::TooLarge { size, max } => WeightsErrorKind::FileTooLarge { size, max },
        })
    }

    pub(crate) fn in_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.path = Some(path.into());
        self
    }
}

impl fmt::Display for WeightsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(path) = &self.path {
            write!(f, "{}: ", path.display())?;
        }
        match &self.kind {
            WeightsErrorKind::Io(e) => write!(f, "cannot read the file: {e}"),
            WeightsErrorKind::Corrupt(reason) => write!(f, "not a valid weights file: {reason}"),
            WeightsErrorKind::HeaderTooLarge(reason) => write!(f, "header too large: {reason}"),
            WeightsErrorKind::MissingTensor {
                name,
                present,
                stored,
            } => {
                // A few names and the count: a hostile header may hold millions.
                write!(f, "missing tensor `{name}`; the file has")?;
                cnn_weights::matching::write_names(f, present, *stored)
            }
            WeightsErrorKind::UnexpectedTensor { name } => {
                write!(
                    f,
                    "unexpected tensor `{name}`: the model has no such weight"
                )
            }
            WeightsErrorKind::WrongShape {
                name,
                expected,
                found,
            } => write!(
                f,
                "tensor `{name}` has shape {found:?}, the model expects {expected:?}"
            ),
            WeightsErrorKind::UnsupportedDtype { name, dtype } => write!(
                f,
                "tensor `{name}` has element type {dtype}; supported: f32, f16, bf16, f64 and integers"
            ),
            WeightsErrorKind::NotAFile { what } => {
                write!(
                    f,
                    "not a regular file ({what}): give the path of a weights file"
                )
            }
            WeightsErrorKind::FileTooLarge { size, max } => write!(
                f,
                "the file has {size} bytes, more than a weights file of this model can have ({max})"
            ),
        }
    }
}

impl std::error::Error for WeightsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            WeightsErrorKind::Io(e) => Some(e),
            _ => None,
        }
    }
}
