use cnn_runtime::cnn;

cnn! {
    pub struct Mnist;
    input(28, 28, 1);
    Conv2D(32, 3x3, relu)
    Activation(transformer)
    Flatten
    Dense(10, "softmx")
}

fn main() {}
