use cnn_runtime::cnn;

// `output_padding` must be below the strides, as Keras asks.
cnn! {
    pub struct PaddingAboveStride;
    input(4, 4, 2);
    Conv2DTranspose(3, 3x3, strides = 2, output_padding = 2)
}

// An output from which TensorFlow's convolution would not give back the input.
cnn! {
    pub struct NoWayBack;
    input(3, 3, 2);
    Conv2DTranspose(3, 2x2, strides = 2, padding = same, output_padding = 0)
}

fn main() {}
