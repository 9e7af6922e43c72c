//! What every `cnnc` test needs: a path in the repository, and `cnnc` run.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `path`, relative to the repository's root.
pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

/// `cnnc` with `args`, run to the end.
pub fn cnnc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cnnc"))
        .args(args)
        .output()
        .expect("cnnc runs")
}
