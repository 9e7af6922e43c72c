//! What every generated model exposes about itself.

/// One layer of a generated model, as Keras would describe it.
///
/// ```
/// cnn_runtime::cnn! {
///     pub struct Tiny;
///     input(8, 8, 1);
///     Conv2D(4, 3x3, relu) Flatten Dense(2, softmax)
/// }
/// let conv = &Tiny::LAYERS[0];
/// assert_eq!((conv.name, conv.class), ("conv2d", "Conv2D"));
/// assert_eq!(conv.output_shape, &[6, 6, 4]);
/// assert_eq!(conv.params, 3 * 3 * 1 * 4 + 4);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LayerInfo {
    /// Keras' name: automatic (`conv2d`, `conv2d_1`, ...) or given with `name = "..."`.
    pub name: &'static str,
    /// Keras' class name (`Conv2D`, `MaxPooling2D`, ...).
    pub class: &'static str,
    /// Shape without the batch axis: `[h, w, c]` or `[n]`.
    pub input_shape: &'static [usize],
    pub output_shape: &'static [usize],
    /// Trainable parameters.
    pub params: usize,
    /// Floating-point operations per image (2 per multiply-accumulate).
    pub flops: u64,
}
