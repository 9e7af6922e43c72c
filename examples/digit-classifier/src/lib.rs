//! A handwritten-digit classifier with the model and its Keras-trained weights
//! compiled in: no files at run time, no allocation.
//!
//! ```
//! let mut digit = [[0u8; 28]; 28];
//! for row in &mut digit[4..24] {
//!     row[13] = 255;
//!     row[14] = 255;
//! }
//! let (class, confidence) = digit_classifier::classify(&digit);
//! assert_eq!(class, 1);
//! assert!(confidence > 0.9);
//! ```

cnn_runtime::cnn! {
    /// The seed MNIST model with the weights Keras trained.
    pub struct Mnist;
    input(28, 28, 1);
    weights = "../../fixtures/seed_mnist/weights.safetensors";
    Conv2D(32, 3x3, relu)  MaxPool(2)
    Conv2D(32, 3x3, relu)  MaxPool(2)
    Flatten  Dense(128, relu)  Dense(10, softmax)
}

/// The digit in a 28x28 grayscale image (0 = background, 255 = ink, as in
/// MNIST) and the model's probability for it.
pub fn classify(image: &[[u8; 28]; 28]) -> (u8, f32) {
    let mut input = [[[0.0f32; 1]; 28]; 28];
    for (row, pixels) in input.iter_mut().zip(image) {
        for (value, &pixel) in row.iter_mut().zip(pixels) {
            value[0] = f32::from(pixel) / 255.0;
        }
    }
    let probabilities = Mnist::embedded().forward(&input);
    let mut best = 0;
    for (digit, &p) in probabilities.iter().enumerate() {
        if p > probabilities[best] {
            best = digit;
        }
    }
    (best as u8, probabilities[best])
}
