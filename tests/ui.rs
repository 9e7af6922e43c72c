//! Compile-fail snapshots: every mistake in a `cnn!` model is a compile error
//! that points at the culprit. `TRYBUILD=overwrite cargo test --test ui`
//! rewrites the `.stderr` files after an intended change; review the diff.

#[test]
fn model_mistakes_are_compile_errors() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
