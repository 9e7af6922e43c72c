use cnn_runtime::cnn;

// `side` is computed and never read: the model's output does not depend on it.
cnn! {
    pub struct Dangling;
    input(16, 16, 3);
    x = Conv2D(8, 3x3, padding = same) ReLU;
    side = Conv2D(4, 1x1)(x);
    Conv2D(8, 3x3)(x) GlobalAvgPool Dense(10, softmax)
}

fn main() {}
