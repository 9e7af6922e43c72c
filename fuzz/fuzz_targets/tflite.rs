//! Any bytes as a `.tflite` file: read, lowered, placed, summarised and
//! generated, or an error naming what is wrong; never a panic, a hang or an
//! allocation the file's size does not justify.
#![no_main]

use cnn_compiler::tflite::{codegen, include, lower, read, summary};

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    let Ok(model) = read::read(bytes) else {
        return;
    };
    let Ok(program) = lower::lower(model) else {
        return;
    };
    if include::check_size(&program).is_err() {
        return;
    }
    let text = summary::render(&program, "fuzz.tflite");
    let header = codegen::Header {
        attrs: Default::default(),
        vis: Default::default(),
        ident: proc_macro2::Ident::new("Fuzzed", proc_macro2::Span::call_site()),
    };
    let _ = codegen::generate(&program, &header, &text, Default::default());
});
