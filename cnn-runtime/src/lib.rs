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
//! ```
#![no_std]

#[cfg(feature = "std")]
extern crate std;

// Generated code names runtime items as `::cnn_runtime::...`; this makes that
// path resolve inside this crate's own tests and doctests too.
extern crate self as cnn_runtime;

mod model;

pub use cnn_macros::cnn;
pub use model::LayerInfo;

/// Compiles the README's Rust code blocks as doctests, so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
