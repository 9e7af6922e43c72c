//! Buffers and views: the static memory plan's scratch space, typed views of
//! it, and zero-initialised construction on the heap without a stack copy.
//!
//! Zeroed values come from bytemuck ([`Zeroable`], [`zeroed_box`],
//! [`zeroed_vec`]: allocated zeroed, never built on the stack). What bytemuck
//! does not cover stays here: [`Plain`] says "made of f32 only" (tensors and
//! parameter blocks), [`Weights`] says the same of a model struct (large,
//! deliberately not `Copy`, so not `bytemuck::Pod`, and aligned to a cache
//! line), which lets its embedded bytes be read in place; and views whose
//! sizes are checked at compile time (a map as a prefix of an arena, regions
//! at constant offsets).

/// A zeroed `T` allocated directly on the heap: nothing the size of `T` is
/// ever on the stack, so 100 MB models build in a thread with a 2 MiB stack.
#[cfg(feature = "alloc")]
pub use bytemuck::allocation::zeroed_box;
/// `n` zeroed values of `T` in a vector, allocated zeroed: no value passes
/// through the stack, however large `T` is.
#[cfg(feature = "alloc")]
pub use bytemuck::allocation::zeroed_vec;
/// Types for which all-zero bytes are a valid value (0.0 for every float):
/// bytemuck's, implemented by every generated model and parameter block.
pub use bytemuck::Zeroable;

/// Types whose every value is made of `f32`s only: `f32` and (nested) arrays of
/// it. Their alignment is `f32`'s, they have no padding, and every bit pattern
/// is a valid value.
///
/// # Safety
/// Implement only for types with exactly those properties.
pub unsafe trait Plain: Sized {}

// SAFETY: f32 itself.
unsafe impl Plain for f32 {}
// SAFETY: an array of Plain has its element's alignment, no padding between
// elements, and is valid for any bits valid for each element.
unsafe impl<T: Plain, const N: usize> Plain for [T; N] {}

/// The buffer `buf` seen as the tensor type `T`: a scratch buffer `[f32; N]` as
/// a feature map `[[[f32; 32]; 26]; 26]`, or a map as a flat vector. `T` must
/// fit in `S`: a larger one does not compile.
#[inline(always)]
pub fn view<T: Plain, S: Plain>(buf: &S) -> &T {
    const { assert!(core::mem::size_of::<T>() <= core::mem::size_of::<S>()) }
    // SAFETY: `T` and `S` are both made of f32s only (`Plain`), so `buf` is
    // aligned for `T` and any bits in it are a valid `T`; `T` fits in `S`
    // (asserted at compile time); the shared borrow of `buf` is carried over.
    unsafe { &*(buf as *const S).cast::<T>() }
}

/// [`view`], mutable.
#[inline(always)]
pub fn view_mut<T: Plain, S: Plain>(buf: &mut S) -> &mut T {
    const { assert!(core::mem::size_of::<T>() <= core::mem::size_of::<S>()) }
    // SAFETY: as in `view`; the unique borrow of `buf` is carried over.
    unsafe { &mut *(buf as *mut S).cast::<T>() }
}

/// All values of a tensor, row-major.
#[inline(always)]
pub fn flat<T: Plain>(tensor: &T) -> &[f32] {
    let len = core::mem::size_of::<T>() / core::mem::size_of::<f32>();
    // SAFETY: `T: Plain` is exactly `len` contiguous, initialised f32s; the
    // shared borrow of `tensor` is carried over.
    unsafe { core::slice::from_raw_parts((tensor as *const T).cast::<f32>(), len) }
}

/// [`flat`], mutable.
#[inline(always)]
pub fn flat_mut<T: Plain>(tensor: &mut T) -> &mut [f32] {
    let len = core::mem::size_of::<T>() / core::mem::size_of::<f32>();
    // SAFETY: as in `flat`; the unique borrow of `tensor` is carried over.
    unsafe { core::slice::from_raw_parts_mut((tensor as *mut T).cast::<f32>(), len) }
}

/// The first `LEN` values of a buffer as a flat array.
#[inline(always)]
pub fn prefix_mut<const LEN: usize, S: Plain>(buf: &mut S) -> &mut [f32; LEN] {
    view_mut(buf)
}

/// Bytes aligned to a cache line: weights embedded at compile time, laid out
/// as the model's own bytes.
#[repr(C, align(64))]
pub struct Embedded<const N: usize>(pub [u8; N]);

/// Types made of `f32`s only, with no implicit padding, every bit pattern a
/// valid value and an alignment of at most 64 bytes: generated models (whose
/// structs are aligned to a cache line) and `f32` arrays. Their bytes can be
/// embedded ([`embedded`]).
///
/// # Safety
/// Implement only for types with exactly those properties.
pub unsafe trait Weights: Sized {}

// SAFETY: an f32 array is f32s only, with f32's alignment.
unsafe impl<const N: usize> Weights for [f32; N] {}

/// A model (or an f32 array) whose bytes are embedded in the binary: no copy,
/// the weights stay in read-only memory. The bytes are little-endian, so this
/// does not compile for a big-endian target.
#[inline]
pub fn embedded<T: Weights, const N: usize>(bytes: &'static Embedded<N>) -> &'static T {
    const {
        assert!(
            core::mem::size_of::<T>() == N,
            "the embedded bytes are the type's size"
        );
        assert!(
            core::mem::align_of::<T>() <= 64,
            "at most a cache line's alignment"
        );
        assert!(
            cfg!(target_endian = "little"),
            "embedded weights are little-endian"
        );
    }
    // SAFETY: `Embedded` is 64-aligned and `T: Weights` needs no more; the
    // sizes are equal (asserted above); any bits are a valid `T`; the bytes
    // are 'static.
    unsafe { &*(bytes as *const Embedded<N>).cast::<T>() }
}

/// Scratch space for `forward_into`: one arena of `N` values in which the
/// static memory plan places every intermediate tensor at a fixed offset
/// (a tensor's region is reused once no later layer reads it). Its size is a
/// compile-time constant (`Model::SCRATCH_BYTES`).
///
/// It starts on a cache line (64 bytes), as the memory plan's regions do
/// within it, so that the kernels' 16-lane loads and stores of a region do
/// not straddle two lines. (Unaligned, a MobileNet ran 20 % slower or not,
/// depending on where the heap or the stack happened to put the arena.)
#[derive(Clone, Debug)]
#[repr(C, align(64))]
pub struct Scratch<const N: usize> {
    values: [f32; N],
}

impl<const N: usize> Scratch<N> {
    /// Zeroed scratch, for a `static` or the stack.
    pub const fn new() -> Self {
        Scratch { values: [0.0; N] }
    }

    /// Zeroed scratch on the heap, built in place (for large activations).
    #[cfg(feature = "alloc")]
    pub fn boxed() -> alloc::boxed::Box<Self> {
        zeroed_box()
    }

    /// The arena the memory plan's offsets index.
    #[inline(always)]
    pub fn arena(&mut self) -> &mut [f32; N] {
        &mut self.values
    }
}

impl<const N: usize> Default for Scratch<N> {
    fn default() -> Self {
        Self::new()
    }
}

// SAFETY: one f32 array (and padding up to a multiple of 64 bytes, for
// which zero bytes are as valid as any).
unsafe impl<const N: usize> Zeroable for Scratch<N> {}

/// Values in a tensor type.
const fn values_of<T>() -> usize {
    core::mem::size_of::<T>() / core::mem::size_of::<f32>()
}

/// The tensor `T` stored at value offset `AT` of an arena; a region that does
/// not fit in the arena does not compile.
#[inline(always)]
pub fn at<T: Plain, const AT: usize, const N: usize>(arena: &[f32; N]) -> &T {
    const {
        assert!(
            AT + values_of::<T>() <= N,
            "the region lies inside the arena"
        )
    }
    // SAFETY: the region `AT..AT + len(T)` lies inside the arena (asserted at
    // compile time); `T` is made of f32s only (`Plain`), so the f32-aligned
    // pointer is aligned for it and any bits are a valid `T`; the shared
    // borrow of the arena is carried over.
    unsafe { &*arena.as_ptr().add(AT).cast::<T>() }
}

/// [`at`], mutable.
#[inline(always)]
pub fn at_mut<T: Plain, const AT: usize, const N: usize>(arena: &mut [f32; N]) -> &mut T {
    const {
        assert!(
            AT + values_of::<T>() <= N,
            "the region lies inside the arena"
        )
    }
    // SAFETY: as in `at`; the unique borrow of the arena is carried over.
    unsafe { &mut *arena.as_mut_ptr().add(AT).cast::<T>() }
}

/// A layer's input `I` at offset `AI` and its output `O` at offset `AO` of the
/// same arena, borrowed together. The two regions must be disjoint: regions
/// that overlap do not compile.
#[inline(always)]
pub fn read_write<I: Plain, const AI: usize, O: Plain, const AO: usize, const N: usize>(
    arena: &mut [f32; N],
) -> (&I, &mut O) {
    const {
        assert!(
            AI + values_of::<I>() <= N,
            "the input lies inside the arena"
        );
        assert!(
            AO + values_of::<O>() <= N,
            "the output lies inside the arena"
        );
        assert!(
            AI + values_of::<I>() <= AO || AO + values_of::<O>() <= AI,
            "input and output regions are disjoint"
        );
    }
    let base = arena.as_mut_ptr();
    // SAFETY: both regions lie inside the arena and do not overlap (asserted
    // at compile time), so the shared and the unique reference never alias;
    // both types are all-f32 (`Plain`): aligned, any bits valid. Both borrows
    // last as long as the unique borrow of the arena.
    unsafe { (&*base.add(AI).cast::<I>(), &mut *base.add(AO).cast::<O>()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_reinterpret_in_row_major_order() {
        let mut buf = [0.0f32; 14];
        let map: &mut [[[f32; 2]; 3]; 2] = view_mut(&mut buf);
        map[1][2][1] = 5.0;
        map[0][1][0] = 3.0;
        assert_eq!(buf[(3 + 2) * 2 + 1], 5.0);
        assert_eq!(buf[2], 3.0);
        let flat12: &[f32; 12] = view(&buf);
        assert_eq!(flat12[11], 5.0);
        let nested: &[[f32; 2]; 6] = view(view::<[[[f32; 2]; 3]; 2], _>(&buf));
        assert_eq!(nested[5][1], 5.0);
        let map: &[[[f32; 2]; 3]; 2] = view(&buf);
        assert_eq!(flat(map).len(), 12);
        assert_eq!(flat(map)[11], 5.0);
        flat_mut(view_mut::<[[f32; 2]; 7], _>(&mut buf))[13] = 9.0;
        assert_eq!(buf[13], 9.0);
        let z: [[f32; 3]; 2] = Zeroable::zeroed();
        assert_eq!(z, [[0.0; 3]; 2]);
        let first: &mut [f32; 3] = prefix_mut(&mut buf);
        first[0] = 1.0;
        assert_eq!(buf[0], 1.0);
    }

    #[test]
    fn embedded_bytes_are_read_in_place() {
        static BYTES: Embedded<8> = Embedded([0, 0, 128, 63, 0, 0, 0, 192]);
        let values: &'static [f32; 2] = embedded(&BYTES);
        assert_eq!(*values, [1.0, -2.0]);
        assert_eq!(values.as_ptr().cast::<u8>(), BYTES.0.as_ptr());
    }

    #[test]
    fn arena_regions_are_typed_views_at_their_offsets() {
        let mut scratch = Scratch::<20>::new();
        let arena = scratch.arena();
        at_mut::<[[f32; 2]; 3], 4, 20>(arena)[2][1] = 7.0;
        assert_eq!(arena[9], 7.0);
        let (x, y) = read_write::<[f32; 6], 4, [f32; 5], 12, 20>(arena);
        y[0] = x[5] + 1.0;
        assert_eq!(at::<[f32; 1], 12, 20>(arena)[0], 8.0);
        let (x, y) = read_write::<[f32; 4], 16, [f32; 4], 0, 20>(arena);
        y.copy_from_slice(x);
        assert_eq!(arena[..4], [0.0; 4]);
    }

    #[cfg(feature = "alloc")]
    #[test]
    fn zeroed_vecs_are_all_zero() {
        let maps = zeroed_vec::<[[f32; 3]; 2]>(5);
        assert_eq!(maps.len(), 5);
        assert!(maps.iter().all(|m| *m == [[0.0; 3]; 2]));
        assert!(zeroed_vec::<[f32; 4]>(0).is_empty());
    }

    #[cfg(feature = "alloc")]
    #[test]
    fn zeroed_box_is_all_zero() {
        let mut scratch = Scratch::<12>::boxed();
        assert!(scratch.arena().iter().all(|&x| x == 0.0));
        let big = zeroed_box::<[[f32; 100]; 100]>();
        assert!(big.as_flattened().iter().all(|&x| x == 0.0));
    }
}
