//! The seed model and its GlobalMaxPooling2D variant side by side: replacing
//! `Flatten` by a global pool shrinks the first Dense layer from 800 to 32
//! inputs, and the model from 113,386 to 15,082 parameters.
//!
//! `cargo run --release --example global_pooling`

use cnn_runtime::cnn;

cnn! {
    pub struct Flattened;
    input(28, 28, 1);
    Conv2D(32, 3x3, relu)  MaxPool(2)
    Conv2D(32, 3x3, relu)  MaxPool(2)
    Flatten  Dense(128, relu)  Dense(10, softmax)
}

cnn! {
    pub struct GlobalMax;
    input(28, 28, 1);
    Conv2D(32, 3x3, relu)  MaxPool(2)
    Conv2D(32, 3x3, relu)  MaxPool(2)
    GlobalMaxPool  Dense(128, relu)  Dense(10, softmax)
}

fn main() {
    print!("{}\n{}\n", Flattened::summary(), GlobalMax::summary());
    println!(
        "{:<36} {:>9}   {:<36} {:>9}",
        "with Flatten", "params", "with GlobalMaxPooling2D", "params"
    );
    for (a, b) in Flattened::LAYERS.iter().zip(GlobalMax::LAYERS) {
        let describe = |l: &cnn_runtime::LayerInfo| format!("{} {:?}", l.name, l.output_shape);
        println!(
            "{:<36} {:>9}   {:<36} {:>9}",
            describe(a),
            a.params,
            describe(b),
            b.params
        );
    }
    println!(
        "{:<36} {:>9}   {:<36} {:>9}",
        "total",
        Flattened::PARAMS,
        "total",
        GlobalMax::PARAMS
    );
    println!(
        "\nthe global pool feeds 32 values instead of 800 to the first Dense layer: \
         {:.1}x fewer parameters, {:.2} vs {:.2} MFLOP per image",
        Flattened::PARAMS as f64 / GlobalMax::PARAMS as f64,
        Flattened::FLOPS as f64 / 1e6,
        GlobalMax::FLOPS as f64 / 1e6
    );
}
