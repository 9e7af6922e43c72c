//! Every fixture model, compiled by `cnn!` and run on Keras' inputs, gives Keras'
//! own outputs within 1e-5 (max abs, f32). The models are the fixtures'
//! `model.cnn` files (`src/models.rs`); their weights are Keras' trained weights.
//! Each test runs twice: on the kernels the CPU dispatches to (AVX2 + FMA on
//! most x86_64 machines) and on the portable kernels other CPUs run.

use cnn_examples::{fixture_dir, models, safetensors};
use cnn_runtime::memory::{flat, flat_mut, zeroed_box};
use cnn_runtime::{simd, Model, WeightFiles};

/// Keras' tolerance on the final outputs (fixtures/README.md).
const OUTPUT_TOLERANCE: f64 = 1e-5;

/// Runs a model on every input of its fixture; returns the largest difference.
/// The weights are Keras' file, read by name; a graph model written as `cnn!`
/// names its layers afresh (Keras numbered the fixtures' names per session),
/// and gets them paired with its layers in Keras' order.
fn max_difference_to_keras<M: Model>(name: &str) -> f64 {
    let dir = fixture_dir(name);
    let model = M::from_safetensors_file(dir.join("weights.safetensors"))
        .unwrap_or_else(|_| cnn_examples::fixture_weights::<M>(name));
    let io = safetensors::read(&dir.join("io.safetensors")).unwrap();
    let (inputs, expected) = (io["inputs"].to_f32(), &io["outputs"].values);
    let n = io["inputs"].shape[0];
    assert_eq!(inputs.len(), n * M::INPUT_SHAPE.iter().product::<usize>());
    assert_eq!(
        expected.len(),
        n * M::OUTPUT_SHAPE.iter().product::<usize>()
    );
    let mut input = zeroed_box::<M::Input>();
    let mut scratch = zeroed_box::<M::Scratch>();
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

/// The graph fixtures' tolerance (fixtures/README.md): four times Keras' own
/// float32 error against float64, at least 1e-5 (2e-5 for the deep MobileNet).
fn tolerance(name: &str) -> f64 {
    let Ok(manifest) = std::fs::read_to_string(fixture_dir(name).join("manifest.json")) else {
        return OUTPUT_TOLERANCE;
    };
    let manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    manifest["keras_f32_vs_f64_max_abs"]
        .as_f64()
        .map_or(OUTPUT_TOLERANCE, |e| OUTPUT_TOLERANCE.max(4.0 * e))
}

macro_rules! parity {
    ($($test:ident $(in $fixture:literal)?: $model:ty,)*) => {$(
        #[test]
        fn $test() {
            // The fixture: the test's name, unless named after `in`.
            let name = [stringify!($test), $($fixture)?][..].last().copied().unwrap_or_default();
            let fastest = max_difference_to_keras::<$model>(name);
            let avx2 = simd::without_avx512(|| max_difference_to_keras::<$model>(name));
            let portable = simd::with_portable(|| max_difference_to_keras::<$model>(name));
            let tolerance = tolerance(name);
            for worst in [fastest, avx2, portable] {
                assert!(worst <= tolerance, "{name}: {worst:e} > {tolerance:e}");
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
    bn_dw: models::BnDw,
    dscnn: models::Dscnn,
    flat_input: models::FlatInput,
    inception: models::Inception,
    mobilenet_v1_vww: models::MobilenetV1Vww,
    resnet8: models::Resnet8,
}

/// The graph fixtures from Keras' own `model.to_json()`.
mod from_json {
    cnn_runtime::include_keras! { pub struct BnDw; "fixtures/bn_dw/config.json" }
    cnn_runtime::include_keras! { pub struct FlatInput; "fixtures/flat_input/config.json" }
    cnn_runtime::include_keras! { pub struct Inception; "fixtures/inception/config.json" }
    cnn_runtime::include_keras! { pub struct Resnet8; "fixtures/resnet8/config.json" }
    cnn_runtime::include_keras! { pub struct Dscnn; "fixtures/dscnn/config.json" }
    cnn_runtime::include_keras! { pub struct MobilenetV1Vww; "fixtures/mobilenet_v1_vww/config.json" }
}

parity! {
    bn_dw_json in "bn_dw": from_json::BnDw,
    flat_input_json in "flat_input": from_json::FlatInput,
    inception_json in "inception": from_json::Inception,
    resnet8_json in "resnet8": from_json::Resnet8,
    dscnn_json in "dscnn": from_json::Dscnn,
    mobilenet_v1_vww_json in "mobilenet_v1_vww": from_json::MobilenetV1Vww,
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
    simd::without_avx512(held_out_digits_match_keras);
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

/// The graph fixtures from the Keras Python that built them (the functional
/// API, `layers.add`, arithmetic in arguments).
mod from_python {
    cnn_runtime::include_keras! { pub struct BnDw; "fixtures/bn_dw/keras_source.py" }
    cnn_runtime::include_keras! { pub struct Inception; "fixtures/inception/keras_source.py" }
    cnn_runtime::include_keras! { pub struct Resnet8; "fixtures/resnet8/keras_source.py" }
    cnn_runtime::include_keras! { pub struct Dscnn; "fixtures/dscnn/keras_source.py" }
    cnn_runtime::include_keras! { pub struct FlatInput; "fixtures/flat_input/keras_source.py" }
    cnn_runtime::include_keras! { pub struct MobilenetV1Vww; "fixtures/mobilenet_v1_vww/keras_source.py" }
}

parity! {
    bn_dw_python in "bn_dw": from_python::BnDw,
    flat_input_python in "flat_input": from_python::FlatInput,
    inception_python in "inception": from_python::Inception,
    resnet8_python in "resnet8": from_python::Resnet8,
    dscnn_python in "dscnn": from_python::Dscnn,
    mobilenet_v1_vww_python in "mobilenet_v1_vww": from_python::MobilenetV1Vww,
}

/// Held-out networks from `keras.applications`, built and run by real Keras
/// (`tools/make_application_fixtures.py`), through their JSON.
mod applications {
    cnn_runtime::include_keras! { pub struct MobileNet; "fixtures/applications/mobilenet/config.json" }
    cnn_runtime::include_keras! { pub struct MobileNetV2; "fixtures/applications/mobilenet_v2/config.json" }
    cnn_runtime::include_keras! { pub struct MobileNetV3Small; "fixtures/applications/mobilenet_v3_small/config.json" }
}

parity! {
    mobilenet_application in "applications/mobilenet": applications::MobileNet,
    mobilenet_v2_application in "applications/mobilenet_v2": applications::MobileNetV2,
    mobilenet_v3_small_application in "applications/mobilenet_v3_small": applications::MobileNetV3Small,
}

/// Keras' weight files load by name into the models with Keras' layer names:
/// a Sequential model's variables carry the model's name (`bn_dw.conv2d.kernel`).
#[test]
fn keras_weight_files_load_by_name() {
    fn loads<M: Model>(name: &str) {
        let file = fixture_dir(name).join("weights.safetensors");
        if let Err(e) = M::from_safetensors_file(&file) {
            panic!("{name}: {e}");
        }
    }
    loads::<from_json::BnDw>("bn_dw");
    loads::<from_json::FlatInput>("flat_input");
    loads::<from_json::Inception>("inception");
    loads::<from_json::Resnet8>("resnet8");
    loads::<from_json::Dscnn>("dscnn");
    loads::<from_json::MobilenetV1Vww>("mobilenet_v1_vww");
    loads::<models::BnDw>("bn_dw");
    loads::<models::Inception>("inception");
}
