use cnn_runtime::cnn_keras;

cnn_keras! { pub struct Mnist; r#"
model = Sequential()
model.add(Conv2D(32, kernel_size=(3, 3), input_shape=(28, 28, 1), activation='relu'))
model.add(MaxPooling2D(pool_size=(2, 2), strides=0))
model.add(Flatten())
model.add(Dense(10, activation='softmx'))
"# }

cnn_keras! { pub struct Shrinks; r#"
model = Sequential([
    Input(shape=(8, 8, 1)),
    Conv2D(4, (3, 3)),
    MaxPooling2D((4, 4)),
    Conv2D(4, (3, 3)),
])
"# }

cnn_keras! { pub struct Unsupported; r#"
model = Sequential([Input(shape=(8, 8, 1)), layers.Lambda(double)])
"# }

cnn_keras! { pub struct Syntax; r#"
model = Sequential([Input(shape=(8, 8, 1)), Dense(3, activation=lambda x: x)])
"# }

fn main() {}
