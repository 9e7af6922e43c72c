//! What the firmware measures about itself: instructions, through SysTick
//! under QEMU's `-icount`, and the stack's high-water mark, from the paint
//! cortex-m-rt puts on the stack at reset.

use core::sync::atomic::{AtomicU32, Ordering};
use cortex_m::peripheral::syst::SystClkSource;
use cortex_m::peripheral::SYST;

/// SysTick counts down from this (its 24 bits), then wraps.
#[cfg(not(feature = "profile"))]
const RELOAD: u32 = 0x00FF_FFFF;
/// Profiling: a wrap, and a sample, every 1,000 instructions.
#[cfg(feature = "profile")]
const RELOAD: u32 = 24;
/// Instructions per SysTick tick: QEMU's `-icount shift=0` makes each
/// instruction take 1 ns of virtual time, and the MPS2 board clocks SysTick
/// from its 25 MHz system clock.
const INSTRUCTIONS_PER_TICK: u64 = 40;

static WRAPS: AtomicU32 = AtomicU32::new(0);

#[cortex_m_rt::exception]
fn SysTick() {
    WRAPS.fetch_add(1, Ordering::Relaxed);
    #[cfg(feature = "profile")]
    steps::sample();
}

/// A sampling profile of `forward`'s steps: at each SysTick, the step that
/// was running (`cnn_runtime::profile::RUNNING_STEP`) gains one
/// period's instructions.
#[cfg(feature = "profile")]
pub mod steps {
    use super::{AtomicU32, Ordering, INSTRUCTIONS_PER_TICK, RELOAD};
    use cnn_runtime::profile::RUNNING_STEP;

    /// Steps counted; later ones are not.
    pub const MAX_STEPS: usize = 128;
    #[allow(clippy::declare_interior_mutable_const)]
    const ZERO: AtomicU32 = AtomicU32::new(0);
    static SAMPLES: [AtomicU32; MAX_STEPS] = [ZERO; MAX_STEPS];

    pub(super) fn sample() {
        if let Some(count) = SAMPLES.get(RUNNING_STEP.load(Ordering::Relaxed)) {
            count.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Instructions per sample.
    pub const PERIOD: u64 = (RELOAD as u64 + 1) * INSTRUCTIONS_PER_TICK;

    /// Each step's instructions so far (samples times the period), by index.
    pub fn instructions() -> impl Iterator<Item = (usize, u64)> {
        SAMPLES
            .iter()
            .enumerate()
            .map(|(i, s)| (i, u64::from(s.load(Ordering::Relaxed)) * PERIOD))
            .filter(|&(_, n)| n > 0)
    }
}

/// A running count of instructions.
pub struct InstructionClock;

impl InstructionClock {
    /// Starts SysTick on the core clock, with an exception at each wrap.
    pub fn start() -> Self {
        let mut peripherals = cortex_m::Peripherals::take().expect("taken once, at start");
        let syst = &mut peripherals.SYST;
        syst.set_clock_source(SystClkSource::Core);
        syst.set_reload(RELOAD);
        syst.clear_current();
        syst.enable_interrupt();
        syst.enable_counter();
        InstructionClock
    }

    /// Instructions since `start`, to within one tick (40 instructions).
    pub fn now(&mut self) -> u64 {
        loop {
            let wraps = WRAPS.load(Ordering::Relaxed);
            let current = SYST::get_current();
            if WRAPS.load(Ordering::Relaxed) == wraps {
                let ticks = u64::from(wraps) * u64::from(RELOAD + 1) + u64::from(RELOAD - current);
                return ticks * INSTRUCTIONS_PER_TICK;
            }
        }
    }
}

/// The value cortex-m-rt's `paint-stack` writes over the stack at reset.
const PAINT: u32 = 0xCCCC_CCCC;

extern "C" {
    /// The top of the stack (cortex-m-rt's linker script).
    static _stack_start: u32;
    /// The lowest address the stack may reach (cortex-m-rt's linker script).
    static _stack_end: u32;
}

/// The most stack used since reset, in bytes: from the top down to the
/// lowest word whose paint was overwritten.
pub fn stack_high_water_mark() -> usize {
    let top = core::ptr::addr_of!(_stack_start) as usize;
    let bottom = core::ptr::addr_of!(_stack_end) as usize;
    let mut at = bottom;
    while at < top {
        // SAFETY: `bottom..top` is the stack's region of RAM, as the linker
        // script lays it out: mapped, readable and word-aligned. The words
        // below the stack pointer belong to no live object, and a volatile
        // read of a `u32` there has no effect on any.
        let word = unsafe { core::ptr::read_volatile(at as *const u32) };
        if word != PAINT {
            break;
        }
        at += 4;
    }
    top - at
}
