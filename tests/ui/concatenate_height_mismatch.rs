use cnn_runtime::cnn;

// One branch is strided: its map is half the height and width of the other.
cnn! {
    pub struct Branches;
    input(16, 16, 3);
    stem = Conv2D(8, 3x3, padding = same);
    a = Conv2D(8, 1x1)(stem);
    b = Conv2D(8, 3x3, strides = 2, padding = same)(stem);
    Concatenate(a, b)
    GlobalAvgPool Dense(10, softmax)
}

cnn! {
    pub struct WrongAxis;
    input(16, 16, 3);
    a = Conv2D(8, 1x1);
    b = Conv2D(8, 1x1)(input);
    Concatenate(a, b, axis = 1)
    Flatten Dense(2)
}

fn main() {}
