use cnn_runtime::cnn;

// Several inputs are read by their names: each needs one.
cnn! {
    pub struct UnnamedSecondInput;
    input(4, name = "meta");
    input(6, 6, 2);
    Flatten
}

// With several inputs, `input` names none of them.
cnn! {
    pub struct InputIsAmbiguous;
    input(4, name = "meta");
    input(6, 6, 2, name = "image");
    Dense(3)(input)
}

fn main() {}
