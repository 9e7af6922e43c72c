#!/usr/bin/env bash
# Builds examples/mcu-firmware for a Cortex-M4F once per model (seed, dscnn,
# resnet8, mobilenet in float32 from Keras' files, and the same four as
# TensorFlow Lite int8 files: seed-int8, ...) and runs each under QEMU (-M
# mps2-an386, a Cortex-M4 with FPU). The firmware classifies the fixture's
# inputs with the weights in flash, compares every output with Keras' (float32)
# or, byte for byte, with TensorFlow Lite's (int8), and prints over
# semihosting the agreement, the instructions per inference (-icount:
# instructions, not cycles), and the stack it used. This script prints the
# flash each build needs and fails if any model disagrees.
#
#   bash scripts/mcu-run.sh [MODEL...]        (needs qemu-system-arm)
#   bash scripts/mcu-run.sh --profile MODEL... (int8: instructions per step of
#                                               forward, sampled; slower to run)
set -euo pipefail
cd "$(dirname "$0")/../examples/mcu-firmware"
rustup target add thumbv7em-none-eabihf >/dev/null 2>&1 || true
command -v qemu-system-arm >/dev/null || {
    echo "qemu-system-arm is needed (Debian: apt-get install qemu-system-arm)" >&2
    exit 1
}
features=""
if [ "${1:-}" = "--profile" ]; then
    features=",profile"
    shift
fi
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(seed dscnn resnet8 mobilenet seed-int8 dscnn-int8 resnet8-int8 mobilenet-int8)
elf=target/thumbv7em-none-eabihf/release/mcu-firmware
for model in "${models[@]}"; do
    echo "== $model"
    cargo build --quiet --release --target thumbv7em-none-eabihf \
        --no-default-features --features "$model$features"
    size -A "$elf" | awk '
      $1 == ".vector_table" || $1 == ".text" { code += $2 }
      $1 == ".rodata" { rodata += $2 }
      $1 == ".data" || $1 == ".bss" { ram += $2 }
      END { printf "flash: %d B of code, %d B of read-only data (weights, test data, text); static RAM %d B\n", code, rodata, ram }'
    # -icount shift=0: one instruction is one nanosecond of virtual time, so
    # the firmware's SysTick (25 MHz) counts instructions.
    timeout 600 qemu-system-arm -M mps2-an386 -cpu cortex-m4 -nographic \
        -semihosting-config enable=on,target=native -icount shift=0 \
        -kernel "$elf" | grep -v '^input ' || {
        echo "$model: the firmware failed or disagreed with its reference" >&2
        exit 1
    }
done
