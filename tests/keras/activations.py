"""Makes tests/keras/activations.safetensors: Keras' own outputs of
`keras.layers.Activation(name)` for every activation name the compiler reads,
on 64 values from -20 to 20 (the ground truth of `tests/activations.rs`).

    target/peers-venv/bin/python tests/keras/activations.py
"""

import keras
import numpy as np
from safetensors.numpy import save_file

NAMES = ["linear", "relu", "relu6", "sigmoid", "tanh", "leaky_relu", "elu", "gelu", "silu",
         "hard_sigmoid", "hard_silu", "mish", "softplus", "softsign", "selu", "exponential",
         "hard_tanh", "tanh_shrink", "log_sigmoid", "celu", "soft_shrink", "hard_shrink", "squareplus",
         "sparse_plus", "sparse_sigmoid"]
x = np.concatenate([np.linspace(-20.0, 20.0, 48), np.linspace(-1.5, 1.5, 16)]).astype(np.float32)
tensors = {"x": x}
for name in NAMES:
    inputs = keras.Input((64,))
    model = keras.Model(inputs, keras.layers.Activation(name)(inputs))
    tensors[name] = np.asarray(model(x[None, :]), dtype=np.float32)[0]
save_file(tensors, "tests/keras/activations.safetensors")
