use cnn_runtime::cnn;

cnn! {
    pub struct Mnist;
    input(28, 28, 1);
    Conv2D(32, 3x3, relu, name = "features")
    Conv2D(32, 3x3, relu, name = "features")
    Flatten
    Dense(10, softmax, name = "conv2d")
}

fn main() {}
