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

/// Runs `model` on every `inputs_q` of `fixture` and compares each output
/// byte with TensorFlow Lite's.
fn equals_tflite<M: Int8Model>(model: &M, fixture: &str)
where
    M::Input: Copy,
{
    let io = safetensors::read(&fixture_dir(fixture).join("tflite/io.safetensors")).unwrap();
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
