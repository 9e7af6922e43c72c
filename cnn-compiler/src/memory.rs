//! The static memory plan: every tensor of a checked model gets a region of
//! one scratch arena, decided at compile time from the tensors' lifetimes. A
//! region is reused once no later layer reads the tensor in it; a layer's
//! output never shares memory with what it reads, except element-wise layers
//! that overwrite an input no later layer reads; Flatten, Reshape and Dropout
//! are views of their input and cost nothing.

use crate::plan::{Op, OpMemory, Plan, PlannedLayer};

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
    /// Where the outputs are copied, one after the other, when they are not
    /// returned where they were computed: when the model's output is its
    /// input (a model of views only), or when it has several outputs (the
    /// generated outputs struct).
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

    /// For layer `i`, an `Add` whose sum the plan writes over one of its two
    /// operands ([`summed_in_place`]), that operand's index.
    pub fn overwritten_operand(&self, i: usize, layer: &PlannedLayer) -> Option<usize> {
        if layer.op != Op::Add || layer.inputs.len() != 2 {
            return None;
        }
        let out = self.tensors[i + 1];
        layer
            .inputs
            .iter()
            .position(|o| matches!(out, Location::Arena(_)) && self.tensors[o.tensor] == out)
    }
}

/// Places every tensor of `plan`, layer by layer in order: each at the
/// lowest offset clear of the tensors still to be read (first fit).
pub fn plan_memory(plan: &Plan) -> MemoryPlan {
    let n = plan.layers.len();
    // The last layer that reads each tensor; nothing outlives the output.
    let mut last_read = vec![0usize; n + 1];
    for (i, layer) in plan.layers.iter().enumerate() {
        for operand in &layer.inputs {
            last_read[operand.tensor] = last_read[operand.tensor].max(i);
        }
    }
    for &t in &plan.outputs {
        last_read[t] = usize::MAX;
    }

    // Per tensor, its region (an index of `arena.regions`) or `None` for
    // the input.
    let mut region_of: Vec<Option<usize>> = vec![None; n + 1];
    let mut arena = Arena::default();
    let mut temps = vec![None; n];
    let mut activations = 0usize;
    // A padding the next convolution takes over is a view of its input.
    let folded = crate::fuse::folded_paddings(plan);
    for (i, layer) in plan.layers.iter().enumerate() {
        let t = i + 1;
        arena.release_before(i);
        let source = layer.inputs.first().and_then(|o| region_of[o.tensor]);
        if let Some(r) = summed_in_place(layer, &region_of, &arena, i) {
            region_of[t] = Some(r);
            arena.extend(r, last_read[t]);
            activations += layer.output.len();
            continue;
        }
        let memory = if folded[i].is_some() {
            OpMemory::Alias
        } else {
            layer.op.memory()
        };
        match (memory, source) {
            (OpMemory::Alias, _) => {
                region_of[t] = source;
                if let Some(r) = source {
                    arena.extend(r, last_read[t]);
                }
                continue;
            }
            // Overwrites its input, which no later layer reads.
            (OpMemory::Elementwise, Some(r)) if arena.regions[r].until == i => {
                region_of[t] = source;
                arena.extend(r, last_read[t]);
                activations += layer.output.len();
                continue;
            }
            _ => {}
        }
        let len = layer.output.len();
        activations += len;
        region_of[t] = Some(arena.place(len, last_read[t]));
        if let Some(len) = layer.temp_len() {
            let r = arena.place(len, i);
            temps[i] = Some(arena.regions[r].start);
        }
    }
    let mut output_copy = None;
    if plan.several_outputs() || region_of[plan.outputs[0]].is_none() {
        // Only views: the output is the caller's input, copied out; or the
        // outputs, side by side (they stay alive, so this is clear of them).
        arena.release_before(usize::MAX);
        let r = arena.place(plan.output().len(), usize::MAX);
        output_copy = Some(arena.regions[r].start);
    }
    MemoryPlan {
        tensors: region_of
            .iter()
            .map(|r| r.map_or(Location::Input, |r| Location::Arena(arena.regions[r].start)))
            .collect(),
        temps,
        output_copy,
        // Whole cache lines: `Scratch` is 64-byte aligned, so its size is a
        // multiple of 64 bytes, and this keeps it exactly `SCRATCH_BYTES`.
        arena: arena.high_water.next_multiple_of(ALIGN),
        activations,
    }
}

/// The region an `Add` of two tensors of its own shape writes its sum over:
/// an operand's that no later layer reads (the residual connections of
/// ResNets: the block's last convolution is read only by the sum). One pass
/// instead of a copy and an addition; the sum is the same either way round.
fn summed_in_place(
    layer: &PlannedLayer,
    region_of: &[Option<usize>],
    arena: &Arena,
    i: usize,
) -> Option<usize> {
    let [a, b] = layer.inputs.as_slice() else {
        return None;
    };
    if layer.op != Op::Add || a.shape != layer.output || b.shape != layer.output {
        return None;
    }
    let (ra, rb) = (region_of[a.tensor], region_of[b.tensor]);
    if ra == rb {
        return None; // the same tensor twice, or both the model's input
    }
    [ra, rb]
        .into_iter()
        .flatten()
        .find(|&r| arena.regions[r].until == i)
}

/// A block of the arena, busy until the end of layer `until`.
#[derive(Clone, Copy, Debug)]
struct Region {
    start: usize,
    len: usize,
    until: usize,
}

/// The arena as the plan is made: the regions placed, the gaps between the
/// busy ones, and when each busy one is free again. Placing and freeing a
/// region costs a logarithm of the busy ones, plus the gaps too small for it
/// that lie below where it goes; a plan of N layers costs O(N log N) where
/// first fit over every region placed so far cost O(N^3) (a 10,000-way
/// fan-out took two minutes).
#[derive(Default)]
struct Arena {
    regions: Vec<Region>,
    /// The free space between busy regions, start → end (the last gap,
    /// above every busy region, ends at `usize::MAX`).
    gaps: std::collections::BTreeMap<usize, usize>,
    /// `(until, region)` of busy regions, the soonest free on top; an entry
    /// whose region was extended since is stale and skipped.
    busy: std::collections::BinaryHeap<std::cmp::Reverse<(usize, usize)>>,
    /// The end of the highest region placed.
    high_water: usize,
}

impl Arena {
    /// Places `len` values busy until layer `until`, at the lowest aligned
    /// offset of a gap that holds them; the region's index.
    fn place(&mut self, len: usize, until: usize) -> usize {
        if self.gaps.is_empty() && self.regions.is_empty() {
            self.gaps.insert(0, usize::MAX);
        }
        let id = self.regions.len();
        if len == 0 {
            // Nothing to keep apart: a region that takes no space.
            self.regions.push(Region {
                start: 0,
                len,
                until,
            });
            return id;
        }
        let (gap_start, gap_end, start) = self
            .gaps
            .iter()
            .map(|(&from, &to)| (from, to, from.next_multiple_of(ALIGN)))
            .find(|&(_, to, at)| at <= to && to - at >= len)
            .expect("the last gap is unbounded");
        self.gaps.remove(&gap_start);
        if start > gap_start {
            self.gaps.insert(gap_start, start);
        }
        if start + len < gap_end {
            self.gaps.insert(start + len, gap_end);
        }
        self.high_water = self.high_water.max(start + len);
        self.regions.push(Region { start, len, until });
        self.busy.push(std::cmp::Reverse((until, id)));
        id
    }

    /// Keeps region `r` busy until layer `until` at least.
    fn extend(&mut self, r: usize, until: usize) {
        if until > self.regions[r].until {
            self.regions[r].until = until;
            if self.regions[r].len > 0 {
                self.busy.push(std::cmp::Reverse((until, r)));
            }
        }
    }

    /// Frees every region no layer from `now` on reads.
    fn release_before(&mut self, now: usize) {
        while let Some(&std::cmp::Reverse((until, r))) = self.busy.peek() {
            if until >= now {
                break;
            }
            self.busy.pop();
            if self.regions[r].until != until {
                continue; // extended: a later entry frees it
            }
            let Region { start, len, .. } = self.regions[r];
            let (mut from, mut to) = (start, start + len);
            // Joins the gaps either side.
            if let Some((&before, &end)) = self.gaps.range(..start).next_back() {
                if end == start {
                    self.gaps.remove(&before);
                    from = before;
                }
            }
            if let Some(end) = self.gaps.remove(&to) {
                to = end;
            }
            self.gaps.insert(from, to);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plan as it was first written, the reference: first fit over every
    /// region placed so far (cubic in the layers, plainly right).
    fn reference_first_fit(regions: &[Region], now: usize, len: usize) -> usize {
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
                    .map(|r| (r.start + r.len).next_multiple_of(ALIGN)),
            )
            .collect();
        candidates.sort_unstable();
        candidates.into_iter().find(|&at| free(at)).unwrap_or(0)
    }

    #[test]
    fn the_arena_places_as_first_fit_over_all_regions_does() {
        let mut state = 0x9E37_79B9u32;
        let mut next = move |n: u32| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state % n) as usize
        };
        for _ in 0..300 {
            let mut arena = Arena::default();
            let mut reference: Vec<Region> = Vec::new();
            for now in 0..60 {
                arena.release_before(now);
                for _ in 0..next(4) {
                    let len = [0, 1, 15, 16, 17, 100, 1000][next(7)];
                    let until = now + next(6);
                    let start = reference_first_fit(&reference, now, len);
                    let r = arena.place(len, until);
                    if len > 0 {
                        assert_eq!(arena.regions[r].start, start);
                    }
                    reference.push(Region { start, len, until });
                }
                // Some tensors are read longer (views, in-place layers).
                if !reference.is_empty() && next(3) == 0 {
                    let r = next(reference.len() as u32);
                    if reference[r].until >= now {
                        let until = reference[r].until + next(5);
                        reference[r].until = until;
                        arena.extend(r, until);
                    }
                }
            }
        }
    }
}
