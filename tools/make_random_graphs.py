#!/usr/bin/env python3
"""Random Keras graph models, run by Keras: the ground truth of
`tests/random_graphs.rs`, which compiles each with `include_keras!` and checks
the outputs on every instruction-set path. A memory-plan, fusion or kernel
change that breaks a graph shape nobody thought of fails there.

Each model reads one small image and mixes, at random: convolutions (strides,
dilations, asymmetric kernels, both paddings, with and without bias and
activations), depthwise and separable convolutions, batch normalization with
trained-like statistics, activations, pooling, zero padding, `Add` of 2-4
tensors (a tensor may be added to itself) and `Concatenate`; layers read the
latest tensor or an earlier one, so branches stay alive across others. Every
branch ends in the output: what no layer read is pooled and concatenated
before the classifier.

    target/peers-venv/bin/python tools/make_random_graphs.py [COUNT] [SEED]

writes tests/random_graphs/gNN/{config.json, weights.safetensors, io.safetensors},
tests/random_graphs/manifest.json (each model's tolerance: 4x Keras' own
float32 error against float64, at least 1e-5, as the fixtures' README says)
and tests/random_graphs.rs (then run `cargo fmt`). Needs tensorflow-cpu
(Keras 3) and safetensors; `scripts/bench-peers.sh` makes such a venv.
"""

import json
import os
import random
import sys

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras  # noqa: E402
from keras import layers  # noqa: E402
from safetensors.numpy import save_file  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from export_keras import variables  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), "..")
OUT = os.path.join(ROOT, "tests", "random_graphs")
ACTIVATIONS = ["linear", "relu", "relu6", "sigmoid", "tanh", "elu", "gelu", "silu", "leaky_relu"]


class Graph:
    """The tensors made so far (with their shapes) and which are still unread."""

    def __init__(self, rng, x):
        self.rng = rng
        self.tensors = [x]
        self.unread = {0}

    def shape(self, i):
        return tuple(self.tensors[i].shape[1:])

    def pick(self):
        """Mostly the latest tensor; sometimes an earlier one (a branch)."""
        if self.rng.random() < 0.65:
            return len(self.tensors) - 1
        return self.rng.randrange(len(self.tensors))

    def add(self, layer, sources):
        inputs = [self.tensors[s] for s in sources]
        y = layer(inputs if len(inputs) > 1 or isinstance(layer, (layers.Add, layers.Concatenate)) else inputs[0])
        for s in sources:
            self.unread.discard(s)
        self.tensors.append(y)
        self.unread.add(len(self.tensors) - 1)


def window_fits(shape, kernel, dilation=(1, 1)):
    return all(shape[a] >= (kernel[a] - 1) * dilation[a] + 1 for a in (0, 1))


def random_layer(rng, g):
    """Adds one random layer to `g` (or nothing when the pick does not fit)."""
    s = g.pick()
    h, w, c = g.shape(s)
    kind = rng.choice(["conv", "conv", "conv", "depthwise", "separable", "bn", "act", "pool", "pad",
                       "add", "add", "concat"])
    kernel = (rng.choice([1, 2, 3]), rng.choice([1, 2, 3]))
    strides = rng.choice([(1, 1), (1, 1), (2, 2), (1, 2)])
    dilation = (1, 1) if strides != (1, 1) or rng.random() < 0.7 else (rng.choice([1, 2]), 2)
    padding = rng.choice(["valid", "same"])
    activation = rng.choice(ACTIVATIONS)
    if kind in ("conv", "depthwise", "separable"):
        if kind != "conv" and strides[0] != strides[1]:
            strides = (1, 1)  # TensorFlow's depthwise kernel needs equal strides
        if padding == "valid" and not window_fits((h, w), kernel, dilation):
            padding = "same"
        common = dict(strides=strides, padding=padding, dilation_rate=dilation, activation=activation,
                      use_bias=rng.random() < 0.8)
        if kind == "conv":
            layer = layers.Conv2D(rng.randint(1, 6), kernel, **common)
        elif kind == "depthwise":
            layer = layers.DepthwiseConv2D(kernel, depth_multiplier=rng.choice([1, 1, 2]), **common)
        else:
            layer = layers.SeparableConv2D(rng.randint(1, 6), kernel, depth_multiplier=rng.choice([1, 2]),
                                           **common)
        g.add(layer, [s])
    elif kind == "bn":
        g.add(layers.BatchNormalization(epsilon=rng.choice([1e-3, 1e-5]), center=rng.random() < 0.8,
                                        scale=rng.random() < 0.8), [s])
    elif kind == "act":
        choice = rng.choice(["activation", "relu", "leaky"])
        if choice == "activation":
            g.add(layers.Activation(rng.choice(ACTIVATIONS)), [s])
        elif choice == "relu":
            g.add(layers.ReLU(max_value=rng.choice([None, 6.0, 2.5]), negative_slope=rng.choice([0.0, 0.1]),
                              threshold=rng.choice([0.0, 0.0, 0.25])), [s])
        else:
            g.add(layers.LeakyReLU(negative_slope=rng.choice([0.3, 0.05])), [s])
    elif kind == "pool":
        pool = (rng.choice([2, 3]), rng.choice([1, 2]))
        if not window_fits((h, w), pool):
            return
        cls = rng.choice([layers.MaxPooling2D, layers.AveragePooling2D])
        g.add(cls(pool, strides=rng.choice([None, (1, 1), (2, 1)]), padding=rng.choice(["valid", "same"])), [s])
    elif kind == "pad":
        g.add(layers.ZeroPadding2D(((rng.randint(0, 2), rng.randint(0, 1)), (rng.randint(0, 1), rng.randint(0, 2)))),
              [s])
    elif kind == "add":
        same = [t for t in range(len(g.tensors)) if g.shape(t) == (h, w, c)]
        # Unread tensors first, so branches join; a tensor may come twice.
        unread = [t for t in same if t in g.unread and t != s]
        others = unread + [rng.choice(same) for _ in range(3)]
        sources = [s] + others[: rng.randint(1, 3)]
        g.add(layers.Add(), sources)
    else:
        fits = [t for t in range(len(g.tensors)) if g.shape(t)[:2] == (h, w) and t != s]
        if not fits:
            return
        unread = [t for t in fits if t in g.unread]
        pool = unread or fits
        g.add(layers.Concatenate(), [s] + rng.sample(pool, min(len(pool), rng.randint(1, 2))))


def random_model(rng, index, state=None):
    if state is not None:
        rng.setstate(state)
    shape = (rng.randint(5, 12), rng.randint(5, 12), rng.randint(1, 4))
    x = keras.Input(shape)
    g = Graph(rng, x)
    for _ in range(rng.randint(4, 22)):
        random_layer(rng, g)
    # Every branch reaches the output.
    leaves = sorted(g.unread)
    pooled = [layers.GlobalAveragePooling2D(keepdims=True)(g.tensors[t]) if t else
              layers.GlobalMaxPooling2D(keepdims=True)(g.tensors[t]) for t in leaves]
    y = pooled[0] if len(pooled) == 1 else layers.Concatenate()(pooled)
    y = layers.Flatten()(y)
    y = layers.Dense(rng.randint(2, 10), activation=rng.choice(["softmax", "linear", "sigmoid"]))(y)
    return keras.Model(x, y, name=f"random_graph_{index:02}")


def randomize_weights(rng, model):
    """Weights like trained ones: kernels at Glorot scale, biases and BatchNorm
    statistics away from their initial values."""
    for layer in model.layers:
        values = []
        for v in layer.get_weights():
            values.append(np.asarray(rng_np(rng).normal(0.0, 0.5, v.shape), dtype=np.float32))
        if isinstance(layer, layers.BatchNormalization):
            names = variables("BatchNormalization", layer.get_config())
            values = [np.abs(v) + 0.5 if n in ("moving_variance", "gamma") else v for n, v in zip(names, values)]
        if values:
            layer.set_weights(values)


def rng_np(rng):
    return np.random.default_rng(rng.randrange(2**32))


def in_float64(model, rng_state, index):
    """The same model computing in float64 (the fixtures' error reference):
    built again from the same random choices, with Keras' float64 layers."""
    keras.config.set_floatx("float64")
    keras.config.set_dtype_policy("float64")
    try:
        clone = random_model(random.Random(0), index, rng_state)
    finally:
        keras.config.set_floatx("float32")
        keras.config.set_dtype_policy("float32")
    clone.set_weights([w.astype(np.float64) for w in model.get_weights()])
    return clone


def weight_tensors(model):
    config = json.loads(model.to_json())
    tensors = {}
    for layer, layer_config in zip(model.layers, config["config"]["layers"]):
        names = variables(layer_config["class_name"], layer_config["config"])
        for name, value in zip(names, layer.get_weights()):
            tensors[f"{layer.name}.{name}"] = np.ascontiguousarray(value, dtype="<f4")
    return tensors


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 24
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 24
    rng = random.Random(seed)
    os.makedirs(OUT, exist_ok=True)
    manifest = {}
    names = []
    for index in range(count):
        state = rng.getstate()
        model = random_model(rng, index)
        randomize_weights(rng, model)
        name = f"g{index:02}"
        folder = os.path.join(OUT, name)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "config.json"), "w") as f:
            f.write(model.to_json())
        save_file(weight_tensors(model), os.path.join(folder, "weights.safetensors"))
        lines = []
        model.summary(print_fn=lambda text, **_: lines.append(text))
        with open(os.path.join(folder, "summary.txt"), "w") as f:
            text = "\n".join(lines)
            f.write(text if text.endswith("\n") else text + "\n")
        inputs = rng_np(rng).normal(0.0, 1.0, (3,) + tuple(model.input.shape[1:])).astype(np.float32)
        outputs = np.asarray(model(inputs), dtype=np.float32)
        reference = np.asarray(in_float64(model, state, index)(inputs.astype(np.float64)))
        error = float(np.max(np.abs(outputs.astype(np.float64) - reference)))
        save_file({"inputs": inputs, "outputs": outputs}, os.path.join(folder, "io.safetensors"))
        manifest[name] = {"layers": len(model.layers), "keras_f32_vs_f64_max_abs": error,
                          "tolerance": max(1e-5, 4 * error)}
        names.append(name)
        print(name, len(model.layers), "layers, Keras f32 vs f64", f"{error:.1e}")
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    write_test(names)


def write_test(names):
    structs = "\n".join(
        f'    cnn_runtime::include_keras! {{ pub struct {n.upper()}; "tests/random_graphs/{n}/config.json" }}'
        for n in names)
    checks = "\n".join(f'    check::<graphs::{n.upper()}>("{n}", graphs::{n.upper()}::summary());' for n in names)
    text = f'''//! Random Keras graph models (`tools/make_random_graphs.py`, which writes this
//! file): each compiled by `include_keras!`, loaded with its weights and run on
//! Keras' inputs gives Keras' outputs within the model's tolerance, with fresh
//! and reused scratch, on every instruction-set path; its summary is Keras'.

use cnn_runtime::memory::{{flat, flat_mut, zeroed_box}};
use cnn_runtime::{{simd, Model, WeightFiles}};
use std::path::{{Path, PathBuf}};

#[allow(clippy::upper_case_acronyms)]
mod graphs {{
{structs}
}}

fn folder(name: &str) -> PathBuf {{
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/random_graphs").join(name)
}}

fn check<M: Model + WeightFiles>(name: &str, ours: &str) {{
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(folder("manifest.json")).unwrap(),
    )
    .unwrap();
    let tolerance = manifest[name]["tolerance"].as_f64().unwrap();
    let summary = std::fs::read_to_string(folder(name).join("summary.txt")).unwrap();
    assert_eq!(ours, summary, "{{name}}: Keras' summary");
    let model = M::from_safetensors_file(folder(name).join("weights.safetensors")).unwrap();
    let io = cnn_examples::safetensors::read(&folder(name).join("io.safetensors")).unwrap();
    let (inputs, outputs) = (io["inputs"].to_f32(), io["outputs"].to_f32());
    let n = io["inputs"].shape[0];
    let mut input = zeroed_box::<M::Input>();
    let mut scratch = zeroed_box::<M::Scratch>();
    let run = || {{
        let mut worst = 0.0f64;
        for (x, keras) in inputs.chunks_exact(inputs.len() / n).zip(outputs.chunks_exact(outputs.len() / n)) {{
            flat_mut(&mut *input).copy_from_slice(x);
            // Scratch reused from the previous input and model run.
            let ours = flat(model.forward_into(&input, &mut scratch)).to_vec();
            let fresh = flat(model.forward_into(&input, &mut zeroed_box::<M::Scratch>())).to_vec();
            assert_eq!(ours, fresh, "{{name}}: reused scratch changed the output");
            for (o, k) in ours.iter().zip(keras) {{
                worst = worst.max(f64::from((o - k).abs()));
            }}
        }}
        assert!(worst <= tolerance, "{{name}} ({{:?}}): {{worst:.2e}} from Keras, tolerance {{tolerance:.1e}}", simd::isa());
    }};
    let mut run = run;
    run();
    simd::without_avx512(&mut run);
    simd::with_portable(&mut run);
}}

#[test]
fn random_graphs_equal_keras() {{
{checks}
}}
'''
    with open(os.path.join(ROOT, "tests", "random_graphs.rs"), "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
