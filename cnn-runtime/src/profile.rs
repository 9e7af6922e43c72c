//! Time per operator of the generated models (float32 and int8), with the
//! `profile` feature: every step of `forward` runs inside [`step`], which
//! then adds its time to a table that [`take`] returns. Without the feature,
//! [`step`] is the call itself (nothing is measured, nothing is kept).
//!
//! Where there is no clock std knows (a microcontroller), the
//! `profile-marks` feature keeps the index of the step running now in
//! [`RUNNING_STEP`] instead: a timer interrupt that reads it samples where the
//! time goes (`examples/mcu-firmware`, feature `profile`).
//!
//! ```no_run
//! # #[cfg(feature = "profile")] {
//! // After running a model a few thousand times:
//! for s in cnn_runtime::profile::take() {
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
    #[cfg(all(feature = "profile-marks", not(feature = "profile")))]
    {
        let _ = operator;
        RUNNING_STEP.store(index, core::sync::atomic::Ordering::Relaxed);
        let result = f();
        RUNNING_STEP.store(usize::MAX, core::sync::atomic::Ordering::Relaxed);
        result
    }
    #[cfg(not(any(feature = "profile", feature = "profile-marks")))]
    {
        let _ = (index, operator);
        f()
    }
}

/// The index of the step running now, `usize::MAX` outside `forward`
/// (feature `profile-marks`).
#[cfg(feature = "profile-marks")]
pub static RUNNING_STEP: core::sync::atomic::AtomicUsize =
    core::sync::atomic::AtomicUsize::new(usize::MAX);

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

#[cfg(all(test, feature = "profile-marks", not(feature = "profile")))]
mod tests {
    use super::*;
    use core::sync::atomic::Ordering;

    #[test]
    fn a_step_is_marked_while_it_runs() {
        let seen = step(7, "CONV_2D", || RUNNING_STEP.load(Ordering::Relaxed));
        assert_eq!(seen, 7);
        assert_eq!(RUNNING_STEP.load(Ordering::Relaxed), usize::MAX);
    }
}
