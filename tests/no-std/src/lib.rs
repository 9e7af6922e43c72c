//! A `#![no_std]` library with no allocator that declares the seed model and
//! runs it from statics. CI builds it for `thumbv7em-none-eabihf` (a Cortex-M4F
//! microcontroller), where `std` does not exist.
#![no_std]

use cnn_runtime::Model;

cnn_runtime::cnn! {
    pub struct Mnist;
    input(28, 28, 1);
    Conv2D(32, 3x3, relu) MaxPool(2) Conv2D(32, 3x3, relu) MaxPool(2)
    Flatten Dense(128, relu) Dense(10, softmax)
}

/// The model's weights, in a `static` (all zero until weights are embedded).
pub static MODEL: Mnist = Mnist::ZERO;

/// Scratch space of the static memory plan.
pub type Scratch = <Mnist as Model>::Scratch;

/// The digit in `image` and its probability, using caller-owned scratch.
pub fn classify(image: &[[[f32; 1]; 28]; 28], scratch: &mut Scratch) -> (usize, f32) {
    let probabilities = MODEL.forward_into(image, scratch);
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
    #[test]
    fn runs_from_statics() {
        let mut scratch = super::Scratch::new();
        let (digit, p) = super::classify(&[[[0.5]; 28]; 28], &mut scratch);
        // All weights zero: every class is equally likely.
        assert_eq!(digit, 0);
        assert!((p - 0.1).abs() < 1e-6);
    }
}
