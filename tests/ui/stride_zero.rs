use cnn_runtime::cnn;

cnn! {
    pub struct Mnist;
    input(28, 28, 1);
    Conv2D(32, 3x3, strides = 0, activation = relu)
    MaxPool(2, strides = (2, 0))
    Flatten
    Dense(10, softmax)
}

fn main() {}
