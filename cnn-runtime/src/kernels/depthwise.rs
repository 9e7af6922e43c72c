//! Depthwise 2-D convolution, channels last, Keras kernel layout
//! `(kh, kw, c_in, multiplier)`: each input channel is convolved with its own
//! `multiplier` filters, and output channel `c * multiplier + j` is input
//! channel `c` with filter `j`.

use crate::activation::{apply_in_place, Activation};
#[cfg(target_arch = "x86_64")]
use crate::simd::Avx2Fma;
use crate::simd::{dispatch, Lanes};

/// Every size of one depthwise convolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DepthwiseGeometry {
    pub h: usize,
    pub w: usize,
    pub c_in: usize,
    pub multiplier: usize,
    pub kh: usize,
    pub kw: usize,
    pub stride_h: usize,
    pub stride_w: usize,
    pub dilation_h: usize,
    pub dilation_w: usize,
    pub pad_top: usize,
    pub pad_left: usize,
    pub out_h: usize,
    pub out_w: usize,
}

impl DepthwiseGeometry {
    pub fn c_out(&self) -> usize {
        self.c_in * self.multiplier
    }

    pub fn input_len(&self) -> usize {
        self.h * self.w * self.c_in
    }

    pub fn kernel_len(&self) -> usize {
        self.kh * self.kw * self.c_out()
    }

    pub fn output_len(&self) -> usize {
        self.out_h * self.out_w * self.c_out()
    }
}

/// The depthwise convolution on flat slices: `output = act(input ⋆ kernel +
/// bias)`, on the fastest instruction set the CPU has ([`crate::simd`]).
/// Slices shorter than the geometry needs, or a stride or dilation of 0, make
/// it return without writing (the const-generic entry point makes both
/// impossible).
#[inline]
pub fn depthwise_conv2d_dyn<A: Activation>(
    g: DepthwiseGeometry,
    input: &[f32],
    kernel: &[f32],
    bias: Option<&[f32]>,
    activation: A,
    output: &mut [f32],
) {
    if input.len() < g.input_len()
        || kernel.len() < g.kernel_len()
        || output.len() < g.output_len()
        || bias.is_some_and(|b| b.len() < g.c_out())
        || g.dilation_h == 0
        || g.dilation_w == 0
        || g.stride_h == 0
        || g.stride_w == 0
    {
        return;
    }
    dispatch!(
        depthwise_avx2,
        depthwise_loops(&g, input, kernel, bias, activation, output)
    )
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn depthwise_avx2<A: Activation>(
    lanes: Avx2Fma,
    g: &DepthwiseGeometry,
    input: &[f32],
    kernel: &[f32],
    bias: Option<&[f32]>,
    activation: A,
    output: &mut [f32],
) {
    depthwise_loops(lanes, g, input, kernel, bias, activation, output)
}

/// One output pixel at a time: start from the bias, then for each tap that
/// falls inside the input add the input pixel's channels times the tap's
/// filters. The inner loops run over contiguous channels, which the compiler
/// vectorises (with AVX2 and FMA inside [`depthwise_avx2`]; the lanes only
/// choose the caller).
#[inline(always)]
fn depthwise_loops<L: Lanes, A: Activation>(
    _lanes: L,
    g: &DepthwiseGeometry,
    input: &[f32],
    kernel: &[f32],
    bias: Option<&[f32]>,
    activation: A,
    output: &mut [f32],
) {
    let (ci, m) = (g.c_in, g.multiplier);
    let co = ci * m;
    for (oy, out_row) in output
        .chunks_exact_mut(g.out_w * co)
        .take(g.out_h)
        .enumerate()
    {
        for (ox, out) in out_row.chunks_exact_mut(co).enumerate() {
            match bias.and_then(|b| b.get(..co)) {
                Some(b) => out.copy_from_slice(b),
                None => out.fill(0.0),
            }
            for ky in 0..g.kh {
                let iy = (oy * g.stride_h + ky * g.dilation_h).wrapping_sub(g.pad_top);
                if iy >= g.h {
                    continue; // padding (a wrapped subtraction is huge)
                }
                for kx in 0..g.kw {
                    let ix = (ox * g.stride_w + kx * g.dilation_w).wrapping_sub(g.pad_left);
                    if ix >= g.w {
                        continue;
                    }
                    let at = (iy * g.w + ix) * ci;
                    let tap = (ky * g.kw + kx) * co;
                    let (Some(pixel), Some(filters)) =
                        (input.get(at..at + ci), kernel.get(tap..tap + co))
                    else {
                        continue;
                    };
                    if m == 1 {
                        for ((o, &x), &k) in out.iter_mut().zip(pixel).zip(filters) {
                            *o += x * k;
                        }
                    } else {
                        for ((o, &x), k) in out
                            .chunks_exact_mut(m)
                            .zip(pixel)
                            .zip(filters.chunks_exact(m))
                        {
                            for (o, &k) in o.iter_mut().zip(k) {
                                *o += x * k;
                            }
                        }
                    }
                }
            }
            apply_in_place(out, activation);
        }
    }
}

/// DepthwiseConv2D with every size a constant: input `H x W x CI`, kernel
/// `KH x KW` with `M` filters per channel, strides `SH, SW`, dilation `DH, DW`,
/// padding top/bottom/left/right, output `OH x OW x (CI * M)` seen as
/// `[[f32; M]; CI]` per pixel. A combination Keras would not produce does not
/// compile.
#[allow(clippy::too_many_arguments)]
#[inline]
pub fn depthwise_conv2d<
    const H: usize,
    const W: usize,
    const CI: usize,
    const M: usize,
    const KH: usize,
    const KW: usize,
    const SH: usize,
    const SW: usize,
    const DH: usize,
    const DW: usize,
    const PT: usize,
    const PB: usize,
    const PL: usize,
    const PR: usize,
    const OH: usize,
    const OW: usize,
    A: Activation,
>(
    input: &[[[f32; CI]; W]; H],
    kernel: &[[[[f32; M]; CI]; KW]; KH],
    bias: Option<&[[f32; M]; CI]>,
    activation: A,
    output: &mut [[[[f32; M]; CI]; OW]; OH],
) {
    const {
        assert!(
            super::convolution_shapes_agree(
                [H, W],
                [PT + PB, PL + PR],
                [KH, KW],
                [DH, DW],
                [SH, SW],
                [OH, OW]
            ),
            "strides and dilation at least 1, and the output the window's over the padded input"
        );
    }
    let g = DepthwiseGeometry {
        h: H,
        w: W,
        c_in: CI,
        multiplier: M,
        kh: KH,
        kw: KW,
        stride_h: SH,
        stride_w: SW,
        dilation_h: DH,
        dilation_w: DW,
        pad_top: PT,
        pad_left: PL,
        out_h: OH,
        out_w: OW,
    };
    depthwise_conv2d_dyn(
        g,
        input.as_flattened().as_flattened(),
        kernel.as_flattened().as_flattened().as_flattened(),
        bias.map(|b| b.as_flattened()),
        activation,
        output
            .as_flattened_mut()
            .as_flattened_mut()
            .as_flattened_mut(),
    );
}
