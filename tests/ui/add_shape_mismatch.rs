use cnn_runtime::cnn;

// The shortcut keeps 16 channels, the branch makes 32: they cannot be added.
cnn! {
    pub struct Residual;
    input(16, 16, 3);
    x = Conv2D(16, 3x3, padding = same) ReLU;
    y = Conv2D(32, 3x3, padding = same)(x) BatchNormalization;
    Add(x, y) ReLU
    GlobalAvgPool Dense(10, softmax)
}

fn main() {}
