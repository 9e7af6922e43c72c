"""A U-Net for segmentation: encoder blocks whose outputs are kept in a
list for the skip connections, a decoder walking them back."""
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers


def conv_block(inputs, num_filters):
    x = layers.Conv2D(num_filters, 3, padding="same")(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.Conv2D(num_filters, 3, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    return x


def encoder_block(inputs, num_filters):
    x = conv_block(inputs, num_filters)
    p = layers.MaxPool2D((2, 2))(x)
    return x, p


def decoder_block(inputs, skip, num_filters):
    x = layers.Conv2DTranspose(num_filters, (2, 2), strides=2, padding="same")(inputs)
    x = layers.Concatenate()([x, skip])
    x = conv_block(x, num_filters)
    return x


def build_unet(input_shape, n_classes=3, base=8, depth=3):
    inputs = layers.Input(input_shape)
    skips = []
    x = inputs
    for d in range(depth):
        s, x = encoder_block(x, base * 2 ** d)
        skips.append(s)
    x = conv_block(x, base * 2 ** depth)
    for d in reversed(range(depth)):
        x = decoder_block(x, skips.pop(), base * 2 ** d)
    activation = "sigmoid" if n_classes == 1 else "softmax"
    outputs = layers.Conv2D(n_classes, 1, padding="same", activation=activation)(x)
    return keras.Model(inputs, outputs, name="U-Net")


if __name__ == "__main__":
    input_shape = (32, 32, 3)
    model = build_unet(input_shape)
    model.summary()
