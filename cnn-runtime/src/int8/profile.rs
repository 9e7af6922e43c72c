//! Time per operator of the generated int8 models, with the `profile`
//! feature: every step of `forward` runs inside [`step`], which then adds its
//! time to a table that [`take`] returns. Without the feature, [`step`] is
//! the call itself (nothing is measured, nothing is kept).
//!
//! ```no_run
//! # #[cfg(feature = "profile")] {
//! // After running a model a few thousand times:
//! for s in cnn_runtime::int8::profile::take() {
//!     println!("{:>3} {:<40} {:>8.2} µs", s.step, s.operator, s.mean_micros());
//! }
//! # }
//! ```

/// Runs one step of a model (`index` in its order, `operator` its name in
/// the file); with the `profile` feature, measures it.
#[inline(always)]
pub fn step<R>(index: usize, operator: &'static str, f: impl FnOnce() -> R) -> R {
    #[cfg(feature = "profile")]
    {
        let start = std::time::Instant::now();
        let result = f();
        record(index, operator, start.elapsed());
        result
    }
    #[cfg(not(feature = "profile"))]
    {
        let _ = (index, operator);
        f()
    }
}

/// One step's accumulated time.
#[cfg(feature = "profile")]
#[derive(Clone, Debug)]
pub struct StepTime {
    pub step: usize,
    pub operator: &'static str,
    pub total: std::time::Duration,
    pub calls: u64,
}

#[cfg(feature = "profile")]
impl StepTime {
    /// Mean time per call, in microseconds.
    pub fn mean_micros(&self) -> f64 {
        self.total.as_secs_f64() * 1e6 / self.calls.max(1) as f64
    }
}

#[cfg(feature = "profile")]
static TABLE: std::sync::Mutex<std::vec::Vec<StepTime>> =
    std::sync::Mutex::new(std::vec::Vec::new());

#[cfg(feature = "profile")]
fn record(step: usize, operator: &'static str, elapsed: std::time::Duration) {
    let mut table = TABLE.lock().unwrap_or_else(|e| e.into_inner());
    match table
        .iter_mut()
        .find(|s| s.step == step && s.operator == operator)
    {
        Some(s) => {
            s.total += elapsed;
            s.calls += 1;
        }
        None => table.push(StepTime {
            step,
            operator,
            total: elapsed,
            calls: 1,
        }),
    }
}

/// The times recorded since the last call, by step, and clears them.
#[cfg(feature = "profile")]
pub fn take() -> std::vec::Vec<StepTime> {
    let mut table = TABLE.lock().unwrap_or_else(|e| e.into_inner());
    let mut steps = core::mem::take(&mut *table);
    steps.sort_by_key(|s| s.step);
    steps
}
