#!/usr/bin/env bash
# The seed model in a web page: builds examples/web-digits for
# wasm32-unknown-unknown (weights embedded), puts the page, the .wasm and a few
# real fixture digits (with Keras' answers) in target/web-digits/, and serves
# it on http://localhost:8000 (static files only: it works offline).
#
#   bash scripts/web-digits.sh            build and serve (Ctrl-C to stop)
#   bash scripts/web-digits.sh --build    build only
set -euo pipefail
cd "$(dirname "$0")/.."
rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || true
# With WebAssembly SIMD (every current browser runs it), and without, to compare.
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C target-feature=+simd128" \
    cargo build --quiet --release -p web-digits --target wasm32-unknown-unknown
cargo build --quiet --release -p web-digits --target wasm32-unknown-unknown \
    --target-dir target/wasm-scalar
site=target/web-digits
mkdir -p "$site"
cp examples/web-digits/www/* "$site/"
cp target/wasm32-unknown-unknown/release/web_digits.wasm "$site/"
cp target/wasm-scalar/wasm32-unknown-unknown/release/web_digits.wasm "$site/web_digits_scalar.wasm"
# The model as a picture, drawn by cnnc.
cargo run --quiet --release -p cnnc -- --plot "$site/model.svg" fixtures/seed_mnist/model.cnn
python3 - "$site/digits.json" <<'PY'
# The first held-out digit of each class that Keras gets right, with Keras' answer.
import json, struct, sys
raw = open("fixtures/seed_mnist/digits.safetensors", "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
header = json.loads(raw[8:8 + n])
def tensor(name):
    start, end = header[name]["data_offsets"]
    return raw[8 + n + start:8 + n + end]
digits, labels, predicted = tensor("digits"), tensor("labels"), tensor("predicted")
probabilities = struct.unpack(f"<{len(tensor('probabilities')) // 4}f", tensor("probabilities"))
samples = {}
for i, (label, keras) in enumerate(zip(labels, predicted)):
    if label == keras and label not in samples and probabilities[i * 10 + keras] > 0.99:
        samples[label] = {"label": label, "keras": keras, "index": i,
                          "probability": probabilities[i * 10 + keras],
                          "pixels": list(digits[i * 784:(i + 1) * 784])}
# And TensorFlow Lite's answer for the int8 model (argmax of its int8 outputs).
raw8 = open("fixtures/seed_mnist/tflite/digits_int8.safetensors", "rb").read()
n8 = struct.unpack("<Q", raw8[:8])[0]
start8, end8 = json.loads(raw8[8:8 + n8])["outputs_q"]["data_offsets"]
outputs_q = struct.unpack(f"<{end8 - start8}b", raw8[8 + n8 + start8:8 + n8 + end8])
for sample in samples.values():
    row = outputs_q[sample["index"] * 10:(sample["index"] + 1) * 10]
    sample["tflite"] = max(range(10), key=lambda d: (row[d], -d))
json.dump([samples[d] for d in sorted(samples)], open(sys.argv[1], "w"))
PY
echo "web-digits: $(stat -c %s "$site/web_digits.wasm") bytes of .wasm in $site"
if command -v node >/dev/null 2>&1; then
    node scripts/wasm-speed.mjs "$site/web_digits.wasm" "$site/web_digits_scalar.wasm"
fi
if [ "${1:-}" != "--build" ]; then
    echo "serving http://localhost:8000 (Ctrl-C to stop)"
    exec python3 -m http.server 8000 --bind 127.0.0.1 --directory "$site"
fi
