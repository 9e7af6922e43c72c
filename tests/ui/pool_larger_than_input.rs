use cnn_runtime::cnn;

cnn! {
    pub struct Small;
    input(8, 8, 1);
    Conv2D(4, 3x3, relu)
    MaxPool(4)
    AvgPool(2, padding = valid)
    Flatten
    Dense(10, softmax)
}

fn main() {}
