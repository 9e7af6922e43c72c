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

/// Text from a model file (a name, a path) as it may be shown anywhere: in a
/// terminal, an SVG, a doc comment. Control characters (which can move a
/// terminal's cursor, end a line of a table or make XML ill-formed) and the
/// invisible bidirectional overrides (which reorder what a reader sees) become
/// `\u{..}` escapes; everything else, Keras' names included, is unchanged.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    escape_hidden(text, hidden)
}

/// [`printable`] for text of several lines (a message quoting the line of
/// Keras code it is about): its line breaks are kept.
pub fn printable_lines(text: &str) -> std::borrow::Cow<'_, str> {
    escape_hidden(text, |c| c != '\n' && hidden(c))
}

fn escape_hidden(text: &str, hidden: impl Fn(char) -> bool) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(&hidden) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if hidden(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A character [`printable`] escapes.
fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` as a Markdown code block that nothing inside can close: fenced with
/// more backticks than the longest run of them in `text`, so a name holding
/// ```` ``` ```` and HTML after it stays text in `cargo doc`'s page.
pub fn markdown_block(info: &str, text: &str) -> String {
    let fence = "`".repeat(longest_backtick_run(text).max(2) + 1);
    let text = printable_lines(text);
    let newline = if text.ends_with('\n') { "" } else { "\n" };
    format!("{fence}{info}\n{text}{newline}{fence}")
}

/// `text` as a Markdown code span that nothing inside can end.
pub fn markdown_code(text: &str) -> String {
    let ticks = "`".repeat(longest_backtick_run(text) + 1);
    let text = printable(text);
    // A span's content starting or ending with a backtick needs a space.
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{text}{pad}{ticks}")
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
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
/// would not start with a letter, `Model` when empty. Of Rust's keywords only
/// `Self` is UpperCamelCase: a model named `self` is `SelfModel`.
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
        _ if camel == "Self" => "SelfModel".to_string(),
        Some(c) if c.is_ascii_alphabetic() => camel,
        Some(_) => format!("Model{camel}"),
        None => "Model".to_string(),
    }
}

/// A struct field for a layer name: its letters, digits and underscores,
/// lowercase (`conv2d_1`), `_` first if it would start with a digit; a Rust
/// keyword is a raw identifier (`r#box`), or gets a `_` where it cannot be
/// one (`self_`).
pub fn field_ident(name: &str) -> proc_macro2::Ident {
    let span = proc_macro2::Span::call_site();
    let mut field: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if field.is_empty() || field.starts_with(|c: char| c.is_ascii_digit()) {
        field.insert(0, '_');
    }
    if field == "_" {
        return proc_macro2::Ident::new("_output", span);
    }
    if syn::parse_str::<proc_macro2::Ident>(&field).is_ok() {
        return proc_macro2::Ident::new(&field, span);
    }
    match field.as_str() {
        "self" | "super" | "crate" => proc_macro2::Ident::new(&format!("{field}_"), span),
        _ => proc_macro2::Ident::new_raw(&field, span),
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
    fn type_names_are_identifiers_that_cannot_clash() {
        for (model, ty) in [
            ("seed_mnist", "SeedMnist"),
            ("self", "SelfModel"),
            ("Self", "SelfModel"),
            ("_self_", "SelfModel"),
            ("fn", "Fn"),
            ("crate", "Crate"),
            ("3x3", "Model3x3"),
            ("", "Model"),
            ("\u{1b}[31m", "Model31m"),
            ("névé", "NV"),
        ] {
            let name = type_name(model);
            assert_eq!(name, ty, "{model:?}");
            assert!(syn::parse_str::<syn::Ident>(&name).is_ok(), "{name}");
        }
    }

    #[test]
    fn names_are_printed_without_control_characters_or_reordering() {
        assert!(matches!(
            printable("conv2d_1"),
            std::borrow::Cow::Borrowed("conv2d_1")
        ));
        assert_eq!(printable("a\u{1b}[2Jb\nc\0"), "a\\u{1b}[2Jb\\u{a}c\\u{0}");
        assert_eq!(printable("x\u{202e}y\u{85}"), "x\\u{202e}y\\u{85}");
        assert_eq!(printable("névé ✓"), "névé ✓");
        assert_eq!(printable_lines("a\u{1b}\nb\r"), "a\\u{1b}\nb\\u{d}");
    }

    #[test]
    fn markdown_cannot_be_closed_from_inside() {
        assert_eq!(markdown_block("text", "a\n"), "```text\na\n```");
        assert_eq!(
            markdown_block("text", "x ``` <img src=x onerror=alert(1)>\n"),
            "````text\nx ``` <img src=x onerror=alert(1)>\n````"
        );
        assert_eq!(markdown_code("w.safetensors"), "`w.safetensors`");
        assert_eq!(markdown_code("a`b"), "``a`b``");
        assert_eq!(markdown_code("`x"), "`` `x ``");
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
