//! A model pasted from Keras code, with the weights Keras trained.
//!
//! `cargo run --release --example keras_paste`

use cnn_examples::fixture_dir;
use cnn_runtime::WeightFiles;

cnn_runtime::cnn_keras! { pub struct Mnist; r#"
from keras.models import Sequential
from keras.layers import Conv2D, MaxPooling2D, Flatten, Dense

model = Sequential()
model.add(Conv2D(32, kernel_size=(3, 3), padding="valid", input_shape=(28, 28, 1), activation='relu'))
model.add(MaxPooling2D(pool_size=(2, 2), strides=(2, 2), padding='valid'))
model.add(Conv2D(32, kernel_size=(3, 3), padding="valid", activation='relu'))
model.add(MaxPooling2D(pool_size=(2, 2), strides=(2, 2), padding='valid'))
model.add(Flatten())
model.add(Dense(128, activation='relu'))
model.add(Dense(10, activation='softmax'))
model.summary()
"# }

fn main() -> Result<(), Box<dyn std::error::Error>> {
    print!("{}", Mnist::summary());
    let model =
        Mnist::from_safetensors_file(fixture_dir("seed_mnist").join("weights.safetensors"))?;
    // A vertical stroke: a handwritten 1.
    let mut image = [[[0.0f32; 1]; 28]; 28];
    for row in image.iter_mut().skip(4).take(20) {
        row[13] = [1.0];
        row[14] = [1.0];
    }
    let probabilities = model.forward(&image);
    let digit = model.predict(&image);
    println!(
        "a vertical stroke is a {digit} ({:.1} %)",
        100.0 * probabilities[digit]
    );
    Ok(())
}
