"""Makes tests/keras/add_broadcast/: Keras 3's Add with broadcasting (a map
plus `(1, 1, C)`, plus a vector of channels, the broadcast operand first),
with Keras' outputs: the ground truth of `tests/add_broadcast.rs`.

    target/peers-venv/bin/python tests/keras/add_broadcast.py
"""
import keras
import numpy as np
from case import save
from keras import layers

inputs = keras.Input((5, 4, 3))
x = layers.Conv2D(6, 3, padding="same")(inputs)
pooled = layers.GlobalAveragePooling2D(keepdims=True)(x)
x = layers.Add()([x, pooled])
vector = layers.Dense(6)(layers.GlobalMaxPooling2D()(x))
x = layers.Add()([vector, x, pooled])
x = layers.GlobalAveragePooling2D()(x)
outputs = layers.Dense(2)(x)
model = keras.Model(inputs, outputs, name="add_broadcast")
rng = np.random.default_rng(19)
model.set_weights([rng.normal(0, 0.5, w.shape).astype(np.float32) for w in model.get_weights()])
save(model, "add_broadcast", rng.normal(0, 1, (3, 5, 4, 3)).astype(np.float32))
