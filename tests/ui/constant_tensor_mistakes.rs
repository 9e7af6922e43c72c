use cnn_runtime::cnn;

// A per-channel constant for another number of channels.
cnn! {
    pub struct WrongChannels;
    input(4, 4, 3);
    SubtractConstant((0.5, 0.5))
}

// Rows of different lengths.
cnn! {
    pub struct Ragged;
    input(2, 3);
    MultiplyConstant(((1.0, 2.0, 3.0), (4.0, 5.0)))
}

fn main() {}
