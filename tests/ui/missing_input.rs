use cnn_runtime::cnn;

cnn! {
    pub struct Mnist;
    Conv2D(32, 3x3, relu)
    Flatten
    Dense(10, softmax)
}

fn main() {}
