#!/usr/bin/env python3
"""Export a Keras model for the cnn compiler: print its `cnn!` spec and write its
weights with our tensor names (`{layer}.kernel`, `{layer}.bias`, Keras layouts).

Usage:
    export_keras.py MODEL [-o WEIGHTS.safetensors] [--npz WEIGHTS.npz] [--struct NAME]

MODEL is one of:
  * a `.keras` file: read directly (config.json + model.weights.h5); needs only
    numpy and h5py, not Keras;
  * a Keras `model.to_json()` file (`.json`): the spec only, no weights;
  * a Python file that builds a model in a variable named `model` (or a function
    `build_model()`); needs Keras and runs the file.

The spec goes to standard output; paste it into `cnn! { ... }` and point
`weights = "..."` at the weights file (or load it with `from_safetensors_file`).
Unsupported layers or options are reported by name, never skipped.
"""

import argparse
import io
import json
import re
import runpy
import struct
import sys
import zipfile


class Unsupported(Exception):
    pass


def snake_case(name):
    """Keras' `to_snake_case`: automatic layer names and weight-file keys."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub("([a-z])([A-Z])", r"\1_\2", name)
    return name.lower()


def pair(value):
    if isinstance(value, int):
        return (value, value)
    return tuple(value)


def size(value):
    """`3x3` for a square kernel, `(3, 5)` otherwise."""
    h, w = pair(value)
    return f"{h}x{w}" if h == w else f"({h}, {w})"


def stride(value):
    """`2` for equal sizes, `(2, 1)` otherwise."""
    h, w = pair(value)
    return str(h) if h == w else f"({h}, {w})"


ACTIVATIONS = {"linear", "relu", "relu6", "sigmoid", "tanh", "softmax", "leaky_relu",
               "elu", "gelu", "swish", "silu"}


def activation(config, layer):
    act = config.get("activation", "linear")
    if isinstance(act, dict):
        act = act.get("config", {}).get("name", act.get("class_name"))
    if act is None:
        act = "linear"
    if act not in ACTIVATIONS:
        raise Unsupported(f"layer `{layer}`: activation `{act}` is not supported yet")
    return "swish" if act == "silu" else act  # Keras writes silu for swish


def require(config, layer, key, allowed):
    if config.get(key, allowed[0]) not in allowed:
        raise Unsupported(f"layer `{layer}`: {key} = {config[key]!r} is not supported yet")


class Counter:
    """Keras' automatic names: `conv2d`, `conv2d_1`, ... counted per class."""

    def __init__(self):
        self.counts = {}

    def next(self, class_name):
        prefix = snake_case(class_name)
        n = self.counts.get(prefix, 0)
        self.counts[prefix] = n + 1
        return prefix if n == 0 else f"{prefix}_{n}"


def layer_line(class_name, config, auto_name):
    """One DSL line, with only the options that differ from the defaults."""
    name = config.get("name", auto_name)
    args = []
    if class_name == "Conv2D":
        require(config, name, "data_format", ["channels_last", None])
        require(config, name, "groups", [1])
        args += [str(config["filters"]), size(config["kernel_size"])]
        if pair(config.get("strides", 1)) != (1, 1):
            args.append(f"strides = {stride(config['strides'])}")
        if config.get("padding", "valid") != "valid":
            args.append(f"padding = {config['padding']}")
        if pair(config.get("dilation_rate", 1)) != (1, 1):
            args.append(f"dilation = {stride(config['dilation_rate'])}")
        if not config.get("use_bias", True):
            args.append("use_bias = false")
        act = activation(config, name)
        if act != "linear":
            args.append(act if len(args) == 2 else f"activation = {act}")
        dsl = "Conv2D"
    elif class_name in ("MaxPooling2D", "AveragePooling2D"):
        require(config, name, "data_format", ["channels_last", None])
        pool = pair(config.get("pool_size", 2))
        args.append(stride(pool))
        strides = config.get("strides")
        if strides is not None and pair(strides) != pool:
            args.append(f"strides = {stride(strides)}")
        if config.get("padding", "valid") != "valid":
            args.append(f"padding = {config['padding']}")
        dsl = "MaxPool" if class_name == "MaxPooling2D" else "AvgPool"
    elif class_name in ("GlobalMaxPooling2D", "GlobalAveragePooling2D"):
        require(config, name, "keepdims", [False])
        require(config, name, "data_format", ["channels_last", None])
        dsl = "GlobalMaxPool" if class_name == "GlobalMaxPooling2D" else "GlobalAvgPool"
    elif class_name == "Flatten":
        dsl = "Flatten"
    elif class_name == "Dense":
        args.append(str(config["units"]))
        act = activation(config, name)
        if act != "linear":
            args.append(act)
        if not config.get("use_bias", True):
            args.append("use_bias = false")
        dsl = "Dense"
    elif class_name == "Dropout":
        if config.get("noise_shape") is not None:
            raise Unsupported(f"layer `{name}`: Dropout noise_shape is not supported yet")
        args.append(repr(float(config["rate"])))
        dsl = "Dropout"
    elif class_name == "ReLU":
        if config.get("max_value") not in (None, 6, 6.0) or config.get("negative_slope", 0) != 0 \
                or config.get("threshold", 0) != 0:
            raise Unsupported(f"layer `{name}`: ReLU with these options is not supported yet")
        if config.get("max_value") is not None:
            dsl, args = "Activation", ["relu6"]
        else:
            dsl = "ReLU"
    elif class_name == "LeakyReLU":
        slope = config.get("negative_slope", config.get("alpha", 0.3))
        if abs(slope - 0.3) > 1e-9:
            args.append(repr(float(slope)))
        dsl = "LeakyReLU"
    elif class_name == "Softmax":
        if config.get("axis", -1) not in (-1, [-1]):
            raise Unsupported(f"layer `{name}`: Softmax over axis {config['axis']} is not supported yet")
        dsl = "Softmax"
    elif class_name == "Activation":
        args.append(activation(config, name))
        dsl = "Activation"
    else:
        raise Unsupported(f"layer `{name}` ({class_name}) is not supported yet")
    if name != auto_name:
        args.append(f'name = "{name}"')
    return dsl + (f"({', '.join(args)})" if args else "")


def weight_layers(layers):
    """(class_name, config) of every layer after the input."""
    return [(l["class_name"], l["config"]) for l in layers if l["class_name"] != "InputLayer"]


def spec_from_config(model_config, struct_name=None):
    """The `cnn!` spec of a Keras Sequential config (`model.to_json()`)."""
    if model_config.get("class_name") != "Sequential":
        raise Unsupported(f"{model_config.get('class_name')} models (the functional API) are not "
                          "supported yet: only Sequential")
    config = model_config["config"]
    layers = config["layers"]
    shape = None
    if layers and layers[0]["class_name"] == "InputLayer":
        shape = layers[0]["config"].get("batch_shape") or layers[0]["config"].get("batch_input_shape")
    elif layers:
        build = layers[0].get("build_config", {}).get("input_shape")
        shape = layers[0]["config"].get("batch_input_shape") or build
    if not shape or len(shape) != 4:
        raise Unsupported(f"input shape {shape}: only (None, H, W, C) images are supported")
    struct_name = struct_name or "".join(p.capitalize() for p in snake_case(config.get("name", "model")).split("_"))
    lines = [f"pub struct {struct_name};", f"input({shape[1]}, {shape[2]}, {shape[3]});"]
    counter = Counter()
    for class_name, layer_config in weight_layers(layers):
        lines.append(layer_line(class_name, layer_config, counter.next(class_name)))
    return "\n".join(lines) + "\n"


def tensor_names(model_config):
    """(layer name, weight-file key) of each layer, in order."""
    counter = Counter()
    out = []
    for class_name, config in weight_layers(model_config["config"]["layers"]):
        key = counter.next(class_name)  # Keras' saving_lib keys layers by class
        out.append((config.get("name", key), key, class_name, config))
    return out


def weights_from_keras_file(path):
    """The config and {tensor name: numpy array} of a `.keras` file."""
    import h5py  # noqa: PLC0415 (only this route needs it)

    with zipfile.ZipFile(path) as archive:
        model_config = json.loads(archive.read("config.json"))
        h5 = h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r")
    tensors = {}
    for name, key, class_name, config in tensor_names(model_config):
        group = h5.get(f"layers/{key}/vars") or h5.get(f"layers/{name}/vars")
        values = [group[str(i)][()] for i in range(len(group))] if group is not None else []
        add_tensors(tensors, name, class_name, config, values)
    return model_config, tensors


def add_tensors(tensors, name, class_name, config, values):
    if class_name in ("Conv2D", "Dense"):
        expected = 2 if config.get("use_bias", True) else 1
        if len(values) != expected:
            raise Unsupported(f"layer `{name}` has {len(values)} weight tensors, expected {expected}")
        tensors[f"{name}.kernel"] = values[0]
        if expected == 2:
            tensors[f"{name}.bias"] = values[1]
    elif values:
        raise Unsupported(f"layer `{name}` ({class_name}) has weights, which is not supported yet")


def weights_from_python(path):
    """The config and weights of a model built by a Python file (needs Keras)."""
    scope = runpy.run_path(path)
    model = scope.get("model")
    if model is None and callable(scope.get("build_model")):
        model = scope["build_model"]()
    if model is None:
        raise Unsupported(f"{path} defines neither `model` nor `build_model()`")
    model_config = json.loads(model.to_json())
    tensors = {}
    for name, _, class_name, config in tensor_names(model_config):
        add_tensors(tensors, name, class_name, config, model.get_layer(name).get_weights())
    return model_config, tensors


def write_safetensors(path, tensors):
    """Float32, little-endian, names sorted, 8-byte-aligned data (the format's rules)."""
    import numpy as np  # noqa: PLC0415

    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        data = np.ascontiguousarray(tensors[name], dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(np.shape(tensors[name])),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for blob in blobs:
            f.write(blob)


def write_npz(path, tensors):
    import numpy as np  # noqa: PLC0415

    np.savez(path, **{name: np.asarray(v, dtype="<f4") for name, v in tensors.items()})


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", help=".keras file, model.to_json() .json file, or Python file")
    parser.add_argument("-o", "--output", help="write the weights as safetensors")
    parser.add_argument("--npz", help="write the weights as .npz")
    parser.add_argument("--struct", help="the generated type's name (default: from the model's name)")
    args = parser.parse_args(argv)
    try:
        if args.model.endswith(".keras"):
            model_config, tensors = weights_from_keras_file(args.model)
        elif args.model.endswith(".json"):
            with open(args.model) as f:
                model_config, tensors = json.load(f), None
        else:
            model_config, tensors = weights_from_python(args.model)
        spec = spec_from_config(model_config, args.struct)
        if (args.output or args.npz) and tensors is None:
            raise Unsupported("a .json config has no weights: export from the .keras file")
        if args.output:
            write_safetensors(args.output, tensors)
        if args.npz:
            write_npz(args.npz, tensors)
    except Unsupported as e:
        print(f"export_keras: {e}", file=sys.stderr)
        return 1
    sys.stdout.write(spec)
    return 0


if __name__ == "__main__":
    sys.exit(main())
