//! The embedded PTX is sound without a GPU: ptxas (CUDA 12.9, from the
//! `nvidia-cuda-nvcc-cu12` wheel that scripts/setup.sh installs) assembles every kernel for
//! sm_80 and sm_90 with no register spills, and no kernel contains a fused multiply-add,
//! since the CPU code never fuses (f32 results must match the CPU bit for bit).
#![cfg(feature = "cuda")]

use std::path::{Path, PathBuf};
use std::process::Command;

fn ptxas() -> PathBuf {
    if let Some(p) = std::env::var_os("LIF_PTXAS") {
        return PathBuf::from(p);
    }
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/tools/cuda-nvcc/bin/ptxas");
    assert!(
        p.exists(),
        "ptxas not found at {}: run scripts/setup.sh (or set LIF_PTXAS)",
        p.display()
    );
    p
}

#[test]
fn every_kernel_is_present() {
    for model in ["leaky", "lapicque", "synaptic", "lif", "extended"] {
        for scalar in ["f32", "i16f16"] {
            for shape in ["run", "run_gen", "net_step"] {
                let entry = format!(".visible .entry {model}_{scalar}_{shape}(");
                assert!(
                    lif_host_cuda::PTX.contains(&entry),
                    "missing kernel {model}_{scalar}_{shape}"
                );
            }
        }
    }
    for scalar in ["f32", "i16f16"] {
        let entry = format!(".visible .entry net_deliver_{scalar}(");
        assert!(
            lif_host_cuda::PTX.contains(&entry),
            "missing net_deliver_{scalar}"
        );
    }
}

#[test]
fn no_fused_multiply_add() {
    let fused: Vec<&str> = lif_host_cuda::PTX
        .lines()
        .filter(|l| l.trim_start().starts_with("fma."))
        .collect();
    assert!(
        fused.is_empty(),
        "the PTX fuses: {:?}",
        &fused[..fused.len().min(5)]
    );
    // Float arithmetic is emitted with explicit round-to-nearest, which forbids ptxas from
    // contracting mul+add into FMA.
    assert!(lif_host_cuda::PTX.contains("mul.rn.f32"));
}

#[test]
fn ptxas_assembles_for_sm80_and_sm90_without_spills() {
    let dir = std::env::temp_dir().join(format!("lif-ptx-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ptx = dir.join("lif_kernels.ptx");
    std::fs::write(&ptx, lif_host_cuda::PTX).unwrap();
    for arch in ["sm_80", "sm_90"] {
        let out = Command::new(ptxas())
            .args(["-arch", arch, "-v", "-o"])
            .arg(dir.join(format!("{arch}.cubin")))
            .arg(&ptx)
            .output()
            .expect("run ptxas");
        let log = String::from_utf8_lossy(&out.stderr).into_owned()
            + &String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "ptxas -arch={arch} failed:\n{log}");
        let kernels = log
            .lines()
            .filter(|l| l.contains("Compiling entry function"))
            .count();
        assert_eq!(
            kernels, 32,
            "ptxas -arch={arch} compiled {kernels} kernels:\n{log}"
        );
        assert!(
            log.matches("bytes spill stores").count() >= 32,
            "ptxas -v reported no spill lines:\n{log}"
        );
        let spills: Vec<&str> = log
            .lines()
            .filter(|l| {
                l.contains("spill") && !l.contains(" 0 bytes spill stores, 0 bytes spill loads")
            })
            .collect();
        assert!(
            spills.is_empty(),
            "register spills for {arch}:\n{}",
            spills.join("\n")
        );
        let regs: Vec<u32> = log
            .lines()
            .filter_map(|l| l.split("Used ").nth(1)?.split(' ').next()?.parse().ok())
            .collect();
        println!(
            "{arch}: {} kernels, registers per thread {}..{}",
            kernels,
            regs.iter().min().unwrap(),
            regs.iter().max().unwrap()
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}
