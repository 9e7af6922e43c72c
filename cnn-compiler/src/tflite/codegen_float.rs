//! The Rust a float32 `.tflite` [`Program`] becomes: the same straight line
//! of calls as an int8 model, onto the float kernels the Keras front-ends
//! use (`cnn_runtime::kernels`), with the weights embedded on cache lines in
//! the layouts those kernels read. Activations live in the same byte arena,
//! read as f32 where the compiler placed them (64-byte aligned).

use super::codegen::{f32_bytes, flatten, nested, operand_exprs, steps, Header};
use super::lower::float::{Activation, FloatKernel};
use super::lower::{Program, Step, Window};
use super::memory::place;
use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};

/// The generated float32 model.
pub fn generate_float(
    program: &Program,
    header: &Header,
    summary: &str,
    track: TokenStream,
) -> TokenStream {
    let Header { attrs, vis, ident } = header;
    let placement = place(program);
    let in_shape = program.shape(program.input).to_vec();
    let out_shape = program.shape(program.output).to_vec();
    let input_ty = nested(&in_shape, quote!(f32));
    let output_ty = nested(&out_shape, quote!(f32));
    let output_zero = nested(&out_shape, quote!(0.0f32));
    let input_zero = nested(&in_shape, quote!(0.0f32));
    let flat_in = flatten(quote!(input), in_shape.len(), false);
    let flat_out = flatten(quote!(output), out_shape.len(), true);
    let arena = placement.arena;
    let out_bytes = program.bytes(program.output);
    let scratch_bytes = (arena + out_bytes).next_multiple_of(64);
    let params = program.params();
    let (statics, body) = steps(program, &placement);
    let summary = Literal::string(summary);
    let input_shape = program.tensors[program.input].shape.clone();
    let output_shape = program.tensors[program.output].shape.clone();
    let doc = format!(
        " A TensorFlow Lite float32 model compiled by `include_tflite!`: input `{input_shape:?}`, \
         output `{output_shape:?}`, {params} weights, {scratch_bytes} bytes of scratch."
    );
    quote! {
        #attrs
        #[doc = #doc]
        #[derive(Clone, Copy, Debug, Default)]
        #vis struct #ident {
            _weights_are_statics: (),
        }

        const _: () = {
            use ::cnn_runtime::int8 as q;
            #track
            #statics

            const _: () = assert!(
                ::core::mem::size_of::<q::Int8Scratch<#arena, #output_ty>>() == #scratch_bytes,
                "SCRATCH_BYTES is the scratch's size"
            );

            impl #ident {
                /// The model's input and output shapes, batch dimension included.
                pub const INPUT_SHAPE: &'static [usize] = &[#(#input_shape),*];
                pub const OUTPUT_SHAPE: &'static [usize] = &[#(#output_shape),*];
                /// Weights and biases.
                pub const PARAMS: usize = #params;
                /// Bytes of the scratch memory (the activations' arena and the output).
                pub const SCRATCH_BYTES: usize = #scratch_bytes;

                /// The model; its weights are embedded, nothing to load.
                pub const fn new() -> Self {
                    #ident { _weights_are_statics: () }
                }

                /// The model as a table: every operator of the file with its output tensor.
                pub fn summary() -> &'static str {
                    #summary
                }

                /// Scratch memory for [`Self::forward_into`].
                pub fn new_scratch() -> q::Int8Scratch<#arena, #output_ty> {
                    q::Int8Scratch::new(#output_zero)
                }

                /// An input of zeros, to fill in place.
                pub fn new_input() -> #input_ty {
                    #input_zero
                }

                /// Runs the model with scratch memory on the stack.
                pub fn forward(&self, input: &#input_ty) -> #output_ty {
                    let mut scratch = Self::new_scratch();
                    *self.forward_into(input, &mut scratch)
                }

                /// Runs the model with the caller's scratch memory.
                #[allow(unused_variables)]
                pub fn forward_into<'s>(
                    &self,
                    input: &#input_ty,
                    scratch: &'s mut q::Int8Scratch<#arena, #output_ty>,
                ) -> &'s #output_ty {
                    let (arena, output_tensor) = scratch.parts();
                    let input: &[i8] = q::bytes_of_f32(#flat_in);
                    let arena: &mut [i8] = &mut arena[..];
                    {
                        let output: &mut [i8] = { let output = &mut *output_tensor; q::bytes_of_f32_mut(#flat_out) };
                        #body
                    }
                    output_tensor
                }
            }
        };
    }
}

fn activation(a: Activation) -> TokenStream {
    let name = format_ident!("{}", a.type_name());
    quote!(::cnn_runtime::activation::#name)
}

fn conv_geometry(w: &Window) -> TokenStream {
    let ([h, w_, c_in], [out_h, out_w, c_out]) = (w.input, w.output);
    let ([kh, kw], [stride_h, stride_w], [dilation_h, dilation_w], [pad_top, pad_left]) =
        (w.kernel, w.stride, w.dilation, w.pad);
    quote! {
        ::cnn_runtime::kernels::conv::Conv2DGeometry {
            h: #h, w: #w_, c_in: #c_in, c_out: #c_out, kh: #kh, kw: #kw,
            stride_h: #stride_h, stride_w: #stride_w, dilation_h: #dilation_h, dilation_w: #dilation_w,
            pad_top: #pad_top, pad_left: #pad_left, out_h: #out_h, out_w: #out_w,
        }
    }
}

/// The bias epilogue, and the statics it reads.
fn epilogue(name: &Ident, bias: &Option<Vec<f32>>) -> (TokenStream, TokenStream) {
    match bias {
        Some(b) => (
            f32_bytes(name, b),
            quote!(::cnn_runtime::kernels::epilogue::Epilogue::Bias(q::f32s(q::as_i8(&#name.0)))),
        ),
        None => (
            TokenStream::new(),
            quote!(::cnn_runtime::kernels::epilogue::Epilogue::Nothing),
        ),
    }
}

/// One float32 step: its statics and the kernel call (reading `x0`, ... and
/// writing `y`, all bytes).
pub fn emit(i: usize, step: &Step, kernel: &FloatKernel) -> (TokenStream, TokenStream) {
    let (w, b) = (format_ident!("W{i}"), format_ident!("B{i}"));
    let operands: Vec<TokenStream> = (0..step.inputs.len())
        .map(|k| {
            let x = format_ident!("x{k}");
            quote!(q::f32s(#x))
        })
        .collect();
    match kernel {
        FloatKernel::Conv {
            window,
            weights,
            bias,
            activation: a,
        } => {
            let (bias_statics, epilogue) = epilogue(&b, bias);
            let (g, a, wb) = (
                conv_geometry(window),
                activation(*a),
                f32_bytes(&w, weights),
            );
            (
                quote!(#wb #bias_statics),
                quote! {
                    ::cnn_runtime::kernels::conv::conv2d_dyn(
                        #g, q::f32s(x0), q::f32s(q::as_i8(&#w.0)), #epilogue, #a, q::f32s_mut(y));
                },
            )
        }
        FloatKernel::Depthwise {
            window,
            multiplier,
            weights,
            bias,
            activation: a,
        } => {
            let ([h, w_, c_in], [out_h, out_w, _]) = (window.input, window.output);
            let ([kh, kw], [stride_h, stride_w], [dilation_h, dilation_w], [pad_top, pad_left]) =
                (window.kernel, window.stride, window.dilation, window.pad);
            let (bias_statics, epilogue) = epilogue(&b, bias);
            let (a, wb) = (activation(*a), f32_bytes(&w, weights));
            (
                quote!(#wb #bias_statics),
                quote! {
                    ::cnn_runtime::kernels::depthwise::depthwise_conv2d_dyn(
                        ::cnn_runtime::kernels::depthwise::DepthwiseGeometry {
                            h: #h, w: #w_, c_in: #c_in, multiplier: #multiplier, kh: #kh, kw: #kw,
                            stride_h: #stride_h, stride_w: #stride_w, dilation_h: #dilation_h,
                            dilation_w: #dilation_w, pad_top: #pad_top, pad_left: #pad_left,
                            out_h: #out_h, out_w: #out_w,
                        },
                        q::f32s(x0), q::f32s(q::as_i8(&#w.0)), #epilogue, #a, q::f32s_mut(y));
                },
            )
        }
        FloatKernel::Dense {
            fan_in,
            units,
            weights,
            bias,
            activation: a,
        } => {
            let wb = f32_bytes(&w, weights);
            let (bias_statics, bias_expr) = match bias {
                Some(v) => (
                    f32_bytes(&b, v),
                    quote!(::core::option::Option::Some(q::f32s(q::as_i8(&#b.0)))),
                ),
                None => (TokenStream::new(), quote!(::core::option::Option::None)),
            };
            let a = activation(*a);
            (
                quote!(#wb #bias_statics),
                quote! {
                    ::cnn_runtime::kernels::dense::dense_dyn(
                        ::cnn_runtime::kernels::dense::DenseGeometry { rows: 1, fan_in: #fan_in, units: #units },
                        q::f32s(x0), q::f32s(q::as_i8(&#w.0)), #bias_expr, #a, q::f32s_mut(y));
                },
            )
        }
        FloatKernel::Pool { window, max } => {
            let ([h, w_, c], [out_h, out_w, _]) = (window.input, window.output);
            let ([ph, pw], [stride_h, stride_w], [pad_top, pad_left]) =
                (window.kernel, window.stride, window.pad);
            let op = if *max { quote!(Max) } else { quote!(Avg) };
            (
                TokenStream::new(),
                quote! {
                    ::cnn_runtime::kernels::pool::pool2d_dyn(
                        ::cnn_runtime::kernels::pool::PoolGeometry {
                            h: #h, w: #w_, c: #c, ph: #ph, pw: #pw, stride_h: #stride_h, stride_w: #stride_w,
                            pad_top: #pad_top, pad_left: #pad_left, out_h: #out_h, out_w: #out_w,
                        },
                        ::cnn_runtime::kernels::pool::PoolOp::#op, q::f32s(x0), q::f32s_mut(y));
                },
            )
        }
        FloatKernel::Global {
            pixels,
            channels,
            max,
        } => {
            let op = if *max { quote!(Max) } else { quote!(Avg) };
            (
                TokenStream::new(),
                quote! {
                    ::cnn_runtime::kernels::pool::global_pool_dyn(
                        ::cnn_runtime::kernels::pool::PoolOp::#op, #pixels, #channels, q::f32s(x0), q::f32s_mut(y));
                },
            )
        }
        FloatKernel::Arithmetic { op, activation: a } => {
            let (consts, [x, z]) = operand_exprs::<2>(i, step);
            let (lo, hi) = a.range();
            let (lo, hi) = (float_literal(lo), float_literal(hi));
            let op = match op {
                0 => quote!(Add),
                1 => quote!(Sub),
                _ => quote!(Mul),
            };
            (
                consts,
                quote! {
                    q::elementwise::arithmetic_f32(
                        q::elementwise::Arithmetic::#op, #lo, #hi, q::f32s(#x), q::f32s(#z), q::f32s_mut(y));
                },
            )
        }
        FloatKernel::Greater => {
            let (consts, [x, z]) = operand_exprs::<2>(i, step);
            (
                consts,
                quote!(q::elementwise::greater_f32(q::f32s(#x), q::f32s(#z), y);),
            )
        }
        FloatKernel::Select => {
            let (consts, [c, x, z]) = operand_exprs::<3>(i, step);
            (
                consts,
                quote!(q::elementwise::select(#c, q::f32s(#x), q::f32s(#z), q::f32s_mut(y));),
            )
        }
        FloatKernel::Pad {
            input: [h, w_, c],
            before: [b0, b1, b2],
            after: [a0, a1, a2],
        } => (
            TokenStream::new(),
            quote! {
                q::layout::pad(
                    &q::layout::PadParams { input: [#h, #w_, #c], before: [#b0, #b1, #b2], after: [#a0, #a1, #a2], value: 0.0f32 },
                    q::f32s(x0), q::f32s_mut(y));
            },
        ),
        FloatKernel::Concat { outer } => (
            TokenStream::new(),
            quote!(q::layout::concatenate(#outer, &[#(#operands),*], q::f32s_mut(y));),
        ),
        FloatKernel::Softmax { depth } => (
            TokenStream::new(),
            quote! {
                let y = q::f32s_mut(y);
                for (y, &x) in y.iter_mut().zip(q::f32s(x0)) {
                    *y = x;
                }
                ::cnn_runtime::activation::softmax_groups(y, #depth);
            },
        ),
        FloatKernel::Unary { activation, alpha } => {
            let name = format_ident!("{activation}");
            let value = match alpha {
                Some(alpha) => quote!(::cnn_runtime::activation::#name(#alpha)),
                None => quote!(::cnn_runtime::activation::#name),
            };
            (
                TokenStream::new(),
                quote! {
                    let f = #value;
                    for (y, &x) in q::f32s_mut(y).iter_mut().zip(q::f32s(x0)) {
                        *y = ::cnn_runtime::activation::Activation::apply(f, x);
                    }
                },
            )
        }
        FloatKernel::Reshape => (TokenStream::new(), TokenStream::new()),
    }
}

/// An f32 literal, infinities included.
fn float_literal(v: f32) -> TokenStream {
    if v == f32::INFINITY {
        quote!(f32::INFINITY)
    } else if v == f32::NEG_INFINITY {
        quote!(f32::NEG_INFINITY)
    } else {
        quote!(#v)
    }
}
