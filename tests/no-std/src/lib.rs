//! A `#![no_std]` library with no allocator that declares the seed model with
//! its Keras weights embedded at compile time and runs it from read-only
//! memory. CI builds it for `thumbv7em-none-eabihf` (a Cortex-M4F
//! microcontroller), where `std` does not exist.
#![no_std]

use cnn_runtime::Model;

cnn_runtime::cnn! {
    pub struct Mnist;
    input(28, 28, 1);
    weights = "../../fixtures/seed_mnist/weights.safetensors";
    Conv2D(32, 3x3, relu) MaxPool(2) Conv2D(32, 3x3, relu) MaxPool(2)
    Flatten Dense(128, relu) Dense(10, softmax)
}

/// Scratch space of the static memory plan.
pub type Scratch = <Mnist as Model>::Scratch;

/// The digit in `image` and its probability, using caller-owned scratch.
pub fn classify(image: &[[[f32; 1]; 28]; 28], scratch: &mut Scratch) -> (usize, f32) {
    let probabilities = Mnist::embedded().forward_into(image, scratch);
    let mut best = 0;
    for (i, &p) in probabilities.iter().enumerate() {
        if p > probabilities[best] {
            best = i;
        }
    }
    (best, probabilities[best])
}

#[cfg(test)]
mod tests {
    /// A vertical bar, like a handwritten 1.
    #[test]
    fn classifies_with_embedded_weights() {
        let mut image = [[[0.0f32]; 28]; 28];
        for row in image.iter_mut().skip(4).take(20) {
            row[13] = [1.0];
            row[14] = [1.0];
        }
        let mut scratch = super::Scratch::new();
        let (digit, p) = super::classify(&image, &mut scratch);
        assert_eq!(digit, 1);
        assert!(p > 0.5);
    }
}
