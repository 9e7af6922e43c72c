//! The closing table: criterion's mean time for each benchmark that ran,
//! turned into GFLOP/s, % of the measured FMA peak, and the ratio to the
//! reference implementation.

use std::cell::RefCell;
use std::path::PathBuf;

/// One row: `<id>/ours` against `<id>/reference`.
pub struct Figure {
    label: String,
    id: String,
    /// Items (images or calls) per measured iteration.
    items: u64,
    flops_per_item: u64,
    /// Threads the row runs on: the peak it is compared to.
    threads: usize,
}

impl Figure {
    pub fn per_image(label: &str, id: &str, items: u64, flops: u64, threads: usize) -> Figure {
        Figure {
            label: label.to_owned(),
            id: id.to_owned(),
            items,
            flops_per_item: flops,
            threads,
        }
    }

    pub fn layer(id: &str, flops: u64) -> Figure {
        Figure {
            label: format!("layer {id}"),
            id: format!("layers/{id}"),
            items: 1,
            flops_per_item: flops,
            threads: 1,
        }
    }
}

#[derive(Default)]
pub struct Figures {
    ran: RefCell<Vec<String>>,
    rows: Vec<Figure>,
    peak: Option<(&'static str, u64, u64)>,
}

impl Figures {
    /// Records that criterion ran `id` in this process (so the table never
    /// shows a figure left on disk by an earlier run).
    pub fn ran(&self, id: &str) {
        let mut ran = self.ran.borrow_mut();
        if !ran.iter().any(|r| r == id) {
            ran.push(id.to_owned());
        }
    }

    pub fn add(&mut self, figure: Figure) {
        self.rows.push(figure);
    }

    pub fn set_peak(&mut self, name: &'static str, flops_1core: u64, flops_all: u64) {
        self.peak = Some((name, flops_1core, flops_all));
    }

    /// Mean seconds per iteration of `id`, if it ran in this process.
    fn seconds(&self, id: &str) -> Option<f64> {
        if !self.ran.borrow().iter().any(|r| r == id) {
            return None;
        }
        let path = criterion_home().join(id).join("new").join("estimates.json");
        let text = std::fs::read_to_string(path).ok()?;
        let json: serde_json::Value = serde_json::from_str(&text).ok()?;
        Some(json["median"]["point_estimate"].as_f64()? * 1e-9)
    }

    pub fn print(&self, threads: usize) {
        let peak_1 = self.peak.and_then(|(_, flops, _)| {
            self.seconds("peak/fma/1core")
                .map(|s| flops as f64 / s / 1e9)
        });
        let peak_all = self.peak.and_then(|(_, _, flops)| {
            self.seconds("peak/fma/all_cores")
                .map(|s| flops as f64 / s / 1e9)
        });
        println!();
        println!("== seed MNIST: summary (criterion medians) ==");
        if let (Some((name, _, _)), Some(p1)) = (self.peak, peak_1) {
            print!("FMA peak ({name}): {p1:.1} GFLOP/s on 1 core");
            match peak_all {
                Some(pa) => println!(", {pa:.1} GFLOP/s on {threads} cores"),
                None => println!(),
            }
        }
        println!(
            "{:<24} {:>12} {:>12} {:>9} {:>9} {:>14}",
            "figure", "µs/item", "items/s", "GFLOP/s", "% peak", "x reference"
        );
        for row in &self.rows {
            let Some(ours) = self.seconds(&format!("{}/ours", row.id)) else {
                continue;
            };
            let per_item = ours / row.items as f64;
            let gflops = row.flops_per_item as f64 / per_item / 1e9;
            let peak = if row.threads == 1 { peak_1 } else { peak_all };
            let share = peak.map_or("-".to_owned(), |p| format!("{:.0} %", 100.0 * gflops / p));
            let vs_reference = self
                .seconds(&format!("{}/reference", row.id))
                .map_or("-".to_owned(), |r| format!("{:.1}x", r / ours));
            println!(
                "{:<24} {:>12.2} {:>12.0} {:>9.1} {:>9} {:>14}",
                row.label,
                per_item * 1e6,
                1.0 / per_item,
                gflops,
                share,
                vs_reference
            );
        }
    }
}

/// Where criterion writes its results (its own rule: `CRITERION_HOME`, else
/// the cargo target folder).
fn criterion_home() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("criterion")
}
