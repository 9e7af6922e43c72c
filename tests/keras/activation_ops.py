"""Makes tests/keras/activation_ops/: activation functions of `keras.ops`
called on tensors in a functional model (Keras writes them as op nodes:
`Gelu`, `LeakyRelu`, `Tanh`, `Softmax`, `LogSoftmax`) and the `log_softmax`
activation, with Keras' summary and outputs: the ground truth of
`tests/activation_ops.rs`.

    target/peers-venv/bin/python tests/keras/activation_ops.py
"""
import keras
import numpy as np
from case import save
from keras import layers, ops

inputs = keras.Input((6, 6, 3))
x = layers.Conv2D(8, 3)(inputs)
x = ops.gelu(x)
x = ops.leaky_relu(x, negative_slope=0.1)
y = ops.tanh(x)
y = ops.softmax(y)
x = layers.Add()([x, y])
x = layers.Flatten()(x)
x = layers.Dense(5, activation="log_softmax")(x)
outputs = ops.log_softmax(x)
model = keras.Model(inputs, outputs, name="activation_ops")
rng = np.random.default_rng(29)
model.set_weights([rng.normal(0, 0.5, w.shape).astype(np.float32) for w in model.get_weights()])
save(model, "activation_ops", rng.uniform(-2, 2, (3, 6, 6, 3)).astype(np.float32))
