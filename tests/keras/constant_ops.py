"""Makes tests/keras/constant_ops/: Keras 3 arithmetic on tensors and
numbers as networks write it (MobileNetV3's hard sigmoid and hard swish,
`relu6(x + 3) * (1 / 6)` and `x * hard_sigmoid(x)`, and `c - x`, `x / c`,
`c / x`, `x - c`), which `model.to_json()` stores as op nodes; its JSON,
summary, weights and Keras' outputs: the ground truth of
`tests/constant_ops.rs`.

    target/peers-venv/bin/python tests/keras/constant_ops.py
"""
import os

import keras
import numpy as np
from keras import layers
from safetensors.numpy import save_file

out = os.path.join(os.path.dirname(__file__), "constant_ops")
os.makedirs(out, exist_ok=True)


def hard_sigmoid(x):
    return layers.ReLU(6.0)(x + 3.0) * (1.0 / 6.0)


inputs = keras.Input((5, 5, 3))
x = layers.Conv2D(4, 3, padding="same")(inputs)
x = x * hard_sigmoid(x)
x = 2.0 - x
x = x / 4.0
x = layers.Conv2D(4, 1)(x)
x = 1.5 / (layers.Activation("sigmoid")(x) + 0.5)
x = x - 0.25
x = layers.GlobalAveragePooling2D()(x)
outputs = layers.Dense(3)(x)
model = keras.Model(inputs, outputs, name="constant_ops")
rng = np.random.default_rng(3)
model.set_weights([rng.normal(0, 0.5, w.shape).astype(np.float32) for w in model.get_weights()])
with open(os.path.join(out, "config.json"), "w") as f:
    f.write(model.to_json())
lines = []
model.summary(print_fn=lambda text, **_: lines.append(text))
text = "\n".join(lines)
with open(os.path.join(out, "summary.txt"), "w") as f:
    f.write(text if text.endswith("\n") else text + "\n")
tensors = {}
for layer in model.layers:
    for name, value in zip(["kernel", "bias"], layer.get_weights()):
        tensors[f"{layer.name}.{name}"] = value
save_file(tensors, os.path.join(out, "weights.safetensors"))
x = rng.normal(0, 2, (3, 5, 5, 3)).astype(np.float32)
save_file({"inputs": x, "outputs": model.predict(x, verbose=0).astype(np.float32)},
          os.path.join(out, "io.safetensors"))
