//! The seed MNIST model as a WebAssembly module for a web page: the weights
//! are embedded, and the page talks to the model through a few exported
//! functions over plain numbers, so it needs no generated JavaScript glue.
//! The page can switch between the float32 model (Keras' weights) and the
//! int8 one (TensorFlow Lite's file, `include_tflite!`).
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

cnn_runtime::include_tflite! {
    /// The same model quantized to int8 by TensorFlow's converter.
    pub struct MnistInt8;
    "../../fixtures/seed_mnist/tflite/model.int8.tflite"
}

/// The image the page has set, the model it chose, and the model's last answer.
struct Page {
    image: [[[f32; 1]; 28]; 28],
    int8: bool,
    probabilities: [f32; 10],
}

static PAGE: Mutex<Page> = Mutex::new(Page {
    image: [[[0.0; 1]; 28]; 28],
    int8: false,
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

/// Chooses the model `classify` runs: int8 (TensorFlow Lite's file) when
/// `int8` is not 0, else float32 (Keras' weights).
#[no_mangle]
pub extern "C" fn use_int8(int8: u32) {
    page().int8 = int8 != 0;
}

/// What `classify` returns when the model has no answer: its probabilities
/// are NaN, as for an image with NaN pixels (NaN goes through the model as
/// through TensorFlow's operations).
pub const NO_DIGIT: u32 = 10;

/// Runs the chosen model on the image; returns the most probable digit, or
/// [`NO_DIGIT`].
#[no_mangle]
pub extern "C" fn classify() -> u32 {
    let mut page = page();
    let probabilities = if page.int8 {
        // Quantized with the file's input scale, dequantized on the way out.
        MnistInt8::new().forward_f32(&page.image)
    } else {
        Mnist::embedded().forward(&page.image)
    };
    page.probabilities = probabilities;
    if probabilities.iter().any(|p| p.is_nan()) {
        return NO_DIGIT;
    }
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

/// Bytes of weights embedded in the module for the chosen model (int8:
/// one byte per weight, four per bias).
#[no_mangle]
pub extern "C" fn weight_bytes() -> u32 {
    if page().int8 {
        <MnistInt8 as cnn_runtime::int8::Int8Model>::WEIGHT_BYTES as u32
    } else {
        (<Mnist as cnn_runtime::Model>::PARAMS * 4) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The page is one global: tests that set it run one at a time.
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

    /// Digits set pixel by pixel, as the page does, get Keras' classes.
    #[test]
    fn fixture_digits_get_keras_classes() {
        let _page = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
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
        // NaN pixels: no digit (not the digit a NaN happens to favour).
        for index in 0..28 * 28 {
            set_pixel(index, f32::NAN);
        }
        assert_eq!(classify(), NO_DIGIT);
        assert!(probability(1).is_nan());
        clear();
        assert_eq!(weight_bytes() as usize, 113_386 * 4);
    }

    /// With the int8 switch on, digits set as the page sets them get
    /// TensorFlow Lite's classes (argmax of its int8 outputs).
    #[test]
    fn int8_switch_gives_tensorflow_lite_classes() {
        let _page = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        let digits = cnn_examples::seed_digits(20).unwrap();
        let file = cnn_examples::safetensors::read(
            &cnn_examples::fixture_dir("seed_mnist").join("tflite/digits_int8.safetensors"),
        )
        .unwrap();
        let outputs = &file["outputs_q"].values;
        use_int8(1);
        for (i, digit) in digits.iter().enumerate() {
            clear();
            for (index, pixel) in digit.as_flattened().iter().enumerate() {
                set_pixel(index as u32, pixel[0]);
            }
            let row = &outputs[i * 10..][..10];
            let tflite = (0..10).fold(0, |best, d| if row[d] > row[best] { d } else { best });
            assert_eq!(classify() as usize, tflite, "digit {i}");
            let total: f32 = (0..10).map(|d| probability(d)).sum();
            assert!((total - 1.0).abs() < 0.05, "probabilities sum to {total}");
        }
        assert_eq!(weight_bytes() as usize, 113_992);
        use_int8(0);
    }
}
