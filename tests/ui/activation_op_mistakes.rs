use cnn_runtime::cnn;

// An alpha other than Keras' default is not computed: said, not ignored.
cnn! {
    pub struct OtherAlpha;
    input(8);
    Elu(alpha = 2.0)
}

// log_softmax over another axis than the last.
cnn! {
    pub struct OtherAxis;
    input(4, 4, 2);
    LogSoftmax(axis = 1)
}

fn main() {}
