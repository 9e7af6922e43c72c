//! Runtime of the `cnn` compiler, and the one dependency a user needs: it
//! re-exports the [`cnn!`] macro.
//!
//! ```
//! use cnn_runtime::cnn;
//!
//! cnn! {
//!     /// A digit classifier.
//!     pub struct Mnist;
//!     input(28, 28, 1);
//!     Conv2D(32, 3x3, relu)  MaxPool(2)
//!     Conv2D(32, 3x3, relu)  MaxPool(2)
//!     Flatten  Dense(128, relu)  Dense(10, softmax)
//! }
//!
//! assert_eq!(Mnist::INPUT_SHAPE, [28, 28, 1]);
//! assert_eq!(Mnist::OUTPUT_SHAPE, &[10]);
//! assert_eq!(Mnist::PARAMS, 113_386);
//! assert!(Mnist::summary().contains("│ conv2d_1 (Conv2D)               │ (None, 11, 11, 32)     │         9,248 │"));
//!
//! let model = Mnist::zeroed(); // weights: see `Model::load_with`
//! let digit = [[[0.0f32; 1]; 28]; 28];
//! let probabilities: [f32; 10] = model.forward(&digit);
//! assert!((probabilities.iter().sum::<f32>() - 1.0).abs() < 1e-6);
//! ```
//!
//! Features: `std` (default) and `alloc` add heap constructors (`zeroed()`);
//! without them the crate is `#![no_std]` and allocation-free. `reference`
//! adds the ndarray reference implementation.
#![no_std]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

// Generated code names runtime items as `::cnn_runtime::...`; this makes that
// path resolve inside this crate's own tests and doctests too.
extern crate self as cnn_runtime;

pub mod activation;
#[cfg(feature = "std")]
pub mod batch;
pub mod int8;
pub mod kernels;
pub mod memory;
mod model;
pub mod params;
pub mod profile;
#[cfg(feature = "reference")]
pub mod reference;
pub mod simd;
#[cfg(feature = "std")]
pub mod weights;

#[cfg(feature = "std")]
pub use batch::ForwardBatch;
pub use cnn_macros::{cnn, cnn_keras, include_keras, include_tflite};
pub use memory::{Plain, Scratch, Zeroable};
pub use model::{LayerInfo, Model, TensorSpec, STACK_SCRATCH_LIMIT};
/// The ndarray version batches are given in (feature `ndarray`).
#[cfg(feature = "ndarray")]
pub use ndarray;
pub use params::{
    BatchNormParams, Conv2DParams, Conv2DTransposeParams, DenseParams, DepthwiseConv2DParams,
    LayerNormParams, LayerScaleParams, NormalizationParams, SeparableConv2DParams,
};
#[cfg(feature = "std")]
pub use weights::{WeightFiles, WeightsError, WeightsErrorKind};

/// The macros and the traits a model's methods come from:
/// `use cnn_runtime::prelude::*;` and every method of a generated model is in
/// scope ([`Model`], with `std` also [`WeightFiles`] and [`ForwardBatch`]).
pub mod prelude {
    pub use crate::int8::Int8Model;
    pub use crate::{cnn, cnn_keras, include_keras, include_tflite, Model};
    #[cfg(feature = "std")]
    pub use crate::{ForwardBatch, WeightFiles};
}

/// Items generated code needs, under a path that is the same with and without `std`.
#[cfg(feature = "alloc")]
#[doc(hidden)]
pub mod __private {
    pub use alloc::boxed::Box;
}

/// Expands to its input when the runtime has the `alloc` feature, else to
/// nothing: lets generated code offer heap constructors only where they exist.
#[cfg(feature = "alloc")]
#[doc(hidden)]
#[macro_export]
macro_rules! __if_alloc {
    ($($tokens:tt)*) => { $($tokens)* };
}

#[cfg(not(feature = "alloc"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __if_alloc {
    ($($tokens:tt)*) => {};
}

/// The inherent heap constructor of a generated model (with the runtime's
/// `alloc` feature): generated code calls this once per model. File loaders
/// and batches are methods of [`WeightFiles`] and [`ForwardBatch`].
#[doc(hidden)]
#[macro_export]
macro_rules! __heap_api {
    ($model:ident) => {
        $crate::__if_alloc! {
            impl $model {
                /// A model with every weight zero, built on the heap in place.
                pub fn zeroed() -> $crate::__private::Box<Self> {
                    <Self as $crate::Model>::zeroed()
                }
            }
        }
    };
}

/// Compiles the README's Rust code blocks as doctests, so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
