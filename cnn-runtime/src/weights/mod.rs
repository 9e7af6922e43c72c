//! Trained weights in and out: safetensors and numpy `.npz`, with Keras' tensor
//! names (`{layer}.kernel`, `{layer}.bias`) and layouts. f32 is native; f16,
//! bf16 and f64 tensors are converted on load. A file either fills every tensor
//! of the model or is rejected with a [`WeightsError`]: never a partial model.

mod error;
mod npz;
mod safetensors_format;

pub use error::{WeightsError, WeightsErrorKind};
pub use npz::load_npz;
pub use safetensors_format::{load_safetensors, save_safetensors};

use crate::model::Model;
use std::borrow::Cow;
use std::boxed::Box;
use std::string::{String, ToString};
use std::vec::Vec;

/// A tensor's values as stored, converted to f32 only when copied into the model.
pub(crate) enum Values<'a> {
    F32Le(&'a [u8]),
    F64Le(&'a [u8]),
    F16Le(&'a [u8]),
    Bf16Le(&'a [u8]),
    F32(Cow<'a, [f32]>),
}

impl Values<'_> {
    fn len(&self) -> usize {
        match self {
            Values::F32Le(b) => b.len() / 4,
            Values::F64Le(b) => b.len() / 8,
            Values::F16Le(b) | Values::Bf16Le(b) => b.len() / 2,
            Values::F32(v) => v.len(),
        }
    }

    fn copy_to(&self, out: &mut [f32]) {
        match self {
            Values::F32Le(b) => {
                for (o, c) in out.iter_mut().zip(b.chunks_exact(4)) {
                    *o = f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
                }
            }
            Values::F64Le(b) => {
                for (o, c) in out.iter_mut().zip(b.chunks_exact(8)) {
                    let bytes = [c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]];
                    *o = f64::from_le_bytes(bytes) as f32;
                }
            }
            Values::F16Le(b) => {
                for (o, c) in out.iter_mut().zip(b.chunks_exact(2)) {
                    *o = half::f16::from_le_bytes([c[0], c[1]]).to_f32();
                }
            }
            Values::Bf16Le(b) => {
                for (o, c) in out.iter_mut().zip(b.chunks_exact(2)) {
                    *o = half::bf16::from_le_bytes([c[0], c[1]]).to_f32();
                }
            }
            Values::F32(v) => out.copy_from_slice(&v[..out.len()]),
        }
    }
}

/// One tensor found in a file.
pub(crate) struct Found<'a> {
    pub name: String,
    pub shape: Vec<usize>,
    pub values: Values<'a>,
}

/// Checks every tensor against the model's specs, then fills a zeroed model.
/// Nothing is returned unless every tensor matched.
///
/// A tensor is found by its name or, as Keras 3 names the variables of a
/// Sequential model, by `{model}.{name}` when every tensor of the file has
/// that one prefix.
pub(crate) fn build<M: Model>(found: Vec<Found<'_>>) -> Result<Box<M>, WeightsError> {
    let mut order = Vec::with_capacity(M::TENSORS.len());
    let prefix = model_prefix(&found);
    let stored = |name: &str| {
        found.iter().position(|t| t.name == name).or_else(|| {
            let prefix = prefix.as_deref()?;
            found.iter().position(|t| {
                t.name
                    .strip_prefix(prefix)
                    .and_then(|rest| rest.strip_prefix('.'))
                    == Some(name)
            })
        })
    };
    for spec in M::TENSORS {
        let Some(i) = stored(spec.name) else {
            let mut present: Vec<String> = found.iter().map(|t| t.name.clone()).collect();
            present.sort();
            return Err(WeightsError::new(WeightsErrorKind::MissingTensor {
                name: spec.name,
                present,
            }));
        };
        if found[i].shape != spec.shape {
            return Err(WeightsError::new(WeightsErrorKind::WrongShape {
                name: spec.name,
                expected: spec.shape,
                found: found[i].shape.clone(),
            }));
        }
        if found[i].values.len() != spec.len() {
            return Err(WeightsError::corrupt(std::format!(
                "tensor `{}` holds {} values for shape {:?}",
                spec.name,
                found[i].values.len(),
                spec.shape
            )));
        }
        order.push(i);
    }
    if let Some(extra) = found
        .iter()
        .enumerate()
        .find(|(i, _)| !order.contains(i))
        .map(|(_, t)| t)
    {
        return Err(WeightsError::new(WeightsErrorKind::UnexpectedTensor {
            name: extra.name.to_string(),
        }));
    }
    let mut model = M::zeroed();
    for (index, &i) in order.iter().enumerate() {
        if let Some(out) = model.tensor_mut(index) {
            found[i].values.copy_to(out);
        }
    }
    Ok(model)
}

/// The prefix before the first `.` when every tensor name has the same one
/// and more dots after it (`bn_dw.conv2d.kernel`).
fn model_prefix(found: &[Found<'_>]) -> Option<String> {
    let (prefix, _) = found.first()?.name.split_once('.')?;
    found
        .iter()
        .all(|t| {
            t.name
                .strip_prefix(prefix)
                .and_then(|rest| rest.strip_prefix('.'))
                .is_some_and(|rest| rest.contains('.'))
        })
        .then(|| prefix.to_string())
}

/// Checks that `path` is a regular file no larger than any weights file of
/// `M` can be, before anything opens it (opening a FIFO would block, and
/// reading `/dev/zero` would never end).
pub(crate) fn check_file<M: Model>(path: &std::path::Path) -> Result<(), WeightsError> {
    let metadata = std::fs::metadata(path).map_err(|e| WeightsError::io(e, path))?;
    let file_type = metadata.file_type();
    if !file_type.is_file() {
        let what = if file_type.is_dir() {
            "a directory"
        } else {
            "a device, a FIFO or a socket"
        };
        return Err(WeightsError::new(WeightsErrorKind::NotAFile { what }).in_file(path));
    }
    let max = max_file_bytes::<M>();
    if metadata.len() > max {
        return Err(WeightsError::new(WeightsErrorKind::FileTooLarge {
            size: metadata.len(),
            max,
        })
        .in_file(path));
    }
    Ok(())
}

/// The most bytes a weights file of `M` can need: every value as f64 (the
/// widest type loaded), plus the format's largest header (100 MB) and 1 MiB
/// for the archive's own records.
fn max_file_bytes<M: Model>() -> u64 {
    let values: u64 = M::TENSORS.iter().map(|t| t.len() as u64).sum();
    values * 8 + 100_000_000 + (1 << 20)
}
