//! The `model.summary()` table, drawn exactly as Keras 3 draws it.

use crate::names::printable;
use crate::plan::{Op, Plan};

/// Content widths of Keras' three columns (each cell adds a space either side).
const WIDTHS: [usize; 3] = [31, 22, 13];
/// Content widths of a graph's four columns, with `Connected to`.
const GRAPH_WIDTHS: [usize; 4] = [19, 17, 10, 17];

/// The table Keras prints for this model, ending with a newline. A model
/// with branches gets the `Connected to` column; a functional model (one
/// written as a graph) lists its `InputLayer` first.
pub fn render(plan: &Plan) -> String {
    let mut rows: Vec<[String; 4]> = Vec::new();
    // A model with several inputs lists each as a layer (below).
    if plan.functional && plan.input_parts().is_empty() {
        rows.push([
            format!("{} (InputLayer)", printable(&plan.input_name)),
            plan.input.keras(),
            "0".to_string(),
            "-".to_string(),
        ]);
    }
    let mut i = 0;
    while i < plan.layers.len() {
        let layer = &plan.layers[i];
        // A nested model is one row: its name and class, its last layer's
        // output, its parameters, and what its first layer reads.
        let run = match &layer.scope {
            Some(scope) => plan.layers[i..]
                .iter()
                .take_while(|l| l.scope.as_ref() == Some(scope))
                .count(),
            None => 1,
        };
        let group = &plan.layers[i..i + run];
        let reads = match (layer.scope.as_ref(), &layer.op) {
            (Some(_), _) => plan.scope_inputs(i, run),
            (None, Op::InputPart { .. }) => Vec::new(),
            (None, _) => layer.inputs.iter().map(|o| o.tensor).collect(),
        };
        let connected: Vec<String> = reads
            .iter()
            .map(|&t| format!("{}[0][0]", printable(plan.tensor_name(t))))
            .collect();
        let connected = if connected.is_empty() {
            vec!["-".to_string()]
        } else {
            connected
        };
        let (name, class) = match &layer.scope {
            Some(scope) => (scope.name.as_str(), scope.class),
            None => (layer.name.as_str(), layer.class.keras_name()),
        };
        rows.push([
            format!("{} ({class})", printable(name)),
            group[run - 1].output.keras(),
            group_thousands(group.iter().map(|l| l.params).sum()),
            connected.join(", "),
        ]);
        i += run;
    }
    let header = ["Layer (type)", "Output Shape", "Param #", "Connected to"];
    let mut out = format!("Model: \"{}\"\n", printable(&plan.model_name));
    let table = if plan.sequential_like() {
        Table { widths: &WIDTHS }
    } else {
        Table {
            widths: &GRAPH_WIDTHS,
        }
    };
    out.push_str(&table.rule('┏', '━', '┳', '┓'));
    out.push_str(&table.row('┃', &header));
    out.push_str(&table.rule('┡', '━', '╇', '┩'));
    for (i, cells) in rows.iter().enumerate() {
        if i > 0 {
            out.push_str(&table.rule('├', '─', '┼', '┤'));
        }
        let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
        out.push_str(&table.row('│', &cells));
    }
    out.push_str(&table.rule('└', '─', '┴', '┘'));
    let total = plan.params();
    let frozen = plan.non_trainable_params();
    // Keras sizes each variable by its type: a few are int64 (not trainable).
    let wide = plan.int64_params();
    for (label, n, extra) in [
        ("Total", total, wide),
        ("Trainable", total - frozen, 0),
        ("Non-trainable", frozen, wide),
    ] {
        out.push_str(&format!(
            " {label} params: {} ({})\n",
            group_thousands(n),
            readable_size(n * 4 + extra * 4)
        ));
    }
    out
}

/// Columns of given widths; the third is right-aligned.
struct Table {
    widths: &'static [usize],
}

impl Table {
    fn rule(&self, left: char, line: char, cross: char, right: char) -> String {
        let mut out = String::new();
        out.push(left);
        for (i, width) in self.widths.iter().enumerate() {
            if i > 0 {
                out.push(cross);
            }
            out.extend(std::iter::repeat_n(line, width + 2));
        }
        out.push(right);
        out.push('\n');
        out
    }

    /// One table row, wrapped onto as many lines as its longest cell needs.
    fn row(&self, border: char, cells: &[&str]) -> String {
        let wrapped: Vec<Vec<String>> = self
            .widths
            .iter()
            .zip(cells)
            .map(|(&w, c)| wrap(c, w))
            .collect();
        let lines = wrapped.iter().map(Vec::len).max().unwrap_or(1);
        let mut out = String::new();
        for line in 0..lines {
            out.push(border);
            for (col, &width) in self.widths.iter().enumerate() {
                if col > 0 {
                    out.push(border);
                }
                let text = wrapped[col].get(line).map_or("", String::as_str);
                if col == 2 {
                    out.push_str(&format!(" {text:>width$} "));
                } else {
                    out.push_str(&format!(" {text:<width$} "));
                }
            }
            out.push(border);
            out.push('\n');
        }
        out
    }
}

/// Rich's word wrap (what Keras draws with): greedy at spaces; a word longer
/// than the width gets a line of its own, and a line longer than the width is
/// cut with `…`.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split(' ') {
        if current.is_empty() && lines.is_empty() {
            current = word.to_string();
        } else if current.chars().count() + 1 + word.chars().count() <= width {
            current.push(' ');
            current.push_str(word);
        } else {
            lines.push(std::mem::replace(&mut current, word.to_string()));
        }
    }
    lines.push(current);
    lines
        .into_iter()
        .map(|line| {
            if line.chars().count() > width {
                let mut cut: String = line.chars().take(width.saturating_sub(1)).collect();
                cut.push('…');
                cut
            } else {
                line
            }
        })
        .collect()
}

/// The static memory plan in one line: the scratch `forward` needs
/// (`SCRATCH_BYTES`) beside the bytes of all activations, which a plan
/// without reuse would need.
pub fn memory_line(plan: &Plan) -> String {
    let memory = crate::memory::plan_memory(plan);
    format!(
        " Scratch: {} B (SCRATCH_BYTES), for activations of {} B in all",
        group_thousands(4 * memory.arena as u64),
        group_thousands(4 * memory.activations as u64)
    )
}

/// `113386` → `113,386`.
pub fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Keras' `readable_memory_size`: `453544` → `442.91 KB`.
fn readable_size(bytes: u64) -> String {
    let mut size = bytes as f64;
    for unit in ["B", "KB", "MB", "GB", "TB"] {
        if size / 1024.0 < 1.0 {
            return format!("{size:.2} {unit}");
        }
        size /= 1024.0;
    }
    format!("{size:.2} PB")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_and_sizes_match_keras() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(320), "320");
        assert_eq!(group_thousands(9248), "9,248");
        assert_eq!(group_thousands(1993450), "1,993,450");
        assert_eq!(readable_size(0), "0.00 B");
        assert_eq!(readable_size(113386 * 4), "442.91 KB");
        assert_eq!(readable_size(1993450 * 4), "7.60 MB");
    }

    #[test]
    fn long_cells_wrap_at_spaces_or_are_cut() {
        assert_eq!(
            wrap("global_average_pooling2d (GlobalAveragePooling2D)", 31),
            ["global_average_pooling2d", "(GlobalAveragePooling2D)"]
        );
        assert_eq!(wrap("abcdef", 4), ["abc…"]);
        assert_eq!(
            wrap("batch_normalization_4 (BatchNormalization)", 19),
            ["batch_normalizatio…", "(BatchNormalizatio…"]
        );
        assert_eq!(
            wrap("activation_1[0][0], batch_normalization_7[0][0]", 17),
            ["activation_1[0][…", "batch_normalizat…"]
        );
        assert_eq!(wrap("", 4), [""]);
    }
}
