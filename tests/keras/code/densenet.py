"""A DenseNet: dense blocks that concatenate every layer's output in a
loop, transitions that compress the channels by `int(channels * 0.5)`."""
import keras
from keras import layers

growth_rate = 6
compression = 0.5


def conv_block(x, growth_rate, name):
    y = layers.BatchNormalization(epsilon=1.001e-5, name=name + "_0_bn")(x)
    y = layers.Activation("relu", name=name + "_0_relu")(y)
    y = layers.Conv2D(4 * growth_rate, 1, use_bias=False, name=name + "_1_conv")(y)
    y = layers.BatchNormalization(epsilon=1.001e-5, name=name + "_1_bn")(y)
    y = layers.Activation("relu", name=name + "_1_relu")(y)
    y = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False, name=name + "_2_conv")(y)
    return layers.Concatenate(name=name + "_concat")([x, y])


def dense_block(x, blocks, name):
    for i in range(blocks):
        x = conv_block(x, growth_rate, name=name + "_block" + str(i + 1))
    return x


def transition_block(x, reduction, name):
    x = layers.BatchNormalization(epsilon=1.001e-5, name=name + "_bn")(x)
    x = layers.Activation("relu", name=name + "_relu")(x)
    x = layers.Conv2D(int(x.shape[-1] * reduction), 1, use_bias=False, name=name + "_conv")(x)
    x = layers.AveragePooling2D(2, strides=2, name=name + "_pool")(x)
    return x


def DenseNet(blocks, input_shape=(16, 16, 3), classes=5):
    img_input = layers.Input(shape=input_shape)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)))(img_input)
    x = layers.Conv2D(2 * growth_rate, 3, use_bias=False, name="conv1_conv")(x)
    x = layers.BatchNormalization(epsilon=1.001e-5, name="conv1_bn")(x)
    x = layers.Activation("relu", name="conv1_relu")(x)
    for n, count in enumerate(blocks[:-1]):
        x = dense_block(x, count, name=f"conv{n + 2}")
        x = transition_block(x, compression, name=f"pool{n + 2}")
    x = dense_block(x, blocks[-1], name=f"conv{len(blocks) + 1}")
    x = layers.BatchNormalization(epsilon=1.001e-5, name="bn")(x)
    x = layers.Activation("relu", name="relu")(x)
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    x = layers.Dense(classes, activation="softmax", name="predictions")(x)
    return keras.Model(img_input, x, name="densenet_tiny")


model = DenseNet([2, 3, 2])
