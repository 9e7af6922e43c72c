//! The `model.summary()` table, drawn exactly as Keras 3 draws it.

use crate::plan::Plan;

/// Content widths of Keras' three columns (each cell adds a space either side).
const WIDTHS: [usize; 3] = [31, 22, 13];

/// The table Keras prints for this model, ending with a newline.
pub fn render(plan: &Plan) -> String {
    let mut out = format!("Model: \"{}\"\n", plan.model_name);
    out.push_str(&rule('┏', '━', '┳', '┓'));
    out.push_str(&row(
        ['┃', '┃', '┃', '┃'],
        ["Layer (type)", "Output Shape", "Param #"],
    ));
    out.push_str(&rule('┡', '━', '╇', '┩'));
    for (i, layer) in plan.layers.iter().enumerate() {
        if i > 0 {
            out.push_str(&rule('├', '─', '┼', '┤'));
        }
        let name = format!("{} ({})", layer.name, layer.class.keras_name());
        let shape = layer.output.keras();
        let params = group_thousands(layer.params);
        out.push_str(&row(['│', '│', '│', '│'], [&name, &shape, &params]));
    }
    out.push_str(&rule('└', '─', '┴', '┘'));
    let params = plan.params();
    let size = readable_size(params * 4);
    let total = group_thousands(params);
    out.push_str(&format!(" Total params: {total} ({size})\n"));
    out.push_str(&format!(" Trainable params: {total} ({size})\n"));
    out.push_str(" Non-trainable params: 0 (0.00 B)\n");
    out
}

fn rule(left: char, line: char, cross: char, right: char) -> String {
    let mut out = String::new();
    out.push(left);
    for (i, width) in WIDTHS.iter().enumerate() {
        if i > 0 {
            out.push(cross);
        }
        out.extend(std::iter::repeat_n(line, width + 2));
    }
    out.push(right);
    out.push('\n');
    out
}

/// One table row, wrapped onto as many lines as its longest cell needs; the
/// third column is right-aligned.
fn row(borders: [char; 4], cells: [&str; 3]) -> String {
    let wrapped: Vec<Vec<String>> = cells.iter().zip(WIDTHS).map(|(c, w)| wrap(c, w)).collect();
    let lines = wrapped.iter().map(Vec::len).max().unwrap_or(1);
    let mut out = String::new();
    for line in 0..lines {
        out.push(borders[0]);
        for (col, width) in WIDTHS.iter().enumerate() {
            if col > 0 {
                out.push(borders[col]);
            }
            let text = wrapped[col].get(line).map_or("", String::as_str);
            if col == 2 {
                out.push_str(&format!(" {text:>width$} "));
            } else {
                out.push_str(&format!(" {text:<width$} "));
            }
        }
        out.push(borders[3]);
        out.push('\n');
    }
    out
}

/// Greedy word wrap at spaces; a word longer than the width is cut.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split(' ') {
        let mut word: Vec<char> = word.chars().collect();
        while word.len() > width {
            if !current.is_empty() {
                lines.push(std::mem::take(&mut current));
            }
            lines.push(word.drain(..width).collect());
        }
        let word: String = word.into_iter().collect();
        if current.is_empty() {
            current = word;
        } else if current.chars().count() + 1 + word.chars().count() <= width {
            current.push(' ');
            current.push_str(&word);
        } else {
            lines.push(std::mem::replace(&mut current, word));
        }
    }
    if !current.is_empty() || lines.is_empty() {
        lines.push(current);
    }
    lines
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
        assert_eq!(wrap("abcdef", 4), ["abcd", "ef"]);
        assert_eq!(wrap("", 4), [""]);
    }
}
