//! Any bytes as a safetensors weights file: a model or a `WeightsError`,
//! never a panic, never memory beyond the file's own size.
#![no_main]

use cnn_runtime::WeightFiles;

include!("model.rs");

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    if let Err(error) = Target::from_safetensors(bytes) {
        let _ = error.to_string();
    }
});
