//! Sequences `(steps, channels)`: Conv1D (valid, same, causal with dilation,
//! strides), MaxPooling1D, AveragePooling1D, BatchNormalization and Dense on a
//! sequence, the 1-D global poolings, from Keras' JSON and from the DSL:
//! Keras' summary and outputs (`tests/keras/conv1d.py`) on every
//! instruction-set path, and the caller's types `[[f32; C]; N]`.

use cnn_examples::keras_case::KerasCase;

cnn_runtime::include_keras! { pub struct FromJson; "tests/keras/conv1d/config.json" }

cnn_runtime::cnn! {
    pub struct Conv1d;
    input(20, 3, name = "input_layer");
    x = Conv1D(8, 3, relu)(input)
        MaxPool1D
        Conv1D(8, 3, padding = causal, dilation_rate = 2)
        BatchNormalization;
    y = Conv1D(8, 5, strides = 2, padding = same, use_bias = false)(x)
        AvgPool1D(2, strides = 1, padding = same)
        Dense(6);
    a = GlobalAvgPool1D()(y);
    b = GlobalMaxPool1D()(x);
    Concatenate(a, b)
    Dense(4, softmax)
}

#[test]
fn one_dimensional_layers_are_keras() {
    let case = KerasCase::new("conv1d");
    assert_eq!(FromJson::summary(), case.summary());
    assert_eq!(Conv1d::summary(), case.summary());
    case.assert_outputs::<FromJson>(1e-5);
    case.assert_outputs::<Conv1d>(1e-5);
}

#[test]
fn a_sequence_is_steps_of_channels_for_the_caller() {
    use cnn_runtime::Model;
    let _: fn(&Conv1d, &[[f32; 3]; 20]) -> [f32; 4] = |m, x| m.forward(x);
    assert_eq!(<Conv1d as Model>::INPUT_SHAPE, &[20, 3]);
    assert_eq!(
        <Conv1d as Model>::TENSORS[0],
        cnn_runtime::TensorSpec {
            name: "conv1d.kernel",
            shape: &[3, 3, 8]
        }
    );
}
