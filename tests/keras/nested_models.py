"""Makes tests/keras/nested_models/ and tests/keras/backbone_in_sequential/:
functional models used as layers (an encoder with a residual branch and a
decoder, called by an autoencoder) and a functional backbone wrapped in a
Sequential with a head, with Keras' summaries and outputs: the ground truth
of `tests/nested_models.rs`.

    target/peers-venv/bin/python tests/keras/nested_models.py
"""
import keras
import numpy as np
from case import save
from keras import layers

rng = np.random.default_rng(37)


def randomise(model):
    """Random weights; BatchNormalization's variances positive."""
    values = []
    for w in model.weights:
        v = rng.normal(0, 0.5, w.shape)
        values.append((np.abs(v) + 0.5 if "variance" in w.path else v).astype(np.float32))
    model.set_weights(values)


ei = keras.Input((8, 8, 3))
e = layers.Conv2D(4, 3, padding="same", activation="relu")(ei)
shortcut = layers.Conv2D(4, 1)(ei)
e = layers.Add()([e, shortcut])
encoder = keras.Model(ei, layers.MaxPooling2D()(e), name="encoder")
di = keras.Input((4, 4, 4))
d = layers.Conv2DTranspose(3, 2, strides=2)(di)
decoder = keras.Model(di, layers.BatchNormalization()(d), name="decoder")
inputs = keras.Input((8, 8, 3))
x = encoder(inputs)
x = decoder(x)
x = layers.Add()([x, inputs])
outputs = layers.Conv2D(2, 1)(x)
autoencoder = keras.Model(inputs, outputs, name="autoencoder")
randomise(autoencoder)
save(autoencoder, "nested_models", rng.uniform(-1, 1, (3, 8, 8, 3)).astype(np.float32))

bi = keras.Input((8, 8, 3))
b = layers.Conv2D(6, 3, strides=2, activation="relu")(bi)
b = layers.DepthwiseConv2D(3, padding="same")(b)
backbone = keras.Model(bi, b, name="backbone")
classifier = keras.Sequential(
    [keras.Input((8, 8, 3)), backbone, layers.GlobalAveragePooling2D(), layers.Dense(3)],
    name="classifier",
)
randomise(classifier)
save(classifier, "backbone_in_sequential", rng.uniform(-1, 1, (3, 8, 8, 3)).astype(np.float32))
