#!/usr/bin/env bash
# Builds examples/mcu-firmware (the seed model with embedded weights, no std,
# no allocator) for a Cortex-M4F and prints what it needs: flash (.vector_table
# + .text + .rodata), static RAM (.data + .bss) and the stack of the classifying
# function (its frame holds the input and the forward pass' scratch buffers).
set -euo pipefail
cd "$(dirname "$0")/../examples/mcu-firmware"
rustup target add thumbv7em-none-eabihf >/dev/null 2>&1 || true
cargo build --quiet --release --target thumbv7em-none-eabihf
elf=target/thumbv7em-none-eabihf/release/mcu-firmware
size -A "$elf" | awk '
  $1 == ".vector_table" || $1 == ".text" || $1 == ".rodata" { flash += $2 }
  $1 == ".data" || $1 == ".bss" { ram += $2 }
  END { printf "flash: %d bytes (.vector_table + .text + .rodata)\nstatic RAM: %d bytes (.data + .bss)\n", flash, ram }'
# The entry function's frame: `push` plus every `sub sp` in its prologue.
command -v llvm-objdump >/dev/null || { echo "(llvm-objdump not found: stack not measured)"; exit 0; }
llvm-objdump -d --no-show-raw-insn "$elf" | awk '
  /cortex_m_rt_main.*>:$/ { inside = 1; next }
  inside && /^$/ { inside = 0 }  # read on to the end: an early exit would break the pipe
  inside && /push/ { n = gsub(/r[0-9]+|lr/, "&"); frame += 4 * n }
  inside && /sub(\.w)?[ \t]+sp, sp, #|sub[ \t]+sp, #/ { sub(/.*#/, ""); frame += $0 }
  END { printf "stack of the classifying function: %d bytes (scratch + input + locals)\n", frame }'
