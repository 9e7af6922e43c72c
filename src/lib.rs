//! Shared by the examples and end-to-end tests: the Keras fixture models, where
//! their files are, and a minimal reader for their inputs and outputs.

pub mod models;
pub mod safetensors;

use std::path::PathBuf;

/// The folder of a Keras fixture copied into this repository (`fixtures/NAME`).
pub fn fixture_dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// The names of all Keras fixtures in the repository, sorted.
pub fn fixture_names() -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures"))
            .expect("the fixtures folder is part of the repository")
            .filter_map(|entry| {
                let entry = entry.ok()?;
                entry
                    .file_type()
                    .ok()?
                    .is_dir()
                    .then(|| entry.file_name().to_string_lossy().into_owned())
            })
            .collect();
    names.sort();
    names
}

/// The first `limit` bundled MNIST test digits (`fixtures/seed_mnist`),
/// scaled to [0, 1] as in training, in the seed model's input shape.
pub fn seed_digits(limit: usize) -> Result<Vec<[[[f32; 1]; 28]; 28]>, safetensors::Error> {
    let file = safetensors::read(&fixture_dir("seed_mnist").join("digits.safetensors"))?;
    let pixels = &file["digits"].values;
    Ok(pixels
        .chunks_exact(28 * 28)
        .take(limit)
        .map(|digit| {
            let mut image = [[[0.0f32; 1]; 28]; 28];
            for (cell, &p) in image.as_flattened_mut().iter_mut().zip(digit) {
                cell[0] = p as f32 / 255.0;
            }
            image
        })
        .collect())
}
