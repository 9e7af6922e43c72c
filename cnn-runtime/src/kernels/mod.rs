//! The kernels generated models call, one file per family.
//!
//! Each family has a const-generic entry point (what generated code calls: every
//! size is a constant, checked against the others by `const` assertions, so a
//! wrong instantiation does not compile) and a `*_dyn` core that takes the same
//! sizes as a plain struct. The cores run on the instruction set
//! [`crate::simd`] picks; they take sizes at run time so that one compiled
//! kernel serves every layer (compile time stays flat as models grow), and
//! only the register tiles have fixed sizes. The cores are public so the
//! property tests can run them on random shapes against the ndarray reference.

pub mod conv;
pub mod dense;
pub mod depthwise;
pub mod elementwise;
pub mod pool;

/// Output size of a sliding window along one axis, TensorFlow's rule for an
/// input already padded by `pad_before + pad_after`.
pub const fn window_output(input: usize, pad: usize, k_effective: usize, stride: usize) -> usize {
    if input + pad < k_effective || stride == 0 {
        0
    } else {
        (input + pad - k_effective) / stride + 1
    }
}
