//! Batches: a slice of images in parallel, or an ndarray view of any layout,
//! give exactly the per-image outputs.

use cnn_examples::{fixture_dir, models::SeedMnist, safetensors};
use cnn_runtime::memory::{flat, flat_mut};
use cnn_runtime::ndarray::{s, Array4, Axis};
use cnn_runtime::{ForwardBatch, WeightFiles};

fn fixture_inputs() -> (Box<SeedMnist>, Array4<f32>) {
    let dir = fixture_dir("seed_mnist");
    let model = SeedMnist::from_safetensors_file(dir.join("weights.safetensors")).unwrap();
    let io = safetensors::read(&dir.join("io.safetensors")).unwrap();
    let batch = Array4::from_shape_vec((34, 28, 28, 1), io["inputs"].to_f32()).unwrap();
    (model, batch)
}

fn one_by_one(model: &SeedMnist, batch: &Array4<f32>) -> Vec<[f32; 10]> {
    batch
        .outer_iter()
        .map(|image| {
            let mut x = [[[0.0f32; 1]; 28]; 28];
            flat_mut(&mut x).copy_from_slice(image.as_standard_layout().as_slice().unwrap());
            model.forward(&x)
        })
        .collect()
}

#[test]
fn slices_run_in_parallel_with_per_image_results() {
    let (model, batch) = fixture_inputs();
    let expected = one_by_one(&model, &batch);
    let inputs: Vec<[[[f32; 1]; 28]; 28]> = batch
        .outer_iter()
        .map(|image| {
            let mut x = [[[0.0f32; 1]; 28]; 28];
            flat_mut(&mut x).copy_from_slice(image.as_slice().unwrap());
            x
        })
        .collect();
    assert_eq!(model.forward_batch(&inputs), expected);
    assert!(model.forward_batch(&[]).is_empty());
}

#[test]
fn ndarray_views_of_any_layout_give_per_image_results() {
    let (model, batch) = fixture_inputs();
    let expected = one_by_one(&model, &batch);
    let out = model.forward_ndarray(batch.view()).unwrap();
    assert_eq!(out.shape(), &[34, 10]);
    for (row, e) in out.outer_iter().zip(&expected) {
        assert_eq!(row.as_slice().unwrap(), flat(e));
    }
    // Every other image, in reverse: a strided, non-contiguous view.
    let strided = batch.slice(s![..;-2, .., .., ..]);
    let out = model.forward_ndarray(strided).unwrap();
    let picked: Vec<&[f32; 10]> = expected.iter().rev().step_by(2).collect();
    for (row, e) in out.outer_iter().zip(picked) {
        assert_eq!(row.as_slice().unwrap(), flat(e));
    }
    // Transposed storage (Fortran order) of the same images.
    let fortran = batch.t().as_standard_layout().to_owned();
    let out = model.forward_ndarray(fortran.t()).unwrap();
    assert_eq!(
        out.index_axis(Axis(0), 5).as_slice().unwrap(),
        flat(&expected[5])
    );
}

#[test]
fn a_batch_of_the_wrong_shape_is_an_error() {
    let (model, _) = fixture_inputs();
    let wrong = Array4::<f32>::zeros((2, 28, 28, 3));
    let error = model.forward_ndarray(wrong.view()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "a batch must have shape (N, 28, 28, 1), found [2, 28, 28, 3]"
    );
}
