//! The seed MNIST model, measured beside the two yardsticks issue 6 names:
//! the ndarray reference implementation on the same weights and input, and the
//! CPU's own fp32 FMA peak (measured here, by `peak.rs`).
//!
//! `cargo bench --bench seed` prints criterion's figures, then one table with
//! every figure as GFLOP/s, % of peak and ratio to the reference.
//! `cargo bench --bench seed -- batch1` runs one part (criterion's filter).

mod peak;
mod reference_seed;
mod report;

use cnn_examples::{fixture_dir, models::SeedMnist};
use cnn_runtime::kernels::{conv, dense, pool, small_conv};
use cnn_runtime::{activation, Conv2DParams, DenseParams, ForwardBatch, Model, WeightFiles};
use criterion::{BenchmarkId, Criterion, Throughput};
use report::Figure;
use std::hint::black_box;

type Image = <SeedMnist as Model>::Input;

fn main() {
    let dir = fixture_dir("seed_mnist");
    let model = SeedMnist::from_safetensors_file(dir.join("weights.safetensors"))
        .expect("the seed weights are in fixtures/");
    let images = cnn_examples::seed_digits(256).expect("the digits are in fixtures/");
    let reference = reference_seed::ReferenceSeed::new(&model);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());

    let mut c = Criterion::default().configure_from_args();
    let mut figures = report::Figures::default();

    peak::bench(&mut c, threads, &mut figures);
    whole_model(&mut c, &model, &reference, &images, threads, &mut figures);
    layers(&mut c, &model, &images[0], &mut figures);

    c.final_summary();
    figures.print(threads);
}

fn whole_model(
    c: &mut Criterion,
    model: &SeedMnist,
    reference: &reference_seed::ReferenceSeed,
    images: &[Image],
    threads: usize,
    figures: &mut report::Figures,
) {
    let flops = SeedMnist::FLOPS;
    let batch = images.len() as u64;

    let mut group = c.benchmark_group("seed");
    group.throughput(Throughput::Elements(1));
    let mut scratch = SeedMnist::new_scratch();
    group.bench_function(BenchmarkId::new("batch1", "ours"), |b| {
        figures.ran("seed/batch1/ours");
        b.iter(|| *model.forward_into(black_box(&images[0]), &mut scratch))
    });
    group.bench_function(BenchmarkId::new("batch1", "reference"), |b| {
        figures.ran("seed/batch1/reference");
        b.iter(|| reference.forward(black_box(&images[0])))
    });

    group.throughput(Throughput::Elements(batch));
    let one_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a one-thread pool");
    group.bench_function(BenchmarkId::new("batch256_1thread", "ours"), |b| {
        figures.ran("seed/batch256_1thread/ours");
        b.iter(|| one_thread.install(|| model.forward_batch(black_box(images))))
    });
    group.bench_function(BenchmarkId::new("batch256_all_threads", "ours"), |b| {
        figures.ran("seed/batch256_all_threads/ours");
        b.iter(|| model.forward_batch(black_box(images)))
    });
    group.sample_size(10);
    group.bench_function(BenchmarkId::new("batch256_all_threads", "reference"), |b| {
        figures.ran("seed/batch256_all_threads/reference");
        b.iter(|| reference.forward_batch(black_box(images)))
    });
    group.finish();

    figures.add(Figure::per_image(
        "batch 1, 1 thread",
        "seed/batch1",
        1,
        flops,
        1,
    ));
    figures.add(Figure::per_image(
        "batch 256, 1 thread",
        "seed/batch256_1thread",
        batch,
        flops,
        1,
    ));
    figures.add(Figure::per_image(
        "batch 256, all threads",
        "seed/batch256_all_threads",
        batch,
        flops,
        threads,
    ));
}

/// Each layer alone on its real input (the activations of a real digit).
fn layers(c: &mut Criterion, model: &SeedMnist, image: &Image, figures: &mut report::Figures) {
    let conv1: Box<Conv2DParams<3, 3, 1, 32>> = params(model, 0);
    let conv2: Box<Conv2DParams<3, 3, 32, 32>> = params(model, 2);
    let dense1: Box<DenseParams<800, 128>> = params(model, 4);
    let dense2: Box<DenseParams<128, 10>> = params(model, 6);

    let mut a1 = Box::new([[[0.0f32; 32]; 26]; 26]);
    let mut p1 = Box::new([[[0.0f32; 32]; 13]; 13]);
    let mut a2 = Box::new([[[0.0f32; 32]; 11]; 11]);
    let mut p2 = Box::new([[[0.0f32; 32]; 5]; 5]);
    let mut d1 = [0.0f32; 128];
    let mut d2 = [0.0f32; 10];
    // What the model runs: the small-window kernel, compiled for these sizes.
    let run_conv1 = |x: &Image, y: &mut [[[f32; 32]; 26]; 26]| {
        small_conv::conv2d_small(
            x,
            &conv1.kernel,
            Some(&conv1.bias),
            activation::Relu,
            y,
            small_conv::Strides::<1, 1>,
        )
    };
    // The shared kernel on the same layer, for comparison.
    let run_conv1_shared = |x: &Image, y: &mut [[[f32; 32]; 26]; 26]| {
        conv::conv2d::<28, 28, 1, 32, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0, 26, 26, _>(
            x,
            &conv1.kernel,
            Some(&conv1.bias),
            activation::Relu,
            y,
        )
    };
    let run_pool1 = |x: &[[[f32; 32]; 26]; 26], y: &mut [[[f32; 32]; 13]; 13]| {
        pool::pool2d::<26, 26, 32, 2, 2, 2, 2, 0, 0, 0, 0, 13, 13>(pool::PoolOp::Max, x, y)
    };
    let run_conv2 = |x: &[[[f32; 32]; 13]; 13], y: &mut [[[f32; 32]; 11]; 11]| {
        conv::conv2d::<13, 13, 32, 32, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0, 11, 11, _>(
            x,
            &conv2.kernel,
            Some(&conv2.bias),
            activation::Relu,
            y,
        )
    };
    let run_pool2 = |x: &[[[f32; 32]; 11]; 11], y: &mut [[[f32; 32]; 5]; 5]| {
        pool::pool2d::<11, 11, 32, 2, 2, 2, 2, 0, 0, 0, 0, 5, 5>(pool::PoolOp::Max, x, y)
    };
    let run_dense1 = |x: &[f32; 800], y: &mut [f32; 128]| {
        dense::dense(x, &dense1.kernel, Some(&dense1.bias), activation::Relu, y)
    };
    let run_dense2 = |x: &[f32; 128], y: &mut [f32; 10]| {
        dense::dense(x, &dense2.kernel, Some(&dense2.bias), activation::Linear, y)
    };
    // Real activations for every layer's input.
    run_conv1(image, &mut a1);
    run_pool1(&a1, &mut p1);
    run_conv2(&p1, &mut a2);
    run_pool2(&a2, &mut p2);
    let flat: [f32; 800] = p2.as_flattened().as_flattened().try_into().unwrap();
    run_dense1(&flat, &mut d1);
    run_dense2(&d1, &mut d2);

    let reference = reference_seed::ReferenceLayers::new(model, image);
    let mut group = c.benchmark_group("layers");
    group.throughput(Throughput::Elements(1));
    macro_rules! layer {
        ($name:literal, $ours:expr, $reference:expr) => {
            group.bench_function(BenchmarkId::new($name, "ours"), |b| {
                figures.ran(concat!("layers/", $name, "/ours"));
                b.iter(|| $ours)
            });
            group.bench_function(BenchmarkId::new($name, "reference"), |b| {
                figures.ran(concat!("layers/", $name, "/reference"));
                b.iter(|| $reference)
            });
        };
    }
    layer!(
        "conv1",
        run_conv1(black_box(image), &mut a1),
        reference.conv1()
    );
    group.bench_function(BenchmarkId::new("conv1", "shared_kernel"), |b| {
        figures.ran("layers/conv1/shared_kernel");
        b.iter(|| run_conv1_shared(black_box(image), &mut a1))
    });
    layer!(
        "pool1",
        run_pool1(black_box(&a1), &mut p1),
        reference.pool1()
    );
    layer!(
        "conv2",
        run_conv2(black_box(&p1), &mut a2),
        reference.conv2()
    );
    layer!(
        "pool2",
        run_pool2(black_box(&a2), &mut p2),
        reference.pool2()
    );
    layer!(
        "dense1",
        run_dense1(black_box(&flat), &mut d1),
        reference.dense1()
    );
    layer!(
        "dense2",
        run_dense2(black_box(&d1), &mut d2),
        reference.dense2()
    );
    group.finish();

    for info in SeedMnist::LAYERS {
        let id = match info.name {
            "conv2d" => "conv1",
            "max_pooling2d" => "pool1",
            "conv2d_1" => "conv2",
            "max_pooling2d_1" => "pool2",
            "dense" => "dense1",
            "dense_1" => "dense2",
            _ => continue,
        };
        figures.add(Figure::layer(id, info.flops));
    }
}

/// A copy of one layer's parameters, read back through the model's tensors
/// (the generated struct keeps its fields private).
fn params<P: cnn_runtime::Plain + cnn_runtime::Zeroable>(
    model: &SeedMnist,
    first_tensor: usize,
) -> Box<P> {
    let mut p = cnn_runtime::memory::zeroed_box::<P>();
    let kernel = model.tensor(first_tensor).expect("kernel");
    let bias = model.tensor(first_tensor + 1).expect("bias");
    let flat = cnn_runtime::memory::flat_mut(&mut *p);
    flat[..kernel.len()].copy_from_slice(kernel);
    flat[kernel.len()..].copy_from_slice(bias);
    p
}
