"""VGG from a configuration list, in a Sequential model filled by a loop:
numbers are convolutions, 'M' a pooling."""
from tensorflow.keras.models import Sequential
from tensorflow.keras.layers import Conv2D, MaxPooling2D, Flatten, Dense, Dropout, BatchNormalization, Activation

cfg = {
    "VGG-tiny": [8, "M", 16, 16, "M", 32, "M"],
    "VGG-small": [16, 16, "M", 32, 32, "M", 64, 64, 64, "M"],
}


def make_vgg(name, batch_norm=True, num_classes=10, input_shape=(32, 32, 3)):
    model = Sequential(name=name.lower().replace("-", "_"))
    first = True
    for v in cfg[name]:
        if v == "M":
            model.add(MaxPooling2D(pool_size=(2, 2)))
            continue
        kwargs = {"input_shape": input_shape} if first else {}
        model.add(Conv2D(v, (3, 3), padding="same", **kwargs))
        if batch_norm:
            model.add(BatchNormalization())
        model.add(Activation("relu"))
        first = False
    model.add(Flatten())
    for units in [64, 64]:
        model.add(Dense(units, activation="relu"))
        model.add(Dropout(0.5))
    model.add(Dense(num_classes, activation="softmax"))
    return model


model = make_vgg("VGG-tiny")
