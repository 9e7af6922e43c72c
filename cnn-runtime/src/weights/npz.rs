//! numpy `.npz`: a zip archive (stored or deflated) of `.npy` files, one per
//! tensor, as `np.savez(path, **{"conv2d.kernel": k, ...})` writes it.

use super::{build, WeightsError, WeightsErrorKind};
use crate::model::Model;
use cnn_weights::{matching, Stored, Values};
use std::borrow::Cow;
use std::boxed::Box;
use std::io::{Read, Seek};
use std::string::{String, ToString};
use std::vec::Vec;

/// A model from an `.npz` archive.
pub(super) fn load<M: Model, R: Read + Seek>(reader: R) -> Result<Box<M>, WeightsError> {
    let mut archive = zip::ZipArchive::new(reader).map_err(WeightsError::corrupt)?;
    // The members' names come from the archive's directory (in index order),
    // so each is matched to a model tensor, as in every format, before any
    // member is read.
    let names = archive
        .file_names()
        .map(|n| n.map(|n| n.strip_suffix(".npy").unwrap_or(&n).to_string()))
        .collect::<Result<Vec<String>, _>>()
        .map_err(WeightsError::corrupt)?;
    let wanted = super::wanted::<M>();
    let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let assigned = matching::assign(&wanted, &name_refs);
    let mut stored = Vec::with_capacity(archive.len());
    for i in 0..archive.len() {
        let entry = archive.by_index(i).map_err(WeightsError::corrupt)?;
        let name = names[i].clone();
        // Only tensors the model has are read, and only once their shape is
        // known to match, so a hostile archive cannot make us read more than
        // the model's own size.
        let Some(spec) = assigned[i].map(|w| &M::TENSORS[w]) else {
            return Err(WeightsError::new(WeightsErrorKind::UnexpectedTensor {
                name,
            }));
        };
        // The npy header is read and its shape checked here, before npyz sees
        // the member: a hostile header cannot make it allocate or overflow.
        let mut entry = entry.take(max_member_bytes(spec.len()));
        let header = read_header(&mut entry, &name)?;
        let shape = header_shape(&header).ok_or_else(|| {
            WeightsError::corrupt(std::format!("`{name}`: no shape in the npy header"))
        })?;
        if shape != spec.shape {
            return Err(WeightsError::new(WeightsErrorKind::WrongShape {
                name: spec.name,
                expected: spec.shape,
                found: shape,
            }));
        }
        let npy = npyz::NpyFile::new(std::io::Cursor::new(header.bytes).chain(entry))
            .map_err(|e| WeightsError::corrupt(std::format!("`{name}`: {e}")))?;
        if npy.order() != npyz::Order::C && shape.iter().filter(|&&d| d > 1).count() > 1 {
            return Err(WeightsError::corrupt(std::format!(
                "`{name}` is stored in Fortran order; save it with numpy's default C order"
            )));
        }
        let values = read_values(npy, &name)?;
        stored.push(Stored {
            name,
            shape,
            values: Values::F32(Cow::Owned(values)),
        });
    }
    build(stored)
}

/// npy headers are a short Python dict (numpy writes under 200 bytes).
const MAX_HEADER: usize = 1 << 16;

/// The most bytes a member holding `values` numbers can need: the largest
/// header allowed and 8 bytes per value (f64, the widest type loaded).
fn max_member_bytes(values: usize) -> u64 {
    (MAX_HEADER as u64 + 12) + 8 * values as u64
}

/// An npy member's header: all its bytes (magic, version, length, text), to
/// be read again by npyz, and the text.
struct NpyHeader {
    bytes: Vec<u8>,
    text: String,
}

/// Reads the magic, the version, the header's length (refused above
/// [`MAX_HEADER`]) and the header itself.
fn read_header(reader: &mut impl Read, name: &str) -> Result<NpyHeader, WeightsError> {
    let corrupt = |what: &str| WeightsError::corrupt(std::format!("`{name}`: {what}"));
    let mut start = [0u8; 8];
    reader
        .read_exact(&mut start)
        .map_err(|_| corrupt("the member ends before its npy header"))?;
    if &start[..6] != b"\x93NUMPY" {
        return Err(corrupt("not an npy array (no \\x93NUMPY magic)"));
    }
    let mut bytes = start.to_vec();
    let len = if start[6] == 1 {
        let mut len = [0u8; 2];
        reader
            .read_exact(&mut len)
            .map_err(|_| corrupt("truncated npy header"))?;
        bytes.extend_from_slice(&len);
        usize::from(u16::from_le_bytes(len))
    } else {
        let mut len = [0u8; 4];
        reader
            .read_exact(&mut len)
            .map_err(|_| corrupt("truncated npy header"))?;
        bytes.extend_from_slice(&len);
        usize::try_from(u32::from_le_bytes(len)).unwrap_or(usize::MAX)
    };
    if len > MAX_HEADER {
        return Err(WeightsError::new(WeightsErrorKind::HeaderTooLarge(
            std::format!("`{name}` declares an npy header of {len} bytes (at most {MAX_HEADER})"),
        )));
    }
    let at = bytes.len();
    bytes.resize(at + len, 0);
    reader
        .read_exact(&mut bytes[at..])
        .map_err(|_| corrupt("the member ends inside its npy header"))?;
    let text = String::from_utf8_lossy(&bytes[at..]).into_owned();
    Ok(NpyHeader { bytes, text })
}

/// The `'shape': (a, b, ...)` of an npy header; sizes too large for a
/// `usize` read as `usize::MAX` (they match no model).
fn header_shape(header: &NpyHeader) -> Option<Vec<usize>> {
    let text = &header.text;
    let after = &text[text.find("'shape'")? + "'shape'".len()..];
    let open = after.find('(')?;
    let close = open + after[open..].find(')')?;
    after[open + 1..close]
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| {
            d.trim_end_matches('L')
                .parse::<u128>()
                .ok()
                .map(|n| usize::try_from(n).unwrap_or(usize::MAX))
        })
        .collect()
}

fn read_values<R: Read>(npy: npyz::NpyFile<R>, name: &str) -> Result<Vec<f32>, WeightsError> {
    let dtype = npy.dtype();
    let corrupt = |e: std::io::Error| WeightsError::corrupt(std::format!("`{name}`: {e}"));
    let unsupported = |dtype: String| {
        WeightsError::new(WeightsErrorKind::UnsupportedDtype {
            name: name.to_string(),
            dtype,
        })
    };
    let npyz::DType::Plain(ty) = &dtype else {
        return Err(unsupported(std::format!("{dtype:?}")));
    };
    match (ty.type_char(), ty.size_field()) {
        (npyz::TypeChar::Float, 4) => npy.into_vec::<f32>().map_err(corrupt),
        (npyz::TypeChar::Float, 8) => Ok(npy
            .into_vec::<f64>()
            .map_err(corrupt)?
            .into_iter()
            .map(|v| v as f32)
            .collect()),
        (npyz::TypeChar::Float, 2) => Ok(npy
            .into_vec::<half::f16>()
            .map_err(corrupt)?
            .into_iter()
            .map(f32::from)
            .collect()),
        // Integers (Keras keeps a Normalization's `count` as int64), to the
        // nearest f32.
        (npyz::TypeChar::Int, 1) => integers::<i8, _>(npy).map_err(corrupt),
        (npyz::TypeChar::Int, 2) => integers::<i16, _>(npy).map_err(corrupt),
        (npyz::TypeChar::Int, 4) => integers::<i32, _>(npy).map_err(corrupt),
        (npyz::TypeChar::Int, 8) => integers::<i64, _>(npy).map_err(corrupt),
        (npyz::TypeChar::Uint, 1) => integers::<u8, _>(npy).map_err(corrupt),
        (npyz::TypeChar::Uint, 2) => integers::<u16, _>(npy).map_err(corrupt),
        (npyz::TypeChar::Uint, 4) => integers::<u32, _>(npy).map_err(corrupt),
        (npyz::TypeChar::Uint, 8) => integers::<u64, _>(npy).map_err(corrupt),
        _ => Err(unsupported(ty.to_string())),
    }
}

fn integers<T: npyz::Deserialize + Into<i128>, R: Read>(
    npy: npyz::NpyFile<R>,
) -> std::io::Result<Vec<f32>> {
    Ok(npy
        .into_vec::<T>()?
        .into_iter()
        .map(|v| v.into() as f32)
        .collect())
}
