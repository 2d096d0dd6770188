//! `lif-sim nir run` end to end on the committed digits network: the files it writes, the
//! accuracy snnTorch reached, the same predictions on 1 and 2 threads, and the errors bad
//! inputs get.

mod common;

use std::path::Path;
use std::process::Output;

use common::{lif_sim, read_npy, stderr, tmp};

const NIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/nir/");

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
    assert!(o.status.success(), "{}", stderr(&o));
    // The reset was not given: the import says what it chose.
    assert!(stderr(&o).contains("warning: the file does not store"));
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
    assert!(o.status.success(), "{}", stderr(&o));
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
    let refused = |input: &str, says: &str| {
        let o = lif_sim(&[
            "nir",
            "run",
            &format!("{NIR}digits.nir"),
            "--input",
            &format!("{NIR}{input}"),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(!o.status.success());
        assert!(stderr(&o).contains(says), "{}", stderr(&o));
    };
    // The digits' labels as the input: int64, not floats.
    refused(
        "digits.test_y.npy",
        "dtype <i8; expected float32 or float64",
    );
    // Another network's input: 6 values per step for a graph of 64.
    refused(
        "leaky_ff.input.npy",
        "6 values per step, but the graph takes 64",
    );
    assert!(!out.exists(), "a refused run leaves no folder");
}
