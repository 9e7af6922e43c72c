"""Makes tests/keras/upsampling_bilinear/: Keras' UpSampling2D with bilinear
interpolation (sizes 2 and (3, 2), as TensorFlow's `resize` computes it) in a
small decoder, with Keras' outputs: the ground truth of
`tests/upsampling_bilinear.rs`.

    target/peers-venv/bin/python tests/keras/upsampling_bilinear.py
"""
import keras
import numpy as np
from case import save
from keras import layers

inputs = keras.Input((3, 4, 2))
x = layers.Conv2D(3, 3, padding="same")(inputs)
x = layers.UpSampling2D(interpolation="bilinear")(x)
x = layers.UpSampling2D((3, 2), interpolation="bilinear")(x)
outputs = layers.Conv2D(2, 1)(x)
model = keras.Model(inputs, outputs, name="upsampling_bilinear")
rng = np.random.default_rng(41)
model.set_weights([rng.normal(0, 0.5, w.shape).astype(np.float32) for w in model.get_weights()])
save(model, "upsampling_bilinear", rng.uniform(-1, 1, (3, 3, 4, 2)).astype(np.float32))
