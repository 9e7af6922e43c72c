"""Time per node of an ONNX model in ONNX Runtime (one thread, batch 1, an
input of 0.5 everywhere), from ONNX Runtime's own profiler: the mean over
RUNS runs (after warm-up) of each node's kernel time, as
`node,op,µs` lines sorted by time, then the total. For BENCHMARKS.md's
layer-by-layer comparison with `cnn-peers profile CASE`.

    ort_profile.py MODEL.onnx [RUNS]"""

import collections
import json
import os
import sys
import tempfile

import numpy as np
import onnxruntime as ort


def main():
    model = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.enable_profiling = True
    options.profile_file_prefix = os.path.join(tempfile.mkdtemp(), "ort")
    session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    inp = session.get_inputs()[0]
    x = np.full([1, *inp.shape[1:]], 0.5, dtype=np.float32)
    for _ in range(5):
        session.run(None, {inp.name: x})
    path = session.end_profiling()
    # Profiling restarts with a new session so that warm-up is left out.
    options.profile_file_prefix = path + ".timed"
    session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    for _ in range(5):
        session.run(None, {inp.name: x})
    for _ in range(runs):
        session.run(None, {inp.name: x})
    events = json.load(open(session.end_profiling()))
    total = collections.defaultdict(float)
    count = collections.Counter()
    ops = {}
    for e in events:
        if e.get("cat") != "Node" or not e["name"].endswith("_kernel_time"):
            continue
        node = e["name"][: -len("_kernel_time")]
        total[node] += e["dur"]
        count[node] += 1
        ops[node] = e.get("args", {}).get("op_name", "")
    rows = sorted(((total[n] / count[n], n) for n in total), reverse=True)
    for micros, node in rows:
        print(f"{node},{ops[node]},{micros:.1f}")
    print(f"total,,{sum(m for m, _ in rows):.1f}")


main()
