//! The seed model with Keras' trained weights, on real handwritten digits:
//! in float32 (`cnn!` with the weights file) and in int8 (the `.tflite` file
//! TensorFlow's converter made from the same model, `include_tflite!`).
//!
//! `cargo run --release --example mnist`

use cnn_examples::{fixture_dir, safetensors};
use cnn_runtime::{cnn, WeightFiles};
use std::time::Instant;

cnn! {
    /// The seed MNIST classifier.
    pub struct SeedMnist;
    input(28, 28, 1);
    Conv2D(32, 3x3, relu)  MaxPool(2)
    Conv2D(32, 3x3, relu)  MaxPool(2)
    Flatten  Dense(128, relu)  Dense(10, softmax)
}

cnn_runtime::include_tflite! {
    /// The same model, converted to full-integer int8 by TensorFlow Lite.
    pub struct SeedMnistInt8; "fixtures/seed_mnist/tflite/model.int8.tflite"
}

/// The int8 model needs no loading: its weights are in the binary.
static INT8: SeedMnistInt8 = SeedMnistInt8::new();

/// The index of the largest value.
fn argmax(values: &[f32]) -> usize {
    (0..values.len()).fold(0, |best, i| if values[i] > values[best] { i } else { best })
}

/// A 28x28 digit as text, two characters per pixel column pair.
fn ascii_art(image: &[[[f32; 1]; 28]; 28]) -> String {
    let shades = [' ', '.', ':', '+', '#'];
    let mut out = String::new();
    for row in image.iter().step_by(2) {
        for pixel in row {
            let shade = (pixel[0] * (shades.len() - 1) as f32).round() as usize;
            out.push(shades[shade.min(shades.len() - 1)]);
        }
        out.push('\n');
    }
    out
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    print!("{}", SeedMnist::summary());
    println!(
        "{:.2} MFLOP per image, {} KiB of scratch\n",
        SeedMnist::FLOPS as f64 / 1e6,
        SeedMnist::SCRATCH_BYTES / 1024
    );

    let dir = fixture_dir("seed_mnist");
    let model = SeedMnist::from_safetensors_file(dir.join("weights.safetensors"))?;
    let digits = safetensors::read(&dir.join("digits.safetensors"))?;
    let (pixels, labels) = (&digits["digits"].values, &digits["labels"].values);

    let image_of = |i: usize| {
        let mut image = [[[0.0f32; 1]; 28]; 28];
        for (y, row) in image.iter_mut().enumerate() {
            for (x, pixel) in row.iter_mut().enumerate() {
                pixel[0] = pixels[i * 784 + y * 28 + x] as f32 / 255.0;
            }
        }
        image
    };

    for (i, label) in labels.iter().enumerate().take(3) {
        let image = image_of(i);
        let probabilities = model.forward(&image);
        let class = model.predict(&image);
        print!("{}", ascii_art(&image));
        println!(
            "digit {i}: predicted {class} ({:.1} %), label {label}\n",
            100.0 * probabilities[class],
        );
    }

    let images: Vec<_> = (0..labels.len()).map(image_of).collect();
    let start = Instant::now();
    let correct = (0..labels.len())
        .filter(|&i| model.predict(&images[i]) as f64 == labels[i])
        .count();
    let elapsed = start.elapsed();
    println!(
        "float32: accuracy on the {} held-out digits {:.2} % (Keras: 96.75 %), {:.1} µs per image, {} KiB of weights",
        labels.len(),
        100.0 * correct as f64 / labels.len() as f64,
        elapsed.as_secs_f64() * 1e6 / labels.len() as f64,
        SeedMnist::PARAMS * 4 / 1024,
    );

    print!("\n{}", SeedMnistInt8::summary());
    let start = Instant::now();
    let correct = (0..labels.len())
        .filter(|&i| argmax(&INT8.forward_f32(&images[i])) as f64 == labels[i])
        .count();
    let elapsed = start.elapsed();
    println!(
        "int8:    accuracy on the {} held-out digits {:.2} % (TensorFlow Lite: 96.70 %), {:.1} µs per image",
        labels.len(),
        100.0 * correct as f64 / labels.len() as f64,
        elapsed.as_secs_f64() * 1e6 / labels.len() as f64,
    );
    Ok(())
}
