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
pub(crate) fn build<M: Model>(found: Vec<Found<'_>>) -> Result<Box<M>, WeightsError> {
    let mut order = Vec::with_capacity(M::TENSORS.len());
    for spec in M::TENSORS {
        let Some(i) = found.iter().position(|t| t.name == spec.name) else {
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
        .find(|t| !M::TENSORS.iter().any(|s| s.name == t.name))
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
