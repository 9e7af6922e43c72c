"""Makes tests/keras/identity_layers/: the model of
`identity_layers/keras_source.py` (every layer that only acts in training:
Dropout with `noise_shape`, SpatialDropout2D, AlphaDropout, GaussianDropout,
GaussianNoise, ActivityRegularization), with weights and Keras' outputs: the
ground truth of `tests/identity_layers.rs`, which also reads that source.

    target/peers-venv/bin/python tests/keras/identity_layers.py
"""
import os
import runpy

import numpy as np
from case import save

source = os.path.join(os.path.dirname(__file__), "identity_layers", "keras_source.py")
model = runpy.run_path(source)["model"]
rng = np.random.default_rng(7)
model.set_weights([rng.normal(0, 0.5, w.shape).astype(np.float32) for w in model.get_weights()])
save(model, "identity_layers", rng.normal(0, 1, (3, 8, 8, 3)).astype(np.float32))
