//! Model code as people write it (`tests/keras/code/*.py`: a ResNet, a
//! U-Net, Inception modules, a DenseNet, VGG from a configuration list,
//! MobileNetV2's blocks, squeeze-and-excitation, keras.io's small Xception
//! with its training code, a two-input two-output model, a lenient
//! Sequential): each file, read as it is with `include_keras!`, gives the
//! same model as Keras' own `model.to_json()` of it: Keras' summary and
//! Keras' outputs (`tests/keras/code_cases.py`) on every instruction-set
//! path.

use cnn_examples::keras_case::KerasCase;

macro_rules! corpus {
    ($($test:ident: $py:ident, $json:ident, $case:literal, $code:literal, $config:literal;)*) => {
        $(
            cnn_runtime::include_keras! { pub struct $py; $code }
            cnn_runtime::include_keras! { pub struct $json; $config }

            #[test]
            fn $test() {
                let case = KerasCase::new($case);
                assert_eq!($py::summary(), case.summary());
                assert_eq!($json::summary(), case.summary());
                case.assert_outputs::<$py>(1e-4);
                case.assert_outputs::<$json>(1e-4);
            }
        )*
    };
}

corpus! {
    densenet: DensenetPy, DensenetJson, "code/densenet",
        "tests/keras/code/densenet.py", "tests/keras/code/densenet/config.json";
    inception: InceptionPy, InceptionJson, "code/inception",
        "tests/keras/code/inception.py", "tests/keras/code/inception/config.json";
    mobilenet_v2: MobilenetV2Py, MobilenetV2Json, "code/mobilenet_v2",
        "tests/keras/code/mobilenet_v2.py", "tests/keras/code/mobilenet_v2/config.json";
    resnet_blocks: ResnetBlocksPy, ResnetBlocksJson, "code/resnet_blocks",
        "tests/keras/code/resnet_blocks.py", "tests/keras/code/resnet_blocks/config.json";
    sequential_lenient: SequentialLenientPy, SequentialLenientJson, "code/sequential_lenient",
        "tests/keras/code/sequential_lenient.py", "tests/keras/code/sequential_lenient/config.json";
    squeeze_excite: SqueezeExcitePy, SqueezeExciteJson, "code/squeeze_excite",
        "tests/keras/code/squeeze_excite.py", "tests/keras/code/squeeze_excite/config.json";
    two_towers: TwoTowersPy, TwoTowersJson, "code/two_towers",
        "tests/keras/code/two_towers.py", "tests/keras/code/two_towers/config.json";
    unet: UnetPy, UnetJson, "code/unet",
        "tests/keras/code/unet.py", "tests/keras/code/unet/config.json";
    vgg_config: VggConfigPy, VggConfigJson, "code/vgg_config",
        "tests/keras/code/vgg_config.py", "tests/keras/code/vgg_config/config.json";
    xception_keras_io: XceptionKerasIoPy, XceptionKerasIoJson, "code/xception_keras_io",
        "tests/keras/code/xception_keras_io.py", "tests/keras/code/xception_keras_io/config.json";
}
