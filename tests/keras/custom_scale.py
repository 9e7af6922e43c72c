"""Makes tests/keras/custom_scale/: InceptionResNetV2's CustomScaleLayer
(`inputs[0] + inputs[1] * scale`) in a residual block, with Keras' outputs:
the ground truth of `tests/custom_scale.rs`.

    target/peers-venv/bin/python tests/keras/custom_scale.py
"""
import keras
import numpy as np
from case import save
from keras import layers
from keras.src.applications.inception_resnet_v2 import CustomScaleLayer

inputs = keras.Input((6, 6, 4))
x = layers.Conv2D(8, 1, activation="relu")(inputs)
branch = layers.Conv2D(8, 3, padding="same")(x)
x = CustomScaleLayer(0.17)([x, branch])
x = layers.Activation("relu")(x)
branch = layers.Conv2D(8, 1)(x)
x = CustomScaleLayer(scale=1.0)([x, branch])
x = layers.GlobalAveragePooling2D()(x)
outputs = layers.Dense(3)(x)
model = keras.Model(inputs, outputs, name="custom_scale")
rng = np.random.default_rng(17)
model.set_weights([rng.normal(0, 0.5, w.shape).astype(np.float32) for w in model.get_weights()])
save(model, "custom_scale", rng.normal(0, 1, (3, 6, 6, 4)).astype(np.float32))
