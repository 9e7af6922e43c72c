use cnn_runtime::cnn;

// A mean per channel, but for two of three channels.
cnn! {
    pub struct TwoOfThree;
    input(4, 4, 3);
    Normalization(mean = (0.5, 0.5), variance = 0.25)
}

// Adapted statistics (weights) are not there yet: said, not assumed.
cnn! {
    pub struct Adapted;
    input(4, 4, 3);
    Normalization
}

fn main() {}
