use cnn_runtime::cnn;

// Four unrelated mistakes, all reported by one compile.
cnn! {
    pub struct Mnist;
    input(28, 28, 1);
    Conv2D(32, 3x3, activation = rleu)
    MaxPool(2, strides = 0)
    Dense(128, relu, name = "head")
    Dense(10, softmax, name = "head")
    Dropot(0.5)
}

fn main() {}
