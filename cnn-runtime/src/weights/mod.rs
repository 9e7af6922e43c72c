//! Trained weights in and out: safetensors and numpy `.npz`, with Keras' tensor
//! names (`{layer}.kernel`, `{layer}.bias`) and layouts. f32 is native; f16,
//! bf16, f64 and integer tensors are converted on load. A file either fills every tensor
//! of the model or is rejected with a [`WeightsError`]: never a partial model.

mod error;
mod npz;
mod safetensors_format;

pub use error::{WeightsError, WeightsErrorKind};

use crate::model::Model;
use cnn_weights::{matching, Stored, Wanted};
use std::boxed::Box;
use std::path::Path;

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

/// Fills a zeroed model from the tensors of a file, once every tensor has
/// been matched and checked (`cnn_weights::matching`, which the compiler's
/// embedding uses too): never a partial model.
pub(crate) fn build<M: Model>(stored: Vec<Stored<'_>>) -> Result<Box<M>, WeightsError> {
    let order = matching::check(&wanted::<M>(), &stored)
        .map_err(|problems| WeightsError::from_problem::<M>(&problems[0]))?;
    let mut model = M::zeroed();
    for (index, &s) in order.iter().enumerate() {
        if let Some(out) = model.tensor_mut(index) {
            stored[s].values.copy_to(out);
        }
    }
    Ok(model)
}

/// The model's tensors, as the matching sees them.
fn wanted<M: Model>() -> Vec<Wanted<'static>> {
    M::TENSORS
        .iter()
        .map(|t| Wanted {
            name: t.name,
            shape: t.shape,
        })
        .collect()
}

/// Checks that `path` is a regular file no larger than any weights file of
/// `M` can be, before anything opens it.
fn check_file<M: Model>(path: &Path) -> Result<(), WeightsError> {
    let values: u64 = M::TENSORS.iter().map(|t| t.len() as u64).sum();
    cnn_weights::file::check(path, cnn_weights::file::max_bytes(values))
        .map_err(|e| WeightsError::from_file(e).in_file(path))
}
