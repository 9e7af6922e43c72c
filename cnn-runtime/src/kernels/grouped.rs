//! Keras' Conv2D with `groups` (ResNeXt-style grouped convolutions): the
//! input channels split into groups, each convolved with its own filters.
//! Direct loops, exact for any geometry. One channel per group is a
//! depthwise convolution, which the compiler sends to the depthwise kernel.

use crate::activation::{apply_in_place, Activation};
use crate::memory::flat_mut;
use crate::params::Conv2DParams;

/// Where a convolution reads: output row `y` and kernel row `i` read input
/// row `y * strides[0] + i * dilation[0] - pad[0]` (zero outside the map),
/// and likewise for columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvGeometry {
    pub strides: [usize; 2],
    pub dilation: [usize; 2],
    /// Zero rows above and columns left of the input (TensorFlow's `same`).
    pub pad: [usize; 2],
}

/// `output = act(bias + grouped convolution of input)`: `G` groups, each of
/// `CG` input channels and `F / G` filters; the kernel in Keras' layout
/// `(kh, kw, c_in / groups, filters)`, filter `f` reading group `f / (F / G)`.
///
/// ```
/// use cnn_runtime::activation::Linear;
/// use cnn_runtime::kernels::grouped::{grouped_conv2d, ConvGeometry};
/// use cnn_runtime::Conv2DParams;
///
/// // Two groups of one channel: filter 0 reads channel 0, filter 1 channel 1.
/// let params = Conv2DParams::<1, 1, 1, 2> { kernel: [[[[2.0, 3.0]]]], bias: [0.0, 1.0] };
/// let input = [[[1.0f32, 10.0]]];
/// let mut output = [[[0.0f32; 2]; 1]; 1];
/// let geometry = ConvGeometry { strides: [1, 1], dilation: [1, 1], pad: [0, 0] };
/// grouped_conv2d::<1, 1, 2, 1, 1, 1, 2, 2, 1, 1, _>(&input, &params, true, geometry, Linear, &mut output);
/// assert_eq!(output, [[[2.0, 31.0]]]);
/// ```
#[allow(clippy::too_many_arguments)]
pub fn grouped_conv2d<
    const H: usize,
    const W: usize,
    const C: usize,
    const KH: usize,
    const KW: usize,
    const CG: usize,
    const F: usize,
    const G: usize,
    const OH: usize,
    const OW: usize,
    A: Activation,
>(
    input: &[[[f32; C]; W]; H],
    params: &Conv2DParams<KH, KW, CG, F>,
    use_bias: bool,
    geometry: ConvGeometry,
    act: A,
    output: &mut [[[f32; F]; OW]; OH],
) {
    const {
        assert!(
            G > 0 && C == CG * G && F.is_multiple_of(G),
            "groups divide the channels and the filters"
        );
    }
    let ConvGeometry {
        strides: [sh, sw],
        dilation: [dh, dw],
        pad: [pt, pl],
    } = geometry;
    let per_group = F / G;
    // The input index read through kernel tap `tap` from output index `at`.
    let read = |at: usize, step: usize, tap: usize, dilation: usize, pad: usize, size: usize| {
        (at * step + tap * dilation)
            .checked_sub(pad)
            .filter(|&i| i < size)
    };
    for (oy, out_row) in output.iter_mut().enumerate() {
        for (ox, out) in out_row.iter_mut().enumerate() {
            *out = if use_bias { params.bias } else { [0.0; F] };
            for (i, kernel_row) in params.kernel.iter().enumerate() {
                let Some(y) = read(oy, sh, i, dh, pt, H) else {
                    continue;
                };
                for (j, taps) in kernel_row.iter().enumerate() {
                    let Some(x) = read(ox, sw, j, dw, pl, W) else {
                        continue;
                    };
                    let pixel = &input[y][x];
                    for (f, o) in out.iter_mut().enumerate() {
                        let group = &pixel[f / per_group * CG..][..CG];
                        *o += group.iter().zip(taps).map(|(v, k)| v * k[f]).sum::<f32>();
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
    use crate::activation::Linear;

    /// Against the definition summed in f64, written as the index formula
    /// reads.
    #[test]
    #[allow(clippy::needless_range_loop)]
    fn groups_convolve_their_own_channels() {
        let mut params = Conv2DParams::<3, 3, 2, 6> {
            kernel: [[[[0.0; 6]; 2]; 3]; 3],
            bias: [0.1, -0.2, 0.3, 0.0, 0.5, -0.5],
        };
        for (n, v) in flat_mut(&mut params.kernel).iter_mut().enumerate() {
            *v = ((n * 7 % 11) as f32 - 5.0) / 4.0;
        }
        let mut input = [[[0.0f32; 6]; 5]; 4];
        for (n, v) in flat_mut(&mut input).iter_mut().enumerate() {
            *v = ((n * 5 % 13) as f32 - 6.0) / 3.0;
        }
        let geometry = ConvGeometry {
            strides: [2, 1],
            dilation: [1, 1],
            pad: [1, 1],
        };
        let mut output = [[[0.0f32; 6]; 5]; 2];
        grouped_conv2d::<4, 5, 6, 3, 3, 2, 6, 3, 2, 5, _>(
            &input,
            &params,
            true,
            geometry,
            Linear,
            &mut output,
        );
        for oy in 0..2 {
            for ox in 0..5 {
                for f in 0..6 {
                    let group = f / 2;
                    let mut sum = f64::from(params.bias[f]);
                    for i in 0..3 {
                        for j in 0..3 {
                            let (y, x) = ((oy * 2 + i) as isize - 1, (ox + j) as isize - 1);
                            if !(0..4).contains(&y) || !(0..5).contains(&x) {
                                continue;
                            }
                            for c in 0..2 {
                                sum += f64::from(input[y as usize][x as usize][group * 2 + c])
                                    * f64::from(params.kernel[i][j][c][f]);
                            }
                        }
                    }
                    let got = output[oy][ox][f];
                    assert!(
                        (f64::from(got) - sum).abs() < 1e-5,
                        "{oy} {ox} {f}: {got} vs {sum}"
                    );
                }
            }
        }
    }
}
