//! Trained weights in and out: safetensors and numpy `.npz`, with Keras' tensor
//! names (`{layer}.kernel`, `{layer}.bias`) and layouts. f32 is native; f16,
//! bf16 and f64 tensors are converted on load. A file either fills every tensor
//! of the model or is rejected with a [`WeightsError`]: never a partial model.

mod error;
mod npz;
mod safetensors_format;

pub use error::{WeightsError, WeightsErrorKind};

use crate::model::Model;
use std::borrow::Cow;
use std::boxed::Box;
use std::path::Path;
use std::string::{String, ToString};
use std::vec::Vec;

/// Weight files in and out, for every [`Model`] (a blanket implementation):
/// bring it into scope with `use cnn_runtime::WeightFiles` or the
/// [prelude](crate::prelude).
///
/// ```
/// use cnn_runtime::prelude::*;
///
/// cnn! {
///     pub struct Tiny;
///     input(4, 4, 1);
///     Conv2D(2, 3x3, relu) Flatten Dense(3, softmax)
/// }
///
/// let mut model = Tiny::zeroed();
/// model.tensor_mut(0).unwrap()[0] = 0.25;
/// let bytes = model.to_safetensors();
/// let loaded = Tiny::from_safetensors(&bytes)?;
/// assert_eq!(loaded.tensor(0), model.tensor(0));
///
/// let error = Tiny::from_safetensors_file("no/such/file.safetensors").err().unwrap();
/// assert!(error.to_string().starts_with("no/such/file.safetensors: "));
/// # Ok::<(), cnn_runtime::WeightsError>(())
/// ```
pub trait WeightFiles: Model {
    /// A model from the bytes of a safetensors file with Keras' tensor names
    /// and layouts (f32, f16, bf16 or f64).
    fn from_safetensors(bytes: &[u8]) -> Result<Box<Self>, WeightsError> {
        safetensors_format::load(bytes)
    }

    /// [`WeightFiles::from_safetensors`] from a file.
    fn from_safetensors_file(path: impl AsRef<Path>) -> Result<Box<Self>, WeightsError> {
        let path = path.as_ref();
        check_file::<Self>(path)?;
        let bytes = std::fs::read(path).map_err(|e| WeightsError::io(e, path))?;
        safetensors_format::load(&bytes).map_err(|e| e.in_file(path))
    }

    /// A model from a numpy `.npz` archive (`np.savez` or `np.savez_compressed`)
    /// whose members are named after the tensors (`conv2d.kernel`, ...).
    fn from_npz(reader: impl std::io::Read + std::io::Seek) -> Result<Box<Self>, WeightsError> {
        npz::load(reader)
    }

    /// [`WeightFiles::from_npz`] from a file.
    fn from_npz_file(path: impl AsRef<Path>) -> Result<Box<Self>, WeightsError> {
        let path = path.as_ref();
        check_file::<Self>(path)?;
        let file = std::fs::File::open(path).map_err(|e| WeightsError::io(e, path))?;
        npz::load(std::io::BufReader::new(file)).map_err(|e| e.in_file(path))
    }

    /// The weights as a safetensors file (f32, Keras' names and layouts), which
    /// [`WeightFiles::from_safetensors`] reads back bit for bit.
    fn to_safetensors(&self) -> Vec<u8> {
        safetensors_format::save(self)
    }
}

impl<M: Model> WeightFiles for M {}

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
fn check_file<M: Model>(path: &Path) -> Result<(), WeightsError> {
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
