"""Makes tests/keras/conv_transpose/: Keras' Conv2DTranspose with `same` and
`valid` padding, strides below, equal to and above the kernel, `output_padding`,
dilation, without bias and with an activation, each branch flattened (so that
every output position counts) into one Dense, with Keras' outputs: the ground
truth of `tests/conv_transpose.rs`.

    target/peers-venv/bin/python tests/keras/conv_transpose.py
"""
import keras
import numpy as np
from case import save
from keras import layers

inputs = keras.Input((3, 4, 2))
a = layers.Conv2DTranspose(4, 3, strides=2, padding="same")(inputs)
a = layers.Conv2DTranspose(3, 2, use_bias=False)(a)
b = layers.Conv2DTranspose(2, 2, strides=3)(inputs)
c = layers.Conv2DTranspose(2, 3, strides=2, padding="same", output_padding=1, activation="relu")(inputs)
d = layers.Conv2DTranspose(2, (3, 2), dilation_rate=2, padding="same")(inputs)
e = layers.Conv2DTranspose(2, 3, strides=2, output_padding=1)(inputs)
x = layers.Concatenate()([layers.Flatten()(t) for t in (a, b, c, d, e)])
outputs = layers.Dense(3)(x)
model = keras.Model(inputs, outputs, name="conv_transpose")
rng = np.random.default_rng(31)
# Outputs of order 1 (the Dense reads 685 values), so that 1e-5 is float32 noise.
model.set_weights([rng.normal(0, 0.5 if w.ndim == 4 else 0.05, w.shape).astype(np.float32)
                   for w in model.get_weights()])
save(model, "conv_transpose", rng.uniform(-1, 1, (3, 3, 4, 2)).astype(np.float32))
