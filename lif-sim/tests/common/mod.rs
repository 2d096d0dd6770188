//! Helpers shared by lif-sim's end-to-end tests: running the binary, a scratch folder per
//! test binary and process, and reading what a run wrote.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs lif-sim with `args` in the current folder.
pub fn lif_sim(args: &[&str]) -> Output {
    lif_sim_in(Path::new("."), args)
}

/// Runs lif-sim with `args` in `dir`.
pub fn lif_sim_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lif-sim"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run lif-sim")
}

/// A fresh scratch path `name`, apart from other test binaries and processes.
pub fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "lif-sim-{}-{}-{name}",
        env!("CARGO_CRATE_NAME"),
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// A `.npy` file's shape and values.
pub fn read_npy<T: npyz::Deserialize>(path: &Path) -> (Vec<u64>, Vec<T>) {
    let bytes = std::fs::read(path).unwrap();
    let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
    let shape = npy.shape().to_vec();
    (shape, npy.into_vec::<T>().unwrap())
}

/// A JSON file.
pub fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The `summary.json` a run wrote into `dir`.
pub fn summary(dir: &Path) -> serde_json::Value {
    json(&dir.join("summary.json"))
}

/// What a run printed on standard error.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
