"""Makes tests/keras/normalization/: Keras' Normalization with its mean and
variance given (per channel and one for all, inverted and not, a variance
below the epsilon squared), with Keras' outputs: the ground truth of
`tests/normalization.rs`.

    target/peers-venv/bin/python tests/keras/normalization.py
"""
import keras
import numpy as np
from case import save
from keras import layers

inputs = keras.Input((4, 5, 3))
x = layers.Normalization(mean=[0.485, 0.456, 0.406], variance=[0.052441, 0.050176, 0.050625])(inputs)
x = layers.Conv2D(3, 3, padding="same")(x)
x = layers.Normalization(axis=-1, mean=0.5, variance=4.0, invert=True)(x)
x = layers.Normalization(mean=[1.0, -2.0, 0.0], variance=[9.0, 0.25, 1e-16], invert=True)(x)
x = layers.GlobalAveragePooling2D()(x)
outputs = layers.Dense(2)(x)
model = keras.Model(inputs, outputs, name="normalization")
rng = np.random.default_rng(13)
model.set_weights([rng.normal(0, 0.5, w.shape).astype(np.float32) for w in model.get_weights()])
save(model, "normalization", rng.uniform(0, 1, (3, 4, 5, 3)).astype(np.float32))
