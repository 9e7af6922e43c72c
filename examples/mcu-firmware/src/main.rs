//! Classifies one digit at reset, with the weights in flash (embedded at
//! compile time) and the scratch buffers on the stack.
#![no_std]
#![no_main]

use cnn_no_std_check::{classify, Scratch};
use core::sync::atomic::{AtomicUsize, Ordering};

/// Where the answer goes (a debugger or the rest of the firmware reads it).
static DIGIT: AtomicUsize = AtomicUsize::new(usize::MAX);

#[cortex_m_rt::entry]
fn main() -> ! {
    // A vertical stroke: a handwritten 1.
    let mut image = [[[0.0f32; 1]; 28]; 28];
    for row in image.iter_mut().skip(4).take(20) {
        row[13] = [1.0];
        row[14] = [1.0];
    }
    let mut scratch = Scratch::new();
    let (digit, _) = classify(&image, &mut scratch);
    DIGIT.store(digit, Ordering::Relaxed);
    loop {
        core::hint::spin_loop();
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {
        core::hint::spin_loop();
    }
}
