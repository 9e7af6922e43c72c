use cnn_runtime::cnn;

cnn! {
    pub struct Mnist;
    input(28, 28, 1);
    Conv2D("32", 3x3, relu)
    MaxPool(2.5)
    Conv2D(32, 3x3, use_bias = "no")
    Dropout(half)
    Flatten
    Dense(10, activation = 3)
}

fn main() {}
