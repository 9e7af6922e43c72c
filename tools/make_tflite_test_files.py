"""Small TensorFlow Lite files for the tests (tests/tflite/): made by
TensorFlow's own TFLiteConverter from tiny seeded Keras models, with
TensorFlow Lite's reference-kernel outputs (BUILTIN_REF) as the expected
values. Our code never computes an expected value.

    pip install tensorflow-cpu==2.21.0 safetensors
    python3 tools/make_tflite_test_files.py

Files, each `<name>.int8.tflite` (and `<name>.f32.tflite` where useful) with
`<name>.io.safetensors` (`inputs` f32, `inputs_q` i8, `outputs_q` i8 for the
int8 file, `outputs_f32tflite` f32 for the float file, and `t.<index>.<name>`
every tensor of the int8 file for the first input):
- activations: Conv2D, then sigmoid (LOGISTIC), tanh (TANH), hard_swish
  (HARD_SWISH) and LeakyReLU(0.2) (LEAKY_RELU) branches, concatenated;
- gap_keepdims: GlobalAveragePooling2D(keepdims=True) (MEAN, keep_dims);
- float_io: an int8 model with float32 input and output (QUANTIZE, DEQUANTIZE);
- unsupported: UpSampling2D (RESIZE_NEAREST_NEIGHBOR), refused at compile time.
"""
import os
import numpy as np
import tensorflow as tf
import keras
from keras import layers
from safetensors.numpy import save_file

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "tflite")
RNG = np.random.default_rng(7)
N = 16


def convert(model, data, int8=True, int8_io=True):
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if int8:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = lambda: ([x[None]] for x in data)
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        if int8_io:
            converter.inference_input_type = tf.int8
            converter.inference_output_type = tf.int8
    return converter.convert()


def run(flatbuffer, x):
    it = tf.lite.Interpreter(
        model_content=flatbuffer,
        experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_REF,
    )
    it.allocate_tensors()
    inp, out = it.get_input_details()[0], it.get_output_details()[0]
    ys = []
    for k in range(len(x)):
        it.set_tensor(inp["index"], x[k : k + 1].astype(inp["dtype"]))
        it.invoke()
        ys.append(it.get_tensor(out["index"])[0])
    return np.stack(ys), inp


def every_tensor(flatbuffer, x0):
    """Every tensor of the model for one input (reference kernels):
    `t.<index>.<name>`, as the fixtures store them, to find the first
    operator that differs."""
    it = tf.lite.Interpreter(
        model_content=flatbuffer,
        experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_REF,
        experimental_preserve_all_tensors=True,
    )
    it.allocate_tensors()
    inp = it.get_input_details()[0]
    it.set_tensor(inp["index"], x0[None].astype(inp["dtype"]))
    it.invoke()
    out = {}
    for t in it.get_tensor_details():
        try:
            v = it.get_tensor(t["index"])
        except ValueError:
            continue
        name = "".join(c if c.isalnum() or c in "._-" else "_" for c in t["name"])[:80]
        out[f"t.{t['index']}.{name}"] = np.ascontiguousarray(v)
    return out


def quantize(x, inp):
    scale, zero = inp["quantization"]
    return np.clip(np.round(x / scale) + zero, -128, 127).astype(np.int8)


def save(name, model, data, float_file=True, int8_io=True):
    q = convert(model, data, int8_io=int8_io)
    open(os.path.join(OUT, f"{name}.int8.tflite"), "wb").write(q)
    tensors = {"inputs": data.astype(np.float32)}
    if int8_io:
        _, inp = run(q, quantize(data, tf.lite.Interpreter(model_content=q).get_input_details()[0]))
        xq = quantize(data, inp)
        yq, _ = run(q, xq)
        tensors["inputs_q"] = xq
        tensors["outputs_q"] = yq.astype(np.int8)
        tensors.update(every_tensor(q, xq[0]))
    else:
        y, _ = run(q, data.astype(np.float32))
        tensors["outputs_int8_model"] = y.astype(np.float32)
    if float_file:
        f = convert(model, data, int8=False)
        open(os.path.join(OUT, f"{name}.f32.tflite"), "wb").write(f)
        y, _ = run(f, data.astype(np.float32))
        tensors["outputs_f32tflite"] = y.astype(np.float32)
    save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, os.path.join(OUT, f"{name}.io.safetensors"))


def main():
    os.makedirs(OUT, exist_ok=True)
    keras.utils.set_random_seed(7)
    data = RNG.uniform(-2, 2, size=(N, 8, 8, 3)).astype(np.float32)

    x = keras.Input((8, 8, 3))
    c = layers.Conv2D(4, 3, padding="same")(x)
    branches = [
        layers.Activation("sigmoid")(c),
        layers.Activation("tanh")(c),
        layers.Activation("hard_swish")(c),
        layers.LeakyReLU(negative_slope=0.2)(c),
    ]
    y = layers.Concatenate()(branches)
    y = layers.GlobalMaxPooling2D()(y)
    y = layers.Dense(5)(y)
    save("activations", keras.Model(x, y), data)

    x = keras.Input((8, 8, 3))
    y = layers.Conv2D(6, 3, activation="relu")(x)
    y = layers.GlobalAveragePooling2D(keepdims=True)(y)
    y = layers.Conv2D(4, 1)(y)
    y = layers.Flatten()(y)
    save("gap_keepdims", keras.Model(x, y), data)

    x = keras.Input((8, 8, 3))
    y = layers.Conv2D(4, 3, activation="relu")(x)
    y = layers.Flatten()(y)
    y = layers.Dense(3, activation="softmax")(y)
    save("float_io", keras.Model(x, y), data, float_file=False, int8_io=False)

    x = keras.Input((8, 8, 3))
    y = layers.Conv2D(4, 3, padding="same")(x)
    y = layers.UpSampling2D(2)(y)
    y = layers.Conv2D(2, 3)(y)
    q = convert(keras.Model(x, y), data)
    open(os.path.join(OUT, "unsupported.int8.tflite"), "wb").write(q)


if __name__ == "__main__":
    main()
