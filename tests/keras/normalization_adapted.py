"""Makes tests/keras/normalization_adapted/: Keras' Normalization with its
statistics adapted to data (`adapt`) and held as weights (`mean`, `variance`
and the int64 `count`), inverted and not, on a feature map and on a vector,
with Keras' outputs: the ground truth of `tests/normalization.rs`.

    target/peers-venv/bin/python tests/keras/normalization_adapted.py
"""
import keras
import numpy as np
from case import save
from keras import layers

rng = np.random.default_rng(17)
data = rng.normal(3.0, 2.0, (64, 4, 5, 3)).astype(np.float32)
first = layers.Normalization()
first.adapt(data)

inputs = keras.Input((4, 5, 3))
x = first(inputs)
x = layers.Conv2D(4, 3, padding="same")(x)
x = layers.Normalization(invert=True)(x)
x = layers.GlobalAveragePooling2D()(x)
x = layers.Normalization()(x)
outputs = layers.Dense(2)(x)
model = keras.Model(inputs, outputs, name="normalization_adapted")
# Random statistics for the layers not adapted (variances positive, one tiny).
for layer in model.layers[2:]:
    weights = layer.get_weights()
    if isinstance(layer, layers.Normalization):
        n = weights[0].shape[0]
        variance = rng.uniform(0.1, 4.0, n).astype(np.float32)
        variance[0] = 1e-16
        layer.set_weights([rng.normal(0, 1, n).astype(np.float32), variance, np.int64(1000)])
        # Keras reads the weights into its statistics here (as loading a file does).
        layer.finalize_state()
    else:
        layer.set_weights([rng.normal(0, 0.5, w.shape).astype(np.float32) for w in weights])
save(model, "normalization_adapted", rng.normal(3.0, 2.0, (3, 4, 5, 3)).astype(np.float32))
