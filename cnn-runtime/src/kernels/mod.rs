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
//!
//! The exception is [`small_conv`]: a convolution whose window is a few
//! values (a first layer, or a 1x1 on few channels) is compiled for its own
//! sizes, because there the shared kernel's per-tile work costs more than the
//! multiply-adds. The compiler chooses it per layer.
//!
//! Convolutions finish their sums with an [`epilogue::Epilogue`]: a bias, or
//! the affine map of a BatchNormalization the compiler folded into the
//! layer, applied in registers before the activation and the store.

pub mod conv;
mod conv_big;
pub mod dense;
pub mod depthwise;
pub mod elementwise;
pub mod epilogue;
pub mod grouped;
pub mod pool;
pub mod small_conv;
pub mod transpose;

/// Output size of a sliding window along one axis, TensorFlow's rule for an
/// input already padded by `pad_before + pad_after`.
pub const fn window_output(input: usize, pad: usize, k_effective: usize, stride: usize) -> usize {
    if input + pad < k_effective || stride == 0 {
        0
    } else {
        (input + pad - k_effective) / stride + 1
    }
}

/// The shape relation of a convolution's const-generic entry point: strides
/// and dilation at least 1, and on both axes (height, width) the output the
/// (dilated) window gives over the padded input, at least one cell.
pub const fn convolution_shapes_agree(
    input: [usize; 2],
    pad: [usize; 2],
    kernel: [usize; 2],
    dilation: [usize; 2],
    stride: [usize; 2],
    output: [usize; 2],
) -> bool {
    let mut axis = 0;
    while axis < 2 {
        if stride[axis] == 0 || dilation[axis] == 0 || kernel[axis] == 0 || output[axis] == 0 {
            return false;
        }
        let span = kernel[axis] + (kernel[axis] - 1) * (dilation[axis] - 1);
        if output[axis] != window_output(input[axis], pad[axis], span, stride[axis]) {
            return false;
        }
        axis += 1;
    }
    true
}

/// The output rows (or columns) whose windows lie wholly inside the input,
/// every tap real: a range, since windows move one way as the output index
/// grows. `out` outputs, `stride`, `dilation`, `pad` before the input, `k`
/// taps over `n` inputs. A `const fn`, so that the small-window kernel has it
/// as a constant.
pub(crate) const fn inside(
    out: usize,
    stride: usize,
    dilation: usize,
    pad: usize,
    k: usize,
    n: usize,
) -> core::ops::Range<usize> {
    // The window covers `span` padded positions from `o * stride`; it is
    // inside iff `pad <= o * stride` and `o * stride + span <= pad + n`.
    if k == 0 {
        return 0..out; // no taps: none in the padding
    }
    let span = (k - 1).saturating_mul(dilation).saturating_add(1);
    let (start, end) = match (stride, n.saturating_add(pad).checked_sub(span)) {
        (_, None) => (0, 0),
        (0, Some(_)) if pad > 0 => (0, 0),
        (0, Some(_)) => (0, out),
        (stride, Some(room)) => (pad.div_ceil(stride), room / stride + 1),
    };
    let end = if end < out { end } else { out };
    let start = if start < end { start } else { end };
    start..end
}

/// The taps of output index `o` that fall inside the input (not the padding).
#[inline]
pub(crate) fn taps_along(
    o: usize,
    stride: usize,
    dilation: usize,
    pad: usize,
    k: usize,
    n: usize,
) -> core::ops::Range<usize> {
    // Tap t reads padded index first + t * dilation: real iff pad <= that < pad + n.
    let first = o * stride;
    let lo = pad.saturating_sub(first).div_ceil(dilation);
    let hi = (pad + n).saturating_sub(first).div_ceil(dilation);
    lo.min(k)..hi.min(k).max(lo.min(k))
}

#[cfg(test)]
mod tests {
    use super::{inside, taps_along};

    /// `inside` is the range of outputs whose taps are all real, as
    /// `taps_along` counts them one output at a time.
    #[test]
    fn inside_is_where_every_tap_is_real() {
        for out in 0..7 {
            for stride in 0..4 {
                for dilation in 1..4 {
                    for pad in 0..4 {
                        for k in 0..5 {
                            for n in 0..8 {
                                let full =
                                    |o: usize| taps_along(o, stride, dilation, pad, k, n) == (0..k);
                                let range = inside(out, stride, dilation, pad, k, n);
                                let case = (out, stride, dilation, pad, k, n);
                                for o in 0..out {
                                    assert_eq!(range.contains(&o), full(o), "{case:?}, output {o}");
                                }
                                assert!(range.end <= out, "{case:?}");
                            }
                        }
                    }
                }
            }
        }
    }
}

/// What the kernels' unit tests share: deterministic values in [-1, 1), and
/// a check run on every instruction-set path.
#[cfg(test)]
pub(crate) mod testing {
    /// `N` values in [-1, 1), different for each `seed`.
    pub fn values<const N: usize>(seed: u32) -> [f32; N] {
        core::array::from_fn(|i| {
            let v = ((i as u32).wrapping_mul(2_654_435_761) ^ seed) % 1000;
            v as f32 / 500.0 - 1.0
        })
    }

    /// `check` on the fastest path, without AVX-512, and on the portable path.
    pub fn on_every_path(check: impl Fn()) {
        check();
        crate::simd::without_avx512(&check);
        crate::simd::with_portable(&check);
    }
}
