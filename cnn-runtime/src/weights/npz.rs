//! numpy `.npz`: a zip archive (stored or deflated) of `.npy` files, one per
//! tensor, as `np.savez(path, **{"conv2d.kernel": k, ...})` writes it.

use super::{build, Found, Values, WeightsError, WeightsErrorKind};
use crate::model::Model;
use std::borrow::Cow;
use std::boxed::Box;
use std::io::{Read, Seek};
use std::string::{String, ToString};
use std::vec::Vec;

/// A model from an `.npz` archive.
pub fn load_npz<M: Model, R: Read + Seek>(reader: R) -> Result<Box<M>, WeightsError> {
    let mut archive = zip::ZipArchive::new(reader).map_err(WeightsError::corrupt)?;
    let mut found = Vec::with_capacity(archive.len());
    for i in 0..archive.len() {
        let entry = archive.by_index(i).map_err(WeightsError::corrupt)?;
        let name = entry.name().map_err(WeightsError::corrupt)?.into_owned();
        let name = name.strip_suffix(".npy").unwrap_or(&name).to_string();
        // Only tensors the model has are read, and only once their shape is
        // known to match, so a hostile archive cannot make us read more than
        // the model's own size.
        let Some(spec) = M::TENSORS.iter().find(|s| s.name == name) else {
            return Err(WeightsError::new(WeightsErrorKind::UnexpectedTensor {
                name,
            }));
        };
        let npy = npyz::NpyFile::new(entry)
            .map_err(|e| WeightsError::corrupt(std::format!("`{name}`: {e}")))?;
        let shape: Vec<usize> = npy.shape().iter().map(|&d| d as usize).collect();
        if shape != spec.shape {
            return Err(WeightsError::new(WeightsErrorKind::WrongShape {
                name: spec.name,
                expected: spec.shape,
                found: shape,
            }));
        }
        if npy.order() != npyz::Order::C && shape.iter().filter(|&&d| d > 1).count() > 1 {
            return Err(WeightsError::corrupt(std::format!(
                "`{name}` is stored in Fortran order; save it with numpy's default C order"
            )));
        }
        let values = read_values(npy, &name)?;
        found.push(Found {
            name,
            shape,
            values: Values::F32(Cow::Owned(values)),
        });
    }
    build(found)
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
        _ => Err(unsupported(ty.to_string())),
    }
}
