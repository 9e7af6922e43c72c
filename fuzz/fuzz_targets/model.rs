// The model the loaders fill: the features_b fixture's (five layers of
// weights, small enough that every input is cheap).
cnn_runtime::cnn! {
    pub struct Target;
    input(17, 17, 2);
    Conv2D(6, 3x3, padding = same)
    ReLU
    Conv2D(6, 3x3, strides = 2, activation = relu6)
    LeakyReLU
    Activation(softmax)
    AvgPool(3, strides = 2, padding = same)
    Flatten
    Dense(7)
    Softmax
}
