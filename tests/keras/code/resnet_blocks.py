"""A small ResNet for CIFAR-10, written the way tutorials write it: a
residual block function, stages in a loop, a projection shortcut when the
shape changes."""
import keras
from keras import layers

NUM_CLASSES = 10
INPUT_SHAPE = (32, 32, 3)


def residual_block(x, filters, stride=1, name=None):
    shortcut = x
    x = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False, name=f"{name}_conv1")(x)
    x = layers.BatchNormalization(name=f"{name}_bn1")(x)
    x = layers.Activation("relu", name=f"{name}_relu1")(x)
    x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv2")(x)
    x = layers.BatchNormalization(name=f"{name}_bn2")(x)
    if stride != 1 or shortcut.shape[-1] != filters:
        shortcut = layers.Conv2D(filters, 1, strides=stride, use_bias=False, name=f"{name}_proj")(shortcut)
        shortcut = layers.BatchNormalization(name=f"{name}_proj_bn")(shortcut)
    x = layers.Add(name=f"{name}_add")([x, shortcut])
    return layers.Activation("relu", name=f"{name}_out")(x)


def build_resnet(input_shape=INPUT_SHAPE, num_classes=NUM_CLASSES, stages=(8, 16, 32), blocks_per_stage=2):
    inputs = keras.Input(shape=input_shape)
    x = layers.Conv2D(stages[0], 3, padding="same", use_bias=False)(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    for i, filters in enumerate(stages):
        for j in range(blocks_per_stage):
            stride = 2 if i > 0 and j == 0 else 1
            x = residual_block(x, filters, stride, name=f"stage{i + 1}_block{j + 1}")
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="resnet_small")


model = build_resnet()
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.summary()
