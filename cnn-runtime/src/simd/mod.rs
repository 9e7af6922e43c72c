//! Which instruction set the kernels run on, chosen once per CPU.
//!
//! Each kernel is written once, generic over `Lanes<N>` (`N` `f32` lanes and
//! the few operations the kernels need), and compiled for AVX2 + FMA (8
//! lanes) inside a `#[target_feature]` function, for AVX-512F (16 lanes; the
//! convolution, Dense and max-pooling kernels, on layers whose output
//! channels are a multiple of 16), for WebAssembly's `simd128` in a module
//! built with it, and for the target's baseline (the portable path: plain
//! arithmetic the compiler vectorises as it can, used on every other CPU and
//! architecture). The kernels pick one per call with [`isa`]: on x86_64 with
//! `std` that is run-time detection; without `std` it is what the build
//! enables (`-C target-feature=+avx2,+fma`).
//!
//! ```
//! use cnn_runtime::simd::{self, Isa};
//!
//! // What this thread's kernels use: the fastest path the CPU has...
//! let fastest = simd::isa();
//! // ...unless told to use the portable path, e.g. to compare the two.
//! simd::with_portable(|| assert_eq!(simd::isa(), Isa::Portable));
//! assert_eq!(simd::isa(), fastest);
//! ```

use crate::activation::{Activation, InRegisters};

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;
mod portable;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod wasm;

#[cfg(target_arch = "x86_64")]
pub(crate) use avx2::Avx2Fma;
#[cfg(target_arch = "x86_64")]
pub(crate) use avx512::Avx512;
pub(crate) use portable::Portable;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub(crate) use wasm::Simd128;

/// An instruction set the kernels are compiled for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Isa {
    /// The target's baseline: correct everywhere, vectorised by the compiler
    /// where it can (SSE2 on x86_64, NEON on aarch64).
    Portable,
    /// 256-bit vectors with fused multiply-add (x86_64: Haswell, Zen and later).
    Avx2Fma,
    /// 512-bit vectors (x86_64 with AVX-512F: Skylake-SP, Ice Lake, Zen 4 and
    /// later) for the convolution and Dense kernels, on layers whose output
    /// channels are a multiple of 16; AVX2 and FMA for everything else.
    Avx512,
    /// WebAssembly's 128-bit SIMD, in a module built with `+simd128`.
    Simd128,
}

/// The instruction set kernels called on this thread use.
pub fn isa() -> Isa {
    #[cfg(target_arch = "x86_64")]
    if Avx512::detect().is_some() && Avx2Fma::detect().is_some() {
        return Isa::Avx512;
    }
    #[cfg(target_arch = "x86_64")]
    if Avx2Fma::detect().is_some() {
        return Isa::Avx2Fma;
    }
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    if Simd128::detect().is_some() {
        return Isa::Simd128;
    }
    Isa::Portable
}

/// Runs `f` with every kernel on this thread on the portable path (threads
/// `f` starts, such as `forward_batch`'s, are not affected). The fast and the
/// portable paths give the same results up to rounding; this is how tests and
/// benchmarks compare them.
#[cfg(feature = "std")]
pub fn with_portable<R>(f: impl FnOnce() -> R) -> R {
    with_flag(&FORCE_PORTABLE, f)
}

/// Runs `f` with no kernel on this thread using AVX-512 (AVX2 and FMA where
/// the CPU has them): how tests compare the AVX-512 and AVX2 paths.
#[cfg(feature = "std")]
pub fn without_avx512<R>(f: impl FnOnce() -> R) -> R {
    with_flag(&FORBID_AVX512, f)
}

#[cfg(feature = "std")]
std::thread_local! {
    static FORCE_PORTABLE: core::cell::Cell<bool> = const { core::cell::Cell::new(false) };
    static FORBID_AVX512: core::cell::Cell<bool> = const { core::cell::Cell::new(false) };
}

/// Runs `f` with this thread's `flag` set, then puts it back (also if `f`
/// panics).
#[cfg(feature = "std")]
fn with_flag<R>(
    flag: &'static std::thread::LocalKey<core::cell::Cell<bool>>,
    f: impl FnOnce() -> R,
) -> R {
    struct Restore(&'static std::thread::LocalKey<core::cell::Cell<bool>>, bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            self.0.with(|p| p.set(self.1));
        }
    }
    let _restore = Restore(flag, flag.with(|p| p.replace(true)));
    f()
}

/// Whether [`without_avx512`] is in force on this thread.
#[cfg(target_arch = "x86_64")]
fn avx512_forbidden() -> bool {
    #[cfg(feature = "std")]
    {
        FORBID_AVX512.try_with(|p| p.get()).unwrap_or(false)
    }
    #[cfg(not(feature = "std"))]
    {
        false
    }
}

/// Whether [`with_portable`] is in force on this thread.
#[cfg(any(
    target_arch = "x86_64",
    all(target_arch = "wasm32", target_feature = "simd128")
))]
fn portable_forced() -> bool {
    #[cfg(feature = "std")]
    {
        FORCE_PORTABLE.try_with(|p| p.get()).unwrap_or(false)
    }
    #[cfg(not(feature = "std"))]
    {
        false
    }
}

/// `N` `f32` lanes (eight unless said otherwise) on one instruction set: the
/// operations the kernels use.
///
/// A value of an implementing type is the proof that its instructions can run
/// (see [`Avx2Fma::detect`]); kernels take it by value and pass it down.
/// Kernels written for eight lanes take `L: Lanes`; those that also run on
/// AVX-512's sixteen take `L: Lanes<N>` and size everything by `N`.
pub(crate) trait Lanes<const N: usize = 8>: Copy {
    type V: Copy;

    fn splat(self, x: f32) -> Self::V;
    fn load(self, x: &[f32; N]) -> Self::V;
    fn store(self, v: Self::V, out: &mut [f32; N]);
    /// `a * b + c`, fused where the instruction set has it.
    fn mul_add(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    fn add(self, a: Self::V, b: Self::V) -> Self::V;
    /// `if a > b { a } else { b }` per lane (so `b` when either is NaN).
    fn max(self, a: Self::V, b: Self::V) -> Self::V;

    fn zero(self) -> Self::V {
        self.splat(0.0)
    }
}

/// `v` after activation `A`, if `A` can be computed in registers.
#[inline(always)]
pub(crate) fn activate<L: Lanes<N>, const N: usize, A: Activation>(l: L, v: L::V) -> L::V {
    match A::IN_REGISTERS {
        // `max(0, v)` is `v` for a NaN (as `Lanes::max` picks its second
        // operand then); adding 0 makes -0 the 0 TensorFlow's relu gives.
        InRegisters::Relu => l.add(l.max(l.zero(), v), l.zero()),
        InRegisters::Identity | InRegisters::No => v,
    }
}

/// The `NV` blocks of `N` values of `values` from `at`, with one bounds check.
#[inline(always)]
pub(crate) fn lane_blocks<const N: usize, const NV: usize>(
    values: &[f32],
    at: usize,
) -> Option<&[[f32; N]; NV]> {
    values
        .get(at..at.checked_add(N * NV)?)?
        .as_chunks::<N>()
        .0
        .try_into()
        .ok()
}

/// [`lane_blocks`], mutable.
#[inline(always)]
pub(crate) fn lane_blocks_mut<const N: usize, const NV: usize>(
    values: &mut [f32],
    at: usize,
) -> Option<&mut [[f32; N]; NV]> {
    values
        .get_mut(at..at.checked_add(N * NV)?)?
        .as_chunks_mut::<N>()
        .0
        .try_into()
        .ok()
}

/// Runs a kernel on the fastest lanes there are: `$fast(token, args...)`
/// when the CPU has AVX2 and FMA, `$lanes(Simd128, args...)` in a WebAssembly
/// module built with `simd128`, else `$lanes(Portable, args...)`.
///
/// `$fast` is a function compiled with AVX2 and FMA enabled whose first
/// parameter is the [`Avx2Fma`] token; the macro calls it only when
/// [`Avx2Fma::detect`] has returned that token. `$lanes` is the kernel,
/// generic over [`Lanes`].
///
/// With `wide($wide) if condition,` first, `$wide(token, args...)` runs
/// instead when the condition holds and the CPU has AVX-512F: `$wide` is the
/// kernel compiled with AVX-512F enabled for the [`Avx512`] token.
macro_rules! dispatch {
    (wide($wide:ident) if $cond:expr, $fast:ident, $lanes:ident($($arg:expr),* $(,)?)) => {{
        #[cfg(target_arch = "x86_64")]
        if $cond {
            if let Some(lanes) = $crate::simd::Avx512::detect() {
                // SAFETY: `$wide` only needs AVX-512F, and `lanes` exists only
                // when the running CPU has it.
                return unsafe { $wide(lanes, $($arg),*) };
            }
        }
        $crate::simd::dispatch!($fast, $lanes($($arg),*))
    }};
    ($fast:ident, $lanes:ident($($arg:expr),* $(,)?)) => {{
        #[cfg(target_arch = "x86_64")]
        if let Some(lanes) = $crate::simd::Avx2Fma::detect() {
            // SAFETY: `$fast` only needs AVX2 and FMA, and `lanes` exists only
            // when the running CPU has both.
            return unsafe { $fast(lanes, $($arg),*) };
        }
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        if let Some(lanes) = $crate::simd::Simd128::detect() {
            return $lanes(lanes, $($arg),*);
        }
        $lanes($crate::simd::Portable, $($arg),*)
    }};
}
pub(crate) use dispatch;

#[cfg(test)]
mod tests {
    //! The fast path against the portable one on small shapes that reach every
    //! branch: 16- and 8-channel blocks, the channel tail, border pixels,
    //! packed windows, in-register and stored activations. Small enough for
    //! Miri, which runs them with `-C target-feature=+avx2,+fma` in CI.

    use super::*;
    use crate::activation::{Relu, Tanh};
    use crate::kernels::conv::{conv2d_dyn, Conv2DGeometry};
    use crate::kernels::dense::{dense_dyn, DenseGeometry};
    use crate::kernels::epilogue::Epilogue;
    use crate::kernels::pool::{pool2d_dyn, PoolGeometry, PoolOp};
    use std::vec::Vec;

    fn values(n: usize, seed: u32) -> Vec<f32> {
        (0..n)
            .map(|i| ((i as u32).wrapping_mul(2_654_435_761) ^ seed) % 1000)
            .map(|v| v as f32 / 500.0 - 1.0)
            .collect()
    }

    fn both(run: impl Fn() -> Vec<f32>) -> (Vec<f32>, Vec<f32>) {
        (run(), with_portable(&run))
    }

    fn assert_close((fast, portable): (Vec<f32>, Vec<f32>)) {
        assert_eq!(fast.len(), portable.len());
        for (i, (f, p)) in fast.iter().zip(&portable).enumerate() {
            assert!((f - p).abs() <= 1e-5, "value {i}: fast {f}, portable {p}");
        }
    }

    #[test]
    fn the_build_enables_what_isa_reports() {
        if cfg!(all(
            target_arch = "x86_64",
            target_feature = "avx2",
            target_feature = "fma"
        )) {
            assert_eq!(isa(), Isa::Avx2Fma);
        }
        if cfg!(all(target_arch = "wasm32", target_feature = "simd128")) {
            assert_eq!(isa(), Isa::Simd128);
        }
        with_portable(|| assert_eq!(isa(), Isa::Portable));
    }

    #[test]
    fn convolution_agrees_on_both_paths() {
        // 5x5x3, 3x3 kernel, `same` padding, 28 = 16 + 8 + 4 output channels.
        let g = Conv2DGeometry {
            h: 5,
            w: 5,
            c_in: 3,
            c_out: 28,
            kh: 3,
            kw: 3,
            stride_h: 1,
            stride_w: 1,
            dilation_h: 1,
            dilation_w: 1,
            pad_top: 1,
            pad_left: 1,
            out_h: 5,
            out_w: 5,
        };
        let (x, k, b) = (values(75, 1), values(9 * 3 * 28, 2), values(28, 3));
        assert_close(both(|| {
            let mut out = std::vec![f32::NAN; g.output_len()];
            conv2d_dyn(g, &x, &k, Some(&b[..]).into(), Relu, &mut out);
            out
        }));
        assert_close(both(|| {
            let mut out = std::vec![f32::NAN; g.output_len()];
            conv2d_dyn(g, &x, &k, Epilogue::Nothing, Tanh, &mut out);
            out
        }));
    }

    /// 32 output channels and 48 units: the AVX-512 kernels where the CPU
    /// has them, against AVX2 (or portable) and portable.
    #[test]
    fn wide_kernels_agree_with_the_narrow_ones() {
        let g = Conv2DGeometry {
            h: 6,
            w: 5,
            c_in: 3,
            c_out: 32,
            kh: 3,
            kw: 3,
            stride_h: 1,
            stride_w: 2,
            dilation_h: 1,
            dilation_w: 1,
            pad_top: 1,
            pad_left: 1,
            out_h: 6,
            out_w: 3,
        };
        let (x, k, b) = (values(90, 11), values(9 * 3 * 32, 12), values(32, 13));
        let conv = || {
            let mut out = std::vec![f32::NAN; g.output_len()];
            conv2d_dyn(g, &x, &k, Some(&b[..]).into(), Relu, &mut out);
            out
        };
        assert_close((conv(), without_avx512(conv)));
        assert_close(both(conv));
        // 80 channels: AVX-512's 4-vector tile and a 1-vector one.
        let g = Conv2DGeometry { c_out: 80, ..g };
        let (k, b) = (values(9 * 3 * 80, 18), values(80, 19));
        let conv = || {
            let mut out = std::vec![f32::NAN; g.output_len()];
            conv2d_dyn(g, &x, &k, Some(&b[..]).into(), Relu, &mut out);
            out
        };
        assert_close((conv(), without_avx512(conv)));
        assert_close(both(conv));
        let (x, k, b) = (values(2 * 21, 14), values(21 * 48, 15), values(48, 16));
        for rows in [1, 2] {
            let g = DenseGeometry {
                rows,
                fan_in: 21,
                units: 48,
            };
            let dense = || {
                let mut out = std::vec![f32::NAN; rows * 48];
                dense_dyn(g, &x, &k, Some(&b), Tanh, &mut out);
                out
            };
            assert_close((dense(), without_avx512(dense)));
            assert_close(both(dense));
        }
        // 48 channels: a 16-lane block of 3 vectors with AVX-512 (one of 4
        // and 2 of 1 with 8 lanes); max pooling skips a NaN on every path,
        // as TensorFlow's MaxPool does.
        let mut map = values(4 * 4 * 48, 17);
        map[48 + 34] = f32::NAN; // cell (0, 1), channel 34: output (0, 0)
        let others = [0, 4 * 48, 5 * 48].map(|cell| map[cell + 34]);
        let expected = others.into_iter().fold(f32::MIN, f32::max);
        let g = PoolGeometry {
            h: 4,
            w: 4,
            c: 48,
            ph: 2,
            pw: 2,
            stride_h: 2,
            stride_w: 2,
            pad_top: 0,
            pad_left: 0,
            out_h: 2,
            out_w: 2,
        };
        let pool = || {
            let mut out = std::vec![0.0; 2 * 2 * 48];
            pool2d_dyn(g, PoolOp::Max, &map, &mut out);
            out
        };
        let (wide, avx2, portable) = (pool(), without_avx512(pool), with_portable(pool));
        for out in [&wide, &avx2, &portable] {
            assert_eq!(out[34], expected, "max pooling skips NaN");
        }
        assert_eq!(wide, avx2);
        assert_eq!(wide, portable);
    }

    #[test]
    fn dense_and_pooling_agree_on_both_paths() {
        let (x, k, b) = (values(2 * 19, 4), values(19 * 45, 5), values(45, 6));
        for rows in [1, 2] {
            let g = DenseGeometry {
                rows,
                fan_in: 19,
                units: 45,
            };
            assert_close(both(|| {
                let mut out = std::vec![f32::NAN; rows * 45];
                dense_dyn(g, &x, &k, Some(&b), Relu, &mut out);
                out
            }));
        }
        let mut map = values(4 * 4 * 40, 7);
        map[17] = f32::NAN;
        let others = [40, 4 * 40, 5 * 40].map(|cell| map[cell + 17]);
        let expected = others.into_iter().fold(f32::MIN, f32::max);
        let g = PoolGeometry {
            h: 4,
            w: 4,
            c: 40,
            ph: 2,
            pw: 2,
            stride_h: 2,
            stride_w: 2,
            pad_top: 0,
            pad_left: 0,
            out_h: 2,
            out_w: 2,
        };
        let (fast, portable) = both(|| {
            let mut out = std::vec![0.0; 2 * 2 * 40];
            pool2d_dyn(g, PoolOp::Max, &map, &mut out);
            out
        });
        assert_eq!(fast[17], expected, "max pooling skips NaN");
        assert_eq!(fast, portable);
    }
}
