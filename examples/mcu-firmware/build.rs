//! Puts `memory.x` where cortex-m-rt's linker script looks for it, and writes
//! the test data of the model the build's feature selects: its inputs and
//! Keras' outputs for them, read from the repository's fixtures.

use safetensors::SafeTensors;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What a model is tested on: a fixture file, its input and output tensors,
/// how many inputs, and the tolerance (fixtures/README.md).
struct TestData {
    file: &'static str,
    inputs: &'static str,
    outputs: &'static str,
    /// The true classes, where the fixture has them (the MNIST digits).
    labels: Option<&'static str>,
    count: usize,
    tolerance: f64,
}

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::copy("memory.x", out.join("memory.x")).expect("memory.x is in the crate");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory.x");
    println!("cargo:rustc-link-arg=-Tlink.x");

    let feature = |name: &str| std::env::var_os(format!("CARGO_FEATURE_{name}")).is_some();
    println!("cargo::rustc-check-cfg=cfg(int8)");
    let int8 = ["SEED_INT8", "DSCNN_INT8", "RESNET8_INT8", "MOBILENET_INT8"];
    if int8.iter().any(|f| feature(f)) {
        // int8 models: TensorFlow Lite's own outputs, compared byte for byte.
        println!("cargo::rustc-cfg=int8");
        let data = if feature("DSCNN_INT8") {
            tflite_fixture("dscnn", 16)
        } else if feature("RESNET8_INT8") {
            tflite_fixture("resnet8", 16)
        } else if feature("MOBILENET_INT8") {
            tflite_fixture("mobilenet_v1_vww", 8)
        } else {
            // The held-out digits as pixels, quantized by the firmware, and
            // TensorFlow Lite's outputs on them (digits_int8.safetensors).
            write_digits_int8(100, &out);
            return;
        };
        write_data(&data, &out);
        return;
    }
    let data = if feature("DSCNN") {
        fixture("dscnn", 16, 1e-5)
    } else if feature("RESNET8") {
        fixture("resnet8", 16, 1e-5)
    } else if feature("MOBILENET") {
        // Four 96x96 images keep the firmware within the board's 4 MiB.
        fixture("mobilenet_v1_vww", 4, 2e-5)
    } else {
        TestData {
            file: "../../fixtures/seed_mnist/digits.safetensors",
            inputs: "digits",
            outputs: "probabilities",
            labels: Some("labels"),
            count: 100,
            tolerance: 1e-5,
        }
    };
    write_data(&data, &out);
}

fn fixture(name: &'static str, count: usize, tolerance: f64) -> TestData {
    TestData {
        file: Box::leak(format!("../../fixtures/{name}/io.safetensors").into_boxed_str()),
        inputs: "inputs",
        outputs: "outputs",
        labels: None,
        count,
        tolerance,
    }
}

fn tflite_fixture(name: &'static str, count: usize) -> TestData {
    TestData {
        file: Box::leak(format!("../../fixtures/{name}/tflite/io.safetensors").into_boxed_str()),
        inputs: "inputs_q",
        outputs: "outputs_q",
        labels: None,
        count,
        tolerance: 0.0,
    }
}

/// The seed model's int8 test data: the first `count` digits (u8 pixels,
/// with their labels) and TensorFlow Lite's int8 outputs for them.
fn write_digits_int8(count: usize, out: &Path) {
    let digits_file = "../../fixtures/seed_mnist/digits.safetensors";
    let outputs_file = "../../fixtures/seed_mnist/tflite/digits_int8.safetensors";
    println!("cargo:rerun-if-changed={digits_file}");
    println!("cargo:rerun-if-changed={outputs_file}");
    let digits = std::fs::read(digits_file).expect("the fixture is in the repository");
    let digits = SafeTensors::deserialize(&digits).expect("a safetensors file");
    let outputs = std::fs::read(outputs_file).expect("the fixture is in the repository");
    let outputs = SafeTensors::deserialize(&outputs).expect("a safetensors file");
    let pixels = digits.tensor("digits").expect("the digits");
    let labels = digits.tensor("labels").expect("the labels");
    let expected = outputs
        .tensor("outputs_q")
        .expect("TensorFlow Lite's outputs");
    std::fs::write(out.join("inputs.bin"), &pixels.data()[..count * 784])
        .expect("OUT_DIR is writable");
    std::fs::write(out.join("expected.bin"), &expected.data()[..count * 10])
        .expect("OUT_DIR is writable");
    std::fs::write(out.join("labels.bin"), &labels.data()[..count]).expect("OUT_DIR is writable");
    let rs = format!(
        "/// Inputs in the test data.\npub const COUNT: usize = {count};\n\
         /// The inputs are u8 pixels (scaled by 1/255, then quantized), else int8.\npub const BYTE_INPUTS: bool = true;\n\
         /// The fixture the data comes from.\npub const SOURCE: &str = {outputs_file:?};\n"
    );
    std::fs::write(out.join("data.rs"), rs).expect("OUT_DIR is writable");
}

/// `inputs.bin` (the first `count` inputs, as stored: u8 pixels or f32),
/// `expected.bin` (Keras' outputs, f32), `labels.bin` (u8 classes, or
/// empty) and `data.rs` (their sizes).
fn write_data(data: &TestData, out: &Path) {
    println!("cargo:rerun-if-changed={}", data.file);
    let bytes = std::fs::read(data.file).expect("the fixture is in the repository");
    let file = SafeTensors::deserialize(&bytes).expect("a safetensors file");
    let inputs = file.tensor(data.inputs).expect("the inputs");
    let outputs = file.tensor(data.outputs).expect("Keras' outputs");
    let per_input = inputs.data().len() / inputs.shape()[0];
    let per_output = outputs.data().len() / outputs.shape()[0];
    std::fs::write(
        out.join("inputs.bin"),
        &inputs.data()[..data.count * per_input],
    )
    .expect("OUT_DIR is writable");
    std::fs::write(
        out.join("expected.bin"),
        &outputs.data()[..data.count * per_output],
    )
    .expect("OUT_DIR is writable");
    let labels = data.labels.map_or(Vec::new(), |name| {
        let labels = file.tensor(name).expect("the labels");
        labels.data()[..data.count].to_vec()
    });
    std::fs::write(out.join("labels.bin"), labels).expect("OUT_DIR is writable");
    let mut rs = String::new();
    let byte_inputs = inputs.dtype() == safetensors::Dtype::U8;
    if inputs.dtype() == safetensors::Dtype::I8 {
        writeln!(
            rs,
            "/// Inputs in the test data.\npub const COUNT: usize = {};\n\
             /// The inputs are u8 pixels (scaled by 1/255, then quantized), else int8.\npub const BYTE_INPUTS: bool = false;\n\
             /// The fixture the data comes from.\npub const SOURCE: &str = {:?};",
            data.count, data.file
        )
        .unwrap();
        std::fs::write(out.join("data.rs"), rs).expect("OUT_DIR is writable");
        return;
    }
    writeln!(
        rs,
        "/// Inputs in the test data.\npub const COUNT: usize = {};",
        data.count
    )
    .unwrap();
    writeln!(
        rs,
        "/// The inputs are u8 pixels (scaled by 1/255 as in training), else f32.\npub const BYTE_INPUTS: bool = {byte_inputs};"
    )
    .unwrap();
    writeln!(
        rs,
        "/// Largest difference to Keras' outputs allowed (fixtures/README.md).\npub const TOLERANCE: f32 = {:e};",
        data.tolerance
    )
    .unwrap();
    writeln!(
        rs,
        "/// The fixture the data comes from.\npub const SOURCE: &str = {:?};",
        data.file
    )
    .unwrap();
    std::fs::write(out.join("data.rs"), rs).expect("OUT_DIR is writable");
}
