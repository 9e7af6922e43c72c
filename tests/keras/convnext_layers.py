"""Makes tests/keras/convnext_layers/: what ConvNeXt is made of, small: a
`Sequential` called as a layer (the stem: a patchify Conv2D and a
LayerNormalization), Conv2D with `groups` equal to the channels (a depthwise
convolution, with one and two filters per group), LayerNormalization (over a
feature map and a vector, without centering, with the deprecated
`rms_scaling`), Dense on a feature map, exact GELU, LayerScale and a residual
Add, with Keras' outputs: the ground truth of `tests/convnext_layers.rs`.

    target/peers-venv/bin/python tests/keras/convnext_layers.py
"""
import warnings

import keras
import numpy as np
from case import save
from keras import layers
from keras.src.applications.convnext import LayerScale

inputs = keras.Input((16, 16, 3))
stem = keras.Sequential(
    [
        keras.Input((16, 16, 3)),
        layers.Conv2D(8, 2, strides=2, name="stem_conv"),
        layers.LayerNormalization(epsilon=1e-6, name="stem_layernorm"),
    ],
    name="stem",
)
x = stem(inputs)
y = layers.Conv2D(8, 7, padding="same", groups=8, name="depthwise_conv")(x)
y = layers.LayerNormalization(epsilon=1e-6)(y)
y = layers.Dense(32, name="pointwise_conv_1")(y)
y = layers.Activation("gelu")(y)
y = layers.Dense(8, name="pointwise_conv_2")(y)
y = LayerScale(1e-6, 8, name="layer_scale")(y)
x = layers.Add()([x, y])
x = layers.Conv2D(16, 3, strides=2, groups=8, use_bias=False)(x)
x = layers.LayerNormalization(center=False)(x)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # rms_scaling is deprecated, still read
    x = layers.LayerNormalization(rms_scaling=True)(x)
x = layers.GlobalAveragePooling2D()(x)
x = layers.LayerNormalization(epsilon=1e-6)(x)
outputs = layers.Dense(3)(x)
model = keras.Model(inputs, outputs, name="convnext_layers")
rng = np.random.default_rng(23)
model.set_weights([rng.normal(0, 0.5, w.shape).astype(np.float32) for w in model.get_weights()])
save(model, "convnext_layers", rng.uniform(-1, 1, (3, 16, 16, 3)).astype(np.float32))
