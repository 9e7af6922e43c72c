//! The CPU's fp32 FMA peak, measured by criterion beside the model, so every
//! other figure can be printed as a share of it (`benches/fma_peak.rs`).

use super::report::Figures;
use criterion::{BenchmarkId, Criterion, Throughput};

// Shared with benches/peers, which also uses `Width::available`.
#[allow(dead_code)]
#[path = "../fma_peak.rs"]
mod fma_peak;
use fma_peak::Width;

pub fn bench(c: &mut Criterion, threads: usize, figures: &mut Figures) {
    let width = Width::widest();
    let mut group = c.benchmark_group("peak");
    group.throughput(Throughput::Elements(width.flops()));
    group.bench_function(BenchmarkId::new("fma", "1core"), |b| {
        figures.ran("peak/fma/1core");
        b.iter(|| width.run())
    });
    group.throughput(Throughput::Elements(width.flops() * threads as u64));
    group.bench_function(BenchmarkId::new("fma", "all_cores"), |b| {
        figures.ran("peak/fma/all_cores");
        b.iter(|| {
            std::thread::scope(|s| {
                let runs: Vec<_> = (0..threads).map(|_| s.spawn(|| width.run())).collect();
                runs.into_iter()
                    .map(|r| r.join().expect("no panic"))
                    .sum::<f32>()
            })
        })
    });
    group.finish();
    figures.set_peak(width.name(), width.flops(), width.flops() * threads as u64);
}
