//! int8 `FULLY_CONNECTED`, per-channel or per-tensor quantized.

use super::{dot, Requantize};

multiversion! {
/// `output[o] = requantize(bias[o] + Σ_i w[o][i] * x[i])`: `weights` are
/// (out, in) as TensorFlow Lite stores them, `bias` has `-zp_in * Σ w` folded
/// in. `input.len()` is `in`, `output.len()` is `out`. The accumulators are
/// requantized with one rounding: TensorFlow Lite 2.21's reference kernel
/// does so for this operator (measured: two roundings differ from it by one
/// unit on ties, in the ResNet-8 and DS-CNN fixtures).
pub fn fully_connected(
    input: &[i8],
    weights: &[i8],
    bias: &[i32],
    rq: &Requantize,
    output: &mut [i8],
) {
    let n = input.len();
    if n == 0 || weights.len() < n * output.len() || bias.len() < output.len() || !rq.covers(output.len()) {
        return;
    }
    for (o, (y, w)) in output.iter_mut().zip(weights.chunks_exact(n)).enumerate() {
        *y = rq.apply_single_rounding(bias[o] + dot(w, input), o);
    }
}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_and_requantizes_per_channel() {
        let x = [1i8, -2, 3];
        let w = [1i8, 1, 1, -1, 2, 0];
        // Σ (x - zp) * w: [0 - 3 + 2, 0 - 6 + 0] = [-1, -6]; folded bias 10 - zp * Σ w.
        let bias = [10 - 3, 10 - 1];
        let (m, s) = (1 << 30, 0); // 0.5
        let rq = Requantize {
            multiplier: &[m, m],
            shift: &[s, s],
            zero_point: 0,
            min: -128,
            max: 127,
        };
        let mut y = [0i8; 2];
        fully_connected(&x, &w, &bias, &rq, &mut y);
        assert_eq!(y, [5, 2]); // 9 * 0.5 = 4.5 -> 5; 4 * 0.5 = 2
    }
}
