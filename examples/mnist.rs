//! The seed model: its Keras summary and what the compiler knows about it.
//!
//! `cargo run --release --example mnist`

use cnn_runtime::cnn;

cnn! {
    /// The seed MNIST classifier.
    pub struct Mnist;
    input(28, 28, 1);
    Conv2D(32, 3x3, relu)  MaxPool(2)
    Conv2D(32, 3x3, relu)  MaxPool(2)
    Flatten  Dense(128, relu)  Dense(10, softmax)
}

fn main() {
    print!("{}", Mnist::summary());
    println!();
    println!("input  {:?}", Mnist::INPUT_SHAPE);
    println!("output {:?}", Mnist::OUTPUT_SHAPE);
    println!(
        "{} parameters, {:.2} MFLOP per image",
        Mnist::PARAMS,
        Mnist::FLOPS as f64 / 1e6
    );
    for layer in Mnist::LAYERS {
        println!(
            "  {:<16} {:<14} {:>10} FLOPs",
            layer.name,
            format!("{:?}", layer.output_shape),
            layer.flops
        );
    }
}
