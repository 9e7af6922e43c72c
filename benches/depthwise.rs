//! Depthwise convolutions are memory-bound: each input value is read for a
//! few multiply-adds. This bench runs the graph fixtures' depthwise layers
//! (their shapes, random values) and reports bytes per second: the bytes the
//! layer must move at least (its input and kernel read, its output written),
//! beside a plain copy that reads and writes as many bytes, in the same run.
//! The ratio of the two is how close the kernel comes to the machine's
//! bandwidth at that working-set size (L1, L2).
//!
//! `cargo bench --bench depthwise` (pin it: `taskset -c 1 cargo bench ...`).

use cnn_runtime::activation::Relu;
use cnn_runtime::kernels::depthwise::depthwise_conv2d;
use criterion::{BenchmarkId, Criterion, Throughput};
use std::hint::black_box;

/// Deterministic values in [-1, 1).
fn values(n: usize, seed: u32) -> Vec<f32> {
    (0..n as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) ^ seed) % 1000)
        .map(|v| v as f32 / 500.0 - 1.0)
        .collect()
}

/// A boxed array of values.
fn boxed<T: cnn_runtime::memory::Plain + cnn_runtime::memory::Zeroable>(seed: u32) -> Box<T> {
    let mut b: Box<T> = cnn_runtime::memory::zeroed_box();
    let flat = cnn_runtime::memory::flat_mut(&mut *b);
    flat.copy_from_slice(&values(flat.len(), seed));
    b
}

/// Benchmarks one depthwise layer (3x3, multiplier 1, ReLU) and a copy of
/// the same bytes, both as bytes per second.
macro_rules! layer {
    ($c:expr, $name:literal, $h:literal x $w:literal x $ch:literal, stride $s:literal,
     pad [$pt:literal, $pb:literal, $pl:literal, $pr:literal] -> $oh:literal x $ow:literal) => {{
        let input: Box<[[[f32; $ch]; $w]; $h]> = boxed(1);
        let kernel: Box<[[[[f32; 1]; $ch]; 3]; 3]> = boxed(2);
        let bias: Box<[[f32; 1]; $ch]> = boxed(3);
        let mut output: Box<[[[[f32; 1]; $ch]; $ow]; $oh]> = boxed(4);
        let bytes = 4 * ($h * $w * $ch + 9 * $ch + $ch + $oh * $ow * $ch) as u64;
        let mut group = $c.benchmark_group("depthwise");
        group.throughput(Throughput::Bytes(bytes));
        group.bench_function(BenchmarkId::new($name, "kernel"), |b| {
            b.iter(|| {
                depthwise_conv2d::<
                    $h,
                    $w,
                    $ch,
                    1,
                    3,
                    3,
                    $s,
                    $s,
                    1,
                    1,
                    $pt,
                    $pb,
                    $pl,
                    $pr,
                    $oh,
                    $ow,
                    _,
                >(black_box(&input), &kernel, Some(&*bias), Relu, &mut output)
            })
        });
        // Half the bytes read, half written, as the layer roughly does.
        let source = values((bytes / 8) as usize, 5);
        let mut target = vec![0.0f32; source.len()];
        group.bench_function(BenchmarkId::new($name, "copy"), |b| {
            b.iter(|| target.copy_from_slice(black_box(&source)))
        });
        group.finish();
    }};
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    // MobileNetV1-VWW (alpha 0.25, 96x96): the first, a strided and the
    // last stride-1 shapes.
    layer!(c, "mobilenet_48x48x8", 48 x 48 x 8, stride 1, pad [1, 1, 1, 1] -> 48 x 48);
    layer!(c, "mobilenet_48x48x16_s2", 48 x 48 x 16, stride 2, pad [0, 1, 0, 1] -> 24 x 24);
    layer!(c, "mobilenet_24x24x32", 24 x 24 x 32, stride 1, pad [1, 1, 1, 1] -> 24 x 24);
    layer!(c, "mobilenet_6x6x128", 6 x 6 x 128, stride 1, pad [1, 1, 1, 1] -> 6 x 6);
    // DS-CNN: 64 channels on a 25x5 map.
    layer!(c, "dscnn_25x5x64", 25 x 5 x 64, stride 1, pad [1, 1, 1, 1] -> 25 x 5);
    c.final_summary();
}
