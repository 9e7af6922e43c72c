//! Any bytes as a numpy `.npz` weights archive: a model or a `WeightsError`,
//! never a panic.
#![no_main]

use cnn_runtime::WeightFiles;

include!("model.rs");

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    if let Err(error) = Target::from_npz(std::io::Cursor::new(bytes)) {
        let _ = error.to_string();
    }
});
