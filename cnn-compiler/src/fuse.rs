//! Which layers the generated code runs inside the convolution before them:
//! a BatchNormalization folds into the convolution's epilogue (its sums are
//! scaled and shifted per channel before they are stored), and an activation
//! layer after either runs in the convolution's kernel (or in the pass of a
//! residual `Add` written over its operand). Keras' MobileNets,
//! ResNets and DS-CNNs are built of `Conv2D(use_bias=False)`,
//! `BatchNormalization`, `Activation('relu')` triples; fused, each triple is
//! one pass over memory instead of three.
//!
//! A layer is taken over only when nothing else can see the tensor it reads:
//! that tensor has no other reader, is not the model's output, and the memory
//! plan already has the layer overwrite it in place (so every tensor keeps
//! its region and the plan is unchanged).

use crate::memory::MemoryPlan;
use crate::plan::{Op, Pad, Plan};
use crate::spec::Activation;

/// What a convolution (or Dense) layer runs for the layers after it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Fusion {
    /// The BatchNormalization layer folded into the sums.
    pub batch_norm: Option<usize>,
    /// The activation layer's function, run by the kernel.
    pub activation: Option<Activation>,
}

/// The fusions of a whole model.
#[derive(Clone, Debug, PartialEq)]
pub struct Fusions {
    /// Per layer, what it runs for later layers.
    pub by_layer: Vec<Fusion>,
    /// Per layer, whether an earlier layer runs it (it emits no code).
    pub absorbed: Vec<bool>,
}

/// Finds every fusion in `plan`.
pub fn fusions(plan: &Plan, memory: &MemoryPlan) -> Fusions {
    let n = plan.layers.len();
    let readers = readers(plan);
    // The layer that overwrites tensor `t` in place and is all that sees it.
    let sole_reader = |t: usize| -> Option<usize> {
        match readers[t].as_slice() {
            &[j] if !plan.outputs.contains(&t) && memory.tensors[t] == memory.tensors[j + 1] => {
                Some(j)
            }
            _ => None,
        }
    };
    let mut fusions = Fusions {
        by_layer: vec![Fusion::default(); n],
        absorbed: vec![false; n],
    };
    for (i, layer) in plan.layers.iter().enumerate() {
        let folds_batch_norm = match layer.op {
            Op::Conv2D { activation, .. } => activation == Activation::Linear,
            Op::DepthwiseConv2D {
                activation,
                multiplier,
                ..
            } => activation == Activation::Linear && multiplier == 1,
            _ => false,
        };
        let runs_activation = match layer.op {
            Op::Conv2D { activation, .. }
            | Op::DepthwiseConv2D { activation, .. }
            | Op::Dense { activation, .. } => activation == Activation::Linear,
            // A sum written over one of its operands (a residual
            // connection) runs the activation after it in the same pass.
            Op::Add => memory.overwritten_operand(i, layer).is_some(),
            _ => false,
        };
        if !runs_activation || fusions.absorbed[i] {
            continue;
        }
        let mut fusion = Fusion::default();
        let mut last = i; // the last layer taken over so far
        if let Some(j) = sole_reader(i + 1) {
            if folds_batch_norm && matches!(plan.layers[j].op, Op::BatchNorm { .. }) {
                fusion.batch_norm = Some(j);
                last = j;
            }
        }
        if let Some(k) = sole_reader(last + 1) {
            match plan.layers[k].op {
                Op::Activation(f) if f != Activation::Linear && !f.per_vector() => {
                    fusion.activation = Some(f);
                    last = k;
                }
                _ => {}
            }
        }
        if let Some(j) = fusion.batch_norm {
            fusions.absorbed[j] = true;
        }
        if fusion.activation.is_some() {
            fusions.absorbed[last] = true;
        }
        fusions.by_layer[i] = fusion;
    }
    fusions
}

/// Per layer, for a ZeroPadding2D that the convolution reading its output
/// takes over as padding of its own, that convolution's operation with the
/// padding added: the convolution then reads the unpadded tensor, its
/// windows leave out the zeros (no padded copy is written, a whole pass over
/// memory saved: Keras' ResNets and MobileNetV2 pad this way before their
/// strided convolutions). Only where nothing else reads the padded tensor,
/// and where every side's padding stays smaller than the window (as
/// TensorFlow's `same` padding is), so that every window keeps a real input.
pub fn folded_paddings(plan: &Plan) -> Vec<Option<Op>> {
    let readers = readers(plan);
    (0..plan.layers.len())
        .map(|i| {
            let Op::ZeroPadding2D(extra) = plan.layers[i].op else {
                return None;
            };
            let (&[j], false) = (readers[i + 1].as_slice(), plan.outputs.contains(&(i + 1))) else {
                return None;
            };
            if plan.layers[j].inputs.len() != 1 {
                return None;
            }
            padded_convolution(&plan.layers[j].op, extra)
        })
        .collect()
}

/// Per tensor, the layers that read it, in order.
fn readers(plan: &Plan) -> Vec<Vec<usize>> {
    let mut readers = vec![Vec::new(); plan.layers.len() + 1];
    for (i, layer) in plan.layers.iter().enumerate() {
        for operand in &layer.inputs {
            readers[operand.tensor].push(i);
        }
    }
    readers
}

/// A convolution's operation with `extra` padding added to its own, if it
/// is one that takes padding (Conv2D, DepthwiseConv2D) and every side stays
/// smaller than its (dilated) window.
pub fn padded_convolution(op: &Op, extra: Pad) -> Option<Op> {
    let mut op = op.clone();
    let (Op::Conv2D {
        kernel,
        dilation,
        pad,
        ..
    }
    | Op::DepthwiseConv2D {
        kernel,
        dilation,
        pad,
        ..
    }) = &mut op
    else {
        return None;
    };
    let span = |k: usize, d: usize| (k - 1) * d + 1;
    let (h, w) = (span(kernel.h, dilation.h), span(kernel.w, dilation.w));
    *pad = Pad {
        top: pad.top + extra.top,
        bottom: pad.bottom + extra.bottom,
        left: pad.left + extra.left,
        right: pad.right + extra.right,
    };
    (pad.top < h && pad.bottom < h && pad.left < w && pad.right < w).then_some(op)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::plan_memory;

    fn fused(source: &str) -> Fusions {
        let plan = crate::compile(source.parse().expect("tokens")).expect("compiles");
        fusions(&plan, &plan_memory(&plan))
    }

    #[test]
    fn a_convolution_takes_over_the_padding_before_it() {
        let plan = crate::compile(
            "struct M; input(9, 9, 2);
             ZeroPadding2D(1) Conv2D(4, 3x3, strides = 2)
             ZeroPadding2D(((0, 1), (0, 1))) DepthwiseConv2D(3x3, strides = 2)
             ZeroPadding2D(3) Conv2D(4, 3x3)
             ZeroPadding2D(1) MaxPool(2)"
                .parse()
                .expect("tokens"),
        )
        .expect("compiles");
        // Padding 3 is not smaller than a 3x3 window, and pooling is not a
        // convolution: both keep their padding layers.
        let folded = folded_paddings(&plan);
        assert_eq!(
            folded.iter().map(Option::is_some).collect::<Vec<_>>(),
            [true, false, true, false, false, false, false, false]
        );
        assert_eq!(folded[2], Some(fuse_pad(&plan, 2, 3)));
        let Op::DepthwiseConv2D { pad, .. } = fuse_pad(&plan, 2, 3) else {
            panic!("a depthwise convolution");
        };
        assert_eq!(
            pad,
            Pad {
                top: 0,
                bottom: 1,
                left: 0,
                right: 1
            }
        );
    }

    fn fuse_pad(plan: &Plan, padding: usize, conv: usize) -> Op {
        let Op::ZeroPadding2D(extra) = plan.layers[padding].op else {
            panic!("a padding layer");
        };
        padded_convolution(&plan.layers[conv].op, extra).expect("folds")
    }

    #[test]
    fn a_conv_takes_over_its_batch_norm_and_relu() {
        let f = fused(
            "struct M; input(8, 8, 3);
             Conv2D(8, 3x3, use_bias = false) BatchNorm Activation(relu)
             DepthwiseConv2D(3x3) BatchNorm Activation(relu)
             Flatten Dense(4) Activation(relu)",
        );
        assert_eq!(
            f.by_layer[0],
            Fusion {
                batch_norm: Some(1),
                activation: Some(Activation::Relu)
            }
        );
        assert_eq!(f.by_layer[3].batch_norm, Some(4));
        assert_eq!(f.by_layer[7].activation, Some(Activation::Relu));
        assert_eq!(
            f.absorbed,
            [false, true, true, false, true, true, false, false, true]
        );
    }

    #[test]
    fn a_residual_sum_takes_over_its_activation() {
        let source = "struct M; input(8, 8, 4);
             a = Conv2D(4, 3x3, relu, padding = same);
             b = Conv2D(4, 3x3, padding = same)(a) BatchNorm;
             Add(a, b) Activation(relu)
             c = Conv2D(4, 1x1);
             Add(c, c) Activation(relu)";
        let plan = crate::compile(source.parse().expect("tokens")).expect("compiles");
        let memory = plan_memory(&plan);
        let f = fusions(&plan, &memory);
        // The sum is written over `a` (both operands end there; the first
        // is taken), and runs the relu; `c + c` has no operand to write
        // over, so its relu is a pass of its own.
        assert_eq!(memory.tensors[4], memory.tensors[1]);
        assert_eq!(f.by_layer[3].activation, Some(Activation::Relu));
        assert_eq!(f.by_layer[6], Fusion::default());
        assert_eq!(
            f.absorbed,
            [false, false, true, false, true, false, false, false]
        );
    }

    #[test]
    fn nothing_is_fused_that_another_layer_sees() {
        // The first conv has its own activation; the second's output is
        // also read by Add; softmax stays a pass of its own. The last
        // BatchNorm, the model's output, is written by the conv before it.
        let f = fused(
            "struct M; input(8, 8, 4);
             a = Conv2D(4, 3x3, relu, padding = same) BatchNorm;
             b = Conv2D(4, 1x1)(a);
             c = BatchNorm()(b);
             Add(b, c) Conv2D(4, 3x3) Activation(softmax)
             Conv2D(4, 1x1) BatchNorm",
        );
        assert_eq!(
            f.absorbed,
            [false, false, false, false, false, false, false, false, true],
            "{f:?}"
        );
        assert_eq!(f.by_layer[7].batch_norm, Some(8));
    }
}
