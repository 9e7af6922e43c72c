use cnn_runtime::cnn;

// A mean per channel, but for two of three channels.
cnn! {
    pub struct TwoOfThree;
    input(4, 4, 3);
    Normalization(mean = (0.5, 0.5), variance = 0.25)
}

// A mean without a variance: Keras asks for both or neither (adapted).
cnn! {
    pub struct MeanOnly;
    input(4, 4, 3);
    Normalization(mean = 0.5)
}

fn main() {}
