//! 512-bit AVX-512 vectors: sixteen lanes, with fused multiply-add.

use super::Lanes;
use core::arch::x86_64::*;

/// Proof that the running CPU has AVX-512 Foundation (whose FMA is part of
/// it): only [`Avx512::detect`] makes one.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Avx512(());

impl Avx512 {
    /// The token, if the CPU has AVX-512F (and neither `with_portable` nor
    /// `without_avx512` is in force). With `std` the CPU is asked; without,
    /// only a build with the target feature enabled says yes.
    #[inline]
    pub(crate) fn detect() -> Option<Avx512> {
        #[cfg(feature = "std")]
        let present = std::is_x86_feature_detected!("avx512f");
        #[cfg(not(feature = "std"))]
        let present = cfg!(target_feature = "avx512f");
        (present && !super::portable_forced() && !super::avx512_forbidden()).then_some(Avx512(()))
    }
}

// Every method runs an AVX-512F instruction. SAFETY (for each `unsafe`
// below): `self` exists only if `detect` found AVX-512F on this CPU; the
// pointer operations read or write exactly the 16 floats of an array
// reference.
impl Lanes<16> for Avx512 {
    type V = __m512;

    #[inline(always)]
    fn splat(self, x: f32) -> __m512 {
        // SAFETY: see above.
        unsafe { _mm512_set1_ps(x) }
    }

    #[inline(always)]
    fn load(self, x: &[f32; 16]) -> __m512 {
        // SAFETY: see above.
        unsafe { _mm512_loadu_ps(x.as_ptr()) }
    }

    #[inline(always)]
    fn store(self, v: __m512, out: &mut [f32; 16]) {
        // SAFETY: see above.
        unsafe { _mm512_storeu_ps(out.as_mut_ptr(), v) }
    }

    #[inline(always)]
    fn mul_add(self, a: __m512, b: __m512, c: __m512) -> __m512 {
        // SAFETY: see above.
        unsafe { _mm512_fmadd_ps(a, b, c) }
    }

    #[inline(always)]
    fn add(self, a: __m512, b: __m512) -> __m512 {
        // SAFETY: see above.
        unsafe { _mm512_add_ps(a, b) }
    }

    #[inline(always)]
    fn max(self, a: __m512, b: __m512) -> __m512 {
        // SAFETY: see above. (`vmaxps` returns its second operand unless the
        // first is greater, which is what `Lanes::max` asks for.)
        unsafe { _mm512_max_ps(a, b) }
    }
}

#[cfg(test)]
mod tests {
    //! The pointer reads and writes and the arithmetic, on a CPU (or under
    //! Miri built with `-C target-feature=+avx512f`, as CI runs it) that has
    //! AVX-512F. `max` and `max_nan` use compare and max instructions Miri
    //! cannot run: they are tested natively, against the AVX2 and portable
    //! paths, in `simd::tests` and the kernel tests.

    use super::*;

    #[test]
    fn loads_stores_and_arithmetic_are_lane_for_lane() {
        let Some(l) = Avx512::detect() else {
            return;
        };
        let a: [f32; 16] = core::array::from_fn(|i| i as f32);
        let b: [f32; 16] = core::array::from_fn(|i| 0.5 - i as f32);
        let mut out = [f32::NAN; 16];
        l.store(l.mul_add(l.load(&a), l.load(&b), l.splat(2.0)), &mut out);
        assert_eq!(out, core::array::from_fn(|i| a[i] * b[i] + 2.0));
        l.store(l.add(l.load(&a), l.zero()), &mut out);
        assert_eq!(out, a);
    }
}
