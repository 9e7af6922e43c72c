"""Makes tests/keras/constant_tensors/: Keras 3's arithmetic of tensors with
constant arrays (a per-channel mean subtracted, a division by a (1, 1, C)
tensor, a product with a full (H, W, C) array, a constant minus a tensor, a
vector plus a constant vector), which `model.to_json()` writes as op nodes
holding the arrays, with Keras' outputs: the ground truth of
`tests/constant_tensors.rs`.

    target/peers-venv/bin/python tests/keras/constant_tensors.py
"""
import keras
import numpy as np
from case import save
from keras import layers, ops

rng = np.random.default_rng(61)
inputs = keras.Input((3, 4, 3))
x = inputs - np.array([0.485, 0.456, 0.406], dtype="float32")
x = x / ops.convert_to_tensor(np.array([[[0.229, 0.224, 0.225]]], dtype="float32"))
x = layers.Conv2D(2, 1)(x)
x = x * rng.uniform(0.5, 1.5, (3, 4, 2)).astype("float32")
x = ops.subtract(np.array([1.0, -1.0], dtype="float32"), x)
x = layers.GlobalAveragePooling2D()(x)
outputs = x + np.array([0.25, -0.5], dtype="float32")
model = keras.Model(inputs, outputs, name="constant_tensors")
model.set_weights([rng.normal(0, 0.5, w.shape).astype(np.float32) for w in model.get_weights()])
save(model, "constant_tensors", rng.uniform(0, 1, (3, 3, 4, 3)).astype(np.float32))
