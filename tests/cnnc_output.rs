//! What `cnnc model.py -o model.rs` writes compiles against the runtime with no
//! macro, and runs exactly like the `cnn!` model. (`cnnc/tests/cli.rs` checks
//! that this file is what cnnc writes today.)

use cnn_examples::{fixture_dir, models};
use cnn_runtime::memory::flat;
use cnn_runtime::WeightFiles;

// A user crate would use all of it; this test uses only part.
#[allow(dead_code)]
mod generated {
    include!("generated/seed_mnist.rs");
}

#[test]
fn generated_rust_runs_like_the_macro_model() {
    let weights = fixture_dir("seed_mnist").join("weights.safetensors");
    let from_cnnc = generated::SeedMnist::from_safetensors_file(&weights).unwrap();
    let from_macro = models::SeedMnist::from_safetensors_file(&weights).unwrap();
    assert_eq!(
        generated::SeedMnist::summary(),
        models::SeedMnist::summary()
    );
    let mut x = [[[0.0f32; 1]; 28]; 28];
    for (i, v) in cnn_runtime::memory::flat_mut(&mut x).iter_mut().enumerate() {
        *v = (i % 17) as f32 / 17.0;
    }
    assert_eq!(flat(&from_cnnc.forward(&x)), flat(&from_macro.forward(&x)));
}
