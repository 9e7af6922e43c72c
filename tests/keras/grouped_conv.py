"""Makes tests/keras/grouped_conv/: Keras' Conv2D with `groups` of several
channels (ResNeXt-style; same and valid padding, strides, dilation, with and
without bias, an activation), with Keras' outputs: the ground truth of
`tests/grouped_conv.rs`.

    target/peers-venv/bin/python tests/keras/grouped_conv.py
"""
import keras
import numpy as np
from case import save
from keras import layers

inputs = keras.Input((7, 6, 4))
x = layers.Conv2D(8, 3, groups=2)(inputs)
x = layers.Conv2D(6, 3, strides=2, padding="same", groups=2, use_bias=False, activation="relu")(x)
y = layers.Conv2D(6, 2, dilation_rate=2, padding="same", groups=3)(x)
x = layers.Add()([x, y])
x = layers.Conv2D(12, 1, groups=3)(x)
outputs = layers.Flatten()(x)
model = keras.Model(inputs, outputs, name="grouped_conv")
rng = np.random.default_rng(43)
model.set_weights([rng.normal(0, 0.5, w.shape).astype(np.float32) for w in model.get_weights()])
save(model, "grouped_conv", rng.uniform(-1, 1, (3, 7, 6, 4)).astype(np.float32))
