//! Front-ends: ways of writing a model down, each producing a [`crate::spec::ModelSpec`].

pub(crate) mod args;
pub mod dsl;
pub mod include;
pub mod keras_json;
pub mod keras_py;
pub mod keras_text;
pub(crate) mod value;
