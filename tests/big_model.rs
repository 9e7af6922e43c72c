//! A model whose weights (a 5000x5000 Dense layer, 100 MB) could never live on a
//! stack is built in place on the heap and runs in a thread with a 2 MiB stack.

cnn_runtime::cnn! {
    pub struct Wide;
    input(1, 1, 5000);
    Flatten
    Dense(5000, relu)
}

#[test]
fn a_100_mb_model_builds_and_runs_with_a_2_mib_stack() {
    assert_eq!(Wide::PARAMS, 5000 * 5000 + 5000);
    let worker = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| {
            let mut model = Wide::zeroed();
            // W = identity, b = 1: y = relu(x + 1).
            use cnn_runtime::Model;
            let kernel = model.tensor_mut(0).expect("dense.kernel");
            for i in 0..5000 {
                kernel[i * 5000 + i] = 1.0;
            }
            model.tensor_mut(1).expect("dense.bias").fill(1.0);
            let mut input = cnn_runtime::memory::zeroed_box::<[[[f32; 5000]; 1]; 1]>();
            for (i, v) in input[0][0].iter_mut().enumerate() {
                *v = i as f32 - 2500.0;
            }
            let output = model.forward(&input);
            (output[0], output[2499], output[4999])
        })
        .expect("spawn");
    assert_eq!(
        worker.join().expect("no stack overflow"),
        (0.0, 0.0, 2500.0)
    );
}

// 224x224x64 maps: 25.7 MB of scratch, far beyond the stack.
cnn_runtime::cnn! {
    pub struct Maps224;
    input(224, 224, 3);
    Conv2D(64, 3x3, padding = same, activation = relu)
    Conv2D(64, 3x3, padding = same, activation = relu)
    GlobalAvgPool
    Dense(10, softmax)
}

/// `forward` on a model whose scratch would overflow a thread's stack puts
/// the scratch on the heap: it runs in a thread with a 2 MiB stack.
#[test]
fn forward_on_a_large_model_keeps_the_stack_small() {
    const { assert!(Maps224::SCRATCH_BYTES > 25_000_000) };
    let probabilities = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| {
            let model = Maps224::zeroed();
            let input = cnn_runtime::memory::zeroed_box::<[[[f32; 3]; 224]; 224]>();
            model.forward(&input)
        })
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(probabilities, [0.1; 10]);
}

// A 224x224x8 map as the output: 1.6 MB, returned only through `forward_into`
// or the batch functions.
cnn_runtime::cnn! {
    pub struct MapOut;
    input(224, 224, 3);
    Conv2D(8, 3x3, padding = same)
}

/// Batches of large maps go through the heap, never the stack: inputs of
/// 600 KB and outputs of 1.6 MB in a thread with a 256 KiB stack.
#[test]
fn batches_of_large_maps_keep_the_stack_small() {
    use cnn_runtime::{ForwardBatch, Model};
    std::thread::Builder::new()
        .stack_size(256 << 10)
        .spawn(|| {
            let model = Maps224::zeroed();
            let inputs = cnn_runtime::memory::zeroed_vec::<[[[f32; 3]; 224]; 224]>(3);
            let outputs = model.forward_batch(&inputs);
            assert_eq!(outputs, vec![[0.1f32; 10]; 3]);
            let batch = cnn_runtime::ndarray::Array4::<f32>::zeros((2, 224, 224, 3));
            let probabilities = model.forward_ndarray(batch.view()).unwrap();
            assert_eq!(probabilities.shape(), &[2, 10]);

            let mut maps = MapOut::zeroed();
            maps.tensor_mut(1).unwrap().fill(0.5); // the bias
            let out = maps.forward_batch(&inputs[..1]);
            assert!(cnn_runtime::memory::flat(&out[0]).iter().all(|&v| v == 0.5));
        })
        .unwrap()
        .join()
        .unwrap();
}
