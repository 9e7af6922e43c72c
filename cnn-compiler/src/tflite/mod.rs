//! TensorFlow Lite files: `.tflite` models, int8 and float32, read at
//! compile time and generated as code (`include_tflite!`).

pub mod read;
