"""Makes tests/keras/conv1d/: a small keyword-spotting-style model on a
sequence (steps, channels): Conv1D (valid, same, causal with dilation,
strides), MaxPooling1D, AveragePooling1D, BatchNormalization, Dense on the
sequence, the 1-D global poolings, with Keras' outputs: the ground truth of
`tests/conv1d.rs`.

    target/peers-venv/bin/python tests/keras/conv1d.py
"""
import keras
import numpy as np
from case import save
from keras import layers

inputs = keras.Input((20, 3))
x = layers.Conv1D(8, 3, activation="relu")(inputs)
x = layers.MaxPooling1D()(x)
x = layers.Conv1D(8, 3, padding="causal", dilation_rate=2)(x)
x = layers.BatchNormalization()(x)
y = layers.Conv1D(8, 5, strides=2, padding="same", use_bias=False)(x)
y = layers.AveragePooling1D(2, strides=1, padding="same")(y)
y = layers.Dense(6)(y)
a = layers.GlobalAveragePooling1D()(y)
b = layers.GlobalMaxPooling1D()(x)
x = layers.Concatenate()([a, b])
outputs = layers.Dense(4, activation="softmax")(x)
model = keras.Model(inputs, outputs, name="conv1d")
rng = np.random.default_rng(47)
values = []
for w in model.weights:
    v = rng.normal(0, 0.5, w.shape)
    values.append((np.abs(v) + 0.5 if "variance" in w.path else v).astype(np.float32))
model.set_weights(values)
save(model, "conv1d", rng.uniform(-1, 1, (3, 20, 3)).astype(np.float32))
