"""Makes tests/keras/seed_nan.safetensors: Keras' own outputs of the seed
MNIST model (../shared/fixtures/seed_mnist/model.keras) for inputs holding NaN
pixels, the ground truth of `tests/nan_semantics.rs`.

The model is called op by op (`model(x)`, TensorFlow's eager mode), where each
operation has its documented NaN semantics. `model.predict` runs a graph in
which TensorFlow fuses Conv2D + BiasAdd + Relu into one kernel whose relu
turns NaN into 0: there an all-NaN image gives a confident digit instead of
NaN. The compiler follows the operations, not that fusion (README, "NaN").

    target/peers-venv/bin/python tests/keras/seed_nan.py ../shared/fixtures/seed_mnist/model.keras
"""
import sys

import keras
import numpy as np
from safetensors.numpy import save_file

model = keras.saving.load_model(sys.argv[1])
digit = np.linspace(0.0, 1.0, 28 * 28, dtype=np.float32).reshape(28, 28, 1)
inputs = np.stack([digit.copy() for _ in range(3)])
inputs[0, :, :, :] = np.nan  # an all-NaN image: NaN out
inputs[1, 10, 12, 0] = np.nan  # a NaN pixel: a pooling window of NaN only, NaN out
inputs[2, 0, 0, 0] = np.nan  # a corner: one NaN in a pooling window, skipped
outputs = np.asarray(model(inputs)).astype(np.float32)

tensors = {"input": inputs, "output": outputs}
save_file(tensors, "tests/keras/seed_nan.safetensors")
for row in outputs:
    print(row)
