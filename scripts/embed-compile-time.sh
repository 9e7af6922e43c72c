#!/usr/bin/env bash
# Measures how long a crate takes to rebuild with 50 MB of weights embedded by
# `weights = "..."` (a 3536x3536 Dense layer), and that editing the weights file
# triggers a rebuild. Prints the wall-clock times.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src" "$work/models"
python3 - "$work/models/big.safetensors" <<'PY'
import json, struct, sys, array
n = 3536
k, b = n * n * 4, n * 4
header = {"dense.kernel": {"dtype": "F32", "shape": [n, n], "data_offsets": [0, k]},
          "dense.bias": {"dtype": "F32", "shape": [n], "data_offsets": [k, k + b]}}
h = json.dumps(header).encode()
h += b" " * ((8 - len(h) % 8) % 8)
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<Q", len(h)))
    f.write(h)
    f.write(array.array("f", [((i * 2654435761) % 1000) / 1000.0 - 0.5 for i in range(n * n + n)]).tobytes())
PY
cat > "$work/Cargo.toml" <<TOML
[package]
name = "embed50"
version = "0.1.0"
edition = "2021"
[dependencies]
cnn-runtime = { path = "$repo/cnn-runtime" }
[workspace]
TOML
cat > "$work/src/main.rs" <<'RS'
cnn_runtime::cnn! {
    pub struct Big;
    input(1, 1, 3536);
    weights = "models/big.safetensors";
    Flatten
    Dense(3536)
}
fn main() {
    let y = Big::embedded().forward(&[[[1.0f32; 3536]; 1]; 1]);
    println!("output[0] = {}", y[0]);
}
RS
cd "$work"
echo "weights file: $(du -h models/big.safetensors | cut -f1)"
time_build() { local start end; start=$(date +%s.%N); cargo build --release -q; end=$(date +%s.%N); echo "$1: $(python3 -c "print(round($end - $start, 2))") s"; }
time_build "first build (dependencies included)"
touch src/main.rs
time_build "rebuild after touching the model source"
touch models/big.safetensors
time_build "rebuild after touching the weights file"
./target/release/embed50
