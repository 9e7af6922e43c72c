//! 2-D convolution, channels last, Keras kernel layout `(kh, kw, c_in, c_out)`.

use super::window_output;
use crate::activation::Activation;

/// Every size of one convolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv2DGeometry {
    pub h: usize,
    pub w: usize,
    pub c_in: usize,
    pub c_out: usize,
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

impl Conv2DGeometry {
    pub fn input_len(&self) -> usize {
        self.h * self.w * self.c_in
    }

    pub fn kernel_len(&self) -> usize {
        self.kh * self.kw * self.c_in * self.c_out
    }

    pub fn output_len(&self) -> usize {
        self.out_h * self.out_w * self.c_out
    }
}

/// The convolution on flat slices: `output = act(input ⋆ kernel + bias)`.
///
/// Slices shorter than the geometry needs make it return without writing
/// (the const-generic entry point makes that impossible).
#[inline(always)]
pub fn conv2d_dyn<A: Activation>(
    g: Conv2DGeometry,
    input: &[f32],
    kernel: &[f32],
    bias: Option<&[f32]>,
    activation: A,
    output: &mut [f32],
) {
    if input.len() < g.input_len()
        || kernel.len() < g.kernel_len()
        || output.len() < g.output_len()
        || bias.is_some_and(|b| b.len() < g.c_out)
    {
        return;
    }
    let (ci, co) = (g.c_in, g.c_out);
    for oy in 0..g.out_h {
        for ox in 0..g.out_w {
            let out = &mut output[(oy * g.out_w + ox) * co..][..co];
            match bias {
                Some(b) => out.copy_from_slice(&b[..co]),
                None => out.fill(0.0),
            }
            for ky in 0..g.kh {
                // Row in the unpadded input; taps in the padding add nothing.
                let Some(iy) = (oy * g.stride_h + ky * g.dilation_h).checked_sub(g.pad_top) else {
                    continue;
                };
                if iy >= g.h {
                    continue;
                }
                for kx in 0..g.kw {
                    let Some(ix) = (ox * g.stride_w + kx * g.dilation_w).checked_sub(g.pad_left)
                    else {
                        continue;
                    };
                    if ix >= g.w {
                        continue;
                    }
                    let pixel = &input[(iy * g.w + ix) * ci..][..ci];
                    let taps = &kernel[(ky * g.kw + kx) * ci * co..][..ci * co];
                    for (&x, row) in pixel.iter().zip(taps.chunks_exact(co)) {
                        for (o, &k) in out.iter_mut().zip(row) {
                            *o += x * k;
                        }
                    }
                }
            }
            for o in out.iter_mut() {
                *o = activation.apply(*o);
            }
        }
    }
}

/// Conv2D with every size a constant: input `H x W x CI`, kernel `KH x KW`,
/// strides `SH, SW`, dilation `DH, DW`, padding top/bottom/left/right, output
/// `OH x OW x CO`. A combination Keras would not produce does not compile.
#[allow(clippy::too_many_arguments)]
#[inline]
pub fn conv2d<
    const H: usize,
    const W: usize,
    const CI: usize,
    const CO: usize,
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
    kernel: &[[[[f32; CO]; CI]; KW]; KH],
    bias: Option<&[f32; CO]>,
    activation: A,
    output: &mut [[[f32; CO]; OW]; OH],
) {
    const {
        assert!(
            SH > 0 && SW > 0 && DH > 0 && DW > 0,
            "strides and dilation are at least 1"
        );
        assert!(
            OH == window_output(H, PT + PB, KH + (KH - 1) * (DH - 1), SH),
            "output height"
        );
        assert!(
            OW == window_output(W, PL + PR, KW + (KW - 1) * (DW - 1), SW),
            "output width"
        );
        assert!(OH > 0 && OW > 0, "the kernel fits the padded input");
    }
    let g = Conv2DGeometry {
        h: H,
        w: W,
        c_in: CI,
        c_out: CO,
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
    conv2d_dyn(
        g,
        input.as_flattened().as_flattened(),
        kernel.as_flattened().as_flattened().as_flattened(),
        bias.map(|b| &b[..]),
        activation,
        output.as_flattened_mut().as_flattened_mut(),
    );
}
