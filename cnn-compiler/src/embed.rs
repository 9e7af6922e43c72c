//! `weights = "file.safetensors"`: the file is read at compile time, every
//! tensor is checked against the plan, and the weights are laid out as the
//! generated struct's bytes so the model can live in read-only memory.

use crate::diag::{Diagnostic, Diagnostics};
use crate::plan::Plan;
use safetensors::tensor::{Dtype, SafeTensors};
use std::path::{Path, PathBuf};

/// Weights ready to embed.
pub struct EmbeddedWeights {
    /// The file, absolute, for `include_bytes!` (so cargo rebuilds when it changes).
    pub path: PathBuf,
    /// The generated struct's bytes: for each layer with weights, in order, its
    /// kernel then its bias (zeros without bias), little-endian f32.
    pub bytes: Vec<u8>,
}

/// The folder `weights` paths are relative to: the crate being compiled.
pub fn manifest_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from("."), PathBuf::from)
}

/// Reads and checks the plan's weights file, relative to `base`; `None` (with
/// diagnostics) if it cannot be embedded, or if the plan has none.
pub fn load(plan: &Plan, base: &Path, diags: &mut Diagnostics) -> Option<EmbeddedWeights> {
    let weights = plan.weights.as_ref()?;
    let path = base.join(&weights.value);
    let shown = &weights.value;
    let file_error = |message: String| {
        Diagnostic::new(weights.loc, message)
            .note(format!("resolved to {}", path.display()))
            .help("the path is relative to the crate's Cargo.toml (CARGO_MANIFEST_DIR)")
    };
    // A regular file no larger than the model's weights can need (every value
    // as f64, the format's largest header): never a FIFO or /dev/zero.
    let limit = plan.params() * 8 + 100_000_000 + (1 << 20);
    match std::fs::metadata(&path) {
        Ok(m) if !m.is_file() => {
            diags.push(file_error(format!(
                "`{shown}` is not a regular file (a directory, a device or a FIFO)"
            )));
            return None;
        }
        Ok(m) if m.len() > limit => {
            diags.push(file_error(format!(
                "`{shown}` has {} bytes, more than this model's weights can need ({limit})",
                m.len()
            )));
            return None;
        }
        _ => {}
    }
    let raw = match std::fs::read(&path) {
        Ok(raw) => raw,
        Err(e) => {
            diags.push(file_error(format!(
                "cannot read weights file `{shown}`: {e}"
            )));
            return None;
        }
    };
    let file = match SafeTensors::deserialize(&raw) {
        Ok(file) => file,
        Err(e) => {
            diags.push(file_error(format!(
                "`{shown}` is not a valid safetensors file: {e}"
            )));
            return None;
        }
    };
    let before = diags.len();
    let mut bytes = Vec::with_capacity(plan.params() as usize * 4);
    let mut used = Vec::new();
    for layer in &plan.layers {
        for slot in layer.param_slots() {
            let (name, shape) = (&slot.name, &slot.shape);
            if !slot.present {
                // An unused slot (no bias, no gamma) still has its field.
                bytes.resize(bytes.len() + shape.iter().product::<usize>() * 4, 0);
                continue;
            }
            let Some(stored) = stored_name(&file, name) else {
                let mut present = file.names();
                present.sort();
                diags.push(
                    Diagnostic::new(
                        layer.loc,
                        format!(
                            "`{shown}` has no tensor `{name}` (shape {shape:?}) for layer `{}`",
                            layer.name
                        ),
                    )
                    .note(format!("the file has: {}", present.join(", "))),
                );
                bytes.resize(bytes.len() + shape.iter().product::<usize>() * 4, 0);
                continue;
            };
            used.push(stored.clone());
            let found = file.tensor(&stored).expect("the name is in the file");
            if found.shape() != shape.as_slice() {
                diags.push(Diagnostic::new(
                    layer.loc,
                    format!(
                        "`{shown}`: tensor `{name}` has shape {:?}, but layer `{}` needs {shape:?}",
                        found.shape(),
                        layer.name
                    ),
                ));
                continue;
            }
            if !append_f32(found.dtype(), found.data(), &mut bytes) {
                diags.push(Diagnostic::new(
                    layer.loc,
                    format!("`{shown}`: tensor `{name}` has element type {:?}; supported: F32, F16, BF16, F64", found.dtype()),
                ));
                continue;
            }
        }
    }
    let mut extra: Vec<&str> = file
        .names()
        .into_iter()
        .filter(|n| !used.iter().any(|u| u == n))
        .collect();
    extra.sort();
    for name in extra {
        diags.push(
            Diagnostic::new(
                weights.loc,
                format!("`{shown}` has a tensor `{name}` that no layer uses"),
            )
            .help("tensors are named `{layer}.kernel` and `{layer}.bias` after Keras' layer names"),
        );
    }
    (diags.len() == before).then(|| EmbeddedWeights {
        path: absolute(&path),
        bytes,
    })
}

/// The file's name for tensor `name`: `name` itself or, as Keras 3 names a
/// Sequential model's variables, `{model}.{name}` (one prefix, the same for
/// every tensor of the file).
fn stored_name(file: &SafeTensors<'_>, name: &str) -> Option<String> {
    if file.tensor(name).is_ok() {
        return Some(name.to_string());
    }
    let names = file.names();
    let prefix = model_prefix(&names)?;
    let prefixed = format!("{prefix}.{name}");
    file.tensor(&prefixed).is_ok().then_some(prefixed)
}

/// The model-name prefix every tensor of a Keras 3 Sequential export shares.
fn model_prefix(names: &[&str]) -> Option<String> {
    let first = names.first()?;
    let (prefix, _) = first.split_once('.')?;
    names
        .iter()
        .all(|n| {
            n.strip_prefix(prefix)
                .is_some_and(|r| r.starts_with('.') && r[1..].contains('.'))
        })
        .then(|| prefix.to_string())
}

fn absolute(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Converts to little-endian f32 and appends; `false` for an unsupported dtype.
fn append_f32(dtype: Dtype, data: &[u8], out: &mut Vec<u8>) -> bool {
    match dtype {
        Dtype::F32 => out.extend_from_slice(data),
        Dtype::F64 => out.extend(data.chunks_exact(8).flat_map(|c| {
            (f64::from_le_bytes(c.try_into().expect("8 bytes")) as f32).to_le_bytes()
        })),
        Dtype::F16 => out.extend(data.chunks_exact(2).flat_map(|c| {
            half::f16::from_le_bytes([c[0], c[1]])
                .to_f32()
                .to_le_bytes()
        })),
        Dtype::BF16 => out.extend(data.chunks_exact(2).flat_map(|c| {
            half::bf16::from_le_bytes([c[0], c[1]])
                .to_f32()
                .to_le_bytes()
        })),
        _ => return false,
    }
    true
}
