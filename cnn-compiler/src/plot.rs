//! The model as a picture, as Keras' `plot_model` draws it: one box per layer
//! (name, class, output shape, parameters), an arrow for every input, laid out
//! top to bottom. Plain SVG, no layout program needed.
//!
//! Layout: a layer's row is its longest path from the input, so every arrow
//! points down, then as low as its readers allow (a branch sits just above
//! its merge); layers of one row sit side by side in Keras' order, centred.
//! An arrow that skips rows (a residual shortcut) runs in a lane of its own
//! to the right of the rows it passes.

use crate::plan::Plan;
use crate::summary::group_thousands;
use std::fmt::Write;

const BOX_WIDTH: usize = 280;
const BOX_HEIGHT: usize = 58;
const GAP_X: usize = 30;
const GAP_Y: usize = 42;
const MARGIN: usize = 20;
/// The spacing of the lanes of arrows that skip rows.
const LANE: usize = 14;

/// A box: its lines of text and its top-left corner.
struct Node {
    lines: [String; 3],
    x: usize,
    y: usize,
}

/// A graph to draw: node 0 is the input; each other node reads earlier ones.
pub struct Graph {
    pub title: String,
    pub nodes: Vec<GraphNode>,
}

/// One box: its three lines of text (name and kind, output, parameters; an
/// empty line is left out) and the nodes it reads.
pub struct GraphNode {
    pub lines: [String; 3],
    pub inputs: Vec<usize>,
}

/// The layer graph of `plan` as an SVG document.
pub fn svg(plan: &Plan) -> String {
    let mut nodes = vec![GraphNode {
        lines: [
            format!("{} (InputLayer)", plan.input_name),
            format!("output {}", plan.input.keras()),
            String::new(),
        ],
        inputs: Vec::new(),
    }];
    for layer in &plan.layers {
        nodes.push(GraphNode {
            lines: [
                format!("{} ({})", layer.name, layer.class.keras_name()),
                format!("output {}", layer.output.keras()),
                if layer.params > 0 {
                    format!("{} params", group_thousands(layer.params))
                } else {
                    String::new()
                },
            ],
            inputs: layer.inputs.iter().map(|o| o.tensor).collect(),
        });
    }
    draw(&Graph {
        title: plan.model_name.clone(),
        nodes,
    })
}

/// Any [`Graph`] as an SVG document (the layout above).
pub fn draw(graph: &Graph) -> String {
    let n = graph.nodes.len().saturating_sub(1);
    let inputs = |t: usize| {
        graph.nodes[t]
            .inputs
            .iter()
            .copied()
            .filter(move |&i| i < t)
    };
    // Row of each node: 0 for the input, then the longest path to it.
    let mut row = vec![0usize; n + 1];
    for t in 1..=n {
        row[t] = inputs(t).map(|i| row[i] + 1).max().unwrap_or(1);
    }
    // As low as the readers allow: a branch just above its merge. Readers
    // come later, so each is placed before the nodes it reads.
    let mut lowest_reader = vec![usize::MAX; n + 1];
    for t in (1..=n).rev() {
        if t < n && lowest_reader[t] != usize::MAX {
            row[t] = row[t].max(lowest_reader[t] - 1);
        }
        for i in inputs(t) {
            lowest_reader[i] = lowest_reader[i].min(row[t]);
        }
    }
    let rows = row.iter().copied().max().unwrap_or(0) + 1;
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); rows];
    for (t, &r) in row.iter().enumerate() {
        members[r].push(t);
    }
    let widest = members.iter().map(Vec::len).max().unwrap_or(1);
    let boxes_width = 2 * MARGIN + widest * BOX_WIDTH + (widest - 1) * GAP_X;
    // One lane to the right for each arrow that skips rows.
    let long_edges = (1..=n)
        .flat_map(|t| inputs(t).map(move |i| (i, t)))
        .filter(|&(from, to)| row[to] > row[from] + 1)
        .count();
    let width = boxes_width + LANE * long_edges;
    let height = 2 * MARGIN + rows * BOX_HEIGHT + (rows - 1) * GAP_Y;
    let mut nodes: Vec<Option<Node>> = (0..=n).map(|_| None).collect();
    for (r, tensors) in members.iter().enumerate() {
        let used = tensors.len() * BOX_WIDTH + tensors.len().saturating_sub(1) * GAP_X;
        let left = (boxes_width - used) / 2;
        for (k, &t) in tensors.iter().enumerate() {
            nodes[t] = Some(Node {
                lines: graph.nodes[t].lines.clone(),
                x: left + k * (BOX_WIDTH + GAP_X),
                y: MARGIN + r * (BOX_HEIGHT + GAP_Y),
            });
        }
    }

    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(out, "<title>{}</title>", escape(&graph.title));
    out.push_str(concat!(
        r#"<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">"#,
        r##"<path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/></marker></defs>"##,
        "\n"
    ));
    // Arrows first, boxes over them.
    let right_edges: Vec<usize> = members
        .iter()
        .map(|m| (boxes_width + m.len() * BOX_WIDTH + m.len().saturating_sub(1) * GAP_X) / 2)
        .collect();
    let widest_between = RangeMax::new(right_edges);
    let mut lane = 0;
    for t in 1..=n {
        let Some(to) = nodes[t].as_ref() else {
            continue;
        };
        for i in inputs(t) {
            let Some(from) = nodes[i].as_ref() else {
                continue;
            };
            let (x1, y1) = (from.x + BOX_WIDTH / 2, from.y + BOX_HEIGHT);
            let (x2, y2) = (to.x + BOX_WIDTH / 2, to.y);
            let (r1, r2) = (row[i], row[t]);
            let path = if r2 > r1 + 1 {
                // Around the rows in between, in a lane of its own.
                let x = widest_between.max(r1 + 1, r2).unwrap_or(x1) + LANE * (lane + 1);
                lane += 1;
                let (top, bottom) = (y1 + GAP_Y / 2, y2 - GAP_Y / 2);
                format!("M {x1} {y1} C {x1} {top}, {x} {y1}, {x} {top} L {x} {bottom} C {x} {y2}, {x2} {bottom}, {x2} {y2}")
            } else {
                let middle = (y1 + y2) / 2;
                format!("M {x1} {y1} C {x1} {middle}, {x2} {middle}, {x2} {y2}")
            };
            let _ = writeln!(
                out,
                r##"<path class="edge" d="{path}" fill="none" stroke="#555" stroke-width="1.3" marker-end="url(#arrow)"/>"##
            );
        }
    }
    for (t, node) in nodes.iter().enumerate() {
        let Some(node) = node else { continue };
        let fill = match t {
            0 => "#eef5e9",
            t if graph.nodes[t].inputs.len() > 1 => "#fdf0e6",
            _ => "#eaf1fb",
        };
        let _ = writeln!(
            out,
            r##"<g class="layer"><rect x="{}" y="{}" width="{BOX_WIDTH}" height="{BOX_HEIGHT}" rx="6" fill="{fill}" stroke="#4a6a8a"/>"##,
            node.x, node.y
        );
        for (k, line) in node.lines.iter().enumerate() {
            if line.is_empty() {
                continue;
            }
            let weight = if k == 0 { r#" font-weight="bold""# } else { "" };
            let _ = writeln!(
                out,
                r#"<text x="{}" y="{}" text-anchor="middle"{weight}>{}</text>"#,
                node.x + BOX_WIDTH / 2,
                node.y + 18 + 16 * k,
                escape(line)
            );
        }
        out.push_str("</g>\n");
    }
    out.push_str("</svg>\n");
    out
}

/// The largest of `values[from..to]` for any range, each in constant time
/// (a sparse table): an arrow's lane clears every row it passes, and a
/// hostile graph can have as many long arrows as rows.
struct RangeMax {
    /// `levels[k][i]`: the largest of `values[i..i + 2^k]`.
    levels: Vec<Vec<usize>>,
}

impl RangeMax {
    fn new(values: Vec<usize>) -> Self {
        let len = values.len();
        let mut levels = vec![values];
        let mut span = 1;
        while 2 * span <= len {
            let below = &levels[levels.len() - 1];
            let level = (0..=len - 2 * span)
                .map(|i| below[i].max(below[i + span]))
                .collect();
            levels.push(level);
            span *= 2;
        }
        RangeMax { levels }
    }

    fn max(&self, from: usize, to: usize) -> Option<usize> {
        if from >= to || to > self.levels[0].len() {
            return None;
        }
        let k = (to - from).ilog2() as usize;
        let level = &self.levels[k];
        Some(level[from].max(level[to - (1 << k)]))
    }
}

/// Text for XML: markup escaped, and control characters (which no XML 1.0
/// document may hold, escaped or not) shown as `\u{..}`.
fn escape(text: &str) -> String {
    crate::names::printable(text)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_max_is_the_largest_value_of_every_range() {
        for len in 0..40 {
            let values: Vec<usize> = (0..len).map(|i| (i * 7919 + 13) % 97).collect();
            let table = RangeMax::new(values.clone());
            for from in 0..=len {
                for to in 0..=len + 1 {
                    let expected = values.get(from..to).and_then(|r| r.iter().copied().max());
                    assert_eq!(table.max(from, to), expected, "{from}..{to} of {len}");
                }
            }
        }
    }
}
