//! int8 `MAX_POOL_2D` and `AVERAGE_POOL_2D`: TensorFlow Lite requires the
//! input and output quantization to be equal, so both work on the bytes.

/// A pooling window over an `in_h x in_w x channels` map (batch 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolGeometry {
    pub in_h: usize,
    pub in_w: usize,
    pub channels: usize,
    pub out_h: usize,
    pub out_w: usize,
    pub k_h: usize,
    pub k_w: usize,
    pub stride_h: usize,
    pub stride_w: usize,
    pub pad_top: usize,
    pub pad_left: usize,
}

impl PoolGeometry {
    /// The input rows (or columns) of output `out`'s window: `start..end`.
    #[inline(always)]
    fn span(out: usize, stride: usize, pad: usize, k: usize, size: usize) -> (usize, usize) {
        let origin = (out * stride) as isize - pad as isize;
        let start = origin.max(0) as usize;
        let end = ((origin + k as isize).max(0) as usize).min(size);
        (start.min(end), end)
    }

    /// The input and output hold the map sizes, and the clamp's range is not
    /// empty (so it cannot panic).
    fn fits(&self, input: &[i8], output: &[i8], min: i32, max: i32) -> bool {
        input.len() >= self.in_h * self.in_w * self.channels
            && output.len() >= self.out_h * self.out_w * self.channels
            && min <= max
    }

    /// Calls `f(output index, window rows, window columns)` for every output pixel.
    #[inline(always)]
    fn each(&self, mut f: impl FnMut(usize, (usize, usize), (usize, usize))) {
        for oy in 0..self.out_h {
            let rows = Self::span(oy, self.stride_h, self.pad_top, self.k_h, self.in_h);
            for ox in 0..self.out_w {
                let cols = Self::span(ox, self.stride_w, self.pad_left, self.k_w, self.in_w);
                f((oy * self.out_w + ox) * self.channels, rows, cols);
            }
        }
    }
}

multiversion! {
/// `MAX_POOL_2D`: the largest byte of the window's real cells, clamped to `[min, max]`.
pub fn max_pool(g: &PoolGeometry, input: &[i8], min: i32, max: i32, output: &mut [i8]) {
    let c = g.channels;
    if !g.fits(input, output, min, max) {
        return;
    }
    g.each(|at, (y0, y1), (x0, x1)| {
        let out = &mut output[at..][..c];
        out.fill(i8::MIN);
        for y in y0..y1 {
            for x in x0..x1 {
                let cell = &input[(y * g.in_w + x) * c..][..c];
                for (o, &v) in out.iter_mut().zip(cell) {
                    *o = (*o).max(v);
                }
            }
        }
        for o in out.iter_mut() {
            *o = i32::from(*o).clamp(min, max) as i8;
        }
    });
}
}

/// Output channels an average pass sums at once (on the stack).
const BLOCK: usize = 64;

multiversion! {
/// `AVERAGE_POOL_2D`: the sum of the window's real cells divided by their
/// count, rounded half away from zero, clamped to `[min, max]`.
pub fn average_pool(g: &PoolGeometry, input: &[i8], min: i32, max: i32, output: &mut [i8]) {
    let c = g.channels;
    if !g.fits(input, output, min, max) {
        return;
    }
    g.each(|at, (y0, y1), (x0, x1)| {
        let count = ((y1 - y0) * (x1 - x0)) as i32;
        let mut c0 = 0;
        while c0 < c {
            let n = BLOCK.min(c - c0);
            let mut acc = [0i32; BLOCK];
            for y in y0..y1 {
                for x in x0..x1 {
                    let cell = &input[(y * g.in_w + x) * c + c0..][..n];
                    for (a, &v) in acc.iter_mut().zip(cell) {
                        *a += i32::from(v);
                    }
                }
            }
            for (o, &a) in output[at + c0..][..n].iter_mut().zip(&acc) {
                *o = rounded_average(a, count).clamp(min, max) as i8;
            }
            c0 += n;
        }
    });
}
}

/// `sum / count` rounded half away from zero, as TensorFlow Lite divides
/// (an empty window gives 0).
#[inline(always)]
pub fn rounded_average(sum: i32, count: i32) -> i32 {
    if count <= 0 {
        0
    } else if sum > 0 {
        (sum + count / 2) / count
    } else {
        (sum - count / 2) / count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pools_real_cells_only() {
        // 3x3, one channel, 2x2 windows, stride 2, padded bottom/right (same).
        let g = PoolGeometry {
            in_h: 3,
            in_w: 3,
            channels: 1,
            out_h: 2,
            out_w: 2,
            k_h: 2,
            k_w: 2,
            stride_h: 2,
            stride_w: 2,
            pad_top: 0,
            pad_left: 0,
        };
        let x = [1i8, 2, -3, 4, -5, 6, -7, 8, -9];
        let mut y = [0i8; 4];
        max_pool(&g, &x, -128, 127, &mut y);
        assert_eq!(y, [4, 6, 8, -9]);
        average_pool(&g, &x, -128, 127, &mut y);
        // (1+2+4-5)/4 = 0.5 -> 1; (-3+6)/2 = 1.5 -> 2; (-7+8)/2 -> 1; -9.
        assert_eq!(y, [1, 2, 1, -9]);
        assert_eq!(rounded_average(-3, 2), -2);
    }
}
