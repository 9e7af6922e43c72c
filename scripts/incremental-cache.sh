#!/usr/bin/env bash
# What `cargo check` (incremental, as rust-analyzer runs it) costs on deep
# models: for each depth, a throwaway crate with that many convolutions is
# checked from an empty incremental cache; prints the time and the cache size.
#
#   bash scripts/incremental-cache.sh [LAYERS...]     (default: 100 300 1000)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$root/target/incremental-cache"
depths=("$@")
[ ${#depths[@]} -gt 0 ] || depths=(100 300 1000)
for n in "${depths[@]}"; do
    dir="$work/deep$n"
    mkdir -p "$dir/src"
    cat > "$dir/Cargo.toml" <<TOML
[package]
name = "deep$n"
edition = "2021"
publish = false

[dependencies]
cnn-runtime = { path = "$root/cnn-runtime" }

[workspace]
TOML
    {
        echo "cnn_runtime::cnn! {"
        echo "    pub struct Deep;"
        echo "    input(8, 8, 8);"
        for _ in $(seq "$n"); do echo "    Conv2D(8, 3x3, padding = same)"; done
        echo "    Flatten Dense(10)"
        echo "}"
        echo
        echo "fn main() {"
        echo "    let model = Deep::zeroed();"
        echo "    println!(\"{:?}\", model.forward(&[[[0.5f32; 8]; 8]; 8]));"
        echo "}"
    } > "$dir/src/main.rs"
    export CARGO_TARGET_DIR="$work/target"
    (cd "$dir" && cargo check --quiet) # dependencies
    rm -rf "$CARGO_TARGET_DIR"/debug/incremental/deep"$n"-*
    touch "$dir/src/main.rs"
    start=$(date +%s.%N)
    (cd "$dir" && cargo check --quiet)
    end=$(date +%s.%N)
    size=$(du -sm "$CARGO_TARGET_DIR"/debug/incremental/deep"$n"-* | awk '{s += $1} END {print s}')
    printf '%5d layers: cargo check %5.1f s, incremental cache %5d MB\n' "$n" \
        "$(awk -v s="$start" -v e="$end" 'BEGIN { print e - s }')" "$size"
done
