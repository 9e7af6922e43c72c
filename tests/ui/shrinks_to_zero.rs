use cnn_runtime::cnn;

// 28 → 26 → 13 → 11 → 5 → 3 → 1 → nothing left for a 3x3 kernel.
cnn! {
    pub struct Deep;
    input(28, 28, 1);
    Conv2D(32, 3x3, relu)  MaxPool(2)
    Conv2D(32, 3x3, relu)  MaxPool(2)
    Conv2D(32, 3x3, relu)
    Conv2D(32, 3x3, relu)
    Conv2D(32, 3x3, relu)
    Flatten  Dense(10, softmax)
}

fn main() {}
