use cnn_runtime::cnn;

cnn! {
    pub struct Typo;
    input(16, 16, 3);
    shortcut = Conv2D(8, 1x1);
    branch = Conv2D(8, 3x3, padding = same)(input);
    Add(shortcut, brnach)
    Flatten Dense(2)
}

fn main() {}
