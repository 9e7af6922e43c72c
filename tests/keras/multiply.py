"""Makes tests/keras/multiply/: Keras' Multiply in the shapes networks use it
(a squeeze-and-excite block's `(H, W, C) x (1, 1, C)`, the broadcast operand
first or last, a map times a vector of channels, three maps of one shape),
its `to_json()`, summary, weights and Keras' outputs: the ground truth of
`tests/multiply.rs`.

    target/peers-venv/bin/python tests/keras/multiply.py
"""

import keras
import numpy as np
from keras import layers
from case import save

inputs = keras.Input((6, 5, 4))
x = layers.Conv2D(8, 3, padding="same", activation="relu")(inputs)
se = layers.GlobalAveragePooling2D(keepdims=True)(x)
se = layers.Conv2D(2, 1, activation="relu")(se)
se = layers.Conv2D(8, 1, activation="hard_sigmoid")(se)
x = layers.Multiply()([x, se])
gate = layers.GlobalAveragePooling2D()(x)
gate = layers.Dense(8, activation="sigmoid")(gate)
y = layers.Multiply()([gate, x])
z = layers.Conv2D(8, 1)(y)
y = layers.Multiply()([y, z, x])
y = layers.GlobalMaxPooling2D()(y)
outputs = layers.Dense(3)(y)
model = keras.Model(inputs, outputs, name="multiply")
rng = np.random.default_rng(5)
model.set_weights([rng.normal(0, 0.5, w.shape).astype(np.float32) for w in model.get_weights()])
save(model, "multiply", rng.normal(0, 1, (3, 6, 5, 4)).astype(np.float32))
