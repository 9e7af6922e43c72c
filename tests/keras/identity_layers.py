"""Makes tests/keras/identity_layers/: a Keras model with every layer that
only acts in training (Dropout with `noise_shape`, SpatialDropout2D,
AlphaDropout, GaussianDropout, GaussianNoise, ActivityRegularization), its
`to_json()`, summary, weights, and Keras' outputs: the ground truth of
`tests/identity_layers.rs`.

    target/peers-venv/bin/python tests/keras/identity_layers.py
"""
import os

import keras
import numpy as np
from keras import layers
from safetensors.numpy import save_file

out = os.path.join(os.path.dirname(__file__), "identity_layers")
os.makedirs(out, exist_ok=True)
inputs = keras.Input((8, 8, 3))
x = layers.Conv2D(6, 3, activation="relu")(inputs)
x = layers.SpatialDropout2D(0.3)(x)
x = layers.Dropout(0.2, noise_shape=(None, 1, 1, 6))(x)
x = layers.GaussianNoise(0.5)(x)
x = layers.GaussianDropout(0.4)(x)
x = layers.AlphaDropout(0.1)(x)
x = layers.ActivityRegularization(l1=0.01, l2=0.001)(x)
x = layers.GlobalAveragePooling2D()(x)
outputs = layers.Dense(4, activation="softmax")(x)
model = keras.Model(inputs, outputs, name="identity_layers")
rng = np.random.default_rng(7)
model.set_weights([rng.normal(0, 0.5, w.shape).astype(np.float32) for w in model.get_weights()])
with open(os.path.join(out, "config.json"), "w") as f:
    f.write(model.to_json())
lines = []
model.summary(print_fn=lambda text, **_: lines.append(text))
text = "\n".join(lines)
with open(os.path.join(out, "summary.txt"), "w") as f:
    f.write(text if text.endswith("\n") else text + "\n")
conv, dense = model.get_layer("conv2d"), model.get_layer("dense")
save_file({
    "conv2d.kernel": conv.get_weights()[0], "conv2d.bias": conv.get_weights()[1],
    "dense.kernel": dense.get_weights()[0], "dense.bias": dense.get_weights()[1],
}, os.path.join(out, "weights.safetensors"))
x = rng.normal(0, 1, (3, 8, 8, 3)).astype(np.float32)
save_file({"inputs": x, "outputs": model.predict(x, verbose=0).astype(np.float32)},
          os.path.join(out, "io.safetensors"))
