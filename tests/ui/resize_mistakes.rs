use cnn_runtime::cnn;

// Cropping more rows than the map has.
cnn! {
    pub struct CropsAll;
    input(4, 4, 1);
    Cropping2D(((2, 2), (0, 0)))
}

// Bicubic interpolation is not there yet: said, not replaced by another.
cnn! {
    pub struct Bicubic;
    input(4, 4, 1);
    UpSampling2D(2, interpolation = bicubic)
}

fn main() {}
