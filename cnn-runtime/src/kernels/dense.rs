//! Fully connected layers, Keras kernel layout `(in, out)`: `y = act(x · W + b)`.

use crate::activation::Activation;

/// Every size of one Dense layer: `rows` independent vectors of `fan_in`
/// values → `rows` vectors of `units` (rows > 1 is Dense on a feature map: one
/// row per pixel).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DenseGeometry {
    pub rows: usize,
    pub fan_in: usize,
    pub units: usize,
}

/// Dense on flat slices; slices shorter than the geometry needs make it return
/// without writing.
#[inline(always)]
pub fn dense_dyn<A: Activation>(
    g: DenseGeometry,
    input: &[f32],
    kernel: &[f32],
    bias: Option<&[f32]>,
    activation: A,
    output: &mut [f32],
) {
    let DenseGeometry {
        rows,
        fan_in,
        units,
    } = g;
    if input.len() < rows * fan_in
        || kernel.len() < fan_in * units
        || output.len() < rows * units
        || bias.is_some_and(|b| b.len() < units)
    {
        return;
    }
    for r in 0..rows {
        let x = &input[r * fan_in..][..fan_in];
        let out = &mut output[r * units..][..units];
        match bias {
            Some(b) => out.copy_from_slice(&b[..units]),
            None => out.fill(0.0),
        }
        for (&xi, row) in x.iter().zip(kernel.chunks_exact(units)) {
            for (o, &k) in out.iter_mut().zip(row) {
                *o += xi * k;
            }
        }
        for o in out.iter_mut() {
            *o = activation.apply(*o);
        }
    }
}

/// Dense on a vector: `I` → `O`.
#[inline]
pub fn dense<const I: usize, const O: usize, A: Activation>(
    input: &[f32; I],
    kernel: &[[f32; O]; I],
    bias: Option<&[f32; O]>,
    activation: A,
    output: &mut [f32; O],
) {
    let g = DenseGeometry {
        rows: 1,
        fan_in: I,
        units: O,
    };
    dense_dyn(
        g,
        input,
        kernel.as_flattened(),
        bias.map(|b| &b[..]),
        activation,
        output,
    );
}

/// Dense on a feature map, applied to the channels of each pixel: `H x W x I` → `H x W x O`.
#[inline]
pub fn dense_map<const H: usize, const W: usize, const I: usize, const O: usize, A: Activation>(
    input: &[[[f32; I]; W]; H],
    kernel: &[[f32; O]; I],
    bias: Option<&[f32; O]>,
    activation: A,
    output: &mut [[[f32; O]; W]; H],
) {
    let g = DenseGeometry {
        rows: H * W,
        fan_in: I,
        units: O,
    };
    dense_dyn(
        g,
        input.as_flattened().as_flattened(),
        kernel.as_flattened(),
        bias.map(|b| &b[..]),
        activation,
        output.as_flattened_mut().as_flattened_mut(),
    );
}
