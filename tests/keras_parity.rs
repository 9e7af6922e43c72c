//! Every fixture model, compiled by `cnn!` and run on Keras' inputs, gives Keras'
//! own outputs within 1e-5 (max abs, f32). The models are the fixtures'
//! `model.cnn` files, pasted; their weights are Keras' trained weights.

use cnn_examples::{fixture_dir, safetensors};
use cnn_runtime::memory::{boxed_zeroed, flat, flat_mut};
use cnn_runtime::Model;

/// Keras' tolerance on the final outputs (fixtures/README.md).
const OUTPUT_TOLERANCE: f64 = 1e-5;

/// Runs a model on every input of its fixture; returns the largest difference.
fn max_difference_to_keras<M: Model>(name: &str) -> f64 {
    let dir = fixture_dir(name);
    let model = M::from_safetensors_file(dir.join("weights.safetensors")).unwrap();
    let io = safetensors::read(&dir.join("io.safetensors")).unwrap();
    let (inputs, expected) = (io["inputs"].to_f32(), &io["outputs"].values);
    let n = io["inputs"].shape[0];
    assert_eq!(inputs.len(), n * M::INPUT_SHAPE.iter().product::<usize>());
    assert_eq!(
        expected.len(),
        n * M::OUTPUT_SHAPE.iter().product::<usize>()
    );
    let mut input = boxed_zeroed::<M::Input>();
    let mut scratch = boxed_zeroed::<M::Scratch>();
    let mut worst = 0.0f64;
    for (x, keras) in inputs
        .chunks_exact(inputs.len() / n)
        .zip(expected.chunks_exact(expected.len() / n))
    {
        flat_mut(&mut *input).copy_from_slice(x);
        let ours = flat(model.forward_into(&input, &mut scratch));
        for (o, k) in ours.iter().zip(keras) {
            worst = worst.max((f64::from(*o) - k).abs());
        }
        // `forward` (stack scratch) agrees with `forward_into` bit for bit.
        let again = model.forward(&input);
        assert_eq!(flat(&again), ours);
    }
    eprintln!("{name}: max abs difference to Keras {worst:.2e} over {n} inputs");
    worst
}

macro_rules! parity {
    ($test:ident, $fixture:literal, { $($model:tt)* }) => {
        #[test]
        fn $test() {
            mod model {
                cnn_runtime::cnn! { $($model)* }
            }
            let worst = max_difference_to_keras::<model::Model>($fixture);
            assert!(worst <= OUTPUT_TOLERANCE, "{}: {worst:e} > {OUTPUT_TOLERANCE:e}", $fixture);
        }
    };
}

parity!(seed_mnist, "seed_mnist", {
    pub struct Model;
    input(28, 28, 1);
    Conv2D(32, 3x3, relu) MaxPool(2) Conv2D(32, 3x3, relu) MaxPool(2)
    Flatten Dense(128, relu) Dense(10, softmax)
});

parity!(avgpool, "avgpool", {
    pub struct Model;
    input(28, 28, 1);
    Conv2D(32, 3x3, relu) AvgPool(2) Conv2D(32, 3x3, relu) AvgPool(2)
    Flatten Dense(128, relu) Dense(10, softmax)
});

parity!(gap, "gap", {
    pub struct Model;
    input(28, 28, 1);
    Conv2D(32, 3x3, relu) MaxPool(2) Conv2D(32, 3x3, relu) MaxPool(2)
    GlobalAvgPool Dense(128, relu) Dense(10, softmax)
});

parity!(gmp, "gmp", {
    pub struct Model;
    input(28, 28, 1);
    Conv2D(32, 3x3, relu) MaxPool(2) Conv2D(32, 3x3, relu) MaxPool(2)
    GlobalMaxPool Dense(128, relu) Dense(10, softmax)
});

parity!(same, "same", {
    pub struct Model;
    input(28, 28, 1);
    Conv2D(32, 3x3, padding = same, activation = relu)
    MaxPool(2, padding = same)
    Conv2D(32, 3x3, padding = same, activation = relu)
    MaxPool(2, padding = same)
    Flatten Dense(128, relu) Dense(10, softmax)
});

parity!(mixed_same, "mixed_same", {
    pub struct Model;
    input(28, 28, 1);
    Conv2D(32, 3x3, relu)
    AvgPool(3, strides = 2, padding = same)
    Conv2D(32, 3x3, strides = 2, padding = same, activation = relu)
    MaxPool(2, padding = same)
    Flatten Dense(128, relu) Dense(10, softmax)
});

parity!(pool_s1, "pool_s1", {
    pub struct Model;
    input(28, 28, 1);
    Conv2D(32, 3x3, relu) MaxPool(2, strides = 1)
    Conv2D(32, 3x3, relu) MaxPool(2, strides = 1)
    Flatten Dense(128, relu) Dense(10, softmax)
});

parity!(features_a, "features_a", {
    pub struct Model;
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
});

parity!(features_b, "features_b", {
    pub struct Model;
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
});

parity!(features_c, "features_c", {
    pub struct Model;
    input(12, 9, 3);
    Conv2D(4, 3x3, leaky_relu)
    Conv2D(5, (2, 3), padding = same, dilation = (1, 2))
    LeakyReLU
    Activation(gelu)
    Flatten
    Dense(6, leaky_relu)
    Dense(3, softmax)
});

/// The pasted models above are the fixtures' `model.cnn`, not an edited copy.
#[test]
fn every_fixture_has_a_parity_test() {
    let source = include_str!("keras_parity.rs");
    for name in cnn_examples::fixture_names() {
        assert!(
            source.contains(&format!("parity!({name}, \"{name}\"")),
            "{name} has no parity test"
        );
        let model = std::fs::read_to_string(fixture_dir(&name).join("model.cnn")).unwrap();
        for line in model.lines().skip(2) {
            assert!(
                source.contains(line.trim()),
                "{name}: `{line}` is not in its parity test"
            );
        }
    }
}

/// The 2,000 held-out MNIST digits: the same class as Keras for every one (so
/// the same 96.75 % accuracy), and probabilities within 1e-5 of Keras'.
#[test]
fn all_held_out_digits_match_keras() {
    mod model {
        cnn_runtime::cnn! {
            pub struct Model;
            input(28, 28, 1);
            Conv2D(32, 3x3, relu) MaxPool(2) Conv2D(32, 3x3, relu) MaxPool(2)
            Flatten Dense(128, relu) Dense(10, softmax)
        }
    }
    let dir = fixture_dir("seed_mnist");
    let net = model::Model::from_safetensors_file(dir.join("weights.safetensors")).unwrap();
    let digits = safetensors::read(&dir.join("digits.safetensors")).unwrap();
    let pixels = &digits["digits"].values;
    let (labels, predicted) = (&digits["labels"].values, &digits["predicted"].values);
    let keras = &digits["probabilities"].values;
    let mut image = [[[0.0f32; 1]; 28]; 28];
    let (mut correct, mut worst) = (0, 0.0f64);
    for i in 0..labels.len() {
        for (v, p) in flat_mut(&mut image)
            .iter_mut()
            .zip(&pixels[i * 784..][..784])
        {
            *v = *p as f32 / 255.0;
        }
        let probabilities = net.forward(&image);
        for (o, k) in probabilities.iter().zip(&keras[i * 10..][..10]) {
            worst = worst.max((f64::from(*o) - k).abs());
        }
        let class = net.predict(&image);
        assert_eq!(class as f64, predicted[i], "digit {i}");
        correct += usize::from(class as f64 == labels[i]);
    }
    assert_eq!((correct, labels.len()), (1935, 2000), "Keras: 96.75 %");
    assert!(
        worst <= OUTPUT_TOLERANCE,
        "probabilities differ by {worst:e}"
    );
}
