//! The text `summary()` returns for a TensorFlow Lite model: its operators in
//! the file's order, each with its fused activation and the tensor it writes
//! (name, shape, type, scale, zero point), then the totals.

use super::lower::Program;
use super::memory::place;
use std::fmt::Write;

/// The table, for a model read from `file` (as the user named it).
pub fn render(program: &Program, file: &str) -> String {
    let folded = program.folded;
    let mut rows: Vec<[String; 6]> = vec![[
        "#".into(),
        "Operator".into(),
        "Output tensor".into(),
        "Shape".into(),
        "Type".into(),
        "Scale, zero point".into(),
    ]];
    let quant = |t: usize| match program.tensors[t].single_quant() {
        Some((s, z)) => format!("{s:.6e}, {z}"),
        None => "-".into(),
    };
    let shape = |t: usize| format!("{:?}", program.tensors[t].shape);
    let input = program.input;
    rows.push([
        "-".into(),
        "input".into(),
        short(&program.tensors[input].name),
        shape(input),
        program.tensors[input].dtype.to_string(),
        quant(input),
    ]);
    for step in &program.steps {
        let op = match step.fused {
            Some(f) => format!("{} + {f}", step.op),
            None => step.op.clone(),
        };
        let op = crate::names::printable(&op).into_owned();
        let t = step.output;
        rows.push([
            step.op_index.to_string(),
            op,
            short(&program.tensors[t].name),
            shape(t),
            program.tensors[t].dtype.to_string(),
            quant(t),
        ]);
    }
    let widths: Vec<usize> = (0..6)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    let kind = if program.float { "float32" } else { "int8" };
    let file = crate::names::printable(file);
    let _ = writeln!(out, "TensorFlow Lite model \"{file}\" ({kind})");
    let rule: String = "-".repeat(widths.iter().sum::<usize>() + 2 * 5);
    for (i, row) in rows.iter().enumerate() {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            let pad = widths[c] - cell.chars().count();
            if c == 0 {
                let _ = write!(line, "{}{cell}", " ".repeat(pad));
            } else {
                let _ = write!(line, "  {cell}{}", " ".repeat(pad));
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
        if i == 0 {
            let _ = writeln!(out, "{rule}");
        }
    }
    let _ = writeln!(out, "{rule}");
    let weight_bytes = program.weight_bytes();
    let stored = if program.float {
        "float32"
    } else {
        "int8 weights, int32 biases"
    };
    let placement = place(program);
    let _ = writeln!(
        out,
        "Params: {} ({weight_bytes} bytes: {stored})",
        group(program.params())
    );
    let _ = writeln!(
        out,
        "Scratch: {} bytes of {kind} activations",
        group(placement.arena + program.bytes(program.output))
    );
    if folded > 0 {
        let _ = writeln!(
            out,
            "Folded at compile time: {folded} shape operators (SHAPE, STRIDED_SLICE, PACK)"
        );
    }
    out
}

/// A converter's fused tensor name (`a/Relu;a/BiasAdd;a/conv`) by its first part.
fn short(name: &str) -> String {
    let first = name.split(';').next().unwrap_or(name);
    let first = &*crate::names::printable(first);
    if first.chars().count() > 48 {
        let tail: String = first
            .chars()
            .rev()
            .take(45)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("...{tail}")
    } else {
        first.to_string()
    }
}

/// `113386` → `113,386`.
fn group(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
