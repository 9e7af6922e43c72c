//! Names: Keras' snake_case rule, and "did you mean" suggestions.

/// Keras' `to_snake_case`: `MaxPooling2D` → `max_pooling2d`, `ReLU` → `re_lu`,
/// `SeedMnist` → `seed_mnist`. Used for automatic layer names and the model name.
pub fn to_snake_case(name: &str) -> String {
    let chars: Vec<char> = name
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    // Keras applies two regex passes: `(.)([A-Z][a-z]+)` → `\1_\2`, then
    // `([a-z])([A-Z])` → `\1_\2`. Both insert an underscore before an upper-case
    // letter, so they are computed on the original characters and applied together.
    let mut out = String::with_capacity(chars.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if i > 0 && c.is_ascii_uppercase() {
            let prev = chars[i - 1];
            let next_is_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if next_is_lower || prev.is_ascii_lowercase() {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// Edit distance between two strings, ignoring ASCII case.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().map(|c| c.to_ascii_lowercase()).collect();
    let b: Vec<char> = b.chars().map(|c| c.to_ascii_lowercase()).collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if ca == cb {
                diagonal
            } else {
                1 + diagonal.min(above).min(row[j])
            };
            diagonal = above;
        }
    }
    row[b.len()]
}

/// A Rust type name for a model name: its alphanumeric parts in
/// UpperCamelCase (`seed_mnist` → `SeedMnist`), prefixed with `Model` when it
/// would not start with a letter, `Model` when empty.
pub fn type_name(name: &str) -> String {
    let camel: String = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect();
    match camel.chars().next() {
        Some(c) if c.is_ascii_alphabetic() => camel,
        Some(_) => format!("Model{camel}"),
        None => "Model".to_string(),
    }
}

/// The candidate closest to `word`, if it is close enough to be a likely typo.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (distance(word, c), c))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_matches_keras_automatic_names() {
        for (class, name) in [
            ("Conv2D", "conv2d"),
            ("MaxPooling2D", "max_pooling2d"),
            ("AveragePooling2D", "average_pooling2d"),
            ("GlobalMaxPooling2D", "global_max_pooling2d"),
            ("GlobalAveragePooling2D", "global_average_pooling2d"),
            ("ReLU", "re_lu"),
            ("LeakyReLU", "leaky_re_lu"),
            ("Softmax", "softmax"),
            ("Activation", "activation"),
            ("SeedMnist", "seed_mnist"),
            ("PoolS1", "pool_s1"),
            ("FeaturesA", "features_a"),
            ("MixedSame", "mixed_same"),
            ("Model", "model"),
        ] {
            assert_eq!(to_snake_case(class), name, "{class}");
        }
    }

    #[test]
    fn suggestions_find_typos_and_case_slips() {
        let names = ["Conv2D", "Dense", "MaxPool", "Flatten"];
        assert_eq!(closest("Conv2d", names), Some("Conv2D"));
        assert_eq!(closest("Dens", names), Some("Dense"));
        assert_eq!(closest("flaten", names), Some("Flatten"));
        assert_eq!(closest("Transformer", names), None);
    }
}
