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
