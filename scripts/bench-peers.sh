#!/usr/bin/env bash
# The seed MNIST model through cnn, ONNX Runtime and tract, the graph fixtures
# (ResNet-8, DS-CNN, MobileNetV1-VWW) through cnn and ONNX Runtime, their int8
# TensorFlow Lite files through cnn (include_tflite!) and TensorFlow Lite's
# default kernels (XNNPACK), and the CPU's FMA and int8 peaks, in one run of
# several rounds. In each round every engine runs each
# case once, in an order that alternates from round to round, so slow phases
# of a shared machine fall on all engines alike; one-thread cases are pinned
# to one core (taskset). Reports each engine's median µs per image, the
# median over rounds of each peer's time divided by ours (> 1: cnn is
# faster), and cnn's share of the FMA peak.
#
#   bash scripts/bench-peers.sh [ROUNDS]     (default 5; CORE=n picks the core)
#
# Builds benches/peers (tract, outside the workspace) and a Python venv with
# onnxruntime and tensorflow-cpu in target/peers-venv. The ONNX models are in the fixtures
# (fixtures/*/model.onnx): the seed's from the shared fixtures, the others
# exported by Keras itself (tools/export_onnx.py).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rounds=${1:-5}
core=${CORE:-1}
onnx="$root/fixtures/seed_mnist/model.onnx"
digits="$root/fixtures/seed_mnist/digits.safetensors"
venv="$root/target/peers-venv"

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet onnxruntime numpy
fi
"$venv/bin/python" -c "import tensorflow" 2>/dev/null || "$venv/bin/pip" install --quiet tensorflow-cpu
(cd "$root/benches/peers" && cargo build --quiet --release)
peers="$root/benches/peers/target/release/cnn-peers"

results="$root/target/bench-peers.csv"
: > "$results"
cases=(batch1_1thread batch256_1thread batch256_all_threads)
engines=(cnn onnxruntime tract)
# The graph fixtures at batch 1, one thread, against ONNX Runtime on Keras'
# own ONNX export of each (tools/export_onnx.py).
graphs=(resnet8 dscnn mobilenet_v1_vww)
run() { # engine case -> CSV lines
    local pin=()
    [[ "$2" == *1thread || " ${graphs[*]} " == *" $2 "* ]] && pin=(taskset -c "$core")
    local model="$onnx"
    [[ " ${graphs[*]} " == *" $2 "* ]] && model="$root/fixtures/$2/model.onnx"
    case "$1" in
        cnn | tract) "${pin[@]}" "$peers" "$1" "$2" "$model" ;;
        onnxruntime) "${pin[@]}" "$venv/bin/python" "$root/benches/peers/ort_bench.py" "$model" "$digits" "$2" ;;
    esac
}
run_int8() { # engine graph -> CSV lines (pinned)
    case "$1" in
        cnn) taskset -c "$core" "$peers" cnn "$2_int8" ;;
        tflite) TF_CPP_MIN_LOG_LEVEL=3 taskset -c "$core" "$venv/bin/python" \
            "$root/benches/peers/tflite_bench.py" "$root/fixtures/$2/tflite/model.int8.tflite" "$2_int8" 2>/dev/null ;;
    esac
}
for round in $(seq "$rounds"); do
    taskset -c "$core" "$peers" peak 1core | sed "s/^/$round,/" >> "$results"
    for c in "${cases[@]}"; do
        order=("${engines[@]}")
        (( round % 2 == 0 )) && order=(tract onnxruntime cnn)
        for e in "${order[@]}"; do
            run "$e" "$c" | sed "s/^/$round,/" >> "$results"
        done
    done
    for g in "${graphs[@]}"; do
        order=(cnn onnxruntime)
        (( round % 2 == 0 )) && order=(onnxruntime cnn)
        for e in "${order[@]}"; do
            run "$e" "$g" | sed "s/^/$round,/" >> "$results"
        done
        order=(cnn tflite)
        (( round % 2 == 0 )) && order=(tflite cnn)
        for e in "${order[@]}"; do
            run_int8 "$e" "$g" | sed "s/^/$round,/" >> "$results"
        done
    done
    echo "round $round of $rounds done" >&2
done

"$venv/bin/python" - "$results" <<'PY'
import collections, statistics, sys
rows = [line.strip().split(",") for line in open(sys.argv[1]) if line.strip()]
t = collections.defaultdict(dict)  # (engine, case) -> {round: value}
for r, engine, case, value in rows:
    t[(engine, case)][int(r)] = float(value)
model_flops = {case: next(iter(v.values())) for (e, case), v in t.items() if e == "flops"}
model_macs = {case: next(iter(v.values())) for (e, case), v in t.items() if e == "macs"}
flops = 2_827_008  # SeedMnist::FLOPS
print(f"== seed MNIST, {len({r for r, *_ in rows})} rounds: median µs per image; "
      "median over rounds of peer / cnn (> 1: cnn is faster) ==")
print(f"{'case':<22}{'cnn':>9}{'onnxruntime':>13}{'tract':>9}{'ort/cnn':>10}{'tract/cnn':>11}")
for case in ["batch1_1thread", "batch256_1thread", "batch256_all_threads"]:
    ours = t[("cnn", case)]
    line = f"{case:<22}{statistics.median(ours.values()):>9.2f}"
    line += f"{statistics.median(t[('onnxruntime', case)].values()):>13.2f}"
    line += f"{statistics.median(t[('tract', case)].values()):>9.2f}"
    for peer in ["onnxruntime", "tract"]:
        ratios = [t[(peer, case)][r] / ours[r] for r in ours if r in t[(peer, case)]]
        line += f"{statistics.median(ratios):>{10 if peer == 'onnxruntime' else 11}.2f}x"
    print(line)
print()
print()
peaks = {case.split(" ", 1)[1]: statistics.median(v.values()) for (e, case), v in t.items() if e == "peak"}
print("== graph fixtures, batch 1, 1 thread: median µs; median of onnxruntime / cnn ==")
print(f"{'model':<20}{'cnn':>9}{'onnxruntime':>13}{'ort/cnn':>10}{'GFLOP/s':>9}" + "".join(f"{'% ' + w.split()[0]:>10}" for w in peaks))
for case in ["resnet8", "dscnn", "mobilenet_v1_vww"]:
    ours, ort = t[("cnn", case)], t[("onnxruntime", case)]
    ratio = statistics.median(ort[r] / ours[r] for r in ours if r in ort)
    gflops = model_flops[case] / (statistics.median(ours.values()) * 1e-6) / 1e9
    shares = "".join(f"{gflops / p:>10.0%}" for p in peaks.values())
    print(f"{case:<20}{statistics.median(ours.values()):>9.1f}{statistics.median(ort.values()):>13.1f}{ratio:>9.2f}x{gflops:>9.1f}{shares}")
print()
int8_peaks = {case.split(" ", 1)[1]: statistics.median(v.values()) for (e, case), v in t.items() if e == "int8peak"}
print("== int8 TensorFlow Lite files, batch 1, 1 thread: median µs; median of tflite (XNNPACK) / cnn ==")
print(f"{'model':<20}{'cnn':>9}{'tflite':>9}{'tflite/cnn':>12}{'GMAC/s':>9}" + "".join(f"{'% ' + w.split()[0]:>12}" for w in int8_peaks))
for g in ["resnet8", "dscnn", "mobilenet_v1_vww"]:
    case = g + "_int8"
    ours, lite = t[("cnn", case)], t[("tflite", case)]
    ratio = statistics.median(lite[r] / ours[r] for r in ours if r in lite)
    gmacs = model_macs[case] / (statistics.median(ours.values()) * 1e-6) / 1e9
    shares = "".join(f"{gmacs / p:>12.0%}" for p in int8_peaks.values())
    print(f"{g:<20}{statistics.median(ours.values()):>9.1f}{statistics.median(lite.values()):>9.1f}{ratio:>11.2f}x{gmacs:>9.1f}{shares}")
for name, peak in int8_peaks.items():
    print(f"int8 peak ({name}, 1 core): {peak:.1f} GMAC/s")
print()
batch1 = t[("cnn", "batch1_1thread")]
gflops = {r: flops / (us * 1e-6) / 1e9 for r, us in batch1.items()}
for (engine, case), peaks in sorted(t.items()):
    if engine != "peak":
        continue
    shares = [gflops[r] / peak for r, peak in peaks.items() if r in gflops]
    print(f"FMA peak ({case.split(' ', 1)[1]}, 1 core): {statistics.median(peaks.values()):.1f} GFLOP/s; "
          f"cnn batch 1: {statistics.median(gflops.values()):.1f} GFLOP/s, "
          f"{statistics.median(shares):.0%} of it (median of rounds)")
PY
