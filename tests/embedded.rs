//! `weights = "..."`: weights checked and embedded at compile time, read in
//! place from read-only memory, equal to the file loaded at run time and to
//! Keras' outputs.

use cnn_examples::{fixture_dir, safetensors};
use cnn_runtime::memory::flat;
use cnn_runtime::{Model, WeightFiles};

cnn_runtime::cnn! {
    pub struct Seed;
    input(28, 28, 1);
    weights = "fixtures/seed_mnist/weights.safetensors";
    Conv2D(32, 3x3, relu) MaxPool(2) Conv2D(32, 3x3, relu) MaxPool(2)
    Flatten Dense(128, relu) Dense(10, softmax)
}

// A convolution without bias: its bias field is embedded as zeros.
cnn_runtime::cnn! {
    pub struct FeaturesA;
    input(30, 22, 3);
    weights = "fixtures/features_a/weights.safetensors";
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

// A graph model with BatchNorm without beta or gamma, depthwise and separable
// convolutions; Keras 3 named its variables `bn_dw.{layer}.{variable}`.
cnn_runtime::cnn! {
    pub struct BnDw;
    input(28, 28, 1);
    weights = "fixtures/bn_dw/weights.safetensors";
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

// Residual branches, with the fixture's own layer names.
cnn_runtime::cnn! {
    pub struct Inception;
    input(16, 16, 3, name = "image");
    weights = "fixtures/inception/weights.safetensors";
    stem = Conv2D(8, 3x3, padding = same, activation = relu, name = "stem");
    a = Conv2D(8, 1x1, activation = relu, name = "branch_1x1")(stem);
    b = Conv2D(6, 1x1, activation = relu, name = "branch_3x3_reduce")(stem)
        Conv2D(8, 3x3, padding = same, activation = relu, name = "branch_3x3");
    c = MaxPool(3, strides = 1, padding = same, name = "branch_pool")(stem)
        Conv2D(4, 1x1, activation = relu, name = "branch_pool_proj");
    x = Concatenate(a, b, c, name = "mixed") BatchNormalization(name = "mixed_bn");
    s1 = Conv2D(20, 1x1, name = "proj_1")(x);
    s2 = Conv2D(20, 3x3, padding = same, name = "proj_3")(x);
    Add(x, s1, s2, name = "sum") ReLU(name = "sum_relu")
    GlobalAvgPool(name = "gap")
    Dense(5, softmax, name = "probs")
}

// Keras' JSON with its weights embedded: `include_keras!` takes `weights =` too.
cnn_runtime::include_keras! {
    pub struct Resnet8;
    "fixtures/resnet8/config.json",
    weights = "fixtures/resnet8/weights.safetensors"
}

fn same_weights<M: Model>(embedded: &M, fixture: &str) {
    let loaded =
        M::from_safetensors_file(fixture_dir(fixture).join("weights.safetensors")).unwrap();
    for i in 0..M::TENSORS.len() {
        assert_eq!(
            embedded.tensor(i),
            loaded.tensor(i),
            "{}",
            M::TENSORS[i].name
        );
    }
}

fn max_difference_to_keras<M: Model>(model: &M, fixture: &str) -> f64 {
    let io = safetensors::read(&fixture_dir(fixture).join("io.safetensors")).unwrap();
    let (inputs, expected) = (io["inputs"].to_f32(), &io["outputs"].values);
    let n = io["inputs"].shape[0];
    let mut input = cnn_runtime::memory::zeroed_box::<M::Input>();
    let mut worst = 0.0f64;
    for (x, keras) in inputs
        .chunks_exact(inputs.len() / n)
        .zip(expected.chunks_exact(expected.len() / n))
    {
        cnn_runtime::memory::flat_mut(&mut *input).copy_from_slice(x);
        let output = model.forward(&input);
        for (o, k) in flat(&output).iter().zip(keras) {
            worst = worst.max((f64::from(*o) - k).abs());
        }
    }
    worst
}

#[test]
fn embedded_weights_are_the_files_weights_and_match_keras() {
    same_weights(Seed::embedded(), "seed_mnist");
    same_weights(FeaturesA::embedded(), "features_a");
    assert!(max_difference_to_keras(Seed::embedded(), "seed_mnist") <= 1e-5);
    assert!(max_difference_to_keras(FeaturesA::embedded(), "features_a") <= 1e-5);
    same_weights(BnDw::embedded(), "bn_dw");
    same_weights(Resnet8::embedded(), "resnet8");
    assert!(max_difference_to_keras(Resnet8::embedded(), "resnet8") <= 1e-5);
    same_weights(Inception::embedded(), "inception");
    assert!(max_difference_to_keras(BnDw::embedded(), "bn_dw") <= 1e-5);
    assert!(max_difference_to_keras(Inception::embedded(), "inception") <= 1e-5);
    // The conv without bias has an all-zero bias block.
    assert_eq!(FeaturesA::TENSORS[0].name, "conv2d.kernel");
    assert_eq!(FeaturesA::TENSORS[1].name, "conv2d_1.kernel");
}

#[test]
fn embedded_weights_are_not_copied() {
    let first: *const Seed = Seed::embedded();
    let second: *const Seed = Seed::embedded();
    assert_eq!(first, second, "one static, read in place");
}
