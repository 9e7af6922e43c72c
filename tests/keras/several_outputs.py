"""Makes tests/keras/several_outputs/: a functional model with three outputs
(a class, a box and a mask, one of them also read by another layer), with
Keras' summary and outputs (each image's outputs one after the other): the
ground truth of `tests/several_outputs.rs`.

    target/peers-venv/bin/python tests/keras/several_outputs.py
"""
import keras
import numpy as np
from case import save
from keras import layers

inputs = keras.Input((8, 8, 3))
x = layers.Conv2D(6, 3, padding="same", activation="relu")(inputs)
features = layers.GlobalAveragePooling2D(name="features")(x)
label = layers.Dense(3, activation="softmax", name="label")(features)
box = layers.Dense(4, name="box")(layers.Concatenate()([features, label]))
mask = layers.Conv2D(1, 1, activation="sigmoid", name="mask")(x)
model = keras.Model(inputs, [label, box, mask], name="several_outputs")
rng = np.random.default_rng(53)
model.set_weights([rng.normal(0, 0.5, w.shape).astype(np.float32) for w in model.get_weights()])
save(model, "several_outputs", rng.uniform(-1, 1, (3, 8, 8, 3)).astype(np.float32))
