//! The fixtures' inputs, labels and Keras outputs (i32, u8, i8 and f64 tensors
//! that are not model weights; weights load through the runtime's
//! `from_safetensors_file`), as `f64` values by name.

use safetensors::Dtype;
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

/// One tensor, its values widened to `f64` (exact for f32, i32, u8 and i8).
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

    /// The values as int8 (exact for an `I8` tensor).
    pub fn to_i8(&self) -> Vec<i8> {
        self.values.iter().map(|&v| v as i8).collect()
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

/// All tensors of a safetensors file's bytes, read with the format's
/// reference implementation (the `safetensors` crate).
pub fn parse(bytes: &[u8]) -> Result<BTreeMap<String, Tensor>, Error> {
    let file = safetensors::SafeTensors::deserialize(bytes).map_err(|e| Error(e.to_string()))?;
    let mut tensors = BTreeMap::new();
    for (name, view) in file.tensors() {
        let raw = view.data();
        let values: Vec<f64> = match view.dtype() {
            Dtype::F32 => raw
                .chunks_exact(4)
                .map(|c| f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]])))
                .collect(),
            Dtype::F64 => raw
                .chunks_exact(8)
                .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
                .collect(),
            Dtype::I32 => raw
                .chunks_exact(4)
                .map(|c| f64::from(i32::from_le_bytes([c[0], c[1], c[2], c[3]])))
                .collect(),
            Dtype::U8 => raw.iter().map(|&b| f64::from(b)).collect(),
            Dtype::I8 => raw.iter().map(|&b| f64::from(b as i8)).collect(),
            other => return Err(Error(format!("{name}: unsupported dtype {other:?}"))),
        };
        let tensor = Tensor {
            dtype: format!("{:?}", view.dtype()),
            shape: view.shape().to_vec(),
            values,
        };
        tensors.insert(name, tensor);
    }
    Ok(tensors)
}
