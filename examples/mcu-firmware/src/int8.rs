//! An int8 TensorFlow Lite model as firmware: `include_tflite!` with the
//! weights in flash, checked byte for byte against TensorFlow Lite's
//! reference kernels on the fixture's inputs.

use crate::measure;
use cnn_runtime::int8::Int8Model;
use cortex_m_semihosting::{debug, hprintln};

#[cfg(feature = "seed-int8")]
cnn_runtime::include_tflite! { struct Net; "../../fixtures/seed_mnist/tflite/model.int8.tflite" }

#[cfg(feature = "dscnn-int8")]
cnn_runtime::include_tflite! { struct Net; "../../fixtures/dscnn/tflite/model.int8.tflite" }

#[cfg(feature = "resnet8-int8")]
cnn_runtime::include_tflite! { struct Net; "../../fixtures/resnet8/tflite/model.int8.tflite" }

#[cfg(feature = "mobilenet-int8")]
cnn_runtime::include_tflite! { struct Net; "../../fixtures/mobilenet_v1_vww/tflite/model.int8.tflite" }

/// The model: its weights are statics in flash.
static MODEL: Net = Net::new();

/// Test data from `build.rs`.
mod data {
    include!(concat!(env!("OUT_DIR"), "/data.rs"));
    pub static INPUTS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/inputs.bin"));
    pub static EXPECTED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/expected.bin"));
    pub static LABELS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/labels.bin"));
}

/// The input as the bytes of its (all-i8) array.
fn input_bytes(input: &mut <Net as Int8Model>::Input) -> &mut [i8] {
    input.as_flattened_mut().as_flattened_mut()
}

pub fn run() -> ! {
    let mut clock = measure::InstructionClock::start();
    let q = <Net as Int8Model>::INPUT_QUANTIZATION;
    let per_input = data::INPUTS.len() / data::COUNT;
    let per_output = data::EXPECTED.len() / data::COUNT;
    hprintln!("int8 model: {} inputs from {}", data::COUNT, data::SOURCE);
    let mut input = Net::new_input();
    let mut scratch = Net::new_scratch();
    let (mut agree, mut instructions, mut correct) = (0usize, 0u64, 0usize);
    for i in 0..data::COUNT {
        let raw = &data::INPUTS[i * per_input..(i + 1) * per_input];
        let values = input_bytes(&mut input);
        for (v, &b) in values.iter_mut().zip(raw) {
            *v = if data::BYTE_INPUTS {
                q.quantize(f32::from(b) / 255.0)
            } else {
                b as i8
            };
        }
        let start = clock.now();
        let output = *MODEL.forward_into(&input, &mut scratch);
        instructions += clock.now() - start;
        let expected = &data::EXPECTED[i * per_output..(i + 1) * per_output];
        let same = output.iter().zip(expected).all(|(&o, &e)| o == e as i8);
        agree += usize::from(same);
        let class = argmax(&output);
        if let Some(&label) = data::LABELS.get(i) {
            correct += usize::from(class == usize::from(label));
        }
        if !same {
            hprintln!(
                "input {}: output {:?} differs from TensorFlow Lite's {:?}",
                i,
                &output[..],
                expected
            );
        }
    }
    if !data::LABELS.is_empty() {
        hprintln!("accuracy: {}/{} correct", correct, data::COUNT);
    }
    hprintln!(
        "agreement with TensorFlow Lite (every byte): {}/{}",
        agree,
        data::COUNT
    );
    hprintln!(
        "instructions per inference: {} (QEMU -icount; instructions, not cycles); {} weights",
        instructions / data::COUNT as u64,
        <Net as Int8Model>::PARAMS
    );
    hprintln!(
        "RAM: {} B of scratch (SCRATCH_BYTES); stack high-water mark {} B; no heap",
        <Net as Int8Model>::SCRATCH_BYTES,
        measure::stack_high_water_mark()
    );
    #[cfg(feature = "profile")]
    {
        hprintln!(
            "instructions per inference by step (sampled every {} instructions; the index is the step's in forward):",
            measure::steps::PERIOD
        );
        for (step, n) in measure::steps::instructions() {
            hprintln!("step {:>3}: {:>10}", step, n / data::COUNT as u64);
        }
    }
    if agree == data::COUNT {
        debug::exit(debug::EXIT_SUCCESS);
    } else {
        hprintln!("FAILED: outputs differ from TensorFlow Lite's");
        debug::exit(debug::EXIT_FAILURE);
    }
    loop {
        core::hint::spin_loop();
    }
}

fn argmax(values: &[i8]) -> usize {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        if v > values[best] {
            best = i;
        }
    }
    best
}
