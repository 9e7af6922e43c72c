"""Writes a Keras model as a case of the layer tests (`tests/keras/NAME/`):
`config.json` (`model.to_json()`), `summary.txt` (`model.summary()`),
`weights.safetensors` (every variable as `{layer}.{variable}`) and
`io.safetensors` (the inputs and Keras' own outputs for them), read by
`cnn_examples::keras_case::KerasCase`.
"""
import os
import sys

import numpy as np
from safetensors.numpy import save_file

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools"))
from export_keras import variables  # noqa: E402


def save(model, name, inputs):
    out = os.path.join(os.path.dirname(__file__), name)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "config.json"), "w") as f:
        f.write(model.to_json())
    lines = []
    model.summary(print_fn=lambda text, **_: lines.append(text))
    text = "\n".join(lines)
    with open(os.path.join(out, "summary.txt"), "w") as f:
        f.write(text if text.endswith("\n") else text + "\n")
    tensors = {}
    add_weights(tensors, model.layers, "")
    save_file(tensors, os.path.join(out, "weights.safetensors"))
    outputs = model.predict(inputs, verbose=0)
    if isinstance(inputs, (list, tuple)):
        # Several inputs: each image's, one after the other (the generated
        # inputs struct's layout).
        inputs = np.concatenate([i.reshape(len(i), -1) for i in inputs], axis=1)
    if isinstance(outputs, (list, tuple)):
        # Several outputs: each image's, one after the other (the generated
        # outputs struct's layout).
        outputs = np.concatenate([o.reshape(len(inputs), -1) for o in outputs], axis=1)
    outputs = outputs.astype(np.float32)
    save_file({"inputs": inputs, "outputs": outputs}, os.path.join(out, "io.safetensors"))


def add_weights(tensors, layers, prefix):
    """Every variable of `layers` as `{prefix}{layer}.{variable}`; a model used
    as a layer (a nested Sequential) puts its layers under its name, as
    Keras' variable paths do."""
    for layer in layers:
        if hasattr(layer, "layers"):
            add_weights(tensors, layer.layers, f"{prefix}{layer.name}.")
            continue
        names = variables(type(layer).__name__, layer.get_config())
        for variable, value in zip(names, layer.get_weights()):
            # Integers stay integers, as Keras keeps them (Normalization's count).
            dtype = value.dtype.newbyteorder("<") if value.dtype.kind in "iu" else "<f4"
            tensors[f"{prefix}{layer.name}.{variable}"] = np.array(value, dtype=dtype, order="C")
