use cnn_runtime::cnn;

cnn! {}

mod with_input_only {
    use cnn_runtime::cnn;

    cnn! {
        pub struct Nothing;
        input(28, 28, 1);
    }
}

fn main() {}
