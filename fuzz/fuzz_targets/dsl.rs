//! Any text as a `cnn!` body: a plan or diagnostics, never a panic; and the
//! code generated for whatever passes.
#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let Ok(tokens) = text.parse::<proc_macro2::TokenStream>() else {
        return;
    };
    match cnn_compiler::compile(tokens.clone()) {
        Ok(plan) => {
            let _ = cnn_compiler::summary::render(&plan);
            let _ = cnn_compiler::plot::svg(&plan);
            let _ = cnn_compiler::codegen::generate(&plan, None);
        }
        Err(diags) => assert!(!diags.is_empty()),
    }
});
