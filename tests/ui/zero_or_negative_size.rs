use cnn_runtime::cnn;

cnn! {
    pub struct Mnist;
    input(28, 0, 1);
    Conv2D(0, 3x3, relu)
    Conv2D(8, (3, -1))
    Flatten
    Dense(-10, softmax)
}

fn main() {}
