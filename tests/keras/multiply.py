"""Makes tests/keras/multiply/: Keras' Multiply in the shapes networks use it
(a squeeze-and-excite block's `(H, W, C) x (1, 1, C)`, the broadcast operand
first or last, a map times a vector of channels, three maps of one shape),
its `to_json()`, summary, weights and Keras' outputs: the ground truth of
`tests/multiply.rs`.

    target/peers-venv/bin/python tests/keras/multiply.py
"""
import os

import keras
import numpy as np
from keras import layers
from safetensors.numpy import save_file

out = os.path.join(os.path.dirname(__file__), "multiply")
os.makedirs(out, exist_ok=True)
inputs = keras.Input((6, 5, 4))
x = layers.Conv2D(8, 3, padding="same", activation="relu")(inputs)
se = layers.GlobalAveragePooling2D(keepdims=True)(x)
se = layers.Conv2D(2, 1, activation="relu")(se)
se = layers.Conv2D(8, 1, activation="hard_sigmoid")(se)
x = layers.Multiply()([x, se])
gate = layers.GlobalAveragePooling2D()(x)
gate = layers.Dense(8, activation="sigmoid")(gate)
y = layers.Multiply()([gate, x])
z = layers.Conv2D(8, 1)(y)
y = layers.Multiply()([y, z, x])
y = layers.GlobalMaxPooling2D()(y)
outputs = layers.Dense(3)(y)
model = keras.Model(inputs, outputs, name="multiply")
rng = np.random.default_rng(5)
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
x = rng.normal(0, 1, (3, 6, 5, 4)).astype(np.float32)
save_file({"inputs": x, "outputs": model.predict(x, verbose=0).astype(np.float32)},
          os.path.join(out, "io.safetensors"))
