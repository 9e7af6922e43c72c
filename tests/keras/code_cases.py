"""Makes tests/keras/code/NAME/ for each tests/keras/code/NAME.py (model code
written as people write it: functions, loops, conditions, helpers): runs the
file as Python runs it (as `__main__`, in a scratch folder; whatever the file
does after building `model`, such as training on data that is not here, may
fail and is ignored), gives the model random weights scaled to keep its
activations near 1, and saves it with case.save: Keras' JSON, summary,
weights and outputs. The ground truth of tests/keras_code_corpus.rs.

    target/peers-venv/bin/python tests/keras/code_cases.py [NAME...]
"""
import glob
import os
import sys
import tempfile

import keras
import numpy as np
from case import save

here = os.path.dirname(os.path.abspath(__file__))


def build(path):
    # Automatic layer names count from zero for each file, as in a new process.
    keras.backend.clear_session()
    namespace = {"__name__": "__main__", "__file__": path}
    source = open(path).read()
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as scratch:
        os.chdir(scratch)
        try:
            exec(compile(source, path, "exec"), namespace)
        except Exception as e:  # training code without its data, plotting
            if "model" not in namespace:
                raise
            print(f"  (stopped after the model: {type(e).__name__}: {str(e)[:80]})")
        finally:
            os.chdir(cwd)
    return namespace["model"]


def randomise(model, rng):
    for v in model.weights:
        shape = tuple(v.shape)
        name = v.path.split("/")[-1]
        if "variance" in name or name == "gamma":
            value = rng.uniform(0.5, 1.5, shape)
        elif len(shape) >= 2:
            fan_in = int(np.prod(shape[:-1])) if "depthwise" not in name else int(np.prod(shape[:2]))
            value = rng.normal(0, 1 / np.sqrt(fan_in), shape)
        else:
            value = rng.normal(0, 0.1, shape)
        v.assign(value.astype(np.float32))


names = sys.argv[1:] or sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(here, "code", "*.py")))
for i, name in enumerate(names):
    print(name)
    model = build(os.path.join(here, "code", f"{name}.py"))
    rng = np.random.default_rng(100 + i)
    randomise(model, rng)
    inputs = [rng.uniform(0, 1, (3,) + tuple(t.shape[1:])).astype(np.float32) for t in model.inputs]
    save(model, os.path.join("code", name), inputs if len(inputs) > 1 else inputs[0])
