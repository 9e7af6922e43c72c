//! safetensors, through the format's reference implementation.

use super::{build, Found, Values, WeightsError, WeightsErrorKind};
use crate::model::Model;
use safetensors::tensor::{Dtype, SafeTensorError, SafeTensors, TensorView};
use std::borrow::ToOwned;
use std::boxed::Box;
use std::vec::Vec;

/// A model from the bytes of a safetensors file.
pub fn load_safetensors<M: Model>(bytes: &[u8]) -> Result<Box<M>, WeightsError> {
    let file = SafeTensors::deserialize(bytes).map_err(|e| match e {
        SafeTensorError::HeaderTooLarge => WeightsError::new(WeightsErrorKind::HeaderTooLarge(
            "over the format's 100 MB limit".to_owned(),
        )),
        other => WeightsError::corrupt(other),
    })?;
    let mut found = Vec::new();
    for (name, view) in file.tensors() {
        let data = view.data();
        let values = match view.dtype() {
            Dtype::F32 => Values::F32Le(data),
            Dtype::F64 => Values::F64Le(data),
            Dtype::F16 => Values::F16Le(data),
            Dtype::BF16 => Values::Bf16Le(data),
            other => {
                return Err(WeightsError::new(WeightsErrorKind::UnsupportedDtype {
                    name,
                    dtype: std::format!("{other:?}"),
                }))
            }
        };
        found.push(Found {
            name,
            shape: view.shape().to_vec(),
            values,
        });
    }
    build(found)
}

/// The model's weights as a safetensors file (f32, Keras' names and layouts).
pub fn save_safetensors<M: Model>(model: &M) -> Vec<u8> {
    let bytes: Vec<Vec<u8>> = (0..M::TENSORS.len())
        .map(|i| {
            let values = model.tensor(i).unwrap_or(&[]);
            values.iter().flat_map(|v| v.to_le_bytes()).collect()
        })
        .collect();
    let views = M::TENSORS.iter().zip(&bytes).map(|(spec, data)| {
        let view = TensorView::new(Dtype::F32, spec.shape.to_vec(), data)
            .expect("shape and byte count agree by construction");
        (spec.name, view)
    });
    safetensors::tensor::serialize(views, None).expect("serialising in-memory tensors cannot fail")
}
