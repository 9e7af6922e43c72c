//! Plan → Rust tokens: the model type, its weights, its compile-time API and a
//! straight-line `forward`.
//!
//! Every runtime item is named by absolute path (`::cnn_runtime::...`) so the
//! output compiles in any crate that depends on the runtime.

use crate::embed::EmbeddedWeights;
use crate::fuse::{self, Fusion};
use crate::memory::{plan_memory, Location, MemoryPlan};
use crate::plan::{Op, OpMemory, Operand, Pad, ParamSlot, Plan, PlannedLayer, Shape};
use crate::spec::{Activation, ConstantOp, Pair, PoolOp};
use crate::summary;
use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote};

/// The generated type, its `Model` implementation and inherent API; with
/// `embedded` weights, also `embedded()`.
pub fn generate(plan: &Plan, embedded: Option<&EmbeddedWeights>) -> TokenStream {
    let Plan {
        attrs, vis, ident, ..
    } = plan;
    let fields = param_fields(plan);
    // Each field's type is named by an alias in a module of the model's own:
    // the struct, its checks and `ZERO` then hold no const generic arguments.
    // rustc's incremental dependency graph grows with the square of the
    // anonymous constants (every `3` in `Conv2DParams<3, 3, 1, 32>`) in one
    // item, so keeping them in small items keeps it linear in the layers.
    let types = format_ident!("__cnn_{}", ident);
    let aliases = fields.iter().map(|f| {
        let (alias, ty) = (&f.alias, &f.ty);
        quote!(pub type #alias = #ty;)
    });
    let field_types: Vec<TokenStream> = fields
        .iter()
        .map(|f| {
            let alias = &f.alias;
            quote!(#types::#alias)
        })
        .collect();
    let field_defs = fields.iter().zip(&field_types).map(|(f, ty)| {
        let name = &f.ident;
        quote!(#name: #ty)
    });
    let fields_size = if field_types.is_empty() {
        quote!(0)
    } else {
        quote!(#(::core::mem::size_of::<#field_types>())+*)
    };
    // The struct starts on a cache line, so where its weights fall against
    // lines is fixed here rather than by the allocator (a 16-lane load across
    // two lines costs two), and ends on one with explicit zeros, so that it
    // has no implicit padding.
    let pad_values = cache_line_pad(&fields);
    let pad = lit(pad_values);
    let field_zero = fields.iter().zip(&field_types).map(|(f, ty)| {
        let name = &f.ident;
        quote!(#name: <#ty>::ZERO)
    });
    let input = dims(plan.input);
    let output = dims(plan.output());
    let outputs_struct = outputs_struct(plan);
    let inputs_struct = inputs_struct(plan);
    let input_shapes: Vec<TokenStream> = match plan.input_parts().as_slice() {
        [] => vec![plan.input],
        parts => parts.iter().map(|l| l.output).collect(),
    }
    .into_iter()
    .map(|shape| {
        let dims = dims(shape);
        quote!(&[#(#dims),*])
    })
    .collect();
    let output_shapes = plan.outputs.iter().map(|&t| {
        let dims = dims(plan.tensor_shape(t));
        quote!(&[#(#dims),*])
    });
    let params = Literal::u64_unsuffixed(plan.params());
    let flops = Literal::u64_unsuffixed(plan.flops());
    let layers = plan.layers.iter().map(layer_info);
    let tensors = tensor_specs(plan, &fields);
    let (tensor_refs, tensor_muts) = tensor_accessors(&fields);
    let input_ty = input_type(plan);
    let output_ty = output_type(plan);
    let memory = plan_memory(plan);
    let (layer_fns, body) = forward_body(plan, &fields, &memory);
    let n = lit(memory.arena);
    let scratch_bytes = lit(4 * memory.arena);
    let summary = summary::render(plan);
    // Names come from the model file: a block nothing in them can close.
    let doc_summary = crate::names::markdown_block("text", &summary);
    let embedded = embedded.map(|weights| embedded_fn(plan, weights, pad_values));
    // `forward` returns the output by value: only for outputs that fit the
    // stack comfortably (else `forward_into` is the way, and says so).
    let by_value = plan.output().len() * 4 <= STACK_OUTPUT_LIMIT;
    let forward = by_value.then(|| {
        quote! {
            /// Runs the model and returns its output. The scratch space
            /// (`SCRATCH_BYTES`) is on the stack up to 256 KiB, on the heap
            /// above (see `cnn_runtime::Model::forward`).
            pub fn forward(&self, input: &#input_ty) -> #output_ty {
                <Self as ::cnn_runtime::Model>::forward(self, input)
            }
        }
    });
    let single_vector = !plan.several_outputs() && matches!(plan.output(), Shape::Vector(_));
    let predict = (by_value && single_vector).then(|| {
        quote! {
            /// The index of the largest output (the predicted class). A NaN
            /// output is never the largest: with NaN outputs only, 0.
            pub fn predict(&self, input: &#input_ty) -> usize {
                let output = self.forward(input);
                let mut best = 0;
                for (i, &value) in output.iter().enumerate() {
                    if value > output[best] {
                        best = i;
                    }
                }
                best
            }
        }
    });
    quote! {
        #[doc(hidden)]
        #[allow(non_snake_case)]
        mod #types {
            #(#aliases)*
        }

        #attrs
        ///
        /// Generated by `cnn!`. Keras' summary of this model:
        ///
        #[doc = #doc_summary]
        #[repr(C, align(64))]
        #vis struct #ident {
            #(#field_defs,)*
            __cnn_pad: [f32; #pad],
        }

        // SAFETY: a repr(C) struct whose every field is a runtime parameter block
        // made of f32 arrays (each checked to be `Plain` below), then f32s of
        // padding to a multiple of 64 bytes: no implicit padding, alignment 64
        // (both checked below), any bits (all-zero included) valid.
        unsafe impl ::cnn_runtime::Zeroable for #ident {}
        // SAFETY: as above.
        unsafe impl ::cnn_runtime::memory::Weights for #ident {}

        const _: fn() = || {
            fn plain<T: ::cnn_runtime::Plain + ::cnn_runtime::Zeroable>() {}
            #(plain::<#field_types>();)*
        };
        // The layout the `unsafe impl`s above rely on: exactly the fields'
        // f32s and the explicit padding, aligned to a cache line.
        const _: () = {
            assert!(
                ::core::mem::size_of::<#ident>() == #fields_size + 4 * #pad,
                "the model struct is its weights and explicit padding, nothing else"
            );
            assert!(
                ::core::mem::size_of::<#ident>().is_multiple_of(64)
                    && ::core::mem::align_of::<#ident>() == 64,
                "the model struct is whole cache lines, aligned to one"
            );
            assert!(
                ::core::mem::size_of::<::cnn_runtime::Scratch<#n>>() == #scratch_bytes,
                "the scratch is exactly SCRATCH_BYTES (whole cache lines)"
            );
        };

        impl #ident {
            /// Input shape: `[h, w, c]` (channels last, like Keras), or `[n]` for a vector;
            /// with several inputs, `[n]` for all their values one after the other.
            pub const INPUT_SHAPE: &'static [usize] = &[#(#input),*];
            /// The shape of each input, in Keras' order (one for most models).
            pub const INPUT_SHAPES: &'static [&'static [usize]] = &[#(#input_shapes),*];
            /// Output shape: `[n]` for a vector, `[h, w, c]` for a feature map;
            /// with several outputs, `[n]` for all their values one after the other.
            pub const OUTPUT_SHAPE: &'static [usize] = &[#(#output),*];
            /// The shape of each output, in Keras' order (one for most models).
            pub const OUTPUT_SHAPES: &'static [&'static [usize]] = &[#(#output_shapes),*];
            /// Parameters, counted as Keras counts them (trainable and not).
            pub const PARAMS: usize = #params;
            /// Floating-point operations per image (2 per multiply-accumulate).
            pub const FLOPS: u64 = #flops;
            /// Bytes of scratch space `forward` needs (the static memory plan).
            pub const SCRATCH_BYTES: usize = #scratch_bytes;
            /// Every layer with its Keras name, class, shapes, parameters and FLOPs.
            pub const LAYERS: &'static [::cnn_runtime::LayerInfo] = &[#(#layers),*];
            /// Every weight tensor with its Keras name and shape.
            pub const TENSORS: &'static [::cnn_runtime::TensorSpec] = &[#(#tensors),*];
            /// The model with every weight zero, for a `static`. On the heap, use `zeroed()`.
            pub const ZERO: Self = Self { #(#field_zero,)* __cnn_pad: [0.0; #pad] };

            /// The table Keras' `model.summary()` prints for this model.
            pub const fn summary() -> &'static str {
                #summary
            }

            #forward

            /// Runs the model in caller-owned scratch space; never allocates.
            pub fn forward_into<'s>(
                &self,
                input: &#input_ty,
                scratch: &'s mut ::cnn_runtime::Scratch<#n>,
            ) -> &'s #output_ty {
                <Self as ::cnn_runtime::Model>::forward_into(self, input, scratch)
            }

            #predict

            #embedded

        }

        // One method per layer, inlined into `forward_into`: small items keep
        // rustc's incremental cache linear in the layers (see the aliases).
        #[doc(hidden)]
        impl #ident {
            #layer_fns
        }

        #inputs_struct

        #outputs_struct

        // The heap constructor, where the runtime has one.
        ::cnn_runtime::__heap_api!(#ident);

        impl ::cnn_runtime::Model for #ident {
            type Input = #input_ty;
            type Output = #output_ty;
            type Scratch = ::cnn_runtime::Scratch<#n>;

            const INPUT_SHAPE: &'static [usize] = Self::INPUT_SHAPE;
            const OUTPUT_SHAPE: &'static [usize] = Self::OUTPUT_SHAPE;
            const PARAMS: usize = Self::PARAMS;
            const FLOPS: u64 = Self::FLOPS;
            const SCRATCH_BYTES: usize = Self::SCRATCH_BYTES;
            const LAYERS: &'static [::cnn_runtime::LayerInfo] = Self::LAYERS;
            const TENSORS: &'static [::cnn_runtime::TensorSpec] = Self::TENSORS;

            fn new_scratch() -> Self::Scratch {
                ::cnn_runtime::Scratch::new()
            }

            // One optimised copy of the whole forward pass per model, whatever
            // calls it: inlined into large callers, its kernels were measured
            // to lose their vectorisation.
            #[inline(never)]
            fn forward_into<'s>(&self, input: &Self::Input, scratch: &'s mut Self::Scratch) -> &'s Self::Output {
                let arena = scratch.arena();
                #body
            }

            ::cnn_runtime::__if_alloc! {
                fn zeroed() -> ::cnn_runtime::__private::Box<Self> {
                    ::cnn_runtime::memory::zeroed_box()
                }
            }

            fn tensor(&self, index: usize) -> ::core::option::Option<&[f32]> {
                match index {
                    #(#tensor_refs)*
                    _ => ::core::option::Option::None,
                }
            }

            fn tensor_mut(&mut self, index: usize) -> ::core::option::Option<&mut [f32]> {
                match index {
                    #(#tensor_muts)*
                    _ => ::core::option::Option::None,
                }
            }
        }
    }
}

/// The largest output `forward` returns by value, in bytes: the runtime's
/// `STACK_SCRATCH_LIMIT`.
const STACK_OUTPUT_LIMIT: usize = 256 * 1024;

/// `embedded()`: the weights as a static byte string in the struct's layout.
fn embedded_fn(plan: &Plan, weights: &EmbeddedWeights, pad: usize) -> TokenStream {
    // The struct's explicit padding: zeros.
    let mut all = weights.bytes.clone();
    all.resize(weights.bytes.len() + 4 * pad, 0);
    let n = lit(all.len());
    let bytes = Literal::byte_string(&all);
    // Makes cargo rebuild when the weights file changes.
    let track = weights.path.as_ref().map(|path| {
        let path = path.to_string_lossy();
        quote!(
            const _: &[u8] = include_bytes!(#path);
        )
    });
    let shown = plan
        .weights
        .as_ref()
        .map_or(String::new(), |w| w.value.clone());
    let doc = format!(
        "The model with the weights of {}, embedded at compile time: they live in \
         read-only memory and nothing is copied at start-up.",
        crate::names::markdown_code(&shown)
    );
    quote! {
        #[doc = #doc]
        pub fn embedded() -> &'static Self {
            #track
            static WEIGHTS: ::cnn_runtime::memory::Embedded<#n> = ::cnn_runtime::memory::Embedded(*#bytes);
            ::cnn_runtime::memory::embedded::<Self, #n>(&WEIGHTS)
        }
    }
}

/// A merge with Keras' broadcasting: the first operand copied to the
/// output's shape, then `combine` (`add_assign_broadcast`, ...) with each
/// other one.
fn broadcast_steps(
    layer: &PlannedLayer,
    arena: &Arena<'_>,
    out: usize,
    combine: TokenStream,
) -> TokenStream {
    let [oh, ow, c] = crate::check::dims3(layer.output);
    let out_map = array_type(Shape::Map { h: oh, w: ow, c });
    let mut steps = TokenStream::new();
    for (k, operand) in layer.inputs.iter().enumerate() {
        let [xh, xw, xc] = crate::check::dims3(operand.shape);
        let in_map = array_type(Shape::Map {
            h: xh,
            w: xw,
            c: xc,
        });
        let bind = arena.read_write(arena.memory.tensors[operand.tensor], &in_map, out, &out_map);
        let sizes = [oh, ow, c, xh, xw, xc].map(lit);
        let op = if k == 0 {
            quote!(::cnn_runtime::kernels::elementwise::broadcast_copy::<#(#sizes),*>(x, y);)
        } else {
            quote!(::cnn_runtime::kernels::elementwise::#combine::<#(#sizes),*>(y, x);)
        };
        steps.extend(quote!({ #bind #op }));
    }
    steps
}

fn lit(n: usize) -> Literal {
    Literal::usize_unsuffixed(n)
}

fn dims(shape: Shape) -> Vec<Literal> {
    shape.dims().into_iter().map(lit).collect()
}

/// The type of the model's input: its tensor's, or with several inputs the
/// generated struct of them ([`inputs_struct`]).
fn input_type(plan: &Plan) -> TokenStream {
    if plan.input_parts().is_empty() {
        public_type(plan.input)
    } else {
        let name = inputs_struct_name(plan);
        quote!(#name)
    }
}

/// The type of the model's output: its tensor's, or with several outputs
/// the generated struct of them ([`outputs_struct`]).
fn output_type(plan: &Plan) -> TokenStream {
    if plan.several_outputs() {
        let name = outputs_struct_name(plan);
        quote!(#name)
    } else {
        public_type(plan.output())
    }
}

/// `MnistOutputs`: the struct of a model's several outputs.
fn outputs_struct_name(plan: &Plan) -> Ident {
    format_ident!("{}Outputs", plan.ident)
}

/// The struct a model with several outputs returns: one field per output,
/// named after the layer that computes it (Keras' output names), in Keras'
/// order; `repr(C)` f32 arrays, so the same bytes as all the outputs one
/// after the other.
fn outputs_struct(plan: &Plan) -> TokenStream {
    if !plan.several_outputs() {
        return TokenStream::new();
    }
    let parts = plan
        .outputs
        .iter()
        .map(|&t| (plan.tensor_name(t), plan.tensor_shape(t)));
    let doc = format!("The outputs of [`{}`], in Keras' order.", plan.ident);
    tensors_struct(plan, outputs_struct_name(plan), &doc, "output", parts)
}

/// The inputs struct a model with several inputs takes: one field per
/// input, named after its `InputLayer`, in Keras' order of the inputs.
fn inputs_struct(plan: &Plan) -> TokenStream {
    let parts = plan.input_parts();
    if parts.is_empty() {
        return TokenStream::new();
    }
    let parts = parts.into_iter().map(|l| (l.name.as_str(), l.output));
    let doc = format!("The inputs of [`{}`], in Keras' order.", plan.ident);
    tensors_struct(plan, inputs_struct_name(plan), &doc, "input", parts)
}

/// `MnistInputs`: the struct of a model's several inputs.
fn inputs_struct_name(plan: &Plan) -> Ident {
    format_ident!("{}Inputs", plan.ident)
}

/// A `repr(C)` struct of named tensors (f32 arrays): the same bytes as the
/// tensors one after the other.
fn tensors_struct<'a>(
    plan: &Plan,
    name: Ident,
    doc: &str,
    what: &str,
    parts: impl Iterator<Item = (&'a str, Shape)>,
) -> TokenStream {
    let vis = &plan.vis;
    let mut used = std::collections::HashSet::new();
    let fields: Vec<TokenStream> = parts
        .map(|(tensor, shape)| {
            let mut ident = crate::names::field_ident(tensor);
            // Names that differ only in characters a field cannot hold.
            while !used.insert(ident.to_string()) {
                ident = format_ident!("{}_", ident.to_string().trim_start_matches("r#"));
            }
            let ty = public_type(shape);
            let doc = format!(
                "The {what} `{}`, {}.",
                crate::names::printable(tensor),
                shape.keras()
            );
            quote!(#[doc = #doc] pub #ident: #ty)
        })
        .collect();
    quote! {
        #[doc = #doc]
        #[derive(Clone, Copy, Debug, PartialEq)]
        #[repr(C)]
        #vis struct #name {
            #(#fields,)*
        }

        // SAFETY: a repr(C) struct of f32 arrays only: f32 alignment, no
        // padding, every bit pattern (all-zero included) a valid value.
        unsafe impl ::cnn_runtime::Zeroable for #name {}
        // SAFETY: as above.
        unsafe impl ::cnn_runtime::memory::Plain for #name {}
    }
}

/// The type the caller sees for the model's input or output: a sequence is
/// `[[f32; C]; N]`; otherwise [`array_type`].
fn public_type(shape: Shape) -> TokenStream {
    match shape {
        Shape::Steps { n, c } => {
            let (n, c) = (lit(n), lit(c));
            quote!([[f32; #c]; #n])
        }
        other => array_type(other),
    }
}

/// `[[[f32; C]; W]; H]` or `[f32; N]`, as kernels take them: a sequence is a
/// map of one row (the same bytes as [`public_type`]'s).
fn array_type(shape: Shape) -> TokenStream {
    match shape.as_map() {
        Shape::Map { h, w, c } => {
            let (h, w, c) = (lit(h), lit(w), lit(c));
            quote!([[[f32; #c]; #w]; #h])
        }
        Shape::Vector(n) => {
            let n = lit(n);
            quote!([f32; #n])
        }
        Shape::Steps { .. } => unreachable!("as_map made it a map"),
    }
}

/// A layer with weights: its parameter block in the model struct.
struct ParamField {
    layer: usize,
    ident: Ident,
    ty: TokenStream,
    /// The name of `ty` in the model's module of aliases.
    alias: Ident,
    /// The block's tensors in field order, present or not.
    slots: Vec<ParamSlot>,
}

/// The f32s that pad the weights of `fields` to whole cache lines (16 f32s).
fn cache_line_pad(fields: &[ParamField]) -> usize {
    let values: usize = fields
        .iter()
        .flat_map(|f| &f.slots)
        .map(|slot| slot.shape.iter().product::<usize>())
        .sum();
    values.next_multiple_of(16) - values
}

fn param_fields(plan: &Plan) -> Vec<ParamField> {
    let mut fields = Vec::new();
    for (i, layer) in plan.layers.iter().enumerate() {
        let slots = layer.param_slots();
        if slots.is_empty() {
            continue;
        }
        let c_in = layer.input.channels();
        let ty = match layer.op {
            Op::Conv2D {
                filters, kernel, ..
            } => {
                let [kh, kw, ci, co] = [kernel.h, kernel.w, c_in, filters].map(lit);
                quote!(::cnn_runtime::Conv2DParams<#kh, #kw, #ci, #co>)
            }
            Op::GroupedConv2D {
                groups,
                filters,
                kernel,
                ..
            } => {
                let [kh, kw, cg, co] = [kernel.h, kernel.w, c_in / groups, filters].map(lit);
                quote!(::cnn_runtime::Conv2DParams<#kh, #kw, #cg, #co>)
            }
            Op::Conv2DTranspose {
                filters, kernel, ..
            } => {
                let [kh, kw, f, c] = [kernel.h, kernel.w, filters, c_in].map(lit);
                quote!(::cnn_runtime::Conv2DTransposeParams<#kh, #kw, #f, #c>)
            }
            Op::Dense { units, .. } => {
                let [fan_in, units] = [c_in, units].map(lit);
                quote!(::cnn_runtime::DenseParams<#fan_in, #units>)
            }
            Op::DepthwiseConv2D {
                multiplier, kernel, ..
            } => {
                let [kh, kw, ci, m] = [kernel.h, kernel.w, c_in, multiplier].map(lit);
                quote!(::cnn_runtime::DepthwiseConv2DParams<#kh, #kw, #ci, #m>)
            }
            Op::SeparableConv2D {
                filters,
                multiplier,
                kernel,
                ..
            } => {
                let [kh, kw, ci, m, cm, co] = [
                    kernel.h,
                    kernel.w,
                    c_in,
                    multiplier,
                    c_in * multiplier,
                    filters,
                ]
                .map(lit);
                quote!(::cnn_runtime::SeparableConv2DParams<#kh, #kw, #ci, #m, #cm, #co>)
            }
            Op::BatchNorm { .. } => {
                let c = lit(c_in);
                quote!(::cnn_runtime::BatchNormParams<#c>)
            }
            Op::AdaptedNormalization { .. } => {
                let c = lit(c_in);
                quote!(::cnn_runtime::NormalizationParams<#c>)
            }
            Op::LayerNorm { .. } => {
                let c = lit(c_in);
                quote!(::cnn_runtime::LayerNormParams<#c>)
            }
            Op::LayerScale => {
                let c = lit(c_in);
                quote!(::cnn_runtime::LayerScaleParams<#c>)
            }
            _ => continue,
        };
        fields.push(ParamField {
            layer: i,
            ident: format_ident!("l{}_{}", i, sanitize(&layer.name)),
            ty,
            alias: format_ident!("L{}", i),
            slots,
        });
    }
    fields
}

/// A layer name as part of an identifier.
fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

fn tensor_specs(plan: &Plan, fields: &[ParamField]) -> Vec<TokenStream> {
    fields
        .iter()
        .flat_map(|f| plan.layers[f.layer].tensors())
        .map(|(name, shape)| {
            let shape = shape.into_iter().map(lit);
            quote!(::cnn_runtime::TensorSpec { name: #name, shape: &[#(#shape),*] })
        })
        .collect()
}

/// Match arms from tensor index to the values of its field member.
fn tensor_accessors(fields: &[ParamField]) -> (Vec<TokenStream>, Vec<TokenStream>) {
    let mut refs = Vec::new();
    let mut muts = Vec::new();
    let present = fields
        .iter()
        .flat_map(|f| f.slots.iter().filter(|s| s.present).map(move |s| (f, s)));
    for (index, (f, slot)) in present.enumerate() {
        let name = &f.ident;
        let member = Ident::new(slot.variable, Span::call_site());
        let i = lit(index);
        refs.push(quote!(#i => ::core::option::Option::Some(::cnn_runtime::memory::flat(&self.#name.#member)),));
        muts.push(quote!(#i => ::core::option::Option::Some(::cnn_runtime::memory::flat_mut(&mut self.#name.#member)),));
    }
    (refs, muts)
}

/// How generated code reaches tensors: the arena's size, and the caller's
/// input.
struct Arena<'a> {
    memory: &'a MemoryPlan,
    n: Literal,
}

impl Arena<'_> {
    /// `let (x, y) = ...;` binding `x: &In` to tensor `input` read as
    /// `in_ty` and `y: &mut Out` to the region at `out` as `out_ty`.
    fn read_write(
        &self,
        input: Location,
        in_ty: &TokenStream,
        out: usize,
        out_ty: &TokenStream,
    ) -> TokenStream {
        let (n, out) = (&self.n, lit(out));
        match input {
            Location::Input => quote! {
                let x: &#in_ty = ::cnn_runtime::memory::view(input);
                let y = ::cnn_runtime::memory::at_mut::<#out_ty, #out, #n>(&mut *arena);
            },
            Location::Arena(at) => {
                let at = lit(at);
                quote! {
                    let (x, y) = ::cnn_runtime::memory::read_write::<#in_ty, #at, #out_ty, #out, #n>(&mut *arena);
                }
            }
        }
    }

    /// `let y = ...;`: the region at `at` as `ty`, mutable.
    fn write(&self, at: usize, ty: &TokenStream) -> TokenStream {
        let (n, at) = (&self.n, lit(at));
        quote!(let y = ::cnn_runtime::memory::at_mut::<#ty, #at, #n>(&mut *arena);)
    }
}

/// The straight-line forward pass: for each layer, in Keras' order, a method
/// holding its kernel calls on the regions the memory plan gave its tensors;
/// the body calls them in turn, then views the output. Returns the methods
/// and the body.
fn forward_body(
    plan: &Plan,
    fields: &[ParamField],
    memory: &MemoryPlan,
) -> (TokenStream, TokenStream) {
    let arena = Arena {
        memory,
        n: lit(memory.arena),
    };
    let n = &arena.n;
    let input_ty = input_type(plan);
    let mut methods = TokenStream::new();
    let mut body = TokenStream::new();
    let fusions = fuse::fusions(plan, memory);
    let folded = fuse::folded_paddings(plan);
    for (i, layer) in plan.layers.iter().enumerate() {
        if fusions.absorbed[i] || folded[i].is_some() {
            continue; // run by the layer before it, or after it
        }
        let field = fields.iter().find(|f| f.layer == i);
        let taken = Taken::of(plan, fields, fusions.by_layer[i]);
        // A convolution after a folded padding reads the unpadded tensor
        // (the padding's output is a view of it) with the padding its own.
        let padded = layer.inputs.first().and_then(|o| {
            let p = o.tensor.checked_sub(1)?;
            let op = folded[p].clone()?;
            let input = plan.layers[p].input;
            Some(PlannedLayer {
                op,
                inputs: vec![Operand { shape: input, ..*o }],
                input,
                ..layer.clone()
            })
        });
        let statements =
            layer_statements(i, padded.as_ref().unwrap_or(layer), field, taken, &arena);
        if statements.is_empty() {
            continue;
        }
        let method = format_ident!("__cnn_layer_{}", i);
        methods.extend(quote! {
            #[inline(always)]
            #[allow(unused_variables)]
            fn #method(&self, input: &#input_ty, arena: &mut [f32; #n]) {
                #statements
            }
        });
        // Timed with the runtime's `profile` feature; the call itself without.
        let step = format!(
            "{} {} {} -> {}",
            layer.name, layer.class, layer.input, layer.output
        );
        body.extend(quote! {
            ::cnn_runtime::profile::step(#i, #step, || self.#method(input, &mut *arena));
        });
    }
    let output_ty = output_type(plan);
    let at = match (memory.output_copy, memory.tensors[plan.outputs[0]]) {
        (Some(at), _) => {
            // Each output into its place, side by side.
            let mut to = at;
            for &t in &plan.outputs {
                let ty = array_type(plan.tensor_shape(t));
                let copy = arena.read_write(memory.tensors[t], &ty, to, &ty);
                body.extend(quote!({ #copy ::cnn_runtime::kernels::elementwise::copy(x, y); }));
                to += plan.tensor_shape(t).len();
            }
            at
        }
        (None, Location::Arena(at)) => at,
        (None, Location::Input) => unreachable!("the memory plan copies an input output"),
    };
    let at = lit(at);
    body.extend(quote!(::cnn_runtime::memory::at::<#output_ty, #at, #n>(arena)));
    (methods, body)
}

/// An `Add` into a region of its own: a copy of the first operand, then
/// each other one added, in Keras' order.
fn sum_steps(
    layer: &PlannedLayer,
    arena: &Arena<'_>,
    out: usize,
    out_ty: &TokenStream,
) -> TokenStream {
    let mut steps = TokenStream::new();
    for (k, operand) in layer.inputs.iter().enumerate() {
        let bind = arena.read_write(arena.memory.tensors[operand.tensor], out_ty, out, out_ty);
        let op = if k == 0 {
            quote!(::cnn_runtime::kernels::elementwise::copy(x, y);)
        } else {
            quote!(::cnn_runtime::kernels::elementwise::add_assign(y, x);)
        };
        steps.extend(quote!({ #bind #op }));
    }
    steps
}

/// The largest window (kh x kw x c_in values) compiled for its own sizes: a
/// first layer's 3x3x1, 3x3x3 or 5x5x1. Beyond it the shared kernel's
/// per-tile work no longer outweighs the multiply-adds, and unrolling would
/// only cost compile time.
const SMALL_WINDOW: usize = 32;

/// Whether a convolution takes the runtime's small-window kernel
/// (`cnn_runtime::kernels::small_conv`, which takes any window without
/// dilation): a window of at most [`SMALL_WINDOW`] values, no dilation.
fn small_window(kh: usize, kw: usize, c_in: usize, dilation: [usize; 2]) -> bool {
    kh * kw * c_in <= SMALL_WINDOW && dilation == [1, 1]
}

fn activation_tokens(f: Activation) -> TokenStream {
    match f {
        Activation::Linear | Activation::Softmax | Activation::LogSoftmax => {
            quote!(::cnn_runtime::activation::Linear)
        }
        Activation::Relu => quote!(::cnn_runtime::activation::Relu),
        Activation::Relu6 => quote!(::cnn_runtime::activation::Relu6),
        Activation::Sigmoid => quote!(::cnn_runtime::activation::Sigmoid),
        Activation::Tanh => quote!(::cnn_runtime::activation::Tanh),
        Activation::Elu => quote!(::cnn_runtime::activation::Elu),
        Activation::Gelu => quote!(::cnn_runtime::activation::Gelu),
        Activation::GeluTanh => quote!(::cnn_runtime::activation::GeluTanh),
        Activation::Swish => quote!(::cnn_runtime::activation::Swish),
        Activation::HardSigmoid => quote!(::cnn_runtime::activation::HardSigmoid),
        Activation::HardSilu => quote!(::cnn_runtime::activation::HardSwish),
        Activation::Mish => quote!(::cnn_runtime::activation::Mish),
        Activation::Softplus => quote!(::cnn_runtime::activation::Softplus),
        Activation::Softsign => quote!(::cnn_runtime::activation::Softsign),
        Activation::Selu => quote!(::cnn_runtime::activation::Selu),
        Activation::Exponential => quote!(::cnn_runtime::activation::Exponential),
        Activation::HardTanh => quote!(::cnn_runtime::activation::ReluN1To1),
        Activation::TanhShrink => quote!(::cnn_runtime::activation::TanhShrink),
        Activation::LogSigmoid => quote!(::cnn_runtime::activation::LogSigmoid),
        Activation::Celu => quote!(::cnn_runtime::activation::Celu),
        Activation::SoftShrink => quote!(::cnn_runtime::activation::SoftShrink),
        Activation::HardShrink => quote!(::cnn_runtime::activation::HardShrink),
        Activation::Squareplus => quote!(::cnn_runtime::activation::Squareplus),
        Activation::SparsePlus => quote!(::cnn_runtime::activation::SparsePlus),
        Activation::SparseSigmoid => quote!(::cnn_runtime::activation::SparseSigmoid),
        Activation::LeakyRelu(slope) => {
            let slope = Literal::f32_suffixed(slope);
            quote!(::cnn_runtime::activation::LeakyRelu(#slope))
        }
        Activation::ReluWith {
            max_value,
            negative_slope,
            threshold,
        } => {
            let max_value = match max_value {
                Some(m) => {
                    let m = Literal::f32_suffixed(m);
                    quote!(#m)
                }
                None => quote!(f32::INFINITY),
            };
            let slope = Literal::f32_suffixed(negative_slope);
            let threshold = Literal::f32_suffixed(threshold);
            quote!(::cnn_runtime::activation::ReluWith {
                max_value: #max_value,
                negative_slope: #slope,
                threshold: #threshold,
            })
        }
    }
}

/// Softmax (or log_softmax) over the last axis of `y` (of `shape`), if `f`
/// is one.
fn softmax_pass(f: Activation, shape: Shape) -> TokenStream {
    let group = lit(*shape.dims().last().expect("shapes have a dimension"));
    match f {
        Activation::Softmax => quote! {
            ::cnn_runtime::activation::softmax_groups(::cnn_runtime::memory::flat_mut(y), #group);
        },
        Activation::LogSoftmax => quote! {
            ::cnn_runtime::activation::log_softmax_groups(::cnn_runtime::memory::flat_mut(y), #group);
        },
        _ => TokenStream::new(),
    }
}

/// `f` applied to `y` (of `shape`) in place.
fn activation_in_place(f: Activation, shape: Shape) -> TokenStream {
    match f {
        Activation::Softmax | Activation::LogSoftmax => softmax_pass(f, shape),
        Activation::Linear => TokenStream::new(),
        f => {
            let act = activation_tokens(f);
            quote!(::cnn_runtime::activation::apply_in_place(::cnn_runtime::memory::flat_mut(y), #act);)
        }
    }
}

fn pool_op(op: PoolOp) -> TokenStream {
    match op {
        PoolOp::Max => quote!(::cnn_runtime::kernels::pool::PoolOp::Max),
        PoolOp::Avg => quote!(::cnn_runtime::kernels::pool::PoolOp::Avg),
    }
}

/// What a convolution runs for the layers after it ([`fuse`]): its
/// activation, and the BatchNormalization folded into its sums.
#[derive(Clone, Copy)]
struct Taken<'a> {
    activation: Option<Activation>,
    batch_norm: Option<(&'a ParamField, &'a Op)>,
}

impl<'a> Taken<'a> {
    fn of(plan: &'a Plan, fields: &'a [ParamField], fusion: Fusion) -> Taken<'a> {
        Taken {
            activation: fusion.activation,
            batch_norm: fusion.batch_norm.map(|j| {
                let field = fields.iter().find(|f| f.layer == j);
                (field.expect("BatchNorm has parameters"), &plan.layers[j].op)
            }),
        }
    }

    /// `(statements, epilogue)`: the statements compute the folded
    /// BatchNormalization (`bias` is the layer's own, as an
    /// `Option<&[f32; C]>`), the epilogue is what the kernel takes: `bias`
    /// itself when there is nothing to fold.
    fn epilogue(&self, bias: TokenStream) -> (TokenStream, TokenStream) {
        let Some((
            field,
            Op::BatchNorm {
                epsilon,
                center,
                scale,
            },
        )) = self.batch_norm
        else {
            return (TokenStream::new(), bias);
        };
        let name = &field.ident;
        let epsilon = Literal::f32_suffixed(*epsilon);
        (
            quote!(let affine = self.#name.fold(#epsilon, #scale, #center, #bias);),
            quote!(&affine),
        )
    }
}

fn bias_tokens(field: &ParamField, present: bool) -> TokenStream {
    let name = &field.ident;
    if present {
        quote!(::core::option::Option::Some(&self.#name.bias))
    } else {
        quote!(::core::option::Option::None)
    }
}

/// The statements of layer `i`: blocks of kernel calls reading its inputs'
/// regions and writing its output's.
fn layer_statements(
    i: usize,
    layer: &PlannedLayer,
    field: Option<&ParamField>,
    taken: Taken<'_>,
    arena: &Arena<'_>,
) -> TokenStream {
    let memory = arena.memory;
    let out_ty = array_type(layer.output);
    let in_ty = array_type(layer.input);
    let source = layer
        .inputs
        .first()
        .map_or(Location::Input, |o| memory.tensors[o.tensor]);
    let Location::Arena(out) = memory.tensors[i + 1] else {
        return TokenStream::new(); // a view of the input: nothing to compute
    };
    match layer.op.memory() {
        OpMemory::Alias => return TokenStream::new(),
        OpMemory::Elementwise => {
            let op = match &layer.op {
                Op::Activation(f) => activation_in_place(*f, layer.output),
                Op::BatchNorm {
                    epsilon,
                    center,
                    scale,
                } => {
                    let name = &field.expect("BatchNorm has parameters").ident;
                    let epsilon = Literal::f32_suffixed(*epsilon);
                    quote!(::cnn_runtime::kernels::elementwise::batch_norm(y, &self.#name, #epsilon, #scale, #center);)
                }
                Op::Rescaling { scale, offset } => {
                    let (scale, offset) = (
                        Literal::f32_suffixed(*scale),
                        Literal::f32_suffixed(*offset),
                    );
                    quote!(::cnn_runtime::kernels::elementwise::rescale(y, #scale, #offset);)
                }
                Op::Normalization { mean, std, invert } => {
                    let [mean, std] = [mean, std].map(|values| {
                        let values = values.iter().map(|&v| Literal::f32_suffixed(v));
                        quote!(&[#(#values),*])
                    });
                    quote!(::cnn_runtime::kernels::elementwise::normalize(y, #mean, #std, #invert);)
                }
                Op::LayerNorm {
                    epsilon,
                    center,
                    scale,
                    rms_scaling,
                } => {
                    let name = &field.expect("LayerNormalization has parameters").ident;
                    let epsilon = Literal::f32_suffixed(*epsilon);
                    quote!(::cnn_runtime::kernels::elementwise::layer_norm(y, &self.#name, #epsilon, #scale, #center, #rms_scaling);)
                }
                Op::LayerScale => {
                    let name = &field.expect("LayerScale has parameters").ident;
                    quote!(::cnn_runtime::kernels::elementwise::layer_scale(y, &self.#name);)
                }
                Op::AdaptedNormalization { invert } => {
                    let name = &field.expect("Normalization has parameters").ident;
                    quote!(::cnn_runtime::kernels::elementwise::normalize(y, &self.#name.mean, &self.#name.std(), #invert);)
                }
                Op::Constant {
                    op,
                    constant,
                    constant_first,
                } => {
                    let c = Literal::f32_suffixed(*constant);
                    let op = constant_op_tokens(*op, *constant_first);
                    quote!(::cnn_runtime::kernels::elementwise::constant_op(y, ::cnn_runtime::kernels::elementwise::ConstantOp::#op, #c);)
                }
                Op::ConstantTensor {
                    op,
                    values,
                    dims,
                    constant_first,
                } => {
                    let op = constant_op_tokens(*op, *constant_first);
                    let n = lit(values.len());
                    let values = values.iter().map(|&v| Literal::f32_suffixed(v));
                    let (h, w, c) = as_map(layer.output);
                    let ([h, w, c], [ch, cw, cc]) = ([h, w, c].map(lit), dims.map(lit));
                    quote! {
                        static CONSTANT: [f32; #n] = [#(#values),*];
                        ::cnn_runtime::kernels::elementwise::constant_tensor_op(
                            y, [#h, #w, #c],
                            ::cnn_runtime::kernels::elementwise::ConstantOp::#op,
                            &CONSTANT, [#ch, #cw, #cc],
                        );
                    }
                }
                _ => unreachable!("element-wise ops"),
            };
            let bind = if source == Location::Arena(out) {
                arena.write(out, &out_ty)
            } else {
                let rw = arena.read_write(source, &out_ty, out, &out_ty);
                quote!(#rw ::cnn_runtime::kernels::elementwise::copy(x, y);)
            };
            return quote!({ #bind #op });
        }
        OpMemory::Compute => {}
    }
    let bind = arena.read_write(source, &in_ty, out, &out_ty);
    let call = match (&layer.op, layer.input.as_map(), layer.output.as_map()) {
        (
            Op::Conv2D {
                kernel,
                strides,
                dilation,
                pad,
                activation,
                use_bias,
                ..
            },
            Shape::Map { h, w, c },
            Shape::Map {
                h: oh,
                w: ow,
                c: co,
            },
        ) => {
            let field = field.expect("Conv2D has parameters");
            let (name, bias) = (&field.ident, bias_tokens(field, *use_bias));
            let (fold, epilogue) = taken.epilogue(bias);
            let activation = &taken.activation.unwrap_or(*activation);
            let sizes = [
                h, w, c, co, kernel.h, kernel.w, strides.h, strides.w, dilation.h, dilation.w,
                pad.top, pad.bottom, pad.left, pad.right, oh, ow,
            ]
            .map(lit);
            let act = activation_tokens(*activation);
            let softmax = softmax_pass(*activation, layer.output);
            // A first layer's few-value window gets code of its own sizes
            // (the shared kernel's per-tile work outweighs 9 multiply-adds);
            // every other size is inferred from the operands' types.
            let small = small_window(kernel.h, kernel.w, c, [dilation.h, dilation.w]);
            if small {
                let steps = [strides.h, strides.w, pad.top, pad.left].map(lit);
                quote! {
                    #fold
                    ::cnn_runtime::kernels::small_conv::conv2d_small(
                        x, &self.#name.kernel, #epilogue, #act, y,
                        ::cnn_runtime::kernels::small_conv::Strides::<#(#steps),*>,
                    );
                    #softmax
                }
            } else {
                quote! {
                    #fold
                    ::cnn_runtime::kernels::conv::conv2d::<#(#sizes,)* _>(x, &self.#name.kernel, #epilogue, #act, y);
                    #softmax
                }
            }
        }
        (
            Op::DepthwiseConv2D {
                multiplier,
                kernel,
                strides,
                dilation,
                pad,
                use_bias,
                activation,
                ..
            },
            Shape::Map { h, w, c },
            Shape::Map { h: oh, w: ow, .. },
        ) => {
            let field = field.expect("DepthwiseConv2D has parameters");
            let (name, bias) = (&field.ident, bias_tokens(field, *use_bias));
            // A folded BatchNormalization (multiplier 1) sees the bias, of
            // `[[f32; 1]; C]`, as `[f32; C]`.
            let flat_bias = if *use_bias {
                quote!(::core::option::Option::Some(::cnn_runtime::memory::view(&self.#name.bias)))
            } else {
                quote!(::core::option::Option::None)
            };
            let (fold, epilogue) = match taken.batch_norm {
                Some(_) => taken.epilogue(flat_bias),
                None => (TokenStream::new(), bias),
            };
            let activation = &taken.activation.unwrap_or(*activation);
            let dw_ty = depthwise_type(oh, ow, c, *multiplier);
            let sizes = depthwise_sizes(
                [h, w, c, *multiplier],
                *kernel,
                *strides,
                *dilation,
                *pad,
                [oh, ow],
            );
            let act = activation_tokens(*activation);
            let softmax = softmax_pass(*activation, layer.output);
            let bind = arena.read_write(source, &in_ty, out, &dw_ty);
            return quote!({
                #bind
                #fold
                ::cnn_runtime::kernels::depthwise::depthwise_conv2d::<#(#sizes,)* _>(x, &self.#name.kernel, #epilogue, #act, y);
                #softmax
            });
        }
        (
            Op::SeparableConv2D {
                multiplier,
                kernel,
                strides,
                dilation,
                pad,
                use_bias,
                activation,
                ..
            },
            Shape::Map { h, w, c },
            Shape::Map { h: oh, w: ow, .. },
        ) => {
            let field = field.expect("SeparableConv2D has parameters");
            let (name, bias) = (&field.ident, bias_tokens(field, *use_bias));
            let temp = memory.temps[i].expect("the memory plan gives SeparableConv2D a temporary");
            let dw_ty = depthwise_type(oh, ow, c, *multiplier);
            let middle_ty = array_type(Shape::Map {
                h: oh,
                w: ow,
                c: c * multiplier,
            });
            let sizes = depthwise_sizes(
                [h, w, c, *multiplier],
                *kernel,
                *strides,
                *dilation,
                *pad,
                [oh, ow],
            );
            let depthwise = arena.read_write(source, &in_ty, temp, &dw_ty);
            let pointwise = arena.read_write(Location::Arena(temp), &middle_ty, out, &out_ty);
            let act = activation_tokens(*activation);
            let softmax = softmax_pass(*activation, layer.output);
            return quote! {
                {
                    #depthwise
                    ::cnn_runtime::kernels::depthwise::depthwise_conv2d::<#(#sizes,)* _>(
                        x, &self.#name.depthwise_kernel, ::core::option::Option::None,
                        ::cnn_runtime::activation::Linear, y,
                    );
                }
                {
                    #pointwise
                    ::cnn_runtime::kernels::dense::dense_map(x, &self.#name.pointwise_kernel, #bias, #act, y);
                    #softmax
                }
            };
        }
        (
            Op::Pool {
                op,
                pool,
                strides,
                pad,
            },
            Shape::Map { h, w, c },
            Shape::Map { h: oh, w: ow, .. },
        ) => {
            let sizes = [
                h, w, c, pool.h, pool.w, strides.h, strides.w, pad.top, pad.bottom, pad.left,
                pad.right, oh, ow,
            ]
            .map(lit);
            let op = pool_op(*op);
            quote!(::cnn_runtime::kernels::pool::pool2d::<#(#sizes),*>(#op, x, y);)
        }
        (Op::GlobalPool(op), Shape::Map { .. }, output) => {
            // One value per channel, whether Keras keeps the 1x1 dimensions or not.
            let op = pool_op(*op);
            let values = array_type(Shape::Vector(output.len()));
            let bind = arena.read_write(source, &in_ty, out, &values);
            return quote!({ #bind ::cnn_runtime::kernels::pool::global_pool(#op, x, y); });
        }
        (
            Op::Dense {
                activation,
                use_bias,
                ..
            },
            input,
            _,
        ) => {
            let field = field.expect("Dense has parameters");
            let (name, bias) = (&field.ident, bias_tokens(field, *use_bias));
            let activation = &taken.activation.unwrap_or(*activation);
            let act = activation_tokens(*activation);
            let softmax = softmax_pass(*activation, layer.output);
            let kernel_fn = match input {
                Shape::Vector(_) => quote!(dense),
                _ => quote!(dense_map),
            };
            quote! {
                ::cnn_runtime::kernels::dense::#kernel_fn(x, &self.#name.kernel, #bias, #act, y);
                #softmax
            }
        }
        (Op::ZeroPadding2D(pad), Shape::Map { h, w, c }, Shape::Map { h: oh, w: ow, .. }) => {
            let sizes = [h, w, c, pad.top, pad.bottom, pad.left, pad.right, oh, ow].map(lit);
            quote!(::cnn_runtime::kernels::elementwise::zero_pad2d::<#(#sizes),*>(x, y);)
        }
        (
            Op::GroupedConv2D {
                groups,
                strides,
                dilation,
                pad,
                use_bias,
                activation,
                ..
            },
            Shape::Map { .. },
            Shape::Map { .. },
        ) => {
            let name = &field.expect("Conv2D has parameters").ident;
            let geometry = geometry(
                quote!(::cnn_runtime::kernels::grouped::ConvGeometry),
                [strides, dilation],
                pad,
            );
            let groups = lit(*groups);
            let act = activation_tokens(*activation);
            let softmax = softmax_pass(*activation, layer.output);
            quote! {
                ::cnn_runtime::kernels::grouped::grouped_conv2d::<_, _, _, _, _, _, _, #groups, _, _, _>(
                    x, &self.#name, #use_bias, #geometry, #act, y,
                );
                #softmax
            }
        }
        (
            Op::Conv2DTranspose {
                strides,
                dilation,
                pad,
                use_bias,
                activation,
                ..
            },
            Shape::Map { .. },
            Shape::Map { .. },
        ) => {
            let name = &field.expect("Conv2DTranspose has parameters").ident;
            let geometry = geometry(
                quote!(::cnn_runtime::kernels::transpose::TransposeGeometry),
                [strides, dilation],
                pad,
            );
            let act = activation_tokens(*activation);
            let softmax = softmax_pass(*activation, layer.output);
            quote! {
                ::cnn_runtime::kernels::transpose::conv2d_transpose(
                    x, &self.#name, #use_bias, #geometry, #act, y,
                );
                #softmax
            }
        }
        (Op::InputPart { offset }, _, _) => {
            let offset = lit(*offset);
            quote!(::cnn_runtime::kernels::elementwise::copy_part(&x[#offset..], y);)
        }
        (
            Op::UpSampling2D { size, bilinear },
            Shape::Map { h, w, c },
            Shape::Map { h: oh, w: ow, .. },
        ) => {
            let sizes = [h, w, c, size.h, size.w, oh, ow].map(lit);
            if *bilinear {
                quote!(::cnn_runtime::kernels::elementwise::upsample_bilinear::<#(#sizes),*>(x, y);)
            } else {
                quote!(::cnn_runtime::kernels::elementwise::upsample_nearest::<#(#sizes),*>(x, y);)
            }
        }
        (Op::Cropping2D(crop), Shape::Map { h, w, c }, Shape::Map { h: oh, w: ow, .. }) => {
            let sizes = [h, w, c, crop.top, crop.left, oh, ow].map(lit);
            quote!(::cnn_runtime::kernels::elementwise::crop2d::<#(#sizes),*>(x, y);)
        }
        (Op::Add, _, _) if layer.inputs.iter().any(|o| o.shape != layer.output) => {
            broadcast_steps(layer, arena, out, quote!(add_assign_broadcast))
        }
        (Op::Add, _, _) => {
            let Some(k) = memory.overwritten_operand(i, layer) else {
                return sum_steps(layer, arena, out, &out_ty);
            };
            // The sum over one of its two operands, in place, with the
            // activation after it if it was fused.
            let other = &layer.inputs[1 - k];
            let bind = arena.read_write(memory.tensors[other.tensor], &out_ty, out, &out_ty);
            let op = match taken.activation {
                Some(f) => {
                    let act = activation_tokens(f);
                    quote!(::cnn_runtime::kernels::elementwise::add_assign_activate(y, x, #act);)
                }
                None => quote!(::cnn_runtime::kernels::elementwise::add_assign(y, x);),
            };
            return quote!({ #bind #op });
        }
        (Op::CustomScale { scale }, _, _) => {
            // `inputs[1] * scale`, then `+ inputs[0]`: Keras' two roundings.
            let scale = Literal::f32_suffixed(*scale);
            let [first, second] = [&layer.inputs[0], &layer.inputs[1]]
                .map(|o| arena.read_write(memory.tensors[o.tensor], &out_ty, out, &out_ty));
            return quote! {
                {
                    #second
                    ::cnn_runtime::kernels::elementwise::copy(x, y);
                    ::cnn_runtime::kernels::elementwise::constant_op(y, ::cnn_runtime::kernels::elementwise::ConstantOp::Multiply, #scale);
                }
                {
                    #first
                    ::cnn_runtime::kernels::elementwise::add_assign(y, x);
                }
            };
        }
        (Op::Multiply, _, _) => {
            return broadcast_steps(layer, arena, out, quote!(mul_assign_broadcast));
        }
        (Op::Concatenate, _, _) => {
            let (h, w, co) = as_map(layer.output);
            let out_map = array_type(Shape::Map { h, w, c: co });
            let mut steps = TokenStream::new();
            let mut at = 0usize;
            for operand in &layer.inputs {
                let (_, _, c) = as_map(operand.shape);
                let in_map = array_type(Shape::Map { h, w, c });
                let bind = arena.read_write(memory.tensors[operand.tensor], &in_map, out, &out_map);
                let sizes = [h, w, c, co, at].map(lit);
                steps.extend(quote!({
                    #bind
                    ::cnn_runtime::kernels::elementwise::concat_channels::<#(#sizes),*>(x, y);
                }));
                at += c;
            }
            return steps;
        }
        _ => unreachable!("the checker only plans consistent layers"),
    };
    quote!({ #bind #call })
}

/// The const parameters of `depthwise_conv2d`, in order: input `[h, w, c,
/// multiplier]`, kernel, strides, dilation, padding, output `[oh, ow]`.
fn depthwise_sizes(
    [h, w, c, m]: [usize; 4],
    kernel: Pair,
    strides: Pair,
    dilation: Pair,
    pad: Pad,
    [oh, ow]: [usize; 2],
) -> [Literal; 16] {
    [
        h, w, c, m, kernel.h, kernel.w, strides.h, strides.w, dilation.h, dilation.w, pad.top,
        pad.bottom, pad.left, pad.right, oh, ow,
    ]
    .map(lit)
}

/// The runtime's `ConstantOp` variant for `x op c`, or `c op x` when
/// `constant_first`.
fn constant_op_tokens(op: ConstantOp, constant_first: bool) -> TokenStream {
    match (op, constant_first) {
        (ConstantOp::Add, _) => quote!(Add),
        (ConstantOp::Multiply, _) => quote!(Multiply),
        (ConstantOp::Subtract, false) => quote!(Subtract),
        (ConstantOp::Subtract, true) => quote!(SubtractFrom),
        (ConstantOp::TrueDivide, false) => quote!(DivideBy),
        (ConstantOp::TrueDivide, true) => quote!(Divide),
    }
}

/// A kernel's geometry struct (`ConvGeometry`, `TransposeGeometry`): strides,
/// dilation and the padding above and left.
fn geometry(ty: TokenStream, [strides, dilation]: [&Pair; 2], pad: &Pad) -> TokenStream {
    let [sh, sw, dh, dw, pt, pl] = [
        strides.h, strides.w, dilation.h, dilation.w, pad.top, pad.left,
    ]
    .map(lit);
    quote!(#ty { strides: [#sh, #sw], dilation: [#dh, #dw], pad: [#pt, #pl] })
}

/// A map as (height, width, channels); a vector as one pixel, a sequence as
/// one row.
fn as_map(shape: Shape) -> (usize, usize, usize) {
    match shape {
        Shape::Map { h, w, c } => (h, w, c),
        Shape::Vector(n) => (1, 1, n),
        Shape::Steps { n, c } => (1, n, c),
    }
}

/// A depthwise convolution's output as its kernel writes it:
/// `[[[[f32; M]; C]; OW]; OH]`.
fn depthwise_type(oh: usize, ow: usize, c: usize, m: usize) -> TokenStream {
    let [oh, ow, c, m] = [oh, ow, c, m].map(lit);
    quote!([[[[f32; #m]; #c]; #ow]; #oh])
}

fn layer_info(layer: &PlannedLayer) -> TokenStream {
    let name = &layer.name;
    let class = layer.class.keras_name();
    let input = dims(layer.input);
    let output = dims(layer.output);
    let params = Literal::u64_unsuffixed(layer.params);
    let flops = Literal::u64_unsuffixed(2 * layer.macs);
    quote! {
        ::cnn_runtime::LayerInfo {
            name: #name,
            class: #class,
            input_shape: &[#(#input),*],
            output_shape: &[#(#output),*],
            params: #params,
            flops: #flops,
        }
    }
}
