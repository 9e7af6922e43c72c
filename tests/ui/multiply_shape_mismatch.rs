use cnn_runtime::cnn;

// Per-channel weights of 4 channels cannot scale a map of 8.
cnn! {
    pub struct Scale;
    input(6, 6, 8);
    x = Conv2D(8, 1x1)(input);
    w = GlobalAvgPool(keepdims = true) Conv2D(4, 1x1, sigmoid);
    Multiply(x, w)
}

fn main() {}
