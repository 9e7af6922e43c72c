//! Shared by the examples and end-to-end tests: the Keras fixture models, where
//! their files are, and a minimal reader for their inputs and outputs.

pub mod keras_case;
pub mod models;
pub mod safetensors;

use std::path::PathBuf;

/// The folder of a Keras fixture copied into this repository (`fixtures/NAME`).
pub fn fixture_dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// The names of all Keras fixtures in the repository, sorted (not the
/// held-out `applications`, a folder of its own).
pub fn fixture_names() -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures"))
            .expect("the fixtures folder is part of the repository")
            .filter_map(|entry| {
                let entry = entry.ok()?;
                (entry.file_type().ok()?.is_dir() && entry.path().join("manifest.json").exists())
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

/// A fixture's Keras weights in a model whose layers Keras named otherwise.
///
/// Keras numbers automatic names per Python session (`conv2d_3` in a session
/// that built three models before), so a fixture's file and the same model
/// written anew (`cnn!`, or Keras code run in a fresh session) name layers
/// differently. Layers are paired in Keras' order (`M::LAYERS` and the
/// manifest's `layers`), and each tensor is looked up under its Keras name.
pub fn fixture_weights<M: cnn_runtime::Model>(name: &str) -> Box<M> {
    let dir = fixture_dir(name);
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("manifest.json")).expect("the fixture has a manifest"),
    )
    .expect("the manifest is JSON");
    let keras: Vec<&str> = manifest["layers"]
        .as_array()
        .expect("the manifest lists layers")
        .iter()
        .filter(|l| l["class"] != "InputLayer" && l["cls"] != "InputLayer")
        .map(|l| l["name"].as_str().expect("layers have names"))
        .collect();
    assert_eq!(keras.len(), M::LAYERS.len(), "{name}: the same layers");
    let renamed: std::collections::HashMap<&str, &str> = M::LAYERS
        .iter()
        .map(|l| l.name)
        .zip(keras.iter().copied())
        .collect();
    let file = safetensors::read(&dir.join("weights.safetensors")).expect("the weights read");
    let mut model = M::zeroed();
    model
        .load_with(|spec, values| {
            let (layer, variable) = spec.name.rsplit_once('.').expect("`layer.variable`");
            let wanted = format!("{}.{variable}", renamed[layer]);
            let tensor = file
                .iter()
                .find(|(stored, _)| *stored == &wanted || stored.ends_with(&format!(".{wanted}")))
                .map(|(_, t)| t)
                .ok_or_else(|| format!("{name}: no tensor {wanted} for {}", spec.name))?;
            if tensor.shape != spec.shape {
                return Err(format!("{name}: {wanted} has shape {:?}", tensor.shape));
            }
            values.copy_from_slice(&tensor.to_f32());
            Ok::<(), String>(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    model
}
