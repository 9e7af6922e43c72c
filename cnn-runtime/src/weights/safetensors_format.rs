//! safetensors, through the format's reference implementation.

use super::{build, Found, Values, WeightsError, WeightsErrorKind};
use crate::model::Model;
use safetensors::tensor::{Dtype, SafeTensorError, SafeTensors, TensorView};
use std::borrow::ToOwned;
use std::boxed::Box;
use std::vec::Vec;

/// A model from the bytes of a safetensors file.
pub(super) fn load<M: Model>(bytes: &[u8]) -> Result<Box<M>, WeightsError> {
    let file = SafeTensors::deserialize(bytes).map_err(|e| match (e, explain(bytes)) {
        (_, Some(words)) => WeightsError::corrupt(words),
        (SafeTensorError::HeaderTooLarge, None) => WeightsError::new(
            WeightsErrorKind::HeaderTooLarge("over the format's 100 MB limit".to_owned()),
        ),
        (other, None) => WeightsError::corrupt(other),
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
pub(super) fn save<M: Model>(model: &M) -> Vec<u8> {
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

/// The format's largest header.
const MAX_HEADER: u64 = 100_000_000;

/// What is wrong with bytes that are not a valid safetensors file, in words:
/// too short, text rather than a safetensors file, cut inside the header, or
/// the first tensor whose data lies past the end. `None` when none of these
/// is the problem.
fn explain(bytes: &[u8]) -> Option<std::string::String> {
    let len = bytes.len();
    let Some(start) = bytes.first_chunk::<8>() else {
        return Some(std::format!(
            "the file has {len} bytes; a safetensors file starts with 8 bytes giving its header's length"
        ));
    };
    if start
        .iter()
        .all(|&b| b == b'\t' || b == b'\n' || b == b'\r' || (0x20..0x7f).contains(&b))
    {
        let shown: std::string::String = start.iter().map(|&b| char::from(b)).collect();
        return Some(std::format!(
            "this is not a safetensors file: it starts with text (`{}`)",
            shown.escape_debug()
        ));
    }
    let header = u64::from_le_bytes(*start);
    if header > MAX_HEADER {
        return None; // the format's own "header too large"
    }
    let header = header as usize;
    let Some(text) = bytes.get(8..8 + header) else {
        return Some(std::format!(
            "the file ends after {len} bytes, inside its header (which declares {header} bytes)"
        ));
    };
    let data = len - 8 - header;
    let json: serde_json::Value = serde_json::from_slice(text).ok()?;
    let past_end = json
        .as_object()?
        .iter()
        .filter(|(name, _)| name.as_str() != "__metadata__")
        .filter_map(|(name, info)| {
            let offsets = info.get("data_offsets")?.as_array()?;
            let (a, b) = (offsets.first()?.as_u64()?, offsets.get(1)?.as_u64()?);
            (b > data as u64).then_some((a, b, name))
        })
        .min_by_key(|&(a, _, _)| a)?;
    let (a, b, name) = past_end;
    let at = 8 + header as u64;
    Some(std::format!(
        "the file ends after {len} bytes; tensor `{name}` needs bytes {}..{}",
        at + a,
        at + b
    ))
}
