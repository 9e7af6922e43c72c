use cnn_runtime::cnn;

// The struct is read as plain f32s: a changed layout would make that unsound.
cnn! {
    #[repr(align(64))]
    pub struct Aligned;
    input(4, 4, 1);
    Flatten Dense(2)
}

fn main() {}
