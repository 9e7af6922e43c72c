#!/usr/bin/env bash
# libFuzzer on the weight loaders and the four model readers (cargo fuzz,
# nightly Rust), each for SECONDS (default 60), seeded with the fixtures.
# Prints the executions each target survived; any crash, timeout or
# out-of-memory stops with its input saved under fuzz/artifacts/.
#
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(safetensors npz dsl keras_python keras_json tflite)
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
corpus=target/fuzz-corpus
mkdir -p "$corpus"
for target in "${targets[@]}"; do
    dir="$corpus/$target"
    mkdir -p "$dir"
    case "$target" in
        safetensors) cp fixtures/features_b/weights.safetensors "$dir/features_b" ;;
        npz) cp fixtures/features_b/weights.npz "$dir/features_b" ;;
        dsl) for f in fixtures/*/model.cnn; do cp "$f" "$dir/$(basename "$(dirname "$f")")"; done ;;
        keras_python) for f in fixtures/*/keras_source.py; do cp "$f" "$dir/$(basename "$(dirname "$f")")"; done
                      for f in tests/keras/code/*.py; do cp "$f" "$dir/code-$(basename "$f")"; done ;;
        keras_json) for f in fixtures/*/config.json; do cp "$f" "$dir/$(basename "$(dirname "$f")")"; done ;;
        # The fixtures' TensorFlow Lite files that fit -max_len (int8 and float32).
        tflite) for f in fixtures/{flat_input,inception,dscnn,bn_dw}/tflite/model.*.tflite; do
                    cp "$f" "$dir/$(basename "$(dirname "$(dirname "$f")")")-$(basename "$f")"
                done ;;
    esac
    echo "== $target ($seconds s)"
    log="$corpus/$target.log"
    status=0
    (cd fuzz && cargo +nightly fuzz run --release "$target" "../$dir" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1) \
        >"$log" 2>&1 || status=$?
    grep -E "^stat::number_of_executed_units|^Done|^==[0-9]+== ERROR|panicked at|^SUMMARY" "$log" || true
    if compgen -G "fuzz/artifacts/$target/*-*" >/dev/null; then
        echo "$target: a crash, hang or blow-up; its input is in fuzz/artifacts/$target/" >&2
        exit 1
    fi
    if [ "$status" -ne 0 ]; then
        tail -n 30 "$log" >&2
        echo "$target: cargo fuzz failed (exit $status); the whole output is in $log" >&2
        exit 1
    fi
done
