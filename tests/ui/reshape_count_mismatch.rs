use cnn_runtime::cnn;

cnn! {
    pub struct FlatDigits;
    input(784);
    Reshape((28, 27, 1))
    Conv2D(8, 3x3, relu) Flatten Dense(10, softmax)
}

fn main() {}
