//! `cnn_arm_dsp` on targets whose every CPU has Arm's DSP extension
//! (ARMv7E-M: `thumbv7em-*`, Cortex-M4 and M7): the int8 kernels then use its
//! dual 16-bit multiply-accumulate (`SMLAD`). Stable Rust cannot ask
//! `cfg(target_feature = "dsp")`, so the target's name decides.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(cnn_arm_dsp)");
    println!("cargo::rerun-if-env-changed=TARGET");
    let target = std::env::var("TARGET").unwrap_or_default();
    if target.starts_with("thumbv7em") {
        println!("cargo::rustc-cfg=cnn_arm_dsp");
    }
}
