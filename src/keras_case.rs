//! A small Keras model made by one of `tests/keras/*.py` (Keras' own summary,
//! weights, inputs and outputs in `tests/keras/NAME/`), and the checks every
//! layer test makes of a model compiled from it.

use crate::safetensors;
use cnn_runtime::memory::{flat, flat_mut, zeroed_box};
use cnn_runtime::{simd, Model, WeightFiles};
use std::path::PathBuf;

/// The files of `tests/keras/NAME/`.
pub struct KerasCase {
    dir: PathBuf,
}

impl KerasCase {
    pub fn new(name: &str) -> Self {
        KerasCase {
            dir: PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("tests/keras")
                .join(name),
        }
    }

    /// Keras' `model.summary()`.
    pub fn summary(&self) -> String {
        std::fs::read_to_string(self.dir.join("summary.txt")).expect("the case has a summary")
    }

    /// `M`, loaded with the case's weights, gives Keras' outputs for Keras'
    /// inputs within `tolerance`, on every instruction-set path.
    pub fn assert_outputs<M: Model + WeightFiles>(&self, tolerance: f32) {
        let model = M::from_safetensors_file(self.dir.join("weights.safetensors"))
            .expect("the case's weights load by name");
        self.assert_model_outputs(&*model, tolerance);
    }

    /// [`KerasCase::assert_outputs`] for a model already loaded (with the
    /// case's weights, by some other route).
    pub fn assert_model_outputs<M: Model>(&self, model: &M, tolerance: f32) {
        let io = safetensors::read(&self.dir.join("io.safetensors")).expect("the case has io");
        let (inputs, outputs) = (io["inputs"].to_f32(), io["outputs"].to_f32());
        let n = io["inputs"].shape[0];
        let run = || {
            let mut input = zeroed_box::<M::Input>();
            let mut scratch = zeroed_box::<M::Scratch>();
            let pairs = inputs
                .chunks_exact(inputs.len() / n)
                .zip(outputs.chunks_exact(outputs.len() / n));
            for (x, keras) in pairs {
                flat_mut(&mut *input).copy_from_slice(x);
                let ours = flat(model.forward_into(&input, &mut scratch));
                for (o, k) in ours.iter().zip(keras) {
                    assert!(
                        (o - k).abs() <= tolerance,
                        "{}: {o} vs Keras {k} ({:?})",
                        self.dir.display(),
                        simd::isa()
                    );
                }
            }
        };
        run();
        simd::without_avx512(run);
        simd::with_portable(run);
    }
}
