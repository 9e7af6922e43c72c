//! 256-bit AVX vectors with FMA3.

use super::Lanes;
use core::arch::x86_64::*;

/// Proof that the running CPU has AVX2 and FMA: only [`Avx2Fma::detect`]
/// makes one.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Avx2Fma(());

impl Avx2Fma {
    /// The token, if the CPU has AVX2 and FMA (and `with_portable` is not in
    /// force). With `std` the CPU is asked (the answer is cached by std);
    /// without, only a build with both target features enabled says yes.
    #[inline]
    pub(crate) fn detect() -> Option<Avx2Fma> {
        #[cfg(feature = "std")]
        let present = std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma");
        #[cfg(not(feature = "std"))]
        let present = cfg!(all(target_feature = "avx2", target_feature = "fma"));
        (present && !super::portable_forced()).then_some(Avx2Fma(()))
    }
}

// Every method runs an AVX or FMA instruction. SAFETY (for each `unsafe`
// below): `self` exists only if `detect` found both features on this CPU; the
// pointer operations read or write exactly the 8 floats of an array reference.
impl Lanes for Avx2Fma {
    type V = __m256;

    #[inline(always)]
    fn splat(self, x: f32) -> __m256 {
        // SAFETY: see above.
        unsafe { _mm256_set1_ps(x) }
    }

    #[inline(always)]
    fn load(self, x: &[f32; 8]) -> __m256 {
        // SAFETY: see above.
        unsafe { _mm256_loadu_ps(x.as_ptr()) }
    }

    #[inline(always)]
    fn store(self, v: __m256, out: &mut [f32; 8]) {
        // SAFETY: see above.
        unsafe { _mm256_storeu_ps(out.as_mut_ptr(), v) }
    }

    #[inline(always)]
    fn mul_add(self, a: __m256, b: __m256, c: __m256) -> __m256 {
        // SAFETY: see above.
        unsafe { _mm256_fmadd_ps(a, b, c) }
    }

    #[inline(always)]
    fn add(self, a: __m256, b: __m256) -> __m256 {
        // SAFETY: see above.
        unsafe { _mm256_add_ps(a, b) }
    }

    #[inline(always)]
    fn max(self, a: __m256, b: __m256) -> __m256 {
        // SAFETY: see above. (`maxps` returns its second operand unless the
        // first is greater, which is what `Lanes::max` asks for.)
        unsafe { _mm256_max_ps(a, b) }
    }
}
