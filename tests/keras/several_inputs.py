"""Makes tests/keras/several_inputs/: a functional model with two inputs (an
image and a vector of metadata, listed in the other order than they are
created) and two outputs, with Keras' summary and outputs (each example's
inputs and outputs one after the other): the ground truth of
`tests/several_inputs.rs`.

    target/peers-venv/bin/python tests/keras/several_inputs.py
"""
import keras
import numpy as np
from case import save
from keras import layers

image = keras.Input((6, 6, 2), name="image")
meta = keras.Input((4,), name="meta")
x = layers.Conv2D(4, 3, activation="relu")(image)
x = layers.GlobalAveragePooling2D()(x)
m = layers.Dense(3, activation="relu")(meta)
x = layers.Concatenate()([x, m])
label = layers.Dense(3, name="label")(x)
score = layers.Dense(1, activation="sigmoid", name="score")(m)
model = keras.Model([meta, image], [label, score], name="several_inputs")
rng = np.random.default_rng(59)
model.set_weights([rng.normal(0, 0.5, w.shape).astype(np.float32) for w in model.get_weights()])
inputs = [rng.uniform(-1, 1, (3, 4)).astype(np.float32),
          rng.uniform(-1, 1, (3, 6, 6, 2)).astype(np.float32)]
save(model, "several_inputs", inputs)
