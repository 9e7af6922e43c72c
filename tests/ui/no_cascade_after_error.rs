use cnn_runtime::cnn;

cnn! {
    pub struct Mnist;
    input(28, 28, 1);
    Conv2D(32, 9x9, strides = 4)
    Conv2D(32, 9x9)
    Flatten
    Dense(10, softmax)
}

// The type still exists, so code using it reports nothing more.
fn main() {
    let _ = Mnist::summary();
    let _ = Mnist::PARAMS;
}
