//! The CPU's fp32 FMA peak: independent chains of fused multiply-adds on the
//! widest vectors the CPU has, enough chains to cover the FMA latency on
//! every pipe. Shared by `cargo bench --bench seed` and `benches/peers`
//! (included by path), so both measure the same peak.

use std::hint::black_box;

/// FMA steps per call; each step is `CHAINS` vector FMAs.
const STEPS: u64 = 100_000;
/// Independent accumulators: latency (4-5 cycles) x pipes (2), rounded up.
const CHAINS: usize = 12;

#[derive(Clone, Copy, Debug)]
pub enum Width {
    #[cfg(target_arch = "x86_64")]
    Avx512,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    Scalar,
}

impl Width {
    pub fn widest() -> Width {
        #[cfg(target_arch = "x86_64")]
        {
            if is_x86_feature_detected!("avx512f") {
                return Width::Avx512;
            }
            if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
                return Width::Avx2;
            }
        }
        Width::Scalar
    }

    /// Every width this CPU runs, widest first.
    pub fn available() -> Vec<Width> {
        let mut widths = vec![Width::widest()];
        #[cfg(target_arch = "x86_64")]
        if matches!(widths[0], Width::Avx512) {
            widths.push(Width::Avx2);
        }
        widths
    }

    pub fn lanes(self) -> u64 {
        match self {
            #[cfg(target_arch = "x86_64")]
            Width::Avx512 => 16,
            #[cfg(target_arch = "x86_64")]
            Width::Avx2 => 8,
            Width::Scalar => 1,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            #[cfg(target_arch = "x86_64")]
            Width::Avx512 => "AVX-512 FMA",
            #[cfg(target_arch = "x86_64")]
            Width::Avx2 => "AVX2 FMA",
            Width::Scalar => "scalar mul_add",
        }
    }

    /// FLOPs of one `run`.
    pub fn flops(self) -> u64 {
        STEPS * CHAINS as u64 * self.lanes() * 2
    }

    pub fn run(self) -> f32 {
        match self {
            // SAFETY: `widest` returned these only after detecting the features.
            #[cfg(target_arch = "x86_64")]
            Width::Avx512 => unsafe { fma_avx512(black_box(0.999_9), black_box(1e-4)) },
            // SAFETY: as above.
            #[cfg(target_arch = "x86_64")]
            Width::Avx2 => unsafe { fma_avx2(black_box(0.999_9), black_box(1e-4)) },
            Width::Scalar => fma_scalar(black_box(0.999_9), black_box(1e-4)),
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn fma_avx2(m: f32, a: f32) -> f32 {
    use std::arch::x86_64::*;
    let (m, a) = (_mm256_set1_ps(m), _mm256_set1_ps(a));
    let mut acc = [_mm256_set1_ps(1.0); CHAINS];
    for _ in 0..STEPS {
        for x in &mut acc {
            *x = _mm256_fmadd_ps(*x, m, a);
        }
    }
    let mut sum = _mm256_setzero_ps();
    for x in acc {
        sum = _mm256_add_ps(sum, x);
    }
    _mm256_cvtss_f32(sum)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn fma_avx512(m: f32, a: f32) -> f32 {
    use std::arch::x86_64::*;
    let (m, a) = (_mm512_set1_ps(m), _mm512_set1_ps(a));
    let mut acc = [_mm512_set1_ps(1.0); CHAINS];
    for _ in 0..STEPS {
        for x in &mut acc {
            *x = _mm512_fmadd_ps(*x, m, a);
        }
    }
    let mut sum = _mm512_setzero_ps();
    for x in acc {
        sum = _mm512_add_ps(sum, x);
    }
    _mm512_reduce_add_ps(sum)
}

fn fma_scalar(m: f32, a: f32) -> f32 {
    let mut acc = [1.0f32; CHAINS];
    for _ in 0..STEPS {
        for x in &mut acc {
            *x = x.mul_add(m, a);
        }
    }
    acc.iter().sum()
}

/// The CPU's int8 multiply-accumulate peak, where it has byte dot products:
/// `vpdpbusd` on 512-bit vectors (AVX-512 VNNI; 64 multiply-accumulates per
/// instruction) in `CHAINS` independent chains. `None` without VNNI.
pub struct Int8Peak;

impl Int8Peak {
    pub fn available() -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512vnni")
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            false
        }
    }

    pub fn name(&self) -> &'static str {
        "AVX-512 VNNI vpdpbusd"
    }

    /// Multiply-accumulates of one `run`.
    pub fn macs(&self) -> u64 {
        STEPS * CHAINS as u64 * 64
    }

    /// One run (only when [`Int8Peak::available`]).
    pub fn run(&self) -> i32 {
        #[cfg(target_arch = "x86_64")]
        if Self::available() {
            // SAFETY: `available` detected AVX-512F and AVX-512 VNNI.
            return unsafe { dpbusd_avx512(black_box(0x0101_0101), black_box(-1)) };
        }
        0
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vnni")]
fn dpbusd_avx512(a: i32, b: i32) -> i32 {
    use std::arch::x86_64::*;
    let (a, b) = (_mm512_set1_epi32(a), _mm512_set1_epi32(b));
    let mut acc = [_mm512_setzero_si512(); CHAINS];
    for _ in 0..STEPS {
        for x in &mut acc {
            *x = _mm512_dpbusd_epi32(*x, a, b);
        }
    }
    let mut sum = _mm512_setzero_si512();
    for x in acc {
        sum = _mm512_add_epi32(sum, x);
    }
    _mm512_reduce_add_epi32(sum)
}
