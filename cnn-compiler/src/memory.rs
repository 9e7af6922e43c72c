//! The static memory plan: every tensor of a checked model gets a region of
//! one scratch arena, decided at compile time from the tensors' lifetimes. A
//! region is reused once no later layer reads the tensor in it; a layer's
//! output never shares memory with what it reads, except element-wise layers
//! that overwrite an input no later layer reads; Flatten, Reshape and Dropout
//! are views of their input and cost nothing.

use crate::plan::{OpMemory, Plan};

/// Regions start at multiples of this many values (64 bytes: a cache line).
const ALIGN: usize = 16;

/// Where a tensor lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location {
    /// The caller's input, read in place.
    Input,
    /// The arena, from this value offset.
    Arena(usize),
}

/// The memory plan of a [`Plan`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemoryPlan {
    /// Per tensor (0 the input, `i + 1` layer `i`'s output).
    pub tensors: Vec<Location>,
    /// Per layer, the offset of the intermediate result a layer needs for
    /// itself (SeparableConv2D's depthwise step), if any.
    pub temps: Vec<Option<usize>>,
    /// When the model's output is its input (a model of views only): where
    /// the output is copied.
    pub output_copy: Option<usize>,
    /// Values in the arena, a multiple of 16 (whole cache lines):
    /// `SCRATCH_BYTES` is four times this.
    pub arena: usize,
    /// Values in all tensors the layers compute, as if each had its own
    /// memory: what the plan saves is the difference.
    pub activations: usize,
}

impl MemoryPlan {
    /// The arena offset of a tensor's values, for one in the arena.
    pub fn offset(&self, tensor: usize) -> Option<usize> {
        match self.tensors[tensor] {
            Location::Arena(at) => Some(at),
            Location::Input => None,
        }
    }
}

/// A block of the arena, busy until the end of layer `until`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Region {
    pub start: usize,
    pub len: usize,
    pub until: usize,
}

/// Places every tensor of `plan`, layer by layer in order: first fit among
/// the regions still to be read.
pub fn plan_memory(plan: &Plan) -> MemoryPlan {
    let n = plan.layers.len();
    // The last layer that reads each tensor; nothing outlives the output.
    let mut last_read = vec![0usize; n + 1];
    for (i, layer) in plan.layers.iter().enumerate() {
        for operand in &layer.inputs {
            last_read[operand.tensor] = last_read[operand.tensor].max(i);
        }
    }
    last_read[plan.output_tensor] = usize::MAX;

    // Per tensor, its region (an index of `regions`) or `None` for the input.
    let mut region_of: Vec<Option<usize>> = vec![None; n + 1];
    let mut regions: Vec<Region> = Vec::new();
    let mut temps = vec![None; n];
    let mut activations = 0usize;
    for (i, layer) in plan.layers.iter().enumerate() {
        let t = i + 1;
        let source = layer.inputs.first().and_then(|o| region_of[o.tensor]);
        match (layer.op.memory(), source) {
            (OpMemory::Alias, _) => {
                region_of[t] = source;
                if let Some(r) = source {
                    regions[r].until = regions[r].until.max(last_read[t]);
                }
                continue;
            }
            // Overwrites its input, which no later layer reads.
            (OpMemory::Elementwise, Some(r)) if regions[r].until == i => {
                region_of[t] = source;
                regions[r].until = last_read[t];
                activations += layer.output.len();
                continue;
            }
            _ => {}
        }
        let len = layer.output.len();
        activations += len;
        let start = first_fit(&regions, i, len, ALIGN);
        regions.push(Region {
            start,
            len,
            until: last_read[t],
        });
        region_of[t] = Some(regions.len() - 1);
        if let Some(len) = layer.temp_len() {
            let start = first_fit(&regions, i, len, ALIGN);
            regions.push(Region {
                start,
                len,
                until: i,
            });
            temps[i] = Some(start);
        }
    }
    let mut output_copy = None;
    if region_of[plan.output_tensor].is_none() {
        // Only views: the output is the caller's input, copied out.
        let start = first_fit(&regions, usize::MAX, plan.output().len(), ALIGN);
        regions.push(Region {
            start,
            len: plan.output().len(),
            until: usize::MAX,
        });
        output_copy = Some(start);
    }
    MemoryPlan {
        tensors: region_of
            .iter()
            .map(|r| r.map_or(Location::Input, |r| Location::Arena(regions[r].start)))
            .collect(),
        temps,
        output_copy,
        // Whole cache lines: `Scratch` is 64-byte aligned, so its size is a
        // multiple of 64 bytes, and this keeps it exactly `SCRATCH_BYTES`.
        arena: regions
            .iter()
            .map(|r| r.start + r.len)
            .max()
            .unwrap_or(0)
            .next_multiple_of(ALIGN),
        activations,
    }
}

/// The lowest offset, a multiple of `align`, where `len` units overlap no
/// region still to be read at layer `now` (values here; bytes for the int8
/// plans of `tflite::memory`).
pub(crate) fn first_fit(regions: &[Region], now: usize, len: usize, align: usize) -> usize {
    let live: Vec<&Region> = regions
        .iter()
        .filter(|r| r.until >= now && r.len > 0)
        .collect();
    let free = |at: usize| {
        live.iter()
            .all(|r| at + len <= r.start || r.start + r.len <= at)
    };
    let mut candidates: Vec<usize> = core::iter::once(0)
        .chain(
            live.iter()
                .map(|r| (r.start + r.len).next_multiple_of(align)),
        )
        .collect();
    candidates.sort_unstable();
    // The end of the last live region is always free.
    candidates.into_iter().find(|&at| free(at)).unwrap_or(0)
}
