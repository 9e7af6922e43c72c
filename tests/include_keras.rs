//! `include_keras!`: a model from Keras' own `model.to_json()` file is the same
//! model as the hand-written `cnn!` one.

use cnn_examples::{fixture_dir, models};
use cnn_runtime::memory::flat;
use cnn_runtime::WeightFiles;

cnn_runtime::include_keras! {
    /// The seed model, from Keras' JSON.
    pub struct Seed;
    "fixtures/seed_mnist/config.json"
}

mod unnamed {
    // No `struct` line: the type is named after the Keras model, `mixed_same`.
    cnn_runtime::include_keras! { "fixtures/mixed_same/config.json" }

    #[test]
    fn the_type_is_named_after_the_keras_model() {
        assert!(MixedSame::summary().starts_with("Model: \"mixed_same\""));
        assert_eq!(MixedSame::PARAMS, 76_522);
    }
}

cnn_runtime::include_keras! { pub struct FeaturesA; "fixtures/features_a/config.json"; }

#[test]
fn summaries_are_keras_summaries() {
    let keras =
        |name: &str| std::fs::read_to_string(fixture_dir(name).join("summary.txt")).unwrap();
    // The type is `Seed`; the table is Keras', with Keras' model name.
    assert_eq!(Seed::summary(), keras("seed_mnist"));
    assert_eq!(FeaturesA::summary(), keras("features_a"));
}

/// Same weights, same inputs: bit-identical outputs to the `cnn!` models.
#[test]
fn runs_like_the_hand_written_model() {
    let weights = fixture_dir("features_a").join("weights.safetensors");
    let from_json = FeaturesA::from_safetensors_file(&weights).unwrap();
    let from_dsl = models::FeaturesA::from_safetensors_file(&weights).unwrap();
    let mut input = [[[0.0f32; 3]; 22]; 30];
    for (i, v) in cnn_runtime::memory::flat_mut(&mut input)
        .iter_mut()
        .enumerate()
    {
        *v = ((i * 7919) % 101) as f32 / 100.0;
    }
    assert_eq!(
        flat(&from_json.forward(&input)),
        flat(&from_dsl.forward(&input))
    );
    assert_eq!(Seed::TENSORS, models::SeedMnist::TENSORS);
}

mod hostile_names {
    // A model named `self` (a Rust keyword as a type name: `SelfModel`),
    // with layer names holding terminal escapes, a Markdown fence, HTML and a
    // right-to-left override.
    cnn_runtime::include_keras! { "tests/keras/hostile_names.json" }

    #[test]
    fn names_from_the_file_cannot_clash_or_reach_a_terminal_raw() {
        let summary = SelfModel::summary();
        assert!(summary.starts_with("Model: \"self\""));
        assert!(
            !summary.chars().any(|c| c.is_control() && c != '\n'),
            "{summary}"
        );
        assert!(summary.contains("input\\u{1b}]0;title\\u{7}"), "{summary}");
        assert!(summary.contains("pool\\u{202e}gnp.exe"), "{summary}");
        // The weights keep Keras' names, as the weights file has them.
        assert!(SelfModel::TENSORS[0].name.starts_with("evil```\n<img"));
        assert_eq!(SelfModel::PARAMS, 40);
    }
}
