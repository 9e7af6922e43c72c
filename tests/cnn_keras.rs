//! Keras code pasted into Rust (`cnn_keras!`) or included from a `.py` file
//! (`include_keras!`) gives the same model as the `cnn!` DSL, with Keras'
//! summary.

use cnn_examples::{fixture_dir, models};
use cnn_runtime::memory::flat;
use cnn_runtime::WeightFiles;

cnn_runtime::cnn_keras! { pub struct Mnist; r#"
# The seed's practical cell, as written for Keras.
from keras.models import Sequential
from keras.layers import Conv2D, MaxPooling2D, Flatten, Dense

model = Sequential()
model.add(Conv2D(32, kernel_size=(3, 3),padding="valid", input_shape=(28, 28, 1), activation='relu'))
model.add(MaxPooling2D(pool_size=(2, 2), strides=(2, 2), padding='valid'))
model.add(Conv2D(32, kernel_size=(3, 3), padding="valid", activation='relu'))
model.add(MaxPooling2D(pool_size=(2, 2), strides=(2, 2), padding='valid'))
model.add(Flatten())
model.add(Dense(128, activation='relu'))
model.add(Dense(10, activation='softmax'))
model.summary()
"# }

mod global_max {
    // The GlobalMaxPooling2D variant, as a list, named by Keras' `name=`.
    cnn_runtime::cnn_keras! { r#"
import tensorflow as tf
num_classes = 10
model = tf.keras.Sequential(
    [
        tf.keras.Input(shape=(28, 28, 1)),
        tf.keras.layers.Conv2D(32, (3, 3), activation="relu"),
        tf.keras.layers.MaxPooling2D((2, 2)),
        tf.keras.layers.Conv2D(32, (3, 3), activation="relu"),
        tf.keras.layers.MaxPooling2D((2, 2)),
        tf.keras.layers.GlobalMaxPooling2D(),
        tf.keras.layers.Dense(128, activation="relu"),
        tf.keras.layers.Dense(num_classes, activation="softmax"),
    ],
    name="gmp",
)
"# }

    #[test]
    fn named_after_the_keras_model() {
        let keras =
            std::fs::read_to_string(cnn_examples::fixture_dir("gmp").join("summary.txt")).unwrap();
        assert_eq!(Gmp::summary(), keras);
        assert_eq!(Gmp::PARAMS, 15_082);
    }
}

cnn_runtime::include_keras! { pub struct FeaturesB; "fixtures/features_b/keras_source.py" }

#[test]
fn the_pasted_seed_cell_is_the_seed_model() {
    let keras = std::fs::read_to_string(fixture_dir("seed_mnist").join("summary.txt")).unwrap();
    // No `name=`: Keras calls the model "sequential", and so does the summary.
    assert_eq!(
        Mnist::summary(),
        keras.replacen("\"seed_mnist\"", "\"sequential\"", 1)
    );
    assert_eq!(Mnist::PARAMS, 113_386);
    assert_eq!(Mnist::TENSORS, models::SeedMnist::TENSORS);
}

#[test]
fn an_included_python_file_runs_like_the_dsl_model() {
    assert_eq!(FeaturesB::summary(), models::FeaturesB::summary());
    let weights = fixture_dir("features_b").join("weights.safetensors");
    let ours = FeaturesB::from_safetensors_file(&weights).unwrap();
    let dsl = models::FeaturesB::from_safetensors_file(&weights).unwrap();
    let mut x = [[[0.0f32; 2]; 17]; 17];
    for (i, v) in cnn_runtime::memory::flat_mut(&mut x).iter_mut().enumerate() {
        *v = (i % 13) as f32 / 13.0;
    }
    assert_eq!(flat(&ours.forward(&x)), flat(&dsl.forward(&x)));
}

// The same cells from files: include_keras! (cnnc reads them in cnnc/tests/cli.rs).
mod from_files {
    cnn_runtime::include_keras! { pub struct SeedMnist; "tests/keras/seed_cell.py" }
    cnn_runtime::include_keras! { pub struct Gmp; "tests/keras/seed_gmp.py" }

    #[test]
    fn the_seed_cells_give_keras_summaries() {
        // Without `name=`, Keras calls a model "sequential".
        let keras = |name: &str| {
            std::fs::read_to_string(cnn_examples::fixture_dir(name).join("summary.txt"))
                .unwrap()
                .replacen(&format!("\"{name}\""), "\"sequential\"", 1)
        };
        assert_eq!(SeedMnist::summary(), keras("seed_mnist"));
        assert_eq!(SeedMnist::PARAMS, 113_386);
        assert_eq!(Gmp::summary(), keras("gmp"));
        assert_eq!(Gmp::PARAMS, 15_082);
    }
}
