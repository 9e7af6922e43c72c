//! The graph fixtures (BatchNorm, depthwise and separable convolutions,
//! residual `Add`, `Concatenate`, ResNet-8, DS-CNN, MobileNetV1) through the
//! Keras JSON front-end: Keras' `model.summary()` byte for byte, and every
//! layer's name, class, inputs, output shape, parameters and weight tensors
//! as Keras' manifest lists them.

mod common;

use common::{assert_shapes_and_params, usizes};
use serde_json::Value;
use std::path::{Path, PathBuf};

const GRAPH_FIXTURES: [&str; 6] = [
    "bn_dw",
    "flat_input",
    "inception",
    "resnet8",
    "dscnn",
    "mobilenet_v1_vww",
];

fn dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures")
        .join(name)
}

fn read(name: &str, file: &str) -> String {
    std::fs::read_to_string(dir(name).join(file)).unwrap()
}

fn plan_from_json(name: &str) -> cnn_compiler::plan::Plan {
    let model = cnn_compiler::front::keras_json::parse(&read(name, "config.json"))
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    cnn_compiler::compile_keras(model).unwrap_or_else(|d| panic!("{name}: {d}"))
}

#[test]
fn json_configs_give_keras_summaries() {
    for name in GRAPH_FIXTURES {
        let plan = plan_from_json(name);
        let expected = read(name, "summary.txt");
        assert_eq!(cnn_compiler::summary::render(&plan), expected, "{name}");
    }
}

#[test]
fn layers_params_and_tensors_equal_the_manifest() {
    for name in GRAPH_FIXTURES {
        let plan = plan_from_json(name);
        let manifest: Value = serde_json::from_str(&read(name, "manifest.json")).unwrap();
        assert_shapes_and_params(&plan, &manifest, name);
        assert_eq!(
            plan.non_trainable_params(),
            manifest["non_trainable_params"].as_u64().unwrap(),
            "{name}"
        );
        let layers: Vec<&Value> = manifest["layers"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["class"] != "InputLayer")
            .collect();
        assert_eq!(plan.layers.len(), layers.len(), "{name}");
        // Keras 3 prefixes a Sequential model's variables with its name.
        let prefix = format!("{}.", manifest["keras_model_name"].as_str().unwrap());
        for (ours, keras) in plan.layers.iter().zip(layers) {
            let what = format!("{name} {}", ours.name);
            assert_eq!(ours.name, keras["name"].as_str().unwrap(), "{what}");
            assert_eq!(
                ours.class.keras_name(),
                keras["class"].as_str().unwrap(),
                "{what}"
            );
            assert_eq!(ours.output.dims(), usizes(&keras["output_shape"]), "{what}");
            assert_eq!(ours.params, keras["params"].as_u64().unwrap(), "{what}");
            let inbound: Vec<&str> = ours
                .inputs
                .iter()
                .map(|o| plan.tensor_name(o.tensor))
                .collect();
            let keras_inbound: Vec<&str> = keras["inbound"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            assert_eq!(inbound, keras_inbound, "{what}");
            let mut tensors: Vec<(String, Vec<usize>)> = keras["tensors"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.strip_prefix(&prefix).unwrap_or(k).to_string(), usizes(v)))
                .collect();
            tensors.sort();
            let mut ours = ours.tensors();
            ours.sort();
            assert_eq!(ours, tensors, "{what}");
        }
    }
}

fn plan_from_dsl(name: &str) -> cnn_compiler::plan::Plan {
    let source = read(name, "model.cnn");
    cnn_compiler::compile(source.parse().unwrap()).unwrap_or_else(|d| panic!("{name}: {d}"))
}

fn plan_from_python(name: &str) -> cnn_compiler::plan::Plan {
    let keras = cnn_compiler::front::keras_py::parse(&read(name, "keras_source.py"))
        .unwrap_or_else(|e| panic!("{name}: {e:?}"));
    cnn_compiler::compile_keras(keras.model).unwrap_or_else(|d| panic!("{name}: {d}"))
}

/// Two plans are the same model: layers in the same order, reading the same
/// tensors, with the same shapes and parameters (names aside).
fn assert_same_graph(
    name: &str,
    ours: &cnn_compiler::plan::Plan,
    keras: &cnn_compiler::plan::Plan,
) {
    assert_eq!(ours.input, keras.input, "{name}");
    assert_eq!(ours.outputs, keras.outputs, "{name}");
    assert_eq!(ours.params(), keras.params(), "{name}");
    assert_eq!(
        ours.non_trainable_params(),
        keras.non_trainable_params(),
        "{name}"
    );
    assert_eq!(ours.layers.len(), keras.layers.len(), "{name}");
    for (a, b) in ours.layers.iter().zip(&keras.layers) {
        let what = format!("{name}: {} / {}", a.name, b.name);
        assert_eq!(a.class, b.class, "{what}");
        assert_eq!(a.op, b.op, "{what}");
        assert_eq!(a.inputs, b.inputs, "{what}");
        assert_eq!(a.output, b.output, "{what}");
        assert_eq!((a.params, a.macs), (b.params, b.macs), "{what}");
    }
}

/// The Keras Python that built each graph fixture (`keras_source.py`,
/// functional API included) goes through the Python front-end to the model
/// Keras' JSON describes, and gives Keras' summary where the names agree.
#[test]
fn python_sources_are_the_keras_graphs() {
    for name in GRAPH_FIXTURES {
        assert_same_graph(name, &plan_from_python(name), &plan_from_json(name));
    }
    for name in ["bn_dw", "inception"] {
        let summary = cnn_compiler::summary::render(&plan_from_python(name));
        assert_eq!(summary, read(name, "summary.txt"), "{name}");
    }
}

/// The `cnn!` form of each graph fixture (`model.cnn`, written for this
/// repository) is the model Keras' JSON describes: the same layers in the
/// same order, reading the same tensors, with the same shapes and
/// parameters. (Keras numbered the fixtures' layer names per session; the
/// DSL's are the names a fresh session gives.)
#[test]
fn dsl_models_are_the_keras_graphs() {
    for name in GRAPH_FIXTURES {
        assert_same_graph(name, &plan_from_dsl(name), &plan_from_json(name));
    }
    // Where the DSL names layers as Keras did, the summaries are Keras' too.
    for name in ["bn_dw", "inception"] {
        let summary = cnn_compiler::summary::render(&plan_from_dsl(name));
        assert_eq!(summary, read(name, "summary.txt"), "{name}");
    }
}

/// The memory plan never lets a layer write over a tensor that is still to
/// be read (other than the input an element-wise layer overwrites in place),
/// and every region fits in the arena.
#[test]
fn memory_plans_never_overwrite_live_tensors() {
    use cnn_compiler::memory::{plan_memory, Location};
    use cnn_compiler::plan::{Op, OpMemory};
    for name in GRAPH_FIXTURES {
        for plan in [plan_from_json(name), plan_from_dsl(name)] {
            let memory = plan_memory(&plan);
            let n = plan.layers.len();
            let mut last_read = vec![0usize; n + 1];
            for (i, layer) in plan.layers.iter().enumerate() {
                for o in &layer.inputs {
                    last_read[o.tensor] = last_read[o.tensor].max(i);
                }
            }
            for &t in &plan.outputs {
                last_read[t] = usize::MAX;
            }
            // A view (a flatten, or a padding the convolution after it takes
            // over) is read where its readers read it.
            let folded: Vec<bool> = cnn_compiler::fuse::folded_paddings(&plan)
                .iter()
                .map(Option::is_some)
                .collect();
            let view = |i: usize| folded[i] || plan.layers[i].op.memory() == OpMemory::Alias;
            for (i, layer) in plan.layers.iter().enumerate().rev() {
                if view(i) {
                    let source = layer.inputs[0].tensor;
                    last_read[source] = last_read[source].max(last_read[i + 1]);
                }
            }
            // A folded padding's output is its input, unpadded.
            let len = |t: usize| match t.checked_sub(1) {
                Some(p) if folded[p] => plan.layers[p].input.len(),
                _ => plan.tensor_shape(t).len(),
            };
            let region = |t: usize| match memory.tensors[t] {
                Location::Arena(at) => Some(at..at + len(t)),
                Location::Input => None,
            };
            for (i, layer) in plan.layers.iter().enumerate() {
                let out = i + 1;
                let Some(written) = region(out) else { continue };
                assert!(written.end <= memory.arena, "{name}: {}", layer.name);
                if view(i) {
                    continue;
                }
                // An element-wise layer over its input, or a sum over the
                // operand no later layer reads.
                let in_place = match layer.op {
                    Op::Add => layer.inputs.iter().any(|o| {
                        memory.tensors[o.tensor] == memory.tensors[out] && last_read[o.tensor] == i
                    }),
                    _ => {
                        layer.op.memory() == OpMemory::Elementwise
                            && memory.tensors[layer.inputs[0].tensor] == memory.tensors[out]
                    }
                };
                // Tensors produced before this layer and read by it or later.
                for (t, &last) in last_read.iter().enumerate().take(out) {
                    if last < i || memory.tensors[t] == memory.tensors[out] && in_place {
                        continue;
                    }
                    if let Some(live) = region(t) {
                        let overlap = live.start < written.end && written.start < live.end;
                        assert!(
                            !overlap,
                            "{name}: `{}` writes over tensor {t} ({}), still to be read",
                            layer.name,
                            plan.tensor_name(t)
                        );
                    }
                }
            }
        }
    }
}

/// `tools/export_keras.py` prints each graph fixture's `model.to_json()` as
/// `cnn!` (Keras' layer names kept) that compiles to Keras' own summary.
/// Needs python3 (`.ci/run` has it); skipped without it outside CI.
#[test]
fn exported_graph_specs_give_keras_summaries() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/export_keras.py");
    for name in GRAPH_FIXTURES {
        let out = std::process::Command::new("python3")
            .arg(&script)
            .arg(dir(name).join("config.json"))
            .output();
        let Ok(out) = out else {
            assert!(std::env::var_os("CI").is_none(), "CI must provide python3");
            return;
        };
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let spec = String::from_utf8(out.stdout).unwrap();
        let plan = cnn_compiler::compile(spec.parse().unwrap())
            .unwrap_or_else(|d| panic!("{name}: {d}\n{spec}"));
        let summary = cnn_compiler::summary::render(&plan);
        assert_eq!(summary, read(name, "summary.txt"), "{name}\n{spec}");
    }
}

/// Held-out networks from `keras.applications` (MobileNet, MobileNetV2,
/// ResNet50, DenseNet121, InceptionV3, Xception), built by real Keras
/// (`tools/make_application_fixtures.py`): their JSON compiles to the model
/// whose summary Keras printed.
#[test]
fn keras_applications_give_keras_summaries() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/applications");
    let mut names: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "convnext_tiny",
            "densenet121",
            "efficientnet_b0",
            "efficientnet_v2_b0",
            "inception_resnet_v2",
            "inception_v3",
            "mobilenet",
            "mobilenet_v2",
            "mobilenet_v3_large",
            "mobilenet_v3_small",
            "nasnet_mobile",
            "resnet50",
            "xception"
        ]
    );
    for name in names {
        let json = std::fs::read_to_string(root.join(&name).join("config.json")).unwrap();
        let model =
            cnn_compiler::front::keras_json::parse(&json).unwrap_or_else(|e| panic!("{name}: {e}"));
        let plan = cnn_compiler::compile_keras(model).unwrap_or_else(|d| panic!("{name}: {d}"));
        let expected = std::fs::read_to_string(root.join(&name).join("summary.txt")).unwrap();
        assert_eq!(cnn_compiler::summary::render(&plan), expected, "{name}");
    }
}

/// The layer graph as SVG (`cnnc --plot`): a well-formed document with one
/// box per layer and the input, and one arrow per connection, for every
/// graph fixture and for keras.applications' DenseNet121.
#[test]
fn layer_graphs_have_a_box_per_layer_and_an_arrow_per_input() {
    let mut plans: Vec<(String, cnn_compiler::plan::Plan)> = GRAPH_FIXTURES
        .iter()
        .map(|name| (name.to_string(), plan_from_json(name)))
        .collect();
    let densenet = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/applications/densenet121/config.json");
    let model = cnn_compiler::front::keras_json::parse(&std::fs::read_to_string(densenet).unwrap())
        .unwrap();
    plans.push((
        "densenet121".into(),
        cnn_compiler::compile_keras(model).unwrap(),
    ));
    for (name, plan) in plans {
        let svg = cnn_compiler::plot::svg(&plan);
        let document = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{name}: {e}"));
        let class = |c: &str| {
            document
                .descendants()
                .filter(|n| n.attribute("class") == Some(c))
                .count()
        };
        let connections: usize = plan.layers.iter().map(|l| l.inputs.len()).sum();
        assert_eq!(class("layer"), plan.layers.len() + 1, "{name}");
        assert_eq!(class("edge"), connections, "{name}");
        for layer in &plan.layers {
            assert!(
                svg.contains(&format!(">{} ({})<", layer.name, layer.class.keras_name())),
                "{name}"
            );
        }
    }
}
