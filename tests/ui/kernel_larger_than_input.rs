use cnn_runtime::cnn;

cnn! {
    pub struct Small;
    input(6, 6, 3);
    Conv2D(8, 3x3, relu)
    Conv2D(8, 5x5, relu)
    Flatten
    Dense(10, softmax)
}

fn main() {}
