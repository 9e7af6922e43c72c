"""GoogLeNet-style Inception modules: a function with six filter counts,
four branches concatenated; the modules' sizes in a list of tuples."""
from keras.layers import Input, Conv2D, MaxPooling2D, AveragePooling2D, concatenate, Flatten, Dense, Dropout, GlobalAveragePooling2D
from keras.models import Model


def inception_module(x, filters_1x1, filters_3x3_reduce, filters_3x3, filters_5x5_reduce, filters_5x5, filters_pool_proj, name=None):
    conv_1x1 = Conv2D(filters_1x1, (1, 1), padding='same', activation='relu')(x)
    conv_3x3 = Conv2D(filters_3x3_reduce, (1, 1), padding='same', activation='relu')(x)
    conv_3x3 = Conv2D(filters_3x3, (3, 3), padding='same', activation='relu')(conv_3x3)
    conv_5x5 = Conv2D(filters_5x5_reduce, (1, 1), padding='same', activation='relu')(x)
    conv_5x5 = Conv2D(filters_5x5, (5, 5), padding='same', activation='relu')(conv_5x5)
    pool_proj = MaxPooling2D((3, 3), strides=(1, 1), padding='same')(x)
    pool_proj = Conv2D(filters_pool_proj, (1, 1), padding='same', activation='relu')(pool_proj)
    output = concatenate([conv_1x1, conv_3x3, conv_5x5, pool_proj], axis=3, name=name)
    return output


modules = [
    (8, 12, 16, 2, 4, 4),
    (16, 16, 24, 4, 12, 8),
]

input_layer = Input(shape=(24, 24, 3))
x = Conv2D(16, (5, 5), padding='same', strides=(2, 2), activation='relu', name='conv_1_5x5')(input_layer)
x = MaxPooling2D((3, 3), padding='same', strides=(2, 2), name='max_pool_1_3x3')(x)
for i, sizes in enumerate(modules):
    x = inception_module(x, *sizes, name='inception_3%s' % "ab"[i])
x = AveragePooling2D((2, 2), padding='same')(x)
x = Dropout(0.4)(x)
x = Flatten()(x)
x = Dense(10, activation='softmax', name='output')(x)

model = Model(input_layer, [x], name='inception_v1')
