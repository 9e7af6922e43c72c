use cnn_runtime::cnn;

// `0x10` is the hexadecimal 16, not a kernel size.
cnn! {
    pub struct Hex;
    input(28, 28, 1);
    Conv2D(1, 0x10) Flatten Dense(2)
}

fn main() {}
