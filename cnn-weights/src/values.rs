//! A tensor's values as stored, converted to f32 only when copied out.

use std::borrow::Cow;

/// A tensor's values in its file's element type.
#[derive(Clone, Debug)]
pub enum Values<'a> {
    F32Le(&'a [u8]),
    F64Le(&'a [u8]),
    F16Le(&'a [u8]),
    Bf16Le(&'a [u8]),
    /// Already f32 (a reader that decodes on its own, as npy does).
    F32(Cow<'a, [f32]>),
    /// Little-endian integers of `width` bytes (1, 2, 4 or 8), converted to
    /// the nearest f32: Keras keeps some variables as integers (the `count`
    /// of an adapted Normalization is an int64).
    IntLe {
        bytes: &'a [u8],
        width: usize,
        signed: bool,
    },
    /// An element type no model can use (booleans, 8-bit floats, ...), by name.
    Unsupported(String),
}

impl Values<'_> {
    /// The number of values (0 for an unsupported type).
    pub fn len(&self) -> usize {
        match self {
            Values::F32Le(b) => b.len() / 4,
            Values::F64Le(b) => b.len() / 8,
            Values::F16Le(b) | Values::Bf16Le(b) => b.len() / 2,
            Values::F32(v) => v.len(),
            Values::IntLe { bytes, width, .. } => bytes.len() / width,
            Values::Unsupported(_) => 0,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The element type's name, as the file gives it.
    pub fn dtype(&self) -> &str {
        match self {
            Values::F32Le(_) | Values::F32(_) => "f32",
            Values::F64Le(_) => "f64",
            Values::F16Le(_) => "f16",
            Values::Bf16Le(_) => "bf16",
            Values::IntLe { width, signed, .. } => match (width, signed) {
                (1, true) => "i8",
                (2, true) => "i16",
                (4, true) => "i32",
                (8, true) => "i64",
                (1, false) => "u8",
                (2, false) => "u16",
                (4, false) => "u32",
                _ => "u64",
            },
            Values::Unsupported(name) => name,
        }
    }

    /// Writes the first `out.len()` values into `out`, as f32.
    pub fn copy_to(&self, out: &mut [f32]) {
        match self {
            Values::F32Le(b) => {
                for (o, c) in out.iter_mut().zip(b.chunks_exact(4)) {
                    *o = f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
                }
            }
            Values::F64Le(b) => {
                for (o, c) in out.iter_mut().zip(b.chunks_exact(8)) {
                    let bytes = [c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]];
                    *o = f64::from_le_bytes(bytes) as f32;
                }
            }
            Values::F16Le(b) => {
                for (o, c) in out.iter_mut().zip(b.chunks_exact(2)) {
                    *o = half::f16::from_le_bytes([c[0], c[1]]).to_f32();
                }
            }
            Values::Bf16Le(b) => {
                for (o, c) in out.iter_mut().zip(b.chunks_exact(2)) {
                    *o = half::bf16::from_le_bytes([c[0], c[1]]).to_f32();
                }
            }
            Values::F32(v) => {
                let n = out.len().min(v.len());
                out[..n].copy_from_slice(&v[..n]);
            }
            &Values::IntLe {
                bytes,
                width,
                signed,
            } => {
                for (o, c) in out.iter_mut().zip(bytes.chunks_exact(width)) {
                    // Sign- or zero-extended to 16 bytes, then rounded once.
                    let fill = if signed && c[width - 1] & 0x80 != 0 {
                        0xff
                    } else {
                        0
                    };
                    let mut wide = [fill; 16];
                    wide[..width].copy_from_slice(c);
                    *o = i128::from_le_bytes(wide) as f32;
                }
            }
            Values::Unsupported(_) => {}
        }
    }

    /// Appends every value as little-endian f32 bytes.
    pub fn append_f32_le(&self, out: &mut Vec<u8>) {
        let mut values = vec![0.0f32; self.len()];
        self.copy_to(&mut values);
        out.extend(values.iter().flat_map(|v| v.to_le_bytes()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_converts_to_the_same_f32() {
        let expected = [1.5f32, -0.25, 3.0];
        let f32s: Vec<u8> = expected.iter().flat_map(|v| v.to_le_bytes()).collect();
        let f64s: Vec<u8> = expected
            .iter()
            .flat_map(|&v| f64::from(v).to_le_bytes())
            .collect();
        let f16s: Vec<u8> = expected
            .iter()
            .flat_map(|&v| half::f16::from_f32(v).to_le_bytes())
            .collect();
        let bf16s: Vec<u8> = expected
            .iter()
            .flat_map(|&v| half::bf16::from_f32(v).to_le_bytes())
            .collect();
        for values in [
            Values::F32Le(&f32s),
            Values::F64Le(&f64s),
            Values::F16Le(&f16s),
            Values::Bf16Le(&bf16s),
            Values::F32(Cow::Borrowed(&expected)),
        ] {
            assert_eq!(values.len(), 3, "{}", values.dtype());
            let mut out = [0.0f32; 3];
            values.copy_to(&mut out);
            assert_eq!(out, expected, "{}", values.dtype());
            let mut bytes = Vec::new();
            values.append_f32_le(&mut bytes);
            assert_eq!(bytes, f32s, "{}", values.dtype());
        }
        let unsupported = Values::Unsupported("BOOL".into());
        assert_eq!((unsupported.len(), unsupported.dtype()), (0, "BOOL"));
    }

    #[test]
    fn integers_of_every_width_convert_to_the_nearest_f32() {
        let expected = [0.0f32, 1.0, -1.0, 100.0];
        let cases: [(Vec<u8>, usize, bool); 4] = [
            (
                [0i8, 1, -1, 100]
                    .iter()
                    .flat_map(|v| v.to_le_bytes())
                    .collect(),
                1,
                true,
            ),
            (
                [0i16, 1, -1, 100]
                    .iter()
                    .flat_map(|v| v.to_le_bytes())
                    .collect(),
                2,
                true,
            ),
            (
                [0i32, 1, -1, 100]
                    .iter()
                    .flat_map(|v| v.to_le_bytes())
                    .collect(),
                4,
                true,
            ),
            (
                [0i64, 1, -1, 100]
                    .iter()
                    .flat_map(|v| v.to_le_bytes())
                    .collect(),
                8,
                true,
            ),
        ];
        for (bytes, width, signed) in &cases {
            let values = Values::IntLe {
                bytes,
                width: *width,
                signed: *signed,
            };
            let mut out = [0.0f32; 4];
            values.copy_to(&mut out);
            assert_eq!((values.len(), out), (4, expected), "{}", values.dtype());
        }
        let unsigned: Vec<u8> = [0u64, 1, u64::MAX, 1 << 40]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let values = Values::IntLe {
            bytes: &unsigned,
            width: 8,
            signed: false,
        };
        let mut out = [0.0f32; 4];
        values.copy_to(&mut out);
        assert_eq!(out, [0.0, 1.0, u64::MAX as f32, (1u64 << 40) as f32]);
        assert_eq!(values.dtype(), "u64");
    }
}
