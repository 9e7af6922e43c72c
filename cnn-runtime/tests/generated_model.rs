//! A small generated model through every memory path of the generated code
//! (input copy, ping-pong buffers, in-place activations, views of one buffer as
//! maps and vectors). Small enough to run under Miri, which checks the unsafe
//! views: `cargo +nightly miri test -p cnn-runtime --lib --test generated_model`.

use cnn_runtime::Model;

cnn_runtime::cnn! {
    pub struct Small;
    input(5, 4, 2);
    ReLU
    Conv2D(3, 2x2, padding = same, activation = relu)
    MaxPool(2, padding = same)
    Dense(2, leaky_relu)
    Flatten
    Dense(3, softmax)
}

// A graph through every new path: depthwise and separable convolutions, the
// three BatchNorm variants, zero padding, rescaling, a reshape, branches merged
// by Add and Concatenate, ReLU with options, an in-place and a copying
// element-wise layer.
cnn_runtime::cnn! {
    pub struct Graph;
    input(36);
    Reshape((6, 6, 1)) Rescaling(0.5, offset = -0.25)
    x = ZeroPadding2D(((1, 0), (0, 1))) Conv2D(4, 3x3, use_bias = false) BatchNormalization;
    a = DepthwiseConv2D(2x2, depth_multiplier = 2, padding = same, activation = relu)(x)
        BatchNormalization(center = false);
    b = SeparableConv2D(8, 3x3, padding = same)(x) BatchNormalization(scale = false);
    y = Conv2D(8, 1x1)(x);
    s = Add(a, b, y) ReLU(max_value = 1.5, negative_slope = 0.1, threshold = 0.05);
    Concatenate(s, x) GlobalAvgPool Dense(3, softmax)
}

/// Weights in -0.9..0.9, with variances kept positive for BatchNorm.
fn fill<M: Model>(model: &mut M) {
    let mut step = 0u32;
    model
        .load_with(|spec, values| {
            for v in values {
                step += 1;
                let x = ((step * 37 % 19) as f32 - 9.0) / 10.0;
                *v = if spec.name.ends_with("moving_variance") {
                    x.abs() + 0.5
                } else {
                    x
                };
            }
            Ok::<(), ()>(())
        })
        .unwrap();
}

#[test]
fn a_graph_runs_and_forward_into_agrees() {
    let mut model = Graph::zeroed();
    fill(&mut *model);
    let input: [f32; 36] = core::array::from_fn(|i| (i as f32 - 12.0) / 9.0);
    let out = model.forward(&input);
    let mut scratch = Graph::new_scratch();
    assert_eq!(*model.forward_into(&input, &mut scratch), out);
    assert!((out.iter().sum::<f32>() - 1.0).abs() < 1e-6);
    assert!(out.iter().all(|p| p.is_finite() && *p > 0.0));
    assert_eq!(Graph::INPUT_SHAPE, &[36]);
    let names: Vec<&str> = Graph::TENSORS.iter().map(|t| t.name).collect();
    assert!(names.contains(&"separable_conv2d.pointwise_kernel"));
    assert!(names.contains(&"batch_normalization_1.gamma"));
    assert!(!names.contains(&"batch_normalization_1.beta"));
    assert!(!names.contains(&"batch_normalization_2.gamma"));
}

fn model() -> Box<Small> {
    let mut model = Small::zeroed();
    let mut step = 0u32;
    model
        .load_with(|_, values| {
            for v in values {
                step += 1;
                *v = ((step * 37 % 19) as f32 - 9.0) / 10.0;
            }
            Ok::<(), ()>(())
        })
        .unwrap();
    model
}

#[test]
fn forward_and_forward_into_agree_and_give_probabilities() {
    let model = model();
    let mut input = [[[0.0f32; 2]; 4]; 5];
    for (i, v) in cnn_runtime::memory::flat_mut(&mut input)
        .iter_mut()
        .enumerate()
    {
        *v = (i as f32 - 20.0) / 7.0;
    }
    let out = model.forward(&input);
    let mut scratch = Small::new_scratch();
    assert_eq!(*model.forward_into(&input, &mut scratch), out);
    assert!((out.iter().sum::<f32>() - 1.0).abs() < 1e-6);
    assert!(out.iter().all(|p| *p > 0.0));
    assert_eq!(
        Small::SCRATCH_BYTES,
        core::mem::size_of::<<Small as Model>::Scratch>()
    );
}

#[test]
fn tensors_are_listed_in_keras_names_and_layouts() {
    let names: Vec<&str> = Small::TENSORS.iter().map(|t| t.name).collect();
    assert_eq!(
        names,
        [
            "conv2d.kernel",
            "conv2d.bias",
            "dense.kernel",
            "dense.bias",
            "dense_1.kernel",
            "dense_1.bias"
        ]
    );
    assert_eq!(Small::TENSORS[0].shape, &[2, 2, 2, 3]);
    // Dense on the 3x2x3 map acts on channels: kernel (3, 2); after Flatten 12 → 3.
    assert_eq!(Small::TENSORS[2].shape, &[3, 2]);
    assert_eq!(Small::TENSORS[4].shape, &[12, 3]);
    let model = model();
    for (i, spec) in Small::TENSORS.iter().enumerate() {
        assert_eq!(model.tensor(i).unwrap().len(), spec.len());
    }
    assert!(model.tensor(Small::TENSORS.len()).is_none());
}

// The layers Keras' applications and decoders added: an adapted
// Normalization, grouped, depthwise-as-Conv2D and transposed convolutions,
// bilinear upsampling, LayerNormalization, LayerScale, a log-softmax op; and
// several outputs (a generated struct of them).
cnn_runtime::cnn! {
    pub struct Decoder;
    input(4, 4, 4, name = "image");
    x = Normalization Conv2D(4, 3x3, padding = same, groups = 2)
        Conv2D(8, 3x3, padding = same, groups = 4) LayerNormalization LayerScale(1e-6, 8);
    up = Conv2DTranspose(2, 3x3, strides = 2, padding = same)(x)
        UpSampling2D(interpolation = bilinear);
    label = GlobalAvgPool()(x) Dense(3) LogSoftmax;
    output(label, up);
}

// Two inputs, read by name: the generated inputs struct.
cnn_runtime::cnn! {
    pub struct TwoInputs;
    input(3, name = "meta");
    input(2, 2, 1, name = "image");
    x = Flatten()(image);
    Concatenate(x, meta) Dense(2)
}

// A sequence through the 1-D layers.
cnn_runtime::cnn! {
    pub struct Sequence;
    input(12, 2);
    Conv1D(4, 3, padding = causal, dilation_rate = 2) MaxPool1D Conv1D(3, 2, strides = 2)
}

#[test]
fn several_outputs_and_the_new_layers_run_and_forward_into_agrees() {
    let mut model = Decoder::zeroed();
    fill(&mut *model);
    let input: [[[f32; 4]; 4]; 4] = core::array::from_fn(|y| {
        core::array::from_fn(|x| core::array::from_fn(|c| (y * 4 + x + c) as f32 / 8.0 - 1.0))
    });
    let out: DecoderOutputs = model.forward(&input);
    let mut scratch = cnn_runtime::Scratch::boxed();
    assert_eq!(model.forward_into(&input, &mut scratch), &out);
    // log-softmax: the probabilities sum to one.
    let sum: f32 = out.log_softmax.iter().map(|x| x.exp()).sum();
    assert!((sum - 1.0).abs() < 1e-5, "{sum}");
    assert!(out
        .up_sampling2d
        .as_flattened()
        .as_flattened()
        .iter()
        .all(|v| v.is_finite()));

    let mut two = TwoInputs::zeroed();
    fill(&mut *two);
    let inputs = TwoInputsInputs {
        meta: [0.5, -1.0, 2.0],
        image: [[[1.0], [0.0]], [[-1.0], [0.25]]],
    };
    let out = two.forward(&inputs);
    assert_eq!(
        two.forward_into(&inputs, &mut cnn_runtime::Scratch::boxed()),
        &out
    );

    let mut sequence = Sequence::zeroed();
    fill(&mut *sequence);
    let steps: [[f32; 2]; 12] = core::array::from_fn(|i| [i as f32 / 6.0 - 1.0, 0.5]);
    let out: [[f32; 3]; 3] = sequence.forward(&steps);
    assert_eq!(
        sequence.forward_into(&steps, &mut cnn_runtime::Scratch::boxed()),
        &out
    );
}
