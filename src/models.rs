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

// fixtures/bn_dw/model.cnn
cnn! {
    pub struct BnDw;
    input(28, 28, 1);
    Rescaling(0.00784313725490196, offset = -1.0)
    ZeroPadding2D(((1, 2), (0, 1)))
    Conv2D(16, 3x3, strides = 2, use_bias = false)
    BatchNormalization
    ReLU(max_value = 6.0)
    DepthwiseConv2D(3x3, depth_multiplier = 2, padding = same)
    BatchNormalization(epsilon = 1e-5, center = false)
    Activation(relu)
    SeparableConv2D(24, 3x3, strides = 2, padding = same, activation = relu)
    BatchNormalization(scale = false)
    Reshape((-1,))
    Dense(32)
    BatchNormalization
    Dense(10, softmax)
}

// fixtures/dscnn/model.cnn
cnn! {
    pub struct Dscnn;
    input(49, 10, 1);
    Conv2D(64, (10, 4), strides = 2, padding = same) BatchNormalization Activation(relu)
    Dropout(0.2)
    DepthwiseConv2D(3x3, padding = same) BatchNormalization Activation(relu)
    Conv2D(64, 1x1, padding = same) BatchNormalization Activation(relu)
    DepthwiseConv2D(3x3, padding = same) BatchNormalization Activation(relu)
    Conv2D(64, 1x1, padding = same) BatchNormalization Activation(relu)
    DepthwiseConv2D(3x3, padding = same) BatchNormalization Activation(relu)
    Conv2D(64, 1x1, padding = same) BatchNormalization Activation(relu)
    DepthwiseConv2D(3x3, padding = same) BatchNormalization Activation(relu)
    Conv2D(64, 1x1, padding = same) BatchNormalization Activation(relu)
    Dropout(0.4)
    AvgPool((25, 5))
    Flatten
    Dense(12, softmax)
}

// fixtures/flat_input/model.cnn
cnn! {
    pub struct FlatInput;
    input(784);
    Reshape((28, 28, 1))
    Conv2D(8, 3x3, relu)
    ZeroPadding2D(1)
    DepthwiseConv2D(3x3, strides = 2, depth_multiplier = 3, activation = relu6)
    BatchNormalization
    ReLU(negative_slope = 0.1, threshold = 0.2)
    Conv2D(12, 1x1)
    GlobalMaxPool
    Dense(10, softmax)
}

// fixtures/inception/model.cnn
cnn! {
    pub struct Inception;
    input(16, 16, 3, name = "image");
    stem = Conv2D(8, 3x3, padding = same, activation = relu, name = "stem");
    a = Conv2D(8, 1x1, activation = relu, name = "branch_1x1")(stem);
    b = Conv2D(6, 1x1, activation = relu, name = "branch_3x3_reduce")(stem)
        Conv2D(8, 3x3, padding = same, activation = relu, name = "branch_3x3");
    c = MaxPool(3, strides = 1, padding = same, name = "branch_pool")(stem)
        Conv2D(4, 1x1, activation = relu, name = "branch_pool_proj");
    x = Concatenate(a, b, c, axis = -1, name = "mixed") BatchNormalization(name = "mixed_bn");
    s1 = Conv2D(20, 1x1, name = "proj_1")(x);
    s2 = Conv2D(20, 3x3, padding = same, name = "proj_3")(x);
    Add(x, s1, s2, name = "sum") ReLU(name = "sum_relu")
    GlobalAvgPool(name = "gap")
    Dense(5, softmax, name = "probs")
}

// fixtures/mobilenet_v1_vww/model.cnn
cnn! {
    pub struct MobilenetV1Vww;
    input(96, 96, 3);
    Conv2D(8, 3x3, strides = 2, padding = same) BatchNormalization Activation(relu)
    DepthwiseConv2D(3x3, padding = same) BatchNormalization Activation(relu)
    Conv2D(16, 1x1, padding = same) BatchNormalization Activation(relu)
    DepthwiseConv2D(3x3, strides = 2, padding = same) BatchNormalization Activation(relu)
    Conv2D(32, 1x1, padding = same) BatchNormalization Activation(relu)
    DepthwiseConv2D(3x3, padding = same) BatchNormalization Activation(relu)
    Conv2D(32, 1x1, padding = same) BatchNormalization Activation(relu)
    DepthwiseConv2D(3x3, strides = 2, padding = same) BatchNormalization Activation(relu)
    Conv2D(64, 1x1, padding = same) BatchNormalization Activation(relu)
    DepthwiseConv2D(3x3, padding = same) BatchNormalization Activation(relu)
    Conv2D(64, 1x1, padding = same) BatchNormalization Activation(relu)
    DepthwiseConv2D(3x3, strides = 2, padding = same) BatchNormalization Activation(relu)
    Conv2D(128, 1x1, padding = same) BatchNormalization Activation(relu)
    DepthwiseConv2D(3x3, padding = same) BatchNormalization Activation(relu)
    Conv2D(128, 1x1, padding = same) BatchNormalization Activation(relu)
    DepthwiseConv2D(3x3, padding = same) BatchNormalization Activation(relu)
    Conv2D(128, 1x1, padding = same) BatchNormalization Activation(relu)
    DepthwiseConv2D(3x3, padding = same) BatchNormalization Activation(relu)
    Conv2D(128, 1x1, padding = same) BatchNormalization Activation(relu)
    DepthwiseConv2D(3x3, padding = same) BatchNormalization Activation(relu)
    Conv2D(128, 1x1, padding = same) BatchNormalization Activation(relu)
    DepthwiseConv2D(3x3, padding = same) BatchNormalization Activation(relu)
    Conv2D(128, 1x1, padding = same) BatchNormalization Activation(relu)
    DepthwiseConv2D(3x3, strides = 2, padding = same) BatchNormalization Activation(relu)
    Conv2D(256, 1x1, padding = same) BatchNormalization Activation(relu)
    DepthwiseConv2D(3x3, padding = same) BatchNormalization Activation(relu)
    Conv2D(256, 1x1, padding = same) BatchNormalization Activation(relu)
    AvgPool(3)
    Flatten
    Dense(2, softmax)
}

// fixtures/resnet8/model.cnn
cnn! {
    pub struct Resnet8;
    input(32, 32, 3);
    x = Conv2D(16, 3x3, padding = same) BatchNormalization Activation(relu);
    y = Conv2D(16, 3x3, padding = same)(x) BatchNormalization Activation(relu)
        Conv2D(16, 3x3, padding = same) BatchNormalization;
    x = Add(x, y) Activation(relu);
    y = Conv2D(32, 3x3, strides = 2, padding = same)(x) BatchNormalization Activation(relu)
        Conv2D(32, 3x3, padding = same) BatchNormalization;
    x = Conv2D(32, 1x1, strides = 2, padding = same)(x);
    x = Add(x, y) Activation(relu);
    y = Conv2D(64, 3x3, strides = 2, padding = same)(x) BatchNormalization Activation(relu)
        Conv2D(64, 3x3, padding = same) BatchNormalization;
    x = Conv2D(64, 1x1, strides = 2, padding = same)(x);
    Add(x, y) Activation(relu)
    AvgPool(8) Flatten Dense(10, softmax)
}
