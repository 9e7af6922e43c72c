#!/usr/bin/env python3
"""All 17 image networks of `keras.applications`, built and run by real Keras,
for `scripts/applications.sh` (too large for the repository: written under
`target/applications/<name>/`):

  config.json         Keras' `model.to_json()`
  summary.txt         Keras' `model.summary()`
  weights.safetensors every Keras variable as `{layer}.{variable}`, a nested
                      model's under its name (`stem.stem_conv.kernel`), with
                      BatchNormalization's and Normalization's statistics,
                      gamma and beta randomised so that they matter
  io.safetensors      `inputs` (uniform in [-1, 1)), Keras' `outputs` (logits:
                      built with `classifier_activation=None`, so that no
                      saturated softmax hides an error; `model(x,
                      training=False)`) and `outputs_f64`, the
                      same model and weights run in float64
  meta.json           network, input, layers, parameters, and Keras'
                      float32-vs-float64 error (the tolerance is 4x that,
                      at least 1e-5, as the fixtures' README says)

    target/peers-venv/bin/python tools/make_application_checks.py [NAME...]

Needs Keras 3 with a backend (`pip install tensorflow-cpu`). The expected
values are Keras' own: never produce them with this repository's code.
"""

import io
import json
import os
import sys
from contextlib import redirect_stdout

import numpy as np
import keras

sys.path.insert(0, os.path.dirname(__file__))
from export_keras import variables, write_safetensors  # noqa: E402 (beside this file)

ROOT = os.path.join(os.path.dirname(__file__), "..", "target", "applications")
A = keras.applications

# (folder, network, constructor, keyword arguments): the smallest input each
# accepts (or a small one), 10 classes, Keras' seeded initialisers.
NETWORKS = [
    ("mobilenet", "MobileNet", A.MobileNet, dict(input_shape=(96, 96, 3), alpha=0.25)),
    ("mobilenet_v2", "MobileNetV2", A.MobileNetV2, dict(input_shape=(96, 96, 3), alpha=0.35)),
    ("mobilenet_v3_small", "MobileNetV3Small", A.MobileNetV3Small,
     dict(input_shape=(64, 64, 3), alpha=0.75)),
    ("mobilenet_v3_large", "MobileNetV3Large", A.MobileNetV3Large, dict(input_shape=(64, 64, 3))),
    ("resnet50", "ResNet50", A.ResNet50, dict(input_shape=(64, 64, 3))),
    ("resnet50_v2", "ResNet50V2", A.ResNet50V2, dict(input_shape=(64, 64, 3))),
    ("resnet101", "ResNet101", A.ResNet101, dict(input_shape=(64, 64, 3))),
    ("densenet121", "DenseNet121", A.DenseNet121, dict(input_shape=(64, 64, 3))),
    ("inception_v3", "InceptionV3", A.InceptionV3, dict(input_shape=(75, 75, 3))),
    ("inception_resnet_v2", "InceptionResNetV2", A.InceptionResNetV2,
     dict(input_shape=(75, 75, 3))),
    ("xception", "Xception", A.Xception, dict(input_shape=(71, 71, 3))),
    ("vgg16", "VGG16", A.VGG16, dict(input_shape=(32, 32, 3))),
    ("vgg19", "VGG19", A.VGG19, dict(input_shape=(32, 32, 3))),
    ("nasnet_mobile", "NASNetMobile", A.NASNetMobile, dict(input_shape=(64, 64, 3))),
    ("efficientnet_b0", "EfficientNetB0", A.EfficientNetB0, dict(input_shape=(64, 64, 3))),
    ("efficientnet_v2_b0", "EfficientNetV2B0", A.EfficientNetV2B0, dict(input_shape=(64, 64, 3))),
    ("convnext_tiny", "ConvNeXtTiny", A.ConvNeXtTiny, dict(input_shape=(32, 32, 3))),
]


def all_layers(layers):
    """Every layer, a nested model's layers in place of the model."""
    for layer in layers:
        if hasattr(layer, "layers"):
            yield from all_layers(layer.layers)
        else:
            yield layer


def named_weights(layers, prefix=""):
    """{`{layer}.{variable}`: values}: Keras' variable names (an unnamed
    one, as LayerScale's, by the attribute that holds it), a nested model's
    under its name."""
    tensors = {}
    for layer in layers:
        if hasattr(layer, "layers"):
            tensors.update(named_weights(layer.layers, f"{prefix}{layer.name}."))
            continue
        values = layer.get_weights()
        names = variables(type(layer).__name__, layer.get_config()) or \
            [w.name for w in layer.weights]
        assert len(names) == len(values), (layer.name, names)
        for variable, value in zip(names, values):
            tensors[f"{prefix}{layer.name}.{variable}"] = value
    return tensors


def randomise_statistics(model, rng):
    """Statistics that do something: means near 0, variances near 1."""
    for layer in all_layers(model.layers):
        if isinstance(layer, keras.layers.BatchNormalization):
            c = layer.moving_mean.shape[0]
            layer.moving_mean.assign(rng.normal(0, 0.2, c).astype("float32"))
            layer.moving_variance.assign(rng.uniform(0.5, 1.5, c).astype("float32"))
            if layer.gamma is not None:
                layer.gamma.assign(rng.uniform(0.5, 1.5, c).astype("float32"))
            if layer.beta is not None:
                layer.beta.assign(rng.normal(0, 0.2, c).astype("float32"))
        elif isinstance(layer, keras.layers.Normalization) and layer.weights:
            c = layer.weights[0].shape[0]
            mean = rng.normal(0, 0.2, c).astype("float32")
            variance = rng.uniform(0.5, 1.5, c).astype("float32")
            layer.set_weights([mean, variance, np.int64(1000)])
            layer.finalize_state()


def float64_outputs(make, kwargs, model, inputs):
    """The same network and weights run in float64."""
    keras.backend.clear_session()
    keras.config.set_dtype_policy("float64")
    try:
        wide = make(**kwargs)
        wide.set_weights([np.asarray(w).astype(v.dtype) for w, v in
                          zip(model.get_weights(), wide.weights)])
        for layer in all_layers(wide.layers):
            if isinstance(layer, keras.layers.Normalization) and layer.weights:
                layer.finalize_state()
        return np.asarray(wide(inputs.astype("float64"), training=False))
    finally:
        keras.config.set_dtype_policy("float32")


def seeded_model(make, kwargs, out):
    """The network from Keras' seeded initialisers, its `to_json()` written
    to `out/config.json`."""
    keras.backend.clear_session()
    keras.utils.set_random_seed(0)
    model = make(**kwargs)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "config.json"), "w") as f:
        f.write(model.to_json())
    return model


def main():
    only = set(sys.argv[1:])
    unknown = only - {n[0] for n in NETWORKS}
    if unknown:
        sys.exit(f"unknown networks: {', '.join(sorted(unknown))}")
    for folder, network, make, kwargs in NETWORKS:
        if only and folder not in only:
            continue
        # Logits, not probabilities: a saturated softmax would hide errors.
        kwargs = dict(kwargs, classes=10, weights=None, classifier_activation=None)
        rng = np.random.default_rng(0)
        out = os.path.join(ROOT, folder)
        model = seeded_model(make, kwargs, out)
        text = io.StringIO()
        with redirect_stdout(text):
            model.summary()
        with open(os.path.join(out, "summary.txt"), "w") as f:
            f.write(text.getvalue())
        randomise_statistics(model, rng)
        inputs = rng.uniform(-1, 1, (2,) + kwargs["input_shape"]).astype("float32")
        tensors = named_weights(model.layers)
        write_safetensors(os.path.join(out, "weights.safetensors"), tensors)
        outputs = np.asarray(model(inputs, training=False))
        wide = float64_outputs(make, kwargs, model, inputs)
        write_safetensors(os.path.join(out, "io.safetensors"),
                          {"inputs": inputs, "outputs": outputs, "outputs_f64": wide})
        layers = sum(1 for _ in all_layers(model.layers))
        meta = {
            "network": network,
            "input": list(kwargs["input_shape"]),
            "options": {k: v for k, v in kwargs.items()
                        if k not in ("input_shape", "classes", "weights", "classifier_activation")},
            "layers": layers,
            "params": int(model.count_params()),
            "keras_f32_vs_f64_max_abs": float(np.max(np.abs(outputs - wide))),
        }
        with open(os.path.join(out, "meta.json"), "w") as f:
            json.dump(meta, f, indent=1)
        print(folder, meta["params"], "params, f32 vs f64",
              meta["keras_f32_vs_f64_max_abs"], file=sys.stderr)


if __name__ == "__main__":
    main()
