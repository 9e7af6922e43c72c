//! Every fixture model, compiled by `cnn!` and run on Keras' inputs, gives Keras'
//! own outputs within 1e-5 (max abs, f32). The models are the fixtures'
//! `model.cnn` files (`src/models.rs`); their weights are Keras' trained weights.
//! Each test runs twice: on the kernels the CPU dispatches to (AVX2 + FMA on
//! most x86_64 machines) and on the portable kernels other CPUs run.

use cnn_examples::{fixture_dir, models, safetensors};
use cnn_runtime::memory::{boxed_zeroed, flat, flat_mut};
use cnn_runtime::{simd, Model};

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
    eprintln!(
        "{name} ({:?}): max abs difference to Keras {worst:.2e} over {n} inputs",
        simd::isa()
    );
    worst
}

macro_rules! parity {
    ($($test:ident: $model:ty,)*) => {$(
        #[test]
        fn $test() {
            let name = stringify!($test);
            let fastest = max_difference_to_keras::<$model>(name);
            let portable = simd::with_portable(|| max_difference_to_keras::<$model>(name));
            for worst in [fastest, portable] {
                assert!(worst <= OUTPUT_TOLERANCE, "{name}: {worst:e} > {OUTPUT_TOLERANCE:e}");
            }
        }
    )*};
}

parity! {
    avgpool: models::Avgpool,
    features_a: models::FeaturesA,
    features_b: models::FeaturesB,
    features_c: models::FeaturesC,
    gap: models::Gap,
    gmp: models::Gmp,
    mixed_same: models::MixedSame,
    pool_s1: models::PoolS1,
    same: models::Same,
    seed_mnist: models::SeedMnist,
}

/// Every fixture has a parity test, and the models tested are the fixtures'
/// `model.cnn`, not an edited copy.
#[test]
fn every_fixture_has_a_parity_test_of_its_own_model() {
    let tests = include_str!("keras_parity.rs");
    let models = include_str!("../src/models.rs");
    for name in cnn_examples::fixture_names() {
        assert!(
            tests.contains(&format!("    {name}: models::")),
            "{name} has no parity test"
        );
        let model = std::fs::read_to_string(fixture_dir(&name).join("model.cnn")).unwrap();
        let indented: String = model.lines().map(|l| format!("    {l}\n")).collect();
        let block = format!("// fixtures/{name}/model.cnn\ncnn! {{\n{indented}}}\n");
        assert!(
            models.contains(&block),
            "src/models.rs does not declare {name} as its model.cnn"
        );
    }
}

/// The 2,000 held-out MNIST digits: the same class as Keras for every one (so
/// the same 96.75 % accuracy), and probabilities within 1e-5 of Keras'.
#[test]
fn all_held_out_digits_match_keras() {
    held_out_digits_match_keras();
    simd::with_portable(held_out_digits_match_keras);
}

fn held_out_digits_match_keras() {
    let dir = fixture_dir("seed_mnist");
    let net = models::SeedMnist::from_safetensors_file(dir.join("weights.safetensors")).unwrap();
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
