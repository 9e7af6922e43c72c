//! The classifier on the 2,000 held-out MNIST digits: Keras' class for every
//! one, so Keras' accuracy (96.75 %).

use cnn_examples::{fixture_dir, safetensors};

#[test]
fn classifies_every_held_out_digit_as_keras_does() {
    let digits = safetensors::read(&fixture_dir("seed_mnist").join("digits.safetensors")).unwrap();
    let (pixels, labels, keras) = (
        &digits["digits"].values,
        &digits["labels"].values,
        &digits["predicted"].values,
    );
    let mut correct = 0;
    for i in 0..labels.len() {
        let mut image = [[0u8; 28]; 28];
        for (k, p) in pixels[i * 784..][..784].iter().enumerate() {
            image[k / 28][k % 28] = *p as u8;
        }
        let (digit, confidence) = digit_classifier::classify(&image);
        assert_eq!(f64::from(digit), keras[i], "digit {i}");
        assert!((0.0..=1.0).contains(&confidence));
        correct += usize::from(f64::from(digit) == labels[i]);
    }
    assert_eq!(correct, 1935, "Keras: 1,935 of 2,000 (96.75 %)");
}
