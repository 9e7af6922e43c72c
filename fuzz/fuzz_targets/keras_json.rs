//! Any text as Keras' `model.to_json()`: a model or an error, never a panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    if let Ok(model) = cnn_compiler::front::keras_json::parse(text) {
        if let Ok(plan) = cnn_compiler::compile_keras(model) {
            let _ = cnn_compiler::summary::render(&plan);
        }
    }
});
