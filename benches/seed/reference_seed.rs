//! The seed model through `cnn_runtime::reference`, the plain ndarray
//! implementation the kernels are tested against: the "straightforward"
//! yardstick, on the same weights and input.

use super::Image;
use cnn_examples::models::SeedMnist;
use cnn_runtime::ndarray::{Array1, Array2, Array3, Array4, ArrayD, IxDyn};
use cnn_runtime::reference::{self, Padding};
use cnn_runtime::Model;
use rayon::prelude::*;

pub struct ReferenceSeed {
    conv1: (Array4<f32>, Array1<f32>),
    conv2: (Array4<f32>, Array1<f32>),
    dense1: (Array2<f32>, Array1<f32>),
    dense2: (Array2<f32>, Array1<f32>),
}

fn tensor(model: &SeedMnist, index: usize) -> ArrayD<f32> {
    let spec = SeedMnist::TENSORS[index];
    ArrayD::from_shape_vec(
        IxDyn(spec.shape),
        model.tensor(index).expect("tensor").to_vec(),
    )
    .expect("shape from the spec")
}

fn conv(model: &SeedMnist, first: usize) -> (Array4<f32>, Array1<f32>) {
    (
        tensor(model, first).into_dimensionality().expect("4-D"),
        tensor(model, first + 1).into_dimensionality().expect("1-D"),
    )
}

fn dense(model: &SeedMnist, first: usize) -> (Array2<f32>, Array1<f32>) {
    (
        tensor(model, first).into_dimensionality().expect("2-D"),
        tensor(model, first + 1).into_dimensionality().expect("1-D"),
    )
}

pub fn image_array(image: &Image) -> Array3<f32> {
    Array3::from_shape_vec((28, 28, 1), image.as_flattened().as_flattened().to_vec())
        .expect("28x28x1")
}

impl ReferenceSeed {
    pub fn new(model: &SeedMnist) -> ReferenceSeed {
        ReferenceSeed {
            conv1: conv(model, 0),
            conv2: conv(model, 2),
            dense1: dense(model, 4),
            dense2: dense(model, 6),
        }
    }

    fn conv1(&self, x: &Array3<f32>) -> Array3<f32> {
        relu(reference::conv2d(
            x,
            &self.conv1.0,
            Some(&self.conv1.1),
            (1, 1),
            (1, 1),
            Padding::Valid,
        ))
    }

    fn conv2(&self, x: &Array3<f32>) -> Array3<f32> {
        relu(reference::conv2d(
            x,
            &self.conv2.0,
            Some(&self.conv2.1),
            (1, 1),
            (1, 1),
            Padding::Valid,
        ))
    }

    fn dense1(&self, x: &ArrayD<f32>) -> ArrayD<f32> {
        reference::activation(
            &reference::dense(x, &self.dense1.0, Some(&self.dense1.1)),
            "relu",
            0.0,
        )
    }

    fn dense2(&self, x: &ArrayD<f32>) -> ArrayD<f32> {
        reference::activation(
            &reference::dense(x, &self.dense2.0, Some(&self.dense2.1)),
            "softmax",
            0.0,
        )
    }

    pub fn forward(&self, image: &Image) -> ArrayD<f32> {
        let x = self.conv1(&image_array(image));
        let x = pool(&x);
        let x = self.conv2(&x);
        let x = pool(&x);
        let flat = x.into_shape_with_order(IxDyn(&[800])).expect("800 values");
        self.dense2(&self.dense1(&flat))
    }

    /// Images in parallel on all threads, like `forward_batch`.
    pub fn forward_batch(&self, images: &[Image]) -> Vec<ArrayD<f32>> {
        images.par_iter().map(|image| self.forward(image)).collect()
    }
}

fn relu(x: Array3<f32>) -> Array3<f32> {
    reference::activation(&x.into_dyn(), "relu", 0.0)
        .into_dimensionality()
        .expect("3-D")
}

fn pool(x: &Array3<f32>) -> Array3<f32> {
    reference::pool2d(x, true, (2, 2), (2, 2), Padding::Valid)
}

/// Each reference layer with its real input, for the per-layer figures.
pub struct ReferenceLayers {
    model: ReferenceSeed,
    image: Array3<f32>,
    a1: Array3<f32>,
    p1: Array3<f32>,
    a2: Array3<f32>,
    flat: ArrayD<f32>,
    d1: ArrayD<f32>,
}

impl ReferenceLayers {
    pub fn new(model: &SeedMnist, image: &Image) -> ReferenceLayers {
        let model = ReferenceSeed::new(model);
        let image = image_array(image);
        let a1 = model.conv1(&image);
        let p1 = pool(&a1);
        let a2 = model.conv2(&p1);
        let flat = pool(&a2)
            .into_shape_with_order(IxDyn(&[800]))
            .expect("800 values");
        let d1 = model.dense1(&flat);
        ReferenceLayers {
            model,
            image,
            a1,
            p1,
            a2,
            flat,
            d1,
        }
    }

    pub fn conv1(&self) -> Array3<f32> {
        self.model.conv1(&self.image)
    }
    pub fn pool1(&self) -> Array3<f32> {
        pool(&self.a1)
    }
    pub fn conv2(&self) -> Array3<f32> {
        self.model.conv2(&self.p1)
    }
    pub fn pool2(&self) -> Array3<f32> {
        pool(&self.a2)
    }
    pub fn dense1(&self) -> ArrayD<f32> {
        self.model.dense1(&self.flat)
    }
    pub fn dense2(&self) -> ArrayD<f32> {
        self.model.dense2(&self.d1)
    }
}
