//! WebAssembly's 128-bit SIMD (`simd128`): eight lanes as two `v128`.
//!
//! WebAssembly cannot ask the engine what it supports at run time: the
//! instructions are there when the module is built with
//! `-C target-feature=+simd128`, and every engine that loads such a module
//! runs them (all current browsers and wasmtime do).

use super::Lanes;
use core::arch::wasm32::*;

/// Proof that the module was built with `simd128` (and that `with_portable`
/// is not in force): only [`Simd128::detect`] makes one.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Simd128(());

impl Simd128 {
    #[inline]
    pub(crate) fn detect() -> Option<Simd128> {
        (!super::portable_forced()).then_some(Simd128(()))
    }
}

/// Lanes 0..4 and 4..8 of eight floats.
#[inline(always)]
fn halves(x: &[f32; 8]) -> (&[f32; 4], &[f32; 4]) {
    let (low, high) = x.split_at(4);
    (
        low.try_into().unwrap_or(&[0.0; 4]),
        high.try_into().unwrap_or(&[0.0; 4]),
    )
}

impl Lanes for Simd128 {
    type V = [v128; 2];

    #[inline(always)]
    fn splat(self, x: f32) -> [v128; 2] {
        [f32x4_splat(x); 2]
    }

    #[inline(always)]
    fn load(self, x: &[f32; 8]) -> [v128; 2] {
        let (l, h) = halves(x);
        [f32x4(l[0], l[1], l[2], l[3]), f32x4(h[0], h[1], h[2], h[3])]
    }

    #[inline(always)]
    fn store(self, v: [v128; 2], out: &mut [f32; 8]) {
        *out = [
            f32x4_extract_lane::<0>(v[0]),
            f32x4_extract_lane::<1>(v[0]),
            f32x4_extract_lane::<2>(v[0]),
            f32x4_extract_lane::<3>(v[0]),
            f32x4_extract_lane::<0>(v[1]),
            f32x4_extract_lane::<1>(v[1]),
            f32x4_extract_lane::<2>(v[1]),
            f32x4_extract_lane::<3>(v[1]),
        ];
    }

    /// Not fused: baseline `simd128` has no fused multiply-add.
    #[inline(always)]
    fn mul_add(self, a: [v128; 2], b: [v128; 2], c: [v128; 2]) -> [v128; 2] {
        [
            f32x4_add(f32x4_mul(a[0], b[0]), c[0]),
            f32x4_add(f32x4_mul(a[1], b[1]), c[1]),
        ]
    }

    #[inline(always)]
    fn add(self, a: [v128; 2], b: [v128; 2]) -> [v128; 2] {
        [f32x4_add(a[0], b[0]), f32x4_add(a[1], b[1])]
    }

    /// `pmax(b, a)` is `b < a ? a : b`: `a` only when greater, `b` on NaN.
    #[inline(always)]
    fn max(self, a: [v128; 2], b: [v128; 2]) -> [v128; 2] {
        [f32x4_pmax(b[0], a[0]), f32x4_pmax(b[1], a[1])]
    }
}
