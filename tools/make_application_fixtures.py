#!/usr/bin/env python3
"""Held-out graph models from `keras.applications`, built and run by real Keras.

Writes, for each network, `fixtures/applications/<name>/`:
  config.json   Keras' `model.to_json()`
  summary.txt   Keras' `model.summary()`
  and, for the small ones, weights.safetensors (every Keras variable, named
  `{layer}.{variable}`, BatchNorm statistics randomised so they matter) and
  io.safetensors (`inputs`, Keras' `outputs` for them).

Needs Keras 3 with a backend (`pip install tensorflow-cpu`). The expected
values are Keras' own: never produce them with this repository's code.
"""

import io
import os
import sys
from contextlib import redirect_stdout

import numpy as np
import keras

sys.path.insert(0, os.path.dirname(__file__))
from export_keras import write_safetensors  # noqa: E402 (beside this file)

ROOT = os.path.join(os.path.dirname(__file__), "..", "fixtures", "applications")

# (name, constructor, keyword arguments, with weights and outputs)
MODELS = [
    ("mobilenet", keras.applications.MobileNet,
     dict(input_shape=(96, 96, 3), alpha=0.25, classes=10, weights=None), True),
    ("mobilenet_v2", keras.applications.MobileNetV2,
     dict(input_shape=(96, 96, 3), alpha=0.35, classes=10, weights=None), True),
    ("resnet50", keras.applications.ResNet50,
     dict(input_shape=(64, 64, 3), classes=10, weights=None), False),
    ("densenet121", keras.applications.DenseNet121,
     dict(input_shape=(64, 64, 3), classes=10, weights=None), False),
    ("inception_v3", keras.applications.InceptionV3,
     dict(input_shape=(75, 75, 3), classes=10, weights=None), False),
    ("xception", keras.applications.Xception,
     dict(input_shape=(71, 71, 3), classes=10, weights=None), False),
    ("mobilenet_v3_small", keras.applications.MobileNetV3Small,
     dict(input_shape=(64, 64, 3), alpha=0.75, classes=10, weights=None), True),
    ("mobilenet_v3_large", keras.applications.MobileNetV3Large,
     dict(input_shape=(64, 64, 3), classes=10, weights=None), False),
    ("nasnet_mobile", keras.applications.NASNetMobile,
     dict(input_shape=(64, 64, 3), classes=10, weights=None), False),
    ("efficientnet_v2_b0", keras.applications.EfficientNetV2B0,
     dict(input_shape=(64, 64, 3), classes=10, weights=None), False),
    ("inception_resnet_v2", keras.applications.InceptionResNetV2,
     dict(input_shape=(75, 75, 3), classes=10, weights=None), False),
    ("efficientnet_b0", keras.applications.EfficientNetB0,
     dict(input_shape=(64, 64, 3), classes=10, weights=None), False),
    ("convnext_tiny", keras.applications.ConvNeXtTiny,
     dict(input_shape=(32, 32, 3), classes=10, weights=None), False),
]


def main():
    """Every network is built, in order, so that each gets the random
    numbers it always got; only those named on the command line (all by
    default) are written."""
    only = set(sys.argv[1:])
    rng = np.random.default_rng(0)
    keras.utils.set_random_seed(0)
    for name, make, kwargs, with_outputs in MODELS:
        keras.backend.clear_session()
        model = make(**kwargs)
        out = os.path.join(ROOT, name)
        write = not only or name in only
        if write:
            os.makedirs(out, exist_ok=True)
            with open(os.path.join(out, "config.json"), "w") as f:
                f.write(model.to_json())
            text = io.StringIO()
            with redirect_stdout(text):
                model.summary()
            with open(os.path.join(out, "summary.txt"), "w") as f:
                f.write(text.getvalue())
        if not with_outputs:
            continue
        # Statistics that do something: means near 0, variances near 1.
        for layer in model.layers:
            if isinstance(layer, keras.layers.BatchNormalization):
                c = layer.moving_mean.shape[0]
                layer.moving_mean.assign(rng.normal(0, 0.2, c).astype("float32"))
                layer.moving_variance.assign(rng.uniform(0.5, 1.5, c).astype("float32"))
                layer.gamma.assign(rng.uniform(0.5, 1.5, c).astype("float32"))
                layer.beta.assign(rng.normal(0, 0.2, c).astype("float32"))
        inputs = rng.uniform(-1, 1, (4,) + kwargs["input_shape"]).astype("float32")
        if not write:
            continue
        tensors = {w.path.replace("/", "."): w.numpy() for w in model.weights}
        write_safetensors(os.path.join(out, "weights.safetensors"), tensors)
        outputs = np.asarray(model(inputs, training=False))
        write_safetensors(os.path.join(out, "io.safetensors"),
                          {"inputs": inputs, "outputs": outputs})
        print(name, model.count_params(), "params", file=sys.stderr)

if __name__ == "__main__":
    main()
