//! With the `cuda` feature: builds lif-kernels (lif-core's steps as PTX kernels) for
//! nvptx64 and hands the PTX to the crate as `LIF_PTX`.
//!
//! Stable Rust with `RUSTC_BOOTSTRAP=1`: the `ptx-kernel` ABI, nvptx intrinsics and inline
//! PTX are unstable, and nvptx64 ships no prebuilt `core`, so `-Zbuild-std=core` builds it
//! from the `rust-src` component (rust-toolchain.toml lists it and `llvm-bitcode-linker`).
use std::env;
use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=kernels/src");
    println!("cargo:rerun-if-changed=kernels/Cargo.toml");
    println!("cargo:rerun-if-changed=../lif-core/src");
    println!("cargo:rerun-if-env-changed=LIF_PTX_ARCH");
    if env::var_os("CARGO_FEATURE_CUDA").is_none() {
        return;
    }
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR"));
    let target_dir = out.join("kernels-target");
    let arch = env::var("LIF_PTX_ARCH").unwrap_or_else(|_| "sm_80".into());
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(manifest.join("kernels"))
        .args([
            "build",
            "--release",
            "--target",
            "nvptx64-nvidia-cuda",
            "-Zbuild-std=core",
            "--target-dir",
        ])
        .arg(&target_dir)
        .env("RUSTC_BOOTSTRAP", "1")
        .env("RUSTFLAGS", format!("-C target-cpu={arch}"))
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .status()
        .expect("run cargo for the kernels");
    assert!(
        status.success(),
        "building the PTX kernels failed (needs rust-src and llvm-bitcode-linker: scripts/setup.sh)"
    );
    let ptx = target_dir.join("nvptx64-nvidia-cuda/release/lif_kernels.ptx");
    let dest = out.join("lif_kernels.ptx");
    std::fs::copy(&ptx, &dest).expect("copy the PTX");
    println!("cargo:rustc-env=LIF_PTX={}", dest.display());
}
