use cnn_runtime::cnn;

// An output that names no tensor.
cnn! {
    pub struct UnknownOutput;
    input(8);
    a = Dense(4)(input);
    b = Dense(2)(a);
    output(a, c);
}

// The outputs given twice.
cnn! {
    pub struct TwoOutputLists;
    input(8);
    a = Dense(4)(input);
    b = Dense(2)(a);
    output(a, b);
    output(b);
}

fn main() {}
