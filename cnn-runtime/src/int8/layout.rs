//! Operators that move values: `PAD` (with the zero point, or 0.0 in
//! float32) and `CONCATENATION` along the last axis (inputs and output
//! quantized alike), for int8 and float32 maps alike.

/// `PAD` of a `[h, w, c]` map (batch 1) by `before`/`after` cells on each of
/// the three axes, with `value` (the output's zero point).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PadParams<T> {
    pub input: [usize; 3],
    pub before: [usize; 3],
    pub after: [usize; 3],
    pub value: T,
}

pub fn pad<T: Copy>(p: &PadParams<T>, input: &[T], output: &mut [T]) {
    let [h, w, c] = p.input;
    let ow = w + p.before[1] + p.after[1];
    let oc = c + p.before[2] + p.after[2];
    let oh = h + p.before[0] + p.after[0];
    if input.len() < h * w * c || output.len() < oh * ow * oc {
        return;
    }
    output.fill(p.value);
    for y in 0..h {
        for x in 0..w {
            let from = &input[(y * w + x) * c..][..c];
            let at = ((y + p.before[0]) * ow + x + p.before[1]) * oc + p.before[2];
            output[at..at + c].copy_from_slice(from);
        }
    }
}

/// `CONCATENATION` on the last axis: each input holds `outer` runs of its
/// own width; the output's runs are their widths' sum.
pub fn concatenate<T: Copy>(outer: usize, inputs: &[&[T]], output: &mut [T]) {
    let widths = inputs
        .iter()
        .map(|x| x.len().checked_div(outer).unwrap_or(0));
    let total: usize = widths.clone().sum();
    if output.len() < outer * total {
        return;
    }
    for o in 0..outer {
        let mut at = o * total;
        for (x, width) in inputs.iter().zip(widths.clone()) {
            output[at..at + width].copy_from_slice(&x[o * width..][..width]);
            at += width;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pads_and_concatenates() {
        let p = PadParams {
            input: [1, 2, 1],
            before: [1, 0, 0],
            after: [0, 1, 0],
            value: -1,
        };
        let mut y = [0i8; 6];
        pad(&p, &[5, 6], &mut y);
        assert_eq!(y, [-1, -1, -1, 5, 6, -1]);
        let mut y = [0i8; 6];
        concatenate(2, &[&[1, 2], &[3, 4, 5, 6]], &mut y);
        assert_eq!(y, [1, 3, 4, 2, 5, 6]);
    }
}
