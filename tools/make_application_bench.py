#!/usr/bin/env python3
"""Full-size keras.applications networks (224x224x3, 1000 classes) for the
speed comparison of `scripts/bench-applications.sh`, built and run by real
Keras (too large for the repository: written under
`target/application-bench/<name>/`):

  config.json         Keras' `model.to_json()` (what `include_keras!` reads)
  weights.safetensors every variable as `{layer}.{variable}`, the
                      BatchNormalization statistics randomised (as
                      tools/make_application_checks.py does)
  io.safetensors      `inputs` (one image, uniform in [-1, 1)), Keras'
                      `outputs` (logits: `classifier_activation=None`) and
                      `outputs_f64` (the same network in float64)
  meta.json           network, parameters, Keras'
                      float32-vs-float64 error
  model.onnx          Keras' own ONNX export (`model.export(format="onnx")`)
  model.tflite        TensorFlow Lite's float32 conversion of the same model

Both peer files are checked against Keras' output before they are kept.

    target/peers-venv/bin/python tools/make_application_bench.py [NAME...]

Needs tensorflow-cpu, tf2onnx and onnxruntime. The expected values are
Keras' own: never produce them with this repository's code.
"""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402
import tensorflow as tf  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from export_keras import write_safetensors  # noqa: E402 (beside this file)
from make_application_checks import (  # noqa: E402
    float64_outputs,
    named_weights,
    randomise_statistics,
    seeded_model,
)

ROOT = os.path.join(os.path.dirname(__file__), "..", "target", "application-bench")
A = keras.applications
NETWORKS = {
    "resnet50": ("ResNet50", A.ResNet50),
    "mobilenet_v2": ("MobileNetV2", A.MobileNetV2),
    "densenet121": ("DenseNet121", A.DenseNet121),
}


def check(what, got, expected, tolerance):
    worst = float(np.abs(got - expected).max())
    print(f"  {what} vs Keras: max abs difference {worst:.1e}", file=sys.stderr)
    if worst > tolerance:
        sys.exit(f"{what} does not match Keras (tolerance {tolerance:.0e})")


def main():
    names = sys.argv[1:] or list(NETWORKS)
    unknown = set(names) - set(NETWORKS)
    if unknown:
        sys.exit(f"unknown networks: {', '.join(sorted(unknown))}")
    for folder in names:
        network, make = NETWORKS[folder]
        kwargs = dict(input_shape=(224, 224, 3), weights=None, classifier_activation=None)
        rng = np.random.default_rng(0)
        out = os.path.join(ROOT, folder)
        model = seeded_model(make, kwargs, out)
        randomise_statistics(model, rng)
        write_safetensors(os.path.join(out, "weights.safetensors"), named_weights(model.layers))
        inputs = rng.uniform(-1, 1, (1, 224, 224, 3)).astype("float32")
        outputs = np.asarray(model(inputs, training=False))
        wide = float64_outputs(make, kwargs, model, inputs)
        keras_error = float(np.max(np.abs(outputs - wide)))
        # The peers are checked loosely (they reorder sums as we do); the
        # tight check of cnn is the bench's own.
        peer_tolerance = max(1e-3, 8 * keras_error)

        onnx_path = os.path.join(out, "model.onnx")
        model.export(onnx_path, format="onnx", verbose=False)
        session = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
        got = session.run(None, {session.get_inputs()[0].name: inputs})[0]
        check("ONNX Runtime", got, outputs, peer_tolerance)

        converter = tf.lite.TFLiteConverter.from_keras_model(model)
        tflite_path = os.path.join(out, "model.tflite")
        with open(tflite_path, "wb") as f:
            f.write(converter.convert())
        interpreter = tf.lite.Interpreter(model_path=tflite_path, num_threads=1)
        interpreter.allocate_tensors()
        interpreter.set_tensor(interpreter.get_input_details()[0]["index"], inputs)
        interpreter.invoke()
        got = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
        check("TensorFlow Lite", got, outputs, peer_tolerance)

        write_safetensors(os.path.join(out, "io.safetensors"),
                          {"inputs": inputs, "outputs": outputs, "outputs_f64": wide})
        meta = {
            "network": network,
            "input": [224, 224, 3],
            "params": int(model.count_params()),
            "keras_f32_vs_f64_max_abs": keras_error,
        }
        with open(os.path.join(out, "meta.json"), "w") as f:
            json.dump(meta, f, indent=1)
        print(folder, meta["params"], "params, f32 vs f64", keras_error, file=sys.stderr)


if __name__ == "__main__":
    main()
