//! int8 convolution (`CONV_2D`) and depthwise convolution
//! (`DEPTHWISE_CONV_2D`), per-channel quantized, TensorFlow Lite's arithmetic.
//!
//! A padded tap reads the input's zero point, so it adds nothing to `Σ (x -
//! zp) * w`. The compiler folds `-zp * Σ w` into the bias; an output whose
//! window leaves the input adds back `zp * w` for each tap outside it (from
//! per-tap weight sums, also computed by the compiler). Inside, the kernel
//! only multiplies and adds bytes.

use super::{dot, Requantize};

/// The geometry of a convolution over an `in_h x in_w x in_c` map (batch 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvGeometry {
    pub in_h: usize,
    pub in_w: usize,
    pub in_c: usize,
    pub out_h: usize,
    pub out_w: usize,
    pub out_c: usize,
    pub k_h: usize,
    pub k_w: usize,
    pub stride_h: usize,
    pub stride_w: usize,
    pub dilation_h: usize,
    pub dilation_w: usize,
    pub pad_top: usize,
    pub pad_left: usize,
}

/// The taps `0..k` of one output along one axis that fall inside the input:
/// `first..last` (empty when none do).
#[inline(always)]
fn taps(
    out: usize,
    stride: usize,
    pad: usize,
    dilation: usize,
    k: usize,
    size: usize,
) -> (usize, usize) {
    let origin = (out * stride) as isize - pad as isize;
    let d = dilation as isize;
    let mut first = 0;
    while first < k && origin + first as isize * d < 0 {
        first += 1;
    }
    let mut last = k;
    while last > first && origin + (last as isize - 1) * d >= size as isize {
        last -= 1;
    }
    (first, last)
}

/// Output channels a depthwise pass accumulates at once (on the stack).
const BLOCK: usize = 64;

/// The largest window (`k_h * k_w * in_c` bytes) gathered into one
/// contiguous patch on the stack; larger windows are read tap by tap.
const PATCH: usize = 4096;

multiversion! {
/// `CONV_2D`: `weights` OHWI (`out_c x k_h x k_w x in_c`, as TensorFlow Lite
/// stores them); `bias` per output channel with `-zp_in * Σ w` folded in;
/// `tap_sums` the weight sums per output channel and tap (`out_c x k_h x
/// k_w`), read only for windows larger than a patch that leave the input.
/// Every slice has exactly the length the geometry gives (the compiler's
/// constants always do; other lengths panic on a slice bound). The kernel
/// checks nothing at its entry: on Cortex-M4 an entry check made LLVM compile
/// its loops into 70 % more instructions (measured on the seed model).
///
/// Each output pixel's window is gathered once into a contiguous patch (taps
/// outside the input read the zero point), then every output channel is one
/// dot product of its weights with the patch.
#[allow(clippy::too_many_arguments)]
pub fn conv2d(
    g: &ConvGeometry,
    input: &[i8],
    input_zero_point: i32,
    weights: &[i8],
    bias: &[i32],
    tap_sums: &[i32],
    rq: &Requantize,
    output: &mut [i8],
) {
    let window = g.k_h * g.k_w * g.in_c;
    let oc = g.out_c;
    let c = g.in_c;
    let mut patch = [0i8; PATCH];
    for oy in 0..g.out_h {
        let (ky0, ky1) = taps(oy, g.stride_h, g.pad_top, g.dilation_h, g.k_h, g.in_h);
        for ox in 0..g.out_w {
            let (kx0, kx1) = taps(ox, g.stride_w, g.pad_left, g.dilation_w, g.k_w, g.in_w);
            let inside = ky0 == 0 && ky1 == g.k_h && kx0 == 0 && kx1 == g.k_w;
            let iy0 = (oy * g.stride_h) as isize - g.pad_top as isize;
            let ix0 = (ox * g.stride_w) as isize - g.pad_left as isize;
            let out = &mut output[(oy * g.out_w + ox) * oc..][..oc];
            let at = |ky: usize, kx: usize| {
                let iy = (iy0 + (ky * g.dilation_h) as isize) as usize;
                let ix = (ix0 + (kx * g.dilation_w) as isize) as usize;
                (iy * g.in_w + ix) * c
            };
            if window <= PATCH {
                let patch = &mut patch[..window];
                for ky in 0..g.k_h {
                    for kx in 0..g.k_w {
                        let cell = &mut patch[(ky * g.k_w + kx) * c..][..c];
                        if (ky0..ky1).contains(&ky) && (kx0..kx1).contains(&kx) {
                            cell.copy_from_slice(&input[at(ky, kx)..][..c]);
                        } else {
                            cell.fill(input_zero_point as i8);
                        }
                    }
                }
                let patch = &*patch;
                for (o, (y, w)) in out.iter_mut().zip(weights.chunks_exact(window)).enumerate() {
                    *y = rq.apply(bias[o] + dot(w, patch), o);
                }
            } else {
                for (o, (y, w)) in out.iter_mut().zip(weights.chunks_exact(window)).enumerate() {
                    let mut acc = bias[o];
                    for ky in 0..g.k_h {
                        for kx in 0..g.k_w {
                            let tap = ky * g.k_w + kx;
                            if (ky0..ky1).contains(&ky) && (kx0..kx1).contains(&kx) {
                                acc += dot(&w[tap * c..][..c], &input[at(ky, kx)..][..c]);
                            } else if !inside {
                                acc += input_zero_point * tap_sums[o * g.k_h * g.k_w + tap];
                            }
                        }
                    }
                    *y = rq.apply(acc, o);
                }
            }
        }
    }
}
}

multiversion! {
/// `DEPTHWISE_CONV_2D` with `multiplier` output channels per input channel
/// (output channel `c * multiplier + j` reads input channel `c`): `weights`
/// 1HWC (`k_h x k_w x out_c`), `bias` with `-zp_in * Σ w` folded in. As
/// for [`conv2d`], the slices have the lengths the geometry gives.
#[allow(clippy::too_many_arguments)]
pub fn depthwise_conv2d(
    g: &ConvGeometry,
    multiplier: usize,
    input: &[i8],
    input_zero_point: i32,
    weights: &[i8],
    bias: &[i32],
    rq: &Requantize,
    output: &mut [i8],
) {
    let multiplier = multiplier.max(1);
    for oy in 0..g.out_h {
        let (ky0, ky1) = taps(oy, g.stride_h, g.pad_top, g.dilation_h, g.k_h, g.in_h);
        for ox in 0..g.out_w {
            let (kx0, kx1) = taps(ox, g.stride_w, g.pad_left, g.dilation_w, g.k_w, g.in_w);
            let iy0 = (oy * g.stride_h) as isize - g.pad_top as isize;
            let ix0 = (ox * g.stride_w) as isize - g.pad_left as isize;
            let out = &mut output[(oy * g.out_w + ox) * g.out_c..][..g.out_c];
            let mut c0 = 0;
            while c0 < g.out_c {
                let n = BLOCK.min(g.out_c - c0);
                let mut acc = [0i32; BLOCK];
                let acc = &mut acc[..n];
                acc.copy_from_slice(&bias[c0..c0 + n]);
                for ky in 0..g.k_h {
                    for kx in 0..g.k_w {
                        let w = &weights[(ky * g.k_w + kx) * g.out_c + c0..][..n];
                        if (ky0..ky1).contains(&ky) && (kx0..kx1).contains(&kx) {
                            let iy = (iy0 + (ky * g.dilation_h) as isize) as usize;
                            let ix = (ix0 + (kx * g.dilation_w) as isize) as usize;
                            let x = &input[(iy * g.in_w + ix) * g.in_c..][..g.in_c];
                            if multiplier == 1 {
                                let x = &x[c0..c0 + n];
                                for ((a, &w), &x) in acc.iter_mut().zip(w).zip(x) {
                                    *a += i32::from(w) * i32::from(x);
                                }
                            } else {
                                for (j, (a, &w)) in acc.iter_mut().zip(w).enumerate() {
                                    *a += i32::from(w) * i32::from(x[(c0 + j) / multiplier]);
                                }
                            }
                        } else {
                            for (a, &w) in acc.iter_mut().zip(w) {
                                *a += i32::from(w) * input_zero_point;
                            }
                        }
                    }
                }
                for (j, (y, &a)) in out[c0..c0 + n].iter_mut().zip(acc.iter()).enumerate() {
                    *y = rq.apply(a, c0 + j);
                }
                c0 += n;
            }
        }
    }
}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::int8::fixed::multiply_by_quantized_multiplier;
    use std::vec;
    use std::vec::Vec;

    /// The convolution as the reference writes it: `Σ (x - zp) * w` over the
    /// taps inside the input, with the unfolded bias.
    #[allow(clippy::too_many_arguments)]
    fn conv_reference(
        g: &ConvGeometry,
        x: &[i8],
        zp: i32,
        w: &[i8],
        bias: &[i32],
        m: &[i32],
        s: &[i32],
        zp_out: i32,
    ) -> Vec<i8> {
        let mut out = vec![0i8; g.out_h * g.out_w * g.out_c];
        for oy in 0..g.out_h {
            for ox in 0..g.out_w {
                for o in 0..g.out_c {
                    let mut acc = bias[o];
                    for ky in 0..g.k_h {
                        for kx in 0..g.k_w {
                            let iy =
                                (oy * g.stride_h + ky * g.dilation_h) as isize - g.pad_top as isize;
                            let ix = (ox * g.stride_w + kx * g.dilation_w) as isize
                                - g.pad_left as isize;
                            if iy < 0 || ix < 0 || iy >= g.in_h as isize || ix >= g.in_w as isize {
                                continue;
                            }
                            for c in 0..g.in_c {
                                let xv =
                                    x[(iy as usize * g.in_w + ix as usize) * g.in_c + c] as i32;
                                let wv = w[((o * g.k_h + ky) * g.k_w + kx) * g.in_c + c] as i32;
                                acc += (xv - zp) * wv;
                            }
                        }
                    }
                    let v = multiply_by_quantized_multiplier(acc, m[o], s[o]) + zp_out;
                    out[(oy * g.out_w + ox) * g.out_c + o] = v.clamp(-128, 127) as i8;
                }
            }
        }
        out
    }

    fn bytes(n: usize, seed: u32) -> Vec<i8> {
        let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
        (0..n)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                state as i8
            })
            .collect()
    }

    #[test]
    fn folded_bias_and_border_sums_equal_the_reference() {
        // 3 channels: windows gathered in a patch; 512: 4,608-byte windows,
        // read tap by tap with the border's weight sums.
        let cases = [
            (1, 1, 1, 3),
            (2, 1, 1, 3),
            (1, 2, 2, 3),
            (2, 2, 0, 3),
            (1, 1, 2, 3),
            (1, 1, 1, 512),
            (2, 2, 2, 512),
        ];
        for (stride, dilation, pad, in_c) in cases {
            // The long windows take minutes under Miri; the short ones cover
            // the same dispatch and every other branch there.
            if cfg!(miri) && in_c > 100 {
                continue;
            }
            let g = ConvGeometry {
                in_h: 7,
                in_w: 6,
                in_c,
                out_h: 0,
                out_w: 0,
                out_c: 5,
                k_h: 3,
                k_w: 3,
                stride_h: stride,
                stride_w: stride,
                dilation_h: dilation,
                dilation_w: dilation,
                pad_top: pad,
                pad_left: pad,
            };
            let span = 2 * dilation + 1;
            let g = ConvGeometry {
                out_h: (g.in_h + 2 * pad - span) / stride + 1,
                out_w: (g.in_w + 2 * pad - span) / stride + 1,
                ..g
            };
            let x = bytes(g.in_h * g.in_w * g.in_c, 1);
            let w = bytes(g.out_c * 9 * g.in_c, 2);
            let zp = -7;
            let bias: Vec<i32> = (0..5).map(|o| o * 100 - 200).collect();
            let m = vec![1_500_000_000; 5];
            // Smaller multipliers for long windows, so outputs stay inside int8.
            let extra = if in_c > 100 { 7 } else { 0 };
            let s: Vec<i32> = [-9, -8, -10, -9, -7].iter().map(|s| s - extra).collect();
            let expected = conv_reference(&g, &x, zp, &w, &bias, &m, &s, 3);

            let window = 9 * g.in_c;
            let folded: Vec<i32> = (0..5)
                .map(|o| {
                    bias[o]
                        - zp * w[o * window..][..window]
                            .iter()
                            .map(|&v| v as i32)
                            .sum::<i32>()
                })
                .collect();
            // Σ w per output channel and tap (read only by windows over a patch).
            let tap_sums: Vec<i32> = (0..5 * 9)
                .map(|t| w[t * g.in_c..][..g.in_c].iter().map(|&v| v as i32).sum())
                .collect();
            let rq = Requantize {
                multiplier: &m,
                shift: &s,
                zero_point: 3,
                min: -128,
                max: 127,
            };
            let mut out = vec![0i8; expected.len()];
            conv2d(&g, &x, zp, &w, &folded, &tap_sums, &rq, &mut out);
            assert_eq!(
                out, expected,
                "stride {stride} dilation {dilation} pad {pad}"
            );
        }
    }

    #[test]
    fn depthwise_equals_a_convolution_per_channel() {
        for multiplier in [1, 2] {
            let (c_in, k) = (3, 3);
            let c_out = c_in * multiplier;
            let g = ConvGeometry {
                in_h: 5,
                in_w: 6,
                in_c: c_in,
                out_h: 3,
                out_w: 3,
                out_c: c_out,
                k_h: k,
                k_w: k,
                stride_h: 2,
                stride_w: 2,
                dilation_h: 1,
                dilation_w: 1,
                pad_top: 1,
                pad_left: 1,
            };
            let x = bytes(5 * 6 * c_in, 3);
            let w = bytes(k * k * c_out, 4);
            let zp = 11;
            let bias = vec![50; c_out];
            let m = vec![1_300_000_000; c_out];
            let s = vec![-6; c_out];
            let folded: Vec<i32> = (0..c_out)
                .map(|o| bias[o] - zp * (0..k * k).map(|t| w[t * c_out + o] as i32).sum::<i32>())
                .collect();
            let rq = Requantize {
                multiplier: &m,
                shift: &s,
                zero_point: -1,
                min: -128,
                max: 127,
            };
            let mut out = vec![0i8; 3 * 3 * c_out];
            depthwise_conv2d(&g, multiplier, &x, zp, &w, &folded, &rq, &mut out);
            for oc in 0..c_out {
                let ic = oc / multiplier;
                let x1: Vec<i8> = (0..30).map(|p| x[p * c_in + ic]).collect();
                let w1: Vec<i8> = (0..9).map(|t| w[t * c_out + oc]).collect();
                let g1 = ConvGeometry {
                    in_c: 1,
                    out_c: 1,
                    ..g
                };
                let expected =
                    conv_reference(&g1, &x1, zp, &w1, &bias[oc..oc + 1], &m[..1], &s[..1], -1);
                let got: Vec<i8> = (0..9).map(|p| out[p * c_out + oc]).collect();
                assert_eq!(got, expected, "multiplier {multiplier} channel {oc}");
            }
        }
    }
}
