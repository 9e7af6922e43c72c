"""Makes tests/keras/resize_layers/: a Keras model with Cropping2D (each way
of giving the crop) and UpSampling2D (nearest), its `to_json()`, summary,
weights and Keras' outputs: the ground truth of `tests/resize_layers.rs`.

    target/peers-venv/bin/python tests/keras/resize_layers.py
"""

import keras
import numpy as np
from keras import layers
from case import save

inputs = keras.Input((9, 10, 2))
x = layers.Conv2D(3, 3, padding="same", activation="tanh")(inputs)
x = layers.Cropping2D(((1, 2), (0, 3)))(x)
x = layers.UpSampling2D((2, 3))(x)
x = layers.Cropping2D(1)(x)
x = layers.UpSampling2D()(x)
x = layers.Cropping2D((2, 1))(x)
x = layers.Conv2D(2, 3, strides=3)(x)
x = layers.Flatten()(x)
outputs = layers.Dense(3)(x)
model = keras.Model(inputs, outputs, name="resize_layers")
rng = np.random.default_rng(11)
model.set_weights([rng.normal(0, 0.5, w.shape).astype(np.float32) for w in model.get_weights()])
save(model, "resize_layers", rng.normal(0, 1, (3, 9, 10, 2)).astype(np.float32))
