//! Front-ends: ways of writing a model down, each producing a [`crate::spec::ModelSpec`].

mod args;
pub mod dsl;
mod value;
