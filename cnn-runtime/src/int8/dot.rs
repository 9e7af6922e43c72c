//! Sixteen i32 lanes per instruction set: the byte dot products and the
//! requantization the int8 convolution is written with once
//! ([`super::conv`]), compiled for each.
//!
//! A lane is one output channel of a block of the packed weights
//! ([`cnn_fixed::packed`]). [`Dot16::dot4`] adds, to each lane, the dot
//! product of four unsigned activation bytes with that channel's four signed
//! weight bytes: one `vpdpbusd` with AVX-512 VNNI; two `vpmaddwd` per eight
//! lanes on bytes widened to 16 bits with AVX2 and WebAssembly SIMD (exact:
//! no 16-bit sum can saturate, unlike `vpmaddubsw`'s); plain arithmetic on
//! the portable path. [`Dot16::requantize`] is TensorFlow Lite's
//! `MultiplyByQuantizedMultiplier` per lane, bit for bit as
//! [`cnn_fixed::multiply_by_quantized_multiplier`] for every input, then the
//! output zero point and the activation's clamp.

use cnn_fixed::multiply_by_quantized_multiplier;

/// The per-block constants of a requantization.
#[derive(Clone, Copy)]
pub(crate) struct Requant16<'a> {
    pub multiplier: &'a [i32; 16],
    pub shift: &'a [i32; 16],
    pub zero_point: i32,
    pub min: i32,
    pub max: i32,
}

/// Sixteen i32 lanes on one instruction set.
pub(crate) trait Dot16: Copy {
    type V: Copy;

    /// Output pixels and blocks of sixteen channels a convolution tile
    /// holds in registers.
    const TILE: (usize, usize);

    fn load(self, x: &[i32; 16]) -> Self::V;

    /// The lanes' values (for tests).
    #[cfg(test)]
    fn to_array(self, v: Self::V) -> [i32; 16];

    /// `acc[j] + Σ_t a[t] * w[4j + t]`, for the sixteen lanes `j`.
    fn dot4(self, acc: Self::V, a: [u8; 4], w: &[i8; 64]) -> Self::V;

    /// Each lane requantized to int8 and clamped (`r.min <= r.max`).
    #[inline(always)]
    fn requantize(self, acc: Self::V, r: &Requant16) -> [i8; 16] {
        let v = self.scale(acc, r.multiplier, r.shift);
        self.narrow(v, r.zero_point, r.min, r.max)
    }

    /// `MultiplyByQuantizedMultiplier` of each lane by its multiplier and shift.
    fn scale(self, v: Self::V, multiplier: &[i32; 16], shift: &[i32; 16]) -> Self::V;

    /// A block's multipliers and shifts as [`Dot16::scale_with`] reads them
    /// (what depends only on them computed once, for every pixel).
    type Scale: Copy;

    fn prepare(self, multiplier: &[i32; 16], shift: &[i32; 16]) -> Self::Scale;

    /// [`Dot16::scale`] with prepared multipliers and shifts.
    fn scale_with(self, v: Self::V, scale: &Self::Scale) -> Self::V;

    /// Each lane plus `zero_point` (wrapping), clamped to `[min, max]`
    /// (within the int8 range), as a byte.
    fn narrow(self, v: Self::V, zero_point: i32, min: i32, max: i32) -> [i8; 16];

    /// Sixteen bytes, sign-extended.
    fn widen(self, x: &[i8; 16]) -> Self::V;

    fn splat(self, x: i32) -> Self::V;

    /// Lane-wise wrapping sum and difference.
    fn add(self, a: Self::V, b: Self::V) -> Self::V;
    fn sub(self, a: Self::V, b: Self::V) -> Self::V;

    /// `acc[j] + x[j] * w[j]`, bytes sign-extended.
    #[inline(always)]
    fn mul_add(self, acc: Self::V, x: &[i8; 16], w: &[i8; 16]) -> Self::V {
        self.add(acc, self.mul(self.widen(x), self.widen(w)))
    }

    /// `acc[j] + x[j] * w[j]` where `w[j]` holds a weight as a 16-bit value
    /// with a zero upper half: one 16-bit multiply-add (`vpmaddwd`) where
    /// [`Dot16::mul_add`] needs a 32-bit multiply (two micro-operations on
    /// the port both use).
    #[inline(always)]
    fn mul_add_wide(self, acc: Self::V, x: &[i8; 16], w: &[i32; 16]) -> Self::V {
        let w = w.map(|w| i32::from(w as i16));
        self.add(acc, self.mul(self.widen(x), self.load(&w)))
    }

    /// Lane-wise wrapping product.
    fn mul(self, a: Self::V, b: Self::V) -> Self::V;

    /// Each lane shifted left by `bits` (below 32).
    fn shl(self, v: Self::V, bits: u32) -> Self::V;
}

/// A computation written once over [`Dot16`], run by [`dispatch`] on the
/// fastest instruction set the CPU has. Implementations mark `call`
/// `#[inline(always)]` (and everything it calls), so that it is compiled
/// inside each instruction set's `#[target_feature]` function.
pub(crate) trait OnLanes {
    type Output;
    fn call<L: Dot16>(self, l: L) -> Self::Output;
}

/// Runs `f` with AVX-512 VNNI, AVX2 or WebAssembly SIMD where the CPU (or
/// the module) has it, else on the portable path. The one place int8 kernels
/// choose an instruction set.
#[inline(always)]
pub(crate) fn dispatch<F: OnLanes>(f: F) -> F::Output {
    #[cfg(target_arch = "x86_64")]
    {
        if let Some(l) = Vnni512::detect() {
            #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma")]
            fn vnni<F: OnLanes>(l: Vnni512, f: F) -> F::Output {
                f.call(l)
            }
            // SAFETY: `detect` found AVX-512 F, BW, VL and VNNI on this CPU
            // (and `Avx512::detect`, which it asks too, AVX2 and FMA).
            return unsafe { vnni(l, f) };
        }
        if let Some(l) = Avx2::detect() {
            #[target_feature(enable = "avx2,fma")]
            fn avx2<F: OnLanes>(l: Avx2, f: F) -> F::Output {
                f.call(l)
            }
            // SAFETY: `detect` found AVX2 and FMA on this CPU.
            return unsafe { avx2(l, f) };
        }
    }
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    if let Some(l) = Simd128::detect() {
        return f.call(l);
    }
    f.call(Portable)
}

/// The baseline: what any target computes, vectorised by the compiler as it can.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Portable;

impl Dot16 for Portable {
    type V = [i32; 16];
    const TILE: (usize, usize) = (1, 1);

    #[inline(always)]
    fn load(self, x: &[i32; 16]) -> [i32; 16] {
        *x
    }

    #[cfg(test)]
    fn to_array(self, v: [i32; 16]) -> [i32; 16] {
        v
    }

    #[inline(always)]
    fn dot4(self, mut acc: [i32; 16], a: [u8; 4], w: &[i8; 64]) -> [i32; 16] {
        for (acc, w) in acc.iter_mut().zip(w.chunks_exact(4)) {
            for (&a, &w) in a.iter().zip(w) {
                *acc += i32::from(a) * i32::from(w);
            }
        }
        acc
    }

    #[inline(always)]
    fn scale(self, v: [i32; 16], multiplier: &[i32; 16], shift: &[i32; 16]) -> [i32; 16] {
        core::array::from_fn(|j| multiply_by_quantized_multiplier(v[j], multiplier[j], shift[j]))
    }

    type Scale = ([i32; 16], [i32; 16]);

    #[inline(always)]
    fn prepare(self, multiplier: &[i32; 16], shift: &[i32; 16]) -> Self::Scale {
        (*multiplier, *shift)
    }

    #[inline(always)]
    fn scale_with(self, v: [i32; 16], scale: &Self::Scale) -> [i32; 16] {
        self.scale(v, &scale.0, &scale.1)
    }

    #[inline(always)]
    fn narrow(self, v: [i32; 16], zero_point: i32, min: i32, max: i32) -> [i8; 16] {
        v.map(|v| v.wrapping_add(zero_point).clamp(min, max) as i8)
    }

    #[inline(always)]
    fn widen(self, x: &[i8; 16]) -> [i32; 16] {
        x.map(i32::from)
    }

    #[inline(always)]
    fn splat(self, x: i32) -> [i32; 16] {
        [x; 16]
    }

    #[inline(always)]
    fn add(self, a: [i32; 16], b: [i32; 16]) -> [i32; 16] {
        core::array::from_fn(|j| a[j].wrapping_add(b[j]))
    }

    #[inline(always)]
    fn sub(self, a: [i32; 16], b: [i32; 16]) -> [i32; 16] {
        core::array::from_fn(|j| a[j].wrapping_sub(b[j]))
    }

    #[inline(always)]
    fn shl(self, v: [i32; 16], bits: u32) -> [i32; 16] {
        v.map(|v| v.wrapping_shl(bits))
    }

    #[inline(always)]
    fn mul(self, a: [i32; 16], b: [i32; 16]) -> [i32; 16] {
        core::array::from_fn(|j| a[j].wrapping_mul(b[j]))
    }
}

#[cfg(target_arch = "x86_64")]
pub(crate) use x86::{Avx2, Vnni512};

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::Dot16;
    use core::arch::x86_64::*;

    /// Proof that the CPU has AVX-512 F, BW, VL and VNNI (Ice Lake, Sapphire
    /// Rapids, Zen 4 and later): only [`Vnni512::detect`] makes one.
    #[derive(Clone, Copy, Debug)]
    pub(crate) struct Vnni512(());

    impl Vnni512 {
        #[inline]
        pub(crate) fn detect() -> Option<Vnni512> {
            #[cfg(feature = "std")]
            let present = std::is_x86_feature_detected!("avx512f")
                && std::is_x86_feature_detected!("avx512bw")
                && std::is_x86_feature_detected!("avx512vl")
                && std::is_x86_feature_detected!("avx512vnni");
            #[cfg(not(feature = "std"))]
            let present = cfg!(all(
                target_feature = "avx512f",
                target_feature = "avx512bw",
                target_feature = "avx512vl",
                target_feature = "avx512vnni"
            ));
            // The float kernels' switches apply to int8 too.
            (present && crate::simd::Avx512::detect().is_some()).then_some(Vnni512(()))
        }
    }

    // Every method runs AVX-512 F/BW/VL/VNNI instructions. SAFETY (for each
    // `unsafe` below): `self` exists only if `detect` found them on this
    // CPU; the pointer operations read or write exactly the bytes of an
    // array reference.
    impl Dot16 for Vnni512 {
        type V = __m512i;
        const TILE: (usize, usize) = (6, 2);

        #[inline(always)]
        fn load(self, x: &[i32; 16]) -> __m512i {
            // SAFETY: see above.
            unsafe { _mm512_loadu_si512(x.as_ptr().cast()) }
        }

        #[cfg(test)]
        fn to_array(self, v: __m512i) -> [i32; 16] {
            let mut out = [0; 16];
            // SAFETY: see above.
            unsafe { _mm512_storeu_si512(out.as_mut_ptr().cast(), v) };
            out
        }

        #[inline(always)]
        fn dot4(self, acc: __m512i, a: [u8; 4], w: &[i8; 64]) -> __m512i {
            // SAFETY: see above.
            unsafe {
                let a = _mm512_set1_epi32(i32::from_le_bytes(a));
                _mm512_dpbusd_epi32(acc, a, _mm512_loadu_si512(w.as_ptr().cast()))
            }
        }

        #[inline(always)]
        fn scale(self, acc: __m512i, multiplier: &[i32; 16], shift: &[i32; 16]) -> __m512i {
            self.scale_with(acc, &self.prepare(multiplier, shift))
        }

        type Scale = Scale512;

        #[inline(always)]
        fn prepare(self, multiplier: &[i32; 16], shift: &[i32; 16]) -> Scale512 {
            // SAFETY: see above.
            unsafe {
                let zero = _mm512_setzero_si512();
                let one = _mm512_set1_epi32(1);
                let max_shift = _mm512_set1_epi32(31);
                let m = _mm512_loadu_si512(multiplier.as_ptr().cast());
                let shift = _mm512_loadu_si512(shift.as_ptr().cast());
                // As the scalar code: a left shift by `shift & 31` when
                // positive, else a rounding right shift by `min(-shift, 31)`.
                let left =
                    _mm512_maskz_and_epi32(_mm512_cmpgt_epi32_mask(shift, zero), shift, max_shift);
                let right = _mm512_maskz_min_epu32(
                    _mm512_cmplt_epi32_mask(shift, zero),
                    _mm512_sub_epi32(zero, shift),
                    max_shift,
                );
                let mask = _mm512_sub_epi32(_mm512_sllv_epi32(one, right), one);
                let min = _mm512_set1_epi32(i32::MIN);
                Scale512 {
                    m,
                    m_odd: _mm512_srli_epi64::<32>(m),
                    left,
                    right,
                    mask,
                    half: _mm512_srli_epi32::<1>(mask),
                    shifts_left: _mm512_test_epi32_mask(left, left) != 0,
                    saturates: _mm512_cmpeq_epi32_mask(m, min) != 0,
                }
            }
        }

        #[inline(always)]
        fn scale_with(self, acc: __m512i, s: &Scale512) -> __m512i {
            // SAFETY: see above.
            unsafe {
                let zero = _mm512_setzero_si512();
                let one = _mm512_set1_epi32(1);
                let x = if s.shifts_left {
                    _mm512_sllv_epi32(acc, s.left)
                } else {
                    acc
                };
                // Bits 31..62 of `x * m + 2^30`: gemmlowp's rounding doubling
                // high multiply.
                let nudge = _mm512_set1_epi64(1 << 30);
                let even = _mm512_add_epi64(_mm512_mul_epi32(x, s.m), nudge);
                let odd =
                    _mm512_add_epi64(_mm512_mul_epi32(_mm512_srli_epi64::<32>(x), s.m_odd), nudge);
                let mut high = _mm512_mask_blend_epi32(
                    0xAAAA,
                    _mm512_srli_epi64::<31>(even),
                    _mm512_slli_epi64::<1>(odd),
                );
                if s.saturates {
                    let min = _mm512_set1_epi32(i32::MIN);
                    let overflow =
                        _mm512_cmpeq_epi32_mask(x, min) & _mm512_cmpeq_epi32_mask(s.m, min);
                    high = _mm512_mask_mov_epi32(high, overflow, _mm512_set1_epi32(i32::MAX));
                }
                // Rounding division by 2^right, ties away from zero.
                let remainder = _mm512_and_si512(high, s.mask);
                let threshold =
                    _mm512_mask_add_epi32(s.half, _mm512_cmplt_epi32_mask(high, zero), s.half, one);
                let q = _mm512_srav_epi32(high, s.right);
                _mm512_mask_add_epi32(q, _mm512_cmpgt_epi32_mask(remainder, threshold), q, one)
            }
        }

        #[inline(always)]
        fn narrow(self, v: __m512i, zero_point: i32, min: i32, max: i32) -> [i8; 16] {
            // SAFETY: see above.
            unsafe {
                let q = _mm512_add_epi32(v, _mm512_set1_epi32(zero_point));
                let q = _mm512_max_epi32(q, _mm512_set1_epi32(min));
                let q = _mm512_min_epi32(q, _mm512_set1_epi32(max));
                let mut out = [0i8; 16];
                _mm_storeu_si128(out.as_mut_ptr().cast(), _mm512_cvtepi32_epi8(q));
                out
            }
        }

        #[inline(always)]
        fn widen(self, x: &[i8; 16]) -> __m512i {
            // SAFETY: see above.
            unsafe { _mm512_cvtepi8_epi32(_mm_loadu_si128(x.as_ptr().cast())) }
        }

        #[inline(always)]
        fn splat(self, x: i32) -> __m512i {
            // SAFETY: see above.
            unsafe { _mm512_set1_epi32(x) }
        }

        #[inline(always)]
        fn add(self, a: __m512i, b: __m512i) -> __m512i {
            // SAFETY: see above.
            unsafe { _mm512_add_epi32(a, b) }
        }

        #[inline(always)]
        fn sub(self, a: __m512i, b: __m512i) -> __m512i {
            // SAFETY: see above.
            unsafe { _mm512_sub_epi32(a, b) }
        }

        #[inline(always)]
        fn shl(self, v: __m512i, bits: u32) -> __m512i {
            // SAFETY: see above.
            unsafe { _mm512_sll_epi32(v, _mm_cvtsi32_si128(bits as i32)) }
        }

        #[inline(always)]
        fn mul_add_wide(self, acc: __m512i, x: &[i8; 16], w: &[i32; 16]) -> __m512i {
            // SAFETY: see above. Each lane's upper half is the sign of x
            // times zero: the 16-bit multiply-add is the exact product.
            unsafe {
                let x = _mm512_cvtepi8_epi32(_mm_loadu_si128(x.as_ptr().cast()));
                let w = _mm512_loadu_si512(w.as_ptr().cast());
                _mm512_add_epi32(acc, _mm512_madd_epi16(x, w))
            }
        }

        #[inline(always)]
        fn mul(self, a: __m512i, b: __m512i) -> __m512i {
            // SAFETY: see above.
            unsafe { _mm512_mullo_epi32(a, b) }
        }
    }

    /// [`Dot16::Scale`] on AVX-512: the multipliers (and their odd lanes
    /// moved down for `vpmuldq`), the shifts, the rounding's mask and half,
    /// and whether any lane shifts left or could saturate.
    #[derive(Clone, Copy)]
    pub(crate) struct Scale512 {
        m: __m512i,
        m_odd: __m512i,
        left: __m512i,
        right: __m512i,
        mask: __m512i,
        half: __m512i,
        shifts_left: bool,
        saturates: bool,
    }

    /// Proof that the CPU has AVX2 (only [`Avx2::detect`] makes one).
    #[derive(Clone, Copy, Debug)]
    pub(crate) struct Avx2(());

    impl Avx2 {
        #[inline]
        pub(crate) fn detect() -> Option<Avx2> {
            crate::simd::Avx2Fma::detect().map(|_| Avx2(()))
        }
    }

    // Every method runs AVX2 instructions. SAFETY (for each `unsafe` below):
    // `self` exists only if `detect` found AVX2 on this CPU; the pointer
    // operations read or write exactly the bytes of an array reference.
    impl Dot16 for Avx2 {
        type V = [__m256i; 2];
        const TILE: (usize, usize) = (4, 1);

        #[inline(always)]
        fn load(self, x: &[i32; 16]) -> [__m256i; 2] {
            // SAFETY: see above.
            unsafe {
                [
                    _mm256_loadu_si256(x.as_ptr().cast()),
                    _mm256_loadu_si256(x.as_ptr().add(8).cast()),
                ]
            }
        }

        #[cfg(test)]
        fn to_array(self, v: [__m256i; 2]) -> [i32; 16] {
            let mut out = [0; 16];
            // SAFETY: see above.
            unsafe {
                _mm256_storeu_si256(out.as_mut_ptr().cast(), v[0]);
                _mm256_storeu_si256(out.as_mut_ptr().add(8).cast(), v[1]);
            }
            out
        }

        #[inline(always)]
        fn dot4(self, acc: [__m256i; 2], a: [u8; 4], w: &[i8; 64]) -> [__m256i; 2] {
            // SAFETY: see above.
            unsafe {
                // Bytes 0 and 2, and 1 and 3, of the activations as 16-bit
                // pairs (zero-extended), and of each weight (sign-extended):
                // two multiply-adds of pairs give the four-way sum exactly.
                let a = u32::from_le_bytes(a);
                let a_even = _mm256_set1_epi32((a & 0x00FF_00FF) as i32);
                let a_odd = _mm256_set1_epi32((a >> 8 & 0x00FF_00FF) as i32);
                let mut out = acc;
                for (half, out) in out.iter_mut().enumerate() {
                    let w = _mm256_loadu_si256(w.as_ptr().add(32 * half).cast());
                    let w_even = _mm256_srai_epi16::<8>(_mm256_slli_epi16::<8>(w));
                    let w_odd = _mm256_srai_epi16::<8>(w);
                    let sum = _mm256_add_epi32(
                        _mm256_madd_epi16(a_even, w_even),
                        _mm256_madd_epi16(a_odd, w_odd),
                    );
                    *out = _mm256_add_epi32(*out, sum);
                }
                out
            }
        }

        #[inline(always)]
        fn scale(self, v: [__m256i; 2], multiplier: &[i32; 16], shift: &[i32; 16]) -> [__m256i; 2] {
            // SAFETY: see above.
            // (No closures around intrinsics: they would not be inlined.)
            unsafe {
                let mut out = v;
                for (half, out) in out.iter_mut().enumerate() {
                    let m = _mm256_loadu_si256(multiplier.as_ptr().add(8 * half).cast());
                    let s = _mm256_loadu_si256(shift.as_ptr().add(8 * half).cast());
                    *out = scale8(*out, m, s);
                }
                out
            }
        }

        type Scale = ([i32; 16], [i32; 16]);

        #[inline(always)]
        fn prepare(self, multiplier: &[i32; 16], shift: &[i32; 16]) -> Self::Scale {
            (*multiplier, *shift)
        }

        #[inline(always)]
        fn scale_with(self, v: [__m256i; 2], scale: &Self::Scale) -> [__m256i; 2] {
            self.scale(v, &scale.0, &scale.1)
        }

        #[inline(always)]
        fn narrow(self, v: [__m256i; 2], zero_point: i32, min: i32, max: i32) -> [i8; 16] {
            // SAFETY: see above.
            unsafe {
                let mut q = v;
                for q in q.iter_mut() {
                    let v = _mm256_add_epi32(*q, _mm256_set1_epi32(zero_point));
                    let v = _mm256_max_epi32(v, _mm256_set1_epi32(min));
                    *q = _mm256_min_epi32(v, _mm256_set1_epi32(max));
                }
                // 16 i32 → 16 i16 (lanes interleaved by 128-bit halves), put
                // back in order, → 16 i8. The values are already in range.
                let words =
                    _mm256_permute4x64_epi64::<0b11_01_10_00>(_mm256_packs_epi32(q[0], q[1]));
                let bytes = _mm_packs_epi16(
                    _mm256_castsi256_si128(words),
                    _mm256_extracti128_si256::<1>(words),
                );
                let mut out = [0i8; 16];
                _mm_storeu_si128(out.as_mut_ptr().cast(), bytes);
                out
            }
        }

        #[inline(always)]
        fn widen(self, x: &[i8; 16]) -> [__m256i; 2] {
            // SAFETY: see above.
            unsafe {
                let x = _mm_loadu_si128(x.as_ptr().cast());
                [
                    _mm256_cvtepi8_epi32(x),
                    _mm256_cvtepi8_epi32(_mm_srli_si128::<8>(x)),
                ]
            }
        }

        #[inline(always)]
        fn splat(self, x: i32) -> [__m256i; 2] {
            // SAFETY: see above.
            unsafe { [_mm256_set1_epi32(x); 2] }
        }

        #[inline(always)]
        fn add(self, a: [__m256i; 2], b: [__m256i; 2]) -> [__m256i; 2] {
            // SAFETY: see above.
            unsafe { [_mm256_add_epi32(a[0], b[0]), _mm256_add_epi32(a[1], b[1])] }
        }

        #[inline(always)]
        fn sub(self, a: [__m256i; 2], b: [__m256i; 2]) -> [__m256i; 2] {
            // SAFETY: see above.
            unsafe { [_mm256_sub_epi32(a[0], b[0]), _mm256_sub_epi32(a[1], b[1])] }
        }

        #[inline(always)]
        fn shl(self, v: [__m256i; 2], bits: u32) -> [__m256i; 2] {
            // SAFETY: see above.
            unsafe {
                let n = _mm_cvtsi32_si128(bits as i32);
                [_mm256_sll_epi32(v[0], n), _mm256_sll_epi32(v[1], n)]
            }
        }

        #[inline(always)]
        fn mul_add_wide(self, acc: [__m256i; 2], x: &[i8; 16], w: &[i32; 16]) -> [__m256i; 2] {
            // SAFETY: see above; as the AVX-512 version, eight lanes at a time.
            unsafe {
                let x = _mm_loadu_si128(x.as_ptr().cast());
                let x = [
                    _mm256_cvtepi8_epi32(x),
                    _mm256_cvtepi8_epi32(_mm_srli_si128::<8>(x)),
                ];
                let mut out = acc;
                for (half, out) in out.iter_mut().enumerate() {
                    let w = _mm256_loadu_si256(w.as_ptr().add(8 * half).cast());
                    *out = _mm256_add_epi32(*out, _mm256_madd_epi16(x[half], w));
                }
                out
            }
        }

        #[inline(always)]
        fn mul(self, a: [__m256i; 2], b: [__m256i; 2]) -> [__m256i; 2] {
            // SAFETY: see above.
            unsafe {
                [
                    _mm256_mullo_epi32(a[0], b[0]),
                    _mm256_mullo_epi32(a[1], b[1]),
                ]
            }
        }
    }

    /// [`Dot16::scale`] of eight lanes with AVX2.
    #[inline(always)]
    unsafe fn scale8(acc: __m256i, m: __m256i, shift: __m256i) -> __m256i {
        // SAFETY: the caller runs with AVX2.
        unsafe {
            let zero = _mm256_setzero_si256();
            let one = _mm256_set1_epi32(1);
            let max_shift = _mm256_set1_epi32(31);
            let positive = _mm256_cmpgt_epi32(shift, zero);
            let negative = _mm256_cmpgt_epi32(zero, shift);
            let left = _mm256_and_si256(positive, _mm256_and_si256(shift, max_shift));
            let right = _mm256_and_si256(
                negative,
                _mm256_min_epu32(_mm256_sub_epi32(zero, shift), max_shift),
            );
            let x = _mm256_sllv_epi32(acc, left);
            let nudge = _mm256_set1_epi64x(1 << 30);
            let even = _mm256_add_epi64(_mm256_mul_epi32(x, m), nudge);
            let odd = _mm256_add_epi64(
                _mm256_mul_epi32(_mm256_srli_epi64::<32>(x), _mm256_srli_epi64::<32>(m)),
                nudge,
            );
            let high = _mm256_blend_epi32::<0b1010_1010>(
                _mm256_srli_epi64::<31>(even),
                _mm256_slli_epi64::<1>(odd),
            );
            let min = _mm256_set1_epi32(i32::MIN);
            let overflow = _mm256_and_si256(_mm256_cmpeq_epi32(x, min), _mm256_cmpeq_epi32(m, min));
            let high = _mm256_blendv_epi8(high, _mm256_set1_epi32(i32::MAX), overflow);
            let mask = _mm256_sub_epi32(_mm256_sllv_epi32(one, right), one);
            let remainder = _mm256_and_si256(high, mask);
            // `high < 0` is -1 in a lane: subtracting it adds one.
            let threshold =
                _mm256_sub_epi32(_mm256_srli_epi32::<1>(mask), _mm256_cmpgt_epi32(zero, high));
            let q = _mm256_srav_epi32(high, right);
            _mm256_sub_epi32(q, _mm256_cmpgt_epi32(remainder, threshold))
        }
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub(crate) use wasm::Simd128;

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod wasm {
    use super::{Dot16, Portable};
    use core::arch::wasm32::*;

    /// Proof that the module was built with `simd128`.
    #[derive(Clone, Copy, Debug)]
    pub(crate) struct Simd128(());

    impl Simd128 {
        #[inline]
        pub(crate) fn detect() -> Option<Simd128> {
            crate::simd::Simd128::detect().map(|_| Simd128(()))
        }
    }

    /// Four lanes of `x` from lane `4 * i`.
    #[inline(always)]
    fn quarter<T: Copy + Default>(x: &[T; 16], i: usize) -> [T; 4] {
        core::array::from_fn(|j| x.get(4 * i + j).copied().unwrap_or_default())
    }

    impl Dot16 for Simd128 {
        type V = [v128; 4];
        const TILE: (usize, usize) = (4, 1);

        #[inline(always)]
        fn load(self, x: &[i32; 16]) -> [v128; 4] {
            core::array::from_fn(|i| {
                let [a, b, c, d] = quarter(x, i);
                i32x4(a, b, c, d)
            })
        }

        #[cfg(test)]
        fn to_array(self, v: [v128; 4]) -> [i32; 16] {
            self.lanes(v)
        }

        #[inline(always)]
        fn dot4(self, acc: [v128; 4], a: [u8; 4], w: &[i8; 64]) -> [v128; 4] {
            // As AVX2: bytes 0 and 2, and 1 and 3, as 16-bit pairs, then
            // two `i32x4.dot_i16x8_s`.
            let a = u32::from_le_bytes(a);
            let a_even = u32x4_splat(a & 0x00FF_00FF);
            let a_odd = u32x4_splat(a >> 8 & 0x00FF_00FF);
            core::array::from_fn(|i| {
                let q: [i8; 16] = core::array::from_fn(|j| w[16 * i + j]);
                let w = i8x16(
                    q[0], q[1], q[2], q[3], q[4], q[5], q[6], q[7], q[8], q[9], q[10], q[11],
                    q[12], q[13], q[14], q[15],
                );
                let w_even = i16x8_shr(i16x8_shl(w, 8), 8);
                let w_odd = i16x8_shr(w, 8);
                i32x4_add(
                    acc[i],
                    i32x4_add(
                        i32x4_dot_i16x8(a_even, w_even),
                        i32x4_dot_i16x8(a_odd, w_odd),
                    ),
                )
            })
        }

        #[inline(always)]
        fn scale(self, v: [v128; 4], multiplier: &[i32; 16], shift: &[i32; 16]) -> [v128; 4] {
            let lanes = Portable.scale(self.lanes(v), multiplier, shift);
            self.load(&lanes)
        }

        type Scale = ([i32; 16], [i32; 16]);

        #[inline(always)]
        fn prepare(self, multiplier: &[i32; 16], shift: &[i32; 16]) -> Self::Scale {
            (*multiplier, *shift)
        }

        #[inline(always)]
        fn scale_with(self, v: [v128; 4], scale: &Self::Scale) -> [v128; 4] {
            self.scale(v, &scale.0, &scale.1)
        }

        #[inline(always)]
        fn narrow(self, v: [v128; 4], zero_point: i32, min: i32, max: i32) -> [i8; 16] {
            let zp = i32x4_splat(zero_point);
            let (min, max) = (i32x4_splat(min), i32x4_splat(max));
            let q = v.map(|v| i32x4_min(i32x4_max(i32x4_add(v, zp), min), max));
            let words = [
                i16x8_narrow_i32x4(q[0], q[1]),
                i16x8_narrow_i32x4(q[2], q[3]),
            ];
            let bytes = i8x16_narrow_i16x8(words[0], words[1]);
            let mut out = [0i8; 16];
            for (j, o) in out.iter_mut().enumerate() {
                *o = match j {
                    0 => i8x16_extract_lane::<0>(bytes),
                    1 => i8x16_extract_lane::<1>(bytes),
                    2 => i8x16_extract_lane::<2>(bytes),
                    3 => i8x16_extract_lane::<3>(bytes),
                    4 => i8x16_extract_lane::<4>(bytes),
                    5 => i8x16_extract_lane::<5>(bytes),
                    6 => i8x16_extract_lane::<6>(bytes),
                    7 => i8x16_extract_lane::<7>(bytes),
                    8 => i8x16_extract_lane::<8>(bytes),
                    9 => i8x16_extract_lane::<9>(bytes),
                    10 => i8x16_extract_lane::<10>(bytes),
                    11 => i8x16_extract_lane::<11>(bytes),
                    12 => i8x16_extract_lane::<12>(bytes),
                    13 => i8x16_extract_lane::<13>(bytes),
                    14 => i8x16_extract_lane::<14>(bytes),
                    _ => i8x16_extract_lane::<15>(bytes),
                };
            }
            out
        }

        #[inline(always)]
        fn widen(self, x: &[i8; 16]) -> [v128; 4] {
            self.load(&x.map(i32::from))
        }

        #[inline(always)]
        fn splat(self, x: i32) -> [v128; 4] {
            [i32x4_splat(x); 4]
        }

        #[inline(always)]
        fn add(self, a: [v128; 4], b: [v128; 4]) -> [v128; 4] {
            core::array::from_fn(|i| i32x4_add(a[i], b[i]))
        }

        #[inline(always)]
        fn sub(self, a: [v128; 4], b: [v128; 4]) -> [v128; 4] {
            core::array::from_fn(|i| i32x4_sub(a[i], b[i]))
        }

        #[inline(always)]
        fn shl(self, v: [v128; 4], bits: u32) -> [v128; 4] {
            v.map(|v| i32x4_shl(v, bits))
        }

        #[inline(always)]
        fn mul(self, a: [v128; 4], b: [v128; 4]) -> [v128; 4] {
            core::array::from_fn(|i| i32x4_mul(a[i], b[i]))
        }
    }

    impl Simd128 {
        /// The sixteen lanes as values.
        #[inline(always)]
        fn lanes(self, v: [v128; 4]) -> [i32; 16] {
            core::array::from_fn(|j| match j % 4 {
                0 => i32x4_extract_lane::<0>(v[j / 4]),
                1 => i32x4_extract_lane::<1>(v[j / 4]),
                2 => i32x4_extract_lane::<2>(v[j / 4]),
                _ => i32x4_extract_lane::<3>(v[j / 4]),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values that reach every branch of the arithmetic: extremes, powers of
    /// two and their neighbours, ties of every shift, random bits.
    fn values() -> std::vec::Vec<i32> {
        let mut v = std::vec![
            0,
            1,
            -1,
            2,
            -2,
            i32::MIN,
            i32::MAX,
            i32::MIN + 1,
            i32::MAX - 1
        ];
        for s in 0..31 {
            for d in [-1, 0, 1] {
                v.push((1i32 << s).wrapping_add(d));
                v.push((-(1i64 << s) as i32).wrapping_add(d));
                v.push(((1i64 << s) + (1i64 << s.max(1)) / 2) as i32);
            }
        }
        let mut state = 0x9E37_79B9u32;
        for _ in 0..200 {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            v.push(state as i32);
        }
        v
    }

    /// Every lane of `requantize` on `L` against the scalar function.
    fn requantize_is_exact<L: Dot16>(l: L) {
        let values = values();
        let shifts: [i32; 16] = [
            -40,
            -31,
            -30,
            -12,
            -9,
            -1,
            0,
            1,
            2,
            5,
            30,
            31,
            40,
            i32::MIN,
            -5,
            -3,
        ];
        let ms = [
            0,
            1,
            1 << 30,
            i32::MAX,
            i32::MIN,
            1_500_000_000,
            -7,
            1_073_741_825,
        ];
        for &m in &ms {
            for chunk in values.chunks(16) {
                let mut acc = [0i32; 16];
                acc[..chunk.len()].copy_from_slice(chunk);
                let r = Requant16 {
                    multiplier: &[m; 16],
                    shift: &shifts,
                    zero_point: 3,
                    min: -128,
                    max: 127,
                };
                let expected: [i8; 16] = core::array::from_fn(|j| {
                    (multiply_by_quantized_multiplier(acc[j], m, shifts[j]).saturating_add(3))
                        .clamp(-128, 127) as i8
                });
                let got = l.requantize(l.load(&acc), &r);
                // The zero point is added with wrapping in the lanes; keep
                // sums that overflow out of the comparison.
                for j in 0..16 {
                    let v = multiply_by_quantized_multiplier(acc[j], m, shifts[j]);
                    if v.checked_add(3).is_some() {
                        assert_eq!(
                            got[j], expected[j],
                            "acc {} m {m} shift {}",
                            acc[j], shifts[j]
                        );
                    }
                }
            }
        }
    }

    fn dot4_is_exact<L: Dot16>(l: L) {
        let w: [i8; 64] = core::array::from_fn(|i| [-128, 127, -1, 0, 77, -77, 1, 2][i % 8] as i8);
        for a in [[255u8, 255, 255, 255], [0, 255, 1, 128], [200, 3, 255, 0]] {
            let acc: [i32; 16] = core::array::from_fn(|j| j as i32 * 1000 - 7000);
            let expected: [i32; 16] = core::array::from_fn(|j| {
                acc[j]
                    + (0..4)
                        .map(|t| i32::from(a[t]) * i32::from(w[4 * j + t]))
                        .sum::<i32>()
            });
            assert_eq!(l.to_array(l.dot4(l.load(&acc), a, &w)), expected, "a {a:?}");
        }
    }

    fn mul_add_wide_is_exact<L: Dot16>(l: L) {
        for (xs, ws) in [
            (-128i8, -128i8),
            (127, -128),
            (-128, 127),
            (-1, -1),
            (5, -7),
        ] {
            let x: [i8; 16] = core::array::from_fn(|j| if j % 2 == 0 { xs } else { ws });
            let w: [i8; 16] = core::array::from_fn(|j| if j % 3 == 0 { ws } else { xs });
            let wide = w.map(|w| i32::from(w as i16 as u16));
            let acc: [i32; 16] = core::array::from_fn(|j| j as i32 * 77 - 500);
            let expected: [i32; 16] =
                core::array::from_fn(|j| acc[j] + i32::from(x[j]) * i32::from(w[j]));
            assert_eq!(
                l.to_array(l.mul_add_wide(l.load(&acc), &x, &wide)),
                expected
            );
        }
    }

    #[test]
    fn portable_lanes_are_exact() {
        mul_add_wide_is_exact(Portable);
        requantize_is_exact(Portable);
        dot4_is_exact(Portable);
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn x86_lanes_equal_the_portable_ones() {
        if let Some(l) = Avx2::detect() {
            mul_add_wide_is_exact(l);
            requantize_is_exact(l);
            dot4_is_exact(l);
        }
        if let Some(l) = Vnni512::detect() {
            mul_add_wide_is_exact(l);
            requantize_is_exact(l);
            dot4_is_exact(l);
        }
    }
}
