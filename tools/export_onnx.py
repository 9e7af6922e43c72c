#!/usr/bin/env python3
"""Export a Keras model to ONNX with Keras' own exporter, for the peer
benchmarks (scripts/bench-peers.sh), and check that ONNX Runtime gives
Keras' output on a random input.

Usage:
    export_onnx.py MODEL.keras OUT.onnx

Needs tensorflow-cpu, tf2onnx and onnxruntime (`pip install tensorflow-cpu
tf2onnx onnxruntime`). The fixtures' model.onnx files of resnet8, dscnn and
mobilenet_v1_vww were made so, from the shared fixtures' model.keras, with
Keras 3.15.1; seed_mnist's comes with the shared fixtures.
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__)
    source, target = argv[1], argv[2]
    model = keras.models.load_model(source)
    x = np.random.default_rng(0).random((1, *model.inputs[0].shape[1:]), dtype=np.float32)
    expected = np.asarray(model(x))  # the exporter needs a model that has run
    model.export(target, format="onnx")
    session = ort.InferenceSession(target, providers=["CPUExecutionProvider"])
    got = session.run(None, {session.get_inputs()[0].name: x})[0]
    worst = float(np.abs(got - expected).max())
    print(f"{target}: ONNX Runtime vs Keras, max abs difference {worst:.1e}")
    if worst > 1e-4:
        sys.exit("the exported model does not match Keras")


if __name__ == "__main__":
    main(sys.argv)
