use cnn_runtime::cnn;

cnn! {
    pub struct Mnist<T>;
    input(28, 28, 1);
    Flatten
}

fn main() {}
