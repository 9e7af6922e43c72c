//! The loaders on mutated real files: any bytes give a model or an error, never
//! a panic. `PROPTEST_CASES=N` runs a longer fuzz.

use cnn_examples::fixture_dir;
use cnn_examples::models::FeaturesB;
use cnn_runtime::WeightFiles;
use proptest::prelude::*;

fn original(file: &str) -> Vec<u8> {
    std::fs::read(fixture_dir("features_b").join(file)).unwrap()
}

#[derive(Clone, Debug)]
enum Edit {
    Set(usize, u8),
    Remove(usize),
    Insert(usize, u8),
    Truncate(usize),
}

/// Small edits, biased towards the header where the structure is.
fn edits() -> impl Strategy<Value = Vec<Edit>> {
    let at = prop_oneof![3 => 0usize..400, 1 => 0usize..6000];
    let edit = prop_oneof![
        (at.clone(), any::<u8>()).prop_map(|(i, b)| Edit::Set(i, b)),
        at.clone().prop_map(Edit::Remove),
        (at.clone(), any::<u8>()).prop_map(|(i, b)| Edit::Insert(i, b)),
        at.prop_map(Edit::Truncate),
    ];
    prop::collection::vec(edit, 1..5)
}

fn apply(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for edit in edits {
        match *edit {
            Edit::Set(i, b) if i < bytes.len() => bytes[i] = b,
            Edit::Remove(i) if i < bytes.len() => {
                bytes.remove(i);
            }
            Edit::Insert(i, b) => bytes.insert(i.min(bytes.len()), b),
            Edit::Truncate(n) => bytes.truncate(n),
            _ => {}
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(5_000))]

    #[test]
    fn mutated_safetensors_never_panic(edits in edits()) {
        let bytes = apply(original("weights.safetensors"), &edits);
        if let Ok(model) = FeaturesB::from_safetensors(&bytes) {
            // Whatever loaded is a whole model that saves and reloads.
            let again = FeaturesB::from_safetensors(&model.to_safetensors()).unwrap();
            prop_assert_eq!(again.to_safetensors(), model.to_safetensors());
        }
    }

    #[test]
    fn mutated_npz_never_panic(edits in edits()) {
        let bytes = apply(original("weights.npz"), &edits);
        let _ = FeaturesB::from_npz(std::io::Cursor::new(bytes));
    }
}
