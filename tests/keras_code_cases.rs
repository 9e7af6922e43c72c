//! The scripts that made the Keras cases in `tests/keras/` are Keras code
//! as people write it (functions, `keras.ops` calls, arithmetic on tensors
//! and constants, several inputs and outputs, models used as layers, then
//! training-side code: random weights set from `model.get_weights()`, data,
//! a call that saves everything). Read as they are with `include_keras!`,
//! each gives Keras' own summary and outputs on every instruction-set path.

use cnn_examples::keras_case::KerasCase;

macro_rules! keras_code_cases {
    ($($test:ident: $ty:ident, $case:literal, $path:literal $(, model = $model:literal)?;)*) => {
        $(
            cnn_runtime::include_keras! {
                pub struct $ty;
                $path
                $(, model = $model)?
            }

            #[test]
            fn $test() {
                let case = KerasCase::new($case);
                assert_eq!($ty::summary(), case.summary());
                case.assert_outputs::<$ty>(1e-5);
            }
        )*
    };
}

keras_code_cases! {
    activation_ops: ActivationOps, "activation_ops", "tests/keras/activation_ops.py";
    add_broadcast: AddBroadcast, "add_broadcast", "tests/keras/add_broadcast.py";
    constant_ops: ConstantOps, "constant_ops", "tests/keras/constant_ops.py";
    conv1d: Conv1d, "conv1d", "tests/keras/conv1d.py";
    conv_transpose: ConvTranspose, "conv_transpose", "tests/keras/conv_transpose.py";
    convnext_layers: ConvnextLayers, "convnext_layers", "tests/keras/convnext_layers.py";
    custom_scale: CustomScale, "custom_scale", "tests/keras/custom_scale.py";
    grouped_conv: GroupedConv, "grouped_conv", "tests/keras/grouped_conv.py";
    multiply: Multiply, "multiply", "tests/keras/multiply.py";
    nested_models: NestedModels, "nested_models", "tests/keras/nested_models.py", model = "autoencoder";
    normalization: Normalization, "normalization", "tests/keras/normalization.py";
    normalization_adapted: NormalizationAdapted, "normalization_adapted", "tests/keras/normalization_adapted.py";
    resize_layers: ResizeLayers, "resize_layers", "tests/keras/resize_layers.py";
    several_inputs: SeveralInputs, "several_inputs", "tests/keras/several_inputs.py";
    several_outputs: SeveralOutputs, "several_outputs", "tests/keras/several_outputs.py";
    upsampling_bilinear: UpsamplingBilinear, "upsampling_bilinear", "tests/keras/upsampling_bilinear.py";
}
