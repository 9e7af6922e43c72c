"""Squeeze-and-excitation blocks (`K.int_shape` and `x.shape` for the
channels), a helper taking **kwargs, tuple unpacking of a helper's two
results, a dict of settings."""
import tensorflow as tf
from tensorflow.keras import backend as K
from tensorflow.keras import layers, Model

config = {"filters": [12, 24], "ratio": 4, "dropout": 0.2}


def se_block(x, ratio=8, name="se"):
    channels = K.int_shape(x)[-1]
    se = layers.GlobalAveragePooling2D(name=name + "_squeeze")(x)
    se = layers.Reshape((1, 1, channels), name=name + "_reshape")(se)
    se = layers.Dense(max(1, channels // ratio), activation="relu", name=name + "_reduce")(se)
    se = layers.Dense(channels, activation="sigmoid", name=name + "_expand")(se)
    return layers.Multiply(name=name + "_excite")([x, se])


def conv_bn(x, filters, **kwargs):
    x = layers.Conv2D(filters, 3, padding="same", use_bias=False, **kwargs)(x)
    x = layers.BatchNormalization()(x)
    return layers.Activation("swish")(x), x.shape[-1]


inputs = layers.Input(shape=(20, 20, 3), name="image")
x = inputs
for stage, filters in enumerate(config["filters"]):
    x, channels = conv_bn(x, filters, strides=2, name=f"stem{stage}")
    assert channels == filters
    x = se_block(x, ratio=config["ratio"], name=f"se{stage}")
x = layers.GlobalAveragePooling2D()(x)
x = layers.Dropout(config["dropout"])(x)
outputs = layers.Dense(3)(x)
model = Model(inputs=inputs, outputs=outputs)
