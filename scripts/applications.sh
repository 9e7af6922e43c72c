#!/usr/bin/env bash
# All 17 image networks of keras.applications through `include_keras!`, as a
# user would use them: Keras builds each (tools/make_application_checks.py,
# weights randomised, BatchNormalization statistics too), then a crate per
# network reads Keras' `model.to_json()` with `include_keras!`, loads Keras'
# weights, and must give Keras' summary byte for byte and Keras' outputs
# within max(1e-5, 4x Keras' float32-vs-float64 error) on every
# instruction-set path. Prints the table README.md shows (network, input,
# layers, parameters, release compile seconds, largest error) and fails if
# any network fails. Too large for every CI run (the networks' weights are
# 0.5 GB; about 10 minutes on 2 cores): run before
# changing what the compiler accepts or generates.
#
#   bash scripts/applications.sh [NAME...]     (default: all 17)
#
# Needs the TensorFlow venv of `benches/peers` (target/peers-venv; PYTHON to
# use another interpreter with `tensorflow-cpu` and `safetensors`).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
python="${PYTHON:-$root/target/peers-venv/bin/python}"
work="$root/target/applications"
all=(mobilenet mobilenet_v2 mobilenet_v3_small mobilenet_v3_large resnet50 resnet50_v2
     resnet101 densenet121 inception_v3 inception_resnet_v2 xception vgg16 vgg19
     nasnet_mobile efficientnet_b0 efficientnet_v2_b0 convnext_tiny)
if [ $# -gt 0 ]; then names=("$@"); else names=("${all[@]}"); fi

"$python" tools/make_application_checks.py "${names[@]}" 2> >(grep -v "^I0000\|^WARNING\|cpu_feature\|To enable" >&2)

crate="$work/check"
mkdir -p "$crate/src/bin"
cat > "$crate/Cargo.toml" <<TOML
[package]
name = "application-checks"
edition = "2021"
publish = false

[dependencies]
cnn-runtime = { path = "$root/cnn-runtime" }
cnn-examples = { path = "$root" }
serde_json = "1.0"

[profile.release]
debug = false

[workspace]
TOML
cat > "$crate/src/lib.rs" <<'RUST'
//! Runs one network on Keras' inputs on every instruction-set path and
//! reports the largest difference from Keras' outputs.
use cnn_runtime::memory::{flat, flat_mut, zeroed_box};
use cnn_runtime::{simd, Model, WeightFiles};
use std::path::Path;

pub fn check<M: Model + WeightFiles>(dir: &str, summary: &str) {
    let dir = Path::new(dir);
    let expected = std::fs::read_to_string(dir.join("summary.txt")).unwrap();
    let summary_same = summary == expected;
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("meta.json")).unwrap()).unwrap();
    let keras_error = meta["keras_f32_vs_f64_max_abs"].as_f64().unwrap() as f32;
    let tolerance = (4.0 * keras_error).max(1e-5);
    let model = M::from_safetensors_file(dir.join("weights.safetensors"))
        .unwrap_or_else(|e| panic!("{e}"));
    let io = cnn_examples::safetensors::read(&dir.join("io.safetensors")).unwrap();
    let (inputs, outputs) = (io["inputs"].to_f32(), io["outputs"].to_f32());
    let n = io["inputs"].shape[0];
    let run = || {
        let mut input = zeroed_box::<M::Input>();
        let mut scratch = zeroed_box::<M::Scratch>();
        let mut worst = 0.0f32;
        let pairs = inputs
            .chunks_exact(inputs.len() / n)
            .zip(outputs.chunks_exact(outputs.len() / n));
        for (x, keras) in pairs {
            flat_mut(&mut *input).copy_from_slice(x);
            let ours = flat(model.forward_into(&input, &mut scratch));
            for (o, k) in ours.iter().zip(keras) {
                let e = (o - k).abs();
                worst = if e.is_nan() { f32::INFINITY } else { worst.max(e) };
            }
        }
        (format!("{:?}", simd::isa()), worst)
    };
    let paths = [run(), simd::without_avx512(run), simd::with_portable(run)];
    let max_error = paths.iter().map(|p| p.1).fold(0.0f32, f32::max);
    let report = serde_json::json!({
        "summary_same": summary_same,
        "max_error": max_error,
        "tolerance": tolerance,
        "paths": paths.iter().map(|(isa, e)| format!("{isa} {e:.1e}")).collect::<Vec<_>>(),
        "ok": summary_same && max_error <= tolerance,
    });
    println!("{report}");
}
RUST
for name in "${names[@]}"; do
    cat > "$crate/src/bin/$name.rs" <<RUST
cnn_runtime::include_keras! { pub struct Net; "$work/$name/config.json" }

fn main() {
    application_checks::check::<Net>("$work/$name", &Net::summary());
}
RUST
done

export CARGO_TARGET_DIR="$root/target/applications-build"
cd "$crate"
cargo build --release --lib -q
seconds() { # command... -> wall seconds, 1 decimal
    local start end
    start=$(date +%s.%N)
    "$@"
    end=$(date +%s.%N)
    awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", e - s }'
}
table="$work/table.md"
{
    echo "| network | input | layers | parameters | compile (s) | max error (tolerance) | summary |"
    echo "|---|---|---:|---:|---:|---|---|"
} > "$table"
failed=0
for name in "${names[@]}"; do
    touch "src/bin/$name.rs"
    if ! compile=$(seconds cargo build --release -q --bin "$name"); then
        echo "$name: does not compile" >&2
        failed=1
        continue
    fi
    if ! report=$("$CARGO_TARGET_DIR/release/$name"); then
        echo "$name: failed to run" >&2
        failed=1
        continue
    fi
    row=$(python3 - "$work/$name/meta.json" "$report" "$compile" <<'PY'
import json, sys
meta, report, compile_s = json.load(open(sys.argv[1])), json.loads(sys.argv[2]), sys.argv[3]
options = ", ".join(f"{k} {v}" for k, v in meta["options"].items())
network = meta["network"] + (f" ({options})" if options else "")
h, w, c = meta["input"]
print(f"| {network} | {h}x{w}x{c} | {meta['layers']} | {meta['params']:,} | {compile_s} | "
      f"{report['max_error']:.1e} ({report['tolerance']:.0e}) | "
      f"{'identical' if report['summary_same'] else 'DIFFERS'} |")
if not report["ok"]:
    sys.exit(1)
PY
    ) || { echo "$name: $report" >&2; failed=1; }
    echo "$row" >> "$table"
    echo "$row"
done
echo
cat "$table"
exit $failed
