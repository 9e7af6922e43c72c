//! Loading and saving trained weights: safetensors and npz, dtype conversion,
//! bit-for-bit round trips, and a clear error for every kind of bad file.

use cnn_examples::fixture_dir;
use cnn_examples::models::FeaturesB;
use cnn_runtime::{Model, WeightFiles, WeightsError, WeightsErrorKind};
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use std::io::Write;

fn fixture_bytes(file: &str) -> Vec<u8> {
    std::fs::read(fixture_dir("features_b").join(file)).unwrap()
}

/// Every tensor of the model, bit for bit.
fn tensor_bits<M: Model>(model: &M) -> Vec<Vec<u32>> {
    (0..M::TENSORS.len())
        .map(|i| {
            model
                .tensor(i)
                .unwrap()
                .iter()
                .map(|v| v.to_bits())
                .collect()
        })
        .collect()
}

/// The fixture's tensors, each converted by `convert` and stored as `dtype`.
fn rewrite(
    dtype: Dtype,
    convert: impl Fn(f32) -> Vec<u8>,
    drop: Option<&str>,
    add: Option<&str>,
) -> Vec<u8> {
    let original = fixture_bytes("weights.safetensors");
    let file = SafeTensors::deserialize(&original).unwrap();
    let mut tensors: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
    for (name, view) in file.tensors() {
        if Some(name.as_str()) == drop {
            continue;
        }
        let data = view
            .data()
            .chunks_exact(4)
            .flat_map(|c| convert(f32::from_le_bytes(c.try_into().unwrap())))
            .collect();
        tensors.push((name, view.shape().to_vec(), data));
    }
    if let Some(extra) = add {
        tensors.push((extra.to_string(), vec![2], convert(1.0).repeat(2)));
    }
    let views = tensors.iter().map(|(name, shape, data)| {
        (
            name.clone(),
            TensorView::new(dtype, shape.clone(), data).unwrap(),
        )
    });
    safetensors::tensor::serialize(views, None).unwrap()
}

fn f32_bytes(v: f32) -> Vec<u8> {
    v.to_le_bytes().to_vec()
}

#[test]
fn safetensors_files_round_trip_bit_for_bit() {
    let model = FeaturesB::from_safetensors(&fixture_bytes("weights.safetensors")).unwrap();
    let saved = model.to_safetensors();
    let reloaded = FeaturesB::from_safetensors(&saved).unwrap();
    assert_eq!(tensor_bits(&*reloaded), tensor_bits(&*model));
    assert_eq!(reloaded.to_safetensors(), saved, "saving is deterministic");
    // The saved file holds exactly Keras' tensors, names and shapes.
    let file = SafeTensors::deserialize(&saved).unwrap();
    let original_bytes = fixture_bytes("weights.safetensors");
    let original = SafeTensors::deserialize(&original_bytes).unwrap();
    let mut names = file.names();
    names.sort();
    let mut original_names = original.names();
    original_names.sort();
    assert_eq!(names, original_names);
    for name in names {
        let (a, b) = (file.tensor(name).unwrap(), original.tensor(name).unwrap());
        assert_eq!((a.shape(), a.data()), (b.shape(), b.data()), "{name}");
    }
}

#[test]
fn npz_loads_the_same_weights_as_safetensors() {
    for name in ["seed_mnist", "features_a", "features_b", "mixed_same"] {
        let dir = fixture_dir(name);
        let from_npz = FeaturesB::from_npz_file(dir.join("weights.npz"));
        let from_st = FeaturesB::from_safetensors_file(dir.join("weights.safetensors"));
        if name == "features_b" {
            assert_eq!(
                tensor_bits(&*from_npz.unwrap()),
                tensor_bits(&*from_st.unwrap())
            );
        } else {
            // Another model's weights are rejected the same way by both loaders.
            assert!(from_npz.is_err() && from_st.is_err(), "{name}");
        }
    }
}

#[test]
fn f64_f16_and_bf16_tensors_are_converted() {
    let reference = FeaturesB::from_safetensors(&fixture_bytes("weights.safetensors")).unwrap();
    let exact = |m: &FeaturesB| tensor_bits(m);
    let f64_file = rewrite(
        Dtype::F64,
        |v| f64::from(v).to_le_bytes().to_vec(),
        None,
        None,
    );
    assert_eq!(
        exact(&FeaturesB::from_safetensors(&f64_file).unwrap()),
        exact(&reference)
    );
    let f16_file = rewrite(
        Dtype::F16,
        |v| half::f16::from_f32(v).to_le_bytes().to_vec(),
        None,
        None,
    );
    let bf16_file = rewrite(
        Dtype::BF16,
        |v| half::bf16::from_f32(v).to_le_bytes().to_vec(),
        None,
        None,
    );
    let from_f16 = FeaturesB::from_safetensors(&f16_file).unwrap();
    let from_bf16 = FeaturesB::from_safetensors(&bf16_file).unwrap();
    for i in 0..FeaturesB::TENSORS.len() {
        for ((r, a), b) in reference
            .tensor(i)
            .unwrap()
            .iter()
            .zip(from_f16.tensor(i).unwrap())
            .zip(from_bf16.tensor(i).unwrap())
        {
            assert_eq!(*a, half::f16::from_f32(*r).to_f32());
            assert_eq!(*b, half::bf16::from_f32(*r).to_f32());
        }
    }
}

fn kind(result: Result<Box<FeaturesB>, WeightsError>) -> (WeightsErrorKind, String) {
    let error = result.err().expect("an error");
    let message = error.to_string();
    (error.kind, message)
}

#[test]
fn bad_safetensors_files_say_what_is_wrong() {
    let (k, message) = kind(FeaturesB::from_safetensors(&rewrite(
        Dtype::F32,
        f32_bytes,
        Some("dense.bias"),
        None,
    )));
    assert!(
        matches!(
            k,
            WeightsErrorKind::MissingTensor {
                name: "dense.bias",
                ..
            }
        ),
        "{message}"
    );
    assert_eq!(
        message,
        "missing tensor `dense.bias`; the file has: conv2d.bias, conv2d.kernel, conv2d_1.bias, conv2d_1.kernel, dense.kernel"
    );

    let (k, message) = kind(FeaturesB::from_safetensors(&rewrite(
        Dtype::F32,
        f32_bytes,
        None,
        Some("dense_9.bias"),
    )));
    assert!(
        matches!(k, WeightsErrorKind::UnexpectedTensor { .. }),
        "{message}"
    );
    assert!(message.contains("dense_9.bias"), "{message}");

    let (k, message) = kind(FeaturesB::from_safetensors(&fixture_bytes_of("seed_mnist")));
    assert!(
        matches!(k, WeightsErrorKind::WrongShape { .. }),
        "{message}"
    );
    assert_eq!(
        message,
        "tensor `conv2d.kernel` has shape [3, 3, 1, 32], the model expects [3, 3, 2, 6]"
    );

    // Integers load, to the nearest f32 (Keras keeps some counts as int64).
    let i32_file = rewrite(
        Dtype::I32,
        |v| ((v * 100.0).round() as i32).to_le_bytes().to_vec(),
        None,
        None,
    );
    let from_i32 = FeaturesB::from_safetensors(&i32_file).expect("integers load");
    let f32_model = FeaturesB::from_safetensors(&fixture_bytes("weights.safetensors")).unwrap();
    for i in 0..FeaturesB::TENSORS.len() {
        let (ints, floats) = (from_i32.tensor(i).unwrap(), f32_model.tensor(i).unwrap());
        assert!(ints
            .iter()
            .zip(floats)
            .all(|(a, b)| *a == (b * 100.0).round()));
    }

    let bool_file = rewrite(Dtype::BOOL, |v| vec![u8::from(v > 0.0)], None, None);
    let (k, message) = kind(FeaturesB::from_safetensors(&bool_file));
    assert!(
        matches!(k, WeightsErrorKind::UnsupportedDtype { .. }),
        "{message}"
    );
    assert!(
        message.contains("BOOL") && message.contains("supported: f32, f16, bf16, f64 and integers"),
        "{message}"
    );

    let good = fixture_bytes("weights.safetensors");
    for cut in [0, 7, 8, 100, good.len() - 1] {
        let (k, message) = kind(FeaturesB::from_safetensors(&good[..cut]));
        assert!(
            matches!(k, WeightsErrorKind::Corrupt(_)),
            "cut at {cut}: {message}"
        );
    }
    let mut bad_header = good.clone();
    bad_header[8] = b'[';
    assert!(matches!(
        kind(FeaturesB::from_safetensors(&bad_header)).0,
        WeightsErrorKind::Corrupt(_)
    ));
    let mut huge = good.clone();
    huge[..8].copy_from_slice(&(200u64 << 20).to_le_bytes());
    let (k, message) = kind(FeaturesB::from_safetensors(&huge));
    assert!(
        matches!(k, WeightsErrorKind::HeaderTooLarge(_)),
        "{message}"
    );
}

fn fixture_bytes_of(name: &str) -> Vec<u8> {
    std::fs::read(fixture_dir(name).join("weights.safetensors")).unwrap()
}

#[test]
fn file_errors_name_the_file() {
    let error = FeaturesB::from_safetensors_file("no/such/weights.safetensors")
        .err()
        .unwrap();
    assert!(matches!(error.kind, WeightsErrorKind::Io(_)));
    assert!(
        error
            .to_string()
            .starts_with("no/such/weights.safetensors: cannot read the file"),
        "{error}"
    );
    let error = FeaturesB::from_npz_file(fixture_dir("seed_mnist").join("weights.npz"))
        .err()
        .unwrap();
    let message = error.to_string();
    assert!(
        message.contains("seed_mnist/weights.npz: tensor `conv2d") && message.contains("has shape"),
        "{message}"
    );
}

/// An npy file of f32 (or f64 when `wide`) values, C order, as numpy writes it.
fn npy(shape: &[usize], values: &[f32], wide: bool, fortran: bool) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(ToString::to_string).collect();
    let shape_text = if dims.len() == 1 {
        format!("({},)", dims[0])
    } else {
        format!("({})", dims.join(", "))
    };
    let descr = if wide { "<f8" } else { "<f4" };
    let fortran = if fortran { "True" } else { "False" };
    let mut header =
        format!("{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': {shape_text}, }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend((header.len() as u16).to_le_bytes());
    out.extend(header.as_bytes());
    for v in values {
        if wide {
            out.extend(f64::from(*v).to_le_bytes());
        } else {
            out.extend(v.to_le_bytes());
        }
    }
    out
}

/// An npy file of int64 values, C order.
fn npy_i64(shape: &[usize], values: &[i64]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(ToString::to_string).collect();
    let mut header = format!(
        "{{'descr': '<i8', 'fortran_order': False, 'shape': ({}), }}",
        dims.join(", ")
    );
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend((header.len() as u16).to_le_bytes());
    out.extend(header.as_bytes());
    out.extend(values.iter().flat_map(|v| v.to_le_bytes()));
    out
}

fn npz(members: &[(&str, Vec<u8>)], compressed: bool) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let method = if compressed {
        zip::CompressionMethod::Deflated
    } else {
        zip::CompressionMethod::Stored
    };
    let options = zip::write::SimpleFileOptions::default().compression_method(method);
    for (name, bytes) in members {
        writer.start_file(format!("{name}.npy"), options).unwrap();
        writer.write_all(bytes).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// The fixture's tensors as npy members (f64 when `wide`).
fn fixture_members(wide: bool) -> Vec<(String, Vec<u8>)> {
    let model = FeaturesB::from_safetensors(&fixture_bytes("weights.safetensors")).unwrap();
    FeaturesB::TENSORS
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            (
                spec.name.to_string(),
                npy(spec.shape, model.tensor(i).unwrap(), wide, false),
            )
        })
        .collect()
}

fn load_npz(
    members: &[(String, Vec<u8>)],
    compressed: bool,
) -> Result<Box<FeaturesB>, WeightsError> {
    let members: Vec<(&str, Vec<u8>)> = members
        .iter()
        .map(|(n, b)| (n.as_str(), b.clone()))
        .collect();
    FeaturesB::from_npz(std::io::Cursor::new(npz(&members, compressed)))
}

#[test]
fn npz_archives_stored_compressed_or_f64_load_and_bad_ones_are_rejected() {
    let reference = FeaturesB::from_safetensors(&fixture_bytes("weights.safetensors")).unwrap();
    for (wide, compressed) in [(false, false), (false, true), (true, false)] {
        let model = load_npz(&fixture_members(wide), compressed).unwrap();
        assert_eq!(tensor_bits(&*model), tensor_bits(&*reference));
    }
    let mut missing = fixture_members(false);
    missing.retain(|(n, _)| n != "conv2d_1.kernel");
    let (k, message) = kind(load_npz(&missing, false));
    assert!(
        matches!(
            k,
            WeightsErrorKind::MissingTensor {
                name: "conv2d_1.kernel",
                ..
            }
        ),
        "{message}"
    );

    let mut extra = fixture_members(false);
    extra.push(("head.kernel".to_string(), npy(&[1], &[0.0], false, false)));
    assert!(matches!(
        kind(load_npz(&extra, false)).0,
        WeightsErrorKind::UnexpectedTensor { .. }
    ));

    let mut reshaped = fixture_members(false);
    reshaped[0].1 = npy(&[3, 3, 6, 2], &[0.0; 108], false, false);
    let (k, message) = kind(load_npz(&reshaped, false));
    assert!(
        matches!(k, WeightsErrorKind::WrongShape { .. }),
        "{message}"
    );
    assert_eq!(
        message,
        "tensor `conv2d.kernel` has shape [3, 3, 6, 2], the model expects [3, 3, 2, 6]"
    );

    let mut fortran = fixture_members(false);
    fortran[0].1 = npy(&[3, 3, 2, 6], &[0.0; 108], false, true);
    assert!(kind(load_npz(&fortran, false)).1.contains("Fortran order"));

    // Integers load, to the nearest f32 (numpy's default int64 here).
    let mut integers = fixture_members(false);
    let counts: Vec<i64> = (0..108).map(|i| i - 54).collect();
    integers[0].1 = npy_i64(&[3, 3, 2, 6], &counts);
    let model = load_npz(&integers, false).expect("an int64 member loads");
    let expected: Vec<f32> = counts.iter().map(|&i| i as f32).collect();
    assert_eq!(model.tensor(0).unwrap(), &expected[..]);

    let mut truncated = fixture_members(false);
    truncated[2].1.truncate(100);
    assert!(matches!(
        kind(load_npz(&truncated, false)).0,
        WeightsErrorKind::Corrupt(_)
    ));

    assert!(matches!(
        kind(FeaturesB::from_npz(std::io::Cursor::new(
            b"PK\x03\x04 not a zip".to_vec()
        )))
        .0,
        WeightsErrorKind::Corrupt(_)
    ));
}

/// Tensors are matched to the model the same way in every format: an `.npz`
/// whose members carry Keras 3's `{model}.` prefix loads as such a
/// safetensors file does, and a prefix on only some members is refused.
#[test]
fn npz_members_with_the_keras_3_model_prefix_load() {
    let reference = FeaturesB::from_safetensors(&fixture_bytes("weights.safetensors")).unwrap();
    let prefixed: Vec<(String, Vec<u8>)> = fixture_members(false)
        .into_iter()
        .map(|(name, bytes)| (format!("features_b.{name}"), bytes))
        .collect();
    let model = load_npz(&prefixed, true).unwrap();
    assert_eq!(tensor_bits(&*model), tensor_bits(&*reference));

    let mut mixed = fixture_members(false);
    mixed[0].0 = format!("features_b.{}", mixed[0].0);
    let (k, message) = kind(load_npz(&mixed, false));
    assert!(
        matches!(k, WeightsErrorKind::UnexpectedTensor { ref name } if name == "features_b.conv2d.kernel"),
        "{message}"
    );
}

cnn_runtime::include_keras! { struct Resnet8; "fixtures/resnet8/config.json" }
cnn_runtime::include_keras! { struct BnDw; "fixtures/bn_dw/config.json" }

/// A graph model's Keras file (BatchNorm's four variables, separable and
/// depthwise kernels) loads, saves under Keras' names and reloads bit for bit;
/// the Keras 3 Sequential file whose names carry the model's prefix too.
#[test]
fn graph_weights_round_trip_under_keras_names() {
    fn round_trip<M: Model>(fixture: &str) {
        let file = std::fs::read(fixture_dir(fixture).join("weights.safetensors")).unwrap();
        let model = M::from_safetensors(&file).unwrap();
        let saved = model.to_safetensors();
        let again = M::from_safetensors(&saved).unwrap();
        assert_eq!(tensor_bits(&*model), tensor_bits(&*again), "{fixture}");
        assert_eq!(again.to_safetensors(), saved, "{fixture}");
        let keras = SafeTensors::deserialize(&file).unwrap();
        let ours = SafeTensors::deserialize(&saved).unwrap();
        for name in ours.names() {
            let stored = keras
                .tensor(name)
                .or_else(|_| keras.tensor(&format!("{fixture}.{name}")))
                .unwrap();
            assert_eq!(ours.tensor(name).unwrap().data(), stored.data(), "{name}");
        }
    }
    round_trip::<Resnet8>("resnet8");
    round_trip::<BnDw>("bn_dw");
    assert!(BnDw::TENSORS
        .iter()
        .any(|t| t.name == "separable_conv2d.depthwise_kernel"));
    assert!(Resnet8::TENSORS
        .iter()
        .any(|t| t.name == "batch_normalization_5.moving_variance"));
}

/// A path that is not a regular file, or a file far larger than the model's
/// weights, is refused before anything reads it (a FIFO would block, and
/// `/dev/zero` never ends).
#[test]
fn paths_that_are_not_weights_files_are_refused_before_reading() {
    let dir = std::env::temp_dir().join(format!("cnn-not-a-file-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let message = |path: &std::path::Path| {
        FeaturesB::from_safetensors_file(path)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    };
    assert!(
        message(&dir).contains("not a regular file (a directory)"),
        "{}",
        message(&dir)
    );
    let zero = std::path::Path::new("/dev/zero");
    if zero.exists() {
        assert!(
            message(zero).contains("not a regular file"),
            "{}",
            message(zero)
        );
        assert!(FeaturesB::from_npz_file(zero).is_err());
    }
    let fifo = dir.join("fifo");
    if std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success())
    {
        assert!(
            message(&fifo).contains("not a regular file"),
            "{}",
            message(&fifo)
        );
    }
    // A sparse 1 GiB file: refused from its size, never read.
    let big = dir.join("big.safetensors");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    assert!(
        message(&big).contains("more than a weights file of this model can have"),
        "{}",
        message(&big)
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// A file with many tensors but not the model's: the error names a few and
/// gives the count, whatever the count.
#[test]
fn missing_tensor_errors_list_a_few_names_and_the_count() {
    let names: Vec<String> = (0..5000).map(|i| format!("t{i}")).collect();
    let data = vec![0u8; 4];
    let views: Vec<(String, TensorView<'_>)> = names
        .iter()
        .map(|n| {
            (
                n.clone(),
                TensorView::new(Dtype::F32, vec![1], &data).unwrap(),
            )
        })
        .collect();
    let bytes = safetensors::serialize(views, None).unwrap();
    let error = FeaturesB::from_safetensors(&bytes)
        .err()
        .unwrap()
        .to_string();
    assert!(error.contains("the file has 5000 tensors: "), "{error}");
    assert!(error.len() < 300, "{error}");
}

/// Hostile npy headers inside an `.npz`: a member declaring a 1 GiB header
/// (in a file of a few bytes) and a shape whose size overflows are refused at
/// once with a short error, nothing large allocated, nothing panicking.
#[test]
fn hostile_npy_headers_are_refused_at_once() {
    let mut members = fixture_members(false);
    // Version 2 header length: 1 GiB, and nothing after it.
    let mut huge = b"\x93NUMPY\x02\x00".to_vec();
    huge.extend((1u32 << 30).to_le_bytes());
    huge.extend(b"{'descr'");
    members[0].1 = huge;
    let start = std::time::Instant::now();
    let error = load_npz(&members, true).err().unwrap();
    assert!(
        matches!(error.kind, WeightsErrorKind::HeaderTooLarge(_)),
        "{error}"
    );
    assert!(error.to_string().len() < 200, "{error}");
    assert!(start.elapsed().as_secs() < 5);

    let mut members = fixture_members(false);
    let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4611686018427387904), }\n";
    let mut overflow = b"\x93NUMPY\x01\x00".to_vec();
    overflow.extend((header.len() as u16).to_le_bytes());
    overflow.extend(header.as_bytes());
    members[0].1 = overflow;
    let error = load_npz(&members, false).err().unwrap();
    assert!(
        matches!(error.kind, WeightsErrorKind::WrongShape { .. }),
        "{error}"
    );

    let mut members = fixture_members(false);
    members[0].1 = b"not an array".to_vec();
    let error = load_npz(&members, false).err().unwrap();
    assert!(error.to_string().contains("not an npy array"), "{error}");
}

/// Broken files are described in words: which tensor runs past the end, and
/// a text file is called one.
#[test]
fn broken_safetensors_files_are_described_in_words() {
    let good = fixture_bytes("weights.safetensors");
    let message = |bytes: &[u8]| {
        FeaturesB::from_safetensors(bytes)
            .err()
            .unwrap()
            .to_string()
    };
    let cut = message(&good[..good.len() - 1]);
    assert!(
        cut.contains(&format!(
            "the file ends after {} bytes; tensor `",
            good.len() - 1
        )) && cut.contains(" needs bytes "),
        "{cut}"
    );
    let text = message(b"conv2d.kernel,0.1,0.2,0.3\nconv2d.bias,0.0\n");
    assert!(
        text.contains("this is not a safetensors file: it starts with text"),
        "{text}"
    );
    let short = message(&good[..5]);
    assert!(short.contains("the file has 5 bytes"), "{short}");
    let in_header = message(&good[..40]);
    assert!(in_header.contains("inside its header"), "{in_header}");
}
