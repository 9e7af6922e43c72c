#!/usr/bin/env bash
# What a model costs at compile time (BENCHMARKS.md): the release rebuild of
# the seed example after touching its model, the same for a generated
# 20-layer model in a throwaway crate, and the time the compiler library (what
# the proc macro runs) takes to parse, check and generate each model, via cnnc.
#
#   bash scripts/compile-cost.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
work="$root/target/compile-cost"
mkdir -p "$work/deep20/src"

seconds() { # command... -> wall seconds, 2 decimals
    local start end
    start=$(date +%s.%N)
    "$@" >/dev/null 2>&1
    end=$(date +%s.%N)
    awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", e - s }'
}

# 20 layers: 8 convolutions with pooling, then Dense layers.
cat > "$work/deep20/model.cnn" <<'MODEL'
pub struct Deep20;
input(64, 64, 3);
Conv2D(16, 3x3, relu, padding = same)  Conv2D(16, 3x3, relu, padding = same)  MaxPool(2)
Conv2D(32, 3x3, relu, padding = same)  Conv2D(32, 3x3, relu, padding = same)  MaxPool(2)
Conv2D(64, 3x3, relu, padding = same)  Conv2D(64, 3x3, relu, padding = same)  MaxPool(2)
Conv2D(64, 3x3, relu, padding = same)  Conv2D(64, 3x3, relu, padding = same)  MaxPool(2)
Conv2D(128, 3x3, relu, padding = same) Conv2D(128, 3x3, relu, padding = same)
Flatten  Dense(256, relu)  Dropout(0.5)  Dense(128, relu)  Dense(64, relu)  Dense(10, softmax)
MODEL
cat > "$work/deep20/Cargo.toml" <<TOML
[package]
name = "deep20"
edition = "2021"
publish = false

[dependencies]
cnn-runtime = { path = "$root/cnn-runtime" }

[workspace]
TOML
{
    echo "cnn_runtime::cnn! {"
    cat "$work/deep20/model.cnn"
    echo "}"
    echo
    echo "fn main() {"
    echo "    let model = Deep20::zeroed();"
    echo "    let image = Box::new([[[0.5f32; 3]; 64]; 64]);"
    echo "    println!(\"{:?}\", model.forward(&image));"
    echo "}"
} > "$work/deep20/src/main.rs"

# MobileNetV1 (visual wake words, 85 layers) from the Keras fixture's JSON.
mkdir -p "$work/mobilenet/src"
cat > "$work/mobilenet/Cargo.toml" <<TOML
[package]
name = "mobilenet"
edition = "2021"
publish = false

[dependencies]
cnn-runtime = { path = "$root/cnn-runtime" }

[workspace]
TOML
cat > "$work/mobilenet/src/main.rs" <<RUST
cnn_runtime::include_keras! { struct Mobilenet; "$root/fixtures/mobilenet_v1_vww/config.json" }

fn main() {
    let model = Mobilenet::zeroed();
    let image = Box::new([[[0.5f32; 3]; 96]; 96]);
    println!("{:?}", model.forward(&image));
}
RUST

# Warm builds: dependencies compiled, only the touched crate is measured.
cargo build --quiet --release --example mnist
cargo build --quiet --release -p cnnc
(cd "$work/deep20" && CARGO_TARGET_DIR="$work/target" cargo build --quiet --release)
(cd "$work/mobilenet" && CARGO_TARGET_DIR="$work/target" cargo build --quiet --release)

touch examples/mnist.rs
seed=$(seconds cargo build --release --example mnist)
touch "$work/deep20/src/main.rs"
deep=$(seconds env -C "$work/deep20" CARGO_TARGET_DIR="$work/target" cargo build --release)
touch "$work/mobilenet/src/main.rs"
mobilenet=$(seconds env -C "$work/mobilenet" CARGO_TARGET_DIR="$work/target" cargo build --release)

expand() { # model file -> mean ms of 20 cnnc runs (parse, check, generate, pretty-print)
    local start end
    start=$(date +%s.%N)
    for _ in $(seq 20); do "$root/target/release/cnnc" "$1" -o /dev/null; done
    end=$(date +%s.%N)
    awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", (e - s) * 1000 / 20 }'
}
seed_expand=$(expand fixtures/seed_mnist/model.cnn)
deep_expand=$(expand "$work/deep20/model.cnn")

echo "== compile cost (release, warm dependencies) =="
echo "seed example rebuild after touching the model:  $seed s   (target < 5 s)"
echo "20-layer model rebuild after touching it:        $deep s   (target < 20 s)"
echo "MobileNetV1-VWW (85 layers) rebuild, same:       $mobilenet s   (target < 30 s)"
echo "cnnc parse + check + generate, seed model:       $seed_expand ms"
echo "cnnc parse + check + generate, 20-layer model:   $deep_expand ms"
