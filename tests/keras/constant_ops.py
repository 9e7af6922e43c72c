"""Makes tests/keras/constant_ops/: Keras 3 arithmetic on tensors and
numbers as networks write it (MobileNetV3's hard sigmoid and hard swish,
`relu6(x + 3) * (1 / 6)` and `x * hard_sigmoid(x)`, and `c - x`, `x / c`,
`c / x`, `x - c`), which `model.to_json()` stores as op nodes; its JSON,
summary, weights and Keras' outputs: the ground truth of
`tests/constant_ops.rs`.

    target/peers-venv/bin/python tests/keras/constant_ops.py
"""

import keras
import numpy as np
from keras import layers
from case import save



def hard_sigmoid(x):
    return layers.ReLU(6.0)(x + 3.0) * (1.0 / 6.0)


inputs = keras.Input((5, 5, 3))
x = layers.Conv2D(4, 3, padding="same")(inputs)
x = x * hard_sigmoid(x)
x = 2.0 - x
x = x / 4.0
x = layers.Conv2D(4, 1)(x)
x = 1.5 / (layers.Activation("sigmoid")(x) + 0.5)
x = x - 0.25
x = layers.GlobalAveragePooling2D()(x)
outputs = layers.Dense(3)(x)
model = keras.Model(inputs, outputs, name="constant_ops")
rng = np.random.default_rng(3)
model.set_weights([rng.normal(0, 0.5, w.shape).astype(np.float32) for w in model.get_weights()])
save(model, "constant_ops", rng.normal(0, 2, (3, 5, 5, 3)).astype(np.float32))
