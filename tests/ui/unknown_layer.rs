use cnn_runtime::cnn;

cnn! {
    pub struct Mnist;
    input(28, 28, 1);
    Conv2d(32, 3x3, relu)
    MaxPool(2)
    Flaten
    Dense(10, softmax)
}

fn main() {}
