use cnn_runtime::cnn;

cnn! {
    pub struct Mnist;
    Conv2D(32, 3x3, relu)
    input(28, 28, 1);
    Flatten
    Dense(10, softmax)
}

fn main() {}
