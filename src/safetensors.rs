//! A minimal safetensors reader for the fixtures' inputs, labels and Keras
//! outputs (i32, u8 and f64 tensors that are not model weights; weights load
//! through the runtime's `from_safetensors_file`).

use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

/// One tensor, its values widened to `f64` (exact for f32, i32 and u8).
#[derive(Clone, Debug)]
pub struct Tensor {
    pub dtype: String,
    pub shape: Vec<usize>,
    pub values: Vec<f64>,
}

impl Tensor {
    pub fn to_f32(&self) -> Vec<f32> {
        self.values.iter().map(|&v| v as f32).collect()
    }
}

#[derive(Debug)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

/// All tensors of a safetensors file, by name.
pub fn read(path: &Path) -> Result<BTreeMap<String, Tensor>, Error> {
    let bytes = std::fs::read(path).map_err(|e| Error(format!("{}: {e}", path.display())))?;
    parse(&bytes).map_err(|Error(e)| Error(format!("{}: {e}", path.display())))
}

pub fn parse(bytes: &[u8]) -> Result<BTreeMap<String, Tensor>, Error> {
    let err = |m: &str| Error(m.to_string());
    let len_bytes: [u8; 8] = bytes
        .get(..8)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| err("shorter than its header length"))?;
    let header_len =
        usize::try_from(u64::from_le_bytes(len_bytes)).map_err(|_| err("header too long"))?;
    let header = bytes
        .get(8..8usize.saturating_add(header_len))
        .ok_or_else(|| err("truncated header"))?;
    let data = &bytes[8 + header_len..];
    let header: BTreeMap<String, Value> =
        serde_json::from_slice(header).map_err(|e| Error(format!("header: {e}")))?;
    let mut tensors = BTreeMap::new();
    for (name, info) in header {
        if name == "__metadata__" {
            continue;
        }
        let dtype = info["dtype"]
            .as_str()
            .ok_or_else(|| err("tensor without dtype"))?;
        let shape: Vec<usize> = info["shape"]
            .as_array()
            .ok_or_else(|| err("tensor without shape"))?
            .iter()
            .map(|d| d.as_u64().map(|d| d as usize))
            .collect::<Option<_>>()
            .ok_or_else(|| err("bad shape"))?;
        let offsets = info["data_offsets"]
            .as_array()
            .ok_or_else(|| err("no offsets"))?;
        let (start, end) = match offsets.as_slice() {
            [s, e] => (
                s.as_u64().unwrap_or(u64::MAX) as usize,
                e.as_u64().unwrap_or(0) as usize,
            ),
            _ => return Err(err("bad offsets")),
        };
        let raw = data
            .get(start..end)
            .ok_or_else(|| Error(format!("{name}: data out of range")))?;
        let values: Vec<f64> = match dtype {
            "F32" => raw
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes(c.try_into().unwrap()) as f64)
                .collect(),
            "F64" => raw
                .chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
                .collect(),
            "I32" => raw
                .chunks_exact(4)
                .map(|c| i32::from_le_bytes(c.try_into().unwrap()) as f64)
                .collect(),
            "U8" => raw.iter().map(|&b| b as f64).collect(),
            other => return Err(Error(format!("{name}: unsupported dtype {other}"))),
        };
        if values.len() != shape.iter().product::<usize>() {
            return Err(Error(format!(
                "{name}: {} values for shape {shape:?}",
                values.len()
            )));
        }
        tensors.insert(
            name,
            Tensor {
                dtype: dtype.to_string(),
                shape,
                values,
            },
        );
    }
    Ok(tensors)
}
