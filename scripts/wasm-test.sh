#!/usr/bin/env bash
# The runtime's tests as WebAssembly with SIMD (simd128): the kernel property
# tests against the ndarray reference, the fast (Simd128) and the portable
# lanes side by side, and a generated graph model, built for wasm32-wasip1 and
# run under Node's WASI (node 18 or later).
set -euo pipefail
cd "$(dirname "$0")/.."
rustup target add wasm32-wasip1 >/dev/null 2>&1 || true
export CARGO_TARGET_WASM32_WASIP1_RUSTFLAGS="-C target-feature=+simd128"
tests=$(cargo test --quiet -p cnn-runtime --target wasm32-wasip1 --no-run --message-format=json |
    python3 -c '
import json, sys
for line in sys.stdin:
    message = json.loads(line)
    if message.get("reason") == "compiler-artifact" and message.get("executable"):
        print(message["executable"])')
for test in $tests; do
    echo "== $(basename "$test")"
    node --no-warnings scripts/wasi-run.mjs "$test" --test-threads=1
done
