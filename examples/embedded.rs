//! Weights compiled into the binary: no file is read at run time, and the
//! model lives in read-only memory (nothing is copied at start-up).
//!
//! `cargo run --release --example embedded`

cnn_runtime::cnn! {
    pub struct Mnist;
    input(28, 28, 1);
    weights = "fixtures/seed_mnist/weights.safetensors";
    Conv2D(32, 3x3, relu)  MaxPool(2)
    Conv2D(32, 3x3, relu)  MaxPool(2)
    Flatten  Dense(128, relu)  Dense(10, softmax)
}

fn main() {
    let model: &'static Mnist = Mnist::embedded();
    // A ring: a handwritten 0.
    let mut image = [[[0.0f32; 1]; 28]; 28];
    for (y, row) in image.iter_mut().enumerate() {
        for (x, pixel) in row.iter_mut().enumerate() {
            let (dy, dx) = (y as f32 - 13.5, (x as f32 - 13.5) * 1.4);
            let r = (dy * dy + dx * dx).sqrt();
            if (7.0..10.0).contains(&r) {
                pixel[0] = 1.0;
            }
        }
    }
    let mut scratch = <Mnist as cnn_runtime::Model>::new_scratch();
    let probabilities = model.forward_into(&image, &mut scratch);
    let digit = model.predict(&image);
    println!(
        "{} bytes of weights in the binary, {} bytes of scratch; a ring is a {digit} ({:.1} %)",
        <Mnist as cnn_runtime::Model>::PARAMS * 4,
        Mnist::SCRATCH_BYTES,
        100.0 * probabilities[digit]
    );
}
