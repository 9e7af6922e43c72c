#!/usr/bin/env bash
# The seed MNIST model through cnn, tract and ONNX Runtime in one run, on the
# same digits: µs per image and each peer's time as a multiple of ours
# (above 1 = we are faster). Builds benches/peers (tract, outside the
# workspace) and a Python venv with onnxruntime in target/peers-venv.
#
#   bash scripts/bench-peers.sh [path/to/model.onnx]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
onnx="$(realpath "${1:-$root/../shared/fixtures/seed_mnist/model.onnx}")"
digits="$root/fixtures/seed_mnist/digits.safetensors"
venv="$root/target/peers-venv"

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet onnxruntime numpy
fi

results="$(mktemp)"
trap 'rm -f "$results"' EXIT
(cd "$root/benches/peers" && cargo run --quiet --release -- "$onnx") | tee -a "$results"
"$venv/bin/python" "$root/benches/peers/ort_bench.py" "$onnx" "$digits" | tee -a "$results"

echo
echo "== seed MNIST: µs per image (median); peer / cnn (> 1: cnn is faster) =="
awk -F, '
    { t[$1 "," $2] = $3; cases[$2] = 1 }
    END {
        printf "%-22s %10s %10s %12s %12s %14s\n", "case", "cnn", "tract", "onnxruntime", "tract/cnn", "onnxruntime/cnn"
        n = split("batch1_1thread batch256_1thread batch256_all_threads", order, " ")
        for (i = 1; i <= n; i++) {
            c = order[i]; ours = t["cnn," c]; tr = t["tract," c]; ort = t["onnxruntime," c]
            printf "%-22s %10.2f %10.2f %12.2f %11.2fx %13.2fx\n", c, ours, tr, ort, tr / ours, ort / ours
        }
    }' "$results"
