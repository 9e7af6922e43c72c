use cnn_runtime::cnn;

// A 2-D convolution on a sequence.
cnn! {
    pub struct Conv2dOnSteps;
    input(20, 3);
    Conv2D(4, 3x3)
}

// A 1-D convolution on an image.
cnn! {
    pub struct Conv1dOnImage;
    input(8, 8, 3);
    Conv1D(4, 3)
}

// A pool longer than the sequence.
cnn! {
    pub struct PoolTooLong;
    input(3, 2);
    MaxPool1D(4)
}

fn main() {}
