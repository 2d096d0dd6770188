//! End to end on real data: the digits network trained by snnTorch (scripts/nir_digits.py),
//! exported to NIR, imported by lif and run on the whole held-out set.
//!
//! - f32: every output spike of every sample equals snnTorch's re-import of the same file,
//!   so the predictions are equal too;
//! - I16F16: accuracy within 0.5 points of f32;
//! - I16F16 with 8-bit weights (one scale per row): within 2 points of f32.

use lif_core::I16F16;
use lif_nir::{ImportOptions, Model};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/nir/");
const STEPS: usize = 10;

fn npy<T: npyz::Deserialize>(file: &str) -> (Vec<usize>, Vec<T>) {
    let bytes = std::fs::read(format!("{DIR}{file}")).unwrap();
    let f = npyz::NpyFile::new(&bytes[..]).unwrap();
    let shape = f.shape().iter().map(|&n| n as usize).collect();
    (shape, f.into_vec().unwrap())
}

fn model(int8_weights: bool) -> Model {
    let nir = lif_nir::read(format!("{DIR}digits.nir")).unwrap();
    let opts = ImportOptions {
        int8_weights,
        ..ImportOptions::default()
    };
    lif_nir::import(&nir, &opts).unwrap()
}

/// Each test sample held for STEPS steps.
fn samples() -> Vec<Vec<f32>> {
    let (shape, x) = npy::<f32>("digits.test_x.npy");
    x.chunks_exact(shape[1])
        .map(|row| row.repeat(STEPS))
        .collect()
}

fn accuracy(predicted: &[usize], labels: &[i64]) -> f64 {
    let right = predicted
        .iter()
        .zip(labels)
        .filter(|(p, y)| **p as i64 == **y)
        .count();
    100.0 * right as f64 / labels.len() as f64
}

fn predictions<S: lif_core::Scalar + Send + Sync + 'static>(m: &Model) -> Vec<usize> {
    samples()
        .iter()
        .map(|x| m.run::<S>(x).unwrap().predicted(true).unwrap())
        .collect()
}

#[test]
fn f32_spikes_equal_snntorch_on_the_whole_test_set() {
    let m = model(false);
    let (shape, want) = npy::<u8>("digits.reimport.npy"); // (steps, samples, 10)
    assert_eq!(shape[0], STEPS);
    let (batch, n) = (shape[1], shape[2]);
    let xs = samples();
    assert_eq!(xs.len(), batch);
    let mut diff = 0;
    let mut predicted = Vec::new();
    for (b, x) in xs.iter().enumerate() {
        let run = m.run::<f32>(x).unwrap();
        for t in 0..STEPS {
            for j in 0..n {
                let w = want[(t * batch + b) * n + j];
                diff += usize::from(run.output[t * n + j] != f64::from(w));
            }
        }
        predicted.push(run.predicted(true).unwrap());
    }
    assert_eq!(diff, 0, "output spikes that differ from snnTorch's");
    let info: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{DIR}digits.json")).unwrap())
            .unwrap();
    let theirs: Vec<usize> = info["reimport_predictions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect();
    assert_eq!(predicted, theirs);
}

#[test]
fn fixed_point_accuracy_stays_near_f32() {
    let (_, labels) = npy::<i64>("digits.test_y.npy");
    let m = model(false);
    let f = accuracy(&predictions::<f32>(&m), &labels);
    let q = accuracy(&predictions::<I16F16>(&m), &labels);
    let q8 = accuracy(&predictions::<I16F16>(&model(true)), &labels);
    eprintln!("digits accuracy: f32 {f:.2}%, I16F16 {q:.2}%, I16F16 8-bit weights {q8:.2}%");
    assert!(f > 80.0, "the trained network classifies: {f}");
    assert!((q - f).abs() <= 0.5, "I16F16 {q} vs f32 {f}");
    assert!(q8 >= f - 2.0, "8-bit weights {q8} vs f32 {f}");
}
