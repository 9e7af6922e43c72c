#!/usr/bin/env bash
# Regenerates cnn-tflite-schema/src/generated.rs from TensorFlow Lite's
# schema.fbs with planus (`cargo install planus-cli --version 1.3.0`).
#
#   bash tools/gen-tflite-schema.sh path/to/schema.fbs
#
# The schema is tensorflow/compiler/mlir/lite/schema/schema.fbs of the
# tflite-micro repository (generated.rs was made from commit 90b983c2b3f1).
# planus does not read the `(deprecated)` attribute on enum values and union
# members: it is removed first, which changes no field, value or union tag.
set -euo pipefail
schema=${1:?usage: gen-tflite-schema.sh path/to/schema.fbs}
here="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
sed -E 's/ \(deprecated\)//' "$schema" > "$tmp/schema.fbs"
planus rust -o "$here/cnn-tflite-schema/src/generated.rs" "$tmp/schema.fbs"
