use cnn_runtime::cnn;

cnn! {
    pub struct Mnist;
    input(28, 28, 1);
    Conv2D(32, 3x3, stride = 2, activation = relu)
    MaxPool(2, pading = same)
    Flatten
    Dense(10, softmax, kernel_regularizer = l2)
}

fn main() {}
