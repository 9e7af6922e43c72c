//! Weight files, format by format, and what every format shares: which stored
//! tensor fills which tensor of a model (by Keras name, with Keras 3's
//! `{model}.` prefix), the checks on shapes and element types, and the
//! conversion to f32. The runtime's loaders (`cnn_runtime::WeightFiles`) and
//! the compiler's `weights = "..."` embedding both go through this crate, so
//! a file loads at run time exactly when it embeds at compile time.
//!
//! ```
//! use cnn_weights::{matching, safetensors_file, Wanted};
//!
//! # let bytes = safetensors_file::write(&[("dense.kernel", &[2, 1][..], &[0.5f32, -1.0][..])]);
//! let stored = safetensors_file::read(&bytes)?;
//! let wanted = [Wanted { name: "dense.kernel", shape: &[2, 1] }];
//! let order = matching::check(&wanted, &stored).map_err(|p| p[0].to_string())?;
//! let mut kernel = [0.0f32; 2];
//! stored[order[0]].values.copy_to(&mut kernel);
//! assert_eq!(kernel, [0.5, -1.0]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod file;
pub mod matching;
pub mod safetensors_file;
mod values;

pub use matching::{Problem, Stored, Wanted};
pub use values::Values;
