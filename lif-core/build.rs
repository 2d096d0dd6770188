//! Generates the fixed-point lookup tables (sigmoid, log2, cosine) into OUT_DIR.
//!
//! The tables are computed with the pure-Rust `libm` crate in f64 and rounded to Q30 integers,
//! so every build host produces the same bits and every target (Cortex-M, x86-64, nvptx)
//! reads the same table.
use std::fmt::Write as _;
use std::path::PathBuf;

/// Number of intervals of every table; each table has `N + 1` entries.
const N: usize = 512;
/// Sigmoid table covers [0, SIGMOID_RANGE]; beyond it sigmoid rounds to 1 in Q30 within 2^-23.
const SIGMOID_RANGE: f64 = 16.0;
const Q30: f64 = (1u64 << 30) as f64;

fn table(name: &str, doc: &str, f: impl Fn(f64) -> f64) -> String {
    let mut s = String::new();
    writeln!(s, "/// {doc}").unwrap();
    writeln!(s, "pub(crate) static {name}: [i32; {}] = [", N + 1).unwrap();
    for i in 0..=N {
        let v = libm::round(f(i as f64 / N as f64) * Q30);
        assert!(v.abs() <= i32::MAX as f64, "{name}[{i}] out of i32 range");
        writeln!(s, "    {},", v as i64).unwrap();
    }
    writeln!(s, "];").unwrap();
    s
}

fn main() {
    let mut out = String::new();
    writeln!(
        out,
        "/// Intervals per table (each has `TABLE_INTERVALS + 1` entries)."
    )
    .unwrap();
    writeln!(out, "pub(crate) const TABLE_INTERVALS: usize = {N};").unwrap();
    writeln!(
        out,
        "/// Upper end of the sigmoid table's domain `[0, SIGMOID_RANGE]`."
    )
    .unwrap();
    writeln!(
        out,
        "pub(crate) const SIGMOID_RANGE: i64 = {};",
        SIGMOID_RANGE as i64
    )
    .unwrap();
    out += &table(
        "SIGMOID_Q30",
        "sigmoid(x) for x = SIGMOID_RANGE * i / N, in Q30.",
        |u| 1.0 / (1.0 + libm::exp(-u * SIGMOID_RANGE)),
    );
    out += &table("LOG2_Q30", "log2(1 + i / N), in Q30.", |u| {
        libm::log2(1.0 + u)
    });
    out += &table(
        "COS_Q30",
        "cos(pi/2 * i / N): a quarter wave, in Q30.",
        |u| libm::cos(core::f64::consts::FRAC_PI_2 * u),
    );
    let path = PathBuf::from(std::env::var_os("OUT_DIR").unwrap()).join("tables.rs");
    std::fs::write(path, out).unwrap();
    println!("cargo:rerun-if-changed=build.rs");
}
