//! `weights = "file.safetensors"`: the file is read at compile time, every
//! tensor is checked against the plan, and the weights are laid out as the
//! generated struct's bytes so the model can live in read-only memory.

use crate::diag::{Diagnostic, Diagnostics};
use crate::plan::{ParamSlot, Plan, PlannedLayer};
use cnn_weights::file::FileError;
use cnn_weights::matching::{self, Problem, Wanted};
use cnn_weights::safetensors_file;
use std::path::{Path, PathBuf};

/// Weights ready to embed.
pub struct EmbeddedWeights {
    /// The file, absolute, for `include_bytes!` (so cargo rebuilds when it
    /// changes); `None` for code written to a file (`cnnc -o`), which must
    /// not name a path of the machine that generated it.
    pub path: Option<PathBuf>,
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
    // A regular file no larger than the model's weights can need: never a
    // FIFO or /dev/zero (the same check as the runtime's loaders).
    let limit = cnn_weights::file::max_bytes(plan.params());
    match cnn_weights::file::check(&path, limit) {
        Err(FileError::Io(_)) | Ok(()) => {} // `read` says why it cannot read
        Err(e) => {
            diags.push(file_error(format!("`{shown}`: {e}")));
            return None;
        }
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
    let stored = match safetensors_file::read(&raw) {
        Ok(stored) => stored,
        Err(e) => {
            diags.push(file_error(format!(
                "`{shown}` is not a valid safetensors file: {e}"
            )));
            return None;
        }
    };
    // Every slot with a tensor, and the layer it belongs to.
    let slots: Vec<(&PlannedLayer, ParamSlot)> = plan
        .layers
        .iter()
        .flat_map(|layer| {
            layer
                .param_slots()
                .into_iter()
                .map(move |slot| (layer, slot))
        })
        .collect();
    // The slots the file must fill, and the same as the matching sees them.
    let present: Vec<&(&PlannedLayer, ParamSlot)> =
        slots.iter().filter(|(_, s)| s.present).collect();
    let wanted: Vec<Wanted<'_>> = present
        .iter()
        .map(|(_, slot)| Wanted {
            name: &slot.name,
            shape: &slot.shape,
        })
        .collect();
    let order = match matching::check(&wanted, &stored) {
        Ok(order) => order,
        Err(problems) => {
            let mut unused = Vec::new();
            for problem in problems {
                let Some((layer, slot)) = problem.wanted().map(|i| present[i]) else {
                    if let Problem::Unexpected { name } = problem {
                        unused.push(name);
                    }
                    continue;
                };
                diags.push(slot_problem(shown, layer, slot, &problem));
            }
            unused.sort();
            for name in unused {
                diags.push(
                    Diagnostic::new(
                        weights.loc,
                        format!("`{shown}` has a tensor `{name}` that no layer uses"),
                    )
                    .help("tensors are named `{layer}.kernel` and `{layer}.bias` after Keras' layer names"),
                );
            }
            return None;
        }
    };
    let mut bytes = Vec::with_capacity(plan.params() as usize * 4);
    let mut next = order.iter();
    for (_, slot) in &slots {
        match slot.present.then(|| next.next()).flatten() {
            Some(&s) => stored[s].values.append_f32_le(&mut bytes),
            // An unused slot (no bias, no gamma) still has its field.
            None => bytes.resize(bytes.len() + slot.shape.iter().product::<usize>() * 4, 0),
        }
    }
    Some(EmbeddedWeights {
        path: Some(absolute(&path)),
        bytes,
    })
}

/// The diagnostic, on the layer, for a tensor of the file that cannot fill it.
fn slot_problem(
    shown: &str,
    layer: &PlannedLayer,
    slot: &ParamSlot,
    problem: &Problem,
) -> Diagnostic {
    let (name, shape) = (&slot.name, &slot.shape);
    match problem {
        Problem::Missing {
            present, stored, ..
        } => {
            let mut note = String::from("the file has");
            let _ = matching::write_names(&mut note, present, *stored);
            Diagnostic::new(
                layer.loc,
                format!(
                    "`{shown}` has no tensor `{name}` (shape {shape:?}) for layer `{}`",
                    layer.name
                ),
            )
            .note(note)
        }
        Problem::WrongShape { found, .. } => Diagnostic::new(
            layer.loc,
            format!(
                "`{shown}`: tensor `{name}` has shape {found:?}, but layer `{}` needs {shape:?}",
                layer.name
            ),
        ),
        other => Diagnostic::new(layer.loc, format!("`{shown}`: {other}")),
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}
