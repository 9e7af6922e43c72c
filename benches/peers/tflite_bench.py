"""A `.tflite` file through TensorFlow Lite's default kernels (XNNPACK on
x86), one thread, batch 1, on an input of 0.5 everywhere (quantized for an
int8 file), timed as src/main.rs times cnn: the median time of
one inference over about a second of 20 ms samples. Prints
`tflite,CASE,µs`.

    tflite_bench.py MODEL.tflite CASE"""

import sys
import time

import numpy as np
import tensorflow as tf


def main():
    model, case = sys.argv[1], sys.argv[2]
    interpreter = tf.lite.Interpreter(model_path=model, num_threads=1)
    interpreter.allocate_tensors()
    inp = interpreter.get_input_details()[0]
    scale, zero_point = inp["quantization"]
    if inp["dtype"] == np.float32:
        x = np.full(inp["shape"], 0.5, dtype=np.float32)
    else:
        x = np.full(inp["shape"], np.round(0.5 / scale) + zero_point, dtype=np.float64)
        x = np.clip(x, -128, 127).astype(inp["dtype"])
    interpreter.set_tensor(inp["index"], x)

    def run():
        interpreter.invoke()

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
    print(f"tflite,{case},{samples[len(samples) // 2] * 1e6:.3f}", flush=True)


main()
