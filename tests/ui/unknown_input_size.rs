use cnn_runtime::{cnn, cnn_keras};

// A size Keras leaves open (`None`) cannot be compiled: every array is fixed.
cnn_keras! { pub struct Sequence; r#"
inputs = keras.Input(shape=(None, 8))
x = layers.Dense(2)(inputs)
model = keras.Model(inputs, x)
"# }

cnn_keras! { pub struct Negative; r#"
model = Sequential([Input(shape=(8, -8, 1)), Conv2D(4, (3, 3))])
"# }

// A merge of one tensor: Keras cannot call it so.
cnn! {
    pub struct OneOperand;
    input(8, 8, 1);
    Conv2D(4, 3x3)
    Add
}

fn main() {}
