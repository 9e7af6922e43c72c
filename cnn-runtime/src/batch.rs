//! Many images at once: a slice of inputs (in parallel with the `rayon`
//! feature), or an ndarray view `(N, H, W, C)` with the `ndarray` feature.
//! Each image runs the same allocation-free `forward_into`; only the outputs
//! and one scratch buffer per thread are allocated, once per batch. Inputs
//! and outputs are copied value by value on the heap, never through the
//! stack, so large maps do not overflow it.

use crate::memory::{boxed_zeroed, flat, flat_mut, zeroed_vec};
use crate::model::Model;
use std::vec::Vec;

/// Images per parallel task: enough to amortise a task, small enough to balance.
#[cfg(feature = "rayon")]
const CHUNK: usize = 16;

/// The outputs of `model` for every input, in order.
pub fn forward_batch<M: Model + Sync>(model: &M, inputs: &[M::Input]) -> Vec<M::Output>
where
    M::Input: Sync,
    M::Output: Send,
{
    let mut outputs = zeroed_vec::<M::Output>(inputs.len());
    let run = |inputs: &[M::Input], outputs: &mut [M::Output]| {
        let mut scratch = boxed_zeroed::<M::Scratch>();
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

/// The outputs for a batch `(N, ...input shape)`, as `(N, ...output shape)`.
#[cfg(feature = "ndarray")]
pub fn forward_ndarray<M: Model + Sync, D: ndarray::RemoveAxis>(
    model: &M,
    batch: ndarray::ArrayView<'_, f32, D>,
) -> Result<ndarray::ArrayD<f32>, BatchShapeError>
where
    M::Input: Send + Sync,
    M::Output: Send,
{
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
