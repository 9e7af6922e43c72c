//! The seed MNIST model as a WebAssembly module for a web page: the weights
//! are embedded, and the page talks to the model through four exported
//! functions over plain numbers, so it needs no generated JavaScript glue.
//!
//! ```
//! // A vertical stroke, as the page would set it: a 1.
//! for row in 4..24 {
//!     web_digits::set_pixel(row * 28 + 13, 1.0);
//!     web_digits::set_pixel(row * 28 + 14, 1.0);
//! }
//! assert_eq!(web_digits::classify(), 1);
//! assert!(web_digits::probability(1) > 0.5);
//! web_digits::clear();
//! ```

use std::sync::Mutex;

cnn_runtime::cnn! {
    /// The seed MNIST model with the weights Keras trained.
    pub struct Mnist;
    input(28, 28, 1);
    weights = "../../fixtures/seed_mnist/weights.safetensors";
    Conv2D(32, 3x3, relu)  MaxPool(2)
    Conv2D(32, 3x3, relu)  MaxPool(2)
    Flatten  Dense(128, relu)  Dense(10, softmax)
}

/// The image the page has set and the model's last answer.
struct Page {
    image: [[[f32; 1]; 28]; 28],
    probabilities: [f32; 10],
}

static PAGE: Mutex<Page> = Mutex::new(Page {
    image: [[[0.0; 1]; 28]; 28],
    probabilities: [0.0; 10],
});

fn page() -> std::sync::MutexGuard<'static, Page> {
    // A panic while the lock was held cannot leave the page inconsistent:
    // every field is plain numbers, overwritten whole.
    PAGE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Sets pixel `index` (row * 28 + column) of the model's input to `value`
/// (0 = background, 1 = ink, as MNIST pixels scaled by 1/255); an index past
/// the image is ignored.
#[no_mangle]
pub extern "C" fn set_pixel(index: u32, value: f32) {
    let (row, column) = (index as usize / 28, index as usize % 28);
    if let Some(pixel) = page().image.get_mut(row).and_then(|r| r.get_mut(column)) {
        pixel[0] = value;
    }
}

/// Sets every pixel to 0.
#[no_mangle]
pub extern "C" fn clear() {
    page().image = [[[0.0; 1]; 28]; 28];
}

/// Runs the model on the image; returns the most probable digit.
#[no_mangle]
pub extern "C" fn classify() -> u32 {
    let mut page = page();
    let probabilities = Mnist::embedded().forward(&page.image);
    page.probabilities = probabilities;
    let mut best = 0;
    for (digit, &p) in probabilities.iter().enumerate() {
        if p > probabilities[best] {
            best = digit;
        }
    }
    best as u32
}

/// The probability of `digit` in the last answer (0 for a digit past 9).
#[no_mangle]
pub extern "C" fn probability(digit: u32) -> f32 {
    page()
        .probabilities
        .get(digit as usize)
        .copied()
        .unwrap_or(0.0)
}

/// Bytes of weights embedded in the module.
#[no_mangle]
pub extern "C" fn weight_bytes() -> u32 {
    (<Mnist as cnn_runtime::Model>::PARAMS * 4) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Digits set pixel by pixel, as the page does, get Keras' classes.
    #[test]
    fn fixture_digits_get_keras_classes() {
        let digits = cnn_examples::seed_digits(20).unwrap();
        let file = cnn_examples::safetensors::read(
            &cnn_examples::fixture_dir("seed_mnist").join("digits.safetensors"),
        )
        .unwrap();
        let predicted = &file["predicted"].values;
        for (digit, &keras) in digits.iter().zip(predicted) {
            clear();
            for (index, pixel) in digit.as_flattened().iter().enumerate() {
                set_pixel(index as u32, pixel[0]);
            }
            assert_eq!(f64::from(classify()), keras);
            let total: f32 = (0..10).map(|d| probability(d)).sum();
            assert!((total - 1.0).abs() < 1e-5);
        }
        set_pixel(28 * 28, 1.0); // past the image: ignored
        assert_eq!(probability(10), 0.0);
        assert_eq!(weight_bytes() as usize, 113_386 * 4);
    }
}
