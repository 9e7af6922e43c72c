// The model the loaders fill: the features_b fixture, read from its Keras
// JSON (five layers of weights, small enough that every input is cheap).
cnn_runtime::include_keras! { pub struct Target; "../fixtures/features_b/config.json" }
