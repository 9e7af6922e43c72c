use cnn_runtime::cnn;

// Cropping more rows than the map has.
cnn! {
    pub struct CropsAll;
    input(4, 4, 1);
    Cropping2D(((2, 2), (0, 0)))
}

// Bilinear upsampling is not there yet: said, not replaced by nearest.
cnn! {
    pub struct Bilinear;
    input(4, 4, 1);
    UpSampling2D(2, interpolation = bilinear)
}

fn main() {}
