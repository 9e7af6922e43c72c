//! What ConvNeXt is made of, from Keras' JSON: a `Sequential` called as a
//! layer (one summary row; its weights under its name, as Keras' variable
//! paths), Conv2D with `groups` equal to the channels, LayerNormalization
//! (centered or not, `rms_scaling`), Dense on a feature map, GELU, LayerScale
//! and a residual Add: Keras' summary and outputs
//! (`tests/keras/convnext_layers.py`) on every instruction-set path. The
//! same layers written in the DSL (without the nesting) give Keras' outputs
//! from the same weights.

use cnn_examples::keras_case::KerasCase;

cnn_runtime::include_keras! { pub struct FromJson; "tests/keras/convnext_layers/config.json" }

#[test]
fn convnext_layers_are_keras() {
    let case = KerasCase::new("convnext_layers");
    assert_eq!(FromJson::summary(), case.summary());
    case.assert_outputs::<FromJson>(1e-5);
}

#[test]
fn a_nested_models_weights_are_named_after_it() {
    let names: Vec<&str> = <FromJson as cnn_runtime::Model>::TENSORS
        .iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(
        names[..4],
        [
            "stem.stem_conv.kernel",
            "stem.stem_conv.bias",
            "stem.stem_layernorm.gamma",
            "stem.stem_layernorm.beta"
        ]
    );
}

// The same layers in the DSL, the stem written flat.
cnn_runtime::cnn! {
    pub struct ConvnextLayers;
    input(16, 16, 3);
    x = Conv2D(8, 2x2, strides = 2, name = "stem_conv") LayerNorm(epsilon = 1e-6, name = "stem_layernorm");
    y = Conv2D(8, 7x7, padding = same, groups = 8, name = "depthwise_conv")(x)
        LayerNormalization(epsilon = 1e-6)
        Dense(32, name = "pointwise_conv_1")
        Activation(gelu)
        Dense(8, name = "pointwise_conv_2")
        LayerScale(1e-6, 8, name = "layer_scale");
    Add(x, y)
    Conv2D(16, 3x3, strides = 2, groups = 8, use_bias = false)
    LayerNormalization(center = false)
    LayerNormalization(rms_scaling = true)
    GlobalAvgPool
    LayerNormalization(epsilon = 1e-6)
    Dense(3)
}

#[test]
fn the_same_layers_in_the_dsl_are_keras() {
    use cnn_runtime::{Model, WeightFiles};
    let case = KerasCase::new("convnext_layers");
    let keras =
        FromJson::from_safetensors_file("tests/keras/convnext_layers/weights.safetensors").unwrap();
    let mut dsl = cnn_runtime::memory::zeroed_box::<ConvnextLayers>();
    assert_eq!(ConvnextLayers::TENSORS.len(), FromJson::TENSORS.len());
    for (i, (ours, theirs)) in ConvnextLayers::TENSORS
        .iter()
        .zip(FromJson::TENSORS)
        .enumerate()
    {
        assert_eq!(ours.shape, theirs.shape, "{}", ours.name);
        dsl.tensor_mut(i)
            .unwrap()
            .copy_from_slice(keras.tensor(i).unwrap());
    }
    case.assert_model_outputs(&*dsl, 1e-5);
}
