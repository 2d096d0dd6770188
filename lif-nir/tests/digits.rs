//! End to end on real data: the digits network trained by snnTorch (scripts/nir_digits.py),
//! exported to NIR, imported by lif and run on the whole held-out set.
//!
//! - f32: every output spike of every sample equals snnTorch's re-import of the same file,
//!   so the predictions are equal too;
//! - I16F16: accuracy within 0.5 points of f32;
//! - I16F16 with 8-bit weights (one scale per row): within 2 points of f32;
//! - I16F16 membranes within the accuracy contract's bound of f64, propagated through the
//!   network, and the same spikes wherever the bound decides them.

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

/// The accuracy contract, extended to an imported network: I16F16 against the f64
/// reference, on every neuron of both layers, every step and every test sample. Inputs and
/// weights are on grids that both formats hold exactly (x in 1/16, weights in 1/128), so
/// every sum into a neuron is exact in both while the spikes it sums agree; what differs is
/// `beta` (rounded once) and each `beta * m` (rounded down by at most 2^-16). The membrane
/// error then obeys `e(t) <= beta e(t-1) + |beta_q - beta| |m(t-1)| + 2^-16`, and a reset to
/// zero clears it. Spikes must agree wherever the reference is farther from the threshold
/// than that bound; the comparison of a sample stops at its first step where it is not (a
/// later difference is then allowed: the inputs downstream differ).
#[test]
fn i16f16_membranes_stay_within_the_propagated_bound_of_f64() {
    use lif_host_cuda::network::Recording;
    let m = model(false);
    let lif_nir::Neurons::Leaky(cfg) = &m.populations[0].neurons else {
        panic!("Leaky layers")
    };
    let beta = cfg[0].beta;
    let theta = cfg[0].threshold;
    let beta_q = <I16F16 as lif_core::Scalar>::from_f64(beta)
        .unwrap()
        .to_num::<f64>();
    let ulp = 2f64.powi(-16);
    let watch: Vec<Vec<usize>> = m
        .populations
        .iter()
        .map(|p| (0..p.neurons.len()).collect())
        .collect();
    let (mut complete, mut checked) = (0, 0usize);
    let mut worst = 0.0f64;
    for x in samples() {
        let mut traces = Vec::new();
        let mut events = Vec::new();
        for run in [0, 1] {
            let mut rec = Recording {
                watch: watch.clone(),
                ..Recording::default()
            };
            if run == 0 {
                m.network::<f64>(&x).unwrap().run(STEPS, &mut rec).unwrap();
            } else {
                m.network::<I16F16>(&x)
                    .unwrap()
                    .run(STEPS, &mut rec)
                    .unwrap();
            }
            traces.push(rec.traces);
            events.push(rec.events);
        }
        let mut bound: Vec<Vec<f64>> = watch.iter().map(|w| vec![0.0; w.len()]).collect();
        let mut prev: Vec<Vec<f64>> = bound.clone();
        let mut ambiguous = false;
        'steps: for t in 0..STEPS {
            for (p, w) in watch.iter().enumerate() {
                let n = w.len();
                let fired = |r: usize, i: usize| events[r][p].contains(&(t as u32, i as u32));
                for i in 0..n {
                    let (reference, fixed) = (traces[0][p][t * n + i], traces[1][p][t * n + i]);
                    let e = beta * bound[p][i] + (beta_q - beta).abs() * prev[p][i].abs() + ulp;
                    // The membrane before the reset decides the spike; after a spike both
                    // are reset to zero (checked below), which clears the error.
                    let spiked = fired(0, i);
                    if spiked != fired(1, i) {
                        assert!(
                            (reference - theta).abs() <= e || spiked && reference == 0.0,
                            "spikes differ at step {t}, population {p}, neuron {i} though the reference is {reference}, the bound {e}"
                        );
                        ambiguous = true;
                        break 'steps;
                    }
                    if spiked {
                        assert_eq!((reference, fixed), (0.0, 0.0), "a zero reset");
                        bound[p][i] = 0.0;
                    } else {
                        let d = (fixed - reference).abs();
                        assert!(
                            d <= e,
                            "step {t}, population {p}, neuron {i}: |{fixed} - {reference}| = {d} > {e}"
                        );
                        worst = worst.max(d / e.max(f64::MIN_POSITIVE));
                        bound[p][i] = e;
                    }
                    prev[p][i] = reference;
                    checked += 1;
                }
            }
        }
        complete += usize::from(!ambiguous);
    }
    eprintln!(
        "digits I16F16 vs f64: {checked} neuron-steps within the bound (at most {:.0}% of it), {complete} of 360 samples without an ambiguous spike",
        worst * 100.0
    );
    assert!(
        complete >= 300,
        "the bound decides most samples: {complete}"
    );
}
