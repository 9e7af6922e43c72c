//! The Rust an int8 [`Program`] becomes: a type whose `forward` is one
//! straight line of kernel calls, every constant (weights as embedded bytes,
//! biases, multipliers, shifts, geometry) a `static` the kernels read in
//! place, so `new()` is `const` and the model can itself be a `static` in
//! flash. One emitter per operator kind: [`emit_step`].

use super::codegen_float::generate_float;
use super::lower::{Kernel, Operand, Program, Requant, Step, Window};
use super::memory::{place, Loc, Placement};
use super::pack::{pack_conv, pack_depthwise, PackedConv};
use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};

/// What the user wrote around the file: attributes, visibility, the type's name.
pub struct Header {
    pub attrs: TokenStream,
    pub vis: TokenStream,
    pub ident: Ident,
}

/// The generated model. `summary` is the text `summary()` returns; `track`
/// makes cargo rebuild when the file changes.
pub fn generate(
    program: &Program,
    header: &Header,
    summary: &str,
    track: TokenStream,
) -> TokenStream {
    if program.float {
        return generate_float(program, header, summary, track);
    }
    let Header { attrs, vis, ident } = header;
    let placement = place(program);
    let in_shape = program.shape(program.input).to_vec();
    let out_shape = program.shape(program.output).to_vec();
    let input_ty = nested(&in_shape, quote!(i8));
    let output_ty = nested(&out_shape, quote!(i8));
    let input_f32 = nested(&in_shape, quote!(f32));
    let output_f32 = nested(&out_shape, quote!(f32));
    let output_zero = nested(&out_shape, quote!(0i8));
    let output_f32_zero = nested(&out_shape, quote!(0.0f32));
    let input_zero = nested(&in_shape, quote!(0i8));
    let flat_in = flatten(quote!(input), in_shape.len(), false);
    let flat_out = flatten(quote!(output), out_shape.len(), true);
    let flat_in_mut = flatten(quote!(value), in_shape.len(), true);
    let flat_out_ref = flatten(quote!(value), out_shape.len(), false);
    let flat_out_mut = flatten(quote!(value), out_shape.len(), true);
    let arena = placement.arena;
    let out_len = program.tensors[program.output].len();
    let scratch_bytes = (arena + out_len).next_multiple_of(64);
    let (in_scale, in_zp) = program.tensors[program.input]
        .single_quant()
        .unwrap_or((1.0, 0));
    let (out_scale, out_zp) = program.tensors[program.output]
        .single_quant()
        .unwrap_or((1.0, 0));
    let params = program.params();
    let macs = program.macs();
    let weight_bytes = program.weight_bytes();
    let input_shape = program.tensors[program.input].shape.clone();
    let output_shape = program.tensors[program.output].shape.clone();

    let (statics, body) = steps(program, &placement);
    let summary = Literal::string(summary);
    let model_doc = format!(
        " A TensorFlow Lite int8 model compiled by `include_tflite!`: input `{input_shape:?}` \
         (scale {in_scale:e}, zero point {in_zp}), output `{output_shape:?}` (scale {out_scale:e}, \
         zero point {out_zp}), {params} weights, {scratch_bytes} bytes of scratch."
    );

    quote! {
        #attrs
        #[doc = #model_doc]
        #[derive(Clone, Copy, Debug, Default)]
        #vis struct #ident {
            _weights_are_statics: (),
        }

        const _: () = {
            use ::cnn_runtime::int8 as q;
            #track
            #statics

            impl #ident {
                /// The model; its weights are embedded, nothing to load.
                pub const fn new() -> Self {
                    #ident { _weights_are_statics: () }
                }

                /// The model as a table: every operator of the file with its
                /// output tensor, shape, scale and zero point.
                pub fn summary() -> &'static str {
                    #summary
                }

                /// Scratch memory for [`Self::forward_into`].
                pub fn new_scratch() -> <Self as q::Int8Model>::Scratch {
                    <Self as q::Int8Model>::new_scratch()
                }

                /// An input of zero bytes, to fill in place.
                pub fn new_input() -> #input_ty {
                    #input_zero
                }

                /// Runs the model on a quantized input, with scratch memory on the stack.
                pub fn forward(&self, input: &#input_ty) -> #output_ty {
                    <Self as q::Int8Model>::forward(self, input)
                }

                /// Runs the model with the caller's scratch memory.
                pub fn forward_into<'s>(
                    &self,
                    input: &#input_ty,
                    scratch: &'s mut <Self as q::Int8Model>::Scratch,
                ) -> &'s #output_ty {
                    <Self as q::Int8Model>::forward_into(self, input, scratch)
                }

                /// Quantizes a float input with the file's input scale and
                /// zero point, runs the model, and dequantizes its output.
                pub fn forward_f32(&self, input: &#input_f32) -> #output_f32 {
                    let mut quantized: #input_ty = #input_zero;
                    {
                        let x: &[f32] = #flat_in;
                        let q: &mut [i8] = { let value = &mut quantized; #flat_in_mut };
                        <Self as q::Int8Model>::INPUT_QUANTIZATION.quantize_slice(x, q);
                    }
                    let y = self.forward(&quantized);
                    let mut result: #output_f32 = #output_f32_zero;
                    {
                        let y: &[i8] = { let value = &y; #flat_out_ref };
                        let r: &mut [f32] = { let value = &mut result; #flat_out_mut };
                        <Self as q::Int8Model>::OUTPUT_QUANTIZATION.dequantize_slice(y, r);
                    }
                    result
                }
            }

            const _: () = assert!(
                ::core::mem::size_of::<<#ident as q::Int8Model>::Scratch>() == #scratch_bytes,
                "SCRATCH_BYTES is the scratch's size"
            );

            impl q::Int8Model for #ident {
                type Input = #input_ty;
                type Output = #output_ty;
                type Scratch = q::Int8Scratch<#arena, #output_ty>;
                const INPUT_SHAPE: &'static [usize] = &[#(#input_shape),*];
                const OUTPUT_SHAPE: &'static [usize] = &[#(#output_shape),*];
                const INPUT_QUANTIZATION: q::Quantization = q::Quantization { scale: #in_scale, zero_point: #in_zp };
                const OUTPUT_QUANTIZATION: q::Quantization = q::Quantization { scale: #out_scale, zero_point: #out_zp };
                const PARAMS: usize = #params;
                const WEIGHT_BYTES: usize = #weight_bytes;
                const MACS: usize = #macs;
                const SCRATCH_BYTES: usize = #scratch_bytes;

                fn new_scratch() -> Self::Scratch {
                    q::Int8Scratch::new(#output_zero)
                }

                fn new_input() -> Self::Input {
                    #input_zero
                }

                #[allow(unused_variables, clippy::let_and_return)]
                fn forward_into<'s>(&self, input: &Self::Input, scratch: &'s mut Self::Scratch) -> &'s Self::Output {
                    let (arena, output_tensor) = scratch.parts();
                    let input: &[i8] = #flat_in;
                    let arena: &mut [i8] = &mut arena[..];
                    {
                        let output: &mut [i8] = { let output = &mut *output_tensor; #flat_out };
                        #body
                    }
                    output_tensor
                }
            }
        };
    }
}

/// Every step's statics, and the body of `forward_into`: the calls in
/// order, then, when no step writes the output in place (a model ending in a
/// view), its copy into the scratch's output. Reads `input`, `arena` and
/// `output` (all bytes), int8 and float32 models alike.
pub(super) fn steps(program: &Program, placement: &Placement) -> (TokenStream, TokenStream) {
    let mut statics = TokenStream::new();
    let mut body = TokenStream::new();
    for (i, step) in program.steps.iter().enumerate() {
        let (s, b) = emit_step(i, step, program, placement);
        statics.extend(s);
        body.extend(b);
    }
    if let Some(from) = placement.copy_output_from {
        let (from, n) = (at(from), program.bytes(program.output));
        body.extend(quote! {
            if let ::core::option::Option::Some(([x], y)) =
                q::operands(input, &mut *arena, &mut *output, [(#from, #n)], (q::At::Output, #n))
            {
                for (y, &x) in y.iter_mut().zip(x) {
                    *y = x;
                }
            }
        });
    }
    (statics, body)
}

/// `[[[T; C]; W]; H]` for shape `[H, W, C]`; with a value for `T`
/// (`0i8`), the array expression of that value.
pub(super) fn nested(shape: &[usize], element: TokenStream) -> TokenStream {
    shape
        .iter()
        .rev()
        .fold(element, |inner, &n| quote!([#inner; #n]))
}

/// `value` (a reference to a nested array of `rank` dimensions) as a flat slice.
pub(super) fn flatten(value: TokenStream, rank: usize, mutable: bool) -> TokenStream {
    let mut tokens = if mutable {
        quote!(&mut #value[..])
    } else {
        quote!(&#value[..])
    };
    for _ in 1..rank {
        tokens = if mutable {
            quote!(#tokens.as_flattened_mut())
        } else {
            quote!(#tokens.as_flattened())
        };
    }
    tokens
}

pub(super) fn at(loc: Loc) -> TokenStream {
    match loc {
        Loc::Input => quote!(q::At::Input),
        Loc::Arena(offset) => quote!(q::At::Arena(#offset)),
        Loc::Output => quote!(q::At::Output),
    }
}

fn i32s(values: &[i32]) -> TokenStream {
    let n = values.len();
    quote!([i32; #n] = [#(#values),*])
}

/// [`emit_requant`] with the multipliers and shifts of a packed convolution
/// (padded to whole blocks of channels, as its kernel reads them).
fn emit_packed_requant(i: usize, requant: &Requant, packed: &PackedConv) -> (TokenStream, Ident) {
    emit_requant(
        i,
        &Requant {
            multiplier: packed.multiplier.clone(),
            shift: packed.shift.clone(),
            ..requant.clone()
        },
    )
}

/// The statics a requantization reads, and its name.
fn emit_requant(i: usize, r: &Requant) -> (TokenStream, Ident) {
    let (m, s, rq) = (
        format_ident!("M{i}"),
        format_ident!("S{i}"),
        format_ident!("RQ{i}"),
    );
    let (mt, st) = (i32s(&r.multiplier), i32s(&r.shift));
    let Requant {
        zero_point,
        min,
        max,
        ..
    } = r;
    (
        quote! {
            static #m: #mt;
            static #s: #st;
            static #rq: q::Requantize<'static> = q::Requantize {
                multiplier: &#m, shift: &#s, zero_point: #zero_point, min: #min, max: #max,
            };
        },
        rq,
    )
}

fn conv_geometry(w: &Window) -> TokenStream {
    let [in_h, in_w, in_c] = w.input;
    let [out_h, out_w, out_c] = w.output;
    let [k_h, k_w] = w.kernel;
    let [stride_h, stride_w] = w.stride;
    let [dilation_h, dilation_w] = w.dilation;
    let [pad_top, pad_left] = w.pad;
    quote! {
        q::conv::ConvGeometry {
            in_h: #in_h, in_w: #in_w, in_c: #in_c, out_h: #out_h, out_w: #out_w, out_c: #out_c,
            k_h: #k_h, k_w: #k_w, stride_h: #stride_h, stride_w: #stride_w,
            dilation_h: #dilation_h, dilation_w: #dilation_w, pad_top: #pad_top, pad_left: #pad_left,
        }
    }
}

fn pool_geometry(w: &Window) -> TokenStream {
    let [in_h, in_w, channels] = w.input;
    let [out_h, out_w, _] = w.output;
    let [k_h, k_w] = w.kernel;
    let [stride_h, stride_w] = w.stride;
    let [pad_top, pad_left] = w.pad;
    quote! {
        q::pool::PoolGeometry {
            in_h: #in_h, in_w: #in_w, channels: #channels, out_h: #out_h, out_w: #out_w,
            k_h: #k_h, k_w: #k_w, stride_h: #stride_h, stride_w: #stride_w,
            pad_top: #pad_top, pad_left: #pad_left,
        }
    }
}

/// Embedded int8 weights: one byte string (fast for rustc to read).
fn weight_bytes(name: &Ident, weights: &[i8]) -> TokenStream {
    let bytes: Vec<u8> = weights.iter().map(|&w| w as u8).collect();
    let n = bytes.len();
    let literal = Literal::byte_string(&bytes);
    quote!(static #name: [u8; #n] = *#literal;)
}

/// The expressions of an element-wise step's `N` operands, in order: a
/// computed tensor is the next `x{k}` the step borrowed, a constant an
/// embedded static (`C{step}_{operand}`), declared in the returned tokens.
pub(super) fn operand_exprs<const N: usize>(
    i: usize,
    step: &Step,
) -> (TokenStream, [TokenStream; N]) {
    let mut statics = TokenStream::new();
    let mut next_tensor = 0;
    let exprs = std::array::from_fn(|j| match step.operands.get(j) {
        Some(Operand::Constant(bytes)) => {
            let name = format_ident!("C{i}_{j}");
            statics.extend(aligned_bytes(&name, bytes));
            quote!(q::as_i8(&#name.0))
        }
        _ => {
            let x = format_ident!("x{next_tensor}");
            next_tensor += 1;
            quote!(#x)
        }
    });
    (statics, exprs)
}

/// Embedded bytes on a cache line (f32 constants are read in place as f32s).
fn aligned_bytes(name: &Ident, values: &[i8]) -> TokenStream {
    let bytes: Vec<u8> = values.iter().map(|&w| w as u8).collect();
    let n = bytes.len();
    let literal = Literal::byte_string(&bytes);
    quote!(static #name: ::cnn_runtime::memory::Embedded<#n> = ::cnn_runtime::memory::Embedded(*#literal);)
}

/// Embedded f32 values (little-endian bytes on a cache line).
pub(super) fn f32_bytes(name: &Ident, values: &[f32]) -> TokenStream {
    let bytes: Vec<i8> = values
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .map(|b| b as i8)
        .collect();
    aligned_bytes(name, &bytes)
}

/// One step: the statics its kernel reads, and the call.
pub(super) fn emit_step(
    i: usize,
    step: &Step,
    program: &Program,
    placement: &Placement,
) -> (TokenStream, TokenStream) {
    let len = |t: usize| program.bytes(t);
    let loc = |t: usize| placement.at.get(&t).copied().unwrap_or(Loc::Input);
    let reads: Vec<TokenStream> = step
        .inputs
        .iter()
        .map(|&t| {
            let (a, n) = (at(loc(t)), len(t));
            quote!((#a, #n))
        })
        .collect();
    let write = {
        let (a, n) = (at(loc(step.output)), len(step.output));
        quote!((#a, #n))
    };
    let operands: Vec<Ident> = (0..step.inputs.len())
        .map(|k| format_ident!("x{k}"))
        .collect();
    let call = |kernel: TokenStream| {
        let comment = format!(" operator {} {}", step.op_index, step.op);
        let name = format!("{} {}", step.op_index, step.op);
        quote! {
            #[doc = #comment]
            q::profile::step(#i, #name, || {
                if let ::core::option::Option::Some(([#(#operands),*], y)) =
                    q::operands(input, &mut *arena, &mut *output, [#(#reads),*], #write)
                {
                    #kernel
                }
            });
        }
    };
    let (w, b, t, g) = (
        format_ident!("W{i}"),
        format_ident!("B{i}"),
        format_ident!("T{i}"),
        format_ident!("G{i}"),
    );
    match &step.kernel {
        Kernel::Conv {
            window,
            input_zero_point,
            weights,
            bias,
            requant,
        } => {
            let packed = pack_conv(window, weights, bias, requant);
            let (rq_statics, rq) = emit_packed_requant(i, requant, &packed);
            // On a cache line: the Cortex-M kernel reads the bytes as words.
            let (wb, bt, geometry) = (
                aligned_bytes(&w, &packed.weights),
                i32s(&packed.bias),
                conv_geometry(window),
            );
            (
                quote! {
                    #wb
                    static #b: #bt;
                    static #g: q::conv::ConvGeometry = #geometry;
                    static #t: q::conv::ConvWeights<'static> = q::conv::ConvWeights {
                        packed: &#w.0, bias: &#b,
                    };
                    #rq_statics
                },
                call(quote!(q::conv::conv2d(&#g, x0, #input_zero_point, &#t, &#rq, y);)),
            )
        }
        Kernel::Depthwise {
            window,
            multiplier,
            input_zero_point,
            weights,
            bias,
            requant,
        } => {
            let packed = pack_depthwise(window, weights, bias, requant);
            let (rq_statics, rq) = emit_packed_requant(i, requant, &packed);
            let (wb, bt, geometry) = (
                weight_bytes(&w, &packed.weights),
                i32s(&packed.bias),
                conv_geometry(window),
            );
            (
                quote! {
                    #wb
                    static #b: #bt;
                    static #g: q::conv::ConvGeometry = #geometry;
                    #rq_statics
                },
                call(
                    quote!(q::conv::depthwise_conv2d(&#g, #multiplier, x0, #input_zero_point, q::as_i8(&#w), &#b, &#rq, y);),
                ),
            )
        }
        Kernel::FullyConnected {
            weights,
            bias,
            requant,
        } => {
            let (rq_statics, rq) = emit_requant(i, requant);
            let (wb, bt) = (weight_bytes(&w, weights), i32s(bias));
            (
                quote! {
                    #wb
                    static #b: #bt;
                    #rq_statics
                },
                call(quote!(q::fully_connected::fully_connected(x0, q::as_i8(&#w), &#b, &#rq, y);)),
            )
        }
        Kernel::MaxPool { window, min, max } | Kernel::AveragePool { window, min, max } => {
            let geometry = pool_geometry(window);
            let kernel = if matches!(step.kernel, Kernel::MaxPool { .. }) {
                quote!(max_pool)
            } else {
                quote!(average_pool)
            };
            (
                quote!(static #g: q::pool::PoolGeometry = #geometry;),
                call(quote!(q::pool::#kernel(&#g, x0, #min, #max, y);)),
            )
        }
        Kernel::Add(p) => {
            let [o0, o1] = p.input_offset;
            let [m0, m1] = p.input_multiplier;
            let [s0, s1] = p.input_shift;
            let (ls, om, os, oz, min, max, subtract) = (
                p.left_shift,
                p.output_multiplier,
                p.output_shift,
                p.output_zero_point,
                p.min,
                p.max,
                p.subtract,
            );
            let (consts, [a, b]) = operand_exprs::<2>(i, step);
            (
                quote! {
                    #consts
                    static #g: q::elementwise::AddParams = q::elementwise::AddParams {
                        input_offset: [#o0, #o1], input_multiplier: [#m0, #m1], input_shift: [#s0, #s1],
                        left_shift: #ls, output_multiplier: #om, output_shift: #os,
                        output_zero_point: #oz, min: #min, max: #max, subtract: #subtract,
                    };
                },
                call(quote!(q::elementwise::add(&#g, #a, #b, y);)),
            )
        }
        Kernel::Mul(p) => {
            let [o0, o1] = p.input_offset;
            let (om, os, oz, min, max) = (
                p.output_multiplier,
                p.output_shift,
                p.output_zero_point,
                p.min,
                p.max,
            );
            let (consts, [a, b]) = operand_exprs::<2>(i, step);
            (
                quote! {
                    #consts
                    static #g: q::elementwise::MulParams = q::elementwise::MulParams {
                        input_offset: [#o0, #o1], output_multiplier: #om, output_shift: #os,
                        output_zero_point: #oz, min: #min, max: #max,
                    };
                },
                call(quote!(q::elementwise::mul(&#g, #a, #b, y);)),
            )
        }
        Kernel::Greater(p) => {
            let [o0, o1] = p.input_offset;
            let [m0, m1] = p.input_multiplier;
            let [s0, s1] = p.input_shift;
            let ls = p.left_shift;
            let (consts, [a, b]) = operand_exprs::<2>(i, step);
            (
                quote! {
                    #consts
                    static #g: q::elementwise::CompareParams = q::elementwise::CompareParams {
                        input_offset: [#o0, #o1], input_multiplier: [#m0, #m1], input_shift: [#s0, #s1],
                        left_shift: #ls,
                    };
                },
                call(quote!(q::elementwise::greater(&#g, #a, #b, y);)),
            )
        }
        Kernel::Select => {
            let (consts, [c, a, b]) = operand_exprs::<3>(i, step);
            (consts, call(quote!(q::elementwise::select(#c, #a, #b, y);)))
        }
        Kernel::Pad(p) => {
            let ([h, w, c], [b0, b1, b2], [a0, a1, a2], v) = (p.input, p.before, p.after, p.value);
            (
                quote! {
                    static #g: q::layout::PadParams<i8> = q::layout::PadParams {
                        input: [#h, #w, #c], before: [#b0, #b1, #b2], after: [#a0, #a1, #a2], value: #v,
                    };
                },
                call(quote!(q::layout::pad(&#g, x0, y);)),
            )
        }
        Kernel::Concat { outer } => (
            TokenStream::new(),
            call(quote!(q::layout::concatenate(#outer, &[#(#operands),*], y);)),
        ),
        Kernel::Mean(p) => {
            let (px, ch, zi, m, sh, zo) = (
                p.pixels,
                p.channels,
                p.input_zero_point,
                p.multiplier,
                p.shift,
                p.output_zero_point,
            );
            (
                quote! {
                    static #g: q::reduce::MeanParams = q::reduce::MeanParams {
                        pixels: #px, channels: #ch, input_zero_point: #zi,
                        multiplier: #m, shift: #sh, output_zero_point: #zo,
                    };
                },
                call(quote!(q::reduce::mean(&#g, x0, y);)),
            )
        }
        Kernel::ReduceMax { channels } => (
            TokenStream::new(),
            call(quote!(q::reduce::reduce_max(#channels, x0, y);)),
        ),
        Kernel::Softmax {
            depth,
            input_multiplier,
            input_left_shift,
            diff_min,
        } => (
            quote! {
                static #g: q::softmax::SoftmaxParams = q::softmax::SoftmaxParams {
                    input_multiplier: #input_multiplier, input_left_shift: #input_left_shift, diff_min: #diff_min,
                };
            },
            call(quote!(q::softmax::softmax(&#g, #depth, x0, y);)),
        ),
        Kernel::Reshape => (TokenStream::new(), TokenStream::new()),
        Kernel::Lookup { table } => {
            let bytes: Vec<u8> = table.iter().map(|&v| v as u8).collect();
            let literal = Literal::byte_string(&bytes);
            (
                quote!(static #t: [u8; 256] = *#literal;),
                call(quote! {
                    if let ::core::result::Result::Ok(table) = <&[i8; 256]>::try_from(q::as_i8(&#t)) {
                        q::elementwise::lookup(table, x0, y);
                    }
                }),
            )
        }
        Kernel::Quantize { scale, zero_point } => (
            TokenStream::new(),
            call(
                quote!(q::Quantization { scale: #scale, zero_point: #zero_point }.quantize_slice(q::f32s(x0), y);),
            ),
        ),
        Kernel::Dequantize { scale, zero_point } => (
            TokenStream::new(),
            call(
                quote!(q::Quantization { scale: #scale, zero_point: #zero_point }.dequantize_slice(x0, q::f32s_mut(y));),
            ),
        ),
        Kernel::Float(kernel) => {
            let (statics, body) = super::codegen_float::emit(i, step, kernel);
            (statics, call(body))
        }
    }
}
