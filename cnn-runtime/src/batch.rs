//! Many images at once: a slice of inputs (in parallel with the `rayon`
//! feature), or an ndarray view `(N, H, W, C)` with the `ndarray` feature.
//! Each image runs the same allocation-free `forward_into`; only the outputs
//! and one scratch buffer per thread are allocated, once per batch. Inputs
//! and outputs are copied value by value on the heap, never through the
//! stack, so large maps do not overflow it.

use crate::memory::{flat, flat_mut, zeroed_box, zeroed_vec};
use crate::model::Model;
use std::vec::Vec;

/// Images per parallel task: enough to amortise a task, small enough to balance.
#[cfg(feature = "rayon")]
const CHUNK: usize = 16;

/// Many images at once, for every [`Model`] (a blanket implementation): bring
/// it into scope with `use cnn_runtime::ForwardBatch` or the
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
/// let model = Tiny::zeroed();
/// let images = vec![[[[0.5f32]; 4]; 4]; 40];
/// let outputs = model.forward_batch(&images);
/// assert_eq!(outputs.len(), 40);
/// assert_eq!(outputs[39], model.forward(&images[39]));
/// ```
pub trait ForwardBatch: Model + Sync {
    /// The outputs for every input, in order; on all cores with the `rayon`
    /// feature. Each image runs [`Model::forward_into`]; only the outputs and
    /// one scratch buffer per thread are allocated.
    fn forward_batch(&self, inputs: &[Self::Input]) -> Vec<Self::Output> {
        forward_batch(self, inputs)
    }

    /// The outputs for an ndarray batch `(N, ...INPUT_SHAPE)` (any strides:
    /// `(N, H, W, C)` for images), as an array `(N, ...OUTPUT_SHAPE)`.
    #[cfg(feature = "ndarray")]
    fn forward_ndarray<D: ndarray::RemoveAxis>(
        &self,
        batch: ndarray::ArrayView<'_, f32, D>,
    ) -> Result<ndarray::ArrayD<f32>, BatchShapeError> {
        forward_ndarray(self, batch)
    }
}

impl<M: Model + Sync> ForwardBatch for M {}

fn forward_batch<M: Model + Sync>(model: &M, inputs: &[M::Input]) -> Vec<M::Output> {
    let mut outputs = zeroed_vec::<M::Output>(inputs.len());
    let run = |inputs: &[M::Input], outputs: &mut [M::Output]| {
        let mut scratch = zeroed_box::<M::Scratch>();
        for (x, out) in inputs.iter().zip(outputs) {
            flat_mut(out).copy_from_slice(flat(model.forward_into(x, &mut scratch)));
        }
    };
    #[cfg(feature = "rayon")]
    {
        use rayon::prelude::*;
        // One scratch buffer per chunk of images, reused across the chunk.
        inputs
            .par_chunks(CHUNK)
            .zip(outputs.par_chunks_mut(CHUNK))
            .for_each(|(inputs, outputs)| run(inputs, outputs));
    }
    #[cfg(not(feature = "rayon"))]
    run(inputs, &mut outputs);
    outputs
}

/// A batch view whose shape is not `(N, ...)` of the model's input.
#[cfg(feature = "ndarray")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchShapeError {
    pub expected: &'static [usize],
    pub found: Vec<usize>,
}

#[cfg(feature = "ndarray")]
impl core::fmt::Display for BatchShapeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "a batch must have shape (N")?;
        for d in self.expected.iter() {
            write!(f, ", {d}")?;
        }
        write!(f, "), found {:?}", self.found)
    }
}

#[cfg(feature = "ndarray")]
impl std::error::Error for BatchShapeError {}

#[cfg(feature = "ndarray")]
fn forward_ndarray<M: Model + Sync, D: ndarray::RemoveAxis>(
    model: &M,
    batch: ndarray::ArrayView<'_, f32, D>,
) -> Result<ndarray::ArrayD<f32>, BatchShapeError> {
    let n = batch.shape().first().copied().unwrap_or(0);
    if batch.shape().get(1..) != Some(M::INPUT_SHAPE) {
        return Err(BatchShapeError {
            expected: M::INPUT_SHAPE,
            found: batch.shape().to_vec(),
        });
    }
    let mut inputs: Vec<M::Input> = zeroed_vec(n);
    for (input, image) in inputs.iter_mut().zip(batch.outer_iter()) {
        // `iter` walks the view in logical (row-major) order, whatever its strides.
        for (slot, value) in flat_mut(input).iter_mut().zip(image.iter()) {
            *slot = *value;
        }
    }
    let outputs = forward_batch(model, &inputs);
    let mut shape = std::vec![n];
    shape.extend_from_slice(M::OUTPUT_SHAPE);
    let values: Vec<f32> = outputs
        .iter()
        .flat_map(|o| flat(o).iter().copied())
        .collect();
    Ok(ndarray::ArrayD::from_shape_vec(shape, values).expect("N outputs of OUTPUT_SHAPE each"))
}
