//! Front-ends: ways of writing a model down, each producing a [`crate::spec::ModelSpec`].

pub(crate) mod args;
pub mod dsl;
pub mod include;
pub mod keras_json;
pub mod keras_py;
pub mod keras_text;
pub mod python;
pub(crate) mod value;

/// What an input dimension of `None` (a size Keras leaves open, as sequence and
/// fully convolutional models do) is told: the generated code has every size
/// fixed at compile time.
pub(crate) const UNKNOWN_SIZE: &str = "a dimension of unknown size (None): every size must be \
    known at compile time, as the generated code's arrays are fixed; for a fully convolutional \
    model, give the size it will run at, e.g. `keras.Input(shape=(96, 96, 3))`";
