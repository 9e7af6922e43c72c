//! Keras' Conv2DTranspose (`same` and `valid`, strides below, equal to and
//! above the kernel, `output_padding`, dilation, no bias, an activation),
//! from Keras' JSON and from the DSL: Keras' summary and outputs
//! (`tests/keras/conv_transpose.py`) on every instruction-set path.

use cnn_examples::keras_case::KerasCase;

cnn_runtime::include_keras! { pub struct FromJson; "tests/keras/conv_transpose/config.json" }

cnn_runtime::cnn! {
    pub struct ConvTranspose;
    input(3, 4, 2, name = "input_layer");
    a = Conv2DTranspose(4, 3x3, strides = 2, padding = same)(input)
        Conv2DTranspose(3, 2x2, use_bias = false);
    b = Conv2DTranspose(2, 2x2, strides = 3)(input);
    c = Conv2DTranspose(2, 3x3, relu, strides = 2, padding = same, output_padding = 1)(input);
    d = Conv2DTranspose(2, 3x2, dilation_rate = 2, padding = same)(input);
    e = Conv2DTranspose(2, 3x3, strides = 2, output_padding = 1)(input);
    fa = Flatten()(a);
    fb = Flatten()(b);
    fc = Flatten()(c);
    fd = Flatten()(d);
    fe = Flatten()(e);
    Concatenate(fa, fb, fc, fd, fe)
    Dense(3)
}

#[test]
fn conv2d_transpose_is_keras() {
    let case = KerasCase::new("conv_transpose");
    assert_eq!(FromJson::summary(), case.summary());
    assert_eq!(ConvTranspose::summary(), case.summary());
    case.assert_outputs::<FromJson>(1e-5);
    case.assert_outputs::<ConvTranspose>(1e-5);
}
