use cnn_runtime::cnn;

// Groups that do not divide the channels.
cnn! {
    pub struct GroupsDoNotDivide;
    input(8, 8, 6);
    Conv2D(8, 3x3, groups = 4)
}

// A LayerScale for another number of channels.
cnn! {
    pub struct ScaleOfOtherWidth;
    input(8, 8, 6);
    LayerScale(1e-6, 8)
}

// LayerNormalization over the height.
cnn! {
    pub struct NormOverHeight;
    input(8, 8, 6);
    LayerNormalization(axis = 1)
}

fn main() {}
