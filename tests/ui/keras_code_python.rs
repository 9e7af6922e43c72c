use cnn_runtime::cnn_keras;

// A condition on data the reader cannot see.
cnn_keras! { pub struct Condition; r#"
(x_train, y_train), _ = keras.datasets.mnist.load_data()
model = keras.Sequential([keras.Input((28, 28, 1)), layers.Flatten()])
if x_train.shape[0] > 1000:
    model.add(layers.Dense(10))
"# }

// A loop over data that would build layers.
cnn_keras! { pub struct DataLoop; r#"
model = keras.Sequential([keras.Input((4,))])
for units in config["units"]:
    model.add(layers.Dense(units))
"# }

// A subclassed model.
cnn_keras! { pub struct Subclassed; r#"
class Net(keras.Model):
    def call(self, x):
        return x

model = Net()
"# }

// Two models, none assigned to `model`.
cnn_keras! { pub struct Two; r#"
a = keras.Sequential([keras.Input((4,)), layers.Dense(2)])
b = keras.Sequential([keras.Input((4,)), layers.Dense(3)])
"# }

// A model chosen by a name the code does not use.
cnn_keras! { pub struct Missing; model = "decoder"; r#"
encoder = keras.Sequential([keras.Input((4,)), layers.Dense(2)])
"# }

// Not Python.
cnn_keras! { pub struct Syntax; r#"
def block(x filters):
    return x
"# }

// A tensor's shape the layers before it cannot give.
cnn_keras! { pub struct Shape; r#"
inputs = keras.Input((8, 8, 3))
x = layers.Conv2D(8, 9)(inputs)
x = layers.Conv2D(x.shape[-1] * 2, 3)(x)
model = keras.Model(inputs, x)
"# }

// Recursion that never ends.
cnn_keras! { pub struct Recursion; r#"
def block(x, depth):
    return block(layers.ReLU()(x), depth + 1)

inputs = keras.Input((4,))
model = keras.Model(inputs, block(inputs, 0))
"# }

fn main() {}
