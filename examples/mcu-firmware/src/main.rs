//! A model as Cortex-M4F firmware, run under QEMU (`scripts/mcu-run.sh`):
//! the weights embedded at compile time and read in place from flash, no
//! allocator, the scratch on the stack. It classifies the fixture's inputs,
//! compares every output with Keras' own, and reports over semihosting the
//! classes, the agreement, the instructions per inference and the stack it
//! used; it exits with a failure status if any output differs from Keras'
//! beyond the fixture's tolerance.
//!
//! One model per build, chosen by feature: `seed` (default), `dscnn`,
//! `resnet8`, `mobilenet` (float32, from Keras' files), or `seed-int8`,
//! `dscnn-int8`, `resnet8-int8`, `mobilenet-int8` (TensorFlow Lite's int8
//! files, checked byte for byte against TensorFlow Lite: `int8.rs`).
#![no_std]
#![no_main]

mod measure;

use cortex_m_semihosting::{debug, hprintln};

#[cortex_m_rt::entry]
fn main() -> ! {
    #[cfg(int8)]
    int8::run();
    #[cfg(not(int8))]
    float::run()
}

#[cfg(int8)]
mod int8;

/// A float32 model from Keras' files, checked against Keras' outputs.
#[cfg(not(int8))]
mod float {
    use crate::measure;
    use cnn_runtime::Model;
    use cortex_m_semihosting::{debug, hprintln};

    #[cfg(feature = "seed")]
    cnn_runtime::include_keras! {
        struct Net;
        "../../fixtures/seed_mnist/config.json",
        weights = "../../fixtures/seed_mnist/weights.safetensors"
    }

    #[cfg(feature = "dscnn")]
    cnn_runtime::include_keras! {
        struct Net;
        "../../fixtures/dscnn/config.json",
        weights = "../../fixtures/dscnn/weights.safetensors"
    }

    #[cfg(feature = "resnet8")]
    cnn_runtime::include_keras! {
        struct Net;
        "../../fixtures/resnet8/config.json",
        weights = "../../fixtures/resnet8/weights.safetensors"
    }

    #[cfg(feature = "mobilenet")]
    cnn_runtime::include_keras! {
        struct Net;
        "../../fixtures/mobilenet_v1_vww/config.json",
        weights = "../../fixtures/mobilenet_v1_vww/weights.safetensors"
    }

    /// The test data `build.rs` extracts from the fixture.
    mod data {
        include!(concat!(env!("OUT_DIR"), "/data.rs"));
        pub static INPUTS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/inputs.bin"));
        pub static EXPECTED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/expected.bin"));
        /// The true class of each input, where the fixture has them; else empty.
        pub static LABELS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/labels.bin"));
    }

    pub fn run() -> ! {
        let mut clock = measure::InstructionClock::start();
        let model = Net::embedded();
        let inputs = data::INPUTS.len() / data::COUNT;
        let outputs = data::EXPECTED.len() / 4 / data::COUNT;
        hprintln!(
            "{}: {} inputs from {}",
            model_name(),
            data::COUNT,
            data::SOURCE
        );

        let mut input: <Net as Model>::Input = cnn_runtime::Zeroable::zeroed();
        let mut scratch = Net::new_scratch();
        let (mut agree, mut worst, mut instructions) = (0usize, 0.0f32, 0u64);
        let (mut correct, mut keras_correct) = (0usize, 0usize);
        for i in 0..data::COUNT {
            let raw = &data::INPUTS[i * inputs..(i + 1) * inputs];
            let values = cnn_runtime::memory::flat_mut(&mut input);
            if data::BYTE_INPUTS {
                // MNIST pixels, scaled as in training: `pixel as f32 / 255`.
                for (v, &p) in values.iter_mut().zip(raw) {
                    *v = f32::from(p) / 255.0;
                }
            } else {
                for (v, b) in values.iter_mut().zip(raw.chunks_exact(4)) {
                    *v = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                }
            }
            let start = clock.now();
            let output = cnn_runtime::memory::flat(model.forward_into(&input, &mut scratch));
            instructions += clock.now() - start;

            let keras: [f32; 16] = core::array::from_fn(|k| {
                let at = (i * outputs + k) * 4;
                data::EXPECTED
                    .get(at..at + 4)
                    .map_or(0.0, |b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            });
            let keras = &keras[..outputs.min(16)];
            let difference = output
                .iter()
                .zip(keras)
                .map(|(o, k)| (o - k).abs())
                .fold(0.0f32, f32::max);
            worst = worst.max(difference);
            let (class, keras_class) = (argmax(output), argmax(keras));
            agree += usize::from(class == keras_class && difference <= data::TOLERANCE);
            if let Some(&label) = data::LABELS.get(i) {
                correct += usize::from(class == usize::from(label));
                keras_correct += usize::from(keras_class == usize::from(label));
            }
            hprintln!(
                "input {:3}: class {} ({:.4}), Keras class {} ({:.4}), largest difference {:.1e}",
                i,
                class,
                output[class],
                keras_class,
                keras[keras_class],
                difference
            );
        }
        if !data::LABELS.is_empty() {
            hprintln!(
                "accuracy: {}/{} correct ({}/{} for Keras)",
                correct,
                data::COUNT,
                keras_correct,
                data::COUNT
            );
        }
        let per_inference = instructions / data::COUNT as u64;
        let macs = Net::FLOPS / 2;
        hprintln!(
            "agreement with Keras: {}/{} (largest difference {:.1e}, tolerance {:.0e})",
            agree,
            data::COUNT,
            worst,
            data::TOLERANCE
        );
        hprintln!(
            "instructions per inference: {} (QEMU -icount; instructions, not cycles); {} MACs, {:.2} MACs per instruction",
            per_inference,
            macs,
            macs as f32 / per_inference as f32
        );
        hprintln!(
            "flash: {} B of weights (read in place), {} B of test data",
            core::mem::size_of::<Net>(),
            data::INPUTS.len() + data::EXPECTED.len()
        );
        hprintln!(
            "RAM: {} B of scratch (SCRATCH_BYTES); stack high-water mark {} B; no heap",
            Net::SCRATCH_BYTES,
            measure::stack_high_water_mark()
        );
        if agree == data::COUNT {
            debug::exit(debug::EXIT_SUCCESS);
        } else {
            hprintln!("FAILED: outputs differ from Keras' beyond the tolerance");
            debug::exit(debug::EXIT_FAILURE);
        }
        loop {
            core::hint::spin_loop();
        }
    }

    /// The model's name, as its summary's first line gives it.
    fn model_name() -> &'static str {
        let first = Net::summary().lines().next().unwrap_or("");
        first
            .strip_prefix("Model: \"")
            .and_then(|rest| rest.strip_suffix('"'))
            .unwrap_or(first)
    }

    fn argmax(values: &[f32]) -> usize {
        let mut best = 0;
        for (i, &v) in values.iter().enumerate() {
            if v > values[best] {
                best = i;
            }
        }
        best
    }
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    hprintln!("panic: {}", info);
    debug::exit(debug::EXIT_FAILURE);
    loop {
        core::hint::spin_loop();
    }
}
