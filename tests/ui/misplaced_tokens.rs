use cnn_runtime::cnn;

cnn! {
    pub struct Mnist;
    input(28, 28, 1);
    Conv2D(32, 3x3, relu) -> MaxPool(2)
    Conv2D(32, 3x3, relu, padding = same, padding = valid)
    Flatten
    Dense(10, softmax, 3)
}

fn main() {}
