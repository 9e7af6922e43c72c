//! Any text as Keras Python code: a model or errors at places inside the
//! text, never a panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    match cnn_compiler::front::keras_py::parse_all(text) {
        Ok(keras) => {
            let _ = cnn_compiler::compile_keras(keras.model);
        }
        Err(errors) => {
            for e in errors {
                let _ = cnn_compiler::front::keras_py::render("fuzz.py", text, e.pos, &e.message);
            }
        }
    }
});
