//! The `cnn!` DSL end to end, as a user's crate sees it: every layer, option,
//! alias and separator, and the generated constants and summary.

use cnn_runtime::{cnn, LayerInfo};

cnn! {
    pub struct SeedMnist;
    input(28, 28, 1);
    Conv2D(32, 3x3, relu)  MaxPool(2)
    Conv2D(32, 3x3, relu)  MaxPool(2)
    Flatten  Dense(128, relu)  Dense(10, softmax)
}

#[test]
fn seed_model_summary_is_keras_summary() {
    assert_eq!(
        SeedMnist::summary(),
        include_str!("../fixtures/seed_mnist/summary.txt")
    );
    assert_eq!(SeedMnist::INPUT_SHAPE, [28, 28, 1]);
    assert_eq!(SeedMnist::OUTPUT_SHAPE, &[10]);
    assert_eq!(SeedMnist::PARAMS, 113_386);
    // The fixture's manifest: 1,413,504 MACs, 2 FLOPs each.
    assert_eq!(SeedMnist::FLOPS, 2_827_008);
    let names: Vec<&str> = SeedMnist::LAYERS.iter().map(|l| l.name).collect();
    assert_eq!(
        names,
        [
            "conv2d",
            "max_pooling2d",
            "conv2d_1",
            "max_pooling2d_1",
            "flatten",
            "dense",
            "dense_1"
        ]
    );
    let params: Vec<usize> = SeedMnist::LAYERS.iter().map(|l| l.params).collect();
    assert_eq!(params, [320, 0, 9248, 0, 0, 102_528, 1290]);
    let spatial: Vec<usize> = SeedMnist::LAYERS[..4]
        .iter()
        .map(|l| l.output_shape[0])
        .collect();
    assert_eq!(spatial, [26, 13, 11, 5]);
    assert_eq!(
        SeedMnist::LAYERS.iter().map(|l| l.flops).sum::<u64>(),
        SeedMnist::FLOPS
    );
}

/// Every fixture model's summary, through the macro, is Keras' own.
#[test]
fn fixture_models_summaries_are_keras_summaries() {
    use cnn_examples::models::*;
    let summaries = [
        ("avgpool", Avgpool::summary()),
        ("features_a", FeaturesA::summary()),
        ("features_b", FeaturesB::summary()),
        ("features_c", FeaturesC::summary()),
        ("gap", Gap::summary()),
        ("gmp", Gmp::summary()),
        ("mixed_same", MixedSame::summary()),
        ("pool_s1", PoolS1::summary()),
        ("same", Same::summary()),
        ("seed_mnist", SeedMnist::summary()),
    ];
    for (name, summary) in summaries {
        let keras =
            std::fs::read_to_string(cnn_examples::fixture_dir(name).join("summary.txt")).unwrap();
        assert_eq!(summary, keras, "{name}");
    }
}

// Keras' long names and keywords, strings for names, and `,` / `;` separators.
cnn! {
    /// Attributes and docs pass through.
    #[derive(Debug)]
    pub(crate) struct KerasSpelling;
    input(shape = (32, 32, 3)),
    Convolution2D(filters = 8, kernel_size = (3, 5), strides = (1, 1), padding = "same",
                  dilation_rate = 1, use_bias = True, activation = "relu", name = "stem");
    MaxPooling2D(pool_size = (2, 2), strides = 2, padding = "valid"),
    Conv2D(8, 3, dilation = (2, 1), activation = None);
    AveragePooling2D(2x2)
    MaxPool2D
    AvgPool2D(pool_size = 1, strides = 1)
    LeakyReLU(0.1), LeakyReLU(negative_slope = 0.1); LeakyReLU(alpha = 0.2)
    Activation("tanh") Activation(activation = gelu) Activation(silu)
    GlobalAveragePooling2D
    Dropout(rate = 0.5)
    Dense(units = 4, activation = "leaky_relu", use_bias = false, name = "head")
    Softmax
}

#[test]
fn keras_names_and_keywords_are_aliases() {
    let layer = |name: &str| -> LayerInfo {
        *KerasSpelling::LAYERS
            .iter()
            .find(|l| l.name == name)
            .unwrap_or_else(|| panic!("no layer {name}"))
    };
    let stem = layer("stem");
    assert_eq!(
        (stem.class, stem.output_shape),
        ("Conv2D", &[32usize, 32, 8][..])
    );
    assert_eq!(stem.params, 3 * 5 * 3 * 8 + 8);
    assert_eq!(layer("max_pooling2d").output_shape, &[16, 16, 8]);
    // Dilation (2, 1): the 3x3 kernel spans 5x3 → 12x14.
    assert_eq!(layer("conv2d").output_shape, &[12, 14, 8]);
    assert_eq!(layer("average_pooling2d").output_shape, &[6, 7, 8]);
    assert_eq!(layer("max_pooling2d_1").output_shape, &[3, 3, 8]);
    assert_eq!(layer("average_pooling2d_1").output_shape, &[3, 3, 8]);
    let classes: Vec<&str> = KerasSpelling::LAYERS.iter().map(|l| l.class).collect();
    assert_eq!(
        classes,
        [
            "Conv2D",
            "MaxPooling2D",
            "Conv2D",
            "AveragePooling2D",
            "MaxPooling2D",
            "AveragePooling2D",
            "LeakyReLU",
            "LeakyReLU",
            "LeakyReLU",
            "Activation",
            "Activation",
            "Activation",
            "GlobalAveragePooling2D",
            "Dropout",
            "Dense",
            "Softmax"
        ]
    );
    assert_eq!(layer("leaky_re_lu_2").output_shape, &[3, 3, 8]);
    assert_eq!(layer("activation_2").output_shape, &[3, 3, 8]);
    assert_eq!(layer("global_average_pooling2d").output_shape, &[8]);
    let head = layer("head");
    assert_eq!((head.output_shape, head.params), (&[4usize][..], 8 * 4));
    assert_eq!(KerasSpelling::OUTPUT_SHAPE, &[4]);
    let _: fn(&KerasSpelling) -> String = |m| format!("{m:?}");
}

// Keras applies Dense to the last axis of a feature map.
cnn! {
    pub struct PerPixel;
    input(8, 6, 3);
    Conv2D(4, 3x3, relu)
    Dense(5, softmax)
}

#[test]
fn dense_on_a_feature_map_applies_to_the_channels() {
    assert_eq!(PerPixel::OUTPUT_SHAPE, &[6, 4, 5]);
    assert_eq!(PerPixel::LAYERS[1].params, 4 * 5 + 5);
    assert_eq!(PerPixel::LAYERS[1].flops, 2 * 6 * 4 * 4 * 5);
    assert!(PerPixel::summary()
        .contains("│ dense (Dense)                   │ (None, 6, 4, 5)        │            25 │"));
}

mod unnamed {
    cnn_runtime::cnn! { input(4, 4, 2); Flatten }

    #[test]
    fn the_type_defaults_to_model() {
        assert_eq!(Model::OUTPUT_SHAPE, &[32]);
        assert_eq!(Model::PARAMS, 0);
        assert!(Model::summary().starts_with("Model: \"model\"\n"));
    }
}

macro_rules! square_model {
    ($name:ident, $size:expr, $filters:expr) => {
        cnn! {
            pub struct $name;
            input($size, $size, 1);
            Conv2D($filters, 3x3, relu)
            GlobalMaxPool
        }
    };
}

square_model!(FromMacroRules, 10, 7);

#[test]
fn works_inside_macro_rules() {
    assert_eq!(FromMacroRules::INPUT_SHAPE, [10, 10, 1]);
    assert_eq!(FromMacroRules::OUTPUT_SHAPE, &[7]);
    assert_eq!(FromMacroRules::PARAMS, 9 * 7 + 7);
}

// keras.applications' classifier top: global pooling that keeps the 1x1
// dimensions, a 1x1 convolution, a reshape to the class vector.
cnn! {
    pub struct KeepDims;
    input(4, 4, 3);
    GlobalAvgPool(keepdims = true) Conv2D(5, 1x1) Reshape((5,)) Softmax
}

cnn! {
    pub struct Flat;
    input(4, 4, 3);
    GlobalAvgPool Dense(5) Softmax
}

#[test]
fn global_pooling_keeps_dimensions_when_asked() {
    use cnn_runtime::Model;
    assert_eq!(KeepDims::LAYERS[0].output_shape, &[1, 1, 3]);
    assert_eq!(KeepDims::OUTPUT_SHAPE, &[5]);
    // A 1x1 convolution on the kept 1x1 map is Dense on the pooled vector:
    // the same weights (the same bytes) give the same outputs.
    let mut kept = KeepDims::zeroed();
    let mut flat = Flat::zeroed();
    let mut fill = |_: &cnn_runtime::TensorSpec, values: &mut [f32]| {
        for (i, v) in values.iter_mut().enumerate() {
            *v = (i as f32 * 0.37).sin();
        }
        Ok::<(), ()>(())
    };
    kept.load_with(&mut fill).unwrap();
    flat.load_with(&mut fill).unwrap();
    let input: [[[f32; 3]; 4]; 4] = core::array::from_fn(|y| {
        core::array::from_fn(|x| core::array::from_fn(|c| (y * 12 + x * 3 + c) as f32 / 48.0))
    });
    assert_eq!(kept.forward(&input), flat.forward(&input));
}
