//! safetensors, read and written by `cnn_weights` (the format's reference
//! implementation, errors in words).

use super::{build, WeightsError, WeightsErrorKind};
use crate::model::Model;
use cnn_weights::safetensors_file::{self, FormatError};
use std::borrow::ToOwned;
use std::boxed::Box;
use std::vec::Vec;

/// A model from the bytes of a safetensors file.
pub(super) fn load<M: Model>(bytes: &[u8]) -> Result<Box<M>, WeightsError> {
    let stored = safetensors_file::read(bytes).map_err(|e| match e {
        FormatError::HeaderTooLarge => WeightsError::new(WeightsErrorKind::HeaderTooLarge(
            "over the format's 100 MB limit".to_owned(),
        )),
        FormatError::Corrupt(words) => WeightsError::corrupt(words),
    })?;
    build(stored)
}

/// The model's weights as a safetensors file (f32, Keras' names and layouts).
pub(super) fn save<M: Model>(model: &M) -> Vec<u8> {
    let tensors: Vec<(&str, &[usize], &[f32])> = M::TENSORS
        .iter()
        .enumerate()
        .map(|(i, spec)| (spec.name, spec.shape, model.tensor(i).unwrap_or(&[])))
        .collect();
    safetensors_file::write(&tensors)
}
