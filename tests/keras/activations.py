"""Makes tests/keras/activations.safetensors: Keras' own outputs of
`keras.layers.Activation(name)` for every activation name the compiler reads,
and of every activation function of `keras.ops` it reads as a layer
(`keras.ops.gelu(x)`, stored as `ops.Gelu`, ...), on 64 values from -20 to 20
(the ground truth of `tests/activations.rs`).

    target/peers-venv/bin/python tests/keras/activations.py
"""

import keras
import numpy as np
from safetensors.numpy import save_file

NAMES = ["linear", "relu", "relu6", "sigmoid", "tanh", "leaky_relu", "elu", "gelu", "silu",
         "hard_sigmoid", "hard_silu", "mish", "softplus", "softsign", "selu", "exponential",
         "hard_tanh", "tanh_shrink", "log_sigmoid", "celu", "soft_shrink", "hard_shrink", "squareplus",
         "sparse_plus", "sparse_sigmoid", "log_softmax"]
o = keras.ops
OPS = {
    "Relu": o.relu, "Relu6": o.relu6, "Sigmoid": o.sigmoid, "Silu": o.silu,
    "Gelu": o.gelu, "GeluExact": lambda x: o.gelu(x, approximate=False),
    "Elu": o.elu, "Selu": o.selu, "Softplus": o.softplus, "Softsign": o.softsign,
    "HardSigmoid": o.hard_sigmoid, "HardSilu": o.hard_silu,
    "LeakyRelu": lambda x: o.leaky_relu(x, negative_slope=0.1), "LogSoftmax": o.log_softmax,
    "LogSigmoid": o.log_sigmoid, "Celu": o.celu, "HardTanh": o.hard_tanh,
    "HardShrink": o.hard_shrink, "SoftShrink": o.soft_shrink, "TanhShrink": o.tanh_shrink,
    "Squareplus": o.squareplus, "SparsePlus": o.sparse_plus, "SparseSigmoid": o.sparse_sigmoid,
    "Tanh": o.tanh, "Exp": o.exp,
}
x = np.concatenate([np.linspace(-20.0, 20.0, 48), np.linspace(-1.5, 1.5, 16)]).astype(np.float32)
tensors = {"x": x}
for name in NAMES:
    inputs = keras.Input((64,))
    model = keras.Model(inputs, keras.layers.Activation(name)(inputs))
    tensors[name] = np.asarray(model(x[None, :]), dtype=np.float32)[0]
for name, op in OPS.items():
    inputs = keras.Input((64,))
    model = keras.Model(inputs, op(inputs))
    tensors[f"ops.{name}"] = np.asarray(model(x[None, :]), dtype=np.float32)[0]
save_file(tensors, "tests/keras/activations.safetensors")
