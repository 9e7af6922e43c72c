fn main() {
    let path = std::env::args().nth(1).unwrap();
    let m = cnn_compiler::tflite::read::read(&std::fs::read(path).unwrap()).unwrap();
    for (i, op) in m.ops.iter().enumerate() {
        let d = |t: &usize| {
            let t2 = &m.tensors[*t];
            format!(
                "t{t}{:?}{}{}{}",
                t2.shape,
                t2.dtype,
                if t2.data.is_some() { "C" } else { "" },
                t2.single_quant()
                    .map(|(s, z)| format!("({s:.3e},{z})"))
                    .unwrap_or_default()
            )
        };
        println!(
            "{i} {} {:?} in [{}] out [{}]",
            op.kind,
            op.options,
            op.inputs
                .iter()
                .flatten()
                .map(d)
                .collect::<Vec<_>>()
                .join(", "),
            op.outputs.iter().map(d).collect::<Vec<_>>().join(", ")
        );
    }
}
