"""The seed MNIST model through ONNX Runtime, timed as src/main.rs times cnn
and tract: the median time per image of one CASE (batch1_1thread,
batch256_1thread, or batch256_all_threads with one intra-op thread per
core), or a graph fixture at batch 1 on one thread (CASE resnet8, dscnn or
mobilenet_v1_vww, MODEL its model.onnx; or a full-size network of
scripts/bench-applications.sh: resnet50, mobilenet_v2, densenet121).
Prints `onnxruntime,case,µs`.

    ort_bench.py MODEL.onnx DIGITS.safetensors CASE"""

import json
import os
import struct
import sys
import time

import numpy as np
import onnxruntime as ort

BATCH = 256
GRAPHS = ("resnet8", "dscnn", "mobilenet_v1_vww", "resnet50", "mobilenet_v2", "densenet121")


def digits(path, n):
    with open(path, "rb") as f:
        (size,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(size))
        data = f.read()
    meta = header["digits"]
    start, end = meta["data_offsets"]
    assert meta["dtype"] == "U8", meta["dtype"]
    pixels = np.frombuffer(data[start:end], dtype=np.uint8).reshape(meta["shape"])
    return (pixels[:n].astype(np.float32) / 255.0).reshape(n, 28, 28, 1)


def session(model, threads):
    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])


def report(case, images, run):
    """Median time per image over about a second of 20 ms samples."""
    run()
    t = time.perf_counter()
    run()
    one = max(time.perf_counter() - t, 1e-6)
    per_sample = max(1, int(0.02 / one))
    samples = []
    for _ in range(50):
        t = time.perf_counter()
        for _ in range(per_sample):
            run()
        samples.append((time.perf_counter() - t) / per_sample)
    samples.sort()
    print(f"onnxruntime,{case},{samples[len(samples) // 2] * 1e6 / images:.3f}", flush=True)


def main():
    model, digits_path, case = sys.argv[1], sys.argv[2], sys.argv[3]
    if case in GRAPHS:
        # A graph fixture (MODEL is its model.onnx) at batch 1, one thread, on
        # an input of 0.5 everywhere.
        graph = session(model, 1)
        inp = graph.get_inputs()[0]
        x = np.full([1, *inp.shape[1:]], 0.5, dtype=np.float32)
        report(case, 1, lambda: graph.run(None, {inp.name: x}))
        return
    x = digits(digits_path, BATCH)
    one = session(model, 1)
    name = one.get_inputs()[0].name
    probabilities = one.run(None, {name: x})[0]
    assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-4)
    if case == "batch1_1thread":
        report(case, 1, lambda: one.run(None, {name: x[:1]}))
    elif case == "batch256_1thread":
        report(case, BATCH, lambda: one.run(None, {name: x}))
    elif case == "batch256_all_threads":
        # As many intra-op threads as the machine has cores, as cnn's rayon
        # pool has (ONNX Runtime's default setting differs from machine to
        # machine and is not a like-for-like comparison).
        every_core = session(model, os.cpu_count() or 1)
        report(case, BATCH, lambda: every_core.run(None, {name: x}))
    else:
        sys.exit(f"unknown case {case}")


main()
