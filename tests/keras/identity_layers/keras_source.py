import keras
from keras import layers
inputs = keras.Input((8, 8, 3))
x = layers.Conv2D(6, 3, activation="relu")(inputs)
x = layers.SpatialDropout2D(0.3)(x)
x = layers.Dropout(0.2, noise_shape=(None, 1, 1, 6))(x)
x = layers.GaussianNoise(0.5)(x)
x = layers.GaussianDropout(0.4)(x)
x = layers.AlphaDropout(0.1)(x)
x = layers.ActivityRegularization(l1=0.01, l2=0.001)(x)
x = layers.GlobalAveragePooling2D()(x)
outputs = layers.Dense(4, activation="softmax")(x)
model = keras.Model(inputs, outputs, name="identity_layers")
