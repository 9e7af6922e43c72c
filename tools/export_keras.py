#!/usr/bin/env python3
"""Export a Keras model for the cnn compiler: print its `cnn!` spec and write its
weights with our tensor names (`{layer}.kernel`, `{layer}.bias`, Keras layouts).

Usage:
    export_keras.py MODEL [-o WEIGHTS.safetensors] [--npz WEIGHTS.npz] [--struct NAME]

MODEL is one of:
  * a `.keras` file: read directly (config.json + model.weights.h5); needs only
    numpy, h5py and safetensors, not Keras;
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
               "elu", "gelu", "swish", "silu", "hard_sigmoid", "hard_silu", "hard_swish", "mish",
               "softplus", "softsign", "selu", "exponential", "hard_tanh", "tanh_shrink",
               "log_sigmoid", "celu", "soft_shrink", "hard_shrink", "squareplus", "sparse_plus",
               "sparse_sigmoid"}


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

    def peek(self, class_name):
        """The name the next unnamed layer of this class gets."""
        prefix = snake_case(class_name)
        n = self.counts.get(prefix, 0)
        return prefix if n == 0 else f"{prefix}_{n}"

    def next(self, class_name):
        name = self.peek(class_name)
        prefix = snake_case(class_name)
        self.counts[prefix] = self.counts.get(prefix, 0) + 1
        return name


def spec_line(counter, class_name, config):
    """A layer's line, its name left out where the compiler gives the same one:
    like Keras, the compiler numbers only the layers that have no name, so a
    layer named explicitly does not use up a number."""
    auto = counter.peek(class_name)
    line = layer_line(class_name, config, auto)
    if config.get("name", auto) == auto:
        counter.next(class_name)
    return line


def header(struct_name, model_name):
    """`pub struct Name;`, and the model's own name where the type's name in
    snake case is not it (`functional_119` is no type name's snake case)."""
    lines = [f"pub struct {struct_name};"]
    if snake_case(struct_name) != model_name:
        lines.append(f'model_name = "{model_name}";')
    return lines


def window_options(config):
    """A convolution's strides, padding, dilation and bias, where not the defaults."""
    options = []
    if pair(config.get("strides", 1)) != (1, 1):
        options.append(f"strides = {stride(config['strides'])}")
    if config.get("padding", "valid") != "valid":
        options.append(f"padding = {config['padding']}")
    if pair(config.get("dilation_rate", 1)) != (1, 1):
        options.append(f"dilation = {stride(config['dilation_rate'])}")
    if not config.get("use_bias", True):
        options.append("use_bias = false")
    return options


def layer_line(class_name, config, auto_name):
    """One DSL line, with only the options that differ from the defaults."""
    name = config.get("name", auto_name)
    args = []
    if class_name == "Conv2D":
        require(config, name, "data_format", ["channels_last", None])
        require(config, name, "groups", [1])
        args += [str(config["filters"]), size(config["kernel_size"])]
        args += window_options(config)
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
        require(config, name, "data_format", ["channels_last", None])
        if config.get("keepdims", False):
            args.append("keepdims = true")
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
        for key, default in (("max_value", None), ("negative_slope", 0), ("threshold", 0)):
            if config.get(key, default) not in (default, 0.0 if default == 0 else None):
                args.append(f"{key} = {float(config[key])!r}")
        dsl = "ReLU"
    elif class_name == "BatchNormalization":
        axis = config.get("axis", -1)
        if axis not in (-1, [-1], 3, [3]):
            raise Unsupported(f"layer `{name}`: BatchNormalization over axis {axis} is not supported yet")
        if config.get("epsilon", 1e-3) != 1e-3:
            args.append(f"epsilon = {float(config['epsilon'])!r}")
        for key in ("center", "scale"):
            if not config.get(key, True):
                args.append(f"{key} = false")
        dsl = "BatchNormalization"
    elif class_name in ("DepthwiseConv2D", "SeparableConv2D"):
        require(config, name, "data_format", ["channels_last", None])
        if class_name == "SeparableConv2D":
            args.append(str(config["filters"]))
        args.append(size(config["kernel_size"]))
        args += window_options(config)
        if config.get("depth_multiplier", 1) != 1:
            args.append(f"depth_multiplier = {config['depth_multiplier']}")
        act = activation(config, name)
        if act != "linear":
            args.append(f"activation = {act}")
        dsl = class_name
    elif class_name == "ZeroPadding2D":
        require(config, name, "data_format", ["channels_last", None])
        padding = config.get("padding", 1)
        if isinstance(padding, int):
            rows = cols = (padding, padding)
        elif all(isinstance(p, int) for p in padding):
            rows, cols = (padding[0], padding[0]), (padding[1], padding[1])
        else:
            rows, cols = tuple(padding[0]), tuple(padding[1])
        if rows == cols and rows[0] == rows[1]:
            if rows[0] != 1:
                args.append(str(rows[0]))
        else:
            args.append(f"(({rows[0]}, {rows[1]}), ({cols[0]}, {cols[1]}))")
        dsl = "ZeroPadding2D"
    elif class_name == "Rescaling":
        for key in ("scale", "offset"):
            if not isinstance(config.get(key, 0.0), (int, float)):
                raise Unsupported(f"layer `{name}`: a Rescaling {key} per channel is not supported yet")
        args.append(repr(float(config["scale"])))
        if config.get("offset", 0.0) != 0.0:
            args.append(f"offset = {float(config['offset'])!r}")
        dsl = "Rescaling"
    elif class_name == "Reshape":
        shape = tuple(config["target_shape"])
        args.append(f"({shape[0]},)" if len(shape) == 1 else str(shape))
        dsl = "Reshape"
    elif class_name in ("Add", "Concatenate"):
        if class_name == "Concatenate" and config.get("axis", -1) not in (-1, 3):
            raise Unsupported(f"layer `{name}`: Concatenate on axis {config['axis']} is not supported yet")
        dsl = class_name
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


def inbound(layer):
    """The names of the layers a functional layer reads, in order (Keras 3's
    `keras_history`, or Keras 2's `[name, node, tensor, kwargs]` lists)."""
    names = []

    def walk(value):
        if isinstance(value, dict):
            history = value.get("config", {}).get("keras_history")
            if history:
                names.append(history[0])
            elif "args" in value:
                walk(value["args"])
        elif isinstance(value, list):
            if len(value) >= 3 and isinstance(value[0], str) and isinstance(value[1], int):
                names.append(value[0])
            else:
                for item in value:
                    walk(item)

    nodes = layer.get("inbound_nodes", [])
    if len(nodes) != 1:
        raise Unsupported(f"layer `{layer['config'].get('name')}` is called {len(nodes)} times: "
                          "shared layers are not supported")
    walk(nodes[0])
    return names


def variable(name):
    """A layer name as a DSL tensor name."""
    var = re.sub(r"\W", "_", name)
    keywords = {"input", "weights", "as", "fn", "if", "in", "let", "loop", "match", "mod", "move",
                "ref", "self", "type", "use", "where", "while", "struct", "true", "false"}
    return f"t_{var}" if var in keywords or var[0].isdigit() else var


def spec_from_functional(model_config, struct_name, model_name):
    """The `cnn!` graph form of a functional model: a layer reads the one before
    it unless it says otherwise; results read elsewhere are named."""
    config = model_config["config"]
    layers = config["layers"]
    inputs = [l for l in layers if l["class_name"] == "InputLayer"]
    if len(inputs) != 1:
        raise Unsupported(f"{len(inputs)} inputs: only models with one input are supported")
    input_name = inputs[0]["config"]["name"]
    shape = inputs[0]["config"].get("batch_shape") or inputs[0]["config"].get("batch_input_shape")
    if not shape or len(shape) not in (2, 4):
        raise Unsupported(f"input shape {shape}: only (None, H, W, C) images or (None, n) vectors")
    dims = ", ".join(str(d) for d in shape[1:])
    lines = header(struct_name, model_name) + [f'input({dims}, name = "{input_name}");']
    body = [l for l in layers if l["class_name"] != "InputLayer"]
    reads = {l["config"]["name"]: inbound(l) for l in body}
    previous = [input_name] + [l["config"]["name"] for l in body]
    # A result is named when a layer other than the next one reads it.
    named = set()
    for i, layer in enumerate(body):
        sources = reads[layer["config"]["name"]]
        if sources != [previous[i]]:
            named.update(sources)
    counter = Counter()
    for i, layer in enumerate(body):
        name = layer["config"]["name"]
        line = spec_line(counter, layer["class_name"], layer["config"])
        sources = reads[name]
        # The first layer names the input it reads, as `layer(...)(inputs)` does:
        # that makes the model functional (its summary lists the InputLayer).
        if sources != [previous[i]] or i == 0:
            if not line.endswith(")"):
                line += "()"
            line += "(" + ", ".join("input" if s == input_name else variable(s) for s in sources) + ")"
        if name in named:
            line = f"{variable(name)} = {line};"
        lines.append(line)
    outputs = config.get("output_layers", [])
    output = outputs[0][0] if outputs and isinstance(outputs[0], list) else (outputs or [None])[0]
    if output != previous[-1]:
        raise Unsupported(f"the output `{output}` is not the last layer")
    return "\n".join(lines) + "\n"


def spec_from_config(model_config, struct_name=None):
    """The `cnn!` spec of a Keras config (`model.to_json()`), Sequential or functional."""
    config = model_config["config"]
    class_name = model_config.get("class_name")
    default = "sequential" if class_name == "Sequential" else "functional"
    model_name = config.get("name", default)
    name = snake_case(model_name)
    struct_name = struct_name or "".join(p.capitalize() for p in name.split("_") if p) or "Model"
    if not struct_name[0].isalpha():
        struct_name = "Model" + struct_name
    if class_name in ("Functional", "Model"):
        return spec_from_functional(model_config, struct_name, model_name)
    if class_name != "Sequential":
        raise Unsupported(f"{class_name} models are not supported: only Sequential and Functional")
    layers = config["layers"]
    shape = None
    if layers and layers[0]["class_name"] == "InputLayer":
        shape = layers[0]["config"].get("batch_shape") or layers[0]["config"].get("batch_input_shape")
    elif layers:
        build = layers[0].get("build_config", {}).get("input_shape")
        shape = layers[0]["config"].get("batch_input_shape") or build
    if not shape or len(shape) not in (2, 4):
        raise Unsupported(f"input shape {shape}: only (None, H, W, C) images or (None, n) vectors")
    dims = ", ".join(str(d) for d in shape[1:])
    lines = header(struct_name, model_name) + [f"input({dims});"]
    counter = Counter()
    for class_name, layer_config in weight_layers(layers):
        lines.append(spec_line(counter, class_name, layer_config))
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


def variables(class_name, config):
    """Keras' variables of a layer, in the order Keras creates (and saves) them."""
    bias = ["bias"] if config.get("use_bias", True) else []
    if class_name in ("Conv1D", "Conv2D", "Conv2DTranspose", "Dense", "DepthwiseConv2D"):
        return ["kernel"] + bias
    if class_name == "SeparableConv2D":
        return ["depthwise_kernel", "pointwise_kernel"] + bias
    if class_name == "Normalization" and config.get("mean") is None:
        return ["mean", "variance", "count"]
    if class_name == "LayerNormalization":
        rms = config.get("rms_scaling", False)
        return (["gamma"] if config.get("scale", True) or rms else []) \
            + (["beta"] if config.get("center", True) and not rms else [])
    if class_name == "LayerScale":
        return ["gamma"]
    if class_name == "BatchNormalization":
        return (["gamma"] if config.get("scale", True) else []) \
            + (["beta"] if config.get("center", True) else []) + ["moving_mean", "moving_variance"]
    return []


def add_tensors(tensors, name, class_name, config, values):
    names = variables(class_name, config)
    if names:
        if len(values) != len(names):
            raise Unsupported(f"layer `{name}` has {len(values)} weight tensors, expected {len(names)}")
        for variable_name, value in zip(names, values):
            tensors[f"{name}.{variable_name}"] = value
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
    """Float32 tensors, written by the format's own package (`pip install safetensors`)."""
    import numpy as np  # noqa: PLC0415
    from safetensors.numpy import save_file  # noqa: PLC0415

    # np.array keeps a scalar a scalar (Normalization's count); ascontiguousarray would not.
    save_file({name: np.array(v, dtype="<f4", order="C") for name, v in tensors.items()}, path)


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
