//! Keras' Conv2DTranspose (a "deconvolution"): each input pixel spreads its
//! values through the kernel over a window of the larger output, as the
//! gradient of a convolution does in TensorFlow. Direct loops, exact for any
//! geometry; decoders and U-Nets use it a few times per model.

use crate::activation::{apply_in_place, Activation};
use crate::memory::flat_mut;
use crate::params::Conv2DTransposeParams;

/// Where a transposed convolution puts each input pixel: input row `y` and
/// kernel row `i` land on output row `y * strides[0] + i * dilation[0] -
/// pad[0]` (rows falling outside are dropped), and likewise for columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TransposeGeometry {
    pub strides: [usize; 2],
    pub dilation: [usize; 2],
    /// Rows cut off the top and columns off the left (TensorFlow's `SAME`
    /// padding of the convolution this one is the gradient of).
    pub pad: [usize; 2],
}

/// `output = act(bias + input ⊛ᵀ kernel)`, the kernel in Keras' layout
/// `(kh, kw, filters, c_in)`; `use_bias = false` leaves `bias` unread.
///
/// ```
/// use cnn_runtime::activation::Linear;
/// use cnn_runtime::kernels::transpose::{conv2d_transpose, TransposeGeometry};
/// use cnn_runtime::Conv2DTransposeParams;
///
/// // Stride 2, a 2x2 kernel of ones: each pixel becomes a 2x2 block.
/// let params = Conv2DTransposeParams::<2, 2, 1, 1> { kernel: [[[[1.0]]; 2]; 2], bias: [0.0] };
/// let input = [[[1.0], [2.0]]];
/// let mut output = [[[0.0f32; 1]; 4]; 2];
/// let geometry = TransposeGeometry { strides: [2, 2], dilation: [1, 1], pad: [0, 0] };
/// conv2d_transpose(&input, &params, true, geometry, Linear, &mut output);
/// assert_eq!(output, [[[1.0], [1.0], [2.0], [2.0]]; 2]);
/// ```
#[allow(clippy::too_many_arguments)]
pub fn conv2d_transpose<
    const H: usize,
    const W: usize,
    const C: usize,
    const KH: usize,
    const KW: usize,
    const F: usize,
    const OH: usize,
    const OW: usize,
    A: Activation,
>(
    input: &[[[f32; C]; W]; H],
    params: &Conv2DTransposeParams<KH, KW, F, C>,
    use_bias: bool,
    geometry: TransposeGeometry,
    act: A,
    output: &mut [[[f32; F]; OW]; OH],
) {
    let TransposeGeometry {
        strides: [sh, sw],
        dilation: [dh, dw],
        pad: [pt, pl],
    } = geometry;
    for row in output.iter_mut() {
        for pixel in row.iter_mut() {
            *pixel = if use_bias { params.bias } else { [0.0; F] };
        }
    }
    // The output position of input index `at` through kernel tap `tap`.
    let place = |at: usize, step: usize, tap: usize, dilation: usize, pad: usize, size: usize| {
        (at * step + tap * dilation)
            .checked_sub(pad)
            .filter(|&o| o < size)
    };
    for (y, input_row) in input.iter().enumerate() {
        for (i, kernel_row) in params.kernel.iter().enumerate() {
            let Some(oy) = place(y, sh, i, dh, pt, OH) else {
                continue;
            };
            for (x, values) in input_row.iter().enumerate() {
                for (j, taps) in kernel_row.iter().enumerate() {
                    let Some(ox) = place(x, sw, j, dw, pl, OW) else {
                        continue;
                    };
                    let out = &mut output[oy][ox];
                    for (o, tap) in out.iter_mut().zip(taps) {
                        *o += values.iter().zip(tap).map(|(v, k)| v * k).sum::<f32>();
                    }
                }
            }
        }
    }
    apply_in_place(flat_mut(output), act);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::{Linear, Relu};
    use std::vec::Vec;

    /// The definition, by gathering: each output pixel sums the inputs and
    /// taps that land on it (the kernel above spreads them instead), written
    /// as the index formula reads.
    #[allow(clippy::needless_range_loop)]
    fn gathered<
        const H: usize,
        const W: usize,
        const C: usize,
        const KH: usize,
        const KW: usize,
        const F: usize,
    >(
        input: &[[[f32; C]; W]; H],
        params: &Conv2DTransposeParams<KH, KW, F, C>,
        g: TransposeGeometry,
        oh: usize,
        ow: usize,
    ) -> Vec<f32> {
        let mut out = Vec::new();
        for oy in 0..oh {
            for ox in 0..ow {
                for f in 0..F {
                    let mut sum = f64::from(params.bias[f]);
                    for y in 0..H {
                        for x in 0..W {
                            for i in 0..KH {
                                for j in 0..KW {
                                    let ty = y * g.strides[0] + i * g.dilation[0];
                                    let tx = x * g.strides[1] + j * g.dilation[1];
                                    if ty == oy + g.pad[0] && tx == ox + g.pad[1] {
                                        for c in 0..C {
                                            sum += f64::from(input[y][x][c])
                                                * f64::from(params.kernel[i][j][f][c]);
                                        }
                                    }
                                }
                            }
                        }
                    }
                    out.push(sum as f32);
                }
            }
        }
        out
    }

    #[test]
    fn spreading_equals_gathering_for_strides_dilation_and_padding() {
        let mut params = Conv2DTransposeParams::<3, 2, 2, 3> {
            kernel: [[[[0.0; 3]; 2]; 2]; 3],
            bias: [0.5, -0.25],
        };
        for (n, v) in crate::memory::flat_mut(&mut params.kernel)
            .iter_mut()
            .enumerate()
        {
            *v = ((n * 7 % 11) as f32 - 5.0) / 4.0;
        }
        let mut input = [[[0.0f32; 3]; 4]; 3];
        for (n, v) in crate::memory::flat_mut(&mut input).iter_mut().enumerate() {
            *v = ((n * 5 % 13) as f32 - 6.0) / 3.0;
        }
        for geometry in [
            TransposeGeometry {
                strides: [1, 1],
                dilation: [1, 1],
                pad: [0, 0],
            },
            TransposeGeometry {
                strides: [2, 3],
                dilation: [1, 1],
                pad: [1, 0],
            },
            TransposeGeometry {
                strides: [1, 2],
                dilation: [2, 1],
                pad: [2, 1],
            },
        ] {
            let mut output = [[[0.0f32; 2]; 9]; 6];
            conv2d_transpose(&input, &params, true, geometry, Linear, &mut output);
            let expected = gathered(&input, &params, geometry, 6, 9);
            for (o, e) in crate::memory::flat(&output).iter().zip(&expected) {
                assert!((o - e).abs() < 1e-5, "{geometry:?}: {o} vs {e}");
            }
        }
        let mut output = [[[0.0f32; 2]; 9]; 6];
        let geometry = TransposeGeometry {
            strides: [2, 2],
            dilation: [1, 1],
            pad: [0, 0],
        };
        conv2d_transpose(&input, &params, false, geometry, Relu, &mut output);
        assert!(crate::memory::flat(&output).iter().all(|&v| v >= 0.0));
    }
}
