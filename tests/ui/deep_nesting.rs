use cnn_runtime::cnn;

// Nesting far beyond what a model needs is refused before it is read.
cnn! {
    pub struct Deep;
    input(28, 28, 1);
    Dense(((((((((((((((((((((((((((((((((((((((((1)))))))))))))))))))))))))))))))))))))))))
}

fn main() {}
