//! The Keras fixture models (`fixtures/*/model.cnn`), declared once for the
//! examples and tests. Each `cnn!` body below is its fixture's `model.cnn`, line
//! for line (`tests/keras_parity.rs` checks that), so the tests run exactly the
//! models Keras built.

use cnn_runtime::cnn;

// fixtures/avgpool/model.cnn
cnn! {
    pub struct Avgpool;
    input(28, 28, 1);
    Conv2D(32, 3x3, relu)
    AvgPool(2)
    Conv2D(32, 3x3, relu)
    AvgPool(2)
    Flatten
    Dense(128, relu)
    Dense(10, softmax)
}

// fixtures/features_a/model.cnn
cnn! {
    pub struct FeaturesA;
    input(30, 22, 3);
    Conv2D(8, (5, 3), strides = (2, 1), padding = same, use_bias = false, activation = tanh)
    Conv2D(12, 3x3, dilation = 2, activation = elu)
    MaxPool((3, 2), strides = 2, padding = same)
    Conv2D(16, 1x1, gelu)
    AvgPool(2, strides = 1)
    GlobalMaxPool
    Dropout(0.3)
    Dense(20, swish)
    Dense(5, sigmoid)
}

// fixtures/features_b/model.cnn
cnn! {
    pub struct FeaturesB;
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

// fixtures/features_c/model.cnn
cnn! {
    pub struct FeaturesC;
    input(12, 9, 3);
    Conv2D(4, 3x3, leaky_relu)
    Conv2D(5, (2, 3), padding = same, dilation = (1, 2))
    LeakyReLU
    Activation(gelu)
    Flatten
    Dense(6, leaky_relu)
    Dense(3, softmax)
}

// fixtures/gap/model.cnn
cnn! {
    pub struct Gap;
    input(28, 28, 1);
    Conv2D(32, 3x3, relu)
    MaxPool(2)
    Conv2D(32, 3x3, relu)
    MaxPool(2)
    GlobalAvgPool
    Dense(128, relu)
    Dense(10, softmax)
}

// fixtures/gmp/model.cnn
cnn! {
    pub struct Gmp;
    input(28, 28, 1);
    Conv2D(32, 3x3, relu)
    MaxPool(2)
    Conv2D(32, 3x3, relu)
    MaxPool(2)
    GlobalMaxPool
    Dense(128, relu)
    Dense(10, softmax)
}

// fixtures/mixed_same/model.cnn
cnn! {
    pub struct MixedSame;
    input(28, 28, 1);
    Conv2D(32, 3x3, relu)
    AvgPool(3, strides = 2, padding = same)
    Conv2D(32, 3x3, strides = 2, padding = same, activation = relu)
    MaxPool(2, padding = same)
    Flatten
    Dense(128, relu)
    Dense(10, softmax)
}

// fixtures/pool_s1/model.cnn
cnn! {
    pub struct PoolS1;
    input(28, 28, 1);
    Conv2D(32, 3x3, relu)
    MaxPool(2, strides = 1)
    Conv2D(32, 3x3, relu)
    MaxPool(2, strides = 1)
    Flatten
    Dense(128, relu)
    Dense(10, softmax)
}

// fixtures/same/model.cnn
cnn! {
    pub struct Same;
    input(28, 28, 1);
    Conv2D(32, 3x3, padding = same, activation = relu)
    MaxPool(2, padding = same)
    Conv2D(32, 3x3, padding = same, activation = relu)
    MaxPool(2, padding = same)
    Flatten
    Dense(128, relu)
    Dense(10, softmax)
}

// fixtures/seed_mnist/model.cnn
cnn! {
    pub struct SeedMnist;
    input(28, 28, 1);
    Conv2D(32, 3x3, relu)
    MaxPool(2)
    Conv2D(32, 3x3, relu)
    MaxPool(2)
    Flatten
    Dense(128, relu)
    Dense(10, softmax)
}
