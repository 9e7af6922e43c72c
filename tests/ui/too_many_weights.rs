use cnn_runtime::cnn;

// 65536 x 65535 taps: 17 GiB of weights for a 4x4 input.
cnn! {
    pub struct Huge;
    input(4, 4, 1);
    Conv2D(1, (65536, 65535), padding = same)
}

fn main() {}
