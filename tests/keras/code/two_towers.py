"""Two inputs and two outputs from one builder: towers made by a helper
that returns the tensor and its name, a shared config, outputs in a dict
comprehension turned into a list."""
import keras
from keras import layers


def tower(x, widths, prefix):
    for i, w in enumerate(widths):
        x = layers.Dense(w, activation="relu", name=f"{prefix}_dense{i}")(x)
    return x, prefix


def build(image_shape=(12, 12, 1), meta_size=5, heads=("label", "score")):
    image = keras.Input(shape=image_shape, name="image")
    meta = keras.Input(shape=(meta_size,), name="meta")
    x = layers.Conv2D(4, 3, activation="relu")(image)
    x = layers.MaxPooling2D()(x)
    x = layers.Flatten()(x)
    x, _ = tower(x, [16, 8], "img")
    m, _ = tower(meta, (8,), "meta")
    joined = layers.concatenate([x, m], name="joined")
    sizes = {"label": 3, "score": 1}
    outputs = [layers.Dense(sizes[h], name=h, activation="sigmoid" if h == "score" else None)(joined) for h in heads]
    return keras.Model(inputs=[image, meta], outputs=outputs, name="two_towers")


model = build()
