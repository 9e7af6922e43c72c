//! int8 TensorFlow Lite models through `include_tflite!`: every output byte
//! equals TensorFlow Lite's reference kernels (`outputs_q` of each fixture's
//! `tflite/io.safetensors`), on every input the fixture stores.

use cnn_examples::{fixture_dir, safetensors};
use cnn_runtime::int8::Int8Model;

cnn_runtime::include_tflite! { pub struct SeedInt8; "fixtures/seed_mnist/tflite/model.int8.tflite" }
cnn_runtime::include_tflite! { pub struct Resnet8Int8; "fixtures/resnet8/tflite/model.int8.tflite" }
cnn_runtime::include_tflite! { pub struct DscnnInt8; "fixtures/dscnn/tflite/model.int8.tflite" }
cnn_runtime::include_tflite! { pub struct VwwInt8; "fixtures/mobilenet_v1_vww/tflite/model.int8.tflite" }
cnn_runtime::include_tflite! { pub struct BnDwInt8; "fixtures/bn_dw/tflite/model.int8.tflite" }
cnn_runtime::include_tflite! { pub struct InceptionInt8; "fixtures/inception/tflite/model.int8.tflite" }
cnn_runtime::include_tflite! { pub struct FlatInputInt8; "fixtures/flat_input/tflite/model.int8.tflite" }

/// Runs `model` on every `inputs_q` of a fixture and compares each output
/// byte with TensorFlow Lite's.
fn equals_tflite<M: Int8Model>(model: &M, fixture: &str) {
    int8_equals_tflite(model, &fixture_io(fixture), fixture);
}

/// The same on any `io.safetensors`.
fn int8_equals_tflite<M: Int8Model>(
    model: &M,
    io: &std::collections::BTreeMap<String, safetensors::Tensor>,
    fixture: &str,
) {
    let inputs = io["inputs_q"].to_i8();
    let expected = io["outputs_q"].to_i8();
    let n = io["inputs_q"].shape[0];
    let (in_len, out_len) = (inputs.len() / n, expected.len() / n);
    assert_eq!(in_len, core::mem::size_of::<M::Input>());
    assert_eq!(out_len, core::mem::size_of::<M::Output>());
    let mut scratch = M::new_scratch();
    for k in 0..n {
        let x: M::Input = bytes_as(&inputs[k * in_len..][..in_len]);
        let y = *model.forward_into(&x, &mut scratch);
        let got: Vec<i8> = bytes_of(&y);
        assert_eq!(
            got,
            expected[k * out_len..][..out_len],
            "{fixture}: input {k}"
        );
    }
}

/// A value of an all-i8 array type from its bytes.
fn bytes_as<T: Copy>(bytes: &[i8]) -> T {
    assert_eq!(bytes.len(), core::mem::size_of::<T>());
    // SAFETY: T is a (nested) i8 array of exactly this many bytes (asserted),
    // any bytes are valid i8s, and read_unaligned needs no alignment.
    unsafe { core::ptr::read_unaligned(bytes.as_ptr().cast::<T>()) }
}

/// The bytes of an all-i8 array value.
fn bytes_of<T: Copy>(value: &T) -> Vec<i8> {
    let n = core::mem::size_of::<T>();
    // SAFETY: T is a (nested) i8 array: n initialised bytes, no padding.
    unsafe { core::slice::from_raw_parts((value as *const T).cast::<i8>(), n) }.to_vec()
}

#[test]
fn seed_mnist_int8_equals_tflite() {
    equals_tflite(&SeedInt8::new(), "seed_mnist");
}

#[test]
fn resnet8_int8_equals_tflite() {
    equals_tflite(&Resnet8Int8::new(), "resnet8");
}

#[test]
fn dscnn_int8_equals_tflite() {
    equals_tflite(&DscnnInt8::new(), "dscnn");
}

#[test]
fn mobilenet_v1_vww_int8_equals_tflite() {
    equals_tflite(&VwwInt8::new(), "mobilenet_v1_vww");
}

#[test]
fn bn_dw_int8_equals_tflite() {
    equals_tflite(&BnDwInt8::new(), "bn_dw");
}

#[test]
fn inception_int8_equals_tflite() {
    equals_tflite(&InceptionInt8::new(), "inception");
}

#[test]
fn flat_input_int8_equals_tflite() {
    equals_tflite(&FlatInputInt8::new(), "flat_input");
}

/// `forward_f32` quantizes as TensorFlow Lite does: on the 2,000 held-out
/// digits (`x = pixel / 255`), every output byte equals TensorFlow Lite's,
/// and the float outputs are those bytes dequantized.
#[test]
fn seed_int8_on_the_2000_digits_equals_tflite() {
    let digits = cnn_examples::seed_digits(2000).unwrap();
    let io = safetensors::read(&fixture_dir("seed_mnist").join("tflite/digits_int8.safetensors"))
        .unwrap();
    let expected = io["outputs_q"].to_i8();
    let model = SeedInt8::new();
    let q_in = <SeedInt8 as Int8Model>::INPUT_QUANTIZATION;
    let q_out = <SeedInt8 as Int8Model>::OUTPUT_QUANTIZATION;
    let mut agree = 0;
    for (k, image) in digits.iter().enumerate() {
        let mut x = [[[0i8; 1]; 28]; 28];
        q_in.quantize_slice(
            image.as_flattened().as_flattened(),
            x.as_flattened_mut().as_flattened_mut(),
        );
        let y = model.forward(&x);
        assert_eq!(y[..], expected[k * 10..][..10], "digit {k}");
        let p = model.forward_f32(image);
        for (p, &q) in p.iter().zip(&y) {
            assert_eq!(*p, q_out.dequantize(q));
        }
        agree += 1;
    }
    assert_eq!(agree, 2000);
}

/// The input, output and their quantization are the file's.
#[test]
fn constants_come_from_the_file() {
    assert_eq!(<SeedInt8 as Int8Model>::INPUT_SHAPE, &[1, 28, 28, 1]);
    assert_eq!(<SeedInt8 as Int8Model>::OUTPUT_SHAPE, &[1, 10]);
    assert_eq!(
        <SeedInt8 as Int8Model>::OUTPUT_QUANTIZATION.zero_point,
        -128
    );
    assert_eq!(
        <SeedInt8 as Int8Model>::OUTPUT_QUANTIZATION.scale,
        1.0 / 256.0
    );
    assert_eq!(<SeedInt8 as Int8Model>::PARAMS, 113_386);
    assert!(SeedInt8::summary().contains("CONV_2D + RELU"));
    const { assert!(<SeedInt8 as Int8Model>::SCRATCH_BYTES < 32 * 1024) };
}

/// The model is a `static`: nothing is loaded at run time.
static STATIC_MODEL: VwwInt8 = VwwInt8::new();

#[test]
fn a_static_model_runs() {
    let x = [[[0i8; 3]; 96]; 96];
    let y = STATIC_MODEL.forward(&x);
    assert_eq!(y.len(), 2);
}

cnn_runtime::include_tflite! { pub struct SeedF32; "fixtures/seed_mnist/tflite/model.f32.tflite" }
cnn_runtime::include_tflite! { pub struct Resnet8F32; "fixtures/resnet8/tflite/model.f32.tflite" }
cnn_runtime::include_tflite! { pub struct DscnnF32; "fixtures/dscnn/tflite/model.f32.tflite" }
cnn_runtime::include_tflite! { pub struct VwwF32; "fixtures/mobilenet_v1_vww/tflite/model.f32.tflite" }
cnn_runtime::include_tflite! { pub struct BnDwF32; "fixtures/bn_dw/tflite/model.f32.tflite" }
cnn_runtime::include_tflite! { pub struct InceptionF32; "fixtures/inception/tflite/model.f32.tflite" }
cnn_runtime::include_tflite! { pub struct FlatInputF32; "fixtures/flat_input/tflite/model.f32.tflite" }

/// A float32 model's outputs on every input of `$io` (a fixture's or a test
/// file's `io.safetensors`) against TensorFlow Lite's on the same file
/// (`outputs_f32tflite`), within `$tolerance` (fixtures/README.md), on every
/// instruction-set path.
macro_rules! float_equals_tflite {
    ($model:ty, $io:expr, $tolerance:expr, $label:expr) => {{
        let io = $io;
        let inputs = io["inputs"].to_f32();
        let expected = io["outputs_f32tflite"].to_f32();
        let model = <$model>::new();
        let input = <$model>::new_input();
        let in_len = core::mem::size_of_val(&input) / 4;
        let check = || {
            for k in 0..inputs.len() / in_len {
                let mut input = input;
                fill(&mut input, &inputs[k * in_len..][..in_len]);
                let y = model.forward(&input);
                let want = &expected[k * y.len()..][..y.len()];
                let worst = y
                    .iter()
                    .zip(want)
                    .map(|(a, b)| (a - b).abs())
                    .fold(0.0f32, f32::max);
                assert!(
                    worst <= $tolerance,
                    "{}: input {k}: largest difference {worst:e}",
                    $label
                );
            }
        };
        check();
        cnn_runtime::simd::without_avx512(&check);
        cnn_runtime::simd::with_portable(&check);
    }};
}

/// A fixture's TensorFlow Lite inputs and outputs.
fn fixture_io(fixture: &str) -> std::collections::BTreeMap<String, safetensors::Tensor> {
    safetensors::read(&fixture_dir(fixture).join("tflite/io.safetensors")).unwrap()
}

/// Fills an all-f32 array from values.
fn fill<T: Copy>(target: &mut T, values: &[f32]) {
    let n = core::mem::size_of::<T>() / 4;
    assert_eq!(n * 4, core::mem::size_of::<T>());
    // SAFETY: T is a (nested) f32 array of n values (asserted): any bits are
    // valid, f32's alignment is T's, and the borrow is unique.
    let flat = unsafe { core::slice::from_raw_parts_mut((target as *mut T).cast::<f32>(), n) };
    flat.copy_from_slice(&values[..n]);
}

#[test]
fn float32_files_equal_tflite() {
    float_equals_tflite!(SeedF32, fixture_io("seed_mnist"), 1e-5, "seed_mnist");
    float_equals_tflite!(Resnet8F32, fixture_io("resnet8"), 1e-5, "resnet8");
    float_equals_tflite!(DscnnF32, fixture_io("dscnn"), 1e-5, "dscnn");
    float_equals_tflite!(
        VwwF32,
        fixture_io("mobilenet_v1_vww"),
        2e-5,
        "mobilenet_v1_vww"
    );
    float_equals_tflite!(BnDwF32, fixture_io("bn_dw"), 1e-5, "bn_dw");
    float_equals_tflite!(InceptionF32, fixture_io("inception"), 1e-5, "inception");
    float_equals_tflite!(FlatInputF32, fixture_io("flat_input"), 1e-5, "flat_input");
}

cnn_runtime::include_tflite! { pub struct ActivationsInt8; "tests/tflite/activations.int8.tflite" }
cnn_runtime::include_tflite! { pub struct ActivationsF32; "tests/tflite/activations.f32.tflite" }
cnn_runtime::include_tflite! { pub struct GapKeepdimsInt8; "tests/tflite/gap_keepdims.int8.tflite" }
cnn_runtime::include_tflite! { pub struct GapKeepdimsF32; "tests/tflite/gap_keepdims.f32.tflite" }
cnn_runtime::include_tflite! { pub struct FloatIoInt8; "tests/tflite/float_io.int8.tflite" }

/// The same comparisons on the tests' own small files (tests/tflite, made by
/// TensorFlow's converter: tools/make_tflite_test_files.py).
fn test_file_io(name: &str) -> std::collections::BTreeMap<String, safetensors::Tensor> {
    safetensors::read(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("tests/tflite/{name}.io.safetensors")),
    )
    .unwrap()
}

/// `LOGISTIC`, `TANH`, `HARD_SWISH`, `LEAKY_RELU` and `QUANTIZE` (int8 to int8).
#[test]
fn activation_operators_equal_tflite() {
    int8_equals_tflite(
        &ActivationsInt8::new(),
        &test_file_io("activations"),
        "activations",
    );
    float_equals_tflite!(
        ActivationsF32,
        test_file_io("activations"),
        1e-5,
        "activations"
    );
}

/// `MEAN` with `keep_dims` (Keras' `GlobalAveragePooling2D(keepdims=True)`).
#[test]
fn mean_keeping_dimensions_equals_tflite() {
    int8_equals_tflite(
        &GapKeepdimsInt8::new(),
        &test_file_io("gap_keepdims"),
        "gap_keepdims",
    );
    float_equals_tflite!(
        GapKeepdimsF32,
        test_file_io("gap_keepdims"),
        1e-5,
        "gap_keepdims"
    );
}

/// An int8 model with float32 input and output: `QUANTIZE` and `DEQUANTIZE`
/// inside the file, every output value equal to TensorFlow Lite's.
#[test]
fn float_input_and_output_around_int8_equal_tflite() {
    let io = test_file_io("float_io");
    let (inputs, expected) = (io["inputs"].to_f32(), io["outputs_int8_model"].to_f32());
    let model = FloatIoInt8::new();
    for k in 0..16 {
        let mut x = FloatIoInt8::new_input();
        x.as_flattened_mut()
            .as_flattened_mut()
            .copy_from_slice(&inputs[k * 192..][..192]);
        assert_eq!(model.forward(&x)[..], expected[k * 3..][..3], "input {k}");
    }
}
