"""A Sequential CNN as older tutorials write it: `input_shape` on every
layer (Keras reads the first), `padding='Same'`, an import list ending in a
comma inside parentheses, width and height unpacked from one tuple."""
from keras.models import Sequential
from keras.layers import (
    Conv2D, MaxPool2D, Dropout,
    Flatten, Dense,
)

width, height, channels = 28, 28, 1
num_classes = 10
input_shape = (height, width, channels)

model = Sequential()
model.add(Conv2D(filters=16, kernel_size=(5, 5), padding='Same', activation='relu', input_shape=input_shape))
model.add(Conv2D(filters=16, kernel_size=(5, 5), padding='Same', activation='relu', input_shape=input_shape))
model.add(MaxPool2D(pool_size=(2, 2)))
model.add(Dropout(0.25))
model.add(Conv2D(filters=32, kernel_size=(3, 3), padding='Same', activation='relu'))
model.add(MaxPool2D(pool_size=(2, 2), strides=(2, 2)))
model.add(Dropout(0.25))
model.add(Flatten())
model.add(Dense(64, activation="relu"))
model.add(Dropout(0.5))
model.add(Dense(num_classes, activation="softmax"))
