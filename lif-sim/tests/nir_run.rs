//! `lif-sim nir run` end to end on the committed digits network: the files it writes, the
//! accuracy snnTorch reached, the same predictions on 1 and 2 threads, and the errors bad
//! inputs get.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const NIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/nir/");

fn lif_sim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lif-sim"))
        .args(args)
        .output()
        .expect("run lif-sim")
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("lif-sim-nir-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn read_npy<T: npyz::Deserialize>(path: &Path) -> (Vec<u64>, Vec<T>) {
    let bytes = std::fs::read(path).unwrap();
    let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
    let shape = npy.shape().to_vec();
    (shape, npy.into_vec::<T>().unwrap())
}

fn digits(out: &Path, extra: &[&str]) -> Output {
    let (model, x, y) = (
        format!("{NIR}digits.nir"),
        format!("{NIR}digits.test_x.npy"),
        format!("{NIR}digits.test_y.npy"),
    );
    let mut args = vec![
        "nir",
        "run",
        &model,
        "--input",
        &x,
        "--steps",
        "10",
        "--labels",
        &y,
        "--no-plots",
        "--out",
    ];
    args.push(out.to_str().unwrap());
    args.extend_from_slice(extra);
    lif_sim(&args)
}

#[test]
fn digits_run_writes_predictions_with_snntorchs_accuracy() {
    let (one, two) = (tmp("one"), tmp("two"));
    let o = digits(&one, &["--threads", "1"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The reset was not given: the import says what it chose.
    assert!(String::from_utf8_lossy(&o.stderr).contains("warning: the file does not store"));
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(one.join("summary.json")).unwrap()).unwrap();
    let want: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{NIR}digits.json")).unwrap())
            .unwrap();
    // snnTorch's accuracy was stored as a float32.
    let (ours, theirs) = (
        s["accuracy"].as_f64().unwrap(),
        want["accuracy"]["snntorch_reimport"].as_f64().unwrap(),
    );
    assert!((ours - theirs).abs() < 1e-5, "{ours} vs {theirs}");
    let (shape, predictions) = read_npy::<i64>(&one.join("predictions.npy"));
    assert_eq!(shape, [360]);
    let theirs: Vec<i64> = want["reimport_predictions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    assert_eq!(predictions, theirs);
    let (shape, _) = read_npy::<f32>(&one.join("output.npy"));
    assert_eq!(shape, [360, 10, 10]);
    let (shape, rows) = read_npy::<u32>(&one.join("spikes-3.npy"));
    assert_eq!((shape[1], rows.len() as u64), (3, shape[0] * 3));

    let o = digits(&two, &["--threads", "2"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in [
        "output.npy",
        "predictions.npy",
        "spikes-1.npy",
        "spikes-3.npy",
    ] {
        assert_eq!(
            std::fs::read(one.join(f)).unwrap(),
            std::fs::read(two.join(f)).unwrap(),
            "{f} differs between 1 and 2 threads"
        );
    }
}

#[test]
fn bad_inputs_are_errors_naming_them() {
    let out = tmp("bad");
    // The digits' labels as the input: int64, not floats.
    let o = lif_sim(&[
        "nir",
        "run",
        &format!("{NIR}digits.nir"),
        "--input",
        &format!("{NIR}digits.test_y.npy"),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("dtype <i8; expected float32 or float64"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // Another network's input: 6 values per step for a graph of 64.
    let o = lif_sim(&[
        "nir",
        "run",
        &format!("{NIR}digits.nir"),
        "--input",
        &format!("{NIR}leaky_ff.input.npy"),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("6 values per step, but the graph takes 64"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!out.exists(), "a refused run leaves no folder");
}
