//! safetensors, through the format's reference implementation, with errors in
//! words: what is wrong with a file that is not one.

use crate::matching::Stored;
use crate::values::Values;
use safetensors::tensor::{Dtype, SafeTensorError, SafeTensors, TensorView};
use std::fmt;

/// Bytes that are not a valid safetensors file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormatError {
    /// Truncated, text, bad offsets, ...: what is wrong, in words.
    Corrupt(String),
    /// The header announces more than the format's 100 MB.
    HeaderTooLarge,
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatError::Corrupt(reason) => f.write_str(reason),
            FormatError::HeaderTooLarge => {
                write!(f, "the header is over the format's 100 MB limit")
            }
        }
    }
}

impl std::error::Error for FormatError {}

/// Every tensor of a safetensors file, in the file's order, its values still
/// in the file's bytes.
pub fn read(bytes: &[u8]) -> Result<Vec<Stored<'_>>, FormatError> {
    let file = SafeTensors::deserialize(bytes).map_err(|e| match (e, explain(bytes)) {
        (_, Some(words)) => FormatError::Corrupt(words),
        (SafeTensorError::HeaderTooLarge, None) => FormatError::HeaderTooLarge,
        (other, None) => FormatError::Corrupt(other.to_string()),
    })?;
    Ok(file
        .tensors()
        .into_iter()
        .map(|(name, view)| {
            let data = view.data();
            let values = match view.dtype() {
                Dtype::F32 => Values::F32Le(data),
                Dtype::F64 => Values::F64Le(data),
                Dtype::F16 => Values::F16Le(data),
                Dtype::BF16 => Values::Bf16Le(data),
                Dtype::I8 | Dtype::I16 | Dtype::I32 | Dtype::I64 => Values::IntLe {
                    bytes: data,
                    width: view.dtype().bitsize() / 8,
                    signed: true,
                },
                Dtype::U8 | Dtype::U16 | Dtype::U32 | Dtype::U64 => Values::IntLe {
                    bytes: data,
                    width: view.dtype().bitsize() / 8,
                    signed: false,
                },
                other => Values::Unsupported(format!("{other:?}")),
            };
            Stored {
                name,
                shape: view.shape().to_vec(),
                values,
            }
        })
        .collect())
}

/// A safetensors file of f32 tensors (name, shape, values), in this order.
///
/// # Panics
/// If a tensor's values are not its shape's count: the caller builds both.
pub fn write(tensors: &[(&str, &[usize], &[f32])]) -> Vec<u8> {
    let bytes: Vec<Vec<u8>> = tensors
        .iter()
        .map(|(_, _, values)| values.iter().flat_map(|v| v.to_le_bytes()).collect())
        .collect();
    let views = tensors.iter().zip(&bytes).map(|((name, shape, _), data)| {
        let view = TensorView::new(Dtype::F32, shape.to_vec(), data)
            .expect("a tensor's values are its shape's count");
        (*name, view)
    });
    safetensors::tensor::serialize(views, None).expect("serialising in-memory tensors cannot fail")
}

/// The format's largest header.
pub const MAX_HEADER: u64 = 100_000_000;

/// What is wrong with bytes that are not a valid safetensors file, in words:
/// too short, text rather than a safetensors file, cut inside the header, or
/// the first tensor whose data lies past the end. `None` when none of these
/// is the problem.
fn explain(bytes: &[u8]) -> Option<String> {
    let len = bytes.len();
    let Some(start) = bytes.first_chunk::<8>() else {
        return Some(format!(
            "the file has {len} bytes; a safetensors file starts with 8 bytes giving its header's length"
        ));
    };
    if start
        .iter()
        .all(|&b| b == b'\t' || b == b'\n' || b == b'\r' || (0x20..0x7f).contains(&b))
    {
        let shown: String = start.iter().map(|&b| char::from(b)).collect();
        return Some(format!(
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
        return Some(format!(
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
    Some(format!(
        "the file ends after {len} bytes; tensor `{name}` needs bytes {}..{}",
        at + a,
        at + b
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_files_read_back() {
        let bytes = write(&[
            ("a.kernel", &[2, 2], &[1.0, 2.0, 3.0, 4.0]),
            ("a.bias", &[2], &[5.0, 6.0]),
        ]);
        let stored = read(&bytes).unwrap();
        let names: Vec<&str> = stored.iter().map(|t| t.name.as_str()).collect();
        assert!(names.contains(&"a.kernel") && names.contains(&"a.bias"));
        let bias = stored.iter().find(|t| t.name == "a.bias").unwrap();
        let mut values = [0.0; 2];
        bias.values.copy_to(&mut values);
        assert_eq!((bias.shape.as_slice(), values), (&[2][..], [5.0, 6.0]));
    }

    #[test]
    fn broken_files_are_explained_in_words() {
        let bytes = write(&[("dense.bias", &[4], &[0.0; 4])]);
        let cut = read(&bytes[..bytes.len() - 1]).unwrap_err().to_string();
        assert!(cut.contains("tensor `dense.bias` needs bytes"), "{cut}");
        let text = read(b"model = keras.Sequential()").unwrap_err().to_string();
        assert!(
            text.starts_with("this is not a safetensors file: it starts with text"),
            "{text}"
        );
        assert!(read(&[1, 2])
            .unwrap_err()
            .to_string()
            .contains("the file has 2 bytes"));
        let huge = [u64::MAX.to_le_bytes().as_slice(), &[0; 8]].concat();
        assert_eq!(read(&huge).unwrap_err(), FormatError::HeaderTooLarge);
    }
}
