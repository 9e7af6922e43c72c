//! `forward` and `forward_into` never touch the heap, and never panic, even on
//! NaN and infinite inputs. A counting global allocator watches this thread.

use cnn_examples::fixture_dir;
use cnn_examples::models::SeedMnist as Mnist;
use cnn_runtime::{Model, WeightFiles};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    // Per thread, so that tests running in parallel do not count each other.
    static WATCHING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if WATCHING.try_with(Cell::get).unwrap_or(false) {
            let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        }
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Heap allocations made by `f` on this thread.
fn allocations_in(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    WATCHING.with(|w| w.set(true));
    f();
    WATCHING.with(|w| w.set(false));
    ALLOCATIONS.with(Cell::get) - before
}

// Every kind of layer and activation, in place and not.
cnn_runtime::cnn! {
    pub struct Everything;
    input(9, 7, 2);
    LeakyReLU
    Conv2D(4, (3, 2), strides = (2, 1), padding = same, use_bias = false, activation = tanh)
    Conv2D(4, 2x2, dilation = 2, activation = elu)
    AvgPool(2, strides = 1, padding = same)
    Activation(softmax)
    Dense(3, gelu)
    MaxPool(2, padding = same)
    Dropout(0.5)
    GlobalAvgPool
    Dense(5, swish)
    ReLU
    Dense(4, sigmoid)
    Softmax
}

fn probe_inputs<M: Model>() -> Vec<Box<M::Input>> {
    [
        0.0,
        1.0,
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::MAX,
        f32::MIN_POSITIVE,
    ]
    .into_iter()
    .map(|v| {
        let mut x = cnn_runtime::memory::zeroed_box::<M::Input>();
        for (i, slot) in cnn_runtime::memory::flat_mut(&mut *x)
            .iter_mut()
            .enumerate()
        {
            *slot = if i % 3 == 0 { v } else { 0.5 };
        }
        x
    })
    .collect()
}

fn forward_allocates_nothing<M: Model>(model: &M) {
    let inputs = probe_inputs::<M>();
    let mut scratch = cnn_runtime::memory::zeroed_box::<M::Scratch>();
    let count = allocations_in(|| {
        for x in &inputs {
            let _ = model.forward(x);
            let _ = model.forward_into(x, &mut scratch);
        }
    });
    assert_eq!(count, 0, "forward allocated");
}

#[test]
fn the_seed_model_never_allocates_nor_panics() {
    let model = Mnist::from_safetensors_file(fixture_dir("seed_mnist").join("weights.safetensors"))
        .unwrap();
    forward_allocates_nothing(&*model);
    // A finite input still gives probabilities.
    let out = model.forward(&probe_inputs::<Mnist>()[1]);
    assert!((out.iter().sum::<f32>() - 1.0).abs() < 1e-5);
}

#[test]
fn every_layer_kind_never_allocates_nor_panics() {
    let mut model = Everything::zeroed();
    let mut k = 0.0f32;
    model
        .load_with(|_, values| {
            for v in values {
                k += 0.37;
                *v = k.sin() * 0.5;
            }
            Ok::<(), ()>(())
        })
        .unwrap();
    forward_allocates_nothing(&*model);
}

#[test]
fn the_counter_sees_allocations() {
    assert_eq!(allocations_in(|| drop(vec![1u8; 16])), 1);
}
