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
