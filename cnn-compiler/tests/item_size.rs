//! The generated code keeps every item small, whatever the depth of the model:
//! rustc's incremental dependency graph grows with the square of the anonymous
//! constants (each `3` in `Conv2DParams<3, 3, 8, 8>`, each array length) in
//! one item. Before layers had their own methods and field types their own
//! aliases, `cargo check` of a 1,000-layer model left 1.2 GB of incremental
//! cache; `scripts/incremental-cache.sh` measures it (60 MB now).

use syn::visit::Visit;

/// Counts anonymous constants per item: each function, constant, type alias
/// or struct, which rustc tracks as one owner.
#[derive(Default)]
struct AnonConsts {
    stack: Vec<(String, usize)>,
    largest: Vec<(String, usize)>,
}

impl AnonConsts {
    fn within(&mut self, name: String, walk: impl FnOnce(&mut Self)) {
        self.stack.push((name, 0));
        walk(self);
        let done = self.stack.pop().expect("pushed above");
        self.largest.push(done);
    }

    fn count(&mut self) {
        if let Some(top) = self.stack.last_mut() {
            top.1 += 1;
        }
    }
}

impl<'ast> Visit<'ast> for AnonConsts {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let name = match item {
            syn::Item::Fn(f) => f.sig.ident.to_string(),
            syn::Item::Struct(s) => s.ident.to_string(),
            syn::Item::Const(c) => c.ident.to_string(),
            syn::Item::Type(t) => t.ident.to_string(),
            // Modules and impl blocks only list their items, each an owner
            // of its own.
            syn::Item::Mod(_) | syn::Item::Impl(_) => return syn::visit::visit_item(self, item),
            other => format!("{:?}", std::mem::discriminant(other)),
        };
        self.within(name, |v| syn::visit::visit_item(v, item));
    }

    fn visit_impl_item(&mut self, item: &'ast syn::ImplItem) {
        let name = match item {
            syn::ImplItem::Fn(f) => f.sig.ident.to_string(),
            syn::ImplItem::Const(c) => c.ident.to_string(),
            syn::ImplItem::Type(t) => t.ident.to_string(),
            _ => "impl item".to_string(),
        };
        self.within(name, |v| syn::visit::visit_impl_item(v, item));
    }

    fn visit_generic_argument(&mut self, arg: &'ast syn::GenericArgument) {
        if let syn::GenericArgument::Const(_) = arg {
            self.count();
        }
        syn::visit::visit_generic_argument(self, arg);
    }

    fn visit_type_array(&mut self, array: &'ast syn::TypeArray) {
        self.count();
        syn::visit::visit_type_array(self, array);
    }
}

/// The largest count of anonymous constants in one item of the code
/// generated for `layers` convolutions, and that item's name.
fn largest_item(layers: usize) -> (String, usize) {
    let mut source = String::from("pub struct Deep; input(8, 8, 8);");
    for _ in 0..layers {
        source.push_str(" Conv2D(8, 3x3, relu, padding = same) BatchNormalization");
    }
    source.push_str(" Flatten Dense(10, softmax)");
    let tokens = cnn_compiler::expand(source.parse().expect("tokens"));
    let file: syn::File = syn::parse2(tokens).expect("the generated code parses");
    let mut counter = AnonConsts::default();
    counter.visit_file(&file);
    counter
        .largest
        .into_iter()
        .max_by_key(|(_, n)| *n)
        .expect("items")
}

#[test]
fn no_item_grows_with_the_number_of_layers() {
    let (_, small) = largest_item(10);
    let (name, large) = largest_item(400);
    assert_eq!(
        small, large,
        "`{name}` holds {large} anonymous constants for 400 layers, {small} for 10"
    );
    assert!(large <= 64, "`{name}` holds {large} anonymous constants");
}
