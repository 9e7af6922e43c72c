//! A convolution and the 2x2 max pooling after it, in one pass: the
//! convolution's map is computed a band of a few pairs of rows at a time
//! (16 KiB: it stays in L1 cache) and each band is pooled right away, rather
//! than the whole map written and then read back from a slower cache. A last
//! odd row, which `valid` pooling drops, is never computed. The compiler
//! fuses a layer pair only when nothing else reads the convolution's map.

use crate::activation::Activation;
use crate::kernels::conv::{conv2d_rows_dyn, Conv2DGeometry};
use crate::kernels::pool::{pool2d_dyn, PoolGeometry, PoolOp};
use crate::kernels::small_conv::{conv2d_small_rows, ConvOut, Strides};

/// The shape rule both entry points check at compile time: a convolution
/// without padding or dilation (`OH x OW` from `H x W`), pooled 2x2 with
/// stride 2 without padding into `PH x PW`.
const fn shapes_agree(
    [h, w]: [usize; 2],
    [kh, kw]: [usize; 2],
    [sh, sw]: [usize; 2],
    [oh, ow]: [usize; 2],
    [ph, pw]: [usize; 2],
) -> bool {
    sh >= 1
        && sw >= 1
        && oh >= 2
        && ow >= 2
        && h >= kh
        && w >= kw
        && oh == (h - kh) / sh + 1
        && ow == (w - kw) / sw + 1
        && ph == oh / 2
        && pw == ow / 2
}

/// Conv2D (shared kernel) then MaxPooling2D(2): `output = maxpool(act(input ⋆
/// kernel + bias))`.
#[allow(clippy::too_many_arguments)]
#[inline]
pub fn conv2d_max_pool2<
    const H: usize,
    const W: usize,
    const CI: usize,
    const CO: usize,
    const KH: usize,
    const KW: usize,
    const SH: usize,
    const SW: usize,
    const OH: usize,
    const OW: usize,
    const PH: usize,
    const PW: usize,
    A: Activation,
>(
    input: &[[[f32; CI]; W]; H],
    kernel: &[[[[f32; CO]; CI]; KW]; KH],
    bias: Option<&[f32; CO]>,
    activation: A,
    map: &mut [[[f32; CO]; OW]; OH],
    output: &mut [[[f32; CO]; PW]; PH],
    _: Strides<SH, SW>,
) {
    const {
        assert!(
            shapes_agree([H, W], [KH, KW], [SH, SW], [OH, OW], [PH, PW]),
            "a valid convolution, then 2x2 max pooling with stride 2"
        );
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
        dilation_h: 1,
        dilation_w: 1,
        pad_top: 0,
        pad_left: 0,
        out_h: OH,
        out_w: OW,
    };
    let (input, kernel) = (
        input.as_flattened().as_flattened(),
        kernel.as_flattened().as_flattened().as_flattened(),
    );
    let bias = bias.map(|b| &b[..]);
    pool_bands(map, output, |rows, band| {
        conv2d_rows_dyn(g, rows, input, kernel, bias, activation, band)
    });
}

/// [`conv2d_max_pool2`] with the small-window convolution
/// ([`super::small_conv`]).
#[allow(clippy::too_many_arguments)]
#[inline]
pub fn conv2d_small_max_pool2<
    const H: usize,
    const W: usize,
    const CI: usize,
    const CO: usize,
    const KH: usize,
    const KW: usize,
    const SH: usize,
    const SW: usize,
    const OH: usize,
    const OW: usize,
    const PH: usize,
    const PW: usize,
    A: Activation,
>(
    input: &[[[f32; CI]; W]; H],
    kernel: &[[[[f32; CO]; CI]; KW]; KH],
    bias: Option<&[f32; CO]>,
    activation: A,
    map: &mut [[[f32; CO]; OW]; OH],
    output: &mut [[[f32; CO]; PW]; PH],
    strides: Strides<SH, SW>,
) {
    const {
        assert!(
            shapes_agree([H, W], [KH, KW], [SH, SW], [OH, OW], [PH, PW]),
            "a valid convolution, then 2x2 max pooling with stride 2"
        );
    }
    let out = ConvOut::<OH, OW>;
    pool_bands(map, output, |rows, band| {
        conv2d_small_rows(input, kernel, bias, activation, out, rows, band, strides)
    });
}

/// Values in a band of the convolution's map (16 KiB): as many pairs of rows
/// as fit are computed, then pooled, before the next.
pub const BAND_VALUES: usize = 4096;

/// The map a band at a time, from `conv_rows` (rows, band to write), each
/// band pooled 2x2 into `output` at once: tiles of pixels run across the rows
/// of a band, so few pixels are left for the one-at-a-time path.
#[inline(always)]
fn pool_bands<
    const CO: usize,
    const OW: usize,
    const OH: usize,
    const PH: usize,
    const PW: usize,
>(
    map: &mut [[[f32; CO]; OW]; OH],
    output: &mut [[[f32; CO]; PW]; PH],
    mut conv_rows: impl FnMut(core::ops::Range<usize>, &mut [f32]),
) {
    let pairs_per_band = (BAND_VALUES / (2 * OW * CO)).max(1);
    let map = map.as_flattened_mut().as_flattened_mut();
    let output = output.as_flattened_mut().as_flattened_mut();
    let mut pair = 0;
    while pair < PH {
        let pairs = pairs_per_band.min(PH - pair);
        let g = PoolGeometry {
            h: 2 * pairs,
            w: OW,
            c: CO,
            ph: 2,
            pw: 2,
            stride_h: 2,
            stride_w: 2,
            pad_top: 0,
            pad_left: 0,
            out_h: pairs,
            out_w: PW,
        };
        let (Some(band), Some(pooled)) = (
            map.get_mut(2 * pair * OW * CO..2 * (pair + pairs) * OW * CO),
            output.get_mut(pair * PW * CO..(pair + pairs) * PW * CO),
        ) else {
            return;
        };
        conv_rows(2 * pair..2 * (pair + pairs), band);
        pool2d_dyn(g, PoolOp::Max, band, pooled);
        pair += pairs;
    }
}

#[cfg(test)]
mod tests {
    //! Against the convolution and the pooling run one after the other, on
    //! every instruction-set path: odd output sizes (a dropped last row and
    //! column), strides, both convolution kernels, 16 and 24 channels.

    use super::*;
    use crate::activation::{Relu, Tanh};
    use crate::kernels::conv::conv2d;
    use crate::kernels::pool::pool2d;
    use crate::kernels::small_conv::conv2d_small;
    use crate::kernels::testing::{on_every_path, values};
    use crate::memory::view;

    #[test]
    fn fused_equals_convolution_then_pooling() {
        // Small window, 7x9x1 → 5x7x16 → 2x3x16 (row 4 and column 6 dropped).
        on_every_path(|| {
            let input: [[[f32; 1]; 9]; 7] = *view::<_, [f32; 1024]>(&values(1));
            let kernel: [[[[f32; 16]; 1]; 3]; 3] = *view::<_, [f32; 1024]>(&values(2));
            let bias: [f32; 16] = *view::<_, [f32; 64]>(&values(3));
            let mut map = [[[0.0f32; 16]; 7]; 5];
            conv2d_small(
                &input,
                &kernel,
                Some(&bias),
                Relu,
                &mut map,
                Strides::<1, 1>,
            );
            let mut expected = [[[0.0f32; 16]; 3]; 2];
            pool2d::<5, 7, 16, 2, 2, 2, 2, 0, 0, 0, 0, 2, 3>(PoolOp::Max, &map, &mut expected);
            let mut fused = [[[f32::NAN; 16]; 3]; 2];
            let mut band_map = [[[f32::NAN; 16]; 7]; 5];
            conv2d_small_max_pool2(
                &input,
                &kernel,
                Some(&bias),
                Relu,
                &mut band_map,
                &mut fused,
                Strides::<1, 1>,
            );
            assert_eq!(fused, expected);
        });
        // Shared kernel, strides (2, 1), 24 channels, no bias, Tanh.
        on_every_path(|| {
            let input: [[[f32; 4]; 8]; 11] = *view::<_, [f32; 1024]>(&values(4));
            let kernel: [[[[f32; 24]; 4]; 2]; 3] = *view::<_, [f32; 1024]>(&values(5));
            let mut map = [[[0.0f32; 24]; 7]; 5];
            conv2d::<11, 8, 4, 24, 3, 2, 2, 1, 1, 1, 0, 0, 0, 0, 5, 7, _>(
                &input, &kernel, None, Tanh, &mut map,
            );
            let mut expected = [[[0.0f32; 24]; 3]; 2];
            pool2d::<5, 7, 24, 2, 2, 2, 2, 0, 0, 0, 0, 2, 3>(PoolOp::Max, &map, &mut expected);
            let mut fused = [[[f32::NAN; 24]; 3]; 2];
            let mut band_map = [[[f32::NAN; 24]; 7]; 5];
            conv2d_max_pool2(
                &input,
                &kernel,
                None,
                Tanh,
                &mut band_map,
                &mut fused,
                Strides::<2, 1>,
            );
            assert_eq!(fused, expected);
        });
        // A map of 2,432 values a row pair: one pair per band, three bands.
        on_every_path(|| {
            let input: [[[f32; 1]; 40]; 8] = *view::<_, [f32; 1024]>(&values(6));
            let kernel: [[[[f32; 32]; 1]; 3]; 3] = *view::<_, [f32; 1024]>(&values(7));
            let mut map = [[[0.0f32; 32]; 38]; 6];
            conv2d_small(&input, &kernel, None, Relu, &mut map, Strides::<1, 1>);
            let mut expected = [[[0.0f32; 32]; 19]; 3];
            pool2d::<6, 38, 32, 2, 2, 2, 2, 0, 0, 0, 0, 3, 19>(PoolOp::Max, &map, &mut expected);
            let mut fused = [[[f32::NAN; 32]; 19]; 3];
            let mut band_map = [[[f32::NAN; 32]; 38]; 6];
            conv2d_small_max_pool2(
                &input,
                &kernel,
                None,
                Relu,
                &mut band_map,
                &mut fused,
                Strides::<1, 1>,
            );
            assert_eq!(fused, expected);
        });
    }
}
