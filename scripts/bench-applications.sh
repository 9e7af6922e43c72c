#!/usr/bin/env bash
# Float32 at batch 1 on one pinned core, against the faster of ONNX Runtime
# and TensorFlow Lite (XNNPACK), on the graph fixtures (ResNet-8, DS-CNN,
# MobileNetV1-VWW) and on full-size keras.applications networks at 224x224
# (ResNet50, MobileNetV2, DenseNet121; random weights), in rounds with the
# engines alternating, the FMA peak measured in each round. Prints a table:
# median ms per image of each engine, the median over rounds of the faster
# peer's time divided by ours (> 1: cnn is faster), GFLOP/s and share of
# the peak.
#
#   bash scripts/bench-applications.sh [ROUNDS] [CASE...]   (default 3, all)
#   CORE=n picks the core.
#
# The networks' files (Keras JSON, weights, Keras' outputs, ONNX and
# .tflite exports, each checked against Keras) are made once by
# tools/make_application_bench.py under target/application-bench/ (about a
# minute each, 0.2 GB); cnn checks its output against Keras' before timing.
# Per-layer times: `cargo run --release --features applications,profile --
# profile CASE` in benches/peers, and `python benches/peers/ort_profile.py
# MODEL.onnx` for ONNX Runtime's own.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rounds=${1:-3}
shift || true
core=${CORE:-1}
venv="$root/target/peers-venv"
fixtures=(resnet8 dscnn mobilenet_v1_vww)
networks=(resnet50 mobilenet_v2 densenet121)
if [ $# -gt 0 ]; then cases=("$@"); else cases=("${fixtures[@]}" "${networks[@]}"); fi

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/python" -c "import tensorflow, onnxruntime, tf2onnx" 2>/dev/null ||
    "$venv/bin/pip" install --quiet tensorflow-cpu onnxruntime tf2onnx numpy
missing=()
for n in "${networks[@]}"; do
    [ -f "$root/target/application-bench/$n/meta.json" ] || missing+=("$n")
done
if [ ${#missing[@]} -gt 0 ]; then
    "$venv/bin/python" "$root/tools/make_application_bench.py" "${missing[@]}" 2> >(grep -v "^I0000\|^WARNING\|cpu_feature\|To enable" >&2)
fi
(cd "$root/benches/peers" && cargo build --quiet --release --features applications)
peers="$root/benches/peers/target/release/cnn-peers"

files() { # case -> "onnx tflite"
    if [[ " ${fixtures[*]} " == *" $1 "* ]]; then
        echo "$root/fixtures/$1/model.onnx $root/fixtures/$1/tflite/model.f32.tflite"
    else
        echo "$root/target/application-bench/$1/model.onnx $root/target/application-bench/$1/model.tflite"
    fi
}
run() { # engine case -> CSV lines
    local onnx tflite
    read -r onnx tflite <<< "$(files "$2")"
    case "$1" in
        cnn) taskset -c "$core" "$peers" cnn "$2" ;;
        onnxruntime) taskset -c "$core" "$venv/bin/python" "$root/benches/peers/ort_bench.py" "$onnx" - "$2" ;;
        tflite) TF_CPP_MIN_LOG_LEVEL=3 taskset -c "$core" "$venv/bin/python" \
            "$root/benches/peers/tflite_bench.py" "$tflite" "$2" 2>/dev/null ;;
    esac
}

results="$root/target/bench-applications.csv"
: > "$results"
for round in $(seq "$rounds"); do
    taskset -c "$core" "$peers" peak 1core | grep "^peak" | sed "s/^/$round,/" >> "$results"
    for c in "${cases[@]}"; do
        order=(cnn onnxruntime tflite)
        (( round % 2 == 0 )) && order=(tflite onnxruntime cnn)
        for e in "${order[@]}"; do
            run "$e" "$c" | sed "s/^/$round,/" >> "$results"
        done
    done
    echo "round $round of $rounds done" >&2
done

"$venv/bin/python" - "$results" "${cases[@]}" <<'PY'
import collections, statistics, sys
rows = [line.strip().split(",") for line in open(sys.argv[1]) if line.strip()]
cases = sys.argv[2:]
t = collections.defaultdict(dict)  # (engine, case) -> {round: value}
for r, engine, case, value in rows:
    t[(engine, case)][int(r)] = float(value)
flops = {case: next(iter(v.values())) for (e, case), v in t.items() if e == "flops"}
peak = max(statistics.median(vs.values()) for (e, c), vs in t.items() if e == "peak")
rounds = len({r for r, *_ in rows})
print(f"== float32, batch 1, 1 thread, {rounds} rounds: median ms; "
      "median over rounds of the faster peer / cnn (> 1: cnn is faster) ==")
print(f"| model | GFLOP | cnn ms | ONNX Runtime ms | TFLite ms | faster peer / cnn | cnn GFLOP/s | % of peak |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for case in cases:
    ours = t[("cnn", case)]
    ort, lite = t[("onnxruntime", case)], t[("tflite", case)]
    ratio = statistics.median(min(ort[r], lite[r]) / ours[r] for r in ours if r in ort and r in lite)
    ms = lambda v: statistics.median(v.values()) / 1000
    gflops = flops[case] / (ms(ours) * 1e-3) / 1e9
    print(f"| {case} | {flops[case] / 1e9:.3f} | {ms(ours):.3f} | {ms(ort):.3f} | {ms(lite):.3f} | "
          f"**{ratio:.2f}x** | {gflops:.1f} | {gflops / peak:.0%} |")
print(f"\nFMA peak (widest vectors, 1 core, median of rounds): {peak:.1f} GFLOP/s")
PY
