//! TensorFlow Lite files: `.tflite` models, read at compile time and
//! generated as code (`include_tflite!`). [`read::read`] turns the flatbuffer
//! into tensors and operators, [`fold`] evaluates the constant shape
//! arithmetic, [`lower::lower`] checks every operator and computes what its
//! int8 kernel reads, and [`codegen`] writes the model type.

pub mod codegen;
pub mod codegen_float;
pub mod fold;
pub mod include;
pub mod lower;
pub mod memory;
pub mod pack;
pub mod plot;
pub mod quant;
pub mod read;
pub mod summary;
